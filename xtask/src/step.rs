//! Running a step: a header, the command echoed, its output streamed to the
//! terminal and kept in a log, and its wall time.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How a step ended.
#[derive(Debug)]
pub struct Outcome {
    /// Whether the process exited with status 0.
    pub success: bool,
    /// Wall time of the step.
    pub elapsed: Duration,
    /// Everything it printed, stdout and stderr interleaved as they came.
    pub output: String,
}

/// The repository root (xtask lives one level below it).
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Prints a section header.
pub fn header(title: &str) {
    println!("\n==================== {title} ====================");
}

/// The command as a shell user would type it, env first, for headers and the table.
pub fn display(command: &Command) -> String {
    let mut words: Vec<String> = command
        .get_envs()
        .filter_map(|(k, v)| {
            Some(format!(
                "{}={:?}",
                k.to_string_lossy(),
                v?.to_string_lossy()
            ))
        })
        .collect();
    // `cargo`, not the toolchain path the outer cargo handed us.
    let program = std::path::Path::new(command.get_program());
    words.push(
        program
            .file_name()
            .unwrap_or(program.as_os_str())
            .to_string_lossy()
            .into_owned(),
    );
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// Runs `command` from the repository root, streaming its output (unless
/// `quiet`) and keeping a copy in `log` (when given) and in the outcome.
pub fn run(mut command: Command, log: Option<&Path>, quiet: bool) -> Outcome {
    command.current_dir(root());
    if !quiet {
        println!("$ {}", display(&command));
    }
    let start = Instant::now();
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            let output = format!("could not start {}: {error}", display(&command));
            eprintln!("{output}");
            return Outcome {
                success: false,
                elapsed: start.elapsed(),
                output,
            };
        }
    };
    let sink = Arc::new(Mutex::new(Sink {
        text: String::new(),
        file: log.and_then(|path| {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            File::create(path).ok()
        }),
    }));
    let pumps: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .enumerate()
    .map(|(i, stream)| {
        let sink = Arc::clone(&sink);
        thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if !quiet {
                    if i == 0 {
                        println!("{line}");
                    } else {
                        eprintln!("{line}");
                    }
                }
                sink.lock().unwrap_or_else(|p| p.into_inner()).push(&line);
            }
        })
    })
    .collect();
    for pump in pumps {
        let _ = pump.join();
    }
    let success = child.wait().map(|s| s.success()).unwrap_or(false);
    let output = std::mem::take(&mut sink.lock().unwrap_or_else(|p| p.into_inner()).text);
    Outcome {
        success,
        elapsed: start.elapsed(),
        output,
    }
}

struct Sink {
    text: String,
    file: Option<File>,
}

impl Sink {
    fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
        if let Some(file) = &mut self.file {
            let _ = writeln!(file, "{line}");
        }
    }
}

/// `cargo`, as the running cargo named it (so `cargo +toolchain xtask` works).
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// `cargo test --release -p deferred-loom --test loom --target-dir TARGET_DIR`
/// built with `--cfg deferred_loom` (plus `extra_cfg`, if any) and run at
/// `LOOM_MAX_PREEMPTIONS=preemptions`: the one way every loom run is made
/// (every model lives in that one test binary, `loom/tests/loom.rs`).
pub fn loom_test(preemptions: u32, target_dir: &Path, extra_cfg: Option<&str>) -> Command {
    let mut flags = String::from("--cfg deferred_loom");
    if let Some(cfg) = extra_cfg {
        flags.push_str(" --cfg ");
        flags.push_str(cfg);
    }
    let mut command = cargo();
    command
        .env("RUSTFLAGS", flags)
        .env("LOOM_MAX_PREEMPTIONS", preemptions.to_string())
        // Backtraces multiply loom's run time by capturing one per Failure.
        .env("RUST_BACKTRACE", "0")
        .args([
            "test",
            "--release",
            "-p",
            "deferred-loom",
            "--test",
            "loom",
            "--target-dir",
        ])
        .arg(target_dir);
    command
}

/// Formats a duration as `1m02s` or `4.2s`.
pub fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 60.0 {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    } else {
        format!("{secs:.1}s")
    }
}

/// Prints a table with a header row, columns padded to fit.
pub fn table(head: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = head.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("| {} |", padded.join(" | "));
    };
    line(head.to_vec());
    println!(
        "|{}|",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("|")
    );
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    let _ = io::stdout().flush();
}

// ---- the rows of a summary (verify, fuzz, miri and twisted make them) ----

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

/// Runs a command as one row of the table.
pub fn step_row(layer: &str, command: Command, log: Option<&Path>) -> Row {
    let shown = display(&command);
    let outcome = run(command, log, false);
    Row {
        layer: layer.to_owned(),
        command: shown,
        time: outcome.elapsed,
        verdict: Verdict::from_success(outcome.success),
        note: String::new(),
    }
}

/// A cargo on the nightly toolchain through the rustup proxy, with the
/// variables the outer `cargo run` set removed (they would pin the stable
/// toolchain, or RUSTFLAGS, on cargo-fuzz's own builds).
pub fn nightly_cargo() -> Command {
    let mut command = Command::new("cargo");
    for var in [
        "CARGO",
        "RUSTUP_TOOLCHAIN",
        "RUSTC",
        "RUSTDOC",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
    ] {
        command.env_remove(var);
    }
    command.arg("+nightly");
    command
}

/// A skipped row of the summary, saying why.
pub fn skipped(layer: &str, why: String) -> Row {
    println!("SKIPPED {layer}: {why}");
    Row {
        layer: layer.to_owned(),
        command: String::new(),
        time: Duration::ZERO,
        verdict: Verdict::Skipped,
        note: why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_seconds_or_minutes() {
        assert_eq!(fmt_duration(Duration::from_millis(4_250)), "4.2s");
        assert_eq!(fmt_duration(Duration::from_secs(62)), "1m02s");
    }

    #[test]
    fn display_shows_env_then_cargo_then_args() {
        let mut command = Command::new("/some/toolchain/bin/cargo");
        command.env("A", "1").args(["test", "-p", "x"]);
        assert_eq!(display(&command), "A=\"1\" cargo test -p x");
    }

    #[test]
    fn a_command_that_cannot_start_is_a_failed_step_not_a_panic() {
        let outcome = run(Command::new("/nonexistent/xtask-test-binary"), None, true);
        assert!(!outcome.success);
        assert!(outcome.output.contains("could not start"));
    }

    #[test]
    fn output_and_status_are_captured() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let outcome = run(command, None, true);
        assert!(!outcome.success);
        assert!(outcome.output.contains("out") && outcome.output.contains("err"));
    }
}
