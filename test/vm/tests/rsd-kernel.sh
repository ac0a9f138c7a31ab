#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ntm-rsd on the kernel datapath, end to end, nothing faked: a DC stand-in
# (ntm-dc-stub) sends Relay Directions to the daemon's control port, the
# daemon installs the paths in nf_ntm and the ntmobile nft table, the nodes
# (ntm-peer) pass their Tunnel Requests and then relay RS-S, RS-N and RS-T
# traffic through it. Then what must survive: the nft round trip through a
# saved ruleset, a daemon restart (paths, learned endpoints and counters
# kept, traffic flowing while the daemon is away), a module reload (all
# paths installed again from the store, learned endpoints included, and
# RS-N/RS-T traffic of the same nodes on the same keys flows again without
# the DC directing anything: nf_ntm starts leg B's counter of the new paths
# at the clock), and a crash at each crash point of a
# path change (NTM_RSD_CRASH_AT): after a restart the path is complete and
# the DC's retransmission gets its OK.
#
#   MN: ntmp0 100.64.0.1  (RS-S leg A)  -- NAT_MN ==+== RS (ntm-rsd, nf_ntm) == NAT_CN -- CN: ntmp0 100.64.0.2 (RS-S leg B)
#       ntmp1 100.64.0.11 (RS-N leg A)              |
#       ntmp2 203.0.113.5 (RS-T leg A)              +== DC (ntm-dc-stub) 198.51.100.20
#                                                   +== GH (general host) 198.51.100.30

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/rsd.sh
source "$here/../../lib/rsd.sh"
checktool ntm-rsd ntm-dc-stub ntmctl ntm-peer jq nft conntrack ping curl python3 sqlite3
ulimit -c 0		# the crash points abort(): no core files
# The nodes' TUNs: Debian builds tun as a module, and /dev/net/tun exists
# only once it is loaded.
[[ -c /dev/net/tun ]] || modprobe tun || die "no /dev/net/tun"

rsd_topo_up

# ---- start-up ---------------------------------------------------------------
rsd_conf auto
rsd_start
check "auto chose the kernel datapath (nf_ntm resolves)" rsd_logged "kernel datapath"
check "the tunnel is on UDP $RS_PORT" [ "$(tunnel_get .port)" -eq "$RS_PORT" ]
check "ntm0 is up" n "$RS" ip link show ntm0 up
check "the configured routes point at ntm0" \
	bash -c "ip -n $RS route show $VIP_NET | grep -q 'dev ntm0' && ip -n $RS route show $RST_POOL | grep -q 'dev ntm0'"
check "table inet ntmobile exists" n "$RS" nft list table inet ntmobile
check "the store is mode 0600" [ "$(stat -c %a "$RSD_DB")" = 600 ]

# ---- Relay Directions -------------------------------------------------------
out=$(dc relay $S type s path-key "$PATH_KEY" a-vip $VIP_A b-vip $VIP_B refresh 120)
echo "$out"
check "Relay Direction RS-S answered OK with the RS's endpoints" \
	[ "$out" = "path $S: OK, tunnel endpoint $RS_IP:$RS_PORT, control endpoint $RS_IP:$RSD_CTL_PORT" ]
check "RS-N Relay Direction OK" \
	dc -q relay $N type n path-key "$PATH_KEY" a-vip $VIP_MN b-vip $VIP_GH host "$GH_IP"
check "RS-T Relay Direction OK" \
	dc -q relay $T type t path-key "$PATH_KEY" a-vip $T_ADDR b-vip "$GH_IP"
list=$(n "$RS" ntmctl -j path list)
check "ntmctl -j path list shows the three paths by type" \
	[ "$(jq -c '[.[] | [.id, .type]]' <<<"$list")" = "[[$S,\"RS-S\"],[$N,\"RS-N\"],[$T,\"RS-T\"]]" ]
check "the daemon logged it in the project's words" \
	rsd_logged "path $N \(RS-N\): installed, leg A $VIP_MN, leg B $VIP_GH, host $GH_IP"
check "nft has the RS-N host mapping" \
	bash -c "ip netns exec $RS nft list map inet ntmobile rsn_hosts | grep -q '$VIP_GH : $GH_IP'"
check "nft has the RS-T address" \
	bash -c "ip netns exec $RS nft list set inet ntmobile rst_addrs | grep -q '$T_ADDR'"
check "the store holds them installed" [ "$(store_state $N)" = installed ]

# The DC's retransmission (same transaction id): same answer, nothing changes.
dc -q --txn 0x1234 relay 101 type s path-key "$PATH_KEY" a-vip 100.64.9.1 b-vip 100.64.9.2
check "a retransmitted Relay Direction is answered OK again" \
	dc -q --txn 0x1234 relay 101 type s path-key "$PATH_KEY" a-vip 100.64.9.1 b-vip 100.64.9.2 refresh 250
check "... and changed nothing (refresh still 300)" [ "$(path_get 101 .refresh)" -eq 300 ]
check "... as the log says" rsd_logged "is a retransmission"
check "an update (new transaction, new refresh) is applied" \
	dc -q relay 101 type s path-key "$PATH_KEY" a-vip 100.64.9.1 b-vip 100.64.9.2 refresh 250
check "... the kernel has refresh 250" [ "$(path_get 101 .refresh)" -eq 250 ]
out=$(dc relay 101 type n path-key "$PATH_KEY" a-vip 100.64.9.1 b-vip 100.64.9.2 host "$GH_IP" || true)
check "a type change is refused: $out" grep -q "path 101: CONFLICT" <<<"$out"
check "Path Teardown of 101 answered OK" dc -q teardown 101
check "101 is gone from the kernel" bash -c "! ip netns exec $RS ntmctl path show 101 2>/dev/null"
out=$(dc teardown 101 2>&1) && rc=0 || rc=$?
echo "$out"
check "a second teardown (new transaction) is answered OK: removal is idempotent (exit $rc)" \
	bash -c "[ $rc -eq 0 ] && grep -q 'path 101: OK' <<<'$out'"
check "... as the log says" rsd_logged "path 101: Path Teardown for a path the RS does not have: answered OK"
out=$(dc --key "$PATH_KEY" --timeout 2500 relay 102 type s path-key "$PATH_KEY" \
	a-vip 100.64.9.1 b-vip 100.64.9.2 2>&1 || true)
check "a Relay Direction under the wrong key is never answered" grep -q "no answer" <<<"$out"

# ---- the nodes: Tunnel Requests, then traffic ----------------------------------
rsd_peer "$MN" a $S ntmp0 $VIP_A --peer-vip $VIP_B --keepalive 3600
rsd_peer "$CN" b $S ntmp0 $VIP_B --peer-vip $VIP_A --keepalive 3600
rsd_peer "$MN" a $N ntmp1 $VIP_MN --peer-vip $VIP_GH --keepalive 3600
peer_n=$PEER_PID
rsd_peer "$MN" a $T ntmp2 $T_ADDR --peer-vip "$GH_IP" --keepalive 3600
peer_t=$PEER_PID
check "the daemon answered the Tunnel Requests" rsd_logged "path $S \(RS-S\): Tunnel Request from leg B"
check "ntm-peer logged the observed endpoint" \
	grep -q "accepted by $RS_IP:$RSD_CTL_PORT, path $S leg A, observed $NAT_MN_IP:" \
	"$NTM_LOGDIR/peer-$MN-ntmp0.log"
out=$(n "$MN" ntm-peer run --path-id $S --path-key "$PATH_KEY" --leg a \
	--tunnel-request "$RS_IP:$RSD_CTL_PORT" --vip 100.64.0.99 2>&1) && rc=0 || rc=$?
check "a Tunnel Request with the wrong VIP is refused (exit $rc)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'refused by $RS_IP:$RSD_CTL_PORT: REFUSED' <<<'$out'"

check "RS-S: MN -> CN" n "$MN" ping -c 3 -i 0.2 -W 2 $VIP_B
check "RS-S: CN -> MN" n "$CN" ping -c 3 -i 0.2 -W 2 $VIP_A
check "RS-N: MN -> GH" n "$MN" ping -c 3 -i 0.2 -W 2 $VIP_GH
got=$(n "$MN" curl -sS --max-time 60 "http://$VIP_GH:8080/blob" | sha256sum)
check "RS-N: HTTP download intact" [ "$got" = "$(sha256sum <"$www/blob")" ]
check "RS-T: MN ($T_ADDR) -> GH" n "$MN" ping -c 3 -i 0.2 -W 2 "$GH_IP"
check "the daemon logged the learned endpoints" rsd_logged "path $S \(RS-S\): leg B endpoint $NAT_CN_IP:[0-9]+ learned"
flows=$(n "$RS" ntmctl flows $N 2>&1 || true)
echo "$flows"
check "ntmctl flows $N shows the RS-N flows" grep -q "$VIP_MN" <<<"$flows"
check "conntrack -m $N has them too" \
	bash -c "ip netns exec $RS conntrack -L -m $N 2>/dev/null | grep -q 'src=$VIP_MN dst=$VIP_GH'"

# ---- nft round trip: a saved ruleset restores a working relay ------------------
n "$RS" nft list ruleset >"$NTM_LOGDIR/ruleset.nft"
n "$RS" nft flush ruleset
check "the RS-N relay needs nft (down after flush)" \
	bash -c "! ip netns exec $MN ping -c 1 -W 1 $VIP_GH >/dev/null"
check "nft -f of the saved ruleset" n "$RS" nft -f "$NTM_LOGDIR/ruleset.nft"
check "RS-N works after the round trip" n "$MN" ping -c 3 -i 0.2 -W 2 $VIP_GH
check "RS-T works after the round trip" n "$MN" ping -c 3 -i 0.2 -W 2 "$GH_IP"
check "the path records came back with it" \
	[ "$(n "$RS" ntmctl -j nft show | jq -c '[.[].id] | sort')" = "[$N,$T]" ]

# ---- a plain daemon restart keeps everything ------------------------------------
before=$(n "$RS" ntmctl -j path list)
rx_before=$(jq ".[] | select(.id == $S) | .leg_a.stats.rx_packets" <<<"$before")
rsd_stop
check "on SIGTERM the daemon leaves the paths installed" rsd_logged "stopped: 3 paths stay installed in the kernel datapath"
check "with the daemon stopped, the kernel still relays RS-S" n "$MN" ping -c 2 -i 0.2 -W 2 $VIP_B
check "... and RS-N" n "$MN" ping -c 2 -i 0.2 -W 2 $VIP_GH
rsd_start
check "the restarted daemon kept all 3 paths as they were" rsd_logged "reconciled: 3 kept, 0 installed again"
after=$(n "$RS" ntmctl -j path list)
check "the learned endpoints are the same" \
	[ "$(jq -c '[.[] | [.id, .leg_a.endpoint, .leg_b.endpoint]]' <<<"$before")" = \
	  "$(jq -c '[.[] | [.id, .leg_a.endpoint, .leg_b.endpoint]]' <<<"$after")" ]
check "the counters were not reset" \
	[ "$(jq ".[] | select(.id == $S) | .leg_a.stats.rx_packets" <<<"$after")" -ge "$rx_before" ]
check "RS-S after the restart" n "$CN" ping -c 2 -i 0.2 -W 2 $VIP_A

# ---- module reload: the daemon installs the paths again --------------------------
ep_b=$(path_get $S .leg_b.endpoint)
ep_n=$(path_get $N .leg_a.endpoint)
ep_t=$(path_get $T .leg_a.endpoint)
rsd_stop
pp rmmod nf_ntm
pp insmod "$NTM_MODULE"
check "after the reload the kernel has no tunnel" bash -c "! ip netns exec $RS ntmctl tunnel show 2>/dev/null"
rsd_start
# All three come back from the store: RS-N and RS-T too, since nf_ntm
# starts leg B's counter of a new RS-N/RS-T path at the clock
# (daemon/ntm-rsd/reconcile.c).
check "the daemon installed all 3 paths again, nothing else" \
	rsd_logged "reconciled: 0 kept, 3 installed again, 0 repaired, 0 rolled forward, 0 removals finished, 0 failed, 0 expired meanwhile, 0 removed from the datapath and 0 from nft"
check "it logged RS-N" \
	rsd_logged "path $N \(RS-N\): installed again \(the datapath had lost it\); leg B's counter restarts at the clock, leg A's replay window empty, leg A $VIP_MN, leg B $VIP_GH"
check "it logged RS-T" \
	rsd_logged "path $T \(RS-T\): installed again \(the datapath had lost it\); leg B's counter restarts at the clock"
check "it logged RS-S" rsd_logged "path $S \(RS-S\): installed again \(the datapath had lost it\), "
check "the tunnel is back on $RS_PORT" [ "$(tunnel_get .port)" -eq "$RS_PORT" ]
check "the routes to ntm0 are back" bash -c "ip -n $RS route show $VIP_NET | grep -q 'dev ntm0'"
check "the kernel holds the 3 paths by type" \
	[ "$(n "$RS" ntmctl -j path list | jq -c '[.[] | [.id, .type]]')" = "[[$S,\"RS-S\"],[$N,\"RS-N\"],[$T,\"RS-T\"]]" ]
check "nft holds RS-N and RS-T" [ "$(n "$RS" ntmctl -j nft show | jq -c '[.[].id] | sort')" = "[$N,$T]" ]
check "the store holds them installed" \
	[ "$(store_state $S) $(store_state $N) $(store_state $T)" = "installed installed installed" ]
check "RS-S leg B's endpoint was restored from the store ($ep_b)" [ "$(path_get $S .leg_b.endpoint)" = "$ep_b" ]
check "RS-N leg A's endpoint was restored from the store ($ep_n)" [ "$(path_get $N .leg_a.endpoint)" = "$ep_n" ]
check "RS-T leg A's endpoint was restored from the store ($ep_t)" [ "$(path_get $T .leg_a.endpoint)" = "$ep_t" ]
rsd_check_relaying "the reload" "$peer_n" "$peer_t"

# ---- crash points: SIGKILL-like abort in the middle of a Relay Direction --------
i=0
for point in after-store after-datapath after-nft; do
	i=$((i + 1))
	id=$((500 + i))
	rsd_stop
	rsd_start NTM_RSD_CRASH_AT=$point
	dc --txn $((0x5000 + i)) --timeout 120000 relay $id type n path-key "$PATH_KEY" \
		a-vip 100.64.1.$i b-vip 100.65.1.$i host "$GH_IP" \
		>"$NTM_LOGDIR/dc-$id.out" 2>"$NTM_LOGDIR/dc-$id.err" &
	stub=$!
	on_exit _ntm_kill "$stub"
	rsd_wait_exit
	check "$point: the daemon aborted there (status $RSD_STATUS)" [ "$RSD_STATUS" -eq 134 ]
	check "$point: the store says installing" [ "$(store_state $id)" = installing ]
	case $point in
	after-store) check "$point: not in the kernel yet" \
			bash -c "! ip netns exec $RS ntmctl path show $id 2>/dev/null" ;;
	*) check "$point: in the kernel" \
			bash -c "ip netns exec $RS ntmctl path show $id >/dev/null" ;;
	esac
	rsd_start
	check "$point: rolled forward at the start" rsd_logged "path $id \(RS-N\): installed \(rolled forward"
	wait "$stub" && rc=0 || rc=$?
	check "$point: the DC's retransmission got OK ($(cat "$NTM_LOGDIR/dc-$id.out"))" \
		bash -c "[ $rc -eq 0 ] && grep -q 'path $id: OK' $NTM_LOGDIR/dc-$id.out"
	check "$point: installed in store, kernel and nft" \
		bash -c "[ \"\$(sqlite3 $RSD_DB 'SELECT state FROM path WHERE id = $id')\" = 2 ] &&
			 ip netns exec $RS ntmctl path show $id >/dev/null &&
			 ip netns exec $RS nft list map inet ntmobile rsn_hosts | grep -q '100.65.1.$i'"
done

# A teardown interrupted after the datapath: finished at the next start.
rsd_stop
rsd_start NTM_RSD_CRASH_AT=after-datapath
dc --txn 0x6001 --timeout 120000 teardown 501 >"$NTM_LOGDIR/dc-td.out" 2>&1 &
stub=$!
on_exit _ntm_kill "$stub"
rsd_wait_exit
check "teardown after-datapath: the daemon aborted, the store says removing" \
	bash -c "[ $RSD_STATUS -eq 134 ] && [ \"\$(sqlite3 $RSD_DB 'SELECT state FROM path WHERE id = 501')\" = 3 ]"
rsd_start
wait "$stub" || true
check "teardown after-datapath: finished at the start" rsd_logged "path 501 \(RS-N\): removed \(a removal was under way"
check "teardown: gone from store, kernel and nft" \
	bash -c "[ -z \"\$(sqlite3 $RSD_DB 'SELECT state FROM path WHERE id = 501')\" ] &&
		 ! ip netns exec $RS ntmctl path show 501 2>/dev/null &&
		 ! ip netns exec $RS nft list map inet ntmobile rsn_hosts | grep -q '100.65.1.1 '"

# ---- idle expiry, and SIGHUP ---------------------------------------------------
check "RS-N path 600 with refresh 2" \
	dc -q relay 600 type n path-key "$PATH_KEY" a-vip 100.64.2.1 b-vip 100.65.2.1 host "$GH_IP" refresh 2
check "it expires, and the daemon removes it from store and nft" \
	wait_for 30 rsd_logged "path 600 \(RS-N\): expired after 2 s idle, removed"
check "... gone from nft" bash -c "! ip netns exec $RS nft list map inet ntmobile rsn_hosts | grep -q 100.65.2.1"
check "... and from the store" [ -z "$(store_state 600)" ]

# Expired while the daemon was away: removed at the start, not installed again.
check "RS-S path 601 with refresh 2" \
	dc -q relay 601 type s path-key "$PATH_KEY" a-vip 100.64.4.1 b-vip 100.64.4.2 refresh 2
rsd_stop
check "with the daemon stopped, the kernel expires it" \
	wait_for 30 bash -c "! ip netns exec $RS ntmctl path show 601 2>/dev/null"
rsd_start
check "the restarted daemon removes it instead of installing it again" \
	rsd_logged "path 601 \(RS-S\): gone from the datapath while ntm-rsd was not running"
check "... from the store too" [ -z "$(store_state 601)" ]

KEY8=c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf
echo "dc-key 8 $KEY8" >>"$RSD_CONF"
kill -HUP "$RSD_PID"
check "SIGHUP reloads the keys" wait_for 10 rsd_logged "reload: 2 DC keys"
check "a Relay Direction under the new key is accepted" \
	ip netns exec "$DC" ntm-dc-stub -q --rs "$RS_IP:$RSD_CTL_PORT" --key-id 8 --key "$KEY8" \
	relay 700 type s path-key "$PATH_KEY" a-vip 100.64.3.1 b-vip 100.64.3.2

kill -USR1 "$RSD_PID"
check "SIGUSR1 lists the paths in the log" wait_for 10 rsd_logged "path $S \(RS-S\): refresh 120 s"
rsd_stop
check "the last stop left the paths in the kernel" \
	[ "$(n "$RS" ntmctl -j path list | jq length)" -eq "$(sqlite3 "$RSD_DB" 'SELECT count(*) FROM path')" ]

summary
