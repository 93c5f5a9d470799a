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

#include "internal.h"

static void pages_lie_on_requested_node(struct kunit *test)
{
	int nid, nodes = 0;

	for_each_node_state(nid, N_MEMORY) {
		unsigned long before = arenalloc_pages_held(nid);
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
	unsigned long before = arenalloc_pages_held(NUMA_NO_NODE);

	KUNIT_EXPECT_NULL(test, arenalloc_pages_alloc(0, MAX_PAGE_ORDER + 1,
						      GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, arenalloc_pages_alloc(-1, 0, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, arenalloc_pages_alloc(nr_node_ids, 0, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), before);
}

static void total_is_sum_of_nodes(struct kunit *test)
{
	unsigned long total = arenalloc_pages_held(NUMA_NO_NODE);
	struct page *page = arenalloc_pages_alloc(first_memory_node, 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), total + 2);
	arenalloc_pages_free(page, 1);
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), total);
}

static struct kunit_case arenalloc_page_cases[] = {
	KUNIT_CASE(pages_lie_on_requested_node),
	KUNIT_CASE(second_node_is_used),
	KUNIT_CASE(largest_block_is_served),
	KUNIT_CASE(bad_arguments_fail_quietly),
	KUNIT_CASE(total_is_sum_of_nodes),
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
