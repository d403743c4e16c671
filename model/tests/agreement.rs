//! The model and the real implementation agree on 10,000 generated scripts
//! (fixed seeds, so a failure is reproducible: the message holds the script
//! and a shrunk copy on which they still disagree).

use deferred_model::{gen, real, reference, trace, Script};

/// Whether the implementations disagree.
fn disagrees(script: &Script) -> bool {
    real::run(script) != reference::run(script)
}

/// The smallest script, found by dropping ops one at a time, on which they
/// still disagree.
fn shrink(mut script: Script) -> Script {
    let mut i = 0;
    while i < script.ops.len() {
        let mut smaller = script.clone();
        smaller.ops.remove(i);
        if disagrees(&smaller) {
            script = smaller;
        } else {
            i += 1;
        }
    }
    script
}

/// Runs both; the report of a disagreement, on the shrunk script.
fn disagreement(script: &Script) -> Option<String> {
    if !disagrees(script) {
        return None;
    }
    let small = shrink(script.clone());
    Some(format!(
        "script: {}\nshrunk: {}\nmodel:\n{}real:\n{}",
        script.to_json(),
        small.to_json(),
        trace::to_jsonl(&reference::run(&small)),
        trace::to_jsonl(&real::run(&small))
    ))
}

fn agree_on(seeds: std::ops::Range<u64>, size: impl Fn(u64) -> usize) {
    for seed in seeds {
        if let Some(report) = disagreement(&gen::script(seed, size(seed))) {
            panic!("seed {seed}: model and real disagree\n{report}");
        }
    }
}

#[test]
fn model_and_real_agree_on_10_000_generated_scripts() {
    agree_on(0..10_000, |seed| 1 + (seed % 60) as usize);
}

#[test]
fn model_and_real_agree_on_longer_generated_scripts() {
    agree_on(1_000_000..1_000_300, |seed| 200 + (seed % 400) as usize);
}

#[test]
fn generated_scripts_reach_every_final_state_refusal_and_engine_failure() {
    use deferred_model::trace::{Event, FinalState};
    use std::collections::BTreeMap;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut cycles = 0;
    for seed in 0..10_000u64 {
        let run = reference::run_detailed(&gen::script(seed, 1 + (seed % 60) as usize));
        cycles += usize::from(run.cancel_met_a_cycle);
        for e in run.trace {
            let key = match e {
                Event::Call {
                    side,
                    input: Err(tag),
                    ..
                } => format!("call {} err {tag}", side.as_str()),
                Event::Call { side, .. } => format!("call {} ok", side.as_str()),
                Event::Error { error, .. } => format!("refused {}", error.as_str()),
                Event::Final { state, .. } => format!("final {}", state.as_str()),
                Event::Unhandled { error, .. }
                    if error == "Cancelled" || error == "AlreadyChained" =>
                {
                    format!("unhandled {error}")
                }
                Event::Unhandled { .. } => "unhandled tag".to_owned(),
            };
            *seen.entry(key).or_default() += 1;
        }
    }
    eprintln!("{seen:#?}\ncancels meeting a cycle: {cycles}");
    let wanted = [
        "call cb ok",
        "call eb err Cancelled",
        "call eb err AlreadyChained",
        "refused AlreadyCalled",
        "refused NotPaused",
        "unhandled Cancelled",
        "unhandled AlreadyChained",
        "unhandled tag",
    ]
    .map(String::from)
    .into_iter()
    .chain(
        [
            FinalState::Pending,
            FinalState::Waiting,
            FinalState::Paused,
            FinalState::Fired,
            FinalState::Consumed,
        ]
        .map(|s| format!("final {}", s.as_str())),
    );
    for key in wanted {
        assert!(
            seen.get(&key).copied().unwrap_or(0) >= 20,
            "generated scripts rarely reach {key:?}"
        );
    }
    assert!(
        cycles > 0,
        "the generator should reach cancel of a waiting cycle"
    );
}

#[test]
fn code_built_scripts_with_bad_ids_run_the_same_on_both_without_panicking() {
    use deferred_model::{Handler, Op};
    let script = Script {
        deferreds: 2,
        ops: vec![
            Op::Callback { d: 9, value: 1 },
            Op::AddCallback {
                d: 0,
                cb: Handler::Chain(5),
            },
            Op::AddCallback {
                d: 1,
                cb: Handler::Chain(1),
            },
            Op::Callback { d: 0, value: 1 },
            Op::Callback { d: 1, value: 1 },
        ],
    };
    assert!(script.validate_ids().is_err());
    let model = reference::run(&script);
    assert_eq!(model, real::run(&script));
    let text = trace::to_jsonl(&model);
    assert!(
        text.contains("NoSuchDeferred") && text.contains("AlreadyChained"),
        "{text}"
    );
}
