#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make run`: arenalloc in Debian's own 6.12 kernel.
#
# Builds the module against the stock kernel's headers, boots that kernel
# under QEMU with 2 NUMA nodes, inserts arenalloc.ko with the parameters in
# RUN_PARAMS, shows /sys/kernel/arenalloc/ and the module's statistics,
# runs sqlite3 preloaded with libarenalloc (chunks from /dev/arenalloc,
# seen in the module's statistics; the library's own printed at exit),
# then unloads it.  VM_CPUS / VM_NODES / VM_MEM_MB change the machine.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

params=${RUN_PARAMS:-narenas=4 dirty_decay_ms=5000 tcache_max=16384}

scripts/deps.sh
build=$OUT/build/stock-6.12
copy_module_tree "$build"
log "building arenalloc.ko against $(basename "$(stock_kdir)")"
make -s -C "$(stock_kdir)" M="$build" modules
log "building libarenalloc"
make -s -C userspace all
scripts/vm.sh run "$(stock_vmlinuz)" "$OUT/logs/run.log" "$build/kmod" -- $params |
	grep -v '^\[' || true
grep -q '^@@@ DONE' "$OUT/logs/run.log" || die "the VM did not finish: see $OUT/logs/run.log"
