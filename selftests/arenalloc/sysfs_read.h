/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading and writing /sys/kernel/arenalloc/ files and the module's
 * parameters, for the kselftest programs (sysfs_test.c, dev_test.c,
 * dev_fuzz_test.c, dev_pool_test.c).
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

/* Reads the file at @path into @buf, NUL-terminated; its length or -errno. */
static inline int read_path(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
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

/* Reads ARENALLOC_SYSFS_DIR/@name into @buf, NUL-terminated; its length or -errno. */
static inline int read_sysfs(const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", ARENALLOC_SYSFS_DIR, name);
	return read_path(path, buf, len);
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

/* Writes @val to the file at @path: 0, or -1 when it was not all taken. */
static inline int write_path(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* Writes @val to ARENALLOC_SYSFS_DIR/@name (a knob or a trigger). */
static inline int write_sysfs(const char *name, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", ARENALLOC_SYSFS_DIR, name);
	return write_path(path, val);
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

/* Pages the module holds from the page allocator: the sum of "pages". */
static inline long held_pages(void)
{
	char buf[4096], *tok, *save;
	long sum = 0;

	if (read_sysfs("pages", buf, sizeof(buf)) <= 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (strchr(tok, '='))
			sum += strtol(strchr(tok, '=') + 1, NULL, 10);
	return sum;
}

#endif /* _ARENALLOC_SELFTEST_SYSFS_READ_H */
