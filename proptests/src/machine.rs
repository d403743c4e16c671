//! The state machine: the reference model generates and predicts, the real
//! `Deferred<i64>` is checked against it after every transition.
//!
//! # What is compared
//!
//! The reference state is the script so far. After each transition the
//! system under test runs that script on fresh real Deferreds
//! (`deferred_model::real`, the interpreter behind `replay`) and the whole
//! trace (every handler call, refusal, final state and unhandled report)
//! must equal the reference model's. Replaying the prefix costs O(n²) op
//! runs for n transitions, which is nothing at these lengths, and it
//! compares more than a stepwise check could: the final states and the
//! drop-time reports of every prefix, not only of the whole script.
//!
//! On a mismatch the panic message holds the script as replayable JSON;
//! after shrinking, proptest shows the minimal one.

use deferred_model::trace::to_jsonl;
use deferred_model::{real, reference, Op, Script};
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};

use crate::strategy;

/// Most Deferreds a generated script has.
pub const MAX_DEFERREDS: usize = 4;

/// The reference side: the script so far.
#[derive(Debug, Clone, Copy)]
pub struct Model;

impl ReferenceStateMachine for Model {
    type State = Script;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<Script> {
        (1..=MAX_DEFERREDS)
            .prop_map(|deferreds| Script {
                deferreds,
                ops: Vec::new(),
            })
            .boxed()
    }

    fn transitions(state: &Script) -> BoxedStrategy<Op> {
        strategy::op(state.deferreds)
    }

    fn apply(mut state: Script, op: &Op) -> Script {
        state.ops.push(op.clone());
        state
    }

    fn preconditions(state: &Script, op: &Op) -> bool {
        strategy::valid(op, state.deferreds)
    }
}

/// The system under test: the real Deferreds, re-run on each prefix.
#[derive(Debug, Clone, Default)]
pub struct Real {
    /// The script so far.
    pub script: Script,
}

/// Runs `script` on the real Deferred and on the model; `Err` holds a
/// report with the script as replayable JSON and both traces.
pub fn compare(script: &Script) -> Result<(), String> {
    let model = reference::run(script);
    let real = real::run(script);
    if real == model {
        Ok(())
    } else {
        Err(format!(
            "the real Deferred and the model disagree.\n\
             replayable script (save as model/fixtures/NAME.json):\n{}\n\
             model trace:\n{}real trace:\n{}",
            script.to_json(),
            to_jsonl(&model),
            to_jsonl(&real)
        ))
    }
}

impl StateMachineTest for Real {
    type SystemUnderTest = Real;
    type Reference = Model;

    fn init_test(initial: &Script) -> Real {
        Real {
            script: initial.clone(),
        }
    }

    fn apply(mut sut: Real, _model: &Script, op: Op) -> Real {
        sut.script.ops.push(op);
        if let Err(report) = compare(&sut.script) {
            panic!("{report}");
        }
        sut
    }
}
