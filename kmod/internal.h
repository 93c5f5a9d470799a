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
 *           WRITE_ONCE(); the allocator reads it locklessly with READ_ONCE()
 *           because every value in [@min, @max] is valid on its own and a
 *           reader that sees the old value for a moment is harmless.
 */
struct arenalloc_knob {
	const char *name;
	enum arenalloc_knob_kind kind;
	long min;
	long max;
	bool runtime;
	long val;
};

extern struct arenalloc_knob arenalloc_knob_narenas;
extern struct arenalloc_knob arenalloc_knob_lg_chunk;
extern struct arenalloc_knob arenalloc_knob_dirty_decay_ms;
extern struct arenalloc_knob arenalloc_knob_muzzy_decay_ms;
extern struct arenalloc_knob arenalloc_knob_tcache_max;
extern struct arenalloc_knob arenalloc_knob_debug;

static inline long arenalloc_knob_get(const struct arenalloc_knob *knob)
{
	return READ_ONCE(knob->val);
}

int arenalloc_knob_parse(const struct arenalloc_knob *knob, const char *buf,
			 long *out);
int arenalloc_knob_store(struct arenalloc_knob *knob, const char *buf);
int arenalloc_config_init(void);

/* ==== Page layer (page.c) =============================================== */

struct page *arenalloc_pages_alloc(int nid, unsigned int order, gfp_t gfp);
void arenalloc_pages_free(struct page *page, unsigned int order);
unsigned long arenalloc_pages_held(int nid);
int arenalloc_page_init(void);
void arenalloc_page_exit(void);

/* ==== Size classes (common/sizeclass.c) ================================ */

#include "../common/sizeclass.h"

/* The module's classes: this kernel's pages, chunks of 1 << lg_chunk. */
extern struct asc_table arenalloc_sc;

/* ==== sysfs (sysfs.c) =================================================== */

int arenalloc_sysfs_init(void);
void arenalloc_sysfs_exit(void);

#endif /* _ARENALLOC_INTERNAL_H */
