//! The first-come, first-served line of Deferreds waiting on a primitive
//! (for a token, an item), each one removable by its own canceller.

use std::collections::VecDeque;

use crate::deferred::Deferred;

/// Waiting Deferreds, oldest first. Each carries the id its canceller
/// names it by (a `Deferred` handle has no identity to search for cheaply).
pub(crate) struct Waiters<T: 'static> {
    /// The id the next waiter gets.
    next_id: u64,
    /// `(id, Deferred)`, oldest first.
    line: VecDeque<(u64, Deferred<T>)>,
}

impl<T: Send + 'static> Waiters<T> {
    pub(crate) fn new() -> Self {
        Waiters {
            next_id: 0,
            line: VecDeque::new(),
        }
    }

    /// The id the next [`push`](Self::push) will use (its canceller needs
    /// it before the Deferred exists).
    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Joins the end of the line.
    pub(crate) fn push(&mut self, id: u64, waiter: Deferred<T>) {
        self.line.push_back((id, waiter));
    }

    /// Leaves the line from the front: the next one to serve.
    pub(crate) fn pop(&mut self) -> Option<Deferred<T>> {
        self.line.pop_front().map(|(_, waiter)| waiter)
    }

    /// Leaves the line from anywhere (a cancelled waiter). `None` if it is
    /// not in the line any more: someone took it to serve it.
    pub(crate) fn remove(&mut self, id: u64) -> Option<Deferred<T>> {
        let at = self.line.iter().position(|(i, _)| *i == id)?;
        self.line.remove(at).map(|(_, waiter)| waiter)
    }

    pub(crate) fn len(&self) -> usize {
        self.line.len()
    }
}
