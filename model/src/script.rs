//! Op scripts (`docs/op-language.md`, "Script"): the types, a strict parser from
//! JSON text with one-line errors naming the place, and a serializer back.
//!
//! The parser reads the text into a `serde_json::Value` (whose recursion
//! limit turns absurdly deep nesting into an error, not a stack overflow) and
//! then checks every field by hand, so that each error can name its place:
//! `ops[3].cb.k: unknown handler "foo"`.
//!
//! One leniency is inherited from `serde_json::Value`: when an object repeats
//! a key, the last one wins.

use std::fmt;

use serde_json::{Map, Value};

/// Most Deferreds a script may declare.
pub const MAX_DEFERREDS: usize = 64;
/// Most ops a script may hold.
pub const MAX_OPS: usize = 10_000;
/// Longest failure tag.
pub const MAX_TAG_LEN: usize = 16;

/// A failure tag: 1 to 16 characters of `[A-Za-z0-9_]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// The tag, if `text` follows the rules.
    pub fn new(text: &str) -> Option<Tag> {
        let ok = !text.is_empty()
            && text.len() <= MAX_TAG_LEN
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        ok.then(|| Tag(text.to_owned()))
    }

    /// A tag from a constant known to follow the rules (checked in debug builds).
    pub(crate) fn trusted(text: &str) -> Tag {
        debug_assert!(Tag::new(text).is_some(), "bad tag constant {text}");
        Tag(text.to_owned())
    }

    /// The tag's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a callback or errback does with the result it gets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Handler {
    /// `{"k": "pass"}`: returns its input unchanged (a failure is re-raised).
    Pass,
    /// `{"k": "add", "n": K}`: a value `v` becomes `v + K` (wrapping); a failure passes.
    Add(i64),
    /// `{"k": "value", "n": K}`: returns `K` whatever it got (recovers a failure).
    Value(i64),
    /// `{"k": "raise", "error": TAG}`: raises a failure carrying `TAG`.
    Raise(Tag),
    /// `{"k": "chain", "d": J}`: returns Deferred `J`, which the chain then waits for.
    Chain(usize),
}

/// One step of a script. `d` is always the Deferred it acts on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Op {
    /// Fire `d` with a value.
    Callback {
        /// The Deferred.
        d: usize,
        /// The value.
        value: i64,
    },
    /// Fire `d` with a failure carrying `error`.
    Errback {
        /// The Deferred.
        d: usize,
        /// The failure's tag.
        error: Tag,
    },
    /// Add a callback/errback pair to `d`.
    AddCallbacks {
        /// The Deferred.
        d: usize,
        /// The callback side.
        cb: Handler,
        /// The errback side.
        eb: Handler,
    },
    /// Add a callback; the errback side is `pass`.
    AddCallback {
        /// The Deferred.
        d: usize,
        /// The callback side.
        cb: Handler,
    },
    /// Add an errback; the callback side is `pass`.
    AddErrback {
        /// The Deferred.
        d: usize,
        /// The errback side.
        eb: Handler,
    },
    /// Add one handler for both sides.
    AddBoth {
        /// The Deferred.
        d: usize,
        /// The handler for both sides.
        h: Handler,
    },
    /// Pause `d`'s chain.
    Pause {
        /// The Deferred.
        d: usize,
    },
    /// Undo one `pause` of `d`.
    Unpause {
        /// The Deferred.
        d: usize,
    },
    /// Cancel `d`.
    Cancel {
        /// The Deferred.
        d: usize,
    },
}

impl Op {
    /// The Deferred the op acts on.
    pub fn d(&self) -> usize {
        match *self {
            Op::Callback { d, .. }
            | Op::Errback { d, .. }
            | Op::AddCallbacks { d, .. }
            | Op::AddCallback { d, .. }
            | Op::AddErrback { d, .. }
            | Op::AddBoth { d, .. }
            | Op::Pause { d }
            | Op::Unpause { d }
            | Op::Cancel { d } => d,
        }
    }

    /// For the four `add_*` ops, the `(cb, eb)` pair they add, with the
    /// missing side filled in as `pass`; `None` for the other ops.
    pub fn handler_pair(&self) -> Option<(Handler, Handler)> {
        match self {
            Op::AddCallbacks { cb, eb, .. } => Some((cb.clone(), eb.clone())),
            Op::AddCallback { cb, .. } => Some((cb.clone(), Handler::Pass)),
            Op::AddErrback { eb, .. } => Some((Handler::Pass, eb.clone())),
            Op::AddBoth { h, .. } => Some((h.clone(), h.clone())),
            _ => None,
        }
    }

    /// The op's name in the JSON (`"add_callback"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Callback { .. } => "callback",
            Op::Errback { .. } => "errback",
            Op::AddCallbacks { .. } => "add_callbacks",
            Op::AddCallback { .. } => "add_callback",
            Op::AddErrback { .. } => "add_errback",
            Op::AddBoth { .. } => "add_both",
            Op::Pause { .. } => "pause",
            Op::Unpause { .. } => "unpause",
            Op::Cancel { .. } => "cancel",
        }
    }
}

/// A whole script: `deferreds` Deferreds (ids `0..deferreds`) and the ops
/// run on them, in order (an op's index is its id).
///
/// [`parse_script`] enforces the spec's limits (1 to 64 Deferreds, at most
/// 10,000 ops, ids in range, no `chain` to the handler's own Deferred). A
/// `Script` built in code may go beyond the size limits (the stack-depth
/// tests do); ids must still be in range for the runners.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Script {
    /// How many Deferreds exist from the start.
    pub deferreds: usize,
    /// The ops, in order.
    pub ops: Vec<Op>,
}

impl Script {
    /// The script as compact JSON that [`parse_script`] reads back to an
    /// equal `Script`.
    pub fn to_json(&self) -> String {
        let mut out = format!("{{\"deferreds\":{},\"ops\":[", self.deferreds);
        for (i, op) in self.ops.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_op(&mut out, op);
        }
        out.push_str("]}");
        out
    }

    /// Checks what the types cannot: ids in range and no `chain` to the
    /// handler's own Deferred (the size limits are not checked). The runners
    /// need this to hold; [`parse_script`] guarantees it.
    pub fn validate_ids(&self) -> Result<(), ScriptError> {
        for (i, op) in self.ops.iter().enumerate() {
            let d = op.d();
            if d >= self.deferreds {
                return Err(ScriptError::at(
                    format!("ops[{i}].d"),
                    out_of_range(d as i128, self.deferreds),
                ));
            }
            let sides: &[(&str, &Handler)] = match op {
                Op::AddCallbacks { cb, eb, .. } => &[("cb", cb), ("eb", eb)],
                Op::AddCallback { cb, .. } => &[("cb", cb)],
                Op::AddErrback { eb, .. } => &[("eb", eb)],
                Op::AddBoth { h, .. } => &[("h", h)],
                _ => &[],
            };
            for (side, h) in sides {
                if let Handler::Chain(j) = h {
                    let place = format!("ops[{i}].{side}.d");
                    if *j >= self.deferreds {
                        return Err(ScriptError::at(
                            place,
                            out_of_range(*j as i128, self.deferreds),
                        ));
                    }
                    if *j == d {
                        return Err(ScriptError::at(place, own_chain(d)));
                    }
                }
            }
        }
        Ok(())
    }
}

fn write_handler(out: &mut String, h: &Handler) {
    match h {
        Handler::Pass => out.push_str("{\"k\":\"pass\"}"),
        Handler::Add(n) => out.push_str(&format!("{{\"k\":\"add\",\"n\":{n}}}")),
        Handler::Value(n) => out.push_str(&format!("{{\"k\":\"value\",\"n\":{n}}}")),
        Handler::Raise(t) => out.push_str(&format!("{{\"k\":\"raise\",\"error\":\"{t}\"}}")),
        Handler::Chain(j) => out.push_str(&format!("{{\"k\":\"chain\",\"d\":{j}}}")),
    }
}

fn write_op(out: &mut String, op: &Op) {
    out.push_str(&format!("{{\"op\":\"{}\",\"d\":{}", op.name(), op.d()));
    match op {
        Op::Callback { value, .. } => out.push_str(&format!(",\"value\":{value}")),
        Op::Errback { error, .. } => out.push_str(&format!(",\"error\":\"{error}\"")),
        Op::AddCallbacks { cb, eb, .. } => {
            out.push_str(",\"cb\":");
            write_handler(out, cb);
            out.push_str(",\"eb\":");
            write_handler(out, eb);
        }
        Op::AddCallback { cb, .. } => {
            out.push_str(",\"cb\":");
            write_handler(out, cb);
        }
        Op::AddErrback { eb, .. } => {
            out.push_str(",\"eb\":");
            write_handler(out, eb);
        }
        Op::AddBoth { h, .. } => {
            out.push_str(",\"h\":");
            write_handler(out, h);
        }
        Op::Pause { .. } | Op::Unpause { .. } | Op::Cancel { .. } => {}
    }
    out.push('}');
}

/// Why a script was rejected: the place (`ops[3].cb.k`, `deferreds`, ...)
/// and what is wrong there. `Display` gives the one line `replay` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    place: String,
    message: String,
}

impl ScriptError {
    fn at(place: impl Into<String>, message: impl Into<String>) -> Self {
        ScriptError {
            place: place.into(),
            message: message.into(),
        }
    }

    /// Where the error is: a path like `ops[3].cb.k`, `script` for the
    /// top-level object, or `line L column C` for a JSON syntax error.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// What is wrong there.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

impl std::error::Error for ScriptError {}

fn out_of_range(d: i128, deferreds: usize) -> String {
    format!("deferred {d} out of range (script has {deferreds})")
}

fn own_chain(d: usize) -> String {
    format!("chain to the handler's own Deferred {d}")
}

/// A short description of a JSON value for error messages.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let mut quoted = serde_json::to_string(s).unwrap_or_else(|_| "a string".to_owned());
            if quoted.chars().count() > 40 {
                quoted = quoted.chars().take(37).collect::<String>() + "...";
            }
            quoted
        }
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A field name as it appears in a message (quoted, escaped, shortened).
fn quote_key(key: &str) -> String {
    describe(&Value::String(key.to_owned()))
}

/// Parses a script from JSON text, checking every rule of the spec.
///
/// ```
/// use deferred_model::parse_script;
///
/// let s = parse_script(r#"{"deferreds": 1, "ops": [{"op": "callback", "d": 0, "value": 1}]}"#).unwrap();
/// assert_eq!(s.ops.len(), 1);
///
/// let e = parse_script(r#"{"deferreds": 1, "ops": [{"op": "callback", "d": 3, "value": 1}]}"#).unwrap_err();
/// assert_eq!(e.to_string(), "ops[0].d: deferred 3 out of range (script has 1)");
/// ```
///
/// # Errors
///
/// A [`ScriptError`] naming the first place that breaks a rule: JSON syntax
/// (with line and column), an unknown or missing field, an unknown op or
/// handler, a number that is not an in-range integer, a bad tag, an id out of
/// range, a `chain` to the handler's own Deferred, too many ops or Deferreds.
pub fn parse_script(text: &str) -> Result<Script, ScriptError> {
    let value: Value = serde_json::from_str(text).map_err(json_error)?;
    script_from_value(&value)
}

/// [`parse_script`] for raw bytes, which must be UTF-8.
///
/// # Errors
///
/// As [`parse_script`], plus text that is not UTF-8.
pub fn parse_script_bytes(bytes: &[u8]) -> Result<Script, ScriptError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_script(text),
        Err(e) => Err(ScriptError::at(
            format!("byte {}", e.valid_up_to()),
            "the script is not valid UTF-8",
        )),
    }
}

fn json_error(e: serde_json::Error) -> ScriptError {
    // serde_json's message ends in " at line L column C"; we put the place first.
    let text = e.to_string();
    let what = match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    };
    ScriptError::at(
        format!("line {} column {}", e.line(), e.column()),
        format!("invalid JSON: {what}"),
    )
}

fn object<'a>(v: &'a Value, place: &str) -> Result<&'a Map<String, Value>, ScriptError> {
    v.as_object()
        .ok_or_else(|| ScriptError::at(place, format!("expected an object, got {}", describe(v))))
}

/// Rejects any key not in `allowed` (keys come sorted, so the first reported is stable).
fn only_fields(obj: &Map<String, Value>, allowed: &[&str], place: &str) -> Result<(), ScriptError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(ScriptError::at(
            place,
            format!("unknown field {}", quote_key(k)),
        )),
        None => Ok(()),
    }
}

fn field<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    place: &str,
) -> Result<&'a Value, ScriptError> {
    obj.get(name)
        .ok_or_else(|| ScriptError::at(place, format!("missing field \"{name}\"")))
}

fn integer(v: &Value, place: &str) -> Result<i64, ScriptError> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| ScriptError::at(place, format!("expected an i64 integer, got {n}"))),
        other => Err(ScriptError::at(
            place,
            format!("expected an i64 integer, got {}", describe(other)),
        )),
    }
}

fn deferred_id(v: &Value, place: &str, deferreds: usize) -> Result<usize, ScriptError> {
    let Value::Number(n) = v else {
        return Err(ScriptError::at(
            place,
            format!("expected a Deferred id, got {}", describe(v)),
        ));
    };
    let id = if let Some(i) = n.as_i64() {
        i128::from(i)
    } else if let Some(u) = n.as_u64() {
        i128::from(u)
    } else {
        return Err(ScriptError::at(
            place,
            format!("expected a Deferred id, got {n}"),
        ));
    };
    if id < 0 || id >= deferreds as i128 {
        return Err(ScriptError::at(place, out_of_range(id, deferreds)));
    }
    Ok(id as usize)
}

fn tag(v: &Value, place: &str) -> Result<Tag, ScriptError> {
    let bad = || {
        ScriptError::at(
            place,
            format!(
                "invalid tag {} (1 to 16 characters of [A-Za-z0-9_])",
                describe(v)
            ),
        )
    };
    match v {
        Value::String(s) => Tag::new(s).ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn script_from_value(v: &Value) -> Result<Script, ScriptError> {
    let top = object(v, "script")?;
    only_fields(top, &["deferreds", "ops"], "script")?;
    let deferreds = field(top, "deferreds", "script")?;
    let deferreds = match deferreds.as_u64() {
        Some(n) if (1..=MAX_DEFERREDS as u64).contains(&n) => n as usize,
        _ => {
            return Err(ScriptError::at(
                "deferreds",
                format!("must be 1 to {MAX_DEFERREDS}, got {}", describe(deferreds)),
            ))
        }
    };
    let ops_value = field(top, "ops", "script")?;
    let Value::Array(items) = ops_value else {
        return Err(ScriptError::at(
            "ops",
            format!("expected an array, got {}", describe(ops_value)),
        ));
    };
    if items.len() > MAX_OPS {
        return Err(ScriptError::at(
            "ops",
            format!("at most {MAX_OPS} ops, got {}", items.len()),
        ));
    }
    let ops = items
        .iter()
        .enumerate()
        .map(|(i, item)| op_from_value(item, &format!("ops[{i}]"), deferreds))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Script { deferreds, ops })
}

fn op_from_value(v: &Value, place: &str, deferreds: usize) -> Result<Op, ScriptError> {
    let obj = object(v, place)?;
    let kind = field(obj, "op", place)?;
    let kind_place = format!("{place}.op");
    let Value::String(kind) = kind else {
        return Err(ScriptError::at(
            kind_place,
            format!("expected an op name, got {}", describe(kind)),
        ));
    };
    let allowed: &[&str] = match kind.as_str() {
        "callback" => &["op", "d", "value"],
        "errback" => &["op", "d", "error"],
        "add_callbacks" => &["op", "d", "cb", "eb"],
        "add_callback" => &["op", "d", "cb"],
        "add_errback" => &["op", "d", "eb"],
        "add_both" => &["op", "d", "h"],
        "pause" | "unpause" | "cancel" => &["op", "d"],
        _ => {
            return Err(ScriptError::at(
                kind_place,
                format!("unknown op {}", describe(&Value::String(kind.clone()))),
            ))
        }
    };
    only_fields(obj, allowed, place)?;
    let d = deferred_id(field(obj, "d", place)?, &format!("{place}.d"), deferreds)?;
    let handler_at = |name: &str| -> Result<Handler, ScriptError> {
        handler_from_value(
            field(obj, name, place)?,
            &format!("{place}.{name}"),
            d,
            deferreds,
        )
    };
    Ok(match kind.as_str() {
        "callback" => Op::Callback {
            d,
            value: integer(field(obj, "value", place)?, &format!("{place}.value"))?,
        },
        "errback" => Op::Errback {
            d,
            error: tag(field(obj, "error", place)?, &format!("{place}.error"))?,
        },
        "add_callbacks" => Op::AddCallbacks {
            d,
            cb: handler_at("cb")?,
            eb: handler_at("eb")?,
        },
        "add_callback" => Op::AddCallback {
            d,
            cb: handler_at("cb")?,
        },
        "add_errback" => Op::AddErrback {
            d,
            eb: handler_at("eb")?,
        },
        "add_both" => Op::AddBoth {
            d,
            h: handler_at("h")?,
        },
        "pause" => Op::Pause { d },
        "unpause" => Op::Unpause { d },
        _ => Op::Cancel { d },
    })
}

fn handler_from_value(
    v: &Value,
    place: &str,
    own: usize,
    deferreds: usize,
) -> Result<Handler, ScriptError> {
    let obj = object(v, place)?;
    let k = field(obj, "k", place)?;
    let k_place = format!("{place}.k");
    let Value::String(k) = k else {
        return Err(ScriptError::at(
            k_place,
            format!("expected a handler name, got {}", describe(k)),
        ));
    };
    let allowed: &[&str] = match k.as_str() {
        "pass" => &["k"],
        "add" | "value" => &["k", "n"],
        "raise" => &["k", "error"],
        "chain" => &["k", "d"],
        _ => {
            return Err(ScriptError::at(
                k_place,
                format!("unknown handler {}", describe(&Value::String(k.clone()))),
            ))
        }
    };
    only_fields(obj, allowed, place)?;
    let n = || integer(field(obj, "n", place)?, &format!("{place}.n"));
    Ok(match k.as_str() {
        "pass" => Handler::Pass,
        "add" => Handler::Add(n()?),
        "value" => Handler::Value(n()?),
        "raise" => Handler::Raise(tag(field(obj, "error", place)?, &format!("{place}.error"))?),
        _ => {
            let d_place = format!("{place}.d");
            let j = deferred_id(field(obj, "d", place)?, &d_place, deferreds)?;
            if j == own {
                return Err(ScriptError::at(d_place, own_chain(own)));
            }
            Handler::Chain(j)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse_script(text).unwrap_err().to_string()
    }

    #[test]
    fn tags_follow_the_character_and_length_rules() {
        assert!(Tag::new("a").is_some());
        assert!(Tag::new("A_9_zzzzzzzzzzzz").is_some());
        assert!(Tag::new("").is_none());
        assert!(Tag::new("a-b").is_none());
        assert!(Tag::new("é").is_none());
        assert!(Tag::new("abcdefghijklmnopq").is_none());
    }

    #[test]
    fn every_op_and_handler_round_trips_through_json() {
        let t = |s: &str| Tag::new(s).unwrap();
        let script = Script {
            deferreds: 3,
            ops: vec![
                Op::Callback {
                    d: 0,
                    value: i64::MIN,
                },
                Op::Errback {
                    d: 1,
                    error: t("E1"),
                },
                Op::AddCallbacks {
                    d: 2,
                    cb: Handler::Pass,
                    eb: Handler::Add(-3),
                },
                Op::AddCallback {
                    d: 0,
                    cb: Handler::Value(i64::MAX),
                },
                Op::AddErrback {
                    d: 0,
                    eb: Handler::Raise(t("x_9")),
                },
                Op::AddBoth {
                    d: 0,
                    h: Handler::Chain(2),
                },
                Op::Pause { d: 1 },
                Op::Unpause { d: 1 },
                Op::Cancel { d: 2 },
            ],
        };
        assert_eq!(parse_script(&script.to_json()).unwrap(), script);
    }

    #[test]
    fn errors_name_their_place() {
        assert_eq!(
            err(r#"{"deferreds":1,"ops":[{"op":"add_callback","d":0,"cb":{"k":"foo"}}]}"#),
            r#"ops[0].cb.k: unknown handler "foo""#
        );
        assert_eq!(
            err(r#"{"deferreds":0,"ops":[]}"#),
            "deferreds: must be 1 to 64, got 0"
        );
        assert_eq!(
            err(r#"{"deferreds":1,"ops":[{"op":"pause","d":0,"x":1}]}"#),
            r#"ops[0]: unknown field "x""#
        );
        assert_eq!(
            err(r#"{"deferreds":2,"ops":[{"op":"add_both","d":1,"h":{"k":"chain","d":1}}]}"#),
            "ops[0].h.d: chain to the handler's own Deferred 1"
        );
        assert_eq!(
            err(r#"{"deferreds":1,"ops":[{"op":"callback","d":0,"value":1.5}]}"#),
            "ops[0].value: expected an i64 integer, got 1.5"
        );
        assert_eq!(
            err(r#"{"deferreds":1,"ops":[{"op":"callback","d":0,"value":9223372036854775808}]}"#),
            "ops[0].value: expected an i64 integer, got 9223372036854775808"
        );
        assert_eq!(
            err("{\"deferreds\":1,\n \"ops\": [}"),
            "line 2 column 10: invalid JSON: expected value"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = "[".repeat(100_000);
        assert!(err(&text).contains("recursion limit exceeded"));
    }

    #[test]
    fn validate_ids_catches_what_code_built_scripts_can_get_wrong() {
        let s = Script {
            deferreds: 1,
            ops: vec![Op::Pause { d: 1 }],
        };
        assert_eq!(
            s.validate_ids().unwrap_err().to_string(),
            "ops[0].d: deferred 1 out of range (script has 1)"
        );
        let s = Script {
            deferreds: 2,
            ops: vec![Op::AddCallback {
                d: 0,
                cb: Handler::Chain(0),
            }],
        };
        assert!(s.validate_ids().is_err());
    }
}
