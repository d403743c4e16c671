//! What the many-input combinators share: their hold on the inputs that have
//! not fired yet, and the cancel that reaches every one of them.

use crate::deferred::Deferred;
use crate::sync::Mutex;

/// A combinator's inputs that have not handed their result over yet, in
/// input order.
///
/// Held strongly, as Twisted's `DeferredList` holds its `_deferredList`:
/// an input whose only handle went into the combinator
/// (`race(vec![Deferred::with_canceller(..)])`) must still be there for
/// `cancel` to reach (and its canceller to run). Each input's slot is
/// emptied as its result arrives, so a fired input (and a failure it keeps)
/// is not held here. The price, as for any reference cycle: a combinator
/// that is never cancelled, with an input that never fires, stays allocated
/// with its unfired inputs (Python's garbage collector would free them).
pub(crate) struct Inputs<T: 'static> {
    unfired: Mutex<Vec<Option<Deferred<T>>>>,
}

impl<T: Send + 'static> Inputs<T> {
    pub(crate) fn new(inputs: &[Deferred<T>]) -> Self {
        Inputs {
            unfired: Mutex::new(inputs.iter().cloned().map(Some).collect()),
        }
    }

    /// Input `index` handed its result over: let go of it.
    pub(crate) fn arrived(&self, index: usize) {
        let input = self.unfired.lock()[index].take();
        // Dropped after the lock: a handle's drop may free a Deferred and
        // the handlers it holds (user code).
        drop(input);
    }

    /// Cancels every input that has not fired, in input order, skipping
    /// `except` (Twisted cancels the fired ones too, which does nothing).
    pub(crate) fn cancel_all(&self, except: Option<usize>) {
        let unfired: Vec<Deferred<T>> = self
            .unfired
            .lock()
            .iter()
            .enumerate()
            .filter(|(index, _)| Some(*index) != except)
            .filter_map(|(_, input)| input.clone())
            .collect();
        // Outside the lock: a cancel runs the input's canceller and, through
        // its hand-over, `arrived`.
        for input in unfired {
            input.cancel();
        }
    }
}
