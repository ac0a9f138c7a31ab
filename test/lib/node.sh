# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the tests of ntm-node on the shared topology (topo.sh, with the
# RS of rsd.sh on the user datapath): the DC (ntm-dc) in $DC, the nodes MN
# (node 11, mn.ntm.test) and CN (node 12, cn.ntm.test), GH the general host
# (gh.ntm.test) and NAT_MN2, the second NAT MN moves behind.
#
#   node_dc_conf [LINE...]      write $DC_CONF (contract's example), more lines follow
#   node_dc_start               ntm-dc in $DC; waits for its control port and DNS
#   node_conf NS ID NAME [LINE...]
#                               write $NTM_LOGDIR/node-NS.conf, state node-NS.json
#   node_start NS               ntm-node in NS (resolv.conf of NS -> the DC); waits
#                               until it is registered; its log is node-NS.log
#   node_stop NS                SIGTERM; the daemon must exit 0
#   node_state NS JQ            jq JQ on NS's state file
#   node_logged NS REGEX        NS's log has a line matching REGEX
#   nat_mn2_up                  NAT_MN2 198.51.100.3, LAN 10.3.0.0/24, MN's eth1 10.3.0.2
#   node_move_mn2               MN's default route to NAT_MN2, 10.1.0.2 removed
#   node_nat_firewall NAT...    an input chain on each NAT that drops new
#                               packets from the WAN to the NAT itself, as a
#                               home router's firewall does (see below)

# shellcheck source=test/lib/rsd.sh
source "$(dirname "${BASH_SOURCE[0]}")/rsd.sh"

export DC_IP=198.51.100.20 DC_CTL_PORT=7700
export DC_CONF=$NTM_LOGDIR/dc.conf DC_DB=$NTM_LOGDIR/dc/dc.db
# Test keys only.
export MN_KEY=1111111111111111111111111111111111111111111111111111111111111111
export CN_KEY=2222222222222222222222222222222222222222222222222222222222222222
export PN_KEY=3333333333333333333333333333333333333333333333333333333333333333
export NAT_MN2=ntm-natmn2-$NTM_TEST_ID NAT_MN2_IP=198.51.100.3
export MN2_NET=10.3.0.0/24 MN2_IP=10.3.0.2 NAT_MN2_GW=10.3.0.1
export HOST_VIP_NET=100.65.0.0/16
# sip.ntm.test, the host always reached over RS-T (GH by default).
export SIP_IP=${SIP_IP:-198.51.100.30}
declare -A NODE_PID=()
export DC_PID=

node_dc_conf() {
	local line

	mkdir -p "$(dirname "$DC_DB")"
	{
		echo "# written by test/lib/node.sh"
		echo "control 0.0.0.0:$DC_CTL_PORT"
		echo "dns 0.0.0.0:53"
		echo "zone ntm.test"
		echo "address $DC_IP"
		echo "vip-pool $VIP_NET"
		echo "host-vip-pool $HOST_VIP_NET"
		echo "store $DC_DB"
		echo "lifetime 300"
		echo "refresh 120"
		echo "route-optimization yes"
		echo "node 11 $MN_KEY mn.ntm.test"
		echo "node 12 $CN_KEY cn.ntm.test"
		echo "rs rs1 $RS_IP:$RSD_CTL_PORT $DC_KEY_ID $DC_KEY rst-pool $RST_POOL"
		echo "host gh.ntm.test $GH_IP"
		echo "host sip.ntm.test $SIP_IP rs-t"
		echo "log-level debug"
		for line in "$@"; do
			echo "$line"
		done
	} >"$DC_CONF"
	chmod 600 "$DC_CONF"
}

node_dc_start() {
	n_bg "$DC" ntm-dc --config "$DC_CONF" --foreground 2>"$NTM_LOGDIR/dc.log"
	DC_PID=$!
	wait_for 30 listening "$DC" udp "$DC_CTL_PORT" || die "ntm-dc not listening: $(tail -5 "$NTM_LOGDIR/dc.log")"
	wait_for 30 listening "$DC" udp 53 || die "ntm-dc: no DNS: $(tail -5 "$NTM_LOGDIR/dc.log")"
}

node_conf() {
	local ns=$1 id=$2 name=$3 key

	case $id in
	11) key=$MN_KEY ;;
	12) key=$CN_KEY ;;
	*) key=$PN_KEY ;;
	esac
	shift 3
	{
		echo "node-id $id"
		echo "key $key"
		echo "name $name"
		echo "dc $DC_IP:$DC_CTL_PORT"
		echo "tunnel-port 7702"
		echo "tun-dev ntmvip0"
		echo "queue 0"
		echo "lifetime 60"
		echo "keepalive 10"
		echo "state $NTM_LOGDIR/node-$ns.json"
		echo "log-level debug"
		printf '%s\n' "$@"
	} >"$NTM_LOGDIR/node-$ns.conf"
	chmod 600 "$NTM_LOGDIR/node-$ns.conf"
}

node_state() {
	jq -r "$2" "$NTM_LOGDIR/node-$1.json" 2>/dev/null
}

node_logged() {
	grep -qE "$2" "$NTM_LOGDIR/node-$1.log"
}

_node_registered() {
	[[ $(node_state "$1" .registered) == true ]]
}

_node_resolv_rm() {
	rm -rf "/etc/netns/$1"
}

node_start() {
	local ns=$1

	mkdir -p "/etc/netns/$ns"
	# One try, longer than the hook holds an answer (5 s).
	printf 'nameserver %s\noptions timeout:10 attempts:1\n' "$DC_IP" >"/etc/netns/$ns/resolv.conf"
	on_exit _node_resolv_rm "$ns"
	n_bg "$ns" ntm-node --config "$NTM_LOGDIR/node-$ns.conf" --foreground \
		2>"$NTM_LOGDIR/node-$ns.log"
	NODE_PID[$ns]=$!
	wait_for 30 _node_registered "$ns" ||
		die "ntm-node in $ns not registered: $(tail -5 "$NTM_LOGDIR/node-$ns.log")"
}

node_stop() {
	local ns=$1 rc=0

	kill -TERM "${NODE_PID[$ns]}"
	wait "${NODE_PID[$ns]}" 2>/dev/null || rc=$?
	((rc == 0)) || die "ntm-node in $ns exited with $rc on SIGTERM: $(tail -5 "$NTM_LOGDIR/node-$ns.log")"
}

nat_mn2_up() {
	_topo_nat "$NAT_MN2" "$NAT_MN2_IP" nat-mn2
	_topo ip -n "$NAT_MN2" link add "$TOPO_LAN_IF" type veth peer name eth1 netns "$MN"
	_topo ip -n "$NAT_MN2" link set "$TOPO_LAN_IF" up
	_topo ip -n "$MN" link set eth1 up
	_topo ip -n "$NAT_MN2" addr add "$NAT_MN2_GW/${MN2_NET#*/}" dev "$TOPO_LAN_IF"
	_topo ip -n "$MN" addr add "$MN2_IP/${MN2_NET#*/}" dev eth1
}

node_move_mn2() {
	n "$MN" ip route replace default via "$NAT_MN2_GW" dev eth1 &&
		n "$MN" ip addr del "$MN_IP/${MN_NET#*/}" dev eth0
}

# Hole punching between two nodes behind NATs (route optimization) needs the
# NATs to drop a peer's first probe rather than take it for themselves: a
# Linux NAT without an input firewall confirms a conntrack entry for it
# (delivered locally, answered by ICMP port unreachable), and its own node's
# first probe towards that peer then clashes with that entry and is given
# another source port, which the peer's NAT never lets in. A home router's
# firewall drops the probe in the input hook, before its entry is confirmed.
node_nat_firewall() {
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
