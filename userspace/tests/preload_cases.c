// SPDX-License-Identifier: GPL-2.0
/*
 * Whole-process cases for tests/preload.sh, with the library preloaded,
 * linked as a shared library or linked statically.  One file, three
 * builds:
 *
 *   -DHOOK     an interposer, preloaded before the allocator: it defines
 *              open, openat, read, close, ioctl, fcntl, mmap, munmap,
 *              madvise and pthread_key_create, allocates inside each (as
 *              fakeroot, libfaketime or a tracing shim would), and counts
 *              the calls made before main() and the mallocs that failed
 *              (jemalloc#443, our shared case 08)
 *   -DFORKLIB  a library the program depends on, whose constructor
 *              registers fork handlers that allocate past the thread
 *              cache (jemalloc#1805, our shared case 18)
 *   (neither)  the program: "errno" prints errno as main() found it
 *              (jemalloc#1873, case 17); "hook" prints the interposer's
 *              counts; "fork" forks twenty times.
 *
 * Each mode prints one line that preload.sh checks, and exits 0 when it
 * saw nothing wrong.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(HOOK)

static int calls_before_main, null_mallocs, in_main;

/*
 * What an interposer typically does: copy something, log it.  @counted:
 * a system call's wrapper, which the library must not call while it
 * starts; pthread_key_create() it does call, and an allocation from
 * there must succeed.
 */
static void note_call(bool counted)
{
	void *p = malloc(64);

	if (counted && !__atomic_load_n(&in_main, __ATOMIC_RELAXED))
		__atomic_fetch_add(&calls_before_main, 1, __ATOMIC_RELAXED);
	if (!p)
		__atomic_fetch_add(&null_mallocs, 1, __ATOMIC_RELAXED);
	else
		memset(p, 1, 64);
	free(p);
}

#define note()	note_call(true)

/* The optional mode argument after the wrapper's own "flags". */
#define MODE_ARG(mode)							\
	do {								\
		if (flags & (O_CREAT | O_TMPFILE)) {			\
			va_list ap;					\
			va_start(ap, flags);				\
			mode = va_arg(ap, int);				\
			va_end(ap);					\
		}							\
	} while (0)

int open(const char *path, int flags, ...)
{
	int mode = 0;

	MODE_ARG(mode);
	note();
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	int mode = 0;

	MODE_ARG(mode);
	note();
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	int mode = 0;

	MODE_ARG(mode);
	note();
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

ssize_t read(int fd, void *buf, size_t n)
{
	note();
	return syscall(SYS_read, fd, buf, n);
}

int close(int fd)
{
	note();
	return (int)syscall(SYS_close, fd);
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	note();
	return (int)syscall(SYS_ioctl, fd, req, arg);
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	note();
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	note();
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
	note();
	return (int)syscall(SYS_munmap, addr, len);
}

int madvise(void *addr, size_t len, int advice)
{
	note();
	return (int)syscall(SYS_madvise, addr, len, advice);
}

/* libc's own name for it, which nobody interposes. */
extern int __pthread_key_create(pthread_key_t *key, void (*destr)(void *));

int pthread_key_create(pthread_key_t *key, void (*destr)(void *))
{
	note_call(false);
	return __pthread_key_create(key, destr);
}

void hook_report(int *before_main, int *nulls)
{
	*before_main = calls_before_main;
	*nulls = null_mallocs;
	__atomic_store_n(&in_main, 1, __ATOMIC_RELAXED);
}

#elif defined(FORKLIB)

static volatile int bad;

static void churn(int where)
{
	static const size_t sizes[] = { 65536, 1 << 20, 5 << 20, 100 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *p = malloc(sizes[i]);

		if (!p) {
			bad = where;
			continue;
		}
		memset(p, where, sizes[i]);
		free(p);
	}
}

static void prepare(void)
{
	churn(1);
}

static void parent(void)
{
	churn(2);
}

static void child(void)
{
	churn(3);
}

int forklib_bad(void)
{
	return bad;
}

/* Priority 101: in a static program, before the library's own constructor. */
__attribute__((constructor(101)))
static void forklib_init(void)
{
	pthread_atfork(prepare, parent, child);
}

#else /* the program */

extern int forklib_bad(void);
/* Defined by the interposer when it is preloaded. */
extern void hook_report(int *before_main, int *nulls) __attribute__((weak));

static int run_forks(void)
{
	int i, bad = 0;

	for (i = 0; i < 20; i++) {
		int st;
		pid_t pid = fork();

		if (!pid) {
			char *p = malloc(200000);

			_exit(p && !forklib_bad() ? 0 : 1);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	bad += forklib_bad() != 0;
	printf("20 forks, %d bad\n", bad);
	return bad != 0;
}

static int check_hook(void)
{
	int before = -1, nulls = -1;
	void *p = malloc(1000);

	if (!hook_report || !p) {
		printf("the interposer is not preloaded\n");
		return 1;
	}
	free(p);
	hook_report(&before, &nulls);
	printf("interposed calls at start-up %d, failed mallocs %d\n", before, nulls);
	return before || nulls;
}

int main(int argc, char **argv)
{
	int err = errno;

	if (argc > 1 && !strcmp(argv[1], "errno")) {
		printf("errno at start: %d\n", err);
		return err != 0;
	}
	if (argc > 1 && !strcmp(argv[1], "fork"))
		return run_forks();
	if (argc > 1 && !strcmp(argv[1], "hook"))
		return check_hook();
	return 2;
}

#endif
