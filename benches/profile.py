#!/usr/bin/env python3
"""Where the instructions of each instruction-count bench go: the share of
the allocator, of locking, and the top functions by self cost, from the
callgrind profiles gungraun leaves under target/gungraun/.

    cargo bench --bench instructions          # writes the profiles
    python3 benches/profile.py [--top 8]

Needs callgrind_annotate (ships with valgrind).
"""

import argparse
import glob
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (category, predicate on callgrind_annotate's "file:function" column)
CATEGORIES = [
    ("allocator (malloc/free)", lambda f: "malloc" in f.split(":")[0] or "__rdl_" in f or "__rust_alloc" in f or "__rust_dealloc" in f or "alloc.rs:" in f),
    ("locks and atomics", lambda f: "atomic.rs:" in f or "futex" in f or "mutex" in f.lower().split(":")[0]),
    ("panic catching", lambda f: "panicking.rs:" in f or "panic" in f.split(":")[0]),
    ("handler queue (VecDeque)", lambda f: "vec_deque" in f or "queue.rs:" in f),
]


def annotate(path):
    out = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--tree=none", "--auto=no", "--threshold=100", path],
        capture_output=True, text=True, check=True,
    ).stdout
    total, rows, seen_header = None, [], False
    for line in out.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
        elif "file:function" in line:
            seen_header = True
        elif seen_header and re.match(r"\s*[\d,]+ \(", line):
            ir = int(line.split()[0].replace(",", ""))
            name = re.sub(r"\s*\[[^\]]*\]\s*$", "", line.rstrip()).rsplit("  ", 1)[-1].strip()
            rows.append((ir, name))
    return total, rows


def short(name):
    fn = name.split(":", 1)[1] if ":" in name else name
    fn = re.sub(r"deferred::deferred::engine::", "engine::", fn)
    fn = re.sub(r"<[^<>]*>", "", fn)
    return fn[:70]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=6)
    args = parser.parse_args()
    base = os.path.join(ROOT, "target/gungraun/deferred/instructions")
    with open(os.path.join(ROOT, "benches/baseline/instructions.tsv")) as f:
        wanted = {line.split("\t")[0].replace("::", "/") for line in f if line.strip() and not line.startswith("#")}
    for bench in sorted(wanted):
        outs = sorted(glob.glob(os.path.join(base, bench, "callgrind.*.out")))
        # Multi-threaded benches write one file per thread; the count is thread 1's.
        outs = [o for o in outs if ".t1." in o] or outs
        if not outs:
            continue
        out = outs[0]
        total, rows = annotate(out)
        if not total:
            continue
        print(f"\n## {bench}: {total:,} instructions")
        shares = []
        for name, pred in CATEGORIES:
            n = sum(ir for ir, f in rows if pred(f))
            shares.append(f"{name} {100 * n / total:.0f}%")
        print("  " + ", ".join(shares))
        for ir, f in sorted(rows, reverse=True)[: args.top]:
            print(f"  {ir:>8,}  {100 * ir / total:5.1f}%  {short(f)}")


if __name__ == "__main__":
    main()
