//! The chain's side of the crate's panic policy (`crate::unwind`, where
//! every `catch_unwind` is): a panic in code that decides how a chain goes
//! on becomes a failure for the chain. Here rather than in `unwind`, so
//! that the bottom layer needs nothing of the chain's types.

use super::{Outcome, Step};
use crate::unwind;

/// Runs a handler (or anything that decides how a chain goes on); a panic
/// becomes [`Outcome::Failure`].
#[inline(always)]
pub(crate) fn catch_outcome<T>(f: impl FnOnce() -> Outcome<T>) -> Outcome<T> {
    unwind::catch_or(f, Outcome::Failure)
}

/// Runs an entry of a chain (a handler or a hand-over); a panic becomes a
/// failure for the chain to go on with.
#[inline(always)]
pub(crate) fn catch_step<T>(f: impl FnOnce() -> Step<T>) -> Step<T> {
    unwind::catch_or(f, |failure| Step::Outcome(Outcome::Failure(failure)))
}
