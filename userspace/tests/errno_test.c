// SPDX-License-Identifier: GPL-2.0
/*
 * errno is the program's (jemalloc#1873, our shared case 17).
 *
 * C11 7.5p3: errno is zero at program start-up.  The library starts
 * before main() and tries things that may fail and are recovered from
 * (opening /dev/arenalloc, reading cgroup files, MADV_FREE); none of
 * that may show in errno, and no successful call may change it either.
 * Checked: errno at the very start of main() (in processes started with
 * the default configuration and with chunk_source:device, which reports
 * an absent device), and a sentinel value across successful calls of
 * every entry point, including a new thread's first ones, calls that
 * map, unmap, resize in place or purge, and control calls.
 * tests/preload.sh checks the start-up with the library preloaded.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arenalloc.h>

#include "child.h"
#include "tap.h"

#define SENTINEL	12345

static int errno_at_main;

/* Run @call with errno set to a sentinel; assert the call left it. */
#define KEEPS_ERRNO(call)							\
	do {									\
		errno = SENTINEL;						\
		call;								\
		AC_ASSERT(errno == SENTINEL, "%s set errno to %d (%s)", #call,	\
			  errno, strerror(errno));				\
	} while (0)

static void check_calls(struct tap_ctx *test)
{
	static const size_t sizes[] = { 1, 100, 3000, 20000, 300000, (size_t)3 << 20,
					 (size_t)40 << 20 };
	unsigned int i, ind;
	size_t len = sizeof(ind), usize;
	uint64_t e = 1;
	void *p, *q;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		KEEPS_ERRNO(p = arenalloc_malloc(sizes[i]));
		AC_ASSERT(p, "malloc(%zu)", sizes[i]);
		memset(p, 1, sizes[i]);
		KEEPS_ERRNO(q = arenalloc_realloc(p, sizes[i] * 2 + 1));
		AC_ASSERT(q, "realloc");
		KEEPS_ERRNO(p = arenalloc_realloc(q, sizes[i] / 2 + 1));
		AC_ASSERT(p, "realloc down");
		KEEPS_ERRNO(usize = arenalloc_xallocx(p, sizes[i] / 4 + 1, 0, 0));
		AC_ASSERT(usize, "xallocx");
		KEEPS_ERRNO(arenalloc_free(p));
		KEEPS_ERRNO(p = arenalloc_calloc(1, sizes[i]));
		KEEPS_ERRNO(arenalloc_free(p));
		KEEPS_ERRNO(p = arenalloc_mallocx(sizes[i],
						  ARENALLOC_LG_ALIGN(16) | ARENALLOC_ZERO));
		KEEPS_ERRNO(p = arenalloc_rallocx(p, sizes[i] + 5000, ARENALLOC_LG_ALIGN(16)));
		KEEPS_ERRNO(usize = arenalloc_sallocx(p, 0));
		KEEPS_ERRNO(usize = arenalloc_nallocx(sizes[i], 0));
		KEEPS_ERRNO(arenalloc_sdallocx(p, sizes[i] + 5000, ARENALLOC_LG_ALIGN(16)));
		KEEPS_ERRNO(AC_ASSERT(!arenalloc_posix_memalign(&p, 4096, sizes[i]), "memalign"));
		KEEPS_ERRNO(arenalloc_dallocx(p, ARENALLOC_TCACHE_NONE));
		KEEPS_ERRNO(p = arenalloc_aligned_alloc(64, sizes[i]));
		KEEPS_ERRNO(arenalloc_free(p));
	}
	KEEPS_ERRNO(AC_ASSERT(!arenalloc_ctl("arenas.create", &ind, &len, NULL, 0), "create"));
	KEEPS_ERRNO(p = arenalloc_mallocx(5000, ARENALLOC_ARENA(ind)));
	KEEPS_ERRNO(arenalloc_free(p));
	KEEPS_ERRNO(AC_ASSERT(!arenalloc_ctl("thread.tcache.flush", NULL, NULL, NULL, 0), "flush"));
	KEEPS_ERRNO(AC_ASSERT(!arenalloc_ctl("arena.0.purge", NULL, NULL, NULL, 0), "purge"));
	KEEPS_ERRNO(AC_ASSERT(!arenalloc_ctl("arena.0.decay", NULL, NULL, NULL, 0), "decay"));
	KEEPS_ERRNO(AC_ASSERT(!arenalloc_ctl("epoch", NULL, NULL, &e, sizeof(e)), "epoch"));
	KEEPS_ERRNO(AC_ASSERT(!arenalloc_ctl("stats.allocated", &usize, &(size_t){ sizeof(usize) },
					     NULL, 0), "stats"));
}

static void *thread_first_calls(void *arg)
{
	int *bad = arg;
	void *p;

	errno = SENTINEL;
	p = arenalloc_malloc(48);
	arenalloc_free(p);
	p = arenalloc_malloc((size_t)2 << 20);
	arenalloc_free(p);
	*bad = errno != SENTINEL ? errno : 0;
	return NULL;
}

AC_CASE(zero_at_the_start_of_main)
{
	AC_ASSERT(errno_at_main == 0, "errno was %d (%s) when main() began", errno_at_main,
		  strerror(errno_at_main));
}

AC_CASE(zero_at_start_with_device_asked_for)
{
	struct ac_child r;

	/* Reports an absent device on stderr, and must still leave errno alone. */
	AC_ASSERT(!ac_run_self(&r, "errno", NULL, "chunk_source:device", 30), "child");
	AC_ASSERT(ac_child_ok(&r), "status %#x", r.status);
	AC_ASSERT(!strcmp(r.out, "0\n"), "errno at main() in the child: %s", r.out);
	ac_child_release(&r);
}

AC_CASE(successful_calls_keep_errno)
{
	check_calls(test);
}

AC_CASE(first_calls_of_a_thread_keep_errno)
{
	pthread_t t;
	int bad = -1;

	AC_ASSERT(!pthread_create(&t, NULL, thread_first_calls, &bad), "pthread_create");
	pthread_join(t, NULL);
	AC_ASSERT(!bad, "a new thread's first calls set errno to %d", bad);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(zero_at_the_start_of_main),
	AC_CASE_ENTRY(zero_at_start_with_device_asked_for),
	AC_CASE_ENTRY(successful_calls_keep_errno),
	AC_CASE_ENTRY(first_calls_of_a_thread_keep_errno),
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	const char *mode;

	errno_at_main = errno;
	mode = ac_child_mode(argc, argv);
	if (mode && !strcmp(mode, "errno")) {
		printf("%d\n", errno_at_main);
		return 0;
	}
	return tap_run(cases);
}
