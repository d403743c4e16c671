//! Concurrency primitives for code that waits with Deferreds instead of
//! blocking (Twisted's `DeferredLock`, `DeferredSemaphore`,
//! `DeferredQueue`, `DeferredFilesystemLock`).
//!
//! | item | Twisted | file |
//! | --- | --- | --- |
//! | [`DeferredLock`] | `DeferredLock` | `lock.rs` |
//! | [`DeferredSemaphore`] | `DeferredSemaphore` | `semaphore.rs` |
//! | [`DeferredQueue`] | `DeferredQueue` | `queue.rs` |
//! | [`DeferredFilesystemLock`] | `DeferredFilesystemLock` (over `lockfile.FilesystemLock`) | `fs_lock.rs` |
//! | their errors | `QueueOverflow`, `QueueUnderflow`, `AlreadyTryingToLockError`, `ValueError`, `assert` | `error.rs` |
//!
//! The lock and the semaphore share one protocol (`tokens.rs`: a lock is
//! one token); the semaphore and the queue share the line of waiting
//! Deferreds (`waiters.rs`). Every primitive is a cheap handle, `Send +
//! Sync`; waiters are served first come, first served; a Deferred is never
//! fired under a lock of ours (firing runs its callbacks). A release or a
//! put that hands over to a waiter fires the waiter's Deferred on the
//! calling thread, before it returns, as in Twisted, except inside another
//! hand-off's callbacks, where it fires when those return (`handoff.rs`:
//! constant stack however many waiters are served in a row). `docs/semantics.md`
//! ("Primitives") states every rule and where it differs from Twisted.

mod error;
mod fs_lock;
mod handoff;
mod lock;
mod queue;
mod semaphore;
mod tokens;
mod waiters;

pub use error::{
    AlreadyTryingToLockError, NotAcquiredError, QueueOverflow, QueueUnderflow, ZeroIntervalError,
    ZeroTokensError,
};
pub use fs_lock::DeferredFilesystemLock;
pub use lock::DeferredLock;
pub use queue::DeferredQueue;
pub use semaphore::DeferredSemaphore;
