// SPDX-License-Identifier: GPL-2.0
/*
 * The huge cache: a freed huge mapping is kept, resident, for the next
 * huge allocation that fits, until decay (or a purge) unmaps it.
 *
 * Large-block churn (5-25 MiB blocks allocated, touched and freed over
 * and over) cost a mapping, an unmapping and a page fault per page for
 * every block, 14 times tcmalloc's time.  Here, in one arena (the
 * thread's) and without timing anything:
 *
 *   a freed 8 MiB block is counted dirty, and the next 8 MiB allocation
 *   gets the same address with no new mapping ("stats.mapped" does not
 *   grow by it);
 *   calloc() of a reused mapping that held 0xa5 reads zero throughout;
 *   a 5 MiB allocation takes the head of a cached 16 MiB range and a
 *   9 MiB one the rest, with no new mapping;
 *   "arena.<i>.purge" unmaps what is cached, and with dirty_decay_ms 0 a
 *   freed mapping is unmapped at once ("stats.mapped" falls by it);
 *   a huge block grows in place (realloc keeps the address, the bytes,
 *   and usable size equals nallocx) within the whole chunks it maps;
 *   a cached range too small for a new block grows into the free address
 *   space beside it, over the device too: only the part added is mapped;
 *   the dirty bound counts a block being freed as in use: with 20 MiB
 *   live, a freed 48 MiB block stays cached whole while a 6 MiB block
 *   comes from it and goes back, and the next 48 MiB block is the same
 *   one; no page of it is purged.  (Measured after the free, the bound
 *   fell to 40 MiB at once and trimmed the block, which the next
 *   allocation then faulted back in.)
 *   a large block shrunk in place by realloc counts what it gave back as
 *   freed for that realloc alone: the next operation, which frees
 *   nothing, keeps no more dirty pages than twice what is in use.
 *
 * The chunk source may be the device or anonymous memory: only what both
 * do is asserted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <arenalloc.h>

#include "ctlutil.h"
#include "tap.h"

#define KiB	((size_t)1 << 10)
#define MiB	((size_t)1 << 20)

/* Metadata may map a little while the cache is used; a block is more. */
#define META_SLACK	(1 * MiB)

/* The thread's arena, once its first allocation has bound it to one. */
static unsigned int arena_ind(struct tap_ctx *test)
{
	unsigned int ind;

	arenalloc_free(arenalloc_malloc(1));
	AC_ASSERT(!ac_ctl_unsigned("thread.arena", &ind), "thread.arena unreadable");
	return ind;
}

/* "stats.arenas.<ind>.<stat>", a size_t (pdirty, pactive). */
static size_t arena_pages(struct tap_ctx *test, unsigned int ind, const char *stat)
{
	char name[96];
	size_t v;

	AC_ASSERT(!ac_epoch(), "epoch failed");
	AC_ASSERT(!ac_ctl_size(ac_arena_name(name, sizeof(name), "stats.arenas", ind, stat),
			       &v), "%s unreadable", name);
	return v;
}

static size_t arena_pdirty(struct tap_ctx *test, unsigned int ind)
{
	return arena_pages(test, ind, "pdirty");
}

static size_t stats_mapped(struct tap_ctx *test)
{
	size_t v = ac_stat("mapped");

	AC_ASSERT(v != (size_t)-1, "stats.mapped unreadable");
	return v;
}

static void purge(struct tap_ctx *test, unsigned int ind)
{
	char name[96];

	AC_ASSERT(!ac_ctl_void(ac_arena_name(name, sizeof(name), "arena", ind, "purge")),
		  "%s failed", name);
}

/* Allocate a huge block of @n bytes, fill it with @c, free it; its address. */
static char *used_block(struct tap_ctx *test, size_t n, int c)
{
	char *p = arenalloc_malloc(n);

	AC_ASSERT(p, "malloc(%zu) failed", n);
	memset(p, c, n);
	arenalloc_free(p);
	return p;
}

static uint64_t arena_purged(struct tap_ctx *test, unsigned int ind)
{
	char name[96];
	uint64_t v;

	AC_ASSERT(!ac_epoch(), "epoch failed");
	AC_ASSERT(!ac_ctl_u64(ac_arena_name(name, sizeof(name), "stats.arenas", ind,
					    "dirty_purged"), &v), "%s unreadable", name);
	return v;
}

/* Set arena @ind's dirty_decay_ms to @ms; the old value. */
static ssize_t set_dirty_decay(struct tap_ctx *test, unsigned int ind, ssize_t ms)
{
	char name[96];
	ssize_t old;
	size_t len = sizeof(old);

	ac_arena_name(name, sizeof(name), "arena", ind, "dirty_decay_ms");
	AC_ASSERT(!arenalloc_ctl(name, &old, &len, &ms, sizeof(ms)), "%s failed", name);
	return old;
}

/* Whether nothing is mapped in [@addr, @addr + @len). */
static bool unmapped(void *addr, size_t len)
{
	void *p = mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);

	if (p == MAP_FAILED)
		return false;
	munmap(p, len);
	return p == addr;
}

AC_CASE(freed_huge_block_is_reused)
{
	unsigned int ind = arena_ind(test);
	size_t page = (size_t)sysconf(_SC_PAGESIZE), d0, d1, m1, m2;
	char *p, *q;

	purge(test, ind);
	d0 = arena_pdirty(test, ind);
	p = used_block(test, 8 * MiB, 0x11);
	d1 = arena_pdirty(test, ind);
	m1 = stats_mapped(test);
	AC_ASSERT(d1 >= d0 + 8 * MiB / page, "freed 8 MiB block not kept dirty: %zu -> %zu pages",
		  d0, d1);
	q = arenalloc_malloc(8 * MiB);
	m2 = stats_mapped(test);
	AC_ASSERT(q == p, "8 MiB again at %p, the freed one was at %p", (void *)q, (void *)p);
	AC_ASSERT(m2 < m1 + META_SLACK, "stats.mapped grew from %zu to %zu", m1, m2);
	arenalloc_free(q);
	purge(test, ind);
}

AC_CASE(calloc_of_reused_huge_block_reads_zero)
{
	unsigned int ind = arena_ind(test);
	size_t n = 8 * MiB + 12 * KiB, i;
	unsigned char *p, *q;

	purge(test, ind);
	p = arenalloc_malloc(n);
	AC_ASSERT(p, "malloc failed");
	memset(p, 0xa5, arenalloc_malloc_usable_size(p));
	arenalloc_free(p);
	q = arenalloc_calloc(1, n);
	AC_ASSERT(q == p, "calloc did not reuse the freed block (%p, %p)", (void *)q, (void *)p);
	for (i = 0; i < n; i++)
		if (q[i])
			break;
	AC_ASSERT(i == n, "calloc'd byte %zu of %zu reads %#x", i, n, q[i]);
	arenalloc_free(q);
	purge(test, ind);
}

AC_CASE(smaller_blocks_split_a_cached_range)
{
	unsigned int ind = arena_ind(test);
	size_t m1, m2;
	char *p, *q, *r;

	purge(test, ind);
	p = used_block(test, 16 * MiB, 0x22);
	m1 = stats_mapped(test);
	q = arenalloc_malloc(5 * MiB);
	r = arenalloc_malloc(9 * MiB);
	m2 = stats_mapped(test);
	AC_ASSERT(q == p, "5 MiB at %p, not at the head of the cached 16 MiB %p", (void *)q,
		  (void *)p);
	/* The head is whole chunks: 6 MiB with the default 2 MiB chunk. */
	AC_ASSERT(r > q && r + 9 * MiB <= p + 16 * MiB, "9 MiB at %p, outside the cached %p+16 MiB",
		  (void *)r, (void *)p);
	AC_ASSERT(m2 < m1 + META_SLACK, "stats.mapped grew from %zu to %zu", m1, m2);
	memset(q, 1, 5 * MiB);
	memset(r, 2, 9 * MiB);
	AC_ASSERT(q[5 * MiB - 1] == 1, "5 MiB block overwritten by the 9 MiB one");
	arenalloc_free(q);
	arenalloc_free(r);
	purge(test, ind);
}

AC_CASE(purge_and_decay_zero_unmap_the_cache)
{
	unsigned int ind = arena_ind(test);
	char name[96];
	ssize_t ms = 0, old;
	size_t len = sizeof(old), m0, m1, m2;

	purge(test, ind);
	m0 = stats_mapped(test);
	used_block(test, 8 * MiB, 0x33);
	m1 = stats_mapped(test);
	AC_ASSERT(m1 >= m0 + 8 * MiB, "freed block not kept mapped: %zu -> %zu", m0, m1);
	purge(test, ind);
	m2 = stats_mapped(test);
	AC_ASSERT(m2 + 8 * MiB <= m1, "purge left it mapped: %zu -> %zu", m1, m2);

	ac_arena_name(name, sizeof(name), "arena", ind, "dirty_decay_ms");
	AC_ASSERT(!arenalloc_ctl(name, &old, &len, &ms, sizeof(ms)), "%s failed", name);
	m0 = stats_mapped(test);
	used_block(test, 8 * MiB, 0x44);
	m1 = stats_mapped(test);
	AC_ASSERT(!arenalloc_ctl(name, NULL, NULL, &old, sizeof(old)), "%s restore failed", name);
	AC_ASSERT(m1 < m0 + META_SLACK, "dirty_decay_ms 0 kept the block: %zu -> %zu", m0, m1);
}

AC_CASE(huge_block_grows_in_place_within_its_chunks)
{
	size_t n = 3 * MiB + 4 * KiB, grown = 4 * MiB, i;
	unsigned char *p, *q;

	p = arenalloc_malloc(n);
	AC_ASSERT(p, "malloc failed");
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7);
	q = arenalloc_realloc(p, grown);
	AC_ASSERT(q == p, "realloc to 4 MiB moved %p to %p", (void *)p, (void *)q);
	AC_ASSERT(arenalloc_malloc_usable_size(q) == arenalloc_nallocx(grown, 0),
		  "usable %zu, nallocx %zu", arenalloc_malloc_usable_size(q),
		  arenalloc_nallocx(grown, 0));
	for (i = 0; i < n; i++)
		if (q[i] != (unsigned char)(i * 7))
			break;
	AC_ASSERT(i == n, "byte %zu changed in the growth", i);
	memset(q + n, 0x55, grown - n);
	arenalloc_free(q);
}

AC_CASE(cached_range_grows_beside_itself)
{
	unsigned int ind = arena_ind(test);
	size_t m1, m2;
	char *p, *q;

	purge(test, ind);
	p = used_block(test, 6 * MiB, 0x66);
	if (!unmapped(p + 6 * MiB, 4 * MiB) && !unmapped(p - 4 * MiB, 4 * MiB))
		AC_SKIP("the address space beside the cached range is taken");
	m1 = stats_mapped(test);
	q = arenalloc_malloc(10 * MiB);
	m2 = stats_mapped(test);
	AC_ASSERT(q && q <= p && q + 10 * MiB >= p + 6 * MiB,
		  "10 MiB at %p, not over the cached 6 MiB at %p", (void *)q, (void *)p);
	AC_ASSERT(m2 < m1 + 4 * MiB + META_SLACK, "stats.mapped grew from %zu to %zu for 4 MiB",
		  m1, m2);
	memset(q, 0x77, 10 * MiB);
	arenalloc_free(q);
	purge(test, ind);
}

AC_CASE(dirty_bound_counts_the_block_being_freed)
{
	unsigned int ind = arena_ind(test);
	ssize_t old;
	uint64_t n0, n1, n2, n3;
	char *live, *p, *q, *r;
	size_t m1, m2;

	purge(test, ind);
	/* No decay epoch in the case: only the bound may purge. */
	old = set_dirty_decay(test, ind, 3600000);
	live = arenalloc_malloc(20 * MiB);
	AC_ASSERT(live, "malloc(20 MiB) failed");
	memset(live, 1, 20 * MiB);
	p = arenalloc_malloc(48 * MiB);
	AC_ASSERT(p, "malloc(48 MiB) failed");
	memset(p, 2, 48 * MiB);
	n0 = arena_purged(test, ind);
	arenalloc_free(p);
	n1 = arena_purged(test, ind);
	m1 = stats_mapped(test);
	q = arenalloc_malloc(6 * MiB);
	n2 = arena_purged(test, ind);
	AC_ASSERT(q == p, "6 MiB at %p, not at the head of the cached %p", (void *)q, (void *)p);
	memset(q, 3, 6 * MiB);
	arenalloc_free(q);
	r = arenalloc_malloc(48 * MiB);
	n3 = arena_purged(test, ind);
	m2 = stats_mapped(test);
	arenalloc_free(r);
	arenalloc_free(live);
	purge(test, ind);
	set_dirty_decay(test, ind, old);
	AC_ASSERT(n1 == n0, "freeing 48 MiB with 20 MiB live purged %llu pages",
		  (unsigned long long)(n1 - n0));
	AC_ASSERT(n2 == n1, "taking 6 MiB of the cached block purged %llu pages",
		  (unsigned long long)(n2 - n1));
	AC_ASSERT(n3 == n2, "6 MiB back and 48 MiB again purged %llu pages",
		  (unsigned long long)(n3 - n2));
	AC_ASSERT(r == p, "48 MiB again at %p, the freed one was at %p", (void *)r, (void *)p);
	AC_ASSERT(m2 < m1 + META_SLACK, "stats.mapped grew from %zu to %zu", m1, m2);
}

AC_CASE(realloc_shrink_count_ends_with_it)
{
	unsigned int ind = arena_ind(test);
	size_t page = (size_t)sysconf(_SC_PAGESIZE), dirty, active;
	char *live, *b, *q, *s;
	ssize_t old;

	purge(test, ind);
	/* No decay epoch in the case: only the bound may purge. */
	old = set_dirty_decay(test, ind, 3600000);
	live = arenalloc_malloc(20 * MiB);
	b = arenalloc_malloc(1 * MiB);
	AC_ASSERT(live && b, "malloc failed");
	memset(live, 1, 20 * MiB);
	memset(b, 2, 1 * MiB);
	/* 44 MiB dirty: within the bound of the free (it counts 21 MiB freed). */
	used_block(test, 43 * MiB, 3);
	/* A large block shrinks in place: 768 KiB freed by this realloc. */
	q = arenalloc_realloc(b, 256 * KiB);
	AC_ASSERT(q == b, "realloc to 256 KiB moved %p to %p", (void *)b, (void *)q);
	/* An operation that frees nothing: its bound is twice what is in use. */
	s = arenalloc_mallocx(8, ARENALLOC_TCACHE_NONE);
	AC_ASSERT(s, "mallocx(8) failed");
	dirty = arena_pdirty(test, ind);
	active = arena_pages(test, ind, "pactive");
	arenalloc_dallocx(s, ARENALLOC_TCACHE_NONE);
	arenalloc_free(q);
	arenalloc_free(live);
	purge(test, ind);
	set_dirty_decay(test, ind, old);
	AC_ASSERT(dirty > (32 * MiB) / page, "%zu dirty pages: under AA_DIRTY_SLACK, no bound",
		  dirty);
	AC_ASSERT(dirty <= 2 * active, "%zu dirty pages kept with %zu active: the realloc's "
		  "freed pages still counted", dirty, active);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(freed_huge_block_is_reused),
	AC_CASE_ENTRY(calloc_of_reused_huge_block_reads_zero),
	AC_CASE_ENTRY(smaller_blocks_split_a_cached_range),
	AC_CASE_ENTRY(purge_and_decay_zero_unmap_the_cache),
	AC_CASE_ENTRY(huge_block_grows_in_place_within_its_chunks),
	AC_CASE_ENTRY(cached_range_grows_beside_itself),
	AC_CASE_ENTRY(dirty_bound_counts_the_block_being_freed),
	AC_CASE_ENTRY(realloc_shrink_count_ends_with_it),
	{ NULL, NULL },
};

int main(void)
{
	return tap_run(cases);
}
