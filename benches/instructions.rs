//! Instruction counts of the hot paths (gungraun on valgrind's callgrind):
//! deterministic where wall time is not, so CI can gate on them.
//! `cargo xtask bench-check` runs this file and compares every count with
//! `benches/baseline/instructions.tsv`.
//!
//! Each benchmark counts only its own body: the arguments (built by the
//! `setup_*` functions) are made outside the count.
//!
//! `DEFERRED_BENCH_SLOWDOWN=1` in the environment makes every benchmark take
//! one extra `Arc<Mutex<_>>` lock per operation (per Deferred, per hop, per
//! link), the kind of regression a careless change to the engine would bring.
//! It lives here, not in the library, and exists only to show that
//! `bench-check` catches such a rise (docs/benchmarks.md).

use std::hint::black_box;
use std::sync::{Arc, Mutex};

use deferred::{succeed, Deferred, ThreadPool};
use gungraun::{library_benchmark, library_benchmark_group, main, LibraryBenchmarkConfig};

/// Links per measured Deferred in the link benchmarks.
const LINKS: u64 = 10;

/// The deliberate slowdown, if asked for: one extra lock per operation.
#[derive(Clone)]
struct Slowdown(Option<Arc<Mutex<u64>>>);

impl Slowdown {
    fn from_env() -> Self {
        let on = std::env::var_os("DEFERRED_BENCH_SLOWDOWN").is_some_and(|v| v != "0");
        Slowdown(on.then(|| Arc::new(Mutex::new(0))))
    }

    #[inline]
    fn op(&self) {
        if let Some(cell) = &self.0 {
            *cell.lock().unwrap() += 1;
        }
    }
}

fn setup() -> Slowdown {
    Slowdown::from_env()
}

fn setup_n(n: u64) -> (u64, Slowdown) {
    (n, Slowdown::from_env())
}

fn setup_fired_later(links: u64) -> (Vec<Deferred<u64>>, Slowdown) {
    (
        (0..links).map(|_| Deferred::new()).collect(),
        Slowdown::from_env(),
    )
}

// Create a Deferred, fire it with no handler, drop it.
#[library_benchmark]
#[bench::once(setup = setup)]
fn create_fire(slow: Slowdown) {
    let d = Deferred::<u64>::new();
    slow.op();
    d.callback(black_box(1)).unwrap();
    black_box(&d);
}

// Create a Deferred, add N handlers (each capturing a word), fire, drop.
#[library_benchmark]
#[bench::n1(args = (1), setup = setup_n)]
#[bench::n10(args = (10), setup = setup_n)]
#[bench::n100(args = (100), setup = setup_n)]
fn handlers((n, slow): (u64, Slowdown)) {
    let d = Deferred::<u64>::new();
    let step = black_box(1u64);
    for _ in 0..n {
        let slow = slow.clone();
        d.add_callback(move |v: u64| {
            slow.op();
            v.wrapping_add(step)
        });
    }
    d.callback(black_box(0)).unwrap();
    black_box(&d);
}

// LINKS handlers, each returning a Deferred that already has its result.
#[library_benchmark]
#[bench::links(args = (LINKS), setup = setup_n)]
fn link_already_fired((links, slow): (u64, Slowdown)) {
    let d = Deferred::<u64>::new();
    for _ in 0..links {
        let slow = slow.clone();
        d.add_callback(move |v: u64| {
            slow.op();
            succeed(v)
        });
    }
    d.callback(black_box(0)).unwrap();
    black_box(&d);
}

// LINKS handlers, each returning a pending Deferred fired afterwards.
#[library_benchmark]
#[bench::links(args = (LINKS), setup = setup_fired_later)]
fn link_fired_later((pending, slow): (Vec<Deferred<u64>>, Slowdown)) {
    let d = Deferred::<u64>::new();
    for p in &pending {
        let p = p.clone();
        let slow = slow.clone();
        d.add_callback(move |_v: u64| {
            slow.op();
            p
        });
    }
    d.callback(black_box(0)).unwrap();
    for (i, p) in pending.iter().enumerate() {
        p.callback(i as u64).unwrap();
    }
    black_box(&d);
}

/// Jobs per measured batch in the pool benchmark.
const JOBS: u64 = 10;

/// A one-thread pool whose worker is held inside a gate job (thread
/// start-up is not what we gate), and the sender that opens the gate.
fn setup_pool(jobs: u64) -> (ThreadPool, std::sync::mpsc::Sender<()>, u64, Slowdown) {
    let pool = ThreadPool::builder()
        .min_threads(1)
        .max_threads(1)
        .build()
        .expect("valid pool size");
    let (open, gate) = std::sync::mpsc::channel::<()>();
    pool.call_in_thread(move || {
        let _ = gate.recv();
    })
    .unwrap();
    while pool.stats().busy != 1 {
        std::thread::yield_now();
    }
    (pool, open, jobs, Slowdown::from_env())
}

// Submit JOBS jobs to a pool whose one worker is busy: the submit path (lock,
// queue, decide whom to wake). Callgrind counts only the thread that runs
// this function (gungraun's toggle), so the worker's side cannot be in the
// count anyway; holding it in the gate keeps it from racing the submits,
// which would make the count depend on the scheduler (a pool whose worker
// wakes mid-batch gave counts 30% apart from run to run). Opening the gate
// and stopping the pool happen after the count, when the tuple is dropped.
#[library_benchmark]
#[bench::jobs(args = (JOBS), setup = setup_pool)]
fn pool_submit(
    (pool, open, jobs, slow): (ThreadPool, std::sync::mpsc::Sender<()>, u64, Slowdown),
) -> (std::sync::mpsc::Sender<()>, ThreadPool) {
    for i in 0..jobs {
        slow.op();
        pool.call_in_thread(move || {
            black_box(i);
        })
        .unwrap();
    }
    // Dropped in this order: the gate opens, then the pool stops.
    (open, pool)
}

library_benchmark_group!(name = pool, benchmarks = [pool_submit]);

library_benchmark_group!(
    name = chain,
    benchmarks = [create_fire, handlers, link_already_fired, link_fired_later]
);

main!(
    config = LibraryBenchmarkConfig::default().pass_through_env("DEFERRED_BENCH_SLOWDOWN"),
    library_benchmark_groups = [chain, pool]
);
