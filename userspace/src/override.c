// SPDX-License-Identifier: GPL-2.0
/*
 * The standard and jemalloc names, for programs that link the library or
 * preload it.
 *
 * Each forwards to its arenalloc_ function with a tail call (one jump:
 * the shared library binds its own calls locally, -Bsymbolic-functions).  With LD_PRELOAD, or when libarenalloc.a is linked into
 * a program, these definitions come before glibc's, and every malloc in
 * the process (C++'s operator new, strdup, stdio) is ours.  The
 * jemalloc names (mallocx, mallctl, malloc_stats_print, ...) let a
 * program written for jemalloc query this allocator and get true figures.
 * The core (everything but this file) defines none of these names, so
 * the tests can run it under sanitizers that bring their own malloc.
 */
#include <stddef.h>
#include <stdlib.h>
#include <malloc.h>

#include "internal.h"

/* ret NAME(params) { return TARGET(args); } with default visibility. */
#define FWD(name, target, ret, params, args)					\
	__attribute__((visibility("default"))) ret name params;			\
	ret name params { return target args; }

FWD(malloc, arenalloc_malloc, void *, (size_t size), (size))
FWD(calloc, arenalloc_calloc, void *, (size_t n, size_t size), (n, size))
FWD(realloc, arenalloc_realloc, void *, (void *ptr, size_t size), (ptr, size))
FWD(reallocarray, arenalloc_reallocarray, void *, (void *ptr, size_t n, size_t size), (ptr, n, size))
FWD(free, arenalloc_free, void, (void *ptr), (ptr))
FWD(cfree, arenalloc_free, void, (void *ptr), (ptr))
FWD(posix_memalign, arenalloc_posix_memalign, int, (void **p, size_t align, size_t size), (p, align, size))
FWD(aligned_alloc, arenalloc_aligned_alloc, void *, (size_t align, size_t size), (align, size))
FWD(memalign, arenalloc_memalign, void *, (size_t align, size_t size), (align, size))
FWD(valloc, arenalloc_valloc, void *, (size_t size), (size))
FWD(pvalloc, arenalloc_pvalloc, void *, (size_t size), (size))
FWD(malloc_usable_size, arenalloc_malloc_usable_size, size_t, (void *ptr), (ptr))

/* glibc's internal names, which some programs and libraries call directly. */
FWD(__libc_malloc, arenalloc_malloc, void *, (size_t size), (size))
FWD(__libc_calloc, arenalloc_calloc, void *, (size_t n, size_t size), (n, size))
FWD(__libc_realloc, arenalloc_realloc, void *, (void *ptr, size_t size), (ptr, size))
FWD(__libc_free, arenalloc_free, void, (void *ptr), (ptr))
FWD(__libc_memalign, arenalloc_memalign, void *, (size_t align, size_t size), (align, size))
FWD(__libc_valloc, arenalloc_valloc, void *, (size_t size), (size))
FWD(__libc_pvalloc, arenalloc_pvalloc, void *, (size_t size), (size))

/* jemalloc's non-standard API. */
FWD(mallocx, arenalloc_mallocx, void *, (size_t size, int flags), (size, flags))
FWD(rallocx, arenalloc_rallocx, void *, (void *ptr, size_t size, int flags), (ptr, size, flags))
FWD(xallocx, arenalloc_xallocx, size_t, (void *ptr, size_t size, size_t extra, int flags), (ptr, size, extra, flags))
FWD(sallocx, arenalloc_sallocx, size_t, (const void *ptr, int flags), (ptr, flags))
FWD(dallocx, arenalloc_dallocx, void, (void *ptr, int flags), (ptr, flags))
FWD(sdallocx, arenalloc_sdallocx, void, (void *ptr, size_t size, int flags), (ptr, size, flags))
FWD(nallocx, arenalloc_nallocx, size_t, (size_t size, int flags), (size, flags))
FWD(mallctl, arenalloc_ctl, int,
    (const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen),
    (name, oldp, oldlenp, newp, newlen))
FWD(malloc_stats_print, arenalloc_stats_print, void,
    (void (*cb)(void *, const char *), void *opaque, const char *opts), (cb, opaque, opts))

/*
 * glibc's malloc_trim(): give back every free page of every arena now.
 * Return: 1 (memory may have been released), as glibc does when it did.
 */
__attribute__((visibility("default")))
int malloc_trim(size_t pad)
{
	unsigned int i, n;

	(void)pad;
	if (!aa_init())
		return 0;
	n = __atomic_load_n(&aa_narenas_total, __ATOMIC_ACQUIRE);
	if (aa_tsd.state == AA_TSTATE_LIVE)
		aa_tcache_flush(aa_tsd.tcache);
	for (i = 0; i < n; i++) {
		struct arena *a = aa_arena_get(i, false);

		if (a)
			aa_arena_purge(a, true);
	}
	return 1;
}
