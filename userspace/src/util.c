// SPDX-License-Identifier: GPL-2.0
/*
 * Messages, locks and clocks for the rest of the library.
 *
 * Messages are formatted into a stack buffer and written with write(2),
 * made directly (sys.h): no stdio, no allocation and no errno, so they
 * work inside malloc itself, in a forked child and while the library is
 * half initialised.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "sys.h"

void aa_write_err(const char *s)
{
	size_t len = strlen(s);

	while (len) {
		long n = aa_sys_write(STDERR_FILENO, s, len);

		if (n == -EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void aa_vmsg(const char *fmt, va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "<arenalloc>: ");

	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	n = (int)strlen(buf);
	if (n && buf[n - 1] != '\n') {
		buf[n++] = '\n';
		buf[n] = 0;
	}
	aa_write_err(buf);
}

void aa_msg(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	aa_vmsg(fmt, ap);
	va_end(ap);
	errno = saved;
}

void aa_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aa_vmsg(fmt, ap);
	va_end(ap);
	abort();
}

/*
 * An invalid free: a pointer that is not the start of a live allocation of
 * ours.  Debug builds (ARENALLOC_DEBUG) abort, as a sanitizer would; release
 * builds report once per process and leave the memory alone, which leaks
 * at worst instead of corrupting the heap.
 */
void aa_bad_free(const char *what, const void *ptr)
{
#ifdef ARENALLOC_DEBUG
	aa_fatal("%s: %p", what, ptr);
#else
	static int reported;

	if (!__atomic_exchange_n(&reported, 1, __ATOMIC_RELAXED))
		aa_msg("%s: %p (ignored; further reports suppressed)", what, ptr);
#endif
}

uint64_t aa_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void aa_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

void aa_mutex_init(struct aa_mutex *m)
{
	pthread_mutex_init(&m->m, NULL);
}

/*
 * Spin a little before sleeping: arena critical sections are short, and a
 * futex round trip costs more than most of them.
 */
void aa_mutex_lock(struct aa_mutex *m)
{
	int i;

	if (unlikely(aa_tsd.forking))	/* holds it already (init.c) */
		return;
	if (likely(!pthread_mutex_trylock(&m->m)))
		return;
	for (i = 0; i < 100; i++) {
		aa_cpu_relax();
		if (!pthread_mutex_trylock(&m->m))
			return;
	}
	pthread_mutex_lock(&m->m);
}

void aa_mutex_unlock(struct aa_mutex *m)
{
	if (likely(!aa_tsd.forking))
		pthread_mutex_unlock(&m->m);
}
