//! The async bridge: `.await` a [`Deferred`](crate::Deferred), run an
//! `async` block as a Deferred, drive any future on the reactor, and block a
//! worker thread on the reactor (Twisted's `Deferred.__await__`,
//! `ensureDeferred`, `fromFuture`, `blockingCallFromThread`), with no async
//! runtime as a dependency.
//!
//! # Design note
//!
//! The await (`future.rs`):
//!
//! 1. **The chain's own hand-over.** The first poll of a `DeferredFuture`
//!    ends the Deferred's chain with a hand-over (`Deferred::hand_over`, the
//!    entry `then` uses), so the await takes the result a handler added there
//!    would get, and all the engine's rules (pause, waiting, one runner, no
//!    lock across user code) apply unchanged.
//! 2. **One cell, one lock.** The hand-over and the future share a cell: the
//!    result, the latest waker, and two flags (the hand-over was dropped
//!    unsent; the future was dropped). Every access is one short critical
//!    section; wakers are cloned, woken and dropped outside it (they are
//!    foreign code). A lock rather than `AtomicWaker`'s three-state atomic:
//!    the result must cross in the same step anyway, and an uncontended
//!    lock costs about what the atomics would (docs/benchmarks.md).
//! 3. **No lost wake-up.** A poll checks for the result and registers its
//!    waker in one critical section; the hand-over stores the result and
//!    takes the waker in one. Either the poll comes first (the hand-over
//!    finds its waker and wakes it) or the hand-over does (the poll finds
//!    the result). Registering after a separate check is the planted bug
//!    `bridge_waker_after_check`, which the loom model catches.
//! 4. **Only the latest waker, once.** A poll replaces the stored waker
//!    unless it `will_wake` the same task; the hand-over takes it out, so it
//!    is woken once, and an earlier poll's waker never.
//! 5. **Dropped early, it cancels.** A future dropped before its result
//!    marks the cell abandoned, then cancels the Deferred (no lock held: the
//!    cancel may run the chain and the hand-over at once). A result that
//!    meets an abandoned cell is dropped, except a failure other than the
//!    `CancelledError` the drop caused, which goes back to the chain and is
//!    reported there if nothing handles it.
//!
//! The task (`task.rs`, `async-task`'s design: a future and a schedule
//! function; schedules are "here, on the waking thread" and "on the reactor"):
//!
//! 6. **One poller.** The task's phase (`Idle`, `Scheduled`, `Running`,
//!    `RunningWoken`, `Done`) and its future sit behind one lock. A wake-up
//!    schedules a poll only when it moves the task from `Idle` to
//!    `Scheduled`; a wake-up during a poll only marks it `RunningWoken`. The
//!    poller takes the future out of the lock to poll it, so no lock is held
//!    across user code, and no second thread can poll meanwhile.
//! 7. **No lost wake-up, no double output.** After a `Pending` poll the
//!    poller looks at the phase under the lock: `RunningWoken` means poll
//!    again (inline) or reschedule (reactor); `Running` means idle, with the
//!    future put back in the same critical section, so a later wake-up finds
//!    it. `Ready` moves to `Done` before the output fires the Deferred, and
//!    nothing polls a `Done` task.
//! 8. **What the future awaits.** While a task polls, a thread-local names
//!    it; a `DeferredFuture` that goes `Pending` under it puts its cell on
//!    the task's list, and takes it off when it resolves or is dropped.
//!    That list is what a cancel reaches (Twisted keeps `waitingOn`).
//! 9. **Cancel, as Twisted's `inlineCallbacks`.** Every Deferred a task
//!    fires is a *link* whose canceller is the task's cancel. A cancel makes
//!    the next link, fires the cancelled link with it (the link waits on it,
//!    as Twisted's `d.callback(other_deferred)` does: `fire_outcome`), and
//!    cancels what the future awaits; the future sees `CancelledError`, and
//!    its output fires the latest link, which feeds the first. A task being
//!    polled takes the same path (its list holds what it awaits at that
//!    moment, maybe nothing: Twisted's cancel of a running coroutine reaches
//!    only a stale `waitingOn`). A task suspended on no Deferred (a foreign
//!    future) has nothing to pass the cancel to: its future is dropped and
//!    the engine fails the link with `CancelledError`. `from_future`'s
//!    cancel always drops (when the poll returns, if one is running).
//! 10. **Bounded nesting.** Inline polls run through a per-thread trampoline
//!     (`trampoline.rs`): nested up to a fixed depth (Twisted's order), then
//!     queued and run by the deepest poll when it returns (constant stack).
//!     A poll handed to the reactor and dropped unrun abandons its task (the
//!     Deferred fails with `ReactorError::Stopped`), as `async-task`'s
//!     `Runnable` does.
//!
//! The blocking call (`blocking.rs`):
//!
//! 11. **A stop releases the callers first.** The caller registers a stop
//!     hook before it queues the call. The reactor runs its stop hooks on its
//!     thread as the loop leaves, before it stops (and joins) its thread
//!     pool, whose workers may be the callers: each hook answers its caller
//!     `Stopped`. A hook refused (the hooks already ran) means the reactor is
//!     stopping: the caller gets `Stopped` at once. The call checks, on the
//!     reactor thread, that its caller is still waiting before running `f`;
//!     a call dropped unrun answers `Stopped`. So whichever of call, stop and
//!     drop comes first, the caller is answered exactly once.

mod blocking;
mod error;
mod future;
mod task;
mod trampoline;

#[cfg(all(test, not(deferred_loom)))]
mod tests;

pub use blocking::blocking_call_from_thread;
pub use error::{DroppedUnfiredError, ReactorThreadError};
pub use future::DeferredFuture;
pub(crate) use task::spawn_on;
pub use task::{ensure_deferred, IntoDeferred};
