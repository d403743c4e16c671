//! `cargo xtask mutation`: cargo-mutants on the library's cross-thread and
//! chain code, judged against the survivors we have explained.
//!
//! Where `cargo xtask mutants` checks that the loom models catch a few
//! planted bugs, this one lets cargo-mutants (pinned, installed by
//! `mutation/install.sh`) generate every small change it can in
//! [`FILES`] and runs the tests of `deferred` and `deferred-model` against
//! each. A mutant that builds and passes every test *survived*: either a
//! test is missing, or the change makes no difference (an *equivalent*
//! mutant). Each explained survivor is a line in `mutation/equivalent.txt`
//! with its reason (docs/verification.md has the table); any other survivor
//! fails the run.
//!
//! A full run is hours on two cores; `--shard k/n` runs every `n`th mutant
//! from the `k`th, so that a run can be split (cargo-mutants' own sharding).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::step::{self, cargo, fmt_duration, header, root};

/// The files whose mutants are generated (a glob where `combinators` may
/// be a folder).
pub const FILES: &[&str] = &[
    "src/deferred/engine.rs",
    "src/pool/mod.rs",
    "src/pool/worker.rs",
    "src/reactor/mod.rs",
    "src/combinators.rs",
    "src/combinators/*.rs",
    "src/threads.rs",
];

/// The packages whose tests judge each mutant.
pub const TEST_PACKAGES: &[&str] = &["deferred", "deferred-model"];

/// The explained survivors: `FILE: DESCRIPTION  # reason`, one a line.
pub const EQUIVALENT: &str = "mutation/equivalent.txt";

const USAGE: &str =
    "usage: cargo xtask mutation [--shard K/N] [--file PATH]... [--list] [--timeout SECONDS]

Runs cargo-mutants (pinned; mutation/install.sh installs it) on
src/deferred/engine.rs, src/pool/mod.rs, src/pool/worker.rs,
src/reactor/mod.rs, src/combinators, src/threads.rs with the tests of
deferred and deferred-model. Fails if a mutant survives that mutation/equivalent.txt
does not explain. Output: target/mutation/<shard>/mutants.out/.

  --shard K/N       only shard K of N (0 <= K < N), e.g. --shard 0/3
  --file PATH       only the mutants of PATH, one of the files above (or a
                    file of src/combinators/); repeat for several
  --list            list the mutants (of the shard) without running them
  --timeout SECONDS test timeout per mutant (default: cargo-mutants' own,
                    from the baseline run)
  -h, --help        this text";

/// A shard of the mutants: `k` of `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which one, from 0.
    pub k: u32,
    /// Of how many.
    pub n: u32,
}

impl Shard {
    /// Reads `K/N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard needs K/N with 0 <= K < N, not {text:?}");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n): (u32, u32) = (k.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
        if n == 0 || k >= n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

/// The knobs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// `None`: every mutant.
    pub shard: Option<Shard>,
    /// List, do not run.
    pub list: bool,
    /// Test timeout per mutant, in seconds.
    pub timeout: Option<u64>,
    /// Only these of [`FILES`] (empty: all of them).
    pub files: Vec<String>,
}

/// Whether `path` is one of [`FILES`] (a glob's match included).
fn is_mutated(path: &str) -> bool {
    FILES.iter().any(|file| match file.strip_suffix("*.rs") {
        Some(dir) => path
            .strip_prefix(dir)
            .is_some_and(|name| !name.contains('/') && name.ends_with(".rs")),
        None => path == *file,
    })
}

/// Reads the arguments after `mutation`.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--shard" => {
                let text = args.next().ok_or("--shard needs K/N")?;
                options.shard = Some(Shard::parse(text)?);
            }
            "--list" => options.list = true,
            "--file" => {
                let path = args.next().ok_or("--file needs a path")?;
                if !is_mutated(path) {
                    return Err(format!(
                        "--file {path:?} is not one of the mutated files ({})",
                        FILES.join(", ")
                    ));
                }
                options.files.push(path.to_owned());
            }
            "--timeout" => {
                options.timeout = Some(
                    args.next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n| n > 0)
                        .ok_or("--timeout needs a number of seconds")?,
                )
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(options)
}

/// The cargo-mutants command for `options`, writing under `output`.
pub fn command(options: &Options, output: &Path) -> Command {
    let mut command = cargo();
    command.arg("mutants");
    if options.list {
        command.arg("--list");
    }
    command.args(["--package", "deferred"]);
    for package in TEST_PACKAGES {
        command.args(["--test-package", package]);
    }
    if options.files.is_empty() {
        for file in FILES {
            command.args(["--file", file]);
        }
    } else {
        for file in &options.files {
            command.args(["--file", file]);
        }
    }
    // The unit tests live in `tests.rs` files beside the code.
    command.args(["--exclude", "**/tests.rs"]);
    if let Some(shard) = options.shard {
        command.args(["--shard", &format!("{}/{}", shard.k, shard.n)]);
    }
    if let Some(seconds) = options.timeout {
        command.args(["--timeout", &seconds.to_string()]);
    }
    command.arg("--output").arg(output);
    // The mutated copy must not see the outer run's variables.
    command.env_remove("RUSTFLAGS");
    command
}

/// A mutant's name without its line and column (`src/a.rs:12:5: replace
/// f -> u32 with 1` becomes `src/a.rs: replace f -> u32 with 1`), so that
/// the list of explained survivors outlives edits elsewhere in the file.
pub fn without_position(line: &str) -> String {
    let mut parts = line.splitn(4, ':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(file), Some(l), Some(c), Some(rest))
            if l.chars().all(|ch| ch.is_ascii_digit())
                && c.chars().all(|ch| ch.is_ascii_digit()) =>
        {
            format!("{file}:{rest}")
        }
        _ => line.to_owned(),
    }
}

/// The explained survivors in `text` (the part of each line before `#`).
pub fn explained(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split(" #").next().unwrap_or("").trim())
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(without_position)
        .collect()
}

/// The survivors in `missed` (cargo-mutants' `missed.txt`) that `explained`
/// does not name.
pub fn unexplained(missed: &str, explained: &[String]) -> Vec<String> {
    missed
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .filter(|line| !explained.contains(&without_position(line)))
        .map(str::to_owned)
        .collect()
}

/// `target/mutation/<files>-<shard>`: `all` or the files named, and the shard.
fn output_dir(options: &Options) -> PathBuf {
    let mut name = if options.files.is_empty() {
        "all".to_owned()
    } else {
        options
            .files
            .iter()
            .map(|f| {
                f.trim_start_matches("src/")
                    .trim_end_matches(".rs")
                    .replace('/', "_")
            })
            .collect::<Vec<_>>()
            .join("+")
    };
    if let Some(Shard { k, n }) = options.shard {
        name.push_str(&format!("-shard-{k}-of-{n}"));
    }
    root().join("target/mutation").join(name)
}

fn count_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
        .unwrap_or(0)
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
            eprintln!("xtask mutation: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    header("mutation: cargo-mutants, pinned");
    let mut install = Command::new(root().join("mutation/install.sh"));
    install.env_remove("CARGO").env_remove("RUSTUP_TOOLCHAIN");
    if !step::run(install, None, false).success {
        eprintln!("xtask mutation: cargo-mutants could not be installed (see above)");
        return ExitCode::FAILURE;
    }
    let output = output_dir(&options);
    if let Err(e) = std::fs::create_dir_all(&output) {
        eprintln!("xtask mutation: {}: {e}", output.display());
        return ExitCode::FAILURE;
    }
    header("mutation: cargo mutants");
    let outcome = step::run(
        command(&options, &output),
        Some(&output.join("xtask.log")),
        false,
    );
    if options.list {
        return if outcome.success {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    let results = output.join("mutants.out");
    if !results.join("outcomes.json").exists() {
        eprintln!("xtask mutation: cargo mutants left no results (see above)");
        return ExitCode::FAILURE;
    }
    header("mutation summary");
    let missed = std::fs::read_to_string(results.join("missed.txt")).unwrap_or_default();
    let explained =
        explained(&std::fs::read_to_string(root().join(EQUIVALENT)).unwrap_or_default());
    let unexplained = unexplained(&missed, &explained);
    let caught = count_lines(&results.join("caught.txt"));
    let timeouts = count_lines(&results.join("timeout.txt"));
    let unviable = count_lines(&results.join("unviable.txt"));
    let survived = count_lines(&results.join("missed.txt"));
    println!(
        "{caught} caught, {timeouts} timed out (caught: the tests hung), {survived} survived \
         ({} explained in {EQUIVALENT}), {unviable} unviable, in {}",
        survived - unexplained.len(),
        fmt_duration(outcome.elapsed)
    );
    for line in &unexplained {
        println!("SURVIVED, unexplained: {line}");
    }
    println!("results: {}", results.display());
    if unexplained.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!(
            "each survivor needs a test that catches it, or a line in {EQUIVALENT} saying why \
             it is equivalent (and a row in docs/verification.md)"
        );
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
    fn a_shard_is_k_of_n_with_k_below_n() {
        assert_eq!(Shard::parse("0/3"), Ok(Shard { k: 0, n: 3 }));
        assert_eq!(Shard::parse("2/3"), Ok(Shard { k: 2, n: 3 }));
        for bad in ["3/3", "1/0", "0", "a/3", "1/b", "-1/3", "0/3/4", ""] {
            let error = Shard::parse(bad).unwrap_err();
            assert!(error.contains("K/N"), "{bad}: {error}");
        }
    }

    #[test]
    fn options_read_shard_list_and_timeout() {
        assert_eq!(parse(&[]).unwrap(), Options::default());
        let options = parse(&args(&["--list", "--shard", "1/4", "--timeout", "90"])).unwrap();
        assert_eq!(
            options,
            Options {
                shard: Some(Shard { k: 1, n: 4 }),
                list: true,
                timeout: Some(90),
                files: Vec::new(),
            }
        );
        assert!(parse(&args(&["--shard"])).is_err());
        assert!(parse(&args(&["--timeout", "0"])).is_err());
        assert!(parse(&args(&["--frob"])).unwrap_err().contains("--frob"));
        assert_eq!(run(&args(&["--frob"])), ExitCode::from(2));
    }

    #[test]
    fn the_command_names_every_file_both_test_packages_and_the_shard() {
        let options = Options {
            shard: Some(Shard { k: 0, n: 3 }),
            ..Options::default()
        };
        let shown = step::display(&command(&options, Path::new("/tmp/out")));
        for file in FILES {
            assert!(shown.contains(&format!("--file {file}")), "{shown}");
        }
        assert!(shown.contains("--test-package deferred --test-package deferred-model"));
        assert!(shown.contains("--shard 0/3") && shown.contains("--output /tmp/out"));
        assert!(!shown.contains("--list"));
    }

    #[test]
    fn file_narrows_the_run_to_mutated_files_only() {
        let options = parse(&args(&[
            "--file",
            "src/pool/worker.rs",
            "--file",
            "src/combinators/race.rs",
        ]))
        .unwrap();
        assert_eq!(
            options.files,
            ["src/pool/worker.rs", "src/combinators/race.rs"]
        );
        let shown = step::display(&command(&options, Path::new("/tmp/out")));
        assert!(shown.contains("--file src/pool/worker.rs --file src/combinators/race.rs"));
        assert!(!shown.contains("--file src/pool/mod.rs"), "{shown}");
        assert_eq!(
            output_dir(&options).file_name().unwrap(),
            "pool_worker+combinators_race"
        );
        for bad in ["src/lib.rs", "src/combinators/x/y.rs", "pool/worker.rs"] {
            let error = parse(&args(&["--file", bad])).unwrap_err();
            assert!(
                error.contains("not one of the mutated files"),
                "{bad}: {error}"
            );
        }
        assert!(parse(&args(&["--file"])).is_err());
        assert_eq!(
            output_dir(&parse(&args(&["--shard", "1/4"])).unwrap())
                .file_name()
                .unwrap(),
            "all-shard-1-of-4"
        );
    }

    #[test]
    fn survivors_are_matched_without_their_line_and_column() {
        assert_eq!(
            without_position(
                "src/pool/mod.rs:347:9: replace ThreadPool::min_threads -> usize with 1"
            ),
            "src/pool/mod.rs: replace ThreadPool::min_threads -> usize with 1"
        );
        let explained = explained(
            "# header\nsrc/a.rs: replace f -> bool with true  # never called with a false input\n\n",
        );
        assert_eq!(explained, ["src/a.rs: replace f -> bool with true"]);
        let missed =
            "src/a.rs:10:5: replace f -> bool with true\nsrc/a.rs:20:5: replace g -> u32 with 0\n";
        assert_eq!(
            unexplained(missed, &explained),
            ["src/a.rs:20:5: replace g -> u32 with 0"]
        );
    }

    #[test]
    fn every_explained_survivor_has_a_reason() {
        let text = std::fs::read_to_string(root().join(EQUIVALENT)).unwrap();
        for line in text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let reason = line.split_once(" #").map(|(_, r)| r.trim()).unwrap_or("");
            assert!(reason.len() > 10, "no reason given: {line}");
        }
    }
}
