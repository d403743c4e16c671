//! The state machine: the model generates and predicts, the real crate
//! follows, and after every step both must have printed the same events,
//! be at the same time, and hold pending calls due at the same times in the
//! same order.

use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};

use super::model::Model;
use super::real::Real;
use super::{op, Op};

/// The reference side.
#[derive(Debug, Clone, Copy)]
pub struct TimeModel;

impl ReferenceStateMachine for TimeModel {
    type State = Model;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model::default()).boxed()
    }

    fn transitions(_state: &Model) -> BoxedStrategy<Op> {
        op()
    }

    fn apply(mut state: Model, op: &Op) -> Model {
        state.apply(op);
        state
    }
}

/// The system under test.
#[derive(Debug, Clone, Copy)]
pub struct TimeMachine;

impl StateMachineTest for TimeMachine {
    type SystemUnderTest = Real;
    type Reference = TimeModel;

    fn init_test(_initial: &Model) -> Real {
        Real::default()
    }

    fn apply(mut real: Real, model: &Model, op: Op) -> Real {
        real.apply(&op);
        // Both logs only grow, and the earlier events were compared at the
        // earlier steps: compare what this step added (linear, not quadratic).
        if let Err(report) = compare_from(&real, model, real.compared) {
            panic!("after {op:?}: {report}");
        }
        real.compared = model.events.len();
        real
    }
}

/// `Err` says where the real crate and the model part ways.
pub fn compare(real: &Real, model: &Model) -> Result<(), String> {
    compare_from(real, model, 0)
}

/// [`compare`], for the events from event `from` on.
fn compare_from(real: &Real, model: &Model, from: usize) -> Result<(), String> {
    let got = real.events_from(from);
    let want = model.events.get(from..).unwrap_or_default();
    if got != want {
        let common = got.iter().zip(want).take_while(|(a, b)| a == b).count();
        return Err(format!(
            "events differ from event {}:\n  real:  {:?}\n  model: {:?}",
            from + common,
            &got[common..],
            &want[common..]
        ));
    }
    if real.now() != model.now() {
        return Err(format!(
            "time: real {} ms, model {} ms",
            real.now(),
            model.now()
        ));
    }
    if real.pending() != model.pending() {
        return Err(format!(
            "pending calls' due times (in the clock's order): real {:?}, model {:?}",
            real.pending(),
            model.pending()
        ));
    }
    Ok(())
}
