//! The `round_trip` group: one trivial job out to a worker thread and its
//! result back on the caller's loop, for `defer_to_thread` and its peers.
//!
//! - `sequential/*`: one job at a time, the next sent when the previous one's
//!   result is back (latency). One iteration is [`SEQUENTIAL`] round trips.
//! - `in_flight/*`: [`IN_FLIGHT`] jobs sent at once, then every result
//!   collected (throughput). One iteration is one such batch.
//!
//! "The caller's loop" is the reactor thread for `defer_to_thread` (results
//! come back as callbacks there, as in Twisted), the runtime's `block_on`
//! thread for tokio, and the bench thread reading a channel for rayon and the
//! threadpool crate. Every pool has [`THREADS`] threads; tokio is also shown
//! with its default blocking-thread cap (512). The floors are two threads
//! handing a value back and forth: a crossbeam channel ping-pong and a
//! park/unpark ping-pong.
//!
//! ```text
//! nice cargo bench --bench round_trip -- --warm-up-time 1 --measurement-time 3
//! ```

mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crossbeam::channel::{bounded, unbounded, Sender};
use deferred::{defer_to_thread, Reactor};

use common::{config, ReactorThread, THREADS};

/// Round trips per iteration of the sequential benches (amortises the one
/// hop onto the reactor thread and back that each iteration adds).
const SEQUENTIAL: u64 = 100;
/// Jobs in flight per iteration of the throughput benches.
const IN_FLIGHT: u64 = 20_000;

/// The job: trivial, so the round trip is all that is measured.
fn job(i: u64) -> u64 {
    black_box(i).wrapping_mul(3)
}

// --- defer_to_thread -------------------------------------------------------

/// `left` more round trips, each started from the previous one's callback on
/// the reactor thread.
fn sequential_chain(reactor: &Reactor, left: u64, done: Sender<()>) {
    let r = reactor.clone();
    defer_to_thread(reactor, move || job(left)).add_callback(move |v: u64| {
        if left == 1 {
            done.send(()).unwrap();
        } else {
            sequential_chain(&r, left - 1, done);
        }
        v
    });
}

fn in_flight_batch(reactor: &Reactor, done: Sender<()>) {
    let arrived = Arc::new(AtomicUsize::new(0));
    for i in 0..IN_FLIGHT {
        let arrived = Arc::clone(&arrived);
        let done = done.clone();
        defer_to_thread(reactor, move || job(i)).add_callback(move |v: u64| {
            if arrived.fetch_add(1, Ordering::Relaxed) + 1 == IN_FLIGHT as usize {
                done.send(()).unwrap();
            }
            v
        });
    }
}

// --- peers -------------------------------------------------------------------

fn tokio_runtime(cap: Option<usize>) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    if let Some(cap) = cap {
        builder.max_blocking_threads(cap);
    }
    builder.build().expect("tokio runtime")
}

fn tokio_sequential(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        for i in 0..SEQUENTIAL {
            black_box(tokio::task::spawn_blocking(move || job(i)).await.unwrap());
        }
    })
}

fn tokio_in_flight(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let handles: Vec<_> = (0..IN_FLIGHT)
            .map(|i| tokio::task::spawn_blocking(move || job(i)))
            .collect();
        for handle in handles {
            black_box(handle.await.unwrap());
        }
    })
}

/// A pool that runs a boxed job, with a channel back to the caller.
trait SpawnPool {
    fn spawn(&self, f: Box<dyn FnOnce() + Send>);
}

impl SpawnPool for rayon::ThreadPool {
    fn spawn(&self, f: Box<dyn FnOnce() + Send>) {
        rayon::ThreadPool::spawn(self, f)
    }
}

impl SpawnPool for threadpool::ThreadPool {
    fn spawn(&self, f: Box<dyn FnOnce() + Send>) {
        self.execute(f)
    }
}

fn channel_sequential(pool: &impl SpawnPool) {
    let (tx, rx) = bounded(1);
    for i in 0..SEQUENTIAL {
        let tx = tx.clone();
        pool.spawn(Box::new(move || tx.send(job(i)).unwrap()));
        black_box(rx.recv().unwrap());
    }
}

fn channel_in_flight(pool: &impl SpawnPool) {
    let (tx, rx) = unbounded();
    for i in 0..IN_FLIGHT {
        let tx = tx.clone();
        pool.spawn(Box::new(move || tx.send(job(i)).unwrap()));
    }
    for _ in 0..IN_FLIGHT {
        black_box(rx.recv().unwrap());
    }
}

// --- floors ------------------------------------------------------------------

/// An echo thread at the end of a crossbeam channel pair.
struct ChannelEcho {
    to: Option<Sender<u64>>,
    from: crossbeam::channel::Receiver<u64>,
    thread: Option<thread::JoinHandle<()>>,
}

impl ChannelEcho {
    fn start() -> Self {
        let (to, rx) = bounded::<u64>(1);
        let (tx, from) = bounded::<u64>(1);
        let thread = thread::spawn(move || {
            for v in rx {
                tx.send(v).unwrap();
            }
        });
        ChannelEcho {
            to: Some(to),
            from,
            thread: Some(thread),
        }
    }

    fn sequential(&self) {
        let to = self.to.as_ref().unwrap();
        for i in 0..SEQUENTIAL {
            to.send(job(i)).unwrap();
            black_box(self.from.recv().unwrap());
        }
    }
}

impl Drop for ChannelEcho {
    fn drop(&mut self) {
        drop(self.to.take());
        let _ = self.thread.take().map(thread::JoinHandle::join);
    }
}

/// Two threads taking turns: each sets the other's flag and unparks it,
/// then parks until its own flag is set.
struct ParkEcho {
    ping: Arc<AtomicBool>,
    pong: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl ParkEcho {
    fn start() -> Self {
        let (ping, pong, stop) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let caller = thread::current();
        let thread = {
            let (ping, pong, stop) = (ping.clone(), pong.clone(), stop.clone());
            thread::spawn(move || loop {
                while !ping.swap(false, Ordering::Acquire) {
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                    thread::park();
                }
                pong.store(true, Ordering::Release);
                caller.unpark();
            })
        };
        ParkEcho {
            ping,
            pong,
            stop,
            thread: Some(thread),
        }
    }

    fn sequential(&self) {
        let echo = self.thread.as_ref().unwrap().thread();
        for _ in 0..SEQUENTIAL {
            self.ping.store(true, Ordering::Release);
            echo.unpark();
            while !self.pong.swap(false, Ordering::Acquire) {
                thread::park();
            }
        }
    }
}

impl Drop for ParkEcho {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

// --- the groups --------------------------------------------------------------

fn rayon_pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build()
        .expect("rayon pool")
}

fn sequential(c: &mut Criterion) {
    let mut g = c.benchmark_group("round_trip/sequential");
    g.throughput(Throughput::Elements(SEQUENTIAL));

    let reactor = ReactorThread::start();
    g.bench_function("defer_to_thread", |b| {
        b.iter(|| reactor.run_batch(|r, done| sequential_chain(r, SEQUENTIAL, done)))
    });
    drop(reactor);

    let rt = tokio_runtime(Some(THREADS));
    g.bench_function("tokio_spawn_blocking", |b| b.iter(|| tokio_sequential(&rt)));
    drop(rt);

    let pool = rayon_pool();
    g.bench_function("rayon_spawn_channel", |b| {
        b.iter(|| channel_sequential(&pool))
    });
    drop(pool);

    let pool = threadpool::ThreadPool::new(THREADS);
    g.bench_function("threadpool_channel", |b| {
        b.iter(|| channel_sequential(&pool))
    });
    pool.join();
    drop(pool);

    let echo = ChannelEcho::start();
    g.bench_function("floor_crossbeam_ping_pong", |b| {
        b.iter(|| echo.sequential())
    });
    drop(echo);

    let echo = ParkEcho::start();
    g.bench_function("floor_park_unpark_ping_pong", |b| {
        b.iter(|| echo.sequential())
    });
    drop(echo);

    g.finish();
}

fn in_flight(c: &mut Criterion) {
    let mut g = c.benchmark_group("round_trip/in_flight");
    g.throughput(Throughput::Elements(IN_FLIGHT));
    g.sample_size(20);

    let reactor = ReactorThread::start();
    g.bench_function("defer_to_thread", |b| {
        b.iter(|| reactor.run_batch(in_flight_batch))
    });
    drop(reactor);

    let rt = tokio_runtime(Some(THREADS));
    g.bench_function("tokio_spawn_blocking", |b| b.iter(|| tokio_in_flight(&rt)));
    drop(rt);

    let rt = tokio_runtime(None);
    g.bench_function("tokio_spawn_blocking_default_cap", |b| {
        b.iter(|| tokio_in_flight(&rt))
    });
    drop(rt);

    let pool = rayon_pool();
    g.bench_function("rayon_spawn_channel", |b| {
        b.iter(|| channel_in_flight(&pool))
    });
    drop(pool);

    let pool = threadpool::ThreadPool::new(THREADS);
    g.bench_function("threadpool_channel", |b| {
        b.iter(|| channel_in_flight(&pool))
    });
    pool.join();
    drop(pool);

    g.finish();
}

criterion_group! {
    name = round_trip;
    config = config();
    targets = sequential, in_flight
}
criterion_main!(round_trip);
