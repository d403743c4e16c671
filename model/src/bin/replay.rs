//! `replay`: runs an op script and prints its trace (docs/op-language.md).
//!
//! ```text
//! replay FILE|-            run on the real Deferred
//! replay --model FILE|-    run on the reference model
//! replay --from-fuzz FILE  print, as a JSON script, the op script that the
//!                          `ops` fuzz target decodes from FILE (a crash
//!                          artifact), ready to become a fixture
//! replay -h | --help       the usage and options, on standard output
//! ```
//!
//! The trace is byte-identical to a fixture's `.jsonl` file (keys in the
//! spec's order, spaced as Python's `json.dumps` spaces them), so
//! `diff <(replay F.json) F.jsonl` compares them.
//!
//! Bad input (an unreadable file, invalid JSON, a script that breaks the
//! rules, bad arguments) prints one line on standard error, nothing on
//! standard output, and exits with status 2.

use std::io::{Read, Write};
use std::process::ExitCode;

use deferred_model::{parse_script_bytes, real, reference, trace};

const USAGE: &str = "usage: replay [--model] FILE|- | replay --from-fuzz FILE|- | replay --help";

/// What `--help` prints (on standard output, exit status 0).
const HELP: &str = "\
usage: replay [--model] FILE|-
       replay --from-fuzz FILE|-
       replay -h | --help

Runs an op script (docs/op-language.md) and prints its trace, one JSON event
a line, byte-identical to a fixture's .jsonl file.

  FILE | -           the script, or - for standard input
  --model            run the reference model instead of the real Deferred
  --from-fuzz FILE   print the op script an `ops` fuzz input (a crash
                     artifact) decodes to, as JSON, ready to become a fixture
  -h, --help         this text

A bad script or bad arguments print one line on standard error, nothing on
standard output, and exit with status 2.

examples:
  replay model/fixtures/late_fire_after_cancel_is_ignored_once.json
  diff <(replay F.json) F.jsonl       # a fixture's trace, byte for byte
  diff <(replay F.json) <(replay --model F.json)
";

/// Which implementation runs the script.
enum Engine {
    Real,
    Model,
    /// Not an engine: decode fuzz bytes and print the script.
    FromFuzz,
}

fn fail(message: &str) -> ExitCode {
    // One line, whatever the message holds.
    let line = message.replace(['\n', '\r'], " ");
    let _ = writeln!(std::io::stderr(), "{line}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = match std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect()
    {
        Ok(args) => args,
        Err(_) => return fail(&format!("arguments must be UTF-8; {USAGE}")),
    };
    if let [flag] = args.as_slice() {
        if flag == "-h" || flag == "--help" {
            let mut stdout = std::io::stdout().lock();
            return match stdout
                .write_all(HELP.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(1),
            };
        }
    }
    let (engine, source) = match args.as_slice() {
        [flag, source] if flag == "--model" => (Engine::Model, source),
        [flag, source] if flag == "--from-fuzz" => (Engine::FromFuzz, source),
        [source] if source == "-" || !source.starts_with('-') => (Engine::Real, source),
        _ => return fail(USAGE),
    };
    let mut bytes = Vec::new();
    let read = if source == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes)
    } else {
        std::fs::File::open(source).and_then(|mut f| f.read_to_end(&mut bytes))
    };
    if let Err(e) = read {
        return fail(&format!("{source}: cannot read: {e}"));
    }
    let out = if let Engine::FromFuzz = engine {
        // Every byte string decodes to a valid script (fuzz_input's design).
        let mut json = deferred_model::fuzz_input::decode(&bytes).to_json();
        json.push('\n');
        json
    } else {
        let script = match parse_script_bytes(&bytes) {
            Ok(script) => script,
            Err(e) => return fail(&e.to_string()),
        };
        let events = match engine {
            Engine::Model => reference::run(&script),
            _ => real::run(&script),
        };
        trace::to_jsonl(&events)
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "replay: cannot write the trace: {e}");
            ExitCode::from(1)
        }
    }
}
