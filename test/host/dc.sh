#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ntm-dc, the Direction Coordinator, natively on the host: the DC in its own
# namespace on the public segment, a real ntm-rsd (user datapath) as its RS,
# ntm-node-stub as the nodes MN (node 11) and CN (node 12), both behind their
# NATs, and ntm-peer as their data planes once the DC gave them a path.
#
#   registration: VIPs from vip-pool, sticky across a DC restart, never
#     another node's; unknown key -> no answer (logged); wrong node id ->
#     REFUSED; a live node's name -> CONFLICT; retransmission -> same answer
#   DNS (ldns in ntm-node-stub): A, NTM record, SOA, NS, NXDOMAIN, REFUSED
#   Direction Requests: RS-S (both behind a NAT) through a first RS that does
#     not answer (taken as down, fail-over to rs1), the Relay Direction
#     installed on the RS, the Route Direction to MN and the one pushed to CN,
#     the direct candidates, MN and CN pinging each other through the RS with
#     the DC's path key; the same path again; RS-N and RS-T; Path Teardown;
#     a registration that expires takes its path down at the RS.
#
#   MN 10.1.0.2 (NAT_MN 198.51.100.1)  CN 10.2.0.2 (NAT_CN 198.51.100.2)
#   RS 198.51.100.10 ntm-rsd   DC 198.51.100.20 ntm-dc   GH 198.51.100.30

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/dc.sh
source "$here/../lib/dc.sh"
checktool ntm-dc ntm-rsd ntm-node-stub ntm-peer jq nft sqlite3 ping
[[ -c /dev/net/tun ]] || { echo "SKIP: ${0##*/}: no /dev/net/tun"; exit "$KSFT_SKIP"; }
ulimit -c 0

# like STRING PATTERN: a glob match, for check.
like() {
	# shellcheck disable=SC2053
	[[ $1 == $2 ]]
}

rsd_topo_up
rsd_conf user
# shellcheck disable=SC2119  # no extra environment for the RS
rsd_start

# A second RS first in the list that never answers: the first path tries it,
# takes it as down and goes to rs1.
# Node 12 has no name of its own (it registers cn.ntm.test, which node 13 may
# then not take: CONFLICT); node 13 plays a third node. RS-T for port 5060.
DEAD_KEY=5555555555555555555555555555555555555555555555555555555555555555
DC_NODES="11:mn 12: 13:"
dc_conf "rs-t-port 5060" "rs dead 198.51.100.11:7700 8 $DEAD_KEY rst-pool 203.0.113.16/28"
check "ntm-dc --check-config accepts it" \
	bash -c "ntm-dc --config $DC_CONF --check-config | grep -q 'valid: zone ntm.test'"
dc_start
check "the DC answers DNS on UDP 53" wait_for 10 listening "$DC" udp 53

# ---- registration ----------------------------------------------------------

out=$(node_stub "$MN" 11 register mn.$ZONE)
check "MN registers: $out" [ "$(jq -r .status <<<"$out")" = OK ]
vip_mn=$(jq -r .vip <<<"$out")
check "MN's VIP $vip_mn is in vip-pool" like "$vip_mn" "100.64.*"
check "the DC saw MN behind its NAT" like "$(jq -r .observed <<<"$out")" "$NAT_MN_IP:*"
check "the DC logged it" dc_logged "node 11 \(mn.ntm.test\) registered: VIP $vip_mn, local $MN_IP:$NODE_PORT, observed $NAT_MN_IP:"
out=$(node_stub "$CN" 12 register cn.$ZONE)
vip_cn=$(jq -r .vip <<<"$out")
check "CN registers with another VIP ($vip_cn)" \
	bash -c "[ $(jq -r .status <<<"$out") = OK ] && [ '$vip_cn' != '$vip_mn' ] && [[ '$vip_cn' == 100.64.* ]]"
check "the store holds both, VIP UNIQUE" \
	[ "$(dc_db "SELECT group_concat(node_id || '=' || vip) FROM node ORDER BY node_id")" = "11=$vip_mn,12=$vip_cn" ]
check "the store is mode 0600" [ "$(stat -c %a "$DC_DB")" = 600 ]

out=$(node_stub "$MN" 11 --txn 4242 register mn.$ZONE lifetime 100000)
check "lifetime granted is at most the DC's (300)" [ "$(jq -r .lifetime <<<"$out")" = 300 ]
out2=$(node_stub "$MN" 11 --txn 4242 register mn.$ZONE lifetime 100000)
check "a retransmission (same transaction) gets the same answer" [ "$out" = "$out2" ]
check "... answered from the transaction cache" dc_logged "Registration Request from .* is a retransmission"

rc=0
node_stub "$MN" 99 --timeout 2500 register x.$ZONE >/dev/null 2>&1 || rc=$?
check "an unknown key id gets no answer" [ $rc -eq 1 ]
check "... and is logged at info" dc_logged "info: dropped Registration Request from $NAT_MN_IP:[0-9]+: unknown key id 99"
rc=0
ip netns exec "$MN" ntm-node-stub -q --dc "$DC_IP:$DC_CTL_PORT" --node-id 11 --key "$KEY_12" \
	--timeout 2500 register mn.$ZONE >/dev/null 2>&1 || rc=$?
check "a wrong key (bad tag) gets no answer" [ $rc -eq 1 ]
check "... logged" dc_logged "dropped Registration Request from .*: bad tag, key id 11"
out=$(node_stub "$MN" 11 register mn.$ZONE id 12 || true)
check "node id 12 in a body sealed with node 11's key: REFUSED" [ "$(jq -r .status <<<"$out")" = REFUSED ]
out=$(node_stub "$CN" 12 register mn.$ZONE || true)
check "a name pinned to another node: REFUSED" [ "$(jq -r .status <<<"$out")" = REFUSED ]
out=$(node_stub "$CN" 12 register cn.other.test || true)
check "a name outside the zone: REFUSED" [ "$(jq -r .status <<<"$out")" = REFUSED ]
out=$(ip netns exec "$GH" ntm-node-stub -q --dc "$DC_IP:$DC_CTL_PORT" --node-id 13 \
	--key "$KEY_13" register cn.$ZONE || true)
check "a name a live node holds: CONFLICT" [ "$(jq -r .status <<<"$out")" = CONFLICT ]

# ---- DNS ---------------------------------------------------------------------

out=$(dc_dns "$MN" mn.$ZONE)
check "DNS: A mn.ntm.test = its VIP, AA" \
	bash -c "[ $(jq -r '.answers[0].data' <<<"$out") = $vip_mn ] && [ $(jq .aa <<<"$out") = true ]"
out=$(dc_dns "$MN" cn.$ZONE ntm)
check "DNS: the NTM record of cn.ntm.test" \
	[ "$(jq -c '.answers[0] | [.type, .node_id, .vip, .local, .dc, .nat]' <<<"$out")" = \
	  "[\"NTM\",12,\"$vip_cn\",\"$CN_IP:$NODE_PORT\",\"$DC_IP:$DC_CTL_PORT\",true]" ]
check "... its observed endpoint is CN's NAT" like "$(jq -r '.answers[0].observed' <<<"$out")" "$NAT_CN_IP:*"
out=$(dc_dns "$MN" gh.$ZONE)
check "DNS: A of the host gh" [ "$(jq -r '.answers[0].data' <<<"$out")" = "$GH_IP" ]
out=$(dc_dns "$MN" gh.$ZONE ntm)
check "DNS: a host has no NTM record (NOERROR, SOA in authority)" \
	[ "$(jq -c '[.rcode, (.answers | length), .authority[0].type]' <<<"$out")" = '["NOERROR",0,"SOA"]' ]
out=$(dc_dns "$MN" nobody.$ZONE)
check "DNS: NXDOMAIN in the zone" [ "$(jq -r '[.rcode, .aa] | @tsv' <<<"$out")" = "NXDOMAIN	true" ]
out=$(dc_dns "$MN" example.com)
check "DNS: REFUSED outside the zone, no recursion" \
	[ "$(jq -r '[.rcode, .ra] | @tsv' <<<"$out")" = "REFUSED	false" ]
out=$(dc_dns "$MN" $ZONE soa)
check "DNS: SOA of the zone" [ "$(jq -r '.answers[0].type' <<<"$out")" = SOA ]
out=$(dc_dns "$MN" $ZONE ns)
check "DNS: NS with the glue A of ns.ntm.test" \
	[ "$(jq -r '[.answers[0].data, .additional[0].data] | @tsv' <<<"$out")" = "ns.$ZONE.	$DC_IP" ]

# DNS over TCP: one query, length-prefixed (RFC 1035 4.2.2).
tcp_a() {
	ip netns exec "$MN" python3 - "$DC_IP" "$1" <<-'PY'
		import socket, struct, sys
		q = struct.pack('>HHHHHH', 7, 0x0100, 1, 0, 0, 0)
		for label in sys.argv[2].split('.'):
		    q += bytes([len(label)]) + label.encode()
		q += b'\0' + struct.pack('>HH', 1, 1)
		s = socket.create_connection((sys.argv[1], 53), timeout=5)
		s.sendall(struct.pack('>H', len(q)) + q)
		a = b''
		while len(a) < 2 or len(a) < 2 + struct.unpack('>H', a[:2])[0]:
		    chunk = s.recv(4096)
		    if not chunk:
		        break
		    a += chunk
		print('.'.join(str(x) for x in a[-4:]) if a[5] & 15 == 0 else 'rcode %d' % (a[5] & 15))
	PY
}
check "DNS over TCP: A mn.ntm.test" [ "$(tcp_a mn.$ZONE)" = "$vip_mn" ]

# ---- restart: VIPs stick -------------------------------------------------------

dc_stop
check "SIGTERM: the DC stopped cleanly" dc_logged "stopped: .* stay in the store"
dc_start
check "after the restart, both registrations are still there" \
	dc_logged "ready: .* 3 nodes configured \(2 registered\)"
out=$(node_stub "$MN" 11 register mn.$ZONE)
check "MN gets the same VIP after the DC restart" [ "$(jq -r .vip <<<"$out")" = "$vip_mn" ]
out=$(node_stub "$MN" 11 register mn.$ZONE vip-hint 100.64.9.9)
check "... also with another VIP as hint" [ "$(jq -r .vip <<<"$out")" = "$vip_mn" ]
out=$(ip netns exec "$GH" ntm-node-stub -q --dc "$DC_IP:$DC_CTL_PORT" --node-id 13 \
	--key "$KEY_13" register thirteen.$ZONE vip-hint "$vip_mn")
vip_13=$(jq -r .vip <<<"$out")
check "node 13 asking for MN's VIP as hint gets another one ($vip_13)" \
	bash -c "[ '$vip_13' != '$vip_mn' ] && [ '$vip_13' != '$vip_cn' ] && [[ '$vip_13' == 100.64.* ]]"

# ---- RS-S ----------------------------------------------------------------------

# Nodes re-register often enough to keep their NAT mapping to the DC open:
# the DC pushes CN's Route Direction through it.
node_stub "$CN" 12 register cn.$ZONE >/dev/null
node_stub "$CN" 12 listen 10000 count 6 >"$NTM_LOGDIR/cn-pushed.json" 2>&1 &
cn_listen=$!
on_exit _ntm_kill "$cn_listen"
sleep 0.3
out=$(node_stub "$MN" 11 direction node 12)
echo "$out" >"$NTM_LOGDIR/mn-route.json"
s_id=$(jq -r .path_id <<<"$out")
s_key=$(jq -r .path_key <<<"$out")
check "MN -> CN (both behind a NAT): Route Direction RS-S, leg A, path $s_id" \
	[ "$(jq -r '[.status, .route, .leg, .peer_node_id, .local_vip, .peer_vip] | @tsv' <<<"$out")" = \
	  "OK	rs-s	a	12	$vip_mn	$vip_cn" ]
check "... through rs1: tunnel $RS_IP:$RS_PORT, control $RS_IP:$RSD_CTL_PORT" \
	[ "$(jq -r '[.tunnel, .control] | @tsv' <<<"$out")" = "$RS_IP:$RS_PORT	$RS_IP:$RSD_CTL_PORT" ]
check "the dead RS was tried first and taken as down" \
	dc_logged "RS dead did not answer the Relay Direction for path $s_id after 8 tries: taken as down for 30 s"
check "the RS installed the Relay Direction" \
	rsd_logged "path $s_id \(RS-S\): installed, leg A $vip_mn, leg B $vip_cn"
check "... in its store" [ "$(store_state "$s_id")" = installed ]
check "the DC stored the path" \
	[ "$(dc_db "SELECT route || ' ' || rs FROM path WHERE path_id = $s_id")" = "rs-s rs1" ]
wait "$cn_listen" || true
pushed=$(jq -c "select(.path_id == $s_id and .route == \"rs-s\")" "$NTM_LOGDIR/cn-pushed.json" | head -n 1)
check "CN got its Route Direction unsolicited: leg B, same path and key" \
	[ "$(jq -r '[.leg, .peer_node_id, .local_vip, .peer_vip, .path_key, .tunnel] | @tsv' <<<"$pushed")" = \
	  "b	11	$vip_cn	$vip_mn	$s_key	$RS_IP:$RS_PORT" ]
cand=$(jq -c "select(.path_id == $s_id and .route == \"direct\")" "$NTM_LOGDIR/cn-pushed.json" | head -n 1)
check "CN got the direct candidate: MN's observed endpoint, same key" \
	bash -c "[[ '$(jq -r .tunnel <<<"$cand")' == $NAT_MN_IP:* ]] && [ '$(jq -r .path_key <<<"$cand")' = $s_key ]"
check "the RS-S Route Direction reached CN before the candidate" \
	[ "$(jq -r "select(.path_id == $s_id) | .route" "$NTM_LOGDIR/cn-pushed.json" | head -n 1)" = rs-s ]

# The DC's path key works end to end: both nodes' data planes reach each
# other through the RS.
PEER_KEY=$s_key rsd_peer "$MN" a "$s_id" ntmp0 "$vip_mn" --peer-vip "$vip_cn" --keepalive 3600
PEER_KEY=$s_key rsd_peer "$CN" b "$s_id" ntmp0 "$vip_cn" --peer-vip "$vip_mn" --keepalive 3600
check "RS-S with the DC's path: MN -> CN" n "$MN" ping -c 3 -i 0.2 -W 2 "$vip_cn"
check "RS-S with the DC's path: CN -> MN" n "$CN" ping -c 3 -i 0.2 -W 2 "$vip_mn"

out=$(node_stub "$MN" 11 direction node 12)
check "asking again: the same path" [ "$(jq -r .path_id <<<"$out")" = "$s_id" ]
out=$(node_stub "$CN" 12 direction node 11)
check "CN asking for MN: the same path, as leg B" \
	[ "$(jq -r '[.path_id, .leg] | @tsv' <<<"$out")" = "$s_id	b" ]

# ---- RS-N, RS-T, teardown ----------------------------------------------------

out=$(node_stub "$MN" 11 direction host "$GH_IP" port 8080 proto 6)
n_id=$(jq -r .path_id <<<"$out")
vip_gh=$(jq -r .peer_vip <<<"$out")
check "MN -> GH: RS-N, a host VIP ($vip_gh) from host-vip-pool" \
	bash -c "[ '$(jq -r '[.status, .route, .local_vip] | @tsv' <<<"$out")' = 'OK	rs-n	$vip_mn' ] && [[ '$vip_gh' == 100.65.* ]]"
check "... PathIDs are new" [ "$n_id" -gt "$s_id" ]
check "the RS installed it with GH as the host" \
	rsd_logged "path $n_id \(RS-N\): installed, leg A $vip_mn, leg B $vip_gh, host $GH_IP"
out=$(node_stub "$MN" 11 direction host "$GH_IP" port 5060)
t_id=$(jq -r .path_id <<<"$out")
t_addr=$(jq -r .local_vip <<<"$out")
check "MN -> GH port 5060: RS-T, an address of rs1's rst-pool ($t_addr), the host's real address" \
	bash -c "[ '$(jq -r '[.status, .route, .peer_vip] | @tsv' <<<"$out")' = 'OK	rs-t	$GH_IP' ] && [[ '$t_addr' == 203.0.113.* ]]"
check "the RS installed the RS-T path" rsd_logged "path $t_id \(RS-T\): installed, leg A $t_addr, leg B $GH_IP"

out=$(node_stub "$MN" 11 teardown "$t_id")
check "Path Teardown from MN answered" [ "$(jq -r .status <<<"$out")" = OK ]
check "... the DC tore it down at the RS" wait_for 5 rsd_logged "path $t_id \(RS-T\).*removed"
check "... and forgot it" [ -z "$(dc_db "SELECT path_id FROM path WHERE path_id = $t_id")" ]
out=$(node_stub "$CN" 12 teardown "$n_id" || true)
check "CN may not tear down MN's RS-N path" [ "$(jq -r .status <<<"$out")" = REFUSED ]

# ---- expiry ------------------------------------------------------------------

out=$(ip netns exec "$GH" ntm-node-stub -q --dc "$DC_IP:$DC_CTL_PORT" --node-id 13 \
	--key "$KEY_13" register thirteen.$ZONE lifetime 12)
check "node 13 registers for 12 s" [ "$(jq -r .lifetime <<<"$out")" = 12 ]
out=$(ip netns exec "$GH" ntm-node-stub -q --dc "$DC_IP:$DC_CTL_PORT" --node-id 13 \
	--key "$KEY_13" direction host "$GH_IP")
e_id=$(jq -r .path_id <<<"$out")
check "node 13 (lifetime 12 s) has an RS-N path ($e_id)" [ "$(store_state "$e_id")" = installed ]
check "its registration expires" wait_for 20 dc_logged "registration of node 13 \(thirteen.ntm.test\) expired"
check "... its path is torn down at the RS" wait_for 5 rsd_logged "path $e_id \(RS-N\).*removed"
out=$(dc_dns "$MN" thirteen.$ZONE)
check "... and DNS answers NXDOMAIN for it" [ "$(jq -r .rcode <<<"$out")" = NXDOMAIN ]
check "its VIP stays its own in the store" [ "$(dc_db "SELECT vip FROM node WHERE node_id = 13")" = "$vip_13" ]

check "RS-S still relays" n "$MN" ping -c 2 -i 0.2 -W 2 "$vip_cn"

# ---- floods: rate limited before any AEAD open or DNS answer ------------------

check "the DC limits its control port and DNS (defaults)" \
	bash -c "grep -q 'control-rate: 100/s burst 200 per source' '$DC_LOG' && grep -q 'dns-rate: 100/s burst 200 per source' '$DC_LOG'"
n_bg "$GH" python3 "$NTM_REPO/test/lib/udpflood.py" --dst "$DC_IP:$DC_CTL_PORT" \
	--junk 100 --seconds 6 --pps 2000 >"$NTM_LOGDIR/flood-ctl.log" 2>&1
n_bg "$GH" python3 "$NTM_REPO/test/lib/udpflood.py" --dst "$DC_IP:53" \
	--junk 40 --seconds 6 --pps 2000 >"$NTM_LOGDIR/flood-dns.log" 2>&1
sleep 2
out=$(node_stub "$MN" 11 register mn.$ZONE vip-hint "$vip_mn")
check "MN registers during a flood from GH" [ "$(jq -r .status <<<"$out")" = OK ]
out=$(dc_dns "$MN" cn.$ZONE)
check "MN's DNS query is answered during the flood" [ "$(jq -r .rcode <<<"$out")" = NOERROR ]
check "the DC says it dropped GH's datagrams unopened" \
	wait_for 10 dc_logged "control: rate limit: datagram from $GH_IP:[0-9]+ dropped unopened"
check "... and GH's DNS queries" wait_for 10 dc_logged "dns: rate limit: datagram from $GH_IP:[0-9]+ dropped unopened"
wait_for 15 bash -c "grep -q '^sent' '$NTM_LOGDIR/flood-ctl.log' && grep -q '^sent' '$NTM_LOGDIR/flood-dns.log'" || true
kill -USR1 "$DC_PID"
check "SIGUSR1 counts what was rate-limited" \
	wait_for 5 dc_logged "rate-limited: [1-9][0-9]* control, [1-9][0-9]* DNS"
dc_stop
rsd_stop

summary
