/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test cases for common/decay, run as the KUnit suite arenalloc_decay
 * (kmod/tests/decay_kunit.c) and on the host (userspace/tests/
 * decaycurve_test.c).  The driver interface is sizeclass_cases.h's.
 */
#include "../decay.h"

#define ACD_MS		1000000ULL	/* ns per ms */

/* The curve rises from near 0 to exactly 1, never falling, symmetric about the middle. */
AC_CASE(decay_curve_shape)
{
	u64 one = 1ULL << ACD_FRAC_BITS, prev = 0;
	unsigned int i;

	for (i = 0; i < ACD_NSTEPS; i++) {
		u64 h = acd_curve(i);

		AC_ASSERT(h > prev || (h == prev && h == one), "step %u: %llu after %llu", i,
			  (unsigned long long)h, (unsigned long long)prev);
		prev = h;
	}
	AC_ASSERT(acd_curve(ACD_NSTEPS - 1) == one, "last weight is 1");
	AC_ASSERT(acd_curve(0) < one / 10000, "first weight is tiny");
	/* h(1/2) = 1/2 */
	AC_ASSERT(acd_curve(ACD_NSTEPS / 2 - 1) == one / 2, "midpoint %llu",
		  (unsigned long long)acd_curve(ACD_NSTEPS / 2 - 1));
}

/*
 * A burst counted at the first epoch may be kept whole at first, and is
 * all gone decay_ms after that epoch: within decay_ms plus one epoch of
 * being freed.
 */
AC_CASE(decay_burst_returns_within_window)
{
	static struct acd_decay d;
	size_t burst = 100000, limit, prev;
	u64 t = 0;

	acd_init(&d, 1000, 0);
	AC_ASSERT(d.interval == 5 * ACD_MS, "interval %llu", (unsigned long long)d.interval);
	AC_ASSERT(acd_advance(&d, d.interval, burst), "one epoch passed");
	prev = acd_limit(&d);
	AC_ASSERT(prev == burst, "newest slot has weight 1: %zu", prev);
	acd_purged(&d, prev);
	for (t = 2 * d.interval; t <= 1000 * ACD_MS + d.interval; t += d.interval) {
		AC_ASSERT(acd_advance(&d, t, prev), "epoch at %llu", (unsigned long long)t);
		limit = acd_limit(&d);
		AC_ASSERT(limit <= prev, "limit rose: %zu > %zu", limit, prev);
		acd_purged(&d, limit);
		prev = limit;
	}
	AC_ASSERT(prev == 0, "%zu pages left after the window", prev);
}

/* Half way through the window about half the burst may remain (smoothstep). */
AC_CASE(decay_half_way)
{
	static struct acd_decay d;
	size_t burst = 1000000, limit;

	acd_init(&d, 1000, 0);
	acd_advance(&d, d.interval, burst);
	acd_purged(&d, burst);
	acd_advance(&d, 500 * ACD_MS + d.interval / 2, burst);
	limit = acd_limit(&d);
	AC_ASSERT(limit > burst / 2 - burst / 50 && limit < burst / 2 + burst / 50,
		  "limit %zu at half time", limit);
}

/* Jumping far ahead clears the backlog; 0 and -1 mean now and never. */
AC_CASE(decay_special_values)
{
	static struct acd_decay d;

	acd_init(&d, 1000, 0);
	acd_advance(&d, d.interval, 500);
	AC_ASSERT(acd_advance(&d, 3600000 * ACD_MS, 500), "a long sleep");
	AC_ASSERT(acd_limit(&d) == 0, "old pages all due: %zu", acd_limit(&d));

	acd_init(&d, 0, 0);
	AC_ASSERT(acd_advance(&d, 0, 10), "0 ms is always due");
	AC_ASSERT(acd_limit(&d) == 0, "0 ms keeps nothing");
	AC_ASSERT(acd_deadline(&d) == (u64)-1, "0 ms has no deadline");

	acd_init(&d, -1, 0);
	AC_ASSERT(!acd_advance(&d, 3600000 * ACD_MS, 10), "-1 never advances");
	AC_ASSERT(acd_limit(&d) == (size_t)-1, "-1 keeps everything");
	/* Time going backwards changes nothing. */
	acd_init(&d, 1000, 50 * ACD_MS);
	AC_ASSERT(!acd_advance(&d, 10 * ACD_MS, 10), "past time ignored");
}

/*
 * Pages an owner keeps reusing and freeing again (acd_unused()) count as
 * new at every epoch: a busy owner's limit never falls below what it
 * holds, however long it churns; once the frees stop, all of it is due
 * within the window.  Counted by growth alone, the same churn looked
 * idle, and its pages all came due decay_ms after their first free.
 */
AC_CASE(decay_reused_pages_count_as_new)
{
	static struct acd_decay d;
	size_t held = 4096, limit;
	u64 t;

	acd_init(&d, 1000, 0);
	for (t = d.interval; t <= 3000 * ACD_MS; t += d.interval) {
		/* Reused and freed again, twice over, since the last epoch. */
		acd_unused(&d, 2 * held);
		AC_ASSERT(acd_advance(&d, t, held), "epoch at %llu", (unsigned long long)t);
		limit = acd_limit(&d);
		AC_ASSERT(limit >= held, "churning at %llu ms: limit %zu below the %zu held",
			  (unsigned long long)(t / ACD_MS), limit, held);
		acd_purged(&d, held);
	}
	for (t += d.interval; t <= 4000 * ACD_MS + 2 * d.interval; t += d.interval) {
		acd_advance(&d, t, held);
		held = acd_limit(&d) < held ? acd_limit(&d) : held;
		acd_purged(&d, held);
	}
	AC_ASSERT(held == 0, "%zu pages left a window after the churn stopped", held);
}

/*
 * An owner that counts its frees and keeps only part of a burst freed
 * over two epochs (a bound of its own purged the rest, acd_dropped())
 * decays what it kept on the curve from there: about half of it half a
 * window later.  Without acd_dropped() trimming the backlog, the part it
 * kept was counted in both epochs and all of it stayed for half the
 * window.
 */
AC_CASE(decay_counted_burst_beyond_what_is_held)
{
	static struct acd_decay d;
	size_t held = 8192, limit;

	acd_init(&d, 1000, 0);
	acd_unused(&d, 50000);
	acd_dropped(&d, held);
	acd_advance(&d, d.interval, held);
	acd_unused(&d, 50000);
	acd_dropped(&d, held);
	acd_advance(&d, 2 * d.interval, held);
	AC_ASSERT(acd_limit(&d) == held, "limit %zu right after the burst, %zu held",
		  acd_limit(&d), held);
	acd_purged(&d, held);
	acd_advance(&d, 500 * ACD_MS + 2 * d.interval, held);
	limit = acd_limit(&d);
	AC_ASSERT(limit > held / 2 - held / 50 && limit < held / 2 + held / 50,
		  "limit %zu half a window after the burst, of %zu held", limit, held);
}

static AC_CASE_TYPE ac_decay_cases[] = {
	AC_CASE_ENTRY(decay_curve_shape),
	AC_CASE_ENTRY(decay_burst_returns_within_window),
	AC_CASE_ENTRY(decay_half_way),
	AC_CASE_ENTRY(decay_special_values),
	AC_CASE_ENTRY(decay_reused_pages_count_as_new),
	AC_CASE_ENTRY(decay_counted_burst_beyond_what_is_held),
	AC_EXTRA_CASES
	{}
};
