// SPDX-License-Identifier: GPL-2.0
/*
 * Initialisation, fork handling and the background purging thread.
 *
 * Initialisation runs once, inside the first allocation (or the library
 * constructor, whichever comes first), under init_lock, in two steps.
 * The core (options, geometry, arena count) needs no function a program
 * or another preloaded library could interpose: the environment is read
 * from environ, the page size from the auxiliary vector, files through
 * system calls made directly (sys.h).  Once it is set, aa_core_ready lets
 * an allocation that re-enters from the initialising thread succeed
 * (served by the arenas, without a thread cache), so the rest (the
 * device, pthread_key_create, pthread_atfork, which do go through libc)
 * may be interposed by code that allocates.  Initialisation never
 * changes errno: a device that is absent is no error of the program's.
 *
 * Fork: the prefork handler takes every lock of the library, in the lock
 * order of internal.h, so the child never inherits one held by a thread
 * that does not exist there; the parent releases them, the child
 * reinitialises them.  Between the two the forking thread may still
 * allocate (other libraries' fork handlers do; see aa_prefork()).
 * Device-backed chunks are copied for the child by the module at fork
 * time (see Documentation/arenalloc.rst); anonymous ones are
 * copy-on-write as usual.  The child has no background thread; it starts
 * one again on its first allocation if the option asks.
 *
 * Background thread (background_thread:true or "background_thread"):
 * wakes at the earliest decay deadline of any arena (at most once a
 * second when nothing is due) and decays every arena, so memory goes back
 * even when the program stops calling the allocator.  The option reads
 * true from the start; the thread itself starts on the first slow-path
 * allocation or "background_thread" read, never inside initialisation.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

bool aa_initialized;
bool aa_core_ready;
struct aa_geom aa_g;

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static bool initializing;

/* ==== Background thread ==================================================== */

static pthread_mutex_t bg_lock = PTHREAD_MUTEX_INITIALIZER;	/* leaf */
static pthread_cond_t bg_cond;
static bool bg_running;		/* bg_lock */
static bool bg_stop;		/* bg_lock */
static bool bg_tried;		/* started once in this process (bg_lock) */
static pthread_t bg_thread;

static void *bg_main(void *arg)
{
	aa_tsd.state = AA_TSTATE_NOCACHE;
	pthread_mutex_lock(&bg_lock);
	while (!bg_stop) {
		uint64_t now = aa_now_ns(), due = now + 1000000000ull;
		unsigned int i, n = __atomic_load_n(&aa_narenas_total, __ATOMIC_ACQUIRE);
		struct timespec ts;

		pthread_mutex_unlock(&bg_lock);
		for (i = 0; i < n; i++) {
			struct arena *a = __atomic_load_n(&aa_arenas[i], __ATOMIC_ACQUIRE);
			uint64_t d;

			if (!a)
				continue;
			aa_mutex_lock(&a->lock);
			aa_decay_run(a, false, now);
			d = acd_deadline(&a->decay[0]);
			if (a->npages[0] && d < due)
				due = d;
			d = acd_deadline(&a->decay[1]);
			if (a->npages[1] && d < due)
				due = d;
			aa_mutex_unlock(&a->lock);
		}
		if (due < now + 1000000)	/* at most 1000 wakeups a second */
			due = now + 1000000;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		due = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + (due - now);
		ts.tv_sec = (time_t)(due / 1000000000ull);
		ts.tv_nsec = (long)(due % 1000000000ull);
		pthread_mutex_lock(&bg_lock);
		if (!bg_stop)
			pthread_cond_timedwait(&bg_cond, &bg_lock, &ts);
	}
	bg_running = false;
	pthread_mutex_unlock(&bg_lock);
	return arg;
}

/* Timed waits use the monotonic clock, as the decay deadlines do. */
static void bg_cond_init(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&bg_cond, &ca);
	pthread_condattr_destroy(&ca);
}

static int bg_start_locked(void)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int err;

	if (bg_running)
		return 0;
	bg_stop = false;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	/* The thread must not take the program's signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&bg_thread, &attr, bg_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (!err)
		bg_running = true;
	return err;
}

/* Turn the background thread on or off ("background_thread"). */
int aa_background_set(bool on)
{
	int err = 0;
	bool join = false;

	pthread_mutex_lock(&bg_lock);
	bg_tried = true;
	if (on) {
		err = bg_start_locked();
	} else if (bg_running) {
		bg_stop = true;
		pthread_cond_signal(&bg_cond);
		join = true;
	}
	pthread_mutex_unlock(&bg_lock);
	if (join)
		pthread_join(bg_thread, NULL);
	if (!err)
		aa_opt.background_thread = on;
	return err;
}

/*
 * Start the thread the options ask for, from an allocation's slow path
 * rather than from initialisation: creating a thread inside the very
 * first malloc of a process (possibly from the dynamic linker's
 * constructors) is asking for trouble.
 */
void aa_background_kick(void)
{
	if (likely(!aa_opt.background_thread) ||
	    __atomic_load_n(&bg_tried, __ATOMIC_RELAXED) || aa_tsd.reentrant || aa_tsd.forking)
		return;
	pthread_mutex_lock(&bg_lock);
	if (!bg_tried) {
		bg_tried = true;
		aa_tsd.reentrant = 1;
		if (bg_start_locked())
			aa_msg("background_thread: no thread; decay runs on allocation");
		aa_tsd.reentrant = 0;
	}
	pthread_mutex_unlock(&bg_lock);
}

/* ==== Fork ====================================================================== */

/*
 * Other libraries' fork handlers may allocate, and they run on both sides
 * of ours: prepare handlers in the reverse order of registration, parent
 * and child handlers in the order of registration, so a library whose
 * handlers were registered before ours (a dependency's constructor runs
 * before a preloaded library's) allocates after our prepare handler took
 * every lock and before our parent or child handler gave them back.
 * glibc's own malloc avoids the question by being locked inside fork()
 * itself; a library cannot be.  So the forking thread, from our prepare
 * handler to our parent or child handler, owns every lock of the library
 * and is marked (aa_tsd.forking): aa_mutex_lock() and aa_mutex_unlock()
 * do nothing for it, and it allocates and frees as if it had taken them,
 * while every other thread waits for them.  An arena it creates meanwhile
 * is created locked (arena.c), so that the parent handler finds every
 * arena held.  Handlers registered after ours run before our prepare
 * handler and after our parent and child handlers: nothing is held then.
 */
void aa_prefork(void)
{
	if (!aa_initialized)
		return;
	pthread_mutex_lock(&init_lock);
	aa_ctl_prefork();
	pthread_mutex_lock(&bg_lock);
	aa_arenas_prefork();
	aa_tcaches_prefork();
	aa_rtree_prefork();
	aa_base_prefork();
	aa_tsd.forking = 1;
}

static void postfork(bool child)
{
	if (!aa_initialized || !aa_tsd.forking)
		return;
	aa_tsd.forking = 0;
	aa_base_postfork(child);
	aa_rtree_postfork(child);
	aa_tcaches_postfork(child);
	aa_arenas_postfork(child);
	if (child) {
		pthread_mutex_init(&bg_lock, NULL);
		bg_cond_init();
		bg_running = false;
		bg_tried = false;
		pthread_mutex_init(&init_lock, NULL);
	} else {
		pthread_mutex_unlock(&bg_lock);
		pthread_mutex_unlock(&init_lock);
	}
	aa_ctl_postfork(child);
}

void aa_postfork_parent(void)
{
	postfork(false);
}

void aa_postfork_child(void)
{
	postfork(true);
}

/* ==== Initialisation ========================================================= */

static int geom_init(void)
{
	unsigned long page = getauxval(AT_PAGESZ);
	size_t hdr, maxregs = 0;
	unsigned int i, cap;

	if (page < 4096 || (page & (page - 1)))
		return -1;
	aa_g.lg_page = ac_lg_floor(page);
	aa_g.page = (size_t)page;
	aa_g.lg_chunk = aa_opt.lg_chunk;
	if (aa_g.lg_chunk < aa_g.lg_page + 4)
		aa_g.lg_chunk = aa_g.lg_page + 4;
	aa_g.chunk = (size_t)1 << aa_g.lg_chunk;
	aa_g.chunk_pages = (unsigned int)(aa_g.chunk >> aa_g.lg_page);
	/* Large classes go up to half a chunk; the header takes the rest's start. */
	if (asc_table_init(&aa_g.sc, aa_g.lg_page, aa_g.lg_chunk - 1))
		return -1;
	aa_g.map_offset = (sizeof(struct chunk) + aa_g.chunk_pages * sizeof(uint16_t) + 7) & ~7UL;
	hdr = aa_g.map_offset + aa_g.chunk_pages * sizeof(struct extent *);
	aa_g.hdr_pages = (unsigned int)((hdr + aa_g.page - 1) >> aa_g.lg_page);

	/*
	 * Slabs of at least ASC_SLAB_MIN_REGS regions, within what a chunk
	 * has past its header and the byte that holds a page's slab position.
	 */
	cap = aa_g.chunk_pages - aa_g.hdr_pages;
	if (cap > AA_SLAB_PAGES_MAX)
		cap = AA_SLAB_PAGES_MAX;
	if (asc_table_widen(&aa_g.sc, ASC_SLAB_MIN_REGS, cap))
		return -1;
	for (i = 0; i < aa_g.sc.nsmall; i++)
		if (aa_g.sc.slab[i].nregs > maxregs)
			maxregs = aa_g.sc.slab[i].nregs;
	/* Every class: free() checks region starts of small and large alike. */
	for (i = 0; i < aa_g.sc.nclasses; i++) {
		size_t size = asc_index2size(i);

		aa_g.div_magic[i] = size >> 32 ? 0 :
				    (uint32_t)((((uint64_t)1 << 32) + size - 1) / size);
	}
	aa_g.extent_size = sizeof(struct extent) + ACS_WORDS(maxregs) * sizeof(unsigned long);
	for (i = 0; i < aa_g.sc.nclasses; i++)
		aa_g.class_size[i] = asc_index2size(i);
	for (i = 0; i <= AA_LOOKUP_MAX / 8; i++)
		aa_g.size2index[i] = (uint8_t)asc_size2index((size_t)i << 3);
	return 0;
}

static void at_exit_print(void)
{
	aa_stats_print_at_exit();
}

/*
 * ARENALLOC_CONF from environ, without getenv() (which a program may
 * define); ignored in set-user-ID and similar processes, as
 * secure_getenv() would.
 */
static const char *conf_env(void)
{
	char **e;	/* environ: <unistd.h>, with _GNU_SOURCE */

	if (getauxval(AT_SECURE) || !environ)
		return NULL;
	for (e = environ; *e; e++)
		if (!strncmp(*e, "ARENALLOC_CONF=", 15))
			return *e + 15;
	return NULL;
}

/* Options, geometry and the arena count: no interposable call. */
static bool core_init(void)
{
	unsigned int ncpus;

	bg_cond_init();
	aa_opts_defaults(&aa_opt);
	aa_conf_parse(&aa_opt, conf_env());
	if (geom_init()) {
		aa_msg("unsupported page size; every allocation will fail");
		return false;
	}
	ncpus = aa_ncpus_usable();
	if (!aa_opt.narenas) {
		/* jemalloc: four arenas per CPU, one per CPU with percpu_arena. */
		aa_opt.narenas = aa_opt.percpu_arena ? ncpus : 4 * ncpus;
		if (aa_opt.narenas > AA_NARENAS_MAX / 2)
			aa_opt.narenas = AA_NARENAS_MAX / 2;
	}
	aa_narenas_auto = aa_opt.narenas;
	aa_narenas_total = aa_narenas_auto;
	if (aa_opt.tcache_max > aa_g.sc.large_max)
		aa_opt.tcache_max = aa_g.sc.large_max;
	aa_tcache_nbins = aa_opt.tcache && aa_opt.tcache_max ?
			  asc_size2index(aa_opt.tcache_max) + 1 : 0;
	/* A class above tcache_max would round in: keep to classes within it. */
	if (aa_tcache_nbins && asc_index2size(aa_tcache_nbins - 1) > aa_opt.tcache_max)
		aa_tcache_nbins--;
	return true;
}

/**
 * aa_init_slow() - set the library up, once
 *
 * Return: true when the library is ready, or, for an allocation that
 * re-enters from inside initialisation, when its core is; false when it
 * cannot be (re-entered before the core is set, or a broken system).
 */
bool aa_init_slow(void)
{
	int saved_errno = errno;
	bool ok = false;

	if (aa_tsd.reentrant)
		return __atomic_load_n(&aa_core_ready, __ATOMIC_ACQUIRE);
	pthread_mutex_lock(&init_lock);
	if (aa_initialized) {
		pthread_mutex_unlock(&init_lock);
		return true;
	}
	if (initializing)	/* the same thread, recursively */
		goto out;
	initializing = true;
	aa_tsd.reentrant = 1;

	if (!core_init())
		goto out;
	__atomic_store_n(&aa_core_ready, true, __ATOMIC_RELEASE);
	/* From here on, whatever we call may allocate. */
	aa_source_init(aa_opt.source, aa_opt.dev_policy);
	if (aa_tcache_init() || pthread_atfork(aa_prefork, aa_postfork_parent,
					       aa_postfork_child)) {
		aa_msg("cannot register thread or fork handlers");
		goto out;
	}
	/* The fast paths leave junk filling to the slow ones. */
	if (aa_tcache_nbins && !(aa_opt.junk & AA_JUNK_ALLOC)) {
		size_t max = asc_index2size(aa_tcache_nbins - 1);

		aa_tcache_max_size = max < AA_LOOKUP_MAX ? max : AA_LOOKUP_MAX;
	}
	if (!(aa_opt.junk & AA_JUNK_FREE))
		aa_tcache_free_nbins = aa_tcache_nbins;
	ok = true;
	__atomic_store_n(&aa_initialized, true, __ATOMIC_RELEASE);
out:
	aa_tsd.reentrant = 0;
	pthread_mutex_unlock(&init_lock);
	if (ok && aa_opt.stats_print)
		atexit(at_exit_print);
	errno = saved_errno;
	return ok;
}

__attribute__((constructor))
static void aa_constructor(void)
{
	aa_init();
}
