// SPDX-License-Identifier: GPL-2.0
/*
 * Size-class table setup, shared by arenalloc.ko (through kmod/sizeclass.c)
 * and libarenalloc.  See sizeclass.h for the spacing.
 */
#include "sizeclass.h"

#define ASC_U16_MAX	0xffffU

static unsigned long ac_gcd(unsigned long a, unsigned long b)
{
	while (b) {
		unsigned long r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/**
 * asc_table_init() - work out the classes for one page size and chunk size
 * @t:       table to fill
 * @lg_page: log2 of the page size, ASC_LG_PAGE_MIN .. ASC_LG_PAGE_MAX
 * @lg_max:  log2 of the largest class, lg_page + 2 .. ASC_LG_MAX_LIMIT
 *
 * Context: Any; touches only @t.
 * Return: 0, or -EINVAL for parameters out of range (@t is then untouched).
 */
int asc_table_init(struct asc_table *t, unsigned int lg_page, unsigned int lg_max)
{
	unsigned long page = 1UL << lg_page;
	unsigned int i;

	if (lg_page < ASC_LG_PAGE_MIN || lg_page > ASC_LG_PAGE_MAX ||
	    lg_max < lg_page + 2 || lg_max > ASC_LG_MAX_LIMIT)
		return -EINVAL;

	t->lg_page = lg_page;
	t->lg_max = lg_max;
	t->nsmall = ASC_NSMALL(lg_page);
	t->nclasses = ASC_NCLASSES_UPTO(lg_max);
	t->small_max = asc_index2size(t->nsmall - 1);
	t->large_max = (size_t)1 << lg_max;

	for (i = 0; i < t->nsmall; i++) {
		unsigned long size = asc_index2size(i);
		/* The fewest pages that are a whole number of regions. */
		unsigned long pages = size / ac_gcd(size, page);

		t->slab[i].pages = (u16)pages;
		t->slab[i].nregs = (u16)((pages << lg_page) / size);
	}
	return 0;
}

AC_EXPORT_FOR_TESTS(asc_table_init);

/**
 * asc_table_widen() - give every small class's slab at least @min_regs regions
 * @t:         table from asc_table_init(), not yet widened
 * @min_regs:  fewest regions wanted in a slab (ASC_SLAB_MIN_REGS)
 * @max_pages: most pages a slab may span: the pages a chunk has for slabs,
 *             and whatever the caller's page records can address
 *
 * Each slab becomes k times the one asc_table_init() chose (k regions as
 * many, k pages as many, so it still wastes no byte), with k the fewest
 * that reach @min_regs, or fewer where k times the pages would exceed
 * @max_pages.  A class whose slab already has @min_regs regions keeps it.
 *
 * Context: Any; touches only @t.
 * Return: 0, or -EINVAL when @min_regs is 0 or some class's slab is
 * already larger than @max_pages (@t is then untouched).
 */
int asc_table_widen(struct asc_table *t, unsigned int min_regs, unsigned int max_pages)
{
	unsigned int i, k;

	/* Pages and regions are u16: k times either must fit. */
	if (max_pages > ASC_U16_MAX)
		max_pages = ASC_U16_MAX;
	if (!min_regs || min_regs > ASC_U16_MAX / 2)
		return -EINVAL;
	for (i = 0; i < t->nsmall; i++)
		if (t->slab[i].pages > max_pages)
			return -EINVAL;

	for (i = 0; i < t->nsmall; i++) {
		struct asc_slab *sl = &t->slab[i];

		k = (min_regs + sl->nregs - 1) / sl->nregs;
		if (k > max_pages / sl->pages)
			k = max_pages / sl->pages;
		/* k <= min_regs / nregs + 1, so nregs * k < min_regs + nregs. */
		sl->pages = (u16)(sl->pages * k);
		sl->nregs = (u16)(sl->nregs * k);
	}
	return 0;
}

AC_EXPORT_FOR_TESTS(asc_table_widen);
