//! Twisted's [`Deferred`] and its thread integration, in Rust, with the
//! harness that proves it right.
//!
//! A [`Deferred<T>`] stands for a result that is not there yet. Code that
//! will produce the result fires it once; code that wants the result adds
//! callbacks and errbacks, which run in order, each getting the previous
//! one's return. It behaves like Twisted's `Deferred` wherever Rust's types
//! allow; `docs/semantics.md` states every rule and every deviation.
//!
//! # Hello, Deferred
//!
//! ```
//! use deferred::Deferred;
//!
//! let d = Deferred::new();
//! d.add_callback(|n: u32| n + 1)
//!     .add_callback(|n| format!("got {n}").len() as u32);
//! d.callback(41).unwrap();
//! assert_eq!(d.result().unwrap().unwrap(), 6);
//! ```
//!
//! # Errors travel down the errback side
//!
//! A handler that returns `Err`, or panics, sends a [`Failure`] down the
//! chain; the next errback may recover by returning a value.
//!
//! ```
//! use deferred::{Deferred, Failure};
//!
//! let d = Deferred::<i32>::new();
//! d.add_callback(|n| if n < 0 { Err(std::fmt::Error) } else { Ok(n) })
//!     .add_callback(|_| -> i32 { unreachable!("skipped: the chain is failing") })
//!     .add_errback(|f: Failure| if f.check::<std::fmt::Error>() { 0 } else { -1 });
//! d.callback(-5).unwrap();
//! assert_eq!(d.result().unwrap().unwrap(), 0);
//! ```
//!
//! # Firing twice is an error
//!
//! Deferreds are one-shot, as the Twisted document says: a second `callback`
//! or `errback` is an [`AlreadyCalledError`](struct@AlreadyCalledError) and changes nothing.
//!
//! ```
//! use deferred::{AlreadyCalledError, Deferred};
//!
//! let d = Deferred::new();
//! d.callback(1).unwrap();
//! assert_eq!(d.callback(2), Err(AlreadyCalledError));
//! assert_eq!(d.result().unwrap().unwrap(), 1);
//! ```
//!
//! # Waiting on another Deferred
//!
//! A handler that returns a `Deferred<T>` makes the chain wait for it and go
//! on with its result.
//!
//! ```
//! use deferred::{Deferred, DeferredState};
//!
//! let lookup = Deferred::<String>::new();
//! let d = Deferred::<String>::new();
//! let l = lookup.clone();
//! d.add_callback(move |_name| l).add_callback(|addr| format!("connected to {addr}"));
//! d.callback("example".into()).unwrap();
//! assert_eq!(d.state(), DeferredState::Waiting);
//! lookup.callback("10.0.0.1".into()).unwrap();
//! assert_eq!(d.result().unwrap().unwrap(), "connected to 10.0.0.1");
//! ```
//!
//! # Pause and unpause
//!
//! While paused, a Deferred queues its handlers, fired or not.
//!
//! ```
//! use deferred::Deferred;
//!
//! let d = Deferred::new();
//! d.pause();
//! d.callback(1).unwrap();
//! d.add_callback(|n: i32| n * 10);
//! assert_eq!(d.result().unwrap().unwrap(), 1); // not run yet
//! d.unpause().unwrap();
//! assert_eq!(d.result().unwrap().unwrap(), 10);
//! ```
//!
//! # Blocking work: the reactor, the pool, `defer_to_thread`
//!
//! Deferreds do not make code asynchronous (the seed document's point): a
//! function that computes for a second and then returns a fired Deferred
//! still blocks its caller for that second. Blocking work belongs in a
//! thread pool. [`defer_to_thread`] runs a closure in the [`Reactor`]'s
//! [`ThreadPool`] and returns a Deferred that fires *on the reactor thread*
//! with the closure's value, its `Err`, or its panic, while the reactor keeps
//! turning (timers, calls from other threads). [`react`] runs a reactor until
//! a Deferred fires and returns its result (Twisted's `task.react`).
//!
//! ```
//! use deferred::{defer_to_thread, react, Deferred};
//!
//! let sum = react(|reactor| -> Deferred<u64> {
//!     let r = reactor.clone();
//!     let d = defer_to_thread(reactor, || (1..=1_000u64).sum::<u64>()); // on a worker
//!     d.add_callback(move |n| {
//!         assert!(r.is_in_reactor_thread()); // on the reactor thread, once the sum is back
//!         n * 2
//!     });
//!     d
//! });
//! assert_eq!(sum.unwrap(), 1_001_000);
//! ```
//!
//! `docs/threads.md` says which code runs on which thread, how a result
//! crosses back, and the shutdown order; `examples/fibonacci.rs` shows the
//! reactor stalling under blocking work and not under `defer_to_thread`.
//!
//! # Time: timeouts, delays, periodic calls, and a clock for tests
//!
//! [`ReactorTime`] is Twisted's `IReactorTime`: the [`Reactor`] implements it
//! in real time, [`testing::Clock`] (Twisted's `task.Clock`) moves only
//! when a test says so. On either: [`Deferred::add_timeout`],
//! [`defer_later`], [`LoopingCall`]. `docs/semantics.md` (Time) has the
//! rules, each checked against Twisted.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use std::time::Duration;
//! use deferred::{defer_later, testing::Clock, Deferred, LoopingCall, TimeoutError};
//!
//! let clock = Clock::new();
//! let slow = Deferred::<u32>::new();
//! slow.add_timeout(Duration::from_secs(5), &clock).unwrap();
//! let later = defer_later(&clock, Duration::from_secs(2), || "done");
//! let ticks = Arc::new(Mutex::new(0));
//! let t = Arc::clone(&ticks);
//! let lc = LoopingCall::new(&clock, move || *t.lock().unwrap() += 1);
//! lc.start(Duration::from_secs(1), true).unwrap();
//!
//! clock.advance(Duration::from_secs(5)); // instantly: no sleeping
//! assert!(slow.result().unwrap().unwrap_err().check::<TimeoutError>());
//! assert_eq!(later.result().unwrap().unwrap(), "done");
//! assert_eq!(*ticks.lock().unwrap(), 2); // at 0 s, then at 5 s: the missed seconds are skipped
//! lc.stop().unwrap();
//! ```
//!
//! # `async` and `.await`
//!
//! A `Deferred<T>` is `IntoFuture` (output `Result<T, Failure>`), so `async`
//! code awaits it; [`ensure_deferred`] runs an `async` block as a Deferred
//! the way Twisted runs a coroutine (at once, then resumed by whoever fires
//! what it awaits: no executor needed), and [`Reactor::spawn`] does the same
//! on the reactor thread. `docs/async.md` says which bridge fits where.
//!
//! ```
//! use deferred::{defer_to_thread, react, Deferred, Failure};
//!
//! let sum = react(|reactor| -> Deferred<u64> {
//!     let r = reactor.clone();
//!     reactor.spawn(async move {
//!         let a: u64 = defer_to_thread(&r, || (1..=1_000u64).sum::<u64>()).await?; // a worker
//!         let b: u64 = defer_to_thread(&r, || 1_000).await?;                      // another
//!         assert!(r.is_in_reactor_thread()); // the whole block runs on the reactor thread
//!         Ok::<_, Failure>(a + b)
//!     })
//! });
//! assert_eq!(sum.unwrap(), 501_500);
//! ```
//!
//! Dropping an `.await` before it resolves cancels its Deferred; cancelling
//! a task's Deferred cancels what the task awaits, which then sees
//! [`CancelledError`] at its `.await`. A worker thread that needs the reactor
//! blocks on it with [`blocking_call_from_thread`].
//!
//! # Deferreds across threads
//!
//! `Deferred<T>` is `Send + Sync` when `T: Send`: one thread may fire while
//! another adds handlers; each handler runs exactly once, in order, and no
//! lock is held while user code runs. Handlers must be `Send`, so a handler
//! capturing an `Rc` does not compile:
//!
//! ```compile_fail
//! use deferred::Deferred;
//! use std::rc::Rc;
//!
//! let d = Deferred::<u8>::new();
//! let shared = Rc::new(1u8);
//! d.add_callback(move |v| v + *shared); // Rc is not Send
//! ```
//!
//! Nor can a Deferred of a non-`Send` value cross threads:
//!
//! ```compile_fail
//! use deferred::Deferred;
//! use std::rc::Rc;
//!
//! fn needs_send<T: Send>(_: T) {}
//! needs_send(Deferred::<Rc<u8>>::default());
//! ```
// No `unsafe` but in one module, `src/deferred/in_place.rs`, which alone
// allows it: handlers kept inline in their queue entries and the state built
// in its `Arc`, each for a measured cost (its design note; docs/architecture.md,
// "The Deferred"), checked under miri and loom.
#![deny(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![warn(unreachable_pub)]

mod bridge;
mod combinators;
#[cfg(doctest)]
mod compile_fail;
mod debug;
mod deferred;
mod failure;
mod job;
mod log_error;
mod mutant;
mod pool;
mod primitives;
mod reactor;
mod reactor_error;
mod reactor_threads;
pub(crate) mod sync;
pub mod testing;
mod threads;
mod time;
mod unwind;
#[cfg(doctest)]
mod user_docs;

pub use bridge::{
    blocking_call_from_thread, ensure_deferred, DeferredFuture, DroppedUnfiredError, IntoDeferred,
    ReactorThreadError,
};
pub use combinators::{
    deferred_list, fail, gather_results, maybe_deferred, race, succeed, DeferredList, FailureGroup,
    FirstError, FirstSuccess,
};
pub use debug::{is_debugging, set_debugging, DEBUG_ENV_VAR};
pub use deferred::{
    clear_unhandled_failure_hook, set_unhandled_failure_hook, Deferred, DeferredState, IntoOutcome,
    Outcome, WeakDeferred,
};
pub use failure::{
    AlreadyCalledError, AlreadyChainedError, CancelledError, Failure, IntoFailure, NotPausedError,
    PanicError,
};
pub use log_error::{log_err, log_error};
pub use pool::{
    PoolSizeError, PoolStats, PoolStoppedError, StopFromWorkerError, ThreadPool, ThreadPoolBuilder,
    WorkerPriority,
};
pub use primitives::{
    AlreadyTryingToLockError, DeferredFilesystemLock, DeferredLock, DeferredQueue,
    DeferredSemaphore, NotAcquiredError, QueueOverflow, QueueUnderflow, ZeroIntervalError,
    ZeroTokensError,
};
pub use reactor::{react, Reactor, ReactorError};
pub use reactor_threads::ReactorThreads;
pub use threads::{defer_to_thread, defer_to_thread_pool};
pub use time::{
    defer_later, ClockExhaustedError, DelayedCall, DelayedCallError, LoopingCall, LoopingCallError,
    ReactorTime, TimeoutError, WeakTime,
};
