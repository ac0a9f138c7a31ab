#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RS-N on the user-space datapath: test/vm/tests/rs-n.sh with ntm-relay-user
# in the RS namespace instead of nf_ntm. An NTM node behind a NAT talks to an
# unmodified host (GH) on the public segment. The relay decrypts and writes
# the inner packet to its TUN, ntm0; the kernel's own NAT (nft/ntmobile.nft)
# translates VIP_MN -> RS and VIP_H -> GH. GH sees the RS. Replies come back
# through conntrack to ntm0, are read by the relay, sealed with leg B's
# counter and sent to MN's endpoint. The PathID reaches the ct mark through
# the ntmobile table's path_vips map and pathmark chain (userdp_pathid adds
# the element ntm-rsd would), since a TUN cannot set skb->mark.
#
#   MN (VIP 100.64.0.1, uses 100.65.0.30 for GH) -- NAT_MN == RS == GH (198.51.100.30)

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/userdp.sh
source "$here/../lib/userdp.sh"
checktool ntm-relay-user ntm-peer jq nft conntrack ping curl iperf3 python3 sha256sum ss
[[ -c /dev/net/tun ]] || { echo "SKIP: ${0##*/}: no /dev/net/tun"; exit "$KSFT_SKIP"; }

ID=300
VIP_MN=100.64.0.1
VIP_GH=100.65.0.30
topo_up
topo_add_public_host GH 198.51.100.30
path_add $ID type n path-key "$PATH_KEY" a-vip $VIP_MN b-vip $VIP_GH
relay_up
n "$RS" nft add element inet ntmobile rsn_hosts "{ $VIP_GH : $GH_IP }"
n "$RS" nft add element inet ntmobile rsn_vips "{ 100.64.0.0/16 }"
n "$RS" ip route add 100.64.0.0/16 dev ntm0
userdp_pathid $ID $VIP_MN $VIP_GH

# The general host: a web server and an iperf3 server, nothing NTMobile.
www=$NTM_LOGDIR/www
mkdir -p "$www"
head -c 2000000 /dev/urandom >"$www/blob"
web_serve "$GH" "$GH_IP" 8080 "$www" "$NTM_LOGDIR/http.log"
n_bg "$GH" iperf3 -s -B "$GH_IP" >/dev/null 2>&1
wait_for 60 listening "$GH" tcp 5201 || die "no iperf3 server on GH"

peer_up "$MN" a $ID $VIP_MN --peer-vip $VIP_GH --keepalive 3600
peer_pid=$!
check "RS learned leg A's endpoint" wait_for 10 leg_learned $ID a
check "leg B of an RS-N path has no endpoint (the RS is leg B)" \
	[ "$(path_get $ID .leg_b.endpoint)" = null ]
check "the path shows both VIPs" \
	[ "$(path_get $ID '| .leg_a.vip + " " + .leg_b.vip')" = "$VIP_MN $VIP_GH" ]

check "MN -> GH ping through RS-N" n "$MN" ping -c 5 -i 0.2 -W 2 $VIP_GH

# Exact counters, as nf_ntm keeps them: leg A rx counts UDP payloads (a
# keepalive of 24, 5 requests of 84 + 40), leg B tx the inner packets written
# to ntm0; the 5 replies came in on leg B (84 each) and went out on leg A
# sealed (124 each).
check "leg A rx = 6 packets (1 keepalive, 5 requests)" wait_path $ID .leg_a.stats.rx_packets 6
check "leg A rx bytes = 24 + 5 * 124" wait_path $ID .leg_a.stats.rx_bytes 644
check "leg B tx = 5 inner packets, 420 bytes" \
	wait_path $ID '.leg_b.stats | "\(.tx_packets) \(.tx_bytes)"' "5 420"
check "leg B rx = 5 replies, 420 bytes" \
	wait_path $ID '.leg_b.stats | "\(.rx_packets) \(.rx_bytes)"' "5 420"
check "leg A tx = 5 sealed replies, 620 bytes" \
	wait_path $ID '.leg_a.stats | "\(.tx_packets) \(.tx_bytes)"' "5 620"

# conntrack on the RS shows the translation and the PathID as ct mark.
ct=$(n "$RS" conntrack -L -p icmp -m $ID 2>/dev/null || true)
echo "$ct"
check "conntrack -m $ID finds the flow: src=$VIP_MN dst=$VIP_GH" \
	grep -q "src=$VIP_MN dst=$VIP_GH" <<<"$ct"
check "its reply direction is GH -> RS (both translated)" \
	grep -q "src=$GH_IP dst=$RS_IP" <<<"$ct"

got=$(n "$MN" curl -sS --max-time 60 "http://$VIP_GH:8080/blob" | sha256sum)
check "HTTP download via RS-N is intact (sha256)" [ "$got" = "$(sha256sum <"$www/blob")" ]
check "the host saw the RS, not the node" grep -q "^$RS_IP .*GET /blob" "$NTM_LOGDIR/http.log"
check "iperf3 TCP via RS-N" n "$MN" iperf3 -c $VIP_GH -t 2 -l 1200
check "conntrack -m $ID lists the TCP flows" \
	bash -c "ip netns exec $RS conntrack -L -p tcp -m $ID 2>/dev/null | grep -q 'dport=8080'"

drops() { path_get $ID ".leg_a.stats.$1"; }
auth0=$(drops drop_auth)
# Right relay tag, wrong AEAD tag: an RS-S would relay it, an RS-N decrypts.
n "$MN" ntm-peer send --path-id $ID --path-key "$PATH_KEY" --leg a \
	--remote "$RS_IP:$RS_PORT" --counter-start 100000000 --count 3 --forge-aead \
	--vip $VIP_MN --peer-vip $VIP_GH
check "RS-N drops 3 packets with a bad AEAD tag (drop_auth +3)" \
	wait_path $ID .leg_a.stats.drop_auth $((auth0 + 3))
mal0=$(drops drop_malformed)
# Authentic, but the inner source is not leg A's VIP: spoofing.
n "$MN" ntm-peer send --path-id $ID --path-key "$PATH_KEY" --leg a \
	--remote "$RS_IP:$RS_PORT" --counter-start 200000000 --count 2 \
	--vip 100.64.0.99 --peer-vip $VIP_GH
check "RS-N drops 2 inner packets with a spoofed source VIP" \
	wait_path $ID .leg_a.stats.drop_malformed $((mal0 + 2))
# Authentic, but to another destination than leg B's VIP.
n "$MN" ntm-peer send --path-id $ID --path-key "$PATH_KEY" --leg a \
	--remote "$RS_IP:$RS_PORT" --counter-start 200000010 --count 1 \
	--vip $VIP_MN --peer-vip 198.51.100.20
check "RS-N drops an inner packet to another destination" \
	wait_path $ID .leg_a.stats.drop_malformed $((mal0 + 3))
rep0=$(drops drop_replay)
n "$MN" ntm-peer send --path-id $ID --path-key "$PATH_KEY" --leg a \
	--remote "$RS_IP:$RS_PORT" --counter-start 200000000 --count 2 \
	--vip $VIP_MN --peer-vip $VIP_GH
check "RS-N drops 2 replayed counters before decrypting (drop_replay +2)" \
	wait_path $ID .leg_a.stats.drop_replay $((rep0 + 2))
# Only leg A sends to an RS-N: a packet flagged leg B is malformed on leg B.
n "$MN" ntm-peer send --path-id $ID --path-key "$PATH_KEY" --leg b \
	--remote "$RS_IP:$RS_PORT" --counter-start 0 --count 2 >/dev/null
check "RS-N drops 2 packets flagged as sent by leg B (leg B drop_malformed)" \
	wait_path $ID .leg_b.stats.drop_malformed 2
# A packet routed to ntm0 that no path's VIP pair matches.
n "$RS" ping -c 2 -i 0.2 -W 1 100.64.0.77 >/dev/null 2>&1 || true
check "a packet routed to ntm0 with no path is drop_nopath (2)" \
	wait_tunnel .stats.drop_nopath 2
# The authentic hostile packets moved leg A's window past counter 200000000:
# the node's own packets (iperf3 can send 100,000s) are now too old, with nf_ntm
# as here. A node that goes on must count from above it.
old_packets() { [ "$(path_get "$ID" .leg_a.stats.drop_replay)" -gt $((rep0 + 2)) ]; }
n "$MN" ping -c 1 -W 1 $VIP_GH >/dev/null 2>&1 || true
check "the node's old counters are now replays" wait_for 3 old_packets
kill "$peer_pid"
wait "$peer_pid" || true
tun_gone() { ! ip netns exec "$MN" ip link show ntmp0 >/dev/null 2>&1; }
wait_for 5 tun_gone || die "ntm-peer's TUN did not go away"
peer_up "$MN" a $ID $VIP_MN --peer-vip $VIP_GH --keepalive 3600 --counter-start 300000000
check "the path works again for a node counting from 300000000" \
	n "$MN" ping -c 2 -i 0.2 -W 2 $VIP_GH

summary
