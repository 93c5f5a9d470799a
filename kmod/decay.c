// SPDX-License-Identifier: GPL-2.0
/*
 * Decay: how the pages arenas no longer use go back to the page allocator.
 *
 * The curve and its backlog are shared with libarenalloc and live in
 * common/decay.c (built in below; common/decay.h describes the rule).
 * This file runs them in the kernel, in whole chunks:
 *
 *   dirty     an empty chunk still in its arena (arena->dirty), registered
 *             and ready for reuse.  Each arena's deferrable delayed work
 *             applies the curve with dirty_decay_ms (aa_arena_decay()):
 *             the chunks beyond the limit, the longest empty first, leave
 *             the arena (descriptor freed, unregistered) for ...
 *   muzzy     the retained pool of the node the chunk's pages lie on: the
 *             pages only, still held by the page layer.  aa_chunk_new()
 *             takes from it before it asks the page allocator, and sets the
 *             chunk up again from scratch.  Each node's deferrable delayed
 *             work applies the curve with muzzy_decay_ms to its pool
 *             (aa_retained_decay()), giving pages back ...
 *   clean     to the page allocator.
 *
 * Each arena may override both windows (arenas/<i>/dirty_decay_ms and
 * muzzy_decay_ms; AA_DECAY_FOLLOW, -2, follows the global value).  An
 * arena that overrides muzzy_decay_ms keeps the chunks it gives up in a
 * retained pool of its own (arena->muzzy), decayed on its own window and
 * reused by it first; the others share their node's pool.
 *
 * 0 moves pages on at once: a chunk that empties queues its arena's work
 * without delay, and pages entering a pool with muzzy_decay_ms 0 are given
 * back by the same step.  -1 never moves them on the curve; the purge
 * trigger and the shrinker still do.  The works never run on the
 * allocation path: a chunk that empties or is added only queues them.
 *
 * On demand, for every arena and node: the write-only sysfs files purge
 * (everything dirty and retained goes back) and decay (apply the curve
 * now); under reclaim, the shrinker (shrinker.c) gives them back through
 * aa_decay_run(), whatever the decay settings.
 *
 * The pages /dev/arenalloc mappings let go of are dirty pages too: they
 * wait in the device's per-node pools (kmod/devpool.c) on dirty_decay_ms
 * and go from there straight back to the page allocator; aa_decay_run(),
 * so the purge and decay triggers and the shrinker, reaches them last.
 *
 * Locking
 *   arena->decay_lock (mutex) serialises an arena's decay steps and guards
 *   its curve, so the curve's walk runs with interrupts on; the shrinker
 *   only trylocks it.  arena->lock (irqsave) guards the dirty list; a step
 *   holds it for at most AA_DECAY_BATCH chunk detaches at a time (arena.c).
 *   pool->decay_lock (mutex) does the same for a retained pool, and is
 *   taken after arena->decay_lock when a step sends chunks to a pool whose
 *   window is 0.  pool->lock (irqsave, since aa_chunk_new() may run in
 *   interrupts) guards one pool's list; it is a leaf: never held with
 *   arena->lock or around a call into the page allocator, and held for at
 *   most AA_DECAY_BATCH list moves.  Nothing allocates under either mutex,
 *   so the shrinker could wait for them; it trylocks them instead, since
 *   the step holding one gives pages back already.  aa_arenas_lock (mutex) keeps private arenas
 *   alive while a purge walks them; the shrinker only trylocks it, because
 *   arena creation allocates under it and may enter reclaim, and without
 *   it walks the automatic arenas inside an aa_arena_srcu read-side
 *   section, which keeps retired ones from being freed under it (arena.c).
 *   The delayed works are serialised by the workqueue; aa_arena_delete()
 *   and aa_decay_exit() cancel them.  aa_dirty_pages and the pools' page
 *   counts are read locklessly by the shrinker's count, a snapshot.
 *
 * Lock hold times (for `make bench`; see "Lock hold times" below): when
 * switched on in debugfs, every purge step notes how long it held an
 * arena's or a pool's lock in lockless atomic maxima.  Off, as it is
 * unless root asks, each step costs one patched no-op branch.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "../common/decay.c"

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "internal.h"

/* One per node id, nr_node_ids entries; set up before any arena exists. */
static struct aa_retained **aa_pools;

atomic_long_t aa_dirty_pages;
EXPORT_SYMBOL_IF_KUNIT(aa_dirty_pages);
/* Pages in every retained pool, the nodes' and the arenas' own. */
static atomic_long_t aa_muzzy_pages;

/*
 * The KUnit suite's clock: when non-zero, the background works read it
 * instead of ktime, so they agree with the steps the suite runs at
 * explicit times.  Nothing else writes it.
 */
u64 aa_decay_test_now;
EXPORT_SYMBOL_IF_KUNIT(aa_decay_test_now);

static unsigned int aa_chunk_order(void)
{
	return arenalloc_sc.lg_max - PAGE_SHIFT;
}

/**
 * aa_decay_now() - the decay clock
 *
 * Context: Any context.
 * Return: monotonic nanoseconds (or the KUnit suite's clock).
 */
u64 aa_decay_now(void)
{
	u64 t = READ_ONCE(aa_decay_test_now);

	return t ? t : ktime_get_ns();
}
EXPORT_SYMBOL_IF_KUNIT(aa_decay_now);

/* The window @override (an arena's setting) gives: its own or @knob's. */
static long aa_decay_ms(const long *override, const struct arenalloc_knob *knob)
{
	long ms = override ? READ_ONCE(*override) : AA_DECAY_FOLLOW;

	return ms == AA_DECAY_FOLLOW ? arenalloc_knob_get(knob) : ms;
}

/**
 * aa_arena_dirty_ms() - the dirty decay window @arena runs on
 * @arena: the arena
 *
 * Context: Any context.
 * Return: its dirty_decay_ms, or the global one when it follows it.
 */
long aa_arena_dirty_ms(const struct aa_arena *arena)
{
	return aa_decay_ms(&arena->dirty_decay_ms, &arenalloc_knob_dirty_decay_ms);
}
EXPORT_SYMBOL_IF_KUNIT(aa_arena_dirty_ms);

/* The muzzy window of @pool: its arena's, or the global one. */
static long aa_pool_ms(const struct aa_retained *pool)
{
	return aa_decay_ms(pool->owner ? &pool->owner->muzzy_decay_ms : NULL,
			   &arenalloc_knob_muzzy_decay_ms);
}

/**
 * aa_decay_delay() - jiffies until the curve's next epoch
 * @ms: the window
 *
 * Context: Any context.
 * Return: the delay for a window of @ms; 0 for @ms 0.
 */
unsigned long aa_decay_delay(long ms)
{
	return ms > 0 ? max(1UL, msecs_to_jiffies(ms / ACD_NSTEPS)) : 0;
}

/**
 * aa_decay_requeue() - queue a decay work for the curve's next deadline
 * @dwork:    the work
 * @deadline: when, ns; all ones means no more work
 * @now:      the time, ns
 *
 * Context: Any context.
 */
void aa_decay_requeue(struct delayed_work *dwork, u64 deadline, u64 now)
{
	if (deadline == (u64)-1)
		return;
	queue_delayed_work(system_unbound_wq, dwork,
			   deadline > now ? max(1UL, nsecs_to_jiffies(deadline - now)) : 1);
}

/* ==== Retained pools ====================================================== */

static void aa_pool_init(struct aa_retained *pool, int nid, struct aa_arena *owner);
static unsigned long aa_pool_decay(struct aa_retained *pool, u64 now, unsigned long force,
				   bool wait);

static void aa_retained_kick(struct aa_retained *pool)
{
	long ms = aa_pool_ms(pool);

	if (ms >= 0)
		queue_delayed_work(system_unbound_wq, &pool->work, aa_decay_delay(ms));
}

/* ==== Dirty: per arena =================================================== */

static void aa_decay_arena_work(struct work_struct *work)
{
	struct aa_arena *arena = container_of(to_delayed_work(work), struct aa_arena,
					      decay_work);
	u64 now = aa_decay_now(), deadline;

	aa_arena_decay(arena, now, 0);
	mutex_lock(&arena->decay_lock);
	deadline = READ_ONCE(arena->ndirty) ? acd_deadline(&arena->dirty_decay) : (u64)-1;
	mutex_unlock(&arena->decay_lock);
	aa_decay_requeue(&arena->decay_work, deadline, now);
}

/**
 * aa_decay_arena_init() - set up a new arena's decay
 * @arena: the arena, not yet visible to anyone
 *
 * It follows the global windows until told otherwise.
 *
 * Context: Process context.
 */
void aa_decay_arena_init(struct aa_arena *arena)
{
	arena->dirty_decay_ms = AA_DECAY_FOLLOW;
	arena->muzzy_decay_ms = AA_DECAY_FOLLOW;
	mutex_init(&arena->decay_lock);
	acd_init(&arena->dirty_decay, aa_arena_dirty_ms(arena), aa_decay_now());
	INIT_DEFERRABLE_WORK(&arena->decay_work, aa_decay_arena_work);
	aa_pool_init(&arena->muzzy, arena->nid, arena);
}

/**
 * aa_decay_arena_kick() - an arena has a new empty chunk
 * @arena: the arena
 *
 * Queues its work for the curve's next epoch (at once with
 * dirty_decay_ms 0) unless it is queued already; nothing with -1.
 *
 * Context: Any context; @arena->lock held.
 */
void aa_decay_arena_kick(struct aa_arena *arena)
{
	long ms = aa_arena_dirty_ms(arena);

	lockdep_assert_held(&arena->lock);
	if (ms >= 0)
		queue_delayed_work(system_unbound_wq, &arena->decay_work,
				   aa_decay_delay(ms));
}

/**
 * aa_decay_arena_exit() - stop an arena's decay for good
 * @arena: an arena nobody uses any more (nothing can queue the works)
 *
 * What its own retained pool holds moves to the nodes' pools.
 *
 * Context: Process context; may sleep.
 */
void aa_decay_arena_exit(struct aa_arena *arena)
{
	struct aa_retained *pool = &arena->muzzy;
	unsigned long flags;
	LIST_HEAD(pages);

	cancel_delayed_work_sync(&arena->decay_work);
	cancel_delayed_work_sync(&pool->work);
	spin_lock_irqsave(&pool->lock, flags);
	list_splice_init(&pool->pages, &pages);
	atomic_long_sub(pool->npages, &aa_muzzy_pages);
	WRITE_ONCE(pool->npages, 0);
	spin_unlock_irqrestore(&pool->lock, flags);
	aa_retained_put(NULL, &pages, aa_decay_now(), true);
}

/* ==== Muzzy: per node, or an arena's own ================================= */

/**
 * aa_retained_put() - park chunk blocks in a retained pool
 * @from:  the arena they leave, or NULL
 * @pages: head pages linked by lru; emptied
 * @now:   the time, ns
 * @wait:  may wait for a pool's decay_lock
 *
 * They go to @from's own pool when it overrides muzzy_decay_ms, else to
 * the pool of the node each lies on.  A pool whose window is 0 gives them
 * straight on to the page allocator; without @wait (the shrinker's step),
 * when another decay step of that pool runs, its work does, at once.
 *
 * Context: Process context; takes the pools' locks.
 */
void aa_retained_put(struct aa_arena *from, struct list_head *pages, u64 now, bool wait)
{
	bool own = from && READ_ONCE(from->muzzy_decay_ms) != AA_DECAY_FOLLOW;
	unsigned long flags, n = 1UL << aa_chunk_order();
	struct aa_retained *pool;
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, pages, lru) {
		pool = own ? &from->muzzy : aa_pools[page_to_nid(page)];
		spin_lock_irqsave(&pool->lock, flags);
		list_move_tail(&page->lru, &pool->pages);
		WRITE_ONCE(pool->npages, pool->npages + n);
		atomic_long_add(n, &aa_muzzy_pages);
		spin_unlock_irqrestore(&pool->lock, flags);
		if (!aa_pool_ms(pool))
			aa_pool_decay(pool, now, 0, wait);
		if (aa_pool_ms(pool) || (!wait && READ_ONCE(pool->npages)))
			aa_retained_kick(pool);
	}
}

/**
 * aa_retained_free() - give chunk blocks straight back to the page allocator
 * @pages: head pages linked by lru, held by the page layer; emptied
 *
 * Context: Process context.
 */
void aa_retained_free(struct list_head *pages)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, pages, lru) {
		list_del_init(&page->lru);
		arenalloc_pages_free(page, aa_chunk_order());
	}
}

/* The newest block of @pool, or NULL. */
static struct page *aa_pool_take(struct aa_retained *pool)
{
	struct page *page = NULL;
	unsigned long flags;

	if (!READ_ONCE(pool->npages))
		return NULL;
	spin_lock_irqsave(&pool->lock, flags);
	if (!list_empty(&pool->pages)) {
		page = list_last_entry(&pool->pages, struct page, lru);
		list_del_init(&page->lru);
		WRITE_ONCE(pool->npages, pool->npages - (1UL << aa_chunk_order()));
		atomic_long_sub(1L << aa_chunk_order(), &aa_muzzy_pages);
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return page;
}

/**
 * aa_retained_take() - a retained chunk block for @arena to reuse
 * @arena: the arena that needs a chunk
 *
 * The newest block, whose pages are likeliest to be cache-warm: from the
 * arena's own pool first, then from its node's.
 *
 * Context: Any context; takes the pools' locks.
 * Return: the block's head page, held by the page layer as from
 * arenalloc_pages_alloc(), or NULL when both pools are empty.
 */
struct page *aa_retained_take(struct aa_arena *arena)
{
	return aa_pool_take(&arena->muzzy) ?: aa_pool_take(aa_pools[arena->nid]);
}

/*
 * Applies @pool's window, the oldest blocks first, in whole blocks (the
 * curve's limit rounded up to one, @force too), AA_DECAY_BATCH blocks per
 * hold of the pool's lock.  Returns pages given back.  Without @wait,
 * gives up (returns 0) when another step of @pool runs.  The curve is
 * advanced under pool->decay_lock, not pool->lock, as an arena's is
 * (arena.c: aa_arena_decay_to()).
 */
static unsigned long aa_pool_decay(struct aa_retained *pool, u64 now, unsigned long force,
				   bool wait)
{
	long ms = aa_pool_ms(pool);
	unsigned long flags, limit, freed = 0, n = 1UL << aa_chunk_order();
	struct page *page;
	u64 held;
	unsigned int i;
	LIST_HEAD(out);
	bool more;

	if (wait)
		mutex_lock(&pool->decay_lock);
	else if (!mutex_trylock(&pool->decay_lock))
		return 0;
	if (pool->decay.decay_ms != ms)
		acd_init(&pool->decay, ms, now);
	/* Whole blocks: keep the curve's limit rounded up to one. */
	limit = acd_advance(&pool->decay, now, READ_ONCE(pool->npages)) ?
		roundup(acd_limit(&pool->decay), n) : ULONG_MAX;

	spin_lock_irqsave(&pool->lock, flags);
	held = aa_decay_hold_start();
	if (force)
		limit = min(limit, pool->npages - min(pool->npages, force));
	for (;;) {
		for (i = 0; i < AA_DECAY_BATCH && pool->npages > limit; i++) {
			page = list_first_entry(&pool->pages, struct page, lru);
			list_move_tail(&page->lru, &out);
			WRITE_ONCE(pool->npages, pool->npages - n);
		}
		atomic_long_sub(i * n, &aa_muzzy_pages);
		if (i && !freed)
			pool->npurge++;
		pool->nmadvise += i;
		pool->purged += i * n;
		freed += i * n;
		acd_purged(&pool->decay, pool->npages);
		more = pool->npages > limit;
		aa_decay_hold_end(AA_HOLD_POOL, held);
		spin_unlock_irqrestore(&pool->lock, flags);
		aa_retained_free(&out);
		if (!more)
			break;
		cond_resched();
		spin_lock_irqsave(&pool->lock, flags);
		held = aa_decay_hold_start();
	}
	mutex_unlock(&pool->decay_lock);
	return freed;
}

/**
 * aa_retained_decay() - give retained pages of node @nid back
 * @nid:   the node
 * @now:   the time, ns
 * @force: pages to give back whatever the curve says; ULONG_MAX for all
 *
 * Applies muzzy_decay_ms to the node's pool, the oldest blocks first, in
 * whole blocks (the curve's limit rounded up to one, @force too), in
 * batches of AA_DECAY_BATCH blocks per hold of the pool's lock.
 *
 * Context: Process context; takes the pool's lock.
 * Return: pages given back to the page allocator.
 */
unsigned long aa_retained_decay(int nid, u64 now, unsigned long force)
{
	return aa_pool_decay(aa_pools[nid], now, force, true);
}
EXPORT_SYMBOL_IF_KUNIT(aa_retained_decay);

/**
 * aa_retained_pages() - pages in node @nid's retained pool
 * @nid: the node, or NUMA_NO_NODE for every pool, the arenas' own too
 *
 * Context: Any context.  A snapshot.
 * Return: the number of pages.
 */
unsigned long aa_retained_pages(int nid)
{
	if (nid != NUMA_NO_NODE)
		return READ_ONCE(aa_pools[nid]->npages);
	return max(0L, atomic_long_read(&aa_muzzy_pages));
}
EXPORT_SYMBOL_IF_KUNIT(aa_retained_pages);

static void aa_retained_work(struct work_struct *work)
{
	struct aa_retained *pool = container_of(to_delayed_work(work), struct aa_retained,
						work);
	u64 now = aa_decay_now(), deadline;

	aa_pool_decay(pool, now, 0, true);
	mutex_lock(&pool->decay_lock);
	deadline = READ_ONCE(pool->npages) ? acd_deadline(&pool->decay) : (u64)-1;
	mutex_unlock(&pool->decay_lock);
	aa_decay_requeue(&pool->work, deadline, now);
}

static void aa_pool_init(struct aa_retained *pool, int nid, struct aa_arena *owner)
{
	spin_lock_init(&pool->lock);
	mutex_init(&pool->decay_lock);
	INIT_LIST_HEAD(&pool->pages);
	pool->nid = nid;
	pool->owner = owner;
	acd_init(&pool->decay, aa_pool_ms(pool), aa_decay_now());
	INIT_DEFERRABLE_WORK(&pool->work, aa_retained_work);
}

/* Adds @pool's counters to @st. */
static void aa_pool_stats_add(struct aa_retained *pool, struct aa_decay_stats *st)
{
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	st->pmuzzy += pool->npages;
	st->muzzy_npurge += pool->npurge;
	st->muzzy_nmadvise += pool->nmadvise;
	st->muzzy_purged += pool->purged;
	spin_unlock_irqrestore(&pool->lock, flags);
}

/**
 * aa_decay_arena_stats_get() - the counters of @arena's own retained pool
 * @arena: the arena
 * @st:    filled in
 *
 * Context: Any context; takes the pool's lock for a fixed time.
 */
void aa_decay_arena_stats_get(struct aa_arena *arena, struct aa_decay_stats *st)
{
	memset(st, 0, sizeof(*st));
	aa_pool_stats_add(&arena->muzzy, st);
}
EXPORT_SYMBOL_IF_KUNIT(aa_decay_arena_stats_get);

/**
 * aa_decay_node_stats_get() - the counters of node @nid's retained pool
 * @nid: the node
 * @st:  filled in
 *
 * Context: Any context; takes the pool's lock for a fixed time.
 */
void aa_decay_node_stats_get(int nid, struct aa_decay_stats *st)
{
	memset(st, 0, sizeof(*st));
	aa_pool_stats_add(aa_pools[nid], st);
}

/**
 * aa_decay_arena_run() - apply @arena's curves now, or purge it
 * @arena: the arena
 * @now:   the time, ns
 * @purge: give everything dirty and in its own pool back to the page
 *         allocator now, whatever the curves say
 *
 * Context: Process context.
 * Return: pages given back to the page allocator.
 */
unsigned long aa_decay_arena_run(struct aa_arena *arena, u64 now, bool purge)
{
	unsigned long freed = 0;

	if (purge)
		freed = aa_arena_purge(arena);
	else
		aa_arena_decay(arena, now, 0);
	return freed + aa_pool_decay(&arena->muzzy, now, purge ? ULONG_MAX : 0, true);
}
EXPORT_SYMBOL_IF_KUNIT(aa_decay_arena_run);

/**
 * aa_decay_arena_changed() - @arena's decay windows were written
 * @arena: the arena
 *
 * Runs its works now, so that the new windows take effect at once.
 *
 * Context: Process context.
 */
void aa_decay_arena_changed(struct aa_arena *arena)
{
	mod_delayed_work(system_unbound_wq, &arena->decay_work, 0);
	mod_delayed_work(system_unbound_wq, &arena->muzzy.work, 0);
}

/* ==== Everything at once: triggers, the shrinker ========================= */

/**
 * aa_decay_run() - apply decay to every arena and retained pool
 * @now:       the time, ns
 * @force:     pages to give back whatever the curves say (ULONG_MAX: all)
 * @may_block: may wait for aa_arenas_lock to reach private arenas; if
 *             false, they are skipped when the lock is busy
 *
 * Dirty chunks move to the retained pools first, then the pools (the
 * arenas' own, then the nodes') give pages back, then the device's page
 * pools (kmod/devpool.c); @force counts pages given back to the page
 * allocator.
 *
 * Context: Process context.
 * Return: pages given back to the page allocator.
 */
unsigned long aa_decay_run(u64 now, unsigned long force, bool may_block)
{
	unsigned long moved = 0, freed = 0, f;
	unsigned int i;
	bool locked;
	int nid, idx;

	if (may_block) {
		mutex_lock(&aa_arenas_lock);
		locked = true;
	} else {
		locked = mutex_trylock(&aa_arenas_lock);
	}
	/* Without the lock, automatic arenas only, kept alive by SRCU. */
	idx = srcu_read_lock(&aa_arena_srcu);
	for (i = 0; i < (locked ? AA_ARENAS_MAX : AA_PRIVATE_FIRST); i++) {
		struct aa_arena *arena = READ_ONCE(aa_arenas[i]);

		if (!arena)
			continue;
		f = force ? force - min(force, moved) : 0;
		moved += may_block ? aa_arena_decay(arena, now, f) :
				     aa_arena_decay_nowait(arena, now, f);
		f = force ? force - min(force, freed) : 0;
		freed += aa_pool_decay(&arena->muzzy, now, f, may_block);
	}
	srcu_read_unlock(&aa_arena_srcu, idx);
	if (locked)
		mutex_unlock(&aa_arenas_lock);
	for (nid = 0; nid < nr_node_ids; nid++)
		freed += aa_pool_decay(aa_pools[nid], now, force ? force - min(force, freed) : 0,
				       may_block);
	/* The device's pools: dirty pages too, given straight back. */
	for (nid = 0; nid < nr_node_ids; nid++)
		freed += aa_devpool_decay(nid, now, force ? force - min(force, freed) : 0);
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(aa_decay_run);

/**
 * aa_decay_trigger() - a write to the purge or decay file
 * @knob: arenalloc_knob_purge or arenalloc_knob_decay
 * @buf:  the text written; "1" is the only value accepted
 *
 * purge gives back everything dirty and retained now; decay applies the
 * curves now.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -EINVAL (logged, nothing done) for any other text.
 */
int aa_decay_trigger(const struct arenalloc_knob *knob, const char *buf)
{
	long v;
	int ret = arenalloc_knob_parse(knob, buf, &v);

	if (ret)
		return ret;
	aa_decay_run(aa_decay_now(), knob == &arenalloc_knob_purge ? ULONG_MAX : 0, true);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(aa_decay_trigger);

/**
 * aa_decay_kick_all() - run every decay work soon, after a knob changed
 *
 * Context: Process context; takes aa_arenas_lock.
 */
void aa_decay_kick_all(void)
{
	unsigned int i;
	int nid;

	mutex_lock(&aa_arenas_lock);
	for (i = 0; i < AA_ARENAS_MAX; i++)
		if (aa_arenas[i])
			aa_decay_arena_changed(aa_arenas[i]);
	mutex_unlock(&aa_arenas_lock);
	for (nid = 0; nid < nr_node_ids; nid++)
		mod_delayed_work(system_unbound_wq, &aa_pools[nid]->work, 0);
	aa_devpool_kick_all();
}
EXPORT_SYMBOL_IF_KUNIT(aa_decay_kick_all);

/**
 * aa_decay_stats_get() - totals of the nodes' retained pools
 * @st: filled in
 *
 * The arenas' own pools are counted with their arenas
 * (aa_decay_arena_stats_get()).
 *
 * Context: Any context; takes each pool's lock for a fixed time.
 */
void aa_decay_stats_get(struct aa_decay_stats *st)
{
	int nid;

	memset(st, 0, sizeof(*st));
	for (nid = 0; nid < nr_node_ids; nid++)
		aa_pool_stats_add(aa_pools[nid], st);
}
EXPORT_SYMBOL_IF_KUNIT(aa_decay_stats_get);

/* ==== Lock hold times ===================================================== */

/*
 * /sys/kernel/debug/arenalloc/decay_hold_ns, root only, for `make bench`:
 * the longest time one purge step held an arena's lock (moving up to
 * AA_DECAY_BATCH empty chunks out of it: aa_arena_decay(), the purge
 * trigger, the shrinker) or a retained pool's lock (aa_pool_decay()), in
 * ns, how many holds were timed and their total time, since recording
 * was last switched on ("arena_max_ns N", "arena_holds N",
 * "arena_total_ns N", the same for "pool", one per line).  Writing 1
 * clears the figures and switches recording on, 0 switches it off.  The
 * time runs from just after the lock is taken to just before it is
 * dropped (interrupts are off all along), so waiting for the lock is not
 * counted.  Recording is a static key, off at load: then a purge step
 * pays one patched no-op branch per hold and reads no clock; nothing on
 * the allocation and free paths changes either way.
 */
DEFINE_STATIC_KEY_FALSE(aa_decay_hold_key);
static atomic64_t aa_decay_hold_max[AA_HOLD_NR];
static atomic64_t aa_decay_hold_count[AA_HOLD_NR];
static atomic64_t aa_decay_hold_total[AA_HOLD_NR];

/**
 * aa_decay_hold_note() - record one hold of a purge step's lock
 * @which: the arena's lock or a pool's
 * @t0:    ktime_get_ns() just after the lock was taken
 *
 * Context: Any context, the lock still held; lockless.
 */
void aa_decay_hold_note(enum aa_hold which, u64 t0)
{
	s64 ns = ktime_get_ns() - t0, old = atomic64_read(&aa_decay_hold_max[which]);

	atomic64_inc(&aa_decay_hold_count[which]);
	atomic64_add(ns, &aa_decay_hold_total[which]);
	while (ns > old && !atomic64_try_cmpxchg(&aa_decay_hold_max[which], &old, ns))
		;
}

/**
 * aa_decay_hold_record() - switch the recording of hold times on or off
 * @on: true clears the figures and starts recording, false stops it
 *
 * Context: Process context; may sleep (patches the static key).
 */
void aa_decay_hold_record(bool on)
{
	int i;

	if (!on) {
		static_branch_disable(&aa_decay_hold_key);
		return;
	}
	for (i = 0; i < AA_HOLD_NR; i++) {
		atomic64_set(&aa_decay_hold_max[i], 0);
		atomic64_set(&aa_decay_hold_count[i], 0);
		atomic64_set(&aa_decay_hold_total[i], 0);
	}
	static_branch_enable(&aa_decay_hold_key);
}
EXPORT_SYMBOL_IF_KUNIT(aa_decay_hold_record);

/**
 * aa_decay_hold_max_ns() - the longest hold recorded of one kind of lock
 * @which: the arenas' locks or the pools'
 * @holds: set to the number of holds timed
 *
 * Context: Any context.  A snapshot.
 * Return: the longest hold in ns, 0 if none was timed.
 */
u64 aa_decay_hold_max_ns(enum aa_hold which, u64 *holds)
{
	*holds = atomic64_read(&aa_decay_hold_count[which]);
	return atomic64_read(&aa_decay_hold_max[which]);
}
EXPORT_SYMBOL_IF_KUNIT(aa_decay_hold_max_ns);

static int aa_decay_hold_show(struct seq_file *m, void *unused)
{
	static const char *const name[AA_HOLD_NR] = { "arena", "pool" };
	u64 max, holds;
	int i;

	seq_printf(m, "recording %d\n", static_key_enabled(&aa_decay_hold_key));
	for (i = 0; i < AA_HOLD_NR; i++) {
		max = aa_decay_hold_max_ns(i, &holds);
		seq_printf(m, "%s_max_ns %llu\n%s_holds %llu\n%s_total_ns %lld\n", name[i], max,
			   name[i], holds, name[i], atomic64_read(&aa_decay_hold_total[i]));
	}
	return 0;
}

static int aa_decay_hold_open(struct inode *inode, struct file *file)
{
	return single_open(file, aa_decay_hold_show, NULL);
}

static ssize_t aa_decay_hold_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	bool on;
	int ret = kstrtobool_from_user(ubuf, len, &on);

	if (ret)
		return ret;
	aa_decay_hold_record(on);
	return len;
}

static const struct file_operations aa_decay_hold_fops = {
	.owner = THIS_MODULE,
	.open = aa_decay_hold_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = aa_decay_hold_write,
};

/**
 * aa_decay_hold_debugfs_init() - create decay_hold_ns in the module's directory
 * @dir: /sys/kernel/debug/arenalloc (an error pointer when debugfs is
 *       missing, which debugfs_create_file() accepts)
 *
 * Context: Process context, at module load.
 */
void aa_decay_hold_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("decay_hold_ns", 0600, dir, NULL, &aa_decay_hold_fops);
}

/* ==== Setup ============================================================== */

/**
 * aa_decay_init() - the retained pools, one per node id
 *
 * Context: Module init, before any arena exists.
 * Return: 0 or -ENOMEM.
 */
int aa_decay_init(void)
{
	int nid;

	aa_pools = kcalloc(nr_node_ids, sizeof(*aa_pools), GFP_KERNEL);
	if (!aa_pools)
		return -ENOMEM;
	for (nid = 0; nid < nr_node_ids; nid++) {
		struct aa_retained *pool;

		pool = kzalloc(sizeof(*pool), GFP_KERNEL);
		if (!pool)
			goto fail;
		aa_pool_init(pool, nid, NULL);
		aa_pools[nid] = pool;
	}
	return 0;
fail:
	while (nid--)
		kfree(aa_pools[nid]);
	kfree(aa_pools);
	aa_pools = NULL;
	return -ENOMEM;
}

/**
 * aa_decay_exit() - give back every retained page and free the pools
 *
 * Context: Module exit, after every arena is deleted.
 */
void aa_decay_exit(void)
{
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		cancel_delayed_work_sync(&aa_pools[nid]->work);
		aa_retained_decay(nid, aa_decay_now(), ULONG_MAX);
		kfree(aa_pools[nid]);
	}
	kfree(aa_pools);
	aa_pools = NULL;
}
