#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Instruction-exact counts of a warmed-up 64-byte allocation+free, for
# arenalloc, kmalloc and a kmem_cache, taken from the running stock
# kernel: QEMU's gdb stub single-steps one call of each to its return
# (scripts/bench/count.py says what is counted).  Under TCG, wall time
# misprices interrupt toggles and atomics; these counts do not depend on
# the emulator.  Part of make bench-kernel; writes out/bench/count.tsv.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

dir=$OUT/bench
mkdir -p "$dir" "$OUT/logs"
build=$OUT/build/stock-6.12
copy_module_tree "$build"
make -s -C "$(stock_kdir)" M="$build" modules

port=$((30000 + RANDOM % 20000))
vmlog=$OUT/logs/bench-count.log
rm -f "$vmlog"
# Names the host can give call targets: the allocators and their helpers.
re='arenalloc|aa_|kmalloc|kfree|kmem_cache|slab|xa_|xas_|rcu|memset|memcpy|fentry|thunk|'
re+='kmemleak|kfence|kasan|memcg|obj_cgroup|_raw_spin|preempt|irq|should_fail|__x86|'
re+='get_random|local_lock|virt_to|page|folio|might|__cond_resched|migrate'
VM_QUIET=1 VM_CPUS=${VM_CPUS:-2} VM_QEMU_ARGS="-gdb tcp:127.0.0.1:$port" VM_TIMEOUT=900 \
	scripts/vm.sh count "$(stock_vmlinuz)" "$vmlog" "$build/kmod" -- "$re" &
vm=$!
trap 'pkill -f "gdb tcp:127.0.0.1:$port" || :' EXIT
for _ in $(seq 600); do
	grep -q '^@@@ COUNT READY' "$vmlog" 2>/dev/null && break
	kill -0 $vm 2>/dev/null || die "the VM ended before it was ready: see $vmlog"
	sleep 1
done
grep -q '^@@@ COUNT READY' "$vmlog" || die "the guest never got ready: see $vmlog"
syms=$(awk '/^@@@ SYM / && $5 != "count_go" { printf "%s%s=%s", s, $5, $3; s = "," }' "$vmlog")
go=$(awk '/^@@@ SYM / && $5 == "count_go" { print $3 }' "$vmlog")
[[ -n $syms && -n $go ]] || die "no count symbols in the guest's kallsyms: see $vmlog"
awk '/^@@@ KSYM / { print $3, $4, $5 }' "$vmlog" >"$dir/count-ksyms.txt"
COUNT_PORT=$port COUNT_SYMS=$syms COUNT_GO=$go COUNT_CALLS=3 COUNT_KSYMS=$dir/count-ksyms.txt \
	COUNT_OUT=$dir/count.tsv gdb -batch -nx -x scripts/bench/count.py >"$OUT/logs/bench-count-gdb.log" 2>&1 ||
	die "gdb failed: see $OUT/logs/bench-count-gdb.log"
wait $vm
trap - EXIT
grep -q '^@@@ DONE' "$vmlog" || die "the VM did not finish: see $vmlog"
log "counts in $dir/count.tsv"
column -t -s $'\t' <(cut -f1-8 "$dir/count.tsv") >&2
