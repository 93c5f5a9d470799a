#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: everything, ending with one line "N passed, N failed".
#
#  1. dependencies (scripts/deps.sh) and the debug kernel (built once)
#  2. host tests: the harness's own verdict logic, the uapi header
#  3. lint (scripts/lint.sh): checkpatch, sparse, W=1 on 6.12 and 6.1
#  4. debug-kernel VM: kselftests, KUnit, kmemleak, splat and taint checks
#  5. stock Debian 6.12 VM: load, kselftests, unload
#
# A phase that fails is reported and the rest still run; the exit status is
# non-zero if any test failed.  Logs and results stay in out/.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

start=$(date +%s)
res=$OUT/results
rm -rf "$res" "$OUT/logs"
mkdir -p "$res" "$OUT/logs"
record() { python3 scripts/ktap.py record "$res/$1" "${@:2}"; }
phase() { log "== $* ($(($(date +%s) - start)) s)"; }

phase "dependencies"
scripts/deps.sh
kdir=$(scripts/build-kernel.sh)
ksft=${kdir%/build}/src/tools/testing/selftests

phase "host tests"
python3 scripts/ktap.py unittest scripts/tests "$res/10-host-harness"
record 11-host-uapi "host/uapi header compiles as C" \
	gcc -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only -Iinclude/uapi \
	-include linux/arenalloc.h -x c /dev/null
record 11-host-uapi "host/uapi header compiles as C++" \
	g++ -Wall -Wextra -Werror -fsyntax-only -Iinclude/uapi \
	-include linux/arenalloc.h -x c++ /dev/null

phase "lint"
scripts/lint.sh "$res/20-lint"

phase "debug kernel VM"
make -s KDIR="$kdir" modules
make -s -C selftests/arenalloc KSFT_DIR="$ksft"
VM_QUIET=1 scripts/vm.sh check "$kdir/arch/x86/boot/bzImage" "$OUT/logs/debug-vm.log"
python3 scripts/ktap.py vm "$OUT/logs/debug-vm.log" "$res/30-debug-vm" debug-vm

phase "stock kernel VM"
stock_build=$OUT/build/stock-6.12
rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	Kbuild kmod include "$stock_build/"
make -s -C "$(stock_kdir)" M="$stock_build" modules
VM_QUIET=1 scripts/vm.sh smoke "$(stock_vmlinuz)" "$OUT/logs/stock-vm.log" "$stock_build/kmod"
python3 scripts/ktap.py vm "$OUT/logs/stock-vm.log" "$res/40-stock-vm" stock-vm

phase "summary (logs in $OUT/logs, wall time $(($(date +%s) - start)) s)"
python3 scripts/ktap.py summary "$res"/*
