//! Model 12: time on the real reactor path. `add_timeout` with a zero
//! timeout (due at once, so the reactor needs no timed wait, which loom
//! cannot time out) races a fire from another thread.
//!
//! Whatever the interleaving, the Deferred fires once, its handlers run
//! once, and the timer acts only if it came first: if the result reached
//! the timeout's handler first, the timer's firing is a no-op; if the timer
//! came first, its cancel never reaches past the timeout's handler (here:
//! never cancels the Deferred that a later handler waits on).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use deferred::{Deferred, Failure, Reactor, ReactorTime, ThreadPool, TimeoutError};
use loom::thread;

use crate::support::{model, tag};
use deferred::testing::LoggedFailures;

/// A pool that never starts a worker here (nothing is submitted).
fn idle_pool() -> ThreadPool {
    ThreadPool::builder().max_threads(1).build().unwrap()
}

/// What happened, in order (std: see `support`).
type Seen = Arc<Mutex<Vec<String>>>;

fn push(seen: &Seen, what: String) {
    seen.lock().unwrap().push(what);
}

/// `add_timeout_with(ZERO)` on the reactor races `callback(7)` from another
/// thread. After the timeout, a handler waits on `inner`, which the model
/// holds (an operation in flight) and whose canceller records a cancel.
#[test]
fn timeout_racing_a_fire_from_another_thread() {
    static OUTCOMES: Mutex<[usize; 3]> = Mutex::new([0; 3]);
    model(|| {
        let reports = LoggedFailures::guard();
        let reactor = Reactor::with_thread_pool(idle_pool());
        let seen: Seen = Arc::default();
        let d = Deferred::<i64>::new();
        let s = Arc::clone(&seen);
        d.add_timeout_with(Duration::ZERO, &reactor, move |result, _| {
            push(&s, format!("on timeout {:?}", result.as_ref().map_err(tag)));
            // Twisted's default: a CancelledError becomes a TimeoutError.
            match result {
                Err(f) if f.check::<deferred::CancelledError>() => {
                    Err(Failure::new(TimeoutError::new(Duration::ZERO)))
                }
                other => other,
            }
        })
        .unwrap();
        let s = Arc::clone(&seen);
        let inner = Deferred::<i64>::with_canceller(move |_| push(&s, "inner cancelled".into()));
        let (s, i) = (Arc::clone(&seen), inner.clone());
        d.add_callbacks(
            move |v| {
                push(&s, format!("callback {v}"));
                i
            },
            |f: Failure| -> Result<i64, Failure> { Err(f) },
        );
        let s = Arc::clone(&seen);
        d.add_errback(move |f: Failure| {
            push(
                &s,
                format!(
                    "errback {}",
                    if f.check::<TimeoutError>() {
                        "Timeout"
                    } else {
                        tag(&f)
                    }
                ),
            );
            -1
        });

        let firer = {
            let (d, r) = (d.clone(), reactor.clone());
            thread::spawn(move || {
                let fired = d.callback(7);
                let r2 = r.clone();
                r.call_from_thread(move || r2.stop().unwrap()).unwrap();
                fired
            })
        };
        reactor.run().unwrap();
        // The fire always returns Ok: it won, or it is the late fire that
        // the timeout's cancel (a Deferred without canceller) excuses.
        firer
            .join()
            .unwrap()
            .expect("the fire is accepted or excused");

        let seen = seen.lock().unwrap().clone();
        let expected: [&[&str]; 3] = [
            // The result reached the timeout's handler first.
            &["callback 7"],
            // The timer came first and its cancel fired the Deferred.
            &["on timeout Err(\"Cancelled\")", "errback Timeout"],
            // The timer came first, but the fire got there before its
            // cancel: the cancel is a no-op, the value goes on.
            &["on timeout Ok(7)", "callback 7"],
        ];
        let outcome = expected.iter().position(|e| seen == *e);
        let outcome = outcome.unwrap_or_else(|| panic!("unexpected events {seen:?}"));
        OUTCOMES.lock().unwrap()[outcome] += 1;
        assert!(
            !inner.is_called(),
            "the timer cancelled past its handler: {seen:?}"
        );
        assert!(reactor.delayed_calls().is_empty());
        drop((d, inner));
        assert_eq!(reports.flush_all().len(), 0);
    });
    // The model reaches all three: it does race the timer and the fire.
    let outcomes = *OUTCOMES.lock().unwrap();
    println!("outcomes (result first, timer first, timer first but fire before its cancel): {outcomes:?}");
    assert!(
        outcomes.iter().all(|n| *n > 0),
        "not every outcome reached: {outcomes:?}"
    );
}

/// Model 12b: `LoopingCall::stop` on one thread races the clock running the
/// loop's due call on another (a `testing::Clock`, whose lock comes from
/// `src/sync.rs`, so the race is the one the reactor's own timer path has,
/// without the timed wait loom cannot expire). Whatever the interleaving:
/// the function runs at most once, and never after the `start` Deferred
/// fired (a call the clock took while `stop` cancelled it finds a stale
/// ticket and does nothing); that Deferred fires once, with the loop;
/// nothing is left pending on the clock; the loop is not running.
#[test]
fn looping_call_stop_racing_its_due_call() {
    use deferred::{testing::Clock, LoopingCall, LoopingCallError};

    static OUTCOMES: Mutex<[usize; 2]> = Mutex::new([0; 2]);
    model(|| {
        let clock = Arc::new(Clock::new());
        let seen: Seen = Arc::default();
        let s = Arc::clone(&seen);
        let lc = LoopingCall::new(&*clock, move || push(&s, "call".into()));
        let done = lc.start(Duration::from_secs(1), false).unwrap();
        let s = Arc::clone(&seen);
        done.add_callback(move |lc: LoopingCall| {
            push(&s, "done".into());
            lc
        });

        let ticker = {
            let clock = Arc::clone(&clock);
            thread::spawn(move || clock.advance(Duration::from_secs(1)))
        };
        lc.stop().unwrap();
        ticker.join().unwrap();

        let seen = seen.lock().unwrap().clone();
        let expected: [&[&str]; 2] = [&["done"], &["call", "done"]];
        let outcome = expected.iter().position(|e| seen == *e);
        let outcome = outcome.unwrap_or_else(|| panic!("unexpected events {seen:?}"));
        OUTCOMES.lock().unwrap()[outcome] += 1;
        assert!(!lc.is_running());
        assert!(
            clock.delayed_calls().is_empty(),
            "a call left pending after stop"
        );
        assert_eq!(lc.stop(), Err(LoopingCallError::NotRunning));
    });
    // Both sides of the race are reached: stopped first, and called first.
    let outcomes = *OUTCOMES.lock().unwrap();
    println!("outcomes (stopped before the call, called before the stop): {outcomes:?}");
    assert!(
        outcomes.iter().all(|n| *n > 0),
        "not every outcome reached: {outcomes:?}"
    );
}

/// Model 12c: `LoopingCall::reset` on one thread races the clock running
/// the loop's due call on another (a `testing::Clock`, as 12b; issue 17
/// asks for a stop racing a tick, and a reset is the stop that goes on:
/// it stales the taken call's ticket and schedules afresh). Whatever the
/// interleaving: the function runs at most once; exactly one call is left
/// pending on the clock, at 2 s (a call the clock took while the reset
/// replaced it does nothing, and schedules nothing); the loop runs on, one
/// call per interval, and stops with nothing left.
#[test]
fn looping_call_reset_racing_its_due_call() {
    use deferred::{testing::Clock, LoopingCall};

    static OUTCOMES: Mutex<[usize; 2]> = Mutex::new([0; 2]);
    model(|| {
        let clock = Arc::new(Clock::new());
        let seen: Seen = Arc::default();
        let s = Arc::clone(&seen);
        let lc = LoopingCall::new(&*clock, move || push(&s, "call".into()));
        let _done = lc.start(Duration::from_secs(1), false).unwrap();

        let ticker = {
            let clock = Arc::clone(&clock);
            thread::spawn(move || clock.advance(Duration::from_secs(1)))
        };
        lc.reset().unwrap();
        ticker.join().unwrap();

        let calls = seen.lock().unwrap().len();
        assert!(calls <= 1, "the function ran {calls} times");
        OUTCOMES.lock().unwrap()[calls] += 1;
        assert!(lc.is_running());
        let pending = clock.delayed_calls();
        assert_eq!(pending.len(), 1, "calls left pending: {pending:?}");
        // At 2 s whatever the order: a reset before the advance moved the
        // clock scheduled for 1 s, which the advance ran (the one call),
        // rescheduling for 2 s; a reset after it scheduled for 2 s.
        assert_eq!(pending[0].time(), Duration::from_secs(2));
        clock.advance(Duration::from_secs(1));
        assert_eq!(seen.lock().unwrap().len(), calls + 1);
        assert_eq!(clock.delayed_calls().len(), 1);
        lc.stop().unwrap();
        assert!(clock.delayed_calls().is_empty());
    });
    // Both sides of the race are reached: reset first, and called first.
    let outcomes = *OUTCOMES.lock().unwrap();
    println!("outcomes (reset before the call, called before the reset): {outcomes:?}");
    assert!(
        outcomes.iter().all(|n| *n > 0),
        "not every outcome reached: {outcomes:?}"
    );
}
