#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: everything, ending with one line "N passed, N failed".
#
#  1. dependencies (scripts/deps.sh) and the debug kernel (built once)
#  2. host tests: the harness's own verdict logic, the uapi header, and
#     libarenalloc: its tests in four flavours (plain with the malloc
#     overrides, ASan + UBSan, TSan, debug), real programs under
#     LD_PRELOAD, a bounded libFuzzer run, the benchmarks' smoke run
#  3. lint (scripts/lint.sh): checkpatch, sparse, W=1 on 6.12 and 6.1
#  4. debug-kernel VM: kselftests, KUnit, kmemleak, splat and taint checks,
#     libarenalloc over /dev/arenalloc (its device, stress and fork tests,
#     sqlite3 preloaded)
#  5. stock Debian 6.12 VM: load, kselftests, the same libarenalloc tests,
#     unload
#
# A phase that fails is reported and the rest still run; the exit status is
# non-zero if any test failed.  Logs and results stay in out/.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

start=$(date +%s)
res=$OUT/results
rm -rf "$res" "$OUT/logs"
mkdir -p "$res" "$OUT/logs"
# record FILE NAME CMD...: one result; returns CMD's status.
record() { python3 scripts/ktap.py record "$res/$1" "${@:2}"; }
phase() { log "== $* ($(($(date +%s) - start)) s)"; }

phase "dependencies"
scripts/deps.sh
kdir=$(scripts/build-kernel.sh)
ksft=${kdir%/build}/src/tools/testing/selftests

phase "host tests"
python3 scripts/ktap.py unittest scripts/tests "$res/10-host-harness"
record 11-host-uapi "host/uapi header stands alone in C" \
	gcc -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude/uapi \
	scripts/tests/uapi_header.c -o "$OUT/uapi_header_c" || :
record 11-host-uapi "host/uapi header stands alone in C++" \
	g++ -std=c++11 -Wall -Wextra -Werror -pedantic -Iinclude/uapi \
	-x c++ scripts/tests/uapi_header.c -o "$OUT/uapi_header_cxx" || :

{
	make -s -C userspace test
	userspace/tests/preload.sh
	userspace/tests/run_fuzz.sh
} >"$OUT/logs/host-userspace.log" 2>&1 || :
python3 scripts/ktap.py groups "$OUT/logs/host-userspace.log" "$res/12-host-userspace" host
# Every benchmark workload and program, a few iterations, results compared
# with glibc's (figures come only from make bench).
record 13-host-bench "host/benchmark smoke run: every workload gives glibc's result" \
	bash -c 'BENCH_SMOKE=1 scripts/bench-user.sh >"$1" 2>&1' _ "$OUT/logs/bench-smoke.log" || :

phase "lint"
scripts/lint.sh "$res/20-lint"

# A VM phase runs only if its build passed; the build is a result itself.
phase "debug kernel VM"
if record 30-debug-build "debug-vm/build module and selftests" \
	make -s KDIR="$kdir" modules selftests KSFT_DIR="$ksft"; then
	VM_APPEND="${VM_APPEND:-} init_on_free=1" VM_QUIET=1 scripts/vm.sh check "$kdir/arch/x86/boot/bzImage" "$OUT/logs/debug-vm.log"
	python3 scripts/ktap.py vm "$OUT/logs/debug-vm.log" "$res/31-debug-vm" debug-vm
fi

phase "stock kernel VM"
stock_build=$OUT/build/stock-6.12
copy_module_tree "$stock_build"
if record 40-stock-build "stock-vm/build module for Debian's kernel" \
	make -s -C "$(stock_kdir)" M="$stock_build" modules; then
	VM_QUIET=1 scripts/vm.sh smoke "$(stock_vmlinuz)" "$OUT/logs/stock-vm.log" "$stock_build/kmod"
	python3 scripts/ktap.py vm "$OUT/logs/stock-vm.log" "$res/41-stock-vm" stock-vm
fi

phase "summary (logs in $OUT/logs, wall time $(($(date +%s) - start)) s)"
python3 scripts/ktap.py summary "$res"/*
