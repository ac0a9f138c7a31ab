#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The RS's nftables table (lib/ntm_nft.c) and its conntrack view
# (lib/ntm_ct.c) on Debian's 6.1 kernel, the kernel an RS runs: the host test
# test/host/nft-owner.sh as it is, then the unit test of ntm_nft_path_apply()
# (build/test/test_ntm_nft) if it was built. nf_ntm is loaded but unused:
# both stand a veth in for ntm0.
set -u
here=$(dirname "${BASH_SOURCE[0]}")
cd "$here/../../.." || exit 1
rc=0
bash test/host/nft-owner.sh || rc=$?
t=${B:-build}/test/test_ntm_nft
if [[ -x $t ]]; then
	if "$t"; then
		echo "PASS: $t on $(uname -r)"
	else
		echo "FAIL: $t on $(uname -r)"
		rc=1
	fi
else
	echo "SKIP: $t not built (make unit)"
fi
exit "$rc"
