//! Shrinking a script that shows a disagreement: drop Deferreds and ops for
//! as long as the smaller script still shows it, so that what is left is
//! small enough to read and to keep as a fixture.

use deferred_model::{Handler, Op, Script};

/// The smallest script this finds, starting from `script`, for which
/// `still_fails` holds (`still_fails(script)` is assumed to). Tries, until
/// none helps: dropping each Deferred (its ops, the handlers that chain to
/// it, ids above it renumbered), then dropping runs of ops, halving the run
/// length down to single ops. Every candidate it asks about is a valid
/// script (ids in range, no `chain` to the handler's own Deferred).
pub fn shrink(script: &Script, mut still_fails: impl FnMut(&Script) -> bool) -> Script {
    let mut best = script.clone();
    loop {
        let before = (best.deferreds, best.ops.len());
        for d in (0..best.deferreds).rev() {
            if best.deferreds == 1 {
                break;
            }
            let candidate = without_deferred(&best, d);
            if still_fails(&candidate) {
                best = candidate;
            }
        }
        let mut run = best.ops.len().div_ceil(2).max(1);
        loop {
            let mut start = 0;
            while start < best.ops.len() {
                let mut candidate = best.clone();
                let end = (start + run).min(candidate.ops.len());
                candidate.ops.drain(start..end);
                if still_fails(&candidate) {
                    best = candidate;
                } else {
                    start += run;
                }
            }
            if run == 1 {
                break;
            }
            run = run.div_ceil(2);
        }
        if (best.deferreds, best.ops.len()) == before {
            return best;
        }
    }
}

/// `script` without Deferred `gone`: its ops and every op whose handlers
/// chain to it are dropped, and the ids above it move down by one.
pub fn without_deferred(script: &Script, gone: usize) -> Script {
    let renumber = |d: usize| if d > gone { d - 1 } else { d };
    let chains_to_gone = |h: &Handler| matches!(h, Handler::Chain(j) if *j == gone);
    let ops = script
        .ops
        .iter()
        .filter(|op| op.d() != gone)
        .filter(|op| {
            op.handler_pair()
                .is_none_or(|(cb, eb)| !chains_to_gone(&cb) && !chains_to_gone(&eb))
        })
        .map(|op| {
            let h = |h: &Handler| match h {
                Handler::Chain(j) => Handler::Chain(renumber(*j)),
                other => other.clone(),
            };
            match op {
                Op::Callback { d, value } => Op::Callback {
                    d: renumber(*d),
                    value: *value,
                },
                Op::Errback { d, error } => Op::Errback {
                    d: renumber(*d),
                    error: error.clone(),
                },
                Op::AddCallbacks { d, cb, eb } => Op::AddCallbacks {
                    d: renumber(*d),
                    cb: h(cb),
                    eb: h(eb),
                },
                Op::AddCallback { d, cb } => Op::AddCallback {
                    d: renumber(*d),
                    cb: h(cb),
                },
                Op::AddErrback { d, eb } => Op::AddErrback {
                    d: renumber(*d),
                    eb: h(eb),
                },
                Op::AddBoth { d, h: both } => Op::AddBoth {
                    d: renumber(*d),
                    h: h(both),
                },
                Op::Pause { d } => Op::Pause { d: renumber(*d) },
                Op::Unpause { d } => Op::Unpause { d: renumber(*d) },
                Op::Cancel { d } => Op::Cancel { d: renumber(*d) },
            }
        })
        .collect();
    Script {
        deferreds: script.deferreds - 1,
        ops,
    }
}

/// The script as the fixtures write it: one op a line, keys in the spec's
/// order, spaced as Python's `json.dumps` spaces them.
pub fn to_fixture_json(script: &Script) -> String {
    let ops: Vec<String> = script.ops.iter().map(op_json).collect();
    if ops.is_empty() {
        return format!("{{\"deferreds\": {}, \"ops\": []}}\n", script.deferreds);
    }
    format!(
        "{{\"deferreds\": {}, \"ops\": [\n  {}\n]}}\n",
        script.deferreds,
        ops.join(",\n  ")
    )
}

/// One op's JSON, spaced: `Script::to_json` (the one writer of the
/// language) on a one-op script, the op cut out of it.
fn op_json(op: &Op) -> String {
    let one = Script {
        deferreds: 1,
        ops: vec![op.clone()],
    }
    .to_json();
    let compact = one
        .strip_prefix("{\"deferreds\":1,\"ops\":[")
        .and_then(|rest| rest.strip_suffix("]}"))
        .unwrap_or(&one);
    spaced(compact)
}

/// Compact JSON spaced after each `:` and `,` that is not inside a string.
fn spaced(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 5 / 4);
    let (mut in_string, mut escaped) = (false, false);
    for c in compact.chars() {
        out.push(c);
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ':' || c == ',' {
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use deferred_model::{parse_script, Tag};

    fn valid(script: &Script) -> bool {
        parse_script(&script.to_json()).as_ref() == Ok(script)
    }

    /// A script on four Deferreds with a late fire after a cancel on d2,
    /// buried among unrelated ops.
    fn noisy() -> Script {
        let tag = Tag::new("E1").unwrap();
        Script {
            deferreds: 4,
            ops: vec![
                Op::AddCallback {
                    d: 0,
                    cb: Handler::Chain(3),
                },
                Op::Pause { d: 1 },
                Op::Cancel { d: 2 },
                Op::Errback { d: 0, error: tag },
                Op::AddBoth {
                    d: 3,
                    h: Handler::Add(2),
                },
                Op::Callback { d: 2, value: 7 },
                Op::Unpause { d: 1 },
                Op::Callback { d: 3, value: 1 },
            ],
        }
    }

    /// "Some Deferred is cancelled and later called back."
    fn late_fire(script: &Script) -> bool {
        script.ops.iter().enumerate().any(|(i, op)| {
            matches!(op, Op::Cancel { .. })
                && script.ops[i + 1..]
                    .iter()
                    .any(|later| matches!(later, Op::Callback { d, .. } if *d == op.d()))
        })
    }

    #[test]
    fn shrinking_keeps_only_what_the_failure_needs() {
        let small = shrink(&noisy(), late_fire);
        assert_eq!(
            small,
            Script {
                deferreds: 1,
                ops: vec![Op::Cancel { d: 0 }, Op::Callback { d: 0, value: 7 }],
            }
        );
    }

    #[test]
    fn every_candidate_is_a_valid_script_and_the_result_still_fails() {
        let mut asked = 0;
        let small = shrink(&noisy(), |candidate| {
            asked += 1;
            assert!(valid(candidate), "invalid candidate {candidate:?}");
            late_fire(candidate)
        });
        assert!(late_fire(&small));
        assert!(asked > 3, "the shrinker tried only {asked} candidates");
    }

    #[test]
    fn a_failure_that_needs_nothing_shrinks_to_one_deferred_and_no_ops() {
        let small = shrink(&noisy(), |_| true);
        assert_eq!(
            small,
            Script {
                deferreds: 1,
                ops: vec![]
            }
        );
    }

    #[test]
    fn a_script_nothing_can_be_dropped_from_comes_back_unchanged() {
        let script = noisy();
        assert_eq!(shrink(&script, |s| *s == script), script);
    }

    #[test]
    fn dropping_a_deferred_drops_its_ops_and_chains_and_renumbers_the_rest() {
        let script = noisy();
        // d3 goes: the chain to it (op 0) and its own ops (4, 7) go too.
        let without_3 = without_deferred(&script, 3);
        assert_eq!(without_3.deferreds, 3);
        assert_eq!(
            without_3.ops,
            vec![
                script.ops[1].clone(),
                script.ops[2].clone(),
                script.ops[3].clone(),
                script.ops[5].clone(),
                script.ops[6].clone()
            ]
        );
        // d1 goes: d2 and d3 become d1 and d2, and the chain follows.
        let without_1 = without_deferred(&script, 1);
        assert!(valid(&without_1));
        assert_eq!(
            without_1.ops[0],
            Op::AddCallback {
                d: 0,
                cb: Handler::Chain(2)
            }
        );
        assert_eq!(without_1.ops[1], Op::Cancel { d: 1 });
    }

    #[test]
    fn fixture_json_is_one_op_a_line_and_reads_back() {
        let script = noisy();
        let text = to_fixture_json(&script);
        assert!(
            text.starts_with(concat!(
                "{\"deferreds\": 4, \"ops\": [\n",
                "  {\"op\": \"add_callback\", \"d\": 0, \"cb\": {\"k\": \"chain\", \"d\": 3}},\n"
            )),
            "{text}"
        );
        assert_eq!(text.lines().count(), script.ops.len() + 2);
        assert_eq!(parse_script(&text).unwrap(), script);
        let empty = Script {
            deferreds: 1,
            ops: vec![],
        };
        assert_eq!(parse_script(&to_fixture_json(&empty)).unwrap(), empty);
    }
}
