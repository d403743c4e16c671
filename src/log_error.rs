//! [`log_error`]: Twisted's `defer.logError`; [`log_err`]: `d.addErrback(log.err)`.

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
    log(&failure);
    Err(failure)
}

/// Logs a failure and stops it there: the chain goes on with a success,
/// `T::default()` (`()` for a `Deferred<()>`). The counterpart of Twisted's
/// `d.addErrback(log.err)`, "log it and stop here", where the chain goes on
/// with `None`. (To log and pass the failure on, [`log_error`].)
///
/// The record is [`log_error`]'s: `error` level, `Unhandled Error`, the
/// failure, its backtrace if one was captured. The failure is handled: it
/// is not reported again when the Deferred goes.
///
/// ```
/// use deferred::{log_err, Deferred};
///
/// let d = Deferred::<()>::new();
/// d.add_callback(|()| Err(std::fmt::Error)) // fails
///     .add_errback(log_err)                 // logged, and stopped here
///     .add_callback(|()| println!("goes on")); // runs
/// d.callback(()).unwrap();
/// assert!(d.result().unwrap().is_ok());
/// ```
///
/// For a `T` without a `Default`, log in the errback and give the value
/// to go on with: `d.add_errback(|f| { let _ = log_err::<()>(f); fallback })`.
///
/// A [`LoggedFailures`](crate::testing::LoggedFailures) guard alive on this
/// thread sees the failure, as trial's observer sees `log.err`.
///
/// # Errors
///
/// Never: always `Ok(T::default())`. (A `Result`, as [`log_error`]'s
/// return, so that the chain's type names `T`: a bare `T` could be any
/// handler return.)
pub fn log_err<T: Default>(failure: Failure) -> Result<T, Failure> {
    log(&failure);
    Ok(T::default())
}

/// The record both write (Twisted's `log.err` without a `_why`).
fn log(failure: &Failure) {
    crate::testing::record_logged(failure);
    match failure.backtrace() {
        Some(backtrace) => log::error!("Unhandled Error\n{failure}\n{backtrace}"),
        None => log::error!("Unhandled Error\n{failure}"),
    }
}
