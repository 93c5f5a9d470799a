// SPDX-License-Identifier: GPL-2.0
/*
 * Other libraries' fork handlers that allocate (jemalloc#1805, our shared
 * case 18).
 *
 * Fork handlers run in a fixed order: prepare handlers last registered
 * first, parent and child handlers first registered first.  A library
 * whose handlers were registered before the allocator's (a dependency's
 * constructor runs before a preloaded library's) so allocates after the
 * allocator's prepare handler took its locks, and before its parent or
 * child handler gave them back; handlers registered after ours allocate
 * before and after ours.  Both kinds are registered here: one set by a
 * constructor that runs before the library initialises (checked), one in
 * the test itself.  Each handler allocates and frees blocks past the
 * thread cache (64 KiB, 1 MiB, 5 MiB) and a small one, and checks what
 * it wrote; the program forks twenty times.  The forks run in a child
 * process with a time limit, so that a deadlock fails the case instead of
 * hanging the run.  tests/preload.sh runs the same scenario with the
 * library preloaded and with it linked statically.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arenalloc.h>

#include "child.h"
#include "internal.h"
#include "tap.h"

#define NFORKS	20

static bool early_registered, library_ready_then;
static volatile int bad_handler;

/* Allocate past the cache and check the memory; a failure is recorded. */
static void churn(int where)
{
	static const size_t sizes[] = { 65536, (size_t)1 << 20, (size_t)5 << 20, 100 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = arenalloc_malloc(sizes[i]);

		if (!p) {
			bad_handler = where;
			continue;
		}
		memset(p, where, sizes[i]);
		if (p[sizes[i] - 1] != where)
			bad_handler = where;
		arenalloc_free(p);
	}
}

static void early_prepare(void)
{
	churn(1);
}

static void early_parent(void)
{
	churn(2);
}

static void early_child(void)
{
	churn(3);
}

static void late_prepare(void)
{
	churn(4);
}

static void late_parent(void)
{
	churn(5);
}

static void late_child(void)
{
	churn(6);
}

/*
 * Runs before the library's own constructor (which has the default
 * priority), in the child process only: the test process forks too, to
 * start it.  glibc passes constructors the program's arguments.
 */
__attribute__((constructor(101)))
static void register_early(int argc, char **argv)
{
	if (!ac_child_mode(argc, argv))
		return;
	library_ready_then = __atomic_load_n(&aa_initialized, __ATOMIC_ACQUIRE);
	early_registered = !pthread_atfork(early_prepare, early_parent, early_child);
}

/* The child process: fork NFORKS times; exit 0 when all went well. */
static int fork_loop(void)
{
	int i;

	if (!early_registered || library_ready_then)
		return 9;
	if (pthread_atfork(late_prepare, late_parent, late_child))
		return 10;
	for (i = 0; i < NFORKS; i++) {
		int st;
		pid_t pid = fork();

		if (!pid) {
			char *p = arenalloc_malloc(200000);

			_exit(p && !bad_handler ? 0 : 1);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			return 11;
	}
	return bad_handler ? 20 + bad_handler : 0;
}

AC_CASE(handlers_before_and_after_ours_allocate)
{
	struct ac_child r;

	AC_ASSERT(!ac_run_self(&r, "forks", NULL, NULL, 30), "cannot start the child");
	AC_ASSERT(!r.timed_out, "%d forks with allocating fork handlers: hung", NFORKS);
	AC_ASSERT(ac_child_ok(&r), "child status %#x (9: the early handlers were not registered "
		  "before the library initialised, 10: atfork, 11: a fork failed, 2x: "
		  "handler x saw an allocation fail)", r.status);
	ac_child_release(&r);
}

static AC_CASE_TYPE cases[] = {
	AC_CASE_ENTRY(handlers_before_and_after_ours_allocate),
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	const char *mode = ac_child_mode(argc, argv);

	if (mode && !strcmp(mode, "forks"))
		return fork_loop();
	return tap_run(cases);
}
