// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: decay in the kernel arenas (kmod/decay.c, aa_arena_decay()).
 *
 * Every case runs on its own clock: aa_decay_test_now is set, so the
 * background works read the same time as the steps the case runs with
 * explicit values, and nothing depends on how fast the VM is.  Each case
 * frees a burst of whole chunks of a private arena bound to this node and
 * follows its pages dirty (in the arena) -> muzzy (the node's retained
 * pool) -> clean (back in the page allocator: arenalloc_pages_held()
 * drops).  The suite's init gives back everything dirty and retained
 * first, and nothing else allocates from arenalloc while it runs, so the
 * counts are exact.
 */
#include <kunit/test.h>
#include <linux/arenalloc.h>
#include <linux/shrinker.h>
#include <linux/topology.h>

#include "helpers.h"

#define DK_NS_PER_MS	1000000ULL

/* The knobs each case changes, restored by exit. */
struct dk_ctx {
	long dirty_ms;
	long muzzy_ms;
	u64 t0;
	int nid;
	int id;
	unsigned long held;		/* pages held before the burst */
};

static void dk_set_decay(long dirty_ms, long muzzy_ms)
{
	WRITE_ONCE(arenalloc_knob_dirty_decay_ms.val, dirty_ms);
	WRITE_ONCE(arenalloc_knob_muzzy_decay_ms.val, muzzy_ms);
}

static int dk_init(struct kunit *test)
{
	struct dk_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	c->dirty_ms = arenalloc_knob_get(&arenalloc_knob_dirty_decay_ms);
	c->muzzy_ms = arenalloc_knob_get(&arenalloc_knob_muzzy_decay_ms);
	c->t0 = ktime_get_ns();
	/* numa_mem_id() is a CPU-only node's own id on x86: not a strict arena's. */
	c->nid = aa_nearest_memory_node(NUMA_NO_NODE);
	c->id = -1;
	WRITE_ONCE(aa_decay_test_now, c->t0);
	/* Nothing dirty or retained left over from other suites. */
	aa_tcache_flush_all();
	aa_decay_run(c->t0, ULONG_MAX, true);
	test->priv = c;
	return 0;
}

static void dk_exit(struct kunit *test)
{
	struct dk_ctx *c = test->priv;

	if (c->id >= 0)
		arenalloc_arena_destroy(c->id);
	/*
	 * Back to the real clock and knobs: the curves the case changed start
	 * again from now at their next step (their window changed back).
	 */
	dk_set_decay(c->dirty_ms, c->muzzy_ms);
	WRITE_ONCE(aa_decay_test_now, 0);
	aa_decay_run(aa_decay_now(), ULONG_MAX, true);
	aa_decay_kick_all();
}

static unsigned long dk_chunk_pages(void)
{
	return arenalloc_sc.large_max >> PAGE_SHIFT;
}

static unsigned long dk_pdirty(struct dk_ctx *c)
{
	struct aa_arena_stats st;

	aa_arena_stats_get(aa_arenas[c->id], &st);
	return st.pdirty;
}

/*
 * Creates the case's arena with the decay times @dirty_ms and @muzzy_ms,
 * allocates @nchunks whole chunks in it and frees them: returns the
 * burst's pages, all dirty now.  Decay is off while they are allocated
 * and freed, so no background work moves them before the case's steps.
 */
static unsigned long dk_burst(struct kunit *test, unsigned int nchunks, long dirty_ms,
			      long muzzy_ms)
{
	struct dk_ctx *c = test->priv;
	void **p = kunit_kcalloc(test, nchunks, sizeof(void *), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	c->held = arenalloc_pages_held(NUMA_NO_NODE);
	dk_set_decay(dirty_ms, muzzy_ms);
	c->id = arenalloc_arena_create(c->nid, ARENALLOC_ARENA_STRICT_NODE);
	KUNIT_ASSERT_GE(test, c->id, 0);
	dk_set_decay(-1, -1);
	for (i = 0; i < nchunks; i++) {
		p[i] = arenalloc_mallocx(arenalloc_sc.large_max, ARENALLOC_ARENA(c->id),
					 GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	KUNIT_ASSERT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE),
			c->held + nchunks * dk_chunk_pages());
	for (i = 0; i < nchunks; i++)
		arenalloc_free(p[i]);
	KUNIT_ASSERT_EQ(test, dk_pdirty(c), nchunks * dk_chunk_pages());
	dk_set_decay(dirty_ms, muzzy_ms);
	return nchunks * dk_chunk_pages();
}

/* Pages of the burst back in the page allocator. */
static unsigned long dk_clean(struct dk_ctx *c, unsigned long burst)
{
	return c->held + burst - arenalloc_pages_held(NUMA_NO_NODE);
}

/* One decay step of the case's arena and node at @t. */
static void dk_step(struct dk_ctx *c, u64 t)
{
	WRITE_ONCE(aa_decay_test_now, t);
	aa_arena_decay(aa_arenas[c->id], t, 0);
	aa_retained_decay(c->nid, t, 0);
}

/*
 * 64 MiB (with 2 MiB chunks) freed at t0, dirty and muzzy windows of one
 * second: nothing moves in the first epoch, about half the dirty pages are
 * muzzy half-way, all are by dirty_decay_ms (+ an epoch), and all are back
 * in the page allocator by dirty_decay_ms + muzzy_decay_ms (+ epochs).
 */
static void dirty_muzzy_clean_on_schedule(struct kunit *test)
{
	const long ms = 1000;
	const u64 epoch = ms * DK_NS_PER_MS / ACD_NSTEPS;
	struct dk_ctx *c = test->priv;
	unsigned long burst, prev, dirty, muzzy0 = aa_retained_pages(c->nid);
	struct aa_arena_stats st;
	unsigned int k;

	burst = dk_burst(test, 32, ms, ms);
	prev = burst;
	for (k = 1; k <= 2 * ACD_NSTEPS + 8; k++) {
		dk_step(c, c->t0 + k * epoch);
		dirty = dk_pdirty(c);
		KUNIT_EXPECT_LE_MSG(test, dirty, prev, "epoch %u: dirty pages grew", k);
		prev = dirty;
		if (k == 1) {
			KUNIT_EXPECT_EQ(test, dirty, burst);
			KUNIT_EXPECT_EQ(test, aa_retained_pages(c->nid), muzzy0);
		}
		if (k == ACD_NSTEPS / 2) {
			KUNIT_EXPECT_GT(test, dirty, burst / 4);
			KUNIT_EXPECT_LT(test, dirty, 3 * burst / 4);
			kunit_info(test, "burst %lu MiB at %ld ms: %lu%% dirty, %lu%% clean\n",
				   burst >> (20 - PAGE_SHIFT), ms / 2, 100 * dirty / burst,
				   100 * dk_clean(c, burst) / burst);
		}
		if (k == ACD_NSTEPS + 3) {
			KUNIT_EXPECT_EQ(test, dirty, 0UL);
			/* Some of them are still muzzy, none lost. */
			KUNIT_EXPECT_GT(test, aa_retained_pages(c->nid), muzzy0);
			KUNIT_EXPECT_EQ(test, aa_retained_pages(c->nid) - muzzy0 +
					dk_clean(c, burst), burst);
			kunit_info(test, "burst %lu MiB after dirty_decay_ms %ld: %lu%% clean\n",
				   burst >> (20 - PAGE_SHIFT), ms,
				   100 * dk_clean(c, burst) / burst);
		}
	}
	KUNIT_EXPECT_EQ(test, aa_retained_pages(c->nid), 0UL);
	KUNIT_EXPECT_EQ(test, dk_clean(c, burst), burst);
	kunit_info(test, "burst %lu MiB after dirty_decay_ms + muzzy_decay_ms (%ld + %ld ms): %lu%% clean\n",
		   burst >> (20 - PAGE_SHIFT), ms, ms, 100 * dk_clean(c, burst) / burst);
	aa_arena_stats_get(aa_arenas[c->id], &st);
	KUNIT_EXPECT_EQ(test, st.dirty_purged, (u64)burst);
	KUNIT_EXPECT_GE(test, st.dirty_npurge, 2ULL);
}

/* 0 gives the pages back at the first step, dirty and muzzy alike. */
static void zero_decays_at_once(struct kunit *test)
{
	struct dk_ctx *c = test->priv;
	unsigned long burst;

	burst = dk_burst(test, 4, 0, 0);
	dk_step(c, c->t0);
	KUNIT_EXPECT_EQ(test, dk_pdirty(c), 0UL);
	KUNIT_EXPECT_EQ(test, aa_retained_pages(c->nid), 0UL);
	KUNIT_EXPECT_EQ(test, dk_clean(c, burst), burst);
}

/*
 * -1 keeps pages forever on the curve: neither a day of steps nor the
 * decay trigger moves them; with dirty 0 they go to the pool and stay
 * there; the purge trigger gives everything back.  Bad trigger writes are
 * refused and do nothing.
 */
static void minus_one_never_and_triggers(struct kunit *test)
{
	static const char * const bad[] = { "0", "2", "-1", "1x", "", "yes", "01 1" };
	const u64 day = 86400ULL * 1000 * DK_NS_PER_MS;
	struct dk_ctx *c = test->priv;
	unsigned long burst;
	unsigned int i;

	burst = dk_burst(test, 4, -1, -1);
	dk_step(c, c->t0 + day);
	KUNIT_EXPECT_EQ(test, dk_pdirty(c), burst);
	WRITE_ONCE(aa_decay_test_now, c->t0 + 2 * day);
	KUNIT_EXPECT_EQ(test, aa_decay_trigger(&arenalloc_knob_decay, "1\n"), 0);
	KUNIT_EXPECT_EQ(test, dk_pdirty(c), burst);

	/* Dirty at once, muzzy never: the decay trigger moves them to the pool. */
	dk_set_decay(0, -1);
	KUNIT_EXPECT_EQ(test, aa_decay_trigger(&arenalloc_knob_decay, "1"), 0);
	KUNIT_EXPECT_EQ(test, dk_pdirty(c), 0UL);
	KUNIT_EXPECT_EQ(test, aa_retained_pages(c->nid), burst);
	dk_step(c, c->t0 + 3 * day);
	KUNIT_EXPECT_EQ(test, aa_retained_pages(c->nid), burst);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, aa_decay_trigger(&arenalloc_knob_purge, bad[i]),
				    -EINVAL, "'%s'", bad[i]);
		KUNIT_EXPECT_EQ(test, aa_retained_pages(c->nid), burst);
	}
	KUNIT_EXPECT_EQ(test, aa_decay_trigger(&arenalloc_knob_purge, "1\n"), 0);
	KUNIT_EXPECT_EQ(test, aa_retained_pages(c->nid), 0UL);
	KUNIT_EXPECT_EQ(test, dk_clean(c, burst), burst);
}

/* A chunk taken back from the pool is a working chunk again. */
static void retained_chunk_is_reused(struct kunit *test)
{
	struct dk_ctx *c = test->priv;
	unsigned long burst, held;
	struct aa_arena_stats st;
	void *p;

	burst = dk_burst(test, 2, 0, -1);
	dk_step(c, c->t0);
	KUNIT_ASSERT_EQ(test, aa_retained_pages(c->nid), burst);
	held = arenalloc_pages_held(NUMA_NO_NODE);
	p = arenalloc_mallocx(arenalloc_sc.large_max, ARENALLOC_ARENA(c->id), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* From the pool, not the page allocator, and registered again. */
	KUNIT_EXPECT_EQ(test, arenalloc_pages_held(NUMA_NO_NODE), held);
	KUNIT_EXPECT_EQ(test, aa_retained_pages(c->nid), burst - dk_chunk_pages());
	KUNIT_EXPECT_EQ(test, arenalloc_usable_size(p), arenalloc_sc.large_max);
	memset(p, 0x5a, arenalloc_sc.large_max);
	aa_arena_stats_get(aa_arenas[c->id], &st);
	KUNIT_EXPECT_EQ(test, st.nchunks, 1UL);
	/* Freed with decay off, it stays in the arena, dirty. */
	dk_set_decay(-1, -1);
	arenalloc_free(p);
	KUNIT_EXPECT_EQ(test, dk_pdirty(c), dk_chunk_pages());
}

/*
 * The shrinker counts dirty and retained pages whatever the decay
 * settings, and its scan gives them back to the page allocator.
 */
static void shrinker_gives_pages_back(struct kunit *test)
{
	struct shrinker *s = aa_shrinker_get();
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	struct dk_ctx *c = test->priv;
	unsigned long burst;

	KUNIT_ASSERT_NOT_NULL(test, s);
	burst = dk_burst(test, 8, -1, -1);
	KUNIT_EXPECT_EQ(test, s->count_objects(s, &sc), burst);

	sc.nr_to_scan = dk_chunk_pages();
	KUNIT_EXPECT_EQ(test, s->scan_objects(s, &sc), dk_chunk_pages());
	KUNIT_EXPECT_EQ(test, dk_clean(c, burst), dk_chunk_pages());
	KUNIT_EXPECT_EQ(test, s->count_objects(s, &sc), burst - dk_chunk_pages());

	sc.nr_to_scan = burst;
	KUNIT_EXPECT_EQ(test, s->scan_objects(s, &sc), burst - dk_chunk_pages());
	KUNIT_EXPECT_EQ(test, dk_clean(c, burst), burst);
	KUNIT_EXPECT_EQ(test, dk_pdirty(c), 0UL);
	KUNIT_EXPECT_EQ(test, s->count_objects(s, &sc), (unsigned long)SHRINK_EMPTY);
}

/* Pages in the case's arena's own retained pool. */
static unsigned long dk_own_muzzy(struct dk_ctx *c)
{
	struct aa_decay_stats ds;

	aa_decay_arena_stats_get(aa_arenas[c->id], &ds);
	return ds.pmuzzy;
}

/*
 * An arena's own windows override the global ones and -2 follows them
 * again; text is parsed as for the global knobs (bad text changes
 * nothing).  Globally nothing decays (-1) and retained pages go back at
 * once (0); the arena says the opposite.
 */
static void arena_overrides_the_global_windows(struct kunit *test)
{
	static const char * const bad[] = { "-3", "x", "", "1.5", "86400001", "0x" };
	const u64 day = 86400ULL * 1000 * DK_NS_PER_MS;
	struct dk_ctx *c = test->priv;
	struct aa_arena *arena;
	unsigned long burst;
	unsigned int i;
	long old;

	burst = dk_burst(test, 4, -1, 0);
	arena = aa_arenas[c->id];
	KUNIT_EXPECT_EQ(test, READ_ONCE(arena->dirty_decay_ms), AA_DECAY_FOLLOW);
	KUNIT_EXPECT_EQ(test, READ_ONCE(arena->muzzy_decay_ms), AA_DECAY_FOLLOW);
	dk_step(c, c->t0 + day);
	KUNIT_EXPECT_EQ(test, dk_pdirty(c), burst);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test,
				    arenalloc_knob_store_at(&arenalloc_knob_arena_dirty_decay_ms,
							    bad[i], &arena->dirty_decay_ms, &old),
				    -EINVAL, "'%s'", bad[i]);
		KUNIT_EXPECT_EQ(test, READ_ONCE(arena->dirty_decay_ms), AA_DECAY_FOLLOW);
	}
	KUNIT_ASSERT_EQ(test, arenalloc_knob_store_at(&arenalloc_knob_arena_dirty_decay_ms, "0\n",
						      &arena->dirty_decay_ms, &old), 0);
	KUNIT_EXPECT_EQ(test, old, AA_DECAY_FOLLOW);
	KUNIT_ASSERT_EQ(test, arenalloc_knob_store_at(&arenalloc_knob_arena_muzzy_decay_ms, "-1",
						      &arena->muzzy_decay_ms, &old), 0);
	KUNIT_EXPECT_EQ(test, aa_arena_dirty_ms(arena), 0L);

	/* Its dirty window is 0: the chunks leave, for its own pool (-1). */
	dk_step(c, c->t0 + 2 * day);
	KUNIT_EXPECT_EQ(test, dk_pdirty(c), 0UL);
	KUNIT_EXPECT_EQ(test, dk_own_muzzy(c), burst);
	KUNIT_EXPECT_EQ(test, aa_retained_pages(c->nid), 0UL);
	KUNIT_EXPECT_EQ(test, dk_clean(c, burst), 0UL);
	KUNIT_EXPECT_EQ(test, aa_decay_arena_run(aa_arenas[c->id], c->t0 + 3 * day, false), 0UL);
	KUNIT_EXPECT_EQ(test, dk_own_muzzy(c), burst);

	/* Following the global muzzy window (0) again, the pool empties. */
	KUNIT_ASSERT_EQ(test, arenalloc_knob_store_at(&arenalloc_knob_arena_muzzy_decay_ms, "-2",
						      &arena->muzzy_decay_ms, &old), 0);
	KUNIT_EXPECT_EQ(test, old, -1L);
	KUNIT_EXPECT_EQ(test, aa_decay_arena_run(aa_arenas[c->id], c->t0 + 4 * day, false),
			burst);
	KUNIT_EXPECT_EQ(test, dk_own_muzzy(c), 0UL);
	KUNIT_EXPECT_EQ(test, dk_clean(c, burst), burst);
}

/*
 * An arena's purge gives its dirty pages straight back, whatever the
 * windows, and leaves the node's pool alone; its decay trigger applies its
 * curves only.
 */
static void arena_purge_and_decay_triggers(struct kunit *test)
{
	struct dk_ctx *c = test->priv;
	struct aa_stats t;
	unsigned long burst;

	burst = dk_burst(test, 4, -1, -1);
	KUNIT_EXPECT_EQ(test, aa_decay_arena_run(aa_arenas[c->id], c->t0, false), 0UL);
	KUNIT_EXPECT_EQ(test, dk_pdirty(c), burst);
	aa_stats_arena(aa_arenas[c->id], &t);
	KUNIT_EXPECT_EQ(test, t.pdirty, (u64)burst);
	KUNIT_EXPECT_EQ(test, t.mapped, (u64)burst << PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, t.resident, (u64)burst << PAGE_SHIFT);

	KUNIT_EXPECT_EQ(test, aa_decay_arena_run(aa_arenas[c->id], c->t0, true), burst);
	KUNIT_EXPECT_EQ(test, dk_pdirty(c), 0UL);
	KUNIT_EXPECT_EQ(test, aa_retained_pages(c->nid), 0UL);
	KUNIT_EXPECT_EQ(test, dk_clean(c, burst), burst);
	aa_stats_arena(aa_arenas[c->id], &t);
	KUNIT_EXPECT_EQ(test, t.purged, (u64)burst);
	KUNIT_EXPECT_EQ(test, t.nmadvise, (u64)(burst / dk_chunk_pages()));
	KUNIT_EXPECT_EQ(test, t.npurge, 1ULL);
	KUNIT_EXPECT_EQ(test, t.mapped, 0ULL);
}

/*
 * 100 MiB of empty chunks (50 with 2 MiB chunks) in one arena: one decay
 * step hands on exactly AA_DECAY_BATCH chunks (the bound on one hold of
 * the arena lock), and one shrinker scan gives back all of the rest.
 * How long either takes is a figure for `make bench`, not a test.
 */
static void decay_step_bounded_and_shrinker_empties(struct kunit *test)
{
	struct shrinker *s = aa_shrinker_get();
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	unsigned int nchunks = max(1UL, (100UL << 20) / arenalloc_sc.large_max);
	struct dk_ctx *c = test->priv;
	unsigned long burst, step, freed;

	KUNIT_ASSERT_NOT_NULL(test, s);
	burst = dk_burst(test, nchunks, -1, -1);
	step = aa_arena_decay(aa_arenas[c->id], c->t0, AA_DECAY_BATCH * dk_chunk_pages());
	KUNIT_EXPECT_EQ(test, step, min(burst, AA_DECAY_BATCH * dk_chunk_pages()));
	sc.nr_to_scan = burst;
	freed = s->scan_objects(s, &sc);
	KUNIT_EXPECT_EQ(test, freed, burst);
	KUNIT_EXPECT_EQ(test, dk_clean(c, burst), burst);
}

/*
 * The hold-time recording behind /sys/kernel/debug/arenalloc/decay_hold_ns
 * (make bench reads it): switched on, a purge of 16 empty chunks times
 * each of its holds of the arena lock (two at AA_DECAY_BATCH = 8 chunks
 * each, more if a background step ran meanwhile) and a purge of the pool
 * those of the pool lock; switched off, a purge step is not counted.  The
 * times themselves are figures for make bench, not tested.
 */
static void hold_times_recorded_when_on(struct kunit *test)
{
	unsigned int nchunks = 2 * AA_DECAY_BATCH;
	struct dk_ctx *c = test->priv;
	u64 max, holds, before;
	unsigned long burst;

	burst = dk_burst(test, nchunks, -1, -1);
	aa_decay_hold_record(true);
	KUNIT_EXPECT_EQ(test, aa_decay_hold_max_ns(AA_HOLD_ARENA, &holds), 0ULL);
	KUNIT_EXPECT_EQ(test, holds, 0ULL);
	/* To the node's pool, in steps of AA_DECAY_BATCH chunks. */
	KUNIT_EXPECT_EQ(test, aa_arena_decay(aa_arenas[c->id], c->t0, ULONG_MAX), burst);
	max = aa_decay_hold_max_ns(AA_HOLD_ARENA, &holds);
	KUNIT_EXPECT_GE(test, holds, (u64)DIV_ROUND_UP(nchunks, AA_DECAY_BATCH));
	KUNIT_EXPECT_GT(test, max, 0ULL);
	/* And back to the page allocator, in steps of as many. */
	KUNIT_EXPECT_EQ(test, aa_retained_decay(c->nid, c->t0, ULONG_MAX), burst);
	max = aa_decay_hold_max_ns(AA_HOLD_POOL, &holds);
	KUNIT_EXPECT_GE(test, holds, (u64)DIV_ROUND_UP(nchunks, AA_DECAY_BATCH));
	KUNIT_EXPECT_GT(test, max, 0ULL);

	/* A purge step still takes the lock once, untimed now. */
	aa_decay_hold_record(false);
	aa_decay_hold_max_ns(AA_HOLD_ARENA, &before);
	KUNIT_EXPECT_EQ(test, aa_decay_arena_run(aa_arenas[c->id], c->t0, true), 0UL);
	aa_decay_hold_max_ns(AA_HOLD_ARENA, &holds);
	KUNIT_EXPECT_EQ(test, holds, before);
}

static struct kunit_case arenalloc_decay_kernel_cases[] = {
	KUNIT_CASE(dirty_muzzy_clean_on_schedule),
	KUNIT_CASE(zero_decays_at_once),
	KUNIT_CASE(minus_one_never_and_triggers),
	KUNIT_CASE(retained_chunk_is_reused),
	KUNIT_CASE(shrinker_gives_pages_back),
	KUNIT_CASE(arena_overrides_the_global_windows),
	KUNIT_CASE(arena_purge_and_decay_triggers),
	KUNIT_CASE(decay_step_bounded_and_shrinker_empties),
	KUNIT_CASE(hold_times_recorded_when_on),
	{}
};

static struct kunit_suite arenalloc_decay_kernel_suite = {
	.name = "arenalloc_decay_kernel",
	.init = dk_init,
	.exit = dk_exit,
	.test_cases = arenalloc_decay_kernel_cases,
};

kunit_test_suite(arenalloc_decay_kernel_suite);
