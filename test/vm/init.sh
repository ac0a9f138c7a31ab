#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test VM's initramfs. test/vm/run.sh copies this file, a static
# busybox and the .ko files listed in /modules into the initramfs and caches
# the result in build/vm/ (keyed by kernel version and a hash of this file).
#
# It mounts the host's root, exported read-only over 9p as "hostroot", as the
# lower layer of an overlay whose upper layer is a tmpfs, and switch_roots into
# it: the guest then runs the host's own binaries and libraries, and sees the
# repository at the same path as the host does. PID 1 becomes the runner named
# by ntm_runner= on the kernel command line (test/vm/guest-runner.sh).
#
# Any failure here is reported with the same result marker the runner uses, so
# the host never has to guess why the guest stopped.

/bin/busybox mkdir -p /bin /dev /proc /sys /lower /rw /newroot
/bin/busybox --install -s /bin

# No /dev/console node in the archive: fds 0-2 come from devtmpfs instead.
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc

die() {
	echo "ntm-vm initramfs: $*"
	echo "NTM-VM-RESULT: FAIL (initramfs: $*)"
	echo o >/proc/sysrq-trigger
	sleep 60
	poweroff -f
}

while read -r ko; do
	insmod "/lib/modules/$ko" || die "insmod $ko failed"
done </modules

mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 \
	hostroot /lower || die "cannot mount the 9p share hostroot"
mount -t tmpfs -o mode=0755 overlay-rw /rw || die "cannot mount the overlay tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work \
	overlay /newroot || die "cannot mount the overlay root"

runner=
# shellcheck disable=SC2013 # the command line is words
for arg in $(cat /proc/cmdline); do
	case $arg in
	ntm_runner=*) runner=${arg#ntm_runner=} ;;
	esac
done
[ -n "$runner" ] || die "no ntm_runner= on the kernel command line"
[ -x "/newroot$runner" ] || die "runner $runner is not executable in the host root"

mount --move /dev /newroot/dev || die "cannot move /dev into the new root"
umount /proc
exec switch_root /newroot "$runner"
