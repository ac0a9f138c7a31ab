# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The whole NTMobile system on the shared topology (topo.sh): a DC (ntm-dc),
# the RS (ntm-rsd), two NTM nodes (ntm-node in MN and CN, each behind its own
# NAT), a general host GH (a web server and a SIP server), and a second NAT
# router, NAT_MN2, for MN to move to. Works in the VM (kernel datapath) and on
# the host (user datapath) alike.
#
#        10.1.0.0/24                198.51.100.0/24 "public"
#  +----+ eth0   lan0 +--------+ .1   +-----------+ .10  +----+
#  |    |-------------| NAT_MN |------|           |------| RS |  ntm-rsd, RS-T pool 203.0.113.0/28
#  | MN |             +--------+      |           | .20  +----+
#  |    | eth1   lan0 +---------+ .3  |  br0 PUB  |------| DC |  ntm-dc, zone ntm.test, DNS
#  |    |- - - - - - -| NAT_MN2 |-----|           | .30  +----+
#  +----+ 10.3.0.0/24 +---------+     |           |------| GH |  http :8080; .31 SIP :5060
#  +----+ eth0   lan0 +--------+ .2   |           |      +----+
#  | CN |-------------| NAT_CN |------|           |
#  +----+ 10.2.0.0/24 +--------+      +-----------+
#
# Names in the zone: mn.ntm.test (node 11), cn.ntm.test (node 12),
# gh.ntm.test (host 198.51.100.30, RS-N), sip.ntm.test (GH's second address,
# 198.51.100.31, always RS-T: the DC's policy is per host address).
#
#   sys_up DATAPATH          the topology, ntm-rsd (DATAPATH kernel|user),
#                            ntm-dc, the web and SIP servers on GH
#   dc_conf [LINE...]        write $DCD_CONF; more lines follow
#   dc_start / dc_stop       ntm-dc in $DC (log $DCD_LOG, a new file per start)
#   node_conf NS ID NAME [LINE...]  write that node's config
#   node_start NS / node_stop NS / node_kill NS
#                            ntm-node in NS (log $NTM_LOGDIR/node-NS-K.log)
#   node_state NS [JQ]       the node's state file, through jq (default .)
#   node_vip NS              its VIP, once registered
#   node_path NS PEER JQ     a field of its path toward PEER (peer name)
#   mn_move                  MN leaves NAT_MN for NAT_MN2 (new real address)
#   resolve NS NAME          getent hosts NAME in NS: the address
#   rs_path_count ID         packets the RS counted on path ID (nft counter)

# shellcheck source=test/lib/rsd.sh
source "$(dirname "${BASH_SOURCE[0]}")/rsd.sh"

export ZONE=ntm.test
export DCD_PORT=7700
export DCD_CONF=$NTM_LOGDIR/dc.conf
export DCD_DB=$NTM_LOGDIR/dc/dc.db
export NODE_PORT=7702
export NODE_TUN=ntmvip0
export HOST_VIP_NET=100.65.0.0/16
# Test keys only.
export MN_ID=11 CN_ID=12
export MN_KEY=1111111111111111111111111111111111111111111111111111111111111111
export CN_KEY=1212121212121212121212121212121212121212121212121212121212121212
export NAT_MN2=ntm-natmn2-$NTM_TEST_ID
export SIP_IP=198.51.100.31
export MN2_NET=10.3.0.0/24 MN2_IP=10.3.0.2 NAT_MN2_GW=10.3.0.1 NAT_MN2_IP=198.51.100.3
DCD_PID=
DCD_LOG=
DCD_RUNS=0
declare -A NODE_PID NODE_LOG NODE_RUNS

sys_up() {
	local dp=$1 nat

	rsd_topo_up
	_topo_nat "$NAT_MN2" "$NAT_MN2_IP" nat-mn2
	_topo_link "$NAT_MN2" "$TOPO_LAN_IF" "$MN" eth1
	_topo ip -n "$NAT_MN2" addr add "$NAT_MN2_GW/${MN2_NET#*/}" dev "$TOPO_LAN_IF"

	# Home routers: nothing from the WAN reaches the router itself unless
	# it belongs to a connection. Without it, a node's first hole-punching
	# packet creates a conntrack entry on the peer's NAT (to the NAT itself)
	# that then takes the peer's mapping, and the direct path never opens.
	for nat in "$NAT_MN" "$NAT_CN" "$NAT_MN2"; do
		n "$nat" nft -f - <<-EOF || die "firewall on $nat"
			table ip ntm_nat_fw {
				chain input {
					type filter hook input priority filter; policy accept;
					iifname "$TOPO_WAN_IF" ct state new drop
				}
			}
		EOF
	done

	rsd_conf "$dp" "route $HOST_VIP_NET"
	# shellcheck disable=SC2119
	rsd_start

	dc_conf ""
	dc_start

	# SIP: a UAS answering every call on GH's second address.
	n "$GH" ip addr add "$SIP_IP/32" dev eth0
	n_bg "$GH" sipp -sn uas -i "$SIP_IP" -p 5060 -nostdin -trace_msg \
		-message_file "$NTM_LOGDIR/sipp-uas-msg.log" >"$NTM_LOGDIR/sipp-uas.log" 2>&1
	wait_for 30 listening "$GH" udp 5060 || die "no SIP server on GH"
}

dc_conf() {
	local line

	mkdir -p "${DCD_DB%/*}"
	{
		echo "# written by test/lib/system.sh"
		echo "control 0.0.0.0:$DCD_PORT"
		echo "dns 0.0.0.0:53"
		echo "zone $ZONE"
		echo "address $DC_IP"
		echo "vip-pool $VIP_NET"
		echo "host-vip-pool $HOST_VIP_NET"
		echo "store $DCD_DB"
		echo "lifetime ${DCD_LIFETIME:-60}"
		echo "refresh 120"
		echo "log-level debug"
		echo "node $MN_ID $MN_KEY mn.$ZONE"
		echo "node $CN_ID $CN_KEY cn.$ZONE"
		echo "rs rs1 $RS_IP:$RSD_CTL_PORT $DC_KEY_ID $DC_KEY rst-pool $RST_POOL"
		echo "host gh.$ZONE $GH_IP"
		echo "host sip.$ZONE $SIP_IP rs-t"
		for line in "$@"; do
			echo "$line"
		done
	} >"$DCD_CONF"
	chmod 600 "$DCD_CONF"
}

_dc_alive() {
	[[ -n $DCD_PID ]] && kill -0 "$DCD_PID" 2>/dev/null
}

_wait_ready() { # what pid log
	local what=$1 pid=$2 log=$3 deadline=$((SECONDS + 60))

	until grep -q "ready" "$log" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || die "$what exited before it was ready: $(tail -20 "$log")"
		((SECONDS < deadline)) || die "$what not ready after 60 s: $(tail -20 "$log")"
		sleep 0.1
	done
}

dc_start() {
	DCD_RUNS=$((DCD_RUNS + 1))
	DCD_LOG=$NTM_LOGDIR/dc-$DCD_RUNS.log
	n_bg "$DC" ntm-dc --config "$DCD_CONF" --foreground 2>"$DCD_LOG"
	DCD_PID=$!
	_wait_ready "ntm-dc (start $DCD_RUNS)" "$DCD_PID" "$DCD_LOG"
}

dc_stop() {
	local rc=0

	_dc_alive || die "ntm-dc is not running"
	kill -TERM "$DCD_PID"
	wait "$DCD_PID" 2>/dev/null || rc=$?
	DCD_PID=
	((rc == 0)) || die "ntm-dc exited with $rc on SIGTERM: $(tail -5 "$DCD_LOG")"
}

dc_kill() {
	kill -KILL "$DCD_PID" 2>/dev/null
	wait "$DCD_PID" 2>/dev/null || true
	DCD_PID=
	return 0
}

_node_file() { # NS SUFFIX
	echo "$NTM_LOGDIR/node-$1.$2"
}

node_conf() {
	local ns=$1 id=$2 name=$3 key line

	shift 3
	case $id in
	"$MN_ID") key=$MN_KEY ;;
	"$CN_ID") key=$CN_KEY ;;
	*) key=${NODE_KEY:?node_conf: no key for node $id} ;;
	esac
	{
		echo "# written by test/lib/system.sh"
		echo "node-id $id"
		echo "key $key"
		echo "name $name"
		echo "dc $DC_IP:$DCD_PORT"
		echo "dns $DC_IP:53"
		echo "tunnel-port $NODE_PORT"
		echo "tun-dev $NODE_TUN"
		echo "lifetime ${NODE_LIFETIME:-30}"
		echo "keepalive 5"
		echo "state $(_node_file "$ns" json)"
		echo "log-level debug"
		for line in "$@"; do
			echo "$line"
		done
	} >"$(_node_file "$ns" conf)"
	chmod 600 "$(_node_file "$ns" conf)"
	# The node's applications ask the DC's DNS.
	mkdir -p "/etc/netns/$ns"
	echo "nameserver $DC_IP" >"/etc/netns/$ns/resolv.conf"
	on_exit rm -rf "/etc/netns/$ns"
}

node_start() {
	local ns=$1 k

	k=$((${NODE_RUNS[$ns]:-0} + 1))
	NODE_RUNS[$ns]=$k
	NODE_LOG[$ns]=$(_node_file "$ns" "$k.log")
	n_bg "$ns" ntm-node --config "$(_node_file "$ns" conf)" --foreground 2>"${NODE_LOG[$ns]}"
	NODE_PID[$ns]=$!
	_wait_ready "ntm-node in $ns (start $k)" "${NODE_PID[$ns]}" "${NODE_LOG[$ns]}"
	wait_for 30 node_registered "$ns" || die "ntm-node in $ns did not register: $(tail -20 "${NODE_LOG[$ns]}")"
}

node_stop() {
	local ns=$1 rc=0

	kill -TERM "${NODE_PID[$ns]}"
	wait "${NODE_PID[$ns]}" 2>/dev/null || rc=$?
	NODE_PID[$ns]=
	return $rc
}

node_kill() {
	kill -KILL "${NODE_PID[$1]}" 2>/dev/null
	wait "${NODE_PID[$1]}" 2>/dev/null || true
	NODE_PID[$1]=
	return 0
}

node_log() {
	echo "${NODE_LOG[$1]}"
}

node_state() {
	jq -r "${2:-.}" "$(_node_file "$1" json)" 2>/dev/null
}

node_registered() {
	[[ $(node_state "$1" .registered) == true ]]
}

node_vip() {
	node_state "$1" .vip
}

node_path() { # NS PEER-NAME JQ
	node_state "$1" ".paths[] | select(.peer == \"$2\") | $3"
}

resolve() {
	ip netns exec "$1" getent ahostsv4 "$2" | awk 'NR == 1 { print $1 }'
}

# MN leaves NAT_MN for NAT_MN2: its old address goes, a new one comes on a
# new link, with a new default route. The node daemon sees it on rtnetlink.
mn_move() {
	n "$MN" ip addr flush dev eth0
	n "$MN" ip link set eth0 down
	n "$MN" ip addr add "$MN2_IP/${MN2_NET#*/}" dev eth1
	n "$MN" ip route add default via "$NAT_MN2_GW"
}

rs_path_count() {
	ip netns exec "$RS" nft -j list counter inet ntmobile "path_$1" 2>/dev/null |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}
