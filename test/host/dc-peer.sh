#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two domains: ntm-dc for ntm.test (DC, 198.51.100.20) with MN (node 11),
# and ntm-dc for other.test (DC2, 198.51.100.21) with CN (node 21), each
# other's peer-dc. Both zones hand out VIPs from 100.64.0.0/16, so MN and CN
# get the same VIP. MN asks its DC for CN, naming CN's DC: the Direction
# Request is forwarded, DC2 directs its RS (ntm-rsd, user datapath) for an
# RS-S path on which MN uses an address of DC2's host-vip-pool, answers DC
# with leg A (relayed to MN) and pushes leg B to CN. ntm-peer then carries
# MN's and CN's pings through the RS with that path key.

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/dc.sh
source "$here/../lib/dc.sh"
checktool ntm-dc ntm-rsd ntm-node-stub ntm-peer jq nft ping
[[ -c /dev/net/tun ]] || { echo "SKIP: ${0##*/}: no /dev/net/tun"; exit "$KSFT_SKIP"; }
ulimit -c 0

# Test keys only.
DCDC_KEY=7070707070707070707070707070707070707070707070707070707070707070
DC2_RS_KEY=0909090909090909090909090909090909090909090909090909090909090909
KEY_21=2121212121212121212121212121212121212121212121212121212121212121
DC2_CONF=$NTM_LOGDIR/dc2.conf
DC2_LOG=$NTM_LOGDIR/dc2.log

rsd_topo_up
topo_add_public_host DC2 198.51.100.21
rsd_conf user "dc-key 9 $DC2_RS_KEY"
# shellcheck disable=SC2119  # no extra environment for the RS
rsd_start

# shellcheck disable=SC2153 # DC2_IP: exported by topo_add_public_host
dc_conf "peer-dc other.test $DC2_IP:$DC_CTL_PORT 100 $DCDC_KEY"
dc_start
cat >"$DC2_CONF" <<EOF
control 0.0.0.0:$DC_CTL_PORT
dns $DC2_IP:53
zone other.test
address $DC2_IP
vip-pool $VIP_NET
host-vip-pool 100.66.0.0/16
store $NTM_LOGDIR/dc2/dc.db
log-level debug
node 21 $KEY_21
rs rs1 $RS_IP:$RSD_CTL_PORT 9 $DC2_RS_KEY
peer-dc $ZONE $DC_IP:$DC_CTL_PORT 100 $DCDC_KEY
EOF
chmod 600 "$DC2_CONF"
n_bg "$DC2" ntm-dc --config "$DC2_CONF" --foreground 2>"$DC2_LOG"
wait_for 30 grep -q "info: ready:" "$DC2_LOG" || die "the second DC did not start: $(cat "$DC2_LOG")"

out=$(node_stub "$MN" 11 register mn.$ZONE)
vip_mn=$(jq -r .vip <<<"$out")
out=$(ip netns exec "$CN" ntm-node-stub -q --dc "$DC2_IP:$DC_CTL_PORT" --node-id 21 \
	--key "$KEY_21" --local "0.0.0.0:$NODE_PORT" register cn.other.test)
vip_cn=$(jq -r .vip <<<"$out")
check "MN and CN have the same VIP in their own domains ($vip_mn)" [ "$vip_mn" = "$vip_cn" ]

ip netns exec "$CN" ntm-node-stub -q --dc "$DC2_IP:$DC_CTL_PORT" --node-id 21 --key "$KEY_21" \
	--local "0.0.0.0:$NODE_PORT" listen 8000 count 3 >"$NTM_LOGDIR/cn-pushed.json" 2>&1 &
cn_listen=$!
on_exit _ntm_kill "$cn_listen"
sleep 0.3
out=$(node_stub "$MN" 11 direction node 21 dc "$DC2_IP:$DC_CTL_PORT")
echo "$out" >"$NTM_LOGDIR/mn-route.json"
p_id=$(jq -r .path_id <<<"$out")
p_key=$(jq -r .path_key <<<"$out")
a_vip=$(jq -r .local_vip <<<"$out")
check "MN's DC forwarded the Direction Request to other.test's DC" \
	dc_logged "Direction Request of node 11 for node 21 of other.test forwarded to its DC"
check "MN gets RS-S, leg A, through the RS, with an address of DC2's host-vip-pool" \
	bash -c "[ '$(jq -r '[.status, .route, .leg, .tunnel, .peer_vip] | @tsv' <<<"$out")' = 'OK	rs-s	a	$RS_IP:$RS_PORT	$vip_cn' ] && [[ '$a_vip' == 100.66.* ]]"
check "the RS installed DC2's Relay Direction" \
	rsd_logged "path $p_id \(RS-S\): installed, leg A $a_vip, leg B $vip_cn"
check "DC2 logged the path" grep -q "path $p_id (RS-S, node 11 of the peer DC - node 21) is live on RS rs1" "$DC2_LOG"
wait "$cn_listen" || true
pushed=$(jq -c "select(.path_id == $p_id)" "$NTM_LOGDIR/cn-pushed.json" | head -n 1)
check "CN got leg B: same path and key, MN as $a_vip" \
	[ "$(jq -r '[.route, .leg, .local_vip, .peer_vip, .path_key] | @tsv' <<<"$pushed")" = \
	  "rs-s	b	$vip_cn	$a_vip	$p_key" ]

PEER_KEY=$p_key rsd_peer "$MN" a "$p_id" ntmp0 "$a_vip" --peer-vip "$vip_cn" --keepalive 3600
PEER_KEY=$p_key rsd_peer "$CN" b "$p_id" ntmp0 "$vip_cn" --peer-vip "$a_vip" --keepalive 3600
check "across domains: MN -> CN" n "$MN" ping -c 3 -i 0.2 -W 2 "$vip_cn"
check "across domains: CN -> MN" n "$CN" ping -c 3 -i 0.2 -W 2 "$a_vip"

out=$(node_stub "$MN" 11 direction node 22 dc "$DC2_IP:$DC_CTL_PORT" || true)
check "a node DC2 does not know: UNREACHABLE" [ "$(jq -r .status <<<"$out")" = UNREACHABLE ]
out=$(node_stub "$MN" 11 direction node 21 dc 192.0.2.99:7700 || true)
check "a DC no peer-dc line names: UNREACHABLE" [ "$(jq -r .status <<<"$out")" = UNREACHABLE ]

dc_stop
rsd_stop

summary
