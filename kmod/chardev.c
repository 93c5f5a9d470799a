// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/arenalloc: pages for userspace allocators (the ABI is in
 * include/uapi/linux/arenalloc.h).
 *
 * A misc device, mode 0666 like /dev/zero unless the dev_group parameter
 * narrows who may open it (see aa_dev_group): every page is charged to the
 * memory cgroup of the task that faults it in (__GFP_ACCOUNT; the
 * accessor's for a remote access such as /proc/<pid>/mem), so memory.max
 * bounds what an unprivileged user can take.  Pages a mapping lets go of
 * wait in per-node pools for the next fault (kmod/devpool.c: zeroed
 * before reuse, charged pages never pooled).  The pages are not on the LRU:
 * never swapped or migrated, so mappings count against RLIMIT_MEMLOCK
 * (below).  Mapped pages count in RSS (RssFile) like any mapped file page.
 *
 * Objects
 *   backing  what one mmap() made: the pages of the mapping, in an
 *            xarray indexed by page offset from @base, the node they are
 *            asked from, and the mm they belong to.  Every vma of a
 *            backing lies in that one mm: splitting a vma (mprotect,
 *            partial munmap) or moving it (mremap) gives the new vma the
 *            same backing; fork() gives the child's vma a new backing
 *            that shares the pages until one side writes (below).
 *   open     each open() of the device makes its own file for the
 *            mappings (the map file: an inode of the module's internal
 *            pseudo filesystem, with its own address_space), and
 *            ->mmap() puts it in the vma in place of the device's file.
 *            So no two opens share page offsets, an i_mmap tree or
 *            i_mmap_rwsem, and write faults, which update the times of
 *            the mapped file, meet the map file (S_NOCMTIME, seen by no
 *            other user), never the device node.  The device file's
 *            private_data is its map file; the map file's inode is a
 *            struct aa_map, which holds the open's offset spaces, its
 *            placement policy (SET_POLICY, read at every page a backing
 *            of the open takes) and its counters (STATS).
 *   pgoff    ->mmap() gives every mapping its own range of page offsets
 *            in its open's space, taken from aa_map.next_pgoff, in place
 *            of the offset asked for (which chose the node).
 *            unmap_mapping_pages() over a backing's range reaches only
 *            the vmas of that backing, and of the backings fork() copied
 *            from it, which share the range and the map file (harmless:
 *            their PTEs are zapped and faulted back in from their own
 *            pages).  The range is fixed for a vma's life; offsets are
 *            taken only by an mmap() that succeeds, and an open whose
 *            space is used up refuses more mmap()s with EOVERFLOW
 *            without disturbing any other open.
 *
 * Locks, in the order they nest
 *   mmap_lock and the vma locks (the caller's: the core holds the
 *            mmap_lock around ->mmap, ->open and ->close, and has
 *            write-locked the vmas they change; ->fault and
 *            ->page_mkwrite run under the mmap_lock or, on kernels with
 *            per-vma locks, under the read lock of the faulting vma alone
 *            (see aa_dev_map_pages()); PURGE holds the mmap_lock for read)
 *     page lock  held by ->fault from its last look at the xarray until
 *            the core has installed the PTE, and by PURGE around taking a
 *            page out of the xarray.  So a fault never maps a page that
 *            PURGE has taken out: either the fault's PTE exists before
 *            PURGE takes the page (and PURGE's unmap_mapping_pages()
 *            zaps it), or the fault sees the page gone and retries.
 *            Taken also by ->page_mkwrite, and by the last backing to
 *            let go of a page (see "Futexes").  page->private, the count
 *            of the backings that share the page since fork() (below), is
 *            an atomic that needs no lock: aa_page_sharers() says why.
 *       xa_lock of backing->pages: the xarray's own spinlock, the
 *            backing's only lock; serialises inserts and erases and
 *            covers taking a reference on a page found in the xarray.
 *            fork() and the teardown of a range walk a batch of entries
 *            under one hold of it (AA_XA_BATCH), taking no other lock and
 *            not sleeping inside it.
 *   i_mmap_rwsem  of the map file: taken inside unmap_mapping_pages(),
 *            under mmap_lock; by a copy-on-write fault under the page
 *            lock of the page it replaces and of its copy (the core's
 *            own order: truncation and rmap walks take it under the
 *            folio lock), by fork and PURGE with no page lock held.
 *   aa_map.lock  a spinlock around next_pgoff and next_key, taken in
 *            ->mmap() and ->open under mmap_lock, and by SET_POLICY,
 *            which writes the policy inside it under aa_map.policy_seq;
 *            nothing else nests inside it.  Faults read the policy
 *            locklessly through the seqcount.
 *   aa_users_lock  a spinlock around the aa_users hash and aa_user.refs
 *            (see "Byte limits"), taken in ->mmap(), ->open and ->close
 *            under mmap_lock; nothing nests inside it.
 *
 * Lifetime
 *   Every vma of a backing points to an aa_vma in the backing's list
 *   (->mmap makes the first, ->open one for a split, moved or forked
 *   vma, ->close takes its own out).  ->close gives back the pages of the
 *   closing vma's range that no vma left in the list covers: at once for
 *   a partial munmap(), never for mremap(), whose new vma covers the
 *   range before the old one closes.  The last vma frees the backing.
 *   The list is changed only by ->mmap, ->open and ->close, which run
 *   with the mm's mmap_lock held for write, or (->close after munmap()
 *   downgrades it) for read by the one task that held it for write: so
 *   no two of them ever run at once on a backing, and ->fault and PURGE,
 *   which may run beside them (a fault on another vma of the backing
 *   holds only that vma's lock; PURGE runs beside a downgraded ->close),
 *   never look at the list nor at an offset no vma covers.  The
 *   xarray holds one page reference per page; each PTE holds its own,
 *   taken in ->fault and dropped by the core when it zaps the PTE.
 *   backing->mm only tells the vmas of the owner from those of a child
 *   being forked: it is compared, never dereferenced, and cannot be
 *   freed while the backing has a vma in it.  An open of the device holds
 *   its map file; every vma holds the map file, which holds the module
 *   (its fops.owner, referenced when the file is made) and its inode, so
 *   neither the module nor the pseudo filesystem's mount can go while a
 *   mapping exists.  A page's ->mapping points to its map file's
 *   address_space from allocation until the last backing lets go of it
 *   (see "Futexes"), all of which happens while a vma holds the file.
 *
 * RLIMIT_MEMLOCK
 *   The pages cannot be swapped, so, as memfd_secret() and mlock() do,
 *   ->mmap charges the whole mapping to the mm's locked_vm (VmLck) and
 *   refuses with EAGAIN past RLIMIT_MEMLOCK unless the caller has
 *   CAP_IPC_LOCK; backing->charged is what a backing holds of it, and
 *   ->close gives back what it uncovers.  fork() charges the child for its
 *   copy unchecked (->open cannot fail); a child starts with locked_vm 0
 *   and gets at most what its parent had, within the same limit.  So a
 *   process holds at most RLIMIT_MEMLOCK of device pages, plus what it
 *   has mlock()ed of other memory counting against the same limit.  The
 *   same charge goes to the mapper's user and the device's total, which
 *   dev_user_max and dev_max may bound ("Byte limits" below), where the
 *   pages a child copies are checked as it takes them.
 *
 * Futexes, and the rest of what works on anonymous memory
 *   A heap on the device must take every system call that anonymous
 *   memory takes.  Those that find pages through the page tables
 *   (get_user_pages(): process_vm_readv/writev, /proc/<pid>/mem, O_DIRECT,
 *   io_uring fixed buffers; move_pages() and get_mempolicy() queries)
 *   need only a normal page behind a normal PTE, which every device page
 *   is.  A shared futex needs more: get_futex_key() keys an anonymous page
 *   by (mm, address) and any other page by (page->mapping->host,
 *   page->index), and fails with EFAULT when page->mapping is NULL, which
 *   makes glibc abort on a process-shared semaphore or contended mutex.
 *   So every device page is a page of its map file: ->mapping is the map
 *   file's address_space (whose anon-inode a_ops only has a no-op
 *   ->dirty_folio, as the core calls that when it dirties a page of a
 *   file) and ->index a key.  The pages are never put in the page cache
 *   itself (i_pages): nothing looks them up by offset, and after fork()
 *   two pages of one file may stand for one offset.  A device page is
 *   not PageAnon, and cannot be: an anonymous page needs an anon_vma,
 *   which rmap walks follow, and a shared vma has none.
 *   The key must name a word of one process's memory as the (mm, address)
 *   of an anonymous page does: the same for every thread, and for the
 *   life of the memory, however the page behind it is copied; never the
 *   same as another process's.  Each backing has a range of keys,
 *   backing->key + offset: for a backing ->mmap() made, its page offsets
 *   (so ->index is also the true page offset, as rmap walks of a file
 *   page expect); for a backing fork() made, a range of the map file's
 *   aa_map.next_key, above every page offset, so that a child's futexes
 *   are never its parent's although both map the same offsets of the same
 *   file.  A page takes the key of the backing that faults it in or
 *   copies it; a page shared since fork() keeps the key it had, and the
 *   one backing left holding it claims it (aa_page_claim_locked()) at its
 *   next fault on it, under the page lock, before any PTE of that backing
 *   can write it.  As a shared futex takes a writable page
 *   (get_user_pages(FOLL_WRITE), which breaks the sharing first), a key
 *   is always its caller's: a waiter and a waker of one process meet
 *   however many copies fork() and writes have made in between.  The key
 *   is also stable across mremap(), as a shmem file's is (an anonymous
 *   page's changes with its address).  A futex on a read-only mapping of
 *   a page still shared may get the other holder's key; anonymous memory
 *   refuses that case with EFAULT, and no waiter can be woken there by a
 *   write anyway.  The last backing to let go of a page takes it out of
 *   the file (->mapping NULL, under the page lock, as truncation does), so
 *   a page a GUP pin keeps past the file's life (io_uring, O_DIRECT) is a
 *   page of no file, which the page allocator requires on free.  A forked
 *   backing whose keys cannot be had (2^64 - 2^51 keys per open, taken a
 *   vma's size per fork; only for mappings that RLIMIT_MEMLOCK lets be
 *   enormous) is keyless: a fault that needs a new page there is SIGBUS.
 *   With ->mapping set, the core's write faults also mark the page
 *   dirty and, when it was clean, take a reference on the map file
 *   around balance_dirty_pages_ratelimited(), which returns at once for a
 *   file that cannot be written back (a pseudo filesystem's).  So every
 *   device page is dirty from when aa_dev_page_alloc() takes it until
 *   the page allocator has it back (nothing ever cleans one, as nothing
 *   writes one back; a pooled page stays dirty), and a write fault has
 *   nothing of that to do.
 *
 * fork(): copy on write
 *   dup_mmap() holds the parent's mmap_lock for write and has write-locked
 *   the parent's vma when it calls ->open for the child's copy, so no
 *   PURGE or close of the parent runs meanwhile, nor a fault on that vma.
 *   (A fault on a later vma of the same backing, which dup_mmap() has
 *   not write-locked yet, may run under that vma's lock: at offsets of
 *   its own range, which the fork of this one does not touch.)  (6.12
 *   calls ->open before it inserts the child's vma in i_mmap and before
 *   copy_page_range(), 6.1 after both; neither matters, as the vmas have
 *   no anon_vma and copy_page_range() copies none of their PTEs.)
 *   ->open makes both vmas copy-on-write (aa_dev_cow_vm_ops, whose
 *   ->page_mkwrite makes the core map every page read-only), zaps the
 *   parent's PTEs of the range, so that none of its threads writes
 *   without a fault, and puts each of the parent's pages in the child's
 *   xarray too, with a reference, counting the extra holder in
 *   page->private (a batch at a time under the child's xa_lock: no one
 *   else sees the child's xarray, and nothing changes the parent's).
 *   A backing that lets go of a page another still holds only lowers
 *   the count and puts it, so a child that exits undoes its fork a batch
 *   at a time too, taking no page lock.  A write fault on either side,
 *   in ->fault or ->page_mkwrite under the page lock, then writes in
 *   place a page no other backing holds (a count of 0 cannot rise
 *   meanwhile), and replaces a shared one by a copy first,
 *   zapping, before it drops the old page's lock, every PTE of that
 *   offset: also a read-only one that another thread's fault mapped just
 *   before, which would otherwise go on showing the old page, written in
 *   place by its last holder, and send each write to it round the
 *   ->page_mkwrite retry for ever (NOPAGE when the old page was mapped
 *   here: the write faults the copy in).  A PTE maps a page that its
 *   backing no longer holds only while PURGE, which zaps it, is under
 *   way; PURGE still counts as a holder of such a page until the zap is
 *   done, so the other holder cannot write it in place meanwhile.
 *   So fork copies nothing, a child that execs pays nothing, and a
 *   copy is made by, and charged to the memory cgroup of, the task that
 *   writes: the child's for the child's copies, clone3(CLONE_INTO_CGROUP)
 *   included (copies made in dup_mmap() itself could only be charged to
 *   the parent's, as the child's cgroup is chosen after copy_mm()).  A
 *   shared page stays charged to whoever faulted it in, as a shared
 *   anonymous page does.
 *   A copy that cannot be allocated fails the write fault with
 *   VM_FAULT_OOM, as for anonymous memory, and one past a byte limit
 *   (see there) with VM_FAULT_SIGBUS; either counts in fork_failed;
 *   fork_copied counts the copies.  A vma stays copy-on-write for life;
 *   as its pages are then write-notified, the core refuses FOLL_LONGTERM
 *   write pins (io_uring fixed buffers) on it.
 *   A page a device may be writing (folio_maybe_dma_pinned()) is copied
 *   for the child at fork instead, as fork() does with pinned anonymous
 *   pages, so the parent keeps receiving the device's writes.  ->open
 *   cannot fail: a pinned page whose copy cannot be allocated is marked
 *   lost in the child's xarray (a value entry, not a page), counted in
 *   fork_failed, and a touch of it in the child is SIGBUS rather than a
 *   silent page of zeroes; PURGE of the range clears the mark.  A fork
 *   during which the parent is killed stops sharing, since the child
 *   will never run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/nodemask.h>
#include <linux/pagemap.h>
#include <linux/percpu.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "internal.h"

/* ==== Kernel version differences ======================================== */

/*
 * vm_flags_set() arrived in 6.3, in the series that renamed
 * VM_LOCKED_CLEAR_MASK: that mask still defined means the older kernel.
 */
#ifdef VM_LOCKED_CLEAR_MASK
static inline void aa_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#else
static inline void aa_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}
#endif

/* ==== Statistics ======================================================== */

/*
 * What every fault counts is counted per CPU and summed when read, so that
 * faults on different CPUs write no common cache line; the rest are
 * atomics.
 */
static atomic_long_t aa_dev_mappings = ATOMIC_LONG_INIT(0);
static DEFINE_PER_CPU(unsigned long, aa_dev_faults);
static atomic_long_t aa_dev_purged = ATOMIC_LONG_INIT(0);
static atomic_long_t aa_dev_fork_copied = ATOMIC_LONG_INIT(0);
static atomic_long_t aa_dev_fork_failed = ATOMIC_LONG_INIT(0);
/*
 * Pages held by backings, per node (nr_node_ids entries), per CPU: a page
 * freed on another CPU than it was taken on leaves one CPU's count
 * negative, the sum is right.
 */
static long __percpu *aa_dev_nid_pages;

/*
 * Page offsets of one open end where a byte offset would no longer fit in
 * loff_t (2^51 pages on x86-64).
 */
#define AA_DEV_PGOFF_LIMIT \
	((pgoff_t)min_t(u64, ULONG_MAX, (u64)MAX_LFS_FILESIZE >> PAGE_SHIFT))

/**
 * aa_dev_stats_get() - a snapshot of the device's counters
 * @st: filled in
 *
 * Context: Any context.  Each counter is read once; they need not agree.
 */
void aa_dev_stats_get(struct aa_dev_stats *st)
{
	int nid, cpu;

	st->mappings = atomic_long_read(&aa_dev_mappings);
	st->pages = 0;
	for (nid = 0; nid < nr_node_ids; nid++)
		st->pages += aa_dev_node_pages(nid);
	st->faults = 0;
	for_each_possible_cpu(cpu)
		st->faults += per_cpu(aa_dev_faults, cpu);
	st->purged = atomic_long_read(&aa_dev_purged);
	st->fork_copied = atomic_long_read(&aa_dev_fork_copied);
	st->fork_failed = atomic_long_read(&aa_dev_fork_failed);
}

/**
 * aa_dev_node_pages() - pages the device's mappings hold on a node
 * @nid: node id below nr_node_ids
 *
 * Context: Any context.
 * Return: the count, a snapshot; counted on the node each page lies on.
 */
unsigned long aa_dev_node_pages(int nid)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(&aa_dev_nid_pages[nid], cpu);
	return max(sum, 0L);
}

/* ==== Map files ========================================================= */

/**
 * struct aa_map_stats - what the mappings of one open did (see
 *                       struct arenalloc_stats), in pages
 * @mapped:     pages its backings have charged (aa_backing_charge())
 * @resident:   pages its backings hold, a page shared since fork() once
 * @purged:     pages PURGE gave back, ever
 * @faults:     faults served, ever
 * @cow_copies: copies made since fork(), ever
 *
 * Atomic counters, each updated alone; no lock.
 */
struct aa_map_stats {
	atomic_long_t mapped;
	atomic_long_t resident;
	atomic_long_t purged;
	atomic_long_t faults;
	atomic_long_t cow_copies;
};

/**
 * struct aa_map - the inode of a map file (see "open" above)
 * @vfs:        the inode itself
 * @lock:       protects @next_pgoff and @next_key, and serialises writers
 *              of the policy
 * @next_pgoff: the first page offset no mapping of its open has taken
 * @next_key:   the first page key no forked backing has taken (see
 *              "Futexes"); keys of forked backings lie above every page
 *              offset, which are below AA_DEV_PGOFF_LIMIT
 * @policy_seq: a seqcount around @mode, @node and @nodemask, written
 *              under @lock, read locklessly by faults (aa_backing_place())
 * @mode:       the open's enum arenalloc_policy_mode
 * @node:       the node of ARENALLOC_POLICY_BIND and _PREFERRED
 * @nodemask:   the nodes of ARENALLOC_POLICY_INTERLEAVE
 * @stats:      its counters
 */
struct aa_map {
	struct inode vfs;
	spinlock_t lock;		/* protects next_pgoff and next_key */
	pgoff_t next_pgoff;
	pgoff_t next_key;
	seqcount_spinlock_t policy_seq;	/* around mode, node, nodemask */
	u32 mode;
	int node;
	u64 nodemask;
	struct aa_map_stats stats;
};

static struct aa_map *aa_map_of(struct file *map_file)
{
	return container_of(file_inode(map_file), struct aa_map, vfs);
}

/* Takes @n of [*@next, @limit) into @first, or fails with nothing taken. */
static int aa_map_take(struct aa_map *m, pgoff_t *next, pgoff_t limit,
		       unsigned long n, pgoff_t *first)
{
	int ret = 0;

	spin_lock(&m->lock);
	if (n > limit - *next) {
		ret = -EOVERFLOW;
	} else {
		*first = *next;
		*next += n;
	}
	spin_unlock(&m->lock);
	return ret;
}

/* Takes @npages offsets of @map_file's space for a mapping. */
static int aa_map_take_pgoff(struct file *map_file, unsigned long npages,
			     pgoff_t *base)
{
	struct aa_map *m = aa_map_of(map_file);

	return aa_map_take(m, &m->next_pgoff, AA_DEV_PGOFF_LIMIT, npages, base);
}

/* Takes @n keys of @map_file's space for a forked backing. */
static int aa_map_take_keys(struct file *map_file, unsigned long n,
			    pgoff_t *first)
{
	struct aa_map *m = aa_map_of(map_file);

	return aa_map_take(m, &m->next_key, ULONG_MAX, n, first);
}

/* ==== Pages and backings ================================================ */

struct aa_backing {
	struct list_head vmas;		/* aa_vma.node: see "Lifetime" */
	int nid;			/* node of ARENALLOC_POLICY_DEFAULT */
	bool keyless;			/* no key range: see "Futexes" */
	bool exempt;			/* mapper had CAP_IPC_LOCK */
	struct mm_struct *mm;		/* the mm of its vmas; compared only */
	struct aa_user *user;		/* charged for it: "Byte limits" */
	struct address_space *mapping;	/* its map file's: page->mapping */
	pgoff_t base;			/* first page offset of its range */
	pgoff_t key;			/* page->index of offset 0: "Futexes" */
	unsigned long charged;		/* pages charged to locked_vm, user */
	struct xarray pages;		/* struct page *, by offset - base */
};

static struct aa_map *aa_backing_map(struct aa_backing *b)
{
	return container_of(b->mapping->host, struct aa_map, vfs);
}

/*
 * The node a new page at @index of @b comes from, by its open's policy
 * (see struct arenalloc_policy); adds __GFP_THISNODE to *@gfp for
 * ARENALLOC_POLICY_BIND.  A node that has lost its memory since the
 * policy was set gives way to the nearest, but for BIND: NUMA_NO_NODE.
 */
static int aa_backing_place(struct aa_backing *b, unsigned long index, gfp_t *gfp)
{
	struct aa_map *m = aa_backing_map(b);
	unsigned int seq, mode;
	unsigned long n;
	u64 mask;
	int nid;

	do {
		seq = read_seqcount_begin(&m->policy_seq);
		mode = m->mode;
		nid = m->node;
		mask = m->nodemask;
	} while (read_seqcount_retry(&m->policy_seq, seq));

	switch (mode) {
	case ARENALLOC_POLICY_LOCAL:
		return aa_nearest_memory_node(numa_node_id());
	case ARENALLOC_POLICY_BIND:
		*gfp |= __GFP_THISNODE;
		return node_state(nid, N_MEMORY) ? nid : NUMA_NO_NODE;
	case ARENALLOC_POLICY_PREFERRED:
		return aa_nearest_memory_node(nid);
	case ARENALLOC_POLICY_INTERLEAVE:
		/* The n-th node of the mask: clear the n lowest bits. */
		for (n = (b->base + index) % hweight64(mask); n; n--)
			mask &= mask - 1;
		return aa_nearest_memory_node(__ffs64(mask));
	default:
		return b->nid;
	}
}

static bool aa_backing_hold_page(struct aa_backing *b);
static void aa_backing_unhold_page(struct aa_backing *b);

/*
 * A page @b will hold at offset @index, on the node its open's policy
 * says: from that node's pool (devpool.c, which hands out only pages the
 * caller's memory cgroup would not be charged for) or else charged to the
 * caller's memory cgroup; counted against the byte limits, and named by
 * @b's key for @index (see "Futexes").  @gfp is __GFP_ZERO for a page
 * faulted in, 0 for a copy.  ERR_PTR(-ENOMEM) when
 * no page was free, ERR_PTR(-ENOSPC) when @b has no keys, its user or
 * the device is at its bound, or a bound node is full.
 */
static struct page *aa_dev_page_alloc(struct aa_backing *b, unsigned long index,
				      gfp_t gfp)
{
	struct page *page;
	int nid;

	gfp |= GFP_HIGHUSER | __GFP_ACCOUNT;
	nid = aa_backing_place(b, index, &gfp);
	if (b->keyless || nid == NUMA_NO_NODE || !aa_backing_hold_page(b))
		return ERR_PTR(-ENOSPC);
	page = arenalloc_user_page_alloc(nid, gfp);
	if (!page) {
		aa_backing_unhold_page(b);
		return ERR_PTR(gfp & __GFP_THISNODE ? -ENOSPC : -ENOMEM);
	}
	this_cpu_inc(aa_dev_nid_pages[page_to_nid(page)]);
	/* Dirty for good (see "Futexes"): a pooled page is already. */
	if (!folio_test_dirty(page_folio(page)))
		folio_set_dirty(page_folio(page));
	/* No one else sees it yet. */
	page->mapping = b->mapping;
	page->index = b->key + index;
	return page;
}

/*
 * Drops the reference the backing held, to the node's pool when it may
 * go there (devpool.c); a GUP pin may keep it longer, and keeps it out of
 * the pool.  The page has left its map file already
 * (aa_page_unshare_locked()) and no PTE maps it.
 */
static void aa_dev_page_free(struct aa_backing *b, struct page *page)
{
	WARN_ON_ONCE(page->mapping);
	aa_backing_unhold_page(b);
	this_cpu_dec(aa_dev_nid_pages[page_to_nid(page)]);
	arenalloc_user_page_put(page);
}

/*
 * page->private of a device page counts the backings that hold it besides
 * one (see "fork()" above), as an atomic_long_t: 0 when one backing has
 * it, which may then write it in place.  Only aa_backing_fork() raises it,
 * for the pages of the parent's backing, with the parent's mm
 * write-locked; any backing lowers it when it lets go, without a lock but
 * for the last one (aa_page_unshare()).  So a backing that reads 0 while
 * it holds the page holds it alone, and goes on doing so until it lets go:
 * only its own mm's fork could raise the count, for the offsets of a vma
 * that dup_mmap() has write-locked, and a fault holds the lock of the vma
 * it maps the offset in (or the mmap_lock), PURGE the mmap_lock.  A count
 * read above 0 may be stale (the other holder has just let go): the
 * writer then copies a page it might have written in place, which costs
 * a copy and breaks nothing.
 */
static atomic_long_t *aa_page_sharers(struct page *page)
{
	static_assert(sizeof(atomic_long_t) == sizeof_field(struct page, private));
	return (atomic_long_t *)&page->private;
}

static bool aa_page_shared(struct page *page)
{
	return atomic_long_read(aa_page_sharers(page)) > 0;
}

/*
 * Locked @page, held by @b alone, takes @b's key for offset @index, as
 * every page @b writes must (see "Futexes").  A no-op but for a page
 * that another backing, now gone from it, faulted in or last wrote.
 */
static void aa_page_claim_locked(struct aa_backing *b, unsigned long index,
				 struct page *page)
{
	if (!b->keyless && page->index != b->key + index)
		WRITE_ONCE(page->index, b->key + index);
}

/*
 * One backing lets go of @page, locked or not: returns true when it was
 * the last, and the page should leave its file (aa_page_release()) and be
 * freed rather than only put.  Of the holders' drops exactly one takes
 * the count below 0; it sets it back to 0 for the page's next life.
 */
static bool aa_page_unshare(struct page *page)
{
	if (atomic_long_dec_return(aa_page_sharers(page)) >= 0)
		return false;
	atomic_long_set(aa_page_sharers(page), 0);
	return true;
}

/*
 * The last backing lets go of locked @page: takes it out of the map file
 * first, as truncation takes a page out of its mapping, so that whoever
 * still holds it (a GUP pin) sees a page of no file, which the map file
 * may not outlive.
 */
static void aa_page_release_locked(struct page *page)
{
	WRITE_ONCE(page->mapping, NULL);
}

/* As aa_page_release_locked(), for an unlocked @page; then frees it. */
static void aa_page_release(struct aa_backing *b, struct page *page)
{
	lock_page(page);
	aa_page_release_locked(page);
	unlock_page(page);
	aa_dev_page_free(b, page);
}

/* As aa_page_unshare() for locked @page, releasing it when it was the last. */
static bool aa_page_unshare_locked(struct page *page)
{
	bool last = aa_page_unshare(page);

	if (last)
		aa_page_release_locked(page);
	return last;
}

/* What vm_private_data points to: one per vma, in its backing's list. */
struct aa_vma {
	struct list_head node;		/* in backing->vmas */
	struct vm_area_struct *vma;	/* the vma that points here */
	struct aa_backing *b;
};

static struct aa_backing *aa_vma_backing(struct vm_area_struct *vma)
{
	return ((struct aa_vma *)vma->vm_private_data)->b;
}

/* A backing of @mm whose pages name @map_file; the caller sets base, key. */
static struct aa_backing *aa_backing_new(int nid, struct mm_struct *mm,
					 struct file *map_file, gfp_t gfp)
{
	struct aa_backing *b = kzalloc(sizeof(*b), gfp);

	if (!b)
		return NULL;
	INIT_LIST_HEAD(&b->vmas);
	b->nid = nid;
	b->mm = mm;
	b->mapping = map_file->f_mapping;
	/* Its nodes are charged to the caller's memcg like the pages. */
	xa_init_flags(&b->pages, XA_FLAGS_ACCOUNT);
	atomic_long_inc(&aa_dev_mappings);
	return b;
}

/* Points @vma at @b; with __GFP_NOFAIL in @gfp it cannot fail. */
static int aa_vma_attach(struct aa_backing *b, struct vm_area_struct *vma,
			 gfp_t gfp)
{
	struct aa_vma *v = kmalloc(sizeof(*v), gfp);

	if (!v)
		return -ENOMEM;
	v->vma = vma;
	v->b = b;
	list_add(&v->node, &b->vmas);
	vma->vm_private_data = v;
	return 0;
}

/* Undoes aa_vma_attach(); returns the backing @vma pointed to. */
static struct aa_backing *aa_vma_detach(struct vm_area_struct *vma)
{
	struct aa_vma *v = vma->vm_private_data;
	struct aa_backing *b = v->b;

	list_del(&v->node);
	kfree(v);
	vma->vm_private_data = NULL;
	return b;
}

/* ==== Byte limits ======================================================= */

/*
 * On top of RLIMIT_MEMLOCK, which bounds one process, an administrator
 * may bound what one user holds and what all hold together: the module
 * parameters dev_user_max and dev_max, in bytes (0, the default: no
 * bound), written at insmod or in /sys/module/arenalloc/parameters/ and
 * read with READ_ONCE().  Counted twice, for the real uid of the task
 * that mapped (a child's mappings after fork() for the same):
 *   charged  as locked_vm is: every page of every mapping, from mmap()
 *            until no vma covers it.  An mmap() past either bound fails
 *            with EAGAIN, as past RLIMIT_MEMLOCK.  fork() charges the
 *            child's copy unchecked (->open cannot fail), so a user's
 *            charge can pass its bound by forking, and then no mmap()
 *            succeeds until it is below.
 *   held     the pages the user's backings hold, a page shared since
 *            fork() once (aa_user.held, aa_dev_held): every new page, a
 *            first touch or a copy on write, is checked as it is taken
 *            (aa_backing_hold_page()), and one past either bound is not
 *            taken: the fault is SIGBUS.  Without fork() held never
 *            passes charged, so this refuses only what fork() let a
 *            user map past its bound: forking cannot multiply what a
 *            user holds.
 * CAP_IPC_LOCK lifts dev_user_max, as it lifts RLIMIT_MEMLOCK (for held,
 * the mapper's at mmap(), which a child inherits: aa_backing.exempt),
 * but not dev_max, the administrator's bound on the device as a whole.
 * Lowering a bound takes no page away; it refuses mmap()s and new pages
 * past it.
 *
 * So that faults on different CPUs write no common cache line, each held
 * count is a struct aa_held: its total is the pages held plus credit,
 * pages that a CPU took from the total ahead, in a batch, and uses up one
 * fault at a time.  A page given back becomes credit of the CPU that
 * frees it.  A batch is at most AA_HELD_BATCH pages, and near a bound at
 * most a quarter of the room left shared over the online CPUs; a CPU
 * keeps at most 2 * AA_HELD_BATCH pages of credit.  The total never
 * passes a bound (but one set or lowered below it), and a CPU uses its
 * credit only while the total is within the bound, so held never passes
 * it either: the bounds stay exact.  A CPU that finds no room calls back
 * the credit of every online CPU (an IPI to each) and looks again before
 * it refuses, so a page is refused only while the pages held and the
 * credit that other CPUs have taken since fill the bound, or while credit
 * waits on an offline CPU (at most 2 * AA_HELD_BATCH pages each, until
 * the CPU is back).
 */
static unsigned long aa_dev_user_max;
static unsigned long aa_dev_max;

/* Accepts "4096", "64M" or "1G" (memparse()), in bytes. */
static int aa_byte_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned long long bytes;
	char *end;
	int len;

	bytes = memparse(val, &end);
	if (end == val || (*end && strcmp(end, "\n")) || bytes > ULONG_MAX) {
		len = min_t(size_t, strcspn(val, "\n"), 32);
		pr_err("invalid %s '%.*s': expected bytes, as 65536, 64M or 1G\n",
		       kp->name, len, val);
		return -EINVAL;
	}
	WRITE_ONCE(*(unsigned long *)kp->arg, bytes);
	return 0;
}

static const struct kernel_param_ops aa_byte_param_ops = {
	.set = aa_byte_param_set,
	.get = param_get_ulong,
};
module_param_cb(dev_user_max, &aa_byte_param_ops, &aa_dev_user_max, 0644);
MODULE_PARM_DESC(dev_user_max, "bytes of /dev/arenalloc mappings one user may hold; 0 (default): no bound");
module_param_cb(dev_max, &aa_byte_param_ops, &aa_dev_max, 0644);
MODULE_PARM_DESC(dev_max, "bytes of /dev/arenalloc mappings all users may hold; 0 (default): no bound");

/* Pages a CPU takes ahead from an aa_held's total (see "Byte limits"). */
#define AA_HELD_BATCH	64

/**
 * struct aa_held - a count of held pages, kept per CPU (see "Byte limits")
 * @total:  pages held, and the credit CPUs have taken ahead
 * @credit: per CPU, pages taken from @total and not yet used; written by
 *          this_cpu operations on its own CPU, which are atomic against
 *          the IPI of aa_held_drain()
 */
struct aa_held {
	atomic_long_t total;
	long __percpu *credit;
};

/* The pages @h counts as held: exact only while no one takes or gives. */
static long aa_held_pages(struct aa_held *h)
{
	long sum = atomic_long_read(&h->total);
	int cpu;

	for_each_possible_cpu(cpu)
		sum -= *per_cpu_ptr(h->credit, cpu);
	return sum;
}

static void aa_held_drain_cpu(void *arg)
{
	struct aa_held *h = arg;

	atomic_long_sub(this_cpu_xchg(*h->credit, 0), &h->total);
}

/* Returns the credit of every online CPU to @h's total. */
static void aa_held_drain(struct aa_held *h)
{
	on_each_cpu(aa_held_drain_cpu, h, 1);
}

/*
 * Counts a page more in @h unless that would pass @max (0: no bound):
 * from this CPU's credit, or else from the total, taking a batch ahead.
 * False, counting nothing, when there is no room even once every CPU's
 * credit is back.  Process context, no spinlock held (it may send IPIs).
 */
static bool aa_held_take(struct aa_held *h, unsigned long max)
{
	long c = this_cpu_read(*h->credit), old, n;
	bool drained = false;

	/* Credit is part of the total: within the bound while the total is. */
	if (c > 0 && (!max || atomic_long_read(&h->total) <= (long)max)) {
		do {
			old = c;
			c = this_cpu_cmpxchg(*h->credit, old, old - 1);
			if (c == old)
				return true;
		} while (c > 0);
	}

	old = atomic_long_read(&h->total);
	for (;;) {
		if (max && old >= (long)max) {
			if (drained)
				return false;
			aa_held_drain(h);
			drained = true;
			old = atomic_long_read(&h->total);
			continue;
		}
		n = AA_HELD_BATCH;
		if (max)
			n = clamp_t(long, (max - old) / (4 * num_online_cpus()),
				    1, AA_HELD_BATCH);
		if (atomic_long_try_cmpxchg(&h->total, &old, old + n))
			break;
	}
	if (n > 1)
		this_cpu_add(*h->credit, n - 1);
	return true;
}

/* Undoes aa_held_take(): the page becomes this CPU's credit. */
static void aa_held_put(struct aa_held *h)
{
	long c = this_cpu_add_return(*h->credit, 1);

	if (c > 2 * AA_HELD_BATCH) {
		/* What is there now: an IPI may have called it back meanwhile. */
		c = this_cpu_xchg(*h->credit, 0);
		if (c > AA_HELD_BATCH) {
			this_cpu_add(*h->credit, AA_HELD_BATCH);
			c -= AA_HELD_BATCH;
		}
		atomic_long_sub(c, &h->total);
	}
}

/**
 * struct aa_user - what one user's mappings have charged
 * @node:  in aa_users, under aa_users_lock
 * @uid:   the user's real uid
 * @refs:  backings that point here, under aa_users_lock
 * @pages: pages they have charged
 * @held:  pages they hold (aa_backing_hold_page()), a page shared since
 *         fork() once
 */
struct aa_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned long refs;
	atomic_long_t pages;
	struct aa_held held;
};

static DEFINE_HASHTABLE(aa_users, 6);
static DEFINE_SPINLOCK(aa_users_lock);	/* protects aa_users, aa_user.refs */
/* Pages charged by all users. */
static atomic_long_t aa_dev_charged = ATOMIC_LONG_INIT(0);
/* Pages held by all users. */
static DEFINE_PER_CPU(long, aa_dev_held_credit);
static struct aa_held aa_dev_held = {
	.total = ATOMIC_LONG_INIT(0),
	.credit = &aa_dev_held_credit,
};

/* @uid's entry with one more reference; NULL when none could be made. */
static struct aa_user *aa_user_get(kuid_t uid)
{
	struct aa_user *u, *new = NULL;

	for (;;) {
		spin_lock(&aa_users_lock);
		hash_for_each_possible(aa_users, u, node, __kuid_val(uid))
			if (uid_eq(u->uid, uid)) {
				u->refs++;
				spin_unlock(&aa_users_lock);
				if (new)
					free_percpu(new->held.credit);
				kfree(new);
				return u;
			}
		if (new) {
			new->refs = 1;
			hash_add(aa_users, &new->node, __kuid_val(uid));
			spin_unlock(&aa_users_lock);
			return new;
		}
		spin_unlock(&aa_users_lock);
		new = kzalloc(sizeof(*new), GFP_KERNEL);
		if (!new)
			return NULL;
		new->uid = uid;
		atomic_long_set(&new->pages, 0);
		atomic_long_set(&new->held.total, 0);
		new->held.credit = alloc_percpu(long);
		if (!new->held.credit) {
			kfree(new);
			return NULL;
		}
	}
}

/* One more reference on @u, which has one already. */
static void aa_user_hold(struct aa_user *u)
{
	spin_lock(&aa_users_lock);
	u->refs++;
	spin_unlock(&aa_users_lock);
}

static void aa_user_put(struct aa_user *u)
{
	spin_lock(&aa_users_lock);
	if (--u->refs) {
		u = NULL;
	} else {
		WARN_ON_ONCE(atomic_long_read(&u->pages));
		/* No backing points here: no one takes or gives. */
		WARN_ON_ONCE(aa_held_pages(&u->held));
		hash_del(&u->node);
	}
	spin_unlock(&aa_users_lock);
	if (u)
		free_percpu(u->held.credit);
	kfree(u);
}

/*
 * Charges @npages to @mm's locked_vm, as mlock() would: with @check, past
 * RLIMIT_MEMLOCK only for a caller with CAP_IPC_LOCK.  Called with @mm's
 * mmap_lock held for write.
 */
static int aa_memlock_charge(struct mm_struct *mm, unsigned long npages,
			     bool check)
{
	unsigned long locked = mm->locked_vm + npages;

	if (check && locked > rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT &&
	    !capable(CAP_IPC_LOCK))
		return -EAGAIN;
	WRITE_ONCE(mm->locked_vm, locked);
	return 0;
}

/*
 * Called with @mm's mmap_lock held for write, or held for read after a
 * downgrade from write (munmap()): as the core's own updates of total_vm
 * then, no other writer of locked_vm can run.
 */
static void aa_memlock_uncharge(struct mm_struct *mm, unsigned long npages)
{
	WARN_ON_ONCE(npages > mm->locked_vm);
	WRITE_ONCE(mm->locked_vm, mm->locked_vm - min(npages, mm->locked_vm));
}

/*
 * Charges @npages more to @b: its mm's locked_vm, its user and the
 * device's total.  With @check, refuses with EAGAIN past RLIMIT_MEMLOCK,
 * dev_user_max or dev_max, charging nothing.  Called with @b's mm's
 * mmap_lock held for write.
 */
static int aa_backing_charge(struct aa_backing *b, unsigned long npages,
			     bool check)
{
	unsigned long user_max = READ_ONCE(aa_dev_user_max) >> PAGE_SHIFT;
	unsigned long max = READ_ONCE(aa_dev_max) >> PAGE_SHIFT;
	unsigned long mine, total;
	int ret;

	ret = aa_memlock_charge(b->mm, npages, check);
	if (ret)
		return ret;
	mine = atomic_long_add_return(npages, &b->user->pages);
	total = atomic_long_add_return(npages, &aa_dev_charged);
	if (check && ((max && total > max) ||
		      (user_max && mine > user_max && !capable(CAP_IPC_LOCK)))) {
		atomic_long_sub(npages, &b->user->pages);
		atomic_long_sub(npages, &aa_dev_charged);
		aa_memlock_uncharge(b->mm, npages);
		return -EAGAIN;
	}
	b->charged += npages;
	atomic_long_add(npages, &aa_backing_map(b)->stats.mapped);
	return 0;
}

/* Gives back @npages of what @b has charged; mmap_lock as for locked_vm. */
static void aa_backing_uncharge(struct aa_backing *b, unsigned long npages)
{
	npages = min(npages, b->charged);
	b->charged -= npages;
	atomic_long_sub(npages, &aa_backing_map(b)->stats.mapped);
	aa_memlock_uncharge(b->mm, npages);
	atomic_long_sub(npages, &b->user->pages);
	atomic_long_sub(npages, &aa_dev_charged);
}

/*
 * Counts a page more for @b: its open's resident pages, its user's and
 * the device's (see "Byte limits").  False, counting nothing, when that
 * would pass dev_user_max (unless the mapper had CAP_IPC_LOCK) or dev_max.
 */
static bool aa_backing_hold_page(struct aa_backing *b)
{
	unsigned long user_max = READ_ONCE(aa_dev_user_max) >> PAGE_SHIFT;
	unsigned long max = READ_ONCE(aa_dev_max) >> PAGE_SHIFT;

	if (!aa_held_take(&b->user->held, b->exempt ? 0 : user_max))
		return false;
	if (!aa_held_take(&aa_dev_held, max)) {
		aa_held_put(&b->user->held);
		return false;
	}
	atomic_long_inc(&aa_backing_map(b)->stats.resident);
	return true;
}

/* Undoes aa_backing_hold_page(). */
static void aa_backing_unhold_page(struct aa_backing *b)
{
	atomic_long_dec(&aa_backing_map(b)->stats.resident);
	aa_held_put(&b->user->held);
	aa_held_put(&aa_dev_held);
}

/*
 * Entries aa_backing_free_range() and aa_backing_fork_pages() walk under
 * one hold of an xa_lock, between two cond_resched().
 */
#define AA_XA_BATCH	256

/* Pages aa_backing_free_range() releases after a batch, at most. */
#define AA_FREE_LAST	16

/*
 * Gives back the pages of [@first, @last], which no vma of @b covers, and
 * with @erase takes them out of the xarray (without: @b is being
 * destroyed, and xa_destroy() follows).  A batch at a time under the
 * xa_lock: a page another backing still holds is only put there; the
 * pages @b was the last to hold are released after it, as that sleeps.
 */
static void aa_backing_free_range(struct aa_backing *b, unsigned long first,
				  unsigned long last, bool erase)
{
	XA_STATE(xas, &b->pages, first);
	struct page *batch[AA_FREE_LAST];
	unsigned int i, n, seen;
	struct page *page;
	bool more;

	/* No vma covers the range, so no PTE maps these pages and no one looks. */
	do {
		more = false;
		n = 0;
		seen = 0;
		xas_lock(&xas);
		xas_for_each(&xas, page, last) {
			if (erase)
				xas_store(&xas, NULL);
			/* Neither a lost page's mark nor a page another holds. */
			if (!xa_is_value(page) && aa_page_unshare(page))
				batch[n++] = page;
			else if (!xa_is_value(page))
				put_page(page);		/* never the last reference */
			if (++seen == AA_XA_BATCH || n == AA_FREE_LAST) {
				more = xas.xa_index < last;
				break;
			}
		}
		xas_unlock(&xas);
		for (i = 0; i < n; i++)
			aa_page_release(b, batch[i]);
		cond_resched();
		/*
		 * On after the last entry seen.  Not xas_pause(): once an erase
		 * has freed a node, @xas points at its parent, and 6.12's
		 * xas_pause() would then skip the rest of the parent's slot.
		 */
		if (more)
			xas_set(&xas, xas.xa_index + 1);
	} while (more);
}

/*
 * Gives back the pages of the parts of [@first, @last] that no vma left
 * in @b covers, and the charge for those offsets.
 * The vmas of a backing cover disjoint ranges, except while mremap() has
 * both the old and the new vma of a range (or has failed half way and
 * closes the new one): then the range stays.
 */
static void aa_backing_uncover(struct aa_backing *b, unsigned long first,
			       unsigned long last)
{
	unsigned long pos = first, next, start, end, uncovered = 0;
	struct aa_vma *v;
	bool covered;

	while (pos <= last) {
		covered = false;
		next = last + 1;
		list_for_each_entry(v, &b->vmas, node) {
			if (!vma_pages(v->vma))
				continue;
			start = v->vma->vm_pgoff - b->base;
			end = start + vma_pages(v->vma) - 1;
			if (start <= pos && pos <= end) {
				covered = true;
				next = end + 1;
				break;
			}
			if (start > pos && start < next)
				next = start;
		}
		if (!covered) {
			end = min(next - 1, last);
			aa_backing_free_range(b, pos, end, true);
			uncovered += end - pos + 1;
		}
		pos = next;
	}
	aa_backing_uncharge(b, uncovered);
}

/* Frees a backing that no vma points to any more. */
static void aa_backing_destroy(struct aa_backing *b)
{
	aa_backing_free_range(b, 0, ULONG_MAX, false);
	if (b->user) {
		aa_backing_uncharge(b, b->charged);
		aa_user_put(b->user);
	}
	xa_destroy(&b->pages);
	atomic_long_dec(&aa_dev_mappings);
	kfree(b);
}

/* ==== The vma operations ================================================ */

/*
 * @page, locked and at @index in @b, is shared with another backing, and
 * @b is about to write it through @vma: puts a copy of it in its place,
 * charged to the writer's memory cgroup, and zaps every PTE of the index
 * before it lets go of @page.  Returns the copy, locked and with a
 * reference for the caller, or an ERR_PTR() of aa_dev_page_alloc().
 * @page stays locked, and the caller's own reference on it stays too.
 *
 * The zap is what keeps every vma of @b on the copy: a fault that read
 * @page before the copy was made may have mapped it read-only, in this
 * thread's vma or another's, and such a PTE would otherwise outlive the
 * swap.  Then the other backing, holding @page alone, writes it in place
 * while @b's threads still read it, and a write through the stale PTE
 * meets ->page_mkwrite, which finds another page at the index and
 * returns VM_FAULT_NOPAGE to fault again, for ever.  Zapping under the
 * lock of @page closes both: no fault can map @page for @b once it is
 * out of the xarray (faults look it up, then lock it and look again), and
 * the other backing cannot write it in place before the lock is dropped.
 */
static struct page *aa_backing_unshare(struct aa_backing *b,
				       struct vm_area_struct *vma,
				       unsigned long index, struct page *page)
{
	struct page *copy = aa_dev_page_alloc(b, index, 0);
	void *old;

	if (IS_ERR(copy)) {
		atomic_long_inc(&aa_dev_fork_failed);
		return copy;
	}
	copy_highpage(copy, page);
	/* No one else can see it yet. */
	if (WARN_ON_ONCE(!trylock_page(copy)))
		lock_page(copy);
	get_page(copy);			/* the caller's */
	/* The page lock keeps PURGE away, and a covered index from ->close. */
	old = xa_cmpxchg(&b->pages, index, page, copy, GFP_KERNEL);
	WARN_ON_ONCE(old != page);
	/* Before the other backing may write @page in place: see above. */
	unmap_mapping_pages(vma->vm_file->f_mapping, b->base + index, 1, false);
	if (aa_page_unshare_locked(page))
		aa_dev_page_free(b, page);	/* the other holder let go */
	else
		put_page(page);		/* @b's xarray reference */
	atomic_long_inc(&aa_dev_fork_copied);
	atomic_long_inc(&aa_backing_map(b)->stats.cow_copies);
	return copy;
}

/*
 * Why a page could not be had (@page an ERR_PTR() of aa_dev_page_alloc()):
 * no memory, as for anonymous memory; or no key, a byte limit or a full
 * bound node, which waiting will not cure: SIGBUS, as hugetlbfs gives
 * when its pool is empty.
 */
static vm_fault_t aa_dev_no_page(struct page *page)
{
	return PTR_ERR(page) == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

/*
 * A new page for the empty offset @index of @b, put in the xarray with a
 * reference for the fault's PTE and locked: locked before the xarray
 * shows it (as the page cache adds a folio), so PURGE, which takes pages
 * out under their lock, waits for the PTE without the fault having to
 * lock the page and look again.  ERR_PTR(-EAGAIN) when another fault
 * filled the offset first, -ENOMEM when no xarray node could be had, or
 * an error of aa_dev_page_alloc().
 */
static struct page *aa_dev_new_page(struct aa_backing *b, unsigned long index)
{
	struct page *page = aa_dev_page_alloc(b, index, __GFP_ZERO);
	void *old;

	if (IS_ERR(page))
		return page;
	/* No one else sees it yet. */
	__folio_set_locked(page_folio(page));
	get_page(page);			/* the PTE's reference */
	old = xa_cmpxchg(&b->pages, index, NULL, page, GFP_KERNEL);
	if (!old)
		return page;
	__folio_clear_locked(page_folio(page));
	put_page(page);
	page->mapping = NULL;		/* never seen */
	aa_dev_page_free(b, page);
	return ERR_PTR(xa_is_err(old) ? -ENOMEM : -EAGAIN);
}

static vm_fault_t aa_dev_fault(struct vm_fault *vmf)
{
	struct aa_backing *b = aa_vma_backing(vmf->vma);
	unsigned long index = vmf->pgoff - b->base;
	struct page *page;

	for (;;) {
		/* The first touch finds nothing: no lock needed to see that. */
		if (!xa_load(&b->pages, index)) {
			page = aa_dev_new_page(b, index);
			if (!IS_ERR(page))
				break;		/* in the xarray, locked */
			if (PTR_ERR(page) == -EAGAIN)
				continue;	/* another fault won: take its page */
			return aa_dev_no_page(page);
		}

		xa_lock(&b->pages);
		page = xa_load(&b->pages, index);
		if (xa_is_value(page)) {
			/* Lost at fork (see above): its data cannot be had. */
			xa_unlock(&b->pages);
			return VM_FAULT_SIGBUS;
		}
		if (page)
			get_page(page);
		xa_unlock(&b->pages);
		if (!page)
			continue;		/* PURGE took it meanwhile */

		/* See the lock order above: PURGE takes pages out locked. */
		lock_page(page);
		if (xa_load(&b->pages, index) == page)
			break;
		unlock_page(page);
		put_page(page);
	}
	/* A write to a page shared since fork() takes a copy first. */
	if ((vmf->flags & FAULT_FLAG_WRITE) && aa_page_shared(page)) {
		struct page *copy = aa_backing_unshare(b, vmf->vma, index, page);

		unlock_page(page);
		put_page(page);
		if (IS_ERR(copy))
			return aa_dev_no_page(copy);
		page = copy;
	} else if (!aa_page_shared(page)) {
		aa_page_claim_locked(b, index, page);
	}
	this_cpu_inc(aa_dev_faults);
	atomic_long_inc(&aa_backing_map(b)->stats.faults);
	vmf->page = page;
	return VM_FAULT_LOCKED;
}

/*
 * The first write through a read-only PTE of a copy-on-write vma.  A page
 * this backing alone has is written in place; a shared one is replaced by
 * a copy, the PTE is zapped, and the write faults the copy in.
 */
static vm_fault_t aa_dev_page_mkwrite(struct vm_fault *vmf)
{
	struct aa_backing *b = aa_vma_backing(vmf->vma);
	unsigned long index = vmf->pgoff - b->base;
	struct page *page = vmf->page, *copy;

	lock_page(page);
	if (xa_load(&b->pages, index) != page) {
		/* PURGE took it out; its zap of this PTE is coming. */
		unlock_page(page);
		return VM_FAULT_NOPAGE;
	}
	if (!aa_page_shared(page)) {
		aa_page_claim_locked(b, index, page);
		return VM_FAULT_LOCKED;
	}
	/* Zaps this PTE too: the write faults the copy in. */
	copy = aa_backing_unshare(b, vmf->vma, index, page);
	unlock_page(page);
	if (IS_ERR(copy))
		return aa_dev_no_page(copy);
	unlock_page(copy);
	put_page(copy);
	return VM_FAULT_NOPAGE;
}

static const struct vm_operations_struct aa_dev_cow_vm_ops;

/*
 * Makes @vma copy-on-write: its PTEs read-only (as vma_set_page_prot()
 * makes them for a vma that wants write notification) and a write to one
 * of them calls aa_dev_page_mkwrite().  For good: mprotect() keeps them
 * so, as the ops have ->page_mkwrite.  Called with the vma's mm (and, on
 * 6.12, the vma) write-locked; the caller zaps the writable PTEs.
 */
static void aa_vma_make_cow(struct vm_area_struct *vma)
{
	vma->vm_ops = &aa_dev_cow_vm_ops;
	WRITE_ONCE(vma->vm_page_prot,
		   vm_get_page_prot(vma->vm_flags & ~VM_SHARED));
}

/*
 * Gives @child's xarray a copy of pinned @page, which a device may write
 * at any time and must keep writing the parent's: as fork() does with
 * pinned anonymous pages.  Or, when no copy can be had, the mark of a
 * page lost to the child (SIGBUS, never a page of zeroes).
 */
static void aa_backing_fork_pinned(struct aa_backing *child,
				   unsigned long index, struct page *page)
{
	struct page *copy = aa_dev_page_alloc(child, index, 0);

	if (!IS_ERR(copy)) {
		copy_highpage(copy, page);
		xa_store(&child->pages, index, copy, GFP_KERNEL | __GFP_NOFAIL);
		atomic_long_inc(&aa_dev_fork_copied);
		atomic_long_inc(&aa_backing_map(child)->stats.cow_copies);
	} else {
		xa_store(&child->pages, index, xa_mk_value(0),
			 GFP_KERNEL | __GFP_NOFAIL);
		atomic_long_inc(&aa_dev_fork_failed);
	}
}

/*
 * Puts the parent's pages of [@first, @last] in @child's xarray too, each
 * with a reference and one more sharer.  Those entries of the parent's
 * xarray stay as they are meanwhile (its mm and the vma are write-locked;
 * a fault on another vma of it, under that vma's lock alone, touches
 * other offsets), and no one else sees the child's xarray.  So it goes a
 * batch at a time under the child's xa_lock, with one walk of each
 * xarray rather than a lookup per page; the lock is dropped to allocate a
 * node the store could not have without sleeping (xas_nomem()), to copy
 * a pinned page, and between batches.
 */
static void aa_backing_fork_pages(struct aa_backing *parent,
				  struct aa_backing *child,
				  unsigned long first, unsigned long last)
{
	XA_STATE(src, &parent->pages, first);
	XA_STATE(dst, &child->pages, first);
	unsigned long index = first;
	struct page *page, *pinned;
	unsigned int seen;
	bool more;

	do {
		/* The fork fails: the child never runs. */
		if (fatal_signal_pending(current))
			break;
		pinned = NULL;
		seen = 0;
		xas_reset(&dst);	/* a pinned page's xa_store() moved things */
		xas_lock(&dst);
		rcu_read_lock();	/* for the walk of the parent's */
		xas_for_each(&src, page, last) {
			index = src.xa_index;
			if (!xa_is_value(page) &&
			    folio_maybe_dma_pinned(page_folio(page))) {
				pinned = page;
				break;
			}
			/* A lost page's mark is lost to the child too. */
			/* Next to the last store: no walk from the root. */
			if (index == dst.xa_index + 1 && xas_valid(&dst) &&
			    dst.xa_node)
				xas_next(&dst);
			else
				xas_set(&dst, index);
			xas_store(&dst, page);
			if (xas_error(&dst))
				break;
			if (!xa_is_value(page)) {
				/* Shared: the first write on either side copies it. */
				atomic_long_inc(aa_page_sharers(page));
				get_page(page);		/* the child's xarray's */
			}
			if (++seen == AA_XA_BATCH)
				break;
		}
		rcu_read_unlock();
		xas_unlock(&dst);

		if (xas_nomem(&dst, GFP_KERNEL | __GFP_NOFAIL)) {
			xas_set(&src, index);	/* not taken: again */
			more = true;
		} else if (pinned || seen == AA_XA_BATCH) {
			if (pinned)
				aa_backing_fork_pinned(child, index, pinned);
			more = index < last;
			xas_set(&src, index + 1);	/* as in aa_backing_free_range() */
		} else {
			more = false;
		}
		cond_resched();
	} while (more);
}

/*
 * The child's backing for @vma, the child's copy of a vma of @parent:
 * see "fork()" above.  Called from dup_mmap() with both mms write-locked.
 */
static struct aa_backing *aa_backing_fork(struct vm_area_struct *vma,
					  struct aa_vma *src)
{
	struct aa_backing *parent = src->b;
	unsigned long first = vma->vm_pgoff - parent->base;
	unsigned long last = first + vma_pages(vma) - 1;
	struct aa_backing *child;

	/* ->open cannot fail, and this is a few bytes. */
	child = aa_backing_new(parent->nid, vma->vm_mm, vma->vm_file,
			       GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	child->base = parent->base;
	/* Keys of its own: its futexes are not its parent's (see "Futexes"). */
	if (aa_map_take_keys(vma->vm_file, last - first + 1, &child->key))
		child->keyless = true;
	else
		child->key -= first;
	/*
	 * Not checked against the limit (->open cannot fail), but the child
	 * starts with locked_vm 0 and gets at most what the parent has; the
	 * pages the child goes on to copy or fault in are checked against
	 * the byte limits one by one (see "Byte limits").
	 */
	child->user = parent->user;
	child->exempt = parent->exempt;
	aa_user_hold(child->user);
	aa_backing_charge(child, vma_pages(vma), false);

	/*
	 * From now on neither side writes a shared page without a fault:
	 * both vmas get read-only PTEs, and the parent's writable ones go.
	 */
	aa_vma_make_cow(src->vma);
	aa_vma_make_cow(vma);
	unmap_mapping_pages(vma->vm_file->f_mapping, vma->vm_pgoff,
			    vma_pages(vma), false);

	aa_backing_fork_pages(parent, child, first, last);
	return child;
}

/* A new vma for a backing: a split or moved piece, or a child's copy. */
static void aa_dev_vm_open(struct vm_area_struct *vma)
{
	struct aa_vma *src = vma->vm_private_data;
	struct aa_backing *b = src->b;

	/* A piece covers offsets its backing has charged already. */
	if (vma->vm_mm != b->mm)
		b = aa_backing_fork(vma, src);
	/* ->open cannot fail, and this is a few bytes. */
	aa_vma_attach(b, vma, GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
}

/*
 * The vma's page table entries are gone.  The pages of its range go back
 * now unless another vma of the backing covers them (mremap()); the last
 * vma frees the backing.
 */
static void aa_dev_vm_close(struct vm_area_struct *vma)
{
	struct aa_backing *b = aa_vma_detach(vma);

	if (list_empty(&b->vmas))
		aa_backing_destroy(b);
	else if (vma_pages(vma))	/* 6.1 empties a vma it failed to split */
		aa_backing_uncover(b, vma->vm_pgoff - b->base,
				   vma->vm_pgoff - b->base + vma_pages(vma) - 1);
}

/*
 * Maps nothing: no exported call maps a page without blocking, and
 * ->map_pages maps what it can reach so (Documentation/filesystems/
 * locking.rst).  Having one tells the core that ->fault and
 * ->page_mkwrite may run under the faulting vma's read lock alone, which
 * the locking rules above allow (whatever a fault must not run beside
 * write-locks the vma or does not look where it looks); without it, 6.12
 * gives up on every fault under the vma lock and takes it again under the
 * mmap_lock (vmf_can_call_fault()).  A read fault calls it first, for the
 * neighbours (fault-around), and then ->fault for its own page.
 */
static vm_fault_t aa_dev_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
				   pgoff_t end_pgoff)
{
	return 0;
}

static const struct vm_operations_struct aa_dev_vm_ops = {
	.open = aa_dev_vm_open,
	.close = aa_dev_vm_close,
	.fault = aa_dev_fault,
	.map_pages = aa_dev_map_pages,
};

/* A vma since fork(): ->page_mkwrite makes the core map pages read-only. */
static const struct vm_operations_struct aa_dev_cow_vm_ops = {
	.open = aa_dev_vm_open,
	.close = aa_dev_vm_close,
	.fault = aa_dev_fault,
	.map_pages = aa_dev_map_pages,
	.page_mkwrite = aa_dev_page_mkwrite,
};

static bool aa_is_dev_vma(struct vm_area_struct *vma)
{
	return vma->vm_ops == &aa_dev_vm_ops || vma->vm_ops == &aa_dev_cow_vm_ops;
}

/* ==== mmap ============================================================== */

static int aa_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct file *map_file = file->private_data;
	unsigned long npages = vma_pages(vma);
	struct aa_backing *b;
	unsigned long step;
	pgoff_t base;
	int nid, ret;

	/*
	 * MAP_PRIVATE would copy pages on write behind the module's back.
	 * VM_MAYSHARE, not VM_SHARED: MAP_SHARED of a read-only file lacks
	 * VM_SHARED, but can never become writable either.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	/* The offset is ARENALLOC_MMAP_NODE(node), (node + 1) << 16, or 0. */
	BUILD_BUG_ON(PAGE_SHIFT > ARENALLOC_MMAP_NODE_SHIFT);
	if (vma->vm_pgoff & ((1UL << (ARENALLOC_MMAP_NODE_SHIFT - PAGE_SHIFT)) - 1))
		return -EINVAL;
	step = vma->vm_pgoff >> (ARENALLOC_MMAP_NODE_SHIFT - PAGE_SHIFT);
	if (!step) {
		nid = numa_node_id();
	} else {
		if (step > nr_node_ids || !node_online(step - 1))
			return -EINVAL;
		nid = step - 1;
	}
	/* A node without memory is served by the nearest, as kmalloc_node(). */
	nid = aa_nearest_memory_node(nid);

	b = aa_backing_new(nid, vma->vm_mm, map_file, GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	ret = -ENOMEM;
	b->user = aa_user_get(current_uid());
	if (!b->user)
		goto destroy;
	/* CAP_IPC_LOCK lifts dev_user_max for its faults too (see there). */
	b->exempt = has_capability_noaudit(current, CAP_IPC_LOCK);
	/*
	 * EAGAIN past RLIMIT_MEMLOCK, as mmap(MAP_LOCKED) and memfd_secret,
	 * and past the byte limits above.
	 */
	ret = aa_backing_charge(b, npages, true);
	if (ret)
		goto destroy;
	ret = aa_vma_attach(b, vma, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto destroy;
	/* Last, so that a refused mmap() takes no offsets. */
	ret = aa_map_take_pgoff(map_file, npages, &base);
	if (ret) {
		aa_vma_detach(vma);
		goto destroy;
	}
	b->base = base;
	/* Its pages are named by their true page offsets. */
	b->key = base;
	/* Allowed here: the vma is not in the file's i_mmap tree yet. */
	vma->vm_pgoff = base;
	/* No growing by mremap(), and no merging with a neighbour. */
	aa_vm_flags_set(vma, VM_DONTEXPAND);
	vma->vm_ops = &aa_dev_vm_ops;
	/* The core links the vma into the map file's i_mmap, not the device's. */
	vma_set_file(vma, map_file);
	return 0;

destroy:
	aa_backing_destroy(b);	/* gives back what it charged */
	return ret;
}

/* ==== ioctl ============================================================= */

/* Every struct starts with its size and its flags. */
static_assert(offsetof(struct arenalloc_info, flags) == sizeof(u32));
static_assert(offsetof(struct arenalloc_purge, flags) == sizeof(u32));
static_assert(offsetof(struct arenalloc_policy, flags) == sizeof(u32));
static_assert(offsetof(struct arenalloc_stats, flags) == sizeof(u32));

/*
 * Reads a size-prefixed struct: at least @ksize bytes (the first version
 * of every struct is the current one), at most a page, the bytes past
 * @ksize zero, and flags 0 (no command has flags yet).  Returns 0 with
 * the user's size in @usize, or -errno.
 */
static int aa_dev_copy_in(void *dst, size_t ksize, void __user *uarg, u32 *usize)
{
	u32 size;
	int ret;

	if (get_user(size, (u32 __user *)uarg))
		return -EFAULT;
	if (size < ksize)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(dst, ksize, uarg, size);
	if (ret)
		return ret;
	if (*(u32 *)((u8 *)dst + sizeof(u32)))
		return -EINVAL;		/* flags */
	*usize = size;
	return 0;
}

static long aa_dev_info(void __user *uarg)
{
	struct arenalloc_info info;
	u32 usize;
	int ret;

	ret = aa_dev_copy_in(&info, sizeof(info), uarg, &usize);
	if (ret)
		return ret;
	info.version = ARENALLOC_ABI_VERSION;
	info.lg_chunk = arenalloc_knob_get(&arenalloc_knob_lg_chunk);
	info.nr_nodes = nr_node_ids;
	info.node = numa_node_id();
	info.page_size = PAGE_SIZE;
	if (copy_to_user(uarg, &info, min_t(size_t, usize, sizeof(info))))
		return -EFAULT;
	return 0;
}

/* Pages of a PURGE batch: taken out of the xarray, let go after the zap. */
#define AA_PURGE_BATCH	16

static void aa_purge_flush(struct aa_backing *b, struct address_space *mapping,
			   unsigned long from, unsigned long to,
			   struct page **batch, unsigned int n)
{
	unsigned int i;

	/*
	 * Zap first, let go after: while this backing still counts as a
	 * holder of a page shared since fork(), the other holder copies
	 * before it writes; once it does not, the other may write in place,
	 * which no PTE of ours may still show (see aa_page_sharers()).
	 */
	unmap_mapping_pages(mapping, b->base + from, to - from + 1, false);
	for (i = 0; i < n; i++) {
		put_page(batch[i]);		/* PURGE's own reference */
		if (aa_page_unshare(batch[i]))
			aa_page_release(b, batch[i]);
		else
			put_page(batch[i]);	/* the xarray's */
	}
	atomic_long_add(n, &aa_dev_purged);
	atomic_long_add(n, &aa_backing_map(b)->stats.purged);
}

/*
 * Gives back the pages of [@addr, @end) inside @vma.  Called with the
 * mmap_lock held for read, so faults may run alongside: see the lock
 * order above.  Returns the number of pages given back.
 */
static unsigned long aa_backing_purge(struct vm_area_struct *vma,
				      unsigned long addr, unsigned long end)
{
	struct address_space *mapping = vma->vm_file->f_mapping;
	struct aa_backing *b = aa_vma_backing(vma);
	unsigned long index = vma->vm_pgoff - b->base +
			      ((addr - vma->vm_start) >> PAGE_SHIFT);
	unsigned long last = index + ((end - addr) >> PAGE_SHIFT) - 1;
	struct page *batch[AA_PURGE_BATCH];
	unsigned long from = index, purged = 0;
	unsigned int n = 0;
	struct page *page;
	bool taken;

	while (index <= last) {
		xa_lock(&b->pages);
		page = xa_find(&b->pages, &index, last, XA_PRESENT);
		if (xa_is_value(page)) {
			/* A page lost at fork: purging it means it is not wanted. */
			__xa_erase(&b->pages, index);
			xa_unlock(&b->pages);
			index++;
			continue;
		}
		if (page)
			get_page(page);
		xa_unlock(&b->pages);
		if (!page)
			break;

		lock_page(page);
		taken = xa_cmpxchg(&b->pages, index, page, NULL, 0) == page;
		unlock_page(page);
		if (taken)
			batch[n++] = page;
		else
			put_page(page);	/* another PURGE took it */

		if (n == AA_PURGE_BATCH) {
			aa_purge_flush(b, mapping, from, index, batch, n);
			purged += n;
			n = 0;
			from = index + 1;
			cond_resched();
		}
		index++;
	}
	if (n) {
		aa_purge_flush(b, mapping, from, last, batch, n);
		purged += n;
	}
	return purged;
}

static long aa_dev_purge(void __user *uarg)
{
	struct mm_struct *mm = current->mm;
	struct arenalloc_purge req;
	struct vm_area_struct *vma;
	unsigned long addr, end;
	u32 usize;
	int ret;

	ret = aa_dev_copy_in(&req, sizeof(req), uarg, &usize);
	if (ret)
		return ret;
	if (!req.length ||
	    !IS_ALIGNED(req.addr, PAGE_SIZE) || !IS_ALIGNED(req.length, PAGE_SIZE) ||
	    req.addr + req.length < req.addr ||
	    (unsigned long)(req.addr + req.length) != req.addr + req.length)
		return -EINVAL;
	addr = untagged_addr((unsigned long)req.addr);
	end = addr + req.length;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, addr);
	if (!vma || !aa_is_dev_vma(vma) || end > vma->vm_end) {
		mmap_read_unlock(mm);
		return -EINVAL;
	}
	req.purged = aa_backing_purge(vma, addr, end);
	mmap_read_unlock(mm);

	if (copy_to_user(uarg, &req, min_t(size_t, usize, sizeof(req))))
		return -EFAULT;
	return 0;
}

/* Whether node @nid may be named by a policy: an id with memory now. */
static bool aa_policy_node_ok(u64 nid)
{
	return nid < nr_node_ids && node_state(nid, N_MEMORY);
}

static long aa_dev_set_policy(struct file *map_file, void __user *uarg)
{
	struct aa_map *m = aa_map_of(map_file);
	struct arenalloc_policy req;
	u64 mask;
	u32 usize;
	int ret;

	ret = aa_dev_copy_in(&req, sizeof(req), uarg, &usize);
	if (ret)
		return ret;
	switch (req.mode) {
	case ARENALLOC_POLICY_DEFAULT:
	case ARENALLOC_POLICY_LOCAL:
		if (req.node || req.nodemask)
			return -EINVAL;
		break;
	case ARENALLOC_POLICY_BIND:
	case ARENALLOC_POLICY_PREFERRED:
		if (req.nodemask || !aa_policy_node_ok(req.node))
			return -EINVAL;
		break;
	case ARENALLOC_POLICY_INTERLEAVE:
		if (req.node || !req.nodemask)
			return -EINVAL;
		for (mask = req.nodemask; mask; mask &= mask - 1)
			if (!aa_policy_node_ok(__ffs64(mask)))
				return -EINVAL;
		break;
	default:
		return -EINVAL;
	}

	spin_lock(&m->lock);
	write_seqcount_begin(&m->policy_seq);
	m->mode = req.mode;
	m->node = req.node;
	m->nodemask = req.nodemask;
	write_seqcount_end(&m->policy_seq);
	spin_unlock(&m->lock);
	return 0;
}

static long aa_dev_stats(struct file *map_file, void __user *uarg)
{
	struct aa_map_stats *st = &aa_map_of(map_file)->stats;
	struct arenalloc_stats req;
	u32 usize;
	int ret;

	ret = aa_dev_copy_in(&req, sizeof(req), uarg, &usize);
	if (ret)
		return ret;
	req.mapped = atomic_long_read(&st->mapped);
	req.resident = atomic_long_read(&st->resident);
	req.purged = atomic_long_read(&st->purged);
	req.faults = atomic_long_read(&st->faults);
	req.cow_copies = atomic_long_read(&st->cow_copies);
	if (copy_to_user(uarg, &req, min_t(size_t, usize, sizeof(req))))
		return -EFAULT;
	return 0;
}

/*
 * A command is its type and number, _IOWR with any size (the struct's
 * size field is what counts) or the _IO number of the first ABI 1
 * headers: see include/uapi/linux/arenalloc.h.
 */
static long aa_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != ARENALLOC_IOC_MAGIC ||
	    (_IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE) &&
	     cmd != _IO(ARENALLOC_IOC_MAGIC, _IOC_NR(cmd))))
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(ARENALLOC_IOC_INFO):
		return aa_dev_info(uarg);
	case _IOC_NR(ARENALLOC_IOC_PURGE):
		return aa_dev_purge(uarg);
	case _IOC_NR(ARENALLOC_IOC_SET_POLICY):
		return aa_dev_set_policy(file->private_data, uarg);
	case _IOC_NR(ARENALLOC_IOC_STATS):
		return aa_dev_stats(file->private_data, uarg);
	default:
		return -ENOTTY;
	}
}

/* ==== The map files ===================================================== */

/* Any number the other pseudo filesystems do not use: "aamf". */
#define AA_MAP_FS_MAGIC	0x61616d66

static struct vfsmount *aa_map_mnt;

/* /proc/<pid>/maps names a mapping's file as it names the device's. */
static char *aa_map_dname(struct dentry *dentry, char *buf, int len)
{
	static const char name[] = ARENALLOC_DEV_PATH;

	if (len < (int)sizeof(name))
		return ERR_PTR(-ENAMETOOLONG);
	return memcpy(buf + len - sizeof(name), name, sizeof(name));
}

static const struct dentry_operations aa_map_dops = {
	.d_dname = aa_map_dname,
};

/* Every inode of the filesystem is a struct aa_map, whose space is empty. */
static struct inode *aa_map_alloc_inode(struct super_block *sb)
{
	struct aa_map *m = kmalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);

	if (!m)
		return NULL;
	inode_init_once(&m->vfs);
	spin_lock_init(&m->lock);
	m->next_pgoff = 0;
	m->next_key = AA_DEV_PGOFF_LIMIT;
	seqcount_spinlock_init(&m->policy_seq, &m->lock);
	m->mode = ARENALLOC_POLICY_DEFAULT;
	m->node = 0;
	m->nodemask = 0;
	atomic_long_set(&m->stats.mapped, 0);
	atomic_long_set(&m->stats.resident, 0);
	atomic_long_set(&m->stats.purged, 0);
	atomic_long_set(&m->stats.faults, 0);
	atomic_long_set(&m->stats.cow_copies, 0);
	return &m->vfs;
}

/* After an RCU grace period, as futex keys and GUP-fast look at inodes. */
static void aa_map_free_inode(struct inode *inode)
{
	kfree(container_of(inode, struct aa_map, vfs));
}

static const struct super_operations aa_map_sops = {
	.alloc_inode = aa_map_alloc_inode,
	.free_inode = aa_map_free_inode,
	.statfs = simple_statfs,
};

static int aa_map_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, AA_MAP_FS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->ops = &aa_map_sops;
	ctx->dops = &aa_map_dops;
	return 0;
}

/* Internal, never registered: only kern_mount() mounts it, as aio's. */
static struct file_system_type aa_map_fs_type = {
	.name = "arenalloc",
	.init_fs_context = aa_map_init_fs_context,
	.kill_sb = kill_anon_super,
};

/*
 * The map file's own operations: none.  Opening it again through
 * /proc/<pid>/map_files gives a file that cannot map or do anything else.
 */
static const struct file_operations aa_map_fops = {
	.owner = THIS_MODULE,
	.llseek = noop_llseek,
	.fsync = noop_fsync,	/* msync(MS_SYNC) succeeds, as on anonymous memory */
};

/* A map file for an open with @f_mode (FMODE_WRITE or not). */
static struct file *aa_map_file_new(fmode_t f_mode)
{
	struct inode *inode;
	struct file *file;

	inode = alloc_anon_inode(aa_map_mnt->mnt_sb);
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	/* Nobody else sees it, so its times need not move. */
	inode->i_flags |= S_NOCMTIME;
	/* __fput() drops the module reference the file's fops stand for. */
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, aa_map_mnt, "arenalloc",
				 f_mode & FMODE_WRITE ? O_RDWR : O_RDONLY,
				 &aa_map_fops);
	if (IS_ERR(file)) {
		module_put(THIS_MODULE);
		iput(inode);
	}
	return file;
}

/* ==== The device ======================================================== */

/*
 * Who may open the device.  -1 (the default): everyone, as the node's mode
 * 0666 says.  A group id: only tasks with it among their groups (the fs gid
 * or a supplementary group; 0 is root's) or with CAP_DAC_OVERRIDE, as if
 * the node were 0660 and of that group.  Checked at open(): files open
 * already keep working.  Written as a module parameter, at insmod or in
 * /sys/module/arenalloc/parameters/dev_group; read with READ_ONCE().
 */
static int aa_dev_group = -1;

static int aa_dev_group_set(const char *val, const struct kernel_param *kp)
{
	int group, len;

	if (kstrtoint(val, 0, &group) || group < -1) {
		len = min_t(size_t, strcspn(val, "\n"), 32);
		pr_err("invalid dev_group '%.*s': expected -1 or a group id\n",
		       len, val);
		return -EINVAL;
	}
	WRITE_ONCE(aa_dev_group, group);
	return 0;
}

static const struct kernel_param_ops aa_dev_group_ops = {
	.set = aa_dev_group_set,
	.get = param_get_int,
};
module_param_cb(dev_group, &aa_dev_group_ops, &aa_dev_group, 0644);
MODULE_PARM_DESC(dev_group, "only this group may open /dev/arenalloc; -1 (default): everyone");

static bool aa_dev_may_open(void)
{
	int group = READ_ONCE(aa_dev_group);

	return group < 0 || in_group_p(make_kgid(&init_user_ns, group)) ||
	       capable(CAP_DAC_OVERRIDE);
}

/* The device file's private_data is its map file. */
static int aa_dev_open(struct inode *inode, struct file *file)
{
	struct file *map_file;

	if (!aa_dev_may_open())
		return -EACCES;
	map_file = aa_map_file_new(file->f_mode);
	if (IS_ERR(map_file))
		return PTR_ERR(map_file);
	file->private_data = map_file;
	return 0;
}

static int aa_dev_release(struct inode *inode, struct file *file)
{
	fput(file->private_data);	/* its mappings hold it on their own */
	return 0;
}

static const struct file_operations aa_dev_fops = {
	.owner = THIS_MODULE,		/* an open file pins the module */
	.open = aa_dev_open,
	.release = aa_dev_release,
	.mmap = aa_dev_mmap,
	.unlocked_ioctl = aa_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice aa_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "arenalloc",
	.fops = &aa_dev_fops,
	.mode = 0666,
};

/**
 * aa_dev_init() - create /dev/arenalloc
 *
 * Context: Module init, after the page layer.
 * Return: 0, or -errno with nothing left behind.
 */
int aa_dev_init(void)
{
	int ret;

	aa_dev_nid_pages = __alloc_percpu(nr_node_ids * sizeof(*aa_dev_nid_pages),
					  __alignof__(*aa_dev_nid_pages));
	if (!aa_dev_nid_pages)
		return -ENOMEM;
	aa_map_mnt = kern_mount(&aa_map_fs_type);
	if (IS_ERR(aa_map_mnt)) {
		ret = PTR_ERR(aa_map_mnt);
		goto free_counts;
	}
	ret = misc_register(&aa_miscdev);
	if (ret)
		goto unmount;
	return 0;

unmount:
	kern_unmount(aa_map_mnt);
free_counts:
	free_percpu(aa_dev_nid_pages);
	aa_dev_nid_pages = NULL;
	return ret;
}

/**
 * aa_dev_exit() - remove /dev/arenalloc
 *
 * No mapping or open can be left: each holds the module through a file.
 *
 * Context: Module exit, before the page layer goes.
 */
void aa_dev_exit(void)
{
	misc_deregister(&aa_miscdev);
	WARN_ON(atomic_long_read(&aa_dev_mappings));
	kern_unmount(aa_map_mnt);
	free_percpu(aa_dev_nid_pages);
}
