// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: knob parsing and stores (kmod/config.c).
 *
 * Every case works on a private copy of a live knob, so the loaded module's
 * settings are never disturbed by the tests.
 */
#include <kunit/test.h>
#include <linux/kernel.h>

#include "internal.h"

static struct arenalloc_knob *const live_knobs[] = {
	&arenalloc_knob_narenas,
	&arenalloc_knob_lg_chunk,
	&arenalloc_knob_dirty_decay_ms,
	&arenalloc_knob_muzzy_decay_ms,
	&arenalloc_knob_tcache_max,
	&arenalloc_knob_tcache_gc_interval,
	&arenalloc_knob_debug,
};

static void knob_desc(struct arenalloc_knob *const *k, char *desc)
{
	strscpy(desc, (*k)->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(knob, live_knobs, knob_desc);

static const struct arenalloc_knob *param_knob(struct kunit *test)
{
	return *(struct arenalloc_knob *const *)test->param_value;
}

/* A value that no parse will ever produce, to see that @out is untouched. */
#define SENTINEL 0x5a5a5a5aL

static void expect_parse(struct kunit *test, const struct arenalloc_knob *k,
			 const char *text, long want)
{
	long v = SENTINEL;

	KUNIT_EXPECT_EQ_MSG(test, arenalloc_knob_parse(k, text, &v), 0,
			    "%s '%s'", k->name, text);
	KUNIT_EXPECT_EQ_MSG(test, v, want, "%s '%s'", k->name, text);
}

static void expect_refused(struct kunit *test, const struct arenalloc_knob *k,
			   const char *text)
{
	long v = SENTINEL;

	KUNIT_EXPECT_EQ_MSG(test, arenalloc_knob_parse(k, text, &v), -EINVAL,
			    "%s '%s'", k->name, text);
	KUNIT_EXPECT_EQ_MSG(test, v, SENTINEL, "%s '%s'", k->name, text);
}

static void knob_accepts_its_range(struct kunit *test)
{
	const struct arenalloc_knob *k = param_knob(test);
	char text[32];

	snprintf(text, sizeof(text), "%ld", k->min);
	expect_parse(test, k, text, k->min);
	snprintf(text, sizeof(text), "%ld\n", k->max);
	expect_parse(test, k, text, k->max);
}

static void knob_refuses_out_of_range(struct kunit *test)
{
	const struct arenalloc_knob *k = param_knob(test);
	char text[32];

	snprintf(text, sizeof(text), "%ld", k->min - 1);
	expect_refused(test, k, text);
	snprintf(text, sizeof(text), "%ld", k->max + 1);
	expect_refused(test, k, text);
}

static void knob_refuses_garbage(struct kunit *test)
{
	static const char *const bad[] = {
		"", "\n", " 1", "1 ", "1\n\n", "12abc", "abc", "0x",
		"99999999999999999999999", "-", "1.5", "yes please",
	};
	const struct arenalloc_knob *k = param_knob(test);
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		expect_refused(test, k, bad[i]);
}

static void bool_knob_is_strict(struct kunit *test)
{
	const struct arenalloc_knob *k = &arenalloc_knob_debug;

	expect_parse(test, k, "1", 1);
	expect_parse(test, k, "y\n", 1);
	expect_parse(test, k, "Y", 1);
	expect_parse(test, k, "0", 0);
	expect_parse(test, k, "n", 0);
	expect_parse(test, k, "N\n", 0);
	expect_refused(test, k, "2");
	expect_refused(test, k, "yes");
	expect_refused(test, k, "on");
	expect_refused(test, k, "no way");
}

static void number_bases(struct kunit *test)
{
	expect_parse(test, &arenalloc_knob_tcache_max, "0x1000", 4096);
	expect_parse(test, &arenalloc_knob_tcache_max, "010", 8);
	expect_parse(test, &arenalloc_knob_dirty_decay_ms, "-1", -1);
}

static void store_changes_runtime_knob(struct kunit *test)
{
	struct arenalloc_knob k = arenalloc_knob_dirty_decay_ms;

	KUNIT_ASSERT_TRUE(test, k.runtime);
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "1234\n"), 0);
	KUNIT_EXPECT_EQ(test, arenalloc_knob_get(&k), 1234L);
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "-1"), 0);
	KUNIT_EXPECT_EQ(test, arenalloc_knob_get(&k), -1L);
}

static void store_bad_text_changes_nothing(struct kunit *test)
{
	struct arenalloc_knob k = arenalloc_knob_muzzy_decay_ms;

	k.val = 777;
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "-2"), -EINVAL);
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "soon"), -EINVAL);
	KUNIT_EXPECT_EQ(test, arenalloc_knob_get(&k), 777L);
}

static void store_refuses_load_time_knob(struct kunit *test)
{
	struct arenalloc_knob k = arenalloc_knob_lg_chunk;
	long before = k.val;

	KUNIT_ASSERT_FALSE(test, k.runtime);
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "16"), -EPERM);
	KUNIT_EXPECT_EQ(test, arenalloc_knob_get(&k), before);
}

static long hook_old, hook_val;
static int hook_calls;

static void record_change(long old, long val)
{
	hook_old = old;
	hook_val = val;
	hook_calls++;
}

/* tcache_max gives back cached objects through this hook (tcache.c). */
static void store_calls_the_changed_hook(struct kunit *test)
{
	struct arenalloc_knob k = arenalloc_knob_dirty_decay_ms;

	KUNIT_EXPECT_TRUE(test, arenalloc_knob_tcache_max.changed == aa_tcache_max_changed);
	k.val = 100;
	k.changed = record_change;
	hook_calls = 0;
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "50"), 0);
	KUNIT_EXPECT_EQ(test, hook_calls, 1);
	KUNIT_EXPECT_EQ(test, hook_old, 100L);
	KUNIT_EXPECT_EQ(test, hook_val, 50L);
	/* Unchanged, or refused: no call. */
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "50"), 0);
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "soon"), -EINVAL);
	KUNIT_EXPECT_EQ(test, hook_calls, 1);
}

static long apply_val;
static int apply_ret;

static int record_apply(long val)
{
	apply_val = val;
	return apply_ret;
}

/*
 * narenas is changed by its apply hook (api.c), after the one parser: bad
 * text never reaches the hook, and the hook's failure is the store's.
 */
static void store_calls_the_apply_hook(struct kunit *test)
{
	struct arenalloc_knob k = arenalloc_knob_narenas;

	KUNIT_EXPECT_TRUE(test, arenalloc_knob_narenas.apply == aa_narenas_apply);
	KUNIT_EXPECT_TRUE(test, k.runtime);
	k.apply = record_apply;
	k.val = 4;
	apply_val = 0;
	apply_ret = 0;
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "7\n"), 0);
	KUNIT_EXPECT_EQ(test, apply_val, 7L);
	apply_val = 0;
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "0"), -EINVAL);
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "3x"), -EINVAL);
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "257"), -EINVAL);
	KUNIT_EXPECT_EQ(test, apply_val, 0L);
	apply_ret = -ENOMEM;
	KUNIT_EXPECT_EQ(test, arenalloc_knob_store(&k, "9"), -ENOMEM);
	/* The hook stores the value; the store itself never does. */
	KUNIT_EXPECT_EQ(test, arenalloc_knob_get(&k), 4L);
}

static void loaded_values_are_in_range(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(live_knobs); i++) {
		long v = arenalloc_knob_get(live_knobs[i]);

		KUNIT_EXPECT_GE_MSG(test, v, live_knobs[i]->min, "%s", live_knobs[i]->name);
		KUNIT_EXPECT_LE_MSG(test, v, live_knobs[i]->max, "%s", live_knobs[i]->name);
	}
	/* narenas=0 means "default" and must have been resolved at load. */
	KUNIT_EXPECT_GT(test, arenalloc_knob_get(&arenalloc_knob_narenas), 0L);
	KUNIT_EXPECT_LE(test, arenalloc_knob_get(&arenalloc_knob_tcache_max),
			1L << arenalloc_knob_get(&arenalloc_knob_lg_chunk));
}

static struct kunit_case arenalloc_config_cases[] = {
	KUNIT_CASE_PARAM(knob_accepts_its_range, knob_gen_params),
	KUNIT_CASE_PARAM(knob_refuses_out_of_range, knob_gen_params),
	KUNIT_CASE_PARAM(knob_refuses_garbage, knob_gen_params),
	KUNIT_CASE(bool_knob_is_strict),
	KUNIT_CASE(number_bases),
	KUNIT_CASE(store_changes_runtime_knob),
	KUNIT_CASE(store_bad_text_changes_nothing),
	KUNIT_CASE(store_refuses_load_time_knob),
	KUNIT_CASE(store_calls_the_changed_hook),
	KUNIT_CASE(store_calls_the_apply_hook),
	KUNIT_CASE(loaded_values_are_in_range),
	{}
};

static struct kunit_suite arenalloc_config_suite = {
	.name = "arenalloc_config",
	.test_cases = arenalloc_config_cases,
};

kunit_test_suite(arenalloc_config_suite);
