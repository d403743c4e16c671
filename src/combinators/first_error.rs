//! [`FirstError`]: the failure of a combinator that fails on its first
//! failing input (Twisted's `defer.FirstError`).

use std::error::Error;
use std::fmt;

use crate::failure::Failure;

/// The first input of [`gather_results`](crate::gather_results) (or of a
/// [`DeferredList`](crate::DeferredList) with
/// [`fire_on_one_errback`](crate::DeferredList::fire_on_one_errback)) to
/// fail: its index in the input list and its failure (Twisted's
/// `FirstError`, with `index` and `subFailure`).
///
/// The combinator's Deferred fails with a [`Failure`] holding a
/// `FirstError`; reach the input's own failure by downcast:
///
/// ```
/// use deferred::{gather_results, Deferred, Failure, FirstError};
///
/// let (a, b) = (Deferred::<u8>::new(), Deferred::<u8>::new());
/// let all = gather_results(vec![a.clone(), b.clone()]);
/// b.errback(std::fmt::Error).unwrap();
/// let failure: Failure = all.result().unwrap().unwrap_err();
/// let first = failure.downcast_ref::<FirstError>().unwrap();
/// assert_eq!(first.index(), 1);
/// assert!(first.failure().check::<std::fmt::Error>());
/// assert_eq!(first.to_string(), "FirstError[#1, an error occurred when formatting an argument]");
/// # all.add_errback(|_| Vec::new());
/// ```
///
/// `Display` is Twisted's `str`: `FirstError[#<index>, <failure>]`, the
/// failure shown as its `Display` (Twisted shows the whole `Failure`, with
/// its traceback). Since `Display` already shows the input's failure,
/// [`source`](Error::source) is `None`, as the Rust API guidelines ask of an
/// error that prints its cause; [`failure`](FirstError::failure) reaches it.
#[derive(Clone, Debug)]
pub struct FirstError {
    /// Where the failing input sits in the input list.
    index: usize,
    /// The input's own failure.
    failure: Failure,
}

impl FirstError {
    /// The error for input `index` failing with `failure`.
    pub fn new(failure: Failure, index: usize) -> Self {
        FirstError { index, failure }
    }

    /// Where the failing input sits in the input list, from 0 (Twisted's
    /// `index`).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The input's failure (Twisted's `subFailure`).
    pub fn failure(&self) -> &Failure {
        &self.failure
    }

    /// The input's failure, by value.
    pub fn into_failure(self) -> Failure {
        self.failure
    }
}

impl fmt::Display for FirstError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FirstError[#{}, {}]", self.index, self.failure)
    }
}

impl Error for FirstError {}

impl PartialEq for FirstError {
    /// Twisted's `FirstError.__eq__`: the same index and the same failure
    /// (the same one, [`Failure::ptr_eq`], as Python's `Failure` compares by
    /// identity).
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && self.failure.ptr_eq(&other.failure)
    }
}

impl Eq for FirstError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CancelledError;

    /// Ports Twisted's `FirstErrorTests.test_str` (test_defer.py).
    #[test]
    fn display_shows_the_index_and_the_inputs_failure() {
        let error = FirstError::new(Failure::new(CancelledError), 5);
        assert_eq!(
            error.to_string(),
            "FirstError[#5, the Deferred was cancelled]"
        );
        assert!(error.source().is_none());
    }

    /// Ports Twisted's `FirstErrorTests.test_comparison`: equal with the
    /// same failure and index, unequal with another failure and index.
    #[test]
    fn first_errors_compare_by_index_and_the_same_failure() {
        let first_failure = Failure::new(std::fmt::Error);
        let one = FirstError::new(first_failure.clone(), 13);
        let another_one = FirstError::new(first_failure.clone(), 13);
        let second_failure = Failure::new(CancelledError);
        let another = FirstError::new(second_failure.clone(), 9);
        assert!(one == another_one);
        assert!(one != another);
        // Each half matters: an equal-looking failure made again is another
        // failure (Python's identity), and another index is another error.
        assert!(one != FirstError::new(Failure::new(std::fmt::Error), 13));
        assert!(one != FirstError::new(first_failure, 9));
        assert!(another != FirstError::new(second_failure, 13));
    }

    /// What Twisted compares (index and sub-failure) is what the accessors give.
    #[test]
    fn accessors_give_the_index_and_the_same_failure() {
        let failure = Failure::new(CancelledError);
        let error = FirstError::new(failure.clone(), 13);
        assert_eq!(error.index(), 13);
        assert!(error.failure().check::<CancelledError>());
        assert!(error.into_failure().check::<CancelledError>());
    }
}
