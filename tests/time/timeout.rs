//! `Deferred::add_timeout` (Twisted's `Deferred.addTimeout`;
//! test_defer.DeferredAddTimeoutTests).

use std::time::Duration;

use deferred::testing::Clock;
use deferred::{Deferred, Failure};

use crate::{name, outcome, secs, yes, Events, ValueError};

/// Twisted's tests' `_overrideFunc`.
fn overridden(_result: Result<String, Failure>, _timeout: Duration) -> String {
    "OVERRIDDEN".to_owned()
}

/// Adds the timeout, with the custom handler or not.
fn add(d: &Deferred<String>, clock: &Clock, custom: bool) {
    if custom {
        d.add_timeout_with(secs(10), clock, overridden).unwrap();
    } else {
        d.add_timeout(secs(10), clock).unwrap();
    }
}

/// test_timeoutChainable.
#[test]
fn timeout_is_chainable() {
    let events = Events::new();
    let d = Deferred::<String>::new();
    d.add_timeout(secs(5), &Clock::new())
        .unwrap()
        .add_callback(|_| "done".to_owned());
    d.callback("x".into()).unwrap();
    events.log(outcome(&d));
    events.assert_twisted("timeout_is_chainable");
}

fn result_before_timeout(custom: bool, scenario: &str) {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::new();
    add(&d, &clock, custom);
    let inner = Deferred::<String>::new();
    let (e, i) = (events.clone(), inner.clone());
    d.add_callback(move |result| {
        e.log(format!("callback {result}"));
        i
    });
    d.callback("results".into()).unwrap();
    events.log(format!("pending {}", clock.delayed_calls().len()));
    clock.advance(secs(15));
    events.log(format!("inner called {}", yes(inner.is_called())));
    events.assert_twisted(scenario);
}

/// test_successResultBeforeTimeout: no cancel after the result, which
/// would cancel the inner Deferred.
#[test]
fn result_before_timeout_cancels_the_timer() {
    result_before_timeout(false, "result_before_timeout_cancels_the_timer");
}

/// test_successResultBeforeTimeoutCustom.
#[test]
fn result_before_timeout_cancels_the_timer_custom() {
    result_before_timeout(true, "result_before_timeout_cancels_the_timer_custom");
}

fn failure_before_timeout(custom: bool, scenario: &str) {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::new();
    add(&d, &clock, custom);
    let inner = Deferred::<String>::new();
    let (e, i) = (events.clone(), inner.clone());
    d.add_errback(move |f: Failure| {
        e.log(format!("errback {}", name(&f)));
        i
    });
    d.errback(ValueError).unwrap();
    events.log(format!("pending {}", clock.delayed_calls().len()));
    clock.advance(secs(15));
    events.log(format!("inner called {}", yes(inner.is_called())));
    events.assert_twisted(scenario);
}

/// test_failureBeforeTimeout.
#[test]
fn failure_before_timeout_cancels_the_timer() {
    failure_before_timeout(false, "failure_before_timeout_cancels_the_timer");
}

/// test_failureBeforeTimeoutCustom.
#[test]
fn failure_before_timeout_cancels_the_timer_custom() {
    failure_before_timeout(true, "failure_before_timeout_cancels_the_timer_custom");
}

/// test_timedOut.
#[test]
fn timed_out_fails_with_timeout_error() {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::new();
    add(&d, &clock, false);
    events.log(format!("called {}", yes(d.is_called())));
    clock.advance(secs(9));
    events.log(format!("called {}", yes(d.is_called())));
    clock.advance(secs(1));
    events.log(outcome(&d));
    events.assert_twisted("timed_out_fails_with_timeout_error");
}

/// test_timedOutCustom.
#[test]
fn timed_out_custom_returns_its_value() {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::new();
    add(&d, &clock, true);
    events.log(format!("called {}", yes(d.is_called())));
    clock.advance(secs(15));
    events.log(outcome(&d));
    events.assert_twisted("timed_out_custom_returns_its_value");
}

/// test_timedOutProvidedCancelSuccess.
#[test]
fn timed_out_canceller_value_wins() {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::with_canceller(|c| c.callback("I was cancelled!".into()).unwrap());
    add(&d, &clock, false);
    clock.advance(secs(15));
    events.log(outcome(&d));
    events.assert_twisted("timed_out_canceller_value_wins");
}

/// test_timedOutProvidedCancelFailure.
#[test]
fn timed_out_canceller_failure_wins() {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::with_canceller(|c| c.errback(ValueError).unwrap());
    add(&d, &clock, false);
    clock.advance(secs(15));
    events.log(outcome(&d));
    events.assert_twisted("timed_out_canceller_failure_wins");
}

fn cancel_before_timeout(custom: bool, scenario: &str) {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::new();
    add(&d, &clock, custom);
    let inner = Deferred::<String>::new();
    let (e, i) = (events.clone(), inner.clone());
    d.add_errback(move |f: Failure| {
        e.log(format!("errback {}", name(&f)));
        i
    });
    d.cancel();
    events.log(format!("pending {}", clock.delayed_calls().len()));
    clock.advance(secs(15));
    events.log(format!("inner called {}", yes(inner.is_called())));
    events.assert_twisted(scenario);
}

/// test_cancelBeforeTimeout.
#[test]
fn cancel_before_timeout_stays_cancelled() {
    cancel_before_timeout(false, "cancel_before_timeout_stays_cancelled");
}

/// test_cancelBeforeTimeoutCustom.
#[test]
fn cancel_before_timeout_stays_cancelled_custom() {
    cancel_before_timeout(true, "cancel_before_timeout_stays_cancelled_custom");
}

/// A `CancelledError` the timeout did not cause stays one, and the timer goes.
#[test]
fn a_cancel_that_was_not_the_timeouts_is_a_cancelled_error() {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::new();
    add(&d, &clock, false);
    d.cancel();
    events.log(outcome(&d));
    events.log(format!("pending {}", clock.delayed_calls().len()));
    events.assert_twisted("a_cancel_that_was_not_the_timeouts_is_a_cancelled_error");
}

/// test_providedCancelCalledBeforeTimeoutCustom.
#[test]
fn canceller_failure_then_custom_handler() {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::with_canceller(|c| c.errback(ValueError).unwrap());
    add(&d, &clock, true);
    clock.advance(secs(15));
    events.log(outcome(&d));
    events.assert_twisted("canceller_failure_then_custom_handler");
}

fn errback_added_before_timeout(suppress: bool, custom: bool, scenario: &str) {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::new();
    let e = events.clone();
    d.add_errback(move |f: Failure| {
        e.log(format!("errback {}", name(&f)));
        if suppress {
            f.trap::<deferred::CancelledError>()
                .map(|_| "recovered".to_owned())
        } else {
            Err(f)
        }
    });
    add(&d, &clock, custom);
    clock.advance(secs(15));
    events.log(outcome(&d));
    events.assert_twisted(scenario);
}

/// test_errbackAddedBeforeTimeout.
#[test]
fn errback_added_before_timeout_sees_cancelled() {
    errback_added_before_timeout(false, false, "errback_added_before_timeout_sees_cancelled");
}

/// test_errbackAddedBeforeTimeoutSuppressesCancellation.
#[test]
fn errback_added_before_timeout_may_suppress() {
    errback_added_before_timeout(true, false, "errback_added_before_timeout_may_suppress");
}

/// test_errbackAddedBeforeTimeoutCustom.
#[test]
fn errback_added_before_timeout_custom() {
    errback_added_before_timeout(false, true, "errback_added_before_timeout_custom");
}

/// test_errbackAddedBeforeTimeoutSuppressesCancellationCustom.
#[test]
fn errback_added_before_timeout_may_suppress_custom() {
    errback_added_before_timeout(
        true,
        true,
        "errback_added_before_timeout_may_suppress_custom",
    );
}

fn callback_added_to_canceller_first(custom: bool, scenario: &str) {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::with_canceller(|c| c.callback("success".into()).unwrap());
    let e = events.clone();
    d.add_callback(move |value| {
        e.log(format!("callback {value}"));
        value
    });
    add(&d, &clock, custom);
    clock.advance(secs(15));
    events.log(outcome(&d));
    events.assert_twisted(scenario);
}

/// test_callbackAddedToCancelerBeforeTimeout.
#[test]
fn callback_added_to_canceller_before_timeout() {
    callback_added_to_canceller_first(false, "callback_added_to_canceller_before_timeout");
}

/// test_callbackAddedToCancelerBeforeTimeoutCustom.
#[test]
fn callback_added_to_canceller_before_timeout_custom() {
    callback_added_to_canceller_first(true, "callback_added_to_canceller_before_timeout_custom");
}

/// A Deferred waiting on another when the time is up: the cancel goes to
/// the inner one, and its `CancelledError` arrives as a `TimeoutError`.
#[test]
fn timeout_while_waiting_cancels_the_inner_deferred() {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<String>::new();
    let e = events.clone();
    let inner = Deferred::<String>::with_canceller(move |_| e.log("inner cancelled"));
    let operation = inner.clone(); // what would fire it holds it
    d.add_callback(move |_| inner);
    add(&d, &clock, false);
    d.callback("x".into()).unwrap();
    clock.advance(secs(10));
    events.log(outcome(&d));
    events.assert_twisted("timeout_while_waiting_cancels_the_inner_deferred");
    drop(operation);
}

/// Fired but paused when the timer fires: the cancel does nothing, but the
/// timeout came first, so the handler's timeout side sees the value.
#[test]
fn timer_firing_while_paused_counts_as_timed_out() {
    let events = Events::new();
    for custom in [false, true] {
        let clock = Clock::new();
        let d = Deferred::<String>::new();
        add(&d, &clock, custom);
        d.pause();
        d.callback("value".into()).unwrap();
        clock.advance(secs(10));
        d.unpause().unwrap();
        events.log(outcome(&d));
    }
    events.assert_twisted("timer_firing_while_paused_counts_as_timed_out");
}
