# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by the test scripts, after WireGuard's netns.sh and the
# kernel's netfilter selftests. Source it from bash; it sets no shell options
# (the scripts use set -e) and works on the host and in the test VM alike.
#
#   pp CMD...              print "[+] CMD" on stderr, then run CMD
#   n NS CMD...            run CMD in network namespace NS (printed)
#   n_bg NS CMD...         start CMD in NS in the background; killed at exit
#   checktool CMD...       skip the whole script (exit 4) unless every CMD exists
#   pass MSG, fail MSG     print "PASS: MSG" / "FAIL: MSG" and count it
#   skip MSG               print "SKIP: MSG" and count it; say why in MSG
#   check MSG CMD...       run CMD: pass MSG if it succeeds, fail MSG if not
#   die MSG                print "FAIL: MSG" and exit 1 (cleanups run)
#   wait_for SECS CMD...   poll CMD until it succeeds; fail after SECS seconds
#   on_exit CMD...         run CMD when the script exits, last registered first
#   summary                print the counts; returns 1 if anything failed, 4
#                          (KSFT_SKIP) if everything was skipped, else 0: end
#                          a script with it
#
# Every namespace, device or file a test creates is named with $NTM_TEST_ID
# (default: the script's PID), so tests can run in parallel.
#
# NTM_TEST_QUIET=1 stops pp and n from printing the commands.
#
# NTM_WRAP, when set, is a command line the daemons (ntm-rsd, ntm-dc,
# ntm-node) are started under, such as valgrind (test/host/valgrind.sh).
#
# Under set -o pipefail, do not write `cmd | grep -q PATTERN` in a check: grep
# exits at the first match, cmd dies of SIGPIPE if it still had output, and
# the check fails at random. Match on captured output instead:
# [[ $(cmd) == *PATTERN* ]].

[[ -n ${_NTM_COMMON_SH:-} ]] && return 0
_NTM_COMMON_SH=1

KSFT_SKIP=4
export NTM_TEST_ID=${NTM_TEST_ID:-$$}

_ntm_pass=0
_ntm_fail=0
_ntm_skip=0
_ntm_exit_cmds=()

pp() {
	[[ ${NTM_TEST_QUIET:-0} == 1 ]] || echo "[+] $*" >&2
	"$@"
}

n() {
	local ns=$1

	shift
	[[ ${NTM_TEST_QUIET:-0} == 1 ]] || echo "[+] $ns: $*" >&2
	ip netns exec "$ns" "$@"
}

n_bg() {
	local ns=$1

	shift
	[[ ${NTM_TEST_QUIET:-0} == 1 ]] || echo "[+] $ns: $* &" >&2
	ip netns exec "$ns" "$@" &
	on_exit _ntm_kill "$!"
}

_ntm_kill() {
	kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
	return 0
}

checktool() {
	local tool

	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null; then
			echo "SKIP: ${0##*/}: $tool not found"
			exit "$KSFT_SKIP"
		fi
	done
}

pass() {
	echo "PASS: $*"
	((++_ntm_pass))
}

fail() {
	echo "FAIL: $*"
	((++_ntm_fail))
	return 0
}

skip() {
	echo "SKIP: $*"
	((++_ntm_skip))
}

check() {
	local msg=$1

	shift
	if "$@"; then
		pass "$msg"
	else
		fail "$msg"
	fi
}

die() {
	echo "FAIL: $*"
	exit 1
}

# Polls rather than sleeps: a test must not depend on how fast the emulated
# guest is. Returns 1 and says what it waited for on timeout.
wait_for() {
	local secs=$1 int frac deadline

	shift
	int=${secs%.*}
	frac=000000
	[[ $secs == *.* ]] && frac=${secs#*.}000000
	deadline=$((${EPOCHREALTIME/[.,]/} + ${int:-0} * 1000000 + 10#${frac:0:6}))
	until "$@"; do
		if ((${EPOCHREALTIME/[.,]/} > deadline)); then
			echo "wait_for: gave up after ${secs}s: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

on_exit() {
	local cmd

	printf -v cmd '%q ' "$@"
	_ntm_exit_cmds+=("$cmd")
}

_ntm_run_exit() {
	local rc=$? i

	trap - EXIT
	set +e
	for ((i = ${#_ntm_exit_cmds[@]} - 1; i >= 0; i--)); do
		eval "${_ntm_exit_cmds[i]}"
	done
	exit "$rc"
}

trap _ntm_run_exit EXIT
# A signal must run the cleanups too; not in an interactive shell (run.sh
# --shell), where Ctrl-C has to stay harmless.
if [[ $- != *i* ]]; then
	trap 'exit 130' INT
	trap 'exit 143' TERM
fi

summary() {
	echo "${0##*/}: $_ntm_pass passed, $_ntm_fail failed, $_ntm_skip skipped"
	((_ntm_fail == 0)) || return 1
	((_ntm_pass > 0 || _ntm_skip == 0)) || return "$KSFT_SKIP"
	return 0
}
