//! Proptest strategies for users' property tests (feature `proptest`):
//! arbitrary interleavings of fire, cancel, pause and unpause over a set of
//! Deferreds ([`deferred_ops`], run with [`DeferredOp::apply`]), and
//! arbitrary clock advances ([`clock_advances`]).
//!
//! Twisted has no counterpart (Hypothesis strategies for Deferreds are not
//! part of it); these give a user's test the inputs the project's own state
//! machines (`proptests/`) throw at the library.
//!
//! ```
//! use deferred::testing::strategies::{deferred_ops, DeferredOp};
//! use deferred::{deferred_list, Deferred};
//! use proptest::prelude::*;
//!
//! proptest!(|(ops in deferred_ops(3, 0..20))| {
//!     // Whatever happens to its inputs, a DeferredList fires only once all
//!     // of them fired (a cancel fires too), and has fired once they all
//!     // fired and none is paused.
//!     let inputs: Vec<Deferred<usize>> = (0..3).map(|_| Deferred::new()).collect();
//!     let list = deferred_list(inputs.clone());
//!     for op in &ops {
//!         op.apply(&inputs, |i| i);
//!     }
//!     let all_fired = inputs.iter().all(|d| d.is_called());
//!     let none_paused = inputs.iter().all(|d| d.pause_count() == 0);
//!     prop_assert!(!list.is_called() || all_fired);
//!     prop_assert!(list.is_called() || !(all_fired && none_paused));
//! });
//! ```

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use proptest::collection::{vec, SizeRange};
use proptest::prelude::*;

use crate::deferred::Deferred;

/// One step of an interleaving over a set of Deferreds, each naming its
/// Deferred by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeferredOp {
    /// `callback` with the value the test makes for this index.
    Callback(usize),
    /// `errback` with an [`InjectedError`] carrying the index.
    Errback(usize),
    /// `cancel`.
    Cancel(usize),
    /// `pause`.
    Pause(usize),
    /// `unpause` (refused, and a no-op, if not paused).
    Unpause(usize),
}

/// What [`DeferredOp::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Applied {
    /// The operation took effect (a fire, a cancel of an unfired Deferred,
    /// a pause, an unpause).
    Done,
    /// A fire of a Deferred already fired: refused with
    /// `AlreadyCalledError` (or ignored once after a `cancel`, as
    /// Twisted's `_suppressAlreadyCalled`), nothing changed.
    AlreadyFired,
    /// A cancel of a fired Deferred: nothing to do.
    NothingToCancel,
    /// An unpause of a Deferred not paused: refused, nothing changed.
    NotPaused,
}

impl DeferredOp {
    /// The index of the Deferred it acts on.
    pub fn index(&self) -> usize {
        match *self {
            DeferredOp::Callback(i)
            | DeferredOp::Errback(i)
            | DeferredOp::Cancel(i)
            | DeferredOp::Pause(i)
            | DeferredOp::Unpause(i) => i,
        }
    }

    /// Applies it to `deferreds[self.index()]`; `value(index)` makes the
    /// value of a `Callback`. Misuse the op stands for (a second fire, an
    /// unbalanced unpause) is reported, not a panic: interleavings are
    /// arbitrary.
    ///
    /// # Panics
    ///
    /// If the index is out of range of `deferreds` (the strategy's count
    /// and the slice's length differ: a bug in the test).
    pub fn apply<T: Send + 'static>(
        &self,
        deferreds: &[Deferred<T>],
        value: impl FnOnce(usize) -> T,
    ) -> Applied {
        let i = self.index();
        let d = deferreds.get(i).unwrap_or_else(|| {
            panic!(
                "DeferredOp::apply: index {i} out of range for {} Deferreds",
                deferreds.len()
            )
        });
        match self {
            DeferredOp::Callback(_) => fired(d.is_called(), d.callback(value(i)).is_ok()),
            DeferredOp::Errback(_) => fired(d.is_called(), d.errback(InjectedError(i)).is_ok()),
            DeferredOp::Cancel(_) => {
                let was_fired = d.is_called();
                d.cancel();
                if was_fired {
                    Applied::NothingToCancel
                } else {
                    Applied::Done
                }
            }
            DeferredOp::Pause(_) => {
                d.pause();
                Applied::Done
            }
            DeferredOp::Unpause(_) => match d.unpause() {
                Ok(()) => Applied::Done,
                Err(_) => Applied::NotPaused,
            },
        }
    }
}

/// A fire's outcome: `Ok` from a fired Deferred is the one ignored late
/// fire after a cancel.
fn fired(was_fired: bool, ok: bool) -> Applied {
    if ok && !was_fired {
        Applied::Done
    } else {
        Applied::AlreadyFired
    }
}

/// The error an [`Errback`](DeferredOp::Errback) op fires with: the index
/// of its Deferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InjectedError(pub usize);

impl fmt::Display for InjectedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "injected failure of Deferred {}", self.0)
    }
}

impl std::error::Error for InjectedError {}

/// One [`DeferredOp`] on one of `deferreds` Deferreds (indices
/// `0..deferreds`). Fires and cancels are as likely as pauses and
/// unpauses together.
///
/// # Panics
///
/// If `deferreds` is 0 (no index to pick).
pub fn deferred_op(deferreds: usize) -> BoxedStrategy<DeferredOp> {
    assert!(
        deferreds > 0,
        "deferred_op: a set of 0 Deferreds has no index to pick"
    );
    let i = 0..deferreds;
    prop_oneof![
        2 => i.clone().prop_map(DeferredOp::Callback),
        1 => i.clone().prop_map(DeferredOp::Errback),
        1 => i.clone().prop_map(DeferredOp::Cancel),
        1 => i.clone().prop_map(DeferredOp::Pause),
        1 => i.prop_map(DeferredOp::Unpause),
    ]
    .boxed()
}

/// An interleaving: `len` [`DeferredOp`]s over `deferreds` Deferreds.
/// Shrinks towards fewer ops and lower indices.
///
/// # Panics
///
/// If `deferreds` is 0.
pub fn deferred_ops(deferreds: usize, len: impl Into<SizeRange>) -> BoxedStrategy<Vec<DeferredOp>> {
    vec(deferred_op(deferreds), len).boxed()
}

/// Clock advances: `steps` durations, each in `each` (whole milliseconds,
/// zero allowed where the range has it: an advance by zero still runs what
/// is due), for [`Clock::pump`](crate::testing::Clock::pump) or one
/// [`advance`](crate::testing::Clock::advance) at a time. Shrinks towards
/// fewer and shorter steps.
///
/// # Panics
///
/// If `each` is empty.
///
/// ```
/// use std::time::Duration;
/// use deferred::testing::strategies::clock_advances;
/// use deferred::testing::Clock;
/// use deferred::ReactorTime;
/// use proptest::prelude::*;
///
/// proptest!(|(steps in clock_advances(0..10, 0..50))| {
///     let clock = Clock::new();
///     clock.pump(&steps);
///     prop_assert_eq!(clock.now(), steps.iter().sum::<Duration>());
/// });
/// ```
pub fn clock_advances(
    steps: impl Into<SizeRange>,
    each: Range<u64>,
) -> BoxedStrategy<Vec<Duration>> {
    assert!(
        !each.is_empty(),
        "clock_advances: the range of one step, {each:?}, is empty"
    );
    vec(each.prop_map(Duration::from_millis), steps).boxed()
}

#[cfg(all(test, not(deferred_loom)))]
mod tests;
