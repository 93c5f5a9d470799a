// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: gathering, the "epoch" snapshot, and printing as text or
 * JSON.
 *
 * Totals have jemalloc's meanings:
 *   allocated  bytes in allocations (regions held in thread caches count,
 *              as in jemalloc)
 *   active     bytes of pages backing allocations (slabs, large, huge)
 *   metadata   bytes of metadata and chunk headers
 *   resident   active + metadata + dirty and muzzy pages: an upper bound
 *              on what the allocator holds in memory
 *   mapped     bytes mapped from the chunk source (chunks, huge, metadata)
 *   retained   bytes of clean pages: address space kept, memory given back
 *
 * Each arena is read under its lock and copied out; printing happens
 * after the lock is dropped, because the caller's write callback may
 * itself allocate.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Copy one arena's figures; false if there is no arena @ind. */
bool aa_arena_snap(unsigned int ind, struct aa_arena_snap *s)
{
	struct arena *a = ind < AA_NARENAS_MAX ?
			  __atomic_load_n(&aa_arenas[ind], __ATOMIC_ACQUIRE) : NULL;
	unsigned int i;

	if (!a)
		return false;
	memset(s, 0, sizeof(*s));
	s->ind = ind;
	s->node = a->node;
	s->manual = a->manual;
	s->nthreads = __atomic_load_n(&a->nthreads, __ATOMIC_RELAXED);
	aa_mutex_lock(&a->lock);
	s->active = a->nactive << aa_g.lg_page;
	memcpy(s->pages, a->npages, sizeof(s->pages));
	s->st = a->stats;
	s->decay_ms[0] = a->decay[0].decay_ms;
	s->decay_ms[1] = a->decay[1].decay_ms;
	for (i = 0; i < aa_g.sc.nsmall; i++) {
		struct bin *b = &a->bins[i];
		struct aa_bin_snap *bs = &s->bins[i];

		bs->size = aa_index2size(i);
		bs->nslabs = b->nslabs;
		bs->curregs = b->curregs;
		bs->nmalloc = b->nmalloc;
		bs->ndalloc = b->ndalloc;
		s->allocated_small += b->curregs * bs->size;
		s->nmalloc_small += b->nmalloc;
		s->ndalloc_small += b->ndalloc;
	}
	aa_mutex_unlock(&a->lock);
	s->active += s->st.allocated_huge;
	return true;
}

/*
 * Every arena's figures summed into @sum (jemalloc's MALLCTL_ARENAS_ALL);
 * decay times are the defaults.  Return: how many arenas there were.
 */
unsigned int aa_arena_snap_all(struct aa_arena_snap *sum)
{
	unsigned int i, j, k, n = __atomic_load_n(&aa_narenas_total, __ATOMIC_ACQUIRE), got = 0;
	static struct aa_arena_snap s;	/* large; callers hold ctl_lock */

	memset(sum, 0, sizeof(*sum));
	sum->ind = ARENALLOC_ARENAS_ALL;
	sum->node = -1;
	sum->decay_ms[0] = aa_opt.dirty_decay_ms;
	sum->decay_ms[1] = aa_opt.muzzy_decay_ms;
	for (i = 0; i < n; i++) {
		if (!aa_arena_snap(i, &s))
			continue;
		got++;
		sum->nthreads += s.nthreads;
		sum->active += s.active;
		for (k = 0; k < AA_NFREE_STATES; k++)
			sum->pages[k] += s.pages[k];
		sum->allocated_small += s.allocated_small;
		sum->nmalloc_small += s.nmalloc_small;
		sum->ndalloc_small += s.ndalloc_small;
		sum->st.nmalloc_large += s.st.nmalloc_large;
		sum->st.ndalloc_large += s.st.ndalloc_large;
		sum->st.nmalloc_huge += s.st.nmalloc_huge;
		sum->st.ndalloc_huge += s.st.ndalloc_huge;
		sum->st.allocated_large += s.st.allocated_large;
		sum->st.allocated_huge += s.st.allocated_huge;
		sum->st.nchunks += s.st.nchunks;
		sum->st.npurge += s.st.npurge;
		sum->st.purged += s.st.purged;
		sum->st.nmadvise_lazy += s.st.nmadvise_lazy;
		sum->st.purged_lazy += s.st.purged_lazy;
		for (j = 0; j < aa_g.sc.nsmall; j++) {
			sum->bins[j].size = s.bins[j].size;
			sum->bins[j].nslabs += s.bins[j].nslabs;
			sum->bins[j].curregs += s.bins[j].curregs;
			sum->bins[j].nmalloc += s.bins[j].nmalloc;
			sum->bins[j].ndalloc += s.bins[j].ndalloc;
		}
	}
	return got;
}

static struct aa_stats snapshot;	/* ctl_lock (ctl.c) or a single reader */
static bool snapshot_taken;		/* ctl_lock */

static void collect(struct aa_stats *t)
{
	unsigned int i, n = __atomic_load_n(&aa_narenas_total, __ATOMIC_ACQUIRE);
	static struct aa_arena_snap s;	/* large; callers are serialised */
	size_t nchunks = 0;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		if (!aa_arena_snap(i, &s))
			continue;
		t->narenas++;
		t->allocated += s.allocated_small + s.st.allocated_large + s.st.allocated_huge;
		t->active += s.active;
		t->dirty += s.pages[0] << aa_g.lg_page;
		t->muzzy += s.pages[1] << aa_g.lg_page;
		t->retained += s.pages[2] << aa_g.lg_page;
		nchunks += s.st.nchunks;
	}
	t->metadata = aa_base_bytes() + nchunks * ((size_t)aa_g.hdr_pages << aa_g.lg_page);
	t->resident = t->active + t->metadata + t->dirty + t->muzzy;
	t->device_mapped = __atomic_load_n(&aa_source_stats.device_mapped, __ATOMIC_RELAXED);
	t->mmap_mapped = __atomic_load_n(&aa_source_stats.mmap_mapped, __ATOMIC_RELAXED);
	t->mapped = t->device_mapped + t->mmap_mapped +
		    __atomic_load_n(&aa_source_stats.meta_mapped, __ATOMIC_RELAXED);
	t->device_fallbacks = __atomic_load_n(&aa_source_stats.device_fallbacks, __ATOMIC_RELAXED);
	t->npurge = __atomic_load_n(&aa_source_stats.npurge, __ATOMIC_RELAXED);
	t->purged = __atomic_load_n(&aa_source_stats.purged, __ATOMIC_RELAXED);
}

/* "epoch": take a new snapshot (ctl_lock held). */
void aa_stats_refresh(void)
{
	collect(&snapshot);
	snapshot_taken = true;
}

/* The last snapshot; taken now if "epoch" never was (ctl_lock held). */
const struct aa_stats *aa_stats_snapshot(void)
{
	if (!snapshot_taken)
		aa_stats_refresh();
	return &snapshot;
}

/* ==== Printing ================================================================ */

struct out {
	void (*cb)(void *opaque, const char *text);
	void *opaque;
	char buf[4096];
	size_t len;
};

static void default_write(void *opaque, const char *s)
{
	(void)opaque;
	aa_write_err(s);
}

static void out_flush(struct out *o)
{
	if (o->len) {
		o->buf[o->len] = 0;
		o->cb(o->opaque, o->buf);
		o->len = 0;
	}
}

__attribute__((format(printf, 2, 3)))
static void pr(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(o->buf) - o->len) {
		/* Did not fit: flush and format again into the empty buffer. */
		out_flush(o);
		va_start(ap, fmt);
		n = vsnprintf(o->buf, sizeof(o->buf), fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n >= sizeof(o->buf))
			n = sizeof(o->buf) - 1;
	}
	o->len += (size_t)n;
	if (o->len > sizeof(o->buf) - 512)
		out_flush(o);
}

static const char *junk_name(unsigned int j)
{
	return j == AA_JUNK_ALL ? "true" : j == AA_JUNK_ALLOC ? "alloc" :
	       j == AA_JUNK_FREE ? "free" : "false";
}

#define B(x) ((x) ? "true" : "false")

static void print_text(struct out *o, const struct aa_stats *t, bool arenas, bool bins)
{
	unsigned int i, n = __atomic_load_n(&aa_narenas_total, __ATOMIC_ACQUIRE), b;
	static struct aa_arena_snap s;	/* large; printing is serialised by ctl_lock */

	pr(o, "___ Begin arenalloc statistics ___\n");
	pr(o, "Version: %d.%d\n", ARENALLOC_VERSION_MAJOR, ARENALLOC_VERSION_MINOR);
	pr(o, "Chunk source: %s (device %s), chunk %zu KiB, page %zu\n",
	   aa_source_name(aa_opt.source), aa_source_has_device() ? "open" : "absent",
	   aa_g.chunk >> 10, aa_g.page);
	pr(o, "Options: narenas:%u percpu_arena:%s dirty_decay_ms:%ld muzzy_decay_ms:%ld "
	   "background_thread:%s tcache:%s tcache_max:%zu lg_chunk:%u junk:%s\n",
	   aa_opt.narenas, aa_opt.percpu_arena ? "percpu" : "disabled", aa_opt.dirty_decay_ms,
	   aa_opt.muzzy_decay_ms, B(aa_opt.background_thread), B(aa_opt.tcache),
	   aa_opt.tcache_max, aa_opt.lg_chunk, junk_name(aa_opt.junk));
	pr(o, "Allocated: %zu, active: %zu, metadata: %zu, resident: %zu, mapped: %zu, "
	   "retained: %zu\n", t->allocated, t->active, t->metadata, t->resident, t->mapped,
	   t->retained);
	pr(o, "Dirty: %zu, muzzy: %zu\n", t->dirty, t->muzzy);
	pr(o, "Chunks: device_mapped: %zu, mmap_mapped: %zu, device_fallbacks: %" PRIu64
	   ", purges: %" PRIu64 " (%" PRIu64 " pages)\n", t->device_mapped, t->mmap_mapped,
	   t->device_fallbacks, t->npurge, t->purged);
	for (i = 0; arenas && i < n; i++) {
		if (!aa_arena_snap(i, &s))
			continue;
		pr(o, "arenas[%u]:%s node %d, threads %u, chunks %zu\n", i,
		   s.manual ? " (manual)" : "", s.node, s.nthreads, s.st.nchunks);
		pr(o, "  pages: active %zu, dirty %zu, muzzy %zu, clean %zu; purged %" PRIu64
		   " in %" PRIu64 " calls, lazily %" PRIu64 " in %" PRIu64 "\n",
		   s.active >> aa_g.lg_page, s.pages[0], s.pages[1], s.pages[2], s.st.purged,
		   s.st.npurge, s.st.purged_lazy, s.st.nmadvise_lazy);
		pr(o, "                allocated      nmalloc      ndalloc\n");
		pr(o, "  small: %16zu %12" PRIu64 " %12" PRIu64 "\n",
		   s.allocated_small, s.nmalloc_small, s.ndalloc_small);
		pr(o, "  large: %16zu %12" PRIu64 " %12" PRIu64 "\n", s.st.allocated_large,
		   s.st.nmalloc_large, s.st.ndalloc_large);
		pr(o, "  huge:  %16zu %12" PRIu64 " %12" PRIu64 "\n", s.st.allocated_huge,
		   s.st.nmalloc_huge, s.st.ndalloc_huge);
		if (!bins)
			continue;
		pr(o, "  bins:     size   nslabs    curregs      nmalloc      ndalloc\n");
		for (b = 0; b < aa_g.sc.nsmall; b++) {
			struct aa_bin_snap *bs = &s.bins[b];

			if (!bs->nmalloc)
				continue;
			pr(o, "  %12zu %8zu %10zu %12" PRIu64 " %12" PRIu64 "\n",
			   bs->size, bs->nslabs, bs->curregs, bs->nmalloc, bs->ndalloc);
		}
	}
	pr(o, "--- End arenalloc statistics ---\n");
}

static void print_json(struct out *o, const struct aa_stats *t, bool arenas, bool bins)
{
	unsigned int i, n = __atomic_load_n(&aa_narenas_total, __ATOMIC_ACQUIRE), b;
	static struct aa_arena_snap s;
	bool first = true;

	pr(o, "{\"arenalloc\": {\"version\": \"%d.%d\",\n", ARENALLOC_VERSION_MAJOR,
	   ARENALLOC_VERSION_MINOR);
	pr(o, " \"opt\": {\"narenas\": %u, \"percpu_arena\": \"%s\", \"dirty_decay_ms\": %ld, "
	   "\"muzzy_decay_ms\": %ld, \"background_thread\": %s, \"tcache\": %s, "
	   "\"tcache_max\": %zu, \"lg_chunk\": %u, \"chunk_source\": \"%s\", \"junk\": \"%s\"},\n",
	   aa_opt.narenas, aa_opt.percpu_arena ? "percpu" : "disabled", aa_opt.dirty_decay_ms,
	   aa_opt.muzzy_decay_ms, B(aa_opt.background_thread), B(aa_opt.tcache),
	   aa_opt.tcache_max, aa_opt.lg_chunk, aa_source_name(aa_opt.source),
	   junk_name(aa_opt.junk));
	pr(o, " \"stats\": {\"allocated\": %zu, \"active\": %zu, \"metadata\": %zu, "
	   "\"resident\": %zu, \"mapped\": %zu, \"retained\": %zu, \"dirty\": %zu, "
	   "\"muzzy\": %zu,\n", t->allocated, t->active, t->metadata, t->resident, t->mapped,
	   t->retained, t->dirty, t->muzzy);
	pr(o, "  \"chunks\": {\"device\": %s, \"device_mapped\": %zu, \"mmap_mapped\": %zu, "
	   "\"device_fallbacks\": %" PRIu64 ", \"npurge\": %" PRIu64 ", \"purged\": %"
	   PRIu64 "}},\n",
	   B(aa_source_has_device()), t->device_mapped, t->mmap_mapped, t->device_fallbacks,
	   t->npurge, t->purged);
	pr(o, " \"arenas\": [");
	for (i = 0; arenas && i < n; i++) {
		bool bfirst = true;

		if (!aa_arena_snap(i, &s))
			continue;
		pr(o, "%s\n  {\"ind\": %u, \"manual\": %s, \"node\": %d, \"nthreads\": %u, "
		   "\"nchunks\": %zu, \"pactive\": %zu, \"pdirty\": %zu, \"pmuzzy\": %zu, "
		   "\"pclean\": %zu, \"npurge\": %" PRIu64 ", \"purged\": %" PRIu64 ",\n",
		   first ? "" : ",", i, B(s.manual), s.node, s.nthreads, s.st.nchunks,
		   s.active >> aa_g.lg_page, s.pages[0], s.pages[1], s.pages[2], s.st.npurge,
		   s.st.purged);
		first = false;
		pr(o, "   \"small\": {\"allocated\": %zu, \"nmalloc\": %" PRIu64 ", \"ndalloc\": %"
		   PRIu64 "},\n", s.allocated_small, s.nmalloc_small, s.ndalloc_small);
		pr(o, "   \"large\": {\"allocated\": %zu, \"nmalloc\": %" PRIu64 ", \"ndalloc\": %"
		   PRIu64 "},\n", s.st.allocated_large, s.st.nmalloc_large, s.st.ndalloc_large);
		pr(o, "   \"huge\": {\"allocated\": %zu, \"nmalloc\": %" PRIu64 ", \"ndalloc\": %"
		   PRIu64 "},\n   \"bins\": [", s.st.allocated_huge, s.st.nmalloc_huge,
		   s.st.ndalloc_huge);
		for (b = 0; bins && b < aa_g.sc.nsmall; b++) {
			struct aa_bin_snap *bs = &s.bins[b];

			pr(o, "%s{\"size\": %zu, \"nslabs\": %zu, \"curregs\": %zu, \"nmalloc\": %"
			   PRIu64 ", \"ndalloc\": %" PRIu64 "}", bfirst ? "" : ", ", bs->size,
			   bs->nslabs, bs->curregs, bs->nmalloc, bs->ndalloc);
			bfirst = false;
		}
		pr(o, "]}");
	}
	pr(o, "]}}\n");
}

/* Print with the library's lock for printing held (see ctl.c). */
void aa_stats_print_locked(void (*cb)(void *, const char *), void *opaque, const char *opts)
{
	static struct out o;	/* 4 KiB; serialised by the caller */
	struct aa_stats t;
	bool json = opts && strchr(opts, 'J');
	bool arenas = !(opts && strchr(opts, 'a'));
	bool bins = !(opts && strchr(opts, 'b'));

	o.cb = cb ? cb : default_write;
	o.opaque = opaque;
	o.len = 0;
	collect(&t);
	if (json)
		print_json(&o, &t, arenas, bins);
	else
		print_text(&o, &t, arenas, bins);
	out_flush(&o);
}

void aa_stats_print_at_exit(void)
{
	arenalloc_stats_print(NULL, NULL, NULL);
}
