//! The state machine: the model picks the steps its phase allows and
//! predicts each answer; the real reactor takes them and is checked after
//! every step, and at the end of every case driven to its drop.

use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};

use super::model::Model;
use super::real::Real;
use super::{op, Op};

/// The reference side.
#[derive(Debug, Clone, Copy)]
pub struct LifecycleModel;

impl ReferenceStateMachine for LifecycleModel {
    type State = Model;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model::default()).boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Op> {
        op(state.phase())
    }

    fn preconditions(state: &Model, op: &Op) -> bool {
        state.allows(op)
    }

    fn apply(mut state: Model, op: &Op) -> Model {
        state.apply(op);
        state
    }
}

/// The system under test.
#[derive(Debug, Clone, Copy)]
pub struct LifecycleMachine;

impl StateMachineTest for LifecycleMachine {
    type SystemUnderTest = (Real, Model);
    type Reference = LifecycleModel;

    fn init_test(_initial: &Model) -> (Real, Model) {
        (Real::default(), Model::default())
    }

    fn apply(state: (Real, Model), _model: &Model, op: Op) -> (Real, Model) {
        // The model after the step is handed in; the real side keeps its
        // own copy of the model before it, which the step's answers need.
        let (mut real, mut before) = state;
        real.apply(&before, &op);
        before.apply(&op);
        (real, before)
    }

    fn teardown(state: (Real, Model)) {
        let (real, model) = state;
        real.teardown(&model);
    }
}
