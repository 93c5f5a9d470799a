// SPDX-License-Identifier: GPL-2.0
/*
 * arenalloc_bench: side-by-side timing of arenalloc and kmalloc, run by
 * `make bench` in a VM and printed to the kernel log.
 *
 * Two patterns per size, each measured for arenalloc and for kmalloc in
 * alternating rounds on one CPU (the median round is reported):
 *   pair   allocate and free one object, over and over: the per-CPU cache
 *          hit path of both allocators
 *   batch  allocate BATCH objects, then free them all: refills and flushes
 *          between the caches and the arenas (or SLUB's slabs)
 * Each object is touched once so neither call can be optimised away.  The
 * numbers are nanoseconds per allocation+free pair on whatever machine
 * runs the VM; only the ratio between the two allocators is meant to carry
 * over to other machines.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/arenalloc.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>

#define ROUNDS	7
#define PAIRS	20000
#define BATCH	1000

static unsigned int iterations = PAIRS;
module_param(iterations, uint, 0444);
MODULE_PARM_DESC(iterations, "alloc+free pairs per round (default 20000)");

static void **batch;

typedef void *(*alloc_fn)(size_t size);
typedef void (*free_fn)(void *p);

static void *aa_alloc(size_t size) { return arenalloc_malloc(size, GFP_KERNEL); }
static void *k_alloc(size_t size) { return kmalloc(size, GFP_KERNEL); }
static void k_free(void *p) { kfree(p); }

/*
 * The round functions are always inlined with constant allocator
 * arguments, so both allocators are called directly, as a user would.
 */

/* Nanoseconds per pair for one round, or 0 if an allocation failed. */
static __always_inline u64 round_pairs(alloc_fn a, free_fn f, size_t size)
{
	unsigned int i;
	u64 t0, t1;

	t0 = ktime_get_ns();
	for (i = 0; i < iterations; i++) {
		char *p = a(size);

		if (!p)
			return 0;
		WRITE_ONCE(*p, 1);
		f(p);
	}
	t1 = ktime_get_ns();
	return (t1 - t0) / iterations;
}

static __always_inline u64 round_batch(alloc_fn a, free_fn f, size_t size)
{
	unsigned int i, r, reps = max(1U, iterations / BATCH);
	u64 t0, t1;

	t0 = ktime_get_ns();
	for (r = 0; r < reps; r++) {
		for (i = 0; i < BATCH; i++) {
			batch[i] = a(size);
			if (!batch[i])
				goto fail;
			WRITE_ONCE(*(char *)batch[i], 1);
		}
		for (i = 0; i < BATCH; i++)
			f(batch[i]);
	}
	t1 = ktime_get_ns();
	return (t1 - t0) / (reps * BATCH);
fail:
	while (i--)
		f(batch[i]);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v)
{
	sort(v, ROUNDS, sizeof(*v), cmp_u64, NULL);
	return v[ROUNDS / 2];
}

static void bench_size(const char *pattern, size_t size, bool batched)
{
	u64 aa[ROUNDS], km[ROUNDS], ma, mk;
	unsigned int r;

	/* Alternate the allocators so drift hits both alike. */
	for (r = 0; r < ROUNDS; r++) {
		if (batched) {
			aa[r] = round_batch(aa_alloc, arenalloc_free, size);
			km[r] = round_batch(k_alloc, k_free, size);
		} else {
			aa[r] = round_pairs(aa_alloc, arenalloc_free, size);
			km[r] = round_pairs(k_alloc, k_free, size);
		}
	}
	ma = median(aa);
	mk = median(km);
	pr_info("%-5s %6zu B  arenalloc %6llu ns  kmalloc %6llu ns  ratio %llu.%02llu\n",
		pattern, size, ma, mk, mk ? ma / mk : 0, mk ? ma * 100 / mk % 100 : 0);
}

static int __init arenalloc_bench_init(void)
{
	static const size_t sizes[] = { 16, 64, 256, 1024, 4096 };
	unsigned int i;

	batch = kcalloc(BATCH, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;
	pr_info("ns per alloc+free pair, median of %d rounds, cpu %d, %u pairs per round\n",
		ROUNDS, raw_smp_processor_id(), iterations);
	migrate_disable();
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		bench_size("pair", sizes[i], false);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		bench_size("batch", sizes[i], true);
	migrate_enable();
	kfree(batch);
	return 0;
}

static void __exit arenalloc_bench_exit(void)
{
}

module_init(arenalloc_bench_init);
module_exit(arenalloc_bench_exit);

MODULE_DESCRIPTION("arenalloc vs kmalloc timing");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ARENALLOC);
