//! The crate's panic policy for code it runs on behalf of users, in one
//! place. Every `catch_unwind` in the crate is in this file.
//!
//! - A panic in a handler, a canceller, a `then` closure or a pool job whose
//!   caller waits for the result becomes a [`Failure`] holding a
//!   [`PanicError`](crate::PanicError): [`catch`], or [`outcome`] for code
//!   that produces an [`Outcome`] (semantics §1: panics are failures).
//! - A panic in code run only for its effects (a pool job, a reactor call, the
//!   unhandled-failure hook) is contained and logged at `error` level, so no
//!   worker thread and no event loop is lost to it: [`run_logged`],
//!   [`run_job`].
//!
//! `AssertUnwindSafe` is sound for all of them: the closure owns what it
//! touches, and no lock of ours is held across it (engine note 1), so a panic
//! cannot leave our state half-changed.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::deferred::{Outcome, Step};
use crate::failure::Failure;
use crate::job::Job;

/// Runs `f`, turning a panic into a failure.
#[inline]
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Failure> {
    catch_unwind(AssertUnwindSafe(f)).map_err(Failure::from_panic)
}

/// Runs a handler (or anything that decides how a chain goes on); a panic
/// becomes [`Outcome::Failure`].
#[inline(always)]
pub(crate) fn outcome<T>(f: impl FnOnce() -> Outcome<T>) -> Outcome<T> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|panic| Outcome::Failure(Failure::from_panic(panic)))
}

/// Runs an entry of a chain (a handler or a hand-over); a panic becomes a
/// failure for the chain to go on with.
#[inline(always)]
pub(crate) fn step<T>(f: impl FnOnce() -> Step<T>) -> Step<T> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|panic| Step::Outcome(Outcome::Failure(Failure::from_panic(panic))))
}

/// Runs a job for its effects, as [`run_logged`].
pub(crate) fn run_job(what: &str, job: Job) {
    run_logged(what, move || job.run());
}

/// Runs `f` for its effects; a panic is logged at `error` level with `what`
/// saying whose code it was.
pub(crate) fn run_logged(what: &str, f: impl FnOnce()) {
    if let Err(failure) = catch(f) {
        log::error!("{what} panicked and was contained: {failure}");
    }
}
