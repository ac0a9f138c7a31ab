# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the relay datapath tests: nf_ntm in the RS namespace of the
# shared topology (topo.sh), ntm-peer as the tunnel endpoints, ntmctl to read
# the relay table. Runs in the test VM, where nf_ntm.ko is loaded.
#
#   relay_up                  tunnel socket on $RS_PORT and ntm0 in $RS, the
#                             ntmobile nft table loaded there
#   peer_up NS LEG ID VIP ... ntm-peer in NS as leg LEG of path ID with a TUN
#                             carrying VIP, toward the RS; more ntm-peer
#                             options follow. Log: $NTM_LOGDIR/peer-NS-LEG.log
#   path_get ID JQ            a field of `ntmctl -j path show ID` in $RS
#   tunnel_get JQ             a field of `ntmctl -j tunnel show` in $RS
#   leg_learned ID LEG        true once the RS knows leg LEG's endpoint
#   monitor_start             `ntmctl -j monitor` in $RS into $NTM_LOGDIR/monitor.log
#   listening NS PROTO PORT   true once something listens on PORT (tcp|udp) in NS
#   web_serve NS ADDR PORT DIR LOG
#                             a web server for DIR in NS (test/lib/paced_http.py:
#                             python's http.server, plus ?rate=N), up

# shellcheck source=test/lib/topo.sh
source "$(dirname "${BASH_SOURCE[0]}")/topo.sh"

export RS_PORT=7701
# Test keys only: fixed so that a failing run can be replayed by hand.
export PATH_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
export NTM_LOGDIR=${NTM_LOGDIR:-$(mktemp -d /tmp/ntm-test.XXXXXX)}
NTM_REPO=${NTM_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export PATH=$NTM_REPO/build/bin:$PATH

relay_up() {
	n "$RS" ntmctl tunnel set port "$RS_PORT" || die "ntmctl tunnel set"
	n "$RS" ip link set ntm0 up || die "ntm0 up"
	n "$RS" nft -f "$NTM_REPO/nft/ntmobile.nft" || die "load nft/ntmobile.nft"
}

peer_up() {
	local ns=$1 leg=$2 id=$3 vip=$4 log

	shift 4
	log=$NTM_LOGDIR/peer-$ns-$leg.log
	n_bg "$ns" ntm-peer run --path-id "$id" --path-key "$PATH_KEY" --leg "$leg" \
		--remote "$RS_IP:$RS_PORT" --tun ntmp0 --vip "$vip" "$@" 2>"$log"
	wait_for 30 n "$ns" ip link show ntmp0 up >/dev/null 2>&1 ||
		die "ntm-peer in $ns did not come up: $(cat "$log")"
}

path_get() {
	ip netns exec "$RS" ntmctl -j path show "$1" | jq -r ".[0]$2"
}

tunnel_get() {
	ip netns exec "$RS" ntmctl -j tunnel show | jq -r ".[0]$1"
}

leg_learned() {
	local ep

	ep=$(path_get "$1" ".leg_$2.endpoint")
	[[ -n $ep && $ep != null ]]
}

monitor_start() {
	n_bg "$RS" stdbuf -oL ntmctl -j monitor >"$NTM_LOGDIR/monitor.log" 2>&1
}

# A web server in netns NS serving DIR on ADDR:PORT, logging to LOG, in the
# background: test/lib/paced_http.py, which is python's http.server plus
# `?rate=N` (sender-paced downloads, so a fault hits a stream on the wire).
web_serve() { # NS ADDR PORT DIR LOG
	n_bg "$1" python3 "$NTM_REPO/test/lib/paced_http.py" --bind "$2" --directory "$4" "$3" \
		>"$5" 2>&1
	wait_for 60 listening "$1" tcp "$3" || die "no web server on $1 ($2:$3)"
}

listening() {
	local out

	out=$(ip netns exec "$1" ss -Hln --"$2" "sport = :$3") || return 1
	[[ -n $out ]]
}
