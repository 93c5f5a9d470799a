// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: totals over every arena and every CPU's cache, named as
 * jemalloc names them (stats.allocated, stats.active, ...).
 *
 * Two readers: the files of /sys/kernel/arenalloc/stats/ (one value each,
 * sysfs.c) and /sys/kernel/debug/arenalloc/stats.json, everything at once
 * in the JSON shape libarenalloc's malloc_stats_print("J") uses: one
 * top-level "arenalloc" object with "version", "opt", "stats" and
 * "arenas", each arena with "ind", "manual", "node", "nthreads",
 * "nchunks", "pactive", "pdirty" and "small"/"large"/"huge" objects.
 * Decay figures use jemalloc's names: pdirty (pages of empty chunks in
 * arenas), pmuzzy and retained (pages and bytes in the retained pools),
 * npurge and purged (decay steps that moved pages on, and pages moved,
 * dirty to muzzy and muzzy to the page allocator added up).
 *
 * Locking: aa_arenas_lock keeps private arenas from being destroyed while
 * they are summed; each arena is read under its own lock, which it holds
 * for a fixed time (running counters, no walk over chunks), so a reader,
 * any user, cannot hold interrupts off for longer as memory grows;
 * per-CPU cache counters are read without theirs (see
 * aa_tcache_stats_get()).  The totals are a snapshot, not an atomic one
 * across arenas.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

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
	struct aa_decay_stats ds;
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
		t->node_fallbacks += st.node_fallbacks;
		t->pdirty += st.pdirty;
		t->npurge += st.dirty_npurge;
		t->purged += st.dirty_purged;
	}
	mutex_unlock(&aa_arenas_lock);
	aa_decay_stats_get(&ds);
	t->pmuzzy = ds.pmuzzy;
	t->retained = (u64)ds.pmuzzy << PAGE_SHIFT;
	t->npurge += ds.muzzy_npurge;
	t->purged += ds.muzzy_purged;

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
EXPORT_SYMBOL_IF_KUNIT(aa_stats_collect);

/* ==== The JSON dump ====================================================== */

static struct dentry *aa_stats_dir;

static void aa_json_arena(struct seq_file *m, struct aa_arena *arena, bool first)
{
	struct aa_arena_stats st;

	aa_arena_stats_get(arena, &st);
	seq_printf(m, "%s\n  {\"ind\": %u, \"manual\": %s, \"node\": %d, \"nthreads\": %u, ",
		   first ? "" : ",", arena->id, arena->private ? "true" : "false", arena->nid,
		   READ_ONCE(arena->nthreads));
	seq_printf(m, "\"nchunks\": %lu, \"pactive\": %lu, \"pdirty\": %lu,\n", st.nchunks,
		   st.active_pages, st.pdirty);
	seq_printf(m, "   \"dirty_npurge\": %llu, \"dirty_purged\": %llu,\n", st.dirty_npurge,
		   st.dirty_purged);
	seq_printf(m, "   \"small\": {\"allocated\": %lu, \"curregs\": %lu},\n",
		   st.small_bytes, st.small_regs);
	seq_printf(m, "   \"large\": {\"allocated\": %lu, \"curlextents\": %lu},\n",
		   st.large_bytes, st.large_live);
	seq_printf(m, "   \"huge\": {\"allocated\": %lu},\n", st.huge_pages << PAGE_SHIFT);
	seq_printf(m, "   \"nmalloc\": %llu, \"ndalloc\": %llu, \"node_fallbacks\": %llu}",
		   st.nmalloc, st.ndalloc, st.node_fallbacks);
}

static int aa_json_show(struct seq_file *m, void *unused)
{
	struct aa_dev_stats dev;
	struct aa_stats t;
	bool first = true;
	unsigned int i;

	aa_stats_collect(&t);
	aa_dev_stats_get(&dev);
	seq_printf(m, "{\"arenalloc\": {\"version\": \"%s\",\n", ARENALLOC_VERSION);
	seq_printf(m, " \"opt\": {\"narenas\": %ld, \"lg_chunk\": %ld, \"dirty_decay_ms\": %ld, ",
		   arenalloc_knob_get(&arenalloc_knob_narenas),
		   arenalloc_knob_get(&arenalloc_knob_lg_chunk),
		   arenalloc_knob_get(&arenalloc_knob_dirty_decay_ms));
	seq_printf(m, "\"muzzy_decay_ms\": %ld, \"tcache_max\": %ld, \"tcache_gc_interval\": %ld, ",
		   arenalloc_knob_get(&arenalloc_knob_muzzy_decay_ms),
		   arenalloc_knob_get(&arenalloc_knob_tcache_max),
		   arenalloc_knob_get(&arenalloc_knob_tcache_gc_interval));
	seq_printf(m, "\"debug\": %ld},\n", arenalloc_knob_get(&arenalloc_knob_debug));
	seq_printf(m, " \"stats\": {\"allocated\": %llu, \"active\": %llu, \"metadata\": %llu, ",
		   t.allocated, t.active, t.metadata);
	seq_printf(m, "\"mapped\": %llu, \"tcache_bytes\": %llu, \"nmalloc\": %llu, ",
		   t.mapped, t.tcache_bytes, t.nmalloc);
	seq_printf(m, "\"ndalloc\": %llu,\n  \"tcache\": {\"hits\": %llu, \"misses\": %llu, ",
		   t.ndalloc, t.tcache_hits, t.tcache_misses);
	seq_printf(m, "\"fills\": %llu, \"flushes\": %llu},\n", t.tcache_fills,
		   t.tcache_flushes);
	seq_printf(m, "  \"node_fallbacks\": %llu,\n", t.node_fallbacks);
	seq_printf(m, "  \"pdirty\": %llu, \"pmuzzy\": %llu, \"retained\": %llu, ",
		   t.pdirty, t.pmuzzy, t.retained);
	seq_printf(m, "\"npurge\": %llu, \"purged\": %llu,\n", t.npurge, t.purged);
	seq_printf(m, "  \"dev\": {\"mappings\": %llu, \"pages\": %llu, \"faults\": %llu, ",
		   dev.mappings, dev.pages, dev.faults);
	seq_printf(m, "\"purged\": %llu, \"fork_copied\": %llu, \"fork_failed\": %llu}},\n",
		   dev.purged, dev.fork_copied, dev.fork_failed);
	seq_puts(m, " \"arenas\": [");
	mutex_lock(&aa_arenas_lock);
	for (i = 0; i < AA_ARENAS_MAX; i++) {
		if (!aa_arenas[i])
			continue;
		aa_json_arena(m, aa_arenas[i], first);
		first = false;
	}
	mutex_unlock(&aa_arenas_lock);
	seq_puts(m, "]}}\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aa_json);

/**
 * aa_stats_debugfs_init() - create /sys/kernel/debug/arenalloc/stats.json
 *
 * Without debugfs there is no dump, and nothing else changes: the
 * statistics stay readable in sysfs.
 *
 * Context: Process context, at module load.
 */
void aa_stats_debugfs_init(void)
{
	aa_stats_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats.json", 0444, aa_stats_dir, NULL, &aa_json_fops);
}

/**
 * aa_stats_debugfs_exit() - remove what aa_stats_debugfs_init() made
 *
 * Context: Process context, at module unload.
 */
void aa_stats_debugfs_exit(void)
{
	debugfs_remove_recursive(aa_stats_dir);
}
