//! The two sides of a comparison: real Twisted (`oracle/twisted_replay.py
//! --serve`, one interpreter for a whole run) and the project's `replay`
//! binary (one process a script, as a user runs it).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::step::root;

/// What Twisted made of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Its trace, JSON Lines, byte for byte as `replay` prints one.
    Trace(String),
    /// The script left the domain where a typed implementation can agree
    /// (docs/op-language.md, "Checking against Twisted"); why.
    OutOfDomain(String),
    /// The runner could not read it; why.
    Invalid(String),
}

impl Answer {
    /// What a deviation record or a report shows: the trace, or one line.
    pub fn describe(&self) -> String {
        match self {
            Answer::Trace(trace) => trace.clone(),
            Answer::OutOfDomain(why) => format!("out of domain: {why}\n"),
            Answer::Invalid(why) => format!("invalid: {why}\n"),
        }
    }
}

/// A running `twisted_replay.py --serve`.
pub struct Twisted {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Twisted {
    /// Starts the runner under `python`.
    pub fn start(python: &Path) -> Result<Twisted, String> {
        let mut child = Command::new(python)
            .arg(root().join("oracle/twisted_replay.py"))
            .arg("--serve")
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().map(BufReader::new);
        match stdout {
            Some(stdout) => Ok(Twisted {
                child,
                stdin,
                stdout,
            }),
            None => Err("the Twisted runner has no standard output".into()),
        }
    }

    /// Twisted's answer for one script (its JSON, on one line).
    pub fn ask(&mut self, script_json: &str) -> Result<Answer, String> {
        debug_assert!(!script_json.contains('\n'));
        let stdin = self.stdin.as_mut().ok_or("the Twisted runner is closed")?;
        writeln!(stdin, "{script_json}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("the Twisted runner stopped reading: {e}"))?;
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => return Err("the Twisted runner exited (see its message above)".into()),
            Ok(_) => {}
            Err(e) => return Err(format!("cannot read the Twisted runner: {e}")),
        }
        parse_answer(&line)
    }
}

impl Drop for Twisted {
    fn drop(&mut self) {
        // End of input stops the runner; wait so that no zombie is left.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// One line of `--serve`'s output.
pub fn parse_answer(line: &str) -> Result<Answer, String> {
    let value: serde_json::Value = serde_json::from_str(line)
        .map_err(|e| format!("the Twisted runner answered {line:?}: {e}"))?;
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    if let Some(trace) = field("trace") {
        Ok(Answer::Trace(trace))
    } else if let Some(why) = field("out_of_domain") {
        Ok(Answer::OutOfDomain(why))
    } else if let Some(why) = field("invalid") {
        Ok(Answer::Invalid(why))
    } else {
        Err(format!("the Twisted runner answered {line:?}"))
    }
}

/// Which of the project's implementations `replay` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// `replay`: the real `Deferred`.
    Real,
    /// `replay --model`: the reference model.
    Model,
}

impl Engine {
    /// Both, in report order.
    pub const BOTH: [Engine; 2] = [Engine::Real, Engine::Model];

    /// How the command line names it.
    pub fn label(self) -> &'static str {
        match self {
            Engine::Real => "replay",
            Engine::Model => "replay --model",
        }
    }

    /// The file-name part for saved traces.
    pub fn file_part(self) -> &'static str {
        match self {
            Engine::Real => "replay",
            Engine::Model => "model",
        }
    }
}

/// The `replay` binary.
pub struct Replay {
    binary: PathBuf,
}

impl Replay {
    /// `target/debug/replay`, which the caller has built.
    pub fn debug() -> Replay {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target"));
        Replay {
            binary: target.join("debug/replay"),
        }
    }

    /// The trace `engine` prints for the script (read from standard input),
    /// or what went wrong (exit status and its standard error).
    pub fn run(&self, engine: Engine, script_json: &str) -> Result<String, String> {
        let mut command = Command::new(&self.binary);
        if engine == Engine::Model {
            command.arg("--model");
        }
        let mut child = command
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.binary.display()))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A replay that exits early closes the pipe; its status says why.
            let _ = stdin.write_all(script_json.as_bytes());
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("{} did not finish: {e}", engine.label()))?;
        if out.status.success() {
            String::from_utf8(out.stdout)
                .map_err(|_| format!("{} printed non-UTF-8", engine.label()))
        } else {
            Err(format!(
                "{} exited with {}: {}",
                engine.label(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_answer_is_read() {
        assert_eq!(
            parse_answer("{\"trace\": \"a\\nb\\n\"}\n"),
            Ok(Answer::Trace("a\nb\n".into()))
        );
        assert_eq!(
            parse_answer("{\"out_of_domain\": \"None\"}"),
            Ok(Answer::OutOfDomain("None".into()))
        );
        assert_eq!(
            parse_answer("{\"invalid\": \"bad\"}"),
            Ok(Answer::Invalid("bad".into()))
        );
    }

    #[test]
    fn an_unexpected_answer_is_an_error_not_a_panic() {
        assert!(parse_answer("Traceback (most recent call last):").is_err());
        assert!(parse_answer("{\"trace\": 3}").is_err());
        assert!(parse_answer("{}").is_err());
    }
}
