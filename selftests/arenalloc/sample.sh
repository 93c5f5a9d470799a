#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kselftest: samples/arenalloc_sample.ko, a client of arenalloc's in-kernel
# API.
#
# The sample checks the API as it loads and refuses to load (logging
# "check failed: ...") when a check fails.  This script loads it twice:
# once unloading it the plain way (objects freed one by one), once with
# leave_in_arena=1 (objects left to arenalloc_arena_destroy()).  While the
# sample is loaded its symbol dependency must pin arenalloc.  Needs
# arenalloc.ko loaded and the path of arenalloc_sample.ko in
# $ARENALLOC_SAMPLE_KO (default: beside this script).  Output is KTAP.

KO=${ARENALLOC_SAMPLE_KO:-$(dirname "$0")/arenalloc_sample.ko}
SYSFS=/sys/kernel/arenalloc
. "$(dirname "$0")/ktap.sh"

if [ "$(id -u)" != 0 ] || [ ! -f "$KO" ] || [ ! -d $SYSFS ] ||
	grep -q '^arenalloc_sample ' /proc/modules; then
	echo "1..0 # SKIP needs root, $KO, arenalloc loaded and the sample not"
	exit $ksft_skip
fi

before=$(dmesg | wc -l)

# use_count MODULE: the third field of MODULE's line in /proc/modules.
use_count() {
	while read -r name _ refs _; do
		[ "$name" = "$1" ] && { echo "$refs"; return 0; }
	done </proc/modules
	return 1
}

pins_arenalloc() {
	local refs
	refs=$(use_count arenalloc) || { echo "# arenalloc not in /proc/modules"; return 1; }
	[ "$refs" -ge 1 ] || { echo "# arenalloc's use count is $refs"; return 1; }
}

rmmod_refused() {
	rmmod arenalloc 2>/dev/null || return 0
	echo "# rmmod arenalloc succeeded with the sample loaded"
	return 1
}

# new_log: the kernel log since this script started.
new_log() { dmesg | tail -n +$((before + 1)); }

no_failure_logged() {
	local bad
	bad=$(new_log | grep 'arenalloc_sample: .*failed') || return 0
	echo "$bad" | sed 's/^/# /'
	return 1
}

# logged_twice PATTERN: two loads, so two lines of each kind.
logged_twice() {
	local count
	count=$(new_log | grep -c "arenalloc_sample: $1")
	[ "$count" = 2 ] || { echo "# $count lines match '$1', want 2"; return 1; }
}

if insmod "$KO"; then
	ok "loads"
	check "rmmod arenalloc refused while the sample is loaded" rmmod_refused
	check "arenalloc still loaded" test -d $SYSFS
	check "arenalloc's use count is at least 1" pins_arenalloc
	check "unloads, freeing its objects" rmmod arenalloc_sample
else
	not_ok "loads"
	for i in 1 2 3 4; do not_ok "check $i after the failed load"; done
fi

if insmod "$KO" leave_in_arena=1; then
	ok "loads with leave_in_arena=1"
	check "unloads, leaving its objects to arena destroy" rmmod arenalloc_sample
else
	not_ok "loads with leave_in_arena=1"
	not_ok "unloads after the failed load"
fi

check "sample gone" sh -c "! grep -q '^arenalloc_sample ' /proc/modules"
check "arenalloc still loaded after the sample" test -d $SYSFS
check "no failure in the sample's log" no_failure_logged
check "both loads logged their counts" logged_twice "arena .* kept"
check "both unloads destroyed the arena" logged_twice "arena .* destroyed"

ktap_finish
