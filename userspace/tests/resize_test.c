// SPDX-License-Identifier: GPL-2.0
/*
 * Resizing: what lies past the size of an object travels with it, and a
 * huge object that shrinks gives its tail back.
 *
 * Zeroed memory shrunk and grown again (mimalloc#763, our shared case
 * 05): p = mallocx(n, ZERO), write [0, k), rallocx down to k with ZERO,
 * back up to n with ZERO; [k, n) must read zero.  The usable size before
 * the growth is where ZERO starts zeroing, so when the shrink moves the
 * object, everything up to the smaller usable size must travel.  The
 * class the shrink lands in is filled with junk first, so stale bytes
 * show.  Every kind: small, large, huge, aligned or not, by rallocx and
 * by realloc followed by rallocx.
 *
 * Huge shrink in place: xallocx, rallocx and realloc to a smaller huge
 * size keep the address and unmap the tail at once ("stats.mapped" falls
 * by it), and the books stay right.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arenalloc.h>

#include "ctlutil.h"
#include "tap.h"

#define KiB	((size_t)1 << 10)
#define MiB	((size_t)1 << 20)

/* Fill objects of @size's class with 0xee and free them. */
static void dirty_class(size_t size)
{
	void *p[64];
	unsigned int i, n = size > MiB ? 4 : 64;

	for (i = 0; i < n; i++) {
		p[i] = arenalloc_malloc(size);
		if (p[i])
			memset(p[i], 0xee, arenalloc_malloc_usable_size(p[i]));
	}
	for (i = 0; i < n; i++)
		arenalloc_free(p[i]);
}

static size_t first_nonzero(const unsigned char *p, size_t from, size_t to)
{
	for (; from < to; from++)
		if (p[from])
			return from;
	return to;
}

static const struct {
	size_t n, k;
} pairs[] = {
	{ 64, 24 }, { 100, 40 }, { 1000, 600 }, { 3000, 1100 }, { 20000, 9000 },
	{ 70000, 30000 }, { 300000, 200001 }, { 3 * MiB, 1000001 }, { 8 * MiB, 3 * MiB + 5 },
};

static void zero_after_shrink(struct tap_ctx *test, bool via_realloc)
{
	static const unsigned int lg_aligns[] = { 0, 6, 10, 13 };
	unsigned int i, j, bad = 0;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		for (j = 0; j < sizeof(lg_aligns) / sizeof(lg_aligns[0]); j++) {
			int fl = ARENALLOC_LG_ALIGN(lg_aligns[j]);
			size_t n = pairs[i].n, k = pairs[i].k, at;
			unsigned char *p;

			dirty_class(k);
			p = arenalloc_mallocx(n, fl | ARENALLOC_ZERO);
			AC_ASSERT(p, "mallocx(%zu)", n);
			memset(p, 0x5a, k);
			if (via_realloc && !lg_aligns[j])
				p = arenalloc_realloc(p, k);
			else
				p = arenalloc_rallocx(p, k, fl | ARENALLOC_ZERO);
			AC_ASSERT(p, "shrink to %zu", k);
			p = arenalloc_rallocx(p, n, fl | ARENALLOC_ZERO);
			AC_ASSERT(p, "grow to %zu", n);
			at = first_nonzero(p, k, n);
			AC_ASSERT(first_nonzero(p, 0, k) == 0 && p[k - 1] == 0x5a, "lost the data");
			if (at != n && bad++ < 5)
				AC_NOTE("n %zu k %zu align 2^%u: byte %zu is %#x", n, k,
					lg_aligns[j], at, p[at]);
			arenalloc_free(p);
		}
	}
	AC_ASSERT(!bad, "%u of the combinations read stale bytes past the shrunk size", bad);
}

AC_CASE(rallocx_zero_after_shrink_reads_zero)
{
	zero_after_shrink(test, false);
}

AC_CASE(realloc_shrink_then_rallocx_zero_reads_zero)
{
	zero_after_shrink(test, true);
}

static size_t mapped(void)
{
	return ac_stat("mapped");
}

/* Shrink a 64 MiB object to @to through @how; the tail must be unmapped. */
static void huge_shrink(struct tap_ctx *test, int how)
{
	size_t big = 64 * MiB, to = 10 * MiB + 5, m0, m1;
	unsigned char *p = arenalloc_malloc(big), *q;

	AC_ASSERT(p, "malloc(64 MiB)");
	memset(p, 7, big);
	m0 = mapped();
	switch (how) {
	case 0:
		AC_ASSERT(arenalloc_xallocx(p, to, 0, 0) < big, "xallocx did not shrink");
		q = p;
		break;
	case 1:
		q = arenalloc_rallocx(p, to, 0);
		break;
	default:
		q = arenalloc_realloc(p, to);
		break;
	}
	AC_ASSERT(q == p, "moved");
	m1 = mapped();
	AC_ASSERT(m1 + (big - to - 4096) <= m0, "stats.mapped %zu before, %zu after", m0, m1);
	AC_ASSERT(arenalloc_sallocx(q, 0) >= to && arenalloc_sallocx(q, 0) < to + 4096,
		  "usable size %zu", arenalloc_sallocx(q, 0));
	AC_ASSERT(q[to - 1] == 7 && q[0] == 7, "contents");
	arenalloc_free(q);
}

AC_CASE(xallocx_shrinks_huge_in_place)
{
	huge_shrink(test, 0);
}

AC_CASE(rallocx_shrinks_huge_in_place)
{
	huge_shrink(test, 1);
}

AC_CASE(realloc_shrinks_huge_in_place)
{
	huge_shrink(test, 2);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(rallocx_zero_after_shrink_reads_zero),
	AC_CASE_ENTRY(realloc_shrink_then_rallocx_zero_reads_zero),
	AC_CASE_ENTRY(xallocx_shrinks_huge_in_place),
	AC_CASE_ENTRY(rallocx_shrinks_huge_in_place),
	AC_CASE_ENTRY(realloc_shrinks_huge_in_place),
	{ NULL, NULL },
};

int main(void)
{
	return tap_run(cases);
}
