#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Builds tests/fuzz_alloc.c as a libFuzzer target against the library's core
# (CORE_SRC and COMMON_SRC, read from the Makefile) with AddressSanitizer and
# UBSan, and runs it for a bounded time from the seeds in tests/fuzz_corpus/.
# Prints TAP between the markers scripts/ktap.py reads, as "make test" does.
#
#   tests/run_fuzz.sh                 30 s or 2000000 runs, whichever first
#   FUZZ_TIME=300 tests/run_fuzz.sh   longer
#
# Needs clang with the libFuzzer runtime: on Debian 12, clang-14 and
# libclang-rt-14-dev.  Without it the test is reported as skipped.
# New corpus entries and crash reproducers go to build/fuzz/, never to
# tests/fuzz_corpus/.

cd "$(dirname "$0")/.." || exit 1
CLANG=${CLANG:-clang}
OUT=${OUT:-build}
FUZZ_TIME=${FUZZ_TIME:-30}
FUZZ_RUNS=${FUZZ_RUNS:-2000000}
DIR=$OUT/fuzz
BIN=$DIR/fuzz_alloc

echo "@@@ BEGIN fuzz"
echo "TAP version 13"
echo "1..1"

# shellcheck disable=SC2016 # a make rule, expanded by make
srcs=$(make -s --no-print-directory --eval 'print-%: ; @echo $($*)' \
	print-CORE_SRC print-COMMON_SRC 2>/dev/null | tr '\n' ' ')
if [ -z "$srcs" ]; then
	echo "not ok 1 - fuzz_alloc # cannot read CORE_SRC from the Makefile"
	echo "@@@ END fuzz rc=1"
	exit 1
fi

mkdir -p "$DIR/corpus"
probe=$DIR/probe.c
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' >"$probe"
if ! $CLANG -fsanitize=fuzzer "$probe" -o "$DIR/probe" 2>/dev/null; then
	echo "ok 1 - fuzz_alloc # SKIP $CLANG cannot link -fsanitize=fuzzer (Debian: libclang-rt-14-dev)"
	echo "@@@ END fuzz rc=0"
	exit 0
fi

# shellcheck disable=SC2086 # $srcs is a list of files
if ! $CLANG -O1 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wno-unused-parameter \
	-I../common -I../include/uapi -Iinclude -pthread \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer tests/fuzz_alloc.c $srcs -o "$BIN" -lm >"$DIR/build.log" 2>&1; then
	sed 's/^/# /' "$DIR/build.log"
	echo "not ok 1 - fuzz_alloc # build failed"
	echo "@@@ END fuzz rc=1"
	exit 1
fi

"$BIN" -max_total_time="$FUZZ_TIME" -runs="$FUZZ_RUNS" -rss_limit_mb=4096 \
	-timeout=20 -print_final_stats=1 -artifact_prefix="$DIR/" \
	"$DIR/corpus" tests/fuzz_corpus >"$DIR/fuzz.log" 2>&1
rc=$?
tail -n 25 "$DIR/fuzz.log" | sed 's/^/# /'
if [ $rc -eq 0 ]; then
	echo "ok 1 - fuzz_alloc ($FUZZ_TIME s)"
else
	echo "not ok 1 - fuzz_alloc (rc $rc; reproducers in $DIR/)"
fi
echo "@@@ END fuzz rc=$rc"
exit $rc
