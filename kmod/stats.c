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
 * "nchunks", "pactive", "pdirty" and "small"/"large"/"huge" objects, and
 * the size classes it has served: "bins" (small: nmalloc, ndalloc,
 * nrequests, nfills, nflushes, curregs, curslabs) and "lextents" (large:
 * nmalloc, ndalloc, nrequests, nflushes, curlextents).  nrequests adds
 * the per-CPU cache hits of the CPUs bound to the arena to the requests
 * the arena served itself (aa_tcache_hits_add()): hits are counted per
 * CPU and class on the hit path, summed only here.  stats.nodes has the
 * totals per node with memory; fragmentation is 1 - allocated / active.
 * Decay figures use jemalloc's names: pdirty (pages of empty chunks in
 * arenas), pmuzzy and retained (pages and bytes in the retained pools),
 * npurge and purged (decay steps that moved pages on, and pages moved,
 * dirty to muzzy and muzzy to the page allocator added up).
 *
 * resident is what the module holds from the page allocator for arenas:
 * mapped (chunks and huge blocks), retained and metadata.  nmadvise is
 * jemalloc's count of madvise() calls; here, one per chunk moved out of
 * an arena or block given back to the page allocator.
 *
 * With stats_print_interval set, a deferrable work logs a one-line
 * summary (pr_info) every so many ms.
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
#include <linux/math64.h>
#include <linux/nodemask.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "internal.h"

/* Adds @arena's figures to @t (its own retained pool included). */
static void aa_stats_arena_add(struct aa_arena *arena, struct aa_stats *t)
{
	unsigned long chunk = arenalloc_sc.large_max;
	struct aa_arena_stats st;
	struct aa_decay_stats ds;

	aa_arena_stats_get(arena, &st);
	aa_decay_arena_stats_get(arena, &ds);
	t->narenas++;
	t->allocated += st.small_bytes + st.large_bytes + (st.huge_pages << PAGE_SHIFT);
	t->active += (st.active_pages + st.huge_pages) << PAGE_SHIFT;
	t->mapped += st.nchunks * chunk + (st.huge_pages << PAGE_SHIFT);
	t->nmalloc += st.nmalloc;
	t->ndalloc += st.ndalloc;
	t->node_fallbacks += st.node_fallbacks;
	t->pdirty += st.pdirty;
	t->pmuzzy += ds.pmuzzy;
	t->npurge += st.dirty_npurge + ds.muzzy_npurge;
	t->nmadvise += st.dirty_nmadvise + ds.muzzy_nmadvise;
	t->purged += st.dirty_purged + ds.muzzy_purged;
}

/* What follows from the sums: bytes of retained pages, resident bytes. */
static void aa_stats_finish(struct aa_stats *t)
{
	t->retained = t->pmuzzy << PAGE_SHIFT;
	t->resident = t->mapped + t->retained + t->metadata;
}

/**
 * aa_stats_arena() - the statistics of one arena
 * @arena: the arena
 * @t:     filled in; the per-CPU cache and metadata figures are 0 (they
 *         are kept for all arenas together), narenas is 1
 *
 * Context: Any context; takes @arena's locks for a fixed time.
 */
void aa_stats_arena(struct aa_arena *arena, struct aa_stats *t)
{
	memset(t, 0, sizeof(*t));
	aa_stats_arena_add(arena, t);
	aa_stats_finish(t);
}
EXPORT_SYMBOL_IF_KUNIT(aa_stats_arena);

/**
 * aa_stats_collect() - add up the statistics of arenas and caches
 * @t: filled in
 *
 * Context: Process context; takes aa_arenas_lock.
 */
void aa_stats_collect(struct aa_stats *t)
{
	struct aa_tcache_stats ts;
	struct aa_decay_stats ds;
	unsigned int i, cpu;

	memset(t, 0, sizeof(*t));
	mutex_lock(&aa_arenas_lock);
	for (i = 0; i < AA_ARENAS_MAX; i++)
		if (aa_arenas[i])
			aa_stats_arena_add(aa_arenas[i], t);
	mutex_unlock(&aa_arenas_lock);
	aa_decay_stats_get(&ds);
	t->pmuzzy += ds.pmuzzy;
	t->npurge += ds.muzzy_npurge;
	t->nmadvise += ds.muzzy_nmadvise;
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
	aa_stats_finish(t);
}
EXPORT_SYMBOL_IF_KUNIT(aa_stats_collect);

/* ==== The periodic summary in the kernel log ============================= */

static void aa_stats_print_fn(struct work_struct *work);
static DECLARE_DEFERRABLE_WORK(aa_stats_print_work, aa_stats_print_fn);

static void aa_stats_print_fn(struct work_struct *work)
{
	long ms = arenalloc_knob_get(&arenalloc_knob_stats_print_interval);
	struct aa_stats t;

	if (!ms)
		return;
	aa_stats_collect(&t);
	pr_info("stats: allocated %llu active %llu mapped %llu resident %llu retained %llu metadata %llu tcache_bytes %llu pdirty %llu pmuzzy %llu nmalloc %llu ndalloc %llu npurge %llu purged %llu\n",
		t.allocated, t.active, t.mapped, t.resident, t.retained, t.metadata,
		t.tcache_bytes, t.pdirty, t.pmuzzy, t.nmalloc, t.ndalloc, t.npurge, t.purged);
	queue_delayed_work(system_unbound_wq, &aa_stats_print_work, msecs_to_jiffies(ms));
}

/**
 * aa_stats_print_changed() - stats_print_interval was written
 * @old: its previous value
 * @val: its new value; 0 stops the summaries
 *
 * The next summary comes @val ms from now.
 *
 * Context: Process context; may sleep.
 */
void aa_stats_print_changed(long old, long val)
{
	if (val)
		mod_delayed_work(system_unbound_wq, &aa_stats_print_work, msecs_to_jiffies(val));
	else
		cancel_delayed_work_sync(&aa_stats_print_work);
}
EXPORT_SYMBOL_IF_KUNIT(aa_stats_print_changed);

/**
 * aa_stats_print_init() - start the summaries if the parameter asks for them
 *
 * Context: Module init, once everything the summary reads exists.
 */
void aa_stats_print_init(void)
{
	aa_stats_print_changed(0, arenalloc_knob_get(&arenalloc_knob_stats_print_interval));
}

/**
 * aa_stats_print_exit() - stop the summaries for good
 *
 * Context: Module exit, once no sysfs write can start them again.
 */
void aa_stats_print_exit(void)
{
	cancel_delayed_work_sync(&aa_stats_print_work);
}

/* ==== The JSON dump ====================================================== */

static struct dentry *aa_stats_dir;

/* 1 - allocated / active as a JSON number with six decimals. */
static void aa_json_fragmentation(struct seq_file *m, u64 allocated, u64 active)
{
	u64 ppm = active ? div64_u64((active - min(allocated, active)) * 1000000, active) : 0;

	seq_printf(m, "\"fragmentation\": %llu.%06llu", ppm / 1000000, ppm % 1000000);
}

/*
 * The size classes of one arena, jemalloc's names: "bins" (small) and
 * "lextents" (large); classes never used are left out.
 */
static void aa_json_classes(struct seq_file *m, struct aa_arena *arena,
			    struct aa_class_stats *cs, u64 *hits)
{
	unsigned int i, nsmall = arenalloc_sc.nsmall;
	bool first = true;

	aa_arena_class_stats_get(arena, cs);
	memset(hits, 0, arenalloc_sc.nclasses * sizeof(*hits));
	/* Private arenas are never in a CPU's cache. */
	if (!arena->private)
		aa_tcache_hits_add(arena, hits);
	seq_puts(m, "   \"bins\": [");
	for (i = 0; i < arenalloc_sc.nclasses; i++) {
		if (i == nsmall) {
			seq_puts(m, "],\n   \"lextents\": [");
			first = true;
		}
		if (!cs[i].nmalloc && !hits[i])
			continue;
		seq_printf(m, "%s\n    {\"size\": %zu, \"nmalloc\": %llu, \"ndalloc\": %llu, ",
			   first ? "" : ",", asc_index2size(i), cs[i].nmalloc, cs[i].ndalloc);
		seq_printf(m, "\"nrequests\": %llu, \"nflushes\": %llu, ",
			   cs[i].nrequests + hits[i], cs[i].nflushes);
		if (i < nsmall)
			seq_printf(m, "\"nfills\": %llu, \"curregs\": %lu, \"curslabs\": %lu}",
				   cs[i].nfills, cs[i].curregs, cs[i].curslabs);
		else
			seq_printf(m, "\"curlextents\": %lu}", cs[i].curregs);
		first = false;
	}
	seq_puts(m, "]");
}

static void aa_json_arena(struct seq_file *m, struct aa_arena *arena, bool first,
			  struct aa_class_stats *cs, u64 *hits)
{
	struct aa_arena_stats st;
	struct aa_stats t;

	aa_arena_stats_get(arena, &st);
	aa_stats_arena(arena, &t);
	seq_printf(m, "%s\n  {\"ind\": %u, \"manual\": %s, \"node\": %d, \"nthreads\": %u, ",
		   first ? "" : ",", arena->id, arena->private ? "true" : "false", arena->nid,
		   READ_ONCE(arena->nthreads));
	seq_printf(m, "\"dirty_decay_ms\": %ld, \"muzzy_decay_ms\": %ld,\n",
		   READ_ONCE(arena->dirty_decay_ms), READ_ONCE(arena->muzzy_decay_ms));
	seq_printf(m, "   \"nchunks\": %lu, \"pactive\": %lu, \"pdirty\": %lu, \"pmuzzy\": %llu,\n",
		   st.nchunks, st.active_pages, st.pdirty, t.pmuzzy);
	seq_printf(m, "   \"allocated\": %llu, \"active\": %llu, \"mapped\": %llu, ",
		   t.allocated, t.active, t.mapped);
	seq_printf(m, "\"resident\": %llu, \"retained\": %llu, ", t.resident, t.retained);
	aa_json_fragmentation(m, t.allocated, t.active);
	seq_printf(m, ",\n   \"dirty_npurge\": %llu, \"dirty_purged\": %llu, ", st.dirty_npurge,
		   st.dirty_purged);
	seq_printf(m, "\"npurge\": %llu, \"nmadvise\": %llu, \"purged\": %llu,\n", t.npurge,
		   t.nmadvise, t.purged);
	seq_printf(m, "   \"small\": {\"allocated\": %lu, \"curregs\": %lu},\n",
		   st.small_bytes, st.small_regs);
	seq_printf(m, "   \"large\": {\"allocated\": %lu, \"curlextents\": %lu},\n",
		   st.large_bytes, st.large_live);
	seq_printf(m, "   \"huge\": {\"allocated\": %lu},\n", st.huge_pages << PAGE_SHIFT);
	seq_printf(m, "   \"nmalloc\": %llu, \"ndalloc\": %llu, \"node_fallbacks\": %llu,\n",
		   st.nmalloc, st.ndalloc, st.node_fallbacks);
	aa_json_classes(m, arena, cs, hits);
	seq_puts(m, "}");
}

/*
 * Totals per node with memory: the arenas whose node it is (their own
 * retained pools included), the node's retained pool, the pages the
 * module holds there, the device's share of them and its pool's.
 */
static void aa_json_nodes(struct seq_file *m, struct aa_stats *n)
{
	struct aa_decay_stats ds;
	bool first = true;
	struct aa_stats t;
	unsigned int i;
	int nid;

	mutex_lock(&aa_arenas_lock);
	for (i = 0; i < AA_ARENAS_MAX; i++) {
		struct aa_arena *arena = aa_arenas[i];
		struct aa_stats *x;

		if (!arena)
			continue;
		aa_stats_arena(arena, &t);
		x = &n[arena->nid];
		x->narenas++;
		x->allocated += t.allocated;
		x->active += t.active;
		x->mapped += t.mapped;
		x->pdirty += t.pdirty;
		x->pmuzzy += t.pmuzzy;
	}
	mutex_unlock(&aa_arenas_lock);
	seq_puts(m, "  \"nodes\": [");
	for_each_node_state(nid, N_MEMORY) {
		aa_decay_node_stats_get(nid, &ds);
		n[nid].pmuzzy += ds.pmuzzy;
		seq_printf(m, "%s\n   {\"node\": %d, \"narenas\": %llu, \"allocated\": %llu, ",
			   first ? "" : ",", nid, n[nid].narenas, n[nid].allocated);
		seq_printf(m, "\"active\": %llu, \"mapped\": %llu, \"pdirty\": %llu, ",
			   n[nid].active, n[nid].mapped, n[nid].pdirty);
		seq_printf(m, "\"pmuzzy\": %llu, \"pages\": %lu, \"dev_pages\": %lu, ",
			   n[nid].pmuzzy, arenalloc_pages_held(nid), aa_dev_node_pages(nid));
		seq_printf(m, "\"dev_pdirty\": %lu}", aa_devpool_pages(nid));
		first = false;
	}
	seq_puts(m, "],\n");
}

static int aa_json_show(struct seq_file *m, void *unused)
{
	struct aa_class_stats *cs;
	struct aa_stats *nodes;
	struct aa_devpool_stats pool;
	struct aa_dev_stats dev;
	int ret = -ENOMEM;
	u64 *hits;
	struct aa_stats t;
	bool first = true;
	unsigned int i;

	/* Scratch space: per node totals, and one arena's classes at a time. */
	nodes = kcalloc(nr_node_ids, sizeof(*nodes), GFP_KERNEL);
	cs = kcalloc(arenalloc_sc.nclasses, sizeof(*cs), GFP_KERNEL);
	hits = kcalloc(arenalloc_sc.nclasses, sizeof(*hits), GFP_KERNEL);
	if (!nodes || !cs || !hits)
		goto out;
	aa_stats_collect(&t);
	aa_dev_stats_get(&dev);
	aa_devpool_stats_get(NUMA_NO_NODE, &pool);
	seq_printf(m, "{\"arenalloc\": {\"version\": \"%s\",\n", ARENALLOC_VERSION);
	seq_printf(m, " \"opt\": {\"narenas\": %ld, \"lg_chunk\": %ld, \"dirty_decay_ms\": %ld, ",
		   arenalloc_knob_get(&arenalloc_knob_narenas),
		   arenalloc_knob_get(&arenalloc_knob_lg_chunk),
		   arenalloc_knob_get(&arenalloc_knob_dirty_decay_ms));
	seq_printf(m, "\"muzzy_decay_ms\": %ld, \"tcache_max\": %ld, \"tcache_gc_interval\": %ld, ",
		   arenalloc_knob_get(&arenalloc_knob_muzzy_decay_ms),
		   arenalloc_knob_get(&arenalloc_knob_tcache_max),
		   arenalloc_knob_get(&arenalloc_knob_tcache_gc_interval));
	seq_printf(m, "\"stats_print_interval\": %ld, \"debug\": %ld},\n",
		   arenalloc_knob_get(&arenalloc_knob_stats_print_interval),
		   arenalloc_knob_get(&arenalloc_knob_debug));
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
	seq_printf(m, "\"npurge\": %llu, \"nmadvise\": %llu, \"purged\": %llu,\n", t.npurge,
		   t.nmadvise, t.purged);
	seq_printf(m, "  \"resident\": %llu, ", t.resident);
	aa_json_fragmentation(m, t.allocated, t.active);
	seq_puts(m, ",\n");
	aa_json_nodes(m, nodes);
	seq_printf(m, "  \"dev\": {\"mappings\": %llu, \"pages\": %llu, \"faults\": %llu, ",
		   dev.mappings, dev.pages, dev.faults);
	seq_printf(m, "\"purged\": %llu, \"fork_copied\": %llu, \"fork_failed\": %llu,\n",
		   dev.purged, dev.fork_copied, dev.fork_failed);
	seq_printf(m, "   \"pdirty\": %llu, \"pzeroed\": %llu, \"dirty_npurge\": %llu, ",
		   pool.pdirty, pool.pzeroed, pool.dirty_npurge);
	seq_printf(m, "\"dirty_purged\": %llu,\n   \"pool\": {\"hits\": %llu, ",
		   pool.dirty_purged, pool.hits);
	seq_printf(m, "\"misses\": %llu, \"zero_inline\": %llu}}},\n", pool.misses,
		   pool.zero_inline);
	seq_puts(m, " \"arenas\": [");
	mutex_lock(&aa_arenas_lock);
	for (i = 0; i < AA_ARENAS_MAX; i++) {
		if (!aa_arenas[i])
			continue;
		aa_json_arena(m, aa_arenas[i], first, cs, hits);
		first = false;
	}
	mutex_unlock(&aa_arenas_lock);
	seq_puts(m, "]}}\n");
	ret = 0;
out:
	kfree(nodes);
	kfree(cs);
	kfree(hits);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(aa_json);

/**
 * aa_stats_debugfs_init() - create /sys/kernel/debug/arenalloc/stats.json
 *                           (and decay_hold_ns, decay.c)
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
	aa_decay_hold_debugfs_init(aa_stats_dir);
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
