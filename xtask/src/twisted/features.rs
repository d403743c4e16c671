//! The per-feature evidence scripts, `tests/twisted/<feature>.py`
//! (tests/twisted/README.md): each one's output on the pinned Twisted must
//! be its committed `tests/twisted/expected/<feature>.txt`; `--bless`
//! rewrites those files instead.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::step::root;

/// The shared helper, not a feature script.
const HELPER: &str = "events.py";

/// The tally of a feature-script check.
#[derive(Debug, Default)]
pub struct Report {
    /// Scripts whose output is their expected file.
    pub agree: usize,
    /// Expected files written by `--bless`.
    pub blessed: usize,
    /// Everything else.
    pub problems: Vec<String>,
}

fn dir() -> PathBuf {
    root().join("tests/twisted")
}

/// The feature scripts, sorted by name.
pub fn scripts(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "py"))
                .filter(|p| p.file_name().is_some_and(|n| n != HELPER))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Where two outputs first differ, for the report (`None` when equal).
pub fn first_difference(want: &str, got: &str) -> Option<String> {
    if want == got {
        return None;
    }
    let mut want_lines = want.lines();
    let mut got_lines = got.lines();
    let mut line = 1;
    loop {
        match (want_lines.next(), got_lines.next()) {
            (Some(w), Some(g)) if w == g => line += 1,
            (None, None) => return Some("only the final newline differs".into()),
            (w, g) => {
                return Some(format!(
                    "line {line}: expected {}, Twisted printed {}",
                    w.map_or("the end".into(), |w| format!("{w:?}")),
                    g.map_or("the end".into(), |g| format!("{g:?}"))
                ))
            }
        }
    }
}

/// Runs each script under `python`; compares, or with `bless` writes.
pub fn check(python: &Path, bless: bool) -> Report {
    let mut report = Report::default();
    let expected_dir = dir().join("expected");
    let all = scripts(&dir());
    for script in &all {
        let name = script
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let expected = expected_dir.join(format!("{name}.txt"));
        let relative = format!("tests/twisted/{name}.py");
        let out = match Command::new(python)
            .arg(&relative)
            .current_dir(root())
            .output()
        {
            Ok(out) => out,
            Err(e) => {
                report.problems.push(format!("{relative}: cannot run: {e}"));
                continue;
            }
        };
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            report.problems.push(format!(
                "{relative} exited with {}: {}",
                out.status,
                stderr.lines().last().unwrap_or("no message")
            ));
            continue;
        }
        if bless {
            let written = std::fs::create_dir_all(&expected_dir)
                .and_then(|()| std::fs::write(&expected, &stdout));
            match written {
                Ok(()) => report.blessed += 1,
                Err(e) => report
                    .problems
                    .push(format!("cannot write {}: {e}", expected.display())),
            }
            continue;
        }
        match std::fs::read_to_string(&expected) {
            Err(_) => report.problems.push(format!(
                "{relative}: no tests/twisted/expected/{name}.txt (cargo xtask twisted --bless writes it)"
            )),
            Ok(want) => match first_difference(&want, &stdout) {
                None => report.agree += 1,
                Some(difference) => report.problems.push(format!(
                    "{relative}: Twisted no longer prints tests/twisted/expected/{name}.txt: {difference}"
                )),
            },
        }
    }
    // An expected file without its script checks nothing.
    if let Ok(entries) = std::fs::read_dir(&expected_dir) {
        let mut stale: Vec<String> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .filter(|name| !dir().join(format!("{name}.py")).exists())
            .collect();
        stale.sort();
        for name in stale {
            report.problems.push(format!(
                "tests/twisted/expected/{name}.txt has no script tests/twisted/{name}.py"
            ));
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_helper_is_not_a_feature_script() {
        let found = scripts(&dir());
        assert!(found.iter().all(|p| !p.ends_with(HELPER)), "{found:?}");
        assert!(found.iter().all(|p| p.extension().unwrap() == "py"));
    }

    #[test]
    fn the_first_difference_names_the_line_and_both_sides() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
        assert_eq!(
            first_difference("a\nb\n", "a\nc\n").unwrap(),
            "line 2: expected \"b\", Twisted printed \"c\""
        );
        assert_eq!(
            first_difference("a\n", "a\nextra\n").unwrap(),
            "line 2: expected the end, Twisted printed \"extra\""
        );
        // A missing final newline is a difference too.
        assert!(first_difference("a\n", "a").is_some());
    }
}
