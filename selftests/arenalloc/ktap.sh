# SPDX-License-Identifier: GPL-2.0
# KTAP output for arenalloc's shell kselftests; sourced, not run.
#
#   ok NAME / not_ok NAME     one result
#   check NAME COMMAND...     one result for COMMAND's exit status
#   ktap_finish               trailing plan and totals; status 0 if all passed

ksft_skip=4
n=0
failed=0

echo "TAP version 13"

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
check() {
	local what="$1"
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

ktap_finish() {
	echo "1..$n"
	echo "# Totals: pass:$((n - failed)) fail:$failed"
	[ $failed = 0 ]
}
