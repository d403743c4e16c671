//! trial's result helpers: [`success_result_of`], [`failure_result_of`]
//! and [`assert_no_result`] (Twisted's `SynchronousTestCase.successResultOf`,
//! `failureResultOf` and `assertNoResult`).
//!
//! Each reads a Deferred once, now, on the calling thread, and panics (they
//! are test assertions) with what the Deferred held instead. They leave it
//! as trial does: the result they find is taken (the Deferred is then
//! [`Consumed`](crate::DeferredState::Consumed)), so a failure they find is
//! handled and never reported as unhandled when the Deferred is dropped.

use std::any::type_name;
use std::error::Error;
use std::fmt;

use crate::deferred::{Deferred, DeferredState};
use crate::failure::Failure;

/// An error type a [`failure_result_of`] accepts: its check and its name
/// (trial takes the exception classes themselves).
///
/// ```
/// use deferred::testing::ErrorType;
/// use deferred::{CancelledError, Failure};
///
/// let cancelled = ErrorType::of::<CancelledError>();
/// assert!(cancelled.matches(&Failure::new(CancelledError)));
/// assert!(cancelled.name().ends_with("CancelledError"));
/// ```
#[derive(Clone, Copy)]
pub struct ErrorType {
    /// The type's name, for the panic message.
    name: &'static str,
    /// Whether a failure's error is of this type ([`Failure::check`]).
    check: fn(&Failure) -> bool,
}

impl ErrorType {
    /// The error type `E`.
    pub fn of<E: Error + 'static>() -> Self {
        ErrorType {
            name: type_name::<E>(),
            check: |failure| failure.check::<E>(),
        }
    }

    /// Whether `failure`'s error is of this type.
    pub fn matches(&self, failure: &Failure) -> bool {
        (self.check)(failure)
    }

    /// The type's name (`std::any::type_name`).
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Debug for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Why a Deferred has no result to give now, as the panics say it.
fn no_result(state: DeferredState, pauses: usize) -> String {
    match state {
        DeferredState::Pending => "no result: it is pending (never fired)".to_owned(),
        DeferredState::Waiting => {
            "no result: it waits on another Deferred that one of its handlers returned".to_owned()
        }
        DeferredState::Paused => {
            format!("no result its handlers can see: it is paused ({pauses} pause(s) not undone)")
        }
        DeferredState::Running => "no result: one of its handlers is running right now".to_owned(),
        DeferredState::Consumed => "no result: its result was consumed (handed to another \
             Deferred by a handler's return, then/map/and_then, chain_deferred, a combinator, \
             or taken by an earlier success_result_of/failure_result_of)"
            .to_owned(),
        // Only reached when a result was there after all.
        DeferredState::Fired => "a result".to_owned(),
    }
}

/// The value a fired Deferred holds now, taken from it (Twisted's
/// `SynchronousTestCase.successResultOf`).
///
/// The Deferred is left [`Consumed`](crate::DeferredState::Consumed), as
/// trial leaves it holding `None`: handlers added later never run.
///
/// # Panics
///
/// If the Deferred has no result now (pending, paused, waiting on another
/// Deferred, consumed, a handler running), saying which; or if it holds a
/// failure, with the failure's message. A failure found is taken, so it is
/// handled: no unhandled report follows when the Deferred is dropped.
///
/// ```
/// use deferred::testing::success_result_of;
/// use deferred::Deferred;
///
/// let d = Deferred::new();
/// d.add_callback(|n: u32| n + 1);
/// d.callback(41).unwrap();
/// assert_eq!(success_result_of(&d), 42);
/// ```
#[track_caller]
pub fn success_result_of<T: Send + 'static>(d: &Deferred<T>) -> T {
    match d.take_result(false) {
        Ok(Ok(value)) => value,
        Ok(Err(failure)) => panic!(
            "success_result_of: expected a success result, found a failure instead: \
             {failure} ({failure:?})"
        ),
        Err(state) => panic!(
            "success_result_of: expected a success result, found {}",
            no_result(state, d.pause_count())
        ),
    }
}

/// The failure a fired Deferred holds now, taken from it, checked against
/// the error types `expected` (Twisted's
/// `SynchronousTestCase.failureResultOf(d, *expectedExceptionTypes)`): any
/// of them matches; an empty list accepts any failure, as trial does with
/// no types.
///
/// The Deferred is left [`Consumed`](crate::DeferredState::Consumed), its
/// failure handled (no unhandled report when it is dropped).
///
/// # Panics
///
/// If the Deferred has no result now (saying why, as
/// [`success_result_of`]), if it holds a success (named by its type), or if
/// its failure is of none of the `expected` types (naming them and the
/// failure). Whatever result was found is taken all the same, as trial's
/// callback takes it.
///
/// ```
/// use deferred::testing::{failure_result_of, ErrorType};
/// use deferred::{CancelledError, Deferred, TimeoutError};
///
/// let d = Deferred::<u32>::new();
/// d.cancel();
/// let failure = failure_result_of(&d, &[ErrorType::of::<CancelledError>(), ErrorType::of::<TimeoutError>()]);
/// assert_eq!(failure.to_string(), "the Deferred was cancelled");
///
/// // Any failure:
/// let d = Deferred::<u32>::new();
/// d.errback(std::io::Error::other("disk")).unwrap();
/// assert_eq!(failure_result_of(&d, &[]).to_string(), "disk");
/// ```
#[track_caller]
pub fn failure_result_of<T: Send + 'static>(d: &Deferred<T>, expected: &[ErrorType]) -> Failure {
    match d.take_result(false) {
        Ok(Err(failure)) => {
            if expected.is_empty() || expected.iter().any(|e| e.matches(&failure)) {
                failure
            } else {
                panic!(
                    "failure_result_of: expected a failure of type {expected:?}, found another \
                     failure instead: {failure} ({failure:?})"
                )
            }
        }
        Ok(Ok(_)) => panic!(
            "failure_result_of: expected a failure result, found a success (a {}) instead",
            type_name::<T>()
        ),
        Err(state) => panic!(
            "failure_result_of: expected a failure result, found {}",
            no_result(state, d.pause_count())
        ),
    }
}

/// Asserts the Deferred has no result its handlers could get now (Twisted's
/// `SynchronousTestCase.assertNoResult`): pending, paused, waiting on
/// another Deferred, or with a handler running.
///
/// Passing leaves the Deferred untouched, so the test can go on and fire it.
///
/// # Panics
///
/// If it holds a success (named by its type; the value stays in it), a
/// failure (with its message; the failure is taken, so handled, as trial
/// swallows it), or its result was consumed (trial's consumed Deferred holds
/// `None`, which `assertNoResult` finds).
///
/// ```
/// use deferred::testing::assert_no_result;
/// use deferred::Deferred;
///
/// let d = Deferred::<u32>::new();
/// assert_no_result(&d);
/// d.pause();
/// d.callback(1).unwrap();
/// assert_no_result(&d); // paused: the handlers cannot see it yet
/// ```
#[track_caller]
pub fn assert_no_result<T: Send + 'static>(d: &Deferred<T>) {
    match d.take_result(true) {
        Err(
            DeferredState::Pending
            | DeferredState::Paused
            | DeferredState::Waiting
            | DeferredState::Running,
        ) => {}
        Err(DeferredState::Fired) => panic!(
            "assert_no_result: expected no result, found a success result (a {}) instead",
            type_name::<T>()
        ),
        Err(DeferredState::Consumed) => panic!(
            "assert_no_result: expected no result, found {}",
            no_result(DeferredState::Consumed, 0)
        ),
        Ok(Err(failure)) => panic!(
            "assert_no_result: expected no result, found a failure instead: {failure} ({failure:?})"
        ),
        Ok(Ok(_)) => unreachable!("take_result(true) keeps a success"),
    }
}

#[cfg(all(test, not(deferred_loom)))]
mod tests;
