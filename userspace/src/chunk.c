// SPDX-License-Identifier: GPL-2.0
/*
 * The chunk source: the only file that maps, purges or unmaps memory.
 *
 * Chunks come from /dev/arenalloc when the arenalloc module is loaded (the
 * module then owns the pages: it places them on the node asked for,
 * counts them in its statistics and frees them on purge), and from
 * anonymous mmap otherwise.  ARENALLOC_CONF's chunk_source picks: auto
 * (the device if it opens), device (the same, but its absence is reported)
 * or mmap; its device_policy, where the device places the pages (default:
 * each chunk on its arena's node, as the mmap() offset asks; local: the
 * node of the thread that touches a page; interleave: every node with
 * memory in turn).  A device mapping that fails at run time is served by mmap and
 * counted in device_fallbacks, so a full device never fails an allocation
 * that plain memory could serve.
 *
 * Alignment: mappings are placed at a multiple of their alignment by
 * mapping a larger region and trimming both ends (for the device, a
 * PROT_NONE reservation the device mapping then replaces), unless the
 * kernel's first placement is aligned already.  A cached huge range may
 * grow into the free address space next to it (aa_source_extend()), with
 * memory of its own kind.
 *
 * Purging: anonymous memory is given back with MADV_DONTNEED (clean:
 * reads zero after) or MADV_FREE (lazy: muzzy); device memory with the
 * device's ARENALLOC_IOC_PURGE, which has no lazy form and takes one
 * device mapping at a time (a range across several is purged piece by
 * piece).
 *
 * System calls go straight to the kernel (sys.h): nothing here can be
 * interposed by the program, and nothing here changes errno.
 *
 * Locking: none.  The device fd and its geometry are set once at
 * initialisation; counters are relaxed atomics.
 */
#include <errno.h>
#include <string.h>

#include <linux/arenalloc.h>

#include "internal.h"
#include "sys.h"

#ifndef MADV_FREE
#define MADV_FREE 8
#endif

struct aa_source_stats aa_source_stats;

static int dev_fd = -1;
static int dev_nr_nodes;
static bool lazy_ok = true;	/* MADV_FREE works here */

#define STAT_ADD(field, v) __atomic_fetch_add(&aa_source_stats.field, (v), __ATOMIC_RELAXED)
#define STAT_SUB(field, v) __atomic_fetch_sub(&aa_source_stats.field, (v), __ATOMIC_RELAXED)

/*
 * Asks the device to place pages by @policy; a kernel without
 * ARENALLOC_IOC_SET_POLICY (ENOTTY) keeps its default, which is said.
 */
static void set_dev_policy(int fd, enum aa_dev_policy policy)
{
	struct arenalloc_policy req;
	__u64 mask = 0;
	int nid, err = 0;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	if (policy == AA_DEV_POLICY_DEFAULT)
		return;
	if (policy == AA_DEV_POLICY_LOCAL) {
		req.mode = ARENALLOC_POLICY_LOCAL;
	} else {
		/* The nodes with memory are those the device lets be preferred. */
		req.mode = ARENALLOC_POLICY_PREFERRED;
		for (nid = 0; nid < dev_nr_nodes && nid < 64; nid++) {
			req.node = (__u32)nid;
			err = (int)aa_sys_ioctl(fd, ARENALLOC_IOC_SET_POLICY, &req);
			if (!err)
				mask |= 1ULL << nid;
		}
		req.mode = ARENALLOC_POLICY_INTERLEAVE;
		req.node = 0;
		req.nodemask = mask;
	}
	if (policy == AA_DEV_POLICY_LOCAL || mask)
		err = (int)aa_sys_ioctl(fd, ARENALLOC_IOC_SET_POLICY, &req);
	else if (policy != AA_DEV_POLICY_LOCAL)
		err = -ENODEV;	/* no node took PREFERRED */
	if (err) {
		/* The probe may have left PREFERRED on: back to the default. */
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.mode = ARENALLOC_POLICY_DEFAULT;
		(void)aa_sys_ioctl(fd, ARENALLOC_IOC_SET_POLICY, &req);
		aa_msg("device_policy:%s: %s refused it (%s); pages stay on each chunk's node",
		       aa_dev_policy_name(policy), ARENALLOC_DEV_PATH, strerrorname_np(-err));
	}
}

int aa_source_init(enum aa_source_kind kind, enum aa_dev_policy policy)
{
	struct arenalloc_info info;
	int fd;

	if (kind == AA_SOURCE_MMAP)
		return 0;
	fd = (int)aa_sys_openat(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (kind == AA_SOURCE_DEVICE)
			aa_msg("chunk_source:device: cannot open %s (%s); using mmap",
			       ARENALLOC_DEV_PATH, strerrorname_np(-fd));
		return kind == AA_SOURCE_DEVICE ? -1 : 0;
	}
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (aa_sys_ioctl(fd, ARENALLOC_IOC_INFO, &info) ||
	    info.version != ARENALLOC_ABI_VERSION || info.page_size != aa_g.page) {
		aa_msg("%s: unexpected ABI (version %u); using mmap", ARENALLOC_DEV_PATH,
		       info.version);
		aa_sys_close(fd);
		return kind == AA_SOURCE_DEVICE ? -1 : 0;
	}
	dev_nr_nodes = (int)info.nr_nodes;
	set_dev_policy(fd, policy);
	/*
	 * The library may be initialised after the program set up its own
	 * descriptors; keep ours clear of the low numbers a program might
	 * dup2() onto blindly.
	 */
	if (fd < 100) {
		int hi = (int)aa_sys_fcntl(fd, F_DUPFD_CLOEXEC, 100);

		if (hi >= 0) {
			aa_sys_close(fd);
			fd = hi;
		}
	}
	dev_fd = fd;
	return 0;
}

bool aa_source_has_device(void)
{
	return dev_fd >= 0;
}

/* The node of the calling CPU, or -1 when unknown. */
int aa_source_node(void)
{
	unsigned int cpu, node;

	if (aa_sys_getcpu(&cpu, &node))
		return -1;
	return (int)node;
}

/* The device's mmap() offset that asks for pages on @node (0: the caller's). */
static off_t dev_offset(int node)
{
	return node >= 0 && node < dev_nr_nodes ? (off_t)ARENALLOC_MMAP_NODE(node) : 0;
}

/*
 * Map @size bytes of anonymous memory at a multiple of @align with @prot
 * (PROT_NONE: a reservation for the device to map over).  The kernel places
 * a mapping whose length is a multiple of a huge page on a huge-page
 * boundary, so a chunk usually comes aligned at the first try; anything
 * else is placed by mapping more and trimming both ends.
 */
static void *reserve_aligned(size_t size, size_t align, int prot)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	size_t span = size + align - aa_g.page;
	char *p, *a;

	if (!(size & (align - 1))) {
		p = aa_sys_mmap(NULL, size, prot, flags, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		if (!((uintptr_t)p & (align - 1)))
			return p;
		aa_sys_munmap(p, size);
	}
	if (span < size)
		return NULL;
	p = aa_sys_mmap(NULL, span, prot, flags, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
	if (a > p)
		aa_sys_munmap(p, (size_t)(a - p));
	if (a + size < p + span)
		aa_sys_munmap(a + size, (size_t)(p + span - (a + size)));
	return a;
}

/**
 * aa_source_map() - map @size bytes aligned to @align, readable and writable
 * @size:  a multiple of the page size
 * @align: a power of two, at least the page size
 * @node:  NUMA node wanted, -1 for the caller's
 * @kind:  out: where the memory came from
 *
 * Return: the mapping, every byte zero, or NULL with errno ENOMEM.
 */
void *aa_source_map(size_t size, size_t align, int node, enum aa_chunk_kind *kind)
{
	void *p = reserve_aligned(size, align, dev_fd >= 0 ? PROT_NONE : PROT_READ | PROT_WRITE);

	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	if (dev_fd >= 0) {
		void *q;

		q = aa_sys_mmap(p, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, dev_fd,
				dev_offset(node));

		if (q == p) {
			STAT_ADD(device_mapped, size);
			*kind = AA_CHUNK_DEVICE;
			return p;
		}
		STAT_ADD(device_fallbacks, 1);
		/*
		 * A failed MAP_FIXED mmap may have unmapped the reservation
		 * already: map anonymous memory where it was, but never over
		 * whatever another thread may have mapped there meanwhile.
		 */
		if (aa_sys_mprotect(p, size, PROT_READ | PROT_WRITE)) {
			q = aa_sys_mmap(p, size, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (q != p) {
				if (q != MAP_FAILED)
					aa_sys_munmap(q, size);
				errno = ENOMEM;
				return NULL;
			}
		}
	}
	STAT_ADD(mmap_mapped, size);
	*kind = AA_CHUNK_MMAP;
	return p;
}

/*
 * Map @size bytes of memory of @kind exactly at @addr, where nothing is
 * mapped (a cached huge range growing into the free address space next
 * to it), device memory on @node as aa_source_map() asks for it.  The
 * device makes the piece a mapping of its own, charged to RLIMIT_MEMLOCK
 * for its size alone; munmap() takes a range across several at once, so
 * the range stays one for the library.  Return: success.
 */
bool aa_source_extend(void *addr, size_t size, int node, enum aa_chunk_kind kind)
{
	void *p;

	if (kind == AA_CHUNK_DEVICE) {
		p = aa_sys_mmap(addr, size, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_FIXED_NOREPLACE, dev_fd, dev_offset(node));
	} else {
		p = aa_sys_mmap(addr, size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
				-1, 0);
	}
	if (p != addr) {
		/* A kernel before 4.17 takes the flag for a hint. */
		if (p != MAP_FAILED)
			aa_sys_munmap(p, size);
		return false;
	}
	if (kind == AA_CHUNK_DEVICE)
		STAT_ADD(device_mapped, size);
	else
		STAT_ADD(mmap_mapped, size);
	return true;
}

void aa_source_unmap(void *addr, size_t size, enum aa_chunk_kind kind)
{
	aa_sys_munmap(addr, size);
	if (kind == AA_CHUNK_DEVICE)
		STAT_SUB(device_mapped, size);
	else
		STAT_SUB(mmap_mapped, size);
}

/*
 * Unmap the tail of a mapping (a huge allocation shrinking); the module
 * frees the pages of an unmapped piece of a device mapping at once
 * (device_test checks it).  Return: success.
 */
bool aa_source_trim(void *addr, size_t size, enum aa_chunk_kind kind)
{
	if (aa_sys_munmap(addr, size))
		return false;
	if (kind == AA_CHUNK_DEVICE)
		STAT_SUB(device_mapped, size);
	else
		STAT_SUB(mmap_mapped, size);
	return true;
}

/* The device's PURGE of [@addr, @addr + @size): 0 or a negative errno. */
static long dev_purge(uintptr_t addr, size_t size)
{
	struct arenalloc_purge arg = { .size = sizeof(arg), .addr = addr, .length = size };

	return aa_sys_ioctl(dev_fd, ARENALLOC_IOC_PURGE, &arg);
}

/*
 * Purge device memory [@addr, @addr + @size), which may span several
 * device mappings: PURGE takes a range within one mapping (EINVAL
 * otherwise), and a huge range grown beside itself is several, one per
 * growth, that never merge (aa_source_extend()).  Such a range goes one
 * mapping at a time, each end found by trying: the longest prefix PURGE
 * accepts, found by bisection over whole pages, ends where the mapping
 * does (pages purged twice on the way cost little).  One mapping: one
 * call.  Return: whether all of it was purged.
 */
static bool dev_purge_range(uintptr_t addr, size_t size)
{
	size_t lg = aa_g.lg_page;

	while (size) {
		size_t ok = 0, bad = size >> lg;	/* in pages: accepted, refused */
		long r = dev_purge(addr, size);

		if (!r)
			return true;
		if (r != -EINVAL)
			return false;
		while (bad - ok > 1) {
			size_t mid = ok + (bad - ok) / 2;

			if (!dev_purge(addr, mid << lg))
				ok = mid;
			else
				bad = mid;
		}
		if (!ok)	/* not even its first page: no mapping of ours */
			return false;
		addr += ok << lg;
		size -= ok << lg;
	}
	return true;
}

/*
 * Give pages back for good; they read as zero afterwards.  A device range
 * may span several device mappings (a huge range grown beside itself).
 * Return: success.
 */
bool aa_source_purge(void *addr, size_t size, enum aa_chunk_kind kind)
{
	bool ok;

	if (kind == AA_CHUNK_DEVICE)
		ok = dev_purge_range((uintptr_t)addr, size);
	else
		ok = !aa_sys_madvise(addr, size, MADV_DONTNEED);
	if (ok) {
		STAT_ADD(npurge, 1);
		STAT_ADD(purged, size >> aa_g.lg_page);
	}
	return ok;
}

/* Give pages back lazily (the kernel takes them when it needs them). */
bool aa_source_purge_lazy(void *addr, size_t size, enum aa_chunk_kind kind)
{
	long r;

	if (kind == AA_CHUNK_DEVICE || !__atomic_load_n(&lazy_ok, __ATOMIC_RELAXED))
		return false;
	r = aa_sys_madvise(addr, size, MADV_FREE);
	if (!r)
		return true;
	if (r == -EINVAL)	/* kernel without MADV_FREE */
		__atomic_store_n(&lazy_ok, false, __ATOMIC_RELAXED);
	return false;
}

/* Metadata is always private anonymous memory. */
void *aa_source_meta(size_t size)
{
	void *p = aa_sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	STAT_ADD(meta_mapped, size);
	return p;
}
