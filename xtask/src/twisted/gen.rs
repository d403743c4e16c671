//! Random op scripts that stay where Twisted and a typed implementation can
//! agree: the project's port of the shared oracle's `gen.py`.
//!
//! `deferred_model::gen` aims at the corners where implementations go wrong,
//! cycles and `AlreadyChained` among them, where the spec deliberately parts
//! from Twisted (model/fixtures/README.md). Here a `chain` handler only ever
//! points forward, at a Deferred nothing has chained yet, and handlers are
//! not added to a Deferred once it is chained, so a disagreement with Twisted
//! is a finding, not a known deviation.

use deferred_model::gen::Rng;
use deferred_model::{Handler, Op, Script, Tag};

const TAGS: [&str; 4] = ["E1", "E2", "Boom", "x_9"];
const ADDENDS: [i64; 5] = [1, 2, 10, -3, 1 << 62];

fn tag(rng: &mut Rng) -> Tag {
    Tag::new(TAGS[rng.below(TAGS.len())]).expect("the tag constants follow the rules")
}

/// A number in `low..=high`.
fn between(rng: &mut Rng, low: i64, high: i64) -> i64 {
    low + rng.below((high - low + 1) as usize) as i64
}

/// A handler for a pair added to Deferred `own`; `chained` marks the
/// Deferreds some `chain` handler already returns.
fn handler(rng: &mut Rng, own: usize, chained: &mut [bool], callback_side: bool) -> Handler {
    let weights: &[u32] = if callback_side {
        &[2, 5, 3, 2, 2]
    } else {
        &[3, 1, 4, 2, 2]
    };
    let mut kind = rng.weighted(weights);
    if kind == 4 {
        let targets: Vec<usize> = (own + 1..chained.len()).filter(|&j| !chained[j]).collect();
        if targets.is_empty() {
            kind = 1;
        } else {
            let j = targets[rng.below(targets.len())];
            chained[j] = true;
            return Handler::Chain(j);
        }
    }
    match kind {
        0 => Handler::Pass,
        1 => Handler::Add(ADDENDS[rng.below(ADDENDS.len())]),
        2 => Handler::Value(between(rng, -5, 100)),
        _ => Handler::Raise(tag(rng)),
    }
}

/// The script for `seed`: 1 to 6 Deferreds, 1 to 40 ops (plus the unpauses
/// that balance the pauses, for 60% of the scripts). The same seed gives the
/// same script.
pub fn script(seed: u64) -> Script {
    let mut rng = Rng::new(seed);
    let deferreds = 1 + rng.below(6);
    let size = 1 + rng.below(40);
    let mut chained = vec![false; deferreds];
    let mut paused = vec![0usize; deferreds];
    let mut ops = Vec::with_capacity(size);
    for _ in 0..size {
        let d = rng.below(deferreds);
        // add_callbacks, add_callback, add_errback, add_both, callback,
        // errback, pause, unpause, cancel
        let mut kind = rng.weighted(&[12, 14, 8, 6, 16, 10, 7, 7, 4]);
        if kind <= 3 && chained[d] {
            kind = [4, 5, 6][rng.below(3)];
        }
        if kind == 7 && paused[d] == 0 {
            kind = 6;
        }
        let op = match kind {
            0 => Op::AddCallbacks {
                d,
                cb: handler(&mut rng, d, &mut chained, true),
                eb: handler(&mut rng, d, &mut chained, false),
            },
            1 => Op::AddCallback {
                d,
                cb: handler(&mut rng, d, &mut chained, true),
            },
            2 => Op::AddErrback {
                d,
                eb: handler(&mut rng, d, &mut chained, false),
            },
            3 => Op::AddBoth {
                d,
                h: handler(&mut rng, d, &mut chained, true),
            },
            4 => Op::Callback {
                d,
                value: between(&mut rng, -10, 1000),
            },
            5 => Op::Errback {
                d,
                error: tag(&mut rng),
            },
            6 => {
                paused[d] += 1;
                Op::Pause { d }
            }
            7 => {
                paused[d] -= 1;
                Op::Unpause { d }
            }
            _ => Op::Cancel { d },
        };
        ops.push(op);
    }
    // Balance the pauses now and then, so that chains get to run to the end.
    if rng.chance(60) {
        for (d, &count) in paused.iter().enumerate() {
            ops.extend(std::iter::repeat_n(Op::Unpause { d }, count));
        }
    }
    Script { deferreds, ops }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deferred_model::parse_script;

    #[test]
    fn the_same_seed_gives_the_same_script() {
        assert_eq!(script(42), script(42));
        assert_ne!(script(42), script(43));
    }

    #[test]
    fn every_script_is_valid_and_reads_back_from_its_json() {
        for seed in 0..2_000 {
            let s = script(seed);
            assert!((1..=6).contains(&s.deferreds), "seed {seed}");
            assert!(!s.ops.is_empty(), "seed {seed}");
            assert_eq!(parse_script(&s.to_json()).unwrap(), s, "seed {seed}");
        }
    }

    /// The two rules that keep scripts out of the spec's known deviations.
    #[test]
    fn chains_point_forward_at_most_once_and_chained_deferreds_get_no_handlers() {
        let mut chains = 0;
        for seed in 0..2_000 {
            let s = script(seed);
            let mut chained = vec![false; s.deferreds];
            for op in &s.ops {
                let Some((cb, eb)) = op.handler_pair() else {
                    continue;
                };
                assert!(
                    !chained[op.d()],
                    "seed {seed}: handler on a chained Deferred"
                );
                let mut targets: Vec<usize> = [cb, eb]
                    .into_iter()
                    .filter_map(|h| match h {
                        Handler::Chain(j) => Some(j),
                        _ => None,
                    })
                    .collect();
                if matches!(op, Op::AddBoth { .. }) {
                    targets.dedup();
                }
                for j in targets {
                    assert!(j > op.d(), "seed {seed}: chain backward");
                    assert!(!chained[j], "seed {seed}: d{j} chained twice");
                    chained[j] = true;
                    chains += 1;
                }
            }
        }
        assert!(chains > 500, "too few chains to be worth it: {chains}");
    }
}
