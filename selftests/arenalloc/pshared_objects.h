/* SPDX-License-Identifier: GPL-2.0 */
/*
 * glibc's process-shared semaphore and contended process-shared mutex in
 * a given piece of memory: what a program keeps in malloc()ed memory,
 * and what needs shared futexes there.  Shared by the kselftest
 * dev_syscalls_test.c (memory mapped from /dev/arenalloc) and
 * libarenalloc's device_test.c (memory from malloc() over the device).
 * Run pshared_objects() in a child: glibc aborts when the kernel refuses
 * the futex.
 */
#ifndef _ARENALLOC_SELFTEST_PSHARED_OBJECTS_H
#define _ARENALLOC_SELFTEST_PSHARED_OBJECTS_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The state letter /proc shows for thread @tid of this process, or '?'. */
static char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Waits until the thread whose id *@tid will hold sleeps (in a futex). */
static void wait_asleep(atomic_int *tid)
{
	while (!atomic_load(tid))
		sched_yield();
	while (thread_state(atomic_load(tid)) != 'S')
		sched_yield();
}

struct pshared_held {
	pthread_mutex_t *m;
	atomic_int locked, release, tid;
};

static void *pshared_holder(void *arg)
{
	struct pshared_held *h = arg;

	pthread_mutex_lock(h->m);
	atomic_store(&h->locked, 1);
	while (!atomic_load(&h->release))
		sched_yield();
	pthread_mutex_unlock(h->m);
	return NULL;
}

static void *pshared_waiter(void *arg)
{
	struct pshared_held *h = arg;

	atomic_store(&h->tid, (int)syscall(SYS_gettid));
	pthread_mutex_lock(h->m);
	pthread_mutex_unlock(h->m);
	return NULL;
}

/*
 * A process-shared semaphore at @s: a timed wait times out, a post is
 * taken; a process-shared mutex at @m, held by one thread while another
 * blocks on it in the kernel, then gets it.  0, or the step that failed.
 */
static int pshared_objects(sem_t *s, pthread_mutex_t *m)
{
	struct pshared_held h = { .m = m };
	pthread_mutexattr_t attr;
	struct timespec ts;
	pthread_t a, b;

	if (sem_init(s, 1, 0))
		return 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 10 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	if (sem_timedwait(s, &ts) != -1 || errno != ETIMEDOUT)
		return 2;
	if (sem_post(s) || sem_wait(s))
		return 3;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (pthread_mutex_init(m, &attr))
		return 4;
	pthread_create(&a, NULL, pshared_holder, &h);
	while (!atomic_load(&h.locked))
		sched_yield();
	pthread_create(&b, NULL, pshared_waiter, &h);
	wait_asleep(&h.tid);		/* blocked in the kernel on the mutex */
	atomic_store(&h.release, 1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return pthread_mutex_trylock(m) ? 5 : 0;
}

#endif /* _ARENALLOC_SELFTEST_PSHARED_OBJECTS_H */
