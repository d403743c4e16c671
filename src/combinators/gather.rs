//! [`gather_results`]: the values of many Deferreds, or the first failure
//! (Twisted's `gatherResults`).

use super::list::DeferredList;
use crate::deferred::Deferred;

/// A Deferred that fires with every input's value, in input order, once all
/// have succeeded; or fails with a [`FirstError`](crate::FirstError) (the
/// input's index and failure) as soon as one fails: Twisted's
/// `gatherResults(deferreds)`, the same as
/// [`DeferredList::new(deferreds).gather()`](DeferredList::gather) (which
/// takes Twisted's `consumeErrors` as
/// [`consume_errors`](DeferredList::consume_errors)).
///
/// - An input that had failed before the call fails the gathered Deferred at
///   once, with its index.
/// - Cancelling the gathered Deferred cancels every input, in order; the
///   first one's `CancelledError` fails it (`FirstError[#0, ...]`), as in
///   Twisted.
/// - The values move here (the inputs end consumed;
///   [`DeferredList::keep_values`] passes clones on instead). A failed input
///   passes its failure on to its own later handlers, as in Twisted without
///   `consumeErrors`, and reports it if it is dropped unhandled; failures
///   after the first have nowhere else to go, so that report is how they are
///   seen. [`DeferredList::consume_errors`] takes them over instead.
/// - An input whose result was handed on already (the same Deferred twice,
///   one `map` took) fails it at once with `FirstError[#i,
///   AlreadyChainedError]`.
///
/// ```
/// use deferred::{gather_results, Deferred, FirstError};
///
/// let (a, b) = (Deferred::new(), Deferred::new());
/// let all = gather_results(vec![a.clone(), b.clone()]);
/// b.callback(2).unwrap();
/// a.callback(1).unwrap();
/// assert_eq!(all.result().unwrap().unwrap(), vec![1, 2]);
///
/// let (c, d) = (Deferred::<u8>::new(), Deferred::<u8>::new());
/// let all = gather_results(vec![c.clone(), d.clone()]);
/// all.cancel();
/// let failure = all.result().unwrap().unwrap_err();
/// let first = failure.downcast_ref::<FirstError>().unwrap();
/// assert_eq!(first.index(), 0);
/// assert!(first.failure().check::<deferred::CancelledError>());
/// # all.add_errback(|_| Vec::new());
/// ```
#[doc(alias = "gatherResults")]
#[must_use = "the Deferred holds the result: dropping it loses the result"]
pub fn gather_results<T, I>(deferreds: I) -> Deferred<Vec<T>>
where
    T: Send + 'static,
    I: IntoIterator<Item = Deferred<T>>,
{
    DeferredList::new(deferreds).gather()
}
