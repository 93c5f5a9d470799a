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

static void dalloc(void *ptr, const struct aa_lookup *l, bool bypass)
{
	struct aa_tsd *t = &aa_tsd;
	struct tcache *tc;
	size_t usize;

	if (unlikely(l->huge)) {
		if (t->state == AA_TSTATE_LIVE)
			t->tcache->deallocated += l->huge->usize;
		aa_arena_dalloc_huge(l->huge);
		return;
	}
	usize = aa_index2size(l->szind);
	if (asc_is_small(&aa_g.sc, l->szind)) {
		/*
		 * A pointer into a region rather than to its start would be
		 * handed out again, overlapping: check it is a region start
		 * (one load of the slab's address and a multiply).
		 */
		struct chunk *c = l->chunk;
		const struct extent *e = c->map[((uintptr_t)ptr - (uintptr_t)c) >> aa_g.lg_page];
		size_t off = (size_t)((char *)ptr - (char *)e->addr);

		if (unlikely(((off * aa_g.div_magic[l->szind]) >> 32) * usize != off)) {
			aa_bad_free("free(): invalid pointer", ptr);
			return;
		}
	}
	if (unlikely(aa_opt.junk & AA_JUNK_FREE))
		aa_junk_fill(ptr, 0x5a, usize);
	if (likely(t->state == AA_TSTATE_LIVE) && !bypass && !l->chunk->manual &&
	    l->szind < aa_tcache_nbins) {
		struct tbin *b;

		tc = t->tcache;
		b = &tc->bins[l->szind];
		tc->deallocated += usize;
#ifdef ARENALLOC_DEBUG
		for (unsigned int i = 0; i < b->ncached; i++)
			if (b->avail[i] == ptr)
				aa_fatal("free(): double free: %p", ptr);
#endif
		if (likely(b->ncached < b->ncap)) {
			b->avail[b->ncached++] = ptr;
			return;
		}
		aa_tcache_dalloc_slow(tc, ptr, l->szind);
		return;
	}
	if (t->state == AA_TSTATE_LIVE)
		t->tcache->deallocated += usize;
	aa_arena_dalloc(ptr, l->chunk, l->szind);
}

__attribute__((visibility("default")))
void arenalloc_free(void *ptr)
{
	struct aa_lookup l;

	if (unlikely(!ptr))
		return;
	if (unlikely(!aa_lookup(ptr, &l))) {
		aa_bad_free("free(): invalid pointer", ptr);
		return;
	}
	dalloc(ptr, &l, false);
}

__attribute__((visibility("default")))
void arenalloc_dallocx(void *ptr, int flags)
{
	struct aa_lookup l;

	if (unlikely(!ptr))
		return;
	if (unlikely(!aa_lookup(ptr, &l))) {
		aa_bad_free("dallocx(): invalid pointer", ptr);
		return;
	}
	dalloc(ptr, &l, flags & ARENALLOC_TCACHE_NONE);
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
