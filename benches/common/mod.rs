//! Helpers shared by the `round_trip` and `fibonacci` benches: a reactor
//! turning on its own thread, with a way to run a batch on it and wait for
//! the batch to report back.

#![allow(dead_code)] // each bench uses part of it

pub mod interleave;

use std::thread::JoinHandle;
use std::time::Duration;

use criterion::Criterion;
use crossbeam::channel::{bounded, Sender};
use deferred::{Reactor, ThreadPool, WorkerPriority};

/// Worker threads for every pool in the benches: Twisted's default reactor
/// pool size, which is also our `Reactor::new()` default, and the cap the
/// issue's tokio reference figure used.
pub const THREADS: usize = 10;

/// The short criterion configuration for this shared 2-core machine.
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

/// A reactor turning on a thread of its own, with a pool of [`THREADS`]
/// threads started up front (so thread start-up is not measured).
pub struct ReactorThread {
    pub reactor: Reactor,
    thread: Option<JoinHandle<()>>,
    /// The reactor thread's Linux thread id, for its scheduler statistics.
    tid: Option<String>,
}

impl ReactorThread {
    pub fn start() -> Self {
        ReactorThread::with_threads(THREADS)
    }

    /// As [`start`](Self::start), with `threads` pool threads: the
    /// reactor's own pool as `Reactor::new()` makes it (its workers at a
    /// lowered priority), with its minimum raised to `threads` so that they
    /// all start with the loop.
    pub fn with_threads(threads: usize) -> Self {
        let reactor = Reactor::new();
        reactor
            .thread_pool()
            .adjust_pool_size(threads, threads)
            .expect("valid pool size");
        ReactorThread::running(reactor)
    }

    /// As [`with_threads`](Self::with_threads), with the workers at
    /// `priority`, to measure what each priority does.
    pub fn with_priority(threads: usize, priority: WorkerPriority) -> Self {
        let pool = ThreadPool::builder()
            .min_threads(threads)
            .max_threads(threads)
            .name_prefix("bench-pool")
            .worker_priority(priority)
            .build()
            .expect("valid pool size");
        ReactorThread::running(Reactor::with_thread_pool(pool))
    }

    /// The reactor exactly as `Reactor::new()` makes it: its default pool
    /// (0 to 10 threads, started on demand, workers lowered).
    pub fn default_pool() -> Self {
        ReactorThread::running(Reactor::new())
    }

    fn running(reactor: Reactor) -> Self {
        let r = reactor.clone();
        let (tid_tx, tid_rx) = bounded(1);
        let thread = std::thread::Builder::new()
            .name("bench-reactor".into())
            .spawn(move || {
                // "/proc/thread-self" links to "<pid>/task/<tid>" on Linux.
                let tid = std::fs::read_link("/proc/thread-self")
                    .ok()
                    .and_then(|p| Some(p.file_name()?.to_str()?.to_owned()));
                tid_tx.send(tid).unwrap();
                r.run().expect("the bench reactor runs once")
            })
            .expect("spawn the reactor thread");
        ReactorThread {
            reactor,
            thread: Some(thread),
            tid: tid_rx.recv().unwrap(),
        }
    }

    /// How long the reactor thread has waited, runnable, for a core so far
    /// (Linux `schedstat`: the scheduler's run-queue delay), if known.
    pub fn run_queue_wait(&self) -> Option<Duration> {
        let stat =
            std::fs::read_to_string(format!("/proc/self/task/{}/schedstat", self.tid.as_ref()?))
                .ok()?;
        let ns = stat.split_whitespace().nth(1)?.parse().ok()?;
        Some(Duration::from_nanos(ns))
    }

    /// Runs `batch` on the reactor thread and blocks until it calls the
    /// `Sender` it is given (from the reactor thread or any other).
    pub fn run_batch<F>(&self, batch: F)
    where
        F: FnOnce(&Reactor, Sender<()>) + Send + 'static,
    {
        let (done, finished) = bounded(1);
        let r = self.reactor.clone();
        self.reactor
            .call_from_thread(move || batch(&r, done))
            .expect("the reactor is running");
        finished.recv().expect("the batch reports back");
    }
}

impl Drop for ReactorThread {
    fn drop(&mut self) {
        // Through the loop, so that a reactor not yet turning still stops.
        let r = self.reactor.clone();
        let _ = self.reactor.call_from_thread(move || {
            let _ = r.stop();
        });
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
