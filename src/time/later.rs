//! [`defer_later`]: a Deferred of a call made later (Twisted's
//! `task.deferLater`).

use std::time::Duration;

use super::{DelayedCall, ReactorTime};
use crate::combinators::fail;
use crate::deferred::{Deferred, IntoOutcome};
use crate::sync::{Arc, Mutex};

/// Calls `f` once `delay` has passed on `clock`, and returns a Deferred
/// that fires with its outcome (Twisted's `task.deferLater`): its value, its
/// `Err`, the result of the Deferred it returns, or its panic as a
/// [`PanicError`](crate::PanicError). `f` runs where the clock runs its
/// calls: on the reactor thread, or in a test clock's `advance`.
///
/// A closure returning a `Result` or a `Deferred` needs the type named
/// once, as for [`defer_to_thread`](crate::defer_to_thread#naming-the-type):
/// `let d: Deferred<u32> = defer_later(&clock, delay, || "1".parse::<u32>());`.
///
/// Cancelling the Deferred before the time cancels the call (nothing is
/// left pending on the clock, and `f` never runs) and fails it with
/// [`CancelledError`](crate::CancelledError); cancelling it while it waits
/// on the Deferred `f` returned cancels that one.
///
/// If the clock refuses the call (a reactor that is stopping), the Deferred
/// has already failed with [`ReactorError::Stopped`](crate::ReactorError::Stopped)
/// and `f` is dropped.
///
/// ```
/// use std::time::Duration;
/// use deferred::{defer_later, testing::Clock, CancelledError, ReactorTime};
///
/// let clock = Clock::new();
/// let d = defer_later(&clock, Duration::from_secs(3), || 6 * 7);
/// clock.advance(Duration::from_secs(2));
/// assert!(!d.is_called());
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(d.result().unwrap().unwrap(), 42);
///
/// let never = defer_later(&clock, Duration::from_secs(1), || -> u8 { unreachable!() });
/// never.cancel();
/// assert!(never.result().unwrap().unwrap_err().check::<CancelledError>());
/// assert!(clock.delayed_calls().is_empty());
/// ```
pub fn defer_later<T, C, F, R>(clock: &C, delay: Duration, f: F) -> Deferred<T>
where
    T: Send + 'static,
    C: ReactorTime + ?Sized,
    F: FnOnce() -> R + Send + 'static,
    R: IntoOutcome<T>,
{
    // As Twisted: a Deferred that the timer fires, whose canceller cancels
    // the timer, and `f` as its callback (here `map`, which changes the type
    // and waits on a Deferred that `f` returns).
    let call: Arc<Mutex<Option<DelayedCall>>> = Arc::new(Mutex::new(None));
    let tick = {
        let call = Arc::clone(&call);
        Deferred::<()>::with_canceller(move |_| {
            if let Some(call) = call.lock().take() {
                let _ = call.cancel();
            }
        })
    };
    let result = tick.map(move |()| f());
    let fire = {
        let tick = tick.clone();
        Box::new(move || {
            // Refused only if a cancel raced the timer from another thread:
            // the Deferred is already failed with CancelledError then.
            let _ = tick.callback(());
        })
    };
    match clock.call_later_boxed(delay, fire) {
        Ok(scheduled) => *call.lock() = Some(scheduled),
        Err(refused) => return fail(refused),
    }
    result
}
