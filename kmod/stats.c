// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: totals over every arena and every CPU's cache, named as
 * jemalloc names them (stats.allocated, stats.active, ...).
 *
 * Locking: aa_arenas_lock keeps private arenas from being destroyed while
 * they are summed; each arena is read under its own lock; per-CPU cache
 * counters are read without theirs (see aa_tcache_stats_get()).  The
 * totals are a snapshot, not an atomic one across arenas.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/mutex.h>

#include "internal.h"

/**
 * aa_stats_collect() - add up the statistics of arenas and caches
 * @t: filled in
 *
 * Context: Process context; takes aa_arenas_lock.
 */
void aa_stats_collect(struct aa_stats *t)
{
	struct aa_tcache_stats ts;
	struct aa_arena_stats st;
	unsigned long chunk = arenalloc_sc.large_max;
	unsigned int i, cpu;

	memset(t, 0, sizeof(*t));
	mutex_lock(&aa_arenas_lock);
	for (i = 0; i < AA_ARENAS_MAX; i++) {
		if (!aa_arenas[i])
			continue;
		aa_arena_stats_get(aa_arenas[i], &st);
		t->narenas++;
		t->allocated += st.small_bytes + st.large_bytes +
				(st.huge_pages << PAGE_SHIFT);
		t->active += (st.active_pages + st.huge_pages) << PAGE_SHIFT;
		t->mapped += st.nchunks * chunk + (st.huge_pages << PAGE_SHIFT);
		t->nmalloc += st.nmalloc;
		t->ndalloc += st.ndalloc;
	}
	mutex_unlock(&aa_arenas_lock);

	for_each_possible_cpu(cpu) {
		aa_tcache_stats_get(cpu, &ts);
		t->tcache_bytes += ts.cached_bytes;
		t->tcache_hits += ts.hits;
		t->tcache_misses += ts.misses;
		t->tcache_fills += ts.fills;
		t->tcache_flushes += ts.flushes;
	}
	/* Objects waiting in a cache are not allocated to anyone. */
	t->allocated -= min(t->allocated, t->tcache_bytes);
	t->metadata = atomic_long_read(&aa_metadata_bytes);
}
