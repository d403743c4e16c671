//! Fuzz inputs: the decoding of raw bytes into an op script that the `ops`
//! fuzz target uses, and its exact inverse, so a crash artifact becomes a
//! JSON script (`replay --from-fuzz FILE`) and a fixture becomes a seed.
//!
//! Built with the `arbitrary` feature. Bytes are read through
//! [`arbitrary::Unstructured`], one byte per choice, so that every byte
//! string is a valid script (libFuzzer never wastes an input on a parse
//! error) and every script the encoder can express maps back to one byte
//! string:
//!
//! ```text
//! script  := deferreds ops*          deferreds = 1 + byte % 8
//! op      := kind d body             kind = byte % 9, d = byte % deferreds
//! value   := byte < 0xF0             -> byte - 20            (-20..=219)
//!          | 0xF0..=0xF3             -> i64::MAX, i64::MIN, 1 << 62, -1
//!          | other                   -> the next 8 bytes, little-endian
//! tag     := byte < 0xF0             -> ["E1", "E2", "Boom", "x_9"][byte % 4]
//!          | other                   -> len (1 + byte % 16), then len bytes,
//!                                       each picking one of [A-Za-z0-9_]
//! handler := kind (byte % 5): pass | add value | value value | raise tag
//!          | chain byte              -> (d + 1 + byte % (deferreds - 1)) % deferreds
//!                                       (pass when there is one Deferred)
//! ```
//!
//! Input ends where the bytes do (missing bytes read as 0); at most
//! [`MAX_FUZZ_OPS`] ops are decoded.

use arbitrary::Unstructured;

use crate::script::{Handler, Op, Script, Tag};

/// Most ops decoded from one input: keeps each fuzz run short.
pub const MAX_FUZZ_OPS: usize = 256;

/// Most Deferreds a decoded script has.
pub const MAX_FUZZ_DEFERREDS: usize = 8;

const TAGS: [&str; 4] = ["E1", "E2", "Boom", "x_9"];
const SPECIAL: [i64; 4] = [i64::MAX, i64::MIN, 1 << 62, -1];
const TAG_CHARS: &[u8; 63] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";

fn byte(u: &mut Unstructured<'_>) -> u8 {
    u.arbitrary::<u8>().unwrap_or(0)
}

fn value(u: &mut Unstructured<'_>) -> i64 {
    match byte(u) {
        b @ 0..=0xEF => i64::from(b) - 20,
        b @ 0xF0..=0xF3 => SPECIAL[usize::from(b - 0xF0)],
        _ => {
            let mut le = [0u8; 8];
            for slot in &mut le {
                *slot = byte(u);
            }
            i64::from_le_bytes(le)
        }
    }
}

fn tag(u: &mut Unstructured<'_>) -> Tag {
    let b = byte(u);
    let text = if b < 0xF0 {
        TAGS[usize::from(b) % TAGS.len()].to_owned()
    } else {
        let len = 1 + usize::from(byte(u)) % 16;
        (0..len)
            .map(|_| char::from(TAG_CHARS[usize::from(byte(u)) % TAG_CHARS.len()]))
            .collect()
    };
    Tag::new(&text).expect("decoded tags follow the rules")
}

fn handler(u: &mut Unstructured<'_>, d: usize, deferreds: usize) -> Handler {
    match byte(u) % 5 {
        0 => Handler::Pass,
        1 => Handler::Add(value(u)),
        2 => Handler::Value(value(u)),
        3 => Handler::Raise(tag(u)),
        _ if deferreds < 2 => Handler::Pass,
        _ => Handler::Chain((d + 1 + usize::from(byte(u)) % (deferreds - 1)) % deferreds),
    }
}

/// Decodes any bytes into a valid script (see the module docs).
pub fn decode(data: &[u8]) -> Script {
    let mut u = Unstructured::new(data);
    let deferreds = 1 + usize::from(byte(&mut u)) % MAX_FUZZ_DEFERREDS;
    let mut ops = Vec::new();
    while !u.is_empty() && ops.len() < MAX_FUZZ_OPS {
        let kind = byte(&mut u) % 9;
        let d = usize::from(byte(&mut u)) % deferreds;
        let op = match kind {
            0 => Op::Callback {
                d,
                value: value(&mut u),
            },
            1 => Op::Errback {
                d,
                error: tag(&mut u),
            },
            2 => Op::AddCallbacks {
                d,
                cb: handler(&mut u, d, deferreds),
                eb: handler(&mut u, d, deferreds),
            },
            3 => Op::AddCallback {
                d,
                cb: handler(&mut u, d, deferreds),
            },
            4 => Op::AddErrback {
                d,
                eb: handler(&mut u, d, deferreds),
            },
            5 => Op::AddBoth {
                d,
                h: handler(&mut u, d, deferreds),
            },
            6 => Op::Pause { d },
            7 => Op::Unpause { d },
            _ => Op::Cancel { d },
        };
        ops.push(op);
    }
    Script { deferreds, ops }
}

/// Why a script has no byte form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError(pub String);

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EncodeError {}

fn encode_value(out: &mut Vec<u8>, v: i64) {
    if (-20..=219).contains(&v) {
        out.push((v + 20) as u8);
    } else if let Some(i) = SPECIAL.iter().position(|s| *s == v) {
        out.push(0xF0 + i as u8);
    } else {
        out.push(0xFF);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn encode_tag(out: &mut Vec<u8>, tag: &Tag) {
    if let Some(i) = TAGS.iter().position(|t| *t == tag.as_str()) {
        out.push(i as u8);
        return;
    }
    out.push(0xFF);
    out.push((tag.as_str().len() - 1) as u8);
    for c in tag.as_str().bytes() {
        let i = TAG_CHARS
            .iter()
            .position(|t| *t == c)
            .expect("tags are [A-Za-z0-9_]");
        out.push(i as u8);
    }
}

fn encode_handler(
    out: &mut Vec<u8>,
    h: &Handler,
    d: usize,
    deferreds: usize,
) -> Result<(), EncodeError> {
    match h {
        Handler::Pass => out.push(0),
        Handler::Add(v) => {
            out.push(1);
            encode_value(out, *v);
        }
        Handler::Value(v) => {
            out.push(2);
            encode_value(out, *v);
        }
        Handler::Raise(tag) => {
            out.push(3);
            encode_tag(out, tag);
        }
        Handler::Chain(j) => {
            if *j == d || *j >= deferreds {
                return Err(EncodeError(format!(
                    "chain from {d} to {j} cannot be encoded"
                )));
            }
            out.push(4);
            out.push(((j + deferreds - d - 1) % deferreds) as u8);
        }
    }
    Ok(())
}

/// The bytes that [`decode`] turns back into `script`: for seeding the
/// `ops` fuzz target with the fixtures.
///
/// # Errors
///
/// Scripts beyond the fuzz limits ([`MAX_FUZZ_DEFERREDS`] Deferreds,
/// [`MAX_FUZZ_OPS`] ops) or with ids out of range.
pub fn encode(script: &Script) -> Result<Vec<u8>, EncodeError> {
    let n = script.deferreds;
    if n == 0 || n > MAX_FUZZ_DEFERREDS {
        return Err(EncodeError(format!(
            "{n} Deferreds (the fuzz form has 1 to {MAX_FUZZ_DEFERREDS})"
        )));
    }
    if script.ops.len() > MAX_FUZZ_OPS {
        return Err(EncodeError(format!(
            "{} ops (the fuzz form has at most {MAX_FUZZ_OPS})",
            script.ops.len()
        )));
    }
    let mut out = vec![(n - 1) as u8];
    for op in &script.ops {
        let d = op.d();
        if d >= n {
            return Err(EncodeError(format!("op on Deferred {d} of {n}")));
        }
        let kind = match op {
            Op::Callback { .. } => 0,
            Op::Errback { .. } => 1,
            Op::AddCallbacks { .. } => 2,
            Op::AddCallback { .. } => 3,
            Op::AddErrback { .. } => 4,
            Op::AddBoth { .. } => 5,
            Op::Pause { .. } => 6,
            Op::Unpause { .. } => 7,
            Op::Cancel { .. } => 8,
        };
        out.push(kind);
        out.push(d as u8);
        match op {
            Op::Callback { value, .. } => encode_value(&mut out, *value),
            Op::Errback { error, .. } => encode_tag(&mut out, error),
            Op::AddCallbacks { cb, eb, .. } => {
                encode_handler(&mut out, cb, d, n)?;
                encode_handler(&mut out, eb, d, n)?;
            }
            Op::AddCallback { cb: h, .. }
            | Op::AddErrback { eb: h, .. }
            | Op::AddBoth { h, .. } => {
                encode_handler(&mut out, h, d, n)?;
            }
            Op::Pause { .. } | Op::Unpause { .. } | Op::Cancel { .. } => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_string_decodes_to_a_valid_script() {
        for seed in 0u32..2000 {
            let bytes: Vec<u8> = (0..seed % 97)
                .map(|i| (seed.wrapping_mul(2654435761).wrapping_add(i * 40503) >> 7) as u8)
                .collect();
            let script = decode(&bytes);
            crate::parse_script(&script.to_json()).expect("decoded scripts are valid");
        }
    }

    #[test]
    fn encode_is_the_inverse_of_decode() {
        for seed in 0..300 {
            let script = crate::gen::script(seed, 30);
            if script.deferreds > MAX_FUZZ_DEFERREDS {
                continue;
            }
            let bytes = encode(&script).unwrap();
            assert_eq!(decode(&bytes), script, "seed {seed}");
        }
    }

    #[test]
    fn encode_refuses_scripts_beyond_the_fuzz_limits() {
        let too_many = Script {
            deferreds: 9,
            ops: vec![],
        };
        assert!(encode(&too_many).is_err());
        let bad_chain = Script {
            deferreds: 2,
            ops: vec![Op::AddBoth {
                d: 0,
                h: Handler::Chain(0),
            }],
        };
        assert!(encode(&bad_chain).is_err());
    }

    #[test]
    fn empty_input_is_one_deferred_and_no_ops() {
        assert_eq!(
            decode(&[]),
            Script {
                deferreds: 1,
                ops: vec![]
            }
        );
    }
}
