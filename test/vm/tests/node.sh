#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ntm-node in the test VM: the scenario of test/host/node.sh on Debian's 6.1
# kernel, which has nft_queue (the DNS hook's own "queue" verdict; the
# development host only has xt NFQUEUE, which the node falls back to), with
# the RS on the kernel datapath when nf_ntm is loaded (auto).
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/common.sh
source "$here/../../lib/common.sh"
[[ -c /dev/net/tun ]] || modprobe tun || die "no /dev/net/tun"
modprobe nft_queue || die "no nft_queue in this kernel"
export NODE_RSD_DATAPATH=auto NODE_EXPECT_NFT_QUEUE=1
exec bash "$here/../../host/node.sh"
