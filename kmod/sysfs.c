// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/arenalloc/: one value per file (Documentation/ABI/testing/
 * sysfs-kernel-arenalloc lists them).
 *
 * Knob files read and write through config.c, so a bad write gets the same
 * -EINVAL and the same log line as a bad insmod parameter and changes
 * nothing.  Statistics files are read-only snapshots.
 *
 * Locking: none here.  kernfs keeps show/store from running after
 * arenalloc_sysfs_exit() removes the files, and config.c serialises
 * knob writers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/nodemask.h>
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
	int ret = arenalloc_knob_store(to_knob(attr), buf);

	return ret ? ret : count;
}

#define KNOB_ATTR(_name, _mode)						\
	static struct knob_attribute knob_attr_##_name = {		\
		.attr = __ATTR(_name, _mode, knob_show, knob_store),	\
		.knob = &arenalloc_knob_##_name,			\
	}

KNOB_ATTR(narenas, 0444);
KNOB_ATTR(lg_chunk, 0444);
KNOB_ATTR(debug, 0444);
KNOB_ATTR(dirty_decay_ms, 0644);
KNOB_ATTR(muzzy_decay_ms, 0644);
KNOB_ATTR(tcache_max, 0644);

/* ==== Read-only information ============================================= */

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", ARENALLOC_VERSION);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);

/* Pages held from the page allocator, per node: "N0=512 N1=0". */
static ssize_t pages_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	int len = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY)
		len += sysfs_emit_at(buf, len, "%sN%d=%lu", len ? " " : "", nid,
				     arenalloc_pages_held(nid));
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static struct kobj_attribute pages_attr = __ATTR_RO(pages);

static struct attribute *arenalloc_attrs[] = {
	&version_attr.attr,
	&pages_attr.attr,
	&knob_attr_narenas.attr.attr,
	&knob_attr_lg_chunk.attr.attr,
	&knob_attr_debug.attr.attr,
	&knob_attr_dirty_decay_ms.attr.attr,
	&knob_attr_muzzy_decay_ms.attr.attr,
	&knob_attr_tcache_max.attr.attr,
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
	ret = sysfs_create_group(arenalloc_kobj, &arenalloc_group);
	if (ret)
		kobject_put(arenalloc_kobj);
	return ret;
}

void arenalloc_sysfs_exit(void)
{
	sysfs_remove_group(arenalloc_kobj, &arenalloc_group);
	kobject_put(arenalloc_kobj);
}
