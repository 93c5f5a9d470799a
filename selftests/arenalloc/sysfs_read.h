/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading /sys/kernel/arenalloc/ files and writing the module's
 * parameters, for the kselftest programs (sysfs_test.c, dev_test.c,
 * dev_fuzz_test.c).
 */
#ifndef _ARENALLOC_SELFTEST_SYSFS_READ_H
#define _ARENALLOC_SELFTEST_SYSFS_READ_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
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

#define PARAMS "/sys/module/arenalloc/parameters/"

/* Writes @val to the module parameter @name; 0 or -errno. */
static inline int set_param(const char *name, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EINVAL;
}

#endif /* _ARENALLOC_SELFTEST_SYSFS_READ_H */
