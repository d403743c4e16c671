//! The pinned Twisted environment: `.venv-twisted/` at the repository root,
//! made on first use from `oracle/requirements.txt`, checked on every use.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::step::{self, root};

/// Where the environment lives, relative to the repository root.
pub const DIR: &str = ".venv-twisted";
/// The requirements file that pins it.
pub const REQUIREMENTS: &str = "oracle/requirements.txt";

/// Why there is no usable environment.
#[derive(Debug, PartialEq, Eq)]
pub enum Missing {
    /// It cannot be had here (no python3, no venv module, pip could not
    /// install): the verify layer is SKIPPED with this reason.
    Unavailable(String),
    /// It is there but wrong (another Twisted than the pinned one): an
    /// error to fix, never a skip.
    Wrong(String),
}

/// The Twisted version `requirements` pins (its `twisted==X` line).
pub fn pinned_version(requirements: &str) -> Option<String> {
    requirements.lines().find_map(|line| {
        let line = line.split('#').next()?.trim();
        let (name, version) = line.split_once("==")?;
        name.trim()
            .eq_ignore_ascii_case("twisted")
            .then(|| version.trim().to_owned())
    })
}

/// The environment's python, made first if `.venv-twisted` does not exist.
/// When it exists (in the worktrees it may be a symlink to a shared one),
/// it is only checked, never changed.
pub fn python() -> Result<PathBuf, Missing> {
    let root = root();
    let requirements = std::fs::read_to_string(root.join(REQUIREMENTS))
        .map_err(|e| Missing::Wrong(format!("cannot read {REQUIREMENTS}: {e}")))?;
    let pinned = pinned_version(&requirements)
        .ok_or_else(|| Missing::Wrong(format!("{REQUIREMENTS} pins no twisted==VERSION")))?;
    let dir = root.join(DIR);
    let python = dir.join("bin/python");
    if !dir.exists() {
        create(&dir)?;
    }
    let found = twisted_version(&python).map_err(|why| {
        Missing::Wrong(format!(
            "{DIR} exists but {why}; remove it and rerun to remake it"
        ))
    })?;
    if found != pinned {
        return Err(Missing::Wrong(format!(
            "{DIR} has Twisted {found} but {REQUIREMENTS} pins {pinned}; \
             remove {DIR} and rerun to remake it"
        )));
    }
    println!("twisted: {DIR} has Twisted {found}, as {REQUIREMENTS} pins");
    Ok(python)
}

/// `import twisted; print(twisted.__version__)` in that python.
fn twisted_version(python: &Path) -> Result<String, String> {
    let out = Command::new(python)
        .args(["-c", "import twisted; print(twisted.__version__)"])
        .output()
        .map_err(|e| format!("{} does not run ({e})", python.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "its python cannot import twisted ({})",
            err.lines().last().unwrap_or("no message")
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `python3 -m venv DIR` then `DIR/bin/pip install -r oracle/requirements.txt`;
/// on failure the half-made directory is removed, so that the next run
/// tries again.
fn create(dir: &Path) -> Result<(), Missing> {
    let python3 = Command::new("python3").arg("--version").output();
    match python3 {
        Ok(out) if out.status.success() => {}
        _ => {
            return Err(Missing::Unavailable(
                "no python3 on PATH (the Twisted oracle needs Python 3.9 or later)".into(),
            ))
        }
    }
    println!("twisted: making {DIR} (first use) from {REQUIREMENTS}");
    let mut venv = Command::new("python3");
    venv.args(["-m", "venv", DIR]);
    let made = step::run(venv, None, false);
    if !made.success {
        let _ = std::fs::remove_dir_all(dir);
        return Err(Missing::Unavailable(format!(
            "`python3 -m venv {DIR}` failed: {} (on Debian: apt-get install python3-venv)",
            last_line(&made.output)
        )));
    }
    let mut pip = Command::new(dir.join("bin/pip"));
    pip.args([
        "install",
        "--disable-pip-version-check",
        "-q",
        "-r",
        REQUIREMENTS,
    ]);
    let installed = step::run(pip, None, false);
    if !installed.success {
        let _ = std::fs::remove_dir_all(dir);
        return Err(Missing::Unavailable(format!(
            "pip could not install {REQUIREMENTS}: {}",
            last_line(&installed.output)
        )));
    }
    Ok(())
}

fn last_line(output: &str) -> &str {
    output
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_version_is_read_from_the_twisted_line() {
        let text = "# comment\nattrs==26.1.0\nTwisted==26.10.0  # the oracle\nidna==3.20\n";
        assert_eq!(pinned_version(text).as_deref(), Some("26.10.0"));
        assert_eq!(pinned_version("twisted>=26\n"), None);
        assert_eq!(pinned_version("# twisted==1.0\n"), None);
    }

    #[test]
    fn the_committed_requirements_pin_twisted_26_10_0() {
        let text = std::fs::read_to_string(root().join(REQUIREMENTS)).unwrap();
        assert_eq!(pinned_version(&text).as_deref(), Some("26.10.0"));
    }
}
