// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU caches: jemalloc's thread caches, one per CPU.
 *
 * Each CPU has a stack of free objects per size class up to tcache_max.  A
 * hit pops or pushes one pointer: no lock shared with another CPU and no
 * atomic read-modify-write.  A miss refills half the stack from the CPU's
 * arena under one acquisition of the arena lock; a push onto a full stack
 * first flushes its older half back the same way.
 *
 * Only objects of the CPU's own arena are cached.  Freeing an object of
 * another automatic arena (another node's, or another arena of this node)
 * queues it on the CPU's remote list, which goes back to the owners in
 * batches, one lock acquisition per arena.  Objects of private arenas never
 * enter a cache, so destroying a private arena never has to chase them.
 *
 * Locking and context
 *   tc->lock is a local_lock taken with irqsave: it holds off interrupts on
 *   this CPU (the API is callable from interrupt context, which would
 *   otherwise interleave with a task's push or pop on the same stack) and
 *   keeps the task on this CPU.  On !PREEMPT_RT it costs a local_irq_save()
 *   and restore, about 40 cycles; lockdep sees it as a lock.  It nests
 *   outside arena->lock (see arena.c).  Refills that may need new memory
 *   run without it, with the caller's gfp mask, and push their batch into
 *   whichever CPU's cache the task is on afterwards.
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
 *   needed since the last pass (jemalloc's GC), with interrupts off for one
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
#include <linux/local_lock.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"

#define AA_BATCH_MAX		32	/* objects moved per refill */
#define AA_REMOTE_MAX		32	/* remote frees queued per CPU */

/**
 * struct aa_tbin - the cached objects of one size class on one CPU
 * @ncached:   objects in @slots; @slots[@ncached - 1] is the next out
 * @low_water: smallest @ncached since the last GC pass
 * @max:       capacity of @slots
 * @slots:     the objects
 * @nhits:     allocations served from @slots, ever (the class's share of
 *             its arena's nrequests; summed by statistics, never merged)
 */
struct aa_tbin {
	u16 ncached;
	u16 low_water;
	u16 max;
	void **slots;
	u64 nhits;
};

/**
 * struct aa_tcache - one CPU's cache; every field but @arena, @cpu and
 * @gc_work is under @lock
 * @lock:     see the locking rules above
 * @arena:    the CPU's automatic arena; fixed at init, so read without @lock
 *            (statistics read the counters racily, see aa_tcache_stats_get())
 * @cpu:      the CPU it belongs to; fixed at init
 * @gc_work:  the GC pass, queued on @cpu while it is online (its own
 *            locking: the workqueue's)
 * @nremote:  entries in @remote
 * @remote:   objects of other arenas waiting to go back
 * @misses:   allocations that had to refill
 * @fills:    objects moved from arenas into the cache
 * @flushes:  objects moved from the cache back to arenas
 * @bins:     one per size class that may be cached
 */
struct aa_tcache {
	local_lock_t lock;
	struct aa_arena *arena;
	unsigned int cpu;
	struct delayed_work gc_work;
	unsigned int nremote;
	struct {
		void *ptr;
		struct aa_arena *arena;
	} remote[AA_REMOTE_MAX];
	u64 misses;
	u64 fills;
	u64 flushes;
	struct aa_tbin bins[];
};

static struct aa_tcache __percpu *aa_tcache;
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
static void aa_remote_flush(struct aa_tcache *tc)
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
	unsigned long flags;
	unsigned int i;

	for (i = 0; interval && i < aa_tcache_nbins; i++) {
		local_lock_irqsave(&aa_tcache->lock, flags);
		aa_tbin_gc(this_cpu_ptr(aa_tcache), i);
		local_unlock_irqrestore(&aa_tcache->lock, flags);
	}
	local_lock_irqsave(&aa_tcache->lock, flags);
	aa_remote_flush(this_cpu_ptr(aa_tcache));
	local_unlock_irqrestore(&aa_tcache->lock, flags);
	/* With GC off (0), look at the knob again in a second. */
	queue_delayed_work_on(tc->cpu, aa_wq, &tc->gc_work,
			      interval ? msecs_to_jiffies(interval) : HZ);
}

/* ==== Fast paths ======================================================= */

/**
 * aa_tcache_alloc() - an object of class @szind from this CPU's cache
 * @szind: size class, one that may be cached
 * @gfp:   the caller's flags, used when the cache must be refilled
 *
 * Context: Any context @gfp allows.
 * Return: the object, or NULL when the arena has no memory.
 */
void *aa_tcache_alloc(unsigned int szind, gfp_t gfp)
{
	void *batch[AA_BATCH_MAX];
	struct aa_tcache *tc;
	struct aa_tbin *bin;
	unsigned long flags;
	struct aa_arena *arena;
	void *ptr;
	int n, i;

	local_lock_irqsave(&aa_tcache->lock, flags);
	tc = this_cpu_ptr(aa_tcache);
	bin = &tc->bins[szind];
	if (likely(bin->ncached)) {
		ptr = bin->slots[--bin->ncached];
		bin->low_water = min(bin->low_water, bin->ncached);
		bin->nhits++;
		local_unlock_irqrestore(&aa_tcache->lock, flags);
		return ptr;
	}
	tc->misses++;
	arena = tc->arena;
	n = min_t(int, bin->max / 2, AA_BATCH_MAX);
	local_unlock_irqrestore(&aa_tcache->lock, flags);

	/* The refill may sleep (if @gfp allows): no cache lock held. */
	if (asc_is_small(&arenalloc_sc, szind)) {
		n = aa_arena_fill_small(arena, szind, batch, n, gfp);
	} else {
		batch[0] = aa_arena_alloc_large(arena, szind, PAGE_SIZE, gfp);
		n = !!batch[0];
	}
	if (!n)
		return NULL;

	/* Keep the rest on the CPU we run on now, if it has room. */
	ptr = batch[--n];
	local_lock_irqsave(&aa_tcache->lock, flags);
	tc = this_cpu_ptr(aa_tcache);
	bin = &tc->bins[szind];
	/* Not into a stack that tcache_max has just turned off. */
	if (tc->arena == arena && aa_tcache_enabled_for(asc_index2size(szind))) {
		for (i = 0; i < n && bin->ncached < bin->max; i++)
			bin->slots[bin->ncached++] = batch[i];
		tc->fills += i;
		memmove(batch, batch + i, (n - i) * sizeof(void *));
		n -= i;
	}
	local_unlock_irqrestore(&aa_tcache->lock, flags);
	if (n)
		aa_arena_free_batch(arena, batch, n);
	return ptr;
}

/**
 * aa_tcache_free() - put an object into this CPU's cache
 * @ptr:    the object, a live allocation still registered with kmemleak
 * @info:   what aa_lookup() said about it
 * @caller: return address of the API call, for a report
 *
 * An object that is already on top of its stack (or of the remote list)
 * is a double free: it is reported and left alone.  Otherwise kmemleak
 * forgets it before it can be handed out again.
 *
 * Context: Any context.
 * Return: true if the cache took it (possibly onto the remote list) or
 * refused it as a double free, false if the caller must give it to its
 * arena directly.
 */
bool aa_tcache_free(void *ptr, const struct aa_ptr_info *info, unsigned long caller)
{
	struct aa_tcache *tc;
	struct aa_tbin *bin;
	unsigned long flags;

	if (!aa_tcache_enabled_for(info->usize))
		return false;
	local_lock_irqsave(&aa_tcache->lock, flags);
	/* Again under the lock: a trim after a lower tcache_max sees the push. */
	if (unlikely(!aa_tcache_enabled_for(info->usize))) {
		local_unlock_irqrestore(&aa_tcache->lock, flags);
		return false;
	}
	tc = this_cpu_ptr(aa_tcache);
	if (unlikely(info->arena != tc->arena)) {
		if (unlikely(tc->nremote && tc->remote[tc->nremote - 1].ptr == ptr))
			goto twice;
		if (tc->nremote == AA_REMOTE_MAX)
			aa_remote_flush(tc);
		kmemleak_free(ptr);
		tc->remote[tc->nremote].ptr = ptr;
		tc->remote[tc->nremote].arena = info->arena;
		tc->nremote++;
	} else {
		bin = &tc->bins[info->szind];
		if (unlikely(bin->ncached && bin->slots[bin->ncached - 1] == ptr))
			goto twice;
		if (unlikely(bin->ncached == bin->max))
			aa_tbin_flush(tc, bin, bin->max / 2);
		kmemleak_free(ptr);
		bin->slots[bin->ncached++] = ptr;
	}
	local_unlock_irqrestore(&aa_tcache->lock, flags);
	return true;

twice:
	local_unlock_irqrestore(&aa_tcache->lock, flags);
	aa_report_bad_free(ptr, caller);
	return true;
}

/* ==== Whole-cache operations ============================================ */

static DEFINE_MUTEX(aa_flush_lock);	/* one flush or trim at a time */
static DEFINE_PER_CPU(struct work_struct, aa_drain_work);	/* aa_flush_lock */
static struct cpumask aa_drain_cpus;	/* aa_flush_lock: works queued */
static bool aa_drain_everything;	/* aa_flush_lock: flush, not trim */

/*
 * Empties this CPU's cache (flush), or gives back only the stacks that
 * tcache_max no longer allows (trim); the remote list goes home either way.
 */
static void aa_tcache_drain_local(struct work_struct *unused)
{
	bool everything = READ_ONCE(aa_drain_everything);
	struct aa_tcache *tc;
	unsigned long flags;
	unsigned int i;

	local_lock_irqsave(&aa_tcache->lock, flags);
	tc = this_cpu_ptr(aa_tcache);
	for (i = 0; i < aa_tcache_nbins; i++)
		if (everything || !aa_tcache_enabled_for(asc_index2size(i)))
			aa_tbin_flush(tc, &tc->bins[i], tc->bins[i].ncached);
	aa_remote_flush(tc);
	local_unlock_irqrestore(&aa_tcache->lock, flags);
}

/* Runs aa_tcache_drain_local() on every online CPU and waits for it. */
static void aa_tcache_drain_all(bool everything)
{
	unsigned int cpu;

	mutex_lock(&aa_flush_lock);
	WRITE_ONCE(aa_drain_everything, everything);
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
	aa_tcache_drain_all(true);
}
EXPORT_SYMBOL_IF_KUNIT(aa_tcache_flush_all);

/**
 * aa_tcache_max_changed() - tcache_max was written through sysfs
 * @old: its previous value
 * @val: its new value
 *
 * A lower limit gives back at once what every cache holds above it (with
 * 0, everything), so nothing waits in a stack that no longer takes frees.
 *
 * Context: Process context; may sleep.
 */
void aa_tcache_max_changed(long old, long val)
{
	if (val < old)
		aa_tcache_drain_all(false);
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
 * Context: Any context; the answer may be stale once preemption is allowed.
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

		if (arena && tc->arena != arena)
			continue;
		for (i = 0; i < aa_tcache_nbins; i++)
			hits[i] += data_race(tc->bins[i].nhits);	/* a stale word is fine */
	}
}
EXPORT_SYMBOL_IF_KUNIT(aa_tcache_hits_add);

/**
 * aa_tcache_gc_this_cpu() - run a GC pass on this CPU's cache now
 *
 * Context: Any context.
 */
void aa_tcache_gc_this_cpu(void)
{
	unsigned long flags;

	local_lock_irqsave(&aa_tcache->lock, flags);
	aa_tcache_gc(this_cpu_ptr(aa_tcache));
	local_unlock_irqrestore(&aa_tcache->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(aa_tcache_gc_this_cpu);

/* A dead CPU runs nothing: its cache is ours to empty without its lock. */
static int aa_tcache_cpu_dead(unsigned int cpu)
{
	aa_tcache_drain(per_cpu_ptr(aa_tcache, cpu));
	return 0;
}

/* GC runs on a CPU while it is online (called on that CPU). */
static int aa_tcache_gc_online(unsigned int cpu)
{
	struct aa_tcache *tc = per_cpu_ptr(aa_tcache, cpu);

	queue_delayed_work_on(cpu, aa_wq, &tc->gc_work, HZ);
	return 0;
}

static int aa_tcache_gc_offline(unsigned int cpu)
{
	cancel_delayed_work_sync(&per_cpu_ptr(aa_tcache, cpu)->gc_work);
	return 0;
}

/* ==== Setup ============================================================ */

/*
 * CPU to arena: the arenas of each node are dealt out round-robin to the
 * node's CPUs; a CPU whose node has no arena (no memory: a CPU-only node,
 * or fewer arenas than nodes) uses those of the nearest node that has one,
 * by node_distance(), as the page allocator would.  cpu_to_mem() cannot
 * say which: without CONFIG_HAVE_MEMORYLESS_NODES (x86) it is the CPU's
 * own node.
 */
static struct aa_arena *aa_arena_for_cpu(unsigned int cpu, unsigned int *rank)
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
	k = rank[best]++ % n;
	for (i = 0; i < aa_narenas_auto; i++)
		if (aa_arenas[i]->nid == best && !k--)
			break;
	return aa_arenas[i];
}

int aa_tcache_init(void)
{
	unsigned int cpu, i, total = 0;
	unsigned int *rank;
	int ret;

	aa_tcache_nbins = arenalloc_sc.nclasses;
	for (i = 0; i < aa_tcache_nbins; i++)
		total += aa_tbin_capacity(i);

	aa_wq = alloc_workqueue("arenalloc", WQ_MEM_RECLAIM, 0);
	aa_tcache = __alloc_percpu(struct_size_t(struct aa_tcache, bins, aa_tcache_nbins),
				   __alignof__(struct aa_tcache));
	rank = kcalloc(nr_node_ids, sizeof(*rank), GFP_KERNEL);
	if (!aa_wq || !aa_tcache || !rank) {
		ret = -ENOMEM;
		goto undo;
	}
	for_each_possible_cpu(cpu) {
		struct aa_tcache *tc = per_cpu_ptr(aa_tcache, cpu);
		void **slots = kcalloc_node(total, sizeof(void *), GFP_KERNEL,
					    cpu_to_mem(cpu));

		if (!slots) {
			ret = -ENOMEM;
			goto undo;
		}
		local_lock_init(&tc->lock);
		tc->arena = aa_arena_for_cpu(cpu, rank);
		tc->arena->nthreads++;
		tc->cpu = cpu;
		INIT_DEFERRABLE_WORK(&tc->gc_work, aa_tcache_gc_fn);
		for (i = 0; i < aa_tcache_nbins; i++) {
			tc->bins[i].max = aa_tbin_capacity(i);
			tc->bins[i].slots = slots;
			slots += tc->bins[i].max;
		}
	}
	atomic_long_add(num_possible_cpus() * (total * sizeof(void *) +
		struct_size_t(struct aa_tcache, bins, aa_tcache_nbins)), &aa_metadata_bytes);
	kfree(rank);

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

undo:
	kfree(rank);
	goto undo_slots;
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
