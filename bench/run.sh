#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: boot ONE test VM (test/vm/run.sh, Debian's 6.1 kernel under
# qemu TCG, nf_ntm.ko loaded) running bench/guest.sh, copy its raw CSV files
# to bench/results/, plot them (gnuplot) and write BENCHMARKS.md
# (bench/report.sh). Takes about 25-35 minutes on a 2-core machine.
#
#   bench/run.sh [--timeout SECS] [--env NAME=VALUE]...
#
# --env is passed to the guest: BENCH_PINGS (1000), BENCH_PING_IV (0.01),
# BENCH_FLOOD_SECS (5), BENCH_SCALE_MAX (1000000: the largest path
# count), BENCH_CTL_SAMPLES (300 Relay Directions), BENCH_PHASES (all:
# direct kernel plain user wg turn ctl scale move), BENCH_FLOWS (8: "many
# flows"), BENCH_MOVES (6 network changes of MN), BENCH_PERF (1: perf profiles).
# The guest gets VM_MEM MiB (default 3072: 1,000,000 paths and their dump).

set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

timeout=3600
export VM_MEM=${VM_MEM:-3072}
vmargs=()
while (($#)); do
	case $1 in
	--timeout) timeout=$2; shift ;;
	--env) vmargs+=(--env "$2"); shift ;;
	*) echo "usage: $0 [--timeout SECS] [--env NAME=VALUE]..." >&2; exit 2 ;;
	esac
	shift
done

results=$repo/bench/results
log=$repo/build/bench.log
mkdir -p "$repo/build"
start=$(date +%s)
host="$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(pgrep -c -f '^qemu-system-x86_64' || true) qemu processes already running"
rc=0
test/vm/run.sh --keep --timeout "$timeout" "${vmargs[@]}" bench/guest.sh 2>&1 | tee "$log" ||
	rc=${PIPESTATUS[0]}
run=$(sed -n 's/^ntm-vm: run directory kept: \([^ ]*\).*/\1/p' "$log" | tail -n 1)
[[ -n $run && -d $run/bench ]] || { echo "bench: no results from the guest (see $log)" >&2; exit 1; }

rm -rf "$results"
mkdir -p "$results"
cp "$run"/bench/* "$results/"
echo "$(($(date +%s) - start))" >"$results/wall_secs.txt"
echo "$host" >"$results/host.txt"
rm -rf "$run"
[[ $rc == 0 ]] || echo "bench: the guest run failed ($rc): the report is partial" >&2
bench/report.sh "$results" "$rc"
echo "bench: wrote BENCHMARKS.md and $results/ in $(cat "$results/wall_secs.txt") s"
exit "$rc"
