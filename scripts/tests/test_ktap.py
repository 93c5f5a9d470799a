# SPDX-License-Identifier: GPL-2.0
"""Host tests of the verdict: a harness that misses a failure is worse than
none, so each kind of failure the harness promises to catch is fed to it."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import ktap  # noqa: E402

KUNIT = """\
@@@ BEGIN kunit
KTAP version 1
1..1
    KTAP version 1
    # Subtest: arenalloc_config
    1..3
        KTAP version 1
        # Subtest: knob_accepts_its_range
        ok 1 narenas
        ok 2 lg_chunk
    ok 1 knob_accepts_its_range
    # bad_case: EXPECTATION FAILED at kmod/tests/config_kunit.c:42
    not ok 2 bad_case
    ok 3 skipped_case # SKIP needs two nodes
not ok 1 arenalloc_config
@@@ END kunit rc=0
"""

KSELFTEST = """\
@@@ BEGIN selftest:sysfs_test
TAP version 13
1..3
ok 1 sysfs.a
ok 2 sysfs.b # SKIP arenalloc is not loaded
ok 3 sysfs.c
# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:1 error:0
@@@ END selftest:sysfs_test rc=0
"""

TAIL = "@@@ TAINT 266240\n@@@ DONE\n"


def judge(text):
    return {r.name: r for r in ktap.judge_vm_log(text, "vm")}


class ParseKtap(unittest.TestCase):
    def test_counts_leaves_not_suites(self):
        r = judge(KUNIT + TAIL)
        names = [n for n in r if n.startswith("vm/kunit/")]
        self.assertEqual(sorted(names), [
            "vm/kunit/arenalloc_config/bad_case",
            "vm/kunit/arenalloc_config/knob_accepts_its_range/lg_chunk",
            "vm/kunit/arenalloc_config/knob_accepts_its_range/narenas",
            "vm/kunit/arenalloc_config/skipped_case",
        ])
        self.assertFalse(r["vm/kunit/arenalloc_config/bad_case"].ok)
        self.assertIn("EXPECTATION FAILED",
                      " ".join(r["vm/kunit/arenalloc_config/bad_case"].detail))
        self.assertEqual(r["vm/kunit/arenalloc_config/skipped_case"].skip, "needs two nodes")

    def test_kselftest_flat_output(self):
        r = judge(KSELFTEST + TAIL)
        self.assertTrue(r["vm/selftest:sysfs_test/sysfs.a"].ok)
        self.assertEqual(r["vm/selftest:sysfs_test/sysfs.b"].skip, "arenalloc is not loaded")
        self.assertTrue(all(x.ok for x in r.values()))

    def test_missing_results_against_plan(self):
        text = KSELFTEST.replace("ok 3 sysfs.c\n", "")
        self.assertFalse(judge(text + TAIL)["vm/selftest:sysfs_test/plan"].ok)

    def test_unfinished_group(self):
        text = KSELFTEST.split("# Totals")[0] + TAIL
        self.assertFalse(judge(text)["vm/selftest:sysfs_test"].ok)

    def test_crash_after_last_result(self):
        text = KSELFTEST.replace("rc=0", "rc=139")
        self.assertFalse(judge(text + TAIL)["vm/selftest:sysfs_test/exit status"].ok)

    def test_group_without_results(self):
        text = "@@@ BEGIN kunit\n@@@ END kunit rc=1\n" + TAIL
        self.assertFalse(judge(text)["vm/kunit/results"].ok)


class Splats(unittest.TestCase):
    def clean(self, log):
        return judge(KSELFTEST + log + TAIL)["vm/kernel log clean"]

    def test_clean_log_passes(self):
        self.assertTrue(self.clean("[    3.000000] arenalloc: invalid narenas '-1'\n").ok)

    def test_kasan(self):
        r = self.clean("[   12.345678] BUG: KASAN: slab-out-of-bounds in arenalloc_init+0x42/0x100 [arenalloc]\n"
                       "[   12.345679] Write of size 1 at addr ffff888003c0e000 by task insmod/77\n")
        self.assertFalse(r.ok)
        self.assertIn("KASAN", r.detail[0])

    def test_lockdep(self):
        self.assertFalse(self.clean(
            "[   20.000000] WARNING: possible circular locking dependency detected\n").ok)

    def test_warn_and_oops(self):
        self.assertFalse(self.clean("[    5.1] WARNING: CPU: 1 PID: 7 at kmod/page.c:99\n").ok)
        self.assertFalse(self.clean("[    5.1] Oops: general protection fault, probably for non-canonical address\n").ok)

    def test_hung_task_and_rcu_stall(self):
        self.assertFalse(self.clean("[  130.0] INFO: task kworker/0:1:12 blocked for more than 120 seconds.\n").ok)
        self.assertFalse(self.clean("[   60.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n").ok)

    def test_userspace_text_is_not_a_splat(self):
        self.assertTrue(self.clean("# WARNING: this is a test program talking\n").ok)

    def test_kmemleak_report(self):
        leak = ("@@@ BEGIN kmemleak-report\n"
                "unreferenced object 0xffff888004a1c000 (size 4096):\n"
                "  comm \"insmod\", pid 80, jiffies 4294672000\n"
                "@@@ END kmemleak-report rc=0\n")
        r = judge(KSELFTEST + leak + TAIL)
        self.assertFalse(r["vm/kmemleak-report/no leaks"].ok)
        empty = "@@@ BEGIN kmemleak-report\n@@@ END kmemleak-report rc=0\n"
        self.assertTrue(judge(KSELFTEST + empty + TAIL)["vm/kmemleak-report/no leaks"].ok)


class Taint(unittest.TestCase):
    def test_allowed_taints(self):
        # O + E + N
        r = judge(KSELFTEST + "@@@ TAINT %d\n@@@ DONE\n" % ((1 << 12) | (1 << 13) | (1 << 18)))
        self.assertTrue(r["vm/kernel not tainted"].ok)

    def test_warn_taint(self):
        r = judge(KSELFTEST + "@@@ TAINT %d\n@@@ DONE\n" % ((1 << 12) | (1 << 9)))
        self.assertFalse(r["vm/kernel not tainted"].ok)
        self.assertIn("W", r["vm/kernel not tainted"].detail[0])

    def test_no_taint_line(self):
        self.assertFalse(judge(KSELFTEST + "@@@ DONE\n")["vm/kernel not tainted"].ok)


class Finish(unittest.TestCase):
    def test_hang_is_a_failure(self):
        r = judge(KSELFTEST + "@@@ TIMEOUT after 900s\n")
        self.assertFalse(r["vm/vm finished"].ok)

    def test_panic_without_done(self):
        r = judge(KSELFTEST + "[    9.0] Kernel panic - not syncing: Fatal exception\n")
        self.assertFalse(r["vm/vm finished"].ok)
        self.assertFalse(r["vm/kernel log clean"].ok)


class Summary(unittest.TestCase):
    def test_round_trip_and_counts(self):
        import io
        import contextlib
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "r")
            ktap.write_results(p, [ktap.Result("a", True), ktap.Result("b", False, None, ["why"]),
                                   ktap.Result("c", True, "skipped")])
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                rc = ktap.cmd_summary([p])
            self.assertEqual(rc, 1)
            self.assertEqual(out.getvalue().splitlines()[-1], "1 passed, 1 failed, 1 skipped")
            self.assertIn("not ok b", out.getvalue())

    def test_no_results_is_a_failure(self):
        import contextlib
        import io
        import tempfile
        with tempfile.NamedTemporaryFile("w") as f, contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(ktap.cmd_summary([f.name]), 1)


if __name__ == "__main__":
    unittest.main()
