#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The user-space datapath on Debian's 6.1 kernel: the same scenario suite the
# host runs natively (test/host/rsd-user.sh through ntm-rsd, and
# test/host/userdp-rs-{s,n,t}.sh on the engine alone), here in the guest with
# nf_ntm loaded but unused, so both datapaths pass one suite on one kernel.
set -u
here=$(dirname "${BASH_SOURCE[0]}")
cd "$here/../../.." || exit 1
rc=0
for t in rsd-user userdp-rs-s userdp-rs-n userdp-rs-t; do
	echo "======== test/host/$t.sh on $(uname -r)"
	bash "test/host/$t.sh" || rc=1
done
exit "$rc"
