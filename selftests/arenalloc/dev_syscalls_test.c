// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: the system calls that work on anonymous memory work on
 * /dev/arenalloc memory too, as a heap on the device needs.
 *
 * futex() private and shared (a process-shared semaphore or mutex that
 * glibc keeps in malloc()ed memory), with keys that stay the process's own
 * across fork(); process_vm_readv()/process_vm_writev() and
 * /proc/<pid>/mem, also into a child's copy-on-write pages; O_DIRECT read
 * into a mapping and write out of it, through a loop device of the test's
 * own over a temporary file (when the kernel has the loop driver); io_uring
 * fixed buffers (when the kernel has io_uring), also pinned past munmap()
 * and close(); move_pages() and get_mempolicy() queries; msync().  Skips when the
 * module is not loaded.  Expects to be the device's only user while it
 * runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include <linux/loop.h>
#include <linux/mempolicy.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/arenalloc.h>

#include "kselftest_harness.h"
#include "dev_fixture.h"
#include "pshared_objects.h"

static long futex(void *uaddr, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

/* ---- futex ------------------------------------------------------------ */

TEST_F(dev, futex_wait_times_out_and_wake_finds_none)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int *word = map(_metadata, self->fd, 1, 0);
	static const int ops[] = { FUTEX_WAIT, FUTEX_WAIT_PRIVATE };
	unsigned int i;

	*word = 0;
	for (i = 0; i < 2; i++) {
		errno = 0;
		EXPECT_EQ(-1, futex(word, ops[i], 0, &ts));
		EXPECT_EQ(ETIMEDOUT, errno)
			TH_LOG("%s FUTEX_WAIT: %s", i ? "private" : "shared",
			       strerror(errno));
		/* A changed value is EAGAIN at once. */
		EXPECT_EQ(-1, futex(word, ops[i], 1, &ts));
		EXPECT_EQ(EAGAIN, errno);
	}
	EXPECT_EQ(0, futex(word, FUTEX_WAKE, 1, NULL)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, futex(word, FUTEX_WAKE_PRIVATE, 1, NULL));
	munmap(word, page_size);
}

/*
 * A thread waiting on *@word while it is 0.  The 60 s bound only ends a
 * wait that a broken kernel would leave for ever; the tests wake it at once.
 */
struct waiter {
	int *word;
	int op;
	atomic_int tid;
	long ret;
	int err;
};

static void *waiter_thread(void *arg)
{
	struct timespec bound = { 60, 0 };
	struct waiter *w = arg;

	atomic_store(&w->tid, gettid());
	w->ret = futex(w->word, w->op, 0, &bound);
	w->err = w->ret ? errno : 0;
	return NULL;
}

TEST_F(dev, futex_wakes_a_waiting_thread)
{
	int *word = map(_metadata, self->fd, 1, 0);
	static const int ops[][2] = {
		{ FUTEX_WAIT, FUTEX_WAKE },
		{ FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE },
	};
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct waiter w = { .word = word + 16 * i, .op = ops[i][0] };
		pthread_t t;

		*w.word = 0;
		ASSERT_EQ(0, pthread_create(&t, NULL, waiter_thread, &w));
		wait_asleep(&w.tid);
		EXPECT_EQ(1, futex(w.word, ops[i][1], 1, NULL))
			TH_LOG("%s wake: %s", i ? "private" : "shared", strerror(errno));
		pthread_join(t, NULL);
		EXPECT_EQ(0, w.ret)
			TH_LOG("%s wait: %s", i ? "private" : "shared", strerror(w.err));
	}
	munmap(word, page_size);
}

/*
 * After fork() the pages are the child's own copy-on-write, as anonymous
 * memory, and so are its futexes.  The parent's waiter still wakes when
 * the parent writes its word (which copies the page the child shares) and
 * wakes it; a second waiter of the parent, on the copy, is not woken by
 * the child, which then holds the original page alone.
 */
TEST_F(dev, futex_keys_stay_per_process_across_fork)
{
	int *word = map(_metadata, self->fd, 1, 0);
	struct waiter w1 = { .word = word, .op = FUTEX_WAIT };
	struct waiter w2 = { .word = word + 16, .op = FUTEX_WAIT };
	int to_parent[2], to_child[2], status;
	long woken[2];
	pthread_t t1, t2;
	pid_t pid;

	word[0] = 0;
	word[16] = 0;
	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pthread_create(&t1, NULL, waiter_thread, &w1));
	wait_asleep(&w1.tid);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char c;

		/* Hold the page shared until the parent has written it. */
		if (read(to_child[0], &c, 1) != 1)
			_exit(2);
		/* The child's words: no waiter of its own, and not the parent's. */
		woken[0] = futex(word, FUTEX_WAKE, INT_MAX, NULL);
		woken[1] = futex(word + 16, FUTEX_WAKE, INT_MAX, NULL);
		_exit(write(to_parent[1], woken, sizeof(woken)) == sizeof(woken) ? 0 : 3);
	}
	/* A write that copies the page the child shares, then the wake-up. */
	word[1] = 1;
	EXPECT_EQ(1, futex(word, FUTEX_WAKE, 1, NULL))
		TH_LOG("the parent's FUTEX_WAKE after its write: %s", strerror(errno));
	pthread_join(t1, NULL);
	EXPECT_EQ(0, w1.ret) TH_LOG("the first waiter: %s", strerror(w1.err));

	ASSERT_EQ(0, pthread_create(&t2, NULL, waiter_thread, &w2));
	wait_asleep(&w2.tid);
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	ASSERT_EQ(sizeof(woken), read(to_parent[0], woken, sizeof(woken)));
	EXPECT_EQ(0, woken[0]) TH_LOG("the child's FUTEX_WAKE returned %ld", woken[0]);
	EXPECT_EQ(0, woken[1]) TH_LOG("the child's FUTEX_WAKE returned %ld", woken[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(1, futex(word + 16, FUTEX_WAKE, 1, NULL));
	pthread_join(t2, NULL);
	EXPECT_EQ(0, w2.ret) TH_LOG("the second waiter: %s", strerror(w2.err));
	munmap(word, page_size);
	close(to_parent[0]);
	close(to_parent[1]);
	close(to_child[0]);
	close(to_child[1]);
}

/* glibc's process-shared objects in device memory, in a child. */
TEST_F(dev, pshared_semaphore_and_mutex_work)
{
	char *mem = map(_metadata, self->fd, 1, 0);
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid)
		_exit(pshared_objects((sem_t *)mem, (pthread_mutex_t *)(mem + 256)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WIFSIGNALED(status))
		TH_LOG("the child died of signal %d (%s)", WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("step %d failed", WEXITSTATUS(status));
	munmap(mem, page_size);
}

/* ---- Another process's memory ---------------------------------------- */

static void pattern(char *p, long len, char tag)
{
	long i;

	for (i = 0; i < len; i++)
		p[i] = (char)(tag + i % 251);
}

static int has_pattern(const char *p, long len, char tag)
{
	long i;

	for (i = 0; i < len; i++)
		if (p[i] != (char)(tag + i % 251))
			return 0;
	return 1;
}

/*
 * A child with @mem shared copy-on-write: tells the parent it is ready,
 * waits for it, and exits 0 when its @len bytes then hold @tag's pattern.
 */
static pid_t cow_child(char *mem, long len, char tag, int *ready, int *go)
{
	int up[2], down[2];
	pid_t pid;
	char c;

	if (pipe(up) || pipe(down))
		return -1;
	pid = fork();
	if (!pid) {
		close(up[0]);
		close(down[1]);
		if (write(up[1], "r", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		_exit(has_pattern(mem, len, tag) ? 0 : 1);
	}
	close(up[1]);
	close(down[0]);
	*ready = up[0];
	*go = down[1];
	return pid;
}

static int child_result(pid_t pid, int ready, int go)
{
	int status;

	close(ready);
	if (write(go, "g", 1) != 1)
		return -1;
	close(go);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(dev, process_vm_readv_and_writev)
{
	long len = 3 * page_size;
	char *mem = map(_metadata, self->fd, 3, 0);
	char *buf = malloc(len);
	struct iovec local = { buf, len }, remote = { mem, len };
	int ready, go;
	pid_t pid;
	char c;

	ASSERT_NE(NULL, buf);
	pattern(mem, len, 'a');
	EXPECT_EQ(len, process_vm_readv(getpid(), &local, 1, &remote, 1, 0))
		TH_LOG("process_vm_readv: %s", strerror(errno));
	EXPECT_TRUE(has_pattern(buf, len, 'a'));
	pattern(buf, len, 'b');
	EXPECT_EQ(len, process_vm_writev(getpid(), &local, 1, &remote, 1, 0))
		TH_LOG("process_vm_writev: %s", strerror(errno));
	EXPECT_TRUE(has_pattern(mem, len, 'b'));

	/* Into a child's copy-on-write pages: the parent's stay as they were. */
	pid = cow_child(mem, len, 'c', &ready, &go);
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, read(ready, &c, 1));
	pattern(buf, len, 'c');
	EXPECT_EQ(len, process_vm_writev(pid, &local, 1, &remote, 1, 0))
		TH_LOG("process_vm_writev to the child: %s", strerror(errno));
	memset(buf, 0, len);
	EXPECT_EQ(len, process_vm_readv(pid, &local, 1, &remote, 1, 0));
	EXPECT_TRUE(has_pattern(buf, len, 'c'));
	EXPECT_EQ(0, child_result(pid, ready, go));
	EXPECT_TRUE(has_pattern(mem, len, 'b'));
	free(buf);
	munmap(mem, len);
}

/*
 * msync() on anonymous memory succeeds and does nothing; a heap on the
 * device is asked the same (a program that syncs every buffer it wrote).
 * Without ->fsync on the map file, MS_SYNC failed with EINVAL.
 */
TEST_F(dev, msync_succeeds_as_on_anonymous_memory)
{
	long len = 2 * page_size;
	char *mem = map(_metadata, self->fd, 2, 0);

	pattern(mem, len, 's');
	EXPECT_EQ(0, msync(mem, len, MS_SYNC)) TH_LOG("MS_SYNC: %s", strerror(errno));
	EXPECT_EQ(0, msync(mem, len, MS_ASYNC)) TH_LOG("MS_ASYNC: %s", strerror(errno));
	EXPECT_EQ(0, msync(mem, len, MS_INVALIDATE))
		TH_LOG("MS_INVALIDATE: %s", strerror(errno));
	EXPECT_TRUE(has_pattern(mem, len, 's'));
	munmap(mem, len);
}

static int proc_mem(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	return open(path, O_RDWR | O_CLOEXEC);
}

TEST_F(dev, proc_pid_mem_reads_and_writes)
{
	long len = 2 * page_size;
	char *mem = map(_metadata, self->fd, 2, 0);
	char *buf = malloc(len);
	int fd, ready, go;
	pid_t pid;
	char c;

	ASSERT_NE(NULL, buf);
	fd = proc_mem(getpid());
	ASSERT_LE(0, fd);
	pattern(mem, len, 'a');
	EXPECT_EQ(len, pread(fd, buf, len, (uintptr_t)mem)) TH_LOG("%s", strerror(errno));
	EXPECT_TRUE(has_pattern(buf, len, 'a'));
	pattern(buf, len, 'b');
	EXPECT_EQ(len, pwrite(fd, buf, len, (uintptr_t)mem)) TH_LOG("%s", strerror(errno));
	EXPECT_TRUE(has_pattern(mem, len, 'b'));
	close(fd);

	pid = cow_child(mem, len, 'c', &ready, &go);
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, read(ready, &c, 1));
	fd = proc_mem(pid);
	ASSERT_LE(0, fd);
	pattern(buf, len, 'c');
	EXPECT_EQ(len, pwrite(fd, buf, len, (uintptr_t)mem)) TH_LOG("%s", strerror(errno));
	close(fd);
	EXPECT_EQ(0, child_result(pid, ready, go));
	EXPECT_TRUE(has_pattern(mem, len, 'b'));
	free(buf);
	munmap(mem, len);
}

/* ---- I/O into device memory ------------------------------------------ */

/*
 * A loop device of the test's own over a temporary file of @len bytes, so
 * that no real disk is read or written: opened with O_DIRECT into @*lfd,
 * and gone (LO_FLAGS_AUTOCLEAR) once @*lfd is closed.  Returns the
 * backing file's descriptor, -ENODEV without a loop driver, or -errno.
 */
static int loop_device(long len, int *lfd)
{
	struct loop_config cfg = { .info.lo_flags = LO_FLAGS_AUTOCLEAR };
	char path[] = "/tmp/dev_syscalls.XXXXXX", dev[32];
	int ctl, fd, nr, tries, ret = -EBUSY;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -ENODEV;
	fd = mkstemp(path);
	if (fd < 0 || unlink(path) || ftruncate(fd, len)) {
		ret = -errno;
		goto out;
	}
	cfg.fd = fd;
	/* Another user may take the free device first: a few tries. */
	for (tries = 0; tries < 8 && ret == -EBUSY; tries++) {
		nr = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (nr < 0) {
			ret = -errno;
			break;
		}
		snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
		*lfd = open(dev, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (*lfd < 0) {
			ret = -errno;
			break;
		}
		ret = ioctl(*lfd, LOOP_CONFIGURE, &cfg) ? -errno : 0;
		if (ret) {
			close(*lfd);
			*lfd = -1;
		}
	}
out:
	close(ctl);
	if (ret && fd >= 0)
		close(fd);
	return ret ?: fd;
}

/*
 * O_DIRECT I/O pins the device's pages (pin_user_pages()) and moves the
 * data between them and the disk with no copy through the page cache: a
 * read into a mapping, its first half faulted in and its second half
 * faulted in by the pin, gets the file's bytes, and a write out of it
 * puts the mapping's bytes in the file.
 */
TEST_F(dev, o_direct_read_and_write_a_mapping)
{
	long len = 4 * page_size;
	char *mem, *buf;
	int fd, lfd = -1;

	fd = loop_device(2 * len, &lfd);
	if (fd == -ENODEV && access("/sys/block", F_OK))
		SKIP(return, "the kernel has no block layer (CONFIG_BLOCK)");
	if (fd == -ENODEV)
		SKIP(return, "no loop driver for a block device to use with O_DIRECT");
	ASSERT_LE(0, fd) TH_LOG("a loop device: %s", strerror(-fd));
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	pattern(buf, len, 'd');
	ASSERT_EQ(len, pwrite(fd, buf, len, 0));
	mem = map(_metadata, self->fd, 4, 0);
	memset(mem, 0x5a, len / 2);

	EXPECT_EQ(len, pread(lfd, mem, len, 0)) TH_LOG("O_DIRECT read: %s", strerror(errno));
	EXPECT_TRUE(has_pattern(mem, len, 'd'));
	pattern(mem, len, 'e');
	EXPECT_EQ(len, pwrite(lfd, mem, len, len)) TH_LOG("O_DIRECT write: %s", strerror(errno));
	EXPECT_EQ(len, pread(fd, buf, len, len));
	EXPECT_TRUE(has_pattern(buf, len, 'e'));

	munmap(mem, len);
	close(lfd);
	close(fd);
	free(buf);
}

struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq, *cq;
	size_t sq_len, cq_len, sqes_len;
};

static int ring_init(struct ring *r)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	r->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -errno;
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     r->fd, IORING_OFF_SQ_RING);
	r->cq = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       r->fd, IORING_OFF_SQES);
	if (r->sq == MAP_FAILED || r->cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -ENOMEM;
	r->sq_tail = r->sq + p.sq_off.tail;
	r->sq_mask = r->sq + p.sq_off.ring_mask;
	r->sq_array = r->sq + p.sq_off.array;
	r->cq_head = r->cq + p.cq_off.head;
	r->cq_tail = r->cq + p.cq_off.tail;
	r->cq_mask = r->cq + p.cq_off.ring_mask;
	r->cqes = r->cq + p.cq_off.cqes;
	return 0;
}

static void ring_exit(struct ring *r)
{
	munmap(r->sq, r->sq_len);
	munmap(r->cq, r->cq_len);
	munmap(r->sqes, r->sqes_len);
	close(r->fd);
}

/* One fixed-buffer read or write of @len bytes at @off of @fd; its result. */
static int ring_rw(struct ring *r, int op, int fd, void *addr, unsigned int len)
{
	unsigned int tail = *r->sq_tail, head, i = tail & *r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[i];
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)addr;
	sqe->len = len;
	sqe->buf_index = 0;
	r->sq_array[i] = i;
	atomic_store_explicit((atomic_uint *)r->sq_tail, tail + 1,
			      memory_order_release);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	head = *r->cq_head;
	if (head == atomic_load_explicit((atomic_uint *)r->cq_tail,
					 memory_order_acquire))
		return -EAGAIN;
	res = r->cqes[head & *r->cq_mask].res;
	atomic_store_explicit((atomic_uint *)r->cq_head, head + 1,
			      memory_order_release);
	return res;
}

/*
 * A mapping registered as an io_uring fixed buffer (a long-term pin) takes
 * reads and writes; unmapped and its device closed while still pinned,
 * its pages go back only when the ring lets go of them.
 */
TEST_F(dev, io_uring_fixed_buffers)
{
	long len = 2 * page_size;
	char *mem = map(_metadata, self->fd, 2, 0);
	struct iovec iov = { mem, len };
	char path[] = "/tmp/dev_syscalls.XXXXXX";
	char *buf = malloc(len);
	long pages0 = counter("dev/pages");
	struct ring r;
	int ret, fd;

	ASSERT_NE(NULL, buf);
	ret = ring_init(&r);
	/* A 6.12 kernel built with io_uring has its sysctl. */
	if (ret < 0 && access("/proc/sys/kernel/io_uring_disabled", F_OK))
		SKIP(return, "the kernel has no io_uring (%s)", strerror(-ret));
	ASSERT_EQ(0, ret) TH_LOG("io_uring setup: %s", strerror(-ret));
	memset(mem, 0, len);		/* faulted in: a pin of present pages */
	ret = syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_BUFFERS, &iov, 1);
	ASSERT_EQ(0, ret) TH_LOG("IORING_REGISTER_BUFFERS: %s", strerror(errno));

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	pattern(buf, len, 'q');
	ASSERT_EQ(len, write(fd, buf, len));
	EXPECT_EQ(len, ring_rw(&r, IORING_OP_READ_FIXED, fd, mem, len));
	EXPECT_TRUE(has_pattern(mem, len, 'q'));
	pattern(mem, len, 'w');
	ASSERT_EQ(0, ftruncate(fd, 0));
	EXPECT_EQ(len, ring_rw(&r, IORING_OP_WRITE_FIXED, fd, mem, len));
	EXPECT_EQ(len, pread(fd, buf, len, 0));
	EXPECT_TRUE(has_pattern(buf, len, 'w'));
	close(fd);

	/* The pin outlives the mapping, the device file and the map file. */
	munmap(mem, len);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(pages0, counter("dev/pages"));
	EXPECT_EQ(0, syscall(__NR_io_uring_register, r.fd, IORING_UNREGISTER_BUFFERS,
			     NULL, 0));
	ring_exit(&r);
	free(buf);
}

/* ---- NUMA queries ----------------------------------------------------- */

TEST_F(dev, move_pages_and_get_mempolicy_report_the_node)
{
	int nid, checked = 0;

	for (nid = 0; nid < (int)self->info.nr_nodes; nid++) {
		int status = INT_MIN, node = -1, mode = -1;
		char buf[4096];
		void *page;
		char *mem;

		mem = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   self->fd, ARENALLOC_MMAP_NODE(nid));
		if (mem == MAP_FAILED)
			continue;	/* not an online node */
		page = mem;
		EXPECT_EQ(0, syscall(SYS_move_pages, 0, 1, &page, NULL, &status, 0));
		EXPECT_EQ(-ENOENT, status) TH_LOG("an untouched page");
		mem[0] = 1;
		EXPECT_EQ(0, syscall(SYS_move_pages, 0, 1, &page, NULL, &status, 0))
			TH_LOG("move_pages: %s", strerror(errno));
		EXPECT_EQ(0, syscall(SYS_get_mempolicy, &node, NULL, 0, mem,
				     MPOL_F_NODE | MPOL_F_ADDR))
			TH_LOG("get_mempolicy: %s", strerror(errno));
		EXPECT_EQ(status, node);
		/* The node asked for, unless it has no memory or was full. */
		if (status != nid)
			TH_LOG("node %d asked, page on %d (%s)", nid, status,
			       read_sysfs("dev/node_pages", buf, sizeof(buf)) > 0 ? buf : "?");
		EXPECT_LE(0, status);
		EXPECT_EQ(0, syscall(SYS_get_mempolicy, &mode, NULL, 0, mem, MPOL_F_ADDR));
		EXPECT_EQ(MPOL_DEFAULT, mode);
		munmap(mem, page_size);
		checked++;
	}
	EXPECT_LT(0, checked);
}

TEST_HARNESS_MAIN
