/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test cases for common/sizeclass, written once and run twice: as the KUnit
 * suite arenalloc_sizeclass (kmod/tests/sizeclass_kunit.c) and on the host
 * (userspace/tests/sizeclass_test.c).  The driver defines:
 *
 *   AC_CASE(name)             the signature of one case; `test` is in scope
 *   AC_ASSERT(cond, fmt, ...) stop the case with a message unless @cond
 *   AC_CASE_TYPE              the element type of the case table
 *   AC_CASE_ENTRY(name)       one element of it
 *   AC_EXTRA_CASES            the driver's own entries (may be empty)
 *
 * and gets the table ac_sizeclass_cases[], ending in an empty entry.
 */
#include "../sizeclass.h"

/* jemalloc's small classes with 4 KiB pages, a fact to check against. */
static const u32 ac_small_4k[] = {
	8, 16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448,
	512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
	5120, 6144, 7168, 8192, 10240, 12288, 14336,
};

AC_CASE(sc_small_classes_match_jemalloc)
{
	struct asc_table t;
	unsigned int i;

	AC_ASSERT(asc_table_init(&t, 12, 21) == 0, "init");
	AC_ASSERT(t.nsmall == ARRAY_SIZE(ac_small_4k), "nsmall %u", t.nsmall);
	for (i = 0; i < t.nsmall; i++)
		AC_ASSERT(asc_index2size(i) == ac_small_4k[i], "class %u is %lu, want %u",
			  i, (unsigned long)asc_index2size(i), ac_small_4k[i]);
	AC_ASSERT(t.small_max == 14336, "small_max %lu", (unsigned long)t.small_max);
	AC_ASSERT(asc_index2size(t.nsmall) == 16384, "first large class");
	AC_ASSERT(t.nclasses == 65, "nclasses %u", t.nclasses);
	AC_ASSERT(t.large_max == 2UL << 20, "large_max");
	AC_ASSERT(asc_index2size(t.nclasses - 1) == t.large_max, "last class");
}

AC_CASE(sc_index_and_size_round_trip)
{
	unsigned int i;

	for (i = 0; i < ASC_NCLASSES_MAX; i++) {
		size_t size = asc_index2size(i);

		AC_ASSERT(asc_size2index(size) == i, "class %u (%lu) maps to %u", i,
			  (unsigned long)size, asc_size2index(size));
		if (i)
			AC_ASSERT(size > asc_index2size(i - 1), "class %u not above %u", i, i - 1);
	}
}

/* The class of every size holds it, and the class below does not. */
static int ac_check_size(size_t size)
{
	unsigned int idx = asc_size2index(size);

	return asc_index2size(idx) >= size && (!idx || asc_index2size(idx - 1) < size);
}

AC_CASE(sc_every_size_gets_smallest_class)
{
	size_t size, step;
	unsigned int lg;

	for (size = 1; size <= 65536; size++)
		AC_ASSERT(ac_check_size(size), "size %lu", (unsigned long)size);
	/* Beyond 64 KiB: both sides of every class boundary. */
	for (lg = 17; lg <= ASC_LG_MAX_LIMIT; lg++) {
		for (step = 0; step < 8; step++) {
			size = ((size_t)1 << (lg - 1)) + step * ((size_t)1 << (lg - 4));
			AC_ASSERT(ac_check_size(size) && ac_check_size(size + 1) &&
				  ac_check_size(size - 1), "around %lu", (unsigned long)size);
		}
	}
	AC_ASSERT(asc_size2index(0) == 0, "size 0 is the tiny class");
}

AC_CASE(sc_rounding_wastes_at_most_a_quarter)
{
	size_t size;

	for (size = 65; size <= 1 << 20; size += 7) {
		size_t usize = asc_index2size(asc_size2index(size));

		AC_ASSERT((usize - size) * 4 < size, "size %lu rounds to %lu",
			  (unsigned long)size, (unsigned long)usize);
	}
}

static void ac_check_table(struct asc_table *t, unsigned int lg_page, unsigned int lg_max,
			   const char **why)
{
	size_t page = (size_t)1 << lg_page;
	unsigned int i;

	*why = "init";
	if (asc_table_init(t, lg_page, lg_max))
		return;
	*why = "small classes reach 4 pages";
	if (t->small_max >= 4 * page || asc_index2size(t->nsmall) != 4 * page)
		return;
	for (i = 0; i < t->nsmall; i++) {
		size_t size = asc_index2size(i);

		*why = "a slab wastes bytes";
		if (!t->slab[i].nregs ||
		    (size_t)t->slab[i].pages * page != (size_t)t->slab[i].nregs * size)
			return;
		*why = "a slab is larger than it needs to be";
		if (t->slab[i].pages > 1 && ((size_t)t->slab[i].pages - 1) * page % size == 0)
			return;
	}
	for (i = t->nsmall; i < t->nclasses; i++) {
		*why = "a large class is not whole pages";
		if (asc_index2size(i) % page)
			return;
	}
	*why = NULL;
}

AC_CASE(sc_slabs_and_large_classes_for_each_page_size)
{
	struct asc_table t;
	unsigned int lg_page;
	const char *why;

	for (lg_page = ASC_LG_PAGE_MIN; lg_page <= ASC_LG_PAGE_MAX; lg_page++) {
		ac_check_table(&t, lg_page, lg_page + 9, &why);
		AC_ASSERT(!why, "lg_page %u: %s", lg_page, why);
	}
	ac_check_table(&t, 12, 14, &why);
	AC_ASSERT(!why, "smallest chunk: %s", why);
	AC_ASSERT(t.nclasses == t.nsmall + 1, "lg_max 14 has one large class");
	asc_table_init(&t, 12, 21);
	AC_ASSERT(t.slab[0].pages == 1 && t.slab[0].nregs == 512, "8-byte slabs");
	AC_ASSERT(t.slab[35].pages == 7 && t.slab[35].nregs == 2, "14336-byte slabs");
}

/*
 * After asc_table_widen(&t, min_regs, max_pages), against the table before:
 * each slab is a whole multiple of its old one (so it wastes no byte
 * still), at most max_pages, and holds min_regs regions unless one more
 * multiple would pass max_pages; no slab grows beyond the multiple that
 * first reaches min_regs.
 */
static const char *ac_check_widened(unsigned int lg_page, unsigned int lg_max,
				    unsigned int min_regs, unsigned int max_pages)
{
	struct asc_table base, t;
	unsigned int i;

	if (asc_table_init(&base, lg_page, lg_max) || asc_table_init(&t, lg_page, lg_max))
		return "init";
	if (asc_table_widen(&t, min_regs, max_pages))
		return "widening refused";
	for (i = 0; i < t.nsmall; i++) {
		const struct asc_slab *b = &base.slab[i], *w = &t.slab[i];

		if (w->pages % b->pages || (unsigned int)w->pages / b->pages * b->nregs != w->nregs)
			return "not a whole multiple of the slab before";
		if (w->pages > max_pages)
			return "a slab above the page cap";
		if (w->nregs < min_regs && w->pages + b->pages <= max_pages)
			return "a slab below min_regs with room under the cap";
		if (w->pages > b->pages && (unsigned int)w->nregs - b->nregs >= min_regs)
			return "a slab larger than min_regs needs";
	}
	return NULL;
}

AC_CASE(sc_widened_slabs)
{
	unsigned int lg_page, lg_max, cap;
	struct asc_table t, before;
	const char *why;

	for (lg_page = ASC_LG_PAGE_MIN; lg_page <= ASC_LG_PAGE_MAX; lg_page++) {
		for (lg_max = lg_page + 4; lg_max <= lg_page + 10; lg_max++) {
			/* The module's cap (the chunk), the library's (past its header). */
			cap = 1U << (lg_max - lg_page);
			why = ac_check_widened(lg_page, lg_max, ASC_SLAB_MIN_REGS, cap);
			AC_ASSERT(!why, "lg_page %u lg_max %u cap %u: %s", lg_page, lg_max,
				  cap, why);
			cap = cap - 1 < 255 ? cap - 1 : 255;
			why = ac_check_widened(lg_page, lg_max, ASC_SLAB_MIN_REGS, cap);
			AC_ASSERT(!why, "lg_page %u lg_max %u cap %u: %s", lg_page, lg_max,
				  cap, why);
		}
	}
	why = ac_check_widened(12, 21, 1, 512);
	AC_ASSERT(!why, "one region: %s", why);

	/* 4 KiB pages, 2 MiB chunks: every class reaches 8 regions. */
	AC_ASSERT(!asc_table_init(&t, 12, 21), "init");
	AC_ASSERT(!asc_table_widen(&t, ASC_SLAB_MIN_REGS, 512), "widen");
	for (cap = 0; cap < t.nsmall; cap++)
		AC_ASSERT(t.slab[cap].nregs >= 8, "class %u: %u regions", cap, t.slab[cap].nregs);
	AC_ASSERT(t.slab[0].pages == 1 && t.slab[0].nregs == 512, "8-byte slabs");
	AC_ASSERT(t.slab[20].pages == 2 && t.slab[20].nregs == 8, "1024-byte slabs");
	AC_ASSERT(t.slab[28].pages == 8 && t.slab[28].nregs == 8, "4096-byte slabs");
	AC_ASSERT(t.slab[32].pages == 16 && t.slab[32].nregs == 8, "8192-byte slabs");
	AC_ASSERT(t.slab[35].pages == 28 && t.slab[35].nregs == 8, "14336-byte slabs");

	/* A 64 KiB chunk: the largest classes stop at its 16 pages. */
	AC_ASSERT(!asc_table_init(&t, 12, 16), "64 KiB chunk");
	AC_ASSERT(!asc_table_widen(&t, ASC_SLAB_MIN_REGS, 16), "widen in 64 KiB");
	AC_ASSERT(t.slab[32].pages == 16 && t.slab[32].nregs == 8, "8192 in 64 KiB");
	AC_ASSERT(t.slab[34].pages == 15 && t.slab[34].nregs == 5, "12288 in 64 KiB");
	AC_ASSERT(t.slab[35].pages == 14 && t.slab[35].nregs == 4, "14336 in 64 KiB");

	/* Refused, untouched: a cap below a 7-page slab, or no regions asked. */
	AC_ASSERT(!asc_table_init(&t, 12, 21), "init");
	__builtin_memcpy(&before, &t, sizeof(t));
	AC_ASSERT(asc_table_widen(&t, ASC_SLAB_MIN_REGS, 6) == -EINVAL, "cap of 6 pages");
	AC_ASSERT(asc_table_widen(&t, 0, 512) == -EINVAL, "no regions");
	AC_ASSERT(!__builtin_memcmp(&t, &before, sizeof(t)), "table changed");
}

AC_CASE(sc_aligned_sizes)
{
	struct asc_table t;
	size_t size, align, usize;

	AC_ASSERT(asc_table_init(&t, 12, 21) == 0, "init");
	for (align = 1; align <= 4096; align <<= 1) {
		for (size = 1; size <= 20000; size += 13) {
			usize = asc_sa2u(&t, size, align);
			AC_ASSERT(usize >= size && usize % align == 0 &&
				  asc_s2u(&t, usize) == usize,
				  "size %lu align %lu gives %lu", (unsigned long)size,
				  (unsigned long)align, (unsigned long)usize);
		}
	}
	/* Beyond a page only a large extent can be aligned. */
	AC_ASSERT(asc_sa2u(&t, 1, 8192) == 16384, "1 byte at 8 KiB alignment");
	AC_ASSERT(asc_sa2u(&t, 20000, 1 << 20) == 20480, "large keeps its class");
	AC_ASSERT(asc_sa2u(&t, 48, 16) == 48, "48 is 16-aligned");
	AC_ASSERT(asc_sa2u(&t, 48, 32) == 64, "48 at 32-byte alignment");
}

AC_CASE(sc_too_large_and_overflow)
{
	struct asc_table t;

	AC_ASSERT(asc_table_init(&t, 12, 21) == 0, "init");
	AC_ASSERT(asc_s2u(&t, t.large_max) == t.large_max, "largest class");
	AC_ASSERT(asc_s2u(&t, t.large_max + 1) == 0, "above the largest class");
	AC_ASSERT(asc_sa2u(&t, (size_t)-1 - 10, 64) == 0, "alignment overflow");
	AC_ASSERT(asc_sa2u(&t, t.large_max + 1, 16) == 0, "aligned, too large");
}

AC_CASE(sc_bad_parameters_are_refused)
{
	static const unsigned int bad[][2] = {
		{ 11, 20 }, { 17, 24 }, { 12, 13 }, { 12, 41 }, { 0, 0 },
	};
	struct asc_table t, before;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		__builtin_memset(&t, 0x5a, sizeof(t));
		__builtin_memcpy(&before, &t, sizeof(t));
		AC_ASSERT(asc_table_init(&t, bad[i][0], bad[i][1]) == -EINVAL,
			  "lg_page %u lg_max %u accepted", bad[i][0], bad[i][1]);
		AC_ASSERT(!__builtin_memcmp(&t, &before, sizeof(t)), "table changed");
	}
}

static AC_CASE_TYPE ac_sizeclass_cases[] = {
	AC_CASE_ENTRY(sc_small_classes_match_jemalloc),
	AC_CASE_ENTRY(sc_index_and_size_round_trip),
	AC_CASE_ENTRY(sc_every_size_gets_smallest_class),
	AC_CASE_ENTRY(sc_rounding_wastes_at_most_a_quarter),
	AC_CASE_ENTRY(sc_slabs_and_large_classes_for_each_page_size),
	AC_CASE_ENTRY(sc_widened_slabs),
	AC_CASE_ENTRY(sc_aligned_sizes),
	AC_CASE_ENTRY(sc_too_large_and_overflow),
	AC_CASE_ENTRY(sc_bad_parameters_are_refused),
	AC_EXTRA_CASES
	{}
};
