// SPDX-License-Identifier: GPL-2.0
/*
 * One usable size per request (StarRocks#1601, our shared case 19).
 *
 * Memory trackers count nallocx(size, flags) when they allocate and
 * malloc_usable_size() when they free, or read "thread.allocated" and
 * "thread.deallocated"; the books balance only if every path sizes an
 * allocation as nallocx() says.  For every alignment from 1 byte to
 * 16 MiB and sizes around every kind (small, large, the large/huge
 * boundary with the alignment's slack, huge), through mallocx(),
 * posix_memalign() and aligned_alloc(): nallocx() == sallocx() ==
 * malloc_usable_size().  Then the thread counters move by the same
 * amount for allocation and free, including aligned huge allocations
 * and resizes in place (rallocx, xallocx).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arenalloc.h>

#include "ctlutil.h"
#include "tap.h"

#define KiB	((size_t)1 << 10)
#define MiB	((size_t)1 << 20)

static const size_t sizes[] = {
	1, 8, 17, 100, 1093, 4096, 5000, 14000, 16385, 65536, 100000, 262144,
	500000, 786433, MiB - 4096, MiB, MiB + 1, 2 * MiB - 1, 3 * MiB, 5 * MiB,
};

#define NSIZES	(sizeof(sizes) / sizeof(sizes[0]))

AC_CASE(nallocx_is_the_usable_size_for_every_alignment)
{
	unsigned int la, i, bad = 0;

	for (la = 0; la <= 24; la++) {
		for (i = 0; i < NSIZES; i++) {
			int flags = ARENALLOC_LG_ALIGN(la);
			size_t n = arenalloc_nallocx(sizes[i], flags), s, u;
			void *p = arenalloc_mallocx(sizes[i], flags);

			AC_ASSERT(p, "mallocx(%zu, LG_ALIGN(%u))", sizes[i], la);
			AC_ASSERT(!((uintptr_t)p & (((size_t)1 << la) - 1)), "misaligned");
			s = arenalloc_sallocx(p, 0);
			u = arenalloc_malloc_usable_size(p);
			if (n != s || n != u) {
				if (bad++ < 5)
					AC_NOTE("mallocx(%zu, LG_ALIGN(%u)): nallocx %zu "
						"sallocx %zu usable %zu", sizes[i], la, n, s,
						u);
			}
			arenalloc_dallocx(p, flags);
		}
	}
	AC_ASSERT(!bad, "%u mismatches", bad);
}

AC_CASE(memalign_family_agrees_with_nallocx)
{
	unsigned int la, i, bad = 0;

	for (la = 3; la <= 24; la++) {
		size_t align = (size_t)1 << la;

		for (i = 0; i < NSIZES; i++) {
			size_t n = arenalloc_nallocx(sizes[i], ARENALLOC_LG_ALIGN(la));
			void *p = NULL, *q;

			AC_ASSERT(!arenalloc_posix_memalign(&p, align, sizes[i]), "posix_memalign");
			q = arenalloc_aligned_alloc(align, sizes[i]);
			AC_ASSERT(q, "aligned_alloc");
			if (arenalloc_malloc_usable_size(p) != n ||
			    arenalloc_malloc_usable_size(q) != n) {
				if (bad++ < 5)
					AC_NOTE("align 2^%u size %zu: nallocx %zu, posix_memalign "
						"%zu, aligned_alloc %zu", la, sizes[i], n,
						arenalloc_malloc_usable_size(p),
						arenalloc_malloc_usable_size(q));
			}
			arenalloc_free(p);
			arenalloc_free(q);
		}
	}
	AC_ASSERT(!bad, "%u mismatches", bad);
}

static void counters(struct tap_ctx *test, uint64_t *a, uint64_t *d)
{
	AC_ASSERT(!ac_ctl_u64("thread.allocated", a), "thread.allocated");
	AC_ASSERT(!ac_ctl_u64("thread.deallocated", d), "thread.deallocated");
}

AC_CASE(thread_counters_balance)
{
	uint64_t a0, d0, a1, d1;
	size_t expect = 0;
	void *p[100];
	unsigned int i;

	counters(test, &a0, &d0);
	for (i = 0; i < 100; i++) {
		int flags = ARENALLOC_LG_ALIGN(i % 2 ? 20 : 13);
		size_t size = i % 3 ? KiB : 3 * MiB;

		expect += arenalloc_nallocx(size, flags);
		p[i] = arenalloc_mallocx(size, flags);
		AC_ASSERT(p[i], "mallocx");
	}
	/* Resizes in place move the books as a free and a malloc would. */
	for (i = 0; i < 100; i += 3) {
		size_t before = arenalloc_sallocx(p[i], 0), after;

		after = arenalloc_xallocx(p[i], 2 * MiB, 0, 0);
		AC_ASSERT(after <= before, "xallocx grew");
		p[i] = arenalloc_rallocx(p[i], MiB + 8192, 0);
		AC_ASSERT(p[i], "rallocx");
	}
	counters(test, &a1, &d1);
	AC_ASSERT(a1 - a0 - (d1 - d0) >= expect / 4, "allocated moved by %llu, freed by %llu",
		  (unsigned long long)(a1 - a0), (unsigned long long)(d1 - d0));
	for (i = 0; i < 100; i++)
		arenalloc_free(p[i]);
	counters(test, &a1, &d1);
	AC_ASSERT(a1 - a0 == d1 - d0, "thread.allocated +%llu, thread.deallocated +%llu",
		  (unsigned long long)(a1 - a0), (unsigned long long)(d1 - d0));
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(nallocx_is_the_usable_size_for_every_alignment),
	AC_CASE_ENTRY(memalign_family_agrees_with_nallocx),
	AC_CASE_ENTRY(thread_counters_balance),
	{ NULL, NULL },
};

int main(void)
{
	return tap_run(cases);
}
