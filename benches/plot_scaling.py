#!/usr/bin/env python3
"""Draw issue 19's scaling curves from benches/scaling.sh's runs
(target/bench-peers/peers-MODE-cpusC-threadsN.json): time per job in
flight and per sequential round trip against the pool's thread count, on
one core and on two, ours beside rayon's and tokio's; print the table.

    target/venv-bench/bin/python benches/plot_scaling.py [--mode quick|full] [--out docs/scaling.png]
"""

import argparse
import glob
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS = [("in_flight", "20,000 jobs in flight (per job)"), ("sequential", "sequential round trip")]
STYLE = {
    "defer_to_thread": "#1f77b4",
    "rayon::spawn + channel": "#d62728",
    "tokio spawn_blocking": "#2ca02c",
    "threadpool crate + channel": "#9467bd",
    "our ThreadPool alone + channel": "#17becf",
    "floor: crossbeam channel ping-pong": "#7f7f7f",
    "floor: park/unpark ping-pong": "#bcbd22",
}


def family(name):
    """A contender's name without its thread count (tokio's names its cap)."""
    return re.sub(r", capped at \d+ threads?", "", name)


def load(mode):
    runs = {}
    for path in glob.glob(os.path.join(ROOT, f"target/bench-peers/peers-{mode}-cpus*-threads*.json")):
        m = re.search(r"cpus(\d+)-threads(\d+)\.json$", path)
        with open(path) as f:
            data = json.load(f)
        for row in data["rows"]:
            for c in row["contenders"]:
                key = (row["id"], family(c["name"]), int(m.group(1)))
                runs.setdefault(key, {})[int(m.group(2))] = (
                    c["ns_per_unit"]["median"],
                    data.get("commit"),
                    data.get("load_average_before"),
                )
    return runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="quick")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs/scaling.png"))
    args = parser.parse_args()
    runs = load(args.mode)
    if not runs:
        raise SystemExit(f"no target/bench-peers/peers-{args.mode}-cpus*-threads*.json: run benches/scaling.sh first")

    # The table: one line per row, contender and core count.
    threads = sorted({t for v in runs.values() for t in v})
    print("| work | contender | cores | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}" for t in threads) + " |")
    print("|---|---|---|" + "---|" * len(threads))
    for (row, name, cpus), by_threads in sorted(runs.items()):
        cells = [f"{by_threads[t][0] / 1000:.2f} µs" if t in by_threads else "-" for t in threads]
        print(f"| {row} | {name} | {cpus} | " + " | ".join(cells) + " |")
    commits = sorted({v[1] for by in runs.values() for v in by.values()})
    print(f"\ncommit(s): {', '.join(map(str, commits))}; time per unit, median of rounds")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for ax, (row, title) in zip(axes, ROWS):
        for (r, name, cpus), by_threads in sorted(runs.items()):
            if r != row:
                continue
            xs = sorted(by_threads)
            ys = [by_threads[x][0] / 1000 for x in xs]
            ax.plot(
                xs, ys,
                marker="o" if cpus == 2 else "s",
                linestyle="-" if cpus == 2 else "--",
                color=STYLE.get(name, "#333333"),
                label=f"{name}, {cpus} core{'s' if cpus > 1 else ''}",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(threads, [str(t) for t in threads])
        ax.set_xlabel("pool threads")
        ax.set_ylabel("µs per unit (median)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
