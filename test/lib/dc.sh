# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the tests of ntm-dc, the Direction Coordinator, on the shared
# topology with the RS of rsd.sh (ntm-rsd) and the DC on the public segment
# at 198.51.100.20. ntm-node-stub plays the nodes.
#
#   dc_conf [LINE...]           write $DC_CONF: control 0.0.0.0:7700, dns
#                               $DC_IP:53, zone $ZONE, the pools, the store
#                               $DC_DB, nodes 11 (mn.ntm.test), 12 and 13, the
#                               RS of rsd.sh (rs1, with $RST_POOL), the hosts
#                               gh and sip (rs-t), rs-t-port 5060; more lines
#                               follow
#   dc_start                    ntm-dc in $DC; waits for "ready:" in its log
#                               ($DC_LOG, a new file per start)
#   dc_stop                     SIGTERM, and the daemon must exit 0
#   dc_logged REGEX             the current log has a line matching REGEX
#   node_stub NS ID ARGS...     ntm-node-stub in NS as node ID (its key
#                               $KEY_<ID>) toward the DC, bound to port
#                               $NODE_PORT (the node's tunnel port)
#   dc_dns NS NAME [TYPE]       ntm-node-stub dns in NS toward the DC
#   dc_db SQL                   sqlite3 on the DC's store

# shellcheck source=test/lib/rsd.sh
source "$(dirname "${BASH_SOURCE[0]}")/rsd.sh"

export DC_CTL_PORT=7700 NODE_PORT=7702
export ZONE=ntm.test
export DC_CONF=$NTM_LOGDIR/dc.conf
export DC_DB=$NTM_LOGDIR/dc/dc.db
# Test keys only.
export KEY_11=1111111111111111111111111111111111111111111111111111111111111111
export KEY_12=1212121212121212121212121212121212121212121212121212121212121212
export KEY_13=1313131313131313131313131313131313131313131313131313131313131313
export KEY_99=9999999999999999999999999999999999999999999999999999999999999999
DC_PID=
DC_LOG=
DC_RUNS=0

dc_conf() {
	local line

	{
		echo "# written by test/lib/dc.sh"
		echo "control 0.0.0.0:$DC_CTL_PORT"
		echo "dns $DC_IP:53"
		echo "zone $ZONE"
		echo "address $DC_IP"
		echo "vip-pool $VIP_NET"
		echo "host-vip-pool 100.65.0.0/16"
		echo "store $DC_DB"
		echo "refresh 120"
		echo "log-level debug"
		echo "node 11 $KEY_11 mn.$ZONE"
		echo "node 12 $KEY_12"
		echo "node 13 $KEY_13"
		echo "host gh.$ZONE $GH_IP"
		echo "host sip.$ZONE $GH_IP rs-t"
		echo "rs-t-port 5060"
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
	local deadline=$((SECONDS + 30))

	DC_RUNS=$((DC_RUNS + 1))
	DC_LOG=$NTM_LOGDIR/dc-$DC_RUNS.log
	n_bg "$DC" ntm-dc --config "$DC_CONF" --foreground 2>"$DC_LOG"
	DC_PID=$!
	until grep -q "info: ready:" "$DC_LOG"; do
		if ! _dc_alive; then
			cat "$DC_LOG"
			die "ntm-dc (start $DC_RUNS) exited before it was ready"
		fi
		((SECONDS < deadline)) || die "ntm-dc (start $DC_RUNS) not ready after 30 s: $(cat "$DC_LOG")"
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
