#!/usr/bin/env python3
"""Turn one run of the benches into the markdown tables of docs/benchmarks.md:
criterion's medians (target/criterion/**/new/), the fibonacci tick-gap table
(target/bench-fibonacci/gaps.json), Twisted's numbers (bench.py --json), and
the issue's reference figures, with every ratio and each target's verdict.

    python3 benches/report.py --twisted target/twisted.json > target/report.md

Pure standard library: runs with any python3.
"""

import argparse
import glob
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The reference figures (Twisted 26.10 on CPython 3.11 and the peers,
# measured by whoever wrote it), in ns per operation.
REF = {
    "twisted_hop": 412,
    "twisted_create_fire": 446,
    "twisted_link": 777,
    "twisted_in_flight": 36_000,
    "twisted_sequential": 68_000,
    "twisted_gap_ms": 9.0,
    "tokio_in_flight": 1e9 / 141_000,
    "tokio_in_flight_capped": 1e9 / 662_000,
    "tokio_sequential": 14_000,
    "rayon_sequential": 2_000,
    "park_sequential": 1_500,
    "floor_box_hop": 30,
    "floor_mutex_hop": 51,
    "floor_arc_cell": 34,
}


def load_criterion(root):
    """full_id -> ns per element (median / throughput elements)."""
    out = {}
    for bench in glob.glob(os.path.join(root, "target/criterion/**/new/benchmark.json"), recursive=True):
        with open(bench) as f:
            meta = json.load(f)
        with open(os.path.join(os.path.dirname(bench), "estimates.json")) as f:
            est = json.load(f)
        elements = (meta.get("throughput") or {}).get("Elements", 1)
        out[meta["full_id"]] = {
            "median": est["median"]["point_estimate"],
            "per_op": est["median"]["point_estimate"] / elements,
            "elements": elements,
        }
    return out


def ns(x):
    if x is None:
        return "-"
    if x >= 1e6:
        return f"{x / 1e6:,.2f} ms"
    if x >= 1e4:
        return f"{x / 1e3:,.1f} µs"
    if x >= 1e3:
        return f"{x / 1e3:,.2f} µs"
    return f"{x:,.1f} ns"


def ratio(a, b):
    """How many times b is slower than a (b / a), as text."""
    if a is None or b is None or a == 0:
        return "-"
    return f"{b / a:.2f}×"


def verdict(ok):
    return "**met**" if ok else "**missed**"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=ROOT)
    parser.add_argument("--twisted", help="bench.py --json output")
    args = parser.parse_args()

    c = load_criterion(args.root)
    tw = {}
    if args.twisted:
        with open(args.twisted) as f:
            tw = json.load(f)["results"]
    gaps = {}
    gaps_path = os.path.join(args.root, "target/bench-fibonacci/gaps.json")
    if os.path.exists(gaps_path):
        with open(gaps_path) as f:
            gaps = json.load(f)

    def op(full_id):
        return c[full_id]["per_op"] if full_id in c else None

    def med(full_id):
        return c[full_id]["median"] if full_id in c else None

    out = []
    w = out.append
    targets = []

    # --- chain ---------------------------------------------------------------
    w("### chain (one thread)\n")
    w("Medians per operation (criterion's median divided by the operations in one iteration). "
      "The ratio columns say how many times slower Twisted is than we are.\n")
    w("| workload | ours | floor: boxed closures | floor: same behind a Mutex | Twisted (measured here) | Twisted (issue) | Twisted / ours (here) | Twisted (issue) / ours |")
    w("|---|---|---|---|---|---|---|---|")
    cf = op("chain/create_fire/deferred")
    w(f"| create + fire, no handler (per Deferred) | {ns(cf)} | Arc<Mutex> cell: {ns(op('chain/create_fire/floor_arc_mutex_cell'))} | - "
      f"| {ns(tw.get('chain/create_fire/no_handler'))} | {ns(REF['twisted_create_fire'])} "
      f"| {ratio(cf, tw.get('chain/create_fire/no_handler'))} | {ratio(cf, REF['twisted_create_fire'])} |")
    for n in (1, 10, 100):
        d = med(f"chain/handlers/deferred/{n}")
        fb = med(f"chain/handlers/floor_boxed_fnonce/{n}")
        fm = med(f"chain/handlers/floor_mutex_boxed_fnonce/{n}")
        t = tw.get(f"chain/handlers/{n}/per_deferred")
        w(f"| create + {n} handler{'s' if n > 1 else ''} + fire (per Deferred) | {ns(d)} | {ns(fb)} | {ns(fm)} | {ns(t)} | - | {ratio(d, t)} | - |")
        hop = d / n if d else None
        w(f"| … per hop (N = {n}) | {ns(hop)} | {ns(fb / n if fb else None)} | {ns(fm / n if fm else None)} "
          f"| {ns(t / n if t else None)} | {ns(REF['twisted_hop']) if n == 100 else '-'} "
          f"| {ratio(hop, t / n if t else None)} | {ratio(hop, REF['twisted_hop']) if n == 100 else '-'} |")
    la = op("chain/link/already_fired")
    lf = op("chain/link/fired_later")
    w(f"| handler returns an already-fired Deferred (per link) | {ns(la)} | - | - | {ns(tw.get('chain/link/already_fired'))} | {ns(REF['twisted_link'])} "
      f"| {ratio(la, tw.get('chain/link/already_fired'))} | {ratio(la, REF['twisted_link'])} |")
    w(f"| handler returns a Deferred fired later (per link) | {ns(lf)} | - | - | {ns(tw.get('chain/link/fired_later'))} | - | {ratio(lf, tw.get('chain/link/fired_later'))} | - |")
    deep = op("chain/deep/deferred/1000000")
    w(f"| 1,000,000-deep chain, built, fired, dropped (per level) | {ns(deep)} | - | - | {ns(tw.get('chain/deep_1000000/per_level'))} | - "
      f"| {ratio(deep, tw.get('chain/deep_1000000/per_level'))} | - |")
    w("")
    hop100 = med("chain/handlers/deferred/100")
    hop100 = hop100 / 100 if hop100 else None
    if hop100 and cf:
        targets.append(("per handler hop ≥ 15× faster than Twisted (≈ 27 ns)",
                        f"{ns(hop100)}: {REF['twisted_hop'] / hop100:.1f}× the issue's Twisted, "
                        + (f"{tw['chain/handlers/100/per_hop'] / hop100:.1f}× Twisted measured here" if 'chain/handlers/100/per_hop' in tw else ""),
                        hop100 * 15 <= REF["twisted_hop"]))
        targets.append(("create + fire ≥ 15× faster than Twisted (≈ 30 ns)",
                        f"{ns(cf)}: {REF['twisted_create_fire'] / cf:.1f}× the issue's Twisted, "
                        + (f"{tw['chain/create_fire/no_handler'] / cf:.1f}× Twisted measured here" if 'chain/create_fire/no_handler' in tw else ""),
                        cf * 15 <= REF["twisted_create_fire"]))

    # --- round trip ----------------------------------------------------------
    w("### round_trip (one trivial job out to a worker and back on the caller's loop; 10 worker threads everywhere unless noted)\n")
    peers = [
        ("defer_to_thread (ours)", "defer_to_thread"),
        ("tokio spawn_blocking, 10 threads", "tokio_spawn_blocking"),
        ("tokio spawn_blocking, default cap (512)", "tokio_spawn_blocking_default_cap"),
        ("rayon::spawn + channel", "rayon_spawn_channel"),
        ("threadpool crate + channel", "threadpool_channel"),
        ("floor: crossbeam channel ping-pong", "floor_crossbeam_ping_pong"),
        ("floor: park/unpark ping-pong", "floor_park_unpark_ping_pong"),
    ]
    seq_ours = op("round_trip/sequential/defer_to_thread")
    fl_ours = op("round_trip/in_flight/defer_to_thread")
    w("Ratio columns: this implementation's time ÷ ours (above 1: slower than `defer_to_thread`; below 1: faster).\n")
    w("| implementation | sequential: per round trip | this ÷ ours | 20,000 in flight: per job | jobs/s | this ÷ ours |")
    w("|---|---|---|---|---|---|")
    for label, key in peers:
        s = op(f"round_trip/sequential/{key}")
        f_ = op(f"round_trip/in_flight/{key}")
        w(f"| {label} | {ns(s)} | {ratio(seq_ours, s) if key != 'defer_to_thread' else '1×'} | {ns(f_)} "
          f"| {f'{1e9 / f_:,.0f}' if f_ else '-'} | {ratio(fl_ours, f_) if f_ and key != 'defer_to_thread' else ('1×' if f_ else '-')} |")
    ts, tf = tw.get("round_trip/sequential/defer_to_thread"), tw.get("round_trip/in_flight_20000/defer_to_thread")
    w(f"| Twisted deferToThread (measured here) | {ns(ts)} | {ratio(seq_ours, ts)} | {ns(tf)} | {f'{1e9 / tf:,.0f}' if tf else '-'} | {ratio(fl_ours, tf)} |")
    w(f"| Twisted deferToThread (issue) | {ns(REF['twisted_sequential'])} | {ratio(seq_ours, REF['twisted_sequential'])} | {ns(REF['twisted_in_flight'])} | 27,400 | {ratio(fl_ours, REF['twisted_in_flight'])} |")
    w(f"| tokio spawn_blocking (issue: default / capped at 10) | {ns(REF['tokio_sequential'])} | {ratio(seq_ours, REF['tokio_sequential'])} | {ns(REF['tokio_in_flight'])} / {ns(REF['tokio_in_flight_capped'])} | 141,000 / 662,000 | - |")
    w(f"| rayon + channel, park/unpark (issue) | {ns(REF['rayon_sequential'])}, {ns(REF['park_sequential'])} | - | - | - | - |")
    w("")
    tok = op("round_trip/in_flight/tokio_spawn_blocking")
    if fl_ours and tok:
        targets.append(("defer_to_thread throughput ≥ 4× tokio spawn_blocking at the same thread count",
                        f"{1e9 / fl_ours:,.0f} vs {1e9 / tok:,.0f} jobs/s: {tok / fl_ours:.2f}×", tok / fl_ours >= 4))
    ray = op("round_trip/sequential/rayon_spawn_channel")
    park = op("round_trip/sequential/floor_park_unpark_ping_pong")
    if seq_ours and ray:
        targets.append(("sequential round trip no slower than rayon + channel",
                        f"{ns(seq_ours)} vs {ns(ray)}: {seq_ours / ray:.2f}× rayon's", seq_ours <= ray))
    if seq_ours and park:
        targets.append(("sequential round trip within 2× the park/unpark floor",
                        f"{ns(seq_ours)} vs {ns(park)}: {seq_ours / park:.2f}×", seq_ours <= 2 * park))

    # --- fibonacci -----------------------------------------------------------
    w("### fibonacci (F(10000) with num-bigint, batches of 64)\n")
    b = op("fibonacci/blocking")
    t = op("fibonacci/defer_to_thread")
    t1 = op("fibonacci/defer_to_thread_cores_minus_1")
    w("| mode | wall per computation (criterion median) | / blocking | longest tick gap, median of runs | worst run | reactor thread waiting for a core during the batch (median) |")
    w("|---|---|---|---|---|---|")
    rows = [("idle (no batch)", None, "idle"), ("blocking on the reactor thread", b, "blocking"),
            ("defer_to_thread, 10 threads", t, "threaded")]
    small = [k for k in gaps if k.startswith("threaded_")]
    if small:
        rows.append((f"defer_to_thread, {gaps[small[0]]['pool_threads']} thread (cores − 1)", t1, small[0]))
    for label, wall, key in rows:
        g = gaps.get(key, {})
        gm = g.get("longest_gap_ms_median")
        gw = g.get("longest_gap_ms_worst")
        rq = g.get("run_queue_wait_ms_median")
        w(f"| {label} | {ns(wall)} | {ratio(b, wall) if wall else '-'} | {f'{gm:.2f} ms' if gm is not None else '-'} "
          f"| {f'{gw:.2f} ms' if gw is not None else '-'} | {f'{rq:.2f} ms' if rq is not None else '-'} |")
    for mode in ("blocking", "threaded"):
        tw_wall = tw.get(f"fibonacci/{mode}/per_computation")
        tw_gap = tw.get(f"fibonacci/{mode}/max_tick_gap")
        if tw_wall:
            w(f"| Twisted, {mode} (measured here, Python ints) | {ns(tw_wall)} | - | {tw_gap / 1e6:.2f} ms | - | - |")
    w(f"| Twisted, threaded (issue) | - | - | up to {REF['twisted_gap_ms']:.0f} ms | - | - |")
    w("")
    tg = gaps.get("threaded", {}).get("longest_gap_ms_median")
    if tg is not None:
        targets.append(("threaded Fibonacci keeps the longest tick gap under 2 ms",
                        f"{tg:.2f} ms (median of runs, 10 threads)"
                        + (f"; {gaps[small[0]]['longest_gap_ms_median']:.2f} ms with {gaps[small[0]]['pool_threads']} thread" if small else ""),
                        tg < 2))
    bg = gaps.get("blocking", {}).get("longest_gap_ms_median")
    if bg is not None and b:
        targets.append(("blocking Fibonacci stalls the reactor for the whole batch",
                        f"longest gap {bg:.1f} ms for a batch of {64 * b / 1e6:.1f} ms", bg >= 0.9 * 64 * b / 1e6))
    if b and t:
        targets.append(("threaded costs < 3% more wall time than blocking",
                        f"{ns(t)} vs {ns(b)} per computation: {100 * (t / b - 1):+.1f}%", t <= 1.03 * b))

    w("### targets\n")
    w("| target | measured | verdict |")
    w("|---|---|---|")
    for name, text, ok in targets:
        w(f"| {name} | {text} | {verdict(ok)} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
