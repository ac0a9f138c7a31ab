#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: the relay in action, in one guest of Debian's 6.1 kernel with
# nf_ntm.ko loaded. Runs the RS scenarios one after the other, each on its own
# five-namespace topology, with every command printed, and ends with a table.
# (The whole-system demo, with a DC and real NTM nodes, comes later.)

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

scenarios=(
	"smoke.sh|the guest, the module, the topology"
	"rs-s.sh|RS-S: two nodes behind two NATs, roaming"
	"rs-n.sh|RS-N: a node downloads from an unmodified host"
	"rs-t.sh|RS-T: the node uses an RS address, nothing translated"
	"hostile.sh|forged, replayed, truncated and unknown packets"
)
declare -A result passes

for s in "${scenarios[@]}"; do
	script=${s%%|*}
	echo
	echo "======== ${s#*|} (test/vm/tests/$script)"
	out=$(mktemp)
	bash "test/vm/tests/$script" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	passes[$script]=$(grep -c '^PASS:' "$out")
	if ((rc == 0)) && ! grep -q '^FAIL:' "$out"; then
		result[$script]=PASS
	else
		result[$script]=FAIL
	fi
	rm -f "$out"
	# smoke.sh reloads the module: later scenarios need it loaded.
	[[ -d /sys/module/${NTM_MODULE_NAME:-nf_ntm} ]] || insmod "$NTM_MODULE"
done

echo
echo "======== summary"
printf '%-12s %-6s %6s  %s\n' scenario result checks what
failed=0
for s in "${scenarios[@]}"; do
	script=${s%%|*}
	printf '%-12s %-6s %6s  %s\n' "${script%.sh}" "${result[$script]}" \
		"${passes[$script]}" "${s#*|}"
	[[ ${result[$script]} == PASS ]] || failed=1
done
exit $failed
