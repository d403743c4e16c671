//! The lifecycle state machine (issue 17): a reactor through unstarted,
//! running, stopping, stopped and dropped, every operation that schedules or
//! waits from every calling context at each phase, against the model of
//! `deferred_proptests::lifecycle`. `DEFERRED_PROPTEST_CASES` sets the case
//! count, as for the other machines (256 in `cargo test`, a few seconds in
//! a debug build; 50,000 in `cargo xtask verify`).

use deferred_proptests::lifecycle::machine::LifecycleMachine;
use proptest::test_runner::{Config, RngAlgorithm};
use proptest_state_machine::prop_state_machine;

/// XorShift, as `tests/time.rs` (a test generator needs no cryptographic
/// strength).
fn config() -> Config {
    Config {
        rng_algorithm: RngAlgorithm::XorShift,
        ..deferred_proptests::config()
    }
}

prop_state_machine! {
    #![proptest_config(config())]

    /// Whole lives: up to 40 steps through every phase.
    #[test]
    fn the_lifecycle_matches_its_model(sequential 1..40 => LifecycleMachine);
}
