//! [`DeferredSemaphore`]: at most `n` holders at once, and a Deferred for
//! each `acquire` (Twisted's `defer.DeferredSemaphore`). The protocol is in
//! `tokens.rs`.

use std::fmt;

use super::error::{NotAcquiredError, ZeroTokensError};
use super::tokens::{self, Tokens};
use crate::deferred::{Deferred, IntoOutcome};
use crate::sync::Arc;

/// A semaphore for code that waits with Deferreds (Twisted's
/// `DeferredSemaphore`): `limit` tokens; [`acquire`](Self::acquire) gives a
/// Deferred that fires once a token is the caller's;
/// [`release`](Self::release) hands it to the next waiter, first come first
/// served. The usual way to bound how much work runs at once, for instance
/// how many [`defer_to_thread`](crate::defer_to_thread) calls are in flight:
///
/// ```
/// use deferred::{succeed, Deferred, DeferredSemaphore};
///
/// let sem = DeferredSemaphore::new(2).unwrap();
/// let slow: Vec<Deferred<u32>> = (0..3).map(|_| Deferred::new()).collect();
/// let results: Vec<Deferred<u32>> = slow
///     .iter()
///     .map(|d| { let d = d.clone(); sem.run(move || d) })
///     .collect();
/// assert_eq!((sem.tokens(), sem.waiting()), (0, 1)); // two run, one waits
/// slow[0].callback(0).unwrap(); // frees a token: the third starts
/// assert_eq!((sem.tokens(), sem.waiting()), (0, 0));
/// slow[1].callback(1).unwrap();
/// slow[2].callback(2).unwrap();
/// assert_eq!(sem.tokens(), 2);
/// assert_eq!(results[2].result().unwrap().unwrap(), 2);
/// ```
///
/// A cheap handle (clones are the same semaphore), `Send + Sync`.
/// Cancelling a waiting acquire takes it out of the line; it never ends up
/// holding a token.
#[derive(Clone)]
pub struct DeferredSemaphore {
    tokens: Arc<Tokens<DeferredSemaphore>>,
}

impl DeferredSemaphore {
    /// A semaphore with `tokens` tokens, all free.
    ///
    /// # Errors
    ///
    /// [`ZeroTokensError`] for 0 tokens (Twisted raises `ValueError`).
    pub fn new(tokens: usize) -> Result<Self, ZeroTokensError> {
        if tokens == 0 {
            return Err(ZeroTokensError);
        }
        Ok(DeferredSemaphore {
            tokens: Arc::new(Tokens::new(tokens)),
        })
    }

    /// A Deferred that fires with the semaphore (this handle) once a token
    /// is the caller's: at once if one is free, else when the acquires
    /// before it were served and a token was released. The caller must
    /// [`release`](Self::release) it then.
    ///
    /// Cancelling the Deferred while it waits takes it out of the line and
    /// fails it with [`CancelledError`](crate::CancelledError); once it has
    /// fired, `cancel` does nothing.
    #[must_use = "a token is held once this fires: keep it to release the token"]
    pub fn acquire(&self) -> Deferred<DeferredSemaphore> {
        self.tokens.acquire(self.clone())
    }

    /// Gives a token back: the first waiting acquire gets it (its Deferred
    /// fires now, on this thread), or it becomes free.
    ///
    /// # Errors
    ///
    /// [`NotAcquiredError`] if every token is free already; nothing changes.
    pub fn release(&self) -> Result<(), NotAcquiredError> {
        self.tokens.release(self.clone())
    }

    /// Acquires a token, runs `f`, and releases the token when the Deferred
    /// `f` gives fires (Twisted's `run`); see
    /// [`DeferredLock::run`](crate::DeferredLock::run). A closure returning
    /// a `Deferred` or a `Result` needs the type named once, as for
    /// [`defer_to_thread`](crate::defer_to_thread#naming-the-type):
    /// `let d: Deferred<()> = semaphore.run(|| succeed(()));`.
    pub fn run<U, F, R>(&self, f: F) -> Deferred<U>
    where
        U: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
        R: IntoOutcome<U>,
    {
        let semaphore = self.clone();
        tokens::run(self.acquire(), move || semaphore.release(), f)
    }

    /// Tokens free now (Twisted's `tokens`).
    pub fn tokens(&self) -> usize {
        self.tokens.free()
    }

    /// Tokens in all (Twisted's `limit`).
    pub fn limit(&self) -> usize {
        self.tokens.limit()
    }

    /// How many acquires wait in line.
    pub fn waiting(&self) -> usize {
        self.tokens.waiting()
    }
}

impl fmt::Debug for DeferredSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferredSemaphore")
            .field("tokens", &self.tokens())
            .field("limit", &self.limit())
            .field("waiting", &self.waiting())
            .finish()
    }
}
