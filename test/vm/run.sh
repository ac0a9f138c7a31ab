#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a test script inside Debian's stock kernel under qemu (TCG), with the
# host's root filesystem as the guest's root, and nf_ntm.ko loaded.
#
#   host                                   guest (qemu -accel tcg)
#   ----                                   -----------------------
#   run.sh                                 initramfs /init (test/vm/init.sh)
#     builds/caches build/vm/initramfs-*     insmod virtio, 9p, overlay
#     writes <run dir>/config                mount hostroot (9p, ro) + tmpfs
#     qemu -virtfs / as "hostroot" (ro)        as an overlay, switch_root
#          -virtfs <run dir> as            guest-runner.sh (PID 1)
#                  "ntmresult" (rw)          insmod MODULE, bash SCRIPT ARGS,
#     streams the console                    rmmod, scan dmesg and taint,
#     reads <run dir>/result, exits          write result, power off
#
# See test/vm/README.md for running tests by hand and debugging in the guest.

set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vmdir=$repo/test/vm
build=$repo/build/vm

# Loaded by the initramfs in this order; built-in ones (6.12 has virtio built
# in) are skipped.
initramfs_modules=(
	kernel/drivers/virtio/virtio_ring kernel/drivers/virtio/virtio
	kernel/drivers/virtio/virtio_pci_legacy_dev kernel/drivers/virtio/virtio_pci_modern_dev
	kernel/drivers/virtio/virtio_pci kernel/fs/netfs/netfs kernel/fs/fscache/fscache
	kernel/net/9p/9pnet kernel/net/9p/9pnet_virtio kernel/fs/9p/9p
	kernel/fs/overlayfs/overlay
)

usage() {
	cat <<EOF
Usage: $0 [options] SCRIPT [ARGS...]
       $0 [options] --shell

Boot Debian's stock kernel under qemu (TCG) with the host's root filesystem as
the guest's root, insmod the module, run SCRIPT with bash in the repository
root, then check the kernel log. Prints the script's output as it runs and
exits with its status; any kernel warning, oops, BUG, leak or sanitizer report,
a failed insmod/rmmod, or a timeout fails the run.

Options:
  --module PATH     module to insmod before SCRIPT, after modprobe of the
                    stock modules it depends on
                    (default: kernel/nf_ntm/nf_ntm.ko if it exists)
  --no-module       do not insmod anything
  --no-unload       leave the module loaded after SCRIPT (default: rmmod it,
                    which fails the run if it is still in use)
  --env NAME=VALUE  set NAME in the guest's environment (repeatable; the guest
                    does not inherit the host's). --env NAME passes the host's
                    value of NAME.
  --timeout SECS    whole-run limit, boot included (default 600; none with
                    --shell). SCRIPT gets the time left after a boot allowance.
  --shell           boot to an interactive shell instead of running a script
                    (module loaded; exit or Ctrl-D powers off, Ctrl-A x kills)
  --keep            keep the run directory even when the run passes
  --prefix STR      prefix every line of guest output with STR
  -v, --verbose     print the whole console, boot messages included
  -h, --help        this text

Environment:
  VM_KERNEL   kernel image (default: the newest /boot/vmlinuz-6.1.*-amd64)
  KVER        kernel release, selects /boot/vmlinuz-KVER and /lib/modules/KVER
  QEMU        qemu binary (default: qemu-system-x86_64)
  VM_MEM      guest RAM in MiB (default 2048)

Inside the guest: NTM_VM=1, NTM_REPO (the repository, also the cwd),
NTM_MODULE (path of the module, empty with --no-module), NTM_MODULE_NAME,
PATH starting with \$NTM_REPO/build/bin.

Exit status: 0 PASS; 4 SKIP (SCRIPT exited 4, the kselftest convention);
SCRIPT's own status if it failed; 1 if the insmod, the unload, the kernel log
or the taint flags failed the run; 124 SCRIPT or qemu timed out; 125 harness
error or the guest did not report a result.

Each run writes build/vm/run.XXXXXX/: serial.log (the whole console), output
(SCRIPT's output), dmesg, status, result. A failed run keeps it (and prints
the tail of serial.log if the guest failed before the runner started); a
passed one removes it, unless --keep.
EOF
}

die() {
	echo "ntm-vm: $*" >&2
	exit 125
}

# The guest sees the host's root at the same paths (through a writable
# overlay), except where it mounts its own filesystems.
guest_path() {
	local p
	p=$(realpath -e -- "$1" 2>/dev/null) || die "no such file: $1"
	case $p in
	/proc/* | /sys/* | /dev/* | /run/*) die "$p is not visible in the guest" ;;
	*) echo "$p" ;;
	esac
}

find_kernel() {
	if [[ -n ${VM_KERNEL:-} ]]; then
		[[ -n ${KVER:-} ]] || KVER=$(basename "$VM_KERNEL" | sed 's/^vmlinuz-//')
	elif [[ -n ${KVER:-} ]]; then
		VM_KERNEL=/boot/vmlinuz-$KVER
	else
		VM_KERNEL=$(find /boot -maxdepth 1 -name 'vmlinuz-6.1.*-amd64' | sort -V | tail -n 1)
		[[ -n $VM_KERNEL ]] || die "no /boot/vmlinuz-6.1.*-amd64: run tools/deps.sh"
		KVER=${VM_KERNEL#/boot/vmlinuz-}
	fi
	[[ -r $VM_KERNEL ]] || die "cannot read kernel image $VM_KERNEL"
	[[ -d /lib/modules/$KVER/kernel ]] || die "no /lib/modules/$KVER for kernel $VM_KERNEL"
}

# Prints the path of the initramfs for $KVER, building it if not cached.
initramfs() {
	local key out tmp m f ko

	key=$({
		cat "$vmdir/init.sh"
		printf '%s\n' "${initramfs_modules[@]}"
		sha256sum /bin/busybox
	} | sha256sum | cut -c1-12)
	out=$build/initramfs-$KVER-$key.cpio
	[[ -s $out ]] && { echo "$out"; return; }

	mkdir -p "$build"
	tmp=$(mktemp -d "$build/initramfs.XXXXXX")
	mkdir -p "$tmp/bin" "$tmp/lib/modules"
	cp /bin/busybox "$tmp/bin/busybox"
	install -m 0755 "$vmdir/init.sh" "$tmp/init"
	: >"$tmp/modules"
	for m in "${initramfs_modules[@]}"; do
		grep -qx "$m.ko" "/lib/modules/$KVER/modules.builtin" && continue
		ko=$(basename "$m").ko
		f=
		for f in "/lib/modules/$KVER/$m".ko{,.xz,.zst,.gz} ""; do
			[[ -e $f ]] && break
		done
		case $f in
		*.ko) cp "$f" "$tmp/lib/modules/$ko" ;;
		*.xz) xz -dc "$f" >"$tmp/lib/modules/$ko" ;;
		*.zst) zstd -qdc "$f" >"$tmp/lib/modules/$ko" ;;
		*.gz) gzip -dc "$f" >"$tmp/lib/modules/$ko" ;;
		# Merged away in later kernels (fscache into netfs in 6.12): if
		# something needed is missing, the initramfs says which mount failed.
		"") echo "ntm-vm: $m.ko is not in $KVER, left out of the initramfs" >&2; continue ;;
		esac
		echo "$ko" >>"$tmp/modules"
	done
	(cd "$tmp" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0 >"$tmp.cpio")
	for f in "$build/initramfs-$KVER-"*.cpio; do # other init.sh versions
		[[ $f == "$out" ]] || rm -f "$f"
	done
	mv "$tmp.cpio" "$out"
	rm -rf "$tmp"
	echo "$out"
}

# Everything the guest needs to know, as bash assignments it sources.
write_config() {
	local v

	{
		printf 'NTM_VM_MODE=%q\n' "$mode"
		printf 'NTM_VM_CWD=%q\n' "$repo"
		printf 'NTM_VM_PATH_PREFIX=%q\n' "$repo/build/bin"
		printf 'NTM_VM_MODULE=%q\n' "$gmodule"
		printf 'NTM_VM_UNLOAD=%q\n' "$unload"
		printf 'NTM_VM_SCRIPT=%q\n' "$gscript"
		printf 'NTM_VM_SCRIPT_TIMEOUT=%q\n' "$script_timeout"
		printf 'NTM_VM_ARGS=('
		for v in "${args[@]}"; do printf ' %q' "$v"; done
		printf ' )\n'
		printf 'NTM_VM_ENV=('
		for v in "${env[@]}"; do printf ' %q' "$v"; done
		printf ' )\n'
		if [[ $mode == shell ]] && read -r rows cols < <(stty size </dev/tty 2>/dev/null); then
			printf 'NTM_VM_ROWS=%q NTM_VM_COLS=%q NTM_VM_TERM=%q\n' \
				"$rows" "$cols" "${TERM:-vt100}"
		fi
	} >"$run/config"
}

# Serial console lines without their carriage returns and terminal escapes.
sanitize() {
	sed -u -e 's/\r//g' -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g'
}

# The console from the runner's first line on (everything with --verbose).
stream() {
	sanitize | awk -v all="$verbose" -v prefix="$prefix" '
		!on && sub(/.*NTM-VM-BEGIN/, "NTM-VM-BEGIN") { on = 1 }
		on || all { print prefix $0; fflush() }'
}

module=
no_module=0
unload=1
env=()
timeout=
mode=run
keep=0
prefix=
verbose=0
while (($#)); do
	case $1 in
	--module) [[ $# -ge 2 ]] || die "--module needs a PATH"; module=$2; shift ;;
	--module=*) module=${1#*=} ;;
	--no-module) no_module=1 ;;
	--no-unload) unload=0 ;;
	--env | --env=*)
		if [[ $1 == --env ]]; then
			[[ $# -ge 2 ]] || die "--env needs NAME=VALUE"
			v=$2
			shift
		else
			v=${1#*=}
		fi
		[[ ${v%%=*} =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "--env: bad name in '$v'"
		if [[ $v != *=* ]]; then
			[[ -v $v ]] || die "--env $v: not set on the host"
			v=$v=${!v}
		fi
		env+=("$v")
		;;
	--timeout) [[ $# -ge 2 ]] || die "--timeout needs SECONDS"; timeout=$2; shift ;;
	--timeout=*) timeout=${1#*=} ;;
	--shell) mode=shell ;;
	--keep) keep=1 ;;
	--prefix) [[ $# -ge 2 ]] || die "--prefix needs a STRING"; prefix=$2; shift ;;
	--prefix=*) prefix=${1#*=} ;;
	-v | --verbose) verbose=1 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
	shift
done

args=()
gscript=
if [[ $mode == run ]]; then
	(($#)) || { usage >&2; exit 125; }
	gscript=$(guest_path "$1")
	shift
	args=("$@")
	timeout=${timeout:-600}
else
	(($# == 0)) || die "--shell takes no SCRIPT"
	timeout=${timeout:-0}
fi
[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout: not a number of seconds: $timeout"
# The script gets what is left after an allowance for boot (5-15 s under
# TCG, depending on the host's load), killing it, the rmmod and the checks, so
# that a hung script is still reported by the guest, with its dmesg.
grace=$((timeout / 5))
((grace < 30)) && grace=30
((grace > 90)) && grace=90
script_timeout=$((timeout > 2 * grace ? timeout - grace : timeout / 2))

qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not found: run tools/deps.sh"
find_kernel

if ((no_module)); then
	[[ -z $module ]] || die "--module and --no-module exclude each other"
elif [[ -z $module && -e $repo/kernel/nf_ntm/nf_ntm.ko ]]; then
	module=$repo/kernel/nf_ntm/nf_ntm.ko
fi
gmodule=
if [[ -n $module ]]; then
	gmodule=$(guest_path "$module")
	vermagic=$(modinfo -F vermagic "$module" 2>/dev/null) || die "$module: not a kernel module"
	[[ ${vermagic%% *} == "$KVER" ]] ||
		die "$module was built for ${vermagic%% *}, the guest runs $KVER (set KVER or rebuild)"
fi

[[ $repo != *[[:space:]]* ]] || die "the repository path must not contain spaces: $repo"
initrd=$(initramfs)
mkdir -p "$build"
run=$(mktemp -d "$build/run.XXXXXX")
write_config

cmdline=(
	console=ttyS0 panic=-1 # a panic ends qemu (-no-reboot)
	log_buf_len=8M printk.devkmsg=on
	ntm_runner="$vmdir/guest-runner.sh"
)
((verbose)) || cmdline+=(quiet)
# shellcheck disable=SC2054 # commas separate qemu's suboptions
qemu_args=(
	-accel tcg -smp 2 -m "${VM_MEM:-2048}" -nographic -no-reboot -nic none
	-kernel "$VM_KERNEL" -initrd "$initrd" -append "${cmdline[*]}"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$run,mount_tag=ntmresult,security_model=none"
)

if [[ $mode == shell ]]; then
	echo "ntm-vm: $KVER, run directory $run"
	rc=0
	timeout --foreground -k 5 "$timeout" "$qemu" "${qemu_args[@]}" || rc=$?
	echo "ntm-vm: guest says: $(cat "$run/result" 2>/dev/null || echo nothing)"
	((keep)) || rm -rf "$run"
	exit "$rc"
fi

serial=$run/serial.log
start=$EPOCHREALTIME
rc=0
timeout --foreground -k 5 "$timeout" "$qemu" "${qemu_args[@]}" </dev/null 2>&1 |
	tee "$serial" | stream || rc=${PIPESTATUS[0]}
elapsed=$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }')

marker=$(grep -a -o 'NTM-VM-RESULT: .*' "$serial" | tail -n 1 | tr -d '\r' || true)
result=$(cat "$run/result" 2>/dev/null || true)
status=$(cat "$run/status" 2>/dev/null || true)

if ((rc == 124 || rc == 137)); then
	verdict="FAIL (qemu timed out after ${timeout}s${result:+; guest said: $result})"
	exit_code=124
elif [[ -z $marker && -z $result ]]; then
	panic=$(grep -a -o 'Kernel panic - not syncing: .*' "$serial" | head -n 1 | tr -d '\r' || true)
	verdict="FAIL (guest did not report; ${panic:-qemu exited $rc})"
	exit_code=125
elif [[ -z $result ]]; then
	verdict="${marker#NTM-VM-RESULT: } (and nothing in the result share)"
	exit_code=125
elif [[ ${marker#NTM-VM-RESULT: } != "$result" ]]; then
	verdict="FAIL (console says '${marker:-nothing}', result share says '$result')"
	exit_code=125
elif ((rc != 0)); then
	verdict="FAIL (qemu exited $rc; guest said: $result)"
	exit_code=125
elif [[ $result == PASS ]]; then
	verdict=PASS
	exit_code=0
elif [[ $result == SKIP ]]; then
	verdict=SKIP
	exit_code=4
else
	verdict=$result
	exit_code=1
	[[ $status =~ ^[0-9]+$ ]] && ((status != 0 && status != 4)) && exit_code=$status
fi

echo "ntm-vm: $verdict: ${gscript#"$repo"/} on $KVER in ${elapsed}s"
if ((exit_code != 0 && exit_code != 4)); then
	# Everything from the runner's first line on has been streamed already;
	# if the guest never got that far, the tail is all there is to see.
	if ((!verbose)) && ! grep -a -q NTM-VM-BEGIN "$serial"; then
		echo "ntm-vm: last lines of the console ($serial):"
		tail -n 40 "$serial" | sanitize | sed 's/^/  | /'
	fi
	echo "ntm-vm: run directory kept: $run (console: serial.log)"
elif ((keep)); then
	echo "ntm-vm: run directory kept: $run"
else
	rm -rf "$run"
fi
exit "$exit_code"
