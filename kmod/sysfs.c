// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/arenalloc/: one value per file (Documentation/ABI/testing/
 * sysfs-kernel-arenalloc lists them).
 *
 * Knob files read and write through config.c, so a bad write gets the same
 * -EINVAL and the same log line as a bad insmod parameter and changes
 * nothing.  Statistics files (stats/, arenas/<i>/) are read-only snapshots.
 *
 * Locking: none here.  kernfs keeps show/store from running after
 * arenalloc_sysfs_exit() removes the files, and config.c serialises
 * knob writers.  narenas (0644) is applied by api.c under aa_narenas_lock,
 * which also serialises arenalloc_sysfs_arenas_add() and _del(): the
 * directories arenas/<i>/ of the arenas a lower narenas retires go first
 * (kernfs waits for their readers and writers, none of which takes that
 * lock), those of new arenas come once the arenas exist; so an arena
 * that a show or store finds by its directory's name is live.  The purge
 * and decay triggers (mode 0200: root only) are parsed by the same parser
 * and run in the writer's context
 * (kmod/decay.c).  arenas/<i>/ holds an automatic arena's node, nthreads,
 * its own decay windows (-2 follows the global ones; same parser, same
 * messages), its purge and decay triggers and its statistics (stats/,
 * named as the totals).  Every writable file is root's only (0644, 0200).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "internal.h"

static struct kobject *arenalloc_kobj;

/* ==== Knob files ======================================================== */

struct knob_attribute {
	struct kobj_attribute attr;
	struct arenalloc_knob *knob;
};

#define to_knob(a) (container_of(a, struct knob_attribute, attr)->knob)

static ssize_t knob_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%ld\n", arenalloc_knob_get(to_knob(attr)));
}

static ssize_t knob_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct arenalloc_knob *knob = to_knob(attr);
	int ret = arenalloc_knob_store(knob, buf);

	if (ret)
		return ret;
	/* Works waiting for an epoch of the old window run on the new one. */
	if (knob == &arenalloc_knob_dirty_decay_ms || knob == &arenalloc_knob_muzzy_decay_ms)
		aa_decay_kick_all();
	return count;
}

#define KNOB_ATTR(_name, _mode)						\
	static struct knob_attribute knob_attr_##_name = {		\
		.attr = __ATTR(_name, _mode, knob_show, knob_store),	\
		.knob = &arenalloc_knob_##_name,			\
	}

KNOB_ATTR(narenas, 0644);
KNOB_ATTR(lg_chunk, 0444);
KNOB_ATTR(debug, 0444);
KNOB_ATTR(dirty_decay_ms, 0644);
KNOB_ATTR(muzzy_decay_ms, 0644);
KNOB_ATTR(tcache_max, 0644);
KNOB_ATTR(tcache_gc_interval, 0644);
KNOB_ATTR(stats_print_interval, 0644);

/* ==== Write-only triggers ================================================ */

static ssize_t trigger_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	int ret = aa_decay_trigger(to_knob(attr), buf);

	return ret ? ret : count;
}

#define TRIGGER_ATTR(_name)						\
	static struct knob_attribute knob_attr_##_name = {		\
		.attr = __ATTR(_name, 0200, NULL, trigger_store),	\
		.knob = &arenalloc_knob_##_name,			\
	}

TRIGGER_ATTR(purge);
TRIGGER_ATTR(decay);

/* ==== Read-only information ============================================= */

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", ARENALLOC_VERSION);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);

/* @count of each node with memory, as "N0=512 N1=0". */
static ssize_t per_node_show(char *buf, unsigned long (*count)(int nid))
{
	int len = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY)
		len += sysfs_emit_at(buf, len, "%sN%d=%lu", len ? " " : "", nid,
				     count(nid));
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

/* Pages held from the page allocator, per node. */
static ssize_t pages_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return per_node_show(buf, arenalloc_pages_held);
}

static struct kobj_attribute pages_attr = __ATTR_RO(pages);

/*
 * A read-only file showing one u64 of a statistics snapshot: its show
 * function takes the snapshot and hands it to u64_attr_emit().
 */
struct u64_attribute {
	struct kobj_attribute attr;
	size_t offset;		/* of the u64 in the snapshot */
};

static ssize_t u64_attr_emit(struct kobj_attribute *attr, char *buf, const void *snap)
{
	size_t offset = container_of(attr, struct u64_attribute, attr)->offset;

	return sysfs_emit(buf, "%llu\n", *(const u64 *)((const char *)snap + offset));
}

/* @_var: the C name; @_file: the file's; @_type, @_field: the u64 shown. */
#define U64_ATTR(_var, _file, _show, _type, _field)			\
	static struct u64_attribute _var = {				\
		.attr = { .attr = { .name = _file, .mode = 0444 },	\
			  .show = _show },				\
		.offset = offsetof(_type, _field),			\
	}

/* ==== stats/: totals, one per file ===================================== */

static ssize_t stats_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct aa_stats t;

	aa_stats_collect(&t);
	return u64_attr_emit(attr, buf, &t);
}

#define STATS_ATTR(_name)						\
	U64_ATTR(stats_##_name##_attr, #_name, stats_show, struct aa_stats, _name)

STATS_ATTR(narenas);
STATS_ATTR(allocated);
STATS_ATTR(active);
STATS_ATTR(mapped);
STATS_ATTR(metadata);
STATS_ATTR(tcache_bytes);
STATS_ATTR(nmalloc);
STATS_ATTR(ndalloc);
STATS_ATTR(tcache_hits);
STATS_ATTR(tcache_misses);
STATS_ATTR(tcache_fills);
STATS_ATTR(tcache_flushes);
STATS_ATTR(node_fallbacks);
STATS_ATTR(pdirty);
STATS_ATTR(pmuzzy);
STATS_ATTR(retained);
STATS_ATTR(npurge);
STATS_ATTR(nmadvise);
STATS_ATTR(purged);
STATS_ATTR(resident);

static struct attribute *stats_attrs[] = {
	&stats_narenas_attr.attr.attr,
	&stats_allocated_attr.attr.attr,
	&stats_active_attr.attr.attr,
	&stats_mapped_attr.attr.attr,
	&stats_metadata_attr.attr.attr,
	&stats_tcache_bytes_attr.attr.attr,
	&stats_nmalloc_attr.attr.attr,
	&stats_ndalloc_attr.attr.attr,
	&stats_tcache_hits_attr.attr.attr,
	&stats_tcache_misses_attr.attr.attr,
	&stats_tcache_fills_attr.attr.attr,
	&stats_tcache_flushes_attr.attr.attr,
	&stats_node_fallbacks_attr.attr.attr,
	&stats_pdirty_attr.attr.attr,
	&stats_pmuzzy_attr.attr.attr,
	&stats_retained_attr.attr.attr,
	&stats_npurge_attr.attr.attr,
	&stats_nmadvise_attr.attr.attr,
	&stats_purged_attr.attr.attr,
	&stats_resident_attr.attr.attr,
	NULL,
};

static const struct attribute_group stats_group = {
	.name = "stats",
	.attrs = stats_attrs,
};

/* ==== dev/: /dev/arenalloc ============================================ */

static ssize_t dev_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct aa_dev_stats st;

	aa_dev_stats_get(&st);
	return u64_attr_emit(attr, buf, &st);
}

#define DEV_ATTR(_name)							\
	U64_ATTR(dev_##_name##_attr, #_name, dev_show, struct aa_dev_stats, _name)

DEV_ATTR(mappings);
DEV_ATTR(pages);
DEV_ATTR(faults);
DEV_ATTR(purged);
DEV_ATTR(fork_copied);
DEV_ATTR(fork_failed);

/* Pages of the device's mappings per node, as in the top-level "pages". */
static ssize_t node_pages_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf)
{
	return per_node_show(buf, aa_dev_node_pages);
}

static struct kobj_attribute dev_node_pages_attr = __ATTR_RO(node_pages);

/* The device's page pools (kmod/devpool.c), summed over the nodes. */
static ssize_t devpool_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct aa_devpool_stats st;

	aa_devpool_stats_get(NUMA_NO_NODE, &st);
	return u64_attr_emit(attr, buf, &st);
}

#define DEVPOOL_ATTR(_file, _name)					\
	U64_ATTR(devpool_##_name##_attr, _file, devpool_show, struct aa_devpool_stats, _name)

DEVPOOL_ATTR("pdirty", pdirty);
DEVPOOL_ATTR("pzeroed", pzeroed);
DEVPOOL_ATTR("pool_hits", hits);
DEVPOOL_ATTR("pool_misses", misses);
DEVPOOL_ATTR("pool_zero_inline", zero_inline);
DEVPOOL_ATTR("dirty_npurge", dirty_npurge);
DEVPOOL_ATTR("dirty_purged", dirty_purged);

/* Pages in the device's pool of each node, as node_pages. */
static ssize_t node_pdirty_show(struct kobject *kobj, struct kobj_attribute *attr,
				char *buf)
{
	return per_node_show(buf, aa_devpool_pages);
}

static struct kobj_attribute dev_node_pdirty_attr = __ATTR_RO(node_pdirty);

static struct attribute *dev_attrs[] = {
	&dev_mappings_attr.attr.attr,
	&dev_pages_attr.attr.attr,
	&dev_node_pages_attr.attr,
	&dev_faults_attr.attr.attr,
	&dev_purged_attr.attr.attr,
	&dev_fork_copied_attr.attr.attr,
	&dev_fork_failed_attr.attr.attr,
	&devpool_pdirty_attr.attr.attr,
	&devpool_pzeroed_attr.attr.attr,
	&dev_node_pdirty_attr.attr,
	&devpool_hits_attr.attr.attr,
	&devpool_misses_attr.attr.attr,
	&devpool_zero_inline_attr.attr.attr,
	&devpool_dirty_npurge_attr.attr.attr,
	&devpool_dirty_purged_attr.attr.attr,
	NULL,
};

static const struct attribute_group dev_group = {
	.name = "dev",
	.attrs = dev_attrs,
};

/* ==== arenas/<i>/: the automatic arenas ================================ */

static struct kobject *arenas_kobj;
static struct kobject **arena_kobjs;

/*
 * The directory name is the arena's index.  The directory exists only
 * while its arena is live (see the top of the file).
 */
static struct aa_arena *kobj_arena(struct kobject *kobj)
{
	unsigned int id;

	if (kstrtouint(kobject_name(kobj), 10, &id) || id >= READ_ONCE(aa_narenas_auto))
		return NULL;
	return READ_ONCE(aa_arenas[id]);
}

static ssize_t node_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct aa_arena *arena = kobj_arena(kobj);

	return arena ? sysfs_emit(buf, "%d\n", arena->nid) : -ENODEV;
}

static struct kobj_attribute arena_node_attr = __ATTR_RO(node);

static ssize_t nthreads_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct aa_arena *arena = kobj_arena(kobj);

	return arena ? sysfs_emit(buf, "%u\n", READ_ONCE(arena->nthreads)) : -ENODEV;
}

static struct kobj_attribute arena_nthreads_attr = __ATTR_RO(nthreads);

/*
 * An arena's decay windows: its own value, or -2 (AA_DECAY_FOLLOW) when
 * it follows the global one.  The global knobs' parser, with -2 allowed.
 */
struct arena_knob_attribute {
	struct kobj_attribute attr;
	const struct arenalloc_knob *knob;
	size_t offset;		/* of the long in struct aa_arena */
};

#define to_arena_knob(a) container_of(a, struct arena_knob_attribute, attr)

static long *arena_knob_val(struct aa_arena *arena, struct kobj_attribute *attr)
{
	return (long *)((char *)arena + to_arena_knob(attr)->offset);
}

static ssize_t arena_knob_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf)
{
	struct aa_arena *arena = kobj_arena(kobj);

	if (!arena)
		return -ENODEV;
	return sysfs_emit(buf, "%ld\n", READ_ONCE(*arena_knob_val(arena, attr)));
}

static ssize_t arena_knob_store(struct kobject *kobj, struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	struct aa_arena *arena = kobj_arena(kobj);
	long old;
	int ret;

	if (!arena)
		return -ENODEV;
	ret = arenalloc_knob_store_at(to_arena_knob(attr)->knob, buf,
				      arena_knob_val(arena, attr), &old);
	if (ret)
		return ret;
	/* Works waiting for an epoch of the old window run on the new one. */
	aa_decay_arena_changed(arena);
	return count;
}

/* ARENA_KNOB_ATTR(dirty): arenas/<i>/dirty_decay_ms. */
#define ARENA_KNOB_ATTR(_kind)						\
	static struct arena_knob_attribute arena_##_kind##_decay_ms_attr = { \
		.attr = __ATTR(_kind##_decay_ms, 0644, arena_knob_show,	\
			       arena_knob_store),			\
		.knob = &arenalloc_knob_arena_##_kind##_decay_ms,	\
		.offset = offsetof(struct aa_arena, _kind##_decay_ms),	\
	}

ARENA_KNOB_ATTR(dirty);
ARENA_KNOB_ATTR(muzzy);

/* purge and decay of one arena: "1" only, as the global triggers. */
static ssize_t arena_trigger_store(struct kobject *kobj, struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	const struct arenalloc_knob *knob = to_knob(attr);
	struct aa_arena *arena = kobj_arena(kobj);
	long v;
	int ret;

	if (!arena)
		return -ENODEV;
	ret = arenalloc_knob_parse(knob, buf, &v);
	if (ret)
		return ret;
	aa_decay_arena_run(arena, aa_decay_now(), knob == &arenalloc_knob_purge);
	return count;
}

static struct knob_attribute arena_purge_attr = {
	.attr = __ATTR(purge, 0200, NULL, arena_trigger_store),
	.knob = &arenalloc_knob_purge,
};

static struct knob_attribute arena_decay_attr = {
	.attr = __ATTR(decay, 0200, NULL, arena_trigger_store),
	.knob = &arenalloc_knob_decay,
};

static struct attribute *arena_attrs[] = {
	&arena_node_attr.attr,
	&arena_nthreads_attr.attr,
	&arena_dirty_decay_ms_attr.attr.attr,
	&arena_muzzy_decay_ms_attr.attr.attr,
	&arena_purge_attr.attr.attr,
	&arena_decay_attr.attr.attr,
	NULL,
};

static const struct attribute_group arena_group = {
	.attrs = arena_attrs,
};

/* arenas/<i>/stats/: the arena's figures, named as the totals in stats/. */
static ssize_t arena_stats_show(struct kobject *kobj, struct kobj_attribute *attr,
				char *buf)
{
	struct aa_arena *arena = kobj_arena(kobj);
	struct aa_stats t;

	if (!arena)
		return -ENODEV;
	aa_stats_arena(arena, &t);
	return u64_attr_emit(attr, buf, &t);
}

#define ARENA_STATS_ATTR(_name)						\
	U64_ATTR(arena_stats_##_name##_attr, #_name, arena_stats_show, struct aa_stats, _name)

ARENA_STATS_ATTR(allocated);
ARENA_STATS_ATTR(active);
ARENA_STATS_ATTR(mapped);
ARENA_STATS_ATTR(resident);
ARENA_STATS_ATTR(nmalloc);
ARENA_STATS_ATTR(ndalloc);
ARENA_STATS_ATTR(node_fallbacks);
ARENA_STATS_ATTR(pdirty);
ARENA_STATS_ATTR(pmuzzy);
ARENA_STATS_ATTR(retained);
ARENA_STATS_ATTR(npurge);
ARENA_STATS_ATTR(nmadvise);
ARENA_STATS_ATTR(purged);

static struct attribute *arena_stats_attrs[] = {
	&arena_stats_allocated_attr.attr.attr,
	&arena_stats_active_attr.attr.attr,
	&arena_stats_mapped_attr.attr.attr,
	&arena_stats_resident_attr.attr.attr,
	&arena_stats_nmalloc_attr.attr.attr,
	&arena_stats_ndalloc_attr.attr.attr,
	&arena_stats_node_fallbacks_attr.attr.attr,
	&arena_stats_pdirty_attr.attr.attr,
	&arena_stats_pmuzzy_attr.attr.attr,
	&arena_stats_retained_attr.attr.attr,
	&arena_stats_npurge_attr.attr.attr,
	&arena_stats_nmadvise_attr.attr.attr,
	&arena_stats_purged_attr.attr.attr,
	NULL,
};

static const struct attribute_group arena_stats_group = {
	.name = "stats",
	.attrs = arena_stats_attrs,
};

static const struct attribute_group *arena_groups[] = {
	&arena_group,
	&arena_stats_group,
	NULL,
};

/**
 * arenalloc_sysfs_arenas_del() - remove arenas/<i>/ for @from <= i < @to
 * @from: first arena id
 * @to:   one past the last
 *
 * Waits for the directories' readers and writers to finish.
 *
 * Context: Process context, with aa_narenas_lock held (or at exit).
 */
void arenalloc_sysfs_arenas_del(unsigned int from, unsigned int to)
{
	unsigned int i;

	for (i = from; arena_kobjs && i < to; i++) {
		if (!arena_kobjs[i])
			continue;
		sysfs_remove_groups(arena_kobjs[i], arena_groups);
		kobject_put(arena_kobjs[i]);
		arena_kobjs[i] = NULL;
	}
}

/**
 * arenalloc_sysfs_arenas_add() - create arenas/<i>/ for @from <= i < @to
 * @from: first arena id
 * @to:   one past the last; the arenas exist
 *
 * Context: Process context, with aa_narenas_lock held (or at init).
 * Return: 0, or -ENOMEM (the directories made are left for the caller to
 * remove with arenalloc_sysfs_arenas_del()).
 */
int arenalloc_sysfs_arenas_add(unsigned int from, unsigned int to)
{
	char name[12];
	unsigned int i;

	for (i = from; i < to; i++) {
		snprintf(name, sizeof(name), "%u", i);
		arena_kobjs[i] = kobject_create_and_add(name, arenas_kobj);
		if (!arena_kobjs[i])
			return -ENOMEM;
		if (sysfs_create_groups(arena_kobjs[i], arena_groups)) {
			kobject_put(arena_kobjs[i]);
			arena_kobjs[i] = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

static void arenas_sysfs_exit(void)
{
	arenalloc_sysfs_arenas_del(0, ARENALLOC_NARENAS_MAX);
	kfree(arena_kobjs);
	arena_kobjs = NULL;
	kobject_put(arenas_kobj);
}

static int arenas_sysfs_init(void)
{
	arenas_kobj = kobject_create_and_add("arenas", arenalloc_kobj);
	/* One slot per automatic arena id, whatever narenas becomes. */
	arena_kobjs = kcalloc(ARENALLOC_NARENAS_MAX, sizeof(*arena_kobjs), GFP_KERNEL);
	if (!arenas_kobj || !arena_kobjs ||
	    arenalloc_sysfs_arenas_add(0, aa_narenas_auto)) {
		arenas_sysfs_exit();
		return -ENOMEM;
	}
	return 0;
}

/* ==== The top directory ================================================= */

static struct attribute *arenalloc_attrs[] = {
	&version_attr.attr,
	&pages_attr.attr,
	&knob_attr_narenas.attr.attr,
	&knob_attr_lg_chunk.attr.attr,
	&knob_attr_debug.attr.attr,
	&knob_attr_dirty_decay_ms.attr.attr,
	&knob_attr_muzzy_decay_ms.attr.attr,
	&knob_attr_tcache_max.attr.attr,
	&knob_attr_tcache_gc_interval.attr.attr,
	&knob_attr_stats_print_interval.attr.attr,
	&knob_attr_purge.attr.attr,
	&knob_attr_decay.attr.attr,
	NULL,
};

static const struct attribute_group arenalloc_group = {
	.attrs = arenalloc_attrs,
};

int arenalloc_sysfs_init(void)
{
	int ret;

	arenalloc_kobj = kobject_create_and_add("arenalloc", kernel_kobj);
	if (!arenalloc_kobj)
		return -ENOMEM;
	/*
	 * arenas/ before the narenas file: a write to it adds to arenas/,
	 * which must exist, and must not race the first directories.
	 */
	ret = arenas_sysfs_init();
	if (ret)
		goto undo_kobj;
	ret = sysfs_create_group(arenalloc_kobj, &arenalloc_group);
	if (ret)
		goto undo_arenas;
	ret = sysfs_create_group(arenalloc_kobj, &stats_group);
	if (ret)
		goto undo_group;
	ret = sysfs_create_group(arenalloc_kobj, &dev_group);
	if (ret)
		goto undo_stats;
	return 0;

undo_stats:
	sysfs_remove_group(arenalloc_kobj, &stats_group);
undo_group:
	sysfs_remove_group(arenalloc_kobj, &arenalloc_group);
undo_arenas:
	arenas_sysfs_exit();
undo_kobj:
	kobject_put(arenalloc_kobj);
	return ret;
}

void arenalloc_sysfs_exit(void)
{
	/* narenas first: a write in flight ends before arenas/ goes. */
	sysfs_remove_group(arenalloc_kobj, &arenalloc_group);
	arenas_sysfs_exit();
	sysfs_remove_group(arenalloc_kobj, &dev_group);
	sysfs_remove_group(arenalloc_kobj, &stats_group);
	kobject_put(arenalloc_kobj);
}
