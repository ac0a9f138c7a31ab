#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ntm-rsd on the user-space datapath, natively on the host (no module): the
# same flow as test/vm/tests/rsd-kernel.sh. ntm-dc-stub sends the Relay
# Directions, the daemon installs the paths in its own datapath
# (daemon/ntm-rsd/dp_user.c, a TUN named ntm0) and the ntmobile nft table,
# ntm-peer nodes pass their Tunnel Requests and relay RS-S, RS-N and RS-T
# traffic. The user datapath dies with the daemon: a restart installs the
# RS-S paths again from the store (learned endpoints included) and drops the
# RS-N and RS-T ones (their counter died with the datapath; the DC directs
# new ones), and a crash at each crash point is completed by the restart and
# the DC's retransmission.
#
#   MN: ntmp0 100.64.0.1 (RS-S A), ntmp1 100.64.0.11 (RS-N A), ntmp2 203.0.113.5 (RS-T A)
#   CN: ntmp0 100.64.0.2 (RS-S B)          RS: ntm-rsd     DC: ntm-dc-stub     GH: host

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/rsd.sh
source "$here/../lib/rsd.sh"
checktool ntm-rsd ntm-dc-stub ntm-peer jq nft ping curl python3 sqlite3
[[ -c /dev/net/tun ]] || { echo "SKIP: ${0##*/}: no /dev/net/tun"; exit "$KSFT_SKIP"; }
ulimit -c 0

S=100 N=300 T=400
VIP_A=100.64.0.1 VIP_B=100.64.0.2 VIP_MN=100.64.0.11 VIP_GH=100.65.0.30 T_ADDR=203.0.113.5

rsd_topo_up
n "$GH" ip route add "$RST_POOL" via "$RS_IP"
www=$NTM_LOGDIR/www
mkdir -p "$www"
head -c 300000 /dev/urandom >"$www/blob"
n_bg "$GH" python3 -m http.server --bind "$GH_IP" --directory "$www" 8080 \
	>"$NTM_LOGDIR/http.log" 2>&1
listening() { ip netns exec "$GH" ss -ltn "sport = :$1" | grep -q LISTEN; }
wait_for 20 listening 8080 || die "no web server on GH"

rsd_conf user
rsd_start
check "the daemon runs the user datapath" rsd_logged "ready: .* user datapath"
check "its TUN ntm0 is up" n "$RS" ip link show ntm0 up
check "the configured routes point at ntm0" \
	bash -c "ip -n $RS route show $VIP_NET | grep -q 'dev ntm0'"
check "it listens on the tunnel port" \
	bash -c "ip netns exec $RS ss -lun 'sport = :$RS_PORT' | grep -q ':$RS_PORT'"

out=$(dc relay $S type s path-key "$PATH_KEY" a-vip $VIP_A b-vip $VIP_B refresh 120)
check "RS-S Relay Direction: $out" \
	[ "$out" = "path $S: OK, tunnel endpoint $RS_IP:$RS_PORT, control endpoint $RS_IP:$RSD_CTL_PORT" ]
check "RS-N Relay Direction OK" \
	dc -q relay $N type n path-key "$PATH_KEY" a-vip $VIP_MN b-vip $VIP_GH host "$GH_IP"
check "RS-T Relay Direction OK" \
	dc -q relay $T type t path-key "$PATH_KEY" a-vip $T_ADDR b-vip "$GH_IP"
check "retransmission (same transaction) answered again" \
	bash -c "ip netns exec $DC ntm-dc-stub -q --rs $RS_IP:$RSD_CTL_PORT --key-id $DC_KEY_ID --key $DC_KEY --txn 77 relay 101 type s path-key $PATH_KEY a-vip 1.1.1.1 b-vip 1.1.1.2 &&
		 ip netns exec $DC ntm-dc-stub -q --rs $RS_IP:$RSD_CTL_PORT --key-id $DC_KEY_ID --key $DC_KEY --txn 77 relay 101 type s path-key $PATH_KEY a-vip 1.1.1.1 b-vip 1.1.1.2"
check "... once installed" [ "$(grep -c 'path 101 (RS-S): installed' "$RSD_LOG")" -eq 1 ]
check "teardown of 101" dc -q teardown 101
check "the store holds the three paths, installed" \
	[ "$(sqlite3 "$RSD_DB" 'SELECT group_concat(id) FROM path WHERE state = 2')" = "$S,$N,$T" ]
check "nft holds RS-N and RS-T" \
	[ "$(n "$RS" ntmctl -j nft show | jq -c '[.[].id] | sort')" = "[$N,$T]" ]

rsd_peer "$MN" a $S ntmp0 $VIP_A --peer-vip $VIP_B --keepalive 3600
rsd_peer "$CN" b $S ntmp0 $VIP_B --peer-vip $VIP_A --keepalive 3600
rsd_peer "$MN" a $N ntmp1 $VIP_MN --peer-vip $VIP_GH --keepalive 3600
peer_n=$PEER_PID
rsd_peer "$MN" a $T ntmp2 $T_ADDR --peer-vip "$GH_IP" --keepalive 3600
peer_t=$PEER_PID
out=$(n "$MN" ntm-peer run --path-id $N --path-key "$PATH_KEY" --leg b \
	--tunnel-request "$RS_IP:$RSD_CTL_PORT" --vip $VIP_GH 2>&1) && rc=0 || rc=$?
check "a Tunnel Request for leg B of RS-N is refused (Error MALFORMED)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'Error MALFORMED' <<<'$out'"

check "RS-S: MN -> CN" n "$MN" ping -c 3 -i 0.2 -W 2 $VIP_B
check "RS-S: CN -> MN" n "$CN" ping -c 3 -i 0.2 -W 2 $VIP_A
check "RS-N: MN -> GH" n "$MN" ping -c 3 -i 0.2 -W 2 $VIP_GH
got=$(n "$MN" curl -sS --max-time 60 "http://$VIP_GH:8080/blob" | sha256sum)
check "RS-N: HTTP download intact" [ "$got" = "$(sha256sum <"$www/blob")" ]
check "the host saw the RS" grep -q "^$RS_IP .*GET /blob" "$NTM_LOGDIR/http.log"
check "RS-T: MN ($T_ADDR) -> GH" n "$MN" ping -c 3 -i 0.2 -W 2 "$GH_IP"
check "learned endpoints went to the store" \
	[ -n "$(sqlite3 "$RSD_DB" "SELECT b_learned FROM path WHERE id = $S")" ]
kill -USR1 "$RSD_PID"
check "SIGUSR1 lists the user datapath's paths" wait_for 10 rsd_logged "path $S \(RS-S\): refresh 120 s.*leg B VIP .* endpoint $NAT_CN_IP:"

# The user datapath lives in the daemon: a restart installs it all again.
rsd_stop
check "SIGTERM: the daemon says the user datapath stopped with it" \
	rsd_logged "stopped: the user datapath stopped relaying"
rsd_start
# RS-S is installed again; RS-N and RS-T are not: the RS seals them with its
# own counter, which the lost datapath took with it (reconcile.c).
check "the restarted daemon installed RS-S again and dropped RS-N, RS-T" \
	rsd_logged "reconciled: 0 kept, 1 installed again, .* 2 lost by the datapath"
check "it said why" rsd_logged "path $N \(RS-N\): the datapath lost it .* would seal from counter 0 again"
check "RS-N and RS-T left the store and nft" \
	bash -c "[ -z \"\$(sqlite3 $RSD_DB 'SELECT id FROM path WHERE id IN ($N, $T)')\" ] &&
		 [ \"\$(ip netns exec $RS ntmctl -j nft show | jq length)\" -eq 0 ]"
check "RS-S after the restart: CN -> MN (endpoints from the store)" n "$CN" ping -c 3 -i 0.2 -W 2 $VIP_A
# The DC directs new RS-N and RS-T paths (new PathIDs, new path key).
_ntm_kill "$peer_n"
_ntm_kill "$peer_t"
N=301 T=401
check "RS-N directed anew" \
	dc -q relay $N type n path-key "$PATH_KEY2" a-vip $VIP_MN b-vip $VIP_GH host "$GH_IP"
check "RS-T directed anew" dc -q relay $T type t path-key "$PATH_KEY2" a-vip $T_ADDR b-vip "$GH_IP"
PEER_KEY=$PATH_KEY2 rsd_peer "$MN" a $N ntmp3 $VIP_MN --peer-vip $VIP_GH --keepalive 3600
PEER_KEY=$PATH_KEY2 rsd_peer "$MN" a $T ntmp4 $T_ADDR --peer-vip "$GH_IP" --keepalive 3600
check "RS-N on the new path" n "$MN" ping -c 3 -i 0.2 -W 2 $VIP_GH
check "RS-T on the new path" n "$MN" ping -c 3 -i 0.2 -W 2 "$GH_IP"

i=0
for point in after-store after-datapath after-nft; do
	i=$((i + 1))
	id=$((500 + i))
	rsd_stop
	rsd_start NTM_RSD_CRASH_AT=$point
	dc --txn $((0x5000 + i)) --timeout 60000 relay $id type n path-key "$PATH_KEY" \
		a-vip 100.64.1.$i b-vip 100.65.1.$i host "$GH_IP" \
		>"$NTM_LOGDIR/dc-$id.out" 2>"$NTM_LOGDIR/dc-$id.err" &
	stub=$!
	on_exit _ntm_kill "$stub"
	rsd_wait_exit
	check "$point: the daemon aborted there, the row says installing" \
		bash -c "[ $RSD_STATUS -eq 134 ] && [ \"\$(sqlite3 $RSD_DB 'SELECT state FROM path WHERE id = $id')\" = 1 ]"
	rsd_start
	check "$point: rolled forward" rsd_logged "path $id \(RS-N\): installed \(rolled forward"
	wait "$stub" && rc=0 || rc=$?
	check "$point: the DC's retransmission got OK" \
		bash -c "[ $rc -eq 0 ] && grep -q 'path $id: OK' $NTM_LOGDIR/dc-$id.out"
	check "$point: in nft" \
		bash -c "ip netns exec $RS nft list map inet ntmobile rsn_hosts | grep -q '100.65.1.$i'"
done
check "RS-S still relays after all those restarts" n "$MN" ping -c 2 -i 0.2 -W 2 $VIP_B

check "RS-S path 600 with refresh 2" \
	dc -q relay 600 type s path-key "$PATH_KEY" a-vip 100.64.2.1 b-vip 100.64.2.2 refresh 2
check "the user datapath expires it and the daemon removes it" \
	wait_for 20 rsd_logged "path 600 \(RS-S\): expired after 2 s idle, removed"
check "... from the store" [ -z "$(store_state 600)" ]
rsd_stop

summary
