#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The nftables table of an RS (lib/ntm_nft.c, through `ntmctl nft`) and its
# conntrack view (lib/ntm_ct.c, through `ntmctl flows`), natively on the host:
#
#  1. ntmctl nft ensure on an empty ruleset builds exactly nft/ntmobile.nft
#     (nft list and the expressions of nft --debug=netlink, compared with the
#     file loaded by hand), and a second ensure changes nothing;
#  2. beside nft/gateway.nft, ensure, repair, show and remove never change the
#     admin's tables (nft list, byte for byte, after every operation);
#  3. repair: a chain deleted, a chain flushed, a rule added by hand: ensure
#     puts them back and keeps every element;
#  4. traffic through the table with nft/gateway.nft as shipped: an RS-N path
#     (DNAT by rsn_hosts, masquerade by rsn_vips) and an RS-T path (identity
#     binding by rst_addrs, which the gateway's own masquerade must not
#     rewrite); the per-path counters are byte-exact; ntmctl flows finds
#     exactly the conntrack entries of each PathID; without the rules the
#     gateway ruleset adds for ntmobile, nothing is relayed;
#  5. the round trip nft list ruleset > f; nft flush ruleset; nft -f f gives
#     both tables back byte for byte, and ntmctl sees the same paths.
#
# nf_ntm cannot be loaded on the host, so a veth named ntm0 stands in for the
# ntm netdevice, and a table of the test's own stamps meta mark = PathID on
# what enters it, as nf_ntm does on decapsulated packets. Paths are put in
# the table by hand with nft, in the format the RS daemon writes (ntm_nft.h);
# ntm_nft_path_apply() itself is tested by test/unit/test_ntm_nft.c.
#
#   NODE                         RS                             HOST
#   eth0 100.64.0.1 (VIP) ---- ntm0 100.64.255.254  wan0 .10 ---- eth0 .30
#        203.0.113.5 (RS-T)    routes 100.64.0.0/16,   198.51.100.0/24
#                              203.0.113.0/28 to ntm0       route 203.0.113.0/28
#                                                           via .10
#   path 42 RS-N: leg A VIP 100.64.0.1, leg B VIP 100.65.0.30 -> host .30
#   path 43 RS-T: leg A VIP 203.0.113.5, host 198.51.100.30
set -e
cd "$(dirname "$0")/../.."
# shellcheck source=test/lib/common.sh
source test/lib/common.sh

checktool ip nft conntrack ping jq curl python3
NTMCTL=${B:-build}/bin/ntmctl
[[ -x $NTMCTL ]] || die "$NTMCTL not built (make user)"

NODE=ntm-node-$NTM_TEST_ID
RS=ntm-rs-$NTM_TEST_ID
HOST=ntm-host-$NTM_TEST_ID
REF=ntm-ref-$NTM_TEST_ID
VIP_A=100.64.0.1 VIP_H=100.65.0.30 RST_VIP=203.0.113.5
RS_IP=198.51.100.10 HOST_IP=198.51.100.30
tmp=$(mktemp -d)
on_exit rm -rf "$tmp"

for ns in "$NODE" "$RS" "$HOST" "$REF"; do
	pp ip netns add "$ns"
	on_exit ip netns del "$ns"
	ip -n "$ns" link set lo up
done

rs() { n "$RS" "$@"; }
ntmctl() { "$NTMCTL" -n "$RS" "$@"; }

# ---- 1. ensure builds nft/ntmobile.nft --------------------------------------

n "$REF" nft -f nft/ntmobile.nft
n "$REF" nft list ruleset >"$tmp/ref.list"
# The expressions, handles left out.
ip netns exec "$REF" nft --debug=netlink list ruleset 2>&1 |
	sed -E 's/^(inet ntmobile [a-z_]+)( [0-9]+)+$/\1/' >"$tmp/ref.dbg"

out=$(ntmctl nft ensure)
check "ensure on an empty ruleset creates the table: \"$out\"" \
	test "$out" = "table inet ntmobile: 11 objects created or repaired"
rs nft list ruleset >"$tmp/rs.list"
check "ensure lists exactly as nft/ntmobile.nft loaded by hand" \
	diff -u "$tmp/ref.list" "$tmp/rs.list"
ip netns exec "$RS" nft --debug=netlink list ruleset 2>&1 |
	sed -E 's/^(inet ntmobile [a-z_]+)( [0-9]+)+$/\1/' >"$tmp/rs.dbg"
check "ensure writes the same expressions as nft (nft --debug=netlink)" \
	diff -u "$tmp/ref.dbg" "$tmp/rs.dbg"
out=$(ntmctl nft ensure)
check "a second ensure changes nothing" test -z "$out"
out=$("$NTMCTL" -n "$REF" nft ensure)
check "ensure finds the hand-loaded table complete" test -z "$out"
check "nft show: no paths yet" \
	test "$(ntmctl nft show)" = "table inet ntmobile: 0 paths"
check "nft -j show: []" test "$(ntmctl -j nft show)" = "[]"

# ---- 2. beside an admin's gateway ruleset -------------------------------------

ntmctl nft remove
check "remove deletes the table" test -z "$(rs nft list tables)"
check "remove of an absent table succeeds" ntmctl nft remove
set +e
err=$(ntmctl nft show 2>&1)
rc=$?
set -e
check "nft show without the table fails (exit $rc) and says what to do" \
	test "$rc" = 1 -a -n "$(grep -F 'ntmctl nft ensure' <<<"$err")"

rs nft -f nft/gateway.nft
admin_list() {
	local t

	for t in "inet filter" "ip nat" "inet ntm_test_dp"; do
		# shellcheck disable=SC2086
		rs nft list table $t 2>/dev/null || true
	done
}
admin_list >"$tmp/admin.list"
[[ -s $tmp/admin.list ]] || die "gateway.nft did not load"
admin_same() {
	admin_list >"$tmp/admin.now"
	diff -u "$tmp/admin.list" "$tmp/admin.now" &&
		[[ $(rs nft list tables | grep -vc 'inet ntmobile') == \
		   $(grep -c '^table' "$tmp/admin.list") ]]
}

out=$(ntmctl nft ensure)
check "ensure beside gateway.nft creates the table: \"$out\"" \
	test "$out" = "table inet ntmobile: 11 objects created or repaired"
check "admin tables untouched by ensure" admin_same
rs nft list table inet ntmobile >"$tmp/rs.table"
n "$REF" nft list table inet ntmobile >"$tmp/ref.table"
check "table inet ntmobile beside gateway.nft lists as nft/ntmobile.nft" \
	diff -u "$tmp/ref.table" "$tmp/rs.table"

# ---- 3. repair ------------------------------------------------------------------

rs nft add element inet ntmobile rsn_vips '{ 100.64.9.9 }'
rs nft add element inet ntmobile rsn_hosts '{ 100.65.9.9 : 198.51.100.99 }'
rs nft delete chain inet ntmobile pathcount
rs nft flush chain inet ntmobile srcnat
rs nft add rule inet ntmobile dstnat counter accept
out=$(ntmctl nft ensure)
check "ensure repairs a deleted, a flushed and an extended chain: \"$out\"" \
	test "$out" = "table inet ntmobile: 3 objects created or repaired"
check "admin tables untouched by the repair" admin_same
elements=$(rs nft list table inet ntmobile | grep -c 'elements = ')
check "the repair kept the elements" test "$elements" = 2
rs nft delete element inet ntmobile rsn_vips '{ 100.64.9.9 }'
rs nft delete element inet ntmobile rsn_hosts '{ 100.65.9.9 }'
# The repaired chains come after the others now: compare chain by chain.
for c in pathid dstnat srcnat pathcount; do
	n "$REF" nft list chain inet ntmobile "$c" >"$tmp/ref.chain"
	rs nft list chain inet ntmobile "$c" >"$tmp/rs.chain"
	check "chain $c repaired as nft/ntmobile.nft has it" \
		diff -u "$tmp/ref.chain" "$tmp/rs.chain"
done

# ---- 4. traffic ---------------------------------------------------------------

ip link add eth0 netns "$NODE" type veth peer name ntm0 netns "$RS"
ip link add wan0 netns "$RS" type veth peer name eth0 netns "$HOST"
for ns in "$NODE" "$RS" "$HOST"; do
	n "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
ip -n "$NODE" addr add "$VIP_A/32" dev eth0
ip -n "$NODE" addr add "$RST_VIP/32" dev eth0
ip -n "$NODE" link set eth0 up
ip -n "$NODE" route add default via 100.64.255.254 dev eth0 onlink
ip -n "$RS" addr add 100.64.255.254/32 dev ntm0
ip -n "$RS" addr add "$RS_IP/24" dev wan0
ip -n "$RS" link set ntm0 up
ip -n "$RS" link set wan0 up
ip -n "$RS" route add 100.64.0.0/16 dev ntm0
ip -n "$RS" route add 203.0.113.0/28 dev ntm0
rs sysctl -qw net.ipv4.ip_forward=1
rs sysctl -qw net.netfilter.nf_conntrack_acct=1
ip -n "$HOST" addr add "$HOST_IP/24" dev eth0
ip -n "$HOST" link set eth0 up
ip -n "$HOST" route add 203.0.113.0/28 via "$RS_IP"

# What nf_ntm does to a decapsulated packet: meta mark = its PathID.
rs nft -f - <<EOF
table inet ntm_test_dp {
	chain stamp {
		type filter hook prerouting priority raw; policy accept;
		iifname "ntm0" ip saddr $VIP_A meta mark set 42
		iifname "ntm0" ip saddr $RST_VIP meta mark set 43
	}
}
EOF
admin_list >"$tmp/admin.list"

# What the RS daemon writes for the two paths (ntm_nft.h).
rs nft -f - <<EOF
add counter inet ntmobile path_42
add counter inet ntmobile path_43
add element inet ntmobile path_counters { 42 comment "RS-N a $VIP_A b $VIP_H host $HOST_IP" : "path_42" }
add element inet ntmobile path_counters { 43 comment "RS-T a $RST_VIP b $HOST_IP" : "path_43" }
add element inet ntmobile rsn_vips { $VIP_A }
add element inet ntmobile rsn_hosts { $VIP_H : $HOST_IP }
add element inet ntmobile rst_addrs { $RST_VIP }
EOF

show=$(ntmctl nft show)
expect="table inet ntmobile: 2 paths
path 42: RS-N; leg A: VIP $VIP_A; leg B (host side): VIP $VIP_H -> host $HOST_IP; 0 packets, 0 bytes
path 43: RS-T; leg A: VIP $RST_VIP; leg B (host side): VIP $HOST_IP; 0 packets, 0 bytes"
check "nft show reads the paths written by hand" test "$show" = "$expect"

check "RS-N: the node pings the host at its VIP $VIP_H" \
	n "$NODE" ping -q -c 3 -i 0.2 -W 5 "$VIP_H"
check "RS-T: the node pings the host from its RS-T VIP $RST_VIP" \
	n "$NODE" ping -q -c 2 -i 0.2 -W 5 -I "$RST_VIP" "$HOST_IP"

counter() { # ID -> "packets bytes"
	ntmctl -j nft show | jq -r ".[] | select(.id == $1) | \"\(.packets) \(.bytes)\""
}
# ping's 84-byte IPv4 packets, both directions counted in forward.
check "counter path_42: 3 echo requests and 3 replies, 504 bytes ($(counter 42))" \
	test "$(counter 42)" = "6 504"
check "counter path_43: 2 echo requests and 2 replies, 336 bytes ($(counter 43))" \
	test "$(counter 43)" = "4 336"

flows42=$(ntmctl flows 42)
echo "$flows42"
check "flows 42: one flow, the ping, translated by the ntmobile table" \
	grep -Eq "^  icmp, [0-9]+s left: leg A $VIP_A -> $VIP_H type 8 code 0 id [0-9]+, host side $HOST_IP -> $RS_IP\$" \
	<<<"$flows42"
check "flows 42: header and counters" test "$(head -n 1 <<<"$flows42")" = "path 42: 1 flow" \
	-a "$(sed -n 3p <<<"$flows42")" = "    to host 3 packets 252 bytes, to leg A 3 packets 252 bytes"
flows43=$(ntmctl -j flows 43)
check "flows 43 (JSON): the RS-T flow, not translated by the gateway's masquerade" \
	test "$(jq -r '.[] | "\(.path) \(.proto) \(.leg_a.src) \(.leg_a.dst) \(.host_side.src) \(.host_side.dst) \(.to_host.packets)"' \
		<<<"$flows43")" = "43 icmp $RST_VIP $HOST_IP $HOST_IP $RST_VIP 2"

n_bg "$HOST" python3 -m http.server --bind "$HOST_IP" 8080
wait_for 10 n "$HOST" bash -c "echo >/dev/tcp/$HOST_IP/8080" 2>/dev/null
check "RS-N: the node fetches from the host over TCP" \
	n "$NODE" curl -sf -o /dev/null --max-time 10 "http://$VIP_H:8080/"
tcp_time_wait() {
	[[ $(ntmctl -j flows 42 | jq -r '.[] | select(.proto == "tcp") | .state') == TIME_WAIT ]]
}
# The last ACK may still be on its way when curl returns.
check "flows 42: the TCP flow reaches TIME_WAIT" wait_for 5 tcp_time_wait
flows42=$(ntmctl -j flows 42)
check "flows 42: the TCP flow, leg A's port kept at the host, assured" test \
	"$(jq -r '.[] | select(.proto == "tcp") | "\(.leg_a.dport) \(.host_side.src) \(.host_side.sport) \(.host_side.dst) \(.host_side.dport == .leg_a.sport) \(.assured)"' <<<"$flows42")" \
	= "8080 $HOST_IP 8080 $RS_IP true true"
ct_count() {
	rs conntrack -L -m "$1" 2>/dev/null | grep -c . || true
}
check "flows 42 lists exactly conntrack -L -m 42 ($(ct_count 42) entries)" \
	test "$(jq length <<<"$flows42")" = "$(ct_count 42)"
check "flows 43 lists exactly conntrack -L -m 43" \
	test "$(jq length <<<"$flows43")" = "$(ct_count 43)"
check "flows of a PathID without flows: none" \
	test "$(ntmctl flows 44)" = "path 44: 0 flows"
check "admin tables untouched by traffic" admin_same

# The rules gateway.nft adds for ntmobile are what lets the traffic through.
rs conntrack -F 2>/dev/null
grep -v 'added for ntmobile' nft/gateway.nft | rs nft -f -
if n "$NODE" ping -q -c 1 -W 1 "$VIP_H" >/dev/null; then
	fail "without the rules added for ntmobile, the gateway still relays"
else
	pass "without the rules added for ntmobile, the gateway relays nothing"
fi
rs nft -f nft/gateway.nft
check "with them again, the node reaches the host" \
	n "$NODE" ping -q -c 1 -W 5 "$VIP_H"
check "admin tables as shipped again" admin_same

# ---- 5. round trip -------------------------------------------------------------

show=$(ntmctl nft show)
rs nft list ruleset >"$tmp/saved"
rs nft flush ruleset
check "flush ruleset empties the namespace" test -z "$(rs nft list tables)"
rs nft -f "$tmp/saved"
rs nft list ruleset >"$tmp/restored"
check "nft list ruleset > f; nft flush ruleset; nft -f f: both tables back" \
	diff -u "$tmp/saved" "$tmp/restored"
check "ensure finds the restored table complete" test -z "$(ntmctl nft ensure)"
check "nft show sees the same paths and counters" test "$(ntmctl nft show)" = "$show"
check "admin tables restored too" admin_same

ntmctl nft remove
check "remove leaves the admin tables alone" admin_same
check "remove leaves no table inet ntmobile" \
	test -z "$(rs nft list tables | grep ntmobile || true)"

summary
