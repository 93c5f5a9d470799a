// SPDX-License-Identifier: GPL-2.0
/*
 * Arenas: chunks from the page layer, carved into extents (runs of pages)
 * that are either a slab of one small class or one large allocation.  Huge
 * allocations, larger than a chunk, take a block of their own.
 *
 * Chunks and huge blocks come from the arena's node; an arena not created
 * with ARENALLOC_ARENA_STRICT_NODE takes them from the nearest node that
 * has one when its own has none (fragmented, full, or without memory), and
 * counts each in node_fallbacks.
 *
 * A chunk whose last extent is freed stays in the arena as dirty (on
 * arena->dirty, still usable); aa_arena_decay(), run by kmod/decay.c in
 * the background, moves the oldest empty chunks to the node's retained
 * pool when the decay curve says so.  A chunk taken back from that pool
 * is set up by aa_chunk_new() exactly as one fresh from the page
 * allocator (descriptor, free run, registry).
 *
 * Lock order
 *   1. aa_narenas_lock (mutex, api.c): one narenas change at a time
 *   2. kernfs's active references of arenas/<i>/ (removing a directory
 *      waits for its readers and writers, none of which takes 1)
 *   3. aa_arenas_lock (mutex): writes to the arena table and arena->state
 *   4. the CPU hotplug lock (read), then aa_flush_lock (tcache.c)
 *   5. the per-CPU cache's "in use" marker (tcache.c), or, never with it,
 *      arena->decay_lock (mutex): one decay step of the arena at a time
 *      (its curve, arena->dirty_decay); the shrinker only trylocks it, and
 *      nothing under it allocates or waits for an SRCU grace period
 *   6. arena->lock (spinlock, irqsave)
 *   7. the registry's xa_lock (irqsave; never dropped while held: XArray
 *      nodes are allocated outside it, by xas_nomem(), with the caller's gfp)
 *   A retained pool's lock (decay.c) is never taken with arena->lock held.
 *   No aa_arena_srcu read-side section waits for 1 or 3 (the shrinker
 *   only trylocks 3), so their holders may wait for a grace period.  A
 *   reader may wait for 4 (a refill's GFP_KERNEL allocation may enter
 *   reclaim, whose shrinker flushes the caches), so no holder of 4 waits
 *   for one: a narenas change drops it first.
 *
 * The arena table, aa_arenas[], and how long an arena lives
 *   Ids [0, ARENALLOC_NARENAS_MAX) are automatic arenas, [AA_PRIVATE_FIRST,
 *   AA_ARENAS_MAX) private ones: an id never changes meaning while its
 *   arena exists, whatever narenas does.  aa_arenas_lock protects every
 *   write of a slot and of arena->state; aa_narenas_lock serialises narenas
 *   changes, and with them aa_narenas_auto, arena->nthreads and the CPUs'
 *   bindings (api.c, tcache.c).  An automatic arena whose id falls at or
 *   above a lower narenas is retired, stays in its slot until it is empty,
 *   and is then freed.  An arena is reached four ways, and each keeps it
 *   alive as long as it needs it:
 *   - through a CPU's binding (tc->arena, aa_this_cpu_arena()) or a slot
 *     read locklessly (an explicit id, the shrinker): allocation paths and
 *     the shrinker read it inside an SRCU read-side section, aa_arena_srcu
 *     (they may sleep: a refill may allocate a chunk with GFP_KERNEL).  A
 *     narenas change unbinds every CPU from the arenas it retires and then
 *     waits for an SRCU grace period, so no allocation from a retired
 *     arena is in flight afterwards; the reaper clears an empty retired
 *     arena's slot and waits for another before it frees the arena.  An
 *     SRCU reader pays a per-CPU increment, on the refill and direct
 *     paths only, never on a cache hit.
 *   - through the chunk of one of its live objects (the registry, below):
 *     the free path.  A live object keeps its arena from being empty, and
 *     so from being freed; the free path looks the pointer up and frees
 *     it inside one RCU read-side section (preemption off on the hit
 *     path, rcu_read_lock() on the general one), and aa_arena_delete()
 *     frees the arena with kfree_rcu() after its chunks have left the
 *     registry, so even a bad pointer's lookup never reads a freed arena.
 *   - through aa_arenas_lock (statistics, decay triggers): held while used.
 *   - through sysfs (arenas/<i>/): a narenas change removes the directory
 *     (which waits for its users) before it retires the arena.
 *   So the hit path gains nothing: it reads its CPU's binding with the
 *   cache marker held, as before, and a binding changes only on its own CPU
 *   with the marker held (tcache.c).
 *
 * arena->lock protects the arena's chunk list, free runs, bins, huge list
 * and statistics, and every extent descriptor and chunk page map of the
 * arena.  The statistics are running counters, so reading them holds the
 * lock for a fixed time, whatever the arena's size.  It is irq-safe
 * because the API may be called from interrupts with GFP_ATOMIC.  Nothing
 * that may sleep runs under it: extent descriptors and chunks are
 * allocated, with the caller's gfp mask, before it is taken, and handed
 * back after it is dropped if unused.
 *
 * The registry maps every chunk-sized slot of the direct map that
 * arenalloc owns to its chunk or huge block.  Chunks and huge blocks are
 * naturally aligned (the page allocator aligns an order-N block to its
 * size, and the direct map is aligned far beyond the largest chunk), so
 * the slot of a pointer is (ptr - PAGE_OFFSET) >> lg_chunk.  Two tables
 * hold it: aa_chunk_table, a flat array of chunks over the physical memory
 * present at load (one pointer per chunk-sized slot, 4 KiB per 1 GiB of
 * memory with 2 MiB chunks), and the XArray aa_registry, which holds every
 * slot, huge blocks' included, and is the only one for memory hot-added
 * above the flat array.  Lookups are lockless under RCU, or with
 * preemption or interrupts off (the free path's too: a bad pointer may
 * lead to a block of another arena, which that arena may be releasing);
 * writers are chunk and huge-block creation
 * and release: each slot has one owner at a time, which publishes it with
 * smp_store_release() in the flat array and under the XArray's own lock
 * there.  A block leaves the registry before it is freed, and is freed
 * after an RCU grace period, so a lookup never reads freed memory.
 *
 * Inside a chunk, the page map gives the extent of any page in O(1), and
 * the page info word (AA_PINFO(), aa_chunk->pinfo) the size class and the
 * page's offset in its slab or large extent (automatic arenas only: a
 * private arena's pages keep 0, so its frees take the exact path), so
 * that the free path's lookup, aa_lookup_fast(), is two dependent loads:
 * the flat array's slot, then the chunk's arena and the page's word.
 *
 * Extent descriptors come from a SLAB_TYPESAFE_BY_RCU cache: a lockless
 * reader racing with a bad free may read a recycled descriptor, never
 * freed memory; everything read locklessly is checked again under the
 * arena lock before anything is changed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kmemleak.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "internal.h"

struct aa_arena *aa_arenas[AA_ARENAS_MAX];
EXPORT_SYMBOL_IF_KUNIT(aa_arenas);
unsigned int aa_narenas_auto;
EXPORT_SYMBOL_IF_KUNIT(aa_narenas_auto);
atomic_long_t aa_metadata_bytes;
EXPORT_SYMBOL_IF_KUNIT(aa_metadata_bytes);

DEFINE_MUTEX(aa_arenas_lock);		/* slots of aa_arenas[], arena->state */
EXPORT_SYMBOL_IF_KUNIT(aa_arenas_lock);
DEFINE_SRCU(aa_arena_srcu);		/* allocation paths' use of an arena */
static DEFINE_XARRAY_FLAGS(aa_registry, XA_FLAGS_LOCK_IRQ);
static struct kmem_cache *aa_extent_cache;
static size_t aa_extent_size;

unsigned int aa_lg_chunk __read_mostly;
EXPORT_SYMBOL_IF_KUNIT(aa_lg_chunk);
static unsigned int aa_chunk_pages __read_mostly;
/* The flat registry of chunks: fixed at init, slots written as above. */
struct aa_chunk **aa_chunk_table __read_mostly;
EXPORT_SYMBOL_IF_KUNIT(aa_chunk_table);
unsigned long aa_chunk_table_len __read_mostly;
EXPORT_SYMBOL_IF_KUNIT(aa_chunk_table_len);
u32 aa_class_bytes[ASC_NCLASSES_MAX] __read_mostly;
EXPORT_SYMBOL_IF_KUNIT(aa_class_bytes);
u32 aa_class_recip[ASC_NCLASSES_MAX] __read_mostly;
EXPORT_SYMBOL_IF_KUNIT(aa_class_recip);
u64 aa_class_divisor[ASC_NCLASSES_MAX] __read_mostly;
EXPORT_SYMBOL_IF_KUNIT(aa_class_divisor);

/* ==== Registry ========================================================= */

/* Registry index of @ptr: chunk-sized slots counted from the direct map. */
static unsigned long aa_key(const void *ptr)
{
	return ((unsigned long)ptr - PAGE_OFFSET) >> aa_lg_chunk;
}

/* Points the flat array's slot of chunk @b, if it has one, at @val. */
static void aa_table_set(struct aa_block *b, struct aa_chunk *val)
{
	unsigned long key = aa_key(b->base);

	if (b->kind != AA_BLOCK_CHUNK || key >= aa_chunk_table_len)
		return;
	/* Pairs with aa_lookup_fast()'s READ_ONCE(): the chunk is complete. */
	smp_store_release(&aa_chunk_table[key], val);
}

/* The block that @ptr's slot maps to, or NULL; under RCU or irqs off. */
static struct aa_block *aa_block_find(const void *ptr)
{
	unsigned long key = aa_key(ptr);
	struct aa_chunk *chunk;

	if (key < aa_chunk_table_len) {
		chunk = READ_ONCE(aa_chunk_table[key]);
		if (chunk)
			return &chunk->b;
	}
	/* Huge blocks, and chunks above the flat array, are in the XArray. */
	return xa_load(&aa_registry, key);
}

static int aa_registry_insert(struct aa_block *b, unsigned int order, gfp_t gfp)
{
	unsigned long key = aa_key(b->base);
	unsigned long n = max(1UL, (PAGE_SIZE << order) >> aa_lg_chunk);
	XA_STATE(xas, &aa_registry, key);
	unsigned long i, flags;
	int err;

	/*
	 * All slots or none.  A store that needs a node it cannot get without
	 * sleeping fails with -ENOMEM; the slots stored so far are taken back
	 * and xas_nomem() allocates the node with @gfp, outside the lock.
	 */
	do {
		xas_lock_irqsave(&xas, flags);
		for (i = 0; i < n; i++) {
			xas_set(&xas, key + i);
			xas_store(&xas, b);
			if (xas_error(&xas))
				break;
		}
		err = xas_error(&xas);
		if (err) {
			while (i--) {
				xas_set(&xas, key + i);
				xas_store(&xas, NULL);
			}
			xas_set_err(&xas, err);
		}
		xas_unlock_irqrestore(&xas, flags);
	} while (xas_nomem(&xas, aa_meta_gfp(gfp)));
	err = xas_error(&xas);
	if (!err)
		aa_table_set(b, container_of(b, struct aa_chunk, b));
	return err;
}

static void aa_registry_remove(struct aa_block *b, unsigned int order)
{
	unsigned long key = aa_key(b->base);
	unsigned long n = max(1UL, (PAGE_SIZE << order) >> aa_lg_chunk);
	unsigned long i, flags;

	aa_table_set(b, NULL);
	xa_lock_irqsave(&aa_registry, flags);
	for (i = 0; i < n; i++)
		__xa_erase(&aa_registry, key + i);
	xa_unlock_irqrestore(&aa_registry, flags);
}

/* ==== Extents ========================================================== */

static struct aa_extent *aa_extent_new(gfp_t gfp)
{
	return kmem_cache_alloc(aa_extent_cache, aa_meta_gfp(gfp));
}

static void aa_extent_put(struct aa_extent *e)
{
	if (e)
		kmem_cache_free(aa_extent_cache, e);
}

static void *aa_extent_addr(const struct aa_extent *e)
{
	return e->chunk->b.base + ((unsigned long)e->first << PAGE_SHIFT);
}

static void aa_map_set(struct aa_extent *e)
{
	unsigned int i;

	for (i = 0; i < e->npages; i++)
		e->chunk->map[e->first + i] = e;
}

/*
 * Publishes a new slab's or large allocation's page info for the lockless
 * free path: every page of a slab, only the first of a large extent (a
 * pointer into a later page is no allocation's start).
 */
static void aa_pinfo_set(struct aa_arena *arena, struct aa_extent *e)
{
	unsigned int i, n = e->state == AA_EXTENT_SLAB ? e->npages : 1;

	/* A private arena's objects never enter a cache: no fast path. */
	for (i = 0; i < n && !arena->private; i++)
		WRITE_ONCE(e->chunk->pinfo[e->first + i], AA_PINFO(e->szind, i));
}

/* The extent's pages no longer hold an allocation. */
static void aa_pinfo_clear(struct aa_extent *e)
{
	unsigned int i, n = e->state == AA_EXTENT_SLAB ? e->npages : 1;

	for (i = 0; i < n; i++)
		WRITE_ONCE(e->chunk->pinfo[e->first + i], 0);
}

static void aa_run_insert(struct aa_arena *arena, struct aa_extent *e)
{
	e->state = AA_EXTENT_FREE;
	list_add(&e->link, &arena->free_runs[ilog2(e->npages)]);
}

/*
 * Carves @npages, aligned to @align_pages, out of a free run.  spares[0]
 * becomes the carved extent; an aligned carve that leaves runs on both
 * sides also uses spares[1].  Used spares are set to NULL.
 * Returns NULL when no run fits.
 */
static struct aa_extent *aa_run_take(struct aa_arena *arena, unsigned int npages,
				     unsigned int align_pages, struct aa_extent **spares)
{
	unsigned int b, lead, tail;
	struct aa_extent *run, *e, *t;

	lockdep_assert_held(&arena->lock);

	for (b = ilog2(npages); b < AA_NBUCKETS; b++) {
		list_for_each_entry(run, &arena->free_runs[b], link) {
			lead = ALIGN(run->first, align_pages) - run->first;
			if (run->npages < lead + npages)
				continue;
			tail = run->npages - lead - npages;
			if (!lead || !tail || spares[1])
				goto found;
		}
	}
	return NULL;

found:
	list_del(&run->link);
	e = spares[0];
	spares[0] = NULL;
	e->chunk = run->chunk;
	e->first = run->first + lead;
	e->npages = npages;
	if (lead && tail) {
		t = spares[1];
		spares[1] = NULL;
		t->chunk = run->chunk;
		t->first = e->first + npages;
		t->npages = tail;
		aa_map_set(t);
		aa_run_insert(arena, t);
	}
	if (lead || tail) {
		/* The old run keeps the leftover on one side. */
		run->first = lead ? run->first : e->first + npages;
		run->npages = lead ? lead : tail;
		aa_run_insert(arena, run);
	} else {
		aa_extent_put(run);
	}
	aa_map_set(e);
	if (!e->chunk->nactive) {
		/* The chunk is in use again: it is no longer dirty. */
		list_del_init(&e->chunk->dirty_link);
		arena->ndirty -= aa_chunk_pages;
		atomic_long_sub(aa_chunk_pages, &aa_dirty_pages);
	}
	e->chunk->nactive += npages;
	arena->nactive_pages += npages;
	return e;
}

static void aa_chunk_release(struct aa_arena *arena, struct aa_chunk *chunk);

/* Give a used extent's pages back as a free run, merging with neighbours. */
static void aa_run_free(struct aa_arena *arena, struct aa_extent *e)
{
	struct aa_chunk *chunk = e->chunk;
	struct aa_extent *nb;

	lockdep_assert_held(&arena->lock);
	aa_pinfo_clear(e);
	chunk->nactive -= e->npages;
	arena->nactive_pages -= e->npages;

	if (e->first) {
		nb = chunk->map[e->first - 1];
		if (nb->state == AA_EXTENT_FREE) {
			list_del(&nb->link);
			nb->npages += e->npages;
			aa_extent_put(e);
			e = nb;
		}
	}
	if (e->first + e->npages < aa_chunk_pages) {
		nb = chunk->map[e->first + e->npages];
		if (nb->state == AA_EXTENT_FREE) {
			list_del(&nb->link);
			e->npages += nb->npages;
			aa_extent_put(nb);
		}
	}
	aa_map_set(e);
	aa_run_insert(arena, e);

	if (!chunk->nactive)
		aa_chunk_release(arena, chunk);
}

/* ==== Chunks =========================================================== */

static size_t aa_chunk_header_size(void)
{
	return ALIGN(struct_size_t(struct aa_chunk, pinfo, aa_chunk_pages), sizeof(void *)) +
	       aa_chunk_pages * sizeof(struct aa_extent *);
}

/*
 * A block of pages for @arena: from its node, or, unless the arena is
 * strict, from the nearest node that has one (aa_block_add() counts it).
 */
static struct page *aa_block_pages(struct aa_arena *arena, unsigned int order, gfp_t gfp)
{
	if (arena->strict_node)
		return arenalloc_pages_alloc(arena->nid, order, gfp);
	return arenalloc_pages_alloc_near(arena->nid, order, gfp);
}

/* Accounts a new block of @arena that lies on node @nid. */
static void aa_block_add(struct aa_arena *arena, int nid)
{
	lockdep_assert_held(&arena->lock);
	if (nid != arena->nid)
		arena->node_fallbacks++;
}

/*
 * A new chunk for @arena, registered, holding one free run.  Its pages come
 * from the retained pool of the arena's node when it has some, else from
 * the page allocator; the chunk is set up the same way in both cases.
 */
static struct aa_chunk *aa_chunk_new(struct aa_arena *arena, gfp_t gfp)
{
	unsigned int order = aa_lg_chunk - PAGE_SHIFT;
	struct aa_extent *run;
	struct aa_chunk *chunk;

	chunk = kzalloc_node(aa_chunk_header_size(), aa_meta_gfp(gfp), arena->nid);
	run = aa_extent_new(gfp);
	if (!chunk || !run)
		goto undo_meta;
	chunk->map = (void *)chunk + ALIGN(struct_size(chunk, pinfo, aa_chunk_pages),
					   sizeof(void *));
	chunk->page = aa_retained_take(arena);
	if (!chunk->page)
		chunk->page = aa_block_pages(arena, order, aa_chunk_gfp(gfp));
	if (!chunk->page)
		goto undo_meta;
	chunk->b.kind = AA_BLOCK_CHUNK;
	chunk->b.arena = arena;
	chunk->b.base = page_address(chunk->page);
	INIT_LIST_HEAD(&chunk->dirty_link);
	/* The map is complete before a lockless lookup can find the chunk. */
	run->chunk = chunk;
	run->first = 0;
	run->npages = aa_chunk_pages;
	run->state = AA_EXTENT_FREE;
	INIT_LIST_HEAD(&run->link);
	aa_map_set(run);
	if (aa_registry_insert(&chunk->b, order, gfp))
		goto undo_pages;
	atomic_long_add(aa_chunk_header_size() + aa_extent_size, &aa_metadata_bytes);
	return chunk;

undo_pages:
	arenalloc_pages_free(chunk->page, order);
undo_meta:
	aa_extent_put(run);
	kfree(chunk);
	return NULL;
}

/* Puts an empty chunk at the young end of @arena's dirty list. */
static void aa_chunk_dirty(struct aa_arena *arena, struct aa_chunk *chunk)
{
	lockdep_assert_held(&arena->lock);
	list_add_tail(&chunk->dirty_link, &arena->dirty);
	arena->ndirty += aa_chunk_pages;
	atomic_long_add(aa_chunk_pages, &aa_dirty_pages);
	aa_decay_arena_kick(arena);
}

/*
 * Make a new chunk's free run usable by @arena.  It is empty, so dirty
 * until a run is taken from it: a chunk that another thread's frees made
 * unnecessary still decays.
 */
static void aa_chunk_add(struct aa_arena *arena, struct aa_chunk *chunk)
{
	lockdep_assert_held(&arena->lock);
	list_add(&chunk->link, &arena->chunks);
	arena->nchunks++;
	aa_block_add(arena, page_to_nid(chunk->page));
	aa_run_insert(arena, chunk->map[0]);
	aa_chunk_dirty(arena, chunk);
}

/* Unregisters @chunk and frees its descriptor; returns its pages. */
static struct page *aa_chunk_unregister(struct aa_chunk *chunk)
{
	struct page *page = chunk->page;

	aa_registry_remove(&chunk->b, aa_lg_chunk - PAGE_SHIFT);
	atomic_long_sub(aa_chunk_header_size() + aa_extent_size, &aa_metadata_bytes);
	kfree_rcu(chunk, b.rcu);
	return page;
}

/*
 * @chunk has no active pages left: it stays, dirty, for reuse until decay
 * moves it to the retained pool (aa_arena_decay()).
 */
static void aa_chunk_release(struct aa_arena *arena, struct aa_chunk *chunk)
{
	lockdep_assert_held(&arena->lock);
	aa_chunk_dirty(arena, chunk);
}

/*
 * Takes the longest-empty chunk out of @arena: its free run and descriptor
 * are freed and it leaves the registry, as when it was freed before decay
 * existed.  Returns its pages, still held by the page layer.
 */
static struct page *aa_chunk_detach_oldest(struct aa_arena *arena)
{
	struct aa_chunk *chunk;
	struct aa_extent *run;

	lockdep_assert_held(&arena->lock);
	chunk = list_first_entry(&arena->dirty, struct aa_chunk, dirty_link);
	run = chunk->map[0];
	list_del_init(&chunk->dirty_link);
	arena->ndirty -= aa_chunk_pages;
	atomic_long_sub(aa_chunk_pages, &aa_dirty_pages);
	list_del(&run->link);
	aa_extent_put(run);
	list_del(&chunk->link);
	arena->nchunks--;
	return aa_chunk_unregister(chunk);
}

/*
 * Moves the oldest empty chunks of @arena beyond what its dirty curve lets
 * it keep at @now, and at least @force pages more, out of it: to the
 * retained pools, or with @purge straight to the page allocator.  Without
 * @wait, gives up (returns 0) when another decay step of @arena runs.
 *
 * The curve (arena->dirty_decay) is advanced under arena->decay_lock, a
 * mutex, not under arena->lock: its walk over the ACD_NSTEPS epochs is the
 * longest part of a step, and runs with interrupts on.  It reads ndirty
 * without arena->lock; pages that become dirty before the lock is taken
 * are left out of what acd_purged() records, so the next epoch counts
 * them as new, as it would have without the gap.  arena->lock is then held
 * for at most AA_DECAY_BATCH chunk detaches at a time.
 */
static unsigned long aa_arena_decay_to(struct aa_arena *arena, u64 now,
				       unsigned long force, bool purge, bool wait)
{
	long ms = aa_arena_dirty_ms(arena);
	struct acd_decay *d = &arena->dirty_decay;
	unsigned long flags, limit, moved = 0, n0, fresh;
	unsigned int n;
	LIST_HEAD(pages);
	bool more;
	u64 held;

	if (wait)
		mutex_lock(&arena->decay_lock);
	else if (!mutex_trylock(&arena->decay_lock))
		return 0;
	if (d->decay_ms != ms)
		acd_init(d, ms, now);
	/* Whole chunks: keep the curve's limit rounded up to one. */
	n0 = READ_ONCE(arena->ndirty);
	limit = acd_advance(d, now, n0) ? roundup(acd_limit(d), aa_chunk_pages) : ULONG_MAX;

	spin_lock_irqsave(&arena->lock, flags);
	held = aa_decay_hold_start();
	/* Pages dirtied since the curve read ndirty: new, for the next epoch. */
	fresh = arena->ndirty - min(arena->ndirty, n0);
	if (force)
		limit = min(limit, arena->ndirty - min(arena->ndirty, force));
	for (;;) {
		for (n = 0; n < AA_DECAY_BATCH && arena->ndirty > limit; n++)
			list_add_tail(&aa_chunk_detach_oldest(arena)->lru, &pages);
		if (n && !moved)
			arena->dirty_npurge++;
		arena->dirty_nmadvise += n;
		arena->dirty_purged += (unsigned long)n * aa_chunk_pages;
		moved += (unsigned long)n * aa_chunk_pages;
		acd_purged(d, arena->ndirty - min(arena->ndirty, fresh));
		more = arena->ndirty > limit;
		aa_decay_hold_end(AA_HOLD_ARENA, held);
		spin_unlock_irqrestore(&arena->lock, flags);
		if (purge)
			aa_retained_free(&pages);
		else
			aa_retained_put(arena, &pages, now, wait);
		if (!more)
			break;
		cond_resched();
		spin_lock_irqsave(&arena->lock, flags);
		held = aa_decay_hold_start();
	}
	mutex_unlock(&arena->decay_lock);
	return moved;
}

/**
 * aa_arena_decay() - move dirty chunks of @arena to the retained pools
 * @arena: the arena
 * @now:   the time, ns (aa_decay_now(); the KUnit suite passes its own)
 * @force: pages to move whatever the curve says; ULONG_MAX for all
 *
 * Applies the arena's dirty decay curve (its dirty_decay_ms, or the
 * global one) at @now: the oldest empty chunks beyond what the curve lets
 * the arena keep, and at least @force pages more, leave it, in whole
 * chunks (the limit rounded up to a whole chunk, @force rounded up to
 * one), for its own retained pool or that of the node they lie on
 * (aa_retained_put()).  The lock is held for at most AA_DECAY_BATCH
 * chunks at a time, each a constant amount of work.
 *
 * Context: Process context (it may reschedule between batches); takes
 * @arena->decay_lock, then @arena->lock.
 * Return: pages moved.
 */
unsigned long aa_arena_decay(struct aa_arena *arena, u64 now, unsigned long force)
{
	return aa_arena_decay_to(arena, now, force, false, true);
}
EXPORT_SYMBOL_IF_KUNIT(aa_arena_decay);

/**
 * aa_arena_decay_nowait() - aa_arena_decay(), unless it would wait
 * @arena: the arena
 * @now:   the time, ns
 * @force: pages to move whatever the curve says; ULONG_MAX for all
 *
 * For the shrinker: another decay step of @arena already gives its pages
 * back, so rather than wait for it, this one does nothing.
 *
 * Context: Process context, reclaim included; takes @arena->lock.
 * Return: pages moved.
 */
unsigned long aa_arena_decay_nowait(struct aa_arena *arena, u64 now, unsigned long force)
{
	return aa_arena_decay_to(arena, now, force, false, false);
}

/**
 * aa_arena_purge() - give every dirty chunk of @arena back now
 * @arena: the arena
 *
 * As aa_arena_decay() with every page forced, but the chunks go straight
 * back to the page allocator, not through a retained pool.
 *
 * Context: Process context; takes @arena->lock.
 * Return: pages given back.
 */
unsigned long aa_arena_purge(struct aa_arena *arena)
{
	return aa_arena_decay_to(arena, aa_decay_now(), ULONG_MAX, true, true);
}

/* ==== Small allocations: slabs ========================================= */

static void *aa_slab_region(const struct aa_extent *slab, unsigned int idx)
{
	return aa_extent_addr(slab) + (size_t)idx * asc_index2size(slab->szind);
}

/*
 * Pages a run of class @szind is aligned to.  A power-of-two size is
 * aligned to itself, as kmalloc() guarantees (and code ported from it
 * relies on for buffers, bitmaps and DMA); other sizes to a page.
 */
static unsigned int aa_class_align_pages(unsigned int szind)
{
	size_t size = asc_index2size(szind);

	return is_power_of_2(size) && size > PAGE_SIZE ? size >> PAGE_SHIFT : 1;
}

/* Makes a slab of class @szind from a free run; false if none fits. */
static bool aa_slab_new(struct aa_arena *arena, unsigned int szind,
			struct aa_extent **spares)
{
	const struct asc_slab *geo = &arenalloc_sc.slab[szind];
	struct aa_extent *slab;

	slab = aa_run_take(arena, geo->pages, aa_class_align_pages(szind), spares);
	if (!slab)
		return false;
	slab->state = AA_EXTENT_SLAB;
	slab->szind = szind;
	slab->nfree = geo->nregs;
	acs_init(slab->bitmap, geo->nregs);
	aa_pinfo_set(arena, slab);
	list_add(&slab->link, &arena->bins[szind].nonfull);
	arena->bins[szind].nslabs++;
	return true;
}

/* Takes up to @n regions of class @szind from slabs that have them. */
static int aa_bin_take(struct aa_arena *arena, unsigned int szind, void **ptrs, int n)
{
	struct aa_bin *bin = &arena->bins[szind];
	unsigned int nregs = arenalloc_sc.slab[szind].nregs;
	struct aa_extent *slab;
	int got = 0;

	lockdep_assert_held(&arena->lock);
	while (got < n && !list_empty(&bin->nonfull)) {
		slab = list_first_entry(&bin->nonfull, struct aa_extent, link);
		while (got < n && slab->nfree) {
			slab->nfree--;
			ptrs[got++] = aa_slab_region(slab, acs_take(slab->bitmap, nregs));
		}
		if (!slab->nfree)
			list_del_init(&slab->link);
	}
	bin->curregs += got;
	bin->nmalloc += got;
	return got;
}

/* Up to @n regions of small class @szind; @fill: for a per-CPU cache. */
static int aa_arena_small(struct aa_arena *arena, unsigned int szind, void **ptrs,
			  int n, gfp_t gfp, bool fill)
{
	struct aa_extent *spares[2] = { NULL, NULL };
	bool aligned = aa_class_align_pages(szind) > 1;
	struct aa_chunk *chunk = NULL;
	unsigned long flags;
	int got;

	for (;;) {
		spin_lock_irqsave(&arena->lock, flags);
		if (chunk) {
			aa_chunk_add(arena, chunk);
			chunk = NULL;
		}
		got = aa_bin_take(arena, szind, ptrs, n);
		if (!got && spares[0] && aa_slab_new(arena, szind, spares))
			got = aa_bin_take(arena, szind, ptrs, n);
		if (got) {
			/* One request: the caller's (a refill's miss, or a direct call). */
			arena->bins[szind].nrequests++;
			arena->bins[szind].nfills += fill;
		}
		spin_unlock_irqrestore(&arena->lock, flags);
		if (got)
			break;

		/* Nothing in the bin or the free runs: get memory, unlocked. */
		if (!spares[0] || (aligned && !spares[1])) {
			struct aa_extent **spare = &spares[!!spares[0]];

			*spare = aa_extent_new(gfp);
			if (!*spare)
				break;
			continue;
		}
		chunk = aa_chunk_new(arena, gfp);
		if (!chunk)
			break;
	}
	aa_extent_put(spares[0]);
	aa_extent_put(spares[1]);
	return got;
}

/**
 * aa_arena_alloc_small() - up to @n regions of small class @szind
 * @arena: arena to allocate from
 * @szind: small size class
 * @ptrs:  where the regions go
 * @n:     how many are wanted (at least 1)
 * @gfp:   the caller's allocation flags
 *
 * Context: Any context @gfp allows; takes @arena->lock.
 * Return: how many regions were stored in @ptrs: 0 only when no memory
 * could be had.
 */
int aa_arena_alloc_small(struct aa_arena *arena, unsigned int szind, void **ptrs,
			 int n, gfp_t gfp)
{
	return aa_arena_small(arena, szind, ptrs, n, gfp, false);
}

/**
 * aa_arena_fill_small() - refill a per-CPU cache with regions of @szind
 * @arena: arena to allocate from
 * @szind: small size class
 * @ptrs:  where the regions go
 * @n:     how many are wanted (at least 1)
 * @gfp:   the caller's allocation flags
 *
 * As aa_arena_alloc_small(), and counted as one fill (nfills) of the
 * class, under the lock it takes anyway.
 *
 * Context: Any context @gfp allows; takes @arena->lock.
 * Return: how many regions were stored in @ptrs: 0 only when no memory
 * could be had.
 */
int aa_arena_fill_small(struct aa_arena *arena, unsigned int szind, void **ptrs,
			int n, gfp_t gfp)
{
	return aa_arena_small(arena, szind, ptrs, n, gfp, true);
}

/*
 * Returns one region to its slab; false if it is not a live region.
 * @forget: tell kmemleak first, before the region can be handed out again.
 */
static bool aa_slab_free(struct aa_arena *arena, struct aa_extent *slab, void *ptr,
			 bool forget, unsigned long *flushed)
{
	struct aa_bin *bin = &arena->bins[slab->szind];
	u32 off = ptr - aa_extent_addr(slab);
	unsigned int idx = aa_region_index(slab->szind, off);

	if (idx * aa_class_bytes[slab->szind] != off || !acs_put(slab->bitmap, idx))
		return false;
	if (forget)
		kmemleak_free(ptr);
	bin->curregs--;
	bin->ndalloc++;
	if (flushed)
		__set_bit(slab->szind, flushed);
	if (!slab->nfree++)
		list_add(&slab->link, &bin->nonfull);
	/* An empty slab goes back unless it is the bin's only one with room. */
	if (slab->nfree == arenalloc_sc.slab[slab->szind].nregs &&
	    !list_is_singular(&bin->nonfull)) {
		list_del(&slab->link);
		bin->nslabs--;
		aa_run_free(arena, slab);
	}
	return true;
}

/* ==== Large allocations ================================================ */

/**
 * aa_arena_alloc_large() - one run of pages for large class @szind
 * @arena: arena to allocate from
 * @szind: large size class
 * @align: alignment, a power of two up to the chunk size
 * @gfp:   the caller's allocation flags
 *
 * A class whose size is a power of two is aligned to its size as well.
 *
 * Context: Any context @gfp allows; takes @arena->lock.
 * Return: the allocation, or NULL.
 */
void *aa_arena_alloc_large(struct aa_arena *arena, unsigned int szind, size_t align,
			   gfp_t gfp)
{
	unsigned int npages = asc_index2size(szind) >> PAGE_SHIFT;
	unsigned int align_pages = max_t(size_t, align >> PAGE_SHIFT,
					 aa_class_align_pages(szind));
	struct aa_extent *spares[2] = { NULL, NULL }, *e = NULL;
	struct aa_chunk *chunk = NULL;
	unsigned long flags;

	spares[0] = aa_extent_new(gfp);
	if (align_pages > 1)
		spares[1] = aa_extent_new(gfp);
	if (!spares[0] || (align_pages > 1 && !spares[1]))
		goto out;
	for (;;) {
		spin_lock_irqsave(&arena->lock, flags);
		if (chunk)
			aa_chunk_add(arena, chunk);
		e = aa_run_take(arena, npages, align_pages, spares);
		if (e) {
			e->state = AA_EXTENT_LARGE;
			e->szind = szind;
			INIT_LIST_HEAD(&e->link);
			aa_pinfo_set(arena, e);
			arena->large_nmalloc++;
			arena->large_cur++;
			arena->lstats[szind - arenalloc_sc.nsmall].nmalloc++;
			arena->lstats[szind - arenalloc_sc.nsmall].curlextents++;
			arena->large_bytes += (size_t)npages << PAGE_SHIFT;
		}
		spin_unlock_irqrestore(&arena->lock, flags);
		/* A fresh chunk is aligned to its size: it always fits. */
		if (e || chunk)
			break;
		chunk = aa_chunk_new(arena, gfp);
		if (!chunk)
			break;
	}
out:
	aa_extent_put(spares[0]);
	aa_extent_put(spares[1]);
	return e ? aa_extent_addr(e) : NULL;
}

/* ==== Huge allocations ================================================= */

/**
 * aa_arena_alloc_huge() - a block of its own for more than a chunk
 * @arena: arena whose node and accounting it belongs to
 * @size:  request size, above the chunk size
 * @gfp:   the caller's allocation flags (__GFP_ACCOUNT charges the block)
 *
 * Context: Any context @gfp allows; takes @arena->lock.
 * Return: the allocation, aligned to its size, or NULL.
 */
void *aa_arena_alloc_huge(struct aa_arena *arena, size_t size, gfp_t gfp)
{
	unsigned int order = get_order(size);
	unsigned long flags;
	struct aa_huge *h;
	struct page *page;

	if (order > MAX_PAGE_ORDER)
		return NULL;
	h = kzalloc_node(sizeof(*h), aa_meta_gfp(gfp), arena->nid);
	if (!h)
		return NULL;
	h->order = order;
	h->b.kind = AA_BLOCK_HUGE;
	h->b.arena = arena;
	/* A block of its own can be charged to the caller's cgroup. */
	page = aa_block_pages(arena, order, aa_meta_gfp(gfp) | (gfp & __GFP_ACCOUNT));
	if (!page)
		goto undo_h;
	h->b.base = page_address(page);
	if (aa_registry_insert(&h->b, order, gfp))
		goto undo_pages;

	spin_lock_irqsave(&arena->lock, flags);
	list_add(&h->link, &arena->huge);
	arena->nhuge_pages += 1UL << order;
	aa_block_add(arena, page_to_nid(page));
	spin_unlock_irqrestore(&arena->lock, flags);
	atomic_long_add(sizeof(*h), &aa_metadata_bytes);
	return h->b.base;

undo_pages:
	arenalloc_pages_free(page, order);
undo_h:
	kfree(h);
	return NULL;
}

static void aa_huge_free(struct aa_huge *h)
{
	aa_registry_remove(&h->b, h->order);
	arenalloc_pages_free(virt_to_page(h->b.base), h->order);
	atomic_long_sub(sizeof(*h), &aa_metadata_bytes);
	kfree_rcu(h, b.rcu);
}

/* ==== Lookup and free ================================================== */

/**
 * aa_lookup() - what arenalloc knows about @ptr
 * @ptr:  a pointer, perhaps not one arenalloc handed out
 * @info: filled in on success
 *
 * Lockless.  The answer is reliable for a live allocation; for anything
 * else it may be stale.  A free that goes to the arena is checked again
 * under the lock; one taken by a per-CPU cache is checked only against
 * the cache's most recent entry (tcache.c), so a pointer that passes here
 * is not proven live.
 *
 * Context: Any context.
 * Return: 0, or -ENOENT when @ptr is not the start of an allocation in
 * memory arenalloc owns.
 */
int aa_lookup(const void *ptr, struct aa_ptr_info *info)
{
	struct aa_extent *e;
	struct aa_block *b;
	unsigned long off;
	int ret = -ENOENT;

	rcu_read_lock();
	b = aa_block_find(ptr);
	if (!b)
		goto out;
	info->arena = b->arena;
	if (b->kind == AA_BLOCK_HUGE) {
		struct aa_huge *h = container_of(b, struct aa_huge, b);

		if (ptr != b->base)
			goto out;
		info->szind = UINT_MAX;
		info->usize = PAGE_SIZE << h->order;
		ret = 0;
		goto out;
	}
	off = ptr - b->base;
	e = READ_ONCE(container_of(b, struct aa_chunk, b)->map[off >> PAGE_SHIFT]);
	switch (READ_ONCE(e->state)) {
	case AA_EXTENT_SLAB:
		info->szind = READ_ONCE(e->szind);
		info->usize = asc_index2size(info->szind);
		if ((off - ((unsigned long)READ_ONCE(e->first) << PAGE_SHIFT)) % info->usize)
			goto out;
		ret = 0;
		break;
	case AA_EXTENT_LARGE:
		info->szind = READ_ONCE(e->szind);
		info->usize = asc_index2size(info->szind);
		if (off != (unsigned long)READ_ONCE(e->first) << PAGE_SHIFT)
			goto out;
		ret = 0;
		break;
	}
out:
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(aa_lookup);

/*
 * Frees one pointer of @arena under its lock; false if it is not live.
 * @forget: tell kmemleak once it is known live, before the memory can be
 * reused (it is still registered: it comes from the caller, not a cache).
 */
static bool aa_arena_free_one(struct aa_arena *arena, void *ptr, bool forget,
			      unsigned long *flushed)
{
	struct aa_chunk *chunk;
	struct aa_extent *e;
	struct aa_block *b;

	lockdep_assert_held(&arena->lock);
	/*
	 * A bad @ptr may lead to a block of another arena, freed under its
	 * lock: interrupts are off, which makes this an RCU read-side section.
	 */
	b = aa_block_find(ptr);
	if (b && b->arena != arena)
		b = NULL;
	/* One of ours, then: our lock keeps it registered and alive. */
	if (!b)
		return false;
	if (b->kind == AA_BLOCK_HUGE) {
		struct aa_huge *h = container_of(b, struct aa_huge, b);

		if (ptr != b->base)
			return false;
		if (forget)
			kmemleak_free(ptr);
		list_del(&h->link);
		arena->nhuge_pages -= 1UL << h->order;
		aa_huge_free(h);
		return true;
	}
	chunk = container_of(b, struct aa_chunk, b);
	e = chunk->map[(ptr - b->base) >> PAGE_SHIFT];
	if (e->state == AA_EXTENT_SLAB)
		return aa_slab_free(arena, e, ptr, forget, flushed);
	if (e->state != AA_EXTENT_LARGE || ptr != aa_extent_addr(e))
		return false;
	if (forget)
		kmemleak_free(ptr);
	arena->large_ndalloc++;
	arena->large_cur--;
	arena->lstats[e->szind - arenalloc_sc.nsmall].ndalloc++;
	arena->lstats[e->szind - arenalloc_sc.nsmall].curlextents--;
	if (flushed)
		__set_bit(e->szind, flushed);
	arena->large_bytes -= (size_t)e->npages << PAGE_SHIFT;
	aa_run_free(arena, e);
	return true;
}

/**
 * aa_arena_free_batch() - give allocations back to the arena they came from
 * @arena: their arena
 * @ptrs:  the allocations, which kmemleak no longer tracks (they come
 *         from a per-CPU cache or never reached a caller)
 * @n:     how many
 *
 * A pointer that is not a live allocation of @arena (freed twice, never
 * handed out, or not the start of an allocation) is left alone and
 * reported once.  Each class the batch held counts one flush (nflushes).
 *
 * Context: Any context; takes @arena->lock once.
 */
void aa_arena_free_batch(struct aa_arena *arena, void **ptrs, int n)
{
	DECLARE_BITMAP(flushed, AA_NCLASSES_MAX);
	unsigned long flags;
	void *bad = NULL;
	unsigned int c;
	bool retired;
	int i;

	bitmap_zero(flushed, AA_NCLASSES_MAX);
	spin_lock_irqsave(&arena->lock, flags);
	for (i = 0; i < n; i++)
		if (!aa_arena_free_one(arena, ptrs[i], false, flushed))
			bad = ptrs[i];
	for_each_set_bit(c, flushed, AA_NCLASSES_MAX) {
		if (c < arenalloc_sc.nsmall)
			arena->bins[c].nflushes++;
		else
			arena->lstats[c - arenalloc_sc.nsmall].nflushes++;
	}
	retired = READ_ONCE(arena->state) == AA_ARENA_RETIRED;
	spin_unlock_irqrestore(&arena->lock, flags);
	if (bad)
		aa_report_bad_free(bad, 0);
	/* It may be empty now: the reaper frees it if so. */
	if (unlikely(retired))
		aa_reap_kick();
}

/**
 * aa_arena_free() - give one allocation back to its arena
 * @arena: its arena
 * @ptr:   the allocation, registered with kmemleak
 *
 * kmemleak forgets @ptr under the lock, once it is known live and before
 * another CPU can be handed the memory and register it again.
 *
 * Context: Any context; takes @arena->lock.
 * Return: true, or false (and nothing changed) when @ptr is not a live
 * allocation of @arena.
 */
bool aa_arena_free(struct aa_arena *arena, void *ptr)
{
	unsigned long flags;
	bool ok, retired;

	spin_lock_irqsave(&arena->lock, flags);
	ok = aa_arena_free_one(arena, ptr, true, NULL);
	retired = READ_ONCE(arena->state) == AA_ARENA_RETIRED;
	spin_unlock_irqrestore(&arena->lock, flags);
	if (unlikely(retired))
		aa_reap_kick();
	return ok;
}

/**
 * aa_arena_empty() - whether @arena holds no live allocation
 * @arena: the arena
 *
 * Live means handed out and not given back: objects in a per-CPU cache
 * count, empty chunks waiting for decay do not.
 *
 * Context: Any context; takes @arena->lock for O(size classes).
 * Return: true when no small region, large or huge allocation is live.
 */
bool aa_arena_empty(struct aa_arena *arena)
{
	unsigned long flags;
	bool empty;
	unsigned int i;

	spin_lock_irqsave(&arena->lock, flags);
	empty = !arena->large_cur && list_empty(&arena->huge);
	for (i = 0; empty && i < arenalloc_sc.nsmall; i++)
		empty = !arena->bins[i].curregs;
	spin_unlock_irqrestore(&arena->lock, flags);
	return empty;
}
EXPORT_SYMBOL_IF_KUNIT(aa_arena_empty);

/* ==== Arenas =========================================================== */

/**
 * aa_arena_stats_get() - a consistent snapshot of @arena
 * @arena: the arena
 * @st:    filled in
 *
 * Reads running counters: the lock is held for O(size classes), never for
 * a walk over the arena's chunks, since any user may read the statistics.
 *
 * Context: Any context; takes @arena->lock.
 */
void aa_arena_stats_get(struct aa_arena *arena, struct aa_arena_stats *st)
{
	unsigned long flags;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	spin_lock_irqsave(&arena->lock, flags);
	st->nchunks = arena->nchunks;
	st->active_pages = arena->nactive_pages;
	st->huge_pages = arena->nhuge_pages;
	for (i = 0; i < arenalloc_sc.nsmall; i++) {
		st->small_regs += arena->bins[i].curregs;
		st->small_bytes += arena->bins[i].curregs * asc_index2size(i);
		st->nmalloc += arena->bins[i].nmalloc;
		st->ndalloc += arena->bins[i].ndalloc;
	}
	st->large_live = arena->large_cur;
	st->large_bytes = arena->large_bytes;
	st->nmalloc += arena->large_nmalloc;
	st->ndalloc += arena->large_ndalloc;
	st->node_fallbacks = arena->node_fallbacks;
	st->pdirty = arena->ndirty;
	st->dirty_npurge = arena->dirty_npurge;
	st->dirty_nmadvise = arena->dirty_nmadvise;
	st->dirty_purged = arena->dirty_purged;
	spin_unlock_irqrestore(&arena->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(aa_arena_stats_get);

/**
 * aa_arena_class_stats_get() - @arena's counters of every size class
 * @arena: the arena
 * @cs:    arenalloc_sc.nclasses entries, filled in; nrequests counts the
 *         requests the arena served (per-CPU cache hits are added by the
 *         caller: aa_tcache_hits_add())
 *
 * Context: Any context; takes @arena->lock once, for O(size classes).
 */
void aa_arena_class_stats_get(struct aa_arena *arena, struct aa_class_stats *cs)
{
	unsigned int i, nsmall = arenalloc_sc.nsmall;
	unsigned long flags;

	memset(cs, 0, arenalloc_sc.nclasses * sizeof(*cs));
	spin_lock_irqsave(&arena->lock, flags);
	for (i = 0; i < nsmall; i++) {
		const struct aa_bin *bin = &arena->bins[i];

		cs[i].nmalloc = bin->nmalloc;
		cs[i].ndalloc = bin->ndalloc;
		cs[i].nrequests = bin->nrequests;
		cs[i].nfills = bin->nfills;
		cs[i].nflushes = bin->nflushes;
		cs[i].curregs = bin->curregs;
		cs[i].curslabs = bin->nslabs;
	}
	for (i = nsmall; i < arenalloc_sc.nclasses; i++) {
		const struct aa_lstats *l = &arena->lstats[i - nsmall];

		cs[i].nmalloc = l->nmalloc;
		cs[i].ndalloc = l->ndalloc;
		/* A large request is one allocation: the arena serves it whole. */
		cs[i].nrequests = l->nmalloc;
		cs[i].nflushes = l->nflushes;
		cs[i].curregs = l->curlextents;
	}
	spin_unlock_irqrestore(&arena->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(aa_arena_class_stats_get);

/**
 * aa_nearest_memory_node() - the node with memory nearest to @nid
 * @nid: a node id, or NUMA_NO_NODE for this CPU's node
 *
 * Where kmalloc_node() and the page allocator take memory for a node that
 * has none (a CPU-only node): @nid itself if it has memory, else the node
 * with memory at the smallest node_distance() (the lowest id on a tie).
 * Unlike numa_mem_id(), this works on architectures without
 * CONFIG_HAVE_MEMORYLESS_NODES (x86), where a CPU's memory node is its own.
 *
 * Context: Any context.
 * Return: a node in N_MEMORY.
 */
int aa_nearest_memory_node(int nid)
{
	int n, best = NUMA_NO_NODE;

	if (nid == NUMA_NO_NODE)
		nid = numa_node_id();
	if (node_state(nid, N_MEMORY))
		return nid;
	for_each_node_state(n, N_MEMORY)
		if (best == NUMA_NO_NODE || node_distance(nid, n) < node_distance(nid, best))
			best = n;
	return best == NUMA_NO_NODE ? first_memory_node : best;
}
EXPORT_SYMBOL_IF_KUNIT(aa_nearest_memory_node);

/**
 * aa_arena_new() - a new, empty arena on node @nid
 * @id:      its index in aa_arenas[]
 * @nid:     node its memory will come from; for a node without memory,
 *           the nearest node that has some (aa_nearest_memory_node())
 * @private: created for one user through arenalloc_arena_create()
 * @gfp:     allocation flags for its descriptor
 *
 * Context: Process context.
 * Return: the arena, or NULL.
 */
struct aa_arena *aa_arena_new(unsigned int id, int nid, bool private, gfp_t gfp)
{
	struct aa_arena *arena;
	unsigned int i;

	nid = aa_nearest_memory_node(nid);
	arena = kzalloc_node(sizeof(*arena), gfp, nid);
	if (!arena)
		return NULL;
	spin_lock_init(&arena->lock);
	arena->id = id;
	arena->nid = nid;
	arena->private = private;
	INIT_LIST_HEAD(&arena->chunks);
	INIT_LIST_HEAD(&arena->dirty);
	INIT_LIST_HEAD(&arena->huge);
	for (i = 0; i < AA_NBUCKETS; i++)
		INIT_LIST_HEAD(&arena->free_runs[i]);
	for (i = 0; i < ASC_NSMALL_MAX; i++)
		INIT_LIST_HEAD(&arena->bins[i].nonfull);
	aa_decay_arena_init(arena);
	atomic_long_add(sizeof(*arena), &aa_metadata_bytes);
	return arena;
}

/* kmemleak tracks live allocations one by one (api.c): forget them. */
static void aa_extent_forget_live(struct aa_extent *e)
{
	unsigned int i, nregs;

	if (e->state == AA_EXTENT_LARGE) {
		kmemleak_free(aa_extent_addr(e));
	} else if (e->state == AA_EXTENT_SLAB) {
		nregs = arenalloc_sc.slab[e->szind].nregs;
		for (i = 0; i < nregs; i++)
			if (!acs_is_free(e->bitmap, i))
				kmemleak_free(aa_slab_region(e, i));
	}
}

/**
 * aa_arena_delete() - free an arena and everything it holds
 * @arena: an arena nobody uses any more
 *
 * Every huge block goes back to the page allocator and every chunk to
 * the retained pool of its node, as decay would send it (muzzy_decay_ms
 * 0, the default, gives it straight back to the page allocator), whatever
 * allocations are still live in it.  The arena itself is freed after an
 * RCU grace period (kfree_rcu()), since a lockless lookup of a pointer
 * into one of its chunks may still be reading it.
 *
 * Context: Process context, with no other user of @arena.
 */
void aa_arena_delete(struct aa_arena *arena)
{
	struct aa_chunk *chunk, *ctmp;
	struct aa_huge *h, *htmp;
	LIST_HEAD(pages);
	unsigned int i;

	aa_decay_arena_exit(arena);
	atomic_long_sub(arena->ndirty, &aa_dirty_pages);
	list_for_each_entry_safe(h, htmp, &arena->huge, link) {
		kmemleak_free(h->b.base);
		aa_huge_free(h);
	}
	list_for_each_entry_safe(chunk, ctmp, &arena->chunks, link) {
		/* Each page's extent, once: walk the runs by their lengths. */
		for (i = 0; i < aa_chunk_pages; ) {
			struct aa_extent *e = chunk->map[i];

			i += e->npages;
			aa_extent_forget_live(e);
			aa_extent_put(e);
		}
		list_add_tail(&aa_chunk_unregister(chunk)->lru, &pages);
	}
	aa_retained_put(NULL, &pages, aa_decay_now(), true);
	atomic_long_sub(sizeof(*arena), &aa_metadata_bytes);
	kfree_rcu(arena, rcu);
}

/*
 * Sizes and reciprocals per class.  aa_region_index() is exact when the
 * largest offset in a slab times the class size stays below 2^32: true of
 * every class with 4 KiB pages (the largest product is the 14336-byte
 * class's slab of 8 regions, 28 pages: 2^30.6); refused, rather than
 * miscounted, where it is not.
 */
static int aa_classes_init(void)
{
	unsigned int i;

	for (i = 0; i < arenalloc_sc.nclasses; i++) {
		u64 size = asc_index2size(i);

		aa_class_bytes[i] = size;
		aa_class_recip[i] = div64_u64(1ULL << 32, size) + 1;
		aa_class_divisor[i] = div64_u64(U64_MAX, size) + 1;
		if (i < arenalloc_sc.nsmall &&
		    ((u64)arenalloc_sc.slab[i].pages << PAGE_SHIFT) * size >= 1ULL << 32)
			return -EINVAL;
	}
	return 0;
}

/*
 * The flat registry over the memory present now: every online node's pfn
 * span, rounded up to whole chunks.  Memory added later is in the XArray.
 */
static int aa_chunk_table_init(void)
{
	unsigned long end = 0;
	int nid;

	for_each_online_node(nid)
		end = max(end, node_end_pfn(nid));
	aa_chunk_table_len = DIV_ROUND_UP(end, aa_chunk_pages);
	aa_chunk_table = kvcalloc(aa_chunk_table_len, sizeof(*aa_chunk_table), GFP_KERNEL);
	if (!aa_chunk_table)
		return -ENOMEM;
	atomic_long_add(aa_chunk_table_len * sizeof(*aa_chunk_table), &aa_metadata_bytes);
	return 0;
}

static void aa_chunk_table_exit(void)
{
	atomic_long_sub(aa_chunk_table_len * sizeof(*aa_chunk_table), &aa_metadata_bytes);
	kvfree(aa_chunk_table);
	aa_chunk_table = NULL;
	aa_chunk_table_len = 0;
}

int aa_arenas_init(void)
{
	unsigned int nregs_max = 0, i;
	int ret;

	aa_lg_chunk = arenalloc_sc.lg_max;
	aa_chunk_pages = 1U << (aa_lg_chunk - PAGE_SHIFT);
	ret = aa_classes_init();
	if (ret)
		return ret;
	for (i = 0; i < arenalloc_sc.nsmall; i++)
		nregs_max = max_t(unsigned int, nregs_max, arenalloc_sc.slab[i].nregs);
	aa_extent_size = struct_size_t(struct aa_extent, bitmap, ACS_WORDS(nregs_max));
	ret = aa_chunk_table_init();
	if (ret)
		return ret;
	aa_extent_cache = kmem_cache_create("arenalloc_extent", aa_extent_size, 0,
					    SLAB_TYPESAFE_BY_RCU, NULL);
	if (!aa_extent_cache)
		goto undo_table;
	if (aa_decay_init())
		goto undo_cache;
	return 0;

undo_cache:
	kmem_cache_destroy(aa_extent_cache);
undo_table:
	aa_chunk_table_exit();
	return -ENOMEM;
}

void aa_arenas_exit(void)
{
	/* The arenas are gone: give back what their chunks left retained. */
	aa_decay_exit();
	/* Chunk and huge descriptors are freed with kfree_rcu(). */
	rcu_barrier();
	kmem_cache_destroy(aa_extent_cache);
	WARN_ON(!xa_empty(&aa_registry));
	aa_chunk_table_exit();
}
