//! The errors of the concurrency primitives.

use std::error::Error;
use std::fmt;

/// [`DeferredLock::release`](crate::DeferredLock::release) of a lock that is
/// not locked, or [`DeferredSemaphore::release`](crate::DeferredSemaphore::release)
/// with every token already free: released more times than acquired.
/// Nothing changed. (Twisted fails an `assert` there.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NotAcquiredError;

impl fmt::Display for NotAcquiredError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("release without a matching acquire: nothing is held")
    }
}

impl Error for NotAcquiredError {}

/// [`DeferredSemaphore::new(0)`](crate::DeferredSemaphore::new): a semaphore
/// needs at least one token (Twisted raises `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ZeroTokensError;

impl fmt::Display for ZeroTokensError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a DeferredSemaphore needs at least one token")
    }
}

impl Error for ZeroTokensError {}

/// [`DeferredFilesystemLock::with_interval`](crate::DeferredFilesystemLock::with_interval)
/// with a zero interval: each retry would be due at once, so on a test
/// clock one `advance` would retry forever while another holder keeps the
/// lock (a busy loop on the reactor). Twisted accepts it and spins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ZeroIntervalError;

impl fmt::Display for ZeroIntervalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a DeferredFilesystemLock needs a non-zero retry interval")
    }
}

impl Error for ZeroIntervalError {}

/// [`DeferredQueue::put`](crate::DeferredQueue::put) on a queue holding its
/// `size` limit of items, and no `get` waiting (Twisted's
/// `QueueOverflow`). The item was not queued: here it is back.
///
/// `Debug` does not show the item (so that `T` need not be `Debug`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueueOverflow<T>(pub T);

impl<T> QueueOverflow<T> {
    /// The item that was not queued.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueOverflow<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueOverflow(..)")
    }
}

impl<T> fmt::Display for QueueOverflow<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the DeferredQueue is full")
    }
}

impl<T> Error for QueueOverflow<T> {}

/// [`DeferredQueue::get`](crate::DeferredQueue::get) on an empty queue that
/// already has its `backlog` limit of `get`s waiting (Twisted's
/// `QueueUnderflow`). Nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct QueueUnderflow;

impl fmt::Display for QueueUnderflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the DeferredQueue has too many gets waiting")
    }
}

impl Error for QueueUnderflow {}

/// [`DeferredFilesystemLock::defer_until_locked`](crate::DeferredFilesystemLock::defer_until_locked)
/// while another `defer_until_locked` of the same lock is still trying
/// (Twisted's `AlreadyTryingToLockError`): one attempt at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AlreadyTryingToLockError;

impl fmt::Display for AlreadyTryingToLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("defer_until_locked is already trying to take this lock")
    }
}

impl Error for AlreadyTryingToLockError {}
