// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: /dev/arenalloc, the module's page backing for userspace.
 *
 * Checks the ioctls and their struct rules, which mmap() requests are
 * refused, that a mapping reads zeroes and keeps what is written, that
 * its pages are counted under /sys/kernel/arenalloc/dev/ and given back
 * by ARENALLOC_IOC_PURGE and munmap() (of a part too), that bad PURGE
 * requests fail with EINVAL and change nothing, that each open has its own
 * page offsets, that mappings count against RLIMIT_MEMLOCK and dev_group
 * restricts open(), that fork() shares the pages copy-on-write (threads,
 * chains of forks, exits in any order), and that pages land on the node
 * asked for.  The unprivileged cases run as uid 65534 in a child.  Skips
 * when the module is not loaded.  Expects to be the device's only user
 * while it runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/arenalloc.h>

#include "kselftest_harness.h"
#include "dev_fixture.h"
#include "memcg.h"

/* Node @nid's entry in the per-node file @name ("N0=12 N1=0"); -1 if absent. */
static long node_entry(const char *name, int nid)
{
	char buf[4096], *tok, *save;
	unsigned long pages;
	int n;

	if (read_sysfs(name, buf, sizeof(buf)) <= 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (sscanf(tok, "N%d=%lu", &n, &pages) == 2 && n == nid)
			return pages;
	return -1;
}

/* Node @nid's entry in dev/node_pages; -1 if absent. */
static long pages_on(int nid)
{
	return node_entry("dev/node_pages", nid);
}

/* Whether node @nid is in the kernel's node list @list ("has_memory"...). */
static int node_in(const char *list, int nid)
{
	char buf[256], *p = buf;
	int a, b, n;
	FILE *f;

	snprintf(buf, sizeof(buf), "/sys/devices/system/node/%s", list);
	f = fopen(buf, "r");
	if (!f)
		return nid == 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	while (sscanf(p, "%d%n", &a, &n) == 1) {
		p += n;
		b = a;
		if (*p == '-' && sscanf(p + 1, "%d%n", &b, &n) == 1)
			p += 1 + n;
		if (nid >= a && nid <= b)
			return 1;
		if (*p != ',')
			break;
		p++;
	}
	return 0;
}

static int node_has_memory(int nid)
{
	return node_in("has_memory", nid);
}

/* PURGE of page 0 through command @cmd: -errno. */
static int purge_cmd(int fd, unsigned long cmd)
{
	struct arenalloc_purge req = {
		.size = sizeof(req), .addr = 0, .length = page_size,
	};

	return ioctl(fd, cmd, &req) ? -errno : 0;
}

static int purge(int fd, void *addr, __u64 length, __u64 *purged)
{
	struct arenalloc_purge req = {
		.size = sizeof(req), .addr = (uintptr_t)addr, .length = length,
	};

	if (ioctl(fd, ARENALLOC_IOC_PURGE, &req))
		return -errno;
	if (purged)
		*purged = req.purged;
	return 0;
}

/* Fills page @i of @p with a byte pattern that depends on @tag and @i. */
static void fill(char *p, long i, char tag)
{
	memset(p + i * page_size, tag + (i & 7), page_size);
}

/* Whether page @i of @p holds fill(@tag)'s pattern (or zeroes: tag 0). */
static int holds(const char *p, long i, char tag)
{
	char want = tag ? tag + (i & 7) : 0;
	long j;

	for (j = 0; j < page_size; j += 512)
		if (p[i * page_size + j] != want)
			return 0;
	return p[(i + 1) * page_size - 1] == want;
}

/*
 * The file offset /proc/self/maps shows for the mapping that starts at
 * @addr, in bytes: the page offset the device gave it.  -1 if none.
 */
static long long maps_offset(const void *addr)
{
	unsigned long start, end;
	unsigned long long off;
	char line[512];
	long long ret = -1;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %llx", &start, &end, &off) == 3 &&
		    start == (uintptr_t)addr) {
			ret = off;
			break;
		}
	fclose(f);
	return ret;
}

/* Field @name of /proc/self/status in kB ("VmLck"); -1 if none. */
static long status_kb(const char *name)
{
	size_t len = strlen(name);
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/*
 * Runs @fn(@arg) in a child as uid and gid 65534 (nobody), with no
 * capabilities and no supplementary group but @group (none if negative);
 * returns its exit status (0 for success, a step number otherwise), or -1
 * when it did not exit.
 */
static int as_nobody_in(int group, int (*fn)(void *arg), void *arg)
{
	gid_t groups[1] = { group };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgroups(group < 0 ? 0 : 1, groups) || setgid(65534) ||
		    setuid(65534))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int as_nobody(int (*fn)(void *arg), void *arg)
{
	return as_nobody_in(-1, fn, arg);
}

TEST_F(dev, info_describes_the_device)
{
	long lg_chunk = counter("lg_chunk");

	EXPECT_EQ(ARENALLOC_ABI_VERSION, self->info.version);
	EXPECT_EQ(lg_chunk, self->info.lg_chunk);
	EXPECT_EQ(page_size, self->info.page_size);
	EXPECT_LE(1, self->info.nr_nodes);
	EXPECT_GT(self->info.nr_nodes, self->info.node);
	EXPECT_EQ(sizeof(self->info), self->info.size);
	EXPECT_EQ(0, self->info.flags);
}

TEST_F(dev, sysfs_has_the_documented_counters)
{
	static const char *const files[] = {
		"dev/mappings", "dev/pages", "dev/faults", "dev/purged",
		"dev/fork_copied", "dev/fork_failed", "dev/pdirty", "dev/pzeroed",
		"dev/pool_hits", "dev/pool_misses", "dev/pool_zero_inline",
		"dev/dirty_npurge", "dev/dirty_purged",
	};
	char path[PATH_MAX];
	unsigned int nid;
	struct stat st;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", ARENALLOC_SYSFS_DIR, files[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s missing", path);
		EXPECT_EQ(0444, st.st_mode & 07777) TH_LOG("%s", path);
		EXPECT_LE(0, counter(files[i])) TH_LOG("%s", path);
	}
	for (nid = 0; nid < self->info.nr_nodes; nid++) {
		EXPECT_EQ(node_has_memory(nid), pages_on(nid) >= 0) TH_LOG("node %u", nid);
		EXPECT_EQ(node_has_memory(nid), node_entry("dev/node_pdirty", nid) >= 0)
			TH_LOG("node %u", nid);
	}
}

TEST_F(dev, info_checks_its_struct)
{
	struct arenalloc_info info;
	struct {
		struct arenalloc_info info;
		__u64 tail[2];
	} big;
	char *guard;

	/* Smaller than the first version of the struct. */
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info) - 1;
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.size = 0;
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);

	/* Larger: fine while the bytes the kernel does not know are zero. */
	memset(&big, 0, sizeof(big));
	big.info.size = sizeof(big);
	EXPECT_EQ(0, ioctl(self->fd, ARENALLOC_IOC_INFO, &big));
	EXPECT_EQ(ARENALLOC_ABI_VERSION, big.info.version);
	EXPECT_EQ(0, big.tail[0]);
	EXPECT_EQ(0, big.tail[1]);
	memset(&big, 0, sizeof(big));
	big.info.size = sizeof(big);
	big.tail[1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_INFO, &big));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(0, big.info.version);

	/* Unknown flags. */
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);

	/* Unreadable: no struct at all, or one cut short by a hole. */
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	guard = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, guard);
	ASSERT_EQ(0, mprotect(guard + page_size, page_size, PROT_NONE));
	*(uint32_t *)(guard + page_size - 8) = sizeof(info);
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_INFO, guard + page_size - 8));
	EXPECT_EQ(EFAULT, errno);
	/* A size beyond a page is refused before it is read. */
	*(uint32_t *)guard = page_size + 8;
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_INFO, guard));
	EXPECT_EQ(E2BIG, errno);
	munmap(guard, 2 * page_size);

	/* Commands the device does not have. */
	EXPECT_EQ(-1, ioctl(self->fd, _IO(ARENALLOC_IOC_MAGIC, 0x7f), &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR('x', 1, struct arenalloc_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	/* A direction other than read-write. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(ARENALLOC_IOC_MAGIC, 0, struct arenalloc_info),
			    &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOW(ARENALLOC_IOC_MAGIC, 0, struct arenalloc_info),
			    &info));
	EXPECT_EQ(ENOTTY, errno);
}

/*
 * The numbers are _IOWR of the structs; the size in the number may be
 * any (a program built with another version of the struct), and the _IO
 * numbers of the first ABI 1 headers still work.
 */
TEST_F(dev, ioctl_numbers_carry_direction_and_size)
{
	struct {
		struct arenalloc_info info;
		__u64 tail[2];
	} big;
	struct arenalloc_info info;

	EXPECT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(ARENALLOC_IOC_INFO));
	EXPECT_EQ(sizeof(struct arenalloc_info), _IOC_SIZE(ARENALLOC_IOC_INFO));
	EXPECT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(ARENALLOC_IOC_PURGE));
	EXPECT_EQ(sizeof(struct arenalloc_purge), _IOC_SIZE(ARENALLOC_IOC_PURGE));

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	EXPECT_EQ(0, ioctl(self->fd, _IO(ARENALLOC_IOC_MAGIC, 0), &info));
	EXPECT_EQ(ARENALLOC_ABI_VERSION, info.version);

	memset(&big, 0, sizeof(big));
	big.info.size = sizeof(big);
	EXPECT_EQ(0, ioctl(self->fd, _IOWR(ARENALLOC_IOC_MAGIC, 0, big), &big));
	EXPECT_EQ(ARENALLOC_ABI_VERSION, big.info.version);

	/* PURGE through the old number: a range outside any mapping. */
	EXPECT_EQ(-EINVAL, purge_cmd(self->fd, _IO(ARENALLOC_IOC_MAGIC, 1)));
	EXPECT_EQ(-EINVAL, purge_cmd(self->fd, ARENALLOC_IOC_PURGE));
}

TEST_F(dev, mmap_refuses_private_and_bad_nodes)
{
	unsigned int nid;

	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, self->fd, 0));
	EXPECT_EQ(EINVAL, errno);

	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd,
				   ARENALLOC_MMAP_NODE(self->info.nr_nodes)));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd,
				   ARENALLOC_MMAP_NODE(1 << 20)));
	EXPECT_EQ(EINVAL, errno);
	/* Between two node steps: page-aligned, but not a node's offset. */
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd,
				   ARENALLOC_MMAP_NODE(0) + page_size));
	EXPECT_EQ(EINVAL, errno);
	for (nid = 0; nid < self->info.nr_nodes; nid++) {
		if (node_in("online", nid))
			continue;
		errno = 0;
		EXPECT_EQ(MAP_FAILED, mmap(NULL, page_size, PROT_READ, MAP_SHARED,
					   self->fd, ARENALLOC_MMAP_NODE(nid)));
		EXPECT_EQ(EINVAL, errno) TH_LOG("offline node %u", nid);
	}
}

/*
 * A CPU-only node (scripts/vm.sh VM_MEMLESS_NODES) is served from the
 * nearest node with memory, as kmalloc_node() is, not refused: libarenalloc
 * asks for its CPU's node and would otherwise fall back to anonymous memory.
 */
TEST_F(dev, memoryless_node_is_served_from_a_memory_node)
{
	const long n = 4;
	unsigned int nid, tried = 0;
	void *addrs[4];
	int status[4];
	long i;
	char *p;

	for (nid = 0; nid < self->info.nr_nodes; nid++) {
		if (node_has_memory(nid) || !node_in("online", nid))
			continue;
		tried++;
		p = map(_metadata, self->fd, n, ARENALLOC_MMAP_NODE(nid));
		for (i = 0; i < n; i++) {
			fill(p, i, 'm');
			addrs[i] = p + i * page_size;
			status[i] = -1;
		}
		ASSERT_EQ(0, syscall(SYS_move_pages, 0, n, addrs, NULL, status, 0));
		for (i = 0; i < n; i++) {
			int on = status[i];

			EXPECT_TRUE(on >= 0 && node_has_memory(on))
				TH_LOG("node %u page %ld on %d", nid, i, on);
		}
		EXPECT_EQ(0, munmap(p, n * page_size));
	}
	if (!tried)
		SKIP(return, "no online node without memory");
}

TEST_F(dev, mapping_reads_zero_and_keeps_writes)
{
	const long n = 16;
	char *p = map(_metadata, self->fd, n, 0);
	long i;

	for (i = 0; i < n; i++)
		EXPECT_TRUE(holds(p, i, 0)) TH_LOG("page %ld", i);
	for (i = 0; i < n; i++)
		fill(p, i, 'a');
	for (i = 0; i < n; i++)
		EXPECT_TRUE(holds(p, i, 'a')) TH_LOG("page %ld", i);
	/* The pages belong to the device: dropping the PTEs loses nothing. */
	ASSERT_EQ(0, madvise(p, n * page_size, MADV_DONTNEED));
	for (i = 0; i < n; i++)
		EXPECT_TRUE(holds(p, i, 'a')) TH_LOG("page %ld", i);
	EXPECT_EQ(0, munmap(p, n * page_size));
}

TEST_F(dev, read_only_file_maps_read_only)
{
	int fd = open(ARENALLOC_DEV_PATH, O_RDONLY | O_CLOEXEC);
	char *p;

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0));
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, 2 * page_size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(holds(p, 0, 0));
	EXPECT_TRUE(holds(p, 1, 0));
	EXPECT_EQ(-1, mprotect(p, page_size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, munmap(p, 2 * page_size));
	close(fd);
}

TEST_F(dev, pages_are_counted_and_given_back)
{
	long pages0 = counter("dev/pages"), maps0 = counter("dev/mappings");
	long purged0 = counter("dev/purged"), faults0 = counter("dev/faults");
	const long n = 32;
	__u64 purged = ~0ULL;
	char *p;
	long i;

	ASSERT_LE(0, pages0);
	ASSERT_LE(0, maps0);
	p = map(_metadata, self->fd, n, 0);
	EXPECT_EQ(maps0 + 1, counter("dev/mappings"));
	EXPECT_EQ(pages0, counter("dev/pages"));
	for (i = 0; i < n; i++)
		fill(p, i, 'b');
	EXPECT_EQ(pages0 + n, counter("dev/pages"));
	EXPECT_LE(faults0 + n, counter("dev/faults"));

	/* Give back the middle half; the rest keeps its data. */
	ASSERT_EQ(0, purge(self->fd, p + 8 * page_size, 16 * page_size, &purged));
	EXPECT_EQ(16, purged);
	EXPECT_EQ(pages0 + n - 16, counter("dev/pages"));
	EXPECT_EQ(purged0 + 16, counter("dev/purged"));
	for (i = 0; i < n; i++)
		EXPECT_TRUE(holds(p, i, i >= 8 && i < 24 ? 0 : 'b')) TH_LOG("page %ld", i);
	/* Reading the purged pages back faulted in fresh zeroed ones. */
	EXPECT_EQ(pages0 + n, counter("dev/pages"));

	/* Purging what holds nothing gives back nothing. */
	ASSERT_EQ(0, purge(self->fd, p, n * page_size, &purged));
	EXPECT_EQ(n, purged);
	ASSERT_EQ(0, purge(self->fd, p, n * page_size, &purged));
	EXPECT_EQ(0, purged);
	EXPECT_EQ(pages0, counter("dev/pages"));

	fill(p, 3, 'b');
	EXPECT_EQ(pages0 + 1, counter("dev/pages"));
	EXPECT_EQ(0, munmap(p, n * page_size));
	EXPECT_EQ(pages0, counter("dev/pages"));
	EXPECT_EQ(maps0, counter("dev/mappings"));
}

TEST_F(dev, purge_refuses_bad_requests)
{
	const long n = 8;
	long pages0 = counter("dev/pages"), purged0 = counter("dev/purged");
	char *r, *a, *b, *anon;
	struct arenalloc_purge req;
	long i;

	/* [a: 8 device pages][b: 8 device pages][8 anonymous PROT_NONE] */
	r = mmap(NULL, 3 * n * page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	a = mmap(r, n * page_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 self->fd, 0);
	ASSERT_EQ(r, a);
	b = mmap(r + n * page_size, n * page_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, self->fd, 0);
	ASSERT_EQ(r + n * page_size, b);
	anon = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	for (i = 0; i < 2 * n; i++)
		fill(a, i, 'c');
	ASSERT_EQ(pages0 + 2 * n, counter("dev/pages"));

	EXPECT_EQ(-EINVAL, purge(self->fd, a + 1, page_size, NULL));
	EXPECT_EQ(-EINVAL, purge(self->fd, a, page_size + 1, NULL));
	EXPECT_EQ(-EINVAL, purge(self->fd, a, page_size / 2, NULL));
	EXPECT_EQ(-EINVAL, purge(self->fd, a, 0, NULL));
	EXPECT_EQ(-EINVAL, purge(self->fd, a, -(__u64)page_size, NULL));
	EXPECT_EQ(-EINVAL, purge(self->fd, (void *)-page_size, 2 * page_size, NULL));
	/* Outside a mapping, leaving it, across two, not the device's. */
	EXPECT_EQ(-EINVAL, purge(self->fd, b + n * page_size, page_size, NULL));
	EXPECT_EQ(-EINVAL, purge(self->fd, b + 4 * page_size, n * page_size, NULL));
	EXPECT_EQ(-EINVAL, purge(self->fd, a + 4 * page_size, n * page_size, NULL));
	EXPECT_EQ(-EINVAL, purge(self->fd, a, 2 * n * page_size, NULL));
	EXPECT_EQ(-EINVAL, purge(self->fd, anon, page_size, NULL));
	EXPECT_EQ(-EINVAL, purge(self->fd, NULL, page_size, NULL));

	/* The struct itself: flags, size, address. */
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.addr = (uintptr_t)a;
	req.length = page_size;
	req.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_PURGE, &req));
	EXPECT_EQ(EINVAL, errno);
	req.flags = 0;
	req.size = sizeof(req) - 8;
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_PURGE, &req));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_PURGE, (void *)8));
	EXPECT_EQ(EFAULT, errno);

	/* Nothing changed. */
	for (i = 0; i < 2 * n; i++)
		EXPECT_TRUE(holds(a, i, 'c')) TH_LOG("page %ld", i);
	EXPECT_EQ(pages0 + 2 * n, counter("dev/pages"));
	EXPECT_EQ(purged0, counter("dev/purged"));

	/* And the same ranges inside one mapping work. */
	EXPECT_EQ(0, purge(self->fd, b, n * page_size, NULL));
	EXPECT_EQ(0, purge(self->fd, a + 4 * page_size, 4 * page_size, NULL));
	EXPECT_EQ(pages0 + n - 4, counter("dev/pages"));
	munmap(r, 3 * n * page_size);
	munmap(anon, page_size);
	EXPECT_EQ(pages0, counter("dev/pages"));
}

/*
 * Every open of the device has its own page offsets, starting at 0, so
 * that no user can use up offsets another needs (review finding 2: one
 * global counter, exhausted by an unprivileged user, disabled the device
 * for everyone until the module was reloaded).
 */
TEST_F(dev, each_open_has_its_own_offsets)
{
	int fd2 = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	char *a, *b, *c;

	ASSERT_LE(0, fd2);
	a = map(_metadata, self->fd, 4, 0);
	c = map(_metadata, fd2, 3, 0);
	/* A refused mmap() takes none. */
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_size, PROT_READ, MAP_PRIVATE, self->fd, 0));
	EXPECT_EQ(EINVAL, errno);
	b = map(_metadata, self->fd, 2, 0);
	EXPECT_EQ(0, maps_offset(a));
	EXPECT_EQ(4 * page_size, maps_offset(b));
	EXPECT_EQ(0, maps_offset(c));
	/* Each open's mappings are still their own. */
	fill(a, 0, 'o');
	fill(c, 0, 'O');
	EXPECT_TRUE(holds(a, 0, 'o'));
	EXPECT_TRUE(holds(b, 0, 0));
	EXPECT_TRUE(holds(c, 0, 'O'));
	/* A mapping outlives the file it was made through. */
	close(fd2);
	EXPECT_TRUE(holds(c, 0, 'O'));
	EXPECT_EQ(0, munmap(a, 4 * page_size));
	EXPECT_EQ(0, munmap(b, 2 * page_size));
	EXPECT_EQ(0, munmap(c, 3 * page_size));
}

static int write_fault(void *arg)
{
	int fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	char *p;

	if (fd < 0)
		return 1;
	p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 2;
	p[0] = 1;
	return munmap(p, page_size) ? 3 : 0;
}

/*
 * Another user's write faults leave the device node's times alone
 * (review finding 9: they moved its mtime, which any user can stat).
 */
TEST_F(dev, write_faults_leave_the_node_times_alone)
{
	const struct timespec old[2] = { { 1, 0 }, { 1, 0 } };
	struct stat st;

	ASSERT_EQ(0, utimensat(AT_FDCWD, ARENALLOC_DEV_PATH, old, 0));
	ASSERT_EQ(0, as_nobody(write_fault, NULL));
	ASSERT_EQ(0, stat(ARENALLOC_DEV_PATH, &st));
	EXPECT_EQ(1, st.st_mtim.tv_sec);
	EXPECT_EQ(0, st.st_mtim.tv_nsec);
	EXPECT_EQ(1, st.st_atim.tv_sec);
}

TEST_F(dev, split_and_moved_mappings)
{
	long pages0 = counter("dev/pages"), maps0 = counter("dev/mappings");
	const long n = 12;
	__u64 purged = ~0ULL;
	char *p, *q, *r;
	long i;

	p = map(_metadata, self->fd, n, 0);
	for (i = 0; i < n; i++)
		fill(p, i, 'd');
	/* Three vmas, one backing. */
	ASSERT_EQ(0, mprotect(p + 4 * page_size, 4 * page_size, PROT_READ));
	EXPECT_EQ(maps0 + 1, counter("dev/mappings"));
	EXPECT_EQ(0, purge(self->fd, p + 4 * page_size, 2 * page_size, &purged));
	EXPECT_EQ(2, purged);
	/* A range must lie in one vma. */
	EXPECT_EQ(-EINVAL, purge(self->fd, p + 2 * page_size, 4 * page_size, NULL));
	EXPECT_EQ(pages0 + n - 2, counter("dev/pages"));

	/* Move the last piece; its pages go with it. */
	r = mmap(NULL, 4 * page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	q = mremap(p + 8 * page_size, 4 * page_size, 4 * page_size,
		   MREMAP_MAYMOVE | MREMAP_FIXED, r);
	ASSERT_EQ(r, q);
	for (i = 0; i < 4; i++)
		EXPECT_TRUE(holds(q, i, 'd')) TH_LOG("page %ld", i);
	EXPECT_EQ(pages0 + n - 2, counter("dev/pages"));
	EXPECT_EQ(0, purge(self->fd, q + page_size, page_size, &purged));
	EXPECT_EQ(1, purged);
	/* A mapping of the device cannot grow. */
	EXPECT_EQ(MAP_FAILED, mremap(q, 4 * page_size, 8 * page_size, MREMAP_MAYMOVE));

	/* Unmapping a piece gives its pages back; the last piece the rest. */
	EXPECT_EQ(0, munmap(p, 8 * page_size));
	EXPECT_EQ(maps0 + 1, counter("dev/mappings"));
	EXPECT_EQ(pages0 + 3, counter("dev/pages"));
	for (i = 0; i < 4; i++)
		EXPECT_TRUE(holds(q, i, i == 1 ? 0 : 'd')) TH_LOG("page %ld", i);
	EXPECT_EQ(0, munmap(q, 4 * page_size));
	EXPECT_EQ(maps0, counter("dev/mappings"));
	EXPECT_EQ(pages0, counter("dev/pages"));
}

/*
 * The pages of a range no vma covers any more go back at once, while the
 * rest of the mapping lives on (review finding 1: an unprivileged user
 * held 800 MiB with an RSS of 716 kB by unmapping all but one page).
 * Every mapped page counts in VmLck (RLIMIT_MEMLOCK) until then.
 */
TEST_F(dev, unmapped_pages_go_back_at_once)
{
	long pages0 = counter("dev/pages"), lck0 = status_kb("VmLck");
	long kb = page_size / 1024;
	const long n = 64;
	char *p;
	long i;

	ASSERT_LE(0, lck0);
	p = map(_metadata, self->fd, n, 0);
	EXPECT_EQ(lck0 + n * kb, status_kb("VmLck"));
	for (i = 0; i < n; i++)
		fill(p, i, 'u');
	EXPECT_EQ(pages0 + n, counter("dev/pages"));

	/* A hole in the middle, then all but the last page. */
	EXPECT_EQ(0, munmap(p + 8 * page_size, 8 * page_size));
	EXPECT_EQ(pages0 + n - 8, counter("dev/pages"));
	EXPECT_EQ(lck0 + (n - 8) * kb, status_kb("VmLck"));
	EXPECT_EQ(0, munmap(p, 8 * page_size));
	EXPECT_EQ(0, munmap(p + 16 * page_size, (n - 17) * page_size));
	EXPECT_EQ(pages0 + 1, counter("dev/pages"));
	EXPECT_EQ(lck0 + kb, status_kb("VmLck"));
	EXPECT_TRUE(holds(p, n - 1, 'u'));
	EXPECT_EQ(0, munmap(p + (n - 1) * page_size, page_size));
	EXPECT_EQ(pages0, counter("dev/pages"));
	EXPECT_EQ(lck0, status_kb("VmLck"));
}

#define MEMLOCK_PAGES	64

/* As nobody, with RLIMIT_MEMLOCK of MEMLOCK_PAGES: 0, or the failed step. */
static int memlock_limit(void *arg)
{
	struct rlimit rl = {
		.rlim_cur = MEMLOCK_PAGES * page_size, .rlim_max = MEMLOCK_PAGES * page_size,
	};
	long kb = page_size / 1024;
	int fd, status;
	char *p, *q;
	pid_t pid;

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 1;
	fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 2;
	p = mmap(NULL, MEMLOCK_PAGES * page_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || status_kb("VmLck") != MEMLOCK_PAGES * kb)
		return 3;
	/* One page more is refused, as mmap(MAP_LOCKED) would be. */
	errno = 0;
	if (mmap(NULL, page_size, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED ||
	    errno != EAGAIN)
		return 4;
	/* Unmapping a part lets as much be mapped again. */
	if (munmap(p, page_size))
		return 5;
	q = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (q == MAP_FAILED)
		return 6;
	/* The refused mmap() took no page offsets. */
	if (maps_offset(q) != MEMLOCK_PAGES * page_size)
		return 7;
	/* A child has what its parent had, within the same limit. */
	pid = fork();
	if (!pid)
		_exit(status_kb("VmLck") == MEMLOCK_PAGES * kb &&
		      mmap(NULL, page_size, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ?
		      0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
		return 8;
	if (munmap(p + page_size, (MEMLOCK_PAGES - 1) * page_size) || munmap(q, page_size))
		return 9;
	return status_kb("VmLck") ? 10 : 0;
}

/*
 * Device pages cannot be swapped, so a mapping is charged to the mapper's
 * RLIMIT_MEMLOCK, as memfd_secret() and mlock() are: an unprivileged
 * process can map at most that much.  CAP_IPC_LOCK lifts the limit.
 */
TEST_F(dev, mappings_count_against_rlimit_memlock)
{
	struct rlimit rl = { .rlim_cur = page_size, .rlim_max = RLIM_INFINITY };
	struct rlimit old;
	char *p;

	EXPECT_EQ(0, as_nobody(memlock_limit, NULL));
	/* This test runs as root. */
	ASSERT_EQ(0, getrlimit(RLIMIT_MEMLOCK, &old));
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	p = mmap(NULL, 4 * page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &old));
	if (p != MAP_FAILED)
		EXPECT_EQ(0, munmap(p, 4 * page_size));
}

#define DEV_GROUP PARAMS "dev_group"

/* 0 when the device opens (and maps), @arg's errno when open() fails. */
static int try_open(void *arg)
{
	int fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errno == *(int *)arg ? 0 : 1;
	if (*(int *)arg)
		return 2;
	return mmap(NULL, page_size, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? 3 : 0;
}

/* The module parameter @name as a number; -1 when unreadable. */
static long long get_param(const char *name)
{
	char path[128], buf[64] = "";
	int fd;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = '\0';
	if (fd >= 0)
		close(fd);
	return buf[0] ? strtoll(buf, NULL, 10) : -1;
}

static int write_param(const char *val)
{
	return set_param("dev_group", val);
}

/*
 * The dev_group parameter restricts who may open the device: with a
 * group id, only its members and CAP_DAC_OVERRIDE; -1 (the default)
 * everyone.  Files open already keep working.
 */
TEST_F(dev, dev_group_restricts_open)
{
	char old[32] = "";
	int ok = 0, eacces = EACCES;
	int fd = -1, in;
	ssize_t n;
	char *p;

	in = open(DEV_GROUP, O_RDONLY);
	ASSERT_LE(0, in) TH_LOG("%s: %s", DEV_GROUP, strerror(errno));
	n = read(in, old, sizeof(old) - 1);
	close(in);
	ASSERT_LT(0, n);
	EXPECT_STREQ("-1\n", old);
	EXPECT_EQ(0, as_nobody(try_open, &ok));

	EXPECT_EQ(-EINVAL, write_param("-2"));
	EXPECT_EQ(-EINVAL, write_param("wheel"));
	ASSERT_EQ(0, write_param("4242"));
	EXPECT_EQ(0, as_nobody(try_open, &eacces));
	EXPECT_EQ(0, as_nobody_in(4242, try_open, &ok));
	/* Root passes on CAP_DAC_OVERRIDE. */
	fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	EXPECT_LE(0, fd);
	ASSERT_EQ(0, write_param("-1"));
	EXPECT_EQ(0, as_nobody(try_open, &ok));
	/* The file opened while it was restricted still works. */
	if (fd >= 0) {
		p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		EXPECT_NE(MAP_FAILED, p);
		if (p != MAP_FAILED)
			EXPECT_EQ(0, munmap(p, page_size));
		close(fd);
	}
}

#define LIMIT_PAGES	64

/*
 * As nobody, with dev_user_max at LIMIT_PAGES pages (and RLIMIT_MEMLOCK
 * well above it): 0, or the failed step.
 */
static int user_limit(void *arg)
{
	struct rlimit rl = {
		.rlim_cur = 4 * LIMIT_PAGES * page_size,
		.rlim_max = 4 * LIMIT_PAGES * page_size,
	};
	int fd, status, pipefd[2];
	char *p, *q, c;
	pid_t pid;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) && errno != EPERM)
		return 1;
	fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0 || pipe(pipefd))
		return 2;
	p = mmap(NULL, (LIMIT_PAGES - 8) * page_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 3;
	/* Another process of the same user shares the user's bound. */
	pid = fork();
	if (!pid) {
		int ofd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
		void *r;

		/* The fork charged the child's copy: the user is past it now. */
		errno = 0;
		r = mmap(NULL, page_size, PROT_READ, MAP_SHARED, ofd, 0);
		_exit(r == MAP_FAILED && errno == EAGAIN &&
		      write(pipefd[1], "k", 1) == 1 ? 0 : 1);
	}
	if (pid < 0 || read(pipefd[0], &c, 1) != 1 ||
	    waitpid(pid, &status, 0) != pid || status)
		return 4;
	/* The child is gone, and its charge with it: 8 pages left. */
	q = mmap(NULL, 8 * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (q == MAP_FAILED)
		return 5;
	errno = 0;
	if (mmap(NULL, page_size, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED ||
	    errno != EAGAIN)
		return 6;
	/* Unmapping gives the charge back. */
	if (munmap(q, 8 * page_size) || munmap(p, page_size))
		return 7;
	q = mmap(NULL, 9 * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (q == MAP_FAILED)
		return 8;
	return 0;
}

/*
 * dev_user_max bounds what one user's processes hold together, unless
 * they have CAP_IPC_LOCK; dev_max bounds what everyone holds, root too.
 * Both count mapped bytes, as RLIMIT_MEMLOCK does, and 0 lifts them.
 */
TEST_F(dev, byte_limits_per_user_and_global)
{
	char buf[32];
	char *p;

	ASSERT_EQ(0, get_param("dev_user_max")) TH_LOG("dev_user_max is off by default");
	ASSERT_EQ(0, get_param("dev_max")) TH_LOG("dev_max is off by default");
	EXPECT_EQ(-EINVAL, set_param("dev_user_max", "lots"));
	EXPECT_EQ(-EINVAL, set_param("dev_max", "-1"));
	EXPECT_EQ(0, set_param("dev_user_max", "1M"));
	EXPECT_EQ(1 << 20, get_param("dev_user_max"));

	snprintf(buf, sizeof(buf), "%ld", LIMIT_PAGES * page_size);
	ASSERT_EQ(0, set_param("dev_user_max", buf));
	EXPECT_EQ(0, as_nobody(user_limit, NULL));
	/* Root has CAP_IPC_LOCK: the user bound does not apply. */
	p = mmap(NULL, 2 * LIMIT_PAGES * page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_NE(MAP_FAILED, p) TH_LOG("%s", strerror(errno));
	if (p != MAP_FAILED)
		munmap(p, 2 * LIMIT_PAGES * page_size);
	ASSERT_EQ(0, set_param("dev_user_max", "0"));

	/* dev_max binds root too; everything the test mapped is gone. */
	ASSERT_EQ(0, set_param("dev_max", buf));
	p = mmap(NULL, LIMIT_PAGES * page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_NE(MAP_FAILED, p) TH_LOG("%s", strerror(errno));
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd, 0));
	EXPECT_EQ(EAGAIN, errno);
	if (p != MAP_FAILED)
		munmap(p, LIMIT_PAGES * page_size);
	ASSERT_EQ(0, set_param("dev_max", "0"));
	p = mmap(NULL, 2 * LIMIT_PAGES * page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_NE(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, 2 * LIMIT_PAGES * page_size);
}

/*
 * In a child of the caller, writes pages @first .. @last of @p, telling
 * @tell after each; 0 when every write went through, the signal that
 * ended it otherwise (-1: no child or no status).
 */
static int child_writes(char *p, long first, long last, int tell)
{
	int status;
	pid_t pid = fork();
	long i;

	if (!pid) {
		for (i = first; i <= last; i++) {
			fill(p, i, 'C');
			if (write(tell, "w", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* Bytes written to @fd's pipe so far (read and discarded). */
static long writes_told(int fd)
{
	char buf[LIMIT_PAGES];
	long n = 0, r;

	while ((r = read(fd, buf, sizeof(buf))) > 0)
		n += r;
	return n;
}

/*
 * As nobody, with dev_user_max at LIMIT_PAGES pages: a mapping of the
 * whole bound, written, then forked.  The children may read it all, but
 * a copy on write is a page more and SIGBUS, until a PURGE makes room.
 * 0, or the failed step.
 */
static int user_bound_after_fork(void *arg)
{
	int fd, pipefd[2];
	long i;
	char *p;

	fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0 || pipe2(pipefd, O_NONBLOCK))
		return 1;
	p = mmap(NULL, LIMIT_PAGES * page_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 2;
	for (i = 0; i < LIMIT_PAGES; i++)
		fill(p, i, 'P');
	/* The user holds its bound: a child's first copy is refused. */
	if (child_writes(p, 0, 0, pipefd[1]) != SIGBUS || writes_told(pipefd[0]))
		return 3;
	/* A page given back makes room for one copy, and one only. */
	if (purge(fd, p + 5 * page_size, page_size, NULL))
		return 4;
	if (child_writes(p, 0, 1, pipefd[1]) != SIGBUS || writes_told(pipefd[0]) != 1)
		return 5;
	/* The children are gone, their copies with them: the parent's pages. */
	for (i = 0; i < LIMIT_PAGES; i++)
		if (i != 5 && !holds(p, i, 'P'))
			return 6;
	/* Not shared any more: written in place, and the purged page again. */
	for (i = 0; i < LIMIT_PAGES; i++)
		fill(p, i, 'Q');
	return 0;
}

/*
 * fork() may let a user map more than dev_user_max (->open cannot fail),
 * but not hold more: each page a child copies or faults in is checked as
 * it is taken, and one past the bound is SIGBUS.  dev_max likewise, for
 * root too.
 */
TEST_F(dev, fork_cannot_pass_the_byte_limits)
{
	long failed0 = counter("dev/fork_failed"), pages0 = counter("dev/pages");
	int pipefd[2];
	char buf[32];
	char *p;
	long i;

	snprintf(buf, sizeof(buf), "%ld", LIMIT_PAGES * page_size);
	ASSERT_EQ(0, set_param("dev_user_max", buf));
	EXPECT_EQ(0, as_nobody(user_bound_after_fork, NULL));
	ASSERT_EQ(0, set_param("dev_user_max", "0"));
	/* Two refused copies; the one that went through was freed at exit. */
	EXPECT_EQ(failed0 + 2, counter("dev/fork_failed"));
	EXPECT_EQ(pages0, counter("dev/pages"));

	/* dev_max binds root's children too. */
	ASSERT_EQ(0, pipe2(pipefd, O_NONBLOCK));
	ASSERT_EQ(0, set_param("dev_max", buf));
	p = map(_metadata, self->fd, LIMIT_PAGES, 0);
	for (i = 0; i < LIMIT_PAGES; i++)
		fill(p, i, 'P');
	EXPECT_EQ(SIGBUS, child_writes(p, 0, 0, pipefd[1]));
	EXPECT_EQ(0, writes_told(pipefd[0]));
	ASSERT_EQ(0, set_param("dev_max", "0"));
	EXPECT_EQ(0, child_writes(p, 0, 3, pipefd[1]));
	EXPECT_EQ(4, writes_told(pipefd[0]));
	EXPECT_EQ(0, munmap(p, LIMIT_PAGES * page_size));
	EXPECT_EQ(pages0, counter("dev/pages"));
	close(pipefd[0]);
	close(pipefd[1]);
}

/* Runs the caller on @cpu alone: 0 or -1. */
static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The (@n + 1)-th CPU of @set, or -1. */
static int nth_cpu(const cpu_set_t *set, int n)
{
	int c;

	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set) && !n--)
			return c;
	return -1;
}

/*
 * The held counts are kept per CPU: a CPU takes pages ahead from the
 * count (credit) and keeps pages it frees as credit.  The bounds stay
 * exact however the credit lies: with dev_max at what is held, a copy on
 * write on a CPU that kept credit from before the bound is refused, and
 * once a page is freed on another CPU, one copy (and no more) goes
 * through.
 */
TEST_F(dev, byte_limits_are_exact_with_credit_on_other_cpus)
{
	long pages0 = counter("dev/pages"), n = LIMIT_PAGES, i;
	int pipefd[2], cpu0, cpu1;
	char buf[32], *p, *q, *r;
	cpu_set_t all;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(all), &all));
	cpu0 = nth_cpu(&all, 0);
	cpu1 = nth_cpu(&all, 1);
	if (cpu1 < 0)
		SKIP(return, "needs two CPUs");
	ASSERT_EQ(0, pipe2(pipefd, O_NONBLOCK));

	/* No bound yet: n pages held, faulted in on cpu0. */
	ASSERT_EQ(0, pin_to(cpu0));
	p = map(_metadata, self->fd, n - 1, 0);
	q = map(_metadata, self->fd, 1, 0);
	for (i = 0; i < n - 1; i++)
		fill(p, i, 'P');
	fill(q, 0, 'Q');
	/* cpu1 keeps credit: pages it took and gave back. */
	ASSERT_EQ(0, pin_to(cpu1));
	r = map(_metadata, self->fd, 4 * n, 0);
	for (i = 0; i < 4 * n; i++)
		fill(r, i, 'R');
	EXPECT_EQ(0, munmap(r, 4 * n * page_size));
	EXPECT_EQ(pages0 + n, counter("dev/pages"));

	/* The bound is what is held now: a copy on cpu1 is a page past it. */
	snprintf(buf, sizeof(buf), "%ld", (pages0 + n) * page_size);
	ASSERT_EQ(0, set_param("dev_max", buf));
	EXPECT_EQ(SIGBUS, child_writes(p, 0, 0, pipefd[1]));
	EXPECT_EQ(0, writes_told(pipefd[0]));
	/* A page freed on cpu0 is room for one copy on cpu1. */
	ASSERT_EQ(0, pin_to(cpu0));
	EXPECT_EQ(0, munmap(q, page_size));
	ASSERT_EQ(0, pin_to(cpu1));
	EXPECT_EQ(0, child_writes(p, 0, 0, pipefd[1]));
	EXPECT_EQ(1, writes_told(pipefd[0]));
	/* That child's copy went back as it exited: room for one again. */
	EXPECT_EQ(SIGBUS, child_writes(p, 0, 1, pipefd[1]));
	EXPECT_EQ(1, writes_told(pipefd[0]));

	ASSERT_EQ(0, set_param("dev_max", "0"));
	EXPECT_EQ(0, sched_setaffinity(0, sizeof(all), &all));
	EXPECT_EQ(0, munmap(p, (n - 1) * page_size));
	EXPECT_EQ(pages0, counter("dev/pages"));
	close(pipefd[0]);
	close(pipefd[1]);
}

/* The parent's side and the child's side of a fork test. */
struct fork_ctx {
	int to_child[2];
	int to_parent[2];
	char *p;
	long n;		/* pages mapped */
	long touched;	/* pages written before the fork */
	int fd;
};

/* In the child: exit status 0 when everything held, else a step number. */
static int fork_child(struct fork_ctx *c)
{
	__u64 purged = ~0ULL;
	char byte;
	long i;

	if (read(c->to_child[0], &byte, 1) != 1)
		return 6;
	for (i = 0; i < c->n; i++)
		if (!holds(c->p, i, i < c->touched ? 'P' : 0))
			return 1;
	for (i = 0; i < c->n; i++)
		fill(c->p, i, 'C');
	if (write(c->to_parent[1], "c", 1) != 1 || read(c->to_child[0], &byte, 1) != 1)
		return 2;
	/* The parent wrote 'Q' everywhere meanwhile. */
	for (i = 0; i < c->n; i++)
		if (!holds(c->p, i, 'C'))
			return 3;
	if (purge(c->fd, c->p, 4 * page_size, &purged) || purged != 4)
		return 4;
	if (!holds(c->p, 0, 0) || !holds(c->p, 4, 'C'))
		return 5;
	return 0;
}

static void fork_test(struct __test_metadata *_metadata, int fd)
{
	long copied0 = counter("dev/fork_copied"), failed0 = counter("dev/fork_failed");
	long pages0 = counter("dev/pages"), maps0 = counter("dev/mappings");
	struct fork_ctx c = { .n = 16, .touched = 8, .fd = fd };
	long faults;
	int status;
	pid_t pid;
	char byte;
	long i;

	ASSERT_EQ(0, pipe(c.to_child));
	ASSERT_EQ(0, pipe(c.to_parent));
	c.p = map(_metadata, fd, c.n, 0);
	for (i = 0; i < c.touched; i++)
		fill(c.p, i, 'P');

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(fork_child(&c));

	/* fork() copied nothing: parent and child share the pages. */
	EXPECT_EQ(copied0, counter("dev/fork_copied"));
	EXPECT_EQ(failed0, counter("dev/fork_failed"));
	EXPECT_EQ(pages0 + c.touched, counter("dev/pages"));
	EXPECT_EQ(maps0 + 2, counter("dev/mappings"));
	ASSERT_EQ(1, write(c.to_child[1], "g", 1));
	ASSERT_EQ(1, read(c.to_parent[0], &byte, 1));
	/* The child's writes copied the shared pages and faulted in the rest. */
	EXPECT_EQ(copied0 + c.touched, counter("dev/fork_copied"));
	EXPECT_EQ(pages0 + c.touched + c.n, counter("dev/pages"));
	/*
	 * The child has written 'C' everywhere and waits; the parent sees
	 * none of it.  fork() zapped the parent's PTEs, so that none of its
	 * threads could write a page it now shared: each page it touched
	 * before costs a fault now.  Only those pages are read here, as
	 * reading an untouched page faults whatever fork() did.
	 */
	faults = counter("dev/faults");
	for (i = 0; i < c.touched; i++)
		EXPECT_TRUE(holds(c.p, i, 'P')) TH_LOG("page %ld", i);
	EXPECT_EQ(faults + c.touched, counter("dev/faults"));
	for (i = c.touched; i < c.n; i++)
		EXPECT_TRUE(holds(c.p, i, 0)) TH_LOG("page %ld", i);
	for (i = 0; i < c.n; i++)
		fill(c.p, i, 'Q');
	ASSERT_EQ(1, write(c.to_child[1], "p", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d",
						 WEXITSTATUS(status));

	for (i = 0; i < c.n; i++)
		EXPECT_TRUE(holds(c.p, i, 'Q')) TH_LOG("page %ld", i);
	/* The parent wrote its pages in place: the child had let go. */
	EXPECT_EQ(copied0 + c.touched, counter("dev/fork_copied"));
	EXPECT_EQ(maps0 + 1, counter("dev/mappings"));
	EXPECT_EQ(pages0 + c.n, counter("dev/pages"));
	EXPECT_EQ(0, munmap(c.p, c.n * page_size));
	EXPECT_EQ(pages0, counter("dev/pages"));
	EXPECT_EQ(maps0, counter("dev/mappings"));
	close(c.to_child[0]);
	close(c.to_child[1]);
	close(c.to_parent[0]);
	close(c.to_parent[1]);
}

TEST_F(dev, fork_shares_pages_until_written)
{
	fork_test(_metadata, self->fd);
}

/* The child's side of purge_and_munmap_while_shared(): 0, or a step. */
static int shared_child(int fd, char *p, int to_parent, int to_child)
{
	__u64 purged = ~0ULL;
	char byte;
	long i;

	/* Purge and unmap pages the parent still has. */
	if (purge(fd, p, 4 * page_size, &purged) || purged != 4)
		return 1;
	for (i = 0; i < 8; i++)
		if (!holds(p, i, i < 4 ? 0 : 'P'))
			return 2;
	if (munmap(p + 4 * page_size, 2 * page_size))
		return 3;
	if (write(to_parent, "c", 1) != 1 || read(to_child, &byte, 1) != 1)
		return 4;
	/* The parent purged pages 6 and 7 meanwhile; they are still ours. */
	return holds(p, 6, 'P') && holds(p, 7, 'P') ? 0 : 5;
}

/*
 * PURGE and munmap() of pages still shared since fork() take them from
 * one side only: the other keeps them, and the last to let go frees them.
 */
TEST_F(dev, purge_and_munmap_while_shared)
{
	long pages0 = counter("dev/pages"), copied0 = counter("dev/fork_copied");
	int to_child[2], to_parent[2], status;
	__u64 purged = ~0ULL;
	const long n = 8;
	char byte;
	pid_t pid;
	char *p;
	long i;

	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	p = map(_metadata, self->fd, n, 0);
	for (i = 0; i < n; i++)
		fill(p, i, 'P');
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(shared_child(self->fd, p, to_parent[1], to_child[0]));
	ASSERT_EQ(1, read(to_parent[0], &byte, 1));
	/*
	 * The child let go of six pages, and read four fresh zeroed ones in
	 * place of those it purged; the parent has all eight.
	 */
	for (i = 0; i < n; i++)
		EXPECT_TRUE(holds(p, i, 'P')) TH_LOG("page %ld", i);
	EXPECT_EQ(pages0 + n + 4, counter("dev/pages"));
	ASSERT_EQ(0, purge(self->fd, p + 6 * page_size, 2 * page_size, &purged));
	EXPECT_EQ(2, purged);
	/* The child still holds pages 6 and 7. */
	EXPECT_EQ(pages0 + n + 4, counter("dev/pages"));
	ASSERT_EQ(1, write(to_child[1], "p", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status) TH_LOG("child failed at step %d", WEXITSTATUS(status));
	/* Its exit freed them; nobody wrote, so nothing was copied. */
	EXPECT_EQ(pages0 + n - 2, counter("dev/pages"));
	EXPECT_EQ(copied0, counter("dev/fork_copied"));
	EXPECT_EQ(0, munmap(p, n * page_size));
	EXPECT_EQ(pages0, counter("dev/pages"));
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/* A thread that writes page 0 of a mapping until told to stop. */
struct writer {
	char *p;
	long writes;	/* __atomic */
	int stop;	/* __atomic */
};

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	long n = 0;

	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		__atomic_store_n((long *)w->p, ++n, __ATOMIC_RELAXED);
		__atomic_store_n(&w->writes, n, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * A thread of the parent writes a page without pause while the parent
 * forks: the child's page holds what it held at fork() and never changes
 * after, however much more the thread writes.
 */
TEST_F(dev, fork_from_a_threaded_parent)
{
	struct writer w = { .p = map(_metadata, self->fd, 2, 0) };
	int to_child[2], to_parent[2], status;
	long seen, child_saw = -1;
	pthread_t thread;
	char byte;
	pid_t pid;

	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	fill(w.p, 1, 'T');
	ASSERT_EQ(0, pthread_create(&thread, NULL, writer_thread, &w));
	while (__atomic_load_n(&w.writes, __ATOMIC_ACQUIRE) < 1000)
		;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long v1 = __atomic_load_n((long *)w.p, __ATOMIC_RELAXED), v2;

		if (write(to_parent[1], &v1, sizeof(v1)) != sizeof(v1) ||
		    read(to_child[0], &byte, 1) != 1)
			_exit(1);
		v2 = __atomic_load_n((long *)w.p, __ATOMIC_RELAXED);
		_exit(v1 != v2 ? 2 : !holds(w.p, 1, 'T') ? 3 : 0);
	}
	ASSERT_EQ(sizeof(child_saw), read(to_parent[0], &child_saw, sizeof(child_saw)));
	/* Let the thread write a good deal more, then let the child look again. */
	seen = __atomic_load_n(&w.writes, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&w.writes, __ATOMIC_ACQUIRE) < seen + 100000)
		;
	ASSERT_EQ(1, write(to_child[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d",
						 WEXITSTATUS(status));
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	EXPECT_LT(child_saw, *(long *)w.p);
	EXPECT_EQ(0, munmap(w.p, 2 * page_size));
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/*
 * Two threads of a parent that has just forked meet on each shared page
 * in turn: one reads it, the other writes it.  When the read maps the
 * shared page while the write fault is copying it, the copy must take
 * that read-only PTE away too.  Left in place it shows the old page for
 * good, and the writer, which finds it there when its fault returns,
 * faults again for ever (the test's timeout then); this is how
 * libarenalloc's fork_test hung on the device.
 */
#define RACE_PAGES	256
#define RACE_ROUNDS	24

struct cow_race {
	char *p;
	long value;	/* what the writer stores this round */
	int arrived[2];	/* __atomic: per thread, the page it has reached */
	long sum;	/* of what the reader read: keeps its loads */
};

/* Waits until the other thread has reached page @i too. */
static void cow_race_meet(struct cow_race *r, int self, int i)
{
	__atomic_store_n(&r->arrived[self], i, __ATOMIC_RELEASE);
	while (__atomic_load_n(&r->arrived[!self], __ATOMIC_ACQUIRE) < i)
		sched_yield();
}

static void *cow_race_reader(void *arg)
{
	struct cow_race *r = arg;
	long sum = 0;
	int i;

	for (i = 0; i < RACE_PAGES; i++) {
		cow_race_meet(r, 0, i);
		sum += __atomic_load_n((long *)(r->p + i * page_size), __ATOMIC_RELAXED);
	}
	r->sum = sum;
	return NULL;
}

static void *cow_race_writer(void *arg)
{
	struct cow_race *r = arg;
	int i;

	for (i = 0; i < RACE_PAGES; i++) {
		cow_race_meet(r, 1, i);
		__atomic_store_n((long *)(r->p + i * page_size), r->value, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST_F_TIMEOUT(dev, cow_write_races_a_read_of_the_same_page, 120)
{
	struct cow_race r = { .p = map(_metadata, self->fd, RACE_PAGES, 0) };
	int round, i, to_child[2], status, stale;
	pthread_t reader, writer;
	char byte;
	pid_t pid;

	for (i = 0; i < RACE_PAGES; i++)
		*(long *)(r.p + i * page_size) = 0;
	for (round = 1; round <= RACE_ROUNDS; round++) {
		ASSERT_EQ(0, pipe(to_child));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			/* Keeps the pages shared, then finds its own unchanged. */
			if (read(to_child[0], &byte, 1) != 1)
				_exit(1);
			for (i = 0; i < RACE_PAGES; i++)
				if (*(long *)(r.p + i * page_size) != round - 1)
					_exit(2);
			_exit(0);
		}
		r.value = round;
		r.arrived[0] = -1;
		r.arrived[1] = -1;
		ASSERT_EQ(0, pthread_create(&reader, NULL, cow_race_reader, &r));
		ASSERT_EQ(0, pthread_create(&writer, NULL, cow_race_writer, &r));
		pthread_join(reader, NULL);
		pthread_join(writer, NULL);
		/* The parent sees its own writes, through the reader's PTEs too. */
		for (i = 0, stale = 0; i < RACE_PAGES; i++)
			stale += *(long *)(r.p + i * page_size) != round;
		EXPECT_EQ(0, stale) TH_LOG("round %d: %d pages show the shared page", round, stale);
		ASSERT_EQ(1, write(to_child[1], "g", 1));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("round %d: child failed at step %d",
							 round, WEXITSTATUS(status));
		close(to_child[0]);
		close(to_child[1]);
		if (stale)
			break;
	}
	EXPECT_EQ(0, munmap(r.p, RACE_PAGES * page_size));
}

/* Whether page i of @p holds fill()'s pattern for @tags[i], for each i. */
static int pages_are(const char *p, const char *tags)
{
	long i;

	for (i = 0; tags[i]; i++)
		if (!holds(p, i, tags[i]))
			return 0;
	return 1;
}

/*
 * Three generations share the pages of one mapping; each writes one page
 * and sees only its own write, whatever order they write and exit in:
 * the grandchild first, then the child, the parent last; then a child
 * that outlives its parent (the middle generation exits first).
 */
TEST_F(dev, fork_chain_copies_on_write)
{
	long pages0 = counter("dev/pages"), copied0 = counter("dev/fork_copied");
	int to_parent[2], to_child[2], status;
	const long n = 8;
	char byte = 0;
	pid_t pid;
	char *p;
	long i;

	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	p = map(_metadata, self->fd, n, 0);
	for (i = 0; i < n; i++)
		fill(p, i, 'P');

	/* Grandchild, then child exit first; the parent writes last. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		pid_t g = fork();

		if (g < 0)
			_exit(1);
		if (!g) {
			fill(p, 0, 'G');
			_exit(pages_are(p, "GPPPPPPP") ? 0 : 2);
		}
		if (waitpid(g, &status, 0) != g || status)
			_exit(3);
		if (!pages_are(p, "PPPPPPPP"))	/* the grandchild's write */
			_exit(4);
		fill(p, 1, 'C');
		if (write(to_parent[1], "c", 1) != 1 || read(to_child[0], &byte, 1) != 1)
			_exit(5);
		_exit(pages_are(p, "PCPPPPPP") ? 0 : 6);	/* the parent's */
	}
	ASSERT_EQ(1, read(to_parent[0], &byte, 1));
	EXPECT_TRUE(pages_are(p, "PPPPPPPP"));
	fill(p, 2, 'D');
	ASSERT_EQ(1, write(to_child[1], "p", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status) TH_LOG("child failed at step %d", WEXITSTATUS(status));
	EXPECT_TRUE(pages_are(p, "PPDPPPPP"));
	/* Three copies, one per write to a shared page; no page left behind. */
	EXPECT_EQ(copied0 + 3, counter("dev/fork_copied"));
	EXPECT_EQ(pages0 + n, counter("dev/pages"));

	/* The middle generation exits first; its child goes on alone. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		pid_t g = fork();

		if (g < 0)
			_exit(1);
		if (!g) {
			if (read(to_child[0], &byte, 1) != 1)
				_exit(1);
			fill(p, 3, 'G');
			byte = pages_are(p, "PPDGPPPP") ? 'k' : 'x';
			_exit(write(to_parent[1], &byte, 1) != 1);
		}
		fill(p, 4, 'M');
		_exit(pages_are(p, "PPDPMPPP") ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	/* The middle generation has exited; let the grandchild write. */
	ASSERT_EQ(1, write(to_child[1], "g", 1));
	ASSERT_EQ(1, read(to_parent[0], &byte, 1));
	EXPECT_EQ('k', byte) TH_LOG("the orphan saw another generation's write");
	/* The orphan's end of the pipe closes at its exit, after its mm goes. */
	close(to_parent[1]);
	EXPECT_EQ(0, read(to_parent[0], &byte, 1));
	EXPECT_TRUE(pages_are(p, "PPDPPPPP"));
	EXPECT_EQ(pages0 + n, counter("dev/pages"));
	EXPECT_EQ(0, munmap(p, n * page_size));
	EXPECT_EQ(pages0, counter("dev/pages"));
	close(to_parent[0]);
	close(to_child[0]);
	close(to_child[1]);
}

/*
 * Page @i of a many-batch heap: its own index and @tag at both ends, so
 * that a page shifted, lost or shared with the wrong index shows.
 */
static void stamp(char *p, long i, char tag)
{
	long v = (long)tag << 32 | i;

	memcpy(p + i * page_size, &v, sizeof(v));
	memcpy(p + (i + 1) * page_size - sizeof(v), &v, sizeof(v));
}

/* Whether page @i holds stamp(@tag), or zeroes (tag 0). */
static int stamped(const char *p, long i, char tag)
{
	long want = tag ? (long)tag << 32 | i : 0, a, b;

	memcpy(&a, p + i * page_size, sizeof(a));
	memcpy(&b, p + (i + 1) * page_size - sizeof(b), sizeof(b));
	return a == want && b == want;
}

#define BIG_PAGES	1200	/* several of the module's batches (256, 16) */
#define BIG_HOLE(i)	((i) % 5 == 3)	/* never written before the fork */

/* The child of fork_shares_a_heap_of_many_batches(): 0, or a step. */
static int big_child(char *p, int to_parent)
{
	long i;

	for (i = 0; i < BIG_PAGES; i++)
		if (!stamped(p, i, BIG_HOLE(i) ? 0 : 'P'))
			return 1;
	for (i = 0; i < BIG_PAGES; i += 2)
		stamp(p, i, 'C');
	for (i = 0; i < BIG_PAGES; i++)
		if (!stamped(p, i, i % 2 ? (BIG_HOLE(i) ? 0 : 'P') : 'C'))
			return 2;
	/* Lets go of pages the parent holds, across batches. */
	if (munmap(p + 300 * page_size, 600 * page_size))
		return 3;
	return write(to_parent, "c", 1) == 1 ? 0 : 4;
}

/*
 * fork() and the teardown of a range go through the xarray a batch at a
 * time: a heap of many batches, with holes, is shared whole and exactly
 * (each page at its index, in both processes), and every page goes back
 * when the last side lets go, however the ranges fall on the batches.
 */
TEST_F(dev, fork_shares_a_heap_of_many_batches)
{
	long pages0 = counter("dev/pages"), copied0 = counter("dev/fork_copied");
	long resident = 0, shared_written = 0, gone = 0;
	int to_parent[2], status;
	char byte;
	pid_t pid;
	char *p;
	long i;

	ASSERT_EQ(0, pipe(to_parent));
	p = map(_metadata, self->fd, BIG_PAGES, 0);
	for (i = 0; i < BIG_PAGES; i++) {
		if (BIG_HOLE(i))
			continue;
		stamp(p, i, 'P');
		resident++;
		shared_written += i % 2 == 0;
		gone += i >= 100 && i < 700;
	}
	EXPECT_EQ(pages0 + resident, counter("dev/pages"));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(big_child(p, to_parent[1]));
	close(to_parent[1]);
	if (read(to_parent[0], &byte, 1) != 1) {
		/* It exited without a word: its status says where. */
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_EQ(0, status) TH_LOG("child failed at step %d",
					    WEXITSTATUS(status));
	}
	/* Each write of the child to a shared page copied it; nothing else. */
	EXPECT_EQ(copied0 + shared_written, counter("dev/fork_copied"));
	for (i = 0; i < BIG_PAGES; i++)
		if (!BIG_HOLE(i))
			EXPECT_TRUE(stamped(p, i, 'P')) TH_LOG("page %ld", i);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status) TH_LOG("child failed at step %d", WEXITSTATUS(status));
	/* The child's pages went with it; the parent holds its own. */
	EXPECT_EQ(pages0 + resident, counter("dev/pages"));

	/* Pages the parent alone holds, a range across batches. */
	EXPECT_EQ(0, munmap(p + 100 * page_size, 600 * page_size));
	EXPECT_EQ(pages0 + resident - gone, counter("dev/pages"));
	for (i = 0; i < BIG_PAGES; i++)
		if (!BIG_HOLE(i) && (i < 100 || i >= 700))
			EXPECT_TRUE(stamped(p, i, 'P')) TH_LOG("page %ld", i);
	EXPECT_EQ(0, munmap(p, 100 * page_size));
	EXPECT_EQ(0, munmap(p + 700 * page_size, (BIG_PAGES - 700) * page_size));
	EXPECT_EQ(pages0, counter("dev/pages"));
	EXPECT_EQ(copied0 + shared_written, counter("dev/fork_copied"));
	close(to_parent[0]);
}

TEST_F(dev, pages_land_on_the_node_asked_for)
{
	const long n = 8;
	void *addrs[8];
	int status[8];
	unsigned int nid;
	long before, i;
	char *p;

	for (nid = 0; nid < self->info.nr_nodes; nid++) {
		if (!node_has_memory(nid))
			continue;
		before = pages_on(nid);
		ASSERT_LE(0, before) TH_LOG("node %u not in dev/node_pages", nid);
		p = map(_metadata, self->fd, n, ARENALLOC_MMAP_NODE(nid));
		for (i = 0; i < n; i++) {
			fill(p, i, 'n');
			addrs[i] = p + i * page_size;
			status[i] = -1;
		}
		EXPECT_EQ(before + n, pages_on(nid)) TH_LOG("node %u", nid);
		ASSERT_EQ(0, syscall(SYS_move_pages, 0, n, addrs, NULL, status, 0));
		for (i = 0; i < n; i++)
			EXPECT_EQ(nid, status[i]) TH_LOG("node %u page %ld", nid, i);
		EXPECT_EQ(0, munmap(p, n * page_size));
		EXPECT_EQ(before, pages_on(nid));
	}
}

/* SET_POLICY with @mode, @node and @nodemask on @fd: 0 or -errno. */
static int set_policy(int fd, __u32 mode, __u32 node, __u64 nodemask)
{
	struct arenalloc_policy req = {
		.size = sizeof(req), .mode = mode, .node = node, .nodemask = nodemask,
	};

	return ioctl(fd, ARENALLOC_IOC_SET_POLICY, &req) ? -errno : 0;
}

/* The node of each of the @n pages at @p, in @nodes (move_pages() query). */
static int nodes_of(char *p, long n, int *nodes)
{
	void *addrs[64];
	long i;

	if (n > 64)
		return -1;
	for (i = 0; i < n; i++) {
		addrs[i] = p + i * page_size;
		nodes[i] = -1;
	}
	return syscall(SYS_move_pages, 0, n, addrs, NULL, nodes, 0);
}

/* The first two nodes with memory, in *@a and *@b; 0 if there are not two. */
static int two_memory_nodes(unsigned int nr_nodes, int *a, int *b)
{
	unsigned int nid;

	*a = -1;
	for (nid = 0; nid < nr_nodes; nid++) {
		if (!node_has_memory(nid))
			continue;
		if (*a < 0) {
			*a = nid;
		} else {
			*b = nid;
			return 1;
		}
	}
	return 0;
}

/*
 * Every malformed SET_POLICY is EINVAL (or E2BIG, EFAULT as for every
 * struct) and leaves the policy as it was: pages faulted afterwards
 * still follow the last good one.
 */
TEST_F(dev, set_policy_refuses_bad_requests)
{
	struct {
		struct arenalloc_policy pol;
		__u64 tail[2];
	} big;
	int a = 0, b = 0, nodes[8];
	unsigned int nid;
	long i;
	char *p;

	EXPECT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(ARENALLOC_IOC_SET_POLICY));
	EXPECT_EQ(sizeof(struct arenalloc_policy), _IOC_SIZE(ARENALLOC_IOC_SET_POLICY));
	if (!two_memory_nodes(self->info.nr_nodes, &a, &b))
		b = a;
	/* The good policy the bad ones must leave alone: not the default. */
	ASSERT_EQ(0, set_policy(self->fd, ARENALLOC_POLICY_BIND, b, 0));

	EXPECT_EQ(-EINVAL, set_policy(self->fd, 5, 0, 0));
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ~0U, 0, 0));
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_BIND, self->info.nr_nodes, 0));
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_BIND, ~0U, 0));
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_PREFERRED,
				      self->info.nr_nodes, 0));
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_INTERLEAVE, 0, 0));
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_INTERLEAVE, 0, 1ULL << 63));
	if (self->info.nr_nodes < 64)
		EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_INTERLEAVE, 0,
					      (1ULL << self->info.nr_nodes) | 1ULL << a));
	/* A node or mask the mode does not take must be 0. */
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_DEFAULT, a + 1, 0));
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_DEFAULT, 0, 1ULL << a));
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_LOCAL, 0, 1ULL << a));
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_BIND, a, 1ULL << a));
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_PREFERRED, a, 1ULL << a));
	EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_INTERLEAVE, a + 1, 1ULL << a));
	/* A node without memory (a CPU-only node), where the machine has one. */
	for (nid = 0; nid < self->info.nr_nodes && nid < 64; nid++) {
		if (node_has_memory(nid))
			continue;
		EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_BIND, nid, 0));
		EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_PREFERRED, nid, 0));
		EXPECT_EQ(-EINVAL, set_policy(self->fd, ARENALLOC_POLICY_INTERLEAVE, 0,
					      1ULL << nid | 1ULL << a));
	}

	/* The struct's own rules: flags, size, tail, readability. */
	memset(&big, 0, sizeof(big));
	big.pol.size = sizeof(big.pol);
	big.pol.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_SET_POLICY, &big));
	EXPECT_EQ(EINVAL, errno);
	big.pol.flags = 0;
	big.pol.size = sizeof(big.pol) - 1;
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_SET_POLICY, &big));
	EXPECT_EQ(EINVAL, errno);
	big.pol.size = sizeof(big);
	big.tail[1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_SET_POLICY, &big));
	EXPECT_EQ(E2BIG, errno);
	big.pol.size = page_size + 8;
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_SET_POLICY, &big));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, ioctl(self->fd, ARENALLOC_IOC_SET_POLICY, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Nothing changed: pages still come from node b alone. */
	p = map(_metadata, self->fd, 8, ARENALLOC_MMAP_NODE(a));
	for (i = 0; i < 8; i++)
		fill(p, i, 'b');
	ASSERT_EQ(0, nodes_of(p, 8, nodes));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(b, nodes[i]) TH_LOG("page %ld", i);
	EXPECT_EQ(0, munmap(p, 8 * page_size));

	/* A larger struct with a zero tail is a good request. */
	memset(&big, 0, sizeof(big));
	big.pol.size = sizeof(big);
	EXPECT_EQ(0, ioctl(self->fd, ARENALLOC_IOC_SET_POLICY, &big));
}

/* Pins the caller to the first CPU of node @nid; 0, or -1 if it has none. */
static int run_on_node(int nid)
{
	unsigned int cpu, node;
	cpu_set_t set;
	int c;

	for (c = 0; c < CPU_SETSIZE; c++) {
		CPU_ZERO(&set);
		CPU_SET(c, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			continue;
		if (!syscall(SYS_getcpu, &cpu, &node, NULL) && (int)node == nid)
			return 0;
	}
	return -1;
}

/*
 * Each policy places the pages faulted in after the call, in mappings
 * made before it too; pages already there stay.  Needs two nodes with
 * memory (the debug VM has them).
 */
TEST_F(dev, policy_places_later_faults)
{
	const long n = 8;
	int a, b, nodes[8];
	cpu_set_t all;
	long i;
	char *p;

	if (!two_memory_nodes(self->info.nr_nodes, &a, &b))
		SKIP(return, "needs two nodes with memory");

	/* BIND and PREFERRED: a mapping of node a, half touched before. */
	for (i = 0; i < 2; i++) {
		__u32 mode = i ? ARENALLOC_POLICY_PREFERRED : ARENALLOC_POLICY_BIND;
		long j;

		ASSERT_EQ(0, set_policy(self->fd, ARENALLOC_POLICY_DEFAULT, 0, 0));
		p = map(_metadata, self->fd, n, ARENALLOC_MMAP_NODE(a));
		for (j = 0; j < n / 2; j++)
			fill(p, j, 'a');
		ASSERT_EQ(0, set_policy(self->fd, mode, b, 0));
		for (j = n / 2; j < n; j++)
			fill(p, j, 'b');
		ASSERT_EQ(0, nodes_of(p, n, nodes));
		for (j = 0; j < n; j++)
			EXPECT_EQ(j < n / 2 ? a : b, nodes[j]) TH_LOG("mode %u page %ld", mode, j);
		EXPECT_EQ(0, munmap(p, n * page_size));
	}

	/* INTERLEAVE: consecutive pages alternate, half on each node. */
	ASSERT_EQ(0, set_policy(self->fd, ARENALLOC_POLICY_INTERLEAVE, 0,
				1ULL << a | 1ULL << b));
	p = map(_metadata, self->fd, n, ARENALLOC_MMAP_NODE(a));
	for (i = 0; i < n; i++)
		fill(p, i, 'i');
	ASSERT_EQ(0, nodes_of(p, n, nodes));
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(nodes[i] == a || nodes[i] == b) TH_LOG("page %ld", i);
		if (i)
			EXPECT_NE(nodes[i - 1], nodes[i]) TH_LOG("page %ld", i);
	}
	EXPECT_EQ(0, munmap(p, n * page_size));

	/*
	 * LOCAL: mapped (offset 0) on a CPU of node a, touched on one of
	 * node b.  DEFAULT would take node a, the mapping's node.
	 */
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(all), &all));
	if (run_on_node(a) || self->info.nr_nodes > 64) {
		sched_setaffinity(0, sizeof(all), &all);
		SKIP(return, "no CPU on node %d", a);
	}
	for (i = 0; i < 2; i++) {
		long j;

		ASSERT_EQ(0, set_policy(self->fd, i ? ARENALLOC_POLICY_DEFAULT :
					ARENALLOC_POLICY_LOCAL, 0, 0));
		ASSERT_EQ(0, run_on_node(a));
		p = map(_metadata, self->fd, n, 0);
		if (run_on_node(b)) {
			munmap(p, n * page_size);
			sched_setaffinity(0, sizeof(all), &all);
			SKIP(return, "no CPU on node %d", b);
		}
		for (j = 0; j < n; j++)
			fill(p, j, 'l');
		ASSERT_EQ(0, nodes_of(p, n, nodes));
		for (j = 0; j < n; j++)
			EXPECT_EQ(i ? a : b, nodes[j]) TH_LOG("%s page %ld",
							      i ? "default" : "local", j);
		EXPECT_EQ(0, munmap(p, n * page_size));
	}
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(all), &all));
}

/* STATS of @fd into @st: 0 or -errno. */
static int stats(int fd, struct arenalloc_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, ARENALLOC_IOC_STATS, st) ? -errno : 0;
}

/*
 * The counters of an open move with what its mappings do, and only
 * theirs: N faults are N faults and N resident pages, a child's writes
 * after fork() are copies, a PURGE is purged pages.
 */
TEST_F(dev, stats_count_what_an_opens_mappings_do)
{
	struct arenalloc_stats st, other0, other;
	struct {
		struct arenalloc_stats st;
		__u64 tail;
	} big;
	const long n = 16;
	int fd, to_parent[2], to_child[2], status;
	__u64 purged = 0;
	char byte;
	pid_t pid;
	long i;
	char *p;

	EXPECT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(ARENALLOC_IOC_STATS));
	EXPECT_EQ(sizeof(struct arenalloc_stats), _IOC_SIZE(ARENALLOC_IOC_STATS));
	ASSERT_EQ(0, stats(self->fd, &other0));
	fd = open(ARENALLOC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, stats(fd, &st));
	EXPECT_EQ(0, st.mapped + st.resident + st.purged + st.faults + st.cow_copies);

	p = map(_metadata, fd, n, 0);
	ASSERT_EQ(0, stats(fd, &st));
	EXPECT_EQ(n, st.mapped);
	EXPECT_EQ(0, st.resident);
	EXPECT_EQ(0, st.faults);
	for (i = 0; i < n; i++)
		fill(p, i, 'P');
	ASSERT_EQ(0, stats(fd, &st));
	EXPECT_EQ(n, st.faults);
	EXPECT_EQ(n, st.resident);

	/* A child writes 4 pages: 4 faults, 4 copies, 4 pages more. */
	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (i = 0; i < 4; i++)
			fill(p, i, 'C');
		_exit(write(to_parent[1], "w", 1) != 1 || read(to_child[0], &byte, 1) != 1);
	}
	ASSERT_EQ(1, read(to_parent[0], &byte, 1));
	ASSERT_EQ(0, stats(fd, &st));
	EXPECT_EQ(2 * n, st.mapped);
	EXPECT_EQ(n + 4, st.resident);
	EXPECT_EQ(n + 4, st.faults);
	EXPECT_EQ(4, st.cow_copies);
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	ASSERT_EQ(0, stats(fd, &st));
	EXPECT_EQ(n, st.mapped);
	EXPECT_EQ(n, st.resident);
	EXPECT_EQ(4, st.cow_copies);

	/* PURGE of 5 pages. */
	ASSERT_EQ(0, purge(fd, p + 2 * page_size, 5 * page_size, &purged));
	EXPECT_EQ(5, purged);
	ASSERT_EQ(0, stats(fd, &st));
	EXPECT_EQ(5, st.purged);
	EXPECT_EQ(n - 5, st.resident);

	/* The struct's rules. */
	memset(&big, 0, sizeof(big));
	big.st.size = sizeof(big);
	EXPECT_EQ(0, ioctl(fd, ARENALLOC_IOC_STATS, &big));
	EXPECT_EQ(5, big.st.purged);
	EXPECT_EQ(0, big.tail);
	big.tail = 1;
	EXPECT_EQ(-1, ioctl(fd, ARENALLOC_IOC_STATS, &big));
	EXPECT_EQ(E2BIG, errno);
	memset(&big, 0, sizeof(big));
	big.st.size = sizeof(big.st) - 1;
	EXPECT_EQ(-1, ioctl(fd, ARENALLOC_IOC_STATS, &big));
	EXPECT_EQ(EINVAL, errno);
	big.st.size = sizeof(big.st);
	big.st.flags = 1;
	EXPECT_EQ(-1, ioctl(fd, ARENALLOC_IOC_STATS, &big));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, big.st.mapped);

	/* Unmapped: nothing mapped or resident; the history stays. */
	EXPECT_EQ(0, munmap(p, n * page_size));
	ASSERT_EQ(0, stats(fd, &st));
	EXPECT_EQ(0, st.mapped);
	EXPECT_EQ(0, st.resident);
	EXPECT_EQ(n + 4, st.faults);
	/* Another open's counters did not move. */
	ASSERT_EQ(0, stats(self->fd, &other));
	EXPECT_EQ(0, memcmp(&other0, &other, sizeof(other)));
	close(fd);
	close(to_parent[0]);
	close(to_parent[1]);
	close(to_child[0]);
	close(to_child[1]);
}

/* Faults and purges of the same pages from several threads at once. */
struct race {
	int fd;
	char *p;
	long n;
	int stop;	/* __atomic */
};

static void *race_toucher(void *arg)
{
	struct race *r = arg;
	unsigned int seed = 1;
	long i;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		i = rand_r(&seed) % r->n;
		r->p[i * page_size + (rand_r(&seed) % page_size)]++;
	}
	return NULL;
}

static void *race_purger(void *arg)
{
	struct race *r = arg;
	unsigned int seed = 2;
	long i, len, k;

	for (k = 0; k < 2000; k++) {
		i = rand_r(&seed) % r->n;
		len = 1 + rand_r(&seed) % (r->n - i);
		if (purge(r->fd, r->p + i * page_size, len * page_size, NULL))
			return arg;
	}
	return NULL;
}

TEST_F_TIMEOUT(dev, faults_race_purges, 120)
{
	long pages0 = counter("dev/pages");
	struct race r = { .fd = self->fd, .n = 64 };
	pthread_t touchers[2], purgers[2];
	void *ret;
	int i;

	r.p = map(_metadata, self->fd, r.n, 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_create(&touchers[i], NULL, race_toucher, &r));
		ASSERT_EQ(0, pthread_create(&purgers[i], NULL, race_purger, &r));
	}
	for (i = 0; i < 2; i++) {
		pthread_join(purgers[i], &ret);
		EXPECT_EQ(NULL, ret);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(touchers[i], NULL);
	/* Every page is in the mapping at most once and counted once. */
	EXPECT_GE(pages0 + r.n, counter("dev/pages"));
	EXPECT_EQ(0, purge(self->fd, r.p, r.n * page_size, NULL));
	EXPECT_EQ(pages0, counter("dev/pages"));
	EXPECT_EQ(0, munmap(r.p, r.n * page_size));
	EXPECT_EQ(pages0, counter("dev/pages"));
}

/*
 * Faults run under the per-VMA lock alone, so they may run beside
 * mprotect() splitting, and munmap() closing, other vmas of the same
 * mapping: a thread faults, checks and purges the first half of a
 * mapping over and over while the main thread splits the second half
 * into one vma per page, faults each in and unmaps them one by one.
 */
static void *split_race_faulter(void *arg)
{
	struct race *r = arg;
	long i, round;
	char tag;

	for (round = 0; !__atomic_load_n(&r->stop, __ATOMIC_RELAXED); round++) {
		tag = 'a' + round % 16;
		for (i = 0; i < r->n; i++)
			fill(r->p, i, tag);
		for (i = 0; i < r->n; i++)
			if (!holds(r->p, i, tag))
				return arg;
		if (purge(r->fd, r->p, r->n * page_size, NULL))
			return arg;
	}
	return NULL;
}

TEST_F_TIMEOUT(dev, faults_race_splits_and_closes_of_the_mapping, 120)
{
	long pages0 = counter("dev/pages"), i, k;
	struct race r = { .fd = self->fd, .n = 32 };
	pthread_t faulter;
	char *part;
	void *ret;

	/* The thread's n pages, then four parts of n for the main thread. */
	r.p = map(_metadata, self->fd, 5 * r.n, 0);
	ASSERT_EQ(0, pthread_create(&faulter, NULL, split_race_faulter, &r));
	for (k = 1; k <= 4; k++) {
		part = r.p + k * r.n * page_size;
		/* Every other page read-only: a vma per page. */
		for (i = 0; i < r.n; i += 2)
			EXPECT_EQ(0, mprotect(part + i * page_size, page_size, PROT_READ));
		for (i = 1; i < r.n; i += 2)
			fill(part, i, 'S');
		for (i = 0; i < r.n; i += 2)
			EXPECT_EQ(0, mprotect(part + i * page_size, page_size,
					      PROT_READ | PROT_WRITE));
		for (i = 0; i < r.n; i++)
			fill(part, i, 'T');
		/* Closed one by one: each close gives its page back. */
		for (i = 0; i < r.n; i++)
			EXPECT_EQ(0, munmap(part + i * page_size, page_size));
		EXPECT_GE(pages0 + r.n, counter("dev/pages"));
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(faulter, &ret);
	EXPECT_EQ(NULL, ret);
	EXPECT_EQ(0, munmap(r.p, r.n * page_size));
	EXPECT_EQ(pages0, counter("dev/pages"));
}

/*
 * fork() while another thread faults, checks and purges a second vma of
 * the same backing under the per-VMA lock alone: dup_mmap() write-locks
 * one vma at a time, so that thread runs through the fork.  The child
 * sees the first vma as it was at fork, before and after the parent
 * writes it, and the parent never sees the child's writes.  (After a
 * review probe; a KASAN and lockdep race test, also in the stock VM.)
 */
TEST_F_TIMEOUT(dev, fork_beside_faults_on_another_vma, 120)
{
	long pages0 = counter("dev/pages"), n = 64, i, round;
	struct race r = { .fd = self->fd, .n = n };
	int status, to_child[2], to_parent[2];
	pthread_t faulter;
	char *a, tag, c;
	void *ret;
	pid_t pid;

	a = map(_metadata, self->fd, 2 * n, 0);
	/* Two vmas of one backing: ->close keeps them from merging back. */
	ASSERT_EQ(0, mprotect(a, n * page_size, PROT_READ));
	ASSERT_EQ(0, mprotect(a, n * page_size, PROT_READ | PROT_WRITE));
	r.p = a + n * page_size;
	ASSERT_EQ(0, pthread_create(&faulter, NULL, split_race_faulter, &r));
	for (round = 0; round < 20; round++) {
		tag = 'A' + round % 16;
		for (i = 0; i < n; i++)
			fill(a, i, tag);
		ASSERT_EQ(0, pipe(to_child));
		ASSERT_EQ(0, pipe(to_parent));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			long bad = 0;

			close(to_child[1]);
			close(to_parent[0]);
			for (i = 0; i < n; i++)
				bad += !holds(a, i, tag);
			/* Let the parent write, then look again. */
			if (write(to_parent[1], "x", 1) != 1 ||
			    read(to_child[0], &c, 1) != 1)
				_exit(2);
			for (i = 0; i < n; i++)
				bad += !holds(a, i, tag);
			for (i = 0; i < n; i += 2)
				fill(a, i, 'z');
			_exit(bad ? 1 : 0);
		}
		close(to_child[0]);
		close(to_parent[1]);
		ASSERT_EQ(1, read(to_parent[0], &c, 1));
		for (i = 1; i < n; i += 2)
			fill(a, i, tag + 1);
		ASSERT_EQ(1, write(to_child[1], "x", 1));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		close(to_child[1]);
		close(to_parent[0]);
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("round %ld", round);
		for (i = 0; i < n; i++)
			ASSERT_TRUE(holds(a, i, i % 2 ? tag + 1 : tag))
				TH_LOG("round %ld, page %ld", round, i);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(faulter, &ret);
	EXPECT_EQ(NULL, ret);
	EXPECT_EQ(0, munmap(a, 2 * n * page_size));
	EXPECT_EQ(pages0, counter("dev/pages"));
}

/* ==== A copy on write that fails ======================================== */

#define FAIL_DIR "/sys/kernel/debug/fail_arenalloc_pages/"

/*
 * A copy on write that cannot be allocated fails the write fault with
 * VM_FAULT_OOM, as for anonymous memory: the core retries the fault, and
 * the write lands once a page is free, never in the page still shared.
 * The page allocator's failures are injected (fail_arenalloc_pages, for
 * the child only, twice), so this runs only on a kernel with fault
 * injection in debugfs.
 */
TEST_F(dev, failed_copy_on_write_is_retried)
{
	long failed0 = counter("dev/fork_failed");
	int status;
	pid_t pid;
	char *p;
	long i;

	if (access(FAIL_DIR "times", W_OK))
		SKIP(return, "no " FAIL_DIR " (fault injection in debugfs)");
	p = map(_metadata, self->fd, 4, 0);
	for (i = 0; i < 4; i++)
		fill(p, i, 'P');
	ASSERT_EQ(0, write_path(FAIL_DIR "verbose", "0"));
	ASSERT_EQ(0, write_path(FAIL_DIR "task-filter", "Y"));
	ASSERT_EQ(0, write_path(FAIL_DIR "probability", "100"));
	ASSERT_EQ(0, write_path(FAIL_DIR "interval", "1"));
	ASSERT_EQ(0, write_path(FAIL_DIR "times", "2"));

	pid = fork();
	if (!pid) {
		if (write_path("/proc/self/make-it-fail", "1"))
			_exit(1);
		fill(p, 0, 'C');	/* two failed copies, then one made */
		write_path("/proc/self/make-it-fail", "0");
		_exit(holds(p, 0, 'C') && holds(p, 1, 'P') ? 0 : 2);
	}
	ASSERT_LE(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	write_path(FAIL_DIR "probability", "0");
	write_path(FAIL_DIR "times", "1");
	write_path(FAIL_DIR "task-filter", "N");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child failed at step %d (status %#x)", WEXITSTATUS(status), status);
	EXPECT_EQ(failed0 + 2, counter("dev/fork_failed"));
	for (i = 0; i < 4; i++)
		EXPECT_TRUE(holds(p, i, 'P')) TH_LOG("parent page %ld", i);
	EXPECT_EQ(0, munmap(p, 4 * page_size));
}

/* ==== Memory cgroups ==================================================== */

#define CG_TEST	CG_ROOT "/arenalloc_dev_test"

/* clone3()'s arguments up to the cgroup field (Linux 5.7). */
struct clone_args_cg {
	__u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack;
	__u64 stack_size, tls, set_tid, set_tid_size, cgroup;
};

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP	0x200000000ULL
#endif

/*
 * A child made straight into another memory cgroup (clone3() with
 * CLONE_INTO_CGROUP) pays for its copies of the parent's pages there:
 * they are made when it writes, in its cgroup.  (Copies made at fork()
 * were charged to the parent's cgroup: review finding 11.)
 */
TEST_F(dev, child_copies_are_charged_to_the_childs_cgroup)
{
	struct clone_args_cg args = {
		.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD,
	};
	int to_child[2], to_parent[2], cg, status, mounted;
	const char *skip = cg_memory_on(&mounted);
	const long n = 512;
	long before, after, i;
	char *p, byte;
	pid_t pid;

	if (skip)
		SKIP(return, "%s", skip);
	rmdir(CG_TEST);
	ASSERT_EQ(0, mkdir(CG_TEST, 0755));
	cg = open(CG_TEST, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, cg);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	p = map(_metadata, self->fd, n, 0);
	for (i = 0; i < n; i++)
		fill(p, i, 'P');

	before = cg_current(cg);
	ASSERT_LE(0, before);
	args.cgroup = cg;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (!pid) {
		for (i = 0; i < n; i++)
			fill(p, i, 'C');
		if (write(to_parent[1], "c", 1) != 1 || read(to_child[0], &byte, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ASSERT_LT(0, pid) TH_LOG("clone3: %s", strerror(errno));
	ASSERT_EQ(1, read(to_parent[0], &byte, 1));
	after = cg_current(cg);
	EXPECT_LE(before + n * page_size, after)
		TH_LOG("the child's cgroup went from %ld to %ld bytes", before, after);
	for (i = 0; i < n; i++)
		EXPECT_TRUE(holds(p, i, 'P')) TH_LOG("page %ld", i);
	ASSERT_EQ(1, write(to_child[1], "p", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, munmap(p, n * page_size));
	close(cg);
	EXPECT_EQ(0, rmdir(CG_TEST));
	cg_memory_off(mounted);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

TEST_HARNESS_MAIN
