//! The handler queue: a `Vec` with the first entry kept inline, and the
//! batch the runner drains from it.
//!
//! Most Deferreds carry one or two handlers; keeping the first one inline
//! saves the `Vec` allocation for the commonest case (create, add one
//! handler, fire), which the benches measure. The runner takes the whole
//! queue out at once (engine note 5) and drains it as a [`Batch`]: the
//! inline head, then the `Vec` by its owning iterator, so a hop is a
//! pointer bump, and the rest of a batch goes back (a pause, a handler that
//! returned a Deferred) without being copied entry by entry.

use std::vec;

/// A FIFO queue: `head` (if any), then `rest`. An entry goes to `head`
/// only when the queue is empty, so `head` is always the oldest.
pub(crate) struct Queue<E> {
    /// The oldest entry, when it was pushed into an empty queue.
    head: Option<E>,
    /// The others, oldest first; `None` until there are some (so that a
    /// Deferred that never had two handlers drops nothing here).
    rest: Option<Vec<E>>,
}

impl<E> Default for Queue<E> {
    #[inline]
    fn default() -> Self {
        Queue {
            head: None,
            rest: None,
        }
    }
}

impl<E> Queue<E> {
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none() && self.rest.as_ref().is_none_or(Vec::is_empty)
    }

    #[inline]
    pub(crate) fn push_back(&mut self, entry: E) {
        self.push_back_with(|| entry);
    }

    /// [`push_back`](Self::push_back) of `make()`, built in place.
    #[inline(always)]
    pub(crate) fn push_back_with(&mut self, make: impl FnOnce() -> E) {
        if self.is_empty() {
            self.head = Some(make());
        } else {
            super::in_place::push_in_place(self.rest.get_or_insert_with(Vec::new), make);
        }
    }

    /// Takes every entry out, for the runner to drain; the queue is left
    /// empty.
    #[inline]
    pub(crate) fn take_batch(&mut self) -> Batch<E> {
        let Queue { head, rest } = std::mem::take(self);
        Batch {
            head,
            rest: rest.unwrap_or_default().into_iter(),
        }
    }

    /// Puts `batch`'s entries back in front of this queue's.
    pub(crate) fn put_back_in_front(&mut self, batch: Batch<E>) {
        let later = std::mem::replace(self, batch.into_queue());
        let Queue { head, rest } = later;
        if let Some(head) = head {
            self.push_back(head);
        }
        let Some(rest) = rest else { return };
        if self.is_empty() {
            *self = Queue::from_vec(rest);
        } else {
            self.rest.get_or_insert_with(Vec::new).extend(rest);
        }
    }

    /// A queue of `entries`, in order (`head` stays empty: the `Vec` is
    /// there already).
    fn from_vec(entries: Vec<E>) -> Self {
        Queue {
            head: None,
            rest: Some(entries),
        }
    }
}

/// The entries a runner took out of a [`Queue`], drained in order.
pub(crate) struct Batch<E> {
    head: Option<E>,
    rest: vec::IntoIter<E>,
}

impl<E> Batch<E> {
    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<E> {
        match self.head.take() {
            Some(head) => Some(head),
            None => self.rest.next(),
        }
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none() && self.rest.len() == 0
    }

    /// What is left, as a queue (in order; the iterator's buffer is reused).
    fn into_queue(self) -> Queue<E> {
        Queue {
            head: self.head,
            rest: Some(self.rest.collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Queue;

    fn drain(q: &mut Queue<i32>) -> Vec<i32> {
        let mut batch = q.take_batch();
        let mut out = Vec::new();
        while let Some(i) = batch.pop_front() {
            out.push(i);
        }
        assert!(batch.is_empty());
        out
    }

    #[test]
    fn is_fifo_across_the_inline_head_and_the_rest() {
        let mut q = Queue::default();
        assert!(q.is_empty());
        for i in 0..5 {
            q.push_back(i);
        }
        assert!(!q.is_empty());
        assert_eq!(drain(&mut q), [0, 1, 2, 3, 4]);
        assert!(q.is_empty());
        q.push_back(9);
        assert_eq!(drain(&mut q), [9]);
    }

    #[test]
    fn a_batch_put_back_goes_in_front_of_what_was_added_meanwhile() {
        for taken in 0..6 {
            for added in 0..4 {
                let mut q = Queue::default();
                for i in 0..5 {
                    q.push_back(i);
                }
                let mut batch = q.take_batch();
                let mut out = Vec::new();
                for _ in 0..taken {
                    if let Some(i) = batch.pop_front() {
                        out.push(i);
                    }
                }
                for i in 0..added {
                    q.push_back(100 + i);
                }
                q.put_back_in_front(batch);
                for i in 0..2 {
                    q.push_back(200 + i);
                }
                out.extend(drain(&mut q));
                let expected: Vec<i32> = (0..5)
                    .chain((0..added).map(|i| 100 + i))
                    .chain([200, 201])
                    .collect();
                assert_eq!(out, expected, "taken {taken}, added {added}");
            }
        }
    }

    /// A queue holding only a `Vec` (what a put-back batch whose head was
    /// taken leaves) keeps its entries, in order, when an empty batch is put
    /// back in front of it, and takes more behind them. (The engine never
    /// puts an empty batch back, but the queue's contract does not say so.)
    #[test]
    fn an_empty_batch_put_back_in_front_of_a_queue_of_only_a_vec_keeps_it() {
        let mut q = Queue::default();
        for i in 0..4 {
            q.push_back(i);
        }
        let mut batch = q.take_batch();
        assert_eq!(batch.pop_front(), Some(0));
        q.put_back_in_front(batch);
        let empty = Queue::default().take_batch();
        q.put_back_in_front(empty);
        q.push_back(4);
        assert_eq!(drain(&mut q), [1, 2, 3, 4]);
    }
}
