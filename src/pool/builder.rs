//! [`ThreadPoolBuilder`]: a pool's sizes, keep-alive, thread names and stack size.

use std::time::Duration;

use super::{PoolSizeError, ThreadPool, WorkerPriority};

/// Configures and builds a [`ThreadPool`]; get one with [`ThreadPool::builder`].
///
/// The defaults are those of Twisted's *reactor* pool, the one
/// `deferToThread` uses (`ThreadPool(0, 10)`): 0 to 10 threads, named
/// `deferred-pool-0`, `deferred-pool-1`, ... Twisted's `ThreadPool()` built
/// by hand defaults to 5 to 20; here [`build`](Self::build) starts the
/// minimum at once (Twisted's pool waits for `start()`, as
/// [`build_unstarted`](Self::build_unstarted) does), so a default minimum of
/// 5 would start 5 idle threads for every pool anyone builds, and
/// `.max_threads(2)` alone would fail (a maximum below the default minimum).
/// Ask for Twisted's sizes with `.min_threads(5).max_threads(20)`.
///
/// ```
/// use std::time::Duration;
/// use deferred::ThreadPool;
///
/// let pool = ThreadPool::builder()
///     .min_threads(1)
///     .max_threads(4)
///     .keep_alive(Duration::from_secs(5))
///     .name_prefix("deferred-pool")
///     .stack_size(256 * 1024)
///     .build()
///     .unwrap();
/// assert_eq!(pool.stats().threads, 1); // the minimum starts at once
/// ```
#[derive(Debug, Clone)]
pub struct ThreadPoolBuilder {
    /// Threads kept even when idle.
    pub(super) min: usize,
    /// Threads never exceeded.
    pub(super) max: usize,
    /// How long an idle thread above `min` waits for work before it exits.
    pub(super) keep_alive: Duration,
    /// Threads are named `<prefix>-<n>`, `n` from 0.
    pub(super) name_prefix: String,
    /// `None`: the platform's default stack size.
    pub(super) stack_size: Option<usize>,
    /// Workers lower their OS scheduling priority as they start.
    pub(super) worker_priority: WorkerPriority,
    pub(super) started: bool,
}

impl Default for ThreadPoolBuilder {
    fn default() -> Self {
        ThreadPoolBuilder {
            min: 0,
            max: 10,
            keep_alive: Duration::from_secs(10),
            name_prefix: "deferred-pool".to_owned(),
            stack_size: None,
            worker_priority: WorkerPriority::Normal,
            started: true,
        }
    }
}

impl ThreadPoolBuilder {
    /// A builder with the defaults (as [`ThreadPool::builder`]).
    ///
    /// ```
    /// let pool = deferred::ThreadPoolBuilder::new().build().unwrap();
    /// assert_eq!(pool.stats().threads, 0);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        ThreadPoolBuilder::default()
    }

    /// Threads kept even when idle, started by [`build`](Self::build).
    /// Default 0, Twisted's reactor pool's `minthreads` (a hand-built
    /// Twisted `ThreadPool()` has 5; see the type's docs).
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().min_threads(2).build().unwrap();
    /// assert_eq!(pool.stats().threads, 2);
    /// ```
    #[must_use = "a builder setter returns the changed builder"]
    pub fn min_threads(mut self, min: usize) -> Self {
        self.min = min;
        self
    }

    /// Threads never exceeded; they start on demand, one when work arrives
    /// and no idle thread can take it. Default 10, Twisted's reactor pool's
    /// `maxthreads` (a hand-built Twisted `ThreadPool()` has 20).
    /// Must be at least 1 and at least the minimum, or `build` fails.
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().max_threads(1).build().unwrap();
    /// assert_eq!(pool.stats().threads, 0); // none until there is work
    /// ```
    #[must_use = "a builder setter returns the changed builder"]
    pub fn max_threads(mut self, max: usize) -> Self {
        self.max = max;
        self
    }

    /// How long an idle thread above the minimum waits for work before it
    /// exits. Default 10 seconds. [`Duration::ZERO`] makes such a thread
    /// exit as soon as it finds the queue empty.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = deferred::ThreadPool::builder().keep_alive(Duration::ZERO).build().unwrap();
    /// # drop(pool);
    /// ```
    #[must_use = "a builder setter returns the changed builder"]
    pub fn keep_alive(mut self, keep_alive: Duration) -> Self {
        self.keep_alive = keep_alive;
        self
    }

    /// Worker threads are named `<prefix>-<n>`, `n` counting from 0 for each
    /// thread the pool starts. Default `"deferred-pool"`.
    ///
    /// Twisted names them `PoolThread-<name>-<n>`, `n` being the number of
    /// workers alive when the thread starts, so a name comes back when a
    /// thread exits; here `n` counts every thread the pool ever started, so
    /// a name is never reused within a pool and a log line names one thread.
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().name_prefix("io").build().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// pool.call_in_thread(move || {
    ///     tx.send(std::thread::current().name().map(str::to_owned)).unwrap();
    /// }).unwrap();
    /// assert_eq!(rx.recv().unwrap().as_deref(), Some("io-0"));
    /// ```
    #[must_use = "a builder setter returns the changed builder"]
    pub fn name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.name_prefix = prefix.into();
        self
    }

    /// The stack size of each worker, in bytes. Default: the platform's (as
    /// `std::thread::Builder`; the `RUST_MIN_STACK` variable applies). The
    /// operating system may round it up.
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().stack_size(4 << 20).build().unwrap();
    /// # drop(pool);
    /// ```
    #[must_use = "a builder setter returns the changed builder"]
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// How the OS schedules each worker beside the threads that hand it
    /// work (see [`WorkerPriority`]). Default [`WorkerPriority::Normal`];
    /// the [`Reactor`](crate::Reactor)'s own pool uses
    /// [`WorkerPriority::Lowered`], so that a batch of CPU-bound jobs in
    /// `defer_to_thread` keeps the reactor thread waiting for a core less
    /// (docs/threads.md and docs/benchmarks.md have the figures).
    ///
    /// ```
    /// use deferred::{ThreadPool, WorkerPriority};
    ///
    /// let pool = ThreadPool::builder().worker_priority(WorkerPriority::Lowered).build().unwrap();
    /// pool.call_in_thread(|| { /* runs below the caller's priority */ }).unwrap();
    /// ```
    pub fn worker_priority(mut self, priority: WorkerPriority) -> Self {
        self.worker_priority = priority;
        self
    }

    /// Builds the pool and starts its minimum threads.
    ///
    /// # Errors
    ///
    /// [`PoolSizeError`] if the maximum is 0 or below the minimum.
    ///
    /// ```
    /// assert!(deferred::ThreadPool::builder().min_threads(3).max_threads(2).build().is_err());
    /// ```
    pub fn build(self) -> Result<ThreadPool, PoolSizeError> {
        super::check_sizes(self.min, self.max)?;
        Ok(ThreadPool::from_builder(self))
    }

    /// Builds the pool without starting it, as Twisted's `ThreadPool()` is
    /// until `start()`: jobs are accepted and queue, and no thread starts
    /// (not even the minimum) until [`ThreadPool::start`]. A
    /// [`Reactor`](crate::Reactor) starts its own pool this way when it
    /// runs, so work handed to `defer_to_thread` before `run` waits for the
    /// loop (Twisted's `callWhenRunning(threadpool.start)`). A pool stopped
    /// (or dropped) without ever being started runs nothing: its queued jobs
    /// are dropped unrun, as Twisted's are (see [`ThreadPool::stop`]).
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    ///
    /// ```
    /// let pool = deferred::ThreadPool::builder().build_unstarted().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// pool.call_in_thread(move || tx.send(7).unwrap()).unwrap();
    /// assert_eq!((pool.stats().threads, pool.stats().queued), (0, 1)); // waits
    /// pool.start().unwrap();
    /// assert_eq!(rx.recv().unwrap(), 7);
    /// ```
    pub fn build_unstarted(mut self) -> Result<ThreadPool, PoolSizeError> {
        self.started = false;
        self.build()
    }
}
