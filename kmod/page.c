// SPDX-License-Identifier: GPL-2.0
/*
 * The page layer: the only file that calls the page allocator.
 *
 * Arenas take their chunks through arenalloc_pages_alloc() (or
 * arenalloc_pages_alloc_near(), which may leave the node) and give them
 * back through arenalloc_pages_free(), which keep a per-node count of the
 * pages the module holds.  The count feeds the statistics and lets module
 * exit prove that the page allocator got back everything it lent: a page
 * still held at exit is a leak and is reported with a WARN, which fails the
 * test harness.
 *
 * The pages of /dev/arenalloc mappings (chardev.c) pass here too, one at a
 * time, through arenalloc_user_page_alloc() and arenalloc_user_page_put():
 * they are counted with the rest, but may come from another node when
 * theirs is full, and are reference counted because userspace maps them.
 * A page put goes to its node's device pool when it may (devpool.c, which
 * gives it back through arenalloc_user_page_free() when it decays), and a
 * page asked for comes from that pool first: it stays counted meanwhile.
 *
 * Blocks are compound (__GFP_COMP), as large kmalloc() memory is, so that
 * what looks at a page from outside sees the whole block: hardened
 * usercopy (check_heap_object() in mm/usercopy.c) refuses a copy that runs
 * past the end of the block holding the object.  Each block also carries
 * AA_PAGE_PIN extra references besides its own, so that a kfree(),
 * kvfree() or put_page() of arenalloc memory by mistake (free_large_kmalloc()
 * puts the folio) cannot free a block still in use: the block stays, and
 * arenalloc_pages_free() notices the missing references and reports them.
 *
 * Locking: none.  The counters are atomic_long_t, updated once per call; the
 * page allocator does its own locking.  The block functions may be called
 * from any context the gfp mask allows (GFP_ATOMIC from interrupts); the
 * user page functions, which take a device pool's lock, from process
 * context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/slab.h>

#include "internal.h"

/* Pages held per node, indexed by node id; nr_node_ids entries. */
static atomic_long_t *arenalloc_node_pages;

/* The block as arenalloc holds it: compound, one reference per owner. */
static struct page *arenalloc_block_prepare(struct page *page, unsigned int order)
{
	if (!page)
		return NULL;
	page_ref_add(page, AA_PAGE_PIN);
	atomic_long_add(1L << order, &arenalloc_node_pages[page_to_nid(page)]);
	return page;
}

#ifdef CONFIG_FAULT_INJECTION
/*
 * Fault injection at the page allocator boundary: every chunk and huge
 * block passes here.  Operators drive it through
 * /sys/kernel/debug/fail_arenalloc_pages/ (Documentation/fault-injection/);
 * the KUnit suites set it directly.
 */
static DECLARE_FAULT_ATTR(arenalloc_fail_pages);
static struct dentry *arenalloc_fail_dir;

/* The page allocator fault attribute, for the KUnit suites to set. */
struct fault_attr *arenalloc_fail_pages_attr(void)
{
	return &arenalloc_fail_pages;
}
EXPORT_SYMBOL_IF_KUNIT(arenalloc_fail_pages_attr);

static bool arenalloc_should_fail(unsigned int order)
{
	return should_fail(&arenalloc_fail_pages, PAGE_SIZE << order);
}

static void arenalloc_fail_init(void)
{
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	arenalloc_fail_dir = fault_create_debugfs_attr("fail_arenalloc_pages", NULL,
						       &arenalloc_fail_pages);
#endif
}

static void arenalloc_fail_exit(void)
{
	debugfs_remove_recursive(arenalloc_fail_dir);
}
#else
static bool arenalloc_should_fail(unsigned int order) { return false; }
static void arenalloc_fail_init(void) { }
static void arenalloc_fail_exit(void) { }
#endif

/**
 * arenalloc_pages_alloc() - take a block of pages from one node
 * @nid:   node the pages must lie on (never another: __GFP_THISNODE)
 * @order: log2 of the number of pages, at most MAX_PAGE_ORDER
 * @gfp:   allocation flags of the caller
 *
 * Context: Whatever @gfp allows; GFP_ATOMIC works in interrupt context.
 * Return: the first page of a compound block of 1 << @order pages on node
 * @nid, holding 1 + AA_PAGE_PIN references, or NULL (quietly: callers
 * decide whether a failure matters), also for an order or node that does
 * not exist.
 */
struct page *arenalloc_pages_alloc(int nid, unsigned int order, gfp_t gfp)
{
	if (order > MAX_PAGE_ORDER || nid < 0 || nid >= nr_node_ids ||
	    arenalloc_should_fail(order))
		return NULL;

	return arenalloc_block_prepare(alloc_pages_node(nid, gfp | __GFP_THISNODE |
							__GFP_NOWARN | __GFP_COMP, order),
				       order);
}
EXPORT_SYMBOL_IF_KUNIT(arenalloc_pages_alloc);

/**
 * arenalloc_pages_alloc_near() - a block of pages from a node, or its nearest
 * @nid:   node the pages should lie on
 * @order: log2 of the number of pages, at most MAX_PAGE_ORDER
 * @gfp:   allocation flags of the caller
 *
 * Tries @nid alone first without retrying hard (as SLUB tries its
 * preferred slab order), then the page allocator's fallback list of @nid
 * (nearest nodes first) with @gfp as given: a node that is fragmented or
 * full, or has no memory at all, does not fail the request while another
 * node can serve it.  The caller counts a block that left @nid
 * (page_to_nid() differs).
 *
 * Context: Whatever @gfp allows; GFP_ATOMIC works in interrupt context.
 * Return: as arenalloc_pages_alloc(), but the block may lie on any node.
 */
struct page *arenalloc_pages_alloc_near(int nid, unsigned int order, gfp_t gfp)
{
	struct page *page = NULL;

	if (order > MAX_PAGE_ORDER || nid < 0 || nid >= nr_node_ids ||
	    arenalloc_should_fail(order))
		return NULL;

	gfp |= __GFP_NOWARN | __GFP_COMP;
	if (node_state(nid, N_MEMORY))
		page = alloc_pages_node(nid, gfp | __GFP_THISNODE | __GFP_NORETRY, order);
	if (!page)
		page = alloc_pages_node(nid, gfp, order);
	return arenalloc_block_prepare(page, order);
}
EXPORT_SYMBOL_IF_KUNIT(arenalloc_pages_alloc_near);

/**
 * arenalloc_pages_free() - give back a block from arenalloc_pages_alloc()
 * @page:  first page of the block
 * @order: the order it was allocated with
 *
 * A block that lost references to someone else's put (a kfree() of
 * arenalloc memory) is reported, and still freed exactly once: its pages
 * were never given back in between, because of the pin.
 *
 * Context: Any context.
 */
void arenalloc_pages_free(struct page *page, unsigned int order)
{
	int lost = (int)AA_PAGE_PIN + 1 - page_ref_count(page);

	/* Extra references are speculative ones (a pfn walker's): fine. */
	lost = clamp(lost, 0, (int)AA_PAGE_PIN);
	if (unlikely(lost))
		aa_report_lost_ref(page_address(page), lost);
	atomic_long_sub(1L << order, &arenalloc_node_pages[page_to_nid(page)]);
	page_ref_sub(page, AA_PAGE_PIN - lost);
	__free_pages(page, order);
}
EXPORT_SYMBOL_IF_KUNIT(arenalloc_pages_free);

/**
 * arenalloc_user_page_alloc() - take one page for a userspace mapping
 * @nid: node to take it from; the page allocator may fall back to
 *       another node when this one is full
 * @gfp: allocation flags, GFP_HIGHUSER and modifiers (__GFP_ZERO,
 *       __GFP_ACCOUNT)
 *
 * From @nid's device pool first (zeroed if @gfp has __GFP_ZERO, never
 * charged, and only to a task that would not be charged: devpool.c),
 * else from the page allocator.
 *
 * Context: Process context; may sleep.
 * Return: an order-0 page with one reference, counted on the node it
 * lies on (page_to_nid()), or NULL.
 */
struct page *arenalloc_user_page_alloc(int nid, gfp_t gfp)
{
	struct page *page;

	if (nid < 0 || nid >= nr_node_ids || arenalloc_should_fail(0))
		return NULL;

	page = aa_devpool_take(nid, gfp & __GFP_ZERO);
	if (page)
		return page;
	page = alloc_pages_node(nid, gfp | __GFP_NOWARN, 0);
	if (!page)
		return NULL;
	atomic_long_inc(&arenalloc_node_pages[page_to_nid(page)]);
	return page;
}

/**
 * arenalloc_user_page_put() - give back a page of arenalloc_user_page_alloc()
 * @page: the page, out of any file and mapped by no PTE
 *
 * Drops the reference arenalloc_user_page_alloc() returned, to its node's
 * device pool when it may go there (devpool.c), else as
 * arenalloc_user_page_free().
 *
 * Context: Process context.
 */
void arenalloc_user_page_put(struct page *page)
{
	if (!aa_devpool_put(page))
		arenalloc_user_page_free(page);
}

/**
 * arenalloc_user_page_free() - give a user page back, not to a pool
 * @page: a page of arenalloc_user_page_alloc()
 *
 * Drops the reference arenalloc_user_page_alloc() returned.  The page
 * leaves the count now; it goes back to the page allocator when the last
 * other reference (a get_user_pages() pin, say) is dropped too.
 *
 * Context: Any context.
 */
void arenalloc_user_page_free(struct page *page)
{
	atomic_long_dec(&arenalloc_node_pages[page_to_nid(page)]);
	put_page(page);
}

/**
 * arenalloc_pages_held() - pages the module holds on a node
 * @nid: node id, or NUMA_NO_NODE for the total over all nodes
 *
 * Context: Any context.  The value is a snapshot.
 * Return: number of pages taken and not yet given back.
 */
unsigned long arenalloc_pages_held(int nid)
{
	unsigned long sum = 0;
	int n;

	if (nid != NUMA_NO_NODE)
		return atomic_long_read(&arenalloc_node_pages[nid]);
	for (n = 0; n < nr_node_ids; n++)
		sum += atomic_long_read(&arenalloc_node_pages[n]);
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(arenalloc_pages_held);

int arenalloc_page_init(void)
{
	arenalloc_node_pages = kcalloc(nr_node_ids, sizeof(*arenalloc_node_pages),
				       GFP_KERNEL);
	if (!arenalloc_node_pages)
		return -ENOMEM;
	arenalloc_fail_init();
	return 0;
}

void arenalloc_page_exit(void)
{
	int nid;

	arenalloc_fail_exit();
	for (nid = 0; nid < nr_node_ids; nid++) {
		long held = atomic_long_read(&arenalloc_node_pages[nid]);

		/* Leaking is a bug; the pages stay lost rather than freed blind. */
		WARN(held, "arenalloc: %ld pages on node %d not given back\n",
		     held, nid);
	}
	kfree(arenalloc_node_pages);
}
