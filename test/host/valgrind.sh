#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The daemons under valgrind's memcheck, natively on the host: ntm-rsd (its
# user-space datapath relaying), ntm-dc and two ntm-node (MN, CN) each run
# under `valgrind --error-exitcode=99 --leak-check=full`, through
# registration, resolution through the DNS hook, an RS-S path MN <-> CN, an
# RS-N path to GH, and MN changing network. Then each gets SIGTERM and must
# exit 0: no invalid read or write, no use of uninitialised memory, no
# definitely lost block. (The unit tests run the same code under ASan and
# UBSan; valgrind also sees what the system calls read, such as padding
# sent to the kernel.)

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/system.sh
source "$here/../lib/system.sh"
# shellcheck source=test/lib/resilience.sh
source "$here/../lib/resilience.sh"
checktool valgrind ntm-dc ntm-node ntm-rsd jq nft ping curl python3 getent sipp
[[ -c /dev/net/tun ]] || { echo "SKIP: ${0##*/}: no /dev/net/tun"; exit "$KSFT_SKIP"; }
ulimit -c 0

VG_LOGS=$NTM_LOGDIR/valgrind
mkdir -p "$VG_LOGS"
export NTM_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --log-file=$VG_LOGS/%p.log"

res_case valgrind "ntm-rsd (user datapath), ntm-dc and two ntm-node under valgrind memcheck: registration, DNS hook, RS-S and RS-N traffic, a node's move, SIGTERM"
sys_up user
node_conf "$MN" "$MN_ID" mn.ntm.test
node_conf "$CN" "$CN_ID" cn.ntm.test
node_start "$MN"
node_start "$CN"
vip_cn=$(node_vip "$CN")
check "MN resolves cn.ntm.test to CN's VIP ($vip_cn) through its hook" \
	[ "$(resolve "$MN" cn.ntm.test)" = "$vip_cn" ]
check "ping MN -> CN over the RS-S path" n "$MN" ping -c 3 -i 0.3 -W 5 "$vip_cn"
gh_vip=$(resolve "$MN" gh.ntm.test)
check "gh.ntm.test resolves to a host VIP ($gh_vip)" [ "${gh_vip%.*.*}" = 100.65 ]
check "HTTP from GH over the RS-N path" \
	n "$MN" curl -sS --max-time 60 -o /dev/null "http://gh.ntm.test:8080/blob"
# shellcheck disable=SC2119 # no argument: toward NAT_MN2
topo_mn_move
check "MN registered again from NAT_MN2" \
	wait_for 60 node_state_is "$MN" .observed "$NAT_MN2_IP:$NODE_PORT"
check "ping MN -> GH after the move" n "$MN" ping -c 3 -i 0.3 -W 5 "$gh_vip"

# SIGTERM, and the exit status: valgrind's 99 if it found anything.
term() { # WHAT PID
	local rc=0

	kill -TERM "$2"
	wait "$2" 2>/dev/null || rc=$?
	check "$1 exits 0 under valgrind (status $rc)" [ "$rc" -eq 0 ]
}
term "ntm-node on MN" "${NODE_PID[$MN]}"
NODE_PID[$MN]=
term "ntm-node on CN" "${NODE_PID[$CN]}"
NODE_PID[$CN]=
term ntm-dc "$DC_PID"
DC_PID=
term ntm-rsd "$RSD_PID"
RSD_PID=

reports=$(find "$VG_LOGS" -name '*.log' -size +0 | sort)
check "valgrind reported nothing ($(find "$VG_LOGS" -name '*.log' | wc -l) processes)" [ -z "$reports" ]
for f in $reports; do
	head -n 40 "$f" | sed "s|^|# ${f##*/}: |"
done
res_num "$(find "$VG_LOGS" -name '*.log' | wc -l) processes checked"
res_end
summary
