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
 *   narenas_*             narenas written at run time: under allocation
 *                         and frees (cross-CPU ones too) on every CPU, no
 *                         object lost or handed out twice; a retired arena
 *                         freed once empty, not before; private arenas'
 *                         ids unchanged
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
#include "tcache.h"

/* An object remembers its size and seed, and carries a checkable pattern. */
struct obj {
	u32 size;
	u32 seed;
	struct obj *next;	/* on the exchange queue */
	u8 data[];
};

/* An object allocated with arenalloc_mallocx(@flags). */
static struct obj *obj_newx(size_t size, u32 seed, int flags, gfp_t gfp)
{
	struct obj *o;
	size_t i;

	size = max(size, sizeof(*o));
	o = flags ? arenalloc_mallocx(size, flags, gfp) : arenalloc_malloc(size, gfp);
	if (!o)
		return NULL;
	o->size = size;
	o->seed = seed;
	o->next = NULL;
	for (i = 0; i < size - sizeof(*o); i++)
		o->data[i] = seed + i;
	return o;
}

static struct obj *obj_new(size_t size, u32 seed, gfp_t gfp)
{
	return obj_newx(size, seed, 0, gfp);
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
#define STRESS_WARM	200
#define STRESS_KEEP	64

/* One kthread per online CPU shares this (stress_start()). */
struct stress {
	spinlock_t lock;	/* protects queue */
	struct obj *queue;	/* objects any thread may free */
	atomic_t bad;		/* content or allocation failures */
	atomic_long_t allocated;
	atomic_long_t freed;
	bool direct;		/* a quarter of the allocations past the caches */
	bool stop;		/* false: run on past STRESS_ITERS until set */
	atomic_t warming;	/* threads short of STRESS_WARM, plus the starter */
	atomic_t running;	/* threads running, plus the starter */
	struct completion warm;
	struct completion done;
};

/* The content check fails if the object was handed to two owners. */
static void stress_free(struct stress *s, struct obj *o)
{
	if (!obj_ok(o))
		atomic_inc(&s->bad);
	o->seed = ~o->seed;
	arenalloc_free(o);
	atomic_long_inc(&s->freed);
}

static struct obj *stress_alloc(struct stress *s, u32 r)
{
	int flags = s->direct && !(r & 0x300) ? ARENALLOC_TCACHE_NONE : 0;
	struct obj *o = obj_newx(pick_size(r >> 4), r, flags, GFP_KERNEL);

	if (o)
		atomic_long_inc(&s->allocated);
	else
		atomic_inc(&s->bad);
	return o;
}

static int stress_fn(void *arg)
{
	struct stress *s = arg;
	struct obj *keep[STRESS_KEEP] = { };
	struct obj *o;
	unsigned int i, slot;
	u32 r;

	for (i = 0; i < STRESS_ITERS || !READ_ONCE(s->stop); i++) {
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
		keep[slot] = stress_alloc(s, r);

		if ((i & 15) == 0) {
			spin_lock(&s->lock);
			o = s->queue;
			s->queue = o ? o->next : NULL;
			spin_unlock(&s->lock);
			if (o)
				stress_free(s, o);
		}
		if (i == STRESS_WARM && atomic_dec_and_test(&s->warming))
			complete(&s->warm);
		cond_resched();
	}
	for (slot = 0; slot < STRESS_KEEP; slot++)
		if (keep[slot])
			stress_free(s, keep[slot]);
	if (atomic_dec_and_test(&s->running))
		complete(&s->done);
	return 0;
}

/*
 * Starts stress_fn() on every online CPU (@s zeroed but for ->direct and
 * ->stop) and waits until every thread is under way.  Returns the threads
 * started; a thread that could not be, as an error in @err.
 */
static unsigned int stress_start(struct stress *s, long *err)
{
	struct task_struct *task;
	unsigned int cpu, n = 0;

	spin_lock_init(&s->lock);
	init_completion(&s->warm);
	init_completion(&s->done);
	/*
	 * The starter's counts, dropped once every thread is started, so that
	 * a failed start still waits for the threads that run (they use @s)
	 * and asserts only after the hotplug lock is gone.
	 */
	atomic_set(&s->warming, 1);
	atomic_set(&s->running, 1);
	*err = 0;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		task = kthread_create_on_cpu(stress_fn, s, cpu, "aa_stress/%u");
		if (IS_ERR(task)) {
			*err = PTR_ERR(task);
			break;
		}
		atomic_inc(&s->warming);
		atomic_inc(&s->running);
		wake_up_process(task);
		n++;
	}
	cpus_read_unlock();
	if (!atomic_dec_and_test(&s->warming))
		wait_for_completion(&s->warm);
	return n;
}

/* Waits for the threads to finish, then frees what they left queued. */
static void stress_finish(struct stress *s)
{
	struct obj *o;

	if (!atomic_dec_and_test(&s->running))
		wait_for_completion(&s->done);
	while ((o = s->queue)) {
		s->queue = o->next;
		stress_free(s, o);
	}
}

static void concurrent_cross_cpu(struct kunit *test)
{
	struct stress s = { .stop = true };
	unsigned int n;
	long err;

	n = stress_start(&s, &err);
	stress_finish(&s);
	KUNIT_EXPECT_EQ_MSG(test, err, 0L, "a thread did not start");
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

/* ==== narenas at run time =============================================== */

/* Writes narenas as a root write to /sys/kernel/arenalloc/narenas does. */
static int narenas_write(unsigned int n)
{
	char text[16];

	snprintf(text, sizeof(text), "%u\n", n);
	return arenalloc_knob_store(&arenalloc_knob_narenas, text);
}

/* Puts narenas back at the end of a case, whatever it did. */
static void narenas_restore(void *n)
{
	WARN_ON(narenas_write((uintptr_t)n));
	aa_tcache_flush_all();
	aa_reap_flush();
}

static void narenas_keep(struct kunit *test)
{
	uintptr_t n = aa_narenas_auto;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, narenas_restore, (void *)n), 0);
}

/* Automatic arena ids at or above narenas whose arena is not yet freed. */
static unsigned int narenas_retired_left(void)
{
	unsigned int i, n = 0;

	mutex_lock(&aa_arenas_lock);
	for (i = aa_narenas_auto; i < ARENALLOC_NARENAS_MAX; i++)
		n += !!aa_arenas[i];
	mutex_unlock(&aa_arenas_lock);
	return n;
}

#define NR_ROUNDS	3

/*
 * narenas goes up and down while a kthread on every online CPU allocates
 * (through its cache and past it), frees its own objects and those of
 * other CPUs, many of them from arenas that have been retired meanwhile.
 * Every object comes back intact exactly once, every retired arena is
 * freed once empty, and nothing is left live.
 */
static void narenas_change_under_load(struct kunit *test)
{
	unsigned int n0 = aa_narenas_auto, hi = min(n0 + 3, (unsigned int)ARENALLOC_NARENAS_MAX);
	const unsigned int steps[] = { hi, 1, min(n0 + 1, hi), n0 };
	struct stress s = { .direct = true };
	unsigned int n, i, round, changes = 0;
	unsigned long live;
	long err;
	int ret = 0;

	narenas_keep(test);
	n = stress_start(&s, &err);
	/* Every thread is under way: change narenas while they run. */
	for (round = 0; round < NR_ROUNDS; round++) {
		for (i = 0; i < ARRAY_SIZE(steps); i++) {
			ret = ret ?: narenas_write(steps[i]);
			changes++;
		}
	}
	WRITE_ONCE(s.stop, true);
	stress_finish(&s);
	KUNIT_EXPECT_EQ_MSG(test, err, 0L, "a thread did not start");
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, aa_narenas_auto, n0);

	aa_tcache_flush_all();
	aa_reap_flush();
	live = aa_test_auto_live();
	kunit_info(test,
		   "narenas changed %u times under load on %u CPUs: objects allocated %ld, freed %ld, lost %lu",
		   changes, n, atomic_long_read(&s.allocated), atomic_long_read(&s.freed), live);
	KUNIT_EXPECT_EQ(test, atomic_read(&s.bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s.allocated), atomic_long_read(&s.freed));
	KUNIT_EXPECT_EQ(test, live, 0UL);
	KUNIT_EXPECT_EQ(test, narenas_retired_left(), 0U);
}

/*
 * A retired arena takes no new allocation and no CPU, keeps its objects
 * (freed normally, past the caches) and is freed once the last is.
 */
static void narenas_retired_arena_freed_once_empty(struct kunit *test)
{
	const size_t sizes[] = { 64, 3000, 5 * PAGE_SIZE, arenalloc_sc.large_max + 1 };
	unsigned int n0 = aa_narenas_auto, id = n0, cpu, i;
	void *p[ARRAY_SIZE(sizes)];
	struct aa_arena *arena;

	if (n0 >= ARENALLOC_NARENAS_MAX)
		kunit_skip(test, "narenas is at its maximum");
	narenas_keep(test);
	KUNIT_ASSERT_EQ(test, narenas_write(n0 + 1), 0);
	arena = aa_arenas[id];
	KUNIT_ASSERT_NOT_NULL(test, arena);
	KUNIT_EXPECT_FALSE(test, arena->private);
	KUNIT_EXPECT_EQ(test, arena->nid, aa_nearest_memory_node(arena->nid));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = arenalloc_mallocx(sizes[i], ARENALLOC_ARENA(id), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}

	KUNIT_ASSERT_EQ(test, narenas_write(n0), 0);
	KUNIT_EXPECT_PTR_EQ(test, aa_arenas[id], arena);	/* not empty: kept */
	KUNIT_EXPECT_EQ(test, READ_ONCE(arena->state), (u8)AA_ARENA_RETIRED);
	KUNIT_EXPECT_EQ(test, READ_ONCE(arena->nthreads), 0U);
	for_each_possible_cpu(cpu)
		KUNIT_EXPECT_PTR_NE(test, READ_ONCE(per_cpu_ptr(aa_tcache, cpu)->arena), arena);
	/* An id of a retired arena is refused, as one that does not exist. */
	KUNIT_EXPECT_NULL(test, arenalloc_mallocx(64, ARENALLOC_ARENA(id), GFP_KERNEL));

	/* Freed normally, from this CPU's hit path, all but the last. */
	for (i = 0; i + 1 < ARRAY_SIZE(sizes); i++) {
		KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p[i]) >= sizes[i], true);
		arenalloc_free(p[i]);
	}
	aa_reap_flush();
	KUNIT_EXPECT_PTR_EQ(test, aa_arenas[id], arena);	/* one object left */
	KUNIT_EXPECT_FALSE(test, aa_arena_empty(arena));
	arenalloc_sdallocx(p[i], sizes[i], ARENALLOC_ARENA(id));
	aa_reap_flush();
	KUNIT_EXPECT_NULL(test, aa_arenas[id]);
	KUNIT_EXPECT_EQ(test, narenas_retired_left(), 0U);
}

/*
 * Private arenas keep their ids, and stay private, whatever narenas does:
 * their ids lie above every automatic one.
 */
static void narenas_keeps_private_ids(struct kunit *test)
{
	unsigned int n0 = aa_narenas_auto, hi = min(n0 + 4, (unsigned int)ARENALLOC_NARENAS_MAX);
	int id = arenalloc_arena_create(NUMA_NO_NODE, 0);
	struct aa_ptr_info info;
	struct aa_arena *arena;
	unsigned int i;
	void *p, *q;

	KUNIT_ASSERT_GE(test, id, 0);
	narenas_keep(test);
	arena = aa_arenas[id];
	p = arenalloc_mallocx(100, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);

	KUNIT_EXPECT_EQ(test, narenas_write(hi), 0);
	KUNIT_EXPECT_PTR_EQ(test, aa_arenas[id], arena);
	KUNIT_EXPECT_TRUE(test, arena->private);
	KUNIT_EXPECT_EQ(test, arena->id, (unsigned int)id);
	for (i = 0; i < hi; i++)
		KUNIT_EXPECT_FALSE_MSG(test, aa_arenas[i]->private, "automatic arena %u", i);
	KUNIT_EXPECT_EQ(test, narenas_write(1), 0);
	KUNIT_EXPECT_PTR_EQ(test, aa_arenas[id], arena);
	KUNIT_EXPECT_EQ(test, READ_ONCE(arena->state), (u8)AA_ARENA_LIVE);

	q = arenalloc_mallocx(100, ARENALLOC_ARENA(id), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_EQ(test, aa_lookup(q, &info), 0);
	KUNIT_EXPECT_PTR_EQ(test, info.arena, arena);
	arenalloc_free(p);
	arenalloc_free(q);
	KUNIT_EXPECT_EQ(test, arenalloc_arena_destroy(id), 0);
}

static struct kunit_case arenalloc_stress_cases[] = {
	KUNIT_CASE_SLOW(concurrent_cross_cpu),
	KUNIT_CASE(atomic_from_hardirq),
	KUNIT_CASE(page_failures_give_null),
	KUNIT_CASE(page_failures_and_nofail),
	KUNIT_CASE(page_failures_and_shrink),
	KUNIT_CASE_SLOW(page_failures_midway),
	KUNIT_CASE_SLOW(metadata_share),
	KUNIT_CASE_SLOW(narenas_change_under_load),
	KUNIT_CASE(narenas_retired_arena_freed_once_empty),
	KUNIT_CASE(narenas_keeps_private_ids),
	{}
};

static struct kunit_suite arenalloc_stress_suite = {
	.name = "arenalloc_stress",
	.test_cases = arenalloc_stress_cases,
};

kunit_test_suite(arenalloc_stress_suite);
