//! [`MemoryReactor`]: a reactor whose calls from threads, timers and pool
//! jobs run only when the test says, on the test's thread (Twisted's
//! `MemoryReactorClock` with a `createMemoryWorker` for its pool).

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use crate::job::Job;
use crate::pool::PoolStoppedError;
use crate::reactor::ReactorError;
use crate::reactor_threads::sealed::{Sealed, Target};
use crate::reactor_threads::ReactorThreads;
use crate::sync::{thread, Arc, Mutex, Weak};
use crate::time::{Clock, DelayedCall, ReactorTime, TimerJob, WeakTime};

/// A stand-in for the [`Reactor`](crate::Reactor) in tests: nothing runs
/// until the test says, and everything runs on the test's thread, in an
/// order the test fixes. Code that takes `&impl ReactorThreads` (for
/// [`defer_to_thread`](crate::defer_to_thread),
/// [`call_from_thread`](Self::call_from_thread)) and `&impl ReactorTime`
/// (timers, [`LoopingCall`](crate::LoopingCall), timeouts) runs on it
/// unchanged.
///
/// Twisted's counterparts: `twisted.internet.testing.MemoryReactorClock`
/// (calls and a `task.Clock`) and `twisted._threads.createMemoryWorker`
/// (a worker whose jobs run one at a time when the test calls `doWork`).
///
/// - Calls from threads ([`call_from_thread`](Self::call_from_thread), and
///   the results `defer_to_thread` sends back) wait in a queue until
///   [`run_calls`](Self::run_calls) or [`run_until_idle`](Self::run_until_idle).
/// - Pool jobs ([`call_in_thread`](Self::call_in_thread), the work of
///   `defer_to_thread`) wait until [`run_one_job`](Self::run_one_job) or
///   `run_until_idle`, and run on the calling thread.
/// - Timers run on its [`Clock`] when the test calls
///   [`advance`](Self::advance).
/// - Async tasks ([`ReactorThreads::spawn`],
///   [`Deferred::from_future`](crate::Deferred::from_future)) are polled by
///   calls, one a poll, the first included; [`run_one_call`](Self::run_one_call)
///   steps them.
///
/// A panic in a call or a job reaches the test (the real reactor and pool
/// contain them; a test wants to see them). [`stop`](Self::stop) refuses
/// new calls and jobs, as a stopped reactor and its pool do.
///
/// ```
/// use std::time::Duration;
/// use deferred::testing::{assert_no_result, success_result_of, MemoryReactor};
/// use deferred::{defer_to_thread, ReactorTime};
///
/// let reactor = MemoryReactor::new();
/// let d = defer_to_thread(&reactor, || 6 * 7);
/// assert_no_result(&d);                  // the job waits for the test
/// assert!(reactor.run_one_job());        // runs it here; the result is a call now
/// assert_no_result(&d);
/// assert_eq!(reactor.run_calls(), 1);    // delivered, on this thread
/// assert_eq!(success_result_of(&d), 42);
///
/// let late = defer_to_thread(&reactor, || "late");
/// reactor.call_later(Duration::from_secs(5), || println!("timer")).unwrap();
/// reactor.advance(Duration::from_secs(5)); // the timer runs; the job still waits
/// assert_no_result(&late);
/// reactor.run_until_idle();
/// assert_eq!(success_result_of(&late), "late");
/// ```
#[derive(Clone)]
pub struct MemoryReactor {
    inner: Arc<Inner>,
}

/// What waits for the test.
#[derive(Default)]
struct Queues {
    /// Calls from threads (and results coming back), oldest first.
    calls: VecDeque<Job>,
    /// Pool jobs, oldest first.
    jobs: VecDeque<Job>,
    /// Set by `stop`: new calls and jobs are refused.
    stopped: bool,
}

/// What the handles share.
struct Inner {
    /// The time line of its timers.
    clock: Clock,
    /// The queues, and whether it stopped: one lock, so that nothing is
    /// queued after a `stop` returns.
    queues: Mutex<Queues>,
    /// The thread that made it: its "reactor thread".
    thread: thread::ThreadId,
}

impl MemoryReactor {
    /// A memory reactor at time zero, with nothing queued; the calling
    /// thread is its reactor thread.
    pub fn new() -> Self {
        MemoryReactor {
            inner: Arc::new(Inner {
                clock: Clock::new(),
                queues: Mutex::new(Queues::default()),
                thread: thread::current().id(),
            }),
        }
    }

    /// Its clock (a [`Clock`]: `advance`, `pump`, `delayed_calls`).
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Moves its clock on by `by`, running the timers that fall due, in
    /// order (Twisted's `Clock.advance`). Queued calls and jobs do not run.
    pub fn advance(&self, by: Duration) {
        self.inner.clock.advance(by);
    }

    /// Queues `f` to run on the reactor thread at the next
    /// [`run_calls`](Self::run_calls) (Twisted's `callFromThread`); from any
    /// thread.
    ///
    /// # Errors
    ///
    /// [`ReactorError::Stopped`] after [`stop`](Self::stop): `f` is dropped.
    pub fn call_from_thread<F>(&self, f: F) -> Result<(), ReactorError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.push_call(Job::new(f)).map_err(|job| {
            drop(job);
            ReactorError::Stopped
        })
    }

    /// Queues `f` as a pool job, to run at a
    /// [`run_one_job`](Self::run_one_job) (Twisted's `callInThread` on a
    /// memory worker).
    ///
    /// # Errors
    ///
    /// [`PoolStoppedError`] after [`stop`](Self::stop): `f` is dropped.
    pub fn call_in_thread<F>(&self, f: F) -> Result<(), PoolStoppedError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.submit(Job::new(f))
    }

    /// Runs the oldest queued pool job, here; returns whether there was one
    /// (Twisted's memory worker's `doWork`). A job from `defer_to_thread`
    /// queues its result as a call.
    pub fn run_one_job(&self) -> bool {
        let job = self.inner.queues.lock().jobs.pop_front();
        match job {
            Some(job) => {
                job.run();
                true
            }
            None => false,
        }
    }

    /// Runs the oldest queued call, here; returns whether there was one.
    /// One poll of a task spawned on it
    /// ([`ReactorThreads::spawn`],
    /// [`Deferred::from_future`](crate::Deferred::from_future)) is one call,
    /// so this steps such a task poll by poll.
    ///
    /// ```
    /// use deferred::testing::{success_result_of, yield_now, MemoryReactor};
    /// use deferred::{Deferred, ReactorThreads};
    ///
    /// let reactor = MemoryReactor::new();
    /// let d: Deferred<&str> = reactor.spawn(async {
    ///     yield_now().await;
    ///     "done"
    /// });
    /// assert!(reactor.run_one_call()); // the first poll: it yields
    /// assert_eq!(reactor.pending_calls(), 1); // its next poll
    /// assert!(reactor.run_one_call());
    /// assert_eq!(success_result_of(&d), "done");
    /// assert!(!reactor.run_one_call());
    /// ```
    pub fn run_one_call(&self) -> bool {
        let call = self.inner.queues.lock().calls.pop_front();
        match call {
            Some(call) => {
                call.run();
                true
            }
            None => false,
        }
    }

    /// Runs queued calls, oldest first, until none is left (calls queued by
    /// those calls too); returns how many ran. A task that wakes itself on
    /// every poll (a `yield_now` loop) keeps queueing calls, so this would
    /// not return: step such a task with [`run_one_call`](Self::run_one_call).
    pub fn run_calls(&self) -> usize {
        let mut ran = 0;
        while self.run_one_call() {
            ran += 1;
        }
        ran
    }

    /// Runs queued calls and pool jobs until neither is left: all calls
    /// first, then one job, then the calls it made, and so on. Time does not
    /// move. Returns how many calls and jobs ran.
    pub fn run_until_idle(&self) -> usize {
        let mut ran = 0;
        loop {
            ran += self.run_calls();
            if !self.run_one_job() {
                return ran;
            }
            ran += 1;
        }
    }

    /// How many calls wait for [`run_calls`](Self::run_calls).
    pub fn pending_calls(&self) -> usize {
        self.inner.queues.lock().calls.len()
    }

    /// How many pool jobs wait for [`run_one_job`](Self::run_one_job).
    pub fn pending_jobs(&self) -> usize {
        self.inner.queues.lock().jobs.len()
    }

    /// Stops it: calls and jobs queued from now on are refused (as by a
    /// stopped reactor and its pool); those queued already stay, to run when
    /// the test says.
    pub fn stop(&self) {
        self.inner.queues.lock().stopped = true;
    }

    /// Whether [`stop`](Self::stop) was called.
    pub fn is_stopped(&self) -> bool {
        self.inner.queues.lock().stopped
    }

    /// Whether the caller is on the thread that made it.
    pub fn is_in_reactor_thread(&self) -> bool {
        thread::current().id() == self.inner.thread
    }

    /// Queues a call, or gives it back once stopped.
    pub(crate) fn push_call(&self, job: Job) -> Result<(), Job> {
        let mut queues = self.inner.queues.lock();
        if queues.stopped {
            return Err(job);
        }
        queues.calls.push_back(job);
        Ok(())
    }

    /// Queues a pool job, or refuses it once stopped.
    pub(crate) fn submit(&self, job: Job) -> Result<(), PoolStoppedError> {
        let mut queues = self.inner.queues.lock();
        if queues.stopped {
            // Dropped after the lock is released: its captures' destructors
            // are user code.
            drop(queues);
            drop(job);
            return Err(PoolStoppedError);
        }
        queues.jobs.push_back(job);
        Ok(())
    }
}

/// A handle to a [`MemoryReactor`] that does not keep it alive: what a
/// task spawned on it holds, since the reactor's queue holds the task's
/// next poll (a strong handle would be a cycle).
pub(crate) struct WeakMemoryReactor {
    inner: Weak<Inner>,
}

impl WeakMemoryReactor {
    /// The reactor, if a handle of it is still alive.
    pub(crate) fn upgrade(&self) -> Option<MemoryReactor> {
        self.inner.upgrade().map(|inner| MemoryReactor { inner })
    }
}

impl MemoryReactor {
    /// A handle that does not keep it alive.
    pub(crate) fn downgrade(&self) -> WeakMemoryReactor {
        WeakMemoryReactor {
            inner: Arc::downgrade(&self.inner),
        }
    }
}

impl Default for MemoryReactor {
    fn default() -> Self {
        MemoryReactor::new()
    }
}

impl fmt::Debug for MemoryReactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryReactor")
            .field("now", &self.inner.clock.now())
            .field("pending_calls", &self.pending_calls())
            .field("pending_jobs", &self.pending_jobs())
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

impl ReactorTime for MemoryReactor {
    fn now(&self) -> Duration {
        self.inner.clock.now()
    }

    fn call_later_boxed(&self, delay: Duration, f: TimerJob) -> Result<DelayedCall, ReactorError> {
        self.inner.clock.call_later_boxed(delay, f)
    }

    fn delayed_calls(&self) -> Vec<DelayedCall> {
        self.inner.clock.delayed_calls()
    }

    /// Its clock's: its timers are the clock's, and live as long as the
    /// clock does.
    fn downgrade_time(&self) -> Option<WeakTime> {
        self.inner.clock.downgrade_time()
    }
}

impl Sealed for MemoryReactor {
    fn target(&self) -> Target<'_> {
        Target::Memory(self)
    }
}

impl ReactorThreads for MemoryReactor {
    fn call_from_thread_boxed(
        &self,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<(), ReactorError> {
        self.call_from_thread(f)
    }

    fn call_in_thread_boxed(
        &self,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<(), PoolStoppedError> {
        self.call_in_thread(f)
    }

    fn is_in_reactor_thread(&self) -> bool {
        MemoryReactor::is_in_reactor_thread(self)
    }
}

#[cfg(all(test, not(deferred_loom)))]
mod tests;
