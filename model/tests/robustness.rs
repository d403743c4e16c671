//! The parser and `replay` never panic, whatever the input: mutated
//! fixtures and random bytes either parse (and then both implementations
//! agree on them) or are refused with a one-line error.

use std::io::Write;
use std::process::{Command, Stdio};

use deferred_model::gen::Rng;
use deferred_model::{parse_script_bytes, real, reference};

const JSONISH: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"0",
    b"-1",
    b"64",
    b"65",
    b"1.5",
    b"1e400",
    b"null",
    b"true",
    b"\"op\"",
    b"\"d\"",
    b"\"k\"",
    b"\"chain\"",
    b"\"cancel\"",
    b"\"value\"",
    b"99999999999999999999",
    b"\\u0000",
    b"\xff",
    b" ",
    b"\n",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let end = (at + rng.below(8)).min(out.len());
                out.drain(at..end);
            }
            2 => {
                let piece = JSONISH[rng.below(JSONISH.len())];
                out.splice(at..at, piece.iter().copied());
            }
            3 => out.truncate(at),
            _ => {
                let end = (at + rng.below(16)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
        }
    }
    out
}

fn check(bytes: &[u8]) -> bool {
    match parse_script_bytes(bytes) {
        Ok(script) => {
            script
                .validate_ids()
                .expect("a parsed script has valid ids");
            assert_eq!(
                reference::run(&script),
                real::run(&script),
                "script {}",
                script.to_json()
            );
            true
        }
        Err(e) => {
            let line = e.to_string();
            assert!(!line.contains('\n') && !line.is_empty(), "{line:?}");
            false
        }
    }
}

#[test]
fn mutated_fixtures_parse_or_fail_with_one_line_and_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    seeds.sort();
    let mut rng = Rng::new(2026);
    let (mut parsed, mut refused) = (0, 0);
    for seed in &seeds {
        for _ in 0..300 {
            if check(&mutate(&mut rng, seed)) {
                parsed += 1;
            } else {
                refused += 1;
            }
        }
    }
    // Both paths must actually be exercised.
    assert!(
        parsed > 100 && refused > 100,
        "parsed {parsed}, refused {refused}"
    );
}

#[test]
fn random_bytes_never_panic_the_parser() {
    let mut rng = Rng::new(7);
    for _ in 0..5_000 {
        let len = rng.below(64);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        check(&bytes);
        let text: Vec<u8> = (0..rng.below(20))
            .flat_map(|_| JSONISH[rng.below(JSONISH.len())].to_vec())
            .collect();
        check(&text);
    }
}

#[test]
fn deeply_nested_json_is_refused_not_overflowed() {
    for text in [
        "[".repeat(1_000_000),
        "{\"a\":".repeat(100_000),
        format!("{{\"deferreds\":1,\"ops\":{}", "[".repeat(500_000)),
    ] {
        let e = parse_script_bytes(text.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("invalid JSON"), "{e}");
    }
}

#[test]
fn replay_binary_refuses_garbage_on_stdin_with_one_line() {
    let mut rng = Rng::new(11);
    for i in 0..40 {
        let bytes: Vec<u8> = match i {
            0 => Vec::new(),
            1 => b"[".repeat(200_000),
            _ => (0..rng.below(100)).map(|_| rng.next_u64() as u8).collect(),
        };
        for mode in [&["-"][..], &["--model", "-"][..]] {
            let mut child = Command::new(env!("CARGO_BIN_EXE_replay"))
                .args(mode)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(&bytes).unwrap();
            let out = child.wait_with_output().unwrap();
            if parse_script_bytes(&bytes).is_err() {
                assert_eq!(out.status.code(), Some(2));
                assert!(out.stdout.is_empty());
                assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
            } else {
                assert_eq!(out.status.code(), Some(0));
            }
        }
    }
}
