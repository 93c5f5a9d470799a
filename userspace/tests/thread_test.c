// SPDX-License-Identifier: GPL-2.0
/*
 * Threads come and go.
 *
 * A thread's cache holds regions it freed; when the thread exits, the
 * library must give them back to their arenas, or every short-lived
 * thread leaks a cache's worth of memory.  Hundreds of threads that each
 * allocate and free a hundred small objects, without flushing, must leave
 * "stats.allocated" where it was.  Each thread's "thread.allocated" and
 * "thread.deallocated" counters count its own bytes.
 *
 * Thread-specific data destructors run at thread exit in an order nobody
 * controls, possibly after the library tore the thread's cache down: one
 * that frees and allocates there (small, large, huge, and again on a
 * second destructor round) must work, and what it leaves must be freed
 * later like any memory.  Objects may also outlive the thread that
 * allocated them and be freed by another after it is gone.  Threads that
 * start after others exited reuse their arenas.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arenalloc.h>

#include "ctlutil.h"
#include "tap.h"

#define KiB		((size_t)1 << 10)
#define MiB		((size_t)1 << 20)
#define NWAVES		40
#define PER_WAVE	8
#define NOBJ		100
/* Room for what the C library itself keeps per thread (TLS vectors). */
#define LEAK_BOUND	(512 * KiB)

struct result {
	uint64_t allocated, deallocated;	/* deltas of the thread's counters */
	size_t requested;
	int err;
	char what[128];
};

static size_t small_size(unsigned int i, unsigned int salt)
{
	return 8 + ((i * 37 + salt * 101) % 2040);
}

static void *short_lived(void *arg)
{
	struct result *r = arg;
	unsigned int salt = (unsigned int)((uintptr_t)arg >> 4), i;
	uint64_t a0, a1, d0, d1;
	unsigned char *obj[NOBJ];

	if (ac_ctl_u64("thread.allocated", &a0) || ac_ctl_u64("thread.deallocated", &d0)) {
		r->err = 1;
		snprintf(r->what, sizeof(r->what), "thread.allocated/deallocated unreadable");
		return NULL;
	}
	for (i = 0; i < NOBJ; i++) {
		size_t n = small_size(i, salt);

		obj[i] = arenalloc_malloc(n);
		if (!obj[i]) {
			r->err = 2;
			snprintf(r->what, sizeof(r->what), "malloc(%zu) failed", n);
			return NULL;
		}
		memset(obj[i], (int)i, n);
		r->requested += n;
	}
	for (i = 0; i < NOBJ; i++) {
		size_t n = small_size(i, salt), k;

		for (k = 0; k < n; k++)
			if (obj[i][k] != (unsigned char)i) {
				r->err = 3;
				snprintf(r->what, sizeof(r->what), "object %u byte %zu overwritten",
					 i, k);
				return NULL;
			}
		arenalloc_free(obj[i]);
	}
	ac_ctl_u64("thread.allocated", &a1);
	ac_ctl_u64("thread.deallocated", &d1);
	r->allocated = a1 - a0;
	r->deallocated = d1 - d0;
	/* no flush: exiting must return the cache by itself */
	return NULL;
}

AC_CASE(thread_exit_returns_its_cache)
{
	static struct result res[PER_WAVE];
	size_t before, after;
	const char *why;
	unsigned int w, i;

	why = ac_allocated_baseline(&before);
	AC_ASSERT(!why, "%s", why);
	for (w = 0; w < NWAVES; w++) {
		pthread_t tid[PER_WAVE];

		memset(res, 0, sizeof(res));
		for (i = 0; i < PER_WAVE; i++)
			AC_ASSERT(!pthread_create(&tid[i], NULL, short_lived, &res[i]),
				  "pthread_create");
		for (i = 0; i < PER_WAVE; i++)
			pthread_join(tid[i], NULL);
		for (i = 0; i < PER_WAVE; i++) {
			struct result *r = &res[i];

			AC_ASSERT(!r->err, "wave %u thread %u: %s", w, i, r->what);
			AC_ASSERT(r->allocated >= r->requested &&
				  r->allocated <= r->requested + r->requested / 4 + 64 * KiB,
				  "thread.allocated moved by %llu for %zu requested bytes",
				  (unsigned long long)r->allocated, r->requested);
			AC_ASSERT(r->deallocated >= r->requested &&
				  r->deallocated <= r->allocated + 64 * KiB,
				  "thread.deallocated moved by %llu for %zu freed bytes",
				  (unsigned long long)r->deallocated, r->requested);
		}
	}
	after = ac_stat("allocated");
	AC_NOTE("%u threads; stats.allocated %zu before, %zu after", NWAVES * PER_WAVE,
		before, after);
	AC_ASSERT(after <= before + LEAK_BOUND,
		  "stats.allocated %zu after %u threads exited, %zu before: caches not returned?",
		  after, NWAVES * PER_WAVE, before);
}

AC_CASE(thread_counters_are_per_thread)
{
	uint64_t a0, a1;
	size_t len = sizeof(a0);
	void *p;

	AC_ASSERT(arenalloc_ctl("thread.allocated", &a0, &len, NULL, 0) == 0 && len == 8,
		  "thread.allocated");
	p = arenalloc_malloc(300000);
	AC_ASSERT(p, "malloc");
	AC_ASSERT(ac_ctl_u64("thread.allocated", &a1) == 0, "thread.allocated");
	AC_ASSERT(a1 - a0 >= 300000 && a1 - a0 < 400000,
		  "malloc(300000) moved thread.allocated by %llu", (unsigned long long)(a1 - a0));
	AC_ASSERT(ac_ctl_u64("thread.deallocated", &a0) == 0, "thread.deallocated");
	arenalloc_free(p);
	AC_ASSERT(ac_ctl_u64("thread.deallocated", &a1) == 0, "thread.deallocated");
	AC_ASSERT(a1 - a0 >= 300000 && a1 - a0 < 400000,
		  "free moved thread.deallocated by %llu", (unsigned long long)(a1 - a0));
	/* the counters are read-only */
	AC_ASSERT(arenalloc_ctl("thread.allocated", NULL, NULL, &a0, sizeof(a0)) == EPERM,
		  "thread.allocated is writable");
}

/* ==== Destructors that allocate =========================================== */

/*
 * key_a is created first thing in main(), before the library initialises
 * where it does so lazily, key_b later: glibc runs destructors in key
 * order, so one of them runs before the library's thread-exit hook and
 * one after it (where the library uses a key at all).
 */
static pthread_key_t key_a, key_b;
static bool key_a_ok;
static unsigned int dtor_calls;
static void *dtor_leftovers[4 * 64];
static unsigned int nleftovers;
static pthread_mutex_t leftover_lock = PTHREAD_MUTEX_INITIALIZER;

struct tsd_obj {
	size_t size;
	unsigned char *data;
	unsigned int round;
};

static bool tsd_obj_ok(const struct tsd_obj *o)
{
	size_t i;

	for (i = 0; i < o->size && i < 64 * KiB; i++)
		if (o->data[i] != (unsigned char)(o->size + i))
			return false;
	return true;
}

static struct tsd_obj *tsd_obj_new(size_t size, unsigned int round)
{
	struct tsd_obj *o = arenalloc_malloc(sizeof(*o));
	size_t i;

	if (!o)
		return NULL;
	o->size = size;
	o->round = round;
	o->data = arenalloc_malloc(size);
	if (!o->data) {
		arenalloc_free(o);
		return NULL;
	}
	for (i = 0; i < size && i < 64 * KiB; i++)
		o->data[i] = (unsigned char)(size + i);
	return o;
}

static void tsd_obj_free(struct tsd_obj *o)
{
	arenalloc_free(o->data);
	arenalloc_free(o);
}

/* Bad objects are reported by keeping a marker instead of freeing. */
static void keep(void *p)
{
	pthread_mutex_lock(&leftover_lock);
	if (nleftovers < sizeof(dtor_leftovers) / sizeof(dtor_leftovers[0]))
		dtor_leftovers[nleftovers++] = p;
	pthread_mutex_unlock(&leftover_lock);
}

/*
 * Checks and frees the thread's object, allocates and frees more of every
 * size, and on the first round sets a new value so that it runs again.
 * One object per thread is left behind for the main thread to free.
 */
static void dtor(void *v, pthread_key_t key)
{
	static const size_t sizes[] = { 8, 200, 3000, 20000, 300000, 3 * MiB };
	struct tsd_obj *o = v, *n;
	unsigned int i;

	__atomic_fetch_add(&dtor_calls, 1, __ATOMIC_RELAXED);
	if (!tsd_obj_ok(o)) {
		keep(NULL);	/* NULL marks a broken object */
		return;
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct tsd_obj *t = tsd_obj_new(sizes[i], 9);
		void *r;

		if (!t) {
			keep(NULL);
			continue;
		}
		r = arenalloc_realloc(t->data, sizes[i] * 2);
		if (!r) {
			keep(NULL);
			continue;
		}
		t->data = r;
		if (!tsd_obj_ok(t))
			keep(NULL);
		tsd_obj_free(t);
	}
	if (o->round == 0) {
		n = tsd_obj_new(o->size * 3 + 1, 1);
		if (!n || pthread_setspecific(key, n))
			keep(NULL);
	} else {
		keep(arenalloc_malloc(777));
	}
	tsd_obj_free(o);
}

static void dtor_a(void *v)
{
	dtor(v, key_a);
}

static void dtor_b(void *v)
{
	dtor(v, key_b);
}

static void *with_tsd(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;
	struct tsd_obj *a = tsd_obj_new(100 + i, 0), *b = tsd_obj_new(50000 + i, 0);
	void *scratch[32];

	if (!a || !b)
		return (void *)1;
	pthread_setspecific(key_a, a);
	pthread_setspecific(key_b, b);
	/* fill the cache, so that tearing it down has work to do */
	for (i = 0; i < 32; i++)
		scratch[i] = arenalloc_malloc(16 * (i + 1));
	for (i = 0; i < 32; i++)
		arenalloc_free(scratch[i]);
	return NULL;
}

AC_CASE(tsd_destructors_allocate_at_thread_exit)
{
	enum { NT = 32 };
	pthread_t tid[NT];
	size_t before, after;
	unsigned int i;
	void *ret;

	AC_ASSERT(key_a_ok, "pthread_key_create in main");
	AC_ASSERT(ac_ctl_void("thread.tcache.flush") == 0, "thread.tcache.flush");
	before = ac_stat("allocated");
	/* key_b comes after the library's own per-thread state, key_a maybe before */
	AC_ASSERT(!pthread_key_create(&key_b, dtor_b), "pthread_key_create");
	nleftovers = 0;
	dtor_calls = 0;
	for (i = 0; i < NT; i++)
		AC_ASSERT(!pthread_create(&tid[i], NULL, with_tsd, (void *)(uintptr_t)i),
			  "pthread_create");
	for (i = 0; i < NT; i++) {
		pthread_join(tid[i], &ret);
		AC_ASSERT(!ret, "thread %u could not set up", i);
	}
	/* two keys, two rounds each */
	AC_ASSERT(dtor_calls == NT * 4, "%u destructor calls, want %u", dtor_calls, NT * 4);
	AC_ASSERT(nleftovers == NT * 2, "%u objects left by destructors, want %u",
		  nleftovers, NT * 2);
	for (i = 0; i < nleftovers; i++) {
		AC_ASSERT(dtor_leftovers[i],
			  "a destructor saw a broken object or failed to allocate");
		AC_ASSERT(arenalloc_malloc_usable_size(dtor_leftovers[i]) >= 777, "leftover size");
		arenalloc_free(dtor_leftovers[i]);
	}
	pthread_key_delete(key_a);
	pthread_key_delete(key_b);
	AC_ASSERT(ac_ctl_void("thread.tcache.flush") == 0, "thread.tcache.flush");
	after = ac_stat("allocated");
	AC_NOTE("stats.allocated %zu before, %zu after", before, after);
	AC_ASSERT(after <= before + LEAK_BOUND,
		  "stats.allocated %zu after, %zu before: memory freed at thread exit lost",
		  after, before);
}

/* ==== Objects that outlive their thread ===================================== */

static void *allocate_and_leave(void *arg)
{
	void **out = arg;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		size_t n = i < 60 ? 16 + i * 50 : (size_t)(i - 59) * MiB;

		out[i] = arenalloc_malloc(n);
		if (out[i])
			memset(out[i], 0x5c, n < 4096 ? n : 4096);
	}
	return NULL;
}

AC_CASE(objects_outlive_their_thread)
{
	void *objs[8][64];
	pthread_t tid[8];
	size_t before, after;
	unsigned int t, i;

	AC_ASSERT(ac_ctl_void("thread.tcache.flush") == 0, "thread.tcache.flush");
	before = ac_stat("allocated");
	for (t = 0; t < 8; t++)
		AC_ASSERT(!pthread_create(&tid[t], NULL, allocate_and_leave, objs[t]), "create");
	for (t = 0; t < 8; t++)
		pthread_join(tid[t], NULL);
	for (t = 0; t < 8; t++)
		for (i = 0; i < 64; i++) {
			unsigned char *p = objs[t][i];

			AC_ASSERT(p, "thread %u object %u not allocated", t, i);
			AC_ASSERT(p[0] == 0x5c,
				  "thread %u object %u changed after its thread exited",
				  t, i);
			arenalloc_free(p);
		}
	AC_ASSERT(ac_ctl_void("thread.tcache.flush") == 0, "thread.tcache.flush");
	after = ac_stat("allocated");
	AC_ASSERT(after <= before + LEAK_BOUND, "stats.allocated %zu after, %zu before",
		  after, before);
}

static void *allocate_once(void *arg)
{
	arenalloc_free(arenalloc_malloc(100));
	return arg;
}

/* How many automatic arenas exist ("arena.<i>.initialized"). */
static unsigned int arenas_made(struct tap_ctx *test)
{
	unsigned int n, i, made = 0;
	char name[64];
	bool init;

	AC_ASSERT(!ac_ctl_unsigned("opt.narenas", &n), "opt.narenas");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "arena.%u.initialized", i);
		AC_ASSERT(!ac_ctl_bool(name, &init), "%s", name);
		made += init;
	}
	return made;
}

/*
 * Threads that start one after another, each after the last exited, take
 * the arena the last one left: one new arena at most, not one each (the
 * churn of short-lived threads spread over every slot, and so did their
 * memory).  Runs first, while arenas are left to make.
 */
AC_CASE(threads_one_after_another_share_an_arena)
{
	unsigned int before, after, t, n;
	pthread_t tid;

	AC_ASSERT(!ac_ctl_unsigned("opt.narenas", &n), "opt.narenas");
	allocate_once(NULL);
	before = arenas_made(test);
	if (before + 2 > n)
		AC_SKIP("%u of %u arenas made already", before, n);
	for (t = 0; t < 4; t++) {
		AC_ASSERT(!pthread_create(&tid, NULL, allocate_once, NULL), "create");
		pthread_join(tid, NULL);
	}
	after = arenas_made(test);
	AC_ASSERT(after <= before + 1, "%u arenas before four threads in a row, %u after",
		  before, after);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(threads_one_after_another_share_an_arena),
	AC_CASE_ENTRY(thread_exit_returns_its_cache),
	AC_CASE_ENTRY(thread_counters_are_per_thread),
	AC_CASE_ENTRY(tsd_destructors_allocate_at_thread_exit),
	AC_CASE_ENTRY(objects_outlive_their_thread),
	{ NULL, NULL },
};

int main(void)
{
	key_a_ok = !pthread_key_create(&key_a, dtor_a);
	return tap_run(cases);
}
