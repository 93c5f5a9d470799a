// SPDX-License-Identifier: GPL-2.0
/*
 * jemalloc's control interface as programs use it (issue 12):
 *
 *  - the "all arenas" index, ARENALLOC_ARENAS_ALL (jemalloc's
 *    MALLCTL_ARENAS_ALL, 4096) and "arenas.narenas" as an index, for
 *    "arena.<i>.purge", "arena.<i>.decay" and "stats.arenas.<i>.*": a
 *    purge of every arena leaves none dirty, the merged statistics are
 *    the sums of the arenas' own;
 *  - arenalloc_ctlnametomib()/arenalloc_ctlbymib() (mallctlnametomib and
 *    mallctlbymib): a MIB with its index component changed reads what
 *    the name with that index reads;
 *  - "stats.*" real at the first read, with no "epoch" before it, and
 *    "background_thread" true from the start when ARENALLOC_CONF turned
 *    it on (both in fresh child processes);
 *  - the "config.*" names and "arenas.bin.<i>.*" geometry.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arenalloc.h>

#include "child.h"
#include "ctlutil.h"
#include "tap.h"

#define MiB	((size_t)1 << 20)

static size_t arena_stat(unsigned int ind, const char *what)
{
	char name[96];
	size_t v = (size_t)-1;

	ac_ctl_size(ac_arena_name(name, sizeof(name), "stats.arenas", ind, what), &v);
	return v;
}

/* Make dirty pages in @n arenas: large objects freed there. */
static void dirty_arenas(struct tap_ctx *test, unsigned int n)
{
	unsigned int i, j, old;
	size_t len = sizeof(old);
	void *p[8];

	AC_ASSERT(!arenalloc_ctl("thread.arena", &old, &len, NULL, 0), "thread.arena");
	for (i = 0; i < n; i++) {
		AC_ASSERT(!arenalloc_ctl("thread.arena", NULL, NULL, &i, sizeof(i)), "bind");
		for (j = 0; j < 8; j++)
			p[j] = arenalloc_mallocx(256 << 10, ARENALLOC_TCACHE_NONE);
		for (j = 0; j < 8; j++)
			arenalloc_dallocx(p[j], ARENALLOC_TCACHE_NONE);
	}
	AC_ASSERT(!arenalloc_ctl("thread.arena", NULL, NULL, &old, sizeof(old)), "rebind");
}

static unsigned int arena_slots(struct tap_ctx *test)
{
	unsigned int n;

	AC_ASSERT(!ac_ctl_unsigned("arenas.narenas", &n), "arenas.narenas");
	return n;
}

AC_CASE(purge_and_decay_of_all_arenas)
{
	unsigned int n = arena_slots(test), i, used = n < 2 ? n : 2;
	char name[64];

	AC_ASSERT(!ac_ctl_void("arena.4096.decay"), "arena.4096.decay");
	dirty_arenas(test, used);
	AC_ASSERT(arena_stat(ARENALLOC_ARENAS_ALL, "pdirty") >= used * 256,
		  "%zu dirty pages after freeing 2 MiB in each of %u arenas",
		  arena_stat(ARENALLOC_ARENAS_ALL, "pdirty"), used);
	AC_ASSERT(!ac_ctl_void("arena.4096.purge"), "arena.4096.purge");
	for (i = 0; i < n; i++) {
		size_t d = arena_stat(i, "pdirty");

		AC_ASSERT(d == 0 || d == (size_t)-1, "arena %u: %zu dirty pages after the purge", i,
			  d);
	}
	/* "arena.<narenas>" is the same thing. */
	dirty_arenas(test, used);
	snprintf(name, sizeof(name), "arena.%u.purge", n);
	AC_ASSERT(!ac_ctl_void(name), "%s", name);
	AC_ASSERT(arena_stat(ARENALLOC_ARENAS_ALL, "pdirty") == 0, "dirty after %s", name);
	/* An index that is neither an arena nor "all" is still an error. */
	AC_ASSERT(ac_ctl_void("arena.4000.purge") == ENOENT, "arena.4000.purge");
}

AC_CASE(merged_statistics_are_the_sums)
{
	static const char *const fields[] = {
		"pactive", "pdirty", "pmuzzy", "small.allocated", "large.allocated",
	};
	unsigned int n = arena_slots(test), i, f;
	void *live = arenalloc_malloc(MiB);	/* something active, in every flavour */
	bool init;

	AC_ASSERT(live, "malloc");
	dirty_arenas(test, n < 2 ? n : 2);
	for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		size_t sum = 0, all = arena_stat(ARENALLOC_ARENAS_ALL, fields[f]);

		for (i = 0; i < n; i++) {
			size_t v = arena_stat(i, fields[f]);

			if (v != (size_t)-1)
				sum += v;
		}
		AC_ASSERT(all == sum, "stats.arenas.4096.%s %zu, sum of the arenas %zu", fields[f],
			  all, sum);
		AC_ASSERT(arena_stat(n, fields[f]) == sum, "stats.arenas.<narenas>.%s",
			  fields[f]);
	}
	AC_ASSERT(arena_stat(ARENALLOC_ARENAS_ALL, "pactive") > 0, "nothing active");
	AC_ASSERT(!ac_ctl_bool("arena.4096.initialized", &init) && init, "initialized");
	arenalloc_free(live);
}

AC_CASE(mib_with_its_index_changed)
{
	size_t mib[8], miblen = 8, v, w, len = sizeof(v);
	unsigned int n = arena_slots(test), i, nbins;

	AC_ASSERT(!arenalloc_ctlnametomib("stats.arenas.0.pactive", mib, &miblen), "nametomib");
	AC_ASSERT(miblen == 4 && mib[2] == 0, "miblen %zu, mib[2] %zu", miblen, mib[2]);
	for (i = 0; i < n; i++) {
		mib[2] = i;
		v = (size_t)-1;
		len = sizeof(v);
		if (arenalloc_ctlbymib(mib, miblen, &v, &len, NULL, 0) == ENOENT)
			continue;	/* an arena not made yet */
		AC_ASSERT(v == arena_stat(i, "pactive"), "arena %u: by MIB %zu, by name %zu", i,
			  v, arena_stat(i, "pactive"));
	}
	mib[2] = ARENALLOC_ARENAS_ALL;
	AC_ASSERT(!arenalloc_ctlbymib(mib, miblen, &v, &len, NULL, 0), "by MIB, all");
	AC_ASSERT(v == arena_stat(ARENALLOC_ARENAS_ALL, "pactive"), "all: %zu", v);
	AC_ASSERT(arenalloc_ctlbymib(mib, miblen - 1, &v, &len, NULL, 0) == ENOENT, "short MIB");

	miblen = 8;
	AC_ASSERT(!arenalloc_ctlnametomib("arenas.bin.0.size", mib, &miblen), "bin size");
	AC_ASSERT(!ac_ctl_unsigned("arenas.nbins", &nbins), "nbins");
	for (i = 0; i < nbins; i++) {
		char name[64];

		mib[2] = i;
		len = sizeof(v);
		AC_ASSERT(!arenalloc_ctlbymib(mib, miblen, &v, &len, NULL, 0), "bin %u", i);
		snprintf(name, sizeof(name), "arenas.bin.%u.size", i);
		AC_ASSERT(!ac_ctl_size(name, &w) && v == w, "bin %u: %zu against %zu", i, v, w);
	}
	mib[2] = nbins;
	AC_ASSERT(arenalloc_ctlbymib(mib, miblen, &v, &len, NULL, 0) == ENOENT, "bin past end");

	/* A name without an index; "epoch" written through its MIB. */
	miblen = 8;
	AC_ASSERT(!arenalloc_ctlnametomib("epoch", mib, &miblen) && miblen == 1, "epoch");
	{
		uint64_t e = 1;

		AC_ASSERT(!arenalloc_ctlbymib(mib, miblen, NULL, NULL, &e, sizeof(e)), "epoch");
	}
	miblen = 8;
	AC_ASSERT(arenalloc_ctlnametomib("no.such.name", mib, &miblen) == ENOENT, "unknown");
	mib[0] = 100000;
	AC_ASSERT(arenalloc_ctlbymib(mib, 1, &v, &len, NULL, 0) == ENOENT, "bad MIB");
}

AC_CASE(config_and_bin_geometry)
{
	uint32_t nregs;
	size_t slab, size, len = sizeof(nregs);
	bool b;

	AC_ASSERT(!ac_ctl_bool("config.stats", &b) && b, "config.stats");
	AC_ASSERT(!ac_ctl_bool("config.prof", &b) && !b, "config.prof");
	AC_ASSERT(!ac_ctl_bool("opt.prof", &b) && !b, "opt.prof");
	AC_ASSERT(!ac_ctl_bool("opt.retain", &b) && b, "opt.retain");
	{
		const char *dss = NULL;

		AC_ASSERT(!ac_ctl_str("opt.dss", &dss) && dss && !strcmp(dss, "disabled"),
			  "opt.dss");
	}
	AC_ASSERT(ac_ctl_void("prof.dump") == ENOENT, "prof.dump: no profiling here");
	AC_ASSERT(!arenalloc_ctl("arenas.bin.3.nregs", &nregs, &len, NULL, 0), "nregs");
	AC_ASSERT(!ac_ctl_size("arenas.bin.3.slab_size", &slab), "slab_size");
	AC_ASSERT(!ac_ctl_size("arenas.bin.3.size", &size), "size");
	AC_ASSERT(nregs && slab / size == nregs, "%u regions of %zu in %zu", nregs, size, slab);
}

/*
 * Every small class's slab is whole pages, a whole number of regions, and
 * at least 8 of them (a one-region slab costs an extent per object that
 * reaches the arena); slab positions fit the byte the free path reads.
 */
AC_CASE(every_slab_holds_eight_regions_or_more)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), slab, size, len;
	unsigned int nbins, i;
	uint32_t nregs;
	char name[64];

	AC_ASSERT(!ac_ctl_unsigned("arenas.nbins", &nbins) && nbins, "arenas.nbins");
	for (i = 0; i < nbins; i++) {
		len = sizeof(nregs);
		snprintf(name, sizeof(name), "arenas.bin.%u.nregs", i);
		AC_ASSERT(!arenalloc_ctl(name, &nregs, &len, NULL, 0), "%s", name);
		snprintf(name, sizeof(name), "arenas.bin.%u.slab_size", i);
		AC_ASSERT(!ac_ctl_size(name, &slab), "%s", name);
		snprintf(name, sizeof(name), "arenas.bin.%u.size", i);
		AC_ASSERT(!ac_ctl_size(name, &size), "%s", name);
		AC_ASSERT(slab % page == 0 && slab / page <= 255, "bin %u: slab of %zu bytes", i,
			  slab);
		AC_ASSERT(slab == (size_t)nregs * size, "bin %u: %u regions of %zu in %zu", i,
			  nregs, size, slab);
		AC_ASSERT(nregs >= 8, "bin %u: %u regions of %zu bytes", i, nregs, size);
	}
}

/* In a fresh process: the first control call reads real figures. */
static int child_first_read(void)
{
	size_t allocated = 0, len = sizeof(bool);
	bool bg = false;
	void *p;

	if (arenalloc_ctl("background_thread", &bg, &len, NULL, 0))
		return 2;
	p = arenalloc_malloc(3 * MiB);
	len = sizeof(allocated);
	if (arenalloc_ctl("stats.allocated", &allocated, &len, NULL, 0))
		return 1;
	printf("allocated %zu background_thread %d\n", allocated, bg);
	arenalloc_free(p);
	return 0;
}

AC_CASE(statistics_real_without_epoch)
{
	struct ac_child r;
	size_t allocated = 0;
	int bg = -1;

	AC_ASSERT(!ac_run_self(&r, "first", NULL, NULL, 30), "child");
	AC_ASSERT(ac_child_ok(&r), "status %#x", r.status);
	AC_ASSERT(sscanf(r.out, "allocated %zu background_thread %d", &allocated, &bg) == 2,
		  "%s", r.out);
	AC_ASSERT(allocated >= 3 * MiB, "stats.allocated %zu with 3 MiB live, no epoch",
		  allocated);
	AC_ASSERT(bg == 0, "background_thread %d by default", bg);
	ac_child_release(&r);
}

AC_CASE(background_thread_reads_true_from_the_start)
{
	struct ac_child r;
	size_t allocated;
	int bg = -1;

	AC_ASSERT(!ac_run_self(&r, "first", NULL, "background_thread:true", 30), "child");
	AC_ASSERT(ac_child_ok(&r), "status %#x", r.status);
	AC_ASSERT(sscanf(r.out, "allocated %zu background_thread %d", &allocated, &bg) == 2,
		  "%s", r.out);
	AC_ASSERT(bg == 1, "background_thread reads %d with background_thread:true", bg);
	ac_child_release(&r);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(purge_and_decay_of_all_arenas),
	AC_CASE_ENTRY(merged_statistics_are_the_sums),
	AC_CASE_ENTRY(mib_with_its_index_changed),
	AC_CASE_ENTRY(config_and_bin_geometry),
	AC_CASE_ENTRY(every_slab_holds_eight_regions_or_more),
	AC_CASE_ENTRY(statistics_real_without_epoch),
	AC_CASE_ENTRY(background_thread_reads_true_from_the_start),
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	const char *mode = ac_child_mode(argc, argv);

	if (mode && !strcmp(mode, "first"))
		return child_first_read();
	return tap_run(cases);
}
