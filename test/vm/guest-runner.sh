#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test VM, started by the initramfs (test/vm/init.sh) after it
# switch_roots into the overlay of the host's root. Never run it by hand.
#
# The host (test/vm/run.sh) talks to it through the writable 9p share
# "ntmresult", mounted at $share:
#
#   in:   config   bash assignments (printf %q): the script, its arguments,
#                  the module to insmod, the environment to pass, the mode
#   out:  output   everything the script printed (also echoed to the console)
#         dmesg    the whole kernel log, read after the script and the unload
#         status   the script's exit status, 124 if it timed out (absent if
#                  it never ran)
#         result   PASS, SKIP or FAIL (reason)
#
# The result is also printed on the console as "NTM-VM-RESULT: ...". A run
# passes only when the script exits 0, the module unloads, and the kernel log
# and the taint flags show no warning, oops, BUG, leak or sanitizer report.

share=/run/ntm-vm/result
output=/run/ntm-vm/output
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The kernel log lines that fail a run, anywhere in the log (boot included).
bad_dmesg='WARNING:|BUG:|Oops|refcount_t|general protection|kernel BUG|KASAN|UBSAN|[Ll]eak|Call Trace'
# Taint flags that mean the kernel misbehaved (see Documentation/admin-guide/
# tainted-kernels.rst): M machine check, B bad page, D oops, W warning,
# L soft lockup. O/E (out-of-tree, unsigned module) are expected.
bad_taint=$(((1 << 4) | (1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)))

power_off() {
	sync
	umount "$share" 2>/dev/null
	echo o >/proc/sysrq-trigger
	# The power-off runs from a workqueue: PID 1 must not exit meanwhile
	# (that would panic the kernel and bury the result under a backtrace).
	while :; do sleep 60; done
}

report() {
	local result=$1

	[[ -d $share/. ]] && echo "$result" >"$share/result"
	echo "NTM-VM-RESULT: $result"
	power_off
}

mount_api() {
	mount -t proc -o nosuid,nodev,noexec proc /proc &&
		mount -t sysfs -o nosuid,nodev,noexec sysfs /sys &&
		mount -t debugfs -o nosuid,nodev,noexec debugfs /sys/kernel/debug &&
		{ mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev; } &&
		mkdir -p /dev/pts /dev/shm &&
		mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts &&
		mount -t tmpfs -o nosuid,nodev tmpfs /dev/shm &&
		mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run &&
		mkdir -p /run/netns "$share" &&
		# No tmpfs on /tmp: the overlay's upper layer already makes it
		# writable, and a checkout under the host's /tmp (a CI clone)
		# stays visible at its own path.
		mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 ntmresult "$share"
}

taint_flags() {
	local t=$1 letters=PFSRMBUDAWCIOELKXT out='' i

	for ((i = 0; i < ${#letters}; i++)); do
		((t & (1 << i))) && out+=${letters:i:1}
	done
	echo "${out:-none}"
}

# Waits until $1 has no users left (netns teardown is asynchronous), then
# removes it. Prints the reason on failure.
unload_module() {
	local name=$1 refcnt deadline=$((${EPOCHREALTIME/./} + 10000000))

	while refcnt=$(<"/sys/module/$name/refcnt"); do
		((refcnt == 0 || ${EPOCHREALTIME/./} > deadline)) && break
		sleep 0.1
	done 2>/dev/null
	[[ -e /sys/module/$name ]] || return 0
	if ((refcnt != 0)); then
		echo "module $name still has $refcnt users 10s after the test"
		return 1
	fi
	if ! rmmod "$name" 2>&1; then
		echo "rmmod $name failed"
		return 1
	fi
}

# Runs the script in a session of its own, so that everything it starts can
# be listed and killed, and echoes its output to the console. Not a pipe to
# tee: a process left behind would hold the pipe open forever. Sets status
# and timed_out.
run_script() {
	local pid tail_pid state left
	local deadline=$((${EPOCHREALTIME/./} + NTM_VM_SCRIPT_TIMEOUT * 1000000))

	setsid bash "$NTM_VM_SCRIPT" "${NTM_VM_ARGS[@]}" </dev/null >"$output" 2>&1 &
	pid=$! # setsid execs in place: pid = session id = process group id
	tail -n +1 -s 0.1 -f --pid="$pid" "$output" &
	tail_pid=$!

	timed_out=0
	while read -r _ _ state _ <"/proc/$pid/stat" && [[ $state != Z ]]; do
		if ((${EPOCHREALTIME/./} > deadline)); then
			if ((timed_out)); then # its cleanup got 5 s
				pkill -KILL -s "$pid"
				break
			fi
			timed_out=1
			echo "ntm-vm: script timed out after ${NTM_VM_SCRIPT_TIMEOUT}s; its tasks:"
			ps -ww -s "$pid" -o pid,ppid,stat,wchan:32,args
			echo w >/proc/sysrq-trigger # blocked (D state) tasks to the log
			pkill -TERM -s "$pid"
			deadline=$((deadline + 5000000))
		fi
		sleep 0.2
	done 2>/dev/null
	wait "$pid" 2>/dev/null # no "Killed" job report on the console
	status=$?
	((timed_out)) && status=124 # as timeout(1) says
	wait "$tail_pid"
	echo "$status" >"$share/status"

	if left=$(pgrep -a -s "$pid"); then
		echo "ntm-vm: killing what the script left running:"
		echo "$left"
		pkill -KILL -s "$pid"
	fi
	cp "$output" "$share/output"
}

run_shell() {
	local tty=/dev/ttyS0

	[[ -n ${NTM_VM_ROWS:-} ]] && stty rows "$NTM_VM_ROWS" cols "${NTM_VM_COLS:-80}" <"$tty"
	echo "ntm-vm: interactive shell; exit (or Ctrl-D) powers the VM off, Ctrl-A x kills qemu"
	echo "ntm-vm: source test/lib/topo.sh and run topo_up to get the test topology"
	PS1='ntm-vm:\w# ' TERM=${NTM_VM_TERM:-vt100} setsid -c bash --norc -i <>"$tty" >&0 2>&0
}

mount_api || report "FAIL (guest mounts failed)"
[[ -r $share/config ]] || report "FAIL (no config in the result share)"
# shellcheck source=/dev/null
. "$share/config"

hostname ntm-vm
ip link set lo up
# Debian builds TUN as a module and nothing autoloads it before the first
# open of /dev/net/tun, whose node only the module creates.
modprobe tun 2>/dev/null || echo "ntm-vm: modprobe tun failed: TUN tests will fail"
dmesg -n 5 2>/dev/null # warnings and worse on the console, all in the log
taint0=$(</proc/sys/kernel/tainted)

export HOME=/root LANG=C.UTF-8 TERM=dumb NTM_VM=1
export NTM_REPO=$NTM_VM_CWD NTM_MODULE=$NTM_VM_MODULE NTM_MODULE_NAME=
export PATH=$NTM_VM_PATH_PREFIX:$PATH
((${#NTM_VM_ENV[@]})) && export "${NTM_VM_ENV[@]}"
cd "$NTM_VM_CWD" || report "FAIL (cannot cd to $NTM_VM_CWD)"

echo "NTM-VM-BEGIN $(uname -r) uptime=$(cut -d' ' -f1 /proc/uptime)s"

fail=
if [[ -n $NTM_MODULE ]]; then
	NTM_MODULE_NAME=$(modinfo -F name "$NTM_MODULE" 2>/dev/null)
	[[ -n $NTM_MODULE_NAME ]] || NTM_MODULE_NAME=$(basename "$NTM_MODULE" .ko)
	# insmod does not resolve dependencies: load the stock modules it
	# needs (udp_tunnel, libchacha20poly1305, ...) from /lib/modules.
	deps=$(modinfo -F depends "$NTM_MODULE" 2>/dev/null)
	for dep in ${deps//,/ }; do
		modprobe "$dep" 2>&1 || fail="modprobe $dep (needed by $NTM_MODULE_NAME) failed"
	done
	if [[ -z $fail ]]; then
		echo "ntm-vm: insmod $NTM_MODULE${deps:+ (after modprobe ${deps//,/ })}"
		insmod "$NTM_MODULE" 2>&1 || fail="insmod $NTM_MODULE failed"
	fi
fi

echo "<6>ntm-vm: begin ${NTM_VM_SCRIPT:-shell}" >/dev/kmsg

status=
if [[ -n $fail ]]; then
	:
elif [[ $NTM_VM_MODE == shell ]]; then
	run_shell
else
	run_script
	if ((timed_out)); then
		fail="script timed out after ${NTM_VM_SCRIPT_TIMEOUT}s"
	elif ((status == 4)); then
		status_word=SKIP
	elif ((status != 0)); then
		fail="script exited $status"
	fi
fi

echo "<6>ntm-vm: end ${NTM_VM_SCRIPT:-shell}" >/dev/kmsg
echo "NTM-VM-END uptime=$(cut -d' ' -f1 /proc/uptime)s"

if [[ -n $NTM_MODULE_NAME && $NTM_VM_UNLOAD == 1 && -d /sys/module/$NTM_MODULE_NAME ]]; then
	msg=$(unload_module "$NTM_MODULE_NAME") || fail=${fail:+$fail; }$msg
fi

dmesg >"$share/dmesg"
bad=$(grep -E -m 1 "$bad_dmesg" "$share/dmesg")
if [[ -n $bad ]]; then
	echo "ntm-vm: the kernel log reports a problem (the whole log is in dmesg):"
	grep -E -m 10 "$bad_dmesg" "$share/dmesg"
	fail=${fail:+$fail; }"kernel log: ${bad#\[*\] }"
fi
taint=$(</proc/sys/kernel/tainted)
if (((taint & ~taint0) & bad_taint)); then
	fail=${fail:+$fail; }"kernel tainted: $(taint_flags "$taint")"
fi

if [[ -n $fail ]]; then
	report "FAIL ($fail)"
elif [[ ${status_word:-} == SKIP ]]; then
	report SKIP
else
	report PASS
fi
