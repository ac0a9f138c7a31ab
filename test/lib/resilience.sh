# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Rows of docs/RESILIENCE.md, written by the tests that try something
# hostile or broken. A case groups the checks that judge it; its outcome is
# what those checks said, never set by hand:
#
#   res_case ID "what was done"   start a case (the checks that follow count)
#   res_num "name=value ..."      add measured numbers to the case
#   res_end                       print the row: a line
#                                 RESULT:<TAB>script<TAB>ID<TAB>what<TAB>outcome<TAB>numbers
#
# The lines go to stdout with the PASS:/FAIL: lines, so they land in the
# suite's logs (build/test-logs/*.log, from the VM too);
# test/resilience-report.sh renders the rows it finds there.

_res_id='' _res_what='' _res_nums='' _res_fail0=0 _res_pass0=0
# Kept by common.sh's pass and fail.
: "${_ntm_pass:=0}" "${_ntm_fail:=0}"

_res_kernel_said=

res_case() {
	[[ -z $_res_id ]] || res_end
	if [[ -z $_res_kernel_said ]]; then
		printf 'RESULT-KERNEL:\t%s\n' "$(uname -r)"
		_res_kernel_said=1
	fi
	_res_id=$1 _res_what=$2 _res_nums=
	_res_fail0=$_ntm_fail _res_pass0=$_ntm_pass
}

res_num() {
	_res_nums+="${_res_nums:+, }$*"
}

res_end() {
	local f=$((_ntm_fail - _res_fail0)) p=$((_ntm_pass - _res_pass0)) outcome

	[[ -n $_res_id ]] || return 0
	if ((f == 0 && p > 0)); then
		outcome="held ($p check$( ((p == 1)) || echo s))"
	elif ((f == 0)); then
		outcome="not judged (no check ran)"
	else
		outcome="FAILED ($f of $((f + p)) check$( ((f + p == 1)) || echo s))"
	fi
	printf 'RESULT:\t%s\t%s\t%s\t%s\t%s\n' "${0##*/}" "$_res_id" "$_res_what" \
		"$outcome" "${_res_nums:--}"
	_res_id=
}
