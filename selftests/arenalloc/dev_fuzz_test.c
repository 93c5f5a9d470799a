// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: a small system call fuzzer for /dev/arenalloc.
 *
 * As USERS users at once (uids 65534, 65533, ..., each with RLIMIT_MEMLOCK
 * 4 MiB and, while the test runs, dev_user_max at 8 MiB, which forks pass
 * and page faults then meet), each a fixed-seed random sequence of opens,
 * closes, mmaps (on any node, read-only or writable), munmaps (whole and
 * partial), mremaps (shrinking, moving, growing, which is refused),
 * mprotects, madvises, PURGE, INFO, SET_POLICY and STATS ioctls (good and
 * bad), reads and writes through process_vm_readv/writev (which cannot
 * fault the fuzzer, so a page refused at a byte limit is an error, not a
 * SIGBUS), futex wakes, forks whose children run the same sequence for a
 * while, and exits.  Any result is allowed but a crash; afterwards the
 * module must hold no page and no mapping more than before, and the
 * kernel log must have no new warning.  ARENALLOC_FUZZ_SEED and
 * ARENALLOC_FUZZ_CALLS change the seed (user k's is seed + k) and the
 * number of calls, all users' and children's included (100000);
 * ARENALLOC_FUZZ_SECONDS (90) bounds the run time, and the number of calls
 * made is printed.  Skips when the module is not loaded.  Expects to be
 * the device's only user while it runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/arenalloc.h>

#include "kselftest_harness.h"
#include "sysfs_read.h"

#define SLOTS		16
#define MAX_PAGES	64
#define MAX_CHILDREN	4
#define USERS		2

static long page_size;
static unsigned long long rng;
/* What the fuzzer and its children did, in memory they share. */
struct tally {
	unsigned long calls, mapped, forked, top_calls;
};

static struct tally *tally;

static unsigned long long next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned long below(unsigned long n)
{
	return n ? next() % n : 0;
}

/* What the fuzzer believes it has mapped; the kernel may have split it. */
struct slot {
	char *addr;
	unsigned long pages;
};

struct fuzz {
	int fd;
	unsigned int nr_nodes;
	struct slot slot[SLOTS];
	pid_t child[MAX_CHILDREN];
	int depth;
};

static struct slot *pick(struct fuzz *f)
{
	struct slot *s = &f->slot[below(SLOTS)];

	return s->addr ? s : NULL;
}

/* A random page range [*@first, *@first + *@n) inside @s. */
static void range(struct slot *s, unsigned long *first, unsigned long *n)
{
	*first = below(s->pages);
	*n = 1 + below(s->pages - *first);
}

static void reap(struct fuzz *f, int options)
{
	int i, status;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (f->child[i] > 0 && waitpid(f->child[i], &status, options) == f->child[i])
			f->child[i] = 0;
}

static void fuzz_run(struct fuzz *f, unsigned long calls, time_t deadline);

static void op_fork(struct fuzz *f)
{
	int i;
	pid_t pid;

	for (i = 0; i < MAX_CHILDREN && f->child[i] > 0; i++)
		;
	if (i == MAX_CHILDREN || f->depth >= 2)
		return;
	pid = fork();
	if (!pid) {
		memset(f->child, 0, sizeof(f->child));
		f->depth++;
		fuzz_run(f, 50 + below(200), 0);
		_exit(0);
	}
	f->child[i] = pid;
	if (pid > 0)
		__atomic_fetch_add(&tally->forked, 1, __ATOMIC_RELAXED);
}

static void one_call(struct fuzz *f)
{
	struct arenalloc_policy policy;
	struct arenalloc_purge purge;
	struct arenalloc_stats stats;
	struct arenalloc_info info;
	unsigned long first, n, m;
	char buf[256];
	struct iovec local, remote;
	struct slot *s = pick(f);
	void *p;

	__atomic_fetch_add(&tally->calls, 1, __ATOMIC_RELAXED);
	switch (below(22)) {
	case 0: case 1: case 2:		/* mmap into a free slot */
		s = &f->slot[below(SLOTS)];
		if (f->fd < 0 || s->addr)
			break;
		n = 1 + below(MAX_PAGES);
		m = below(f->nr_nodes + 2);	/* 0: the caller's; one past: EINVAL */
		p = mmap(NULL, n * page_size, below(4) ? PROT_READ | PROT_WRITE : PROT_READ,
			 below(16) ? MAP_SHARED : MAP_PRIVATE, f->fd,
			 m ? ARENALLOC_MMAP_NODE(m - 1) : 0);
		if (p != MAP_FAILED) {
			s->addr = p;
			s->pages = n;
			__atomic_fetch_add(&tally->mapped, 1, __ATOMIC_RELAXED);
		}
		break;
	case 3:				/* munmap, whole or a part */
		if (!s)
			break;
		if (below(2)) {
			munmap(s->addr, s->pages * page_size);
			s->addr = NULL;
		} else {
			range(s, &first, &n);
			munmap(s->addr + first * page_size, n * page_size);
			if (!first && n == s->pages)
				s->addr = NULL;
		}
		break;
	case 4:				/* mremap: shrink, move, or grow (refused) */
		if (!s)
			break;
		m = 1 + below(s->pages + 2);
		p = mremap(s->addr, s->pages * page_size, m * page_size,
			   below(2) ? MREMAP_MAYMOVE : 0);
		if (p != MAP_FAILED) {
			s->addr = p;
			s->pages = m;
		}
		break;
	case 5: {			/* mprotect */
		static const int prot[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE };

		if (!s)
			break;
		range(s, &first, &n);
		mprotect(s->addr + first * page_size, n * page_size, prot[below(3)]);
		break;
	}
	case 6: {			/* madvise */
		static const int advice[] = {
			MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
			MADV_DONTNEED, MADV_COLD, MADV_PAGEOUT, MADV_REMOVE,
			MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_DONTDUMP,
			MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_FREE,
		};

		if (!s)
			break;
		range(s, &first, &n);
		madvise(s->addr + first * page_size, n * page_size,
			advice[below(ARRAY_SIZE(advice))]);
		break;
	}
	case 7:				/* PURGE, good or bad */
		if (!s || f->fd < 0)
			break;
		range(s, &first, &n);
		memset(&purge, 0, sizeof(purge));
		purge.size = below(8) ? sizeof(purge) : below(2 * sizeof(purge));
		purge.addr = (uintptr_t)s->addr + first * page_size + (below(16) ? 0 : 1);
		purge.length = n * page_size;
		purge.flags = below(16) ? 0 : 1;
		ioctl(f->fd, ARENALLOC_IOC_PURGE, &purge);
		break;
	case 19:			/* SET_POLICY, good or bad */
		if (f->fd < 0)
			break;
		memset(&policy, 0, sizeof(policy));
		policy.size = below(8) ? sizeof(policy) : below(2 * sizeof(policy));
		policy.flags = below(16) ? 0 : 1;
		policy.mode = below(6);		/* 5: no such mode */
		if (policy.mode == ARENALLOC_POLICY_BIND ||
		    policy.mode == ARENALLOC_POLICY_PREFERRED || !below(8))
			policy.node = below(f->nr_nodes + 1);
		if (policy.mode == ARENALLOC_POLICY_INTERLEAVE || !below(8))
			policy.nodemask = next() & (f->nr_nodes < 63 ?
						    (2ULL << f->nr_nodes) - 1 : ~0ULL);
		ioctl(f->fd, ARENALLOC_IOC_SET_POLICY, &policy);
		break;
	case 20:			/* STATS, good or bad */
		if (f->fd < 0)
			break;
		memset(&stats, 0, sizeof(stats));
		stats.size = below(8) ? sizeof(stats) : below(2 * sizeof(stats));
		stats.flags = below(16) ? 0 : 1;
		ioctl(f->fd, ARENALLOC_IOC_STATS, below(16) ? &stats : NULL);
		break;
	case 8:				/* INFO, or a command that does not exist */
		if (f->fd < 0)
			break;
		memset(&info, 0, sizeof(info));
		info.size = below(4) ? sizeof(info) : below(page_size * 2);
		ioctl(f->fd, below(4) ? ARENALLOC_IOC_INFO : (unsigned int)next(),
		      below(8) ? &info : NULL);
		break;
	case 9: case 10: case 11: case 12:	/* write, through the kernel */
	case 13: case 14:			/* read */
		if (!s)
			break;
		range(s, &first, &n);
		memset(buf, (int)next(), sizeof(buf));
		local.iov_base = buf;
		local.iov_len = sizeof(buf);
		remote.iov_base = s->addr + first * page_size + below(page_size - sizeof(buf));
		remote.iov_len = sizeof(buf);
		if (below(20) < 14)
			process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
		else
			process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
		break;
	case 15:			/* futex wake, shared or private */
		if (!s)
			break;
		syscall(SYS_futex, s->addr + below(s->pages) * page_size,
			below(2) ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		break;
	case 16:			/* close or reopen the device */
		if (f->fd >= 0 && below(4) == 0) {
			close(f->fd);
			f->fd = -1;
		} else if (f->fd < 0) {
			f->fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
		}
		break;
	case 17:			/* fork: slow, so seldom */
		if (below(16) == 0)
			op_fork(f);
		break;
	case 18:			/* reap children */
		reap(f, WNOHANG);
		break;
	default:			/* forget a slot: the next munmap finds nothing */
		if (s && below(8) == 0) {
			munmap(s->addr, s->pages * page_size);
			s->addr = NULL;
		}
		break;
	}
}

static void fuzz_run(struct fuzz *f, unsigned long calls, time_t deadline)
{
	unsigned long i;

	for (i = 0; i < calls; i++) {
		/* The first process stops at the time bound or the total count. */
		if (deadline && !(i % 256) &&
		    (time(NULL) >= deadline ||
		     __atomic_load_n(&tally->calls, __ATOMIC_RELAXED) >= calls))
			break;
		one_call(f);
	}
	if (!f->depth)
		__atomic_fetch_add(&tally->top_calls, i, __ATOMIC_RELAXED);
	reap(f, 0);
	for (i = 0; i < SLOTS; i++)
		if (f->slot[i].addr)
			munmap(f->slot[i].addr, f->slot[i].pages * page_size);
	if (f->fd >= 0)
		close(f->fd);
}

static unsigned long env(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

/* Lines of the kernel log after @mark that report a problem. */
static int log_problems(const char *mark)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0), bad = 0;
	char *buf, *p, *line;

	if (len <= 0)
		return 0;
	buf = calloc(1, len + 1);
	if (!buf)
		return 0;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	p = len > 0 ? strstr(buf, mark) : NULL;
	for (line = p ? strtok(p, "\n") : NULL; line; line = strtok(NULL, "\n"))
		if (strstr(line, "WARNING:") || strstr(line, "BUG:") ||
		    strstr(line, "Bad page") || strstr(line, "bad page") ||
		    strstr(line, "kmemleak") || strstr(line, "Oops")) {
			printf("# kernel: %s\n", line);
			bad++;
		}
	free(buf);
	return bad;
}

FIXTURE(dev_fuzz) {
	int unused;
};

FIXTURE_SETUP(dev_fuzz)
{
}

FIXTURE_TEARDOWN(dev_fuzz)
{
}

/* The fuzzer of user @k (uid 65534 - @k): never returns. */
static void fuzz_user(int k, unsigned long seed, unsigned long calls, time_t deadline)
{
	struct arenalloc_info info = { .size = sizeof(info) };
	struct rlimit rl = { 4 << 20, 4 << 20 };
	struct fuzz f = { .fd = -1 };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
	    setgid(65534 - k) || setuid(65534 - k))
		_exit(100);
	f.fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (f.fd < 0 || ioctl(f.fd, ARENALLOC_IOC_INFO, &info))
		_exit(101);
	f.nr_nodes = info.nr_nodes;
	rng = (seed + k) | 1;
	fuzz_run(&f, calls, deadline);
	_exit(0);
}

TEST_F_TIMEOUT(dev_fuzz, calls_leave_nothing_behind, 300)
{
	unsigned long seed = env("ARENALLOC_FUZZ_SEED", 0x5eed5eedUL);
	unsigned long calls = env("ARENALLOC_FUZZ_CALLS", 100000);
	unsigned long seconds = env("ARENALLOC_FUZZ_SECONDS", 90);
	long pages0, mappings0, held0;
	int k, status, kmsg;
	unsigned long done = 0;
	pid_t pid[USERS];
	char mark[80];
	time_t start;

	page_size = sysconf(_SC_PAGESIZE);
	if (access(ARENALLOC_SYSFS_DIR, F_OK))
		SKIP(return, "arenalloc is not loaded");
	/* The device's pools empty: their pages count in "pages". */
	if (!getuid())
		ASSERT_EQ(0, write_sysfs("purge", "1"));
	pages0 = counter("dev/pages");
	mappings0 = counter("dev/mappings");
	held0 = held_pages();
	snprintf(mark, sizeof(mark), "arenalloc fuzz: seed %#lx, %lu calls", seed, calls);
	kmsg = open("/dev/kmsg", O_WRONLY);
	if (kmsg >= 0) {
		ASSERT_LT(0, write(kmsg, mark, strlen(mark)));
		close(kmsg);
	}
	tally = mmap(NULL, sizeof(*tally), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, tally);
	/* Each user's processes together may pass it only by forking. */
	ASSERT_EQ(0, set_param("dev_user_max", "8M"));
	start = time(NULL);
	for (k = 0; k < USERS; k++) {
		pid[k] = fork();
		if (!pid[k])
			fuzz_user(k, seed, calls, start + seconds);
	}
	for (k = 0; k < USERS; k++) {
		if (pid[k] < 0)
			continue;
		EXPECT_EQ(pid[k], waitpid(pid[k], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("user %d's fuzzer: status %#x", k, status);
	}
	EXPECT_EQ(0, set_param("dev_user_max", "0"));
	for (k = 0; k < USERS; k++)
		ASSERT_LT(0, pid[k]) TH_LOG("fork: %s", strerror(errno));
	done = __atomic_load_n(&tally->calls, __ATOMIC_RELAXED);
	TH_LOG("seed %#lx, %d users: %lu calls of %lu in %ld s, %lu by the first processes",
	       seed, USERS, done, calls, (long)(time(NULL) - start), tally->top_calls);
	TH_LOG("%lu forked children made the rest; %lu mmaps succeeded",
	       tally->forked, tally->mapped);

	/* A loaded host may slow the VM past the bound: said, not failed. */
	if (done < calls)
		TH_LOG("the time bound of %lu s cut the run short", seconds);
	EXPECT_EQ(pages0, counter("dev/pages"));
	EXPECT_EQ(mappings0, counter("dev/mappings"));
	/* Every page the fuzzer let go of is in a pool or given back. */
	if (!getuid()) {
		ASSERT_EQ(0, write_sysfs("purge", "1"));
		EXPECT_EQ(0, counter("dev/pdirty"));
		EXPECT_EQ(held0, held_pages());
	}
	EXPECT_EQ(0, log_problems(mark));
}

TEST_HARNESS_MAIN
