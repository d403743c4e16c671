//! `log_error`: Twisted's `defer.logError`, an errback that logs a failure
//! and passes it on unchanged.
//!
//! Derived from `UtilTests` of twisted/test/test_defer.py (Twisted 26.10.0,
//! MIT licence); the same scenarios run on Twisted in
//! tests/twisted/log_error.py, whose output is tests/twisted/expected/log_error.txt.

mod support;

use std::fmt;

use deferred::{log_err, log_error, Deferred, Failure};
use support::logger::{at, capture};
use support::twisted::assert_matches;

/// Python's `RuntimeError()`, for the events to name it the same way.
#[derive(Debug)]
struct RuntimeError;

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RuntimeError")
    }
}

impl std::error::Error for RuntimeError {}

/// The error-level records that `log_error` wrote.
fn logged_errors(records: &[support::logger::Record]) -> Vec<String> {
    at(records, log::Level::Error)
        .into_iter()
        .map(|r| r.message.clone())
        .collect()
}

// Ports test_logErrorReturnsError.
#[test]
fn log_error_returns_the_same_failure() {
    let error = Failure::new(RuntimeError);
    let (result, _) = capture(|| log_error::<()>(error.clone()));
    let same = result.unwrap_err().ptr_eq(&error);
    assert_matches(
        "log_error",
        "log_error_returns_the_same_failure",
        &[format!("returned the same failure: {}", py_bool(same))],
    );
}

// Ports test_logErrorLogsError.
#[test]
fn log_error_logs_the_failure_once() {
    let (_, records) = capture(|| log_error::<()>(Failure::new(RuntimeError)));
    let logged = logged_errors(&records);
    let mut events = vec![format!("logged errors: {}", logged.len())];
    for text in &logged {
        events.push(format!(
            "logged error is RuntimeError: {}",
            py_bool(text.contains("RuntimeError"))
        ));
    }
    assert_matches("log_error", "log_error_logs_the_failure_once", &events);
}

// Ports test_logErrorLogsErrorNoRepr: the text is a report (a first line,
// then the error), not the failure's `Debug`.
#[test]
fn log_error_text_has_no_repr() {
    let (_, records) = capture(|| log_error::<()>(Failure::new(RuntimeError)));
    let logged = logged_errors(&records);
    let first_line = logged[0].lines().next().unwrap_or_default().to_owned();
    assert_matches(
        "log_error",
        "log_error_text_has_no_repr",
        &[
            format!("first line: {first_line}"),
            format!("has a repr: {}", py_bool(logged[0].contains("Failure {"))),
        ],
    );
}

#[test]
fn log_error_as_an_errback_passes_the_failure_on() {
    let mut events = Vec::new();
    let (seen, records) = capture(|| {
        let d = Deferred::<()>::new();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
        let sink = seen.clone();
        d.add_errback(log_error).add_errback(move |f: Failure| {
            *sink.lock().unwrap() = Some(f.check::<RuntimeError>());
        });
        d.errback(RuntimeError).unwrap();
        let seen = *seen.lock().unwrap();
        seen
    });
    if seen == Some(true) {
        events.push("next errback got RuntimeError".to_owned());
    }
    events.push(format!("logged errors: {}", logged_errors(&records).len()));
    assert_matches(
        "log_error",
        "log_error_as_an_errback_passes_the_failure_on",
        &events,
    );
}

// Twisted's docstring: as the last errback, the failure is reported again
// when the Deferred goes (here, as any unhandled failure: semantics §6, to
// the log, since no test in this binary sets a hook).
#[test]
fn log_error_as_the_last_errback_is_reported_again_when_dropped() {
    let (logged_before_drop, records) = capture(|| {
        let d = Deferred::<()>::new();
        d.add_errback(log_error);
        d.errback(RuntimeError).unwrap();
        let before = support::logger::count_so_far();
        drop(d);
        before
    });
    let reports = records
        .iter()
        .filter(|r| r.message.starts_with("Unhandled error in Deferred"))
        .count();
    assert_matches(
        "log_error",
        "log_error_as_the_last_errback_is_reported_again_when_dropped",
        &[
            format!("logged by log_error: {logged_before_drop}"),
            format!("reported as unhandled when dropped: {reports}"),
        ],
    );
}

// `d.addErrback(log.err)`: logged once, stopped there, the next callback
// gets the success (`None` in Python, `()` here).
#[test]
fn log_err_as_an_errback_logs_and_stops_the_failure() {
    let (events, records) = capture(|| {
        let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (on_value, on_failure) = (events.clone(), events.clone());
        let d = Deferred::<()>::new();
        d.add_errback(log_err).add_callbacks(
            move |()| {
                on_value
                    .lock()
                    .unwrap()
                    .push("next callback got None".to_owned())
            },
            move |f: Failure| {
                let name = if f.check::<RuntimeError>() {
                    "RuntimeError"
                } else {
                    "?"
                };
                on_failure
                    .lock()
                    .unwrap()
                    .push(format!("next errback got {name}"));
            },
        );
        d.errback(RuntimeError).unwrap();
        let events = events.lock().unwrap().clone();
        events
    });
    let logged = logged_errors(&records);
    let mut events = events;
    events.push(format!("logged errors: {}", logged.len()));
    events.push(format!(
        "first line: {}",
        logged[0].lines().next().unwrap_or_default()
    ));
    events.push(format!(
        "logged error is RuntimeError: {}",
        py_bool(logged[0].contains("RuntimeError"))
    ));
    assert_matches(
        "log_error",
        "log_err_as_an_errback_logs_and_stops_the_failure",
        &events,
    );
}

#[test]
fn log_err_as_the_last_errback_is_not_reported_again() {
    let (logged_before_drop, records) = capture(|| {
        let d = Deferred::<()>::new();
        d.add_errback(log_err);
        d.errback(RuntimeError).unwrap();
        let before = support::logger::count_so_far();
        drop(d);
        before
    });
    let reports = records
        .iter()
        .filter(|r| r.message.starts_with("Unhandled error in Deferred"))
        .count();
    assert_matches(
        "log_error",
        "log_err_as_the_last_errback_is_not_reported_again",
        &[
            format!("logged by log.err: {logged_before_drop}"),
            format!("reported as unhandled when dropped: {reports}"),
        ],
    );
}

#[test]
fn log_err_goes_on_with_the_default_of_any_t() {
    let (result, records) = capture(|| {
        let d = Deferred::<Vec<u8>>::new();
        d.add_errback(log_err).add_callback(|mut v| {
            v.push(1);
            v
        });
        d.errback(RuntimeError).unwrap();
        d.result().unwrap()
    });
    assert_eq!(result.unwrap(), [1]);
    assert_eq!(logged_errors(&records).len(), 1);
}

// trial fails a test that `log.err`ed a failure unless it flushes it: the
// guard sees `log_err`'s failure as it sees `log_error`'s.
#[test]
fn a_logged_failures_guard_sees_log_err() {
    let _guard = deferred::testing::LoggedFailures::guard();
    let d = Deferred::<()>::new();
    d.add_errback(log_err);
    d.errback(RuntimeError).unwrap();
    drop(d);
    assert_eq!(
        deferred::testing::flush_logged_failures::<RuntimeError>().len(),
        1
    );
}

/// Python's spelling of a bool, as the events print it.
fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}
