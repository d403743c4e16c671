//! [`Clock`]: a deterministic [`ReactorTime`] for tests (Twisted's
//! `task.Clock`), re-exported as `deferred::testing::Clock`.
//!
//! # Design note: Twisted's order, exactly
//!
//! Twisted's `Clock` keeps its calls in a list and sorts it, stably, by due
//! time, when a call is scheduled, when `advance` starts, and after each
//! call `advance` runs. Between sorts the list keeps its order. That is
//! what decides the order of calls due at the same time, including
//! Twisted's quirks: a call moved *later* (by `reset` or `delay`) goes
//! before calls already due at its new time, because it stood before them
//! in the list; a call moved earlier goes after them. This clock keeps the
//! same list and sorts it at the same moments, so its order is Twisted's in
//! every case, not only the common ones (tests/time.rs checks them against
//! Twisted).
//!
//! # Design note: the list, in O(log n)
//!
//! Test suites schedule many calls, so the list is not a `Vec` sorted again
//! and again (quadratic: 32k calls expired in one `advance` took 1.85 s,
//! issue 17) but a `BTreeMap` keyed by each call's *place*: its due time as
//! of the last sort, then its rank among the calls due then. Between sorts
//! the map's order is the list's order. A sort only has to move the calls
//! whose due time changed since the last one (`reset`, `delay`: kept in
//! `moved`), each in O(log n), and a stable sort puts such a call:
//!
//! - moved *later*: before every call that was already due at its new time
//!   (it stood before them in the list), so it takes a rank below theirs
//!   (the `front` ranks, handed out in blocks that go down);
//! - moved *earlier*: after them, a rank above theirs (taken from the ids'
//!   counter, as a new call's rank is its id: it goes last among its time);
//! - several moved to one time: in their old list order, which is the
//!   order of their old places, in which the sort visits them.
//!
//! The reactor's timer queue (`reactor/timers.rs`) does not fit here: it
//! moves a reset call at once and always to the back of its new time
//! (its own rule), where this clock must keep Twisted's list order.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use super::{
    nanos, ClockIdleError, DelayedCall, Nanos, ReactorTime, TimerCell, TimerJob, TimerQueue,
};
use super::{CALLED, CANCELLED, DISCARDED};
use crate::reactor_error::ReactorError;
use crate::sync::{Arc, Mutex, Weak};

/// A clock whose time moves only when a test says so (Twisted's
/// `task.Clock`): a [`ReactorTime`] for testing timeouts, delays and
/// periodic calls exactly and instantly.
///
/// It starts at time zero. [`advance`](Clock::advance) moves it forward and
/// runs, on the calling thread, every call due by then: in order of due
/// time, and calls due at the same time in the order they were scheduled.
/// A call that schedules another one for a time already reached (a zero
/// delay) sees it run within the same `advance`, as in Twisted.
///
/// The handle is cheap to clone (clones are the same clock), `Send` and
/// `Sync`: any thread may schedule or advance. Calls run with no lock held,
/// so they may schedule, cancel, or advance the clock themselves. A call
/// that panics unwinds out of `advance` (as an exception escapes Twisted's),
/// leaving the later calls pending.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use deferred::testing::Clock;
/// use deferred::ReactorTime;
///
/// let clock = Clock::new();
/// let order = Arc::new(Mutex::new(Vec::new()));
/// for (secs, tag) in [(2, "b"), (1, "a"), (2, "c")] {
///     let order = Arc::clone(&order);
///     clock.call_later(Duration::from_secs(secs), move || order.lock().unwrap().push(tag));
/// }
/// assert_eq!(clock.delayed_calls().len(), 3);
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(*order.lock().unwrap(), ["a"]);
/// clock.pump(&[Duration::from_millis(500), Duration::from_millis(500)]);
/// assert_eq!(*order.lock().unwrap(), ["a", "b", "c"]);
/// assert_eq!(clock.now(), Duration::from_secs(2));
/// assert!(clock.delayed_calls().is_empty());
/// ```
#[derive(Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

/// A handle that does not keep the clock alive (a `LoopingCall` holds its
/// test clock so: the clock's pending call holds the loop).
pub(crate) struct WeakClock {
    inner: Weak<Inner>,
}

impl WeakClock {
    /// The clock, if a handle of it is still alive.
    pub(crate) fn upgrade(&self) -> Option<Clock> {
        self.inner.upgrade().map(|inner| Clock { inner })
    }
}

impl Clock {
    /// A handle that does not keep the clock alive.
    pub(crate) fn downgrade(&self) -> WeakClock {
        WeakClock {
            inner: Arc::downgrade(&self.inner),
        }
    }
}

/// What every handle shares.
struct Inner {
    state: Mutex<State>,
}

/// Hashes a call's id (a counter, never chosen by an adversary) with one
/// multiplication, not SipHash: the table is only touched for calls moved
/// by `reset` or `delay`, but then on every call's way out.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, id: u64) {
        // Fibonacci hashing: spreads consecutive ids over the high bits,
        // which the table's control bytes use.
        self.0 = id.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A call's place in the list (second design note): its due time as of
/// the last sort, then its rank among the calls due then. A new call's
/// rank is its id (ids only grow: it goes last), so a call never moved
/// stands at `(its due time, its id)` and needs no table.
type Place = (Nanos, i64);

/// The rank of a new call: its id.
fn rank_of(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// The clock's state behind its lock.
struct State {
    /// The current time.
    now: Nanos,
    /// Pending calls in the list's order (Twisted's `calls`): by due time
    /// as of the last sort, at the moments Twisted sorts (design notes).
    calls: BTreeMap<Place, Pending>,
    /// The places of the pending calls that are not at `(due time, id)`:
    /// moved since the last sort (still at their old place), or given a
    /// new rank by a sort.
    placed: HashMap<u64, Place, BuildHasherDefault<IdHasher>>,
    /// Ids of calls whose due time changed since the last sort (may name
    /// one twice, or a call cancelled since).
    moved: Vec<u64>,
    /// The lowest rank handed out at the front of a time's calls so far.
    front: i64,
    /// The next call's id, which is also the next rank at the back of a
    /// time's calls.
    next_id: u64,
}

/// A pending call.
struct Pending {
    cell: Arc<TimerCell>,
    job: TimerJob,
}

impl State {
    /// Where `cell` stands in the list if it is pending: no other call
    /// ever stands there (ranks are never handed out twice), so the call
    /// at that place, if any, is this one.
    fn place(&self, cell: &TimerCell) -> Place {
        (self.placed.get(&cell.id).copied()).unwrap_or_else(|| (cell.when(), rank_of(cell.id)))
    }

    /// Twisted's `_sortCalls`, a stable sort by due time: only the calls
    /// moved since the last sort change places (second design note).
    fn sort(&mut self) {
        if self.moved.is_empty() {
            return;
        }
        let mut moved: Vec<Place> = (self.moved.drain(..))
            .filter_map(|id| self.placed.get(&id).copied())
            .collect();
        moved.sort_unstable();
        moved.dedup();
        let later = (moved.iter())
            .filter(|place| self.calls[*place].cell.when() > place.0)
            .count();
        let mut front = self.front - i64::try_from(later).unwrap_or(i64::MAX);
        self.front = front;
        for old in moved {
            let when = self.calls[&old].cell.when();
            let rank = match when.cmp(&old.0) {
                std::cmp::Ordering::Equal => continue, // back where it stood
                std::cmp::Ordering::Greater => {
                    front += 1;
                    front - 1
                }
                std::cmp::Ordering::Less => self.take_back(),
            };
            let pending = self.calls.remove(&old).expect("placed and calls agree");
            self.placed.insert(pending.cell.id, (when, rank));
            self.calls.insert((when, rank), pending);
        }
    }

    /// A rank after every call's so far (taken from the ids' counter).
    fn take_back(&mut self) -> i64 {
        self.next_id += 1;
        rank_of(self.next_id - 1)
    }

    /// A call leaves the list: forget its place.
    fn forget(&mut self, id: u64) {
        if !self.placed.is_empty() {
            self.placed.remove(&id);
        }
    }

    /// Takes a pending call out of the list (no sort, as Twisted's
    /// `calls.remove`).
    fn remove(&mut self, cell: &TimerCell) -> Option<Pending> {
        let place = self.place(cell);
        let pending = self.calls.remove(&place)?;
        debug_assert_eq!(pending.cell.id, cell.id);
        self.forget(cell.id);
        Some(pending)
    }

    /// Notes that a pending call's due time changed; `false` if it is not
    /// pending.
    fn moved(&mut self, cell: &TimerCell, when: impl FnOnce(Nanos) -> Nanos) -> bool {
        let place = self.place(cell);
        if !self.calls.contains_key(&place) {
            return false;
        }
        // Twisted's `reset`/`delay`: the due time changes, the list order
        // waits for the next sort (design notes); the call stays where it
        // stood until then.
        self.placed.insert(cell.id, place);
        cell.set_when(when(cell.when()));
        self.moved.push(cell.id);
        true
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

impl Clock {
    /// A clock at time zero with no calls.
    ///
    /// ```
    /// let clock = deferred::testing::Clock::new();
    /// assert_eq!(clock.now(), std::time::Duration::ZERO);
    /// ```
    pub fn new() -> Self {
        Clock {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    now: 0,
                    calls: BTreeMap::new(),
                    placed: HashMap::default(),
                    moved: Vec::new(),
                    front: 0,
                    next_id: 0,
                }),
            }),
        }
    }

    /// The current time: how far the clock has been advanced (Twisted's
    /// `seconds()`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = deferred::testing::Clock::new();
    /// clock.advance(Duration::from_millis(1500));
    /// assert_eq!(clock.now(), Duration::from_millis(1500));
    /// ```
    pub fn now(&self) -> Duration {
        Duration::from_nanos(self.inner.state.lock().now)
    }

    /// Schedules `f` to run once the clock has advanced by `delay`
    /// (Twisted's `callLater`). The same shape as
    /// [`ReactorTime::call_later`] (and the reactor's), so code moves
    /// between a test clock and the reactor unchanged; a test clock never
    /// refuses, so it is always `Ok`.
    ///
    /// # Errors
    ///
    /// None: always `Ok` (the `Result` is the reactor's, which refuses a
    /// timer while it stops).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let clock = deferred::testing::Clock::new();
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let r = Arc::clone(&ran);
    /// let call = clock.call_later(Duration::from_secs(1), move || r.store(true, Ordering::SeqCst))?;
    /// assert_eq!(call.time(), Duration::from_secs(1));
    /// clock.advance(Duration::from_secs(1));
    /// assert!(ran.load(Ordering::SeqCst));
    /// # Ok::<(), deferred::ReactorError>(())
    /// ```
    pub fn call_later<F>(&self, delay: Duration, f: F) -> Result<DelayedCall, ReactorError>
    where
        F: FnOnce() + Send + 'static,
    {
        Ok(self.schedule(delay, Box::new(f)))
    }

    fn schedule(&self, delay: Duration, job: TimerJob) -> DelayedCall {
        let mut state = self.inner.state.lock();
        // Twisted appends, then sorts: the new call goes last among those
        // due at its time, after the moved ones the sort places, so its id
        // (its rank) is taken after theirs.
        state.sort();
        let id = state.next_id;
        state.next_id += 1;
        let when = state.now.saturating_add(nanos(delay));
        let cell = Arc::new(TimerCell::new(id, when));
        let place = (when, rank_of(id));
        state.calls.insert(
            place,
            Pending {
                cell: Arc::clone(&cell),
                job,
            },
        );
        drop(state);
        self.handle(cell)
    }

    /// A handle on one of this clock's calls.
    fn handle(&self, cell: Arc<TimerCell>) -> DelayedCall {
        let queue: Weak<Inner> = Arc::downgrade(&self.inner);
        DelayedCall::new(queue, cell)
    }

    /// Moves time forward by `by` and runs every call due by then, on this
    /// thread, in order (Twisted's `advance`). Each call sees the new time
    /// in [`now`](Self::now). Calls scheduled meanwhile for a time already
    /// reached run too, before `advance` returns.
    ///
    /// # Panics
    ///
    /// If a call panics: the panic goes on out of `advance`, and the calls
    /// after it stay pending.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    ///
    /// let clock = deferred::testing::Clock::new();
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let (c, s) = (clock.clone(), Arc::clone(&seen));
    /// clock.call_later(Duration::from_secs(1), move || {
    ///     s.lock().unwrap().push(c.now());
    ///     let s = Arc::clone(&s);
    ///     let c2 = c.clone();
    ///     // Due now: runs in this same advance.
    ///     c.call_later(Duration::ZERO, move || s.lock().unwrap().push(c2.now())).unwrap();
    /// }).unwrap();
    /// clock.advance(Duration::from_secs(3));
    /// assert_eq!(*seen.lock().unwrap(), [Duration::from_secs(3), Duration::from_secs(3)]);
    /// ```
    pub fn advance(&self, by: Duration) {
        let mut state = self.inner.state.lock();
        state.now = state.now.saturating_add(nanos(by));
        state.sort();
        loop {
            // Sorted: every call's place holds its due time.
            let due =
                (state.calls.first_key_value()).is_some_and(|((when, _), _)| *when <= state.now);
            if !due {
                return;
            }
            let (_, Pending { cell, job }) = state.calls.pop_first().expect("just seen");
            state.forget(cell.id);
            cell.set_status(CALLED);
            drop(state);
            job(); // no lock held: it may schedule, cancel, or advance
            state = self.inner.state.lock();
            state.sort();
        }
    }

    /// The calls scheduled and not yet run or cancelled (Twisted's
    /// `getDelayedCalls`), in the clock's order: by due time, as of the
    /// last time the clock sorted them (Twisted sorts when a call is
    /// scheduled and while advancing, not on `reset` or `delay`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = deferred::testing::Clock::new();
    /// let late = clock.call_later(Duration::from_secs(2), || ()).unwrap();
    /// let early = clock.call_later(Duration::from_secs(1), || ()).unwrap();
    /// assert_eq!(clock.delayed_calls(), [early, late]);
    /// ```
    pub fn delayed_calls(&self) -> Vec<DelayedCall> {
        let cells: Vec<Arc<TimerCell>> = (self.inner.state.lock().calls.values())
            .map(|p| Arc::clone(&p.cell))
            .collect();
        cells.into_iter().map(|cell| self.handle(cell)).collect()
    }

    /// [`react`](crate::react) on this clock, without real time: calls
    /// `main`, then advances the clock to each next call in turn until the
    /// Deferred that `main` returns fires, and returns its result. The same
    /// `main` (written for any [`ReactorTime`]) runs on the reactor in
    /// production and here in a test. A panic in `main` becomes the `Err`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use deferred::{defer_later, testing::Clock, Deferred, ReactorTime};
    ///
    /// fn program(clock: &impl ReactorTime) -> Deferred<&'static str> {
    ///     defer_later(clock, Duration::from_secs(3600), || "an hour later")
    /// }
    /// let clock = Clock::new();
    /// assert_eq!(clock.react(|c| program(c)).unwrap(), "an hour later");
    /// assert_eq!(clock.now(), Duration::from_secs(3600)); // at once
    /// ```
    ///
    /// A Deferred that a call repeating forever never fires (a
    /// [`LoopingCall`](crate::LoopingCall) that does not stop) keeps it
    /// advancing, as it would keep a reactor running.
    ///
    /// # Errors
    ///
    /// The Deferred's failure, the panic of `main`, or [`ClockIdleError`]
    /// if the clock has no calls left and the Deferred has not fired.
    pub fn react<T, F>(&self, main: F) -> Result<T, crate::Failure>
    where
        T: Send + 'static,
        F: FnOnce(&Clock) -> crate::Deferred<T>,
    {
        let d = match crate::unwind::catch(|| main(self)) {
            Ok(d) => d,
            Err(failure) => crate::combinators::fail(failure),
        };
        let slot: Arc<Mutex<Option<Result<T, crate::Failure>>>> = Arc::new(Mutex::new(None));
        let stored = Arc::clone(&slot);
        // `then` consumes `d`: its result is ours (the new Deferred has nothing).
        let _stored: crate::Deferred<()> = d.then(move |result| {
            *stored.lock() = Some(result);
        });
        loop {
            if let Some(result) = slot.lock().take() {
                return result;
            }
            let next = self
                .inner
                .state
                .lock()
                .calls
                .values()
                .map(|p| p.cell.when())
                .min();
            let Some(next) = next else {
                return Err(crate::Failure::new(ClockIdleError));
            };
            let now = self.inner.state.lock().now;
            self.advance(Duration::from_nanos(next.saturating_sub(now)));
        }
    }

    /// Advances by each amount in turn (Twisted's `pump`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = deferred::testing::Clock::new();
    /// clock.pump(&[Duration::from_secs(1); 3]);
    /// assert_eq!(clock.now(), Duration::from_secs(3));
    /// ```
    pub fn pump(&self, amounts: &[Duration]) {
        for amount in amounts {
            self.advance(*amount);
        }
    }
}

impl ReactorTime for Clock {
    fn now(&self) -> Duration {
        Clock::now(self)
    }

    /// Never refuses.
    fn call_later_boxed(
        &self,
        delay: Duration,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<DelayedCall, ReactorError> {
        Ok(self.schedule(delay, f))
    }

    fn delayed_calls(&self) -> Vec<DelayedCall> {
        Clock::delayed_calls(self)
    }

    /// Held weakly by what its pending calls hold.
    fn downgrade_time(&self) -> Option<super::WeakTime> {
        Some(super::WeakTime::clock(self.downgrade()))
    }
}

impl TimerQueue for Inner {
    fn cancel(&self, cell: &TimerCell) -> Option<TimerJob> {
        let pending = self.state.lock().remove(cell)?;
        pending.cell.set_status(CANCELLED);
        Some(pending.job)
    }

    fn reset(&self, cell: &TimerCell, delay: Duration) -> bool {
        let mut state = self.state.lock();
        let when = state.now.saturating_add(nanos(delay));
        state.moved(cell, |_| when)
    }

    fn delay(&self, cell: &TimerCell, by: Duration) -> bool {
        self.state
            .lock()
            .moved(cell, |when| when.saturating_add(nanos(by)))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Calls still pending will never run: say so to their handles.
        for pending in std::mem::take(&mut self.state.get_mut().calls).into_values() {
            pending.cell.set_status(DISCARDED);
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.lock();
        f.debug_struct("Clock")
            .field("now", &Duration::from_nanos(state.now))
            .field("pending_calls", &state.calls.len())
            .finish()
    }
}
