/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small wrappers around arenalloc_ctl() for the host tests: read a value
 * of a known type, refresh the statistics, call a "void" name.  Each
 * returns the ctl's error number so that the caller can assert on it.
 */
#ifndef _ARENALLOC_CTLUTIL_H
#define _ARENALLOC_CTLUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <arenalloc.h>

static inline int ac_ctl_read(const char *name, void *val, size_t len)
{
	size_t l = len;
	int ret = arenalloc_ctl(name, val, &l, NULL, 0);

	if (!ret && l != len)
		return -1;	/* the ctl disagrees with the test about the type */
	return ret;
}

static inline int ac_ctl_size(const char *name, size_t *v)
{
	return ac_ctl_read(name, v, sizeof(*v));
}

static inline int ac_ctl_u64(const char *name, uint64_t *v)
{
	return ac_ctl_read(name, v, sizeof(*v));
}

static inline int ac_ctl_unsigned(const char *name, unsigned int *v)
{
	return ac_ctl_read(name, v, sizeof(*v));
}

static inline int ac_ctl_ssize(const char *name, ssize_t *v)
{
	return ac_ctl_read(name, v, sizeof(*v));
}

static inline int ac_ctl_bool(const char *name, bool *v)
{
	return ac_ctl_read(name, v, sizeof(*v));
}

static inline int ac_ctl_str(const char *name, const char **v)
{
	return ac_ctl_read(name, v, sizeof(*v));
}

/* A name that takes no value: "thread.tcache.flush", "arena.<i>.purge". */
static inline int ac_ctl_void(const char *name)
{
	return arenalloc_ctl(name, NULL, NULL, NULL, 0);
}

/* Writes "epoch", so that the next stats.* reads are fresh. */
static inline int ac_epoch(void)
{
	uint64_t e = 1;

	return arenalloc_ctl("epoch", NULL, NULL, &e, sizeof(e));
}

/* "stats.<what>" after a refresh; (size_t)-1 when it cannot be read. */
static inline size_t ac_stat(const char *what)
{
	char name[64];
	size_t v;

	snprintf(name, sizeof(name), "stats.%s", what);
	if (ac_epoch() || ac_ctl_size(name, &v))
		return (size_t)-1;
	return v;
}

/*
 * Whether "stats.allocated" follows this thread's allocations: up by at
 * least their size while 4 MiB and a thousand 100-byte objects live, and
 * back down once they are freed and the cache flushed.  A leak check
 * against a counter that never moves would prove nothing.
 */
static inline bool ac_allocated_tracks(size_t *before, size_t *during, size_t *after)
{
	void *big, *small[1000];
	unsigned int i;

	ac_ctl_void("thread.tcache.flush");
	*before = ac_stat("allocated");
	big = arenalloc_malloc((size_t)4 << 20);
	for (i = 0; i < 1000; i++)
		small[i] = arenalloc_malloc(100);
	*during = ac_stat("allocated");
	arenalloc_free(big);
	for (i = 0; i < 1000; i++)
		arenalloc_free(small[i]);
	ac_ctl_void("thread.tcache.flush");
	*after = ac_stat("allocated");
	return *before != (size_t)-1 && *during != (size_t)-1 && *after != (size_t)-1 &&
	       *during >= *before + ((size_t)4 << 20) + 100000 &&
	       *after + ((size_t)4 << 20) <= *during;
}

/* "arena.<ind>.<op>" or "stats.arenas.<ind>.<what>" formatted into @buf. */
static inline const char *ac_arena_name(char *buf, size_t len, const char *prefix,
					unsigned int ind, const char *what)
{
	snprintf(buf, len, "%s.%u.%s", prefix, ind, what);
	return buf;
}

/*
 * The starting point of a leak check: "stats.allocated" after checking
 * that it follows allocations at all and after flushing the caller's
 * cache.  Returns NULL, or what went wrong.
 */
static inline const char *ac_allocated_baseline(size_t *before)
{
	static char why[128];
	size_t during, after;

	if (!ac_allocated_tracks(before, &during, &after)) {
		snprintf(why, sizeof(why),
			 "stats.allocated does not follow allocations: %zu, %zu, %zu", *before,
			 during, after);
		return why;
	}
	if (ac_ctl_void("thread.tcache.flush"))
		return "thread.tcache.flush failed";
	*before = ac_stat("allocated");
	return *before == (size_t)-1 ? "stats.allocated unreadable" : NULL;
}

#endif /* _ARENALLOC_CTLUTIL_H */
