// SPDX-License-Identifier: GPL-2.0
/*
 * Many threads, random sizes, cross-thread frees.
 *
 * Eight threads each keep a table of live objects and do random malloc,
 * calloc, realloc and free on it, with sizes from 1 byte to 64 KiB and now
 * and then 1 to 4 MiB.  Every object carries a pattern derived from its
 * address and size, checked before it is resized or freed: an object that
 * overlaps another, or that the allocator hands out twice, or whose
 * content realloc() loses, breaks a pattern.  Half of the frees are done
 * by another thread than the allocating one: the object goes through that
 * thread's mutex-protected inbox, as in a producer/consumer program.
 *
 * At the end every object is freed and each thread flushes its cache
 * ("thread.tcache.flush"); "stats.allocated" must then come back to within
 * a small bound of its value before the threads started, or memory has
 * been lost (a region freed into the wrong arena, a cache not flushed, a
 * counter updated twice).
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

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED	1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED	0
#endif

#define NTHREADS	8
#define NSLOTS		256
#define NOPS		(SANITIZED ? 12000 : 60000)
#define INBOX_CAP	1024
#define FULL_PATTERN	(64 * 1024)	/* objects above this are sampled */
#define KiB		((size_t)1 << 10)
#define MiB		((size_t)1 << 20)
/* Room for what the C library itself keeps per thread (TLS vectors). */
#define LEAK_BOUND	(1 * MiB)

struct obj {
	unsigned char *p;
	size_t size;
	uint64_t seed;
};

struct inbox {
	pthread_mutex_t lock;
	struct obj ring[INBOX_CAP];
	unsigned int head, count;
};

struct worker {
	pthread_t tid;
	unsigned int id;
	uint64_t rng;
	struct obj slot[NSLOTS];
	/* results */
	unsigned long nmalloc, nfree, nremote, nrealloc;
	char error[256];
};

static struct inbox inboxes[NTHREADS];
static struct worker workers[NTHREADS];
static pthread_barrier_t barrier;

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rnd(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

/* Whether the pattern of an object of @n bytes covers the word at @off. */
static inline bool covered(size_t off, size_t n)
{
	return n <= FULL_PATTERN || off < FULL_PATTERN || !(off & 4095) ||
	       off + 4096 >= n;
}

/*
 * Writes (@check false) or checks the pattern of an object of @n bytes
 * with @seed, over its first @limit bytes.  Returns the offset of the
 * first bad byte, or SIZE_MAX when all is well.
 */
static size_t pattern(unsigned char *p, size_t n, size_t limit, uint64_t seed, bool check)
{
	size_t off, end = limit < n ? limit : n;

	for (off = 0; off < end; off += 8) {
		uint64_t v;
		size_t k, len;

		if (!covered(off, n))
			continue;
		v = mix(seed + off);
		len = end - off < 8 ? end - off : 8;
		if (len == 8) {
			uint64_t got;

			if (!check) {
				memcpy(p + off, &v, 8);
				continue;
			}
			memcpy(&got, p + off, 8);
			if (got == v)
				continue;
		}
		for (k = 0; k < len; k++) {
			unsigned char b = (unsigned char)(v >> (8 * k));

			if (!check)
				p[off + k] = b;
			else if (p[off + k] != b)
				return off + k;
		}
	}
	return SIZE_MAX;
}

static uint64_t seed_of(const void *p, size_t size)
{
	return mix((uintptr_t)p ^ ((uint64_t)size << 40));
}

static size_t random_size(struct worker *w)
{
	uint64_t r = rnd(w);

	if (!(r % 400))
		return MiB + (size_t)(rnd(w) % (3 * MiB));
	return 1 + (size_t)(rnd(w) % ((size_t)1 << ((r >> 16) % 17)));
}

static bool fail(struct worker *w, const char *what, const struct obj *o, size_t bad)
{
	snprintf(w->error, sizeof(w->error), "thread %u: %s: object %p of %zu bytes, byte %zu",
		 w->id, what, (void *)o->p, o->size, bad);
	return false;
}

static bool check_and_free(struct worker *w, struct obj *o, const char *who)
{
	size_t bad = pattern(o->p, o->size, o->size, o->seed, true);

	if (bad != SIZE_MAX)
		return fail(w, who, o, bad);
	if (arenalloc_malloc_usable_size(o->p) < o->size)
		return fail(w, "usable size below the request", o, 0);
	arenalloc_free(o->p);
	o->p = NULL;
	w->nfree++;
	return true;
}

/* Takes everything in this thread's inbox and frees it. */
static bool drain_inbox(struct worker *w)
{
	struct inbox *in = &inboxes[w->id];
	struct obj batch[64];
	unsigned int n, i;

	do {
		pthread_mutex_lock(&in->lock);
		for (n = 0; n < 64 && in->count; n++) {
			batch[n] = in->ring[in->head];
			in->head = (in->head + 1) % INBOX_CAP;
			in->count--;
		}
		pthread_mutex_unlock(&in->lock);
		for (i = 0; i < n; i++) {
			if (!check_and_free(w, &batch[i], "pattern broken at a remote free"))
				return false;
			w->nremote++;
		}
	} while (n == 64);
	return true;
}

/* Hands @o to another thread; false when its inbox is full. */
static bool send_away(struct worker *w, const struct obj *o)
{
	unsigned int to = (w->id + 1 + (unsigned int)(rnd(w) % (NTHREADS - 1))) % NTHREADS;
	struct inbox *in = &inboxes[to];
	bool ok = false;

	pthread_mutex_lock(&in->lock);
	if (in->count < INBOX_CAP) {
		in->ring[(in->head + in->count) % INBOX_CAP] = *o;
		in->count++;
		ok = true;
	}
	pthread_mutex_unlock(&in->lock);
	return ok;
}

static bool new_object(struct worker *w, struct obj *o)
{
	size_t size = random_size(w);
	bool zero = !(rnd(w) % 8);
	size_t bad;

	o->p = zero ? arenalloc_calloc(1, size) : arenalloc_malloc(size);
	o->size = size;
	if (!o->p) {
		snprintf(w->error, sizeof(w->error), "thread %u: allocation of %zu failed",
			 w->id, size);
		return false;
	}
	w->nmalloc++;
	if (zero) {
		for (bad = 0; bad < size; bad++)
			if (o->p[bad])
				return fail(w, "calloc memory not zero", o, bad);
	}
	o->seed = seed_of(o->p, size);
	pattern(o->p, size, size, o->seed, false);
	return true;
}

static bool resize_object(struct worker *w, struct obj *o)
{
	size_t size = random_size(w), bad;
	unsigned char *q;

	bad = pattern(o->p, o->size, o->size, o->seed, true);
	if (bad != SIZE_MAX)
		return fail(w, "pattern broken before realloc", o, bad);
	q = arenalloc_realloc(o->p, size);
	if (!q) {
		snprintf(w->error, sizeof(w->error), "thread %u: realloc to %zu failed",
			 w->id, size);
		return false;
	}
	o->p = q;
	/* what was there survives, up to the smaller size */
	bad = pattern(q, o->size, size, o->seed, true);
	if (bad != SIZE_MAX)
		return fail(w, "realloc lost content", o, bad);
	o->size = size;
	o->seed = seed_of(q, size);
	pattern(q, size, size, o->seed, false);
	w->nrealloc++;
	return true;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int i;
	int ret;

	for (i = 0; i < NOPS; i++) {
		struct obj *o = &w->slot[rnd(w) % NSLOTS];
		uint64_t r = rnd(w) % 16;

		if (!(i % 32) && !drain_inbox(w))
			goto out;
		if (!o->p) {
			if (!new_object(w, o))
				goto out;
		} else if (r < 4) {
			if (!resize_object(w, o))
				goto out;
		} else if (r < 10) {
			/* half of the frees happen in another thread */
			if (r < 7 && send_away(w, o)) {
				o->p = NULL;
				continue;
			}
			if (!check_and_free(w, o, "pattern broken at a local free"))
				goto out;
		}
	}
	for (i = 0; i < NSLOTS; i++)
		if (w->slot[i].p && !check_and_free(w, &w->slot[i], "pattern broken at the end"))
			goto out;
out:
	/* from here on nobody sends: the inboxes can be emptied for good */
	pthread_barrier_wait(&barrier);
	if (!w->error[0])
		drain_inbox(w);
	ret = ac_ctl_void("thread.tcache.flush");
	if (ret && !w->error[0])
		snprintf(w->error, sizeof(w->error), "thread %u: thread.tcache.flush: %d",
			 w->id, ret);
	return NULL;
}

AC_CASE(threads_with_cross_thread_frees)
{
	size_t before, after;
	const char *why;
	unsigned long nmalloc = 0, nremote = 0, nfree = 0, nrealloc = 0;
	unsigned int i;

	why = ac_allocated_baseline(&before);
	AC_ASSERT(!why, "%s", why);

	AC_ASSERT(!pthread_barrier_init(&barrier, NULL, NTHREADS), "barrier");
	for (i = 0; i < NTHREADS; i++)
		pthread_mutex_init(&inboxes[i].lock, NULL);
	for (i = 0; i < NTHREADS; i++) {
		workers[i].id = i;
		workers[i].rng = mix(i + 1) | 1;
		AC_ASSERT(!pthread_create(&workers[i].tid, NULL, worker_main, &workers[i]),
			  "pthread_create");
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(workers[i].tid, NULL);
	pthread_barrier_destroy(&barrier);

	for (i = 0; i < NTHREADS; i++) {
		struct worker *w = &workers[i];

		AC_ASSERT(!w->error[0], "%s", w->error);
		AC_ASSERT(!inboxes[i].count, "inbox %u not empty", i);
		nmalloc += w->nmalloc;
		nfree += w->nfree;
		nremote += w->nremote;
		nrealloc += w->nrealloc;
	}
	AC_NOTE("%lu allocations, %lu reallocs, %lu frees of which %lu remote",
		nmalloc, nrealloc, nfree, nremote);
	AC_ASSERT(nfree == nmalloc, "%lu allocated but %lu freed", nmalloc, nfree);
	AC_ASSERT(nremote >= nfree / 4, "only %lu of %lu frees were remote", nremote, nfree);

	AC_ASSERT(ac_ctl_void("thread.tcache.flush") == 0, "thread.tcache.flush");
	after = ac_stat("allocated");
	AC_NOTE("stats.allocated %zu before, %zu after", before, after);
	AC_ASSERT(after <= before + LEAK_BOUND,
		  "stats.allocated %zu after everything was freed, %zu before",
		  after, before);
}

/*
 * A producer/consumer shape in bulk: one thread allocates 200000 tiny
 * objects, another checks and frees every one of them, so that all the
 * frees are remote and go through the freeing thread's cache and out to
 * the slabs of an arena that thread does not use.
 */
#define NTINY	200000

struct tiny {
	unsigned char **v;
	unsigned int bad;	/* index of a broken object + 1, or 0 */
};

static void *free_tiny(void *arg)
{
	struct tiny *t = arg;
	unsigned int i;

	for (i = 0; i < NTINY; i++) {
		size_t n = 1 + i % 48, k;

		for (k = 0; k < n; k++)
			if (t->v[i][k] != (unsigned char)i && !t->bad)
				t->bad = i + 1;
		arenalloc_free(t->v[i]);
	}
	ac_ctl_void("thread.tcache.flush");
	return NULL;
}

AC_CASE(many_tiny_objects_freed_by_another_thread)
{
	struct tiny t = { arenalloc_malloc(NTINY * sizeof(*t.v)), 0 };
	size_t before, mid, after;
	pthread_t tid;
	unsigned int i;

	AC_ASSERT(t.v, "table");
	AC_ASSERT(ac_ctl_void("thread.tcache.flush") == 0, "thread.tcache.flush");
	before = ac_stat("allocated");
	for (i = 0; i < NTINY; i++) {
		t.v[i] = arenalloc_malloc(1 + i % 48);
		AC_ASSERT(t.v[i], "malloc(%u)", 1 + i % 48);
		memset(t.v[i], (int)(i & 0xff), 1 + i % 48);
	}
	mid = ac_stat("allocated");
	AC_ASSERT(mid >= before + (size_t)NTINY * 8,
		  "stats.allocated grew from %zu to %zu only, for %u objects", before, mid, NTINY);
	AC_ASSERT(!pthread_create(&tid, NULL, free_tiny, &t), "pthread_create");
	pthread_join(tid, NULL);
	AC_ASSERT(!t.bad, "object %u was overwritten before its free", t.bad - 1);
	arenalloc_free(t.v);
	AC_ASSERT(ac_ctl_void("thread.tcache.flush") == 0, "thread.tcache.flush");
	after = ac_stat("allocated");
	AC_NOTE("stats.allocated %zu before, %zu with the objects, %zu after", before, mid, after);
	AC_ASSERT(after <= before + LEAK_BOUND, "stats.allocated %zu after, %zu before",
		  after, before);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(threads_with_cross_thread_frees),
	AC_CASE_ENTRY(many_tiny_objects_freed_by_another_thread),
	{ NULL, NULL },
};

int main(void)
{
	return tap_run(cases);
}
