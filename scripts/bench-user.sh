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
# Peak RSS is that of the same runs.  The table's ratios are to glibc:
# for ns/pair lower is better, for Mops/s higher is better.  A second
# table gives libarenalloc's cost relative to every contender, turned so
# that below 1.00 is always better for libarenalloc (time: its time over
# theirs, throughput: theirs over its; peak RSS: its over theirs), with
# the geometric mean of each column.
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
declare -A med=() peak=() higher=()
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
		med[$w,$n]=$v
		peak[$w,$n]=$m
	done
	[[ $unit == *ops* ]] && higher[$w]=1
	printf '   %s\n' "$unit"
done

# libarenalloc against each contender: below 1.00 is better for it.
others=(glibc jemalloc mimalloc tcmalloc)
printf '\n%-12s' "arenalloc vs"
for n in "${others[@]}"; do printf ' %19s' "$n"; done
printf '   (cost ratio; peak RSS ratio)\n'
declare -A logsum=() logrss=()
for w in "${workloads[@]}"; do
	printf '%-12s' "${w// /_}"
	for n in "${others[@]}"; do
		r=$(awk -v a="${med[$w,arenalloc]}" -v b="${med[$w,$n]}" -v h="${higher[$w]:-0}" \
			'BEGIN{print h ? b/a : a/b}')
		q=$(awk -v a="${peak[$w,arenalloc]}" -v b="${peak[$w,$n]}" 'BEGIN{print b ? a/b : 1}')
		logsum[$n]=$(awk -v s="${logsum[$n]:-0}" -v r="$r" 'BEGIN{print s + log(r)}')
		logrss[$n]=$(awk -v s="${logrss[$n]:-0}" -v r="$q" 'BEGIN{print s + log(r)}')
		printf '        %5.2f; %5.2f' "$r" "$q"
	done
	printf '\n'
done
printf '%-12s' geomean
for n in "${others[@]}"; do
	printf '        %5.2f; %5.2f' \
		"$(awk -v s="${logsum[$n]}" -v k="${#workloads[@]}" 'BEGIN{print exp(s / k)}')" \
		"$(awk -v s="${logrss[$n]}" -v k="${#workloads[@]}" 'BEGIN{print exp(s / k)}')"
done
printf '\n'

