#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (busybox sh), from /arenalloc.
#
# Every group of tests is framed by "@@@ BEGIN <group>" and
# "@@@ END <group> rc=<status>" so that scripts/ktap.py can count its KTAP
# results on the host and notice a group that never finished.  Kernel
# messages at warning level and above reach the same console (loglevel=5),
# which is where the host looks for splats.
#
# Modes: check (debug kernel: KUnit, kselftests, kmemleak), smoke (stock
# kernel: its loop driver, load, kselftests, unload), run (the `make run`
# demonstration), bench (arenalloc_bench.ko's timings), mem (kbench's decay, shrinker and
# device figures, scripts/bench-mem.sh), devbench (libarenalloc over
# /dev/arenalloc against itself over mmap: scripts/bench-dev.sh), count
# (scripts/bench-count.sh).
mode=$1
ko=/arenalloc/modules/arenalloc.ko
kunit_ko=/arenalloc/modules/arenalloc_kunit.ko
params=$(cat /arenalloc/params 2>/dev/null)

group() {
	name=$1
	shift
	echo "@@@ BEGIN $name"
	"$@"
	echo "@@@ END $name rc=$?"
}

# Second pass with debug=1: only the debug suite, which skips otherwise.
kunit_debug() {
	insmod $ko debug=1 || return 1
	# A charp parameter keeps a trailing newline: no echo here.
	printf arenalloc_debug >/sys/module/kunit/parameters/filter_glob
	kunit
	rc=$?
	rmmod arenalloc || rc=1
	return $rc
}

insmod_ktap() {
	if insmod $ko; then echo "ok 1 insmod arenalloc.ko"; else echo "not ok 1 insmod arenalloc.ko"; fi
}

rmmod_ktap() {
	if rmmod arenalloc && [ ! -e /sys/kernel/arenalloc ]; then
		echo "ok 1 rmmod arenalloc"
	else
		echo "not ok 1 rmmod arenalloc"
	fi
}

# The suites run when the module loads; their KTAP stays in debugfs.
kunit() {
	t0=$(cut -d" " -f1 /proc/uptime)
	insmod $kunit_ko || return 1
	echo "# suites ran from ${t0}s to $(cut -d" " -f1 /proc/uptime)s of uptime"
	found=0
	for suite in /sys/kernel/debug/kunit/arenalloc_*; do
		[ -e "$suite/results" ] || continue
		cat "$suite/results"
		found=1
	done
	rmmod arenalloc_kunit || return 1
	[ $found = 1 ]
}

# The kernel's own drivers that scripts/vm.sh packed (VM_KMODS: loop, a
# block device for the O_DIRECT selftest), in dependency order, as KTAP.
kernel_modules() {
	i=0 rc=0
	while read -r m; do
		i=$((i + 1))
		if insmod "/arenalloc/kmods/$m.ko"; then
			echo "ok $i insmod $m.ko"
		else
			echo "not ok $i insmod $m.ko"
			rc=1
		fi
	done </arenalloc/kmods/order
	return $rc
}

kmemleak_report() {
	k=/sys/kernel/debug/kmemleak
	[ -w $k ] || return 0
	# kmemleak reports an object only once it is older than 5 s and has
	# been seen unreferenced by a scan; scan, age, scan again.
	echo scan >$k
	sleep 6
	echo scan >$k
	cat $k
}

# selftests unloaded|loaded: module_params.sh loads and unloads the module
# itself and needs it absent; every other test wants it loaded.
selftests() {
	for t in /arenalloc/selftests/*; do
		[ -x "$t" ] || continue
		case $t in */module_params.sh) needs=unloaded ;; *) needs=loaded ;; esac
		[ "$needs" = "$1" ] || continue
		group "selftest:$(basename "$t")" env ARENALLOC_KO=$ko \
			ARENALLOC_SAMPLE_KO=/arenalloc/modules/arenalloc_sample.ko "$t"
	done
}

# libarenalloc's own tests with /dev/arenalloc as chunk source (the
# selftest libarenalloc.sh runs a real program under it).
userspace_tests() {
	[ -f /arenalloc/lib/libarenalloc.so ] || return 0
	for t in device_test hcache_test stress_test fork_test; do
		[ -x /arenalloc/bin/$t ] || continue
		group "libarenalloc:$t" env ARENALLOC_CONF=chunk_source:device /arenalloc/bin/$t
	done
}

# make check's smoke run of the benchmark module: every test, tiny rounds;
# a failed allocation shows as a round of 0 ns.
bench_smoke() {
	b=/arenalloc/modules/arenalloc_bench.ko
	[ -f $b ] || return 0
	insmod $b iterations=200 && rmmod arenalloc_bench
	rows=$(dmesg | grep -c 'arenalloc_bench: row ')
	zero=$(dmesg | grep 'arenalloc_bench: row ' | grep -c ' 0$')
	if dmesg | grep -q 'arenalloc_bench: done' && [ "$rows" -gt 0 ] && [ "$zero" = 0 ]; then
		echo "ok 1 arenalloc_bench.ko ran every test ($rows rounds)"
	else
		echo "not ok 1 arenalloc_bench.ko ran every test ($rows rounds, $zero failed)"
	fi
	# scripts/bench-count.sh's guest half, without the debugger.
	if insmod $b count=1 && echo 1 >/sys/module/arenalloc_bench/parameters/count_now &&
		rmmod arenalloc_bench; then
		echo "ok 2 arenalloc_bench.ko count=1 runs the counted calls"
	else
		echo "not ok 2 arenalloc_bench.ko count=1 runs the counted calls"
		rmmod arenalloc_bench 2>/dev/null
	fi
}

# devbench ROUNDS MIN_S SPEC...: malloc_bench under libarenalloc with
# chunks from /dev/arenalloc and from anonymous mmap, alternating which
# goes first each round.  SPEC is WORKLOAD:ARG:N (ARG empty for mixed and
# large, N empty for the default unit); MIN_S is malloc_bench's -t.  One
# line per run, with the device's page faults during it:
#   @@@ DEVROW <device|mmap> <round> <faults> <malloc_bench's line | FAILED>
devbench() {
	rounds=$1 mins=$2
	shift 2
	faults=/sys/kernel/arenalloc/dev/faults
	for spec in "$@"; do
		w=${spec%%:*} rest=${spec#*:}
		a=${rest%%:*} n=${rest#*:}
		r=0
		while [ "$r" -lt "$rounds" ]; do
			order="device mmap"
			[ $((r % 2)) = 1 ] && order="mmap device"
			for src in $order; do
				f0=$(cat $faults)
				# shellcheck disable=SC2086 # $a and $n may be empty
				out=$(LD_PRELOAD=/arenalloc/lib/libarenalloc.so \
					ARENALLOC_CONF=chunk_source:$src \
					/arenalloc/bin/malloc_bench -t "$mins" "$w" $a $n) || out=FAILED
				echo "@@@ DEVROW $src $r $(($(cat $faults) - f0)) $out"
			done
			r=$((r + 1))
		done
	done
}

# make check's smoke run of the stock-VM row of make bench: one unit of
# each workload; both sources must give the same check, and only the
# device runs may fault device pages.
devbench_smoke() {
	if [ ! -x /arenalloc/bin/malloc_bench ] || [ ! -f /arenalloc/lib/libarenalloc.so ]; then
		echo "ok 1 devbench # SKIP malloc_bench or libarenalloc not built"
		return 0
	fi
	devbench 1 0 pair:64:20000 batch:4096:10 mixed::20000 large::2 larson:2:0.2 \
		mt:2:0.2 >/tmp/devbench.out
	i=0
	for spec in pair_64 batch_4096 mixed large larson_2 mt_2; do
		i=$((i + 1))
		dev=$(grep "^@@@ DEVROW device .* $spec " /tmp/devbench.out)
		mm=$(grep "^@@@ DEVROW mmap .* $spec " /tmp/devbench.out)
		# fields: @@@ DEVROW src round faults test value unit maxrss_kb N check HEX
		if [ -n "$dev" ] && [ -n "$mm" ] &&
			[ "$(echo "$dev" | cut -d' ' -f12)" = "$(echo "$mm" | cut -d' ' -f12)" ] &&
			[ "$(echo "$dev" | cut -d' ' -f5)" -gt 0 ] &&
			[ "$(echo "$mm" | cut -d' ' -f5)" = 0 ]; then
			echo "ok $i devbench $spec: device and mmap agree, only the device run faults device pages"
		else
			echo "not ok $i devbench $spec"
			grep -e FAILED -e " $spec " /tmp/devbench.out | sed 's/^/# /'
		fi
	done
}

# make check's smoke run of kbench (scripts/bench-mem.sh's figures): every
# path once, on small sizes, as KTAP; no figures kept.
kbench_smoke() {
	b=/arenalloc/modules/arenalloc_burst.ko
	[ -f $b ] && [ -x /arenalloc/bin/kbench ] || return 0
	insmod $b || return 1
	/arenalloc/bin/kbench smoke
	rc=$?
	rmmod arenalloc_burst || rc=1
	return $rc
}

show_tree() {
	for f in /sys/kernel/arenalloc/* /sys/kernel/arenalloc/stats/* \
		/sys/kernel/arenalloc/arenas/*/*; do
		[ -f "$f" ] || continue
		printf '  %-24s %s\n' "${f#/sys/kernel/arenalloc/}" "$(cat "$f")"
	done
}

# `make run`: a real program on libarenalloc, seen from both sides.
demo_preload() {
	dev=/sys/kernel/arenalloc/dev
	[ -f /arenalloc/lib/libarenalloc.so ] || { echo "  (libarenalloc not built)"; return 0; }
	printf '  %-24s %s\n' "dev/pages before" "$(cat $dev/pages)"
	cat >/tmp/devstat.sh <<EOF
for f in mappings pages node_pages faults; do
	printf '    dev/%-20s %s\\n' "\$f" "\$(cat $dev/\$f)"
done
EOF
	cat >/tmp/demo.sql <<SQL
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v BLOB);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
  INSERT INTO t SELECT i, printf('key-%08d', i * 7919 % 50000), randomblob(200) FROM n;
CREATE INDEX t_k ON t(k);
.print "  sqlite3: 50000 rows inserted and indexed; the module's view now:"
.system sh /tmp/devstat.sh
SELECT '  sqlite3: rows ' || count(*) || ', distinct keys ' || count(DISTINCT k) FROM t;
PRAGMA integrity_check;
SQL
	LD_PRELOAD=/arenalloc/lib/libarenalloc.so \
		ARENALLOC_CONF=chunk_source:device,stats_print:true,dirty_decay_ms:1000 \
		sqlite3 :memory: </tmp/demo.sql 2>/tmp/demo.err | sed 's/^ok$/  sqlite3: integrity_check ok/'
	echo "  the library's statistics at exit (stats_print:true):"
	# The per-class table is long: leave it out here.
	grep -v -e '^ *[0-9]' -e 'bins:' /tmp/demo.err | sed 's/^/    /'
	for f in mappings pages purged faults; do
		printf '  %-24s %s\n' "dev/$f after exit" "$(cat $dev/$f)"
	done
}

echo "@@@ KERNEL $(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) nodes=$(ls -d /sys/devices/system/node/node* | wc -l) booted_in=$(cut -d" " -f1 /proc/uptime)s"

case $mode in
check)
	# Forget what boot left for kmemleak: only our leaks should count.
	[ -w /sys/kernel/debug/kmemleak ] && {
		echo scan >/sys/kernel/debug/kmemleak
		echo clear >/sys/kernel/debug/kmemleak
	}
	[ -f /arenalloc/kmods/order ] && group kernel-modules kernel_modules
	selftests unloaded
	group insmod insmod_ktap
	selftests loaded
	userspace_tests
	group kunit kunit
	group rmmod rmmod_ktap
	group kunit-debug kunit_debug
	echo "@@@ BEGIN kmemleak-report"
	kmemleak_report
	echo "@@@ END kmemleak-report rc=0"
	;;
smoke)
	[ -f /arenalloc/kmods/order ] && group kernel-modules kernel_modules
	selftests unloaded
	group insmod insmod_ktap
	selftests loaded
	userspace_tests
	group bench-smoke bench_smoke
	group kbench-smoke kbench_smoke
	group devbench-smoke devbench_smoke
	group rmmod rmmod_ktap
	;;
run)
	echo "== insmod arenalloc.ko $params"
	# shellcheck disable=SC2086
	insmod $ko $params || exit 1
	echo "== /sys/kernel/arenalloc/"
	show_tree
	echo "== insmod arenalloc_sample.ko (a client: private arena, a hash table of objects)"
	insmod /arenalloc/modules/arenalloc_sample.ko || exit 1
	dmesg | grep arenalloc_sample | sed 's/^/  /'
	echo "== statistics while the sample holds its objects"
	for f in pages stats/narenas stats/allocated stats/active stats/mapped stats/metadata \
		stats/nmalloc stats/ndalloc; do
		printf '  %-24s %s\n' "$f" "$(cat /sys/kernel/arenalloc/$f)"
	done
	rmmod arenalloc_sample
	echo "== after rmmod arenalloc_sample"
	for f in pages stats/narenas stats/allocated stats/mapped; do
		printf '  %-24s %s\n' "$f" "$(cat /sys/kernel/arenalloc/$f)"
	done
	echo "== dirty_decay_ms: write 2500, then a bad value"
	echo 2500 >/sys/kernel/arenalloc/dirty_decay_ms
	echo bogus >/sys/kernel/arenalloc/dirty_decay_ms 2>/dev/null ||
		echo "  refused 'bogus' (value still $(cat /sys/kernel/arenalloc/dirty_decay_ms))"
	echo "== libarenalloc: sqlite3 preloaded with it, chunks from /dev/arenalloc"
	demo_preload
	echo "== kernel log"
	dmesg | grep 'arenalloc:' | sed 's/^/  /'
	rmmod arenalloc
	;;
count)
	# scripts/bench-count.sh: warm up, show the host where to break, wait
	# for its debugger to set count_go, run the counted calls.
	insmod $ko || exit 1
	insmod /arenalloc/modules/arenalloc_bench.ko count=1 || exit 1
	grep -E ' (count_(arenalloc|kmalloc|kmem_cache)[a-z0-9_]*|count_go)[[:space:]]' /proc/kallsyms |
		sed 's/^/@@@ SYM /'
	# Names for the call targets the host will see (text symbols of the
	# allocators and what they call).
	grep -E ' [tT] ' /proc/kallsyms |
		grep -E "$(cat /arenalloc/params)" | sed 's/^/@@@ KSYM /'
	echo "@@@ COUNT READY"
	p=/sys/module/arenalloc_bench/parameters
	n=0
	while [ "$(cat $p/count_go)" = 0 ] && [ $n -lt 1500 ]; do
		sleep 0.2
		n=$((n + 1))
	done
	echo 1 >$p/count_now
	rmmod arenalloc_bench
	rmmod arenalloc
	;;
devbench)
	insmod $ko || exit 1
	# shellcheck disable=SC2086 # ROUNDS MIN_S SPEC...
	devbench $params
	echo "@@@ DEVBENCH DONE"
	rmmod arenalloc
	;;
bench)
	insmod $ko || exit 1
	insmod /arenalloc/modules/arenalloc_bench.ko $params || exit 1
	dmesg | grep 'arenalloc_bench:' | sed 's/^\[[^]]*\] //'
	rmmod arenalloc_bench
	rmmod arenalloc
	;;
mem)
	insmod $ko || exit 1
	insmod /arenalloc/modules/arenalloc_burst.ko || exit 1
	# shellcheck disable=SC2086
	/arenalloc/bin/kbench run $params
	echo "kbench: module statistics at the end:"
	show_tree | grep -e 'stats/' -e pages | sed 's/^/kbench: note /'
	rmmod arenalloc_burst
	rmmod arenalloc
	;;
esac
echo "@@@ TAINT $(cat /proc/sys/kernel/tainted)"
