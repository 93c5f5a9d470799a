// SPDX-License-Identifier: GPL-2.0
/*
 * arenalloc_sample: a client of arenalloc's in-kernel API.
 *
 * This module uses arenalloc the way a subsystem with a pool of objects of
 * its own would:
 *
 *  - it creates a private arena on the node of the CPU it loads on, so that
 *    its objects share no pages with anyone else's and can be released all
 *    at once;
 *  - it allocates a few thousand objects of varied sizes (a few of them
 *    large) from that arena with arenalloc_mallocx(), some zeroed, some
 *    bypassing the per-CPU cache, and keeps them in a hash table;
 *  - it checks what the API promises: contents stay intact, the usable size
 *    covers the request and is what arenalloc_nallocx() predicts, zeroed
 *    memory reads as zero, arenalloc_realloc() keeps the old contents, and
 *    ARENALLOC_ALIGN() is honoured;
 *  - it frees half of the objects from a work item on another CPU, as a
 *    subsystem freeing from a completion path would;
 *  - at unload it frees the rest one by one, or, with leave_in_arena=1,
 *    leaves them to arenalloc_arena_destroy(), which frees whatever the
 *    arena still holds.
 *
 * A failed check logs "check failed: ..." and makes the load fail with
 * EINVAL, once everything allocated so far has been freed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/arenalloc.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#define SAMPLE_NR_OBJS		4096
#define SAMPLE_MIN_PAYLOAD	16
#define SAMPLE_MAX_PAYLOAD	3000
#define SAMPLE_LARGE_PAYLOAD	(20 * 1024)
#define SAMPLE_HUGE_PAYLOAD	(100 * 1024)

static bool leave_in_arena;
module_param(leave_in_arena, bool, 0444);
MODULE_PARM_DESC(leave_in_arena,
		 "At unload, leave the objects to arenalloc_arena_destroy() instead of freeing each");

/* One entry of the table: a key and a payload of its own length. */
struct sample_obj {
	struct hlist_node node;
	u32 key;
	u32 len;		/* bytes of payload */
	u8 payload[];
};

/* Aligned allocations: request size and alignment. */
static const struct {
	size_t size;
	size_t align;
} sample_aligned_reqs[] = {
	{ 24, 64 }, { 100, 64 }, { 5000, 64 },
	{ 100, 4096 }, { 4096, 4096 }, { 10000, 4096 },
};

static DEFINE_HASHTABLE(sample_table, 10);
static void *sample_aligned[ARRAY_SIZE(sample_aligned_reqs)];
static int sample_arena;
static unsigned int sample_live;	/* objects allocated and not freed */

/* A work item that frees a list of objects on the CPU it runs on. */
struct sample_free_work {
	struct work_struct work;
	struct hlist_head objs;
	unsigned int nr;	/* objects it freed */
	int cpu;		/* where it ran */
};

/* Report a failed check on the object with @key; the load fails. */
static int sample_fail(const char *what, u32 key)
{
	pr_err("check failed: %s (key %u)\n", what, key);
	return -EINVAL;
}

static int sample_fail_aligned(const char *what, unsigned int i)
{
	pr_err("check failed: %s (%zu bytes aligned to %zu)\n", what,
	       sample_aligned_reqs[i].size, sample_aligned_reqs[i].align);
	return -EINVAL;
}

/* Odd keys are freed at load, from another CPU. */
static bool sample_freed_at_load(u32 key)
{
	return key & 1;
}

/* Some of those are grown first; all of them are odd. */
static bool sample_grown(u32 key)
{
	return key % 16 == 1 || key % 1024 == 301;
}

/* Mostly small payloads; a few large ones, half of them kept. */
static size_t sample_payload_len(u32 key)
{
	if (key % 1024 == 300 || key % 1024 == 301)
		return SAMPLE_HUGE_PAYLOAD;
	if (key % 512 == 100 || key % 512 == 101)
		return SAMPLE_LARGE_PAYLOAD;
	return SAMPLE_MIN_PAYLOAD +
	       hash_32(key, 16) % (SAMPLE_MAX_PAYLOAD - SAMPLE_MIN_PAYLOAD + 1);
}

static int sample_flags(u32 key)
{
	int flags = ARENALLOC_ARENA(sample_arena);

	if (key % 3 == 0)
		flags |= ARENALLOC_ZERO;
	if (key % 7 == 0)
		flags |= ARENALLOC_TCACHE_NONE;
	return flags;
}

static u8 sample_pattern(u32 key, size_t i)
{
	return (u8)(key * 13 + (key >> 8) + i * 7);
}

static void sample_fill_payload(struct sample_obj *obj, size_t from)
{
	size_t i;

	for (i = from; i < obj->len; i++)
		obj->payload[i] = sample_pattern(obj->key, i);
}

static bool sample_payload_ok(const struct sample_obj *obj, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (obj->payload[i] != sample_pattern(obj->key, i))
			return false;
	return true;
}

/* The usable size covers the request and is what nallocx() predicted. */
static bool sample_size_ok(const void *p, size_t size, int flags)
{
	size_t usable = arenalloc_usable_size(p);

	return usable >= size && usable == arenalloc_nallocx(size, flags);
}

static struct sample_obj *sample_lookup(u32 key)
{
	struct sample_obj *obj;

	hash_for_each_possible(sample_table, obj, node, key)
		if (obj->key == key)
			return obj;
	return NULL;
}

/* Checks on a fresh object, before it is filled. */
static int sample_check_new(const void *p, size_t size, int flags, u32 key)
{
	if ((flags & ARENALLOC_ZERO) && memchr_inv(p, 0, size))
		return sample_fail("zeroed object not zero", key);
	if (!sample_size_ok(p, size, flags))
		return sample_fail("usable size", key);
	return 0;
}

static int sample_insert(u32 key)
{
	size_t len = sample_payload_len(key);
	int flags = sample_flags(key);
	struct sample_obj *obj;
	size_t size;
	int ret;

	size = struct_size(obj, payload, len);
	obj = arenalloc_mallocx(size, flags, GFP_KERNEL);
	if (!obj) {
		pr_err("allocation of %zu bytes failed (key %u)\n", size, key);
		return -ENOMEM;
	}
	ret = sample_check_new(obj, size, flags, key);
	if (ret) {
		arenalloc_free(obj);
		return ret;
	}
	obj->key = key;
	obj->len = len;
	sample_fill_payload(obj, 0);
	hash_add(sample_table, &obj->node, key);
	sample_live++;
	return 0;
}

static int sample_insert_all(void)
{
	u32 key;
	int ret;

	for (key = 0; key < SAMPLE_NR_OBJS; key++) {
		ret = sample_insert(key);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

static int sample_verify_one(u32 key, bool halved)
{
	struct sample_obj *obj = sample_lookup(key);

	if (halved && sample_freed_at_load(key))
		return obj ? sample_fail("freed object still in the table", key) : 0;
	if (!obj)
		return sample_fail("object missing from the table", key);
	if (obj->len != sample_payload_len(key))
		return sample_fail("payload length changed", key);
	if (!sample_payload_ok(obj, obj->len))
		return sample_fail("payload pattern", key);
	if (!sample_size_ok(obj, struct_size(obj, payload, obj->len),
			    sample_flags(key)))
		return sample_fail("usable size", key);
	return 0;
}

/* Every object is where it should be, with its contents intact. */
static int sample_verify(bool halved)
{
	u32 key;
	int ret;

	for (key = 0; key < SAMPLE_NR_OBJS; key++) {
		ret = sample_verify_one(key, halved);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

/* Roughly double @obj's payload; the old payload must survive the move. */
static int sample_grow_one(struct sample_obj *obj)
{
	size_t old_len = obj->len, len = 2 * old_len + 64;
	struct sample_obj *new;
	u32 key = obj->key;
	size_t size;

	size = struct_size(obj, payload, len);
	hash_del(&obj->node);
	new = arenalloc_realloc(obj, size, GFP_KERNEL);
	if (!new) {
		hash_add(sample_table, &obj->node, key);
		pr_err("realloc to %zu bytes failed (key %u)\n", size, key);
		return -ENOMEM;
	}
	hash_add(sample_table, &new->node, key);
	if (new->key != key || new->len != old_len ||
	    !sample_payload_ok(new, old_len))
		return sample_fail("contents lost in realloc", key);
	if (!sample_size_ok(new, size, 0))
		return sample_fail("usable size after realloc", key);
	new->len = len;
	sample_fill_payload(new, old_len);
	return 0;
}

static int sample_grow_some(unsigned int *nr)
{
	struct sample_obj *obj;
	u32 key;
	int ret;

	for (key = 0; key < SAMPLE_NR_OBJS; key++) {
		if (!sample_grown(key))
			continue;
		obj = sample_lookup(key);
		if (!obj)
			return sample_fail("object missing from the table", key);
		ret = sample_grow_one(obj);
		if (ret)
			return ret;
		(*nr)++;
	}
	return 0;
}

static void sample_free_fn(struct work_struct *work)
{
	struct sample_free_work *fw =
		container_of(work, struct sample_free_work, work);
	struct sample_obj *obj;
	struct hlist_node *tmp;

	fw->cpu = raw_smp_processor_id();
	hlist_for_each_entry_safe(obj, tmp, &fw->objs, node) {
		hlist_del(&obj->node);
		arenalloc_free(obj);
		fw->nr++;
	}
}

/* Move the objects to be freed from the table onto @objs. */
static unsigned int sample_take_half(struct hlist_head *objs)
{
	struct sample_obj *obj;
	struct hlist_node *tmp;
	unsigned int nr = 0;
	int bkt;

	hash_for_each_safe(sample_table, bkt, tmp, obj, node) {
		if (!sample_freed_at_load(obj->key))
			continue;
		hash_del(&obj->node);
		hlist_add_head(&obj->node, objs);
		nr++;
	}
	return nr;
}

/*
 * Free half of the objects from a work item on another online CPU (the
 * same one when it is the only one), so that they go back to the arena
 * from a CPU other than the one that allocated them.
 */
static int sample_free_half(unsigned int *nr, int *cpu)
{
	struct sample_free_work fw = { .cpu = -1 };
	unsigned int expected;
	int this_cpu;

	INIT_WORK_ONSTACK(&fw.work, sample_free_fn);
	INIT_HLIST_HEAD(&fw.objs);
	expected = sample_take_half(&fw.objs);

	cpus_read_lock();	/* keeps the chosen CPU online */
	this_cpu = raw_smp_processor_id();
	*cpu = cpumask_any_but(cpu_online_mask, this_cpu);
	if (*cpu >= nr_cpu_ids)
		*cpu = this_cpu;
	queue_work_on(*cpu, system_wq, &fw.work);
	flush_work(&fw.work);
	cpus_read_unlock();
	destroy_work_on_stack(&fw.work);

	sample_live -= fw.nr;
	*nr = fw.nr;
	if (fw.nr != expected) {
		pr_err("check failed: work freed %u objects of %u\n",
		       fw.nr, expected);
		return -EINVAL;
	}
	if (fw.cpu != *cpu) {
		pr_err("check failed: work ran on CPU %d, not %d\n",
		       fw.cpu, *cpu);
		return -EINVAL;
	}
	return 0;
}

static int sample_alloc_aligned(void)
{
	size_t size, align;
	unsigned int i;
	int flags;
	void *p;

	for (i = 0; i < ARRAY_SIZE(sample_aligned_reqs); i++) {
		size = sample_aligned_reqs[i].size;
		align = sample_aligned_reqs[i].align;
		flags = ARENALLOC_ARENA(sample_arena) | ARENALLOC_ALIGN(align);
		p = arenalloc_mallocx(size, flags, GFP_KERNEL);
		if (!p) {
			pr_err("allocation of %zu bytes aligned to %zu failed\n",
			       size, align);
			return -ENOMEM;
		}
		sample_aligned[i] = p;
		sample_live++;
		if (!IS_ALIGNED((unsigned long)p, align))
			return sample_fail_aligned("alignment", i);
		if (!sample_size_ok(p, size, flags))
			return sample_fail_aligned("usable size", i);
		memset(p, 0xa5, size);
	}
	return 0;
}

/* Free, one by one, every object the module still holds. */
static void sample_free_all(void)
{
	struct sample_obj *obj;
	struct hlist_node *tmp;
	unsigned int i;
	int bkt;

	hash_for_each_safe(sample_table, bkt, tmp, obj, node) {
		hash_del(&obj->node);
		arenalloc_free(obj);
		sample_live--;
	}
	for (i = 0; i < ARRAY_SIZE(sample_aligned); i++) {
		if (!sample_aligned[i])
			continue;
		arenalloc_free(sample_aligned[i]);
		sample_aligned[i] = NULL;
		sample_live--;
	}
}

static int sample_destroy_arena(void)
{
	int ret = arenalloc_arena_destroy(sample_arena);

	if (ret)
		pr_err("arenalloc_arena_destroy(%d) failed: %d\n",
		       sample_arena, ret);
	return ret;
}

static int __init sample_init(void)
{
	unsigned int nr_grown = 0, nr_freed = 0;
	int node = numa_node_id(), free_cpu = -1;
	int ret;

	ret = arenalloc_arena_create(node, 0);
	if (ret < 0) {
		pr_err("arenalloc_arena_create(%d) failed: %d\n", node, ret);
		return ret;
	}
	sample_arena = ret;

	ret = sample_insert_all();
	if (ret)
		goto destroy_arena;
	ret = sample_verify(false);
	if (ret)
		goto destroy_arena;
	ret = sample_grow_some(&nr_grown);
	if (ret)
		goto destroy_arena;
	ret = sample_free_half(&nr_freed, &free_cpu);
	if (ret)
		goto destroy_arena;
	ret = sample_verify(true);
	if (ret)
		goto destroy_arena;
	ret = sample_alloc_aligned();
	if (ret)
		goto destroy_arena;

	pr_info("arena %d on node %d: %u objects, %u grown, %u freed on CPU %d, %zu aligned, %u kept\n",
		sample_arena, node, SAMPLE_NR_OBJS, nr_grown, nr_freed,
		free_cpu, ARRAY_SIZE(sample_aligned), sample_live);
	return 0;

destroy_arena:
	sample_free_all();
	sample_destroy_arena();
	return ret;
}

static void __exit sample_exit(void)
{
	unsigned int live = sample_live;

	if (!leave_in_arena)
		sample_free_all();
	if (!sample_destroy_arena())
		pr_info("arena %d destroyed, %u objects %s\n", sample_arena,
			live, leave_in_arena ? "left to it" : "freed one by one");
}

module_init(sample_init);
module_exit(sample_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("arenalloc sample client: a private arena behind a hash table");
MODULE_IMPORT_NS(ARENALLOC);
