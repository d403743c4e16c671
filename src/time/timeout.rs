//! [`Deferred::add_timeout`]: cancel a Deferred that has not fired in time
//! (Twisted's `Deferred.addTimeout`).
//!
//! # Design note: who came first
//!
//! Twisted marks the Deferred "timed out" when the timer fires and converts
//! the result at the handler if the mark is set. On one thread that is
//! exact; across threads, a timer firing on the reactor thread could set
//! the mark just after another thread fired the Deferred with a value, and
//! the handler would then treat that value as a timeout's. Here the timer
//! and the handler race for one atomic, which goes from `PENDING` to either
//! `TIMED_OUT` (the timer won: it cancels the Deferred, and the handler
//! converts) or `SETTLED` (the result reached the handler first: it cancels
//! the timer, and a timer already on its way does nothing). On one thread
//! this is Twisted's rule exactly; across threads, exactly one side acts
//! (the loom model in `loom/tests/loom/time.rs` checks every interleaving
//! of a timeout racing a fire on the reactor).

use std::time::Duration;

use super::{ReactorTime, TimeoutError};
use crate::deferred::{Deferred, IntoOutcome, Outcome};
use crate::failure::{CancelledError, Failure};
use crate::reactor::ReactorError;
use crate::sync::{Arc, AtomicUsize, Ordering};

/// Neither the timer nor the result has come.
const PENDING: usize = 0;
/// The result reached the timeout's handler first.
const SETTLED: usize = 1;
/// The timer fired first and cancelled the Deferred.
const TIMED_OUT: usize = 2;

impl<T: Send + 'static> Deferred<T> {
    /// Cancels this Deferred if it has not fired when `timeout` has passed
    /// on `clock` (Twisted's `addTimeout`); a `CancelledError` that this
    /// cancellation causes arrives as a [`TimeoutError`].
    ///
    /// The timeout covers the handlers added before this call, not those
    /// added after. It adds one handler, which:
    ///
    /// - if the result got there before the time was up, passes it on and
    ///   cancels the timer, so nothing is left pending on the clock;
    /// - if the timer fired first (and cancelled the Deferred), turns a
    ///   [`CancelledError`] failure into a [`TimeoutError`] and passes
    ///   anything else on: a canceller that fired the Deferred with its own
    ///   result wins. A `CancelledError` from any other `cancel` stays a
    ///   `CancelledError`.
    ///
    /// Returns `self`, to add more handlers.
    ///
    /// # Errors
    ///
    /// [`ReactorError::Stopped`] if the clock refuses the timer (a reactor
    /// that is stopping): no timeout would ever fire, so none is added, and
    /// the Deferred is unchanged.
    ///
    /// ```
    /// use std::time::Duration;
    /// use deferred::{testing::Clock, Deferred, TimeoutError};
    ///
    /// let clock = Clock::new();
    /// let slow = Deferred::<u32>::new();
    /// slow.add_timeout(Duration::from_secs(5), &clock).unwrap();
    /// clock.advance(Duration::from_secs(5));
    /// assert!(slow.result().unwrap().unwrap_err().check::<TimeoutError>());
    ///
    /// let fast = Deferred::<u32>::new();
    /// fast.add_timeout(Duration::from_secs(5), &clock).unwrap()
    ///     .add_callback(|n| n + 1);
    /// fast.callback(1).unwrap();
    /// assert_eq!(fast.result().unwrap().unwrap(), 2);
    /// assert!(clock.delayed_calls().is_empty()); // the timer went with the result
    /// ```
    pub fn add_timeout<C>(&self, timeout: Duration, clock: &C) -> Result<&Self, ReactorError>
    where
        C: ReactorTime + ?Sized,
    {
        self.add_timeout_with(timeout, clock, cancelled_to_timed_out)
    }

    /// [`add_timeout`](Self::add_timeout) with Twisted's `onTimeoutCancel`:
    /// when the timer fired first, `on_timeout_cancel` gets the result the
    /// cancellation left (usually a `CancelledError` failure, or whatever a
    /// canceller fired the Deferred with) and the timeout, and returns the
    /// chain's new result, as any handler does: a value, a `Result`, or a
    /// Deferred. It is not called when the result came first, or when the
    /// Deferred was cancelled by someone else. Twisted's may change the
    /// result's type; here it returns the same `T` (use
    /// [`then`](Deferred::then) after it to change types).
    ///
    /// # Errors
    ///
    /// As [`add_timeout`](Self::add_timeout).
    ///
    /// ```
    /// use std::time::Duration;
    /// use deferred::{testing::Clock, Deferred};
    ///
    /// let clock = Clock::new();
    /// let d = Deferred::<&str>::new();
    /// d.add_timeout_with(Duration::from_secs(10), &clock, |_cancelled, _timeout| "OVERRIDDEN")
    ///     .unwrap();
    /// clock.advance(Duration::from_secs(15));
    /// assert_eq!(d.result().unwrap().unwrap(), "OVERRIDDEN");
    /// ```
    pub fn add_timeout_with<C, F, R>(
        &self,
        timeout: Duration,
        clock: &C,
        on_timeout_cancel: F,
    ) -> Result<&Self, ReactorError>
    where
        C: ReactorTime + ?Sized,
        F: FnOnce(Result<T, Failure>, Duration) -> R + Send + 'static,
        R: IntoOutcome<T>,
    {
        let race = Arc::new(AtomicUsize::new(PENDING));
        let timer = {
            let (race, d) = (Arc::clone(&race), self.clone());
            Box::new(move || {
                if race
                    .compare_exchange(PENDING, TIMED_OUT, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    d.cancel();
                }
            })
        };
        let call = clock.call_later_boxed(timeout, timer)?;
        self.add_both(move |result| -> Outcome<T> {
            let settled = race
                .compare_exchange(PENDING, SETTLED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
            if settled {
                // Already run (or running) if the timer fired: nothing to do then.
                let _ = call.cancel();
                Outcome::from(result)
            } else {
                on_timeout_cancel(result, timeout).into_outcome()
            }
        });
        Ok(self)
    }
}

/// Twisted's `_cancelledToTimedOutError`: a `CancelledError` becomes a
/// [`TimeoutError`]; anything else passes.
fn cancelled_to_timed_out<T>(result: Result<T, Failure>, timeout: Duration) -> Result<T, Failure> {
    match result {
        Err(failure) if failure.check::<CancelledError>() => {
            Err(Failure::new(TimeoutError::new(timeout)))
        }
        other => other,
    }
}
