//! The errors the async bridge raises.

use std::error::Error;
use std::fmt;

/// The Deferred an `.await` (or a
/// [`blocking_call_from_thread`](crate::blocking_call_from_thread)) was
/// waiting on was dropped before it fired: its last handle went away, so
/// nothing can ever fire it.
///
/// Twisted has no such error: there the waiting coroutine is garbage
/// collected with the Deferred, silently. Here the waiter is told instead
/// of waiting forever.
///
/// ```
/// use deferred::{ensure_deferred, Deferred, DroppedUnfiredError, Failure};
///
/// let d = ensure_deferred(async {
///     let orphan = Deferred::<u8>::new(); // nobody else holds it
///     match orphan.await {
///         Err(f) if f.check::<DroppedUnfiredError>() => "told",
///         _ => "not told",
///     }
/// });
/// assert_eq!(d.result().unwrap().unwrap(), "told");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DroppedUnfiredError;

impl fmt::Display for DroppedUnfiredError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the awaited Deferred was dropped before it fired; nothing can fire it any more",
        )
    }
}

impl Error for DroppedUnfiredError {}

/// [`blocking_call_from_thread`](crate::blocking_call_from_thread) called on
/// the reactor thread itself, which would wait for itself forever (Twisted
/// deadlocks there). Nothing was run.
///
/// ```
/// use deferred::{blocking_call_from_thread, react, succeed, Deferred, ReactorThreadError};
///
/// let seen = react(|reactor| -> Deferred<bool> {
///     let refused = blocking_call_from_thread(reactor, || 1u8);
///     succeed(refused.unwrap_err().check::<ReactorThreadError>())
/// });
/// assert!(seen.unwrap());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReactorThreadError;

impl fmt::Display for ReactorThreadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "blocking_call_from_thread called on the reactor thread, which would wait for itself",
        )
    }
}

impl Error for ReactorThreadError {}
