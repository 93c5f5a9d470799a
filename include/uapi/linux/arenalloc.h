/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * arenalloc: what userspace shares with the kernel module.
 *
 * The sysfs tree lives under ARENALLOC_SYSFS_DIR; its files are described in
 * Documentation/ABI/testing/sysfs-kernel-arenalloc.
 *
 * /dev/arenalloc gives userspace allocators (libarenalloc) chunk backing:
 *
 *   fd = open("/dev/arenalloc", O_RDWR | O_CLOEXEC);
 *   p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
 *            ARENALLOC_MMAP_NODE(node));     (or offset 0: the caller's node)
 *
 * The pages of such a mapping belong to the module: each is allocated on
 * the mapping's node at its first touch, zeroed, charged to the caller's
 * memory cgroup and counted in the module's statistics.  A mapping is
 * private to the process that made it although it is MAP_SHARED (the flag
 * only says the module owns the pages): after fork() parent and child
 * share its pages copy-on-write, as they would anonymous memory.
 * MAP_PRIVATE is refused.  ARENALLOC_IOC_PURGE gives a range's pages back
 * (the next touch faults in a zeroed page); munmap() of a range, or of a
 * part of it, gives back its pages at once.  ARENALLOC_IOC_SET_POLICY
 * chooses where an open's later pages come from (by default the
 * mapping's node), ARENALLOC_IOC_STATS reports what its mappings did.  The pages cannot be swapped:
 * a mapping counts against RLIMIT_MEMLOCK, and mmap() past it is -EAGAIN
 * without CAP_IPC_LOCK.
 *
 * The ioctls take one struct whose first field is its size, as iommufd's
 * do: the kernel accepts any size from the first version of the struct up
 * and requires the bytes it does not know about to be zero, so old
 * binaries keep working and new ones learn cleanly that a field is not
 * supported (-E2BIG).  Unknown flags are -EINVAL.
 */
#ifndef _UAPI_LINUX_ARENALLOC_H
#define _UAPI_LINUX_ARENALLOC_H

#define ARENALLOC_SYSFS_DIR	"/sys/kernel/arenalloc"

/* Limits of the module's knobs (see sysfs-kernel-arenalloc). */
#define ARENALLOC_NARENAS_LIMIT		256
#define ARENALLOC_LG_CHUNK_LIMIT_MIN	16
#define ARENALLOC_DECAY_MS_LIMIT	86400000L

#define ARENALLOC_DEV_PATH	"/dev/arenalloc"

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * mmap offset that asks for pages on node @node (0 .. nr_nodes - 1 as
 * reported by ARENALLOC_IOC_INFO); offset 0 means the node of the CPU
 * that calls mmap().  A node without memory (a CPU-only node) gets its
 * pages from the nearest node that has memory, as kmalloc_node() does.
 * A node that is not online, or an offset that is not a multiple of
 * 1 << ARENALLOC_MMAP_NODE_SHIFT, is -EINVAL.  The step is 64 KiB so
 * that the offset is page-aligned for every page size up to 64 KiB.
 */
#define ARENALLOC_MMAP_NODE_SHIFT	16
#define ARENALLOC_MMAP_NODE(node)	(((__u64)(node) + 1) << ARENALLOC_MMAP_NODE_SHIFT)

/**
 * struct arenalloc_info - ARENALLOC_IOC_INFO: what the device offers
 * @size:      in: sizeof(struct arenalloc_info)
 * @flags:     in: 0
 * @version:   out: ABI version, ARENALLOC_ABI_VERSION
 * @lg_chunk:  out: the module's lg_chunk knob, a good chunk size to map
 * @nr_nodes:  out: node ids are below this (nr_node_ids)
 * @node:      out: node of the CPU that made the call
 * @page_size: out: PAGE_SIZE; mmap lengths and purge ranges are multiples
 */
struct arenalloc_info {
	__u32 size;
	__u32 flags;
	__u32 version;
	__u32 lg_chunk;
	__u32 nr_nodes;
	__u32 node;
	__u64 page_size;
};

/**
 * struct arenalloc_purge - ARENALLOC_IOC_PURGE: give pages back
 * @size:   in: sizeof(struct arenalloc_purge)
 * @flags:  in: 0
 * @addr:   in: page-aligned start, inside one /dev/arenalloc mapping of
 *          the calling process
 * @length: in: page-aligned length, > 0; the range must not leave that
 *          mapping
 * @purged: out: pages given back to the page allocator
 *
 * Return (of the ioctl): 0, or -EINVAL for a misaligned, empty or
 * wrapping range, flags other than 0, or a range that is not inside one
 * mapping of this device; -EFAULT for an unreadable struct.
 */
struct arenalloc_purge {
	__u32 size;
	__u32 flags;
	__u64 addr;
	__u64 length;
	__u64 purged;
};

/**
 * enum arenalloc_policy_mode - placement policies of ARENALLOC_IOC_SET_POLICY
 * @ARENALLOC_POLICY_DEFAULT:    each mapping's node, as its mmap() offset
 *                               chose it (offset 0: the node of the CPU
 *                               that called mmap()); what an open starts
 *                               with
 * @ARENALLOC_POLICY_LOCAL:      the node of the CPU that faults the page in
 *                               (its nearest node with memory)
 * @ARENALLOC_POLICY_BIND:       node @node only; a fault that finds it full
 *                               is SIGBUS
 * @ARENALLOC_POLICY_PREFERRED:  node @node, another when it is full
 * @ARENALLOC_POLICY_INTERLEAVE: the nodes of @nodemask in turn, by page
 *                               offset within the open (so consecutive
 *                               pages of a mapping alternate)
 */
enum arenalloc_policy_mode {
	ARENALLOC_POLICY_DEFAULT	= 0,
	ARENALLOC_POLICY_LOCAL		= 1,
	ARENALLOC_POLICY_BIND		= 2,
	ARENALLOC_POLICY_PREFERRED	= 3,
	ARENALLOC_POLICY_INTERLEAVE	= 4,
};

/**
 * struct arenalloc_policy - ARENALLOC_IOC_SET_POLICY: where pages come from
 * @size:     in: sizeof(struct arenalloc_policy)
 * @flags:    in: 0
 * @mode:     in: an enum arenalloc_policy_mode
 * @node:     in: the node of ARENALLOC_POLICY_BIND and _PREFERRED, online
 *            and with memory; 0 for the other modes
 * @nodemask: in: the nodes of ARENALLOC_POLICY_INTERLEAVE, bit n for node
 *            n (nodes 0-63), at least one, each online and with memory;
 *            0 for the other modes
 *
 * The policy belongs to the open file (the open file description: a
 * dup()ed or inherited descriptor shares it) and governs every page that
 * any mapping made through it, in any process, faults in after the call,
 * copies made by a write after fork() included; pages already there stay
 * where they are.  Return (of the ioctl): 0, or -EINVAL for flags other
 * than 0, an unknown mode, a node or nodemask bit that is not online or
 * has no memory (or is not below ARENALLOC_IOC_INFO's nr_nodes), a node
 * or nodemask the mode does not take that is not 0, or an empty
 * nodemask; -E2BIG and -EFAULT as for every struct.  A refused call
 * changes nothing.
 */
struct arenalloc_policy {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__u32 node;
	__u64 nodemask;
};

/**
 * struct arenalloc_stats - ARENALLOC_IOC_STATS: what an open file's mappings did
 * @size:       in: sizeof(struct arenalloc_stats)
 * @flags:      in: 0
 * @mapped:     out: pages its mappings span now, in every process (after
 *              fork() a child's copy of a mapping counts too), as charged
 *              to RLIMIT_MEMLOCK
 * @resident:   out: pages its mappings hold now; a page parent and child
 *              share after fork() counts once
 * @purged:     out: pages ARENALLOC_IOC_PURGE gave back, ever
 * @faults:     out: page faults served, ever (first touches, and touches
 *              of a page whose page table entry was dropped or made
 *              read-only)
 * @cow_copies: out: pages copied since fork() because one side wrote a
 *              shared page (or, at fork(), a page pinned for DMA), ever
 *
 * Every count is in pages (ARENALLOC_IOC_INFO's page_size).  The
 * counters are those of the open file the ioctl is called on, whoever
 * made its mappings; each is read once, so they need not agree with one
 * another.  Return (of the ioctl): 0, or -EINVAL, -E2BIG or -EFAULT as
 * for every struct.
 */
struct arenalloc_stats {
	__u32 size;
	__u32 flags;
	__u64 mapped;
	__u64 resident;
	__u64 purged;
	__u64 faults;
	__u64 cow_copies;
};

/*
 * The command numbers are _IOWR with the struct as this header defines
 * it, so that strace and LSM ioctl hooks see direction and size.  The
 * kernel matches type, number and direction only: the size in the
 * number may be any, as the struct's own size field is what counts, so
 * a program built against an older or newer version of a struct keeps
 * working.  The first ABI 1 headers had _IO numbers (no direction, no
 * size); the kernel still serves those, and nothing else changed: the
 * ABI version stays 1.  SET_POLICY and STATS came later, still in ABI
 * version 1 as they only add commands: a kernel without them answers
 * -ENOTTY, which is how a program learns that they are missing.
 */
#define ARENALLOC_ABI_VERSION	1
#define ARENALLOC_IOC_MAGIC	0xAA
#define ARENALLOC_IOC_INFO	_IOWR(ARENALLOC_IOC_MAGIC, 0x00, struct arenalloc_info)
#define ARENALLOC_IOC_PURGE	_IOWR(ARENALLOC_IOC_MAGIC, 0x01, struct arenalloc_purge)
#define ARENALLOC_IOC_SET_POLICY	_IOWR(ARENALLOC_IOC_MAGIC, 0x02, struct arenalloc_policy)
#define ARENALLOC_IOC_STATS	_IOWR(ARENALLOC_IOC_MAGIC, 0x03, struct arenalloc_stats)

#endif /* _UAPI_LINUX_ARENALLOC_H */
