//! Tools for tests of code built on this crate: a [`Clock`] whose time
//! moves only when the test says so (Twisted's `task.Clock`).
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

pub use crate::time::Clock;
