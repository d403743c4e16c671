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

use std::time::Duration;

use deferred::testing::Clock;
use deferred::{
    defer_to_thread, defer_to_thread_pool, ensure_deferred, gather_results, succeed, Deferred,
    DeferredLock, DeferredQueue, Failure, LoopingCall, Reactor, ThreadPool,
};
use gungraun::{library_benchmark, library_benchmark_group, main, LibraryBenchmarkConfig};

/// Links per measured Deferred in the link benchmarks.
const LINKS: u64 = 10;

/// The deliberate slowdown, if asked for: one extra lock per operation.
#[derive(Clone)]
struct Slowdown(Option<Arc<Mutex<u64>>>);

impl Slowdown {
    fn from_env() -> Self {
        // The debug-mode switch reads DEFERRED_DEBUG once per process, at
        // the first Deferred made; the counts are of the steady state, so
        // every setup (outside the count) has it read already.
        let _ = deferred::is_debugging();
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

// Create a Deferred, fire it, read its result back, drop it: the peers
// bench's create + fire row, against `Arc<Mutex<Option<u64>>>`.
#[library_benchmark]
#[bench::once(setup = setup)]
fn create_fire_read(slow: Slowdown) {
    let d = Deferred::<u64>::new();
    slow.op();
    d.callback(black_box(1)).unwrap();
    let read = d.result();
    assert!(matches!(read, Some(Ok(1))), "the value is read back");
    black_box(&d);
}

fn setup_debugging() -> Slowdown {
    deferred::set_debugging(true);
    // The steady state: the first Deferred in debug mode also makes the
    // table of sites, which is not per-Deferred work.
    drop(Deferred::<u64>::new());
    Slowdown::from_env()
}

// The same in debug mode: the Deferred records where it was made and first
// fired (docs/benchmarks.md: what debug mode costs, on and off).
#[library_benchmark]
#[bench::once(setup = setup_debugging)]
fn create_fire_debugging(slow: Slowdown) {
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

// --- the threaded hand-off --------------------------------------------------
//
// A count is deterministic only if what the counted thread does cannot
// depend on when another thread runs. Callgrind counts the benchmark
// function's own thread, so each bench below keeps every other thread
// parked (or away from the locks the counted thread takes) for the whole
// count, and checks its result after the count, in `teardown`:
//
// - the submits wake a worker that is parked *before* the count starts;
//   the submit returns right after the wake-up, so the woken worker never
//   races the counted thread for a lock;
// - the reactor turns on the benchmark's own thread, with work already
//   queued, so it never sleeps and nobody wakes it; its own pool has no
//   thread, so its shutdown joins none.
//
// What stays out of every count: the worker's side (waking, taking the job,
// running it, handing the result to the reactor), which runs on a thread of
// its own; and the reactor's sleep and wake-up. Both depend on the
// scheduler, so no count of them would be stable.

/// How long a freshly idle worker is given to park (past any spin before
/// sleeping) before a count starts.
const PARK_GRACE: std::time::Duration = std::time::Duration::from_millis(100);

/// A pool of one worker, started and parked.
fn parked_pool(name: &str) -> ThreadPool {
    let pool = ThreadPool::builder()
        .min_threads(1)
        .max_threads(1)
        .name_prefix(name)
        .build()
        .expect("valid pool size");
    wait_parked(&pool, 0);
    pool
}

/// Waits until `pool`'s one worker has finished `completed` jobs and is
/// idle, then gives it time to park.
fn wait_parked(pool: &ThreadPool, completed: u64) {
    loop {
        let stats = pool.stats();
        if stats.completed == completed && stats.idle == 1 {
            break;
        }
        std::thread::yield_now();
    }
    std::thread::sleep(PARK_GRACE);
}

/// A reactor whose own pool never starts a thread (so its shutdown joins
/// none); the calling thread's handle is made now, not in the count.
fn threadless_reactor() -> Reactor {
    let _ = std::thread::current();
    let pool = ThreadPool::builder()
        .max_threads(1)
        .name_prefix("unused")
        .build()
        .expect("valid pool size");
    Reactor::with_thread_pool(pool)
}

/// The value jobs compute, checked after each count.
fn job(i: u64) -> u64 {
    black_box(i).wrapping_mul(3)
}

fn setup_submit_wake() -> (ThreadPool, u64, Slowdown) {
    (parked_pool("submit-wake"), 7, Slowdown::from_env())
}

// One submit to a pool whose one worker is parked: the wake-up path (lock,
// queue, notify), which `pool_submit` (worker busy) never takes.
#[library_benchmark]
#[bench::one(setup = setup_submit_wake, teardown = check_submit_wake)]
fn submit_wake(
    (pool, arg, slow): (ThreadPool, u64, Slowdown),
) -> (ThreadPool, std::sync::mpsc::Receiver<u64>) {
    let (tx, rx) = std::sync::mpsc::channel();
    slow.op();
    pool.call_in_thread(move || tx.send(job(arg)).unwrap())
        .unwrap();
    (pool, rx)
}

fn check_submit_wake((pool, rx): (ThreadPool, std::sync::mpsc::Receiver<u64>)) {
    assert_eq!(rx.recv().unwrap(), job(7), "the woken worker ran the job");
    pool.stop().unwrap();
}

/// Calls in the reactor benchmark.
const CALLS: u64 = 10;

/// The sum the reactor benchmark's calls add up (a static, so the calls
/// capture a word each and no reference count).
static CALL_SUM: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn setup_reactor_turn(calls: u64) -> (Reactor, u64, Slowdown) {
    CALL_SUM.store(0, std::sync::atomic::Ordering::Relaxed);
    (threadless_reactor(), calls, Slowdown::from_env())
}

// CALLS `call_from_thread`s and a stop, then `run` on this thread: one turn
// runs the batch (the last call stops it) and the reactor winds down. The
// hand-off a worker makes for every `defer_to_thread` result, and the loop
// that runs it, minus the sleep and the wake-up.
#[library_benchmark]
#[bench::calls(args = (CALLS), setup = setup_reactor_turn, teardown = check_reactor_turn)]
fn call_from_thread_turn((reactor, calls, slow): (Reactor, u64, Slowdown)) -> (Reactor, u64) {
    for i in 0..calls {
        slow.op();
        reactor
            .call_from_thread(move || {
                CALL_SUM.fetch_add(i, std::sync::atomic::Ordering::Relaxed);
            })
            .unwrap();
    }
    let r = reactor.clone();
    reactor.call_from_thread(move || r.stop().unwrap()).unwrap();
    reactor.run().unwrap();
    // The reactor is dropped after the count: freeing it is not a hand-off.
    (reactor, calls)
}

fn check_reactor_turn((reactor, calls): (Reactor, u64)) {
    let sum = CALL_SUM.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(sum, calls * (calls - 1) / 2, "every call ran once");
    assert!(!reactor.is_running());
}

fn setup_defer_submit() -> (Reactor, u64, Slowdown) {
    let pool = ThreadPool::builder()
        .min_threads(1)
        .max_threads(1)
        .name_prefix("defer-submit")
        .build()
        .expect("valid pool size");
    wait_parked(&pool, 0);
    (Reactor::with_thread_pool(pool), 11, Slowdown::from_env())
}

// `defer_to_thread` as the reactor thread calls it, its pool's one worker
// parked: the Deferred, the task, the submit and the wake-up.
#[library_benchmark]
#[bench::one(setup = setup_defer_submit, teardown = check_defer_submit)]
fn defer_to_thread_submit(
    (reactor, arg, slow): (Reactor, u64, Slowdown),
) -> (Reactor, Deferred<u64>) {
    slow.op();
    let d = defer_to_thread(&reactor, move || job(arg));
    (reactor, d)
}

fn check_defer_submit((reactor, d): (Reactor, Deferred<u64>)) {
    // Turn the reactor so the worker's result is delivered, then check it.
    let r = reactor.clone();
    d.add_callback(move |v: u64| {
        r.stop().unwrap();
        v
    });
    reactor.run().unwrap();
    assert_eq!(d.result().unwrap().unwrap(), job(11));
}

/// Results delivered per count in the delivery benchmark: enough that the
/// reactor's start and wind-down are a small part of the count.
const DELIVERIES: u64 = 10;

/// The sum the delivery benchmark's handlers add up.
static DELIVERED_SUM: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

type Delivery = (Reactor, ThreadPool, Vec<Deferred<u64>>);

fn setup_defer_deliver(results: u64) -> (Delivery, Slowdown) {
    DELIVERED_SUM.store(0, std::sync::atomic::Ordering::Relaxed);
    let reactor = threadless_reactor();
    let pool = parked_pool("defer-deliver");
    let ds = (0..results)
        .map(|i| defer_to_thread_pool(&reactor, &pool, move || job(i)))
        .collect();
    // The worker runs the jobs and queues their results on the reactor;
    // wait until it is parked again, so the count has this thread to itself.
    wait_parked(&pool, results);
    ((reactor, pool, ds), Slowdown::from_env())
}

// The reactor's side of `defer_to_thread` round trips: the worker's
// results are queued; add a handler to each Deferred (capturing state: its
// index), queue a stop after them, then `run`: one turn delivers every
// result, fires each Deferred and runs its handler, and the reactor winds
// down. The reactor and the Deferreds are dropped after the count.
#[library_benchmark]
#[bench::ten(args = (DELIVERIES), setup = setup_defer_deliver, teardown = check_defer_deliver)]
fn defer_to_thread_deliver(((reactor, pool, ds), slow): (Delivery, Slowdown)) -> Delivery {
    for (i, d) in ds.iter().enumerate() {
        let slow = slow.clone();
        d.add_callback(move |v: u64| {
            slow.op();
            DELIVERED_SUM.fetch_add(v ^ i as u64, std::sync::atomic::Ordering::Relaxed);
            v
        });
    }
    let r = reactor.clone();
    reactor.call_from_thread(move || r.stop().unwrap()).unwrap();
    reactor.run().unwrap();
    (reactor, pool, ds)
}

fn check_defer_deliver((_reactor, pool, ds): Delivery) {
    let mut want = 0;
    for (i, d) in ds.iter().enumerate() {
        let i = i as u64;
        assert_eq!(d.result().unwrap().unwrap(), job(i), "result {i} delivered");
        want += job(i) ^ i;
    }
    let sum = DELIVERED_SUM.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(sum, want, "every handler ran once");
    pool.stop().unwrap();
}

// --- the rest of the surface -------------------------------------------------
//
// Single-threaded paths users take every turn: the async bridge, time on a
// test clock, the primitives and a combinator. Each runs on the counted
// thread alone (no pool, no reactor loop), so its count is deterministic;
// each checks what it computed after the count.

/// Deferreds awaited or gathered per count in the benchmarks below.
const SURFACE_N: u64 = 10;

/// Polls `future` once with a waker that does nothing.
fn poll_once<F: std::future::Future + Unpin>(future: &mut F) -> std::task::Poll<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    std::pin::Pin::new(future).poll(&mut cx)
}

/// Awaits one fired Deferred on this thread, so that the thread-locals an
/// `.await` touches (the bridge's current task, the hand-off queues) are
/// made before the count: their first use on a thread allocates and
/// registers destructors, which is not per-await work.
fn warm_await() {
    let d = Deferred::new();
    d.callback(0u64).unwrap();
    let mut future = std::future::IntoFuture::into_future(d);
    assert!(poll_once(&mut future).is_ready());
}

fn setup_fired(n: u64) -> (Vec<Deferred<u64>>, Slowdown) {
    warm_await();
    let ds = (0..n)
        .map(|i| {
            let d = Deferred::new();
            d.callback(i).unwrap();
            d
        })
        .collect();
    (ds, Slowdown::from_env())
}

// `.await` of a Deferred that already has its result: into the future, one
// poll, the value out.
#[library_benchmark]
#[bench::ten(args = (SURFACE_N), setup = setup_fired)]
fn await_fired((ds, slow): (Vec<Deferred<u64>>, Slowdown)) -> u64 {
    let mut sum = 0;
    for d in ds {
        slow.op();
        let mut future = std::future::IntoFuture::into_future(d);
        match poll_once(&mut future) {
            std::task::Poll::Ready(Ok(v)) => sum += v,
            _ => panic!("a fired Deferred is ready at once"),
        }
    }
    assert_eq!(sum, SURFACE_N * (SURFACE_N - 1) / 2);
    sum
}

fn setup_await_later(n: u64) -> (Vec<Deferred<u64>>, Slowdown) {
    warm_await();
    setup_fired_later(n)
}

// `.await` of a Deferred fired later: a poll that registers the waker, the
// fire that wakes it, the poll that takes the value.
#[library_benchmark]
#[bench::ten(args = (SURFACE_N), setup = setup_await_later)]
fn await_fired_later((ds, slow): (Vec<Deferred<u64>>, Slowdown)) -> u64 {
    let mut sum = 0;
    for (i, d) in ds.into_iter().enumerate() {
        slow.op();
        let mut future = std::future::IntoFuture::into_future(d.clone());
        assert!(poll_once(&mut future).is_pending(), "not fired yet");
        d.callback(i as u64).unwrap();
        match poll_once(&mut future) {
            std::task::Poll::Ready(Ok(v)) => sum += v,
            _ => panic!("a fired Deferred is ready after its wake-up"),
        }
    }
    assert_eq!(sum, SURFACE_N * (SURFACE_N - 1) / 2);
    sum
}

fn setup_three_pending() -> (Vec<Deferred<u64>>, Slowdown) {
    setup_fired_later(3)
}

// `ensure_deferred` over an async block that awaits three Deferreds, each
// fired after the task is parked on it: the task's polls, its wake-ups
// (inline, by whoever fires) and its result.
#[library_benchmark]
#[bench::three(setup = setup_three_pending, teardown = check_ensure_deferred)]
fn ensure_deferred_awaits((ds, slow): (Vec<Deferred<u64>>, Slowdown)) -> Deferred<u64> {
    let (a, b, c) = (ds[0].clone(), ds[1].clone(), ds[2].clone());
    let task =
        ensure_deferred(async move { Ok::<_, Failure>(a.await? + b.await? * 2 + c.await? * 3) });
    for (i, d) in ds.iter().enumerate() {
        slow.op();
        d.callback(i as u64 + 1).unwrap();
    }
    task
}

fn check_ensure_deferred(task: Deferred<u64>) {
    assert_eq!(task.result().unwrap().unwrap(), 1 + 2 * 2 + 3 * 3);
}

fn setup_clock(n: u64) -> (Clock, u64, Slowdown) {
    let clock = Clock::new();
    // The clock's first timer allocates its table: not per-timeout work.
    clock
        .call_later(Duration::from_secs(1), || ())
        .unwrap()
        .cancel()
        .unwrap();
    (clock, n, Slowdown::from_env())
}

// `add_timeout` set on a pending Deferred, then the result arrives first and
// cancels the timer: the common timeout, on a test clock.
#[library_benchmark]
#[bench::ten(args = (SURFACE_N), setup = setup_clock, teardown = check_no_timers)]
fn timeout_set_cancelled((clock, n, slow): (Clock, u64, Slowdown)) -> Clock {
    for i in 0..n {
        slow.op();
        let d = Deferred::<u64>::new();
        d.add_timeout(Duration::from_secs(5), &clock).unwrap();
        d.callback(black_box(i)).unwrap();
        assert_eq!(d.result().unwrap().unwrap(), i);
    }
    clock
}

fn check_no_timers(clock: Clock) {
    assert!(
        clock.delayed_calls().is_empty(),
        "every timer went with its result"
    );
}

static TICKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn setup_looping(n: u64) -> (Clock, LoopingCall, u64, Slowdown) {
    TICKS.store(0, std::sync::atomic::Ordering::Relaxed);
    let clock = Clock::new();
    let lc = LoopingCall::new(&clock, || {
        TICKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    let _done = lc.start(Duration::from_secs(1), false).unwrap();
    (clock, lc, n, Slowdown::from_env())
}

// A `LoopingCall` ticking on a test clock: each advance expires the timer,
// calls the function and schedules the next call.
#[library_benchmark]
#[bench::ten(args = (SURFACE_N), setup = setup_looping, teardown = check_looping)]
fn looping_call_tick(
    (clock, lc, n, slow): (Clock, LoopingCall, u64, Slowdown),
) -> (Clock, LoopingCall, u64) {
    for _ in 0..n {
        slow.op();
        clock.advance(Duration::from_secs(1));
    }
    (clock, lc, n)
}

fn check_looping((_clock, lc, n): (Clock, LoopingCall, u64)) {
    assert_eq!(
        TICKS.load(std::sync::atomic::Ordering::Relaxed),
        n,
        "one call per interval"
    );
    lc.stop().unwrap();
}

fn setup_lock(n: u64) -> (DeferredLock, u64, Slowdown) {
    (DeferredLock::new(), n, Slowdown::from_env())
}

// `DeferredLock`: an acquire that finds it free and its release, then one
// that waits and is handed the lock by the holder's release.
#[library_benchmark]
#[bench::ten(args = (SURFACE_N), setup = setup_lock)]
fn lock_acquire_release((lock, n, slow): (DeferredLock, u64, Slowdown)) -> DeferredLock {
    for _ in 0..n {
        slow.op();
        let first = lock.acquire();
        let second = lock.acquire();
        assert!(first.result().is_some() && second.result().is_none());
        lock.release().unwrap();
        assert!(second.result().is_some(), "the release handed the lock on");
        lock.release().unwrap();
    }
    assert!(!lock.is_locked());
    lock
}

fn setup_queue(n: u64) -> (DeferredQueue<u64>, u64, Slowdown) {
    (DeferredQueue::new(), n, Slowdown::from_env())
}

// `DeferredQueue`: a put that a waiting get takes at once, and a put that
// waits for a later get.
#[library_benchmark]
#[bench::ten(args = (SURFACE_N), setup = setup_queue)]
fn queue_put_get((queue, n, slow): (DeferredQueue<u64>, u64, Slowdown)) -> DeferredQueue<u64> {
    let mut sum = 0;
    for i in 0..n {
        slow.op();
        let waiting = queue.get().unwrap();
        queue.put(i).unwrap();
        queue.put(i).unwrap();
        let ready = queue.get().unwrap();
        sum += waiting.result().unwrap().unwrap() + ready.result().unwrap().unwrap();
    }
    assert_eq!(sum, n * (n - 1));
    queue
}

// `gather_results` of SURFACE_N pending Deferreds, each fired afterwards.
#[library_benchmark]
#[bench::ten(args = (SURFACE_N), setup = setup_fired_later, teardown = check_gathered)]
fn gather_ten((ds, slow): (Vec<Deferred<u64>>, Slowdown)) -> Deferred<Vec<u64>> {
    let all = gather_results(ds.clone());
    for (i, d) in ds.iter().enumerate() {
        slow.op();
        d.callback(i as u64).unwrap();
    }
    all
}

fn check_gathered(all: Deferred<Vec<u64>>) {
    let want: Vec<u64> = (0..SURFACE_N).collect();
    assert_eq!(all.result().unwrap().unwrap(), want);
}

library_benchmark_group!(
    name = surface,
    benchmarks = [
        await_fired,
        await_fired_later,
        ensure_deferred_awaits,
        timeout_set_cancelled,
        looping_call_tick,
        lock_acquire_release,
        queue_put_get,
        gather_ten
    ]
);

library_benchmark_group!(name = pool, benchmarks = [pool_submit, submit_wake]);

library_benchmark_group!(name = reactor, benchmarks = [call_from_thread_turn]);

library_benchmark_group!(
    name = threads,
    benchmarks = [defer_to_thread_submit, defer_to_thread_deliver]
);

library_benchmark_group!(
    name = chain,
    benchmarks = [
        create_fire,
        create_fire_read,
        create_fire_debugging,
        handlers,
        link_already_fired,
        link_fired_later
    ]
);

main!(
    config = LibraryBenchmarkConfig::default().pass_through_env("DEFERRED_BENCH_SLOWDOWN"),
    library_benchmark_groups = [chain, pool, reactor, threads, surface]
);
