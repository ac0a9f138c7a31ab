# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The whole-system scenarios, end to end with real clients, shared by the VM
# test (test/vm/tests/system.sh, nf_ntm), the host test
# (test/host/system-user.sh, the user datapath) and `make demo`. Each
# scenario is a section: its checks are counted apart, and system_table
# prints one line per section at the end.
#
#   system_e2e DATAPATH     run every section on a fresh topology (system.sh)
#   system_table            the summary table

# shellcheck source=test/lib/system.sh
source "$(dirname "${BASH_SOURCE[0]}")/system.sh"
# shellcheck source=test/lib/resilience.sh
source "$(dirname "${BASH_SOURCE[0]}")/resilience.sh"

_sec_names=()
declare -A _sec_pass _sec_fail _sec_what
_sec_cur=

section() { # NAME WHAT
	_sec_end
	_sec_cur=$1
	_sec_names+=("$1")
	_sec_what[$1]=$2
	_sec_base_pass=$_ntm_pass _sec_base_fail=$_ntm_fail
	echo
	echo "======== $1: $2"
}

_sec_end() {
	[[ -n $_sec_cur ]] || return 0
	_sec_pass[$_sec_cur]=$((_ntm_pass - _sec_base_pass))
	_sec_fail[$_sec_cur]=$((_ntm_fail - _sec_base_fail))
	_sec_cur=
}

say() {
	echo "---- $*"
}

system_table() {
	local s r

	_sec_end
	echo
	echo "======== summary"
	printf '%-14s %-6s %6s  %s\n' scenario result checks what
	for s in "${_sec_names[@]}"; do
		r=PASS
		((${_sec_fail[$s]} == 0)) || r=FAIL
		((${_sec_pass[$s]} + ${_sec_fail[$s]} > 0)) || r=EMPTY
		printf '%-14s %-6s %6s  %s\n' "$s" "$r" "${_sec_pass[$s]}" "${_sec_what[$s]}"
	done
}

# Packets the RS received on its tunnel port (any datapath), from an nft
# counter of our own in the RS namespace.
_rs_count_up() {
	n "$RS" nft -f - <<-EOF
		table inet e2e_count {
			counter tunnel_in { }
			chain in {
				type filter hook prerouting priority raw - 5; policy accept;
				udp dport $RS_PORT counter name tunnel_in
			}
		}
	EOF
}

rs_tunnel_packets() {
	ip netns exec "$RS" nft -j list counter inet e2e_count tunnel_in |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}

_prefix() { # VALUE PREFIX
	[[ $1 == "$2"* ]]
}

_same_sha() { # FILE-ON-HOST SHA
	[[ $(sha256sum <"$1" | cut -d' ' -f1) == "$2" ]]
}

_path_is() { # NS PEER FIELD VALUE
	[[ $(node_path "$1" "$2" ".$3") == "$4" ]]
}

_peer_path_is() { # NS PEER-NODE-ID FIELD VALUE
	[[ $(node_state "$1" ".paths[] | select(.peer_node_id == $2) | .$3") == "$4" ]]
}

_not_logged() { # FILE REGEX
	! grep -qE "$2" "$1"
}

_dns_a() { # NS NAME: the first A record the DC answers for NAME (no hook)
	ip netns exec "$1" python3 -c '
import socket, struct, sys
name = sys.argv[1]; dc = sys.argv[2]
q = struct.pack(">HHHHHH", 0x4321, 0x0000, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
q += struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(q, (dc, 53)); a = s.recv(512)
an = struct.unpack(">H", a[6:8])[0]
i = len(q)
for _ in range(an):
    i += 2 if a[i] & 0xc0 == 0xc0 else a.index(0, i) + 1 - i
    t, c, ttl, l = struct.unpack(">HHIH", a[i:i + 10]); i += 10
    if t == 1:
        print(socket.inet_ntoa(a[i:i + 4])); break
    i += l
' "$2" "$DC_IP"
}

_dns_rcode() { # NS NAME: the status of a lookup at the DC (dig-free: python)
	ip netns exec "$1" python3 -c '
import socket, struct, sys
name = sys.argv[1]; dc = sys.argv[2]
q = struct.pack(">HHHHHH", 0x1234, 0x0000, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
q += struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(q, (dc, 53)); a = s.recv(512)
print({0: "NOERROR", 3: "NXDOMAIN", 5: "REFUSED"}.get(a[3] & 15, a[3] & 15))
' "$2" "$DC_IP"
}

system_e2e() {
	local dp=$1 vip_mn vip_cn gh_vip t_addr sha got pid before after ms dl

	sys_up "$dp"
	_rs_count_up
	www=$NTM_LOGDIR/www
	head -c 2000000 /dev/urandom >"$www/big"
	sha=$(sha256sum <"$www/big" | cut -d' ' -f1)

	section registration "nodes register with the DC and get unique VIPs"
	node_conf "$MN" "$MN_ID" "mn.ntm.test"
	node_conf "$CN" "$CN_ID" "cn.ntm.test"
	node_start "$MN"
	node_start "$CN"
	vip_mn=$(node_vip "$MN") vip_cn=$(node_vip "$CN")
	say "MN has VIP $vip_mn, CN has VIP $vip_cn"
	check "MN's VIP is in the pool $VIP_NET" _prefix "$vip_mn" 100.64.
	check "CN's VIP is in the pool $VIP_NET" _prefix "$vip_cn" 100.64.
	check "the two VIPs differ" [ "$vip_mn" != "$vip_cn" ]
	check "MN's VIP is on its TUN" bash -c "ip -n $MN addr show $NODE_TUN | grep -q 'inet $vip_mn/'"
	check "MN is seen behind NAT_MN" [ "$(node_state "$MN" .observed)" = "$NAT_MN_IP:$NODE_PORT" ]

	section resolution "names resolve through the DC and the nodes' DNS hook"
	if [[ $dp == kernel ]]; then
		# The guest's kernel has nft_queue (the host's may not: the node
		# then falls back to xt NFQUEUE, which nft cannot print).
		check "the DNS hook is an nft rule admins can read: udp sport 53 queue ... bypass" \
			bash -c "ip netns exec $MN nft list chain inet ntm_node input | grep -qE 'udp sport 53 queue .*bypass'"
	fi
	got=$(resolve "$MN" cn.ntm.test)
	say "MN: cn.ntm.test -> $got"
	check "MN resolves cn.ntm.test to CN's VIP" [ "$got" = "$vip_cn" ]
	check "MN holds a path to cn.ntm.test, up" _path_is "$MN" cn.ntm.test up true
	check "... routed through the RS (RS-S: both behind NATs)" _path_is "$MN" cn.ntm.test route rs-s
	check "CN got leg B from the DC" wait_for 10 _peer_path_is "$CN" "$MN_ID" up true
	check "unknown names in the zone: NXDOMAIN" [ "$(_dns_rcode "$MN" nobody.ntm.test)" = NXDOMAIN ]
	check "names outside the zone: REFUSED, no recursion" [ "$(_dns_rcode "$MN" example.org)" = REFUSED ]

	section rs-s "TCP between two NTM nodes behind two NATs, via RS-S"
	web_serve "$CN" "$vip_cn" 8081 "$www" "$NTM_LOGDIR/http-cn.log"
	check "ping MN -> CN over the VIPs" n "$MN" ping -c 3 -i 0.2 -W 3 cn.ntm.test
	got=$(n "$MN" curl -sS --max-time 60 "http://cn.ntm.test:8081/big" | sha256sum | cut -d' ' -f1)
	check "2 MB from CN to MN over TCP, sha256 intact" [ "$got" = "$sha" ]
	check "CN saw MN's VIP, not an address of the RS or a NAT" \
		grep -q "^$vip_mn .*GET /big" "$NTM_LOGDIR/http-cn.log"
	if [[ $dp == kernel ]]; then
		check "the RS holds the path as RS-S" \
			bash -c "ip netns exec $RS ntmctl -j path list | jq -e '.[] | select(.type == \"RS-S\")' >/dev/null"
	fi

	section rs-n "HTTP download from an unmodified general host, via RS-N"
	gh_vip=$(resolve "$MN" gh.ntm.test)
	say "MN: gh.ntm.test -> $gh_vip (the host's real address is $GH_IP)"
	check "gh.ntm.test resolves to a host VIP in $HOST_VIP_NET" _prefix "$gh_vip" 100.65.
	check "the path to gh.ntm.test is RS-N" _path_is "$MN" gh.ntm.test route rs-n
	got=$(n "$MN" curl -sS --max-time 60 "http://gh.ntm.test:8080/big" | sha256sum | cut -d' ' -f1)
	check "2 MB from GH, sha256 intact" [ "$got" = "$sha" ]
	check "GH saw the RS's address (translated), not the VIP" \
		grep -q "^$RS_IP .*GET /big" "$NTM_LOGDIR/http.log"

	section rs-t "a SIP call to a general host, via RS-T (sipp)"
	got=$(resolve "$MN" sip.ntm.test)
	check "sip.ntm.test resolves to the host's real address" [ "$got" = "$SIP_IP" ]
	check "the path to sip.ntm.test is RS-T" _path_is "$MN" sip.ntm.test route rs-t
	t_addr=$(node_path "$MN" sip.ntm.test .local_vip)
	say "MN uses the RS's address $t_addr on this path"
	check "MN's address on the path is from the RS-T pool" _prefix "$t_addr" 203.0.113.
	check "a SIP call (INVITE, 200, ACK, BYE) from MN completes" \
		n "$MN" sipp -sn uac -m 1 -i "$t_addr" -p 5061 -timeout 30s -nostdin \
		-trace_stat -stf "$NTM_LOGDIR/sipp-uac.csv" "sip.ntm.test:5060"
	# The UAS answers the address in the INVITE's Via header: the call
	# completes only if that address, the RS's, reaches MN untranslated.
	check "GH's SIP server saw MN's address $t_addr in the INVITE" \
		grep -q "Via: SIP/2.0/UDP $t_addr:5061" "$NTM_LOGDIR/sipp-uas-msg.log"

	section route-opt "route optimization: RS-S traffic moves to a direct path, and back"
	check "MN's path to CN goes direct" wait_for 60 _path_is "$MN" cn.ntm.test active direct
	check "CN's path to MN goes direct" wait_for 30 _peer_path_is "$CN" "$MN_ID" active direct
	before=$(rs_tunnel_packets)
	n "$MN" ping -c 20 -i 0.1 -W 2 "$vip_cn" >/dev/null
	after=$(rs_tunnel_packets)
	say "RS tunnel port packets during 20 pings: $((after - before))"
	# Through the RS they would be 40 packets there (20 requests, 20
	# replies); what it may still see are the nodes' keepalives.
	check "20 pings MN -> CN did not go through the RS (< 10 packets there)" [ $((after - before)) -lt 10 ]
	say "NAT_CN now drops direct traffic from NAT_MN"
	n "$NAT_CN" nft add table ip block
	n "$NAT_CN" nft add chain ip block in '{ type filter hook prerouting priority raw; }'
	n "$NAT_CN" nft add rule ip block in ip saddr "$NAT_MN_IP" udp dport "$NODE_PORT" drop
	check "MN's path goes back to the relay" wait_for 60 _path_is "$MN" cn.ntm.test active relay
	check "ping MN -> CN after the fall back" n "$MN" ping -c 3 -i 0.2 -W 3 "$vip_cn"

	section mobility "MN changes network in the middle of a download"
	res_case node-move "MN moves from NAT_MN to NAT_MN2 (new real address) 2 s into a 2 MB RS-N download at 250 KB/s"
	dl=$NTM_LOGDIR/dl-move
	n_bg "$MN" curl -sS --max-time 120 -o "$dl" "http://gh.ntm.test:8080/big?rate=250k"
	pid=$!
	sleep 2
	say "MN leaves NAT_MN ($MN_IP) for NAT_MN2 ($MN2_IP)"
	# shellcheck disable=SC2119 # no argument: toward NAT_MN2
	topo_mn_move
	check "the download was still running when MN moved" kill -0 "$pid"
	check "the node re-registered from NAT_MN2" \
		wait_for 30 node_state_is "$MN" .observed "$NAT_MN2_IP:$NODE_PORT"
	check "with the same VIP" [ "$(node_vip "$MN")" = "$vip_mn" ]
	check "the download finished" wait "$pid"
	check "sha256 intact across the move" _same_sha "$dl" "$sha"
	ms=$(grep -oE 're-established in [0-9]+ ms' "$(node_log "$MN")" | tail -1 | grep -oE '[0-9]+' || true)
	say "paths re-established ${ms:-?} ms after the new address (ntm-node's log)"
	check "the node logged the re-establishment time" [ -n "$ms" ]
	res_num "re-established=${ms:-?} ms"
	res_end
	check "TCP to CN still works over the VIPs" \
		n "$MN" curl -sS --max-time 60 -o /dev/null "http://cn.ntm.test:8081/big"
	check "the DC sent new direct candidates for the moved node's RS-S path" \
		grep -q "node $MN_ID moved: new direct candidates" "$DC_LOG"
	check "MN's path to CN goes direct again, from NAT_MN2" \
		wait_for 60 _path_is "$MN" cn.ntm.test active direct

	section dc-restart "the DC restarts: VIPs stay unique"
	dc_stop
	dc_start
	check "after the restart the DC answers mn.ntm.test with the same VIP" \
		[ "$(_dns_a "$CN" mn.ntm.test)" = "$vip_mn" ]
	check "and cn.ntm.test with CN's" [ "$(_dns_a "$MN" cn.ntm.test)" = "$vip_cn" ]
	topo_add_public_host N3 198.51.100.40
	dc_stop
	dc_conf "node 13 $KEY_13 n3.ntm.test"
	dc_start
	node_conf "$N3" 13 n3.ntm.test
	node_start "$N3"
	check "a new node gets a VIP of its own" \
		bash -c "v=\$(jq -r .vip $(node_file "$N3" json)); [[ \$v == 100.64.* && \$v != $vip_mn && \$v != $vip_cn ]]"
	check "n3.ntm.test resolves at the DC" [ "$(_dns_rcode "$MN" n3.ntm.test)" = NOERROR ]

	section faults "SIGKILL of the DC and of a node in the middle of traffic"
	res_case sigkill-dc "SIGKILL of ntm-dc 1 s into a 2 MB download MN <- CN; the DC started again"
	dl=$NTM_LOGDIR/dl-dckill
	n_bg "$MN" curl -sS --max-time 120 -o "$dl" "http://cn.ntm.test:8081/big?rate=300k"
	pid=$!
	sleep 1
	say "SIGKILL of ntm-dc during a download from CN"
	dc_kill
	check "the download was still running when the DC died" kill -0 "$pid"
	check "the download finished without the DC" wait "$pid"
	check "sha256 intact" _same_sha "$dl" "$sha"
	check "the DC's store survived the kill (PRAGMA integrity_check)" \
		[ "$(sqlite3 "$DC_DB" 'PRAGMA integrity_check')" = ok ]
	dc_start
	check "the DC came back with the same VIPs" [ "$(_dns_a "$CN" mn.ntm.test)" = "$vip_mn" ]
	res_end
	res_case sigkill-node "SIGKILL of CN's ntm-node 1 s into a 2 MB download MN <- CN, started again at once"
	dl=$NTM_LOGDIR/dl-nodekill
	n_bg "$MN" curl -sS --max-time 180 -o "$dl" "http://cn.ntm.test:8081/big?rate=300k"
	pid=$!
	sleep 1
	say "SIGKILL of CN's ntm-node during that download, then a restart"
	node_kill "$CN"
	check "the download was still running when CN's ntm-node died" kill -0 "$pid"
	node_start "$CN"
	check "CN registered again with the same VIP" [ "$(node_vip "$CN")" = "$vip_cn" ]
	check "the DC pushed CN's live paths to it again" \
		wait_for 30 dc_logged "node $CN_ID started afresh: its [0-9]+ live paths? pushed"
	check "the TCP session across the restart finished" wait "$pid"
	check "sha256 intact across the node's restart" _same_sha "$dl" "$sha"
	check "ping MN -> CN" n "$MN" ping -c 3 -i 0.2 -W 3 "$vip_cn"
	res_end

	section refused "unknown or unauthenticated nodes are refused"
	res_case unknown-node "a node with an unknown key id, then node 13's key with a name outside the zone"
	topo_add_public_host N4 198.51.100.41
	node_conf "$N4" 14 n4.ntm.test
	n_bg "$N4" ntm-node --config "$(node_file "$N4" conf)" --foreground 2>"$NTM_LOGDIR/node-n4.log"
	pid=$!
	check "the DC logs the unknown key id and does not answer" \
		wait_for 30 grep -qi 'unknown key id 14' "$DC_LOG"
	check "the node says it got no answer" \
		wait_for 60 grep -q 'no Registration Response' "$NTM_LOGDIR/node-n4.log"
	_ntm_kill "$pid"
	# Node 13's own key, a name outside the zone: authenticated, refused.
	node_conf "$N4" 13 n4.example.org
	n_bg "$N4" ntm-node --config "$(node_file "$N4" conf)" --foreground 2>"$NTM_LOGDIR/node-n4b.log"
	pid=$!
	check "a name outside the zone: REFUSED, and the node says so" \
		wait_for 30 grep -q 'REFUSED' "$NTM_LOGDIR/node-n4b.log"
	_ntm_kill "$pid"
	check "node 13 kept its VIP and name" [ "$(_dns_rcode "$MN" n3.ntm.test)" = NOERROR ]
	res_end

	section expiry "expired registrations are cleaned up"
	node_kill "$N3"
	say "node 13 is gone; its registration lives 30 s"
	check "the DC expires it" wait_for 90 grep -q 'registration of node 13.*expired' "$DC_LOG"
	check "n3.ntm.test is no longer answered" [ "$(_dns_rcode "$MN" n3.ntm.test)" = NXDOMAIN ]
	check "MN is still registered" [ "$(_dns_rcode "$CN" mn.ntm.test)" = NOERROR ]
}
