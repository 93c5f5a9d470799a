// SPDX-License-Identifier: GPL-2.0
/*
 * Knobs: module parameters at insmod, the same values under
 * /sys/kernel/arenalloc/ afterwards.
 *
 * Every knob is parsed by arenalloc_knob_parse(), whichever way it arrives,
 * so insmod and sysfs accept exactly the same text and refuse it with the
 * same message.  A refused value changes nothing.
 *
 * Locking
 *   arenalloc_knob_lock (mutex) serialises writers of every knob, so that
 *   a store and a cross-knob check see one consistent set of values, but
 *   narenas: its change is work (arenas made, CPUs moved, api.c), done by
 *   its apply hook under aa_narenas_lock, after this file's parser.
 *   Readers do not take it: each knob value is a single long, published with
 *   WRITE_ONCE() and read with READ_ONCE() (see struct arenalloc_knob).
 *   Module parameters are set before init runs, single-threaded, so the
 *   parameter path needs no lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "internal.h"

static DEFINE_MUTEX(arenalloc_knob_lock);

/* ==== The knobs ========================================================= */

/*
 * 0 asks for the default, worked out from the CPUs and nodes at load;
 * after load, 1..ARENALLOC_NARENAS_MAX (api.c applies a change).
 */
struct arenalloc_knob arenalloc_knob_narenas = {
	.name = "narenas", .min = 0, .max = ARENALLOC_NARENAS_MAX, .runtime = true,
	.apply = aa_narenas_apply,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_narenas);

struct arenalloc_knob arenalloc_knob_lg_chunk = {
	.name = "lg_chunk", .val = 21,
	.min = ARENALLOC_LG_CHUNK_MIN, .max = ARENALLOC_LG_CHUNK_MAX,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_lg_chunk);

/* -1 never decays, 0 purges at once, as in jemalloc. */
struct arenalloc_knob arenalloc_knob_dirty_decay_ms = {
	.name = "dirty_decay_ms", .val = 10000, .runtime = true,
	.min = -1, .max = ARENALLOC_DECAY_MS_MAX,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_dirty_decay_ms);

struct arenalloc_knob arenalloc_knob_muzzy_decay_ms = {
	.name = "muzzy_decay_ms", .val = 0, .runtime = true,
	.min = -1, .max = ARENALLOC_DECAY_MS_MAX,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_muzzy_decay_ms);

/*
 * Largest request served from the per-CPU caches; 0 turns them off.  A
 * lower value gives back at once what the caches hold above it.
 */
struct arenalloc_knob arenalloc_knob_tcache_max = {
	.name = "tcache_max", .val = 32768, .runtime = true,
	.min = 0, .max = 1L << ARENALLOC_LG_CHUNK_MAX,
	.changed = aa_tcache_max_changed,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_tcache_max);

/* How often a CPU's cache gives back objects it has not used; 0: never. */
struct arenalloc_knob arenalloc_knob_tcache_gc_interval = {
	.name = "tcache_gc_interval", .val = 1000, .runtime = true,
	.min = 0, .max = 3600 * 1000,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_tcache_gc_interval);

/*
 * Write-only triggers (sysfs purge and decay, kmod/decay.c): not settings,
 * but parsed as knobs, so "1" is the one value accepted and anything else
 * gets the usual message.
 */
struct arenalloc_knob arenalloc_knob_purge = {
	.name = "purge", .min = 1, .max = 1,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_purge);

struct arenalloc_knob arenalloc_knob_decay = {
	.name = "decay", .min = 1, .max = 1,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_decay);

/*
 * A one-line summary of the statistics in the kernel log every so many
 * ms; 0 (the default) never (kmod/stats.c).
 */
struct arenalloc_knob arenalloc_knob_stats_print_interval = {
	.name = "stats_print_interval", .val = 0, .runtime = true,
	.min = 0, .max = ARENALLOC_DECAY_MS_MAX,
	.changed = aa_stats_print_changed,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_stats_print_interval);

/*
 * An arena's own decay windows (arenas/<i>/): as the global ones, or
 * AA_DECAY_FOLLOW (-2) to follow them.  Only parsed here; the values live
 * in the arena (arenalloc_knob_store_at()).
 */
struct arenalloc_knob arenalloc_knob_arena_dirty_decay_ms = {
	.name = "arena dirty_decay_ms", .min = AA_DECAY_FOLLOW, .max = ARENALLOC_DECAY_MS_MAX,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_arena_dirty_decay_ms);

struct arenalloc_knob arenalloc_knob_arena_muzzy_decay_ms = {
	.name = "arena muzzy_decay_ms", .min = AA_DECAY_FOLLOW, .max = ARENALLOC_DECAY_MS_MAX,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_arena_muzzy_decay_ms);

struct arenalloc_knob arenalloc_knob_debug = {
	.name = "debug", .kind = ARENALLOC_KNOB_BOOL, .max = 1,
};
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_debug);

/* ==== Parsing =========================================================== */

/**
 * arenalloc_knob_parse() - turn text into a value for @knob
 * @knob: the knob the text is for
 * @buf:  NUL-terminated text, optionally with one trailing newline
 * @out:  where the value goes on success; untouched on failure
 *
 * Logs one line naming the knob and what it accepts when the text is bad.
 * Not rate-limited: only root can write knobs, and the line is the answer
 * to what it wrote.
 *
 * Context: Any context that may print.
 * Return: 0, or -EINVAL for text that is not a number in the knob's range.
 */
int arenalloc_knob_parse(const struct arenalloc_knob *knob, const char *buf,
			 long *out)
{
	int len;
	long v;

	if (knob->kind == ARENALLOC_KNOB_BOOL) {
		/* kstrtobool() looks at the first letters only: be strict. */
		if (sysfs_streq(buf, "1") || sysfs_streq(buf, "y") ||
		    sysfs_streq(buf, "Y")) {
			*out = 1;
			return 0;
		}
		if (sysfs_streq(buf, "0") || sysfs_streq(buf, "n") ||
		    sysfs_streq(buf, "N")) {
			*out = 0;
			return 0;
		}
		goto bad;
	}

	if (kstrtol(buf, 0, &v) || v < knob->min || v > knob->max)
		goto bad;
	*out = v;
	return 0;

bad:
	/* Quote at most 32 characters, without a trailing newline. */
	len = min_t(size_t, strcspn(buf, "\n"), 32);
	if (knob->kind == ARENALLOC_KNOB_BOOL)
		pr_err("invalid %s '%.*s': expected 0, 1, y or n\n",
		       knob->name, len, buf);
	else
		pr_err("invalid %s '%.*s': allowed range is %ld..%ld\n",
		       knob->name, len, buf, knob->min, knob->max);
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_parse);

/**
 * arenalloc_knob_store_at() - parse text for @knob and store it in @dst
 * @knob: the knob whose parser and range apply
 * @buf:  the new value as text
 * @dst:  where the value lives (@knob's own, or an arena's setting)
 * @old:  the value @dst held before, on success
 *
 * Context: Process context; takes arenalloc_knob_lock.
 * Return: 0, or -EINVAL for bad text (@dst keeps its value).
 */
int arenalloc_knob_store_at(const struct arenalloc_knob *knob, const char *buf,
			    long *dst, long *old)
{
	long v;
	int ret;

	ret = arenalloc_knob_parse(knob, buf, &v);
	if (ret)
		return ret;
	mutex_lock(&arenalloc_knob_lock);
	*old = *dst;
	WRITE_ONCE(*dst, v);
	mutex_unlock(&arenalloc_knob_lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_store_at);

/**
 * arenalloc_knob_store() - set a run-time knob from text
 * @knob: the knob to change
 * @buf:  the new value as text
 *
 * The knob's @changed hook, if any, runs after the store, without the lock.
 * A knob with an @apply hook is parsed here and changed by the hook,
 * which has its own lock (narenas: aa_narenas_lock).
 *
 * Context: Process context; takes arenalloc_knob_lock, or what @apply
 * takes; may sleep.
 * Return: 0, -EPERM for a knob fixed at load, -EINVAL for bad text (the
 * knob keeps its value), or what @apply returns (-ENOMEM for narenas;
 * nothing changed).
 */
int arenalloc_knob_store(struct arenalloc_knob *knob, const char *buf)
{
	long old;
	int ret;

	if (!knob->runtime)
		return -EPERM;
	if (knob->apply) {
		ret = arenalloc_knob_parse(knob, buf, &old);
		return ret ?: knob->apply(old);
	}
	ret = arenalloc_knob_store_at(knob, buf, &knob->val, &old);
	if (ret)
		return ret;
	if (knob->changed && knob->val != old)
		knob->changed(old, knob->val);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(arenalloc_knob_store);

/* ==== Module parameters ================================================== */

static int knob_param_set(const char *val, const struct kernel_param *kp)
{
	struct arenalloc_knob *knob = kp->arg;

	/* Parameters are parsed before init: nothing else can see the knob. */
	return arenalloc_knob_parse(knob, val, &knob->val);
}

static int knob_param_get(char *buffer, const struct kernel_param *kp)
{
	const struct arenalloc_knob *knob = kp->arg;

	return sysfs_emit(buffer, "%ld\n", arenalloc_knob_get(knob));
}

static const struct kernel_param_ops knob_param_ops = {
	.set = knob_param_set,
	.get = knob_param_get,
};

/*
 * Read-only under /sys/module/arenalloc/parameters/: /sys/kernel/arenalloc/
 * is the one place to change a knob at run time.
 */
module_param_cb(narenas, &knob_param_ops, &arenalloc_knob_narenas, 0444);
MODULE_PARM_DESC(narenas, "arenas, 1-256; 0 (default): one per CPU, at least one per node");
module_param_cb(lg_chunk, &knob_param_ops, &arenalloc_knob_lg_chunk, 0444);
MODULE_PARM_DESC(lg_chunk, "log2 of the chunk size, 16 to the largest page block (default 21)");
module_param_cb(dirty_decay_ms, &knob_param_ops, &arenalloc_knob_dirty_decay_ms, 0444);
MODULE_PARM_DESC(dirty_decay_ms, "ms for dirty pages to decay; -1 never, 0 at once (default 10000)");
module_param_cb(muzzy_decay_ms, &knob_param_ops, &arenalloc_knob_muzzy_decay_ms, 0444);
MODULE_PARM_DESC(muzzy_decay_ms, "ms for muzzy pages to decay; -1 never, 0 at once (default 0)");
module_param_cb(tcache_max, &knob_param_ops, &arenalloc_knob_tcache_max, 0444);
MODULE_PARM_DESC(tcache_max, "largest size cached per CPU in bytes, 0 disables (default 32768)");
module_param_cb(tcache_gc_interval, &knob_param_ops, &arenalloc_knob_tcache_gc_interval, 0444);
MODULE_PARM_DESC(tcache_gc_interval, "ms between per-CPU cache GC passes, 0 never (default 1000)");
module_param_cb(stats_print_interval, &knob_param_ops, &arenalloc_knob_stats_print_interval,
		0444);
MODULE_PARM_DESC(stats_print_interval,
		 "ms between one-line statistics summaries in the kernel log, 0 never (default 0)");
module_param_cb(debug, &knob_param_ops, &arenalloc_knob_debug, 0444);
MODULE_PARM_DESC(debug, "junk filling, redzones, double-free checks (default 0)");

/* ==== Load-time checks ================================================== */

/*
 * narenas=0 becomes one arena per possible CPU, rounded up so that every
 * node with memory gets at least one.
 */
static long arenalloc_default_narenas(void)
{
	long n = max_t(long, num_possible_cpus(), num_node_state(N_MEMORY));

	return clamp(n, 1L, (long)ARENALLOC_NARENAS_MAX);
}

/**
 * arenalloc_config_init() - check the knobs together and fill in defaults
 *
 * Context: Module init, before anything reads a knob.
 * Return: 0, or -EINVAL when two knobs contradict each other.
 */
int arenalloc_config_init(void)
{
	long chunk = 1L << arenalloc_knob_lg_chunk.val;

	if (arenalloc_knob_tcache_max.val > chunk) {
		pr_err("invalid tcache_max %ld: must not exceed the chunk size %ld (lg_chunk=%ld)\n",
		       arenalloc_knob_tcache_max.val, chunk,
		       arenalloc_knob_lg_chunk.val);
		return -EINVAL;
	}
	/* From now on sysfs writes are held to the same bound. */
	arenalloc_knob_tcache_max.max = chunk;

	if (!arenalloc_knob_narenas.val)
		arenalloc_knob_narenas.val = arenalloc_default_narenas();
	/* "The default" means nothing after load: a write names a count. */
	arenalloc_knob_narenas.min = 1;
	return 0;
}
