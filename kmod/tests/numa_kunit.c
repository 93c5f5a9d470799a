// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: NUMA placement (kmod/arena.c, kmod/page.c, the CPU-to-arena
 * binding in kmod/tcache.c).
 *
 *   arenalloc_numa  which node memory comes from, CPU-to-arena binding,
 *                   CPUs of memoryless nodes, and the fallback to another
 *                   node when an arena's own node has no free chunk
 *
 * Cases that need a topology the machine lacks (two nodes with memory, a
 * CPU on a node without memory) skip before checking anything.  scripts/
 * vm.sh makes such a CPU with VM_MEMLESS_NODES (Documentation/testing.rst).
 */
#include <kunit/test.h>
#include <linux/arenalloc.h>
#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "helpers.h"

/*
 * The node memory for @cpu should come from: its own if it has memory,
 * else the nearest node with memory (lowest id on a tie), as the page
 * allocator's fallback order has it.  Written apart from the module's own
 * aa_nearest_memory_node() on purpose.
 */
static int expected_mem_node(unsigned int cpu)
{
	int nid = cpu_to_node(cpu), n, best = NUMA_NO_NODE;

	if (node_state(nid, N_MEMORY))
		return nid;
	for_each_node_state(n, N_MEMORY) {
		if (best == NUMA_NO_NODE || node_distance(nid, n) < node_distance(nid, best))
			best = n;
	}
	return best;
}

struct on_cpu {
	struct work_struct work;
	unsigned int cpu;
	int arena_nid;
	int nids[4];
	bool got_all;
};

/* Runs on @oc->cpu: where does memory for this CPU come from? */
static void alloc_on_cpu(struct work_struct *work)
{
	struct on_cpu *oc = container_of(work, struct on_cpu, work);
	static const size_t sizes[] = { 64, 3000, 40000, 14336 };
	unsigned int i;

	oc->arena_nid = aa_this_cpu_arena()->nid;
	oc->got_all = true;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = arenalloc_mallocx(sizes[i], i & 1 ? ARENALLOC_TCACHE_NONE : 0,
					    GFP_KERNEL);

		if (!p) {
			oc->got_all = false;
			continue;
		}
		oc->nids[i] = page_to_nid(virt_to_page(p));
		arenalloc_free(p);
	}
}

static void memory_comes_from_the_cpus_node(struct kunit *test)
{
	struct on_cpu oc;
	unsigned int cpu, i;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		int want = expected_mem_node(cpu);

		memset(&oc, 0, sizeof(oc));
		oc.cpu = cpu;
		INIT_WORK_ONSTACK(&oc.work, alloc_on_cpu);
		queue_work_on(cpu, system_wq, &oc.work);
		flush_work(&oc.work);
		destroy_work_on_stack(&oc.work);

		KUNIT_EXPECT_TRUE(test, oc.got_all);
		KUNIT_EXPECT_EQ_MSG(test, oc.arena_nid, want, "cpu %u (node %d)", cpu,
				    cpu_to_node(cpu));
		for (i = 0; i < ARRAY_SIZE(oc.nids); i++)
			KUNIT_EXPECT_EQ_MSG(test, oc.nids[i], want,
					    "cpu %u (node %d) allocation %u", cpu,
					    cpu_to_node(cpu), i);
	}
	cpus_read_unlock();
}

static void every_memory_node_has_an_arena(struct kunit *test)
{
	unsigned int i, threads = 0;
	int nid;

	/* Skip first: a skip after a failed expectation would hide it. */
	if (num_node_state(N_MEMORY) < 2)
		kunit_skip(test, "one node: placement across nodes not exercised");
	for_each_node_state(nid, N_MEMORY) {
		bool found = false;

		for (i = 0; i < aa_narenas_auto; i++)
			found |= aa_arenas[i]->nid == nid;
		KUNIT_EXPECT_TRUE_MSG(test, found, "node %d", nid);
	}
	for (i = 0; i < aa_narenas_auto; i++) {
		threads += aa_arenas[i]->nthreads;
		KUNIT_EXPECT_TRUE_MSG(test, node_state(aa_arenas[i]->nid, N_MEMORY),
				      "arena %u on node %d", i, aa_arenas[i]->nid);
	}
	KUNIT_EXPECT_EQ(test, threads, num_possible_cpus());
}

/* ---- a CPU of a node without memory (kmalloc_node() falls back) ---------- */

/* A CPU whose node has no memory, or -1. */
static int memoryless_cpu(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		if (!node_state(cpu_to_node(cpu), N_MEMORY))
			return cpu;
	return -1;
}

/* A private arena made for @node serves small and large requests. */
static void private_arena_serves(struct kunit *test, int node, int want)
{
	int id = arenalloc_arena_create(node, 0);
	void *small, *big;

	KUNIT_ASSERT_GE_MSG(test, id, 0, "arenalloc_arena_create(%d, 0)", node);
	small = arenalloc_mallocx(64, ARENALLOC_ARENA(id), GFP_KERNEL);
	big = arenalloc_mallocx(SZ_64K, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL_MSG(test, small, "64 B from the arena of node %d", node);
	KUNIT_EXPECT_NOT_NULL_MSG(test, big, "64 KiB from the arena of node %d", node);
	KUNIT_EXPECT_EQ(test, aa_arenas[id]->nid, want);
	if (small)
		KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(small)), want);
	arenalloc_free(small);
	arenalloc_free(big);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

static void memoryless_node_uses_the_nearest(struct kunit *test)
{
	int cpu = memoryless_cpu(), node, want;
	cpumask_var_t saved;
	void *p;

	if (cpu < 0)
		kunit_skip(test, "no online CPU on a node without memory (VM_MEMLESS_NODES)");
	node = cpu_to_node(cpu);
	want = expected_mem_node(cpu);
	KUNIT_ASSERT_TRUE(test, alloc_cpumask_var(&saved, GFP_KERNEL));
	cpumask_copy(saved, current->cpus_ptr);
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)), 0);
	kunit_info(test, "cpu %d, node %d (no memory), numa_mem_id() %d, nearest node with memory %d\n",
		   cpu, node, numa_mem_id(), want);

	/* The CPU's automatic arena is the nearest node's. */
	KUNIT_EXPECT_EQ(test, aa_this_cpu_arena()->nid, want);
	p = arenalloc_malloc(64, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	arenalloc_free(p);

	/* As kmalloc_node() does, a private arena falls back to it too. */
	private_arena_serves(test, node, want);
	private_arena_serves(test, NUMA_NO_NODE, want);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_create(node, ARENALLOC_ARENA_STRICT_NODE), -EINVAL);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_create(NUMA_NO_NODE, ARENALLOC_ARENA_STRICT_NODE),
			-EINVAL);

	set_cpus_allowed_ptr(current, saved);
	free_cpumask_var(saved);
}

/* ---- a node with memory but no free chunk: fall back to another node ---- */

#define FRAG_LARGE_TRIES	2048	/* 16 KiB each: 32 MiB */
#define FRAG_SMALL_TRIES	65536	/* 64 B each: 4 MiB */

struct frag {
	struct list_head held;
	unsigned long held_pages;
	unsigned long freed_pages;
};

/* Takes every page of @nid that is free now. */
static void frag_take_all(int nid, struct frag *f)
{
	/* No reclaim, no kswapd, reserves included: whatever is free now. */
	const gfp_t gfp = __GFP_IO | __GFP_FS | __GFP_THISNODE | __GFP_NOWARN |
			  __GFP_MEMALLOC;
	struct page *page;
	int order;

	for (order = MAX_PAGE_ORDER; order >= 0; order--) {
		while ((page = alloc_pages_node(nid, gfp, order))) {
			unsigned int i;

			if (order)
				split_page(page, order);
			for (i = 0; i < (1U << order); i++)
				list_add(&page[i].lru, &f->held);
			f->held_pages += 1UL << order;
		}
		cond_resched();
	}
}

/*
 * Leaves @nid with about half its free memory, in single pages: takes all,
 * lets per-CPU lists drain and RCU-deferred frees land, takes all again,
 * then gives back every page with an odd PFN (its buddy stays taken), so
 * no free block of order 1 or more is left.
 */
static void frag_node(int nid, struct frag *f)
{
	struct page *page, *tmp;

	INIT_LIST_HEAD(&f->held);
	f->held_pages = 0;
	f->freed_pages = 0;
	frag_take_all(nid, f);
	/* A failing reclaiming allocation drains every CPU's page lists. */
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_THISNODE | __GFP_NORETRY |
				__GFP_NOWARN, 0);
	if (page) {
		list_add(&page->lru, &f->held);
		f->held_pages++;
	}
	rcu_barrier();
	/* What the drain and the RCU callbacks gave back. */
	frag_take_all(nid, f);
	list_for_each_entry_safe(page, tmp, &f->held, lru) {
		if (!(page_to_pfn(page) & 1))
			continue;
		list_del(&page->lru);
		__free_page(page);
		f->held_pages--;
		f->freed_pages++;
	}
}

static void frag_undo(struct frag *f)
{
	struct page *page, *tmp;
	unsigned long n = 0;

	list_for_each_entry_safe(page, tmp, &f->held, lru) {
		list_del(&page->lru);
		__free_page(page);
		if (!(++n % 4096))
			cond_resched();
	}
}

/* A CPU on a memory node other than the first, or -1. */
static int second_node_cpu(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		int nid = cpu_to_node(cpu);

		if (nid != first_memory_node && node_state(nid, N_MEMORY))
			return cpu;
	}
	return -1;
}

static u64 arena_fallbacks(struct aa_arena *arena)
{
	struct aa_arena_stats st;

	aa_arena_stats_get(arena, &st);
	return st.node_fallbacks;
}

struct frag_result {
	unsigned int n_large, n_small;
	void *a_small, *a_atomic, *a_huge, *strict_small;
	u64 auto_fb, priv_fb, strict_fb;
	unsigned long held_pages, freed_pages;
};

/* The requests, made on a CPU of @nid while @nid is fragmented. */
static void frag_requests(struct aa_arena *home, int id, int strict, void **large,
			  void **small, struct frag_result *r)
{
	unsigned int i;
	u64 fb0 = arena_fallbacks(home), pfb0 = arena_fallbacks(aa_arenas[id]);

	for (i = 0; i < FRAG_LARGE_TRIES; i++) {
		large[i] = arenalloc_mallocx(SZ_16K, ARENALLOC_TCACHE_NONE, GFP_KERNEL);
		if (!large[i])
			break;
		r->n_large++;
	}
	for (i = 0; i < FRAG_SMALL_TRIES; i++) {
		small[i] = arenalloc_mallocx(64, ARENALLOC_TCACHE_NONE, GFP_KERNEL);
		if (!small[i])
			break;
		r->n_small++;
	}
	r->a_small = arenalloc_mallocx(64, ARENALLOC_ARENA(id), GFP_KERNEL);
	r->a_atomic = arenalloc_mallocx(64, ARENALLOC_ARENA(id), GFP_ATOMIC);
	r->a_huge = arenalloc_mallocx(arenalloc_sc.large_max + 1, ARENALLOC_ARENA(id), GFP_KERNEL);
	r->strict_small = arenalloc_mallocx(64, ARENALLOC_ARENA(strict), GFP_KERNEL);
	r->auto_fb = arena_fallbacks(home) - fb0;
	r->priv_fb = arena_fallbacks(aa_arenas[id]) - pfb0;
	r->strict_fb = arena_fallbacks(aa_arenas[strict]);
}

static void fragmented_node_falls_back(struct kunit *test)
{
	struct frag *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	struct frag_result r = { };
	int cpu = second_node_cpu(), nid, id, strict;
	void **large, **small;
	struct aa_arena *home;
	cpumask_var_t saved;
	u64 total0, total1;
	struct aa_stats t;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	if (cpu < 0)
		kunit_skip(test, "needs a CPU on a second node with memory");
	nid = cpu_to_node(cpu);
	large = kunit_kcalloc(test, FRAG_LARGE_TRIES, sizeof(*large), GFP_KERNEL);
	small = kvcalloc(FRAG_SMALL_TRIES, sizeof(*small), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, large);
	KUNIT_ASSERT_NOT_NULL(test, small);
	id = arenalloc_arena_create(nid, 0);
	strict = arenalloc_arena_create(nid, ARENALLOC_ARENA_STRICT_NODE);
	KUNIT_ASSERT_GE(test, id, 0);
	KUNIT_ASSERT_GE(test, strict, 0);
	KUNIT_ASSERT_TRUE(test, alloc_cpumask_var(&saved, GFP_KERNEL));
	cpumask_copy(saved, current->cpus_ptr);
	aa_stats_collect(&t);
	total0 = t.node_fallbacks;

	/* Nothing below may fail before the node is whole again. */
	if (set_cpus_allowed_ptr(current, cpumask_of(cpu)) == 0) {
		home = aa_this_cpu_arena();
		aa_tcache_flush_all();
		frag_node(nid, f);
		r.held_pages = f->held_pages;
		r.freed_pages = f->freed_pages;
		frag_requests(home, id, strict, large, small, &r);
		frag_undo(f);
		set_cpus_allowed_ptr(current, saved);
	} else {
		KUNIT_FAIL(test, "cannot run on cpu %d", cpu);
	}
	free_cpumask_var(saved);
	aa_stats_collect(&t);
	total1 = t.node_fallbacks;

	kunit_info(test, "node %d (cpu %d): %lu pages taken, %lu single pages left free (%lu MiB)\n",
		   nid, cpu, r.held_pages, r.freed_pages, r.freed_pages >> (20 - PAGE_SHIFT));
	kunit_info(test, "16 KiB: %u of %u, 64 B: %u of %u; node fallbacks: automatic arena %llu, private %llu, strict %llu, stats/node_fallbacks +%llu\n",
		   r.n_large, FRAG_LARGE_TRIES, r.n_small, FRAG_SMALL_TRIES, r.auto_fb,
		   r.priv_fb, r.strict_fb, total1 - total0);

	/* Small GFP_KERNEL (and GFP_ATOMIC) requests do not fail... */
	KUNIT_EXPECT_EQ(test, r.n_large, (unsigned int)FRAG_LARGE_TRIES);
	KUNIT_EXPECT_EQ(test, r.n_small, (unsigned int)FRAG_SMALL_TRIES);
	KUNIT_EXPECT_NOT_NULL(test, r.a_small);
	KUNIT_EXPECT_NOT_NULL(test, r.a_atomic);
	KUNIT_EXPECT_NOT_NULL(test, r.a_huge);
	/* ...they leave the node, and the statistics say so... */
	KUNIT_EXPECT_GT(test, r.auto_fb, 0ULL);
	KUNIT_EXPECT_GE(test, r.priv_fb, 2ULL);	/* a chunk and a huge block */
	KUNIT_EXPECT_GE(test, total1 - total0, r.auto_fb + r.priv_fb);
	if (r.a_small)
		KUNIT_EXPECT_NE(test, page_to_nid(virt_to_page(r.a_small)), nid);
	/* ...but not for an arena created strict to its node. */
	KUNIT_EXPECT_NULL(test, r.strict_small);
	KUNIT_EXPECT_EQ(test, r.strict_fb, 0ULL);

	for (i = 0; i < r.n_large; i++)
		arenalloc_free(large[i]);
	for (i = 0; i < r.n_small; i++)
		arenalloc_free(small[i]);
	kvfree(small);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(strict), 0);
	aa_tcache_flush_all();
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

static struct kunit_case arenalloc_numa_cases[] = {
	KUNIT_CASE(memory_comes_from_the_cpus_node),
	KUNIT_CASE(every_memory_node_has_an_arena),
	KUNIT_CASE(memoryless_node_uses_the_nearest),
	KUNIT_CASE_SLOW(fragmented_node_falls_back),
	{}
};

static struct kunit_suite arenalloc_numa_suite = {
	.name = "arenalloc_numa",
	.test_cases = arenalloc_numa_cases,
};

kunit_test_suite(arenalloc_numa_suite);
