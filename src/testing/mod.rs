//! Tools for tests of code built on this crate (Twisted's trial helpers
//! and test doubles); docs/testing.md walks through them:
//!
//! 1. [`success_result_of`], [`failure_result_of`], [`assert_no_result`]:
//!    trial's `successResultOf`, `failureResultOf`, `assertNoResult`.
//! 2. [`LoggedFailures`] and [`flush_logged_failures`]: trial's rule that a
//!    test which logged an error fails, and its `flushLoggedErrors`.
//! 3. [`Clock`], whose time moves only when the test says so (Twisted's
//!    `task.Clock`), and [`MemoryReactor`], a reactor whose calls, timers
//!    and pool jobs run only when the test says (Twisted's
//!    `MemoryReactorClock` and `createMemoryWorker`).
//! 4. [`yield_now()`]: a future that gives its task's turn up once, so that
//!    what the reactor queued meanwhile (a stop) runs between its polls.
//! 5. `strategies` (feature `proptest`): proptest strategies for
//!    interleavings of fire, cancel and pause over a set of Deferreds, and
//!    for clock advances.
//!
//! Code that waits (timeouts, delays, periodic calls) takes any
//! [`ReactorTime`](crate::ReactorTime); in production that is the
//! [`Reactor`](crate::Reactor), in tests a `Clock`, which makes the test
//! exact and instant: no sleeping, no flaky margins.
//!
//! ```
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//! use std::time::Duration;
//! use deferred::testing::Clock;
//! use deferred::ReactorTime;
//!
//! // Code under test takes any clock.
//! fn arm(clock: &impl ReactorTime, alarm: Arc<AtomicBool>) {
//!     clock.call_later(Duration::from_secs(30), move || alarm.store(true, Ordering::SeqCst)).unwrap();
//! }
//!
//! let clock = Clock::new();
//! let alarm = Arc::new(AtomicBool::new(false));
//! arm(&clock, Arc::clone(&alarm));
//! clock.advance(Duration::from_secs(29));
//! assert!(!alarm.load(Ordering::SeqCst));
//! clock.advance(Duration::from_secs(1));
//! assert!(alarm.load(Ordering::SeqCst));
//! ```

mod logged;
mod memory;
mod results;
#[cfg(feature = "proptest")]
pub mod strategies;
mod yield_now;

pub use crate::time::{Clock, ClockIdleError};
pub(crate) use logged::record as record_logged;
pub use logged::{flush_all_logged_failures, flush_logged_failures, LoggedFailures};
pub use memory::MemoryReactor;
pub(crate) use memory::WeakMemoryReactor;
pub use results::{assert_no_result, failure_result_of, success_result_of, ErrorType};
pub use yield_now::{yield_now, YieldNow};
