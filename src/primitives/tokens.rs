//! The tokens and the line of waiters behind [`DeferredLock`] (one token)
//! and [`DeferredSemaphore`] (`n` tokens).
//!
//! [`DeferredLock`]: crate::DeferredLock
//! [`DeferredSemaphore`]: crate::DeferredSemaphore
//!
//! # Design note
//!
//! 1. **One lock, no user code under it.** The free count and the line of
//!    waiting Deferreds sit behind one [`Mutex`]. `acquire` takes a free
//!    token or joins the line in one critical section; a Deferred is fired
//!    only after the lock is released (firing runs its callbacks).
//! 2. **A release hands its token straight to the first waiter.** The
//!    token never becomes free on the way, so an `acquire` arriving
//!    meanwhile (from another thread, or from a callback) queues behind the
//!    line instead of overtaking it: first come, first served.
//! 3. **A cancelled waiter never keeps a token.** Its canceller takes it
//!    out of the line (under the lock); it then fails with
//!    `CancelledError`. If a release took it from the line first, that
//!    release is about to fire it, and a `cancel` on another thread may
//!    fire it first: the release's fire is then refused
//!    (`Deferred::try_callback` gives the token back) and the token goes on
//!    to the next waiter, or becomes free. So every token is free or held
//!    by exactly one fired acquire: none lost, none doubled.
//! 4. **Constant stack.** Firing a waiter runs its callbacks, which often
//!    release again; the fire goes through `handoff`, which queues a
//!    hand-off made inside another one on the same thread instead of
//!    nesting it. The waiter is chosen under the lock, so the order of
//!    service does not change; only the firing waits for the callbacks
//!    running on this thread to return.
//! 5. **A release with every token free is refused** (`NotAcquiredError`)
//!    and changes nothing.
//! 6. **No cycle.** A waiter's canceller holds the tokens weakly: the line
//!    holds the waiters, and dropping every handle of a primitive frees it
//!    (its waiters then never fire: nobody can release any more).

use super::error::NotAcquiredError;
use super::handoff;
use super::waiters::Waiters;
use crate::combinators::{maybe_deferred, succeed};
use crate::deferred::{Deferred, IntoOutcome, Outcome};
use crate::failure::Failure;
use crate::mutant;
use crate::sync::{Arc, Mutex};

/// The shared state of a lock or semaphore. `H` is the handle its acquire
/// Deferreds fire with (the `DeferredLock` or `DeferredSemaphore` itself,
/// as in Twisted).
pub(crate) struct Tokens<H: 'static> {
    state: Mutex<TokenState<H>>,
    /// Tokens in all (Twisted's `limit`).
    limit: usize,
}

/// What the lock guards (design note 1).
struct TokenState<H: 'static> {
    /// Tokens nobody holds (Twisted's `tokens`; `0` is Twisted's `locked`).
    free: usize,
    /// Acquires waiting for a token, oldest first.
    line: Waiters<H>,
}

impl<H: Clone + Send + 'static> Tokens<H> {
    /// `limit` tokens, all free. The caller checks `limit > 0`.
    pub(crate) fn new(limit: usize) -> Self {
        debug_assert!(limit > 0);
        Tokens {
            state: Mutex::new(TokenState {
                free: limit,
                line: Waiters::new(),
            }),
            limit,
        }
    }

    /// A Deferred that fires with `handle` once a token is this caller's:
    /// at once if one is free, else when a release hands one over.
    pub(crate) fn acquire(self: &Arc<Self>, handle: H) -> Deferred<H> {
        let mut state = self.state.lock();
        if state.free > 0 {
            state.free -= 1;
            drop(state);
            return succeed(handle);
        }
        let id = state.line.next_id();
        let tokens = Arc::downgrade(self);
        let waiter = Deferred::with_canceller(move |_: &Deferred<H>| {
            if let Some(tokens) = tokens.upgrade() {
                tokens.leave(id);
            }
        });
        state.line.push(id, waiter.clone());
        waiter
    }

    /// A waiting acquire was cancelled: out of the line (design note 3).
    fn leave(&self, id: u64) {
        let left = self.state.lock().line.remove(id);
        drop(left); // after the lock: dropping a Deferred may run user drops
    }

    /// Gives a token back: to the first waiter, or to the free count.
    pub(crate) fn release(self: &Arc<Self>, handle: H) -> Result<(), NotAcquiredError> {
        let mut state = self.state.lock();
        if state.free == self.limit {
            return Err(NotAcquiredError);
        }
        match state.line.pop() {
            Some(waiter) => {
                drop(state);
                self.hand_over(waiter, handle);
            }
            None => state.free += 1,
        }
        Ok(())
    }

    /// Fires `waiter` with the token (`handle`), through `handoff`. If a
    /// cancel fired it first, the token goes on (design note 3).
    fn hand_over(self: &Arc<Self>, waiter: Deferred<H>, handle: H) {
        let tokens = Arc::clone(self);
        handoff::run(move || {
            if let Err(refused) = waiter.try_callback(handle) {
                // Mutant for `cargo xtask mutants`: the refused token is
                // dropped, and the lock stays locked with nobody holding it.
                if !mutant::on("primitives_refused_token_lost") {
                    tokens.pass_on(refused);
                }
            }
        });
    }

    /// A token refused by a cancelled waiter: to the next waiter, or free.
    fn pass_on(self: &Arc<Self>, handle: H) {
        let mut state = self.state.lock();
        match state.line.pop() {
            Some(waiter) => {
                drop(state);
                self.hand_over(waiter, handle);
            }
            None => state.free += 1,
        }
    }

    /// Tokens nobody holds.
    pub(crate) fn free(&self) -> usize {
        self.state.lock().free
    }

    /// Acquires waiting in line.
    pub(crate) fn waiting(&self) -> usize {
        self.state.lock().line.len()
    }

    /// Tokens in all.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }
}

/// Twisted's `_ConcurrencyPrimitive.run`: once `acquired` fires, runs `f`
/// (as [`maybe_deferred`]) and calls `release` when the Deferred `f` gives
/// fires, whatever it fires with; the result is `f`'s. If the acquire
/// fails (it was cancelled), `f` never runs and nothing is released.
pub(crate) fn run<H, U, F, R, G>(acquired: Deferred<H>, release: G, f: F) -> Deferred<U>
where
    H: Send + 'static,
    U: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
    R: IntoOutcome<U>,
    G: FnOnce() -> Result<(), NotAcquiredError> + Send + 'static,
{
    acquired.then(move |acquired: Result<H, Failure>| {
        if let Err(failure) = acquired {
            return Outcome::Failure(failure);
        }
        let result: Deferred<U> = maybe_deferred(f);
        result.add_both(move |r: Result<U, Failure>| match release() {
            Ok(()) => r,
            // Released inside `f` already (Twisted's assert fails here).
            Err(unbalanced) => Err(Failure::new(unbalanced)),
        });
        Outcome::Deferred(result)
    })
}
