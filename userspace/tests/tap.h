/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer for libarenalloc's host tests, with the interface
 * that the shared cases in common/tests/ expect (see there).  A failed
 * AC_ASSERT() reports and leaves the case through longjmp(), as KUnit's
 * assertions abort theirs.
 */
#ifndef _ARENALLOC_TAP_H
#define _ARENALLOC_TAP_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct tap_ctx {
	jmp_buf abort;
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

#define AC_CASE(name)		static void name(struct tap_ctx *test)
#define AC_ASSERT(cond, ...)	\
	((cond) ? (void)0 : tap_fail(test, __FILE__, __LINE__, #cond, __VA_ARGS__))
#define AC_CASE_TYPE		const struct tap_case
#define AC_CASE_ENTRY(name)	{ #name, name }
#define AC_EXTRA_CASES

/* Runs one case; returns 1 when it failed. */
static inline int tap_run_one(const struct tap_case *c)
{
	struct tap_ctx ctx;

	if (setjmp(ctx.abort))
		return 1;
	c->fn(&ctx);
	return 0;
}

/* Runs the cases up to the empty entry, prints TAP, returns the exit status. */
static inline int tap_run(const struct tap_case *cases)
{
	int i, bad, n = 0, failed = 0;

	while (cases[n].name)
		n++;
	printf("TAP version 13\n1..%d\n", n);
	for (i = 0; i < n; i++) {
		bad = tap_run_one(&cases[i]);
		printf("%sok %d %s\n", bad ? "not " : "", i + 1, cases[i].name);
		failed += bad;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* _ARENALLOC_TAP_H */
