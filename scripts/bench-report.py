#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The benchmark report: tables, ratios and plots from `make bench`'s runs.

    bench-report.py DIR [--publish RST]

DIR (out/bench) holds what the benchmark scripts wrote:
  user.tsv        one line per userspace run (scripts/bench-user.sh)
  kernel.tsv      one line per kernel round (scripts/bench.sh)
  burst-*.tsv     RSS over time after a burst is freed, per allocator
  meta.txt        "key: value" lines: the command, QEMU mode, ...

Writes DIR/report.md and DIR/*.png (gnuplot, pngcairo), and prints the
summary.  Every figure is the median of the rounds of one run; the spread
is min..max.  Ratios compare costs (time, or the inverse of throughput):
a contender's ratio to arenalloc above 1 means it took longer.  The
summary gives the other direction, arenalloc's cost as a multiple of each
contender's, as the project's targets are written.
"""
import argparse
import collections
import datetime
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys

HIGHER_IS_BETTER = ("Mops/s",)
USER_ORDER = ["arenalloc", "glibc", "jemalloc", "mimalloc", "tcmalloc"]
KERNEL_ORDER = ["arenalloc", "kmalloc", "kmem_cache", "arenalloc_nocache",
                "alloc_pages", "kvmalloc"]


def read_tsv(path):
    """Rows of a TSV file with a header line, as dicts; [] if absent."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    head, rows = lines[0], [dict(zip(lines[0], r)) for r in lines[1:]]
    if "value" not in head:
        return rows
    good = []
    for r in rows:
        try:
            float(r["value"])
            good.append(r)
        except (KeyError, ValueError):
            print("bench-report: %s: skipping a malformed row: %s" %
                  (path, "\t".join(r.values())), file=sys.stderr)
    return good


def higher_is_better(unit):
    """Throughputs (Mops/s, MB/s, ...) are better higher; times lower."""
    return unit in HIGHER_IS_BETTER or unit.endswith("/s")


def cost(value, unit):
    """A value as a cost: lower is better whatever the unit."""
    return 1.0 / value if higher_is_better(unit) and value else value


def geomean(xs):
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


class Table:
    """Runs grouped by (test, allocator): medians, spreads, units, RSS."""

    def __init__(self, rows):
        self.vals = collections.defaultdict(list)
        self.rss = collections.defaultdict(list)
        self.unit = {}
        self.suite = {}
        self.tests = []
        self.allocs = []
        for r in rows:
            key = (r["test"], r["allocator"])
            self.vals[key].append(float(r["value"]))
            if r.get("maxrss_kb", "-") not in ("-", ""):
                self.rss[key].append(float(r["maxrss_kb"]))
            self.unit[r["test"]] = r["unit"]
            self.suite[r["test"]] = r["suite"]
            if r["test"] not in self.tests:
                self.tests.append(r["test"])
            if r["allocator"] not in self.allocs:
                self.allocs.append(r["allocator"])

    def order(self, preferred):
        return [a for a in preferred if a in self.allocs] + \
            [a for a in self.allocs if a not in preferred]

    def median(self, test, alloc):
        v = self.vals.get((test, alloc))
        return statistics.median(v) if v else None

    def spread(self, test, alloc):
        v = self.vals.get((test, alloc))
        return (min(v), max(v)) if v else None

    def rss_mib(self, test, alloc):
        v = self.rss.get((test, alloc))
        return statistics.median(v) / 1024 if v else None

    def cost(self, test, alloc):
        m = self.median(test, alloc)
        return None if m is None else cost(m, self.unit[test])


def fmt(x):
    if x is None:
        return "-"
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    return "%.2f" % x


def table_md(t, allocs, base, with_rss):
    """A markdown table: median (min..max) [ratio to base] per allocator."""
    out = ["| test | unit | " + " | ".join(allocs) + " |",
           "|---|---|" + "---|" * len(allocs)]
    for test in t.tests:
        cells = []
        bc = t.cost(test, base)
        for a in allocs:
            m = t.median(test, a)
            if m is None:
                cells.append("-")
                continue
            lo, hi = t.spread(test, a)
            c = "%s (%s..%s)" % (fmt(m), fmt(lo), fmt(hi))
            if a != base and bc:
                c += " **%.2f**" % (t.cost(test, a) / bc)
            if with_rss and t.rss_mib(test, a) is not None:
                c += "<br>%s MiB" % fmt(t.rss_mib(test, a))
            cells.append(c)
        out.append("| %s | %s | %s |" % (test, t.unit[test], " | ".join(cells)))
    return "\n".join(out)


def summary(t, base, contenders, tests=None):
    """{contender: (geomean of base cost / contender cost, worst test, worst)}."""
    res = {}
    for a in contenders:
        ratios = []
        for test in t.tests if tests is None else tests:
            b, c = t.cost(test, base), t.cost(test, a)
            if b and c:
                ratios.append((b / c, test))
        if ratios:
            worst = max(ratios)
            res[a] = (geomean([r for r, _ in ratios]), worst[1], worst[0])
    return res


def rss_summary(t, base, contenders):
    res = {}
    for a in contenders:
        ratios = [t.rss_mib(x, base) / t.rss_mib(x, a) for x in t.tests
                  if t.rss_mib(x, base) and t.rss_mib(x, a)]
        if ratios:
            res[a] = geomean(ratios)
    return res


# ---- plots -----------------------------------------------------------------

def gnuplot(script, cwd):
    if not shutil.which("gnuplot"):
        print("bench-report: gnuplot not found, no plots", file=sys.stderr)
        return False
    r = subprocess.run(["gnuplot"], input=script, text=True, cwd=cwd,
                       capture_output=True)
    if r.returncode:
        print("bench-report: gnuplot failed:\n" + r.stderr, file=sys.stderr)
    return r.returncode == 0


PNG = "set terminal pngcairo noenhanced size 1000,560 font ',10'\nset grid ytics\nset key outside right\n"


def plot_ratio_bars(t, base, allocs, d, name, title):
    """Each allocator's cost relative to base, per test, as grouped bars."""
    dat = os.path.join(d, name + ".dat")
    others = [a for a in allocs if a != base]
    with open(dat, "w") as f:
        f.write("test " + " ".join(others) + "\n")
        for test in t.tests:
            bc = t.cost(test, base)
            row = [("%.4f" % (t.cost(test, a) / bc)) if bc and t.cost(test, a) else "NaN"
                   for a in others]
            f.write(test + " " + " ".join(row) + "\n")
    cols = ", ".join("'%s.dat' using %d:xtic(1) title '%s'" % (name, i + 2, a)
                     for i, a in enumerate(others))
    return gnuplot(PNG + """set output '%s.png'
set title "%s"
set ylabel "cost relative to %s (above 1: %s is faster)"
set logscale y 2
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -45 scale 0
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 front
plot %s
""" % (name, title, base, base, cols), d)


def plot_lines(series, d, name, title, xlabel, ylabel, logx=False, logy=False):
    """series: {label: [(x, y), ...]}."""
    files = []
    for i, (label, pts) in enumerate(series.items()):
        dat = "%s-%d.dat" % (name, i)
        with open(os.path.join(d, dat), "w") as f:
            for x, y in pts:
                f.write("%s %s\n" % (x, y))
        files.append("'%s' using 1:2 with linespoints title '%s'" % (dat, label))
    if not files:
        return False
    return gnuplot(PNG + """set output '%s.png'
set title "%s"
set xlabel "%s"
set ylabel "%s"
%s%s
plot %s
""" % (name, title, xlabel, ylabel, "set logscale x 2\n" if logx else "",
       "set logscale y\n" if logy else "", ", ".join(files)), d)


# ---- the report ------------------------------------------------------------

# Kernel suites scripts/bench.sh writes; any other suite gets its name.
KERNEL_SUITES = {
    "kernel": "as booted, init_on_alloc=1",
    "kernel-init0": "init_on_alloc=0",
}


def read_meta(d):
    meta = collections.OrderedDict()
    for name in sorted(os.listdir(d)):
        if name.startswith("meta") and name.endswith(".txt"):
            for line in open(os.path.join(d, name)):
                k, _, v = line.partition(":")
                if k.strip():
                    meta[k.strip()] = v.strip()
    return meta


def machine(meta):
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        mem = int(open("/proc/meminfo").readline().split()[1]) // 1024 // 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"],
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "unknown"
    lines = [
        "- date: %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "- commit: %s" % commit,
        "- host: %s, %d CPUs, %d GiB, Linux %s" % (cpu, os.cpu_count(), mem,
                                                  platform.release()),
        "- command: `%s`" % meta.get("command", "make bench"),
    ]
    for k, v in meta.items():
        if k != "command":
            lines.append("- %s: %s" % (k, v))
    return "\n".join(lines)


def family(test):
    """pair_64 -> pair: the tests one table holds."""
    return test.split("_", 1)[0]


def user_section(d, md, plots, targets, terminal):
    user = Table(read_tsv(os.path.join(d, "user.tsv")))
    if not user.tests:
        return
    allocs = user.order(USER_ORDER)
    others = [a for a in allocs if a != "arenalloc"]
    md += ["## Userspace", "",
           "Median of the rounds (min..max); **bold**: the contender's cost "
           "relative to arenalloc's (time, or 1/throughput; above 1 the "
           "contender is slower); peak RSS of the same runs.", "",
           table_md(user, allocs, "arenalloc", True), ""]
    s = summary(user, "arenalloc", others)
    micro = [x for x in user.tests if user.suite[x] == "micro"]
    prog = [x for x in user.tests if user.suite[x] == "program"]
    sm, sp = summary(user, "arenalloc", others, micro), summary(user, "arenalloc", others, prog)
    rs = rss_summary(user, "arenalloc", others)
    summ = ["### Summary: arenalloc's cost as a multiple of each contender's", "",
            "Geometric means over the tests; below 1 arenalloc is the faster.", "",
            "| contender | all (geomean) | own workloads | programs | worst test | peak RSS (geomean) |",
            "|---|---|---|---|---|---|"]
    for a in others:
        if a not in s:
            continue
        g, wt, wv = s[a]
        summ.append("| %s | %.2fx | %s | %s | %s %.2fx | %s |" % (
            a, g, "%.2fx" % sm[a][0] if a in sm else "-",
            "%.2fx" % sp[a][0] if a in sp else "-", wt, wv,
            "%.2fx" % rs[a] if a in rs else "-"))
    summ.append("")
    md += summ
    terminal += summ
    if "jemalloc" in s:
        targets.append(("every userspace workload at most 1.0x jemalloc",
                        s["jemalloc"][2] <= 1.0, "worst %s %.2fx" % (s["jemalloc"][1], s["jemalloc"][2])))
    if "mimalloc" in s:
        targets.append(("geomean at most 0.95x mimalloc", s["mimalloc"][0] <= 0.95,
                        "%.2fx" % s["mimalloc"][0]))
    if "jemalloc" in rs:
        targets.append(("peak RSS geomean at most 1.0x jemalloc", rs["jemalloc"] <= 1.0,
                        "%.2fx" % rs["jemalloc"]))
    if "large" in user.tests:
        fast = [user.cost("large", a) for a in ("glibc", "tcmalloc") if user.cost("large", a)]
        if fast and user.cost("large", "arenalloc"):
            r = user.cost("large", "arenalloc") / min(fast)
            targets.append(("large-block churn at most 1.2x the faster of glibc and tcmalloc",
                            r <= 1.2, "%.2fx" % r))
    if plot_ratio_bars(user, "arenalloc", allocs, d, "user-ratios",
                       "Userspace: each allocator's cost relative to arenalloc"):
        plots.append(("user-ratios.png", "userspace cost of each contender relative to "
                      "arenalloc, per workload (bars, log scale)"))
    series = collections.OrderedDict()
    for a in allocs:
        for kind in ("mt", "larson"):
            pts = sorted((int(x.split("_")[1]), user.median(x, a)) for x in user.tests
                         if x.startswith(kind + "_") and user.median(x, a) is not None)
            if len(pts) > 1:
                series["%s %s" % (a, kind)] = pts
    if plot_lines(series, d, "user-threads", "Throughput against threads",
                  "threads", "Mops/s", logx=True):
        plots.append(("user-threads.png", "larson and mt throughput against thread count"))


def burst_section(d, md, plots, terminal):
    bursts = collections.OrderedDict()
    order = ["arenalloc", "arenalloc-bg"] + USER_ORDER[1:]
    names = [f[6:-4] for f in os.listdir(d) if f.startswith("burst-") and f.endswith(".tsv")]
    for a in [n for n in order if n in names] + sorted(n for n in names if n not in order):
        pts = [line.split() for line in open(os.path.join(d, "burst-%s.tsv" % a)) if line.strip()]
        if pts:
            bursts[a] = [(int(ms) / 1000, int(kb) / 1024) for ms, kb in pts]
    if not bursts:
        return
    sec = ["## Decay: RSS after a burst is freed", "",
           "Each allocator's process allocates the burst in small objects, "
           "frees it all, then sleeps, sampling its RSS every 100 ms "
           "(arenalloc-bg: with `background_thread:true`).", "",
           "| allocator | RSS when idle begins (MiB) | RSS at the end (MiB) | idle (s) |",
           "|---|---|---|---|"]
    for a, pts in bursts.items():
        sec.append("| %s | %.0f | %.0f | %.1f |" % (a, pts[0][1], pts[-1][1], pts[-1][0]))
    sec.append("")
    md += sec
    terminal += sec
    if plot_lines(bursts, d, "user-burst-rss", "RSS over time after a burst is freed",
                  "seconds idle", "RSS (MiB)"):
        plots.append(("user-burst-rss.png", "RSS over time, burst then idle: arenalloc with "
                      "and without background thread, glibc, jemalloc, mimalloc, tcmalloc"))


def kernel_tables(kern, suite, allocs, base):
    """One table per family of tests (pair, batch, large, ... and any
    family scripts/bench.sh does not know), each with the contenders that
    ran it."""
    out = []
    fams = []
    for t in kern.tests:
        if family(t) not in fams:
            fams.append(family(t))
    for fam in fams:
        sub = Table([])
        sub.vals, sub.unit, sub.suite = kern.vals, kern.unit, kern.suite
        sub.tests = [t for t in kern.tests if family(t) == fam]
        present = [a for a in allocs if any((t, a) in kern.vals for t in sub.tests)]
        out += ["### %s: %s tests" % (suite, fam), "", table_md(sub, present, base if base in present else None,
                                             False), ""]
    return out


def kernel_section(d, md, plots, targets, terminal):
    krows = read_tsv(os.path.join(d, "kernel.tsv"))
    suites = []
    for r in krows:
        if r["suite"] not in suites:
            suites.append(r["suite"])
    for suite in suites:
        kern = Table([r for r in krows if r["suite"] == suite])
        booted = suite == "kernel"
        allocs = kern.order(KERNEL_ORDER)
        md += ["## Kernel: %s (stock 6.12 in QEMU TCG: compare ratios, not times)" %
               KERNEL_SUITES.get(suite, suite), "",
               "Median of the rounds (min..max); **bold**: the contender's time "
               "relative to arenalloc's (above 1 the contender is slower).", ""]
        md += kernel_tables(kern, suite, allocs, "arenalloc")
        others = [a for a in allocs if a != "arenalloc"]
        s = summary(kern, "arenalloc", others)
        if s:
            summ = ["### Summary, kernel %s: arenalloc's time as a multiple of each "
                    "contender's" % KERNEL_SUITES.get(suite, suite), "",
                    "| contender | tests | geomean | worst test |", "|---|---|---|---|"]
            for a in others:
                if a in s:
                    n = sum(1 for t in kern.tests if kern.cost(t, a) and kern.cost(t, "arenalloc"))
                    summ.append("| %s | %d | %.2fx | %s %.2fx |" % (a, n, s[a][0], s[a][1], s[a][2]))
            summ.append("")
            md += summ
            terminal += summ
        if not booted:
            continue
        for name, prefix, bound in (("hit pair", "pair_", 0.7), ("batch pattern", "batch_", 1.0),
                                    ("remote free", "remote_", 1.0)):
            tests = [x for x in kern.tests if x.startswith(prefix)]
            p = summary(kern, "arenalloc", ["kmalloc"], tests).get("kmalloc")
            if p:
                targets.append(("kernel %s at most %.1fx kmalloc (every size)" % (name, bound),
                                p[2] <= bound, "geomean %.2fx, worst %s %.2fx" % p))
        tests = [x for x in kern.tests if x.startswith("large_")]
        p = summary(kern, "arenalloc", ["alloc_pages"], tests).get("alloc_pages")
        if p:
            targets.append(("kernel large sizes at most 0.5x alloc_pages (every size)",
                            p[2] <= 0.5, "geomean %.2fx, worst %s %.2fx" % p))
        for prefix, name, title in (("pair_", "kernel-pairs", "ns per alloc+free pair by size"),
                                    ("large_", "kernel-large",
                                     "large sizes against alloc_pages and kvmalloc, ns per alloc+free")):
            series = collections.OrderedDict()
            for a in allocs:
                pts = sorted((int(x.split("_")[1]), kern.median(x, a)) for x in kern.tests
                             if x.startswith(prefix) and x.split("_")[1].isdigit()
                             and kern.median(x, a) is not None)
                if pts:
                    series[a] = pts
            if plot_lines(series, d, name, "Kernel: " + title, "bytes", "ns",
                          logx=True, logy=True):
                plots.append((name + ".png", "kernel " + title + " (log axes)"))


def count_section(d, md, targets):
    counts = read_tsv(os.path.join(d, "count.tsv"))
    if not counts:
        return
    best = {}
    for r in counts:
        n = int(r["insns"])
        if r["contender"] not in best or n < int(best[r["contender"]]["insns"]):
            best[r["contender"]] = r
    md += ["## Kernel: instructions of one warmed-up 64-byte allocation+free", "",
           "Single-stepped in the stock kernel through QEMU's gdb stub "
           "(scripts/bench-count.sh; the fewest of %d calls). Suffixes: `_var`, a size "
           "the compiler cannot see; `_4096`, 4 KiB; `_free_remote`, the free alone of an "
           "object allocated on another CPU. irq: cli, sti, popf; "
           "locked: lock-prefixed or xchg with memory; per-CPU cmpxchg: without "
           "lock; rep: iterations of rep stos/movs, each also one instruction." %
           (max(int(r["call"]) for r in counts) + 1), "",
           "| contender | instructions | irq toggles | locked atomics | per-CPU cmpxchg "
           "| calls | rep iterations | most instructions in |",
           "|---|---|---|---|---|---|---|---|"]
    for a in [a for a in KERNEL_ORDER if a in best] + \
            sorted(a for a in best if a not in KERNEL_ORDER):
        r = best[a]
        top = " ".join(r["functions"].split()[:4])
        md.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            a, r["insns"], r["irq"], r["locked"], r["pcpu_cas"], r["calls"],
            r["stos"], top))
    md.append("")
    if "arenalloc" in best and "kmalloc" in best:
        ratio = int(best["arenalloc"]["insns"]) / int(best["kmalloc"]["insns"])
        targets.append(("kernel hit pair at most 0.8x kmalloc's instructions",
                        ratio <= 0.8, "%.2fx" % ratio))


def device_section(d, md, terminal):
    dev = Table(read_tsv(os.path.join(d, "stock-vm.tsv")))
    if not dev.tests:
        return
    base = "arenalloc-device"
    allocs = dev.order([base, "arenalloc-mmap"])
    sec = ["## Stock VM: libarenalloc over /dev/arenalloc against itself over mmap", "",
           "Debian's stock 6.12 kernel in QEMU TCG with arenalloc.ko loaded "
           "(scripts/bench-dev.sh): the same library and workloads, chunks from "
           "the device (`chunk_source:device`) or from anonymous mmap "
           "(`chunk_source:mmap`), alternating rounds. Median (min..max); "
           "**bold**: the mmap run's cost relative to the device run's (above 1 "
           "the device is faster). Under TCG compare the ratio, not the times.", "",
           table_md(dev, allocs, base, True), ""]
    s = summary(dev, base, ["arenalloc-mmap"]).get("arenalloc-mmap")
    if s:
        sec += ["Over the device, libarenalloc's cost is **%.2fx** its cost over mmap "
                "(geomean of %d workloads; worst %s %.2fx)." % (s[0], len(dev.tests), s[1], s[2]), ""]
    md += sec
    terminal += sec[:2] + sec[-2:] if s else []


def time_section(d, md):
    phases = read_tsv(os.path.join(d, "phases.tsv"))
    work = read_tsv(os.path.join(d, "time-user.tsv"))
    if not phases and not work:
        return
    md += ["## Run time", ""]
    if phases:
        md += ["| phase | seconds |", "|---|---|"]
        md += ["| %s | %s |" % (p["phase"], p["seconds"]) for p in phases]
        md.append("")
    if work:
        md += ["Userspace suite, seconds per workload (every contender and round):", "",
               "| workload | seconds |", "|---|---|"]
        md += ["| %s | %s |" % (w["workload"], w["seconds"]) for w in work]
        md.append("")


def md_to_rst(md, plotdir):
    """The report's markdown, as reStructuredText: headings, lists,
    paragraphs, tables (list-table), images, inline code and bold."""
    def inline(text):
        out = []
        for i, part in enumerate(text.split("`")):
            out.append("``%s``" % part if i % 2 else part.replace("<br>", ", "))
        return "".join(out)

    md = "\n".join(md).split("\n")
    rst = []
    i = 0
    while i < len(md):
        line = md[i]
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            title = inline(line.lstrip("#").strip())
            rst += [title, ("=-~"[min(level, 4) - 2] if level > 1 else "=") * len(title), ""]
        elif line.startswith("|") and i + 1 < len(md) and md[i + 1].startswith("|---"):
            rows = []
            while i < len(md) and md[i].startswith("|"):
                if not md[i].startswith("|---"):
                    rows.append([c.strip() for c in md[i].strip().strip("|").split(" | ")])
                i += 1
            rst += [".. list-table::", "   :header-rows: 1", ""]
            for r in rows:
                for j, c in enumerate(r):
                    rst.append("   %s %s" % ("* -" if j == 0 else "  -", inline(c) or ".."))
            rst.append("")
            continue
        elif line.startswith("!["):
            alt, path = line[2:].split("](", 1)
            rst += [".. image:: %s/%s" % (plotdir, path.rstrip(")")), "   :alt: " + alt, ""]
        else:
            rst.append(inline(line))
        i += 1
    return rst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--publish", help="also write the report as this .rst file, "
                    "its plots in a folder of the same name")
    args = ap.parse_args()
    d = args.dir
    meta = read_meta(d)
    md = ["# arenalloc benchmark report", "", machine(meta), ""]
    plots = []
    targets = []
    terminal = []

    user_section(d, md, plots, targets, terminal)
    burst_section(d, md, plots, terminal)
    device_section(d, md, terminal)
    kernel_section(d, md, plots, targets, terminal)
    count_section(d, md, targets)

    if targets:
        tg = ["## Targets", "", "| target | met | where it stands |", "|---|---|---|"]
        tg += ["| %s | %s | %s |" % (n, "yes" if ok else "no", w) for n, ok, w in targets]
        tg.append("")
        md += tg
        terminal += tg
    if plots:
        md += ["## Plots", ""] + ["- `%s`: %s" % p for p in plots] + [""]
        for f, what in plots:
            md += ["![%s](%s)" % (what, f), ""]
    time_section(d, md)
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write("\n".join(md))
    if args.publish:
        plotdir = os.path.splitext(args.publish)[0]
        os.makedirs(plotdir, exist_ok=True)
        for f, _ in plots:
            shutil.copy(os.path.join(d, f), plotdir)
        title = "arenalloc benchmark report"
        with open(args.publish, "w") as f:
            f.write(".. SPDX-License-Identifier: GPL-2.0\n\n"
                    "..\n   Generated by scripts/bench-report.py (make bench BENCH_PUBLISH=1);\n"
                    "   Documentation/benchmarking.rst says how it is made.\n\n")
            f.write("%s\n%s\n%s\n\n" % ("=" * len(title), title, "=" * len(title)))
            f.write("\n".join(md_to_rst(md[2:], os.path.basename(plotdir))) + "\n")
    # The terminal gets the summary, not the whole report.
    print("\n".join(terminal))
    print("report: %s" % os.path.join(d, "report.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
