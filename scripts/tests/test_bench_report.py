# SPDX-License-Identifier: GPL-2.0
"""Host tests of the benchmark report (scripts/bench-report.py): rows it
has no code for still appear, the stock-VM row gets its own table, and
the published reStructuredText is valid."""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "bench-report.py")
HEAD = "suite\ttest\tallocator\tround\tvalue\tunit\tmaxrss_kb\tcheck\n"


def rows(suite, test, values, unit, rss="-"):
    """One line per (allocator, round) for each allocator's values."""
    out = ""
    for alloc, vals in values.items():
        for r, v in enumerate(vals):
            out += "%s\t%s\t%s\t%d\t%s\t%s\t%s\t-\n" % (suite, test, alloc, r, v, unit, rss)
    return out


class BenchReport(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = os.path.join(self.tmp.name, "bench")
        os.mkdir(self.d)
        self.write("user.tsv", HEAD +
                   rows("micro", "pair_64", {"arenalloc": [10, 11, 12], "glibc": [20, 22, 21]},
                        "ns/pair", "1800") +
                   rows("micro", "mt_2", {"arenalloc": [100, 100, 100], "glibc": [50, 50, 50]},
                        "Mops/s", "1800"))
        # A family the report has no code for, with a unit of its own.
        self.write("kernel.tsv", HEAD +
                   rows("kernel", "pair_64", {"arenalloc": [400, 410], "kmalloc": [200, 210]},
                        "ns/pair") +
                   rows("kernel", "shrinkscan_100M", {"arenalloc": [1500, 1600]}, "us"))
        self.write("stock-vm.tsv", HEAD +
                   rows("stock-vm", "mixed", {"arenalloc-device": [100, 100],
                                              "arenalloc-mmap": [120, 120]}, "ns/pair", "2000"))
        self.write("burst-arenalloc.tsv", "0\t262144\n100\t1024\n")
        self.write("phases.tsv", "phase\tseconds\nuserspace suite\t600\n")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        with open(os.path.join(self.d, name), "w") as f:
            f.write(text)

    def run_report(self, *args):
        r = subprocess.run([sys.executable, REPORT, self.d, *args], capture_output=True,
                           text=True, cwd=self.tmp.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.d, "report.md")) as f:
            return r.stdout, f.read()

    def test_unknown_kernel_family_gets_its_table(self):
        _, md = self.run_report()
        self.assertIn("### kernel: shrinkscan tests", md)
        self.assertIn("| shrinkscan_100M | us | 1550 (1500..1600) |", md)
        self.assertIn("### kernel: pair tests", md)
        # kmalloc's time relative to arenalloc's, in the pair table only.
        self.assertIn("**0.51**", md)

    def test_stock_vm_row_and_terminal_summary(self):
        out, md = self.run_report()
        self.assertIn("## Stock VM: libarenalloc over /dev/arenalloc", md)
        self.assertIn("**1.20**", md)
        self.assertIn("over mmap (geomean of 1 workloads", md)
        # The terminal: every contender's geomean, the device row, the decay.
        self.assertIn("| glibc | 0.51x |", out)
        self.assertIn("| kmalloc | 1 | 1.98x |", out)
        self.assertIn("**0.83x**", out)
        self.assertIn("RSS after a burst", out)
        self.assertIn("| userspace suite | 600 |", md)
        # No batch or remote tests ran: no target is judged on them.
        self.assertNotIn("kernel batch pattern", md)
        self.assertNotIn("kernel remote free", md)

    def test_malformed_row_is_skipped(self):
        # What a failed program's run once left in user.tsv.
        with open(os.path.join(self.d, "user.tsv"), "a") as f:
            f.write("program\tredis\tglibc\t4\tCommand\ts\texited\twith non-zero status 143\n")
        r = subprocess.run([sys.executable, REPORT, self.d], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("skipping a malformed row", r.stderr)

    def test_published_rst_is_valid(self):
        try:
            import docutils.core
        except ImportError:
            self.skipTest("docutils is not installed")
        rst = os.path.join(self.tmp.name, "doc", "benchmarks.rst")
        os.mkdir(os.path.dirname(rst))
        self.run_report("--publish", rst)
        with open(rst) as f:
            text = f.read()
        self.assertIn(".. list-table::", text)
        self.assertIn("shrinkscan_100M", text)
        # Any message at INFO level or above (duplicate titles included)
        # fails the parse.
        with open(os.devnull, "w") as quiet:
            docutils.core.publish_doctree(
                text, source_path=rst,
                settings_overrides={"report_level": 1, "halt_level": 1,
                                    "warning_stream": quiet})


if __name__ == "__main__":
    unittest.main()
