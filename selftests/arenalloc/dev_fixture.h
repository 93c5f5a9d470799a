/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the /dev/arenalloc kselftests (dev_test.c, dev_syscalls_test.c)
 * share: the fixture, an open of the device with its INFO, a counter
 * file's value and a mapping.  Include after kselftest_harness.h.
 */
#ifndef _ARENALLOC_SELFTEST_DEV_FIXTURE_H
#define _ARENALLOC_SELFTEST_DEV_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/arenalloc.h>

#include "sysfs_read.h"

static long page_size;

FIXTURE(dev) {
	int fd;
	struct arenalloc_info info;
};

FIXTURE_SETUP(dev)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->fd = -1;
	if (access(ARENALLOC_SYSFS_DIR, F_OK))
		SKIP(return, "arenalloc is not loaded");
	self->fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s", ARENALLOC_DEV_PATH, strerror(errno));
	memset(&self->info, 0, sizeof(self->info));
	self->info.size = sizeof(self->info);
	ASSERT_EQ(0, ioctl(self->fd, ARENALLOC_IOC_INFO, &self->info));
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* @pages pages of @fd, readable and writable, at mmap() offset @off. */
static void *map(struct __test_metadata *_metadata, int fd, long pages, off_t off)
{
	void *p = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, off);

	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	return p;
}

#endif /* _ARENALLOC_SELFTEST_DEV_FIXTURE_H */
