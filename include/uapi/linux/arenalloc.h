/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * arenalloc: what userspace shares with the kernel module.
 *
 * The sysfs tree lives under ARENALLOC_SYSFS_DIR; its files are described in
 * Documentation/ABI/testing/sysfs-kernel-arenalloc.  The /dev/arenalloc
 * ioctl and mmap ABI is added here with the device itself.
 */
#ifndef _UAPI_LINUX_ARENALLOC_H
#define _UAPI_LINUX_ARENALLOC_H

#define ARENALLOC_SYSFS_DIR	"/sys/kernel/arenalloc"

/* Limits of the module's knobs (see sysfs-kernel-arenalloc). */
#define ARENALLOC_NARENAS_LIMIT		256
#define ARENALLOC_LG_CHUNK_LIMIT_MIN	16
#define ARENALLOC_DECAY_MS_LIMIT	86400000L

#endif /* _UAPI_LINUX_ARENALLOC_H */
