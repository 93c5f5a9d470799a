// SPDX-License-Identifier: GPL-2.0
/*
 * The shrinker: under memory pressure, reclaim asks arenalloc to give back
 * what it holds without need.  Today that is the objects waiting in the
 * per-CPU caches, which go back to their arenas (and a chunk left empty
 * goes back to the page allocator, beyond each arena's one spare).  Decay
 * of free pages will add its own share here.
 *
 * Locking: none of its own.  Counting sums the caches racily, as the
 * statistics do; scanning empties every cache through
 * aa_tcache_flush_all(), which is safe from reclaim (tcache.c).
 *
 * Kernels before 6.7 register a static struct shrinker; later ones
 * allocate it with shrinker_alloc() (told apart by SHRINKER_ALLOCATED,
 * which came with it).  Either way it is named
 * "arenalloc-tcache" (under /sys/kernel/debug/shrinker/ with
 * CONFIG_SHRINKER_DEBUG).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/shrinker.h>

#include "internal.h"

static unsigned long aa_shrink_count(struct shrinker *s, struct shrink_control *sc)
{
	return aa_tcache_cached() ?: SHRINK_EMPTY;
}

/* The caches go all at once: what reclaim asks for is a lower bound. */
static unsigned long aa_shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long before = aa_tcache_cached(), after;

	aa_tcache_flush_all();
	after = aa_tcache_cached();
	return before > after ? before - after : 0;
}

#ifdef SHRINKER_ALLOCATED
static struct shrinker *aa_shrinker;
#define AA_SHRINKER	aa_shrinker

int aa_shrinker_init(void)
{
	aa_shrinker = shrinker_alloc(0, "arenalloc-tcache");
	if (!aa_shrinker)
		return -ENOMEM;
	aa_shrinker->count_objects = aa_shrink_count;
	aa_shrinker->scan_objects = aa_shrink_scan;
	shrinker_register(aa_shrinker);
	return 0;
}

void aa_shrinker_exit(void)
{
	shrinker_free(aa_shrinker);
}
#else
static struct shrinker aa_shrinker_static = {
	.count_objects = aa_shrink_count,
	.scan_objects = aa_shrink_scan,
	.seeks = DEFAULT_SEEKS,
};

#define AA_SHRINKER	(&aa_shrinker_static)

int aa_shrinker_init(void)
{
	return register_shrinker(&aa_shrinker_static, "arenalloc-tcache");
}

void aa_shrinker_exit(void)
{
	unregister_shrinker(&aa_shrinker_static);
}
#endif

/**
 * aa_shrinker_get() - arenalloc's registered shrinker
 *
 * Context: Any context, between init and exit.
 * Return: the shrinker.
 */
struct shrinker *aa_shrinker_get(void)
{
	return AA_SHRINKER;
}
EXPORT_SYMBOL_IF_KUNIT(aa_shrinker_get);
