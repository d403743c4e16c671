//! `cargo xtask verify`: every verification layer, one after the other, and
//! a table of what ran, how long it took, and the verdict.
//!
//! Layers (see docs/verification.md for what each proves):
//! 1. unit, integration and doc tests of the workspace;
//! 2. the proptest state machines with many cases (release build);
//! 3. the loom models;
//! 4. the loom mutants (each planted bug must be caught);
//! 5. each fuzz target for a set time (needs nightly; cargo-fuzz is
//!    installed, pinned, by `fuzz/install.sh` when missing).

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Duration;

use crate::step::{self, cargo, fmt_duration, header, table};
use crate::{fuzz, mutants};

/// The knobs, with their defaults (`cargo xtask verify --help`).
struct Options {
    cases: u64,
    preemptions: u32,
    fuzz_seconds: u64,
    fuzz: bool,
    mutants: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cases: 50_000,
            preemptions: 4,
            fuzz_seconds: 120,
            fuzz: true,
            mutants: true,
        }
    }
}

const USAGE: &str = "usage: cargo xtask verify [options]

  --cases N          proptest cases per property (default 50000)
  --preemptions N    LOOM_MAX_PREEMPTIONS for the loom models (default 4)
  --fuzz-seconds N   run time of each fuzz target (default 120)
  --no-fuzz          skip the fuzz targets
  --no-mutants       skip the loom mutants
  --quick            --cases 256 --preemptions 2 --fuzz-seconds 10";

/// One row of the summary.
pub struct Row {
    /// What ran.
    pub layer: String,
    /// The command, as typed.
    pub command: String,
    /// Its wall time.
    pub time: Duration,
    /// How it ended.
    pub verdict: Verdict,
    /// Anything worth a column (cases, exec counts, why it was skipped).
    pub note: String,
}

/// How a layer ended.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Skipped,
}

impl Verdict {
    /// `Pass` on success, `Fail` otherwise.
    pub fn from_success(success: bool) -> Self {
        if success {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    }

    /// The table's word for it.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skipped => "SKIPPED",
        }
    }
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            args.next()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--cases" => options.cases = number("--cases")?,
            "--preemptions" => options.preemptions = number("--preemptions")? as u32,
            "--fuzz-seconds" => options.fuzz_seconds = number("--fuzz-seconds")?,
            "--no-fuzz" => options.fuzz = false,
            "--no-mutants" => options.mutants = false,
            "--quick" => {
                options.cases = 256;
                options.preemptions = 2;
                options.fuzz_seconds = 10;
            }
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
            eprintln!("xtask verify: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut rows = Vec::new();

    header("1. unit, integration and doc tests");
    let mut command = cargo();
    command.args(["test", "--workspace", "--exclude", "deferred-proptests"]);
    rows.push(step_row("unit + doc tests", command, None));

    header("2. proptest state machines");
    let mut command = cargo();
    command
        .env("DEFERRED_PROPTEST_CASES", options.cases.to_string())
        .args(["test", "--release", "-p", "deferred-proptests"]);
    let mut row = step_row("state machines", command, None);
    row.note = format!("{} cases each", options.cases);
    rows.push(row);

    header("3. loom models");
    let loom_dir = Path::new("target/loom");
    let command = step::loom_test(options.preemptions, loom_dir, None);
    let mut row = step_row("loom models", command, None);
    row.note = format!("LOOM_MAX_PREEMPTIONS={}", options.preemptions);
    rows.push(row);

    if options.mutants {
        header("4. loom mutants: each planted bug must be caught");
        for mutant in mutants::MUTANTS {
            println!("mutant {}: {}", mutant.name, mutant.breaks);
            let verdict = mutants::check(mutant, options.preemptions.min(2), true);
            println!(
                "  -> {} in {}",
                verdict.label,
                fmt_duration(verdict.elapsed)
            );
            rows.push(Row {
                layer: format!("mutant {}", mutant.name),
                command: format!("cargo xtask mutants {}", mutant.name),
                time: verdict.elapsed,
                verdict: Verdict::from_success(verdict.caught),
                note: format!("{} (must fail: {})", verdict.label, mutant.model),
            });
        }
    }

    if options.fuzz {
        header("5. fuzz targets");
        rows.extend(fuzz::fuzz_all(options.fuzz_seconds, &[]));
    }

    header("summary");
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.layer.clone(),
                r.command.clone(),
                fmt_duration(r.time),
                r.verdict.label().to_owned(),
                r.note.clone(),
            ]
        })
        .collect();
    table(
        &["layer", "command", "time", "verdict", "note"],
        &table_rows,
    );
    let failed = rows.iter().filter(|r| r.verdict == Verdict::Fail).count();
    let skipped = rows
        .iter()
        .filter(|r| r.verdict == Verdict::Skipped)
        .count();
    let total: Duration = rows.iter().map(|r| r.time).sum();
    println!(
        "\n{} layers, {failed} failed, {skipped} skipped, {} in all",
        rows.len(),
        fmt_duration(total)
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs a command as one row of the table.
pub fn step_row(layer: &str, command: Command, log: Option<&Path>) -> Row {
    let shown = step::display(&command);
    let outcome = step::run(command, log, false);
    Row {
        layer: layer.to_owned(),
        command: shown,
        time: outcome.elapsed,
        verdict: Verdict::from_success(outcome.success),
        note: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn options_default_to_the_documented_values() {
        let options = parse(&[]).unwrap();
        assert_eq!(
            (options.cases, options.preemptions, options.fuzz_seconds),
            (50_000, 4, 120)
        );
        assert!(options.fuzz && options.mutants);
    }

    #[test]
    fn quick_shrinks_every_budget() {
        let options = parse(&args(&["--quick"])).unwrap();
        assert_eq!(
            (options.cases, options.preemptions, options.fuzz_seconds),
            (256, 2, 10)
        );
    }

    #[test]
    fn an_unknown_option_is_an_error_naming_it() {
        let error = parse(&args(&["--fast"])).err().unwrap();
        assert!(error.contains("--fast"), "{error}");
    }

    #[test]
    fn a_missing_or_bad_number_is_an_error() {
        assert!(parse(&args(&["--cases"])).is_err());
        assert!(parse(&args(&["--cases", "many"])).is_err());
        assert!(parse(&args(&["--fuzz-seconds", "-3"])).is_err());
    }
}
