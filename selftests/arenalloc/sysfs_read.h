/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading /sys/kernel/arenalloc/ files, for the kselftest programs
 * (sysfs_test.c, dev_test.c).
 */
#ifndef _ARENALLOC_SELFTEST_SYSFS_READ_H
#define _ARENALLOC_SELFTEST_SYSFS_READ_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/arenalloc.h>

/* Reads ARENALLOC_SYSFS_DIR/@name into @buf, NUL-terminated; its length or -errno. */
static inline int read_sysfs(const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", ARENALLOC_SYSFS_DIR, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return (int)n;
}

/* A counter file: one number and a newline.  -1 when unreadable. */
static inline long counter(const char *name)
{
	char buf[64], *end;
	long v;

	if (read_sysfs(name, buf, sizeof(buf)) <= 0)
		return -1;
	v = strtol(buf, &end, 10);
	return strcmp(end, "\n") ? -1 : v;
}

#endif /* _ARENALLOC_SELFTEST_SYSFS_READ_H */
