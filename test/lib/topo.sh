# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The five-namespace topology every NTMobile test shares: a Mobile Node and a
# Correspondent Node, each behind its own NAT, and the Relay Server on the
# public segment between them.
#
#        10.1.0.0/24                  198.51.100.0/24 "public"
#  +----+ eth0    lan0 +--------+ wan0   +-------------+    eth0 +----+
#  | MN |--------------| NAT_MN |--------| nat-mn   rs |---------| RS |
#  +----+ .2        .1 +--------+ .1     |             | .10     +----+
#                                        |  br0 (PUB)  |
#  +----+ eth0    lan0 +--------+ wan0   |             |    eth0 +----+
#  | CN |--------------| NAT_CN |--------| nat-cn   dc |- - - - -| DC |  topo_add_public_host
#  +----+ .2        .1 +--------+ .2     +-------------+         +----+  (later: DC, a host...)
#        10.2.0.0/24
#
# The public segment is a bridge, br0, in a namespace of its own (PUB) with
# one veth port per public host, named after the host. Nothing lives in PUB
# but the bridge, so the segment has no address of its own, every public host
# attaches the same way (topo_add_public_host), and `n $PUB tcpdump -i br0`
# sees all public traffic. Public addresses are TEST-NET-2 (RFC 5737),
# private ones RFC 1918; the public hosts have no route to the private nets.
#
# NAT_MN and NAT_CN are nftables masquerade routers (table ip ntm_nat):
# outbound from lan0 is masqueraded to the wan0 address, inbound is forwarded
# only for established/related conntrack entries, as a home router does. In
# RFC 4787 terms: endpoint-independent mapping (while the source port is
# free), address-and-port-dependent filtering. Because masquerade keeps the
# source port when it can, flushing conntrack alone may give the same mapping
# again; load the ruleset with "fully-random" (topo_nat_masq) to force a new
# port for every new mapping.
#
# Functions:
#   topo_up                       build it (topo_down runs at exit)
#   topo_down                     delete every namespace of this run
#   topo_add_public_host VAR IP   new namespace $VAR on the public segment at
#                                 IP, with $VAR and ${VAR}_IP exported
#   topo_nat_masq NAT [FLAGS]     reload NAT's ruleset, masquerade FLAGS
#                                 (random, fully-random, persistent)
#   topo_nat_udp_timeout SECS [STREAM_SECS] [NAT...]
#                                 conntrack UDP timeouts (default: both NATs)
#   topo_nat_flush [NAT...]       flush conntrack (default: both NATs)
#   topo_nat_mn2_up               a third NAT, NAT_MN2 (public $NAT_MN2_IP,
#                                 LAN $MN2_NET), linked to MN's eth1 (no
#                                 address on MN's side yet): MN's next network
#   topo_mn_move [back]           MN leaves NAT_MN for NAT_MN2: eth0 loses its
#                                 address and goes down, eth1 gets $MN2_IP
#                                 and the default route (back: the other way),
#                                 in one `ip -batch`
#   topo_nat_firewall NAT...      an input chain on each NAT (table ip
#                                 ntm_nat_fw) that drops new packets from the
#                                 WAN to the NAT itself, as a home router's
#                                 firewall does (see there why it matters)
#
# IPv4 only for now: IPv6 is disabled in every namespace so that no ND or MLD
# chatter disturbs packet counts.

# shellcheck source=test/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Namespaces.
export MN=ntm-mn-$NTM_TEST_ID
export NAT_MN=ntm-natmn-$NTM_TEST_ID
export RS=ntm-rs-$NTM_TEST_ID
export NAT_CN=ntm-natcn-$NTM_TEST_ID
export CN=ntm-cn-$NTM_TEST_ID
export PUB=ntm-pub-$NTM_TEST_ID

# Interfaces: hosts have eth0, NAT routers lan0 (private) and wan0 (public).
export TOPO_HOST_IF=eth0 TOPO_LAN_IF=lan0 TOPO_WAN_IF=wan0 TOPO_BRIDGE=br0

# Addresses. NAT_*_IP is a NAT's public address, NAT_*_GW its private one.
export PUB_NET=198.51.100.0/24
export MN_NET=10.1.0.0/24 MN_IP=10.1.0.2 NAT_MN_GW=10.1.0.1 NAT_MN_IP=198.51.100.1
export CN_NET=10.2.0.0/24 CN_IP=10.2.0.2 NAT_CN_GW=10.2.0.1 NAT_CN_IP=198.51.100.2
export RS_IP=198.51.100.10
# NAT_MN2, the network MN moves to (topo_nat_mn2_up).
export NAT_MN2=ntm-natmn2-$NTM_TEST_ID
export MN2_NET=10.3.0.0/24 MN2_IP=10.3.0.2 NAT_MN2_GW=10.3.0.1 NAT_MN2_IP=198.51.100.3

# Any failure while building the topology ends the script: a test cannot
# mean anything on a half-built network.
_topo() {
	"$@" || die "topo: $*"
}

_topo_ns_add() {
	local ns=$1

	_topo ip netns add "$ns"
	_topo ip -n "$ns" link set lo up
	_topo ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
}

# A veth pair created directly inside the namespaces, so the names only have
# to be unique per namespace (no collision between parallel runs).
_topo_link() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4

	_topo ip -n "$ns1" link add "$if1" type veth peer name "$if2" netns "$ns2"
	_topo ip -n "$ns1" link set "$if1" up
	_topo ip -n "$ns2" link set "$if2" up
}

# Plugs interface IF of namespace NS into the public bridge as port PORT.
_topo_public_port() {
	local ns=$1 if=$2 ip=$3 port=$4

	_topo_link "$PUB" "$port" "$ns" "$if"
	_topo ip -n "$PUB" link set "$port" master "$TOPO_BRIDGE"
	_topo ip -n "$ns" addr add "$ip/${PUB_NET#*/}" dev "$if"
	_topo wait_for 5 _topo_port_forwarding "$port"
}

_topo_port_forwarding() {
	[[ $(ip netns exec "$PUB" cat "/sys/class/net/$TOPO_BRIDGE/brif/$1/state") == 3 ]]
}

topo_add_public_host() {
	local var=$1 ip=$2 ns port

	[[ $var =~ ^[A-Z][A-Z0-9_]*$ ]] || die "topo_add_public_host: bad name $var"
	port=${var,,}
	port=${port//_/-}
	ns=ntm-${port}-$NTM_TEST_ID
	_topo_ns_add "$ns"
	_topo_public_port "$ns" "$TOPO_HOST_IF" "$ip" "$port"
	export "$var=$ns" "${var}_IP=$ip"
}

topo_nat_masq() {
	local nat=$1 flags=${2:-}

	# Replaced in one transaction: the table never exists half-loaded.
	ip netns exec "$nat" nft -f - <<-EOF
		table ip ntm_nat
		delete table ip ntm_nat
		table ip ntm_nat {
			chain postrouting {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "$TOPO_WAN_IF" masquerade $flags
			}
			chain forward {
				type filter hook forward priority filter; policy drop;
				ct state established,related accept
				iifname "$TOPO_LAN_IF" oifname "$TOPO_WAN_IF" accept
			}
		}
	EOF
}

_topo_nat() {
	local nat=$1 pub_ip=$2 port=$3

	_topo_ns_add "$nat"
	_topo_public_port "$nat" "$TOPO_WAN_IF" "$pub_ip" "$port"
	_topo ip netns exec "$nat" sysctl -q -w net.ipv4.ip_forward=1
	_topo topo_nat_masq "$nat"
}

_topo_private_host() {
	local ns=$1 nat=$2 ip=$3 gw=$4 net=$5

	_topo_ns_add "$ns"
	_topo_link "$nat" "$TOPO_LAN_IF" "$ns" "$TOPO_HOST_IF"
	_topo ip -n "$nat" addr add "$gw/${net#*/}" dev "$TOPO_LAN_IF"
	_topo ip -n "$ns" addr add "$ip/${net#*/}" dev "$TOPO_HOST_IF"
	_topo ip -n "$ns" route add default via "$gw"
}

topo_up() {
	on_exit topo_down

	_topo_ns_add "$PUB"
	_topo ip -n "$PUB" link add "$TOPO_BRIDGE" type bridge stp_state 0 forward_delay 0
	_topo ip -n "$PUB" link set "$TOPO_BRIDGE" up

	_topo_nat "$NAT_MN" "$NAT_MN_IP" nat-mn
	_topo_private_host "$MN" "$NAT_MN" "$MN_IP" "$NAT_MN_GW" "$MN_NET"
	_topo_nat "$NAT_CN" "$NAT_CN_IP" nat-cn
	_topo_private_host "$CN" "$NAT_CN" "$CN_IP" "$NAT_CN_GW" "$CN_NET"

	topo_add_public_host RS "$RS_IP"
	_topo ip netns exec "$RS" sysctl -q -w net.ipv4.ip_forward=1
}

topo_down() {
	local ns

	for ns in $(ip netns list | awk -v id="$NTM_TEST_ID" '$1 ~ "^ntm-.*-" id "$" { print $1 }'); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns"
	done
}

topo_nat_udp_timeout() {
	local secs=$1 stream=$1 nat

	shift
	if [[ ${1:-} =~ ^[0-9]+$ ]]; then
		stream=$1
		shift
	fi
	(($#)) || set -- "$NAT_MN" "$NAT_CN"
	for nat in "$@"; do
		ip netns exec "$nat" sysctl -q -w \
			net.netfilter.nf_conntrack_udp_timeout="$secs" \
			net.netfilter.nf_conntrack_udp_timeout_stream="$stream" || return
	done
}

topo_nat_flush() {
	local nat

	(($#)) || set -- "$NAT_MN" "$NAT_CN"
	for nat in "$@"; do
		ip netns exec "$nat" conntrack -F 2>/dev/null || return
	done
}

topo_nat_mn2_up() {
	_topo_nat "$NAT_MN2" "$NAT_MN2_IP" nat-mn2
	_topo_link "$NAT_MN2" "$TOPO_LAN_IF" "$MN" eth1
	_topo ip -n "$NAT_MN2" addr add "$NAT_MN2_GW/${MN2_NET#*/}" dev "$TOPO_LAN_IF"
}

# As a host that changes network: its old address goes, a new one comes on
# another link, with a new default route. A node daemon sees it on rtnetlink.
# One ip process, so that the move takes milliseconds, not one process start
# per step (which is 100 ms and more in the emulated guest).
topo_mn_move() { # [back]
	local old=$TOPO_HOST_IF new=eth1 addr=$MN2_IP/${MN2_NET#*/} gw=$NAT_MN2_GW

	if [[ ${1:-} == back ]]; then
		old=eth1 new=$TOPO_HOST_IF addr=$MN_IP/${MN_NET#*/} gw=$NAT_MN_GW
	fi
	pp ip -n "$MN" -batch - <<-EOF
		address flush dev $old
		link set $old down
		link set $new up
		address add $addr dev $new
		route add default via $gw
	EOF
}

# Hole punching between two nodes behind NATs (route optimization) needs the
# NATs to drop a peer's first probe rather than take it for themselves: a
# Linux NAT without an input firewall confirms a conntrack entry for it
# (delivered locally, answered by ICMP port unreachable), and its own node's
# first probe towards that peer then clashes with that entry and is given
# another source port, which the peer's NAT never lets in. A home router's
# firewall drops the probe in the input hook, before its entry is confirmed.
topo_nat_firewall() {
	local nat

	for nat in "$@"; do
		ip netns exec "$nat" nft -f - <<-EOF || return
			table ip ntm_nat_fw
			delete table ip ntm_nat_fw
			table ip ntm_nat_fw {
				chain input {
					type filter hook input priority filter; policy accept;
					iifname "$TOPO_WAN_IF" ct state new drop
				}
			}
		EOF
	done
}
