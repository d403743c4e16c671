//! Every fixture in `model/fixtures/` gives its expected trace on the model,
//! on the real implementation and through the `replay` binary; every script
//! in `model/fixtures/invalid/` is refused with its expected one-line message.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use deferred_model::{fuzz_input, parse_script, real, reference, trace};

struct Fixture {
    name: String,
    path: PathBuf,
    script: String,
    trace: String,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    paths.sort();
    paths
}

fn fixtures() -> Vec<Fixture> {
    with_extension(&dir(), "json")
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let script = std::fs::read_to_string(&path).unwrap();
            let trace = std::fs::read_to_string(path.with_extension("jsonl"))
                .unwrap_or_else(|e| panic!("{name}.jsonl: {e}"));
            Fixture {
                name,
                path,
                script,
                trace,
            }
        })
        .collect()
}

fn replay(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_replay"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("replay runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn there_are_at_least_45_fixtures_and_each_has_a_trace() {
    let all = fixtures();
    assert!(all.len() >= 45, "only {} fixtures", all.len());
    for f in &all {
        assert!(!f.trace.trim().is_empty(), "{}: empty trace", f.name);
        for (i, line) in f.trace.lines().enumerate() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("{}.jsonl line {}: {e}", f.name, i + 1));
        }
    }
}

#[test]
fn model_gives_every_fixture_its_expected_trace() {
    for f in fixtures() {
        let script = parse_script(&f.script).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        let got = trace::to_jsonl(&reference::run(&script));
        assert!(
            trace::same_jsonl(&got, &f.trace),
            "{}: model gave\n{got}expected\n{}",
            f.name,
            f.trace
        );
    }
}

#[test]
fn real_implementation_gives_every_fixture_its_expected_trace() {
    for f in fixtures() {
        let script = parse_script(&f.script).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        let got = trace::to_jsonl(&real::run(&script));
        assert!(
            trace::same_jsonl(&got, &f.trace),
            "{}: real gave\n{got}expected\n{}",
            f.name,
            f.trace
        );
    }
}

#[test]
fn replay_binary_prints_every_fixture_trace_in_both_modes() {
    for f in fixtures() {
        let path = f.path.to_str().unwrap();
        for args in [vec!["--model", path], vec![path]] {
            let out = replay(&args, b"");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{} {args:?}: {}",
                f.name,
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.stderr.is_empty(),
                "{} {args:?}: stderr not empty",
                f.name
            );
            let got = String::from_utf8(out.stdout).unwrap();
            assert!(
                trace::same_jsonl(&got, &f.trace),
                "{} {args:?} gave\n{got}",
                f.name
            );
        }
    }
}

/// `diff <(replay F.json) F.jsonl` must show nothing: same keys, same
/// order, same spacing, same final newline.
#[test]
fn replay_output_is_byte_identical_to_every_fixture_trace() {
    for f in fixtures() {
        let path = f.path.to_str().unwrap();
        for args in [vec!["--model", path], vec![path]] {
            let out = replay(&args, b"");
            assert_eq!(out.status.code(), Some(0), "{} {args:?}", f.name);
            let got = String::from_utf8(out.stdout).unwrap();
            assert_eq!(got, f.trace, "{} {args:?}: not byte-identical", f.name);
        }
    }
}

#[test]
fn replay_help_prints_usage_and_options_on_stdout_and_exits_0() {
    for flag in ["-h", "--help"] {
        let out = replay(&[flag], b"");
        assert_eq!(out.status.code(), Some(0), "{flag}");
        assert!(out.stderr.is_empty(), "{flag}: stderr not empty");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.starts_with("usage: replay"), "{flag}: {text}");
        for option in ["--model", "--from-fuzz", "-h, --help", "FILE | -"] {
            assert!(text.contains(option), "{flag}: no {option} in\n{text}");
        }
    }
}

#[test]
fn replay_reads_the_script_from_standard_input_given_a_dash() {
    let f = &fixtures()[0];
    for args in [vec!["-"], vec!["--model", "-"]] {
        let out = replay(&args, f.script.as_bytes());
        assert_eq!(out.status.code(), Some(0));
        assert!(trace::same_jsonl(
            &String::from_utf8(out.stdout).unwrap(),
            &f.trace
        ));
    }
}

/// Exit status 2, nothing on stdout, exactly one line on stderr; returns it.
fn refused(out: Output) -> String {
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.ends_with('\n'));
    err.trim_end().to_owned()
}

#[test]
fn every_invalid_fixture_exits_2_with_its_one_line_message() {
    let invalid = dir().join("invalid");
    let all = with_extension(&invalid, "json");
    assert!(all.len() >= 30, "only {} invalid fixtures", all.len());
    for path in all {
        let want = std::fs::read_to_string(path.with_extension("stderr")).unwrap();
        let p = path.to_str().unwrap();
        for args in [vec![p], vec!["--model", p]] {
            assert_eq!(refused(replay(&args, b"")), want.trim_end(), "{args:?}");
        }
        // And the library says the same.
        let bytes = std::fs::read(&path).unwrap();
        let e = deferred_model::parse_script_bytes(&bytes).unwrap_err();
        assert_eq!(e.to_string(), want.trim_end());
    }
}

#[test]
fn replay_refuses_bad_arguments_with_status_2() {
    for args in [
        vec![],
        vec!["--model"],
        vec!["--frob", "x"],
        vec!["a", "b"],
        vec!["--model", "a", "b"],
    ] {
        assert!(
            refused(replay(&args, b"")).starts_with("usage: replay"),
            "{args:?}"
        );
    }
}

#[test]
fn replay_refuses_an_unreadable_file_with_status_2() {
    let line = refused(replay(&["/nonexistent/script.json"], b""));
    assert!(
        line.starts_with("/nonexistent/script.json: cannot read:"),
        "{line}"
    );
    let line = refused(replay(&["--model", env!("CARGO_MANIFEST_DIR")], b""));
    assert!(line.contains("cannot read"), "{line}");
}

/// `replay --from-fuzz`: a fuzz crash artifact becomes a JSON script that
/// `replay` (and these tests) accept.
#[test]
fn from_fuzz_prints_the_script_the_ops_target_decodes() {
    let artifacts: [&[u8]; 4] = [b"", b"\x00", b"abcdefghijklmnop", &[0xFF; 300]];
    for bytes in artifacts {
        let out = replay(&["--from-fuzz", "-"], bytes);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let script = parse_script(text.trim_end()).expect("a valid script");
        assert_eq!(script, fuzz_input::decode(bytes));
        // And the script replays, with both implementations agreeing.
        assert_eq!(real::run(&script), reference::run(&script));
        let traced = replay(&["-"], text.as_bytes());
        assert!(traced.status.success());
    }
}

#[test]
fn from_fuzz_without_a_file_is_a_usage_error() {
    let out = replay(&["--from-fuzz"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from-fuzz"));
}
