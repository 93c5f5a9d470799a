// SPDX-License-Identifier: GPL-2.0
/*
 * Options: defaults, and ARENALLOC_CONF in jemalloc's MALLOC_CONF syntax,
 *
 *   ARENALLOC_CONF="narenas:8,dirty_decay_ms:60000,tcache_max:4096"
 *
 * A key that is not known, or a value out of range, prints one line on
 * stderr naming it and is ignored; with abort_conf:true (anywhere in the
 * string) the process aborts after the line instead.  Parsing allocates
 * nothing: it runs inside the first malloc().
 *
 * Defaults count the CPUs the process may actually use: its affinity mask
 * and its cgroup's CPU quota (cgroup v2 cpu.max, up the hierarchy), not
 * the machine's CPU count, so a container limited to two CPUs does not
 * get arenas for sixty-four.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/arenalloc.h>

#include "internal.h"
#include "sys.h"

struct aa_opts aa_opt;

void aa_opts_defaults(struct aa_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dirty_decay_ms = 10000;
	o->muzzy_decay_ms = 0;
	o->tcache = true;
	o->tcache_max = AA_TCACHE_MAX_DEFAULT;
	o->lg_chunk = AA_LG_CHUNK_DEFAULT;
	o->source = AA_SOURCE_AUTO;
}

const char *aa_source_name(enum aa_source_kind k)
{
	return k == AA_SOURCE_DEVICE ? "device" : k == AA_SOURCE_MMAP ? "mmap" : "auto";
}

const char *aa_dev_policy_name(enum aa_dev_policy p)
{
	return p == AA_DEV_POLICY_LOCAL ? "local" :
	       p == AA_DEV_POLICY_INTERLEAVE ? "interleave" : "default";
}

/* Read a small file into @buf (NUL-terminated); false on any failure. */
static bool read_small(const char *path, char *buf, size_t len)
{
	int fd = (int)aa_sys_openat(path, O_RDONLY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return false;
	n = aa_sys_read(fd, buf, len - 1);
	aa_sys_close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return true;
}

/* CPUs allowed by the cgroup v2 cpu.max quotas on the way to the root, or 0. */
static unsigned int cgroup_cpus(void)
{
	char cg[512], path[700], buf[64];
	unsigned int best = 0;
	char *p, *end;

	if (!read_small("/proc/self/cgroup", cg, sizeof(cg)) || strncmp(cg, "0::/", 4))
		return 0;
	p = cg + 3;
	end = strchr(p, '\n');
	if (end)
		*end = 0;
	for (;;) {
		unsigned long quota, period;
		char *slash;

		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cpu.max", p);
		if (read_small(path, buf, sizeof(buf)) && strncmp(buf, "max", 3)) {
			char *q;

			quota = strtoul(buf, &q, 10);
			period = strtoul(q, NULL, 10);
			if (quota && period) {
				unsigned int n = (unsigned int)((quota + period - 1) / period);

				if (!best || n < best)
					best = n;
			}
		}
		slash = strrchr(p, '/');
		if (!slash || slash == p) {
			if (p[1] == 0)
				break;
			p[1] = 0;	/* the root itself */
			continue;
		}
		*slash = 0;
	}
	return best;
}

/* CPUs this process may run on: affinity, capped by the cgroup quota. */
unsigned int aa_ncpus_usable(void)
{
	cpu_set_t set;
	unsigned int n = 0, q;
	long online;

	CPU_ZERO(&set);
	if (aa_sys_sched_getaffinity(sizeof(set), &set) > 0)
		n = (unsigned int)CPU_COUNT(&set);
	if (!n) {
		online = sysconf(_SC_NPROCESSORS_ONLN);
		n = online > 0 ? (unsigned int)online : 1;
	}
	q = cgroup_cpus();
	if (q && q < n)
		n = q;
	return n;
}

static int conf_error(const char *k, size_t klen, const char *v, size_t vlen, const char *why)
{
	aa_msg("ARENALLOC_CONF: %s '%.*s%s%.*s' (ignored)", why, (int)klen, k,
	       v ? ":" : "", (int)vlen, v ? v : "");
	return 1;
}

static bool parse_bool(const char *v, size_t len, bool *out)
{
	if (len == 4 && !strncmp(v, "true", 4))
		*out = true;
	else if (len == 5 && !strncmp(v, "false", 5))
		*out = false;
	else
		return false;
	return true;
}

static bool parse_long(const char *v, size_t len, long min, long max, long *out)
{
	char buf[32], *end;
	long n;

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, v, len);
	buf[len] = 0;
	errno = 0;
	n = strtol(buf, &end, 10);
	if (errno || *end || n < min || n > max)
		return false;
	*out = n;
	return true;
}

static bool is(const char *k, size_t klen, const char *name)
{
	return strlen(name) == klen && !strncmp(k, name, klen);
}

/* Apply one key:value; return 0, or 1 after reporting it. */
static int conf_one(struct aa_opts *o, const char *k, size_t klen, const char *v, size_t vlen)
{
	long n;
	bool b;

#define BAD()	conf_error(k, klen, v, vlen, "invalid value in")
	if (is(k, klen, "narenas")) {
		if (!parse_long(v, vlen, 1, AA_NARENAS_MAX, &n))
			return BAD();
		o->narenas = (unsigned int)n;
	} else if (is(k, klen, "percpu_arena")) {
		if (vlen == 6 && !strncmp(v, "percpu", 6))
			o->percpu_arena = true;
		else if (vlen == 8 && !strncmp(v, "disabled", 8))
			o->percpu_arena = false;
		else
			return BAD();
	} else if (is(k, klen, "dirty_decay_ms") || is(k, klen, "muzzy_decay_ms")) {
		if (!parse_long(v, vlen, -1, ARENALLOC_DECAY_MS_LIMIT, &n))
			return BAD();
		if (k[0] == 'd')
			o->dirty_decay_ms = n;
		else
			o->muzzy_decay_ms = n;
	} else if (is(k, klen, "background_thread")) {
		if (!parse_bool(v, vlen, &b))
			return BAD();
		o->background_thread = b;
	} else if (is(k, klen, "tcache")) {
		if (!parse_bool(v, vlen, &b))
			return BAD();
		o->tcache = b;
	} else if (is(k, klen, "tcache_max")) {
		if (!parse_long(v, vlen, 0, AA_TCACHE_MAX_LIMIT, &n))
			return BAD();
		o->tcache_max = (size_t)n;
	} else if (is(k, klen, "lg_chunk")) {
		if (!parse_long(v, vlen, AA_LG_CHUNK_MIN, AA_LG_CHUNK_MAX, &n))
			return BAD();
		o->lg_chunk = (unsigned int)n;
	} else if (is(k, klen, "chunk_source")) {
		if (vlen == 4 && !strncmp(v, "auto", 4))
			o->source = AA_SOURCE_AUTO;
		else if (vlen == 6 && !strncmp(v, "device", 6))
			o->source = AA_SOURCE_DEVICE;
		else if (vlen == 4 && !strncmp(v, "mmap", 4))
			o->source = AA_SOURCE_MMAP;
		else
			return BAD();
	} else if (is(k, klen, "device_policy")) {
		if (vlen == 7 && !strncmp(v, "default", 7))
			o->dev_policy = AA_DEV_POLICY_DEFAULT;
		else if (vlen == 5 && !strncmp(v, "local", 5))
			o->dev_policy = AA_DEV_POLICY_LOCAL;
		else if (vlen == 10 && !strncmp(v, "interleave", 10))
			o->dev_policy = AA_DEV_POLICY_INTERLEAVE;
		else
			return BAD();
	} else if (is(k, klen, "stats_print")) {
		if (!parse_bool(v, vlen, &b))
			return BAD();
		o->stats_print = b;
	} else if (is(k, klen, "abort_conf")) {
		if (!parse_bool(v, vlen, &b))
			return BAD();
		o->abort_conf = b;
	} else if (is(k, klen, "junk")) {
		if (parse_bool(v, vlen, &b))
			o->junk = b ? AA_JUNK_ALL : AA_JUNK_NONE;
		else if (vlen == 5 && !strncmp(v, "alloc", 5))
			o->junk = AA_JUNK_ALLOC;
		else if (vlen == 4 && !strncmp(v, "free", 4))
			o->junk = AA_JUNK_FREE;
		else
			return BAD();
	} else {
		return conf_error(k, klen, v, vlen, "unknown option");
	}
#undef BAD
	return 0;
}

/**
 * aa_conf_parse() - apply a MALLOC_CONF-style string to @o
 * @o:    options, already holding defaults
 * @conf: "key:value,key:value", or NULL
 *
 * Return: the number of entries reported as bad (each ignored).  With
 * abort_conf:true the process aborts if that number is not zero.
 */
int aa_conf_parse(struct aa_opts *o, const char *conf)
{
	const char *p = conf;
	int bad = 0;

	if (!conf)
		return 0;
	while (*p) {
		const char *k = p, *colon, *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		colon = memchr(k, ':', len);
		if (!len) {
			bad += conf_error(k, 0, NULL, 0, "empty entry");
		} else if (!colon) {
			bad += conf_error(k, len, NULL, 0, "missing ':value' in");
		} else {
			bad += conf_one(o, k, (size_t)(colon - k), colon + 1,
					len - (size_t)(colon - k) - 1);
		}
		if (!end)
			break;
		p = end + 1;
		if (!*p)
			bad += conf_error("", 0, NULL, 0, "trailing ','");
	}
	if (bad && o->abort_conf)
		aa_fatal("ARENALLOC_CONF: %d bad entr%s and abort_conf:true", bad,
			 bad == 1 ? "y" : "ies");
	return bad;
}
