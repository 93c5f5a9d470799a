/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer for libarenalloc's host tests, with the interface
 * that the shared cases in common/tests/ expect (see there).  A failed
 * AC_ASSERT() reports and leaves the case through longjmp(), as KUnit's
 * assertions abort theirs.  AC_SKIP() leaves a case the same way and
 * reports it as "ok N name # SKIP reason"; AC_NOTE() prints a diagnostic.
 */
#ifndef _ARENALLOC_TAP_H
#define _ARENALLOC_TAP_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct tap_ctx {
	jmp_buf abort;
	char skip[200];		/* reason, when the case was skipped */
};

struct tap_case {
	const char *name;
	void (*fn)(struct tap_ctx *test);
};

static inline void tap_fail(struct tap_ctx *test, const char *file, int line,
			    const char *cond, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: assertion failed: %s\n# ", file, line, cond);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	longjmp(test->abort, 1);
}

static inline void tap_skip(struct tap_ctx *test, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(test->skip, sizeof(test->skip), fmt, ap);
	va_end(ap);
	longjmp(test->abort, 2);
}

#define AC_CASE(name)		static void name(struct tap_ctx *test)
#define AC_ASSERT(cond, ...)	\
	((cond) ? (void)0 : tap_fail(test, __FILE__, __LINE__, #cond, __VA_ARGS__))
#define AC_SKIP(...)		tap_skip(test, __VA_ARGS__)
#define AC_NOTE(fmt, ...)	printf("# " fmt "\n", ##__VA_ARGS__)
#define AC_CASE_TYPE		const struct tap_case
#define AC_CASE_ENTRY(name)	{ #name, name }
#define AC_EXTRA_CASES

/*
 * Runs one case; returns 1 when it failed, 2 when it was skipped (the
 * reason in @skip, which may be NULL), 0 when it passed.
 */
static inline int tap_run_one_skip(const struct tap_case *c, char *skip, size_t len)
{
	struct tap_ctx ctx;
	int r;

	ctx.skip[0] = 0;
	r = setjmp(ctx.abort);
	if (!r)
		c->fn(&ctx);
	if (r == 2 && skip)
		snprintf(skip, len, "%s", ctx.skip);
	fflush(stdout);
	return r;
}

/* Runs one case; returns 1 when it failed. */
static inline int tap_run_one(const struct tap_case *c)
{
	return tap_run_one_skip(c, NULL, 0) == 1;
}

/* Runs the cases up to the empty entry, prints TAP, returns the exit status. */
static inline int tap_run(const struct tap_case *cases)
{
	int i, bad, n = 0, failed = 0;

	while (cases[n].name)
		n++;
	printf("TAP version 13\n1..%d\n", n);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		char skip[200];

		bad = tap_run_one_skip(&cases[i], skip, sizeof(skip));
		if (bad == 2)
			printf("ok %d %s # SKIP %s\n", i + 1, cases[i].name, skip);
		else
			printf("%sok %d %s\n", bad ? "not " : "", i + 1, cases[i].name);
		fflush(stdout);
		failed += bad == 1;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* AC_TSAN: 1 in a ThreadSanitizer build (gcc or clang), else 0. */
#if defined(__SANITIZE_THREAD__)
#define AC_TSAN	1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AC_TSAN	1
#endif
#endif
#ifndef AC_TSAN
#define AC_TSAN	0
#endif

#endif /* _ARENALLOC_TAP_H */
