#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RS-S on the user-space datapath: test/vm/tests/rs-s.sh and hostile.sh, with
# ntm-relay-user in the RS namespace instead of nf_ntm. Two NTM nodes behind
# different NATs talk through it; it rewrites the outer headers between the
# two tunnels and leaves the payload alone. Endpoints are learned only from
# authenticated packets, roaming is followed after one packet, and hostile
# input is dropped and counted exactly where nf_ntm counts it.
#
#   MN (leg A, VIP 100.64.0.1) -- NAT_MN ==public== RS == NAT_CN -- CN (leg B, VIP 100.64.0.2)
#                                          PEERB (leg B of path 200, 198.51.100.20)

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/userdp.sh
source "$here/../lib/userdp.sh"
checktool ntm-relay-user ntm-peer jq nft conntrack ping ss
[[ -c /dev/net/tun ]] || { echo "SKIP: ${0##*/}: no /dev/net/tun"; exit "$KSFT_SKIP"; }

ID=100
HID=200
topo_up
topo_add_public_host PEERB 198.51.100.20
path_add $ID type s path-key "$PATH_KEY" a-vip 100.64.0.1 b-vip 100.64.0.2 refresh 60
path_add $HID type s path-key "$PATH_KEY" b-endpoint "$PEERB_IP:9000" refresh 60
relay_up
monitor_start

# ---- rs-s.sh ----------------------------------------------------------------

# One keepalive at start (SEC large): exact counters below.
peer_up "$MN" a $ID 100.64.0.1 --peer-vip 100.64.0.2 --keepalive 3600
peer_up "$CN" b $ID 100.64.0.2 --peer-vip 100.64.0.1 --keepalive 3600

check "RS learned leg A's endpoint from its keepalive" wait_for 10 leg_learned $ID a
check "RS learned leg B's endpoint from its keepalive" wait_for 10 leg_learned $ID b
ep_a=$(path_get $ID .leg_a.endpoint)
ep_b=$(path_get $ID .leg_b.endpoint)
check "leg A endpoint is NAT_MN's public address ($ep_a)" [ "${ep_a%:*}" = "$NAT_MN_IP" ]
check "leg B endpoint is NAT_CN's public address ($ep_b)" [ "${ep_b%:*}" = "$NAT_CN_IP" ]
check "monitor saw both endpoints learned" \
	[ "$(grep -c '"event":"endpoint","path":{"id":100,' "$NTM_LOGDIR/monitor.log")" -eq 2 ]

check "MN -> CN over RS-S (ping 100.64.0.2)" n "$MN" ping -c 5 -i 0.2 -W 2 100.64.0.2
check "CN -> MN over RS-S (ping 100.64.0.1)" n "$CN" ping -c 5 -i 0.2 -W 2 100.64.0.1

# Leg A sent 1 keepalive + 5 requests + 5 replies; every data packet went
# out on the other leg, keepalives were consumed. Bytes: a keepalive is 24,
# a ping of 84 bytes is 84 + 40 sealed.
check "leg A rx = 11 (1 keepalive, 10 data)" wait_path $ID .leg_a.stats.rx_packets 11
check "leg A rx bytes = 24 + 10 * 124" wait_path $ID .leg_a.stats.rx_bytes 1264
check "leg B tx = 10 (keepalive not forwarded)" wait_path $ID .leg_b.stats.tx_packets 10
check "leg B tx bytes = 10 * 124 (payload unchanged)" wait_path $ID .leg_b.stats.tx_bytes 1240
check "leg B rx = 11" wait_path $ID .leg_b.stats.rx_packets 11
check "leg A tx = 10" wait_path $ID .leg_a.stats.tx_packets 10
check "no drops on either leg" wait_path $ID \
	'| [.leg_a.stats, .leg_b.stats] | map(.drop_auth + .drop_replay + .drop_malformed + .drop_noroute) | add' 0

# The relayed flow is only outer UDP for conntrack: no inner entry on the RS.
check "RS conntrack has no inner (VIP) flow for RS-S" \
	bash -c "! ip netns exec $RS conntrack -L 2>/dev/null | grep -q 100.64.0."
check "the relay answers from the port the nodes send to" \
	bash -c "ip netns exec $NAT_MN conntrack -L -p udp 2>/dev/null | grep -q 'src=$RS_IP dst=$NAT_MN_IP sport=$RS_PORT'"

# Roaming: NAT_MN now maps every new flow to a random port, and its old
# mapping is gone. MN's next packet arrives from a new endpoint.
topo_nat_masq "$NAT_MN" fully-random
topo_nat_flush "$NAT_MN"
check "MN -> CN after NAT_MN's mapping changed (ping, no loss)" \
	n "$MN" ping -c 3 -i 0.2 -W 2 100.64.0.2
ep_a2=$(path_get $ID .leg_a.endpoint)
check "leg A endpoint moved ($ep_a -> $ep_a2)" [ "$ep_a2" != "$ep_a" ]
check "CN -> MN follows the new endpoint" n "$CN" ping -c 3 -i 0.2 -W 2 100.64.0.1
check "monitor saw leg A's endpoint change" wait_for 5 \
	grep -q "\"endpoint\".*$ep_a2" "$NTM_LOGDIR/monitor.log"

# ---- hostile.sh ---------------------------------------------------------------

# PEERB accepts exactly the 4 authentic packets sent last; anything the RS
# let through from the hostile sends arrives first and fails it.
n_bg "$PEERB" ntm-peer recv --path-id $HID --path-key "$PATH_KEY" --leg b \
	--local "0.0.0.0:9000" --count 4 --timeout 60000 --linger 1000 \
	>"$NTM_LOGDIR/recv.log" 2>&1
recv_pid=$!
wait_for 60 listening "$PEERB" udp 9000 || die "ntm-peer recv did not start: $(cat "$NTM_LOGDIR/recv.log")"

send() { # ntm-peer send options...
	n "$MN" ntm-peer send --path-id $HID --path-key "$PATH_KEY" --leg a \
		--remote "$RS_IP:$RS_PORT" "$@" >/dev/null
}
leg_a() { # COUNTER VALUE: wait until leg A's COUNTER of path HID is VALUE
	wait_path "$HID" ".leg_a.stats.$1" "$2"
}
tun() { wait_tunnel ".stats.$1" "$2"; }

send --count 1 --counter-start 0
check "one authentic packet teaches the RS leg A's endpoint" wait_for 3 leg_learned $HID a

send --count 5 --counter-start 10 --forge-tag
check "5 forged relay tags: drop_auth = 5" leg_a drop_auth 5

send --count 3 --counter-start 0 --replay
check "3 replays of counter 0: drop_replay = 3" leg_a drop_replay 3

send --count 3 --counter-start 200
send --count 1 --counter-start 100
check "counter 100 is too old after 202 (window 64): drop_replay = 4" leg_a drop_replay 4

send --count 2 --counter-start 300 --truncate 20
send --count 2 --counter-start 310 --truncate 30
check "4 truncated packets dropped as malformed before any lookup" tun drop_malformed 4

send --count 3 --counter-start 400 --bad-path-id
check "3 packets for an unknown PathID: drop_nopath = 3" tun drop_nopath 3

send --count 2 --counter-start 500 --xor 1:0x85
check "2 control messages on the tunnel port: rx_control = 2" tun rx_control 2

send --count 2 --counter-start 600 --keepalive
check "keepalives accepted (leg A rx: 1 + 3 + 2 = 6 so far)" leg_a rx_packets 6
check "nothing hostile was forwarded: leg B tx = 4 (1 + 3 authentic data)" \
	wait_path $HID .leg_b.stats.tx_packets 4
check "no drop counted on leg B" wait_path $HID \
	'.leg_b.stats | .drop_auth + .drop_replay + .drop_malformed + .drop_noroute' 0

check "PEERB received exactly the 4 authentic packets, nothing else" wait "$recv_pid"
cat "$NTM_LOGDIR/recv.log"

# A forged tag must not move the endpoint: send from another source port.
ep=$(path_get $HID .leg_a.endpoint)
n "$MN" ntm-peer send --path-id $HID --path-key "$PATH_KEY" --leg a \
	--remote "$RS_IP:$RS_PORT" --local "0.0.0.0:40001" --count 2 \
	--counter-start 700 --forge-tag >/dev/null
check "2 more forged tags counted (drop_auth = 7)" leg_a drop_auth 7
check "a forged packet from a new source does not move leg A ($ep)" \
	[ "$(path_get $HID .leg_a.endpoint)" = "$ep" ]
# An authentic one from there does, at once.
n "$MN" ntm-peer send --path-id $HID --path-key "$PATH_KEY" --leg a \
	--remote "$RS_IP:$RS_PORT" --local "0.0.0.0:40001" --count 1 \
	--counter-start 701 --keepalive >/dev/null
ep_moved() { [ "$(path_get "$HID" .leg_a.endpoint)" != "$ep" ]; }
check "an authentic keepalive from a new source moves leg A" wait_for 3 ep_moved
ep_new=$(path_get $HID .leg_a.endpoint)
check "leg A is now NAT_MN's mapping of port 40001 ($ep -> $ep_new)" [ "$ep_new" != "$ep" ]

# ---- at exit ------------------------------------------------------------------

kill -TERM "$RU_PID"
check "ntm-relay-user exits cleanly on SIGTERM" wait "$RU_PID"
check "and prints its counters at exit" \
	bash -c "tail -n 1 '$NTM_LOGDIR/monitor.log' | jq -e '.paths | length == 2' >/dev/null"

summary
