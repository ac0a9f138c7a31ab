#!/bin/bash
# Runs ntmobile's test suites and ends with one line "N passed, N failed, N skipped".
#
#   test/run-all.sh [SUITE...]     SUITE: unit fuzz host vm (default: all four)
#
# What counts as one test:
#   unit  each cmocka test case ("[       OK ]" / "[  FAILED  ]" lines)
#   fuzz  each libFuzzer target run for FUZZ_SECONDS (default 30; CI: 60) without
#         a crash, FUZZ_JOBS (default 2) targets at a time
#   host  each PASS:/FAIL:/SKIP: line of test/host/*.sh (or those in
#         HOST_TESTS), run natively, as root
#   vm    each PASS:/FAIL:/SKIP: line of test/vm/tests/*.sh (or of the scripts
#         in VM_TESTS), each run in a fresh guest of Debian's 6.1 kernel with
#         nf_ntm.ko loaded (test/vm/run.sh)
# The resilience cases these logs hold (RESULT: rows, test/lib/resilience.sh)
# are rendered into RESILIENCE_OUT (default build/test-logs/RESILIENCE.md).
# A program that exits non-zero without printing a failure of its own counts
# as one failure, so a crash or a harness error is never lost.
set -u
cd "$(dirname "$0")/.." || exit 1
B=${B:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
LOGDIR=$B/test-logs
mkdir -p "$LOGDIR"

passed=0 failed=0 skipped=0
failures=()
run_logs=()

count_lines() { # name logfile rc kind
	local name=$1 log=$2 rc=$3 kind=$4 p f s
	if [[ $kind == cmocka ]]; then
		p=$(grep -c '^\[       OK \]' "$log")
		f=$(grep -cE '^\[  FAILED  \] [A-Za-z_]' "$log")
		s=$(grep -c '^\[  SKIPPED \]' "$log")
	else
		p=$(grep -c '^PASS:' "$log")
		f=$(grep -c '^FAIL:' "$log")
		s=$(grep -c '^SKIP:' "$log")
	fi
	if ((rc != 0 && f == 0)); then
		f=1
		echo "FAIL: $name exited with status $rc" | tee -a "$log"
	fi
	if ((rc == 0 && p + f + s == 0)); then
		f=1
		echo "FAIL: $name ran no test" | tee -a "$log"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	run_logs+=("$log")
	((f == 0)) || failures+=("$name (log: $log)")
	printf '%-40s %3d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
}

suite_unit() {
	local t rc
	for t in "$B"/test/test_*; do
		[[ -x $t ]] || continue
		"$t" >"$LOGDIR/unit-${t##*/}.log" 2>&1
		rc=$?
		count_lines "unit/${t##*/}" "$LOGDIR/unit-${t##*/}.log" $rc cmocka
	done
}

# One libFuzzer target for FUZZ_SECONDS on a copy of its seed corpus; the
# log gets a PASS: line, the exit status goes to LOG.rc.
fuzz_one() { # binary
	local t=$1 name=${1##*/} corpus rc
	corpus=$(mktemp -d)
	[[ -d fuzz/corpus/$name ]] && cp -r "fuzz/corpus/$name/." "$corpus/"
	mkdir -p "$B/fuzz-artifacts/$name"
	"$t" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
		-artifact_prefix="$B/fuzz-artifacts/$name/" "$corpus" \
		>"$LOGDIR/fuzz-$name.log" 2>&1
	rc=$?
	rm -rf "$corpus"
	if ((rc == 0)); then
		echo "PASS: $name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' \
			"$LOGDIR/fuzz-$name.log" | grep -o '[0-9]*$') inputs in ${FUZZ_SECONDS}s" \
			>>"$LOGDIR/fuzz-$name.log"
	fi
	echo "$rc" >"$LOGDIR/fuzz-$name.rc"
}

# FUZZ_JOBS targets at a time (default 2: the CI machine has 2 cores).
suite_fuzz() {
	local targets=() t i j name jobs=${FUZZ_JOBS:-2}
	for t in "$B"/fuzz/fuzz_*; do
		[[ -x $t ]] && targets+=("$t")
	done
	((jobs >= 1)) || jobs=1
	for ((i = 0; i < ${#targets[@]}; i += jobs)); do
		for ((j = i; j < i + jobs && j < ${#targets[@]}; j++)); do
			fuzz_one "${targets[j]}" &
		done
		wait
		for ((j = i; j < i + jobs && j < ${#targets[@]}; j++)); do
			name=${targets[j]##*/}
			count_lines "fuzz/$name" "$LOGDIR/fuzz-$name.log" \
				"$(cat "$LOGDIR/fuzz-$name.rc" 2>/dev/null || echo 1)" script
		done
	done
}

suite_host() {
	local t rc
	for t in ${HOST_TESTS:-test/host/*.sh}; do
		[[ -f $t ]] || continue
		timeout 600 bash "$t" >"$LOGDIR/host-${t##*/}.log" 2>&1
		rc=$?
		count_lines "host/${t##*/}" "$LOGDIR/host-${t##*/}.log" $rc script
	done
}

suite_vm() {
	local t rc
	# shellcheck disable=SC2086 # a list of paths
	for t in ${VM_TESTS:-test/vm/tests/*.sh}; do
		[[ -f $t ]] || continue
		test/vm/run.sh "$t" >"$LOGDIR/vm-${t##*/}.log" 2>&1
		rc=$?
		count_lines "vm/${t##*/}" "$LOGDIR/vm-${t##*/}.log" $rc script
	done
}

suites=("$@")
((${#suites[@]})) || suites=(unit fuzz host vm)
for s in "${suites[@]}"; do
	case $s in
	unit | fuzz | host | vm) echo "== $s"; "suite_$s" ;;
	*) echo "run-all: unknown suite '$s' (unit fuzz host vm)" >&2; exit 2 ;;
	esac
done

# Only this run's logs: a case that did not run now is not reported.
if ((${#run_logs[@]})) && grep -qs $'^RESULT:\t' "${run_logs[@]}"; then
	test/resilience-report.sh -o "${RESILIENCE_OUT:-$LOGDIR/RESILIENCE.md}" "${run_logs[@]}"
fi

if ((${#failures[@]})); then
	echo
	echo "Failures:"
	for f in "${failures[@]}"; do
		echo "  $f"
		log=${f##*log: }
		log=${log%)}
		sed 's/^/    | /' "$log" | grep -E 'FAIL|ERROR|error|Assertion|SUMMARY' | head -20
	done
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
