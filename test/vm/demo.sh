#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: the whole NTMobile system in one guest of Debian's 6.1 kernel
# with nf_ntm.ko loaded. A DC, an RS, two NTM nodes behind two NATs and a
# general host on the shared topology (test/lib/system.sh); every command is
# printed as it runs, each scenario is a section, and a summary table ends
# the transcript: registration, name resolution, HTTP via RS-N, TCP between
# the nodes via RS-S, a SIP call via RS-T, a network change mid-download
# with the interruption time, route optimization, a DC restart, refused
# nodes and expiry. The same scenarios run in `make check`
# (test/vm/tests/system.sh).

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
exec bash test/vm/tests/system.sh
