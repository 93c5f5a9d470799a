#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Results and verdicts for arenalloc's test harness.

  ktap.py vm LOG RESULTS [LABEL]   judge a VM console log
  ktap.py groups LOG RESULTS LABEL judge the test groups of a host log
  ktap.py unittest DIR RESULTS     run the Python unit tests in DIR
  ktap.py record RESULTS NAME CMD...  append one result: did CMD succeed
                                   (exits with CMD's status)
  ktap.py summary RESULTS...       add results up, print "N passed, N failed"

A results file has one line per test, "ok NAME", "not ok NAME" or
"ok NAME # SKIP why", followed by indented detail lines for failures.

The console log of a VM run (scripts/vm/guest.sh) frames each group of
tests with "@@@ BEGIN name" and "@@@ END name rc=N"; inside a group the
output is KTAP (KUnit's nested form or kselftest's flat one) and only leaf
results count as tests.  Independently of the tests, the whole log is read
for kernel splats: any KASAN, lockdep, WARN, BUG, Oops, hung-task, RCU stall
or kmemleak report fails the run, as does a taint other than out-of-tree,
unsigned or test module, and a VM that never reached "@@@ DONE".
"""

import os
import re
import subprocess
import sys
import unittest

# Taints a clean run may carry: O (out-of-tree), E (unsigned), N (KUnit ran).
ALLOWED_TAINT = (1 << 12) | (1 << 13) | (1 << 18)
TAINT_LETTERS = "PFSRMBUDAWCIOELKXTN"

RESULT_RE = re.compile(
    r"^(?P<indent>\s*)(?P<status>ok|not ok) (?P<num>\d+)(?: -)?\s*(?P<name>.*?)"
    r"(?:\s+#\s*(?P<directive>SKIP|TODO|XFAIL)\b\s*(?P<why>.*))?$")
SUBTEST_RE = re.compile(r"^(?P<indent>\s*)# Subtest: (?P<name>.*)$")
PLAN_RE = re.compile(r"^(?P<indent>\s*)1\.\.(?P<count>\d+)")
KERNEL_LINE_RE = re.compile(r"^\[\s*\d+\.\d+\] ?(?P<msg>.*)$")

# Kernel messages that mean something went wrong, whatever the tests said.
SPLAT_PATTERNS = [re.compile(p) for p in (
    r"\bBUG: ",
    r"\bWARNING: ",
    r"\bOops\b",
    r"general protection fault",
    r"kernel BUG at",
    r"Kernel panic",
    r"INFO: task .* blocked for more than",
    r"rcu: INFO: .*detected stall",
    r"\bUBSAN: ",
    r"\bODEBUG: ",
    r"list_(add|del) corruption",
    r"DEBUG_LOCKS_WARN_ON",
    r"unreferenced object 0x",
    r"Workqueue: .* hogged CPU",
)]


class Result:
    def __init__(self, name, ok, skip=None, detail=()):
        self.name, self.ok, self.skip, self.detail = name, ok, skip, list(detail)

    def line(self):
        s = ("ok " if self.ok else "not ok ") + self.name
        if self.skip is not None:
            s += " # SKIP " + self.skip
        if self.ok:
            return s
        return "\n".join([s] + ["    " + d for d in self.detail])


# ---- KTAP ---------------------------------------------------------------

def parse_ktap(lines, prefix=""):
    """Leaf results of a KTAP stream, named by their subtest path."""
    results = []
    headers = {}         # indent -> name of the "# Subtest:" opened there
    diag = []            # diagnostic lines since the last result
    prev_indent = None   # indent of the previous result line
    top_plan = None
    top_count = 0
    for raw in lines:
        line = raw.rstrip("\n")
        m = SUBTEST_RE.match(line)
        if m:
            headers[len(m["indent"])] = m["name"].strip()
            continue
        m = PLAN_RE.match(line)
        if m and not m["indent"]:
            # KUnit prints one top-level "1..1" per suite: plans add up.
            top_plan = (top_plan or 0) + int(m["count"])
            continue
        m = RESULT_RE.match(line)
        if not m:
            if line.strip():
                diag.append(line.strip())
            continue
        indent = len(m["indent"])
        if indent == 0:
            top_count += 1
        # Subtests print their results just before their parent's.
        if prev_indent is not None and prev_indent > indent:
            for k in [k for k in headers if k > indent]:
                del headers[k]
        else:
            path = [headers[k] for k in sorted(headers) if k <= indent]
            name = "/".join(path + [m["name"].strip() or m["num"]])
            skip = m["why"] if m["directive"] == "SKIP" else None
            ok = m["status"] == "ok" or m["directive"] in ("TODO", "XFAIL")
            results.append(Result(prefix + name, ok, skip,
                                  [] if ok else diag[-15:]))
        diag = []
        prev_indent = indent
    if top_plan is not None and top_count < top_plan:
        results.append(Result(prefix + "plan", False, None,
                              [f"planned {top_plan} results, saw {top_count}"]))
    return results


# ---- VM logs ------------------------------------------------------------

def find_splats(lines):
    """First line of each kernel splat, with a little context."""
    splats = []
    seen = set()
    for i, line in enumerate(lines):
        m = KERNEL_LINE_RE.match(line)
        msg = m["msg"] if m else line
        if not m and "unreferenced object 0x" not in line:
            continue
        for pat in SPLAT_PATTERNS:
            if pat.search(msg):
                key = re.sub(r"0x[0-9a-f]+|\d+", "#", msg)
                if key not in seen:
                    seen.add(key)
                    splats.append((msg.strip(), [l.rstrip() for l in lines[i:i + 12]]))
                break
    return splats


def taint_letters(value):
    return "".join(c for bit, c in enumerate(TAINT_LETTERS) if value & (1 << bit))


def judge_groups(lines, label):
    """Results of every "@@@ BEGIN/END" group in @lines."""
    results = []
    group = None
    body = []
    for line in lines:
        m = re.match(r"^@@@ BEGIN (\S+)", line)
        if m:
            group, body = m[1], []
            continue
        m = re.match(r"^@@@ END (\S+) rc=(\d+)", line)
        if m and group == m[1]:
            results += judge_group(label, group, body, int(m[2]))
            group = None
            continue
        if group is not None and not KERNEL_LINE_RE.match(line):
            body.append(line)
    if group is not None:
        results.append(Result(f"{label}/{group}", False, None,
                              ["the group never finished"] + body[-10:]))
    return results


def judge_vm_log(text, label):
    lines = text.splitlines()
    results = judge_groups(lines, label)

    done = any(l.startswith("@@@ DONE") for l in lines)
    timeout = [l for l in lines if l.startswith("@@@ TIMEOUT")]
    results.append(Result(f"{label}/vm finished", done and not timeout, None,
                          timeout or ["no '@@@ DONE' from the guest: crash, panic or hang"]
                          + lines[-15:]))

    splats = find_splats(lines)
    results.append(Result(f"{label}/kernel log clean", not splats, None,
                          [d for msg, ctx in splats for d in ["--- " + msg] + ctx]))

    taint = [int(l.split()[2]) for l in lines if l.startswith("@@@ TAINT ")]
    bad = taint[-1] & ~ALLOWED_TAINT if taint else None
    results.append(Result(f"{label}/kernel not tainted", bad == 0, None,
                          ["no taint reported" if bad is None else
                           f"tainted {taint[-1]} ({taint_letters(taint[-1])})"]))
    return results


def judge_group(label, group, body, rc):
    prefix = f"{label}/{group}/"
    if group == "kmemleak-report":
        leaks = [l for l in body if "unreferenced object" in l]
        return [Result(prefix + "no leaks", not leaks, None, body[:40])]
    results = parse_ktap(body, prefix)
    if not results:
        results.append(Result(prefix + "results", False, None,
                              [f"no KTAP results (exit status {rc})"] + body[-10:]))
    elif rc not in (0, 4) and all(r.ok for r in results):
        # 4 is kselftest's "skip"; anything else with all tests passing is
        # a crash after the last result.
        results.append(Result(prefix + "exit status", False, None, [f"exited {rc}"]))
    return results


# ---- commands -----------------------------------------------------------

def write_results(path, results, mode="w"):
    with open(path, mode) as f:
        for r in results:
            f.write(r.line() + "\n")


def read_results(path):
    results = []
    with open(path) as f:
        for line in f:
            if line.startswith("    ") and results:
                results[-1].detail.append(line[4:].rstrip("\n"))
                continue
            m = re.match(r"^(ok|not ok) (.*?)(?: # SKIP (.*))?$", line.rstrip("\n"))
            if m:
                results.append(Result(m[2], m[1] == "ok", m[3]))
    return results


class _KtapResult(unittest.TextTestResult):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.records = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.records.append(Result("host/" + test.id(), True))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.records.append(Result("host/" + test.id(), False, None,
                                   self._exc_info_to_string(err, test).splitlines()))

    addError = addFailure

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.records.append(Result("host/" + test.id(), True, reason))


def cmd_unittest(directory, out):
    suite = unittest.defaultTestLoader.discover(directory, top_level_dir=directory)
    runner = unittest.TextTestRunner(resultclass=_KtapResult, verbosity=1, stream=sys.stderr)
    result = runner.run(suite)
    write_results(out, result.records)
    return 0


def cmd_summary(paths):
    results = []
    for p in paths:
        results += read_results(p)
    failed = [r for r in results if not r.ok]
    skipped = [r for r in results if r.ok and r.skip is not None]
    for r in failed:
        print(r.line())
    passed = len(results) - len(failed) - len(skipped)
    line = f"{passed} passed, {len(failed)} failed"
    if skipped:
        line += f", {len(skipped)} skipped"
    print(line)
    return 1 if failed or not results else 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "vm":
        with open(argv[2], errors="replace") as f:
            text = f.read()
        label = argv[4] if len(argv) > 4 else os.path.splitext(os.path.basename(argv[2]))[0]
        results = judge_vm_log(text, label)
        write_results(argv[3], results)
        return 0
    if len(argv) == 5 and argv[1] == "groups":
        with open(argv[2], errors="replace") as f:
            lines = f.read().splitlines()
        results = judge_groups(lines, argv[4]) or [
            Result(argv[4] + "/results", False, None, ["no test groups ran"] + lines[-20:])]
        write_results(argv[3], results)
        return 0
    if len(argv) == 4 and argv[1] == "unittest":
        return cmd_unittest(argv[2], argv[3])
    if len(argv) >= 5 and argv[1] == "record":
        proc = subprocess.run(argv[4:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors="replace")
        sys.stdout.write(proc.stdout)
        write_results(argv[2], [Result(argv[3], proc.returncode == 0, None,
                                        proc.stdout.splitlines()[-30:])], "a")
        return proc.returncode
    if len(argv) >= 2 and argv[1] == "summary":
        return cmd_summary(argv[2:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
