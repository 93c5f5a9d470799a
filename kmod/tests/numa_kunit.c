// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: NUMA placement (kmod/arena.c, kmod/page.c, the CPU-to-arena
 * binding in kmod/tcache.c).
 *
 *   arenalloc_numa  which node memory comes from, CPU-to-arena binding
 *
 * Cases that need a topology the machine lacks (two nodes with memory)
 * skip before checking anything.
 */
#include <kunit/test.h>
#include <linux/arenalloc.h>
#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/workqueue.h>

#include "helpers.h"

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
		int want = cpu_to_mem(cpu);

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

static struct kunit_case arenalloc_numa_cases[] = {
	KUNIT_CASE(memory_comes_from_the_cpus_node),
	KUNIT_CASE(every_memory_node_has_an_arena),
	{}
};

static struct kunit_suite arenalloc_numa_suite = {
	.name = "arenalloc_numa",
	.test_cases = arenalloc_numa_cases,
};

kunit_test_suite(arenalloc_numa_suite);
