//! Proptest state machines: the real `Deferred<i64>` against the reference
//! model of `deferred-model`, over the op language of `docs/op-language.md`.
//!
//! - [`strategy`]: proptest strategies for every op and handler kind.
//! - [`machine`]: the reference state machine and the system under test,
//!   compared after every transition (`tests/state_machine.rs` runs them).
//! - [`cases`]: the case count, from `DEFERRED_PROPTEST_CASES`; [`config`]
//!   and [`config_xorshift`]: the configuration every property uses.
//!
//! - [`threads`]: the multi-threaded property (`tests/threads.rs` runs it
//!   under proptest, the `threads` fuzz target under libFuzzer).
//! - [`primitives`]: the lock, semaphore and queue against the reference
//!   model of `deferred_model::primitives` (`tests/primitives.rs` runs it).
//! - [`time`]: `testing::Clock`, timeouts, `defer_later` and `LoopingCall`
//!   against their own reference model (`tests/time.rs` runs it).
//! - [`lifecycle`]: a reactor through its whole life, every operation that
//!   schedules or waits from every calling context at each phase, against
//!   what the docs say (`tests/lifecycle.rs` runs it; issue 17).
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

pub mod lifecycle;
pub mod machine;
pub mod primitives;
pub mod strategy;
pub mod threads;
pub mod time;

/// Cases per property: `DEFERRED_PROPTEST_CASES`, or 256 (what CI runs;
/// `cargo xtask verify` runs 50,000). A value that is not a positive
/// number is an error, not a silent default.
///
/// # Panics
///
/// If the variable is set to something other than a positive integer.
pub fn cases() -> u32 {
    match std::env::var("DEFERRED_PROPTEST_CASES") {
        Err(_) => 256,
        Ok(text) => match text.trim().parse::<u32>() {
            Ok(n) if n > 0 => n,
            _ => panic!("DEFERRED_PROPTEST_CASES must be a positive integer, not {text:?}"),
        },
    }
}

/// The proptest configuration every property here uses: [`cases`] cases,
/// no regression files (a failure prints a replayable JSON script instead;
/// docs/verification.md says how to make it a fixture).
pub fn config() -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: cases(),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

/// [`config`] with proptest's XorShift generator, for the state machines
/// whose steps are cheap (`tests/time.rs`, `tests/lifecycle.rs`): in a
/// debug build the default ChaCha generator was nine tenths of the time
/// machine's run (perf), and a test generator needs no cryptographic
/// strength.
pub fn config_xorshift() -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..config()
    }
}
