//! The `chain` group: what a Deferred costs on one thread, beside the floors
//! it is built from (a boxed closure run, the same behind a `Mutex`, an
//! `Arc<Mutex<_>>` cell).
//!
//! Every id maps to a workload of `benches/twisted/bench.py` with the same
//! name, so docs/benchmarks.md can put the two side by side. Where an id runs
//! several operations per iteration, its `Throughput::Elements` says how many,
//! and the per-operation figure is the median divided by that count.
//!
//! Run (short, for this shared 2-core box):
//!
//! ```text
//! nice cargo bench --bench chain -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use deferred::{succeed, Deferred};

/// Handler counts for the N-handler chain (the issue's 1, 10, 100).
const HANDLER_COUNTS: [u64; 3] = [1, 10, 100];
/// Links per measured Deferred in the link benches (as in bench.py).
const LINKS: u64 = 100;
/// Depth of the deep chain.
const DEEP: u64 = 1_000_000;

/// Each handler captures a word, as real handlers capture state: a closure
/// that captures nothing is zero-sized and boxing it allocates nothing, which
/// would flatter the Deferred and the floors alike.
fn add_handlers(d: &Deferred<u64>, n: u64, step: u64) {
    for _ in 0..n {
        d.add_callback(move |v: u64| v.wrapping_add(step));
    }
}

fn create_fire(c: &mut Criterion) {
    let mut g = c.benchmark_group("chain/create_fire");
    g.throughput(Throughput::Elements(1));
    g.bench_function("deferred", |b| {
        b.iter(|| {
            let d = Deferred::<u64>::new();
            d.callback(black_box(1)).unwrap();
            black_box(d)
        })
    });
    // Floor: the least a shared one-shot cell can cost.
    g.bench_function("floor_arc_mutex_cell", |b| {
        b.iter(|| {
            let cell = Arc::new(Mutex::new(None::<u64>));
            *cell.lock().unwrap() = Some(black_box(1));
            black_box(cell)
        })
    });
    g.finish();
}

fn handlers(c: &mut Criterion) {
    let mut g = c.benchmark_group("chain/handlers");
    for n in HANDLER_COUNTS {
        g.throughput(Throughput::Elements(n));
        g.bench_function(format!("deferred/{n}"), |b| {
            let step = black_box(1);
            b.iter(|| {
                let d = Deferred::<u64>::new();
                add_handlers(&d, n, step);
                d.callback(black_box(0)).unwrap();
                black_box(d)
            })
        });
        // Floor: the same handlers as boxed closures run in order, the
        // result threaded through by hand.
        g.bench_function(format!("floor_boxed_fnonce/{n}"), |b| {
            let step = black_box(1);
            b.iter(|| {
                let mut chain: Vec<Box<dyn FnOnce(u64) -> u64 + Send>> = Vec::new();
                for _ in 0..n {
                    chain.push(Box::new(move |v: u64| v.wrapping_add(step)));
                }
                let mut v = black_box(0);
                for handler in chain {
                    v = handler(v);
                }
                black_box(v)
            })
        });
        // Floor: the same behind a Mutex, locked once per add and once per
        // run step (the handler itself runs outside the lock, as ours do).
        g.bench_function(format!("floor_mutex_boxed_fnonce/{n}"), |b| {
            let step = black_box(1);
            b.iter(|| {
                type Chain = Vec<Box<dyn FnOnce(u64) -> u64 + Send>>;
                let chain: Arc<Mutex<(Chain, usize)>> = Arc::new(Mutex::new((Vec::new(), 0)));
                for _ in 0..n {
                    chain
                        .lock()
                        .unwrap()
                        .0
                        .push(Box::new(move |v: u64| v.wrapping_add(step)));
                }
                let mut v = black_box(0);
                loop {
                    let next = {
                        let mut guard = chain.lock().unwrap();
                        let (handlers, at) = &mut *guard;
                        if *at == handlers.len() {
                            break;
                        }
                        *at += 1;
                        // Take the handler out so it can run unlocked.
                        std::mem::replace(&mut handlers[*at - 1], Box::new(|v| v))
                    };
                    v = next(v);
                }
                black_box(v)
            })
        });
    }
    g.finish();
}

fn links(c: &mut Criterion) {
    let mut g = c.benchmark_group("chain/link");
    g.throughput(Throughput::Elements(LINKS));
    // Each handler returns a Deferred that already has its result. The
    // handler captures a word, as real ones capture state (see
    // `add_handlers`).
    g.bench_function("already_fired", |b| {
        let step = black_box(1);
        b.iter(|| {
            let d = Deferred::<u64>::new();
            for _ in 0..LINKS {
                d.add_callback(move |v: u64| succeed(v.wrapping_add(step)));
            }
            d.callback(black_box(0)).unwrap();
            black_box(d)
        })
    });
    // Each handler returns a pending Deferred; firing it resumes the chain,
    // whose next handler returns the next pending one.
    g.bench_function("fired_later", |b| {
        b.iter(|| {
            let pending: Vec<Deferred<u64>> = (0..LINKS).map(|_| Deferred::new()).collect();
            let d = Deferred::<u64>::new();
            for p in &pending {
                let p = p.clone();
                d.add_callback(move |_v: u64| p);
            }
            d.callback(black_box(0)).unwrap();
            for (i, p) in pending.iter().enumerate() {
                p.callback(i as u64).unwrap();
            }
            black_box(d)
        })
    });
    g.finish();
}

/// Deferred k+1 waits on Deferred k (its handler returned it); firing the
/// leaf runs the whole line, then it is dropped. Built, fired and dropped
/// inside the measurement: "end to end".
fn deep_chain() -> u64 {
    let leaf = Deferred::<u64>::new();
    let mut cur = leaf.clone();
    for _ in 0..DEEP {
        let d = Deferred::<u64>::new();
        d.callback(0).unwrap();
        let waited = cur;
        d.add_callback(move |_v: u64| waited);
        cur = d;
    }
    leaf.callback(black_box(7)).unwrap();
    let out = cur
        .result()
        .expect("the deep chain delivered")
        .expect("a value");
    assert_eq!(out, 7);
    out
}

fn deep(c: &mut Criterion) {
    let mut g = c.benchmark_group("chain/deep");
    g.sample_size(10);
    g.throughput(Throughput::Elements(DEEP));
    g.bench_function(format!("deferred/{DEEP}"), |b| {
        b.iter_batched(|| (), |()| black_box(deep_chain()), BatchSize::PerIteration)
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = chain;
    config = config();
    targets = create_fire, handlers, links, deep
}
criterion_main!(chain);
