#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-dev` (and part of `make bench`): the stock-VM row of the
# report.  In Debian's stock 6.12 kernel under QEMU, with arenalloc.ko
# loaded, libarenalloc takes its chunks from /dev/arenalloc
# (ARENALLOC_CONF=chunk_source:device) against the same library over
# anonymous mmap (chunk_source:mmap), on a few of the own workloads
# (userspace/bench/malloc_bench.c), the two alternating which goes first
# each round.  A run counts only if both sources gave the same check and
# the device's fault counter moved during the device runs alone.
#
# Writes out/bench/stock-vm.tsv (suite stock-vm, contenders
# arenalloc-device and arenalloc-mmap).  Under TCG the absolute times
# describe the emulator: compare the ratio.
#   DEV_ROUNDS (ROUNDS, else 5)     alternating rounds
#   DEV_MIN_S (BENCH_MIN_S, else 0.3)  seconds each run lasts at least
#   MT_SECONDS (1)                  seconds per larson or mt run
#   VM_CPUS (2)                     vCPUs, and the threads of larson and mt
#   DEV_WORKLOADS                   WORKLOAD:ARG:N ... (see scripts/vm/guest.sh)
#   BENCH_REPORT=0: leave the report to the caller (make bench)
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

scripts/deps.sh
dir=$OUT/bench
mkdir -p "$dir" "$OUT/logs"
make -s -C userspace all
build=$OUT/build/stock-6.12
copy_module_tree "$build"
make -s -C "$(stock_kdir)" M="$build" modules

cpus=${VM_CPUS:-2}
rounds=${DEV_ROUNDS:-${ROUNDS:-5}}
min_s=${DEV_MIN_S:-${BENCH_MIN_S:-0.3}}
mt_s=${MT_SECONDS:-1}
# Units a tenth of the host's: TCG runs them about ten times slower.
specs=${DEV_WORKLOADS:-pair:64:100000 pair:4096:100000 batch:64:20 batch:4096:20
	mixed::100000 large::2 larson:$cpus:$mt_s mt:$cpus:$mt_s}

vmlog=$OUT/logs/bench-dev.log
# shellcheck disable=SC2086 # one spec per word
VM_QUIET=1 scripts/vm.sh devbench "$(stock_vmlinuz)" "$vmlog" "$build/kmod" -- \
	"$rounds" "$min_s" $specs
grep -q '^@@@ DEVBENCH DONE' "$vmlog" || die "the VM did not finish: see $vmlog"

tsv=$dir/stock-vm.tsv
printf 'suite\ttest\tallocator\tround\tvalue\tunit\tmaxrss_kb\tcheck\n' >"$tsv"
# @@@ DEVROW <source> <round> <faults> <test> <value> <unit> maxrss_kb <n> check <hex>
awk -v tsv="$tsv" '
	/^@@@ DEVROW / {
		src = $3; test = $6
		if ($6 == "FAILED" || $11 != "check") { print "FAILED: " $0; bad = 1; next }
		if ((src == "device") != ($5 > 0)) {
			printf "%s under %s: %d device page faults\n", test, src, $5; bad = 1
		}
		if (test in want && want[test] != $12) {
			printf "WRONG RESULT: %s under %s: check %s, not %s\n", test, src, $12, want[test]
			bad = 1
		}
		want[test] = $12
		printf "stock-vm\t%s\tarenalloc-%s\t%s\t%s\t%s\t%s\t%s\n", test, src, $4, $7, $8,
			$10, $12 >>tsv
		rows++
	}
	END { if (!rows) print "no rows"; exit bad || !rows }' "$vmlog" >&2 ||
	die "the stock-VM row failed (see above and $vmlog)"
echo "stock-VM row: Debian $(basename "$(stock_vmlinuz)") under QEMU TCG, $cpus vCPUs, arenalloc.ko loaded; libarenalloc chunk_source:device against chunk_source:mmap, $rounds alternating rounds" \
	>"$dir/meta-dev.txt"
log "results in $tsv"
[[ ${BENCH_REPORT:-1} == 0 ]] || scripts/bench-report.py "$dir"
