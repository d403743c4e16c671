//! Strategies for op scripts: every op, every handler kind, chains between
//! Deferreds, cancel and pause, with values that reach the edges (wrapping
//! adds at `i64::MAX`/`MIN`).
//!
//! Shrinking goes towards simpler ops (earlier alternatives in each
//! `prop_oneof!`), Deferred 0, small values and short tags. A `chain`
//! target is built as an offset from the handler's own Deferred, so no
//! shrink can turn it into a chain to itself (which scripts forbid).

use deferred_model::{Handler, Op, Tag};
use proptest::prelude::*;

/// A failure tag: mostly from a few fixed ones (so traces can repeat a tag),
/// sometimes any valid tag.
pub fn tag() -> BoxedStrategy<Tag> {
    prop_oneof![
        4 => prop::sample::select(vec!["E1", "E2", "Boom"]).prop_map(String::from),
        1 => "[A-Za-z0-9_]{1,16}",
    ]
    .prop_map(|text| Tag::new(&text).expect("strategy makes valid tags"))
    .boxed()
}

/// An `i64`: mostly small, sometimes an edge.
pub fn value() -> BoxedStrategy<i64> {
    prop_oneof![
        6 => -20i64..100,
        1 => prop::sample::select(vec![i64::MAX, i64::MIN, 1 << 62, -1]),
        1 => any::<i64>(),
    ]
    .boxed()
}

/// A handler on Deferred `own` of `deferreds`: every kind, `chain` only
/// to another Deferred.
pub fn handler(own: usize, deferreds: usize) -> BoxedStrategy<Handler> {
    let plain = prop_oneof![
        Just(Handler::Pass),
        value().prop_map(Handler::Add),
        value().prop_map(Handler::Value),
        tag().prop_map(Handler::Raise),
    ];
    if deferreds < 2 {
        return plain.boxed();
    }
    prop_oneof![
        4 => plain,
        1 => (0..deferreds - 1).prop_map(move |k| Handler::Chain((own + 1 + k) % deferreds)),
    ]
    .boxed()
}

/// One op on one of `deferreds` Deferreds.
pub fn op(deferreds: usize) -> BoxedStrategy<Op> {
    (0..deferreds)
        .prop_flat_map(move |d| {
            prop_oneof![
                3 => value().prop_map(move |value| Op::Callback { d, value }),
                2 => handler(d, deferreds).prop_map(move |cb| Op::AddCallback { d, cb }),
                2 => handler(d, deferreds).prop_map(move |eb| Op::AddErrback { d, eb }),
                2 => handler(d, deferreds).prop_map(move |h| Op::AddBoth { d, h }),
                2 => (handler(d, deferreds), handler(d, deferreds))
                    .prop_map(move |(cb, eb)| Op::AddCallbacks { d, cb, eb }),
                2 => tag().prop_map(move |error| Op::Errback { d, error }),
                1 => Just(Op::Pause { d }),
                1 => Just(Op::Unpause { d }),
                1 => Just(Op::Cancel { d }),
            ]
        })
        .boxed()
}

/// Whether `op` may appear in a script of `deferreds` Deferreds (ids in
/// range, no chain to the handler's own Deferred): the rules
/// `parse_script` enforces.
pub fn valid(op: &Op, deferreds: usize) -> bool {
    let d = op.d();
    let chain_ok = |h: &Handler| !matches!(h, Handler::Chain(j) if *j == d || *j >= deferreds);
    d < deferreds
        && op
            .handler_pair()
            .is_none_or(|(cb, eb)| chain_ok(&cb) && chain_ok(&eb))
}
