// SPDX-License-Identifier: GPL-2.0
/*
 * The registry: chunk-sized slots of address space to what lies there.
 *
 * A two-level radix tree over the slot number (address >> lg_chunk).  The
 * root is a static array of leaf pointers; a leaf, allocated from base on
 * first use and never freed, covers 2^16 slots.  A value is a struct
 * chunk pointer (chunks are aligned, so the low bit is clear) or a huge
 * extent pointer with AA_RTREE_HUGE set.
 *
 * Readers take no lock: leaves are published with a release store after
 * they are zeroed, and never move; values are read with an acquire load,
 * pairing with the release store in aa_rtree_set(), so a reader that sees
 * a value also sees the header it points to.  Writers (chunk creation,
 * huge allocation and free) serialise on rtree_lock only to create a
 * leaf; each slot has one owner at a time, which alone writes it.
 */
#include "internal.h"

#define LEAF_BITS	AA_RTREE_LEAF_BITS
#define ROOT_MAX	AA_RTREE_ROOT_MAX

uintptr_t *aa_rtree_root[AA_RTREE_ROOT_MAX];
#define root aa_rtree_root
static struct aa_mutex rtree_lock = { PTHREAD_MUTEX_INITIALIZER };

static uintptr_t *slot_of(const void *addr, bool create)
{
	uintptr_t key = (uintptr_t)addr >> aa_g.lg_chunk;
	uintptr_t hi = key >> LEAF_BITS, lo = key & ((1UL << LEAF_BITS) - 1);
	uintptr_t *leaf;

	if (unlikely(hi >= ROOT_MAX))
		return NULL;
	leaf = __atomic_load_n(&root[hi], __ATOMIC_ACQUIRE);
	if (likely(leaf) || !create)
		return leaf ? &leaf[lo] : NULL;

	aa_mutex_lock(&rtree_lock);
	leaf = root[hi];
	if (!leaf) {
		leaf = aa_base_alloc(sizeof(uintptr_t) << LEAF_BITS);
		if (leaf)
			__atomic_store_n(&root[hi], leaf, __ATOMIC_RELEASE);
	}
	aa_mutex_unlock(&rtree_lock);
	return leaf ? &leaf[lo] : NULL;
}

/* Fork: the leaf-creation lock must not be held by a thread that vanishes. */
void aa_rtree_prefork(void)
{
	aa_mutex_lock(&rtree_lock);
}

void aa_rtree_postfork(bool child)
{
	if (child)
		aa_mutex_init(&rtree_lock);
	else
		aa_mutex_unlock(&rtree_lock);
}

/* Register @val for the slot of @slot_addr; false when out of memory. */
bool aa_rtree_set(void *slot_addr, uintptr_t val)
{
	uintptr_t *s = slot_of(slot_addr, true);

	if (!s)
		return false;
	__atomic_store_n(s, val, __ATOMIC_RELEASE);
	return true;
}

void aa_rtree_clear(void *slot_addr)
{
	uintptr_t *s = slot_of(slot_addr, false);

	if (s)
		__atomic_store_n(s, 0, __ATOMIC_RELEASE);
}
