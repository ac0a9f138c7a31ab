# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the tests of ntm-rsd, the RS daemon, on the shared topology
# (topo.sh) with a DC stand-in on the public segment: ntm-dc-stub sends the
# Relay Directions and Path Teardowns, ntm-peer endpoints (with
# --tunnel-request) are the nodes. Works in the VM (kernel datapath) and on
# the host (user datapath) alike.
#
#   rsd_topo_up                 topo_up, plus the public hosts DC and GH
#   rsd_conf DATAPATH [LINE...] write $RSD_CONF: control 0.0.0.0:7700,
#                               tunnel-address $RS_IP, the datapath, the
#                               store $RSD_DB, routes for the node VIPs and
#                               the RS-T pool, dc-key $DC_KEY_ID; more lines
#                               follow
#   rsd_start [VAR=VALUE...]    ntm-rsd in $RS with that environment; waits
#                               for "ready:" in its log ($RSD_LOG, a new file
#                               per start); dies if the daemon dies first
#   rsd_stop                    SIGTERM, and the daemon must exit 0
#   rsd_wait_exit               wait for the daemon to end by itself; its
#                               status in $RSD_STATUS
#   rsd_logged REGEX            the current log has a line matching REGEX
#   dc ARGS...                  ntm-dc-stub in $DC toward the RS's control port
#   rsd_peer NS LEG ID TUN VIP [ntm-peer options...]
#                               ntm-peer run in NS, leg LEG of path ID (path
#                               key $PEER_KEY, default $PATH_KEY), TUN with
#                               VIP, toward the RS's tunnel port, after a
#                               Tunnel Request; waits until TUN is up (the RS
#                               accepted) and dies if it exits first. Its PID
#                               in $PEER_PID
#   store_state ID              the path's state in the store ("" if absent)

# shellcheck source=test/lib/relay.sh
source "$(dirname "${BASH_SOURCE[0]}")/relay.sh"
export PATH=$NTM_REPO/${B:-build}/bin:$PATH

export RSD_CTL_PORT=7700
export DC_KEY_ID=7
# Test keys only.
export DC_KEY=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
export RSD_CONF=$NTM_LOGDIR/rsd.conf
export RSD_DB=$NTM_LOGDIR/rsd/rsd.db
export VIP_NET=100.64.0.0/16
export RST_POOL=203.0.113.0/28
# A second path key, for paths the DC directs anew.
export PATH_KEY2=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
RSD_PID=
export PEER_PID=
RSD_LOG=
RSD_RUNS=0
RSD_STATUS=

# The paths of the scenario: an RS-S, an RS-N and an RS-T PathID, and the
# addresses their legs use.
export S=100 N=300 T=400
export VIP_A=100.64.0.1 VIP_B=100.64.0.2 VIP_MN=100.64.0.11 VIP_GH=100.65.0.30
export T_ADDR=203.0.113.5

rsd_topo_up() {
	topo_up
	topo_add_public_host DC 198.51.100.20
	topo_add_public_host GH 198.51.100.30
	n "$GH" ip route add "$RST_POOL" via "$RS_IP"
	# GH, the general host: a web server, nothing NTMobile.
	www=$NTM_LOGDIR/www
	mkdir -p "$www"
	head -c 300000 /dev/urandom >"$www/blob"
	web_serve "$GH" "$GH_IP" 8080 "$www" "$NTM_LOGDIR/http.log"
}

# After the datapath lost every path (WHEN: "the restart", "the reload") and
# the daemon installed them again from its store: the same ntm-peer
# processes (PIDs PEER_N, PEER_T), same keys, no new Tunnel Request, reach
# each other again. The RS reaches MN at the stored endpoint and MN accepts
# its replies (leg B's counter is above every one MN saw).
rsd_check_relaying() {
	local when=$1 peer_n=$2 peer_t=$3 got

	check "RS-S after $when: CN -> MN" n "$CN" ping -c 3 -i 0.2 -W 2 "$VIP_A"
	check "the RS-N and RS-T nodes are the same processes" kill -0 "$peer_n" "$peer_t"
	check "RS-N after $when: MN -> GH" n "$MN" ping -c 3 -i 0.2 -W 2 "$VIP_GH"
	got=$(n "$MN" curl -sS --max-time 60 "http://$VIP_GH:8080/blob" | sha256sum)
	check "RS-N after $when: HTTP download intact" [ "$got" = "$(sha256sum <"$www/blob")" ]
	check "RS-T after $when: MN ($T_ADDR) -> GH" n "$MN" ping -c 3 -i 0.2 -W 2 "$GH_IP"
	check "no Relay Direction or Tunnel Request reached the daemon since it started" \
		bash -c "! grep -qE 'Relay Direction|Tunnel Request' '$RSD_LOG'"
	check "ntmctl flows $N shows the RS-N flows after $when" \
		bash -c "ip netns exec $RS ntmctl flows $N | grep -q '$VIP_MN'"
}

rsd_conf() {
	local dp=$1 line

	shift
	{
		echo "# written by test/lib/rsd.sh"
		echo "control 0.0.0.0:$RSD_CTL_PORT"
		echo "tunnel-address $RS_IP"
		echo "tunnel-port $RS_PORT"
		echo "datapath $dp"
		echo "store $RSD_DB"
		echo "log-level debug"
		echo "route $VIP_NET"
		echo "route $RST_POOL"
		echo "dc-key $DC_KEY_ID $DC_KEY"
		for line in "$@"; do
			echo "$line"
		done
	} >"$RSD_CONF"
	chmod 600 "$RSD_CONF"
}

_rsd_alive() {
	[[ -n $RSD_PID ]] && kill -0 "$RSD_PID" 2>/dev/null
}

rsd_start() {
	local deadline=$((SECONDS + 60))

	RSD_RUNS=$((RSD_RUNS + 1))
	RSD_LOG=$NTM_LOGDIR/rsd-$RSD_RUNS.log
	# shellcheck disable=SC2086 # NTM_WRAP: a command line, split into words
	n_bg "$RS" env "$@" ${NTM_WRAP:-} ntm-rsd --config "$RSD_CONF" --foreground 2>"$RSD_LOG"
	RSD_PID=$!
	until grep -q "info: ready:" "$RSD_LOG"; do
		if ! _rsd_alive; then
			cat "$RSD_LOG"
			die "ntm-rsd (start $RSD_RUNS) exited before it was ready"
		fi
		((SECONDS < deadline)) || die "ntm-rsd (start $RSD_RUNS) not ready after 60 s: $(cat "$RSD_LOG")"
		sleep 0.1
	done
}

rsd_wait_exit() {
	RSD_STATUS=0
	wait "$RSD_PID" 2>/dev/null || RSD_STATUS=$?
	RSD_PID=
}

rsd_stop() {
	_rsd_alive || die "ntm-rsd is not running"
	kill -TERM "$RSD_PID"
	rsd_wait_exit
	((RSD_STATUS == 0)) || die "ntm-rsd exited with $RSD_STATUS on SIGTERM: $(tail -5 "$RSD_LOG")"
}

rsd_logged() {
	grep -qE "$1" "$RSD_LOG"
}

dc() {
	ip netns exec "$DC" ntm-dc-stub --rs "$RS_IP:$RSD_CTL_PORT" \
		--key-id "$DC_KEY_ID" --key "$DC_KEY" "$@"
}

rsd_peer() {
	local ns=$1 leg=$2 id=$3 tun=$4 vip=$5 log pid deadline=$((SECONDS + 30))

	shift 5
	log=$NTM_LOGDIR/peer-$ns-$tun.log
	n_bg "$ns" ntm-peer run --path-id "$id" --path-key "${PEER_KEY:-$PATH_KEY}" --leg "$leg" \
		--remote "$RS_IP:$RS_PORT" --tunnel-request "$RS_IP:$RSD_CTL_PORT" \
		--tun "$tun" --vip "$vip" "$@" 2>"$log"
	pid=$!
	PEER_PID=$pid
	until ip -n "$ns" link show "$tun" up >/dev/null 2>&1; do
		kill -0 "$pid" 2>/dev/null || die "ntm-peer in $ns ($tun) exited: $(cat "$log")"
		((SECONDS < deadline)) || die "ntm-peer in $ns ($tun) not up: $(cat "$log")"
		sleep 0.1
	done
}

store_state() {
	sqlite3 "$RSD_DB" "SELECT CASE state WHEN 1 THEN 'installing' WHEN 2 THEN 'installed' WHEN 3 THEN 'removing' END FROM path WHERE id = $1" 2>/dev/null
}
