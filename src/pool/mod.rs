//! [`ThreadPool`]: worker threads that run blocking jobs (Twisted's
//! `ThreadPool`), started on demand and stopped by joining every one.
//!
//! # Design note
//!
//! 1. **One lock, one condition.** All bookkeeping (the queue, the thread
//!    counts, the phase) sits behind one [`Mutex`]; idle workers wait on
//!    `work`. A submit is one lock and at most one `notify_one`.
//! 2. **Wake only whom the job needs.** `idle` counts workers waiting on
//!    `work`, `wakeups` the notifications sent to them and not yet taken.
//!    A submit notifies only when `idle > wakeups` (an idle worker nobody has
//!    called yet); otherwise, below the maximum, it starts a thread. Every
//!    worker that leaves the wait, for whatever reason, takes one wakeup
//!    (saturating) and looks at the queue before it sleeps again, so a queued
//!    job always has a worker coming for it.
//! 3. **Jobs run with no lock held**, inside the panic policy of `unwind`:
//!    a panicking job is counted as completed and its worker goes on.
//! 4. **Stop drains, then joins.** `stop` moves the phase to `Stopping`
//!    (submits are refused from then on), wakes every idle worker, and waits
//!    on `done` until no worker is left and no freshly spawned thread's handle
//!    is still on its way into `handles`; workers exit only once the queue is
//!    empty. Then it joins every handle. A second `stop` waits for the first.
//! 5. **No time in the protocol.** Keep-alive is a timed wait; under loom a
//!    timed wait never times out, so shrinking the pool with
//!    [`adjust_pool_size`](ThreadPool::adjust_pool_size) (which wakes idle
//!    workers) and a zero keep-alive (exit as soon as idle) are the ways a
//!    model makes threads exit.
//! 6. **Spin a little before sleeping.** A worker that finds the queue empty
//!    first spins briefly (outside the lock) on `queued_hint`: a submitter in
//!    the middle of a burst usually hands over the next job within a
//!    microsecond, while a sleep and its wakeup cost two context switches.
//!    The hint decides nothing: the worker re-checks the queue under the lock
//!    before it waits, so the protocol of note 2 is unchanged. Loom models
//!    skip the spin (it only adds interleavings with the same outcomes).
//! 7. **Started, or not yet.** A pool from `build_unstarted` accepts and
//!    queues jobs but starts no thread until `start` (Twisted's `started`).
//!    Every place that starts a thread checks `started` under the lock, and
//!    `start` sets it under the same lock before it grows the pool for the
//!    queue, so a submit racing `start` is seen by one or the other: either
//!    the submit finds the pool started and starts a thread, or `start`
//!    finds the job queued. `stop` starts a pool that never was, so that it
//!    still runs every accepted job (note 4).

mod builder;
mod error;
mod multiple;
mod worker;

// The unit tests use real threads and time: not under loom (see loom/tests/loom/threads.rs).
#[cfg(all(test, not(deferred_loom)))]
mod tests;

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

pub use builder::ThreadPoolBuilder;
pub use error::{PoolSizeError, PoolStoppedError, StopFromWorkerError};

use crate::deferred::{Deferred, IntoOutcome, Outcome};
use crate::failure::Failure;
use crate::job::Job;
use crate::mutant;
use crate::sync::thread::{self, JoinHandle, ThreadId};
use crate::sync::{Arc, AtomicUsize, Condvar, Mutex, MutexGuard, Ordering};
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
    /// Everything that changes.
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
    /// Jobs queued, as last written under the lock: a hint for workers
    /// spinning before they sleep (design note 6). Never trusted: the worker
    /// re-checks the queue under the lock.
    queued_hint: AtomicUsize,
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
    /// Jobs not yet taken by a worker.
    queue: VecDeque<Job>,
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
    /// Workers running a job.
    busy: usize,
    /// Jobs finished, panicked ones included.
    completed: u64,
    /// See [`Phase`].
    phase: Phase,
    /// Workers may start (Twisted's `started`): false from
    /// `build_unstarted` until `start`; jobs queue meanwhile.
    started: bool,
    /// The `n` of the next thread's name.
    next_index: usize,
    /// Join handles of threads started and not yet joined, by index.
    handles: Vec<(usize, JoinHandle<()>)>,
    /// Threads counted in `threads` whose handle is not in `handles` yet:
    /// `stop` waits for them too, so that it joins every thread.
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
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                min: b.min,
                max: b.max,
                threads: 0,
                idle: 0,
                wakeups: 0,
                busy: 0,
                completed: 0,
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
            queued_hint: AtomicUsize::new(0),
        });
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
    /// returns, rather than wait forever (the refusal is logged).
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
        self.submit(Box::new(f))
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
    /// it fires, on the thread that fires it.
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
        self.submit(Box::new(move || {
            match unwind::outcome(|| f().into_outcome()) {
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
        PoolStats {
            threads: state.threads,
            idle: state.idle,
            busy: state.busy,
            queued: state.queue.len(),
            completed: state.completed,
        }
    }

    /// Stops the pool: refuses new work from now on, lets the workers run
    /// every job already queued, joins every worker thread, and returns when
    /// they are all gone. Calling it again, or from several threads, is fine:
    /// each call returns once the pool is stopped.
    ///
    /// # Errors
    ///
    /// [`StopFromWorkerError`] when called on one of this pool's own worker
    /// threads (a thread cannot join itself): the pool is stopping, but this
    /// call did not wait.
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
    /// Queues a job, waking an idle worker or starting a thread for it.
    fn submit(self: &Arc<Self>, job: Job) -> Result<(), PoolStoppedError> {
        let mut state = self.state.lock();
        if state.phase != Phase::Open && !mutant::on("pool_accepts_after_stop") {
            drop(state);
            drop(job); // its captures' destructors are user code: not under our lock
            return Err(PoolStoppedError);
        }
        state.queue.push_back(job);
        self.queued_hint.store(state.queue.len(), Ordering::Relaxed);
        if state.idle > state.wakeups {
            state.wakeups += 1;
            drop(state);
            self.work.notify_one();
        } else if state.started && state.threads < state.max {
            let start = state.reserve_thread();
            drop(state);
            self.start_thread(start);
        }
        Ok(())
    }

    /// Starts threads until the minimum is reached.
    fn grow_to_min(self: &Arc<Self>) {
        loop {
            let mut state = self.state.lock();
            if state.phase != Phase::Open || !state.started || state.threads >= state.min {
                return;
            }
            let start = state.reserve_thread();
            drop(state);
            self.start_thread(start);
        }
    }

    /// Starts threads for queued jobs no idle worker is coming for, up to the maximum.
    fn grow_for_queue(self: &Arc<Self>) {
        loop {
            let mut state = self.state.lock();
            let uncovered = state.queue.len() > state.idle.saturating_sub(state.wakeups);
            if state.phase != Phase::Open
                || !state.started
                || !uncovered
                || state.threads >= state.max
            {
                return;
            }
            let start = state.reserve_thread();
            drop(state);
            self.start_thread(start);
        }
    }

    /// Spawns the thread reserved by [`State::reserve_thread`], no lock held.
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
        state.unstored -= 1;
        match spawned {
            Ok(handle) => {
                state.handles.push((index, handle));
                self.notify_if_gone(&state);
            }
            Err(error) => {
                log::error!("thread pool could not start a worker thread: {error}");
                state.threads -= 1;
                self.notify_if_gone(&state);
                if state.threads == 0 {
                    // No worker will ever come for the queue: rather than lose
                    // the jobs, run them here.
                    let orphans: Vec<Job> = state.queue.drain(..).collect();
                    let count = orphans.len() as u64;
                    drop(state);
                    for job in orphans {
                        unwind::run_job("a thread pool job", job);
                    }
                    self.state.lock().completed += count;
                }
            }
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
        }
        self.grow_to_min();
        if !mutant::on("pool_start_skips_queue") {
            self.grow_for_queue();
        }
        Ok(())
    }

    fn stop(self: &Arc<Self>) -> Result<(), StopFromWorkerError> {
        // A pool never started has jobs and no worker to run them: start it,
        // so that stop keeps its promise (every accepted job runs).
        let _ = self.start();
        let mut state = self.state.lock();
        if state.phase == Phase::Open {
            state.phase = Phase::Stopping;
            self.work.notify_all();
        }
        if state.worker_ids.contains(&thread::current().id()) {
            return Err(StopFromWorkerError);
        }
        loop {
            match state.phase {
                Phase::Stopped => return Ok(()),
                Phase::Stopping if state.threads == 0 && state.unstored == 0 => {
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

/// A thread start decided under the lock and carried out after it.
struct Start {
    /// The new thread's `n`.
    index: usize,
    /// Handles of exited workers to join first.
    reap: Vec<(usize, JoinHandle<()>)>,
}

impl State {
    /// Counts a new thread in (so no other submit starts one for the same
    /// need) and collects the handles of exited workers to join.
    fn reserve_thread(&mut self) -> Start {
        self.threads += 1;
        self.unstored += 1;
        let index = self.next_index;
        self.next_index += 1;
        let mut reap = Vec::new();
        if !self.exited.is_empty() {
            let exited = std::mem::take(&mut self.exited);
            for gone in exited {
                match self.handles.iter().position(|(i, _)| *i == gone) {
                    Some(at) => reap.push(self.handles.swap_remove(at)),
                    // Its starter has not stored the handle yet: reap it next time.
                    None => self.exited.push(gone),
                }
            }
        }
        Start { index, reap }
    }
}

/// The lock's guard, named for the worker module.
type Guard<'a> = MutexGuard<'a, State>;
