//! The crate's panic policy for code it runs on behalf of users, in one place:
//! a panic in a pool job or a reactor call is caught, so no worker thread and
//! no event loop is lost to it; where a caller waits for the result, the panic
//! becomes a [`Failure`] holding a [`PanicError`](crate::PanicError);
//! otherwise it is logged.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::Job;
use crate::failure::Failure;

/// Runs `f`, turning a panic into a failure.
///
/// `AssertUnwindSafe` is sound here because nothing of ours is borrowed by
/// `f`: it owns what it touches, and our own state is never held across it.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Failure> {
    catch_unwind(AssertUnwindSafe(f)).map_err(Failure::from_panic)
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
