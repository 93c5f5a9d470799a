// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: the device's per-node page pools (kmod/devpool.c).
 *
 * Pages a mapping lets go of wait in a pool for the next fault: a page
 * taken from it reads zeroes, also in another process of another user;
 * the node's zero thread, at idle priority on the node's CPUs, clears
 * them before a fault needs them;
 * the pool is emptied by drop_caches, by the purge trigger and by decay
 * on dirty_decay_ms; pages charged to a memory cgroup never enter it,
 * and a task of a cgroup never takes a pool page, so the cgroup's
 * memory.current goes back to where it was.  Every case ends with the
 * device's and the module's page counts back at their start.
 *
 * Each case sets dirty_decay_ms to -1 (nothing leaves the pool but what
 * the case asks for) and empties the pool first, and puts the knob back
 * afterwards.  Needs root; skips when the module is not loaded.  Expects
 * to be the device's only user while it runs.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/arenalloc.h>

#include "kselftest_harness.h"
#include "memcg.h"
#include "sysfs_read.h"

static long page_size;
/* The node of the test's pools, which pool_off asks for. */
static int pool_node;
/*
 * Every mapping asks for the same node, the test's at its start: pools
 * are per node, and a child may run on another node's CPU.
 */
static off_t pool_off;

/* Fills page @i of @p with a byte pattern of @tag. */
static void pattern(char *p, long i, char tag)
{
	memset(p + i * page_size, tag, page_size);
}

/* Pages of @p (@n of them) that hold anything but zeroes. */
static long nonzero_pages(const char *p, long n)
{
	long i, j, bad = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < page_size; j++)
			if (p[i * page_size + j]) {
				bad++;
				break;
			}
	return bad;
}

/*
 * A mapping of @n pages of a fresh open, filled with @tag and unmapped:
 * its pages go to the pool (or, from a charged task, back).
 */
static int fill_and_unmap(long n, char tag)
{
	int fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	char *p;
	long i;

	if (fd < 0)
		return -1;
	p = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pool_off);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < n; i++)
		pattern(p, i, tag);
	return munmap(p, n * page_size);
}

/* The state every case starts from, and what it ends with. */
FIXTURE(pool) {
	char dirty_ms[32];
	long pages0, held0;
};

FIXTURE_SETUP(pool)
{
	struct arenalloc_info info = { .size = sizeof(info) };
	int fd;

	page_size = sysconf(_SC_PAGESIZE);
	if (access(ARENALLOC_SYSFS_DIR, F_OK))
		SKIP(return, "arenalloc is not loaded");
	if (getuid())
		SKIP(return, "needs root");
	fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, ARENALLOC_IOC_INFO, &info));
	close(fd);
	pool_node = info.node;
	pool_off = ARENALLOC_MMAP_NODE(info.node);
	ASSERT_LT(0, read_sysfs("dirty_decay_ms", self->dirty_ms, sizeof(self->dirty_ms)));
	ASSERT_EQ(0, write_sysfs("dirty_decay_ms", "-1"));
	/* Nothing left over from earlier users of the device. */
	ASSERT_EQ(0, write_sysfs("purge", "1"));
	ASSERT_EQ(0, counter("dev/pdirty"));
	self->pages0 = counter("dev/pages");
	self->held0 = held_pages();
	ASSERT_LE(0, self->pages0);
	ASSERT_LE(0, self->held0);
}

FIXTURE_TEARDOWN(pool)
{
	if (!self->dirty_ms[0])
		return;
	EXPECT_EQ(0, write_sysfs("purge", "1"));
	EXPECT_EQ(0, counter("dev/pdirty"));
	EXPECT_EQ(self->pages0, counter("dev/pages"));
	EXPECT_EQ(self->held0, held_pages());
	EXPECT_EQ(0, write_sysfs("dirty_decay_ms", self->dirty_ms));
}

static const long npool = 64;

/* As nobody: map npool pages; step number of what failed, 0 if all zero. */
static int nobody_reads_zeroes(void)
{
	long hits0 = counter("dev/pool_hits"), bad;
	int fd;
	char *p;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 1;
	fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 2;
	p = mmap(NULL, npool * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pool_off);
	if (p == MAP_FAILED)
		return 3;
	/* Reads first: a read fault takes a pool page as a write does. */
	bad = nonzero_pages(p, npool);
	if (bad) {
		fprintf(stderr, "# %ld of %ld pool pages were not zero\n", bad, npool);
		return 4;
	}
	if (counter("dev/pool_hits") != hits0 + npool)
		return 5;	/* the pages did not come from the pool */
	if (munmap(p, npool * page_size))
		return 6;
	close(fd);
	return 0;
}

/*
 * Root's pages, full of a pattern, go to the pool at munmap(); another
 * user's process takes every one of them and reads zeroes only.
 */
TEST_F(pool, reused_pages_read_zero_in_another_users_process)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, fill_and_unmap(npool, 0x5a));
	EXPECT_EQ(npool, counter("dev/pdirty"));
	EXPECT_LE(counter("dev/pzeroed"), npool);
	EXPECT_EQ(self->pages0, counter("dev/pages"));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(nobody_reads_zeroes());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the child failed at step %d (status %#x)", WEXITSTATUS(status), status);
	/* The child's pages came back to the pool when it unmapped them. */
	EXPECT_EQ(npool, counter("dev/pdirty"));
}

/* The same process: pages it purged come back zeroed, from the pool. */
TEST_F(pool, purged_pages_come_back_zeroed)
{
	struct arenalloc_purge req = { .size = sizeof(req) };
	long hits0, misses0;
	char *p;
	int fd;
	long i;

	fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	p = mmap(NULL, npool * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pool_off);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < npool; i++)
		pattern(p, i, 0x7e);
	req.addr = (uintptr_t)p;
	req.length = npool * page_size;
	ASSERT_EQ(0, ioctl(fd, ARENALLOC_IOC_PURGE, &req));
	EXPECT_EQ(npool, req.purged);
	EXPECT_EQ(npool, counter("dev/pdirty"));
	hits0 = counter("dev/pool_hits");
	misses0 = counter("dev/pool_misses");
	EXPECT_EQ(0, nonzero_pages(p, npool));
	EXPECT_EQ(hits0 + npool, counter("dev/pool_hits"));
	EXPECT_EQ(misses0, counter("dev/pool_misses"));
	EXPECT_EQ(0, counter("dev/pdirty"));
	EXPECT_EQ(0, munmap(p, npool * page_size));
	close(fd);
}

/* Reclaim's way in: drop_caches empties the pools through the shrinker. */
TEST_F(pool, drop_caches_empties_the_pool)
{
	long purged0 = counter("dev/dirty_purged");

	if (access("/proc/sys/vm/drop_caches", W_OK))
		SKIP(return, "no drop_caches");
	ASSERT_EQ(0, fill_and_unmap(npool, 0x11));
	EXPECT_EQ(npool, counter("dev/pdirty"));
	EXPECT_EQ(self->held0 + npool, held_pages());
	ASSERT_EQ(0, write_path("/proc/sys/vm/drop_caches", "2"));
	EXPECT_EQ(0, counter("dev/pdirty"));
	EXPECT_EQ(0, counter("dev/pzeroed"));
	EXPECT_EQ(purged0 + npool, counter("dev/dirty_purged"));
	/* The shrinker also empties the per-CPU caches: the rest may go too. */
	EXPECT_GE(self->held0, held_pages());
	self->held0 = held_pages();
}

/* The purge trigger gives the pools back too. */
TEST_F(pool, purge_trigger_empties_the_pool)
{
	ASSERT_EQ(0, fill_and_unmap(npool, 0x22));
	EXPECT_EQ(npool, counter("dev/pdirty"));
	ASSERT_EQ(0, write_sysfs("purge", "1"));
	EXPECT_EQ(0, counter("dev/pdirty"));
	EXPECT_EQ(self->held0, held_pages());
}

/*
 * Decay: with dirty_decay_ms 0 a decay step gives everything back, and
 * pages let go of afterwards do not wait in the pool at all.
 */
TEST_F(pool, decay_on_dirty_decay_ms_empties_the_pool)
{
	long npurge0 = counter("dev/dirty_npurge");

	ASSERT_EQ(0, fill_and_unmap(npool, 0x33));
	EXPECT_EQ(npool, counter("dev/pdirty"));
	/* -1: a decay step keeps everything. */
	ASSERT_EQ(0, write_sysfs("decay", "1"));
	EXPECT_EQ(npool, counter("dev/pdirty"));
	ASSERT_EQ(0, write_sysfs("dirty_decay_ms", "0"));
	ASSERT_EQ(0, write_sysfs("decay", "1"));
	EXPECT_EQ(0, counter("dev/pdirty"));
	EXPECT_LT(npurge0, counter("dev/dirty_npurge"));
	EXPECT_EQ(self->held0, held_pages());
	ASSERT_EQ(0, fill_and_unmap(npool, 0x44));
	EXPECT_EQ(0, counter("dev/pdirty"));
	EXPECT_EQ(self->held0, held_pages());
}

/* ==== The zero thread =================================================== */

/* The pid of node @node's zero thread ("aa_devzero/<node>"), or -1. */
static pid_t zero_thread(int node)
{
	char want[32], path[PATH_MAX], comm[32];
	DIR *proc = opendir("/proc");
	struct dirent *d;
	pid_t pid = -1;

	if (!proc)
		return -1;
	snprintf(want, sizeof(want), "aa_devzero/%d\n", node);
	while (pid < 0 && (d = readdir(proc))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		if (read_path(path, comm, sizeof(comm)) > 0 && !strcmp(comm, want))
			pid = atoi(d->d_name);
	}
	closedir(proc);
	return pid;
}

/* The CPUs @pid may run on, as /proc/<pid>/status lists them, into @buf. */
static int cpus_allowed(pid_t pid, char *buf, size_t len)
{
	static const char key[] = "Cpus_allowed_list:\t";
	char path[64], status[4096], *line;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_path(path, status, sizeof(status)) <= 0)
		return -1;
	line = strstr(status, key);
	if (!line)
		return -1;
	line += strlen(key);
	snprintf(buf, len, "%.*s", (int)strcspn(line, "\n"), line);
	return 0;
}

/*
 * The node's zero thread is at SCHED_IDLE (and nice 19) on the node's
 * CPUs, and clears the pages put in the pool with no fault doing it:
 * pzeroed reaches all of them while nothing faults, and the faults that
 * then take them clear none inline.
 */
TEST_F(pool, zero_thread_clears_the_pool_at_idle_priority)
{
	long hits0 = counter("dev/pool_hits"), inline0 = counter("dev/pool_zero_inline");
	char path[64], want[64], got[64];
	pid_t pid = zero_thread(pool_node);
	char *p;
	long i;
	int fd;

	ASSERT_LT(0, pid) TH_LOG("no aa_devzero/%d thread", pool_node);
	EXPECT_EQ(SCHED_IDLE, sched_getscheduler(pid)) TH_LOG("%s", strerror(errno));
	errno = 0;
	EXPECT_EQ(19, getpriority(PRIO_PROCESS, pid));
	EXPECT_EQ(0, errno);
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", pool_node);
	ASSERT_LT(0, read_path(path, want, sizeof(want)));
	want[strcspn(want, "\n")] = '\0';
	ASSERT_EQ(0, cpus_allowed(pid, got, sizeof(got)));
	/* A node without CPUs leaves it unbound. */
	if (want[0])
		EXPECT_STREQ(want, got);

	ASSERT_EQ(0, fill_and_unmap(npool, 0x77));
	EXPECT_EQ(npool, counter("dev/pdirty"));
	/*
	 * Polls, sleeping so that the CPU idles and the thread runs; the
	 * bound only ends a wait that a pool without a thread makes endless.
	 */
	for (i = 0; i < 20000 && counter("dev/pzeroed") < npool; i++)
		usleep(1000);
	EXPECT_EQ(npool, counter("dev/pzeroed"));
	EXPECT_EQ(npool, counter("dev/pdirty"));
	EXPECT_EQ(hits0, counter("dev/pool_hits"));
	EXPECT_EQ(inline0, counter("dev/pool_zero_inline"));

	fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	p = mmap(NULL, npool * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pool_off);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, nonzero_pages(p, npool));
	EXPECT_EQ(hits0 + npool, counter("dev/pool_hits"));
	EXPECT_EQ(inline0, counter("dev/pool_zero_inline"));
	EXPECT_EQ(0, counter("dev/pzeroed"));
	EXPECT_EQ(0, munmap(p, npool * page_size));
	close(fd);
}

/* ==== Memory cgroups ==================================================== */

#define CG_TEST	CG_ROOT "/arenalloc_pool_test"

/* A per-CPU charge batch (64 pages) and page tables may stay charged. */
#define CG_SLACK	(128 * page_size)

/*
 * In the test cgroup: npool * 8 pages faulted in (none from the pool,
 * which holds root's pages), filled, unmapped.  Step of what failed.
 */
static int in_cgroup(long pool0)
{
	long n = 8 * npool, before, during, after, hits0 = counter("dev/pool_hits");
	int cg = open(CG_TEST, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	char *p;
	long i;

	if (cg < 0 || write_path(CG_TEST "/cgroup.procs", "0"))
		return 1;
	before = cg_current(cg);
	fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (before < 0 || fd < 0)
		return 2;
	p = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pool_off);
	if (p == MAP_FAILED)
		return 3;
	for (i = 0; i < n; i++)
		pattern(p, i, 0x66);
	during = cg_current(cg);
	/* Charged here: not one page of root's uncharged pool. */
	if (counter("dev/pool_hits") != hits0)
		return 4;
	if (during < before + n * page_size) {
		fprintf(stderr, "# memory.current %ld -> %ld for %ld pages\n", before, during, n);
		return 5;
	}
	if (munmap(p, n * page_size))
		return 6;
	close(fd);
	after = cg_current(cg);
	/* Charged pages go back, uncharged: none waits in a pool. */
	if (counter("dev/pdirty") != pool0)
		return 7;
	if (after > before + CG_SLACK) {
		fprintf(stderr, "# memory.current %ld -> %ld -> %ld\n", before, during, after);
		return 8;
	}
	return 0;
}

/*
 * A task in a memory cgroup neither takes pool pages (uncharged, root's)
 * nor leaves its charged pages in the pool: its memory.current goes back
 * to its start once it unmaps.
 */
TEST_F(pool, charged_pages_never_enter_or_leave_the_pool)
{
	int status, mounted;
	const char *skip = cg_memory_on(&mounted);
	pid_t pid;

	if (skip)
		SKIP(return, "%s", skip);
	rmdir(CG_TEST);
	ASSERT_EQ(0, mkdir(CG_TEST, 0755));
	/* Root's pages in the pool, for the cgroup's task not to take. */
	ASSERT_EQ(0, fill_and_unmap(npool, 0x55));
	ASSERT_EQ(npool, counter("dev/pdirty"));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(in_cgroup(npool));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the child failed at step %d (status %#x)", WEXITSTATUS(status), status);
	EXPECT_EQ(npool, counter("dev/pdirty"));
	EXPECT_EQ(0, rmdir(CG_TEST));
	cg_memory_off(mounted);
}

/*
 * The zero thread runs on its node's CPUs: when they all go offline the
 * scheduler lets it run anywhere (it is woken meanwhile, by pages put in
 * its pool), and once they are back it must be bound to them again.
 * Offlines every CPU of a node other than 0 that has a zero thread.
 * (Found by review: without the hotplug callback it stayed on 0-1.)
 */
TEST(zero_thread_rebinds_after_cpu_hotplug)
{
	char path[128], want[64], got[64], before[64];
	int node, cpu, ncpus = 0, cpus[64];
	pid_t pid = -1;

	if (getuid())
		SKIP(return, "needs root");
	for (node = 1; node < 64 && pid < 0; node++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
		if (read_path(path, want, sizeof(want)) <= 0)
			continue;
		want[strcspn(want, "\n")] = '\0';
		if (!want[0])
			continue;
		pid = zero_thread(node);
		if (pid > 0)
			break;
	}
	if (pid <= 0)
		SKIP(return, "no node but 0 with CPUs and a zero thread");
	/* want: "a" or "a-b" */
	{
		int a, b;

		if (sscanf(want, "%d-%d", &a, &b) != 2) {
			a = atoi(want);
			b = a;
		}
		for (cpu = a; cpu <= b && ncpus < 64; cpu++)
			cpus[ncpus++] = cpu;
	}
	ASSERT_EQ(0, cpus_allowed(pid, before, sizeof(before)));
	TH_LOG("node %d cpus %s, aa_devzero/%d (pid %d) allowed %s", node, want, node, pid, before);
	for (cpu = 0; cpu < ncpus; cpu++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpus[cpu]);
		if (write_path(path, "0"))
			SKIP(return, "cannot offline cpu%d: %s", cpus[cpu], strerror(errno));
	}
	ASSERT_EQ(0, cpus_allowed(pid, got, sizeof(got)));
	TH_LOG("node %d offline: allowed %s", node, got);
	/* Wake it while its CPUs are away: pages into its node's pool. */
	{
		char ms[32];
		long k;

		page_size = sysconf(_SC_PAGESIZE);
		pool_off = ARENALLOC_MMAP_NODE(node);
		ASSERT_LT(0, read_sysfs("dirty_decay_ms", ms, sizeof(ms)));
		ASSERT_EQ(0, write_sysfs("dirty_decay_ms", "-1"));
		ASSERT_EQ(0, fill_and_unmap(64, 0x33));
		for (k = 0; k < 5000 && counter("dev/pzeroed") < 64; k++)
			usleep(1000);
		TH_LOG("pzeroed %ld after the wake", counter("dev/pzeroed"));
		ASSERT_EQ(0, cpus_allowed(pid, got, sizeof(got)));
		TH_LOG("node %d offline, thread woken: allowed %s", node, got);
		ASSERT_EQ(0, write_sysfs("purge", "1"));
		ASSERT_EQ(0, write_sysfs("dirty_decay_ms", ms));
	}
	for (cpu = 0; cpu < ncpus; cpu++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpus[cpu]);
		ASSERT_EQ(0, write_path(path, "1"));
	}
	ASSERT_EQ(0, cpus_allowed(pid, got, sizeof(got)));
	TH_LOG("node %d back online: allowed %s", node, got);
	EXPECT_STREQ(before, got);
}

TEST_HARNESS_MAIN
