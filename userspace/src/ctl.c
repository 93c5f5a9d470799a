// SPDX-License-Identifier: GPL-2.0
/*
 * arenalloc_ctl(): the mallctl()-style control and statistics interface.
 *
 * Names and conventions are jemalloc's where a name exists there: read
 * through @oldp/@oldlenp, write through @newp/@newlen, both in one call if
 * wanted; the length must equal the type's size exactly (EINVAL
 * otherwise); writing a read-only name is EPERM; an unknown name, or an
 * arena index with no arena, is ENOENT.  "stats.*" read the snapshot
 * taken by the last write (or read) of "epoch", as in jemalloc, or by the
 * first read if "epoch" was never touched: figures are real from the
 * start.  "stats.arenas.<i>.*" are read live.  The arena index
 * ARENALLOC_ARENAS_ALL (4096, jemalloc's MALLCTL_ARENAS_ALL), or
 * "arenas.narenas" itself, names all arenas at once: "arena.<i>.purge"
 * and ".decay" act on each, "stats.arenas.<i>.*" read their sums.
 *
 * arenalloc_ctlnametomib() turns a name into one number per component
 * (the table index of the name, and the indices where the name has
 * them); arenalloc_ctlbymib() takes such a MIB back, so a caller can
 * change the index components and call again without any string work.
 *
 * Locking: ctl_lock serialises every call (and stats printing), so the
 * snapshot and the options change one caller at a time.  It is taken
 * before any arena lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <linux/arenalloc.h>

#include "internal.h"

static struct aa_mutex ctl_lock = { PTHREAD_MUTEX_INITIALIZER };
static uint64_t epoch = 1;		/* ctl_lock */

struct ctl_req {
	void *oldp;
	size_t *oldlenp;
	void *newp;
	size_t newlen;
	unsigned int index[2];	/* the <i> (and <j>) of the name, if any */
	int arg;		/* the name's entry's argument */
};

/* Copy a value out if asked; EINVAL on a length mismatch. */
static int read_out(struct ctl_req *r, const void *val, size_t len)
{
	if (!r->oldp || !r->oldlenp)
		return 0;
	if (*r->oldlenp != len) {
		/* jemalloc copies what fits and fails; do the same. */
		size_t n = *r->oldlenp < len ? *r->oldlenp : len;

		memcpy(r->oldp, val, n);
		*r->oldlenp = n;
		return EINVAL;
	}
	memcpy(r->oldp, val, len);
	return 0;
}

static int read_only(struct ctl_req *r)
{
	return r->newp || r->newlen ? EPERM : 0;
}

static int write_in(struct ctl_req *r, void *val, size_t len)
{
	if (!r->newp)
		return r->newlen ? EINVAL : 0;
	if (r->newlen != len)
		return EINVAL;
	memcpy(val, r->newp, len);
	return 1;
}

static int no_value(struct ctl_req *r)
{
	return r->newp || r->newlen || (r->oldp && r->oldlenp) ? EINVAL : 0;
}

/* A read-only value: its getter writes it to @out. */
#define RO_VALUE(fn, type, expr)					\
	static void fn(void *out)					\
	{								\
		*(type *)out = (expr);					\
	}

static int ctl_read_only_value(struct ctl_req *r, void (*get)(void *out), size_t size)
{
	union {
		uint64_t u64;
		size_t sz;
		const char *str;
		unsigned int u;
		bool b;
		ssize_t ss;
	} v;
	int err = read_only(r);

	if (err)
		return err;
	get(&v);
	return read_out(r, &v, size);
}

/* ==== Read-only values ======================================================= */

static const char *version_str = "0.1";
RO_VALUE(ctl_version, const char *, version_str)
RO_VALUE(ctl_arenas_narenas, unsigned int, __atomic_load_n(&aa_narenas_total, __ATOMIC_ACQUIRE))
RO_VALUE(ctl_arenas_page, size_t, aa_g.page)
RO_VALUE(ctl_arenas_quantum, size_t, (size_t)16)
RO_VALUE(ctl_arenas_chunk, size_t, aa_g.chunk)
RO_VALUE(ctl_arenas_nbins, unsigned int, aa_g.sc.nsmall)
RO_VALUE(ctl_arenas_tcache_max, size_t, aa_tcache_nbins ? aa_index2size(aa_tcache_nbins - 1) : 0)
RO_VALUE(ctl_opt_narenas, unsigned int, aa_opt.narenas)
RO_VALUE(ctl_opt_dirty, ssize_t, (ssize_t)aa_opt.dirty_decay_ms)
RO_VALUE(ctl_opt_muzzy, ssize_t, (ssize_t)aa_opt.muzzy_decay_ms)
RO_VALUE(ctl_opt_tcache, bool, aa_opt.tcache)
RO_VALUE(ctl_opt_tcache_max, size_t, aa_opt.tcache_max)
RO_VALUE(ctl_opt_lg_chunk, unsigned int, aa_g.lg_chunk)
RO_VALUE(ctl_opt_percpu, const char *, aa_opt.percpu_arena ? "percpu" : "disabled")
RO_VALUE(ctl_opt_bg, bool, aa_opt.background_thread)
RO_VALUE(ctl_opt_source, const char *, aa_source_name(aa_opt.source))
RO_VALUE(ctl_opt_dev_policy, const char *, aa_dev_policy_name(aa_opt.dev_policy))
RO_VALUE(ctl_opt_stats_print, bool, aa_opt.stats_print)
RO_VALUE(ctl_opt_abort_conf, bool, aa_opt.abort_conf)
RO_VALUE(ctl_opt_junk, const char *,
	 aa_opt.junk == AA_JUNK_ALL ? "true" : aa_opt.junk == AA_JUNK_ALLOC ? "alloc" :
	 aa_opt.junk == AA_JUNK_FREE ? "free" : "false")
RO_VALUE(ctl_stats_allocated, size_t, aa_stats_snapshot()->allocated)
RO_VALUE(ctl_stats_active, size_t, aa_stats_snapshot()->active)
RO_VALUE(ctl_stats_metadata, size_t, aa_stats_snapshot()->metadata)
RO_VALUE(ctl_stats_resident, size_t, aa_stats_snapshot()->resident)
RO_VALUE(ctl_stats_mapped, size_t, aa_stats_snapshot()->mapped)
RO_VALUE(ctl_stats_retained, size_t, aa_stats_snapshot()->retained)
RO_VALUE(ctl_stats_dirty, size_t, aa_stats_snapshot()->dirty)
RO_VALUE(ctl_stats_muzzy, size_t, aa_stats_snapshot()->muzzy)
RO_VALUE(ctl_stats_dev_mapped, size_t, aa_stats_snapshot()->device_mapped)
RO_VALUE(ctl_stats_mmap_mapped, size_t, aa_stats_snapshot()->mmap_mapped)
RO_VALUE(ctl_stats_fallbacks, uint64_t, aa_stats_snapshot()->device_fallbacks)
RO_VALUE(ctl_stats_npurge, uint64_t, aa_stats_snapshot()->npurge)
RO_VALUE(ctl_stats_purged, uint64_t, aa_stats_snapshot()->purged)
RO_VALUE(ctl_chunks_device, bool, aa_source_has_device())
RO_VALUE(ctl_true, bool, true)
RO_VALUE(ctl_false, bool, false)
RO_VALUE(ctl_empty_str, const char *, "")
RO_VALUE(ctl_disabled_str, const char *, "disabled")
RO_VALUE(ctl_default_str, const char *, "default")
#ifdef ARENALLOC_DEBUG
RO_VALUE(ctl_config_debug, bool, true)
#else
RO_VALUE(ctl_config_debug, bool, false)
#endif

static int ctl_epoch(struct ctl_req *r)
{
	uint64_t v;
	int err = write_in(r, &v, sizeof(v));

	if (err < 0 || err > 1)
		return err;
	/* Reading or writing refreshes, as in jemalloc. */
	aa_stats_refresh();
	epoch++;
	return read_out(r, &epoch, sizeof(epoch));
}

/*
 * Whether background purging is on: from the start when ARENALLOC_CONF
 * asked for it (the thread itself starts here, or on the first slow-path
 * allocation, whichever comes first).
 */
static int ctl_background_thread(struct ctl_req *r)
{
	bool old = aa_opt.background_thread, v;
	int err = write_in(r, &v, sizeof(v));

	if (err > 1)
		return err;
	if (err == 1 && v != old) {
		err = aa_background_set(v);
		if (err)
			return EAGAIN;
	} else if (old) {
		aa_background_kick();
	}
	return read_out(r, &old, sizeof(old));
}

/* "max_background_threads": one thread serves every arena; writes are accepted. */
static int ctl_max_background_threads(struct ctl_req *r)
{
	size_t old = 1, v;
	int err = write_in(r, &v, sizeof(v));

	if (err > 1)
		return err;
	if (err == 1 && !v)
		return EINVAL;
	return read_out(r, &old, sizeof(old));
}

/* ==== Arenas ================================================================== */

static int ctl_arenas_create(struct ctl_req *r)
{
	unsigned int ind;
	int err = read_only(r);

	if (err)
		return err;
	if (!r->oldp || !r->oldlenp || *r->oldlenp != sizeof(ind))
		return EINVAL;
	if (!aa_arena_create_manual(&ind))
		return errno == EAGAIN ? EAGAIN : ENOMEM;
	return read_out(r, &ind, sizeof(ind));
}

static struct arena *arena_of(struct ctl_req *r)
{
	return aa_arena_get(r->index[0], false);
}

/* Does the name's arena index stand for all arenas? */
static bool all_arenas(struct ctl_req *r)
{
	return r->index[0] == ARENALLOC_ARENAS_ALL ||
	       r->index[0] == __atomic_load_n(&aa_narenas_total, __ATOMIC_ACQUIRE);
}

/* "arena.<i>.purge" (@all_pages) and "arena.<i>.decay". */
static int arena_purge(struct ctl_req *r, bool all_pages)
{
	struct arena *a;
	int err = no_value(r);

	if (err)
		return err;
	if (all_arenas(r)) {
		aa_arenas_purge(all_pages);
		return 0;
	}
	a = arena_of(r);
	if (!a)
		return ENOENT;
	aa_arena_purge(a, all_pages);
	return 0;
}

static int ctl_arena_purge(struct ctl_req *r)
{
	return arena_purge(r, true);
}

static int ctl_arena_decay(struct ctl_req *r)
{
	return arena_purge(r, false);
}

static int ctl_arena_initialized(struct ctl_req *r)
{
	bool v = all_arenas(r) || arena_of(r);
	int err = read_only(r);

	return err ? err : read_out(r, &v, sizeof(v));
}

static int ctl_arena_destroy(struct ctl_req *r)
{
	int err = no_value(r);

	if (err)
		return err;
	/* No thread cache holds a manual arena's memory (see free.c). */
	err = aa_arena_destroy(r->index[0]);
	return err == EPERM ? EFAULT : err;
}

static int arena_decay_ms(struct ctl_req *r, int which)
{
	struct arena *a = arena_of(r);
	ssize_t old, v;
	int err;

	if (!a)
		return ENOENT;
	aa_mutex_lock(&a->lock);
	old = (ssize_t)a->decay[which].decay_ms;
	aa_mutex_unlock(&a->lock);
	err = write_in(r, &v, sizeof(v));
	if (err > 1)
		return err;
	if (err == 1) {
		if (v < -1 || v > ARENALLOC_DECAY_MS_LIMIT)
			return EINVAL;
		aa_arena_set_decay(a, which, (long)v);
	}
	return read_out(r, &old, sizeof(old));
}

static int ctl_arena_dirty(struct ctl_req *r)
{
	return arena_decay_ms(r, 0);
}

static int ctl_arena_muzzy(struct ctl_req *r)
{
	return arena_decay_ms(r, 1);
}

/* What "stats.arenas.<i>.<what>" reads: the entry's argument. */
enum {
	SA_NTHREADS, SA_DIRTY_MS, SA_MUZZY_MS, SA_PACTIVE, SA_PDIRTY, SA_PMUZZY,
	SA_RETAINED, SA_SMALL_ALLOCATED, SA_SMALL_NMALLOC, SA_SMALL_NDALLOC,
	SA_LARGE_ALLOCATED, SA_LARGE_NMALLOC, SA_LARGE_NDALLOC, SA_NPURGE, SA_PURGED,
	SA_NMADVISE_LAZY, SA_PURGED_LAZY, SA_BIN_NMALLOC, SA_BIN_NDALLOC, SA_BIN_CURREGS,
	SA_BIN_NSLABS,
};

/*
 * "stats.arenas.<i>.*", read live: one arena, or the sum of all.  Huge
 * allocations count as large, as jemalloc has no third kind.
 */
static int ctl_stats_arena(struct ctl_req *r)
{
	static struct aa_arena_snap s;	/* large; ctl_lock */
	const struct aa_bin_snap *b = &s.bins[r->index[1] < ASC_NSMALL_MAX ? r->index[1] : 0];
	union {
		unsigned int u;
		ssize_t ss;
		size_t sz;
		uint64_t u64;
	} v;
	size_t len = sizeof(uint64_t);
	int err = read_only(r);

	if (err)
		return err;
	if (all_arenas(r))
		aa_arena_snap_all(&s);
	else if (!aa_arena_snap(r->index[0], &s))
		return ENOENT;
	if (r->arg >= SA_BIN_NMALLOC && r->index[1] >= aa_g.sc.nsmall)
		return ENOENT;
	switch (r->arg) {
	case SA_NTHREADS:
		v.u = s.nthreads;
		len = sizeof(v.u);
		break;
	case SA_DIRTY_MS:
	case SA_MUZZY_MS:
		v.ss = (ssize_t)s.decay_ms[r->arg - SA_DIRTY_MS];
		len = sizeof(v.ss);
		break;
	case SA_PACTIVE:
		v.sz = s.active >> aa_g.lg_page;
		break;
	case SA_PDIRTY:
	case SA_PMUZZY:
		v.sz = s.pages[r->arg - SA_PDIRTY];
		break;
	case SA_RETAINED:
		v.sz = s.pages[2] << aa_g.lg_page;
		break;
	case SA_SMALL_ALLOCATED:
		v.sz = s.allocated_small;
		break;
	case SA_SMALL_NMALLOC:
		v.u64 = s.nmalloc_small;
		break;
	case SA_SMALL_NDALLOC:
		v.u64 = s.ndalloc_small;
		break;
	case SA_LARGE_ALLOCATED:
		v.sz = s.st.allocated_large + s.st.allocated_huge;
		break;
	case SA_LARGE_NMALLOC:
		v.u64 = s.st.nmalloc_large + s.st.nmalloc_huge;
		break;
	case SA_LARGE_NDALLOC:
		v.u64 = s.st.ndalloc_large + s.st.ndalloc_huge;
		break;
	case SA_NPURGE:
		v.u64 = s.st.npurge;
		break;
	case SA_PURGED:
		v.u64 = s.st.purged;
		break;
	case SA_NMADVISE_LAZY:
		v.u64 = s.st.nmadvise_lazy;
		break;
	case SA_PURGED_LAZY:
		v.u64 = s.st.purged_lazy;
		break;
	case SA_BIN_NMALLOC:
		v.u64 = b->nmalloc;
		break;
	case SA_BIN_NDALLOC:
		v.u64 = b->ndalloc;
		break;
	case SA_BIN_CURREGS:
		v.sz = b->curregs;
		break;
	default:	/* SA_BIN_NSLABS */
		v.u64 = b->nslabs;
		break;
	}
	return read_out(r, &v, len);
}

/* "arenas.bin.<i>.size", ".nregs" and ".slab_size" (the entry's argument: 0, 1, 2). */
static int ctl_bin(struct ctl_req *r)
{
	unsigned int i = r->index[0];
	size_t v;
	uint32_t n;
	int err = read_only(r);

	if (err)
		return err;
	if (i >= aa_g.sc.nsmall)
		return ENOENT;
	if (r->arg == 1) {
		n = aa_g.sc.slab[i].nregs;
		return read_out(r, &n, sizeof(n));
	}
	v = r->arg ? (size_t)aa_g.sc.slab[i].pages << aa_g.lg_page : aa_index2size(i);
	return read_out(r, &v, sizeof(v));
}

/* ==== Thread ================================================================== */

static int ctl_thread_arena(struct ctl_req *r)
{
	struct arena *cur = aa_tsd.arena;
	unsigned int old, v;
	int err;

	if (!cur)
		cur = aa_tsd.state == AA_TSTATE_LIVE ? aa_tsd.tcache->arena : aa_arena_choose();
	old = cur ? cur->ind : 0;
	err = write_in(r, &v, sizeof(v));
	if (err > 1)
		return err;
	if (err == 1) {
		struct arena *a = aa_arena_get(v, true);

		if (!a)
			return EINVAL;
		aa_tcache_bind(a);
	}
	return read_out(r, &old, sizeof(old));
}

static int ctl_thread_tcache_flush(struct ctl_req *r)
{
	int err = no_value(r);

	if (err)
		return err;
	if (aa_tsd.state == AA_TSTATE_LIVE)
		aa_tcache_flush(aa_tsd.tcache);
	return 0;
}

static int ctl_thread_allocated(struct ctl_req *r)
{
	uint64_t v = aa_tsd.state == AA_TSTATE_LIVE ? aa_tsd.tcache->allocated : 0;
	int err = read_only(r);

	return err ? err : read_out(r, &v, sizeof(v));
}

static int ctl_thread_deallocated(struct ctl_req *r)
{
	uint64_t v = aa_tsd.state == AA_TSTATE_LIVE ? aa_tsd.tcache->deallocated : 0;
	int err = read_only(r);

	return err ? err : read_out(r, &v, sizeof(v));
}

/* ==== The name table ============================================================== */

/* A name; "#" stands for a decimal index, handed to the handler. */
static const struct ctl_name {
	const char *name;
	int (*fn)(struct ctl_req *r);	/* or, for a read-only value: */
	void (*get)(void *out);
	size_t size;
	int arg;			/* handed to @fn in ctl_req.arg */
} ctl_names[] = {
	{ "version", NULL, ctl_version, sizeof(const char *), 0 },
	{ "epoch", ctl_epoch, NULL, 0, 0 },
	{ "background_thread", ctl_background_thread, NULL, 0, 0 },
	{ "max_background_threads", ctl_max_background_threads, NULL, 0, 0 },
	{ "config.debug", NULL, ctl_config_debug, sizeof(bool), 0 },
	{ "config.fill", NULL, ctl_true, sizeof(bool), 0 },
	{ "config.lazy_lock", NULL, ctl_false, sizeof(bool), 0 },
	{ "config.malloc_conf", NULL, ctl_empty_str, sizeof(const char *), 0 },
	{ "config.prof", NULL, ctl_false, sizeof(bool), 0 },
	{ "config.prof_libgcc", NULL, ctl_false, sizeof(bool), 0 },
	{ "config.prof_libunwind", NULL, ctl_false, sizeof(bool), 0 },
	{ "config.stats", NULL, ctl_true, sizeof(bool), 0 },
	{ "config.utrace", NULL, ctl_false, sizeof(bool), 0 },
	{ "config.xmalloc", NULL, ctl_false, sizeof(bool), 0 },
	{ "arenas.narenas", NULL, ctl_arenas_narenas, sizeof(unsigned int), 0 },
	{ "arenas.create", ctl_arenas_create, NULL, 0, 0 },
	{ "arenas.page", NULL, ctl_arenas_page, sizeof(size_t), 0 },
	{ "arenas.quantum", NULL, ctl_arenas_quantum, sizeof(size_t), 0 },
	{ "arenas.chunk", NULL, ctl_arenas_chunk, sizeof(size_t), 0 },
	{ "arenas.nbins", NULL, ctl_arenas_nbins, sizeof(unsigned int), 0 },
	{ "arenas.tcache_max", NULL, ctl_arenas_tcache_max, sizeof(size_t), 0 },
	{ "arenas.bin.#.size", ctl_bin, NULL, 0, 0 },
	{ "arenas.bin.#.nregs", ctl_bin, NULL, 0, 1 },
	{ "arenas.bin.#.slab_size", ctl_bin, NULL, 0, 2 },
	{ "arena.#.initialized", ctl_arena_initialized, NULL, 0, 0 },
	{ "arena.#.purge", ctl_arena_purge, NULL, 0, 0 },
	{ "arena.#.decay", ctl_arena_decay, NULL, 0, 0 },
	{ "arena.#.destroy", ctl_arena_destroy, NULL, 0, 0 },
	{ "arena.#.dirty_decay_ms", ctl_arena_dirty, NULL, 0, 0 },
	{ "arena.#.muzzy_decay_ms", ctl_arena_muzzy, NULL, 0, 0 },
	{ "thread.arena", ctl_thread_arena, NULL, 0, 0 },
	{ "thread.tcache.flush", ctl_thread_tcache_flush, NULL, 0, 0 },
	{ "thread.allocated", ctl_thread_allocated, NULL, 0, 0 },
	{ "thread.deallocated", ctl_thread_deallocated, NULL, 0, 0 },
	{ "opt.narenas", NULL, ctl_opt_narenas, sizeof(unsigned int), 0 },
	{ "opt.dirty_decay_ms", NULL, ctl_opt_dirty, sizeof(ssize_t), 0 },
	{ "opt.muzzy_decay_ms", NULL, ctl_opt_muzzy, sizeof(ssize_t), 0 },
	{ "opt.tcache", NULL, ctl_opt_tcache, sizeof(bool), 0 },
	{ "opt.tcache_max", NULL, ctl_opt_tcache_max, sizeof(size_t), 0 },
	{ "opt.lg_chunk", NULL, ctl_opt_lg_chunk, sizeof(unsigned int), 0 },
	{ "opt.percpu_arena", NULL, ctl_opt_percpu, sizeof(const char *), 0 },
	{ "opt.background_thread", NULL, ctl_opt_bg, sizeof(bool), 0 },
	{ "opt.chunk_source", NULL, ctl_opt_source, sizeof(const char *), 0 },
	{ "opt.device_policy", NULL, ctl_opt_dev_policy, sizeof(const char *), 0 },
	{ "opt.stats_print", NULL, ctl_opt_stats_print, sizeof(bool), 0 },
	{ "opt.abort_conf", NULL, ctl_opt_abort_conf, sizeof(bool), 0 },
	{ "opt.junk", NULL, ctl_opt_junk, sizeof(const char *), 0 },
	/* jemalloc options with a fixed value here (documented in libarenalloc.rst). */
	{ "opt.prof", NULL, ctl_false, sizeof(bool), 0 },
	{ "opt.abort", NULL, ctl_false, sizeof(bool), 0 },
	{ "opt.retain", NULL, ctl_true, sizeof(bool), 0 },
	{ "opt.zero", NULL, ctl_false, sizeof(bool), 0 },
	{ "opt.xmalloc", NULL, ctl_false, sizeof(bool), 0 },
	{ "opt.utrace", NULL, ctl_false, sizeof(bool), 0 },
	{ "opt.dss", NULL, ctl_disabled_str, sizeof(const char *), 0 },
	{ "opt.thp", NULL, ctl_default_str, sizeof(const char *), 0 },
	{ "opt.metadata_thp", NULL, ctl_disabled_str, sizeof(const char *), 0 },
	{ "stats.allocated", NULL, ctl_stats_allocated, sizeof(size_t), 0 },
	{ "stats.active", NULL, ctl_stats_active, sizeof(size_t), 0 },
	{ "stats.metadata", NULL, ctl_stats_metadata, sizeof(size_t), 0 },
	{ "stats.resident", NULL, ctl_stats_resident, sizeof(size_t), 0 },
	{ "stats.mapped", NULL, ctl_stats_mapped, sizeof(size_t), 0 },
	{ "stats.retained", NULL, ctl_stats_retained, sizeof(size_t), 0 },
	{ "stats.dirty", NULL, ctl_stats_dirty, sizeof(size_t), 0 },
	{ "stats.muzzy", NULL, ctl_stats_muzzy, sizeof(size_t), 0 },
	{ "stats.chunks.device", NULL, ctl_chunks_device, sizeof(bool), 0 },
	{ "stats.chunks.device_mapped", NULL, ctl_stats_dev_mapped, sizeof(size_t), 0 },
	{ "stats.chunks.mmap_mapped", NULL, ctl_stats_mmap_mapped, sizeof(size_t), 0 },
	{ "stats.chunks.device_fallbacks", NULL, ctl_stats_fallbacks, sizeof(uint64_t), 0 },
	{ "stats.chunks.npurge", NULL, ctl_stats_npurge, sizeof(uint64_t), 0 },
	{ "stats.chunks.purged", NULL, ctl_stats_purged, sizeof(uint64_t), 0 },
	{ "stats.arenas.#.nthreads", ctl_stats_arena, NULL, 0, SA_NTHREADS },
	{ "stats.arenas.#.dirty_decay_ms", ctl_stats_arena, NULL, 0, SA_DIRTY_MS },
	{ "stats.arenas.#.muzzy_decay_ms", ctl_stats_arena, NULL, 0, SA_MUZZY_MS },
	{ "stats.arenas.#.pactive", ctl_stats_arena, NULL, 0, SA_PACTIVE },
	{ "stats.arenas.#.pdirty", ctl_stats_arena, NULL, 0, SA_PDIRTY },
	{ "stats.arenas.#.pmuzzy", ctl_stats_arena, NULL, 0, SA_PMUZZY },
	{ "stats.arenas.#.retained", ctl_stats_arena, NULL, 0, SA_RETAINED },
	{ "stats.arenas.#.small.allocated", ctl_stats_arena, NULL, 0, SA_SMALL_ALLOCATED },
	{ "stats.arenas.#.small.nmalloc", ctl_stats_arena, NULL, 0, SA_SMALL_NMALLOC },
	{ "stats.arenas.#.small.ndalloc", ctl_stats_arena, NULL, 0, SA_SMALL_NDALLOC },
	{ "stats.arenas.#.large.allocated", ctl_stats_arena, NULL, 0, SA_LARGE_ALLOCATED },
	{ "stats.arenas.#.large.nmalloc", ctl_stats_arena, NULL, 0, SA_LARGE_NMALLOC },
	{ "stats.arenas.#.large.ndalloc", ctl_stats_arena, NULL, 0, SA_LARGE_NDALLOC },
	{ "stats.arenas.#.dirty_npurge", ctl_stats_arena, NULL, 0, SA_NPURGE },
	{ "stats.arenas.#.dirty_purged", ctl_stats_arena, NULL, 0, SA_PURGED },
	{ "stats.arenas.#.dirty_nmadvise_lazy", ctl_stats_arena, NULL, 0, SA_NMADVISE_LAZY },
	{ "stats.arenas.#.dirty_purged_lazy", ctl_stats_arena, NULL, 0, SA_PURGED_LAZY },
	{ "stats.arenas.#.bins.#.nmalloc", ctl_stats_arena, NULL, 0, SA_BIN_NMALLOC },
	{ "stats.arenas.#.bins.#.ndalloc", ctl_stats_arena, NULL, 0, SA_BIN_NDALLOC },
	{ "stats.arenas.#.bins.#.curregs", ctl_stats_arena, NULL, 0, SA_BIN_CURREGS },
	{ "stats.arenas.#.bins.#.nslabs", ctl_stats_arena, NULL, 0, SA_BIN_NSLABS },
};

/* A decimal component: digits, in range, no leading zero.  Return: past it, or NULL. */
static const char *parse_index(const char *name, unsigned int *index)
{
	unsigned long v = 0;
	const char *start = name;

	while (*name >= '0' && *name <= '9' && v <= 0xffffffffUL)
		v = v * 10 + (unsigned long)(*name++ - '0');
	if (name == start || v > 0xffffffffUL || (name - start > 1 && *start == '0'))
		return NULL;
	*index = (unsigned int)v;
	return name;
}

/* Does @name match @pat, where "#" matches a decimal number?  Sets @index[]. */
static bool name_match(const char *pat, const char *name, unsigned int *index)
{
	unsigned int n = 0;

	while (*pat) {
		if (*pat == '#') {
			name = parse_index(name, &index[n++]);
			if (!name)
				return false;
			pat++;
			continue;
		}
		if (*pat++ != *name++)
			return false;
	}
	return !*name;
}

/* The entry for @name, its indices in @r; NULL when there is none. */
static const struct ctl_name *lookup(const char *name, struct ctl_req *r)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ctl_names); i++)
		if (name_match(ctl_names[i].name, name, r->index))
			return &ctl_names[i];
	return NULL;
}

static int call(const struct ctl_name *e, struct ctl_req *r)
{
	int err;

	r->arg = e->arg;
	aa_mutex_lock(&ctl_lock);
	err = e->fn ? e->fn(r) : ctl_read_only_value(r, e->get, e->size);
	aa_mutex_unlock(&ctl_lock);
	return err;
}

__attribute__((visibility("default")))
int arenalloc_ctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
	struct ctl_req r = { oldp, oldlenp, newp, newlen, { 0, 0 }, 0 };
	const struct ctl_name *e;

	if (!name)
		return EINVAL;
	if (!aa_init())
		return EAGAIN;
	e = lookup(name, &r);
	return e ? call(e, &r) : ENOENT;
}

/* Components of a name: one more than its dots. */
static size_t ncomponents(const char *name)
{
	size_t n = 1;

	for (; *name; name++)
		n += *name == '.';
	return n;
}

__attribute__((visibility("default")))
int arenalloc_ctlnametomib(const char *name, size_t *mibp, size_t *miblenp)
{
	struct ctl_req r = { NULL, NULL, NULL, 0, { 0, 0 }, 0 };
	const struct ctl_name *e;
	const char *c;
	size_t k = 0, n, j = 0;

	if (!name || !mibp || !miblenp)
		return EINVAL;
	if (!aa_init())
		return EAGAIN;
	e = lookup(name, &r);
	if (!e)
		return ENOENT;
	n = ncomponents(e->name);
	if (*miblenp < n)
		return EINVAL;
	for (c = e->name; k < n; k++) {
		mibp[k] = *c == '#' ? r.index[j++] : (size_t)(e - ctl_names);
		c = strchr(c, '.');
		if (c)
			c++;
	}
	*miblenp = n;
	return 0;
}

__attribute__((visibility("default")))
int arenalloc_ctlbymib(const size_t *mib, size_t miblen, void *oldp, size_t *oldlenp,
		       void *newp, size_t newlen)
{
	struct ctl_req r = { oldp, oldlenp, newp, newlen, { 0, 0 }, 0 };
	const struct ctl_name *e;
	const char *c;
	size_t k, j = 0;

	if (!mib || !miblen)
		return ENOENT;
	if (!aa_init())
		return EAGAIN;
	if (mib[0] >= ARRAY_SIZE(ctl_names))
		return ENOENT;
	e = &ctl_names[mib[0]];
	if (miblen != ncomponents(e->name))
		return ENOENT;
	for (c = e->name, k = 0; k < miblen; k++) {
		if (*c == '#') {
			if (mib[k] > 0xffffffffUL)
				return ENOENT;
			r.index[j++] = (unsigned int)mib[k];
		} else if (mib[k] != mib[0]) {
			return ENOENT;
		}
		c = strchr(c, '.');
		if (c)
			c++;
	}
	return call(e, &r);
}

__attribute__((visibility("default")))
void arenalloc_stats_print(void (*write_cb)(void *, const char *), void *cbopaque,
			   const char *opts)
{
	if (!aa_init())
		return;
	aa_mutex_lock(&ctl_lock);
	aa_stats_print_locked(write_cb, cbopaque, opts);
	aa_mutex_unlock(&ctl_lock);
}

void aa_ctl_prefork(void)
{
	aa_mutex_lock(&ctl_lock);
}

void aa_ctl_postfork(bool child)
{
	if (child)
		aa_mutex_init(&ctl_lock);
	else
		aa_mutex_unlock(&ctl_lock);
}
