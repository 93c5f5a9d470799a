/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What common/ needs from its host, the kernel or libc.
 *
 * Code in common/ is built into both arenalloc.ko and libarenalloc, so it
 * includes this header instead of either world's headers and uses only the
 * types and helpers defined here.
 */
#ifndef _ARENALLOC_COMMON_COMPAT_H
#define _ARENALLOC_COMMON_COMPAT_H

#ifdef __KERNEL__
#include <kunit/visibility.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>

/* The module's KUnit suites call shared functions across modules. */
#define AC_EXPORT_FOR_TESTS(sym) EXPORT_SYMBOL_IF_KUNIT(sym)
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(nr) (1UL << (nr))
/* Host tests link the objects directly: nothing to export. */
#define AC_EXPORT_FOR_TESTS(sym) extern int ac_no_export_##sym
#endif

/* Index of the highest set bit of @x, which must not be 0. */
static inline unsigned int ac_lg_floor(unsigned long x)
{
	return (unsigned int)(8 * sizeof(x) - 1 - __builtin_clzl(x));
}

/* Smallest n with 1 << n >= @x, for @x >= 1. */
static inline unsigned int ac_lg_ceil(unsigned long x)
{
	return x <= 1 ? 0 : ac_lg_floor(x - 1) + 1;
}

#endif /* _ARENALLOC_COMMON_COMPAT_H */
