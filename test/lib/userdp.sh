# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The relay test helpers of relay.sh, for the user-space datapath: instead of
# nf_ntm, ntm-relay-user (lib/ntm_relay_user.c) runs in the RS namespace of
# the same topology, on the same port, with a TUN named ntm0, and the same
# scenarios run natively on the host (no module needed).
#
#   path_add ARGS...          queue "path add ARGS" for relay_up (the user
#                             datapath reads its paths at start)
#   relay_up                  ntm-relay-user in $RS on $RS_PORT with ntm0 up,
#                             nft/ntmobile.nft loaded
#   userdp_pathid ID VA VB    map inner (VA . VB) to PathID ID in the ntmobile
#                             table's path_vips (what ntm-rsd adds for every
#                             RS-N/RS-T path): its chain pathmark marks what
#                             nf_ntm's skb->mark would, so the flows get ct
#                             mark ID
#   path_get ID JQ            a field of path ID, as relay.sh's (ntmctl -j path
#                             show shapes), from a fresh SIGUSR1 snapshot
#   tunnel_get JQ             a field of the tunnel, as relay.sh's
#   wait_path ID JQ VALUE     poll path_get until it prints VALUE: packets
#                             sit in a socket queue until the relay reads them
#   wait_tunnel JQ VALUE      the same for tunnel_get
#   monitor_start             nothing to start: the relay's stdout is the
#                             monitor log ($NTM_LOGDIR/monitor.log)
#
# The binaries come from $NTM_REPO/${B:-build}/bin.

# shellcheck source=test/lib/relay.sh
source "$(dirname "${BASH_SOURCE[0]}")/relay.sh"
export PATH=$NTM_REPO/${B:-build}/bin:$PATH

RU_PATHS=$NTM_LOGDIR/relay-paths
RU_STATS=$NTM_LOGDIR/relay-stats.json
RU_PID=
: >"$RU_PATHS"

path_add() {
	echo "path add $*" >>"$RU_PATHS"
}

_ru_listening() {
	ip netns exec "$RS" ss -lun "sport = :$RS_PORT" | grep -q ":$RS_PORT"
}

relay_up() {
	n_bg "$RS" ntm-relay-user --port "$RS_PORT" --dev ntm0 \
		--path-file "$RU_PATHS" --stats-file "$RU_STATS" \
		>"$NTM_LOGDIR/monitor.log" 2>"$NTM_LOGDIR/relay.log"
	RU_PID=$!
	wait_for 10 _ru_listening ||
		die "ntm-relay-user did not come up: $(cat "$NTM_LOGDIR/relay.log")"
	n "$RS" ip link set ntm0 up || die "ntm0 up"
	n "$RS" nft -f "$NTM_REPO/nft/ntmobile.nft" || die "load nft/ntmobile.nft"
}

userdp_pathid() {
	n "$RS" nft add element inet ntmobile path_vips "{ $2 . $3 : $1 }"
}

# A fresh snapshot of the counters: the file is replaced (rename) on SIGUSR1.
_ru_snapshot() {
	rm -f "$RU_STATS"
	kill -USR1 "$RU_PID" || return 1
	for _ in $(seq 100); do
		[[ -s $RU_STATS ]] && { cat "$RU_STATS"; return 0; }
		sleep 0.02
	done
	echo "ntm-relay-user wrote no counters" >&2
	return 1
}

path_get() {
	_ru_snapshot | jq -r "[.paths[] | select(.id == $1)] | .[0]$2"
}

tunnel_get() {
	_ru_snapshot | jq -r ".tunnel$1"
}

_ru_is() {
	local got

	got=$("$@")
	[[ $got == "$_ru_want" ]]
}

wait_path() {
	local _ru_want=$3

	wait_for 3 _ru_is path_get "$1" "$2" 2>/dev/null
}

wait_tunnel() {
	local _ru_want=$2

	wait_for 3 _ru_is tunnel_get "$1" 2>/dev/null
}

monitor_start() {
	:
}
