#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmarks, inside the test VM (run by bench/run.sh through
# test/vm/run.sh, nf_ntm.ko loaded). Writes raw CSV files to $BENCH_OUT
# (default: the run's writable result share, /run/ntm-vm/result/bench).
#
# Topology: test/lib/topo.sh's MN / NAT_MN / RS / NAT_CN / CN, plus three
# public hosts: GH (RS-N's general host), SRC and SINK (load generator and
# sink, straight on the public segment, no NAT).
#
# Phases (every comparison is made inside this one run):
#   direct     Table 3's baseline: ping over an ntm-peer tunnel SRC <-> SINK
#              with no RS, and plain ping on the public segment
#   kernel     nf_ntm: RS-S and RS-N forwarding time (pcap on the RS's eth0)
#              at ping pace and under load, ping RTT, RS-S flood rate
#   plain      the same flood DNATed + masqueraded by the RS (the ceiling)
#   user       the same as kernel with ntm-relay-user on the same port
#   wg, turn   WireGuard as a relay hop, coturn: the same floods
#   ctl        Relay Direction -> Direction Response at ntm-rsd
#   scale      nf_ntm: 1,000 / 100,000 (/ 1,000,000) paths with ntmctl -b
#   move       the whole system (ntm-dc, ntm-rsd, ntm-node): MN changes
#              network during a ping; time until the replies come back
#
# Each throughput figure is measured at 64- and 1400-byte packets, with one
# flow and with BENCH_FLOWS flows (a sender and a path each).

set -euo pipefail
cd "${NTM_REPO:-$(dirname "$0")/..}"
# shellcheck source=test/lib/system.sh
source test/lib/system.sh
export NTM_TEST_QUIET=1
checktool ntmctl ntm-peer ntm-relay-user ntm-rsd ntm-dc-stub ntm-dc ntm-node jq nft ping tcpdump python3

OUT=${BENCH_OUT:-/run/ntm-vm/result/bench}
mkdir -p "$OUT"
PINGS=${BENCH_PINGS:-600}
PING_IV=${BENCH_PING_IV:-0.01}
FLOOD_SECS=${BENCH_FLOOD_SECS:-5}
CTL_SAMPLES=${BENCH_CTL_SAMPLES:-300}
SCALE_MAX=${BENCH_SCALE_MAX:-1000000}
# "Many flows": senders, each on a path of its own (at most 10: the RS-T
# addresses come from a /28).
FLOWS=${BENCH_FLOWS:-8}
((FLOWS >= 2 && FLOWS <= 10)) || { echo "BENCH_FLOWS: 2..10, got $FLOWS" >&2; exit 2; }
# Packet sizes of the floods: the plaintext each Data carries (for RS-N and
# RS-T an IPv4/UDP packet of that size to GH).
SIZES=(64 1400)
MOVES=${BENCH_MOVES:-6}
# Phases to run (all by default); a subset is for working on one of them.
PHASES=" ${BENCH_PHASES:-direct kernel plain user wg turn ctl scale move} "
phase() { [[ $PHASES == *" $1 "* ]]; }
PERF=${BENCH_PERF:-1}
WORK=$NTM_LOGDIR
RELAY_KEY=00112233445566778899aabbccddeeff
summary_csv=$OUT/summary.csv
echo "what,datapath,scenario,metric,value" >"$summary_csv"
put() { echo "$1,$2,$3,$4,$5" >>"$summary_csv"; echo "RESULT $1 $2 $3 $4=$5"; }
put meta guest all pings "$PINGS"
put meta guest all ping_interval "$PING_IV"
put meta guest all flood_secs "$FLOOD_SECS"
put meta guest all flows "$FLOWS"
log() { echo "== $(date +%T) $*"; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

topo_up
topo_add_public_host GH 198.51.100.30
topo_add_public_host SRC 198.51.100.40
topo_add_public_host SINK 198.51.100.41
# The sink drops the flood before the stack would answer it with ICMP.
n "$SINK" nft -f - <<EOF
table ip sink {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		udp dport 9999 counter drop
	}
}
EOF

# GH drops (and counts) the RS-N/RS-T floods' inner UDP to port 9.
n "$GH" nft -f - <<EOF
table ip sink {
	counter c9 {}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		udp dport 9 counter name c9 drop
	}
}
EOF

SRC_VIP=100.66.0.1 SINK_VIP=100.66.0.2
ID_S=100 ID_N=300 ID_F=101 ID_FN=301 ID_FT=401
T_POOL=203.0.113.0/28
n "$GH" ip route add $T_POOL via "$RS_IP"
VIP_S_A=100.64.0.1 VIP_S_B=100.64.0.2 VIP_N=100.64.0.3 VIP_GH=100.65.0.30
CTR_BASE=1000000

# --- helpers -----------------------------------------------------------------

bgpids=()
bg() { # NS CMD... in the background, pid in $!
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	bgpids+=("$!")
}
stop() {
	local p
	for p in "$@"; do kill "$p" 2>/dev/null || true; done
	for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

peer() { # NS LEG ID VIP PEER_VIP REMOTE [ARGS] -> pid in $PEER_PID
	local ns=$1 leg=$2 id=$3 vip=$4 pvip=$5 remote=$6
	shift 6
	bg "$ns" ntm-peer run -q --path-id "$id" --path-key "$PATH_KEY" --leg "$leg" \
		--remote "$remote" --tun ntmp0 --vip "$vip" --peer-vip "$pvip" \
		--keepalive 3600 "$@" 2>>"$WORK/peer-$ns-$leg.log"
	PEER_PID=$!
	wait_for 10 n "$ns" ip link show ntmp0 up >/dev/null 2>&1 || die "peer in $ns"
}

# The relay's counters, whichever datapath runs.
DP=kernel RU_PID=
# A fresh snapshot of ntm-relay-user's counters in $WORK/ru.json (SIGUSR1).
ru_snapshot() {
	rm -f "$WORK/ru.json"
	kill -USR1 "$RU_PID"
	for _ in $(seq 200); do [[ -s $WORK/ru.json ]] && break; sleep 0.02; done
}
pfield() { # ID JQ
	if [[ $DP == kernel ]]; then
		ip netns exec "$RS" ntmctl -j path show "$1" | jq -r ".[0]$2"
	else
		ru_snapshot
		jq -r "[.paths[] | select(.id == $1)] | .[0]$2" "$WORK/ru.json"
	fi
}
learned() { local e; e=$(pfield "$1" ".leg_$2.endpoint"); [[ -n $e && $e != null ]]; }

ping_run() { # NS DST LABEL: ping, RTTs to CSV, stats to summary
	local ns=$1 dst=$2 label=$3 f
	f=$OUT/rtt-$label.csv
	ip netns exec "$ns" ping -n -c "$PINGS" -i "$PING_IV" -W 2 "$dst" >"$WORK/ping-$label.txt" 2>&1 || true
	awk -F'time=' '/time=/ { split($2, a, " "); print a[1] }' "$WORK/ping-$label.txt" >"$f"
	local loss
	loss=$(grep -o '[0-9.]*% packet loss' "$WORK/ping-$label.txt" | cut -d% -f1)
	put rtt "${label%%-*}" "${label#*-}" loss_pct "${loss:-100}"
	stats_ms "$f" rtt "${label%%-*}" "${label#*-}"
}

stats_ms() { # FILE(ms values) WHAT DP SCEN
	local line
	line=$(sort -g "$1" | awk '{ v[NR] = $1; s += $1 } END {
		if (NR == 0) { print "0 0 0 0 0"; exit }
		p50 = v[int((NR + 1) / 2)]; p99i = int(NR * 0.99); if (p99i < 1) p99i = 1
		printf "%d %.4f %.4f %.4f %.4f\n", NR, p50, v[p99i], s / NR, v[1] }')
	read -r cnt p50 p99 mean min <<<"$line"
	put "$2" "$3" "$4" n "$cnt"
	put "$2" "$3" "$4" median_ms "$p50"
	put "$2" "$3" "$4" p99_ms "$p99"
	put "$2" "$3" "$4" mean_ms "$mean"
	put "$2" "$3" "$4" min_ms "$min"
}

cap_start() { # FILTER -> CAP_PID, CAP_FILE
	CAP_FILE=$WORK/cap.pcap
	rm -f "$CAP_FILE" "$WORK/cap.err"
	ip netns exec "$RS" tcpdump -Z root -i eth0 -n -s 128 -B 65536 \
		--time-stamp-precision=nano -w "$CAP_FILE" "$1" 2>"$WORK/cap.err" &
	CAP_PID=$!
	wait_for 10 grep -q "listening on" "$WORK/cap.err" || die "tcpdump: $(cat "$WORK/cap.err")"
}
cap_stop() {
	sleep 0.5
	kill -INT "$CAP_PID"
	wait "$CAP_PID" 2>/dev/null || true
	grep -h "dropped by kernel" "$WORK/cap.err" || true
}

fwd_time() { # MODE(rss|rsn) DP SCEN: pcap -> fwd-DP-SCEN.csv (ns), summary in ms
	local f=$OUT/fwd-$2-$3.csv r
	r=$(python3 bench/match.py "$1" "$CAP_FILE" "$RS_IP" "$RS_PORT" "$f")
	echo "   match: $r"
	put fwd "$2" "$3" unmatched "${r##*unmatched_in=}"
	awk -F, '{ printf "%.6f\n", $2 / 1e6 }' "$f" >"$WORK/fwd.ms"
	stats_ms "$WORK/fwd.ms" fwd "$2" "$3"
}

# A flood of Data from SRC, counters never reused: FLOOD_N senders, sender
# I on path FIRST+I of the flood's kind (FLOOD_KIND: rss, rsn, rst; plain and
# wg send RS-S Data that the RS does not look into), each Data carrying
# FLOOD_SIZE bytes of plaintext.
FLOOD_PIDS=()
FLOOD_N=1 FLOOD_KIND=rss FLOOD_SIZE=64
flood_args() { # I -> FA
	local i=$1
	case $FLOOD_KIND in
	rss | plain) FA=(--path-id $((ID_F + i)) --payload-size "$FLOOD_SIZE") ;;
	rsn) FA=(--path-id $((ID_FN + i)) --vip "100.64.0.$((40 + i))" --peer-vip "$VIP_GH"
		--payload-size "$FLOOD_SIZE") ;;
	rst) FA=(--path-id $((ID_FT + i)) --vip "203.0.113.$((5 + i))" --peer-vip "$GH_IP"
		--payload-size "$FLOOD_SIZE") ;;
	# Into SRC's wg0: the packet WireGuard carries is the size RS-N's
	# decrypted inner packet has (payload + 40 + 28 bytes of UDP/IP), so
	# 1400 bytes fit wg0's MTU (1420); at 64 it is the RS-S datagram.
	wg) FA=(--path-id $((ID_F + i)) --payload-size $((FLOOD_SIZE > 68 * 2 ? FLOOD_SIZE - 68 : FLOOD_SIZE))) ;;
	*) die "flood kind $FLOOD_KIND" ;;
	esac
}
flood_start() { # REMOTE
	local i FA
	FLOOD_PIDS=()
	for ((i = 0; i < FLOOD_N; i++)); do
		CTR_BASE=$((CTR_BASE + 100000000))
		flood_args $i
		bg "$SRC" ntm-peer send -q --path-key "$PATH_KEY" --leg a \
			--remote "$1" --counter-start $CTR_BASE --count 100000000 \
			"${FA[@]}" >/dev/null 2>&1
		FLOOD_PIDS+=("$!")
	done
}
flood_stop() { stop "${FLOOD_PIDS[@]}"; FLOOD_PIDS=(); }

# For each packet size (SIZES) and 1 and FLOWS flows, with FLOOD_SIZE,
# FLOOD_N and SCEN ("64B-1f", ...) set: CMD...; then one 64-byte RS-S flow
# again.
each_size_flows() { # CMD...
	for FLOOD_SIZE in "${SIZES[@]}"; do
		for FLOOD_N in 1 "$FLOWS"; do
			SCEN=${FLOOD_SIZE}B-${FLOOD_N}f
			"$@"
		done
	done
	FLOOD_N=1 FLOOD_KIND=rss FLOOD_SIZE=64
}

# Forwarded packets/s of a flood: the counter COUNTFN prints, over
# FLOOD_SECS of wall time after 2 s of warm-up.
# The guest's CPU time (/proc/stat, all CPUs): "user system softirq idle"
# in USER_HZ ticks (nice in user, irq and steal in system, iowait in idle).
cpu_snap() { awk '/^cpu / { print $2 + $3, $4 + $7 + $9, $8, $5 + $6 }' /proc/stat; }
cpu_put() { # WHAT DP SCEN "SNAP0" "SNAP1": the shares of the guest's CPU time
	local u0 s0 q0 i0 u1 s1 q1 i1 u s q b
	read -r u0 s0 q0 i0 <<<"$4"
	read -r u1 s1 q1 i1 <<<"$5"
	read -r u s q b <<<"$(awk -v u="$((u1 - u0))" -v s="$((s1 - s0))" -v q="$((q1 - q0))" -v i="$((i1 - i0))" \
		'BEGIN { t = u + s + q + i; if (!t) t = 1
		printf "%.0f %.0f %.0f %.0f\n", 100 * u / t, 100 * s / t, 100 * q / t, 100 * (t - i) / t }')"
	put "$1" "$2" "$3" cpu_user_pct "$u"
	put "$1" "$2" "$3" cpu_sys_pct "$s"
	put "$1" "$2" "$3" cpu_softirq_pct "$q"
	put "$1" "$2" "$3" cpu_busy_pct "$b"
}

# A profile of the whole guest while something runs (perf record -a -g), its
# top entries to $OUT/perf-NAME.txt. Best effort: BENCH_PERF=0, or no perf
# for this kernel, leaves a note instead.
perf_ok() { ((PERF)) && perf record -q -o /dev/null -a -- true >/dev/null 2>&1; }
PERF_PID="" PERF_NAME=""
# perf's own start (kallsyms, every process's maps) takes seconds under TCG:
# it records for SECS once sampling has begun, and perf_stop waits for it.
perf_start() { # NAME SECS
	PERF_NAME=$1
	perf_ok || { echo "perf not usable in this guest (BENCH_PERF=$PERF)" >"$OUT/perf-$1.txt"; return 0; }
	perf record -q -a -g -F 499 -o "$WORK/perf-$1.data" -- sleep "$2" >"$WORK/perf-$1.log" 2>&1 &
	PERF_PID=$!
}
perf_stop() {
	[[ -n $PERF_PID ]] || return 0
	wait "$PERF_PID" 2>/dev/null || true
	PERF_PID=
	{
		echo "# perf record -a -g -F 499 in the guest while: $PERF_NAME"
		echo "# self time by symbol (--no-children), then by DSO"
		perf report -i "$WORK/perf-$PERF_NAME.data" --stdio --no-children -g none \
			--percent-limit 0.4 --sort sym 2>/dev/null | grep -v '^$' | head -n 60
		echo "# by DSO"
		perf report -i "$WORK/perf-$PERF_NAME.data" --stdio --no-children -g none \
			--percent-limit 0.5 --sort dso 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 15
	} >"$OUT/perf-$PERF_NAME.txt" || true
	rm -f "$WORK/perf-$PERF_NAME.data"
}

# FLOOD_FN starts the flood (flood_start REMOTE by default), FLOOD_WARMUP
# seconds before the first snapshot (2).
FLOOD_FN=flood_start FLOOD_WARMUP=2
rate_run() { # DP SCEN REMOTE FN [PROFILE] (FN prints "received forwarded", one snapshot)
	local t0 t1 rx0 rx1 tx0 tx1 dt c0 c1
	"$FLOOD_FN" "$3"
	sleep "$FLOOD_WARMUP"
	[[ -z ${5:-} ]] || perf_start "$5" "$FLOOD_SECS"
	read -r rx0 tx0 <<<"$($4)"; t0=$(now); c0=$(cpu_snap)
	sleep "$FLOOD_SECS"
	read -r rx1 tx1 <<<"$($4)"; t1=$(now); c1=$(cpu_snap)
	[[ -z ${5:-} ]] || perf_stop
	flood_stop
	dt=$(elapsed "$t0" "$t1")
	put rate "$1" "$2" offered_pps "$(awk -v a="$rx0" -v b="$rx1" -v t="$dt" 'BEGIN { printf "%.0f", (b - a) / t }')"
	put rate "$1" "$2" forwarded_pps "$(awk -v a="$tx0" -v b="$tx1" -v t="$dt" 'BEGIN { printf "%.0f", (b - a) / t }')"
	cpu_put rate "$1" "$2" "$c0" "$c1"
}
# "A B": leg A's received and leg B's sent packets, summed over the FLOOD_N
# paths FIRST.. (one snapshot of the relay's counters).
legs_rxtx() { # FIRST
	local last=$(($1 + FLOOD_N - 1)) id sum
	sum='map(.leg_a.stats.rx_packets) + [0] | add) \(map(.leg_b.stats.tx_packets) + [0] | add'
	if [[ $DP == kernel ]]; then
		for ((id = $1; id <= last; id++)); do
			ip netns exec "$RS" ntmctl -j path show $id
		done | jq -rs "[.[][0]] | \"\($sum)\""
	else
		ru_snapshot
		jq -r "[.paths[] | select(.id >= $1 and .id <= $last)] | \"\($sum)\"" "$WORK/ru.json"
	fi
}
f_rxtx() { legs_rxtx "$ID_F"; }
# RS-N, RS-T: accepted from leg A; forwarded = what reached GH (its raw hook).
gh_count() {
	ip netns exec "$GH" nft -j list counter ip sink c9 |
		jq '.nftables[] | select(.counter) | .counter.packets'
}
fn_rxtx() { echo "$(legs_rxtx "$ID_FN" | cut -d' ' -f1) $(gh_count)"; }
ft_rxtx() { echo "$(legs_rxtx "$ID_FT" | cut -d' ' -f1) $(gh_count)"; }

# --- relay up/down -----------------------------------------------------------

RS_PATHS=(
	"path add $ID_S type s path-key $PATH_KEY a-vip $VIP_S_A b-vip $VIP_S_B refresh 0"
	"path add $ID_N type n path-key $PATH_KEY a-vip $VIP_N b-vip $VIP_GH refresh 0"
)
# The floods' paths: RS-S to SINK, RS-N and RS-T to GH, one per flow.
RS_FLOOD_PATHS=()
for ((i = 0; i < FLOWS; i++)); do
	RS_FLOOD_PATHS+=(
		"path add $((ID_F + i)) type s path-key $PATH_KEY b-endpoint $SINK_IP:9999 refresh 0"
		"path add $((ID_FN + i)) type n path-key $PATH_KEY a-vip 100.64.0.$((40 + i)) b-vip $VIP_GH refresh 0"
		"path add $((ID_FT + i)) type t path-key $PATH_KEY a-vip 203.0.113.$((5 + i)) b-vip $GH_IP refresh 0"
	)
done

rsn_net() {
	n "$RS" ip link set ntm0 up
	n "$RS" ip route replace 100.64.0.0/16 dev ntm0
}

kernel_up() {
	DP=kernel
	n "$RS" ntmctl tunnel set port "$RS_PORT" max-paths 1100000
	printf '%s\n' "${RS_PATHS[@]}" "${RS_FLOOD_PATHS[@]}" | n "$RS" ntmctl -b -
	rsn_net
	n "$RS" ip route replace $T_POOL dev ntm0
}

user_up() {
	DP=user
	ip netns exec "$RS" ntmctl tunnel del 2>/dev/null || true
	printf '%s\n' "${RS_PATHS[@]}" "${RS_FLOOD_PATHS[@]}" >"$WORK/ru.paths"
	bg "$RS" ntm-relay-user --port "$RS_PORT" --dev ntm0 --path-file "$WORK/ru.paths" \
		--stats-file "$WORK/ru.json" >"$WORK/ru.monitor" 2>"$WORK/ru.log"
	RU_PID=$!
	wait_for 10 bash -c "ip netns exec $RS ss -lun | grep -q :$RS_PORT" || die "relay-user: $(cat "$WORK/ru.log")"
	rsn_net
	n "$RS" ip route replace $T_POOL dev ntm0
	# The user datapath finds a reply's path by the nft map (nf_ntm by
	# its own table).
	n "$RS" nft add element inet ntmobile path_vips "{ $VIP_N . $VIP_GH : $ID_N }"
	for ((i = 0; i < FLOWS; i++)); do
		n "$RS" nft add element inet ntmobile path_vips \
			"{ 100.64.0.$((40 + i)) . $VIP_GH : $((ID_FN + i)), 203.0.113.$((5 + i)) . $GH_IP : $((ID_FT + i)) }"
	done
}

# --- one datapath ------------------------------------------------------------

datapath_run() {
	local dp=$1 pa pb pn scen

	log "$dp: RS-S"
	peer "$MN" a $ID_S $VIP_S_A $VIP_S_B "$RS_IP:$RS_PORT"; pa=$PEER_PID
	peer "$CN" b $ID_S $VIP_S_B $VIP_S_A "$RS_IP:$RS_PORT"; pb=$PEER_PID
	wait_for 10 learned $ID_S a && wait_for 10 learned $ID_S b || die "$dp: RS-S legs not learned"
	ip netns exec "$MN" ping -c 3 -i 0.2 -W 2 $VIP_S_B >/dev/null || die "$dp: RS-S ping"
	for scen in pace load; do
		[[ $scen == load ]] && flood_start "$RS_IP:$RS_PORT"
		cap_start "udp port $RS_PORT and (host $NAT_MN_IP or host $NAT_CN_IP)"
		ping_run "$MN" $VIP_S_B "$dp-rss-$scen"
		cap_stop
		[[ $scen == load ]] && flood_stop
		fwd_time rss "$dp" "rss-$scen"
	done
	stop "$pa" "$pb"

	log "$dp: RS-N"
	peer "$MN" a $ID_N $VIP_N $VIP_GH "$RS_IP:$RS_PORT"; pn=$PEER_PID
	wait_for 10 learned $ID_N a || die "$dp: RS-N leg not learned"
	ip netns exec "$MN" ping -c 3 -i 0.2 -W 2 $VIP_GH >/dev/null || die "$dp: RS-N ping"
	for scen in pace load; do
		[[ $scen == load ]] && flood_start "$RS_IP:$RS_PORT"
		cap_start "(udp port $RS_PORT and host $NAT_MN_IP) or icmp"
		ping_run "$MN" $VIP_GH "$dp-rsn-$scen"
		cap_stop
		[[ $scen == load ]] && flood_stop
		fwd_time rsn "$dp" "rsn-$scen"
	done
	stop "$pn"

	log "$dp: flood rates: RS-S to SINK, RS-N and RS-T to GH port 9"
	each_size_flows datapath_rates
}
datapath_rates() {
	FLOOD_KIND=rss
	rate_run "$DP" "rss-$SCEN" "$RS_IP:$RS_PORT" f_rxtx \
		"$([[ $DP == kernel && $SCEN == 64B-1f ]] && echo kernel-rss-flood || true)"
	FLOOD_KIND=rsn
	rate_run "$DP" "rsn-$SCEN" "$RS_IP:$RS_PORT" fn_rxtx
	FLOOD_KIND=rst
	rate_run "$DP" "rst-$SCEN" "$RS_IP:$RS_PORT" ft_rxtx
}

# --- direct (Table 3 baseline) -------------------------------------------------

if phase direct; then
	log "direct"
	ping_run "$SRC" "$SINK_IP" plain-public
	peer "$SRC" a 4242 $SRC_VIP $SINK_VIP "$SINK_IP:7710" --local "$SRC_IP:7710"; p1=$PEER_PID
	peer "$SINK" b 4242 $SINK_VIP $SRC_VIP "$SRC_IP:7710" --local "$SINK_IP:7710"; p2=$PEER_PID
	ip netns exec "$SRC" ping -c 3 -i 0.2 -W 2 $SINK_VIP >/dev/null || die "direct tunnel ping"
	ping_run "$SRC" $SINK_VIP direct-tunnel
	stop "$p1" "$p2"
fi

# --- kernel, plain forwarding, user -------------------------------------------

n "$RS" nft -f nft/ntmobile.nft
n "$RS" nft add element inet ntmobile rsn_hosts "{ $VIP_GH : $GH_IP }"
n "$RS" nft add element inet ntmobile rsn_vips "{ 100.64.0.0/16 }"
n "$RS" nft add element inet ntmobile rst_addrs "{ $T_POOL }"

if phase kernel; then
	kernel_up
	datapath_run kernel
fi

if phase plain; then
	log "plain forwarding (nft dnat + masquerade) of the same flood"
	n "$RS" nft -f - <<EOF
table ip benchfwd {
	counter cin {}
	counter cout {}
	chain count_in {
		type filter hook prerouting priority raw; policy accept;
		udp dport 7799 counter name cin
	}
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		udp dport 7799 dnat to $SINK_IP:9999
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip daddr $SINK_IP udp dport 9999 masquerade
	}
	chain forward_c {
		type filter hook forward priority filter; policy accept;
		ip daddr $SINK_IP udp dport 9999 counter name cout
	}
}
EOF
	c_rxtx() {
		ip netns exec "$RS" nft -j list table ip benchfwd |
			jq -r '[.nftables[] | select(.counter) | .counter] | "\(.[] | select(.name == "cin") | .packets) \(.[] | select(.name == "cout") | .packets)"'
	}
	plain_rate() { rate_run plain "fwd-$SCEN" "$RS_IP:7799" c_rxtx; }
	FLOOD_KIND=plain
	each_size_flows plain_rate
	n "$RS" nft delete table ip benchfwd
fi

if phase user; then
	user_up
	datapath_run user
	stop "$RU_PID"
	RU_PID=
fi

# --- WireGuard as a relay hop ------------------------------------------------------
#
# SRC -- wg --> RS -- wg --> SINK: the RS's wg0 has both as peers and routes
# between them (decrypt, route, encrypt). The same sender as for nf_ntm,
# ntm-peer send, puts the same 104-byte UDP payloads into SRC's wg0, to
# 10.99.2.2:9 (SINK's side). SINK completes WireGuard's handshakes, then
# drops and counts the data messages (type 4) in its raw hook before
# decrypting them, as it drops the RS-S flood without reading it.

wg_up() { # NS ADDR/LEN LISTEN_PORT -> public key on stdout
	local ns=$1 key=$WORK/wg-$1.key
	(umask 077 && wg genkey >"$key")
	n "$ns" ip link add wg0 type wireguard >/dev/null
	n "$ns" wg set wg0 private-key "$key" listen-port "$3" >/dev/null
	n "$ns" ip addr add "$2" dev wg0 >/dev/null
	n "$ns" ip link set wg0 up >/dev/null
	wg pubkey <"$key"
}
wg_count() { # NS -> "rx tx" packets of its wg0
	ip -n "$1" -s -j link show wg0 | jq -r '.[0].stats64 | "\(.rx.packets) \(.tx.packets)"'
}
sink_wg_data() {
	ip netns exec "$SINK" nft -j list counter ip sink cwg |
		jq '.nftables[] | select(.counter) | .counter.packets'
}
w_rxtx() { echo "$(wg_count "$RS" | cut -d' ' -f1) $(sink_wg_data)"; }

if phase wg; then
	log "WireGuard as a relay hop"
	if ! modprobe wireguard 2>/dev/null || ! command -v wg >/dev/null; then
		put wg guest all skipped "no wireguard module or wg tool"
	else
		k_src=$(wg_up "$SRC" 10.99.1.1/24 51820)
		k_rs=$(wg_up "$RS" 10.99.0.1/24 51820)
		k_sink=$(wg_up "$SINK" 10.99.2.2/24 51820)
		n "$SRC" wg set wg0 peer "$k_rs" endpoint "$RS_IP:51820" allowed-ips 10.99.0.0/16
		n "$SRC" ip route add 10.99.0.0/16 dev wg0
		n "$RS" wg set wg0 peer "$k_src" endpoint "$SRC_IP:51820" allowed-ips 10.99.1.0/24 \
			peer "$k_sink" endpoint "$SINK_IP:51820" allowed-ips 10.99.2.0/24
		n "$RS" ip route add 10.99.0.0/16 dev wg0
		n "$RS" sysctl -qw net.ipv4.ip_forward=1
		n "$SINK" wg set wg0 peer "$k_rs" endpoint "$RS_IP:51820" allowed-ips 10.99.0.0/16
		n "$SINK" ip route add 10.99.0.0/16 dev wg0
		# Handshakes first (SRC-RS, RS-SINK), with the data still let through.
		ip netns exec "$SRC" ping -c 4 -i 0.5 -W 3 10.99.2.2 >/dev/null ||
			die "WireGuard relay: SRC cannot reach SINK's wg0"
		n "$SINK" nft -f - <<EOF
table ip sink {
	counter cwg {}
	chain prewg {
		type filter hook prerouting priority raw; policy accept;
		udp dport 51820 @th,64,8 4 counter name cwg drop
	}
}
EOF
		wg_rate() {
			rate_run wg "relay-$SCEN" "10.99.2.2:9" w_rxtx \
				"$([[ $SCEN == 64B-1f ]] && echo kernel-wg-flood || true)"
		}
		FLOOD_KIND=wg
		each_size_flows wg_rate
		for ns in "$SRC" "$RS" "$SINK"; do n "$ns" ip link del wg0; done
		n "$SINK" nft delete chain ip sink prewg
	fi
fi

# --- coturn: a TURN relay in user space ------------------------------------------
#
# turnserver on the RS (no auth, UDP relay on the RS's address); on SRC,
# turnutils_uclient's clients allocate relays and send 64-byte messages,
# unpaced, to turnutils_peer on SINK, which echoes them back through the RS.
# Counted at the RS: UDP from the clients into port 3478, and UDP from the
# relay ports to the peer.

t_rxtx() {
	ip netns exec "$RS" nft -j list table ip benchturn |
		jq -r '[.nftables[] | select(.counter) | .counter] | "\(.[] | select(.name == "tin") | .packets) \(.[] | select(.name == "tout") | .packets)"'
}
if phase turn; then
	log "coturn relaying UDP between TURN clients and a peer"
	if ! command -v turnserver >/dev/null || ! command -v turnutils_uclient >/dev/null; then
		put turn guest all skipped "no coturn"
	else
		n "$RS" nft -f - <<EOF
table ip benchturn {
	counter tin {}
	counter tout {}
	chain in {
		type filter hook input priority raw; policy accept;
		ip saddr $SRC_IP udp dport 3478 counter name tin
	}
	chain out {
		type filter hook output priority raw; policy accept;
		ip daddr $SINK_IP udp dport 3480 counter name tout
	}
}
EOF
		bg "$RS" turnserver -n --no-cli --no-tls --no-dtls --no-auth --listening-ip "$RS_IP" \
			--relay-ip "$RS_IP" --min-port 49152 --max-port 49999 --allow-loopback-peers \
			--no-multicast-peers --log-file stdout --simple-log >"$WORK/turnserver.log" 2>&1
		turn_pid=$!
		bg "$SINK" turnutils_peer -L "$SINK_IP" -p 3480 >"$WORK/turnpeer.log" 2>&1
		tpeer_pid=$!
		wait_for 20 listening "$RS" udp 3478 || die "turnserver: $(tail -5 "$WORK/turnserver.log")"
		# FLOOD_N clients of FLOOD_SIZE-byte messages. -z 0: no pacing;
		# -c: no RTCP sessions; -n: enough for the whole run.
		turn_flood() {
			bg "$SRC" turnutils_uclient -c -z 0 -l "$FLOOD_SIZE" -m "$FLOOD_N" -n 10000000 \
				-e "$SINK_IP" -r 3480 "$RS_IP" >"$WORK/uclient.log" 2>&1
			FLOOD_PIDS=("$!")
		}
		turn_rate() { rate_run turn "relay-$SCEN" - t_rxtx; }
		FLOOD_FN=turn_flood FLOOD_WARMUP=4
		each_size_flows turn_rate
		FLOOD_FN=flood_start FLOOD_WARMUP=2
		stop "$turn_pid" "$tpeer_pid"
		n "$RS" nft delete table ip benchturn
	fi
fi

# --- control plane: Relay Direction -> Direction Response at the RS ---------------

if phase ctl; then
	log "control plane: Relay Direction -> Direction Response"
	topo_add_public_host DC 198.51.100.20
	rsd_conf kernel
	sed -i 's/^log-level .*/log-level info/' "$RSD_CONF"
	rsd_start
	cap_start "udp port $RSD_CTL_PORT and host $DC_IP"
	t0=$(now)
	for ((i = 0; i < CTL_SAMPLES; i++)); do
		dc -q relay $((50000 + i)) type s path-key "$PATH_KEY" \
			a-vip 100.64.$((i / 250 + 10)).$((i % 250 + 1)) b-vip 100.64.9.1 refresh 0 >/dev/null ||
			die "Relay Direction $i not answered"
	done
	put ctl kernel direction wall_secs "$(elapsed "$t0" "$(now)")"
	cap_stop
	r=$(python3 bench/match.py ctl "$CAP_FILE" "$RS_IP" "$RSD_CTL_PORT" "$OUT/ctl-direction.csv")
	echo "   match: $r"
	put ctl kernel direction unmatched "${r##*unmatched_in=}"
	awk -F, '{ printf "%.6f\n", $2 / 1e6 }' "$OUT/ctl-direction.csv" >"$WORK/ctl.ms"
	stats_ms "$WORK/ctl.ms" ctl kernel direction
	put ctl kernel direction paths "$(ip netns exec "$RS" ntmctl -j tunnel show | jq '.[0].paths')"
	rsd_stop
	n "$RS" ntmctl tunnel del 2>/dev/null || true
fi

# --- scale (nf_ntm) -------------------------------------------------------------

# The path files in the guest's own RAM (the log directory may be the host's
# /tmp over 9p, slow to read once the caches are dropped).
SCALE_DIR=/dev/shm
[[ -d $SCALE_DIR && -w $SCALE_DIR ]] || SCALE_DIR=$WORK

# Kernel memory the relay table holds: unreclaimable slab (the path caches,
# kmalloc, and kmalloc_large pages such as a big rhashtable bucket array)
# plus vmalloc (a bucket array kvmalloc could not get contiguously), in kB.
kmem_kb() { awk '/^SUnreclaim:/ { s = $2 } /^VmallocUsed:/ { v = $2 } END { print s + v }' /proc/meminfo; }
# Bytes of slab pages the ntm_path_s cache holds, and its objects.
path_slab() { awk '$1 == "ntm_path_s" { print $15 * $6 * 4096, $2 }' /proc/slabinfo; }
scale_to() { # TOTAL paths installed after this step (ID_F plus N-1 others)
	local total=$1 have=$2 f t0 t1 s0 s1 dt n lines pb pn
	n=$((total - have))
	f=$SCALE_DIR/paths-$total
	awk -v a="$have" -v b="$total" -v k="$RELAY_KEY" 'BEGIN {
		for (i = a; i < b; i++) printf "path add %d type s relay-key %s refresh 0\n", 1000000 + i, k }' >"$f"
	sync; echo 3 >/proc/sys/vm/drop_caches; sleep 1
	s0=$(kmem_kb)
	cp /proc/slabinfo "$WORK/slab0"
	# ntmctl and its libraries back in the page cache: not part of the time
	ip netns exec "$RS" ntmctl tunnel show >/dev/null
	t0=$(now)
	ip netns exec "$RS" ntmctl -b "$f"
	t1=$(now)
	rm -f "$f"
	sync; echo 3 >/proc/sys/vm/drop_caches; sleep 2; s1=$(kmem_kb)
	# The slab caches that grew, in kB (kmalloc_large and vmalloc are not
	# in slabinfo: an rhashtable bucket array of more than 8 KiB is there).
	awk 'NR == FNR { if ($1 !~ /^(#|slabinfo)/) b[$1] = $15 * $6 * 4; next }
		$1 !~ /^(#|slabinfo)/ { d = $15 * $6 * 4 - b[$1]; if (d > 0) printf "%s %d\n", $1, d }' \
		"$WORK/slab0" /proc/slabinfo | sort -k2,2nr | head -n 8 >"$OUT/slabdelta-$total.txt"
	echo "SUnreclaim+VmallocUsed $((s1 - s0))" >>"$OUT/slabdelta-$total.txt"
	dt=$(elapsed "$t0" "$t1")
	put scale kernel "$total" installed "$n"
	put scale kernel "$total" install_secs "$dt"
	put scale kernel "$total" installs_per_sec "$(awk -v n="$n" -v t="$dt" 'BEGIN { printf "%.0f", n / t }')"
	put scale kernel "$total" kmem_delta_kb "$((s1 - s0))"
	put scale kernel "$total" bytes_per_path "$(awk -v d="$((s1 - s0))" -v n="$n" 'BEGIN { printf "%.0f", d * 1024 / n }')"
	read -r pb pn <<<"$(path_slab)"
	put scale kernel "$total" path_slab_bytes "$pb"
	put scale kernel "$total" path_objects "$pn"
	put scale kernel "$total" slab_bytes_per_path "$(awk -v b="$pb" -v n="$pn" 'BEGIN { printf "%.1f", b / n }')"
	t0=$(now)
	lines=$(ip netns exec "$RS" ntmctl path list | wc -l)
	t1=$(now)
	put scale kernel "$total" dump_secs "$(elapsed "$t0" "$t1")"
	put scale kernel "$total" dump_lines "$lines"
	grep -E '^(# name|kmalloc-(64|96|128|192|256|512|1k|2k|4k|8k)|ntm[^ ]*) ' /proc/slabinfo >"$OUT/slabinfo-$total.txt" || true
	grep -E '^(Slab|SUnreclaim|SReclaimable|VmallocUsed|MemFree):' /proc/meminfo >>"$OUT/slabinfo-$total.txt"
}

# Where path installs spend their time: 50,000 more paths added (and then
# deleted) under perf, next to the 100,000 installed, apart from the timed run.
perf_cmd() { # NAME CMD...: perf record -a -g while CMD runs
	local name=$1
	shift
	PERF_NAME=$name
	if ! perf_ok; then
		echo "perf not usable in this guest (BENCH_PERF=$PERF)" >"$OUT/perf-$name.txt"
		"$@"
		return
	fi
	perf record -q -a -g -F 499 -o "$WORK/perf-$name.data" -- "$@" >"$WORK/perf-$name.log" 2>&1 &
	PERF_PID=$!
	perf_stop
}
# The same 10,000 path adds one request per sendmsg() (NTMCTL_BATCH_MAX=1,
# the first cut's way) and 256 per sendmsg(), each deleted again after.
install_compare() {
	local f=$SCALE_DIR/paths-cmp m t0 t1
	awk -v k="$RELAY_KEY" 'BEGIN { for (i = 0; i < 10000; i++)
		printf "path add %d type s relay-key %s refresh 0\n", 4000000 + i, k }' >"$f"
	sed 's/^path add \([0-9]*\).*/path del \1/' "$f" >"$f.del"
	for m in 1 256; do
		ip netns exec "$RS" ntmctl tunnel show >/dev/null
		t0=$(now)
		NTMCTL_BATCH_MAX=$m ip netns exec "$RS" ntmctl -b "$f"
		t1=$(now)
		put scale kernel "batch$m" installs_per_sec "$(awk -v t="$(elapsed "$t0" "$t1")" 'BEGIN { printf "%.0f", 10000 / t }')"
		ip netns exec "$RS" ntmctl -b "$f.del"
	done
	rm -f "$f" "$f.del"
}
install_profile() {
	local f=$SCALE_DIR/paths-profile
	awk -v k="$RELAY_KEY" 'BEGIN { for (i = 0; i < 50000; i++)
		printf "path add %d type s relay-key %s refresh 0\n", 3000000 + i, k }' >"$f"
	perf_cmd kernel-path-install ip netns exec "$RS" ntmctl -b "$f"
	sed 's/^path add \([0-9]*\).*/path del \1/' "$f" | n "$RS" ntmctl -b -
	rm -f "$f"
}

if phase scale; then
	log "scale"
	DP=kernel
	ip netns exec "$RS" ntmctl tunnel del 2>/dev/null || true
	n "$RS" ntmctl tunnel set port "$RS_PORT" max-paths 1100000
	echo "path add $ID_F type s path-key $PATH_KEY b-endpoint $SINK_IP:9999 refresh 0" |
		n "$RS" ntmctl -b -
	FLOOD_N=1 FLOOD_KIND=rss FLOOD_SIZE=64
	rate_run kernel scale-1path "$RS_IP:$RS_PORT" f_rxtx kernel-rss-flood-1path
	have=1
	for total in 1000 100000 1000000; do
		((total <= SCALE_MAX)) || break
		# 1M only if the guest has the memory for it
		if ((total == 1000000)); then
			mem=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
			if ((mem < 1500000)); then
				put scale kernel 1000000 skipped "mem_kb=$mem"
				break
			fi
		fi
		log "scale: $total paths"
		scale_to "$total" "$have"
		have=$total
		rate_run kernel "scale-${total}paths" "$RS_IP:$RS_PORT" f_rxtx \
			"$( ((total == 1000000)) && echo kernel-rss-flood-1M || true)"
		((total != 1000)) || install_compare
		((total != 100000)) || install_profile
	done
	t0=$(now)
	n "$RS" ntmctl path flush
	put scale kernel "$have" flush_secs "$(elapsed "$t0" "$(now)")"
	n "$RS" ntmctl tunnel del
fi

# --- the node changes network (the whole system) ------------------------------------
#
# ntm-dc, ntm-rsd (nf_ntm) and ntm-node on MN, as in test/vm/tests/system.sh:
# MN pings GH's host VIP (an RS-N path) every 10 ms while it moves from
# NAT_MN to NAT_MN2 and back (topo_mn_move), MOVES times. For each move: the
# time from the new address and default route being in place to the first
# echo reply after it (traffic flows again), the longest silence between two
# replies around it, the echoes lost, and what ntm-node logged
# ("re-established in N ms": from the address it saw on rtnetlink to every
# path's Tunnel Response).

if phase move; then
	log "node move: from the new address until traffic flows again"
	topo_down
	sys_up kernel
	node_conf "$MN" "$MN_ID" mn.ntm.test
	node_start "$MN"
	gh_vip=$(resolve "$MN" gh.ntm.test)
	[[ $gh_vip == 100.65.* ]] || die "move: gh.ntm.test resolved to '$gh_vip', not a host VIP"
	ip netns exec "$MN" ping -c 3 -i 0.2 -W 2 "$gh_vip" >/dev/null || die "move: no RS-N path to GH"
	ip netns exec "$MN" ping -D -n -i 0.01 "$gh_vip" >"$WORK/ping-move.txt" 2>&1 &
	ping_pid=$!
	sleep 2
	: >"$WORK/move-times"
	for ((i = 0; i < MOVES; i++)); do
		t0=$(now)
		if ((i % 2 == 0)); then
			# shellcheck disable=SC2119 # no argument: toward NAT_MN2
			topo_mn_move
			want=$NAT_MN2_IP
		else
			topo_mn_move back
			want=$NAT_MN_IP
		fi
		echo "$t0 $(now)" >>"$WORK/move-times"
		wait_for 30 node_state_is "$MN" .observed "$want:$NODE_PORT" ||
			die "move $i: ntm-node did not register from $want"
		sleep 3
	done
	kill -INT "$ping_pid"
	wait "$ping_pid" 2>/dev/null || true
	grep -oE 're-established in [0-9]+ ms' "$(node_log "$MN")" | grep -oE '[0-9]+' >"$WORK/move-reest" || true
	# Per move (from before the old address went to after the new one and its
	# route were in place), over the replies from 0.5 s before it to 3 s
	# after it: the first reply after the move, the longest silence between
	# two replies, and the echo requests in that window that got no reply.
	awk '/bytes from/ { gsub(/[][]/, "", $1); sub(/icmp_seq=/, "", $6); print $1, $6 }' \
		"$WORK/ping-move.txt" >"$OUT/move-replies.txt"
	echo "move,first_reply_ms,longest_silence_ms,lost,reestablished_ms" >"$OUT/move.csv"
	awk 'FILENAME == ARGV[1] { s[++nm] = $1; t[nm] = $2; next }
		FILENAME == ARGV[2] { re[++nr] = $1; next }
		{ r[++n] = $1; q[n] = $2 }
		END {
			for (m = 1; m <= nm; m++) {
				first = ""; gap = 0; prev = ""; q0 = ""; cnt = 0
				for (i = 1; i <= n; i++) {
					if (r[i] < s[m] - 0.5 || r[i] > t[m] + 3) continue
					if (first == "" && r[i] > t[m]) first = r[i]
					if (prev != "" && r[i] - prev > gap) gap = r[i] - prev
					if (q0 == "") q0 = q[i]
					q1 = q[i]; prev = r[i]; cnt++
				}
				printf "%d,%s,%.1f,%d,%s\n", m, first == "" ? "" : sprintf("%.1f", 1000 * (first - t[m])),
					1000 * gap, cnt ? q1 - q0 + 1 - cnt : 0, re[m]
			}
		}' "$WORK/move-times" "$WORK/move-reest" "$OUT/move-replies.txt" >>"$OUT/move.csv"
	cat "$OUT/move.csv"
	put move kernel rsn moves "$MOVES"
	put move kernel rsn recovered "$(awk -F, 'NR > 1 && $2 != ""' "$OUT/move.csv" | wc -l)"
	put move kernel rsn pings_lost "$(grep -oE '[0-9]+ packets transmitted, [0-9]+ received' "$WORK/ping-move.txt" |
		awk '{ print $1 - $4 " of " $1 }')"
	for col in 2:first_reply 3:silence 4:lost 5:reestablished; do
		awk -F, -v c="${col%%:*}" 'NR > 1 && $c != "" { print $c }' "$OUT/move.csv" >"$WORK/move.col"
		line=$(sort -g "$WORK/move.col" | awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "n/a n/a n/a"; exit }
			printf "%s %s %s\n", v[int((NR + 1) / 2)], v[1], v[NR] }')
		read -r med lo hi <<<"$line"
		unit=_ms
		[[ $col == *lost ]] && unit=
		put move kernel rsn "${col#*:}_median$unit" "$med"
		put move kernel rsn "${col#*:}_min$unit" "$lo"
		put move kernel rsn "${col#*:}_max$unit" "$hi"
	done
	put move kernel rsn move_cmd_median_ms "$(awk '{ print 1000 * ($2 - $1) }' "$WORK/move-times" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] }')"
fi

log "done"
uname -r >"$OUT/kernel.txt"
nproc >>"$OUT/kernel.txt"
awk '/^MemTotal:/ { print $2 }' /proc/meminfo >>"$OUT/kernel.txt"
echo "BENCH-DONE"
