//! The instruction-count history: `cargo xtask bench-check --record` appends
//! a run's counts, with the commit they were measured on, to the committed
//! `benches/history/instructions.tsv`; `cargo xtask bench-history` prints
//! how each benchmark moved and draws the history as a PNG
//! (`docs/bench-history.png`, through `benches/plot_history.py` and
//! matplotlib in a virtual environment under `target/`).
//!
//! ```text
//! cargo xtask bench-check --record        gate, then append this run's counts
//! cargo xtask bench-history               the table, and docs/bench-history.png
//! cargo xtask bench-history --table       the table only (no Python needed)
//! cargo xtask bench-history --out FILE    the PNG elsewhere
//! ```
//!
//! The file is one line per (commit, benchmark), so benchmarks can come and
//! go without rewriting the past:
//!
//! ```text
//! commit<TAB>commit date<TAB>toolchain<TAB>benchmark<TAB>instructions
//! ```
//!
//! Records keep the order they were appended in, which on `main` is the
//! order of the commits. Recording a commit again replaces its lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::step::root;

/// The committed history, relative to the repository root.
pub const HISTORY: &str = "benches/history/instructions.tsv";
/// The plotting script and its pinned requirements.
const PLOT_SCRIPT: &str = "benches/plot_history.py";
const PLOT_REQUIREMENTS: &str = "benches/plot-requirements.txt";
/// The virtual environment the plot runs in (shared with plot_ticks.py).
const VENV: &str = "target/venv-bench";
/// Where the PNG goes unless `--out`.
const DEFAULT_PNG: &str = "docs/bench-history.png";

const HEADER: &str = "\
# Instruction counts (callgrind Ir) of benches/instructions.rs over time, one line per
# commit and benchmark, in the order recorded. Appended by `cargo xtask bench-check --record`;
# drawn by `cargo xtask bench-history`. A commit ending in +dirty was measured with
# uncommitted changes. Counts move with the toolchain too (third column).
# commit\tcommit_date\ttoolchain\tbenchmark\tinstructions
";

/// One line of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The commit measured (`+dirty` if the tree differed from it).
    pub commit: String,
    /// Its commit date (ISO 8601).
    pub date: String,
    /// The versions that decide the counts, in one field.
    pub toolchain: String,
    /// `group::function.id`.
    pub benchmark: String,
    /// Total instruction count.
    pub instructions: u64,
}

/// Reads the history file's text.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [commit, date, toolchain, benchmark, count] = fields[..] else {
            return Err(format!(
                "line {}: expected 5 tab-separated fields (commit, date, toolchain, benchmark, instructions), found {}",
                number + 1,
                fields.len()
            ));
        };
        let instructions = count
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("line {}: {count:?} is not a count", number + 1))?;
        if commit.is_empty() || benchmark.is_empty() {
            return Err(format!("line {}: empty commit or benchmark", number + 1));
        }
        entries.push(Entry {
            commit: commit.into(),
            date: date.into(),
            toolchain: toolchain.into(),
            benchmark: benchmark.into(),
            instructions,
        });
    }
    Ok(entries)
}

/// The file's text for `entries`.
fn render(entries: &[Entry]) -> String {
    let mut text = String::from(HEADER);
    for e in entries {
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}\t{}",
            e.commit, e.date, e.toolchain, e.benchmark, e.instructions
        );
    }
    text
}

/// `entries` with `commit`'s lines replaced by `counts` (appended at the end:
/// a re-record moves the commit to the latest place).
fn with_record(
    mut entries: Vec<Entry>,
    commit: &str,
    date: &str,
    toolchain: &str,
    counts: &BTreeMap<String, u64>,
) -> Vec<Entry> {
    entries.retain(|e| e.commit != commit);
    entries.extend(counts.iter().map(|(benchmark, &instructions)| Entry {
        commit: commit.into(),
        date: date.into(),
        toolchain: toolchain.into(),
        benchmark: benchmark.clone(),
        instructions,
    }));
    entries
}

/// The toolchain lines of bench-check in one tab-free field.
pub fn toolchain_field(toolchain: &[String]) -> String {
    toolchain
        .iter()
        .map(|t| t.replace('\t', " "))
        .collect::<Vec<_>>()
        .join("; ")
}

fn git(args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root())
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The commit measured: HEAD, with `+dirty` when tracked files other than
/// the baseline and the history differ from it (those two are what a
/// `--save --record` run writes itself).
fn measured_commit() -> Result<(String, String), String> {
    let head = git(&["rev-parse", "HEAD"])?;
    let date = git(&["show", "-s", "--format=%cI", "HEAD"])?;
    let changes = git(&[
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        ".",
        ":(exclude)benches/baseline",
        ":(exclude)benches/history",
    ])?;
    let commit = if changes.is_empty() {
        head
    } else {
        format!("{head}+dirty")
    };
    Ok((commit, date))
}

/// Appends `counts` to the history as the current commit's; returns what
/// to tell the user.
pub fn record(counts: &BTreeMap<String, u64>, toolchain: &[String]) -> Result<String, String> {
    let (commit, date) = measured_commit()?;
    let path = root().join(HISTORY);
    let entries = match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text).map_err(|e| format!("{}: {e}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let replaced = entries.iter().any(|e| e.commit == commit);
    let entries = with_record(entries, &commit, &date, &toolchain_field(toolchain), counts);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(&path, render(&entries))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut message = format!(
        "{} {} benchmark counts for {commit} in {HISTORY}; commit that file",
        if replaced { "replaced" } else { "recorded" },
        counts.len()
    );
    if commit.ends_with("+dirty") {
        message.push_str(
            "\nnote: the tree has uncommitted changes, so the record says +dirty; \
             record from a clean checkout to name the commit exactly",
        );
    }
    Ok(message)
}

/// The markdown table of the history: per benchmark, the first record, the
/// one before the latest, the latest, and the change over all.
pub fn summary(entries: &[Entry]) -> String {
    let mut commits: Vec<&str> = Vec::new();
    for e in entries {
        if !commits.contains(&e.commit.as_str()) {
            commits.push(&e.commit);
        }
    }
    let mut by_bench: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        by_bench.entry(&e.benchmark).or_default().push(e);
    }
    let short = |c: &str| {
        let (id, dirty) = c
            .strip_suffix("+dirty")
            .map_or((c, ""), |id| (id, "+dirty"));
        format!("{}{dirty}", &id[..id.len().min(10)])
    };
    let mut out = format!(
        "{} records ({} to {})\n\n| benchmark | first | previous | latest | latest vs first |\n|---|---:|---:|---:|---:|\n",
        commits.len(),
        commits.first().map_or("-".into(), |c| short(c)),
        commits.last().map_or("-".into(), |c| short(c)),
    );
    for (bench, records) in by_bench {
        let first = records[0];
        let latest = records[records.len() - 1];
        let previous = (records.len() > 1).then(|| records[records.len() - 2]);
        let change = if first.instructions == 0 {
            "-".to_string()
        } else {
            format!(
                "{:+.1}%",
                (latest.instructions as f64 - first.instructions as f64) * 100.0
                    / first.instructions as f64
            )
        };
        let _ = writeln!(
            out,
            "| {bench} | {} ({}) | {} | {} ({}) | {change} |",
            first.instructions,
            short(&first.commit),
            previous.map_or("-".into(), |p| p.instructions.to_string()),
            latest.instructions,
            short(&latest.commit),
        );
    }
    out
}

/// What the command line asked for.
#[derive(Debug, PartialEq)]
struct Options {
    /// Print the table only.
    table_only: bool,
    /// Where the PNG goes.
    out: PathBuf,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        table_only: false,
        out: PathBuf::from(DEFAULT_PNG),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--table" => options.table_only = true,
            "--out" => options.out = args.next().ok_or("--out needs a file name")?.into(),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

/// Entry point: the arguments after `bench-history`.
pub fn run(args: &[String]) -> ExitCode {
    let options = match parse_args(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("bench-history: {message}");
            eprintln!("usage: cargo xtask bench-history [--table] [--out FILE.png]");
            return ExitCode::from(2);
        }
    };
    let path = root().join(HISTORY);
    let entries = match std::fs::read_to_string(&path) {
        Ok(text) => match parse(&text) {
            Ok(entries) => entries,
            Err(e) => {
                eprintln!("bench-history: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
        Err(e) => {
            eprintln!("bench-history: cannot read {}: {e}", path.display());
            eprintln!("bench-history: record a run first with `cargo xtask bench-check --record`");
            return ExitCode::FAILURE;
        }
    };
    if entries.is_empty() {
        eprintln!("bench-history: {HISTORY} has no records yet; `cargo xtask bench-check --record` adds one");
        return ExitCode::FAILURE;
    }
    print!("{}", summary(&entries));
    if options.table_only {
        return ExitCode::SUCCESS;
    }
    match plot(&options.out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nbench-history: {message}");
            eprintln!("bench-history: the table above needs no Python: `cargo xtask bench-history --table`");
            ExitCode::FAILURE
        }
    }
}

/// The Python that makes the virtual environment: `$PYTHON`, else `python3`.
fn base_python() -> Result<String, String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    match Command::new(&python).arg("--version").output() {
        Ok(o) if o.status.success() => Ok(python),
        _ => Err(format!(
            "drawing the history needs Python 3 with its venv module, to install matplotlib \
             (pinned in {PLOT_REQUIREMENTS}) in {VENV}; `{python} --version` did not run. \
             Install it (Debian/Ubuntu: `apt-get install python3 python3-venv`), or point \
             PYTHON at a Python 3 interpreter"
        )),
    }
}

/// Runs `command` (from the repository root), its output shown.
fn run_shown(mut command: Command, what: &str) -> Result<(), String> {
    command.current_dir(root());
    let status = command
        .status()
        .map_err(|e| format!("could not {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("could not {what} ({status})"))
    }
}

/// Makes the virtual environment with matplotlib if needed, then draws.
fn plot(out: &Path) -> Result<(), String> {
    let venv = root().join(VENV);
    let python = venv.join("bin/python");
    let has_matplotlib = |python: &Path| {
        Command::new(python)
            .args(["-c", "import matplotlib"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has_matplotlib(&python) {
        let base = base_python()?;
        if !python.exists() {
            println!("\n$ {base} -m venv {VENV}");
            let mut venv_cmd = Command::new(&base);
            venv_cmd.args(["-m", "venv", VENV]);
            run_shown(venv_cmd, "make the virtual environment").map_err(|e| {
                format!("{e}: is the venv module installed (Debian/Ubuntu: python3-venv)?")
            })?;
        }
        println!("$ {VENV}/bin/pip install -r {PLOT_REQUIREMENTS}");
        let mut pip = Command::new(venv.join("bin/pip"));
        pip.args(["install", "--quiet", "-r", PLOT_REQUIREMENTS]);
        run_shown(pip, "install matplotlib").map_err(|e| {
            format!("{e}: pip needs the package index (or a local mirror) to fetch matplotlib")
        })?;
    }
    let mut draw = Command::new(&python);
    draw.arg(PLOT_SCRIPT)
        .arg("--history")
        .arg(HISTORY)
        .arg("--out")
        .arg(out);
    println!(
        "\n$ {VENV}/bin/python {PLOT_SCRIPT} --history {HISTORY} --out {}",
        out.display()
    );
    run_shown(draw, "draw the history")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    }

    #[test]
    fn a_record_round_trips_through_the_file() {
        let entries = with_record(
            Vec::new(),
            "abc",
            "2026-01-01T00:00:00Z",
            "rustc 1; v 2",
            &counts(&[("a::b.c", 10), ("d::e.f", 20)]),
        );
        let text = render(&entries);
        assert!(text.starts_with("# Instruction counts"));
        assert_eq!(parse(&text).unwrap(), entries);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].benchmark, "d::e.f");
    }

    #[test]
    fn recording_a_commit_again_replaces_its_lines_and_keeps_the_others() {
        let first = with_record(Vec::new(), "c1", "d1", "t", &counts(&[("a", 1), ("b", 2)]));
        let second = with_record(first, "c2", "d2", "t", &counts(&[("a", 3)]));
        let again = with_record(second, "c1", "d1", "t", &counts(&[("a", 5)]));
        let lines: Vec<(&str, &str, u64)> = again
            .iter()
            .map(|e| (e.commit.as_str(), e.benchmark.as_str(), e.instructions))
            .collect();
        assert_eq!(lines, [("c2", "a", 3), ("c1", "a", 5)]);
    }

    #[test]
    fn a_malformed_history_line_is_a_clear_error() {
        let err = parse("c\td\tt\tbench\n").unwrap_err();
        assert!(
            err.contains("line 1") && err.contains("5 tab-separated"),
            "{err}"
        );
        let err = parse("# header\nc\td\tt\tbench\tmany\n").unwrap_err();
        assert!(
            err.contains("line 2") && err.contains("not a count"),
            "{err}"
        );
        let err = parse("\td\tt\tbench\t1\n").unwrap_err();
        assert!(err.contains("empty commit"), "{err}");
        assert_eq!(parse("# only a header\n\n").unwrap(), []);
    }

    #[test]
    fn the_toolchain_field_has_no_tab() {
        let field = toolchain_field(&["rustc\t1.95".into(), "valgrind-3.19.0".into()]);
        assert_eq!(field, "rustc 1.95; valgrind-3.19.0");
    }

    #[test]
    fn the_summary_shows_first_previous_latest_and_the_change() {
        let mut entries = with_record(
            Vec::new(),
            "1111111111aa",
            "d",
            "t",
            &counts(&[("a", 100), ("b", 50)]),
        );
        entries = with_record(entries, "2222222222bb", "d", "t", &counts(&[("a", 110)]));
        entries = with_record(
            entries,
            "3333333333cc+dirty",
            "d",
            "t",
            &counts(&[("a", 90), ("b", 50)]),
        );
        let table = summary(&entries);
        assert!(
            table.starts_with("3 records (1111111111 to 3333333333+dirty)"),
            "{table}"
        );
        assert!(
            table.contains("| a | 100 (1111111111) | 110 | 90 (3333333333+dirty) | -10.0% |"),
            "{table}"
        );
        assert!(
            table.contains("| b | 50 (1111111111) | 50 | 50 (3333333333+dirty) | +0.0% |"),
            "{table}"
        );
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(parse_args(&["--out".into()]).is_err());
        assert!(parse_args(&["--plot".into()]).is_err());
        let options = parse_args(&["--table".into(), "--out".into(), "x.png".into()]).unwrap();
        assert_eq!(
            options,
            Options {
                table_only: true,
                out: "x.png".into()
            }
        );
    }
}
