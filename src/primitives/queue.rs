//! [`DeferredQueue`]: a queue whose `get` is a Deferred (Twisted's
//! `defer.DeferredQueue`).
//!
//! # Design note
//!
//! 1. **One lock, no user code under it.** The items and the line of
//!    waiting gets sit behind one [`Mutex`]; a Deferred is fired only after
//!    it is released.
//! 2. **Either items or waiters, never both.** A `put` with a get waiting
//!    hands the item straight to the first one; a `get` with items queued
//!    takes the first. So items are delivered in `put` order, and gets are
//!    served in `get` order.
//! 3. **No item lost to a cancel.** A waiting get's canceller takes it out
//!    of the line; it then fails with `CancelledError`. If a `put` took it
//!    from the line first, a `cancel` on another thread may fire it before
//!    the `put` does: the put's fire is then refused
//!    (`Deferred::try_callback` gives the item back) and the item goes to
//!    the next waiter, or back to the front of the queue. The `put` had
//!    succeeded, so `size` does not refuse it there.
//! 4. **Constant stack**, as for the tokens: the fire goes through
//!    `handoff` (see `tokens.rs`, design note 4).
//! 5. **No cycle.** A get's canceller holds the queue weakly.

use std::collections::VecDeque;
use std::fmt;

use super::error::{QueueOverflow, QueueUnderflow};
use super::handoff;
use super::waiters::Waiters;
use crate::combinators::succeed;
use crate::deferred::Deferred;
use crate::sync::{Arc, Mutex};

/// A queue whose [`get`](Self::get) gives a Deferred that fires with the
/// next item (Twisted's `DeferredQueue`): at once if an item is queued,
/// else when one is [`put`](Self::put). Items come out in the order they
/// were put, and waiting gets are served in the order they were made.
///
/// Optional limits, as in Twisted: `size`, the most items queued (a `put`
/// beyond it is [`QueueOverflow`]); `backlog`, the most gets waiting (a
/// `get` beyond it is [`QueueUnderflow`]). Cancelling a waiting get takes
/// it out of the line; an item is never lost to it.
///
/// A cheap handle (clones are the same queue), `Send + Sync`: producers and
/// consumers on any threads.
///
/// ```
/// use deferred::DeferredQueue;
///
/// let queue = DeferredQueue::new();
/// let got = queue.get().unwrap(); // nothing queued: waits
/// assert!(!got.is_called());
/// queue.put("job").unwrap(); // handed straight to the waiting get
/// assert_eq!(got.result().unwrap().unwrap(), "job");
///
/// queue.put("later").unwrap(); // nobody waits: queued
/// assert_eq!(queue.get().unwrap().result().unwrap().unwrap(), "later");
/// ```
pub struct DeferredQueue<T: 'static> {
    inner: Arc<Shared<T>>,
}

struct Shared<T: 'static> {
    state: Mutex<QueueState<T>>,
    /// The most items queued; `None`: no limit (Twisted's `size`).
    size: Option<usize>,
    /// The most gets waiting; `None`: no limit (Twisted's `backlog`).
    backlog: Option<usize>,
}

/// What the lock guards (design note 2: one of the two is empty).
struct QueueState<T: 'static> {
    /// Items put and not yet got, oldest first (Twisted's `pending`).
    items: VecDeque<T>,
    /// Gets waiting for an item, oldest first (Twisted's `waiting`).
    line: Waiters<T>,
}

impl<T: Send + 'static> DeferredQueue<T> {
    /// A queue without limits.
    pub fn new() -> Self {
        DeferredQueue::with_limits(None, None)
    }

    /// A queue holding at most `size` items (`None`: no limit) with at most
    /// `backlog` gets waiting (`None`: no limit): Twisted's
    /// `DeferredQueue(size, backlog)`. A limit of 0 refuses every `put`
    /// that finds no get waiting, or every `get` that finds no item.
    ///
    /// ```
    /// use deferred::{DeferredQueue, QueueOverflow};
    ///
    /// let queue = DeferredQueue::with_limits(Some(1), None);
    /// queue.put(1).unwrap();
    /// assert_eq!(queue.put(2).unwrap_err().into_inner(), 2); // full: here it is back
    /// ```
    pub fn with_limits(size: Option<usize>, backlog: Option<usize>) -> Self {
        DeferredQueue {
            inner: Arc::new(Shared {
                state: Mutex::new(QueueState {
                    items: VecDeque::new(),
                    line: Waiters::new(),
                }),
                size,
                backlog,
            }),
        }
    }

    /// Adds an item: the first waiting get fires with it (now, on this
    /// thread), or, if no get waits, it is queued.
    ///
    /// # Errors
    ///
    /// [`QueueOverflow`], holding the item, if no get waits and `size` items
    /// are queued already; nothing changes.
    pub fn put(&self, item: T) -> Result<(), QueueOverflow<T>> {
        let mut state = self.inner.state.lock();
        match state.line.pop() {
            Some(waiter) => {
                drop(state);
                self.inner.hand_over(waiter, item);
                Ok(())
            }
            None if self
                .inner
                .size
                .is_some_and(|size| state.items.len() >= size) =>
            {
                Err(QueueOverflow(item))
            }
            None => {
                state.items.push_back(item);
                Ok(())
            }
        }
    }

    /// A Deferred that fires with the next item: already fired if one is
    /// queued, else when a `put` hands one over.
    ///
    /// Cancelling the Deferred while it waits takes it out of the line and
    /// fails it with [`CancelledError`](crate::CancelledError); once it has
    /// fired, `cancel` does nothing.
    ///
    /// # Errors
    ///
    /// [`QueueUnderflow`] if no item is queued and `backlog` gets wait
    /// already; nothing changes.
    #[must_use = "the item is handed to this Deferred: dropping it loses the item"]
    pub fn get(&self) -> Result<Deferred<T>, QueueUnderflow> {
        let mut state = self.inner.state.lock();
        if let Some(item) = state.items.pop_front() {
            drop(state);
            return Ok(succeed(item));
        }
        if self
            .inner
            .backlog
            .is_some_and(|backlog| state.line.len() >= backlog)
        {
            return Err(QueueUnderflow);
        }
        let id = state.line.next_id();
        let queue = Arc::downgrade(&self.inner);
        let waiter = Deferred::with_canceller(move |_: &Deferred<T>| {
            if let Some(queue) = queue.upgrade() {
                let left = queue.state.lock().line.remove(id);
                drop(left); // after the lock
            }
        });
        state.line.push(id, waiter.clone());
        Ok(waiter)
    }

    /// Items queued now.
    pub fn len(&self) -> usize {
        self.inner.state.lock().items.len()
    }

    /// Whether no item is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Gets waiting for an item.
    pub fn waiting(&self) -> usize {
        self.inner.state.lock().line.len()
    }

    /// The most items queued, if limited (Twisted's `size`).
    pub fn size(&self) -> Option<usize> {
        self.inner.size
    }

    /// The most gets waiting, if limited (Twisted's `backlog`).
    pub fn backlog(&self) -> Option<usize> {
        self.inner.backlog
    }
}

impl<T: Send + 'static> Shared<T> {
    /// Fires `waiter` with `item`, through `handoff`. If a cancel fired it
    /// first, the item goes on (design note 3).
    fn hand_over(self: &Arc<Self>, waiter: Deferred<T>, item: T) {
        let queue = Arc::clone(self);
        handoff::run(move || {
            if let Err(refused) = waiter.try_callback(item) {
                queue.pass_on(refused);
            }
        });
    }

    /// An item refused by a cancelled waiter: to the next waiter, or back
    /// to the front of the queue (it was put before anything queued now,
    /// and its `put` succeeded, so `size` does not refuse it).
    fn pass_on(self: &Arc<Self>, item: T) {
        let mut state = self.state.lock();
        match state.line.pop() {
            Some(waiter) => {
                drop(state);
                self.hand_over(waiter, item);
            }
            None => state.items.push_front(item),
        }
    }
}

impl<T: Send + 'static> Default for DeferredQueue<T> {
    fn default() -> Self {
        DeferredQueue::new()
    }
}

impl<T: 'static> Clone for DeferredQueue<T> {
    fn clone(&self) -> Self {
        DeferredQueue {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: Send + 'static> fmt::Debug for DeferredQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferredQueue")
            .field("len", &self.len())
            .field("waiting", &self.waiting())
            .field("size", &self.inner.size)
            .field("backlog", &self.inner.backlog)
            .finish()
    }
}
