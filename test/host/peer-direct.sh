#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ntm-peer against ntm-peer, with no Relay Server: leg A and leg B of one path
# talk directly, each with a TUN device carrying its VIP, so ping between the
# VIPs goes through the tunnel protocol (ntm_data_seal / ntm_data_open) both
# ways. Then the hostile modes: ntm-peer send forges, replays, truncates and
# misaddresses packets, and the receiving peer's counters must move by exactly
# what was sent. Last, ntm-peer recv's verdicts, and the same over IPv6.
#
#                192.0.2.0/24, fd00:77:1::/64
#   +---------------------+  veth   +---------------------+
#   | PA        eth0 .1   |---------| .2 eth0         PB  |
#   | ntm-peer leg a:7701 |         | ntm-peer leg b:7702 |
#   | TUN ntma 10.77.0.1  |         | TUN ntmb 10.77.0.2  |
#   +---------------------+         +---------------------+
#
# IPv6 stays off on the TUNs of the IPv4 part, so that no router or listener
# chatter disturbs the counters.
set -e
cd "$(dirname "$0")/../.."
# shellcheck source=test/lib/common.sh
source test/lib/common.sh

checktool ip ping ss
PEER=${B:-build}/bin/ntm-peer
[[ -x $PEER ]] || die "$PEER not built (make user)"
[[ -c /dev/net/tun ]] || { echo "SKIP: ${0##*/}: no /dev/net/tun"; exit "$KSFT_SKIP"; }

PA=ntm-pa-$NTM_TEST_ID
PB=ntm-pb-$NTM_TEST_ID
ID=4242
KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
A_IP=192.0.2.1 B_IP=192.0.2.2
A_VIP=10.77.0.1 B_VIP=10.77.0.2
tmp=$(mktemp -d)
on_exit rm -rf "$tmp"

for ns in "$PA" "$PB"; do
	pp ip netns add "$ns"
	on_exit ip netns del "$ns"
	ip -n "$ns" link set lo up
done
pp ip -n "$PA" link add eth0 type veth peer name eth0 netns "$PB"
ip -n "$PA" addr add "$A_IP/24" dev eth0
ip -n "$PB" addr add "$B_IP/24" dev eth0
ip -n "$PA" addr add fd00:77:1::1/64 dev eth0 nodad
ip -n "$PB" addr add fd00:77:1::2/64 dev eth0 nodad
ip -n "$PA" link set eth0 up
ip -n "$PB" link set eth0 up
# Devices created from now on (the TUNs) start without IPv6.
for ns in "$PA" "$PB"; do
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.default.disable_ipv6=1
done

common=(--path-id "$ID" --path-key "$KEY")

# The value of KEY in the last "stats:" line of LOG.
peer_stat() {
	grep 'stats:' "$1" | tail -n 1 | grep -o " $2=[0-9]*" | cut -d= -f2
}

stats_lines() {
	grep -c 'stats:' "$1" || true
}

stats_newer() {
	(($(stats_lines "$1") > $2))
}

# Asks the peer with PID to print its counters to LOG, waits until it has.
dump_stats() {
	local pid=$1 log=$2 before

	before=$(stats_lines "$log")
	kill -USR1 "$pid"
	wait_for 5 stats_newer "$log" "$before"
}

# expect LOG KEY VALUE: one PASS/FAIL line.
expect() {
	local got

	got=$(peer_stat "$1" "$2")
	if [[ $got == "$3" ]]; then
		pass "${1##*/}: $2 = $3"
	else
		fail "${1##*/}: $2 = ${got:-nothing}, expected $3"
	fi
}

tcp_listening() { # NS PORT
	[[ -n $(ip netns exec "$1" ss -Hntl "sport = :$2") ]]
}

routed() { # NS DST DEV
	ip -n "$1" route get "$2" 2>/dev/null | grep -q "dev $3"
}

udp_bound() { # NS PORT
	[[ -n $(ip netns exec "$1" ss -Hnul "sport = :$2") ]]
}

# ---- IPv4: TUN to TUN ---------------------------------------------------------

n_bg "$PA" "$PEER" "${common[@]}" --leg a --local "$A_IP:7701" \
	--remote "$B_IP:7702" --tun ntma --vip "$A_VIP" --peer-vip "$B_VIP" \
	2>"$tmp/a.log"
pid_a=$!
n_bg "$PB" "$PEER" "${common[@]}" --leg b --local "$B_IP:7702" \
	--remote "$A_IP:7701" --tun ntmb --vip "$B_VIP" --peer-vip "$A_VIP" \
	2>"$tmp/b.log"
pid_b=$!
wait_for 5 routed "$PA" "$B_VIP" ntma || die "PA: TUN ntma not routed: $(cat "$tmp/a.log")"
wait_for 5 routed "$PB" "$A_VIP" ntmb || die "PB: TUN ntmb not routed: $(cat "$tmp/b.log")"

# 3 echo requests of 84 bytes each way: 84 + 40 = 124 bytes of UDP payload.
check "ping leg A -> leg B over the VIPs" n "$PA" ping -c 3 -i 0.2 -W 2 -s 56 "$B_VIP"
check "ping leg B -> leg A over the VIPs" n "$PB" ping -c 3 -i 0.2 -W 2 -s 56 "$A_VIP"

dump_stats "$pid_a" "$tmp/a.log"
dump_stats "$pid_b" "$tmp/b.log"
for log in "$tmp/a.log" "$tmp/b.log"; do
	expect "$log" tx_packets 6
	expect "$log" tx_bytes 744
	expect "$log" rx_packets 6
	expect "$log" rx_bytes 744
	expect "$log" drop_auth 0
	expect "$log" drop_replay 0
done

# ---- hostile packets toward leg B --------------------------------------------
# Each send goes from PA to PB's tunnel socket; PB must drop all of them and
# count each in the right counter. Leg A has used counters 0..5 so far.

send_a() {
	n "$PA" "$PEER" send "${common[@]}" --leg a --remote "$B_IP:7702" "$@" >>"$tmp/send.log"
}

send_a --count 5 --forge-tag --counter-start 100
send_a --count 2 --forge-aead --counter-start 110
send_a --count 3 --replay --counter-start 0
send_a --count 2 --bad-path-id --counter-start 120
send_a --count 1 --truncate 30 --counter-start 130
send_a --count 1 --xor 0:0x03 --counter-start 131
n "$PA" "$PEER" send "${common[@]}" --leg b --remote "$B_IP:7702" --count 1 \
	--counter-start 140 >>"$tmp/send.log"
check "send prints what it sent" grep -qx \
	'sent packets=5 bytes=520 first_counter=100 last_counter=104' "$tmp/send.log"

dump_stats "$pid_b" "$tmp/b.log"
expect "$tmp/b.log" drop_auth 7		# 5 relay tags, 2 AEAD tags
expect "$tmp/b.log" drop_replay 3	# counter 0 again, 3 times
expect "$tmp/b.log" drop_path 2		# PathID 4243
expect "$tmp/b.log" drop_malformed 2	# 30 bytes; version 2
expect "$tmp/b.log" drop_leg 1		# leg B's own flag
expect "$tmp/b.log" rx_packets 6	# unchanged
check "ping still works after the hostile packets" n "$PA" ping -c 1 -W 2 "$B_VIP"

# Authentic keepalives count, and move nothing but the counters.
send_a --count 2 --keepalive --counter-start 150
dump_stats "$pid_b" "$tmp/b.log"
expect "$tmp/b.log" rx_keepalives 2
expect "$tmp/b.log" rx_packets 9	# 6 + 1 ping + 2 keepalives

# ---- recv verdicts -----------------------------------------------------------

# recv_b NAME EXPECTED_RC SEND_ARGS... ; the receiver counts 3 datagrams.
recv_case() {
	local name=$1 want=$2 count=$3 rc=0

	shift 3
	ip netns exec "$PB" "$PEER" recv "${common[@]}" --leg b \
		--local "$B_IP:7800" --count "$count" --timeout 3000 --linger 300 \
		>"$tmp/recv.out" 2>>"$tmp/recv.log" &
	local pid=$!
	wait_for 5 udp_bound "$PB" 7800 || true
	while (($#)); do
		local args=()
		while (($#)) && [[ $1 != ";" ]]; do args+=("$1"); shift; done
		(($#)) && shift
		n "$PA" "$PEER" send "${common[@]}" --leg a --remote "$B_IP:7800" "${args[@]}" >/dev/null
	done
	wait "$pid" || rc=$?
	if ((rc == want)); then
		pass "recv $name: exit $rc ($(tail -n 1 "$tmp/recv.out"))"
	else
		fail "recv $name: exit $rc, expected $want"
		sed 's/^/    /' "$tmp/recv.out"
	fi
}

recv_case "3 authentic" 0 3 --count 3 --payload-size 100
check "recv reports the byte count" grep -q 'authentic=3 keepalives=0 bytes=420 ' "$tmp/recv.out"
recv_case "a forged tag among them" 1 3 --count 2 ";" --count 1 --forge-tag --counter-start 2
check "recv names the drop" grep -q 'dropped (AUTH)' "$tmp/recv.out"
recv_case "replays" 1 3 --count 3 --replay
check "recv counts replays" grep -q 'authentic=1 .* drop_replay=2 ' "$tmp/recv.out"
recv_case "one too many" 1 2 --count 3
check "recv reports the extra datagram" grep -q 'extra=1$' "$tmp/recv.out"
recv_case "too few" 1 3 --count 2
recv_case "inner IPv4 packets" 0 2 --count 2 --payload-size 60 --vip "$A_VIP" --peer-vip "$B_VIP"
check "recv decodes the inner packet" grep -q "inner IPv4 $A_VIP -> $B_VIP proto 17" "$tmp/recv.out"

kill "$pid_a" "$pid_b"
wait "$pid_a" "$pid_b" 2>/dev/null || true
check "exit prints the counters" grep -q 'stats: rx_packets=7 ' "$tmp/a.log"

# ---- IPv6: outer and inner ---------------------------------------------------

for ns in "$PA" "$PB"; do
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.default.disable_ipv6=0
done
n_bg "$PA" "$PEER" "${common[@]}" --leg a --local "[fd00:77:1::1]:7701" \
	--remote "[fd00:77:1::2]:7702" --tun ntma6 --vip fd00:77::1 \
	--peer-vip fd00:77::2 2>"$tmp/a6.log"
n_bg "$PB" "$PEER" "${common[@]}" --leg b --local "[fd00:77:1::2]:7702" \
	--tun ntmb6 --vip fd00:77::2 --route fd00:77::/64 2>"$tmp/b6.log"
wait_for 5 routed "$PA" fd00:77::2 ntma6 || die "PA: TUN ntma6 not routed: $(cat "$tmp/a6.log")"
wait_for 5 routed "$PB" fd00:77::1 ntmb6 || die "PB: TUN ntmb6 not routed: $(cat "$tmp/b6.log")"
# PB has no --remote: it learns leg A's endpoint from the first authentic packet.
check "ping over IPv6 VIPs and IPv6 outer (leg B learns its remote)" \
	n "$PA" ping -6 -c 3 -i 0.2 -W 2 fd00:77::2
check "leg B logged the learned remote" grep -q 'remote is now \[fd00:77:1::1\]:7701' "$tmp/b6.log"

# Full-size packets, both directions, for a while: TCP over the tunnel.
if command -v iperf3 >/dev/null; then
	n_bg "$PB" iperf3 -s -1 -B fd00:77::2 >/dev/null 2>&1
	wait_for 5 tcp_listening "$PB" 5201 || true
	if n "$PA" iperf3 -c fd00:77::2 -t 2 -J >"$tmp/iperf.json" 2>&1 &&
		grep -q '"bits_per_second"' "$tmp/iperf.json"; then
		pass "iperf3 TCP over the tunnel: $(grep -m1 -o '"bits_per_second":[^,]*' \
			"$tmp/iperf.json" | tail -n 1)"
	else
		fail "iperf3 TCP over the tunnel"
		tail -n 20 "$tmp/iperf.json"
	fi
else
	skip "iperf3 over the tunnel: iperf3 not installed"
fi

summary
