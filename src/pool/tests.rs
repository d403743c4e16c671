//! Unit tests of the thread pool: sizing, naming, panics, stop.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::failure::PanicError;

/// Polls `cond` until it holds; panics after a generous timeout. Tests assert
/// that things happen eventually, never how fast.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A gate that jobs wait at until the test opens it.
#[derive(Clone, Default)]
struct Gate(Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>);

impl Gate {
    fn wait(&self) {
        let (open, cv) = &*self.0;
        let mut open = open.lock().unwrap();
        while !*open {
            open = cv.wait(open).unwrap();
        }
    }
    fn open(&self) {
        let (open, cv) = &*self.0;
        *open.lock().unwrap() = true;
        cv.notify_all();
    }
}

/// Submits `n` jobs that wait for each other, so the pool must run them on
/// `n` threads at once (and then has `n` idle workers).
fn occupy_threads(pool: &ThreadPool, n: usize) {
    let barrier = Arc::new(Barrier::new(n));
    for _ in 0..n {
        let barrier = Arc::clone(&barrier);
        pool.call_in_thread(move || {
            barrier.wait();
        })
        .unwrap();
    }
}

/// Counts a job in the word and pushes it, as `submit` does, but finds it
/// no worker: the state a submit leaves between its push and its
/// `find_worker`, which the tests of the race-only branches set up by hand.
fn queue_by_hand(shared: &Shared, job: impl FnOnce() + Send + 'static) {
    shared.word.fetch_add(ONE_QUEUED, Ordering::AcqRel);
    shared.queue.push(Job::new(job));
}

fn pool(min: usize, max: usize) -> ThreadPool {
    ThreadPool::builder()
        .min_threads(min)
        .max_threads(max)
        .build()
        .unwrap()
}

#[test]
fn build_starts_the_minimum_and_no_more() {
    let pool = pool(2, 5);
    let stats = pool.stats();
    assert_eq!(
        (stats.threads, stats.busy, stats.queued, stats.completed),
        (2, 0, 0, 0)
    );
    eventually("both workers idle", || pool.stats().idle == 2);
}

#[test]
fn threads_start_on_demand_up_to_the_maximum() {
    let pool = pool(0, 3);
    let gate = Gate::default();
    for _ in 0..6 {
        let gate = gate.clone();
        pool.call_in_thread(move || gate.wait()).unwrap();
    }
    eventually("three busy workers", || pool.stats().busy == 3);
    let stats = pool.stats();
    assert_eq!((stats.threads, stats.queued), (3, 3));
    gate.open();
    pool.stop().unwrap();
    assert_eq!(pool.stats().completed, 6);
}

#[test]
fn threads_are_named_prefix_dash_counter() {
    let pool = ThreadPool::builder()
        .max_threads(2)
        .name_prefix("unit")
        .build()
        .unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let names = Arc::new(Mutex::new(Vec::new()));
    for _ in 0..2 {
        let (barrier, names) = (Arc::clone(&barrier), Arc::clone(&names));
        pool.call_in_thread(move || {
            // Both jobs must be running at once, so each has its own thread.
            barrier.wait();
            let name = std::thread::current().name().unwrap().to_owned();
            names.lock().unwrap().push(name);
        })
        .unwrap();
    }
    pool.stop().unwrap();
    let mut names = names.lock().unwrap().clone();
    names.sort();
    assert_eq!(names, ["unit-0", "unit-1"]);
}

/// The defaults are Twisted's reactor pool (`ThreadPool(0, 10)`), and the
/// first worker is `<prefix>-0`, as Twisted's first is `PoolThread-<name>-0`
/// (docs/threads.md says why not `ThreadPool()`'s 5 to 20).
#[test]
fn the_defaults_are_twisteds_reactor_pool_and_names_count_from_zero() {
    let pool = ThreadPool::builder().build().unwrap();
    assert_eq!((pool.min_threads(), pool.max_threads()), (0, 10));
    assert_eq!(pool.stats().threads, 0);
    let (tx, rx) = mpsc::channel();
    pool.call_in_thread(move || {
        tx.send(std::thread::current().name().map(str::to_owned))
            .unwrap();
    })
    .unwrap();
    assert_eq!(rx.recv().unwrap().as_deref(), Some("deferred-pool-0"));
    pool.stop().unwrap();
}

#[test]
fn stack_size_is_accepted_and_jobs_run() {
    let pool = ThreadPool::builder().stack_size(8 << 20).build().unwrap();
    let (tx, rx) = mpsc::channel();
    pool.call_in_thread(move || {
        // Uses more stack than a tiny default would allow, well under 8 MiB.
        let big = [1u8; 1 << 20];
        tx.send(big.iter().map(|&b| b as usize).sum::<usize>())
            .unwrap();
    })
    .unwrap();
    assert_eq!(rx.recv().unwrap(), 1 << 20);
}

#[test]
fn stop_runs_every_queued_job_and_joins_every_thread() {
    let pool = Arc::new(pool(0, 2));
    let gate = Gate::default();
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..2 {
        let (gate, ran) = (gate.clone(), Arc::clone(&ran));
        pool.call_in_thread(move || {
            gate.wait();
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    for _ in 0..50 {
        let ran = Arc::clone(&ran);
        pool.call_in_thread(move || {
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    eventually("both blockers running", || pool.stats().busy == 2);
    assert_eq!(pool.stats().queued, 50);
    let stopper = {
        let pool = Arc::clone(&pool);
        std::thread::spawn(move || pool.stop())
    };
    eventually("stop has begun", || pool.is_stopped());
    assert_eq!(pool.call_in_thread(|| ()), Err(PoolStoppedError));
    gate.open();
    stopper.join().unwrap().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 52);
    let stats = pool.stats();
    assert_eq!(
        stats,
        PoolStats {
            threads: 0,
            idle: 0,
            busy: 0,
            queued: 0,
            completed: 52
        }
    );
}

/// Sets a flag when dropped: shows a refused job is dropped, not kept.
struct DropFlag(Arc<AtomicUsize>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn work_after_stop_is_refused_with_an_error_and_dropped_unrun() {
    let pool = pool(1, 2);
    pool.stop().unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    let ran = Arc::new(AtomicUsize::new(0));
    let (flag, r) = (DropFlag(Arc::clone(&dropped)), Arc::clone(&ran));
    let refused = pool.call_in_thread(move || {
        let _flag = flag;
        r.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(refused, Err(PoolStoppedError));
    let flag = DropFlag(Arc::clone(&dropped));
    let refused = pool.call_in_thread_with_callback(
        move |_: Result<(), Failure>| drop(flag),
        || -> () { unreachable!("refused") },
    );
    assert_eq!(refused, Err(PoolStoppedError));
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert_eq!(
        PoolStoppedError.to_string(),
        "the thread pool is stopped and refuses new work"
    );
}

#[test]
fn stop_is_idempotent_and_concurrent_stops_all_return_after_the_join() {
    let pool = Arc::new(pool(2, 4));
    let stoppers: Vec<_> = (0..3)
        .map(|_| {
            let pool = Arc::clone(&pool);
            std::thread::spawn(move || {
                pool.stop().unwrap();
                pool.stats().threads
            })
        })
        .collect();
    for stopper in stoppers {
        assert_eq!(stopper.join().unwrap(), 0);
    }
    pool.stop().unwrap();
}

#[test]
fn a_panicking_job_becomes_a_failure_and_the_worker_survives() {
    let pool = pool(1, 1);
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    pool.call_in_thread_with_callback(
        move |r: Result<u32, Failure>| tx.send((r, std::thread::current().id())).unwrap(),
        || -> u32 { panic!("job exploded") },
    )
    .unwrap();
    pool.call_in_thread_with_callback(
        move |r| tx2.send((r, std::thread::current().id())).unwrap(),
        || 7u32,
    )
    .unwrap();
    let (first, thread1) = rx.recv().unwrap();
    let failure = first.unwrap_err();
    assert_eq!(
        failure.downcast_ref::<PanicError>().unwrap().message(),
        "job exploded"
    );
    let (second, thread2) = rx.recv().unwrap();
    assert_eq!(second.unwrap(), 7);
    assert_eq!(thread1, thread2, "the same worker ran both");
    // `completed` counts a job once its `on_result` has returned.
    eventually("both jobs counted", || pool.stats().completed == 2);
    assert_eq!(pool.stats().threads, 1);
}

#[test]
fn a_panic_in_call_in_thread_or_in_on_result_is_contained() {
    let pool = pool(1, 1);
    pool.call_in_thread(|| panic!("plain job")).unwrap();
    pool.call_in_thread_with_callback(|_: Result<(), Failure>| panic!("on_result"), || ())
        .unwrap();
    let (tx, rx) = mpsc::channel();
    pool.call_in_thread(move || tx.send(()).unwrap()).unwrap();
    rx.recv().unwrap();
    assert_eq!(pool.stats().threads, 1);
    pool.stop().unwrap();
    assert_eq!(pool.stats().completed, 3);
}

#[test]
fn idle_threads_above_the_minimum_exit_after_keep_alive() {
    let pool = ThreadPool::builder()
        .min_threads(1)
        .max_threads(4)
        .keep_alive(Duration::from_millis(20))
        .build()
        .unwrap();
    occupy_threads(&pool, 4);
    eventually("all four jobs done", || pool.stats().completed == 4);
    eventually("back to the minimum", || pool.stats().threads == 1);
    // The pool still works, and still grows.
    let (tx, rx) = mpsc::channel();
    pool.call_in_thread(move || tx.send(()).unwrap()).unwrap();
    rx.recv().unwrap();
}

#[test]
fn zero_keep_alive_threads_above_the_minimum_exit_as_soon_as_idle() {
    let pool = ThreadPool::builder()
        .min_threads(0)
        .max_threads(2)
        .keep_alive(Duration::ZERO)
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    pool.call_in_thread(move || tx.send(()).unwrap()).unwrap();
    rx.recv().unwrap();
    eventually("no threads left", || pool.stats().threads == 0);
}

#[test]
fn adjust_pool_size_rejects_bad_sizes_and_changes_nothing() {
    let pool = pool(1, 3);
    assert_eq!(
        pool.adjust_pool_size(4, 2),
        Err(PoolSizeError::MinAboveMax { min: 4, max: 2 })
    );
    assert_eq!(pool.adjust_pool_size(0, 0), Err(PoolSizeError::ZeroMax));
    assert_eq!((pool.min_threads(), pool.max_threads()), (1, 3));
    assert_eq!(
        PoolSizeError::MinAboveMax { min: 4, max: 2 }.to_string(),
        "thread pool minimum (4) is above its maximum (2)"
    );
    assert_eq!(
        PoolSizeError::ZeroMax.to_string(),
        "thread pool maximum must be at least 1"
    );
}

#[test]
fn builder_rejects_bad_sizes() {
    assert_eq!(
        ThreadPool::builder()
            .min_threads(2)
            .max_threads(1)
            .build()
            .unwrap_err(),
        PoolSizeError::MinAboveMax { min: 2, max: 1 }
    );
    assert_eq!(
        ThreadPool::builder().max_threads(0).build().unwrap_err(),
        PoolSizeError::ZeroMax
    );
}

#[test]
fn adjust_pool_size_up_starts_the_minimum_and_threads_for_queued_work() {
    let pool = pool(0, 1);
    let gate = Gate::default();
    for _ in 0..3 {
        let gate = gate.clone();
        pool.call_in_thread(move || gate.wait()).unwrap();
    }
    eventually("one busy worker", || pool.stats().busy == 1);
    assert_eq!(pool.stats().queued, 2);
    pool.adjust_pool_size(0, 3).unwrap();
    eventually("queued work picked up", || pool.stats().busy == 3);
    gate.open();
    pool.adjust_pool_size(4, 5).unwrap();
    assert!(pool.stats().threads >= 4);
}

#[test]
fn adjust_pool_size_down_makes_idle_threads_above_the_maximum_exit() {
    let pool = ThreadPool::builder()
        .max_threads(4)
        .keep_alive(Duration::from_secs(3600))
        .build()
        .unwrap();
    occupy_threads(&pool, 4);
    eventually("four idle workers", || pool.stats().idle == 4);
    pool.adjust_pool_size(0, 1).unwrap();
    eventually("one thread left", || pool.stats().threads == 1);
    pool.stop().unwrap();
    assert_eq!(pool.stats().threads, 0);
}

#[test]
fn stop_from_a_worker_is_an_error_not_a_deadlock() {
    let pool = Arc::new(pool(0, 2));
    let (tx, rx) = mpsc::channel();
    let p = Arc::clone(&pool);
    pool.call_in_thread(move || tx.send(p.stop()).unwrap())
        .unwrap();
    assert_eq!(rx.recv().unwrap(), Err(StopFromWorkerError));
    assert!(pool.is_stopped());
    pool.stop().unwrap();
    assert_eq!(pool.stats().threads, 0);
}

#[test]
fn dropping_the_last_handle_on_a_worker_does_not_deadlock() {
    let pool = Arc::new(pool(0, 1));
    let (tx, rx) = mpsc::channel();
    let gate = Gate::default();
    let (p, g) = (Arc::clone(&pool), gate.clone());
    pool.call_in_thread(move || {
        g.wait();
        drop(p); // the last handle: Drop runs stop on this worker
        tx.send(()).unwrap();
    })
    .unwrap();
    drop(pool);
    gate.open();
    rx.recv().unwrap();
}

#[test]
fn stats_count_busy_queued_and_completed() {
    let pool = pool(0, 1);
    let gate = Gate::default();
    let g = gate.clone();
    pool.call_in_thread(move || g.wait()).unwrap();
    pool.call_in_thread(|| ()).unwrap();
    eventually("one busy", || pool.stats().busy == 1);
    let stats = pool.stats();
    assert_eq!(
        (
            stats.threads,
            stats.idle,
            stats.busy,
            stats.queued,
            stats.completed
        ),
        (1, 0, 1, 1, 0)
    );
    gate.open();
    eventually("both done", || pool.stats().completed == 2);
    assert_eq!(pool.stats().queued, 0);
}

#[test]
fn jobs_from_many_threads_all_run_exactly_once() {
    let pool = Arc::new(pool(0, 4));
    let seen = Arc::new(Mutex::new(vec![0u8; 4 * 2000]));
    let submitters: Vec<_> = (0..4)
        .map(|t| {
            let (pool, seen) = (Arc::clone(&pool), Arc::clone(&seen));
            std::thread::spawn(move || {
                for i in 0..2000 {
                    let seen = Arc::clone(&seen);
                    pool.call_in_thread(move || seen.lock().unwrap()[t * 2000 + i] += 1)
                        .unwrap();
                }
            })
        })
        .collect();
    for s in submitters {
        s.join().unwrap();
    }
    pool.stop().unwrap();
    assert!(seen.lock().unwrap().iter().all(|&n| n == 1));
}

#[test]
fn on_result_runs_on_the_worker_that_ran_the_job() {
    let pool = pool(0, 2);
    let (tx, rx) = mpsc::channel();
    pool.call_in_thread_with_callback(
        move |r: Result<std::thread::ThreadId, Failure>| {
            tx.send((r.unwrap(), std::thread::current().id())).unwrap()
        },
        || std::thread::current().id(),
    )
    .unwrap();
    let (job_thread, callback_thread) = rx.recv().unwrap();
    assert_eq!(job_thread, callback_thread);
    assert_ne!(job_thread, std::thread::current().id());
}

#[test]
fn debug_output_shows_the_prefix_and_counters() {
    let pool = ThreadPool::builder().name_prefix("dbg").build().unwrap();
    let text = format!("{pool:?}");
    assert!(text.contains("dbg") && text.contains("threads"), "{text}");
}

/// A stack no address space can hold makes every thread start fail; the
/// pool then runs the job on the submitting thread rather than lose it.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn when_no_thread_can_start_the_job_runs_on_the_submitter_instead_of_being_lost() {
    let pool = ThreadPool::builder().stack_size(1 << 60).build().unwrap();
    let (tx, rx) = mpsc::channel();
    pool.call_in_thread(move || tx.send(std::thread::current().id()).unwrap())
        .unwrap();
    assert_eq!(rx.try_recv().unwrap(), std::thread::current().id());
    let stats = pool.stats();
    assert_eq!((stats.threads, stats.queued, stats.completed), (0, 0, 1));
    pool.stop().unwrap();
}

/// Jobs that a submitter runs because no thread can start are jobs the
/// pool accepted: a `stop` from another thread waits for them, as for a
/// worker's, instead of returning while one still runs (it counted only
/// workers and handles on their way, and the submitter was neither).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn stop_waits_for_the_jobs_a_submitter_runs_when_no_thread_can_start() {
    let pool = Arc::new(ThreadPool::builder().stack_size(1 << 60).build().unwrap());
    let (running_tx, running_rx) = mpsc::channel();
    let (stopped_tx, stopped_rx) = mpsc::channel::<()>();
    let finished = Arc::new(AtomicUsize::new(0));
    let submitter = {
        let (pool, finished) = (Arc::clone(&pool), Arc::clone(&finished));
        std::thread::spawn(move || {
            pool.call_in_thread(move || {
                running_tx.send(()).unwrap();
                // A stop that does not wait for this job returns during
                // this wait (and the check below fails); one that waits
                // returns after it. The bound keeps the right stop from
                // waiting for ever: it is not a timing assertion.
                let _ = stopped_rx.recv_timeout(Duration::from_secs(2));
                finished.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        })
    };
    running_rx.recv().unwrap();
    pool.stop().unwrap();
    let finished_at_stop = finished.load(Ordering::SeqCst);
    let _ = stopped_tx.send(());
    submitter.join().unwrap();
    assert_eq!(
        finished_at_stop, 1,
        "stop returned while a job it accepted still ran"
    );
    assert_eq!(pool.stats().completed, 1);
}

/// A job a submitter runs because no thread can start, stopping its own
/// pool: the stop cannot wait for the job that calls it, so it is refused
/// as from a worker (`StopFromWorkerError`: the pool is stopping), and a
/// `stop` from the same thread once the job is done waits for nothing.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn stop_from_a_job_its_submitter_runs_is_refused_as_from_a_worker() {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let pool = Arc::new(ThreadPool::builder().stack_size(1 << 60).build().unwrap());
        let (inner_tx, inner_rx) = mpsc::channel();
        let inside = Arc::clone(&pool);
        pool.call_in_thread(move || inner_tx.send(inside.stop()).unwrap())
            .unwrap();
        let from_the_job = inner_rx.try_recv().unwrap();
        let stopping = pool.is_stopped();
        tx.send((from_the_job, stopping, pool.stop())).unwrap();
    });
    let outcome = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the job's stop, or the one after it, must not wait for ever");
    assert_eq!(outcome, (Err(StopFromWorkerError), true, Ok(())));
}

#[test]
fn pool_types_are_send_and_sync() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<ThreadPool>();
    is_send_sync::<ThreadPoolBuilder>();
    is_send_sync::<PoolStats>();
    is_send_sync::<PoolStoppedError>();
    is_send_sync::<PoolSizeError>();
}

/// A worker that exits while the pool stays open leaves its handle behind,
/// and the next thread start joins it: churn does not pile up handles (nor
/// exited threads nobody joined). Pins the reaping in
/// `State::reserve_thread`; inverting its `exited.is_empty()` test passed
/// every other test (`cargo xtask mutation`, docs/verification.md).
#[test]
fn handles_of_exited_workers_are_joined_by_the_next_thread_start() {
    let pool = ThreadPool::builder()
        .max_threads(1)
        .keep_alive(Duration::ZERO)
        .build()
        .unwrap();
    for round in 0..10 {
        let (tx, rx) = mpsc::channel();
        pool.call_in_thread(move || tx.send(()).unwrap()).unwrap();
        rx.recv().unwrap();
        eventually("the idle worker exits", || pool.stats().threads == 0);
        // The latest worker's handle, and at most one whose starter had not
        // stored it yet when the next start looked.
        let handles = pool.shared.state.lock().handles.len();
        assert!(
            handles <= 2,
            "round {round}: {handles} handles of exited workers kept"
        );
    }
    pool.stop().unwrap();
    assert!(pool.shared.state.lock().handles.is_empty());
}

/// Dropping a pool stops it: every queued job runs, and every worker thread
/// is joined (it has finished, thread-local destructors included) by the
/// time `drop` returns. Pins `impl Drop for ThreadPool`; a drop that does
/// nothing passed every other test (`cargo xtask mutation`).
#[test]
fn dropping_a_pool_runs_its_queued_jobs_and_joins_every_worker() {
    /// Counts, when its worker thread ends, that the thread ended.
    struct ExitMark(Arc<AtomicUsize>);
    impl Drop for ExitMark {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    thread_local! {
        static MARK: std::cell::RefCell<Option<ExitMark>> = const { std::cell::RefCell::new(None) };
    }
    let exits = Arc::new(AtomicUsize::new(0));
    let ran = Arc::new(AtomicUsize::new(0));
    let workers = Arc::new(Mutex::new(std::collections::HashSet::new()));
    // A long keep-alive: only the drop can make these workers end.
    let pool = ThreadPool::builder()
        .max_threads(3)
        .keep_alive(Duration::from_secs(600))
        .build()
        .unwrap();
    for _ in 0..30 {
        let (exits, ran, workers) = (exits.clone(), ran.clone(), workers.clone());
        pool.call_in_thread(move || {
            MARK.with(|mark| {
                mark.borrow_mut().get_or_insert_with(|| ExitMark(exits));
            });
            workers.lock().unwrap().insert(std::thread::current().id());
            std::thread::sleep(Duration::from_millis(1));
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    drop(pool);
    assert_eq!(ran.load(Ordering::SeqCst), 30, "a queued job did not run");
    let workers = workers.lock().unwrap().len();
    assert!((1..=3).contains(&workers), "{workers} workers");
    assert_eq!(
        exits.load(Ordering::SeqCst),
        workers,
        "a worker was still running after the pool was dropped"
    );
}

/// `min_threads()` and `max_threads()` say what was configured, at build
/// and after `adjust_pool_size`. (A `min_threads()` that always said 1
/// passed every other test: they all build with a minimum of 1.)
#[test]
fn min_and_max_threads_report_the_configured_sizes() {
    let resized = pool(0, 5);
    assert_eq!((resized.min_threads(), resized.max_threads()), (0, 5));
    resized.adjust_pool_size(2, 7).unwrap();
    assert_eq!((resized.min_threads(), resized.max_threads()), (2, 7));
    // A refused resize changes neither.
    assert!(resized.adjust_pool_size(8, 7).is_err());
    assert_eq!((resized.min_threads(), resized.max_threads()), (2, 7));
    let fixed = pool(3, 4);
    assert_eq!((fixed.min_threads(), fixed.max_threads()), (3, 4));
}

// Issue 13 item 8: a pool built unstarted (Twisted's `ThreadPool()` before
// `start()`), which is how the reactor's own pool waits for `run`.

#[test]
fn an_unstarted_pool_queues_jobs_and_starts_no_thread_until_start() {
    let pool = ThreadPool::builder()
        .min_threads(1)
        .max_threads(4)
        .build_unstarted()
        .unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..3 {
        let ran = Arc::clone(&ran);
        pool.call_in_thread(move || {
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    // Deterministic: with no thread, nothing can have run.
    assert!(!pool.is_started());
    let stats = pool.stats();
    assert_eq!((stats.threads, stats.queued, stats.completed), (0, 3, 0));
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    pool.start().unwrap();
    assert!(pool.is_started());
    eventually("the queued jobs run after start", || {
        ran.load(Ordering::SeqCst) == 3
    });
    pool.stop().unwrap();
}

#[test]
fn start_starts_the_minimum_and_threads_for_the_queued_jobs_up_to_the_maximum() {
    let pool = ThreadPool::builder()
        .min_threads(2)
        .max_threads(3)
        .build_unstarted()
        .unwrap();
    let gate = Gate::default();
    for _ in 0..5 {
        let gate = gate.clone();
        pool.call_in_thread(move || gate.wait()).unwrap();
    }
    assert_eq!(pool.stats().threads, 0);
    pool.start().unwrap();
    assert_eq!(pool.stats().threads, 3, "capped at the maximum");
    pool.start().unwrap();
    assert_eq!(pool.stats().threads, 3, "a second start changes nothing");
    gate.open();
    pool.stop().unwrap();
    assert_eq!(pool.stats().completed, 5);
}

/// `start` starts one thread for each queued job no searching or idle
/// worker covers, and no more: one job, one thread, however high the
/// maximum. (`grow_for_queue`'s `searching + idle` turned into `searching *
/// idle` made a pool with no sleeper start a thread per loop while the job
/// stayed queued, up to the maximum, and passed every other test. The first
/// thread may claim the job before the loop looks again, so the mutant is
/// caught most of the time, not every time;
/// `grow_for_queue_starts_no_thread_for_a_job_a_sleeping_worker_covers`
/// catches it every time (short of its sleeper waking spuriously and
/// claiming the job first). The unmutated pool passes always: a thread starts
/// only while more jobs are queued than workers are searching or asleep.)
#[test]
fn start_starts_one_thread_for_one_queued_job() {
    let pool = ThreadPool::builder()
        .max_threads(64)
        .keep_alive(Duration::from_secs(600))
        .build_unstarted()
        .unwrap();
    let gate = Gate::default();
    let waiting = gate.clone();
    pool.call_in_thread(move || waiting.wait()).unwrap();
    pool.start().unwrap();
    let threads = pool.stats().threads;
    // Opened before asserting: a failure must not leave the drop's stop
    // waiting for the gated job (it hung under the mutant until this).
    gate.open();
    assert_eq!(threads, 1, "one job, one thread");
    pool.stop().unwrap();
    assert_eq!(pool.stats().completed, 1);
}

#[test]
fn adjust_pool_size_on_an_unstarted_pool_changes_only_the_numbers() {
    let pool = ThreadPool::builder().build_unstarted().unwrap();
    pool.call_in_thread(|| ()).unwrap();
    pool.adjust_pool_size(2, 4).unwrap();
    assert_eq!((pool.min_threads(), pool.max_threads()), (2, 4));
    assert_eq!(pool.stats().threads, 0);
    pool.start().unwrap();
    assert!(pool.stats().threads >= 2);
    pool.stop().unwrap();
}

/// Issue 17 item 4: a pool that never started runs nothing, as Twisted's
/// (`testCallBeforeStartupUnexecuted`): `stop`, or the drop, drops its
/// queued jobs without running them (each closure dropped once, not
/// leaked), `on_result` is not called, and no thread ever starts. (It used
/// to start the pool to run them.)
#[test]
fn stop_or_drop_of_a_never_started_pool_runs_nothing_and_drops_its_jobs() {
    for drop_it in [false, true] {
        let pool = ThreadPool::builder()
            .min_threads(2)
            .build_unstarted()
            .unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let (ran, guard) = (Arc::clone(&ran), DropCount(Arc::clone(&dropped)));
            pool.call_in_thread(move || {
                let _guard = guard;
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        let (ran2, guard) = (Arc::clone(&ran), DropCount(Arc::clone(&dropped)));
        pool.call_in_thread_with_callback(
            move |_: Result<(), Failure>| {
                let _guard = guard;
                ran2.fetch_add(1, Ordering::SeqCst);
            },
            || (),
        )
        .unwrap();
        if drop_it {
            drop(pool);
        } else {
            pool.stop().unwrap();
            assert_eq!(pool.stats().threads, 0);
            assert_eq!(pool.stats().queued, 0);
            assert_eq!(
                pool.start(),
                Err(PoolStoppedError),
                "a stopped pool never starts"
            );
            pool.stop().unwrap(); // idempotent
        }
        assert_eq!(ran.load(Ordering::SeqCst), 0, "nothing ran");
        assert_eq!(dropped.load(Ordering::SeqCst), 4, "every job dropped once");
    }
}

/// Counts its drops.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A job submitted while the only worker the maximum allows sits idle wakes
/// that worker: it neither waits for the keep-alive to run out nor for a
/// thread the maximum forbids. (A submit that never notified idle workers,
/// `idle > wakeups` turned into `idle < wakeups`, passed every other test:
/// the worker still took the job when its keep-alive wait ended.)
#[test]
fn a_job_for_an_idle_worker_at_the_maximum_wakes_it() {
    let pool = ThreadPool::builder()
        .max_threads(1)
        .keep_alive(Duration::from_secs(600))
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    for i in 0..3 {
        let tx = tx.clone();
        pool.call_in_thread(move || tx.send(i).unwrap()).unwrap();
        // Long before the keep-alive: the submit must have woken the worker.
        let ran = rx.recv_timeout(Duration::from_secs(20));
        assert_eq!(ran, Ok(i), "job {i} waited for an idle worker nobody woke");
        eventually("the worker is idle again", || pool.stats().idle == 1);
    }
}

/// Two jobs that must run at the same time, submitted back to back while one
/// worker sits idle: the first wakes it, and the second, seeing that wakeup
/// counted, starts a second thread instead of counting on the same worker.
/// (Not counting the wakeup, `wakeups += 1` turned into `wakeups *= 1`,
/// passed every other test: the jobs still ran, one after the other.)
#[test]
fn jobs_submitted_to_one_idle_worker_get_a_thread_each_when_they_need_one() {
    let pool = ThreadPool::builder()
        .max_threads(2)
        .keep_alive(Duration::from_secs(600))
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    pool.call_in_thread(move || tx.send(()).unwrap()).unwrap();
    rx.recv_timeout(Duration::from_secs(20)).unwrap();
    eventually("the first worker is idle", || pool.stats().idle == 1);
    // Each job waits (a bounded time, so that a broken pool fails the test
    // instead of hanging it) until both are running.
    let running = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    for _ in 0..2 {
        let (running, tx) = (running.clone(), tx.clone());
        pool.call_in_thread(move || {
            running.fetch_add(1, Ordering::SeqCst);
            let deadline = Instant::now() + Duration::from_secs(10);
            while running.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            let met = running.load(Ordering::SeqCst) >= 2;
            tx.send(met).unwrap();
        })
        .unwrap();
    }
    for _ in 0..2 {
        let met = rx.recv_timeout(Duration::from_secs(60)).unwrap();
        assert!(met, "the two jobs never ran at the same time");
    }
    assert_eq!(pool.stats().threads, 2);
}

/// The calling thread's nice value and scheduling policy (Linux: fields 19
/// and 41 of `/proc/thread-self/stat`; policy 0 is `SCHED_OTHER`, 5
/// `SCHED_IDLE`).
#[cfg(target_os = "linux")]
fn own_nice_and_policy() -> (i64, u32) {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    // Fields after the command name (which may hold spaces) start at field 3.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    (
        fields[19 - 3].parse().unwrap(),
        fields[41 - 3].parse().unwrap(),
    )
}

/// `worker_priority`: `Lowered` workers run ten steps of nice below the
/// thread that built the pool (at most 19, the lowest), never above it,
/// whatever nice the test process started at (CI runs the suite under
/// `nice -n 15` too, where nice 10 outright would raise the workers above
/// the thread that hands them work); `Idle` ones under `SCHED_IDLE`, at the
/// nice value they inherited; `Normal` ones (the default) at the priority
/// of the thread that built the pool. A worker that a `Lowered` worker's
/// job starts (the pool grows from inside a job) is lowered from the
/// building thread, not lowered twice.
#[cfg(target_os = "linux")]
#[test]
fn workers_run_at_the_priority_the_builder_names() {
    let mine = own_nice_and_policy();
    let lowered = ((mine.0 + 10).min(19), mine.1);
    let of_a_worker = |builder: crate::ThreadPoolBuilder| {
        let pool = builder.build().unwrap();
        let (tx, rx) = mpsc::channel();
        pool.call_in_thread(move || tx.send(own_nice_and_policy()).unwrap())
            .unwrap();
        let seen = rx.recv().unwrap();
        pool.stop().unwrap();
        seen
    };
    let with = |priority| ThreadPool::builder().worker_priority(priority);
    assert_eq!(of_a_worker(ThreadPool::builder()), mine);
    assert_eq!(of_a_worker(with(WorkerPriority::Normal)), mine);
    assert_eq!(of_a_worker(with(WorkerPriority::Lowered)), lowered);
    assert_eq!(of_a_worker(with(WorkerPriority::Idle)), (mine.0, 5));

    // The second worker starts from inside the first one's job (which
    // waits for the second job, so the pool must grow).
    let pool = Arc::new(
        with(WorkerPriority::Lowered)
            .min_threads(0)
            .max_threads(2)
            .build()
            .unwrap(),
    );
    let (tx, rx) = mpsc::channel();
    let inner = Arc::clone(&pool);
    pool.call_in_thread(move || {
        let (tx2, rx2) = mpsc::channel();
        inner
            .call_in_thread(move || tx2.send(own_nice_and_policy()).unwrap())
            .unwrap();
        tx.send((own_nice_and_policy(), rx2.recv().unwrap()))
            .unwrap();
    })
    .unwrap();
    assert_eq!(rx.recv().unwrap(), (lowered, lowered));
    pool.stop().unwrap();
}

/// An `Idle` worker keeps the nice value it inherited even when that is
/// above 0: `thread-priority` sets nice 0 with `SCHED_IDLE`, and the worker
/// puts its inherited value back. The pool is built from a thread that
/// lowered itself first (Linux's nice is per thread), so this holds at any
/// nice the suite starts at, not only under CI's `nice -n 15` (cargo-mutants
/// found `set_idle`'s policy check and restore unguarded at nice 0).
#[cfg(target_os = "linux")]
#[test]
fn an_idle_worker_keeps_a_positive_nice_it_inherited() {
    std::thread::spawn(|| {
        let start = own_nice_and_policy().0;
        let target = (start + 5).min(19);
        rustix::process::setpriority_process(None, target as i32).unwrap();
        assert_eq!(own_nice_and_policy().0, target, "the thread lowered itself");
        let pool = ThreadPool::builder()
            .worker_priority(WorkerPriority::Idle)
            .build()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        pool.call_in_thread(move || tx.send(own_nice_and_policy()).unwrap())
            .unwrap();
        let seen = rx.recv().unwrap();
        pool.stop().unwrap();
        assert_eq!(seen, (target, 5), "SCHED_IDLE at the inherited nice");
    })
    .join()
    .unwrap();
}

/// The nice value of a `Lowered` worker, from the building thread's and
/// the one it inherited: ten below the builder, capped at 19, never above
/// what it inherited (so never above the builder).
#[cfg(target_os = "linux")]
#[test]
fn a_lowered_worker_never_runs_above_the_building_thread() {
    use super::priority::lowered_nice;
    assert_eq!(lowered_nice(0, 0), 10);
    assert_eq!(lowered_nice(15, 15), 19);
    assert_eq!(lowered_nice(19, 19), 19);
    assert_eq!(lowered_nice(-5, -5), 5);
    // Started by a thread lowered further than the target: stays there.
    assert_eq!(lowered_nice(0, 12), 12);
    assert_eq!(lowered_nice(i32::MAX, 0), 19);
    for builder in -20..=19 {
        for own in builder..=19 {
            let nice = lowered_nice(builder, own);
            assert!(
                nice >= own && nice >= builder && nice <= 19,
                "{builder} {own}"
            );
        }
    }
}

/// `stop` on a worker is refused (it cannot join itself) even after another
/// worker has exited: each exiting worker forgets only its own thread id.
/// (Forgetting every id but its own, `*id != me` turned into `*id == me`,
/// passed every other test; here the remaining worker's `stop` would wait
/// for itself forever.)
#[test]
fn stop_on_a_worker_is_refused_after_another_worker_exited() {
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(2)
            .keep_alive(Duration::from_secs(600))
            .build()
            .unwrap(),
    );
    occupy_threads(&pool, 2);
    eventually("two idle workers", || pool.stats().idle == 2);
    let (gate, (tx, rx)) = (Gate::default(), mpsc::channel());
    {
        let (p, g) = (Arc::clone(&pool), gate.clone());
        pool.call_in_thread(move || {
            g.wait();
            tx.send(p.stop()).unwrap();
        })
        .unwrap();
    }
    eventually("one busy worker", || pool.stats().busy == 1);
    // Shrinking to one thread makes the idle worker exit.
    pool.adjust_pool_size(0, 1).unwrap();
    eventually("the idle worker exited", || pool.stats().threads == 1);
    gate.open();
    let refused = rx.recv_timeout(Duration::from_secs(20));
    assert_eq!(
        refused,
        Ok(Err(StopFromWorkerError)),
        "stop on a worker waited for itself"
    );
    pool.stop().unwrap();
    assert_eq!(pool.stats().threads, 0);
}

/// Shrinking the maximum below the threads running: once they finish their
/// jobs, the queued jobs run on at most the new maximum at a time (a worker
/// above the maximum claims no job, it exits; issue 21: cargo-mutants made
/// the `ABOVE_MAX` flag 0 and no test noticed). Each queued job waits up to
/// 1 s for a second one to start beside it; none may.
#[test]
fn queued_jobs_run_within_a_lowered_maximum() {
    let pool = ThreadPool::builder()
        .max_threads(2)
        .keep_alive(Duration::from_secs(600))
        .build()
        .unwrap();
    let started = Arc::new(Barrier::new(3));
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Arc::new(Mutex::new(release_rx));
    for _ in 0..2 {
        let (started, release) = (Arc::clone(&started), Arc::clone(&release_rx));
        pool.call_in_thread(move || {
            started.wait();
            let _ = release.lock().unwrap().recv();
        })
        .unwrap();
    }
    started.wait();
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    for _ in 0..4 {
        let (running, most, done) = (Arc::clone(&running), Arc::clone(&most), done_tx.clone());
        pool.call_in_thread(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            let until = Instant::now() + Duration::from_secs(1);
            while running.load(Ordering::SeqCst) < 2 && Instant::now() < until {
                std::thread::yield_now();
            }
            most.fetch_max(running.load(Ordering::SeqCst), Ordering::SeqCst);
            running.fetch_sub(1, Ordering::SeqCst);
            done.send(()).unwrap();
        })
        .unwrap();
    }
    pool.adjust_pool_size(0, 1).unwrap();
    release_tx.send(()).unwrap();
    release_tx.send(()).unwrap();
    for _ in 0..4 {
        done_rx.recv().unwrap();
    }
    assert_eq!(
        most.load(Ordering::SeqCst),
        1,
        "queued jobs ran side by side"
    );
    pool.stop().unwrap();
}

/// A thread start joins only the handles of workers that exited: with one
/// worker gone idle and the other running a job, the start of a new one
/// joins the gone one's thread, never the running one's (issue 21:
/// cargo-mutants made `reserve_thread`'s `*i == gone` into `!=` and no
/// test noticed; the submit then waited for a running worker to exit).
/// The submit runs on a thread of its own, so that such a wait fails the
/// test instead of hanging it.
#[test]
fn a_thread_start_joins_only_exited_workers_never_a_running_one() {
    let pool = Arc::new(
        ThreadPool::builder()
            .min_threads(1)
            .max_threads(2)
            .keep_alive(Duration::ZERO)
            .build()
            .unwrap(),
    );
    occupy_threads(&pool, 2);
    eventually(
        "both jobs ran and the worker above the minimum exited",
        || {
            let stats = pool.stats();
            stats.completed == 2 && stats.threads == 1
        },
    );
    let gate = Gate::default();
    let (started_tx, started_rx) = mpsc::channel();
    {
        let gate = gate.clone();
        pool.call_in_thread(move || {
            started_tx.send(()).unwrap();
            gate.wait();
        })
        .unwrap();
    }
    started_rx.recv().unwrap();
    // The one worker left is busy: this job needs a new thread.
    let (ran_tx, ran_rx) = mpsc::channel();
    let submitter = {
        let pool = Arc::clone(&pool);
        std::thread::spawn(move || {
            pool.call_in_thread(move || ran_tx.send(()).unwrap())
                .unwrap();
        })
    };
    let ran = ran_rx.recv_timeout(Duration::from_secs(20));
    gate.open();
    assert!(
        ran.is_ok(),
        "starting a thread waited for a running worker to exit"
    );
    submitter.join().unwrap();
    pool.stop().unwrap();
}

/// After a worker exits above a lowered maximum with jobs queued and no
/// worker asleep, the next job submitted to the worker left, once it
/// sleeps, still wakes it (issue 21: cargo-mutants made `cover_locked`'s
/// `idle > 0` into `== 0` and no test noticed; it then counted a call to a
/// sleeper that did not exist, and no submit called one again).
#[test]
fn a_job_after_an_exit_above_a_lowered_maximum_wakes_the_worker_left() {
    let pool = ThreadPool::builder()
        .max_threads(2)
        .keep_alive(Duration::from_secs(600))
        .build()
        .unwrap();
    let gate = Gate::default();
    let started = Arc::new(Barrier::new(3));
    for _ in 0..2 {
        let (gate, started) = (gate.clone(), Arc::clone(&started));
        pool.call_in_thread(move || {
            started.wait();
            gate.wait();
        })
        .unwrap();
    }
    started.wait();
    let (done_tx, done_rx) = mpsc::channel();
    for _ in 0..2 {
        let done = done_tx.clone();
        pool.call_in_thread(move || done.send(()).unwrap()).unwrap();
    }
    pool.adjust_pool_size(0, 1).unwrap();
    gate.open();
    for _ in 0..2 {
        done_rx.recv().unwrap();
    }
    eventually("one worker left, asleep", || {
        let state = pool.shared.state.lock();
        state.threads == 1 && state.idle == 1
    });
    pool.call_in_thread(move || done_tx.send(()).unwrap())
        .unwrap();
    assert!(
        done_rx.recv_timeout(Duration::from_secs(20)).is_ok(),
        "a job submitted to a sleeping worker did not run"
    );
    pool.stop().unwrap();
}

/// `cover_locked`'s rule, on a pool with no worker (never started) and a
/// sleeper counted by hand: it calls a sleeper (counts one call) only when
/// more jobs are queued than workers search, a sleeper is counted, and no
/// call is outstanding. Its callers reach it with a sleeper only in a race
/// (a worker exits above a lowered maximum while a sleeper that
/// `adjust_pool_size` woke has not yet taken the lock back), so the rule is
/// pinned here (issue 21: cargo-mutants changed each of its tests, and its
/// count, and no test noticed; a call counted twice, or for no sleeper,
/// leaves `wakeups` stuck above zero and no submit calls a sleeper again).
#[test]
fn cover_locked_calls_a_sleeper_only_for_a_job_no_worker_is_coming_for() {
    let pool = ThreadPool::builder().build_unstarted().unwrap();
    let shared = &pool.shared;
    let cover = |idle: usize, wakeups: usize| {
        let mut state = shared.state.lock();
        state.idle = idle;
        state.wakeups = wakeups;
        shared.cover_locked(&mut state);
        let after = state.wakeups;
        state.idle = 0;
        state.wakeups = 0;
        shared.sync_flags(&state);
        after
    };
    // Nothing queued: no call.
    assert_eq!(cover(1, 0), 0);
    pool.call_in_thread(|| ()).unwrap();
    // One job queued, no searcher: call the sleeper, once.
    assert_eq!(cover(1, 0), 1);
    // A call outstanding already: no second one.
    assert_eq!(cover(1, 1), 1);
    // No sleeper: nobody to call.
    assert_eq!(cover(0, 0), 0);
    pool.stop().unwrap();
}

/// `find_worker` at the maximum starts no thread, even for a job nobody is
/// coming for: the pool's one thread busy on a gated job, a second job
/// counted and pushed by hand (what a submit does that read the word, with
/// `CAN_GROW` set, before that thread was counted: only such a race brings
/// a submit to `find_worker` at the maximum), then `find_worker` called as
/// that submit would. The job waits for the busy worker, which takes it
/// after its own. (Issue 21: cargo-mutants turned `may_grow() && threads <
/// max` into `||`, and `<` into `<=`, and no test noticed: the extra thread
/// saw `ABOVE_MAX` and exited at once. `next_index` counts every thread
/// ever reserved, so the check does not depend on when that thread runs.)
#[test]
fn find_worker_at_the_maximum_starts_no_thread_for_a_queued_job() {
    let pool = ThreadPool::builder()
        .max_threads(1)
        .keep_alive(Duration::from_secs(600))
        .build()
        .unwrap();
    let shared = &pool.shared;
    let gate = Gate::default();
    let waiting = gate.clone();
    let (ran_tx, ran_rx) = mpsc::channel();
    let running = ran_tx.clone();
    pool.call_in_thread(move || {
        running.send("first").unwrap();
        waiting.wait();
    })
    .unwrap();
    // The worker has claimed the first job: it is busy, neither searching
    // nor asleep, and the only thread the maximum allows.
    assert_eq!(ran_rx.recv_timeout(Duration::from_secs(20)), Ok("first"));
    queue_by_hand(shared, move || ran_tx.send("second").unwrap());
    shared.find_worker();
    let (reserved, threads) = {
        let state = shared.state.lock();
        (state.next_index, state.threads)
    };
    // Opened before asserting, so that a failure does not leave the drop's
    // stop waiting for the gated job.
    gate.open();
    assert_eq!(
        (reserved, threads),
        (1, 1),
        "find_worker started a thread above the maximum"
    );
    assert_eq!(ran_rx.recv_timeout(Duration::from_secs(20)), Ok("second"));
    pool.stop().unwrap();
    assert_eq!(pool.stats().completed, 2);
    assert_eq!(shared.state.lock().next_index, 1, "one thread, ever");
}

/// `grow_for_queue` starts no thread for a job a sleeping worker covers:
/// one worker asleep (at the minimum, so without a keep-alive timeout), one
/// job counted and pushed by hand (a submit that has not yet called the
/// sleeper, as `adjust_pool_size`, `start` or `stop` may find it), then
/// `grow_for_queue` called: one job, one idle worker, no thread starts; the
/// call the submit then makes wakes the sleeper for it. (Issue 21:
/// `searching + idle` turned into `searching * idle`, 0 here, started a
/// thread; `start_starts_one_thread_for_one_queued_job` caught it only
/// when the loop looked again before the first thread claimed its job. If
/// the sleeper wakes spuriously it becomes a searcher, which covers the job
/// the same way (searching 1, idle 0: `*` gives 0 again), or claims it, and
/// then nothing is uncovered: the unmutated pool passes either way.)
#[test]
fn grow_for_queue_starts_no_thread_for_a_job_a_sleeping_worker_covers() {
    let pool = pool(1, 2);
    let shared = &pool.shared;
    // Asleep, not merely searching (design note 6: it spins first).
    eventually("the worker sleeps", || shared.state.lock().idle == 1);
    let (ran_tx, ran_rx) = mpsc::channel();
    queue_by_hand(shared, move || ran_tx.send(()).unwrap());
    shared.grow_for_queue();
    assert_eq!(
        shared.state.lock().next_index,
        1,
        "grow_for_queue started a thread for a job a sleeper covers"
    );
    shared.find_worker();
    assert_eq!(ran_rx.recv_timeout(Duration::from_secs(20)), Ok(()));
    pool.stop().unwrap();
    assert_eq!(shared.state.lock().next_index, 1, "one thread, ever");
}

/// `grow_for_queue` counts each searching and each sleeping worker as
/// covering one queued job, added: with three workers searching, two
/// asleep and six jobs queued, one job is uncovered and exactly one thread
/// starts for it. (`searching * idle`, 6 here, started none: the other
/// direction of the mutant the test above catches.) Real searchers do not
/// hold still (they claim a job or sleep within microseconds), so the
/// three are counted by hand and taken back before the jobs run. The jobs
/// wait at a gate, so a worker that claims one stays busy: a sleeper woken
/// spuriously, or called by the chain wake, moves from idle to searching
/// and then takes one job and leaves the searchers, so one job stays
/// uncovered whatever the sleepers do, and the unmutated pool always
/// starts its one thread (the maximum allows no second).
#[test]
fn grow_for_queue_counts_searchers_and_sleepers_added_not_multiplied() {
    const SEARCHERS: u64 = 3;
    let pool = pool(2, 3);
    let shared = &pool.shared;
    eventually("both workers sleep", || shared.state.lock().idle == 2);
    let gate = Gate::default();
    let ran = Arc::new(AtomicUsize::new(0));
    shared
        .word
        .fetch_add(SEARCHERS * ONE_SEARCHING, Ordering::AcqRel);
    for _ in 0..6 {
        let (gate, ran) = (gate.clone(), Arc::clone(&ran));
        queue_by_hand(shared, move || {
            gate.wait();
            ran.fetch_add(1, Ordering::SeqCst);
        });
    }
    shared.grow_for_queue();
    let reserved = shared.state.lock().next_index;
    // The searchers counted by hand leave; the workers' own counts are
    // theirs to change, so the count never goes below what they added.
    shared
        .word
        .fetch_sub(SEARCHERS * ONE_SEARCHING, Ordering::AcqRel);
    // Opened before asserting, so that a failure does not leave the drop's
    // stop waiting for the gated jobs.
    gate.open();
    assert_eq!(
        reserved, 3,
        "grow_for_queue did not start one thread for the one uncovered job"
    );
    pool.stop().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 6);
    assert_eq!(shared.state.lock().next_index, 3);
}

/// `submit` leaves a job to a searching worker (design note 2: it will
/// claim a job and look behind it) and starts no thread for it, even where
/// one could start. The searcher is counted by hand (a real one claims a
/// job or sleeps within microseconds), in a pool with no thread yet, so
/// nothing but `submit` could start one: two jobs submitted while it is
/// counted start none (`next_index` counts every thread ever reserved).
/// Once the searcher is taken back, `find_worker`, as that searcher's chain
/// wake would call it, starts the one thread, which runs both jobs.
#[test]
fn submit_leaves_jobs_to_a_searching_worker_and_starts_no_thread() {
    let pool = pool(0, 1);
    let shared = &pool.shared;
    shared.word.fetch_add(ONE_SEARCHING, Ordering::AcqRel);
    let (ran_tx, ran_rx) = mpsc::channel();
    for _ in 0..2 {
        let ran_tx = ran_tx.clone();
        pool.call_in_thread(move || ran_tx.send(()).unwrap())
            .unwrap();
    }
    let reserved = shared.state.lock().next_index;
    shared.word.fetch_sub(ONE_SEARCHING, Ordering::AcqRel);
    shared.find_worker();
    for _ in 0..2 {
        assert_eq!(ran_rx.recv_timeout(Duration::from_secs(20)), Ok(()));
    }
    assert_eq!(
        reserved, 0,
        "submit started a thread for a job a searching worker covers"
    );
    pool.stop().unwrap();
    assert_eq!(shared.state.lock().next_index, 1, "one thread, ever");
}

/// `submit` calls the sleeper of a pool that may still grow: one worker
/// asleep at the minimum (so without a keep-alive timeout), room for a
/// second, nothing queued and nobody searching, so the word holds exactly
/// `SLEEPERS | CAN_GROW`. A submitted job must run. (Issue 21, stop 29: the
/// wake test `before & (SLEEPERS | CAN_GROW) != 0` with its `&` → `^` is
/// false for exactly that word, so the job was queued with nobody called
/// and waited for ever; pools whose sleepers have a keep-alive timeout, or
/// that may not grow, hid it: their sleeper wakes on its own, or the word
/// differs.)
#[test]
fn a_submit_calls_the_sleeper_of_a_pool_that_may_still_grow() {
    let pool = pool(1, 2);
    let shared = &pool.shared;
    eventually(
        "one sleeper, room to grow, nothing queued or searching",
        || shared.word.load(Ordering::Acquire) == SLEEPERS | CAN_GROW,
    );
    let (ran_tx, ran_rx) = mpsc::channel();
    pool.call_in_thread(move || ran_tx.send(()).unwrap())
        .unwrap();
    assert_eq!(
        ran_rx.recv_timeout(Duration::from_secs(20)),
        Ok(()),
        "the job was queued and no worker called for it"
    );
    pool.stop().unwrap();
}
