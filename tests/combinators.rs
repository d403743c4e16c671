//! The combinators against real Twisted: `DeferredList` and its options,
//! `gather_results`, `race`, `FirstError`, each scenario producing the
//! events `tests/twisted/combinators.py` printed from Twisted 26.10
//! (`tests/twisted/expected/combinators.txt`).
//!
//! Provenance: the scenarios port tests of Twisted's
//! `twisted/test/test_defer.py` (Twisted 26.10.0, MIT licence, Copyright
//! Twisted Matrix Laboratories), rewritten for Rust's types; each names the
//! Twisted test it follows. Where Rust's types force a difference, the test
//! says so and `docs/semantics.md` ("Combinators") lists it.

mod support;

use std::fmt::Display;

use deferred::{
    deferred_list, fail, gather_results, race, succeed, CancelledError, Deferred, DeferredList,
    DeferredState, Failure, FirstSuccess,
};
use support::events::{generic, show_failure, Events, PyError, Scenario};

const FEATURE: &str = "combinators";

/// `[ok <value>, err <failure>, ...]`, as the script's `show`.
fn show_results<T: Display>(results: &[Result<T, Failure>]) -> String {
    let items: Vec<String> = results
        .iter()
        .map(|r| match r {
            Ok(v) => format!("ok {v}"),
            Err(f) => format!("err {}", show_failure(f)),
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// `[<value>, ...]`.
fn show_values<T: Display>(values: &[T]) -> String {
    let items: Vec<String> = values.iter().map(ToString::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// The script's `watch` for a DeferredList: logs how it fires and handles
/// the result.
fn watch_list<T: Display + Send + 'static>(events: &Events, d: &Deferred<Vec<Result<T, Failure>>>) {
    let events = events.clone();
    d.add_both(move |r: Result<Vec<Result<T, Failure>>, Failure>| {
        match &r {
            Ok(results) => events.log(format!("list fired {}", show_results(results))),
            Err(f) => events.log(format!("list failed {}", show_failure(f))),
        }
        Vec::new()
    });
}

/// The script's `watch` for gatherResults.
fn watch_gathered<T: Display + Send + 'static>(events: &Events, d: &Deferred<Vec<T>>) {
    let events = events.clone();
    d.add_both(move |r: Result<Vec<T>, Failure>| {
        match &r {
            Ok(values) => events.log(format!("gathered fired {}", show_values(values))),
            Err(f) => events.log(format!("gathered failed {}", show_failure(f))),
        }
        Vec::new()
    });
}

/// The script's `fireOnOneCallback` watcher: `first #<i> <value>`, or the
/// list of failures.
fn watch_first<T: Display + Send + 'static>(events: &Events, d: &Deferred<FirstSuccess<T>>) {
    let events = events.clone();
    d.add_both(move |r: Result<FirstSuccess<T>, Failure>| {
        match &r {
            Ok(FirstSuccess::Success { index, value }) => {
                events.log(format!("first #{index} {value}"))
            }
            Ok(FirstSuccess::AllFailed(failures)) => {
                let shown: Vec<String> = failures
                    .iter()
                    .map(|f| format!("err {}", show_failure(f)))
                    .collect();
                events.log(format!("list fired [{}]", shown.join(", ")))
            }
            Err(f) => events.log(format!("list failed {}", show_failure(f))),
        }
        FirstSuccess::AllFailed(Vec::new())
    });
}

/// The script's `watch_race`: logs how the race fires and handles its
/// failure.
fn watch_race(events: &Events, d: &Deferred<(usize, String)>) {
    let events = events.clone();
    d.add_both(move |r: Result<(usize, String), Failure>| match r {
        Ok((index, value)) => {
            events.log(format!("race fired #{index} {value}"));
            (index, value)
        }
        Err(f) => {
            events.log(format!("race failed {}", show_failure(&f)));
            (usize::MAX, String::new())
        }
    });
}

/// The script's `holds`: what input `i` holds afterwards.
fn holds<T: Clone + Display + Send + 'static>(events: &Events, i: usize, d: &Deferred<T>) {
    let event = match (d.state(), d.result()) {
        (DeferredState::Pending, _) => format!("input {i} pending"),
        (_, None) => format!("input {i} holds nothing"),
        (_, Some(Ok(v))) => format!("input {i} holds {v}"),
        (_, Some(Err(f))) => format!("input {i} holds {}", show_failure(&f)),
    };
    events.log(event);
}

fn pending<T: Send + 'static>() -> Deferred<T> {
    Deferred::new()
}

/// Twisted's `fakeCallbackCanceller`: the canceller fires the Deferred
/// with a value.
fn callback_canceller() -> Deferred<String> {
    Deferred::with_canceller(|d: &Deferred<String>| {
        d.callback("Callback Result".to_owned()).unwrap();
    })
}

/// The script's `counting`: `n` Deferreds whose cancellers log `cancel <i>`.
fn counting(events: &Events, n: usize) -> Vec<Deferred<String>> {
    (0..n)
        .map(|i| {
            let events = events.clone();
            Deferred::with_canceller(move |_: &Deferred<String>| events.log(format!("cancel {i}")))
        })
        .collect()
}

fn s(text: &str) -> String {
    text.to_owned()
}

// --- DeferredList ---------------------------------------------------------

/// Ports `testDeferredList`; the failed input keeps its failure and reports
/// it when dropped (no `consume_errors`).
#[test]
fn deferred_list_gives_every_result_in_input_order() {
    let sc = Scenario::new(FEATURE, "deferred_list_gives_every_result_in_input_order");
    let (d1, d2, d3) = (pending::<String>(), pending(), pending());
    let dl = deferred_list(vec![d1.clone(), d2.clone(), d3.clone()]);
    watch_list(&sc.events(), &dl);
    d1.callback(s("1")).unwrap();
    d2.errback(generic("2")).unwrap();
    sc.log("fired the second");
    d3.callback(s("3")).unwrap();
    drop((dl, d1, d2, d3));
    sc.check();
}

/// Ports `testEmptyDeferredList` and `DeferredListEmptyTests`.
#[test]
fn empty_deferred_list_fires_at_once() {
    let sc = Scenario::new(FEATURE, "empty_deferred_list_fires_at_once");
    watch_list(&sc.events(), &deferred_list(Vec::<Deferred<String>>::new()));
    sc.check();
}

/// Ports `testEmptyDeferredList`, second half: with `fireOnOneCallback`
/// an empty list never fires.
#[test]
fn empty_deferred_list_with_fire_on_one_callback_never_fires() {
    let sc = Scenario::new(
        FEATURE,
        "empty_deferred_list_with_fire_on_one_callback_never_fires",
    );
    let dl = DeferredList::new(Vec::<Deferred<String>>::new()).first_success();
    watch_first(&sc.events(), &dl);
    sc.log(if dl.is_called() { "fired" } else { "pending" });
    sc.check();
}

/// Ports `testDeferredListFireOnOneError`.
#[test]
fn fire_on_one_errback_fails_with_first_error_at_the_first_failure() {
    let sc = Scenario::new(
        FEATURE,
        "fire_on_one_errback_fails_with_first_error_at_the_first_failure",
    );
    let (d1, d2, d3) = (pending::<String>(), pending(), pending());
    let dl = DeferredList::new(vec![d1.clone(), d2.clone(), d3.clone()])
        .fire_on_one_errback(true)
        .build();
    watch_list(&sc.events(), &dl);
    d1.callback(s("1")).unwrap();
    sc.log("fired the first");
    d2.errback(generic("from def2")).unwrap();
    holds(&sc.events(), 1, &d2);
    holds(&sc.events(), 2, &d3);
    drop((dl, d1, d2, d3));
    sc.check();
}

/// Ports `testDeferredListDontConsumeErrors`, reading what the input holds
/// (the errback Twisted's test adds after the list runs here too:
/// `tests/combinator_inputs.rs`).
#[test]
fn without_consume_errors_the_input_keeps_its_failure() {
    let sc = Scenario::new(
        FEATURE,
        "without_consume_errors_the_input_keeps_its_failure",
    );
    let d1 = pending::<String>();
    let dl = deferred_list(vec![d1.clone()]);
    watch_list(&sc.events(), &dl);
    d1.errback(generic("Bang")).unwrap();
    holds(&sc.events(), 0, &d1);
    drop((dl, d1));
    sc.check();
}

/// Ports `testDeferredListConsumeErrors`.
#[test]
fn with_consume_errors_the_input_is_left_with_nothing() {
    let sc = Scenario::new(
        FEATURE,
        "with_consume_errors_the_input_is_left_with_nothing",
    );
    let d1 = pending::<String>();
    let dl = DeferredList::new(vec![d1.clone()])
        .consume_errors(true)
        .build();
    watch_list(&sc.events(), &dl);
    d1.errback(generic("Bang")).unwrap();
    holds(&sc.events(), 0, &d1);
    sc.check();
}

/// Ports `testDeferredListFireOnOneErrorWithAlreadyFiredDeferreds`.
#[test]
fn fire_on_one_errback_with_an_input_failed_before_fails_at_once() {
    let sc = Scenario::new(
        FEATURE,
        "fire_on_one_errback_with_an_input_failed_before_fails_at_once",
    );
    let (d1, d2) = (pending::<String>(), pending());
    d1.errback(generic("Bang")).unwrap();
    let dl = DeferredList::new(vec![d1.clone(), d2.clone()])
        .fire_on_one_errback(true)
        .consume_errors(true)
        .build();
    watch_list(&sc.events(), &dl);
    holds(&sc.events(), 1, &d2);
    sc.check();
}

/// Ports `testDeferredListWithAlreadyFiredDeferreds`.
#[test]
fn inputs_fired_before_the_list_are_collected_at_once() {
    let sc = Scenario::new(
        FEATURE,
        "inputs_fired_before_the_list_are_collected_at_once",
    );
    let (d1, d2) = (pending::<i64>(), pending());
    d1.errback(generic("Bang")).unwrap();
    d2.callback(2).unwrap();
    let dl = DeferredList::new(vec![d1, d2]).consume_errors(true).build();
    watch_list(&sc.events(), &dl);
    sc.check();
}

/// Ports `test_cancelDeferredList`.
#[test]
fn cancelling_a_list_cancels_every_input() {
    let sc = Scenario::new(FEATURE, "cancelling_a_list_cancels_every_input");
    let (d1, d2) = (pending::<String>(), pending());
    let dl = deferred_list(vec![d1.clone(), d2.clone()]);
    watch_list(&sc.events(), &dl);
    dl.cancel();
    holds(&sc.events(), 0, &d1);
    holds(&sc.events(), 1, &d2);
    drop(dl);
    drop(d1);
    drop(d2);
    sc.check();
}

/// Ports `test_cancelDeferredListCallback`.
#[test]
fn cancelling_a_list_whose_input_canceller_succeeds() {
    let sc = Scenario::new(FEATURE, "cancelling_a_list_whose_input_canceller_succeeds");
    let dl = DeferredList::new(vec![callback_canceller(), pending()])
        .consume_errors(true)
        .build();
    watch_list(&sc.events(), &dl);
    dl.cancel();
    sc.check();
}

/// Ports `test_cancelDeferredListWithFireOnOneCallback`: every input is
/// cancelled, none succeeds, so the list fires with every failure
/// (`FirstSuccess::AllFailed`, Twisted's list of `(False, failure)`).
#[test]
fn cancelling_a_fire_on_one_callback_list_fires_with_every_failure() {
    let sc = Scenario::new(
        FEATURE,
        "cancelling_a_fire_on_one_callback_list_fires_with_every_failure",
    );
    let dl = DeferredList::new(vec![pending::<String>(), pending()])
        .consume_errors(true)
        .first_success();
    watch_first(&sc.events(), &dl);
    dl.cancel();
    sc.check();
}

/// Ports `test_cancelDeferredListWithFireOnOneCallbackAndDeferredCallback`.
#[test]
fn cancelling_a_fire_on_one_callback_list_whose_input_canceller_succeeds() {
    let sc = Scenario::new(
        FEATURE,
        "cancelling_a_fire_on_one_callback_list_whose_input_canceller_succeeds",
    );
    let d2 = pending::<String>();
    let dl = DeferredList::new(vec![callback_canceller(), d2.clone()])
        .consume_errors(true)
        .first_success();
    watch_first(&sc.events(), &dl);
    dl.cancel();
    holds(&sc.events(), 1, &d2);
    sc.check();
}

/// Ports `test_cancelDeferredListWithFireOnOneErrback`.
#[test]
fn cancelling_a_fire_on_one_errback_list_fails_with_the_first_cancel() {
    let sc = Scenario::new(
        FEATURE,
        "cancelling_a_fire_on_one_errback_list_fails_with_the_first_cancel",
    );
    let dl = DeferredList::new(vec![pending::<String>(), pending()])
        .fire_on_one_errback(true)
        .consume_errors(true)
        .build();
    watch_list(&sc.events(), &dl);
    dl.cancel();
    sc.check();
}

/// Ports `test_cancelDeferredListWithFireOnOneErrbackAllDeferredsCallback`.
#[test]
fn cancelling_a_fire_on_one_errback_list_whose_inputs_succeed() {
    let sc = Scenario::new(
        FEATURE,
        "cancelling_a_fire_on_one_errback_list_whose_inputs_succeed",
    );
    let dl = DeferredList::new(vec![callback_canceller(), callback_canceller()])
        .fire_on_one_errback(true)
        .build();
    watch_list(&sc.events(), &dl);
    dl.cancel();
    sc.check();
}

/// `fireOnOneCallback`'s result, and `test_cancelFiredOnOneCallbackDeferredList`:
/// a cancel after the list fired does nothing.
#[test]
fn fire_on_one_callback_fires_with_the_first_success_and_its_index() {
    let sc = Scenario::new(
        FEATURE,
        "fire_on_one_callback_fires_with_the_first_success_and_its_index",
    );
    let (d1, d2, d3) = (pending::<String>(), pending(), pending());
    let dl = DeferredList::new(vec![d1.clone(), d2.clone(), d3.clone()])
        .consume_errors(true)
        .first_success();
    watch_first(&sc.events(), &dl);
    d1.errback(generic("no")).unwrap();
    sc.log("fired the first");
    d2.callback(s("yes")).unwrap();
    dl.cancel();
    holds(&sc.events(), 2, &d3);
    d3.callback(s("late")).unwrap();
    sc.log("fired the last");
    sc.check();
}

/// Ports `test_cancelFiredOnOneErrbackDeferredList`.
#[test]
fn cancel_after_a_fire_on_one_errback_list_fired_does_nothing() {
    let sc = Scenario::new(
        FEATURE,
        "cancel_after_a_fire_on_one_errback_list_fired_does_nothing",
    );
    let (d1, d2) = (pending::<String>(), pending());
    let dl = DeferredList::new(vec![d1.clone(), d2.clone()])
        .fire_on_one_errback(true)
        .build();
    watch_list(&sc.events(), &dl);
    d1.errback(generic("test")).unwrap();
    dl.cancel();
    holds(&sc.events(), 1, &d2);
    holds(&sc.events(), 0, &d1);
    drop((dl, d1, d2));
    sc.check();
}

// --- gather_results -------------------------------------------------------

/// Ports `test_gatherResults`, first half.
#[test]
fn gather_results_gives_the_values_in_input_order() {
    let sc = Scenario::new(FEATURE, "gather_results_gives_the_values_in_input_order");
    watch_gathered(&sc.events(), &gather_results(vec![succeed(1), succeed(2)]));
    sc.check();
}

/// Ports `test_gatherResults`, second half: a `FirstError` with index 1,
/// at once.
#[test]
fn gather_results_fails_with_first_error_for_an_input_failed_before() {
    let sc = Scenario::new(
        FEATURE,
        "gather_results_fails_with_first_error_for_an_input_failed_before",
    );
    let dl = vec![succeed(1), fail(generic("before"))];
    watch_gathered(&sc.events(), &gather_results(dl.clone()));
    drop(dl);
    sc.check();
}

/// The first failure wins; without `consume_errors` each failed input
/// keeps its failure and reports it when dropped.
#[test]
fn gather_results_fails_with_first_error_when_an_input_fails_later() {
    let sc = Scenario::new(
        FEATURE,
        "gather_results_fails_with_first_error_when_an_input_fails_later",
    );
    let (a, b, c) = (pending::<i64>(), pending(), pending());
    let gathered = gather_results(vec![a.clone(), b.clone(), c.clone()]);
    watch_gathered(&sc.events(), &gathered);
    c.callback(3).unwrap();
    b.errback(generic("b")).unwrap();
    a.errback(generic("a")).unwrap();
    sc.log("fired all");
    drop(gathered);
    drop(a);
    drop(b);
    drop(c);
    sc.check();
}

/// Ports `test_gatherResultsWithConsumeErrors`.
#[test]
fn gather_results_with_consume_errors_leaves_the_inputs_with_nothing() {
    let sc = Scenario::new(
        FEATURE,
        "gather_results_with_consume_errors_leaves_the_inputs_with_nothing",
    );
    let good = succeed(1);
    let bad = fail(PyError {
        class: "RuntimeError",
        message: s("oh noes"),
    });
    let gathered = DeferredList::new(vec![good, bad.clone()])
        .consume_errors(true)
        .gather();
    watch_gathered(&sc.events(), &gathered);
    holds(&sc.events(), 1, &bad);
    sc.check();
}

/// Ports `test_cancelGatherResults`.
#[test]
fn cancelling_gather_results_fails_with_first_error_of_the_first_cancel() {
    let sc = Scenario::new(
        FEATURE,
        "cancelling_gather_results_fails_with_first_error_of_the_first_cancel",
    );
    let (d1, d2) = (pending::<String>(), pending());
    let gathered = DeferredList::new(vec![d1.clone(), d2.clone()])
        .consume_errors(true)
        .gather();
    watch_gathered(&sc.events(), &gathered);
    gathered.cancel();
    holds(&sc.events(), 0, &d1);
    holds(&sc.events(), 1, &d2);
    sc.check();
}

/// Ports `test_cancelGatherResultsWithAllDeferredsCallback`.
#[test]
fn cancelling_gather_results_whose_inputs_succeed_gives_their_values() {
    let sc = Scenario::new(
        FEATURE,
        "cancelling_gather_results_whose_inputs_succeed_gives_their_values",
    );
    let gathered = gather_results(vec![callback_canceller(), callback_canceller()]);
    watch_gathered(&sc.events(), &gathered);
    gathered.cancel();
    sc.check();
}

#[test]
fn gather_results_of_nothing_fires_at_once() {
    let sc = Scenario::new(FEATURE, "gather_results_of_nothing_fires_at_once");
    watch_gathered(&sc.events(), &gather_results(Vec::<Deferred<i64>>::new()));
    sc.check();
}

// --- race -----------------------------------------------------------------

/// Ports `RaceTests.test_success` with one Deferred before the winner and
/// two after: the losers are cancelled in input order, then the race fires.
#[test]
fn race_fires_with_the_first_success_and_cancels_the_others() {
    let sc = Scenario::new(
        FEATURE,
        "race_fires_with_the_first_success_and_cancels_the_others",
    );
    let ds = counting(&sc.events(), 4);
    let result = race(ds.clone());
    watch_race(&sc.events(), &result);
    ds[1].callback(s("x")).unwrap();
    sc.check();
}

/// Ports `RaceTests.test_failure`: nothing is cancelled.
#[test]
fn race_fails_with_every_failure_in_input_order_when_all_fail() {
    let sc = Scenario::new(
        FEATURE,
        "race_fails_with_every_failure_in_input_order_when_all_fail",
    );
    let ds = counting(&sc.events(), 3);
    let result = race(ds.clone());
    watch_race(&sc.events(), &result);
    ds[2].errback(generic("2")).unwrap();
    ds[0].errback(generic("0")).unwrap();
    ds[1].errback(generic("1")).unwrap();
    sc.check();
}

/// Ports `RaceTests.test_resultAfterCancel`: without cancellers the losers'
/// late fires are ignored (the first one after the cancel silently, as for
/// any Deferred), and nothing is reported.
#[test]
fn race_losers_that_fire_anyway_go_nowhere() {
    let sc = Scenario::new(FEATURE, "race_losers_that_fire_anyway_go_nowhere");
    let ds: Vec<Deferred<String>> = (0..3).map(|_| pending()).collect();
    let result = race(ds.clone());
    watch_race(&sc.events(), &result);
    ds[1].callback(s("win")).unwrap();
    ds[2].callback(s("late")).unwrap();
    ds[0].errback(generic("late")).unwrap();
    sc.log("fired all");
    drop((result, ds));
    sc.check();
}

/// Ports `RaceTests.test_resultFromCancel`.
#[test]
fn race_loser_whose_canceller_succeeds_changes_nothing() {
    let sc = Scenario::new(
        FEATURE,
        "race_loser_whose_canceller_succeeds_changes_nothing",
    );
    let winner = pending::<String>();
    let ds = vec![
        winner.clone(),
        Deferred::with_canceller(|d: &Deferred<String>| {
            d.callback(s("from cancel")).unwrap();
        }),
    ];
    let result = race(ds);
    watch_race(&sc.events(), &result);
    winner.callback(s("expected")).unwrap();
    sc.check();
}

/// Ports `RaceTests.test_cancel` with three Deferreds.
#[test]
fn cancelling_a_race_cancels_every_input() {
    let sc = Scenario::new(FEATURE, "cancelling_a_race_cancels_every_input");
    let ds = counting(&sc.events(), 3);
    let result = race(ds);
    watch_race(&sc.events(), &result);
    result.cancel();
    sc.check();
}

/// Deviation: Twisted's race of nothing never fires; ours fails at once
/// with an empty `FailureGroup` (every one of no inputs failed), because a
/// Deferred that can never fire is a silent hang (docs/semantics.md).
#[test]
fn race_of_nothing() {
    let twisted = support::twisted::expected(FEATURE, "race_of_nothing");
    assert_eq!(twisted, ["pending"], "Twisted's race([]) never fires");
    let sc = Scenario::new(FEATURE, "race_of_nothing");
    let result = race(Vec::<Deferred<String>>::new());
    watch_race(&sc.events(), &result);
    sc.log(if result.is_called() {
        "fired"
    } else {
        "pending"
    });
    assert_eq!(sc.finish(), ["race failed FailureGroup []", "fired"]);
}

/// Twisted's second place gets what the first passed on; here the same
/// with `keep_values` (without it, the second place fails at once with
/// `AlreadyChainedError`: `tests/combinator_inputs.rs`).
#[test]
fn gather_results_of_the_same_deferred_twice() {
    let sc = Scenario::new(FEATURE, "gather_results_of_the_same_deferred_twice");
    let d = pending::<i64>();
    let g = DeferredList::new(vec![d.clone(), d.clone()])
        .keep_values()
        .gather();
    watch_gathered(&sc.events(), &g);
    d.callback(1).unwrap();
    sc.check();
}

/// Deviation: Twisted's input consumed by `chainDeferred` gives the gather
/// `None`; here there is no `None`, and the gather fails at once with
/// `FirstError #0 AlreadyChainedError` (docs/semantics.md).
#[test]
fn gather_results_of_an_input_chain_deferred_took() {
    let twisted =
        support::twisted::expected(FEATURE, "gather_results_of_an_input_chain_deferred_took");
    assert_eq!(twisted, ["gathered fired [None]", "chained to 1"]);
    let sc = Scenario::new(FEATURE, "gather_results_of_an_input_chain_deferred_took");
    let (d, other) = (pending::<i64>(), pending::<i64>());
    d.chain_deferred(&other);
    let g = gather_results(vec![d.clone()]);
    watch_gathered(&sc.events(), &g);
    d.callback(1).unwrap();
    sc.log(format!("chained to {}", other.result().unwrap().unwrap()));
    assert_eq!(
        sc.finish(),
        [
            "gathered failed FirstError #0 a combinator input was already handed on \
             (chained, awaited, joined or consumed) or given twice: its result cannot come here",
            "chained to 1"
        ]
    );
}

// --- unit tests beyond the scripts ----------------------------------------

/// Ports `test_cancelDeferredListWithOriginalDeferreds`: the list works on
/// its own copy of the inputs.
#[test]
fn cancelling_a_list_cancels_only_the_inputs_it_was_given() {
    let (d1, d2, d3) = (pending::<i64>(), pending(), pending());
    let mut inputs = vec![d1.clone(), d2.clone()];
    let list = DeferredList::new(inputs.clone())
        .consume_errors(true)
        .build();
    inputs.push(d3.clone());
    list.cancel();
    assert_eq!(d1.state(), DeferredState::Consumed);
    assert_eq!(d2.state(), DeferredState::Consumed);
    assert_eq!(d3.state(), DeferredState::Pending);
    let results = list.result().unwrap().unwrap();
    assert!(results
        .iter()
        .all(|r| r.as_ref().unwrap_err().check::<CancelledError>()));
}

/// Ports `test_cancelDeferredListWithException`, in Rust terms: a canceller
/// that panics fires its input with the panic (the engine's rule for
/// panicking cancellers; Twisted logs the exception and leaves that input
/// unfired), and the other inputs are still cancelled.
#[test]
fn a_panicking_input_canceller_does_not_stop_the_others_being_cancelled() {
    let d1 = Deferred::<i64>::with_canceller(|_| panic!("test"));
    let d2 = pending::<i64>();
    let list = DeferredList::new(vec![d1, d2]).consume_errors(true).build();
    list.cancel();
    let results = list.result().unwrap().unwrap();
    assert!(results[0]
        .as_ref()
        .unwrap_err()
        .check::<deferred::PanicError>());
    assert!(results[1].as_ref().unwrap_err().check::<CancelledError>());
}

/// An input whose only handle went into the combinator is still there for
/// `cancel` to reach, as in Twisted (which holds its inputs).
#[test]
fn cancelling_reaches_inputs_only_the_combinator_holds() {
    let cancelled = Events::default();
    let log = cancelled.clone();
    let first = race(vec![
        Deferred::<i64>::with_canceller(move |_| log.log("cancel 0")),
        pending(),
    ]);
    first.cancel();
    assert_eq!(cancelled.all(), ["cancel 0"]);
    let failure = first.result().unwrap().unwrap_err();
    assert_eq!(
        show_failure(&failure),
        "FailureGroup [CancelledError, CancelledError]"
    );
}

/// A fired input is let go at once: the combinator does not keep it (nor a
/// failure it keeps) alive, so its unhandled report comes when the user
/// drops it.
#[test]
fn a_fired_input_is_not_kept_alive_by_its_combinator() {
    let sc = Scenario::new(FEATURE, "(no such scenario: events checked here)");
    let (a, b) = (pending::<i64>(), pending::<i64>());
    let list = deferred_list(vec![a.clone(), b.clone()]);
    a.errback(generic("a")).unwrap();
    drop(a);
    sc.log("dropped a");
    drop((list, b));
    assert_eq!(sc.finish(), ["unhandled GenericError a", "dropped a"]);
}

/// The values move out of the inputs: an input ends consumed once its
/// value went to a list, and a late value after the list fired is dropped.
#[test]
fn inputs_are_consumed_and_late_values_go_nowhere() {
    let (a, b) = (pending::<i64>(), pending());
    let first = DeferredList::new(vec![a.clone(), b.clone()]).first_success();
    a.callback(1).unwrap();
    b.callback(2).unwrap();
    assert_eq!(a.state(), DeferredState::Consumed);
    assert_eq!(b.state(), DeferredState::Consumed);
    assert!(matches!(
        first.result().unwrap().unwrap(),
        FirstSuccess::Success { index: 0, value: 1 }
    ));
    // Handlers added to a consumed input never run.
    a.add_callback(|_| -> i64 { unreachable!("a consumed input runs no handler") });
}

/// A list whose output the user fired first: the results have nowhere to
/// go, and nothing panics.
#[test]
fn a_list_fired_by_hand_ignores_its_inputs() {
    let a = pending::<i64>();
    let list = DeferredList::new(vec![a.clone()])
        .consume_errors(true)
        .build();
    list.callback(Vec::new()).unwrap();
    a.callback(1).unwrap();
    assert!(list.result().unwrap().unwrap().is_empty());
}

/// Values arrive in any order and come out in input order; the output
/// stays pending until the last one.
#[test]
fn gather_results_orders_values_by_input_whatever_order_they_fire_in() {
    let ds: Vec<Deferred<i64>> = (0..4).map(|_| pending()).collect();
    let all = gather_results(ds.clone());
    for i in [3, 1, 0, 2] {
        assert_eq!(all.state(), DeferredState::Pending);
        ds[i].callback(i as i64 * 10).unwrap();
    }
    assert_eq!(all.result().unwrap().unwrap(), vec![0, 10, 20, 30]);
    assert!(ds.iter().all(|d| d.state() == DeferredState::Consumed));
}

/// With `consume_errors`, a failure taken by the list is handled: nothing
/// is reported when the inputs are dropped.
#[test]
fn consumed_failures_are_not_reported() {
    let sc = Scenario::new(FEATURE, "(no such scenario: events checked here)");
    let (a, b) = (pending::<i64>(), pending::<i64>());
    let list = DeferredList::new(vec![a.clone(), b.clone()])
        .consume_errors(true)
        .build();
    b.errback(generic("b")).unwrap();
    a.callback(1).unwrap();
    let results = list.result().unwrap().unwrap();
    assert!(results[1].as_ref().unwrap_err().check::<PyError>());
    drop((a, b, list));
    assert!(sc.finish().is_empty());
}

// Handlers added to an input after it joined (tests/combinator_inputs.rs
// has the rest, with the Twisted tests that show it).

/// Ports `testDeferredListDontConsumeErrors`'s errback, added after the
/// list: it sees the failure and recovers.
#[test]
fn an_errback_added_to_an_input_after_it_joined_sees_the_failure() {
    let sc = Scenario::new(
        FEATURE,
        "an_errback_added_to_an_input_after_it_joined_sees_the_failure",
    );
    let d1 = pending::<String>();
    let dl = deferred_list(vec![d1.clone()]);
    watch_list(&sc.events(), &dl);
    let events = sc.events();
    d1.add_errback(move |f: Failure| {
        events.log(format!("errback {}", show_failure(&f)));
        s("recovered")
    });
    d1.errback(generic("Bang")).unwrap();
    holds(&sc.events(), 0, &d1);
    drop((dl, d1));
    sc.check();
}

/// Ports `testDeferredListConsumeErrors`: the errback added afterwards is
/// not called.
#[test]
fn with_consume_errors_an_errback_added_after_joining_is_not_called() {
    let sc = Scenario::new(
        FEATURE,
        "with_consume_errors_an_errback_added_after_joining_is_not_called",
    );
    let d1 = pending::<String>();
    let dl = DeferredList::new(vec![d1.clone()])
        .consume_errors(true)
        .build();
    watch_list(&sc.events(), &dl);
    let events = sc.events();
    d1.inspect_err(move |f| events.log(format!("errback {}", show_failure(f))));
    d1.errback(generic("Bang")).unwrap();
    holds(&sc.events(), 0, &d1);
    drop((dl, d1));
    sc.check();
}

/// The howto's listing: a callback added to an input after the list runs
/// after the list got the value (`keep_values`: the value is `Clone`).
#[test]
fn a_callback_added_to_an_input_after_it_joined_runs_after_the_list_got_the_value() {
    let sc = Scenario::new(
        FEATURE,
        "a_callback_added_to_an_input_after_it_joined_runs_after_the_list_got_the_value",
    );
    let (d1, d2) = (pending::<String>(), pending::<String>());
    let dl = DeferredList::new(vec![d1.clone(), d2.clone()])
        .keep_values()
        .build();
    d1.add_callback(|r| r + " ten");
    watch_list(&sc.events(), &dl);
    d1.callback(s("one")).unwrap();
    d2.callback(s("two")).unwrap();
    holds(&sc.events(), 0, &d1);
    drop((dl, d1, d2));
    sc.check();
}

#[test]
fn an_input_failure_nothing_handles_is_reported_when_the_input_goes() {
    let sc = Scenario::new(
        FEATURE,
        "an_input_failure_nothing_handles_is_reported_when_the_input_goes",
    );
    let d1 = pending::<String>();
    let dl = deferred_list(vec![d1.clone()]);
    watch_list(&sc.events(), &dl);
    d1.errback(generic("lost")).unwrap();
    drop(dl);
    sc.log("dropped the list");
    drop(d1);
    sc.check();
}

#[test]
fn a_later_errback_that_fails_again_leaves_the_report_to_the_input() {
    let sc = Scenario::new(
        FEATURE,
        "a_later_errback_that_fails_again_leaves_the_report_to_the_input",
    );
    let d1 = pending::<String>();
    let dl = deferred_list(vec![d1.clone()]);
    watch_list(&sc.events(), &dl);
    d1.add_errback(|_: Failure| Err::<String, _>(generic("again")));
    d1.errback(generic("first")).unwrap();
    drop((dl, d1));
    sc.check();
}

/// The combinators' public types are `Send + Sync` (for `Send` values).
#[test]
fn combinator_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<deferred::FirstError>();
    send_sync::<deferred::FailureGroup>();
    send_sync::<DeferredList<String>>();
    send_sync::<FirstSuccess<String>>();
}

// Issue 18 item 6: `FirstSuccess: Default` is "no input succeeded, no
// failures", the value an errback such as `log_err` goes on with.
#[test]
fn first_success_defaults_to_all_failed_with_none() {
    assert!(matches!(
        FirstSuccess::<u8>::default(),
        FirstSuccess::AllFailed(failures) if failures.is_empty()
    ));
    let d = Deferred::<FirstSuccess<u8>>::new();
    d.add_errback(deferred::log_err);
    d.errback("no luck").unwrap();
    assert!(matches!(
        d.result().unwrap().unwrap(),
        FirstSuccess::AllFailed(failures) if failures.is_empty()
    ));
}

/// A `DeferredList` builder's `Debug` shows how many inputs it joins and
/// which options are set (issue 21: cargo-mutants emptied it and no test
/// noticed).
#[test]
fn a_deferred_list_builder_debug_shows_its_inputs_and_options() {
    let inputs: Vec<Deferred<u8>> = (0..2).map(|_| Deferred::new()).collect();
    let list = DeferredList::new(inputs.clone());
    assert_eq!(
        format!("{list:?}"),
        "DeferredList { inputs: 2, fire_on_one_errback: false, consume_errors: false, keep_values: false }"
    );
    let list = list
        .fire_on_one_errback(true)
        .consume_errors(true)
        .keep_values();
    assert_eq!(
        format!("{list:?}"),
        "DeferredList { inputs: 2, fire_on_one_errback: true, consume_errors: true, keep_values: true }"
    );
}
