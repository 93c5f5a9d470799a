/* SPDX-License-Identifier: GPL-2.0 */
/*
 * System calls made straight to the kernel, not through libc's wrappers.
 *
 * Two reasons.  A program, or another preloaded library (fakeroot,
 * libfaketime, tracing shims), may define open(), read(), mmap() and the
 * rest itself, and such a wrapper may call malloc(): reached from inside
 * the allocator (while it starts, or with a lock held) that is a
 * re-entry at best and a deadlock at worst.  And libc's wrappers set
 * errno when a call fails, while a call of ours that fails and is
 * recovered from (an absent /dev/arenalloc, a missing cgroup file, a
 * kernel without MADV_FREE) must leave the program's errno alone.
 *
 * Each function returns what the system call returns: a result >= 0, or
 * a negative error number; errno is never touched.
 *
 * Sanitizer builds of the tests call libc's wrappers instead (saving and
 * restoring errno), so that AddressSanitizer and ThreadSanitizer see the
 * mappings come and go; so do architectures without the inline form.
 */
#ifndef _ARENALLOC_SYS_H
#define _ARENALLOC_SYS_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AA_SYS_LIBC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define AA_SYS_LIBC 1
#endif
#endif
#if !defined(AA_SYS_LIBC) && !defined(__x86_64__) && !defined(__aarch64__)
#define AA_SYS_LIBC 1
#endif

#pragma GCC visibility push(hidden)

#ifndef AA_SYS_LIBC

#if defined(__x86_64__)
static inline long aa_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return ret;
}
#else /* __aarch64__ */
static inline long aa_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a1;
	register long x1 __asm__("x1") = a2;
	register long x2 __asm__("x2") = a3;
	register long x3 __asm__("x3") = a4;
	register long x4 __asm__("x4") = a5;
	register long x5 __asm__("x5") = a6;

	__asm__ __volatile__("svc 0"
			     : "+r"(x0)
			     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			     : "memory");
	return x0;
}
#endif

#define AA_SYS(nr, a1, a2, a3, a4, a5, a6)					\
	aa_syscall6(nr, (long)(a1), (long)(a2), (long)(a3), (long)(a4), (long)(a5), (long)(a6))

static inline long aa_sys_openat(const char *path, int flags)
{
	return AA_SYS(SYS_openat, AT_FDCWD, path, flags, 0, 0, 0);
}

static inline long aa_sys_read(int fd, void *buf, size_t len)
{
	return AA_SYS(SYS_read, fd, buf, len, 0, 0, 0);
}

static inline long aa_sys_write(int fd, const void *buf, size_t len)
{
	return AA_SYS(SYS_write, fd, buf, len, 0, 0, 0);
}

static inline long aa_sys_close(int fd)
{
	return AA_SYS(SYS_close, fd, 0, 0, 0, 0, 0);
}

static inline long aa_sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return AA_SYS(SYS_ioctl, fd, cmd, arg, 0, 0, 0);
}

static inline long aa_sys_fcntl(int fd, int cmd, long arg)
{
	return AA_SYS(SYS_fcntl, fd, cmd, arg, 0, 0, 0);
}

/* Return: the mapping, or MAP_FAILED. */
static inline void *aa_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = AA_SYS(SYS_mmap, addr, len, prot, flags, fd, off);

	return r < 0 && r > -4096 ? MAP_FAILED : (void *)r;
}

static inline long aa_sys_munmap(void *addr, size_t len)
{
	return AA_SYS(SYS_munmap, addr, len, 0, 0, 0, 0);
}

static inline long aa_sys_mprotect(void *addr, size_t len, int prot)
{
	return AA_SYS(SYS_mprotect, addr, len, prot, 0, 0, 0);
}

static inline long aa_sys_madvise(void *addr, size_t len, int advice)
{
	return AA_SYS(SYS_madvise, addr, len, advice, 0, 0, 0);
}

static inline long aa_sys_getcpu(unsigned int *cpu, unsigned int *node)
{
	return AA_SYS(SYS_getcpu, cpu, node, 0, 0, 0, 0);
}

/* Return: bytes of the mask the kernel wrote, or a negative error number. */
static inline long aa_sys_sched_getaffinity(size_t len, cpu_set_t *set)
{
	return AA_SYS(SYS_sched_getaffinity, 0, len, set, 0, 0, 0);
}

#else /* AA_SYS_LIBC */

/* libc's wrapper, its errno turned into the return value and restored. */
#define AA_LIBC(call)								\
	({									\
		int saved_ = errno;						\
		long r_ = (long)(call);						\
		if (r_ == -1)							\
			r_ = -errno;						\
		errno = saved_;							\
		r_;								\
	})

static inline long aa_sys_openat(const char *path, int flags)
{
	return AA_LIBC(openat(AT_FDCWD, path, flags));
}

static inline long aa_sys_read(int fd, void *buf, size_t len)
{
	return AA_LIBC(read(fd, buf, len));
}

static inline long aa_sys_write(int fd, const void *buf, size_t len)
{
	return AA_LIBC(write(fd, buf, len));
}

static inline long aa_sys_close(int fd)
{
	return AA_LIBC(close(fd));
}

static inline long aa_sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return AA_LIBC(ioctl(fd, cmd, arg));
}

static inline long aa_sys_fcntl(int fd, int cmd, long arg)
{
	return AA_LIBC(fcntl(fd, cmd, arg));
}

static inline void *aa_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	int saved = errno;
	void *p = mmap(addr, len, prot, flags, fd, off);

	errno = saved;
	return p;
}

static inline long aa_sys_munmap(void *addr, size_t len)
{
	return AA_LIBC(munmap(addr, len));
}

static inline long aa_sys_mprotect(void *addr, size_t len, int prot)
{
	return AA_LIBC(mprotect(addr, len, prot));
}

static inline long aa_sys_madvise(void *addr, size_t len, int advice)
{
	return AA_LIBC(madvise(addr, len, advice));
}

static inline long aa_sys_getcpu(unsigned int *cpu, unsigned int *node)
{
	return AA_LIBC(getcpu(cpu, node));
}

static inline long aa_sys_sched_getaffinity(size_t len, cpu_set_t *set)
{
	long r = AA_LIBC(sched_getaffinity(0, len, set));

	return r ? r : (long)len;
}

#endif /* AA_SYS_LIBC */

#pragma GCC visibility pop

#endif /* _ARENALLOC_SYS_H */
