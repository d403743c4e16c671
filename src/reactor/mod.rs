//! [`Reactor`]: a small event loop (Twisted's reactor, without I/O): calls
//! from other threads, timers, and a thread pool for blocking work.
//!
//! # Design note: the wakeup protocol
//!
//! 1. **Calls come in counted in one word.** `call_from_thread` (and every
//!    `defer_to_thread` result) goes into a queue ([`Batch`]: a vector
//!    behind a lock held only to push one call or to swap the vector out,
//!    never while code runs), and
//!    one atomic word, `inbound`, counts the calls *pending* (counted, and
//!    pushed or about to be) beside two flags: `SLEEPING` (the reactor thread
//!    waits on `wake`, or is about to) and `STOPPED` (calls are refused). A
//!    caller counts its call first (one `fetch_add`, which also tells it both
//!    flags), then pushes it. The timers, the phase and the stop hooks sit
//!    behind the one [`Mutex`]; only the reactor thread waits on the
//!    [`Condvar`] `wake`.
//! 2. **No lost wakeup.** The loop decides to sleep under the lock, having
//!    seen no call pending, no timer due and no stop, and sets `SLEEPING`
//!    with a compare-and-swap that succeeds only while no call is pending;
//!    then it waits, which releases the lock atomically. A call counted
//!    before that swap is seen by it (the loop runs it instead of sleeping);
//!    one counted after it sees `SLEEPING`. Whoever clears `SLEEPING` (one
//!    `fetch_and`: exactly one caller per sleep) takes the lock once, so its
//!    notification comes after the wait began, and notifies. Timers and
//!    `stop`, which change under the lock, clear it and notify the same way.
//! 3. **Batches.** Each turn reads the pending count once, then takes every
//!    call queued in one step (the queue's vector swapped for the turn's
//!    empty one: one lock for the whole batch, however many results workers
//!    delivered, and one wake-up, by note 2, for all that arrived while it
//!    slept), runs them in order, and uncounts the calls it ran. If fewer
//!    than the count it read were queued (a caller counted its call and was
//!    preempted before pushing it), it waits for them
//!    ([`Batch::take_promised`]), and takes them with whatever else arrived
//!    by then; calls pushed after its last take wait for the next turn
//!    (their count keeps the loop from sleeping). Each turn runs one batch
//!    and at most one due timer, so neither starves the other. A worker
//!    whose result arrives while the reactor is awake does not wake it
//!    (only the one caller that clears `SLEEPING` does, note 2).
//! 4. **User code runs with no lock held** and inside the panic policy
//!    (`crate::unwind`): a panicking call is logged and the loop goes on.
//! 5. **Time is only in the timed wait.** With no timer pending the loop waits
//!    untimed, so a loom model (where timed waits never time out) can drive
//!    `run` with calls and stops alone; a timer with a zero delay is due at
//!    once and needs no waiting either.
//! 6. **Shutdown order, in bounded time:** the loop leaves at `stop` (after
//!    the batch it is running); then the thread pool stops (its queued jobs
//!    run and it joins every worker), so results that workers hand back
//!    meanwhile are still queued; then one `fetch_or` sets `STOPPED` and
//!    reads the count in the same step: the calls counted before it (made
//!    before the stop, or while the pool stopped) are drained, once; a call
//!    counted after it is refused (its caller gets it back). A call the
//!    drain runs cannot queue another (nor a task's poll queue the next
//!    one), so a call or a task that re-queues itself forever does not keep
//!    `run` from returning: the drain runs a number of calls fixed when it
//!    begins (no call is queued beyond those it counted, so its batches
//!    hold exactly them). Then, under the lock, the phase becomes `Stopped` and pending
//!    timers are discarded.
//! 7. **Spin before sleeping, when a result is due.** When jobs that
//!    `defer_to_thread` handed to threads are still out (`out`), the loop
//!    spins briefly (`Backoff`, outside the lock) on the pending count before
//!    it sleeps: a worker's result usually arrives within microseconds, and a
//!    sleep and its wakeup cost two context switches and a system call on
//!    each side. With nothing out it sleeps at once, so an idle reactor burns
//!    no CPU. The spin decides nothing (the sleep decision of note 2 still
//!    follows it), and loom models skip it. It never yields: a yield hands
//!    the core to a runnable worker, and the reactor thread, runnable but
//!    not woken, then waits for the scheduler's next tick to get it back
//!    (4 ms at Linux's HZ=250: the tick gap of docs/benchmarks.md). A
//!    reactor made where the process has one core never spins: there the
//!    spin only holds the core the worker needs.

mod timers;

// The unit tests use real threads and time: not under loom (see loom/tests/loom/threads.rs).
#[cfg(all(test, not(deferred_loom)))]
mod tests;

use std::fmt;
use std::time::{Duration, Instant};

pub use crate::reactor_error::ReactorError;

use crate::deferred::Deferred;
use crate::failure::Failure;
use crate::job::Job;
use crate::mutant;
use crate::pool::{PoolSizeError, ThreadPool, WorkerPriority};
use crate::sync::thread::{self, ThreadId};
use crate::sync::{
    Arc, AtomicUsize, Backoff, Batch, CachePadded, Condvar, Mutex, MutexGuard, Ordering, Weak,
};
use crate::time::CANCELLED;
use crate::time::{nanos, DelayedCall, Nanos, ReactorTime, TimerCell, TimerJob, TimerQueue};
use crate::unwind;
use timers::Timers;

/// A small event loop, Twisted's reactor without I/O: it runs calls handed
/// over from other threads and timers, on the one thread that called
/// [`run`](Reactor::run), and owns the thread pool that
/// [`defer_to_thread`](crate::defer_to_thread) uses.
///
/// The handle is cheap to clone and `Send + Sync`: any thread may call
/// [`call_from_thread`](Reactor::call_from_thread), [`call_later`](Reactor::call_later)
/// or [`stop`](Reactor::stop). It is the real-time [`ReactorTime`]: timeouts,
/// [`defer_later`](crate::defer_later) and [`LoopingCall`](crate::LoopingCall)
/// run on it (and on a [`testing::Clock`](crate::testing::Clock) in tests).
///
/// ```
/// use std::time::Duration;
/// use deferred::Reactor;
///
/// let reactor = Reactor::new();
/// let r = reactor.clone();
/// reactor
///     .call_later(Duration::from_millis(1), move || r.stop().unwrap())
///     .unwrap();
/// let r = reactor.clone();
/// std::thread::spawn(move || r.call_from_thread(|| println!("on the reactor thread")).unwrap());
/// reactor.run().unwrap(); // returns once the timer stops it
/// ```
#[derive(Clone)]
pub struct Reactor {
    inner: Arc<Inner>,
}

/// What every handle shares.
pub(crate) struct Inner {
    /// The calls pending and the `SLEEPING` and `STOPPED` flags (design
    /// note 1), on a cache line of its own: every caller writes it.
    inbound: CachePadded<AtomicUsize>,
    /// Calls from other threads, in arrival order, taken a batch at a time
    /// (design notes 1 and 3).
    calls: Batch<Job>,
    /// Jobs `defer_to_thread` handed to threads whose results have not come
    /// back yet (design note 7); written by the threads that submit (the
    /// reactor thread, usually) and by the reactor thread.
    out: CachePadded<AtomicUsize>,
    /// The timers, the phase, the stop hooks (design note 1).
    state: Mutex<State>,
    /// The reactor thread sleeps here.
    wake: Condvar,
    /// The reactor's thread pool, for `defer_to_thread`.
    pool: ThreadPool,
    /// Time zero of the reactor's time line ([`ReactorTime::now`]).
    epoch: Instant,
    /// Whether the loop spins before it sleeps (design note 7): only when
    /// the process has a second core, where the worker it waits for runs.
    spins: bool,
}

/// Where a reactor is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Built, `run` not called yet: calls and timers queue up.
    NotStarted,
    /// The loop is turning.
    Running,
    /// `stop` was called; the loop is winding down (design note 6). Calls
    /// are still accepted, timers no more.
    Stopping,
    /// Done: everything is refused.
    Stopped,
}

/// Steps of the reactor's spin before it sleeps (design note 7): crossbeam's
/// `Backoff::spin` doubles its pause hints up to 64 a step, so 12 steps are
/// about 450 hints (a few to ten microseconds).
const REACTOR_SPIN_STEPS: u32 = 12;

/// Whether a reactor made now should spin before it sleeps (design note
/// 7): not when the process may use only one core (`taskset`, a cgroup
/// quota), where the spin holds the core the worker needs to send the
/// result it waits for (a sequential round trip went from 2.6 µs to 16.6 µs
/// pinned to one core: docs/benchmarks.md, "Scaling").
fn spins_before_sleeping() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
}

/// Calls the reactor's queue has room for from the start (design note 3):
/// the calls queued before `run`, and the first burst of results, cost no
/// growth of its vector (64 calls are 1 KiB).
const CALLS_ROOM: usize = 64;

/// `inbound`: the reactor thread waits on `wake`, or is about to.
const SLEEPING: usize = 1;
/// `inbound`: calls are refused.
const STOPPED: usize = 2;
/// `inbound`: one call pending (the count is the rest of the word).
const ONE_CALL: usize = 4;

/// The calls pending in an `inbound` word.
#[inline]
fn pending(word: usize) -> usize {
    word / ONE_CALL
}

/// The state behind the lock.
struct State {
    /// See [`Phase`].
    phase: Phase,
    /// Pending timers.
    timers: Timers,
    /// `call_when_running` calls waiting for `run`.
    when_running: Vec<Job>,
    /// The thread that runs the loop, once `run` started.
    thread: Option<ThreadId>,
    /// Crate-internal hooks run on the reactor thread when the loop leaves,
    /// before the pool stops (see [`Reactor::add_stop_hook`]); `None` once
    /// they were taken to run, after which new ones are refused.
    stop_hooks: Option<Vec<(u64, Job)>>,
    /// The id of the next stop hook.
    next_stop_hook: u64,
}

impl State {
    /// Whether a stop has begun (the phase is `Stopping` or `Stopped`).
    fn stopping(&self) -> bool {
        matches!(self.phase, Phase::Stopping | Phase::Stopped)
    }
}

impl Default for Reactor {
    fn default() -> Self {
        Reactor::new()
    }
}

impl Reactor {
    /// A reactor, not running yet, with a thread pool of 0 to 10 threads named
    /// `reactor-pool-<n>`: the sizes of Twisted's reactor pool
    /// (`ThreadPool(0, 10, "twisted.internet.reactor")`, which
    /// `suggest_thread_pool_size` resizes). The pool starts when the
    /// reactor runs, as Twisted's does (`callWhenRunning(threadpool.start)`):
    /// work handed to [`defer_to_thread`](crate::defer_to_thread) before
    /// [`run`](Self::run) waits for it. Its workers run at a lower OS
    /// scheduling priority than the reactor thread
    /// ([`WorkerPriority::Lowered`]), so that CPU-bound jobs keep the loop
    /// waiting for a core less; build the pool yourself with
    /// [`WorkerPriority::Idle`] and hand it to
    /// [`with_thread_pool`](Self::with_thread_pool) to keep the loop's tick
    /// gap at its idle value (docs/benchmarks.md).
    ///
    /// ```
    /// let reactor = deferred::Reactor::new();
    /// assert_eq!(reactor.thread_pool().stats().threads, 0);
    /// assert!(!reactor.thread_pool().is_started());
    /// assert_eq!(reactor.thread_pool().max_threads(), 10);
    /// ```
    pub fn new() -> Self {
        let pool = ThreadPool::builder()
            .min_threads(0)
            .max_threads(10)
            .name_prefix("reactor-pool")
            .worker_priority(WorkerPriority::Lowered)
            .build_unstarted()
            .expect("0 to 10 threads are valid sizes");
        Reactor::with_thread_pool(pool)
    }

    /// A reactor that owns `pool` as its thread pool (for
    /// [`defer_to_thread`](crate::defer_to_thread)); it starts the pool when
    /// the loop starts, if it was built with
    /// [`build_unstarted`](crate::ThreadPoolBuilder::build_unstarted), and
    /// stops it when the loop stops.
    ///
    /// ```
    /// use deferred::{Reactor, ThreadPool};
    ///
    /// let pool = ThreadPool::builder().max_threads(2).name_prefix("blocking").build().unwrap();
    /// let reactor = Reactor::with_thread_pool(pool);
    /// # drop(reactor);
    /// ```
    pub fn with_thread_pool(pool: ThreadPool) -> Self {
        Reactor {
            inner: Arc::new(Inner {
                inbound: CachePadded::new(AtomicUsize::new(0)),
                calls: Batch::with_capacity(CALLS_ROOM),
                out: CachePadded::new(AtomicUsize::new(0)),
                state: Mutex::new(State {
                    phase: Phase::NotStarted,
                    timers: Timers::default(),
                    when_running: Vec::new(),
                    thread: None,
                    stop_hooks: Some(Vec::new()),
                    next_stop_hook: 0,
                }),
                wake: Condvar::new(),
                pool,
                epoch: Instant::now(),
                spins: spins_before_sleeping(),
            }),
        }
    }

    /// Turns the loop on the calling thread, which becomes the reactor
    /// thread, until [`stop`](Self::stop); then stops the thread pool (which
    /// runs its queued jobs and joins its workers), runs the calls queued
    /// until then (those made before the stop, and the results the workers
    /// handed back), once, refusing new ones from that moment, discards the
    /// pending timers, and returns. First it runs the
    /// [`call_when_running`](Self::call_when_running) calls, in order.
    ///
    /// The stop takes bounded time whatever the calls do (beyond the jobs
    /// the pool is running, which it waits for): a call the final drain runs
    /// that queues another gets [`ReactorError::Stopped`], and a task
    /// ([`spawn`](Self::spawn), [`Deferred::from_future`]) that wakes itself
    /// again then fails with `ReactorError::Stopped`, its future dropped.
    ///
    /// A panic in any call it runs is logged and contained.
    ///
    /// # Errors
    ///
    /// - [`ReactorError::AlreadyRunning`] if the loop is running (a nested
    ///   `run` from a call on the reactor thread, or another thread's).
    /// - [`ReactorError::NotRestartable`] if it ran before: a reactor runs once.
    ///
    /// ```
    /// let reactor = deferred::Reactor::new();
    /// let r = reactor.clone();
    /// reactor.call_when_running(move || {
    ///     assert_eq!(r.run(), Err(deferred::ReactorError::AlreadyRunning));
    ///     r.stop().unwrap();
    /// }).unwrap();
    /// reactor.run().unwrap();
    /// ```
    pub fn run(&self) -> Result<(), ReactorError> {
        self.run_with(|| ())
    }

    /// `run`, with `startup` run on the reactor thread after the
    /// `call_when_running` calls (`react` uses it, so its closure need not be `Send`).
    fn run_with(&self, startup: impl FnOnce()) -> Result<(), ReactorError> {
        let when_running = {
            let mut state = self.inner.state.lock();
            match state.phase {
                Phase::NotStarted => {}
                Phase::Running | Phase::Stopping => return Err(ReactorError::AlreadyRunning),
                Phase::Stopped => return Err(ReactorError::NotRestartable),
            }
            state.phase = Phase::Running;
            state.thread = Some(thread::current().id());
            std::mem::take(&mut state.when_running)
        };
        if self.inner.pool.start().is_err() {
            // The user stopped our pool: `defer_to_thread` says so to each caller.
            log::debug!("the reactor's thread pool was stopped before the reactor ran");
        }
        for job in when_running {
            unwind::run_job("a call_when_running call", job);
        }
        unwind::run_logged("the reactor's startup call", startup);
        if let Some(stop_hooks) = self.inner.turn() {
            for (_, hook) in stop_hooks {
                unwind::run_job("a reactor stop hook", hook);
            }
        }
        self.inner.shut_down();
        Ok(())
    }

    /// Stops the loop (Twisted's `reactor.stop`): callable from any thread,
    /// the reactor's own included. `run` finishes the batch it is running,
    /// then winds down and returns (see [`run`](Self::run)). Pending timers
    /// are discarded as the stop begins: from the moment `stop` returns
    /// their [`DelayedCall`]s are no longer active and answer
    /// [`DelayedCallError::Discarded`](crate::DelayedCallError::Discarded)
    /// to `reset`, `delay` and `cancel` (as `call_later` answers
    /// [`ReactorError::Stopped`]); their closures are dropped unrun at the
    /// end of the shutdown.
    ///
    /// # Errors
    ///
    /// [`ReactorError::NotRunning`] before `run`, and once a stop is under
    /// way or done; nothing changes. To stop a reactor as soon as it runs,
    /// hand the stop to [`call_when_running`](Self::call_when_running) or
    /// [`call_from_thread`](Self::call_from_thread).
    ///
    /// ```
    /// use deferred::{Reactor, ReactorError};
    ///
    /// let reactor = Reactor::new();
    /// let r = reactor.clone();
    /// let stopper = std::thread::spawn(move || {
    ///     // Wait until it runs, then stop it from this other thread.
    ///     let (tx, rx) = std::sync::mpsc::channel();
    ///     r.call_from_thread(move || tx.send(()).unwrap()).unwrap();
    ///     rx.recv().unwrap();
    ///     r.stop().unwrap();
    /// });
    /// reactor.run().unwrap();
    /// stopper.join().unwrap();
    /// assert_eq!(reactor.stop(), Err(ReactorError::NotRunning));
    /// ```
    pub fn stop(&self) -> Result<(), ReactorError> {
        let mut state = self.inner.state.lock();
        if state.phase != Phase::Running {
            return Err(ReactorError::NotRunning);
        }
        state.phase = Phase::Stopping;
        // No timer runs once the stop began (the loop leaves before its next
        // one, and the drain runs only calls): mark them discarded now, in
        // the same critical section, so that from here on their handles say
        // so (`is_active` false; `reset`, `delay` and `cancel`, which check
        // the phase, answer `Discarded`), as `call_later` already answers
        // `Stopped` (issue 17 item 5). Their closures are dropped at the end
        // of the shutdown, as before, once calls are refused: a task
        // awaiting a timer then fails with `Stopped`, not with what the
        // drop of its timer's Deferred would tell it during the drain.
        state.timers.mark_all_discarded();
        self.inner.wake_locked();
        Ok(())
    }

    /// Runs `f` on the reactor thread, soon (Twisted's `callFromThread`):
    /// callable from any thread, the reactor's own included; wakes a
    /// sleeping loop. Calls from one thread run in the order they were made.
    /// Before `run`, calls wait for it; while the reactor stops, calls made
    /// until its pool has stopped still run, once, before `run` returns.
    ///
    /// # Errors
    ///
    /// [`ReactorError::Stopped`] once the stop's final drain has begun (see
    /// [`run`](Self::run)), from a call that drain runs too: `f` is dropped
    /// without running.
    ///
    /// ```
    /// let reactor = deferred::Reactor::new();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let r = reactor.clone();
    /// std::thread::spawn(move || {
    ///     r.call_from_thread(move || tx.send(std::thread::current().id()).unwrap()).unwrap();
    ///     let r2 = r.clone();
    ///     r.call_from_thread(move || r2.stop().unwrap()).unwrap();
    /// });
    /// reactor.run().unwrap();
    /// assert_eq!(rx.recv().unwrap(), std::thread::current().id());
    /// ```
    pub fn call_from_thread<F>(&self, f: F) -> Result<(), ReactorError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.inner.push_call(Job::new(f)).map_err(|job| {
            drop(job);
            ReactorError::Stopped
        })
    }

    /// Runs `f` on the reactor thread once `delay` has passed (Twisted's
    /// `callLater`). Calls run in deadline order; calls with the same
    /// deadline, in the order they were scheduled. Timers scheduled before
    /// `run` wait for it; timers still pending when the stop begins are
    /// discarded then (see [`stop`](Self::stop)).
    ///
    /// # Errors
    ///
    /// [`ReactorError::Stopped`] once a stop is under way (the call would
    /// never run): `f` is dropped.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use deferred::Reactor;
    ///
    /// let reactor = Reactor::new();
    /// let order = Arc::new(Mutex::new(Vec::new()));
    /// for (ms, tag) in [(20, "c"), (0, "a"), (10, "b")] {
    ///     let order = Arc::clone(&order);
    ///     reactor.call_later(Duration::from_millis(ms), move || order.lock().unwrap().push(tag)).unwrap();
    /// }
    /// let r = reactor.clone();
    /// reactor.call_later(Duration::from_millis(30), move || r.stop().unwrap()).unwrap();
    /// reactor.run().unwrap();
    /// assert_eq!(*order.lock().unwrap(), ["a", "b", "c"]);
    /// ```
    pub fn call_later<F>(&self, delay: Duration, f: F) -> Result<DelayedCall, ReactorError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.schedule(delay, Box::new(f))
    }

    fn schedule(&self, delay: Duration, job: TimerJob) -> Result<DelayedCall, ReactorError> {
        let mut state = self.inner.state.lock();
        if matches!(state.phase, Phase::Stopping | Phase::Stopped) {
            drop(state);
            drop(job);
            return Err(ReactorError::Stopped);
        }
        let when = self.inner.now().saturating_add(nanos(delay));
        let cell = state.timers.insert(when, job);
        // It may be due before the reactor's current wake-up time.
        self.inner.wake_locked();
        drop(state);
        Ok(self.handle(cell))
    }

    /// A handle on one of this reactor's timers.
    fn handle(&self, cell: Arc<TimerCell>) -> DelayedCall {
        let queue: Weak<Inner> = Arc::downgrade(&self.inner);
        DelayedCall::new(queue, cell)
    }

    /// Runs `f` on the reactor thread when the loop starts, before anything
    /// else (Twisted's `callWhenRunning`); if it is running already, soon, as
    /// [`call_from_thread`](Self::call_from_thread).
    ///
    /// # Errors
    ///
    /// [`ReactorError::Stopped`] once a stop is under way: `f` is dropped.
    ///
    /// ```
    /// let reactor = deferred::Reactor::new();
    /// let r = reactor.clone();
    /// reactor.call_when_running(move || r.stop().unwrap()).unwrap();
    /// reactor.run().unwrap();
    /// ```
    pub fn call_when_running<F>(&self, f: F) -> Result<(), ReactorError>
    where
        F: FnOnce() + Send + 'static,
    {
        let job = Job::new(f);
        let mut state = self.inner.state.lock();
        match state.phase {
            Phase::NotStarted => {
                state.when_running.push(job);
                Ok(())
            }
            Phase::Running => {
                drop(state);
                self.inner.push_call(job).map_err(|_| ReactorError::Stopped)
            }
            Phase::Stopping | Phase::Stopped => {
                drop(state);
                drop(job);
                Err(ReactorError::Stopped)
            }
        }
    }

    /// The reactor's thread pool, where
    /// [`defer_to_thread`](crate::defer_to_thread) runs its work.
    ///
    /// ```
    /// let reactor = deferred::Reactor::new();
    /// assert_eq!(reactor.thread_pool().stats().busy, 0);
    /// ```
    pub fn thread_pool(&self) -> &ThreadPool {
        &self.inner.pool
    }

    /// Sets the most threads the reactor's pool may run (Twisted's
    /// `suggestThreadPoolSize`); its minimum is lowered to match if needed.
    ///
    /// # Errors
    ///
    /// [`PoolSizeError::ZeroMax`] for 0; nothing changes.
    ///
    /// ```
    /// let reactor = deferred::Reactor::new();
    /// reactor.suggest_thread_pool_size(4).unwrap();
    /// assert!(reactor.suggest_thread_pool_size(0).is_err());
    /// ```
    pub fn suggest_thread_pool_size(&self, max: usize) -> Result<(), PoolSizeError> {
        let min = self.inner.pool.min_threads().min(max);
        self.inner.pool.adjust_pool_size(min, max)
    }

    /// Whether the calling thread is the reactor thread of a loop that has
    /// started (Twisted's `isInIOThread`).
    ///
    /// ```
    /// let reactor = deferred::Reactor::new();
    /// assert!(!reactor.is_in_reactor_thread());
    /// ```
    pub fn is_in_reactor_thread(&self) -> bool {
        self.inner.state.lock().thread == Some(thread::current().id())
    }

    /// Whether the loop is turning (`run` called, `stop` not yet).
    ///
    /// ```
    /// let reactor = deferred::Reactor::new();
    /// assert!(!reactor.is_running());
    /// ```
    pub fn is_running(&self) -> bool {
        self.inner.state.lock().phase == Phase::Running
    }

    /// Registers `hook` to run on the reactor thread once the loop leaves
    /// (a `stop`), before the thread pool stops and before the calls queued
    /// meanwhile are drained: Twisted's "before shutdown" trigger, for the
    /// crate's own use. `blocking_call_from_thread` uses it to release the
    /// threads blocked on this reactor, which the pool's stop would
    /// otherwise wait for forever. Returns the hook's id for
    /// [`remove_stop_hook`](Self::remove_stop_hook), or the hook back if the
    /// hooks have already run (the reactor is stopping or stopped).
    pub(crate) fn add_stop_hook(&self, hook: Job) -> Result<u64, Job> {
        let mut state = self.inner.state.lock();
        let id = state.next_stop_hook;
        match state.stop_hooks.as_mut() {
            Some(hooks) => {
                hooks.push((id, hook));
                state.next_stop_hook += 1;
                Ok(id)
            }
            None => {
                drop(state);
                Err(hook)
            }
        }
    }

    /// Removes a stop hook that is no longer needed (no-op if it ran already).
    pub(crate) fn remove_stop_hook(&self, id: u64) {
        let mut state = self.inner.state.lock();
        let removed = state.stop_hooks.as_mut().and_then(|hooks| {
            let at = hooks.iter().position(|(i, _)| *i == id)?;
            Some(hooks.swap_remove(at))
        });
        drop(state);
        drop(removed); // user destructors, outside the lock
    }

    /// A handle that does not keep the reactor alive.
    pub(crate) fn downgrade(&self) -> WeakReactor {
        WeakReactor(Arc::downgrade(&self.inner))
    }

    /// For `defer_to_thread`: queue a call, or get it back if the reactor has stopped.
    #[inline]
    pub(crate) fn push_call(&self, job: Job) -> Result<(), Job> {
        self.inner.push_call(job)
    }

    /// For `defer_to_thread`: a job is going out to a thread; its result
    /// comes back as a call that says so ([`Job::returns_from_thread`]).
    /// While any is out, the loop spins briefly before it sleeps (design
    /// note 7).
    #[inline]
    pub(crate) fn job_out(&self) {
        self.inner.out.fetch_add(1, Ordering::Relaxed);
    }

    /// For `defer_to_thread`: a job counted by [`job_out`](Self::job_out)
    /// will not come back as a call after all (the pool refused it).
    #[inline]
    pub(crate) fn job_not_out(&self) {
        self.inner.out.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A link to a reactor that does not keep it alive (for tasks scheduled on
/// it, whose queued calls would otherwise keep it, and so themselves, alive).
#[derive(Clone)]
pub(crate) struct WeakReactor(Weak<Inner>);

impl WeakReactor {
    /// The reactor, if a handle to it is alive.
    pub(crate) fn upgrade(&self) -> Option<Reactor> {
        self.0.upgrade().map(|inner| Reactor { inner })
    }
}

impl Inner {
    /// The time on the reactor's time line.
    fn now(&self) -> Nanos {
        nanos(self.epoch.elapsed())
    }

    /// Queues a call; hands it back if the reactor has stopped (design
    /// notes 1 and 2).
    fn push_call(&self, job: Job) -> Result<(), Job> {
        let before = self.inbound.fetch_add(ONE_CALL, Ordering::AcqRel);
        if before & STOPPED != 0 {
            // Final: the reactor will never look at the count again.
            self.inbound.fetch_sub(ONE_CALL, Ordering::Relaxed);
            return Err(job);
        }
        self.calls.push(job);
        if before & SLEEPING != 0 && !mutant::on("reactor_lost_wakeup") {
            self.wake_unlocked();
        }
        Ok(())
    }

    /// Wakes the reactor thread if it sleeps, from a thread that does not
    /// hold the lock (design note 2).
    fn wake_unlocked(&self) {
        if self.inbound.fetch_and(!SLEEPING, Ordering::AcqRel) & SLEEPING != 0 {
            // The reactor set SLEEPING under the lock and holds it until its
            // wait begins: once we have had the lock, it is waiting.
            drop(self.state.lock());
            self.wake.notify_one();
        }
    }

    /// Wakes the reactor thread if it sleeps; the caller holds the lock
    /// (so the reactor is waiting if `SLEEPING` is set).
    fn wake_locked(&self) {
        if self.inbound.fetch_and(!SLEEPING, Ordering::AcqRel) & SLEEPING != 0 {
            self.wake.notify_one();
        }
    }

    /// The loop, until `stop`; returns the stop hooks (taken under the lock).
    fn turn(&self) -> Option<Vec<(u64, Job)>> {
        // The batch the turns take, swapped with the queue's vector: no
        // allocation once both have grown to the largest batch (the first
        // take hands the queue this empty one, which grows as calls come).
        let mut batch = Vec::new();
        loop {
            let mut state = self.state.lock();
            let mut spun = false;
            let (calls, timer) = loop {
                if state.phase != Phase::Running {
                    // The stop hooks, taken in the critical section that sees
                    // the stop (see `add_stop_hook`), for `run` to run next.
                    return state.stop_hooks.take().filter(|hooks| !hooks.is_empty());
                }
                let calls = pending(self.inbound.load(Ordering::Acquire));
                let timer = if state.timers.is_empty() {
                    None
                } else {
                    state.timers.pop_due(self.now())
                };
                if calls > 0 || timer.is_some() {
                    break (calls, timer);
                }
                if !spun && self.out.load(Ordering::Relaxed) > 0 {
                    // Design note 7: a result is due; look again after a spin.
                    spun = true;
                    drop(state);
                    self.spin_for_calls();
                    state = self.state.lock();
                    continue;
                }
                state = self.sleep(state);
            };
            drop(state);
            self.run_calls(calls, &mut batch);
            if let Some(job) = timer {
                unwind::run_logged("a delayed call", job);
            }
        }
    }

    /// Runs, in order, the `count` calls pending when the turn began
    /// (waiting for any whose caller counted it and has not pushed it yet)
    /// and whatever else was queued by the time it takes them, a batch (one
    /// lock) at a time: usually one batch. Then uncounts the calls it ran
    /// (design note 3). `batch` is empty, and left so.
    fn run_calls(&self, count: usize, batch: &mut Vec<Job>) {
        let (mut ran, mut returned) = (0, 0);
        while ran < count {
            self.calls.take_promised(batch);
            if mutant::on("reactor_batch_skips_promised") {
                // One batch, uncounted as if it held every call counted: a
                // call still on its way is left queued with no count.
                for job in batch.drain(..) {
                    unwind::run_job("a call on the reactor thread", job);
                }
                ran = count;
                break;
            }
            ran += batch.len();
            for job in batch.drain(..) {
                returned += usize::from(job.returns_from_thread());
                unwind::run_job("a call on the reactor thread", job);
            }
        }
        self.inbound.fetch_sub(ran * ONE_CALL, Ordering::AcqRel);
        if returned > 0 {
            self.out.fetch_sub(returned, Ordering::Relaxed);
        }
    }

    /// Spins briefly, outside the lock, until a call is pending (design
    /// note 7): pause hints only, about ten microseconds, never a yield.
    fn spin_for_calls(&self) {
        if cfg!(deferred_loom) || !self.spins {
            // The models skip the spin: it only delays the sleep. On one
            // core it would only delay the worker it waits for.
            return;
        }
        let backoff = Backoff::new();
        for _ in 0..REACTOR_SPIN_STEPS {
            if pending(self.inbound.load(Ordering::Acquire)) > 0 {
                return;
            }
            backoff.spin();
        }
    }

    /// Waits on `wake` until the next timer is due or someone notifies
    /// (design notes 2 and 5); returns at once if a call is pending or a
    /// timer due.
    fn sleep<'a>(&'a self, state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        let timeout = match state.timers.next_due() {
            None => None,
            Some(due) => match until_due(due, self.now()) {
                None => return state,
                timeout => timeout,
            },
        };
        if !self.flag_if_none_pending(SLEEPING, mutant::on("reactor_sleeps_over_a_call")) {
            return state;
        }
        let state = match timeout {
            None => self.wake.wait(state),
            Some(timeout) => self.wake.wait_timeout(state, timeout).0,
        };
        // Notified (a caller cleared the flag), timed out or woken spuriously:
        // awake from here on.
        self.inbound.fetch_and(!SLEEPING, Ordering::AcqRel);
        state
    }

    /// Winds down after the loop (design note 6).
    fn shut_down(&self) {
        if self.pool.stop().is_err() {
            // `run` on one of our own pool's workers: odd, but it must not hang.
            log::warn!(
                "reactor ran on one of its own pool's workers; the pool stops without a join"
            );
        }
        // The drain before issue 17: until no call is pending, which a call
        // or task that queues itself again never lets happen.
        while mutant::on("reactor_drain_until_idle") {
            let calls = pending(self.inbound.load(Ordering::Acquire));
            if calls == 0 {
                break;
            }
            self.run_calls(calls, &mut Vec::new());
        }
        let accepted = self.refuse_calls();
        if mutant::on("reactor_no_drain") {
            // Lost, neither run nor dropped: a dropped `defer_to_thread`
            // result still fires its Deferred (its drop delivers it).
            // (Any still on its way stays queued, dropped with the reactor.)
            let mut lost = Vec::new();
            self.calls.take_all(&mut lost);
            std::mem::forget(lost);
            self.inbound
                .fetch_sub(accepted * ONE_CALL, Ordering::AcqRel);
        } else {
            // Calls these make are refused: a call (or a task's poll) that
            // queues itself again cannot keep the drain going. No call can
            // be queued beyond those counted here, so the batches hold
            // exactly these.
            self.run_calls(accepted, &mut Vec::new());
        }
        let discarded = {
            let mut state = self.state.lock();
            state.phase = Phase::Stopped;
            state.thread = None;
            (
                state.timers.discard_all(),
                std::mem::take(&mut state.when_running),
            )
        };
        drop(discarded); // user destructors, outside the lock
    }

    /// Sets `STOPPED` and returns how many calls were pending, in one step
    /// with the count (design note 6): a call counted before it is to be
    /// drained, one counted after it is refused.
    fn refuse_calls(&self) -> usize {
        if mutant::on("reactor_stops_over_a_call") {
            // Two steps: a call counted between them is accepted, never run.
            let calls = pending(self.inbound.load(Ordering::Acquire));
            self.inbound.fetch_or(STOPPED, Ordering::AcqRel);
            return calls;
        }
        pending(self.inbound.fetch_or(STOPPED, Ordering::AcqRel))
    }

    /// Sets `flag` in `inbound` only while no call is pending, in one step
    /// with the count (design note 2: the sleep decision); false if a call
    /// is pending. `ignore_pending` is the mutant's switch.
    fn flag_if_none_pending(&self, flag: usize, ignore_pending: bool) -> bool {
        let mut word = self.inbound.load(Ordering::Acquire);
        loop {
            if pending(word) > 0 && !ignore_pending {
                return false;
            }
            match self.inbound.compare_exchange_weak(
                word,
                word | flag,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => word = now,
            }
        }
    }
}

impl TimerQueue for Inner {
    // Once the stop began, every timer is discarded (see `Reactor::stop`):
    // each of these refuses, and the handle says `Discarded`.

    fn cancel(&self, cell: &TimerCell) -> Option<TimerJob> {
        let mut state = self.state.lock();
        if state.stopping() {
            return None;
        }
        state.timers.remove(cell, CANCELLED)
    }

    fn reset(&self, cell: &TimerCell, delay: Duration) -> bool {
        let when = self.now().saturating_add(nanos(delay));
        let mut state = self.state.lock();
        if state.stopping() || !state.timers.reschedule(cell, |_| when) {
            return false;
        }
        // An earlier due time must shorten the reactor's sleep.
        self.wake_locked();
        true
    }

    fn delay(&self, cell: &TimerCell, by: Duration) -> bool {
        // Later only: the reactor's sleep can stay as it is.
        let mut state = self.state.lock();
        !state.stopping() && (state.timers).reschedule(cell, |old| old.saturating_add(nanos(by)))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // A reactor dropped without running: its timers will never run.
        let discarded = self.state.get_mut().timers.discard_all();
        drop(discarded);
    }
}

impl ReactorTime for Reactor {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.inner.now())
    }

    fn call_later_boxed(
        &self,
        delay: Duration,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<DelayedCall, ReactorError> {
        self.schedule(delay, f)
    }

    fn delayed_calls(&self) -> Vec<DelayedCall> {
        let cells = self.inner.state.lock().timers.cells();
        cells.into_iter().map(|cell| self.handle(cell)).collect()
    }

    /// Held weakly by what its timers hold: a reactor gone is a reactor
    /// stopped.
    fn downgrade_time(&self) -> Option<crate::time::WeakTime> {
        Some(crate::time::WeakTime::reactor(self.downgrade()))
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.lock();
        f.debug_struct("Reactor")
            .field("phase", &state.phase)
            .field(
                "queued_calls",
                &pending(self.inner.inbound.load(Ordering::Relaxed)),
            )
            .finish_non_exhaustive()
    }
}

/// How long the reactor sleeps for a timer due at `due` when its clock
/// reads `now` (both in nanoseconds since the reactor was made); `None` if
/// the timer is due already. A function of its own so that the arithmetic
/// is tested as such: a reactor made moments ago reads a `now` near zero,
/// where a sleep of `due + now` looks right.
fn until_due(due: Nanos, now: Nanos) -> Option<Duration> {
    (due > now).then(|| Duration::from_nanos(due - now))
}

/// Runs a reactor until the Deferred that `main` returns fires, and returns
/// its result (Twisted's `task.react`).
///
/// Makes a new [`Reactor`], runs it on the calling thread, and calls `main`
/// on it once the loop is turning; when the Deferred fires, on whatever
/// thread, the reactor stops, winds down (see [`Reactor::run`]), and `react`
/// returns the result. A panic in `main` becomes the `Err`. To give it a
/// reactor of your own (Twisted's `_reactor=`), [`Reactor::react`]; to run
/// the same `main` on a test clock, without real time,
/// [`Clock::react`](crate::testing::Clock::react).
///
/// ```
/// use deferred::{defer_to_thread, react};
///
/// let answer = react(|reactor| defer_to_thread(reactor, || 6 * 7)).unwrap();
/// assert_eq!(answer, 42);
/// ```
///
/// # Errors
///
/// The Deferred's failure, the panic of `main`, or
/// [`ReactorError::StoppedEarly`] if code in `main` stopped the reactor
/// before the Deferred fired.
pub fn react<T, F>(main: F) -> Result<T, Failure>
where
    T: Send + 'static,
    F: FnOnce(&Reactor) -> Deferred<T>,
{
    Reactor::new().react(main)
}

impl Reactor {
    /// [`react`] on this reactor (Twisted's `react(main, _reactor=r)`): runs
    /// it on the calling thread until the Deferred that `main` returns
    /// fires, and returns the result. For a reactor built with options of
    /// its own (its pool), or set up before it runs
    /// ([`call_when_running`](Reactor::call_when_running)).
    ///
    /// ```
    /// use deferred::{defer_to_thread, Reactor, ThreadPool};
    ///
    /// let reactor = Reactor::with_thread_pool(ThreadPool::builder().max_threads(2).build().unwrap());
    /// let answer = reactor.react(|r| defer_to_thread(r, || 6 * 7)).unwrap();
    /// assert_eq!(answer, 42);
    /// assert!(reactor.react(|r| defer_to_thread(r, || 0)).is_err()); // ran already
    /// ```
    ///
    /// # Errors
    ///
    /// As [`react`]; and, without calling `main`, the reactor's
    /// [`ReactorError`] if it is running or has run
    /// ([`AlreadyRunning`](ReactorError::AlreadyRunning),
    /// [`NotRestartable`](ReactorError::NotRestartable)).
    pub fn react<T, F>(&self, main: F) -> Result<T, Failure>
    where
        T: Send + 'static,
        F: FnOnce(&Reactor) -> Deferred<T>,
    {
        let slot: Arc<Mutex<Option<Result<T, Failure>>>> = Arc::new(Mutex::new(None));
        let startup = {
            let reactor = self.clone();
            let slot = Arc::clone(&slot);
            move || {
                let d = match unwind::catch(|| main(&reactor)) {
                    Ok(d) => d,
                    Err(failure) => crate::combinators::fail(failure),
                };
                let r = reactor.clone();
                // `then` consumes `d`, so its result is ours to keep (the slot
                // holds it; the `Deferred<()>` that `then` makes has nothing).
                let _stored: Deferred<()> = d.then(move |result| {
                    *slot.lock() = Some(result);
                    // The result may arrive during shutdown: nothing left to stop then.
                    let _ = r.stop();
                });
            }
        };
        self.run_with(startup).map_err(Failure::new)?;
        let result = slot.lock().take();
        result.unwrap_or_else(|| Err(Failure::new(ReactorError::StoppedEarly)))
    }
}
