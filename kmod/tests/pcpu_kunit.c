// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: per-CPU caches never strand memory (kmod/tcache.c,
 * kmod/shrinker.c).
 *
 *   lowering_tcache_max_gives_back  a lower tcache_max empties the stacks
 *                                   above it at once; 0 empties them all
 *   idle_cpu_cache_is_collected     the periodic GC pass runs for a CPU
 *                                   that no longer allocates
 *   shrinker_empties_the_caches     memory pressure empties every cache
 *   size_class_statistics           nrequests, nfills, nflushes, curregs
 *
 * Each case fills a cache from a work item on a chosen CPU and then lets
 * that CPU sit idle, as a CPU that stopped allocating would.
 */
#include <kunit/test.h>
#include <linux/arenalloc.h>
#include <linux/shrinker.h>
#include <linux/workqueue.h>

#include "helpers.h"

#define FILL_MAX 32

struct fill {
	struct work_struct work;
	size_t size;
	unsigned int n;
	bool ok;
};

/* Allocates @n objects of @size, then frees them: they stay cached. */
static void fill_fn(struct work_struct *work)
{
	struct fill *f = container_of(work, struct fill, work);
	void *p[FILL_MAX];
	unsigned int i;

	f->ok = true;
	for (i = 0; i < f->n; i++) {
		p[i] = arenalloc_malloc(f->size, GFP_KERNEL);
		f->ok &= !!p[i];
	}
	for (i = 0; i < f->n; i++)
		arenalloc_free(p[i]);
}

static void fill_on(struct kunit *test, unsigned int cpu, size_t size, unsigned int n)
{
	struct fill f = { .size = size, .n = min(n, FILL_MAX) };

	INIT_WORK_ONSTACK(&f.work, fill_fn);
	queue_work_on(cpu, system_wq, &f.work);
	flush_work(&f.work);
	destroy_work_on_stack(&f.work);
	KUNIT_ASSERT_TRUE(test, f.ok);
}

static unsigned long cached_on(unsigned int cpu, unsigned long *bytes)
{
	struct aa_tcache_stats st;

	aa_tcache_stats_get(cpu, &st);
	if (bytes)
		*bytes = st.cached_bytes;
	return st.ncached;
}

static void restore_tcache_max(void *arg)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%ld", (long)(uintptr_t)arg);
	arenalloc_knob_store(&arenalloc_knob_tcache_max, buf);
}

static void lowering_tcache_max_gives_back(struct kunit *test)
{
	long old = arenalloc_knob_get(&arenalloc_knob_tcache_max);
	unsigned int cpu = cpumask_last(cpu_online_mask);
	unsigned long n, bytes;

	if (old < 1024)
		kunit_skip(test, "tcache_max is below 1024");
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_tcache_max,
							(void *)(uintptr_t)old), 0);
	aa_tcache_flush_all();
	fill_on(test, cpu, 64, FILL_MAX);
	fill_on(test, cpu, 1024, FILL_MAX);
	n = cached_on(cpu, &bytes);
	KUNIT_ASSERT_GT(test, bytes, n * 64);

	/* Above 512 bytes goes at once; the 64-byte objects stay. */
	KUNIT_ASSERT_EQ(test, arenalloc_knob_store(&arenalloc_knob_tcache_max, "512"), 0);
	n = cached_on(cpu, &bytes);
	KUNIT_EXPECT_EQ(test, bytes, n * 64);

	KUNIT_ASSERT_EQ(test, arenalloc_knob_store(&arenalloc_knob_tcache_max, "0"), 0);
	KUNIT_EXPECT_EQ(test, aa_tcache_cached(), 0UL);
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

static void idle_cpu_cache_is_collected(struct kunit *test)
{
	unsigned int cpu = cpumask_last(cpu_online_mask);
	unsigned long before, after;

	if (arenalloc_knob_get(&arenalloc_knob_tcache_max) < 256)
		kunit_skip(test, "tcache_max is below 256");
	if (!arenalloc_knob_get(&arenalloc_knob_tcache_gc_interval))
		kunit_skip(test, "tcache_gc_interval is 0 (no GC)");
	aa_tcache_flush_all();
	fill_on(test, cpu, 256, FILL_MAX);
	before = cached_on(cpu, NULL);
	KUNIT_ASSERT_GT(test, before, 0UL);
	/*
	 * Two passes of the CPU's own timer-driven GC: the first sets the low
	 * water mark to what sits unused, the second gives three quarters back.
	 */
	aa_tcache_gc_kick(cpu);
	aa_tcache_gc_kick(cpu);
	after = cached_on(cpu, NULL);
	KUNIT_EXPECT_LE(test, after, before - DIV_ROUND_UP(before * 3, 4));
	aa_tcache_flush_all();
}

/*
 * The one shrinker counts the caches' bytes as pages besides dirty and
 * retained pages; under pressure it empties the caches too, and once it
 * has scanned everything it counted, nothing is cached, dirty or retained.
 */
static void shrinker_empties_the_caches(struct kunit *test)
{
	struct shrinker *s = aa_shrinker_get();
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	unsigned long count, freed, cached = 0;
	struct aa_tcache_stats st;
	unsigned int cpu;

	if (arenalloc_knob_get(&arenalloc_knob_tcache_max) < 256)
		kunit_skip(test, "tcache_max is below 256");
	KUNIT_ASSERT_NOT_NULL(test, s);
	aa_test_pages_held(NUMA_NO_NODE);
	KUNIT_EXPECT_EQ(test, s->count_objects(s, &sc), SHRINK_EMPTY);
	for_each_online_cpu(cpu)
		fill_on(test, cpu, 256, FILL_MAX);
	for_each_possible_cpu(cpu) {
		aa_tcache_stats_get(cpu, &st);
		cached += st.cached_bytes;
	}
	KUNIT_ASSERT_GT(test, cached, 0UL);
	count = s->count_objects(s, &sc);
	KUNIT_ASSERT_NE(test, count, SHRINK_EMPTY);
	/* GC only lowers what is cached; dirty and retained pages add. */
	KUNIT_EXPECT_GE(test, count, DIV_ROUND_UP(cached, PAGE_SIZE));
	sc.nr_to_scan = count;
	freed = s->scan_objects(s, &sc);
	KUNIT_EXPECT_GT(test, freed, 0UL);
	KUNIT_EXPECT_EQ(test, aa_tcache_cached(), 0UL);
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&aa_dirty_pages), 0L);
	KUNIT_EXPECT_EQ(test, aa_retained_pages(NUMA_NO_NODE), 0UL);
	KUNIT_EXPECT_EQ(test, s->count_objects(s, &sc), SHRINK_EMPTY);
}

/* One class's counters summed over the automatic arenas, hits included. */
static struct aa_class_stats class_totals(struct kunit *test, unsigned int szind)
{
	struct aa_class_stats *cs, sum = {};
	u64 *hits;
	unsigned int i;

	cs = kunit_kcalloc(test, arenalloc_sc.nclasses, sizeof(*cs), GFP_KERNEL);
	hits = kunit_kcalloc(test, arenalloc_sc.nclasses, sizeof(*hits), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cs);
	KUNIT_ASSERT_NOT_NULL(test, hits);
	for (i = 0; i < aa_narenas_auto; i++) {
		aa_arena_class_stats_get(aa_arenas[i], cs);
		sum.nmalloc += cs[szind].nmalloc;
		sum.ndalloc += cs[szind].ndalloc;
		sum.nrequests += cs[szind].nrequests;
		sum.nfills += cs[szind].nfills;
		sum.nflushes += cs[szind].nflushes;
		sum.curregs += cs[szind].curregs;
		sum.curslabs += cs[szind].curslabs;
	}
	aa_tcache_hits_add(NULL, hits);
	sum.nrequests += hits[szind];
	return sum;
}

/*
 * Per size class statistics, jemalloc's meanings: every allocation is one
 * request (a cache hit, or the call that refilled the cache), a refill is
 * one fill, the objects a cache holds are handed out (curregs), and
 * emptying the caches is a flush that gives them all back.
 */
static void size_class_statistics(struct kunit *test)
{
	unsigned int cpu = cpumask_first(cpu_online_mask), szind;
	struct aa_class_stats a, b, c;

	if (arenalloc_knob_get(&arenalloc_knob_tcache_max) < 256)
		kunit_skip(test, "tcache_max is below 256");
	szind = asc_size2index(256);
	aa_tcache_flush_all();
	a = class_totals(test, szind);
	fill_on(test, cpu, 256, FILL_MAX);
	fill_on(test, cpu, 256, FILL_MAX);
	b = class_totals(test, szind);
	KUNIT_EXPECT_EQ(test, b.nrequests - a.nrequests, 2ULL * FILL_MAX);
	KUNIT_EXPECT_GE(test, b.nfills - a.nfills, 1ULL);
	KUNIT_EXPECT_GE(test, b.nmalloc - a.nmalloc, (u64)FILL_MAX);
	KUNIT_EXPECT_LT(test, b.nmalloc - a.nmalloc, 2ULL * FILL_MAX);
	KUNIT_EXPECT_EQ(test, b.curregs - a.curregs,
			(unsigned long)(b.nmalloc - a.nmalloc - (b.ndalloc - a.ndalloc)));
	KUNIT_EXPECT_GE(test, b.curslabs, 1UL);

	aa_tcache_flush_all();
	c = class_totals(test, szind);
	KUNIT_EXPECT_EQ(test, c.curregs, a.curregs);
	KUNIT_EXPECT_EQ(test, c.nmalloc - a.nmalloc, c.ndalloc - a.ndalloc);
	KUNIT_EXPECT_GE(test, c.nflushes - b.nflushes, 1ULL);
	KUNIT_EXPECT_EQ(test, c.nrequests, b.nrequests);
}

static struct kunit_case arenalloc_tcache_cases[] = {
	KUNIT_CASE(lowering_tcache_max_gives_back),
	KUNIT_CASE(idle_cpu_cache_is_collected),
	KUNIT_CASE(shrinker_empties_the_caches),
	KUNIT_CASE(size_class_statistics),
	{}
};

static struct kunit_suite arenalloc_tcache_suite = {
	.name = "arenalloc_tcache",
	.test_cases = arenalloc_tcache_cases,
};

kunit_test_suite(arenalloc_tcache_suite);
