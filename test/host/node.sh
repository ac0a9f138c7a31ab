#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ntm-node, natively on the host, with the real DC (ntm-dc) and RS (ntm-rsd
# on the user datapath): registration and a refused one; the DNS hook in
# MN's namespace (getent hosts through the DC's DNS) setting up an RS-S path
# to CN; ping and TCP MN -> CN over the VIPs; HTTP MN -> GH over RS-N with
# the host VIP the hook wrote into the answer; the route optimization
# (direct candidate); a direct path to PN, a node without NAT; MN moving behind NAT_MN2 during a download from CN,
# the file intact; a clean stop (nft table, TUN, state file gone).
#
#   MN 10.1.0.2 (NAT_MN 198.51.100.1) -> 10.3.0.2 (NAT_MN2 198.51.100.3)
#   CN 10.2.0.2 (NAT_CN 198.51.100.2)   RS 198.51.100.10   DC 198.51.100.20
#   GH 198.51.100.30 (web 8080), .31 (sip.ntm.test, RS-T)   PN 198.51.100.40 (node 13)

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/node.sh
source "$here/../lib/node.sh"
checktool ntm-node ntm-dc ntm-rsd jq nft ping curl python3 getent sha256sum
[[ -c /dev/net/tun ]] || { echo "SKIP: ${0##*/}: no /dev/net/tun"; exit "$KSFT_SKIP"; }
ulimit -c 0

rsd_topo_up
# The DC returns a node's live path to the same host address when it asks
# again, whatever the name: RS-T gets an address of GH's of its own, so that
# gh.ntm.test (RS-N) and sip.ntm.test (RS-T) are two peers.
n "$GH" ip addr add "$SIP_IP/24" dev eth0
web_serve "$GH" "$SIP_IP" 8080 "$www" "$NTM_LOGDIR/http-sip.log"
topo_nat_mn2_up
topo_nat_firewall "$NAT_MN" "$NAT_CN" "$NAT_MN2"
# NODE_RSD_DATAPATH: the RS's datapath (user; auto uses nf_ntm where it is loaded).
rsd_conf "${NODE_RSD_DATAPATH:-user}"
# shellcheck disable=SC2119 # no extra environment, no extra lines
rsd_start
if [[ ${NODE_RSD_DATAPATH:-user} == auto && -d /sys/module/nf_ntm ]]; then
	check "the RS relays with nf_ntm (kernel datapath)" rsd_logged "ready: .* kernel datapath"
fi
# PN, a node on the public segment: MN reaches it direct.
topo_add_public_host PN 198.51.100.40
dc_conf "node 13 $KEY_13 pn.ntm.test" "host www.ntm.test 198.51.100.32"
dc_start

# -- registration ------------------------------------------------------------
node_conf "$MN" 11 mn.ntm.test
node_conf "$CN" 12 cn.ntm.test
# A name outside the zone: REFUSED, and --once says so and exits 1.
node_conf "$MN" 11 mn.other.test
mv "$(node_file "$MN" conf)" "$NTM_LOGDIR/refused.conf"
out=$(n "$MN" ntm-node --config "$NTM_LOGDIR/refused.conf" --once 2>&1) && rc=0 || rc=$?
check "a FQDN outside the zone is REFUSED (exit 1, status named)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'REFUSED' <<<'$out'"
node_conf "$MN" 11 mn.ntm.test
# A node id the DC does not know: never answered; --once gives up after its
# 5 tries (23 s) with the question to ask. Runs while the rest goes on.
node_conf "$MN" 99 mn.ntm.test
mv "$(node_file "$MN" conf)" "$NTM_LOGDIR/unknown.conf"
sed -i "s/^state .*/state \/tmp\/ntm-unknown-$NTM_TEST_ID.json/; s/^tunnel-port .*/tunnel-port 7799/" "$NTM_LOGDIR/unknown.conf"
n_bg "$MN" ntm-node --config "$NTM_LOGDIR/unknown.conf" --once >"$NTM_LOGDIR/unknown.log" 2>&1
unknown_pid=$!
node_conf "$MN" 11 mn.ntm.test

node_start "$MN"
node_start "$CN"
mn_vip=$(node_state "$MN" .vip)
cn_vip=$(node_state "$CN" .vip)
check "MN registered with a VIP from the pool ($mn_vip)" bash -c "[[ $mn_vip == 100.64.* ]]"
check "CN registered with another VIP ($cn_vip)" bash -c "[[ $cn_vip == 100.64.* && $cn_vip != $mn_vip ]]"
check "MN's observed endpoint is its NAT's" [ "$(node_state "$MN" .observed)" = "$NAT_MN_IP:7702" ]
check "MN's local endpoint" [ "$(node_state "$MN" .local)" = "$MN_IP:7702" ]
check "the VIP is on MN's TUN" bash -c "ip -n $MN -4 addr show dev ntmvip0 | grep -q ' $mn_vip/32'"
check "the DNS hook's nft table is in MN" n "$MN" nft list chain inet ntm_node input
check "... with the udp sport 53 rule" bash -c "ip netns exec $MN nft list chain inet ntm_node input 2>/dev/null | grep -q 'udp sport 53'"

# -- DNS hook: an NTM node -----------------------------------------------------
got=$(n "$MN" getent hosts cn.ntm.test | awk '{ print $1 }')
check "getent hosts cn.ntm.test in MN gives CN's VIP ($got)" [ "$got" = "$cn_vip" ]
check "MN has an RS-S path to cn.ntm.test, up, leg A" \
	[ "$(node_state "$MN" '.paths[] | select(.peer == "cn.ntm.test") | "\(.route) \(.up) \(.leg) \(.peer_vip)"')" = "rs-s true a $cn_vip" ]
check "the hook held the answer until the path was up" node_logged "$MN" "DNS cn.ntm.test: A .* -> $cn_vip \(path [0-9]+"
wait_for 10 node_state_is "$CN" '.paths[0].up' true || true
check "CN set up leg B from the DC's unsolicited Route Direction" \
	[ "$(node_state "$CN" '.paths[0] | "\(.route) \(.leg) \(.up) \(.peer_vip)"')" = "rs-s b true $mn_vip" ]
check "a route to CN's VIP through MN's TUN, source the VIP" \
	bash -c "ip -n $MN route get $cn_vip | grep -q 'dev ntmvip0 .*src $mn_vip'"

check "ping MN -> CN over the VIPs" n "$MN" ping -c 3 -i 0.2 -W 2 "$cn_vip"
check "ping CN -> MN over the VIPs" n "$CN" ping -c 3 -i 0.2 -W 2 "$mn_vip"
cnwww=$NTM_LOGDIR/cnwww
mkdir -p "$cnwww"
head -c 3000000 /dev/urandom >"$cnwww/blob"
web_serve "$CN" 0.0.0.0 8081 "$cnwww" "$NTM_LOGDIR/cnhttp.log"
got=$(n "$MN" curl -sS --max-time 60 "http://cn.ntm.test:8081/blob" | sha256sum)
check "TCP MN -> CN (HTTP by name, through the hook): intact" [ "$got" = "$(sha256sum <"$cnwww/blob")" ]

# -- DNS hook: a general host (RS-N) --------------------------------------------
got=$(n "$MN" getent hosts gh.ntm.test | awk '{ print $1 }')
check "getent hosts gh.ntm.test gives a host VIP ($got), not $GH_IP" bash -c "[[ $got == 100.65.* ]]"
check "MN has an RS-N path to gh.ntm.test" \
	[ "$(node_state "$MN" '.paths[] | select(.peer == "gh.ntm.test") | "\(.route) \(.up) \(.peer_vip)"')" = "rs-n true $got" ]
got=$(n "$MN" curl -sS --max-time 60 "http://gh.ntm.test:8080/blob" | sha256sum)
check "HTTP MN -> GH via RS-N: intact" [ "$got" = "$(sha256sum <"$www/blob")" ]
check "GH saw the RS, not MN's NAT" grep -q "^$RS_IP .*GET /blob" "$NTM_LOGDIR/http.log"

# -- DNS hook: a general host that gets RS-T ----------------------------------------
got=$(n "$MN" getent hosts sip.ntm.test | awk '{ print $1 }')
check "getent hosts sip.ntm.test: the host's own address, unchanged ($got)" [ "$got" = "$SIP_IP" ]
t_addr=$(node_state "$MN" '.paths[] | select(.peer == "sip.ntm.test") | .local_vip')
check "MN has an RS-T path to sip.ntm.test, up" \
	[ "$(node_state "$MN" '.paths[] | select(.peer == "sip.ntm.test") | "\(.route) \(.up) \(.peer_vip)"')" = "rs-t true $SIP_IP" ]
check "... with an address of the RS's pool ($t_addr)" bash -c "[[ $t_addr == 203.0.113.* ]]"
check "... which is on MN's TUN" bash -c "ip -n $MN -4 addr show dev ntmvip0 | grep -q ' $t_addr/32'"
got=$(n "$MN" curl -sS --max-time 60 "http://sip.ntm.test:8080/blob" | sha256sum)
check "HTTP MN -> sip.ntm.test via RS-T: intact" [ "$got" = "$(sha256sum <"$www/blob")" ]
check "GH saw the RS-T address" grep -q "^$t_addr .*GET /blob" "$NTM_LOGDIR/http-sip.log"

# -- a direct path: PN has no NAT ------------------------------------------------------
node_conf "$PN" 13 pn.ntm.test
node_start "$PN"
pn_vip=$(node_state "$PN" .vip)
got=$(n "$MN" getent hosts pn.ntm.test | awk '{ print $1 }')
check "getent hosts pn.ntm.test gives PN's VIP ($got)" [ "$got" = "$pn_vip" ]
# shellcheck disable=SC2153 # PN_IP: exported by topo_add_public_host
check "MN's path to PN is direct, up, to PN's endpoint" \
	[ "$(node_state "$MN" '.paths[] | select(.peer == "pn.ntm.test") | "\(.route) \(.up) \(.active) \(.tunnel)"')" = "direct true direct $PN_IP:7702" ]
check "PN has the path as leg B, up, towards MN's NAT" \
	wait_for 10 node_state_is "$PN" '.paths[0] | "\(.route) \(.leg) \(.up) \(.tunnel)"' "direct b true $NAT_MN_IP:7702"
check "ping MN -> PN direct" n "$MN" ping -c 3 -i 0.2 -W 2 "$pn_vip"
check "ping PN -> MN direct" n "$PN" ping -c 3 -i 0.2 -W 2 "$mn_vip"

# -- the DC does not answer: the answer goes on unchanged after 5 s ------------------------
n "$MN" nft -f - <<-NFT
	table ip ntm_test_block {
		chain output {
			type filter hook output priority filter; policy accept;
			ip daddr $DC_IP udp dport $DC_CTL_PORT drop
		}
	}
NFT
t0=$SECONDS
got=$(n "$MN" getent hosts www.ntm.test | awk '{ print $1 }')
n "$MN" nft delete table ip ntm_test_block
check "no Route Direction: www.ntm.test answered unchanged ($got) after ~5 s ($((SECONDS - t0)) s)" \
	bash -c "[ '$got' = 198.51.100.32 ] && (($SECONDS - $t0 >= 4 && $SECONDS - $t0 <= 8))"
check "... and the log says why" node_logged "$MN" "DNS www.ntm.test: answer released unchanged: no Route Direction from the DC in 5 s"

# -- route optimization -----------------------------------------------------------
if wait_for 20 node_state_is "$MN" '.paths[] | select(.peer == "cn.ntm.test") | .active' direct; then
	pass "MN's path to CN switched to direct ($(node_state "$MN" '.paths[] | select(.peer == "cn.ntm.test") | .direct'))"
	check "... logged" node_logged "$MN" "path [0-9]+: direct to $NAT_CN_IP:7702"
	check "ping MN -> CN direct" n "$MN" ping -c 3 -i 0.2 -W 2 "$cn_vip"
else
	fail "MN's path to CN did not switch to direct: $(grep -E 'candidate|direct' "$(node_log "$MN")" | tail -3)"
fi

# -- mobility: MN moves behind NAT_MN2 during a download -----------------------------
head -c 20000000 /dev/urandom >"$cnwww/big"
n "$MN" curl -sS --max-time 120 -o "$NTM_LOGDIR/big.got" \
	"http://$cn_vip:8081/big?rate=2m" 2>"$NTM_LOGDIR/curl-move.log" &
curl_pid=$!
sleep 3
# shellcheck disable=SC2119 # no argument: toward NAT_MN2
topo_mn_move
check "the download was still running when MN moved" kill -0 "$curl_pid"
if wait "$curl_pid"; then
	pass "the download survived the move"
else
	fail "the download failed across the move: $(cat "$NTM_LOGDIR/curl-move.log")"
fi
check "the file is intact" [ "$(sha256sum <"$NTM_LOGDIR/big.got")" = "$(sha256sum <"$cnwww/big")" ]
check "MN logged the move and the re-establish time" \
	node_logged "$MN" "moved: local $MN2_IP:7702 \(was $MN_IP:7702\), paths( [0-9]+)+ re-established in [0-9]+ ms"
grep -E 'moved:' "$(node_log "$MN")" | tail -1 >&2
check "MN re-registered: observed is NAT_MN2's, same VIP" \
	[ "$(node_state "$MN" '"\(.observed) \(.vip)"')" = "$NAT_MN2_IP:7702 $mn_vip" ]
check "MN went back to the relay on its path to CN when it moved" \
	node_logged "$MN" "path [0-9]+: back to the relay \(moved\)"
# The DC sends both ends new direct candidates for the moved node: CN learns
# MN's new endpoint at once (it does not wait for the old one to go quiet),
# and the path goes direct again, now through NAT_MN2.
check "CN got MN's new endpoint as direct candidate" \
	wait_for 10 node_logged "$CN" "path [0-9]+: direct candidate $NAT_MN2_IP:7702"
check "MN's path to CN goes direct again" \
	wait_for 30 node_state_is "$MN" '.paths[] | select(.peer == "cn.ntm.test") | "\(.active) \(.direct)"' "direct $NAT_CN_IP:7702"
check "CN's path to MN goes direct, to NAT_MN2" \
	wait_for 30 node_state_is "$CN" '.paths[0] | "\(.active) \(.direct)"' "direct $NAT_MN2_IP:7702"
check "ping MN -> CN after the move" n "$MN" ping -c 3 -i 0.2 -W 2 "$cn_vip"

# -- the unknown node id ------------------------------------------------------------------
rc=0
wait "$unknown_pid" || rc=$?
check "an unknown node id: --once exits 1 after 5 tries" [ "$rc" -eq 1 ]
check "... saying what to check" grep -q "no Registration Response from DC $DC_IP:$DC_CTL_PORT after 5 tries: is node-id 99 and its key configured on the DC?" "$NTM_LOGDIR/unknown.log"

# -- clean stop ------------------------------------------------------------------------
node_stop "$MN"
check "MN's nft table is gone" bash -c "! ip netns exec $MN nft list table inet ntm_node 2>/dev/null"
check "MN's TUN is gone" bash -c "! ip -n $MN link show ntmvip0 2>/dev/null"
check "MN's state file is gone" [ ! -e "$(node_file "$MN" json)" ]
got=$(n "$MN" getent hosts gh.ntm.test | awk '{ print $1 }')
check "without the daemon, DNS answers are the DC's own ($got)" [ "$got" = "$GH_IP" ]
node_stop "$CN"
node_stop "$PN"

summary
