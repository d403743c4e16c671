//! [`DelayedCall`]: the handle of a call scheduled on any
//! [`ReactorTime`](super::ReactorTime), and what it shares with the clock
//! that holds the call.

use std::fmt;
use std::time::Duration;

use super::{DelayedCallError, Nanos};
use crate::sync::{Arc, AtomicU64, AtomicUsize, Ordering, Weak};

/// What a clock runs when a call is due.
pub(crate) type TimerJob = Box<dyn FnOnce() + Send + 'static>;

/// Where a delayed call is in its life; kept in [`TimerCell`].
pub(crate) const PENDING: usize = 0;
/// It was taken from the queue to run.
pub(crate) const CALLED: usize = 1;
/// `cancel` removed it.
pub(crate) const CANCELLED: usize = 2;
/// Its clock dropped it without running it: a reactor that stopped, or a
/// clock that was dropped.
pub(crate) const DISCARDED: usize = 3;

/// What a [`DelayedCall`] handle and its clock's queue share. Both fields
/// change only under the clock's lock; reading them needs no lock.
#[derive(Debug)]
pub(crate) struct TimerCell {
    /// The call's identity in its clock's queue.
    pub(crate) id: u64,
    /// One of [`PENDING`], [`CALLED`], [`CANCELLED`], [`DISCARDED`].
    status: AtomicUsize,
    /// When it is due (Twisted's `getTime`).
    when: AtomicU64,
}

impl TimerCell {
    pub(crate) fn new(id: u64, when: Nanos) -> Self {
        TimerCell {
            id,
            status: AtomicUsize::new(PENDING),
            when: AtomicU64::new(when),
        }
    }

    pub(crate) fn status(&self) -> usize {
        self.status.load(Ordering::Acquire)
    }

    /// Under the clock's lock.
    pub(crate) fn set_status(&self, status: usize) {
        self.status.store(status, Ordering::Release);
    }

    pub(crate) fn when(&self) -> Nanos {
        self.when.load(Ordering::Acquire)
    }

    /// Under the clock's lock.
    pub(crate) fn set_when(&self, when: Nanos) {
        self.when.store(when, Ordering::Release);
    }
}

/// A clock's side of [`DelayedCall`]: each operation takes the clock's lock
/// and answers whether the call was still pending (and so was changed).
pub(crate) trait TimerQueue: Send + Sync {
    /// Removes a pending call, marking it cancelled; hands back its job, for
    /// the caller to drop outside the lock.
    fn cancel(&self, cell: &TimerCell) -> Option<TimerJob>;
    /// Makes a pending call due `delay` from now.
    fn reset(&self, cell: &TimerCell, delay: Duration) -> bool;
    /// Makes a pending call due `by` later than it was.
    fn delay(&self, cell: &TimerCell, by: Duration) -> bool;
}

/// A call scheduled with [`ReactorTime::call_later`](super::ReactorTime::call_later)
/// on a [`Reactor`](crate::Reactor) or a [`testing::Clock`](crate::testing::Clock)
/// (Twisted's `IDelayedCall`): cancel it, move it, ask when it is due and
/// whether it is still pending. Clones are the same call; `==` says whether
/// two handles are. Usable from any thread.
///
/// The handle does not keep its clock alive: once the clock is gone (a
/// reactor that stopped, a test clock that was dropped) its pending calls
/// are discarded and report [`DelayedCallError::Discarded`].
///
/// ```
/// use std::time::Duration;
/// use deferred::testing::Clock;
///
/// let clock = Clock::new();
/// let call = clock.call_later(Duration::from_secs(10), || unreachable!()).unwrap();
/// assert!(call.is_active());
/// call.reset(Duration::from_secs(20)).unwrap();
/// call.delay(Duration::from_secs(5)).unwrap();
/// assert_eq!(call.time(), Duration::from_secs(25));
/// call.cancel().unwrap();
/// assert!(!call.is_active());
/// clock.advance(Duration::from_secs(30)); // nothing runs
/// ```
#[derive(Clone)]
pub struct DelayedCall {
    /// The clock whose queue holds it (weak: see the type's docs).
    queue: Weak<dyn TimerQueue>,
    /// Its identity, status and due time.
    cell: Arc<TimerCell>,
}

impl DelayedCall {
    pub(crate) fn new(queue: Weak<dyn TimerQueue>, cell: Arc<TimerCell>) -> Self {
        DelayedCall { queue, cell }
    }

    /// Whether it is still waiting to run (Twisted's `active`): not yet run,
    /// cancelled, or discarded. Inside its own call it is no longer active.
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = deferred::testing::Clock::new();
    /// let call = clock.call_later(Duration::ZERO, || ()).unwrap();
    /// assert!(call.is_active());
    /// clock.advance(Duration::ZERO);
    /// assert!(!call.is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        self.cell.status() == PENDING && self.queue.strong_count() > 0
    }

    /// When it is due, on its clock's time line (Twisted's `getTime`); for a
    /// call that ran or was cancelled, when it was last due.
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = deferred::testing::Clock::new();
    /// clock.advance(Duration::from_secs(1));
    /// let call = clock.call_later(Duration::from_secs(2), || ()).unwrap();
    /// assert_eq!(call.time(), Duration::from_secs(3));
    /// ```
    pub fn time(&self) -> Duration {
        Duration::from_nanos(self.cell.when())
    }

    /// Cancels it: it will not run. Its closure is dropped at once.
    ///
    /// # Errors
    ///
    /// [`DelayedCallError`] saying why it was no longer pending (already
    /// run, already cancelled, discarded); nothing changes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use deferred::DelayedCallError;
    ///
    /// let clock = deferred::testing::Clock::new();
    /// let call = clock.call_later(Duration::ZERO, || unreachable!()).unwrap();
    /// call.cancel().unwrap();
    /// assert_eq!(call.cancel(), Err(DelayedCallError::AlreadyCancelled));
    /// ```
    pub fn cancel(&self) -> Result<(), DelayedCallError> {
        let job = self.queue.upgrade().and_then(|q| q.cancel(&self.cell));
        match job {
            Some(job) => {
                drop(job); // user destructors, outside the clock's lock
                Ok(())
            }
            None => Err(self.not_pending()),
        }
    }

    /// Makes it due `delay` from now (Twisted's `reset`).
    ///
    /// # Errors
    ///
    /// As [`cancel`](Self::cancel).
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = deferred::testing::Clock::new();
    /// let call = clock.call_later(Duration::from_secs(60), || ()).unwrap();
    /// clock.advance(Duration::from_secs(10));
    /// call.reset(Duration::from_secs(5)).unwrap();
    /// assert_eq!(call.time(), Duration::from_secs(15));
    /// ```
    pub fn reset(&self, delay: Duration) -> Result<(), DelayedCallError> {
        self.apply(|q, cell| q.reset(cell, delay))
    }

    /// Makes it due `by` later than it was (Twisted's `delay`). Twisted also
    /// takes a negative delay; here, to move a call earlier, use
    /// [`reset`](Self::reset).
    ///
    /// # Errors
    ///
    /// As [`cancel`](Self::cancel).
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = deferred::testing::Clock::new();
    /// let call = clock.call_later(Duration::from_secs(1), || ()).unwrap();
    /// call.delay(Duration::from_secs(1)).unwrap();
    /// assert_eq!(call.time(), Duration::from_secs(2));
    /// ```
    pub fn delay(&self, by: Duration) -> Result<(), DelayedCallError> {
        self.apply(|q, cell| q.delay(cell, by))
    }

    fn apply(
        &self,
        change: impl FnOnce(&dyn TimerQueue, &TimerCell) -> bool,
    ) -> Result<(), DelayedCallError> {
        match self.queue.upgrade() {
            Some(queue) if change(&*queue, &self.cell) => Ok(()),
            _ => Err(self.not_pending()),
        }
    }

    /// Why an operation found it no longer pending.
    fn not_pending(&self) -> DelayedCallError {
        match self.cell.status() {
            CANCELLED => DelayedCallError::AlreadyCancelled,
            CALLED => DelayedCallError::AlreadyCalled,
            // DISCARDED, or PENDING in a clock that is being dropped right now.
            _ => DelayedCallError::Discarded,
        }
    }
}

impl PartialEq for DelayedCall {
    /// Whether both handles are the same call.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.cell, &other.cell)
    }
}

impl Eq for DelayedCall {}

impl std::hash::Hash for DelayedCall {
    /// Hashes the call's id in its clock's queue: handles of one call hash
    /// the same, as `Eq` needs (calls of two clocks may share an id, which
    /// only makes them collide).
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.cell.id.hash(state);
    }
}

impl fmt::Debug for DelayedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.cell.status() {
            PENDING if self.queue.strong_count() == 0 => "discarded",
            PENDING => "pending",
            CALLED => "called",
            CANCELLED => "cancelled",
            _ => "discarded",
        };
        f.debug_struct("DelayedCall")
            .field("status", &status)
            .field("time", &self.time())
            .finish()
    }
}
