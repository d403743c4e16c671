//! Time: the [`ReactorTime`] interface (Twisted's `IReactorTime`), the
//! [`DelayedCall`] handle of a scheduled call, and what is built on them:
//! [`Deferred::add_timeout`](crate::Deferred::add_timeout),
//! [`defer_later`] and [`LoopingCall`].
//!
//! Two clocks implement the interface: the [`Reactor`](crate::Reactor)
//! (real time) and [`testing::Clock`](crate::testing::Clock) (time moves only
//! when a test says so). Everything here takes any implementation, so each
//! piece is tested with the test clock, exactly and without sleeping.
//!
//! # Design note: time values
//!
//! Twisted counts time in float seconds since an epoch. Here a clock's time
//! is a [`Duration`] since the clock's own start (the reactor's creation, or
//! zero for a test clock): exact, so the interval grid of a `LoopingCall`
//! and the order of calls due at the same time never drift. Internally a
//! time is a count of nanoseconds in a `u64` (584 years), which lets a
//! [`DelayedCall`] keep its due time in an atomic; later times saturate
//! there ("never" in practice).

mod clock;
mod delayed_call;
mod error;
mod later;
mod looping_call;
mod timeout;
mod weak;

#[cfg(all(test, not(deferred_loom)))]
mod tests;

use std::time::Duration;

pub use clock::Clock;
pub use delayed_call::DelayedCall;
pub(crate) use delayed_call::{TimerCell, TimerJob, TimerQueue, CALLED, CANCELLED, DISCARDED};
pub use error::{
    ClockExhaustedError, ClockIdleError, DelayedCallError, LoopingCallError, TimeoutError,
};
pub use later::defer_later;
pub use looping_call::LoopingCall;
pub use weak::WeakTime;

use crate::reactor_error::ReactorError;
use crate::sync::Arc;

/// A clock that runs calls later: Twisted's `IReactorTime`.
///
/// Implemented by [`Reactor`](crate::Reactor) (real time: calls run on the
/// reactor thread) and by [`testing::Clock`](crate::testing::Clock) (time
/// moves when a test calls `advance`). Code that waits takes
/// `&impl ReactorTime` (or an `Arc<dyn ReactorTime>`), so tests can drive it
/// with a test clock.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use deferred::testing::Clock;
/// use deferred::ReactorTime;
///
/// // Code under test: it only knows the interface.
/// fn remind(clock: &impl ReactorTime, log: Arc<Mutex<Vec<Duration>>>) {
///     let now = clock.now();
///     clock.call_later(Duration::from_secs(5), move || log.lock().unwrap().push(now)).unwrap();
/// }
///
/// let clock = Clock::new();
/// let log = Arc::new(Mutex::new(Vec::new()));
/// remind(&clock, Arc::clone(&log));
/// clock.advance(Duration::from_secs(4));
/// assert!(log.lock().unwrap().is_empty());
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(*log.lock().unwrap(), [Duration::ZERO]);
/// ```
pub trait ReactorTime: Send + Sync {
    /// The current time: how long since the clock started (Twisted's
    /// `seconds()`). Never goes backwards.
    ///
    /// ```
    /// use deferred::{testing::Clock, Reactor, ReactorTime};
    ///
    /// let reactor = Reactor::new();
    /// let (a, b) = (reactor.now(), reactor.now());
    /// assert!(b >= a);
    /// assert_eq!(Clock::new().now(), std::time::Duration::ZERO);
    /// ```
    fn now(&self) -> Duration;

    /// Schedules `f` to run once `delay` has passed (Twisted's `callLater`),
    /// boxed so that the trait works as `dyn ReactorTime`;
    /// [`call_later`](Self::call_later) is the usual way to call it.
    ///
    /// An implementation only queues `f`: it never runs it, or calls back
    /// into its caller, before returning (callers such as
    /// [`LoopingCall`] schedule under their own lock).
    ///
    /// # Errors
    ///
    /// [`ReactorError::Stopped`] if the clock will never run it (a reactor
    /// that is stopping or has stopped); `f` is dropped. A test clock never
    /// refuses.
    fn call_later_boxed(
        &self,
        delay: Duration,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<DelayedCall, ReactorError>;

    /// The calls scheduled and not yet run or cancelled (Twisted's
    /// `getDelayedCalls`), in the order the clock keeps them.
    ///
    /// ```
    /// use std::time::Duration;
    /// use deferred::{Reactor, ReactorTime};
    ///
    /// let reactor = Reactor::new();
    /// let call = reactor.call_later(Duration::from_secs(60), || ()).unwrap();
    /// assert_eq!(reactor.delayed_calls(), [call.clone()]);
    /// call.cancel().unwrap();
    /// assert!(reactor.delayed_calls().is_empty());
    /// ```
    fn delayed_calls(&self) -> Vec<DelayedCall>;

    /// Schedules `f` to run once `delay` has passed (Twisted's `callLater`).
    ///
    /// # Errors
    ///
    /// As [`call_later_boxed`](Self::call_later_boxed).
    ///
    /// ```
    /// use std::time::Duration;
    /// use deferred::{testing::Clock, ReactorTime};
    ///
    /// fn schedule(clock: &impl ReactorTime) {
    ///     let call = clock.call_later(Duration::from_secs(1), || ()).unwrap();
    ///     assert_eq!(call.time(), clock.now() + Duration::from_secs(1));
    /// }
    /// schedule(&Clock::new());
    /// ```
    fn call_later<F>(&self, delay: Duration, f: F) -> Result<DelayedCall, ReactorError>
    where
        Self: Sized,
        F: FnOnce() + Send + 'static,
    {
        self.call_later_boxed(delay, Box::new(f))
    }

    /// A handle to this clock that does not keep it alive, for what the
    /// clock's own pending calls hold: a [`LoopingCall`] holds its clock
    /// this way, so a running loop never keeps its clock alive (the clock
    /// holds the loop's next call; a strong handle back would be a cycle).
    /// Once the clock is gone, a loop on it behaves as on a stopped
    /// reactor: its next `start` ends it with
    /// [`ReactorError::Stopped`].
    ///
    /// The default is `None`: the clock is held as given, so a clock
    /// dropped (every handle) under a running loop is kept alive, with the
    /// loop and its function, until the loop is stopped. The
    /// [`Reactor`](crate::Reactor), [`testing::Clock`](crate::testing::Clock)
    /// and [`MemoryReactor`](crate::testing::MemoryReactor) give one; a
    /// clock of yours gives one with [`WeakTime::new`] (its page has an
    /// example).
    fn downgrade_time(&self) -> Option<WeakTime> {
        None
    }
}

impl<C: ReactorTime + ?Sized> ReactorTime for &C {
    fn now(&self) -> Duration {
        (**self).now()
    }

    fn call_later_boxed(&self, delay: Duration, f: TimerJob) -> Result<DelayedCall, ReactorError> {
        (**self).call_later_boxed(delay, f)
    }

    fn delayed_calls(&self) -> Vec<DelayedCall> {
        (**self).delayed_calls()
    }

    fn downgrade_time(&self) -> Option<WeakTime> {
        (**self).downgrade_time()
    }
}

impl<C: ReactorTime + ?Sized> ReactorTime for Arc<C> {
    fn now(&self) -> Duration {
        (**self).now()
    }

    fn call_later_boxed(&self, delay: Duration, f: TimerJob) -> Result<DelayedCall, ReactorError> {
        (**self).call_later_boxed(delay, f)
    }

    fn delayed_calls(&self) -> Vec<DelayedCall> {
        (**self).delayed_calls()
    }

    /// The clock's own weak handle: an `Arc` of a clock that gives none is
    /// held as given (this `Arc` is not the clock's only handle).
    fn downgrade_time(&self) -> Option<WeakTime> {
        (**self).downgrade_time()
    }
}

/// A time in the internal representation: nanoseconds since the clock's
/// start, saturating (see the design note).
pub(crate) type Nanos = u64;

/// `d` in nanoseconds, saturating at [`Nanos::MAX`].
/// Whether `clock` is at the end of its range, where a call for later is
/// due at once ([`ClockExhaustedError`]).
pub(crate) fn exhausted(clock: &dyn ReactorTime) -> bool {
    nanos(clock.now()) == Nanos::MAX
}

pub(crate) fn nanos(d: Duration) -> Nanos {
    Nanos::try_from(d.as_nanos()).unwrap_or(Nanos::MAX)
}
