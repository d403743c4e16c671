//! What the combinators do with their inputs' chains.
//!
//! 1. An input whose result cannot come (the same Deferred given twice, one
//!    already taken by `map`/`then`/`chain_deferred` or by another
//!    combinator) counts at once as failed with `AlreadyChainedError`, as
//!    `.await` answers: never a silent hang (issue 17, item 3).
//! 2. Handlers added to an input after it joined a list run where the types
//!    allow, as in Twisted: a failure is passed on (without
//!    `consume_errors`), a value too with `keep_values` (`T: Clone`); and an
//!    unhandled failure is reported by the Deferred that holds it last
//!    (issue 18, item 4). The scenarios port the tests of Twisted's
//!    `twisted/test/test_defer.py` (Twisted 26.10.0, MIT licence, Copyright
//!    Twisted Matrix Laboratories) that add handlers to a list's inputs
//!    (each names the test it follows), asserting what Twisted's test
//!    asserts.

mod support;

use std::sync::{Arc, Mutex};

use deferred::{
    deferred_list, fail, gather_results, race, succeed, AlreadyChainedError, CancelledError,
    Deferred, DeferredList, DeferredState, Failure, FailureGroup, FirstError, FirstSuccess,
};
use support::events::{generic, PyError, Scenario};

/// A scenario whose events (the unhandled reports among them) the test
/// checks itself.
fn reports() -> Scenario {
    Scenario::new("combinators", "(events checked here)")
}

/// The `FirstError` a gathered Deferred failed with: its index, and
/// whether its failure is an `AlreadyChainedError`.
fn first_error<T: Clone + Send + 'static>(d: &Deferred<T>) -> (usize, Failure) {
    let failure = d.result().expect("fired").err().expect("failed");
    let first = failure.downcast_ref::<FirstError>().expect("a FirstError");
    (first.index(), first.failure().clone())
}

/// A shared list for handlers to record into.
fn recorder<T>() -> Arc<Mutex<Vec<T>>> {
    Arc::new(Mutex::new(Vec::new()))
}

// 1. Inputs whose result cannot come.

#[test]
fn gather_results_of_the_same_deferred_twice_fails_at_once() {
    let d = Deferred::<u8>::new();
    let all = gather_results(vec![d.clone(), d.clone()]);
    let (index, failure) = first_error(&all);
    assert_eq!(index, 1);
    assert!(failure.check::<AlreadyChainedError>(), "{failure}");
    d.callback(1).unwrap(); // goes to the first slot, after the output fired: nowhere
    assert_eq!(first_error(&all).0, 1);
}

#[test]
fn race_of_the_same_deferred_twice_fails_when_it_fails() {
    let d = Deferred::<u8>::new();
    let first = race(vec![d.clone(), d.clone()]);
    assert_eq!(
        first.state(),
        DeferredState::Pending,
        "input 0 may still win"
    );
    d.errback(generic("bang")).unwrap();
    let failure = first.result().unwrap().unwrap_err();
    let group = failure
        .downcast_ref::<FailureGroup>()
        .expect("a FailureGroup");
    assert!(group.failures()[0].check::<PyError>());
    assert!(group.failures()[1].check::<AlreadyChainedError>());
}

#[test]
fn race_of_the_same_deferred_twice_is_won_by_its_first_place() {
    let d = Deferred::<u8>::new();
    let first = race(vec![d.clone(), d.clone()]);
    d.callback(7).unwrap();
    assert_eq!(first.result().unwrap().unwrap(), (0, 7));
}

#[test]
fn deferred_list_of_the_same_deferred_twice_gives_already_chained_for_the_second() {
    let d = Deferred::<u8>::new();
    let list = deferred_list(vec![d.clone(), d.clone()]);
    assert_eq!(list.state(), DeferredState::Pending);
    d.callback(3).unwrap();
    let results = list.result().unwrap().unwrap();
    assert_eq!(*results[0].as_ref().unwrap(), 3);
    assert!(results[1]
        .as_ref()
        .unwrap_err()
        .check::<AlreadyChainedError>());
}

#[test]
fn first_success_of_the_same_deferred_twice_counts_the_second_as_failed() {
    let d = Deferred::<u8>::new();
    let first = DeferredList::new(vec![d.clone(), d.clone()]).first_success();
    d.errback(generic("bang")).unwrap();
    let FirstSuccess::AllFailed(failures) = first.result().unwrap().unwrap() else {
        panic!("no input succeeded")
    };
    assert!(failures[0].check::<PyError>());
    assert!(failures[1].check::<AlreadyChainedError>());
}

#[test]
fn gather_results_of_an_input_map_took_fails_at_once() {
    // Fired or not, `map` took the result.
    for fired_first in [false, true] {
        let d = Deferred::<u8>::new();
        if fired_first {
            d.callback(1).unwrap();
        }
        let mapped = d.map(|v| v + 1);
        let all = gather_results(vec![d.clone()]);
        let (index, failure) = first_error(&all);
        assert_eq!(index, 0);
        assert!(failure.check::<AlreadyChainedError>());
        if !fired_first {
            d.callback(1).unwrap();
        }
        assert_eq!(mapped.result().unwrap().unwrap(), 2, "map keeps its result");
    }
}

#[test]
fn every_combinator_refuses_an_input_chain_deferred_took() {
    let d = Deferred::<u8>::new();
    let other = Deferred::new();
    d.chain_deferred(&other);
    let failure = race(vec![d.clone()]).result().unwrap().unwrap_err();
    let group = failure.downcast_ref::<FailureGroup>().unwrap();
    assert!(group.failures()[0].check::<AlreadyChainedError>());
    let results = deferred_list(vec![d.clone()]).result().unwrap().unwrap();
    assert!(results[0]
        .as_ref()
        .unwrap_err()
        .check::<AlreadyChainedError>());
    assert!(first_error(&gather_results(vec![d.clone()]))
        .1
        .check::<AlreadyChainedError>());
}

#[test]
fn an_input_another_combinator_holds_is_refused_at_once() {
    // A race takes every result; a list may take a value: either way a
    // second combinator cannot wait for it.
    let d = Deferred::<u8>::new();
    let _first = race(vec![d.clone()]);
    assert!(first_error(&gather_results(vec![d.clone()]))
        .1
        .check::<AlreadyChainedError>());

    let d = Deferred::<u8>::new();
    let _all = gather_results(vec![d.clone()]);
    let results = deferred_list(vec![d.clone()]).result().unwrap().unwrap();
    assert!(results[0]
        .as_ref()
        .unwrap_err()
        .check::<AlreadyChainedError>());
    let failure = race(vec![d.clone()]).result().unwrap().unwrap_err();
    assert!(
        failure.downcast_ref::<FailureGroup>().unwrap().failures()[0]
            .check::<AlreadyChainedError>()
    );
}

#[test]
fn an_input_a_list_passed_its_failure_on_may_join_again() {
    // The failure was passed on: the input is free again, as in Twisted.
    let d = Deferred::<u8>::new();
    let first = deferred_list(vec![d.clone()]);
    d.errback(generic("bang")).unwrap();
    let second = deferred_list(vec![d.clone()]);
    for list in [&first, &second] {
        assert!(list.result().unwrap().unwrap()[0]
            .as_ref()
            .unwrap_err()
            .check::<PyError>());
    }
    d.add_errback(|_: Failure| 0);
}

#[test]
fn with_keep_values_the_same_deferred_may_be_given_twice() {
    let d = Deferred::<u8>::new();
    let all = DeferredList::new(vec![d.clone(), d.clone()])
        .keep_values()
        .gather();
    let first = DeferredList::new(vec![d.clone()])
        .keep_values()
        .first_success();
    d.callback(5).unwrap();
    assert_eq!(all.result().unwrap().unwrap(), vec![5, 5]);
    assert!(matches!(
        first.result().unwrap().unwrap(),
        FirstSuccess::Success { index: 0, value: 5 }
    ));
    assert_eq!(d.result().unwrap().unwrap(), 5, "the input keeps its value");
}

// 2. Late handlers.

/// Ports `testDeferredList`: `catch` is added to an input after the list,
/// eats its failure, and nothing is reported.
#[test]
fn twisted_deferred_list_an_errback_added_after_joining_eats_the_failure() {
    let sc = reports();
    let (d1, d2, d3) = (Deferred::new(), Deferred::new(), Deferred::new());
    let list = deferred_list(vec![d1.clone(), d2.clone(), d3.clone()]);
    d1.callback("1").unwrap();
    d2.add_errback(|_: Failure| ""); // catch
    d2.errback(generic("2")).unwrap();
    d3.callback("3").unwrap();
    let results = list.result().unwrap().unwrap();
    assert_eq!(*results[0].as_ref().unwrap(), "1");
    assert_eq!(
        results[1].as_ref().unwrap_err().to_string(),
        "GenericError 2"
    );
    assert_eq!(*results[2].as_ref().unwrap(), "3");
    drop((list, d1, d2, d3));
    assert_eq!(sc.finish(), Vec::<String>::new(), "catch ate it");
}

/// Ports `testDeferredListFireOnOneError`.
#[test]
fn twisted_fire_on_one_error_an_errback_added_after_joining_eats_the_failure() {
    let sc = reports();
    let (d1, d2, d3) = (Deferred::new(), Deferred::new(), Deferred::<&str>::new());
    let list = DeferredList::new(vec![d1.clone(), d2.clone(), d3.clone()])
        .fire_on_one_errback(true)
        .build();
    let result = recorder();
    let seen = result.clone();
    list.add_errback(move |f: Failure| {
        seen.lock().unwrap().push(f);
        Vec::new()
    });
    d2.add_errback(|_: Failure| ""); // catch
    d1.callback("1").unwrap();
    assert!(result.lock().unwrap().is_empty());
    d2.errback(generic("from def2")).unwrap();
    let result = result.lock().unwrap();
    let first = result[0].downcast_ref::<FirstError>().unwrap();
    assert_eq!(first.index(), 1);
    assert_eq!(first.failure().to_string(), "GenericError from def2");
    drop((list, d1, d2, d3));
    assert_eq!(sc.finish(), Vec::<String>::new());
}

/// Ports `testDeferredListDontConsumeErrors`: the errback added to the
/// input after the list sees the failure, and so does the list.
#[test]
fn twisted_dont_consume_errors_an_errback_added_after_joining_sees_the_failure() {
    let sc = reports();
    let d1 = Deferred::<()>::new();
    let list = deferred_list(vec![d1.clone()]);
    let error_trap = recorder();
    let trap = error_trap.clone();
    d1.add_errback(move |f: Failure| trap.lock().unwrap().push(f.to_string()));
    d1.errback(generic("Bang")).unwrap();
    assert_eq!(*error_trap.lock().unwrap(), ["GenericError Bang"]);
    let results = list.result().unwrap().unwrap();
    assert_eq!(
        results[0].as_ref().unwrap_err().to_string(),
        "GenericError Bang"
    );
    drop((list, d1));
    assert_eq!(sc.finish(), Vec::<String>::new(), "the errback handled it");
}

/// Ports `testDeferredListConsumeErrors`: with `consume_errors` the errback
/// added afterwards is not called (Twisted calls the next callback with
/// `None`; here the input is consumed and the errback dropped).
#[test]
fn twisted_consume_errors_an_errback_added_after_joining_is_not_called() {
    let sc = reports();
    let d1 = Deferred::<()>::new();
    let list = DeferredList::new(vec![d1.clone()])
        .consume_errors(true)
        .build();
    let error_trap = recorder();
    let trap = error_trap.clone();
    d1.add_errback(move |f: Failure| trap.lock().unwrap().push(f.to_string()));
    d1.errback(generic("Bang")).unwrap();
    assert!(error_trap.lock().unwrap().is_empty());
    let results = list.result().unwrap().unwrap();
    assert_eq!(
        results[0].as_ref().unwrap_err().to_string(),
        "GenericError Bang"
    );
    drop((list, d1));
    assert_eq!(sc.finish(), Vec::<String>::new());
}

/// Ports `testDeferredListFireOnOneErrorWithAlreadyFiredDeferreds` and
/// `testDeferredListWithAlreadyFiredDeferreds`: an input failed before the
/// list; its errback, added after, swallows the error.
#[test]
fn twisted_already_fired_inputs_an_errback_added_after_swallows_the_error() {
    for fire_on_one_errback in [true, false] {
        let sc = reports();
        let (d1, d2) = (Deferred::<i32>::new(), Deferred::<i32>::new());
        d1.errback(generic("Bang")).unwrap();
        if !fire_on_one_errback {
            d2.callback(2).unwrap();
        }
        let list = DeferredList::new(vec![d1.clone(), d2.clone()])
            .fire_on_one_errback(fire_on_one_errback)
            .build();
        let fired = recorder();
        let seen = fired.clone();
        list.add_both(move |r| {
            seen.lock().unwrap().push(r.is_ok());
            Ok::<_, Failure>(Vec::new())
        });
        assert_eq!(*fired.lock().unwrap(), [!fire_on_one_errback]);
        d1.add_errback(|_: Failure| 0); // swallow error
        drop((list, d1, d2));
        assert_eq!(sc.finish(), Vec::<String>::new(), "{fire_on_one_errback}");
    }
}

/// Ports `test_gatherResults` (its second half): `dl[1].addErrback(lambda
/// e: 1)`, after the gather, gets rid of the error.
#[test]
fn twisted_gather_results_an_errback_added_after_gets_rid_of_the_error() {
    let sc = reports();
    let dl = vec![succeed(1), fail(generic("ValueError"))];
    let errors = recorder();
    let seen = errors.clone();
    gather_results(dl.clone()).add_errback(move |f: Failure| {
        seen.lock().unwrap().push(f);
        Vec::new()
    });
    assert_eq!(errors.lock().unwrap().len(), 1);
    dl[1].add_errback(|_: Failure| 1);
    assert_eq!(dl[1].result().unwrap().unwrap(), 1);
    drop(dl);
    assert_eq!(sc.finish(), Vec::<String>::new());
}

/// Ports `test_gatherResultsWithConsumeErrors`: with `consume_errors` the
/// errback added to the failed input afterwards is not called.
#[test]
fn twisted_gather_results_with_consume_errors_an_errback_added_after_is_not_called() {
    let sc = reports();
    let (dgood, dbad) = (succeed(1), fail::<i32>(generic("oh noes")));
    let d = DeferredList::new(vec![dgood, dbad.clone()])
        .consume_errors(true)
        .gather();
    let unconsumed = recorder();
    let seen = unconsumed.clone();
    dbad.add_errback(move |f: Failure| {
        seen.lock().unwrap().push(f);
        0
    });
    let (index, failure) = first_error(&d);
    assert_eq!(index, 1);
    assert_eq!(failure.to_string(), "GenericError oh noes");
    assert!(unconsumed.lock().unwrap().is_empty());
    d.add_errback(|_: Failure| Vec::new());
    drop((d, dbad));
    assert_eq!(sc.finish(), Vec::<String>::new());
}

/// Ports `test_cancelDeferredList`, `test_cancelGatherResults` and
/// `test_cancelFiredOnOneErrbackDeferredList`: trial's `failureResultOf`
/// adds an errback to each input after the cancel, which sees its failure
/// (and handles it: nothing is reported).
#[test]
fn twisted_cancel_an_errback_added_to_the_inputs_afterwards_sees_the_cancel() {
    let sc = reports();
    let errbacks_seen = recorder();
    let failure_result_of = |d: &Deferred<()>| {
        let seen = errbacks_seen.clone();
        d.add_errback(move |f: Failure| seen.lock().unwrap().push(f.check::<CancelledError>()));
    };
    // test_cancelDeferredList
    let (one, two) = (Deferred::new(), Deferred::new());
    let list = deferred_list(vec![one.clone(), two.clone()]);
    list.cancel();
    failure_result_of(&one);
    failure_result_of(&two);
    // test_cancelGatherResults
    let (three, four) = (Deferred::new(), Deferred::new());
    let gathered = gather_results(vec![three.clone(), four.clone()]);
    gathered.cancel();
    failure_result_of(&three);
    failure_result_of(&four);
    assert!(first_error(&gathered).1.check::<CancelledError>());
    gathered.add_errback(|_: Failure| Vec::new());
    assert_eq!(*errbacks_seen.lock().unwrap(), [true; 4]);
    // test_cancelFiredOnOneErrbackDeferredList
    let (five, six) = (Deferred::<()>::new(), Deferred::<()>::new());
    let list2 = DeferredList::new(vec![five.clone(), six.clone()])
        .fire_on_one_errback(true)
        .build();
    five.errback(generic("test")).unwrap();
    list2.cancel();
    assert_eq!(
        six.state(),
        DeferredState::Pending,
        "assertNoResult(deferredTwo)"
    );
    let seen = errbacks_seen.clone();
    five.add_errback(move |f: Failure| seen.lock().unwrap().push(f.check::<PyError>()));
    assert!(first_error(&list2).1.check::<PyError>());
    list2.add_errback(|_: Failure| Vec::new());
    assert_eq!(*errbacks_seen.lock().unwrap(), [true; 5]);
    drop((list, one, two, gathered, three, four, list2, five, six));
    assert_eq!(sc.finish(), Vec::<String>::new());
}

/// With `keep_values`, a value input's later callbacks see its value, and
/// it can be chained after it joined.
#[test]
fn with_keep_values_callbacks_added_after_joining_see_the_value() {
    let d = Deferred::<String>::new();
    let list = DeferredList::new(vec![d.clone()]).keep_values().build();
    let seen = recorder();
    let sink = seen.clone();
    d.inspect(move |v| sink.lock().unwrap().push(v.clone()));
    let upper: Deferred<String> = d.map(|v| v.to_uppercase());
    d.callback("a".to_owned()).unwrap();
    assert_eq!(*seen.lock().unwrap(), ["a"]);
    assert_eq!(upper.result().unwrap().unwrap(), "A");
    assert_eq!(*list.result().unwrap().unwrap()[0].as_ref().unwrap(), "a");
}

/// With `keep_values` and `consume_errors`, values are passed on and
/// failures taken.
#[test]
fn with_keep_values_and_consume_errors_values_pass_on_and_failures_are_taken() {
    let sc = reports();
    let (ok, bad) = (Deferred::<u8>::new(), Deferred::<u8>::new());
    let list = DeferredList::new(vec![ok.clone(), bad.clone()])
        .keep_values()
        .consume_errors(true)
        .build();
    ok.add_callback(|v| v + 1);
    bad.add_errback(|_: Failure| -> u8 { unreachable!("the list took the failure") });
    ok.callback(1).unwrap();
    bad.errback(generic("b")).unwrap();
    assert_eq!(ok.result().unwrap().unwrap(), 2);
    assert_eq!(bad.state(), DeferredState::Consumed);
    assert!(list.result().unwrap().unwrap()[1].is_err());
    drop((list, ok, bad));
    assert_eq!(sc.finish(), Vec::<String>::new());
}

/// Without `keep_values`, a value moves to the list: callbacks added to the
/// input after it joined are dropped when it arrives (with the warning,
/// `tests/dropped_handlers.rs`); the same handlers run on a failure.
#[test]
fn without_keep_values_later_callbacks_are_dropped_on_a_value_and_run_on_a_failure() {
    let ran = recorder();
    for fail_it in [false, true] {
        let d = Deferred::<u8>::new();
        let list = deferred_list(vec![d.clone()]);
        let seen = ran.clone();
        d.add_both(move |r| {
            seen.lock().unwrap().push(r.is_ok());
            Ok::<u8, Failure>(0)
        });
        if fail_it {
            d.errback(generic("x")).unwrap();
        } else {
            d.callback(1).unwrap();
        }
        assert!(list.result().is_some());
    }
    assert_eq!(*ran.lock().unwrap(), [false], "only the failure reached it");
}

// Reporting: an input's failure is owed by the Deferred that holds it last.

#[test]
fn an_input_failure_nobody_handles_is_reported_once_by_the_input() {
    let sc = reports();
    let d = Deferred::<u8>::new();
    let list = deferred_list(vec![d.clone()]);
    d.errback(generic("lost")).unwrap();
    drop(list); // the list holds it as a value: no report
    sc.log("dropped the list");
    drop(d);
    assert_eq!(
        sc.finish(),
        ["dropped the list", "unhandled GenericError lost"]
    );
}

#[test]
fn a_later_errback_that_fails_again_leaves_the_report_to_the_input() {
    let sc = reports();
    let d = Deferred::<u8>::new();
    let _list = deferred_list(vec![d.clone()]);
    d.add_errback(|_: Failure| Err::<u8, _>(generic("again")));
    d.errback(generic("first")).unwrap();
    drop(d);
    assert_eq!(sc.finish(), ["unhandled GenericError again"]);
}

#[test]
fn a_later_then_takes_the_report_over() {
    let sc = reports();
    let d = Deferred::<u8>::new();
    let _list = deferred_list(vec![d.clone()]);
    d.errback(generic("passed")).unwrap();
    let next: Deferred<u8> = d.then(|r| r);
    assert_eq!(d.state(), DeferredState::Consumed);
    drop(d);
    sc.log("dropped the input");
    drop(next);
    assert_eq!(
        sc.finish(),
        ["dropped the input", "unhandled GenericError passed"]
    );
}

#[test]
fn a_gathered_failure_is_reported_by_the_input_and_by_the_gather_when_neither_handles_it() {
    // As in Twisted: the input holds its failure, the gathered Deferred its
    // FirstError; each reports what it holds.
    let sc = reports();
    let d = Deferred::<u8>::new();
    let all = gather_results(vec![d.clone()]);
    d.errback(generic("both")).unwrap();
    drop(all);
    drop(d);
    assert_eq!(
        sc.finish(),
        [
            "unhandled FirstError #0 GenericError both",
            "unhandled GenericError both"
        ]
    );
}

// The cancel tests of `test_defer.py` that read the inputs afterwards with
// trial's `failureResultOf`/`successResultOf`/`assertNoResult`, ported
// literally with `deferred::testing`'s helpers (each takes the result, as
// trial's does, so nothing is left to report).

mod cancel_ports {
    use deferred::testing::{assert_no_result, failure_result_of, success_result_of, ErrorType};
    use deferred::{CancelledError, Deferred, DeferredList, FirstError, FirstSuccess};

    use super::reports;

    fn cancelled() -> [ErrorType; 1] {
        [ErrorType::of::<CancelledError>()]
    }

    /// `fakeCallbackCanceller`.
    fn fake_callback_canceller() -> Deferred<String> {
        Deferred::with_canceller(|d: &Deferred<String>| {
            d.callback("Callback Result".to_owned()).unwrap();
        })
    }

    /// `test_cancelDeferredListCallback`.
    #[test]
    fn cancel_deferred_list_callback() {
        let sc = reports();
        let (one, two) = (fake_callback_canceller(), Deferred::<String>::new());
        let list = DeferredList::new(vec![one.clone(), two.clone()]).build();
        list.cancel();
        failure_result_of(&two, &cancelled());
        let result = success_result_of(&list);
        assert_eq!(result[0].as_ref().unwrap(), "Callback Result");
        assert!(result[1].as_ref().unwrap_err().check::<CancelledError>());
        drop((one, two, list));
        assert_eq!(sc.finish(), Vec::<String>::new());
    }

    /// `test_cancelDeferredListWithFireOnOneCallback`.
    #[test]
    fn cancel_deferred_list_with_fire_on_one_callback() {
        let sc = reports();
        let (one, two) = (Deferred::<()>::new(), Deferred::<()>::new());
        let list = DeferredList::new(vec![one.clone(), two.clone()]).first_success();
        list.cancel();
        failure_result_of(&one, &cancelled());
        failure_result_of(&two, &cancelled());
        drop((one, two, list));
        assert_eq!(sc.finish(), Vec::<String>::new());
    }

    /// `test_cancelDeferredListWithFireOnOneCallbackAndDeferredCallback`.
    #[test]
    fn cancel_deferred_list_with_fire_on_one_callback_and_deferred_callback() {
        let sc = reports();
        let (one, two) = (fake_callback_canceller(), Deferred::<String>::new());
        let list = DeferredList::new(vec![one.clone(), two.clone()]).first_success();
        list.cancel();
        failure_result_of(&two, &cancelled());
        match success_result_of(&list) {
            FirstSuccess::Success { index, value } => {
                assert_eq!((value.as_str(), index), ("Callback Result", 0));
            }
            FirstSuccess::AllFailed(_) => panic!("the first input succeeded"),
        }
        drop((one, two, list));
        assert_eq!(sc.finish(), Vec::<String>::new());
    }

    /// `test_cancelDeferredListWithFireOnOneErrback`.
    #[test]
    fn cancel_deferred_list_with_fire_on_one_errback() {
        let sc = reports();
        let (one, two) = (Deferred::<()>::new(), Deferred::<()>::new());
        let list = DeferredList::new(vec![one.clone(), two.clone()])
            .fire_on_one_errback(true)
            .build();
        list.cancel();
        failure_result_of(&one, &cancelled());
        failure_result_of(&two, &cancelled());
        let failure = failure_result_of(&list, &[ErrorType::of::<FirstError>()]);
        let first = failure.downcast_ref::<FirstError>().unwrap();
        assert!(first.failure().check::<CancelledError>());
        drop((one, two, list));
        assert_eq!(sc.finish(), Vec::<String>::new());
    }

    /// `test_cancelDeferredListWithOriginalDeferreds`.
    #[test]
    fn cancel_deferred_list_with_original_deferreds() {
        let sc = reports();
        let (one, two) = (Deferred::<()>::new(), Deferred::<()>::new());
        let mut arguments = vec![one.clone(), two.clone()];
        let list = DeferredList::new(arguments.clone()).build();
        let three = Deferred::<()>::new();
        arguments.push(three.clone());
        list.cancel();
        failure_result_of(&one, &cancelled());
        failure_result_of(&two, &cancelled());
        assert_no_result(&three);
        drop((one, two, three, arguments, list));
        assert_eq!(sc.finish(), Vec::<String>::new());
    }

    /// `test_cancelDeferredListWithException`: a canceller that panics (the
    /// Rust form of raising) fires its input with the panic (Twisted logs
    /// it); the next input is still cancelled.
    #[test]
    fn cancel_deferred_list_with_exception() {
        let sc = reports();
        let one = Deferred::<()>::with_canceller(|_| panic!("test"));
        let two = Deferred::<()>::new();
        let list = DeferredList::new(vec![one.clone(), two.clone()]).build();
        list.cancel();
        failure_result_of(&two, &cancelled());
        failure_result_of(&one, &[ErrorType::of::<deferred::PanicError>()]);
        drop((one, two, list));
        assert_eq!(sc.finish(), Vec::<String>::new());
    }
}
