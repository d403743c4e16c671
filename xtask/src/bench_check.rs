//! `cargo xtask bench-check`: the regression gate. Runs the instruction-count
//! benches (`benches/instructions.rs`, gungraun on valgrind), compares every
//! count with the committed baseline `benches/baseline/instructions.tsv`, prints
//! a table, and fails when any count rose more than the threshold (5%).
//!
//! ```text
//! cargo xtask bench-check                 gate against the committed baseline
//! cargo xtask bench-check --save          rewrite the baseline from this run
//! cargo xtask bench-check --threshold 2   a tighter gate (percent)
//! cargo xtask bench-check --record        on a pass (or with --save), append the
//!                                         counts to benches/history/ (bench_history.rs)
//! ```
//!
//! Instruction counts, unlike wall time, do not depend on the load of the
//! machine; they do depend on the compiler, valgrind and gungraun versions,
//! which the baseline's header records and this command checks.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use crate::bench_history;
use crate::step::root;

/// The bench target that holds the instruction-count benches.
const BENCH: &str = "instructions";
/// Percent rise over the baseline that fails the gate, unless `--threshold`.
const DEFAULT_THRESHOLD_PCT: f64 = 5.0;

/// What the command line asked for.
struct Options {
    /// Write the baseline instead of checking against it.
    save: bool,
    /// Append the counts to the history (after a pass, or with `save`).
    record: bool,
    /// Percent rise that fails the gate.
    threshold_pct: f64,
}

/// The committed baseline: counts by benchmark name, and the toolchain that
/// produced them.
struct Baseline {
    /// `rustc -V`, `valgrind --version`, `gungraun-runner --version` when saved.
    toolchain: Vec<String>,
    /// Instruction count by benchmark name (`group::function.id`).
    counts: BTreeMap<String, u64>,
}

fn baseline_path() -> PathBuf {
    root().join("benches/baseline/instructions.tsv")
}

/// Entry point: the arguments after `bench-check`.
pub fn run(args: &[String]) -> ExitCode {
    let options = match parse_args(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("bench-check: {message}");
            eprintln!("usage: cargo xtask bench-check [--save] [--record] [--threshold PERCENT]");
            return ExitCode::from(2);
        }
    };
    if let Err(message) = install_runner() {
        eprintln!("bench-check: {message}");
        return ExitCode::FAILURE;
    }
    let counts = match measure() {
        Ok(counts) => counts,
        Err(message) => {
            eprintln!("bench-check: {message}");
            return ExitCode::FAILURE;
        }
    };
    let toolchain = toolchain();
    if options.save {
        let saved = save(&counts, &toolchain);
        if saved == ExitCode::SUCCESS && options.record {
            return record(&counts, &toolchain);
        }
        return saved;
    }
    let baseline = match load_baseline() {
        Ok(baseline) => baseline,
        Err(message) => {
            eprintln!("bench-check: {message}");
            eprintln!("bench-check: record one with `cargo xtask bench-check --save`");
            return ExitCode::FAILURE;
        }
    };
    if baseline.toolchain != toolchain {
        println!("note: the baseline was recorded with a different toolchain; counts may move for that reason alone");
        for (then, now) in baseline.toolchain.iter().zip(&toolchain) {
            if then != now {
                println!("  baseline: {then}\n  now:      {now}");
            }
        }
    }
    let (report, failed) = compare(&baseline.counts, &counts, options.threshold_pct);
    print!("{report}");
    if failed {
        println!(
            "\nbench-check: FAILED (a count rose more than {}% over benches/baseline/instructions.tsv, or a benchmark is missing from one side)",
            options.threshold_pct
        );
        println!("bench-check: if the rise is intended, record it with `cargo xtask bench-check --save` and commit the baseline");
        if options.record {
            println!("bench-check: not recorded in the history: the gate failed");
        }
        ExitCode::FAILURE
    } else {
        println!(
            "\nbench-check: ok (no count rose more than {}%)",
            options.threshold_pct
        );
        if options.record {
            return record(&counts, &toolchain);
        }
        ExitCode::SUCCESS
    }
}

/// Appends the counts to the history, saying what it did.
fn record(counts: &BTreeMap<String, u64>, toolchain: &[String]) -> ExitCode {
    match bench_history::record(counts, toolchain) {
        Ok(message) => {
            println!("bench-check: {message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bench-check: could not record the history: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        save: false,
        record: false,
        threshold_pct: DEFAULT_THRESHOLD_PCT,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--save" => options.save = true,
            "--record" => options.record = true,
            "--threshold" => {
                let value = args.next().ok_or("--threshold needs a percentage")?;
                options.threshold_pct = value
                    .parse::<f64>()
                    .ok()
                    .filter(|pct| pct.is_finite() && *pct >= 0.0)
                    .ok_or_else(|| {
                        format!("--threshold: {value:?} is not a non-negative percentage")
                    })?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

/// Makes sure the gungraun-runner matching Cargo.lock is installed (the
/// script is idempotent and pinned).
fn install_runner() -> Result<(), String> {
    let status = Command::new("sh")
        .arg(root().join("benches/install-runner.sh"))
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not run benches/install-runner.sh: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("benches/install-runner.sh failed: the instruction-count benches need valgrind and gungraun-runner".into())
    }
}

/// Runs the benches with JSON output and collects each one's total
/// instruction count (all threads).
fn measure() -> Result<BTreeMap<String, u64>, String> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .args(["bench", "--package", "deferred", "--bench", BENCH, "--"])
        .arg("--output-format=json")
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    println!("$ cargo bench --package deferred --bench {BENCH} -- --output-format=json");
    let output = command
        .output()
        .map_err(|e| format!("could not run cargo bench: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo bench --bench {BENCH} failed ({})",
            output.status
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut counts = BTreeMap::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let summary = json::parse(line).map_err(|e| format!("unreadable gungraun summary: {e}"))?;
        let (name, ir) = read_summary(&summary)?;
        if counts.insert(name.clone(), ir).is_some() {
            return Err(format!("two benchmarks are named {name}"));
        }
    }
    if counts.is_empty() {
        return Err(
            "the benches printed no summary (is gungraun's --output-format=json supported?)".into(),
        );
    }
    Ok(counts)
}

/// `group::function.id` and the total `Ir` of one gungraun JSON summary.
fn read_summary(summary: &json::Value) -> Result<(String, u64), String> {
    let field = |key: &str| {
        summary
            .get(key)
            .and_then(json::Value::as_str)
            .ok_or_else(|| format!("summary without {key:?}"))
    };
    let name = format!(
        "{}::{}.{}",
        field("group")?,
        field("function_name")?,
        field("id")?
    );
    let profiles = summary
        .get("profiles")
        .and_then(json::Value::as_array)
        .ok_or_else(|| format!("{name}: summary without profiles"))?;
    let ir = profiles
        .iter()
        .find_map(|p| {
            p.get("data")?
                .get("total")?
                .get("metrics")?
                .get("Ir")?
                .get("values")?
                .get("new")?
                .as_u64()
        })
        .ok_or_else(|| format!("{name}: no total Ir in the summary (is the tool callgrind?)"))?;
    Ok((name, ir))
}

/// The versions that decide the counts, one line each.
fn toolchain() -> Vec<String> {
    let version = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| format!("{program}: unknown"))
    };
    vec![
        version("rustc", "-V"),
        version("valgrind", "--version"),
        version("gungraun-runner", "--version"),
    ]
}

fn load_baseline() -> Result<Baseline, String> {
    let path = baseline_path();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_baseline(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse_baseline(text: &str) -> Result<Baseline, String> {
    let mut baseline = Baseline {
        toolchain: Vec::new(),
        counts: BTreeMap::new(),
    };
    for (number, line) in text.lines().enumerate() {
        if let Some(tool) = line.strip_prefix("# toolchain: ") {
            baseline.toolchain.push(tool.to_string());
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(name), Some(count), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(format!("line {}: expected `name<TAB>count`", number + 1));
        };
        let count = count
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("line {}: {count:?} is not a count", number + 1))?;
        if baseline.counts.insert(name.to_string(), count).is_some() {
            return Err(format!("line {}: {name} appears twice", number + 1));
        }
    }
    if baseline.counts.is_empty() {
        return Err("no counts".into());
    }
    Ok(baseline)
}

fn save(counts: &BTreeMap<String, u64>, toolchain: &[String]) -> ExitCode {
    let mut text = String::from(
        "# Instruction counts (callgrind Ir, all threads) of benches/instructions.rs.\n\
         # Checked by `cargo xtask bench-check`; rewritten by `cargo xtask bench-check --save`.\n",
    );
    for tool in toolchain {
        let _ = writeln!(text, "# toolchain: {tool}");
    }
    for (name, count) in counts {
        let _ = writeln!(text, "{name}\t{count}");
    }
    let path = baseline_path();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(&path, text) {
        Ok(()) => {
            let (report, _) = compare(counts, counts, DEFAULT_THRESHOLD_PCT);
            print!("{report}");
            println!("\nbench-check: baseline written to {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench-check: cannot write {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}

/// The table, and whether the gate fails: a rise over `threshold_pct`, or a
/// benchmark only on one side (an unrecorded benchmark is not gated, and a
/// vanished one gates nothing, so both need a `--save`).
fn compare(
    baseline: &BTreeMap<String, u64>,
    now: &BTreeMap<String, u64>,
    threshold_pct: f64,
) -> (String, bool) {
    let mut names: Vec<&String> = baseline.keys().chain(now.keys()).collect();
    names.sort();
    names.dedup();
    let width = names.iter().map(|n| n.len()).max().unwrap_or(9).max(9);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n| {:<width$} | {:>12} | {:>12} | {:>8} | verdict |",
        "benchmark", "baseline", "now", "change"
    );
    let _ = writeln!(
        out,
        "|{}|{}|{}|{}|---------|",
        "-".repeat(width + 2),
        "-".repeat(14),
        "-".repeat(14),
        "-".repeat(10)
    );
    let mut failed = false;
    for name in names {
        let (then, current) = (baseline.get(name), now.get(name));
        let (change, verdict) = match (then, current) {
            (Some(&then), Some(&current)) => {
                let pct = if then == 0 {
                    if current == 0 {
                        0.0
                    } else {
                        f64::INFINITY
                    }
                } else {
                    (current as f64 - then as f64) * 100.0 / then as f64
                };
                let verdict = if pct > threshold_pct {
                    failed = true;
                    "REGRESSED"
                } else if pct < -threshold_pct {
                    "improved"
                } else {
                    "ok"
                };
                (format!("{pct:+.2}%"), verdict)
            }
            (None, Some(_)) => {
                failed = true;
                ("-".to_string(), "NEW")
            }
            (Some(_), None) => {
                failed = true;
                ("-".to_string(), "MISSING")
            }
            (None, None) => unreachable!("every name comes from one of the maps"),
        };
        let show = |c: Option<&u64>| c.map_or_else(|| "-".to_string(), |c| c.to_string());
        let _ = writeln!(
            out,
            "| {:<width$} | {:>12} | {:>12} | {:>8} | {verdict} |",
            name,
            show(then),
            show(current),
            change
        );
    }
    (out, failed)
}

/// Just enough JSON to read gungraun's summaries, so that xtask needs no
/// dependency.
mod json {
    use std::collections::BTreeMap;

    /// A JSON value. Numbers keep their text so integers stay exact.
    #[derive(Debug, PartialEq)]
    pub enum Value {
        Null,
        Bool(bool),
        Number(String),
        String(String),
        Array(Vec<Value>),
        Object(BTreeMap<String, Value>),
    }

    impl Value {
        pub fn get(&self, key: &str) -> Option<&Value> {
            match self {
                Value::Object(map) => map.get(key),
                _ => None,
            }
        }

        pub fn as_str(&self) -> Option<&str> {
            match self {
                Value::String(s) => Some(s),
                _ => None,
            }
        }

        pub fn as_array(&self) -> Option<&[Value]> {
            match self {
                Value::Array(items) => Some(items),
                _ => None,
            }
        }

        /// An integer count; gungraun may also wrap one as `{"Int": n}`.
        pub fn as_u64(&self) -> Option<u64> {
            match self {
                Value::Number(text) => text.parse().ok(),
                Value::Object(_) => self.get("Int").and_then(Value::as_u64),
                _ => None,
            }
        }
    }

    pub fn parse(text: &str) -> Result<Value, String> {
        let mut parser = Parser {
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = parser.value()?;
        parser.skip_ws();
        if parser.at != parser.bytes.len() {
            return Err(format!("trailing characters at byte {}", parser.at));
        }
        Ok(value)
    }

    struct Parser<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    impl Parser<'_> {
        fn skip_ws(&mut self) {
            while self
                .bytes
                .get(self.at)
                .is_some_and(|b| b.is_ascii_whitespace())
            {
                self.at += 1;
            }
        }

        fn expect(&mut self, byte: u8) -> Result<(), String> {
            self.skip_ws();
            if self.bytes.get(self.at) == Some(&byte) {
                self.at += 1;
                Ok(())
            } else {
                Err(format!("expected {:?} at byte {}", byte as char, self.at))
            }
        }

        fn value(&mut self) -> Result<Value, String> {
            self.skip_ws();
            match self.bytes.get(self.at) {
                Some(b'{') => self.object(),
                Some(b'[') => self.array(),
                Some(b'"') => self.string().map(Value::String),
                Some(b't') => self.literal("true", Value::Bool(true)),
                Some(b'f') => self.literal("false", Value::Bool(false)),
                Some(b'n') => self.literal("null", Value::Null),
                Some(b'-' | b'0'..=b'9') => Ok(self.number()),
                _ => Err(format!("unexpected input at byte {}", self.at)),
            }
        }

        fn literal(&mut self, word: &str, value: Value) -> Result<Value, String> {
            if self.bytes[self.at..].starts_with(word.as_bytes()) {
                self.at += word.len();
                Ok(value)
            } else {
                Err(format!("bad literal at byte {}", self.at))
            }
        }

        fn number(&mut self) -> Value {
            let start = self.at;
            while self
                .bytes
                .get(self.at)
                .is_some_and(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
            {
                self.at += 1;
            }
            Value::Number(String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned())
        }

        fn string(&mut self) -> Result<String, String> {
            self.expect(b'"')?;
            let mut out = Vec::new();
            loop {
                let Some(&byte) = self.bytes.get(self.at) else {
                    return Err("unterminated string".into());
                };
                self.at += 1;
                match byte {
                    b'"' => break,
                    b'\\' => {
                        let Some(&escaped) = self.bytes.get(self.at) else {
                            return Err("unterminated escape".into());
                        };
                        self.at += 1;
                        match escaped {
                            b'n' => out.push(b'\n'),
                            b't' => out.push(b'\t'),
                            b'r' => out.push(b'\r'),
                            b'b' => out.push(8),
                            b'f' => out.push(12),
                            b'u' => {
                                let hex = self
                                    .bytes
                                    .get(self.at..self.at + 4)
                                    .and_then(|h| std::str::from_utf8(h).ok())
                                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                                    .ok_or("bad \\u escape")?;
                                self.at += 4;
                                let c = char::from_u32(hex).unwrap_or(char::REPLACEMENT_CHARACTER);
                                let mut buf = [0; 4];
                                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            }
                            other => out.push(other),
                        }
                    }
                    other => out.push(other),
                }
            }
            String::from_utf8(out).map_err(|_| "string is not UTF-8".to_string())
        }

        fn array(&mut self) -> Result<Value, String> {
            self.expect(b'[')?;
            let mut items = Vec::new();
            self.skip_ws();
            if self.bytes.get(self.at) == Some(&b']') {
                self.at += 1;
                return Ok(Value::Array(items));
            }
            loop {
                items.push(self.value()?);
                self.skip_ws();
                match self.bytes.get(self.at) {
                    Some(b',') => self.at += 1,
                    Some(b']') => {
                        self.at += 1;
                        return Ok(Value::Array(items));
                    }
                    _ => return Err(format!("expected ',' or ']' at byte {}", self.at)),
                }
            }
        }

        fn object(&mut self) -> Result<Value, String> {
            self.expect(b'{')?;
            let mut map = BTreeMap::new();
            self.skip_ws();
            if self.bytes.get(self.at) == Some(&b'}') {
                self.at += 1;
                return Ok(Value::Object(map));
            }
            loop {
                self.skip_ws();
                let key = self.string()?;
                self.expect(b':')?;
                let value = self.value()?;
                map.insert(key, value);
                self.skip_ws();
                match self.bytes.get(self.at) {
                    Some(b',') => self.at += 1,
                    Some(b'}') => {
                        self.at += 1;
                        return Ok(Value::Object(map));
                    }
                    _ => return Err(format!("expected ',' or '}}' at byte {}", self.at)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    }

    #[test]
    fn a_rise_over_the_threshold_fails_the_gate() {
        let (_, failed) = compare(&counts(&[("a", 1000)]), &counts(&[("a", 1051)]), 5.0);
        assert!(failed);
    }

    #[test]
    fn a_rise_within_the_threshold_and_any_fall_pass() {
        let (_, failed) = compare(
            &counts(&[("a", 1000), ("b", 1000)]),
            &counts(&[("a", 1050), ("b", 10)]),
            5.0,
        );
        assert!(!failed);
    }

    #[test]
    fn a_benchmark_on_one_side_only_fails_the_gate() {
        assert!(compare(&counts(&[("a", 1)]), &counts(&[("a", 1), ("b", 1)]), 5.0).1);
        assert!(compare(&counts(&[("a", 1), ("b", 1)]), &counts(&[("a", 1)]), 5.0).1);
    }

    #[test]
    fn the_baseline_round_trips_with_its_toolchain() {
        let text = "# comment\n# toolchain: rustc 1.0\nchain::x.once\t535\n";
        let baseline = parse_baseline(text).unwrap();
        assert_eq!(baseline.toolchain, ["rustc 1.0"]);
        assert_eq!(baseline.counts, counts(&[("chain::x.once", 535)]));
    }

    #[test]
    fn a_malformed_baseline_line_is_a_clear_error() {
        let err = parse_baseline("chain::x.once 535\n").err().unwrap();
        assert!(err.contains("line 1"), "{err}");
        let err = parse_baseline("a\tmany\n").err().unwrap();
        assert!(err.contains("not a count"), "{err}");
        assert!(parse_baseline("# only comments\n").is_err());
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(parse_args(&["--threshold".into()]).is_err());
        assert!(parse_args(&["--threshold".into(), "-1".into()]).is_err());
        assert!(parse_args(&["--frobnicate".into()]).is_err());
        let options = parse_args(&["--save".into(), "--threshold".into(), "2.5".into()]).unwrap();
        assert!(options.save && !options.record && options.threshold_pct == 2.5);
        assert!(parse_args(&["--record".into()]).unwrap().record);
    }

    #[test]
    fn a_gungraun_summary_yields_its_name_and_total_instructions() {
        let line = r#"{"group":"chain","function_name":"create_fire","id":"once","profiles":[{"data":{"parts":[],"total":{"metrics":{"Ir":{"values":{"new":535,"old":null}}}}}}],"x":[1.5e3,true,null,"a\"b\u00e9"]}"#;
        let summary = json::parse(line).unwrap();
        assert_eq!(
            read_summary(&summary).unwrap(),
            ("chain::create_fire.once".to_string(), 535)
        );
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic() {
        for text in ["{", "{\"a\":}", "[1,", "\"abc", "{\"a\":1}x", "tru"] {
            assert!(json::parse(text).is_err(), "{text}");
        }
    }
}
