//! Debug mode (Twisted's `defer.setDebugging`): where a Deferred was created
//! and first fired, in `AlreadyCalledError` and in the unhandled-failure
//! report.
//!
//! Derived from `AlreadyCalledTests` (`testAlreadyCalledDebug_CC`, `_CE`,
//! `_EC`, `_EE`, `testNoDebugging`, `testSwitchDebugging`) and
//! `DeferredTests.test_errorLogDebugInfo` of twisted/test/test_defer.py
//! (Twisted 26.10.0, MIT licence); the same scenarios run on Twisted in
//! tests/twisted/debug.py (expected/debug.txt). Twisted records stack
//! frames, this crate source locations; the events name the helper function
//! a site is in, which both sides can say.
//!
//! Debug mode is process-wide: every test here takes `SWITCH` first.

mod support;

use std::panic::Location;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use deferred::{is_debugging, set_debugging, AlreadyCalledError, Deferred, Failure, DEBUG_ENV_VAR};
use support::logger::capture;
use support::twisted::assert_matches;

/// Serialises the tests of this binary: they flip the global switch.
static SWITCH: Mutex<()> = Mutex::new(());

fn switch(on: bool) -> MutexGuard<'static, ()> {
    let guard = SWITCH.lock().unwrap_or_else(|p| p.into_inner());
    set_debugging(on);
    guard
}

/// The source line of each helper's call, by helper name.
static HELPER_LINES: Mutex<Vec<(&'static str, u32)>> = Mutex::new(Vec::new());

/// Runs `$call`, noting that its line belongs to the helper `$name` (the
/// macro and the call are on one line, so `line!()` is the call's line).
macro_rules! helper_call {
    ($name:literal, $call:expr) => {{
        let mut lines = HELPER_LINES.lock().unwrap();
        if !lines.contains(&($name, line!())) {
            lines.push(($name, line!()));
        }
        drop(lines);
        $call
    }};
}

fn create() -> Deferred<String> {
    helper_call!("create", Deferred::new())
}

fn call_1(d: &Deferred<String>) -> Result<(), AlreadyCalledError> {
    helper_call!("call_1", d.callback("hello".to_owned()))
}

fn call_2(d: &Deferred<String>) -> Result<(), AlreadyCalledError> {
    helper_call!("call_2", d.callback("twice".to_owned()))
}

fn err_1(d: &Deferred<String>) -> Result<(), AlreadyCalledError> {
    helper_call!("err_1", d.errback(RuntimeError))
}

fn err_2(d: &Deferred<String>) -> Result<(), AlreadyCalledError> {
    helper_call!("err_2", d.errback(RuntimeError))
}

/// Python's `RuntimeError()`.
#[derive(Debug)]
struct RuntimeError;

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RuntimeError")
    }
}

impl std::error::Error for RuntimeError {}

/// The helper a site is in, or `nothing`.
fn helper_of(site: Option<&Location<'_>>) -> String {
    let Some(site) = site else {
        return "nothing".to_owned();
    };
    assert!(site.file().ends_with("debug_mode.rs"), "{site}");
    HELPER_LINES
        .lock()
        .unwrap()
        .iter()
        .find(|(_, line)| *line == site.line())
        .map_or_else(
            || format!("line {}", site.line()),
            |(name, _)| (*name).to_owned(),
        )
}

/// The helper named by `prefix FILE:LINE:COL` in a text, or `nothing`.
fn helper_in_text(text: &str, prefix: &str) -> String {
    let Some(at) = text.find(prefix) else {
        return "nothing".to_owned();
    };
    let rest = &text[at + prefix.len()..];
    let site: String = rest
        .chars()
        .take_while(|c| !matches!(c, ',' | ')' | ' ' | '\n'))
        .collect();
    let line: u32 = site
        .rsplit(':')
        .nth(1)
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    HELPER_LINES
        .lock()
        .unwrap()
        .iter()
        .find(|(_, l)| *l == line)
        .map_or_else(|| format!("line {line}"), |(name, _)| (*name).to_owned())
}

type Fire = fn(&Deferred<String>) -> Result<(), AlreadyCalledError>;

// Ports testAlreadyCalledDebug_CC, _CE, _EC and _EE.
#[test]
fn already_called_with_debugging_names_the_creator_and_the_first_invoker() {
    let _on = switch(true);
    let cases: [(&str, Fire, &str, Fire); 4] = [
        ("call_1", call_1, "call_2", call_2),
        ("call_1", call_1, "err_2", err_2),
        ("err_1", err_1, "call_2", call_2),
        ("err_1", err_1, "err_2", err_2),
    ];
    let mut events = Vec::new();
    for (first_name, first, second_name, second) in cases {
        let d = create();
        d.add_errback(|_: Failure| String::new());
        first(&d).unwrap();
        let (refused, records) = capture(|| second(&d));
        assert_eq!(
            refused,
            Err(AlreadyCalledError),
            "one value, whatever the sites"
        );
        events.push(format!(
            "{first_name} then {second_name}: AlreadyCalledError, created in {}, first fired in {}",
            helper_of(d.created_at()),
            helper_of(d.first_fired_at())
        ));
        // The log line says both sites, as Twisted's C: and I: lines do.
        let text = warned_already_called(&records);
        assert_eq!(
            helper_in_text(&text, "created at "),
            helper_of(d.created_at())
        );
        assert_eq!(helper_in_text(&text, "first fired at "), first_name);
    }
    assert_matches(
        "debug",
        "already_called_with_debugging_names_the_creator_and_the_first_invoker",
        &events,
    );
}

// Ports testNoDebugging.
#[test]
fn already_called_without_debugging_has_no_sites() {
    let _off = switch(false);
    let d = create();
    call_1(&d).unwrap();
    let (err, records) = capture(|| call_2(&d).unwrap_err());
    let has_sites = d.created_at().is_some() || d.first_fired_at().is_some();
    assert_eq!(err.to_string(), "the Deferred has already been fired");
    assert!(records.is_empty(), "nothing logged outside debug mode");
    assert_matches(
        "debug",
        "already_called_without_debugging_has_no_sites",
        &[format!(
            "AlreadyCalledError, debug info: {}",
            if has_sites { "True" } else { "False" }
        )],
    );
}

// Ports testSwitchDebugging: Deferreds made in one mode and fired in the
// other work.
#[test]
fn switching_debugging_between_create_and_fire_is_fine() {
    let guard = switch(false);
    let mut events = Vec::new();
    let d = Deferred::<()>::new();
    d.add_both(|_| ());
    set_debugging(true);
    d.callback(()).unwrap();
    set_debugging(false);
    let d = Deferred::<()>::new();
    d.callback(()).unwrap();
    set_debugging(true);
    let ran = std::sync::Arc::new(Mutex::new(false));
    let flag = ran.clone();
    d.add_both(move |_| *flag.lock().unwrap() = true);
    set_debugging(false);
    drop(guard);
    if *ran.lock().unwrap() {
        events.push("handler ran");
    }
    events.push("fired twice without error");
    assert_matches(
        "debug",
        "switching_debugging_between_create_and_fire_is_fine",
        &events,
    );
}

// `d.set_debug(true)` (Twisted's `d.debug = True`) with debug mode off: the
// first fire from then on is recorded, the creator is not; off again, the
// error says nothing; other Deferreds are untouched.
#[test]
fn per_deferred_debug_names_the_first_invoker_only() {
    let _off = switch(false);
    let mut events = Vec::new();
    let d = create();
    d.set_debug(true);
    call_1(&d).unwrap();
    let (_, records) = capture(|| call_2(&d).unwrap_err());
    events.push(format!(
        "AlreadyCalledError, created in {}, first fired in {}",
        helper_of(d.created_at()),
        helper_of(d.first_fired_at())
    ));
    let text = warned_already_called(&records);
    assert_eq!(helper_in_text(&text, "first fired at "), "call_1");
    assert!(!text.contains("created at"), "{text}");
    d.set_debug(false);
    let (_, records) = capture(|| call_2(&d).unwrap_err());
    let has_sites = d.created_at().is_some() || d.first_fired_at().is_some() || !records.is_empty();
    events.push(format!("switched off: debug info: {}", py_bool(has_sites)));
    let other = create();
    call_1(&other).unwrap();
    let (_, records) = capture(|| call_2(&other).unwrap_err());
    let has_sites =
        other.created_at().is_some() || other.first_fired_at().is_some() || !records.is_empty();
    events.push(format!(
        "another Deferred: debug info: {}",
        py_bool(has_sites)
    ));
    assert_matches(
        "debug",
        "per_deferred_debug_names_the_first_invoker_only",
        &events,
    );
}

// A Deferred in debug mode on its own reports its failure, when dropped
// unhandled, with where it was first fired (and not where it was made).
#[test]
fn per_deferred_debug_shows_in_the_unhandled_report() {
    let _off = switch(false);
    let (_, records) = capture(|| {
        let d = create();
        d.set_debug(true);
        err_1(&d).unwrap();
        drop(d);
    });
    let report = records
        .iter()
        .find(|r| r.message.starts_with("Unhandled error in Deferred"))
        .expect("reported");
    assert!(
        report.message.contains("(debug: first fired at "),
        "{}",
        report.message
    );
    assert_eq!(helper_in_text(&report.message, "first fired at "), "err_1");
}

/// The `warn` line a refused fire logged in debug mode.
fn warned_already_called(records: &[support::logger::Record]) -> String {
    let lines: Vec<&str> = records
        .iter()
        .filter(|r| r.level == log::Level::Warn)
        .map(|r| r.message.as_str())
        .filter(|m| m.starts_with("the Deferred has already been fired ("))
        .collect();
    assert_eq!(lines.len(), 1, "one warning: {lines:?}");
    lines[0].to_owned()
}

/// Python's spelling of a bool.
fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

// Ports test_errorLogDebugInfo (with the creator recorded too): the report
// of an unhandled failure says where the Deferred was made and first fired.
#[test]
fn unhandled_report_with_debugging_names_the_creator_and_the_first_invoker() {
    let _on = switch(true);
    let ((), records) = capture(|| {
        let d = create();
        err_1(&d).unwrap();
        drop(d);
    });
    let mut events = Vec::new();
    for record in records.iter().filter(|r| r.level == log::Level::Error) {
        if record.message.starts_with("Unhandled error in Deferred") {
            events.push("reported: Unhandled error in Deferred".to_owned());
            events.push(format!(
                "report created in {}, first fired in {}",
                helper_in_text(&record.message, "created at "),
                helper_in_text(&record.message, "first fired at ")
            ));
        }
    }
    assert_matches(
        "debug",
        "unhandled_report_with_debugging_names_the_creator_and_the_first_invoker",
        &events,
    );
}

#[test]
fn without_debugging_the_unhandled_report_has_no_sites() {
    let _off = switch(false);
    let ((), records) = capture(|| drop(deferred::fail::<u8>(RuntimeError)));
    let report = records
        .iter()
        .find(|r| r.message.starts_with("Unhandled error in Deferred"))
        .expect("reported");
    assert_eq!(report.message, "Unhandled error in Deferred: RuntimeError");
}

#[test]
fn a_hand_over_records_the_then_or_chain_deferred_call_as_the_first_fire() {
    let _on = switch(true);
    let source = Deferred::<u8>::new();
    let then_line = line!() + 1;
    let mapped = source.map(|v| v + 1);
    source.callback(1).unwrap();
    assert_eq!(mapped.callback(5), Err(AlreadyCalledError));
    assert_eq!(mapped.created_at().map(Location::line), Some(then_line));
    assert_eq!(mapped.first_fired_at().map(Location::line), Some(then_line));

    // chain_deferred into a Deferred fired already: the source keeps an
    // AlreadyCalledError failure; the target's sites are the target's.
    let target_line = line!() + 1;
    let target = Deferred::<u8>::new();
    let fire_line = line!() + 1;
    target.callback(1).unwrap();
    let source = Deferred::<u8>::new();
    source.chain_deferred(&target);
    source.callback(2).unwrap();
    let failure = source.result().unwrap().unwrap_err();
    assert!(failure.check::<AlreadyCalledError>());
    assert_eq!(target.created_at().map(Location::line), Some(target_line));
    assert_eq!(target.first_fired_at().map(Location::line), Some(fire_line));
    let _ = source.add_errback(|_: Failure| 0); // handled
}

#[test]
fn cancel_records_itself_as_the_first_fire() {
    let _on = switch(true);
    let d = Deferred::<u8>::with_canceller(|_| ());
    let cancel_line = line!() + 1;
    d.cancel();
    d.add_errback(|_: Failure| 0);
    assert_eq!(d.callback(1), Err(AlreadyCalledError));
    assert_eq!(d.first_fired_at().map(Location::line), Some(cancel_line));
}

#[test]
fn debug_mode_is_the_switch_and_its_value_is_what_was_set() {
    let _guard = switch(true);
    assert!(is_debugging());
    set_debugging(false);
    assert!(!is_debugging());
}

// The environment variable, read once per process: each case runs this
// binary's `env_child` test in a child process with the variable set.
#[test]
fn the_environment_variable_turns_debug_mode_on_and_is_off_by_default() {
    let cases: [(Option<&str>, &str); 5] = [
        (None, "debugging: False"),
        (Some("1"), "debugging: True"),
        (Some("on"), "debugging: True"),
        (Some("0"), "debugging: False"),
        (Some("perhaps"), "debugging: False, warned"),
    ];
    for (value, want) in cases {
        let mut child = Command::new(std::env::current_exe().unwrap());
        child.args([
            "--exact",
            "env_child",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ]);
        match value {
            Some(v) => child.env(DEBUG_ENV_VAR, v),
            None => child.env_remove(DEBUG_ENV_VAR),
        };
        let out = child.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{value:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The test harness prints `test env_child ... ` before the line.
        let got = stdout
            .lines()
            .find_map(|l| l.find("debugging: ").map(|at| &l[at..]))
            .unwrap_or_default();
        assert_eq!(got, want, "{DEBUG_ENV_VAR}={value:?}");
    }
    // Twisted's default, as its script prints it.
    assert_matches(
        "debug",
        "debugging_is_off_by_default",
        &["debugging: False"],
    );
}

/// Run only by the test above, in a child process.
#[test]
#[ignore = "run by the_environment_variable_turns_debug_mode_on_and_is_off_by_default in a child process"]
fn env_child() {
    let ((on, recorded), records) = capture(|| {
        // The first Deferred asks whether to record its sites, which reads
        // the variable: it records them exactly when debug mode is on.
        let d = Deferred::<u8>::new();
        let on = is_debugging();
        let recorded = d.created_at().is_some();
        // Once set, the switch is what was set: the variable is not read
        // (nor warned about) again.
        set_debugging(true);
        assert!(is_debugging());
        set_debugging(false);
        assert!(!is_debugging());
        (on, recorded)
    });
    assert_eq!(recorded, on, "the first Deferred's sites, debug mode {on}");
    let warnings = records
        .iter()
        .filter(|r| r.level == log::Level::Warn && r.message.contains(DEBUG_ENV_VAR))
        .count();
    assert!(
        warnings <= 1,
        "the variable was warned about {warnings} times"
    );
    let warned = warnings == 1;
    println!(
        "debugging: {}{}",
        if on { "True" } else { "False" },
        if warned { ", warned" } else { "" }
    );
}
