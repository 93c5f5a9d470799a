// SPDX-License-Identifier: GPL-2.0
/*
 * libarenalloc over /dev/arenalloc: what the module sees of the library.
 *
 * Runs in the test VMs with arenalloc.ko loaded (and skips on a host
 * without the device).  It proves, through the module's own statistics
 * under /sys/kernel/arenalloc/dev/, that the library's chunks come from
 * the device, land on the node of the thread that made the arena, go back
 * to the page allocator when an arena is purged or a huge object shrinks
 * in place, and are copied for a child at fork; and that glibc's
 * process-shared semaphore and contended mutex work in heap memory there
 * (shared futexes on device pages).  And that a purge of a range made of
 * two device mappings side by side (a huge range grown beside itself)
 * gives back the pages of both, though the device's PURGE takes one
 * mapping at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arenalloc.h"
#include "internal.h"
#include "tap.h"
#include "../../selftests/arenalloc/pshared_objects.h"

#define DEV	"/sys/kernel/arenalloc/dev/"
#define MiB	(1024UL * 1024)
#define PAGES(bytes)	((bytes) / 4096)

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* Pages of the device on node @nid, from dev/node_pages ("N0=12 N1=0"). */
static long node_pages(int nid)
{
	char buf[512] = "", key[16];
	int fd = open(DEV "node_pages", O_RDONLY);
	ssize_t n;
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	snprintf(key, sizeof(key), "N%d=", nid);
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static size_t ctl_size(const char *name)
{
	size_t v = 0, len = sizeof(v);
	uint64_t e = 1;
	size_t elen = sizeof(e);

	arenalloc_ctl("epoch", &e, &elen, &e, elen);
	arenalloc_ctl(name, &v, &len, NULL, 0);
	return v;
}

static void purge_all(void)
{
	unsigned int n, i;
	size_t len = sizeof(n);
	char name[64];

	arenalloc_ctl("thread.tcache.flush", NULL, NULL, NULL, 0);
	arenalloc_ctl("arenas.narenas", &n, &len, NULL, 0);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "arena.%u.purge", i);
		arenalloc_ctl(name, NULL, NULL, NULL, 0);
	}
}

AC_CASE(library_uses_device)
{
	bool dev = false;
	size_t len = sizeof(dev);
	uint64_t fallbacks = 0;
	size_t flen = sizeof(fallbacks);
	void *p = arenalloc_malloc(100);

	AC_ASSERT(p, "malloc");
	AC_ASSERT(!arenalloc_ctl("stats.chunks.device", &dev, &len, NULL, 0) && dev,
		  "the library did not open /dev/arenalloc");
	arenalloc_free(p);
	AC_ASSERT(ctl_size("stats.chunks.device_mapped") >= 2 * MiB, "device_mapped %zu",
		  ctl_size("stats.chunks.device_mapped"));
	AC_ASSERT(!arenalloc_ctl("stats.chunks.device_fallbacks", &fallbacks, &flen, NULL, 0) &&
		  fallbacks == 0, "%llu fallbacks", (unsigned long long)fallbacks);
}

#define NOBJ	256
#define OBJ	(64 << 10)	/* 16 MiB in all: large, not cached */

/* Chunks the library touches are pages the module holds; purging gives them back. */
AC_CASE(chunks_counted_and_purged)
{
	long pages0 = read_long(DEV "pages"), purged0 = read_long(DEV "purged"), pages1, pages2;
	static char *obj[NOBJ];
	int i;

	AC_ASSERT(pages0 >= 0 && purged0 >= 0, "no " DEV);
	for (i = 0; i < NOBJ; i++) {
		obj[i] = arenalloc_malloc(OBJ);
		AC_ASSERT(obj[i], "malloc %d", i);
		memset(obj[i], i, OBJ);
	}
	pages1 = read_long(DEV "pages");
	AC_ASSERT(pages1 - pages0 >= (long)PAGES(NOBJ * (size_t)OBJ) * 9 / 10,
		  "device pages %ld -> %ld for %lu MiB touched", pages0, pages1,
		  (unsigned long)(NOBJ * (size_t)OBJ / MiB));
	AC_ASSERT(read_long(DEV "mappings") >= 1, "mappings");
	for (i = 0; i < NOBJ; i++) {
		AC_ASSERT((unsigned char)obj[i][OBJ - 1] == (unsigned char)i, "content %d", i);
		arenalloc_free(obj[i]);
	}
	purge_all();
	pages2 = read_long(DEV "pages");
	AC_ASSERT(read_long(DEV "purged") - purged0 >= (long)PAGES(NOBJ * (size_t)OBJ) * 9 / 10,
		  "purged %ld -> %ld", purged0, read_long(DEV "purged"));
	AC_ASSERT(pages2 <= pages0 + (long)PAGES(4 * MiB), "pages after purge %ld (before %ld)",
		  pages2, pages0);
}

/* A huge object shrunk in place gives its tail's device pages back at once. */
AC_CASE(huge_shrink_gives_device_pages_back)
{
	size_t big = 32 * MiB, to = 4 * MiB;
	long pages0, pages1, pages2;
	char *p = arenalloc_malloc(big);

	AC_ASSERT(p, "malloc(32 MiB)");
	pages0 = read_long(DEV "pages");
	memset(p, 3, big);
	pages1 = read_long(DEV "pages");
	AC_ASSERT(pages1 - pages0 >= (long)PAGES(big) * 9 / 10, "device pages %ld -> %ld",
		  pages0, pages1);
	AC_ASSERT(arenalloc_xallocx(p, to, 0, 0) == to, "xallocx to 4 MiB");
	pages2 = read_long(DEV "pages");
	AC_ASSERT(pages1 - pages2 >= (long)PAGES(big - to) * 9 / 10,
		  "device pages %ld after the shrink, %ld before", pages2, pages1);
	AC_ASSERT(p[to - 1] == 3, "contents");
	arenalloc_free(p);
}

/*
 * A range grown beside itself is two device mappings; a purge across the
 * boundary gives back the pages of both (the shrink of a huge block falls
 * back on it when it cannot unmap its tail).
 */
AC_CASE(purge_spans_device_mappings)
{
	enum aa_chunk_kind kind;
	char *p;
	long pages1, pages2;
	bool grown, purged;
	size_t i;
	int c;

	arenalloc_free(arenalloc_malloc(1));	/* the library opens the device */
	p = aa_source_map(4 * MiB, 2 * MiB, -1, &kind);
	AC_ASSERT(p && kind == AA_CHUNK_DEVICE, "no device mapping (%p)", (void *)p);
	aa_source_trim(p + 2 * MiB, 2 * MiB, kind);
	grown = aa_source_extend(p + 2 * MiB, 2 * MiB, -1, kind);
	AC_ASSERT(grown, "could not map the second piece where the first was trimmed");
	memset(p, 5, 4 * MiB);
	pages1 = read_long(DEV "pages");
	purged = aa_source_purge(p + 1 * MiB, 2 * MiB, kind);
	pages2 = read_long(DEV "pages");
	for (i = 1 * MiB; i < 3 * MiB && !p[i]; i++)
		;
	c = i < 3 * MiB ? p[i] : 0;
	aa_source_unmap(p, 4 * MiB, kind);
	AC_ASSERT(purged, "purge across two device mappings failed");
	AC_ASSERT(i == 3 * MiB, "byte %#zx still reads %d after the purge", i, c);
	AC_ASSERT(pages1 - pages2 >= (long)PAGES(2 * MiB), "device pages %ld -> %ld",
		  pages1, pages2);
}

struct node_job {
	int cpu, nid;
	pthread_barrier_t *ready, *measured;
	bool ok;
};

static __thread char *obj[32];

/* A new thread makes (and binds to) a fresh arena on the node it runs on. */
static void *node_worker(void *arg)
{
	struct node_job *j = arg;
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET(j->cpu, &set);
	j->ok = !sched_setaffinity(0, sizeof(set), &set);
	for (i = 0; j->ok && i < 32; i++) {
		obj[i] = arenalloc_malloc(OBJ * 4);
		j->ok = obj[i];
		if (j->ok)
			memset(obj[i], 1, OBJ * 4);
	}
	pthread_barrier_wait(j->ready);
	pthread_barrier_wait(j->measured);
	for (i = 0; i < 32; i++)
		arenalloc_free(obj[i]);
	return NULL;
}

/* First CPU of node @nid, or -1 when it has none. */
static int node_cpu(int nid)
{
	char path[96], buf[64] = "";
	int fd, n;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", nid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && buf[0] >= '0' && buf[0] <= '9' ? atoi(buf) : -1;
}

AC_CASE(pages_on_the_arena_node)
{
	pthread_barrier_t ready, measured;
	struct node_job job;
	pthread_t t;
	int nid, tested = 0;

	for (nid = 0; nid < 64; nid++) {
		long before, after;

		job.cpu = node_cpu(nid);
		if (job.cpu < 0)
			continue;
		job.nid = nid;
		job.ready = &ready;
		job.measured = &measured;
		pthread_barrier_init(&ready, NULL, 2);
		pthread_barrier_init(&measured, NULL, 2);
		before = node_pages(nid);
		AC_ASSERT(before >= 0, "no N%d in node_pages", nid);
		pthread_create(&t, NULL, node_worker, &job);
		pthread_barrier_wait(&ready);
		after = node_pages(nid);
		pthread_barrier_wait(&measured);
		pthread_join(t, NULL);
		pthread_barrier_destroy(&ready);
		pthread_barrier_destroy(&measured);
		AC_ASSERT(job.ok, "worker on CPU %d failed", job.cpu);
		printf("# node %d (cpu %d): device pages %ld -> %ld\n", nid, job.cpu, before,
		       after);
		AC_ASSERT(after - before >= (long)PAGES(32 * 4 * (size_t)OBJ) * 9 / 10,
			  "node %d gained %ld pages for 32 MiB", nid, after - before);
		tested++;
	}
	AC_ASSERT(tested >= 1, "no node with CPUs");
}

/* A child sees the parent's device memory as of fork, and each keeps its own. */
AC_CASE(fork_copies_device_memory)
{
	long copied0 = read_long(DEV "fork_copied");
	char *p = arenalloc_malloc(MiB);
	int pipefd[2], status;
	char c = 0;
	pid_t pid;

	AC_ASSERT(p, "malloc");
	memset(p, 'P', MiB);
	AC_ASSERT(!pipe(pipefd), "pipe");
	pid = fork();
	AC_ASSERT(pid >= 0, "fork");
	if (!pid) {
		char *q;
		size_t i;

		for (i = 0; i < MiB; i++)
			if (p[i] != 'P')
				_exit(1);
		memset(p, 'C', MiB);
		q = arenalloc_malloc(3 * MiB);	/* the child's allocator works */
		if (!q)
			_exit(2);
		memset(q, 'Q', 3 * MiB);
		arenalloc_free(q);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	AC_ASSERT(read(pipefd[0], &c, 1) == 1, "child did not report");
	close(pipefd[0]);
	AC_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		  WEXITSTATUS(status) == 0, "child status %#x", status);
	for (size_t i = 0; i < MiB; i++)
		AC_ASSERT(p[i] == 'P', "parent byte %zu changed to %c", i, p[i]);
	AC_ASSERT(read_long(DEV "fork_copied") > copied0, "fork_copied did not move");
	arenalloc_free(p);
}

/*
 * A process-shared semaphore and a contended process-shared mutex in
 * malloc()ed memory, on the device: glibc aborts when the kernel refuses
 * their shared futexes, so they run in a child.
 */
AC_CASE(pshared_objects_in_heap)
{
	sem_t *s = arenalloc_malloc(sizeof(*s));
	pthread_mutex_t *m = arenalloc_malloc(sizeof(*m));
	int status;
	pid_t pid;

	AC_ASSERT(s && m, "malloc");
	fflush(stdout);
	pid = fork();
	AC_ASSERT(pid >= 0, "fork");
	if (!pid)
		_exit(pshared_objects(s, m));
	AC_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	AC_ASSERT(!WIFSIGNALED(status), "the child died of signal %d", WTERMSIG(status));
	AC_ASSERT(WIFEXITED(status) && !WEXITSTATUS(status), "step %d failed",
		  WEXITSTATUS(status));
	arenalloc_free(s);
	arenalloc_free(m);
}

static const struct tap_case cases[] = {
	{ "library_uses_device", library_uses_device },
	{ "chunks_counted_and_purged", chunks_counted_and_purged },
	{ "huge_shrink_gives_device_pages_back", huge_shrink_gives_device_pages_back },
	{ "purge_spans_device_mappings", purge_spans_device_mappings },
	{ "pages_on_the_arena_node", pages_on_the_arena_node },
	{ "fork_copies_device_memory", fork_copies_device_memory },
	{ "pshared_objects_in_heap", pshared_objects_in_heap },
	{ NULL, NULL },
};

int main(void)
{
	if (access("/dev/arenalloc", R_OK | W_OK) || access(DEV "pages", R_OK)) {
		printf("TAP version 13\n1..1\nok 1 device_test # SKIP no /dev/arenalloc here\n");
		return 0;
	}
	return tap_run(cases);
}
