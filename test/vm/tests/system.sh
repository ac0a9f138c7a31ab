#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole NTMobile system in the guest, relaying in nf_ntm: a DC (ntm-dc),
# the RS (ntm-rsd, kernel datapath), two NTM nodes (ntm-node) behind two NATs
# and an unmodified general host, with real clients: getent, ping, curl,
# sipp. Registration, name resolution through the DNS hook, RS-S, RS-N and
# RS-T, a move of MN to another network mid-download, route optimization to
# a direct path and back, a DC restart, refused nodes, expiry. The scenarios
# live in test/lib/system_e2e.sh; `make demo` runs this script.

set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/system_e2e.sh
source "$here/../../lib/system_e2e.sh"
checktool ntm-dc ntm-node ntm-rsd ntmctl sipp jq nft conntrack ping curl python3 getent sqlite3
ulimit -c 0
modprobe nft_queue || die "no nft_queue in this kernel"

system_e2e kernel
system_table
summary
