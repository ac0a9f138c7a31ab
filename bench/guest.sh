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
#   scale      nf_ntm: 1,000 / 100,000 (/ 1,000,000) paths with ntmctl -b

set -euo pipefail
cd "${NTM_REPO:-$(dirname "$0")/..}"
# shellcheck source=test/lib/relay.sh
source test/lib/relay.sh
export NTM_TEST_QUIET=1
checktool ntmctl ntm-peer ntm-relay-user jq nft ping tcpdump python3

OUT=${BENCH_OUT:-/run/ntm-vm/result/bench}
mkdir -p "$OUT"
PINGS=${BENCH_PINGS:-600}
PING_IV=${BENCH_PING_IV:-0.01}
FLOOD_SECS=${BENCH_FLOOD_SECS:-5}
SCALE_MAX=${BENCH_SCALE_MAX:-100000}
WORK=$NTM_LOGDIR
RELAY_KEY=00112233445566778899aabbccddeeff
summary_csv=$OUT/summary.csv
echo "what,datapath,scenario,metric,value" >"$summary_csv"
put() { echo "$1,$2,$3,$4,$5" >>"$summary_csv"; echo "RESULT $1 $2 $3 $4=$5"; }
put meta guest all pings "$PINGS"
put meta guest all ping_interval "$PING_IV"
put meta guest all flood_secs "$FLOOD_SECS"
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

SRC_VIP=100.66.0.1 SINK_VIP=100.66.0.2
ID_S=100 ID_N=300 ID_F=101
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
pfield() { # ID JQ
	if [[ $DP == kernel ]]; then
		ip netns exec "$RS" ntmctl -j path show "$1" | jq -r ".[0]$2"
	else
		rm -f "$WORK/ru.json"
		kill -USR1 "$RU_PID"
		for _ in $(seq 200); do [[ -s $WORK/ru.json ]] && break; sleep 0.02; done
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

# A flood of 64-byte Data on path ID_F from SRC, counters never reused.
FLOOD_PIDS=()
flood_start() { # REMOTE [N senders]
	local i
	FLOOD_PIDS=()
	for ((i = 0; i < ${2:-1}; i++)); do
		CTR_BASE=$((CTR_BASE + 100000000))
		bg "$SRC" ntm-peer send -q --path-id $ID_F --path-key "$PATH_KEY" --leg a \
			--remote "$1" --counter-start $CTR_BASE --count 100000000 \
			--payload-size 64 >/dev/null 2>&1
		FLOOD_PIDS+=("$!")
	done
}
flood_stop() { stop "${FLOOD_PIDS[@]}"; FLOOD_PIDS=(); }

# Forwarded packets/s of a flood: the counter COUNTFN prints, over
# FLOOD_SECS of wall time after 2 s of warm-up.
rate_run() { # DP SCEN REMOTE FN (prints "received forwarded", one snapshot)
	local t0 t1 rx0 rx1 tx0 tx1 dt
	flood_start "$3"
	sleep 2
	read -r rx0 tx0 <<<"$($4)"; t0=$(now)
	sleep "$FLOOD_SECS"
	read -r rx1 tx1 <<<"$($4)"; t1=$(now)
	flood_stop
	dt=$(elapsed "$t0" "$t1")
	put rate "$1" "$2" offered_pps "$(awk -v a="$rx0" -v b="$rx1" -v t="$dt" 'BEGIN { printf "%.0f", (b - a) / t }')"
	put rate "$1" "$2" forwarded_pps "$(awk -v a="$tx0" -v b="$tx1" -v t="$dt" 'BEGIN { printf "%.0f", (b - a) / t }')"
}
f_rxtx() { pfield $ID_F ' | "\(.leg_a.stats.rx_packets) \(.leg_b.stats.tx_packets)"'; }

# --- relay up/down -----------------------------------------------------------

RS_PATHS=(
	"path add $ID_S type s path-key $PATH_KEY a-vip $VIP_S_A b-vip $VIP_S_B refresh 0"
	"path add $ID_N type n path-key $PATH_KEY a-vip $VIP_N b-vip $VIP_GH refresh 0"
	"path add $ID_F type s path-key $PATH_KEY b-endpoint $SINK_IP:9999 refresh 0"
)

rsn_net() {
	n "$RS" ip link set ntm0 up
	n "$RS" ip route replace 100.64.0.0/16 dev ntm0
}

kernel_up() {
	DP=kernel
	n "$RS" ntmctl tunnel set port "$RS_PORT" max-paths 1100000
	printf '%s\n' "${RS_PATHS[@]}" | n "$RS" ntmctl -b -
	rsn_net
}

user_up() {
	DP=user
	n "$RS" ntmctl tunnel del
	printf '%s\n' "${RS_PATHS[@]}" >"$WORK/ru.paths"
	bg "$RS" ntm-relay-user --port "$RS_PORT" --dev ntm0 --path-file "$WORK/ru.paths" \
		--stats-file "$WORK/ru.json" >"$WORK/ru.monitor" 2>"$WORK/ru.log"
	RU_PID=$!
	wait_for 10 bash -c "ip netns exec $RS ss -lun | grep -q :$RS_PORT" || die "relay-user: $(cat "$WORK/ru.log")"
	rsn_net
	n "$RS" nft add element inet ntmobile path_vips "{ $VIP_N . $VIP_GH : $ID_N }"
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

	log "$dp: RS-S flood rate"
	rate_run "$dp" rss-1sender "$RS_IP:$RS_PORT" f_rxtx
	rate_run "$dp" rss-2senders "$RS_IP:$RS_PORT" f_rxtx
}

# --- direct (Table 3 baseline) -------------------------------------------------

log "direct"
ping_run "$SRC" "$SINK_IP" plain-public
peer "$SRC" a 4242 $SRC_VIP $SINK_VIP "$SINK_IP:7710" --local "$SRC_IP:7710"; p1=$PEER_PID
peer "$SINK" b 4242 $SINK_VIP $SRC_VIP "$SRC_IP:7710" --local "$SINK_IP:7710"; p2=$PEER_PID
ip netns exec "$SRC" ping -c 3 -i 0.2 -W 2 $SINK_VIP >/dev/null || die "direct tunnel ping"
ping_run "$SRC" $SINK_VIP direct-tunnel
stop "$p1" "$p2"

# --- kernel, plain forwarding, user -------------------------------------------

n "$RS" nft -f nft/ntmobile.nft
n "$RS" nft add element inet ntmobile rsn_hosts "{ $VIP_GH : $GH_IP }"
n "$RS" nft add element inet ntmobile rsn_vips "{ 100.64.0.0/16 }"

kernel_up
datapath_run kernel

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
rate_run plain fwd-1sender "$RS_IP:7799" c_rxtx
rate_run plain fwd-2senders "$RS_IP:7799" c_rxtx
n "$RS" nft delete table ip benchfwd

user_up
datapath_run user
stop "$RU_PID"
RU_PID=

# --- scale (nf_ntm) -------------------------------------------------------------

log "scale"
DP=kernel
n "$RS" ntmctl tunnel set port "$RS_PORT" max-paths 1100000
echo "path add $ID_F type s path-key $PATH_KEY b-endpoint $SINK_IP:9999 refresh 0" |
	n "$RS" ntmctl -b -
rate_run kernel scale-1path "$RS_IP:$RS_PORT" f_rxtx

slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
scale_to() { # TOTAL paths installed after this step (ID_F plus N-1 others)
	local total=$1 have=$2 f t0 t1 s0 s1 dt
	f=$WORK/paths-$total
	awk -v a="$have" -v b="$total" -v k="$RELAY_KEY" 'BEGIN {
		for (i = a; i < b; i++) printf "path add %d type s relay-key %s refresh 0\n", 1000000 + i, k }' >"$f"
	sync; echo 2 >/proc/sys/vm/drop_caches
	s0=$(slab_kb); t0=$(now)
	ip netns exec "$RS" ntmctl -b "$f"
	t1=$(now); sleep 1; s1=$(slab_kb)
	dt=$(elapsed "$t0" "$t1")
	rm -f "$f"
	put scale kernel "$total" installed "$((total - have))"
	put scale kernel "$total" install_secs "$dt"
	put scale kernel "$total" installs_per_sec "$(awk -v n="$((total - have))" -v t="$dt" 'BEGIN { printf "%.0f", n / t }')"
	put scale kernel "$total" slab_delta_kb "$((s1 - s0))"
	put scale kernel "$total" bytes_per_path "$(awk -v d="$((s1 - s0))" -v n="$((total - have))" 'BEGIN { printf "%.0f", d * 1024 / n }')"
	t0=$(now)
	local lines
	lines=$(ip netns exec "$RS" ntmctl path list | wc -l)
	t1=$(now)
	put scale kernel "$total" dump_secs "$(elapsed "$t0" "$t1")"
	put scale kernel "$total" dump_lines "$lines"
	grep -E '^(kmalloc-(64|96|128|192|256|512)|ntm[^ ]*) ' /proc/slabinfo >"$OUT/slabinfo-$total.txt" || true
}
have=1
for total in 1000 100000 1000000; do
	((total <= SCALE_MAX)) || break
	# 1M only if the guest has the memory and 100k went fast enough
	if ((total == 1000000)); then
		mem=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
		ips=$(awk -F, '$3 == 100000 && $4 == "installs_per_sec" { print $5 }' "$summary_csv")
		if ((mem < 900000 || ${ips:-0} < 5000)); then
			put scale kernel 1000000 skipped "mem_kb=$mem;installs_per_sec=$ips"
			break
		fi
	fi
	log "scale: $total paths"
	scale_to "$total" "$have"
	have=$total
	rate_run kernel "scale-${total}paths" "$RS_IP:$RS_PORT" f_rxtx
done
t0=$(now)
n "$RS" ntmctl path flush
put scale kernel "$have" flush_secs "$(elapsed "$t0" "$(now)")"
n "$RS" ntmctl tunnel del

log "done"
uname -r >"$OUT/kernel.txt"
nproc >>"$OUT/kernel.txt"
echo "BENCH-DONE"
