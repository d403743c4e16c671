//! The goal rows of issue 8, each decided by one interleaved run of ours
//! against the peers (the runner is `benches/common/interleave.rs`; how the
//! numbers are taken is in docs/benchmarks.md, "How the numbers are taken").
//!
//! | id | work | ours | peers |
//! |---|---|---|---|
//! | `in_flight` | 20,000 jobs in flight, 10 threads, per job | `defer_to_thread` | rayon + channel, tokio `spawn_blocking` capped at 10, the threadpool crate + channel, our `ThreadPool` alone + channel |
//! | `sequential` | one job out and its result back, the next from the previous one's arrival | `defer_to_thread` | rayon + channel; floors: crossbeam channel ping-pong, park/unpark ping-pong |
//! | `hop` | create + 100 handlers + fire + read, per handler | `Deferred` | `Vec<Box<dyn FnOnce>>` run in order |
//! | `create_fire` | create, fire, read the value back, drop | `Deferred` | `Arc<Mutex<Option<_>>>` cell |
//! | `link` | 100 handlers each returning an already-fired result, per link | handler returns `succeed(..)` | boxed closure returning a set `Arc<Mutex<Option<_>>>` cell |
//!
//! Every contender computes the same values from the same seed and returns
//! their checksum, which the runner checks after every sample. Handlers and
//! closures capture two words (a step and their index), as real handlers
//! capture state: a closure that captures nothing is zero-sized and boxing
//! it allocates nothing, which would flatter everyone.
//!
//! ```text
//! cargo bench --bench peers                     quick: a few seconds per row
//! cargo bench --bench peers -- --full           the figures for the docs
//! cargo bench --bench peers -- hop link         only the rows named
//! cargo bench --bench peers -- --threads 2       thread rows with 2-thread pools
//! benches/scaling.sh                             1 and 2 cores x 1, 2, 10 threads
//! cargo test --bench peers                      smoke: one checked operation each, untimed
//! ```
//!
//! The table goes to stdout, and with the JSON to `target/bench-peers/`.
//! The reactor tick-gap row is measured by `benches/fibonacci.rs`; this
//! bench reads its latest table (`target/bench-fibonacci/gaps.json`) if
//! there is one.

mod common;

use std::cell::Cell;
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossbeam::channel::{bounded, unbounded, Receiver, Sender};
use deferred::{defer_to_thread, succeed, Deferred, Reactor, ThreadPool};

use common::interleave::{self, Comparison, ComparisonResult, Contender, Goal, Mode};
use common::{ReactorThread, THREADS};

/// Jobs per operation of the in-flight row.
const IN_FLIGHT: u64 = 20_000;
/// Handlers per Deferred in the hop row.
const HANDLERS: u64 = 100;
/// Links per Deferred in the link row.
const LINKS: u64 = 100;
/// The tick-gap goal (ms): issue 8's table.
const TICK_GAP_GOAL_MS: f64 = 1.5;

/// Worker threads of every pool in the thread rows: [`THREADS`] unless
/// `--threads N` names another count (the scaling runs of
/// `benches/scaling.sh`, issue 19).
static WORKERS: AtomicUsize = AtomicUsize::new(THREADS);

/// The thread rows' pool size (see [`WORKERS`]).
fn workers() -> usize {
    WORKERS.load(Ordering::Relaxed)
}

/// A row title naming the pool size, made once per row run.
fn with_workers(title: &str) -> &'static str {
    let n = workers();
    let threads = if n == 1 {
        "1 thread".to_string()
    } else {
        format!("{n} threads")
    };
    Box::leak(title.replace("{threads}", &threads).into_boxed_str())
}

/// The job every thread row runs: trivial, so the hand-off is what is
/// measured, and its result is checked.
fn job(i: u64) -> u64 {
    black_box(i).wrapping_mul(3)
}

/// What handler `k` of a chain does to the value, capturing `step` and `k`.
fn step_value(v: u64, step: u64, k: u64) -> u64 {
    v.wrapping_add(step ^ k)
}

// --- expected checksums (computed plainly, outside the timing) -------------

fn expect_jobs(count: u64) -> impl Fn(u64, u64) -> u64 {
    move |ops, seed| {
        (0..ops * count).fold(0u64, |sum, i| {
            sum.wrapping_add(seed.wrapping_add(i).wrapping_mul(3))
        })
    }
}

fn expect_in_flight(ops: u64, seed: u64) -> u64 {
    expect_jobs(IN_FLIGHT)(ops, seed)
}

fn expect_sequential(ops: u64, seed: u64) -> u64 {
    expect_jobs(1)(ops, seed)
}

/// Op `o` starts from `seed + o` and goes through `steps` handlers.
fn expect_chain(steps: u64) -> impl Fn(u64, u64) -> u64 {
    move |ops, seed| {
        (0..ops).fold(0u64, |sum, o| {
            let v = (0..steps).fold(seed.wrapping_add(o), |v, k| step_value(v, seed, k));
            sum.wrapping_add(v)
        })
    }
}

fn expect_hop(ops: u64, seed: u64) -> u64 {
    expect_chain(HANDLERS)(ops, seed)
}

fn expect_link(ops: u64, seed: u64) -> u64 {
    expect_chain(LINKS)(ops, seed)
}

fn expect_create_fire(ops: u64, seed: u64) -> u64 {
    expect_chain(0)(ops, seed)
}

// --- the reactor side --------------------------------------------------------

/// Runs `batch` on the reactor thread; returns the checksum it sends back.
fn on_reactor<F>(reactor: &ReactorThread, batch: F) -> u64
where
    F: FnOnce(&Reactor, Sender<u64>) + Send + 'static,
{
    let (done, checksum) = bounded(1);
    let r = reactor.reactor.clone();
    reactor
        .reactor
        .call_from_thread(move || batch(&r, done))
        .expect("the bench reactor is running");
    checksum.recv().expect("the batch reports back")
}

thread_local! {
    /// Results arrived and their sum, for the in-flight batch running on
    /// this (the reactor) thread: plain cells, as the peers sum into a
    /// local variable on their collecting thread.
    static ARRIVED: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// `IN_FLIGHT` jobs through `defer_to_thread`; the last result to arrive
/// sends the sum.
fn in_flight_batch(reactor: &Reactor, base: u64, done: Sender<u64>) {
    ARRIVED.with(|a| a.set((0, 0)));
    for i in 0..IN_FLIGHT {
        let done = done.clone();
        defer_to_thread(reactor, move || job(base.wrapping_add(i))).add_callback(move |v: u64| {
            let (count, sum) = ARRIVED.with(|a| {
                let (count, sum) = a.get();
                let now = (count + 1, sum.wrapping_add(v));
                a.set(now);
                now
            });
            if count == IN_FLIGHT {
                done.send(sum).unwrap();
            }
            v
        });
    }
}

/// Round trips `k..end`, each started from the previous one's callback.
fn sequential_chain(reactor: &Reactor, k: u64, end: u64, sum: u64, done: Sender<u64>) {
    let r = reactor.clone();
    defer_to_thread(reactor, move || job(k)).add_callback(move |v: u64| {
        let sum = sum.wrapping_add(v);
        if k + 1 == end {
            done.send(sum).unwrap();
        } else {
            sequential_chain(&r, k + 1, end, sum, done);
        }
        v
    });
}

// --- the peers' pools ----------------------------------------------------------

/// A pool that runs a boxed job; results come back on a channel.
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

impl SpawnPool for ThreadPool {
    fn spawn(&self, f: Box<dyn FnOnce() + Send>) {
        self.call_in_thread(f).expect("the bench pool is open")
    }
}

/// `count` jobs from `base` sent at once, then every result collected.
fn channel_in_flight(pool: &impl SpawnPool, base: u64, count: u64) -> u64 {
    let (tx, rx) = unbounded();
    for i in 0..count {
        let tx = tx.clone();
        pool.spawn(Box::new(move || {
            tx.send(job(base.wrapping_add(i))).unwrap()
        }));
    }
    (0..count).fold(0u64, |sum, _| sum.wrapping_add(rx.recv().unwrap()))
}

/// Jobs `from..from + count`, one at a time.
fn channel_sequential(pool: &impl SpawnPool, from: u64, count: u64) -> u64 {
    let (tx, rx) = bounded(1);
    let mut sum = 0u64;
    for k in from..from + count {
        let tx = tx.clone();
        pool.spawn(Box::new(move || tx.send(job(k)).unwrap()));
        sum = sum.wrapping_add(rx.recv().unwrap());
    }
    sum
}

fn rayon_pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers())
        .build()
        .expect("rayon pool")
}

fn our_pool() -> ThreadPool {
    ThreadPool::builder()
        .min_threads(workers())
        .max_threads(workers())
        .name_prefix("bench-pool-alone")
        .build()
        .expect("valid pool size")
}

fn tokio_runtime(cap: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(cap)
        .build()
        .expect("tokio runtime")
}

fn tokio_in_flight(rt: &tokio::runtime::Runtime, base: u64, count: u64) -> u64 {
    rt.block_on(async {
        let handles: Vec<_> = (0..count)
            .map(|i| tokio::task::spawn_blocking(move || job(base.wrapping_add(i))))
            .collect();
        let mut sum = 0u64;
        for handle in handles {
            sum = sum.wrapping_add(handle.await.unwrap());
        }
        sum
    })
}

// --- floors: two threads handing a value back and forth ------------------------

/// An echo thread at the end of a crossbeam channel pair; it runs the job.
struct ChannelEcho {
    to: Option<Sender<u64>>,
    from: Receiver<u64>,
    thread: Option<thread::JoinHandle<()>>,
}

impl ChannelEcho {
    fn start() -> Self {
        let (to, rx) = bounded::<u64>(1);
        let (tx, from) = bounded::<u64>(1);
        let thread = thread::spawn(move || {
            for k in rx {
                tx.send(job(k)).unwrap();
            }
        });
        ChannelEcho {
            to: Some(to),
            from,
            thread: Some(thread),
        }
    }

    fn round_trips(&self, from: u64, count: u64) -> u64 {
        let to = self.to.as_ref().unwrap();
        let mut sum = 0u64;
        for k in from..from + count {
            to.send(k).unwrap();
            sum = sum.wrapping_add(self.from.recv().unwrap());
        }
        sum
    }
}

impl Drop for ChannelEcho {
    fn drop(&mut self) {
        drop(self.to.take());
        let _ = self.thread.take().map(thread::JoinHandle::join);
    }
}

/// Two threads taking turns with park/unpark: the caller writes the
/// argument and wakes the echo thread, which writes the job's result and
/// wakes the caller.
struct ParkEcho {
    shared: Arc<ParkShared>,
    thread: Option<thread::JoinHandle<()>>,
}

struct ParkShared {
    ping: AtomicBool,
    pong: AtomicBool,
    stop: AtomicBool,
    arg: AtomicU64,
    result: AtomicU64,
}

impl ParkEcho {
    /// Started from, and answering, the calling thread.
    fn start() -> Self {
        let shared = Arc::new(ParkShared {
            ping: AtomicBool::new(false),
            pong: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            arg: AtomicU64::new(0),
            result: AtomicU64::new(0),
        });
        let caller = thread::current();
        let s = Arc::clone(&shared);
        let thread = thread::spawn(move || loop {
            while !s.ping.swap(false, Ordering::Acquire) {
                if s.stop.load(Ordering::Acquire) {
                    return;
                }
                thread::park();
            }
            s.result
                .store(job(s.arg.load(Ordering::Relaxed)), Ordering::Relaxed);
            s.pong.store(true, Ordering::Release);
            caller.unpark();
        });
        ParkEcho {
            shared,
            thread: Some(thread),
        }
    }

    fn round_trips(&self, from: u64, count: u64) -> u64 {
        let echo = self.thread.as_ref().unwrap().thread();
        let s = &self.shared;
        let mut sum = 0u64;
        for k in from..from + count {
            s.arg.store(k, Ordering::Relaxed);
            s.ping.store(true, Ordering::Release);
            echo.unpark();
            while !s.pong.swap(false, Ordering::Acquire) {
                thread::park();
            }
            sum = sum.wrapping_add(s.result.load(Ordering::Relaxed));
        }
        sum
    }
}

impl Drop for ParkEcho {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

// --- one-thread workloads ------------------------------------------------------------

/// A boxed handler, as a user would keep one.
type BoxedHandler = Box<dyn FnOnce(u64) -> u64 + Send>;
/// A boxed handler that hands its result over in a shared cell.
type BoxedCellHandler = Box<dyn FnOnce(u64) -> Arc<Mutex<Option<u64>>> + Send>;

fn deferred_hops(ops: u64, seed: u64) -> u64 {
    let step = seed;
    (0..ops).fold(0u64, |sum, o| {
        let d = Deferred::<u64>::new();
        for k in 0..HANDLERS {
            d.add_callback(move |v: u64| step_value(v, step, k));
        }
        d.callback(seed.wrapping_add(o)).unwrap();
        sum.wrapping_add(d.result().expect("fired").expect("a value"))
    })
}

fn boxed_hops(ops: u64, seed: u64) -> u64 {
    let step = seed;
    (0..ops).fold(0u64, |sum, o| {
        let mut chain: Vec<BoxedHandler> = Vec::new();
        for k in 0..HANDLERS {
            chain.push(Box::new(move |v: u64| step_value(v, step, k)));
        }
        let mut v = seed.wrapping_add(o);
        for handler in black_box(chain) {
            v = handler(v);
        }
        sum.wrapping_add(v)
    })
}

fn deferred_create_fire(ops: u64, seed: u64) -> u64 {
    (0..ops).fold(0u64, |sum, o| {
        let d = Deferred::<u64>::new();
        d.callback(seed.wrapping_add(o)).unwrap();
        sum.wrapping_add(d.result().expect("fired").expect("a value"))
    })
}

fn cell_create_fire(ops: u64, seed: u64) -> u64 {
    (0..ops).fold(0u64, |sum, o| {
        let cell = black_box(Arc::new(Mutex::new(None::<u64>)));
        *cell.lock().unwrap() = Some(seed.wrapping_add(o));
        let v = cell.lock().unwrap().expect("set");
        sum.wrapping_add(v)
    })
}

fn deferred_links(ops: u64, seed: u64) -> u64 {
    let step = seed;
    (0..ops).fold(0u64, |sum, o| {
        let d = Deferred::<u64>::new();
        for k in 0..LINKS {
            d.add_callback(move |v: u64| succeed(step_value(v, step, k)));
        }
        d.callback(seed.wrapping_add(o)).unwrap();
        sum.wrapping_add(d.result().expect("fired").expect("a value"))
    })
}

fn boxed_cell_links(ops: u64, seed: u64) -> u64 {
    let step = seed;
    (0..ops).fold(0u64, |sum, o| {
        let mut chain: Vec<BoxedCellHandler> = Vec::new();
        for k in 0..LINKS {
            chain.push(Box::new(move |v: u64| {
                Arc::new(Mutex::new(Some(step_value(v, step, k))))
            }));
        }
        let mut v = seed.wrapping_add(o);
        for handler in black_box(chain) {
            v = handler(v).lock().unwrap().expect("set");
        }
        sum.wrapping_add(v)
    })
}

// --- the rows --------------------------------------------------------------------------

/// A row: builds its contenders (and their threads), runs, tears down.
struct Row {
    id: &'static str,
    run: fn(Mode) -> ComparisonResult,
}

const ROWS: &[Row] = &[
    Row {
        id: "in_flight",
        run: in_flight,
    },
    Row {
        id: "sequential",
        run: sequential,
    },
    Row {
        id: "hop",
        run: hop,
    },
    Row {
        id: "create_fire",
        run: create_fire,
    },
    Row {
        id: "link",
        run: link,
    },
];

fn in_flight(mode: Mode) -> ComparisonResult {
    let reactor = ReactorThread::with_threads(workers());
    let rayon = rayon_pool();
    let tokio = tokio_runtime(workers());
    let threadpool = threadpool::ThreadPool::new(workers());
    let ours_alone = our_pool();
    let batches = |run: &dyn Fn(u64) -> u64, ops: u64, seed: u64| {
        (0..ops).fold(0u64, |sum, o| {
            sum.wrapping_add(run(seed.wrapping_add(o * IN_FLIGHT)))
        })
    };
    let result = interleave::run(
        mode,
        Comparison {
            id: "in_flight",
            title: with_workers("20,000 jobs in flight, {threads} (per job)"),
            unit: "job",
            units_per_op: IN_FLIGHT,
            threads: true,
            settle: Duration::from_millis(2),
            expect: expect_in_flight,
            contenders: vec![
                Contender::new("defer_to_thread", |ops, seed| {
                    batches(
                        &|base| on_reactor(&reactor, move |r, done| in_flight_batch(r, base, done)),
                        ops,
                        seed,
                    )
                }),
                Contender::new("rayon::spawn + channel", |ops, seed| {
                    batches(
                        &|base| channel_in_flight(&rayon, base, IN_FLIGHT),
                        ops,
                        seed,
                    )
                })
                .with_goal(Goal::RatioAtMost(0.5)),
                Contender::new(
                    with_workers("tokio spawn_blocking, capped at {threads}"),
                    |ops, seed| {
                        batches(&|base| tokio_in_flight(&tokio, base, IN_FLIGHT), ops, seed)
                    },
                )
                .with_goal(Goal::RatioAtMost(0.25)),
                Contender::new("threadpool crate + channel", |ops, seed| {
                    batches(
                        &|base| channel_in_flight(&threadpool, base, IN_FLIGHT),
                        ops,
                        seed,
                    )
                }),
                Contender::new("our ThreadPool alone + channel", |ops, seed| {
                    batches(
                        &|base| channel_in_flight(&ours_alone, base, IN_FLIGHT),
                        ops,
                        seed,
                    )
                }),
            ],
        },
    );
    threadpool.join();
    result
}

fn sequential(mode: Mode) -> ComparisonResult {
    let reactor = ReactorThread::with_threads(workers());
    let rayon = rayon_pool();
    let channel_echo = ChannelEcho::start();
    let park_echo = ParkEcho::start();
    interleave::run(
        mode,
        Comparison {
            id: "sequential",
            title: with_workers("sequential round trip, {threads}"),
            unit: "round trip",
            units_per_op: 1,
            threads: true,
            settle: Duration::from_millis(1),
            expect: expect_sequential,
            contenders: vec![
                Contender::new("defer_to_thread", |ops, seed| {
                    on_reactor(&reactor, move |r, done| {
                        sequential_chain(r, seed, seed + ops, 0, done)
                    })
                }),
                Contender::new("rayon::spawn + channel", |ops, seed| {
                    channel_sequential(&rayon, seed, ops)
                })
                .with_goal(Goal::RatioAtMost(0.4)),
                Contender::new("floor: crossbeam channel ping-pong", |ops, seed| {
                    channel_echo.round_trips(seed, ops)
                }),
                Contender::new("floor: park/unpark ping-pong", |ops, seed| {
                    park_echo.round_trips(seed, ops)
                }),
            ],
        },
    )
}

fn hop(mode: Mode) -> ComparisonResult {
    interleave::run(
        mode,
        Comparison {
            id: "hop",
            title: "per handler hop (N = 100)",
            unit: "hop",
            units_per_op: HANDLERS,
            threads: false,
            settle: Duration::ZERO,
            expect: expect_hop,
            contenders: vec![
                Contender::new("Deferred", deferred_hops),
                Contender::new("Vec<Box<dyn FnOnce>>", boxed_hops)
                    .with_goal(Goal::RatioAtMost(0.5)),
            ],
        },
    )
}

fn create_fire(mode: Mode) -> ComparisonResult {
    interleave::run(
        mode,
        Comparison {
            id: "create_fire",
            title: "create + fire + read back",
            unit: "Deferred",
            units_per_op: 1,
            threads: false,
            settle: Duration::ZERO,
            expect: expect_create_fire,
            contenders: vec![
                Contender::new("Deferred", deferred_create_fire),
                Contender::new("Arc<Mutex<Option<u64>>> cell", cell_create_fire)
                    .with_goal(Goal::RatioAtMost(0.8)),
            ],
        },
    )
}

fn link(mode: Mode) -> ComparisonResult {
    interleave::run(
        mode,
        Comparison {
            id: "link",
            title: "chain link, handler returns a fired Deferred",
            unit: "link",
            units_per_op: LINKS,
            threads: false,
            settle: Duration::ZERO,
            expect: expect_link,
            contenders: vec![
                Contender::new("Deferred (succeed)", deferred_links),
                Contender::new("boxed closure returning a set cell", boxed_cell_links)
                    .with_goal(Goal::RatioAtMost(0.6)),
            ],
        },
    )
}

// --- the report ------------------------------------------------------------------------

/// The 1-, 5- and 15-minute load averages (Linux), for the record.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The commit measured, with `+dirty` if the library or benches differ from it.
fn commit() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(head) = git(&["rev-parse", "--short=10", "HEAD"]) else {
        return "unknown".into();
    };
    match git(&[
        "status",
        "--porcelain",
        "--",
        "src",
        "benches",
        "Cargo.toml",
    ]) {
        Some(changes) if !changes.is_empty() => format!("{head}+dirty"),
        _ => head,
    }
}

/// `YYYY-MM-DD HH:MM UTC` for a time.
fn utc(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// The tick-gap rows from `benches/fibonacci.rs`'s latest table, if any:
/// (table rows, JSON). The goal's row is the default pool (`threaded`);
/// the row of ten `WorkerPriority::Idle` workers (`threaded_idle`) follows.
fn tick_gap_row() -> (String, serde_json::Value) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-fibonacci/gaps.json");
    let title = "longest reactor tick gap, threaded Fibonacci (benches/fibonacci.rs)";
    let missing = |why: &str| {
        (
            format!("| {title} | idle ticker | not measured | - | - | < {TICK_GAP_GOAL_MS} ms | {why} |\n"),
            serde_json::json!({"measured": false, "why": why}),
        )
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return missing("run `cargo bench --bench fibonacci -- tick` first");
    };
    let Ok(gaps) = serde_json::from_str::<serde_json::Value>(&text) else {
        return missing("target/bench-fibonacci/gaps.json is not JSON");
    };
    let field = |mode: &str, key: &str| {
        gaps.get(mode)
            .and_then(|m| m.get(key))
            .and_then(|v| v.as_f64())
    };
    let Some(idle) = field("idle", "longest_gap_ms_median") else {
        return missing("gaps.json has no idle longest_gap_ms_median");
    };
    let when = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .map(utc)
        .unwrap_or_else(|_| "unknown".into());
    let mut rows = String::new();
    let mut json = serde_json::json!({
        "measured": true, "source": "target/bench-fibonacci/gaps.json", "modified": when,
        "idle_longest_gap_ms_median": idle, "goal_ms_below": TICK_GAP_GOAL_MS,
    });
    for (mode, pool) in [
        ("threaded", "default pool"),
        ("threaded_idle", "10 workers at WorkerPriority::Idle"),
    ] {
        let Some(gap) = field(mode, "longest_gap_ms_median") else {
            continue;
        };
        let met = gap < TICK_GAP_GOAL_MS;
        rows.push_str(&format!(
            "| {title}, {pool}, measured {when} | idle ticker | {gap:.2} ms | {idle:.2} ms | {:.2}× | < {TICK_GAP_GOAL_MS} ms | {} |\n",
            gap / idle,
            if met { "**met**" } else { "**missed**" }
        ));
        json[mode] = serde_json::json!({
            "longest_gap_ms_median": gap,
            "pool_threads": gaps.get(mode).and_then(|m| m.get("pool_threads")).cloned(),
            "met": met,
        });
    }
    if rows.is_empty() {
        return missing("gaps.json has no threaded longest_gap_ms_median");
    }
    (rows, json)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for row in ROWS {
            println!("{}: benchmark", row.id);
        }
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // gets the smoke run: one checked operation of every contender.
    let mode = if !args.iter().any(|a| a == "--bench") {
        Mode::SMOKE
    } else if args.iter().any(|a| a == "--full") {
        Mode::FULL
    } else {
        Mode::QUICK
    };
    // `--threads N`: the pool size of the thread rows (default THREADS).
    let mut filters: Vec<&str> = Vec::new();
    let mut words = args.iter();
    while let Some(arg) = words.next() {
        if arg == "--threads" {
            let n = words.next().and_then(|n| n.parse::<usize>().ok());
            match n {
                Some(n) if n > 0 => WORKERS.store(n, Ordering::Relaxed),
                _ => {
                    eprintln!("peers: --threads needs a thread count of at least 1");
                    std::process::exit(2);
                }
            }
        } else if !arg.starts_with('-') {
            filters.push(arg);
        }
    }
    let rows: Vec<&Row> = ROWS
        .iter()
        .filter(|r| filters.is_empty() || filters.iter().any(|f| r.id.contains(f)))
        .collect();
    if rows.is_empty() {
        eprintln!(
            "peers: no row matches {filters:?}; rows: {}",
            ROWS.iter().map(|r| r.id).collect::<Vec<_>>().join(", ")
        );
        std::process::exit(2);
    }

    if mode.name == Mode::SMOKE.name {
        interleave::self_test();
        println!("peers smoke: the runner's own checks pass (quantiles, lost work caught)");
    }
    let started = SystemTime::now();
    let commit = commit();
    let load_before = load_average();
    println!(
        "peers: {} mode, commit {commit}, {}, {} CPUs, load average {}",
        mode.name,
        utc(started),
        thread::available_parallelism().map_or(0, |n| n.get()),
        load_before.as_deref().unwrap_or("unknown"),
    );
    let mut table = String::from(interleave::TABLE_HEADER);
    let mut results = Vec::new();
    for row in rows {
        let load = load_average();
        let result = (row.run)(mode);
        let mut rows_md = String::new();
        result.table_rows(&mut rows_md);
        if mode.name != Mode::SMOKE.name {
            println!(
                "\n{} ({} rounds x {} samples, {:.1} s, load average before: {}):\n{}{rows_md}",
                result.id,
                result.rounds,
                result.samples_per_round,
                result.wall.as_secs_f64(),
                load.as_deref().unwrap_or("unknown"),
                interleave::TABLE_HEADER,
            );
        } else {
            println!(
                "peers smoke: {}: every contender's checksum is right",
                result.id
            );
        }
        table.push_str(&rows_md);
        let mut json = result.to_json();
        json["load_average_before"] = load.into();
        results.push(json);
    }
    if mode.name == Mode::SMOKE.name {
        return;
    }
    let (gap_row, gap_json) = tick_gap_row();
    table.push_str(&gap_row);
    let load_after = load_average();
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let busiest = [&load_before, &load_after]
        .iter()
        .filter_map(|l| l.as_deref()?.split(' ').next()?.parse::<f64>().ok())
        .fold(0.0, f64::max);
    if busiest > cpus as f64 / 2.0 {
        let _ = writeln!(
            table,
            "\n**The machine was busy** (1-minute load average up to {busiest:.1} on {cpus} CPUs): \
             the thread rows (in flight, sequential) move with the load, each contender in its own way; \
             the ratios compare contenders under the same load, not on an idle machine."
        );
    }
    let _ = writeln!(
        table,
        "\nRatio: ours ÷ peer (time per unit; below 1 we are faster), the median over rounds of the per-round ratio of medians, with its interquartile range. \
         {} mode, commit {commit}, {}, load average {} before and {} after.",
        mode.name,
        utc(started),
        load_before.as_deref().unwrap_or("unknown"),
        load_after.as_deref().unwrap_or("unknown"),
    );
    println!("\n{table}");

    let json = serde_json::json!({
        "mode": mode.name,
        "commit": commit,
        "started_utc": utc(started),
        "cpus": thread::available_parallelism().map_or(0, |n| n.get()),
        "threads": workers(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "rows": results,
        "tick_gap": gap_json,
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-peers");
    // A scaling run (`--threads`, or cores limited by `taskset`) gets its
    // own file, so that it never overwrites the figures for the docs.
    let cpus = thread::available_parallelism().map_or(0, |n| n.get());
    let name = if workers() == THREADS && args.iter().all(|a| a != "--threads") {
        format!("peers-{}", mode.name)
    } else {
        format!("peers-{}-cpus{cpus}-threads{}", mode.name, workers())
    };
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::write(
            dir.join(format!("{name}.json")),
            serde_json::to_string_pretty(&json).expect("JSON"),
        )?;
        std::fs::write(dir.join(format!("{name}.md")), &table)
    });
    match written {
        Ok(()) => println!("written to {}", dir.display()),
        Err(e) => eprintln!("peers: could not write {}: {e}", dir.display()),
    }
}
