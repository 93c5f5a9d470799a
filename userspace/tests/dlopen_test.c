// SPDX-License-Identifier: GPL-2.0
/*
 * libarenalloc loaded late: dlopen() of libarenalloc.so in a process that
 * is already running threads, with glibc's malloc serving everything else.
 *
 * Proves that the library's initial-exec TLS fits in the static TLS space
 * glibc keeps for late-loaded libraries (dlopen would fail otherwise),
 * that it initialises itself on first use from any thread, that threads
 * which existed before the dlopen can use it, and that its per-thread
 * caches are given back when those threads exit.  The library comes from
 * $ARENALLOC_TEST_LIB (set by the Makefile); without it the test skips.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static void *(*lib_malloc)(size_t size);
static void (*lib_free)(void *ptr);
static int (*lib_ctl)(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
static void *handle;

static pthread_barrier_t loaded;

static size_t lib_allocated(void)
{
	uint64_t e = 1;
	size_t v = 0, len = sizeof(v), elen = sizeof(e);

	lib_ctl("epoch", &e, &elen, &e, elen);
	lib_ctl("stats.allocated", &v, &len, NULL, 0);
	return v;
}

/* Started before the dlopen(); uses the library once it is there. */
static void *early_thread(void *arg)
{
	long bad = 0;
	int i, j;

	pthread_barrier_wait(&loaded);
	for (i = 0; i < 2000; i++) {
		unsigned char *p[16];

		for (j = 0; j < 16; j++) {
			size_t n = 16 + (size_t)((i * 16 + j) % 700);

			p[j] = lib_malloc(n);
			if (!p[j])
				return (void *)1L;
			memset(p[j], j, n);
		}
		for (j = 0; j < 16; j++) {
			bad += p[j][0] != j;
			lib_free(p[j]);
		}
	}
	return (void *)bad;
}

AC_CASE(dlopen_late_with_threads_running)
{
	const char *path = getenv("ARENALLOC_TEST_LIB");
	pthread_t t[4];
	size_t before;
	void *ret;
	int i;

	AC_ASSERT(path, "ARENALLOC_TEST_LIB is not set");
	pthread_barrier_init(&loaded, NULL, 5);
	for (i = 0; i < 4; i++)
		AC_ASSERT(!pthread_create(&t[i], NULL, early_thread, NULL), "pthread_create");

	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	AC_ASSERT(handle, "dlopen: %s", dlerror());
	lib_malloc = (void *(*)(size_t))dlsym(handle, "arenalloc_malloc");
	lib_free = (void (*)(void *))dlsym(handle, "arenalloc_free");
	lib_ctl = (int (*)(const char *, void *, size_t *, void *, size_t))
		  dlsym(handle, "arenalloc_ctl");
	AC_ASSERT(lib_malloc && lib_free && lib_ctl, "dlsym");
	before = lib_allocated();
	pthread_barrier_wait(&loaded);

	for (i = 0; i < 4; i++) {
		AC_ASSERT(!pthread_join(t[i], &ret), "pthread_join");
		AC_ASSERT(!ret, "thread %d: %ld bad results", i, (long)ret);
	}
	/* The threads exited: their caches went back, nothing is left allocated. */
	AC_ASSERT(lib_allocated() <= before, "allocated %zu after the threads exited (%zu before)",
		  lib_allocated(), before);
	pthread_barrier_destroy(&loaded);
}

/* Only symbols of the public API are exported by the shared library. */
AC_CASE(only_the_api_is_exported)
{
	AC_ASSERT(handle, "not loaded");
	AC_ASSERT(dlsym(handle, "mallctl") && dlsym(handle, "malloc_stats_print") &&
		  dlsym(handle, "malloc") && dlsym(handle, "arenalloc_mallocx"),
		  "a public name is missing");
	AC_ASSERT(!dlsym(handle, "aa_malloc_slow") && !dlsym(handle, "aa_opt") &&
		  !dlsym(handle, "aa_arenas") && !dlsym(handle, "acd_curve"),
		  "an internal name is exported");
}

static const struct tap_case cases[] = {
	{ "dlopen_late_with_threads_running", dlopen_late_with_threads_running },
	{ "only_the_api_is_exported", only_the_api_is_exported },
	{ NULL, NULL },
};

int main(void)
{
	return tap_run(cases);
}
