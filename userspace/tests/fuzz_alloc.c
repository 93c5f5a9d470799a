// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the input is a program of allocator operations over a
 * table of 64 slots (malloc, calloc, realloc, free, aligned mallocx,
 * rallocx, xallocx, sdallocx, cache flushes and purges), and every live
 * object carries a pattern that is checked whenever the object is resized
 * or freed, so that the fuzzer looks for sequences after which the
 * allocator hands out overlapping memory, loses content, breaks an
 * alignment or zeroing promise, or crashes (AddressSanitizer and UBSan see
 * the library's own code; the objects live in its chunks, which ASan does
 * not track, so the patterns stand in for it there).
 *
 * Built by tests/run_fuzz.sh:
 *   clang -fsanitize=fuzzer,address,undefined tests/fuzz_alloc.c $(CORE_SRC) $(COMMON_SRC)
 * It has no main(): libFuzzer provides one.  To replay inputs without
 * libFuzzer (with gcc, say), add -DARENALLOC_FUZZ_MAIN, which gives a
 * main() that runs each file named on the command line once.
 *
 * Input format, repeated until the input ends:
 *   byte 0      operation (low 4 bits) and flags (high bits)
 *   byte 1      slot (mod 64)
 *   bytes 2-3   size selector (see size_of())
 *   byte 4      alignment / extra selector
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arenalloc.h>

#define NSLOTS		64
#define FILL_MAX	(16 * 1024)	/* pattern on the first and last bytes */
#define KiB		((size_t)1 << 10)
#define MiB		((size_t)1 << 20)

struct slot {
	unsigned char *p;
	size_t size;		/* bytes the pattern covers (the request) */
	uint8_t seed;
};

static struct slot slots[NSLOTS];
static uint8_t gen;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_alloc: %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static inline unsigned char pat(size_t i, uint8_t seed)
{
	return (unsigned char)(i * 29u + seed + (i >> 9));
}

/* Whether byte @i of an object of @n bytes carries the pattern. */
static inline int covered(size_t i, size_t n)
{
	return i < FILL_MAX || i + FILL_MAX >= n;
}

static void fill(unsigned char *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!covered(i, n)) {
			i = n - FILL_MAX - 1;
			continue;
		}
		p[i] = pat(i, seed);
	}
}

/* Checks the pattern of an object of @n bytes on its first @limit bytes. */
static void check(const unsigned char *p, size_t n, size_t limit, uint8_t seed)
{
	size_t i, end = limit < n ? limit : n;

	for (i = 0; i < end; i++) {
		if (!covered(i, n)) {
			i = n - FILL_MAX - 1;
			continue;
		}
		CHECK(p[i] == pat(i, seed));
	}
}

static void check_zero(const unsigned char *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		if (to - from > 2 * FILL_MAX && i == from + FILL_MAX)
			i = to - FILL_MAX;
		CHECK(p[i] == 0);
	}
}

/* Sizes: mostly small, some large, a few huge (at most 4 MiB). */
static size_t size_of(uint16_t sel)
{
	switch (sel >> 14) {
	case 0:
	case 1:
		return sel & 0x7ff;			/* 0 .. 2 KiB */
	case 2:
		return (size_t)(sel & 0x3fff) * 8;	/* .. 128 KiB */
	default:
		return (size_t)(sel & 0x3fff) * 256;	/* .. 4 MiB */
	}
}

static void slot_free(struct slot *s)
{
	if (!s->p)
		return;
	check(s->p, s->size, s->size, s->seed);
	arenalloc_free(s->p);
	s->p = NULL;
}

static void slot_set(struct slot *s, unsigned char *p, size_t size)
{
	CHECK(arenalloc_malloc_usable_size(p) >= size);
	s->p = p;
	s->size = size;
	s->seed = ++gen;
	fill(p, size, s->seed);
}

static void op(uint8_t code, struct slot *s, size_t size, uint8_t x)
{
	size_t align = (size_t)1 << (x % 17), old, r;
	int zero = code & 0x80 ? ARENALLOC_ZERO : 0;
	unsigned char *p;

	switch (code & 0xf) {
	case 0:		/* malloc */
		slot_free(s);
		p = arenalloc_malloc(size);
		CHECK(p);
		slot_set(s, p, size);
		break;
	case 1:		/* calloc, as count x size */
		slot_free(s);
		p = arenalloc_calloc(x + 1u, size / (x + 1u));
		CHECK(p);
		check_zero(p, 0, (x + 1u) * (size / (x + 1u)));
		slot_set(s, p, (x + 1u) * (size / (x + 1u)));
		break;
	case 2:		/* realloc */
		if (!s->p)
			break;
		check(s->p, s->size, s->size, s->seed);
		if (!size) {
			CHECK(!arenalloc_realloc(s->p, 0));	/* freed */
			s->p = NULL;
			break;
		}
		p = arenalloc_realloc(s->p, size);
		CHECK(p);
		check(p, s->size, size, s->seed);
		slot_set(s, p, size);
		break;
	case 3:		/* free */
		slot_free(s);
		break;
	case 4:		/* mallocx, aligned, maybe zeroed */
		slot_free(s);
		p = arenalloc_mallocx(size, ARENALLOC_ALIGN(align) | zero);
		CHECK(p);
		CHECK(((uintptr_t)p & (align - 1)) == 0);
		CHECK(arenalloc_sallocx(p, 0) == arenalloc_nallocx(size, ARENALLOC_ALIGN(align)));
		if (zero)
			check_zero(p, 0, size);
		slot_set(s, p, size);
		break;
	case 5:		/* rallocx, aligned, maybe zeroed */
		if (!s->p)
			break;
		check(s->p, s->size, s->size, s->seed);
		old = arenalloc_sallocx(s->p, 0);
		p = arenalloc_rallocx(s->p, size ? size : 1, ARENALLOC_ALIGN(align) | zero);
		CHECK(p);
		CHECK(((uintptr_t)p & (align - 1)) == 0);
		check(p, s->size, size, s->seed);
		if (zero && size > old)
			check_zero(p, old, size);
		slot_set(s, p, size);
		break;
	case 6:		/* xallocx: never moves; at least the request or the old size */
		if (!s->p)
			break;
		size = size ? size : 1;
		old = arenalloc_sallocx(s->p, 0);
		r = arenalloc_xallocx(s->p, size, (size_t)x * 1024, zero);
		CHECK(r == arenalloc_sallocx(s->p, 0));
		CHECK(r >= (size < old ? size : old));
		check(s->p, s->size, r, s->seed);
		if (zero && r > old)
			check_zero(s->p, old, r);
		slot_set(s, s->p, r < s->size ? r : s->size);
		break;
	case 7:		/* sdallocx with the request and its alignment */
		if (!s->p)
			break;
		check(s->p, s->size, s->size, s->seed);
		if (arenalloc_nallocx(s->size, 0) == arenalloc_sallocx(s->p, 0))
			arenalloc_sdallocx(s->p, s->size, 0);
		else
			arenalloc_dallocx(s->p, 0);
		s->p = NULL;
		break;
	case 8:		/* allocation bypassing the cache */
		slot_free(s);
		p = arenalloc_mallocx(size, ARENALLOC_TCACHE_NONE | zero);
		CHECK(p);
		if (zero)
			check_zero(p, 0, size);
		slot_set(s, p, size);
		break;
	case 9:
		arenalloc_ctl("thread.tcache.flush", NULL, NULL, NULL, 0);
		break;
	case 10:
		if (x & 1)
			arenalloc_ctl("arena.0.purge", NULL, NULL, NULL, 0);
		else
			arenalloc_ctl("arena.0.decay", NULL, NULL, NULL, 0);
		break;
	case 11:	/* posix_memalign */
		slot_free(s);
		align = sizeof(void *) << (x % 14);
		CHECK(arenalloc_posix_memalign((void **)&p, align, size) == 0);
		CHECK(((uintptr_t)p & (align - 1)) == 0);
		slot_set(s, p, size);
		break;
	default:	/* an impossible request changes nothing */
		errno = 0;
		CHECK(!arenalloc_malloc((size_t)PTRDIFF_MAX + 1 + size));
		CHECK(errno == ENOMEM);
		if (s->p) {
			CHECK(!arenalloc_realloc(s->p, SIZE_MAX - size));
			check(s->p, s->size, s->size, s->seed);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	size_t i;

	while (len >= 5) {
		op(data[0], &slots[data[1] % NSLOTS], size_of((uint16_t)(data[2] | data[3] << 8)),
		   data[4]);
		data += 5;
		len -= 5;
	}
	for (i = 0; i < NSLOTS; i++)
		slot_free(&slots[i]);
	return 0;
}

#ifdef ARENALLOC_FUZZ_MAIN
int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	int i;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		printf("%s: ok (%zu bytes)\n", argv[i], n);
	}
	return 0;
}
#endif
