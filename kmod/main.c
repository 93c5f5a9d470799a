// SPDX-License-Identifier: GPL-2.0
/*
 * arenalloc: a jemalloc-style allocator for the kernel (module entry).
 *
 * Load order: knobs are checked together first (a bad combination refuses
 * the load before anything is allocated), then the size classes, the page
 * layer, the device's page pools (the shrinker and the device use them,
 * so they go last on unload but for the page layer), the arenas, per-CPU
 * caches and the shrinker (which walks them all, so it goes first on
 * unload; api.c), /dev/arenalloc (which needs only the page layer and
 * its pools), and last the sysfs tree that exposes them all and the
 * JSON dump in debugfs (which may be missing without harm).  Unload
 * undoes the same steps in reverse.
 * Documentation/arenalloc.rst describes the design; kmod/internal.h has the
 * glossary.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/nodemask.h>

#include <linux/arenalloc.h>

#include "internal.h"

/* Written once at init, before anything allocates; read-only afterwards. */
struct asc_table arenalloc_sc;
EXPORT_SYMBOL_IF_KUNIT(arenalloc_sc);

static int __init arenalloc_init(void)
{
	int ret;

	ret = arenalloc_config_init();
	if (ret)
		return ret;
	/* lg_chunk was range-checked against PAGE_SHIFT already. */
	ret = asc_table_init(&arenalloc_sc, PAGE_SHIFT,
			     arenalloc_knob_get(&arenalloc_knob_lg_chunk));
	if (ret)
		return ret;
	/* Slabs of 8 regions or more (4 KiB: 8 pages, not one), inside a chunk. */
	ret = asc_table_widen(&arenalloc_sc, ASC_SLAB_MIN_REGS,
			      1U << (arenalloc_sc.lg_max - PAGE_SHIFT));
	if (ret)
		return ret;
	ret = arenalloc_page_init();
	if (ret)
		return ret;
	ret = aa_devpool_init();
	if (ret)
		goto undo_page;
	ret = aa_api_init();
	if (ret)
		goto undo_devpool;
	ret = aa_dev_init();
	if (ret)
		goto undo_api;
	ret = arenalloc_sysfs_init();
	if (ret)
		goto undo_dev;
	aa_stats_debugfs_init();
	aa_stats_print_init();

	pr_info("version %s: %ld arenas, %lu KiB chunks, %u size classes (%u small), %u nodes with memory\n",
		ARENALLOC_VERSION, arenalloc_knob_get(&arenalloc_knob_narenas),
		(1UL << arenalloc_knob_get(&arenalloc_knob_lg_chunk)) >> 10,
		arenalloc_sc.nclasses, arenalloc_sc.nsmall,
		num_node_state(N_MEMORY));
	return 0;

undo_dev:
	aa_dev_exit();
undo_api:
	aa_api_exit();
undo_devpool:
	aa_devpool_exit();
undo_page:
	arenalloc_page_exit();
	return ret;
}

static void __exit arenalloc_exit(void)
{
	aa_stats_debugfs_exit();
	arenalloc_sysfs_exit();
	aa_stats_print_exit();
	aa_dev_exit();
	aa_api_exit();
	aa_devpool_exit();
	arenalloc_page_exit();
	pr_info("unloaded\n");
}

module_init(arenalloc_init);
module_exit(arenalloc_exit);

MODULE_AUTHOR("The arenalloc authors");
MODULE_DESCRIPTION("jemalloc-style arena allocator with per-CPU caches");
MODULE_LICENSE("GPL");
MODULE_VERSION(ARENALLOC_VERSION);
