//! [`WeakDeferred`]: a handle that does not keep its Deferred alive.

use std::fmt;

use super::engine::Inner;
use super::Deferred;
use crate::sync::Weak;

/// A handle to a [`Deferred`] that does not keep it alive, from
/// [`Deferred::downgrade`]; [`upgrade`](WeakDeferred::upgrade) gives the
/// Deferred back while some strong handle (or a chain waiting on it) holds it.
///
/// Twisted needs no such thing: Python's garbage collector frees cycles.
/// Here a Deferred is reference-counted, so a handler that captures its own
/// unfired Deferred (to fire it, cancel it or add to it later) makes a cycle
/// that is never freed, and a failure it holds is never reported. Capture a
/// `WeakDeferred` instead:
///
/// ```
/// use deferred::Deferred;
///
/// let d = Deferred::<u32>::new();
/// let me = d.downgrade();
/// d.add_callback(move |v| {
///     if let Some(d) = me.upgrade() {
///         d.pause(); // touch our own Deferred without owning it
///         d.unpause().unwrap();
///     }
///     v + 1
/// });
/// d.callback(1).unwrap();
/// assert_eq!(d.result().unwrap().unwrap(), 2);
/// let weak = d.downgrade();
/// drop(d);
/// assert!(weak.upgrade().is_none()); // freed: no cycle
/// ```
pub struct WeakDeferred<T: 'static> {
    inner: Weak<Inner<T>>,
}

impl<T: Send + 'static> WeakDeferred<T> {
    pub(super) fn new(inner: Weak<Inner<T>>) -> Self {
        WeakDeferred { inner }
    }

    /// The Deferred, if it is still alive.
    #[must_use]
    pub fn upgrade(&self) -> Option<Deferred<T>> {
        self.inner.upgrade().map(Deferred::from_inner)
    }
}

impl<T: 'static> Clone for WeakDeferred<T> {
    fn clone(&self) -> Self {
        WeakDeferred {
            inner: Weak::clone(&self.inner),
        }
    }
}

impl<T: 'static> fmt::Debug for WeakDeferred<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakDeferred")
            .field("alive", &(self.inner.strong_count() > 0))
            .finish()
    }
}
