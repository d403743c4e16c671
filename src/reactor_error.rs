//! The errors a [`Reactor`](crate::Reactor) reports: below both the
//! reactor and `time` (whose `ReactorTime` reports them too), so that
//! neither layer reaches up for it (`crate::reactor` re-exports it).

use std::error::Error;
use std::fmt;

/// A reactor call that its state does not allow; nothing changed.
///
/// ```
/// use deferred::{Reactor, ReactorError};
///
/// let reactor = Reactor::new();
/// assert_eq!(reactor.stop(), Err(ReactorError::NotRunning));
/// reactor.call_from_thread({ let r = reactor.clone(); move || r.stop().unwrap() }).unwrap();
/// reactor.run().unwrap();
/// assert_eq!(reactor.run(), Err(ReactorError::NotRestartable));
/// assert_eq!(reactor.call_from_thread(|| ()), Err(ReactorError::Stopped));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReactorError {
    /// [`run`](crate::Reactor::run) while the loop is already running (a
    /// nested `run` from the reactor thread, or a second thread).
    AlreadyRunning,
    /// [`run`](crate::Reactor::run) after the loop has stopped: a reactor runs
    /// once (Twisted's `ReactorNotRestartable`).
    NotRestartable,
    /// [`stop`](crate::Reactor::stop) while the loop is not running: before
    /// `run`, or once a stop is under way or done (Twisted's `ReactorNotRunning`).
    NotRunning,
    /// Work handed to a reactor that has stopped (or, for timers, is
    /// stopping): it would never run, so it was refused and dropped.
    Stopped,
    /// [`react`](crate::react)'s reactor was stopped before the Deferred fired.
    StoppedEarly,
}

impl fmt::Display for ReactorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReactorError::AlreadyRunning => "the reactor is already running",
            ReactorError::NotRestartable => "the reactor has stopped and cannot run again",
            ReactorError::NotRunning => "the reactor is not running",
            ReactorError::Stopped => "the reactor has stopped and refuses new work",
            ReactorError::StoppedEarly => "the reactor was stopped before the Deferred fired",
        })
    }
}

impl Error for ReactorError {}
