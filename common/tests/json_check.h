/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict JSON checker for the tests of both JSON dumps: libarenalloc's
 * malloc_stats_print("J") (userspace/tests/conf_test.c) and the module's
 * /sys/kernel/debug/arenalloc/stats.json (selftests/arenalloc/
 * sysfs_test.c).  Userspace only: it needs <ctype.h> and <string.h>.
 */
#ifndef _ARENALLOC_JSON_CHECK_H
#define _ARENALLOC_JSON_CHECK_H

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* A strict JSON checker: one value, RFC 8259 grammar, nothing after it. */
struct json {
	const char *p;
	unsigned int depth;
};

static void json_ws(struct json *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static bool json_value(struct json *j);

static bool json_string(struct json *j)
{
	if (*j->p++ != '"')
		return false;
	while (*j->p != '"') {
		if ((unsigned char)*j->p < 0x20)
			return false;
		if (*j->p == '\\') {
			j->p++;
			if (*j->p == 'u') {
				int k;

				for (k = 1; k <= 4; k++)
					if (!isxdigit((unsigned char)j->p[k]))
						return false;
				j->p += 4;
			} else if (!strchr("\"\\/bfnrt", *j->p) || !*j->p) {
				return false;
			}
		}
		j->p++;
	}
	j->p++;
	return true;
}

static bool json_number(struct json *j)
{
	const char *s = j->p;

	if (*j->p == '-')
		j->p++;
	if (*j->p == '0')
		j->p++;
	else if (isdigit((unsigned char)*j->p))
		while (isdigit((unsigned char)*j->p))
			j->p++;
	else
		return false;
	if (*j->p == '.') {
		j->p++;
		if (!isdigit((unsigned char)*j->p))
			return false;
		while (isdigit((unsigned char)*j->p))
			j->p++;
	}
	if (*j->p == 'e' || *j->p == 'E') {
		j->p++;
		if (*j->p == '+' || *j->p == '-')
			j->p++;
		if (!isdigit((unsigned char)*j->p))
			return false;
		while (isdigit((unsigned char)*j->p))
			j->p++;
	}
	return j->p > s;
}

static bool json_container(struct json *j, char open, char close)
{
	bool first = true;

	if (++j->depth > 64)
		return false;
	j->p++;		/* open */
	(void)open;
	json_ws(j);
	if (*j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		if (!first) {
			if (*j->p != ',')
				return false;
			j->p++;
			json_ws(j);
		}
		first = false;
		if (close == '}') {
			if (!json_string(j))
				return false;
			json_ws(j);
			if (*j->p++ != ':')
				return false;
			json_ws(j);
		}
		if (!json_value(j))
			return false;
		json_ws(j);
		if (*j->p == close) {
			j->p++;
			j->depth--;
			return true;
		}
	}
}

static bool json_value(struct json *j)
{
	json_ws(j);
	switch (*j->p) {
	case '{':
		return json_container(j, '{', '}');
	case '[':
		return json_container(j, '[', ']');
	case '"':
		return json_string(j);
	case 't':
		return !strncmp(j->p, "true", 4) && (j->p += 4);
	case 'f':
		return !strncmp(j->p, "false", 5) && (j->p += 5);
	case 'n':
		return !strncmp(j->p, "null", 4) && (j->p += 4);
	default:
		return json_number(j);
	}
}

/* Whether @s is one JSON document; *@where the offset of the error. */
static inline bool json_valid(const char *s, size_t *where)
{
	struct json j = { s, 0 };
	bool ok = json_value(&j);

	json_ws(&j);
	ok = ok && !*j.p;
	*where = (size_t)(j.p - s);
	return ok;
}

#endif /* _ARENALLOC_JSON_CHECK_H */
