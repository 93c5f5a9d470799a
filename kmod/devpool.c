// SPDX-License-Identifier: GPL-2.0
/*
 * The device's page pools: one per node, of the order-0 pages that
 * /dev/arenalloc mappings (chardev.c) let go of, kept for the next fault
 * on the device instead of going straight back to the page allocator.
 *
 * What enters: a page that its last backing lets go of (PURGE, munmap(),
 * exit, the loser of a fault race), when
 *   - no one else holds it: page_ref_freeze() to 0 from the backing's one
 *     reference succeeds (a GUP pin, io_uring's or O_DIRECT's, may still
 *     write the page; such a page goes the old way, freed by the last
 *     put), and no PTE maps it (every path zaps before it lets go);
 *   - it is charged to no memory cgroup (below);
 *   - dirty_decay_ms is not 0 (0: straight back, as for kernel chunks).
 * Each page is in the pool of the node it lies on.
 *
 * States, in the words of kmod/decay.c: a page in a pool is *dirty*: an
 * unused page the module still holds, ready for reuse, as an empty chunk
 * in an arena is.  It decays on dirty_decay_ms, with the same curve
 * (common/decay.c), and goes from the pool straight back to the page
 * allocator (clean): a device page has no muzzy stage, as nothing cheaper
 * than the whole page can be kept.  So dirty_decay_ms is, for kernel and
 * user memory alike, how long the module keeps a page nobody uses for
 * reuse.  (libarenalloc's own dirty_decay_ms decides when it purges, that
 * is when a page enters a pool.)  -1 keeps pages until the shrinker or
 * the purge trigger; the shrinker counts the pools and a scan empties
 * them (aa_decay_run()), under reclaim and drop_caches, whatever the
 * window.  Zeroing a page does not make it younger.
 *
 * Zeroing: a page that leaves a process holds that process's data, and
 * no process, the same one included, may ever see it.  A pool has two
 * lists: @dirty, pages as they came in, and @zeroed, pages cleared by the
 * pool's zero thread.  A fault takes a zeroed page first, the newest;
 * with none ready, a dirty one, cleared inline (counted in zero_inline);
 * with none at all, a page from the page allocator with __GFP_ZERO (a
 * miss).  A copy for copy-on-write overwrites the whole page anyway: it
 * takes a dirty page first, uncleared.  No other path hands a pool page
 * out.
 *
 * The zero thread: one kthread per node with memory at load,
 * "aa_devzero/<node>", allowed on that node's CPUs (so it clears memory
 * local to it; a node without online CPUs leaves it unbound until one of
 * its CPUs comes online; when the node's last CPU goes offline the
 * scheduler lets the thread run anywhere, and a CPU hotplug callback,
 * aa_devpool_cpu_online(), narrows it back to the node when one of the
 * node's CPUs comes online again), at
 * SCHED_IDLE (sched_setattr_nocheck(), exported GPL by 6.1 and 6.12) and
 * nice 19 (set_user_nice(); SCHED_IDLE keeps the nice value it finds,
 * which then tells ps, top and a later switch back to SCHED_NORMAL what
 * the thread is).  The scheduler runs it when a CPU would otherwise idle,
 * and gives it next to nothing (a weight of 3 against a nice-0 task's
 * 1024) while anything else wants the CPU, so it never competes with the
 * tasks that fault; under load the pages wait, and a fault clears one
 * inline.  A put that finds @dirty empty wakes it; it clears @dirty's
 * pages oldest first, at most AA_DEVPOOL_BATCH per round between
 * reschedule points and stop checks, and sleeps (TASK_IDLE) once @dirty
 * is empty.  It is stopped (kthread_stop()) at module exit, and when the
 * load fails, before the pools are emptied.  A node that gets its first
 * memory after the load has no thread: its pool works, its faults clear
 * inline.
 * (Until this thread, the clearing was a work item on system_unbound_wq,
 * at normal priority, competing with the faulting tasks.)
 *
 * Memory cgroups: device pages are charged with __GFP_ACCOUNT inside the
 * page allocator (__memcg_kmem_charge_page(), an objcg reference in
 * page->memcg_data) and uncharged when freed.  Neither 6.12 nor stock
 * Debian 6.12 exports a way for a module to charge, uncharge or move a
 * page (__memcg_kmem_charge_page, __memcg_kmem_uncharge_page,
 * obj_cgroup_charge, __mem_cgroup_charge are all unexported; only
 * mem_cgroup_from_task, get_mem_cgroup_from_mm and static keys are).  A
 * page charged to cgroup A and handed to a task of cgroup B would leave A
 * paying for B's memory, and A would not get it back while the page
 * lives.  Pooling per cgroup would keep a page charged to its cgroup, but
 * the shrinker is not memcg-aware (and cannot be made so without
 * exported per-memcg shrinker bits), so a cgroup that reaches memory.max
 * could not reclaim its pooled pages and would OOM with them held.  So:
 * charged pages are never pooled; they go back to the page allocator,
 * which uncharges them, exactly as before.  Uncharged pages (of tasks in
 * the root cgroup, or of any task without memcg or with
 * cgroup.memory=nokmem) are pooled, and handed out only to tasks of the
 * root cgroup (aa_task_charged()), whose pages are never charged, so a
 * pool page never enters a cgroup without its charge.  The cost: under
 * systemd, where services and sessions have cgroups of their own, their
 * faults never hit a pool.  A kernel that exports a way to charge a page
 * at hand-out would let every page be pooled.
 *
 * Locks
 *   pool->lock  a spinlock around the lists, their counts and the decay
 *               state; a leaf: nothing is allocated, no page is zeroed
 *               and no other lock is taken under it.  Taken in process
 *               context only (faults, PURGE, ->close, the zero thread,
 *               the decay work, the shrinker and sysfs), under mmap_lock
 *               or a vma's lock and a device page's lock (a copy-on-write copy is taken
 *               under the lock of the page it replaces), never in an
 *               interrupt.
 *   pool->zero_lock  a spinlock held by the zero thread around one page
 *               it has taken off @dirty to clear, and by a decay step
 *               around each batch it takes off the lists, so that a decay
 *               step (the shrinker's, the purge trigger's) never misses a
 *               page being cleared: it sees every page of the pool on a
 *               list.  Taken before pool->lock.  A spinlock, not a mutex:
 *               the thread runs at SCHED_IDLE, and reclaim waiting on a
 *               sleeping lock held by a task the scheduler starves would
 *               wait for as long as the CPU is busy; a spinlock's holder
 *               cannot be preempted, and holds it for the clearing of
 *               one page.  Nothing under it allocates memory or sleeps.
 *   The counter misses is an atomic (a miss may take no lock); hits and
 *   zero_inline are counted under the lock the hit takes anyway; npages
 *   and nzeroed are written under the lock and read locklessly
 *   (READ_ONCE) by statistics and the shrinker's count, a snapshot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/page_ref.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <uapi/linux/sched/types.h>

#include "../common/decay.h"
#include "internal.h"

/* Pages the zero thread clears per round, or freed per hold of the lock. */
#define AA_DEVPOOL_BATCH	32

/**
 * struct aa_devpool - one node's pool of device pages
 * @lock:        protects the fields below up to @zero_inline (see the
 *               header)
 * @dirty:       pages not yet cleared, linked by page->lru, oldest first
 * @zeroed:      cleared pages, oldest first
 * @npages:      pages of the pool: on both lists, and being cleared
 * @nzeroed:     pages on @zeroed
 * @decay:       the dirty curve's state
 * @npurge:      decay steps that gave pages back, ever
 * @purged:      pages given back to the page allocator, ever
 * @hits:        pages handed out from the pool, ever
 * @zero_inline: hits that had to clear the page first, ever
 * @misses:      device pages that came from the page allocator, ever
 * @zero_lock:   see the header
 * @zero_task:   the zero thread, clears @dirty pages onto @zeroed; NULL
 *               for a node without memory at load.  Set before the
 *               device exists, fixed until it is gone.
 * @decay_work:  deferrable work applying the curve
 * @nid:         the node, fixed
 */
struct aa_devpool {
	spinlock_t lock;	/* see above */
	struct list_head dirty;
	struct list_head zeroed;
	unsigned long npages;
	unsigned long nzeroed;
	struct acd_decay decay;
	u64 npurge;
	u64 purged;
	u64 hits;
	u64 zero_inline;
	atomic_long_t misses;
	spinlock_t zero_lock;	/* see above */
	struct task_struct *zero_task;
	struct delayed_work decay_work;
	int nid;
};

/* One per node id, nr_node_ids entries. */
static struct aa_devpool *aa_devpools;

static long aa_devpool_ms(void)
{
	return arenalloc_knob_get(&arenalloc_knob_dirty_decay_ms);
}

/* Whether @page is charged to a memory cgroup. */
static bool aa_page_charged(struct page *page)
{
#ifdef CONFIG_MEMCG
	return READ_ONCE(page->memcg_data);
#else
	return false;
#endif
}

/*
 * Whether a page the current task allocates with __GFP_ACCOUNT may be
 * charged: the task (or the memcg it charges to for now) is not in the
 * root cgroup, which is never charged.  With kmem accounting off
 * (cgroup.memory=nokmem) nothing is charged, but this still says true
 * outside the root: safe, only fewer hits.  (memcg_kmem_online() is
 * memcg_kmem_enabled() before 6.4.)  A task that moves to another cgroup
 * meanwhile is treated as a fault a moment earlier would have been, as
 * anonymous memory is.
 */
static bool aa_task_charged(void)
{
#ifdef CONFIG_MEMCG
	struct mem_cgroup *memcg;
	bool charged;

	if (current->active_memcg)
		return true;
	rcu_read_lock();
	memcg = mem_cgroup_from_task(current);
	/* The root has no parent; mem_cgroup_is_root() needs an unexported symbol. */
	charged = memcg && memcg->css.parent;
	rcu_read_unlock();
	return charged;
#else
	return false;
#endif
}

/**
 * aa_devpool_take() - a pool page for a device fault or copy
 * @nid:  the node the backing asks pages from
 * @zero: the page must read zeroes (a fault); false for a copy, which
 *        overwrites it
 *
 * Called by arenalloc_user_page_alloc(), which fault injection may fail
 * first.
 *
 * Context: Process context; takes the pool's lock.
 * Return: an order-0 page with one reference, counted by the page layer
 * as from arenalloc_user_page_alloc(), uncharged, with no mapping, and
 * cleared if @zero; or NULL (a miss: the caller allocates).
 */
struct page *aa_devpool_take(int nid, bool zero)
{
	struct aa_devpool *pool = &aa_devpools[nid];
	struct page *page = NULL;
	bool clear = false;

	if (!READ_ONCE(pool->npages) || aa_task_charged())
		goto miss;
	spin_lock(&pool->lock);
	if (zero && pool->nzeroed) {
		page = list_last_entry(&pool->zeroed, struct page, lru);
		pool->nzeroed--;
	} else if (!list_empty(&pool->dirty)) {
		page = list_last_entry(&pool->dirty, struct page, lru);
		clear = zero;
	} else if (pool->nzeroed) {
		page = list_last_entry(&pool->zeroed, struct page, lru);
		pool->nzeroed--;
	}
	if (page) {
		list_del_init(&page->lru);
		WRITE_ONCE(pool->npages, pool->npages - 1);
		if (likely(!PageHWPoison(page))) {
			pool->hits++;
			pool->zero_inline += clear;
		}
	}
	spin_unlock(&pool->lock);
	if (!page)
		goto miss;
	/* Poisoned while pooled: reading it would consume the poison. */
	if (unlikely(PageHWPoison(page))) {
		arenalloc_user_page_free(page);
		goto miss;
	}
	if (clear)
		clear_highpage(page);
	return page;
miss:
	atomic_long_inc(&pool->misses);
	return NULL;
}

/**
 * aa_devpool_put() - keep a device page the last backing let go of
 * @page: an order-0 page of arenalloc_user_page_alloc(), out of its map
 *        file (no ->mapping), private 0, mapped by no PTE
 *
 * Called by arenalloc_user_page_put().
 *
 * Context: Process context; takes the pool's lock.
 * Return: true when the pool took the caller's reference; false when the
 * page may not be pooled (see the header), and the caller gives it back
 * with arenalloc_user_page_free().
 */
bool aa_devpool_put(struct page *page)
{
	struct aa_devpool *pool = &aa_devpools[page_to_nid(page)];
	long ms = aa_devpool_ms();
	bool wake;

	if (!ms || PageHWPoison(page) || aa_page_charged(page))
		return false;
	/*
	 * Ours alone, or pinned (GUP), which keeps it out.  A speculative
	 * reference taken after this check is transient: its holder drops it,
	 * and nothing reads the page's contents through it.
	 */
	if (!page_ref_freeze(page, 1))
		return false;
	page_ref_unfreeze(page, 1);
	VM_WARN_ON_ONCE_PAGE(page_mapped(page) || page->mapping, page);
	/*
	 * It stays dirty, as every device page is while the module has it
	 * (chardev.c); the page allocator clears the flag when it has it back.
	 */

	spin_lock(&pool->lock);
	/* The zero thread sleeps only once it found @dirty empty. */
	wake = list_empty(&pool->dirty);
	list_add_tail(&page->lru, &pool->dirty);
	WRITE_ONCE(pool->npages, pool->npages + 1);
	spin_unlock(&pool->lock);
	if (wake && pool->zero_task)
		wake_up_process(pool->zero_task);
	if (ms > 0)
		queue_delayed_work(system_unbound_wq, &pool->decay_work,
				   aa_decay_delay(ms));
	return true;
}

/*
 * Clears the oldest page of @pool's @dirty onto @zeroed.  Returns false
 * when @dirty was empty.
 */
static bool aa_devpool_zero_one(struct aa_devpool *pool)
{
	struct page *page;
	bool poisoned;

	spin_lock(&pool->zero_lock);
	spin_lock(&pool->lock);
	page = list_first_entry_or_null(&pool->dirty, struct page, lru);
	if (page)
		list_del_init(&page->lru);
	spin_unlock(&pool->lock);
	if (!page) {
		spin_unlock(&pool->zero_lock);
		return false;
	}
	/* Poisoned while pooled: not to be read, so not to be cleared or kept. */
	poisoned = PageHWPoison(page);
	/* Still counted in npages; zero_lock keeps decay waiting. */
	if (!poisoned)
		clear_highpage(page);
	spin_lock(&pool->lock);
	if (poisoned) {
		WRITE_ONCE(pool->npages, pool->npages - 1);
	} else {
		list_add_tail(&page->lru, &pool->zeroed);
		pool->nzeroed++;
	}
	spin_unlock(&pool->lock);
	spin_unlock(&pool->zero_lock);
	if (poisoned)
		arenalloc_user_page_free(page);
	return true;
}

/* The zero thread of @data's pool: see the header. */
static int aa_devpool_zero_thread(void *data)
{
	struct aa_devpool *pool = data;
	unsigned int i;

	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop())
			break;
		/* Lockless: a put that makes @dirty non-empty wakes us after. */
		if (list_empty(&pool->dirty)) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		for (i = 0; i < AA_DEVPOOL_BATCH && aa_devpool_zero_one(pool); i++)
			;
		cond_resched();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/*
 * Starts @pool's zero thread, on its node's CPUs, at idle priority.
 * Returns 0 or a negative errno.
 */
static int aa_devpool_zero_start(struct aa_devpool *pool)
{
	const struct cpumask *cpus = cpumask_of_node(pool->nid);
	struct sched_attr attr = { .sched_policy = SCHED_IDLE };
	struct task_struct *task;
	int ret;

	task = kthread_create_on_node(aa_devpool_zero_thread, pool, pool->nid,
				      "aa_devzero/%d", pool->nid);
	if (IS_ERR(task))
		return PTR_ERR(task);
	set_user_nice(task, MAX_NICE);
	ret = sched_setattr_nocheck(task, &attr);
	if (!ret && cpumask_intersects(cpus, cpu_online_mask))
		ret = set_cpus_allowed_ptr(task, cpus);
	if (ret) {
		/* Never woken: it stops without running its function. */
		kthread_stop(task);
		return ret;
	}
	pool->zero_task = task;
	wake_up_process(task);
	return 0;
}

/**
 * aa_devpool_decay() - give pool pages of node @nid back
 * @nid:   the node
 * @now:   the time, ns
 * @force: pages to give back whatever the curve says; ULONG_MAX for all
 *
 * Applies dirty_decay_ms to the node's pool: pages not yet cleared
 * first, then cleared ones, the oldest first, AA_DEVPOOL_BATCH pages per
 * hold of the pool's lock.
 *
 * Context: Process context; may sleep (between batches).  Waits for the
 * zero thread to clear a page at most (zero_lock).
 * Return: pages given back to the page allocator.
 */
unsigned long aa_devpool_decay(int nid, u64 now, unsigned long force)
{
	struct aa_devpool *pool = &aa_devpools[nid];
	unsigned long limit, freed = 0;
	long ms = aa_devpool_ms();
	struct page *page, *tmp;
	unsigned int i;
	LIST_HEAD(out);
	bool more;

	spin_lock(&pool->zero_lock);
	spin_lock(&pool->lock);
	if (pool->decay.decay_ms != ms)
		acd_init(&pool->decay, ms, now);
	limit = acd_advance(&pool->decay, now, pool->npages) ?
		acd_limit(&pool->decay) : ULONG_MAX;
	if (force)
		limit = min(limit, pool->npages - min(pool->npages, force));
	for (;;) {
		for (i = 0; i < AA_DEVPOOL_BATCH && pool->npages > limit; i++) {
			if (!list_empty(&pool->dirty)) {
				page = list_first_entry(&pool->dirty, struct page, lru);
			} else {
				page = list_first_entry(&pool->zeroed, struct page, lru);
				pool->nzeroed--;
			}
			list_move_tail(&page->lru, &out);
			WRITE_ONCE(pool->npages, pool->npages - 1);
		}
		if (i && !freed)
			pool->npurge++;
		pool->purged += i;
		freed += i;
		acd_purged(&pool->decay, pool->npages);
		more = pool->npages > limit;
		spin_unlock(&pool->lock);
		spin_unlock(&pool->zero_lock);
		list_for_each_entry_safe(page, tmp, &out, lru) {
			list_del_init(&page->lru);
			arenalloc_user_page_free(page);
		}
		if (!more)
			break;
		cond_resched();
		spin_lock(&pool->zero_lock);
		spin_lock(&pool->lock);
	}
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(aa_devpool_decay);

static void aa_devpool_decay_work(struct work_struct *work)
{
	struct aa_devpool *pool = container_of(to_delayed_work(work), struct aa_devpool,
					       decay_work);
	u64 now = aa_decay_now(), deadline;

	aa_devpool_decay(pool->nid, now, 0);
	spin_lock(&pool->lock);
	deadline = pool->npages ? acd_deadline(&pool->decay) : (u64)-1;
	spin_unlock(&pool->lock);
	aa_decay_requeue(&pool->decay_work, deadline, now);
}

/**
 * aa_devpool_kick_all() - run every pool's decay work now
 *
 * After dirty_decay_ms changed, so that the new window takes effect.
 *
 * Context: Process context.
 */
void aa_devpool_kick_all(void)
{
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		mod_delayed_work(system_unbound_wq, &aa_devpools[nid].decay_work, 0);
}

/**
 * aa_devpool_pages() - pages in the device's pools
 * @nid: the node, or NUMA_NO_NODE for all
 *
 * Context: Any context.  A snapshot.
 * Return: the number of pages.
 */
unsigned long aa_devpool_pages(int nid)
{
	unsigned long sum = 0;

	if (nid != NUMA_NO_NODE)
		return READ_ONCE(aa_devpools[nid].npages);
	for (nid = 0; nid < nr_node_ids; nid++)
		sum += READ_ONCE(aa_devpools[nid].npages);
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(aa_devpool_pages);

/**
 * aa_devpool_stats_get() - the counters of the device's pools
 * @nid: the node, or NUMA_NO_NODE for the totals
 * @st:  filled in
 *
 * Context: Process context; takes each pool's lock for a fixed time.
 */
void aa_devpool_stats_get(int nid, struct aa_devpool_stats *st)
{
	int n, first = nid == NUMA_NO_NODE ? 0 : nid;
	int last = nid == NUMA_NO_NODE ? nr_node_ids - 1 : nid;
	struct aa_devpool *pool;

	memset(st, 0, sizeof(*st));
	for (n = first; n <= last; n++) {
		pool = &aa_devpools[n];
		spin_lock(&pool->lock);
		st->pdirty += pool->npages;
		st->pzeroed += pool->nzeroed;
		st->dirty_npurge += pool->npurge;
		st->dirty_purged += pool->purged;
		st->hits += pool->hits;
		st->zero_inline += pool->zero_inline;
		spin_unlock(&pool->lock);
		st->misses += atomic_long_read(&pool->misses);
	}
}

/* The CPU hotplug state of aa_devpool_cpu_online(); 0 when not set up. */
static int aa_devpool_cpuhp;

/*
 * A CPU came online: the zero thread of its node may run on it again
 * (see the header).  Called by the hotplug machinery, which serialises
 * it against aa_devpool_exit()'s removal of the state.
 */
static int aa_devpool_cpu_online(unsigned int cpu)
{
	struct aa_devpool *pool = &aa_devpools[cpu_to_node(cpu)];

	if (pool->zero_task)
		set_cpus_allowed_ptr(pool->zero_task, cpumask_of_node(pool->nid));
	return 0;
}

/**
 * aa_devpool_init() - the device's pools, one per node id
 *
 * And a zero thread for each node with memory (see the header).
 *
 * Context: Module init, before the shrinker and the device exist.
 * Return: 0, or a negative errno (nothing left behind).
 */
int aa_devpool_init(void)
{
	struct aa_devpool *pool;
	int nid, ret;

	aa_devpools = kcalloc(nr_node_ids, sizeof(*aa_devpools), GFP_KERNEL);
	if (!aa_devpools)
		return -ENOMEM;
	for (nid = 0; nid < nr_node_ids; nid++) {
		pool = &aa_devpools[nid];
		spin_lock_init(&pool->lock);
		INIT_LIST_HEAD(&pool->dirty);
		INIT_LIST_HEAD(&pool->zeroed);
		acd_init(&pool->decay, aa_devpool_ms(), aa_decay_now());
		spin_lock_init(&pool->zero_lock);
		INIT_DEFERRABLE_WORK(&pool->decay_work, aa_devpool_decay_work);
		pool->nid = nid;
	}
	for_each_node_state(nid, N_MEMORY) {
		ret = aa_devpool_zero_start(&aa_devpools[nid]);
		if (ret) {
			pr_err("no zero thread for node %d: %d\n", nid, ret);
			aa_devpool_exit();
			return ret;
		}
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "arenalloc:devzero",
					aa_devpool_cpu_online, NULL);
	if (ret < 0) {
		aa_devpool_exit();
		return ret;
	}
	aa_devpool_cpuhp = ret;
	return 0;
}

/**
 * aa_devpool_exit() - give back every pool page and free the pools
 *
 * Stops the zero threads first.
 *
 * Context: Module exit, once the device and the shrinker are gone, before
 * the page layer checks that everything came back; or a failed
 * aa_devpool_init().
 */
void aa_devpool_exit(void)
{
	struct aa_devpool *pool;
	int nid;

	if (aa_devpool_cpuhp > 0)
		cpuhp_remove_state_nocalls(aa_devpool_cpuhp);
	aa_devpool_cpuhp = 0;
	for (nid = 0; nid < nr_node_ids; nid++) {
		pool = &aa_devpools[nid];
		if (pool->zero_task)
			kthread_stop(pool->zero_task);
		pool->zero_task = NULL;
		cancel_delayed_work_sync(&pool->decay_work);
		aa_devpool_decay(nid, aa_decay_now(), ULONG_MAX);
	}
	WARN_ON(aa_devpool_pages(NUMA_NO_NODE));
	kfree(aa_devpools);
	aa_devpools = NULL;
}
