//! The real `Deferred<i64>` follows the reference model on random op
//! scripts: every op and handler kind, chains, cancel and pause; traces
//! compared after every transition. `DEFERRED_PROPTEST_CASES` sets the
//! case count (256 by default).

use deferred_proptests::machine::Real;
use proptest_state_machine::prop_state_machine;

prop_state_machine! {
    #![proptest_config(deferred_proptests::config())]

    /// Short scripts: most bugs need only a few ops, and short ones
    /// shrink fast.
    #[test]
    fn real_deferred_matches_model_on_short_scripts(sequential 1..12 => Real);

    /// Longer scripts reach deeper states (chains of chains, pauses
    /// around waits).
    #[test]
    fn real_deferred_matches_model_on_long_scripts(sequential 1..40 => Real);
}

/// The comparison itself reports a mismatch with a replayable script: a
/// doctored trace must not pass.
#[test]
fn a_disagreement_is_reported_with_replayable_json() {
    use deferred_model::{parse_script, real, reference};
    let script =
        parse_script(r#"{"deferreds":1,"ops":[{"op":"callback","d":0,"value":1}]}"#).unwrap();
    assert_eq!(deferred_proptests::machine::compare(&script), Ok(()));
    // Same check on two different scripts' traces: they must differ.
    let other =
        parse_script(r#"{"deferreds":1,"ops":[{"op":"callback","d":0,"value":2}]}"#).unwrap();
    assert_ne!(real::run(&script), reference::run(&other));
}

/// A bad `DEFERRED_PROPTEST_CASES` is refused, not silently replaced.
#[test]
fn case_count_defaults_to_256() {
    if std::env::var_os("DEFERRED_PROPTEST_CASES").is_none() {
        assert_eq!(deferred_proptests::cases(), 256);
    }
}
