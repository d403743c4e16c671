#!/usr/bin/env python3
"""The Rust bench workloads, run on real Twisted, so that docs/benchmarks.md
can give the ratio to the system the crate ports.

Each workload mirrors a criterion bench in benches/*.rs; the names match the
criterion ids so the two sets of numbers can be put side by side. Every figure
is the median over --runs runs of the per-operation time of one run.

Set up once (from the workspace root):

    python3 -m venv .venv-twisted
    .venv-twisted/bin/pip install -r benches/twisted/requirements.txt

Run:

    nice .venv-twisted/bin/python benches/twisted/bench.py [--runs 7] [--json out.json]
"""

import argparse
import gc
import json
import platform
import statistics
import sys
import time

import twisted
from twisted.internet import defer, reactor, task, threads

# One place for the workload sizes: they match the Rust benches.
HANDLER_COUNTS = (1, 10, 100)
LINKS = 100  # chained links per measured Deferred (already-fired and fired-later)
DEEP_CHAIN = 1_000_000
IN_FLIGHT = 20_000
SEQUENTIAL = 2_000
FIB_N = 10_000
FIB_BATCH = 64
TICK_S = 0.001
POOL_THREADS = 10  # Twisted's default reactor thread pool size


def per_op_ns(fn, ops, runs):
    """Median over `runs` of (time of one `fn()` call) / `ops`, in ns."""
    samples = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / ops)
    return statistics.median(samples)


def identity(x):
    return x


# --- chain group -------------------------------------------------------------


def create_fire(iters):
    def run():
        for _ in range(iters):
            d = defer.Deferred()
            d.callback(None)

    return run


def create_handlers_fire(n, iters):
    def run():
        for _ in range(iters):
            d = defer.Deferred()
            for _ in range(n):
                d.addCallback(identity)
            d.callback(0)

    return run


def already_fired_links(iters):
    # Each handler returns a Deferred that has its result already.
    def run():
        for _ in range(iters):
            d = defer.Deferred()
            for _ in range(LINKS):
                d.addCallback(defer.succeed)
            d.callback(0)

    return run


def fired_later_links(iters):
    # Each handler returns a pending Deferred; firing it resumes the chain,
    # whose next handler returns the next pending one.
    def run():
        for _ in range(iters):
            pending = [defer.Deferred() for _ in range(LINKS)]
            it = iter(pending)
            d = defer.Deferred()
            for _ in range(LINKS):
                d.addCallback(lambda _r, it=it: next(it))
            d.callback(0)
            for i, p in enumerate(pending):
                p.callback(i)

    return run


def deep_chain():
    # Deferred k+1 waits on Deferred k (its handler returned it); firing the
    # leaf runs the whole line. Twisted unwinds it with an explicit stack.
    leaf = defer.Deferred()
    cur = leaf
    for _ in range(DEEP_CHAIN):
        d = defer.Deferred()
        d.callback(None)
        d.addCallback(lambda _r, c=cur: c)
        cur = d
    out = []
    cur.addCallback(out.append)
    leaf.callback(7)
    assert out == [7], out


# --- round trip and fibonacci (need the reactor) ----------------------------


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


class TickRecorder:
    """A 1 ms LoopingCall that records the longest gap between its runs."""

    def __init__(self):
        self.last = None
        self.gaps = []
        self.loop = task.LoopingCall(self.tick)

    def tick(self):
        now = time.perf_counter()
        if self.last is not None:
            self.gaps.append(now - self.last)
        self.last = now

    def start(self):
        self.loop.start(TICK_S, now=True)

    def stop(self):
        self.loop.stop()
        return self.gaps


@defer.inlineCallbacks
def reactor_workloads(runs, results):
    reactor.suggestThreadPoolSize(POOL_THREADS)
    # Warm the pool so thread start-up is not measured.
    yield defer.gatherResults([threads.deferToThread(identity, i) for i in range(100)])

    samples = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter_ns()
        yield defer.gatherResults(
            [threads.deferToThread(identity, i) for i in range(IN_FLIGHT)]
        )
        samples.append((time.perf_counter_ns() - start) / IN_FLIGHT)
    results["round_trip/in_flight_20000/defer_to_thread"] = statistics.median(samples)

    samples = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter_ns()
        for i in range(SEQUENTIAL):
            yield threads.deferToThread(identity, i)
        samples.append((time.perf_counter_ns() - start) / SEQUENTIAL)
    results["round_trip/sequential/defer_to_thread"] = statistics.median(samples)

    # Idle tick gap: nothing but the ticker for 200 ms.
    rec = TickRecorder()
    rec.start()
    yield task.deferLater(reactor, 0.2, lambda: None)
    gaps = rec.stop()
    results["fibonacci/idle/max_tick_gap"] = max(gaps) * 1e9

    # Blocking: the whole batch computed on the reactor thread in one go, as a
    # handler that did the work inline would. Threaded: each computation sent
    # to the pool with deferToThread, the results gathered on the reactor.
    for mode in ("blocking", "threaded"):
        walls, max_gaps = [], []
        for _ in range(runs):
            gc.collect()
            rec = TickRecorder()
            rec.start()
            start = time.perf_counter_ns()
            if mode == "blocking":
                yield task.deferLater(
                    reactor, 0, lambda: [fib(FIB_N) for _ in range(FIB_BATCH)]
                )
            else:
                yield defer.gatherResults(
                    [threads.deferToThread(fib, FIB_N) for _ in range(FIB_BATCH)]
                )
            walls.append((time.perf_counter_ns() - start) / FIB_BATCH)
            # One more tick so a gap that ends with the batch is recorded.
            yield task.deferLater(reactor, TICK_S, lambda: None)
            max_gaps.append(max(rec.stop()) * 1e9)
        results[f"fibonacci/{mode}/per_computation"] = statistics.median(walls)
        results[f"fibonacci/{mode}/max_tick_gap"] = statistics.median(max_gaps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--skip-deep", action="store_true", help="skip the 1,000,000-deep chain"
    )
    args = parser.parse_args()
    runs = args.runs

    results = {}
    results["chain/create_fire/no_handler"] = per_op_ns(create_fire(20_000), 20_000, runs)
    for n in HANDLER_COUNTS:
        iters = max(200, 20_000 // n)
        per_deferred = per_op_ns(create_handlers_fire(n, iters), iters, runs)
        results[f"chain/handlers/{n}/per_deferred"] = per_deferred
        results[f"chain/handlers/{n}/per_hop"] = per_deferred / n
    results["chain/link/already_fired"] = per_op_ns(
        already_fired_links(200), 200 * LINKS, runs
    )
    results["chain/link/fired_later"] = per_op_ns(fired_later_links(200), 200 * LINKS, runs)
    if not args.skip_deep:
        # Fewer runs: each builds a million Deferreds.
        results["chain/deep_1000000/per_level"] = per_op_ns(
            deep_chain, DEEP_CHAIN, max(1, min(runs, 3))
        )

    def run_reactor_part():
        d = reactor_workloads(runs, results)
        d.addErrback(lambda f: (f.printTraceback(), results.setdefault("error", str(f))))
        d.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(run_reactor_part)
    reactor.run()
    if "error" in results:
        sys.exit(1)

    meta = {
        "twisted": twisted.__version__,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "runs": runs,
        "pool_threads": POOL_THREADS,
        "unit": "ns",
    }
    width = max(len(k) for k in results)
    print(f"# Twisted {meta['twisted']} on {meta['implementation']} {meta['python']}, "
          f"median of {runs} runs, ns per operation")
    for key, value in results.items():
        print(f"{key:<{width}}  {value:>14,.0f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"meta": meta, "results": results}, out, indent=2, sort_keys=True)
            out.write("\n")


if __name__ == "__main__":
    main()
