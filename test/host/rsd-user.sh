#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ntm-rsd on the user-space datapath, natively on the host (no module): the
# same flow as test/vm/tests/rsd-kernel.sh. ntm-dc-stub sends the Relay
# Directions, the daemon installs the paths in its own datapath
# (daemon/ntm-rsd/dp_user.c, a TUN named ntm0) and the ntmobile nft table,
# ntm-peer nodes pass their Tunnel Requests and relay RS-S, RS-N and RS-T
# traffic. The user datapath dies with the daemon: a restart installs all
# paths again from the store (learned endpoints included), and RS-S, RS-N and
# RS-T traffic of the same nodes flows again without the DC directing
# anything (leg B's counter of a new RS-N/RS-T path starts at the clock). The
# RS-N and RS-T flows carry their PathID as ct mark (the ntmobile table's
# path_vips map stamps what a TUN cannot), so ntmctl flows and conntrack -m
# find them and a teardown flushes them. A crash at each crash point is
# completed by the restart and the DC's retransmission.
#
#   MN: ntmp0 100.64.0.1 (RS-S A), ntmp1 100.64.0.11 (RS-N A), ntmp2 203.0.113.5 (RS-T A)
#   CN: ntmp0 100.64.0.2 (RS-S B)          RS: ntm-rsd     DC: ntm-dc-stub     GH: host

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/rsd.sh
source "$here/../lib/rsd.sh"
checktool ntm-rsd ntm-dc-stub ntmctl ntm-peer jq nft conntrack ping curl python3 sqlite3
[[ -c /dev/net/tun ]] || { echo "SKIP: ${0##*/}: no /dev/net/tun"; exit "$KSFT_SKIP"; }
ulimit -c 0

rsd_topo_up

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

# The flows of RS-N and RS-T carry their PathID as ct mark, as with nf_ntm.
check "nft maps the RS-N VIP pair to its PathID" \
	bash -c "ip netns exec $RS nft list map inet ntmobile path_vips | grep -q '$VIP_MN . $VIP_GH : 0x0*$(printf %x $N)'"
check "ntmctl flows $N shows the RS-N flows" \
	bash -c "ip netns exec $RS ntmctl flows $N | grep -q '$VIP_MN'"
check "conntrack -m $N has the RS-N ping" \
	bash -c "ip netns exec $RS conntrack -L -m $N 2>/dev/null | grep -q 'src=$VIP_MN dst=$VIP_GH'"
check "conntrack -m $T has the RS-T ping" \
	bash -c "ip netns exec $RS conntrack -L -m $T 2>/dev/null | grep -q 'src=$T_ADDR dst=$GH_IP'"
check "... and only under its own PathID" \
	bash -c "! ip netns exec $RS conntrack -L -m $N 2>/dev/null | grep -q 'src=$T_ADDR '"
check "the per-path nft counters of RS-N count" \
	[ "$(n "$RS" ntmctl -j nft show | jq "[.[] | select(.id == $N)] | .[0].packets")" != 0 ]

# The user datapath lives in the daemon: a restart is a datapath that lost
# every path. All three are installed again from the store.
ep_s=$(sqlite3 "$RSD_DB" "SELECT b_learned FROM path WHERE id = $S")
ep_n=$(sqlite3 "$RSD_DB" "SELECT a_learned FROM path WHERE id = $N")
rsd_stop
check "SIGTERM: the daemon says the user datapath stopped with it" \
	rsd_logged "stopped: the user datapath stopped relaying"
rsd_start
check "the restarted daemon installed all 3 paths again, nothing else" \
	rsd_logged "reconciled: 0 kept, 3 installed again, 0 repaired, 0 rolled forward, 0 removals finished, 0 failed, 0 expired meanwhile, 0 removed from the datapath and 0 from nft"
check "it logged RS-N" \
	rsd_logged "path $N \(RS-N\): installed again \(the datapath had lost it\); leg B's counter restarts at the clock, leg A's replay window empty, leg A $VIP_MN, leg B $VIP_GH"
check "it logged RS-T" \
	rsd_logged "path $T \(RS-T\): installed again \(the datapath had lost it\); leg B's counter restarts at the clock"
check "the store still holds the three paths, installed, endpoints unchanged" \
	bash -c "[ \"\$(sqlite3 $RSD_DB 'SELECT group_concat(id) FROM path WHERE state = 2')\" = $S,$N,$T ] &&
		 [ \"\$(sqlite3 $RSD_DB 'SELECT b_learned FROM path WHERE id = $S')\" = '$ep_s' ] &&
		 [ \"\$(sqlite3 $RSD_DB 'SELECT a_learned FROM path WHERE id = $N')\" = '$ep_n' ]"
check "nft holds RS-N and RS-T" \
	[ "$(n "$RS" ntmctl -j nft show | jq -c '[.[].id] | sort')" = "[$N,$T]" ]
rsd_check_relaying "the restart" "$peer_n" "$peer_t"

# A teardown removes the path's flows from conntrack, and its map element.
check "Path Teardown of $T" dc -q teardown $T
check "... its flows are gone from conntrack" \
	bash -c "! ip netns exec $RS conntrack -L -m $T 2>/dev/null | grep -q 'src=$T_ADDR'"
check "... and its VIP pair from path_vips" \
	bash -c "! ip netns exec $RS nft list map inet ntmobile path_vips | grep -q '$T_ADDR'"
check "... the RS-N flows stay" \
	bash -c "ip netns exec $RS conntrack -L -m $N 2>/dev/null | grep -q 'src=$VIP_MN dst=$VIP_GH'"
check "Path Teardown of $N" dc -q teardown $N
check "... its flows are gone from conntrack" \
	bash -c "! ip netns exec $RS conntrack -L -m $N 2>/dev/null | grep -q 'src=$VIP_MN'"
check "... and ntmctl flows $N shows none" \
	bash -c "! ip netns exec $RS ntmctl flows $N 2>/dev/null | grep -q '$VIP_MN'"
check "path_vips is empty" \
	[ "$(n "$RS" nft -j list map inet ntmobile path_vips | jq '[.nftables[] | select(.map) | .map.elem // [] | length] | add')" -eq 0 ]
out=$(dc teardown $N 2>&1) && rc=0 || rc=$?
echo "$out"
check "a second teardown of $N (new transaction) is answered OK (exit $rc)" \
	bash -c "[ $rc -eq 0 ] && grep -q 'path $N: OK' <<<'$out'"
_ntm_kill "$peer_n"
_ntm_kill "$peer_t"

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
