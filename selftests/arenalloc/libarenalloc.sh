#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kselftest: a real program (sqlite3) preloaded with libarenalloc over
# /dev/arenalloc, then again with device_policy:interleave (on a machine
# with two nodes or more).
#
# sqlite3 builds and checks a database in memory; half way through it runs
# `.system` to read the module's device statistics, so the chunks the
# library mapped are seen from the kernel's side while the program holds
# them.  At exit the library prints its own statistics (stats_print:true),
# which must show device-backed chunks, and the module must have every page
# back.  Needs arenalloc.ko loaded, /arenalloc/lib/libarenalloc.so (or
# $ARENALLOC_LIB) and sqlite3.  Output is KTAP.

LIB=${ARENALLOC_LIB:-/arenalloc/lib/libarenalloc.so}
DEV=/sys/kernel/arenalloc/dev
. "$(dirname "$0")/ktap.sh"

if [ ! -f "$LIB" ] || [ ! -c /dev/arenalloc ] || [ ! -d $DEV ] ||
	! command -v sqlite3 >/dev/null; then
	echo "1..0 # SKIP needs $LIB, /dev/arenalloc and sqlite3"
	exit $ksft_skip
fi

tmp=$(mktemp -d)
pages0=$(cat $DEV/pages)
maps0=$(cat $DEV/mappings)

cat >"$tmp/work.sql" <<SQL
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v BLOB);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
  INSERT INTO t SELECT i, printf('key-%08d', i * 7919 % 50000), randomblob(200) FROM n;
CREATE INDEX t_k ON t(k);
.system cat $DEV/pages >$tmp/pages_mid
.system cat $DEV/node_pages >$tmp/nodes_mid
SELECT count(*), count(DISTINCT k), sum(length(v)) FROM t;
SELECT k FROM t WHERE id = 12345;
DELETE FROM t WHERE id % 3 = 0;
SELECT count(*) FROM t;
PRAGMA integrity_check;
SQL

LD_PRELOAD=$LIB ARENALLOC_CONF=chunk_source:device,stats_print:true \
	sqlite3 :memory: <"$tmp/work.sql" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "sqlite3 under LD_PRELOAD exits 0" [ $rc = 0 ]
check "sqlite3's answers are right" [ "$(cat "$tmp/out")" = "50000|50000|10000000
key-00010055
33334
ok" ]
mid=$(cat "$tmp/pages_mid" 2>/dev/null || echo 0)
echo "# device pages: $pages0 before, $mid while sqlite3 ran ($(cat "$tmp/nodes_mid" 2>/dev/null))"
check "the module held sqlite3's heap (>= 4 MiB)" [ "$mid" -ge $((pages0 + 1024)) ]
check "the library reported device-backed chunks" \
	grep -q 'Chunk source: device (device open)' "$tmp/err"
check "the library's statistics show device memory" \
	sh -c "grep -o 'device_mapped: [0-9]*' '$tmp/err' | grep -qv 'device_mapped: 0\$'"
check "no device failure fell back to mmap" grep -q 'device_fallbacks: 0,' "$tmp/err"
check "every page went back at exit" [ "$(cat $DEV/pages)" = "$pages0" ]
check "every mapping went away at exit" [ "$(cat $DEV/mappings)" = "$maps0" ]
[ $failed = 0 ] || sed 's/^/# /' "$tmp/err" | head -40

# device_policy:interleave spreads the heap over every node with memory:
# each holds a good share of it (>= 1 MiB) while sqlite3 runs.
nodes0=$(cat $DEV/node_pages)
set -- $nodes0
if [ $# -ge 2 ]; then
	LD_PRELOAD=$LIB ARENALLOC_CONF=chunk_source:device,device_policy:interleave \
		sqlite3 :memory: <"$tmp/work.sql" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "sqlite3 with device_policy:interleave exits 0" [ $rc = 0 ]
	check "the library took the policy without a word" [ ! -s "$tmp/err" ]
	mid=$(cat "$tmp/nodes_mid" 2>/dev/null)
	echo "# node pages: $nodes0 before, $mid while sqlite3 ran"
	spread=1
	for n0 in $nodes0; do
		before=${n0#*=}
		now=$(echo " $mid " | sed -n "s/.* ${n0%%=*}=\([0-9]*\) .*/\1/p")
		[ -n "$now" ] && [ "$now" -ge $((before + 256)) ] || spread=0
	done
	check "every node held a share of the heap" [ $spread = 1 ]
	check "every page went back at exit (interleave)" [ "$(cat $DEV/pages)" = "$pages0" ]
else
	echo "# one node: device_policy:interleave not checked"
fi
rm -rf "$tmp"
ktap_finish
