// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: arenalloc under load and in hard places.
 *
 *   concurrent_cross_cpu  one kthread per online CPU allocating a mix of
 *                         sizes, checking contents, and freeing a share of
 *                         its objects on other CPUs through a shared queue
 *   atomic_from_hardirq   GFP_ATOMIC allocation and free from irq_work
 *   page_failures_*       injected page allocator failures give NULL and
 *                         leave nothing behind; __GFP_NOFAIL rides them
 *                         out, and a shrinking realloc stays in place
 *   metadata_share        metadata as a share of active memory for a mix
 *                         of sizes (reported, and bounded)
 */
#include <kunit/test.h>
#include <linux/arenalloc.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/fault-inject.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "helpers.h"

/* An object remembers its size and seed, and carries a checkable pattern. */
struct obj {
	u32 size;
	u32 seed;
	struct obj *next;	/* on the exchange queue */
	u8 data[];
};

static struct obj *obj_new(size_t size, u32 seed, gfp_t gfp)
{
	struct obj *o;
	size_t i;

	size = max(size, sizeof(*o));
	o = arenalloc_malloc(size, gfp);
	if (!o)
		return NULL;
	o->size = size;
	o->seed = seed;
	o->next = NULL;
	for (i = 0; i < size - sizeof(*o); i++)
		o->data[i] = seed + i;
	return o;
}

static bool obj_ok(const struct obj *o)
{
	size_t i;

	for (i = 0; i < o->size - sizeof(*o); i++)
		if (o->data[i] != (u8)(o->seed + i))
			return false;
	return true;
}

/* Mostly small, some large, a few huge: roughly what a subsystem does. */
static size_t pick_size(u32 r)
{
	if (r % 1000 == 0)
		return arenalloc_sc.large_max + (r % 4096);
	if (r % 50 == 0)
		return 16384 + (r % 200000);
	return 16 + (r % 2048);
}

/* ==== Concurrent allocation with cross-CPU frees ======================= */

#define STRESS_ITERS	4000
#define STRESS_KEEP	64

struct stress {
	spinlock_t lock;	/* protects queue */
	struct obj *queue;	/* objects any thread may free */
	atomic_t bad;		/* content or allocation failures */
	atomic_t running;
	struct completion done;
};

struct stress_thread {
	struct stress *s;
	unsigned int cpu;
};

static void stress_free(struct stress *s, struct obj *o)
{
	if (!obj_ok(o))
		atomic_inc(&s->bad);
	arenalloc_free(o);
}

static int stress_fn(void *arg)
{
	struct stress_thread *t = arg;
	struct stress *s = t->s;
	struct obj *keep[STRESS_KEEP] = { };
	struct obj *o;
	unsigned int i, slot;
	u32 r;

	for (i = 0; i < STRESS_ITERS; i++) {
		r = get_random_u32();
		slot = r % STRESS_KEEP;
		if (keep[slot]) {
			if (r & 0x10000) {
				/* Hand it to whichever thread drains the queue next. */
				spin_lock(&s->lock);
				keep[slot]->next = s->queue;
				s->queue = keep[slot];
				spin_unlock(&s->lock);
			} else {
				stress_free(s, keep[slot]);
			}
		}
		keep[slot] = obj_new(pick_size(r >> 4), r, GFP_KERNEL);
		if (!keep[slot])
			atomic_inc(&s->bad);

		if ((i & 15) == 0) {
			spin_lock(&s->lock);
			o = s->queue;
			s->queue = o ? o->next : NULL;
			spin_unlock(&s->lock);
			if (o)
				stress_free(s, o);
		}
		cond_resched();
	}
	for (slot = 0; slot < STRESS_KEEP; slot++)
		if (keep[slot])
			stress_free(s, keep[slot]);
	if (atomic_dec_and_test(&s->running))
		complete(&s->done);
	return 0;
}

static void concurrent_cross_cpu(struct kunit *test)
{
	struct task_struct *task = NULL;
	struct stress_thread *threads;
	struct stress s;
	struct obj *o;
	unsigned int cpu, n = 0;

	spin_lock_init(&s.lock);
	s.queue = NULL;
	atomic_set(&s.bad, 0);
	init_completion(&s.done);
	threads = kunit_kcalloc(test, nr_cpu_ids, sizeof(*threads), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, threads);

	/*
	 * One count for this thread, dropped once every thread is started, so
	 * that a failed start still waits for the threads that run (they use
	 * @s, on this stack) and asserts only after the hotplug lock is gone.
	 */
	atomic_set(&s.running, 1);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		threads[cpu].s = &s;
		threads[cpu].cpu = cpu;
		task = kthread_create_on_cpu(stress_fn, &threads[cpu], cpu, "aa_stress/%u");
		if (IS_ERR(task))
			break;
		atomic_inc(&s.running);
		wake_up_process(task);
		n++;
	}
	cpus_read_unlock();
	if (!atomic_dec_and_test(&s.running))
		wait_for_completion(&s.done);
	KUNIT_EXPECT_FALSE_MSG(test, IS_ERR(task), "a thread did not start: %ld",
			       PTR_ERR(task));

	while ((o = s.queue)) {
		s.queue = o->next;
		stress_free(&s, o);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&s.bad), 0);
	kunit_info(test, "%u threads x %u operations", n, STRESS_ITERS);

	aa_tcache_flush_all();
	KUNIT_EXPECT_EQ(test, aa_test_auto_live(), 0UL);
}

/* ==== Interrupt context ================================================ */

#define IRQ_OBJS 16

struct irq_test {
	struct irq_work work;
	struct completion done;
	struct obj *objs[IRQ_OBJS];
	bool in_hardirq;
};

static void irq_alloc(struct irq_work *work)
{
	struct irq_test *it = container_of(work, struct irq_test, work);
	unsigned int i;

	it->in_hardirq = in_hardirq();
	for (i = 0; i < IRQ_OBJS; i++)
		it->objs[i] = obj_new(i % 4 == 3 ? 20000 : 24 + i * 200, i, GFP_ATOMIC);
	/* Free half right here, in the interrupt. */
	for (i = 0; i < IRQ_OBJS; i += 2) {
		arenalloc_free(it->objs[i]);
		it->objs[i] = NULL;
	}
	complete(&it->done);
}

static void atomic_from_hardirq(struct kunit *test)
{
	struct irq_test *it = kunit_kzalloc(test, sizeof(*it), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, it);
	init_completion(&it->done);
	init_irq_work(&it->work, irq_alloc);
	/* IRQ_WORK_HARD_IRQ is implied for plain irq_work on !PREEMPT_RT. */
	irq_work_queue(&it->work);
	wait_for_completion(&it->done);
	irq_work_sync(&it->work);

	KUNIT_EXPECT_TRUE(test, it->in_hardirq);
	for (i = 1; i < IRQ_OBJS; i += 2) {
		KUNIT_ASSERT_NOT_NULL(test, it->objs[i]);
		KUNIT_EXPECT_TRUE(test, obj_ok(it->objs[i]));
		arenalloc_free(it->objs[i]);
	}
}

/* ==== Page allocator failures ========================================= */

static void stop_failing(void *attr)
{
	struct fault_attr *fa = attr;

	fa->probability = 0;
	fa->verbose = 2;
	atomic_set(&fa->times, 0);
	atomic_set(&fa->space, 0);
}

static void page_failures_give_null(struct kunit *test)
{
	struct fault_attr *fa = arenalloc_fail_pages_attr();
	unsigned long before = aa_test_pages_held(NUMA_NO_NODE);
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	void *p;

	KUNIT_ASSERT_GE(test, id, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, stop_failing, fa), 0);
	fa->verbose = 0;
	fa->probability = 100;
	fa->interval = 1;
	atomic_set(&fa->times, -1);

	/* A fresh arena has no chunk: every size needs the page allocator. */
	KUNIT_EXPECT_NULL(test, arenalloc_mallocx(64, ARENALLOC_ARENA(id), GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, arenalloc_mallocx(40000, ARENALLOC_ARENA(id), GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, arenalloc_mallocx(arenalloc_sc.large_max + 1,
						  ARENALLOC_ARENA(id), GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), before);

	stop_failing(fa);
	p = arenalloc_mallocx(64, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	arenalloc_free(p);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), before);
}

/* The next @n page allocations fail, then they succeed again. */
static void fail_next(struct fault_attr *fa, int n)
{
	fa->verbose = 0;
	fa->probability = 100;
	fa->interval = 1;
	atomic_set(&fa->space, 0);
	atomic_set(&fa->times, n);
}

/*
 * __GFP_NOFAIL never returns NULL: arenalloc retries the whole allocation
 * (its page allocations never carry the flag) until memory comes.  Without
 * direct reclaim it cannot wait: refused and reported, as the page
 * allocator does.
 */
static void page_failures_and_nofail(struct kunit *test)
{
	const size_t sizes[] = { 64, 40000, arenalloc_sc.large_max + 1 };
	struct fault_attr *fa = arenalloc_fail_pages_attr();
	int *errors = aa_test_track_errors(test);
	unsigned int i;
	void *p;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, stop_failing, fa), 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		int id = arenalloc_arena_create(NUMA_NO_NODE, 0);

		KUNIT_ASSERT_GE(test, id, 0);
		fail_next(fa, 3);
		p = arenalloc_mallocx(sizes[i], ARENALLOC_ARENA(id), GFP_KERNEL | __GFP_NOFAIL);
		KUNIT_EXPECT_NOT_NULL_MSG(test, p, "size %zu", sizes[i]);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&fa->times), 0, "size %zu", sizes[i]);
		arenalloc_free(p);
		stop_failing(fa);
		KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
	}
	KUNIT_EXPECT_EQ(test, *errors, 0);

	i = arenalloc_arena_create(NUMA_NO_NODE, 0);
	KUNIT_ASSERT_GE(test, (int)i, 0);
	fail_next(fa, 1);
	KUNIT_EXPECT_NULL(test, arenalloc_mallocx(64, ARENALLOC_ARENA(i),
						  GFP_NOWAIT | __GFP_NOFAIL));
	KUNIT_EXPECT_EQ(test, *errors, 1);
	stop_failing(fa);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(i), 0);
}

/*
 * A shrink never fails, as krealloc()'s does not: with no page to be had
 * for the smaller class, the object stays where it is, content intact.
 */
static void page_failures_and_shrink(struct kunit *test)
{
	struct fault_attr *fa = arenalloc_fail_pages_attr();
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	size_t big = arenalloc_sc.large_max + 1, usable;
	u8 *p, *q;

	KUNIT_ASSERT_GE(test, id, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, stop_failing, fa), 0);
	/* A huge block only: the arena has no chunk for a small class. */
	p = arenalloc_mallocx(big, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	usable = arenalloc_usable_size(p);
	memset(p, 0x3c, 100);
	fail_next(fa, -1);
	q = arenalloc_realloc(p, 100, GFP_KERNEL);
	stop_failing(fa);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p), usable);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(p, 0x3c, 100));
	/* Once memory is there again, the shrink moves. */
	q = arenalloc_realloc(p, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(q, 0x3c, 100));
	arenalloc_free(q);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

static void page_failures_midway(struct kunit *test)
{
	struct fault_attr *fa = arenalloc_fail_pages_attr();
	unsigned long before = aa_test_pages_held(NUMA_NO_NODE);
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	unsigned int i, got = 0, failed = 0;

	KUNIT_ASSERT_GE(test, id, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, stop_failing, fa), 0);
	/* Let two chunks through (space must stay above the size), then fail. */
	fa->verbose = 0;
	fa->probability = 100;
	fa->interval = 1;
	atomic_set(&fa->space, 3 * arenalloc_sc.large_max);
	atomic_set(&fa->times, -1);
	for (i = 0; i < 2000; i++) {
		if (arenalloc_mallocx(3 * PAGE_SIZE + (i % 7) * PAGE_SIZE,
				      ARENALLOC_ARENA(id), GFP_KERNEL))
			got++;
		else
			failed++;
	}
	stop_failing(fa);
	KUNIT_EXPECT_GT(test, got, 0U);
	KUNIT_EXPECT_GT(test, failed, 0U);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), before);
}

/* ==== Metadata ========================================================= */

static void metadata_share(struct kunit *test)
{
	const unsigned int n = 20000;
	void **p = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	unsigned long active = 0, meta;
	struct aa_arena_stats st;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < n; i++) {
		p[i] = arenalloc_malloc(pick_size(get_random_u32()) % 65536 + 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	for (i = 0; i < aa_narenas_auto; i++) {
		aa_arena_stats_get(aa_arenas[i], &st);
		active += (st.active_pages + st.huge_pages) << PAGE_SHIFT;
	}
	meta = atomic_long_read(&aa_metadata_bytes);
	kunit_info(test, "metadata %lu KiB for %lu KiB active: %lu.%02lu%%",
		   meta >> 10, active >> 10, meta * 100 / active,
		   meta * 10000 / active % 100);
	/* Per-CPU caches dominate at this size; a few percent at most. */
	KUNIT_EXPECT_LT(test, meta * 100 / active, 5UL);
	for (i = 0; i < n; i++)
		arenalloc_free(p[i]);
	aa_tcache_flush_all();
}

static struct kunit_case arenalloc_stress_cases[] = {
	KUNIT_CASE_SLOW(concurrent_cross_cpu),
	KUNIT_CASE(atomic_from_hardirq),
	KUNIT_CASE(page_failures_give_null),
	KUNIT_CASE(page_failures_and_nofail),
	KUNIT_CASE(page_failures_and_shrink),
	KUNIT_CASE_SLOW(page_failures_midway),
	KUNIT_CASE_SLOW(metadata_share),
	{}
};

static struct kunit_suite arenalloc_stress_suite = {
	.name = "arenalloc_stress",
	.test_cases = arenalloc_stress_cases,
};

kunit_test_suite(arenalloc_stress_suite);
