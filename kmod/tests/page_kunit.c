// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the page layer (kmod/page.c): node placement and the per-node
 * count of pages the module holds.
 *
 * The counts are global to the module.  Nothing else allocates while the
 * KUnit module runs (the allocator proper is idle), so exact deltas hold.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/nodemask.h>

#include "helpers.h"

static void pages_lie_on_requested_node(struct kunit *test)
{
	int nid, nodes = 0;

	for_each_node_state(nid, N_MEMORY) {
		unsigned long before = aa_test_pages_held(nid);
		struct page *page = arenalloc_pages_alloc(nid, 2, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_EXPECT_EQ(test, page_to_nid(page), nid);
		KUNIT_EXPECT_EQ(test, page_to_nid(page + 3), nid);
		KUNIT_EXPECT_EQ(test, arenalloc_pages_held(nid), before + 4);
		arenalloc_pages_free(page, 2);
		KUNIT_EXPECT_EQ(test, arenalloc_pages_held(nid), before);
		nodes++;
	}
	KUNIT_EXPECT_GE(test, nodes, 1);
}

static void second_node_is_used(struct kunit *test)
{
	struct page *page;

	if (num_node_state(N_MEMORY) < 2)
		kunit_skip(test, "needs two nodes with memory");

	/* Node ids need not be dense: take the second node that has memory. */
	page = arenalloc_pages_alloc(next_memory_node(first_memory_node), 0,
				     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, page_to_nid(page),
			next_memory_node(first_memory_node));
	arenalloc_pages_free(page, 0);
}

static void largest_block_is_served(struct kunit *test)
{
	const unsigned int order = ARENALLOC_LG_CHUNK_MAX - PAGE_SHIFT;
	int nid = first_memory_node;
	struct page *page;

	page = arenalloc_pages_alloc(nid, order, GFP_KERNEL);
	if (!page)
		kunit_skip(test, "node %d has no free block of order %u", nid, order);
	KUNIT_EXPECT_EQ(test, page_to_nid(page), nid);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(page_to_pfn(page), 1UL << order));
	arenalloc_pages_free(page, order);
}

static void bad_arguments_fail_quietly(struct kunit *test)
{
	unsigned long before = aa_test_pages_held(NUMA_NO_NODE);

	KUNIT_EXPECT_NULL(test, arenalloc_pages_alloc(0, MAX_PAGE_ORDER + 1,
						      GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, arenalloc_pages_alloc(-1, 0, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, arenalloc_pages_alloc(nr_node_ids, 0, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), before);
}

static void total_is_sum_of_nodes(struct kunit *test)
{
	unsigned long total = aa_test_pages_held(NUMA_NO_NODE);
	struct page *page = arenalloc_pages_alloc(first_memory_node, 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), total + 2);
	arenalloc_pages_free(page, 1);
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), total);
}

/*
 * A block is compound, as large kmalloc() memory is (hardened usercopy
 * bounds copies by it), and pinned: a stray put -- what kfree() of such
 * memory does -- leaves it allocated, and the free that follows reports
 * it and still gives every page back exactly once.
 */
static void blocks_are_compound_and_survive_a_stray_put(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	int nid = first_memory_node;
	unsigned long before = aa_test_pages_held(nid);
	struct page *page = arenalloc_pages_alloc(nid, 2, GFP_KERNEL);
	struct folio *folio;

	KUNIT_ASSERT_NOT_NULL(test, page);
	folio = page_folio(page + 3);
	KUNIT_EXPECT_PTR_EQ(test, &folio->page, page);
	KUNIT_EXPECT_TRUE(test, folio_test_large(folio));
	KUNIT_EXPECT_EQ(test, folio_order(folio), 2U);
	if (!folio_test_large(folio) || folio_ref_count(folio) <= 1) {
		/* The put below would free a block still in use. */
		KUNIT_FAIL(test, "block not pinned: %d references", folio_ref_count(folio));
		arenalloc_pages_free(page, 2);
		return;
	}
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(nid), before + 4);
	arenalloc_pages_free(page, 2);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(nid), before);
}

/* Without a stray put nothing is reported; near allocations stay home. */
static void near_blocks_stay_home_when_they_can(struct kunit *test)
{
	int *errors = aa_test_track_errors(test);
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		struct page *page = arenalloc_pages_alloc_near(nid, 1, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_EXPECT_EQ(test, page_to_nid(page), nid);
		KUNIT_EXPECT_EQ(test, page_ref_count(page), (int)AA_PAGE_PIN + 1);
		arenalloc_pages_free(page, 1);
	}
	KUNIT_EXPECT_EQ(test, *errors, 0);
}

static struct kunit_case arenalloc_page_cases[] = {
	KUNIT_CASE(pages_lie_on_requested_node),
	KUNIT_CASE(second_node_is_used),
	KUNIT_CASE(largest_block_is_served),
	KUNIT_CASE(bad_arguments_fail_quietly),
	KUNIT_CASE(total_is_sum_of_nodes),
	KUNIT_CASE(blocks_are_compound_and_survive_a_stray_put),
	KUNIT_CASE(near_blocks_stay_home_when_they_can),
	{}
};

/*
 * The per-CPU caches' periodic GC may give chunks back at any moment and
 * move the counts: empty the caches first, so it has nothing to give.
 */
static int page_quiet(struct kunit *test)
{
	aa_tcache_flush_all();
	return 0;
}

static struct kunit_suite arenalloc_page_suite = {
	.name = "arenalloc_page",
	.init = page_quiet,
	.test_cases = arenalloc_page_cases,
};

kunit_test_suite(arenalloc_page_suite);

MODULE_DESCRIPTION("KUnit tests for arenalloc");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
