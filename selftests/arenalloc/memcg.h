/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A memory cgroup for the kselftests that count charges (dev_test.c,
 * dev_pool_test.c): cgroup2 at CG_ROOT, mounted if the harness has not,
 * with the memory controller on for its children, and a child's
 * memory.current.
 */
#ifndef _ARENALLOC_SELFTEST_MEMCG_H
#define _ARENALLOC_SELFTEST_MEMCG_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define CG_ROOT	"/sys/fs/cgroup"

/*
 * Makes CG_ROOT a cgroup2 whose children have the memory controller.
 * Returns 0 and sets *@mounted when it mounted it (cg_memory_off()
 * unmounts), or a reason to skip.
 */
static inline const char *cg_memory_on(int *mounted)
{
	static const char on[] = "+memory";
	ssize_t n;
	int fd;

	*mounted = 0;
	if (access(CG_ROOT "/cgroup.controllers", F_OK)) {
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			return "no cgroup2 at " CG_ROOT;
		*mounted = 1;
	}
	fd = open(CG_ROOT "/cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : write(fd, on, strlen(on));
	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)strlen(on)) {
		if (*mounted)
			umount(CG_ROOT);
		return "no memory controller";
	}
	return NULL;
}

static inline void cg_memory_off(int mounted)
{
	if (mounted)
		umount(CG_ROOT);
}

/* memory.current of the cgroup directory @dir in bytes, -1 if unreadable. */
static inline long cg_current(int dir)
{
	char buf[32];
	ssize_t n;
	int fd = openat(dir, "memory.current", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

#endif /* _ARENALLOC_SELFTEST_MEMCG_H */
