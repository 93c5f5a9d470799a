// SPDX-License-Identifier: GPL-2.0
/*
 * Size-class table setup, shared by arenalloc.ko (through kmod/sizeclass.c)
 * and libarenalloc.  See sizeclass.h for the spacing.
 */
#include "sizeclass.h"

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
