#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile input at a whole RS (ntm-rsd and the kernel datapath) while a path
# carries traffic, and what it costs the path. An attacker on the public
# segment, from its own address and from spoofed ones:
#
#   - replays the nodes' recorded Tunnel Requests, and forged ones, from
#     spoofed sources (a reflector would answer the spoofed victims);
#   - sends Relay Directions without the DC's key, and replays and forges the
#     DC's from the DC's own (exempt from the rate limit) address;
#   - guesses PathIDs, on the tunnel port (Data) and the control port (Tunnel
#     Requests keyed by the guessed PathID);
#   - floods the control port (one source, then many spoofed) and the tunnel
#     port, while MN pings CN over the RS-S path: its loss and RTT are
#     measured before, during and after;
#   - and the RS's relay table fills up: the next path is refused with a
#     clear status, the others keep relaying.
# nft counters in the RS count every byte from and to the attacker's
# addresses: for all this unauthenticated input the RS sends back nothing
# (no amplification, no reflection). Every case is a row of
# docs/RESILIENCE.md (test/lib/resilience.sh).
#
#   MN --- NAT_MN ---+                      +--- NAT_CN --- CN
#                    |    br0 (public)      |
#                    +-- RS 198.51.100.10 --+    ntm-rsd, nf_ntm, max-paths 3
#                    +-- DC 198.51.100.20 (ntm-dc-stub), GH .30
#                    +-- ATK 198.51.100.40, spoofing 198.51.100.128/25

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/rsd.sh
source "$here/../../lib/rsd.sh"
# shellcheck source=test/lib/resilience.sh
source "$here/../../lib/resilience.sh"
checktool ntm-rsd ntm-dc-stub ntmctl ntm-peer jq nft ping python3 tcpdump sqlite3

FLOOD=(python3 "$NTM_REPO/test/lib/udpflood.py")
SPOOF=198.51.100.128/25
SECS=${FLOOD_SECONDS:-8}
# The limits under test: small enough that the guest's flood exceeds them.
RATE=20 BURST=40 TOTAL=500 TOTAL_BURST=1000

rsd_topo_up
topo_add_public_host ATK 198.51.100.40
rsd_conf kernel "max-paths 3" "control-rate $RATE $BURST" \
	"control-rate-total $TOTAL $TOTAL_BURST" "control-rate-exempt $DC_IP/32"

n "$RS" nft -f - <<EOF
table ip ntmtest {
	counter atk_in { }
	counter atk_out { }
	counter dc_out { }
	set atk { type ipv4_addr; flags interval; elements = { $ATK_IP, $SPOOF } }
	chain in {
		type filter hook prerouting priority -300;
		ip saddr @atk counter name atk_in
	}
	chain out {
		type filter hook output priority -300;
		ip daddr @atk counter name atk_out
		ip daddr $DC_IP counter name dc_out
	}
}
EOF
nft_counter() { # NAME packets|bytes
	ip netns exec "$RS" nft -j list counter ip ntmtest "$1" |
		jq ".nftables[] | select(.counter) | .counter.$2"
}

# The daemon's counters, as SIGUSR1 logs them.
rsd_counters() {
	local before

	before=$(grep -c "control: .* received" "$RSD_LOG" || true)
	kill -USR1 "$RSD_PID"
	wait_for 10 bash -c "[ \$(grep -c 'control: .* received' '$RSD_LOG') -gt $before ]"
	wait_for 10 bash -c "[ \$(grep -c 'control rate limit: ' '$RSD_LOG') -gt $before ]"
}
rsd_stat() { # received|dropped|rate-limited|Errors ...: the last SIGUSR1 value
	grep "control: .* received" "$RSD_LOG" | tail -n 1 |
		grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+'
}
rl_stat() { # "over a source's rate" ...
	grep "control rate limit: " "$RSD_LOG" | tail -n 1 |
		grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+'
}
rsd_cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$RSD_PID/stat"
}

# Ping MN -> CN over the RS-S path: "LOSS% AVG_MS RECEIVED".
ping_stats() { # COUNT INTERVAL
	local out loss avg rx

	out=$(ip netns exec "$MN" ping -q -c "$1" -i "$2" -W 1 "$VIP_B" 2>&1 || true)
	loss=$(grep -oE '[0-9.]+% packet loss' <<<"$out" | grep -oE '^[0-9.]+')
	rx=$(grep -oE '[0-9]+ received' <<<"$out" | grep -oE '^[0-9]+')
	avg=$(grep -oE '= [0-9.]+/[0-9.]+' <<<"$out" | cut -d/ -f2)
	echo "${loss:-100} ${avg:-0} ${rx:-0}"
}
ping_bg() { # COUNT INTERVAL FILE
	ip netns exec "$MN" ping -q -c "$1" -i "$2" -W 1 "$VIP_B" >"$3" 2>&1 &
	PING_PID=$!
}
ping_file_stats() {
	local loss avg

	loss=$(grep -oE '[0-9.]+% packet loss' "$1" | grep -oE '^[0-9.]+')
	avg=$(grep -oE '= [0-9.]+/[0-9.]+' "$1" | cut -d/ -f2)
	echo "${loss:-100} ${avg:-0}"
}
flood() { # NS [udpflood options]: "PACKETS BYTES SECONDS"
	local ns=$1 out

	shift
	out=$(ip netns exec "$ns" "${FLOOD[@]}" "$@")
	echo "$out" >&2
	sed -E 's/.*packets=([0-9]+) bytes=([0-9]+) seconds=([0-9.]+).*/\1 \2 \3/' <<<"$out"
}
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
pps() { awk -v n="$1" -v s="$2" 'BEGIN { printf("%d", (s > 0 ? n / s : 0)) }'; }

# ---- the RS, its recorded Tunnel Requests and the established path ----------
n_bg "$RS" tcpdump -n -U -i eth0 -w "$NTM_LOGDIR/control.pcap" "udp dst port $RSD_CTL_PORT" \
	2>"$NTM_LOGDIR/tcpdump.log"
tcpdump_pid=$!
wait_for 20 grep -q "listening on" "$NTM_LOGDIR/tcpdump.log" || die "tcpdump did not start"
# shellcheck disable=SC2119
rsd_start
check "RS-S path $S directed" dc -q relay $S type s path-key "$PATH_KEY" \
	a-vip $VIP_A b-vip $VIP_B refresh 0
rsd_peer "$MN" a $S ntmp0 $VIP_A --peer-vip $VIP_B --keepalive 3600
rsd_peer "$CN" b $S ntmp0 $VIP_B --peer-vip $VIP_A --keepalive 3600
check "the path carries traffic" n "$MN" ping -c 3 -i 0.2 -W 2 $VIP_B
kill "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true
ep_a=$(path_get $S .leg_a.endpoint)
ep_b=$(path_get $S .leg_b.endpoint)
read -r base_loss base_rtt _ <<<"$(ping_stats 200 0.02)"
echo "# baseline: loss $base_loss%, rtt $base_rtt ms"
check "baseline: the path loses nothing ($base_loss%)" [ "${base_loss%.*}" -eq 0 ]

"${FLOOD[@]}" --extract "$NTM_LOGDIR/control.pcap" 7 >"$NTM_LOGDIR/tr.hex"
"${FLOOD[@]}" --extract "$NTM_LOGDIR/control.pcap" 5 >"$NTM_LOGDIR/rd.hex"
# Forged: the last byte of the AEAD tag flipped.
sed -E 's/(.)$/\1 /; s/0 $/1/; s/[1-9a-f] $/0/' "$NTM_LOGDIR/tr.hex" >"$NTM_LOGDIR/tr-forged.hex"
sed -E 's/(.)$/\1 /; s/0 $/1/; s/[1-9a-f] $/0/' "$NTM_LOGDIR/rd.hex" >"$NTM_LOGDIR/rd-forged.hex"

# ---- spoofed Tunnel Requests ------------------------------------------------------
res_case spoofed-tunnel-request \
	"the nodes' recorded Tunnel Requests replayed 100 times, and 100 forged ones, from spoofed sources in $SPOOF"
# What the capture holds of the nodes' Tunnel Requests (one per leg, more
# with retransmissions; CI runs have seen the capture miss one): every one
# recorded is replayed, and the daemon must take none of them.
ntr=$(wc -l <"$NTM_LOGDIR/tr.hex")
check "the nodes' Tunnel Requests were recorded ($ntr)" [ "$ntr" -ge 1 ]
took0=$(grep -c 'Tunnel Request from leg' "$RSD_LOG" || true)
out0=$(nft_counter atk_out bytes)
read -r np nb _ <<<"$(flood "$ATK" --dst "$RS_IP:$RSD_CTL_PORT" --replay "$NTM_LOGDIR/tr.hex" \
	--spoof "$SPOOF" --count 100 --pps 200)"
read -r fp fb _ <<<"$(flood "$ATK" --dst "$RS_IP:$RSD_CTL_PORT" --replay "$NTM_LOGDIR/tr-forged.hex" \
	--spoof "$SPOOF" --count 100 --pps 200)"
sleep 1
out1=$(nft_counter atk_out bytes)
check "nothing was sent to the spoofed sources ($((out1 - out0)) bytes)" [ "$((out1 - out0))" -eq 0 ]
check "the daemon dropped the replays as replays" rsd_logged "dropped: (REPLAY|replay)"
check "leg A's endpoint did not move ($ep_a)" [ "$(path_get $S .leg_a.endpoint)" = "$ep_a" ]
check "leg B's endpoint did not move ($ep_b)" [ "$(path_get $S .leg_b.endpoint)" = "$ep_b" ]
check "the daemon took none of them (still the nodes' $took0)" \
	[ "$(grep -c 'Tunnel Request from leg' "$RSD_LOG")" -eq "$took0" ]
res_num "sent $((np + fp)) datagrams, $((nb + fb)) bytes; RS sent back $((out1 - out0)) bytes"
res_end

# ---- Relay Directions without the key --------------------------------------------
res_case relay-direction-without-key \
	"a Relay Direction under a wrong key from the attacker; the DC's recorded one replayed 50 times and forged 50 times from the DC's own (rate-limit exempt) address"
paths0=$(tunnel_get .paths)
dcout0=$(nft_counter dc_out packets)
out=$(ip netns exec "$ATK" ntm-dc-stub --rs "$RS_IP:$RSD_CTL_PORT" --key-id "$DC_KEY_ID" \
	--key "$PATH_KEY2" --timeout 2500 relay 900 type s path-key "$PATH_KEY" \
	a-vip 100.64.9.1 b-vip 100.64.9.2 2>&1 || true)
check "under a wrong key: never answered" grep -q "no answer" <<<"$out"
check "1 Relay Direction was recorded" [ "$(wc -l <"$NTM_LOGDIR/rd.hex")" -ge 1 ]
read -r rp _ _ <<<"$(flood "$ATK" --dst "$RS_IP:$RSD_CTL_PORT" --replay "$NTM_LOGDIR/rd.hex" \
	--spoof "$DC_IP/32" --count 50 --pps 100)"
read -r fp fb _ <<<"$(flood "$ATK" --dst "$RS_IP:$RSD_CTL_PORT" --replay "$NTM_LOGDIR/rd-forged.hex" \
	--spoof "$DC_IP/32" --count 50 --pps 100)"
sleep 1
dcout1=$(nft_counter dc_out packets)
check "no answer went to the DC ($((dcout1 - dcout0)) packets)" [ "$((dcout1 - dcout0))" -eq 0 ]
check "no path was added (still $paths0)" [ "$(tunnel_get .paths)" -eq "$paths0" ]
check "path 900 is in neither kernel nor store" \
	bash -c "! ip netns exec $RS ntmctl path show 900 2>/dev/null && [ -z \"\$(sqlite3 '$RSD_DB' 'SELECT id FROM path WHERE id = 900')\" ]"
res_num "sent $((rp + fp + 1)) datagrams; answers: 0; paths: $paths0 before, $(tunnel_get .paths) after"
res_end

# ---- PathID guessing -----------------------------------------------------------------
res_case pathid-guessing \
	"20,000 Data packets for PathIDs 1..10000 (the real one, $S, among them) with made-up tags on the tunnel port; 2,000 Tunnel Requests keyed by guessed PathIDs 1..1000 on the control port"
tun0=$(tunnel_get .stats.drop_nopath)
auth0=$(path_get $S .leg_a.stats.drop_auth)
authb0=$(path_get $S .leg_b.stats.drop_auth)
txb0=$(path_get $S .leg_b.stats.tx_packets)
txa0=$(path_get $S .leg_a.stats.tx_packets)
out0=$(nft_counter atk_out bytes)
read -r dp _ dsecs <<<"$(flood "$ATK" --dst "$RS_IP:$RS_PORT" --data-paths 1-10000 --count 20000)"
read -r tp _ _ <<<"$(flood "$ATK" --dst "$RS_IP:$RSD_CTL_PORT" --tunnel-requests 1-1000 --count 2000)"
sleep 1
nopath=$(($(tunnel_get .stats.drop_nopath) - tun0))
auth=$(($(path_get $S .leg_a.stats.drop_auth) - auth0 + $(path_get $S .leg_b.stats.drop_auth) - authb0))
check "every guess for another PathID dropped as unknown ($nopath of $((dp - 2)))" \
	[ "$nopath" -eq $((dp - 2)) ]
check "the 2 guesses of PathID $S dropped for their tag ($auth)" [ "$auth" -eq 2 ]
check "nothing was relayed to leg B" [ "$(path_get $S .leg_b.stats.tx_packets)" -eq "$txb0" ]
check "nothing was relayed to leg A" [ "$(path_get $S .leg_a.stats.tx_packets)" -eq "$txa0" ]
out1=$(nft_counter atk_out bytes)
check "no Tunnel Request guess was answered ($((out1 - out0)) bytes back)" [ "$((out1 - out0))" -eq 0 ]
rsd_counters
res_num "$dp Data in ${dsecs} s ($(pps "$dp" "$dsecs")/s): $nopath unknown PathID, $auth bad tag, 0 relayed; $tp Tunnel Requests: 0 answered, $(rsd_stat rate-limited) rate-limited so far"
res_end

# ---- floods while the path carries traffic ------------------------------------------
flood_case() { # ID WHAT DST_PORT udpflood-options...
	local id=$1 what=$2 port=$3 ticks0 ticks1 fp fb fs loss rtt opened0 opened1 lim0 lim1
	local rx0 rx1 a_loss

	shift 3
	res_case "$id" "$what"
	rsd_counters
	opened0=$(rsd_stat dropped) lim0=$(rsd_stat rate-limited) rx0=$(rsd_stat received)
	ticks0=$(rsd_cpu_ticks)
	ping_bg $((SECS * 50)) 0.02 "$NTM_LOGDIR/ping-$id.log"
	read -r fp fb fs <<<"$(flood "$ATK" --dst "$RS_IP:$port" --seconds "$SECS" "$@")"
	wait "$PING_PID" || true
	ticks1=$(rsd_cpu_ticks)
	read -r loss rtt <<<"$(ping_file_stats "$NTM_LOGDIR/ping-$id.log")"
	rsd_counters
	opened1=$(rsd_stat dropped) lim1=$(rsd_stat rate-limited) rx1=$(rsd_stat received)
	echo "# $id: $fp datagrams in $fs s, ping loss $loss% rtt $rtt ms (baseline $base_loss% $base_rtt ms)"
	check "$id: the path kept working during the flood (ping loss $loss% < 10%)" lt "$loss" 10
	read -r a_loss _ _ <<<"$(ping_stats 50 0.02)"
	check "$id: and loses nothing after it ($a_loss%)" [ "${a_loss%.*}" -eq 0 ]
	FLOOD_OPENED=$((opened1 - opened0)) FLOOD_LIMITED=$((lim1 - lim0))
	FLOOD_SECS=$fs FLOOD_RX=$((rx1 - rx0))
	res_num "flood $fp datagrams ($fb bytes) in $fs s = $(pps "$fp" "$fs")/s; path ping loss $loss% rtt $rtt ms during (baseline $base_loss% $base_rtt ms); ntm-rsd read $FLOOD_RX, opened $FLOOD_OPENED, rate-limited $FLOOD_LIMITED, CPU $(((ticks1 - ticks0) * 10)) ms"
}

flood_case flood-control-one-source \
	"junk (200-byte datagrams) at full speed from the attacker's address to the control port for $SECS s" \
	$RSD_CTL_PORT --junk 200
check "flood-control-one-source: the limiter dropped most of what the daemon read ($FLOOD_LIMITED of $FLOOD_RX)" \
	[ "$FLOOD_LIMITED" -gt $((FLOOD_RX * 9 / 10)) ]
max=$(awk -v s="$FLOOD_SECS" -v r=$RATE -v b=$BURST 'BEGIN { printf "%d", s * r + b + r }')
check "flood-control-one-source: ntm-rsd opened at most rate x time + burst ($FLOOD_OPENED <= $max)" \
	[ "$FLOOD_OPENED" -le "$max" ]
check "flood-control-one-source: the summary line, not a line per datagram" \
	bash -c "[ \$(grep -c 'rate limit: ' '$RSD_LOG') -lt 20 ]"
res_end

res_case control-port-during-flood \
	"while one source floods the control port: the DC directs path 101 (exempt address) and a node of another source sends its Tunnel Request"
n_bg "$ATK" "${FLOOD[@]}" --dst "$RS_IP:$RSD_CTL_PORT" --junk 200 --seconds 20 >/dev/null 2>&1
flood_pid=$!
sleep 2
t0=$EPOCHREALTIME
check "the DC's Relay Direction is answered OK during the flood" dc -q relay 101 type s \
	path-key "$PATH_KEY2" a-vip 100.64.1.1 b-vip 100.64.1.2 refresh 0
t1=$EPOCHREALTIME
n_bg "$CN" ntm-peer run --path-id 101 --path-key "$PATH_KEY2" --leg b \
	--tunnel-request "$RS_IP:$RSD_CTL_PORT" --vip 100.64.1.2 2>"$NTM_LOGDIR/peer-101.log"
peer_pid=$!
check "a Tunnel Request from CN (not the flooding source) is answered" \
	wait_for 20 grep -q "accepted by $RS_IP:$RSD_CTL_PORT" "$NTM_LOGDIR/peer-101.log"
t2=$EPOCHREALTIME
kill "$peer_pid" 2>/dev/null || true
kill "$flood_pid" 2>/dev/null || true
res_num "Relay Direction answered in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, Tunnel Request in $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s"
res_end

flood_case flood-control-spoofed \
	"junk at full speed to the control port from 128 spoofed sources ($SPOOF) for $SECS s: each under its own rate, together over the total" \
	$RSD_CTL_PORT --junk 200 --spoof "$SPOOF"
max=$(awk -v s="$FLOOD_SECS" -v r=$TOTAL -v b=$TOTAL_BURST 'BEGIN { printf "%d", (s + 1) * r + b }')
check "flood-control-spoofed: ntm-rsd opened at most total rate x time + burst ($FLOOD_OPENED <= $max)" \
	[ "$FLOOD_OPENED" -le "$max" ]
res_num "limited over the total rate so far: $(rl_stat 'over the total rate')"
res_end

flood_case flood-tunnel-port \
	"Data packets for PathIDs 1..100000 with made-up tags at full speed to the tunnel port for $SECS s" \
	$RS_PORT --data-paths 1-100000 --size 120
res_end

res_case no-amplification "every byte from and to the attacker's addresses, all cases above"
in_b=$(nft_counter atk_in bytes) in_p=$(nft_counter atk_in packets)
out_b=$(nft_counter atk_out bytes) out_p=$(nft_counter atk_out packets)
check "the RS sent the attacker no more than it received ($out_b <= $in_b bytes)" [ "$out_b" -le "$in_b" ]
check "in fact nothing at all ($out_p packets)" [ "$out_p" -eq 0 ]
res_num "received $in_p packets, $in_b bytes; sent back $out_p packets, $out_b bytes"
res_end

# ---- a full relay table ------------------------------------------------------------
res_case full-relay-table \
	"max-paths 3 with paths $S and 101 installed: the DC directs 102 (fills it), then 103"
check "path 102 fills the table" dc -q relay 102 type s path-key "$PATH_KEY2" \
	a-vip 100.64.2.1 b-vip 100.64.2.2
out=$(dc -q relay 103 type s path-key "$PATH_KEY2" a-vip 100.64.3.1 b-vip 100.64.3.2 2>&1) && rc=0 || rc=$?
check "path 103 is refused with TABLE_FULL (exit $rc: $out)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'path 103: TABLE_FULL' <<<'$out'"
check "the daemon says why" rsd_logged "path 103 \(RS-S\): Relay Direction refused: TABLE_FULL"
check "103 is in neither kernel nor store" \
	bash -c "! ip netns exec $RS ntmctl path show 103 2>/dev/null && [ -z '$(store_state 103)' ]"
check "the 3 paths are untouched" [ "$(n "$RS" ntmctl -j path list | jq -c '[.[].id] | sort')" = "[$S,101,102]" ]
read -r loss _ _ <<<"$(ping_stats 50 0.02)"
check "the established path still relays ($loss% loss)" [ "${loss%.*}" -eq 0 ]
check "path 102 torn down" dc -q teardown 102
check "then 103 is accepted: the table is not stuck" dc -q relay 103 type s \
	path-key "$PATH_KEY2" a-vip 100.64.3.1 b-vip 100.64.3.2
res_num "paths: $(tunnel_get .paths) of 3"
res_end

check "ntm-rsd is alive and well after all this" kill -0 "$RSD_PID"
rsd_stop
summary
