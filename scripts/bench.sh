#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-kernel` (and the kernel half of `make bench`): arenalloc
# against kmalloc, a kmem_cache, alloc_pages and kvmalloc, side by side.
#
# Builds arenalloc.ko and bench/arenalloc_bench.ko against Debian's stock
# 6.12 headers and boots that kernel (no KASAN or lockdep to distort the
# numbers) under QEMU TCG with VM_CPUS vCPUs (default 2) and 2 nodes,
# twice: as Debian boots it (init_on_alloc=1 by default, so kmalloc zeroes
# and arenalloc must too) and with init_on_alloc=0.  The bench module
# prints one line per test, contender and round (see bench/arenalloc_bench.c),
#   arenalloc_bench: row TEST CONTENDER ROUND VALUE [UNIT]
# (UNIT: ns/pair for the pair, batch, large, remote and allcpu tests, else
# ns, unless the line names one); they become out/bench/kernel.tsv, with
# scripts/bench-mem.sh's memory figures (suites kernel-decay and device),
# and the report gives each family of tests (the name up to its first '_') a
# table of its own, known to it or not.  Under TCG the absolute numbers
# describe the emulator, not a real CPU: compare ratios only.  Then
# scripts/bench-count.sh counts the instructions of one warmed-up hit pair
# of each allocator (out/bench/count.tsv), which TCG cannot distort.
#   BENCH_PARAMS: passed to arenalloc_bench.ko (e.g. iterations=50000)
#   BENCH_REPORT=0: leave the report to the caller (make bench)
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

scripts/deps.sh bench
dir=$OUT/bench
mkdir -p "$dir"
build=$OUT/build/stock-6.12
copy_module_tree "$build"
make -s -C "$(stock_kdir)" M="$build" modules

tsv=$dir/kernel.tsv
printf 'suite\ttest\tallocator\tround\tvalue\tunit\tmaxrss_kb\tcheck\n' >"$tsv"
for init in 1 0; do
	vmlog=$OUT/logs/bench-init$init.log
	VM_QUIET=1 VM_APPEND="init_on_alloc=$init" scripts/vm.sh bench "$(stock_vmlinuz)" "$vmlog" \
		"$build/kmod" -- ${BENCH_PARAMS:-}
	grep -q 'arenalloc_bench: done' "$vmlog" || die "the VM did not finish: see $vmlog"
	grep 'arenalloc_bench: ns per' "$vmlog" | sed 's/^.*arenalloc_bench: /  /' >&2
	suite=kernel
	((init)) || suite=kernel-init0
	awk -v s="$suite" '/arenalloc_bench: row / {
		sub(/^.*arenalloc_bench: row /, "");
		u = ($1 ~ /^(pair|batch|large|remote|allcpu)_/) ? "ns/pair" : "ns";
		if (NF >= 5) u = $5;
		printf "%s\t%s\t%s\t%s\t%s\t%s\t-\t-\n", s, $1, $2, $3, $4, u }' "$vmlog" >>"$tsv"
done
# Decay, shrinker and /dev/arenalloc figures (a VM of their own).
BENCH_MEM_BUILT=1 scripts/bench-mem.sh
# Instruction-exact counts of the hit pair (a third VM, with a gdb stub).
scripts/bench-count.sh
{
	echo "kernel suite: Debian $(basename "$(stock_vmlinuz)") under QEMU $(qemu-system-x86_64 --version |
		head -1 | awk '{print $4}') TCG, ${VM_CPUS:-2} vCPUs, 2 nodes; tables 'kernel' as booted (init_on_alloc=1), 'kernel-init0' with init_on_alloc=0"
} >"$dir/meta-kernel.txt"
log "results in $tsv"
[[ ${BENCH_REPORT:-1} == 0 ]] || scripts/bench-report.py "$dir"
