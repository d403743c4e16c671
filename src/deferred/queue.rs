//! The handler queue: a `VecDeque` with the first entry kept inline.
//!
//! Most Deferreds carry one or two handlers; keeping the first one inline
//! saves the `VecDeque` allocation for the commonest case (create, add one
//! handler, fire), which the benches measure.

use std::collections::VecDeque;

/// A FIFO queue: `head` (if any), then `rest`. An entry goes to `head` only
/// when the queue is empty, and popping `head` does not refill it, so no
/// entry is ever moved twice.
pub(crate) struct Queue<E> {
    /// The oldest entry, when it was pushed into an empty queue.
    head: Option<E>,
    /// The others, oldest first.
    rest: VecDeque<E>,
}

impl<E> Default for Queue<E> {
    fn default() -> Self {
        Queue {
            head: None,
            rest: VecDeque::new(),
        }
    }
}

impl<E> Queue<E> {
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none() && self.rest.is_empty()
    }

    #[inline]
    pub(crate) fn push_back(&mut self, entry: E) {
        if self.is_empty() {
            self.head = Some(entry);
        } else {
            self.rest.push_back(entry);
        }
    }

    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<E> {
        match self.head.take() {
            Some(head) => Some(head),
            None => self.rest.pop_front(),
        }
    }

    /// Moves every entry of `later` to the back of `self`, in order.
    pub(crate) fn append(&mut self, later: &mut Queue<E>) {
        while let Some(entry) = later.pop_front() {
            self.push_back(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Queue;

    #[test]
    fn is_fifo_across_the_inline_head_and_the_rest() {
        let mut q = Queue::default();
        assert!(q.is_empty());
        for i in 0..5 {
            q.push_back(i);
        }
        assert_eq!(q.pop_front(), Some(0));
        q.push_back(5);
        let mut later = Queue::default();
        later.push_back(6);
        later.push_back(7);
        q.append(&mut later);
        assert!(later.is_empty());
        let mut out = Vec::new();
        while let Some(i) = q.pop_front() {
            out.push(i);
        }
        assert_eq!(out, [1, 2, 3, 4, 5, 6, 7]);
        assert!(q.is_empty());
    }
}
