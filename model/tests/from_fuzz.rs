//! `replay --from-fuzz`: a fuzz crash artifact becomes a JSON script that
//! `replay` (and the fixture tests) accept.

use std::io::Write;
use std::process::{Command, Stdio};

use deferred_model::{fuzz_input, parse_script, real, reference};

fn replay(args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_replay"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("replay starts");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

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
