//! trial's logged-error rule: [`LoggedFailures`], a guard that fails the
//! test if a failure was reported unhandled (or logged with
//! [`log_error`](crate::log_error())) on its thread while it lived, unless the
//! test took it with [`flush_logged_failures`].
//!
//! Twisted's trial fails a test whose run logged an error (an unhandled
//! failure in a Deferred is logged when the Deferred is collected) and
//! gives `flushLoggedErrors(*types)` to accept the expected ones. Here the
//! reports are collected per thread (a `std` thread-local), so tests that
//! run in parallel never see each other's; a report made on another thread
//! (a Deferred dropped on a pool worker) is not seen, which the memory
//! reactor avoids by running everything on the test's thread. Under
//! `--cfg deferred_loom`, loom runs all threads of a model on the OS thread
//! that called `loom::model`, so a guard made in the model sees the reports
//! of all the model's threads.
//!
//! The reports still go to the hook set with
//! [`set_unhandled_failure_hook`](crate::set_unhandled_failure_hook) (or the
//! log) as before: the guard watches, it does not take them over.

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::marker::PhantomData;

use crate::failure::Failure;

// A `std` thread-local on purpose, not `crate::sync`'s: under loom one
// guard per model run must see every modelled thread's reports (they share
// the OS thread), and a guard outlives no model run.
std::thread_local! {
    /// The guards alive on this thread, innermost last: each one's id and
    /// the failures reported while it was innermost.
    static GUARDS: RefCell<Vec<(u64, Vec<Failure>)>> = const { RefCell::new(Vec::new()) };
    /// The id of the next guard on this thread.
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
}

/// Records a reported failure for the innermost guard of this thread, if
/// there is one. Called by the unhandled-failure report and `log_error`.
pub(crate) fn record(failure: &Failure) {
    // `try_with`: a Deferred dropped while this thread's locals are being
    // destroyed still gets its ordinary report.
    let _ = GUARDS.try_with(|guards| {
        if let Some((_, seen)) = guards.borrow_mut().last_mut() {
            seen.push(failure.clone());
        }
    });
}

/// Fails the test when dropped if a failure was reported unhandled, or
/// logged with [`log_error`](crate::log_error()), on this thread while it
/// lived and the test did not flush it (trial's rule that a test which
/// logged an error fails, with `flushLoggedErrors`).
///
/// Guards nest: a report goes to the innermost one alive. A guard is tied
/// to its thread (it is neither `Send` nor `Sync`).
///
/// ```
/// use deferred::testing::{flush_logged_failures, LoggedFailures};
/// use deferred::{CancelledError, Deferred};
///
/// let _guard = LoggedFailures::guard();
/// let d = Deferred::<u8>::new();
/// d.cancel();
/// drop(d); // reported unhandled: the guard saw it
/// let flushed = flush_logged_failures::<CancelledError>();
/// assert_eq!(flushed.len(), 1);
/// // `_guard` drops at the end with nothing left: the test passes.
/// ```
///
/// A report nobody flushed fails the test when the guard drops:
///
/// ```should_panic
/// use deferred::testing::LoggedFailures;
/// use deferred::Deferred;
///
/// let _guard = LoggedFailures::guard();
/// let d = Deferred::<u8>::new();
/// d.errback(std::fmt::Error).unwrap();
/// drop(d); // panics when `_guard` drops: "1 failure(s) reported unhandled ..."
/// ```
#[must_use = "the guard watches only while it lives: bind it (`let _guard = ...`), not `_`"]
#[derive(Debug)]
pub struct LoggedFailures {
    /// Its place in this thread's `GUARDS`.
    id: u64,
    /// Tied to the thread whose reports it watches.
    _not_send: PhantomData<*const ()>,
}

impl LoggedFailures {
    /// Starts watching this thread's reports.
    ///
    /// In a thread-local destructor that runs after this thread's list of
    /// guards was torn down, the guard is made but sees nothing (there is
    /// nowhere left to collect reports; panicking there would abort).
    pub fn guard() -> Self {
        // Ids only need to differ among this thread's live guards: once the
        // counter is gone, so is the list, and the guard is in no list.
        let id = NEXT_ID
            .try_with(|n| {
                let id = n.get();
                n.set(id + 1);
                id
            })
            .unwrap_or(u64::MAX);
        let _ = GUARDS.try_with(|g| g.borrow_mut().push((id, Vec::new())));
        LoggedFailures {
            id,
            _not_send: PhantomData,
        }
    }

    /// Takes the failures of type `E` this guard has seen so far, oldest
    /// first; they no longer fail the test.
    pub fn flush<E: Error + 'static>(&self) -> Vec<Failure> {
        self.take(|f| f.check::<E>())
    }

    /// Takes every failure this guard has seen so far.
    pub fn flush_all(&self) -> Vec<Failure> {
        self.take(|_| true)
    }

    /// How many failures it has seen and not flushed.
    pub fn pending(&self) -> usize {
        // `try_with`: none once this thread's list is torn down (`guard`).
        GUARDS
            .try_with(|g| {
                g.borrow()
                    .iter()
                    .find(|(id, _)| *id == self.id)
                    .map_or(0, |(_, seen)| seen.len())
            })
            .unwrap_or(0)
    }

    /// Takes the failures that `pick` picks.
    fn take(&self, pick: impl Fn(&Failure) -> bool) -> Vec<Failure> {
        // `try_with`: nothing once this thread's list is torn down (`guard`).
        GUARDS
            .try_with(|g| {
                let mut guards = g.borrow_mut();
                let Some((_, seen)) = guards.iter_mut().find(|(id, _)| *id == self.id) else {
                    return Vec::new();
                };
                let (taken, left) = std::mem::take(seen).into_iter().partition(|f| pick(f));
                *seen = left;
                taken
            })
            .unwrap_or_default()
    }
}

impl Drop for LoggedFailures {
    fn drop(&mut self) {
        let left = GUARDS
            .try_with(|g| {
                let mut guards = g.borrow_mut();
                let at = guards.iter().position(|(id, _)| *id == self.id)?;
                Some(guards.remove(at).1)
            })
            .ok()
            .flatten()
            .unwrap_or_default();
        if left.is_empty() || std::thread::panicking() {
            return;
        }
        let list: Vec<String> = left.iter().map(|f| format!("  {f} ({f:?})")).collect();
        panic!(
            "{} failure(s) reported unhandled (or logged with log_error) on this thread while \
             the LoggedFailures guard lived, not flushed (flush_logged_failures::<E>() accepts \
             expected ones):\n{}",
            left.len(),
            list.join("\n")
        );
    }
}

/// Takes the failures of type `E` that the innermost [`LoggedFailures`]
/// guard of this thread has seen, oldest first (trial's
/// `flushLoggedErrors(E)`); they no longer fail the test.
///
/// # Panics
///
/// If no guard is alive on this thread: nothing was collected, and an
/// empty answer would hide the mistake.
///
/// ```
/// use deferred::testing::{flush_logged_failures, LoggedFailures};
/// use deferred::{log_error, Deferred, Failure};
///
/// let _guard = LoggedFailures::guard();
/// let d = Deferred::<u8>::new();
/// d.add_errback(log_error).add_errback(|_f: Failure| 0); // logged, then handled
/// d.errback(std::fmt::Error).unwrap();
/// assert_eq!(flush_logged_failures::<std::fmt::Error>().len(), 1);
/// ```
#[track_caller]
pub fn flush_logged_failures<E: Error + 'static>() -> Vec<Failure> {
    flush_innermost(|f| f.check::<E>())
}

/// Takes every failure the innermost [`LoggedFailures`] guard of this
/// thread has seen (trial's `flushLoggedErrors()` with no types).
///
/// # Panics
///
/// If no guard is alive on this thread.
#[track_caller]
pub fn flush_all_logged_failures() -> Vec<Failure> {
    flush_innermost(|_| true)
}

/// Takes what `pick` picks from the innermost guard's failures.
#[track_caller]
fn flush_innermost(pick: impl Fn(&Failure) -> bool) -> Vec<Failure> {
    // `try_with`: once this thread's list is torn down no guard is alive
    // here, which is the panic below.
    let taken = GUARDS
        .try_with(|g| {
            let mut guards = g.borrow_mut();
            let (_, seen) = guards.last_mut()?;
            let (taken, left) = std::mem::take(seen).into_iter().partition(|f| pick(f));
            *seen = left;
            Some(taken)
        })
        .ok()
        .flatten();
    match taken {
        Some(taken) => taken,
        None => panic!(
            "flush_logged_failures: no LoggedFailures guard is alive on this thread, so no \
             report was collected (start one with `let _guard = LoggedFailures::guard();`)"
        ),
    }
}

#[cfg(all(test, not(deferred_loom)))]
mod tests;
