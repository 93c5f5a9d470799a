// SPDX-License-Identifier: GPL-2.0
/*
 * Invalid frees: a pointer to the stack, a pointer into the middle of an
 * allocation (malloc() + 8; a large one's first page, of a class the
 * thread cache keeps, + 16), a large or huge allocation freed twice, an
 * invalid realloc().
 *
 * Built with ARENALLOC_DEBUG (the -debug flavour) the library aborts on
 * each: the child dies by SIGABRT after a message on stderr that says
 * "invalid pointer" or "double free".  Otherwise it reports the first one
 * on stderr, once per process, and ignores it: the child goes on, and its
 * heap must still be sound: the object the bad pointer pointed into stays
 * intact and is never handed out again while it lives, and thousands of
 * new objects of the same size class neither overlap it nor each other.
 *
 * Each bad free runs in a child process (a re-execution of this program),
 * whose stderr and fate the parent checks.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arenalloc.h>

#include "child.h"
#include "ctlutil.h"
#include "tap.h"

#ifdef ARENALLOC_DEBUG
#define DEBUG_BUILD	1
#else
#define DEBUG_BUILD	0
#endif

#define CHILD_LIMIT_S	120.0	/* a hang bound: TSan children take 15-30 s on a loaded host */
#define NCHECK		4000
#define KiB		((size_t)1 << 10)
#define MiB		((size_t)1 << 20)

/* ==== Child ==================================================================== */

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * After the bad free: @victim (size @vsize, filled with 0xv5, may be NULL)
 * is still live; allocate many objects of @size, fill them, and check that
 * none overlaps another or the victim and that the victim is intact.
 */
static int heap_sound(unsigned char *victim, size_t vsize, size_t size)
{
	static uintptr_t v[NCHECK + 1];
	unsigned int i, n = 0;
	size_t k;

	for (i = 0; i < NCHECK; i++) {
		unsigned char *p = arenalloc_malloc(size);

		if (!p) {
			printf("# malloc(%zu) failed after the bad free\n", size);
			return 1;
		}
		memset(p, (int)(i & 0x7f), size);
		v[n++] = (uintptr_t)p;
	}
	for (i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)v[i];

		for (k = 0; k < size; k++)
			if (p[k] != (unsigned char)(i & 0x7f)) {
				printf("# object %u (%p) overwritten at byte %zu: overlap\n",
				       i, (void *)p, k);
				return 1;
			}
	}
	if (victim) {
		for (k = 0; k < vsize; k++)
			if (victim[k] != 0xc5) {
				printf("# the live object %p was overwritten at byte %zu\n",
				       (void *)victim, k);
				return 1;
			}
		v[n++] = (uintptr_t)victim;
	}
	qsort(v, n, sizeof(v[0]), cmp_ptr);
	for (i = 1; i < n; i++) {
		size_t first = arenalloc_malloc_usable_size((void *)v[i - 1]);

		if (v[i - 1] + (first ? first : size) > v[i]) {
			printf("# %p (usable %zu) overlaps %p\n", (void *)v[i - 1], first,
			       (void *)v[i]);
			return 1;
		}
	}
	for (i = 0; i < n; i++)
		if ((unsigned char *)v[i] != victim)
			arenalloc_free((void *)v[i]);
	/* and a flush, which sends cached regions back to their slabs */
	ac_ctl_void("thread.tcache.flush");
	return 0;
}

static unsigned char *victim_new(size_t size)
{
	unsigned char *p = arenalloc_malloc(size);

	if (p)
		memset(p, 0xc5, size);
	return p;
}

static int child_main(const char *mode)
{
	unsigned char *p, *q;
	char local[64];
	int ret;

	/* the library is up before anything goes wrong */
	arenalloc_free(arenalloc_malloc(1));
	memset(local, 0, sizeof(local));

	if (!strcmp(mode, "stack")) {
		arenalloc_free(local + 16);
		ret = heap_sound(NULL, 0, 48);
	} else if (!strcmp(mode, "interior")) {
		p = victim_new(100);
		arenalloc_free(p + 8);
		ret = heap_sound(p, 100, 100);
		arenalloc_free(p);
	} else if (!strcmp(mode, "interior_large")) {
		p = victim_new(100 * KiB);
		arenalloc_free(p + 4096);
		ret = heap_sound(p, 100 * KiB, 100 * KiB - 1);
		arenalloc_free(p);
	} else if (!strcmp(mode, "interior_cached_large")) {
		/* a large class the thread cache keeps, 16 bytes into its first page */
		p = victim_new(20 * KiB);
		arenalloc_free(p + 16);
		ret = heap_sound(p, 20 * KiB, 20 * KiB);
		arenalloc_free(p);
	} else if (!strcmp(mode, "double_large")) {
		p = victim_new(200 * KiB);
		arenalloc_free(p);
		arenalloc_free(p);
		ret = heap_sound(NULL, 0, 200 * KiB);
	} else if (!strcmp(mode, "double_huge")) {
		p = victim_new(5 * MiB);
		arenalloc_free(p);
		arenalloc_free(p);
		ret = heap_sound(NULL, 0, 64);
	} else if (!strcmp(mode, "double_small")) {
		/* release builds need not catch this one at once (debug builds do) */
		p = victim_new(64);
		arenalloc_free(p);
		arenalloc_free(p);
		ret = 0;
	} else if (!strcmp(mode, "realloc_stack")) {
		errno = 0;
		q = arenalloc_realloc(local, 100);
		if (q) {
			printf("# realloc of a stack address returned %p\n", (void *)q);
			return 1;
		}
		ret = heap_sound(NULL, 0, 100);
	} else if (!strcmp(mode, "twice")) {
		/* two bad frees: release builds report the first only */
		arenalloc_free(local + 8);
		p = victim_new(100);
		arenalloc_free(p + 16);
		ret = heap_sound(p, 100, 100);
		arenalloc_free(p);
	} else if (!strcmp(mode, "sdallocx_wrong_size")) {
		p = arenalloc_mallocx(100, 0);
		arenalloc_sdallocx(p, 5000, 0);
		ret = 0;
	} else {
		printf("# unknown mode %s\n", mode);
		return 2;
	}
	if (!ret)
		printf("survived\n");
	fflush(stdout);
	return ret;
}

/* ==== Parent ==================================================================== */

static bool says_invalid(const char *err)
{
	return strstr(err, "invalid pointer") || strstr(err, "double free");
}

/*
 * Runs @mode.  Debug builds: the child must die by SIGABRT saying
 * "invalid pointer" or "double free" (@any_message: anything).  Release
 * builds: it must go on with a sound heap, having said so on exactly one
 * line (@reported) or on none.
 */
static void bad_free(struct tap_ctx *test, const char *mode, bool reported, bool any_message)
{
	struct ac_child r;
	bool ok, aborted, said;
	unsigned int lines;

	AC_ASSERT(ac_run_self(&r, mode, NULL, NULL, CHILD_LIMIT_S) == 0, "cannot start child");
	aborted = !r.timed_out && WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGABRT;
	ok = ac_child_ok(&r) && strstr(r.out, "survived");
	said = any_message ? r.errlen > 0 : says_invalid(r.err);
	lines = ac_count_lines_with(r.err, "<arenalloc>") ?: ac_count_lines(r.err);
	if (DEBUG_BUILD ? !aborted || !said : !ok || (reported && (!said || lines != 1)))
		printf("# mode %s: status %#x%s\n# stdout: %s# stderr: %s\n", mode, r.status,
		       r.timed_out ? " (timed out)" : "", r.out, r.err);
	ac_child_release(&r);
	AC_ASSERT(!r.timed_out, "%s: child hung", mode);
	if (DEBUG_BUILD) {
		AC_ASSERT(aborted, "%s: debug build did not abort (status %#x)", mode, r.status);
		AC_ASSERT(said, "%s: no \"invalid pointer\" or \"double free\" on stderr", mode);
		return;
	}
	AC_ASSERT(ok, "%s: release build did not carry on with a sound heap (status %#x)", mode,
		  r.status);
	if (reported) {
		AC_ASSERT(said, "%s: not reported on stderr", mode);
		AC_ASSERT(lines == 1, "%s: reported on %u lines, want 1", mode, lines);
	}
}

AC_CASE(free_of_a_stack_address)
{
	bad_free(test, "stack", true, false);
}

AC_CASE(free_of_an_interior_pointer)
{
	bad_free(test, "interior", true, false);
}

AC_CASE(free_of_an_interior_pointer_of_a_large)
{
	bad_free(test, "interior_large", true, false);
}

AC_CASE(free_of_an_interior_pointer_of_a_cached_large)
{
	bad_free(test, "interior_cached_large", true, false);
}

AC_CASE(double_free_of_a_large)
{
	bad_free(test, "double_large", true, false);
}

AC_CASE(double_free_of_a_huge)
{
	bad_free(test, "double_huge", true, false);
}

AC_CASE(double_free_of_a_small_in_debug_builds)
{
	if (!DEBUG_BUILD)
		AC_SKIP("release builds catch it only when the region reaches its slab");
	bad_free(test, "double_small", true, false);
}

AC_CASE(realloc_of_a_stack_address)
{
	bad_free(test, "realloc_stack", true, false);
}

AC_CASE(second_bad_free_is_not_reported_again)
{
	bad_free(test, "twice", true, false);
}

AC_CASE(sdallocx_with_a_wrong_size_in_debug_builds)
{
	if (!DEBUG_BUILD)
		AC_SKIP("release builds trust the size");
	bad_free(test, "sdallocx_wrong_size", false, true);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(free_of_a_stack_address),
	AC_CASE_ENTRY(free_of_an_interior_pointer),
	AC_CASE_ENTRY(free_of_an_interior_pointer_of_a_large),
	AC_CASE_ENTRY(free_of_an_interior_pointer_of_a_cached_large),
	AC_CASE_ENTRY(double_free_of_a_large),
	AC_CASE_ENTRY(double_free_of_a_huge),
	AC_CASE_ENTRY(double_free_of_a_small_in_debug_builds),
	AC_CASE_ENTRY(realloc_of_a_stack_address),
	AC_CASE_ENTRY(second_bad_free_is_not_reported_again),
	AC_CASE_ENTRY(sdallocx_with_a_wrong_size_in_debug_builds),
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	const char *mode = ac_child_mode(argc, argv);

	if (mode)
		return child_main(mode);
	return tap_run(cases);
}
