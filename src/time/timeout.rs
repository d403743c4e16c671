//! [`Deferred::add_timeout`]: cancel a Deferred that has not fired in time
//! (Twisted's `Deferred.addTimeout`).
//!
//! # Design note: who came first
//!
//! Twisted marks the Deferred "timed out" when the timer fires and cancels
//! it in the same step; a handler added by `addTimeout` converts the
//! result if the mark is set, and another cancels the timer. On one thread
//! nothing can come between the mark and the cancel. Across threads, the
//! Deferred's result can: a fire on another thread may pass the handler
//! between the two, and the cancel then lands on whatever the chain does
//! next (for example, cancels a Deferred a later handler waits on). The loom
//! model in `loom/tests/loom/time.rs` finds exactly that interleaving in a
//! plain port.
//!
//! Here the timer and the first handler race for one atomic state:
//!
//! - `PENDING` → `SETTLED`: the result reached the handler first. It
//!   cancels the timer; a timer already taken to run finds the state
//!   settled and does nothing.
//! - `PENDING` → `CANCELLING`: the timer came first. It cancels the
//!   Deferred, then sets `TIMED_OUT`. If the handler runs in between (inside
//!   that cancel, or on another thread), it pauses the Deferred and says so
//!   (`PAUSED`), so that the chain stops right after it: the timer's cancel
//!   then finds a result and does nothing more, and the timer unpauses the
//!   Deferred once its cancel has returned. A second handler then converts
//!   the result (`on_timeout_cancel`), with the cancel behind it.
//!
//! On one thread this is Twisted's behaviour, with one difference in
//! timing only: when a canceller fires the Deferred, the handlers after the
//! timeout run once the canceller has returned rather than inside it.

use std::time::Duration;

use super::{ReactorTime, TimeoutError};
use crate::deferred::{Deferred, IntoOutcome, Outcome};
use crate::failure::{CancelledError, Failure};
use crate::mutant;
use crate::reactor_error::ReactorError;
use crate::sync::{Arc, AtomicUsize, Ordering};

/// Neither the timer nor the result has come.
const PENDING: usize = 0;
/// The result reached the timeout's handler first.
const SETTLED: usize = 1;
/// The timer came first and is cancelling the Deferred.
const CANCELLING: usize = 2;
/// The timer came first; its cancel is under way and the handler paused the
/// Deferred until it is over.
const PAUSED: usize = 3;
/// The timer came first and its cancel is over.
const TIMED_OUT: usize = 4;

impl<T: Send + 'static> Deferred<T> {
    /// Cancels this Deferred if it has not fired when `timeout` has passed
    /// on `clock` (Twisted's `addTimeout`); a `CancelledError` that this
    /// cancellation causes arrives as a [`TimeoutError`].
    ///
    /// The timeout covers the handlers added before this call, not those
    /// added after. It adds handlers which:
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
                    .compare_exchange(PENDING, CANCELLING, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
                {
                    return; // the result came first
                }
                d.cancel();
                if race.swap(TIMED_OUT, Ordering::AcqRel) == PAUSED {
                    // The handler's pause. (Only an unbalanced unpause by
                    // the user can have undone it already.)
                    let _ = d.unpause();
                }
            })
        };
        let call = clock.call_later_boxed(timeout, timer)?;
        let (first, d) = (Arc::clone(&race), self.downgrade());
        self.add_both(move |result| -> Outcome<T> {
            match first.compare_exchange(PENDING, SETTLED, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    // Already run (or running) if the timer fired: nothing to do then.
                    let _ = call.cancel();
                }
                Err(CANCELLING) if !mutant::on("timeout_no_pause") => {
                    // The timer's cancel is under way: stop the chain after
                    // this handler until it is over (design note).
                    // The timer holds the Deferred until it leaves CANCELLING.
                    let d = d.upgrade().expect("the timer holds it");
                    d.pause();
                    if first
                        .compare_exchange(CANCELLING, PAUSED, Ordering::AcqRel, Ordering::Acquire)
                        .is_err()
                    {
                        // It ended meanwhile; the chain may go on.
                        let _ = d.unpause();
                    }
                }
                // TIMED_OUT: the timer is done. (CANCELLING only under the mutant:
                // the plain port, whose late cancel loom model 12 catches.)
                Err(_) => {}
            }
            Outcome::from(result)
        });
        self.add_both(move |result| -> Outcome<T> {
            if race.load(Ordering::Acquire) == SETTLED {
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
