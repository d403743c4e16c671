//! Traces (`docs/op-language.md`, "Trace"): what was observed while a script ran,
//! and its JSON Lines form.

use std::fmt;

/// The tag of the failure a `cancel` fires.
pub const CANCELLED: &str = "Cancelled";
/// The tag of the failure a handler gets for returning a Deferred that is
/// already chained (waited on or consumed).
pub const ALREADY_CHAINED: &str = "AlreadyChained";
/// The tag of the failure a `chain` to a Deferred the script does not have
/// raises (only scripts built in code can hold one; the parser refuses them).
pub const NO_SUCH_DEFERRED: &str = "NoSuchDeferred";

/// A result as a trace shows it: a value, or a failure's tag (a script tag,
/// or `Cancelled` / `AlreadyChained` raised by the implementation itself).
pub type TraceResult = Result<i64, String>;

/// Which side of a handler pair was invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The callback side (it got a value).
    Cb,
    /// The errback side (it got a failure).
    Eb,
}

impl Side {
    /// `"cb"` or `"eb"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Cb => "cb",
            Side::Eb => "eb",
        }
    }
}

/// An op the implementation refused; it changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// `callback`/`errback` on a Deferred that was already fired.
    AlreadyCalled,
    /// `unpause` of a Deferred whose pause count is zero.
    NotPaused,
}

impl Refusal {
    /// The name the trace prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::AlreadyCalled => "AlreadyCalled",
            Refusal::NotPaused => "NotPaused",
        }
    }
}

/// Where a Deferred ended, as the `final` event shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FinalState {
    /// Never fired.
    Pending,
    /// Fired, but its chain waits on a chained Deferred.
    Waiting,
    /// Fired, holds a result, paused by `pause`.
    Paused,
    /// Fired, holds a result, not paused.
    Fired,
    /// Its result was taken by a Deferred that chained it.
    Consumed,
    /// A handler still running after the last op. No correct implementation
    /// ends here (handlers in scripts never block); printed as `running` so
    /// that a broken one shows up in a diff.
    Running,
}

impl FinalState {
    /// The name the trace prints.
    pub fn as_str(self) -> &'static str {
        match self {
            FinalState::Pending => "pending",
            FinalState::Waiting => "waiting",
            FinalState::Paused => "paused",
            FinalState::Fired => "fired",
            FinalState::Consumed => "consumed",
            FinalState::Running => "running",
        }
    }
}

/// One line of a trace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Event {
    /// A handler other than `pass`, added by op `op`, was invoked with `input`.
    Call {
        /// The op that added the handler.
        op: usize,
        /// Which side ran.
        side: Side,
        /// What it got.
        input: TraceResult,
    },
    /// Op `op` was refused.
    Error {
        /// The refused op.
        op: usize,
        /// Why.
        error: Refusal,
    },
    /// After the last op, Deferred `d` is in `state`, holding `result`
    /// (`Some` exactly for `paused` and `fired`).
    Final {
        /// The Deferred.
        d: usize,
        /// Where it ended.
        state: FinalState,
        /// What it holds.
        result: Option<TraceResult>,
    },
    /// Deferred `d` was dropped holding a failure that nothing handled.
    Unhandled {
        /// The Deferred.
        d: usize,
        /// The failure's tag.
        error: String,
    },
}

/// A JSON string literal (tags are plain ASCII, but the trace must stay
/// valid JSON whatever an implementation puts there).
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"?\"".to_owned())
}

fn json_result(r: &TraceResult) -> String {
    match r {
        Ok(v) => format!("{{\"ok\": {v}}}"),
        Err(tag) => format!("{{\"err\": {}}}", json_string(tag)),
    }
}

impl fmt::Display for Event {
    /// The event's JSON line (without the newline), keys in the spec's order,
    /// spaced as the fixtures are (`", "` and `": "`, Python's `json.dumps`
    /// default), so that a trace is byte-identical to its fixture.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Call { op, side, input } => write!(
                f,
                "{{\"ev\": \"call\", \"op\": {op}, \"side\": \"{}\", \"in\": {}}}",
                side.as_str(),
                json_result(input)
            ),
            Event::Error { op, error } => {
                write!(
                    f,
                    "{{\"ev\": \"error\", \"op\": {op}, \"error\": \"{}\"}}",
                    error.as_str()
                )
            }
            Event::Final { d, state, result } => write!(
                f,
                "{{\"ev\": \"final\", \"d\": {d}, \"state\": \"{}\", \"result\": {}}}",
                state.as_str(),
                result
                    .as_ref()
                    .map_or_else(|| "null".to_owned(), json_result)
            ),
            Event::Unhandled { d, error } => {
                write!(
                    f,
                    "{{\"ev\": \"unhandled\", \"d\": {d}, \"error\": {}}}",
                    json_string(error)
                )
            }
        }
    }
}

/// The trace as JSON Lines: one event a line, each line ending in `\n`.
///
/// ```
/// use deferred_model::trace::{to_jsonl, Event, FinalState};
///
/// let t = [Event::Final { d: 0, state: FinalState::Fired, result: Some(Ok(42)) }];
/// assert_eq!(
///     to_jsonl(&t),
///     "{\"ev\": \"final\", \"d\": 0, \"state\": \"fired\", \"result\": {\"ok\": 42}}\n"
/// );
/// ```
pub fn to_jsonl(events: &[Event]) -> String {
    let mut out = String::new();
    for e in events {
        out.push_str(&e.to_string());
        out.push('\n');
    }
    out
}

/// Whether two traces in JSON Lines say the same thing: the same lines in the
/// same order, each compared as JSON (key order and spacing do not matter),
/// blank lines ignored. Used to check fixtures and other tools' output.
pub fn same_jsonl(a: &str, b: &str) -> bool {
    fn lines(text: &str) -> Vec<Result<serde_json::Value, String>> {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(|_| l.to_owned()))
            .collect()
    }
    lines(a) == lines(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_prints_the_spec_shape() {
        let events = [
            Event::Call {
                op: 3,
                side: Side::Eb,
                input: Err("E1".into()),
            },
            Event::Error {
                op: 4,
                error: Refusal::NotPaused,
            },
            Event::Final {
                d: 1,
                state: FinalState::Pending,
                result: None,
            },
            Event::Unhandled {
                d: 2,
                error: "Cancelled".into(),
            },
        ];
        let want = concat!(
            r#"{"ev": "call", "op": 3, "side": "eb", "in": {"err": "E1"}}"#,
            "\n",
            r#"{"ev": "error", "op": 4, "error": "NotPaused"}"#,
            "\n",
            r#"{"ev": "final", "d": 1, "state": "pending", "result": null}"#,
            "\n",
            r#"{"ev": "unhandled", "d": 2, "error": "Cancelled"}"#,
            "\n",
        );
        assert_eq!(to_jsonl(&events), want);
    }

    #[test]
    fn same_jsonl_minds_line_order_but_not_key_order() {
        assert!(same_jsonl("{\"a\":1,\"b\":2}\n", "{\"b\": 2, \"a\": 1}"));
        assert!(!same_jsonl(
            "{\"a\":1}\n{\"b\":2}\n",
            "{\"b\":2}\n{\"a\":1}\n"
        ));
        assert!(!same_jsonl("{\"a\":1}\n", "not json"));
    }
}
