#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RS-N: an NTM node behind a NAT talks to an unmodified host (GH) on the
# public segment. nf_ntm decrypts and hands the inner packet to the stack on
# ntm0; the kernel's own NAT (nft/ntmobile.nft) translates VIP_MN -> RS and
# VIP_H -> GH. GH sees the RS. Replies come back through conntrack to ntm0,
# are encrypted and sent to MN's endpoint.
#
#   MN (VIP 100.64.0.1, uses 100.65.0.30 for GH) -- NAT_MN == RS == GH (198.51.100.30)

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/relay.sh
source "$here/../../lib/relay.sh"
checktool ntmctl ntm-peer jq nft conntrack ping curl iperf3 python3 sha256sum

ID=300
VIP_MN=100.64.0.1
VIP_GH=100.65.0.30
topo_up
topo_add_public_host GH 198.51.100.30
relay_up
n "$RS" nft add element inet ntmobile rsn_hosts "{ $VIP_GH : $GH_IP }"
n "$RS" nft add element inet ntmobile rsn_vips "{ 100.64.0.0/16 }"
n "$RS" ip route add 100.64.0.0/16 dev ntm0
n "$RS" ntmctl path add $ID type n path-key "$PATH_KEY" a-vip $VIP_MN b-vip $VIP_GH

# The general host: a web server and an iperf3 server, nothing NTMobile.
www=$NTM_LOGDIR/www
mkdir -p "$www"
head -c 2000000 /dev/urandom >"$www/blob"
web_serve "$GH" "$GH_IP" 8080 "$www" "$NTM_LOGDIR/http.log"
n_bg "$GH" iperf3 -s -B "$GH_IP" >/dev/null 2>&1
wait_for 60 listening "$GH" tcp 5201 || die "nothing listens on tcp 5201 in $GH"

peer_up "$MN" a $ID $VIP_MN --peer-vip $VIP_GH --keepalive 3600
check "RS learned leg A's endpoint" wait_for 30 leg_learned $ID a

check "MN -> GH ping through RS-N" n "$MN" ping -c 5 -i 0.2 -W 2 $VIP_GH

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
	[ "$(drops drop_auth)" -eq $((auth0 + 3)) ]
check "the path still works after the forged packets" \
	n "$MN" ping -c 2 -i 0.2 -W 2 $VIP_GH

# RFC 6040 at the decapsulation: MN's own nft marks CE on every tunnel
# packet it sends (congestion on the way to the RS). An ECN-capable inner
# packet (ping -Q 2: ECT(0)) reaches GH with CE; one that is not is dropped.
mal0=$(drops drop_malformed)
n "$GH" nft -f - <<EOF2
table ip ecntest {
	counter ce_seen {}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		icmp type echo-request ip ecn ce counter name ce_seen
	}
}
EOF2
n "$MN" nft -f - <<EOF2
table ip ecntest {
	chain out {
		type filter hook output priority mangle; policy accept;
		ip daddr $RS_IP udp dport $RS_PORT ip ecn set ce
	}
}
EOF2
ce_at_gh() { ip netns exec "$GH" nft -j list counter ip ecntest ce_seen | jq '.nftables[] | select(.counter) | .counter.packets'; }
check "outer CE, inner ECT(0): the ping gets through" n "$MN" ping -Q 2 -c 3 -i 0.2 -W 2 $VIP_GH
check "... and GH sees the 3 requests marked CE" [ "$(ce_at_gh)" -eq 3 ]
check "outer CE, inner not ECN-capable: no reply" bash -c "! ip netns exec $MN ping -c 3 -i 0.2 -W 1 $VIP_GH"
check "... the RS dropped the 3 requests (drop_malformed +3)" \
	[ "$(drops drop_malformed)" -eq $((mal0 + 3)) ]
check "... none of them reached GH" [ "$(ce_at_gh)" -eq 3 ]
n "$MN" nft delete table ip ecntest
check "without the CE marks the path carries traffic again" n "$MN" ping -c 2 -i 0.2 -W 2 $VIP_GH

mal0=$(drops drop_malformed)
# Authentic, but the inner source is not leg A's VIP: spoofing. Last, since
# these authentic counters move leg A's replay window past the peer's.
n "$MN" ntm-peer send --path-id $ID --path-key "$PATH_KEY" --leg a \
	--remote "$RS_IP:$RS_PORT" --counter-start 200000000 --count 2 \
	--vip 100.64.0.99 --peer-vip $VIP_GH
check "RS-N drops 2 inner packets with a spoofed source VIP" \
	[ "$(drops drop_malformed)" -eq $((mal0 + 2)) ]

summary
