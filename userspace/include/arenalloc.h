/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libarenalloc: a jemalloc-style malloc for Linux programs.
 *
 * Link with -larenalloc (pkg-config arenalloc) or preload libarenalloc.so:
 * the library then serves malloc(), free() and the rest of the C
 * allocation API for the whole process.  Chunks come from /dev/arenalloc
 * when the arenalloc module is loaded and from anonymous mmap otherwise.
 *
 * Beyond the standard functions it offers jemalloc's non-standard API
 * under arenalloc_ names: the *allocx() family, whose flags pick an arena,
 * an alignment, zeroing or a cache bypass, and arenalloc_ctl(), a
 * mallctl()-style control and statistics interface with jemalloc's names.
 * The preloadable build also answers to jemalloc's own names (mallocx,
 * mallctl, malloc_stats_print, ...).  Documentation/libarenalloc.rst has
 * the details, including ARENALLOC_CONF.
 */
#ifndef ARENALLOC_H
#define ARENALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ARENALLOC_VERSION_MAJOR 0
#define ARENALLOC_VERSION_MINOR 1

/*
 * Flags of the *allocx() functions, encoded as jemalloc encodes its
 * MALLOCX_* flags so that the values are interchangeable:
 *   bits 0-5   log2 of the alignment (0: the natural one)
 *   bit  6     zero the memory
 *   bits 8-19  per-thread cache index + 2 (1 << 8: bypass the cache)
 *   bits 20-31 arena index + 1 (0: the thread's arena)
 */
#define ARENALLOC_LG_ALIGN(la)	((int)(la))
#define ARENALLOC_ALIGN(a)	((int)__builtin_ctzl((unsigned long)(a)))
#define ARENALLOC_ZERO		0x40
#define ARENALLOC_TCACHE_NONE	((int)(1 << 8))
#define ARENALLOC_ARENA(a)	((int)(((unsigned int)(a) + 1) << 20))

/*
 * The arena index that stands for all arenas in "arena.<i>.purge",
 * "arena.<i>.decay" and "stats.arenas.<i>.*" (jemalloc's
 * MALLCTL_ARENAS_ALL); "arenas.narenas" as the index means the same.
 */
#define ARENALLOC_ARENAS_ALL	4096

/*
 * The standard API under arenalloc_ names, always available; malloc(),
 * free() and the rest are these same functions under their usual names
 * (ELF aliases) in libarenalloc.so and libarenalloc.a.  Errors follow
 * glibc: NULL or an error number, with errno ENOMEM or EINVAL.
 */
void *arenalloc_malloc(size_t size);
void *arenalloc_calloc(size_t nmemb, size_t size);
void *arenalloc_realloc(void *ptr, size_t size);
void *arenalloc_reallocarray(void *ptr, size_t nmemb, size_t size);
void arenalloc_free(void *ptr);
int arenalloc_posix_memalign(void **memptr, size_t alignment, size_t size);
void *arenalloc_aligned_alloc(size_t alignment, size_t size);
void *arenalloc_memalign(size_t alignment, size_t size);
void *arenalloc_valloc(size_t size);
void *arenalloc_pvalloc(size_t size);
size_t arenalloc_malloc_usable_size(void *ptr);

void *arenalloc_mallocx(size_t size, int flags);
void *arenalloc_rallocx(void *ptr, size_t size, int flags);
size_t arenalloc_xallocx(void *ptr, size_t size, size_t extra, int flags);
size_t arenalloc_sallocx(const void *ptr, int flags);
void arenalloc_dallocx(void *ptr, int flags);
void arenalloc_sdallocx(void *ptr, size_t size, int flags);
size_t arenalloc_nallocx(size_t size, int flags);

/*
 * arenalloc_ctl() reads and writes the names listed in
 * Documentation/libarenalloc.rst ("arenas.create", "arena.<i>.purge",
 * "stats.allocated", "opt.narenas", ...), with mallctl()'s conventions:
 * @oldp/@oldlenp receive the old value, @newp/@newlen supply a new one.
 * Return: 0, ENOENT (no such name), EINVAL (bad length or value), EPERM
 * (read-only name written), EFAULT, EAGAIN or ENOMEM.
 */
int arenalloc_ctl(const char *name, void *oldp, size_t *oldlenp,
		  void *newp, size_t newlen);

/*
 * mallctlnametomib() and mallctlbymib(): look a name up once, then use
 * the result (a "MIB", one number per dotted component of the name, the
 * indices among them where the name has them) many times.  As in
 * jemalloc, a caller may change an index component, e.g. the <i> of
 * "stats.arenas.<i>.pactive" (mib[2]), between calls.  On input *@miblenp
 * is the room in @mibp; on return the number of components.
 * Return: as arenalloc_ctl(); ENOENT for an unknown name or MIB.
 */
int arenalloc_ctlnametomib(const char *name, size_t *mibp, size_t *miblenp);
int arenalloc_ctlbymib(const size_t *mib, size_t miblen, void *oldp, size_t *oldlenp,
		       void *newp, size_t newlen);

/*
 * Print statistics through @write_cb(@cbopaque, text) (stderr when NULL).
 * @opts: NULL or a string of option letters: 'J' prints JSON; 'a' leaves
 * out the per-arena detail; 'b' the per-class (bin) tables.
 */
void arenalloc_stats_print(void (*write_cb)(void *, const char *),
			   void *cbopaque, const char *opts);

#ifdef __cplusplus
}
#endif

#endif /* ARENALLOC_H */
