//! The logged-failure guard: what it sees, what flushing takes, when it
//! fails the test, and that it leaves the hook alone.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::*;
use crate::{log_error, CancelledError, Deferred};

/// Drops an unhandled Deferred failed with `error`.
fn drop_unhandled(error: impl Error + Send + Sync + 'static) {
    let d = Deferred::<u8>::new();
    d.errback(error).unwrap();
}

#[test]
fn a_guard_sees_unhandled_reports_and_flush_takes_them_by_type() {
    let guard = LoggedFailures::guard();
    drop_unhandled(CancelledError);
    drop_unhandled(std::fmt::Error);
    assert_eq!(guard.pending(), 2);
    let cancelled = flush_logged_failures::<CancelledError>();
    assert_eq!(cancelled.len(), 1);
    assert!(cancelled[0].check::<CancelledError>());
    assert_eq!(guard.pending(), 1);
    assert_eq!(guard.flush::<std::fmt::Error>().len(), 1);
    assert_eq!(guard.pending(), 0);
}

#[test]
fn an_unflushed_report_fails_the_test_when_the_guard_drops() {
    let payload = catch_unwind(|| {
        let _guard = LoggedFailures::guard();
        drop_unhandled(std::fmt::Error);
    })
    .expect_err("the guard must panic");
    let message = payload.downcast::<String>().unwrap();
    assert!(
        message.contains("1 failure(s) reported unhandled"),
        "{message}"
    );
    assert!(message.contains("an error occurred"), "{message}");
    // The guard is gone: a later report is not collected.
    drop_unhandled(std::fmt::Error);
}

#[test]
fn a_guard_does_not_panic_again_while_the_test_is_already_panicking() {
    // A second panic during unwinding would abort the process, not fail
    // the test: the guard stays quiet then.
    let payload = catch_unwind(|| {
        let _guard = LoggedFailures::guard();
        drop_unhandled(std::fmt::Error);
        panic!("the test's own assertion");
    })
    .expect_err("it panics");
    assert_eq!(
        *payload.downcast::<&str>().unwrap(),
        "the test's own assertion"
    );
}

#[test]
fn log_error_counts_as_a_logged_failure() {
    let guard = LoggedFailures::guard();
    let d = Deferred::<u8>::new();
    d.add_errback(log_error).add_errback(|_f: Failure| 0);
    d.errback(std::fmt::Error).unwrap();
    assert_eq!(flush_all_logged_failures().len(), 1);
    assert_eq!(guard.pending(), 0);
}

#[test]
fn reports_go_to_the_innermost_guard() {
    let outer = LoggedFailures::guard();
    {
        let inner = LoggedFailures::guard();
        drop_unhandled(CancelledError);
        assert_eq!(inner.flush_all().len(), 1);
    }
    assert_eq!(outer.pending(), 0);
    drop_unhandled(CancelledError);
    assert_eq!(outer.flush_all().len(), 1);
}

#[test]
fn another_threads_reports_are_not_seen() {
    let guard = LoggedFailures::guard();
    std::thread::spawn(|| drop_unhandled(CancelledError))
        .join()
        .unwrap();
    assert_eq!(guard.pending(), 0);
}

#[test]
fn flushing_without_a_guard_is_a_clear_error() {
    let payload = catch_unwind(AssertUnwindSafe(|| {
        flush_logged_failures::<CancelledError>()
    }))
    .expect_err("no guard");
    let message = payload.downcast_ref::<&str>().unwrap();
    assert!(
        message.contains("no LoggedFailures guard is alive"),
        "{message}"
    );
}
