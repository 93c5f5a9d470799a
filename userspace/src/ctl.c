// SPDX-License-Identifier: GPL-2.0
/*
 * arenalloc_ctl(): the mallctl()-style control and statistics interface.
 *
 * Names and conventions are jemalloc's where a name exists there: read
 * through @oldp/@oldlenp, write through @newp/@newlen, both in one call if
 * wanted; the length must equal the type's size exactly (EINVAL
 * otherwise); writing a read-only name is EPERM; an unknown name, or an
 * arena index with no arena, is ENOENT.  "stats.*" read the snapshot
 * taken by the last write (or read) of "epoch", as in jemalloc.
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
	unsigned int index;	/* the <i> of the name, if any */
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

static int ctl_background_thread(struct ctl_req *r)
{
	bool old = aa_background_running(), v;
	int err = write_in(r, &v, sizeof(v));

	if (err > 1)
		return err;
	if (err == 1 && v != old) {
		err = aa_background_set(v);
		if (err)
			return EAGAIN;
	}
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
	return aa_arena_get(r->index, false);
}

static int ctl_arena_purge(struct ctl_req *r)
{
	struct arena *a = arena_of(r);
	int err = no_value(r);

	if (err)
		return err;
	if (!a)
		return ENOENT;
	aa_arena_purge(a, true);
	return 0;
}

static int ctl_arena_decay(struct ctl_req *r)
{
	struct arena *a = arena_of(r);
	int err = no_value(r);

	if (err)
		return err;
	if (!a)
		return ENOENT;
	aa_arena_purge(a, false);
	return 0;
}

static int ctl_arena_destroy(struct ctl_req *r)
{
	int err = no_value(r);

	if (err)
		return err;
	/* No thread cache holds a manual arena's memory (see free.c). */
	err = aa_arena_destroy(r->index);
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

/* An arena's free pages of state index @s (0 dirty, 1 muzzy), read live. */
static int arena_free_pages(struct ctl_req *r, unsigned int s)
{
	struct arena *a = arena_of(r);
	size_t v;
	int err = read_only(r);

	if (err)
		return err;
	if (!a)
		return ENOENT;
	aa_mutex_lock(&a->lock);
	v = a->npages[s];
	aa_mutex_unlock(&a->lock);
	return read_out(r, &v, sizeof(v));
}

static int ctl_stats_arena_pdirty(struct ctl_req *r)
{
	return arena_free_pages(r, 0);
}

static int ctl_stats_arena_pmuzzy(struct ctl_req *r)
{
	return arena_free_pages(r, 1);
}

static int ctl_bin_size(struct ctl_req *r)
{
	size_t v;
	int err = read_only(r);

	if (err)
		return err;
	if (r->index >= aa_g.sc.nsmall)
		return ENOENT;
	v = aa_index2size(r->index);
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
} ctl_names[] = {
	{ "version", NULL, ctl_version, sizeof(const char *) },
	{ "epoch", ctl_epoch, NULL, 0 },
	{ "background_thread", ctl_background_thread, NULL, 0 },
	{ "arenas.narenas", NULL, ctl_arenas_narenas, sizeof(unsigned int) },
	{ "arenas.create", ctl_arenas_create, NULL, 0 },
	{ "arenas.page", NULL, ctl_arenas_page, sizeof(size_t) },
	{ "arenas.quantum", NULL, ctl_arenas_quantum, sizeof(size_t) },
	{ "arenas.chunk", NULL, ctl_arenas_chunk, sizeof(size_t) },
	{ "arenas.nbins", NULL, ctl_arenas_nbins, sizeof(unsigned int) },
	{ "arenas.tcache_max", NULL, ctl_arenas_tcache_max, sizeof(size_t) },
	{ "arenas.bin.#.size", ctl_bin_size, NULL, 0 },
	{ "arena.#.purge", ctl_arena_purge, NULL, 0 },
	{ "arena.#.decay", ctl_arena_decay, NULL, 0 },
	{ "arena.#.destroy", ctl_arena_destroy, NULL, 0 },
	{ "arena.#.dirty_decay_ms", ctl_arena_dirty, NULL, 0 },
	{ "arena.#.muzzy_decay_ms", ctl_arena_muzzy, NULL, 0 },
	{ "thread.arena", ctl_thread_arena, NULL, 0 },
	{ "thread.tcache.flush", ctl_thread_tcache_flush, NULL, 0 },
	{ "thread.allocated", ctl_thread_allocated, NULL, 0 },
	{ "thread.deallocated", ctl_thread_deallocated, NULL, 0 },
	{ "opt.narenas", NULL, ctl_opt_narenas, sizeof(unsigned int) },
	{ "opt.dirty_decay_ms", NULL, ctl_opt_dirty, sizeof(ssize_t) },
	{ "opt.muzzy_decay_ms", NULL, ctl_opt_muzzy, sizeof(ssize_t) },
	{ "opt.tcache", NULL, ctl_opt_tcache, sizeof(bool) },
	{ "opt.tcache_max", NULL, ctl_opt_tcache_max, sizeof(size_t) },
	{ "opt.lg_chunk", NULL, ctl_opt_lg_chunk, sizeof(unsigned int) },
	{ "opt.percpu_arena", NULL, ctl_opt_percpu, sizeof(const char *) },
	{ "opt.background_thread", NULL, ctl_opt_bg, sizeof(bool) },
	{ "opt.chunk_source", NULL, ctl_opt_source, sizeof(const char *) },
	{ "opt.stats_print", NULL, ctl_opt_stats_print, sizeof(bool) },
	{ "opt.abort_conf", NULL, ctl_opt_abort_conf, sizeof(bool) },
	{ "opt.junk", NULL, ctl_opt_junk, sizeof(const char *) },
	{ "stats.allocated", NULL, ctl_stats_allocated, sizeof(size_t) },
	{ "stats.active", NULL, ctl_stats_active, sizeof(size_t) },
	{ "stats.metadata", NULL, ctl_stats_metadata, sizeof(size_t) },
	{ "stats.resident", NULL, ctl_stats_resident, sizeof(size_t) },
	{ "stats.mapped", NULL, ctl_stats_mapped, sizeof(size_t) },
	{ "stats.retained", NULL, ctl_stats_retained, sizeof(size_t) },
	{ "stats.dirty", NULL, ctl_stats_dirty, sizeof(size_t) },
	{ "stats.muzzy", NULL, ctl_stats_muzzy, sizeof(size_t) },
	{ "stats.chunks.device", NULL, ctl_chunks_device, sizeof(bool) },
	{ "stats.chunks.device_mapped", NULL, ctl_stats_dev_mapped, sizeof(size_t) },
	{ "stats.chunks.mmap_mapped", NULL, ctl_stats_mmap_mapped, sizeof(size_t) },
	{ "stats.chunks.device_fallbacks", NULL, ctl_stats_fallbacks, sizeof(uint64_t) },
	{ "stats.chunks.npurge", NULL, ctl_stats_npurge, sizeof(uint64_t) },
	{ "stats.chunks.purged", NULL, ctl_stats_purged, sizeof(uint64_t) },
	{ "stats.arenas.#.pdirty", ctl_stats_arena_pdirty, NULL, 0 },
	{ "stats.arenas.#.pmuzzy", ctl_stats_arena_pmuzzy, NULL, 0 },
};

/* Does @name match @pat, where "#" matches a decimal number?  Sets *@index. */
static bool name_match(const char *pat, const char *name, unsigned int *index)
{
	while (*pat) {
		if (*pat == '#') {
			unsigned long v = 0;
			const char *start = name;

			while (*name >= '0' && *name <= '9' && v <= AA_NARENAS_MAX * 10UL)
				v = v * 10 + (unsigned long)(*name++ - '0');
			/* digits, in range, no leading zero */
			if (name == start || v > 0xffffffffUL ||
			    (name - start > 1 && *start == '0'))
				return false;
			*index = (unsigned int)v;
			pat++;
			continue;
		}
		if (*pat++ != *name++)
			return false;
	}
	return !*name;
}

__attribute__((visibility("default")))
int arenalloc_ctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
	struct ctl_req r = { oldp, oldlenp, newp, newlen, 0 };
	unsigned int i;
	int err = ENOENT;

	if (!name)
		return EINVAL;
	if (!aa_init())
		return EAGAIN;
	aa_mutex_lock(&ctl_lock);
	for (i = 0; i < ARRAY_SIZE(ctl_names); i++) {
		if (name_match(ctl_names[i].name, name, &r.index)) {
			err = ctl_names[i].fn ? ctl_names[i].fn(&r) :
			      ctl_read_only_value(&r, ctl_names[i].get, ctl_names[i].size);
			break;
		}
	}
	aa_mutex_unlock(&ctl_lock);
	return err;
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
