//! `cargo xtask twisted`: the differential check against real Twisted.
//!
//! Four parts, all on the pinned Twisted of `oracle/requirements.txt`
//! (`.venv-twisted/`, made on first use):
//!
//! 1. generated op scripts (`gen`) run on Twisted
//!    (`oracle/twisted_replay.py`), on `replay` and on `replay --model`;
//!    the traces must be byte-identical. The first script that disagrees is
//!    shrunk (`shrink`) and saved, with both traces, under
//!    `target/twisted/` as a fixture candidate;
//! 2. every fixture in `model/fixtures/` must be what Twisted prints, or
//!    deviate exactly as `oracle/deviations/` records (`fixtures`);
//! 3. every per-feature script `tests/twisted/<feature>.py` must print its
//!    `tests/twisted/expected/<feature>.txt` (`features`; `--bless`
//!    rewrites those files);
//! 4. every Python listing of `docs/from-twisted.md` that has a `text` block
//!    must print that block (`listings`; the doc is edited by hand, never
//!    blessed).
//!
//! Exits 0 only when all four agree; 1 on any disagreement or when the
//! environment cannot be had; 2 on bad arguments.

mod features;
mod fixtures;
mod gen;
mod listings;
mod oracle;
mod shrink;
mod venv;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use deferred_model::gen::Rng;
use deferred_model::Script;

use crate::step::{self, cargo, fmt_duration, header, root, Row, Verdict};
use oracle::{Answer, Engine, Replay, Twisted};
use venv::Missing;

/// The knobs (`cargo xtask twisted --help`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// How many generated scripts to compare.
    pub scripts: u64,
    /// The seed of the generated scripts.
    pub seed: u64,
    /// Rewrite `tests/twisted/expected/` instead of comparing.
    pub bless: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            scripts: 2_000,
            seed: 1,
            bless: false,
        }
    }
}

const USAGE: &str = "usage: cargo xtask twisted [--scripts N] [--seed S] [--bless]

Compares the project with real Twisted (pinned in oracle/requirements.txt;
.venv-twisted/ is made on first use):
  - N generated op scripts on Twisted, `replay` and `replay --model`; the
    first disagreeing script is shrunk and saved in target/twisted/;
  - every fixture in model/fixtures/ (deviations: oracle/deviations/);
  - every tests/twisted/<feature>.py against tests/twisted/expected/;
  - every Python listing of docs/from-twisted.md against its `text` block
    (harnesses: tests/twisted/listings/).

  --scripts N   generated scripts to compare (default 2000; 0 for none)
  --seed S      seed of the generated scripts (default 1)
  --bless       rewrite tests/twisted/expected/ from Twisted's output
  -h, --help    this text";

/// Reads the arguments after `twisted`.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            args.next()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--scripts" => options.scripts = number("--scripts")?,
            "--seed" => options.seed = number("--seed")?,
            "--bless" => options.bless = true,
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(options)
}

/// The entry point.
pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse(args) {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("xtask twisted: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let row = layer(&options);
    if row.verdict == Verdict::Pass {
        ExitCode::SUCCESS
    } else {
        eprintln!("xtask twisted: {}", row.note);
        ExitCode::FAILURE
    }
}

/// The whole check as one row of `verify`'s table: PASS, FAIL, or SKIPPED
/// (with the reason) when Python or the environment cannot be had.
pub fn layer(options: &Options) -> Row {
    let start = Instant::now();
    let mut command = format!("cargo xtask twisted --scripts {}", options.scripts);
    if options.seed != Options::default().seed {
        command.push_str(&format!(" --seed {}", options.seed));
    }
    let (verdict, note) = match check(options) {
        Ok(summary) => (Verdict::from_success(summary.problems == 0), summary.note),
        Err(Missing::Unavailable(why)) => {
            println!("SKIPPED twisted: {why}");
            (Verdict::Skipped, why)
        }
        Err(Missing::Wrong(why)) => {
            println!("FAILED twisted: {why}");
            (Verdict::Fail, why)
        }
    };
    Row {
        layer: "twisted oracle".into(),
        command,
        time: start.elapsed(),
        verdict,
        note,
    }
}

/// What a whole check found.
struct Summary {
    problems: usize,
    note: String,
}

fn check(options: &Options) -> Result<Summary, Missing> {
    header("twisted: the pinned environment");
    let python = venv::python()?;
    let mut twisted = Twisted::start(&python).map_err(Missing::Wrong)?;
    let mut problems = 0;
    let mut notes = Vec::new();

    if options.scripts > 0 {
        header("twisted: generated scripts on Twisted, replay and replay --model");
        // The debug build: `cargo test` has made most of it already.
        let mut build = cargo();
        build.args(["build", "-p", "deferred-model", "--bin", "replay"]);
        if !step::run(build, None, false).success {
            return Err(Missing::Wrong("the replay binary did not build".into()));
        }
        let tally =
            compare_generated(&mut twisted, &Replay::debug(), options).map_err(Missing::Wrong)?;
        problems += tally.problems();
        notes.push(tally.note());
    }

    header("twisted: every fixture's trace on Twisted");
    let report = fixtures::check(&mut twisted).map_err(Missing::Wrong)?;
    for problem in &report.problems {
        println!("DISAGREE {problem}");
    }
    println!(
        "fixtures: {} agree byte for byte, {} deviate as oracle/deviations/ records, {} problems",
        report.agree,
        report.deviations,
        report.problems.len()
    );
    problems += report.problems.len();
    notes.push(format!(
        "fixtures {}+{} deviations",
        report.agree, report.deviations
    ));

    header("twisted: per-feature scripts (tests/twisted/*.py)");
    let report = features::check(&python, options.bless);
    for problem in &report.problems {
        println!("DISAGREE {problem}");
    }
    if options.bless {
        println!("features: wrote {} expected files", report.blessed);
        notes.push(format!("blessed {} feature scripts", report.blessed));
    } else {
        println!(
            "features: {} scripts print their expected file, {} problems",
            report.agree,
            report.problems.len()
        );
        notes.push(format!("features {}", report.agree));
    }
    problems += report.problems.len();

    header("twisted: the howto listings of docs/from-twisted.md");
    let report = listings::check(&python);
    for problem in &report.problems {
        println!("DISAGREE {problem}");
    }
    println!(
        "listings: {} print their `text` block, {} problems",
        report.agree,
        report.problems.len()
    );
    notes.push(format!("listings {}", report.agree));
    problems += report.problems.len();

    let mut note = notes.join("; ");
    if problems > 0 {
        note = format!("{problems} disagreements: {note}");
    }
    println!("\ntwisted: {note}");
    Ok(Summary { problems, note })
}

/// The tally of the generated scripts.
#[derive(Default)]
struct Tally {
    /// In-domain scripts compared.
    compared: u64,
    /// Of those, how many each engine agreed on (`Engine::BOTH` order).
    agree: [u64; 2],
    /// (Engine, script) pairs that disagreed.
    disagreements: u64,
    /// Scripts Twisted put out of the typed domain (not compared).
    out_of_domain: u64,
    /// Scripts the Twisted runner could not read (a bug in it or in `gen`).
    invalid: u64,
    /// How long the run took.
    elapsed: Duration,
}

impl Tally {
    fn problems(&self) -> usize {
        (self.disagreements + self.invalid) as usize
    }

    fn note(&self) -> String {
        format!(
            "replay {}/{}, model {}/{} (out of domain {})",
            self.agree[0], self.compared, self.agree[1], self.compared, self.out_of_domain
        )
    }
}

/// How many disagreeing scripts are named one by one.
const SHOWN: u64 = 10;

/// Where fixture candidates go.
fn candidate_dir() -> PathBuf {
    root().join("target/twisted")
}

fn compare_generated(
    twisted: &mut Twisted,
    replay: &Replay,
    options: &Options,
) -> Result<Tally, String> {
    let start = Instant::now();
    let mut tally = Tally::default();
    let mut seeds = Rng::new(options.seed);
    let mut first: Option<(Engine, Script, u64)> = None;
    for index in 0..options.scripts {
        let seed = seeds.next_u64();
        let script = gen::script(seed);
        let json = script.to_json();
        let want = match twisted.ask(&json)? {
            Answer::Trace(trace) => trace,
            Answer::OutOfDomain(_) => {
                tally.out_of_domain += 1;
                continue;
            }
            Answer::Invalid(why) => {
                tally.invalid += 1;
                println!("INVALID script {index} (gen seed {seed:#x}): {why}\n{json}");
                continue;
            }
        };
        tally.compared += 1;
        for (slot, engine) in Engine::BOTH.into_iter().enumerate() {
            if replay.run(engine, &json).as_deref() == Ok(want.as_str()) {
                tally.agree[slot] += 1;
            } else {
                tally.disagreements += 1;
                if tally.disagreements <= SHOWN {
                    println!(
                        "DISAGREE {} on script {index} (gen seed {seed:#x})",
                        engine.label()
                    );
                } else if tally.disagreements == SHOWN + 1 {
                    println!("(more disagreements: only the first {SHOWN} are named)");
                }
                if first.is_none() {
                    first = Some((engine, script.clone(), seed));
                }
            }
        }
    }
    tally.elapsed = start.elapsed();
    for (slot, engine) in Engine::BOTH.into_iter().enumerate() {
        println!(
            "{:<15} agrees with Twisted on {}/{} in-domain scripts",
            engine.label(),
            tally.agree[slot],
            tally.compared
        );
    }
    println!(
        "{} scripts from seed {} in {}: {} out of domain (a handler Twisted calls with None; not compared), {} invalid",
        options.scripts,
        options.seed,
        fmt_duration(tally.elapsed),
        tally.out_of_domain,
        tally.invalid
    );
    if let Some((engine, script, seed)) = first {
        save_candidate(twisted, replay, engine, &script, seed)?;
    }
    Ok(tally)
}

/// Shrinks the first disagreeing script and saves it with both traces.
fn save_candidate(
    twisted: &mut Twisted,
    replay: &Replay,
    engine: Engine,
    script: &Script,
    seed: u64,
) -> Result<(), String> {
    println!(
        "shrinking the first disagreement ({}, gen seed {seed:#x})...",
        engine.label()
    );
    let mut runner_error = None;
    let small = shrink::shrink(script, |candidate| {
        let json = candidate.to_json();
        match twisted.ask(&json) {
            Ok(Answer::Trace(want)) => replay.run(engine, &json).as_deref() != Ok(want.as_str()),
            Ok(_) => false,
            Err(e) => {
                runner_error.get_or_insert(e);
                false
            }
        }
    });
    if let Some(e) = runner_error {
        return Err(e);
    }
    let json = small.to_json();
    let want = match twisted.ask(&json)? {
        Answer::Trace(trace) => trace,
        other => other.describe(),
    };
    let got = replay
        .run(engine, &json)
        .unwrap_or_else(|e| format!("{e}\n"));
    let dir = candidate_dir();
    let files = [
        ("candidate.json".to_owned(), shrink::to_fixture_json(&small)),
        ("candidate.twisted.jsonl".to_owned(), want),
        (format!("candidate.{}.jsonl", engine.file_part()), got),
        ("original.json".to_owned(), shrink::to_fixture_json(script)),
    ];
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // Leave no trace of an earlier engine's candidate beside this one.
    for stale in Engine::BOTH {
        let _ = std::fs::remove_file(dir.join(format!("candidate.{}.jsonl", stale.file_part())));
    }
    for (name, text) in &files {
        std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    println!(
        "fixture candidate ({} ops on {} Deferreds, from {} ops on {}) in {}:",
        small.ops.len(),
        small.deferreds,
        script.ops.len(),
        script.deferreds,
        dir.display()
    );
    for (name, _) in &files {
        println!("  {name}");
    }
    println!(
        "decide from docs/op-language.md which trace is right, then keep it as \
         model/fixtures/NAME.json and NAME.jsonl (docs/replay.md, \"Adding a fixture\")"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn options_default_to_2000_scripts_from_seed_1_comparing() {
        assert_eq!(
            parse(&[]).unwrap(),
            Options {
                scripts: 2_000,
                seed: 1,
                bless: false
            }
        );
    }

    #[test]
    fn scripts_seed_and_bless_are_read_in_any_order() {
        assert_eq!(
            parse(&args(&["--seed", "7", "--bless", "--scripts", "300"])).unwrap(),
            Options {
                scripts: 300,
                seed: 7,
                bless: true
            }
        );
        assert_eq!(parse(&args(&["--scripts", "0"])).unwrap().scripts, 0);
    }

    #[test]
    fn a_missing_or_bad_number_is_an_error_naming_the_option() {
        for bad in [
            &["--scripts"][..],
            &["--scripts", "many"],
            &["--scripts", "-1"],
            &["--seed", "0x10"],
        ] {
            let error = parse(&args(bad)).unwrap_err();
            assert!(error.contains(bad[0]), "{bad:?}: {error}");
        }
    }

    #[test]
    fn an_unknown_option_is_an_error_naming_it() {
        let error = parse(&args(&["--fast"])).unwrap_err();
        assert!(error.contains("--fast"), "{error}");
        assert_eq!(run(&args(&["--fast"])), ExitCode::from(2));
    }

    #[test]
    fn help_is_a_success() {
        assert_eq!(run(&args(&["--help"])), ExitCode::SUCCESS);
        assert!(USAGE.contains("--scripts N") && USAGE.contains("--bless"));
    }
}
