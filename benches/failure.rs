//! The `failure` group: what a failure-heavy chain costs, with and without
//! a backtrace captured for every `Failure`.
//!
//! `Failure::new` captures a backtrace when the environment asks for one
//! (`std::backtrace::Backtrace::capture`: `RUST_LIB_BACKTRACE`, or else
//! `RUST_BACKTRACE`, read once per process). So the same bench runs three
//! times, once per setting, and its group name says which one it saw:
//!
//! ```text
//! cargo bench --bench failure                                          # no backtraces
//! RUST_BACKTRACE=1 cargo bench --bench failure                         # every Failure captures one
//! RUST_BACKTRACE=1 RUST_LIB_BACKTRACE=0 cargo bench --bench failure    # panics keep theirs, Failures capture none
//! ```
//!
//! Workloads: one `Failure::new`; and a chain whose errback is fired and
//! whose ten errbacks each raise a new failure, the last one recovering
//! (eleven failures per iteration, nothing reported).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use deferred::{Deferred, Failure};

/// Errbacks in the chain, each raising a new failure.
const RAISES: u64 = 10;

#[derive(Debug)]
struct Boom;

impl std::fmt::Display for Boom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("boom")
    }
}

impl std::error::Error for Boom {}

/// The group's name: which setting this process saw.
fn group_name() -> &'static str {
    if Failure::new(Boom).backtrace().is_some() {
        "failure/backtrace_captured"
    } else {
        "failure/no_backtrace"
    }
}

fn failures(c: &mut Criterion) {
    let mut g = c.benchmark_group(group_name());
    g.throughput(Throughput::Elements(1));
    g.bench_function("new", |b| {
        b.iter(|| black_box(Failure::new(black_box(Boom))))
    });
    g.throughput(Throughput::Elements(RAISES + 1));
    g.bench_function("raise_chain_n10", |b| {
        b.iter(|| {
            let d = Deferred::<u64>::new();
            for _ in 0..RAISES {
                d.add_errback(|_: Failure| -> Result<u64, Failure> { Err(Failure::new(Boom)) });
            }
            d.add_errback(|_: Failure| 0u64);
            d.errback(Failure::new(Boom)).unwrap();
            black_box(d)
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = failure;
    config = config();
    targets = failures
}
criterion_main!(failure);
