#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RS-S: two NTM nodes behind different NATs talk through nf_ntm, which
# rewrites the outer headers between the two tunnels and leaves the payload
# alone (the peers' AEAD would reject any change). Both directions, endpoints
# learned only from authenticated packets, and roaming: NAT_MN's mapping
# changes mid-stream and traffic follows after one packet.
#
#   MN (leg A, VIP 100.64.0.1) -- NAT_MN ==public== RS == NAT_CN -- CN (leg B, VIP 100.64.0.2)

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/relay.sh
source "$here/../../lib/relay.sh"
checktool ntmctl ntm-peer jq nft conntrack ping

ID=100
topo_up
relay_up
monitor_start
n "$RS" ntmctl path add $ID type s path-key "$PATH_KEY" a-vip 100.64.0.1 \
	b-vip 100.64.0.2 refresh 60

# One keepalive at start (SEC large): exact counters below.
peer_up "$MN" a $ID 100.64.0.1 --peer-vip 100.64.0.2 --keepalive 3600
peer_up "$CN" b $ID 100.64.0.2 --peer-vip 100.64.0.1 --keepalive 3600

check "RS learned leg A's endpoint from its keepalive" wait_for 30 leg_learned $ID a
check "RS learned leg B's endpoint from its keepalive" wait_for 30 leg_learned $ID b
ep_a=$(path_get $ID .leg_a.endpoint)
ep_b=$(path_get $ID .leg_b.endpoint)
check "leg A endpoint is NAT_MN's public address ($ep_a)" [ "${ep_a%:*}" = "$NAT_MN_IP" ]
check "leg B endpoint is NAT_CN's public address ($ep_b)" [ "${ep_b%:*}" = "$NAT_CN_IP" ]

check "MN -> CN over RS-S (ping 100.64.0.2)" n "$MN" ping -c 5 -i 0.2 -W 2 100.64.0.2
check "CN -> MN over RS-S (ping 100.64.0.1)" n "$CN" ping -c 5 -i 0.2 -W 2 100.64.0.1

# Leg A sent 1 keepalive + 5 requests + 5 replies; every data packet went
# out on the other leg, keepalives were consumed.
rx_a=$(path_get $ID .leg_a.stats.rx_packets)
tx_b=$(path_get $ID .leg_b.stats.tx_packets)
rx_b=$(path_get $ID .leg_b.stats.rx_packets)
tx_a=$(path_get $ID .leg_a.stats.tx_packets)
check "leg A rx = 11 (1 keepalive, 10 data), got $rx_a" [ "$rx_a" -eq 11 ]
check "leg B tx = 10 (keepalive not forwarded), got $tx_b" [ "$tx_b" -eq 10 ]
check "leg B rx = 11, got $rx_b" [ "$rx_b" -eq 11 ]
check "leg A tx = 10, got $tx_a" [ "$tx_a" -eq 10 ]
check "no drops on leg A" [ "$(path_get $ID '.leg_a.stats | .drop_auth + .drop_replay + .drop_malformed + .drop_noroute')" -eq 0 ]

# The relayed flow is only outer UDP for conntrack: no inner entry on the RS.
check "RS conntrack has no inner (VIP) flow for RS-S" \
	bash -c "! ip netns exec $RS conntrack -L 2>/dev/null | grep -q 100.64.0."

# Roaming: NAT_MN now maps every new flow to a random port, and its old
# mapping is gone. MN's next packet arrives from a new endpoint.
topo_nat_masq "$NAT_MN" fully-random
topo_nat_flush "$NAT_MN"
check "MN -> CN after NAT_MN's mapping changed (ping, no loss)" \
	n "$MN" ping -c 3 -i 0.2 -W 2 100.64.0.2
ep_a2=$(path_get $ID .leg_a.endpoint)
check "leg A endpoint moved ($ep_a -> $ep_a2)" [ "$ep_a2" != "$ep_a" ]
check "CN -> MN follows the new endpoint" n "$CN" ping -c 3 -i 0.2 -W 2 100.64.0.1
check "monitor saw leg A's endpoint change" wait_for 15 \
	grep -q "\"endpoint\".*$ep_a2" "$NTM_LOGDIR/monitor.log"

summary
