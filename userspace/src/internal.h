/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libarenalloc internals: types shared by the library's files.
 *
 * Glossary
 *   chunk     1 << lg_chunk bytes of address space, aligned to its size,
 *             from the chunk source (/dev/arenalloc or anonymous mmap).  Its
 *             first pages hold its header (struct chunk); the rest are
 *             carved into extents.
 *   extent    a run of whole pages inside a chunk: a slab, one large
 *             allocation, or a free run.  Described by struct extent,
 *             which lives in metadata, never among user pages.
 *   slab      an extent cut into equal regions of one small class.
 *   small     classes below 4 pages (asc_table.nsmall of them): regions of
 *             slabs.  large: whole-page classes up to half a chunk, each an
 *             extent of its own.  huge: anything bigger, a mapping of its
 *             own (still described by a struct extent).
 *   arena     owns chunks and everything carved from them; one lock.
 *             Automatic arenas (0 .. narenas-1) serve threads; manual ones
 *             come from "arenas.create".
 *   tcache    a thread's stacks of cached free regions per class, in front
 *             of the arenas: a hit takes no lock.
 *   dirty     free pages that may hold data and are resident.  muzzy:
 *             given back lazily (MADV_FREE), resident until the kernel
 *             wants them.  clean: given back (MADV_DONTNEED or the device's
 *             purge), reading as zero; the address space is retained.
 *   decay     the rule (common/decay.h) by which dirty pages become muzzy
 *             or clean, and muzzy ones clean, over dirty/muzzy_decay_ms.
 *   rtree     the registry from chunk-sized slots of address space to the
 *             chunk or huge extent there: how free() finds its way and
 *             recognises a pointer that is not ours.
 *   base      the metadata allocator: extents, tcaches, arenas, rtree
 *             leaves.  Never returns memory to the system; recycles.
 *
 * Lock order (outermost first):
 *   init_lock > ctl_lock > bg_lock > arenas_lock > arena->lock (by index;
 *   only fork takes several) > tcache_pool_lock, rtree_lock > base_lock.
 *   The chunk source takes no lock.  Purging drops the arena lock around
 *   its system calls (the runs are marked busy first); mapping a new chunk
 *   (rare: chunks are retained) and "arena.<i>.destroy" do theirs under
 *   it.  Huge allocations map and unmap with no lock held.
 *
 * Lockless paths
 *   - tcache hits: the tcache belongs to its thread.
 *   - rtree lookups: leaves are never freed and entries are written with
 *     release, read with acquire; an entry is set before its memory is
 *     handed out and cleared only after the owner gave it up (huge free),
 *     so any pointer a correct program frees maps to its live entry.
 *   - chunk->pinfo[]: written (relaxed) under the arena lock before a
 *     region or extent is handed out, read (relaxed) by free() without
 *     it.  The hand-out itself orders the write before any free() of that
 *     memory: another thread can only free what it was given through some
 *     synchronisation of the program's own.
 *   - statistics counters read without the lock are approximate by design
 *     (snapshots at "epoch" take the locks).
 *
 * Signals: no function here is async-signal-safe (as with glibc).
 * Fork: init.c's prefork handler takes every lock in the order above; the
 * parent releases them, the child reinitialises them.  In between, the
 * forking thread owns them all and may allocate (other libraries' fork
 * handlers run there): aa_mutex_lock()/unlock() skip for it.
 */
#ifndef _ARENALLOC_INTERNAL_H
#define _ARENALLOC_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../common/decay.h"
#include "../../common/sizeclass.h"
#include "../../common/slab.h"
#include "../include/arenalloc.h"

/*
 * Everything declared below is internal: hidden from the shared library's
 * symbol table (the build also passes -fvisibility=hidden; declaring it
 * here lets the compiler address globals directly, without the GOT).
 */
#pragma GCC visibility push(hidden)

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define AA_NARENAS_MAX		4095	/* ARENALLOC_ARENA() has 12 bits */
#define AA_LG_CHUNK_MIN		18
#define AA_LG_CHUNK_MAX		30
#define AA_LG_CHUNK_DEFAULT	21
#define AA_TCACHE_MAX_DEFAULT	32768
#define AA_TCACHE_MAX_LIMIT	BIT(20)
#define AA_LOOKUP_MAX		4096	/* size2index table covers this */
/*
 * Most pages in a slab: a page's position in its slab is the high byte of
 * its chunk->pinfo entry.  Slabs are widened to ASC_SLAB_MIN_REGS regions
 * (common/sizeclass.h) within this and the chunk's pages past its header.
 */
#define AA_SLAB_PAGES_MAX	255

/* ==== Options (options.c) ============================================== */

enum aa_source_kind { AA_SOURCE_AUTO, AA_SOURCE_DEVICE, AA_SOURCE_MMAP };
/* The device's placement policy (ARENALLOC_IOC_SET_POLICY) for the chunks. */
enum aa_dev_policy { AA_DEV_POLICY_DEFAULT, AA_DEV_POLICY_LOCAL, AA_DEV_POLICY_INTERLEAVE };
enum aa_junk { AA_JUNK_NONE, AA_JUNK_ALLOC = 1, AA_JUNK_FREE = 2,
	       AA_JUNK_ALL = 3 };

/*
 * struct aa_opts - settings from ARENALLOC_CONF; written once during
 * initialisation (before any other thread can call in), read-only after,
 * except @background_thread, which "background_thread" changes under
 * ctl_lock.  Decay times set at run time are per arena (arena->decay).
 */
struct aa_opts {
	unsigned int narenas;		/* 0: from the usable CPUs */
	bool percpu_arena;
	long dirty_decay_ms;
	long muzzy_decay_ms;
	bool background_thread;
	bool tcache;
	size_t tcache_max;
	unsigned int lg_chunk;
	enum aa_source_kind source;
	enum aa_dev_policy dev_policy;
	bool stats_print;
	bool abort_conf;
	unsigned int junk;
};

extern struct aa_opts aa_opt;

int aa_conf_parse(struct aa_opts *o, const char *conf);
void aa_opts_defaults(struct aa_opts *o);
unsigned int aa_ncpus_usable(void);
const char *aa_source_name(enum aa_source_kind k);
const char *aa_dev_policy_name(enum aa_dev_policy p);

/* ==== Messages (util.c): no stdio, no allocation ========================== */

void aa_write_err(const char *s);
void aa_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void aa_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void aa_bad_free(const char *what, const void *ptr);
uint64_t aa_now_ns(void);

/* ==== Locks (util.c) ========================================================= */

/*
 * A mutex that spins briefly before it sleeps, and knows nothing of
 * priority inheritance or robustness.  A plain pthread mutex (not
 * error-checking) underneath, so fork can reinitialise it in the child.
 * Locking and unlocking do nothing in a thread inside fork() between our
 * fork handlers: it holds every lock already (init.c, aa_prefork()).
 */
struct aa_mutex {
	pthread_mutex_t m;
};

void aa_mutex_init(struct aa_mutex *m);
void aa_mutex_lock(struct aa_mutex *m);
void aa_mutex_unlock(struct aa_mutex *m);

/* ==== Chunk source (chunk.c): the only file that maps memory ============ */

enum aa_chunk_kind { AA_CHUNK_MMAP, AA_CHUNK_DEVICE };

/*
 * struct aa_source_stats - what the chunk source did; relaxed atomics,
 * updated by whoever maps or purges.
 */
struct aa_source_stats {
	size_t device_mapped;		/* bytes mapped from /dev/arenalloc */
	size_t mmap_mapped;		/* bytes of anonymous mappings */
	uint64_t device_fallbacks;	/* device failures served by mmap */
	uint64_t npurge;		/* purge calls */
	uint64_t purged;		/* pages purged */
	uint64_t meta_mapped;		/* bytes mapped for metadata */
};

extern struct aa_source_stats aa_source_stats;

int aa_source_init(enum aa_source_kind kind, enum aa_dev_policy policy);
bool aa_source_has_device(void);
int aa_source_node(void);
void *aa_source_map(size_t size, size_t align, int node, enum aa_chunk_kind *kind);
void aa_source_unmap(void *addr, size_t size, enum aa_chunk_kind kind);
bool aa_source_extend(void *addr, size_t size, int node, enum aa_chunk_kind kind);
bool aa_source_trim(void *addr, size_t size, enum aa_chunk_kind kind);
bool aa_source_purge(void *addr, size_t size, enum aa_chunk_kind kind);
bool aa_source_purge_lazy(void *addr, size_t size, enum aa_chunk_kind kind);
void *aa_source_meta(size_t size);

/* ==== Metadata (base.c) ==================================================== */

void *aa_base_alloc(size_t size);	/* zeroed, 64-byte aligned */
struct extent *aa_extent_new(void);
void aa_extent_delete(struct extent *e);
size_t aa_base_bytes(void);
void aa_base_prefork(void);
void aa_base_postfork(bool child);

/* ==== Extents and chunks (extent.c) ====================================== */

enum aa_ext_state {
	AA_EXT_SLAB,		/* in use: regions of a small class */
	AA_EXT_LARGE,		/* in use: one large allocation */
	AA_EXT_HUGE,		/* in use: a mapping of its own */
	AA_EXT_DIRTY,		/* free, resident */
	AA_EXT_MUZZY,		/* free, given back lazily */
	AA_EXT_CLEAN,		/* free, given back */
	AA_EXT_BUSY,		/* free, being purged with the lock dropped */
};

#define AA_NFREE_STATES	3	/* dirty, muzzy, clean: indices state - DIRTY */

struct aa_list {
	struct aa_list *next, *prev;
};

/**
 * struct extent - a run of pages
 * @addr:   first byte
 * @npages: length in pages (huge: bytes / page, rounded up)
 * @chunk:  the chunk it lies in (NULL for huge)
 * @arena:  owner
 * @state:  enum aa_ext_state
 * @szind:  size class (slab, large); huge: ASC_NCLASSES_MAX
 * @zeroed: free runs: every byte reads as zero
 * @nfree:  slab: free regions
 * @link:   free run: its size bucket; slab with free regions: the bin's
 *          nonfull list; huge: the arena's huge list, or its huge cache
 *          once freed (then @chunk is NULL and @state AA_EXT_DIRTY)
 * @lru:    free run or cached huge range: the arena's dirty or muzzy
 *          list, oldest first
 * @kind:   huge: where the mapping came from
 * @purge_to: busy: the state purging left it in
 * @usize:  huge: usable size (@npages: pages mapped, which a shrink in
 *          place may leave larger when the tail could not be unmapped)
 * @bitmap: slab: common/slab.h, free regions set
 *
 * Protected by @arena->lock, except that @state, @szind and @addr of an
 * in-use extent do not change while the allocation lives, so the free
 * path may read them without it.
 */
struct extent {
	void *addr;
	size_t npages;
	struct chunk *chunk;
	struct arena *arena;
	uint8_t state;
	uint8_t szind;
	uint8_t zeroed;
	uint8_t kind;
	uint8_t purge_to;
	uint32_t nfree;
	struct aa_list link;
	struct aa_list lru;
	size_t usize;
	unsigned long bitmap[];
};

/**
 * struct chunk - header at the start of each chunk
 * @arena:     owner; never changes
 * @kind:      where the chunk came from (enum aa_chunk_kind)
 * @hdr_pages: pages taken by this header
 * @link:      in the arena's chunk list (arena lock)
 * @pinfo:     per page: the size class of the in-use extent covering it
 *             in the low byte (0xff: none, or not the start of a large
 *             one), and for a slab the page's index within the slab in
 *             the high byte, so that free() can check a pointer is a
 *             region start without touching the extent; written under
 *             the arena lock before the memory is handed out, read
 *             without it by free()
 * @map:       per page: the extent covering it, for in-use extents every
 *             page; for free runs their first and last page only
 */
struct chunk {
	struct arena *arena;
	uint8_t kind;
	uint16_t hdr_pages;
	struct aa_list link;
	struct extent **map;
	uint16_t pinfo[];
};

/* Geometry fixed at initialisation. */
struct aa_geom {
	unsigned int lg_page;
	size_t page;
	unsigned int lg_chunk;
	size_t chunk;
	unsigned int chunk_pages;
	unsigned int hdr_pages;
	size_t map_offset;		/* of chunk->map[] from the chunk's start */
	size_t extent_size;		/* struct extent + largest bitmap */
	struct asc_table sc;
	uint8_t size2index[AA_LOOKUP_MAX / 8 + 1];
	uint32_t div_magic[ASC_NCLASSES_MAX];	/* ceil(2^32 / class size) */
	size_t class_size[ASC_NCLASSES_MAX];	/* asc_index2size(), tabulated */
};

extern struct aa_geom aa_g;

static inline unsigned int aa_size2index(size_t size)
{
	if (likely(size <= AA_LOOKUP_MAX))
		return aa_g.size2index[(size + 7) >> 3];
	return asc_size2index(size);
}

static inline size_t aa_index2size(unsigned int ind)
{
	return aa_g.class_size[ind];
}

struct arena;
struct extent *aa_extent_alloc(struct arena *a, size_t npages, size_t align_pages,
			       bool *zeroed);
void aa_extent_free(struct arena *a, struct extent *e);
bool aa_extent_shrink(struct arena *a, struct extent *e, size_t npages);
bool aa_extent_grow(struct arena *a, struct extent *e, size_t npages, bool zero);
struct extent *aa_hcache_take(struct arena *a, size_t usize, size_t align);
void aa_hcache_put(struct arena *a, struct extent *e);
struct extent *aa_hcache_take_largest(struct arena *a);
void aa_extent_set_inuse(struct extent *e, enum aa_ext_state st, unsigned int szind);
void aa_extent_resized(struct extent *e, unsigned int szind);
size_t aa_decay_run(struct arena *a, bool all, uint64_t now);
size_t aa_dirty_cap(struct arena *a, size_t limit);

/* Dirty memory an arena may keep beyond the pages it has in use (arena.c). */
#define AA_DIRTY_SLACK	((size_t)32 << 20)

/* ==== Registry (rtree.c) ==================================================== */

#define AA_RTREE_HUGE	1UL	/* the value is a huge extent */
#define AA_RTREE_MANUAL	2UL	/* the chunk belongs to a manual arena */
#define AA_RTREE_FLAGS	3UL
#define AA_PINFO_NONE	0xff

#define AA_RTREE_LEAF_BITS	16
#define AA_RTREE_ROOT_MAX	(1UL << (48 - AA_LG_CHUNK_MIN - AA_RTREE_LEAF_BITS))

extern uintptr_t *aa_rtree_root[AA_RTREE_ROOT_MAX];

bool aa_rtree_set(void *slot_addr, uintptr_t val);
void aa_rtree_prefork(void);
void aa_rtree_postfork(bool child);
void aa_rtree_clear(void *slot_addr);

/* What is registered for the slot @ptr lies in; 0 when nothing is. */
static inline uintptr_t aa_rtree_get(const void *ptr)
{
	uintptr_t key = (uintptr_t)ptr >> aa_g.lg_chunk;
	uintptr_t hi = key >> AA_RTREE_LEAF_BITS;
	uintptr_t *leaf;

	if (unlikely(hi >= AA_RTREE_ROOT_MAX))
		return 0;
	leaf = __atomic_load_n(&aa_rtree_root[hi], __ATOMIC_ACQUIRE);
	if (unlikely(!leaf))
		return 0;
	return __atomic_load_n(&leaf[key & ((1UL << AA_RTREE_LEAF_BITS) - 1)],
			       __ATOMIC_ACQUIRE);
}

/* ==== Arenas (arena.c) ====================================================== */

/**
 * struct bin - the slabs of one small class in one arena
 * @cur:     the slab regions come from first (may be NULL)
 * @nonfull: other slabs with free regions
 * @nslabs:  slabs of the class, @cur included
 * @curregs: regions in use (counting those in thread caches)
 * @nmalloc, @ndalloc: regions handed out / taken back, ever
 *
 * Protected by the arena lock.
 */
struct bin {
	struct extent *cur;
	struct aa_list nonfull;
	size_t nslabs;
	size_t curregs;
	uint64_t nmalloc;
	uint64_t ndalloc;
};

#define AA_NBUCKETS	64	/* free-run size buckets, see extent.c */

/*
 * struct arena_stats - counters under the arena lock (the large and huge
 * ones count allocations, the page ones pages).
 */
struct arena_stats {
	uint64_t nmalloc_large, ndalloc_large;
	uint64_t nmalloc_huge, ndalloc_huge;
	size_t allocated_large, allocated_huge;
	size_t nchunks;
	uint64_t npurge, purged, nmadvise_lazy, purged_lazy;
};

/**
 * struct arena - chunks and what is carved from them
 * @lock:      protects everything below except where noted
 * @ind:       index; arenas[ind] == this (immutable)
 * @node:      NUMA node its chunks are asked for, -1 for any (immutable)
 * @manual:    made by "arenas.create" (immutable)
 * @nthreads:  threads bound to it (atomic; no lock)
 * @bins:      small classes
 * @avail:     free runs per state (dirty, muzzy, clean) and size bucket
 * @nonempty:  per state, bit b set when @avail[state][b] is not empty
 * @lru:       per state dirty and muzzy: free runs, least recently freed
 *             first (the order in which decay purges)
 * @npages:    per free state: pages in free runs of that state
 * @nactive:   pages in use by slabs and large extents
 * @nfreed_op: pages the operation under way gave back, until its decay
 *             tick (the dirty bound counts them as still in use)
 * @chunks:    its chunks
 * @huge:      its huge extents
 * @hcache:    freed huge mappings kept resident for reuse (extent.c);
 *             their pages count as dirty in @npages[0] and sit in @lru[0]
 * @decay:     dirty and muzzy decay
 * @purging:   a thread is purging with the lock dropped
 * @stats:     counters
 * @pool_next: destroyed: next in the pool of arenas for reuse (arenas_lock)
 */
struct arena {
	struct aa_mutex lock;
	unsigned int ind;
	int node;
	bool manual;
	unsigned int nthreads;
	struct bin bins[ASC_NSMALL_MAX];
	struct aa_list avail[AA_NFREE_STATES][AA_NBUCKETS];
	uint64_t nonempty[AA_NFREE_STATES];
	struct aa_list lru[AA_NFREE_STATES];
	size_t npages[AA_NFREE_STATES];
	size_t nactive;
	size_t nfreed_op;
	struct aa_list chunks;
	struct aa_list huge;
	struct aa_list hcache;
	struct acd_decay decay[2];
	bool purging;
	struct arena_stats stats;
	struct arena *pool_next;
};

/* Arena slots: automatic arenas first, then manual ones. */
extern struct arena *aa_arenas[AA_NARENAS_MAX];
extern unsigned int aa_narenas_auto;
extern unsigned int aa_narenas_total;	/* atomic */

struct arena *aa_arena_get(unsigned int ind, bool create);
struct arena *aa_arena_create_manual(unsigned int *ind);
int aa_arena_destroy(unsigned int ind);
struct arena *aa_arena_choose(void);
void aa_arena_bind(struct arena *a);
void aa_arena_unbind(struct arena *a);

unsigned int aa_arena_fill_small(struct arena *a, unsigned int ind, void **out,
				 unsigned int n);
unsigned int aa_arena_flush(struct arena *a, unsigned int ind, void **objs, unsigned int n);
void *aa_arena_malloc_small(struct arena *a, unsigned int ind, bool zero);
void *aa_arena_malloc_large(struct arena *a, size_t usize, size_t align, bool zero);
void *aa_arena_malloc_huge(struct arena *a, size_t usize, size_t align, bool zero);
void aa_arena_shrink_huge(struct extent *e, size_t usize);
bool aa_arena_grow_huge(struct extent *e, size_t usize);
void aa_arena_dalloc(void *ptr, struct chunk *c, unsigned int szind);
void aa_arena_dalloc_locked(struct arena *a, void *ptr, struct chunk *c,
			    unsigned int szind);
void aa_arena_dalloc_huge(struct extent *e);
void aa_arena_decay_tick(struct arena *a);
void aa_arena_purge(struct arena *a, bool all);
void aa_arenas_purge(bool all);
void aa_arena_set_decay(struct arena *a, int which, long ms);
void aa_arenas_prefork(void);
void aa_arenas_postfork(bool child);

/* ==== Pointer lookup (arena.c) ============================================= */

/*
 * What a pointer is: its chunk and class, or its huge extent; false when
 * it is not the start of something we handed out (or not ours at all).
 * @slab_pg: a small region's page index within its slab.
 * @manual:  the chunk is a manual arena's (its memory bypasses caches).
 */
struct aa_lookup {
	struct chunk *chunk;
	struct extent *huge;
	unsigned int szind;
	unsigned int slab_pg;
	bool manual;
};

static inline bool aa_lookup(const void *ptr, struct aa_lookup *l)
{
	uintptr_t v = aa_rtree_get(ptr);
	uint16_t pi;
	size_t pg;

	if (unlikely(!v))
		return false;
	if (unlikely(v & AA_RTREE_HUGE)) {
		l->huge = (struct extent *)(v & ~AA_RTREE_HUGE);
		l->chunk = NULL;
		return l->huge->addr == ptr;
	}
	l->manual = v & AA_RTREE_MANUAL;
	v &= ~AA_RTREE_FLAGS;
	l->chunk = (struct chunk *)v;
	l->huge = NULL;
	pg = ((uintptr_t)ptr - v) >> aa_g.lg_page;
	pi = __atomic_load_n(&l->chunk->pinfo[pg], __ATOMIC_RELAXED);
	l->szind = pi & 0xff;
	l->slab_pg = pi >> 8;
	return l->szind != AA_PINFO_NONE;
}

/* ==== Thread caches (tcache.c) ============================================= */

/**
 * struct tbin - cached regions of one class
 * @avail:     stack of pointers; @avail[0 .. @ncached) are cached
 * @ncached:   how many
 * @ncap:      capacity
 * @low_water: fewest cached since the last GC of this class
 */
struct tbin {
	void **avail;
	uint16_t ncached;
	uint16_t ncap;
	uint16_t low_water;
};

/**
 * struct tcache - one thread's cache; touched by its thread only (and by
 * the destructor that runs in that thread at its exit)
 * @arena:     the automatic arena the thread is bound to
 * @next_gc:   bin index the next GC step looks at
 * @events:    slow-path events until the next GC step
 * @allocated: bytes the thread allocated / freed, ever ("thread.allocated")
 * @freelink:  in the pool of tcaches of exited threads (base_lock)
 * @bins:      one per cached class
 */
struct tcache {
	struct arena *arena;
	unsigned int next_gc;
	int events;
	uint64_t allocated;
	uint64_t deallocated;
	struct tcache *freelink;
	struct tbin bins[];
};

extern unsigned int aa_tcache_nbins;	/* classes <= tcache_max */
/* Classes free()'s fast path may cache: aa_tcache_nbins, 0 with junk on free. */
extern unsigned int aa_tcache_free_nbins;

/*
 * Per-thread state.  Initial-exec TLS: one small block the dynamic linker
 * reserves for libraries in the static TLS surplus, so preloading or a
 * late dlopen() works; the tcache itself is metadata.
 */
enum aa_tstate {
	AA_TSTATE_NEW,		/* nothing set up yet */
	AA_TSTATE_LIVE,		/* tcache in use */
	AA_TSTATE_NOCACHE,	/* no tcache: disabled, or the thread is exiting */
};

struct aa_tsd {
	struct tcache *tcache;
	struct arena *arena;	/* without a tcache, or "thread.arena" */
	uint8_t state;
	uint8_t reentrant;	/* inside the library's own initialisation */
	uint8_t forking;	/* owns every lock, inside fork() (init.c) */
};

extern size_t aa_tcache_max_size;
extern __thread struct aa_tsd aa_tsd
	__attribute__((tls_model("initial-exec")));

int aa_tcache_init(void);
struct tcache *aa_tcache_boot(void);
void *aa_tcache_alloc_slow(struct tcache *tc, unsigned int ind, bool zero);
void aa_tcache_dalloc_slow(struct tcache *tc, void *ptr, unsigned int ind);
void aa_tcache_flush(struct tcache *tc);
void aa_tcache_destroy(struct tcache *tc);
void aa_tcache_thread_exit(void *arg);
void aa_tcache_bind(struct arena *a);
void aa_tcaches_prefork(void);
void aa_tcaches_postfork(bool child);

/* ==== Initialisation, fork, background thread (init.c) ================== */

extern bool aa_initialized;
extern bool aa_core_ready;	/* options and geometry set (init.c) */
bool aa_init_slow(void);
void aa_prefork(void);
void aa_postfork_parent(void);
void aa_postfork_child(void);

static inline bool aa_init(void)
{
	return likely(__atomic_load_n(&aa_initialized, __ATOMIC_ACQUIRE)) || aa_init_slow();
}

void aa_background_kick(void);
int aa_background_set(bool on);

void aa_ctl_prefork(void);
void aa_ctl_postfork(bool child);

/* ==== Statistics (stats.c) ================================================== */

struct aa_stats {
	size_t allocated, active, metadata, resident, mapped, retained;
	size_t dirty, muzzy;
	size_t device_mapped, mmap_mapped;
	uint64_t device_fallbacks, npurge, purged;
	unsigned int narenas;
};

struct aa_bin_snap {
	size_t size, nslabs, curregs;
	uint64_t nmalloc, ndalloc;
};

/* One arena's figures, copied under its lock (stats.c). */
struct aa_arena_snap {
	unsigned int ind, nthreads;
	int node;
	bool manual;
	long decay_ms[2];
	size_t active, pages[AA_NFREE_STATES], allocated_small;
	uint64_t nmalloc_small, ndalloc_small;
	struct arena_stats st;
	struct aa_bin_snap bins[ASC_NSMALL_MAX];
};

bool aa_arena_snap(unsigned int ind, struct aa_arena_snap *s);
unsigned int aa_arena_snap_all(struct aa_arena_snap *sum);
void aa_stats_refresh(void);
const struct aa_stats *aa_stats_snapshot(void);
void aa_stats_print_at_exit(void);
void aa_stats_print_locked(void (*cb)(void *opaque, const char *text), void *opaque,
			   const char *opts);

/* ==== Allocation entry points (alloc.c, free.c) ========================== */

size_t aa_usize(size_t size, size_t align, bool *huge);
void *aa_malloc_slow(size_t size, size_t align, bool zero, int flags);
size_t aa_usable_size(const void *ptr);
void aa_junk_fill(void *p, int c, size_t n);

/* list helpers */
static inline void aa_list_init(struct aa_list *l)
{
	l->next = l;
	l->prev = l;
}

static inline bool aa_list_empty(const struct aa_list *l)
{
	return l->next == l;
}

static inline void aa_list_add(struct aa_list *head, struct aa_list *n)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

static inline void aa_list_add_tail(struct aa_list *head, struct aa_list *n)
{
	aa_list_add(head->prev, n);
}

static inline void aa_list_del(struct aa_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	aa_list_init(n);
}

#define aa_container_of(p, type, member) \
	((type *)((char *)(p) - __builtin_offsetof(type, member)))

#pragma GCC visibility pop

#endif /* _ARENALLOC_INTERNAL_H */
