//! `cargo xtask fuzz`: each cargo-fuzz target for a set time, on the
//! nightly toolchain, with its seeds; used by `verify` and by `.ci/run`.

use std::process::{Command, ExitCode};

use crate::step::{
    self, fmt_duration, header, nightly_cargo, root, skipped, step_row, table, Row, Verdict,
};

/// The fuzz targets: the file stems in `fuzz/fuzz_targets`.
pub fn fuzz_targets() -> Vec<String> {
    let mut targets: Vec<String> = std::fs::read_dir(root().join("fuzz/fuzz_targets"))
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let path = e.path();
                    (path.extension()? == "rs")
                        .then(|| path.file_stem()?.to_str().map(str::to_owned))?
                })
                .collect()
        })
        .unwrap_or_default();
    targets.sort();
    targets
}

/// Builds the targets and runs each of `only` (all when empty) for
/// `seconds`, one row each; skipped rows when nightly or cargo-fuzz is
/// missing.
pub fn fuzz_all(seconds: u64, only: &[String]) -> Vec<Row> {
    let mut rows = Vec::new();
    fuzz_into(seconds, only, &mut rows);
    rows
}

fn fuzz_into(seconds: u64, only: &[String], rows: &mut Vec<Row>) {
    let mut targets = fuzz_targets();
    if !only.is_empty() {
        targets.retain(|t| only.contains(t));
    }
    if targets.is_empty() {
        rows.push(skipped("fuzz", "no targets in fuzz/fuzz_targets".into()));
        return;
    }
    let nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !nightly {
        rows.push(skipped(
            "fuzz",
            "no nightly toolchain (rustup toolchain install nightly)".into(),
        ));
        return;
    }
    let mut install = Command::new(root().join("fuzz/install.sh"));
    install.env_remove("CARGO").env_remove("RUSTUP_TOOLCHAIN");
    let installed = step::run(install, None, false);
    if !installed.success {
        rows.push(skipped(
            "fuzz",
            "cargo-fuzz could not be installed (see above)".into(),
        ));
        return;
    }
    // The fuzz crate is its own workspace with its own lockfile, and
    // `cargo fuzz build` takes no `--locked`: check the lockfile first, so
    // that a stale one (a dependency the library gained since) fails here
    // instead of being rewritten by the build.
    let mut locked = nightly_cargo();
    locked.args(["fetch", "--locked", "--manifest-path", "fuzz/Cargo.toml"]);
    let row = step_row("fuzz lockfile", locked, None);
    let pinned = row.verdict == Verdict::Pass;
    rows.push(row);
    if !pinned {
        return;
    }
    let mut build = nightly_cargo();
    build.args(["fuzz", "build", "--sanitizer", "none"]);
    let row = step_row("fuzz build", build, None);
    let built = row.verdict == Verdict::Pass;
    rows.push(row);
    if !built {
        return;
    }
    for target in targets {
        for dir in ["corpus", "seeds"] {
            let _ = std::fs::create_dir_all(root().join("fuzz").join(dir).join(&target));
        }
        let mut command = nightly_cargo();
        command
            .args(["fuzz", "run", "--sanitizer", "none", &target])
            .arg(format!("fuzz/corpus/{target}"))
            .arg(format!("fuzz/seeds/{target}"))
            .arg("--")
            .arg(format!("-max_total_time={}", seconds))
            // A hang is a finding: report it after 20 s, not libFuzzer's 20 min.
            .arg("-timeout=20")
            .arg("-print_final_stats=1");
        let log = root()
            .join("target/xtask")
            .join(format!("fuzz-{target}.log"));
        let shown = step::display(&command);
        let outcome = step::run(command, Some(&log), false);
        let execs = outcome
            .output
            .lines()
            .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
            .map(|n| n.trim().to_owned())
            .unwrap_or_else(|| "?".into());
        rows.push(Row {
            layer: format!("fuzz {target}"),
            command: shown,
            time: outcome.elapsed,
            verdict: Verdict::from_success(outcome.success),
            note: format!("{execs} execs in {}s", seconds),
        });
    }
}

/// `cargo xtask fuzz [--seconds N] [TARGET...]`.
pub fn run(args: &[String]) -> ExitCode {
    let mut seconds = 60;
    let mut only = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => seconds = n,
                None => return usage("--seconds needs a number"),
            },
            "--list" => {
                for target in fuzz_targets() {
                    println!("{target}");
                }
                return ExitCode::SUCCESS;
            }
            name if !name.starts_with('-') => only.push(name.to_owned()),
            other => return usage(&format!("unknown option {other:?}")),
        }
    }
    for name in &only {
        if !fuzz_targets().contains(name) {
            return usage(&format!("no fuzz target named {name:?} (see --list)"));
        }
    }
    let rows = fuzz_all(seconds, &only);
    header("fuzz summary");
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.layer.clone(),
                fmt_duration(r.time),
                r.verdict.label().to_owned(),
                r.note.clone(),
            ]
        })
        .collect();
    table(&["target", "time", "verdict", "note"], &cells);
    if rows.iter().any(|r| r.verdict == Verdict::Fail) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("xtask fuzz: {problem}");
    eprintln!("usage: cargo xtask fuzz [--seconds N] [--list] [TARGET...]");
    ExitCode::from(2)
}

/// `cargo xtask fuzz-seeds`: writes the seed corpora from the fixtures:
/// `fuzz/seeds/ops` (each valid fixture in the fuzz byte form) and
/// `fuzz/seeds/script_json` (every fixture, valid or not, as it is).
pub fn seeds(args: &[String]) -> ExitCode {
    if !args.is_empty() {
        eprintln!("usage: cargo xtask fuzz-seeds");
        return ExitCode::from(2);
    }
    let fixtures = root().join("model/fixtures");
    let mut written = (0, 0);
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in [fixtures.clone(), fixtures.join("invalid")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
        }
    }
    files.sort();
    let ops_dir = root().join("fuzz/seeds/ops");
    let json_dir = root().join("fuzz/seeds/script_json");
    for dir in [&ops_dir, &json_dir] {
        if let Err(error) = std::fs::create_dir_all(dir) {
            eprintln!("fuzz-seeds: cannot create {}: {error}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let invalid = path.parent().is_some_and(|p| p.ends_with("invalid"));
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        let name = if invalid {
            format!("invalid_{stem}")
        } else {
            stem.into_owned()
        };
        if std::fs::write(json_dir.join(&name), &bytes).is_ok() {
            written.1 += 1;
        }
        let Ok(script) = deferred_model::parse_script_bytes(&bytes) else {
            continue;
        };
        match deferred_model::fuzz_input::encode(&script) {
            Ok(encoded) => {
                if std::fs::write(ops_dir.join(&name), encoded).is_ok() {
                    written.0 += 1;
                }
            }
            Err(why) => println!("fuzz-seeds: {name} has no fuzz form ({why}); skipped for ops"),
        }
    }
    println!(
        "fuzz-seeds: {} seeds in {}, {} in {}",
        written.0,
        ops_dir.display(),
        written.1,
        json_dir.display()
    );
    ExitCode::SUCCESS
}

/// `cargo xtask fuzz-decode FILE`: prints the op script (JSON) that the
/// `ops` fuzz target read from FILE (a crash artifact), ready to become a
/// fixture.
pub fn decode(args: &[String]) -> ExitCode {
    let [file] = args else {
        eprintln!("usage: cargo xtask fuzz-decode FILE");
        return ExitCode::from(2);
    };
    match std::fs::read(file) {
        Ok(bytes) => {
            println!("{}", deferred_model::fuzz_input::decode(&bytes).to_json());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("fuzz-decode: cannot read {file}: {error}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_targets_are_listed() {
        assert_eq!(fuzz_targets(), ["ops", "script_json", "threads"]);
    }

    #[test]
    fn an_unknown_target_or_option_is_a_usage_error() {
        assert_eq!(run(&["no_such_target".to_owned()]), ExitCode::from(2));
        assert_eq!(
            run(&["--seconds".to_owned(), "soon".to_owned()]),
            ExitCode::from(2)
        );
    }

    #[test]
    fn decode_of_a_missing_file_is_an_error_not_a_panic() {
        assert_eq!(
            decode(&["/nonexistent/crash-0".to_owned()]),
            ExitCode::from(2)
        );
        assert_eq!(decode(&[]), ExitCode::from(2));
    }
}
