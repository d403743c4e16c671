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

use deferred_model::trace::{to_jsonl, FinalState};
use deferred_model::{real, reference, Event, Op, Script};
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};

use crate::strategy;

/// The real core leaks a Deferred that another one waits on while it is
/// paused (the two hold each other), so a failure it holds is never
/// reported: a known bug, pinned by `model/tests/core_findings.rs`
/// (`paused_inner_waited_on_is_freed_and_reported_when_both_handles_go`).
/// While this is `true`, a real trace that differs from the model's only by
/// such missing `unhandled` lines is excused (and counted), so the harness
/// keeps looking for other bugs. Set it to `false` once the core is fixed.
pub const EXCUSE_WAITING_PAIR_LEAK: bool = true;

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
    /// Prefixes whose traces differed only by an excused known bug
    /// (see [`EXCUSE_WAITING_PAIR_LEAK`]).
    pub excused: usize,
}

/// Whether `real` is `model` with nothing but the `unhandled` lines the
/// waiting-pair leak loses (see [`EXCUSE_WAITING_PAIR_LEAK`]): some
/// Deferred ends `waiting`, and every missing line is an `unhandled` one.
pub fn only_the_waiting_pair_leak(model: &[Event], real: &[Event]) -> bool {
    let waiting = model.iter().any(|e| {
        matches!(
            e,
            Event::Final {
                state: FinalState::Waiting,
                ..
            }
        )
    });
    if !waiting || real.len() >= model.len() {
        return false;
    }
    // `real` must be `model` with some `unhandled` lines left out.
    let mut rest = real.iter().peekable();
    for event in model {
        if rest.peek() == Some(&event) {
            rest.next();
        } else if !matches!(event, Event::Unhandled { .. }) {
            return false;
        }
    }
    rest.next().is_none()
}

/// Runs `script` on the real Deferred and on the model. `Ok(true)`: the
/// traces are equal; `Ok(false)`: they differ only by a known, excused core
/// bug; `Err`: a report with the script as replayable JSON and both traces.
pub fn compare(script: &Script) -> Result<bool, String> {
    let model = reference::run(script);
    let real = real::run(script);
    if real == model {
        Ok(true)
    } else if EXCUSE_WAITING_PAIR_LEAK && only_the_waiting_pair_leak(&model, &real) {
        Ok(false)
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
            excused: 0,
        }
    }

    fn apply(mut sut: Real, _model: &Script, op: Op) -> Real {
        sut.script.ops.push(op);
        match compare(&sut.script) {
            Ok(true) => {}
            Ok(false) => sut.excused += 1,
            Err(report) => panic!("{report}"),
        }
        sut
    }
}
