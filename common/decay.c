// SPDX-License-Identifier: GPL-2.0
/*
 * Decay bookkeeping, shared by arenalloc.ko and libarenalloc; decay.h
 * describes the rule.
 */
#include "decay.h"

/**
 * acd_curve() - the smoothstep weight of backlog slot @step
 * @step: 0 (oldest epoch) .. ACD_NSTEPS - 1 (newest)
 *
 * Computed in closed form: with x = (step + 1) / N, h = 3x^2 - 2x^3 =
 * (3 N s^2 - 2 s^3) / N^3 for s = step + 1, scaled by 2^ACD_FRAC_BITS.
 * Every intermediate fits in 64 bits (N^3 << 24 is about 1.3e14).
 *
 * Context: Any.
 * Return: the weight, 0 .. 1 << ACD_FRAC_BITS, increasing with @step.
 */
u64 acd_curve(unsigned int step)
{
	u64 n = ACD_NSTEPS, s = step + 1;

	return ((3 * n * s * s - 2 * s * s * s) << ACD_FRAC_BITS) / (n * n * n);
}

AC_EXPORT_FOR_TESTS(acd_curve);

/**
 * acd_init() - start (or restart) decay with a window of @decay_ms
 * @d:        state to set up
 * @decay_ms: window length in ms (0: purge at once; negative: never)
 * @now:      current time, ns
 *
 * The backlog is cleared: pages already unused count as new.
 *
 * Context: Any; the owner serialises calls on one @d.
 */
void acd_init(struct acd_decay *d, long decay_ms, u64 now)
{
	unsigned int i;

	d->decay_ms = decay_ms;
	d->interval = decay_ms > 0 ? (u64)decay_ms * 1000000 / ACD_NSTEPS : 1;
	if (!d->interval)
		d->interval = 1;
	d->epoch = now;
	d->nlast = 0;
	d->nfreed = 0;
	for (i = 0; i < ACD_NSTEPS; i++)
		d->backlog[i] = 0;
}

AC_EXPORT_FOR_TESTS(acd_init);

/**
 * acd_unused() - count pages that have just become unused
 * @d:      decay state
 * @npages: pages freed
 *
 * Optional: an owner that calls it for every free has pages it reuses and
 * frees again counted as new at the next epoch (see decay.h).
 *
 * Context: Any; the owner serialises calls on one @d.
 */
void acd_unused(struct acd_decay *d, size_t npages)
{
	if (d->decay_ms > 0)
		d->nfreed += npages;
}

AC_EXPORT_FOR_TESTS(acd_unused);

/**
 * acd_advance() - move the window forward to @now
 * @d:      decay state
 * @now:    current time, ns (a time before the current epoch is ignored)
 * @npages: unused pages the owner holds now
 *
 * Pages above what the owner had after its last purge are new and enter
 * the newest slot, or, if more, the pages freed since the last epoch
 * (acd_unused()) up to @npages; whole epochs that passed shift the
 * backlog.
 *
 * Context: Any; the owner serialises calls on one @d.
 * Return: true when at least one epoch passed, so the limit may have
 * fallen and the owner should purge down to acd_limit().
 */
bool acd_advance(struct acd_decay *d, u64 now, size_t npages)
{
	size_t fresh;
	u64 steps;
	unsigned int i;

	if (d->decay_ms <= 0 || now < d->epoch + d->interval)
		return d->decay_ms == 0;

	steps = (now - d->epoch) / d->interval;
	d->epoch += steps * d->interval;
	if (steps >= ACD_NSTEPS) {
		for (i = 0; i < ACD_NSTEPS; i++)
			d->backlog[i] = 0;
	} else {
		for (i = 0; i + steps < ACD_NSTEPS; i++)
			d->backlog[i] = d->backlog[i + steps];
		for (; i < ACD_NSTEPS; i++)
			d->backlog[i] = 0;
	}
	fresh = npages > d->nlast ? npages - d->nlast : 0;
	if (fresh < d->nfreed)
		fresh = d->nfreed < npages ? d->nfreed : npages;
	d->backlog[ACD_NSTEPS - 1] = fresh;
	d->nlast = npages;
	d->nfreed = 0;
	return true;
}

AC_EXPORT_FOR_TESTS(acd_advance);

/**
 * acd_limit() - unused pages the owner may keep now
 * @d: decay state
 *
 * Context: Any; the owner serialises calls on one @d.
 * Return: the weighted backlog; 0 when decay_ms is 0, SIZE_MAX-like
 * (all ones) when decay is off.
 */
size_t acd_limit(const struct acd_decay *d)
{
	u64 sum = 0;
	unsigned int i;

	if (d->decay_ms < 0)
		return (size_t)-1;
	if (d->decay_ms == 0)
		return 0;
	for (i = 0; i < ACD_NSTEPS; i++)
		sum += (u64)d->backlog[i] * acd_curve(i);
	return (size_t)(sum >> ACD_FRAC_BITS);
}

AC_EXPORT_FOR_TESTS(acd_limit);

/**
 * acd_purged() - record what the owner holds after purging
 * @d:      decay state
 * @npages: unused pages left
 *
 * Context: Any; the owner serialises calls on one @d.
 */
void acd_purged(struct acd_decay *d, size_t npages)
{
	d->nlast = npages;
}

AC_EXPORT_FOR_TESTS(acd_purged);

/* Takes pages out of the oldest epochs until the limit is at most @npages. */
static void acd_trim(struct acd_decay *d, size_t npages)
{
	size_t limit = acd_limit(d);
	u64 excess, w, have;
	unsigned int i;

	if (limit <= npages)
		return;
	excess = (u64)(limit - npages) << ACD_FRAC_BITS;
	for (i = 0; i < ACD_NSTEPS && excess; i++) {
		w = acd_curve(i);
		have = (u64)d->backlog[i] * w;
		if (have <= excess) {
			excess -= have;
			d->backlog[i] = 0;
		} else {
			d->backlog[i] -= (size_t)((excess + w - 1) / w);
			excess = 0;
		}
	}
}

/**
 * acd_dropped() - record a purge beyond the curve
 * @d:      decay state
 * @npages: unused pages left
 *
 * For an owner that counts its frees (acd_unused()) and has just purged
 * its oldest unused pages below what the curve allows: those pages leave
 * the oldest epochs of the backlog, the frees of this epoch staying the
 * newest, so that no page it no longer holds is counted again (see
 * decay.h).
 *
 * Context: Any; the owner serialises calls on one @d.
 */
void acd_dropped(struct acd_decay *d, size_t npages)
{
	if (d->nfreed > npages)
		d->nfreed = npages;
	acd_trim(d, npages - d->nfreed);
	d->nlast = npages;
}

AC_EXPORT_FOR_TESTS(acd_dropped);

/**
 * acd_deadline() - when the next epoch starts
 * @d: decay state
 *
 * For a background purger that sleeps until there is work.
 *
 * Context: Any; the owner serialises calls on one @d.
 * Return: the time in ns, or all ones when decay never runs on time.
 */
u64 acd_deadline(const struct acd_decay *d)
{
	if (d->decay_ms <= 0)
		return (u64)-1;
	return d->epoch + d->interval;
}

AC_EXPORT_FOR_TESTS(acd_deadline);
