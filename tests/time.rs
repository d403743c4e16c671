//! Time, rule by rule, against real Twisted: each test runs the events of
//! one scenario of `tests/twisted/time.py` with `deferred::testing::Clock`
//! and asserts that they are the events Twisted printed
//! (`tests/twisted/expected/time.txt`). The Twisted test each one follows
//! is named in its doc comment.
//!
//! Derived from Twisted's tests (twisted/test/test_task.py,
//! twisted/test/test_defer.py), Twisted 26.10.0, MIT licence, Copyright (c)
//! Twisted Matrix Laboratories.
//!
//! No test here sleeps: time moves only when a test advances the clock.

#![cfg(not(deferred_loom))]

mod support;

#[path = "time/clock.rs"]
mod clock;
#[path = "time/later.rs"]
mod later;
#[path = "time/looping_call.rs"]
mod looping_call;
#[path = "time/timeout.rs"]
mod timeout;

use std::fmt::Display;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deferred::{AlreadyCalledError, CancelledError, Deferred, Failure, PanicError, TimeoutError};

/// The events of one scenario, shared with the closures that log them.
#[derive(Clone, Default)]
pub struct Events(pub Arc<Mutex<Vec<String>>>);

impl Events {
    pub fn new() -> Self {
        Events::default()
    }

    pub fn log(&self, event: impl Into<String>) {
        self.0.lock().unwrap().push(event.into());
    }

    /// A closure that logs `event` when called.
    pub fn logger(&self, event: impl Into<String>) -> impl FnOnce() + Send + 'static {
        let (events, event) = (self.clone(), event.into());
        move || events.log(event)
    }

    /// A function that logs `event` each time it is called.
    pub fn logger_fn(self, event: &'static str) -> impl FnMut() + Send + 'static {
        move || self.log(event)
    }

    /// Asserts that the events are what Twisted printed for `scenario`.
    #[track_caller]
    pub fn assert_twisted(&self, scenario: &str) {
        support::twisted::assert_matches("time", scenario, &self.0.lock().unwrap());
    }
}

/// A time as the scenarios print it.
pub fn ms(t: Duration) -> String {
    format!("{}ms", t.as_millis())
}

/// A yes/no as the scenarios print it.
pub fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Seconds, for brevity.
pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Milliseconds, for brevity.
pub fn millis(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// What a Deferred holds now, as the scenarios print it.
pub fn outcome<T: Clone + Display + Send>(d: &Deferred<T>) -> String {
    match d.result() {
        None => "no result".to_owned(),
        Some(Ok(v)) => format!("value {v}"),
        Some(Err(f)) => format!("failure {}", name(&f)),
    }
}

/// A failure's type, by the name Twisted's exception has.
pub fn name(f: &Failure) -> &'static str {
    if f.check::<TimeoutError>() {
        "TimeoutError"
    } else if f.check::<CancelledError>() {
        "CancelledError"
    } else if f.check::<ValueError>() {
        "ValueError"
    } else if f.check::<AlreadyCalledError>() {
        "AlreadyCalledError"
    } else if f.check::<PanicError>() {
        "PanicError"
    } else {
        "other"
    }
}

/// Stands for the `ValueError` of Twisted's tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueError;

impl Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("value error")
    }
}

impl std::error::Error for ValueError {}
