//! The seed document's Fibonacci example (examples/fibonacci.rs) as a test
//! on the memory reactor (`deferred::testing::MemoryReactor`): the same
//! functions, written against `ReactorThreads` and `ReactorTime`, run on
//! it with time and the pool's work moved by the test alone, so every run
//! gives the same event log, tick for tick, in microseconds; and they run
//! unchanged on the real `Reactor`.
//!
//! The work is F(100) in a `u128` (the example computes F(10000) a hundred
//! times, to make the stall visible in real time; on a virtual clock the
//! order of events shows it, whatever the work costs).

#![cfg(not(deferred_loom))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use deferred::testing::{assert_no_result, success_result_of, MemoryReactor};
use deferred::{defer_to_thread, react, Deferred, LoopingCall, ReactorThreads, ReactorTime};

/// Which Fibonacci number.
const TARGET: usize = 100;

/// F(100).
const F100: u128 = 354_224_848_179_261_915_075;

/// The ticker's period.
const TICK: Duration = Duration::from_millis(1);

/// The seed document's loop, `progress(i)` every 10 iterations.
fn fibonacci(mut progress: impl FnMut(usize)) -> u128 {
    let (mut first, mut second) = (0u128, 1u128);
    for i in 0..TARGET - 1 {
        let new = first + second;
        first = std::mem::replace(&mut second, new);
        if i % 10 == 0 {
            progress(i);
        }
    }
    second
}

/// An ordered event log, stamped with the reactor's time in ms.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn at(&self, clock: &impl ReactorTime, event: impl std::fmt::Display) {
        let ms = clock.now().as_millis();
        self.0.lock().unwrap().push(format!("{ms:>3} ms {event}"));
    }

    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A 1 ms ticker logging each tick.
fn ticker<C: ReactorTime + Clone + 'static>(clock: &C, log: &Log) -> LoopingCall {
    let (c, l) = (clock.clone(), log.clone());
    let ticker = LoopingCall::new(clock, move || l.at(&c, "tick"));
    let _done = ticker.start(TICK, true).unwrap();
    ticker
}

/// Moves time on `ms` ticks, one at a time (a single big `advance` would
/// run a `LoopingCall` once for all the ticks it skipped, as Twisted's does).
fn tick_for(reactor: &MemoryReactor, ms: usize) {
    reactor.clock().pump(&vec![TICK; ms]);
}

/// The first half: a function that does all the work before it returns a
/// fired Deferred.
fn large_fibonacci_number_blocking(clock: &impl ReactorTime, log: &Log) -> Deferred<u128> {
    let d = Deferred::new();
    let result = fibonacci(|i| {
        if i % 50 == 0 {
            log.at(clock, format!("progress {i}"));
        }
    });
    d.callback(result).unwrap();
    d
}

/// The second half: the same work through `defer_to_thread`, on any
/// reactor; the callback logs the result.
fn large_fibonacci_number_threaded<R>(reactor: &R, log: &Log) -> Deferred<u128>
where
    R: ReactorThreads + ReactorTime + Clone + 'static,
{
    let d = defer_to_thread(reactor, || fibonacci(|_| ()));
    let (r, l) = (reactor.clone(), log.clone());
    d.add_callback(move |n: u128| {
        l.at(&r, format!("result F({TARGET}) = {n}"));
        n
    });
    log.at(reactor, "1st line after the addition of the callback");
    d
}

/// Part 1 on the memory reactor: ticks, and at 2 ms the blocking call in a
/// timer; its callback runs inside `add_callback`, before the next tick.
fn blocking_half() -> Vec<String> {
    let reactor = MemoryReactor::new();
    let log = Log::default();
    let ticker = ticker(&reactor, &log);
    let (r, l) = (reactor.clone(), log.clone());
    reactor
        .call_later(Duration::from_millis(2), move || {
            let d = large_fibonacci_number_blocking(&r, &l);
            l.at(&r, format!("state before any callback: {:?}", d.state()));
            let (r2, l2) = (r.clone(), l.clone());
            d.add_callback(move |n: u128| {
                l2.at(&r2, format!("result F({TARGET}) = {n}"));
                n
            });
            l.at(&r, "add_callback returned");
        })
        .unwrap();
    tick_for(&reactor, 3);
    ticker.stop().unwrap();
    log.all()
}

/// Part 2 on the memory reactor: the job waits while the ticker turns
/// (ticks 3 to 5), runs when the test says, and its result arrives at the
/// next run of the calls.
fn threaded_half() -> Vec<String> {
    let reactor = MemoryReactor::new();
    let log = Log::default();
    let ticker = ticker(&reactor, &log);
    tick_for(&reactor, 2);
    let d = large_fibonacci_number_threaded(&reactor, &log);
    tick_for(&reactor, 3);
    assert_no_result(&d);
    assert!(reactor.run_one_job(), "the work waited for the test");
    assert_no_result(&d); // done, but not delivered yet
    log.at(&reactor, "work done in the pool");
    tick_for(&reactor, 1);
    assert_eq!(reactor.run_calls(), 1);
    ticker.stop().unwrap();
    assert_eq!(success_result_of(&d), F100);
    log.all()
}

#[test]
fn the_blocking_half_runs_all_its_work_between_two_ticks() {
    assert_eq!(
        blocking_half(),
        [
            "  0 ms tick",
            "  1 ms tick",
            // The call scheduled at 0 ms runs before the tick scheduled at
            // 1 ms for the same time (ties run in scheduling order): the
            // work, and the callback inside add_callback, all at once.
            "  2 ms progress 0",
            "  2 ms progress 50",
            "  2 ms state before any callback: Fired",
            "  2 ms result F(100) = 354224848179261915075",
            "  2 ms add_callback returned",
            "  2 ms tick",
            "  3 ms tick",
        ]
    );
}

#[test]
fn the_threaded_half_keeps_the_ticker_turning_while_the_work_waits() {
    assert_eq!(
        threaded_half(),
        [
            "  0 ms tick",
            "  1 ms tick",
            "  2 ms tick",
            "  2 ms 1st line after the addition of the callback",
            "  3 ms tick",
            "  4 ms tick",
            "  5 ms tick",
            "  5 ms work done in the pool",
            "  6 ms tick",
            "  6 ms result F(100) = 354224848179261915075",
        ]
    );
}

#[test]
fn both_halves_are_exactly_repeatable() {
    let (blocking, threaded) = (blocking_half(), threaded_half());
    for _ in 0..100 {
        assert_eq!(blocking_half(), blocking);
        assert_eq!(threaded_half(), threaded);
    }
}

#[test]
fn the_threaded_half_runs_unchanged_on_the_real_reactor() {
    let log = Log::default();
    let result = react(|reactor| large_fibonacci_number_threaded(reactor, &log));
    assert_eq!(result.unwrap(), F100);
    let events = log.all();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events[1].ends_with("result F(100) = 354224848179261915075"));
}
