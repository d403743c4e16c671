//! The miri layer of `cargo xtask verify`: the tests of the crate's one
//! `unsafe` module (`src/deferred/in_place.rs`) under miri, with both of
//! its aliasing models (docs/verification.md, "Miri").

use std::process::Command;

use crate::step::{nightly_cargo, skipped, step_row, Row};

/// The tests miri runs: the unit tests of the `unsafe` module.
pub const FILTER: &str = "in_place";

/// The aliasing models, as (row name, `MIRIFLAGS`).
pub const MODELS: &[(&str, &str)] = &[
    ("miri: in_place, stacked borrows", ""),
    ("miri: in_place, tree borrows", "-Zmiri-tree-borrows"),
];

/// Whether `cargo +nightly miri` answers.
fn miri_available() -> bool {
    let mut command = nightly_cargo();
    command.args(["miri", "--version"]);
    command
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// The command for one aliasing model.
pub fn command(miriflags: &str) -> Command {
    let mut command = nightly_cargo();
    command
        .env("MIRIFLAGS", miriflags)
        .args(["miri", "test", "-p", "deferred", "--lib", FILTER]);
    command
}

/// One row per aliasing model; skipped rows when the nightly toolchain has
/// no miri and rustup cannot add it.
pub fn layer() -> Vec<Row> {
    if !miri_available() {
        // rustup adds the component to the nightly already installed; a
        // machine without rustup or nightly gets the skip below.
        let _ = Command::new("rustup")
            .args([
                "component",
                "add",
                "miri",
                "rust-src",
                "--toolchain",
                "nightly",
            ])
            .status();
    }
    if !miri_available() {
        return vec![skipped(
            "miri",
            "no miri on the nightly toolchain \
             (rustup component add miri rust-src --toolchain nightly)"
                .into(),
        )];
    }
    MODELS
        .iter()
        .map(|(layer, flags)| step_row(layer, command(flags), None))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step;

    #[test]
    fn both_aliasing_models_run_the_unsafe_modules_tests_on_nightly() {
        assert_eq!(MODELS.len(), 2);
        for (_, flags) in MODELS {
            let command = command(flags);
            let shown = step::display(&command);
            assert!(
                shown.contains("+nightly miri test -p deferred --lib in_place"),
                "{shown}"
            );
            let miriflags = command
                .get_envs()
                .find(|(k, _)| *k == "MIRIFLAGS")
                .and_then(|(_, v)| v)
                .unwrap();
            assert_eq!(miriflags, *flags);
        }
        // The module the filter names is the one `unsafe` module.
        let lib = std::fs::read_to_string(step::root().join("src/deferred/mod.rs")).unwrap();
        assert!(
            lib.contains("mod in_place;"),
            "src/deferred/mod.rs declares in_place"
        );
    }
}
