#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: the performance report.  Installs what it needs, then
# runs, each as its own phase:
#   1. the userspace suite (scripts/bench-user.sh)
#   2. the kernel suite (scripts/bench.sh: two VMs of arenalloc_bench.ko,
#      one counting instructions)
#   3. the stock-VM row (scripts/bench-dev.sh: libarenalloc over
#      /dev/arenalloc against itself over mmap)
#   4. the report and plots (scripts/bench-report.py): out/bench/report.md,
#      and with BENCH_PUBLISH=1 Documentation/benchmarks.rst
# and ends with the summary, the time of each phase and the total.  About
# 16 minutes on 2 loaded cores with the defaults; every knob of the three
# suites passes through (ROUNDS, BENCH_MIN_S, MT_THREADS, MT_SECONDS,
# BENCH_THREADS, VM_CPUS, ...: Documentation/benchmarking.rst).  A phase
# that fails is reported and the others still run; the report then has
# what was measured, and the exit status is non-zero.
#   BENCH_VM_LOCK=FILE: hold flock(FILE) through the phases that boot
#   QEMU, for a machine whose users take turns with their VMs (the wait
#   is not counted in the phases' time; the total includes it).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

dir=$OUT/bench
rm -rf "$dir"
mkdir -p "$dir"
start=$SECONDS
failed=()
lock_wait=0

# The command, with the knobs that were set, for the report's header.
knobs=()
for k in ROUNDS BENCH_MIN_S MT_THREADS MT_SECONDS BENCH_THREADS BENCH_SIZES BENCH_ONLY BURST_MIB \
	BURST_IDLE_S DEV_ROUNDS DEV_MIN_S DEV_WORKLOADS VM_CPUS BENCH_PARAMS BENCH_PUBLISH; do
	[[ -n ${!k:-} ]] && knobs+=("$k='${!k}'")
done
echo "command: make bench ${knobs[*]}" >"$dir/meta.txt"

printf 'phase\tseconds\n' >"$dir/phases.tsv"
# BENCH_VM_LOCK, taken by the first phase that boots QEMU and kept until
# a phase that does not, so the VM phases run back to back.
locked=0
vm_lock() {
	local t0=$SECONDS
	if ((locked)) || [[ -z ${BENCH_VM_LOCK:-} ]]; then
		return 0
	fi
	exec 9>"$BENCH_VM_LOCK"
	flock 9
	locked=1
	lock_wait=$((lock_wait + SECONDS - t0))
	log "waited $((SECONDS - t0)) s for $BENCH_VM_LOCK"
}
vm_unlock() {
	((locked)) || return 0
	exec 9>&-
	locked=0
}

# phase [--vm] NAME CMD...: run one phase, record its time and whether it
# failed.  --vm: it boots QEMU (the wait for the lock is not counted).
phase() {
	local name t0
	if [[ $1 == --vm ]]; then
		shift
		vm_lock
	else
		vm_unlock
	fi
	name=$1
	shift
	log "== $name"
	t0=$SECONDS
	if ! "$@"; then
		log "FAILED: $name"
		failed+=("$name")
	fi
	printf '%s\t%d\n' "$name" $((SECONDS - t0)) >>"$dir/phases.tsv"
}

phase "dependencies" scripts/deps.sh bench
phase "userspace suite" env BENCH_REPORT=0 scripts/bench-user.sh
phase --vm "kernel suite" env BENCH_REPORT=0 scripts/bench.sh
phase --vm "stock-VM row" env BENCH_REPORT=0 scripts/bench-dev.sh
publish=()
[[ -n ${BENCH_PUBLISH:-} && ${BENCH_PUBLISH:-} != 0 ]] && publish=(--publish Documentation/benchmarks.rst)
phase "report and plots" scripts/bench-report.py "$dir" "${publish[@]}"

echo
echo "Time per phase (s):"
tail -n +2 "$dir/phases.tsv" | awk -F'\t' '{ printf "  %-20s %5d\n", $1, $2 }'
((lock_wait == 0)) || printf '  %-20s %5d\n' "waiting for VMs" "$lock_wait"
printf '  %-20s %5d (%d min %d s)\n' total $((SECONDS - start)) $(((SECONDS - start) / 60)) \
	$(((SECONDS - start) % 60))
((${#failed[@]} == 0)) || die "failed: ${failed[*]} (the report has the rest)"
