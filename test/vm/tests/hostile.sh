#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile input at the RS: forged relay tags, truncated packets, replays,
# unknown PathIDs, control messages on the tunnel port. Each is dropped and
# counted exactly, and none reaches the other leg: a receiver on leg B
# (PEERB, a public host) must see only the authentic packets, and nothing
# after them. The RS is not an open relay.

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/relay.sh
source "$here/../../lib/relay.sh"
# shellcheck source=test/lib/resilience.sh
source "$here/../../lib/resilience.sh"
checktool ntmctl ntm-peer jq

ID=200
topo_up
topo_add_public_host PEERB 198.51.100.20
relay_up
n "$RS" ntmctl path add $ID type s path-key "$PATH_KEY" \
	b-endpoint "$PEERB_IP:9000" refresh 60

# PEERB accepts exactly the 4 authentic packets sent last; anything the RS
# let through from the hostile sends arrives first and fails it.
n_bg "$PEERB" ntm-peer recv --path-id $ID --path-key "$PATH_KEY" --leg b \
	--local "0.0.0.0:9000" --count 4 --timeout 60000 --linger 1000 \
	>"$NTM_LOGDIR/recv.log" 2>&1
recv_pid=$!
wait_for 60 listening "$PEERB" udp 9000 || die "nothing listens on udp 9000 in $PEERB"

send() { # ntm-peer send options...
	n "$MN" ntm-peer send --path-id $ID --path-key "$PATH_KEY" --leg a \
		--remote "$RS_IP:$RS_PORT" "$@" >/dev/null
}
leg_a() { path_get $ID ".leg_a.stats.$1"; }
tun() { tunnel_get ".stats.$1"; }

send --count 1 --counter-start 0
check "one authentic packet teaches the RS leg A's endpoint" leg_learned $ID a

res_case forged-relay-tag "5 Data packets with a flipped bit in the relay tag (nf_ntm, RS-S)"
send --count 5 --counter-start 10 --forge-tag
check "5 forged relay tags: drop_auth = 5" [ "$(leg_a drop_auth)" -eq 5 ]

res_num "drop_auth $(leg_a drop_auth)"
res_case replayed-data "3 replays of counter 0, then counter 100 after 202 (outside the 64-packet window)"
send --count 3 --counter-start 0 --replay
check "3 replays of counter 0: drop_replay = 3" [ "$(leg_a drop_replay)" -eq 3 ]

send --count 3 --counter-start 200
send --count 1 --counter-start 100
check "counter 100 is too old after 202 (window 64): drop_replay = 4" \
	[ "$(leg_a drop_replay)" -eq 4 ]

res_num "drop_replay $(leg_a drop_replay)"
res_case truncated-data "4 packets truncated to 20 and 30 bytes"
send --count 2 --counter-start 300 --truncate 20
send --count 2 --counter-start 310 --truncate 30
check "4 truncated packets dropped as malformed before any lookup" \
	[ "$(tun drop_malformed)" -eq 4 ]

res_num "drop_malformed $(tun drop_malformed)"
res_case unknown-pathid "3 authentic-looking packets for a PathID the RS does not have"
send --count 3 --counter-start 400 --bad-path-id
check "3 packets for an unknown PathID: drop_nopath = 3" [ "$(tun drop_nopath)" -eq 3 ]

res_num "drop_nopath $(tun drop_nopath)"
res_case control-on-tunnel-port "2 packets whose type byte makes them control messages, on the tunnel port"
send --count 2 --counter-start 500 --xor 1:0x85
check "2 control messages on the tunnel port: rx_control = 2" [ "$(tun rx_control)" -eq 2 ]

send --count 2 --counter-start 600 --keepalive
check "keepalives accepted (leg A rx: 1 + 3 + 2 = 6 so far)" [ "$(leg_a rx_packets)" -eq 6 ]
check "nothing hostile was forwarded: leg B tx = 4 (1 + 3 authentic data)" \
	[ "$(path_get $ID .leg_b.stats.tx_packets)" -eq 4 ]

res_num "rx_control $(tun rx_control)"
res_case not-an-open-relay "all of the above, then what the receiver on leg B got"
check "PEERB received exactly the 4 authentic packets, nothing else" wait "$recv_pid"
cat "$NTM_LOGDIR/recv.log"
res_num "leg B tx $(path_get $ID .leg_b.stats.tx_packets): the 4 authentic packets only"
res_case forged-roaming "2 packets with forged tags from a new source port (a roaming attempt)"

# A forged tag must not move the endpoint: send from another source port.
ep=$(path_get $ID .leg_a.endpoint)
n "$MN" ntm-peer send --path-id $ID --path-key "$PATH_KEY" --leg a \
	--remote "$RS_IP:$RS_PORT" --local "0.0.0.0:40001" --count 2 \
	--counter-start 700 --forge-tag >/dev/null
check "a forged packet from a new source does not move leg A ($ep)" \
	[ "$(path_get $ID .leg_a.endpoint)" = "$ep" ]
res_end

summary
