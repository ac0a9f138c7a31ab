#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Faults in the middle of a TCP stream over an RS-S path (MN downloads a
# file from CN through the RS, VIP to VIP), each judged by the file's SHA-256
# at the far end and by what the RS's state says afterwards:
#
#   - SIGKILL of ntm-rsd: the kernel relays on, the restarted daemon takes
#     every path over as it is;
#   - nf_ntm unloaded and loaded again: the relay table is gone, the daemon
#     installs the path again from its store, with the learned endpoints,
#     and TCP's retransmissions carry the stream over the gap;
#   - short conntrack UDP timeouts on both NATs, an idle spell longer than
#     them (the nodes' keepalives hold the mappings), then every NAT mapping
#     dropped and remade on a new port (fully-random masquerade): the RS
#     learns the new endpoints from authenticated packets;
#   - loss, reordering and duplication (tc netem) on MN's NAT uplink: the RS
#     drops the duplicates as replays and the stream arrives intact.
# Every case is a row of docs/RESILIENCE.md (test/lib/resilience.sh).
#
#   MN --- NAT_MN ---+  br0 (public)   +--- NAT_CN --- CN (web server on its VIP)
#                    +-- RS (ntm-rsd) -+
#                    +-- DC (ntm-dc-stub)

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/rsd.sh
source "$here/../../lib/rsd.sh"
# shellcheck source=test/lib/resilience.sh
source "$here/../../lib/resilience.sh"
checktool ntm-rsd ntm-dc-stub ntmctl ntm-peer jq curl python3 sha256sum tc conntrack

SIZE_KB=${STREAM_KB:-2048}
RATE=${STREAM_RATE:-256k}
PORT=8081

rsd_topo_up
rsd_conf kernel "control-rate-exempt $DC_IP/32"
# shellcheck disable=SC2119
rsd_start
check "RS-S path $S directed" dc -q relay $S type s path-key "$PATH_KEY" \
	a-vip $VIP_A b-vip $VIP_B refresh 0
rsd_peer "$MN" a $S ntmp0 $VIP_A --peer-vip $VIP_B --keepalive 2
rsd_peer "$CN" b $S ntmp0 $VIP_B --peer-vip $VIP_A --keepalive 2
check "the path carries traffic" n "$MN" ping -c 3 -i 0.2 -W 2 $VIP_B

files=$NTM_LOGDIR/cn-www
mkdir -p "$files"
head -c $((SIZE_KB * 1024)) /dev/urandom >"$files/blob"
want=$(sha256sum <"$files/blob" | cut -d' ' -f1)
web_serve "$CN" "$VIP_B" $PORT "$files" "$NTM_LOGDIR/cn-http.log"

# The download, in the background: its SHA-256 and time go to FILE.
stream_start() { # FILE
	local out=$1

	(
		t0=$EPOCHREALTIME
		got=$(ip netns exec "$MN" curl -sS --max-time 240 \
			"http://$VIP_B:$PORT/blob?rate=$RATE" | sha256sum | cut -d' ' -f1)
		t1=$EPOCHREALTIME
		echo "$got $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
	) >"$out" 2>&1 &
	STREAM_PID=$!
}
# Wait for it: "SHA SECONDS" in STREAM_SHA, STREAM_SECS.
stream_end() { # FILE
	wait "$STREAM_PID" || true
	read -r STREAM_SHA STREAM_SECS <"$1" || true
}
secs_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

# ---- baseline ------------------------------------------------------------------
res_case stream-baseline "MN downloads $SIZE_KB KiB from CN over the RS-S path at $RATE/s, no fault"
stream_start "$NTM_LOGDIR/stream-base"
stream_end "$NTM_LOGDIR/stream-base"
check "the file arrives intact" [ "$STREAM_SHA" = "$want" ]
base_secs=$STREAM_SECS
res_num "$SIZE_KB KiB in $STREAM_SECS s"
res_end

# ---- SIGKILL of the daemon ----------------------------------------------------------
res_case sigkill-rsd "SIGKILL of ntm-rsd 2 s into the download; the kernel relays on; the daemon is started again 3 s later"
stream_start "$NTM_LOGDIR/stream-kill"
sleep 2
ep_a=$(path_get $S .leg_a.endpoint)
kill -KILL "$RSD_PID"
check "the download was still running when ntm-rsd died" kill -0 "$STREAM_PID"
rsd_wait_exit
check "ntm-rsd died of SIGKILL (status $RSD_STATUS)" [ "$RSD_STATUS" -eq 137 ]
check "without the daemon the kernel still relays" n "$MN" ping -c 2 -i 0.2 -W 2 $VIP_B
sleep 1
# shellcheck disable=SC2119
rsd_start
check "the restarted daemon took the path over as it was" rsd_logged "reconciled: 1 kept, 0 installed again"
check "the learned endpoint is the same ($ep_a)" [ "$(path_get $S .leg_a.endpoint)" = "$ep_a" ]
check "the store still says installed" [ "$(store_state $S)" = installed ]
stream_end "$NTM_LOGDIR/stream-kill"
check "the file arrives intact across the kill" [ "$STREAM_SHA" = "$want" ]
res_num "$SIZE_KB KiB in $STREAM_SECS s (baseline $base_secs s)"
res_end

# ---- module reload ---------------------------------------------------------------------
if [[ -n ${NTM_MODULE_NAME:-} ]]; then
	res_case module-reload "2 s into the download: ntm-rsd stopped, nf_ntm unloaded and loaded again, ntm-rsd started"
	stream_start "$NTM_LOGDIR/stream-reload"
	sleep 2
	ep_a=$(path_get $S .leg_a.endpoint)
	t0=$EPOCHREALTIME
	rsd_stop
	check "the download was still running when the module went" kill -0 "$STREAM_PID"
	pp rmmod "$NTM_MODULE_NAME"
	pp insmod "$NTM_MODULE"
	check "the new module has no relay table" bash -c "! ip netns exec $RS ntmctl tunnel show 2>/dev/null"
	# shellcheck disable=SC2119
	rsd_start
	gap=$(secs_since "$t0")
	check "the daemon installed the path again from its store" \
		rsd_logged "reconciled: 0 kept, 1 installed again"
	check "with leg A's learned endpoint ($ep_a)" [ "$(path_get $S .leg_a.endpoint)" = "$ep_a" ]
	stream_end "$NTM_LOGDIR/stream-reload"
	check "the file arrives intact across the reload" [ "$STREAM_SHA" = "$want" ]
	res_num "relay table gone for $gap s; $SIZE_KB KiB in $STREAM_SECS s (baseline $base_secs s)"
	res_end
else
	skip "module reload (run.sh --no-module)"
fi

# ---- NAT mappings: short timeouts, then all of them remade ----------------------------
res_case nat-expiry "conntrack UDP timeouts 3 s on both NATs, 8 s idle (keepalives every 2 s), then a download during which both NATs drop every mapping and remake them on new ports (fully-random)"
topo_nat_udp_timeout 3
sleep 8
check "after 8 s idle with 3 s timeouts the path still carries traffic" \
	n "$MN" ping -c 3 -i 0.2 -W 2 $VIP_B
topo_nat_masq "$NAT_MN" fully-random
topo_nat_masq "$NAT_CN" fully-random
ep_a=$(path_get $S .leg_a.endpoint)
ep_b=$(path_get $S .leg_b.endpoint)
stream_start "$NTM_LOGDIR/stream-nat"
sleep 2
topo_nat_flush
check "the download was still running when the NATs dropped their mappings" kill -0 "$STREAM_PID"
stream_end "$NTM_LOGDIR/stream-nat"
check "the file arrives intact across the remapping" [ "$STREAM_SHA" = "$want" ]
new_a=$(path_get $S .leg_a.endpoint)
new_b=$(path_get $S .leg_b.endpoint)
check "the RS learned MN's new mapping ($ep_a -> $new_a)" [ "$new_a" != "$ep_a" ]
check "the RS learned CN's new mapping ($ep_b -> $new_b)" [ "$new_b" != "$ep_b" ]
res_num "$SIZE_KB KiB in $STREAM_SECS s (baseline $base_secs s); leg A $ep_a -> $new_a, leg B $ep_b -> $new_b"
res_end
topo_nat_udp_timeout 30 180

# ---- loss, reordering, duplication --------------------------------------------------
res_case netem "tc netem on NAT_MN's uplink and on the RS's link: 5% loss, a quarter of the packets held back 5 ms behind the rest (reordered), 5% duplicated, during the download"
rp0=$(path_get $S .leg_a.stats.drop_replay)
rpb0=$(path_get $S .leg_b.stats.drop_replay)
n "$NAT_MN" tc qdisc add dev wan0 root netem delay 5ms reorder 75% 50% loss 5% duplicate 5%
n "$RS" tc qdisc add dev eth0 root netem delay 5ms reorder 75% 50% loss 5% duplicate 5%
stream_start "$NTM_LOGDIR/stream-netem"
stream_end "$NTM_LOGDIR/stream-netem"
n "$NAT_MN" tc -s qdisc show dev wan0 | sed 's/^/# /'
n "$NAT_MN" tc qdisc del dev wan0 root
n "$RS" tc qdisc del dev eth0 root
rp=$(($(path_get $S .leg_a.stats.drop_replay) - rp0 + $(path_get $S .leg_b.stats.drop_replay) - rpb0))
check "the file arrives intact through netem" [ "$STREAM_SHA" = "$want" ]
check "the RS dropped duplicates as replays ($rp)" [ "$rp" -gt 0 ]
check "the path is clean again after" n "$MN" ping -c 3 -i 0.2 -W 2 $VIP_B
res_num "$SIZE_KB KiB in $STREAM_SECS s (baseline $base_secs s); $rp duplicates dropped by the RS's replay windows"
res_end

rsd_stop
summary
