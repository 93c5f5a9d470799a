// SPDX-License-Identifier: GPL-2.0
/*
 * Thread caches: per-thread stacks of free regions, one per class up to
 * tcache_max, in front of the arenas.
 *
 * A hit (alloc.c, free.c) touches only the calling thread's tcache: no
 * lock, no atomic.  A miss fills half the stack from the thread's arena in
 * one locked batch; a free onto a full stack first flushes the older half
 * back to the regions' own arenas, one lock round trip per arena involved.
 * Capacities follow jemalloc: twice a slab's regions, between 20 and 200,
 * for small classes; 20 for large ones.
 *
 * Incremental GC: every 64 slow-path events one class is looked at; if
 * some of its regions went unused since its last look (low water above
 * zero), three quarters of those go back.  A thread that stops allocating
 * keeps its cache until it exits (or "thread.tcache.flush").
 *
 * Thread exit: a pthread key destructor flushes the cache and parks it in
 * a pool for the next new thread.  Frees that happen later in the exiting
 * thread (other destructors) go straight to the arenas.
 *
 * Locking: a tcache is its thread's alone.  tcache_pool_lock protects the
 * pool; it nests inside nothing and takes nothing.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "internal.h"

#define GC_EVENTS	64
#define NCAP_SMALL_MIN	20
#define NCAP_SMALL_MAX	200
#define NCAP_LARGE	20

__thread struct aa_tsd aa_tsd __attribute__((tls_model("initial-exec")));
unsigned int aa_tcache_nbins;
unsigned int aa_tcache_free_nbins;

static pthread_key_t tcache_key;
static struct aa_mutex tcache_pool_lock = { PTHREAD_MUTEX_INITIALIZER };
static struct tcache *tcache_pool;	/* tcache_pool_lock */

static unsigned int ncap_of(unsigned int ind)
{
	unsigned int n;

	if (!asc_is_small(&aa_g.sc, ind))
		return NCAP_LARGE;
	n = 2U * aa_g.sc.slab[ind].nregs;
	return n < NCAP_SMALL_MIN ? NCAP_SMALL_MIN : n > NCAP_SMALL_MAX ? NCAP_SMALL_MAX : n;
}

static struct tcache *tcache_new(void)
{
	size_t slots = 0, size;
	struct tcache *tc;
	void **stack;
	unsigned int i;

	aa_mutex_lock(&tcache_pool_lock);
	tc = tcache_pool;
	if (tc)
		tcache_pool = tc->freelink;
	aa_mutex_unlock(&tcache_pool_lock);
	if (tc)
		return tc;

	for (i = 0; i < aa_tcache_nbins; i++)
		slots += ncap_of(i);
	size = sizeof(*tc) + aa_tcache_nbins * sizeof(struct tbin) + slots * sizeof(void *);
	tc = aa_base_alloc(size);
	if (!tc)
		return NULL;
	stack = (void **)&tc->bins[aa_tcache_nbins];
	for (i = 0; i < aa_tcache_nbins; i++) {
		tc->bins[i].avail = stack;
		tc->bins[i].ncap = (uint16_t)ncap_of(i);
		stack += tc->bins[i].ncap;
	}
	return tc;
}

/* Create the thread's key; once, at initialisation. */
int aa_tcache_init(void)
{
	return pthread_key_create(&tcache_key, aa_tcache_thread_exit);
}

/*
 * First allocation of a thread: set up its tcache (unless disabled).
 * Return: the tcache, or NULL when the thread goes without one.
 */
struct tcache *aa_tcache_boot(void)
{
	struct aa_tsd *t = &aa_tsd;
	struct tcache *tc;
	struct arena *a;

	t->state = AA_TSTATE_NOCACHE;
	if (!aa_opt.tcache || !aa_tcache_nbins)
		return NULL;
	a = aa_arena_choose();
	tc = a ? tcache_new() : NULL;
	if (!tc)
		return NULL;
	tc->arena = a;
	tc->events = GC_EVENTS;
	aa_arena_bind(a);
	if (pthread_setspecific(tcache_key, tc)) {
		aa_arena_unbind(a);
		aa_tcache_destroy(tc);
		return NULL;
	}
	t->tcache = tc;
	t->state = AA_TSTATE_LIVE;
	return tc;
}

/*
 * Give @n regions from the bottom (oldest end) of @b back to their arenas,
 * each arena's in one locked batch, and slide the rest down.
 */
static void tbin_flush(struct tbin *b, unsigned int ind, unsigned int n)
{
	unsigned int rem = n;

	/* Each round gives back one arena's; the others' move to the front. */
	while (rem) {
		struct chunk *c = (struct chunk *)aa_rtree_get(b->avail[0]);

		rem = aa_arena_flush(c->arena, ind, b->avail, rem);
	}
	memmove(b->avail, b->avail + n, (b->ncached - n) * sizeof(void *));
	b->ncached = (uint16_t)(b->ncached - n);
	if (b->low_water > b->ncached)
		b->low_water = b->ncached;
}

/* One GC step: look at the next class; return what stayed unused. */
static void tcache_gc_step(struct tcache *tc)
{
	struct tbin *b = &tc->bins[tc->next_gc];

	if (b->low_water) {
		unsigned int n = b->low_water - b->low_water / 4;

		if (n > b->ncached)
			n = b->ncached;
		tbin_flush(b, tc->next_gc, n);
	}
	b->low_water = b->ncached;
	if (++tc->next_gc >= aa_tcache_nbins)
		tc->next_gc = 0;
}

static inline void tcache_event(struct tcache *tc)
{
	if (--tc->events <= 0) {
		tc->events = GC_EVENTS;
		tcache_gc_step(tc);
	}
}

/* A miss: fill half the stack (small) or serve one (large) from the arena. */
void *aa_tcache_alloc_slow(struct tcache *tc, unsigned int ind, bool zero)
{
	struct tbin *b = &tc->bins[ind];
	struct arena *a = aa_opt.percpu_arena ? aa_arena_choose() : tc->arena;
	unsigned int n, i;
	void *p;

	tcache_event(tc);
	if (!a)
		return NULL;
	if (!asc_is_small(&aa_g.sc, ind))
		return aa_arena_malloc_large(a, aa_index2size(ind), 0, zero);

	n = aa_arena_fill_small(a, ind, b->avail, b->ncap / 2 ? b->ncap / 2 : 1);
	if (!n) {
		errno = ENOMEM;
		return NULL;
	}
	/* The arena gave lowest addresses first; hand those out first. */
	for (i = 0; i < n / 2; i++) {
		void *t = b->avail[i];

		b->avail[i] = b->avail[n - 1 - i];
		b->avail[n - 1 - i] = t;
	}
	b->ncached = (uint16_t)(n - 1);
	b->low_water = b->ncached;
	p = b->avail[n - 1];
	if (zero)
		memset(p, 0, aa_index2size(ind));
	return p;
}

/* A free onto a full stack: flush the older half, then cache @ptr. */
void aa_tcache_dalloc_slow(struct tcache *tc, void *ptr, unsigned int ind)
{
	struct tbin *b = &tc->bins[ind];

	tcache_event(tc);
	if (b->ncached >= b->ncap)
		tbin_flush(b, ind, b->ncap / 2 ? b->ncap / 2 : b->ncached);
	b->avail[b->ncached++] = ptr;
}

/* Everything back to the arenas ("thread.tcache.flush", thread exit). */
void aa_tcache_flush(struct tcache *tc)
{
	unsigned int i;

	for (i = 0; i < aa_tcache_nbins; i++) {
		if (tc->bins[i].ncached)
			tbin_flush(&tc->bins[i], i, tc->bins[i].ncached);
		tc->bins[i].low_water = 0;
	}
}

/* Park a flushed tcache for reuse. */
void aa_tcache_destroy(struct tcache *tc)
{
	memset(tc, 0, offsetof(struct tcache, bins));
	aa_mutex_lock(&tcache_pool_lock);
	tc->freelink = tcache_pool;
	tcache_pool = tc;
	aa_mutex_unlock(&tcache_pool_lock);
}

/* The key destructor: the thread is exiting. */
void aa_tcache_thread_exit(void *arg)
{
	struct tcache *tc = arg;
	struct aa_tsd *t = &aa_tsd;

	t->state = AA_TSTATE_NOCACHE;
	t->tcache = NULL;
	if (!tc)
		return;
	aa_tcache_flush(tc);
	aa_arena_unbind(tc->arena);
	aa_tcache_destroy(tc);
}

/*
 * "thread.arena": bind the calling thread to @a.  A manual arena's memory
 * must never sit in a thread cache (see free.c), so binding to one gives
 * the cache up until the thread is bound to an automatic arena again.
 */
void aa_tcache_bind(struct arena *a)
{
	struct aa_tsd *t = &aa_tsd;
	struct tcache *tc = t->tcache;

	if (tc) {
		aa_tcache_flush(tc);
		aa_arena_unbind(tc->arena);
		if (a->manual) {
			pthread_setspecific(tcache_key, NULL);
			t->tcache = NULL;
			t->state = AA_TSTATE_NOCACHE;
			aa_tcache_destroy(tc);
		} else {
			tc->arena = a;
			aa_arena_bind(a);
		}
	} else if (!a->manual && t->state == AA_TSTATE_NOCACHE && aa_opt.tcache) {
		t->state = AA_TSTATE_NEW;	/* set up again on the next allocation */
	}
	t->arena = a;
}

/* Fork: the pool lock must not be held by a thread that vanishes. */
void aa_tcaches_prefork(void)
{
	aa_mutex_lock(&tcache_pool_lock);
}

void aa_tcaches_postfork(bool child)
{
	if (child)
		aa_mutex_init(&tcache_pool_lock);
	else
		aa_mutex_unlock(&tcache_pool_lock);
}
