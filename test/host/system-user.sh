#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole NTMobile system natively on the host, the RS relaying in its
# user-space datapath (no module): the same scenarios as the VM's
# test/vm/tests/system.sh (test/lib/system_e2e.sh).

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/system_e2e.sh
source "$here/../lib/system_e2e.sh"
checktool ntm-dc ntm-node ntm-rsd ntmctl sipp jq nft conntrack ping curl python3 getent sqlite3
[[ -c /dev/net/tun ]] || { echo "SKIP: ${0##*/}: no /dev/net/tun"; exit "$KSFT_SKIP"; }
ulimit -c 0

system_e2e user
system_table
summary
