//! The reactor's timer queue: pending delayed calls ordered by deadline, ties
//! broken by scheduling order.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use crate::job::Job;
use crate::sync::{Arc, AtomicUsize, Ordering};

/// Where a delayed call is in its life; kept in [`TimerCell::status`].
pub(super) const PENDING: usize = 0;
/// It was taken from the queue to run.
pub(super) const CALLED: usize = 1;
/// `cancel` removed it.
pub(super) const CANCELLED: usize = 2;
/// The reactor stopped with it still pending: discarded, never to run.
pub(super) const DISCARDED: usize = 3;

/// What a `DelayedCall` handle and the queue share. The status only changes
/// under the reactor's lock; reading it needs no lock.
#[derive(Debug)]
pub(super) struct TimerCell {
    /// The timer's identity in [`Timers::keys`].
    pub(super) id: u64,
    /// One of [`PENDING`], [`CALLED`], [`CANCELLED`], [`DISCARDED`].
    pub(super) status: AtomicUsize,
}

impl TimerCell {
    pub(super) fn status(&self) -> usize {
        self.status.load(Ordering::Acquire)
    }

    fn set(&self, status: usize) {
        self.status.store(status, Ordering::Release);
    }
}

/// A queue position: the deadline, then the scheduling sequence number, so
/// that equal deadlines keep their scheduling order.
type Key = (Instant, u64);

/// A pending timer.
struct Timer {
    /// Shared with its `DelayedCall` handles.
    cell: Arc<TimerCell>,
    /// What to run.
    job: Job,
}

/// Pending timers.
#[derive(Default)]
pub(super) struct Timers {
    /// In firing order.
    queue: BTreeMap<Key, Timer>,
    /// Each pending timer's position in `queue`, by id (for cancel and reset).
    keys: HashMap<u64, Key>,
    /// The next sequence number (also used as the next id).
    next_seq: u64,
}

impl Timers {
    /// Schedules `job` at `deadline`.
    pub(super) fn insert(&mut self, deadline: Instant, job: Job) -> Arc<TimerCell> {
        let id = self.next_seq;
        let key = (deadline, self.take_seq());
        let cell = Arc::new(TimerCell {
            id,
            status: AtomicUsize::new(PENDING),
        });
        self.queue.insert(
            key,
            Timer {
                cell: Arc::clone(&cell),
                job,
            },
        );
        self.keys.insert(id, key);
        cell
    }

    fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Removes a pending timer, marking it `status`; hands back its job for
    /// the caller to drop outside the lock. `None` if it is not pending.
    pub(super) fn remove(&mut self, cell: &TimerCell, status: usize) -> Option<Job> {
        let key = self.keys.remove(&cell.id)?;
        let timer = self.queue.remove(&key).expect("keys and queue agree");
        timer.cell.set(status);
        Some(timer.job)
    }

    /// Moves a pending timer to `deadline`, behind timers already due then.
    /// Returns whether it was pending.
    pub(super) fn reschedule(&mut self, cell: &TimerCell, deadline: Instant) -> bool {
        let Some(old) = self.keys.get(&cell.id).copied() else {
            return false;
        };
        let timer = self.queue.remove(&old).expect("keys and queue agree");
        let key = (deadline, self.take_seq());
        self.queue.insert(key, timer);
        self.keys.insert(cell.id, key);
        true
    }

    /// The earliest deadline, if any timer is pending.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.queue
            .first_key_value()
            .map(|((deadline, _), _)| *deadline)
    }

    /// Takes the first timer if it is due at `now`, marking it called.
    pub(super) fn pop_due(&mut self, now: Instant) -> Option<Job> {
        let (&key, _) = self.queue.first_key_value()?;
        if key.0 > now {
            return None;
        }
        let (_, timer) = self.queue.pop_first().expect("just seen");
        self.keys.remove(&timer.cell.id);
        timer.cell.set(CALLED);
        Some(timer.job)
    }

    /// Whether no timer is pending.
    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Discards every pending timer (the reactor stopped); hands back the
    /// jobs for the caller to drop outside the lock.
    pub(super) fn discard_all(&mut self) -> Vec<Job> {
        self.keys.clear();
        std::mem::take(&mut self.queue)
            .into_values()
            .map(|timer| {
                timer.cell.set(DISCARDED);
                timer.job
            })
            .collect()
    }
}
