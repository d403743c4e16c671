//! The lifecycle state machine (issue 17): a reactor through unstarted,
//! running, stopping, stopped and dropped, every operation that schedules or
//! waits from every calling context at each phase, against the model of
//! `deferred_proptests::lifecycle`. `DEFERRED_PROPTEST_CASES` sets the case
//! count, as for the other machines (256 in `cargo test`, a few seconds in
//! a debug build; 50,000 in `cargo xtask verify`).

use deferred_proptests::lifecycle::machine::LifecycleMachine;
use proptest_state_machine::prop_state_machine;

prop_state_machine! {
    #![proptest_config(deferred_proptests::config_xorshift())]

    /// Whole lives: up to 40 steps through every phase.
    #[test]
    fn the_lifecycle_matches_its_model(sequential 1..40 => LifecycleMachine);
}

/// The comparison is not blind: a model that expects a refusal where the
/// reactor accepts is reported, naming the step.
#[test]
#[should_panic(expected = "the model says Refused")]
fn a_disagreement_is_reported() {
    use deferred_proptests::lifecycle::model::Model;
    use deferred_proptests::lifecycle::real::Real;
    use deferred_proptests::lifecycle::{Call, Context, Op, Phase};

    let mut real = Real::default();
    // The reactor is unstarted; the model wrongly thinks it stopped.
    let model = Model {
        phase: Some(Phase::Stopped),
        ..Model::default()
    };
    real.apply(
        &model,
        &Op::Call(Context::OtherThread, Call::CallFromThread),
    );
}

/// A `LoopingCall` started on a reactor dropped before it ran is freed
/// with it (the machine found the cycle that leaked them; fixed in
/// `time/looping_call.rs`).
#[test]
fn a_looping_call_on_a_reactor_dropped_unrun_is_freed() {
    use deferred_proptests::lifecycle::model::Model;
    use deferred_proptests::lifecycle::real::Real;
    use deferred_proptests::lifecycle::{Call, Context, Op};

    let mut real = Real::default();
    let mut model = Model::default();
    for op in [
        Op::Call(Context::OtherThread, Call::LoopStart { now: false }),
        Op::Drop(Context::OtherThread),
    ] {
        real.apply(&model, &op);
        model.apply(&op);
    }
}
