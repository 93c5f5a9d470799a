// SPDX-License-Identifier: GPL-2.0
/*
 * kbench: the figures of `make bench` that need arenalloc.ko loaded, taken
 * from userspace in the stock VM (scripts/bench-mem.sh boots it; as root,
 * with bench/arenalloc_burst.ko loaded).  Every round of every contender
 * prints one line
 *
 *   kbench: row SUITE TEST CONTENDER ROUND VALUE UNIT CHECK
 *
 * (CHECK "-", or "capped" for a time that ran into its limit), and where a
 * baseline exists the same round's ratio as TEST_ratio with contender
 * "A:B" (A's value over B's, unit x).  Within a figure the contenders
 * alternate, a different one first each round.
 *
 * Suite kernel-decay (kernel arenas; pages counted by the module itself,
 * /sys/kernel/arenalloc/pages, and by the page allocator, nr_free_pages):
 *   decay_D_M_share    % of a burst's pages back in the page allocator
 *                      D + M + one epoch (the window / 200, at least 4 ms)
 *                      after the burst was freed, with dirty_decay_ms D and
 *                      muzzy_decay_ms M; the program sleeps meanwhile, so
 *                      the CPUs are as idle as the VM lets them be.
 *                      Contenders: the burst (256 MiB) in 64 KiB or 4 KiB
 *                      objects (arenalloc_malloc() through the per-CPU
 *                      caches, as any caller)
 *   decay_D_M_freepages  the same share seen by nr_free_pages (pages on
 *                      the per-CPU free lists of the page allocator do
 *                      not count there, so it can read a little low)
 *   decay_D_M_full     ms from the free until the module holds no more
 *                      pages than before the burst, polled every 10 ms
 *                      (the polling keeps a CPU awake), up to
 *                      2 (D + M) + 4000 ms (then marked capped)
 *   hold_decay         the longest hold of one lock by one purge step
 *                      while the short-window decay ran, in ns
 *                      (/sys/kernel/debug/arenalloc/decay_hold_ns), and
 *                      hold_decay_mean, the mean hold: contenders arena
 *                      (an arena's lock) and pool (a retained pool's
 *                      lock); under TCG a hold also counts whatever time
 *                      the host takes the vCPU away
 *   shrink_N           ms for the shrinker to give back an N MiB burst
 *                      (100 MiB of 64 KiB objects) under
 *                      `echo 2 > /proc/sys/vm/drop_caches`: from the write
 *                      until the module holds no more pages than before
 *                      the burst.  Contenders: the pages dirty in their
 *                      arena (both windows -1) or retained (dirty 0,
 *                      muzzy -1)
 *   hold_shrink        as hold_decay (and hold_shrink_mean), during the
 *                      shrinker's runs
 *
 * Suite device (/dev/arenalloc against anonymous memory):
 *   fault_cold         ns per page to write one byte in each page of a new
 *                      F MiB mapping (64 MiB), a store first as a heap's
 *                      first touch is; before each device round
 *                      /sys/kernel/arenalloc/purge empties the module's
 *                      pools.  Contenders: device, anon (private
 *                      anonymous memory with MADV_NOHUGEPAGE: a 4 KiB page
 *                      per fault, like the device) and anon_thp
 *                      (MADV_HUGEPAGE on a 2 MiB-aligned range: what a
 *                      heap gets with THP on)
 *   fault_warm         the same pages given back (ARENALLOC_IOC_PURGE,
 *                      MADV_DONTNEED), 50 ms idle, then touched again: a
 *                      recycled heap range
 *   fork_exit_K        ms for fork() of a process whose K MiB heap
 *                      (256 MiB) is resident, the child's _exit() and the
 *                      parent's waitpid()
 *   fork_peak_K        KiB the fork added at most to the memory cgroup of
 *                      the process (memory.peak, reset just before the
 *                      fork, minus memory.current before it; both move
 *                      in steps of the per-CPU charge batch, 64 pages);
 *                      absent without cgroup2
 *   fork_rewrite_K     ns per page for the parent to write every page of
 *                      the heap once after the child is gone (the
 *                      copy-on-write faults a fork leaves behind)
 *
 * Under QEMU TCG the times describe the emulator: compare ratios.
 *
 *   kbench run [-r ROUNDS] [-d]   every figure, ROUNDS rounds (default 5;
 *                                 at most 3 of the decay, shrinker and fork
 *                                 figures; -d: also one round of the
 *                                 default decay windows, dirty 10000 ms,
 *                                 muzzy 0)
 *   kbench smoke                  every code path once on small sizes,
 *                                 KTAP "ok N" lines, no figures
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/arenalloc.h>

#define AA	"/sys/kernel/arenalloc/"
#define BURST	"/sys/module/arenalloc_burst/parameters/"
#define HOLD	"/sys/kernel/debug/arenalloc/decay_hold_ns"
#define CG	"/sys/fs/cgroup"
#define PAGE	4096UL
#define MIB	(1024UL * 1024)

static bool smoke;
static int ntap;
static int failed;

/* ---- small helpers --------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ULL, .tv_nsec = ns % 1000000000ULL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void sleep_until(uint64_t t)
{
	uint64_t n = now_ns();

	if (t > n)
		sleep_ns(t - n);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "kbench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	va_end(ap);
	exit(1);
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static void must_write(const char *path, const char *val)
{
	if (write_str(path, val))
		die("write '%s' to %s", val, path);
}

static void write_long(const char *path, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	must_write(path, buf);
}

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static long read_long(const char *path)
{
	char buf[64];

	if (read_text(path, buf, sizeof(buf)))
		die("read %s", path);
	return strtol(buf, NULL, 0);
}

/* "key value" out of a file of such lines; -1 if absent. */
static long long read_key(const char *path, const char *key)
{
	char buf[8192], *p;
	size_t kl = strlen(key);

	if (read_text(path, buf, sizeof(buf)))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ' ')
			return strtoll(p + kl + 1, NULL, 10);
	return -1;
}

/* Pages the module holds from the page allocator: "N0=512 N1=0". */
static long module_pages(void)
{
	char buf[4096], *p;
	long sum = 0;

	if (read_text(AA "pages", buf, sizeof(buf)))
		die("read " AA "pages");
	for (p = strchr(buf, '='); p; p = strchr(p + 1, '='))
		sum += strtol(p + 1, NULL, 10);
	return sum;
}

static long free_pages(void)
{
	return read_key("/proc/vmstat", "nr_free_pages");
}

static void put_row(const char *suite, const char *test, const char *who, int round,
		    double value, const char *unit, const char *check)
{
	if (smoke)
		return;
	printf("kbench: row %s %s %s %d %.6g %s %s\n", suite, test, who, round, value, unit,
	       check);
	fflush(stdout);
}

static void ratio(const char *suite, const char *test, const char *a, const char *b,
		  int round, double va, double vb)
{
	char t[96], w[64];

	if (vb <= 0 || va < 0)
		return;
	snprintf(t, sizeof(t), "%s_ratio", test);
	snprintf(w, sizeof(w), "%s:%s", a, b);
	put_row(suite, t, w, round, va / vb, "x", "-");
}

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (!smoke)
		return;
	printf("%sok %d ", ok ? "" : "not ", ++ntap);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failed |= !ok;
}

/* ---- kernel-decay ----------------------------------------------------- */

/* Everything dirty, retained or cached goes back: a clean start. */
static void drop_all(void)
{
	must_write("/proc/sys/vm/drop_caches", "2");
	must_write(AA "purge", "1");
}

static void set_windows(long dirty, long muzzy)
{
	write_long(AA "dirty_decay_ms", dirty);
	write_long(AA "muzzy_decay_ms", muzzy);
}

static void burst(unsigned int obj, unsigned long mib)
{
	write_long(BURST "obj_size", obj);
	write_long(BURST "burst_mib", mib);
}

/* Rows TEST (the longest hold) and TEST_mean, per kind of lock. */
static void hold_rows(const char *test, int round)
{
	static const char *const kind[] = { "arena", "pool" };
	char key[32], mean[48];
	long long max, n, total;
	int i;

	snprintf(mean, sizeof(mean), "%s_mean", test);
	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "%s_max_ns", kind[i]);
		max = read_key(HOLD, key);
		snprintf(key, sizeof(key), "%s_holds", kind[i]);
		n = read_key(HOLD, key);
		snprintf(key, sizeof(key), "%s_total_ns", kind[i]);
		total = read_key(HOLD, key);
		if (max < 0 || n <= 0 || total < 0)
			continue;
		put_row("kernel-decay", test, kind[i], round, max, "ns", "-");
		put_row("kernel-decay", mean, kind[i], round, (double)total / n, "ns", "-");
	}
}

/*
 * One burst of @mib MiB in objects of @obj bytes with windows @dirty and
 * @muzzy: allocated, freed, and followed back to the page allocator.
 */
static void decay_round(long dirty, long muzzy, unsigned int obj, unsigned long mib, int round)
{
	long wmax = dirty > muzzy ? dirty : muzzy;
	uint64_t epoch_ns = wmax / 200 * 1000000ULL, t0, t, cap;
	long p0, p1, f0, f1, p, f;
	char test[64], who[16];
	double share;

	if (epoch_ns < 4000000ULL)
		epoch_ns = 4000000ULL;		/* a jiffy at HZ=250 */
	snprintf(who, sizeof(who), "%uKiB", obj >> 10);
	drop_all();
	set_windows(dirty, muzzy);
	p0 = module_pages();
	f0 = free_pages();
	burst(obj, mib);
	p1 = module_pages();
	f1 = free_pages();
	/* nr_free_pages also moves with the rest of the system: not checked. */
	if (p1 <= p0) {
		errno = 0;
		die("a burst of %lu MiB took no pages (module %ld -> %ld)", mib, p0, p1);
	}
	must_write(HOLD, "1");
	write_long(BURST "burst_mib", 0);
	t0 = now_ns();
	/* One sleep: the CPUs idle, as a real machine after a burst. */
	sleep_until(t0 + (dirty + muzzy) * 1000000ULL + epoch_ns);
	p = module_pages();
	f = free_pages();
	share = 100.0 * (p1 - p) / (p1 - p0);
	snprintf(test, sizeof(test), "decay_%ld_%ld_share", dirty, muzzy);
	put_row("kernel-decay", test, who, round, share, "%", "-");
	snprintf(test, sizeof(test), "decay_%ld_%ld_freepages", dirty, muzzy);
	if (f0 > f1)
		put_row("kernel-decay", test, who, round, 100.0 * (f - f1) / (f0 - f1), "%", "-");
	printf("kbench: note decay %ld+%ld ms %s round %d: module pages %ld -> %ld -> %ld",
	       dirty, muzzy, who, round, p0, p1, p);
	printf(" at %.0f ms, nr_free_pages %ld -> %ld -> %ld\n",
	       dirty + muzzy + epoch_ns / 1e6, f0, f1, f);
	cap = t0 + (2 * (dirty + muzzy) + 4000) * 1000000ULL;
	while ((p = module_pages()) > p0 && (t = now_ns()) < cap)
		sleep_ns(10000000ULL);
	t = now_ns();
	snprintf(test, sizeof(test), "decay_%ld_%ld_full", dirty, muzzy);
	put_row("kernel-decay", test, who, round, (t - t0) / 1e6, "ms", p > p0 ? "capped" : "-");
	if (dirty < 1000)
		hold_rows("hold_decay", round);
	if (!smoke)
		return;
	/* What the per-CPU caches still hold, the shrinker flushes. */
	if (p > p0) {
		must_write("/proc/sys/vm/drop_caches", "2");
		p = module_pages();
	}
	tap(p <= p0, "decay %ld+%ld ms, %s objects: every page back", dirty, muzzy, who);
	tap(read_key(HOLD, "arena_holds") > 0 && read_key(HOLD, "pool_holds") > 0,
	    "decay %ld+%ld ms, %s objects: decay_hold_ns timed the purge steps", dirty, muzzy,
	    who);
}

/* The shrinker under drop_caches, the pages @where ("dirty" or "retained"). */
static void shrink_round(const char *where, unsigned long mib, int round)
{
	bool retained = !strcmp(where, "retained");
	uint64_t t0, t, cap;
	long p0, p1, p;
	char test[32];

	drop_all();
	set_windows(retained ? 0 : -1, -1);
	p0 = module_pages();
	burst(64 << 10, mib);
	p1 = module_pages();
	write_long(BURST "burst_mib", 0);
	/* dirty 0: the arena's work moves them to the pool at once. */
	cap = now_ns() + 5000000000ULL;
	while (retained && read_long(AA "stats/pmuzzy") < p1 - p0 - 512 && now_ns() < cap)
		sleep_ns(5000000ULL);
	must_write(HOLD, "1");
	t0 = now_ns();
	must_write("/proc/sys/vm/drop_caches", "2");
	cap = t0 + 5000000000ULL;
	while ((p = module_pages()) > p0 && (t = now_ns()) < cap)
		sleep_ns(1000000ULL);
	t = now_ns();
	snprintf(test, sizeof(test), "shrink_%lu", mib);
	put_row("kernel-decay", test, where, round, (t - t0) / 1e6, "ms", p > p0 ? "capped" : "-");
	hold_rows("hold_shrink", round);
	printf("kbench: note shrink %s round %d: module pages %ld -> %ld -> %ld\n", where, round,
	       p0, p1, p);
	tap(p <= p0, "shrinker gave back %lu MiB %s", mib, where);
}

static void kernel_decay(int rounds, bool defaults)
{
	static const unsigned int objs[] = { 64 << 10, 4 << 10 };
	static const char *const wheres[] = { "dirty", "retained" };
	long dirty = read_long(AA "dirty_decay_ms"), muzzy = read_long(AA "muzzy_decay_ms");
	unsigned long mib = smoke ? 8 : 256, shrink_mib = smoke ? 8 : 100;
	int r, i;

	for (r = 0; r < rounds; r++)
		for (i = 0; i < 2; i++)
			decay_round(smoke ? 20 : 200, smoke ? 20 : 200, objs[(i + r) % 2], mib, r);
	for (r = 0; defaults && r < 1; r++)
		for (i = 0; i < 2; i++)
			decay_round(10000, 0, objs[(i + r) % 2], mib, r);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < 2; i++)
			shrink_round(wheres[(i + r) % 2], shrink_mib, r);
	must_write(HOLD, "0");
	set_windows(dirty, muzzy);
}

/* ---- device ------------------------------------------------------------ */

enum who { DEV, ANON, THP, NWHO };
static const char *const who_name[] = { "device", "anon", "anon_thp" };

struct region {
	char *p;		/* what the caller uses */
	char *map;		/* what was mapped */
	size_t len, maplen;
	int fd;
};

static void region_map(struct region *r, enum who w, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->len = len;
	r->fd = -1;
	if (w == DEV) {
		r->fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
		if (r->fd < 0)
			die("open " ARENALLOC_DEV_PATH);
		r->maplen = len;
		r->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
		if (r->map == MAP_FAILED)
			die("mmap the device");
		r->p = r->map;
		return;
	}
	/* 2 MiB alignment, so that a THP can back every part of it. */
	r->maplen = len + 2 * MIB;
	r->map = mmap(NULL, r->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->map == MAP_FAILED)
		die("mmap anonymous memory");
	r->p = (char *)(((uintptr_t)r->map + 2 * MIB - 1) & ~(2 * MIB - 1));
	if (madvise(r->p, len, w == THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		die("madvise");
}

static void region_unmap(struct region *r)
{
	munmap(r->map, r->maplen);
	if (r->fd >= 0)
		close(r->fd);
}

/* Gives the pages back, as an allocator purging a free range does. */
static void region_release(struct region *r)
{
	struct arenalloc_purge pg = {
		.size = sizeof(pg), .addr = (uintptr_t)r->p, .length = r->len,
	};

	if (r->fd >= 0) {
		if (ioctl(r->fd, ARENALLOC_IOC_PURGE, &pg))
			die("ARENALLOC_IOC_PURGE");
	} else if (madvise(r->p, r->len, MADV_DONTNEED)) {
		die("madvise(MADV_DONTNEED)");
	}
}

/*
 * ns per page to write @val into the first byte of every page: a store
 * first, as a heap's first touch is (a load first would map the zero
 * page and make anonymous memory fault twice).  Then, untimed, every
 * page must read @val there and @tail in its last byte (0 on a page the
 * kernel zeroed).
 */
static double touch(struct region *r, char val, char tail, bool *ok)
{
	size_t i, n = r->len / PAGE;
	uint64_t t0 = now_ns();
	double ns;

	for (i = 0; i < n; i++)
		*(volatile char *)(r->p + i * PAGE) = val;
	ns = (double)(now_ns() - t0) / n;
	for (i = 0; i < n; i++) {
		volatile char *c = r->p + i * PAGE;

		if (c[0] != val || c[PAGE - 1] != tail)
			*ok = false;
	}
	return ns;
}

/* Whether anon_thp really got huge pages, and if not why: the log says. */
static void thp_note(int round, size_t len)
{
	char en[128] = "?", df[128] = "?";

	read_text("/sys/kernel/mm/transparent_hugepage/enabled", en, sizeof(en));
	read_text("/sys/kernel/mm/transparent_hugepage/defrag", df, sizeof(df));
	en[strcspn(en, "\n")] = 0;
	df[strcspn(df, "\n")] = 0;
	printf("kbench: note anon_thp round %d: AnonHugePages %lld of %zu kB;", round,
	       read_key("/proc/self/smaps_rollup", "AnonHugePages:"), len >> 10);
	printf(" thp_fault_alloc %lld thp_fault_fallback %lld; enabled %s; defrag %s\n",
	       read_key("/proc/vmstat", "thp_fault_alloc"),
	       read_key("/proc/vmstat", "thp_fault_fallback"), en, df);
}

static void fault_rounds(int rounds, size_t len)
{
	double cold[NWHO], warm[NWHO];
	struct region reg;
	int r, i;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < NWHO; i++) {
			enum who w = (i + r) % NWHO;
			bool ok = true;

			if (w == DEV)
				must_write(AA "purge", "1");
			region_map(&reg, w, len);
			cold[w] = touch(&reg, 1, 0, &ok);
			if (w == THP && !smoke)
				thp_note(r, len);
			region_release(&reg);
			sleep_ns(50000000ULL);
			warm[w] = touch(&reg, 2, 0, &ok);
			region_unmap(&reg);
			put_row("device", "fault_cold", who_name[w], r, cold[w], "ns/page", "-");
			put_row("device", "fault_warm", who_name[w], r, warm[w], "ns/page", "-");
			tap(ok, "fault-in %s: %zu MiB cold and warm, zeroed pages", who_name[w],
			    len >> 20);
		}
		for (i = ANON; i < NWHO; i++) {
			ratio("device", "fault_cold", "device", who_name[i], r, cold[DEV], cold[i]);
			ratio("device", "fault_warm", "device", who_name[i], r, warm[DEV], warm[i]);
		}
	}
}

/* A fresh memory cgroup for one fork round, or NULL without cgroup2. */
static const char *cgroup_new(int round, enum who w)
{
	static char path[128];
	static int ready;

	if (!ready) {
		struct stat st;

		if (stat(CG "/cgroup.controllers", &st) &&
		    mount("cgroup2", CG, "cgroup2", 0, NULL))
			ready = -1;
		else if (write_str(CG "/cgroup.subtree_control", "+memory"))
			ready = -1;
		else
			ready = 1;
		if (ready < 0)
			printf("kbench: note no cgroup2 memory controller: no fork_peak (%s)\n",
			       strerror(errno));
	}
	if (ready < 0)
		return NULL;
	snprintf(path, sizeof(path), CG "/kbench-%d-%d-%d", (int)getpid(), round, w);
	if (mkdir(path, 0755) && errno != EEXIST)
		return NULL;
	return path;
}

/*
 * In a child of its own (so that its heap and cgroup come and go with
 * it): a @len heap on @w, every page resident; fork + _exit + waitpid
 * timed, then the parent's rewrite of every page.  Writes the three
 * figures to @out: ms, KiB (-1 unknown), ns per page.
 */
static void fork_child(enum who w, size_t len, const char *cg, int out)
{
	char path[160], buf[64];
	double res[3] = { 0, -1, 0 };
	long long before = -1;
	struct region reg;
	int peak = -1, status;
	bool ok = true;
	uint64_t t0;
	size_t i;
	pid_t pid;

	if (cg) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		snprintf(buf, sizeof(buf), "%d", (int)getpid());
		if (write_str(path, buf))
			cg = NULL;
	}
	region_map(&reg, w, len);
	touch(&reg, 1, 0, &ok);
	/* What the fork must keep: the last byte of each page. */
	for (i = 0; i < len / PAGE; i++)
		reg.p[i * PAGE + PAGE - 1] = 7;
	if (cg) {
		snprintf(path, sizeof(path), "%s/memory.current", cg);
		if (read_text(path, buf, sizeof(buf)) == 0)
			before = strtoll(buf, NULL, 10);
		snprintf(path, sizeof(path), "%s/memory.peak", cg);
		peak = open(path, O_RDWR);
		/* 6.12: a write resets the peak seen through this file. */
		if (peak >= 0 && write(peak, "reset\n", 6) != 6) {
			close(peak);
			peak = -1;
		}
	}
	fflush(stdout);
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid)
		_exit(0);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	res[0] = (now_ns() - t0) / 1e6;
	if (peak >= 0) {
		ssize_t n = pread(peak, buf, sizeof(buf) - 1, 0);

		if (n > 0 && before >= 0) {
			buf[n] = 0;
			res[1] = (strtoll(buf, NULL, 10) - before) / 1024.0;
			if (res[1] < 0)
				res[1] = 0;
		}
		close(peak);
	}
	res[2] = touch(&reg, 2, 7, &ok);
	if (!ok)
		res[0] = -1;
	if (write(out, res, sizeof(res)) != sizeof(res))
		_exit(1);
	_exit(0);
}

static void fork_rounds(int rounds, size_t len)
{
	double ms[NWHO], kib[NWHO], rew[NWHO];
	char test[3][32];
	int r, i;

	snprintf(test[0], sizeof(test[0]), "fork_exit_%zu", len >> 20);
	snprintf(test[1], sizeof(test[1]), "fork_peak_%zu", len >> 20);
	snprintf(test[2], sizeof(test[2]), "fork_rewrite_%zu", len >> 20);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < NWHO; i++) {
			enum who w = (i + r) % NWHO;
			const char *cg = cgroup_new(r, w);
			double res[3] = { -1, -1, -1 };
			int fds[2], status;
			pid_t pid;

			if (pipe(fds))
				die("pipe");
			fflush(stdout);
			pid = fork();
			if (pid < 0)
				die("fork");
			if (!pid) {
				close(fds[0]);
				fork_child(w, len, cg, fds[1]);
			}
			close(fds[1]);
			if (read(fds[0], res, sizeof(res)) != sizeof(res))
				res[0] = -1;
			close(fds[0]);
			waitpid(pid, &status, 0);
			if (cg)
				rmdir(cg);
			ms[w] = res[0];
			kib[w] = res[1];
			rew[w] = res[2];
			tap(res[0] >= 0, "fork+exit with a %zu MiB heap on %s, contents kept",
			    len >> 20, who_name[w]);
			if (res[0] < 0)
				continue;
			put_row("device", test[0], who_name[w], r, ms[w], "ms", "-");
			if (kib[w] >= 0)
				put_row("device", test[1], who_name[w], r, kib[w], "KiB", "-");
			put_row("device", test[2], who_name[w], r, rew[w], "ns/page", "-");
		}
		for (i = ANON; i < NWHO; i++) {
			ratio("device", test[0], "device", who_name[i], r, ms[DEV], ms[i]);
			ratio("device", test[2], "device", who_name[i], r, rew[DEV], rew[i]);
		}
	}
}

int main(int argc, char **argv)
{
	int opt, rounds = 5;
	bool defaults = false;

	if (argc < 2 || (strcmp(argv[1], "run") && strcmp(argv[1], "smoke"))) {
		fprintf(stderr, "usage: kbench run [-r ROUNDS] [-d] | kbench smoke\n");
		return 2;
	}
	smoke = !strcmp(argv[1], "smoke");
	optind = 2;
	while ((opt = getopt(argc, argv, "r:d")) != -1) {
		if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 'd')
			defaults = true;
		else
			return 2;
	}
	if (smoke)
		rounds = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!smoke)
		printf("kbench: note %d rounds, %ld CPUs\n", rounds, sysconf(_SC_NPROCESSORS_ONLN));
	kernel_decay(rounds > 3 ? 3 : rounds, defaults && !smoke);
	fault_rounds(rounds, (smoke ? 2 : 64) * MIB);
	fork_rounds(rounds > 3 ? 3 : rounds, (smoke ? 4 : 256) * MIB);
	if (!smoke)
		printf("kbench: done\n");
	return failed;
}
