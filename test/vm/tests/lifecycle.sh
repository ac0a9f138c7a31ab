#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The relay table's life: one table per network namespace, a bounded size,
# 10,000 paths added, dumped and flushed, idle expiry with its notification,
# CAP_NET_ADMIN, and the module unloaded while paths exist and traffic flows
# (the harness then fails the run on any WARN, BUG or leak in dmesg).

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/relay.sh
source "$here/../../lib/relay.sh"
checktool ntmctl ntm-peer jq setpriv

A=ntm-ta-$NTM_TEST_ID
B=ntm-tb-$NTM_TEST_ID
ns_del() { ip netns del "$1" 2>/dev/null || true; } # topo_down may be first
for ns in $A $B; do
	ip netns add "$ns"
	on_exit ns_del "$ns"
	n "$ns" ntmctl tunnel set port 7701 max-paths 20000
done

# Independent tables: the same PathID in both, with different contents.
n "$A" ntmctl path add 1 type s path-key "$PATH_KEY" refresh 11
n "$B" ntmctl path add 1 type s path-key "$PATH_KEY" refresh 22
n "$B" ntmctl path add 2 type s path-key "$PATH_KEY"
check "namespace A sees its own path 1 (refresh 11)" \
	[ "$(n "$A" ntmctl -j path show 1 | jq '.[0].refresh')" -eq 11 ]
check "namespace B sees its own path 1 (refresh 22)" \
	[ "$(n "$B" ntmctl -j path show 1 | jq '.[0].refresh')" -eq 22 ]
n "$A" ntmctl path flush
check "flushing A leaves B's 2 paths" [ "$(n "$B" ntmctl -j path list | jq length)" -eq 2 ]
check "A is empty" [ "$(n "$A" ntmctl -j path list | jq length)" -eq 0 ]

# 10,000 paths through one netlink socket.
batch=$NTM_LOGDIR/paths.batch
for ((i = 1; i <= 10000; i++)); do
	echo "path add $i type s relay-key 000102030405060708090a0b0c0d0e0f"
done >"$batch"
t0=$EPOCHREALTIME
check "10,000 paths added" n "$A" ntmctl -b "$batch"
t1=$EPOCHREALTIME
check "tunnel show counts 10,000 paths" [ "$(n "$A" ntmctl -j tunnel show | jq '.[0].paths')" -eq 10000 ]
list=$(n "$A" ntmctl -j path list)
t2=$EPOCHREALTIME
check "the dump returns 10,000 paths" [ "$(jq length <<<"$list")" -eq 10000 ]
check "the dump has every PathID once" [ "$(jq '[.[].id] | unique | length' <<<"$list")" -eq 10000 ]
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "# add 10,000: %.2f s, dump: %.2f s (emulated guest)\n", b - a, c - b }'
# Batches go NTM_NL_BATCH_MAX (256) requests to a sendmsg(): every request of
# a group runs, each failure is named by its line, the batch stops after the
# group with a failure.
out=$(n "$A" ntmctl -b "$batch" 2>&1) && rc=0 || rc=$?
check "the same 10,000 again fails (exit 1)" [ "$rc" -eq 1 ]
check "line 1 is named: path exists" grep -q "paths.batch:1: path 1: path exists" <<<"$out"
check "every line of the first group failed, and no more" \
	[ "$(grep -c ": path exists" <<<"$out")" -eq 256 ]
check "no answer was lost" bash -c "! grep -q lost <<<\"\$1\"" _ "$out"
printf '%s\n' "path add 20001 type s relay-key 000102030405060708090a0b0c0d0e0f" \
	"path add 20001 type s relay-key 000102030405060708090a0b0c0d0e0f" \
	"path add 20002 type s relay-key 000102030405060708090a0b0c0d0e0f refresh 7" \
	"path show 20002" "path set 20002 refresh 8" "path del 20001" >"$batch.mixed"
out=$(n "$A" ntmctl -j -b "$batch.mixed" 2>&1) && rc=0 || rc=$?
check "a duplicate in a group fails the batch (exit 1)" [ "$rc" -eq 1 ]
check "its line (2) is named" grep -q "mixed:2: path 20001: path exists" <<<"$out"
check "the rest of its group was applied (20002, refresh 7)" \
	[ "$(n "$A" ntmctl -j path show 20002 | jq '.[0].refresh')" -eq 7 ]
check "the batch stopped after the group (path show not run)" bash -c "! grep -q '\"id\"' <<<\"\$1\"" _ "$out"
printf '%s\n' "path add 20004 type s relay-key 000102030405060708090a0b0c0d0e0f" \
	"path add 20003 type s relay-key 000102030405060708090a0b0c0d0e0f refresh 7" \
	"path show 20003" "path set 20003 refresh 8" "path del 20004" >"$batch.mixed"
out=$(n "$A" ntmctl -j -b "$batch.mixed" 2>/dev/null) && rc=0 || rc=$?
check "queued requests run before a command that reads (path show sees 20003): $out" \
	[ "$(jq -s '.[0][0].refresh' <<<"$out")" -eq 7 ]
check "and the set and del after it ran too" \
	[ "$(n "$A" ntmctl -j path show 20003 | jq '.[0].refresh')" -eq 8 ]
check "path 20004 deleted in the batch" bash -c "! ip netns exec $A ntmctl path show 20004 2>/dev/null"
check "flush removes them" n "$A" ntmctl path flush
check "the table is empty after flush" [ "$(n "$A" ntmctl -j tunnel show | jq '.[0].paths')" -eq 0 ]

# A full table refuses new paths and keeps the old ones.
n "$B" ntmctl tunnel set port 7701 max-paths 3
n "$B" ntmctl path add 3 type s path-key "$PATH_KEY"
out=$(n "$B" ntmctl path add 4 type s path-key "$PATH_KEY" 2>&1) && rc=0 || rc=$?
check "path add on a full table fails (exit 1): $out" [ "$rc" -eq 1 ]
check "the error says the relay table is full" grep -qi "full" <<<"$out"
check "the 3 existing paths are untouched" [ "$(n "$B" ntmctl -j path list | jq length)" -eq 3 ]

out=$(n "$B" ntmctl path del 99 2>&1) && rc=0 || rc=$?
check "deleting an unknown PathID fails clearly: $out" \
	bash -c "[ $rc -eq 1 ] && grep -q 'path 99' <<<'$out'"

out=$(ip netns exec "$B" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all ntmctl path list 2>&1) && rc=0 || rc=$?
check "without CAP_NET_ADMIN: refused ($out)" \
	bash -c "[ $rc -eq 1 ] && grep -q CAP_NET_ADMIN <<<'$out'"

# Idle expiry, announced on the events group.
n_bg "$B" stdbuf -oL ntmctl -j monitor >"$NTM_LOGDIR/monitor-b.log" 2>&1
sleep 0.5 # let the monitor subscribe before the path exists
n "$B" ntmctl path flush
n "$B" ntmctl path add 7 type s path-key "$PATH_KEY" refresh 1
check "an idle path expires after its refresh time" \
	wait_for 20 bash -c "! ip netns exec $B ntmctl path show 7 >/dev/null 2>&1"
check "the expiry is announced" wait_for 15 grep -q expired "$NTM_LOGDIR/monitor-b.log"

# Unload with paths and traffic: an RS-S path carrying a ping flood.
topo_up
relay_up
n "$RS" ntmctl path add 100 type s path-key "$PATH_KEY" a-vip 100.64.0.1 b-vip 100.64.0.2
peer_up "$MN" a 100 100.64.0.1 --peer-vip 100.64.0.2 --keepalive 1
peer_up "$CN" b 100 100.64.0.2 --peer-vip 100.64.0.1 --keepalive 1
check "traffic flows before the unload" n "$MN" ping -c 2 -i 0.2 -W 2 100.64.0.2
n_bg "$MN" ping -i 0.01 -q 100.64.0.2 >/dev/null 2>&1
sleep 1
if [[ -n ${NTM_MODULE_NAME:-} ]]; then
	check "rmmod with 3 namespaces' tables, paths and traffic" rmmod "$NTM_MODULE_NAME"
	check "the module is gone" bash -c "[ ! -e /sys/module/$NTM_MODULE_NAME ]"
	check "insmod again" insmod "$NTM_MODULE"
	check "the new module starts with no tunnel" \
		bash -c "! ip netns exec $RS ntmctl tunnel show >/dev/null 2>&1"
else
	skip "module unload (run.sh --no-module)"
fi

summary
