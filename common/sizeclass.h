/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Size classes, shared by arenalloc.ko and libarenalloc.
 *
 * The spacing is jemalloc's: one tiny class (8), then 16-byte quantum
 * steps up to 64, then four classes per doubling, so that rounding a
 * request up to its class wastes at most 20% (25% of the lower bound):
 *
 *   index  0      1   2   3   4     5   6   7   8     9 ...
 *   size   8     16  32  48  64    80  96 112 128   160 ...
 *
 * In general the classes in (2^(lg-1), 2^lg] for lg >= 7 are
 * 2^(lg-1) + k * 2^(lg-3), k = 1..4, and class indices follow in order.
 * Both directions are closed-form (asc_size2index(), asc_index2size()):
 * nothing is typed by hand and nothing needs a lookup table.
 *
 * Which classes exist depends on two parameters, fixed per table:
 *   lg_page  classes below 4 pages are small: served from slabs of whole
 *            pages holding a whole number of regions (36 classes, up to
 *            14336 bytes, with 4 KiB pages);
 *   lg_max   the largest class is 1 << lg_max (the chunk size); classes from
 *            4 pages up to it are large, served as page runs.
 * Requests above 1 << lg_max are not classed here (huge allocations).
 */
#ifndef _ARENALLOC_COMMON_SIZECLASS_H
#define _ARENALLOC_COMMON_SIZECLASS_H

#include "compat.h"

#define ASC_LG_TINY		3	/* the tiny class: 8 bytes */
#define ASC_LG_QUANTUM		4	/* 16-byte steps up to 64 */
#define ASC_LG_NGROUP		2	/* 4 classes per doubling */
#define ASC_NGROUP		BIT(ASC_LG_NGROUP)
/* Classes below the first four-per-doubling group: 8, 16, 32, 48, 64. */
#define ASC_NFIRST		5
#define ASC_LG_FIRST_GROUP	7	/* (64, 128]: 80, 96, 112, 128 */

#define ASC_LG_PAGE_MIN		12
#define ASC_LG_PAGE_MAX		16
#define ASC_LG_MAX_LIMIT	40	/* a 1 TiB class is plenty */

/* Number of classes up to and including 1 << lg (lg >= 6). */
#define ASC_NCLASSES_UPTO(lg)	(ASC_NFIRST + ((lg) - 6) * ASC_NGROUP)
/* Small classes are those below 4 pages: all but the last of lg_page + 2. */
#define ASC_NSMALL(lg_page)	(ASC_NCLASSES_UPTO((lg_page) + 2) - 1)
#define ASC_NSMALL_MAX		ASC_NSMALL(ASC_LG_PAGE_MAX)
#define ASC_NCLASSES_MAX	ASC_NCLASSES_UPTO(ASC_LG_MAX_LIMIT)

/*
 * Fewest regions in a slab, where its page cap allows (asc_table_widen()).
 * The fewest pages that hold a whole number of regions are one region of
 * 4096 bytes, one of 8192 in two pages; such a slab costs an extent to
 * carve and coalesce, under the arena lock, for every object that reaches
 * the arena (mimalloc's small pages hold 16 of 4 KiB; jemalloc's one).
 */
#define ASC_SLAB_MIN_REGS	8

/**
 * struct asc_slab - geometry of the slabs of one small class
 * @pages: slab size in pages: a whole multiple of the fewest pages that
 *         hold a whole number of regions, so no slab wastes a byte (one
 *         multiple from asc_table_init(), more after asc_table_widen())
 * @nregs: regions per slab
 */
struct asc_slab {
	u16 pages;
	u16 nregs;
};

/**
 * struct asc_table - the classes for one page size and chunk size
 * @lg_page:   log2 of the page size
 * @lg_max:    log2 of the largest class
 * @nsmall:    classes [0, @nsmall) are small
 * @nclasses:  classes [@nsmall, @nclasses) are large
 * @small_max: largest small class
 * @large_max: largest class, 1 << @lg_max
 * @slab:      slab geometry of each small class
 *
 * Written once by asc_table_init(), read-only afterwards.
 */
struct asc_table {
	unsigned int lg_page;
	unsigned int lg_max;
	unsigned int nsmall;
	unsigned int nclasses;
	size_t small_max;
	size_t large_max;
	struct asc_slab slab[ASC_NSMALL_MAX];
};

int asc_table_init(struct asc_table *t, unsigned int lg_page, unsigned int lg_max);
int asc_table_widen(struct asc_table *t, unsigned int min_regs, unsigned int max_pages);

/**
 * asc_size2index() - class index of the smallest class that holds @size
 * @size: request size, 1 .. 1 << ASC_LG_MAX_LIMIT (0 is treated as 1)
 *
 * Return: the class index; asc_index2size() of it is >= @size and the
 * class below it, if any, is < @size.
 */
static inline unsigned int asc_size2index(size_t size)
{
	unsigned int lg;
	size_t delta, base;

	if (size <= (1U << ASC_LG_TINY))
		return 0;
	if (size <= (ASC_NGROUP << ASC_LG_QUANTUM))
		return (unsigned int)((size + (1U << ASC_LG_QUANTUM) - 1) >> ASC_LG_QUANTUM);

	lg = ac_lg_ceil(size);		/* 2^(lg-1) < size <= 2^lg */
	base = (size_t)1 << (lg - 1);
	delta = (size_t)1 << (lg - 1 - ASC_LG_NGROUP);
	return ASC_NFIRST + (lg - ASC_LG_FIRST_GROUP) * ASC_NGROUP +
	       (unsigned int)((size - base + delta - 1) >> (lg - 1 - ASC_LG_NGROUP)) - 1;
}

/**
 * asc_index2size() - size of class @idx
 * @idx: class index, below ASC_NCLASSES_MAX
 *
 * Return: the class size in bytes.
 */
static inline size_t asc_index2size(unsigned int idx)
{
	unsigned int lg, k;

	if (idx == 0)
		return 1U << ASC_LG_TINY;
	if (idx < ASC_NFIRST)
		return (size_t)idx << ASC_LG_QUANTUM;

	lg = ASC_LG_FIRST_GROUP + (idx - ASC_NFIRST) / ASC_NGROUP;
	k = (idx - ASC_NFIRST) % ASC_NGROUP + 1;
	return ((size_t)1 << (lg - 1)) + ((size_t)k << (lg - 1 - ASC_LG_NGROUP));
}

/**
 * asc_s2u() - usable size of a request of @size bytes
 * @t:    the class table
 * @size: request size
 *
 * Return: the size of @size's class, or 0 when @size is above the largest
 * class (a huge request, which the caller rounds to pages itself).
 */
static inline size_t asc_s2u(const struct asc_table *t, size_t size)
{
	if (size > t->large_max)
		return 0;
	return asc_index2size(asc_size2index(size));
}

/**
 * asc_sa2u() - usable size of @size bytes aligned to @align
 * @t:     the class table
 * @size:  request size
 * @align: a power of two
 *
 * A small region lies at a multiple of its class size from the start of a
 * page-aligned slab, so it is aligned to @align exactly when the class size
 * is a multiple of @align.  For @align up to a page, rounding @size up to
 * @align first always lands on such a class: within (2^(lg-1), 2^lg] the
 * classes step by 2^(lg-3), a multiple of a larger power of two there is
 * itself a class, and large classes are whole pages.  Beyond a page only a
 * large extent will do; the class is that of @size (at least the smallest
 * large class) and placing it aligned is the extent code's job.
 *
 * Return: the usable size, or 0 when no class fits (too large, or @size
 * overflows when rounded up).
 */
static inline size_t asc_sa2u(const struct asc_table *t, size_t size, size_t align)
{
	size_t aligned = (size + align - 1) & ~(align - 1);

	if (aligned < size)
		return 0;
	if (align <= ((size_t)1 << t->lg_page))
		return asc_s2u(t, aligned);
	return asc_s2u(t, size > t->small_max ? size : t->small_max + 1);
}

static inline bool asc_is_small(const struct asc_table *t, unsigned int idx)
{
	return idx < t->nsmall;
}

#endif /* _ARENALLOC_COMMON_SIZECLASS_H */
