#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The memory figures of `make bench` (run by scripts/bench.sh, or alone):
# how fast the kernel arenas give memory back (decay, the shrinker, the
# longest hold of a lock by a purge step) and what a heap on
# /dev/arenalloc costs against anonymous memory (fault-in, fork).
#
# Builds arenalloc.ko and bench/arenalloc_burst.ko against Debian's stock
# 6.12 headers and userspace/build/kbench (static), boots that kernel as
# Debian boots it (no KASAN or lockdep) under QEMU TCG, and runs
# `kbench run` there (userspace/bench/kbench.c describes every figure).
# Its rows join out/bench/kernel.tsv as the suites kernel-decay and device
# (rows of those suites from an earlier run are replaced).
#   BENCH_MEM_PARAMS: kbench's options (default "-r 5 -d": five rounds,
#   three for the kernel-decay figures, and the default decay windows too)
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

dir=$OUT/bench
mkdir -p "$dir"
build=$OUT/build/stock-6.12
# scripts/bench.sh has just built it (BENCH_MEM_BUILT=1).
if [[ ${BENCH_MEM_BUILT:-0} != 1 ]]; then
	copy_module_tree "$build"
	make -s -C "$(stock_kdir)" M="$build" modules
fi
make -s -C userspace build/kbench

vmlog=$OUT/logs/bench-mem.log
VM_QUIET=1 scripts/vm.sh mem "$(stock_vmlinuz)" "$vmlog" "$build/kmod" -- \
	${BENCH_MEM_PARAMS:--r 5 -d}
grep -q '^kbench: done' "$vmlog" || die "kbench did not finish: see $vmlog"

tsv=$dir/kernel.tsv
[[ -s $tsv ]] || printf 'suite\ttest\tallocator\tround\tvalue\tunit\tmaxrss_kb\tcheck\n' >"$tsv"
awk -F'\t' '$1 != "kernel-decay" && $1 != "device"' "$tsv" >"$tsv.new"
awk '/^kbench: row / { printf "%s\t%s\t%s\t%s\t%s\t%s\t-\t%s\n", $3, $4, $5, $6, $7, $8, $9 }' \
	"$vmlog" >>"$tsv.new"
mv "$tsv.new" "$tsv"

# The medians, for the terminal (the report renders the rows).
awk '/^kbench: row / { k = $3 " " $4 " " $5 " " $8; v[k] = v[k] " " $7 }
	END { for (k in v) print k, v[k] }' "$vmlog" | sort | while read -r suite test who unit vals; do
	med=$(printf '%s\n' $vals | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	printf '  %-12s %-26s %-16s %10s %s\n' "$suite" "$test" "$who" "$med" "$unit"
done >&2
{
	echo "memory suites (kernel-decay, device): Debian $(basename "$(stock_vmlinuz)") under QEMU TCG, ${VM_CPUS:-2} vCPUs, 2 nodes, init_on_alloc=1 as booted; kbench ${BENCH_MEM_PARAMS:--r 5 -d}"
} >"$dir/meta-mem.txt"
log "memory figures in $tsv (log: $vmlog)"
