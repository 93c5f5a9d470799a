#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-user` (and part of `make bench`): libarenalloc against glibc,
# jemalloc, mimalloc and tcmalloc, side by side, same machine, same run.
#
# Workloads: the project's own (userspace/bench/malloc_bench.c: pairs and
# batches by size, mixed-size churn, realloc growth, large-block churn, a
# producer/consumer, thread churn, cache thrash, a larson-style server and
# a multithreaded window with cross-thread frees) and real programs
# (scripts/bench/programs.sh: sqlite3, python3, git, xz, gcc, redis).
# Every allocator is loaded the same way, by LD_PRELOAD (glibc: none).
# Within each round the allocators alternate, starting from a different one
# each round, so drift in the machine's speed hits all of them alike.
# Every run's result is compared with glibc's: a wrong answer fails the
# benchmark instead of counting as fast.  Then a burst-then-idle run per
# allocator records RSS over time (decay), libarenalloc with and without
# its background thread.
#
# Writes out/bench/user.tsv (one line per run), out/bench/burst-*.tsv and
# out/bench/time-user.tsv (seconds spent per workload, all contenders and
# rounds together); scripts/bench-report.py turns them into the report.
#
# Run time: every own workload repeats a fixed unit of work until
# BENCH_MIN_S have passed (malloc_bench -t), so each run lasts about as
# long whatever the contender's speed (a fixed count would make glibc's
# batch_4096 run 150 times as long as tcmalloc's); mt and larson run for
# MT_SECONDS; the programs are sized to a second or a few each.  With the
# defaults the suite took 14 minutes on 2 cores shared with other jobs.
#   ROUNDS=N (5)          alternating rounds of every workload
#   BENCH_MIN_S (0.3)     seconds each own-workload run lasts at least
#   MT_THREADS ("1 N 2N") thread counts of larson and mt (N: CPUs here)
#   MT_SECONDS (1)        seconds per larson or mt run
#   BENCH_THREADS (N)     threads of xmalloc, churn and thrash
#   BENCH_SIZES ("16 64 256 1024 4096")  sizes of pair and batch
#   BENCH_ONLY (regex)    workloads to run, e.g. 'pair|program sqlite3'
#   BURST_MIB (256)  BURST_IDLE_S (10): the burst-then-idle RSS trace, one
#                         process per allocator, all at once (they sleep)
#   BENCH_SMOKE=1: make check's version: one round, tiny units repeated
#   for 50 ms (so the check of a repeated unit is exercised too), results
#   still checked against glibc's; no figures are kept.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

smoke=${BENCH_SMOKE:-0}
rounds=${ROUNDS:-5}
min_s=${BENCH_MIN_S:-0.3}
mt_s=${MT_SECONDS:-1}
sizes=${BENCH_SIZES:-16 64 256 1024 4096}
ncpu=$(nproc)
threads=${MT_THREADS:-1 $ncpu $((2 * ncpu))}
wthreads=${BENCH_THREADS:-$ncpu}
only=${BENCH_ONLY:-.}
burst_mib=${BURST_MIB:-256} burst_idle=${BURST_IDLE_S:-10}
dir=$OUT/bench
((smoke)) && { rounds=1 min_s=0.05 mt_s=0.2 sizes="64 4096" threads=2 wthreads=2 dir=$OUT/bench-smoke \
	burst_mib=8 burst_idle=1; }

((smoke)) || scripts/deps.sh bench
make -s -C userspace all
mkdir -p "$dir"
bin=$dir/malloc_bench
cp userspace/build/malloc_bench "$bin"

libdir=/usr/lib/$(gcc -print-multiarch)
declare -A lib=(
	[glibc]=""
	[arenalloc]="$ROOT/userspace/build/libarenalloc.so"
	[jemalloc]="$libdir/libjemalloc.so.2"
	[mimalloc]="$libdir/libmimalloc.so.2"
	[tcmalloc]="$libdir/libtcmalloc_minimal.so.4"
)
names=(glibc arenalloc jemalloc mimalloc tcmalloc)
# The smoke run checks our results against glibc's, nothing more.
((smoke)) && names=(glibc arenalloc)
for n in "${names[@]}"; do
	[[ -z ${lib[$n]} || -f ${lib[$n]} ]] || die "missing ${lib[$n]} (scripts/deps.sh bench installs it)"
done

# The unit of work of each own workload ("" for malloc_bench's default);
# the smoke run's are a few milliseconds.
if ((smoke)); then
	micro_n=(pair:20000 batch:20 mixed:20000 realloc:2000 large:4 xmalloc:2000 churn:4
		thrash:100000)
else
	micro_n=()
fi
declare -A nargs
for kv in "${micro_n[@]}"; do nargs[${kv%%:*}]=${kv#*:}; done
work=()
for s in $sizes; do work+=("micro pair $s" "micro batch $s"); done
work+=("micro mixed" "micro realloc" "micro large" "micro xmalloc $wthreads"
	"micro churn $wthreads" "micro thrash $wthreads")
for t in $threads; do work+=("micro larson $t" "micro mt $t"); done
progdata=$dir/programs
scripts/bench/programs.sh prepare "$progdata" "$smoke"
for p in $(scripts/bench/programs.sh list); do work+=("program $p"); done

tsv=$dir/user.tsv
rm -f "$dir"/burst-*.tsv
printf 'suite\ttest\tallocator\tround\tvalue\tunit\tmaxrss_kb\tcheck\n' >"$tsv"

# run_one SUITE ARGS...: prints "test value unit maxrss_kb check".
run_one() {
	local suite=$1 out t0 t1 st
	shift
	if [[ $suite == micro ]]; then
		local w=$1 a=${2:-}
		if [[ $w == larson || $w == mt ]]; then
			out=$("$bin" "$w" "$a" "$mt_s")
		else
			# shellcheck disable=SC2086 # mixed, realloc, large: no $a
			out=$("$bin" -t "$min_s" "$w" $a ${nargs[$w]:-})
		fi
		awk '{ print $1, $2, $3, $5, $7 }' <<<"${out##*$'\n'}"
	else
		st=$(mktemp)
		# A program that fails is a failed run, not a result (time(1)
		# then writes "Command exited with non-zero status" first).
		out=$(/usr/bin/time -f '%e %M' -o "$st" scripts/bench/programs.sh run "$1" "$progdata" "$smoke" |
			sha256sum | cut -c1-16) || { rm -f "$st"; return 1; }
		read -r t0 t1 < <(tail -1 "$st")
		rm -f "$st"
		echo "$1 $t0 s $t1 $out"
	fi
}

log "userspace benchmark: $rounds rounds, $ncpu CPUs, $(uname -r), allocators: ${names[*]}"
printf 'workload\tseconds\n' >"$dir/time-user.tsv"
bad=0
for w in "${work[@]}"; do
	[[ $w =~ $only ]] || continue
	# shellcheck disable=SC2206
	args=($w)
	t0=$SECONDS
	# Every run of a workload must give the same check as every other.
	want='' want_from=''
	for ((r = 0; r < rounds; r++)); do
		for ((i = 0; i < ${#names[@]}; i++)); do
			n=${names[$(((i + r) % ${#names[@]}))]}
			if ! res=$(LD_PRELOAD=${lib[$n]} run_one "${args[@]}"); then
				log "FAILED: $w under $n"
				bad=1
				continue
			fi
			read -r test val unit rss chk <<<"$res"
			printf '%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n' "${args[0]}" "$test" "$n" "$r" "$val" \
				"$unit" "$rss" "$chk" >>"$tsv"
			[[ -n $want ]] || want=$chk want_from=$n
			if [[ $chk != "$want" ]]; then
				log "WRONG RESULT: $w under $n (check $chk, under $want_from $want)"
				bad=1
			fi
		done
	done
	printf '%s\t%d\n' "${w#* }" $((SECONDS - t0)) >>"$dir/time-user.tsv"
	log "done: $w ($((SECONDS - t0)) s)"
done

# RSS over time after a burst is freed: does the memory go back?  The
# processes run side by side: after the burst they only sleep and sample.
if [[ burst =~ $only ]]; then
	t0=$SECONDS
	pids=()
	for n in "${names[@]}" arenalloc-bg; do
		l=${lib[${n%-bg}]} conf=
		[[ $n == arenalloc-bg ]] && conf=background_thread:true
		(LD_PRELOAD=$l ARENALLOC_CONF=$conf "$bin" burst "$burst_mib" "$burst_idle" |
			awk '$1 == "rss" { print $2 "\t" $3 }' >"$dir/burst-$n.tsv") &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || bad=1; done
	for n in "${names[@]}" arenalloc-bg; do
		[[ -s $dir/burst-$n.tsv ]] || { log "FAILED: burst under $n"; bad=1; }
	done
	printf 'burst %s MiB, %s s idle\t%d\n' "$burst_mib" "$burst_idle" $((SECONDS - t0)) >>"$dir/time-user.tsv"
	log "done: burst then idle ($((SECONDS - t0)) s)"
fi
((bad == 0)) || die "some runs failed or gave a wrong result (see above)"
((smoke)) && { log "smoke run passed"; exit 0; }
echo "userspace suite: ${names[*]} by LD_PRELOAD; $rounds rounds; own workloads ${min_s} s per run (larson, mt ${mt_s} s); threads: larson and mt $threads, others $wthreads" >"$dir/meta-user.txt"
log "results in $tsv"
[[ ${BENCH_REPORT:-1} == 0 ]] || scripts/bench-report.py "$dir"
