//! [`log_error`]: Twisted's `defer.logError`.

use crate::failure::Failure;

/// Logs a failure and passes it on unchanged: an errback for a chain that
/// should leave a trace of a failure and still let later errbacks (or the
/// unhandled-failure report) see it (Twisted's `defer.logError`).
///
/// The record goes to the `log` facade at `error` level: a first line
/// `Unhandled Error`, then the failure (its error and each `source()`),
/// then its backtrace if one was captured, as Twisted's log shows a
/// traceback and not the failure's repr.
///
/// If nothing handles the failure afterwards, it is reported again when
/// the Deferred goes, as any unhandled failure (semantics §6); Twisted's
/// clean-up logs it again too.
///
/// ```
/// use deferred::{log_error, Deferred, Failure};
///
/// let d = Deferred::<u32>::new();
/// d.add_errback(log_error)              // logs it
///     .add_errback(|_f: Failure| 0);    // and this one still gets it
/// d.errback(std::fmt::Error).unwrap();
/// assert_eq!(d.result().unwrap().unwrap(), 0);
/// ```
///
/// # Errors
///
/// Always `Err(failure)`: the same failure it was given, for the next
/// errback.
///
/// A [`LoggedFailures`](crate::testing::LoggedFailures) guard alive on this
/// thread sees the failure, as trial's observer sees `log.err`.
pub fn log_error<T>(failure: Failure) -> Result<T, Failure> {
    crate::testing::record_logged(&failure);
    match failure.backtrace() {
        Some(backtrace) => log::error!("Unhandled Error\n{failure}\n{backtrace}"),
        None => log::error!("Unhandled Error\n{failure}"),
    }
    Err(failure)
}
