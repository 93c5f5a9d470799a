// SPDX-License-Identifier: GPL-2.0
/*
 * Debug mode (debug=1 at load): what KASAN cannot see inside arenalloc's
 * own pages.
 *
 *   junk     new objects are filled with 0xa5 (unless zeroing was asked
 *            for), freed ones with 0x5a, so use of uninitialised or freed
 *            memory shows up as a recognisable pattern
 *   redzone  every object gets at least AA_REDZONE bytes after the bytes
 *            asked for, filled with 0xbb and checked when it is freed
 *   trailer  the last 8 bytes of the object hold the size asked for, so
 *            the checks know where the redzone starts; usable_size()
 *            reports that size, not the class size
 *   double   objects bypass the per-CPU caches, so every free meets the
 *   free     slab bitmap, which refuses a second free exactly
 *
 * Every object below the huge sizes is instrumented: api.c decides the
 * layout of a request in one place (aa_layout()) and serves a size too
 * close to the chunk size for the trailer as huge.  Huge allocations
 * (whole page blocks) are left as they are.  Junk takes the place of
 * init_on_alloc and init_on_free, as slab poisoning does in SLUB.  The
 * mode is a static key, fixed at load: the fast paths test one patched
 * branch.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>

#include "internal.h"

#define AA_JUNK_ALLOC	0xa5
#define AA_JUNK_FREE	0x5a
#define AA_REDZONE_BYTE	0xbb
#define AA_TRAILER_MAGIC 0xa110c0debad0beefULL

DEFINE_STATIC_KEY_FALSE(aa_debug_key);
EXPORT_SYMBOL_IF_KUNIT(aa_debug_key);

void aa_debug_init(void)
{
	if (arenalloc_knob_get(&arenalloc_knob_debug))
		static_branch_enable(&aa_debug_key);
}

static u64 *aa_trailer(void *ptr, size_t usize)
{
	return ptr + usize - sizeof(u64);
}

/**
 * aa_debug_prepare() - lay out a new object in debug mode
 * @ptr:   the object
 * @size:  bytes asked for
 * @usize: its class size, at least @size + AA_DEBUG_EXTRA
 * @zero:  zero the bytes asked for instead of junking them
 *
 * Context: Any context.
 */
void aa_debug_prepare(void *ptr, size_t size, size_t usize, bool zero)
{
	memset(ptr, zero ? 0 : AA_JUNK_ALLOC, size);
	aa_debug_resize(ptr, size, usize);
}

/**
 * aa_debug_resize() - move an object's redzone and trailer to a new size
 * @ptr:   a live object
 * @size:  bytes the caller may use from now on
 * @usize: its class size, at least @size + AA_DEBUG_EXTRA
 *
 * Bytes from @size on become redzone; those below are left as they are.
 *
 * Context: Any context.
 */
void aa_debug_resize(void *ptr, size_t size, size_t usize)
{
	memset(ptr + size, AA_REDZONE_BYTE, usize - sizeof(u64) - size);
	*aa_trailer(ptr, usize) = size ^ AA_TRAILER_MAGIC;
}

/**
 * aa_debug_size() - bytes asked for when @ptr was allocated
 * @ptr:   a live object
 * @usize: its class size
 *
 * Context: Any context.
 * Return: the size, or @usize - AA_DEBUG_EXTRA if the trailer is damaged.
 */
size_t aa_debug_size(const void *ptr, size_t usize)
{
	u64 size = *aa_trailer((void *)ptr, usize) ^ AA_TRAILER_MAGIC;

	return size <= usize - AA_DEBUG_EXTRA ? size : usize - AA_DEBUG_EXTRA;
}

/**
 * aa_debug_check_free() - check an object that is being freed, then junk it
 * @ptr:    the object
 * @usize:  its class size
 * @caller: return address of the API call
 *
 * Context: Any context.
 * Return: false when the object already carries the freed-junk pattern
 * (a double free, reported; the caller must not free it), true otherwise.
 */
bool aa_debug_check_free(void *ptr, size_t usize, unsigned long caller)
{
	u64 stored = *aa_trailer(ptr, usize);
	u64 size = stored ^ AA_TRAILER_MAGIC;
	u8 *bad;

	if (stored == 0x5a5a5a5a5a5a5a5aULL) {
		aa_report_bad_free(ptr, caller);
		return false;
	}
	if (size > usize - AA_DEBUG_EXTRA) {
		aa_report_corruption(ptr, ptr + usize - sizeof(u64), caller);
	} else {
		bad = memchr_inv(ptr + size, AA_REDZONE_BYTE, usize - sizeof(u64) - size);
		if (bad)
			aa_report_corruption(ptr, bad, caller);
	}
	memset(ptr, AA_JUNK_FREE, usize);
	return true;
}
