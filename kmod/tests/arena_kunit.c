// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: arenas and per-CPU caches.
 *
 *   arenalloc_arena  private arenas, extents, chunk reuse
 *   arenalloc_numa   which node memory comes from, CPU-to-arena binding
 *   arenalloc_pcpu   per-CPU cache hits, fill and flush, GC, CPU offline
 *
 * Nothing else allocates from arenalloc while these run, so "no live
 * objects once every cache is flushed" is an exact check.
 */
#include <kunit/test.h>
#include <linux/arenalloc.h>
#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/workqueue.h>

#include "helpers.h"

/* ==== arenalloc_arena ================================================== */

static void private_arena_on_each_node(struct kunit *test)
{
	static const size_t sizes[] = { 8, 100, 2000, 14336, 20000, 300000 };
	unsigned long before = aa_test_quiet_pages_held();
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
	KUNIT_EXPECT_EQ(test, n, AA_ARENAS_MAX - (int)aa_narenas_auto);
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
	/* Only the spare chunk stays. */
	KUNIT_EXPECT_EQ(test, st.nchunks, 1UL);

	/* A whole chunk fits again in the merged space. */
	p[0] = arenalloc_mallocx(arenalloc_sc.large_max, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p[0]);
	aa_arena_stats_get(aa_arenas[id], &st);
	KUNIT_EXPECT_EQ(test, st.nchunks, 1UL);
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

static struct kunit_case arenalloc_arena_cases[] = {
	KUNIT_CASE(private_arena_on_each_node),
	KUNIT_CASE(arena_create_refuses_bad_arguments),
	KUNIT_CASE(arena_slots_run_out_cleanly),
	KUNIT_CASE(freed_runs_coalesce_and_chunks_return),
	KUNIT_CASE(freed_run_is_reused),
	{}
};

static struct kunit_suite arenalloc_arena_suite = {
	.name = "arenalloc_arena",
	.test_cases = arenalloc_arena_cases,
};

/* ==== arenalloc_numa =================================================== */

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
		memset(&oc, 0, sizeof(oc));
		oc.cpu = cpu;
		INIT_WORK_ONSTACK(&oc.work, alloc_on_cpu);
		queue_work_on(cpu, system_wq, &oc.work);
		flush_work(&oc.work);
		destroy_work_on_stack(&oc.work);

		KUNIT_EXPECT_TRUE(test, oc.got_all);
		KUNIT_EXPECT_EQ_MSG(test, oc.arena_nid, cpu_to_mem(cpu), "cpu %u", cpu);
		for (i = 0; i < ARRAY_SIZE(oc.nids); i++)
			KUNIT_EXPECT_EQ_MSG(test, oc.nids[i], cpu_to_mem(cpu),
					    "cpu %u allocation %u", cpu, i);
	}
	cpus_read_unlock();
}

static void every_memory_node_has_an_arena(struct kunit *test)
{
	unsigned int i, threads = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		bool found = false;

		for (i = 0; i < aa_narenas_auto; i++)
			found |= aa_arenas[i]->nid == nid;
		KUNIT_EXPECT_TRUE_MSG(test, found, "node %d", nid);
	}
	for (i = 0; i < aa_narenas_auto; i++)
		threads += aa_arenas[i]->nthreads;
	KUNIT_EXPECT_EQ(test, threads, num_possible_cpus());
	if (num_node_state(N_MEMORY) < 2)
		kunit_skip(test, "one node: placement across nodes not exercised");
}

static struct kunit_case arenalloc_numa_cases[] = {
	KUNIT_CASE(memory_comes_from_the_cpus_node),
	KUNIT_CASE(every_memory_node_has_an_arena),
	{}
};

static struct kunit_suite arenalloc_numa_suite = {
	.name = "arenalloc_numa",
	.test_cases = arenalloc_numa_cases,
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

static void remote_frees_go_home(struct kunit *test)
{
	struct cache_work cw = { .n = 32, .size = 1024 };
	unsigned int a, b, i;
	void *p[32];

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	a = cpumask_first(cpu_online_mask);
	b = cpumask_last(cpu_online_mask);
	/* Allocated while bound to @a, freed on @b through its remote list. */
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(a)), 0);
		p[i] = arenalloc_malloc(cw.size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(b)), 0);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		arenalloc_free(p[i]);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	aa_tcache_flush_all();
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

kunit_test_suites(&arenalloc_arena_suite, &arenalloc_numa_suite, &arenalloc_pcpu_suite);
