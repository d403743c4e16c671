//! The one door to synchronisation primitives: `std` normally, `loom` under
//! `--cfg deferred_loom`, so the loom models check the code that ships.
//!
//! Every lock, condition variable, atomic, thread spawn and thread-local in the
//! crate comes from here. Two deliberate exceptions, both argued below:
//!
//! 1. [`Arc`] and [`Weak`] are always `std`'s. Loom's `Arc` has no `Weak` and
//!    cannot hold unsized values (`Arc<dyn Trait>`), and we need both. The
//!    reference count is not the protocol under test: every hand-off of state
//!    between threads still goes through a loom [`Mutex`] or atomic, which is
//!    what orders one thread against another in the models.
//! 2. [`GlobalRwLock`] guards process-wide configuration (the unhandled-failure
//!    hook). It lives in a `static`, which loom cannot model (its objects must be
//!    created inside a model run), and it is never part of a cross-thread
//!    protocol: it is read once per report.
//!
//! Two doors lead to crossbeam in normal builds and to a loom-visible stand-in
//! with the same contract under the model (docs/verification.md says what is
//! thereby trusted to crossbeam, and why):
//!
//! - [`Queue`], an unbounded multi-producer multi-consumer FIFO: crossbeam's
//!   `SegQueue`, or a [`Mutex`]`<VecDeque>`. Our protocols never ask a queue
//!   whether it is empty: a count in one of our own atomics says how many
//!   items are there or on their way, and decides every sleep, wake-up and
//!   stop (the queue only carries the items), so the models check all of it.
//! - [`Backoff`], the spin-then-yield of a thread about to park:
//!   `crossbeam_utils::Backoff`, or under loom a stand-in that never spins
//!   (it reports itself completed at once, so the code goes straight to its
//!   park decision) and whose `snooze` yields to loom's scheduler (so a
//!   retry loop waiting for another thread's step lets that thread run).
//!
//! [`Batch`], the reactor's call queue (a multi-producer queue its one
//! consumer takes whole), is our own [`Mutex`]`<Vec>` in both builds: the
//! models check it as it ships.

pub(crate) use std::sync::{Arc, Weak};

#[cfg(deferred_loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
#[cfg(not(deferred_loom))]
pub(crate) use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

#[cfg(deferred_loom)]
pub(crate) use loom::thread_local;
#[cfg(not(deferred_loom))]
pub(crate) use std::thread_local;

/// Thread spawning and identity, from loom under the model.
pub(crate) mod thread {
    #[cfg(deferred_loom)]
    pub(crate) use loom::thread::{current, Builder, JoinHandle, ThreadId};
    #[cfg(not(deferred_loom))]
    pub(crate) use std::thread::{current, Builder, JoinHandle, ThreadId};
}

/// Pads a value to its own cache line(s), so that threads writing it do not
/// slow down readers of its neighbours (plain data: the same under loom).
pub(crate) use crossbeam_utils::CachePadded;

#[cfg(deferred_loom)]
use loom::sync as imp;
#[cfg(not(deferred_loom))]
use std::sync as imp;

use std::time::Duration;

/// A mutex without poisoning.
///
/// No user code ever runs while one of ours is held (a design rule of the
/// crate), so a panic cannot leave the guarded state half-changed; recovering
/// the guard from a poisoned lock is therefore always sound and saves every
/// caller an `unwrap`.
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(imp::Mutex<T>);

/// The guard of a [`Mutex`].
pub(crate) type MutexGuard<'a, T> = imp::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Mutex(imp::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Exclusive access without locking (for `Drop`: no other handle exists).
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.0
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A condition variable that pairs with [`Mutex`].
#[derive(Debug, Default)]
pub(crate) struct Condvar(imp::Condvar);

impl Condvar {
    pub(crate) fn new() -> Self {
        Condvar(imp::Condvar::new())
    }

    pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.0.wait(guard).unwrap_or_else(|p| p.into_inner())
    }

    /// Waits at most `timeout`; returns the guard and whether it timed out.
    ///
    /// Under loom, time does not exist: a timed wait is a plain wait, so a
    /// model must always supply the notification it waits for.
    pub(crate) fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T>, bool) {
        #[cfg(deferred_loom)]
        {
            let _ = timeout;
            (self.wait(guard), false)
        }
        #[cfg(not(deferred_loom))]
        {
            let (guard, result) = self
                .0
                .wait_timeout(guard, timeout)
                .unwrap_or_else(|p| p.into_inner());
            (guard, result.timed_out())
        }
    }

    pub(crate) fn notify_one(&self) {
        self.0.notify_one()
    }

    pub(crate) fn notify_all(&self) {
        self.0.notify_all()
    }
}

/// A read-write lock for process-wide configuration kept in a `static`
/// (always `std`: see the module docs).
pub(crate) type GlobalRwLock<T> = std::sync::RwLock<T>;

/// An unbounded multi-producer multi-consumer FIFO queue (see the module
/// docs): crossbeam's `SegQueue`.
#[cfg(not(deferred_loom))]
pub(crate) struct Queue<T>(crossbeam_queue::SegQueue<T>);

/// An unbounded multi-producer multi-consumer FIFO queue (see the module
/// docs): under loom, a [`Mutex`]`<VecDeque>` with the same contract.
#[cfg(deferred_loom)]
pub(crate) struct Queue<T>(Mutex<std::collections::VecDeque<T>>);

impl<T> Queue<T> {
    pub(crate) fn new() -> Self {
        #[cfg(not(deferred_loom))]
        {
            Queue(crossbeam_queue::SegQueue::new())
        }
        #[cfg(deferred_loom)]
        {
            Queue(Mutex::new(std::collections::VecDeque::new()))
        }
    }

    /// Appends `value` at the back.
    #[inline]
    pub(crate) fn push(&self, value: T) {
        #[cfg(not(deferred_loom))]
        self.0.push(value);
        #[cfg(deferred_loom)]
        self.0.lock().push_back(value);
    }

    /// Takes the front item, if one is there.
    #[inline]
    pub(crate) fn pop(&self) -> Option<T> {
        #[cfg(not(deferred_loom))]
        {
            self.0.pop()
        }
        #[cfg(deferred_loom)]
        {
            self.0.lock().pop_front()
        }
    }

    /// Takes the front item, which the caller knows is there or on its way:
    /// its count was raised by a thread that pushes it next. If that thread
    /// has not pushed yet, waits for it: spinning, then yielding its core,
    /// then sleeping a few microseconds at a time. The sleeps are for a
    /// pusher preempted between its count and its push at a lower priority
    /// (a `WorkerPriority::Idle` worker): yielding would never hand it a
    /// core this thread's priority outranks, so a waiter that only yielded
    /// could spin for as long as other threads keep the pusher off its own.
    #[inline]
    pub(crate) fn pop_promised(&self) -> T {
        wait_for_promised(|| self.pop())
    }
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue::new()
    }
}

/// A multi-producer queue whose one consumer takes everything queued in one
/// step (the reactor's calls: design note 3 of `src/reactor/mod.rs`): a
/// [`Mutex`]`<Vec>` whose vector the consumer swaps for its own empty one,
/// so that a batch of any size costs it one lock, and no allocation once
/// both vectors have grown to the largest batch. As with [`Queue`], a count
/// in the caller's own atomic says how many items are there or on their
/// way; this only carries them.
pub(crate) struct Batch<T>(Mutex<Vec<T>>);

impl<T> Batch<T> {
    /// A queue with room for `capacity` items before its first growth.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Batch(Mutex::new(Vec::with_capacity(capacity)))
    }

    /// Appends `value` at the back.
    #[inline]
    pub(crate) fn push(&self, value: T) {
        self.0.lock().push(value);
    }

    /// Moves every item queued into `into`, which must be empty, in order
    /// (its allocation becomes the queue's, for the next pushes). If none is
    /// queued, waits for one the caller knows is on its way (counted by a
    /// thread that pushes it next), as [`Queue::pop_promised`] does.
    #[inline]
    pub(crate) fn take_promised(&self, into: &mut Vec<T>) {
        debug_assert!(into.is_empty(), "a batch is taken into an empty vector");
        wait_for_promised(|| {
            self.take_all(into);
            (!into.is_empty()).then_some(())
        });
    }

    /// Swaps the queue's vector with `into` (empty): one lock.
    #[inline]
    pub(crate) fn take_all(&self, into: &mut Vec<T>) {
        std::mem::swap(&mut *self.0.lock(), into);
    }
}

/// Spin-then-yield for a thread about to park: crossbeam's.
#[cfg(not(deferred_loom))]
pub(crate) use crossbeam_utils::Backoff;

/// Polls `take` until it finds what another thread promised to push (see
/// [`Queue::pop_promised`]): at once, then spinning, then yielding, then
/// [`pause`]s. One loop for both queues, so the reasoning about a pusher of a
/// lower priority lives in one place.
#[inline]
fn wait_for_promised<T>(mut take: impl FnMut() -> Option<T>) -> T {
    if let Some(value) = take() {
        return value;
    }
    let backoff = Backoff::new();
    loop {
        if backoff.is_completed() {
            pause();
        } else {
            backoff.snooze();
        }
        if let Some(value) = take() {
            return value;
        }
    }
}

/// Gives up the core for a moment, to any thread of any priority (see
/// [`Queue::pop_promised`]).
#[cfg(not(deferred_loom))]
fn pause() {
    std::thread::sleep(Duration::from_micros(20));
}

/// Under loom, a yield to loom's scheduler.
#[cfg(deferred_loom)]
fn pause() {
    loom::thread::yield_now();
}

/// Spin-then-yield for a thread about to park, under loom: never spins
/// ([`is_completed`](Backoff::is_completed) at once), and `snooze` yields to
/// loom's scheduler (see the module docs).
#[cfg(deferred_loom)]
#[derive(Debug, Default)]
pub(crate) struct Backoff;

#[cfg(deferred_loom)]
impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff
    }

    pub(crate) fn snooze(&self) {
        loom::thread::yield_now();
    }

    pub(crate) fn spin(&self) {}

    pub(crate) fn is_completed(&self) -> bool {
        true
    }
}

#[cfg(all(test, not(deferred_loom)))]
mod tests {
    use super::{Batch, Queue};
    use std::sync::Arc;
    use std::time::Duration;

    /// A promised item that arrives long after the spin and the yields are
    /// over is still taken (the waiter sleeps in between), in order.
    #[test]
    fn pop_promised_waits_for_a_late_push() {
        let queue = Arc::new(Queue::new());
        queue.push(1);
        let pusher = {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                queue.push(2);
            })
        };
        assert_eq!(queue.pop_promised(), 1);
        assert_eq!(queue.pop_promised(), 2);
        pusher.join().unwrap();
        assert_eq!(queue.pop(), None);
    }

    /// A batch is every item pushed, in order, taken at once; an empty
    /// batch waits for the promised push (late, after the spin), and the
    /// taker's vector goes back to the queue for the next pushes.
    #[test]
    fn take_promised_takes_all_in_order_and_waits_for_a_late_push() {
        let batch = Arc::new(Batch::with_capacity(0));
        batch.push(1);
        batch.push(2);
        let mut into = Vec::with_capacity(8);
        batch.take_promised(&mut into);
        assert_eq!(into, [1, 2]);
        into.clear();
        batch.take_all(&mut into);
        assert!(into.is_empty());
        assert!(
            into.capacity() >= 8,
            "the vectors change places, and keep their room"
        );
        let pusher = {
            let batch = Arc::clone(&batch);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                batch.push(3);
            })
        };
        batch.take_promised(&mut into);
        assert_eq!(into, [3]);
        pusher.join().unwrap();
        into.clear();
        batch.take_all(&mut into);
        assert!(into.is_empty(), "taken once");
    }
}
