//! The time state machine: `testing::Clock`, `Deferred::add_timeout`,
//! `defer_later` and `LoopingCall` against a small reference model.
//!
//! - [`Op`]: what a step does (schedule, cancel, reset or delay a call;
//!   advance; a Deferred with a timeout, fired or cancelled; a
//!   `defer_later`; start, stop or reset one of two loops, one counting).
//! - [`model`]: the reference, Twisted's code transcribed over whole
//!   milliseconds, with no Deferreds, locks or handles.
//! - [`real`]: the same steps on the real crate.
//! - [`machine`]: the proptest state machine comparing them after every
//!   step: every event (each call, each Deferred's result, each loop call
//!   and count, each op's return), the clock's time, and the due times of
//!   the pending calls in the clock's order.
//!
//! Why the model lives here and not in `deferred-model`: that crate is the
//! reference for the op language of `spec/replay.md`, a fixed contract with
//! its own JSON scripts, fixtures and `replay` tool; time has no place in
//! that language. This model is only the state machine's, so it sits beside
//! it.

pub mod machine;
pub mod model;
pub mod real;

use proptest::prelude::*;

/// The loops of every run: loop 0 plain, loop 1 counting (`with_count`).
pub const LOOPS: usize = 2;

/// What a timeout Deferred's canceller does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canceller {
    /// No canceller: `cancel` fails it with `CancelledError`.
    None,
    /// Fires it with this value.
    Value(i64),
    /// Fails it with `Boom`.
    Fail,
}

/// One step. Times are milliseconds; `call` and `d` pick among the calls or
/// Deferreds made so far (modulo their number; a step with none does
/// nothing but say so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `clock.call_later(delay, log)`.
    Schedule {
        /// In ms.
        delay: u64,
    },
    /// `DelayedCall::cancel` of a scheduled call.
    Cancel {
        /// Which call (modulo their number).
        call: usize,
    },
    /// `DelayedCall::reset`.
    Reset {
        /// Which call.
        call: usize,
        /// In ms from now.
        delay: u64,
    },
    /// `DelayedCall::delay`.
    Delay {
        /// Which call.
        call: usize,
        /// In ms.
        by: u64,
    },
    /// `clock.advance`.
    Advance {
        /// In ms.
        by: u64,
    },
    /// A new Deferred with `add_timeout` (or `add_timeout_with` a handler
    /// returning -1, Twisted's tests' "OVERRIDDEN") and a canceller.
    Timeout {
        /// In ms.
        timeout: u64,
        /// What its canceller does.
        canceller: Canceller,
        /// `add_timeout_with` the handler returning -1.
        custom: bool,
    },
    /// `defer_later(delay, || value)`.
    Later {
        /// In ms.
        delay: u64,
        /// What the function returns.
        value: i64,
    },
    /// `callback(value)` on a timeout Deferred.
    Fire {
        /// Which timeout Deferred (modulo their number).
        d: usize,
        /// The value.
        value: i64,
    },
    /// `cancel()` on any of the Deferreds.
    CancelDeferred {
        /// Which Deferred (modulo their number).
        d: usize,
    },
    /// `start(interval, now)` of loop `lp`, whose function returns a
    /// `defer_later(work)` Deferred when `work > 0`.
    StartLoop {
        /// Which loop.
        lp: usize,
        /// In ms.
        interval: u64,
        /// Call at once.
        now: bool,
        /// How long the function's Deferred takes, in ms (0: none).
        work: u64,
    },
    /// `stop()` of loop `lp`.
    StopLoop {
        /// Which loop.
        lp: usize,
    },
    /// `reset()` of loop `lp`.
    ResetLoop {
        /// Which loop.
        lp: usize,
    },
}

/// `index` among `len` things, or `None` if there are none.
pub fn pick(index: usize, len: usize) -> Option<usize> {
    (len > 0).then(|| index % len)
}

/// A short time: small, so that calls often fall due together.
fn millis() -> impl Strategy<Value = u64> {
    prop_oneof![3 => 0u64..=4, 2 => 5u64..=12]
}

/// One step. A loop with a zero interval always has work (else it would
/// call itself forever within one advance, in Twisted as here).
pub fn op() -> BoxedStrategy<Op> {
    let index = 0usize..16;
    let canceller = prop_oneof![
        2 => Just(Canceller::None),
        1 => (-5i64..50).prop_map(Canceller::Value),
        1 => Just(Canceller::Fail),
    ];
    prop_oneof![
        4 => millis().prop_map(|delay| Op::Schedule { delay }),
        2 => index.clone().prop_map(|call| Op::Cancel { call }),
        2 => (index.clone(), millis()).prop_map(|(call, delay)| Op::Reset { call, delay }),
        1 => (index.clone(), millis()).prop_map(|(call, by)| Op::Delay { call, by }),
        6 => millis().prop_map(|by| Op::Advance { by }),
        3 => (millis(), canceller, any::<bool>()).prop_map(|(timeout, canceller, custom)| {
            Op::Timeout { timeout, canceller, custom }
        }),
        2 => (millis(), -5i64..50).prop_map(|(delay, value)| Op::Later { delay, value }),
        3 => (index.clone(), -5i64..50).prop_map(|(d, value)| Op::Fire { d, value }),
        2 => index.prop_map(|d| Op::CancelDeferred { d }),
        3 => (0..LOOPS, 0u64..=6, any::<bool>(), 0u64..=8).prop_map(|(lp, interval, now, work)| {
            Op::StartLoop { lp, interval, now, work: if interval == 0 { work.max(1) } else { work } }
        }),
        2 => (0..LOOPS).prop_map(|lp| Op::StopLoop { lp }),
        1 => (0..LOOPS).prop_map(|lp| Op::ResetLoop { lp }),
    ]
    .boxed()
}
