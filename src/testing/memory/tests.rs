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
