//! [`WeakTime`]: a clock held without keeping it alive, for what the
//! clock's own pending calls hold (a [`LoopingCall`](crate::LoopingCall)).

use std::fmt;

use super::clock::WeakClock;
use super::ReactorTime;
use crate::reactor::WeakReactor;

/// A handle to a clock that does not keep it alive: what
/// [`ReactorTime::downgrade_time`] gives. A [`LoopingCall`](crate::LoopingCall)
/// holds its clock this way, since the clock holds the loop's next call,
/// which holds the loop: a strong handle would be a cycle that keeps a
/// clock dropped under a running loop (and the loop) alive for ever.
///
/// The crate's clocks make their own; a clock of yours makes one with
/// [`new`](Self::new) from a function that gives the clock back while any
/// handle of it lives:
///
/// ```
/// use std::sync::{Arc, Weak};
/// use std::time::Duration;
/// use deferred::{testing, DelayedCall, LoopingCall, ReactorError, ReactorTime, WeakTime};
///
/// /// A clock of the user's: a test clock behind its own shared state.
/// #[derive(Clone)]
/// struct MyClock(Arc<testing::Clock>);
///
/// impl ReactorTime for MyClock {
///     fn now(&self) -> Duration {
///         self.0.now()
///     }
///     fn call_later_boxed(
///         &self,
///         delay: Duration,
///         f: Box<dyn FnOnce() + Send + 'static>,
///     ) -> Result<DelayedCall, ReactorError> {
///         self.0.call_later_boxed(delay, f)
///     }
///     fn delayed_calls(&self) -> Vec<DelayedCall> {
///         ReactorTime::delayed_calls(&*self.0)
///     }
///     fn downgrade_time(&self) -> Option<WeakTime> {
///         let weak: Weak<testing::Clock> = Arc::downgrade(&self.0);
///         Some(WeakTime::new(move || weak.upgrade().map(MyClock)))
///     }
/// }
///
/// // A loop on it does not keep it alive: once its last handle is
/// // dropped, the clock goes, with the loop's next call, the loop and
/// // what its function holds.
/// let clock = MyClock(Arc::new(testing::Clock::new()));
/// let token = Arc::new(());
/// let held = Arc::clone(&token);
/// let lc = LoopingCall::new(&clock, move || { let _ = &held; });
/// let _done = lc.start(Duration::from_secs(1), false).unwrap();
/// drop((lc, clock));
/// assert_eq!(Arc::strong_count(&token), 1);
/// ```
pub struct WeakTime {
    repr: Repr,
}

/// The upgrade function of a [`WeakTime::new`].
type Upgrade = Box<dyn Fn() -> Option<Box<dyn ReactorTime>> + Send + Sync + 'static>;

enum Repr {
    Reactor(WeakReactor),
    Clock(WeakClock),
    /// A clock of the user's.
    Other(Upgrade),
}

impl WeakTime {
    /// A weak handle whose `upgrade` gives the clock back while it lives,
    /// and `None` once it is gone (typically a
    /// [`std::sync::Weak`]'s `upgrade`, wrapped in the clock's handle
    /// type).
    ///
    /// `upgrade` is called with the caller's lock held (a `LoopingCall`
    /// schedules its next call under its own lock): it must only upgrade,
    /// and call nothing that could come back to the caller.
    pub fn new<C, F>(upgrade: F) -> Self
    where
        C: ReactorTime + 'static,
        F: Fn() -> Option<C> + Send + Sync + 'static,
    {
        WeakTime {
            repr: Repr::Other(Box::new(move || {
                upgrade().map(|clock| Box::new(clock) as Box<dyn ReactorTime>)
            })),
        }
    }

    pub(crate) fn reactor(reactor: WeakReactor) -> Self {
        WeakTime {
            repr: Repr::Reactor(reactor),
        }
    }

    pub(crate) fn clock(clock: WeakClock) -> Self {
        WeakTime {
            repr: Repr::Clock(clock),
        }
    }

    /// `f` of the clock, if it is still alive; `None` (and `f` dropped
    /// unrun) once it is gone.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&dyn ReactorTime) -> R) -> Option<R> {
        match &self.repr {
            Repr::Reactor(weak) => weak.upgrade().map(|reactor| f(&reactor)),
            Repr::Clock(weak) => weak.upgrade().map(|clock| f(&clock)),
            Repr::Other(upgrade) => upgrade().map(|clock| f(&*clock)),
        }
    }
}

impl fmt::Debug for WeakTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let of = match self.repr {
            Repr::Reactor(_) => "Reactor",
            Repr::Clock(_) => "testing::Clock",
            Repr::Other(_) => "user clock",
        };
        f.debug_tuple("WeakTime").field(&of).finish()
    }
}
