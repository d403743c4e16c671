//! [`DelayedCall`]: the handle of a call scheduled with
//! [`Reactor::call_later`](super::Reactor::call_later).

use std::fmt;
use std::time::Duration;

use super::timers::{TimerCell, CALLED, CANCELLED, DISCARDED, PENDING};
use super::{DelayedCallError, Inner};
use crate::sync::Arc;

/// A call scheduled with [`Reactor::call_later`](super::Reactor::call_later)
/// (Twisted's `IDelayedCall`): cancel it, move it, or ask whether it is
/// still pending. Clones are the same call. Usable from any thread.
///
/// ```
/// use std::time::Duration;
/// use deferred::Reactor;
///
/// let reactor = Reactor::new();
/// let call = reactor.call_later(Duration::from_secs(3600), || unreachable!()).unwrap();
/// assert!(call.active());
/// call.reset(Duration::from_secs(7200)).unwrap();
/// call.cancel().unwrap();
/// assert!(!call.active());
/// ```
#[derive(Clone)]
pub struct DelayedCall {
    /// The reactor whose queue holds it.
    pub(super) inner: Arc<Inner>,
    /// Its identity and status.
    pub(super) cell: Arc<TimerCell>,
}

impl DelayedCall {
    /// Whether it is still waiting to run: not yet run, cancelled, or
    /// discarded by the reactor's stop. Inside its own call it is no longer
    /// active.
    ///
    /// ```
    /// use std::time::Duration;
    /// let reactor = deferred::Reactor::new();
    /// let call = reactor.call_later(Duration::ZERO, || ()).unwrap();
    /// assert!(call.active());
    /// ```
    pub fn active(&self) -> bool {
        self.cell.status() == PENDING
    }

    /// Cancels it: it will not run. Its closure is dropped at once.
    ///
    /// # Errors
    ///
    /// [`DelayedCallError`] saying why it was no longer pending (already
    /// run, already cancelled, discarded by a stop); nothing changes.
    ///
    /// ```
    /// use std::time::Duration;
    /// let reactor = deferred::Reactor::new();
    /// let call = reactor.call_later(Duration::ZERO, || unreachable!()).unwrap();
    /// call.cancel().unwrap();
    /// assert!(call.cancel().is_err());
    /// ```
    pub fn cancel(&self) -> Result<(), DelayedCallError> {
        let job = self.inner.state.lock().timers.remove(&self.cell, CANCELLED);
        match job {
            Some(job) => {
                drop(job); // user destructors, outside the lock
                Ok(())
            }
            None => Err(self.not_pending()),
        }
    }

    /// Moves it to `delay` from now (Twisted's `reset`). Among calls due at
    /// the same instant it now comes after those scheduled earlier.
    ///
    /// # Errors
    ///
    /// As [`cancel`](Self::cancel).
    ///
    /// ```
    /// use std::time::Duration;
    /// let reactor = deferred::Reactor::new();
    /// let call = reactor.call_later(Duration::from_secs(60), || ()).unwrap();
    /// call.reset(Duration::ZERO).unwrap(); // now due at once
    /// assert!(call.active());
    /// ```
    pub fn reset(&self, delay: Duration) -> Result<(), DelayedCallError> {
        let deadline = super::deadline_after(delay);
        let mut state = self.inner.state.lock();
        if state.timers.reschedule(&self.cell, deadline) {
            // An earlier deadline must shorten the reactor's sleep.
            let wake = state.take_wakeup();
            drop(state);
            if wake {
                self.inner.wake.notify_one();
            }
            Ok(())
        } else {
            drop(state);
            Err(self.not_pending())
        }
    }

    fn not_pending(&self) -> DelayedCallError {
        match self.cell.status() {
            CANCELLED => DelayedCallError::AlreadyCancelled,
            DISCARDED => DelayedCallError::ReactorStopped,
            CALLED => DelayedCallError::AlreadyCalled,
            other => unreachable!("a pending timer is always in the queue (status {other})"),
        }
    }
}

impl fmt::Debug for DelayedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.cell.status() {
            PENDING => "pending",
            CALLED => "called",
            CANCELLED => "cancelled",
            _ => "discarded",
        };
        f.debug_struct("DelayedCall")
            .field("status", &status)
            .finish()
    }
}
