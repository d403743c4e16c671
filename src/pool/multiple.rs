//! [`ThreadPool::call_multiple_in_thread`]: several jobs, one after the
//! other, on one worker (Twisted's `threads.callMultipleInThread`).

use super::{PoolStoppedError, ThreadPool};

impl ThreadPool {
    /// Runs `jobs` one after the other, in order, on one worker thread, as
    /// one job of the pool (Twisted's `callMultipleInThread`): for work that
    /// must not be spread over threads (a thread-bound handle, or simply an
    /// order to keep).
    ///
    /// A job that panics ends the run there: the jobs after it are dropped
    /// without running, and the panic is logged and contained as for any
    /// pool job (Twisted's loop stops at the first exception the same way).
    ///
    /// # Errors
    ///
    /// [`PoolStoppedError`] once [`stop`](Self::stop) has begun: no job runs.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// let pool = deferred::ThreadPool::builder().max_threads(4).build().unwrap();
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let jobs: Vec<Box<dyn FnOnce() + Send>> = (0..5)
    ///     .map(|i| {
    ///         let seen = Arc::clone(&seen);
    ///         Box::new(move || seen.lock().unwrap().push((i, std::thread::current().id())))
    ///             as Box<dyn FnOnce() + Send>
    ///     })
    ///     .collect();
    /// pool.call_multiple_in_thread(jobs).unwrap();
    /// pool.stop().unwrap();
    /// let seen = seen.lock().unwrap();
    /// assert_eq!(seen.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    /// assert!(seen.iter().all(|(_, thread)| *thread == seen[0].1)); // one worker
    /// ```
    pub fn call_multiple_in_thread<I, F>(&self, jobs: I) -> Result<(), PoolStoppedError>
    where
        I: IntoIterator<Item = F>,
        F: FnOnce() + Send + 'static,
    {
        let jobs: Vec<F> = jobs.into_iter().collect();
        self.call_in_thread(move || {
            for job in jobs {
                job();
            }
        })
    }
}
