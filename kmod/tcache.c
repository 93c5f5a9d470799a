// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU caches: jemalloc's thread caches, one per CPU.
 *
 * Each CPU has a stack of free objects per size class up to tcache_max.  A
 * hit pops or pushes one pointer: no lock shared with another CPU, no
 * atomic read-modify-write, no interrupt disabled, and no call (the hit
 * path is inline, in tcache.h).  A miss refills half the stack from the
 * CPU's arena under one acquisition of the arena lock; a push onto a full
 * stack first flushes its older half back the same way.  Both live out of
 * line here, as does everything else that moves objects.
 *
 * Only objects of the CPU's own arena are cached.  Freeing an object of
 * another automatic arena (another node's, or another arena of this node)
 * queues it on the CPU's remote list, which goes back to the owners in
 * batches, one lock acquisition per arena.  Objects of private arenas never
 * enter a cache, so destroying a private arena never has to chase them.
 * Nor do objects of an automatic arena that narenas has retired: they go
 * straight back to it (the test is on the slow path, where the arena is
 * not the CPU's), so that it empties and can be freed (api.c).
 *
 * Binding: each CPU's arena (tc->arena) is chosen at load and again after
 * every narenas change (aa_tcache_rebind()), by one rule.  A CPU changes
 * its own binding, from a work item, holding its cache, after giving the
 * objects its stacks hold back to their arena; the hit path reads the
 * binding with the cache held, so it needs nothing more.  Paths that use
 * the arena after putting the cache back (a refill that may sleep, a
 * direct allocation) do so inside an aa_arena_srcu read-side section,
 * which keeps a retired arena from being freed under them (arena.c).
 *
 * Locking, preemption and interrupts
 *   No interrupt is ever disabled to use a cache.  A caller takes its
 *   CPU's cache with aa_tcache_get(): preemption off, then the cache's
 *   "in use" marker (tc->in_use) tested and set; aa_tcache_put() clears
 *   it and enables preemption.  This is SLUB's per-CPU sheaves scheme
 *   (6.18's local_trylock()), and its reasoning:
 *   - With preemption off, no other task runs on this CPU and the task
 *     cannot migrate, so only this CPU ever touches its marker and stacks.
 *   - What can still run on this CPU in the middle of a pop or push is an
 *     interrupt (hardirq, or softirq on its way out).  The test and the set
 *     of the marker need not be atomic: an interrupt that comes between
 *     them takes and puts back the cache entirely before we resume.  An
 *     interrupt that comes while the marker is set finds it set and does
 *     not wait (the holder cannot run until it returns): it allocates from,
 *     or frees to, its arena directly, under the arena's irq-safe lock.  So
 *     GFP_ATOMIC callers in hardirq and softirq context are served, and a
 *     stack is never seen half-updated.  Compiler barriers keep the stack's
 *     accesses inside the marked section; no CPU barrier is needed, since
 *     only this CPU reads the marker.
 *   - Process-context callers with preemption enabled (GC, flush, trim)
 *     always find the marker clear: its holders are a task with preemption
 *     off, which cannot be preempted, or an interrupt, which has returned.
 *   - Lockdep sees the marker as a trylock (tc->dep_map): it orders it
 *     before arena->lock, and a trylock makes no irq-safety claim, as none
 *     is needed.  The marker nests outside arena->lock: a refill and the
 *     flush of a full stack take the arena lock (irqsave) with it held.
 *   - A refill that needs new memory runs without the marker and with
 *     preemption as the caller had it, with the caller's gfp mask (it may
 *     sleep), and pushes its batch into whichever CPU's cache the task is
 *     on afterwards.
 *   - The free path looks its pointer up (aa_lookup_fast()) inside the
 *     marked section: with preemption off that is an RCU read-side
 *     critical section, which the lookup of a bad pointer needs.
 *   - NMI context is not supported, as with kmalloc(): an NMI that came
 *     while its CPU held an arena lock would deadlock on it.  PREEMPT_RT is
 *     not supported either: its arena lock would sleep with preemption off.
 *   - CPU hotplug: a CPU's cache is used only on that CPU with preemption
 *     off, and a CPU goes down only outside such sections; the dead CPU's
 *     cache is then emptied by the CPU that took it down, which alone
 *     touches it (aa_tcache_cpu_dead()).
 *
 * Double frees
 *   A free is checked against the top of its stack (or of the remote list):
 *   freeing the object freed last on this CPU again is refused, as SLUB's
 *   hardened freelist check refuses it.  Anything older is caught only when
 *   the stack gives the object back to its arena (the slab bitmap refuses
 *   it there, reported without a caller).  debug=1 keeps objects out of the
 *   caches, so every free is checked exactly.
 *
 * Garbage collection
 *   A deferrable delayed work item per online CPU (gc_work, on its CPU)
 *   runs every tcache_gc_interval ms.  For each stack in turn it gives back
 *   three quarters of the stack's low water mark, the objects it has not
 *   needed since the last pass (jemalloc's GC), holding the cache for one
 *   stack at a time; then the remote list goes home.  The hit path does no
 *   GC work.  Being deferrable, the work does not wake an idle CPU; it runs
 *   when the CPU next wakes.  Under memory pressure the shrinker
 *   (shrinker.c) empties every cache; lowering tcache_max gives back what
 *   caches hold above the new limit at once (aa_tcache_max_changed()).  The
 *   cache of a dead CPU is emptied by the CPU that took it down.
 *
 * Whole-cache operations (flush, trim) run one work item per online CPU
 *   on aa_wq, a WQ_MEM_RECLAIM workqueue, so that the shrinker may wait for
 *   them from reclaim; they take no CPU hotplug lock for the same reason
 *   (a CPU that goes down meanwhile is emptied by its dead callback).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/jiffies.h>
#include <linux/kmemleak.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "tcache.h"

#define AA_BATCH_MAX		32	/* objects moved per refill */

struct aa_tcache __percpu *aa_tcache;
EXPORT_SYMBOL_IF_KUNIT(aa_tcache);
static enum cpuhp_state aa_cpuhp_state;
static enum cpuhp_state aa_cpuhp_gc_state;
static unsigned int aa_tcache_nbins;
static struct workqueue_struct *aa_wq;

/*
 * Capacity per class, after jemalloc: twice a slab's regions for small
 * classes, between 20 and 200; 20 for large ones, fewer above 256 KiB so a
 * stack holds at most about 4 MiB.
 */
static u16 aa_tbin_capacity(unsigned int szind)
{
	size_t size = asc_index2size(szind);

	if (asc_is_small(&arenalloc_sc, szind))
		return clamp(2U * arenalloc_sc.slab[szind].nregs, 20U, 200U);
	return clamp_t(size_t, SZ_4M / size, 2, 20);
}

static bool aa_tcache_enabled_for(size_t usize)
{
	return usize <= (size_t)arenalloc_knob_get(&arenalloc_knob_tcache_max);
}

/*
 * What a stack of class @szind may hold now: its capacity, or 0 when
 * tcache_max does not let the class be cached.  Each CPU applies it to its
 * own stacks, holding its cache (aa_tcache_limit()), so the hit path's
 * "full" test also keeps objects out of a class that tcache_max turned off.
 */
static u16 aa_tbin_max(unsigned int szind)
{
	return aa_tcache_enabled_for(asc_index2size(szind)) ? aa_tbin_capacity(szind) : 0;
}

/*
 * The cache, from process context with preemption enabled, where the
 * marker is always clear (see the rules above).
 */
static struct aa_tcache *aa_tcache_get_task(void)
{
	struct aa_tcache *tc = aa_tcache_get();

	WARN_ON_ONCE(!tc);
	return tc;
}

/* ==== Moving objects between a cache and the arenas ==================== */

/* Gives back the oldest @n objects of @bin. */
static void aa_tbin_flush(struct aa_tcache *tc, struct aa_tbin *bin, unsigned int n)
{
	if (!n)
		return;
	aa_arena_free_batch(tc->arena, bin->slots, n);
	memmove(bin->slots, bin->slots + n, (bin->ncached - n) * sizeof(void *));
	bin->ncached -= n;
	bin->low_water = min(bin->low_water, bin->ncached);
	tc->flushes += n;
}

/* Gives every queued remote object back, one batch per arena. */
static noinline void aa_remote_flush(struct aa_tcache *tc)
{
	void *batch[AA_REMOTE_MAX];
	unsigned int i, j, n;

	while (tc->nremote) {
		struct aa_arena *arena = tc->remote[0].arena;

		for (i = 0, j = 0, n = 0; i < tc->nremote; i++) {
			if (tc->remote[i].arena == arena)
				batch[n++] = tc->remote[i].ptr;
			else
				tc->remote[j++] = tc->remote[i];
		}
		tc->nremote = j;
		aa_arena_free_batch(arena, batch, n);
	}
}

static void aa_tcache_drain(struct aa_tcache *tc)
{
	unsigned int i;

	for (i = 0; i < aa_tcache_nbins; i++)
		aa_tbin_flush(tc, &tc->bins[i], tc->bins[i].ncached);
	aa_remote_flush(tc);
}

/* GC of one bin: give back 3/4 of what it has not used since last time. */
static void aa_tbin_gc(struct aa_tcache *tc, unsigned int szind)
{
	struct aa_tbin *bin = &tc->bins[szind];

	if (!aa_tcache_enabled_for(asc_index2size(szind)))
		aa_tbin_flush(tc, bin, bin->ncached);
	else
		aa_tbin_flush(tc, bin, DIV_ROUND_UP(bin->low_water * 3, 4));
	bin->low_water = bin->ncached;
}

/* A whole GC pass at once: for tests and explicit requests only. */
static void aa_tcache_gc(struct aa_tcache *tc)
{
	unsigned int i;

	for (i = 0; i < aa_tcache_nbins; i++)
		aa_tbin_gc(tc, i);
	aa_remote_flush(tc);
}

/* The GC pass of the CPU it runs on, one stack at a time. */
static void aa_tcache_gc_fn(struct work_struct *work)
{
	struct aa_tcache *tc = container_of(to_delayed_work(work), struct aa_tcache, gc_work);
	unsigned long interval = arenalloc_knob_get(&arenalloc_knob_tcache_gc_interval);
	struct aa_tcache *cur;
	unsigned int i;

	for (i = 0; interval && i < aa_tcache_nbins; i++) {
		cur = aa_tcache_get_task();
		if (cur) {
			aa_tbin_gc(cur, i);
			aa_tcache_put(cur);
		}
	}
	cur = aa_tcache_get_task();
	if (cur) {
		aa_remote_flush(cur);
		aa_tcache_put(cur);
	}
	/* With GC off (0), look at the knob again in a second. */
	queue_delayed_work_on(tc->cpu, aa_wq, &tc->gc_work,
			      interval ? msecs_to_jiffies(interval) : HZ);
}

/* ==== Misses and the slow ends of the hit path ========================= */

/* One object of class @szind straight from @arena, past every cache. */
static void *aa_arena_alloc_one(struct aa_arena *arena, unsigned int szind, gfp_t gfp)
{
	void *ptr;

	if (asc_is_small(&arenalloc_sc, szind))
		return aa_arena_alloc_small(arena, szind, &ptr, 1, gfp) ? ptr : NULL;
	return aa_arena_alloc_large(arena, szind, PAGE_SIZE, gfp);
}

/*
 * The miss: refills @tc's stack of class @szind from the CPU's arena and
 * returns one object; @tc is taken, and put back.  The binding is read
 * inside an SRCU read-side section that lasts until the arena is no longer
 * used (arena.c): the refill runs without the cache, may sleep, and may
 * find the CPU bound elsewhere when it is done.
 */
static void *aa_tcache_refill(struct aa_tcache *tc, unsigned int szind, gfp_t gfp)
{
	void *batch[AA_BATCH_MAX];
	struct aa_tbin *bin = &tc->bins[szind];
	struct aa_arena *arena;
	void *ptr = NULL;
	int n, i, idx;

	idx = srcu_read_lock(&aa_arena_srcu);
	tc->misses++;
	arena = tc->arena;
	n = clamp_t(int, bin->max / 2, 1, AA_BATCH_MAX);
	aa_tcache_put(tc);

	/* The refill may sleep (if @gfp allows): the cache is not held. */
	if (asc_is_small(&arenalloc_sc, szind)) {
		n = aa_arena_fill_small(arena, szind, batch, n, gfp);
	} else {
		batch[0] = aa_arena_alloc_large(arena, szind, PAGE_SIZE, gfp);
		n = !!batch[0];
	}
	if (!n)
		goto out;

	/* Keep the rest on the CPU we run on now, if it has room. */
	ptr = batch[--n];
	tc = aa_tcache_get();
	/* Not into a stack that tcache_max has just turned off. */
	if (tc && tc->arena == arena && aa_tcache_enabled_for(asc_index2size(szind))) {
		bin = &tc->bins[szind];
		for (i = 0; i < n && bin->ncached < bin->max; i++)
			bin->slots[bin->ncached++] = batch[i];
		tc->fills += i;
		memmove(batch, batch + i, (n - i) * sizeof(void *));
		n -= i;
	}
	if (tc)
		aa_tcache_put(tc);
	if (n)
		aa_arena_free_batch(arena, batch, n);
out:
	srcu_read_unlock(&aa_arena_srcu, idx);
	return ptr;
}

/* An object of class @szind from this CPU's arena, past its cache. */
static void *aa_tcache_alloc_direct(unsigned int szind, gfp_t gfp)
{
	int idx = srcu_read_lock(&aa_arena_srcu);
	void *ptr = aa_arena_alloc_one(aa_this_cpu_arena(), szind, gfp);

	srcu_read_unlock(&aa_arena_srcu, idx);
	return ptr;
}

/**
 * aa_tcache_alloc() - an object of class @szind through this CPU's cache
 * @szind: size class, one that may be cached
 * @gfp:   the caller's flags, used when the cache must be refilled
 *
 * The miss path (the hit is aa_tcache_pop()): takes an object if the
 * stack has one after all, else refills the stack from the arena.  A
 * caller that interrupted the cache's holder gets its object from the
 * arena directly.
 *
 * Context: Any context @gfp allows, but NMI.
 * Return: the object, or NULL when the arena has no memory.
 */
noinline void *aa_tcache_alloc(unsigned int szind, gfp_t gfp)
{
	struct aa_tcache *tc;
	struct aa_tbin *bin;
	void *ptr;

	tc = aa_tcache_get();
	if (unlikely(!tc))
		return aa_tcache_alloc_direct(szind, gfp);
	bin = &tc->bins[szind];
	if (likely(bin->ncached)) {
		ptr = bin->slots[--bin->ncached];
		bin->low_water = min(bin->low_water, bin->ncached);
		bin->nhits++;
		aa_tcache_put(tc);
		return ptr;
	}
	return aa_tcache_refill(tc, szind, gfp);
}

/*
 * Puts @ptr (of @arena, class @szind) into @tc, which is taken.  An object
 * already on top of its stack, or of the remote list, is a double free:
 * reported and left alone.  A full stack gives its older half back first,
 * a full remote list all of it.  Returns false, having done nothing, when
 * the class is not cached (max 0: tcache_max turned it off): the caller
 * gives the object to its arena.
 */
static bool aa_tcache_push(struct aa_tcache *tc, void *ptr, struct aa_arena *arena,
			   unsigned long szind, unsigned long caller)
{
	struct aa_tbin *bin = &tc->bins[szind];

	if (!bin->max)
		return false;
	if (arena != tc->arena) {
		/* A retired arena's objects go home now: it is freed once empty. */
		if (unlikely(READ_ONCE(arena->state) != AA_ARENA_LIVE))
			return false;
		if (tc->nremote && tc->remote[tc->nremote - 1].ptr == ptr)
			goto twice;
		if (tc->nremote == AA_REMOTE_MAX)
			aa_remote_flush(tc);
		kmemleak_free(ptr);
		tc->remote[tc->nremote].ptr = ptr;
		tc->remote[tc->nremote].arena = arena;
		tc->nremote++;
		return true;
	}
	if (bin->ncached && bin->slots[bin->ncached - 1] == ptr)
		goto twice;
	if (bin->ncached == bin->max)
		aa_tbin_flush(tc, bin, bin->max / 2);
	kmemleak_free(ptr);
	bin->slots[bin->ncached++] = ptr;
	return true;

twice:
	aa_report_bad_free(ptr, caller);
	return true;
}

/**
 * aa_tcache_free_slow() - the rest of aa_tcache_free_put()
 * @tc:     this CPU's cache, taken
 * @ptr:    the object
 * @arena:  its arena, an automatic one
 * @szind:  its size class
 * @caller: return address of the API call, for a report
 *
 * Context: Any context but NMI, with @tc taken; puts it back.
 */
noinline void aa_tcache_free_slow(struct aa_tcache *tc, void *ptr, struct aa_arena *arena,
				  unsigned long szind, unsigned long caller)
{
	bool ok = aa_tcache_push(tc, ptr, arena, szind, caller);

	/*
	 * Checked under the arena lock, which also tells kmemleak; with the
	 * cache still held, so that @arena, found by the lookup, is read
	 * inside the same RCU read-side section (arena.c).
	 */
	if (!ok)
		ok = aa_arena_free(arena, ptr);
	aa_tcache_put(tc);
	if (!ok)
		aa_report_bad_free(ptr, caller);
}

/**
 * aa_tcache_free() - put an object into this CPU's cache
 * @ptr:    the object, a live allocation still registered with kmemleak
 * @info:   what aa_lookup() said about it
 * @caller: return address of the API call, for a report
 *
 * The general free path's way into the cache (the hit path is
 * aa_tcache_free_put()).  An object that is already on top of its stack
 * (or of the remote list) is a double free: it is reported and left
 * alone.  Otherwise kmemleak forgets it before it can be handed out again.
 *
 * Context: Any context but NMI.
 * Return: true if the cache took it (possibly onto the remote list) or
 * refused it as a double free, false if the caller must give it to its
 * arena directly (its class is not cached, or the caller interrupted the
 * cache's holder).
 */
bool aa_tcache_free(void *ptr, const struct aa_ptr_info *info, unsigned long caller)
{
	struct aa_tcache *tc;
	bool done;

	if (!aa_tcache_enabled_for(info->usize))
		return false;
	tc = aa_tcache_get();
	if (!tc)
		return false;
	done = aa_tcache_push(tc, ptr, info->arena, info->szind, caller);
	aa_tcache_put(tc);
	return done;
}

/* ==== Whole-cache operations ============================================ */

/* What aa_tcache_drain_local() does besides sending remote lists home. */
enum aa_drain_mode {
	AA_DRAIN_TRIM,		/* apply tcache_max */
	AA_DRAIN_FLUSH,		/* empty the cache */
	AA_DRAIN_REBIND,	/* bind the CPU to tc->next (aa_tcache_rebind()) */
};

static DEFINE_MUTEX(aa_flush_lock);	/* one flush, trim or rebind at a time */
static DEFINE_PER_CPU(struct work_struct, aa_drain_work);	/* aa_flush_lock */
static struct cpumask aa_drain_cpus;	/* aa_flush_lock: works queued */
static enum aa_drain_mode aa_drain_mode;	/* aa_flush_lock */

/*
 * Applies tcache_max to this CPU's stacks, which it holds: each may hold
 * what aa_tbin_max() says, and one that may hold nothing is emptied.
 */
static void aa_tcache_limit(struct aa_tcache *tc)
{
	unsigned int i;

	for (i = 0; i < aa_tcache_nbins; i++) {
		tc->bins[i].max = aa_tbin_max(i);
		if (!tc->bins[i].max)
			aa_tbin_flush(tc, &tc->bins[i], tc->bins[i].ncached);
	}
}

/*
 * Binds this CPU, whose cache it holds, to @arena: the objects its stacks
 * hold go back to the arena they came from first, so that the stacks only
 * ever hold objects of tc->arena.
 */
static void aa_tcache_bind(struct aa_tcache *tc, struct aa_arena *arena)
{
	unsigned int i;

	if (tc->arena == arena)
		return;
	for (i = 0; i < aa_tcache_nbins; i++)
		aa_tbin_flush(tc, &tc->bins[i], tc->bins[i].ncached);
	WRITE_ONCE(tc->arena, arena);
}

/*
 * Empties this CPU's cache (flush), applies tcache_max to it (trim), or
 * moves it to its new arena (rebind); the remote list goes home in every
 * case.
 */
static void aa_tcache_drain_local(struct work_struct *unused)
{
	enum aa_drain_mode mode = READ_ONCE(aa_drain_mode);
	struct aa_tcache *tc = aa_tcache_get_task();
	unsigned int i;

	if (!tc)
		return;
	aa_tcache_limit(tc);
	if (mode == AA_DRAIN_REBIND)
		aa_tcache_bind(tc, tc->next);
	for (i = 0; mode == AA_DRAIN_FLUSH && i < aa_tcache_nbins; i++)
		aa_tbin_flush(tc, &tc->bins[i], tc->bins[i].ncached);
	aa_remote_flush(tc);
	aa_tcache_put(tc);
}

/* Runs aa_tcache_drain_local() on every online CPU and waits for it. */
static void aa_tcache_drain_all(enum aa_drain_mode mode)
{
	unsigned int cpu;

	mutex_lock(&aa_flush_lock);
	WRITE_ONCE(aa_drain_mode, mode);
	cpumask_copy(&aa_drain_cpus, cpu_online_mask);
	for_each_cpu(cpu, &aa_drain_cpus) {
		struct work_struct *work = per_cpu_ptr(&aa_drain_work, cpu);

		INIT_WORK(work, aa_tcache_drain_local);
		queue_work_on(cpu, aa_wq, work);
	}
	for_each_cpu(cpu, &aa_drain_cpus)
		flush_work(per_cpu_ptr(&aa_drain_work, cpu));
	mutex_unlock(&aa_flush_lock);
}

/**
 * aa_tcache_flush_all() - empty every CPU's cache into the arenas
 *
 * Each online CPU empties its own cache from a work item bound to it; the
 * caches of offline CPUs were emptied when they went down.  Safe to call
 * from memory reclaim (the shrinker does).
 *
 * Context: Process context; may sleep.
 */
void aa_tcache_flush_all(void)
{
	aa_tcache_drain_all(AA_DRAIN_FLUSH);
}
EXPORT_SYMBOL_IF_KUNIT(aa_tcache_flush_all);

/**
 * aa_tcache_max_changed() - tcache_max was written through sysfs
 * @old: its previous value
 * @val: its new value
 *
 * Every online CPU applies the new limit to its stacks: a lower limit
 * gives back at once what every cache holds above it (with 0,
 * everything), so nothing waits in a stack that no longer takes frees; a
 * higher one lets the stacks take more classes.  A CPU that comes online
 * later applies the limit then.
 *
 * Context: Process context; may sleep.
 */
void aa_tcache_max_changed(long old, long val)
{
	if (val != old)
		aa_tcache_drain_all(AA_DRAIN_TRIM);
}
EXPORT_SYMBOL_IF_KUNIT(aa_tcache_max_changed);

/**
 * aa_tcache_cached() - objects waiting in all per-CPU caches
 *
 * Context: Any context; a racy sum (see aa_tcache_stats_get()).
 * Return: the number of objects.
 */
unsigned long aa_tcache_cached(void)
{
	struct aa_tcache_stats st;
	unsigned long n = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		aa_tcache_stats_get(cpu, &st);
		/* A stale count is fine, as for the statistics. */
		n += st.ncached + data_race(per_cpu_ptr(aa_tcache, cpu)->nremote);
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(aa_tcache_cached);

/**
 * aa_tcache_gc_kick() - run @cpu's periodic GC pass now and wait for it
 * @cpu: an online CPU
 *
 * The pass is the one the timer would run; it then re-arms as usual.
 *
 * Context: Process context; may sleep.
 */
void aa_tcache_gc_kick(unsigned int cpu)
{
	struct delayed_work *dw = &per_cpu_ptr(aa_tcache, cpu)->gc_work;

	mod_delayed_work_on(cpu, aa_wq, dw, 0);
	flush_delayed_work(dw);
}
EXPORT_SYMBOL_IF_KUNIT(aa_tcache_gc_kick);

/**
 * aa_this_cpu_arena() - the automatic arena of the CPU we run on
 *
 * Context: Any context, inside an aa_arena_srcu read-side section, which
 * keeps the arena from being freed until it ends (arena.c); the answer may
 * be stale once preemption is allowed, or after a narenas change.
 * Return: the arena.
 */
struct aa_arena *aa_this_cpu_arena(void)
{
	return READ_ONCE(raw_cpu_ptr(aa_tcache)->arena);
}
EXPORT_SYMBOL_IF_KUNIT(aa_this_cpu_arena);

/**
 * aa_tcache_stats_get() - a snapshot of @cpu's cache
 * @cpu: a possible CPU
 * @st:  filled in
 *
 * Reads another CPU's counters without its lock: each value is a word
 * that its owner updates in place, so a reader sees an old or a new value,
 * never a torn one, which is all statistics need.
 *
 * Context: Any context.
 */
void aa_tcache_stats_get(unsigned int cpu, struct aa_tcache_stats *st)
{
	struct aa_tcache *tc = per_cpu_ptr(aa_tcache, cpu);
	unsigned int i, n;

	memset(st, 0, sizeof(*st));
	st->misses = data_race(tc->misses);	/* a stale word is fine */
	st->fills = data_race(tc->fills);	/* likewise */
	st->flushes = data_race(tc->flushes);	/* likewise */
	for (i = 0; i < aa_tcache_nbins; i++) {
		n = data_race(tc->bins[i].ncached);	/* likewise */
		st->hits += data_race(tc->bins[i].nhits);	/* likewise */
		st->ncached += n;
		st->cached_bytes += n * asc_index2size(i);
	}
}
EXPORT_SYMBOL_IF_KUNIT(aa_tcache_stats_get);

/**
 * aa_tcache_hits_add() - add per-class cache hits to @hits
 * @arena: count the CPUs bound to this arena only; NULL for every CPU
 * @hits:  arenalloc_sc.nclasses counters, added to
 *
 * Read racily, as aa_tcache_stats_get() reads.
 *
 * Context: Any context.
 */
void aa_tcache_hits_add(const struct aa_arena *arena, u64 *hits)
{
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		struct aa_tcache *tc = per_cpu_ptr(aa_tcache, cpu);

		/* The binding moves only with narenas: a stale one is fine. */
		if (arena && READ_ONCE(tc->arena) != arena)
			continue;
		for (i = 0; i < aa_tcache_nbins; i++)
			hits[i] += data_race(tc->bins[i].nhits);	/* a stale word is fine */
	}
}
EXPORT_SYMBOL_IF_KUNIT(aa_tcache_hits_add);

/**
 * aa_tcache_gc_this_cpu() - run a GC pass on this CPU's cache now
 *
 * Context: Any context but NMI; does nothing when called from an
 * interrupt that came while this CPU's cache was in use.
 */
void aa_tcache_gc_this_cpu(void)
{
	struct aa_tcache *tc = aa_tcache_get();

	if (tc) {
		aa_tcache_gc(tc);
		aa_tcache_put(tc);
	}
}
EXPORT_SYMBOL_IF_KUNIT(aa_tcache_gc_this_cpu);

/* A dead CPU runs nothing: its cache is ours to empty without its lock. */
static int aa_tcache_cpu_dead(unsigned int cpu)
{
	aa_tcache_drain(per_cpu_ptr(aa_tcache, cpu));
	return 0;
}

/*
 * GC runs on a CPU while it is online; tcache_max may have changed while
 * it was not (called on that CPU, in process context).
 */
static int aa_tcache_gc_online(unsigned int cpu)
{
	struct aa_tcache *tc = aa_tcache_get_task();

	if (tc) {
		aa_tcache_limit(tc);
		aa_tcache_put(tc);
	}
	tc = per_cpu_ptr(aa_tcache, cpu);
	queue_delayed_work_on(cpu, aa_wq, &tc->gc_work, HZ);
	return 0;
}

static int aa_tcache_gc_offline(unsigned int cpu)
{
	cancel_delayed_work_sync(&per_cpu_ptr(aa_tcache, cpu)->gc_work);
	return 0;
}

/* ==== Setup, and binding CPUs to arenas ================================ */

/* Per node: CPUs given an arena there so far (aa_narenas_lock, or init). */
static unsigned int aa_rank[MAX_NUMNODES];

/*
 * CPU to arena: the live automatic arenas of each node are dealt out
 * round-robin to the node's CPUs; a CPU whose node has no arena (no
 * memory: a CPU-only node, or fewer arenas than nodes) uses those of the
 * nearest node that has one, by node_distance(), as the page allocator
 * would.  cpu_to_mem() cannot say which: without
 * CONFIG_HAVE_MEMORYLESS_NODES (x86) it is the CPU's own node.  The
 * same rule at load and after every narenas change (aa_tcache_rebind()),
 * with aa_rank[] zeroed before the first CPU.
 */
static struct aa_arena *aa_arena_for_cpu(unsigned int cpu)
{
	int nid = cpu_to_node(cpu), best = aa_arenas[0]->nid;
	unsigned int i, n = 0, k;

	if (nid == NUMA_NO_NODE)
		nid = best;
	for (i = 0; i < aa_narenas_auto; i++)
		if (node_distance(nid, aa_arenas[i]->nid) < node_distance(nid, best))
			best = aa_arenas[i]->nid;
	for (i = 0; i < aa_narenas_auto; i++)
		n += aa_arenas[i]->nid == best;
	k = aa_rank[best]++ % n;
	for (i = 0; i < aa_narenas_auto; i++)
		if (aa_arenas[i]->nid == best && !k--)
			break;
	return aa_arenas[i];
}

/*
 * Works out every possible CPU's arena under the rule above, in tc->next,
 * and the live arenas' nthreads to match.
 */
static void aa_tcache_plan(void)
{
	struct aa_arena *arena;
	unsigned int cpu, i;

	memset(aa_rank, 0, sizeof(aa_rank));
	for (i = 0; i < aa_narenas_auto; i++)
		WRITE_ONCE(aa_arenas[i]->nthreads, 0);
	for_each_possible_cpu(cpu) {
		arena = aa_arena_for_cpu(cpu);
		per_cpu_ptr(aa_tcache, cpu)->next = arena;
		WRITE_ONCE(arena->nthreads, arena->nthreads + 1);
	}
}

/**
 * aa_tcache_rebind() - bind every CPU to its arena after narenas changed
 *
 * aa_arenas[0, aa_narenas_auto) are the live automatic arenas.  Each
 * online CPU moves itself, from a work item bound to it, holding its
 * cache: its stacks go back to the arena they came from, then its binding
 * (tc->arena) changes, and its remote list goes home.  An offline CPU's
 * cache was emptied when it went down; its binding is written here, under
 * the CPU hotplug lock, which keeps it offline meanwhile.  So a binding
 * changes only where nothing uses it, and the hit path, which reads it
 * with the cache held, needs no barrier or lock of its own.
 *
 * Context: Process context, with aa_narenas_lock held; may sleep.
 */
void aa_tcache_rebind(void)
{
	unsigned int cpu;

	lockdep_assert_held(&aa_narenas_lock);
	aa_tcache_plan();
	cpus_read_lock();
	for_each_possible_cpu(cpu) {
		struct aa_tcache *tc = per_cpu_ptr(aa_tcache, cpu);

		if (!cpu_online(cpu))
			WRITE_ONCE(tc->arena, tc->next);
	}
	aa_tcache_drain_all(AA_DRAIN_REBIND);
	cpus_read_unlock();
}
EXPORT_SYMBOL_IF_KUNIT(aa_tcache_rebind);

int aa_tcache_init(void)
{
	static struct lock_class_key aa_tcache_key __maybe_unused;
	unsigned int cpu, i, total = 0;
	int ret;

	aa_tcache_nbins = arenalloc_sc.nclasses;
	for (i = 0; i < aa_tcache_nbins; i++)
		total += aa_tbin_capacity(i);

	aa_wq = alloc_workqueue("arenalloc", WQ_MEM_RECLAIM, 0);
	aa_tcache = __alloc_percpu(struct_size_t(struct aa_tcache, bins, ASC_NCLASSES_MAX),
				   __alignof__(struct aa_tcache));
	if (!aa_wq || !aa_tcache) {
		ret = -ENOMEM;
		goto undo_slots;
	}
	aa_tcache_plan();
	for_each_possible_cpu(cpu) {
		struct aa_tcache *tc = per_cpu_ptr(aa_tcache, cpu);
		void **slots = kcalloc_node(total, sizeof(void *), GFP_KERNEL,
					    cpu_to_mem(cpu));

		if (!slots) {
			ret = -ENOMEM;
			goto undo_slots;
		}
#ifdef CONFIG_DEBUG_LOCK_ALLOC
		lockdep_init_map(&tc->dep_map, "aa_tcache", &aa_tcache_key, 0);
#endif
		tc->arena = tc->next;
		tc->cpu = cpu;
		INIT_DEFERRABLE_WORK(&tc->gc_work, aa_tcache_gc_fn);
		for (i = 0; i < aa_tcache_nbins; i++) {
			tc->bins[i].max = aa_tbin_max(i);
			tc->bins[i].slots = slots;
			slots += aa_tbin_capacity(i);
		}
	}
	atomic_long_add(num_possible_cpus() * (total * sizeof(void *) +
		struct_size_t(struct aa_tcache, bins, ASC_NCLASSES_MAX)), &aa_metadata_bytes);

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "arenalloc:tcache",
					NULL, aa_tcache_cpu_dead);
	if (ret < 0)
		goto undo_slots;
	aa_cpuhp_state = ret;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "arenalloc:tcache_gc",
				aa_tcache_gc_online, aa_tcache_gc_offline);
	if (ret < 0)
		goto undo_dead;
	aa_cpuhp_gc_state = ret;
	return 0;

undo_dead:
	cpuhp_remove_state_nocalls(aa_cpuhp_state);
undo_slots:
	if (aa_tcache)
		for_each_possible_cpu(cpu)
			kfree(per_cpu_ptr(aa_tcache, cpu)->bins[0].slots);
	free_percpu(aa_tcache);
	if (aa_wq)
		destroy_workqueue(aa_wq);
	return ret;
}

/* Module exit: no caller is left, so every cache can be emptied in place. */
void aa_tcache_exit(void)
{
	unsigned int cpu;

	cpuhp_remove_state(aa_cpuhp_gc_state);
	cpuhp_remove_state_nocalls(aa_cpuhp_state);
	destroy_workqueue(aa_wq);
	for_each_possible_cpu(cpu) {
		struct aa_tcache *tc = per_cpu_ptr(aa_tcache, cpu);

		aa_tcache_drain(tc);
		kfree(tc->bins[0].slots);
	}
	free_percpu(aa_tcache);
}
