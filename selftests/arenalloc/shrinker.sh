#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kselftest: arenalloc's shrinker is reached by the kernel's reclaim.
#
# `echo 2 > /proc/sys/vm/drop_caches` runs every registered shrinker until
# it gives nothing more back.  With decay off (dirty_decay_ms and
# muzzy_decay_ms -1, so nothing but the shrinker moves pages), the sample
# module's private arena is destroyed with its objects in it: its chunks go
# to the retained pools.  After drop_caches nothing may be left retained,
# dirty or waiting in a per-CPU cache, and the pages must be back in the
# page allocator.  Needs root, arenalloc.ko loaded, and the sample in
# $ARENALLOC_SAMPLE_KO (default: beside this script).  Output is KTAP.

KO=${ARENALLOC_SAMPLE_KO:-$(dirname "$0")/arenalloc_sample.ko}
SYSFS=/sys/kernel/arenalloc
. "$(dirname "$0")/ktap.sh"

if [ "$(id -u)" != 0 ] || [ ! -f "$KO" ] || [ ! -d $SYSFS ] ||
	[ ! -w /proc/sys/vm/drop_caches ] || grep -q '^arenalloc_sample ' /proc/modules; then
	echo "1..0 # SKIP needs root, $KO, drop_caches, arenalloc loaded and the sample not"
	exit $ksft_skip
fi

st() { cat $SYSFS/stats/"$1"; }

# is NAME OP VALUE: the statistic NAME compares with VALUE.
is() {
	local v
	v=$(st "$1")
	test "$v" "$2" "$3" && return 0
	echo "# stats/$1 is $v, expected $2 $3"
	return 1
}

# Total pages held from the page allocator: the sum of "N0=.. N1=..".
held() {
	local sum=0 f
	for f in $(cat $SYSFS/pages); do sum=$((sum + ${f#*=})); done
	echo $sum
}

dirty_ms=$(cat $SYSFS/dirty_decay_ms)
muzzy_ms=$(cat $SYSFS/muzzy_decay_ms)
# The knobs go back whatever happens: later tests assume them.
restore() {
	echo "$dirty_ms" >$SYSFS/dirty_decay_ms
	echo "$muzzy_ms" >$SYSFS/muzzy_decay_ms
}
trap restore EXIT
echo -1 >$SYSFS/dirty_decay_ms
echo -1 >$SYSFS/muzzy_decay_ms

if insmod "$KO" leave_in_arena=1 && rmmod arenalloc_sample; then
	ok "the sample's arena was made and destroyed"
else
	not_ok "the sample's arena was made and destroyed"
fi
check "its chunks are retained (pmuzzy > 0)" is pmuzzy -gt 0
check "retained bytes too" is retained -gt 0
before=$(held)
retained=$(st pmuzzy)
echo "# before drop_caches: pmuzzy $retained pdirty $(st pdirty) tcache_bytes $(st tcache_bytes), $before pages held"

echo 2 >/proc/sys/vm/drop_caches
after=$(held)
echo "# after drop_caches: pmuzzy $(st pmuzzy) pdirty $(st pdirty) tcache_bytes $(st tcache_bytes), $after pages held"
check "drop_caches empties the retained pools" is pmuzzy -eq 0
check "drop_caches leaves nothing retained" is retained -eq 0
check "drop_caches leaves no dirty pages" is pdirty -eq 0
check "drop_caches empties the per-CPU caches" is tcache_bytes -eq 0
check "the retained pages are back in the page allocator" \
	test $((before - after)) -ge "$retained"

ktap_finish
