//! `defer_later` (Twisted's `task.deferLater`; test_task.DeferLaterTests).

use deferred::testing::Clock;
use deferred::{defer_later, Deferred};

use crate::{ms, outcome, secs, yes, Events, ValueError};

/// test_callback.
#[test]
fn defer_later_fires_with_the_result() {
    let events = Events::new();
    let clock = Clock::new();
    let (e, c) = (events.clone(), clock.clone());
    let (foo, bar) = ("foo", "bar");
    let d = defer_later(&clock, secs(3), move || {
        e.log(format!("called with {foo} {bar} at {}", ms(c.now())));
        "flag".to_owned()
    });
    clock.advance(secs(2));
    events.log(format!("called {}", yes(d.is_called())));
    clock.advance(secs(1));
    events.log(outcome(&d));
    events.assert_twisted("defer_later_fires_with_the_result");
}

/// test_errback.
#[test]
fn defer_later_fails_with_the_error() {
    let events = Events::new();
    let clock = Clock::new();
    let d: Deferred<String> = defer_later(&clock, secs(1), || Err(ValueError));
    clock.advance(secs(1));
    events.log(outcome(&d));
    events.assert_twisted("defer_later_fails_with_the_error");
}

/// test_cancel.
#[test]
fn defer_later_cancelled_never_calls() {
    let events = Events::new();
    let clock = Clock::new();
    let e = events.clone();
    let d = defer_later(&clock, secs(1), move || {
        e.log("called");
        String::new()
    });
    d.cancel();
    events.log(outcome(&d));
    events.log(format!("pending {}", clock.delayed_calls().len()));
    clock.advance(secs(1));
    events.assert_twisted("defer_later_cancelled_never_calls");
}

/// test_noCallback: Twisted's `callable=None` is a function that does
/// nothing here.
#[test]
fn defer_later_without_a_function_just_fires() {
    let events = Events::new();
    let clock = Clock::new();
    let d = defer_later(&clock, secs(2), || ());
    events.log(format!("called {}", yes(d.is_called())));
    clock.advance(secs(2));
    events.log(format!("called {}", yes(d.is_called())));
    events.assert_twisted("defer_later_without_a_function_just_fires");
}

/// A function that returns a Deferred: the result waits for it, and a
/// cancel while waiting cancels it.
#[test]
fn defer_later_waits_for_a_returned_deferred_and_cancels_it() {
    let events = Events::new();
    let clock = Clock::new();
    let e = events.clone();
    let inner = Deferred::<String>::with_canceller(move |_| e.log("inner cancelled"));
    // The operation behind `inner` holds it (else nothing could fire it, and
    // a cancel would find it gone: docs/semantics.md, rule 5).
    let operation = inner.clone();
    let d: Deferred<String> = defer_later(&clock, secs(1), move || inner);
    clock.advance(secs(1));
    events.log(format!("called {}", yes(d.is_called())));
    d.cancel();
    events.log(outcome(&d));
    events.assert_twisted("defer_later_waits_for_a_returned_deferred_and_cancels_it");
    drop(operation);
}
