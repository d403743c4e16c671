//! Rule 7: long chains run, and are dropped, without growing the stack, in
//! both implementations. Scripts built in code go past the parser's size
//! limits (64 Deferreds, 10,000 ops); everything runs on a 256 KiB stack.

use deferred_model::trace::{Event, FinalState};
use deferred_model::{real, reference, Handler, Op, Script};

const SMALL_STACK: usize = 256 * 1024;

fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .unwrap()
        .join()
        .expect("ran without overflowing a 256 KiB stack")
}

/// Runs `script` on both implementations (each on a small stack), checks
/// they agree, and returns the trace.
fn both(script: Script) -> Vec<Event> {
    let script = std::sync::Arc::new(script);
    let s = std::sync::Arc::clone(&script);
    let model = on_small_stack(move || reference::run(&s));
    let s = std::sync::Arc::clone(&script);
    let real = on_small_stack(move || real::run(&s));
    assert!(model == real, "model and real disagree on a large script");
    model
}

fn final_of(trace: &[Event], d: usize) -> (FinalState, Option<Result<i64, String>>) {
    trace
        .iter()
        .find_map(|e| match e {
            Event::Final {
                d: x,
                state,
                result,
            } if *x == d => Some((*state, result.clone())),
            _ => None,
        })
        .unwrap()
}

#[test]
fn a_million_handlers_on_one_deferred_run_in_order() {
    let n = 1_000_000;
    let mut ops: Vec<Op> = (0..n)
        .map(|_| Op::AddCallback {
            d: 0,
            cb: Handler::Add(1),
        })
        .collect();
    ops.push(Op::Callback { d: 0, value: 0 });
    let trace = both(Script { deferreds: 1, ops });
    assert_eq!(final_of(&trace, 0), (FinalState::Fired, Some(Ok(n as i64))));
}

#[test]
fn handlers_added_one_by_one_to_a_fired_deferred_each_run_at_once() {
    let n = 100_000;
    let mut ops = vec![Op::Callback { d: 0, value: 0 }];
    ops.extend((0..n).map(|i| Op::AddBoth {
        d: 0,
        h: if i % 2 == 0 {
            Handler::Add(1)
        } else {
            Handler::Pass
        },
    }));
    let trace = both(Script { deferreds: 1, ops });
    assert_eq!(
        final_of(&trace, 0),
        (FinalState::Fired, Some(Ok(n as i64 / 2)))
    );
}

/// Deferreds `0..n`, each one's callback returning the next, all fired but
/// the last, so that each waits on the next: a line `n` long.
fn waiting_line(n: usize) -> Vec<Op> {
    let mut ops: Vec<Op> = (0..n - 1)
        .map(|i| Op::AddCallback {
            d: i,
            cb: Handler::Chain(i + 1),
        })
        .collect();
    ops.extend((0..n - 1).map(|i| Op::Callback { d: i, value: 0 }));
    ops
}

#[test]
fn a_result_handed_back_along_a_line_of_300_000_waiting_deferreds_reaches_the_head() {
    let n = 300_000;
    let mut ops = waiting_line(n);
    ops.push(Op::Callback { d: n - 1, value: 7 });
    let trace = both(Script { deferreds: n, ops });
    assert_eq!(final_of(&trace, 0), (FinalState::Fired, Some(Ok(7))));
    assert_eq!(final_of(&trace, n / 2).0, FinalState::Consumed);
}

#[test]
fn cancel_of_the_head_of_a_long_waiting_line_cancels_its_far_end() {
    let n = 300_000;
    let mut ops = waiting_line(n);
    ops.push(Op::Cancel { d: 0 });
    let trace = both(Script { deferreds: n, ops });
    assert_eq!(
        final_of(&trace, 0),
        (FinalState::Fired, Some(Err("Cancelled".into())))
    );
    assert!(matches!(trace.last(), Some(Event::Unhandled { d: 0, .. })));
}

#[test]
fn a_long_waiting_line_that_never_fires_is_dropped_without_overflow() {
    let n = 300_000;
    let trace = both(Script {
        deferreds: n,
        ops: waiting_line(n),
    });
    assert_eq!(final_of(&trace, 0).0, FinalState::Waiting);
    assert_eq!(final_of(&trace, n - 1).0, FinalState::Pending);
}

#[test]
fn a_line_of_already_fired_deferreds_is_taken_link_by_link() {
    // Each Deferred's callback returns the next, which already holds a
    // result; fired from the far end, every chain is taken at once.
    let n = 300_000;
    let mut ops: Vec<Op> = (0..n - 1)
        .map(|i| Op::AddCallback {
            d: i,
            cb: Handler::Chain(i + 1),
        })
        .collect();
    ops.extend((0..n).rev().map(|i| Op::Callback {
        d: i,
        value: i as i64,
    }));
    let trace = both(Script { deferreds: n, ops });
    assert_eq!(
        final_of(&trace, 0),
        (FinalState::Fired, Some(Ok(n as i64 - 1)))
    );
}

#[test]
fn parser_limits_in_full_run_on_both() {
    // The largest script the parser accepts: 64 Deferreds, 10,000 ops.
    let script = deferred_model::gen::script(99, deferred_model::script::MAX_OPS);
    let script = deferred_model::parse_script(&script.to_json()).unwrap();
    let mut line = waiting_line(64);
    line.push(Op::Callback { d: 63, value: 1 });
    let line = Script {
        deferreds: 64,
        ops: line,
    };
    deferred_model::parse_script(&line.to_json()).unwrap();
    for s in [script, line] {
        both(s);
    }
}
