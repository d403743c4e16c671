//! When a `Failure` captures a backtrace: only when the environment asks
//! (`RUST_BACKTRACE`), and never when `RUST_LIB_BACKTRACE=0` says that the
//! library's backtraces are off, while panics keep theirs. The settings are
//! read once per process, so each case runs this test binary again as a
//! child with the variables set (the `probe` test does the work there).

use std::process::Command;

use deferred::{CancelledError, Failure};

/// Set in the child: the probe reports instead of doing nothing.
const PROBE: &str = "DEFERRED_BACKTRACE_PROBE";

/// In a child: prints whether a `Failure` captured a backtrace, then panics
/// on a thread so that the panic hook's output lands on standard error.
#[test]
fn probe() {
    if std::env::var_os(PROBE).is_none() {
        return;
    }
    let captured = Failure::new(CancelledError).backtrace().is_some();
    println!("failure backtrace captured: {captured}");
    let _ = std::thread::spawn(|| panic!("probe panic")).join();
}

/// What the child saw: (a Failure captured a backtrace, the panic printed one).
fn run_probe(env: &[(&str, &str)]) -> (bool, bool) {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args(["probe", "--exact", "--nocapture", "--test-threads", "1"])
        .env(PROBE, "1")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    for (name, value) in env {
        child.env(name, value);
    }
    let out = child.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let failure = if stdout.contains("failure backtrace captured: true") {
        true
    } else if stdout.contains("failure backtrace captured: false") {
        false
    } else {
        panic!("the probe did not report: {stdout}");
    };
    assert!(stderr.contains("probe panic"), "{stderr}");
    (failure, stderr.contains("stack backtrace"))
}

#[test]
fn without_rust_backtrace_nothing_is_captured() {
    assert_eq!(run_probe(&[]), (false, false));
}

#[test]
fn rust_backtrace_makes_every_failure_capture_a_backtrace() {
    assert_eq!(run_probe(&[("RUST_BACKTRACE", "1")]), (true, true));
}

#[test]
fn rust_lib_backtrace_0_turns_failures_off_and_leaves_panics_theirs() {
    assert_eq!(
        run_probe(&[("RUST_BACKTRACE", "1"), ("RUST_LIB_BACKTRACE", "0")]),
        (false, true)
    );
}
