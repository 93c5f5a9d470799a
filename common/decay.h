/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time-based decay of unused pages, shared by arenalloc.ko and libarenalloc.
 *
 * An arena keeps freed pages for reuse, but should give them back to the
 * system if they stay unused.  jemalloc's rule, used here: pages that
 * became unused t milliseconds ago may still be kept in proportion
 * 1 - h(t / decay_ms), where h is the smoothstep curve 3x^2 - 2x^3, so a
 * burst of frees is returned gradually and completely within decay_ms.
 *
 * The decay window is cut into ACD_NSTEPS epochs.  At each epoch the pages
 * that became unused since the last one are pushed into a backlog; the
 * number of pages the arena may keep is the backlog weighted by the curve
 * (newest epoch weight 1, the one that leaves the window weight 0).  The
 * owner purges down to that limit and reports what it has left.
 *
 * "Became unused" is what grew since the last epoch, unless the owner
 * counts its frees (acd_unused()): then also pages that were reused and
 * freed again within the epoch, up to what it holds.  Without that, a
 * program that keeps reusing the same freed pages (a heap churning big
 * blocks) shows no growth at an epoch, its pages age as if untouched
 * since they were first freed, and decay takes them from under it within
 * decay_ms however busy it is.  An owner that purges beyond the curve,
 * oldest first (a bound of its own), says so with acd_dropped(): the
 * oldest epochs then give up what it no longer holds.  Otherwise a burst
 * freed over two epochs into an owner that keeps only part of it would
 * count that part in both, and keep all of it for half the window.
 *
 *   decay_ms == 0   purge everything at once (no backlog)
 *   decay_ms <  0   never purge
 *
 * All functions are pure bookkeeping: no locking (the owner serialises),
 * no clocks (the owner passes nanoseconds), no allocation.
 */
#ifndef _ARENALLOC_COMMON_DECAY_H
#define _ARENALLOC_COMMON_DECAY_H

#include "compat.h"

#define ACD_NSTEPS	200		/* epochs per decay window */
#define ACD_FRAC_BITS	24		/* fixed point of the curve */

/**
 * struct acd_decay - decay state of one kind of page (dirty or muzzy)
 * @decay_ms:  window length; 0 and negative values as described above
 * @interval:  epoch length in ns (decay_ms * 10^6 / ACD_NSTEPS), >= 1
 * @epoch:     start of the current epoch, ns
 * @nlast:     unused pages the owner had after its last purge
 * @nfreed:    pages the owner reported unused (acd_unused()) this epoch
 * @backlog:   pages that became unused in each of the last ACD_NSTEPS
 *             epochs, oldest first
 */
struct acd_decay {
	long decay_ms;
	u64 interval;
	u64 epoch;
	size_t nlast;
	size_t nfreed;
	size_t backlog[ACD_NSTEPS];
};

void acd_init(struct acd_decay *d, long decay_ms, u64 now);
u64 acd_curve(unsigned int step);
void acd_unused(struct acd_decay *d, size_t npages);
bool acd_advance(struct acd_decay *d, u64 now, size_t npages);
size_t acd_limit(const struct acd_decay *d);
void acd_purged(struct acd_decay *d, size_t npages);
void acd_dropped(struct acd_decay *d, size_t npages);
u64 acd_deadline(const struct acd_decay *d);

#endif /* _ARENALLOC_COMMON_DECAY_H */
