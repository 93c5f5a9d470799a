// SPDX-License-Identifier: GPL-2.0
/*
 * fork() while other threads allocate.
 *
 * Threads allocate, resize and free in a loop, in the main thread's arena
 * and mostly past their caches, while the main thread forks twenty times.
 * At the moment of a fork any of them may hold an arena lock, the
 * metadata lock or the registry lock; the library's fork handlers must
 * take them all before fork() and release them on both sides, or the
 * child deadlocks on its first allocation from that arena (or finds a
 * heap in the middle of an update).  Each child checks an object the
 * parent filled before the fork, allocates and frees a few thousand
 * objects of all sizes in every automatic arena, frees the parent's
 * object, and exits 0; a child that hangs
 * is killed after a generous bound and fails the case.
 *
 * A child may also start threads of its own that allocate (except under
 * ThreadSanitizer, which does not support threads in the child of a
 * multithreaded process).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arenalloc.h>

#include "child.h"
#include "tap.h"

#define NBUSY		4
#define NFORKS		20
#define CHILD_LIMIT_S	60.0
#define SHARED_SIZE	100000
#define KiB		((size_t)1 << 10)
#define MiB		((size_t)1 << 20)

static volatile int stop;
static unsigned int narenas;	/* automatic arenas */
static unsigned long busy_ops[NBUSY];

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t some_size(uint64_t *s)
{
	uint64_t r = xs(s);

	if (!(r % 200))
		return MiB + (size_t)(xs(s) % (3 * MiB));
	return 1 + (size_t)(xs(s) % ((size_t)1 << ((r >> 20) % 17)));
}

static unsigned int main_arena;

/*
 * Allocates and frees at random until told to stop, in the main thread's
 * arena and mostly past the thread cache, so that the arena lock (and the
 * metadata and registry locks, for huge sizes) are held much of the time:
 * a fork then often catches one held, and the child needs the handlers.
 */
static void *busy(void *arg)
{
	unsigned long id = (unsigned long)arg;
	uint64_t s = 0x9e3779b97f4a7c15ULL * (id + 1);
	void *slot[64] = { NULL };
	unsigned int i;

	arenalloc_ctl("thread.arena", NULL, NULL, &main_arena, sizeof(main_arena));
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		size_t n = some_size(&s);
		int flags = xs(&s) & 1 ? ARENALLOC_TCACHE_NONE : 0;

		i = (unsigned int)(xs(&s) % 64);
		if (!slot[i]) {
			slot[i] = arenalloc_mallocx(n, flags);
			if (slot[i])
				memset(slot[i], (int)i, n < 64 ? n : 64);
		} else if (xs(&s) % 4 == 0) {
			void *q = arenalloc_rallocx(slot[i], n, flags);

			if (q)
				slot[i] = q;
		} else {
			arenalloc_dallocx(slot[i], flags);
			slot[i] = NULL;
		}
		__atomic_fetch_add(&busy_ops[id], 1, __ATOMIC_RELAXED);
	}
	for (i = 0; i < 64; i++)
		arenalloc_dallocx(slot[i], ARENALLOC_TCACHE_NONE);
	return NULL;
}

/* In the child: report on stderr (no stdio, no allocation) and exit. */
static void child_fail(int code, const char *msg)
{
	ssize_t r = write(STDERR_FILENO, msg, strlen(msg));

	(void)r;
	_exit(code);
}

/* A child's own work: allocations of all sizes, checked. */
static int child_churn(unsigned int seed)
{
	uint64_t s = 0x2545f4914f6cdd1dULL ^ seed;
	unsigned char *v[128] = { NULL };
	size_t len[128] = { 0 };
	unsigned int i, k;

	for (i = 0; i < 3000; i++) {
		unsigned int j = (unsigned int)(xs(&s) % 128);

		if (v[j]) {
			size_t n = len[j] < 512 ? len[j] : 512;

			for (k = 0; k < n; k++)
				if (v[j][k] != (unsigned char)(j + k))
					return 1;
			arenalloc_free(v[j]);
			v[j] = NULL;
			continue;
		}
		len[j] = some_size(&s);
		v[j] = arenalloc_malloc(len[j]);
		if (!v[j])
			return 2;
		for (k = 0; k < len[j] && k < 512; k++)
			v[j][k] = (unsigned char)(j + k);
	}
	for (i = 0; i < 128; i++)
		arenalloc_free(v[i]);
	/* every automatic arena, whichever locks the parent's threads held */
	for (i = 0; i < narenas; i++) {
		void *p = arenalloc_mallocx(100 + i, ARENALLOC_ARENA(i) | ARENALLOC_TCACHE_NONE);
		void *q = arenalloc_mallocx(40000, ARENALLOC_ARENA(i) | ARENALLOC_TCACHE_NONE);

		if (!p || !q)
			return 3;
		arenalloc_dallocx(p, ARENALLOC_TCACHE_NONE);
		arenalloc_dallocx(q, ARENALLOC_TCACHE_NONE);
	}
	return 0;
}

static void *child_thread(void *arg)
{
	return (void *)(intptr_t)child_churn((unsigned int)(uintptr_t)arg);
}

static bool pattern_ok(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 7 + 3))
			return false;
	return true;
}

/* Waits for @pid up to CHILD_LIMIT_S; kills it past that.  Returns its status. */
static int wait_bounded(pid_t pid, bool *hung)
{
	double deadline = ac_now() + CHILD_LIMIT_S;
	int status = 0;

	*hung = false;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (ac_now() > deadline) {
			*hung = true;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return status;
		}
		ac_pause_ms(5);
	}
}

/*
 * Forks NFORKS times with NBUSY threads busy in the allocator; children
 * start @child_threads threads of their own.
 */
static void fork_while_busy(struct tap_ctx *test, unsigned int child_threads)
{
	pthread_t tid[NBUSY];
	unsigned char *shared = arenalloc_malloc(SHARED_SIZE);
	unsigned char *small = arenalloc_malloc(24);
	unsigned long i, f;

	AC_ASSERT(shared && small, "malloc");
	AC_ASSERT(!arenalloc_ctl("opt.narenas", &narenas, &(size_t){ sizeof(narenas) }, NULL, 0),
		  "opt.narenas");
	AC_ASSERT(!arenalloc_ctl("thread.arena", &main_arena, &(size_t){ sizeof(main_arena) },
				 NULL, 0), "thread.arena");
	for (i = 0; i < SHARED_SIZE; i++)
		shared[i] = (unsigned char)(i * 7 + 3);
	memcpy(small, "before the fork, 23 ch", 23);

	stop = 0;
	for (i = 0; i < NBUSY; i++)
		AC_ASSERT(!pthread_create(&tid[i], NULL, busy, (void *)i), "pthread_create");

	for (f = 0; f < NFORKS; f++) {
		double deadline = ac_now() + 30;
		bool hung, going;
		int status;
		pid_t pid;

		/* fork only once every thread is back at work in the allocator */
		for (i = 0; i < NBUSY; i++)
			__atomic_store_n(&busy_ops[i], 0, __ATOMIC_RELAXED);
		do {
			going = true;
			for (i = 0; i < NBUSY; i++)
				going &= __atomic_load_n(&busy_ops[i], __ATOMIC_RELAXED) >= 50;
			if (!going)
				ac_pause_ms(1);
		} while (!going && ac_now() < deadline);
		if (!going) {
			__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
			for (i = 0; i < NBUSY; i++)
				pthread_join(tid[i], NULL);
		}
		AC_ASSERT(going, "fork %lu: the allocating threads stopped making progress", f);
		fflush(NULL);
		pid = fork();
		AC_ASSERT(pid >= 0, "fork: %d", errno);
		if (!pid) {
			pthread_t ct[4];
			unsigned int t;
			void *ret;

			if (!pattern_ok(shared, SHARED_SIZE))
				child_fail(10, "child: parent's object changed\n");
			if (memcmp(small, "before the fork, 23 ch", 23))
				child_fail(11, "child: parent's small object changed\n");
			for (t = 0; t < child_threads && t < 4; t++)
				if (pthread_create(&ct[t], NULL, child_thread,
						   (void *)(uintptr_t)t))
					child_fail(12, "child: pthread_create failed\n");
			if (child_churn((unsigned int)f))
				child_fail(13, "child: its own allocations went wrong\n");
			for (t = 0; t < child_threads && t < 4; t++) {
				pthread_join(ct[t], &ret);
				if (ret)
					child_fail(14, "child: a thread's allocations failed\n");
			}
			/* the parent's objects are the child's to free too */
			shared = arenalloc_realloc(shared, 2 * SHARED_SIZE);
			if (!shared || !pattern_ok(shared, SHARED_SIZE))
				child_fail(15, "child: realloc of the parent's object\n");
			arenalloc_free(shared);
			arenalloc_free(small);
			_exit(0);
		}
		status = wait_bounded(pid, &hung);
		if (hung || !WIFEXITED(status) || WEXITSTATUS(status)) {
			__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
			for (i = 0; i < NBUSY; i++)
				pthread_join(tid[i], NULL);
		}
		AC_ASSERT(!hung, "fork %lu: child hung (a lock held across fork?)", f);
		AC_ASSERT(WIFEXITED(status), "fork %lu: child died by signal %d", f,
			  WIFSIGNALED(status) ? WTERMSIG(status) : -1);
		AC_ASSERT(WEXITSTATUS(status) == 0, "fork %lu: child exited %d", f,
			  WEXITSTATUS(status));
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < NBUSY; i++)
		pthread_join(tid[i], NULL);
	AC_ASSERT(pattern_ok(shared, SHARED_SIZE), "parent's object changed");
	arenalloc_free(shared);
	arenalloc_free(small);
}

AC_CASE(fork_while_threads_allocate)
{
	fork_while_busy(test, 0);
}

AC_CASE(child_of_busy_parent_starts_threads)
{
	if (AC_TSAN)
		AC_SKIP("ThreadSanitizer does not support threads after a multithreaded fork");
	fork_while_busy(test, 2);
}

/* Forks in a row from a child: the handlers must leave things reusable. */
AC_CASE(fork_from_a_forked_child)
{
	pid_t pid;
	bool hung;
	int status;

	fflush(NULL);
	pid = fork();
	AC_ASSERT(pid >= 0, "fork");
	if (!pid) {
		int depth;

		for (depth = 0; depth < 3; depth++) {
			pid_t c;
			int st = 0;

			if (child_churn((unsigned int)depth))
				child_fail(20, "nested child: allocations went wrong\n");
			c = fork();
			if (c < 0)
				child_fail(21, "nested child: fork failed\n");
			if (c) {
				waitpid(c, &st, 0);
				_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 22);
			}
		}
		_exit(child_churn(99) ? 23 : 0);
	}
	status = wait_bounded(pid, &hung);
	AC_ASSERT(!hung, "nested fork: hung");
	AC_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "nested fork: status %#x",
		  status);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(fork_while_threads_allocate),
	AC_CASE_ENTRY(child_of_busy_parent_starts_threads),
	AC_CASE_ENTRY(fork_from_a_forked_child),
	{ NULL, NULL },
};

int main(void)
{
	return tap_run(cases);
}
