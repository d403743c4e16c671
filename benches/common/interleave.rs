//! A small runner that times contenders *interleaved in one run*, so that a
//! slow phase of a shared machine hits every contender alike instead of
//! whichever one criterion happened to be timing in its own window.
//!
//! A [`Comparison`] is one goal's question: our implementation (the first
//! [`Contender`]) against its peers, all computing the same values. The
//! runner:
//!
//! 1. warms every contender up, then sizes its sample (how many operations
//!    take about [`Mode::short_sample`], or [`Mode::long_sample`] for
//!    contenders that hand work to other threads);
//! 2. runs rounds (as many as fit in [`Mode::budget`]); in each, every contender takes
//!    [`Mode::samples_per_round`] samples, one contender after the other
//!    (A B C A B C …), the order rotated by one each round so no contender
//!    always follows the same one;
//! 3. checks the checksum every sample returns against the comparison's
//!    [`expect`](Comparison::expect) function (so no work is skipped, lost,
//!    or optimised away, and every contender computed the same thing);
//! 4. per round, takes each contender's median time per unit, and the
//!    ratio ours ÷ peer of those medians;
//! 5. reports, per contender, the median over rounds of its round medians,
//!    and per peer, the median of the per-round ratios with its spread
//!    (quartiles and extremes), judged against the goal.
//!
//! A ratio below 1 means we are faster. Times are per *unit* (a job, a hop,
//! a link), an operation being [`Comparison::units_per_op`] units.

#![allow(dead_code)] // each bench uses part of it

use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// How long and how often to measure.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    /// Printed, and recorded in the JSON.
    pub name: &'static str,
    /// Each contender runs this long before sizing.
    pub warm_up: Duration,
    /// About how long one sample takes (at least one operation) where
    /// everything runs on the calling thread. Short, so that most samples
    /// fit between two preemptions on a loaded machine and the medians set
    /// the preempted ones aside.
    pub short_sample: Duration,
    /// The same where work goes to other threads
    /// ([`Comparison::threads`]): long enough that waking a sleeping
    /// thread at the start of a sample is a small part of it.
    pub long_sample: Duration,
    /// Rounds go on until they have taken this long in all (within `rounds`).
    pub budget: Duration,
    /// The fewest and the most rounds per comparison.
    pub rounds: (usize, usize),
    /// Samples of each contender per round.
    pub samples_per_round: usize,
}

impl Mode {
    /// A few seconds per comparison: for a quick look, and for checking
    /// that a change moves a ratio.
    pub const QUICK: Mode = Mode {
        name: "quick",
        warm_up: Duration::from_millis(200),
        short_sample: Duration::from_micros(250),
        long_sample: Duration::from_millis(2),
        budget: Duration::from_secs(3),
        rounds: (7, 1000),
        samples_per_round: 7,
    };

    /// About half a minute per comparison: the figures for the docs.
    pub const FULL: Mode = Mode {
        name: "full",
        warm_up: Duration::from_secs(1),
        short_sample: Duration::from_micros(250),
        long_sample: Duration::from_millis(5),
        budget: Duration::from_secs(25),
        rounds: (21, 10_000),
        samples_per_round: 7,
    };

    /// One operation of each contender, its checksum checked, nothing timed:
    /// what `cargo test` runs.
    pub const SMOKE: Mode = Mode {
        name: "smoke",
        warm_up: Duration::ZERO,
        short_sample: Duration::ZERO,
        long_sample: Duration::ZERO,
        budget: Duration::ZERO,
        rounds: (1, 1),
        samples_per_round: 1,
    };
}

/// Runs `ops` operations starting from `seed`; returns the checksum of
/// their results.
pub type Run<'a> = Box<dyn FnMut(u64, u64) -> u64 + 'a>;

/// One implementation of a comparison's workload.
pub struct Contender<'a> {
    /// Its name in the table.
    pub name: &'static str,
    /// The workload: `run(ops, seed)` returns the checksum.
    pub run: Run<'a>,
    /// What it is held to (peers only; ignored for ours, the first).
    pub goal: Goal,
}

impl<'a> Contender<'a> {
    /// A contender with no goal (ours, or a peer shown for reference).
    pub fn new(name: &'static str, run: impl FnMut(u64, u64) -> u64 + 'a) -> Self {
        Contender {
            name,
            run: Box::new(run),
            goal: Goal::None,
        }
    }

    /// The same, held to `goal`.
    pub fn with_goal(mut self, goal: Goal) -> Self {
        self.goal = goal;
        self
    }
}

/// What a peer's line of the table is judged by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// Shown for reference (a floor, a second peer): no verdict.
    None,
    /// The median per-round ratio ours ÷ peer (time) is at most this.
    RatioAtMost(f64),
    /// Our median time per unit is at most this many nanoseconds (the ratio
    /// to this peer is shown beside it).
    OursAtMostNs(f64),
}

impl Goal {
    fn describe(self) -> String {
        match self {
            Goal::None => "-".into(),
            Goal::RatioAtMost(r) => format!("ratio ≤ {r:.2}"),
            Goal::OursAtMostNs(ns) => format!("ours ≤ {}", format_ns(ns)),
        }
    }
}

/// One goal's question: ours against peers, on the same workload.
pub struct Comparison<'a> {
    /// Short id (used by the command line filter and the JSON).
    pub id: &'static str,
    /// What is measured, for the table.
    pub title: &'static str,
    /// What one unit is ("job", "round trip", "hop", …).
    pub unit: &'static str,
    /// Units in one operation (a batch of 20,000 jobs is 20,000 units).
    pub units_per_op: u64,
    /// The contenders hand work to other threads: samples are
    /// [`Mode::long_sample`] long.
    pub threads: bool,
    /// Pause between two samples (outside the timing), for rows where a
    /// contender's threads may still be spinning after its sample.
    pub settle: Duration,
    /// The checksum `ops` operations from `seed` must return.
    pub expect: fn(u64, u64) -> u64,
    /// Ours first, then the peers.
    pub contenders: Vec<Contender<'a>>,
}

/// Quantiles of a set of numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub p25: f64,
    pub p75: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// The spread of `xs` (linear interpolation between order statistics).
    pub fn of(xs: &[f64]) -> Spread {
        assert!(!xs.is_empty(), "a spread needs at least one number");
        let mut xs = xs.to_vec();
        xs.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let at = p * (xs.len() - 1) as f64;
            let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
            xs[lo] + (xs[hi] - xs[lo]) * (at - lo as f64)
        };
        Spread {
            median: q(0.5),
            p25: q(0.25),
            p75: q(0.75),
            min: xs[0],
            max: xs[xs.len() - 1],
        }
    }
}

/// The median of `xs`.
pub fn median(xs: &[f64]) -> f64 {
    Spread::of(xs).median
}

/// What a comparison found about one contender.
#[derive(Debug, Clone)]
pub struct ContenderResult {
    pub name: &'static str,
    /// Operations per sample, as sized.
    pub ops_per_sample: u64,
    /// Its round medians, ns per unit.
    pub ns_per_unit: Spread,
    /// Ratio ours ÷ this contender, one per round (absent for ours).
    pub ratio: Option<Spread>,
    pub goal: Goal,
    /// `Some(true)` met, `Some(false)` missed, `None` no goal.
    pub met: Option<bool>,
    /// The goal lies inside the ratio's (or our time's) interquartile range:
    /// another run may well judge the other way.
    pub straddles: bool,
}

/// What a comparison found.
#[derive(Debug, Clone)]
pub struct ComparisonResult {
    pub id: &'static str,
    pub title: &'static str,
    pub unit: &'static str,
    pub units_per_op: u64,
    pub rounds: usize,
    pub samples_per_round: usize,
    pub wall: Duration,
    /// Ours first.
    pub contenders: Vec<ContenderResult>,
}

/// Samples taken to size a contender's sample, after its warm-up.
const SIZING_SAMPLES: usize = 5;

/// Runs one sample; panics (naming the contender) if its checksum is wrong.
fn sample(
    comparison_id: &str,
    contender: &mut Contender<'_>,
    expect: fn(u64, u64) -> u64,
    ops: u64,
    seed: u64,
) -> Duration {
    let start = Instant::now();
    let got = (contender.run)(ops, seed);
    let took = start.elapsed();
    let want = expect(ops, seed);
    assert_eq!(
        got, want,
        "{comparison_id}/{}: checksum of {ops} operations from seed {seed} is {got}, expected {want}: work was lost or computed wrong",
        contender.name
    );
    took
}

/// Runs `comparison` in `mode`. In [`Mode::SMOKE`] every contender runs one
/// operation, checked, and the times mean nothing.
pub fn run(mode: Mode, mut comparison: Comparison<'_>) -> ComparisonResult {
    assert!(
        comparison.contenders.len() >= 2,
        "{}: ours and at least one peer",
        comparison.id
    );
    let started = Instant::now();
    let id = comparison.id;
    let expect = comparison.expect;
    let mut seed: u64 = 1;
    let mut next_seed = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 16
    };

    // Warm up, then size each contender's sample.
    let mut ops_per_sample = Vec::new();
    let target = if comparison.threads {
        mode.long_sample
    } else {
        mode.short_sample
    };
    for contender in &mut comparison.contenders {
        let warm_until = Instant::now() + mode.warm_up;
        if target.is_zero() {
            // Smoke: the one round's one operation, checked, is all.
            ops_per_sample.push(1);
            continue;
        }
        // Double the operations until a sample takes half the target, and
        // keep sampling until the warm-up time is over.
        let mut ops = 1;
        loop {
            let took = sample(id, contender, expect, ops, next_seed());
            if took * 2 < target {
                ops *= 2;
            } else if Instant::now() >= warm_until {
                break;
            }
        }
        // Size from the fastest of a few samples: a preempted one would
        // shrink every later sample.
        let per_op = (0..SIZING_SAMPLES)
            .map(|_| sample(id, contender, expect, ops, next_seed()).as_secs_f64() / ops as f64)
            .fold(f64::INFINITY, f64::min);
        ops = ((target.as_secs_f64() / per_op.max(1e-12)).ceil() as u64).max(1);
        ops_per_sample.push(ops);
    }
    let n = comparison.contenders.len();

    // Rounds, interleaved, order rotated per round, until the budget is
    // spent (between the fewest and the most rounds).
    let rounds_started = Instant::now();
    let mut round_medians: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut rounds = 0;
    while rounds < mode.rounds.0
        || (rounds < mode.rounds.1 && rounds_started.elapsed() < mode.budget)
    {
        let round = rounds;
        rounds += 1;
        let order: Vec<usize> = (0..n).map(|k| (k + round) % n).collect();
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); n];
        for _ in 0..mode.samples_per_round {
            for &c in &order {
                if !comparison.settle.is_zero() {
                    std::thread::sleep(comparison.settle);
                }
                let ops = ops_per_sample[c];
                let took = sample(id, &mut comparison.contenders[c], expect, ops, next_seed());
                let units = (ops * comparison.units_per_op) as f64;
                times[c].push(took.as_secs_f64() * 1e9 / units);
            }
        }
        for (c, t) in times.iter().enumerate() {
            round_medians[c].push(median(t));
        }
    }

    let ours = &round_medians[0];
    let ours_spread = Spread::of(ours);
    let contenders = comparison
        .contenders
        .iter()
        .enumerate()
        .map(|(c, contender)| {
            let ns_per_unit = Spread::of(&round_medians[c]);
            if c == 0 {
                return ContenderResult {
                    name: contender.name,
                    ops_per_sample: ops_per_sample[c],
                    ns_per_unit,
                    ratio: None,
                    goal: Goal::None,
                    met: None,
                    straddles: false,
                };
            }
            let ratios: Vec<f64> = ours
                .iter()
                .zip(&round_medians[c])
                .map(|(o, p)| o / p)
                .collect();
            let ratio = Spread::of(&ratios);
            let (met, straddles) = match contender.goal {
                Goal::None => (None, false),
                Goal::RatioAtMost(r) => (Some(ratio.median <= r), ratio.p25 <= r && r <= ratio.p75),
                Goal::OursAtMostNs(ns) => (
                    Some(ours_spread.median <= ns),
                    ours_spread.p25 <= ns && ns <= ours_spread.p75,
                ),
            };
            ContenderResult {
                name: contender.name,
                ops_per_sample: ops_per_sample[c],
                ns_per_unit,
                ratio: Some(ratio),
                goal: contender.goal,
                met,
                straddles,
            }
        })
        .collect();
    ComparisonResult {
        id,
        title: comparison.title,
        unit: comparison.unit,
        units_per_op: comparison.units_per_op,
        rounds,
        samples_per_round: mode.samples_per_round,
        wall: started.elapsed(),
        contenders,
    }
}

/// `1.23 µs`, `45.6 ns`, `7.89 ms`.
pub fn format_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

impl ComparisonResult {
    /// The markdown rows of this comparison: one per peer.
    pub fn table_rows(&self, out: &mut String) {
        let ours = &self.contenders[0];
        for peer in &self.contenders[1..] {
            let ratio = peer.ratio.expect("peers have a ratio");
            let verdict = match peer.met {
                None => "-".to_string(),
                Some(met) => {
                    let word = if met { "**met**" } else { "**missed**" };
                    if peer.straddles {
                        format!("{word} (goal inside the spread)")
                    } else {
                        word.to_string()
                    }
                }
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {:.2}× ({:.2}–{:.2}) | {} | {} |",
                self.title,
                markdown_name(peer.name),
                format_ns(ours.ns_per_unit.median),
                format_ns(peer.ns_per_unit.median),
                ratio.median,
                ratio.p25,
                ratio.p75,
                peer.goal.describe(),
                verdict,
            );
        }
    }

    /// This comparison as a JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        let spread = |s: &Spread| {
            serde_json::json!({
                "median": s.median, "p25": s.p25, "p75": s.p75, "min": s.min, "max": s.max,
            })
        };
        let contenders: Vec<_> = self
            .contenders
            .iter()
            .map(|c| {
                let goal = match c.goal {
                    Goal::None => serde_json::Value::Null,
                    Goal::RatioAtMost(r) => serde_json::json!({"ratio_at_most": r}),
                    Goal::OursAtMostNs(ns) => serde_json::json!({"ours_at_most_ns": ns}),
                };
                serde_json::json!({
                    "name": c.name,
                    "ops_per_sample": c.ops_per_sample,
                    "ns_per_unit": spread(&c.ns_per_unit),
                    "ratio_ours_over_this": c.ratio.as_ref().map(spread),
                    "goal": goal,
                    "met": c.met,
                    "goal_inside_spread": c.straddles,
                })
            })
            .collect();
        serde_json::json!({
            "id": self.id,
            "title": self.title,
            "unit": self.unit,
            "units_per_op": self.units_per_op,
            "rounds": self.rounds,
            "samples_per_round": self.samples_per_round,
            "wall_s": self.wall.as_secs_f64(),
            "contenders": contenders,
        })
    }
}

/// A contender's name for a markdown cell: in backticks if it holds a
/// type (`<` would otherwise read as HTML).
fn markdown_name(name: &str) -> String {
    if name.contains('<') {
        format!("`{name}`")
    } else {
        name.to_string()
    }
}

/// The table's header.
pub const TABLE_HEADER: &str = "| work | peer | ours | peer | ours ÷ peer, median of rounds (IQR) | goal | verdict |\n|---|---|---|---|---|---|---|\n";

/// Checks the runner itself (run by the smoke mode, so by `cargo test`):
/// the quantiles, and that a contender that loses work stops the run.
pub fn self_test() {
    let s = Spread::of(&[4.0, 1.0, 3.0, 2.0, 5.0]);
    assert_eq!(
        (s.min, s.p25, s.median, s.p75, s.max),
        (1.0, 2.0, 3.0, 4.0, 5.0)
    );
    assert_eq!(Spread::of(&[1.0, 2.0]).median, 1.5);
    assert_eq!(Spread::of(&[7.0]).p75, 7.0);

    let expect: fn(u64, u64) -> u64 = |ops, seed| (0..ops).map(|o| seed + o).sum();
    let honest = |ops: u64, seed: u64| (0..ops).map(|o| seed + o).sum();
    let lossy = |ops: u64, seed: u64| (0..ops).skip(1).map(|o| seed + o).sum();
    let comparison = |peer: Run<'static>| Comparison {
        id: "self_test",
        title: "self test",
        unit: "op",
        units_per_op: 1,
        threads: false,
        settle: Duration::ZERO,
        expect,
        contenders: vec![
            Contender::new("honest", honest),
            Contender {
                name: "peer",
                run: peer,
                goal: Goal::RatioAtMost(1.0),
            },
        ],
    };
    let result = run(Mode::SMOKE, comparison(Box::new(honest)));
    assert_eq!(result.contenders.len(), 2);
    assert!(result.contenders[1].ratio.is_some());

    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let caught = std::panic::catch_unwind(|| run(Mode::SMOKE, comparison(Box::new(lossy))));
    std::panic::set_hook(quiet);
    let message = caught.expect_err("a contender that loses work must stop the run");
    let message = message
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or_default();
    assert!(message.contains("self_test/peer"), "{message}");
}
