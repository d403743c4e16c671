//! [`ThreadPool`]: worker threads that run blocking jobs (Twisted's
//! `ThreadPool`), started on demand and stopped by joining every one.
//!
//! # Design note
//!
//! 1. **Jobs go through a lock-free queue, counted in one word.** Jobs wait
//!    in a [`Queue`] (crossbeam's `SegQueue`); one atomic word, `word`,
//!    holds the count of jobs *queued* (counted, and pushed or about to be,
//!    not yet claimed by a worker), the count of workers *searching* (awake,
//!    idle, and bound to look at the count again before they sleep or exit),
//!    and four flags kept under the lock: `CLOSED` (stop began), `SLEEPERS`
//!    (a worker waits on `work` and nobody has called it), `CAN_GROW` (a
//!    thread may start) and `ABOVE_MAX`. Every decision about jobs is one
//!    read-modify-write of that word, so the queue is only a carrier: a
//!    submit counts its job (a compare-and-swap that fails once `CLOSED` is
//!    set) and then pushes it; a worker claims a job (a compare-and-swap
//!    that takes one from the count) and then pops one, waiting for a push
//!    still on its way ([`Queue::pop_promised`]). The rest (thread counts,
//!    sizes, phase, handles, sleepers) sits behind one [`Mutex`], which the
//!    hot path does not take.
//! 2. **Wake only whom the jobs need, and let workers wake workers.** A
//!    submit that sees a worker searching leaves the job to it: a searcher
//!    claims a job before it can sleep or exit, and whoever claims a job as
//!    a searcher looks at what is queued behind it: more jobs than searchers
//!    left, and it calls the next worker (`find_worker`, under the lock: one
//!    sleeper, or one thread started). A submit that sees no searcher does
//!    the same itself, and only if the word says a sleeper can be called or
//!    a thread started. One call at a time: while a called sleeper has not
//!    answered (`wakeups`), nobody calls another; the called one looks
//!    behind its job when it claims it. So the wakeups of a burst fall to
//!    the workers, one after the other, and its submitter (the reactor
//!    thread, for `defer_to_thread`) makes at most one: the cost of waking a
//!    thread leaves the thread that is the bottleneck. A searching worker
//!    leaves the searchers, to sleep or to exit, with a compare-and-swap that succeeds only while no job
//!    is queued: a job counted before it is claimed instead; one counted
//!    after it finds no searcher. So a queued job always has a worker coming
//!    for it (while threads can be had), without the submitter waking
//!    anyone when a worker is already looking.
//! 3. **Jobs run with no lock held**, inside the panic policy of `unwind`:
//!    a panicking job is counted as completed and its worker goes on. A
//!    worker that finishes a job claims the next one at once if there is one
//!    (it stays busy, the word's searcher count untouched), and counts what
//!    it ran into `completed` when it runs out of jobs.
//! 4. **Stop drains, then joins.** `stop` sets `CLOSED` (submits are refused
//!    from then on), wakes every sleeper, and waits on `done` until no worker
//!    is left and no freshly spawned thread's handle is still on its way into
//!    `handles` (`unstored`, which also counts a starter whose spawn failed
//!    while it runs the queue itself, having no worker to leave it to). A
//!    worker exits at stop only with the leaving compare-and-swap of note 2,
//!    that is once no job is queued, and no job can be counted after
//!    `CLOSED`. Then `stop` joins every handle. A second `stop` waits for
//!    the first.
//! 5. **No time in the protocol.** Keep-alive is a timed wait; under loom a
//!    timed wait never times out, so shrinking the pool with
//!    [`adjust_pool_size`](ThreadPool::adjust_pool_size) (which wakes idle
//!    workers) and a zero keep-alive (exit as soon as idle) are the ways a
//!    model makes threads exit.
//! 6. **Spin a little before sleeping.** A worker that finds nothing queued
//!    first spins (crossbeam's `Backoff`: a few microseconds of pause hints,
//!    then a few yields) on the word, if fewer than `spinners` workers (one
//!    fewer than the cores) already search: a submitter in the middle of a
//!    burst, or the reactor sending the next job of a round trip, usually
//!    hands over the next job within a microsecond, while a sleep and its
//!    wakeup cost two context switches and a system call on each side. A
//!    spinning worker counts as searching, so the submit wakes no one. The
//!    spin decides nothing: the leaving compare-and-swap of note 2 still
//!    follows it. Loom models skip it.
//! 7. **Started, or not yet.** A pool from `build_unstarted` accepts and
//!    queues jobs but starts no thread until `start` (Twisted's `started`):
//!    `CAN_GROW` stays clear until then. `start` sets `started` under the
//!    lock, then grows the pool for the queue, reading the count under the
//!    same lock; a submit racing it either finds `CAN_GROW` set and takes the
//!    lock to start a thread, or was counted before `start` read the count.
//!    A pool that never started runs nothing, as Twisted's (whose
//!    `testCallBeforeStartupUnexecuted` a reactor dropped unrun must pass):
//!    `stop` finds `started` clear in the critical section that sets
//!    `CLOSED`, so no thread can start any more, and drops the jobs counted
//!    before `CLOSED` without running them.
//! 8. **Stats.** `threads`, sleepers (`idle`) and `wakeups` change under the
//!    lock; the searcher count changes in the word, under the lock when a
//!    worker sleeps, wakes or exits, without it when a worker claims a job
//!    or runs out of them. A worker is busy when it is neither searching nor
//!    sleeping, so `stats` (under the lock, reading the word once) always
//!    sees `idle + busy == threads`.

mod builder;
mod error;
mod multiple;
mod priority;
mod worker;

// The unit tests use real threads and time: not under loom (see loom/tests/loom/threads.rs).
#[cfg(all(test, not(deferred_loom)))]
mod tests;

use std::fmt;
use std::time::Duration;

pub use builder::ThreadPoolBuilder;
pub use error::{PoolSizeError, PoolStoppedError, StopFromWorkerError};
pub use priority::WorkerPriority;

use crate::deferred::{Deferred, IntoOutcome, Outcome};
use crate::failure::Failure;
use crate::job::Job;
use crate::mutant;
use crate::sync::thread::{self, JoinHandle, ThreadId};
use crate::sync::{Arc, AtomicU64, CachePadded, Condvar, Mutex, MutexGuard, Ordering, Queue};
use crate::unwind;

/// A pool of worker threads for blocking work (Twisted's `ThreadPool`).
///
/// Threads start on demand, up to the maximum, when work arrives and no idle
/// thread can take it; idle threads above the minimum exit after the
/// keep-alive time. Jobs run in the order they were submitted (one queue), each
/// on whichever worker takes it. A job that panics is contained: the worker
/// goes on with the next job.
///
/// [`stop`](ThreadPool::stop) refuses new work, lets the workers finish what
/// was queued, and joins them all; dropping the pool stops it. Share a pool
/// between threads with an `Arc<ThreadPool>`: every method takes `&self`.
///
/// ```
/// use deferred::ThreadPool;
///
/// let pool = ThreadPool::builder().max_threads(4).build().unwrap();
/// let (tx, rx) = std::sync::mpsc::channel();
/// for i in 0..8u64 {
///     let tx = tx.clone();
///     pool.call_in_thread(move || tx.send(i * i).unwrap()).unwrap();
/// }
/// pool.stop().unwrap(); // runs all eight, joins the workers
/// assert_eq!(rx.try_iter().sum::<u64>(), 140);
/// assert_eq!(pool.stats().threads, 0);
/// ```
pub struct ThreadPool {
    shared: Arc<Shared>,
}

/// What the handle and the workers share.
struct Shared {
    /// Jobs queued, workers searching, and the flags (design note 1), on a
    /// cache line of its own.
    word: CachePadded<AtomicU64>,
    /// The jobs (design note 1).
    queue: Queue<Job>,
    /// Jobs finished, panicked ones included, as workers last reported them
    /// (design note 3).
    completed: CachePadded<AtomicU64>,
    /// The thread counts, sizes, phase and handles.
    state: Mutex<State>,
    /// Idle workers wait here for a job, a stop, or a resize.
    work: Condvar,
    /// `stop` waits here for the last worker (and for another `stop`).
    done: Condvar,
    /// See [`ThreadPoolBuilder::keep_alive`].
    keep_alive: Duration,
    /// See [`ThreadPoolBuilder::name_prefix`].
    name_prefix: String,
    /// See [`ThreadPoolBuilder::stack_size`].
    stack_size: Option<usize>,
    /// How many searching workers may spin at once (design note 6).
    spinners: u64,
    /// See [`ThreadPoolBuilder::worker_priority`].
    worker_priority: priority::Target,
}

/// `word`: stop began; submits are refused.
const CLOSED: u64 = 1;
/// `word`: a worker waits on `work` and may be called: one does, and no call
/// is on its way (`idle > 0`, `wakeups == 0`; design note 2).
const SLEEPERS: u64 = 1 << 1;
/// `word`: a thread may start (started, open or stopping, below the maximum).
const CAN_GROW: u64 = 1 << 2;
/// `word`: more threads than the maximum (one should exit).
const ABOVE_MAX: u64 = 1 << 3;
/// `word`: the flags kept under the lock ([`Shared::sync_flags`]).
const LOCKED_FLAGS: u64 = SLEEPERS | CAN_GROW | ABOVE_MAX;
/// `word`: one searching worker (20 bits: a million threads).
const ONE_SEARCHING: u64 = 1 << 4;
/// `word`: one queued job (the top 40 bits: a trillion jobs, far more than
/// memory holds: each takes at least 24 bytes in the queue).
const ONE_QUEUED: u64 = 1 << 24;

/// Workers searching, in a `word`.
#[inline]
fn searching(word: u64) -> u64 {
    (word / ONE_SEARCHING) % (ONE_QUEUED / ONE_SEARCHING)
}

/// Jobs queued, in a `word`.
#[inline]
fn queued(word: u64) -> u64 {
    word / ONE_QUEUED
}

/// Where a pool is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Accepting work.
    Open,
    /// Refusing work; workers drain the queue and exit.
    Stopping,
    /// Every worker is gone; one `stop` is joining their threads.
    Joining,
    /// Every thread joined.
    Stopped,
}

/// The state behind the lock.
struct State {
    /// Threads kept even when idle.
    min: usize,
    /// Threads never exceeded.
    max: usize,
    /// Live workers: started (or being started) and not yet exited.
    threads: usize,
    /// Workers waiting on `work`.
    idle: usize,
    /// Notifications sent to idle workers and not yet taken (design note 2).
    wakeups: usize,
    /// See [`Phase`].
    phase: Phase,
    /// Workers may start (Twisted's `started`): false from
    /// `build_unstarted` until `start`; jobs queue meanwhile.
    started: bool,
    /// The `n` of the next thread's name.
    next_index: usize,
    /// Join handles of threads started and not yet joined, by index.
    handles: Vec<(usize, JoinHandle<()>)>,
    /// Thread starts not finished yet: reserved (counted in `threads`
    /// until the spawn fails) and their handle not in `handles` yet, or a
    /// failed one whose starter runs the queue itself. `stop` waits for them
    /// too, so that it joins every thread and outlasts every job.
    unstored: usize,
    /// Indices of workers that exited while the pool stayed open; their
    /// handles are joined by the next thread start, so churn does not
    /// accumulate handles.
    exited: Vec<usize>,
    /// Thread ids of live workers: `stop` on one of them must not wait for itself.
    worker_ids: Vec<ThreadId>,
}

/// A snapshot of a pool's counters, from [`ThreadPool::stats`].
///
/// ```
/// let pool = deferred::ThreadPool::builder().build().unwrap();
/// pool.call_in_thread(|| ()).unwrap();
/// pool.stop().unwrap();
/// let stats = pool.stats();
/// assert_eq!((stats.threads, stats.queued, stats.completed), (0, 0, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct PoolStats {
    /// Live worker threads.
    pub threads: usize,
    /// Workers waiting for a job.
    pub idle: usize,
    /// Workers running a job.
    pub busy: usize,
    /// Jobs waiting for a worker.
    pub queued: usize,
    /// Jobs finished since the pool was built (panicked ones included).
    pub completed: u64,
}

/// Checks a (min, max) pair.
pub(crate) fn check_sizes(min: usize, max: usize) -> Result<(), PoolSizeError> {
    if max == 0 {
        Err(PoolSizeError::ZeroMax)
    } else if min > max {
        Err(PoolSizeError::MinAboveMax { min, max })
    } else {
        Ok(())
    }
}

impl ThreadPool {
    /// A builder with the defaults: 0 to 10 threads, 10 s keep-alive, named
    /// `deferred-pool-<n>`, the platform's stack size.
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().max_threads(2).build().unwrap();
    /// # drop(pool);
    /// ```
    #[must_use]
    pub fn builder() -> ThreadPoolBuilder {
        ThreadPoolBuilder::new()
    }

    fn from_builder(b: ThreadPoolBuilder) -> ThreadPool {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let shared = Arc::new(Shared {
            word: CachePadded::new(AtomicU64::new(0)),
            queue: Queue::new(),
            completed: CachePadded::new(AtomicU64::new(0)),
            state: Mutex::new(State {
                min: b.min,
                max: b.max,
                threads: 0,
                idle: 0,
                wakeups: 0,
                phase: Phase::Open,
                started: b.started,
                next_index: 0,
                handles: Vec::new(),
                unstored: 0,
                exited: Vec::new(),
                worker_ids: Vec::new(),
            }),
            work: Condvar::new(),
            done: Condvar::new(),
            keep_alive: b.keep_alive,
            name_prefix: b.name_prefix,
            stack_size: b.stack_size,
            spinners: cores.saturating_sub(1).max(1) as u64,
            worker_priority: priority::target(b.worker_priority),
        });
        shared.sync_flags(&shared.state.lock());
        shared.grow_to_min();
        ThreadPool { shared }
    }

    /// Runs `f` on a worker thread (Twisted's `callInThread`). A panic in `f`
    /// is logged and contained; use
    /// [`call_in_thread_with_callback`](Self::call_in_thread_with_callback)
    /// to see results and panics.
    ///
    /// # Errors
    ///
    /// [`PoolStoppedError`] once [`stop`](Self::stop) has begun: `f` is
    /// dropped without running.
    ///
    /// If the operating system refuses to start a thread while the pool has
    /// none, the queued jobs run on the submitting thread, before this
    /// returns, rather than wait forever (the refusal is logged); `stop`
    /// waits for them as for a worker's, and refuses to run from one of
    /// them ([`StopFromWorkerError`]).
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().build().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// pool.call_in_thread(move || tx.send("done").unwrap()).unwrap();
    /// assert_eq!(rx.recv().unwrap(), "done");
    /// ```
    ///
    /// A job runs on another thread, so it must be `Send`:
    ///
    /// ```compile_fail
    /// let pool = deferred::ThreadPool::builder().build().unwrap();
    /// let shared = std::rc::Rc::new(5);
    /// pool.call_in_thread(move || drop(shared)).unwrap();
    /// ```
    pub fn call_in_thread<F>(&self, f: F) -> Result<(), PoolStoppedError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.submit(Job::new(f))
    }

    /// Runs `f` on a worker thread, then `on_result` on the same thread with
    /// its result (Twisted's `callInThreadWithCallback`): `Ok(value)`, or
    /// `Err(failure)` if `f` returned an `Err` or panicked (the failure then
    /// holds a [`PanicError`](crate::PanicError)). A panic in `on_result` is
    /// logged and contained.
    ///
    /// `f` may return anything [`IntoOutcome<T>`], as for
    /// [`defer_to_thread`](crate::defer_to_thread), with the same meaning: a
    /// value; a `Result<T, E>`, whose `Err` is a failure (Twisted's `onResult`
    /// gets `success=False` only for an exception, and an `Err` is Rust's
    /// exception); or a `Deferred<T>`, whose result goes to `on_result` when
    /// it fires, on the thread that fires it. With a `Result` or a
    /// `Deferred`, name `T` once, as for
    /// [`defer_to_thread`](crate::defer_to_thread#naming-the-type): in
    /// `on_result`'s argument, `|r: Result<i32, _>| ..`; a function that
    /// only panics names its return type, `|| -> i32 { panic!("1/0") }`.
    ///
    /// # Errors
    ///
    /// [`PoolStoppedError`] once [`stop`](Self::stop) has begun: neither
    /// closure runs.
    ///
    /// ```
    /// use deferred::ThreadPool;
    ///
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let (tx2, tx3) = (tx.clone(), tx.clone());
    /// pool.call_in_thread_with_callback(move |r| tx.send(r.map_err(|f| f.to_string())).unwrap(), || 6 * 7)
    ///     .unwrap();
    /// pool.call_in_thread_with_callback(
    ///     move |r| tx2.send(r.map_err(|f| f.to_string())).unwrap(),
    ///     || -> i32 { panic!("no luck") },
    /// )
    /// .unwrap();
    /// pool.call_in_thread_with_callback(
    ///     move |r: Result<i32, _>| tx3.send(r.map_err(|f| f.to_string())).unwrap(),
    ///     || "x".parse::<i32>(), // an Err is a failure
    /// )
    /// .unwrap();
    /// pool.stop().unwrap();
    /// let mut results: Vec<_> = rx.try_iter().collect();
    /// results.sort();
    /// assert_eq!(
    ///     results,
    ///     [
    ///         Ok(42),
    ///         Err("invalid digit found in string".to_owned()),
    ///         Err("panicked: no luck".to_owned()),
    ///     ]
    /// );
    /// ```
    pub fn call_in_thread_with_callback<T, F, R, C>(
        &self,
        on_result: C,
        f: F,
    ) -> Result<(), PoolStoppedError>
    where
        T: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
        R: IntoOutcome<T>,
        C: FnOnce(Result<T, Failure>) + Send + 'static,
    {
        self.submit(Job::new(move || {
            match crate::deferred::catch_outcome(|| f().into_outcome()) {
                Outcome::Value(value) => on_result(Ok(value)),
                Outcome::Failure(failure) => on_result(Err(failure)),
                Outcome::Deferred(d) => {
                    // `then` consumes `d`: its result is `on_result`'s.
                    let _delivered: Deferred<()> = d.then(on_result);
                }
            }
        }))
    }

    /// Changes the minimum and maximum thread counts (Twisted's
    /// `adjustPoolSize`). Threads start at once to reach a higher minimum, or
    /// to take queued work under a higher maximum; above a lower maximum,
    /// idle threads exit now and busy ones after their job. On a stopped pool
    /// only the numbers change.
    ///
    /// # Errors
    ///
    /// [`PoolSizeError`] if `max` is 0 or below `min`; nothing changes.
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().build().unwrap();
    /// pool.adjust_pool_size(2, 4).unwrap();
    /// assert_eq!(pool.stats().threads, 2);
    /// assert!(pool.adjust_pool_size(5, 4).is_err());
    /// assert!(pool.adjust_pool_size(0, 0).is_err());
    /// ```
    pub fn adjust_pool_size(&self, min: usize, max: usize) -> Result<(), PoolSizeError> {
        check_sizes(min, max)?;
        {
            let mut state = self.shared.state.lock();
            state.min = min;
            state.max = max;
            self.shared.sync_flags(&state);
        }
        // Idle workers re-check their reason to live (above the maximum: exit).
        self.shared.work.notify_all();
        self.shared.grow_to_min();
        self.shared.grow_for_queue();
        Ok(())
    }

    /// The minimum thread count.
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().min_threads(1).build().unwrap();
    /// assert_eq!(pool.min_threads(), 1);
    /// ```
    pub fn min_threads(&self) -> usize {
        self.shared.state.lock().min
    }

    /// The maximum thread count.
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().max_threads(3).build().unwrap();
    /// assert_eq!(pool.max_threads(), 3);
    /// ```
    pub fn max_threads(&self) -> usize {
        self.shared.state.lock().max
    }

    /// The current counters.
    ///
    /// ```
    /// let stats = deferred::ThreadPool::builder().min_threads(1).build().unwrap().stats();
    /// assert_eq!(stats.threads, 1);
    /// assert_eq!(stats.busy + stats.queued, 0);
    /// ```
    pub fn stats(&self) -> PoolStats {
        let state = self.shared.state.lock();
        let word = self.shared.word.load(Ordering::Acquire);
        // Design note 8: searching or sleeping is idle, the rest busy.
        let idle = (state.idle + searching(word) as usize).min(state.threads);
        PoolStats {
            threads: state.threads,
            idle,
            busy: state.threads - idle,
            queued: queued(word) as usize,
            completed: self.shared.completed.load(Ordering::Acquire),
        }
    }

    /// Stops the pool: refuses new work from now on, lets the workers run
    /// every job already queued, joins every worker thread, and returns when
    /// they are all gone. Calling it again, or from several threads, is fine:
    /// each call returns once the pool is stopped.
    ///
    /// A pool built with [`build_unstarted`](ThreadPoolBuilder::build_unstarted)
    /// and never [`start`](Self::start)ed runs nothing (as Twisted's): its
    /// queued jobs are dropped without running (`call_in_thread_with_callback`'s
    /// `on_result` is not called; a [`defer_to_thread`](crate::defer_to_thread)
    /// Deferred fails with [`PoolStoppedError`]). Dropping the pool stops it.
    ///
    /// # Errors
    ///
    /// [`StopFromWorkerError`] when called on one of this pool's own worker
    /// threads (a thread cannot join itself), or from a job that a submitter
    /// runs because no thread could start (see
    /// [`call_in_thread`](Self::call_in_thread)): the pool is stopping, but
    /// this call did not wait.
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().max_threads(1).build().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// for i in 0..3 {
    ///     let tx = tx.clone();
    ///     pool.call_in_thread(move || tx.send(i).unwrap()).unwrap();
    /// }
    /// pool.stop().unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
    /// assert!(pool.call_in_thread(|| ()).is_err());
    /// pool.stop().unwrap(); // idempotent
    /// ```
    pub fn stop(&self) -> Result<(), StopFromWorkerError> {
        self.shared.stop()
    }

    /// Whether `stop` has begun (new work is refused).
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().build().unwrap();
    /// assert!(!pool.is_stopped());
    /// pool.stop().unwrap();
    /// assert!(pool.is_stopped());
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.shared.state.lock().phase != Phase::Open
    }

    /// Starts a pool built with
    /// [`build_unstarted`](ThreadPoolBuilder::build_unstarted) (Twisted's
    /// `ThreadPool.start`): the minimum threads start, and threads for the
    /// jobs queued meanwhile. On a started pool it does nothing.
    ///
    /// # Errors
    ///
    /// [`PoolStoppedError`] once [`stop`](Self::stop) has begun.
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().min_threads(2).build_unstarted().unwrap();
    /// assert!(!pool.is_started());
    /// assert_eq!(pool.stats().threads, 0);
    /// pool.start().unwrap();
    /// assert!(pool.is_started());
    /// assert_eq!(pool.stats().threads, 2);
    /// pool.start().unwrap(); // idempotent
    /// pool.stop().unwrap();
    /// assert!(pool.start().is_err());
    /// ```
    pub fn start(&self) -> Result<(), PoolStoppedError> {
        self.shared.start()
    }

    /// Whether workers may start: true for a pool from
    /// [`build`](ThreadPoolBuilder::build), and after [`start`](Self::start)
    /// for one from [`build_unstarted`](ThreadPoolBuilder::build_unstarted).
    pub fn is_started(&self) -> bool {
        self.shared.state.lock().started
    }

    /// Queues a job (the crate's own jobs, such as `defer_to_thread`'s, go
    /// straight in, without the closure wrapper of `call_in_thread`).
    #[inline]
    pub(crate) fn submit(&self, job: Job) -> Result<(), PoolStoppedError> {
        self.shared.submit(job)
    }
}

impl Drop for ThreadPool {
    /// Stops the pool (see [`stop`](ThreadPool::stop)); on one of its own
    /// workers, without waiting.
    fn drop(&mut self) {
        let _ = self.shared.stop();
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stats = self.stats();
        f.debug_struct("ThreadPool")
            .field("name_prefix", &self.shared.name_prefix)
            .field("stats", &stats)
            .finish()
    }
}

impl Shared {
    /// `word` with the flags kept under the lock as `state` says (design
    /// note 1); the caller holds the lock.
    fn locked_flags_for(&self, state: &State, word: u64) -> u64 {
        let mut flags = 0;
        if state.idle > state.wakeups && state.wakeups == 0 {
            flags |= SLEEPERS;
        }
        if state.may_grow() && state.threads < state.max {
            flags |= CAN_GROW;
        }
        if state.threads > state.max {
            flags |= ABOVE_MAX;
        }
        (word & !LOCKED_FLAGS) | flags
    }

    /// Sets the flags kept under the lock from `state` (design note 1); the
    /// caller holds the lock.
    fn sync_flags(&self, state: &State) {
        let mut word = self.word.load(Ordering::Acquire);
        loop {
            let new = self.locked_flags_for(state, word);
            if new == word {
                return;
            }
            match self
                .word
                .compare_exchange_weak(word, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(now) => word = now,
            }
        }
    }

    /// Queues a job (design notes 1 and 2): counts it, pushes it, and finds
    /// it a worker if none searching is bound to take it.
    fn submit(self: &Arc<Self>, job: Job) -> Result<(), PoolStoppedError> {
        let mut word = self.word.load(Ordering::Acquire);
        let before = loop {
            if word & CLOSED != 0 && !mutant::on("pool_accepts_after_stop") {
                drop(job); // its captures' destructors are user code: no lock is held
                return Err(PoolStoppedError);
            }
            match self.word.compare_exchange_weak(
                word,
                word + ONE_QUEUED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break word,
                Err(now) => word = now,
            }
        };
        self.queue.push(job);
        // Design note 2: a searching worker will claim a job, and look behind it.
        if searching(before) == 0 && before & (SLEEPERS | CAN_GROW) != 0 {
            self.find_worker();
        }
        Ok(())
    }

    /// Calls a sleeper or starts a thread for a job nobody is coming for
    /// (design note 2), if there still is one.
    #[cold]
    fn find_worker(self: &Arc<Self>) {
        let mut state = self.state.lock();
        let word = self.word.load(Ordering::Acquire);
        // Searchers will each take a job; a called sleeper will look again
        // when it claims one (one call at a time).
        if state.wakeups > 0 || queued(word) <= searching(word) {
            return;
        }
        if state.idle > state.wakeups {
            state.wakeups += 1;
            self.sync_flags(&state);
            drop(state);
            self.work.notify_one();
        } else if state.may_grow() && state.threads < state.max {
            let start = self.reserve_thread(&mut state);
            drop(state);
            self.start_thread(start);
        }
    }

    /// Starts threads until the minimum is reached.
    fn grow_to_min(self: &Arc<Self>) {
        loop {
            let mut state = self.state.lock();
            if state.phase != Phase::Open || !state.started || state.threads >= state.min {
                return;
            }
            let start = self.reserve_thread(&mut state);
            drop(state);
            self.start_thread(start);
        }
    }

    /// Starts threads for queued jobs no idle worker is coming for, up to the maximum.
    fn grow_for_queue(self: &Arc<Self>) {
        loop {
            let mut state = self.state.lock();
            let word = self.word.load(Ordering::Acquire);
            let uncovered = queued(word) > searching(word) + state.idle as u64;
            if !state.may_grow() || !uncovered || state.threads >= state.max {
                return;
            }
            let start = self.reserve_thread(&mut state);
            drop(state);
            self.start_thread(start);
        }
    }

    /// Counts a new thread in, as searching (so no other submit starts one
    /// for the same job), and collects the handles of exited workers to join.
    fn reserve_thread(&self, state: &mut State) -> Start {
        state.threads += 1;
        state.unstored += 1;
        self.word.fetch_add(ONE_SEARCHING, Ordering::AcqRel);
        self.sync_flags(state);
        let index = state.next_index;
        state.next_index += 1;
        let mut reap = Vec::new();
        if !state.exited.is_empty() {
            let exited = std::mem::take(&mut state.exited);
            for gone in exited {
                match state.handles.iter().position(|(i, _)| *i == gone) {
                    Some(at) => reap.push(state.handles.swap_remove(at)),
                    // Its starter has not stored the handle yet: reap it next time.
                    None => state.exited.push(gone),
                }
            }
        }
        Start { index, reap }
    }

    /// Spawns the thread reserved by [`reserve_thread`](Self::reserve_thread), no lock held.
    fn start_thread(self: &Arc<Self>, start: Start) {
        for (_, handle) in start.reap {
            // These workers have left their loop; joining only waits for the OS thread.
            let _ = handle.join();
        }
        let index = start.index;
        let mut builder = thread::Builder::new().name(format!("{}-{}", self.name_prefix, index));
        if let Some(bytes) = self.stack_size {
            builder = builder.stack_size(bytes);
        }
        let shared = Arc::clone(self);
        let spawned = builder.spawn(move || worker::run(shared, index));
        let mut state = self.state.lock();
        match spawned {
            Ok(handle) => state.handles.push((index, handle)),
            Err(error) => {
                log::error!("thread pool could not start a worker thread: {error}");
                state.threads -= 1;
                self.word.fetch_sub(ONE_SEARCHING, Ordering::AcqRel);
                self.sync_flags(&state);
                if state.threads == 0 {
                    // No worker will ever come for the queue: rather than lose
                    // the jobs, run them here, as a worker would: still
                    // counted in `unstored`, so that `stop` waits for them,
                    // and among the workers, so that a `stop` from one of
                    // them is refused rather than wait for itself.
                    let me = thread::current().id();
                    state.worker_ids.push(me);
                    drop(state);
                    let mut count = 0;
                    while self.claim(false).is_some() {
                        unwind::run_job("a thread pool job", self.queue.pop_promised());
                        count += 1;
                    }
                    self.completed.fetch_add(count, Ordering::AcqRel);
                    state = self.state.lock();
                    // One entry: a job run here may have run this fallback
                    // again, nested, and pushed its own.
                    if let Some(at) = state.worker_ids.iter().position(|id| *id == me) {
                        state.worker_ids.swap_remove(at);
                    }
                }
            }
        }
        state.unstored -= 1;
        self.notify_if_gone(&state);
    }

    /// Claims a queued job, if there is one, for a worker that is searching
    /// (its count leaves the searchers in the same step) or busy; `None`
    /// when nothing is queued, or when the pool is above its maximum (the
    /// worker should exit instead). On `Some`, the caller pops the job.
    #[inline]
    fn claim(&self, searching_worker: bool) -> Option<u64> {
        let take = ONE_QUEUED + if searching_worker { ONE_SEARCHING } else { 0 };
        let mut word = self.word.load(Ordering::Acquire);
        loop {
            if queued(word) == 0
                || word & ABOVE_MAX != 0
                || (word & CLOSED != 0 && mutant::on("pool_exit_with_queued_jobs"))
            {
                return None;
            }
            match self.word.compare_exchange_weak(
                word,
                word - take,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(word - take),
                Err(now) => word = now,
            }
        }
    }

    /// Calls a sleeper if a queued job has no worker coming for it; the
    /// caller holds the lock (after a worker left the searchers to exit).
    fn cover_locked(&self, state: &mut State) {
        let word = self.word.load(Ordering::Acquire);
        if state.wakeups == 0 && queued(word) > searching(word) && state.idle > 0 {
            state.wakeups += 1;
            self.sync_flags(state);
            self.work.notify_one();
        }
    }

    /// Wakes `stop` if the pool is stopping and nothing is left to wait for.
    fn notify_if_gone(&self, state: &State) {
        if state.phase == Phase::Stopping && state.threads == 0 && state.unstored == 0 {
            self.done.notify_all();
        }
    }

    /// Lets workers start (design note 7): the minimum, and one for each
    /// queued job no idle worker is coming for.
    fn start(self: &Arc<Self>) -> Result<(), PoolStoppedError> {
        {
            let mut state = self.state.lock();
            if state.phase != Phase::Open {
                return Err(PoolStoppedError);
            }
            if state.started {
                return Ok(());
            }
            state.started = true;
            self.sync_flags(&state);
        }
        self.grow_to_min();
        if !mutant::on("pool_start_skips_queue") {
            self.grow_for_queue();
        }
        Ok(())
    }

    fn stop(self: &Arc<Self>) -> Result<(), StopFromWorkerError> {
        let mut state = self.state.lock();
        if state.phase == Phase::Open {
            state.phase = Phase::Stopping;
            self.word.fetch_or(CLOSED, Ordering::AcqRel);
            self.sync_flags(&state);
            self.work.notify_all();
            let never_started = !state.started;
            drop(state);
            if never_started {
                // Design note 7: a pool that never started runs nothing (as
                // Twisted's). `started` and `CLOSED` were decided under the
                // one lock, so no worker starts from now on, and every job
                // counted before `CLOSED` is here to drop (a push still on
                // its way is waited for).
                self.discard_queued();
            } else {
                // Jobs counted before `CLOSED` may have no worker yet (their
                // submit has not reached `find_worker`): start them one, so
                // that no accepted job is left behind when the last worker
                // exits.
                self.grow_for_queue();
            }
            state = self.state.lock();
        }
        if state.worker_ids.contains(&thread::current().id()) {
            return Err(StopFromWorkerError);
        }
        loop {
            match state.phase {
                Phase::Stopped => return Ok(()),
                // A worker can leave (`threads` down to 0) before its
                // starter stores its handle: wait for that one too, or it is
                // never joined.
                Phase::Stopping
                    if state.threads == 0
                        && (state.unstored == 0 || mutant::on("pool_stop_skips_unstored")) =>
                {
                    state.phase = Phase::Joining;
                    let handles = std::mem::take(&mut state.handles);
                    state.exited.clear();
                    drop(state);
                    for (_, handle) in handles {
                        let _ = handle.join();
                    }
                    self.state.lock().phase = Phase::Stopped;
                    self.done.notify_all();
                    return Ok(());
                }
                Phase::Open => unreachable!("stop moved the phase past Open"),
                Phase::Stopping | Phase::Joining => state = self.done.wait(state),
            }
        }
    }
}

impl Shared {
    /// Drops, without running them, the jobs queued in a pool that stops
    /// without ever having started (design note 7). Their destructors are
    /// user code: no lock is held.
    fn discard_queued(&self) {
        while self.claim(false).is_some() {
            drop(self.queue.pop_promised());
        }
    }
}

impl State {
    /// Whether threads may start for queued jobs: once started, until every
    /// worker is gone (while stopping, for the jobs counted before `CLOSED`).
    fn may_grow(&self) -> bool {
        self.started && matches!(self.phase, Phase::Open | Phase::Stopping)
    }
}

/// A thread start decided under the lock and carried out after it.
struct Start {
    /// The new thread's `n`.
    index: usize,
    /// Handles of exited workers to join first.
    reap: Vec<(usize, JoinHandle<()>)>,
}

/// The lock's guard, named for the worker module.
type Guard<'a> = MutexGuard<'a, State>;
