//! The errors of the time module: [`DelayedCallError`], [`TimeoutError`],
//! [`LoopingCallError`].

use std::error::Error;
use std::fmt;
use std::time::Duration;

/// [`cancel`](super::DelayedCall::cancel), [`reset`](super::DelayedCall::reset)
/// or [`delay`](super::DelayedCall::delay) of a delayed call that is no
/// longer pending (Twisted's `AlreadyCalled`, `AlreadyCancelled`); nothing
/// changed.
///
/// ```
/// use std::time::Duration;
/// use deferred::{testing::Clock, DelayedCallError};
///
/// let clock = Clock::new();
/// let call = clock.call_later(Duration::from_secs(60), || ()).unwrap();
/// call.cancel().unwrap();
/// assert_eq!(call.cancel(), Err(DelayedCallError::AlreadyCancelled));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DelayedCallError {
    /// It has run (or is running now).
    AlreadyCalled,
    /// It was cancelled.
    AlreadyCancelled,
    /// Its clock dropped it before it was due: the reactor stopped, or the
    /// test clock was dropped. It will never run.
    Discarded,
}

impl fmt::Display for DelayedCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DelayedCallError::AlreadyCalled => "the delayed call has already run",
            DelayedCallError::AlreadyCancelled => "the delayed call was cancelled",
            DelayedCallError::Discarded => {
                "the delayed call's clock stopped or was dropped before it was due; it will never run"
            }
        })
    }
}

impl Error for DelayedCallError {}

/// The failure of a Deferred that [`add_timeout`](crate::Deferred::add_timeout)
/// timed out (Twisted's `defer.TimeoutError`): the timeout cancelled it and
/// the cancellation arrived as a [`CancelledError`](crate::CancelledError).
///
/// ```
/// use std::time::Duration;
/// use deferred::{testing::Clock, Deferred, TimeoutError};
///
/// let clock = Clock::new();
/// let d = Deferred::<u8>::new();
/// d.add_timeout(Duration::from_secs(10), &clock).unwrap();
/// clock.advance(Duration::from_secs(10));
/// let failure = d.result().unwrap().unwrap_err();
/// assert_eq!(failure.downcast_ref(), Some(&TimeoutError::new(Duration::from_secs(10))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeoutError {
    timeout: Duration,
}

impl TimeoutError {
    /// The error for a Deferred that did not fire within `timeout`.
    pub fn new(timeout: Duration) -> Self {
        TimeoutError { timeout }
    }

    /// The timeout that ran out.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the Deferred timed out after {:?}", self.timeout)
    }
}

impl Error for TimeoutError {}

/// A [`LoopingCall`](super::LoopingCall) operation that its state does not
/// allow (Twisted asserts); nothing changed.
///
/// ```
/// use deferred::{testing::Clock, LoopingCall, LoopingCallError};
///
/// let clock = Clock::new();
/// let lc = LoopingCall::new(&clock, || ());
/// assert_eq!(lc.stop(), Err(LoopingCallError::NotRunning));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoopingCallError {
    /// [`start`](super::LoopingCall::start) of a loop that is running.
    AlreadyRunning,
    /// [`start`](super::LoopingCall::start) of a loop that was stopped while
    /// its function (or the Deferred the function returned) was still
    /// running: the loop is done once that finishes and its `start`
    /// Deferred fires. Twisted starts a second loop here, whose `start`
    /// Deferred the first loop's end then fires.
    Stopping,
    /// [`stop`](super::LoopingCall::stop) or [`reset`](super::LoopingCall::reset)
    /// of a loop that is not running.
    NotRunning,
}

impl fmt::Display for LoopingCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoopingCallError::AlreadyRunning => "the looping call is already running",
            LoopingCallError::Stopping => {
                "the looping call was stopped and its last call has not finished yet"
            }
            LoopingCallError::NotRunning => "the looping call is not running",
        })
    }
}

impl Error for LoopingCallError {}

/// The clock can move no further: it is at the end of its range (a test
/// [`Clock`](crate::testing::Clock) advanced by `Duration::MAX` saturates
/// there, about 584 years). A call for later would be due at once, forever
/// at the same time, so whatever repeats on that clock (a
/// [`LoopingCall`](super::LoopingCall) with a non-zero interval, the retries
/// of [`DeferredFilesystemLock::defer_until_locked`](crate::DeferredFilesystemLock::defer_until_locked))
/// ends with this failure instead of running again and again inside one
/// `advance`.
///
/// ```
/// use std::time::Duration;
/// use deferred::{testing::Clock, ClockExhaustedError, LoopingCall};
///
/// let clock = Clock::new();
/// clock.advance(Duration::MAX);
/// let lc = LoopingCall::new(&clock, || ());
/// let done = lc.start(Duration::from_secs(1), true).unwrap(); // runs once
/// let failure = done.result().unwrap().unwrap_err();
/// assert!(failure.check::<ClockExhaustedError>());
/// assert!(!lc.is_running());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ClockExhaustedError;

impl fmt::Display for ClockExhaustedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the clock is at the end of its range: a repeating call would run again and again at the same time",
        )
    }
}

impl Error for ClockExhaustedError {}

/// [`Clock::react`](crate::testing::Clock::react): the clock has no calls
/// left and the Deferred has not fired, so nothing can fire it by advancing
/// time (a real reactor would wait forever; a test should not).
///
/// ```
/// use deferred::testing::{Clock, ClockIdleError};
/// use deferred::Deferred;
///
/// let never = Deferred::<u8>::new();
/// let failure = Clock::new().react(|_| never.clone()).unwrap_err();
/// assert!(failure.check::<ClockIdleError>());
/// # never.cancel();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ClockIdleError;

impl fmt::Display for ClockIdleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the clock has no calls left and the Deferred has not fired")
    }
}

impl Error for ClockIdleError {}
