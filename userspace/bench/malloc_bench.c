// SPDX-License-Identifier: GPL-2.0
/*
 * malloc_bench: one allocator workload, timed; the allocator is whatever
 * malloc the process has (scripts/bench-user.sh preloads each in turn).
 *
 *   malloc_bench pair SIZE      ns per malloc+free pair, one thread:
 *                               malloc, touch one byte, free, repeated
 *   malloc_bench batch SIZE     ns per pair, one thread, 1000 allocations
 *                               then 1000 frees (LIFO reuse defeated)
 *   malloc_bench mt THREADS     million operations per second, THREADS
 *                               threads, each keeping a window of 4096
 *                               live objects of 16..1024 bytes and
 *                               replacing a random one per step; one op in
 *                               eight frees an object another thread made
 *
 * Each prints one line, "<workload> <value> <unit> maxrss_kb <n>", with
 * the peak RSS of the process (getrusage) so that memory is compared in
 * the same runs as time.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double bench_pair(size_t size, long iters)
{
	double t0 = now();
	long i;

	for (i = 0; i < iters; i++) {
		char *volatile p = malloc(size);

		p[0] = 1;
		free(p);
	}
	return (now() - t0) * 1e9 / (double)iters;
}

static double bench_batch(size_t size, long rounds)
{
	static void *v[1000];
	double t0 = now();
	long r;
	int i;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 1000; i++) {
			v[i] = malloc(size);
			((char *)v[i])[0] = 1;
		}
		for (i = 0; i < 1000; i++)
			free(v[i]);
	}
	return (now() - t0) * 1e9 / (double)(rounds * 1000);
}

#define WINDOW	4096
#define NSLOTS	64		/* cross-thread hand-off ring per thread */

struct worker {
	pthread_t tid;
	unsigned int seed;
	long ops;
	void *ring[NSLOTS];	/* objects handed to the next thread */
	pthread_mutex_t lock;
	struct worker *next;
};

static volatile int stop;

static void *mt_worker(void *arg)
{
	struct worker *w = arg;
	void **win = calloc(WINDOW, sizeof(void *));
	unsigned int s = w->seed;
	long ops = 0;
	int i;

	while (!stop) {
		for (i = 0; i < 1024; i++) {
			unsigned int k;
			size_t size;

			s = s * 1103515245u + 12345u;
			k = (s >> 8) % WINDOW;
			size = 16 + (s >> 4) % 1009;
			if ((s & 7) == 0) {
				/* Hand the old object to the next thread to free. */
				struct worker *n = w->next;
				unsigned int slot = (s >> 20) % NSLOTS;
				void *old;

				pthread_mutex_lock(&n->lock);
				old = n->ring[slot];
				n->ring[slot] = win[k];
				pthread_mutex_unlock(&n->lock);
				free(old);
			} else {
				free(win[k]);
			}
			win[k] = malloc(size);
			((char *)win[k])[0] = 1;
			ops += 2;
		}
	}
	for (i = 0; i < WINDOW; i++)
		free(win[i]);
	free(win);
	w->ops = ops;
	return NULL;
}

static double bench_mt(int nthreads, double seconds)
{
	struct worker *w = calloc((size_t)nthreads, sizeof(*w));
	long ops = 0;
	double t0;
	int i, j;

	for (i = 0; i < nthreads; i++) {
		w[i].seed = 7919u * (unsigned int)(i + 1);
		w[i].next = &w[(i + 1) % nthreads];
		pthread_mutex_init(&w[i].lock, NULL);
	}
	t0 = now();
	for (i = 0; i < nthreads; i++)
		pthread_create(&w[i].tid, NULL, mt_worker, &w[i]);
	while (now() - t0 < seconds) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	stop = 1;
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		ops += w[i].ops;
	}
	t0 = now() - t0;
	for (i = 0; i < nthreads; i++)
		for (j = 0; j < NSLOTS; j++)
			free(w[i].ring[j]);
	free(w);
	return (double)ops / t0 / 1e6;
}

int main(int argc, char **argv)
{
	long n = argc > 3 ? atol(argv[3]) : 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s pair|batch SIZE [N] | mt THREADS [SECONDS]\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "pair")) {
		size_t size = (size_t)atol(argv[2]);

		bench_pair(size, 100000);	/* warm up */
		printf("pair_%zu %.2f ns/pair", size, bench_pair(size, n ? n : 5000000));
	} else if (!strcmp(argv[1], "batch")) {
		size_t size = (size_t)atol(argv[2]);

		bench_batch(size, 100);
		printf("batch_%zu %.2f ns/pair", size, bench_batch(size, n ? n : 5000));
	} else if (!strcmp(argv[1], "mt")) {
		int t = atoi(argv[2]);

		printf("mt_%d %.2f Mops/s", t, bench_mt(t, n ? (double)n : 3.0));
	} else {
		return 2;
	}
	printf(" maxrss_kb %ld\n", maxrss());
	return 0;
}
