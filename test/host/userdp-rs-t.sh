#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RS-T on the user-space datapath: test/vm/tests/rs-t.sh with ntm-relay-user
# in the RS namespace instead of nf_ntm. The node's VIP on this path is one of
# the RS's real addresses (203.0.113.5 from the RS-T pool 203.0.113.0/28,
# routed to the RS). The relay decrypts and the kernel forwards without
# translation, even though the RS also carries a gateway's own masquerade
# rule: the ntmobile table's identity binding at srcnat - 10 keeps it away.
# The host sees the address the node used. Last, idle expiry: a path whose
# refresh time passes is removed and announced, as nf_ntm's expiry work does.

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/userdp.sh
source "$here/../lib/userdp.sh"
checktool ntm-relay-user ntm-peer jq nft conntrack ping curl python3 ss
[[ -c /dev/net/tun ]] || { echo "SKIP: ${0##*/}: no /dev/net/tun"; exit "$KSFT_SKIP"; }

ID=400
IDLE=401
POOL=203.0.113.0/28
T_ADDR=203.0.113.5
topo_up
topo_add_public_host GH 198.51.100.30
path_add $ID type t path-key "$PATH_KEY" a-vip $T_ADDR b-vip "$GH_IP"
path_add $IDLE type s path-key "$PATH_KEY" refresh 2
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
userdp_pathid $ID $T_ADDR "$GH_IP"

www=$NTM_LOGDIR/www
mkdir -p "$www"
echo "INVITE sip:gh@$GH_IP SIP/2.0 (an address in the payload)" >"$www/sdp"
web_serve "$GH" "$GH_IP" 8080 "$www" "$NTM_LOGDIR/http.log"

peer_up "$MN" a $ID $T_ADDR --peer-vip "$GH_IP" --keepalive 3600
check "RS learned leg A's endpoint" wait_for 10 leg_learned $ID a

check "MN ($T_ADDR) -> GH ping through RS-T" n "$MN" ping -c 5 -i 0.2 -W 2 "$GH_IP"
check "5 requests in on leg A, 5 replies out on it" \
	wait_path $ID '| "\(.leg_a.stats.rx_packets) \(.leg_b.stats.tx_packets) \(.leg_b.stats.rx_packets) \(.leg_a.stats.tx_packets)"' "6 5 5 5"
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
check "no drops on path $ID" wait_path $ID \
	'| [.leg_a.stats, .leg_b.stats] | map(.drop_auth + .drop_replay + .drop_malformed + .drop_noroute) | add' 0

# Path IDLE (refresh 2 s) never saw a packet: it expires, path ID stays.
expired() { grep -q "\"event\":\"expired\",\"path\":{\"id\":$IDLE," "$NTM_LOGDIR/monitor.log"; }
check "the idle path expires and is announced" wait_for 10 expired
check "the expiry event carries the path's type and refresh" \
	bash -c "grep '\"event\":\"expired\"' '$NTM_LOGDIR/monitor.log' | jq -e '.path.type == \"RS-S\" and .path.refresh == 2 and .path.idle_ms >= 2000' >/dev/null"
check "it is gone from the table" [ "$(path_get $IDLE .id)" = null ]
check "the busy path is still there (1 path)" wait_tunnel .paths 1

summary
