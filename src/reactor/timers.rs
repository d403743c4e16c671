//! The reactor's timer queue: pending delayed calls ordered by due time,
//! ties broken by scheduling order (a `reset` or `delay` counts as
//! scheduling again).

use std::collections::{BTreeMap, HashMap};

use crate::sync::Arc;
use crate::time::{Nanos, TimerCell, TimerJob, CALLED, DISCARDED};

/// A queue position: the due time, then the scheduling sequence number, so
/// that equal due times keep their scheduling order.
type Key = (Nanos, u64);

/// A pending timer.
struct Timer {
    /// Shared with its `DelayedCall` handles.
    cell: Arc<TimerCell>,
    /// What to run.
    job: TimerJob,
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
    /// Schedules `job` at `when`.
    pub(super) fn insert(&mut self, when: Nanos, job: TimerJob) -> Arc<TimerCell> {
        let id = self.next_seq;
        let key = (when, self.take_seq());
        let cell = Arc::new(TimerCell::new(id, when));
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

    /// Marks every pending timer `DISCARDED` (the stop began: none will
    /// run), keeping their jobs until [`discard_all`](Self::discard_all).
    pub(super) fn mark_all_discarded(&mut self) {
        for timer in self.queue.values() {
            timer.cell.set_status(DISCARDED);
        }
    }

    /// Removes a pending timer, marking it `status`; hands back its job for
    /// the caller to drop outside the lock. `None` if it is not pending.
    pub(super) fn remove(&mut self, cell: &TimerCell, status: usize) -> Option<TimerJob> {
        let key = self.keys.remove(&cell.id)?;
        let timer = self.queue.remove(&key).expect("keys and queue agree");
        timer.cell.set_status(status);
        Some(timer.job)
    }

    /// Moves a pending timer to `when(old due time)`, behind timers already
    /// due then. Returns whether it was pending.
    pub(super) fn reschedule(
        &mut self,
        cell: &TimerCell,
        when: impl FnOnce(Nanos) -> Nanos,
    ) -> bool {
        let Some(old) = self.keys.get(&cell.id).copied() else {
            return false;
        };
        let timer = self.queue.remove(&old).expect("keys and queue agree");
        let new = when(old.0);
        timer.cell.set_when(new);
        let key = (new, self.take_seq());
        self.queue.insert(key, timer);
        self.keys.insert(cell.id, key);
        true
    }

    /// The earliest due time, if any timer is pending.
    pub(super) fn next_due(&self) -> Option<Nanos> {
        self.queue.first_key_value().map(|((when, _), _)| *when)
    }

    /// Takes the first timer if it is due at `now`, marking it called.
    pub(super) fn pop_due(&mut self, now: Nanos) -> Option<TimerJob> {
        let (&key, _) = self.queue.first_key_value()?;
        if key.0 > now {
            return None;
        }
        let (_, timer) = self.queue.pop_first().expect("just seen");
        self.keys.remove(&timer.cell.id);
        timer.cell.set_status(CALLED);
        Some(timer.job)
    }

    /// Whether no timer is pending.
    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The pending timers' cells, in firing order.
    pub(super) fn cells(&self) -> Vec<Arc<TimerCell>> {
        self.queue.values().map(|t| Arc::clone(&t.cell)).collect()
    }

    /// Discards every pending timer (the reactor stopped); hands back the
    /// jobs for the caller to drop outside the lock.
    pub(super) fn discard_all(&mut self) -> Vec<TimerJob> {
        self.keys.clear();
        std::mem::take(&mut self.queue)
            .into_values()
            .map(|timer| {
                timer.cell.set_status(DISCARDED);
                timer.job
            })
            .collect()
    }
}
