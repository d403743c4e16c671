//! The crate's panic policy for code it runs on behalf of users, in one
//! place. Every `catch_unwind` in the crate is in this file.
//!
//! - A panic in a handler, a canceller, a `then` closure or a pool job whose
//!   caller waits for the result becomes a [`Failure`] holding a
//!   [`PanicError`](crate::PanicError): [`catch`], or [`catch_or`] for code
//!   that makes a value of its own type of it (the chain's `Outcome` and
//!   `Step`: `crate::deferred::catch_outcome` and `catch_step`, which live
//!   with those types so that this bottom layer imports nothing above it;
//!   semantics §1: panics are failures).
//! - A panic in code run only for its effects (a pool job, a reactor call, the
//!   unhandled-failure hook) is contained and logged at `error` level, so no
//!   worker thread and no event loop is lost to it: [`run_logged`],
//!   [`run_job`].
//!
//! `AssertUnwindSafe` is sound for all of them: the closure owns what it
//! touches, and no lock of ours is held across it (engine note 1), so a panic
//! cannot leave our state half-changed.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::failure::Failure;
use crate::job::Job;

/// Runs `f`, turning a panic into a failure.
#[inline]
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Failure> {
    catch_unwind(AssertUnwindSafe(f)).map_err(Failure::from_panic)
}

/// Runs `f`; a panic becomes whatever `on_panic` makes of its failure.
#[inline(always)]
pub(crate) fn catch_or<R>(f: impl FnOnce() -> R, on_panic: impl FnOnce(Failure) -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| on_panic(Failure::from_panic(panic)))
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
