//! `cargo xtask mutation`: cargo-mutants on every file of the library's
//! `src/`, judged against the survivors we have explained.
//!
//! Where `cargo xtask mutants` checks that the loom models catch a few
//! planted bugs, this one lets cargo-mutants (pinned, installed by
//! `mutation/install.sh`) generate every small change it can in the
//! library's code (every file of `src/` but those [`EXCLUDED`] names, each
//! with its reason) and runs the tests of `deferred` and `deferred-model`
//! against each. A mutant that builds and passes every test *survived*:
//! either a test is missing, or the change makes no difference (an
//! *equivalent* mutant). Each explained survivor is a line in
//! `mutation/equivalent.txt` with its reason (docs/verification.md has the
//! table); any other survivor fails the run.
//!
//! A full run is many hours on two cores: `--file PATH` runs one file's
//! mutants, `--shard k/n` every `n`th mutant from the `k`th (cargo-mutants'
//! own sharding), so that a run can be split. `--in-diff FILE` runs only
//! the mutants on the lines a diff touches (CI's step for every change).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::step::{self, cargo, fmt_duration, header, root};

/// The files of `src/` whose mutants are *not* generated, each with the
/// reason (globs as cargo-mutants' `--exclude` reads them). Every other
/// `.rs` file under `src/` is mutated.
pub const EXCLUDED: &[(&str, &str)] = &[
    (
        "**/tests.rs",
        "unit tests beside the code (the judges, not the judged)",
    ),
    (
        "src/mutant.rs",
        "the planted-mutant switch: `on` is a constant false outside `cargo xtask mutants`' \
         builds; turning it on plants a bug only the loom models are meant to catch",
    ),
    (
        "src/user_docs.rs",
        "no code: it includes the user docs so that their examples run as doctests",
    ),
    ("src/compile_fail.rs", "no code: compile-fail doctests only"),
];

/// Whether `path` (relative to the root, `/`-separated) matches the
/// exclusion glob `glob` (a path, or `**/NAME`).
fn matches_glob(glob: &str, path: &str) -> bool {
    match glob.strip_prefix("**/") {
        Some(name) => path == name || path.ends_with(&format!("/{name}")),
        None => path == glob,
    }
}

/// Whether `path` is one of the mutated files: a `.rs` file under `src/`
/// that no [`EXCLUDED`] glob names.
fn is_mutated(path: &str) -> bool {
    path.starts_with("src/")
        && path.ends_with(".rs")
        && !path.contains("..")
        && !EXCLUDED.iter().any(|(glob, _)| matches_glob(glob, path))
        && root().join(path).is_file()
}

/// Every mutated file, sorted (`src/...` paths).
pub fn mutated_files() -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if let Ok(relative) = path.strip_prefix(base) {
                let relative = relative.to_string_lossy().replace('\\', "/");
                if is_mutated(&relative) {
                    out.push(relative);
                }
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("src"), &root(), &mut files);
    files.sort();
    files
}

/// The packages whose tests judge each mutant.
pub const TEST_PACKAGES: &[&str] = &["deferred", "deferred-model"];

/// The library's optional features, all on: code behind `#[cfg(feature)]`
/// (the `anyhow` conversions in `failure.rs`, `testing::strategies`) is
/// otherwise not compiled, so its mutants could never be caught and would
/// read as survivors.
pub const FEATURES: &str = "deferred/anyhow,deferred/proptest";

/// The explained survivors: `FILE: DESCRIPTION  # reason`, one a line.
pub const EQUIVALENT: &str = "mutation/equivalent.txt";

const USAGE: &str =
    "usage: cargo xtask mutation [--shard K/N] [--file PATH]... [--in-diff DIFF] [--list]
                             [--timeout SECONDS]

Runs cargo-mutants (pinned; mutation/install.sh installs it) on every file
of src/ but the excluded ones (`cargo xtask mutation --excluded` lists them
with the reason) with the tests of deferred and deferred-model. Fails if a
mutant survives that mutation/equivalent.txt does not explain. Output:
target/mutation/<files>-<shard>/mutants.out/.

  --shard K/N       only shard K of N (0 <= K < N), e.g. --shard 0/3
  --file PATH       only the mutants of PATH, a mutated file of src/;
                    repeat for several
  --in-diff DIFF    only the mutants on lines the unified diff DIFF adds or
                    changes (`git diff BASE > DIFF`)
  --base REV        only the mutants on lines of src/ changed since REV (a
                    commit; the working tree counts): CI's step for every
                    change (REV from $MUTATION_BASE or mutation/diff-base)
  --max-mutants N   with --base: when more than N mutants are on the changed
                    lines, run one shard of them (about N), chosen by HEAD's
                    commit hash, and say how many were left unchecked
  --list            list the mutants (of the shard) without running them
  --timeout SECONDS test timeout per mutant (default: cargo-mutants' own,
                    from the baseline run)
  --check-equivalent
                    only check mutation/equivalent.txt against the source
                    (every line names one mutant there), running no mutant
  --excluded        print the files of src/ that are not mutated, and why
  -h, --help        this text

A line of mutation/equivalent.txt names a mutant by its file and description
without line and column, so that it outlives edits elsewhere in the file.
Where several mutants of one file share a description (twins: the same
operator twice in a function, a function under two cfgs), each is named
with its place among them in file order, `DESCRIPTION (K of N)`, and a line
explains that one only; a line that names no mutant of the source (stale,
or a twin without its place) fails every run.";

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
    /// Only these of the mutated files (empty: all of them).
    pub files: Vec<String>,
    /// Only the mutants on the lines this diff touches.
    pub in_diff: Option<String>,
    /// Only the mutants on the lines of `src/` changed since this commit.
    pub base: Option<String>,
    /// With `base`: at most about this many mutants (one shard of them).
    pub max_mutants: Option<usize>,
    /// Only check `mutation/equivalent.txt` against the source.
    pub check_equivalent: bool,
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
            "--check-equivalent" => options.check_equivalent = true,
            "--file" => {
                let path = args.next().ok_or("--file needs a path")?;
                if !is_mutated(path) {
                    return Err(format!(
                        "--file {path:?} is not one of the mutated files (a .rs file of src/ \
                         that `--excluded` does not list)"
                    ));
                }
                options.files.push(path.to_owned());
            }
            "--in-diff" => {
                let diff = args.next().ok_or("--in-diff needs a diff file")?;
                options.in_diff = Some(diff.to_owned());
            }
            "--base" => {
                let rev = args.next().ok_or("--base needs a commit")?;
                options.base = Some(rev.to_owned());
            }
            "--max-mutants" => {
                options.max_mutants = Some(
                    args.next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n| n > 0)
                        .ok_or("--max-mutants needs a number above 0")?,
                )
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
    if options.base.is_some() && (options.in_diff.is_some() || options.shard.is_some()) {
        return Err("--base makes its own diff and shard: no --in-diff or --shard with it".into());
    }
    if options.max_mutants.is_some() && options.base.is_none() {
        return Err("--max-mutants goes with --base".into());
    }
    Ok(options)
}

/// The shard to run of `count` mutants when at most about `max` fit:
/// `None` when all fit, else `k/n` with `n` the fewest shards of at most
/// about `max` each and `k` chosen by `seed` (HEAD's commit hash), so that
/// successive commits check different shards and a rerun checks the same.
pub fn diff_shard(count: usize, max: usize, seed: u64) -> Option<Shard> {
    if count <= max {
        return None;
    }
    let n = count.div_ceil(max) as u32;
    Some(Shard {
        k: (seed % u64::from(n)) as u32,
        n,
    })
}

/// A number from the first 15 hex digits of a commit hash (0 if none).
fn hash_seed(hash: &str) -> u64 {
    u64::from_str_radix(hash.trim().get(..15).unwrap_or("0"), 16).unwrap_or(0)
}

/// `git` at the root, its stdout, or what went wrong.
fn git(args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root())
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// For `--base`: writes the diff of `src/` since `base` under `output`, and
/// picks the shard when `max` is given. `Ok(None)`: no change to mutate.
fn prepare_diff(options: &mut Options, output: &Path) -> Result<Option<String>, String> {
    let Some(base) = options.base.clone() else {
        return Ok(Some(String::new()));
    };
    let commit = git(&["rev-parse", "--verify", &format!("{base}^{{commit}}")])?;
    let diff = git(&[
        "diff",
        "--no-color",
        "--no-ext-diff",
        commit.trim(),
        "--",
        "src/",
    ])?;
    if diff.trim().is_empty() {
        return Ok(None);
    }
    let path = output.join("change.diff");
    std::fs::write(&path, &diff).map_err(|e| format!("{}: {e}", path.display()))?;
    options.in_diff = Some(path.to_string_lossy().into_owned());
    let mut note = format!(
        "the mutants on the lines of src/ changed since {}",
        commit.trim()
    );
    let count = list(options, output)?
        .lines()
        .filter(|l| l.starts_with("src/"))
        .count();
    if count == 0 {
        return Ok(None);
    }
    let seed = hash_seed(&git(&["rev-parse", "HEAD"]).unwrap_or_default());
    match options
        .max_mutants
        .and_then(|max| diff_shard(count, max, seed))
    {
        None => note.push_str(&format!(": all {count} of them")),
        Some(shard) => {
            note.push_str(&format!(
                ": {count}, more than fit; shard {}/{} of them runs (about {}), \
                 the rest are not checked by this run",
                shard.k,
                shard.n,
                count.div_ceil(shard.n as usize)
            ));
            options.shard = Some(shard);
        }
    }
    Ok(Some(note))
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
    command.args(["--features", FEATURES]);
    // No `--file`: every file of the package's code, less the excluded.
    for file in &options.files {
        command.args(["--file", file]);
    }
    for (glob, _) in EXCLUDED {
        command.args(["--exclude", glob]);
    }
    if let Some(diff) = &options.in_diff {
        command.args(["--in-diff", diff]);
    }
    if let Some(shard) = options.shard {
        command.args(["--shard", &format!("{}/{}", shard.k, shard.n)]);
    }
    if let Some(seconds) = options.timeout {
        command.args(["--timeout", &seconds.to_string()]);
    }
    // The copy starts from this tree's build: the dependencies need no
    // rebuild (minutes on two cores), only the workspace's own crates.
    command.arg("--copy-target=true");
    command.arg("--output").arg(output);
    // The mutated copy must not see the outer run's variables.
    command.env_remove("RUSTFLAGS");
    command
}

/// A mutant's name without its line and column (`src/a.rs:12:5: replace
/// f -> u32 with 1` becomes `src/a.rs: replace f -> u32 with 1`), so that
/// the list of explained survivors outlives edits elsewhere in the file.
pub fn without_position(line: &str) -> String {
    split_position(line).map_or_else(|| line.to_owned(), |(_, name)| name)
}

/// A mutant's line and column, and its name [`without_position`]; `None`
/// for a line without them (a listing's summary line).
fn split_position(line: &str) -> Option<((u64, u64), String)> {
    let mut parts = line.splitn(4, ':');
    let (Some(file), Some(l), Some(c), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let (Ok(l), Ok(c)) = (l.parse(), c.parse()) else {
        return None;
    };
    Some(((l, c), format!("{file}:{rest}")))
}

/// The name `mutation/equivalent.txt` knows each mutant of `listing` by
/// (cargo-mutants' `--list` of every mutated file: `FILE:LINE:COLUMN:
/// DESCRIPTION` a line), keyed by its line in the listing: its name
/// [`without_position`], and where several mutants of one file share that
/// name (twins), ` (K of N)` after it, K its place among them in file order.
/// Without the place, one line of reasons would explain every twin, and a
/// twin that a test catches today could survive tomorrow unseen.
pub fn names(listing: &str) -> BTreeMap<String, String> {
    // Each name's mutants: (line, column) and their line in the listing.
    type Places<'a> = Vec<((u64, u64), &'a str)>;
    let mut twins: BTreeMap<String, Places> = BTreeMap::new();
    for line in listing.lines().map(str::trim) {
        if let Some((place, name)) = split_position(line) {
            twins.entry(name).or_default().push((place, line));
        }
    }
    let mut names = BTreeMap::new();
    for (name, mut places) in twins {
        places.sort();
        let n = places.len();
        for (k, (_, line)) in places.into_iter().enumerate() {
            let named = if n == 1 {
                name.clone()
            } else {
                format!("{name} ({} of {n})", k + 1)
            };
            names.insert(line.to_owned(), named);
        }
    }
    names
}

/// The explained survivors in `text` (the part of each line before `#`).
pub fn explained(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split(" #").next().unwrap_or("").trim())
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(without_position)
        .collect()
}

/// What is wrong with the lines of `explained` against the mutants' `names`
/// (from [`names`]): a line that names no mutant (its code changed or went,
/// or it names twins without the place of the one it explains), or a line
/// given twice. Empty when every line names exactly one mutant.
pub fn check_explained(explained: &[String], names: &BTreeMap<String, String>) -> Vec<String> {
    let known: std::collections::BTreeSet<&str> = names.values().map(String::as_str).collect();
    let mut problems = Vec::new();
    for (i, line) in explained.iter().enumerate() {
        if explained[..i].contains(line) {
            problems.push(format!("{line}: given twice"));
        } else if !known.contains(line.as_str()) {
            let twins = names
                .values()
                .filter(|n| {
                    n.strip_prefix(line.as_str())
                        .is_some_and(|rest| rest.starts_with(" ("))
                })
                .count();
            problems.push(if twins > 1 {
                format!(
                    "{line}: {twins} mutants of the file share this description; name the one \
                     explained with its place, `{line} (K of {twins})`, a line for each"
                )
            } else {
                format!(
                    "{line}: names no mutant of the source (its code changed or went: judge it \
                     again, or remove the line)"
                )
            });
        }
    }
    problems
}

/// The survivors in `missed` (cargo-mutants' `missed.txt`) that `explained`
/// does not name, each known by its name in `names` (a survivor missing from
/// `names` by its name [`without_position`]).
pub fn unexplained(
    missed: &str,
    explained: &[String],
    names: &BTreeMap<String, String>,
) -> Vec<String> {
    missed
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .filter(|line| {
            let name = names
                .get(*line)
                .cloned()
                .unwrap_or_else(|| without_position(line));
            !explained.contains(&name)
        })
        .map(str::to_owned)
        .collect()
}

/// The mutants `options` select (`cargo mutants --list`), a line each.
fn list(options: &Options, output: &Path) -> Result<String, String> {
    let listing = command(
        &Options {
            list: true,
            ..options.clone()
        },
        output,
    )
    .output()
    .map_err(|e| format!("cargo mutants --list: {e}"))?;
    if !listing.status.success() {
        return Err(format!(
            "cargo mutants --list: {}",
            String::from_utf8_lossy(&listing.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&listing.stdout).into_owned())
}

/// Every mutant of every mutated file, by the name
/// `mutation/equivalent.txt` knows it by ([`names`]).
fn list_names(output: &Path) -> Result<BTreeMap<String, String>, String> {
    Ok(names(&list(&Options::default(), output)?))
}

/// `target/mutation/<files>-<shard>`: `all` or the files named, and the shard.
fn output_dir(options: &Options) -> PathBuf {
    let mut name = if options.in_diff.is_some() || options.base.is_some() {
        "diff".to_owned()
    } else if options.files.is_empty() {
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
    if args.iter().any(|a| a == "--excluded") {
        for (glob, why) in EXCLUDED {
            println!("{glob}: {why}");
        }
        println!("({} files of src/ are mutated)", mutated_files().len());
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
    let mut options = options;
    let output = output_dir(&options);
    if let Err(e) = std::fs::create_dir_all(&output) {
        eprintln!("xtask mutation: {}: {e}", output.display());
        return ExitCode::FAILURE;
    }
    // The lines are checked first, against every mutant of the source, so
    // that a stale or ambiguous line fails at once, not after the run.
    header("mutation: the explained survivors against the source");
    let names = match list_names(&output) {
        Ok(names) => names,
        Err(problem) => {
            eprintln!("xtask mutation: {problem}");
            return ExitCode::FAILURE;
        }
    };
    let explained =
        explained(&std::fs::read_to_string(root().join(EQUIVALENT)).unwrap_or_default());
    let problems = check_explained(&explained, &names);
    for problem in &problems {
        println!("{EQUIVALENT}: {problem}");
    }
    if !problems.is_empty() {
        return ExitCode::FAILURE;
    }
    println!(
        "{} lines, each naming one of the {} mutants",
        explained.len(),
        names.len()
    );
    if options.check_equivalent {
        return ExitCode::SUCCESS;
    }
    match prepare_diff(&mut options, &output) {
        Ok(None) => {
            println!("xtask mutation: no mutant on the lines of src/ changed since the base");
            return ExitCode::SUCCESS;
        }
        Ok(Some(note)) if !note.is_empty() => println!("xtask mutation: {note}"),
        Ok(Some(_)) => {}
        Err(problem) => {
            eprintln!("xtask mutation: {problem}");
            return ExitCode::FAILURE;
        }
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
    let timeouts = count_lines(&results.join("timeout.txt"));
    let survived = count_lines(&results.join("missed.txt"));
    if !outcome.success && timeouts == 0 && survived == 0 {
        // Not a survivor or a hang: the unmutated tree failed its tests (or
        // did not build), or cargo-mutants itself failed; no mutant counts.
        eprintln!(
            "xtask mutation: cargo mutants failed before judging any mutant (the baseline \
             failed? see {}/log/baseline.log)",
            results.display()
        );
        return ExitCode::FAILURE;
    }
    header("mutation summary");
    let missed = std::fs::read_to_string(results.join("missed.txt")).unwrap_or_default();
    let unexplained = unexplained(&missed, &explained, &names);
    let caught = count_lines(&results.join("caught.txt"));
    let unviable = count_lines(&results.join("unviable.txt"));
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
                in_diff: None,
                base: None,
                max_mutants: None,
                check_equivalent: false,
            }
        );
        assert!(parse(&args(&["--shard"])).is_err());
        assert!(parse(&args(&["--timeout", "0"])).is_err());
        assert!(parse(&args(&["--frob"])).unwrap_err().contains("--frob"));
        assert_eq!(run(&args(&["--frob"])), ExitCode::from(2));
    }

    #[test]
    fn the_command_mutates_the_package_less_the_excluded_with_both_test_packages() {
        let options = Options {
            shard: Some(Shard { k: 0, n: 3 }),
            ..Options::default()
        };
        let shown = step::display(&command(&options, Path::new("/tmp/out")));
        assert!(!shown.contains("--file"), "{shown}");
        for (glob, _) in EXCLUDED {
            assert!(shown.contains(&format!("--exclude {glob}")), "{shown}");
        }
        assert!(shown.contains("--package deferred --test-package deferred"));
        assert!(shown.contains("--test-package deferred --test-package deferred-model"));
        assert!(
            shown.contains("--features deferred/anyhow,deferred/proptest"),
            "every optional feature on, so cfg(feature) code is mutated: {shown}"
        );
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
        for bad in [
            "src/mutant.rs",
            "src/pool/tests.rs",
            "src/combinators/x/y.rs",
            "pool/worker.rs",
            "src/../xtask/src/main.rs",
        ] {
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
    fn every_file_of_src_is_mutated_but_the_excluded() {
        let files = mutated_files();
        for file in [
            "src/lib.rs",
            "src/bridge/blocking.rs",
            "src/time/mod.rs",
            "src/primitives/fs_lock.rs",
            "src/deferred/engine.rs",
            "src/pool/worker.rs",
        ] {
            assert!(files.iter().any(|f| f == file), "{file} not mutated");
        }
        for file in &files {
            assert!(
                !file.ends_with("/tests.rs") && file != "src/mutant.rs",
                "{file}"
            );
        }
        for (glob, why) in EXCLUDED {
            assert!(why.len() > 10, "{glob}: no reason");
        }
        // Every .rs file of src/ is either mutated or excluded by name.
        let mut all = Vec::new();
        let mut dirs = vec![root().join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    all.push(path);
                }
            }
        }
        assert_eq!(
            files.len()
                + all
                    .iter()
                    .filter(|p| {
                        let relative = p.strip_prefix(root()).unwrap().to_string_lossy();
                        EXCLUDED
                            .iter()
                            .any(|(glob, _)| matches_glob(glob, &relative))
                    })
                    .count(),
            all.len()
        );
    }

    #[test]
    fn in_diff_names_the_diff_and_its_own_output() {
        let options = parse(&args(&["--in-diff", "/tmp/change.diff"])).unwrap();
        assert_eq!(options.in_diff.as_deref(), Some("/tmp/change.diff"));
        let shown = step::display(&command(&options, Path::new("/tmp/out")));
        assert!(shown.contains("--in-diff /tmp/change.diff"), "{shown}");
        assert_eq!(output_dir(&options).file_name().unwrap(), "diff");
        assert!(parse(&args(&["--in-diff"])).is_err());
    }

    #[test]
    fn base_takes_max_mutants_and_excludes_a_diff_or_shard_of_ones_own() {
        let options = parse(&args(&["--base", "HEAD~1", "--max-mutants", "8"])).unwrap();
        assert_eq!(options.base.as_deref(), Some("HEAD~1"));
        assert_eq!(options.max_mutants, Some(8));
        assert_eq!(output_dir(&options).file_name().unwrap(), "diff");
        for bad in [
            &["--base", "HEAD", "--shard", "0/2"][..],
            &["--base", "HEAD", "--in-diff", "x.diff"],
            &["--max-mutants", "8"],
            &["--base", "HEAD", "--max-mutants", "0"],
            &["--base"],
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_diff_with_more_mutants_than_fit_runs_one_shard_chosen_by_the_commit() {
        assert_eq!(diff_shard(5, 8, 123), None);
        assert_eq!(diff_shard(8, 8, 123), None);
        assert_eq!(diff_shard(9, 8, 0), Some(Shard { k: 0, n: 2 }));
        assert_eq!(diff_shard(9, 8, 3), Some(Shard { k: 1, n: 2 }));
        assert_eq!(diff_shard(40, 8, 7), Some(Shard { k: 2, n: 5 }));
        for seed in 0..20 {
            let shard = diff_shard(100, 8, seed).unwrap();
            assert!(shard.k < shard.n && shard.n == 13);
        }
        assert_eq!(hash_seed("00000000000000a1234"), 0xa);
        assert_eq!(hash_seed("nothex"), 0);
        assert_eq!(hash_seed(""), 0);
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
            unexplained(missed, &explained, &names(missed)),
            ["src/a.rs:20:5: replace g -> u32 with 0"]
        );
    }

    /// Twins (one file, one description) are named by their place in file
    /// order, line then column (not the listing's order), so that a line of
    /// reasons explains one of them, never all.
    #[test]
    fn twins_are_named_by_their_place_and_a_line_explains_one() {
        let listing = "src/a.rs:49:17: replace && with || in run\n\
                       src/a.rs:48:17: replace && with || in run\n\
                       src/a.rs:48:9: replace && with || in run\n\
                       src/b.rs:7:1: replace && with || in run\n\
                       src/a.rs:60:5: replace g -> u32 with 0\n\
                       Found 5 mutants\n";
        let names = names(listing);
        assert_eq!(names.len(), 5);
        assert_eq!(
            names["src/a.rs:48:9: replace && with || in run"],
            "src/a.rs: replace && with || in run (1 of 3)"
        );
        assert_eq!(
            names["src/a.rs:48:17: replace && with || in run"],
            "src/a.rs: replace && with || in run (2 of 3)"
        );
        assert_eq!(
            names["src/a.rs:49:17: replace && with || in run"],
            "src/a.rs: replace && with || in run (3 of 3)"
        );
        assert_eq!(
            names["src/b.rs:7:1: replace && with || in run"],
            "src/b.rs: replace && with || in run"
        );
        let explained = explained("src/a.rs: replace && with || in run (2 of 3)  # looser\n");
        assert_eq!(check_explained(&explained, &names), Vec::<String>::new());
        let missed = "src/a.rs:48:17: replace && with || in run\n\
                      src/a.rs:49:17: replace && with || in run\n";
        assert_eq!(
            unexplained(missed, &explained, &names),
            ["src/a.rs:49:17: replace && with || in run"],
            "the twin the line does not name is not explained by it"
        );
    }

    /// A line that names twins without a place, names no mutant (stale), or
    /// is given twice, is a problem the run reports before any mutant runs.
    #[test]
    fn a_stale_ambiguous_or_repeated_line_is_a_problem() {
        let names = names(
            "src/a.rs:48:17: replace && with || in run\n\
             src/a.rs:49:17: replace && with || in run\n\
             src/a.rs:60:5: replace g -> u32 with 0\n",
        );
        let explained = explained(
            "src/a.rs: replace && with || in run  # ambiguous\n\
             src/a.rs: replace h -> u32 with 0  # stale\n\
             src/a.rs: replace g -> u32 with 0  # fine\n\
             src/a.rs: replace g -> u32 with 0  # twice\n\
             src/a.rs: replace && with || in run (3 of 2)  # no such place\n",
        );
        let problems = check_explained(&explained, &names);
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems[0].contains("2 mutants of the file share this description"));
        assert!(problems[0].contains("(K of 2)"));
        assert!(problems[1].starts_with("src/a.rs: replace h -> u32 with 0: names no mutant"));
        assert!(problems[2].ends_with("given twice"));
        assert!(problems[3].contains("names no mutant"));
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
