#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RS-T: the node's VIP on this path is one of the RS's real addresses
# (203.0.113.5 from the RS-T pool 203.0.113.0/28, routed to the RS). nf_ntm
# decrypts and forwards without translation, even though the RS also carries
# a gateway's own masquerade rule: the ntmobile table's identity binding at
# srcnat - 10 keeps it away. The host sees the address the node used.

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/relay.sh
source "$here/../../lib/relay.sh"
checktool ntmctl ntm-peer jq nft conntrack ping curl python3

ID=400
POOL=203.0.113.0/28
T_ADDR=203.0.113.5
topo_up
topo_add_public_host GH 198.51.100.30
relay_up
# An admin's gateway ruleset on the RS: masquerade everything leaving eth0.
n "$RS" nft -f - <<EOF2
table ip gateway {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "eth0" masquerade
	}
}
EOF2
n "$RS" nft add element inet ntmobile rst_addrs "{ $POOL }"
n "$RS" ip route add $POOL dev ntm0
n "$GH" ip route add $POOL via "$RS_IP"
n "$RS" ntmctl path add $ID type t path-key "$PATH_KEY" a-vip $T_ADDR b-vip "$GH_IP"

www=$NTM_LOGDIR/www
mkdir -p "$www"
echo "INVITE sip:gh@$GH_IP SIP/2.0 (an address in the payload)" >"$www/sdp"
web_serve "$GH" "$GH_IP" 8080 "$www" "$NTM_LOGDIR/http.log"

peer_up "$MN" a $ID $T_ADDR --peer-vip "$GH_IP" --keepalive 3600
check "RS learned leg A's endpoint" wait_for 30 leg_learned $ID a

check "MN ($T_ADDR) -> GH ping through RS-T" n "$MN" ping -c 5 -i 0.2 -W 2 "$GH_IP"
check "HTTP from the RS-T address" \
	n "$MN" curl -sS --max-time 30 -o /dev/null "http://$GH_IP:8080/sdp"
check "the host saw the node's RS-T address, untranslated" \
	grep -q "^$T_ADDR .*GET /sdp" "$NTM_LOGDIR/http.log"

ct=$(n "$RS" conntrack -L -p tcp -m $ID 2>/dev/null || true)
echo "$ct"
check "conntrack -m $ID: reply goes to $T_ADDR (no translation)" \
	grep -q "src=$GH_IP dst=$T_ADDR" <<<"$ct"
check "the gateway's masquerade did not touch it" \
	bash -c "! grep -q 'dst=$RS_IP' <<<'$ct'"

summary
