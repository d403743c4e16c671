//! Every fixture's expected trace is what Twisted prints, except the
//! deliberate deviations, each recorded in `oracle/deviations/` with what
//! Twisted does print and named in model/fixtures/README.md.

use std::path::{Path, PathBuf};

use super::oracle::{Answer, Twisted};
use crate::step::root;

/// What Twisted is recorded to do on a fixture where the spec parts from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deviation {
    /// `oracle/deviations/NAME.jsonl`: Twisted's trace.
    Trace(String),
    /// `oracle/deviations/NAME.out-of-domain`: the runner's reason.
    OutOfDomain(String),
}

/// How one fixture fared.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Twisted prints the fixture's trace, byte for byte.
    Agrees,
    /// Twisted does what the deviation record says, which is not the fixture.
    DeviatesAsRecorded,
    /// Anything else; what to look at.
    Problem(String),
}

/// The verdict on fixture `name`, given its expected trace, its deviation
/// record if any, and Twisted's answer.
pub fn judge(
    name: &str,
    expected: &str,
    deviation: Option<&Deviation>,
    answer: &Answer,
) -> Verdict {
    match (deviation, answer) {
        (None, Answer::Trace(trace)) if trace == expected => Verdict::Agrees,
        (None, _) => Verdict::Problem(format!(
            "{name}: Twisted gives\n{}the fixture says\n{expected}(if the spec is right \
             and Twisted differs on purpose, record it in oracle/deviations/ and \
             model/fixtures/README.md)",
            answer.describe()
        )),
        (Some(recorded), _) => {
            if matches!(answer, Answer::Trace(trace) if trace == expected) {
                return Verdict::Problem(format!(
                    "{name}: Twisted now agrees with the fixture; remove \
                     oracle/deviations/{name}.* and its row in model/fixtures/README.md"
                ));
            }
            let same = match (recorded, answer) {
                (Deviation::Trace(want), Answer::Trace(got)) => want == got,
                (Deviation::OutOfDomain(want), Answer::OutOfDomain(got)) => want == got,
                _ => false,
            };
            if same {
                Verdict::DeviatesAsRecorded
            } else {
                Verdict::Problem(format!(
                    "{name}: Twisted no longer does what oracle/deviations/ records; it gives\n{}",
                    answer.describe()
                ))
            }
        }
    }
}

/// The tally of a fixture check.
#[derive(Debug, Default)]
pub struct Report {
    /// Fixtures on which Twisted prints the expected trace.
    pub agree: usize,
    /// Fixtures on which it deviates exactly as recorded.
    pub deviations: usize,
    /// Everything else.
    pub problems: Vec<String>,
}

fn fixtures_dir() -> PathBuf {
    root().join("model/fixtures")
}

fn deviations_dir() -> PathBuf {
    root().join("oracle/deviations")
}

fn files_with(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// The deviation record for fixture `name`, if there is one.
fn deviation(name: &str) -> Result<Option<Deviation>, String> {
    let dir = deviations_dir();
    let trace = dir.join(format!("{name}.jsonl"));
    let out = dir.join(format!("{name}.out-of-domain"));
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    match (trace.exists(), out.exists()) {
        (true, true) => Err(format!("{name}: two deviation records, keep one")),
        (true, false) => Ok(Some(Deviation::Trace(read(&trace)?))),
        (false, true) => Ok(Some(Deviation::OutOfDomain(read(&out)?.trim().to_owned()))),
        (false, false) => Ok(None),
    }
}

/// Runs every fixture on Twisted and judges it.
pub fn check(twisted: &mut Twisted) -> Result<Report, String> {
    let mut report = Report::default();
    let fixtures = files_with(&fixtures_dir(), "json");
    if fixtures.is_empty() {
        return Err("no fixtures in model/fixtures".into());
    }
    let readme = std::fs::read_to_string(fixtures_dir().join("README.md")).unwrap_or_default();
    for path in &fixtures {
        let name = stem(path);
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
        let expected = std::fs::read_to_string(path.with_extension("jsonl"))
            .map_err(|e| format!("{name}.jsonl: {e}"))?;
        let deviation = match deviation(&name) {
            Ok(d) => d,
            Err(problem) => {
                report.problems.push(problem);
                continue;
            }
        };
        if deviation.is_some() && !readme.contains(&format!("`{name}`")) {
            report.problems.push(format!(
                "{name}: deviates from Twisted but model/fixtures/README.md does not list it"
            ));
        }
        // The runner reads one line a script.
        let one_line = text.replace(['\n', '\r'], " ");
        let answer = twisted.ask(&one_line)?;
        match judge(&name, &expected, deviation.as_ref(), &answer) {
            Verdict::Agrees => report.agree += 1,
            Verdict::DeviatesAsRecorded => report.deviations += 1,
            Verdict::Problem(problem) => report.problems.push(problem),
        }
    }
    // A record without its fixture is stale.
    for ext in ["jsonl", "out-of-domain"] {
        for record in files_with(&deviations_dir(), ext) {
            let name = stem(&record);
            if !fixtures_dir().join(format!("{name}.json")).exists() {
                report.problems.push(format!(
                    "oracle/deviations/{name}.{ext}: no fixture model/fixtures/{name}.json"
                ));
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str =
        "{\"ev\": \"final\", \"d\": 0, \"state\": \"pending\", \"result\": null}\n";

    #[test]
    fn a_fixture_twisted_prints_byte_for_byte_agrees() {
        let answer = Answer::Trace(FIXTURE.into());
        assert_eq!(judge("f", FIXTURE, None, &answer), Verdict::Agrees);
    }

    #[test]
    fn an_unrecorded_difference_or_out_of_domain_is_a_problem() {
        let other = Answer::Trace("{}\n".into());
        assert!(
            matches!(judge("f", FIXTURE, None, &other), Verdict::Problem(p) if p.contains("oracle/deviations"))
        );
        let out = Answer::OutOfDomain("None".into());
        assert!(matches!(
            judge("f", FIXTURE, None, &out),
            Verdict::Problem(_)
        ));
    }

    #[test]
    fn a_deviation_must_be_exactly_what_is_recorded() {
        let recorded = Deviation::OutOfDomain("recursed".into());
        let same = Answer::OutOfDomain("recursed".into());
        assert_eq!(
            judge("f", FIXTURE, Some(&recorded), &same),
            Verdict::DeviatesAsRecorded
        );
        let changed = Answer::OutOfDomain("something else".into());
        assert!(matches!(
            judge("f", FIXTURE, Some(&recorded), &changed),
            Verdict::Problem(_)
        ));
        let trace = Deviation::Trace("{}\n".into());
        assert_eq!(
            judge("f", FIXTURE, Some(&trace), &Answer::Trace("{}\n".into())),
            Verdict::DeviatesAsRecorded
        );
    }

    #[test]
    fn a_deviation_twisted_no_longer_makes_is_a_problem_not_a_pass() {
        let recorded = Deviation::Trace("{}\n".into());
        let agrees = Answer::Trace(FIXTURE.into());
        assert!(
            matches!(judge("f", FIXTURE, Some(&recorded), &agrees), Verdict::Problem(p) if p.contains("now agrees"))
        );
    }

    #[test]
    fn every_recorded_deviation_has_its_fixture_and_its_readme_row() {
        let readme = std::fs::read_to_string(fixtures_dir().join("README.md")).unwrap();
        let mut records = files_with(&deviations_dir(), "jsonl");
        records.extend(files_with(&deviations_dir(), "out-of-domain"));
        assert_eq!(records.len(), 5, "{records:?}");
        for record in records {
            let name = stem(&record);
            assert!(
                fixtures_dir().join(format!("{name}.json")).exists(),
                "{name}"
            );
            assert!(readme.contains(&format!("`{name}`")), "{name}");
        }
    }
}
