#!/usr/bin/env python3
"""Draw the instruction-count history (benches/history/instructions.tsv) as a
PNG for docs/benchmarks.md: how each hot path moved, commit by commit.

`cargo xtask bench-history` makes the virtual environment and runs this:

    python3 -m venv target/venv-bench
    target/venv-bench/bin/pip install -r benches/plot-requirements.txt
    target/venv-bench/bin/python benches/plot_history.py [--history FILE] [--out FILE]

Left: each benchmark's count, in instructions (log scale). Right: the same
relative to the benchmark's first record (100%), so a small path and a large
one read alike. A dashed vertical line marks a toolchain change (counts can
move for that reason alone).
"""

import argparse
import csv
import os
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(path):
    """(commits in record order, {commit: (date, toolchain)}, {bench: {commit: count}})."""
    commits = OrderedDict()
    series = OrderedDict()
    with open(path) as f:
        rows = csv.reader((line for line in f if not line.startswith("#") and line.strip()), delimiter="\t")
        for commit, date, toolchain, bench, count in rows:
            commits.setdefault(commit, (date, toolchain))
            series.setdefault(bench, {})[commit] = int(count)
    return list(commits), commits, series


def label(commit, date):
    dirty = "+dirty" if commit.endswith("+dirty") else ""
    return f"{commit.removesuffix('+dirty')[:8]}{dirty}\n{date[:10]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", default=os.path.join(ROOT, "benches/history/instructions.tsv"))
    parser.add_argument("--out", default=os.path.join(ROOT, "docs/bench-history.png"))
    args = parser.parse_args()

    order, info, series = read(args.history)
    xs = {c: i for i, c in enumerate(order)}
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2))
    markers = "osD^v<>px*h"
    colors = plt.get_cmap("tab20").colors
    for n, (bench, points) in enumerate(sorted(series.items())):
        commits = [c for c in order if c in points]
        x = [xs[c] for c in commits]
        counts = [points[c] for c in commits]
        first = counts[0]
        style = dict(
            marker=markers[n % len(markers)],
            color=colors[(2 * n) % 20 + (2 * n // 20) % 2],
            markersize=5,
            linewidth=1.6,
        )
        left.plot(x, counts, label=f"{bench} ({counts[-1]:,})", **style)
        right.plot(x, [100.0 * c / first for c in counts], label=bench, **style)

    toolchains = [info[c][1] for c in order]
    for i in range(1, len(order)):
        if toolchains[i] != toolchains[i - 1]:
            for ax in (left, right):
                ax.axvline(i - 0.5, color="grey", linestyle="--", linewidth=0.8)
                ax.annotate(
                    "toolchain changed",
                    xy=(i - 0.5, 1.0),
                    xycoords=("data", "axes fraction"),
                    fontsize=7,
                    color="grey",
                    ha="center",
                    va="bottom",
                )

    labels = [label(c, info[c][0]) for c in order]
    for ax in (left, right):
        ax.set_xticks(range(len(order)))
        ax.set_xticklabels(labels, fontsize=7)
        ax.set_xlim(-0.5, max(len(order) - 0.5, 0.5))
        ax.set_xlabel("commit (in the order recorded)")
        ax.grid(True, which="both", alpha=0.3)
    left.set_yscale("log")
    left.set_ylabel("instructions (callgrind Ir, log scale)")
    left.set_title("instruction count per benchmark (latest in the legend)", pad=14)
    left.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.18), ncol=2, frameon=False)
    right.set_ylabel("% of the benchmark's first record")
    right.axhline(100.0, color="black", linewidth=0.8)
    right.set_title("relative to the first record", pad=14)

    fig.tight_layout()
    fig.savefig(args.out, dpi=110, bbox_inches="tight")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
