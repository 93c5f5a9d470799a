// SPDX-License-Identifier: GPL-2.0
/*
 * Reports of API misuse: freeing a pointer arenalloc did not hand out,
 * freeing twice, (debug=1) writing past the end of an object, or a gfp
 * mask arenalloc cannot serve (a DMA zone, __GFP_NOFAIL that may not
 * sleep).  A bad
 * free is ignored (nothing changes); each kind is reported once with a
 * WARN naming the caller, so a bug in a client shows up without taking the
 * machine down or corrupting the allocator.
 *
 * A KUnit test that provokes misuse on purpose registers a named resource
 * "arenalloc_errors" (an int); while it runs, reports increment that count
 * instead of warning, as the slab allocator does for its own tests.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <kunit/resource.h>
#include <kunit/test-bug.h>

#include "internal.h"

#if IS_ENABLED(CONFIG_KUNIT)
static bool aa_report_to_kunit(void)
{
	struct kunit_resource *res;
	struct kunit *test = kunit_get_current_test();

	if (!test)
		return false;
	res = kunit_find_named_resource(test, "arenalloc_errors");
	if (!res)
		return false;
	(*(int *)res->data)++;
	kunit_put_resource(res);
	return true;
}
#else
static bool aa_report_to_kunit(void) { return false; }
#endif

/**
 * aa_report_corruption() - report a damaged redzone found at free (debug=1)
 * @ptr:    the object being freed
 * @where:  first damaged byte
 * @caller: return address of the free
 *
 * Context: Any context.
 */
void aa_report_corruption(const void *ptr, const void *where, unsigned long caller)
{
	if (aa_report_to_kunit())
		return;
	WARN_ONCE(1, "arenalloc: object %p overwritten past its end at offset %td, freed from %pS\n",
		  ptr, where - ptr, (void *)caller);
}

/**
 * aa_report_bad_free() - report a free that arenalloc refused
 * @ptr:    the pointer passed in
 * @caller: return address of the API call, or 0 when unknown (a batch
 *          flushed from a per-CPU cache)
 *
 * Context: Any context.
 */
void aa_report_bad_free(const void *ptr, unsigned long caller)
{
	if (aa_report_to_kunit())
		return;
	WARN_ONCE(1, "arenalloc: free of %p, not a live allocation (foreign pointer or double free), from %pS\n",
		  ptr, (void *)caller);
}

/**
 * aa_report_lost_ref() - report a block that someone else put (page.c)
 * @block: the block's address
 * @lost:  references missing from it
 *
 * Only a kfree(), kvfree() or put_page() of arenalloc memory takes them:
 * the caller passed arenalloc memory to the wrong free function.
 *
 * Context: Any context.
 */
void aa_report_lost_ref(const void *block, int lost)
{
	if (aa_report_to_kunit())
		return;
	WARN_ONCE(1, "arenalloc: block %p lost %d page references: kfree(), kvfree() or put_page() of arenalloc memory\n",
		  block, lost);
}

/**
 * aa_report_bad_gfp() - report an allocation refused for its gfp mask
 * @gfp:    the caller's mask
 * @caller: return address of the API call
 *
 * Context: Any context.
 */
void aa_report_bad_gfp(gfp_t gfp, unsigned long caller)
{
	if (aa_report_to_kunit())
		return;
	WARN_ONCE(1, "arenalloc: allocation with gfp %pGg refused (no DMA zones; __GFP_NOFAIL needs direct reclaim), from %pS\n",
		  &gfp, (void *)caller);
}
