//! [`race`]: the first of many Deferreds to succeed; the others are
//! cancelled (Twisted 22's `defer.race`).
//!
//! # Design note
//!
//! 1. **One winner.** Each input's chain ends in a hand-over (as in
//!    [`Deferred::then`]) that, under the race's lock, either claims the
//!    win (the first success: `winner` is set in that critical section) or
//!    records a failure. Everything else happens after the lock is
//!    released: cancelling the others (their cancellers are user code) and
//!    firing the output (its handlers are).
//! 2. **The order of a win**, as in Twisted: the other inputs are cancelled,
//!    in input order, and then the output fires with `(index, value)`. The
//!    losers' `CancelledError`s, and any late results, go nowhere.
//! 3. **All failed.** When the last input fails with no winner, the output
//!    fails with a [`FailureGroup`] of every failure in input order.
//!    Cancelling the race cancels every input, so it ends that way unless
//!    an input's canceller makes it succeed (then that input wins).
//! 4. **Inputs are consumed**, values and failures alike (Twisted hands
//!    `None` back to every input): nothing is reported by a losing input.

use super::failure_group::FailureGroup;
use super::inputs::Inputs;
use super::ready::fail;
use crate::deferred::{Deferred, JoinKind};
use crate::failure::Failure;
use crate::sync::{Arc, Mutex};

/// A Deferred that fires with the index and value of the first input to
/// succeed, cancelling every other input; or, if every input fails, fails
/// with a [`FailureGroup`] of their failures in input order (Twisted's
/// `race`, from 22.x). Cancelling it cancels every input.
///
/// The inputs are consumed: their results go to the race (Twisted hands
/// each input `None` back), so a losing input's failure is not reported as
/// unhandled. An input whose result was handed on already (the same
/// Deferred twice, one that `map` or another combinator took) counts at
/// once as failed with [`AlreadyChainedError`](crate::AlreadyChainedError). An empty input list fails at once with an empty
/// `FailureGroup` (Twisted's race of nothing never fires).
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use deferred::{race, Deferred, CancelledError};
///
/// let cancelled = Arc::new(AtomicBool::new(false));
/// let seen = cancelled.clone();
/// let slow = Deferred::<&str>::with_canceller(move |_| seen.store(true, Ordering::SeqCst));
/// let fast = Deferred::new();
/// let first = race(vec![slow.clone(), fast.clone()]);
/// fast.callback("fast").unwrap();
/// assert_eq!(first.result().unwrap().unwrap(), (1, "fast"));
/// assert!(cancelled.load(Ordering::SeqCst)); // the loser was cancelled
/// ```
pub fn race<T, I>(deferreds: I) -> Deferred<(usize, T)>
where
    T: Send + 'static,
    I: IntoIterator<Item = Deferred<T>>,
{
    let inputs: Vec<Deferred<T>> = deferreds.into_iter().collect();
    if inputs.is_empty() {
        return fail(FailureGroup::new(Vec::new()));
    }
    let shared = Arc::new(Race {
        state: Mutex::new(RaceState {
            winner: None,
            failures: inputs.iter().map(|_| None).collect(),
            failed: 0,
        }),
        inputs: Inputs::new(&inputs),
    });
    let canceller_shared = Arc::clone(&shared);
    let output = Deferred::with_canceller(move |_: &Deferred<(usize, T)>| {
        canceller_shared.inputs.cancel_all(None);
    });
    for (index, input) in inputs.into_iter().enumerate() {
        let (shared, output) = (Arc::clone(&shared), output.clone());
        // An input handed on already (the same Deferred twice, one that
        // `map` or another combinator took) arrives at once with an
        // `AlreadyChainedError` failure.
        input.join(
            move |result| {
                shared.arrive(&output, index, result);
                None
            },
            JoinKind::Takes,
        );
    }
    output
}

/// What the hand-overs and the canceller share.
struct Race<T: 'static> {
    state: Mutex<RaceState>,
    /// The unfired inputs: to cancel the losers, and everyone when the race
    /// is cancelled.
    inputs: Inputs<T>,
}

/// The race so far (design notes 1 and 3).
struct RaceState {
    /// The input that succeeded first.
    winner: Option<usize>,
    /// One slot per input, filled when it fails.
    failures: Vec<Option<Failure>>,
    /// How many `failures` are filled.
    failed: usize,
}

impl<T: Send + 'static> Race<T> {
    fn arrive(&self, output: &Deferred<(usize, T)>, index: usize, result: Result<T, Failure>) {
        self.inputs.arrived(index);
        let mut state = self.state.lock();
        match result {
            Ok(value) => {
                if state.winner.is_some() {
                    // Design note 2: a late success (an input whose
                    // canceller fired it with a value, or one that ignored
                    // the cancel) goes nowhere, as in Twisted.
                    return;
                }
                state.winner = Some(index);
                drop(state);
                self.inputs.cancel_all(Some(index));
                // Fails only if the user fired the output themselves.
                let _ = output.callback((index, value));
            }
            Err(failure) => {
                state.failures[index] = Some(failure);
                state.failed += 1;
                if state.failed < state.failures.len() || state.winner.is_some() {
                    return;
                }
                let failures = state
                    .failures
                    .iter_mut()
                    .map(|slot| slot.take().expect("every input failed"))
                    .collect();
                drop(state);
                let _ = output.errback(FailureGroup::new(failures));
            }
        }
    }
}
