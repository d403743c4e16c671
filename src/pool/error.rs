//! The errors a [`ThreadPool`](super::ThreadPool) reports.

use std::error::Error;
use std::fmt;

/// Work handed to a pool that is stopping or stopped: the job was refused and
/// dropped without running.
///
/// ```
/// use deferred::{ThreadPool, PoolStoppedError};
///
/// let pool = ThreadPool::builder().build().unwrap();
/// pool.stop().unwrap();
/// assert_eq!(pool.call_in_thread(|| ()), Err(PoolStoppedError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PoolStoppedError;

impl fmt::Display for PoolStoppedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the thread pool is stopped and refuses new work")
    }
}

impl Error for PoolStoppedError {}

/// Thread counts a pool cannot have: asked of
/// [`ThreadPoolBuilder::build`](super::ThreadPoolBuilder::build) or
/// [`ThreadPool::adjust_pool_size`](super::ThreadPool::adjust_pool_size).
/// Nothing changed.
///
/// ```
/// use deferred::{ThreadPool, PoolSizeError};
///
/// let err = ThreadPool::builder().min_threads(4).max_threads(2).build().unwrap_err();
/// assert_eq!(err, PoolSizeError::MinAboveMax { min: 4, max: 2 });
/// assert_eq!(
///     ThreadPool::builder().max_threads(0).build().unwrap_err(),
///     PoolSizeError::ZeroMax
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PoolSizeError {
    /// The minimum is above the maximum.
    MinAboveMax {
        /// The minimum asked for.
        min: usize,
        /// The maximum asked for.
        max: usize,
    },
    /// A maximum of zero threads: the pool could never run anything.
    ZeroMax,
}

impl fmt::Display for PoolSizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolSizeError::MinAboveMax { min, max } => write!(
                f,
                "thread pool minimum ({min}) is above its maximum ({max})"
            ),
            PoolSizeError::ZeroMax => f.write_str("thread pool maximum must be at least 1"),
        }
    }
}

impl Error for PoolSizeError {}

/// [`ThreadPool::stop`](super::ThreadPool::stop) called from one of the pool's
/// own workers (directly, or by dropping the last handle in a job), or from
/// a job its submitter runs because no thread could start.
///
/// A thread cannot join itself, so `stop` did what it could without
/// waiting: the pool refuses new work, and its workers (the calling one
/// included, once its job returns) run what is queued and exit. Nobody joins
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StopFromWorkerError;

impl fmt::Display for StopFromWorkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "thread pool stop called from one of its own workers: stopping without waiting for the workers",
        )
    }
}

impl Error for StopFromWorkerError {}
