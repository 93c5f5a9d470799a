#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kselftest: arenalloc's module parameters at insmod.
#
# Every bad value must make insmod fail with EINVAL, log one line naming the
# parameter, and leave no /sys/kernel/arenalloc behind; good values must be
# visible in sysfs; rmmod must remove the tree.  Needs the module unloaded
# to start with and the path of arenalloc.ko in $ARENALLOC_KO (default:
# beside this script).  Output is KTAP.

KO=${ARENALLOC_KO:-$(dirname "$0")/arenalloc.ko}
SYSFS=/sys/kernel/arenalloc
. "$(dirname "$0")/ktap.sh"

# Bad values, each with the parameter the error line must name.
BAD="narenas=-1:narenas narenas=257:narenas narenas=abc:narenas narenas=:narenas
lg_chunk=15:lg_chunk lg_chunk=23:lg_chunk lg_chunk=2x:lg_chunk
dirty_decay_ms=-2:dirty_decay_ms dirty_decay_ms=86400001:dirty_decay_ms
muzzy_decay_ms=soon:muzzy_decay_ms tcache_max=-1:tcache_max
tcache_max=4194305:tcache_max debug=2:debug debug=yes:debug
tcache_gc_interval=-1:tcache_gc_interval tcache_gc_interval=3600001:tcache_gc_interval
stats_print_interval=-1:stats_print_interval stats_print_interval=1x:stats_print_interval"

if [ "$(id -u)" != 0 ] || [ ! -f "$KO" ] || [ -d $SYSFS ]; then
	echo "1..0 # SKIP needs root, $KO and the module not loaded"
	exit $ksft_skip
fi

# insmod_refused NAME PARAM...: insmod must fail with EINVAL naming NAME.
insmod_refused() {
	local name=$1 before err
	shift
	before=$(dmesg | wc -l)
	err=$(insmod "$KO" "$@" 2>&1) && { rmmod arenalloc; return 1; }
	case $err in *"Invalid argument"*) ;; *) echo "# insmod said: $err"; return 1 ;; esac
	[ ! -d $SYSFS ] || return 1
	dmesg | tail -n +$((before + 1)) | grep -q "arenalloc: invalid $name" || {
		echo "# no 'invalid $name' line in the kernel log"
		return 1
	}
}

for case in $BAD; do
	param=${case%%:*}
	name=${case##*:}
	check "refuses $param" insmod_refused "$name" "$param"
	check "nothing left after $param" test ! -d $SYSFS
done

# tcache_max=4 MiB is in range on its own but larger than a 64 KiB chunk.
check "refuses tcache_max above the chunk size" \
	insmod_refused tcache_max lg_chunk=16 tcache_max=4194304

sysfs_is() { [ "$(cat $SYSFS/$1)" = "$2" ] || { echo "# $1 is $(cat $SYSFS/$1), want $2"; return 1; }; }

if insmod "$KO" narenas=3 lg_chunk=16 dirty_decay_ms=-1 muzzy_decay_ms=500 \
	tcache_max=4096 debug=1 stats_print_interval=60000; then
	ok "loads with good parameters"
	check "narenas=3 in sysfs" sysfs_is narenas 3
	check "lg_chunk=16 in sysfs" sysfs_is lg_chunk 16
	check "decay values in sysfs" sh -c "[ \$(cat $SYSFS/dirty_decay_ms) = -1 ] && [ \$(cat $SYSFS/muzzy_decay_ms) = 500 ]"
	check "tcache_max and debug in sysfs" sh -c "[ \$(cat $SYSFS/tcache_max) = 4096 ] && [ \$(cat $SYSFS/debug) = 1 ]"
	check "stats_print_interval in sysfs" sysfs_is stats_print_interval 60000
	# narenas at run time: arenas/<i>/ and the parameter follow it, and
	# the module unloads cleanly after (retired arenas freed).
	check "narenas raised at run time" sh -c "echo 5 > $SYSFS/narenas &&
		[ \$(ls $SYSFS/arenas | wc -l) = 5 ] &&
		[ \$(cat /sys/module/arenalloc/parameters/narenas) = 5 ]"
	check "narenas lowered at run time" sh -c "echo 1 > $SYSFS/narenas &&
		[ \$(ls $SYSFS/arenas | wc -l) = 1 ] && [ \$(cat $SYSFS/narenas) = 1 ]"
	check "unloads" rmmod arenalloc
	check "sysfs tree removed" test ! -e $SYSFS
else
	not_ok "loads with good parameters"
	for i in 1 2 3 4 5 6 7 8; do not_ok "check $i after the failed load"; done
fi

if insmod "$KO"; then
	check "default narenas is positive" sh -c "[ \$(cat $SYSFS/narenas) -gt 0 ]"
	rmmod arenalloc
else
	not_ok "loads with defaults"
fi
check "module gone" sh -c "! grep -q '^arenalloc ' /proc/modules"

ktap_finish
