//! [`DeferredLock`]: a lock whose `acquire` is a Deferred (Twisted's
//! `defer.DeferredLock`). The protocol is in `tokens.rs`: a lock is one
//! token.

use std::fmt;

use super::error::NotAcquiredError;
use super::tokens::{self, Tokens};
use crate::deferred::{Deferred, IntoOutcome};
use crate::sync::Arc;

/// A lock for code that waits with Deferreds instead of blocking (Twisted's
/// `DeferredLock`): [`acquire`](Self::acquire) gives a Deferred that fires
/// once the lock is the caller's; [`release`](Self::release) hands it to
/// the next waiter, first come first served. [`run`](Self::run) does both
/// around a function.
///
/// A cheap handle (clones are the same lock), `Send + Sync`: acquire on one
/// thread, release on another. Cancelling a waiting acquire takes it out of
/// the line; it never ends up holding the lock.
///
/// ```
/// use deferred::{Deferred, DeferredLock};
///
/// let lock = DeferredLock::new();
/// let first = lock.acquire();
/// assert!(lock.is_locked() && first.is_called()); // free: acquired at once
///
/// let second = lock.acquire(); // waits in line
/// assert!(!second.is_called());
/// lock.release().unwrap(); // hands the lock to `second`
/// assert!(second.is_called() && lock.is_locked());
/// lock.release().unwrap();
/// assert!(!lock.is_locked());
/// assert!(lock.release().is_err()); // nothing is held
/// ```
#[derive(Clone)]
pub struct DeferredLock {
    tokens: Arc<Tokens<DeferredLock>>,
}

impl DeferredLock {
    /// An unlocked lock.
    pub fn new() -> Self {
        DeferredLock {
            tokens: Arc::new(Tokens::new(1)),
        }
    }

    /// A Deferred that fires with the lock (this handle) once it is the
    /// caller's: at once if it is free, else when the holders before it have
    /// released it. The caller must [`release`](Self::release) it then.
    ///
    /// Cancelling the Deferred while it waits takes it out of the line and
    /// fails it with [`CancelledError`](crate::CancelledError); once it has
    /// fired, `cancel` does nothing (the lock is held: release it).
    #[must_use = "the lock is held once this fires: keep it to release the lock"]
    pub fn acquire(&self) -> Deferred<DeferredLock> {
        self.tokens.acquire(self.clone())
    }

    /// Releases the lock: the first waiting acquire gets it (its Deferred
    /// fires now, on this thread), or it becomes free.
    ///
    /// # Errors
    ///
    /// [`NotAcquiredError`] if the lock is not locked; nothing changes.
    pub fn release(&self) -> Result<(), NotAcquiredError> {
        self.tokens.release(self.clone())
    }

    /// Acquires the lock, runs `f`, and releases the lock when the Deferred
    /// `f` gives fires (Twisted's `run`). `f` returns anything
    /// [`IntoOutcome`]: a value, a `Result`, or a `Deferred` to wait for
    /// (the lock is held until it fires); a panic is a failure. The result
    /// is `f`'s. Cancelling the result while it waits for the lock takes it
    /// out of the line (`f` never runs); once `f` runs, a cancel goes to the
    /// Deferred `f` returned.
    ///
    /// `f` runs where the lock is acquired: at once on this thread if the
    /// lock is free, else on the thread whose `release` hands it over.
    ///
    /// A closure returning a `Deferred` or a `Result` needs the type named
    /// once, as for [`defer_to_thread`](crate::defer_to_thread#naming-the-type):
    /// `let d: Deferred<()> = lock.run(|| succeed(()));`.
    ///
    /// ```
    /// use deferred::{Deferred, DeferredLock};
    ///
    /// let lock = DeferredLock::new();
    /// let work = Deferred::<u32>::new();
    /// let w = work.clone();
    /// let result: Deferred<u32> = lock.run(move || w); // holds the lock until `work` fires
    /// assert!(lock.is_locked());
    /// work.callback(7).unwrap();
    /// assert!(!lock.is_locked());
    /// assert_eq!(result.result().unwrap().unwrap(), 7);
    /// ```
    pub fn run<U, F, R>(&self, f: F) -> Deferred<U>
    where
        U: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
        R: IntoOutcome<U>,
    {
        let lock = self.clone();
        tokens::run(self.acquire(), move || lock.release(), f)
    }

    /// Whether someone holds the lock (Twisted's `locked`).
    pub fn is_locked(&self) -> bool {
        self.tokens.free() == 0
    }

    /// How many acquires wait in line.
    pub fn waiting(&self) -> usize {
        self.tokens.waiting()
    }
}

impl Default for DeferredLock {
    fn default() -> Self {
        DeferredLock::new()
    }
}

impl fmt::Debug for DeferredLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferredLock")
            .field("locked", &self.is_locked())
            .field("waiting", &self.waiting())
            .finish()
    }
}
