# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The DC (ntm-dc, the Direction Coordinator) on the shared topology, with the
# RS of rsd.sh (ntm-rsd) and the DC on the public segment at 198.51.100.20
# (rsd_topo_up). Used by the DC's own tests (ntm-node-stub plays the nodes)
# and, through node.sh, by the tests of ntm-node and the whole system.
#
# The zone $ZONE (ntm.test): node 11 (MN, mn.ntm.test) and node 12 (CN,
# cn.ntm.test), each with the key $KEY_<ID>; the hosts gh.ntm.test ($GH_IP,
# RS-N) and sip.ntm.test ($SIP_IP, GH's second address, always RS-T: the
# DC's policy is per host address); the RS rs1 of rsd.sh with $RST_POOL.
#
#   dc_conf [LINE...]           write $DC_CONF: control 0.0.0.0:7700, dns
#                               $DC_IP:53, zone, pools ($VIP_NET,
#                               $HOST_VIP_NET), store $DC_DB, lifetime
#                               $DC_LIFETIME (300), refresh 120, the nodes of
#                               $DC_NODES, the hosts gh and sip; LINEs follow,
#                               before the RS rs1 (an "rs" LINE comes first)
#   DC_NODES                    "ID:NAME ..." (default "11:mn 12:cn"): node
#                               ID with $KEY_<ID>, pinned to NAME.$ZONE, or to
#                               no name for "ID:"
#   dc_start                    ntm-dc in $DC; waits for "ready:" in its log
#                               ($DC_LOG, a new file per start), dies if the
#                               daemon dies first
#   dc_stop                     SIGTERM, and the daemon must exit 0
#   dc_kill                     SIGKILL, no questions asked
#   dc_logged REGEX             the current log has a line matching REGEX
#   node_stub NS ID ARGS...     ntm-node-stub in NS as node ID (its key
#                               $KEY_<ID>) toward the DC, bound to port
#                               $NODE_PORT (the node's tunnel port)
#   dc_dns NS NAME [TYPE]       ntm-node-stub dns in NS toward the DC
#   dc_db SQL                   sqlite3 on the DC's store

# shellcheck source=test/lib/rsd.sh
source "$(dirname "${BASH_SOURCE[0]}")/rsd.sh"

export DC_IP=198.51.100.20
export DC_CTL_PORT=7700 NODE_PORT=7702
export ZONE=ntm.test
export HOST_VIP_NET=100.65.0.0/16
export SIP_IP=198.51.100.31
export DC_CONF=$NTM_LOGDIR/dc.conf
export DC_DB=$NTM_LOGDIR/dc/dc.db
export DC_NODES=${DC_NODES:-"11:mn 12:cn"}
export MN_ID=11 CN_ID=12
# Test keys only.
export KEY_11=1111111111111111111111111111111111111111111111111111111111111111
export KEY_12=1212121212121212121212121212121212121212121212121212121212121212
export KEY_13=1313131313131313131313131313131313131313131313131313131313131313
export KEY_14=1414141414141414141414141414141414141414141414141414141414141414
export KEY_99=9999999999999999999999999999999999999999999999999999999999999999
DC_PID=
DC_LOG=
DC_RUNS=0

dc_conf() {
	local line node id name key

	mkdir -p "${DC_DB%/*}"
	{
		echo "# written by test/lib/dc.sh"
		echo "control 0.0.0.0:$DC_CTL_PORT"
		echo "dns $DC_IP:53"
		echo "zone $ZONE"
		echo "address $DC_IP"
		echo "vip-pool $VIP_NET"
		echo "host-vip-pool $HOST_VIP_NET"
		echo "store $DC_DB"
		echo "lifetime ${DC_LIFETIME:-300}"
		echo "refresh 120"
		echo "log-level debug"
		for node in $DC_NODES; do
			id=${node%%:*} name=${node#*:}
			key=KEY_$id
			echo "node $id ${!key:?dc_conf: no key for node $id}${name:+ $name.$ZONE}"
		done
		echo "host gh.$ZONE $GH_IP"
		echo "host sip.$ZONE $SIP_IP rs-t"
		for line in "$@"; do
			echo "$line"
		done
		echo "rs rs1 $RS_IP:$RSD_CTL_PORT $DC_KEY_ID $DC_KEY rst-pool $RST_POOL"
	} >"$DC_CONF"
	chmod 600 "$DC_CONF"
}

_dc_alive() {
	[[ -n $DC_PID ]] && kill -0 "$DC_PID" 2>/dev/null
}

dc_start() {
	local deadline=$((SECONDS + 60))

	DC_RUNS=$((DC_RUNS + 1))
	DC_LOG=$NTM_LOGDIR/dc-$DC_RUNS.log
	# shellcheck disable=SC2086 # NTM_WRAP: a command line, split into words
	n_bg "$DC" ${NTM_WRAP:-} ntm-dc --config "$DC_CONF" --foreground 2>"$DC_LOG"
	DC_PID=$!
	until grep -q "info: ready:" "$DC_LOG"; do
		_dc_alive || die "ntm-dc (start $DC_RUNS) exited before it was ready: $(tail -20 "$DC_LOG")"
		((SECONDS < deadline)) || die "ntm-dc (start $DC_RUNS) not ready after 60 s: $(tail -20 "$DC_LOG")"
		sleep 0.1
	done
}

dc_stop() {
	local rc=0

	_dc_alive || die "ntm-dc is not running"
	kill -TERM "$DC_PID"
	wait "$DC_PID" 2>/dev/null || rc=$?
	DC_PID=
	((rc == 0)) || die "ntm-dc exited with $rc on SIGTERM: $(tail -5 "$DC_LOG")"
}

dc_kill() {
	[[ -n $DC_PID ]] || return 0
	kill -KILL "$DC_PID" 2>/dev/null
	wait "$DC_PID" 2>/dev/null || true
	DC_PID=
}

dc_logged() {
	grep -qE "$1" "$DC_LOG"
}

node_stub() {
	local ns=$1 id=$2 key

	shift 2
	key=KEY_$id
	ip netns exec "$ns" ntm-node-stub -q --dc "$DC_IP:$DC_CTL_PORT" \
		--node-id "$id" --key "${!key}" --local "0.0.0.0:$NODE_PORT" "$@"
}

dc_dns() {
	ip netns exec "$1" ntm-node-stub --server "$DC_IP:53" dns "${@:2}"
}

dc_db() {
	sqlite3 "$DC_DB" "$1"
}
