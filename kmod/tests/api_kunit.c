// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the exported interface (kmod/api.c), through the same calls a
 * client module makes: every size class and alignment, zeroing, realloc,
 * usable_size and nallocx agreement, huge allocations, and refused misuse.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/arenalloc.h>
#include <linux/mm.h>
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
	KUNIT_EXPECT_NULL(test, arenalloc_realloc(p, 0, GFP_KERNEL));
}

static void realloc_in_place_within_class(struct kunit *test)
{
	void *p = arenalloc_malloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, arenalloc_realloc(p, 112, GFP_KERNEL), p);
	KUNIT_EXPECT_PTR_EQ(test, arenalloc_realloc(p, 97, GFP_KERNEL), p);
	arenalloc_free(p);
}

static void huge_allocations(struct kunit *test)
{
	size_t chunk = arenalloc_sc.large_max;
	unsigned long before = aa_test_pages_held(NUMA_NO_NODE);
	void *p = arenalloc_malloc(chunk + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p), 2 * chunk);
	KUNIT_EXPECT_EQ(test, arenalloc_nallocx(chunk + 1, 0), 2 * chunk);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, 2 * chunk));
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE),
			before + ((2 * chunk) >> PAGE_SHIFT));
	/* Interior pointers are not allocations. */
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p + chunk), (size_t)0);
	fill(p, 2 * chunk, 9);
	KUNIT_EXPECT_TRUE(test, pattern_ok(p, 2 * chunk, 9));
	arenalloc_free(p);
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), before);

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
