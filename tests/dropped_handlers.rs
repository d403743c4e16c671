//! Handlers added to a Deferred whose result was handed on never run
//! (semantics §4); the first one added is reported with a `warn` naming
//! what took the result, once per Deferred, so an errback does not vanish
//! silently.

mod support;

use deferred::{deferred_list, gather_results, race, Deferred, Failure};
use support::logger::{at, capture, Record};

/// The warnings among `records`.
fn warnings(records: &[Record]) -> Vec<String> {
    at(records, log::Level::Warn)
        .into_iter()
        .map(|r| r.message.clone())
        .collect()
}

/// Adds two handlers to `d` (consumed already) and returns the warnings.
fn add_two_late_handlers(d: &Deferred<u8>) -> Vec<String> {
    let ((), records) = capture(|| {
        d.add_errback(|_: Failure| 0);
        d.add_callback(|v| v + 1);
    });
    warnings(&records)
}

/// The list `combinator` (`"gather_results"` or `"deferred_list"`) over
/// `input` alone, its result dropped.
fn list_over(combinator: &str, input: &Deferred<u8>) -> Deferred<()> {
    match combinator {
        "gather_results" => gather_results(vec![input.clone()]).map(|_| ()),
        "deferred_list" => deferred_list(vec![input.clone()]).map(|_| ()),
        _ => unreachable!("not a list combinator: {combinator}"),
    }
}

#[test]
fn a_handler_added_after_then_consumed_the_deferred_warns_once_naming_then() {
    let d = Deferred::<u8>::new();
    let _next = d.map(|v| v);
    let warned = add_two_late_handlers(&d);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("then/map/and_then"), "{}", warned[0]);
    assert!(warned[0].contains("never run"), "{}", warned[0]);
}

#[test]
fn a_handler_added_after_chain_deferred_warns_naming_chain_deferred() {
    let (d, other) = (Deferred::<u8>::new(), Deferred::<u8>::new());
    d.chain_deferred(&other);
    let warned = add_two_late_handlers(&d);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("chain_deferred"), "{}", warned[0]);
}

#[test]
fn a_handler_added_to_a_deferred_a_handler_returned_warns_naming_the_chaining() {
    let (outer, inner) = (Deferred::<u8>::new(), Deferred::<u8>::new());
    let i = inner.clone();
    outer.add_callback(move |_| i);
    outer.callback(0).unwrap(); // outer now waits on inner: inner is chained
    let warned = add_two_late_handlers(&inner);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("returned by a handler"), "{}", warned[0]);
    inner.callback(1).unwrap();
    assert_eq!(
        outer.result().unwrap().unwrap(),
        1,
        "the result went to outer"
    );
}

/// A list's input that is not `Clone`-kept queues the handlers added after
/// it joined (they run if it fails: the failure is passed on); a value
/// moves to the list, and only then are they dropped, with the warning.
#[test]
fn a_handler_added_to_an_input_of_a_list_warns_naming_the_combinator_when_its_value_moves() {
    for combinator in ["gather_results", "deferred_list"] {
        let input = Deferred::<u8>::new();
        let _all = list_over(combinator, &input);
        let queued = add_two_late_handlers(&input);
        assert!(
            queued.is_empty(),
            "{combinator}: queued, not refused: {queued:?}"
        );
        let ((), records) = capture(|| input.callback(1).unwrap());
        let warned = warnings(&records);
        assert_eq!(warned.len(), 1, "{combinator}: {warned:?}");
        assert!(warned[0].contains("a combinator"), "{}", warned[0]);
        assert!(warned[0].contains("never run"), "{}", warned[0]);
    }
}

/// A race takes every result: handlers added to its input are refused at
/// once, with the warning.
#[test]
fn a_handler_added_to_an_input_of_a_race_warns_at_once() {
    let input = Deferred::<u8>::new();
    let _first = race(vec![input.clone()]);
    let warned = add_two_late_handlers(&input);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("a combinator"), "{}", warned[0]);
}

#[test]
fn each_consumed_deferred_warns_once_of_its_own() {
    let (a, b) = (Deferred::<u8>::new(), Deferred::<u8>::new());
    let _a2 = a.map(|v| v);
    let _b2 = b.map(|v| v);
    assert_eq!(add_two_late_handlers(&a).len(), 1);
    assert_eq!(add_two_late_handlers(&a).len(), 0, "once per Deferred");
    assert_eq!(add_two_late_handlers(&b).len(), 1, "b has its own warning");
}

#[test]
fn handlers_added_before_the_hand_on_run_and_nothing_is_logged() {
    let ((), records) = capture(|| {
        let d = Deferred::<u8>::new();
        d.add_callback(|v| v + 1);
        let next = d.map(|v| v * 10);
        d.callback(1).unwrap();
        assert_eq!(next.result().unwrap().unwrap(), 20);
    });
    assert!(warnings(&records).is_empty(), "{records:?}");
}

/// A list's input whose value moved to the list takes no handler after
/// that: the first one added later is refused at once, with the warning
/// naming the combinator (nothing was queued before, so this is the
/// Deferred's one warning). The hand-over turns the list's join, which
/// could still have passed a failure on, into a take.
#[test]
fn a_handler_added_after_a_list_took_its_inputs_value_is_refused_at_once() {
    for combinator in ["gather_results", "deferred_list"] {
        let input = Deferred::<u8>::new();
        let all = list_over(combinator, &input);
        input.callback(1).unwrap();
        assert!(
            all.result().unwrap().is_ok(),
            "{combinator}: the list fired"
        );
        let warned = add_two_late_handlers(&input);
        assert_eq!(warned.len(), 1, "{combinator}: {warned:?}");
        assert!(warned[0].contains("a combinator"), "{}", warned[0]);
        assert!(warned[0].contains("never run"), "{}", warned[0]);
    }
}

/// The hand-over itself keeps the consumer `then` recorded: a Deferred
/// fired after `map` took it still names `then/map/and_then` when a
/// handler is added late (only a combinator's join becomes a take there).
#[test]
fn a_handler_added_after_then_took_the_fired_result_warns_naming_then() {
    let d = Deferred::<u8>::new();
    let next = d.map(|v| v + 1);
    d.callback(1).unwrap();
    assert_eq!(next.result().unwrap().unwrap(), 2);
    let warned = add_two_late_handlers(&d);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("then/map/and_then"), "{}", warned[0]);
}
