//! The `fibonacci` group (the seed's example): F(10000) with num-bigint,
//! over a batch of computations, (a) blocking on the reactor thread and (b)
//! sent to the pool with `defer_to_thread`, results back on the reactor.
//!
//! Two figures matter: wall time per computation (criterion, below), and
//! how long the reactor stops turning while the batch runs. For the second,
//! a 1 ms ticker runs on the reactor (a `LoopingCall`), and after the criterion group this bench prints the longest gap
//! between two ticks while a batch runs, idle / blocking / threaded (the
//! reactor's default pool, its 10 workers at a lowered priority) /
//! threaded_nl (the same workers not lowered) / threaded on cores − 1, and
//! writes every tick of one run of each to
//! `target/bench-fibonacci/ticks.csv` (for `benches/plot_ticks.py`) and the
//! table to `target/bench-fibonacci/gaps.json`.
//!
//! ```text
//! nice cargo bench --bench fibonacci -- --warm-up-time 1 --measurement-time 3
//! ```

mod common;

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, Throughput};
use crossbeam::channel::Sender;
use deferred::{defer_to_thread, LoopingCall, Reactor, WorkerPriority};
use num_bigint::BigUint;

use common::{config, ReactorThread, THREADS};

/// Which Fibonacci number.
const N: u32 = 10_000;
/// Computations per batch.
const BATCH: usize = 64;
/// A batch run on the reactor thread, reporting back when done.
type Batch = fn(&Reactor, Sender<()>);

/// The ticker's period.
const TICK: Duration = Duration::from_millis(1);
/// Runs of each mode in the tick-gap table.
const GAP_RUNS: usize = 5;

/// F(n), iteratively.
fn fib(n: u32) -> BigUint {
    let mut a = BigUint::ZERO;
    let mut b = BigUint::from(1u32);
    for _ in 0..n {
        let next = &a + &b;
        a = std::mem::replace(&mut b, next);
    }
    a
}

/// The batch computed on the reactor thread, in one call: the reactor does
/// nothing else meanwhile.
fn blocking_batch(_reactor: &Reactor, done: Sender<()>) {
    for _ in 0..BATCH {
        black_box(fib(black_box(N)));
    }
    done.send(()).unwrap();
}

/// The batch sent to the pool; each result comes back as a callback on the
/// reactor thread, and the last one reports the batch done.
fn threaded_batch(reactor: &Reactor, done: Sender<()>) {
    let arrived = Arc::new(AtomicUsize::new(0));
    for _ in 0..BATCH {
        let arrived = Arc::clone(&arrived);
        let done = done.clone();
        defer_to_thread(reactor, || fib(black_box(N))).add_callback(move |v: BigUint| {
            if arrived.fetch_add(1, Ordering::Relaxed) + 1 == BATCH {
                done.send(()).unwrap();
            }
            v
        });
    }
}

fn wall_time(c: &mut Criterion) {
    let mut g = c.benchmark_group("fibonacci");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.sample_size(10);
    let reactor = ReactorThread::start();
    g.bench_function("blocking", |b| b.iter(|| reactor.run_batch(blocking_batch)));
    g.bench_function("defer_to_thread", |b| {
        b.iter(|| reactor.run_batch(threaded_batch))
    });
    drop(reactor);
    // A pool that leaves one core to the reactor (see the tick-gap table).
    let reactor = ReactorThread::with_threads(cores_minus_one());
    g.bench_function("defer_to_thread_cores_minus_1", |b| {
        b.iter(|| reactor.run_batch(threaded_batch))
    });
    g.finish();
}

// --- the tick-gap table ------------------------------------------------------

/// A 1 ms ticker on the reactor: a `LoopingCall` whose function records the
/// time. Calls stay on the 1 ms grid from the start; after a stall, the next
/// call is at the next grid point (Twisted's rule), so a stall shows as one
/// long gap.
struct Ticker {
    ticks: Arc<Mutex<Vec<Instant>>>,
    lc: LoopingCall,
}

impl Ticker {
    fn start(reactor: &Reactor) -> Ticker {
        let ticks = Arc::new(Mutex::new(Vec::with_capacity(1 << 16)));
        let t = Arc::clone(&ticks);
        let lc = LoopingCall::new(reactor, move || t.lock().unwrap().push(Instant::now()));
        let l = lc.clone();
        reactor
            .call_from_thread(move || {
                l.start(TICK, true).expect("a new loop starts");
            })
            .expect("the reactor is running");
        Ticker { ticks, lc }
    }

    fn stop(&self) {
        self.lc.stop().expect("the ticker runs");
    }

    /// Ticks from the last one at or before `from` to the first one after `to`.
    fn window(&self, from: Instant, to: Instant) -> Vec<Instant> {
        let ticks = self.ticks.lock().unwrap();
        let first = ticks.partition_point(|t| *t <= from).saturating_sub(1);
        let last = (ticks.partition_point(|t| *t <= to) + 1).min(ticks.len());
        ticks[first..last].to_vec()
    }
}

fn longest_gap(ticks: &[Instant]) -> Duration {
    ticks
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or_default()
}

/// One run of a mode: wall time of the batch, the ticks around it, when it
/// started, and how long the reactor thread waited for a core meanwhile.
struct GapRun {
    wall: Duration,
    ticks: Vec<Instant>,
    start: Instant,
    run_queue_wait: Option<Duration>,
}

fn gap_run(reactor: &ReactorThread, ticker: &Ticker, batch: Option<Batch>) -> GapRun {
    // Let the ticker settle between runs.
    std::thread::sleep(Duration::from_millis(50));
    let waited_before = reactor.run_queue_wait();
    let start = Instant::now();
    match batch {
        Some(batch) => reactor.run_batch(batch),
        None => std::thread::sleep(Duration::from_millis(100)),
    }
    let end = Instant::now();
    let waited_after = reactor.run_queue_wait();
    // One more period, so the tick that ends a stall is in the window.
    std::thread::sleep(TICK * 3);
    GapRun {
        wall: end - start,
        ticks: ticker.window(start, end),
        start,
        run_queue_wait: waited_before
            .zip(waited_after)
            .map(|(b, a)| a.saturating_sub(b)),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// The pool size that leaves one core to the reactor.
fn cores_minus_one() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .max(1)
}

/// The pool a tick-gap mode runs on.
#[derive(Clone, Copy)]
enum Pool {
    /// `Reactor::new()`'s own: 0 to 10 threads started on demand, lowered.
    Default,
    /// This many threads, started up front, at this priority.
    Fixed(usize, WorkerPriority),
}

fn tick_gaps() {
    // `cargo bench` passes `--bench`; `cargo test --benches` (criterion's
    // quick test mode) and `--list` do not want a 20-second table.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--list") {
        return;
    }
    let small = cores_minus_one();
    let small_name = format!("threaded_{small}");
    // (name, pool, batch); "threaded" is the goal's row: the default pool.
    let modes: [(&str, Pool, Option<Batch>); 6] = [
        ("idle", Pool::Default, None),
        ("blocking", Pool::Default, Some(blocking_batch)),
        ("threaded", Pool::Default, Some(threaded_batch)),
        (
            "threaded_normal",
            Pool::Fixed(THREADS, WorkerPriority::Normal),
            Some(threaded_batch),
        ),
        (
            "threaded_idle",
            Pool::Fixed(THREADS, WorkerPriority::Idle),
            Some(threaded_batch),
        ),
        (
            &small_name,
            Pool::Fixed(small, WorkerPriority::Lowered),
            Some(threaded_batch),
        ),
    ];
    let mut table = String::new();
    let mut csv = String::from("mode,tick_ms,gap_ms\n");
    let mut json = String::from("{\n");
    let _ = writeln!(
        table,
        "\nfibonacci tick gaps: F({N}) x {BATCH} per batch, 1 ms ticker, {GAP_RUNS} runs per mode\n\
         | mode            | pool threads | wall per computation (ms, median) | longest tick gap (ms, median) | longest tick gap (ms, worst run) | reactor waiting for a core (ms, median) |\n\
         |-----------------|--------------|-----------------------------------|-------------------------------|----------------------------------|-----------------------------------------|"
    );
    for (i, (mode, pool, batch)) in modes.iter().enumerate() {
        let (reactor, threads) = match *pool {
            Pool::Default => (ReactorThread::default_pool(), "0-10".to_string()),
            Pool::Fixed(threads, priority) => (
                ReactorThread::with_priority(threads, priority),
                threads.to_string(),
            ),
        };
        let ticker = Ticker::start(&reactor.reactor);
        let mut walls = Vec::new();
        let mut gaps = Vec::new();
        let mut waits = Vec::new();
        for run in 0..GAP_RUNS {
            let GapRun {
                wall,
                ticks,
                start,
                run_queue_wait,
            } = gap_run(&reactor, &ticker, *batch);
            walls.push(ms(wall) / BATCH as f64);
            gaps.push(ms(longest_gap(&ticks)));
            waits.extend(run_queue_wait.map(ms));
            if run == GAP_RUNS / 2 {
                for w in ticks.windows(2) {
                    let at = w[1].saturating_duration_since(start);
                    let _ = writeln!(csv, "{mode},{:.3},{:.3}", ms(at), ms(w[1] - w[0]));
                }
            }
        }
        ticker.stop();
        drop(reactor);
        let worst = gaps.iter().cloned().fold(0.0, f64::max);
        let (wall, gap) = (median(walls), median(gaps));
        let (wait_text, wait_json) = if waits.is_empty() {
            ("-".to_string(), "null".to_string())
        } else {
            let wait = median(waits);
            (format!("{wait:.3}"), format!("{wait:.4}"))
        };
        let (wall_text, wall_json) = if batch.is_some() {
            (format!("{wall:.3}"), format!("{wall:.4}"))
        } else {
            ("-".to_string(), "null".to_string())
        };
        let _ = writeln!(
            table,
            "| {mode:<15} | {threads:>12} | {wall_text:>33} | {gap:>29.3} | {worst:>32.3} | {wait_text:>39} |"
        );
        let sep = if i + 1 < modes.len() { "," } else { "" };
        let _ = writeln!(
            json,
            "  \"{mode}\": {{\"pool_threads\": \"{threads}\", \"wall_per_computation_ms\": {wall_json}, \"longest_gap_ms_median\": {gap:.4}, \"longest_gap_ms_worst\": {worst:.4}, \"run_queue_wait_ms_median\": {wait_json}}}{sep}"
        );
    }
    json.push_str("}\n");
    println!("{table}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-fibonacci");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("ticks.csv"), csv);
        let _ = std::fs::write(dir.join("gaps.json"), json);
        let _ = std::fs::write(dir.join("gaps.md"), table);
        println!("tick data written to {}", dir.display());
    }
}

criterion_group! {
    name = fibonacci;
    config = config();
    targets = wall_time
}

fn main() {
    fibonacci();
    tick_gaps();
    Criterion::default().configure_from_args().final_summary();
}
