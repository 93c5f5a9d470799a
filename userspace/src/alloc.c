// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation entry points: malloc and its standard relatives, and the
 * *allocx() family.
 *
 * The fast path (aa_alloc_fast) is a thread-cache hit: size to class by a
 * table, pop a pointer, count bytes, no lock and no atomic.  Everything
 * else goes through aa_malloc_slow(): first use of the library or of the
 * thread, cache misses, alignment beyond the class's natural one, explicit
 * arenas, cache bypass, large and huge sizes, and junk filling.
 *
 * Errors follow glibc: NULL with errno ENOMEM for sizes that cannot be
 * served, EINVAL for alignments the function rejects.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

/*
 * Largest size the fast path may serve; 0 until initialisation is done,
 * and for good with junk filling on allocation (the slow path fills).
 */
size_t aa_tcache_max_size;

void aa_junk_fill(void *p, int c, size_t n)
{
	memset(p, c, n);
}

/**
 * aa_usize() - the usable size of a request: the one place that decides it
 * @size:  request (0 is served as 1)
 * @align: 0, or a power of two
 * @huge:  out: the request is served by a mapping of its own
 *
 * Every path that allocates sizes what it hands out by this, and
 * nallocx() reports it, so that nallocx(), sallocx(), malloc_usable_size()
 * and the "thread.allocated" books agree for every size and alignment.
 * A class serves the request when it fits in half a chunk together with
 * the alignment it needs beyond a page (aligned large extents are carved
 * from a chunk with that much slack); anything else is huge: a mapping of
 * whole pages.
 *
 * Return: the usable size, or 0 if no allocation can meet the request.
 */
size_t aa_usize(size_t size, size_t align, bool *huge)
{
	size_t usize, max = aa_g.chunk >> 1;

	if (unlikely(size > PTRDIFF_MAX))
		return 0;
	if (!size)
		size = 1;	/* malloc(0) and friends get the smallest fitting object */
	if (align <= 8) {
		usize = asc_s2u(&aa_g.sc, size);
	} else {
		if (align > ((size_t)1 << 62))
			return 0;
		usize = asc_sa2u(&aa_g.sc, size, align);
	}
	*huge = !usize || usize > max || (align > aa_g.page && usize + align > max);
	if (!*huge)
		return usize;
	usize = (size + aa_g.page - 1) & ~(aa_g.page - 1);
	if (usize < size || usize > PTRDIFF_MAX)
		return 0;
	return usize;
}

/* A resize in place: the thread's books move as for a free and a malloc. */
static void account_resize(size_t old, size_t usize)
{
	struct tcache *tc = aa_tsd.tcache;

	if (tc && old != usize) {
		tc->deallocated += old;
		tc->allocated += usize;
	}
}

/**
 * aa_malloc_slow() - everything the fast path does not serve
 * @size:  request
 * @align: 0, or a power of two
 * @zero:  zero the memory
 * @flags: ARENALLOC_* flags of the *allocx() family (alignment decoded)
 *
 * Return: the memory, or NULL with errno ENOMEM (EINVAL for a bad arena).
 */
void *aa_malloc_slow(size_t size, size_t align, bool zero, int flags)
{
	struct aa_tsd *t = &aa_tsd;
	unsigned int arena_flag = ((unsigned int)flags >> 20) & 0xfff;
	bool bypass = (flags & ARENALLOC_TCACHE_NONE) || arena_flag;
	struct tcache *tc = NULL;
	struct arena *a;
	size_t usize;
	bool huge;
	void *p;

	if (unlikely(!aa_init())) {
		errno = ENOMEM;
		return NULL;
	}
	usize = aa_usize(size, align, &huge);
	if (unlikely(!usize)) {
		errno = ENOMEM;
		return NULL;
	}
	if (t->state == AA_TSTATE_NEW && !t->reentrant)
		aa_tcache_boot();
	if (t->state == AA_TSTATE_LIVE)
		tc = t->tcache;
	aa_background_kick();

	if (arena_flag) {
		a = aa_arena_get(arena_flag - 1, true);
		if (!a) {
			errno = EINVAL;
			return NULL;
		}
	} else {
		a = tc ? (aa_opt.percpu_arena ? aa_arena_choose() : tc->arena) : aa_arena_choose();
		if (!a) {
			errno = ENOMEM;
			return NULL;
		}
	}

	if (huge) {
		p = aa_arena_malloc_huge(a, usize, align, zero);
	} else {
		unsigned int ind = asc_size2index(usize);

		if (tc && !bypass && ind < aa_tcache_nbins && align <= aa_g.page) {
			struct tbin *b = &tc->bins[ind];

			if (b->ncached) {
				p = b->avail[--b->ncached];
				if (b->ncached < b->low_water)
					b->low_water = b->ncached;
				if (zero)
					memset(p, 0, usize);
			} else {
				p = aa_tcache_alloc_slow(tc, ind, zero);
			}
		} else if (asc_is_small(&aa_g.sc, ind)) {
			p = aa_arena_malloc_small(a, ind, zero);
		} else {
			p = aa_arena_malloc_large(a, usize, align, zero);
		}
	}
	if (unlikely(!p)) {
		errno = ENOMEM;
		return NULL;
	}
	if (tc)
		tc->allocated += usize;
	if (unlikely(aa_opt.junk & AA_JUNK_ALLOC) && !zero)
		aa_junk_fill(p, 0xa5, usize);
	return p;
}

static inline __attribute__((always_inline))
void *aa_alloc_fast(size_t size, bool zero)
{
	struct tcache *tc = aa_tsd.tcache;	/* set only while the cache is live */

	if (likely(size <= aa_tcache_max_size && tc)) {
		/* aa_tcache_max_size <= AA_LOOKUP_MAX: the table covers it. */
		unsigned int ind = aa_g.size2index[(size + 7) >> 3];
		struct tbin *b = &tc->bins[ind];

		if (likely(b->ncached)) {
			void *p = b->avail[--b->ncached];

			if (b->ncached < b->low_water)
				b->low_water = b->ncached;
			tc->allocated += aa_index2size(ind);
			if (unlikely(zero))
				memset(p, 0, size);
			return p;
		}
	}
	return aa_malloc_slow(size, 0, zero, 0);
}

__attribute__((visibility("default")))
void *arenalloc_malloc(size_t size)
{
	return aa_alloc_fast(size, false);
}

__attribute__((visibility("default")))
void *arenalloc_calloc(size_t nmemb, size_t size)
{
	size_t n;

	if (unlikely(__builtin_mul_overflow(nmemb, size, &n))) {
		errno = ENOMEM;
		return NULL;
	}
	return aa_alloc_fast(n, true);
}

/* Alignment checked by the caller: a power of two. */
static void *aligned(size_t align, size_t size)
{
	if (align <= 16 && size >= align)
		return aa_alloc_fast(size, false);	/* every class >= 16 is 16-aligned */
	return aa_malloc_slow(size, align, false, 0);
}

__attribute__((visibility("default")))
int arenalloc_posix_memalign(void **memptr, size_t alignment, size_t size)
{
	int saved = errno;
	void *p;

	if (!alignment || (alignment & (alignment - 1)) || alignment % sizeof(void *))
		return EINVAL;
	p = aligned(alignment, size);
	if (!p) {
		errno = saved;
		return ENOMEM;
	}
	*memptr = p;
	return 0;
}

__attribute__((visibility("default")))
void *arenalloc_aligned_alloc(size_t alignment, size_t size)
{
	if (!alignment || (alignment & (alignment - 1))) {
		errno = EINVAL;
		return NULL;
	}
	return aligned(alignment, size);
}

/* glibc's memalign rounds an alignment that is not a power of two up. */
__attribute__((visibility("default")))
void *arenalloc_memalign(size_t alignment, size_t size)
{
	if (alignment > ((size_t)1 << (8 * sizeof(size_t) - 1))) {
		errno = EINVAL;
		return NULL;
	}
	if (alignment < sizeof(void *))
		alignment = sizeof(void *);
	if (alignment & (alignment - 1))
		alignment = (size_t)1 << (8 * sizeof(size_t) - (size_t)__builtin_clzl(alignment));
	return aligned(alignment, size);
}

__attribute__((visibility("default")))
void *arenalloc_valloc(size_t size)
{
	if (!aa_init()) {
		errno = ENOMEM;
		return NULL;
	}
	return aligned(aa_g.page, size);
}

__attribute__((visibility("default")))
void *arenalloc_pvalloc(size_t size)
{
	size_t rounded;

	if (!aa_init()) {
		errno = ENOMEM;
		return NULL;
	}
	rounded = (size + aa_g.page - 1) & ~(aa_g.page - 1);
	if (rounded < size) {
		errno = ENOMEM;
		return NULL;
	}
	return aligned(aa_g.page, rounded ? rounded : aa_g.page);
}

/* ==== jemalloc's non-standard API ============================================= */

static size_t flags_align(int flags)
{
	unsigned int la = (unsigned int)flags & 0x3f;

	return la ? (size_t)1 << la : 0;
}

__attribute__((visibility("default")))
void *arenalloc_mallocx(size_t size, int flags)
{
	size_t align = flags_align(flags);

	if (likely(!flags))
		return aa_alloc_fast(size, false);
	if (align >= ((size_t)1 << 63)) {
		errno = EINVAL;
		return NULL;
	}
	return aa_malloc_slow(size, align, flags & ARENALLOC_ZERO, flags);
}

__attribute__((visibility("default")))
size_t arenalloc_nallocx(size_t size, int flags)
{
	size_t align = flags_align(flags);
	bool huge;

	if (!aa_init())
		return 0;
	return aa_usize(size, align, &huge);
}

/* Ensure the tail of a grown allocation reads as zero for ARENALLOC_ZERO. */
static void zero_tail(void *p, size_t old, size_t usize)
{
	if (usize > old)
		memset((char *)p + old, 0, usize - old);
}

/*
 * Resize in place: same class, a large extent that can shrink or grow
 * where it lies, or a huge mapping that shrinks (its tail is unmapped) or
 * grows within the pages it has mapped (a range reused from the huge
 * cache may have more).
 * A huge allocation shrinks in place only when the new size is huge too,
 * unless the caller cannot move it (@may_move false: xallocx), because a
 * class packs a small object better than a mapping of its own.
 * Return: the new usable size, or 0 if it cannot.
 */
static size_t resize_inplace(void *ptr, size_t size, size_t align, bool zero, bool may_move)
{
	struct aa_lookup l;
	size_t old, usize;
	bool huge;

	usize = aa_usize(size, align, &huge);
	if (!usize || !aa_lookup(ptr, &l) || (align && ((uintptr_t)ptr & (align - 1))))
		return 0;
	if (l.huge) {
		old = l.huge->usize;
		if (!huge && may_move)
			return 0;
		/* Whole pages, as a huge mapping has them. */
		usize = (size + aa_g.page - 1) & ~(aa_g.page - 1);
		if (!usize || (usize > old && !aa_arena_grow_huge(l.huge, usize)))
			return 0;
		if (usize < old)
			aa_arena_shrink_huge(l.huge, usize);
		return usize;
	}
	old = aa_index2size(l.szind);
	if (usize == old && !huge)
		return old;
	if (asc_is_small(&aa_g.sc, l.szind) || huge || usize <= aa_g.sc.small_max)
		return 0;

	{
		struct arena *a = l.chunk->arena;
		size_t pg = ((uintptr_t)ptr - (uintptr_t)l.chunk) >> aa_g.lg_page;
		struct extent *e = l.chunk->map[pg];
		size_t npages = usize >> aa_g.lg_page;
		bool ok;

		aa_mutex_lock(&a->lock);
		if (usize < old)
			ok = aa_extent_shrink(a, e, npages);
		else
			ok = aa_extent_grow(a, e, npages, zero);
		if (ok) {
			aa_extent_resized(e, asc_size2index(usize));
			a->stats.allocated_large += usize;
			a->stats.allocated_large -= old;
		}
		/*
		 * A shrink raised nfreed_op: its own tick applies the dirty
		 * bound and clears it, so that no later operation counts
		 * these pages as its own.
		 */
		aa_arena_decay_tick(a);
		aa_mutex_unlock(&a->lock);
		return ok ? usize : 0;
	}
}

/*
 * Move to a new allocation.  Everything up to the smaller of the two
 * usable sizes travels, not only the requested bytes: what lies between
 * an object's size and its usable size is the program's (zeroes from
 * ARENALLOC_ZERO, say), and a later growth with ARENALLOC_ZERO zeroes
 * only from the usable size on.
 */
static void *move(void *ptr, size_t size, size_t align, int flags, size_t old)
{
	void *p = aa_malloc_slow(size, align, false, flags & ~ARENALLOC_ZERO);
	size_t usize;

	if (!p)
		return NULL;
	usize = aa_usable_size(p);
	memcpy(p, ptr, usize < old ? usize : old);
	if (flags & ARENALLOC_ZERO)
		zero_tail(p, old, usize);
	arenalloc_dallocx(ptr, flags & ARENALLOC_TCACHE_NONE);
	return p;
}

__attribute__((visibility("default")))
void *arenalloc_realloc(void *ptr, size_t size)
{
	size_t old, usize;

	if (!ptr)
		return arenalloc_malloc(size);
	if (!size) {
		/* glibc: realloc(p, 0) frees p and returns NULL. */
		arenalloc_free(ptr);
		return NULL;
	}
	old = aa_usable_size(ptr);
	if (!old) {
		aa_bad_free("realloc(): invalid pointer", ptr);
		errno = EINVAL;
		return NULL;
	}
	usize = resize_inplace(ptr, size, 0, false, true);
	if (usize) {
		account_resize(old, usize);
		return ptr;
	}
	return move(ptr, size, 0, 0, old);
}

__attribute__((visibility("default")))
void *arenalloc_reallocarray(void *ptr, size_t nmemb, size_t size)
{
	size_t n;

	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return arenalloc_realloc(ptr, n);
}

__attribute__((visibility("default")))
void *arenalloc_rallocx(void *ptr, size_t size, int flags)
{
	size_t align = flags_align(flags), old = aa_usable_size(ptr), usize;

	if (!old) {
		aa_bad_free("rallocx(): invalid pointer", ptr);
		errno = EINVAL;
		return NULL;
	}
	usize = resize_inplace(ptr, size, align, flags & ARENALLOC_ZERO, true);
	if (usize) {
		if (flags & ARENALLOC_ZERO)
			zero_tail(ptr, old, usize);
		account_resize(old, usize);
		return ptr;
	}
	return move(ptr, size ? size : 1, align, flags, old);
}

__attribute__((visibility("default")))
size_t arenalloc_xallocx(void *ptr, size_t size, size_t extra, int flags)
{
	size_t align = flags_align(flags), old = aa_usable_size(ptr), usize, want;

	if (!old)
		return 0;
	if (__builtin_add_overflow(size, extra, &want))
		want = SIZE_MAX;
	usize = resize_inplace(ptr, want, align, flags & ARENALLOC_ZERO, false);
	if (!usize && extra)
		usize = resize_inplace(ptr, size, align, flags & ARENALLOC_ZERO, false);
	if (!usize)
		return old;
	if (flags & ARENALLOC_ZERO)
		zero_tail(ptr, old, usize);
	account_resize(old, usize);
	return usize;
}
