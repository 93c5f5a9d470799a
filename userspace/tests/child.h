/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for host tests that must look at a whole process: a test program
 * re-executes itself ("/proc/self/exe --child <mode>") with ARENALLOC_CONF
 * set as it wants, since the library reads its configuration once, at
 * initialisation; and it captures the child's stdout and stderr through
 * pipes and its fate through waitpid().  Also: the resident set size.
 *
 * A child that outlives its time limit is killed (SIGKILL) and reported as
 * timed out, so a hang fails the case instead of the run.
 */
#ifndef _ARENALLOC_CHILD_H
#define _ARENALLOC_CHILD_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/**
 * struct ac_child - what became of a child
 * @status:    waitpid() status
 * @timed_out: it was killed for running past its limit
 * @out, @err: its stdout and stderr, NUL-terminated (truncated at
 *             AC_CHILD_BUF - 1 bytes)
 */
#define AC_CHILD_BUF	(256 * 1024)
struct ac_child {
	int status;
	bool timed_out;
	char *out;
	size_t outlen;
	char *err;
	size_t errlen;
};

static inline double ac_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* argv[2] when this process is a child started by ac_run_self(), else NULL. */
static inline const char *ac_child_mode(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--child"))
		return argv[2];
	return NULL;
}

static inline void ac_child_release(struct ac_child *r)
{
	free(r->out);
	free(r->err);
	r->out = NULL;
	r->err = NULL;
}

/* Appends what @fd has to @buf; false at end of file. */
static inline bool ac_drain(int fd, char *buf, size_t *len)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (*len + (size_t)n > AC_CHILD_BUF - 1)
		n = (ssize_t)(AC_CHILD_BUF - 1 - *len);
	memcpy(buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	buf[*len] = 0;
	return true;
}

/**
 * ac_run_self() - run this program as "--child @mode [@arg]" and wait
 * @r:         result; release with ac_child_release()
 * @mode:      child mode, argv[2] of the child
 * @arg:       argv[3] of the child, or NULL
 * @conf:      ARENALLOC_CONF for the child; NULL: none at all
 * @timeout_s: limit, after which the child is killed
 *
 * Every other environment variable is passed on unchanged.
 * Return: 0, or -1 when the child could not be started.
 */
static inline int ac_run_self(struct ac_child *r, const char *mode, const char *arg,
			      const char *conf, double timeout_s)
{
	char *argv[5], **envp, *confvar = NULL;
	int out[2], err[2];
	size_t n = 0, i, j = 0;
	bool out_open = true, err_open = true;
	double deadline;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->out = calloc(1, AC_CHILD_BUF);
	r->err = calloc(1, AC_CHILD_BUF);
	while (environ[n])
		n++;
	envp = calloc(n + 2, sizeof(*envp));
	if (!r->out || !r->err || !envp)
		return -1;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "ARENALLOC_CONF=", 15))
			envp[j++] = environ[i];
	if (conf) {
		confvar = malloc(strlen(conf) + 16);
		if (!confvar)
			return -1;
		sprintf(confvar, "ARENALLOC_CONF=%s", conf);
		envp[j++] = confvar;
	}
	envp[j] = NULL;
	argv[0] = "/proc/self/exe";
	argv[1] = "--child";
	argv[2] = (char *)mode;
	argv[3] = (char *)arg;
	argv[4] = NULL;

	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	deadline = ac_now() + timeout_s;
	while (out_open || err_open) {
		struct pollfd p[2] = {
			{ .fd = out_open ? out[0] : -1, .events = POLLIN },
			{ .fd = err_open ? err[0] : -1, .events = POLLIN },
		};
		double left = deadline - ac_now();

		if (left <= 0) {
			kill(pid, SIGKILL);
			r->timed_out = true;
			break;
		}
		if (poll(p, 2, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			break;
		if (out_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			out_open = ac_drain(out[0], r->out, &r->outlen);
		if (err_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			err_open = ac_drain(err[0], r->err, &r->errlen);
	}
	close(out[0]);
	close(err[0]);
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
	free(confvar);
	free(envp);
	return 0;
}

/* The child exited normally with status 0. */
static inline bool ac_child_ok(const struct ac_child *r)
{
	return !r->timed_out && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

/* Number of lines (newline-terminated or not) in @s. */
static inline unsigned int ac_count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		if (*s == '\n' || !s[1])
			n++;
	return n;
}

/* Number of lines of @s that contain @needle. */
static inline unsigned int ac_count_lines_with(const char *s, const char *needle)
{
	unsigned int n = 0;

	while (*s) {
		const char *end = strchr(s, '\n');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		const char *hit = strstr(s, needle);

		if (hit && hit < s + len)
			n++;
		s += len + (end ? 1 : 0);
	}
	return n;
}

/*
 * Resident set size of this process in bytes, from /proc/self/statm, read
 * without stdio so that measuring allocates nothing.  0 on failure.
 */
static inline size_t ac_rss_bytes(void)
{
	char buf[128], *p;
	unsigned long resident;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strchr(buf, ' ');
	if (!p)
		return 0;
	resident = strtoul(p + 1, NULL, 10);
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* Sleeps @ms milliseconds: only between polls of a condition. */
static inline void ac_pause_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

#endif /* _ARENALLOC_CHILD_H */
