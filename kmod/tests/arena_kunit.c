// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: arenas and per-CPU caches.
 *
 *   arenalloc_arena  private arenas, extents, chunk reuse, alignment,
 *                    what the kernel sees of the pages (usercopy, kfree)
 *   arenalloc_pcpu   per-CPU cache hits, fill and flush, GC, CPU offline
 *
 * NUMA placement is in numa_kunit.c.
 *
 * Nothing else allocates from arenalloc while these run, so "no live
 * objects once every cache is flushed" is an exact check.
 */
#include <kunit/test.h>
#include <linux/arenalloc.h>
#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>

#include "helpers.h"

/* ==== arenalloc_arena ================================================== */

static void private_arena_on_each_node(struct kunit *test)
{
	static const size_t sizes[] = { 8, 100, 2000, 14336, 20000, 300000 };
	unsigned long before = aa_test_pages_held(NUMA_NO_NODE);
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		int id = arenalloc_arena_create(nid, ARENALLOC_ARENA_STRICT_NODE);
		unsigned int i;

		KUNIT_ASSERT_GE(test, id, 0);
		for (i = 0; i < 600; i++) {
			size_t size = sizes[i % ARRAY_SIZE(sizes)];
			void *p = arenalloc_mallocx(size, ARENALLOC_ARENA(id), GFP_KERNEL);

			KUNIT_ASSERT_NOT_NULL(test, p);
			KUNIT_EXPECT_EQ_MSG(test, page_to_nid(virt_to_page(p)), nid,
					    "size %zu", size);
			memset(p, 0x5a, size);
		}
		/* A huge one too; then leave everything for destroy. */
		KUNIT_EXPECT_NOT_NULL(test, arenalloc_mallocx(arenalloc_sc.large_max + 1,
							      ARENALLOC_ARENA(id), GFP_KERNEL));
		KUNIT_EXPECT_GT(test, arenalloc_pages_held(nid), 0UL);
		KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
		KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), -EINVAL);
		KUNIT_EXPECT_NULL(test, arenalloc_mallocx(8, ARENALLOC_ARENA(id), GFP_KERNEL));
	}
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), before);
}

static void arena_create_refuses_bad_arguments(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, arenalloc_arena_create(nr_node_ids, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_create(-7, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_create(NUMA_NO_NODE, 0x100), -EINVAL);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(0), -EINVAL);	/* automatic */
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(AA_PRIVATE_FIRST - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(-1), -EINVAL);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(AA_ARENAS_MAX), -EINVAL);
}

static void arena_slots_run_out_cleanly(struct kunit *test)
{
	int *ids = kunit_kcalloc(test, AA_ARENAS_MAX, sizeof(int), GFP_KERNEL);
	int n = 0, id, i;

	KUNIT_ASSERT_NOT_NULL(test, ids);
	while ((id = arenalloc_arena_create(NUMA_NO_NODE, 0)) >= 0)
		ids[n++] = id;
	KUNIT_EXPECT_EQ(test, id, -ENOSPC);
	/* Private ids lie above every automatic one, whatever narenas is. */
	KUNIT_EXPECT_EQ(test, n, AA_ARENAS_MAX - AA_PRIVATE_FIRST);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_GE(test, ids[i], AA_PRIVATE_FIRST);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(ids[i]), 0);
}

static void freed_runs_coalesce_and_chunks_return(struct kunit *test)
{
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	size_t size = 5 * PAGE_SIZE;
	unsigned int n = 3 * (arenalloc_sc.large_max / size), i;
	void **p = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	struct aa_arena_stats st;

	KUNIT_ASSERT_GE(test, id, 0);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < n; i++) {
		p[i] = arenalloc_mallocx(size, ARENALLOC_ARENA(id), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	aa_arena_stats_get(aa_arenas[id], &st);
	KUNIT_EXPECT_GE(test, st.nchunks, 3UL);
	KUNIT_EXPECT_EQ(test, st.large_live, (unsigned long)n);

	/* Free every other one, then the rest: runs must merge back. */
	for (i = 0; i < n; i += 2)
		arenalloc_free(p[i]);
	for (i = 1; i < n; i += 2)
		arenalloc_free(p[i]);
	aa_arena_stats_get(aa_arenas[id], &st);
	KUNIT_EXPECT_EQ(test, st.active_pages, 0UL);
	KUNIT_EXPECT_EQ(test, st.large_live, 0UL);
	/* The empty chunks stay, dirty, until decay (decay_kernel_kunit.c). */
	KUNIT_EXPECT_EQ(test, st.pdirty, st.nchunks * (arenalloc_sc.large_max >> PAGE_SHIFT));
	n = st.nchunks;

	/*
	 * A whole chunk fits again in the merged space, a dirty one: no chunk
	 * is added.  Decay (dirty_decay_ms) and the shrinker may give empty
	 * chunks back at any time in between, so count against what is left.
	 */
	p[0] = arenalloc_mallocx(arenalloc_sc.large_max, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p[0]);
	aa_arena_stats_get(aa_arenas[id], &st);
	KUNIT_EXPECT_GE(test, st.nchunks, 1UL);
	KUNIT_EXPECT_LE(test, st.nchunks, (unsigned long)n);
	KUNIT_EXPECT_EQ(test, st.pdirty,
			(st.nchunks - 1) * (arenalloc_sc.large_max >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

static void freed_run_is_reused(struct kunit *test)
{
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	void *a, *b, *c, *d;

	KUNIT_ASSERT_GE(test, id, 0);
	a = arenalloc_mallocx(16384, ARENALLOC_ARENA(id), GFP_KERNEL);
	b = arenalloc_mallocx(16384, ARENALLOC_ARENA(id), GFP_KERNEL);
	c = arenalloc_mallocx(16384, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, a && b && c);
	arenalloc_free(b);
	d = arenalloc_mallocx(16384, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, d, b);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

/*
 * kmalloc()'s promise since 5.4: a power-of-two size comes back aligned to
 * itself.  Every power of two from 8 bytes to the largest block the page
 * allocator has (huge sizes above the chunk size included), @n objects of
 * each, with @flags; a page-sized object is taken first, so that the next
 * free run of a fresh arena starts one page into its chunk.
 */
static unsigned int pow2_misaligned(struct kunit *test, const char *how, int flags)
{
	unsigned int lg, i, bad = 0;
	void *p[4], *spacer;

	for (lg = ASC_LG_TINY; lg <= PAGE_SHIFT + MAX_PAGE_ORDER; lg++) {
		size_t size = 1UL << lg;
		unsigned int n = size > arenalloc_sc.large_max ? 1 : ARRAY_SIZE(p);

		spacer = arenalloc_mallocx(PAGE_SIZE, flags, GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL(test, spacer);
		for (i = 0; i < n; i++) {
			p[i] = arenalloc_mallocx(size, flags, GFP_KERNEL);
			KUNIT_EXPECT_NOT_NULL_MSG(test, p[i], "%s: size %zu", how, size);
			if (p[i] && !IS_ALIGNED((unsigned long)p[i], size)) {
				kunit_info(test, "%s: %zu bytes at offset %lu of a %zu-aligned block\n",
					   how, size, (unsigned long)p[i] & (size - 1), size);
				bad++;
			}
		}
		for (i = 0; i < n; i++)
			arenalloc_free(p[i]);
		arenalloc_free(spacer);
	}
	return bad;
}

static void pow2_sizes_are_naturally_aligned(struct kunit *test)
{
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);

	KUNIT_ASSERT_GE(test, id, 0);
	KUNIT_EXPECT_EQ(test, pow2_misaligned(test, "automatic arena, cached", 0), 0U);
	KUNIT_EXPECT_EQ(test, pow2_misaligned(test, "automatic arena, TCACHE_NONE",
					      ARENALLOC_TCACHE_NONE), 0U);
	KUNIT_EXPECT_EQ(test, pow2_misaligned(test, "automatic arena, ALIGN(PAGE_SIZE)",
					      ARENALLOC_ALIGN(PAGE_SIZE)), 0U);
	KUNIT_EXPECT_EQ(test, pow2_misaligned(test, "private arena", ARENALLOC_ARENA(id)), 0U);
	KUNIT_EXPECT_EQ(test, pow2_misaligned(test, "private arena, ALIGN(16)",
					      ARENALLOC_ARENA(id) | ARENALLOC_ALIGN(16)), 0U);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

/*
 * Hardened usercopy (mm/usercopy.c, check_heap_object()) bounds a copy
 * from a page that is not slab by the folio around it.  Each object must
 * lie inside one compound block: its chunk, or for a huge object exactly
 * its own block.
 */
static void objects_lie_inside_one_compound_block(struct kunit *test)
{
	static const size_t sizes[] = { 8, 64, 1000, 8192, 14336, 16384, 100000, SZ_1M };
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	size_t huge = arenalloc_sc.large_max + 1;
	unsigned int i, k;

	KUNIT_ASSERT_GE(test, id, 0);
	for (k = 0; k < 2; k++) {
		for (i = 0; i <= ARRAY_SIZE(sizes) + 1; i++) {
			size_t size = i < ARRAY_SIZE(sizes) ? sizes[i] :
				      i == ARRAY_SIZE(sizes) ? arenalloc_sc.large_max : huge;
			void *p = arenalloc_mallocx(size, k ? ARENALLOC_ARENA(id) : 0, GFP_KERNEL);
			size_t usable = arenalloc_usable_size(p);
			struct folio *folio;
			void *start, *end;

			KUNIT_ASSERT_NOT_NULL(test, p);
			folio = virt_to_folio(p);
			start = folio_address(folio);
			end = start + folio_size(folio);
			KUNIT_EXPECT_TRUE_MSG(test, folio_test_large(folio), "size %zu", size);
			KUNIT_EXPECT_TRUE_MSG(test, p >= start && p + usable <= end,
					      "size %zu", size);
			if (size == huge) {
				KUNIT_EXPECT_PTR_EQ(test, p, start);
				KUNIT_EXPECT_EQ(test, folio_size(folio), usable);
			} else {
				KUNIT_EXPECT_EQ_MSG(test, folio_size(folio), arenalloc_sc.large_max,
						    "size %zu", size);
			}
			arenalloc_free(p);
		}
	}
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

/*
 * kfree() of arenalloc memory (a caller's mistake) puts the folio, as for
 * large kmalloc() memory (free_large_kmalloc()).  The block must survive
 * it, and the page layer must say so when the block goes back.  The
 * objects start their block, so KASAN's check of kfree() passes.
 */
static void kfree_of_arenalloc_memory_is_caught(struct kunit *test)
{
	const size_t sizes[] = { 4 * PAGE_SIZE, arenalloc_sc.large_max + 1 };
	int *errors = aa_test_track_errors(test);
	unsigned long held = aa_test_pages_held(NUMA_NO_NODE);
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	unsigned int i;

	KUNIT_ASSERT_GE(test, id, 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = arenalloc_mallocx(sizes[i], ARENALLOC_ARENA(id) |
					    ARENALLOC_ALIGN(arenalloc_sc.large_max), GFP_KERNEL);
		struct folio *folio;

		KUNIT_ASSERT_NOT_NULL(test, p);
		folio = virt_to_folio(p);
		if (!folio_test_large(folio) || p != folio_address(folio)) {
			/* kfree() would free a page of a live block: don't. */
			KUNIT_FAIL(test, "size %zu: not the start of a compound block", sizes[i]);
			continue;
		}
		memset(p, 0x6b, sizes[i]);
		kfree(p);
		/* free_large_kmalloc() took it off the node's slab count: put it back. */
		mod_node_page_state(folio_pgdat(folio), NR_SLAB_UNRECLAIMABLE_B,
				    folio_size(folio));
		KUNIT_EXPECT_EQ(test, folio_ref_count(folio), (int)AA_PAGE_PIN);
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0x6b, sizes[i]));
		arenalloc_free(p);
	}
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
	/* Both blocks were reported, once each, and went back once each. */
	KUNIT_EXPECT_EQ(test, *errors, 2);
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), held);
}

/* Sum of the chunks' active pages, walked as the statistics once did. */
static unsigned long walk_active_pages(struct aa_arena *arena)
{
	struct aa_chunk *chunk;
	unsigned long flags, n = 0;

	spin_lock_irqsave(&arena->lock, flags);
	list_for_each_entry(chunk, &arena->chunks, link)
		n += chunk->nactive;
	spin_unlock_irqrestore(&arena->lock, flags);
	return n;
}

static void active_pages_counter_matches_the_chunks(struct kunit *test)
{
	static const size_t sizes[] = { 64, 8192, 20000, 300000, SZ_1M, 14336 };
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	struct aa_arena_stats st;
	void *p[60];
	unsigned int i;

	KUNIT_ASSERT_GE(test, id, 0);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = arenalloc_mallocx(sizes[i % ARRAY_SIZE(sizes)], ARENALLOC_ARENA(id),
					 GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	aa_arena_stats_get(aa_arenas[id], &st);
	KUNIT_EXPECT_GT(test, st.active_pages, 0UL);
	KUNIT_EXPECT_EQ(test, st.active_pages, walk_active_pages(aa_arenas[id]));
	for (i = 0; i < ARRAY_SIZE(p); i += 3)
		arenalloc_free(p[i]);
	aa_arena_stats_get(aa_arenas[id], &st);
	KUNIT_EXPECT_EQ(test, st.active_pages, walk_active_pages(aa_arenas[id]));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		if (i % 3)
			arenalloc_free(p[i]);
	/* Each bin keeps its last empty slab: only those pages stay active. */
	aa_arena_stats_get(aa_arenas[id], &st);
	KUNIT_EXPECT_EQ(test, st.active_pages, walk_active_pages(aa_arenas[id]));
	KUNIT_EXPECT_EQ(test, st.large_live, 0UL);
	KUNIT_EXPECT_EQ(test, st.small_regs, 0UL);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

static struct kunit_case arenalloc_arena_cases[] = {
	KUNIT_CASE(private_arena_on_each_node),
	KUNIT_CASE(arena_create_refuses_bad_arguments),
	KUNIT_CASE(arena_slots_run_out_cleanly),
	KUNIT_CASE(freed_runs_coalesce_and_chunks_return),
	KUNIT_CASE(freed_run_is_reused),
	KUNIT_CASE(pow2_sizes_are_naturally_aligned),
	KUNIT_CASE(objects_lie_inside_one_compound_block),
	KUNIT_CASE(kfree_of_arenalloc_memory_is_caught),
	KUNIT_CASE(active_pages_counter_matches_the_chunks),
	{}
};

static struct kunit_suite arenalloc_arena_suite = {
	.name = "arenalloc_arena",
	.test_cases = arenalloc_arena_cases,
};

/* ==== arenalloc_pcpu =================================================== */

static void skip_without_cache(struct kunit *test)
{
	if (arenalloc_knob_get(&arenalloc_knob_tcache_max) < 4096)
		kunit_skip(test, "tcache_max is below 4096");
}

static void nothing_live_after_flush(struct kunit *test)
{
	aa_tcache_flush_all();
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

static void hit_returns_last_freed(struct kunit *test)
{
	struct aa_tcache_stats a, b;
	void *p, *q;

	skip_without_cache(test);
	migrate_disable();
	p = arenalloc_malloc(64, GFP_KERNEL);
	arenalloc_free(p);
	aa_tcache_stats_get(raw_smp_processor_id(), &a);
	q = arenalloc_malloc(64, GFP_KERNEL);
	aa_tcache_stats_get(raw_smp_processor_id(), &b);
	arenalloc_free(q);
	migrate_enable();

	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, b.hits, a.hits + 1);
	KUNIT_EXPECT_EQ(test, b.misses, a.misses);
}

static void fill_and_flush_move_batches(struct kunit *test)
{
	const unsigned int n = 1000;
	void **p = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	struct aa_tcache_stats a, b;
	unsigned int i;

	skip_without_cache(test);
	KUNIT_ASSERT_NOT_NULL(test, p);
	aa_tcache_flush_all();
	migrate_disable();
	aa_tcache_stats_get(raw_smp_processor_id(), &a);
	for (i = 0; i < n; i++)
		p[i] = arenalloc_malloc(96, GFP_KERNEL);
	for (i = 0; i < n; i++)
		arenalloc_free(p[i]);
	aa_tcache_stats_get(raw_smp_processor_id(), &b);
	migrate_enable();

	/* Refills come in batches: far fewer misses than allocations. */
	KUNIT_EXPECT_GT(test, b.misses, a.misses);
	KUNIT_EXPECT_LT(test, b.misses - a.misses, (u64)n / 4);
	KUNIT_EXPECT_GT(test, b.flushes, a.flushes);
	/* The cache keeps at most its capacity, the rest went back. */
	KUNIT_EXPECT_LE(test, b.ncached, 200UL);
	aa_tcache_flush_all();
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

static void gc_returns_unused_objects(struct kunit *test)
{
	struct aa_tcache_stats a, b;
	void *p[40];
	unsigned int i;

	skip_without_cache(test);
	aa_tcache_flush_all();
	migrate_disable();
	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = arenalloc_malloc(200, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		arenalloc_free(p[i]);
	aa_tcache_gc_this_cpu();	/* low water := what is cached now */
	aa_tcache_stats_get(raw_smp_processor_id(), &a);
	aa_tcache_gc_this_cpu();	/* nothing was used since: 3/4 go */
	aa_tcache_stats_get(raw_smp_processor_id(), &b);
	migrate_enable();

	KUNIT_EXPECT_GE(test, a.ncached, (unsigned long)ARRAY_SIZE(p));
	KUNIT_EXPECT_EQ(test, b.ncached, a.ncached - DIV_ROUND_UP(a.ncached * 3, 4));
}

struct cache_work {
	struct work_struct work;
	unsigned int n;
	size_t size;
	bool ok;
};

static void fill_cache_here(struct work_struct *work)
{
	struct cache_work *cw = container_of(work, struct cache_work, work);
	void *p[32];
	unsigned int i;

	cw->ok = true;
	for (i = 0; i < cw->n; i++) {
		p[i] = arenalloc_malloc(cw->size, GFP_KERNEL);
		cw->ok &= !!p[i];
	}
	for (i = 0; i < cw->n; i++)
		arenalloc_free(p[i]);
}

static void run_on(unsigned int cpu, work_func_t fn, struct cache_work *cw)
{
	INIT_WORK_ONSTACK(&cw->work, fn);
	queue_work_on(cpu, system_wq, &cw->work);
	flush_work(&cw->work);
	destroy_work_on_stack(&cw->work);
}

static void offline_cpu_cache_is_drained(struct kunit *test)
{
	struct cache_work cw = { .n = 32, .size = 512 };
	struct aa_tcache_stats st;
	unsigned int cpu;

	skip_without_cache(test);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	cpu = cpumask_last(cpu_online_mask);
	run_on(cpu, fill_cache_here, &cw);
	KUNIT_ASSERT_TRUE(test, cw.ok);
	aa_tcache_stats_get(cpu, &st);
	KUNIT_ASSERT_GT(test, st.ncached, 0UL);

	KUNIT_ASSERT_EQ(test, remove_cpu(cpu), 0);
	aa_tcache_stats_get(cpu, &st);
	KUNIT_EXPECT_EQ(test, st.ncached, 0UL);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);

	/* And the CPU's cache works again once it is back. */
	run_on(cpu, fill_cache_here, &cw);
	KUNIT_EXPECT_TRUE(test, cw.ok);
	aa_tcache_flush_all();
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

static unsigned long arena_small_regs(struct aa_arena *arena)
{
	struct aa_arena_stats st;

	aa_arena_stats_get(arena, &st);
	return st.small_regs;
}

/*
 * Objects allocated on CPU @a and freed on CPU @b, whose arena differs,
 * wait on @b's remote list (their home arena still counts them live) and
 * go home when it is flushed.
 */
static void remote_frees_go_home(struct kunit *test)
{
	long gc = arenalloc_knob_get(&arenalloc_knob_tcache_gc_interval);
	struct aa_arena *home = NULL, *away = NULL;
	unsigned long live0 = 0, live1 = 0;
	const size_t size = 1024;
	unsigned int a, b, i;
	cpumask_var_t saved;
	bool bound = false;
	void *p[32] = { };

	if (arenalloc_knob_get(&arenalloc_knob_tcache_max) < size)
		kunit_skip(test, "tcache_max is below %zu", size);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	a = cpumask_first(cpu_online_mask);
	b = cpumask_last(cpu_online_mask);
	KUNIT_ASSERT_TRUE(test, alloc_cpumask_var(&saved, GFP_KERNEL));
	cpumask_copy(saved, current->cpus_ptr);
	/* Empty remote lists, and no GC step to flush them midway. */
	aa_tcache_flush_all();
	WRITE_ONCE(arenalloc_knob_tcache_gc_interval.val, 0);

	/* Allocated while bound to @a, freed on @b; nothing may fail in between. */
	if (!set_cpus_allowed_ptr(current, cpumask_of(a))) {
		home = aa_this_cpu_arena();
		for (i = 0; i < ARRAY_SIZE(p); i++)
			p[i] = arenalloc_malloc(size, GFP_KERNEL);
		if (!set_cpus_allowed_ptr(current, cpumask_of(b))) {
			bound = true;
			away = aa_this_cpu_arena();
			live0 = arena_small_regs(home);
			for (i = 0; i < ARRAY_SIZE(p); i++)
				arenalloc_free(p[i]);
			live1 = arena_small_regs(home);
		}
	}
	set_cpus_allowed_ptr(current, saved);
	free_cpumask_var(saved);
	WRITE_ONCE(arenalloc_knob_tcache_gc_interval.val, gc);

	KUNIT_ASSERT_TRUE(test, bound);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		KUNIT_EXPECT_NOT_NULL(test, p[i]);
	if (home == away) {
		aa_tcache_flush_all();
		kunit_skip(test, "cpus %u and %u share an arena: no remote free", a, b);
	}
	/* Queued on @b, not yet home... */
	KUNIT_EXPECT_EQ(test, live1, live0);
	/* ...and home once @b's cache is flushed. */
	aa_tcache_flush_all();
	KUNIT_EXPECT_LE(test, arena_small_regs(home) + ARRAY_SIZE(p), live0);
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

static struct kunit_case arenalloc_pcpu_cases[] = {
	KUNIT_CASE(nothing_live_after_flush),
	KUNIT_CASE(hit_returns_last_freed),
	KUNIT_CASE(fill_and_flush_move_batches),
	KUNIT_CASE(gc_returns_unused_objects),
	KUNIT_CASE(offline_cpu_cache_is_drained),
	KUNIT_CASE(remote_frees_go_home),
	{}
};

static struct kunit_suite arenalloc_pcpu_suite = {
	.name = "arenalloc_pcpu",
	.test_cases = arenalloc_pcpu_cases,
};

kunit_test_suites(&arenalloc_arena_suite, &arenalloc_pcpu_suite);
