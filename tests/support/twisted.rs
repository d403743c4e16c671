//! Reads what real Twisted printed for a scenario: `tests/twisted/expected/`
//! (the format is in `tests/twisted/README.md`).

use std::path::PathBuf;

/// The events Twisted printed for `scenario` of `tests/twisted/<feature>.py`,
/// in order.
///
/// # Panics
///
/// If the file or the scenario is missing: the test then says which, and
/// how to regenerate it.
pub fn expected(feature: &str, scenario: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/twisted/expected")
        .join(format!("{feature}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `cargo xtask twisted --bless` to write it",
            path.display()
        )
    });
    parse(&text)
        .into_iter()
        .find(|(name, _)| name == scenario)
        .map(|(_, events)| events)
        .unwrap_or_else(|| {
            panic!(
                "{} has no scenario {scenario:?}: add it to tests/twisted/{feature}.py and bless",
                path.display()
            )
        })
}

/// Asserts that `got` (the Rust side's events) are the events Twisted printed.
#[track_caller]
pub fn assert_matches<S: AsRef<str>>(feature: &str, scenario: &str, got: &[S]) {
    let got: Vec<&str> = got.iter().map(AsRef::as_ref).collect();
    let want = expected(feature, scenario);
    assert_eq!(
        got, want,
        "{feature}::{scenario}: the Rust events (left) differ from Twisted's (right)"
    );
}

/// Splits a file into `(scenario, events)` pairs.
fn parse(text: &str) -> Vec<(String, Vec<String>)> {
    let mut scenarios: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix("== ") {
            scenarios.push((name.to_owned(), Vec::new()));
        } else if let Some((_, events)) = scenarios.last_mut() {
            events.push(line.to_owned());
        }
    }
    scenarios
}
