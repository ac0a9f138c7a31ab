#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the shared topology (test/lib/topo.sh) and checks it behaves like two
# NATed sites and a public Relay Server: MN reaches the public addresses
# through NAT_MN, which masquerades the flow; the public side cannot reach the
# private nets; the NAT knobs later tests rely on do what they say.
#
# Needs no kernel module: runs natively on the host (root), and in the test VM
# where test/vm/tests/smoke.sh sources it after its module checks.

set -euo pipefail

# shellcheck source=test/lib/topo.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/topo.sh"

checktool ip nft conntrack ping sysctl

topo_up
pass "topology up: $MN $NAT_MN $PUB $RS $NAT_CN $CN"

# The first packet of each flow also resolves ARP on both segments.
check "MN reaches NAT_CN's public address $NAT_CN_IP" \
	n "$MN" ping -q -c 2 -i 0.2 -W 5 "$NAT_CN_IP"
check "MN reaches RS at $RS_IP" \
	n "$MN" ping -q -c 2 -i 0.2 -W 5 "$RS_IP"
check "CN reaches RS at $RS_IP" \
	n "$CN" ping -q -c 2 -i 0.2 -W 5 "$RS_IP"

# Orig src=MN_IP dst=RS_IP, reply src=RS_IP dst=NAT_MN_IP: masqueraded.
# (No `cmd | grep -q` in these checks: with pipefail, grep quitting early
# fails the pipeline whenever cmd is still writing.)
ct_masqueraded() {
	local proto=$1 ct

	ct=$(ip netns exec "$NAT_MN" conntrack -L -p "$proto" -s "$MN_IP" -d "$RS_IP" 2>/dev/null)
	[[ $ct == *"src=$RS_IP dst=$NAT_MN_IP "* ]]
}
check "NAT_MN conntrack: MN->RS icmp masqueraded to $NAT_MN_IP" ct_masqueraded icmp

# UDP, what NTMobile tunnels over: no listener needed for the mapping.
n "$MN" bash -c "echo ntm >/dev/udp/$RS_IP/4000"
check "NAT_MN conntrack: MN->RS udp masqueraded to $NAT_MN_IP" ct_masqueraded udp

# RS sees only the NAT: it has no route to MN's private address.
no_route() {
	! ip -n "$1" route get "$2" >/dev/null 2>&1
}
check "RS has no route to MN's private address $MN_IP" no_route "$RS" "$MN_IP"

ct_empty() {
	[[ $(ip netns exec "$1" conntrack -C) == 0 ]]
}
topo_nat_flush "$NAT_MN"
check "topo_nat_flush empties NAT_MN's conntrack table" ct_empty "$NAT_MN"

topo_nat_udp_timeout 5 7
check "topo_nat_udp_timeout sets both NATs" test \
	"$(n "$NAT_CN" sysctl -n net.netfilter.nf_conntrack_udp_timeout \
		net.netfilter.nf_conntrack_udp_timeout_stream | xargs)" = "5 7"

masq_flags() {
	[[ $(ip netns exec "$1" nft list table ip ntm_nat) == *"masquerade $2"$'\n'* ]]
}
topo_nat_masq "$NAT_MN" fully-random
check "topo_nat_masq reloads NAT_MN with fully-random" masq_flags "$NAT_MN" fully-random

topo_add_public_host DC 198.51.100.53
check "topo_add_public_host: MN reaches DC at $DC_IP" \
	n "$MN" ping -q -c 1 -W 5 "$DC_IP"

# When sourced, the caller prints the summary of its checks and these.
[[ ${BASH_SOURCE[0]} != "$0" ]] || summary
