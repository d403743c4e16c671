#!/usr/bin/env python3
"""Plot the reactor's tick gaps, blocking vs threaded, from the data the
fibonacci bench writes (target/bench-fibonacci/ticks.csv and gaps.json),
into docs/tick-gaps.png.

    python3 -m venv target/venv-bench
    target/venv-bench/bin/pip install -r benches/plot-requirements.txt
    target/venv-bench/bin/python benches/plot_ticks.py [--twisted target/twisted.json]
"""

import argparse
import csv
import json
import os
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLORS = {
    "idle": "#999999",
    "blocking": "#d62728",
    "threaded": "#1f77b4",
    "threaded_normal": "#ff7f0e",
    "threaded_idle": "#2ca02c",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "target/bench-fibonacci"))
    parser.add_argument("--twisted", help="bench.py --json output, for its gaps")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs/tick-gaps.png"))
    args = parser.parse_args()

    series = defaultdict(list)
    with open(os.path.join(args.data, "ticks.csv")) as f:
        for row in csv.DictReader(f):
            series[row["mode"]].append((float(row["tick_ms"]), float(row["gap_ms"])))
    with open(os.path.join(args.data, "gaps.json")) as f:
        gaps = json.load(f)

    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [2.2, 1]}
    )
    # Each gap is drawn as a bar over the interval the reactor was silent,
    # at the height of its length: a stall shows as one long high bar.
    for mode, points in series.items():
        color = COLORS.get(mode, "#9467bd")
        ends = [p[0] for p in points]
        lengths = [p[1] for p in points]
        starts = [t - g for t, g in points]
        left.hlines(lengths, starts, ends, color=color, linewidth=2.2, label=mode)
        left.scatter(ends, lengths, color=color, s=6)
    left.axhline(1.5, color="black", linestyle="--", linewidth=0.8, label="goal: 1.5 ms")
    left.set_yscale("log")
    left.set_xlabel("time since the batch started (ms); each bar spans one gap between ticks")
    left.set_ylabel("gap length (ms, log)")
    left.set_title("1 ms reactor ticks while F(10000) x 64 runs (one run per mode)")
    left.legend(loc="upper right", fontsize=8)
    left.grid(True, which="both", alpha=0.3)

    names = list(gaps)
    medians = [gaps[n]["longest_gap_ms_median"] for n in names]
    worst = [gaps[n]["longest_gap_ms_worst"] for n in names]
    labels = [f"{n}\n({gaps[n]['pool_threads']} thr)" if n != "idle" else n for n in names]
    if args.twisted:
        with open(args.twisted) as f:
            tw = json.load(f)["results"]
        for mode in ("blocking", "threaded"):
            key = f"fibonacci/{mode}/max_tick_gap"
            if key in tw:
                labels.append(f"Twisted\n{mode}")
                medians.append(tw[key] / 1e6)
                worst.append(float("nan"))
    xs = range(len(labels))
    right.bar(xs, medians, color=["#888888"] * len(labels), label="median of runs")
    right.scatter(xs, worst, color="black", marker="_", s=200, label="worst run", zorder=3)
    for x, m in zip(xs, medians):
        right.text(x, m, f"{m:.1f}", ha="center", va="bottom", fontsize=8)
    right.axhline(1.5, color="black", linestyle="--", linewidth=0.8)
    right.set_xticks(list(xs))
    right.set_xticklabels(labels, fontsize=7, rotation=35, ha="right")
    right.set_yscale("log")
    right.set_ylabel("longest tick gap during the batch (ms, log)")
    right.set_title("longest gap")
    right.legend(fontsize=8)
    right.grid(True, axis="y", which="both", alpha=0.3)

    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
