#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make lint`: the kernel's own checkers over arenalloc's kernel code.
#
#   checkpatch.pl --strict   style, from Debian's linux-source-6.12
#   kernel-doc -Wall         every documented function documented right
#   sparse (C=2)             address spaces, locking annotations, endianness
#   W=1                      warning-free against the debug 6.12 tree, the
#                            stock 6.12 headers and bookworm's 6.1 headers
#
# Each checker is one result; any message from it fails it.  With a path
# argument the results are written there (for scripts/check.sh); without,
# a summary is printed.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

results=${1:-}
standalone=0
if [[ -z $results ]]; then
	results=$(mktemp)
	standalone=1
	scripts/deps.sh
fi
kdir=$(scripts/build-kernel.sh)
src=${kdir%/build}/src

# Our C sources, not Kbuild's generated *.mod.c.
mapfile -t KERNEL_C < <(find kmod include common samples bench -name '*.[ch]' ! -name '*.mod.c' | sort)

# quiet NAME CMD...: passes when CMD succeeds and prints no warning or error.
quiet() {
	python3 scripts/ktap.py record "$results" "lint/$1" bash -c '
		out=$("${@}" 2>&1); rc=$?
		printf "%s\n" "$out" | grep -v "^make\[" | grep -E "warning|error|WARNING|ERROR|CHECK" && exit 1
		[ $rc = 0 ] || { printf "%s\n" "$out" | tail -20; exit 1; }' _ "${@:2}" || true
}

# build_copy DIR KDIR [ARGS...]: build a fresh copy of the module in DIR.
build_copy() {
	local dir=$1 k=$2
	shift 2
	copy_module_tree "$dir"
	make -s -C "$k" M="$dir" "$@" modules
}
export -f build_copy copy_module_tree
export ROOT

quiet "checkpatch --strict" perl "$src/scripts/checkpatch.pl" --terse --no-tree --strict \
	--show-types --file "${KERNEL_C[@]}" selftests/arenalloc/*.[ch]
# libarenalloc is userspace C in the kernel's style; what checkpatch says
# only of kernel code is left out: kernel types (u64 for uint64_t),
# negative errnos (mallctl() returns positive ones), ARRAY_SIZE and
# __printf() (kernel macros), split user-visible strings (printf formats
# with PRIu64), volatile (the benchmark's stop flag and sink), CamelCase
# (PRIu64, _Noreturn) and architecture defines (the spin-wait hint).
quiet "checkpatch --strict (userspace)" perl "$src/scripts/checkpatch.pl" --terse --no-tree \
	--strict --show-types \
	--ignore PREFER_KERNEL_TYPES,USE_NEGATIVE_ERRNO,ARRAY_SIZE,PREFER_DEFINED_ATTRIBUTE_MACRO,SPLIT_STRING,VOLATILE,CAMELCASE,ARCH_DEFINES \
	--file userspace/src/*.[ch] userspace/include/*.h userspace/tests/*.[ch] userspace/bench/*.c \
	userspace/tools/*.c
quiet "kernel-doc -Wall" perl "$src/scripts/kernel-doc" -none -Wall "${KERNEL_C[@]}"
quiet "sparse C=2" build_copy "$OUT/build/sparse" "$kdir" C=2
quiet "W=1 debug 6.12" build_copy "$OUT/build/w1-debug" "$kdir" W=1
quiet "W=1 stock 6.12" build_copy "$OUT/build/w1-stock-6.12" "$(stock_kdir)" W=1
quiet "W=1 stock 6.1" build_copy "$OUT/build/w1-stock-6.1" "$(stock61_kdir)" W=1

if ((standalone)); then
	python3 scripts/ktap.py summary "$results"
	rc=$?
	rm -f "$results"
	exit $rc
fi
