//! Model 10 (the gather models) and model 11 (race): the combinators with
//! their inputs fired on two threads. Each is checked exhaustively: every
//! interleaving, no preemption bound.
//!
//! Observations (who ran, how often) go into `std` atomics and mutexes that
//! are never held across a loom operation (see `support.rs`).

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use deferred::{
    gather_results, race, AlreadyCalledError, CancelledError, Deferred, DeferredList,
    DeferredState, Failure, FailureGroup, FirstError,
};
use loom::thread;

use crate::support::{exhaustive, Boom};
use deferred::testing::LoggedFailures;

/// `gather_results` with its inputs fired on two threads: the output fires
/// exactly once, with the values in input order, whichever fires last.
#[test]
fn gather_results_of_inputs_fired_on_two_threads_fires_once_in_order() {
    exhaustive(|| {
        let (a, b) = (Deferred::<i64>::new(), Deferred::<i64>::new());
        let all = gather_results(vec![a.clone(), b.clone()]);
        let calls = Arc::new(AtomicUsize::new(0));
        {
            let calls = calls.clone();
            all.add_both(move |r: Result<Vec<i64>, Failure>| {
                calls.fetch_add(1, SeqCst);
                r
            });
        }
        let ta = thread::spawn(move || a.callback(1).unwrap());
        let tb = thread::spawn(move || b.callback(2).unwrap());
        ta.join().unwrap();
        tb.join().unwrap();
        assert_eq!(calls.load(SeqCst), 1);
        assert_eq!(all.result().map(|r| r.ok()), Some(Some(vec![1, 2])));
    });
}

/// `gather_results` fails fast: one input fails on one thread while the
/// other succeeds on another; the output fires once, with a `FirstError`
/// naming the failed input, whichever lands first. With `consume_errors`
/// the failure is handled by the output's errback and never reported;
/// without it the failed input keeps it and reports it once when dropped.
#[test]
fn gather_results_fails_once_with_first_error_when_an_input_fails_on_another_thread() {
    for consume in [true, false] {
        exhaustive(move || {
            let reports = LoggedFailures::guard();
            let (a, b) = (Deferred::<i64>::new(), Deferred::<i64>::new());
            let all = DeferredList::new(vec![a.clone(), b.clone()])
                .consume_errors(consume)
                .gather();
            let seen = Arc::new(Mutex::new(Vec::new()));
            {
                let seen = seen.clone();
                all.add_both(move |r: Result<Vec<i64>, Failure>| {
                    let first = r.as_ref().err().and_then(|f| {
                        f.downcast_ref::<FirstError>()
                            .map(|e| (e.index(), e.failure().check::<Boom>()))
                    });
                    seen.lock().unwrap().push(first);
                    Vec::new()
                });
            }
            let ta = thread::spawn(move || a.errback(Boom).unwrap());
            let tb = thread::spawn(move || b.callback(2).unwrap());
            ta.join().unwrap();
            tb.join().unwrap();
            assert_eq!(*seen.lock().unwrap(), [Some((0, true))]);
            drop(all);
            let expected = if consume { 0 } else { 1 };
            assert_eq!(
                reports.flush_all().len(),
                expected,
                "consume_errors({consume})"
            );
        });
    }
}

/// Counts its own drop: whether a handler's captures were dropped.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Model 10b: a handler added to a list's input on one thread while
/// another fires the input (the list may take a value and passes a failure
/// on: `JoinKind::MayTake`). A failure reaches the handler exactly once; a
/// value moves to the list and the handler is dropped at once (its
/// captures freed while the input still lives), never left queued in a
/// consumed input. The list fires once either way.
#[test]
fn a_handler_added_while_a_list_input_fires_runs_on_a_failure_and_is_dropped_on_a_value() {
    for fail in [false, true] {
        exhaustive(move || {
            let reports = LoggedFailures::guard();
            let d = Deferred::<i64>::new();
            let list = DeferredList::new(vec![d.clone()]).build();
            let (ran, dropped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
            let adder = {
                let (d, ran, guard) = (d.clone(), ran.clone(), DropCount(dropped.clone()));
                thread::spawn(move || {
                    d.add_both(move |r: Result<i64, Failure>| {
                        let _guard = &guard;
                        ran.fetch_add(1, SeqCst);
                        r.map_or(0, |v| v)
                    });
                })
            };
            let firer = {
                let d = d.clone();
                thread::spawn(move || {
                    if fail {
                        d.errback(Boom).unwrap();
                    } else {
                        d.callback(1).unwrap();
                    }
                })
            };
            adder.join().unwrap();
            firer.join().unwrap();
            let results = list
                .result()
                .expect("the list fired")
                .expect("a list never fails");
            assert_eq!(results[0].is_err(), fail);
            let expected = if fail { (1, 1) } else { (0, 1) };
            assert_eq!(
                (ran.load(SeqCst), dropped.load(SeqCst)),
                expected,
                "(ran, dropped) with the input still alive, fail = {fail}"
            );
            if fail {
                assert_eq!(d.result().unwrap().unwrap(), 0, "the handler recovered");
            } else {
                assert_eq!(d.state(), DeferredState::Consumed);
            }
            drop((d, list));
            assert_eq!(reports.flush_all().len(), 0);
        });
    }
}

/// Three inputs whose cancellers count their runs.
fn counted_inputs(n: usize) -> (Vec<Deferred<i64>>, Arc<Vec<AtomicUsize>>) {
    let counts: Arc<Vec<AtomicUsize>> = Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect());
    let inputs = (0..n)
        .map(|i| {
            let counts = counts.clone();
            Deferred::with_canceller(move |_: &Deferred<i64>| {
                counts[i].fetch_add(1, SeqCst);
            })
        })
        .collect();
    (inputs, counts)
}

/// Model 11: two inputs of a race succeed on two threads at once (a third
/// never fires). Exactly one wins and the race fires once with its index
/// and value; the winner is never cancelled; the third input is cancelled
/// exactly once; the loser either fired first (then it is not cancelled,
/// and its value goes nowhere) or was cancelled exactly once (then its own
/// fire comes late and is refused).
#[test]
fn race_inputs_fired_on_two_threads_have_one_winner_and_the_rest_cancelled_once() {
    exhaustive(|| {
        let (inputs, counts) = counted_inputs(3);
        let first = race(inputs.clone());
        let fired = Arc::new(Mutex::new(Vec::new()));
        {
            let fired = fired.clone();
            first.add_both(move |r: Result<(usize, i64), Failure>| {
                fired.lock().unwrap().push(r.as_ref().ok().copied());
                (0, 0)
            });
        }
        let fire = |i: usize| {
            let d = inputs[i].clone();
            thread::spawn(move || d.callback(i as i64 * 10))
        };
        let (t0, t1) = (fire(0), fire(1));
        let r0 = t0.join().unwrap();
        let r1 = t1.join().unwrap();

        let fired = fired.lock().unwrap().clone();
        assert_eq!(fired.len(), 1, "the race fired once: {fired:?}");
        let (winner, value) = fired[0].expect("a success won");
        assert!(winner < 2);
        assert_eq!(value, winner as i64 * 10);
        let loser = 1 - winner;
        let fires = [&r0, &r1];
        assert_eq!(*fires[winner], Ok(()), "the winner's fire went through");
        assert_eq!(
            counts[winner].load(SeqCst),
            0,
            "the winner is never cancelled"
        );
        assert_eq!(
            counts[2].load(SeqCst),
            1,
            "the unfired input is cancelled once"
        );
        match (counts[loser].load(SeqCst), fires[loser]) {
            // Fired first, then lost: never cancelled.
            (0, Ok(())) => {}
            // Cancelled first: its own fire comes late and is refused.
            (1, Err(AlreadyCalledError { .. })) => {}
            // Its canceller ran, but its fire landed before the cancel
            // could fire it (the canceller is not the operation): it lost.
            (1, Ok(())) => {}
            other => panic!("the loser: {other:?} (cancels, fire)"),
        }
        assert!(inputs.iter().all(|d| d.state() == DeferredState::Consumed));
    });
}

/// Model 11b: the race is cancelled on one thread while an input succeeds
/// on another. The race fires once: with that input's value (the cancel
/// came too late, or reached the other input only), with a `FailureGroup`
/// of two `CancelledError`s (the cancel came first, and the input's fire is
/// refused), or, when the cancel lands while the win is on its way, with a
/// plain `CancelledError`. Every canceller runs at most once. (An input's
/// canceller may run and its fire still land before the cancel fires it:
/// the canceller only asks the operation to stop.)
#[test]
fn race_cancelled_while_an_input_succeeds_fires_once() {
    exhaustive(|| {
        let (inputs, counts) = counted_inputs(2);
        let first = race(inputs.clone());
        let fired = Arc::new(Mutex::new(Vec::new()));
        {
            let fired = fired.clone();
            first.add_both(move |r: Result<(usize, i64), Failure>| {
                let seen = match &r {
                    Ok(win) => Ok(*win),
                    Err(f) if f.check::<CancelledError>() => Err("Cancelled"),
                    Err(f) => match f.downcast_ref::<FailureGroup>() {
                        Some(g) if g.failures().iter().all(|f| f.check::<CancelledError>()) => {
                            Err("FailureGroup of Cancelled")
                        }
                        _ => Err("other"),
                    },
                };
                fired.lock().unwrap().push(seen);
                (0, 0)
            });
        }
        let canceller = {
            let first = first.clone();
            thread::spawn(move || first.cancel())
        };
        let firer = {
            let d = inputs[0].clone();
            thread::spawn(move || d.callback(7))
        };
        canceller.join().unwrap();
        let fire = firer.join().unwrap();

        let fired = fired.lock().unwrap().clone();
        assert_eq!(fired.len(), 1, "the race fired once: {fired:?}");
        match fired[0] {
            Ok((0, 7)) => {
                assert_eq!(fire, Ok(()));
                // Its canceller may have run just before its fire landed.
                assert!(counts[0].load(SeqCst) <= 1);
                assert_eq!(counts[1].load(SeqCst), 1);
            }
            Err("FailureGroup of Cancelled") => {
                assert_eq!(fire, Err(AlreadyCalledError));
                assert_eq!(counts[0].load(SeqCst), 1);
                assert_eq!(counts[1].load(SeqCst), 1);
            }
            Err("Cancelled") => {
                // The cancel fired the race itself (a plain CancelledError,
                // as for any Deferred whose cancel lands before another
                // thread's fire) while input 0's win was on its way: the
                // win claimed the race, so input 1 was cancelled by one of
                // the two, once; the value goes nowhere.
                assert_eq!(fire, Ok(()));
                assert!(counts[0].load(SeqCst) <= 1);
                assert_eq!(counts[1].load(SeqCst), 1);
            }
            other => panic!("unexpected race result {other:?}"),
        }
    });
}
