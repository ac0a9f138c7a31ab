#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make soak: SOAK_PATHS (default 10,000) RS-S paths in nf_ntm carrying
# authentic traffic for SOAK_SECONDS (default 300): MN sends Data for every
# path in turn (ntm-peer send --paths) to the RS, which relays each to leg B,
# a sink on PEERB. Then:
#   - every packet sent reached the sink, and the RS dropped none (no drops
#     beyond what the links drop: here, veths that drop nothing);
#   - the kernel slab that holds the paths grew by about one object a path
#     and is back to where it started after the flush (/proc/slabinfo);
#   - ntmctl dumping the 10,000 paths is clean under valgrind.
# Not part of make check (it runs for minutes); its rows go to
# docs/RESILIENCE.md like the other resilience tests' (test/lib/resilience.sh).
#
#   MN --- NAT_MN --- br0 --- RS (nf_ntm, SOAK_PATHS paths) --- br0 --- PEERB:9000 (sink)

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/relay.sh
source "$here/../lib/relay.sh"
# shellcheck source=test/lib/resilience.sh
source "$here/../lib/resilience.sh"
checktool ntmctl ntm-peer jq nft

PATHS=${SOAK_PATHS:-10000}
SECS=${SOAK_SECONDS:-300}

# The slab cache the paths live in; SLUB may have merged ntm_path_s into
# another cache, whose /proc/slabinfo line then counts them.
slab_name() {
	local dir name

	if grep -q '^ntm_path_s ' /proc/slabinfo; then
		echo ntm_path_s
		return
	fi
	dir=$(readlink -f /sys/kernel/slab/ntm_path_s) || return 1
	for name in /sys/kernel/slab/*; do
		[[ $(readlink -f "$name") == "$dir" ]] || continue
		name=${name##*/}
		if grep -q "^$name " /proc/slabinfo; then
			echo "$name"
			return
		fi
	done
	return 1
}
slab_objs() { awk -v n="$SLAB" '$1 == n { print $2 }' /proc/slabinfo; }
sunreclaim_kb() { awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo; }

topo_up
topo_add_public_host PEERB 198.51.100.20
relay_up
SLAB=$(slab_name) || die "cannot find the slab cache of ntm_path_s"
echo "# paths live in slab cache $SLAB"
n "$PEERB" nft -f - <<EOF
table ip soak {
	counter sink { }
	chain in {
		type filter hook input priority 0;
		udp dport 9000 counter name sink
		udp dport 9000 drop
	}
}
EOF
sync
echo 2 >/proc/sys/vm/drop_caches
objs0=$(slab_objs) kb0=$(sunreclaim_kb)

res_case soak-install "$PATHS RS-S paths installed in one ntmctl batch"
batch=$NTM_LOGDIR/soak.batch
for ((i = 1; i <= PATHS; i++)); do
	echo "path add $i type s path-key $PATH_KEY b-endpoint $PEERB_IP:9000 refresh 0"
done >"$batch"
t0=$EPOCHREALTIME
check "$PATHS paths added" n "$RS" ntmctl -b "$batch"
t1=$EPOCHREALTIME
check "the relay table holds $PATHS paths" [ "$(tunnel_get .paths)" -eq "$PATHS" ]
objs1=$(slab_objs) kb1=$(sunreclaim_kb)
check "slab $SLAB grew by about one object a path ($((objs1 - objs0)))" \
	[ $((objs1 - objs0)) -ge $((PATHS * 9 / 10)) ]
res_num "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; slab $SLAB +$((objs1 - objs0)) objects, SUnreclaim +$((kb1 - kb0)) KiB"
res_end

res_case soak-traffic "authentic Data for all $PATHS paths in turn, for about $SECS s, relayed to a sink"
# Rounds of one packet per path, in bursts of 1,000 (PathIDs in turn), from
# one source port, until SOAK_SECONDS have passed. The guest's backlog is
# raised so that a burst is not dropped at a veth before the RS sees it.
sysctl -q -w net.core.netdev_max_backlog=10000
sent=0 round=0 chunk=1000 t_end=$((SECONDS + SECS))
while ((SECONDS < t_end)); do
	for ((first = 1; first <= PATHS; first += chunk)); do
		k=$((PATHS - first + 1 < chunk ? PATHS - first + 1 : chunk))
		out=$(ip netns exec "$MN" ntm-peer send -q --path-id "$first" --paths "$k" \
			--path-key "$PATH_KEY" --leg a --local 0.0.0.0:40000 \
			--remote "$RS_IP:$RS_PORT" --count "$k" --counter-start "$round" \
			--payload-size 64)
		sent=$((sent + $(grep -oE 'packets=[0-9]+' <<<"$out" | cut -d= -f2)))
	done
	round=$((round + 1))
done
t2=$EPOCHREALTIME
echo "# $sent packets in $round rounds"
sleep 1
got=$(ip netns exec "$PEERB" nft -j list counter ip soak sink | jq '.nftables[] | select(.counter) | .counter.packets')
list=$(ip netns exec "$RS" ntmctl -j path list)
drops=$(jq '[.[] | .leg_a.stats, .leg_b.stats | .drop_auth + .drop_replay + .drop_malformed + .drop_noroute] | add' <<<"$list")
rx=$(jq '[.[] | .leg_a.stats.rx_packets] | add' <<<"$list")
tx=$(jq '[.[] | .leg_b.stats.tx_packets] | add' <<<"$list")
busy=$(jq '[.[] | select(.leg_a.stats.rx_packets > 0)] | length' <<<"$list")
secs=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.0f", b - a }')
check "every path carried traffic ($busy of $PATHS)" [ "$busy" -eq "$PATHS" ]
check "the RS received every packet sent ($rx of $sent)" [ "$rx" -eq "$sent" ]
check "and relayed every one ($tx)" [ "$tx" -eq "$sent" ]
check "the RS dropped none ($drops)" [ "$drops" -eq 0 ]
check "the sink got them all ($got of $sent)" [ "$got" -eq "$sent" ]
check "no packet for an unknown PathID ($(tunnel_get .stats.drop_nopath))" \
	[ "$(tunnel_get .stats.drop_nopath)" -eq 0 ]
res_num "$sent packets in $secs s ($(awk -v n="$sent" -v s="$secs" 'BEGIN { printf("%d", (s > 0 ? n / s : 0)) }')/s, $round a path); relayed $tx, dropped $drops, sink got $got"
res_end

res_case soak-valgrind "ntmctl -j path list of the $PATHS paths under valgrind"
if command -v valgrind >/dev/null; then
	check "valgrind: no error, no leak" ip netns exec "$RS" valgrind -q --error-exitcode=99 \
		--leak-check=full --errors-for-leak-kinds=definite,indirect \
		ntmctl -j path list >/dev/null
else
	skip "valgrind is not installed"
fi
res_end

res_case soak-teardown "the relay table flushed; the slab after an RCU grace period"
check "flush" n "$RS" ntmctl path flush
sleep 3
sync
echo 2 >/proc/sys/vm/drop_caches
objs2=$(slab_objs) kb2=$(sunreclaim_kb)
# Per-CPU slabs count as active in /proc/slabinfo: a few hundred objects of
# slack, against the $PATHS the table held.
check "slab $SLAB back to its start ($objs0 -> $objs1 -> $objs2 objects)" \
	[ "$objs2" -le $((objs0 + 512)) ]
res_num "slab $SLAB $objs0 -> $objs1 -> $objs2 objects; SUnreclaim $kb0 -> $kb1 -> $kb2 KiB"
res_end

summary
