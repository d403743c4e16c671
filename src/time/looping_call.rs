//! [`LoopingCall`]: call a function every interval (Twisted's
//! `task.LoopingCall`).
//!
//! # Design note
//!
//! One lock guards the loop's state; the function runs with it released
//! (taken out of the state while it runs, and put back after), so it may
//! stop, reset or inspect its own loop. Each scheduled call carries a
//! ticket; `stop` and `reset` take a new one, so a call that the clock had
//! already taken to run when it was cancelled finds a stale ticket and does
//! nothing. Another thread opens that window (a reactor thread has taken
//! the call while this thread stops the loop), and so does a clock of the
//! user's own on one thread, one that takes due calls and runs them later
//! (the tests' `LateClock`). The clock is called
//! with the lock held, so that `stop` from another thread sees either no
//! call or the call that will run; every clock in this crate only queues
//! under its own lock there and calls nothing back.
//!
//! Times are the clock's exact `Duration`s, so the interval grid of
//! Twisted's `_scheduleFrom` (the next call at the next multiple of the
//! interval after the start, skipping those already past) and of
//! `withCount` (how many multiples passed) is integer arithmetic here: no
//! float epsilon, no drift.

use std::fmt;
use std::time::Duration;

use super::{
    nanos, ClockExhaustedError, DelayedCall, LoopingCallError, Nanos, ReactorTime, WeakTime,
};
use crate::deferred::{catch_outcome, Deferred, IntoOutcome, Outcome};
use crate::failure::Failure;
use crate::mutant;
use crate::reactor::ReactorError;
use crate::sync::{Arc, Mutex, MutexGuard};

/// The function, as the loop keeps it: it gets the count (1 when not
/// counting).
/// The loop's function, given the loop (a handle made for the call, so the
/// function need not hold one: no cycle) and the count.
type LoopFn = Box<dyn FnMut(&LoopingCall, u64) -> Outcome<()> + Send + 'static>;

/// Calls a function every interval on a clock (Twisted's
/// `task.LoopingCall`).
///
/// [`start`](Self::start) returns a Deferred that fires with the
/// `LoopingCall` itself when [`stop`](Self::stop) ends the loop, or fails
/// with the function's failure (its `Err`, its panic, or the failure of the
/// Deferred it returned), which also ends the loop. A function that returns
/// a Deferred delays the next call until that Deferred fires. Calls follow
/// the interval grid from the start: after a call, the next one is at the
/// next multiple of the interval after the start that is still in the
/// future, so a late call does not shift the grid, and intervals missed
/// while the function ran (or the clock was late) are skipped;
/// [`with_count`](Self::with_count) tells the function how many.
///
/// The handle is cheap to clone (clones are the same loop, and `==` says
/// whether two handles are), `Send` and `Sync`. The function runs where the clock runs its calls (the reactor
/// thread, or a test clock's `advance`), and on the thread that calls
/// `start` for the first call of a loop started `now`. A running loop keeps
/// itself alive while its clock lives (the clock holds its next call): stop
/// it. It does not keep its clock alive, unless the clock gives no weak
/// handle ([`ReactorTime::downgrade_time`]).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use deferred::{testing::Clock, LoopingCall};
///
/// let clock = Clock::new();
/// let ticks = Arc::new(Mutex::new(Vec::new()));
/// let (c, t) = (clock.clone(), Arc::clone(&ticks));
/// let lc = LoopingCall::new(&clock, move || t.lock().unwrap().push(c.now()));
/// let done = lc.start(Duration::from_secs(1), true).unwrap();
/// clock.pump(&[Duration::from_secs(1); 3]);
/// lc.stop().unwrap();
/// let secs: Vec<u64> = ticks.lock().unwrap().iter().map(|t| t.as_secs()).collect();
/// assert_eq!(secs, [0, 1, 2, 3]);
/// assert!(done.is_called());
/// assert!(clock.delayed_calls().is_empty());
/// ```
#[derive(Clone)]
pub struct LoopingCall {
    shared: Arc<Shared>,
}

/// What every handle shares.
struct Shared {
    /// Where the calls are scheduled.
    clock: LoopClock,
    /// Everything that changes.
    state: Mutex<State>,
}

/// The loop's clock, held weakly when it gives a weak handle
/// ([`ReactorTime::downgrade_time`]): the clock holds the loop's next call,
/// which holds the loop, so a strong handle here is a cycle that keeps a
/// clock dropped under a running loop alive for ever, with the loop (a
/// reactor dropped before it ran, whose timers nothing discards, with its
/// pool too: issue 17, found by the lifecycle state machine). A clock gone
/// is a reactor stopped: it refuses the call, and the loop ends with
/// `ReactorError::Stopped` (a gone clock never runs a call again, so the
/// loop could never be called anyway). A clock with no weak handle is held
/// as given.
enum LoopClock {
    Weak(WeakTime),
    Strong(Arc<dyn ReactorTime>),
}

impl LoopClock {
    fn new<C: ReactorTime + Clone + 'static>(clock: &C) -> Self {
        match clock.downgrade_time() {
            Some(weak) => LoopClock::Weak(weak),
            None => LoopClock::Strong(Arc::new(clock.clone())),
        }
    }

    /// The clock's time; zero once the clock is gone (it runs nothing
    /// more, so no call of the loop can depend on it).
    fn now(&self) -> Duration {
        match self {
            LoopClock::Weak(weak) => weak.with(|clock| clock.now()).unwrap_or(Duration::ZERO),
            LoopClock::Strong(clock) => clock.now(),
        }
    }

    fn call_later_boxed(
        &self,
        delay: Duration,
        job: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<DelayedCall, ReactorError> {
        match self {
            // Gone: the job is dropped unrun, as a stopped reactor drops it.
            LoopClock::Weak(weak) => weak
                .with(move |clock| clock.call_later_boxed(delay, job))
                .unwrap_or(Err(ReactorError::Stopped)),
            LoopClock::Strong(clock) => clock.call_later_boxed(delay, job),
        }
    }
}

/// The loop's state (Twisted's attributes of the same names).
struct State {
    /// The function; `None` while it runs.
    f: Option<LoopFn>,
    /// Made by `with_count`: the function gets the count of intervals.
    counting: bool,
    /// Between `start` and `stop` (or a failure).
    running: bool,
    /// What `start` returned, until it fires.
    deferred: Option<Deferred<LoopingCall>>,
    /// Set by `start` (or `set_interval`).
    interval: Option<Nanos>,
    /// When the grid starts: `start`'s time, or the last `reset`'s.
    start_time: Nanos,
    /// `start` was told to call at once.
    run_at_start: bool,
    /// When counting: when the function was last called.
    real_last_time: Option<Nanos>,
    /// The scheduled next call, if any (none while the function or the
    /// Deferred it returned is running).
    call: Option<DelayedCall>,
    /// The scheduled call's ticket (design note).
    ticket: u64,
}

impl LoopingCall {
    /// A loop that will call `f` every interval on `clock`, once
    /// [`start`](Self::start)ed. `f` returns anything
    /// [`IntoOutcome<()>`](IntoOutcome): `()`, a `Result<(), E>`, or a
    /// `Deferred<()>` that the loop waits for.
    ///
    /// The clock is held weakly if it gives a weak handle
    /// ([`ReactorTime::downgrade_time`]: the [`Reactor`](crate::Reactor),
    /// a [`testing::Clock`](crate::testing::Clock), a
    /// [`MemoryReactor`](crate::testing::MemoryReactor), and any clock of
    /// yours that implements it): its pending call holds the loop, not the
    /// other way round, so the loop does not keep it alive, and on a clock
    /// whose handles are all gone it behaves as on a stopped reactor. A
    /// clock that gives none is held as given: the running loop keeps it
    /// alive until stopped.
    ///
    /// ```
    /// use deferred::{LoopingCall, Reactor};
    ///
    /// let reactor = Reactor::new();
    /// let lc = LoopingCall::new(&reactor, || println!("tick"));
    /// assert!(!lc.is_running());
    /// ```
    pub fn new<C, F, R>(clock: &C, mut f: F) -> Self
    where
        C: ReactorTime + Clone + 'static,
        F: FnMut() -> R + Send + 'static,
        R: IntoOutcome<()>,
    {
        LoopingCall::build(clock, false, Box::new(move |_, _| f().into_outcome()))
    }

    /// A loop whose function is given the loop, so it can stop (or reset,
    /// or inspect) itself without holding a handle of its own: a closure
    /// that captured its `LoopingCall` would keep it alive through the
    /// loop's own state (a reference cycle, never freed), which is what
    /// Twisted's `lc.stop()` from inside `f` needs a global or an `Arc`
    /// cycle for in a Rust port.
    ///
    /// ```
    /// use std::time::Duration;
    /// use deferred::{testing::Clock, LoopingCall};
    ///
    /// let clock = Clock::new();
    /// let mut left = 3;
    /// let lc = LoopingCall::with_loop(&clock, move |lc| {
    ///     left -= 1;
    ///     if left == 0 {
    ///         lc.stop().unwrap(); // the loop's Deferred fires with the loop
    ///     }
    /// });
    /// let done = lc.start(Duration::from_secs(1), true).unwrap();
    /// clock.pump(&[Duration::from_secs(1); 5]);
    /// assert!(done.result().unwrap().is_ok());
    /// assert!(!lc.is_running());
    /// ```
    pub fn with_loop<C, F, R>(clock: &C, mut f: F) -> Self
    where
        C: ReactorTime + Clone + 'static,
        F: FnMut(&LoopingCall) -> R + Send + 'static,
        R: IntoOutcome<()>,
    {
        LoopingCall::build(clock, false, Box::new(move |lc, _| f(lc).into_outcome()))
    }

    /// A loop whose function gets the number of intervals that passed since
    /// it was last called (Twisted's `withCount`): normally 1, more when
    /// calls were skipped because the function (or its Deferred) took
    /// longer than an interval, or the clock ran late. Always 1 with a zero
    /// interval. A call that finds no whole interval passed (possible after
    /// a late call) skips the function.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use deferred::{testing::Clock, LoopingCall};
    ///
    /// let clock = Clock::new();
    /// let counts = Arc::new(Mutex::new(Vec::new()));
    /// let c = Arc::clone(&counts);
    /// let lc = LoopingCall::with_count(&clock, move |n| c.lock().unwrap().push(n));
    /// lc.start(Duration::from_millis(500), true).unwrap();
    /// clock.advance(Duration::from_millis(510));
    /// clock.advance(Duration::from_millis(1510)); // three intervals later
    /// assert_eq!(*counts.lock().unwrap(), [1, 1, 3]);
    /// # lc.stop().unwrap();
    /// ```
    pub fn with_count<C, F, R>(clock: &C, mut f: F) -> Self
    where
        C: ReactorTime + Clone + 'static,
        F: FnMut(u64) -> R + Send + 'static,
        R: IntoOutcome<()>,
    {
        LoopingCall::build(clock, true, Box::new(move |_, n| f(n).into_outcome()))
    }

    fn build<C>(clock: &C, counting: bool, f: LoopFn) -> Self
    where
        C: ReactorTime + Clone + 'static,
    {
        LoopingCall {
            shared: Arc::new(Shared {
                clock: LoopClock::new(clock),
                state: Mutex::new(State {
                    f: Some(f),
                    counting,
                    running: false,
                    deferred: None,
                    interval: None,
                    start_time: 0,
                    run_at_start: false,
                    real_last_time: None,
                    call: None,
                    ticket: 0,
                }),
            }),
        }
    }

    /// Starts calling the function every `interval`: at once (on this
    /// thread) if `now`, else first after one interval. Returns the
    /// Deferred that fires with this `LoopingCall` when [`stop`](Self::stop)
    /// ends the loop, or fails with the function's failure.
    ///
    /// A zero interval calls again as soon as the clock runs calls again:
    /// on a test clock, within the same `advance` (as Twisted's `Clock`
    /// does), so such a loop must stop itself.
    ///
    /// On a clock at the end of its range (a test clock advanced by
    /// `Duration::MAX`), a non-zero interval's next call would be due at
    /// once, at the same time, forever: the loop ends instead, its Deferred
    /// failing with [`ClockExhaustedError`] (after the call it was making,
    /// so it runs at most once at that time).
    ///
    /// If the clock refuses to schedule a call (a reactor that is
    /// stopping), the loop ends and the Deferred fails with that
    /// [`ReactorError`].
    ///
    /// # Errors
    ///
    /// - [`LoopingCallError::AlreadyRunning`] if it is running.
    /// - [`LoopingCallError::Stopping`] if it was stopped while its
    ///   function (or the Deferred the function returned) was still
    ///   running; the loop ends once that finishes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use deferred::{testing::Clock, LoopingCall, LoopingCallError};
    ///
    /// let clock = Clock::new();
    /// let lc = LoopingCall::new(&clock, || ());
    /// let done = lc.start(Duration::from_secs(1), false).unwrap();
    /// assert_eq!(lc.start(Duration::from_secs(1), false).err(), Some(LoopingCallError::AlreadyRunning));
    /// lc.stop().unwrap();
    /// assert!(done.result().unwrap().is_ok());
    /// ```
    pub fn start(
        &self,
        interval: Duration,
        now: bool,
    ) -> Result<Deferred<LoopingCall>, LoopingCallError> {
        let mut state = self.shared.state.lock();
        if state.running {
            return Err(LoopingCallError::AlreadyRunning);
        }
        if state.deferred.is_some() {
            return Err(LoopingCallError::Stopping);
        }
        let d = Deferred::new();
        state.running = true;
        state.deferred = Some(d.clone());
        state.start_time = nanos(self.shared.clock.now());
        state.interval = Some(nanos(interval));
        state.run_at_start = now;
        // Twisted keeps the last call's time from an earlier run here, which
        // makes the first count of a restarted loop wrong (docs/semantics.md).
        state.real_last_time = None;
        if now {
            self.run(state, None);
        } else {
            let start = state.start_time;
            self.schedule_from(state, start);
        }
        Ok(d)
    }

    /// Stops the loop: no more calls. If no call is in progress, the
    /// `start` Deferred fires with this `LoopingCall` now; if the function
    /// (or the Deferred it returned) is running, it fires when that
    /// finishes (or fails with its failure).
    ///
    /// # Errors
    ///
    /// [`LoopingCallError::NotRunning`] if it is not running (never
    /// started, stopped, or ended by a failure); nothing changes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use deferred::{testing::Clock, LoopingCall, LoopingCallError};
    ///
    /// let clock = Clock::new();
    /// let lc = LoopingCall::new(&clock, || ());
    /// lc.start(Duration::from_secs(1), true).unwrap();
    /// lc.stop().unwrap();
    /// assert_eq!(lc.stop(), Err(LoopingCallError::NotRunning));
    /// ```
    pub fn stop(&self) -> Result<(), LoopingCallError> {
        let mut state = self.shared.state.lock();
        if !state.running {
            return Err(LoopingCallError::NotRunning);
        }
        state.running = false;
        if let Some(call) = state.call.take() {
            state.ticket += 1;
            let d = state.deferred.take();
            drop(state);
            // Already taken to run, if another thread raced us or the
            // clock runs what it takes later: its stale ticket makes it do
            // nothing.
            let _ = call.cancel();
            self.finish(d, Ok(()));
        }
        Ok(())
    }

    /// Skips the pending call and starts the interval grid again from now
    /// (Twisted's `reset`): the next call is one interval from now. Does
    /// nothing while the function (or its Deferred) is running.
    ///
    /// # Errors
    ///
    /// [`LoopingCallError::NotRunning`] if it is not running.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use deferred::{testing::Clock, LoopingCall};
    ///
    /// let clock = Clock::new();
    /// let calls = Arc::new(AtomicUsize::new(0));
    /// let c = Arc::clone(&calls);
    /// let lc = LoopingCall::new(&clock, move || { c.fetch_add(1, Ordering::SeqCst); });
    /// lc.start(Duration::from_secs(2), false).unwrap();
    /// clock.advance(Duration::from_secs(1));
    /// lc.reset().unwrap(); // next call at 3 s, not 2 s
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(calls.load(Ordering::SeqCst), 0);
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(calls.load(Ordering::SeqCst), 1);
    /// # lc.stop().unwrap();
    /// ```
    pub fn reset(&self) -> Result<(), LoopingCallError> {
        let mut state = self.shared.state.lock();
        if !state.running {
            return Err(LoopingCallError::NotRunning);
        }
        if let Some(call) = state.call.take() {
            // One critical section from taking the call to scheduling the
            // next: a call the clock took meanwhile finds the new ticket
            // and does nothing. (The mutant lets it run in between: it
            // calls the function and schedules a call that the reset then
            // orphans, still pending on the clock.)
            if mutant::on("looping_call_reset_split_lock") {
                drop(state);
                state = self.shared.state.lock();
            }
            state.ticket += 1;
            let _ = call.cancel();
            let now = nanos(self.shared.clock.now());
            state.start_time = now;
            self.schedule_from(state, now);
        }
        Ok(())
    }

    /// Whether it is running: from `start` until `stop` or a failure
    /// (Twisted's `running`).
    ///
    /// ```
    /// let clock = deferred::testing::Clock::new();
    /// let lc = deferred::LoopingCall::new(&clock, || ());
    /// assert!(!lc.is_running());
    /// ```
    pub fn is_running(&self) -> bool {
        self.shared.state.lock().running
    }

    /// The interval, once started (Twisted's `interval`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = deferred::testing::Clock::new();
    /// let lc = deferred::LoopingCall::new(&clock, || ());
    /// assert_eq!(lc.interval(), None);
    /// lc.start(Duration::from_secs(5), false).unwrap();
    /// assert_eq!(lc.interval(), Some(Duration::from_secs(5)));
    /// # lc.stop().unwrap();
    /// ```
    pub fn interval(&self) -> Option<Duration> {
        self.shared.state.lock().interval.map(Duration::from_nanos)
    }

    /// Changes the interval (Twisted's assignment to `interval`): it takes
    /// effect when the next call is scheduled, on a grid still counted from
    /// the start.
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = deferred::testing::Clock::new();
    /// let lc = deferred::LoopingCall::new(&clock, || ());
    /// lc.start(Duration::from_secs(1), false).unwrap();
    /// lc.set_interval(Duration::from_secs(2));
    /// assert_eq!(lc.interval(), Some(Duration::from_secs(2)));
    /// # lc.stop().unwrap();
    /// ```
    pub fn set_interval(&self, interval: Duration) {
        self.shared.state.lock().interval = Some(nanos(interval));
    }

    /// Twisted's `__call__`: calls the function (if this call is still the
    /// loop's: `ticket`) and goes on with its outcome.
    fn run(&self, mut state: MutexGuard<'_, State>, ticket: Option<u64>) {
        if let Some(ticket) = ticket {
            if (state.ticket != ticket || !state.running) && !mutant::on("looping_call_no_ticket") {
                return; // cancelled by `stop` or `reset` after the clock took it
            }
        }
        state.call = None;
        let count = if state.counting {
            match count(&mut state, nanos(self.shared.clock.now())) {
                Some(count) => count,
                // No whole interval passed: skip the function, schedule the next.
                None => return self.on_result(state, Ok(())),
            }
        } else {
            1
        };
        let mut f = state
            .f
            .take()
            .expect("the function is called by one call at a time (design note)");
        drop(state);
        let outcome = catch_outcome(|| f(self, count));
        let mut state = self.shared.state.lock();
        state.f = Some(f);
        match outcome {
            Outcome::Value(()) => self.on_result(state, Ok(())),
            Outcome::Failure(failure) => self.on_result(state, Err(failure)),
            Outcome::Deferred(d) => {
                drop(state);
                let lc = self.clone();
                d.add_both(move |result| {
                    let state = lc.shared.state.lock();
                    lc.on_result(state, result);
                });
            }
        }
    }

    /// Twisted's `cb` and `eb`: the function's outcome arrived.
    fn on_result(&self, mut state: MutexGuard<'_, State>, result: Result<(), Failure>) {
        match result {
            Ok(()) if state.running => {
                let now = nanos(self.shared.clock.now());
                self.schedule_from(state, now);
            }
            Ok(()) => {
                let d = state.deferred.take();
                drop(state);
                self.finish(d, Ok(()));
            }
            Err(failure) => {
                state.running = false;
                let d = state.deferred.take();
                drop(state);
                self.finish(d, Err(failure));
            }
        }
    }

    /// Twisted's `_scheduleFrom`: the next call at the next point of the
    /// interval grid after `when`.
    fn schedule_from(&self, mut state: MutexGuard<'_, State>, when: Nanos) {
        let interval = state.interval.unwrap_or(0);
        let delay = if interval == 0 {
            0
        } else {
            // In (0, interval]: exact, so never Twisted's "effectively zero".
            interval - when.saturating_sub(state.start_time) % interval
        };
        // `when` is the clock's now (every caller just read it).
        if delay > 0 && when == Nanos::MAX {
            // The next call would be due now, and the one after it, forever
            // (issue 17: 13 million runs in one `advance`): end the loop.
            state.running = false;
            let d = state.deferred.take();
            drop(state);
            return self.finish(d, Err(Failure::new(ClockExhaustedError)));
        }
        state.ticket += 1;
        let ticket = state.ticket;
        let lc = self.clone();
        let job = Box::new(move || {
            let state = lc.shared.state.lock();
            lc.run(state, Some(ticket));
        });
        match self
            .shared
            .clock
            .call_later_boxed(Duration::from_nanos(delay), job)
        {
            Ok(call) => state.call = Some(call),
            Err(refused) => {
                state.running = false;
                let d = state.deferred.take();
                drop(state);
                self.finish(d, Err(Failure::new(refused)));
            }
        }
    }

    /// Fires the `start` Deferred (no lock held: its handlers run now).
    fn finish(&self, d: Option<Deferred<LoopingCall>>, result: Result<(), Failure>) {
        if let Some(d) = d {
            // Refused only if the user cancelled it: their cancel stands.
            let _ = d.fire(result.map(|()| self.clone()));
        }
    }
}

/// Twisted's `withCount` counter: how many intervals passed since the last
/// call; `None` if none did (the function is skipped then).
fn count(state: &mut State, now: Nanos) -> Option<u64> {
    let interval = state.interval.unwrap_or(0);
    if interval == 0 {
        state.real_last_time = Some(now);
        return Some(1);
    }
    let start = i128::from(state.start_time);
    let last = match state.real_last_time {
        Some(last) => i128::from(last),
        None if state.run_at_start => start - i128::from(interval),
        None => start,
    };
    // Python's int(elapsed / interval): truncation toward zero, as Rust's `/`.
    let interval_of = |t: i128| (t - start) / i128::from(interval);
    let count = interval_of(i128::from(now)) - interval_of(last);
    if count > 0 {
        state.real_last_time = Some(now);
        Some(u64::try_from(count).unwrap_or(u64::MAX))
    } else {
        None
    }
}

impl PartialEq for LoopingCall {
    /// Whether both handles are the same loop.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl Eq for LoopingCall {}

impl fmt::Debug for LoopingCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("LoopingCall")
            .field("running", &state.running)
            .field("interval", &state.interval.map(Duration::from_nanos))
            .finish_non_exhaustive()
    }
}
