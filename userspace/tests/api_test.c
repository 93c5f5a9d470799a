// SPDX-License-Identifier: GPL-2.0
/*
 * The C allocation API and jemalloc's *allocx() family at their corners:
 * what the standards and glibc promise for zero sizes, NULL, overflowing
 * and impossible sizes (NULL with errno ENOMEM, the original left intact),
 * bad alignments (EINVAL, *memptr untouched), every power-of-two alignment
 * up to 64 MiB, zeroing of recycled dirty memory, content kept across
 * realloc() through the small, large and huge size ranges, usable sizes
 * that really are usable, and the flags of mallocx() and friends:
 * alignment, zeroing of a grown tail, in-place growth that never moves,
 * explicit arenas from "arenas.create" and their destruction.
 *
 * Only the arenalloc_* names are called, so the same cases run against
 * the library with its malloc overrides and against the bare core under
 * the sanitizers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arenalloc.h>

#include "ctlutil.h"
#include "tap.h"

#define KiB	((size_t)1 << 10)
#define MiB	((size_t)1 << 20)
#define TOO_BIG	((size_t)PTRDIFF_MAX + 1)

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static bool is_aligned(const void *p, size_t align)
{
	return ((uintptr_t)p & (align - 1)) == 0;
}

/* A byte pattern that depends on the position and a seed. */
static inline unsigned char pat(size_t i, unsigned int seed)
{
	return (unsigned char)((i * 131u + (i >> 8) * 7u + seed) ^ (seed >> 8));
}

static void fill(void *p, size_t n, unsigned int seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = pat(i, seed);
}

/* Index of the first byte that breaks the pattern, or @n. */
static size_t check(const void *p, size_t n, unsigned int seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != pat(i, seed))
			return i;
	return n;
}

/* Index of the first byte in [from, to) that is not @val, or @to. */
static size_t first_not(const void *p, size_t from, size_t to, unsigned char val)
{
	const unsigned char *c = p;
	size_t i;

	for (i = from; i < to; i++)
		if (c[i] != val)
			return i;
	return to;
}

/*
 * Writes the first and last pages and one in the middle of [p, p + n):
 * enough to show that the memory is there without making it all resident.
 */
static void touch_ends(void *p, size_t n)
{
	size_t pg = page_size(), k = n < pg ? n : pg;
	char *c = p;

	memset(c, 0xa5, k);
	memset(c + n - k, 0x5a, k);
	memset(c + (n / 2) - (n / 2) % 8, 0x11, n / 2 < 8 ? n - n / 2 : 8);
}

/* Makes recycled memory of @size dirty: allocate, fill with 0xff, free. */
static void dirty_some(size_t size, unsigned int count)
{
	void *ps[16];
	unsigned int i;

	if (count > 16)
		count = 16;
	for (i = 0; i < count; i++) {
		ps[i] = arenalloc_malloc(size);
		if (ps[i])
			memset(ps[i], 0xff, arenalloc_malloc_usable_size(ps[i]));
	}
	for (i = 0; i < count; i++)
		arenalloc_free(ps[i]);
}

/* ==== Zero sizes and NULL ================================================ */

AC_CASE(malloc_zero_is_unique_and_freeable)
{
	void *p = arenalloc_malloc(0), *q = arenalloc_malloc(0);

	AC_ASSERT(p && q, "malloc(0) returned NULL (%p, %p)", p, q);
	AC_ASSERT(p != q, "two malloc(0) returned the same pointer %p", p);
	AC_ASSERT(arenalloc_malloc_usable_size(p) >= 1, "usable size of malloc(0) is 0");
	*(char *)p = 1;
	arenalloc_free(p);
	arenalloc_free(q);

	p = arenalloc_mallocx(0, 0);
	AC_ASSERT(p, "mallocx(0) returned NULL");
	arenalloc_dallocx(p, 0);
	p = arenalloc_calloc(0, 16);
	q = arenalloc_calloc(16, 0);
	AC_ASSERT(p && q && p != q, "calloc with a zero count: %p %p", p, q);
	arenalloc_free(p);
	arenalloc_free(q);
}

AC_CASE(free_null_is_a_no_op)
{
	void *p;

	errno = 1234;
	arenalloc_free(NULL);
	AC_ASSERT(errno == 1234, "free(NULL) changed errno to %d", errno);
	AC_ASSERT(arenalloc_malloc_usable_size(NULL) == 0, "usable size of NULL");
	p = arenalloc_realloc(NULL, 0);
	AC_ASSERT(p, "realloc(NULL, 0) must act as malloc(0)");
	arenalloc_free(p);
}

/* ==== calloc ================================================================= */

AC_CASE(calloc_overflow_fails_with_enomem)
{
	static const size_t bad[][2] = {
		{ SIZE_MAX / 2 + 1, 3 }, { 3, SIZE_MAX / 2 + 1 }, { SIZE_MAX, SIZE_MAX },
		{ SIZE_MAX, 2 }, { (size_t)1 << 32, (size_t)1 << 32 }, { 1, TOO_BIG },
		{ TOO_BIG, 1 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *p;

		errno = 0;
		p = arenalloc_calloc(bad[i][0], bad[i][1]);
		AC_ASSERT(!p, "calloc(%zu, %zu) = %p", bad[i][0], bad[i][1], p);
		AC_ASSERT(errno == ENOMEM, "calloc(%zu, %zu): errno %d", bad[i][0],
			  bad[i][1], errno);
	}
}

AC_CASE(calloc_zeroes_recycled_dirty_memory)
{
	static const size_t sizes[] = {
		1, 8, 24, 100, 512, 4096, 5000, 14336, 16 * KiB, 40000, 100000,
		MiB, 3 * MiB,
	};
	unsigned int i, round;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			size_t n = sizes[i], bad;
			unsigned char *p;

			dirty_some(n, 4);
			p = arenalloc_calloc(1, n);
			AC_ASSERT(p, "calloc(1, %zu)", n);
			bad = first_not(p, 0, n, 0);
			AC_ASSERT(bad == n, "calloc(1, %zu): byte %zu is %#x", n, bad, p[bad]);
			memset(p, 0xff, n);
			arenalloc_free(p);

			/* the same through calloc's count x size and mallocx(ZERO) */
			p = arenalloc_calloc(n, 1);
			AC_ASSERT(p && first_not(p, 0, n, 0) == n, "calloc(%zu, 1)", n);
			memset(p, 0xff, n);
			arenalloc_free(p);
			p = arenalloc_mallocx(n, ARENALLOC_ZERO);
			AC_ASSERT(p && first_not(p, 0, n, 0) == n, "mallocx(%zu, ZERO)", n);
			memset(p, 0xff, n);
			arenalloc_dallocx(p, 0);
			p = arenalloc_mallocx(n, ARENALLOC_ZERO | ARENALLOC_TCACHE_NONE);
			AC_ASSERT(p && first_not(p, 0, n, 0) == n,
				  "mallocx(%zu, ZERO | TCACHE_NONE)", n);
			arenalloc_dallocx(p, ARENALLOC_TCACHE_NONE);
		}
	}
}

/* ==== realloc ================================================================ */

AC_CASE(realloc_null_and_zero_follow_glibc)
{
	void *p = arenalloc_realloc(NULL, 100);

	AC_ASSERT(p, "realloc(NULL, 100)");
	AC_ASSERT(arenalloc_malloc_usable_size(p) >= 100, "usable size");
	memset(p, 1, 100);
	/* glibc: realloc(p, 0) frees p and returns NULL */
	p = arenalloc_realloc(p, 0);
	AC_ASSERT(!p, "realloc(p, 0) returned %p, glibc returns NULL", p);
}

/* Resizes one object through every size range, both ways, checking content. */
AC_CASE(realloc_keeps_content_across_size_ranges)
{
	static const size_t steps[] = {
		24, 5000, 300000, 3 * MiB, 100, 24, 16 * KiB, 17 * KiB, 300000,
		5 * MiB, 4 * MiB + 1, 2 * MiB, 1 * MiB, 64 * KiB, 4000, 1, 13 * MiB, 8,
	};
	size_t old = 0;
	unsigned int i, seed = 1;
	void *p = NULL;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t n = steps[i], keep = old < n ? old : n, bad;
		void *q = arenalloc_realloc(p, n);

		AC_ASSERT(q, "realloc(%p, %zu) failed (step %u)", p, n, i);
		AC_ASSERT(arenalloc_malloc_usable_size(q) >= n, "usable %zu < %zu",
			  arenalloc_malloc_usable_size(q), n);
		bad = check(q, keep, seed);
		AC_ASSERT(bad == keep, "%zu -> %zu: byte %zu of %zu lost", old, n, bad, keep);
		p = q;
		old = n;
		fill(p, n, ++seed);
	}
	arenalloc_free(p);
}

AC_CASE(realloc_to_impossible_size_fails_and_keeps_original)
{
	static const size_t from[] = { 100, 20000, 300000, 3 * MiB };
	static const size_t to[] = { SIZE_MAX - 4096, TOO_BIG, SIZE_MAX };
	unsigned int i, j;

	for (i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		void *p = arenalloc_malloc(from[i]);

		AC_ASSERT(p, "malloc(%zu)", from[i]);
		fill(p, from[i], i);
		for (j = 0; j < sizeof(to) / sizeof(to[0]); j++) {
			void *q;

			errno = 0;
			q = arenalloc_realloc(p, to[j]);
			AC_ASSERT(!q, "realloc(%zu -> %zu) = %p", from[i], to[j], q);
			AC_ASSERT(errno == ENOMEM, "realloc to %zu: errno %d", to[j], errno);
			AC_ASSERT(check(p, from[i], i) == from[i], "original changed");
			AC_ASSERT(arenalloc_malloc_usable_size(p) >= from[i],
				  "original no longer live");
		}
		arenalloc_free(p);
	}
}

AC_CASE(reallocarray_checks_overflow)
{
	void *p = arenalloc_reallocarray(NULL, 4, 4), *q;

	AC_ASSERT(p, "reallocarray(NULL, 4, 4)");
	fill(p, 16, 7);
	errno = 0;
	q = arenalloc_reallocarray(p, SIZE_MAX / 2 + 1, 2);
	AC_ASSERT(!q && errno == ENOMEM, "overflowing reallocarray: %p errno %d", q, errno);
	errno = 0;
	q = arenalloc_reallocarray(p, (size_t)1 << 33, (size_t)1 << 31);
	AC_ASSERT(!q && errno == ENOMEM, "overflowing reallocarray: %p errno %d", q, errno);
	AC_ASSERT(check(p, 16, 7) == 16, "original changed");
	q = arenalloc_reallocarray(p, 1000, 10);
	AC_ASSERT(q, "reallocarray(p, 1000, 10)");
	AC_ASSERT(check(q, 16, 7) == 16, "content lost");
	AC_ASSERT(arenalloc_malloc_usable_size(q) >= 10000, "too small");
	arenalloc_free(q);
}

/* ==== Aligned allocation ==================================================== */

AC_CASE(posix_memalign_every_alignment)
{
	size_t align;

	for (align = sizeof(void *); align <= ((size_t)1 << 26); align <<= 1) {
		const size_t sizes[] = { 1, align - 1, align, 3 * align + 1 };
		void *ps[4] = { NULL };
		unsigned int i;

		for (i = 0; i < 4; i++) {
			size_t n = sizes[i];
			int ret;

			ret = arenalloc_posix_memalign(&ps[i], align, n);
			AC_ASSERT(ret == 0, "posix_memalign(%zu, %zu) = %d", align, n, ret);
			AC_ASSERT(is_aligned(ps[i], align), "%p not aligned to %zu", ps[i], align);
			AC_ASSERT(arenalloc_malloc_usable_size(ps[i]) >= n,
				  "usable %zu < %zu (align %zu)",
				  arenalloc_malloc_usable_size(ps[i]), n, align);
			if (n <= MiB) {
				memset(ps[i], (int)i, n);
			} else {
				touch_ends(ps[i], n);
				*(unsigned char *)ps[i] = (unsigned char)i;
			}
		}
		/* objects alive together do not overlap */
		for (i = 0; i < 4; i++) {
			size_t n = sizes[i] < MiB ? sizes[i] : 1;

			AC_ASSERT(first_not(ps[i], 0, n, (unsigned char)i) == n,
				  "align %zu: object %u overwritten", align, i);
		}
		for (i = 0; i < 4; i++)
			arenalloc_free(ps[i]);
	}
}

AC_CASE(posix_memalign_rejects_bad_alignment)
{
	static const size_t bad[] = {
		0, 1, 2, 3, 4, 24, 48, 100, 4097, ((size_t)1 << 40) + 8,
	};
	void *sentinel = (void *)0x1234, *p;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bad[i] >= sizeof(void *) && !(bad[i] & (bad[i] - 1)))
			continue;	/* 8 is fine where pointers have 8 bytes */
		p = sentinel;
		ret = arenalloc_posix_memalign(&p, bad[i], 16);
		AC_ASSERT(ret == EINVAL, "posix_memalign(%zu) = %d, want EINVAL", bad[i], ret);
		AC_ASSERT(p == sentinel, "*memptr written on failure: %p", p);
	}
	p = sentinel;
	ret = arenalloc_posix_memalign(&p, 64, SIZE_MAX - 100);
	AC_ASSERT(ret == ENOMEM, "posix_memalign(64, huge) = %d, want ENOMEM", ret);
	AC_ASSERT(p == sentinel, "*memptr written on failure: %p", p);
	ret = arenalloc_posix_memalign(&p, 64, TOO_BIG);
	AC_ASSERT(ret == ENOMEM && p == sentinel, "posix_memalign(64, PTRDIFF_MAX+1) = %d", ret);
}

AC_CASE(aligned_alloc_needs_a_power_of_two)
{
	static const size_t bad[] = { 0, 3, 24, 48, 1000 };
	unsigned int i;
	void *p;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		p = arenalloc_aligned_alloc(bad[i], 96);
		AC_ASSERT(!p && errno == EINVAL, "aligned_alloc(%zu): %p errno %d", bad[i], p,
			  errno);
	}
	/* C17 dropped the "size is a multiple of the alignment" requirement */
	p = arenalloc_aligned_alloc(4096, 10);
	AC_ASSERT(p && is_aligned(p, 4096), "aligned_alloc(4096, 10) = %p", p);
	memset(p, 0, 10);
	arenalloc_free(p);
	p = arenalloc_aligned_alloc(64, 640);
	AC_ASSERT(p && is_aligned(p, 64), "aligned_alloc(64, 640) = %p", p);
	arenalloc_free(p);
	errno = 0;
	p = arenalloc_aligned_alloc(64, TOO_BIG);
	AC_ASSERT(!p && errno == ENOMEM, "aligned_alloc(64, too big): %p errno %d", p, errno);
}

AC_CASE(memalign_rounds_odd_alignments_up)
{
	static const size_t req[][2] = {	/* alignment, the one to expect */
		{ 3, 4 }, { 1, 1 }, { 0, 1 }, { 48, 64 }, { 1000, 1024 }, { 4095, 4096 },
		{ 5000, 8192 }, { 65536, 65536 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		void *p = arenalloc_memalign(req[i][0], 100);

		AC_ASSERT(p, "memalign(%zu, 100)", req[i][0]);
		AC_ASSERT(is_aligned(p, req[i][1]), "memalign(%zu): %p not aligned to %zu",
			  req[i][0], p, req[i][1]);
		AC_ASSERT(arenalloc_malloc_usable_size(p) >= 100, "usable");
		memset(p, 0, 100);
		arenalloc_free(p);
	}
}

AC_CASE(valloc_and_pvalloc_are_page_aligned)
{
	size_t pg = page_size();
	static const size_t sizes[] = { 0, 1, 100, 4095, 4096, 4097, 5000, 100000, 3 << 20 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], want = (n + pg - 1) / pg * pg;
		void *p = arenalloc_valloc(n), *q = arenalloc_pvalloc(n);

		AC_ASSERT(p && is_aligned(p, pg), "valloc(%zu) = %p", n, p);
		AC_ASSERT(arenalloc_malloc_usable_size(p) >= n, "valloc usable");
		AC_ASSERT(q && is_aligned(q, pg), "pvalloc(%zu) = %p", n, q);
		/* pvalloc rounds the size itself up to whole pages */
		AC_ASSERT(arenalloc_malloc_usable_size(q) >= want,
			  "pvalloc(%zu): usable %zu < %zu", n, arenalloc_malloc_usable_size(q),
			  want);
		memset(q, 0x3c, want ? want : 1);
		if (n)
			memset(p, 0x3c, n);
		arenalloc_free(p);
		arenalloc_free(q);
	}
	errno = 0;
	AC_ASSERT(!arenalloc_pvalloc(SIZE_MAX - 10) && errno == ENOMEM, "pvalloc(SIZE_MAX-10)");
}

/* ==== Sizes ======================================================================= */

AC_CASE(usable_size_is_usable)
{
	size_t n;

	for (n = 0; n < 70000; n += n < 600 ? 1 : n < 20000 ? 97 : 1531) {
		unsigned char *p = arenalloc_malloc(n);
		size_t u;

		AC_ASSERT(p, "malloc(%zu)", n);
		u = arenalloc_malloc_usable_size(p);
		AC_ASSERT(u >= n && u >= 1, "malloc(%zu): usable %zu", n, u);
		AC_ASSERT(u == arenalloc_sallocx(p, 0), "sallocx %zu != usable %zu",
			  arenalloc_sallocx(p, 0), u);
		memset(p, 0xee, u);
		AC_ASSERT(p[u - 1] == 0xee, "last usable byte");
		arenalloc_free(p);
	}
}

AC_CASE(malloc_of_impossible_size_fails_with_enomem)
{
	static const size_t bad[] = { TOO_BIG, SIZE_MAX, SIZE_MAX - 4096, SIZE_MAX / 2 + 2 };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *p;

		errno = 0;
		p = arenalloc_malloc(bad[i]);
		AC_ASSERT(!p && errno == ENOMEM, "malloc(%zu) = %p errno %d", bad[i], p, errno);
		errno = 0;
		p = arenalloc_mallocx(bad[i], 0);
		AC_ASSERT(!p, "mallocx(%zu) = %p", bad[i], p);
		p = arenalloc_mallocx(bad[i], ARENALLOC_ALIGN(4096));
		AC_ASSERT(!p, "mallocx(%zu, ALIGN(4096)) = %p", bad[i], p);
		AC_ASSERT(arenalloc_nallocx(bad[i], 0) == 0, "nallocx(%zu) = %zu", bad[i],
			  arenalloc_nallocx(bad[i], 0));
	}
}

/* ==== The *allocx() family =============================================================== */

AC_CASE(mallocx_align_and_zero)
{
	static const size_t sizes[] = { 1, 100, 4096, 5000, 100000, 3 * MiB };
	static const unsigned int lg_aligns[] = { 4, 6, 12, 16, 20, 22 };
	unsigned int i, j;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < sizeof(lg_aligns) / sizeof(lg_aligns[0]); j++) {
			size_t n = sizes[i], a = (size_t)1 << lg_aligns[j], bad;
			int flags = ARENALLOC_LG_ALIGN(lg_aligns[j]) | ARENALLOC_ZERO;
			unsigned char *p;

			/* dirty what the next allocation may reuse */
			p = arenalloc_mallocx(n, ARENALLOC_LG_ALIGN(lg_aligns[j]));
			AC_ASSERT(p && is_aligned(p, a), "mallocx(%zu, align %zu) = %p", n, a, p);
			memset(p, 0xff, n);
			arenalloc_dallocx(p, 0);

			p = arenalloc_mallocx(n, flags);
			AC_ASSERT(p && is_aligned(p, a), "mallocx(%zu, align %zu | ZERO) = %p",
				  n, a, p);
			bad = first_not(p, 0, n, 0);
			AC_ASSERT(bad == n, "mallocx(%zu, align %zu | ZERO): byte %zu is %#x",
				  n, a, bad, p[bad]);
			AC_ASSERT(arenalloc_sallocx(p, 0) >= n, "sallocx");
			memset(p, 0xff, n);
			arenalloc_dallocx(p, ARENALLOC_LG_ALIGN(lg_aligns[j]));
		}
	}
	{
		void *p = arenalloc_mallocx(5000, ARENALLOC_ALIGN(4096) | ARENALLOC_ZERO);

		AC_ASSERT(p && is_aligned(p, 4096), "mallocx(5000, ALIGN(4096) | ZERO)");
		AC_ASSERT(first_not(p, 0, 5000, 0) == 5000, "not zeroed");
		arenalloc_dallocx(p, 0);
	}
}

AC_CASE(nallocx_predicts_sallocx)
{
	static const int flags[] = {
		0, ARENALLOC_ALIGN(64), ARENALLOC_ALIGN(4096), ARENALLOC_ALIGN(65536),
		ARENALLOC_ZERO, ARENALLOC_TCACHE_NONE,
	};
	unsigned int f;
	size_t n;

	for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		for (n = 1; n < 9 * MiB; n = n < 1024 ? n + 13 : n * 5 / 4 + 7) {
			size_t want = arenalloc_nallocx(n, flags[f]);
			void *p = arenalloc_mallocx(n, flags[f]);
			size_t got;

			AC_ASSERT(p, "mallocx(%zu, %#x)", n, flags[f]);
			got = arenalloc_sallocx(p, 0);
			AC_ASSERT(want >= n, "nallocx(%zu, %#x) = %zu", n, flags[f], want);
			AC_ASSERT(want == got, "nallocx(%zu, %#x) = %zu but sallocx = %zu",
				  n, flags[f], want, got);
			AC_ASSERT(got == arenalloc_malloc_usable_size(p), "usable size");
			arenalloc_sdallocx(p, n, flags[f]);
		}
	}
}

/* Grows @from to @to with rallocx(ZERO): old bytes kept, the rest zero. */
static void rallocx_zero_one(struct tap_ctx *test, size_t from, size_t to)
{
	unsigned char *p, *q;
	size_t old, bad;

	dirty_some(to, 3);
	p = arenalloc_mallocx(from, 0);
	AC_ASSERT(p, "mallocx(%zu)", from);
	old = arenalloc_sallocx(p, 0);
	memset(p, 0xab, old);
	q = arenalloc_rallocx(p, to, ARENALLOC_ZERO);
	AC_ASSERT(q, "rallocx(%zu -> %zu, ZERO)", from, to);
	AC_ASSERT(arenalloc_sallocx(q, 0) >= to, "rallocx(%zu -> %zu): sallocx %zu", from, to,
		  arenalloc_sallocx(q, 0));
	/* the real size before the call is the boundary (jemalloc's rule) */
	bad = first_not(q, 0, old < to ? old : to, 0xab);
	AC_ASSERT(bad == (old < to ? old : to), "rallocx(%zu -> %zu): old byte %zu is %#x",
		  from, to, bad, q[bad]);
	if (to > old) {
		bad = first_not(q, old, to, 0);
		AC_ASSERT(bad == to, "rallocx(%zu -> %zu, ZERO): tail byte %zu is %#x",
			  from, to, bad, q[bad]);
	}
	arenalloc_dallocx(q, 0);
}

AC_CASE(rallocx_zero_clears_the_grown_tail)
{
	static const size_t pairs[][2] = {
		{ 10, 100 }, { 100, 5000 }, { 1000, 20000 }, { 20000, 40000 },
		{ 17 * KiB, 18 * KiB }, { 40000, 300000 }, { 300000, 3 * MiB },
		{ 3 * MiB, 5 * MiB }, { 5000, 5100 }, { 100, 3 * MiB },
	};
	unsigned int i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		rallocx_zero_one(test, pairs[i][0], pairs[i][1]);
}

AC_CASE(rallocx_with_alignment_moves_when_needed)
{
	unsigned char *p = arenalloc_mallocx(100, 0), *q;

	AC_ASSERT(p, "mallocx");
	fill(p, 100, 3);
	q = arenalloc_rallocx(p, 200, ARENALLOC_ALIGN(65536));
	AC_ASSERT(q && is_aligned(q, 65536), "rallocx(200, ALIGN(64K)) = %p", q);
	AC_ASSERT(check(q, 100, 3) == 100, "content lost");
	q = arenalloc_rallocx(q, 50, 0);
	AC_ASSERT(q && check(q, 50, 3) == 50, "shrinking rallocx lost content");
	arenalloc_dallocx(q, 0);
}

/*
 * Creates a manual arena.  Its index comes after the automatic arenas,
 * which "arenas.narenas" counts before the first creation (later, the
 * count includes manual arenas, whose indices destroyed ones may reuse).
 */
static unsigned int create_arena(struct tap_ctx *test)
{
	static unsigned int nauto;
	unsigned int ind = 0;
	size_t len = sizeof(ind);
	int ret;

	if (!nauto)
		AC_ASSERT(ac_ctl_unsigned("arenas.narenas", &nauto) == 0 && nauto,
			  "arenas.narenas");
	ret = arenalloc_ctl("arenas.create", &ind, &len, NULL, 0);
	AC_ASSERT(ret == 0 && len == sizeof(ind), "arenas.create: %d", ret);
	AC_ASSERT(ind >= nauto && ind < 4095, "new arena %u among the %u automatic ones",
		  ind, nauto);
	return ind;
}

static int destroy_arena(unsigned int ind)
{
	char name[64];

	return ac_ctl_void(ac_arena_name(name, sizeof(name), "arena", ind, "destroy"));
}

AC_CASE(xallocx_grows_large_in_place_without_moving)
{
	unsigned int ind = create_arena(test);
	int fl = ARENALLOC_ARENA(ind) | ARENALLOC_TCACHE_NONE;
	unsigned char *p, *s;
	size_t old, r;

	p = arenalloc_mallocx(64 * KiB, fl);
	AC_ASSERT(p, "mallocx(64K) in arena %u", ind);
	old = arenalloc_sallocx(p, 0);
	fill(p, old, 9);

	/* a fresh arena has free pages right after p: growth must happen there */
	r = arenalloc_xallocx(p, 128 * KiB, 0, fl);
	AC_ASSERT(r >= 128 * KiB, "xallocx(64K -> 128K) in a fresh arena: %zu", r);
	AC_ASSERT(arenalloc_sallocx(p, 0) == r, "sallocx %zu != xallocx %zu",
		  arenalloc_sallocx(p, 0), r);
	AC_ASSERT(check(p, old, 9) == old, "content changed by xallocx");
	memset(p + old, 0x77, r - old);

	/* impossible growth leaves it as it is and says so */
	r = arenalloc_xallocx(p, (size_t)1 << 40, 0, fl);
	AC_ASSERT(r == arenalloc_sallocx(p, 0) && r >= 128 * KiB,
		  "failed xallocx must return the current size, got %zu", r);
	r = arenalloc_xallocx(p, 200 * KiB, (size_t)1 << 40, fl);
	AC_ASSERT(r >= 128 * KiB && r == arenalloc_sallocx(p, 0), "xallocx with extra: %zu", r);
	AC_ASSERT(check(p, old, 9) == old, "content changed by xallocx");

	/* a small object cannot become large in place: its size stays */
	s = arenalloc_mallocx(100, fl);
	AC_ASSERT(s, "mallocx(100)");
	old = arenalloc_sallocx(s, 0);
	r = arenalloc_xallocx(s, 20000, 0, fl);
	AC_ASSERT(r >= old && r == arenalloc_sallocx(s, 0), "xallocx of a small: %zu (was %zu)",
		  r, old);

	arenalloc_dallocx(s, fl);
	arenalloc_dallocx(p, fl);
	AC_ASSERT(destroy_arena(ind) == 0, "arena.%u.destroy", ind);
}

AC_CASE(xallocx_in_the_thread_arena_never_moves)
{
	static const size_t sizes[] = { 16 * KiB, 20000, 100 * KiB, 512 * KiB, 3 * MiB };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = arenalloc_mallocx(sizes[i], 0);
		size_t old, r;

		AC_ASSERT(p, "mallocx(%zu)", sizes[i]);
		old = arenalloc_sallocx(p, 0);
		fill(p, old, i);
		r = arenalloc_xallocx(p, old * 2, 0, 0);
		AC_ASSERT(r >= old, "xallocx(%zu -> %zu) shrank to %zu", old, old * 2, r);
		AC_ASSERT(r == arenalloc_sallocx(p, 0), "xallocx says %zu, sallocx %zu", r,
			  arenalloc_sallocx(p, 0));
		AC_ASSERT(check(p, old, i) == old, "content changed");
		memset(p, 0, r);
		/* shrinking: never below the request */
		r = arenalloc_xallocx(p, old / 2, 0, 0);
		AC_ASSERT(r >= old / 2 && r == arenalloc_sallocx(p, 0), "shrink: %zu", r);
		arenalloc_dallocx(p, 0);
	}
}

AC_CASE(sdallocx_and_dallocx_account_exactly)
{
	static const size_t sizes[] = { 1, 8, 100, 3000, 14336, 16 * KiB, 100000, 3 * MiB };
	uint64_t a0, d0, a1, d1;
	size_t sum = 0;
	unsigned int i;

	AC_ASSERT(ac_ctl_u64("thread.allocated", &a0) == 0, "thread.allocated");
	AC_ASSERT(ac_ctl_u64("thread.deallocated", &d0) == 0, "thread.deallocated");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = arenalloc_mallocx(sizes[i], 0), *q = arenalloc_mallocx(sizes[i],
							ARENALLOC_ALIGN(256));

		AC_ASSERT(p && q, "mallocx(%zu)", sizes[i]);
		sum += arenalloc_sallocx(p, 0) + arenalloc_sallocx(q, 0);
		arenalloc_sdallocx(p, sizes[i], 0);
		arenalloc_sdallocx(q, sizes[i], ARENALLOC_ALIGN(256));
		p = arenalloc_mallocx(sizes[i], 0);
		AC_ASSERT(p, "mallocx(%zu)", sizes[i]);
		sum += arenalloc_sallocx(p, 0);
		arenalloc_dallocx(p, 0);
	}
	AC_ASSERT(ac_ctl_u64("thread.allocated", &a1) == 0, "thread.allocated");
	AC_ASSERT(ac_ctl_u64("thread.deallocated", &d1) == 0, "thread.deallocated");
	AC_ASSERT(a1 - a0 >= sum && a1 - a0 <= sum + 64 * KiB,
		  "thread.allocated moved by %llu for %zu bytes",
		  (unsigned long long)(a1 - a0), sum);
	AC_ASSERT(d1 - d0 >= sum && d1 - d0 <= sum + 64 * KiB,
		  "thread.deallocated moved by %llu for %zu bytes",
		  (unsigned long long)(d1 - d0), sum);
}

/* ==== Arenas ========================================================================== */

AC_CASE(manual_arenas_serve_and_destroy)
{
	static const size_t sizes[] = { 8, 100, 5000, 20000, 300000, 3 * MiB };
	void *live[sizeof(sizes) / sizeof(sizes[0])];
	unsigned int ind, ind2, n = 0, i;
	char name[64];

	ind = create_arena(test);
	AC_ASSERT(ac_ctl_unsigned("arenas.narenas", &n) == 0 && n > ind,
		  "arenas.narenas %u does not count arena %u", n, ind);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = arenalloc_mallocx(sizes[i], ARENALLOC_ARENA(ind));

		AC_ASSERT(p, "mallocx(%zu, ARENA(%u))", sizes[i], ind);
		fill(p, sizes[i], i);
		live[i] = p;
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		AC_ASSERT(check(live[i], sizes[i], i) == sizes[i], "object %u overwritten", i);
		arenalloc_dallocx(live[i], 0);
	}
	AC_ASSERT(ac_ctl_void(ac_arena_name(name, sizeof(name), "arena", ind, "purge")) == 0,
		  "%s", name);
	AC_ASSERT(destroy_arena(ind) == 0, "arena.%u.destroy", ind);

	/* destroying an arena discards what is still allocated from it */
	ind2 = create_arena(test);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		live[i] = arenalloc_mallocx(sizes[i], ARENALLOC_ARENA(ind2) | ARENALLOC_ZERO);
		AC_ASSERT(live[i], "mallocx(%zu, ARENA(%u))", sizes[i], ind2);
		AC_ASSERT(first_not(live[i], 0, sizes[i], 0) == sizes[i], "ZERO in arena");
	}
	AC_ASSERT(destroy_arena(ind2) == 0, "arena.%u.destroy with live allocations", ind2);

	/* and the heap goes on */
	ind = create_arena(test);
	live[0] = arenalloc_mallocx(100, ARENALLOC_ARENA(ind));
	AC_ASSERT(live[0], "allocation from an arena created after a destroy");
	arenalloc_dallocx(live[0], 0);
	AC_ASSERT(destroy_arena(ind) == 0, "arena.%u.destroy", ind);
}

AC_CASE(automatic_or_missing_arenas_cannot_be_destroyed)
{
	unsigned int n = 0;
	void *p;

	AC_ASSERT(ac_ctl_unsigned("arenas.narenas", &n) == 0 && n >= 1, "arenas.narenas");
	AC_ASSERT(destroy_arena(0) != 0, "arena.0.destroy of an automatic arena succeeded");
	AC_ASSERT(destroy_arena(4000) != 0, "arena.4000.destroy of no arena succeeded");
	p = arenalloc_malloc(100);
	AC_ASSERT(p, "malloc after refused destroy");
	arenalloc_free(p);

	errno = 0;
	p = arenalloc_mallocx(100, ARENALLOC_ARENA(4000));
	AC_ASSERT(!p, "mallocx from nonexistent arena 4000 = %p", p);
	p = arenalloc_mallocx(100000, ARENALLOC_ARENA(4000));
	AC_ASSERT(!p, "mallocx(100000) from nonexistent arena 4000 = %p", p);
}

#define NBOUND	512

AC_CASE(thread_arena_binding_reads_and_writes)
{
	static void *objs[NBOUND];
	unsigned int cur = 0, ind, back = 0, i;
	size_t len = sizeof(cur), pdirty = 0;
	char name[64];
	int ret;

	AC_ASSERT(arenalloc_ctl("thread.arena", &cur, &len, NULL, 0) == 0, "thread.arena read");
	ind = create_arena(test);
	ret = arenalloc_ctl("thread.arena", NULL, NULL, &ind, sizeof(ind));
	AC_ASSERT(ret == 0, "thread.arena <- %u: %d", ind, ret);
	len = sizeof(back);
	AC_ASSERT(arenalloc_ctl("thread.arena", &back, &len, NULL, 0) == 0 && back == ind,
		  "thread.arena reads %u after writing %u", back, ind);
	/* While bound, malloc() is served by the manual arena itself... */
	for (i = 0; i < NBOUND; i++) {
		objs[i] = arenalloc_malloc(i % 2 ? 100 : 40000);
		AC_ASSERT(objs[i], "malloc while bound to a manual arena");
	}
	for (i = 0; i < NBOUND; i++)
		arenalloc_free(objs[i]);
	snprintf(name, sizeof(name), "stats.arenas.%u.pdirty", ind);
	AC_ASSERT(ac_ctl_size(name, &pdirty) == 0 && pdirty >= NBOUND / 2 * 40000 / 4096,
		  "%s is %zu: the objects did not come from the manual arena", name, pdirty);
	ret = arenalloc_ctl("thread.arena", NULL, NULL, &cur, sizeof(cur));
	AC_ASSERT(ret == 0, "thread.arena <- %u back: %d", cur, ret);
	ret = arenalloc_ctl("thread.arena", NULL, NULL, &(unsigned int){ 4000 },
			    sizeof(unsigned int));
	AC_ASSERT(ret != 0, "binding to nonexistent arena 4000 succeeded");
	AC_ASSERT(destroy_arena(ind) == 0, "arena.%u.destroy", ind);
	/* ...and none of its memory stayed in the thread's cache after destroy. */
	for (i = 0; i < NBOUND; i++) {
		objs[i] = arenalloc_malloc(100);
		AC_ASSERT(objs[i], "malloc after destroy");
		memset(objs[i], 0x3c, 100);
	}
	for (i = 0; i < NBOUND; i++)
		arenalloc_free(objs[i]);
}

/*
 * Out of address space: with RLIMIT_AS a little above what the process
 * uses, allocations of every kind fail with NULL and ENOMEM, nothing
 * crashes, and once memory is freed allocation works again.  In a child,
 * since the limit cannot be raised back.
 */
static int oom_child(void)
{
	static void *held[65536];
	struct rlimit rl = { 256UL << 20, 256UL << 20 };
	/* Largest first: once mappings fail, smaller sizes run dry within a chunk. */
	size_t sizes[] = { 5UL << 20, 300000, 20000, 100 };
	unsigned int n = 0, k;
	int ret = 0;

	/* What the process maps already stays under the limit; new mappings count. */
	if (setrlimit(RLIMIT_AS, &rl))
		return 10;
	for (k = 0; k < 4; k++) {
		void *p;

		for (;;) {
			errno = 0;
			p = arenalloc_malloc(sizes[k]);
			if (!p)
				break;
			if (n == 65536)
				return 11;	/* the limit never bit */
			memset(p, 1, sizes[k] < 4096 ? sizes[k] : 4096);
			held[n++] = p;
		}
		if (errno != ENOMEM)
			ret = 12;
	}
	errno = 0;
	if (arenalloc_calloc(1, 64UL << 20) || errno != ENOMEM)
		ret = 13;
	if (!arenalloc_posix_memalign(&held[0], 1UL << 20, 64UL << 20))
		ret = 14;
	while (n)
		arenalloc_free(held[--n]);
	for (k = 0; k < 4 && !ret; k++) {
		void *p = arenalloc_malloc(sizes[k]);

		if (!p)
			ret = 15;
		arenalloc_free(p);
	}
	return ret;
}

AC_CASE(out_of_memory_is_null_and_enomem)
{
	int status = 0;
	pid_t pid;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	AC_SKIP("sanitizers reserve more address space than any limit allows");
#endif
	pid = fork();
	AC_ASSERT(pid >= 0, "fork");
	if (!pid)
		_exit(oom_child());
	AC_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	AC_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child status %#x (exit code names the failed step)", status);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(out_of_memory_is_null_and_enomem),
	AC_CASE_ENTRY(malloc_zero_is_unique_and_freeable),
	AC_CASE_ENTRY(free_null_is_a_no_op),
	AC_CASE_ENTRY(calloc_overflow_fails_with_enomem),
	AC_CASE_ENTRY(calloc_zeroes_recycled_dirty_memory),
	AC_CASE_ENTRY(realloc_null_and_zero_follow_glibc),
	AC_CASE_ENTRY(realloc_keeps_content_across_size_ranges),
	AC_CASE_ENTRY(realloc_to_impossible_size_fails_and_keeps_original),
	AC_CASE_ENTRY(reallocarray_checks_overflow),
	AC_CASE_ENTRY(posix_memalign_every_alignment),
	AC_CASE_ENTRY(posix_memalign_rejects_bad_alignment),
	AC_CASE_ENTRY(aligned_alloc_needs_a_power_of_two),
	AC_CASE_ENTRY(memalign_rounds_odd_alignments_up),
	AC_CASE_ENTRY(valloc_and_pvalloc_are_page_aligned),
	AC_CASE_ENTRY(usable_size_is_usable),
	AC_CASE_ENTRY(malloc_of_impossible_size_fails_with_enomem),
	AC_CASE_ENTRY(mallocx_align_and_zero),
	AC_CASE_ENTRY(nallocx_predicts_sallocx),
	AC_CASE_ENTRY(rallocx_zero_clears_the_grown_tail),
	AC_CASE_ENTRY(rallocx_with_alignment_moves_when_needed),
	AC_CASE_ENTRY(xallocx_grows_large_in_place_without_moving),
	AC_CASE_ENTRY(xallocx_in_the_thread_arena_never_moves),
	AC_CASE_ENTRY(sdallocx_and_dallocx_account_exactly),
	AC_CASE_ENTRY(manual_arenas_serve_and_destroy),
	AC_CASE_ENTRY(automatic_or_missing_arenas_cannot_be_destroyed),
	AC_CASE_ENTRY(thread_arena_binding_reads_and_writes),
	{ NULL, NULL },
};

int main(void)
{
	return tap_run(cases);
}
