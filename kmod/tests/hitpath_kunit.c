// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the per-CPU cache's hit path (kmod/tcache.h, kmod/api.c) and the
 * free path's lookup (aa_lookup_fast(), kmod/arena.c).
 *
 *   irq_while_cache_in_use  a hardirq that comes while this CPU's task
 *                           holds the cache allocates and frees through
 *                           the arena, leaving the task's stack untouched
 *   irq_with_cache_free     a hardirq that finds the cache free uses it
 *   cpu_hotplug_empties_cache  a CPU that goes down gives its cache back;
 *                           back up, its cache serves again
 *   size_index_folds        include/linux/arenalloc.h's compile-time class
 *                           agrees with the size classes for every size
 *   region_index_is_exact   the reciprocal gives every offset's region
 *   fast_lookup_refuses     what aa_lookup_fast() does not vouch for
 *
 * The interrupt cases hold the cache with preemption off and raise an
 * irq_work on this CPU, then wait for it with irq_work_sync(), which spins
 * for a hard irq_work: the handler runs on this CPU in the middle of the
 * held section, every time, with no sleep and no timing.
 */
#include <kunit/test.h>
#include <linux/arenalloc.h>
#include <linux/cpu.h>
#include <linux/irq_work.h>
#include <linux/workqueue.h>

#include "helpers.h"
#include "tcache.h"

#define HIT_SIZE	64

struct hit_irq {
	struct irq_work work;
	bool in_hardirq;
	bool saw_in_use;
	void *p;
	size_t usable;
	u16 ncached_in_irq;
	void *q;
	bool done;
};

static struct aa_tbin *this_bin(unsigned int szind)
{
	return &this_cpu_ptr(aa_tcache)->bins[szind];
}

/* In hardirq: one GFP_ATOMIC allocation and one free, and what they did. */
static void hit_irq_fn(struct irq_work *work)
{
	struct hit_irq *h = container_of(work, struct hit_irq, work);
	unsigned int szind = asc_size2index(HIT_SIZE);

	h->in_hardirq = in_hardirq();
	h->saw_in_use = READ_ONCE(this_cpu_ptr(aa_tcache)->in_use);
	h->p = arenalloc_malloc(HIT_SIZE, GFP_ATOMIC);
	h->usable = h->p ? arenalloc_usable_size(h->p) : 0;
	h->ncached_in_irq = this_bin(szind)->ncached;
	arenalloc_free(h->p);
	/* A second object, freed by the task later: a cross-context free. */
	h->q = arenalloc_malloc(HIT_SIZE, GFP_ATOMIC);
	WRITE_ONCE(h->done, true);
}

/*
 * Raises @h's irq_work on this CPU and spins until its handler has run
 * (irq_work_sync() may sleep; preemption is off here).
 */
static void run_irq_here(struct hit_irq *h)
{
	irq_work_queue(&h->work);
	while (!READ_ONCE(h->done))
		cpu_relax();
}

static void skip_without_cache(struct kunit *test)
{
	if (arenalloc_knob_get(&arenalloc_knob_tcache_max) < HIT_SIZE)
		kunit_skip(test, "tcache_max is below %d", HIT_SIZE);
	if (aa_debug())
		kunit_skip(test, "debug=1 keeps objects out of the caches");
}

static void irq_while_cache_in_use(struct kunit *test)
{
	struct hit_irq *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	unsigned int szind = asc_size2index(HIT_SIZE);
	struct aa_tcache *tc;
	void *warm, *top;
	u16 ncached;
	u64 hits;

	KUNIT_ASSERT_NOT_NULL(test, h);
	skip_without_cache(test);
	init_irq_work(&h->work, hit_irq_fn);
	/* Warm: this CPU's stack holds at least one object. */
	preempt_disable();
	warm = arenalloc_malloc(HIT_SIZE, GFP_NOWAIT);
	arenalloc_free(warm);
	tc = aa_tcache_get();
	KUNIT_EXPECT_NOT_NULL(test, tc);
	if (tc) {
		ncached = tc->bins[szind].ncached;
		top = ncached ? tc->bins[szind].slots[ncached - 1] : NULL;
		hits = tc->bins[szind].nhits;
		/* The handler runs here, on this CPU, with the cache held. */
		run_irq_here(h);
		KUNIT_EXPECT_EQ(test, tc->bins[szind].ncached, ncached);
		KUNIT_EXPECT_PTR_EQ(test, ncached ? tc->bins[szind].slots[ncached - 1] : NULL,
				    top);
		KUNIT_EXPECT_EQ(test, tc->bins[szind].nhits, hits);
		aa_tcache_put(tc);
	}
	preempt_enable();
	irq_work_sync(&h->work);

	KUNIT_EXPECT_TRUE(test, h->in_hardirq);
	KUNIT_EXPECT_TRUE(test, h->saw_in_use);
	KUNIT_ASSERT_NOT_NULL(test, h->p);
	KUNIT_EXPECT_EQ(test, h->usable, (size_t)HIT_SIZE);
	KUNIT_EXPECT_PTR_NE(test, h->p, warm);
	KUNIT_ASSERT_NOT_NULL(test, h->q);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(h->q), (size_t)HIT_SIZE);
	arenalloc_free(h->q);
	aa_tcache_flush_all();
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

static void irq_with_cache_free(struct kunit *test)
{
	struct hit_irq *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	unsigned int szind = asc_size2index(HIT_SIZE);
	void *warm;
	u16 ncached;

	KUNIT_ASSERT_NOT_NULL(test, h);
	skip_without_cache(test);
	init_irq_work(&h->work, hit_irq_fn);
	preempt_disable();
	warm = arenalloc_malloc(HIT_SIZE, GFP_NOWAIT);
	arenalloc_free(warm);
	ncached = this_bin(szind)->ncached;
	run_irq_here(h);
	preempt_enable();
	irq_work_sync(&h->work);

	KUNIT_EXPECT_TRUE(test, h->in_hardirq);
	KUNIT_EXPECT_FALSE(test, h->saw_in_use);
	/* The handler's allocation was the object on top of the stack. */
	KUNIT_EXPECT_PTR_EQ(test, h->p, warm);
	KUNIT_EXPECT_EQ(test, h->ncached_in_irq, ncached - 1);
	KUNIT_ASSERT_NOT_NULL(test, h->q);
	arenalloc_free(h->q);
	aa_tcache_flush_all();
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

struct fill {
	struct work_struct work;
	unsigned int n;
	bool ok;
};

/* Allocates and frees @n objects on the work's CPU: they stay cached. */
static void fill_fn(struct work_struct *work)
{
	struct fill *f = container_of(work, struct fill, work);
	void *p[16];
	unsigned int i;

	f->ok = true;
	for (i = 0; i < f->n; i++) {
		p[i] = arenalloc_malloc(HIT_SIZE, GFP_KERNEL);
		f->ok &= !!p[i];
	}
	for (i = 0; i < f->n; i++)
		arenalloc_free(p[i]);
}

static bool fill_on(unsigned int cpu)
{
	struct fill f = { .n = 16 };

	INIT_WORK_ONSTACK(&f.work, fill_fn);
	queue_work_on(cpu, system_wq, &f.work);
	flush_work(&f.work);
	destroy_work_on_stack(&f.work);
	return f.ok;
}

static void cpu_hotplug_empties_cache(struct kunit *test)
{
	unsigned int cpu = cpumask_last(cpu_online_mask);
	struct aa_tcache_stats st;
	int ret;

	skip_without_cache(test);
	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) || num_online_cpus() < 2 || !cpu)
		kunit_skip(test, "needs a second CPU that can go offline");
	aa_tcache_flush_all();
	KUNIT_ASSERT_TRUE(test, fill_on(cpu));
	aa_tcache_stats_get(cpu, &st);
	KUNIT_ASSERT_GT(test, st.ncached, 0UL);

	ret = remove_cpu(cpu);
	if (ret)
		kunit_skip(test, "CPU %u cannot go offline (%d)", cpu, ret);
	aa_tcache_stats_get(cpu, &st);
	KUNIT_EXPECT_EQ(test, st.ncached, 0UL);
	aa_tcache_flush_all();
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);

	KUNIT_ASSERT_EQ(test, add_cpu(cpu), 0);
	KUNIT_EXPECT_TRUE(test, fill_on(cpu));
	aa_tcache_stats_get(cpu, &st);
	KUNIT_EXPECT_GT(test, st.ncached, 0UL);
	aa_tcache_flush_all();
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

static void size_index_folds(struct kunit *test)
{
	size_t size;

	/* Constants, as a client writes them. */
	KUNIT_EXPECT_EQ(test, arenalloc_size_index(1), asc_size2index(1));
	KUNIT_EXPECT_EQ(test, arenalloc_size_index(64), asc_size2index(64));
	KUNIT_EXPECT_EQ(test, arenalloc_size_index(100), asc_size2index(100));
	KUNIT_EXPECT_EQ(test, arenalloc_size_index(4096), asc_size2index(4096));
	for (size = 0; size <= arenalloc_sc.large_max; size++)
		if (arenalloc_size_index(size) != asc_size2index(max_t(size_t, size, 1)))
			KUNIT_FAIL(test, "size %zu: %u, not %u", size, arenalloc_size_index(size),
				   asc_size2index(max_t(size_t, size, 1)));
}

/*
 * Every offset of every slab, widened ones included (8 regions: 28 pages
 * for 14336 bytes): the reciprocal's region index, the free path's
 * divisibility test (aa_lookup_fast()), and the page's offset as its
 * AA_PINFO() word carries it.
 */
static void region_index_is_exact(struct kunit *test)
{
	unsigned int szind, pg;
	u32 off, size, bytes, pi;
	bool start;

	for (szind = 0; szind < arenalloc_sc.nsmall; szind++) {
		size = aa_class_bytes[szind];
		bytes = arenalloc_sc.slab[szind].pages << PAGE_SHIFT;
		KUNIT_EXPECT_EQ(test, size, (u32)asc_index2size(szind));
		for (off = 0; off < bytes; off++)
			if (aa_region_index(szind, off) != off / size) {
				KUNIT_FAIL(test, "class %u offset %u: %u, not %u", szind, off,
					   aa_region_index(szind, off), off / size);
				break;
			}
		for (off = 0; off < bytes; off++) {
			start = off * aa_class_divisor[szind] < aa_class_divisor[szind];
			if (start != !(off % size)) {
				KUNIT_FAIL(test, "class %u offset %u: region start %d", szind, off,
					   start);
				break;
			}
		}
		for (pg = 0; pg < arenalloc_sc.slab[szind].pages; pg++) {
			pi = AA_PINFO(szind, pg);
			KUNIT_EXPECT_EQ(test, AA_PINFO_SZIND(pi), (unsigned long)szind);
			KUNIT_EXPECT_EQ(test, AA_PINFO_OFF(pi), pg << PAGE_SHIFT);
		}
	}
	/* A large class: nothing but its first byte starts it. */
	for (szind = arenalloc_sc.nsmall; szind < arenalloc_sc.nclasses; szind++)
		KUNIT_EXPECT_EQ(test, aa_region_index(szind, PAGE_SIZE - 1), 0U);
}

static void fast_lookup_refuses(struct kunit *test)
{
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	char *s = arenalloc_malloc(HIT_SIZE, GFP_KERNEL);
	char *l = arenalloc_malloc(5 * PAGE_SIZE, GFP_KERNEL);
	char *k = kmalloc(HIT_SIZE, GFP_KERNEL);
	unsigned long szind;
	void *priv;
	int local;

	KUNIT_ASSERT_GE(test, id, 0);
	priv = arenalloc_mallocx(HIT_SIZE, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, priv);
	preempt_disable();
	KUNIT_EXPECT_NOT_NULL(test, aa_lookup_fast(s, &szind));
	KUNIT_EXPECT_EQ(test, szind, (unsigned long)asc_size2index(HIT_SIZE));
	KUNIT_EXPECT_NOT_NULL(test, aa_lookup_fast(l, &szind));
	KUNIT_EXPECT_EQ(test, szind, (unsigned long)asc_size2index(5 * PAGE_SIZE));
	KUNIT_EXPECT_NULL(test, aa_lookup_fast(s + 8, &szind));
	KUNIT_EXPECT_NULL(test, aa_lookup_fast(l + 8, &szind));
	KUNIT_EXPECT_NULL(test, aa_lookup_fast(l + PAGE_SIZE, &szind));
	KUNIT_EXPECT_NULL(test, aa_lookup_fast(k, &szind));
	KUNIT_EXPECT_NULL(test, aa_lookup_fast(&local, &szind));
	KUNIT_EXPECT_NULL(test, aa_lookup_fast(NULL, &szind));
	/* Private arenas' objects never enter a cache. */
	KUNIT_EXPECT_NULL(test, aa_lookup_fast(priv, &szind));
	preempt_enable();
	kfree(k);
	arenalloc_free(l);
	arenalloc_free(s);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

/*
 * Objects of the classes whose slabs were widened most (4 KiB: eight
 * regions over eight pages, 14 KiB: eight over 28): the free path's lookup
 * finds every one, whichever page of its slab it starts in, and refuses a
 * pointer inside one.
 */
static void fast_lookup_every_page_of_a_slab(struct kunit *test)
{
	static const size_t sizes[] = { PAGE_SIZE, 2 * PAGE_SIZE, 14336 };
	void *p[3 * ASC_SLAB_MIN_REGS];
	unsigned long szind;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(p); j++) {
			p[j] = arenalloc_malloc(sizes[i], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[j]);
		}
		preempt_disable();
		for (j = 0; j < ARRAY_SIZE(p); j++) {
			if (!aa_lookup_fast(p[j], &szind) || aa_class_bytes[szind] < sizes[i] ||
			    aa_lookup_fast(p[j] + 8, &szind) ||
			    aa_lookup_fast(p[j] + sizes[i] / 2, &szind)) {
				KUNIT_FAIL(test, "%zu bytes, object %u: lookup", sizes[i], j);
				break;
			}
		}
		preempt_enable();
		for (j = 0; j < ARRAY_SIZE(p); j++)
			arenalloc_free(p[j]);
	}
}

static struct kunit_case arenalloc_hitpath_cases[] = {
	KUNIT_CASE(irq_while_cache_in_use),
	KUNIT_CASE(irq_with_cache_free),
	KUNIT_CASE(cpu_hotplug_empties_cache),
	KUNIT_CASE_SLOW(size_index_folds),
	KUNIT_CASE(region_index_is_exact),
	KUNIT_CASE(fast_lookup_refuses),
	KUNIT_CASE(fast_lookup_every_page_of_a_slab),
	{}
};

static struct kunit_suite arenalloc_hitpath_suite = {
	.name = "arenalloc_hitpath",
	.test_cases = arenalloc_hitpath_cases,
};

kunit_test_suite(arenalloc_hitpath_suite);
