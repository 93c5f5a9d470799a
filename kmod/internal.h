/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arenalloc internals shared by the module's files and its KUnit suites.
 *
 * Glossary
 *   knob      a tunable: a module parameter at insmod and, where it may
 *             change at run time, a file under /sys/kernel/arenalloc/.
 *   chunk     a naturally aligned block of 1 << lg_chunk bytes taken from
 *             the page allocator on one NUMA node; arenas carve it up.
 *   size class one of the sizes requests are rounded up to (common/
 *             sizeclass.h); small classes come from slabs, large ones are
 *             page runs inside a chunk, anything above a chunk is huge.
 *   page layer the only code that calls the page allocator (page.c); it
 *             counts what the module holds per node so unload can prove it
 *             gave everything back.
 */
#ifndef _ARENALLOC_INTERNAL_H
#define _ARENALLOC_INTERNAL_H

#include <linux/gfp.h>
#include <linux/mmzone.h>
#include <linux/types.h>

#include <uapi/linux/arenalloc.h>

#include <kunit/visibility.h>

/* Kernels before 6.4 call the highest order MAX_ORDER - 1. */
#ifndef MAX_PAGE_ORDER
#define MAX_PAGE_ORDER (MAX_ORDER - 1)
#endif

#define ARENALLOC_VERSION	"0.1.0"

/* Hard limits on the knobs; the ranges are documented in arenalloc.rst. */
#define ARENALLOC_NARENAS_MAX	ARENALLOC_NARENAS_LIMIT
#define ARENALLOC_LG_CHUNK_MIN	ARENALLOC_LG_CHUNK_LIMIT_MIN
#define ARENALLOC_LG_CHUNK_MAX	(PAGE_SHIFT + MAX_PAGE_ORDER)
#define ARENALLOC_DECAY_MS_MAX	ARENALLOC_DECAY_MS_LIMIT
/* An arena's decay window that follows the global knob. */
#define AA_DECAY_FOLLOW		(-2L)

/* ==== Knobs (config.c) ================================================== */

enum arenalloc_knob_kind {
	ARENALLOC_KNOB_LONG,
	ARENALLOC_KNOB_BOOL,
};

/**
 * struct arenalloc_knob - one tunable and the range it accepts
 * @name:    parameter and sysfs file name
 * @kind:    how its text is parsed
 * @min:     smallest accepted value (ARENALLOC_KNOB_LONG)
 * @max:     largest accepted value (ARENALLOC_KNOB_LONG); fixed once
 *           arenalloc_config_init() has run, before sysfs exists
 * @runtime: may be written through sysfs after load
 * @val:     current value.  Written under arenalloc_knob_lock with
 *           WRITE_ONCE() (by @apply, under the lock @apply names); the
 *           allocator reads it locklessly with READ_ONCE() because every
 *           value in [@min, @max] is valid on its own and a reader that
 *           sees the old value for a moment is harmless.
 * @changed: called (process context, no lock held) after a sysfs store
 *           changed @val from @old, or NULL
 * @apply:   for a knob whose change is work that may fail (narenas): called
 *           (process context, no lock held) with a parsed, range-checked
 *           value instead of the store; makes the change and stores @val,
 *           or fails and changes nothing; serialises its callers itself.
 *           NULL for the others.
 */
struct arenalloc_knob {
	const char *name;
	enum arenalloc_knob_kind kind;
	long min;
	long max;
	bool runtime;
	long val;
	void (*changed)(long old, long val);
	int (*apply)(long val);
};

extern struct arenalloc_knob arenalloc_knob_narenas;
extern struct arenalloc_knob arenalloc_knob_lg_chunk;
extern struct arenalloc_knob arenalloc_knob_dirty_decay_ms;
extern struct arenalloc_knob arenalloc_knob_muzzy_decay_ms;
extern struct arenalloc_knob arenalloc_knob_tcache_max;
extern struct arenalloc_knob arenalloc_knob_tcache_gc_interval;
extern struct arenalloc_knob arenalloc_knob_debug;
extern struct arenalloc_knob arenalloc_knob_stats_print_interval;
extern struct arenalloc_knob arenalloc_knob_arena_dirty_decay_ms;
extern struct arenalloc_knob arenalloc_knob_arena_muzzy_decay_ms;

static inline long arenalloc_knob_get(const struct arenalloc_knob *knob)
{
	return READ_ONCE(knob->val);
}

int arenalloc_knob_parse(const struct arenalloc_knob *knob, const char *buf,
			 long *out);
int arenalloc_knob_store_at(const struct arenalloc_knob *knob, const char *buf,
			    long *dst, long *old);
int arenalloc_knob_store(struct arenalloc_knob *knob, const char *buf);
int arenalloc_config_init(void);

/* ==== Page layer (page.c) =============================================== */

/*
 * References the page layer holds on each block besides the allocation's
 * own, so that stray puts (kfree() of arenalloc memory) cannot free it.
 */
#define AA_PAGE_PIN		BIT(20)

struct page *arenalloc_pages_alloc(int nid, unsigned int order, gfp_t gfp);
struct page *arenalloc_pages_alloc_near(int nid, unsigned int order, gfp_t gfp);
void arenalloc_pages_free(struct page *page, unsigned int order);
struct page *arenalloc_user_page_alloc(int nid, gfp_t gfp);
void arenalloc_user_page_put(struct page *page);
void arenalloc_user_page_free(struct page *page);
unsigned long arenalloc_pages_held(int nid);
int arenalloc_page_init(void);
#ifdef CONFIG_FAULT_INJECTION
struct fault_attr *arenalloc_fail_pages_attr(void);
#endif
void arenalloc_page_exit(void);

/* ==== Size classes (common/sizeclass.c) ================================ */

#include "../common/sizeclass.h"
#include "../common/slab.h"

/* The module's classes: this kernel's pages, chunks of 1 << lg_chunk. */
extern struct asc_table arenalloc_sc;

/* ==== Arenas, chunks, extents (arena.c) ================================ */

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/workqueue.h>

#include "../common/decay.h"

/*
 * Arena ids: [0, ARENALLOC_NARENAS_MAX) are the automatic arenas' (whatever
 * narenas is now), [AA_PRIVATE_FIRST, AA_ARENAS_MAX) private ones', so a
 * change of narenas never renumbers an arena.
 */
#define AA_PRIVATE_FIRST	ARENALLOC_NARENAS_MAX
#define AA_ARENAS_MAX		(AA_PRIVATE_FIRST + ARENALLOC_NARENAS_LIMIT)
/* Free runs are kept in lists by log2 of their length in pages. */
#define AA_NBUCKETS		(MAX_PAGE_ORDER + 1)

enum aa_extent_state {
	AA_EXTENT_FREE,
	AA_EXTENT_SLAB,
	AA_EXTENT_LARGE,
};

/**
 * struct aa_extent - a run of pages inside a chunk
 * @chunk:  the chunk it lies in
 * @first:  index of its first page in the chunk
 * @npages: its length
 * @state:  free run, slab of a small class, or one large allocation
 * @szind:  size class of the slab or large allocation
 * @nfree:  slab: regions free
 * @link:   free run: in arena->free_runs[]; slab with free regions: in its
 *          bin's nonfull list; otherwise unused
 * @bitmap: slab: one bit per region, set while the region is free
 *
 * All fields are protected by the arena lock.  Descriptors come from a
 * kmem_cache, outside the chunk (metadata never shares pages with objects).
 */
struct aa_extent {
	struct aa_chunk *chunk;
	unsigned int first;
	unsigned int npages;
	u8 state;
	u8 szind;
	u16 nfree;
	struct list_head link;
	unsigned long bitmap[];
};

enum aa_block_kind {
	AA_BLOCK_CHUNK,
	AA_BLOCK_HUGE,
};

/*
 * What the registry maps a chunk-sized slot of address space to: a chunk,
 * or a huge allocation (which may span several slots).  Immutable while
 * registered; freed with kfree_rcu() after it leaves the registry, so a
 * lookup under RCU (or with preemption or interrupts off) may read it.
 */
struct aa_block {
	u8 kind;
	struct aa_arena *arena;
	void *base;
	struct rcu_head rcu;
};

/*
 * A chunk page's entry in aa_chunk->pinfo: what the free path needs to
 * know about a pointer into it, in one word.  0: no cacheable allocation
 * starts in this page (a free run, a large allocation's later pages, or
 * any page of a private arena's chunk).  Otherwise the size class plus one
 * in the low byte, and the byte offset of the page inside its slab or
 * large extent (0) in the bits of PAGE_MASK.  A slab lies inside one
 * chunk (asc_table_widen() caps its pages by the chunk's), so the offset
 * is below the largest chunk, which the field holds.
 */
#define AA_PINFO(szind, pidx)	((u32)(szind) + 1 + ((u32)(pidx) << PAGE_SHIFT))
static_assert(ARENALLOC_LG_CHUNK_MAX <= 32, "a slab's page offsets fit AA_PINFO()");
#define AA_PINFO_SZIND(pi)	((unsigned long)((pi) & 0xff) - 1)
#define AA_PINFO_OFF(pi)	((pi) & (u32)PAGE_MASK)

/**
 * struct aa_chunk - a block of 1 << lg_chunk bytes owned by one arena
 * @b:       registry header; @b.base is the chunk's address
 * @page:    its first page
 * @link:    in arena->chunks
 * @dirty_link: in arena->dirty while @nactive is 0, else empty (arena lock)
 * @nactive: pages in slabs and large allocations (arena lock)
 * @map:     per page, the extent that contains it (arena lock); points
 *           into the same allocation, after @pinfo
 * @pinfo:   per page, AA_PINFO() of the allocation it holds, or 0; written
 *           under the arena lock with WRITE_ONCE(), read locklessly by the
 *           free path (aa_lookup_fast())
 */
struct aa_chunk {
	struct aa_block b;
	struct page *page;
	struct list_head link;
	struct list_head dirty_link;
	unsigned int nactive;
	struct aa_extent **map;
	u32 pinfo[];
};

/**
 * struct aa_huge - an allocation larger than a chunk: its own block
 * @b:     registry header; @b.base is the allocation
 * @order: the block's order
 * @link:  in arena->huge (arena lock)
 */
struct aa_huge {
	struct aa_block b;
	unsigned int order;
	struct list_head link;
};

/* Size classes at most: small and large, up to the largest chunk. */
#define AA_NCLASSES_MAX		ASC_NCLASSES_UPTO(ARENALLOC_LG_CHUNK_MAX)
#define AA_NLARGE_MAX		(AA_NCLASSES_MAX - ASC_NSMALL(PAGE_SHIFT))

/**
 * struct aa_bin - the slabs of one small class in one arena
 * @nonfull:   slabs with at least one free region
 * @nslabs:    slabs of this class (jemalloc's curslabs)
 * @curregs:   regions handed out and not yet freed
 * @nmalloc:   regions handed out, ever
 * @ndalloc:   regions given back, ever
 * @nrequests: calls that took regions: per-CPU cache refills and direct
 *             allocations, ever (cache hits are counted per CPU)
 * @nfills:    per-CPU cache refills, ever
 * @nflushes:  batches from per-CPU caches that held the class, ever
 *
 * Protected by the arena lock.  The counters change only where the lock
 * is taken anyway (refill, flush, direct calls), never on a cache hit.
 */
struct aa_bin {
	struct list_head nonfull;
	unsigned long nslabs;
	unsigned long curregs;
	u64 nmalloc;
	u64 ndalloc;
	u64 nrequests;
	u64 nfills;
	u64 nflushes;
};

/**
 * struct aa_lstats - the counters of one large class in one arena
 * @nmalloc:     allocations handed out, ever
 * @ndalloc:     allocations given back, ever
 * @nflushes:    batches from per-CPU caches that held the class, ever
 * @curlextents: allocations live
 *
 * Protected by the arena lock.
 */
struct aa_lstats {
	u64 nmalloc;
	u64 ndalloc;
	u64 nflushes;
	unsigned long curlextents;
};

/**
 * struct aa_class_stats - a snapshot of one size class, jemalloc's names
 * @nmalloc:   objects handed out by the arena, ever
 * @ndalloc:   objects given back to it, ever
 * @nrequests: allocation requests of the class, ever
 * @nfills:    per-CPU cache refills, ever (small classes)
 * @nflushes:  per-CPU cache flushes that held the class, ever
 * @curregs:   objects live (small: regions; large: jemalloc's curlextents)
 * @curslabs:  slabs (small classes)
 */
struct aa_class_stats {
	u64 nmalloc;
	u64 ndalloc;
	u64 nrequests;
	u64 nfills;
	u64 nflushes;
	unsigned long curregs;
	unsigned long curslabs;
};

/**
 * struct aa_retained - a pool of retained (muzzy) chunk blocks: one per
 * node, and one of its own in each arena
 * @lock:     protects every field below but @decay_lock, @decay, @nid,
 *            @owner and @work
 * @decay_lock: serialises decay steps of the pool, and with them @decay;
 *            taken before @lock (kmod/decay.c)
 * @pages:    head pages of chunk blocks, linked by page->lru, oldest first
 * @npages:   pages in @pages; read locklessly (READ_ONCE) by statistics
 *            and by a decay step advancing the curve
 * @decay:    the muzzy curve's state; @decay_lock
 * @npurge:   decay steps that gave pages back, ever
 * @nmadvise: blocks given back to the page allocator (one call each), ever
 * @purged:   pages given back to the page allocator, ever
 * @nid:      the node (of an arena's pool: the arena's), fixed
 * @owner:    the arena whose own pool this is, or NULL for a node's; fixed
 * @work:     deferrable work applying the curve (the workqueue serialises
 *            it)
 *
 * kmod/decay.c describes how they are used.
 */
struct aa_retained {
	spinlock_t lock;	/* see above */
	struct mutex decay_lock;	/* see above */
	struct list_head pages;
	unsigned long npages;
	struct acd_decay decay;
	u64 npurge;
	u64 nmadvise;
	u64 purged;
	int nid;
	struct aa_arena *owner;
	struct delayed_work work;
};

/*
 * An automatic arena's life (api.c): live while its id is below narenas;
 * retiring while a lower narenas is being applied (no CPU is bound to it
 * any more once that is done); retired from then on, until it is empty
 * and freed, or narenas grows past its id again and it is live again.
 */
enum aa_arena_state {
	AA_ARENA_LIVE,
	AA_ARENA_RETIRING,
	AA_ARENA_RETIRED,
};

/**
 * struct aa_arena - a set of chunks on one node and the allocator state
 * over them
 * @lock:      protects everything below but @id, @nid, @private and
 *             @strict_node, which are fixed at creation, @state and
 *             @nthreads
 * @id:        index in the arena table; fixed
 * @nid:       node its memory comes from
 * @private:   created by arenalloc_arena_create(); never in a CPU's cache
 * @strict_node: created with ARENALLOC_ARENA_STRICT_NODE: its chunks and
 *             huge blocks come from @nid or not at all
 * @state:     enum aa_arena_state; written under aa_arenas_lock with
 *             WRITE_ONCE(), read locklessly (READ_ONCE()) by the slow
 *             free path and by arena lookups by id; private arenas are
 *             always live
 * @nthreads:  CPUs bound to it; written under aa_narenas_lock with
 *             WRITE_ONCE() when CPUs are bound (api.c), read racily
 * @rcu:       frees it after a grace period (aa_arena_delete())
 * @chunks:    its chunks
 * @nchunks:   length of @chunks
 * @dirty:     its empty chunks, the longest empty first (kmod/decay.c
 *             describes how they decay)
 * @ndirty:    pages in @dirty
 * @dirty_decay_ms: its own dirty window, or AA_DECAY_FOLLOW; written
 *             under arenalloc_knob_lock with WRITE_ONCE(), read locklessly
 * @muzzy_decay_ms: likewise, for the chunks it gives up
 * @muzzy:     its own retained pool, used while @muzzy_decay_ms is its own
 *             (its own lock)
 * @decay_lock: serialises decay steps, and with them @dirty_decay (arena.c)
 * @dirty_decay: the decay curve's state for @dirty; @decay_lock
 * @dirty_npurge: decay steps that moved chunks out of @dirty, ever
 * @dirty_nmadvise: chunks moved out of @dirty, ever
 * @dirty_purged: pages moved out of @dirty, ever
 * @decay_work: deferrable work that applies the curve; not under the lock
 *             (the workqueue serialises it; aa_arena_delete() cancels it)
 * @free_runs: free runs, by log2 of length in pages
 * @huge:      its huge allocations
 * @nhuge_pages: pages in @huge
 * @nactive_pages: pages of its chunks in slabs and large allocations
 * @large_nmalloc: large allocations handed out, ever
 * @large_ndalloc: large allocations given back, ever
 * @large_cur: large allocations live
 * @large_bytes: bytes in them
 * @node_fallbacks: chunks and huge blocks it took from another node than
 *             @nid, ever
 * @bins:      one per small class
 * @lstats:    one per large class
 */
struct aa_arena {
	spinlock_t lock;	/* see above */
	unsigned int id;
	int nid;
	bool private;
	bool strict_node;
	u8 state;
	unsigned int nthreads;
	struct rcu_head rcu;
	struct list_head chunks;
	unsigned long nchunks;
	struct list_head dirty;
	unsigned long ndirty;
	long dirty_decay_ms;
	long muzzy_decay_ms;
	struct aa_retained muzzy;
	struct mutex decay_lock;	/* see above */
	struct acd_decay dirty_decay;
	u64 dirty_npurge;
	u64 dirty_nmadvise;
	u64 dirty_purged;
	struct delayed_work decay_work;
	struct list_head free_runs[AA_NBUCKETS];
	struct list_head huge;
	unsigned long nhuge_pages;
	unsigned long nactive_pages;
	u64 large_nmalloc;
	u64 large_ndalloc;
	unsigned long large_cur;
	unsigned long large_bytes;
	u64 node_fallbacks;
	struct aa_bin bins[ASC_NSMALL_MAX];
	struct aa_lstats lstats[AA_NLARGE_MAX];
};

/*
 * The caller's gfp mask reduced to what governs our own allocations
 * (metadata and chunks): how hard to try and whether to sleep.  Zeroing is
 * done per object, and a chunk shared by many callers is charged to none.
 */
static inline gfp_t aa_meta_gfp(gfp_t gfp)
{
	return (gfp & (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HIGH |
		       __GFP_NORETRY | __GFP_RETRY_MAYFAIL | __GFP_MEMALLOC |
		       __GFP_NOMEMALLOC)) | __GFP_NOWARN;
}

/*
 * The caller's gfp mask for a chunk, an order lg_chunk - PAGE_SHIFT block
 * that many later callers share: as aa_meta_gfp(), but never from the
 * emergency reserves.  __GFP_HIGH (GFP_ATOMIC) and __GFP_MEMALLOC entitle
 * one caller's small need to them, not a 2 MiB refill from an interrupt.
 */
static inline gfp_t aa_chunk_gfp(gfp_t gfp)
{
	return (aa_meta_gfp(gfp) & ~(__GFP_HIGH | __GFP_MEMALLOC)) | __GFP_NOMEMALLOC;
}

/*
 * The arena table: [0, aa_narenas_auto) live automatic arenas, then
 * retired ones not yet freed (NULL once freed), private ones from
 * AA_PRIVATE_FIRST.  Slots change under aa_arenas_lock; readers outside
 * it use READ_ONCE() inside an aa_arena_srcu read-side section (arena.c
 * has the rules).  aa_narenas_auto changes under aa_narenas_lock.
 */
extern struct aa_arena *aa_arenas[AA_ARENAS_MAX];
extern struct mutex aa_arenas_lock;
extern struct mutex aa_narenas_lock;
extern struct srcu_struct aa_arena_srcu;
extern unsigned int aa_narenas_auto;
/* Bytes of metadata: chunk headers, extent descriptors, per-CPU caches. */
extern atomic_long_t aa_metadata_bytes;

int aa_arenas_init(void);
void aa_arenas_exit(void);
int aa_nearest_memory_node(int nid);
struct aa_arena *aa_arena_new(unsigned int id, int nid, bool private, gfp_t gfp);
void aa_arena_delete(struct aa_arena *arena);
bool aa_arena_empty(struct aa_arena *arena);

/*
 * What arenalloc knows about a pointer it handed out.  @arena is valid
 * as long as the allocation is live.
 */
struct aa_ptr_info {
	struct aa_arena *arena;
	unsigned int szind;	/* size class, or UINT_MAX for huge */
	size_t usize;		/* usable size */
};

int aa_lookup(const void *ptr, struct aa_ptr_info *info);

/*
 * The free path's O(1) lookup (arena.c describes it): chunks are naturally
 * aligned, so a pointer's chunk-sized slot of the direct map indexes
 * aa_chunk_table, which maps the chunks in the memory present at load.
 */
extern struct aa_chunk **aa_chunk_table;
extern unsigned long aa_chunk_table_len;
extern unsigned int aa_lg_chunk;
/*
 * Per class: its size, the reciprocal that divides by it, and the
 * constant of the divisibility test (aa_lookup_fast()).
 */
extern u32 aa_class_bytes[ASC_NCLASSES_MAX];
extern u32 aa_class_recip[ASC_NCLASSES_MAX];
extern u64 aa_class_divisor[ASC_NCLASSES_MAX];

/*
 * Index of the region at byte @off of a slab of small class @szind, by
 * multiplying with the reciprocal, as SLUB's obj_to_index() does.  Exact
 * while @off times the size is below 2^32 (aa_arenas_init() checks that
 * every slab meets it); for a large class and @off below a page it is 0.
 */
static inline unsigned int aa_region_index(unsigned long szind, u32 off)
{
	return (unsigned int)(((u64)off * aa_class_recip[szind]) >> 32);
}

/**
 * aa_lookup_fast() - the chunk of an automatic arena that @ptr starts an
 * object in
 * @ptr:   any pointer
 * @szind: set to the object's size class
 *
 * Two dependent loads: the table slot, then the chunk's arena and page
 * entry.  A pointer outside the table, in a slot that holds no chunk, in a
 * page of a private arena's chunk, or not the start of a region or large
 * allocation in its page, gets NULL: the caller then takes the exact path
 * (aa_lookup()).  A stale pointer into a live slab may pass.
 *
 * Context: Preemption (hence RCU) off: a bad pointer's chunk may be
 * going, and is freed only after a grace period.
 * Return: the chunk, or NULL.
 */
static __always_inline struct aa_chunk *aa_lookup_fast(const void *ptr,
						       unsigned long *szind)
{
	unsigned long key = ((unsigned long)ptr - PAGE_OFFSET) >> aa_lg_chunk;
	struct aa_chunk *chunk;
	u32 pi, off;

	if (unlikely(key >= aa_chunk_table_len))
		return NULL;
	chunk = READ_ONCE(aa_chunk_table[key]);
	if (unlikely(!chunk))
		return NULL;
	pi = READ_ONCE(chunk->pinfo[(ptr - chunk->b.base) >> PAGE_SHIFT]);
	if (unlikely(!pi))
		return NULL;
	*szind = AA_PINFO_SZIND(pi);
	/*
	 * Small: a region's start; large (one page entry): the first byte.
	 * The offset is a multiple of the class size exactly when its product
	 * with ceil(2^64 / size) wraps below that constant (Lemire's test,
	 * for any 32-bit offset): one multiply, no divide.
	 */
	off = AA_PINFO_OFF(pi) + ((unsigned long)ptr & ~PAGE_MASK);
	if (unlikely(off * aa_class_divisor[*szind] >= aa_class_divisor[*szind]))
		return NULL;
	return chunk;
}

/**
 * struct aa_arena_stats - a snapshot of one arena
 * @nchunks:      chunks it holds
 * @active_pages: pages of its chunks in slabs and large allocations
 * @huge_pages:   pages in its huge allocations
 * @small_regs:   small regions live (handed out, or in a per-CPU cache)
 * @small_bytes:  bytes in those regions
 * @large_live:   large allocations live
 * @large_bytes:  bytes in them
 * @nmalloc:      small and large allocations handed out by the arena, ever
 * @ndalloc:      small and large allocations given back to it, ever
 * @node_fallbacks: chunks and huge blocks taken from another node, ever
 * @pdirty:       pages of its empty chunks, waiting for decay
 * @dirty_npurge: decay steps that moved some of them to the retained pool
 * @dirty_nmadvise: chunks so moved, ever
 * @dirty_purged: pages so moved, ever
 */
struct aa_arena_stats {
	unsigned long nchunks;
	unsigned long active_pages;
	unsigned long huge_pages;
	unsigned long small_regs;
	unsigned long small_bytes;
	unsigned long large_live;
	unsigned long large_bytes;
	u64 nmalloc;
	u64 ndalloc;
	u64 node_fallbacks;
	unsigned long pdirty;
	u64 dirty_npurge;
	u64 dirty_nmadvise;
	u64 dirty_purged;
};

void aa_arena_stats_get(struct aa_arena *arena, struct aa_arena_stats *st);
void aa_arena_class_stats_get(struct aa_arena *arena, struct aa_class_stats *cs);
int aa_arena_alloc_small(struct aa_arena *arena, unsigned int szind, void **ptrs,
			 int n, gfp_t gfp);
int aa_arena_fill_small(struct aa_arena *arena, unsigned int szind, void **ptrs,
			int n, gfp_t gfp);
void *aa_arena_alloc_large(struct aa_arena *arena, unsigned int szind, size_t align,
			   gfp_t gfp);
void *aa_arena_alloc_huge(struct aa_arena *arena, size_t size, gfp_t gfp);
void aa_arena_free_batch(struct aa_arena *arena, void **ptrs, int n);
bool aa_arena_free(struct aa_arena *arena, void *ptr);
unsigned long aa_arena_decay(struct aa_arena *arena, u64 now, unsigned long force);
unsigned long aa_arena_decay_nowait(struct aa_arena *arena, u64 now, unsigned long force);
unsigned long aa_arena_purge(struct aa_arena *arena);

/* ==== Decay, retained pages, shrinker (decay.c) ========================= */

/* Chunks moved or freed per hold of an arena or retained-pool lock. */
#define AA_DECAY_BATCH		8

extern struct arenalloc_knob arenalloc_knob_purge;
extern struct arenalloc_knob arenalloc_knob_decay;
extern u64 aa_decay_test_now;
/* Pages of all arenas' dirty lists, for the shrinker's count. */
extern atomic_long_t aa_dirty_pages;

u64 aa_decay_now(void);
unsigned long aa_decay_delay(long ms);
void aa_decay_requeue(struct delayed_work *dwork, u64 deadline, u64 now);
void aa_decay_arena_init(struct aa_arena *arena);
void aa_decay_arena_kick(struct aa_arena *arena);
void aa_decay_arena_exit(struct aa_arena *arena);
long aa_arena_dirty_ms(const struct aa_arena *arena);
void aa_retained_put(struct aa_arena *from, struct list_head *pages, u64 now, bool wait);
void aa_retained_free(struct list_head *pages);
struct page *aa_retained_take(struct aa_arena *arena);
unsigned long aa_retained_decay(int nid, u64 now, unsigned long force);
unsigned long aa_retained_pages(int nid);
unsigned long aa_decay_run(u64 now, unsigned long force, bool may_block);
int aa_decay_trigger(const struct arenalloc_knob *knob, const char *buf);
int aa_decay_init(void);
void aa_decay_exit(void);

/**
 * struct aa_decay_stats - pages waiting to go back to the page allocator
 * @pmuzzy:       pages in the retained pools (muzzy)
 * @muzzy_npurge: decay steps that gave retained pages back, ever
 * @muzzy_nmadvise: blocks given back to the page allocator, ever
 * @muzzy_purged: retained pages given back to the page allocator, ever
 */
struct aa_decay_stats {
	unsigned long pmuzzy;
	u64 muzzy_npurge;
	u64 muzzy_nmadvise;
	u64 muzzy_purged;
};

void aa_decay_stats_get(struct aa_decay_stats *st);
void aa_decay_arena_stats_get(struct aa_arena *arena, struct aa_decay_stats *st);
void aa_decay_node_stats_get(int nid, struct aa_decay_stats *st);
unsigned long aa_decay_arena_run(struct aa_arena *arena, u64 now, bool purge);
void aa_decay_arena_changed(struct aa_arena *arena);
void aa_decay_kick_all(void);

/*
 * How long one purge step holds an arena's or a retained pool's lock, for
 * `make bench` (decay.c, "Lock hold times"): off unless switched on in
 * debugfs, and then only the purge steps read the clock.
 */
#include <linux/jump_label.h>
#include <linux/timekeeping.h>

struct dentry;

enum aa_hold { AA_HOLD_ARENA, AA_HOLD_POOL, AA_HOLD_NR };

DECLARE_STATIC_KEY_FALSE(aa_decay_hold_key);
void aa_decay_hold_note(enum aa_hold which, u64 t0);
void aa_decay_hold_record(bool on);
u64 aa_decay_hold_max_ns(enum aa_hold which, u64 *holds);
void aa_decay_hold_debugfs_init(struct dentry *dir);

/* Just after the lock is taken: the time, or 0 when not recording. */
static inline u64 aa_decay_hold_start(void)
{
	return static_branch_unlikely(&aa_decay_hold_key) ? ktime_get_ns() : 0;
}

/* Just before the lock is dropped: records the hold begun at @t0. */
static inline void aa_decay_hold_end(enum aa_hold which, u64 t0)
{
	if (static_branch_unlikely(&aa_decay_hold_key) && t0)
		aa_decay_hold_note(which, t0);
}

/* ==== The exported interface (api.c) =================================== */

int aa_api_init(void);
void aa_api_exit(void);
int aa_narenas_set(unsigned int n);
int aa_narenas_apply(long n);
void aa_reap_kick(void);
void aa_reap_flush(void);

/* ==== Misuse reports (report.c) ========================================= */

void aa_report_bad_free(const void *ptr, unsigned long caller);
void aa_report_corruption(const void *ptr, const void *where, unsigned long caller);
void aa_report_lost_ref(const void *block, int lost);
void aa_report_bad_gfp(gfp_t gfp, unsigned long caller);

/* ==== Debug mode (debug.c) ============================================== */

#include <linux/jump_label.h>

/* Redzone bytes at least, plus the 8-byte trailer holding the size. */
#define AA_REDZONE		8
#define AA_DEBUG_EXTRA		(AA_REDZONE + sizeof(u64))

DECLARE_STATIC_KEY_FALSE(aa_debug_key);

static inline bool aa_debug(void)
{
	return static_branch_unlikely(&aa_debug_key);
}

void aa_debug_init(void);
void aa_debug_prepare(void *ptr, size_t size, size_t usize, bool zero);
size_t aa_debug_size(const void *ptr, size_t usize);
bool aa_debug_check_free(void *ptr, size_t usize, unsigned long caller);
void aa_debug_resize(void *ptr, size_t size, size_t usize);

/* ==== Per-CPU caches (tcache.c) ========================================= */

int aa_tcache_init(void);
void aa_tcache_exit(void);
void *aa_tcache_alloc(unsigned int szind, gfp_t gfp);
bool aa_tcache_free(void *ptr, const struct aa_ptr_info *info, unsigned long caller);
void aa_tcache_flush_all(void);
void aa_tcache_max_changed(long old, long val);
unsigned long aa_tcache_cached(void);
void aa_tcache_gc_kick(unsigned int cpu);

/**
 * struct aa_tcache_stats - a snapshot of one CPU's cache
 * @hits:         allocations served from the cache
 * @misses:       allocations that had to refill it
 * @fills:        objects moved into it from arenas
 * @flushes:      objects moved from it back to arenas
 * @cached_bytes: bytes of objects it holds now
 * @ncached:      objects it holds now
 */
struct aa_tcache_stats {
	u64 hits;
	u64 misses;
	u64 fills;
	u64 flushes;
	unsigned long cached_bytes;
	unsigned long ncached;
};

void aa_tcache_stats_get(unsigned int cpu, struct aa_tcache_stats *st);
void aa_tcache_hits_add(const struct aa_arena *arena, u64 *hits);
void aa_tcache_gc_this_cpu(void);
struct aa_arena *aa_this_cpu_arena(void);
void aa_tcache_rebind(void);

/* ==== Shrinker (shrinker.c) ============================================ */

struct shrinker;

int aa_shrinker_init(void);
void aa_shrinker_exit(void);
struct shrinker *aa_shrinker_get(void);

/* ==== Statistics (stats.c) ============================================= */

/**
 * struct aa_stats - totals over all arenas and per-CPU caches
 * @narenas:        arenas, automatic and private
 * @allocated:      bytes in live allocations (cached objects excluded)
 * @active:         bytes of pages in slabs, large and huge allocations
 * @mapped:         bytes of chunks and huge blocks held
 * @metadata:       bytes of arenalloc's own bookkeeping
 * @tcache_bytes:   bytes of objects waiting in per-CPU caches
 * @nmalloc:        allocations arenas handed out (to caches or callers)
 * @ndalloc:        allocations given back to arenas
 * @tcache_hits:    allocations served by a per-CPU cache
 * @tcache_misses:  allocations that refilled a cache
 * @tcache_fills:   objects moved into caches
 * @tcache_flushes: objects moved out of caches
 * @node_fallbacks: chunks and huge blocks arenas took from another node
 *                  than their own, ever
 * @pdirty:         pages of arenas' empty chunks (dirty)
 * @pmuzzy:         pages in the per-node retained pools (muzzy)
 * @retained:       bytes of @pmuzzy
 * @npurge:         decay steps that moved pages dirty to muzzy or muzzy
 *                  to the page allocator, ever
 * @nmadvise:       chunks so moved (jemalloc's madvise() calls: one
 *                  unregistration or one call into the page allocator
 *                  each), ever
 * @purged:         pages so moved, ever (a page counts at each move)
 * @resident:       bytes held from the page allocator: @mapped, @retained
 *                  and @metadata
 */
struct aa_stats {
	u64 narenas;
	u64 allocated;
	u64 active;
	u64 mapped;
	u64 metadata;
	u64 tcache_bytes;
	u64 nmalloc;
	u64 ndalloc;
	u64 tcache_hits;
	u64 tcache_misses;
	u64 tcache_fills;
	u64 tcache_flushes;
	u64 node_fallbacks;
	u64 pdirty;
	u64 pmuzzy;
	u64 retained;
	u64 npurge;
	u64 nmadvise;
	u64 purged;
	u64 resident;
};

void aa_stats_collect(struct aa_stats *t);
void aa_stats_arena(struct aa_arena *arena, struct aa_stats *t);
void aa_stats_print_changed(long old, long val);
void aa_stats_print_init(void);
void aa_stats_print_exit(void);
void aa_stats_debugfs_init(void);
void aa_stats_debugfs_exit(void);

/* ==== /dev/arenalloc (chardev.c) ======================================= */

/**
 * struct aa_dev_stats - a snapshot of the device's counters
 * @mappings:    live backings: mmap() calls and fork() copies whose
 *               mapping is not yet fully unmapped
 * @pages:       pages the backings hold
 * @faults:      page faults served, ever
 * @purged:      pages given back by ARENALLOC_IOC_PURGE, ever
 * @fork_copied: pages copied for children at fork(), ever
 * @fork_failed: pages a child went without (it reads zeroes there)
 *               because their copy could not be allocated, ever
 */
struct aa_dev_stats {
	u64 mappings;
	u64 pages;
	u64 faults;
	u64 purged;
	u64 fork_copied;
	u64 fork_failed;
};

void aa_dev_stats_get(struct aa_dev_stats *st);
unsigned long aa_dev_node_pages(int nid);
int aa_dev_init(void);
void aa_dev_exit(void);

/* ==== The device's page pools (devpool.c) ============================= */

/**
 * struct aa_devpool_stats - a snapshot of the device's page pools
 * @pdirty:       pages in the pools (dirty: unused, held for reuse)
 * @pzeroed:      of them, pages already cleared
 * @hits:         device pages taken from a pool, ever
 * @misses:       device pages taken from the page allocator, ever
 * @zero_inline:  hits that found no cleared page and cleared one inline
 * @dirty_npurge: decay steps that gave pool pages back, ever
 * @dirty_purged: pool pages given back to the page allocator, ever
 */
struct aa_devpool_stats {
	u64 pdirty;
	u64 pzeroed;
	u64 hits;
	u64 misses;
	u64 zero_inline;
	u64 dirty_npurge;
	u64 dirty_purged;
};

struct page *aa_devpool_take(int nid, bool zero);
bool aa_devpool_put(struct page *page);
unsigned long aa_devpool_decay(int nid, u64 now, unsigned long force);
void aa_devpool_kick_all(void);
unsigned long aa_devpool_pages(int nid);
void aa_devpool_stats_get(int nid, struct aa_devpool_stats *st);
int aa_devpool_init(void);
void aa_devpool_exit(void);

/* ==== sysfs (sysfs.c) =================================================== */

int arenalloc_sysfs_init(void);
void arenalloc_sysfs_exit(void);
int arenalloc_sysfs_arenas_add(unsigned int from, unsigned int to);
void arenalloc_sysfs_arenas_del(unsigned int from, unsigned int to);

#endif /* _ARENALLOC_INTERNAL_H */
