// SPDX-License-Identifier: GPL-2.0
/*
 * The shrinker: under memory pressure, reclaim asks arenalloc to give back
 * what it holds without need, whatever the decay settings say.  One
 * shrinker, "arenalloc" (under /sys/kernel/debug/shrinker/ with
 * CONFIG_SHRINKER_DEBUG), counts in pages:
 *
 *   retained  pages in the retained (muzzy) pools, out of every arena
 *   dirty     pages of the arenas' empty chunks
 *   tcache    the bytes of the objects waiting in the per-CPU caches,
 *             rounded up to pages
 *   devpool   pages /dev/arenalloc mappings let go of, waiting in the
 *             device's per-node pools for reuse (devpool.c)
 *
 * A scan gives back retained and dirty pages first, the oldest first
 * (aa_decay_run(), which frees dirty chunks through the retained pools,
 * then the device's pools),
 * because losing them costs nothing but a later page allocation.  Only
 * when that is not enough does it empty the per-CPU caches (which makes
 * chunks empty, so dirty) and give back what that freed.  A scan returns
 * the pages given back to the page allocator plus the pages' worth of
 * objects it took out of the caches.  `echo 2 > /proc/sys/vm/drop_caches`
 * reaches it and leaves nothing dirty, retained, pooled or cached.
 *
 * Registration: kernels from 6.7 allocate shrinkers with shrinker_alloc()
 * and free them with shrinker_free(); older ones (6.1) embed a struct
 * shrinker and use register_shrinker().  SHRINKER_ALLOCATED, a flag that
 * came with shrinker_alloc() in <linux/shrinker.h>, tells them apart: the
 * headers say what they provide, whatever the version number.  Only
 * aa_shrinker_new() and aa_shrinker_del() differ.
 *
 * Locking: none of its own.  Counting reads running counters locklessly
 * (a snapshot); scanning takes the arena and pool locks through
 * aa_decay_run(), which only trylocks aa_arenas_lock from here, and
 * empties the caches through aa_tcache_flush_all(), which is safe from
 * reclaim (tcache.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/shrinker.h>

#include "internal.h"

/* Pages' worth of the objects waiting in the per-CPU caches. */
static unsigned long aa_shrink_tcache_pages(void)
{
	struct aa_tcache_stats st;
	unsigned long bytes = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		aa_tcache_stats_get(cpu, &st);
		bytes += st.cached_bytes;
	}
	/* Objects on the remote lists have no size here: call them a page. */
	return max(DIV_ROUND_UP(bytes, PAGE_SIZE), aa_tcache_cached() ? 1UL : 0UL);
}

static unsigned long aa_shrink_count(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long n = atomic_long_read(&aa_dirty_pages) + aa_retained_pages(NUMA_NO_NODE) +
			  aa_devpool_pages(NUMA_NO_NODE) + aa_shrink_tcache_pages();

	return n ?: SHRINK_EMPTY;
}

static unsigned long aa_shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long want = max(1UL, sc->nr_to_scan), cached, freed;

	freed = aa_decay_run(aa_decay_now(), want, false);
	if (freed < want) {
		cached = aa_shrink_tcache_pages();
		if (cached) {
			aa_tcache_flush_all();
			freed += cached + aa_decay_run(aa_decay_now(), want - freed, false);
		}
	}
	return freed ?: SHRINK_STOP;
}

#ifdef SHRINKER_ALLOCATED
static struct shrinker *aa_shrinker_new(void)
{
	struct shrinker *s = shrinker_alloc(0, KBUILD_MODNAME);

	if (!s)
		return NULL;
	s->count_objects = aa_shrink_count;
	s->scan_objects = aa_shrink_scan;
	s->seeks = DEFAULT_SEEKS;
	shrinker_register(s);
	return s;
}

static void aa_shrinker_del(struct shrinker *s)
{
	shrinker_free(s);
}
#else
static struct shrinker aa_shrinker_static = {
	.count_objects = aa_shrink_count,
	.scan_objects = aa_shrink_scan,
	.seeks = DEFAULT_SEEKS,
};

static struct shrinker *aa_shrinker_new(void)
{
	return register_shrinker(&aa_shrinker_static, KBUILD_MODNAME) ? NULL :
	       &aa_shrinker_static;
}

static void aa_shrinker_del(struct shrinker *s)
{
	unregister_shrinker(s);
}
#endif

/* The registered shrinker, from aa_shrinker_init() to aa_shrinker_exit(). */
static struct shrinker *aa_shrinker;

/**
 * aa_shrinker_init() - register the shrinker
 *
 * Context: Module init, once the arenas, retained pools and per-CPU caches
 * exist (it walks them all).
 * Return: 0 or -ENOMEM.
 */
int aa_shrinker_init(void)
{
	aa_shrinker = aa_shrinker_new();
	return aa_shrinker ? 0 : -ENOMEM;
}

/**
 * aa_shrinker_exit() - unregister the shrinker
 *
 * Waits for a scan in progress to end.
 *
 * Context: Module exit, before the caches and arenas go.
 */
void aa_shrinker_exit(void)
{
	aa_shrinker_del(aa_shrinker);
	aa_shrinker = NULL;
}

/**
 * aa_shrinker_get() - arenalloc's registered shrinker
 *
 * Context: Any context, between init and exit.
 * Return: the shrinker.
 */
struct shrinker *aa_shrinker_get(void)
{
	return aa_shrinker;
}
EXPORT_SYMBOL_IF_KUNIT(aa_shrinker_get);
