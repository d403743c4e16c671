//! What a handler may return: a value, a failure, or another Deferred to wait on.

use super::Deferred;
use crate::failure::{Failure, IntoFailure};

/// The result of a handler, as the chain sees it.
///
/// Handlers rarely build one by hand: anything that implements
/// [`IntoOutcome`] will do (a `T`, a `Result<T, E>` with `E:` [`IntoFailure`],
/// or a `Deferred<T>`). Build one explicitly when a handler must choose
/// between the three at run time.
pub enum Outcome<T: 'static> {
    /// Go on down the callback side with this value.
    Value(T),
    /// Go on down the errback side with this failure.
    Failure(Failure),
    /// Wait for this Deferred and go on with its result (Twisted's chaining).
    Deferred(Deferred<T>),
}

/// Anything a handler may return on a `Deferred<T>`.
///
/// - `T`: the next callback gets it;
/// - `Result<T, E>` where `E:` [`IntoFailure`] (a `Failure`, any error, a
///   `Box<dyn Error + Send + Sync>`, a message): `Ok` goes to the next
///   callback, `Err` to the next errback;
/// - `Deferred<T>`: the chain waits for it and goes on with its result;
/// - [`Outcome<T>`]: any of the three, chosen at run time.
///
/// ```
/// use deferred::Deferred;
///
/// let d = Deferred::new();
/// d.add_callback(|v: i32| v + 1)                                  // a value
///     .add_callback(|v| if v > 1 { Ok(v) } else { Err(std::fmt::Error) }) // a Result
///     .add_callback(|v| deferred::succeed(v * 10));               // a Deferred
/// d.callback(1).unwrap();
/// assert_eq!(d.result().unwrap().unwrap(), 20);
/// ```
#[diagnostic::on_unimplemented(
    message = "a handler here must return a `{T}`, a `Result<{T}, _>` or a `Deferred<{T}>`, not `{Self}`",
    label = "this returns `{Self}`",
    note = "only looking at the value (printing, logging)? `d.inspect(|v| ...)` (or `inspect_err` for a failure) passes it on unchanged",
    note = "changing the result's type? `d.map(..)`, `d.and_then(..)` or `d.then(..)` make a new Deferred of the new type",
    note = "if `{T}` is not what you meant, name the type: `let d: Deferred<U> = ...`, or the turbofish `f::<U, _, _>(..)`",
    note = "an `Err` must be an error, a `Box<dyn Error + Send + Sync>`, a message or a `Failure` (`IntoFailure`)"
)]
pub trait IntoOutcome<T: 'static> {
    /// Converts into the outcome the chain acts on.
    fn into_outcome(self) -> Outcome<T>;
}

impl<T: 'static> IntoOutcome<T> for T {
    #[inline]
    fn into_outcome(self) -> Outcome<T> {
        Outcome::Value(self)
    }
}

impl<T: 'static, E: IntoFailure> IntoOutcome<T> for Result<T, E> {
    #[inline]
    fn into_outcome(self) -> Outcome<T> {
        match self {
            Ok(v) => Outcome::Value(v),
            Err(e) => Outcome::Failure(e.into_failure()),
        }
    }
}

impl<T: 'static> IntoOutcome<T> for Deferred<T> {
    #[inline]
    fn into_outcome(self) -> Outcome<T> {
        Outcome::Deferred(self)
    }
}

impl<T: 'static> IntoOutcome<T> for Outcome<T> {
    #[inline]
    fn into_outcome(self) -> Outcome<T> {
        self
    }
}

impl<T: 'static> From<Result<T, Failure>> for Outcome<T> {
    fn from(result: Result<T, Failure>) -> Self {
        result.into_outcome()
    }
}

impl<T: Send + 'static + std::fmt::Debug> std::fmt::Debug for Outcome<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Value(v) => f.debug_tuple("Value").field(v).finish(),
            Outcome::Failure(e) => f.debug_tuple("Failure").field(e).finish(),
            Outcome::Deferred(d) => f.debug_tuple("Deferred").field(d).finish(),
        }
    }
}
