// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: debug mode (kmod/debug.c).  Runs only when arenalloc was loaded
 * with debug=1; the test harness loads it so for a second pass that runs
 * this suite alone (kunit.filter_glob=arenalloc_debug).
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/arenalloc.h>
#include <linux/slab.h>

#include "helpers.h"

static int debug_init(struct kunit *test)
{
	if (!aa_debug())
		kunit_skip(test, "arenalloc is not loaded with debug=1");
	return 0;
}

static bool all_bytes(const void *p, u8 c, size_t n)
{
	return !memchr_inv(p, c, n);
}

static void usable_size_is_the_requested_size(struct kunit *test)
{
	u8 *p = arenalloc_malloc(100, GFP_KERNEL);
	u8 *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p), (size_t)100);
	KUNIT_EXPECT_EQ(test, arenalloc_nallocx(100, 0), (size_t)100);
	memset(p, 7, 100);
	q = arenalloc_realloc(p, 100, GFP_KERNEL);	/* always moves */
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	KUNIT_EXPECT_TRUE(test, all_bytes(q, 7, 100));
	arenalloc_free(q);
}

static void new_and_freed_memory_is_junk(struct kunit *test)
{
	u8 *p = arenalloc_malloc(200, GFP_KERNEL);
	u8 *z = arenalloc_mallocx(200, ARENALLOC_ZERO, GFP_KERNEL);
	u8 *keep = arenalloc_malloc(200, GFP_KERNEL);	/* keeps the slab alive */

	KUNIT_ASSERT_TRUE(test, p && z && keep);
	KUNIT_EXPECT_TRUE(test, all_bytes(p, 0xa5, 200));
	KUNIT_EXPECT_TRUE(test, all_bytes(z, 0, 200));
	arenalloc_free(p);
	/* Our own freed page memory: reading it is how use-after-free shows. */
	KUNIT_EXPECT_TRUE(test, all_bytes(p, 0x5a, 200));
	arenalloc_free(z);
	arenalloc_free(keep);
}

static void double_free_of_cached_class_is_caught(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	void *keep = arenalloc_malloc(64, GFP_KERNEL);
	void *p = arenalloc_malloc(64, GFP_KERNEL);

	KUNIT_ASSERT_TRUE(test, keep && p);
	arenalloc_free(p);
	arenalloc_free(p);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	arenalloc_free(keep);
	KUNIT_EXPECT_EQ(test, *errors, 1);
}

static void overflow_into_redzone_is_caught(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	u8 *p = arenalloc_malloc(100, GFP_KERNEL);
	u8 *q = arenalloc_malloc(5000, GFP_KERNEL);
	u8 *r = arenalloc_malloc(24, GFP_KERNEL);

	KUNIT_ASSERT_TRUE(test, p && q && r);
	p[100] = 0;			/* one byte past the end */
	q[5000 + 3] = 0;
	arenalloc_free(r);		/* untouched: no report */
	KUNIT_EXPECT_EQ(test, *errors, 0);
	arenalloc_free(p);
	arenalloc_free(q);
	KUNIT_EXPECT_EQ(test, *errors, 2);
}

static void huge_allocations_are_left_alone(struct kunit *test)
{
	size_t chunk = arenalloc_sc.large_max;
	void *p = arenalloc_malloc(chunk + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p), 2 * chunk);
	arenalloc_free(p);
}

/*
 * Sizes around the largest that still takes a trailer below the chunk
 * size: each is instrumented or huge, consistently on every path, so
 * usable_size, realloc and sdallocx agree with what was allocated.
 */
static void sizes_near_the_chunk_size(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	size_t chunk = arenalloc_sc.large_max;
	const size_t sizes[] = {
		chunk - AA_DEBUG_EXTRA - 1, chunk - AA_DEBUG_EXTRA,
		chunk - AA_DEBUG_EXTRA + 1, chunk - 4, chunk,
	};
	unsigned int i;
	size_t j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];
		u8 *p, *q;

		if (!arenalloc_nallocx(size, 0))
			continue;	/* huge sizes beyond the largest block */
		p = arenalloc_malloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "size %zu", size);
		KUNIT_EXPECT_GE_MSG(test, arenalloc_usable_size(p), size, "size %zu", size);
		KUNIT_EXPECT_EQ_MSG(test, arenalloc_usable_size(p), arenalloc_nallocx(size, 0),
				    "size %zu", size);
		for (j = 0; j < size; j++)
			p[j] = j * 13;
		q = arenalloc_realloc(p, size + 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, q, "size %zu", size);
		for (j = 0; j < size && q[j] == (u8)(j * 13); j++)
			;
		KUNIT_EXPECT_EQ_MSG(test, j, size, "size %zu: bytes carried over", size);
		arenalloc_sdallocx(q, size + 1, 0);
		KUNIT_EXPECT_EQ_MSG(test, *errors, 0, "size %zu", size);
	}
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

static void nothing_cached_nothing_leaked(struct kunit *test)
{
	const unsigned int n = 300;
	void **p = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < n; i++) {
		p[i] = arenalloc_malloc(16 + i * 50, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	for (i = 0; i < n; i++)
		arenalloc_free(p[i]);
	/* Without flushing: debug mode never parks objects in a cache. */
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

static struct kunit_case arenalloc_debug_cases[] = {
	KUNIT_CASE(usable_size_is_the_requested_size),
	KUNIT_CASE(new_and_freed_memory_is_junk),
	KUNIT_CASE(double_free_of_cached_class_is_caught),
	KUNIT_CASE(overflow_into_redzone_is_caught),
	KUNIT_CASE(huge_allocations_are_left_alone),
	KUNIT_CASE(sizes_near_the_chunk_size),
	KUNIT_CASE(nothing_cached_nothing_leaked),
	{}
};

static struct kunit_suite arenalloc_debug_suite = {
	.name = "arenalloc_debug",
	.init = debug_init,
	.test_cases = arenalloc_debug_cases,
};

kunit_test_suite(arenalloc_debug_suite);
