//! The howto listings of `docs/from-twisted.md` on the pinned Twisted: each
//! Python listing that has a `text` block runs, and what it prints must be
//! that block (issue 18: "what it printed on Twisted, checked by `cargo
//! xtask twisted`"). The Rust ports check their own side as doctests
//! (`printed::check`, `docs/from-twisted.rs`).
//!
//! A listing runs as `tests/twisted/listings/prelude.py` (the reactor's
//! delays made a hundredth), then, where the listing leaves something
//! undefined, its harness `tests/twisted/listings/<id>.py` with the listing
//! pasted at its line `# the listing`, as the Rust ports stub the same
//! things in hidden lines. Its stdout and stderr go to one file, in the
//! order they were written. Before comparing, only what differs from run to
//! run is normalised ([`normalise`]): a memory address, and the frames of a
//! traceback (file paths of this machine's environment).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::step::root;

/// The doc's reader, shared with `tests/from_twisted.rs` and the doctests.
#[allow(dead_code)]
#[path = "../../../docs/from-twisted.rs"]
mod reader;

use reader::Listing;

/// The doc whose listings are checked.
pub const DOC: &str = "docs/from-twisted.md";
/// Where the prelude and the harnesses are, relative to the root.
pub const HARNESS_DIR: &str = "tests/twisted/listings";
/// The prelude every listing runs after.
const PRELUDE: &str = "prelude.py";
/// The line of a harness that the listing replaces.
pub const MARKER: &str = "# the listing";
/// How long a listing may run before it counts as hung (they take well
/// under a second; a listing whose reactor never stops would run forever).
const TIMEOUT: Duration = Duration::from_secs(60);

/// The tally of the listings' check.
#[derive(Debug, Default)]
pub struct Report {
    /// Listings that printed their `text` block.
    pub agree: usize,
    /// Everything else, each with what to do.
    pub problems: Vec<String>,
}

/// Runs every listing with a `text` block under `python` and compares.
pub fn check(python: &Path) -> Report {
    let mut report = Report::default();
    let doc = match std::fs::read_to_string(root().join(DOC)) {
        Ok(doc) => doc,
        Err(e) => {
            report.problems.push(format!("cannot read {DOC}: {e}"));
            return report;
        }
    };
    let harness_dir = root().join(HARNESS_DIR);
    let prelude = match std::fs::read_to_string(harness_dir.join(PRELUDE)) {
        Ok(text) => text,
        Err(e) => {
            report
                .problems
                .push(format!("cannot read {HARNESS_DIR}/{PRELUDE}: {e}"));
            return report;
        }
    };
    let listings = reader::listings(&doc);
    let checked: Vec<&Listing> = listings.iter().filter(|l| l.twisted.is_some()).collect();
    for listing in &listings {
        if listing.port.is_some() && listing.twisted.is_none() {
            report.problems.push(format!(
                "{DOC}: {} has a `text port` block but no `text` block (Twisted's output) before it",
                listing.id()
            ));
        }
    }
    let out_dir = root().join("target/twisted/listings");
    if let Err(e) = std::fs::create_dir_all(&out_dir) {
        report
            .problems
            .push(format!("cannot make {}: {e}", out_dir.display()));
        return report;
    }
    for listing in checked {
        let id = listing.id();
        let harness = std::fs::read_to_string(harness_dir.join(format!("{id}.py"))).ok();
        let script = match assemble(&prelude, harness.as_deref(), &listing.python) {
            Ok(script) => script,
            Err(why) => {
                report
                    .problems
                    .push(format!("{HARNESS_DIR}/{id}.py: {why}"));
                continue;
            }
        };
        let printed = match run(python, &out_dir, &id, &script) {
            Ok(printed) => printed,
            Err(why) => {
                report.problems.push(format!("{DOC} listing {id}: {why}"));
                continue;
            }
        };
        let want = listing.twisted.as_deref().unwrap_or_default();
        let got = normalise(&printed);
        if got == want {
            report.agree += 1;
        } else {
            report.problems.push(format!(
                "{DOC} listing {id}: Twisted does not print its `text` block \
                 (- the doc, + Twisted, normalised; the script is {}):\n{}",
                out_dir.join(format!("{id}.py")).display(),
                diff(want, &got)
            ));
        }
    }
    // A harness whose listing has no `text` block (or is gone) runs nothing.
    let wanted: Vec<String> = listings
        .iter()
        .filter(|l| l.twisted.is_some())
        .map(|l| format!("{}.py", l.id()))
        .collect();
    for stale in stale_harnesses(&harness_dir, &wanted) {
        report.problems.push(format!(
            "{HARNESS_DIR}/{stale} is the harness of no listing with a `text` block in {DOC}"
        ));
    }
    report
}

/// The script to run: the prelude, then the harness with the listing at
/// its marker (or the listing alone when it needs no harness).
pub fn assemble(prelude: &str, harness: Option<&str>, python: &[String]) -> Result<String, String> {
    let mut listing: String = python.iter().map(|l| format!("{l}\n")).collect();
    if listing.is_empty() {
        return Err("its listing has a `text` block but no `python` block".into());
    }
    if let Some(harness) = harness {
        let lines: Vec<&str> = harness.lines().collect();
        let at = lines.iter().filter(|l| l.trim_end() == MARKER).count();
        if at != 1 {
            return Err(format!(
                "a harness needs exactly one line `{MARKER}` where the listing goes ({at} found)"
            ));
        }
        let mut script = String::new();
        for line in lines {
            if line.trim_end() == MARKER {
                script.push_str(&listing);
            } else {
                script.push_str(line);
                script.push('\n');
            }
        }
        listing = script;
    }
    Ok(format!("{prelude}\n{listing}"))
}

/// Runs `script` (written to `dir/<id>.py`) with stdout and stderr on one
/// file, `dir/<id>.out`; its contents when the script exits with 0.
fn run(python: &Path, dir: &Path, id: &str, script: &str) -> Result<String, String> {
    let path = dir.join(format!("{id}.py"));
    let out_path = dir.join(format!("{id}.out"));
    std::fs::write(&path, script).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let out = File::create(&out_path).map_err(|e| format!("{}: {e}", out_path.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("{}: {e}", out_path.display()))?;
    let mut child = Command::new(python)
        .arg(&path)
        .current_dir(root())
        // Written as it comes, so that stdout and stderr interleave as the
        // listing wrote them.
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "still running after {}s (does its reactor stop?); killed",
                    TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("cannot wait for python: {e}")),
        }
    };
    let printed = std::fs::read_to_string(&out_path)
        .map_err(|e| format!("cannot read {}: {e}", out_path.display()))?;
    if !status.success() {
        return Err(format!(
            "{} exited with {status}; it printed:\n{printed}",
            path.display()
        ));
    }
    Ok(printed)
}

/// What a listing printed, with only the run-to-run differences made
/// constant: a memory address (`<function x at 0x7f..>` becomes
/// `<function x at 0x...>`), and a `Failure`'s traceback frames (one
/// `path:line:function` line each, under the `[Failure instance:
/// Traceback: ..` line, up to its `]`), which become one line `...`.
pub fn normalise(printed: &str) -> String {
    let mut out = String::new();
    let mut in_frames = false;
    for line in printed.split_inclusive('\n') {
        if in_frames {
            if line.starts_with(']') {
                in_frames = false;
                out.push_str("...\n");
            } else {
                continue;
            }
        }
        out.push_str(&without_addresses(line));
        if line.contains("[Failure instance: Traceback: ") {
            in_frames = true;
        }
    }
    if in_frames {
        out.push_str("...\n");
    }
    out
}

/// `line` with each ` at 0x<hex digits>` made ` at 0x...`.
fn without_addresses(line: &str) -> String {
    const AT: &str = " at 0x";
    let mut out = String::new();
    let mut rest = line;
    while let Some(found) = rest.find(AT) {
        let after = &rest[found + AT.len()..];
        let digits = after
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(after.len());
        out.push_str(&rest[..found + AT.len()]);
        if digits > 0 {
            out.push_str("...");
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// A line diff of `want` and `got`: ` ` both, `-` only `want`, `+` only
/// `got` (a longest common subsequence; listings are short).
pub fn diff(want: &str, got: &str) -> String {
    let a: Vec<&str> = want.lines().collect();
    let b: Vec<&str> = got.lines().collect();
    // common[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut common = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            (i, j) = (i + 1, j + 1);
        } else if j == b.len() || (i < a.len() && common[i + 1][j] >= common[i][j + 1]) {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        }
    }
    if want.ends_with('\n') != got.ends_with('\n') {
        out.push_str("(and the final newline differs)\n");
    }
    out
}

/// The harness files in `dir` that are not the prelude nor in `wanted`.
fn stale_harnesses(dir: &Path, wanted: &[String]) -> Vec<String> {
    let mut stale: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter_map(|p: PathBuf| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .filter(|name| name != PRELUDE && !wanted.contains(name))
                .collect()
        })
        .unwrap_or_default();
    stale.sort();
    stale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn an_address_and_traceback_frames_are_normalised_and_nothing_else() {
        let printed = "Hooray, a result:<function x at 0x7f92381b84a0>\n\
             3.5 seconds later: [Failure instance: Traceback: <class 'E'>: (3, 'Deferred')\n\
             /venv/twisted/internet/defer.py:1082:_runCallbacks\n\
             /venv/twisted/internet/defer.py:286:_cancelledToTimedOutError\n\
             ]\n\
             [Failure instance: Traceback (failure with no frames): <class 'ValueError'>: odd\n\
             ]Result: 12 at 0x\n";
        assert_eq!(
            normalise(printed),
            "Hooray, a result:<function x at 0x...>\n\
             3.5 seconds later: [Failure instance: Traceback: <class 'E'>: (3, 'Deferred')\n\
             ...\n\
             ]\n\
             [Failure instance: Traceback (failure with no frames): <class 'ValueError'>: odd\n\
             ]Result: 12 at 0x\n"
        );
        // Frames that never end still become one line.
        assert_eq!(
            normalise("[Failure instance: Traceback: E\n/a.py:1:f\n"),
            "[Failure instance: Traceback: E\n...\n"
        );
    }

    #[test]
    fn the_listing_goes_at_the_harness_marker_after_the_prelude() {
        let python = lines(&["d = Deferred()", "d.callback(1)"]);
        assert_eq!(
            assemble("P\n", None, &python).unwrap(),
            "P\n\nd = Deferred()\nd.callback(1)\n"
        );
        let harness = "from x import Deferred\n# the listing\nafter()\n";
        assert_eq!(
            assemble("P\n", Some(harness), &python).unwrap(),
            "P\n\nfrom x import Deferred\nd = Deferred()\nd.callback(1)\nafter()\n"
        );
        for bad in ["no marker\n", "# the listing\n# the listing\n"] {
            let error = assemble("P\n", Some(bad), &python).unwrap_err();
            assert!(error.contains(MARKER), "{error}");
        }
        assert!(assemble("P\n", None, &[]).is_err());
    }

    #[test]
    fn the_diff_marks_lines_of_each_side() {
        assert_eq!(diff("a\nb\nc\n", "a\nc\n"), "  a\n- b\n  c\n");
        assert_eq!(diff("a\n", "a\nz\n"), "  a\n+ z\n");
        assert_eq!(diff("x\n", "y\n"), "- x\n+ y\n");
        assert_eq!(diff("a\n", "a"), "  a\n(and the final newline differs)\n");
    }

    #[test]
    fn every_harness_belongs_to_a_listing_with_a_text_block() {
        let doc = std::fs::read_to_string(root().join(DOC)).unwrap();
        let listings = reader::listings(&doc);
        let wanted: Vec<String> = listings
            .iter()
            .filter(|l| l.twisted.is_some())
            .map(|l| format!("{}.py", l.id()))
            .collect();
        assert!(wanted.len() >= 15, "{wanted:?}");
        let dir = root().join(HARNESS_DIR);
        assert_eq!(stale_harnesses(&dir, &wanted), Vec::<String>::new());
        assert!(dir.join(PRELUDE).exists());
        // `defer-7.py`, and no harness without its listing's file name.
        assert!(wanted.contains(&"defer-7.py".to_owned()));
        assert_eq!(
            stale_harnesses(&dir, &[]).len(),
            std::fs::read_dir(&dir).unwrap().count() - 1
        );
    }
}
