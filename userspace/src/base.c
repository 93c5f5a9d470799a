// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata: extents, arenas, thread caches and rtree leaves.
 *
 * Metadata never shares pages with user data (a stray write into a freed
 * object cannot corrupt the heap's structure, and purging user pages never
 * touches it).  It comes from private anonymous mappings of 2 MiB or
 * more, carved by a bump pointer, and is never unmapped: freed extent
 * descriptors go to a free list for reuse, exited threads' caches to a
 * pool in tcache.c.
 *
 * Locking: base_lock protects the bump region and the extent free list.
 * It is a leaf: nothing else is taken while holding it.
 */
#include <string.h>

#include "internal.h"

#define BASE_BLOCK	(2UL << 20)

static struct aa_mutex base_lock = { PTHREAD_MUTEX_INITIALIZER };
static char *bump, *bump_end;		/* base_lock */
static struct extent *extent_free;	/* base_lock; linked through ->addr */
static size_t base_bytes;		/* base_lock: bytes handed out */

static void *base_alloc_locked(size_t size)
{
	void *p;

	size = (size + 63) & ~(size_t)63;
	if ((size_t)(bump_end - bump) < size) {
		size_t len = size > BASE_BLOCK ? (size + BASE_BLOCK - 1) & ~(BASE_BLOCK - 1)
					       : BASE_BLOCK;
		char *blk = aa_source_meta(len);

		if (!blk)
			return NULL;
		/* The rest of the old block is lost: at most one descriptor's worth. */
		bump = blk;
		bump_end = blk + len;
	}
	p = bump;
	bump += size;
	base_bytes += size;
	return p;
}

/* Zeroed (fresh mappings are), 64-byte aligned; NULL when out of memory. */
void *aa_base_alloc(size_t size)
{
	void *p;

	aa_mutex_lock(&base_lock);
	p = base_alloc_locked(size);
	aa_mutex_unlock(&base_lock);
	return p;
}

struct extent *aa_extent_new(void)
{
	struct extent *e;

	aa_mutex_lock(&base_lock);
	e = extent_free;
	if (e)
		extent_free = e->addr;
	else
		e = base_alloc_locked(aa_g.extent_size);
	aa_mutex_unlock(&base_lock);
	if (e)
		memset(e, 0, sizeof(*e));
	return e;
}

void aa_extent_delete(struct extent *e)
{
	aa_mutex_lock(&base_lock);
	e->addr = extent_free;
	extent_free = e;
	aa_mutex_unlock(&base_lock);
}

size_t aa_base_bytes(void)
{
	return __atomic_load_n(&base_bytes, __ATOMIC_RELAXED);
}

void aa_base_prefork(void)
{
	aa_mutex_lock(&base_lock);
}

void aa_base_postfork(bool child)
{
	if (child)
		aa_mutex_init(&base_lock);
	else
		aa_mutex_unlock(&base_lock);
}
