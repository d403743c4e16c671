//! Ready-made Deferreds: [`succeed`], [`fail`], [`maybe_deferred`].

use crate::deferred::{catch_outcome, Deferred, IntoOutcome, Outcome};
use crate::failure::IntoFailure;

/// A Deferred already fired with `value` (Twisted's `defer.succeed`): for a
/// synchronous function that keeps a Deferred-returning API.
///
/// ```
/// use deferred::{succeed, Deferred};
///
/// // The seed document's synchronous validation, behind an asynchronous API.
/// fn immediate_is_valid_user(user: &str) -> Deferred<bool> {
///     succeed(["Alice", "Angus", "Agnes"].contains(&user))
/// }
///
/// let d = immediate_is_valid_user("Angus");
/// let (tx, rx) = std::sync::mpsc::channel();
/// d.add_callback(move |valid| { tx.send(valid).unwrap(); valid });
/// assert!(rx.try_recv().unwrap()); // ran at once: the result was there
/// ```
#[must_use = "the Deferred holds the result: dropping it loses the result"]
pub fn succeed<T: Send + 'static>(value: T) -> Deferred<T> {
    Deferred::fired(Ok(value))
}

/// A Deferred already fired with a failure (Twisted's `defer.fail`).
///
/// ```
/// use deferred::{fail, Failure};
///
/// let d = fail::<u8>(std::fmt::Error);
/// d.add_errback(|f: Failure| if f.check::<std::fmt::Error>() { 0 } else { 1 });
/// assert_eq!(d.result().unwrap().unwrap(), 0);
/// ```
#[must_use = "the Deferred holds the result: dropping it loses the result"]
pub fn fail<T: Send + 'static>(failure: impl IntoFailure) -> Deferred<T> {
    Deferred::fired(Err(failure.into_failure()))
}

/// Calls `f` and gives its result as a Deferred, whatever it returns
/// (Twisted's `maybeDeferred`): a value or `Ok` → a fired Deferred; `Err` or a
/// panic → a failed one; a `Deferred` → that Deferred itself.
///
/// ```
/// use deferred::{maybe_deferred, Deferred};
///
/// // Name the result type: a `Result` could also be the value itself.
/// let d: Deferred<i32> = maybe_deferred(|| "42".parse::<i32>());
/// assert_eq!(d.result().unwrap().unwrap(), 42);
/// let d: Deferred<i32> = maybe_deferred(|| -> i32 { panic!("no") });
/// assert!(d.result().unwrap().is_err());
/// ```
#[must_use = "the Deferred holds the result: dropping it loses the result"]
pub fn maybe_deferred<T, F, R>(f: F) -> Deferred<T>
where
    T: Send + 'static,
    F: FnOnce() -> R,
    R: IntoOutcome<T>,
{
    match catch_outcome(|| f().into_outcome()) {
        Outcome::Value(value) => succeed(value),
        Outcome::Failure(failure) => fail(failure),
        Outcome::Deferred(d) => d,
    }
}
