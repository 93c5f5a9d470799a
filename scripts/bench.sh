#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: arenalloc against kmalloc, side by side, in one VM run.
#
# Builds arenalloc.ko and bench/arenalloc_bench.ko against Debian's stock
# 6.12 headers and boots that kernel (no KASAN or lockdep to distort the
# numbers) under QEMU with VM_CPUS vCPUs (default 2) and 2 nodes.  The
# bench module times both allocators in alternating rounds on one CPU and
# prints ns per alloc+free pair and their ratio.  Under TCG the absolute
# numbers describe the emulator, not a real CPU: compare ratios only.
# BENCH_PARAMS is passed to arenalloc_bench.ko (e.g. iterations=50000).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

scripts/deps.sh
build=$OUT/build/stock-6.12
copy_module_tree "$build"
make -s -C "$(stock_kdir)" M="$build" modules
VM_QUIET=1 scripts/vm.sh bench "$(stock_vmlinuz)" "$OUT/logs/bench.log" "$build/kmod" \
	-- ${BENCH_PARAMS:-}
grep -q '^@@@ DONE' "$OUT/logs/bench.log" || die "the VM did not finish: see $OUT/logs/bench.log"
grep 'arenalloc_bench:' "$OUT/logs/bench.log" | grep -v '^\[' | sed 's/^arenalloc_bench: //'
