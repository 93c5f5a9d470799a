// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration and control: ARENALLOC_CONF and arenalloc_ctl() at their
 * edges.
 *
 * ARENALLOC_CONF is read once, when the library initialises, so each case
 * re-executes this program with the variable set and looks at the child:
 * its stderr (one line naming each bad entry, nothing for good ones), its
 * fate (it goes on, or with abort_conf:true dies by SIGABRT) and the
 * options it reports through "opt.*" (good values take effect, bad ones
 * leave the defaults, and parsing goes on after a bad entry).
 *
 * arenalloc_ctl() follows mallctl(): ENOENT for names that do not exist
 * (or are not leaves), EINVAL for a length that does not match the type or
 * a bad value, EPERM for writing a read-only name.  Statistics hold their
 * invariants, and arenalloc_stats_print() writes text that talks about
 * "allocated" and, with "J", one well-formed JSON document.
 */
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <arenalloc.h>

#include "child.h"
#include "../../common/tests/json_check.h"
#include "ctlutil.h"
#include "tap.h"

#define CHILD_LIMIT_S	30.0

/* ==== Child: report the options =========================================== */

static const char *const bool_opts[] = {
	"opt.tcache", "opt.background_thread", "opt.abort_conf", "opt.stats_print",
};

static const char *const str_opts[] = {
	"opt.percpu_arena", "opt.chunk_source", "opt.device_policy", "opt.junk",
};

/* Prints "name=value" for every option; returns non-zero if one is unreadable. */
static int child_opts(void)
{
	unsigned int u;
	ssize_t ss;
	size_t sz;
	bool b;
	const char *s;
	unsigned int i;
	int bad = 0;

	/* initialise the library */
	arenalloc_free(arenalloc_malloc(1));
	if (ac_ctl_unsigned("opt.narenas", &u) == 0)
		printf("opt.narenas=%u\n", u);
	else
		bad++;
	if (ac_ctl_unsigned("arenas.narenas", &u) == 0)
		printf("arenas.narenas=%u\n", u);
	else
		bad++;
	if (ac_ctl_unsigned("opt.lg_chunk", &u) == 0)
		printf("opt.lg_chunk=%u\n", u);
	else
		bad++;
	if (ac_ctl_ssize("opt.dirty_decay_ms", &ss) == 0)
		printf("opt.dirty_decay_ms=%zd\n", ss);
	else
		bad++;
	if (ac_ctl_ssize("opt.muzzy_decay_ms", &ss) == 0)
		printf("opt.muzzy_decay_ms=%zd\n", ss);
	else
		bad++;
	if (ac_ctl_size("opt.tcache_max", &sz) == 0)
		printf("opt.tcache_max=%zu\n", sz);
	else
		bad++;
	for (i = 0; i < sizeof(bool_opts) / sizeof(bool_opts[0]); i++) {
		if (ac_ctl_bool(bool_opts[i], &b) == 0)
			printf("%s=%s\n", bool_opts[i], b ? "true" : "false");
		else
			bad++;
	}
	for (i = 0; i < sizeof(str_opts) / sizeof(str_opts[0]); i++) {
		if (ac_ctl_str(str_opts[i], &s) == 0 && s)
			printf("%s=%s\n", str_opts[i], s);
		else
			bad++;
	}
	if (ac_ctl_bool("background_thread", &b) == 0)
		printf("background_thread=%s\n", b ? "true" : "false");
	else
		bad++;
	{
		/* junk on allocation shows in fresh memory, which is otherwise zero */
		unsigned char *p = arenalloc_malloc(3000);
		size_t k, nonzero = 0;

		for (k = 0; p && k < 3000; k++)
			nonzero += p[k] != 0;
		printf("fresh_nonzero=%zu\n", nonzero);
		arenalloc_free(p);
	}
	if (bad)
		printf("unreadable=%d\n", bad);
	return bad ? 3 : 0;
}

static int child_stats_to_stderr(void)
{
	void *p = arenalloc_malloc(12345);

	arenalloc_stats_print(NULL, NULL, NULL);
	arenalloc_free(p);
	return 0;
}

/*
 * junk: new memory reads 0xa5 (when junk covers allocation), freed memory
 * 0x5a (when it covers freeing), small and large alike.  Exit status 0
 * when what the configuration asks for is what happens.
 */
static int child_junk(void)
{
	const char *junk = NULL;
	size_t sizes[] = { 100, 40000 }, len = sizeof(junk);
	bool on_alloc, on_free;
	unsigned int k;

	if (arenalloc_ctl("opt.junk", &junk, &len, NULL, 0))
		return 3;
	on_alloc = !strcmp(junk, "true") || !strcmp(junk, "alloc");
	on_free = !strcmp(junk, "true") || !strcmp(junk, "free");
	for (k = 0; k < 2; k++) {
		unsigned char *p = arenalloc_malloc(sizes[k]);
		size_t i, n = arenalloc_malloc_usable_size(p);

		for (i = 0; on_alloc && i < n; i++)
			if (p[i] != 0xa5)
				return 4;
		memset(p, 0, n);
		arenalloc_free(p);
		/* The allocator's memory stays mapped: reading it here is safe. */
		for (i = 0; on_free && i < n; i++)
			if (p[i] != 0x5a)
				return 5;
		if (!on_free && p[n - 1] != 0)
			return 6;
	}
	return 0;
}

/*
 * percpu_arena: large allocations (no thread cache) come from the arena
 * of the CPU the thread runs on, and follow it when it moves.  Exit
 * status 0 when each of two CPUs' arenas got the pages, 77 when the
 * process may run on only one CPU.
 */
static int child_percpu(void)
{
	cpu_set_t all, one;
	int cpus[2], n = 0, k, i;

	if (sched_getaffinity(0, sizeof(all), &all))
		return 3;
	for (k = 0; k < CPU_SETSIZE && n < 2; k++)
		if (CPU_ISSET(k, &all))
			cpus[n++] = k;
	if (n < 2)
		return 77;
	for (k = 0; k < 2; k++) {
		void *p[32];
		size_t pdirty = 0, len = sizeof(pdirty);
		unsigned int narenas = 0;
		size_t ulen = sizeof(narenas);
		char name[64];

		CPU_ZERO(&one);
		CPU_SET(cpus[k], &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			return 4;
		for (i = 0; i < 32; i++) {
			p[i] = arenalloc_malloc(64 << 10);
			if (!p[i])
				return 5;
			memset(p[i], 1, 64 << 10);
		}
		for (i = 0; i < 32; i++)
			arenalloc_free(p[i]);
		if (arenalloc_ctl("opt.narenas", &narenas, &ulen, NULL, 0) || !narenas)
			return 6;
		snprintf(name, sizeof(name), "stats.arenas.%u.pdirty",
			 (unsigned int)cpus[k] % narenas);
		if (arenalloc_ctl(name, &pdirty, &len, NULL, 0) || pdirty < 32 * 16) {
			printf("# cpu %d: %s = %zu\n", cpus[k], name, pdirty);
			return 7 + k;
		}
	}
	return 0;
}

static int child_main(const char *mode)
{
	int ret = 2;

	if (!strcmp(mode, "opts"))
		ret = child_opts();
	else if (!strcmp(mode, "junk"))
		ret = child_junk();
	else if (!strcmp(mode, "percpu"))
		ret = child_percpu();
	else if (!strcmp(mode, "stats"))
		ret = child_stats_to_stderr();
	fflush(stdout);
	return ret;
}

/* ==== Parent: run children, read what they say ================================ */

/* The value of "name=" in @out, copied to @buf; NULL if absent. */
static const char *opt_in(const char *out, const char *name, char *buf, size_t len)
{
	size_t nlen = strlen(name);
	const char *p = out;

	while ((p = strstr(p, name))) {
		if ((p == out || p[-1] == '\n') && p[nlen] == '=') {
			const char *v = p + nlen + 1;
			size_t n = strcspn(v, "\n");

			if (n >= len)
				n = len - 1;
			memcpy(buf, v, n);
			buf[n] = 0;
			return buf;
		}
		p += nlen;
	}
	return NULL;
}

static bool opt_is(const struct ac_child *r, const char *name, const char *want)
{
	char buf[64];
	const char *v = opt_in(r->out, name, buf, sizeof(buf));

	return v && !strcmp(v, want);
}

static void run_opts(struct tap_ctx *test, struct ac_child *r, const char *conf)
{
	AC_ASSERT(ac_run_self(r, "opts", NULL, conf, CHILD_LIMIT_S) == 0, "cannot start child");
	if (!ac_child_ok(r)) {
		printf("# child with ARENALLOC_CONF=\"%s\": status %#x%s\n",
		       conf ? conf : "(unset)", r->status, r->timed_out ? " (timed out)" : "");
		printf("# stdout: %s\n# stderr: %s\n",
		       r->out, r->err);
		ac_child_release(r);
		AC_ASSERT(0, "child with ARENALLOC_CONF=\"%s\" did not exit 0", conf ? conf : "");
	}
}

/* The defaults, as a child without ARENALLOC_CONF reports them. */
static char defaults[4096];

static const char *default_of(struct tap_ctx *test, const char *name, char *buf, size_t len)
{
	if (!defaults[0]) {
		struct ac_child r;

		run_opts(test, &r, NULL);
		AC_ASSERT(r.errlen == 0, "stderr without ARENALLOC_CONF: %s", r.err);
		snprintf(defaults, sizeof(defaults), "%s", r.out);
		ac_child_release(&r);
	}
	AC_ASSERT(opt_in(defaults, name, buf, len), "default of %s not reported", name);
	return buf;
}

AC_CASE(defaults_are_sane)
{
	char buf[64];
	long n;

	n = atol(default_of(test, "opt.narenas", buf, sizeof(buf)));
	AC_ASSERT(n >= 1 && n <= 4095, "opt.narenas %ld", n);
	AC_ASSERT(atol(default_of(test, "arenas.narenas", buf, sizeof(buf))) == n,
		  "arenas.narenas %s differs from opt.narenas %ld", buf, n);
	n = atol(default_of(test, "opt.lg_chunk", buf, sizeof(buf)));
	AC_ASSERT(n >= 18 && n <= 30, "opt.lg_chunk %ld", n);
	AC_ASSERT(!strcmp(default_of(test, "opt.tcache", buf, sizeof(buf)), "true"),
		  "opt.tcache %s", buf);
	AC_ASSERT(!strcmp(default_of(test, "opt.abort_conf", buf, sizeof(buf)), "false"),
		  "opt.abort_conf %s", buf);
	AC_ASSERT(!strcmp(default_of(test, "opt.chunk_source", buf, sizeof(buf)), "auto"),
		  "opt.chunk_source %s", buf);
	AC_ASSERT(!strcmp(default_of(test, "opt.device_policy", buf, sizeof(buf)), "default"),
		  "opt.device_policy %s", buf);
	AC_ASSERT(atol(default_of(test, "fresh_nonzero", buf, sizeof(buf))) == 0,
		  "fresh memory not zero without junk: %s bytes", buf);
}

/*
 * A bad entry: the child goes on, says exactly one line on stderr, which
 * names @key, and @opt keeps its default.
 */
static void bad_entry(struct tap_ctx *test, const char *conf, const char *key, const char *opt)
{
	struct ac_child r;
	char want[64], got[64];
	unsigned int lines;
	bool named, same = true;

	if (opt)
		default_of(test, opt, want, sizeof(want));
	run_opts(test, &r, conf);
	lines = ac_count_lines(r.err);
	named = !key || ac_count_lines_with(r.err, key) == 1;
	if (opt)
		same = opt_in(r.out, opt, got, sizeof(got)) && !strcmp(got, want);
	if (lines != 1 || !named || !same)
		printf("# ARENALLOC_CONF=\"%s\"\n# stderr: %s# stdout: %s", conf, r.err, r.out);
	ac_child_release(&r);
	AC_ASSERT(lines == 1, "ARENALLOC_CONF=\"%s\": %u lines on stderr, want 1", conf, lines);
	AC_ASSERT(named, "ARENALLOC_CONF=\"%s\": the line does not name \"%s\"", conf, key);
	AC_ASSERT(same, "ARENALLOC_CONF=\"%s\": %s changed from its default %s", conf, opt, want);
}

AC_CASE(bad_entries_are_reported_once_and_ignored)
{
	static const char *const bad[][3] = {	/* conf, key named, option kept */
		{ "foo:1", "foo", NULL },
		{ "narenas:0", "narenas", "opt.narenas" },
		{ "narenas:abc", "narenas", "opt.narenas" },
		{ "narenas:99999", "narenas", "opt.narenas" },
		{ "narenas:-1", "narenas", "opt.narenas" },
		{ "narenas:3x", "narenas", "opt.narenas" },
		{ "dirty_decay_ms:-2", "dirty_decay_ms", "opt.dirty_decay_ms" },
		{ "dirty_decay_ms:86400001", "dirty_decay_ms", "opt.dirty_decay_ms" },
		{ "muzzy_decay_ms:x", "muzzy_decay_ms", "opt.muzzy_decay_ms" },
		{ "lg_chunk:12", "lg_chunk", "opt.lg_chunk" },
		{ "lg_chunk:31", "lg_chunk", "opt.lg_chunk" },
		{ "tcache:maybe", "tcache", "opt.tcache" },
		{ "tcache:", "tcache", "opt.tcache" },
		{ "tcache_max:1048577", "tcache_max", "opt.tcache_max" },
		{ "chunk_source:disk", "chunk_source", "opt.chunk_source" },
		{ "device_policy:bind", "device_policy", "opt.device_policy" },
		{ "device_policy:", "device_policy", "opt.device_policy" },
		{ "percpu_arena:yes", "percpu_arena", "opt.percpu_arena" },
		{ "background_thread:1", "background_thread", "opt.background_thread" },
		{ "junk:sometimes", "junk", "opt.junk" },
		{ "stats_print:yes", "stats_print", "opt.stats_print" },
		{ "abort_conf:perhaps", "abort_conf", "opt.abort_conf" },
		{ "narenas", "narenas", "opt.narenas" },	/* no colon */
		{ "NARENAS:2", "NARENAS", "opt.narenas" },	/* keys are case-sensitive */
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		bad_entry(test, bad[i][0], bad[i][1], bad[i][2]);
}

AC_CASE(parsing_goes_on_after_a_bad_entry)
{
	struct ac_child r;
	unsigned int lines, named;
	bool n3, tc;

	run_opts(test, &r, "narenas:3,foo:1,tcache:false");
	lines = ac_count_lines(r.err);
	named = ac_count_lines_with(r.err, "foo");
	n3 = opt_is(&r, "opt.narenas", "3") && opt_is(&r, "arenas.narenas", "3");
	tc = opt_is(&r, "opt.tcache", "false");
	if (lines != 1 || named != 1 || !n3 || !tc)
		printf("# stderr: %s# stdout: %s", r.err, r.out);
	ac_child_release(&r);
	AC_ASSERT(lines == 1 && named == 1, "%u lines on stderr, %u naming foo", lines, named);
	AC_ASSERT(n3, "narenas:3 before the bad entry did not take");
	AC_ASSERT(tc, "tcache:false after the bad entry did not take");
}

AC_CASE(empty_string_and_trailing_comma)
{
	struct ac_child r;
	unsigned int lines;
	bool n3;

	/* an empty string is no options at all */
	run_opts(test, &r, "");
	lines = ac_count_lines(r.err);
	ac_child_release(&r);
	AC_ASSERT(lines == 0, "ARENALLOC_CONF=\"\": %u lines on stderr", lines);

	/* a trailing comma is reported (one line), what came before applies */
	run_opts(test, &r, "narenas:3,");
	lines = ac_count_lines(r.err);
	n3 = opt_is(&r, "opt.narenas", "3");
	if (lines != 1 || !n3)
		printf("# stderr: %s# stdout: %s", r.err, r.out);
	ac_child_release(&r);
	AC_ASSERT(lines == 1, "\"narenas:3,\": %u lines on stderr, want 1", lines);
	AC_ASSERT(n3, "\"narenas:3,\": narenas did not take");

	/* an empty entry in the middle likewise */
	run_opts(test, &r, "narenas:3,,tcache:false");
	lines = ac_count_lines(r.err);
	n3 = opt_is(&r, "opt.narenas", "3") && opt_is(&r, "opt.tcache", "false");
	ac_child_release(&r);
	AC_ASSERT(lines == 1 && n3, "\"narenas:3,,tcache:false\": %u lines, values %s", lines,
		  n3 ? "taken" : "not taken");
}

static void good_conf(struct tap_ctx *test, const char *conf, const char *const *want)
{
	struct ac_child r;
	unsigned int i;

	run_opts(test, &r, conf);
	if (r.errlen)
		printf("# ARENALLOC_CONF=\"%s\"\n# stderr: %s", conf, r.err);
	for (i = 0; want[i]; i += 2) {
		char buf[64];
		const char *got = opt_in(r.out, want[i], buf, sizeof(buf));

		if (!got || strcmp(got, want[i + 1])) {
			printf("# ARENALLOC_CONF=\"%s\": %s is %s, want %s\n", conf, want[i],
			       got ? got : "(missing)", want[i + 1]);
			ac_child_release(&r);
			AC_ASSERT(0, "%s did not take effect", want[i]);
		}
	}
	i = (unsigned int)r.errlen;
	ac_child_release(&r);
	AC_ASSERT(i == 0, "ARENALLOC_CONF=\"%s\": stderr not empty", conf);
}

AC_CASE(good_values_take_effect)
{
	static const char *const want1[] = {
		"opt.narenas", "3", "arenas.narenas", "3", "opt.dirty_decay_ms", "1234",
		"opt.muzzy_decay_ms", "567", "opt.tcache", "false", "opt.tcache_max", "4096",
		"opt.lg_chunk", "22", "opt.percpu_arena", "disabled", "opt.chunk_source", "mmap",
		"opt.device_policy", "local", "opt.junk", "alloc", "opt.stats_print", "false",
		"opt.background_thread", "false", "background_thread", "false",
		"opt.abort_conf", "false", NULL,
	};
	static const char *const want2[] = {
		"opt.narenas", "1", "opt.dirty_decay_ms", "0", "opt.muzzy_decay_ms", "86400000",
		"opt.tcache", "true", "opt.tcache_max", "0", "opt.lg_chunk", "18",
		"opt.percpu_arena", "percpu", "opt.chunk_source", "auto",
		"opt.device_policy", "interleave", "opt.junk", "true",
		"opt.abort_conf", "true", NULL,
	};
	static const char *const want3[] = {
		"opt.dirty_decay_ms", "-1", "opt.muzzy_decay_ms", "-1", "opt.lg_chunk", "30",
		"opt.tcache_max", "1048576", "opt.junk", "free", "fresh_nonzero", "0",
		"opt.background_thread", "true", "background_thread", "true", NULL,
	};
	char buf[64];
	struct ac_child r;
	long nz;

	good_conf(test, "narenas:3,dirty_decay_ms:1234,muzzy_decay_ms:567,tcache:false,"
		  "tcache_max:4096,lg_chunk:22,percpu_arena:disabled,chunk_source:mmap,"
		  "device_policy:local,junk:alloc,stats_print:false,background_thread:false,"
		  "abort_conf:false", want1);
	good_conf(test, "narenas:1,dirty_decay_ms:0,muzzy_decay_ms:86400000,tcache:true,"
		  "tcache_max:0,lg_chunk:18,percpu_arena:percpu,chunk_source:auto,"
		  "device_policy:interleave,junk:true,abort_conf:true", want2);
	good_conf(test, "dirty_decay_ms:-1,muzzy_decay_ms:-1,lg_chunk:30,tcache_max:1048576,"
		  "junk:free,background_thread:true", want3);

	/* junk on allocation fills fresh memory */
	run_opts(test, &r, "junk:alloc");
	nz = opt_in(r.out, "fresh_nonzero", buf, sizeof(buf)) ? atol(buf) : -1;
	ac_child_release(&r);
	AC_ASSERT(nz > 2000, "junk:alloc: only %ld of 3000 fresh bytes are not zero", nz);

	/* the last of repeated keys wins */
	good_conf(test, "narenas:2,narenas:5", (const char *const[]){ "opt.narenas", "5", NULL });
}

AC_CASE(abort_conf_aborts_on_a_bad_entry)
{
	static const char *const confs[][2] = {	/* conf, the key to name */
		{ "abort_conf:true,foo:1", "foo" }, { "foo:1,abort_conf:true", "foo" },
		{ "abort_conf:true,narenas:0", "narenas" },
		{ "lg_chunk:99,abort_conf:true", "lg_chunk" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(confs) / sizeof(confs[0]); i++) {
		struct ac_child r;
		bool sig, named;

		AC_ASSERT(ac_run_self(&r, "opts", NULL, confs[i][0], CHILD_LIMIT_S) == 0, "start");
		sig = !r.timed_out && WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGABRT;
		named = strstr(r.err, confs[i][1]);
		if (!sig || !named)
			printf("# ARENALLOC_CONF=\"%s\": status %#x\n# stderr: %s", confs[i][0],
			       r.status, r.err);
		ac_child_release(&r);
		AC_ASSERT(sig, "ARENALLOC_CONF=\"%s\": child did not die by SIGABRT", confs[i][0]);
		AC_ASSERT(named, "ARENALLOC_CONF=\"%s\": the bad entry is not named", confs[i][0]);
	}
}

AC_CASE(stats_print_at_exit)
{
	struct ac_child r;
	bool said;

	run_opts(test, &r, "stats_print:true");
	said = strcasestr(r.err, "allocated") || strcasestr(r.out, "allocated");
	ac_child_release(&r);
	AC_ASSERT(said, "stats_print:true printed nothing about \"allocated\" at exit");

	run_opts(test, &r, "stats_print:false");
	said = strcasestr(r.err, "allocated");
	ac_child_release(&r);
	AC_ASSERT(!said, "stats_print:false printed statistics");
}

AC_CASE(stats_print_without_callback_writes_stderr)
{
	struct ac_child r;
	bool said, ok;

	AC_ASSERT(ac_run_self(&r, "stats", NULL, NULL, CHILD_LIMIT_S) == 0, "start");
	ok = ac_child_ok(&r);
	said = strcasestr(r.err, "allocated");
	ac_child_release(&r);
	AC_ASSERT(ok, "child failed");
	AC_ASSERT(said, "arenalloc_stats_print(NULL, ...) wrote nothing about allocated on stderr");
}

/* ==== arenalloc_ctl() ================================================================ */

AC_CASE(ctl_unknown_names_are_enoent)
{
	static const char *const names[] = {
		"foo", "", ".", "stats.allocatedx", "stats.allocated.x", "stats..allocated",
		"stats", "opt", "arena.0", "arenas.bin", "opt.narenas.x", "arena.abc.purge",
		"arena.-1.purge", "arena..purge", "arena.0.purgex", "Stats.allocated",
		"stats.arenas.0.nope", "arenas.bin.x.size", "thread", "version.x",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t v = 0, len = sizeof(v);
		int ret = arenalloc_ctl(names[i], &v, &len, NULL, 0);

		AC_ASSERT(ret == ENOENT, "\"%s\": %d, want ENOENT", names[i], ret);
	}
}

AC_CASE(ctl_lengths_must_match)
{
	uint64_t u64 = 0;
	unsigned int u = 0;
	size_t len;
	int ret;

	len = 4;
	ret = arenalloc_ctl("stats.allocated", &u64, &len, NULL, 0);
	AC_ASSERT(ret == EINVAL, "stats.allocated with oldlen 4: %d", ret);
	len = 8;
	ret = arenalloc_ctl("opt.narenas", &u64, &len, NULL, 0);
	AC_ASSERT(ret == EINVAL, "opt.narenas (unsigned) with oldlen 8: %d", ret);
	len = 2;
	ret = arenalloc_ctl("version", &u64, &len, NULL, 0);
	AC_ASSERT(ret == EINVAL, "version with oldlen 2: %d", ret);
	len = 4;
	ret = arenalloc_ctl("thread.allocated", &u, &len, NULL, 0);
	AC_ASSERT(ret == EINVAL, "thread.allocated with oldlen 4: %d", ret);
	ret = arenalloc_ctl("epoch", NULL, NULL, &u, sizeof(u));
	AC_ASSERT(ret == EINVAL, "epoch written with 4 bytes: %d", ret);
	ret = arenalloc_ctl("thread.arena", NULL, NULL, &u64, sizeof(u64));
	AC_ASSERT(ret == EINVAL, "thread.arena written with 8 bytes: %d", ret);
	ret = arenalloc_ctl("background_thread", NULL, NULL, &u, sizeof(u));
	AC_ASSERT(ret == EINVAL, "background_thread written with 4 bytes: %d", ret);
	/* a bad value of the right size */
	u = 1u << 30;
	ret = arenalloc_ctl("thread.arena", NULL, NULL, &u, sizeof(u));
	AC_ASSERT(ret != 0, "thread.arena <- %u accepted", u);
}

AC_CASE(ctl_read_only_names_are_eperm)
{
	static const char *const names[] = {
		"stats.allocated", "stats.active", "stats.mapped", "opt.narenas",
		"arenas.narenas", "arenas.page", "opt.dirty_decay_ms", "thread.deallocated",
	};
	size_t v = 1;
	unsigned int i;
	const char *s = "x";

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int ret = arenalloc_ctl(names[i], NULL, NULL, &v, sizeof(v));

		/* the length may not match either; read-only is checked first */
		AC_ASSERT(ret == EPERM, "writing \"%s\": %d, want EPERM", names[i], ret);
	}
	AC_ASSERT(arenalloc_ctl("version", NULL, NULL, &s, sizeof(s)) == EPERM, "version");
	AC_ASSERT(arenalloc_ctl("arenas.create", NULL, NULL, &v, sizeof(unsigned int)) == EPERM,
		  "writing arenas.create");
}

AC_CASE(ctl_missing_arenas_are_errors)
{
	static const char *const names[] = {
		"arena.99999.purge", "arena.4000.purge", "arena.4000.decay",
		"arena.99999.destroy", "stats.arenas.4000.pdirty",
	};
	unsigned int i;

	/*
	 * jemalloc answers EFAULT for an index below its limit that names no
	 * arena and ENOENT past it; any of ENOENT, EINVAL, EFAULT will do,
	 * success will not.
	 */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t v, len = sizeof(v);
		int ret = strncmp(names[i], "stats", 5) ?
			  ac_ctl_void(names[i]) : arenalloc_ctl(names[i], &v, &len, NULL, 0);

		AC_ASSERT(ret == ENOENT || ret == EINVAL || ret == EFAULT,
			  "\"%s\": %d, want ENOENT, EINVAL or EFAULT", names[i], ret);
	}
	/* and a real arena does answer */
	AC_ASSERT(ac_ctl_void("arena.0.purge") == 0, "arena.0.purge");
	AC_ASSERT(ac_ctl_void("arena.0.decay") == 0, "arena.0.decay");
}

AC_CASE(ctl_constants)
{
	const char *version = NULL;
	size_t page = 0, quantum = 0, size = 0, prev = 0;
	unsigned int nbins = 0, i;
	char name[64];

	AC_ASSERT(ac_ctl_str("version", &version) == 0 && version, "version");
	AC_ASSERT(!strncmp(version, "0.1", 3), "version \"%s\" does not match the header's 0.1",
		  version);
	AC_ASSERT(ac_ctl_size("arenas.page", &page) == 0, "arenas.page");
	AC_ASSERT(page == (size_t)sysconf(_SC_PAGESIZE), "arenas.page %zu", page);
	AC_ASSERT(ac_ctl_size("arenas.quantum", &quantum) == 0 && quantum == 16,
		  "arenas.quantum %zu", quantum);
	AC_ASSERT(ac_ctl_unsigned("arenas.nbins", &nbins) == 0 && nbins > 4 && nbins < 100,
		  "arenas.nbins %u", nbins);
	for (i = 0; i < nbins; i++) {
		snprintf(name, sizeof(name), "arenas.bin.%u.size", i);
		AC_ASSERT(ac_ctl_size(name, &size) == 0, "%s", name);
		AC_ASSERT(size > prev && size % 8 == 0, "%s = %zu after %zu", name, size, prev);
		AC_ASSERT(arenalloc_nallocx(size, 0) == size, "nallocx of bin size %zu", size);
		prev = size;
	}
	AC_ASSERT(prev < 4 * page, "the last small class %zu is not below 4 pages", prev);
	snprintf(name, sizeof(name), "arenas.bin.%u.size", nbins);
	AC_ASSERT(ac_ctl_size(name, &size) == ENOENT, "%s exists", name);
}

AC_CASE(ctl_stats_hold_their_invariants)
{
	size_t allocated, active, metadata, resident, mapped, retained, dev, mm, a2;
	uint64_t e0 = 0, fallbacks = 0;
	size_t len = sizeof(e0);
	void *keep = arenalloc_malloc(5000), *p;

	AC_ASSERT(keep, "malloc(5000)");
	AC_ASSERT(arenalloc_ctl("epoch", &e0, &len, NULL, 0) == 0, "epoch read");
	AC_ASSERT(ac_epoch() == 0, "epoch write");
	AC_ASSERT(ac_ctl_size("stats.allocated", &allocated) == 0, "stats.allocated");
	AC_ASSERT(ac_ctl_size("stats.active", &active) == 0, "stats.active");
	AC_ASSERT(ac_ctl_size("stats.metadata", &metadata) == 0, "stats.metadata");
	AC_ASSERT(ac_ctl_size("stats.resident", &resident) == 0, "stats.resident");
	AC_ASSERT(ac_ctl_size("stats.mapped", &mapped) == 0, "stats.mapped");
	AC_ASSERT(ac_ctl_size("stats.retained", &retained) == 0, "stats.retained");
	AC_ASSERT(ac_ctl_size("stats.chunks.device_mapped", &dev) == 0, "device_mapped");
	AC_ASSERT(ac_ctl_size("stats.chunks.mmap_mapped", &mm) == 0, "mmap_mapped");
	AC_ASSERT(ac_ctl_u64("stats.chunks.device_fallbacks", &fallbacks) == 0,
		  "device_fallbacks");
	AC_NOTE("allocated %zu active %zu metadata %zu resident %zu mapped %zu retained %zu",
		allocated, active, metadata, resident, mapped, retained);
	AC_ASSERT(allocated >= 5000 && allocated <= active, "allocated %zu, active %zu", allocated,
		  active);
	AC_ASSERT(active <= mapped, "active %zu > mapped %zu", active, mapped);
	AC_ASSERT(metadata > 0, "metadata 0");
	AC_ASSERT(resident >= metadata && resident > 0, "resident %zu, metadata %zu", resident,
		  metadata);
	AC_ASSERT(dev + mm >= mapped / 2 && dev + mm > 0,
		  "chunks: device %zu + mmap %zu, mapped %zu", dev, mm, mapped);

	/* a big allocation shows, and only after an epoch */
	p = arenalloc_malloc(8 << 20);
	AC_ASSERT(p, "malloc(8 MiB)");
	memset(p, 1, 8 << 20);
	AC_ASSERT(ac_epoch() == 0, "epoch");
	AC_ASSERT(ac_ctl_size("stats.allocated", &a2) == 0, "stats.allocated");
	AC_ASSERT(a2 >= allocated + (8 << 20) - (1 << 20), "stats.allocated %zu -> %zu for 8 MiB",
		  allocated, a2);
	arenalloc_free(p);
	AC_ASSERT(ac_epoch() == 0, "epoch");
	AC_ASSERT(ac_ctl_size("stats.allocated", &a2) == 0 && a2 < allocated + (4 << 20),
		  "stats.allocated %zu after the free", a2);
	arenalloc_free(keep);
}

AC_CASE(ctl_void_names_take_no_values)
{
	size_t v = 0, len = sizeof(v);

	AC_ASSERT(ac_ctl_void("thread.tcache.flush") == 0, "thread.tcache.flush");
	AC_ASSERT(arenalloc_ctl("thread.tcache.flush", &v, &len, NULL, 0) != 0,
		  "thread.tcache.flush read as a value");
	AC_ASSERT(arenalloc_ctl("arena.0.purge", NULL, NULL, &v, sizeof(v)) != 0,
		  "arena.0.purge written with a value");
}

/* ==== arenalloc_stats_print() ============================================================= */

struct text {
	char *buf;
	size_t len, cap;
	unsigned int calls;
};

static void collect(void *opaque, const char *s)
{
	struct text *t = opaque;
	size_t n = strlen(s);

	t->calls++;
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *b = realloc(t->buf, cap);

		if (!b)
			return;
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n + 1);
	t->len += n;
}

AC_CASE(json_checker_checks)
{
	size_t w;

	/* the checker itself, so that a pass below means something */
	AC_ASSERT(json_valid("{\"a\": [1, -2.5e3, true, null, \"x\\n\"], \"b\": {}}\n", &w), "ok");
	AC_ASSERT(!json_valid("{\"a\": 1,}", &w), "trailing comma");
	AC_ASSERT(!json_valid("{\"a\": 1}}", &w), "extra brace");
	AC_ASSERT(!json_valid("{\"a\" 1}", &w), "missing colon");
	AC_ASSERT(!json_valid("{\"a\": 01}", &w), "leading zero");
	AC_ASSERT(!json_valid("{\"a\": \"x", &w), "open string");
	AC_ASSERT(!json_valid("", &w), "empty");
}

AC_CASE(stats_print_text_and_json)
{
	static const char *const opts[] = { NULL, "", "a", "b", "ab" };
	struct text t = { NULL, 0, 0, 0 };
	void *keep = arenalloc_malloc(5000);
	unsigned int i;
	size_t where;
	char tail;
	bool ok;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		t.len = 0;
		t.calls = 0;
		arenalloc_stats_print(collect, &t, opts[i]);
		AC_ASSERT(t.calls > 0 && t.len > 0, "opts \"%s\": nothing written", opts[i]);
		AC_ASSERT(strcasestr(t.buf, "allocated"),
			  "opts \"%s\": no \"allocated\" in:\n%.300s",
			  opts[i] ? opts[i] : "(null)", t.buf);
	}
	for (i = 0; i < 4; i++) {
		static const char *const jopts[] = { "J", "Ja", "Jb", "Jab" };

		t.len = 0;
		arenalloc_stats_print(collect, &t, jopts[i]);
		AC_ASSERT(t.len > 2 && t.buf[0] == '{', "JSON does not start with '{': %.40s",
			  t.buf);
		tail = t.buf[t.len - 1] == '\n' ? t.buf[t.len - 2] : t.buf[t.len - 1];
		AC_ASSERT(tail == '}', "JSON does not end with '}': ...%s",
			  t.buf + (t.len > 40 ? t.len - 40 : 0));
		ok = json_valid(t.buf, &where);
		if (!ok)
			printf("# invalid JSON (\"%s\") at offset %zu: ...%.60s\n", jopts[i], where,
			       t.buf + (where > 30 ? where - 30 : 0));
		AC_ASSERT(ok, "stats_print(\"%s\") is not valid JSON", jopts[i]);
		AC_ASSERT(strstr(t.buf, "\"allocated\""), "no \"allocated\" key in the JSON");
	}
	free(t.buf);
	arenalloc_free(keep);
}

/*
 * The default arena count follows the CPUs the process may use, not the
 * machine's: a child started with a one-CPU affinity mask gets 4 arenas
 * (jemalloc's four per CPU), and 1 with percpu_arena.
 */
AC_CASE(default_narenas_follows_affinity)
{
	cpu_set_t all, one;
	struct ac_child r;
	bool four, percpu;

	AC_ASSERT(!sched_getaffinity(0, sizeof(all), &all), "sched_getaffinity");
	CPU_ZERO(&one);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &all)) {
			CPU_SET(cpu, &one);
			break;
		}
	}
	AC_ASSERT(!sched_setaffinity(0, sizeof(one), &one), "sched_setaffinity");
	run_opts(test, &r, NULL);
	four = opt_is(&r, "opt.narenas", "4");
	ac_child_release(&r);
	run_opts(test, &r, "percpu_arena:percpu");
	percpu = opt_is(&r, "opt.narenas", "1") && opt_is(&r, "opt.percpu_arena", "percpu");
	ac_child_release(&r);
	AC_ASSERT(!sched_setaffinity(0, sizeof(all), &all), "restoring the affinity");
	AC_ASSERT(four, "one allowed CPU did not give 4 arenas");
	AC_ASSERT(percpu, "one allowed CPU with percpu_arena did not give 1 arena");
}

AC_CASE(junk_fills_new_and_freed_memory)
{
	static const char * const confs[] = {
		"junk:true", "junk:alloc", "junk:free", "junk:false",
	};
	struct ac_child r;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		bool ok;

		AC_ASSERT(ac_run_self(&r, "junk", NULL, confs[i], CHILD_LIMIT_S) == 0, "start");
		ok = ac_child_ok(&r);
		ac_child_release(&r);
		AC_ASSERT(ok, "%s: child status %#x (exit code names the failed step)", confs[i],
			  r.status);
	}
}

AC_CASE(percpu_arena_follows_the_cpu)
{
	struct ac_child r;
	int status;

	AC_ASSERT(ac_run_self(&r, "percpu", NULL, "percpu_arena:percpu,dirty_decay_ms:-1",
			      CHILD_LIMIT_S) == 0, "start");
	fputs(r.out, stdout);
	status = r.status;
	ac_child_release(&r);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		AC_SKIP("the process may run on one CPU only");
	AC_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child status %#x (exit code names the failed step)", status);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(percpu_arena_follows_the_cpu),
	AC_CASE_ENTRY(junk_fills_new_and_freed_memory),
	AC_CASE_ENTRY(default_narenas_follows_affinity),
	AC_CASE_ENTRY(defaults_are_sane),
	AC_CASE_ENTRY(bad_entries_are_reported_once_and_ignored),
	AC_CASE_ENTRY(parsing_goes_on_after_a_bad_entry),
	AC_CASE_ENTRY(empty_string_and_trailing_comma),
	AC_CASE_ENTRY(good_values_take_effect),
	AC_CASE_ENTRY(abort_conf_aborts_on_a_bad_entry),
	AC_CASE_ENTRY(stats_print_at_exit),
	AC_CASE_ENTRY(stats_print_without_callback_writes_stderr),
	AC_CASE_ENTRY(ctl_unknown_names_are_enoent),
	AC_CASE_ENTRY(ctl_lengths_must_match),
	AC_CASE_ENTRY(ctl_read_only_names_are_eperm),
	AC_CASE_ENTRY(ctl_missing_arenas_are_errors),
	AC_CASE_ENTRY(ctl_constants),
	AC_CASE_ENTRY(ctl_stats_hold_their_invariants),
	AC_CASE_ENTRY(ctl_void_names_take_no_values),
	AC_CASE_ENTRY(json_checker_checks),
	AC_CASE_ENTRY(stats_print_text_and_json),
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	const char *mode = ac_child_mode(argc, argv);

	if (mode)
		return child_main(mode);
	return tap_run(cases);
}
