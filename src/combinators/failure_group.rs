//! [`FailureGroup`]: the failure of a [`race`](crate::race) whose every
//! input failed (Twisted's `defer.FailureGroup`).

use std::error::Error;
use std::fmt;

use crate::failure::Failure;

/// Every input's failure, in input order: how [`race`](crate::race) fails
/// when no input succeeds (Twisted's `FailureGroup`, with `failures`).
///
/// ```
/// use deferred::{race, Deferred, FailureGroup};
///
/// let (a, b) = (Deferred::<u8>::new(), Deferred::<u8>::new());
/// let first = race(vec![a.clone(), b.clone()]);
/// b.errback(std::fmt::Error).unwrap();
/// a.errback(std::io::Error::other("disk")).unwrap();
/// let failure = first.result().unwrap().unwrap_err();
/// let group = failure.downcast_ref::<FailureGroup>().unwrap();
/// assert!(group.failures()[0].check::<std::io::Error>()); // input order
/// assert!(group.failures()[1].check::<std::fmt::Error>());
/// # first.add_errback(|_| (0, 0));
/// ```
///
/// `Display` lists the failures: `FailureGroup[<first>, <second>]` (Twisted's
/// `str` of a `FailureGroup` is empty). [`source`](Error::source) is `None`:
/// there is more than one cause, each reached with
/// [`failures`](FailureGroup::failures).
#[derive(Clone, Debug)]
pub struct FailureGroup {
    /// One failure per input, in input order.
    failures: Vec<Failure>,
}

impl FailureGroup {
    /// A group of these failures, kept in the order given.
    pub fn new(failures: Vec<Failure>) -> Self {
        FailureGroup { failures }
    }

    /// The failures, one per input, in input order (Twisted's `failures`).
    pub fn failures(&self) -> &[Failure] {
        &self.failures
    }

    /// The failures, by value.
    pub fn into_failures(self) -> Vec<Failure> {
        self.failures
    }
}

impl fmt::Display for FailureGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FailureGroup[")?;
        for (i, failure) in self.failures.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{failure}")?;
        }
        f.write_str("]")
    }
}

impl Error for FailureGroup {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CancelledError;

    #[test]
    fn display_lists_every_failure_in_order() {
        let group = FailureGroup::new(vec![
            Failure::new(CancelledError),
            Failure::new(std::fmt::Error),
        ]);
        assert_eq!(
            group.to_string(),
            "FailureGroup[the Deferred was cancelled, an error occurred when formatting an argument]"
        );
        assert_eq!(FailureGroup::new(Vec::new()).to_string(), "FailureGroup[]");
        assert_eq!(group.into_failures().len(), 2);
    }
}
