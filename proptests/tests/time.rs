//! `testing::Clock`, `add_timeout`, `defer_later` and `LoopingCall` follow
//! the reference model of `deferred_proptests::time` on random steps:
//! events, time and the pending calls compared after every step.
//! `DEFERRED_PROPTEST_CASES` sets the case count (256 by default).

use deferred_proptests::time::machine::TimeMachine;
use proptest_state_machine::prop_state_machine;

prop_state_machine! {
    #![proptest_config(deferred_proptests::config_xorshift())]

    /// Short runs: most disagreements need a few steps, and shrink fast.
    #[test]
    fn time_matches_its_model_on_short_runs(sequential 1..16 => TimeMachine);

    /// Longer runs: loops that wait on their work across many advances,
    /// timeouts racing fires and cancels, calls moved while others fall due.
    #[test]
    fn time_matches_its_model_on_long_runs(sequential 1..60 => TimeMachine);
}

/// The comparison is not blind: a model that missed an event disagrees.
#[test]
fn a_disagreement_is_reported() {
    use deferred_proptests::time::machine::compare;
    use deferred_proptests::time::model::Model;
    use deferred_proptests::time::real::Real;
    use deferred_proptests::time::Op;

    let (mut real, mut model) = (Real::default(), Model::default());
    for op in [Op::Schedule { delay: 1 }, Op::Advance { by: 1 }] {
        real.apply(&op);
        model.apply(&op);
    }
    assert_eq!(compare(&real, &model), Ok(()));
    model.apply(&Op::Schedule { delay: 3 });
    let report = compare(&real, &model).unwrap_err();
    assert!(report.contains("schedule call 1"), "{report}");
}
