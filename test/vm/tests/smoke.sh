#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of the test VM itself, run by `test/vm/run.sh test/vm/tests/smoke.sh`:
# the module run.sh loaded is there, unloads and loads again, and the shared
# topology works on the guest kernel with the module loaded (the checks of
# test/host/topo-smoke.sh, which run natively on the host too).

set -euo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=test/lib/common.sh
source "$here/../../lib/common.sh"

[[ ${NTM_VM:-} == 1 ]] || die "${0##*/} runs in the test VM: test/vm/run.sh $0"
checktool insmod rmmod lsmod

module_loaded() {
	[[ -d /sys/module/$1 && $(lsmod) == *$'\n'"$1 "* ]]
}

module_gone() {
	[[ ! -e /sys/module/$1 ]]
}

if [[ -z ${NTM_MODULE:-} ]]; then
	skip "module load/unload (run.sh --no-module)"
else
	name=$NTM_MODULE_NAME
	check "$name is loaded" module_loaded "$name"
	check "rmmod $name" pp rmmod "$name"
	check "$name is gone after rmmod" module_gone "$name"
	check "insmod $NTM_MODULE" pp insmod "$NTM_MODULE"
	check "$name is loaded again after insmod" module_loaded "$name"
fi

# shellcheck source=test/host/topo-smoke.sh
source "$here/../../host/topo-smoke.sh"

summary
