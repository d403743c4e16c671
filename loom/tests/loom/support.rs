//! What the models share: the loom runner with our default bound, a pool
//! and a stopper for the reactor models, a handler log, an error type, and
//! an unhandled-failure counter.
//!
//! Observations (the handler log, the unhandled counter) use `std` types on
//! purpose: they are written by handlers and read after the threads are
//! joined, never held across a loom operation, so they add no interleavings
//! of their own and cannot hide or create a race in the code under test.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deferred::{Reactor, ReactorError, ThreadPool};

/// Runs `f` under loom with the preemption bound from `LOOM_MAX_PREEMPTIONS`,
/// or 2 when it is unset (unbounded search is far too slow on CI, and every
/// bug we have planted is found with 2; see docs/verification.md).
pub fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    let bound = format!("preemption bound {:?}", builder.preemption_bound);
    check_counted(builder, &bound, f);
}

/// Runs `f` under loom with no preemption bound: every interleaving. For
/// the Deferred models, whose state spaces are small (a fire or an add is
/// one or two lock acquisitions; the largest has about 120 interleavings),
/// so they are checked completely whatever `LOOM_MAX_PREEMPTIONS` says.
pub fn exhaustive<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = None;
    check_counted(builder, "no preemption bound: all of them", f);
}

/// Runs the model, counting its interleavings, and prints the count (shown
/// with `--nocapture`: how much of the schedule space a model covers).
fn check_counted<F>(builder: loom::model::Builder, bound: &str, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let iterations = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&iterations);
    builder.check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        f();
    });
    println!(
        "loom: {} interleavings of {} ({bound})",
        iterations.load(Ordering::Relaxed),
        std::thread::current().name().unwrap_or("?"),
    );
}

/// A pool of `min` to `max` workers, each exiting as soon as it is idle:
/// timed waits never time out under loom (see `src/sync.rs`), so a zero
/// keep-alive (or `stop`) is how a worker leaves, and few workers keep the
/// models' thread count and state space small.
pub fn pool(min: usize, max: usize) -> ThreadPool {
    ThreadPool::builder()
        .min_threads(min)
        .max_threads(max)
        .keep_alive(Duration::ZERO)
        .build()
        .unwrap()
}

/// Stops `reactor` as soon as it runs, from the calling thread: `stop`
/// before `run` is refused, so retry (yielding to loom) until it is not.
pub fn stop_when_running(reactor: &Reactor) {
    loop {
        match reactor.stop() {
            Ok(()) => return,
            Err(ReactorError::NotRunning) => loom::thread::yield_now(),
            Err(other) => panic!("stop: {other:?}"),
        }
    }
}

/// One handler invocation: which handler (its index in the order it was
/// added), what it got, what it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub handler: usize,
    pub input: Result<i64, &'static str>,
    pub output: Result<i64, &'static str>,
}

/// The calls of every handler of a model, in the order they happened.
#[derive(Debug, Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Call>>>);

impl Log {
    pub fn new() -> Self {
        Log::default()
    }

    /// A callback, numbered `handler`, that computes `f(value)` and logs it.
    pub fn callback(
        &self,
        handler: usize,
        f: impl FnOnce(i64) -> i64 + Send + 'static,
    ) -> impl FnOnce(i64) -> i64 + Send + 'static {
        let log = self.clone();
        move |v| {
            let out = f(v);
            log.push(Call {
                handler,
                input: Ok(v),
                output: Ok(out),
            });
            out
        }
    }

    /// A handler for both sides, numbered `handler`: values go through
    /// `f`, failures are recovered as `recovered`.
    pub fn both(
        &self,
        handler: usize,
        f: impl FnOnce(i64) -> i64 + Send + 'static,
        recovered: i64,
    ) -> impl FnOnce(Result<i64, deferred::Failure>) -> i64 + Send + 'static {
        let log = self.clone();
        move |r| {
            let (input, out) = match r {
                Ok(v) => (Ok(v), f(v)),
                Err(failure) => (Err(tag(&failure)), recovered),
            };
            log.push(Call {
                handler,
                input,
                output: Ok(out),
            });
            out
        }
    }

    pub fn push(&self, call: Call) {
        self.0.lock().unwrap().push(call);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.0.lock().unwrap().clone()
    }

    /// `(handler, input)` pairs, the usual thing to compare.
    pub fn inputs(&self) -> Vec<(usize, Result<i64, &'static str>)> {
        self.calls().iter().map(|c| (c.handler, c.input)).collect()
    }
}

/// The failure the models fire with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Boom;

impl std::fmt::Display for Boom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("boom")
    }
}

impl std::error::Error for Boom {}

/// A short name for a failure, for logs and assertions.
pub fn tag(failure: &deferred::Failure) -> &'static str {
    if failure.check::<Boom>() {
        "Boom"
    } else if failure.check::<deferred::CancelledError>() {
        "Cancelled"
    } else if failure.check::<deferred::AlreadyCalledError>() {
        "AlreadyCalled"
    } else if failure.check::<deferred::AlreadyChainedError>() {
        "AlreadyChained"
    } else if failure.check::<deferred::PanicError>() {
        "Panic"
    } else {
        "other"
    }
}

/// `Some(Ok(v))`/`Some(Err(tag))` of a Deferred's result.
pub fn result_of(d: &deferred::Deferred<i64>) -> Option<Result<i64, &'static str>> {
    d.result().map(|r| r.map_err(|f| tag(&f)))
}
