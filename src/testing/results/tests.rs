//! The trial result helpers: what each returns, what each panic says, and
//! the state each leaves the Deferred in.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::*;
use crate::testing::LoggedFailures;
use crate::{CancelledError, Deferred, TimeoutError};

/// The message of the panic `f` makes (it must panic).
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it must panic");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p.downcast_ref::<&str>().unwrap().to_string(),
    }
}

fn failed(message: &str) -> Deferred<u32> {
    let d = Deferred::new();
    d.errback(std::io::Error::other(message.to_owned()))
        .unwrap();
    d
}

/// A Deferred waiting on an unfired inner one; returns both.
fn waiting() -> (Deferred<u32>, Deferred<u32>) {
    let outer = Deferred::new();
    let inner = Deferred::new();
    let i = inner.clone();
    outer.add_callback(move |_: u32| i.clone());
    outer.callback(0).unwrap();
    (outer, inner)
}

#[test]
fn success_result_of_takes_the_value_and_leaves_the_deferred_consumed() {
    let d = Deferred::new();
    d.callback(7u32).unwrap();
    assert_eq!(success_result_of(&d), 7);
    assert_eq!(d.state(), DeferredState::Consumed);
    let ran = Arc::new(AtomicBool::new(false));
    let r = Arc::clone(&ran);
    d.add_callback(move |n: u32| {
        r.store(true, Ordering::SeqCst);
        n
    });
    assert!(
        !ran.load(Ordering::SeqCst),
        "a handler added after the take never runs"
    );
}

#[test]
fn success_result_of_says_what_it_found_instead() {
    let d = Deferred::<u32>::new();
    assert!(panic_message(|| {
        success_result_of(&d);
    })
    .contains("pending"));
    d.pause();
    d.callback(1).unwrap();
    let m = panic_message(|| {
        success_result_of(&d);
    });
    assert!(m.contains("paused (1 pause(s)"), "{m}");
    d.unpause().unwrap();
    assert_eq!(
        success_result_of(&d),
        1,
        "the paused one was left untouched"
    );
    assert!(panic_message(|| {
        success_result_of(&d);
    })
    .contains("consumed"));
    let (outer, inner) = waiting();
    assert!(panic_message(|| {
        success_result_of(&outer);
    })
    .contains("waits on another Deferred"));
    inner.callback(5).unwrap();
    assert_eq!(success_result_of(&outer), 5);
}

#[test]
fn success_result_of_a_failure_names_it_and_handles_it() {
    let guard = LoggedFailures::guard();
    let d = failed("disk full");
    let m = panic_message(|| {
        success_result_of(&d);
    });
    assert!(m.contains("found a failure instead: disk full"), "{m}");
    drop(d);
    assert_eq!(
        guard.pending(),
        0,
        "the failure was handled: no unhandled report"
    );
}

#[test]
fn failure_result_of_checks_the_expected_types() {
    let guard = LoggedFailures::guard();
    let d = Deferred::<u32>::new();
    d.cancel();
    let f = failure_result_of(
        &d,
        &[
            ErrorType::of::<TimeoutError>(),
            ErrorType::of::<CancelledError>(),
        ],
    );
    assert!(f.check::<CancelledError>());
    assert_eq!(d.state(), DeferredState::Consumed);

    let d = failed("disk full");
    let m = panic_message(|| {
        failure_result_of(&d, &[ErrorType::of::<CancelledError>()]);
    });
    assert!(m.contains("CancelledError"), "{m}");
    assert!(m.contains("disk full"), "{m}");
    drop(d);

    assert_eq!(failure_result_of(&failed("any"), &[]).to_string(), "any");
    assert_eq!(guard.pending(), 0, "every failure found was handled");
}

#[test]
fn failure_result_of_says_what_it_found_instead() {
    let d = Deferred::new();
    d.callback(3u32).unwrap();
    let m = panic_message(|| {
        failure_result_of(&d, &[]);
    });
    assert!(m.contains("found a success (a u32)"), "{m}");
    assert!(panic_message(|| {
        failure_result_of(&Deferred::<u32>::new(), &[]);
    })
    .contains("pending"));
}

#[test]
fn assert_no_result_passes_while_nothing_can_be_seen_and_changes_nothing() {
    let d = Deferred::<u32>::new();
    assert_no_result(&d);
    d.pause();
    d.callback(2).unwrap();
    assert_no_result(&d);
    d.unpause().unwrap();
    assert_eq!(success_result_of(&d), 2);
    let (outer, inner) = waiting();
    assert_no_result(&outer);
    inner.callback(9).unwrap();
    assert_eq!(success_result_of(&outer), 9);
}

#[test]
fn assert_no_result_on_a_result_says_which_and_keeps_a_success() {
    let d = Deferred::new();
    d.callback(4u32).unwrap();
    let m = panic_message(|| assert_no_result(&d));
    assert!(m.contains("found a success result (a u32)"), "{m}");
    assert_eq!(
        success_result_of(&d),
        4,
        "the success stays in the Deferred"
    );
    let m = panic_message(|| assert_no_result(&d));
    assert!(m.contains("consumed"), "{m}");

    let guard = LoggedFailures::guard();
    let d = failed("broken pipe");
    let m = panic_message(|| assert_no_result(&d));
    assert!(m.contains("found a failure instead: broken pipe"), "{m}");
    drop(d);
    assert_eq!(
        guard.pending(),
        0,
        "the failure found was handled, as trial swallows it"
    );
}

#[test]
fn a_failure_a_combinator_gave_back_can_still_be_taken() {
    let guard = LoggedFailures::guard();
    let input = failed("late");
    let list = crate::DeferredList::new(vec![input.clone()]).build();
    let f = failure_result_of(&input, &[]);
    assert_eq!(f.to_string(), "late");
    assert_eq!(success_result_of(&list).len(), 1);
    drop((list, input));
    assert_eq!(guard.pending(), 0);
}

#[test]
fn a_paused_deferred_with_handlers_queued_says_paused() {
    let d = Deferred::<u32>::new();
    d.pause();
    d.add_callback(|n: u32| n + 1);
    d.callback(1).unwrap();
    let m = panic_message(|| {
        success_result_of(&d);
    });
    assert!(m.contains("paused"), "{m}");
    assert_no_result(&d);
    d.unpause().unwrap();
    assert_eq!(success_result_of(&d), 2);
}

#[test]
fn an_error_type_names_its_type_and_prints_as_that_name() {
    let e = ErrorType::of::<CancelledError>();
    let name = std::any::type_name::<CancelledError>();
    assert!(name.ends_with("CancelledError"), "{name}");
    assert_eq!(e.name(), name);
    assert_eq!(format!("{e:?}"), name);
}
