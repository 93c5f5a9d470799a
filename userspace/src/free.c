// SPDX-License-Identifier: GPL-2.0
/*
 * Deallocation entry points: free(), the sized and flagged frees, and
 * usable-size queries.
 *
 * free() looks the pointer up in the registry (two loads, no lock), reads
 * the class of its page from the chunk header, and pushes it on the
 * thread cache when there is room.  A pointer the registry does not know,
 * or that is not the start of a live allocation, is an invalid free
 * (aa_bad_free()): reported, and never allowed to touch the heap.  Double
 * frees are caught when the region reaches its slab (the slab bitmap
 * already has it free) or, for large and huge allocations, at once (their
 * page no longer names a class); debug builds also search the thread
 * cache's stack, which release builds skip to keep free() cheap.
 *
 * Memory of manual arenas never enters a thread cache, so that
 * "arena.<i>.destroy" finds nothing of its arena cached anywhere.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* Is @ptr the start of a region (or large extent) of class @l->szind? */
static inline bool region_start(const void *ptr, const struct aa_lookup *l)
{
	/*
	 * A pointer into a region rather than to its start would be handed
	 * out again, overlapping.  The page's index in its slab came with
	 * the class, so checking costs a multiply, and no load of the slab's
	 * descriptor.  A large extent names its class on its first page only,
	 * with index 0, and is larger than a page: the offset must be 0.
	 */
	size_t off = ((uintptr_t)ptr & (aa_g.page - 1)) + ((size_t)l->slab_pg << aa_g.lg_page);

	return ((off * aa_g.div_magic[l->szind]) >> 32) * aa_index2size(l->szind) == off;
}

/* Everything but a fast thread-cache push (reached out of line, from free_slow()). */
static void dalloc_slow(void *ptr, const struct aa_lookup *l, bool bypass)
{
	struct tcache *tc = aa_tsd.tcache;
	size_t usize;

	if (l->huge) {
		if (tc)
			tc->deallocated += l->huge->usize;
		aa_arena_dalloc_huge(l->huge);
		return;
	}
	if (!region_start(ptr, l)) {
		aa_bad_free("free(): invalid pointer", ptr);
		return;
	}
	usize = aa_index2size(l->szind);
	if (unlikely(aa_opt.junk & AA_JUNK_FREE))
		aa_junk_fill(ptr, 0x5a, usize);
	if (tc)
		tc->deallocated += usize;
	if (tc && !bypass && !l->manual && l->szind < aa_tcache_nbins) {
		struct tbin *b = &tc->bins[l->szind];

#ifdef ARENALLOC_DEBUG
		for (unsigned int i = 0; i < b->ncached; i++)
			if (b->avail[i] == ptr)
				aa_fatal("free(): double free: %p", ptr);
#endif
		if (b->ncached < b->ncap)
			b->avail[b->ncached++] = ptr;
		else
			aa_tcache_dalloc_slow(tc, ptr, l->szind);
		return;
	}
	aa_arena_dalloc(ptr, l->chunk, l->szind);
}

/*
 * The fast path: a region start of a cached class of an automatic arena's
 * chunk, room in its stack.  One registry lookup, the page's class and
 * slab position, one multiply for the region-start check, a push: no
 * lock, no atomic read-modify-write.  Classes the thread cache may take
 * are below aa_tcache_free_nbins, which is 0 when frees are junk-filled
 * (the slow path does that); AA_PINFO_NONE is above any, so a pointer to
 * no allocation start goes to the slow path and its report.
 */
static inline __attribute__((always_inline)) bool dalloc_fast(void *ptr)
{
#ifndef ARENALLOC_DEBUG
	uintptr_t base = (uintptr_t)ptr & ~(aa_g.chunk - 1);
	uintptr_t v = aa_rtree_get(ptr);
	struct tcache *tc = aa_tsd.tcache;	/* set only while the cache is live */

	/*
	 * An automatic arena's chunk is registered as its own address, with
	 * no flag: comparing with @base checks both, and lets the CPU load
	 * the page's class from @base while the registry lookup is under way
	 * (the branch is predicted; nothing is read before it is decided).
	 * free(NULL) and pointers below the first chunk have @base 0 and no
	 * entry: they must not pass.
	 */
	if (likely(v == base && v && tc)) {
		const struct chunk *c = (const struct chunk *)base;
		uint16_t pi = __atomic_load_n(&c->pinfo[((uintptr_t)ptr - base) >> aa_g.lg_page],
					      __ATOMIC_RELAXED);
		unsigned int ind = pi & 0xff;

		if (likely(ind < aa_tcache_free_nbins)) {
			struct tbin *b = &tc->bins[ind];
			size_t size = aa_index2size(ind);
			size_t off = ((uintptr_t)ptr & (aa_g.page - 1)) +
				     ((size_t)(pi >> 8) << aa_g.lg_page);

			/* Large classes: slab_pg 0 and off < size, so off must be 0. */
			if (likely(b->ncached < b->ncap &&
				   ((off * aa_g.div_magic[ind]) >> 32) * size == off)) {
				b->avail[b->ncached++] = ptr;
				tc->deallocated += size;
				return true;
			}
		}
	}
#else
	(void)ptr;
#endif
	return false;
}

/* Everything dalloc_fast() does not take; reports what is not ours as @what. */
static __attribute__((noinline)) void free_slow(void *ptr, bool bypass, const char *what)
{
	struct aa_lookup l;

	if (!ptr)
		return;
	if (unlikely(!aa_lookup(ptr, &l))) {
		aa_bad_free(what, ptr);
		return;
	}
	dalloc_slow(ptr, &l, bypass);
}

__attribute__((visibility("default")))
void arenalloc_free(void *ptr)
{
	if (likely(dalloc_fast(ptr)))
		return;
	free_slow(ptr, false, "free(): invalid pointer");
}

__attribute__((visibility("default")))
void arenalloc_dallocx(void *ptr, int flags)
{
	bool bypass = flags & ARENALLOC_TCACHE_NONE;

	if (likely(!bypass && dalloc_fast(ptr)))
		return;
	free_slow(ptr, bypass, "dallocx(): invalid pointer");
}

/* The size is a hint we could trust; it is checked in debug builds only. */
__attribute__((visibility("default")))
void arenalloc_sdallocx(void *ptr, size_t size, int flags)
{
#ifdef ARENALLOC_DEBUG
	if (ptr && arenalloc_nallocx(size, flags) != aa_usable_size(ptr))
		aa_fatal("sdallocx(): size %zu does not match %p", size, ptr);
#else
	(void)size;
#endif
	arenalloc_dallocx(ptr, flags);
}

/* Usable size of a live allocation of ours; 0 for anything else. */
size_t aa_usable_size(const void *ptr)
{
	struct aa_lookup l;

	if (!ptr || !aa_lookup(ptr, &l))
		return 0;
	return l.huge ? l.huge->usize : aa_index2size(l.szind);
}

__attribute__((visibility("default")))
size_t arenalloc_malloc_usable_size(void *ptr)
{
	return aa_usable_size(ptr);
}

__attribute__((visibility("default")))
size_t arenalloc_sallocx(const void *ptr, int flags)
{
	(void)flags;
	return aa_usable_size(ptr);
}
