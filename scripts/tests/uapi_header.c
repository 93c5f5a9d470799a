// SPDX-License-Identifier: GPL-2.0
/*
 * The uapi header must stand alone in a userspace program, in C and C++,
 * with nothing but libc: compiled by scripts/check.sh with -pedantic.
 */
#include <linux/arenalloc.h>
#include <stdio.h>

int main(void)
{
	printf("%s %d %d %ld\n", ARENALLOC_SYSFS_DIR, ARENALLOC_NARENAS_LIMIT,
	       ARENALLOC_LG_CHUNK_LIMIT_MIN, ARENALLOC_DECAY_MS_LIMIT);
	return 0;
}
