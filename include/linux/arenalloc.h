/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arenalloc: in-kernel interface for other modules.
 *
 * Symbols are exported in the ARENALLOC namespace; a client module says
 * MODULE_IMPORT_NS(ARENALLOC) and gains a symbol dependency on arenalloc.ko,
 * which keeps arenalloc loaded while the client is.
 *
 * The interface follows jemalloc's: arenalloc_malloc() and friends for the
 * common case, arenalloc_mallocx() with ARENALLOC_* flags for alignment,
 * zeroing, a chosen arena or no per-CPU cache, and private arenas that a
 * subsystem creates and later destroys with everything they hold.
 *
 * Every allocation function takes the caller's gfp mask and checks it
 * with might_alloc(), a per-CPU cache hit included:
 *
 *   GFP_KERNEL        may sleep
 *   GFP_ATOMIC, GFP_NOWAIT  never sleep; work in interrupt context
 *   __GFP_ZERO        zeroes the memory, as ARENALLOC_ZERO does; so does
 *                     init_on_alloc, on every path (debug=1 junk-fills)
 *   __GFP_NOFAIL      never NULL when the mask allows direct reclaim (the
 *                     whole allocation is retried); without it, NULL and
 *                     a warning, as from the page allocator
 *   GFP_DMA, GFP_DMA32  refused: NULL and a warning (once)
 *   __GFP_HIGH, __GFP_MEMALLOC  reach the reserves for huge blocks and
 *                     metadata, never for a 2 MiB chunk refill
 *   __GFP_ACCOUNT     charges huge allocations (above the chunk size) to
 *                     the caller's memory cgroup; smaller objects share
 *                     chunks that are charged to no one
 *   __GFP_NOWARN      implied: arenalloc never warns about a failure
 *   __GFP_THISNODE, __GFP_MOVABLE, __GFP_RECLAIMABLE  ignored: the arena
 *                     decides the node, and objects never move
 *
 * Failure returns NULL.  arenalloc_free() takes NULL and ZERO_SIZE_PTR
 * (which arenalloc_realloc(p, 0) returns, as krealloc() does) and does
 * nothing.  With init_on_free, freed memory is zeroed.  Never mix with the
 * slab allocator: kfree(), kvfree(), krealloc() and ksize() must not see
 * arenalloc memory.  Documentation/arenalloc.rst has the whole contract.
 */
#ifndef _LINUX_ARENALLOC_H
#define _LINUX_ARENALLOC_H

#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/types.h>

#include <uapi/linux/arenalloc.h>

/*
 * Flags for arenalloc_mallocx(), arenalloc_nallocx() and
 * arenalloc_sdallocx(); OR them together.  The encoding is jemalloc's
 * MALLOCX_* encoding.
 */

/* Align to 1 << @lg bytes (up to the chunk size). */
#define ARENALLOC_LG_ALIGN(lg)	((int)(lg))
/*
 * Align to @a bytes.  @a must be a power of two (1 means no alignment);
 * anything else, 0 included, gives meaningless flags.
 */
#define ARENALLOC_ALIGN(a)	((int)(__builtin_ffsl((long)(a)) - 1))
/* Zero the memory, as __GFP_ZERO does. */
#define ARENALLOC_ZERO		0x40
/*
 * Neither take from nor return to the per-CPU cache (arenalloc_sdallocx():
 * give the memory straight back to its arena).
 */
#define ARENALLOC_TCACHE_NONE	0x80
/*
 * Allocate from arena @id: an id from arenalloc_arena_create() (check it
 * for errors first; 256 and up, whatever narenas is) or an automatic
 * arena, 0 .. narenas - 1 (narenas may change at run time: an automatic
 * arena at or above it is refused).  Objects of a private arena never
 * pass through the per-CPU caches.  For arenalloc_sdallocx(): the memory
 * must be that arena's.
 */
#define ARENALLOC_ARENA(id)	((int)(((unsigned int)(id) + 1) << 20))

/* Flags for arenalloc_arena_create(). */
#define ARENALLOC_ARENA_STRICT_NODE	0x1	/* fail rather than leave @node */

/*
 * The exported entry points behind arenalloc_malloc() below; call the
 * wrapper, not these.  A client module links to them, not to a symbol
 * named arenalloc_malloc, so one built against an older copy of this
 * header must be rebuilt (the module is out of tree and unversioned).
 */
void *__arenalloc_malloc(size_t size, gfp_t gfp);
void *__arenalloc_malloc_class(size_t size, unsigned int szind, gfp_t gfp);

/* Largest size arenalloc_size_index() is defined for. */
#define ARENALLOC_INDEX_MAX	BIT_ULL(32)

/**
 * arenalloc_size_index() - arenalloc's size class of @size
 * @size: bytes, at most ARENALLOC_INDEX_MAX
 *
 * The class index (common/sizeclass.h, asc_size2index(), which a KUnit
 * case holds it to): 8, 16, 32, 48, 64, then four classes per doubling.
 * For a constant @size the compiler works it out, as kmalloc_index()
 * does for kmalloc().
 *
 * Context: Any.
 * Return: the index.
 */
static __always_inline unsigned int arenalloc_size_index(size_t size)
{
	unsigned int lg;

	if (size <= 8)
		return 0;
	if (size <= 64)
		return (size + 15) >> 4;
	lg = 64 - __builtin_clzll((unsigned long long)size - 1);
	return 5 + (lg - 7) * 4 +
	       ((size - (1ULL << (lg - 1)) + (1ULL << (lg - 3)) - 1) >> (lg - 3)) - 1;
}

/**
 * arenalloc_malloc() - allocate memory
 * @size: bytes wanted
 * @gfp:  allocation flags
 *
 * A constant @size is folded to its size class at compile time.
 *
 * Context: As arenalloc_mallocx().
 * Return: at least @size bytes aligned to at least 8 (16 from 16 bytes
 * up; to @size itself when @size is a power of two, as with kmalloc()),
 * or NULL.
 */
static __always_inline void *arenalloc_malloc(size_t size, gfp_t gfp)
{
	if (__builtin_constant_p(size) && size <= ARENALLOC_INDEX_MAX)
		return __arenalloc_malloc_class(size, arenalloc_size_index(size), gfp);
	return __arenalloc_malloc(size, gfp);
}

void *arenalloc_calloc(size_t n, size_t size, gfp_t gfp);
void *arenalloc_realloc(void *ptr, size_t size, gfp_t gfp);
void arenalloc_free(void *ptr);

void *arenalloc_mallocx(size_t size, int flags, gfp_t gfp);
void arenalloc_sdallocx(void *ptr, size_t size, int flags);
size_t arenalloc_usable_size(const void *ptr);
size_t arenalloc_nallocx(size_t size, int flags);

int arenalloc_arena_create(int node, unsigned int flags);
int arenalloc_arena_destroy(int id);

#endif /* _LINUX_ARENALLOC_H */
