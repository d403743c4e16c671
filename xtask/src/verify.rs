//! `cargo xtask verify`: every verification layer, one after the other, and
//! a table of what ran, how long it took, and the verdict.
//!
//! Layers (see docs/verification.md for what each proves):
//! 1. unit, integration and doc tests of the workspace;
//! 2. the proptest state machines with many cases (release build; the
//!    lifecycle machine of issue 17 among them);
//! 3. the loom models;
//! 4. the loom mutants (each planted bug must be caught);
//! 5. each fuzz target for a set time (needs nightly; cargo-fuzz is
//!    installed, pinned, by `fuzz/install.sh` when missing);
//! 6. the Twisted oracle (`cargo xtask twisted`: generated scripts, the
//!    fixtures and the per-feature scripts against the pinned Twisted; the
//!    environment is made on first use, SKIPPED where Python cannot be had);
//! 7. miri on the tests of the one `unsafe` module, under both aliasing
//!    models (needs nightly with miri, which rustup adds; SKIPPED without).
//!
//! `--quick` is the few-minutes version for a fresh clone: the state
//! machines at 256 cases in the debug build the tests already made, loom
//! at bound 2, no mutants (their five rebuilds are most of a full run),
//! 10 s per fuzz target, 300 generated Twisted scripts and no miri.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use crate::step::{self, cargo, fmt_duration, header, step_row, table, Row, Verdict};
use crate::{fuzz, miri, mutants, twisted};

/// The knobs, with their defaults (`cargo xtask verify --help`).
#[derive(Debug, PartialEq, Eq)]
struct Options {
    cases: u64,
    /// Build the state machines in release (many cases) rather than reuse
    /// the tests' debug build (few cases).
    release_state_machines: bool,
    preemptions: u32,
    fuzz_seconds: u64,
    fuzz: bool,
    mutants: bool,
    twisted_scripts: u64,
    twisted: bool,
    miri: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cases: 50_000,
            release_state_machines: true,
            preemptions: 4,
            fuzz_seconds: 120,
            fuzz: true,
            mutants: true,
            twisted_scripts: 5_000,
            twisted: true,
            miri: true,
        }
    }
}

impl Options {
    /// What `--quick` means.
    fn quick() -> Self {
        Options {
            cases: 256,
            release_state_machines: false,
            preemptions: 2,
            fuzz_seconds: 10,
            fuzz: true,
            mutants: false,
            twisted_scripts: 300,
            twisted: true,
            miri: false,
        }
    }
}

const USAGE: &str = "usage: cargo xtask verify [options]

  --quick              a few minutes: --cases 256 (debug build) --preemptions 2
                       --no-mutants --fuzz-seconds 10 --twisted-scripts 300
                       --no-miri;
                       options after it override it
  --cases N            proptest cases per property (default 50000)
  --preemptions N      LOOM_MAX_PREEMPTIONS for the loom models (default 4)
  --fuzz-seconds N     run time of each fuzz target (default 120)
  --twisted-scripts N  generated scripts compared with Twisted (default 5000)
  --no-fuzz            skip the fuzz targets
  --no-mutants         skip the loom mutants
  --no-twisted         skip the Twisted oracle
  --no-miri            skip miri on the unsafe module's tests";

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
            "--twisted-scripts" => options.twisted_scripts = number("--twisted-scripts")?,
            "--no-twisted" => options.twisted = false,
            "--preemptions" => options.preemptions = number("--preemptions")? as u32,
            "--fuzz-seconds" => options.fuzz_seconds = number("--fuzz-seconds")?,
            "--no-fuzz" => options.fuzz = false,
            "--no-mutants" => options.mutants = false,
            "--no-miri" => options.miri = false,
            "--quick" => options = Options::quick(),
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
        .arg("test");
    if options.release_state_machines {
        command.arg("--release");
    }
    command.args(["-p", "deferred-proptests"]);
    let mut row = step_row("state machines", command, None);
    row.note = format!(
        "{} cases each ({} build)",
        options.cases,
        if options.release_state_machines {
            "release"
        } else {
            "debug"
        }
    );
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

    if options.twisted {
        header("6. the Twisted oracle");
        rows.push(twisted::layer(&twisted::Options {
            scripts: options.twisted_scripts,
            ..twisted::Options::default()
        }));
    }

    if options.miri {
        header("7. miri: the unsafe module's tests, both aliasing models");
        rows.extend(miri::layer());
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
        assert_eq!(options.twisted_scripts, 5_000);
        assert!(options.fuzz && options.mutants && options.twisted && options.miri);
        assert!(options.release_state_machines);
        assert!(!parse(&args(&["--no-miri"])).unwrap().miri);
    }

    #[test]
    fn quick_shrinks_every_budget_and_drops_the_mutant_rebuilds() {
        let options = parse(&args(&["--quick"])).unwrap();
        assert_eq!(
            (options.cases, options.preemptions, options.fuzz_seconds),
            (256, 2, 10)
        );
        assert!(
            !options.mutants,
            "the five mutant rebuilds are most of a full run"
        );
        assert!(
            !options.release_state_machines,
            "no release build of the workspace"
        );
        assert_eq!(options.twisted_scripts, 300);
        assert!(options.fuzz && options.twisted);
        assert!(!options.miri, "miri's interpreted tests take minutes");
    }

    #[test]
    fn options_after_quick_override_it() {
        let options = parse(&args(&["--quick", "--fuzz-seconds", "30", "--no-twisted"])).unwrap();
        assert_eq!(options.fuzz_seconds, 30);
        assert!(!options.twisted && !options.mutants);
        assert_eq!(options.cases, 256);
    }

    #[test]
    fn the_twisted_layer_can_be_sized_or_dropped() {
        let options = parse(&args(&["--twisted-scripts", "40"])).unwrap();
        assert_eq!(options.twisted_scripts, 40);
        assert!(!parse(&args(&["--no-twisted"])).unwrap().twisted);
        assert!(parse(&args(&["--twisted-scripts", "x"])).is_err());
    }

    /// README's CI paragraph numbers the steps; it must name as many as
    /// `.ci/run` has (its sections are numbered `N/TOTAL`).
    #[test]
    fn the_readme_names_every_ci_step() {
        let ci = std::fs::read_to_string(crate::step::root().join(".ci/run")).unwrap();
        let total: usize = ci
            .lines()
            .find_map(|l| l.trim().strip_prefix("section \"1/"))
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .expect(".ci/run numbers its sections 1/TOTAL");
        let readme = std::fs::read_to_string(crate::step::root().join("README.md")).unwrap();
        let start = readme
            .find("CI (`.ci/run`) runs")
            .expect("README's CI paragraph");
        let paragraph = &readme[start
            ..readme[start..]
                .find("\n\n")
                .map_or(readme.len(), |e| start + e)];
        let words: Vec<&str> = paragraph.split_whitespace().collect();
        for step in 1..=total {
            assert!(
                words.contains(&format!("{step}.").as_str()),
                "README's CI list lacks step {step} of {total}"
            );
        }
        assert!(
            !words.contains(&format!("{}.", total + 1).as_str()),
            "README names more steps than .ci/run has"
        );
    }

    /// Every Rust example in the README and `docs/*.md` runs as a doctest:
    /// each page is included by `src/user_docs.rs` (the user docs, which
    /// the package ships, so the packaged crate's doctests build) or by
    /// `model/src/harness_docs.rs` (the harness docs).
    #[test]
    fn every_doc_page_runs_its_examples_as_doctests() {
        let root = crate::step::root();
        let read = |file: &str| std::fs::read_to_string(root.join(file)).unwrap();
        let user_docs = read("src/user_docs.rs");
        let included = user_docs.clone() + &read("model/src/harness_docs.rs");
        let mut pages = vec!["README.md".to_owned()];
        for entry in std::fs::read_dir(root.join("docs")).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".md") {
                pages.push(format!("docs/{name}"));
            }
        }
        for page in &pages {
            assert!(
                included.contains(&format!("/{page}\")")),
                "{page} is not compiled as doctests: include it in src/user_docs.rs \
                 (a user doc) or model/src/harness_docs.rs (a harness doc)"
            );
        }
        let manifest = read("Cargo.toml");
        for page in user_docs
            .split("include_str!(\"../")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
        {
            assert!(
                manifest.contains(&format!("\"/{page}\"")),
                "{page} runs as a doctest of the package but is not in Cargo.toml's include"
            );
        }
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
