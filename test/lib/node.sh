# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# ntm-node, the node daemon, on the shared topology with the DC of dc.sh
# (ntm-dc) and the RS of rsd.sh: MN is node 11 (mn.ntm.test), CN node 12
# (cn.ntm.test), any other node ID uses the key $KEY_<ID> of dc.sh. Used by
# the node's own tests and by the whole-system scenario (system.sh).
#
#   node_conf NS ID NAME [LINE...]
#                               write $NTM_LOGDIR/node-NS.conf: the DC,
#                               tunnel-port $NODE_PORT, tun-dev $NODE_TUN,
#                               lifetime $NODE_LIFETIME (60), keepalive
#                               $NODE_KEEPALIVE (10), state node-NS.json;
#                               LINEs follow. NS's resolv.conf names the DC
#                               (one try of 10 s: longer than the DNS hook
#                               holds an answer, 5 s)
#   node_start NS               ntm-node in NS (log node-NS.K.log for its
#                               K-th start); waits for "ready" and then for
#                               its registration; dies if it does not come
#   node_stop NS                SIGTERM; the daemon must exit 0
#   node_kill NS                SIGKILL
#   node_file NS conf|json      the file of NS's configuration, state
#   node_log NS                 the file of NS's current log
#   node_logged NS REGEX        NS's current log has a line matching REGEX
#   node_state NS [JQ]          jq -r JQ (default .) on NS's state file
#   node_state_is NS JQ VALUE   node_state NS JQ is VALUE (for wait_for)
#   node_registered NS          the state file says registered
#   node_vip NS                 its VIP, once registered
#   node_path NS PEER JQ        jq JQ on its path toward PEER (a peer name)

# shellcheck source=test/lib/dc.sh
source "$(dirname "${BASH_SOURCE[0]}")/dc.sh"

export NODE_TUN=ntmvip0
declare -A NODE_PID=() NODE_LOG=() NODE_RUNS=()

node_file() {
	echo "$NTM_LOGDIR/node-$1.$2"
}

node_conf() {
	local ns=$1 id=$2 name=$3 key=KEY_$2 line

	shift 3
	{
		echo "# written by test/lib/node.sh"
		echo "node-id $id"
		echo "key ${!key:?node_conf: no key for node $id}"
		echo "name $name"
		echo "dc $DC_IP:$DC_CTL_PORT"
		echo "tunnel-port $NODE_PORT"
		echo "tun-dev $NODE_TUN"
		echo "lifetime ${NODE_LIFETIME:-60}"
		echo "keepalive ${NODE_KEEPALIVE:-10}"
		echo "state $(node_file "$ns" json)"
		echo "log-level debug"
		for line in "$@"; do
			echo "$line"
		done
	} >"$(node_file "$ns" conf)"
	chmod 600 "$(node_file "$ns" conf)"
	# The node's applications ask the DC's DNS, through the node's hook.
	if [[ ! -d /etc/netns/$ns ]]; then
		mkdir -p "/etc/netns/$ns"
		on_exit rm -rf "/etc/netns/$ns"
	fi
	printf 'nameserver %s\noptions timeout:10 attempts:1\n' "$DC_IP" >"/etc/netns/$ns/resolv.conf"
}

node_start() {
	local ns=$1 k deadline=$((SECONDS + 60))

	k=$((${NODE_RUNS[$ns]:-0} + 1))
	NODE_RUNS[$ns]=$k
	NODE_LOG[$ns]=$(node_file "$ns" "$k.log")
	# shellcheck disable=SC2086 # NTM_WRAP: a command line, split into words
	n_bg "$ns" ${NTM_WRAP:-} ntm-node --config "$(node_file "$ns" conf)" --foreground 2>"${NODE_LOG[$ns]}"
	NODE_PID[$ns]=$!
	until grep -q "ready" "${NODE_LOG[$ns]}"; do
		kill -0 "${NODE_PID[$ns]}" 2>/dev/null ||
			die "ntm-node in $ns (start $k) exited before it was ready: $(tail -20 "${NODE_LOG[$ns]}")"
		((SECONDS < deadline)) ||
			die "ntm-node in $ns (start $k) not ready after 60 s: $(tail -20 "${NODE_LOG[$ns]}")"
		sleep 0.1
	done
	wait_for 30 node_registered "$ns" ||
		die "ntm-node in $ns did not register: $(tail -20 "${NODE_LOG[$ns]}")"
}

node_stop() {
	local ns=$1 rc=0

	kill -TERM "${NODE_PID[$ns]}"
	wait "${NODE_PID[$ns]}" 2>/dev/null || rc=$?
	NODE_PID[$ns]=
	((rc == 0)) || die "ntm-node in $ns exited with $rc on SIGTERM: $(tail -5 "${NODE_LOG[$ns]}")"
}

node_kill() {
	[[ -n ${NODE_PID[$1]:-} ]] || return 0
	kill -KILL "${NODE_PID[$1]}" 2>/dev/null
	wait "${NODE_PID[$1]}" 2>/dev/null || true
	NODE_PID[$1]=
}

node_log() {
	echo "${NODE_LOG[$1]}"
}

node_logged() {
	grep -qE "$2" "${NODE_LOG[$1]}"
}

node_state() {
	jq -r "${2:-.}" "$(node_file "$1" json)" 2>/dev/null
}

node_state_is() {
	[[ $(node_state "$1" "$2") == "$3" ]]
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
