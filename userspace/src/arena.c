// SPDX-License-Identifier: GPL-2.0
/*
 * Arenas: small regions from slabs, large extents, huge mappings.
 *
 * Each arena has one lock, which covers its bins, its extents (extent.c)
 * and its statistics.  Thread caches make it a slow path: they take and
 * give regions in batches, so a lock round trip is paid once per batch.
 * Automatic arenas are made on first use; a thread binds to the one with
 * the fewest threads (or, with percpu_arena, uses the one of the CPU it
 * runs on), which spreads lock traffic as jemalloc does.
 *
 * Huge allocations (above half a chunk) are mappings of their own,
 * aligned to a chunk so that the registry can name them.  Freed, they go
 * to the arena's huge cache (extent.c), resident, for the next huge
 * allocation that fits; decay and the dirty bound unmap what stays
 * unused.  With dirty_decay_ms 0 they are unmapped at once.  The arena
 * lock covers the cache, the arena's list and statistics; new mappings
 * are made and unneeded ones unmapped with no lock held.
 *
 * Locking: arenas_lock (creation and destruction of arenas) > arena->lock.
 * Functions named *_locked expect the arena lock; the rest take it.
 * aa_arenas[] slots are published with release stores and read with
 * acquire loads, without a lock.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "internal.h"

struct arena *aa_arenas[AA_NARENAS_MAX];
unsigned int aa_narenas_auto;
unsigned int aa_narenas_total;

static struct aa_mutex arenas_lock = { PTHREAD_MUTEX_INITIALIZER };
static struct arena *arena_pool;	/* destroyed arenas for reuse; arenas_lock */

static void arena_init(struct arena *a, unsigned int ind, bool manual)
{
	unsigned int i, s;
	uint64_t now = aa_now_ns();

	aa_mutex_init(&a->lock);
	a->ind = ind;
	a->manual = manual;
	a->node = aa_source_has_device() ? aa_source_node() : -1;
	for (i = 0; i < ASC_NSMALL_MAX; i++)
		aa_list_init(&a->bins[i].nonfull);
	for (s = 0; s < AA_NFREE_STATES; s++) {
		for (i = 0; i < AA_NBUCKETS; i++)
			aa_list_init(&a->avail[s][i]);
		aa_list_init(&a->lru[s]);
	}
	aa_list_init(&a->chunks);
	aa_list_init(&a->huge);
	aa_list_init(&a->hcache);
	acd_init(&a->decay[0], aa_opt.dirty_decay_ms, now);
	acd_init(&a->decay[1], aa_opt.muzzy_decay_ms, now);
	/* Made inside fork() by the forking thread: held, as the others are. */
	if (aa_tsd.forking)
		pthread_mutex_lock(&a->lock.m);
}

/**
 * aa_arena_get() - arena @ind, made on first use if @create
 * Return: the arena, or NULL (no such arena, or out of memory).
 */
struct arena *aa_arena_get(unsigned int ind, bool create)
{
	struct arena *a;

	if (ind >= AA_NARENAS_MAX)
		return NULL;
	a = __atomic_load_n(&aa_arenas[ind], __ATOMIC_ACQUIRE);
	if (likely(a) || !create || ind >= aa_narenas_auto)
		return a;

	aa_mutex_lock(&arenas_lock);
	a = aa_arenas[ind];
	if (!a) {
		a = aa_base_alloc(sizeof(*a));
		if (a) {
			arena_init(a, ind, false);
			__atomic_store_n(&aa_arenas[ind], a, __ATOMIC_RELEASE);
		}
	}
	aa_mutex_unlock(&arenas_lock);
	return a;
}

/* "arenas.create": a manual arena, in the first free slot after the automatic ones. */
struct arena *aa_arena_create_manual(unsigned int *ind)
{
	struct arena *a = NULL;
	unsigned int i;

	aa_mutex_lock(&arenas_lock);
	for (i = aa_narenas_auto; i < AA_NARENAS_MAX && aa_arenas[i]; i++)
		;
	if (i == AA_NARENAS_MAX) {
		aa_mutex_unlock(&arenas_lock);
		errno = EAGAIN;
		return NULL;
	}
	a = arena_pool;
	if (a) {
		arena_pool = a->pool_next;
		memset(a, 0, sizeof(*a));
	} else {
		a = aa_base_alloc(sizeof(*a));
	}
	if (a) {
		arena_init(a, i, true);
		__atomic_store_n(&aa_arenas[i], a, __ATOMIC_RELEASE);
		if (i >= aa_narenas_total)
			__atomic_store_n(&aa_narenas_total, i + 1, __ATOMIC_RELEASE);
		*ind = i;
	}
	aa_mutex_unlock(&arenas_lock);
	if (!a)
		errno = ENOMEM;
	return a;
}

/*
 * "arena.<i>.destroy": unmap everything a manual arena holds.  The caller
 * promises that nothing it handed out is still in use; no thread cache
 * holds its regions (frees of manual-arena memory bypass them).
 */
int aa_arena_destroy(unsigned int ind)
{
	struct arena *a;

	aa_mutex_lock(&arenas_lock);
	a = ind < AA_NARENAS_MAX ? aa_arenas[ind] : NULL;
	if (!a || !a->manual) {
		aa_mutex_unlock(&arenas_lock);
		return a ? EPERM : ENOENT;
	}
	__atomic_store_n(&aa_arenas[ind], NULL, __ATOMIC_RELEASE);

	aa_mutex_lock(&a->lock);
	while (!aa_list_empty(&a->huge)) {
		struct extent *e = aa_container_of(a->huge.next, struct extent, link);

		aa_list_del(&e->link);
		aa_rtree_clear(e->addr);
		aa_source_unmap(e->addr, e->npages << aa_g.lg_page, (enum aa_chunk_kind)e->kind);
		aa_extent_delete(e);
	}
	while (!aa_list_empty(&a->hcache)) {
		struct extent *e = aa_container_of(a->hcache.next, struct extent, link);

		aa_list_del(&e->link);
		aa_source_unmap(e->addr, e->npages << aa_g.lg_page, (enum aa_chunk_kind)e->kind);
		aa_extent_delete(e);
	}
	while (!aa_list_empty(&a->chunks)) {
		struct chunk *c = aa_container_of(a->chunks.next, struct chunk, link);
		size_t pg = c->hdr_pages;

		aa_list_del(&c->link);
		while (pg < aa_g.chunk_pages) {
			struct extent *e = c->map[pg];

			pg += e->npages;
			aa_extent_delete(e);
		}
		aa_rtree_clear(c);
		aa_source_unmap(c, aa_g.chunk, (enum aa_chunk_kind)c->kind);
	}
	aa_mutex_unlock(&a->lock);
	a->pool_next = arena_pool;
	arena_pool = a;
	aa_mutex_unlock(&arenas_lock);
	return 0;
}

/* Bind the calling thread to @a (counts threads per arena). */
void aa_arena_bind(struct arena *a)
{
	__atomic_fetch_add(&a->nthreads, 1, __ATOMIC_RELAXED);
}

void aa_arena_unbind(struct arena *a)
{
	__atomic_fetch_sub(&a->nthreads, 1, __ATOMIC_RELAXED);
}

/*
 * The arena for the calling thread's next slow-path allocation: the one
 * "thread.arena" set, the current CPU's with percpu_arena, or the
 * automatic arena with the fewest threads.  An arena no thread is bound
 * to is taken before a new one is made, and a new one before sharing
 * (jemalloc's rule): threads that come and go reuse the arenas, and the
 * memory, of those that went, instead of spreading over every slot.  With
 * the device, an idle arena whose chunks come from another NUMA node
 * counts as busy: a thread that runs on node 1 gets a new arena on node 1
 * before it inherits an idle one on node 0.
 */
struct arena *aa_arena_choose(void)
{
	unsigned int i, best = 0, bestn = ~0U, unmade = ~0U;
	int node = -1;
	struct arena *a;

	if (aa_tsd.arena)
		return aa_tsd.arena;
	if (aa_opt.percpu_arena) {
		int cpu = sched_getcpu();

		return aa_arena_get(cpu < 0 ? 0 : (unsigned int)cpu % aa_narenas_auto, true);
	}
	if (aa_source_has_device())
		node = aa_source_node();
	for (i = 0; i < aa_narenas_auto; i++) {
		unsigned int n;

		a = __atomic_load_n(&aa_arenas[i], __ATOMIC_ACQUIRE);
		if (!a) {
			if (unmade == ~0U)
				unmade = i;
			continue;
		}
		n = __atomic_load_n(&a->nthreads, __ATOMIC_RELAXED);
		if (!n && a->node != node)
			n = 1;		/* idle, but on another node */
		if (n < bestn) {
			bestn = n;
			best = i;
			if (!n)
				break;
		}
	}
	if (bestn && unmade != ~0U)
		best = unmade;
	return aa_arena_get(best, true);
}

/* ==== Small ================================================================== */

static struct extent *slab_new(struct arena *a, unsigned int ind)
{
	const struct asc_slab *geo = &aa_g.sc.slab[ind];
	struct extent *e;
	bool zeroed;

	e = aa_extent_alloc(a, geo->pages, 1, &zeroed);
	if (!e)
		return NULL;
	aa_extent_set_inuse(e, AA_EXT_SLAB, ind);
	e->nfree = geo->nregs;
	acs_init(e->bitmap, geo->nregs);
	aa_list_init(&e->link);
	a->bins[ind].nslabs++;
	return e;
}

/*
 * Take up to @n regions of class @ind into @out, lowest first within each
 * slab: the slab's free bits (common/slab.h: set = free) are read a word
 * at a time and cleared in one store per word.
 */
static unsigned int bin_take(struct arena *a, unsigned int ind, void **out, unsigned int n)
{
	struct bin *bin = &a->bins[ind];
	size_t size = aa_index2size(ind);
	unsigned int got = 0;

	while (got < n) {
		struct extent *s = bin->cur;
		unsigned int want, w;

		if (!s || !s->nfree) {
			if (!aa_list_empty(&bin->nonfull)) {
				s = aa_container_of(bin->nonfull.next, struct extent, link);
				aa_list_del(&s->link);
			} else {
				s = slab_new(a, ind);
				if (!s)
					break;
			}
			bin->cur = s;
		}
		want = n - got < s->nfree ? n - got : s->nfree;
		s->nfree -= want;
		for (w = 0; want; w++) {
			unsigned long m = s->bitmap[w];
			char *base = (char *)s->addr + (size_t)w * ACS_WORD_BITS * size;

			for (; m && want; want--) {
				out[got++] = base + (size_t)__builtin_ctzl(m) * size;
				m &= m - 1;
			}
			s->bitmap[w] = m;
		}
	}
	return got;
}

/**
 * aa_arena_fill_small() - take up to @n regions of class @ind
 * Return: how many were stored in @out (0 when out of memory).
 */
unsigned int aa_arena_fill_small(struct arena *a, unsigned int ind, void **out, unsigned int n)
{
	unsigned int i;

	aa_mutex_lock(&a->lock);
	i = bin_take(a, ind, out, n);
	a->bins[ind].curregs += i;
	a->bins[ind].nmalloc += i;
	aa_arena_decay_tick(a);
	aa_mutex_unlock(&a->lock);
	return i;
}

void *aa_arena_malloc_small(struct arena *a, unsigned int ind, bool zero)
{
	void *p;

	if (!aa_arena_fill_small(a, ind, &p, 1))
		return NULL;
	if (zero)
		memset(p, 0, aa_index2size(ind));
	return p;
}

/*
 * What giving back regions of one small class needs, read once: calls
 * out of the loop (aa_extent_free(), aa_bad_free()) keep the compiler
 * from assuming the globals unchanged.
 */
struct small_class {
	unsigned int ind;
	unsigned int lg_page;
	uint32_t magic;
	uint32_t nregs;
	size_t size;
	struct bin *bin;
};

static inline void small_class_init(struct small_class *k, struct arena *a, unsigned int ind)
{
	k->ind = ind;
	k->lg_page = aa_g.lg_page;
	k->magic = aa_g.div_magic[ind];
	k->nregs = asc_is_small(&aa_g.sc, ind) ? aa_g.sc.slab[ind].nregs : 0;
	k->size = aa_index2size(ind);
	k->bin = &a->bins[ind];
}

/*
 * Give back a region of small class @k; @c is its chunk, owned by @a,
 * locked.  The bin's counters are the caller's to update.
 * Return: whether it was a region in use.
 */
static inline bool small_put(struct arena *a, const struct small_class *k, void *ptr,
			     struct chunk *c)
{
	struct extent *e = c->map[((uintptr_t)ptr - (uintptr_t)c) >> k->lg_page];
	size_t off = (size_t)((char *)ptr - (char *)e->addr);
	unsigned int idx = (unsigned int)((off * k->magic) >> 32);
	struct bin *bin = k->bin;

	if (unlikely(e->state != AA_EXT_SLAB || e->szind != k->ind || idx * k->size != off)) {
		aa_bad_free("free(): invalid pointer", ptr);
		return false;
	}
	if (unlikely(!acs_put(e->bitmap, idx))) {
		aa_bad_free("free(): double free", ptr);
		return false;
	}
	e->nfree++;
	if (e == bin->cur)
		return true;
	if (e->nfree == k->nregs) {
		/* Empty: give its pages back (it may be in no list if nregs is 1). */
		aa_list_del(&e->link);
		bin->nslabs--;
		aa_extent_free(a, e);
	} else if (e->nfree == 1) {
		aa_list_add(&bin->nonfull, &e->link);
	}
	return true;
}

static void dalloc_small_locked(struct arena *a, void *ptr, struct chunk *c,
				unsigned int ind)
{
	struct small_class k;

	small_class_init(&k, a, ind);
	if (small_put(a, &k, ptr, c)) {
		k.bin->curregs--;
		k.bin->ndalloc++;
	}
}

/* ==== Large ================================================================== */

void *aa_arena_malloc_large(struct arena *a, size_t usize, size_t align, bool zero)
{
	size_t npages = usize >> aa_g.lg_page;
	size_t align_pages = align > aa_g.page ? align >> aa_g.lg_page : 1;
	struct extent *e;
	bool zeroed;

	aa_mutex_lock(&a->lock);
	e = aa_extent_alloc(a, npages, align_pages, &zeroed);
	if (e) {
		aa_extent_set_inuse(e, AA_EXT_LARGE, asc_size2index(usize));
		a->stats.nmalloc_large++;
		a->stats.allocated_large += usize;
	}
	aa_arena_decay_tick(a);
	aa_mutex_unlock(&a->lock);
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	if (zero && !zeroed)
		memset(e->addr, 0, usize);
	return e->addr;
}

static void dalloc_large_locked(struct arena *a, void *ptr, struct chunk *c)
{
	struct extent *e = c->map[((uintptr_t)ptr - (uintptr_t)c) >> aa_g.lg_page];

	if (unlikely(e->addr != ptr || e->state != AA_EXT_LARGE)) {
		aa_bad_free("free(): invalid pointer", ptr);
		return;
	}
	a->stats.ndalloc_large++;
	a->stats.allocated_large -= aa_index2size(e->szind);
	aa_extent_free(a, e);
}

/* Free @ptr of class @szind from chunk @c to its arena @a, locked. */
void aa_arena_dalloc_locked(struct arena *a, void *ptr, struct chunk *c, unsigned int szind)
{
	if (asc_is_small(&aa_g.sc, szind))
		dalloc_small_locked(a, ptr, c, szind);
	else
		dalloc_large_locked(a, ptr, c);
}

/**
 * aa_arena_flush() - give back the cached objects of class @ind that are @a's
 * @a:    arena (not locked)
 * @ind:  their class
 * @objs: the objects, all of automatic arenas' chunks
 * @n:    how many
 *
 * One lock round trip for all of them; the registry is read once per run
 * of objects in the same chunk.
 *
 * Return: how many were another arena's; they are moved, in order, to
 * the front of @objs.
 */
unsigned int aa_arena_flush(struct arena *a, unsigned int ind, void **objs, unsigned int n)
{
	uintptr_t chunk_mask = ~(aa_g.chunk - 1), base = 0;
	bool small = asc_is_small(&aa_g.sc, ind);
	unsigned int i, keep = 0, done = 0;
	struct chunk *c = NULL;
	struct small_class k;

	small_class_init(&k, a, ind);	/* unused for a large class */
	aa_mutex_lock(&a->lock);
	for (i = 0; i < n; i++) {
		void *p = objs[i];

		if (((uintptr_t)p & chunk_mask) != base) {
			/* Cached objects are never a manual arena's: no flag bits. */
			c = (struct chunk *)aa_rtree_get(p);
			base = (uintptr_t)p & chunk_mask;
		}
		if (c->arena != a)
			objs[keep++] = p;
		else if (small)
			done += small_put(a, &k, p, c);
		else
			dalloc_large_locked(a, p, c);
	}
	if (small) {
		k.bin->curregs -= done;
		k.bin->ndalloc += done;
	}
	aa_arena_decay_tick(a);
	aa_mutex_unlock(&a->lock);
	return keep;
}

/* Free @ptr, from chunk @c, of class @szind, to its arena (no cache). */
void aa_arena_dalloc(void *ptr, struct chunk *c, unsigned int szind)
{
	struct arena *a = c->arena;

	aa_mutex_lock(&a->lock);
	aa_arena_dalloc_locked(a, ptr, c, szind);
	aa_arena_decay_tick(a);
	aa_mutex_unlock(&a->lock);
}

/* ==== Huge =================================================================== */

/*
 * A huge extent is in use: count it, and register it for free().  The
 * decay tick comes after the count, so that the dirty bound sees the
 * allocation in use, not its pages gone from the cache and nowhere.
 */
static void *huge_publish(struct arena *a, struct extent *e)
{
	aa_mutex_lock(&a->lock);
	aa_list_add(&a->huge, &e->link);
	a->stats.nmalloc_huge++;
	a->stats.allocated_huge += e->usize;
	aa_arena_decay_tick(a);
	aa_mutex_unlock(&a->lock);
	if (!aa_rtree_set(e->addr, (uintptr_t)e | AA_RTREE_HUGE)) {
		aa_arena_dalloc_huge(e);
		errno = ENOMEM;
		return NULL;
	}
	return e->addr;
}

/*
 * Grow cached range @r (out of the cache, smaller than @usize) to at least
 * @usize bytes by mapping the free address space right after it, or
 * right before it down to a chunk boundary.  Return: whether it could.
 */
static bool huge_extend(struct extent *r, size_t usize)
{
	size_t len = r->npages << aa_g.lg_page, want = usize - len;
	uintptr_t start = ((uintptr_t)r->addr - want) & ~(aa_g.chunk - 1);
	enum aa_chunk_kind kind = (enum aa_chunk_kind)r->kind;

	if (aa_source_extend((char *)r->addr + len, want, r->arena->node, kind)) {
		r->npages += want >> aa_g.lg_page;
		return true;
	}
	if (start >= (uintptr_t)r->addr ||
	    !aa_source_extend((void *)start, (uintptr_t)r->addr - start, r->arena->node, kind))
		return false;
	r->npages += ((uintptr_t)r->addr - start) >> aa_g.lg_page;
	r->addr = (void *)start;
	return true;
}

/* @usize: from aa_usize(), whole pages. */
void *aa_arena_malloc_huge(struct arena *a, size_t usize, size_t align, bool zero)
{
	struct extent *e, *r = NULL;
	enum aa_chunk_kind kind;
	size_t mapped;
	void *p;

	aa_mutex_lock(&a->lock);
	e = aa_hcache_take(a, usize, align);
	if (!e && align <= aa_g.chunk)
		r = aa_hcache_take_largest(a);
	aa_mutex_unlock(&a->lock);
	if (r) {
		bool grown = huge_extend(r, usize);

		aa_mutex_lock(&a->lock);
		aa_hcache_put(a, r);
		if (grown)
			e = aa_hcache_take(a, usize, align);
		aa_mutex_unlock(&a->lock);
	}
	if (e) {
		/* Cached pages hold what their last owner left there. */
		if (zero)
			memset(e->addr, 0, usize);
		return huge_publish(a, e);
	}
	/*
	 * Fresh mappings read as zero.  Whole chunks are mapped (the pages
	 * past @usize cost address space only, until a growth in place uses
	 * them), so that a mapping placed right below another of ours ends
	 * where that one starts and the two merge in the huge cache.
	 */
	e = aa_extent_new();
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	mapped = (usize + aa_g.chunk - 1) & ~(aa_g.chunk - 1);
	p = mapped ? aa_source_map(mapped, align > aa_g.chunk ? align : aa_g.chunk, a->node,
				   &kind) : NULL;
	if (!p) {
		aa_extent_delete(e);
		errno = ENOMEM;
		return NULL;
	}
	e->addr = p;
	e->npages = mapped >> aa_g.lg_page;
	e->usize = usize;
	e->arena = a;
	e->state = AA_EXT_HUGE;
	e->szind = 0xff;
	e->kind = (uint8_t)kind;
	return huge_publish(a, e);
}

/*
 * Grow huge @e to @usize bytes (whole pages) within what it has mapped
 * (a range from the huge cache may be larger than its allocation).  Only
 * the owner of the allocation calls this.  Return: whether it could.
 */
bool aa_arena_grow_huge(struct extent *e, size_t usize)
{
	struct arena *a = e->arena;
	size_t old = e->usize;

	if (usize > e->npages << aa_g.lg_page)
		return false;
	e->usize = usize;
	aa_mutex_lock(&a->lock);
	a->stats.allocated_huge += usize - old;
	aa_mutex_unlock(&a->lock);
	return true;
}

/*
 * Shrink huge @e to @usize bytes (whole pages, less than now) in place:
 * the tail goes back to the system at once, unmapped or, where munmap()
 * fails (at the map count limit, say), purged: all of it up to what the
 * range maps, since a range from the cache may hold a former owner's
 * pages past the allocation, and across every device mapping a grown
 * range is made of (aa_source_purge()).  Only the owner of the
 * allocation calls this, so @e->usize needs no lock.
 */
void aa_arena_shrink_huge(struct extent *e, size_t usize)
{
	struct arena *a = e->arena;
	size_t mapped = e->npages << aa_g.lg_page, old = e->usize;
	enum aa_chunk_kind kind = (enum aa_chunk_kind)e->kind;

	if (aa_source_trim((char *)e->addr + usize, mapped - usize, kind))
		e->npages = usize >> aa_g.lg_page;
	else	/* cannot unmap: give the pages back, keep the range */
		aa_source_purge((char *)e->addr + usize, mapped - usize, kind);
	e->usize = usize;
	aa_mutex_lock(&a->lock);
	a->stats.allocated_huge -= old - usize;
	aa_mutex_unlock(&a->lock);
}

void aa_arena_dalloc_huge(struct extent *e)
{
	struct arena *a = e->arena;

	aa_rtree_clear(e->addr);
	aa_mutex_lock(&a->lock);
	aa_list_del(&e->link);
	a->stats.ndalloc_huge++;
	a->stats.allocated_huge -= e->usize;
	if (a->decay[0].decay_ms != 0) {
		a->nfreed_op += e->npages;
		acd_unused(&a->decay[0], e->npages);
		aa_hcache_put(a, e);
		aa_arena_decay_tick(a);
		aa_mutex_unlock(&a->lock);
		return;
	}
	aa_mutex_unlock(&a->lock);
	aa_source_unmap(e->addr, e->npages << aa_g.lg_page, (enum aa_chunk_kind)e->kind);
	aa_extent_delete(e);
}

/* ==== Decay ================================================================== */

/*
 * Called with the lock held on every arena slow-path operation: reads the
 * clock one time in 32 and decays when an epoch has passed.  This is how
 * memory goes back without a background thread (jemalloc's ticks).
 *
 * Decay needs calls (or the background thread) to run: a process that
 * frees a lot and then stops calling the allocator would keep all of it
 * for good.  So, whatever the decay curve says, an arena never keeps more
 * dirty pages (cached huge ranges included) than the larger of
 * AA_DIRTY_SLACK and twice the pages it had in use (huge allocations
 * included) before the operation that freed them, what that operation
 * freed (@nfreed_op) counted up to as much as is still in use; the excess
 * goes back at once, on the free that made it.  Twice, not once: a
 * program that frees a block and allocates another of a different size
 * (large-block churn) needs room to find a fit among what it freed, or it
 * pays page faults for every block.  Before the free, not after: measured
 * after, the bound dipped with every big block freed, trimmed the cache
 * to fit the dip and had the next allocation fault the pages back; four
 * blocks of 5 to 25 MiB churned that way cost 150 page faults per block.
 * Up to what is still in use: an idle program keeps at most four times
 * what it still uses, and one that frees its only big block keeps
 * AA_DIRTY_SLACK.  A program that frees most of its heap and reuses it at
 * once pays page faults for what was above the bound; dirty_decay_ms:-1
 * turns the bound off with decay itself.
 */
void aa_arena_decay_tick(struct arena *a)
{
	static __thread unsigned int ticks;
	size_t cap = AA_DIRTY_SLACK >> aa_g.lg_page;
	size_t inuse = a->nactive + (a->stats.allocated_huge >> aa_g.lg_page);
	size_t keep = 2 * (inuse + (a->nfreed_op < inuse ? a->nfreed_op : inuse));
	uint64_t now, due;

	a->nfreed_op = 0;

	if (unlikely(a->npages[0] > cap && a->npages[0] > keep) &&
	    a->decay[0].decay_ms >= 0)
		aa_dirty_cap(a, keep > cap ? keep : cap);
	if (++ticks & 31)
		return;
	/* The arena's own times: "arena.<i>.*_decay_ms" may differ from opt. */
	if (a->decay[0].decay_ms < 0 && a->decay[1].decay_ms < 0)
		return;
	now = aa_now_ns();
	due = acd_deadline(&a->decay[0]);
	if (acd_deadline(&a->decay[1]) < due)
		due = acd_deadline(&a->decay[1]);
	if (now >= due || a->decay[0].decay_ms == 0 ||
	    (a->decay[1].decay_ms == 0 && a->npages[1]))
		aa_decay_run(a, false, now);
}

/* "arena.<i>.decay" (@all false) and "arena.<i>.purge" (@all true). */
void aa_arena_purge(struct arena *a, bool all)
{
	aa_mutex_lock(&a->lock);
	aa_decay_run(a, all, aa_now_ns());
	aa_mutex_unlock(&a->lock);
}

/* Every arena: "arena.<ARENALLOC_ARENAS_ALL>.purge" and ".decay", malloc_trim(). */
void aa_arenas_purge(bool all)
{
	unsigned int i, n = __atomic_load_n(&aa_narenas_total, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++) {
		struct arena *a = aa_arena_get(i, false);

		if (a)
			aa_arena_purge(a, all);
	}
}

void aa_arena_set_decay(struct arena *a, int which, long ms)
{
	aa_mutex_lock(&a->lock);
	acd_init(&a->decay[which], ms, aa_now_ns());
	aa_mutex_unlock(&a->lock);
}

/* ==== Fork =================================================================== */

void aa_arenas_prefork(void)
{
	unsigned int i, n = __atomic_load_n(&aa_narenas_total, __ATOMIC_ACQUIRE);

	aa_mutex_lock(&arenas_lock);
	for (i = 0; i < n; i++)
		if (aa_arenas[i])
			aa_mutex_lock(&aa_arenas[i]->lock);
}

void aa_arenas_postfork(bool child)
{
	unsigned int i, n = __atomic_load_n(&aa_narenas_total, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++) {
		struct arena *a = aa_arenas[i];

		if (!a)
			continue;
		if (child) {
			aa_mutex_init(&a->lock);
			a->purging = false;
		} else {
			aa_mutex_unlock(&a->lock);
		}
	}
	if (child)
		aa_mutex_init(&arenas_lock);
	else
		aa_mutex_unlock(&arenas_lock);
}
