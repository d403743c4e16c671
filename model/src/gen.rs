//! A small deterministic generator of valid scripts, for agreement tests:
//! the same `(seed, size)` always gives the same script, on every platform.
//!
//! The mix is tuned to reach the states where implementations go wrong:
//! Deferreds chained into each other (often before the inner one fires, so
//! the outer waits), the same Deferred chained twice (`AlreadyChained`),
//! Deferreds waiting on each other in a cycle, `cancel` of pending and
//! waiting Deferreds, counted and unbalanced `pause`/`unpause`, and fires of
//! already-fired Deferreds (late fires after a cancel among them).

use crate::script::{Handler, Op, Script, Tag};

/// SplitMix64: tiny, fast, and good enough to spread test cases.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0; 0 gives 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// An index into `weights`, picked in proportion to them.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut pick = self.next_u64() % total.max(1);
        for (i, &w) in weights.iter().enumerate() {
            if pick < u64::from(w) {
                return i;
            }
            pick -= u64::from(w);
        }
        weights.len().saturating_sub(1)
    }
}

const TAGS: [&str; 4] = ["E1", "E2", "Boom", "x_9"];
const ADDENDS: [i64; 7] = [1, 2, 10, -3, 1 << 62, i64::MAX, i64::MIN];

fn tag(rng: &mut Rng) -> Tag {
    Tag::trusted(TAGS[rng.below(TAGS.len())])
}

fn handler(rng: &mut Rng, own: usize, deferreds: usize, callback_side: bool) -> Handler {
    let weights: &[u32] = if callback_side {
        &[2, 5, 3, 2, 3]
    } else {
        &[3, 1, 4, 2, 3]
    };
    match rng.weighted(weights) {
        0 => Handler::Pass,
        1 => Handler::Add(ADDENDS[rng.below(ADDENDS.len())]),
        2 => Handler::Value(rng.below(106) as i64 - 5),
        3 => Handler::Raise(tag(rng)),
        _ if deferreds < 2 => Handler::Add(1),
        _ => {
            // Mostly forward (a line of Deferreds, like Twisted's common
            // use), sometimes backward, which can close a cycle.
            let forward = own + 1 < deferreds && rng.chance(80);
            let j = if forward {
                own + 1 + rng.below(deferreds - own - 1)
            } else {
                let j = rng.below(deferreds - 1);
                if j >= own {
                    j + 1
                } else {
                    j
                }
            };
            Handler::Chain(j)
        }
    }
}

/// A valid script of `size` ops on 1 to 16 Deferreds (mostly 6 or fewer), the same for the same
/// `(seed, size)`. `size` may exceed the parser's 10,000-op limit (the
/// runners accept any size).
///
/// ```
/// use deferred_model::{gen, parse_script};
///
/// let s = gen::script(7, 30);
/// assert_eq!(s.ops.len(), 30);
/// assert_eq!(parse_script(&s.to_json()).unwrap(), s);
/// ```
pub fn script(seed: u64, size: usize) -> Script {
    let mut rng = Rng::new(seed);
    // Mostly a few Deferreds, so that ops meet; sometimes more, for longer lines.
    let deferreds = 1 + if rng.chance(15) {
        rng.below(16)
    } else {
        rng.below(6)
    };
    let mut paused = vec![0u32; deferreds];
    // Which Deferreds an op has fired (or cancelled) so far.
    let mut fired = vec![false; deferreds];
    let mut ops = Vec::with_capacity(size);
    // Leave room for balancing unpauses, sometimes.
    let balance = rng.chance(60);
    while ops.len() < size {
        let room = size - ops.len();
        if balance && room <= paused.iter().map(|&p| p as usize).sum::<usize>() {
            let d = paused.iter().position(|&p| p > 0).unwrap_or(0);
            paused[d] = paused[d].saturating_sub(1);
            ops.push(Op::Unpause { d });
            continue;
        }
        let kind = rng.weighted(&[12, 14, 8, 6, 16, 10, 7, 7, 5]);
        let mut d = rng.below(deferreds);
        if (kind == 4 || kind == 5) && rng.chance(70) {
            // Mostly fire Deferreds no op has fired yet, so that fires do
            // more than collect AlreadyCalled refusals.
            let unfired: Vec<usize> = (0..deferreds).filter(|&i| !fired[i]).collect();
            if !unfired.is_empty() {
                d = unfired[rng.below(unfired.len())];
            }
        }
        if kind == 4 || kind == 5 || kind == 8 {
            fired[d] = true;
        }
        let op = match kind {
            0 => Op::AddCallbacks {
                d,
                cb: handler(&mut rng, d, deferreds, true),
                eb: handler(&mut rng, d, deferreds, false),
            },
            1 => Op::AddCallback {
                d,
                cb: handler(&mut rng, d, deferreds, true),
            },
            2 => Op::AddErrback {
                d,
                eb: handler(&mut rng, d, deferreds, false),
            },
            3 => {
                let callback_side = rng.chance(50);
                Op::AddBoth {
                    d,
                    h: handler(&mut rng, d, deferreds, callback_side),
                }
            }
            4 => Op::Callback {
                d,
                value: match rng.below(10) {
                    0 => i64::MAX,
                    1 => i64::MIN,
                    _ => rng.below(1011) as i64 - 10,
                },
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
                // Mostly balanced; one in five may be an unbalanced unpause.
                if paused[d] > 0 {
                    paused[d] -= 1;
                } else if !rng.chance(20) {
                    paused[d] += 1;
                    ops.push(Op::Pause { d });
                    continue;
                }
                Op::Unpause { d }
            }
            _ => Op::Cancel { d },
        };
        ops.push(op);
    }
    Script { deferreds, ops }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_script() {
        assert_eq!(script(42, 100), script(42, 100));
        assert_ne!(script(42, 100), script(43, 100));
    }

    #[test]
    fn generated_scripts_are_valid_and_exactly_sized() {
        for seed in 0..500 {
            let s = script(seed, (seed % 60) as usize);
            assert_eq!(s.ops.len(), (seed % 60) as usize);
            assert_eq!(crate::parse_script(&s.to_json()).unwrap(), s, "seed {seed}");
        }
    }

    #[test]
    fn every_op_and_handler_kind_is_generated() {
        let mut names = std::collections::BTreeSet::new();
        let mut kinds = std::collections::HashSet::new();
        for seed in 0..200 {
            for op in script(seed, 40).ops {
                names.insert(op.name());
                if let Some((cb, eb)) = op.handler_pair() {
                    for h in [cb, eb] {
                        kinds.insert(std::mem::discriminant(&h));
                    }
                }
            }
        }
        assert_eq!(names.len(), 9, "{names:?}");
        assert_eq!(kinds.len(), 5);
    }
}
