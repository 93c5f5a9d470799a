// SPDX-License-Identifier: GPL-2.0
/*
 * Freed memory goes back to the system: decay, the background thread and
 * explicit purges, measured where it matters, in resident memory.
 *
 * Each case re-executes this program with its own ARENALLOC_CONF (the
 * library reads it once).  The child allocates a 64 MiB burst of 32 KiB to
 * 512 KiB objects, touches every page, frees them all, flushes its thread
 * cache, and then watches how much of the burst stays resident: mincore()
 * over the burst's own pages, and (without ThreadSanitizer, whose shadow
 * memory never shrinks) the process's RSS from /proc/self/statm.
 *
 *   dirty_decay_ms:500, muzzy_decay_ms:0, and the program keeps calling
 *     malloc/free (decay is driven by allocator activity when there is no
 *     background thread): within 20 s at least 75% of the burst is gone.
 *   the same with background_thread:true and no activity at all: the
 *     background thread alone gets it down.
 *   dirty_decay_ms:-1 and "arena.<i>.purge": resident until the purge,
 *     gone right after it.
 *   decay off (-1) at start, then "arena.<i>.dirty_decay_ms" set to 200 ms
 *     and muzzy to 0 at run time: the burst goes as in the first case.
 *   dirty_decay_ms:-1 with activity for a second: nothing is given back
 *     and "stats.arenas.<i>.pdirty" still counts the pages.  A negative
 *     check with a time bound: it can only show that nothing was purged
 *     in that second, which is what -1 promises at the least.
 *   the default decay, 160 MiB freed and no call after: the arena keeps
 *     at most 32 MiB of it dirty (the bound on dirty pages beyond those
 *     in use, see Documentation/libarenalloc.rst), at once.
 *
 * Waits poll a condition every 50 ms up to a bound; none is a sleep
 * standing in for synchronisation.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <arenalloc.h>

#include "child.h"
#include "ctlutil.h"
#include "tap.h"

#define KiB		((size_t)1 << 10)
#define MiB		((size_t)1 << 20)
#define BURST		(64 * MiB)
#define MAX_OBJS	(BURST / (32 * KiB) + 1)
#define POLL_MS		50
#define DECAY_BOUND_S	20.0
#define CHILD_LIMIT_S	60.0

/* ==== The child's side =================================================== */

struct burst {
	void *p[MAX_OBJS];
	size_t size[MAX_OBJS];
	unsigned int n;
	size_t bytes;
	size_t rss_touched;	/* RSS with the whole burst resident */
};

static struct burst burst;
static unsigned char mvec[512 * KiB / 4096 + 2];

/* Bytes of the burst's pages that are resident (unmapped ones are not). */
static size_t burst_resident(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), total = 0;
	unsigned int i;

	for (i = 0; i < burst.n; i++) {
		uintptr_t start = (uintptr_t)burst.p[i] & ~(pg - 1);
		uintptr_t end = ((uintptr_t)burst.p[i] + burst.size[i] + pg - 1) & ~(pg - 1);
		size_t npages = (end - start) / pg, k;

		if (npages > sizeof(mvec))
			npages = sizeof(mvec);
		if (mincore((void *)start, npages * pg, mvec)) {
			/* partly unmapped: page by page */
			for (k = 0; k < npages; k++)
				if (!mincore((void *)(start + k * pg), pg, mvec) && (mvec[0] & 1))
					total += pg;
			continue;
		}
		for (k = 0; k < npages; k++)
			total += (mvec[k] & 1) ? pg : 0;
	}
	return total;
}

/* Allocates and touches the burst, frees it and flushes the cache. */
static int make_burst(void)
{
	uint64_t s = 88172645463325252ULL;
	unsigned int i;

	burst.n = 0;
	burst.bytes = 0;
	while (burst.bytes < BURST && burst.n < MAX_OBJS) {
		size_t n;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		n = 32 * KiB + (size_t)(s % (480 * KiB + 1));
		burst.p[burst.n] = arenalloc_malloc(n);
		if (!burst.p[burst.n]) {
			printf("# malloc(%zu) failed\n", n);
			return -1;
		}
		memset(burst.p[burst.n], 0x6b, n);
		burst.size[burst.n++] = n;
		burst.bytes += n;
	}
	burst.rss_touched = ac_rss_bytes();
	for (i = 0; i < burst.n; i++)
		arenalloc_free(burst.p[i]);
	if (ac_ctl_void("thread.tcache.flush")) {
		printf("# thread.tcache.flush failed\n");
		return -1;
	}
	return 0;
}

/*
 * Allocator activity that reaches the arena: small objects through the
 * cache, and objects that bypass it (large, or ARENALLOC_TCACHE_NONE).
 */
static void activity(void)
{
	void *v[16];
	unsigned int i;

	for (i = 0; i < 16; i++)
		v[i] = arenalloc_malloc(16 + i * 24);
	for (i = 0; i < 16; i++)
		arenalloc_free(v[i]);
	for (i = 0; i < 4; i++) {
		void *a = arenalloc_malloc(64 * KiB + i * 4096);
		void *b = arenalloc_mallocx(200, ARENALLOC_TCACHE_NONE);

		if (a)
			memset(a, 1, 64);
		arenalloc_free(a);
		arenalloc_dallocx(b, ARENALLOC_TCACHE_NONE);
	}
}

/* At least 75% of the burst is no longer resident. */
static bool burst_gone(size_t *res, size_t *rss)
{
	*res = burst_resident();
	*rss = ac_rss_bytes();
	if (*res > burst.bytes / 4)
		return false;
	if (AC_TSAN)
		return true;
	return *rss + burst.bytes * 3 / 4 <= burst.rss_touched;
}

static unsigned int thread_arena(void)
{
	unsigned int ind = 0;

	if (ac_ctl_unsigned("thread.arena", &ind))
		printf("# thread.arena unreadable\n");
	return ind;
}

static size_t arena_pdirty(unsigned int ind)
{
	char name[64];
	size_t v = (size_t)-1;

	ac_epoch();
	if (ac_ctl_size(ac_arena_name(name, sizeof(name), "stats.arenas", ind, "pdirty"), &v))
		return (size_t)-1;
	return v;
}

/* Waits for the burst to go, with (@busy) or without activity. */
static int child_wait(bool busy)
{
	double t0, deadline;
	size_t res = 0, rss = 0;

	printf("# burst %zu bytes in %u objects; resident after free %zu, RSS %zu -> %zu\n",
	       burst.bytes, burst.n, burst_resident(), burst.rss_touched, ac_rss_bytes());
	t0 = ac_now();
	deadline = t0 + DECAY_BOUND_S;
	while (!burst_gone(&res, &rss)) {
		if (ac_now() > deadline) {
			printf("# after %.0f s: %zu bytes of burst resident, RSS %zu (was %zu)\n",
			       DECAY_BOUND_S, res, rss, burst.rss_touched);
			return 1;
		}
		if (busy)
			activity();
		ac_pause_ms(POLL_MS);
	}
	printf("# burst given back after %.2f s (%zu bytes resident, RSS %zu)\n",
	       ac_now() - t0, res, rss);
	return 0;
}

static int child_decay(bool busy)
{
	if (make_burst())
		return 1;
	return child_wait(busy);
}

static int child_purge(void)
{
	unsigned int ind = thread_arena();
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), res, rss, pdirty;
	char name[64];
	int ret;

	if (make_burst())
		return 1;
	res = burst_resident();
	pdirty = arena_pdirty(ind);
	printf("# arena %u: %zu bytes of the burst resident, pdirty %zu\n", ind, res, pdirty);
	if (res < burst.bytes * 3 / 4) {
		printf("# dirty_decay_ms:-1 but the burst was given back before the purge\n");
		return 1;
	}
	if (pdirty == (size_t)-1 || pdirty * pg < burst.bytes * 3 / 4) {
		printf("# pdirty %zu pages does not count the burst (%zu bytes)\n", pdirty,
		       burst.bytes);
		return 1;
	}
	ret = ac_ctl_void(ac_arena_name(name, sizeof(name), "arena", ind, "purge"));
	if (ret) {
		printf("# %s: %d\n", name, ret);
		return 1;
	}
	/* at once: no waiting */
	if (!burst_gone(&res, &rss)) {
		printf("# right after %s: %zu bytes resident, RSS %zu (was %zu)\n", name, res,
		       rss, burst.rss_touched);
		return 1;
	}
	pdirty = arena_pdirty(ind);
	if (pdirty * pg > burst.bytes / 4) {
		printf("# after %s pdirty is still %zu pages\n", name, pdirty);
		return 1;
	}
	return 0;
}

static int child_keep(void)
{
	unsigned int ind = thread_arena();
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), res, pdirty;
	ssize_t ms = 0;
	char name[64];
	double end;

	if (ac_ctl_ssize(ac_arena_name(name, sizeof(name), "arena", ind, "dirty_decay_ms"), &ms) ||
	    ms != -1) {
		printf("# %s reads %zd, want -1\n", name, ms);
		return 1;
	}
	if (make_burst())
		return 1;
	end = ac_now() + 1.0;
	while (ac_now() < end) {
		activity();
		ac_pause_ms(POLL_MS);
	}
	res = burst_resident();
	pdirty = arena_pdirty(ind);
	printf("# after 1 s of activity: %zu of %zu bytes resident, pdirty %zu pages\n", res,
	       burst.bytes, pdirty);
	if (res < burst.bytes * 3 / 4) {
		printf("# dirty_decay_ms:-1 yet the burst was purged\n");
		return 1;
	}
	if (pdirty == (size_t)-1 || pdirty * pg < burst.bytes * 3 / 4) {
		printf("# pdirty %zu pages, want the burst's %zu bytes\n", pdirty, burst.bytes);
		return 1;
	}
	return 0;
}

/*
 * Started with decay off, the arena gets decay times at run time
 * ("arena.<i>.dirty_decay_ms"): from then on its pages decay as if
 * configured so from the start.
 */
static int child_runtime(void)
{
	unsigned int ind = thread_arena();
	ssize_t dirty = 200, muzzy = 0;
	char name[64];
	int ret;

	if (make_burst())
		return 1;
	ret = arenalloc_ctl(ac_arena_name(name, sizeof(name), "arena", ind, "dirty_decay_ms"),
			    NULL, NULL, &dirty, sizeof(dirty));
	ret = ret ? ret : arenalloc_ctl(ac_arena_name(name, sizeof(name), "arena", ind,
						      "muzzy_decay_ms"),
					NULL, NULL, &muzzy, sizeof(muzzy));
	if (ret) {
		printf("# %s: %d\n", name, ret);
		return 1;
	}
	return child_wait(true);
}

static int child_main(const char *mode)
{
	bool bg = false;
	size_t len = sizeof(bg);

	/* initialise, and check the configuration took */
	arenalloc_free(arenalloc_malloc(1));
	if (!strcmp(mode, "background")) {
		if (arenalloc_ctl("background_thread", &bg, &len, NULL, 0) || !bg) {
			printf("# background_thread is not on\n");
			return 1;
		}
		return child_decay(false);
	}
	if (!strcmp(mode, "activity"))
		return child_decay(true);
	if (!strcmp(mode, "purge"))
		return child_purge();
	if (!strcmp(mode, "keep"))
		return child_keep();
	if (!strcmp(mode, "runtime"))
		return child_runtime();
	printf("# unknown child mode %s\n", mode);
	return 2;
}

/* ==== The parent's side ==================================================== */

static void run_child(struct tap_ctx *test, const char *mode, const char *conf)
{
	struct ac_child r;
	bool ok;

	AC_ASSERT(ac_run_self(&r, mode, NULL, conf, CHILD_LIMIT_S) == 0, "cannot start child");
	fputs(r.out, stdout);
	if (r.errlen)
		printf("# child stderr: %s%s", r.err, r.err[r.errlen - 1] == '\n' ? "" : "\n");
	ok = ac_child_ok(&r);
	ac_child_release(&r);
	AC_ASSERT(!r.timed_out, "child %s timed out", mode);
	AC_ASSERT(ok, "child %s (ARENALLOC_CONF=%s) failed: status %#x", mode, conf, r.status);
}

AC_CASE(dirty_pages_decay_with_activity)
{
	run_child(test, "activity", "dirty_decay_ms:500,muzzy_decay_ms:0,background_thread:false");
}

AC_CASE(background_thread_decays_without_activity)
{
	run_child(test, "background", "dirty_decay_ms:500,muzzy_decay_ms:0,background_thread:true");
}

AC_CASE(arena_purge_gives_back_at_once)
{
	run_child(test, "purge", "dirty_decay_ms:-1,muzzy_decay_ms:0");
}

AC_CASE(negative_decay_time_keeps_dirty_pages)
{
	run_child(test, "keep", "dirty_decay_ms:-1,muzzy_decay_ms:-1");
}

AC_CASE(decay_set_at_run_time_takes_effect)
{
	run_child(test, "runtime", "dirty_decay_ms:-1,muzzy_decay_ms:-1");
}

/* The decay times are per arena and writable at run time. */
AC_CASE(decay_times_read_and_write)
{
	unsigned int ind = 0;
	ssize_t v = 0, old = 0, bad = -2;
	size_t len = sizeof(v);
	char name[64];

	AC_ASSERT(ac_ctl_unsigned("thread.arena", &ind) == 0, "thread.arena");
	ac_arena_name(name, sizeof(name), "arena", ind, "dirty_decay_ms");
	AC_ASSERT(ac_ctl_ssize(name, &old) == 0, "%s", name);
	v = 1234;
	AC_ASSERT(arenalloc_ctl(name, NULL, NULL, &v, sizeof(v)) == 0, "%s <- 1234", name);
	AC_ASSERT(ac_ctl_ssize(name, &v) == 0 && v == 1234, "%s reads %zd after 1234", name, v);
	AC_ASSERT(arenalloc_ctl(name, NULL, NULL, &bad, sizeof(bad)) == EINVAL,
		  "%s <- -2 accepted", name);
	AC_ASSERT(arenalloc_ctl(name, NULL, NULL, &v, sizeof(int)) == EINVAL,
		  "%s with a 4-byte value accepted", name);
	v = 0;
	len = sizeof(v);
	AC_ASSERT(arenalloc_ctl(name, &v, &len, &old, sizeof(old)) == 0 && v == 1234,
		  "%s read-and-write returned %zd", name, v);
	AC_ASSERT(ac_ctl_ssize(name, &v) == 0 && v == old, "%s not restored", name);

	ac_arena_name(name, sizeof(name), "arena", ind, "muzzy_decay_ms");
	AC_ASSERT(ac_ctl_ssize(name, &old) == 0, "%s", name);
	v = 0;
	AC_ASSERT(arenalloc_ctl(name, NULL, NULL, &v, sizeof(v)) == 0, "%s <- 0", name);
	AC_ASSERT(arenalloc_ctl(name, NULL, NULL, &old, sizeof(old)) == 0, "%s restore", name);
}

/*
 * An idle process keeps a bounded amount of freed memory: 160 MiB of
 * 1 MiB objects freed in a manual arena, with nothing in use there after,
 * leaves at most 32 MiB dirty right after the last free.
 */
AC_CASE(freed_memory_beyond_the_bound_goes_back_at_once)
{
	unsigned int ind, i;
	size_t len = sizeof(ind), page, dirty = 0;
	char name[64];
	void *p[160];

	AC_ASSERT(!ac_ctl_size("arenas.page", &page), "arenas.page");
	AC_ASSERT(!arenalloc_ctl("arenas.create", &ind, &len, NULL, 0), "arenas.create");
	for (i = 0; i < 160; i++) {
		p[i] = arenalloc_mallocx(MiB, ARENALLOC_ARENA(ind) | ARENALLOC_TCACHE_NONE);
		AC_ASSERT(p[i], "mallocx");
		memset(p[i], 1, MiB);
	}
	for (i = 0; i < 160; i++)
		arenalloc_dallocx(p[i], ARENALLOC_TCACHE_NONE);
	ac_arena_name(name, sizeof(name), "stats.arenas", ind, "pdirty");
	AC_ASSERT(!ac_ctl_size(name, &dirty), "%s", name);
	AC_ASSERT(dirty * page <= 32 * MiB, "%zu MiB of 160 MiB freed stays dirty",
		  dirty * page >> 20);
	ac_arena_name(name, sizeof(name), "arena", ind, "destroy");
	AC_ASSERT(!ac_ctl_void(name), "%s", name);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(dirty_pages_decay_with_activity),
	AC_CASE_ENTRY(background_thread_decays_without_activity),
	AC_CASE_ENTRY(arena_purge_gives_back_at_once),
	AC_CASE_ENTRY(negative_decay_time_keeps_dirty_pages),
	AC_CASE_ENTRY(decay_set_at_run_time_takes_effect),
	AC_CASE_ENTRY(decay_times_read_and_write),
	AC_CASE_ENTRY(freed_memory_beyond_the_bound_goes_back_at_once),
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	const char *mode = ac_child_mode(argc, argv);

	if (mode) {
		int ret = child_main(mode);

		fflush(stdout);
		return ret;
	}
	return tap_run(cases);
}
