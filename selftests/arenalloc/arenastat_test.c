// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: arenastat, the operators' tool, against the live module.
 *
 * Runs the tool (ARENASTAT, default /arenalloc/bin/arenastat, where the
 * test VM puts it) in each format and parses what it prints: --json with
 * the strict checker shared with the module's own JSON test, --prometheus
 * with a checker of the text exposition format written here, the table for
 * its sections.  Also checks that figures agree with sysfs and that bad
 * usage is refused with status 2.  Skips when the tool or the module is
 * absent.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/arenalloc.h>

#include "kselftest_harness.h"
#include "sysfs_read.h"

#include "../../common/tests/json_check.h"

static char out[1 << 20];

/* Runs arenastat with @args; its stdout in out[]; returns its exit status. */
static int arenastat(const char *args)
{
	const char *tool = getenv("ARENASTAT") ?: "/arenalloc/bin/arenastat";
	char cmd[512];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s 2>/dev/null", tool, args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool tool_present(void)
{
	const char *tool = getenv("ARENASTAT") ?: "/arenalloc/bin/arenastat";

	return access(tool, X_OK) == 0 && access(ARENALLOC_SYSFS_DIR, F_OK) == 0;
}

static bool name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

/*
 * The Prometheus text format as node_exporter's textfile collector reads
 * it: HELP and TYPE before a metric's samples, each once; a metric's
 * samples together; names and label names well formed; label values
 * quoted with escapes; a number per sample; no sample twice.  Ours also:
 * every name starts with arenalloc_, every counter ends with _total.
 * Returns NULL or what is wrong.
 */
static const char *prom_check(char *text, int *nsamples)
{
	static char seen[4096][320];	/* samples: name and labels */
	static char names[1024][160];	/* metrics whose samples have ended */
	char typed[160] = "", helped[160] = "", last[160] = "";
	char *line, *save = NULL;
	int nseen = 0, nnames = 0;
	bool counter = false;

	*nsamples = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[160], key[320], *p = line, *end;
		size_t n;
		int i;

		if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7)) {
			bool help = line[2] == 'H';

			p = line + 7;
			n = strcspn(p, " ");
			if (!name_ok(p, n) || n >= sizeof(name) || !p[n])
				return "bad HELP/TYPE line";
			snprintf(name, sizeof(name), "%.*s", (int)n, p);
			if (help) {
				if (!strcmp(helped, name))
					return "HELP twice";
				snprintf(helped, sizeof(helped), "%s", name);
			} else {
				if (!strcmp(typed, name))
					return "TYPE twice";
				if (strcmp(p + n + 1, "counter") && strcmp(p + n + 1, "gauge"))
					return "TYPE neither counter nor gauge";
				counter = !strcmp(p + n + 1, "counter");
				snprintf(typed, sizeof(typed), "%s", name);
			}
			continue;
		}
		if (line[0] == '#')
			continue;
		n = strcspn(p, "{ ");
		if (!name_ok(p, n) || n >= sizeof(name))
			return "bad metric name";
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (strncmp(name, "arenalloc_", 10))
			return "metric without the arenalloc_ prefix";
		if (strcmp(name, typed) || strcmp(name, helped))
			return "sample before its HELP and TYPE";
		if (counter && (n < 6 || strcmp(name + n - 6, "_total")))
			return "counter not ending in _total";
		if (strcmp(name, last)) {
			for (i = 0; i < nnames; i++)
				if (!strcmp(names[i], name))
					return "samples of one metric not together";
			if (*last && nnames < 1024)
				snprintf(names[nnames++], sizeof(names[0]), "%s", last);
			snprintf(last, sizeof(last), "%s", name);
		}
		p += n;
		if (*p == '{') {
			p++;
			while (*p != '}') {
				n = strcspn(p, "=");
				if (!name_ok(p, n) || p[n] != '=' || p[n + 1] != '"')
					return "bad label";
				p += n + 2;
				while (*p && *p != '"')
					p += *p == '\\' ? 2 : 1;
				if (*p++ != '"')
					return "unterminated label value";
				if (*p == ',')
					p++;
				else if (*p != '}')
					return "bad label list";
			}
			p++;
		}
		if (*p++ != ' ')
			return "no space before the value";
		strtod(p, &end);
		if (end == p || *end)
			return "value not a number";
		snprintf(key, sizeof(key), "%.*s", (int)(p - line - 1), line);
		for (i = 0; i < nseen; i++)
			if (!strcmp(seen[i], key))
				return "the same sample twice";
		if (nseen < 4096)
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", key);
		(*nsamples)++;
	}
	return NULL;
}

TEST(json_is_valid_and_agrees_with_sysfs)
{
	char buf[64];
	size_t where;
	char *p;

	if (!tool_present())
		SKIP(return, "arenastat or the module is absent");
	ASSERT_EQ(0, arenastat("--json"));
	ASSERT_TRUE(json_valid(out, &where)) TH_LOG("invalid JSON near: %.40s", out + where);
	ASSERT_NE(NULL, strstr(out, "\"arenalloc\""));
	ASSERT_LT(0, read_sysfs("lg_chunk", buf, sizeof(buf)));
	p = strstr(out, "\"lg_chunk\"");
	ASSERT_NE(NULL, p) TH_LOG("no lg_chunk in --json");
	p += strlen("\"lg_chunk\"");
	while (*p == ' ' || *p == ':')
		p++;
	ASSERT_EQ(strtol(buf, NULL, 10), strtol(p, NULL, 10));
}

TEST(prometheus_is_valid_and_agrees_with_sysfs)
{
	char buf[64], want[96], *copy;
	const char *err;
	int n;

	if (!tool_present())
		SKIP(return, "arenastat or the module is absent");
	ASSERT_EQ(0, arenastat("--prometheus"));
	copy = strdup(out);
	ASSERT_NE(NULL, copy);
	err = prom_check(copy, &n);
	free(copy);
	ASSERT_EQ(NULL, err) TH_LOG("%s", err);
	ASSERT_LT(20, n);
	ASSERT_LT(0, read_sysfs("narenas", buf, sizeof(buf)));
	snprintf(want, sizeof(want), "\narenalloc_opt_narenas %ld\n", strtol(buf, NULL, 10));
	ASSERT_NE(NULL, strstr(out, want)) TH_LOG("no %s", want);
	ASSERT_NE(NULL, strstr(out, "# TYPE arenalloc_nmalloc_total counter"));
	ASSERT_NE(NULL, strstr(out, "arenalloc_arena_nmalloc_total{arena=\"0\",node=\""));
}

/* The checker itself must refuse what node_exporter would. */
TEST(prometheus_checker_refuses_bad_text)
{
	static const char *const bad[] = {
		"arenalloc_x 1\n",
		"# HELP arenalloc_x h\n# TYPE arenalloc_x gauge\narenalloc_x one\n",
		"# HELP arenalloc_x h\n# TYPE arenalloc_x counter\narenalloc_x 1\n",
		"# HELP x h\n# TYPE x gauge\nx 1\n",
		"# HELP arenalloc_x h\n# TYPE arenalloc_x gauge\narenalloc_x{a=\"1} 1\n",
		"# HELP arenalloc_x h\n# TYPE arenalloc_x gauge\narenalloc_x 1\narenalloc_x 2\n",
		"# HELP arenalloc_x h\n# TYPE arenalloc_x gauge\narenalloc_x 1\n"
		"# HELP arenalloc_y h\n# TYPE arenalloc_y gauge\narenalloc_y 1\narenalloc_x{a=\"1\"} 2\n",
	};
	char copy[512];
	unsigned int i;
	int n;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(copy, sizeof(copy), "%s", bad[i]);
		EXPECT_NE(NULL, prom_check(copy, &n)) TH_LOG("accepted: %s", bad[i]);
	}
	snprintf(copy, sizeof(copy), "%s",
		 "# HELP arenalloc_x_total h\n# TYPE arenalloc_x_total counter\n"
		 "arenalloc_x_total{a=\"1\",b=\"q\\\"\"} 3\n");
	EXPECT_EQ(NULL, prom_check(copy, &n));
}

TEST(table_has_every_section)
{
	static const char *const sections[] = {
		"\ntotal ", "\nnode 0 ", "\narena ", "\ndecay: ", "\ntcache: ",
		"\n/dev/arenalloc: ",
		"\nbusiest size classes: ",
	};
	unsigned int i;

	if (!tool_present())
		SKIP(return, "arenastat or the module is absent");
	ASSERT_EQ(0, arenastat(""));
	for (i = 0; i < ARRAY_SIZE(sections); i++)
		EXPECT_NE(NULL, strstr(out, sections[i])) TH_LOG("no '%s'", sections[i] + 1);
}

/*
 * A saved dump with size classes (the live module may have served none
 * yet when this runs): the table lists the busiest classes summed over
 * the arenas, by requests, and the Prometheus text labels them.
 */
static const char dump[] =
	"{\"arenalloc\": {\"version\": \"0.1.0\",\n"
	" \"opt\": {\"narenas\": 2, \"lg_chunk\": 21, \"dirty_decay_ms\": 10000,\n"
	"  \"tcache_max\": 32768, \"debug\": 0},\n"
	" \"stats\": {\"allocated\": 1000, \"active\": 4096, \"resident\": 9000,\n"
	"  \"nmalloc\": 7, \"nodes\": [{\"node\": 0, \"narenas\": 2, \"pages\": 3}]},\n"
	" \"arenas\": [\n"
	"  {\"ind\": 0, \"node\": 0, \"nthreads\": 1, \"bins\": [\n"
	"    {\"size\": 256, \"nmalloc\": 32, \"ndalloc\": 16, \"nrequests\": 64,\n"
	"     \"nflushes\": 1, \"nfills\": 2, \"curregs\": 16, \"curslabs\": 1},\n"
	"    {\"size\": 8, \"nmalloc\": 3, \"ndalloc\": 3, \"nrequests\": 3,\n"
	"     \"nflushes\": 0, \"nfills\": 1, \"curregs\": 0, \"curslabs\": 1}],\n"
	"   \"lextents\": [{\"size\": 20480, \"nmalloc\": 5, \"ndalloc\": 5,\n"
	"     \"nrequests\": 40, \"nflushes\": 1, \"curlextents\": 0}]},\n"
	"  {\"ind\": 1, \"node\": 0, \"nthreads\": 1, \"bins\": [\n"
	"    {\"size\": 8, \"nmalloc\": 100, \"ndalloc\": 0, \"nrequests\": 100,\n"
	"     \"nflushes\": 0, \"nfills\": 4, \"curregs\": 100, \"curslabs\": 1}],\n"
	"   \"lextents\": []}]}}\n";

static const char want_bin[] =
	"\narenalloc_arena_bin_nrequests_total{arena=\"0\",node=\"0\",size_class=\"256\"} 64\n";
static const char want_lextent[] =
	"\narenalloc_arena_lextent_curlextents{arena=\"0\",node=\"0\",size_class=\"20480\"} 0\n";

TEST(size_classes_from_a_saved_dump)
{
	const char *tool = getenv("ARENASTAT") ?: "/arenalloc/bin/arenastat";
	char path[] = "/tmp/arenastat_dumpXXXXXX", args[64], *copy, *p;
	const char *err;
	int fd, n;

	if (access(tool, X_OK))
		SKIP(return, "no arenastat");
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(dump), write(fd, dump, strlen(dump)));
	close(fd);
	snprintf(args, sizeof(args), "--file %s", path);
	ASSERT_EQ(0, arenastat(args));
	p = strstr(out, "\nbusiest size classes: top 3 of 3 by requests\n");
	ASSERT_NE(NULL, p) TH_LOG("%s", out);
	/* 8 bytes: 103 requests over both arenas, then 256 (64), then 20480 (40). */
	p = strchr(p + 1, '\n');
	p = strchr(p + 1, '\n');
	ASSERT_NE(NULL, p);
	EXPECT_NE(NULL, strstr(p, "\n         8            103 "));
	EXPECT_NE(NULL, strstr(p, "\n       256             64"));
	EXPECT_NE(NULL, strstr(p, "\n     20480             40"));

	snprintf(args, sizeof(args), "--prometheus --file %s", path);
	ASSERT_EQ(0, arenastat(args));
	unlink(path);
	copy = strdup(out);
	ASSERT_NE(NULL, copy);
	err = prom_check(copy, &n);
	free(copy);
	ASSERT_EQ(NULL, err) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(out, "# TYPE arenalloc_arena_bin_nrequests_total counter\n"));
	EXPECT_NE(NULL, strstr(out, want_bin));
	EXPECT_NE(NULL, strstr(out, want_lextent));
	EXPECT_NE(NULL, strstr(out, "\narenalloc_node_pages{node=\"0\"} 3\n"));
	EXPECT_NE(NULL, strstr(out, "\narenalloc_resident_bytes 9000\n"));
}

TEST(bad_usage_is_refused)
{
	if (!tool_present())
		SKIP(return, "arenastat or the module is absent");
	EXPECT_EQ(2, arenastat("--watch 0"));
	EXPECT_EQ(2, arenastat("--watch 1x"));
	EXPECT_EQ(2, arenastat("--bogus"));
	EXPECT_EQ(2, arenastat("extra"));
	EXPECT_EQ(1, arenastat("--file /nonexistent"));
	EXPECT_EQ(1, arenastat("--file /proc/version"));
}

TEST_HARNESS_MAIN
