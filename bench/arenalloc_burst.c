// SPDX-License-Identifier: GPL-2.0
/*
 * arenalloc_burst: a burst of kernel-arena memory held and freed on
 * command, for the decay and shrinker figures of `make bench`.  The
 * program that keeps the time (userspace/bench/kbench.c) writes:
 *
 *   /sys/module/arenalloc_burst/parameters/obj_size   bytes per object
 *                                                     (default 64 KiB)
 *   /sys/module/arenalloc_burst/parameters/burst_mib  N > 0: allocate N MiB
 *        in objects of obj_size through arenalloc_malloc(), one byte of
 *        each written; 0: free them all, in the order they were allocated.
 *        A write returns once the work is done; a read gives the MiB held.
 *
 * What happens to the pages afterwards (decay, the shrinker) is the
 * module's business; the program watches /sys/kernel/arenalloc.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/arenalloc.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>

static DEFINE_MUTEX(burst_lock);	/* protects everything below */
static void **burst;			/* the objects held */
static size_t burst_n;
static unsigned int burst_mib;
static unsigned int obj_size = 64 << 10;

static void burst_free(void)
{
	size_t i;

	for (i = 0; i < burst_n; i++) {
		arenalloc_free(burst[i]);
		cond_resched();
	}
	kvfree(burst);
	burst = NULL;
	burst_n = 0;
	burst_mib = 0;
}

static int burst_alloc(unsigned int mib)
{
	size_t i, n = ((size_t)mib << 20) / obj_size;

	burst = kvmalloc_array(n, sizeof(*burst), GFP_KERNEL);
	if (!burst)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		char *p = arenalloc_malloc(obj_size, GFP_KERNEL);

		if (!p) {
			burst_n = i;
			burst_free();
			return -ENOMEM;
		}
		WRITE_ONCE(*p, 1);
		burst[i] = p;
		cond_resched();
	}
	burst_n = n;
	burst_mib = mib;
	return 0;
}

static int burst_mib_set(const char *val, const struct kernel_param *kp)
{
	unsigned int mib;
	int ret = kstrtouint(val, 0, &mib);

	if (ret)
		return ret;
	mutex_lock(&burst_lock);
	burst_free();
	if (mib)
		ret = burst_alloc(mib);
	mutex_unlock(&burst_lock);
	return ret;
}

static const struct kernel_param_ops burst_mib_ops = {
	.set = burst_mib_set,
	.get = param_get_uint,
};
module_param_cb(burst_mib, &burst_mib_ops, &burst_mib, 0600);
MODULE_PARM_DESC(burst_mib, "write N: hold N MiB of objects of obj_size; 0: free them");

static int obj_size_set(const char *val, const struct kernel_param *kp)
{
	unsigned int size;
	int ret = kstrtouint(val, 0, &size);

	if (ret)
		return ret;
	if (!size || size > (1U << 30))
		return -EINVAL;
	mutex_lock(&burst_lock);
	obj_size = size;
	mutex_unlock(&burst_lock);
	return 0;
}

static const struct kernel_param_ops obj_size_ops = {
	.set = obj_size_set,
	.get = param_get_uint,
};
module_param_cb(obj_size, &obj_size_ops, &obj_size, 0600);
MODULE_PARM_DESC(obj_size, "bytes per object of the next burst (default 65536)");

static int __init arenalloc_burst_init(void)
{
	return 0;
}

static void __exit arenalloc_burst_exit(void)
{
	mutex_lock(&burst_lock);
	burst_free();
	mutex_unlock(&burst_lock);
}

module_init(arenalloc_burst_init);
module_exit(arenalloc_burst_exit);

MODULE_DESCRIPTION("A burst of arenalloc memory held and freed on command, for make bench");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ARENALLOC);
