// SPDX-License-Identifier: GPL-2.0
/*
 * arenalloc_bench: side-by-side timing of arenalloc and the kernel's own
 * allocators, run by `make bench` in a VM and printed to the kernel log.
 *
 * Every test runs its contenders in alternating rounds (ROUNDS of them, on
 * the same CPU where the test is single-CPU) so drift hits all alike, and
 * prints one machine-readable line per round:
 *
 *   arenalloc_bench: row <test> <contender> <round> <ns>
 *
 * scripts/bench.sh turns these into out/bench/kernel.tsv.  Tests:
 *   pair_<size>    allocate and free one object, over and over (the
 *                  per-CPU cache hit path); sizes 8 B to 16 KiB, odd ones
 *                  included.  Contenders: arenalloc, kmalloc, a kmem_cache
 *                  of exactly that size, and arenalloc_nocache
 *                  (ARENALLOC_TCACHE_NONE: straight to the arena)
 *   batch_<size>   allocate BATCH objects, then free them all (refills and
 *                  flushes between the caches and the arenas or slabs)
 *   large_<size>   32 KiB to 4 MiB: arenalloc against alloc_pages +
 *                  __free_pages of the covering order and kvmalloc + kvfree
 *   remote_<size>  one kthread allocates on the first CPU, another frees
 *                  on the second (a producer/consumer through a ring)
 *   allcpu_<size>  a kthread on every online CPU does pairs at once;
 *                  the slowest CPU's ns per pair
 * Each object is touched once so no call can be optimised away.  Both
 * sides zero as the kernel was booted (init_on_alloc), so the comparison
 * is fair either way.  The numbers are nanoseconds per allocation+free on
 * whatever machine runs the VM; under QEMU TCG only the ratios between
 * contenders mean anything.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/arenalloc.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#define ROUNDS	7
#define PAIRS	20000
#define BATCH	1000
#define RING	256

static unsigned int iterations = PAIRS;
module_param(iterations, uint, 0444);
MODULE_PARM_DESC(iterations, "alloc+free pairs per round (default 20000)");

static bool count;
module_param(count, bool, 0444);
MODULE_PARM_DESC(count, "warm up only, for scripts/bench-count.sh (instruction counts)");

static void **batch;

/* ---- contenders, all called directly (no function pointers) ---------- */

enum who { AA, KM, KC, AA_NC, PAGES, KV };

static const char *const who_name[] = {
	[AA] = "arenalloc", [KM] = "kmalloc", [KC] = "kmem_cache",
	[AA_NC] = "arenalloc_nocache", [PAGES] = "alloc_pages", [KV] = "kvmalloc",
};

static struct kmem_cache *cache;	/* for KC: exactly the size under test */

static __always_inline void *b_alloc(enum who w, size_t size)
{
	struct page *pg;

	switch (w) {
	case AA:
		return arenalloc_malloc(size, GFP_KERNEL);
	case KM:
		return kmalloc(size, GFP_KERNEL);
	case KC:
		return kmem_cache_alloc(cache, GFP_KERNEL);
	case AA_NC:
		return arenalloc_mallocx(size, ARENALLOC_TCACHE_NONE, GFP_KERNEL);
	case PAGES:
		pg = alloc_pages(GFP_KERNEL, get_order(size));
		return pg ? page_address(pg) : NULL;
	case KV:
		return kvmalloc(size, GFP_KERNEL);
	}
	return NULL;
}

static __always_inline void b_free(enum who w, void *p, size_t size)
{
	switch (w) {
	case AA:
		arenalloc_free(p);
		break;
	case KM:
		kfree(p);
		break;
	case KC:
		kmem_cache_free(cache, p);
		break;
	case AA_NC:
		arenalloc_sdallocx(p, size, ARENALLOC_TCACHE_NONE);
		break;
	case PAGES:
		__free_pages(virt_to_page(p), get_order(size));
		break;
	case KV:
		kvfree(p);
		break;
	}
}

/* ---- single-CPU patterns --------------------------------------------- */

/* Nanoseconds per pair for one round, or 0 if an allocation failed. */
static __always_inline u64 round_pairs(enum who w, size_t size, unsigned int n)
{
	unsigned int i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		char *p = b_alloc(w, size);

		if (!p)
			return 0;
		WRITE_ONCE(*p, 1);
		b_free(w, p, size);
	}
	return (ktime_get_ns() - t0) / n;
}

static __always_inline u64 round_batch(enum who w, size_t size)
{
	unsigned int i, r, reps = max(1U, iterations / BATCH);
	u64 t0;

	t0 = ktime_get_ns();
	for (r = 0; r < reps; r++) {
		for (i = 0; i < BATCH; i++) {
			batch[i] = b_alloc(w, size);
			if (!batch[i])
				goto fail;
			WRITE_ONCE(*(char *)batch[i], 1);
		}
		for (i = 0; i < BATCH; i++)
			b_free(w, batch[i], size);
	}
	return (ktime_get_ns() - t0) / (reps * BATCH);
fail:
	while (i--)
		b_free(w, batch[i], size);
	return 0;
}

static void print_round(const char *test, size_t size, enum who w, unsigned int r, u64 ns)
{
	pr_info("row %s_%zu %s %u %llu\n", test, size, who_name[w], r, ns);
}

/*
 * One round of a pattern.  Each case inlines the round with a constant
 * contender, so every allocator is called directly, as a user would.
 */
static noinline u64 run_round(enum who w, bool batched, size_t size, unsigned int n)
{
	switch (w) {
	case AA:
		return batched ? round_batch(AA, size) : round_pairs(AA, size, n);
	case KM:
		return batched ? round_batch(KM, size) : round_pairs(KM, size, n);
	case KC:
		return batched ? round_batch(KC, size) : round_pairs(KC, size, n);
	case AA_NC:
		return batched ? round_batch(AA_NC, size) : round_pairs(AA_NC, size, n);
	case PAGES:
		return round_pairs(PAGES, size, n);
	case KV:
		return round_pairs(KV, size, n);
	}
	return 0;
}

/* ROUNDS rounds of each contender; each round starts with the next one. */
static void bench_rounds(const char *test, const enum who *order, unsigned int nwho,
			 bool batched, size_t size, unsigned int n)
{
	unsigned int r, i;

	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < nwho; i++) {
			enum who w = order[(i + r) % nwho];

			print_round(test, size, w, r, run_round(w, batched, size, n));
		}
	}
}

static void bench_small(size_t size)
{
	static const enum who order[] = { AA, KM, KC, AA_NC };

	cache = kmem_cache_create("arenalloc_bench", size, 0, 0, NULL);
	if (!cache)
		return;
	bench_rounds("pair", order, ARRAY_SIZE(order), false, size, iterations);
	bench_rounds("batch", order, ARRAY_SIZE(order), true, size, iterations);
	kmem_cache_destroy(cache);
	cache = NULL;
}

static void bench_large(size_t size)
{
	static const enum who order[] = { AA, PAGES, KV };

	bench_rounds("large", order, ARRAY_SIZE(order), false, size,
		     max(1U, iterations / 100));
}

/* ---- multi-CPU patterns ------------------------------------------------ */

struct remote {
	void *ring[RING];
	unsigned int head;	/* written by the producer only */
	unsigned int tail;	/* written by the consumer only */
	unsigned int n;
	size_t size;
	enum who w;
	struct completion done;
};

/*
 * A single-producer single-consumer ring: the producer publishes a slot
 * with smp_store_release() of head after writing it; the consumer reads
 * head with smp_load_acquire() before the slot, and hands the slot back
 * the same way through tail.
 */
static int remote_consumer(void *arg)
{
	struct remote *rm = arg;
	unsigned int i;

	for (i = 0; i < rm->n; i++) {
		void *p;

		/* Pairs with the producer's release of head: the slot is written. */
		while (smp_load_acquire(&rm->head) == rm->tail)
			cond_resched();
		p = rm->ring[rm->tail % RING];
		/* Pairs with the producer's acquire of tail: the slot is read. */
		smp_store_release(&rm->tail, rm->tail + 1);
		if (rm->w == AA)
			b_free(AA, p, rm->size);
		else
			b_free(KM, p, rm->size);
	}
	complete(&rm->done);
	return 0;
}

static u64 round_remote(enum who w, size_t size)
{
	struct remote *rm = kzalloc(sizeof(*rm), GFP_KERNEL);
	struct task_struct *t;
	unsigned int i;
	u64 t0, ns = 0;

	if (!rm || num_online_cpus() < 2)
		goto out;
	rm->n = iterations;
	rm->size = size;
	rm->w = w;
	init_completion(&rm->done);
	t = kthread_create(remote_consumer, rm, "aa_bench_free");
	if (IS_ERR(t))
		goto out;
	/* With migration off here, the consumer surely gets another CPU. */
	cpus_read_lock();
	migrate_disable();
	kthread_bind(t, cpumask_any_but(cpu_online_mask, smp_processor_id()));
	t0 = ktime_get_ns();
	wake_up_process(t);
	for (i = 0; i < rm->n; i++) {
		void *p = w == AA ? b_alloc(AA, size) : b_alloc(KM, size);

		/* On failure, hand NULL on: both frees accept it. */
		if (p)
			WRITE_ONCE(*(char *)p, 1);
		/* Pairs with the consumer's release of tail: the slot is free. */
		while (rm->head - smp_load_acquire(&rm->tail) >= RING)
			cond_resched();
		rm->ring[rm->head % RING] = p;
		/* Pairs with the consumer's acquire of head: publish the slot. */
		smp_store_release(&rm->head, rm->head + 1);
	}
	wait_for_completion(&rm->done);
	ns = (ktime_get_ns() - t0) / rm->n;
	migrate_enable();
	cpus_read_unlock();
out:
	kfree(rm);
	return ns;
}

struct allcpu {
	enum who w;
	size_t size;
	atomic_t left;
	struct completion go, done;
	u64 worst;
	spinlock_t lock;	/* protects worst */
};

static int allcpu_thread(void *arg)
{
	struct allcpu *ac = arg;
	u64 ns;

	wait_for_completion(&ac->go);
	ns = ac->w == AA ? round_pairs(AA, ac->size, iterations) :
			   round_pairs(KM, ac->size, iterations);
	spin_lock(&ac->lock);
	ac->worst = max(ac->worst, ns);
	spin_unlock(&ac->lock);
	if (atomic_dec_and_test(&ac->left))
		complete(&ac->done);
	return 0;
}

static u64 round_allcpu(enum who w, size_t size)
{
	struct allcpu *ac = kzalloc(sizeof(*ac), GFP_KERNEL);
	unsigned int cpu;
	u64 ns;

	if (!ac)
		return 0;
	cpus_read_lock();
	ac->w = w;
	ac->size = size;
	spin_lock_init(&ac->lock);
	init_completion(&ac->go);
	init_completion(&ac->done);
	atomic_set(&ac->left, num_online_cpus());
	for_each_online_cpu(cpu) {
		struct task_struct *t = kthread_create_on_cpu(allcpu_thread, ac, cpu,
							      "aa_bench/%u");

		if (IS_ERR(t)) {
			if (atomic_dec_and_test(&ac->left))
				complete(&ac->done);
			continue;
		}
		wake_up_process(t);
	}
	complete_all(&ac->go);
	wait_for_completion(&ac->done);
	cpus_read_unlock();
	ns = ac->worst;
	kfree(ac);
	return ns;
}

/* Multi-CPU patterns: arenalloc against kmalloc, alternating first. */
static void bench_multi(const char *test, u64 (*round)(enum who w, size_t size), size_t size)
{
	unsigned int r;

	for (r = 0; r < ROUNDS; r++) {
		enum who first = r & 1 ? KM : AA, second = r & 1 ? AA : KM;

		print_round(test, size, first, r, round(first, size));
		print_round(test, size, second, r, round(second, size));
	}
}

/* ---- instruction counts ------------------------------------------------ */

/*
 * With count=1 the module only warms the caches up.  scripts/bench-count.sh
 * then attaches gdb to QEMU's gdb stub, breaks on each count_*() below and
 * single-steps one call to its return, counting every instruction executed
 * (interrupts are held off while QEMU single-steps), then sets count_go so
 * the guest writes count_now and the calls run.  Each function is one
 * warmed-up allocation and free of COUNT_SIZE bytes (a constant, as most
 * callers write it), but for the suffixed ones:
 *   _var          COUNT_SIZE not known at compile time
 *   _4096         4 KiB
 *   _free_remote  the free alone of an object allocated on another CPU
 *                 (another node's arena, another CPU's slab)
 */
#define COUNT_SIZE	64
#define COUNT_LARGE	4096
#define COUNT_CALLS	3

static size_t count_var_size = COUNT_SIZE;	/* read with READ_ONCE() */
/* Objects allocated on another CPU, one per remote count call. */
static void *count_remote[2][COUNT_CALLS];

static int count_go;
module_param(count_go, int, 0444);
MODULE_PARM_DESC(count_go, "set by the debugger once its breakpoints are in");

static noinline void count_arenalloc(void)
{
	char *p = arenalloc_malloc(COUNT_SIZE, GFP_KERNEL);

	if (p)
		WRITE_ONCE(*p, 1);
	arenalloc_free(p);
}

static noinline void count_kmalloc(void)
{
	char *p = kmalloc(COUNT_SIZE, GFP_KERNEL);

	if (p)
		WRITE_ONCE(*p, 1);
	kfree(p);
}

static noinline void count_kmem_cache(void)
{
	char *p = kmem_cache_alloc(cache, GFP_KERNEL);

	if (p)
		WRITE_ONCE(*p, 1);
	kmem_cache_free(cache, p);
}

static noinline void count_arenalloc_var(void)
{
	char *p = arenalloc_malloc(READ_ONCE(count_var_size), GFP_KERNEL);

	if (p)
		WRITE_ONCE(*p, 1);
	arenalloc_free(p);
}

static noinline void count_kmalloc_var(void)
{
	char *p = kmalloc(READ_ONCE(count_var_size), GFP_KERNEL);

	if (p)
		WRITE_ONCE(*p, 1);
	kfree(p);
}

static noinline void count_arenalloc_4096(void)
{
	char *p = arenalloc_malloc(COUNT_LARGE, GFP_KERNEL);

	if (p)
		WRITE_ONCE(*p, 1);
	arenalloc_free(p);
}

static noinline void count_kmalloc_4096(void)
{
	char *p = kmalloc(COUNT_LARGE, GFP_KERNEL);

	if (p)
		WRITE_ONCE(*p, 1);
	kfree(p);
}

static noinline void count_arenalloc_free_remote(unsigned int i)
{
	arenalloc_free(count_remote[0][i]);
}

static noinline void count_kmalloc_free_remote(unsigned int i)
{
	kfree(count_remote[1][i]);
}

/* Not through count_*(): the debugger's breakpoints are on those. */
static void count_warm(void)
{
	round_pairs(AA, COUNT_SIZE, 1000);
	round_pairs(KM, COUNT_SIZE, 1000);
	round_pairs(KC, COUNT_SIZE, 1000);
	round_pairs(AA, COUNT_LARGE, 1000);
	round_pairs(KM, COUNT_LARGE, 1000);
}

/* On another CPU: the objects the remote counts free. */
static long count_remote_alloc(void *unused)
{
	unsigned int i;

	for (i = 0; i < COUNT_CALLS; i++) {
		count_remote[0][i] = arenalloc_malloc(COUNT_SIZE, GFP_KERNEL);
		count_remote[1][i] = kmalloc(COUNT_SIZE, GFP_KERNEL);
	}
	return 0;
}

/* Writing count_now runs COUNT_CALLS calls of each, on one CPU. */
static int count_now_set(const char *val, const struct kernel_param *kp)
{
	unsigned int i;

	if (!cache)
		return -ENODEV;
	/*
	 * Preemption is off around each call so that a reschedule pending
	 * from before the breakpoint is not stepped through: the allocators'
	 * preemption points then cost their check, as on any hit.
	 */
	migrate_disable();
	if (num_online_cpus() > 1)
		work_on_cpu(cpumask_any_but(cpu_online_mask, smp_processor_id()),
			    count_remote_alloc, NULL);
	count_warm();
	for (i = 0; i < COUNT_CALLS; i++) {
		preempt_disable();
		count_arenalloc();
		preempt_enable();
		preempt_disable();
		count_kmalloc();
		preempt_enable();
		preempt_disable();
		count_kmem_cache();
		preempt_enable();
		preempt_disable();
		count_arenalloc_var();
		preempt_enable();
		preempt_disable();
		count_kmalloc_var();
		preempt_enable();
		preempt_disable();
		count_arenalloc_4096();
		preempt_enable();
		preempt_disable();
		count_kmalloc_4096();
		preempt_enable();
		preempt_disable();
		count_arenalloc_free_remote(i);
		preempt_enable();
		preempt_disable();
		count_kmalloc_free_remote(i);
		preempt_enable();
	}
	migrate_enable();
	return 0;
}

static const struct kernel_param_ops count_now_ops = {
	.set = count_now_set,
};
module_param_cb(count_now, &count_now_ops, NULL, 0200);
MODULE_PARM_DESC(count_now, "write 1: run the counted calls");

static int __init arenalloc_bench_init(void)
{
	static const size_t sizes[] = { 8, 16, 24, 64, 100, 256, 1000, 1024, 3000, 4096,
					8192, 16384 };
	static const size_t large[] = { 32 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20 };
	unsigned int i;

	if (count) {
		cache = kmem_cache_create("arenalloc_bench", COUNT_SIZE, 0, 0, NULL);
		if (!cache)
			return -ENOMEM;
		count_warm();
		pr_info("count: warmed up, %d bytes\n", COUNT_SIZE);
		return 0;
	}
	batch = kcalloc(BATCH, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;
	pr_info("ns per alloc+free, %d alternating rounds, %u pairs per round, %u CPUs, init_on_alloc %d\n",
		ROUNDS, iterations, num_online_cpus(), want_init_on_alloc(GFP_KERNEL));
	migrate_disable();
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		bench_small(sizes[i]);
	for (i = 0; i < ARRAY_SIZE(large); i++)
		bench_large(large[i]);
	migrate_enable();
	bench_multi("remote", round_remote, 64);
	bench_multi("remote", round_remote, 1024);
	bench_multi("allcpu", round_allcpu, 64);
	bench_multi("allcpu", round_allcpu, 1024);
	kfree(batch);
	pr_info("done\n");
	return 0;
}

static void __exit arenalloc_bench_exit(void)
{
	kmem_cache_destroy(cache);
}

module_init(arenalloc_bench_init);
module_exit(arenalloc_bench_exit);

MODULE_DESCRIPTION("arenalloc against kmalloc, kmem_cache, alloc_pages and kvmalloc");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ARENALLOC);
