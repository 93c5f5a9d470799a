// SPDX-License-Identifier: GPL-2.0
/*
 * arenastat: arenalloc.ko's statistics for operators.
 *
 *   arenastat [--json | --prometheus] [--watch SECONDS] [--file PATH]
 *
 * Reads the module's JSON dump (/sys/kernel/debug/arenalloc/stats.json,
 * the shape of libarenalloc's malloc_stats_print("J")) and the device's
 * pages per node (/sys/kernel/arenalloc/dev/node_pages), and prints
 *   - by default, a table: totals, per node, per arena, the busiest size
 *     classes (when the module reports them), the device's pages per node;
 *   - --json: the dump itself, re-serialised (so it is checked JSON);
 *   - --prometheus: the text exposition format for node_exporter's
 *     textfile collector: every number of the dump as a metric named
 *     arenalloc_<path>, with the unit in the name (_bytes, _pages),
 *     counters ending in _total, HELP and TYPE lines, and labels for
 *     arena, node and size class.
 * --watch SECONDS repeats the table (or the format asked for) every
 * SECONDS, with the rate per second of every counter in the table.
 * --file PATH reads a saved dump instead of debugfs.
 *
 * The walk over the dump is generic: a number the module adds later shows
 * up in --prometheus and --json without a change here.  Exit status: 0, 1
 * when the statistics cannot be read (with a message saying why), 2 for
 * bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SYSFS_DIR	"/sys/kernel/arenalloc"
#define DEBUGFS_DIR	"/sys/kernel/debug"
#define JSON_PATH	DEBUGFS_DIR "/arenalloc/stats.json"
#define NODE_PAGES	SYSFS_DIR "/dev/node_pages"

/* One number of the dump, flattened. */
struct sample {
	char name[128];		/* Prometheus name, arenalloc_... */
	char path[128];		/* dotted path in the dump, for HELP */
	char labels[128];	/* 'arena="0",node="1"' or "" */
	double value;
	bool counter;
};

struct samples {
	struct sample *v;
	size_t n, cap;
};

static const char *const bytes_keys[] = {
	"allocated", "active", "metadata", "resident", "mapped", "retained",
	"dirty_bytes", "muzzy_bytes", "tcache_bytes", NULL,
};

static const char *const pages_keys[] = {
	"pactive", "pdirty", "pmuzzy", "pzeroed", "dev_pdirty", "pages", "node_pages", NULL,
};

static const char *const counter_keys[] = {
	"nmalloc", "ndalloc", "nrequests", "nfills", "nflushes", "npurge",
	"nmadvise", "purged", "hits", "misses", "fills", "flushes", "faults",
	"fork_copied", "fork_failed", "node_fallbacks", "dirty_npurge", "dirty_purged",
	"zero_inline", NULL,
};

static bool in(const char *const *set, const char *key)
{
	for (; *set; set++)
		if (!strcmp(*set, key))
			return true;
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static void add_sample(struct samples *s, const char *flat, const char *path,
		       const char *key, const char *labels, double value)
{
	struct sample *x;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v) {
			perror("arenastat");
			exit(1);
		}
	}
	x = &s->v[s->n++];
	x->counter = in(counter_keys, key);
	snprintf(x->name, sizeof(x->name), "arenalloc_%s%s", flat,
		 x->counter ? "_total" :
		 in(bytes_keys, key) && !ends_with(flat, "_bytes") ? "_bytes" :
		 in(pages_keys, key) && !ends_with(flat, "pages") ? "_pages" : "");
	snprintf(x->path, sizeof(x->path), "%s", path);
	snprintf(x->labels, sizeof(x->labels), "%s", labels);
	x->value = value;
}

/* The label an element of the array @key gets: arenas -> arena="<ind>". */
static void element_labels(char *out, size_t size, const char *outer, const char *key,
			   struct json_object *el)
{
	static const char *const id_keys[] = { "ind", "size", "node", NULL };
	struct json_object *v, *node;
	char singular[64];
	const char *const *k;
	size_t n = strlen(key);

	snprintf(singular, sizeof(singular), "%.*s", (int)(n > 1 && key[n - 1] == 's' ? n - 1 : n),
		 key);
	for (k = id_keys; *k; k++)
		if (json_object_object_get_ex(el, *k, &v))
			break;
	snprintf(out, size, "%s%s%s=\"%s\"", outer, *outer ? "," : "",
		 !strcmp(*k ? *k : "", "size") ? "size_class" : singular,
		 *k ? json_object_get_string(v) : "?");
	if (strcmp(*k ? *k : "", "node") && json_object_object_get_ex(el, "node", &node)) {
		n = strlen(out);
		snprintf(out + n, size - n, ",node=\"%s\"", json_object_get_string(node));
	}
}

/* Flatten @obj: numbers become samples; arrays of objects add a label. */
static void walk(struct samples *s, struct json_object *obj, const char *flat,
		 const char *path, const char *labels)
{
	json_object_object_foreach(obj, key, val) {
		char f[128], p[128];

		/* The top-level "stats" names nothing: arenalloc_allocated_bytes. */
		if (!*path && !strcmp(key, "stats"))
			*f = 0;
		else
			snprintf(f, sizeof(f), "%s%s%s", flat, *flat ? "_" : "", key);
		snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
		switch (json_object_get_type(val)) {
		case json_type_int:
		case json_type_double:
			/* Identifying fields are labels, not metrics. */
			if (*labels && (!strcmp(key, "ind") || !strcmp(key, "node") ||
					!strcmp(key, "size")))
				break;
			add_sample(s, f, p, key, labels, json_object_get_double(val));
			break;
		case json_type_boolean:
			add_sample(s, f, p, key, labels, json_object_get_boolean(val));
			break;
		case json_type_object:
			walk(s, val, f, p, labels);
			break;
		case json_type_array: {
			size_t i, n;
			char sing[64];

			n = strlen(f) - ends_with(f, "s");
			snprintf(sing, sizeof(sing), "%.*s", (int)n, f);
			for (i = 0; i < json_object_array_length(val); i++) {
				struct json_object *el = json_object_array_get_idx(val, i);
				char l[128];

				if (!el || json_object_get_type(el) != json_type_object)
					continue;
				element_labels(l, sizeof(l), labels, key, el);
				walk(s, el, sing, p, l);
			}
			break;
		}
		default:
			break;
		}
	}
}

/* ---- reading ------------------------------------------------------------ */

static struct json_object *read_dump(const char *file)
{
	const char *path = file ? file : JSON_PATH;
	struct json_object *root, *top;

	if (!file && access(SYSFS_DIR, F_OK)) {
		fprintf(stderr, "arenastat: arenalloc.ko is not loaded (no %s)\n", SYSFS_DIR);
		return NULL;
	}
	if (!file && access(DEBUGFS_DIR "/arenalloc", F_OK)) {
		fprintf(stderr, "arenastat: %s: %s\n", JSON_PATH,
			errno == EACCES ? "debugfs is readable by root only: run as root" :
			"debugfs is not mounted (mount -t debugfs none " DEBUGFS_DIR ")");
		return NULL;
	}
	root = json_object_from_file(path);
	if (!root) {
		fprintf(stderr, "arenastat: %s: %s\n", path, errno == EACCES ?
			"permission denied: run as root" : json_util_get_last_err());
		return NULL;
	}
	if (!json_object_object_get_ex(root, "arenalloc", &top) ||
	    json_object_get_type(top) != json_type_object) {
		fprintf(stderr, "arenastat: %s: not an arenalloc dump (no \"arenalloc\" object)\n",
			path);
		json_object_put(root);
		return NULL;
	}
	return root;
}

static double num(struct json_object *obj, const char *path)
{
	char buf[128], *key, *save = NULL;
	struct json_object *cur = obj;

	snprintf(buf, sizeof(buf), "%s", path);
	for (key = strtok_r(buf, ".", &save); key; key = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(cur, key, &cur))
			return 0;
	return json_object_get_double(cur);
}

/* ---- output ------------------------------------------------------------- */

static int cmp_sample(const void *a, const void *b)
{
	return strcmp(((const struct sample *)a)->name, ((const struct sample *)b)->name);
}

static void print_prometheus(struct json_object *top)
{
	struct samples s = { 0 };
	const char *prev = "";
	size_t i;

	walk(&s, top, "", "", "");
	/* Stable enough: same-name samples keep their dump order by label. */
	qsort(s.v, s.n, sizeof(*s.v), cmp_sample);
	for (i = 0; i < s.n; i++) {
		struct sample *x = &s.v[i];

		if (strcmp(x->name, prev)) {
			printf("# HELP %s arenalloc statistic %s\n", x->name, x->path);
			printf("# TYPE %s %s\n", x->name, x->counter ? "counter" : "gauge");
			prev = x->name;
		}
		if (*x->labels)
			printf("%s{%s} %.17g\n", x->name, x->labels, x->value);
		else
			printf("%s %.17g\n", x->name, x->value);
	}
	free(s.v);
}

static const char *human(double bytes, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
	return buf;
}

#define MAX_NODES	64
#define MAX_CLASSES	128
#define TOP_CLASSES	10

/* One size class summed over the arenas. */
struct class_row {
	double size, nrequests, nmalloc, ndalloc, cur, curslabs, nfills, nflushes;
};

static int cmp_requests(const void *a, const void *b)
{
	const struct class_row *x = a, *y = b;

	return (x->nrequests < y->nrequests) - (x->nrequests > y->nrequests);
}

/* Adds the classes of @list (an arena's "bins" or "lextents") to @rows. */
static size_t add_classes(struct class_row *rows, size_t nrows, struct json_object *list)
{
	size_t i, j;

	for (i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *cl = json_object_array_get_idx(list, i);
		double size = num(cl, "size");

		for (j = 0; j < nrows && rows[j].size != size; j++)
			;
		if (j == nrows) {
			if (nrows == MAX_CLASSES)
				continue;
			memset(&rows[nrows], 0, sizeof(rows[0]));
			rows[nrows++].size = size;
		}
		rows[j].nrequests += num(cl, "nrequests");
		rows[j].nmalloc += num(cl, "nmalloc");
		rows[j].ndalloc += num(cl, "ndalloc");
		rows[j].cur += num(cl, "curregs") + num(cl, "curlextents");
		rows[j].curslabs += num(cl, "curslabs");
		rows[j].nfills += num(cl, "nfills");
		rows[j].nflushes += num(cl, "nflushes");
	}
	return nrows;
}

/* The busiest size classes over all arenas, by requests. */
static void print_classes(struct json_object *arenas, size_t n)
{
	struct class_row rows[MAX_CLASSES];
	size_t i, nrows = 0;
	bool reported = false;

	for (i = 0; i < n; i++) {
		struct json_object *ar = json_object_array_get_idx(arenas, i), *l;

		if (json_object_object_get_ex(ar, "bins", &l)) {
			reported = true;
			nrows = add_classes(rows, nrows, l);
		}
		if (json_object_object_get_ex(ar, "lextents", &l))
			nrows = add_classes(rows, nrows, l);
	}
	printf("\nbusiest size classes: ");
	if (!reported) {
		printf("not reported by this module version\n");
		return;
	}
	if (!nrows) {
		printf("none used yet\n");
		return;
	}
	qsort(rows, nrows, sizeof(rows[0]), cmp_requests);
	printf("top %zu of %zu by requests\n", nrows < TOP_CLASSES ? nrows : TOP_CLASSES, nrows);
	printf("%10s %14s %14s %14s %10s %8s %10s %10s\n", "size", "nrequests", "nmalloc",
	       "ndalloc", "curregs", "curslabs", "nfills", "nflushes");
	for (i = 0; i < nrows && i < TOP_CLASSES; i++)
		printf("%10.0f %14.0f %14.0f %14.0f %10.0f %8.0f %10.0f %10.0f\n", rows[i].size,
		       rows[i].nrequests, rows[i].nmalloc, rows[i].ndalloc, rows[i].cur,
		       rows[i].curslabs, rows[i].nfills, rows[i].nflushes);
}

static void print_table(struct json_object *top, struct json_object *prev, double dt)
{
	struct json_object *arenas = NULL, *stats = NULL, *nodes;
	double node_alloc[MAX_NODES] = { 0 }, node_active[MAX_NODES] = { 0 };
	int node_arenas[MAX_NODES] = { 0 };
	char a[32], b[32], c[32], d[32], e[32], f1[32];
	double alloc, active;
	size_t i, n;
	FILE *f;

	json_object_object_get_ex(top, "stats", &stats);
	json_object_object_get_ex(top, "arenas", &arenas);
	alloc = num(top, "stats.allocated");
	active = num(top, "stats.active");
	printf("arenalloc %s: %d arenas, chunk %s, tcache_max %s, dirty_decay_ms %.0f, "
	       "debug %.0f\n",
	       json_object_get_string(json_object_object_get(top, "version")),
	       (int)json_object_array_length(arenas),
	       human((double)(1UL << (int)num(top, "opt.lg_chunk")), a, sizeof(a)),
	       human(num(top, "opt.tcache_max"), b, sizeof(b)), num(top, "opt.dirty_decay_ms"),
	       num(top, "opt.debug"));
	printf("\n%-10s %12s %12s %12s %12s %12s %12s %8s\n", "", "allocated", "active",
	       "mapped", "retained", "metadata", "tcache", "frag");
	printf("%-10s %12s %12s %12s %12s %12s %12s %7.1f%%\n", "total",
	       human(alloc, a, sizeof(a)), human(active, b, sizeof(b)),
	       human(num(top, "stats.mapped"), c, sizeof(c)),
	       human(num(top, "stats.retained"), f1, sizeof(f1)),
	       human(num(top, "stats.metadata"), d, sizeof(d)),
	       human(num(top, "stats.tcache_bytes"), e, sizeof(e)),
	       active ? 100.0 * (1 - alloc / active) : 0.0);
	printf("resident %s\n", human(num(top, "stats.resident"), a, sizeof(a)));

	n = arenas ? json_object_array_length(arenas) : 0;
	if (json_object_object_get_ex(stats, "nodes", &nodes)) {
		/* The module's own per-node totals (retained pools, pages held). */
		for (i = 0; i < json_object_array_length(nodes); i++) {
			struct json_object *nd = json_object_array_get_idx(nodes, i);

			printf("node %-5.0f %12s %12s %12s %12s   (%.0f arenas, %.0f pages held, "
			       "%.0f of them the device's)\n", num(nd, "node"),
			       human(num(nd, "allocated"), a, sizeof(a)),
			       human(num(nd, "active"), b, sizeof(b)),
			       human(num(nd, "mapped"), c, sizeof(c)),
			       human(num(nd, "pmuzzy") * 4096, d, sizeof(d)), num(nd, "narenas"),
			       num(nd, "pages"), num(nd, "dev_pages"));
		}
	} else {
		for (i = 0; i < n; i++) {
			struct json_object *ar = json_object_array_get_idx(arenas, i);
			int node = (int)num(ar, "node");

			if (node < 0 || node >= MAX_NODES)
				continue;
			node_alloc[node] += num(ar, "small.allocated") +
					    num(ar, "large.allocated") + num(ar, "huge.allocated");
			node_active[node] += num(ar, "pactive") * 4096 + num(ar, "huge.allocated");
			node_arenas[node]++;
		}
		for (i = 0; i < MAX_NODES; i++)
			if (node_arenas[i])
				printf("node %-5zu %12s %12s   (%d arenas)\n", i,
				       human(node_alloc[i], a, sizeof(a)),
				       human(node_active[i], b, sizeof(b)), node_arenas[i]);
	}

	printf("\n%-6s %5s %8s %12s %12s %14s %14s\n", "arena", "node", "nthreads",
	       "allocated", "active", "nmalloc", "ndalloc");
	for (i = 0; i < n; i++) {
		struct json_object *ar = json_object_array_get_idx(arenas, i);
		struct json_object *nthreads = json_object_object_get(ar, "nthreads");
		bool manual = json_object_get_boolean(json_object_object_get(ar, "manual"));

		printf("%-6.0f %5.0f %8s %12s %12s %14.0f %14.0f\n", num(ar, "ind"),
		       num(ar, "node"), manual ? "private" : json_object_get_string(nthreads),
		       human(num(ar, "small.allocated") + num(ar, "large.allocated") +
			     num(ar, "huge.allocated"), a, sizeof(a)),
		       human(num(ar, "pactive") * 4096 + num(ar, "huge.allocated"), b, sizeof(b)),
		       num(ar, "nmalloc"), num(ar, "ndalloc"));
	}

	printf("\ndecay: dirty %s, muzzy (retained) %s, purged %.0f pages in %.0f purges "
	       "(%.0f chunks)\n",
	       human(num(top, "stats.pdirty") * 4096, a, sizeof(a)),
	       human(num(top, "stats.retained"), b, sizeof(b)), num(top, "stats.purged"),
	       num(top, "stats.npurge"), num(top, "stats.nmadvise"));
	printf("tcache: hits %.0f misses %.0f fills %.0f flushes %.0f",
	       num(top, "stats.tcache.hits"), num(top, "stats.tcache.misses"),
	       num(top, "stats.tcache.fills"), num(top, "stats.tcache.flushes"));
	if (num(top, "stats.tcache.hits") + num(top, "stats.tcache.misses") > 0)
		printf(" (hit rate %.1f%%)", 100 * num(top, "stats.tcache.hits") /
		       (num(top, "stats.tcache.hits") + num(top, "stats.tcache.misses")));
	if (prev && dt > 0)
		printf("\nrates/s: malloc %.0f, free %.0f, tcache hits %.0f, misses %.0f, "
		       "purged pages %.0f",
		       (num(top, "stats.nmalloc") - num(prev, "stats.nmalloc")) / dt,
		       (num(top, "stats.ndalloc") - num(prev, "stats.ndalloc")) / dt,
		       (num(top, "stats.tcache.hits") - num(prev, "stats.tcache.hits")) / dt,
		       (num(top, "stats.tcache.misses") - num(prev, "stats.tcache.misses")) / dt,
		       (num(top, "stats.purged") - num(prev, "stats.purged")) / dt);
	printf("\n/dev/arenalloc: mappings %.0f, pages %.0f, faults %.0f, purged %.0f",
	       num(top, "stats.dev.mappings"), num(top, "stats.dev.pages"),
	       num(top, "stats.dev.faults"), num(top, "stats.dev.purged"));
	f = fopen(NODE_PAGES, "r");
	if (f) {
		char line[512];

		if (fgets(line, sizeof(line), f))
			printf(", per node: %s", strtok(line, "\n") ? line : "");
		fclose(f);
	}
	printf("\n");

	print_classes(arenas, n);
}

static void print_usage(FILE *f)
{
	fputs("usage: arenastat [--json | --prometheus] [--watch SECONDS] [--file PATH]\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "watch", required_argument, NULL, 'w' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct json_object *root, *prev = NULL;
	const char *file = NULL;
	double watch = 0;
	char fmt = 't', *end;
	int c;

	while ((c = getopt_long(argc, argv, "jpw:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
		case 'p':
			fmt = (char)c;
			break;
		case 'w':
			watch = strtod(optarg, &end);
			if (*end || !(watch > 0 && watch <= 86400)) {
				fprintf(stderr, "arenastat: --watch '%s': %s\n", optarg,
					"seconds, more than 0, at most 86400");
				return 2;
			}
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		print_usage(stderr);
		return 2;
	}
	for (;;) {
		struct json_object *top;

		root = read_dump(file);
		if (!root)
			return 1;
		top = json_object_object_get(root, "arenalloc");
		if (fmt == 'j')
			puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
		else if (fmt == 'p')
			print_prometheus(top);
		else
			print_table(top, prev ? json_object_object_get(prev, "arenalloc") : NULL,
				    watch);
		fflush(stdout);
		if (!watch) {
			json_object_put(root);
			return 0;
		}
		if (prev)
			json_object_put(prev);
		prev = root;
		if (fmt == 't')
			printf("\n");
		{
			struct timespec ts = { (time_t)watch,
					       (long)((watch - (time_t)watch) * 1e9) };

			nanosleep(&ts, NULL);
		}
	}
}
