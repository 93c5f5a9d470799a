# SPDX-License-Identifier: GPL-2.0
"""Instruction-exact counts of one allocation+free, from the running guest.

Run by scripts/bench-count.sh inside gdb (`gdb -batch -x count.py`), with
the guest booted under QEMU TCG with a gdb stub.  For each count_*()
function of bench/arenalloc_bench.ko it breaks at the entry, then
single-steps (QEMU holds interrupts and timers off while it steps) until
the stack pointer rises above its value at entry, that is until the call
has returned, and classifies every instruction executed:

  insns     every instruction, the count function's own few included
  irq       instructions that change the interrupt flag: cli, sti, popf
  locked    locked read-modify-writes: a lock prefix, or xchg with memory
  pcpu_cas  cmpxchg/cmpxchg16b without lock (SLUB's per-CPU fast path)
  calls     call instructions (each ret goes through a return thunk on
            Debian's kernel, counted as instructions like any other)
  stos      iterations of rep stos / rep movs: QEMU steps each iteration
            on its own, so each is also one of insns

It also attributes instructions to functions through a shadow stack of
call targets named from the guest's /proc/kallsyms (lines "@@@ KSYM").
Environment: COUNT_PORT, COUNT_SYMS ("name=hexaddr,..."), COUNT_GO (hex
address of count_go), COUNT_CALLS, COUNT_KSYMS (file of "addr type name"),
COUNT_OUT (TSV written here).
"""
import bisect
import collections
import os
import re

import gdb  # pylint: disable=import-error

INSN = re.compile(r"=>\s*0x[0-9a-f]+(?:\s*<[^>]*>)?:\s*(.*)$")


def val(expr):
    return int(gdb.parse_and_eval(expr)) & 0xFFFFFFFFFFFFFFFF


def load_ksyms(path):
    names = {}
    if path and os.path.exists(path):
        for line in open(path):
            f = line.split()
            if len(f) >= 3:
                names[int(f[0], 16)] = f[2]
    return names


def classify(text, c):
    ins = text.split()
    if not ins:
        return None
    ops = [w for w in ins if not w.startswith("%") and not w.startswith("$")]
    m = ins[0]
    c["insns"] += 1
    if m in ("lock",):
        c["locked"] += 1
        m = ins[1] if len(ins) > 1 else m
    elif m.startswith("xchg") and "(" in text:
        c["locked"] += 1
    elif m.startswith("cmpxchg"):
        c["pcpu_cas"] += 1
    if m in ("cli", "sti") or m.startswith("popf"):
        c["irq"] += 1
    if m in ("rep", "repz", "repnz") and len(ops) > 1 and ops[1].startswith(("stos", "movs")):
        c["stos"] += 1
    if m.startswith("call"):
        c["calls"] += 1
    return m


def count_one(ksyms, entry_name):
    c = collections.Counter()
    per_fn = collections.Counter()
    stack = [entry_name]
    sp0 = val("$sp")
    steps = 0
    while True:
        pc = val("$pc")
        text = gdb.execute("x/i $pc", to_string=True).strip().splitlines()[-1]
        m = INSN.search(text)
        mnem = classify(m.group(1) if m else text, c)
        per_fn[stack[-1]] += 1
        gdb.execute("stepi", to_string=True)
        steps += 1
        npc = val("$pc")
        if mnem and mnem.startswith("call"):
            stack.append(ksyms.get(npc, "0x%x" % npc))
        elif mnem and mnem.startswith("ret") and len(stack) > 1:
            stack.pop()
        elif mnem and mnem.startswith("jmp") and npc in ksyms and npc != pc:
            stack[-1] = ksyms[npc]	# a tail call
        if val("$sp") > sp0 or steps > 50000:
            break
    return c, per_fn


def main():
    port = os.environ["COUNT_PORT"]
    syms = dict(kv.split("=") for kv in os.environ["COUNT_SYMS"].split(","))
    addr_to_name = {int(a, 16): n for n, a in syms.items()}
    ksyms = load_ksyms(os.environ.get("COUNT_KSYMS"))
    ksyms.update(addr_to_name)
    calls = int(os.environ.get("COUNT_CALLS", "3"))
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("set architecture i386:x86-64")
    gdb.execute("target remote 127.0.0.1:%s" % port)
    for a in addr_to_name:
        gdb.execute("hbreak *0x%x" % a, to_string=True)
    gdb.execute("set {int}0x%s = 1" % os.environ["COUNT_GO"])
    rows = []
    for i in range(calls * len(addr_to_name)):
        gdb.execute("continue", to_string=True)
        pc = val("$pc")
        name = addr_to_name.get(pc)
        if name is None:
            break
        gdb.execute("delete", to_string=True)	# no breakpoint while stepping
        c, per_fn = count_one(ksyms, name)
        rows.append((name, i // len(addr_to_name), c, per_fn))
        for a in addr_to_name:
            gdb.execute("hbreak *0x%x" % a, to_string=True)
    gdb.execute("delete", to_string=True)
    gdb.execute("detach", to_string=True)
    with open(os.environ["COUNT_OUT"], "w") as f:
        f.write("contender\tcall\tinsns\tirq\tlocked\tpcpu_cas\tcalls\tstos\tfunctions\n")
        for name, call, c, per_fn in rows:
            fns = " ".join("%s:%d" % kv for kv in per_fn.most_common())
            f.write("%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n" % (
                name[len("count_"):], call, c["insns"], c["irq"], c["locked"],
                c["pcpu_cas"], c["calls"], c["stos"], fns))


main()
