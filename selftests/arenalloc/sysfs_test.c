// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: the /sys/kernel/arenalloc/ tree of a loaded arenalloc module.
 *
 * Checks that every documented file is there with its mode, that values
 * lie in their documented ranges, that bad writes fail with EINVAL and
 * change nothing, that good writes stick, and that read-only files refuse
 * writes.  Skips when the module is not loaded.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/arenalloc.h>

#include "kselftest_harness.h"
#include "sysfs_read.h"

#include "../../common/tests/json_check.h"

struct knob {
	const char *name;
	mode_t mode;
	long min;
	long max;	/* LONG_MAX: bounded by another knob, checked apart */
};

static const struct knob knobs[] = {
	{ "narenas",        0644, 1,  ARENALLOC_NARENAS_LIMIT },
	{ "lg_chunk",       0444, ARENALLOC_LG_CHUNK_LIMIT_MIN, 30 },
	{ "debug",          0444, 0,  1 },
	{ "dirty_decay_ms", 0644, -1, ARENALLOC_DECAY_MS_LIMIT },
	{ "muzzy_decay_ms", 0644, -1, ARENALLOC_DECAY_MS_LIMIT },
	{ "tcache_max",     0644, 0,  LONG_MAX },
	{ "tcache_gc_interval", 0644, 0, 3600000 },
	{ "stats_print_interval", 0644, 0, ARENALLOC_DECAY_MS_LIMIT },
};

static const char *const other_files[] = { "version", "pages" };

static int path_of(char *buf, size_t len, const char *name)
{
	return snprintf(buf, len, "%s/%s", ARENALLOC_SYSFS_DIR, name);
}

/* Writes @text in one write(); returns 0 or -errno (open or write). */
static int write_file(const char *name, const char *text)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	path_of(path, sizeof(path), name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Reads a knob as a number; the text must be a number and a newline. */
static int read_long(const char *name, long *val)
{
	char buf[64], *end;
	int n = read_sysfs(name, buf, sizeof(buf));

	if (n < 0)
		return n;
	errno = 0;
	*val = strtol(buf, &end, 10);
	if (errno || end == buf || strcmp(end, "\n"))
		return -EINVAL;
	return 0;
}

FIXTURE(sysfs) {
	long saved[ARRAY_SIZE(knobs)];
};

FIXTURE_SETUP(sysfs)
{
	const struct knob *k;

	if (access(ARENALLOC_SYSFS_DIR, F_OK))
		SKIP(return, "arenalloc is not loaded");
	for (k = knobs; k < knobs + ARRAY_SIZE(knobs); k++)
		ASSERT_EQ(0, read_long(k->name, &self->saved[k - knobs]))
			TH_LOG("cannot read %s", k->name);
}

/* Put back every run-time knob, whatever a test did. */
FIXTURE_TEARDOWN(sysfs)
{
	const struct knob *k;
	char text[32];

	if (access(ARENALLOC_SYSFS_DIR, F_OK))
		return;
	for (k = knobs; k < knobs + ARRAY_SIZE(knobs); k++) {
		if (!(k->mode & 0200))
			continue;
		snprintf(text, sizeof(text), "%ld", self->saved[k - knobs]);
		EXPECT_EQ(0, write_file(k->name, text));
	}
	EXPECT_EQ(0, write_file("arenas/0/dirty_decay_ms", "-2"));
	EXPECT_EQ(0, write_file("arenas/0/muzzy_decay_ms", "-2"));
}

TEST_F(sysfs, files_have_documented_modes)
{
	const struct knob *k;
	char path[PATH_MAX];
	struct stat st;
	size_t i;

	for (k = knobs; k < knobs + ARRAY_SIZE(knobs); k++) {
		path_of(path, sizeof(path), k->name);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s missing", path);
		EXPECT_TRUE(S_ISREG(st.st_mode));
		EXPECT_EQ(k->mode, st.st_mode & 07777) TH_LOG("%s", path);
	}
	for (i = 0; i < ARRAY_SIZE(other_files); i++) {
		path_of(path, sizeof(path), other_files[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s missing", path);
		EXPECT_EQ(0444, st.st_mode & 07777) TH_LOG("%s", path);
	}
}

TEST_F(sysfs, values_lie_in_documented_ranges)
{
	const struct knob *k;
	long v, lg_chunk;

	for (k = knobs; k < knobs + ARRAY_SIZE(knobs); k++) {
		ASSERT_EQ(0, read_long(k->name, &v));
		EXPECT_LE(k->min, v) TH_LOG("%s = %ld", k->name, v);
		EXPECT_GE(k->max, v) TH_LOG("%s = %ld", k->name, v);
	}
	ASSERT_EQ(0, read_long("lg_chunk", &lg_chunk));
	ASSERT_EQ(0, read_long("tcache_max", &v));
	EXPECT_LE(v, 1L << lg_chunk);
}

TEST_F(sysfs, bad_writes_fail_and_change_nothing)
{
	static const char *const bad[] = {
		"\n", "abc", "12abc", " 7", "1.5", "-2",
		"99999999999999999999999", "86400001", "0x",
	};
	const struct knob *k;
	long before, after;
	size_t j;

	for (k = knobs; k < knobs + ARRAY_SIZE(knobs); k++) {
		if (!(k->mode & 0200))
			continue;
		ASSERT_EQ(0, read_long(k->name, &before));
		for (j = 0; j < ARRAY_SIZE(bad); j++) {
			EXPECT_EQ(-EINVAL, write_file(k->name, bad[j]))
				TH_LOG("%s <- '%s'", k->name, bad[j]);
			ASSERT_EQ(0, read_long(k->name, &after));
			EXPECT_EQ(before, after) TH_LOG("%s <- '%s'", k->name, bad[j]);
		}
	}
}

TEST_F(sysfs, tcache_max_is_bounded_by_the_chunk)
{
	long lg_chunk, v;
	char text[32];

	ASSERT_EQ(0, read_long("lg_chunk", &lg_chunk));
	snprintf(text, sizeof(text), "%ld", (1L << lg_chunk) + 1);
	EXPECT_EQ(-EINVAL, write_file("tcache_max", text));
	snprintf(text, sizeof(text), "%ld", 1L << lg_chunk);
	EXPECT_EQ(0, write_file("tcache_max", text));
	ASSERT_EQ(0, read_long("tcache_max", &v));
	EXPECT_EQ(1L << lg_chunk, v);
}

TEST_F(sysfs, good_writes_stick)
{
	static const long decay_values[] = { -1, 0, 1, 5000, ARENALLOC_DECAY_MS_LIMIT };
	static const char *const decay_knobs[] = { "dirty_decay_ms", "muzzy_decay_ms" };
	char text[32];
	size_t i, j;
	long v;

	for (i = 0; i < ARRAY_SIZE(decay_knobs); i++) {
		for (j = 0; j < ARRAY_SIZE(decay_values); j++) {
			snprintf(text, sizeof(text), "%ld\n", decay_values[j]);
			ASSERT_EQ(0, write_file(decay_knobs[i], text));
			ASSERT_EQ(0, read_long(decay_knobs[i], &v));
			EXPECT_EQ(decay_values[j], v);
		}
	}
	ASSERT_EQ(0, write_file("tcache_max", "0"));
	ASSERT_EQ(0, read_long("tcache_max", &v));
	EXPECT_EQ(0, v);
}

TEST_F(sysfs, read_only_files_refuse_writes)
{
	const struct knob *k;

	for (k = knobs; k < knobs + ARRAY_SIZE(knobs); k++)
		if (!(k->mode & 0200))
			EXPECT_EQ(-EACCES, write_file(k->name, "1")) TH_LOG("%s", k->name);
	EXPECT_EQ(-EACCES, write_file("version", "1"));
	EXPECT_EQ(-EACCES, write_file("pages", "1"));
}

TEST_F(sysfs, version_is_semver)
{
	unsigned int major, minor, patch;
	char buf[64], nl;
	int n;

	ASSERT_LT(0, read_sysfs("version", buf, sizeof(buf)));
	n = sscanf(buf, "%u.%u.%u%c", &major, &minor, &patch, &nl);
	EXPECT_EQ(4, n);
	EXPECT_EQ('\n', nl);
}

/* Counts the nodes in a cpulist-style file such as has_memory ("0-1,3"). */
static int count_list(const char *path)
{
	int a, b, n = 0, count = 0;
	char buf[256], *p = buf;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	while (sscanf(p, "%d%n", &a, &n) == 1) {
		p += n;
		b = a;
		if (*p == '-' && sscanf(p + 1, "%d%n", &b, &n) == 1)
			p += 1 + n;
		count += b - a + 1;
		if (*p != ',')
			break;
		p++;
	}
	return count;
}

TEST_F(sysfs, pages_has_one_entry_per_memory_node)
{
	char buf[4096], *tok, *save;
	int nodes, entries = 0;
	unsigned long pages;
	int nid;

	nodes = count_list("/sys/devices/system/node/has_memory");
	ASSERT_LT(0, nodes);
	ASSERT_LT(0, read_sysfs("pages", buf, sizeof(buf)));
	ASSERT_EQ('\n', buf[strlen(buf) - 1]);
	buf[strlen(buf) - 1] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		int fields, n = 0;

		fields = sscanf(tok, "N%d=%lu%n", &nid, &pages, &n);
		EXPECT_EQ(2, fields) TH_LOG("'%s'", tok);
		EXPECT_EQ(strlen(tok), (size_t)n) TH_LOG("'%s'", tok);
		entries++;
	}
	EXPECT_EQ(nodes, entries);
}

static const char *const stats_files[] = {
	"narenas", "allocated", "active", "mapped", "metadata", "tcache_bytes",
	"nmalloc", "ndalloc", "tcache_hits", "tcache_misses", "tcache_fills",
	"tcache_flushes", "node_fallbacks", "pdirty", "pmuzzy", "retained", "npurge",
	"purged", "nmadvise", "resident",
};

TEST_F(sysfs, stats_are_consistent)
{
	char name[64];
	long v[ARRAY_SIZE(stats_files)], narenas;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stats_files); i++) {
		snprintf(name, sizeof(name), "stats/%s", stats_files[i]);
		ASSERT_EQ(0, read_long(name, &v[i])) TH_LOG("%s", name);
		EXPECT_LE(0, v[i]) TH_LOG("%s", name);
	}
	ASSERT_EQ(0, read_long("narenas", &narenas));
	EXPECT_LE(narenas, v[0]);	/* automatic ones, at least */
	EXPECT_LE(v[2], v[3]);		/* active <= mapped */
	EXPECT_LT(0, v[4]);		/* metadata: the arenas themselves */
	EXPECT_EQ(-EACCES, write_file("stats/allocated", "0"));
	EXPECT_EQ(v[14] * sysconf(_SC_PAGESIZE), v[15]);	/* retained = pmuzzy pages */
	EXPECT_LE(v[4], v[19]);		/* resident counts metadata */
	EXPECT_LE(v[16] == 0, v[18] == 0);	/* no nmadvise without npurge */
}

/*
 * A trigger file (purge, decay; global or an arena's): write-only by root
 * (0200), unreadable, "1" only.
 */
static void check_trigger(struct __test_metadata *_metadata, const char *name)
{
	static const char *const bad[] = { "0", "2", "-1", "x", "\n", "1 1", "0x2" };
	char path[PATH_MAX], buf[8];
	struct stat st;
	size_t j;

	path_of(path, sizeof(path), name);
	ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s missing", path);
	EXPECT_EQ(0200, st.st_mode & 07777) TH_LOG("%s", path);
	EXPECT_EQ(-EACCES, read_sysfs(name, buf, sizeof(buf))) TH_LOG("%s", name);
	for (j = 0; j < ARRAY_SIZE(bad); j++)
		EXPECT_EQ(-EINVAL, write_file(name, bad[j])) TH_LOG("%s '%s'", name, bad[j]);
	EXPECT_EQ(0, write_file(name, "1\n")) TH_LOG("%s", name);
}

/*
 * purge and decay: write-only, "1" only; a purge leaves nothing dirty or
 * retained (nothing else allocates from arenalloc while this runs).
 */
TEST_F(sysfs, purge_and_decay_triggers)
{
	long v;

	check_trigger(_metadata, "purge");
	check_trigger(_metadata, "decay");
	ASSERT_EQ(0, write_file("purge", "1"));
	ASSERT_EQ(0, read_long("stats/pdirty", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, read_long("stats/pmuzzy", &v));
	EXPECT_EQ(0, v);
}

TEST_F(sysfs, arenas_cover_every_cpu)
{
	long narenas, node, nthreads, total = 0;
	int cpus = count_list("/sys/devices/system/cpu/possible");
	char name[64];
	long i;

	ASSERT_EQ(0, read_long("narenas", &narenas));
	for (i = 0; i < narenas; i++) {
		snprintf(name, sizeof(name), "arenas/%ld/node", i);
		ASSERT_EQ(0, read_long(name, &node)) TH_LOG("%s", name);
		EXPECT_LE(0, node);
		snprintf(name, sizeof(name), "arenas/%ld/nthreads", i);
		ASSERT_EQ(0, read_long(name, &nthreads)) TH_LOG("%s", name);
		total += nthreads;
	}
	snprintf(name, sizeof(name), "arenas/%ld/node", narenas);
	EXPECT_EQ(-ENOENT, read_long(name, &node));
	EXPECT_EQ(cpus, total);
}

/* CPUs bound over arenas/<i>/nthreads, 0 <= i < @narenas. */
static long bound_cpus(struct __test_metadata *_metadata, long narenas)
{
	long i, nthreads, total = 0;
	char name[64];

	for (i = 0; i < narenas; i++) {
		snprintf(name, sizeof(name), "arenas/%ld/nthreads", i);
		EXPECT_EQ(0, read_long(name, &nthreads)) TH_LOG("%s", name);
		total += nthreads;
	}
	return total;
}

/*
 * narenas at run time: a good value sticks, arenas/<i>/ follows it and
 * every CPU stays bound; a bad one (not a number, 0, negative, above the
 * limit, overflowing, trailing junk) is EINVAL and changes nothing.
 */
TEST_F(sysfs, narenas_is_live)
{
	static const char *const bad[] = {
		"0", "-1", "257", "99999999999999999999999", "3abc", "abc", "\n", "2 3",
	};
	int cpus = count_list("/sys/devices/system/cpu/possible");
	long n0, v, want;
	char text[32], name[64];
	size_t j;

	ASSERT_EQ(0, read_long("narenas", &n0));
	for (j = 0; j < ARRAY_SIZE(bad); j++) {
		EXPECT_EQ(-EINVAL, write_file("narenas", bad[j])) TH_LOG("narenas <- '%s'", bad[j]);
		ASSERT_EQ(0, read_long("narenas", &v));
		EXPECT_EQ(n0, v) TH_LOG("narenas <- '%s'", bad[j]);
	}
	snprintf(text, sizeof(text), "%d", ARENALLOC_NARENAS_LIMIT + 1);
	EXPECT_EQ(-EINVAL, write_file("narenas", text));

	ASSERT_EQ(0, write_file("narenas", "1\n"));
	ASSERT_EQ(0, read_long("narenas", &v));
	EXPECT_EQ(1, v);
	EXPECT_EQ(-ENOENT, read_long("arenas/1/node", &v));
	EXPECT_EQ(cpus, bound_cpus(_metadata, 1));

	want = n0 + 2 > ARENALLOC_NARENAS_LIMIT ? ARENALLOC_NARENAS_LIMIT : n0 + 2;
	snprintf(text, sizeof(text), "%ld", want);
	ASSERT_EQ(0, write_file("narenas", text));
	ASSERT_EQ(0, read_long("narenas", &v));
	EXPECT_EQ(want, v);
	snprintf(name, sizeof(name), "arenas/%ld/node", want - 1);
	EXPECT_EQ(0, read_long(name, &v)) TH_LOG("%s", name);
	EXPECT_EQ(cpus, bound_cpus(_metadata, want));

	snprintf(text, sizeof(text), "%ld", n0);
	ASSERT_EQ(0, write_file("narenas", text));
	snprintf(name, sizeof(name), "arenas/%ld/node", n0);
	EXPECT_EQ(-ENOENT, read_long(name, &v));
	EXPECT_EQ(cpus, bound_cpus(_metadata, n0));
}

static const char *const bad_decay[] = {
	"\n", "abc", "12abc", " 7", "1.5", "-3", "99999999999999999999999", "86400001", "0x",
};

/*
 * arenas/<i>/dirty_decay_ms and muzzy_decay_ms: -2 (follow the global
 * value) by default; -2..86400000 accepted; anything else refused with
 * EINVAL and nothing changed.
 */
TEST_F(sysfs, arena_decay_windows)
{
	static const long good[] = { -1, 0, 1, 5000, ARENALLOC_DECAY_MS_LIMIT, -2 };
	static const char *const names[] = {
		"arenas/0/dirty_decay_ms", "arenas/0/muzzy_decay_ms",
	};
	char path[PATH_MAX], text[32];
	struct stat st;
	size_t i, j;
	long v;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		path_of(path, sizeof(path), names[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s missing", path);
		EXPECT_EQ(0644, st.st_mode & 07777) TH_LOG("%s", path);
		ASSERT_EQ(0, read_long(names[i], &v));
		EXPECT_EQ(-2, v) TH_LOG("%s", names[i]);
		for (j = 0; j < ARRAY_SIZE(bad_decay); j++) {
			EXPECT_EQ(-EINVAL, write_file(names[i], bad_decay[j]))
				TH_LOG("%s <- '%s'", names[i], bad_decay[j]);
			ASSERT_EQ(0, read_long(names[i], &v));
			EXPECT_EQ(-2, v) TH_LOG("%s <- '%s'", names[i], bad_decay[j]);
		}
		for (j = 0; j < ARRAY_SIZE(good); j++) {
			snprintf(text, sizeof(text), "%ld\n", good[j]);
			ASSERT_EQ(0, write_file(names[i], text));
			ASSERT_EQ(0, read_long(names[i], &v));
			EXPECT_EQ(good[j], v) TH_LOG("%s", names[i]);
		}
	}
}

/*
 * Every automatic arena has its purge and decay triggers (write-only,
 * "1" only) and its statistics; an arena's purge leaves it nothing dirty.
 */
TEST_F(sysfs, arena_triggers_and_stats)
{
	static const char *const stats[] = {
		"allocated", "active", "mapped", "resident", "nmalloc", "ndalloc",
		"node_fallbacks", "pdirty", "pmuzzy", "retained", "npurge", "nmadvise",
		"purged",
	};
	long narenas, v, mapped = 0, total;
	char name[64];
	size_t i;
	long a;

	ASSERT_EQ(0, read_long("narenas", &narenas));
	for (a = 0; a < narenas; a++) {
		snprintf(name, sizeof(name), "arenas/%ld/decay", a);
		check_trigger(_metadata, name);
		snprintf(name, sizeof(name), "arenas/%ld/purge", a);
		check_trigger(_metadata, name);
		snprintf(name, sizeof(name), "arenas/%ld/stats/pdirty", a);
		ASSERT_EQ(0, read_long(name, &v));
		EXPECT_EQ(0, v) TH_LOG("%s after purge", name);
		for (i = 0; i < ARRAY_SIZE(stats); i++) {
			snprintf(name, sizeof(name), "arenas/%ld/stats/%s", a, stats[i]);
			ASSERT_EQ(0, read_long(name, &v)) TH_LOG("%s", name);
			EXPECT_LE(0, v) TH_LOG("%s", name);
			EXPECT_EQ(-EACCES, write_file(name, "0")) TH_LOG("%s", name);
			if (!strcmp(stats[i], "mapped"))
				mapped += v;
		}
	}
	ASSERT_EQ(0, read_long("stats/mapped", &total));
	EXPECT_LE(mapped, total);
}

/* Every writable file refuses a user other than root. */
TEST_F(sysfs, writes_are_root_only)
{
	static const char *const names[] = {
		"narenas", "dirty_decay_ms", "muzzy_decay_ms", "tcache_max", "tcache_gc_interval",
		"stats_print_interval", "purge", "decay", "arenas/0/dirty_decay_ms",
		"arenas/0/muzzy_decay_ms", "arenas/0/purge", "arenas/0/decay",
	};
	int status;
	pid_t pid;
	size_t i;

	if (geteuid())
		SKIP(return, "not root");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (write_file(names[i], "1") != -EACCES) {
				fprintf(stderr, "# %s writable by uid 65534\n", names[i]);
				_exit(1);
			}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * stats_print_interval: a one-line summary reaches the kernel log; the
 * test waits for the record itself (poll on /dev/kmsg, bounded), not for
 * a time.
 */
TEST_F(sysfs, stats_print_interval_logs_a_summary)
{
	struct pollfd pfd;
	char rec[2048];
	bool seen = false;
	int fd, i;
	ssize_t n;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		SKIP(return, "no /dev/kmsg");
	lseek(fd, 0, SEEK_END);
	ASSERT_EQ(0, write_file("stats_print_interval", "10"));
	pfd.fd = fd;
	pfd.events = POLLIN;
	/*
	 * The work is deferrable: it runs when its CPU is awake, which the
	 * poll's 1 s timeouts make sure of.  At most 300 wakeups: a hang
	 * bound, not a timing.
	 */
	for (i = 0; i < 300 && !seen; i++) {
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		n = read(fd, rec, sizeof(rec) - 1);
		if (n <= 0)
			continue;
		rec[n] = 0;
		seen = strstr(rec, "arenalloc: stats: allocated ") && strstr(rec, " resident ");
	}
	EXPECT_EQ(0, write_file("stats_print_interval", "0"));
	close(fd);
	EXPECT_TRUE(seen);
}

#define JSON_PATH "/sys/kernel/debug/arenalloc/stats.json"

/* The value after "@key": in @json, or -1. */
static long long json_number_of(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(json, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/*
 * The JSON dump in debugfs is one valid document, in libarenalloc's shape,
 * and agrees with the sysfs files (the module is idle meanwhile).
 */
TEST_F(sysfs, json_dump_is_valid_and_agrees)
{
	static const char head[] = "{\"arenalloc\": {\"version\": ";
	static char json[1 << 17];
	long narenas, mapped;
	const char *p;
	size_t where;
	ssize_t n;
	int fd, count = 0;

	fd = open(JSON_PATH, O_RDONLY);
	if (fd < 0)
		SKIP(return, "no " JSON_PATH " (debugfs not mounted?)");
	n = read(fd, json, sizeof(json) - 1);
	close(fd);
	ASSERT_LT(0, n);
	ASSERT_GT((ssize_t)sizeof(json) - 1, n) TH_LOG("dump larger than the test's buffer");
	json[n] = 0;
	EXPECT_TRUE(json_valid(json, &where)) TH_LOG("invalid at %zu: %.40s", where, json + where);
	EXPECT_EQ(0, strncmp(json, head, strlen(head)));
	EXPECT_NE(NULL, strstr(json, "\"opt\": {"));
	EXPECT_NE(NULL, strstr(json, "\"stats\": {"));
	EXPECT_NE(NULL, strstr(json, "\"arenas\": ["));
	EXPECT_NE(NULL, strstr(json, "\"nodes\": ["));
	EXPECT_NE(NULL, strstr(json, "\"fragmentation\": "));
	EXPECT_NE(NULL, strstr(json, "\"resident\": "));
	EXPECT_NE(NULL, strstr(json, "\"nmadvise\": "));
	EXPECT_NE(NULL, strstr(json, "\"bins\": ["));
	EXPECT_NE(NULL, strstr(json, "\"lextents\": ["));
	for (p = json; (p = strstr(p, "\"ind\": ")); p++)
		count++;
	ASSERT_EQ(0, read_long("stats/narenas", &narenas));
	EXPECT_EQ(narenas, count);
	ASSERT_EQ(0, read_long("stats/mapped", &mapped));
	EXPECT_EQ(mapped, json_number_of(json, "mapped"));
	ASSERT_EQ(0, read_long("narenas", &narenas));
	EXPECT_EQ(narenas, json_number_of(json, "narenas"));
}

TEST_HARNESS_MAIN
