//! The memory reactor: nothing runs before the test says, everything runs
//! on the test's thread in a fixed order, and `defer_to_thread` works on
//! it unchanged.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::testing::{assert_no_result, failure_result_of, success_result_of, ErrorType};
use crate::{defer_to_thread, defer_to_thread_pool, Deferred, LoopingCall, PanicError, ThreadPool};

/// An ordered event log for handlers.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, event: impl Into<String>) {
        self.0.lock().unwrap().push(event.into());
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[test]
fn a_job_runs_only_when_the_test_says_and_its_result_comes_back_as_a_call() {
    let reactor = MemoryReactor::new();
    let log = Log::default();
    let (l, r) = (log.clone(), reactor.clone());
    let d = defer_to_thread(&reactor, move || {
        l.push("job");
        assert!(
            r.is_in_reactor_thread(),
            "the job runs on the test's thread"
        );
        7
    });
    let (l, r) = (log.clone(), reactor.clone());
    d.add_callback(move |n: i32| {
        l.push(format!("callback {n}"));
        assert!(r.is_in_reactor_thread());
        n
    });
    assert_eq!((reactor.pending_jobs(), reactor.pending_calls()), (1, 0));
    assert_no_result(&d);
    assert!(log.take().is_empty());
    assert!(reactor.run_one_job());
    assert_eq!(log.take(), ["job"]);
    assert_eq!((reactor.pending_jobs(), reactor.pending_calls()), (0, 1));
    assert_no_result(&d);
    assert_eq!(reactor.run_calls(), 1);
    assert_eq!(log.take(), ["callback 7"]);
    assert_eq!(success_result_of(&d), 7);
    assert!(!reactor.run_one_job());
}

#[test]
fn run_until_idle_runs_calls_then_jobs_in_a_fixed_order() {
    let reactor = MemoryReactor::new();
    let log = Log::default();
    for tag in ["a", "b"] {
        let (l, r) = (log.clone(), reactor.clone());
        let d = defer_to_thread(&reactor, move || {
            l.push(format!("job {tag}"));
            let l = l.clone();
            r.call_from_thread(move || l.push(format!("call from job {tag}")))
                .unwrap();
            tag
        });
        let l = log.clone();
        d.add_callback(move |t: &str| {
            l.push(format!("result {t}"));
            t
        });
    }
    let l = log.clone();
    reactor
        .call_from_thread(move || l.push("first call"))
        .unwrap();
    assert_eq!(reactor.run_until_idle(), 7);
    assert_eq!(
        log.take(),
        [
            "first call",
            "job a",
            "call from job a",
            "result a",
            "job b",
            "call from job b",
            "result b"
        ]
    );
}

#[test]
fn a_job_returning_a_deferred_delivers_its_result_on_the_reactor_thread() {
    let reactor = MemoryReactor::new();
    let inner = Deferred::<u8>::new();
    let i = inner.clone();
    let d: Deferred<u8> = defer_to_thread(&reactor, move || i);
    reactor.run_until_idle();
    assert_no_result(&d);
    inner.callback(3).unwrap();
    reactor.run_until_idle();
    assert_eq!(success_result_of(&d), 3);
}

#[test]
fn calls_from_other_threads_wait_for_the_test() {
    let reactor = MemoryReactor::new();
    let ran_on = Arc::new(Mutex::new(None));
    let (r, seen) = (reactor.clone(), Arc::clone(&ran_on));
    std::thread::spawn(move || {
        assert!(!r.is_in_reactor_thread());
        r.call_from_thread(move || *seen.lock().unwrap() = Some(std::thread::current().id()))
            .unwrap();
    })
    .join()
    .unwrap();
    assert!(ran_on.lock().unwrap().is_none());
    assert_eq!(reactor.run_calls(), 1);
    assert_eq!(*ran_on.lock().unwrap(), Some(std::thread::current().id()));
}

#[test]
fn a_real_pool_with_the_memory_reactor_brings_the_result_back_as_a_call() {
    let reactor = MemoryReactor::new();
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let d = defer_to_thread_pool(&reactor, &pool, || 5u8);
    // The worker queues the result; it waits for the test (no timing in
    // the assertion: we wait for the call to be there, however long).
    while reactor.pending_calls() == 0 {
        std::thread::yield_now();
    }
    assert_no_result(&d);
    reactor.run_calls();
    assert_eq!(success_result_of(&d), 5);
    pool.stop().unwrap();
}

#[test]
fn a_stopped_memory_reactor_refuses_calls_and_jobs() {
    let reactor = MemoryReactor::new();
    assert!(!reactor.is_stopped(), "a new one is running");
    reactor.stop();
    assert!(reactor.is_stopped());
    assert_eq!(reactor.call_from_thread(|| ()), Err(ReactorError::Stopped));
    assert_eq!(reactor.call_in_thread(|| ()), Err(PoolStoppedError));
    let d = defer_to_thread(&reactor, || 1u8);
    failure_result_of(&d, &[ErrorType::of::<PoolStoppedError>()]);
    assert_eq!(reactor.run_until_idle(), 0);
}

#[test]
fn a_job_stopped_out_of_its_reactor_fires_in_place() {
    let reactor = MemoryReactor::new();
    let d = defer_to_thread(&reactor, || 9u8);
    reactor.stop();
    assert!(reactor.run_one_job());
    assert_eq!(reactor.pending_calls(), 0);
    assert_eq!(success_result_of(&d), 9);
}

#[test]
fn a_panicking_job_fails_its_deferred() {
    let reactor = MemoryReactor::new();
    let d: Deferred<u8> = defer_to_thread(&reactor, || -> u8 { panic!("boom") });
    reactor.run_until_idle();
    let failure = failure_result_of(&d, &[ErrorType::of::<PanicError>()]);
    assert!(failure.to_string().contains("boom"), "{failure}");
}

#[test]
fn timers_run_on_its_clock_only_when_advanced() {
    let reactor = MemoryReactor::new();
    let log = Log::default();
    let l = log.clone();
    let ticker = LoopingCall::new(&reactor, move || l.push("tick"));
    let done = ticker.start(Duration::from_secs(1), false).unwrap();
    reactor.advance(Duration::from_millis(999));
    assert!(log.take().is_empty());
    reactor.advance(Duration::from_millis(1));
    assert_eq!(log.take(), ["tick"]);
    assert_eq!(reactor.now(), Duration::from_secs(1));
    assert_eq!(reactor.delayed_calls().len(), 1);
    ticker.stop().unwrap();
    success_result_of(&done);
}

#[test]
fn code_taking_dyn_reactor_threads_runs_on_both_reactors() {
    fn work(reactor: &dyn ReactorThreads) -> Deferred<u32> {
        defer_to_thread(reactor, || 2 + 2)
    }
    let memory = MemoryReactor::new();
    let d = work(&memory);
    memory.run_until_idle();
    assert_eq!(success_result_of(&d), 4);

    let real = crate::Reactor::new();
    let d = work(&real);
    let r = real.clone();
    d.add_both(move |x| {
        r.stop().unwrap();
        x
    });
    real.run().unwrap();
    assert_eq!(success_result_of(&d), 4);
}

#[test]
fn run_one_call_runs_the_oldest_call_only_and_says_whether_there_was_one() {
    let reactor = MemoryReactor::new();
    assert!(!reactor.run_one_call());
    let log = Log::default();
    for name in ["first", "second"] {
        let l = log.clone();
        reactor.call_from_thread(move || l.push(name)).unwrap();
    }
    assert!(reactor.run_one_call());
    assert_eq!(log.take(), ["first"]);
    assert_eq!(reactor.pending_calls(), 1);
    assert!(reactor.run_one_call());
    assert_eq!(log.take(), ["second"]);
    assert!(!reactor.run_one_call());
}

/// Sets its flag when dropped (the future or call it lives in was dropped).
struct SetOnDrop(Arc<std::sync::atomic::AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

fn flag() -> Arc<std::sync::atomic::AtomicBool> {
    Arc::new(std::sync::atomic::AtomicBool::new(false))
}

fn is_set(flag: &Arc<std::sync::atomic::AtomicBool>) -> bool {
    flag.load(std::sync::atomic::Ordering::SeqCst)
}

/// An async task on the memory reactor, step by step: every poll (the first
/// too) is a call that waits for the test, a wake-up from a fire queues the
/// next one rather than polling inline, and the polls run on the test's
/// thread.
#[test]
fn a_spawned_task_is_polled_only_when_the_test_runs_its_calls() {
    let reactor = MemoryReactor::new();
    let log = Log::default();
    let input = Deferred::<u32>::new();
    let (l, r, awaited) = (log.clone(), reactor.clone(), input.clone());
    let d: Deferred<u32> = reactor.spawn(async move {
        l.push("polled");
        assert!(r.is_in_reactor_thread());
        let n = awaited.await?;
        l.push(format!("got {n}"));
        Ok::<_, crate::Failure>(n + 1)
    });
    assert!(log.take().is_empty(), "not polled before the test says");
    assert_eq!(reactor.pending_calls(), 1);
    assert!(reactor.run_one_call());
    assert_eq!(log.take(), ["polled"]);
    assert_eq!(reactor.pending_calls(), 0, "suspended on `input`");
    input.callback(41).unwrap();
    assert!(
        log.take().is_empty(),
        "the wake-up queues a poll, not runs one"
    );
    assert_no_result(&d);
    assert_eq!(reactor.pending_calls(), 1);
    assert_eq!(reactor.run_calls(), 1);
    assert_eq!(log.take(), ["got 41"]);
    assert_eq!(success_result_of(&d), 42);
}

/// A wake-up from another thread queues the poll too; it runs on the test's
/// thread, when the test says.
#[test]
fn a_task_woken_from_another_thread_is_polled_on_the_test_thread() {
    let reactor = MemoryReactor::new();
    let (tx, rx) = futures::channel::oneshot::channel::<u8>();
    let r = reactor.clone();
    let d: Deferred<(u8, bool)> = Deferred::from_future(&reactor, async move {
        let n = rx.await.unwrap();
        (n, r.is_in_reactor_thread())
    });
    assert_eq!(reactor.run_calls(), 1);
    std::thread::spawn(move || tx.send(5).unwrap())
        .join()
        .unwrap();
    assert_no_result(&d);
    assert_eq!(reactor.run_calls(), 1);
    assert_eq!(success_result_of(&d), (5, true));
}

/// `from_future` on the memory reactor: cancel drops the future.
#[test]
fn cancelling_a_from_future_task_on_the_memory_reactor_drops_the_future() {
    let reactor = MemoryReactor::new();
    let dropped = flag();
    let guard = SetOnDrop(Arc::clone(&dropped));
    // The sender stays with the test: the receiver keeps the task's waker.
    let (_tx, rx) = futures::channel::oneshot::channel::<u8>();
    let d: Deferred<u8> = Deferred::from_future(&reactor, async move {
        let _guard = guard;
        rx.await.unwrap()
    });
    reactor.run_calls();
    assert!(!is_set(&dropped));
    d.cancel();
    assert!(is_set(&dropped));
    failure_result_of(&d, &[ErrorType::of::<crate::CancelledError>()]);
}

/// After `stop`: a task's wake-up can no longer be queued, so its Deferred
/// fails with `Stopped` and its future is dropped; a poll queued before the
/// stop still runs when the test says; a spawn after the stop fails at once.
#[test]
fn a_stopped_memory_reactor_fails_the_tasks_that_wake_after_the_stop() {
    let reactor = MemoryReactor::new();
    let dropped = flag();
    let guard = SetOnDrop(Arc::clone(&dropped));
    let input = Deferred::<u8>::new();
    let awaited = input.clone();
    let woken_late: Deferred<u8> = reactor.spawn(async move {
        let _guard = guard;
        awaited.await
    });
    let queued: Deferred<u8> = reactor.spawn(async { 3 });
    assert!(reactor.run_one_call()); // `woken_late` waits on `input` now
    reactor.stop();
    assert_eq!(reactor.run_calls(), 1, "the poll queued before the stop");
    assert_eq!(success_result_of(&queued), 3);
    input.callback(1).unwrap();
    assert_eq!(
        failure_result_of(&woken_late, &[ErrorType::of::<ReactorError>()])
            .downcast_ref::<ReactorError>(),
        Some(&ReactorError::Stopped)
    );
    assert!(is_set(&dropped));
    for late in [
        reactor.spawn(async { 1u8 }),
        Deferred::from_future(&reactor, async { 1u8 }),
    ] {
        assert_eq!(
            failure_result_of(&late, &[ErrorType::of::<ReactorError>()])
                .downcast_ref::<ReactorError>(),
            Some(&ReactorError::Stopped)
        );
    }
    assert_eq!(reactor.pending_calls(), 0);
}

/// A task holds its memory reactor weakly: dropping the last handle frees
/// the reactor (its queue, with the task's poll in it) though the task
/// lives on; the dropped poll, and a later wake-up, fail the task with
/// `Stopped`, its future dropped.
#[test]
fn a_task_does_not_keep_its_memory_reactor_alive() {
    // A poll queued when the reactor goes.
    let reactor = MemoryReactor::new();
    let (queue_dropped, future_dropped) = (flag(), flag());
    let guard = SetOnDrop(Arc::clone(&future_dropped));
    let d: Deferred<u8> = reactor.spawn(async move {
        let _guard = guard;
        7
    });
    let marker = SetOnDrop(Arc::clone(&queue_dropped));
    reactor.call_from_thread(move || drop(marker)).unwrap();
    drop(reactor);
    assert!(is_set(&queue_dropped), "the reactor was freed");
    assert!(is_set(&future_dropped));
    assert_eq!(
        failure_result_of(&d, &[ErrorType::of::<ReactorError>()]).downcast_ref::<ReactorError>(),
        Some(&ReactorError::Stopped)
    );

    // A task suspended when the reactor goes, woken after.
    let reactor = MemoryReactor::new();
    let (queue_dropped, future_dropped) = (flag(), flag());
    let guard = SetOnDrop(Arc::clone(&future_dropped));
    let input = Deferred::<u8>::new();
    let awaited = input.clone();
    let d: Deferred<u8> = reactor.spawn(async move {
        let _guard = guard;
        awaited.await
    });
    reactor.run_calls();
    let marker = SetOnDrop(Arc::clone(&queue_dropped));
    reactor.call_from_thread(move || drop(marker)).unwrap();
    drop(reactor);
    assert!(is_set(&queue_dropped), "the reactor was freed");
    assert!(!is_set(&future_dropped), "the task lives on, suspended");
    input.callback(1).unwrap();
    assert!(is_set(&future_dropped));
    assert_eq!(
        failure_result_of(&d, &[ErrorType::of::<ReactorError>()]).downcast_ref::<ReactorError>(),
        Some(&ReactorError::Stopped)
    );
}

/// The same function spawns on both reactors, through the trait.
#[test]
fn code_taking_reactor_threads_spawns_on_both_reactors() {
    fn doubled(reactor: &(impl ReactorThreads + Clone + 'static)) -> Deferred<u32> {
        let r = reactor.clone();
        reactor.spawn(async move {
            let n: u32 = defer_to_thread(&r, || 21).await?;
            assert!(r.is_in_reactor_thread());
            Ok::<_, crate::Failure>(n * 2)
        })
    }
    let memory = MemoryReactor::new();
    let d = doubled(&memory);
    memory.run_until_idle();
    assert_eq!(success_result_of(&d), 42);

    let real = crate::Reactor::new();
    let d = doubled(&real);
    let r = real.clone();
    d.add_both(move |x| {
        r.stop().unwrap();
        x
    });
    real.run().unwrap();
    assert_eq!(success_result_of(&d), 42);
}

/// Through a `dyn ReactorThreads` too (`from_future` takes it as is;
/// `spawn`, generic, through a reference to it: `(&reactor).spawn`).
#[test]
fn code_taking_dyn_reactor_threads_spawns_and_adapts_futures() {
    fn both(reactor: &dyn ReactorThreads) -> (Deferred<u8>, Deferred<u8>) {
        (
            (&reactor).spawn(async { 1u8 }),
            Deferred::from_future(reactor, async { 2u8 }),
        )
    }
    let memory = MemoryReactor::new();
    let (spawned, adapted) = both(&memory);
    assert_eq!(memory.run_calls(), 2);
    assert_eq!(success_result_of(&spawned), 1);
    assert_eq!(success_result_of(&adapted), 2);
}

/// Through `dyn ReactorThreads` (the boxed methods, which generic code
/// reaches): a call and a job queue as from the inherent methods, the
/// thread test answers for the caller's thread, and after the stop both
/// are refused.
#[test]
fn through_dyn_reactor_threads_it_queues_calls_and_jobs_and_knows_its_thread() {
    let reactor = MemoryReactor::new();
    let threads: &dyn ReactorThreads = &reactor;
    let log = Log::default();
    let l = log.clone();
    threads
        .call_from_thread_boxed(Box::new(move || l.push("call")))
        .unwrap();
    let l = log.clone();
    threads
        .call_in_thread_boxed(Box::new(move || l.push("job")))
        .unwrap();
    assert_eq!((reactor.pending_calls(), reactor.pending_jobs()), (1, 1));
    assert_eq!(reactor.run_until_idle(), 2);
    assert_eq!(log.take(), ["call", "job"]);
    assert!(threads.is_in_reactor_thread());
    std::thread::scope(|s| {
        s.spawn(|| assert!(!threads.is_in_reactor_thread()))
            .join()
            .unwrap();
    });
    reactor.stop();
    assert_eq!(
        threads.call_from_thread_boxed(Box::new(|| ())),
        Err(ReactorError::Stopped)
    );
    assert_eq!(
        threads.call_in_thread_boxed(Box::new(|| ())),
        Err(PoolStoppedError)
    );
}

/// Its `Debug` shows the clock's time, what is queued and whether it is
/// stopped.
#[test]
fn its_debug_shows_the_time_the_queues_and_the_stop() {
    let reactor = MemoryReactor::new();
    assert_eq!(
        format!("{reactor:?}"),
        "MemoryReactor { now: 0ns, pending_calls: 0, pending_jobs: 0, stopped: false }"
    );
    reactor.advance(Duration::from_secs(2));
    reactor.call_from_thread(|| ()).unwrap();
    reactor.call_in_thread(|| ()).unwrap();
    reactor.call_in_thread(|| ()).unwrap();
    reactor.stop();
    assert_eq!(
        format!("{reactor:?}"),
        "MemoryReactor { now: 2s, pending_calls: 1, pending_jobs: 2, stopped: true }"
    );
}
