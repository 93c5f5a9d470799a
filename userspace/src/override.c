// SPDX-License-Identifier: GPL-2.0
/*
 * The standard and jemalloc names, for programs that link the library or
 * preload it.
 *
 * Each forwards to its arenalloc_ function with a tail call (one jump:
 * the shared library binds its own calls locally, -Bsymbolic-functions).
 * With LD_PRELOAD, or when libarenalloc.a is linked into a program, these
 * definitions come before glibc's, and every malloc in
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

/* Everything defined here is exported. */
#pragma GCC visibility push(default)

void *malloc(size_t size)
{
	return arenalloc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	return arenalloc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
	return arenalloc_realloc(ptr, size);
}

void *reallocarray(void *ptr, size_t n, size_t size)
{
	return arenalloc_reallocarray(ptr, n, size);
}

void free(void *ptr)
{
	arenalloc_free(ptr);
}

void cfree(void *ptr)
{
	arenalloc_free(ptr);
}

int posix_memalign(void **p, size_t align, size_t size)
{
	return arenalloc_posix_memalign(p, align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	return arenalloc_aligned_alloc(align, size);
}

void *memalign(size_t align, size_t size)
{
	return arenalloc_memalign(align, size);
}

void *valloc(size_t size)
{
	return arenalloc_valloc(size);
}

void *pvalloc(size_t size)
{
	return arenalloc_pvalloc(size);
}

size_t malloc_usable_size(void *ptr)
{
	return arenalloc_malloc_usable_size(ptr);
}

/* glibc's internal names, which some programs and libraries call directly. */
void *__libc_malloc(size_t size)
{
	return arenalloc_malloc(size);
}

void *__libc_calloc(size_t n, size_t size)
{
	return arenalloc_calloc(n, size);
}

void *__libc_realloc(void *ptr, size_t size)
{
	return arenalloc_realloc(ptr, size);
}

void __libc_free(void *ptr)
{
	arenalloc_free(ptr);
}

void *__libc_memalign(size_t align, size_t size)
{
	return arenalloc_memalign(align, size);
}

void *__libc_valloc(size_t size)
{
	return arenalloc_valloc(size);
}

void *__libc_pvalloc(size_t size)
{
	return arenalloc_pvalloc(size);
}

/* jemalloc's non-standard API. */
void *mallocx(size_t size, int flags)
{
	return arenalloc_mallocx(size, flags);
}

void *rallocx(void *ptr, size_t size, int flags)
{
	return arenalloc_rallocx(ptr, size, flags);
}

size_t xallocx(void *ptr, size_t size, size_t extra, int flags)
{
	return arenalloc_xallocx(ptr, size, extra, flags);
}

size_t sallocx(const void *ptr, int flags)
{
	return arenalloc_sallocx(ptr, flags);
}

void dallocx(void *ptr, int flags)
{
	arenalloc_dallocx(ptr, flags);
}

void sdallocx(void *ptr, size_t size, int flags)
{
	arenalloc_sdallocx(ptr, size, flags);
}

size_t nallocx(size_t size, int flags)
{
	return arenalloc_nallocx(size, flags);
}

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
	return arenalloc_ctl(name, oldp, oldlenp, newp, newlen);
}

int mallctlnametomib(const char *name, size_t *mibp, size_t *miblenp)
{
	return arenalloc_ctlnametomib(name, mibp, miblenp);
}

int mallctlbymib(const size_t *mib, size_t miblen, void *oldp, size_t *oldlenp, void *newp,
		 size_t newlen)
{
	return arenalloc_ctlbymib(mib, miblen, oldp, oldlenp, newp, newlen);
}

void malloc_stats_print(void (*write_cb)(void *opaque, const char *text), void *cbopaque,
			const char *opts)
{
	arenalloc_stats_print(write_cb, cbopaque, opts);
}

/*
 * glibc's malloc_trim(): give back every free page of every arena now.
 * Return: 1 (memory may have been released), as glibc does when it did.
 */
int malloc_trim(size_t pad)
{
	(void)pad;
	if (!aa_init())
		return 0;
	if (aa_tsd.state == AA_TSTATE_LIVE)
		aa_tcache_flush(aa_tsd.tcache);
	aa_arenas_purge(true);
	return 1;
}

#pragma GCC visibility pop
