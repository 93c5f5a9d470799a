// SPDX-License-Identifier: GPL-2.0
/*
 * malloc_bench: one allocator workload, timed; the allocator is whatever
 * malloc the process has (scripts/bench-user.sh preloads each in turn).
 *
 *   malloc_bench [-t SECONDS] WORKLOAD ARGS...
 *
 * N is one unit of work (defaults: pair 1000000, batch 100 rounds, mixed
 * 1000000, realloc 100000, large 20, xmalloc 100000 per producer, churn
 * 100 rounds, thrash 50000000 writes), after an untimed warm-up of a
 * tenth of the default or less.  With -t the unit is repeated until
 * SECONDS have passed, so that every contender is timed for about as long
 * however fast it is; every repetition must do the same work.
 * mt and larson run for SECONDS (default 3) instead.
 *
 *   pair SIZE [N]          ns per malloc+free pair, one thread: malloc,
 *                          touch, free, repeated (the thread-cache hit)
 *   batch SIZE [N]         ns per pair, one thread, 1000 allocations then
 *                          1000 frees (cache fill and flush)
 *   mixed [N]              ns per pair, one thread: a window of 1000 live
 *                          objects of 8..512 bytes, a random one replaced
 *                          per step (small mixed-size churn)
 *   realloc [N]            ns per realloc: 64 strings grown by random
 *                          steps up to 64 KiB and shrunk back, content
 *                          checked after every move
 *   large [N]              us per malloc+touch+free of 5..25 MiB blocks,
 *                          up to four live at once (large-block churn)
 *   mt THREADS [SECONDS]   Mops/s: each thread keeps a window of 4096
 *                          objects of 16..1024 bytes and replaces a random
 *                          one per step; one free in eight is of an
 *                          object another thread made
 *   larson THREADS [SECONDS]  Mops/s, a larson-style server: each
 *                          thread replaces random slots of its own array
 *                          (16..2048 bytes); every 10000 steps it exits
 *                          and a new thread inherits the array, freeing
 *                          what the old one allocated
 *   xmalloc THREADS [N]    ns per object: THREADS producers allocate N
 *                          objects each, of 9..4096 bytes, and hand them
 *                          in batches of 64 (at most 256 batches queued)
 *                          to THREADS consumers that check and free them
 *   churn THREADS [N]      us per thread: threads that start, allocate and
 *                          free 2000 objects, and exit, in a loop
 *   thrash THREADS [N]     ns per write: each thread frees an 8-byte object
 *                          the main thread made, allocates its own and
 *                          writes it N times (cache-line false sharing
 *                          between objects handed out to different threads)
 *   burst MIB SECONDS      RSS over time: allocate MIB MiB in 64..4096 byte
 *                          objects, free them all, then stay idle for
 *                          SECONDS, printing "rss <ms> <kB>" every 100 ms
 *                          (shows whether freed memory goes back)
 *
 * Each prints one summary line,
 *   "<workload> <value> <unit> maxrss_kb <n> check <hex>",
 * with the peak RSS of the process (getrusage) so that memory is compared
 * in the same runs as time.  Every workload writes a pattern into what it
 * allocates and checks it before the free; a mismatch prints CORRUPT and
 * exits with status 1.  "check" is a digest of one unit of work; it does
 * not depend on timing: the same for every allocator, or the run is wrong.
 * Workloads that run for a fixed time print check 0.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static uint64_t digest;

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

static long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void die(const char *what)
{
	fprintf(stderr, "malloc_bench: %s\n", what);
	exit(1);
}

static void *xmalloc(size_t size)
{
	void *p = malloc(size);

	if (!p)
		die("out of memory");
	return p;
}

/* Objects carry their size in the first word and a tag at both ends. */
static void *obj_new(size_t size, unsigned int tag)
{
	unsigned char *p = xmalloc(size);

	memcpy(p, &size, sizeof(size));
	p[size - 1] = (unsigned char)tag;
	return p;
}

static void obj_free(void *ptr, unsigned int tag)
{
	unsigned char *p = ptr;
	size_t size;

	if (!p)
		return;
	memcpy(&size, p, sizeof(size));
	if (p[size - 1] != (unsigned char)tag) {
		printf("CORRUPT object %p of %zu bytes\n", ptr, size);
		exit(1);
	}
	free(p);
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
	digest += (uint64_t)iters;
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
			v[i] = xmalloc(size);
			((char *)v[i])[0] = (char)i;
		}
		for (i = 0; i < 1000; i++) {
			if (((char *)v[i])[0] != (char)i)
				die("CORRUPT batch object");
			free(v[i]);
		}
	}
	digest += (uint64_t)rounds;
	return (now() - t0) * 1e9 / (double)(rounds * 1000);
}

static double bench_mixed(long iters)
{
	enum { WIN = 1000 };
	static void *win[WIN];
	unsigned int s = 42;
	double t0 = now();
	long i;

	for (i = 0; i < iters; i++) {
		unsigned int k = rnd(&s) % WIN;
		size_t size = 8 + rnd(&s) % 505;

		obj_free(win[k], k);
		win[k] = obj_new(size < 9 ? 9 : size, k);
		digest += size;
	}
	for (i = 0; i < WIN; i++) {
		obj_free(win[i], (unsigned int)i);
		win[i] = NULL;
	}
	return (now() - t0) * 1e9 / (double)iters;
}

static double bench_realloc(long iters)
{
	enum { NSTR = 64, MAX = 64 << 10 };
	char *str[NSTR] = { 0 };
	size_t len[NSTR] = { 0 };
	unsigned int s = 7;
	double t0 = now();
	long i;

	for (i = 0; i < iters; i++) {
		unsigned int k = rnd(&s) % NSTR;
		size_t n = len[k], want;
		char *p;

		if (n < MAX / 2 || rnd(&s) % 4)
			want = n + 1 + rnd(&s) % 4096;
		else
			want = n / 3;
		if (want > MAX)
			want = MAX;
		p = realloc(str[k], want + 1);
		if (!p)
			die("out of memory");
		/* The kept prefix must have travelled. */
		if (n && want && p[(n < want ? n : want) - 1] != (char)('a' + k % 26))
			die("CORRUPT realloc prefix");
		if (want > n)
			memset(p + n, 'a' + k % 26, want - n);
		p[want] = 0;
		str[k] = p;
		len[k] = want;
		digest += want;
	}
	for (i = 0; i < NSTR; i++)
		free(str[i]);
	return (now() - t0) * 1e9 / (double)iters;
}

/*
 * The live set of the large-block churn outlives a unit: repeated units
 * (-t) are one long churn, as a program's would be, not bursts that free
 * everything every few operations.  Freed at exit.
 */
enum { LARGE_LIVE = 4 };
static void *large_live[LARGE_LIVE];
static size_t large_sz[LARGE_LIVE];

static void large_release(void)
{
	int k;

	for (k = 0; k < LARGE_LIVE; k++)
		free(large_live[k]);
}

static double bench_large(long iters)
{
	static int registered;
	unsigned int s = 99;
	double t0 = now();
	long i;
	int k;

	if (!registered++)
		atexit(large_release);
	for (i = 0; i < iters; i++) {
		size_t size = (5u << 20) + (size_t)(rnd(&s) % 20480) * 1024;
		size_t off;

		k = (int)(rnd(&s) % LARGE_LIVE);
		if (large_live[k] && ((char *)large_live[k])[large_sz[k] - 1] != (char)k)
			die("CORRUPT large block");
		free(large_live[k]);
		large_live[k] = xmalloc(size);
		/* Touch one byte per page, as a program filling it would. */
		for (off = 0; off < size; off += 4096)
			((char *)large_live[k])[off] = (char)k;
		((char *)large_live[k])[size - 1] = (char)k;
		large_sz[k] = size;
		digest += size;
	}
	return (now() - t0) * 1e6 / (double)iters;
}

/* ==== Multithreaded workloads ========================================== */

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

	if (!win)
		die("out of memory");
	while (!stop) {
		for (i = 0; i < 1024; i++) {
			unsigned int k = rnd(&s) % WINDOW;
			size_t size = 16 + rnd(&s) % 1009;

			if ((s & 7) == 0) {
				/* Hand the old object to the next thread to free. */
				struct worker *n = w->next;
				unsigned int slot = rnd(&s) % NSLOTS;
				void *old;

				pthread_mutex_lock(&n->lock);
				old = n->ring[slot];
				n->ring[slot] = win[k];
				pthread_mutex_unlock(&n->lock);
				obj_free(old, 0x5a);
			} else {
				obj_free(win[k], 0x5a);
			}
			win[k] = obj_new(size, 0x5a);
			ops += 2;
		}
	}
	for (i = 0; i < WINDOW; i++)
		obj_free(win[i], 0x5a);
	free(win);
	w->ops = ops;
	return NULL;
}

static void sleep_until(double t0, double seconds)
{
	while (now() - t0 < seconds) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
}

static double bench_mt(int nthreads, double seconds)
{
	struct worker *w = calloc((size_t)nthreads, sizeof(*w));
	long ops = 0;
	double t0;
	int i, j;

	if (!w)
		die("out of memory");
	for (i = 0; i < nthreads; i++) {
		w[i].seed = 7919u * (unsigned int)(i + 1);
		w[i].next = &w[(i + 1) % nthreads];
		pthread_mutex_init(&w[i].lock, NULL);
	}
	t0 = now();
	for (i = 0; i < nthreads; i++)
		pthread_create(&w[i].tid, NULL, mt_worker, &w[i]);
	sleep_until(t0, seconds);
	stop = 1;
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		ops += w[i].ops;
	}
	t0 = now() - t0;
	for (i = 0; i < nthreads; i++)
		for (j = 0; j < NSLOTS; j++)
			obj_free(w[i].ring[j], 0x5a);
	free(w);
	return (double)ops / t0 / 1e6;
}

/* larson: a thread's array outlives the thread; its successor frees. */
struct larson {
	void **slot;
	unsigned int seed;
	long ops;
};

#define LARSON_SLOTS	1000
#define LARSON_STEPS	10000

static void *larson_worker(void *arg)
{
	struct larson *l = arg;
	int i;

	for (i = 0; i < LARSON_STEPS && !stop; i++) {
		unsigned int k = rnd(&l->seed) % LARSON_SLOTS;
		size_t size = 16 + rnd(&l->seed) % 2033;

		obj_free(l->slot[k], 0xa5);
		l->slot[k] = obj_new(size, 0xa5);
		l->ops += 2;
	}
	return NULL;
}

static void *larson_driver(void *arg)
{
	struct larson *l = arg;

	while (!stop) {
		pthread_t t;

		if (pthread_create(&t, NULL, larson_worker, l))
			die("pthread_create");
		pthread_join(t, NULL);
	}
	return NULL;
}

static double bench_larson(int nthreads, double seconds)
{
	struct larson *l = calloc((size_t)nthreads, sizeof(*l));
	pthread_t *drv = calloc((size_t)nthreads, sizeof(*drv));
	long ops = 0;
	double t0;
	int i, j;

	if (!l || !drv)
		die("out of memory");
	for (i = 0; i < nthreads; i++) {
		l[i].slot = calloc(LARSON_SLOTS, sizeof(void *));
		if (!l[i].slot)
			die("out of memory");
		l[i].seed = 31u * (unsigned int)(i + 1);
	}
	t0 = now();
	for (i = 0; i < nthreads; i++)
		pthread_create(&drv[i], NULL, larson_driver, &l[i]);
	sleep_until(t0, seconds);
	stop = 1;
	for (i = 0; i < nthreads; i++) {
		pthread_join(drv[i], NULL);
		ops += l[i].ops;
	}
	t0 = now() - t0;
	for (i = 0; i < nthreads; i++) {
		for (j = 0; j < LARSON_SLOTS; j++)
			obj_free(l[i].slot[j], 0xa5);
		free(l[i].slot);
	}
	free(l);
	free(drv);
	return (double)ops / t0 / 1e6;
}

/* xmalloc: producers hand batches to consumers through one queue. */
#define XM_BATCH	64
#define XM_QUEUE	256

struct xm_batch {
	struct xm_batch *next;
	void *obj[XM_BATCH];
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_cond_t room;
	struct xm_batch *head;
	int queued;		/* batches in the queue, at most XM_QUEUE */
	int producers_left;
} xq = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
	 NULL, 0, 0 };

static long xm_per_producer;

static void *xm_producer(void *arg)
{
	unsigned int s = (unsigned int)(uintptr_t)arg;
	long n;

	for (n = 0; n < xm_per_producer; n += XM_BATCH) {
		struct xm_batch *b = xmalloc(sizeof(*b));
		int i;

		for (i = 0; i < XM_BATCH; i++)
			b->obj[i] = obj_new(9 + rnd(&s) % 4088, 0x3c);
		pthread_mutex_lock(&xq.lock);
		while (xq.queued >= XM_QUEUE)
			pthread_cond_wait(&xq.room, &xq.lock);
		b->next = xq.head;
		xq.head = b;
		xq.queued++;
		pthread_cond_signal(&xq.cond);
		pthread_mutex_unlock(&xq.lock);
	}
	pthread_mutex_lock(&xq.lock);
	xq.producers_left--;
	pthread_cond_broadcast(&xq.cond);
	pthread_mutex_unlock(&xq.lock);
	return NULL;
}

static void *xm_consumer(void *arg)
{
	long *freed = arg;

	for (;;) {
		struct xm_batch *b;
		int i;

		pthread_mutex_lock(&xq.lock);
		while (!xq.head && xq.producers_left)
			pthread_cond_wait(&xq.cond, &xq.lock);
		b = xq.head;
		if (b) {
			xq.head = b->next;
			xq.queued--;
			pthread_cond_signal(&xq.room);
		}
		pthread_mutex_unlock(&xq.lock);
		if (!b)
			return NULL;
		for (i = 0; i < XM_BATCH; i++)
			obj_free(b->obj[i], 0x3c);
		*freed += XM_BATCH;
		free(b);
	}
}

static double bench_xmalloc(int nthreads, long per_thread)
{
	pthread_t *t = calloc((size_t)nthreads * 2, sizeof(*t));
	long *freed = calloc((size_t)nthreads, sizeof(*freed));
	long total = 0;
	double t0;
	int i;

	if (!t || !freed)
		die("out of memory");
	xm_per_producer = (per_thread + XM_BATCH - 1) / XM_BATCH * XM_BATCH;
	xq.producers_left = nthreads;
	t0 = now();
	for (i = 0; i < nthreads; i++) {
		pthread_create(&t[i], NULL, xm_producer, (void *)(uintptr_t)(i * 77 + 1));
		pthread_create(&t[nthreads + i], NULL, xm_consumer, &freed[i]);
	}
	for (i = 0; i < 2 * nthreads; i++)
		pthread_join(t[i], NULL);
	t0 = now() - t0;
	for (i = 0; i < nthreads; i++)
		total += freed[i];
	if (total != xm_per_producer * nthreads)
		die("CORRUPT: objects lost between producers and consumers");
	digest += (uint64_t)total;
	free(t);
	free(freed);
	return t0 * 1e9 / (double)total;
}

/* churn: short-lived threads, each a small burst of work. */
static void *churn_thread(void *arg)
{
	void *v[2000];
	unsigned int s = (unsigned int)(uintptr_t)arg;
	int i;

	for (i = 0; i < 2000; i++)
		v[i] = obj_new(9 + rnd(&s) % 1000, 0x77);
	for (i = 0; i < 2000; i++)
		obj_free(v[i], 0x77);
	return NULL;
}

static double bench_churn(int nthreads, long rounds)
{
	pthread_t *t = calloc((size_t)nthreads, sizeof(*t));
	double t0 = now();
	long r;
	int i;

	if (!t)
		die("out of memory");
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nthreads; i++)
			if (pthread_create(&t[i], NULL, churn_thread, (void *)(uintptr_t)(r + i)))
				die("pthread_create");
		for (i = 0; i < nthreads; i++)
			pthread_join(t[i], NULL);
	}
	digest += (uint64_t)(rounds * nthreads);
	free(t);
	return (now() - t0) * 1e6 / (double)(rounds * nthreads);
}

/* thrash: Hoard's cache-scratch. */
struct thrash {
	pthread_t tid;
	char *given;
	long writes;
};

static void *thrash_thread(void *arg)
{
	struct thrash *th = arg;
	volatile char *p;
	long i;

	free(th->given);
	p = xmalloc(8);
	for (i = 0; i < th->writes; i++)
		p[i & 7] = (char)(p[i & 7] + 1);
	free((void *)p);
	return NULL;
}

static double bench_thrash(int nthreads, long writes)
{
	struct thrash *th = calloc((size_t)nthreads, sizeof(*th));
	double t0;
	int i;

	if (!th)
		die("out of memory");
	for (i = 0; i < nthreads; i++) {
		th[i].given = xmalloc(8);
		th[i].writes = writes;
	}
	t0 = now();
	for (i = 0; i < nthreads; i++)
		pthread_create(&th[i].tid, NULL, thrash_thread, &th[i]);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i].tid, NULL);
	t0 = now() - t0;
	digest += (uint64_t)(writes * nthreads);
	free(th);
	return t0 * 1e9 / (double)writes;
}

static void bench_burst(long mib, double seconds)
{
	size_t total = (size_t)mib << 20, held = 0, n = 0, cap = 1024;
	void **v = xmalloc(cap * sizeof(*v));
	unsigned int s = 5;
	double t0;
	size_t i;

	while (held < total) {
		size_t size = 64 + rnd(&s) % 4033;

		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die("out of memory");
		}
		v[n] = xmalloc(size);
		memset(v[n++], 1, size);
		held += size;
	}
	printf("burst_peak_kb %ld\n", rss_kb());
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	digest += n;
	t0 = now();
	for (i = 0; now() - t0 < seconds; i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		printf("rss %ld %ld\n", (long)((now() - t0) * 1000), rss_kb());
		nanosleep(&ts, NULL);
	}
	printf("burst_%ld %ld kB_after_idle", mib, rss_kb());
}

/* ==== Repetition ======================================================= */

/*
 * A timed workload is one unit of fixed work, repeated until min_seconds
 * have passed (-t; at least once).  Every unit starts from the same seed
 * and must add the same amount to the digest, so the check printed is one
 * unit's and does not depend on how many units a contender managed in the
 * time.  The value is the mean over the units, each of equal work.
 */
static double min_seconds;

static double w_pair(long a, long n)
{
	return bench_pair((size_t)a, n);
}

static double w_batch(long a, long n)
{
	return bench_batch((size_t)a, n);
}

static double w_mixed(long a, long n)
{
	(void)a;
	return bench_mixed(n);
}

static double w_realloc(long a, long n)
{
	(void)a;
	return bench_realloc(n);
}

static double w_large(long a, long n)
{
	(void)a;
	return bench_large(n);
}

static double w_xmalloc(long a, long n)
{
	return bench_xmalloc((int)a, n);
}

static double w_churn(long a, long n)
{
	return bench_churn((int)a, n);
}

static double w_thrash(long a, long n)
{
	return bench_thrash((int)a, n);
}

static const struct workload {
	const char *name;
	const char *unit;
	double (*fn)(long a, long n);
	int takes_arg;		/* a SIZE or THREADS argument comes first */
	long warmup;		/* a unit of this size, untimed, first */
	long n;			/* the default unit */
} workloads[] = {
	{ "pair", "ns/pair", w_pair, 1, 100000, 1000000 },
	{ "batch", "ns/pair", w_batch, 1, 20, 100 },
	{ "mixed", "ns/pair", w_mixed, 0, 100000, 1000000 },
	{ "realloc", "ns/realloc", w_realloc, 0, 10000, 100000 },
	{ "large", "us/op", w_large, 0, 8, 20 },
	{ "xmalloc", "ns/object", w_xmalloc, 1, 10000, 100000 },
	{ "churn", "us/thread", w_churn, 1, 10, 100 },
	{ "thrash", "ns/write", w_thrash, 1, 0, 50000000 },
};

static double repeat(const struct workload *w, long a, long n)
{
	double t0, sum = 0;
	uint64_t first = 0;
	long units = 0;

	/*
	 * Warm up first, so that a contender slow enough to run one unit is
	 * timed in the same steady state as one that runs many.
	 */
	if (w->warmup)
		w->fn(a, w->warmup < n ? w->warmup : n);
	digest = 0;
	t0 = now();
	do {
		uint64_t before = digest;

		sum += w->fn(a, n);
		if (!units)
			first = digest - before;
		else if (digest - before != first)
			die("CORRUPT: a repeated unit did different work");
		units++;
	} while (now() - t0 < min_seconds);
	digest = first;
	return sum / (double)units;
}

static int usage(const char *prog)
{
	fprintf(stderr,
		"Usage: %s [-t SECONDS] pair|batch SIZE [N] | mixed|realloc|large [N] |\n"
		"       xmalloc|churn|thrash THREADS [N] | mt|larson THREADS [SECONDS] |\n"
		"       burst MIB SECONDS\n"
		"  -t: repeat the unit of N until SECONDS have passed (default: once)\n",
		prog);
	return 2;
}

int main(int argc, char **argv)
{
	const char *prog = argv[0];
	const char *w;
	const char *narg;
	double secs;
	long a, n;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[1], "-t")) {
		min_seconds = atof(argv[2]);
		argc -= 2;
		argv += 2;
	}
	w = argc > 1 ? argv[1] : "";
	a = argc > 2 ? atol(argv[2]) : 0;
	narg = argc > 3 ? argv[3] : "0";
	n = atol(narg);
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		const struct workload *wl = &workloads[i];
		double v;

		if (strcmp(w, wl->name))
			continue;
		if (wl->takes_arg && a <= 0)
			return usage(prog);
		if (!wl->takes_arg) {
			n = a;
			a = 0;
		}
		v = repeat(wl, a, n > 0 ? n : wl->n);
		if (wl->takes_arg)
			printf("%s_%ld %.2f %s", wl->name, a, v, wl->unit);
		else
			printf("%s %.2f %s", wl->name, v, wl->unit);
		printf(" maxrss_kb %ld check %llx\n", maxrss(), (unsigned long long)digest);
		return 0;
	}
	secs = atof(narg);
	if (!strcmp(w, "mt") && a > 0) {
		printf("mt_%ld %.2f Mops/s", a, bench_mt((int)a, secs > 0 ? secs : 3.0));
		digest = 0;
	} else if (!strcmp(w, "larson") && a > 0) {
		printf("larson_%ld %.2f Mops/s", a, bench_larson((int)a, secs > 0 ? secs : 3.0));
		digest = 0;
	} else if (!strcmp(w, "burst") && a > 0) {
		bench_burst(a, secs > 0 ? secs : 10.0);
	} else {
		return usage(prog);
	}
	printf(" maxrss_kb %ld check %llx\n", maxrss(), (unsigned long long)digest);
	return 0;
}
