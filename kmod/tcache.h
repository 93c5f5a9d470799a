/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU caches' hit path, inlined into the API (api.c) so that a hit
 * makes no call.  tcache.c has the rules; in short: this CPU's cache is
 * taken with preemption off and its "in use" marker set, never with
 * interrupts off.  A caller that finds the marker set (an interrupt that
 * came while this CPU's task had the cache) does not wait: it uses its
 * arena directly.
 */
#ifndef _ARENALLOC_TCACHE_H
#define _ARENALLOC_TCACHE_H

#include <linux/kmemleak.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/workqueue.h>

#include "internal.h"

#define AA_REMOTE_MAX		32	/* remote frees queued per CPU */

/**
 * struct aa_tbin - the cached objects of one size class on one CPU
 * @ncached:   objects in @slots; @slots[@ncached - 1] is the next out
 * @low_water: smallest @ncached since the last GC pass
 * @max:       how many @slots may hold: its capacity, or 0 while
 *             tcache_max does not let the class be cached (and for the
 *             indices past the last class)
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
 * struct aa_tcache - one CPU's cache; every field but @next, @cpu and
 * @gc_work belongs to whoever holds @in_use
 * @in_use:   the marker: set while a caller on this CPU uses the cache
 *            (tcache.c); only this CPU writes it
 * @dep_map:  lockdep's view of the marker, a trylock
 * @arena:    the CPU's automatic arena.  Written only with the marker
 *            held, on its own CPU (or while the CPU is offline), by
 *            aa_tcache_rebind() when narenas changes, with WRITE_ONCE();
 *            read plainly with the marker held (the hit path), otherwise
 *            with READ_ONCE() inside an aa_arena_srcu section
 *            (aa_this_cpu_arena()) or racily by statistics
 * @next:     the arena aa_tcache_rebind() binds the CPU to next
 *            (aa_narenas_lock)
 * @cpu:      the CPU it belongs to; fixed at init
 * @gc_work:  the GC pass, queued on @cpu while it is online (its own
 *            locking: the workqueue's)
 * @nremote:  entries in @remote
 * @remote:   objects of other arenas waiting to go back
 * @misses:   allocations that had to refill
 * @fills:    objects moved from arenas into the cache
 * @flushes:  objects moved from the cache back to arenas
 * @bins:     one per possible size class index (ASC_NCLASSES_MAX), so that
 *            the hit path needs no bound check
 */
struct aa_tcache {
	unsigned int in_use;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif
	struct aa_arena *arena;
	struct aa_arena *next;
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

extern struct aa_tcache __percpu *aa_tcache;

/**
 * aa_tcache_tryget() - take this CPU's cache
 * @tcp: set to the cache
 *
 * Context: Any context but NMI.  On success preemption is off until
 * aa_tcache_put().
 * Return: true, or false (preemption as it was) when a caller this one
 * interrupted holds the cache.
 */
static __always_inline bool aa_tcache_tryget(struct aa_tcache **tcp)
{
	struct aa_tcache *tc;

	preempt_disable();
	tc = this_cpu_ptr(aa_tcache);
	/*
	 * Only this CPU writes @in_use, and whoever interrupts us between the
	 * test and the store has put the cache back before we resume.
	 */
	if (unlikely(READ_ONCE(tc->in_use))) {
		preempt_enable();
		return false;
	}
	WRITE_ONCE(tc->in_use, 1);
	/* The cache's fields are touched only after the marker is set. */
	barrier();
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lock_map_acquire_try(&tc->dep_map);
#endif
	*tcp = tc;
	return true;
}

/* As aa_tcache_tryget(): the cache, or NULL. */
static __always_inline struct aa_tcache *aa_tcache_get(void)
{
	struct aa_tcache *tc;

	return aa_tcache_tryget(&tc) ? tc : NULL;
}

/* Puts back the cache aa_tcache_get() returned. */
static __always_inline void aa_tcache_put(struct aa_tcache *tc)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lock_map_release(&tc->dep_map);
#endif
	/* ... and all of them before it is cleared. */
	barrier();
	WRITE_ONCE(tc->in_use, 0);
	preempt_enable();
}

/**
 * aa_tcache_pop() - an object of class @szind from this CPU's cache
 * @szind: a size class index below ASC_NCLASSES_MAX
 * @ptrp:  set to the object
 *
 * Context: Any context but NMI.
 * Return: true, or false when the stack is empty or the cache is in use
 * by the caller this one interrupted (aa_tcache_alloc() then).
 */
static __always_inline bool aa_tcache_pop(unsigned long szind, void **ptrp)
{
	struct aa_tcache *tc;
	struct aa_tbin *bin;
	unsigned int n;

	if (unlikely(!aa_tcache_tryget(&tc)))
		return false;
	bin = &tc->bins[szind];
	n = bin->ncached;
	if (unlikely(!n)) {
		aa_tcache_put(tc);
		return false;
	}
	*ptrp = bin->slots[--n];
	bin->ncached = n;
	if (n < bin->low_water)
		bin->low_water = n;
	bin->nhits++;
	aa_tcache_put(tc);
	return true;
}

void aa_tcache_free_slow(struct aa_tcache *tc, void *ptr, struct aa_arena *arena,
			 unsigned long szind, unsigned long caller);

/**
 * aa_tcache_free_put() - put an object into this CPU's cache, and the
 * cache back
 * @tc:     this CPU's cache, taken
 * @ptr:    a live object of an automatic arena, registered with kmemleak
 * @arena:  its arena
 * @szind:  its size class
 * @caller: return address of the API call, for a report
 *
 * The hit is a push onto the object's stack.  Everything else is
 * aa_tcache_free_slow()'s, a tail call, so that nothing need live across
 * a call here: an object of another arena, a full stack (or one of a class
 * tcache_max turned off, whose max is 0), and a free of the object on top
 * of the stack, a double free.
 *
 * Context: Any context but NMI, with @tc taken; puts it back.
 */
static __always_inline void aa_tcache_free_put(struct aa_tcache *tc, void *ptr,
					       struct aa_arena *arena, unsigned long szind,
					       unsigned long caller)
{
	struct aa_tbin *bin = &tc->bins[szind];
	unsigned int n = bin->ncached;

	if (unlikely(arena != tc->arena || n == bin->max || (n && bin->slots[n - 1] == ptr))) {
		aa_tcache_free_slow(tc, ptr, arena, szind, caller);
		return;
	}
	kmemleak_free(ptr);
	bin->slots[n] = ptr;
	bin->ncached = n + 1;
	aa_tcache_put(tc);
}

#endif /* _ARENALLOC_TCACHE_H */
