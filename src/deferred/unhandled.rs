//! Reporting failures that nothing handled.

use std::sync::Arc;

use crate::debug::Sites;
use crate::failure::Failure;
use crate::sync::GlobalRwLock;
use crate::unwind;

type Hook = Arc<dyn Fn(&Failure) + Send + Sync + 'static>;

static HOOK: GlobalRwLock<Option<Hook>> = GlobalRwLock::new(None);

/// Sets the function called with every failure that a Deferred still held,
/// unhandled, when its last handle was dropped, replacing any earlier hook;
/// returns whether there was one.
///
/// Without a hook the failure is logged at `error` level through the `log`
/// facade, as Twisted logs "Unhandled error in Deferred"; in
/// [debug mode](crate::set_debugging) the message ends with where the
/// Deferred was created and first fired. The hook runs on the thread that
/// dropped the Deferred; a hook that panics is contained.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use deferred::{set_unhandled_failure_hook, Deferred, CancelledError};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = Arc::clone(&seen);
/// let replaced = set_unhandled_failure_hook(move |f| sink.lock().unwrap().push(f.to_string()));
/// assert!(!replaced); // the first hook of this process
///
/// let d = Deferred::<u8>::new();
/// d.errback(CancelledError).unwrap();
/// drop(d); // nothing handled it
/// assert!(seen.lock().unwrap().contains(&"the Deferred was cancelled".to_string()));
///
/// assert!(deferred::clear_unhandled_failure_hook()); // there was one
/// assert!(!deferred::clear_unhandled_failure_hook()); // and now there is none
/// assert!(!set_unhandled_failure_hook(|_| {}));
/// assert!(set_unhandled_failure_hook(|_| {})); // it replaced the one before
/// # deferred::clear_unhandled_failure_hook();
/// ```
pub fn set_unhandled_failure_hook<F>(hook: F) -> bool
where
    F: Fn(&Failure) + Send + Sync + 'static,
{
    let mut slot = HOOK.write().unwrap_or_else(|p| p.into_inner());
    slot.replace(Arc::new(hook)).is_some()
}

/// Removes the hook set by [`set_unhandled_failure_hook`]: reports go to the
/// `log` facade again. Returns whether there was one.
pub fn clear_unhandled_failure_hook() -> bool {
    let mut slot = HOOK.write().unwrap_or_else(|p| p.into_inner());
    slot.take().is_some()
}

/// Reports a failure nothing handled: to the hook, or to the log (saying
/// where the Deferred was made and first fired, if debug mode recorded it).
///
/// A [`LoggedFailures`](crate::testing::LoggedFailures) guard alive on this
/// thread sees it too (before the hook, which may panic).
pub(crate) fn report(failure: &Failure, sites: Option<Sites>) {
    crate::testing::record_logged(failure);
    let hook = HOOK.read().unwrap_or_else(|p| p.into_inner()).clone();
    match (hook, sites) {
        (Some(hook), _) => {
            if unwind::catch(|| hook(failure)).is_err() {
                log::error!("the unhandled-failure hook panicked on: {failure}");
            }
        }
        (None, None) => log::error!("Unhandled error in Deferred: {failure}"),
        (None, Some(sites)) => {
            log::error!("Unhandled error in Deferred: {failure} (debug: {sites})")
        }
    }
}
