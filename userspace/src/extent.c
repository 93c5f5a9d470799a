// SPDX-License-Identifier: GPL-2.0
/*
 * Extents: runs of pages inside an arena's chunks, and their decay.
 *
 * Every page of a chunk after its header is covered by exactly one extent
 * at all times: in use (slab or large), free (dirty, muzzy or clean) or
 * busy (free, being purged with the arena lock dropped).  chunk->map[]
 * finds the extent of a page: every page of an in-use extent, the first
 * and last page of a free one.  That is all coalescing needs: the page
 * before a run is the last page of its left neighbour, the page after it
 * the first of its right one.
 *
 * Free runs sit in per-state size buckets (16 exact ones for 1-16 pages,
 * then two per doubling) with a bitmask of non-empty buckets, so a fit is
 * a mask scan plus, in the first bucket only, a short list walk.  Dirty
 * runs are preferred (their pages are resident already), then muzzy, then
 * clean; clean runs read as zero, which calloc() and ARENALLOC_ZERO use.
 * Only runs in the same state coalesce: a run is wholly one thing.
 *
 * Decay (common/decay.h) turns dirty runs into muzzy ones (MADV_FREE) or,
 * with muzzy_decay_ms 0 or on the device, clean ones, and muzzy runs into
 * clean ones, oldest first.  The system calls run with the arena lock
 * dropped: the runs are marked busy first, so nobody allocates or merges
 * them meanwhile, and only one thread purges an arena at a time.
 *
 * Chunks are retained once mapped (their address space stays ours, their
 * pages are given back by decay), as jemalloc retains on Linux: unmapping
 * would cost more system calls and fragment the address space.
 *
 * The huge cache: a freed huge mapping is not unmapped at once but kept,
 * resident, in the arena's hcache list, its pages counted as dirty and
 * queued on the dirty LRU like any free run, so that decay and the dirty
 * bound (arena.c) give it back, oldest first, by unmapping it.  A huge
 * allocation takes the smallest cached range that fits, splitting off at
 * a chunk boundary what it does not need; a freed mapping merges with
 * cached ranges exactly adjacent to it (of the same source).  So
 * programs that allocate and free big blocks over and over reuse the same
 * resident pages, with no system call and no page fault per block, as
 * tcmalloc's page heap does.  Every cached range starts at a multiple of
 * the chunk size (huge allocations are placed so), which the registry
 * needs to name it again; none is registered while cached, so a free of a
 * stale pointer into it is still recognised as invalid.
 *
 * Locking: everything here runs under the arena lock, asserted by the
 * callers in arena.c; aa_decay_run() drops and retakes it.
 */
#include <string.h>

#include "internal.h"

#define FREE_IDX(state)	((state) - AA_EXT_DIRTY)

static unsigned int bucket_of(size_t npages)
{
	unsigned int lg;

	if (npages <= 16)
		return (unsigned int)npages - 1;
	lg = ac_lg_floor(npages - 1);
	return 16 + (lg - 4) * 2 + (unsigned int)(((npages - 1) >> (lg - 1)) & 1);
}

static inline size_t page_of(const struct chunk *c, const void *addr)
{
	return ((uintptr_t)addr - (uintptr_t)c) >> aa_g.lg_page;
}

static void map_set(struct extent *e, bool all_pages)
{
	struct chunk *c = e->chunk;
	size_t first = page_of(c, e->addr), i;

	if (all_pages) {
		for (i = 0; i < e->npages; i++)
			c->map[first + i] = e;
	} else {
		c->map[first] = e;
		c->map[first + e->npages - 1] = e;
	}
}

/* Mark the pages of @e as holding no allocation start. */
static void szind_clear(struct extent *e)
{
	uint16_t *pi = &e->chunk->pinfo[page_of(e->chunk, e->addr)];
	size_t i;

	for (i = 0; i < e->npages; i++)
		__atomic_store_n(&pi[i], AA_PINFO_NONE, __ATOMIC_RELAXED);
}

/* Put a free run in its lists (no coalescing). */
static void avail_insert(struct arena *a, struct extent *e, enum aa_ext_state st)
{
	unsigned int s = FREE_IDX(st), b = bucket_of(e->npages);

	e->state = (uint8_t)st;
	if (st == AA_EXT_CLEAN)
		e->zeroed = 1;
	aa_list_add(&a->avail[s][b], &e->link);
	a->nonempty[s] |= 1ULL << b;
	if (st != AA_EXT_CLEAN)
		aa_list_add_tail(&a->lru[s], &e->lru);
	a->npages[s] += e->npages;
	map_set(e, false);
}

static void avail_remove(struct arena *a, struct extent *e)
{
	unsigned int s = FREE_IDX(e->state), b = bucket_of(e->npages);

	aa_list_del(&e->link);
	if (aa_list_empty(&a->avail[s][b]))
		a->nonempty[s] &= ~(1ULL << b);
	if (e->state != AA_EXT_CLEAN)
		aa_list_del(&e->lru);
	a->npages[s] -= e->npages;
}

static struct extent *free_neighbour(struct extent *e, bool right)
{
	struct chunk *c = e->chunk;
	size_t first = page_of(c, e->addr);
	size_t pg = right ? first + e->npages : first - 1;
	struct extent *n;

	if (pg < c->hdr_pages || pg >= aa_g.chunk_pages)
		return NULL;
	n = c->map[pg];
	return n && n->state == e->state ? n : NULL;
}

/* Insert a free run in state @st, merging it with free neighbours in @st. */
static void free_insert(struct arena *a, struct extent *e, enum aa_ext_state st)
{
	struct extent *n;

	e->state = (uint8_t)st;
	e->zeroed = st == AA_EXT_CLEAN;
	n = free_neighbour(e, false);
	if (n) {
		avail_remove(a, n);
		n->npages += e->npages;
		aa_extent_delete(e);
		e = n;
	}
	n = free_neighbour(e, true);
	if (n) {
		avail_remove(a, n);
		e->npages += n->npages;
		aa_extent_delete(n);
	}
	avail_insert(a, e, st);
}

/* Split @e after @npages pages; the tail gets a new descriptor (or NULL). */
static struct extent *split(struct extent *e, size_t npages)
{
	struct extent *t = aa_extent_new();

	if (!t)
		return NULL;
	t->addr = (char *)e->addr + (npages << aa_g.lg_page);
	t->npages = e->npages - npages;
	t->chunk = e->chunk;
	t->arena = e->arena;
	t->state = e->state;
	t->zeroed = e->zeroed;
	e->npages = npages;
	return t;
}

static struct chunk *chunk_new(struct arena *a)
{
	enum aa_chunk_kind kind;
	struct chunk *c = aa_source_map(aa_g.chunk, aa_g.chunk, a->node, &kind);
	struct extent *e;
	size_t i;

	if (!c)
		return NULL;
	e = aa_extent_new();
	if (!e || !aa_rtree_set(c, (uintptr_t)c | (a->manual ? AA_RTREE_MANUAL : 0))) {
		if (e)
			aa_extent_delete(e);
		aa_source_unmap(c, aa_g.chunk, kind);
		return NULL;
	}
	c->arena = a;
	c->kind = (uint8_t)kind;
	c->hdr_pages = (uint16_t)aa_g.hdr_pages;
	/* pinfo[] first (free() reads it at a fixed offset), then map[]. */
	c->map = (struct extent **)((char *)c + aa_g.map_offset);
	for (i = 0; i < aa_g.chunk_pages; i++)
		c->pinfo[i] = AA_PINFO_NONE;
	aa_list_add_tail(&a->chunks, &c->link);
	a->stats.nchunks++;

	e->addr = (char *)c + ((size_t)aa_g.hdr_pages << aa_g.lg_page);
	e->npages = aa_g.chunk_pages - aa_g.hdr_pages;
	e->chunk = c;
	e->arena = a;
	avail_insert(a, e, AA_EXT_CLEAN);
	return c;
}

/* A free run of at least @need pages in state @st, removed from its lists. */
static struct extent *avail_take(struct arena *a, unsigned int s, size_t need)
{
	unsigned int b = bucket_of(need);
	uint64_t mask = a->nonempty[s] >> b << b;
	struct aa_list *l;

	if (!mask)
		return NULL;
	if (mask & (1ULL << b)) {
		for (l = a->avail[s][b].next; l != &a->avail[s][b]; l = l->next) {
			struct extent *e = aa_container_of(l, struct extent, link);

			if (e->npages >= need) {
				avail_remove(a, e);
				return e;
			}
		}
		mask &= ~(1ULL << b);
		if (!mask)
			return NULL;
	}
	b = (unsigned int)__builtin_ctzll(mask);
	l = a->avail[s][b].next;
	avail_remove(a, aa_container_of(l, struct extent, link));
	return aa_container_of(l, struct extent, link);
}

/**
 * aa_extent_alloc() - carve @npages pages, aligned to @align_pages pages
 * @a:           arena, locked
 * @npages:      pages wanted, at most a chunk's worth less its header
 * @align_pages: alignment in pages, a power of two
 * @zeroed:      out: the pages read as zero already
 *
 * The extent comes back in no list with its pages mapped to it; the
 * caller sets its state and classes with aa_extent_set_inuse().
 *
 * Return: the extent, or NULL when no chunk could be mapped.
 */
struct extent *aa_extent_alloc(struct arena *a, size_t npages, size_t align_pages,
			       bool *zeroed)
{
	size_t need = npages + align_pages - 1;
	struct extent *e = NULL;
	unsigned int s;

	for (;;) {
		for (s = 0; s < AA_NFREE_STATES && !e; s++)
			e = avail_take(a, s, need);
		if (e || !chunk_new(a))
			break;
	}
	if (!e)
		return NULL;

	if (align_pages > 1) {
		uintptr_t mask = (align_pages << aa_g.lg_page) - 1;
		size_t lead = ((((uintptr_t)e->addr + mask) & ~mask) - (uintptr_t)e->addr) >>
			      aa_g.lg_page;

		if (lead) {
			struct extent *body = split(e, lead);

			if (!body) {
				free_insert(a, e, e->state);
				return NULL;
			}
			avail_insert(a, e, e->state);
			e = body;
		}
	}
	if (e->npages > npages) {
		struct extent *t = split(e, npages);

		if (!t) {
			free_insert(a, e, e->state);
			return NULL;
		}
		avail_insert(a, t, t->state);
	}
	*zeroed = e->state == AA_EXT_CLEAN;
	map_set(e, true);
	return e;
}

/* Record what an extent from aa_extent_alloc() now holds. */
void aa_extent_set_inuse(struct extent *e, enum aa_ext_state st, unsigned int szind)
{
	struct chunk *c = e->chunk;
	size_t first = page_of(c, e->addr);

	e->state = (uint8_t)st;
	e->szind = (uint8_t)szind;
	if (st == AA_EXT_SLAB) {
		size_t i;

		for (i = 0; i < e->npages; i++)
			__atomic_store_n(&c->pinfo[first + i], (uint16_t)(szind | i << 8),
					 __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&c->pinfo[first], (uint16_t)szind, __ATOMIC_RELAXED);
	}
	e->arena->nactive += e->npages;
}

/* A large extent changed size in place: record its new class. */
void aa_extent_resized(struct extent *e, unsigned int szind)
{
	e->szind = (uint8_t)szind;
	__atomic_store_n(&e->chunk->pinfo[page_of(e->chunk, e->addr)], (uint16_t)szind,
			 __ATOMIC_RELAXED);
}

/* Give an in-use extent back; it becomes dirty and coalesces. */
void aa_extent_free(struct arena *a, struct extent *e)
{
	a->nactive -= e->npages;
	a->nfreed_op += e->npages;
	acd_unused(&a->decay[0], e->npages);
	szind_clear(e);
	free_insert(a, e, AA_EXT_DIRTY);
}

/* Shrink an in-use large extent to @npages pages in place. */
bool aa_extent_shrink(struct arena *a, struct extent *e, size_t npages)
{
	struct extent *t;

	if (npages >= e->npages)
		return npages == e->npages;
	t = split(e, npages);
	if (!t)
		return false;
	a->nactive -= t->npages;
	a->nfreed_op += t->npages;
	acd_unused(&a->decay[0], t->npages);
	szind_clear(t);
	map_set(t, false);
	free_insert(a, t, AA_EXT_DIRTY);
	return true;
}

/* Grow an in-use large extent to @npages pages in place, if its right
 * neighbour is a free run big enough; zero the new part if @zero.
 */
bool aa_extent_grow(struct arena *a, struct extent *e, size_t npages, bool zero)
{
	struct chunk *c = e->chunk;
	size_t first = page_of(c, e->addr), pg = first + e->npages, add;
	struct extent *n, *t;

	if (npages <= e->npages)
		return npages == e->npages;
	if (pg >= aa_g.chunk_pages)
		return false;
	n = c->map[pg];
	add = npages - e->npages;
	if (n->state < AA_EXT_DIRTY || n->state == AA_EXT_BUSY || n->npages < add)
		return false;
	avail_remove(a, n);
	if (n->npages > add) {
		t = split(n, add);
		if (!t) {
			avail_insert(a, n, n->state);
			return false;
		}
		avail_insert(a, t, t->state);
	}
	if (zero && n->state != AA_EXT_CLEAN)
		memset(n->addr, 0, add << aa_g.lg_page);
	e->npages = npages;
	a->nactive += add;
	aa_extent_delete(n);
	for (; pg < first + npages; pg++)
		c->map[pg] = e;
	return true;
}

/* ==== The huge cache ======================================================= */

static void hcache_remove(struct arena *a, struct extent *e)
{
	aa_list_del(&e->link);
	aa_list_del(&e->lru);
	a->npages[0] -= e->npages;
}

/**
 * aa_hcache_put() - keep a freed huge mapping for reuse
 * @a: arena, locked
 * @e: the huge extent, off the arena's huge list and out of the registry
 *
 * @e merges with cached ranges right before and after it and becomes the
 * newest dirty memory of the arena.
 */
void aa_hcache_put(struct arena *a, struct extent *e)
{
	struct aa_list *l, *next;

	for (l = a->hcache.next; l != &a->hcache; l = next) {
		struct extent *n = aa_container_of(l, struct extent, link);
		char *n_end = (char *)n->addr + (n->npages << aa_g.lg_page);
		char *e_end = (char *)e->addr + (e->npages << aa_g.lg_page);

		next = l->next;
		if (n->kind != e->kind)
			continue;
		if (n_end == (char *)e->addr) {
			hcache_remove(a, n);
			n->npages += e->npages;
			aa_extent_delete(e);
			e = n;
		} else if (e_end == (char *)n->addr) {
			hcache_remove(a, n);
			e->npages += n->npages;
			aa_extent_delete(n);
		}
	}
	e->chunk = NULL;
	e->state = AA_EXT_DIRTY;
	e->usize = 0;
	aa_list_add(&a->hcache, &e->link);
	aa_list_add_tail(&a->lru[0], &e->lru);
	a->npages[0] += e->npages;
}

/**
 * aa_hcache_take() - a cached range for a huge allocation, if one fits
 * @a:     arena, locked
 * @usize: usable size, whole pages
 * @align: alignment asked for (0, or a power of two)
 *
 * The smallest range of at least @usize bytes at a multiple of @align
 * wins; what lies beyond @usize rounded up to a chunk stays cached.
 *
 * Return: the extent, state AA_EXT_HUGE with @usize set, in no list; or
 * NULL (nothing fits, or no descriptor for the rest could be had).
 */
struct extent *aa_hcache_take(struct arena *a, size_t usize, size_t align)
{
	size_t need = usize >> aa_g.lg_page, keep;
	uintptr_t mask = align > aa_g.chunk ? align - 1 : 0;	/* cached: chunk-aligned */
	struct extent *best = NULL, *t;
	struct aa_list *l;

	for (l = a->hcache.next; l != &a->hcache; l = l->next) {
		struct extent *e = aa_container_of(l, struct extent, link);

		if (e->npages >= need && (!best || e->npages < best->npages) &&
		    !((uintptr_t)e->addr & mask))
			best = e;
	}
	if (!best)
		return NULL;
	keep = ((usize + aa_g.chunk - 1) & ~(aa_g.chunk - 1)) >> aa_g.lg_page;
	if (best->npages > keep) {
		t = split(best, keep);
		if (!t)
			return NULL;
		/* The rest keeps the place of the whole in the lists. */
		aa_list_add(&best->link, &t->link);
		aa_list_add(&best->lru, &t->lru);
		t->kind = best->kind;
	}
	hcache_remove(a, best);
	best->state = AA_EXT_HUGE;
	best->usize = usize;
	return best;
}

/**
 * aa_hcache_take_largest() - the largest cached range
 * @a: arena, locked
 *
 * For a huge allocation that no cached range fits: grown into the free
 * address space next to it (aa_source_extend(), with memory of the
 * range's own kind), the largest range then fits, and only the part
 * added is new memory.
 *
 * Return: the range, out of the cache (give it back with aa_hcache_put()),
 * or NULL.
 */
struct extent *aa_hcache_take_largest(struct arena *a)
{
	struct extent *best = NULL;
	struct aa_list *l;

	for (l = a->hcache.next; l != &a->hcache; l = l->next) {
		struct extent *e = aa_container_of(l, struct extent, link);

		if (!best || e->npages > best->npages)
			best = e;
	}
	if (best)
		hcache_remove(a, best);
	return best;
}

/*
 * Purge free runs of state index @s (dirty 0, muzzy 1) down to @limit
 * pages, oldest first; cached huge ranges among them are unmapped, no
 * more of the last one than the limit asks.
 * Called and returns with the lock held; drops it around the system
 * calls.  Return: pages purged.
 */
static size_t purge_state(struct arena *a, unsigned int s, size_t limit)
{
	struct aa_list batch;
	size_t total = 0, nbatch;
	bool failed = false;
	bool lazy = s == 0 && a->decay[1].decay_ms != 0;

	while (a->npages[s] > limit) {
		aa_list_init(&batch);
		nbatch = 0;
		while (a->npages[s] > limit && nbatch < 64) {
			struct extent *e = aa_container_of(a->lru[s].next, struct extent, lru);
			size_t excess = a->npages[s] - limit;
			struct extent *t = NULL;

			/* Of a cached huge range, only the tail over the limit. */
			if (!e->chunk && excess < e->npages)
				t = split(e, e->npages - excess);
			if (e->chunk) {
				avail_remove(a, e);
			} else if (t) {
				t->kind = e->kind;
				a->npages[s] -= t->npages;
				e = t;
			} else {
				hcache_remove(a, e);
			}
			e->state = AA_EXT_BUSY;
			aa_list_add_tail(&batch, &e->link);
			total += e->npages;
			nbatch++;
		}
		aa_mutex_unlock(&a->lock);
		for (struct aa_list *l = batch.next; l != &batch; l = l->next) {
			struct extent *e = aa_container_of(l, struct extent, link);
			size_t len = e->npages << aa_g.lg_page;
			enum aa_chunk_kind kind;

			if (!e->chunk) {	/* a cached huge range: unmapped */
				aa_source_unmap(e->addr, len, (enum aa_chunk_kind)e->kind);
				e->purge_to = AA_EXT_BUSY;
				continue;
			}
			kind = (enum aa_chunk_kind)e->chunk->kind;
			if (lazy && aa_source_purge_lazy(e->addr, len, kind))
				e->purge_to = AA_EXT_MUZZY;
			else if (aa_source_purge(e->addr, len, kind))
				e->purge_to = AA_EXT_CLEAN;
			else
				e->purge_to = AA_EXT_DIRTY;	/* could not: stays dirty */
		}
		aa_mutex_lock(&a->lock);
		while (!aa_list_empty(&batch)) {
			struct extent *e = aa_container_of(batch.next, struct extent, link);
			enum aa_ext_state st = (enum aa_ext_state)e->purge_to;

			aa_list_del(&e->link);
			if (st == AA_EXT_BUSY) {
				a->stats.npurge++;
				a->stats.purged += e->npages;
				aa_extent_delete(e);
				continue;
			}
			if (st == AA_EXT_MUZZY) {
				acd_unused(&a->decay[1], e->npages);
				a->stats.nmadvise_lazy++;
				a->stats.purged_lazy += e->npages;
			} else if (st == AA_EXT_CLEAN) {
				a->stats.npurge++;
				a->stats.purged += e->npages;
			}
			free_insert(a, e, st);
			failed |= st == AA_EXT_DIRTY;
		}
		if (failed)	/* the system refuses: try again next time */
			break;
	}
	return total;
}

/**
 * aa_dirty_cap() - purge the dirty pages above @limit now, oldest first
 * @a:     arena, locked (dropped and retaken inside)
 * @limit: pages of dirty memory the arena may keep
 *
 * Return: pages purged.
 */
size_t aa_dirty_cap(struct arena *a, size_t limit)
{
	size_t n;

	if (a->purging || a->npages[0] <= limit)
		return 0;
	a->purging = true;
	n = purge_state(a, 0, limit);
	acd_dropped(&a->decay[0], a->npages[0]);
	a->purging = false;
	return n;
}

/**
 * aa_decay_run() - give back what decay says, or everything
 * @a:   arena, locked (dropped and retaken inside)
 * @all: purge every dirty and muzzy page, whatever the decay times
 * @now: current time, ns
 *
 * Return: pages purged (clean or muzzy).
 */
size_t aa_decay_run(struct arena *a, bool all, uint64_t now)
{
	size_t n = 0, limit;
	unsigned int s;

	if (a->purging)
		return 0;
	a->purging = true;
	for (s = 0; s < 2; s++) {
		if (all) {
			limit = 0;
		} else {
			if (!acd_advance(&a->decay[s], now, a->npages[s]))
				continue;
			limit = acd_limit(&a->decay[s]);
		}
		if (a->npages[s] > limit)
			n += purge_state(a, s, limit);
		acd_purged(&a->decay[s], a->npages[s]);
	}
	a->purging = false;
	return n;
}
