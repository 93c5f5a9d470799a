// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the exported interface (kmod/api.c), through the same calls a
 * client module makes: every size class and alignment, zeroing, realloc,
 * usable_size and nallocx agreement, huge allocations, refused misuse,
 * and the parts of kmalloc's contract arenalloc keeps (init_on_alloc and
 * init_on_free, double frees through the per-CPU cache, gfp zones,
 * krealloc's handling of size 0, of shrinks and of spare bytes).
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/arenalloc.h>
#include <linux/jump_label.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "helpers.h"

/* Fills @p with a pattern that depends on @seed and each byte's offset. */
static void fill(void *p, size_t n, u8 seed)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = seed + i * 7;
}

static bool pattern_ok(const void *p, size_t n, u8 seed)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != (u8)(seed + i * 7))
			return false;
	return true;
}

static bool all_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

/* Counts refused frees instead of warning while a case runs. */

static void every_class_round_trips(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < arenalloc_sc.nclasses; i++) {
		size_t size = asc_index2size(i);
		size_t below = i ? asc_index2size(i - 1) + 1 : 1;
		void *p = arenalloc_malloc(size, GFP_KERNEL);
		void *q = arenalloc_malloc(below, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "size %zu", size);
		KUNIT_ASSERT_NOT_NULL_MSG(test, q, "size %zu", below);
		KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p), size);
		KUNIT_EXPECT_EQ(test, arenalloc_usable_size(q), size);
		KUNIT_EXPECT_EQ(test, arenalloc_nallocx(size, 0), size);
		KUNIT_EXPECT_EQ(test, arenalloc_nallocx(below, 0), size);
		/* Natural alignment: 8 for the tiny class, 16 above. */
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, size < 16 ? 8 : 16));
		fill(p, size, i);
		fill(q, size, i + 1);
		KUNIT_EXPECT_TRUE(test, pattern_ok(p, size, i));
		arenalloc_free(p);
		KUNIT_EXPECT_TRUE(test, pattern_ok(q, size, i + 1));
		arenalloc_free(q);
	}
}

static void zero_size_gets_smallest_class(struct kunit *test)
{
	void *p = arenalloc_malloc(0, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p), (size_t)8);
	KUNIT_EXPECT_EQ(test, arenalloc_nallocx(0, 0), (size_t)8);
	arenalloc_free(p);
	arenalloc_free(NULL);
}

static void zeroing_flags(struct kunit *test)
{
	static const size_t sizes[] = { 8, 48, 1000, 4096, 14336, 40000, 300000 };
	unsigned int i, round;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (round = 0; round < 3; round++) {
			void *p = arenalloc_malloc(sizes[i], GFP_KERNEL);

			/* Dirty it so the next allocation of the class is dirty. */
			KUNIT_ASSERT_NOT_NULL(test, p);
			memset(p, 0xa5, sizes[i]);
			arenalloc_free(p);
			p = round == 0 ? arenalloc_mallocx(sizes[i], ARENALLOC_ZERO, GFP_KERNEL) :
			    round == 1 ? arenalloc_malloc(sizes[i], GFP_KERNEL | __GFP_ZERO) :
					 arenalloc_calloc(sizes[i] / 8, 8, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p);
			KUNIT_EXPECT_TRUE_MSG(test, all_zero(p, arenalloc_usable_size(p)),
					      "size %zu round %u", sizes[i], round);
			arenalloc_free(p);
		}
	}
}

static void calloc_overflow_fails(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, arenalloc_calloc(SIZE_MAX / 2, 3, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, arenalloc_calloc(1UL << 40, 1UL << 40, GFP_KERNEL));
}

static void every_alignment(struct kunit *test)
{
	static const size_t sizes[] = { 1, 24, 100, 3000, 5000, 70000 };
	unsigned int lg, i;

	for (lg = 0; lg <= arenalloc_sc.lg_max; lg++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			int flags = ARENALLOC_ALIGN(1UL << lg);
			void *p = arenalloc_mallocx(sizes[i], flags, GFP_KERNEL);

			KUNIT_ASSERT_NOT_NULL_MSG(test, p, "size %zu align 2^%u", sizes[i], lg);
			KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED((unsigned long)p, 1UL << lg),
					      "size %zu align 2^%u", sizes[i], lg);
			KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p),
					arenalloc_nallocx(sizes[i], flags));
			KUNIT_EXPECT_GE(test, arenalloc_usable_size(p), sizes[i]);
			fill(p, sizes[i], lg);
			arenalloc_free(p);
		}
	}
	/* Beyond the chunk size is refused. */
	KUNIT_EXPECT_NULL(test, arenalloc_mallocx(8, ARENALLOC_LG_ALIGN(arenalloc_sc.lg_max + 1),
						  GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, arenalloc_nallocx(8, ARENALLOC_LG_ALIGN(arenalloc_sc.lg_max + 1)),
			(size_t)0);
}

static void realloc_keeps_content(struct kunit *test)
{
	static const size_t steps[] = { 10, 100, 5000, 100000, 3 << 20, 20000, 64, 1 };
	size_t prev = 0;
	void *p = NULL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		void *q = arenalloc_realloc(p, steps[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL_MSG(test, q, "step %u to %zu", i, steps[i]);
		if (prev)
			KUNIT_EXPECT_TRUE_MSG(test, pattern_ok(q, min(prev, steps[i]), 3),
					      "step %u to %zu", i, steps[i]);
		KUNIT_EXPECT_GE(test, arenalloc_usable_size(q), steps[i]);
		fill(q, steps[i], 3);
		p = q;
		prev = steps[i];
	}
	KUNIT_EXPECT_PTR_EQ(test, arenalloc_realloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
}

static void realloc_in_place_within_class(struct kunit *test)
{
	void *p = arenalloc_malloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, arenalloc_realloc(p, 112, GFP_KERNEL), p);
	KUNIT_EXPECT_PTR_EQ(test, arenalloc_realloc(p, 97, GFP_KERNEL), p);
	arenalloc_free(p);
}

/*
 * Pages in huge blocks of the automatic arenas.  Not arenalloc_pages_held():
 * decay and the shrinker may give empty chunks back at any moment, which
 * moves that total under a test.
 */
static unsigned long huge_pages_held(void)
{
	struct aa_arena_stats st;
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < aa_narenas_auto; i++) {
		aa_arena_stats_get(aa_arenas[i], &st);
		n += st.huge_pages;
	}
	return n;
}

static void huge_allocations(struct kunit *test)
{
	size_t chunk = arenalloc_sc.large_max;
	unsigned long before = huge_pages_held();
	void *p = arenalloc_malloc(chunk + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p), 2 * chunk);
	KUNIT_EXPECT_EQ(test, arenalloc_nallocx(chunk + 1, 0), 2 * chunk);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, 2 * chunk));
	KUNIT_EXPECT_EQ(test, huge_pages_held(), before + ((2 * chunk) >> PAGE_SHIFT));
	/* Interior pointers are not allocations. */
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p + chunk), (size_t)0);
	fill(p, 2 * chunk, 9);
	KUNIT_EXPECT_TRUE(test, pattern_ok(p, 2 * chunk, 9));
	arenalloc_free(p);
	KUNIT_EXPECT_EQ(test, huge_pages_held(), before);

	/* Larger than the page allocator's largest block: refused. */
	KUNIT_EXPECT_NULL(test, arenalloc_malloc((PAGE_SIZE << MAX_PAGE_ORDER) + 1,
						 GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, arenalloc_nallocx((PAGE_SIZE << MAX_PAGE_ORDER) + 1, 0),
			(size_t)0);
}

static void sdallocx_checks_size(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	void *p = arenalloc_malloc(300, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	arenalloc_sdallocx(p, 5000, 0);		/* wrong size: refused */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p), (size_t)320);
	arenalloc_sdallocx(p, 300, 0);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	arenalloc_sdallocx(NULL, 8, 0);
}

static void foreign_pointers_are_refused(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	char *k = kmalloc(64, GFP_KERNEL);
	char *p = arenalloc_malloc(64, GFP_KERNEL);
	int local;

	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(k, 0x11, 64);
	arenalloc_free(k);
	arenalloc_free(&local);
	arenalloc_free(p + 8);		/* inside an allocation */
	KUNIT_EXPECT_EQ(test, *errors, 3);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(k), (size_t)0);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p + 8), (size_t)0);
	KUNIT_EXPECT_NULL(test, arenalloc_realloc(k, 10, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, *errors, 4);
	/* Nothing changed: both are still usable and freeable by their owners. */
	KUNIT_EXPECT_EQ(test, k[63], 0x11);
	kfree(k);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p), (size_t)64);
	arenalloc_free(p);
}

static void double_free_is_refused(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	void *p, *q, *l;

	KUNIT_ASSERT_GE(test, id, 0);
	p = arenalloc_mallocx(48, ARENALLOC_ARENA(id), GFP_KERNEL);
	q = arenalloc_mallocx(48, ARENALLOC_ARENA(id), GFP_KERNEL);
	l = arenalloc_mallocx(40000, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_NOT_NULL(test, l);
	arenalloc_free(p);
	arenalloc_free(p);
	arenalloc_free(l);
	arenalloc_free(l);
	KUNIT_EXPECT_EQ(test, *errors, 2);
	/* The neighbour in the same slab is unharmed. */
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(q), (size_t)48);
	arenalloc_free(q);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

static void skip_without_cache(struct kunit *test, size_t size)
{
	if (arenalloc_knob_get(&arenalloc_knob_tcache_max) < (long)size)
		kunit_skip(test, "tcache_max is below %zu", size);
}

/*
 * Freed twice on one CPU with nothing in between: the second free meets
 * the object on top of its cache stack and is refused, so the object is
 * not handed out twice.  Preemption stays off so that no GC pass on this
 * CPU moves the object between the two frees.
 */
static void double_free_through_cache_is_refused(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	void *p, *a, *b;

	skip_without_cache(test, 64);
	preempt_disable();
	p = arenalloc_malloc(64, GFP_NOWAIT);
	arenalloc_free(p);
	arenalloc_free(p);
	a = arenalloc_malloc(64, GFP_NOWAIT);
	b = arenalloc_malloc(64, GFP_NOWAIT);
	preempt_enable();

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	arenalloc_free(a);
	arenalloc_free(b);
	KUNIT_EXPECT_EQ(test, *errors, 1);
}

/*
 * The same through the remote list: an object of another automatic arena
 * freed twice in a row on this CPU.
 */
static void double_free_through_remote_list_is_refused(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	unsigned int i, other = 0;
	void *p;

	skip_without_cache(test, 64);
	if (aa_narenas_auto < 2)
		kunit_skip(test, "needs two automatic arenas");
	preempt_disable();
	for (i = 0; i < aa_narenas_auto; i++)
		if (aa_arenas[i] != aa_this_cpu_arena())
			other = i;
	p = arenalloc_mallocx(64, ARENALLOC_ARENA(other), GFP_NOWAIT);
	arenalloc_free(p);
	arenalloc_free(p);
	preempt_enable();

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	aa_tcache_flush_all();
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

static void restore_init_on_alloc(void *unused)
{
	static_branch_disable(&init_on_alloc);
}

/*
 * init_on_alloc for the rest of the case, whatever the kernel was booted
 * with: the kernel's own switch, the one want_init_on_alloc() reads.
 * Turning it on at run time only adds zeroing, so it is safe to flip.
 */
static void force_init_on_alloc(struct kunit *test)
{
	if (want_init_on_alloc(GFP_KERNEL))
		return;
	static_branch_enable(&init_on_alloc);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_init_on_alloc, NULL), 0);
}

/*
 * Dirties an object of @size, frees it and allocates again with @flags,
 * on one CPU so that a cache hit gets the dirty object back.
 */
static void *dirty_then_realloc(size_t size, int flags)
{
	void *p;

	migrate_disable();
	p = arenalloc_mallocx(size, flags, GFP_KERNEL);
	if (p) {
		memset(p, 0xab, arenalloc_usable_size(p));
		arenalloc_free(p);
		p = arenalloc_mallocx(size, flags, GFP_KERNEL);
	}
	migrate_enable();
	return p;
}

static void init_on_alloc_zeroes_every_path(struct kunit *test)
{
	const size_t sizes[] = { 8, 64, 3000, 14336, 40000, 300000,
				 arenalloc_sc.large_max + 1 };
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	unsigned int i, path;

	KUNIT_ASSERT_GE(test, id, 0);
	force_init_on_alloc(test);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (path = 0; path < 3; path++) {
			int flags = path == 0 ? 0 : path == 1 ? ARENALLOC_TCACHE_NONE :
				    ARENALLOC_ARENA(id);
			void *p = dirty_then_realloc(sizes[i], flags);

			KUNIT_ASSERT_NOT_NULL(test, p);
			KUNIT_EXPECT_TRUE_MSG(test, all_zero(p, arenalloc_usable_size(p)),
					      "size %zu path %u", sizes[i], path);
			arenalloc_free(p);
		}
	}
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

static void init_on_free_wipes_freed_objects(struct kunit *test)
{
	static const size_t sizes[] = { 64, 3000, 40000 };
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	unsigned int i, path;

	KUNIT_ASSERT_GE(test, id, 0);
	if (!want_init_on_free()) {
		arenalloc_arena_destroy(id);
		kunit_skip(test, "the kernel runs without init_on_free");
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (path = 0; path < 3; path++) {
			int flags = path == 0 ? 0 : path == 1 ? ARENALLOC_TCACHE_NONE :
				    ARENALLOC_ARENA(id);
			/* The neighbour keeps the slab or chunk, so @p stays ours. */
			void *keep = arenalloc_mallocx(sizes[i], flags, GFP_KERNEL);
			u8 *p = arenalloc_mallocx(sizes[i], flags, GFP_KERNEL);

			KUNIT_ASSERT_TRUE(test, keep && p);
			memset(p, 0xab, sizes[i]);
			arenalloc_free(p);
			KUNIT_EXPECT_TRUE_MSG(test, all_zero(p, sizes[i]),
					      "size %zu path %u", sizes[i], path);
			arenalloc_free(keep);
		}
	}
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

static void dma_zones_are_refused(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);

	KUNIT_EXPECT_NULL(test, arenalloc_malloc(64, GFP_KERNEL | GFP_DMA));
	KUNIT_EXPECT_NULL(test, arenalloc_malloc(64, GFP_KERNEL | GFP_DMA32));
	KUNIT_EXPECT_NULL(test, arenalloc_calloc(4, 1000, GFP_ATOMIC | GFP_DMA32));
	KUNIT_EXPECT_NULL(test, arenalloc_realloc(NULL, 40000, GFP_KERNEL | GFP_DMA));
	KUNIT_EXPECT_NULL(test, arenalloc_malloc(SZ_2M + 1, GFP_KERNEL | GFP_DMA32));
	KUNIT_EXPECT_EQ(test, *errors, 5);
}

/* The treatment of the emergency reserves for chunks (arena.c). */
static void chunk_refills_leave_reserves_alone(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, aa_chunk_gfp(GFP_ATOMIC) & __GFP_HIGH);
	KUNIT_EXPECT_FALSE(test, aa_chunk_gfp(GFP_KERNEL | __GFP_MEMALLOC) & __GFP_MEMALLOC);
	KUNIT_EXPECT_TRUE(test, aa_chunk_gfp(GFP_ATOMIC) & __GFP_NOMEMALLOC);
	KUNIT_EXPECT_FALSE(test, aa_chunk_gfp(GFP_KERNEL | __GFP_NOFAIL) & __GFP_NOFAIL);
	KUNIT_EXPECT_TRUE(test, (aa_chunk_gfp(GFP_KERNEL) & GFP_KERNEL) == GFP_KERNEL);
}

/* krealloc(p, 0) frees and returns ZERO_SIZE_PTR, which kfree() accepts. */
static void zero_size_ptr_like_krealloc(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	void *p = arenalloc_malloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, arenalloc_realloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, arenalloc_realloc(NULL, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	arenalloc_free(ZERO_SIZE_PTR);
	arenalloc_sdallocx(ZERO_SIZE_PTR, 0, 0);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(ZERO_SIZE_PTR), (size_t)0);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	p = arenalloc_realloc(ZERO_SIZE_PTR, 10, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_GE(test, arenalloc_usable_size(p), (size_t)10);
	arenalloc_free(p);
	KUNIT_EXPECT_EQ(test, *errors, 0);
}

static unsigned long arena_small_regs(struct aa_arena *arena)
{
	struct aa_arena_stats st;

	aa_arena_stats_get(arena, &st);
	return st.small_regs;
}

static void sdallocx_honours_its_flags(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	struct aa_tcache_stats a = {}, b = {};
	unsigned long regs = 0, regs_after = 0;
	struct aa_ptr_info info;
	void *p, *q;

	skip_without_cache(test, 64);
	KUNIT_ASSERT_GE(test, id, 0);
	/* TCACHE_NONE: straight back to the arena, the cache untouched. */
	preempt_disable();
	p = arenalloc_malloc(64, GFP_NOWAIT);
	if (p && !aa_lookup(p, &info)) {
		regs = arena_small_regs(info.arena);
		aa_tcache_stats_get(smp_processor_id(), &a);
		arenalloc_sdallocx(p, 64, ARENALLOC_TCACHE_NONE);
		aa_tcache_stats_get(smp_processor_id(), &b);
		regs_after = arena_small_regs(info.arena);
	}
	preempt_enable();
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, regs_after, regs - 1);
	KUNIT_EXPECT_EQ(test, b.ncached, a.ncached);

	/* ARENALLOC_ARENA(): the object must be that arena's. */
	q = arenalloc_mallocx(64, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	arenalloc_sdallocx(q, 64, ARENALLOC_ARENA(0));
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(q), (size_t)64);
	arenalloc_sdallocx(q, 64, ARENALLOC_ARENA(id));
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

/*
 * After Linux commit 1a83a716ec23 ("mm: krealloc: consider spare memory for
 * __GFP_ZERO"), as in ../shared/cases/kernel/02-realloc-zero-spare.c: an
 * object allocated with __GFP_ZERO, dirtied, shrunk in place and grown back
 * in place, both with __GFP_ZERO, shows zeroes past the shrunk size.
 * Returns the number of bytes that are not zero, or -1 if memory ran out.
 */
static long zero_spare_round(size_t big, size_t small, bool *moved)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_ZERO;
	u8 *p = arenalloc_malloc(big, gfp), *q, *r;
	size_t i;
	long bad = 0;

	if (!p)
		return -1;
	memset(p, 0xff, big);
	q = arenalloc_realloc(p, small, gfp);
	r = q ? arenalloc_realloc(q, big, gfp) : NULL;
	if (!r) {
		arenalloc_free(q ?: p);
		return -1;
	}
	*moved = q != p || r != q;
	for (i = small; i < big; i++)
		bad += r[i] != 0;
	arenalloc_free(r);
	return bad;
}

static void realloc_zero_clears_spare(struct kunit *test)
{
	static const size_t huge[][2] = {
		{ SZ_4M, SZ_2M + SZ_1M }, { SZ_4M, SZ_2M + 1 },
	};
	size_t prev = 0, size;
	unsigned int i;
	bool moved;
	long bad;

	/* The commit's own example. */
	bad = zero_spare_round(64, 48, &moved);
	KUNIT_EXPECT_EQ(test, bad, 0L);
	/* Every class from one byte above the class below up to its size. */
	for (size = arenalloc_nallocx(1, 0); size <= arenalloc_sc.large_max;
	     prev = size, size = arenalloc_nallocx(size + 1, 0)) {
		if (!prev)
			continue;
		bad = zero_spare_round(size, prev + 1, &moved);
		KUNIT_EXPECT_EQ_MSG(test, bad, 0L, "class %zu from %zu (%s)", size, prev + 1,
				    moved ? "moved" : "in place");
	}
	for (i = 0; i < ARRAY_SIZE(huge); i++) {
		if (huge[i][0] > (PAGE_SIZE << MAX_PAGE_ORDER) ||
		    huge[i][1] <= arenalloc_sc.large_max)
			continue;
		bad = zero_spare_round(huge[i][0], huge[i][1], &moved);
		KUNIT_EXPECT_EQ_MSG(test, bad, 0L, "huge %zu from %zu", huge[i][0], huge[i][1]);
	}
}

static void bad_arena_flags(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, arenalloc_mallocx(8, ARENALLOC_ARENA(AA_ARENAS_MAX + 5),
						  GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, arenalloc_mallocx(8, ARENALLOC_ARENA(AA_ARENAS_MAX - 1),
						  GFP_KERNEL));
}

static void automatic_arena_by_flag(struct kunit *test)
{
	void *p = arenalloc_mallocx(200, ARENALLOC_ARENA(0), GFP_KERNEL);
	struct aa_ptr_info info;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, aa_lookup(p, &info), 0);
	KUNIT_EXPECT_PTR_EQ(test, info.arena, aa_arenas[0]);
	arenalloc_free(p);
}

static struct kunit_case arenalloc_api_cases[] = {
	KUNIT_CASE(every_class_round_trips),
	KUNIT_CASE(zero_size_gets_smallest_class),
	KUNIT_CASE(zeroing_flags),
	KUNIT_CASE(calloc_overflow_fails),
	KUNIT_CASE(every_alignment),
	KUNIT_CASE(realloc_keeps_content),
	KUNIT_CASE(realloc_in_place_within_class),
	KUNIT_CASE(huge_allocations),
	KUNIT_CASE(sdallocx_checks_size),
	KUNIT_CASE(foreign_pointers_are_refused),
	KUNIT_CASE(double_free_is_refused),
	KUNIT_CASE(double_free_through_cache_is_refused),
	KUNIT_CASE(double_free_through_remote_list_is_refused),
	KUNIT_CASE(init_on_alloc_zeroes_every_path),
	KUNIT_CASE(init_on_free_wipes_freed_objects),
	KUNIT_CASE(dma_zones_are_refused),
	KUNIT_CASE(chunk_refills_leave_reserves_alone),
	KUNIT_CASE(zero_size_ptr_like_krealloc),
	KUNIT_CASE(sdallocx_honours_its_flags),
	KUNIT_CASE(realloc_zero_clears_spare),
	KUNIT_CASE(bad_arena_flags),
	KUNIT_CASE(automatic_arena_by_flag),
	{}
};

static struct kunit_suite arenalloc_api_suite = {
	.name = "arenalloc_api",
	.test_cases = arenalloc_api_cases,
};

kunit_test_suite(arenalloc_api_suite);

MODULE_IMPORT_NS(ARENALLOC);
