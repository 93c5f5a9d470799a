#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-user` (and the second half of `make bench`): libarenalloc
# against glibc, jemalloc, mimalloc and tcmalloc, side by side, same
# machine, same run.
#
# One benchmark binary (userspace/bench/malloc_bench.c) runs every
# workload under each allocator in turn, by LD_PRELOAD; the allocators
# alternate within each round so drift in the machine's speed hits all of
# them alike, and each figure is the median of ROUNDS rounds (default 5).
# Peak RSS is that of the same runs.  Ratios are to glibc: for ns/pair
# lower is better, for Mops/s higher is better.
#   ROUNDS=N  MT_THREADS="1 2 4"  BENCH_SIZES="16 64 256 1024 4096"
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

rounds=${ROUNDS:-5}
sizes=${BENCH_SIZES:-16 64 256 1024 4096}
threads=${MT_THREADS:-1 $(nproc) $((2 * $(nproc)))}

scripts/deps.sh bench
make -s -C userspace all
mkdir -p "$OUT"
bin=$OUT/malloc_bench
gcc -O2 -g -pthread userspace/bench/malloc_bench.c -o "$bin"

libdir=/usr/lib/$(gcc -print-multiarch)
declare -A lib=(
	[glibc]=""
	[arenalloc]="$ROOT/userspace/build/libarenalloc.so"
	[jemalloc]="$libdir/libjemalloc.so.2"
	[mimalloc]="$libdir/libmimalloc.so.2"
	[tcmalloc]="$libdir/libtcmalloc_minimal.so.4"
)
names=(glibc arenalloc jemalloc mimalloc tcmalloc)
for n in "${names[@]}"; do
	[[ -z ${lib[$n]} || -f ${lib[$n]} ]] || die "missing ${lib[$n]} (scripts/deps.sh bench installs it)"
done

workloads=()
for s in $sizes; do workloads+=("pair $s" "batch $s"); done
for t in $threads; do workloads+=("mt $t"); done

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

log "libarenalloc benchmark: $rounds rounds, $(nproc) CPUs, $(uname -r)"
printf '%-12s' workload
for n in "${names[@]}"; do printf ' %19s' "$n"; done
printf '   (value [ratio to glibc] peak RSS MiB)\n'
for w in "${workloads[@]}"; do
	declare -A vals=() rss=()
	for ((r = 0; r < rounds; r++)); do
		for n in "${names[@]}"; do
			out=$(LD_PRELOAD=${lib[$n]} "$bin" $w)
			vals[$n]+="$(awk '{print $2}' <<<"$out") "
			rss[$n]+="$(awk '{print $5}' <<<"$out") "
		done
	done
	base=$(tr ' ' '\n' <<<"${vals[glibc]}" | grep . | median)
	unit=$(LD_PRELOAD= "$bin" ${w/mt */mt 1 1} | awk '{print $3}')
	printf '%-12s' "${w// /_}"
	for n in "${names[@]}"; do
		v=$(tr ' ' '\n' <<<"${vals[$n]}" | grep . | median)
		m=$(tr ' ' '\n' <<<"${rss[$n]}" | grep . | median)
		printf ' %8.1f [%4.2f] %4.0f' "$v" "$(awk -v a="$v" -v b="$base" 'BEGIN{print a/b}')" \
			"$(awk -v k="$m" 'BEGIN{print k/1024}')"
	done
	printf '   %s\n' "$unit"
done
