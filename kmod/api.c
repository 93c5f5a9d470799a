// SPDX-License-Identifier: GPL-2.0
/*
 * The exported interface (include/linux/arenalloc.h).
 *
 * Every call works out the usable size from the size classes, picks the
 * arena (the CPU's own unless a flag names one), and goes through the
 * CPU's cache when the class is cached and no flag says otherwise.  Frees
 * find the owner through the lockless registry lookup (arena.c), so a
 * pointer arenalloc did not hand out is recognised and refused before
 * anything is touched.
 *
 * The hit path: arenalloc_malloc() (its constant sizes folded to their
 * class by include/linux/arenalloc.h) and arenalloc_free() take the CPU's
 * cache and pop or push without a call (aa_malloc_fast(), aa_free_fast(),
 * with tcache.h); everything else, and every case they do not cover
 * (debug mode, refused flags, a miss, a full stack, a pointer the fast
 * lookup does not vouch for), goes the general way, aa_mallocx() and
 * aa_free(), out of line.  The checks of the general way stay on the hit
 * path: might_alloc(), init_on_alloc and init_on_free zeroing, the double
 * free check against the top of the stack or remote list, and natural
 * alignment, which comes with the class.
 *
 * Allocations are registered with kmemleak one by one, so a client's leak
 * of arenalloc memory is reported like a leak of kmalloc memory; a free
 * tells kmemleak before the memory can be handed out again (in the
 * per-CPU cache or the arena, under their locks).
 *
 * The contract with callers, flag by flag and compared with kmalloc, is in
 * include/linux/arenalloc.h and Documentation/arenalloc.rst.
 *
 * narenas at run time (aa_narenas_set(), at the end): raising it makes
 * arenas and binds CPUs to them; lowering it retires arenas (no CPU bound,
 * no id lookup), and the reaper frees each once empty.  Private arenas'
 * ids start at AA_PRIVATE_FIRST, above every automatic id, so no change
 * renumbers an arena.
 *
 * Locking: aa_narenas_lock (mutex) serialises narenas changes and
 * protects aa_narenas_auto, the CPUs' bindings and arena->nthreads;
 * aa_arenas_lock, the arena table and arena->state.  An arena used
 * without either is kept alive by aa_arena_srcu (allocation paths that may
 * sleep) or RCU (the free path's lookup and free); arena.c has the order
 * and the rules, tcache.c the per-CPU caches'.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/arenalloc.h>

#include "internal.h"
#include "tcache.h"

#define AA_FLAG_LG_ALIGN_MASK	0x3f
#define AA_FLAG_ARENA_SHIFT	20

/* ==== Flags ============================================================ */

/* Zone modifiers: arenalloc's memory lies in whatever zone its chunks do. */
#define AA_GFP_REFUSED		(__GFP_DMA | __GFP_DMA32)

static size_t aa_flags_align(int flags)
{
	unsigned int lg = flags & AA_FLAG_LG_ALIGN_MASK;

	return lg ? 1UL << lg : 0;
}

/*
 * The arena a flag names: NULL if none is named, ERR_PTR if it is bad: no
 * such arena, or an automatic one that narenas has retired (it takes no
 * new allocation; its objects are still freed normally).  Under
 * aa_arena_srcu, which keeps what it returns alive (arena.c).
 */
static struct aa_arena *aa_flags_arena(int flags)
{
	unsigned int id = (unsigned int)flags >> AA_FLAG_ARENA_SHIFT;
	struct aa_arena *arena;

	if (!id)
		return NULL;
	if (--id >= AA_ARENAS_MAX)
		return ERR_PTR(-EINVAL);
	arena = READ_ONCE(aa_arenas[id]);
	if (!arena || READ_ONCE(arena->state) != AA_ARENA_LIVE)
		return ERR_PTR(-EINVAL);
	return arena;
}

/*
 * Usable size for @size with @align (0: none); 0 when nothing can serve it.
 * Huge sizes are whole blocks of pages, as the page allocator hands out.
 */
static size_t aa_class_size(size_t size, size_t align)
{
	size_t usize;

	if (!size)
		size = 1;
	if (align > arenalloc_sc.large_max)
		return 0;
	usize = align ? asc_sa2u(&arenalloc_sc, size, align) : asc_s2u(&arenalloc_sc, size);
	if (usize)
		return usize;
	/* Huge: a block of its own, naturally aligned to its size. */
	size = max(size, align);
	if (size > (PAGE_SIZE << MAX_PAGE_ORDER))
		return 0;
	return PAGE_SIZE << get_order(size);
}

/*
 * The layout of a request, decided here and nowhere else: the class size
 * it is allocated with (0: it cannot be served) and, in debug mode,
 * whether it carries a redzone and trailer (@debug).  Debug mode
 * instruments every object below the huge sizes; a request too close to
 * the chunk size for the trailer to fit is served as huge, uninstrumented.
 * So free, usable_size, realloc and sdallocx know an object is
 * instrumented from its class alone: debug mode and not huge.
 */
static __always_inline size_t aa_layout(size_t size, size_t align, bool *debug)
{
	size_t padded, usize;

	*debug = false;
	if (!aa_debug())
		return aa_class_size(size, align);
	if (!check_add_overflow(max_t(size_t, size, 1), AA_DEBUG_EXTRA, &padded)) {
		usize = aa_class_size(padded, align);
		if (usize && usize <= arenalloc_sc.large_max) {
			*debug = true;
			return usize;
		}
	}
	return aa_class_size(max_t(size_t, size, arenalloc_sc.large_max + 1), align);
}

/* What usable_size() reports for such a request: see aa_layout(). */
static size_t aa_usable(size_t size, size_t align)
{
	bool debug;
	size_t usize = aa_layout(size, align, &debug);

	return debug ? max_t(size_t, size, 1) : usize;
}

/* Usable size of a live allocation, as the caller sees it. */
static size_t aa_ptr_usable(const void *ptr, const struct aa_ptr_info *info)
{
	if (aa_debug() && info->szind != UINT_MAX)
		return aa_debug_size(ptr, info->usize);
	return info->usize;
}

/* ==== Allocation ======================================================= */

/*
 * Whether a request of @usize bytes goes through this CPU's cache: no
 * arena named, the cache not refused, a cached class.  Decided once per
 * request, since tcache_max may change meanwhile.
 */
static __always_inline bool aa_cacheable(size_t usize, size_t align, int flags)
{
	return usize <= arenalloc_sc.large_max && !(flags & ARENALLOC_TCACHE_NONE) &&
	       !((unsigned int)flags >> AA_FLAG_ARENA_SHIFT) && align <= PAGE_SIZE &&
	       usize <= (size_t)arenalloc_knob_get(&arenalloc_knob_tcache_max);
}

/*
 * One attempt at @usize bytes: from @arena, or through this CPU's cache
 * when it is NULL.  NULL when the memory is not there now.
 */
static __always_inline void *aa_alloc(struct aa_arena *arena, size_t usize,
				      size_t align, gfp_t gfp)
{
	unsigned int szind;
	void *ptr;

	if (!arena)
		return aa_tcache_alloc(asc_size2index(usize), gfp);
	if (usize > arenalloc_sc.large_max)
		return aa_arena_alloc_huge(arena, usize, gfp);
	szind = asc_size2index(usize);
	if (asc_is_small(&arenalloc_sc, szind))
		return aa_arena_alloc_small(arena, szind, &ptr, 1, gfp) ? ptr : NULL;
	return aa_arena_alloc_large(arena, szind, max_t(size_t, align, PAGE_SIZE), gfp);
}

/*
 * __GFP_NOFAIL: arenalloc's own page and metadata allocations never carry
 * it (the page allocator warns about it above order 1, and a chunk is
 * order 9), so the whole attempt is retried here instead, waiting as the
 * page allocator does between its retries.  Like the page allocator, this
 * needs a mask that allows direct reclaim.
 */
static void *aa_alloc_retry(struct aa_arena *arena, size_t usize, size_t align,
			    gfp_t gfp, unsigned long caller)
{
	void *ptr = aa_alloc(arena, usize, align, gfp);

	if (likely(ptr) || !(gfp & __GFP_NOFAIL))
		return ptr;
	if (!gfpflags_allow_blocking(gfp)) {
		aa_report_bad_gfp(gfp, caller);
		return NULL;
	}
	do {
		memalloc_retry_wait(gfp);
		ptr = aa_alloc(arena, usize, align, gfp);
	} while (!ptr);
	return ptr;
}

/*
 * A request that uses an arena directly: the one @flags names, else this
 * CPU's.  The arena is looked up and used inside one aa_arena_srcu
 * read-side section, which keeps it from being freed meanwhile (arena.c).
 */
static void *aa_alloc_direct(size_t usize, size_t align, int flags, gfp_t gfp,
			     unsigned long caller)
{
	struct aa_arena *arena;
	void *ptr = NULL;
	int idx;

	idx = srcu_read_lock(&aa_arena_srcu);
	arena = aa_flags_arena(flags);
	if (!IS_ERR(arena))
		ptr = aa_alloc_retry(arena ?: aa_this_cpu_arena(), usize, align, gfp, caller);
	srcu_read_unlock(&aa_arena_srcu, idx);
	return ptr;
}

static noinline void *aa_mallocx(size_t size, int flags, gfp_t gfp, unsigned long caller)
{
	size_t align = aa_flags_align(flags);
	size_t usize;
	bool debug;
	void *ptr;

	might_alloc(gfp);
	if (unlikely(gfp & AA_GFP_REFUSED)) {
		aa_report_bad_gfp(gfp, caller);
		return NULL;
	}
	usize = aa_layout(size, align, &debug);
	if (!usize)
		return NULL;
	/* Debug mode keeps objects out of the caches: see debug.c. */
	if (debug)
		flags |= ARENALLOC_TCACHE_NONE;
	if (aa_cacheable(usize, align, flags))
		ptr = aa_alloc_retry(NULL, usize, align, gfp, caller);
	else
		ptr = aa_alloc_direct(usize, align, flags, gfp, caller);
	if (unlikely(!ptr))
		return NULL;
	if (debug)
		aa_debug_prepare(ptr, max_t(size_t, size, 1), usize,
				 (flags & ARENALLOC_ZERO) || (gfp & __GFP_ZERO));
	else if ((flags & ARENALLOC_ZERO) || want_init_on_alloc(gfp))
		memset(ptr, 0, usize);
	kmemleak_alloc(ptr, usize, 1, gfp);
	return ptr;
}

/**
 * arenalloc_mallocx() - allocate memory, with jemalloc-style flags
 * @size:  bytes wanted; 0 gets the smallest class
 * @flags: ARENALLOC_ALIGN(), ARENALLOC_ZERO, ARENALLOC_TCACHE_NONE,
 *         ARENALLOC_ARENA(), or 0
 * @gfp:   allocation flags, treated as include/linux/arenalloc.h lists
 *
 * Alignment may be any power of two up to the chunk size.  Memory comes
 * from the named arena, or else from the arena of the CPU's node.  The
 * memory is zeroed for ARENALLOC_ZERO, __GFP_ZERO, and always when the
 * kernel runs with init_on_alloc (but debug=1 junk-fills instead).
 *
 * Context: Process context with a gfp mask that may sleep; any context,
 * interrupts included, with GFP_ATOMIC or GFP_NOWAIT.  Checked with
 * might_alloc() on every call, a per-CPU cache hit included.
 * Return: at least @size bytes, aligned as asked, or NULL when there is no
 * memory (never with __GFP_NOFAIL and a mask that may sleep), the size or
 * alignment cannot be served, the arena does not exist (or is an automatic
 * arena that a lower narenas retired), or @gfp asks for
 * GFP_DMA or GFP_DMA32 (refused with a warning, once).
 */
void *arenalloc_mallocx(size_t size, int flags, gfp_t gfp)
{
	return aa_mallocx(size, flags, gfp, _RET_IP_);
}
EXPORT_SYMBOL_NS_GPL(arenalloc_mallocx, ARENALLOC);

/*
 * Class of @size for the hit path: a table up to 1 KiB, as kmalloc's
 * size_index[], then the closed form.  The caller has checked @size
 * against the largest class.
 */
#define AA_INDEX_TAB_MAX	1024
static u8 aa_size_index_tab[AA_INDEX_TAB_MAX / 8 + 1] __read_mostly;

static __always_inline unsigned int aa_size_index(size_t size)
{
	if (size <= AA_INDEX_TAB_MAX)
		return aa_size_index_tab[(size + 7) >> 3];
	return asc_size2index(size);
}

/*
 * The allocation hit path: class @szind of @size from this CPU's cache;
 * everything else through aa_mallocx().
 */
static __always_inline void *aa_malloc_fast(size_t size, unsigned long szind, gfp_t gfp,
					    unsigned long caller)
{
	size_t zero;
	void *ptr;

	/* A class index past the last class has an empty stack: no check. */
	if (unlikely(aa_debug() || (gfp & AA_GFP_REFUSED) || !aa_tcache_pop(szind, &ptr)))
		return aa_mallocx(size, 0, gfp, caller);
	/* Decided before might_alloc()'s call, so that less lives across it. */
	zero = want_init_on_alloc(gfp) ? aa_class_bytes[szind] : 0;
	kmemleak_alloc(ptr, aa_class_bytes[szind], 1, gfp);
	might_alloc(gfp);
	if (zero)
		memset(ptr, 0, zero);
	return ptr;
}

/**
 * __arenalloc_malloc() - arenalloc_malloc() of a size not known at
 * compile time
 * @size: bytes wanted
 * @gfp:  allocation flags
 *
 * Call arenalloc_malloc() (include/linux/arenalloc.h), which picks this
 * or __arenalloc_malloc_class().
 *
 * Context: As arenalloc_mallocx().
 * Return: as arenalloc_malloc().
 */
void *__arenalloc_malloc(size_t size, gfp_t gfp)
{
	if (unlikely(size > arenalloc_sc.large_max))
		return aa_mallocx(size, 0, gfp, _RET_IP_);
	return aa_malloc_fast(size, aa_size_index(size), gfp, _RET_IP_);
}
EXPORT_SYMBOL_NS_GPL(__arenalloc_malloc, ARENALLOC);

/**
 * __arenalloc_malloc_class() - arenalloc_malloc() of a constant size
 * @size:  bytes wanted
 * @szind: arenalloc_size_index(@size), worked out at compile time
 * @gfp:   allocation flags
 *
 * Call arenalloc_malloc() (include/linux/arenalloc.h), which picks this
 * or __arenalloc_malloc().
 *
 * Context: As arenalloc_mallocx().
 * Return: as arenalloc_malloc().
 */
void *__arenalloc_malloc_class(size_t size, unsigned int szind, gfp_t gfp)
{
	BUILD_BUG_ON(arenalloc_size_index(ARENALLOC_INDEX_MAX) >= ASC_NCLASSES_MAX);
	return aa_malloc_fast(size, szind, gfp, _RET_IP_);
}
EXPORT_SYMBOL_NS_GPL(__arenalloc_malloc_class, ARENALLOC);

/**
 * arenalloc_calloc() - allocate zeroed memory for an array
 * @n:    elements
 * @size: bytes per element
 * @gfp:  allocation flags
 *
 * Context: As arenalloc_mallocx().
 * Return: @n * @size zeroed bytes, or NULL (also when @n * @size overflows).
 */
void *arenalloc_calloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (check_mul_overflow(n, size, &bytes))
		return NULL;
	return aa_mallocx(bytes, ARENALLOC_ZERO, gfp, _RET_IP_);
}
EXPORT_SYMBOL_NS_GPL(arenalloc_calloc, ARENALLOC);

/* ==== Free ============================================================= */

/*
 * Frees @ptr, which aa_lookup() found as @info.  Huge blocks are wiped by
 * the page allocator itself under init_on_free.
 */
static void aa_free_found(void *ptr, const struct aa_ptr_info *info, int flags,
			  unsigned long caller)
{
	if (info->szind != UINT_MAX) {
		if (aa_debug()) {
			if (!aa_debug_check_free(ptr, info->usize, caller))
				return;
		} else {
			if (want_init_on_free())
				memset(ptr, 0, info->usize);
			if (!info->arena->private && !(flags & ARENALLOC_TCACHE_NONE) &&
			    aa_tcache_free(ptr, info, caller))
				return;
		}
	}
	/* Checked under the arena lock, which also tells kmemleak. */
	if (!aa_arena_free(info->arena, ptr))
		aa_report_bad_free(ptr, caller);
}

/*
 * The lookup and the free in one RCU read-side section: the arena the
 * lookup found outlives it even if @ptr is bad and the arena a retired one
 * being freed (arena.c).
 */
static noinline void aa_free(void *ptr, int flags, unsigned long caller)
{
	struct aa_ptr_info info;

	rcu_read_lock();
	if (aa_lookup(ptr, &info))
		aa_report_bad_free(ptr, caller);
	else
		aa_free_found(ptr, &info, flags, caller);
	rcu_read_unlock();
}

/* arenalloc_free() the general way; NULL and ZERO_SIZE_PTR do nothing. */
static noinline void aa_free_any(void *ptr, unsigned long caller)
{
	if (!ZERO_OR_NULL_PTR(ptr))
		aa_free(ptr, 0, caller);
}

/* The hit path with init_on_free: zeroes, then aa_tcache_free_put(). */
static noinline void aa_free_wipe_put(struct aa_tcache *tc, void *ptr,
				      struct aa_arena *arena, unsigned long szind,
				      unsigned long caller)
{
	memset(ptr, 0, aa_class_bytes[szind]);
	aa_tcache_free_put(tc, ptr, arena, szind, caller);
}

/**
 * arenalloc_free() - free memory from any arenalloc allocation function
 * @ptr: the memory, or NULL or ZERO_SIZE_PTR (then nothing happens)
 *
 * A pointer arenalloc did not hand out, or an interior pointer, is
 * refused: nothing changes and a warning names the caller (once).  A
 * pointer freed already is refused the same way with debug=1, always, and
 * otherwise when it is still the last object freed of its class on this
 * CPU (the check SLUB's hardened freelist makes) or it has reached its
 * arena; one freed twice in between goes unnoticed until the per-CPU cache
 * gives it back (reported then, without the caller) or, if it was handed
 * out again in the meantime, at all.  With init_on_free the memory is
 * zeroed (debug=1 junk-fills it instead).
 *
 * Never pass arenalloc memory to kfree(), kvfree(), krealloc() or ksize(),
 * nor slab memory here: each allocator refuses or corrupts the other's.
 *
 * Context: Any context.
 */
void arenalloc_free(void *ptr)
{
	struct aa_tcache *tc;
	struct aa_chunk *chunk;
	unsigned long szind;

	/*
	 * The hit path: into this CPU's cache, if the lookup vouches for the
	 * pointer.  Every other way out is a tail call, so nothing lives
	 * across a call.
	 */
	if (unlikely(aa_debug()) || unlikely(!aa_tcache_tryget(&tc))) {
		aa_free_any(ptr, _RET_IP_);
		return;
	}
	/* NULL and ZERO_SIZE_PTR lie below the direct map: not found. */
	chunk = aa_lookup_fast(ptr, &szind);
	if (unlikely(!chunk)) {
		aa_tcache_put(tc);
		aa_free_any(ptr, _RET_IP_);
		return;
	}
	if (want_init_on_free()) {
		aa_free_wipe_put(tc, ptr, chunk->b.arena, szind, _RET_IP_);
		return;
	}
	aa_tcache_free_put(tc, ptr, chunk->b.arena, szind, _RET_IP_);
}
EXPORT_SYMBOL_NS_GPL(arenalloc_free, ARENALLOC);

/**
 * arenalloc_sdallocx() - free memory whose size the caller knows
 * @ptr:   the memory, or NULL or ZERO_SIZE_PTR (then nothing happens)
 * @size:  the size it was allocated with
 * @flags: the flags it was allocated with
 *
 * @size, the alignment in @flags and an ARENALLOC_ARENA() in @flags must be
 * those of the allocation; they are checked, and a mismatch is refused
 * like a bad free.  ARENALLOC_TCACHE_NONE gives the memory straight back to
 * its arena, past the per-CPU cache.  ARENALLOC_ZERO means nothing here.
 *
 * Context: Any context.
 */
void arenalloc_sdallocx(void *ptr, size_t size, int flags)
{
	unsigned int id = (unsigned int)flags >> AA_FLAG_ARENA_SHIFT;
	struct aa_ptr_info info;

	if (ZERO_OR_NULL_PTR(ptr))
		return;
	/* By id: an object of a retired arena is freed with its flags too. */
	rcu_read_lock();
	if (aa_lookup(ptr, &info) || (id && id - 1 != info.arena->id) ||
	    aa_ptr_usable(ptr, &info) != aa_usable(size, aa_flags_align(flags)))
		aa_report_bad_free(ptr, _RET_IP_);
	else
		aa_free_found(ptr, &info, flags, _RET_IP_);
	rcu_read_unlock();
}
EXPORT_SYMBOL_NS_GPL(arenalloc_sdallocx, ARENALLOC);

/* ==== Sizes ============================================================ */

/**
 * arenalloc_usable_size() - bytes usable at @ptr
 * @ptr: memory from an arenalloc allocation function
 *
 * Context: Any context.
 * Return: the usable size (at least what was asked for), or 0 for NULL,
 * ZERO_SIZE_PTR or a pointer arenalloc did not hand out.
 */
size_t arenalloc_usable_size(const void *ptr)
{
	struct aa_ptr_info info;

	if (ZERO_OR_NULL_PTR(ptr) || aa_lookup(ptr, &info))
		return 0;
	return aa_ptr_usable(ptr, &info);
}
EXPORT_SYMBOL_NS_GPL(arenalloc_usable_size, ARENALLOC);

/**
 * arenalloc_nallocx() - usable size an allocation would get
 * @size:  bytes
 * @flags: as for arenalloc_mallocx(); only the alignment matters
 *
 * Context: Any context.
 * Return: what arenalloc_usable_size() will report for
 * arenalloc_mallocx(@size, @flags), or 0 if it cannot be served.
 */
size_t arenalloc_nallocx(size_t size, int flags)
{
	return aa_usable(size, aa_flags_align(flags));
}
EXPORT_SYMBOL_NS_GPL(arenalloc_nallocx, ARENALLOC);

/*
 * Keeps @ptr where it is at @size (no larger than it can hold): the bytes
 * from @size to its usable size are zeroed when @gfp asks for zeroing
 * (__GFP_ZERO or init_on_alloc), as krealloc() does, so that a later grow
 * in place shows no old bytes; in debug mode they become redzone instead.
 */
static void *aa_realloc_in_place(void *ptr, size_t size, const struct aa_ptr_info *info,
				 gfp_t gfp)
{
	if (aa_debug() && info->szind != UINT_MAX)
		aa_debug_resize(ptr, size, info->usize);
	else if (want_init_on_alloc(gfp))
		memset(ptr + size, 0, info->usize - size);
	return ptr;
}

/**
 * arenalloc_realloc() - resize memory, keeping its content
 * @ptr:  memory from arenalloc, or NULL or ZERO_SIZE_PTR (then this is
 *        arenalloc_malloc())
 * @size: new size; 0 frees @ptr and returns ZERO_SIZE_PTR, as krealloc()
 *        does: that is not a failure, and not NULL
 * @gfp:  allocation flags
 *
 * Stays in place when the size class does not change; with __GFP_ZERO the
 * bytes past @size are zeroed then.  A shrink never fails: when the
 * smaller class cannot be had, the memory stays where it is.  A moved
 * object stays in its private arena, if it had one, but gets only the
 * natural alignment of its new class.  On failure @ptr is untouched and
 * still owned by the caller.
 *
 * Context: As arenalloc_mallocx().
 * Return: the memory, moved or not; ZERO_SIZE_PTR for @size 0; NULL when a
 * grow fails or @ptr is not a live arenalloc allocation (refused with a
 * warning, as by arenalloc_free()).
 */
void *arenalloc_realloc(void *ptr, size_t size, gfp_t gfp)
{
	struct aa_ptr_info info;
	size_t old;
	void *p;

	if (!size) {
		if (!ZERO_OR_NULL_PTR(ptr))
			aa_free(ptr, 0, _RET_IP_);
		return ZERO_SIZE_PTR;
	}
	if (ZERO_OR_NULL_PTR(ptr))
		return aa_mallocx(size, 0, gfp, _RET_IP_);
	might_alloc(gfp);
	if (aa_lookup(ptr, &info)) {
		aa_report_bad_free(ptr, _RET_IP_);
		return NULL;
	}
	old = aa_ptr_usable(ptr, &info);
	/* Debug mode moves, so stale pointers meet freed junk. */
	if (!aa_debug() && aa_usable(size, 0) == info.usize)
		return aa_realloc_in_place(ptr, size, &info, gfp);
	/* A shrink has somewhere to go if the move fails: never wait for one. */
	if (size <= old)
		gfp &= ~__GFP_NOFAIL;
	p = aa_mallocx(size, info.arena->private ? ARENALLOC_ARENA(info.arena->id) : 0,
		       gfp | __GFP_NOWARN, _RET_IP_);
	if (!p)
		return size <= old ? aa_realloc_in_place(ptr, size, &info, gfp) : NULL;
	memcpy(p, ptr, min(size, old));
	aa_free_found(ptr, &info, 0, _RET_IP_);
	return p;
}
EXPORT_SYMBOL_NS_GPL(arenalloc_realloc, ARENALLOC);

/* ==== Private arenas =================================================== */

/**
 * arenalloc_arena_create() - a new arena for one user
 * @node:  node its memory comes from, or NUMA_NO_NODE for the caller's;
 *         for a node without memory, the nearest node that has some
 * @flags: 0 (memory comes from another node when @node has no free chunk),
 *         or ARENALLOC_ARENA_STRICT_NODE to refuse a node without memory
 *         and never leave @node
 *
 * Allocate from it with ARENALLOC_ARENA(id).  Its objects never pass
 * through the per-CPU caches, and arenalloc_arena_destroy() frees them all.
 *
 * Context: Process context; may sleep.
 * Return: the arena's id (AA_PRIVATE_FIRST, 256, and up: never an
 * automatic arena's, so a narenas change never renumbers it), -EINVAL for
 * a bad node or flag, -ENOSPC when all 256 private arena slots are in use,
 * or -ENOMEM.
 */
int arenalloc_arena_create(int node, unsigned int flags)
{
	struct aa_arena *arena;
	unsigned int id;

	if (flags & ~ARENALLOC_ARENA_STRICT_NODE)
		return -EINVAL;
	if (node == NUMA_NO_NODE)
		node = numa_mem_id();
	if (node < 0 || node >= nr_node_ids || !node_possible(node))
		return -EINVAL;
	if (!node_state(node, N_MEMORY)) {
		if (flags & ARENALLOC_ARENA_STRICT_NODE)
			return -EINVAL;
		node = numa_mem_id();
	}

	mutex_lock(&aa_arenas_lock);
	for (id = AA_PRIVATE_FIRST; id < AA_ARENAS_MAX; id++)
		if (!aa_arenas[id])
			break;
	if (id == AA_ARENAS_MAX) {
		mutex_unlock(&aa_arenas_lock);
		return -ENOSPC;
	}
	arena = aa_arena_new(id, node, true, GFP_KERNEL);
	if (arena) {
		arena->strict_node = flags & ARENALLOC_ARENA_STRICT_NODE;
		/* Complete before a lockless reader can find it. */
		smp_store_release(&aa_arenas[id], arena);
	}
	mutex_unlock(&aa_arenas_lock);
	return arena ? id : -ENOMEM;
}
EXPORT_SYMBOL_NS_GPL(arenalloc_arena_create, ARENALLOC);

/**
 * arenalloc_arena_destroy() - free a private arena and all it holds
 * @id: an id from arenalloc_arena_create()
 *
 * Every allocation still live in the arena is freed, after an RCU grace
 * period.  The caller must make sure nothing uses the arena or its memory
 * any more.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -EINVAL when @id is not a private arena.
 */
int arenalloc_arena_destroy(int id)
{
	struct aa_arena *arena;

	if (id < AA_PRIVATE_FIRST || id >= AA_ARENAS_MAX)
		return -EINVAL;
	mutex_lock(&aa_arenas_lock);
	arena = aa_arenas[id];
	if (arena)
		WRITE_ONCE(aa_arenas[id], NULL);
	mutex_unlock(&aa_arenas_lock);
	if (!arena)
		return -EINVAL;
	/*
	 * A lookup of the id or of one of its pointers that runs under RCU or
	 * with interrupts off (aa_lookup(), the arena lock) ends before the
	 * arena goes.  A caller still using the arena across this call is a
	 * bug the grace period does not cure.
	 */
	synchronize_rcu();
	aa_arena_delete(arena);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(arenalloc_arena_destroy, ARENALLOC);

/* ==== Automatic arenas, and narenas at run time ======================== */

/*
 * aa_narenas_lock serialises narenas changes (load, sysfs writes, KUnit):
 * it protects aa_narenas_auto, every CPU's binding and arena->nthreads.
 * Lock order and the arenas' lifetime rules: arena.c.
 */
DEFINE_MUTEX(aa_narenas_lock);
EXPORT_SYMBOL_IF_KUNIT(aa_narenas_lock);

static void aa_reap_fn(struct work_struct *work);
static DECLARE_WORK(aa_reap_work, aa_reap_fn);

/*
 * Node of automatic arena @id: the nodes with memory are dealt out in
 * turn, the same at load and at run time, so that arena @id is on the
 * same node whenever it exists.
 */
static int aa_auto_arena_node(unsigned int id)
{
	unsigned int k = id % num_node_state(N_MEMORY);
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (!k--)
			return nid;
	return first_memory_node;
}

/*
 * Frees every retired automatic arena that is empty.  Its slot is cleared
 * first, then an SRCU grace period ends every lockless reader that found
 * it there (an id's lookup, the shrinker); nothing else can reach it: no
 * CPU is bound to it and it has no live object (arena.c).
 */
static void aa_reap_fn(struct work_struct *work)
{
	struct aa_arena *dead[ARENALLOC_NARENAS_MAX / BITS_PER_LONG], *arena;
	unsigned int i, n;

	do {
		n = 0;
		mutex_lock(&aa_arenas_lock);
		for (i = 0; i < ARENALLOC_NARENAS_MAX && n < ARRAY_SIZE(dead); i++) {
			arena = aa_arenas[i];
			if (!arena || arena->state != AA_ARENA_RETIRED || !aa_arena_empty(arena))
				continue;
			WRITE_ONCE(aa_arenas[i], NULL);
			dead[n++] = arena;
		}
		mutex_unlock(&aa_arenas_lock);
		if (!n)
			break;
		synchronize_srcu(&aa_arena_srcu);
		for (i = 0; i < n; i++) {
			pr_info("retired arena %u freed, empty\n", dead[i]->id);
			aa_arena_delete(dead[i]);
		}
	} while (n == ARRAY_SIZE(dead));
}

/**
 * aa_reap_kick() - a retired arena may have become empty: free it soon
 *
 * Context: Any context.
 */
void aa_reap_kick(void)
{
	queue_work(system_unbound_wq, &aa_reap_work);
}

/**
 * aa_reap_flush() - wait until the reaper has freed every retired arena
 * that is empty now
 *
 * Context: Process context; may sleep.
 */
void aa_reap_flush(void)
{
	aa_reap_kick();
	flush_work(&aa_reap_work);
}
EXPORT_SYMBOL_IF_KUNIT(aa_reap_flush);

/*
 * Raises narenas to @n: arena ids [aa_narenas_auto, @n) become live.  A
 * retired arena still in its slot lives again (its node is the one a new
 * arena of its id would get); every other id gets a new arena.  All of
 * them are made before anything changes, so a failure changes nothing.
 */
static int aa_narenas_raise(unsigned int n)
{
	unsigned int i, old = aa_narenas_auto;
	struct aa_arena **fresh;

	fresh = kcalloc(n, sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return -ENOMEM;
	mutex_lock(&aa_arenas_lock);
	for (i = old; i < n; i++) {
		if (aa_arenas[i])
			continue;
		fresh[i] = aa_arena_new(i, aa_auto_arena_node(i), false, GFP_KERNEL);
		if (!fresh[i])
			goto undo;
	}
	for (i = old; i < n; i++) {
		if (fresh[i]) /* complete before a lockless reader can find it */
			smp_store_release(&aa_arenas[i], fresh[i]);
		WRITE_ONCE(aa_arenas[i]->state, AA_ARENA_LIVE);
	}
	WRITE_ONCE(aa_narenas_auto, n);
	mutex_unlock(&aa_arenas_lock);
	kfree(fresh);
	return 0;

undo:
	mutex_unlock(&aa_arenas_lock);
	for (i = old; i < n; i++)
		if (fresh[i])
			aa_arena_delete(fresh[i]);
	kfree(fresh);
	return -ENOMEM;
}

/*
 * Lowers narenas to @n: arenas [@n, aa_narenas_auto) retire.  They take
 * no new allocation from here on (an id names them no more), every CPU
 * bound to one moves to a live arena, giving back the objects its cache
 * held, every remote list goes home, and an SRCU grace period waits out
 * allocations that found one of them before.  From then on they are
 * retired: their objects come back only as their holders free them, past
 * the caches, and the reaper frees each one once it is empty.
 */
static void aa_narenas_lower(unsigned int n)
{
	unsigned int i, old = aa_narenas_auto;

	mutex_lock(&aa_arenas_lock);
	for (i = n; i < old; i++) {
		WRITE_ONCE(aa_arenas[i]->state, AA_ARENA_RETIRING);
		WRITE_ONCE(aa_arenas[i]->nthreads, 0);
	}
	WRITE_ONCE(aa_narenas_auto, n);
	mutex_unlock(&aa_arenas_lock);
	aa_tcache_rebind();
	synchronize_srcu(&aa_arena_srcu);
	mutex_lock(&aa_arenas_lock);
	for (i = n; i < old; i++)
		WRITE_ONCE(aa_arenas[i]->state, AA_ARENA_RETIRED);
	mutex_unlock(&aa_arenas_lock);
	aa_reap_kick();
}

/**
 * aa_narenas_set() - change the number of automatic arenas
 * @n: the new number, 1..ARENALLOC_NARENAS_MAX
 *
 * Raising creates (or brings back) arenas @n - 1 and below and binds CPUs
 * to them by the load-time rule; lowering retires the arenas from @n up
 * (aa_narenas_lower()).  Private arenas and their ids are untouched.  The
 * sysfs directories arenas/<i>/ are the caller's (aa_narenas_apply()).
 *
 * Context: Process context, with aa_narenas_lock held; may sleep.
 * Return: 0, or -ENOMEM (nothing changed).
 */
int aa_narenas_set(unsigned int n)
{
	int ret;

	lockdep_assert_held(&aa_narenas_lock);
	if (n < aa_narenas_auto) {
		aa_narenas_lower(n);
	} else if (n > aa_narenas_auto) {
		ret = aa_narenas_raise(n);
		if (ret)
			return ret;
		aa_tcache_rebind();
	}
	WRITE_ONCE(arenalloc_knob_narenas.val, n);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(aa_narenas_set);

/**
 * aa_narenas_apply() - a write of narenas (the knob's apply hook, config.c)
 * @n: the value, parsed and range-checked
 *
 * Applies it under aa_narenas_lock, with the arenas' sysfs directories:
 * the retiring arenas' go first (removing one waits for its readers),
 * the new arenas' come last.
 *
 * Context: Process context; takes aa_narenas_lock; may sleep.
 * Return: 0, or -ENOMEM (nothing changed).
 */
int aa_narenas_apply(long n)
{
	unsigned int old;
	int ret;

	mutex_lock(&aa_narenas_lock);
	old = aa_narenas_auto;
	if (n < old) {
		arenalloc_sysfs_arenas_del(n, old);
		ret = aa_narenas_set(n);
	} else {
		ret = aa_narenas_set(n);
		if (!ret && arenalloc_sysfs_arenas_add(old, n)) {
			/* Directories or none: the arenas go again. */
			arenalloc_sysfs_arenas_del(old, n);
			WARN_ON(aa_narenas_set(old));
			ret = -ENOMEM;
		}
	}
	mutex_unlock(&aa_narenas_lock);
	if (!ret && n != old)
		pr_info("narenas %u -> %ld\n", old, n);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(aa_narenas_apply);

/* ==== Setup ============================================================ */

static void aa_api_exit_arenas(void);

/**
 * aa_api_init() - create the automatic arenas and the per-CPU caches
 *
 * Context: Module init.
 * Return: 0 or -ENOMEM.
 */
int aa_api_init(void)
{
	unsigned int i, n = arenalloc_knob_get(&arenalloc_knob_narenas);
	int ret;

	aa_debug_init();
	for (i = 0; i < ARRAY_SIZE(aa_size_index_tab); i++)
		aa_size_index_tab[i] = asc_size2index(max(i * 8, 1U));
	ret = aa_arenas_init();
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		aa_arenas[i] = aa_arena_new(i, aa_auto_arena_node(i), false, GFP_KERNEL);
		if (!aa_arenas[i])
			goto undo;
	}
	aa_narenas_auto = n;
	ret = aa_tcache_init();
	if (ret)
		goto undo;
	ret = aa_shrinker_init();
	if (!ret)
		return 0;
	aa_tcache_exit();
undo:
	aa_api_exit_arenas();
	return ret ?: -ENOMEM;
}

/* Deletes every arena, automatic or private, that exists. */
static void aa_api_exit_arenas(void)
{
	unsigned int i;

	for (i = 0; i < AA_ARENAS_MAX; i++)
		if (aa_arenas[i])
			aa_arena_delete(aa_arenas[i]);
	memset(aa_arenas, 0, sizeof(aa_arenas));
	aa_narenas_auto = 0;
	aa_arenas_exit();
}

void aa_api_exit(void)
{
	aa_shrinker_exit();
	aa_tcache_exit();
	/* No client is left to free into a retired arena: delete them all. */
	cancel_work_sync(&aa_reap_work);
	aa_api_exit_arenas();
}
