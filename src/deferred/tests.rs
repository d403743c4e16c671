//! Unit tests of the chain engine. Several are ported from Twisted's
//! `twisted/test/test_defer.py` (MIT licence, Copyright Twisted Matrix
//! Laboratories), rewritten for Rust's types; those name the Twisted test
//! they follow.

use crate::testing::{failure_result_of, success_result_of, LoggedFailures};
use std::sync::{Arc, Mutex};

use crate::{
    fail, maybe_deferred, succeed, AlreadyCalledError, AlreadyChainedError, CancelledError,
    Deferred, DeferredState, Failure, NotPausedError, Outcome, PanicError,
};

#[derive(Debug, Clone, PartialEq)]
struct Tag(&'static str);
impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
impl std::error::Error for Tag {}

/// A shared log that handlers write to.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);
impl Log {
    fn push(&self, s: impl Into<String>) {
        self.0.lock().unwrap().push(s.into());
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[test]
fn callbacks_run_in_order_each_getting_the_previous_return() {
    let d = Deferred::new();
    d.add_callback(|v: i64| v + 1).add_callback(|v| v * 10);
    d.callback(1).unwrap();
    assert_eq!(success_result_of(&d), 20);
}

#[test]
fn a_value_goes_to_the_callback_side_and_a_failure_to_the_errback_side() {
    let log = Log::default();
    let d = Deferred::<i64>::new();
    let (l1, l2) = (log.clone(), log.clone());
    d.add_callbacks(
        move |v| {
            l1.push(format!("cb {v}"));
            Err::<i64, _>(Tag("bad"))
        },
        |_f| -> i64 { unreachable!() },
    )
    .add_callbacks(
        |_v| -> i64 { unreachable!() },
        move |f| {
            l2.push(format!("eb {f}"));
            7
        },
    );
    d.callback(3).unwrap();
    assert_eq!(log.take(), ["cb 3", "eb bad"]);
    assert_eq!(success_result_of(&d), 7);
}

#[test]
fn failures_skip_callbacks_and_values_skip_errbacks() {
    let d = Deferred::<i64>::new();
    d.add_errback(|_| 100).add_callback(|v| v + 1);
    d.callback(1).unwrap();
    assert_eq!(success_result_of(&d), 2);

    let d = Deferred::<i64>::new();
    d.add_callback(|v| v + 1).add_errback(|f: Failure| {
        assert!(f.check::<Tag>());
        -1
    });
    d.errback(Tag("x")).unwrap();
    assert_eq!(success_result_of(&d), -1);
}

#[test]
fn add_both_gets_either_side() {
    let d = Deferred::<i64>::new();
    d.add_both(|r: Result<i64, Failure>| if r.is_err() { 0 } else { 1 });
    d.errback(Tag("x")).unwrap();
    assert_eq!(success_result_of(&d), 0);
}

#[test]
fn handlers_added_after_firing_run_before_the_add_returns() {
    let d = succeed(5i64);
    let log = Log::default();
    let l = log.clone();
    d.add_callback(move |v| {
        l.push("ran");
        v
    });
    assert_eq!(log.take(), ["ran"]);
}

#[test]
fn firing_twice_is_already_called_and_changes_nothing() {
    // test_defer.py: DeferredTests.testAlreadyCalled_CC / _CE / _EC / _EE
    let d = Deferred::<i64>::new();
    d.callback(1).unwrap();
    assert_eq!(d.callback(2), Err(AlreadyCalledError));
    assert_eq!(d.errback(Tag("x")), Err(AlreadyCalledError));
    assert_eq!(success_result_of(&d), 1);

    let d = Deferred::<i64>::new();
    d.add_errback(|_| 0);
    d.errback(Tag("x")).unwrap();
    assert_eq!(d.callback(2), Err(AlreadyCalledError));
    assert_eq!(d.errback(Tag("y")), Err(AlreadyCalledError));
}

#[test]
fn pause_queues_handlers_until_the_last_unpause() {
    // test_defer.py: DeferredTests.testPausedFailure / test_pause
    let d = Deferred::<i64>::new();
    d.pause();
    d.pause();
    d.callback(1).unwrap();
    d.add_callback(|v| v + 1);
    assert_eq!(d.state(), DeferredState::Paused);
    assert_eq!(d.result().unwrap().unwrap(), 1);
    d.unpause().unwrap();
    assert_eq!(d.result().unwrap().unwrap(), 1);
    d.unpause().unwrap();
    assert_eq!(d.result().unwrap().unwrap(), 2);
    assert_eq!(d.state(), DeferredState::Fired);
}

#[test]
fn unpause_at_zero_is_refused_and_changes_nothing() {
    let d = Deferred::<i64>::new();
    assert_eq!(d.unpause(), Err(NotPausedError));
    d.pause();
    d.unpause().unwrap();
    assert_eq!(d.unpause(), Err(NotPausedError));
    assert_eq!(d.pause_count(), 0);
    d.callback(1).unwrap();
    d.add_callback(|v| v + 1);
    assert_eq!(success_result_of(&d), 2);
}

#[test]
fn pause_inside_a_handler_stops_before_the_next_handler() {
    // Twisted keeps running to the end of the current run; we stop at once.
    let d = Deferred::<i64>::new();
    let inner = d.clone();
    d.add_callback(move |v| {
        inner.pause();
        v + 1
    })
    .add_callback(|v| v * 100);
    d.callback(1).unwrap();
    assert_eq!(d.result().unwrap().unwrap(), 2);
    assert_eq!(d.state(), DeferredState::Paused);
    d.unpause().unwrap();
    assert_eq!(success_result_of(&d), 200);
}

#[test]
fn a_handler_that_adds_handlers_to_its_own_deferred_appends_them() {
    let log = Log::default();
    let d = Deferred::<i64>::new();
    let (me, l1, l2) = (d.clone(), log.clone(), log.clone());
    d.add_callback(move |v| {
        let l = l1.clone();
        me.add_callback(move |v| {
            l.push(format!("added {v}"));
            v * 2
        });
        l1.push("first");
        v + 1
    })
    .add_callback(move |v| {
        l2.push(format!("second {v}"));
        v + 1
    });
    d.callback(1).unwrap();
    assert_eq!(log.take(), ["first", "second 2", "added 3"]);
    assert_eq!(success_result_of(&d), 6);
}

#[test]
fn a_handler_may_fire_another_deferred() {
    let other = Deferred::<i64>::new();
    other.add_callback(|v| v + 1);
    let d = Deferred::<i64>::new();
    let o = other.clone();
    d.add_callback(move |v| {
        o.callback(v * 2).unwrap();
        v
    });
    d.callback(5).unwrap();
    assert_eq!(success_result_of(&other), 11);
}

#[test]
fn a_returned_fired_deferred_is_taken_at_once_and_consumed() {
    let inner = succeed(10i64);
    let d = Deferred::<i64>::new();
    let i = inner.clone();
    d.add_callback(move |_| i).add_callback(|v| v + 1);
    d.callback(0).unwrap();
    assert_eq!(success_result_of(&d), 11);
    assert_eq!(inner.state(), DeferredState::Consumed);
}

#[test]
fn a_returned_unfired_deferred_makes_the_outer_wait() {
    // test_defer.py: DeferredTests.test_chainedDeferred (shape)
    let inner = Deferred::<i64>::new();
    let d = Deferred::<i64>::new();
    let i = inner.clone();
    d.add_callback(move |_| i).add_callback(|v| v + 1);
    d.callback(0).unwrap();
    assert_eq!(d.state(), DeferredState::Waiting);
    assert!(d.result().is_none());
    inner.callback(41).unwrap();
    assert_eq!(success_result_of(&d), 42);
    assert_eq!(inner.state(), DeferredState::Consumed);
}

#[test]
fn the_inner_chain_runs_its_own_handlers_before_handing_over() {
    let inner = Deferred::<i64>::new();
    inner.add_callback(|v| v * 3);
    let d = Deferred::<i64>::new();
    let i = inner.clone();
    d.add_callback(move |_| i);
    d.callback(0).unwrap();
    inner.callback(2).unwrap();
    assert_eq!(success_result_of(&d), 6);
}

#[test]
fn handlers_added_to_a_chained_deferred_never_run() {
    let inner = Deferred::<i64>::new();
    let d = Deferred::<i64>::new();
    let i = inner.clone();
    d.add_callback(move |_| i);
    d.callback(0).unwrap();
    let log = Log::default();
    let l = log.clone();
    inner.add_callback(move |v| {
        l.push("never");
        v
    });
    inner.callback(1).unwrap();
    assert!(log.take().is_empty());
    assert_eq!(success_result_of(&d), 1);
}

#[test]
fn a_paused_inner_hands_over_only_when_unpaused() {
    let inner = Deferred::<i64>::new();
    inner.pause();
    inner.callback(5).unwrap();
    let d = Deferred::<i64>::new();
    let i = inner.clone();
    d.add_callback(move |_| i);
    d.callback(0).unwrap();
    assert_eq!(d.state(), DeferredState::Waiting);
    inner.unpause().unwrap();
    assert_eq!(success_result_of(&d), 5);
}

#[test]
fn a_paused_outer_keeps_the_handed_over_result_until_unpaused() {
    let inner = Deferred::<i64>::new();
    let d = Deferred::<i64>::new();
    let i = inner.clone();
    d.add_callback(move |_| i).add_callback(|v| v + 1);
    d.callback(0).unwrap();
    d.pause();
    inner.callback(5).unwrap();
    assert_eq!(d.state(), DeferredState::Paused);
    assert_eq!(d.result().unwrap().unwrap(), 5);
    d.unpause().unwrap();
    assert_eq!(success_result_of(&d), 6);
}

#[test]
fn chaining_a_deferred_twice_gives_already_chained() {
    let inner = Deferred::<i64>::new();
    let (a, b) = (Deferred::<i64>::new(), Deferred::<i64>::new());
    let (i1, i2) = (inner.clone(), inner.clone());
    a.add_callback(move |_| i1);
    b.add_callback(move |_| i2);
    a.callback(0).unwrap();
    b.callback(0).unwrap();
    assert!(failure_result_of(&b, &[]).check::<AlreadyChainedError>());
    inner.callback(3).unwrap();
    assert_eq!(success_result_of(&a), 3);
}

#[test]
fn chaining_a_consumed_deferred_gives_already_chained() {
    let inner = succeed(1i64);
    let (a, b) = (Deferred::<i64>::new(), Deferred::<i64>::new());
    let (i1, i2) = (inner.clone(), inner.clone());
    a.add_callback(move |_| i1);
    a.callback(0).unwrap();
    b.add_callback(move |_| i2);
    b.callback(0).unwrap();
    assert_eq!(success_result_of(&a), 1);
    assert!(failure_result_of(&b, &[]).check::<AlreadyChainedError>());
}

#[test]
fn returning_its_own_deferred_is_a_failure_not_a_deadlock() {
    let d = Deferred::<i64>::new();
    let me = d.clone();
    d.add_callback(move |_| me);
    d.callback(0).unwrap();
    assert!(failure_result_of(&d, &[]).check::<AlreadyChainedError>());
    d.add_errback(|_| 0);
}

#[test]
fn cancel_without_canceller_errbacks_and_ignores_one_late_fire() {
    // test_defer.py: DeferredCancellerTests.test_noCanceller,
    // test_raisesAfterCancelAndCallback
    let d = Deferred::<i64>::new();
    d.cancel();
    assert!(failure_result_of(&d, &[]).check::<CancelledError>());
    assert_eq!(d.callback(1), Ok(()));
    assert_eq!(d.callback(1), Err(AlreadyCalledError));
    assert_eq!(d.errback(Tag("x")), Err(AlreadyCalledError));
    d.add_errback(|_| 0);
}

#[test]
fn cancel_runs_the_canceller_which_may_fire() {
    // test_defer.py: DeferredCancellerTests.test_cancellerArg,
    // test_cancellerThatCallbacks
    let d = Deferred::<i64>::with_canceller(|d| d.callback(9).unwrap());
    d.cancel();
    assert_eq!(success_result_of(&d), 9);
    assert_eq!(d.callback(1), Err(AlreadyCalledError));
}

#[test]
fn a_canceller_that_does_not_fire_leaves_cancelled_and_no_suppression() {
    // As Twisted: with a canceller, a late fire is a bug and is reported.
    let called = Arc::new(Mutex::new(0));
    let c = called.clone();
    let d = Deferred::<i64>::with_canceller(move |_| *c.lock().unwrap() += 1);
    d.cancel();
    d.cancel();
    assert_eq!(*called.lock().unwrap(), 1);
    assert!(failure_result_of(&d, &[]).check::<CancelledError>());
    assert_eq!(d.callback(1), Err(AlreadyCalledError));
    d.add_errback(|_| 0);
}

#[test]
fn a_panicking_canceller_fires_with_its_panic() {
    let d = Deferred::<i64>::with_canceller(|_| panic!("canceller broke"));
    d.cancel();
    let f = failure_result_of(&d, &[]);
    assert_eq!(
        f.downcast_ref::<PanicError>().unwrap().message(),
        "canceller broke"
    );
    d.add_errback(|_| 0);
}

#[test]
fn cancel_of_a_waiting_deferred_cancels_the_one_it_waits_on() {
    let inner = Deferred::<i64>::new();
    let d = Deferred::<i64>::new();
    let i = inner.clone();
    d.add_callback(move |_| i).add_errback(|f| {
        assert!(f.check::<CancelledError>());
        -1
    });
    d.callback(0).unwrap();
    d.cancel();
    assert_eq!(success_result_of(&d), -1);
    assert_eq!(inner.state(), DeferredState::Consumed);
}

#[test]
fn cancel_of_a_fired_deferred_does_nothing() {
    let d = succeed(1i64);
    d.cancel();
    assert_eq!(success_result_of(&d), 1);
    assert_eq!(d.callback(2), Err(AlreadyCalledError));
}

#[test]
fn a_panicking_handler_becomes_a_failure_and_the_chain_goes_on() {
    let d = Deferred::<i64>::new();
    d.add_callback(|_| -> i64 { panic!("handler broke") })
        .add_callback(|_| -> i64 { unreachable!() })
        .add_errback(|f| {
            assert_eq!(
                f.downcast_ref::<PanicError>().unwrap().message(),
                "handler broke"
            );
            5
        });
    d.callback(0).unwrap();
    assert_eq!(d.result().unwrap().unwrap(), 5);
    // Nothing is poisoned: the Deferred still works.
    d.add_callback(|v| v + 1);
    assert_eq!(success_result_of(&d), 6);
}

#[test]
fn a_handler_can_choose_an_outcome_at_run_time() {
    let d = Deferred::<i64>::new();
    d.add_callback(|v| {
        if v > 0 {
            Outcome::Value(v)
        } else {
            Outcome::Failure(Failure::new(Tag("neg")))
        }
    });
    d.callback(-1).unwrap();
    assert!(failure_result_of(&d, &[]).check::<Tag>());
    d.add_errback(|_| 0);
}

/// Runs `body`; counts the unhandled reports it made on this thread whose
/// text is `tag` (the testing guard is per thread: no other test's reports).
fn with_reports<R>(tag: &'static str, body: impl FnOnce() -> R) -> (R, usize) {
    let guard = LoggedFailures::guard();
    let r = body();
    let n = guard
        .flush_all()
        .iter()
        .filter(|f| f.to_string() == tag)
        .count();
    (r, n)
}

#[test]
fn an_unhandled_failure_is_reported_once_when_dropped() {
    let ((), n) = with_reports("unhandled-once", || {
        let d = Deferred::<i64>::new();
        let d2 = d.clone();
        d.errback(Tag("unhandled-once")).unwrap();
        drop(d);
        drop(d2);
    });
    assert_eq!(n, 1);
}

#[test]
fn a_paused_deferred_holding_a_failure_is_reported_too() {
    let ((), n) = with_reports("unhandled-paused", || {
        let d = Deferred::<i64>::new();
        d.pause();
        d.errback(Tag("unhandled-paused")).unwrap();
    });
    assert_eq!(n, 1);
}

#[test]
fn a_handled_or_taken_failure_is_not_reported() {
    let ((), n) = with_reports("handled", || {
        let d = Deferred::<i64>::new();
        d.add_errback(|_| 0);
        d.errback(Tag("handled")).unwrap();
        let inner = fail::<i64>(Tag("handled"));
        let outer = succeed(0i64);
        outer.add_callback(move |_| inner).add_errback(|_| 1);
    });
    assert_eq!(n, 0);
}

/// Issue 13 item 6: a handler that owns its own unfired Deferred makes a
/// cycle that reference counts never free, so a failure it comes to hold is
/// never reported (docs/semantics.md §5). Pinned so that the documented
/// advice (capture a `WeakDeferred`) stays true; the cycle is leaked on
/// purpose, it is a few hundred bytes.
#[test]
fn a_handler_owning_its_own_deferred_keeps_it_alive_and_unreported() {
    let (weak, n) = with_reports("own-strong", || {
        let d = Deferred::<i64>::new();
        let me = d.clone();
        d.add_errback(move |f: Failure| -> Result<i64, Failure> {
            let _keep = &me;
            Err(f)
        });
        d.pause();
        d.errback(Tag("own-strong")).unwrap();
        d.downgrade()
    });
    assert!(weak.upgrade().is_some(), "the cycle keeps it alive");
    assert_eq!(n, 0, "and its failure is never reported");
}

/// The pattern the docs give instead: a weak handle in the handler lets the
/// Deferred be freed, and its failure is reported.
#[test]
fn a_handler_with_a_weak_handle_lets_its_deferred_go_and_be_reported() {
    let (weak, n) = with_reports("own-weak", || {
        let d = Deferred::<i64>::new();
        let me = d.downgrade();
        d.add_errback(move |f: Failure| -> Result<i64, Failure> {
            let still_here = me.upgrade().is_some();
            assert!(still_here, "alive while its own handler runs");
            Err(f)
        });
        d.errback(Tag("own-weak")).unwrap();
        d.downgrade()
    });
    assert!(weak.upgrade().is_none(), "freed");
    assert_eq!(n, 1, "its failure reported once");
}

/// A weak handle upgrades while anything holds the Deferred, including the
/// Deferred it waits on (whose continuation must run it), and not after.
#[test]
fn a_weak_handle_upgrades_while_the_deferred_it_waits_on_holds_it() {
    let inner = Deferred::<i64>::new();
    let outer = Deferred::<i64>::new();
    let weak = outer.downgrade();
    let i = inner.clone();
    outer.add_callback(move |_| i);
    outer.callback(0).unwrap();
    drop(outer);
    let outer = weak.upgrade().expect("the inner's continuation holds it");
    assert!(format!("{weak:?}").contains("alive: true"));
    inner.callback(7).unwrap();
    assert_eq!(success_result_of(&outer), 7);
    drop(outer);
    drop(inner);
    assert!(weak.upgrade().is_none());
    assert!(format!("{weak:?}").contains("alive: false"));
}

#[test]
fn chain_deferred_feeds_the_other_and_consumes_this_one() {
    let a = Deferred::<i64>::new();
    let b = Deferred::<i64>::new();
    b.add_callback(|v| v + 1);
    a.chain_deferred(&b);
    a.callback(1).unwrap();
    assert_eq!(success_result_of(&b), 2);
    assert_eq!(a.state(), DeferredState::Consumed);
}

#[test]
fn chain_deferred_into_a_fired_deferred_keeps_an_already_called_failure() {
    let a = Deferred::<i64>::new();
    let b = succeed(0i64);
    a.chain_deferred(&b);
    a.callback(1).unwrap();
    assert!(a
        .result()
        .unwrap()
        .unwrap_err()
        .check::<AlreadyCalledError>());
    // Handlers added from now on never run: `a` was handed on.
    a.add_errback(|_| 0);
    assert!(a
        .result()
        .unwrap()
        .unwrap_err()
        .check::<AlreadyCalledError>());
    let ((), _) = with_reports("", || drop(a));
}

#[test]
fn then_changes_the_result_type_and_consumes_the_source() {
    let d = Deferred::<i64>::new();
    let s = d.then(|r| r.map(|v| v.to_string()));
    let n = s.map(|text: String| text.len());
    d.callback(12345).unwrap();
    assert_eq!(success_result_of(&n), 5);
    assert_eq!(d.state(), DeferredState::Consumed);
    assert_eq!(s.state(), DeferredState::Consumed);
}

#[test]
fn map_passes_failures_through_and_may_return_a_deferred() {
    let d = Deferred::<i64>::new();
    let later = Deferred::<String>::new();
    let l = later.clone();
    let s: Deferred<String> = d.map(move |_| l);
    d.callback(1).unwrap();
    assert_eq!(s.state(), DeferredState::Waiting);
    later.callback("done".into()).unwrap();
    assert_eq!(success_result_of(&s), "done");

    let d = Deferred::<i64>::new();
    let s = d.map(|v| v.to_string());
    d.errback(Tag("m")).unwrap();
    assert!(failure_result_of(&s, &[]).check::<Tag>());
    s.add_errback(|_| String::new());
}

#[test]
fn maybe_deferred_covers_every_kind_of_return() {
    assert_eq!(success_result_of(&maybe_deferred::<i64, _, _>(|| 3i64)), 3);
    assert_eq!(
        success_result_of(&maybe_deferred::<i64, _, _>(|| Ok::<i64, Tag>(4))),
        4
    );
    let f = maybe_deferred::<i64, _, _>(|| Err::<i64, _>(Tag("e")));
    assert!(failure_result_of(&f, &[]).check::<Tag>());
    f.add_errback(|_| 0);
    let d = Deferred::<i64>::new();
    assert!(maybe_deferred(|| d.clone()).ptr_eq(&d));
    let p = maybe_deferred(|| -> i64 { panic!("p") });
    assert!(failure_result_of(&p, &[]).check::<PanicError>());
    p.add_errback(|_| 0);
}

#[test]
fn states_are_reported() {
    let d = Deferred::<i64>::new();
    assert_eq!(d.state(), DeferredState::Pending);
    assert!(!d.is_called());
    let me = d.clone();
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    d.add_callback(move |v| {
        *s.lock().unwrap() = Some(me.state());
        v
    });
    d.callback(1).unwrap();
    assert_eq!(*seen.lock().unwrap(), Some(DeferredState::Running));
    assert_eq!(d.state(), DeferredState::Fired);
    assert!(d.is_called());
    assert!(format!("{d:?}").contains("Fired"));
}

/// `take_result` (trial's `successResultOf` and kin) on a Deferred whose
/// handler is running takes nothing and says `Running`, as `state` does;
/// unfired, it says `Pending` (issue 21: its guard `!state.called()` →
/// `true` said `Pending` for both, and passed the library's other unit
/// tests).
#[test]
fn take_result_tells_a_running_chain_from_an_unfired_one() {
    let d = Deferred::<i64>::new();
    assert!(matches!(d.take_result(false), Err(DeferredState::Pending)));
    let me = d.clone();
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    d.add_callback(move |v| {
        *s.lock().unwrap() = Some(me.take_result(false).map(|_| ()));
        v
    });
    d.callback(1).unwrap();
    assert!(matches!(
        *seen.lock().unwrap(),
        Some(Err(DeferredState::Running))
    ));
    assert_eq!(success_result_of(&d), 1);
}

/// Between `chain_deferred`'s fire of its target and the target's loop
/// (the caller's loop runs it next), the target holds its result with its
/// handlers about to run: `Running`, not `Fired`. Its canceller is dropped
/// there, so a destructor in it can look (issue 21: `state`'s guard
/// `state.running` → `false` passed the library's other unit tests).
#[test]
fn a_chained_target_whose_handlers_are_about_to_run_is_running() {
    /// Records, when dropped, the state of the Deferred its slot names.
    struct Look {
        target: Arc<Mutex<Option<crate::WeakDeferred<u32>>>>,
        seen: Arc<Mutex<Vec<DeferredState>>>,
    }
    impl Drop for Look {
        fn drop(&mut self) {
            let target = self.target.lock().unwrap().take();
            if let Some(target) = target.and_then(|weak| weak.upgrade()) {
                self.seen.lock().unwrap().push(target.state());
            }
        }
    }
    let (slot, seen) = (Arc::new(Mutex::new(None)), Arc::new(Mutex::new(Vec::new())));
    let look = Look {
        target: Arc::clone(&slot),
        seen: Arc::clone(&seen),
    };
    let target = Deferred::<u32>::with_canceller(move |_| drop(look));
    *slot.lock().unwrap() = Some(target.downgrade());
    target.add_callback(|v| v + 1);
    let source = Deferred::<u32>::new();
    source.chain_deferred(&target);
    source.callback(1).unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![DeferredState::Running]);
    assert_eq!(success_result_of(&target), 2);
}

/// Runs its closure when dropped: a canceller capturing one runs it where
/// the engine drops the canceller, once the Deferred is fired.
struct OnDrop(Option<Box<dyn FnOnce() + Send>>);
impl Drop for OnDrop {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// `chain_deferred`'s target, fired by the hand-over with `queued` handlers
/// (none or one) queued; its canceller's drop looks at its state and adds a
/// handler to it. The log says in which order things happened.
fn chain_to_a_target_whose_canceller_adds_a_handler(queued: usize) -> Vec<String> {
    let log = Log::default();
    let slot: Arc<Mutex<Option<crate::WeakDeferred<u32>>>> = Arc::new(Mutex::new(None));
    let (l, s) = (log.clone(), Arc::clone(&slot));
    let look = OnDrop(Some(Box::new(move || {
        let target = s.lock().unwrap().take().and_then(|weak| weak.upgrade());
        let Some(target) = target else { return };
        l.push(format!("{:?}", target.state()));
        let l2 = l.clone();
        target.add_callback(move |v| {
            l2.push(format!("added in the drop got {v}"));
            v
        });
        l.push("drop ends");
    })));
    let target = Deferred::<u32>::with_canceller(move |_| drop(look));
    *slot.lock().unwrap() = Some(target.downgrade());
    for _ in 0..queued {
        let l = log.clone();
        target.add_callback(move |v| {
            l.push(format!("queued got {v}"));
            v + 1
        });
    }
    let source = Deferred::<u32>::new();
    source.chain_deferred(&target);
    source.callback(1).unwrap();
    assert_eq!(success_result_of(&target), 1 + queued as u32);
    log.take()
}

/// A target `chain_deferred` fires with nothing queued is fired and idle
/// as soon as its result is in: not claimed for the caller's loop, so a
/// handler added then (here by its canceller's drop) runs at once, as on
/// any fired Deferred (issue 21: `can_start`'s first `&&` → `||`, which
/// claimed a loop with nothing to run, said `Running` and ran it later).
#[test]
fn a_chained_target_with_nothing_queued_is_fired_and_runs_an_added_handler_at_once() {
    assert_eq!(
        chain_to_a_target_whose_canceller_adds_a_handler(0),
        ["Fired", "added in the drop got 1", "drop ends"]
    );
}

/// A target `chain_deferred` fires with handlers queued is claimed for the
/// caller's loop: a handler added before that loop runs it (here by the
/// canceller's drop) is queued behind them, and nobody else runs the chain
/// meanwhile (issue 21: `can_start`'s `&& !state.running` → `||`, which let
/// the add claim a chain already claimed, and ran it inside the drop).
#[test]
fn a_handler_added_to_a_chained_target_before_its_loop_runs_is_queued() {
    assert_eq!(
        chain_to_a_target_whose_canceller_adds_a_handler(1),
        [
            "Running",
            "drop ends",
            "queued got 1",
            "added in the drop got 2"
        ]
    );
}

/// A `chain_deferred` target claimed for the caller's loop holds its
/// result with its handlers still to run: a handler that returns it (here
/// one of another Deferred, added by the target's canceller's drop, which
/// runs there) waits for those handlers, and gets what they make (issue 21:
/// `take_for_waiter`'s `!self.called() || self.running` → `&&` took the
/// result before them, and the target's loop then found none).
#[test]
fn a_handler_returning_a_chained_target_before_its_loop_runs_waits_for_its_handlers() {
    let got = Arc::new(Mutex::new(None));
    let slot: Arc<Mutex<Option<crate::WeakDeferred<u32>>>> = Arc::new(Mutex::new(None));
    let (g, s) = (Arc::clone(&got), Arc::clone(&slot));
    let look = OnDrop(Some(Box::new(move || {
        let target = s.lock().unwrap().take().and_then(|weak| weak.upgrade());
        let Some(target) = target else { return };
        let waiter = succeed(0u32);
        waiter.add_callback(move |_| target);
        waiter.add_callback(move |v| {
            *g.lock().unwrap() = Some(v);
            v
        });
    })));
    let target = Deferred::<u32>::with_canceller(move |_| drop(look));
    *slot.lock().unwrap() = Some(target.downgrade());
    target.add_callback(|v| v + 1);
    let source = Deferred::<u32>::new();
    source.chain_deferred(&target);
    source.callback(1).unwrap();
    assert_eq!(*got.lock().unwrap(), Some(2));
    assert_eq!(target.state(), DeferredState::Consumed);
}

/// Debug mode switched on and off again before the fire (`set_debug`)
/// leaves the Deferred unfired and out of debug mode, so that on again it
/// records where it is fired (issue 21: `set_debug`'s `life &= !DEBUG` →
/// `|=` set every other bit of `life`, `FIRED` among them: the Deferred
/// read as fired, and kept its debug bit).
#[test]
fn debug_switched_on_and_off_before_the_fire_leaves_a_deferred_unfired() {
    let d = Deferred::<u8>::new();
    d.set_debug(true);
    d.set_debug(false);
    assert_eq!(d.state(), DeferredState::Pending);
    assert_eq!(d.first_fired_at(), None);
    d.set_debug(true);
    d.callback(1).unwrap();
    assert!(d.first_fired_at().is_some());
    assert_eq!(success_result_of(&d), 1);
}

/// Runs `f` on a thread with a 256 KiB stack: deep chains must not recurse.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

/// The result size the docs promise works on a default 2 MiB thread, in a
/// debug build (semantics §7, "Large results").
const LARGE_RESULT: usize = 16 * 1024;

/// Issue 13 item 7: a result moves by value through the chain, and in a
/// debug build each move is a stack copy, so one handler on a
/// `Deferred<[u8; 65536]>` overflowed a 2 MiB thread. Results up to
/// [`LARGE_RESULT`] bytes go through every kind of step (callbacks,
/// errbacks, `add_both`, waiting on another Deferred, pause, `map`, a
/// failure recovered) on a thread of that size; anything larger should be
/// boxed, as the docs say.
#[test]
fn results_up_to_the_promised_size_run_on_a_default_thread_stack() {
    type Big = [u8; LARGE_RESULT];
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let d = Deferred::<Big>::new();
            d.add_callback(|mut a: Big| {
                a[0] = 1;
                a
            })
            .add_errback(|_f: Failure| [0u8; LARGE_RESULT])
            .add_both(|r: Result<Big, Failure>| r);
            let inner = Deferred::<Big>::new();
            let i = inner.clone();
            d.add_callback(move |_a| i);
            d.callback([0u8; LARGE_RESULT]).unwrap();
            inner.callback([2u8; LARGE_RESULT]).unwrap();
            d.add_callback(|mut a: Big| {
                a[1] = 3;
                a
            });
            let sum: Deferred<u32> = d.map(|a: Big| u32::from(a[0]) + u32::from(a[1]));
            assert_eq!(success_result_of(&sum), 5);
            let p = Deferred::<Big>::new();
            p.pause();
            p.callback([4u8; LARGE_RESULT]).unwrap();
            p.add_callback(|a: Big| a);
            p.unpause().unwrap();
            assert_eq!(success_result_of(&p)[LARGE_RESULT - 1], 4);
            let f = fail::<Big>(Tag("large"));
            f.add_errback(|_f: Failure| [5u8; LARGE_RESULT]);
            assert_eq!(success_result_of(&f)[0], 5);
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
}

const DEEP: usize = 1_000_000;

#[test]
fn a_million_handlers_on_one_deferred_run_and_drop_on_a_small_stack() {
    on_small_stack(|| {
        let d = Deferred::<u64>::new();
        for _ in 0..DEEP {
            d.add_callback(|v| v + 1);
        }
        d.callback(0).unwrap();
        assert_eq!(success_result_of(&d), DEEP as u64);
        let unfired = Deferred::<u64>::new();
        for _ in 0..DEEP {
            unfired.add_callback(|v| v + 1);
        }
        drop(unfired);
    });
}

#[test]
fn a_million_deferreds_chained_already_fired_run_on_a_small_stack() {
    on_small_stack(|| {
        let mut d = succeed(0u64);
        for _ in 0..DEEP {
            let next = Deferred::new();
            let prev = d;
            next.add_callback(move |_| prev);
            next.add_callback(|v: u64| v + 1);
            next.callback(0).unwrap();
            d = next;
        }
        assert_eq!(success_result_of(&d), DEEP as u64);
    });
}

#[test]
fn a_million_deferreds_chained_fired_later_run_and_drop_on_a_small_stack() {
    on_small_stack(|| {
        // ds[i]'s handler returns ds[i + 1]: each waits on the next.
        let ds: Vec<Deferred<u64>> = (0..=DEEP).map(|_| Deferred::new()).collect();
        for i in 0..DEEP {
            let next = ds[i + 1].clone();
            ds[i].add_callback(move |_| next).add_callback(|v| v + 1);
        }
        for d in &ds[..DEEP] {
            d.callback(0).unwrap();
        }
        assert_eq!(ds[0].state(), DeferredState::Waiting);
        ds[DEEP].callback(0).unwrap();
        assert_eq!(success_result_of(&ds[0]), DEEP as u64);

        // And a long line of waiting Deferreds, dropped unfired, last one first.
        let ds: Vec<Deferred<u64>> = (0..=DEEP).map(|_| Deferred::new()).collect();
        for i in 0..DEEP {
            let next = ds[i + 1].clone();
            ds[i].add_callback(move |_| next);
        }
        for d in &ds[..DEEP] {
            d.callback(0).unwrap();
        }
        // cancel of the head walks the line without recursion.
        ds[0].cancel();
        assert!(failure_result_of(&ds[0], &[]).check::<CancelledError>());
        let mut ds = ds;
        ds[0].add_errback(|_| 0);
        while let Some(d) = ds.pop() {
            drop(d);
        }
    });
}

/// A line of unfired Deferreds without cancellers, each reachable only
/// through the handler queued on the one before it, dropped from its head:
/// the plain case of `Inner::drop` (no failure, no debug record, no
/// canceller, handlers queued) must still go through the drop queue. Three
/// mutants (issue 21: in `Inner::drop`'s test, `|| canceller` → `&&
/// canceller` and `!handlers.is_empty()` → `handlers.is_empty()`; in
/// `drop_slow`'s early return, `&&` → `||`) dropped the handlers in place
/// and recursed a million frames deep, yet passed the library's other unit
/// tests: their deep lines have a canceller, a failure, or a vector of
/// handles keeping each Deferred alive.
#[test]
fn a_million_unfired_deferreds_each_held_by_the_last_ones_handler_drop_on_a_small_stack() {
    on_small_stack(|| {
        let head = Deferred::<u64>::new();
        let mut last = head.clone();
        for _ in 0..DEEP {
            let next = Deferred::<u64>::new();
            let held = next.clone();
            last.add_callback(move |_| held);
            last = next;
        }
        drop(last);
        drop(head);
    });
}

#[test]
fn a_million_then_links_run_and_drop_on_a_small_stack() {
    on_small_stack(|| {
        let head = Deferred::<u64>::new();
        let mut tail = head.map(|v| v + 1);
        for _ in 1..DEEP {
            tail = tail.map(|v| v + 1);
        }
        head.callback(0).unwrap();
        assert_eq!(success_result_of(&tail), DEEP as u64);
        let head = Deferred::<u64>::new();
        let mut tail = head.map(|v| v + 1);
        for _ in 1..DEEP {
            tail = tail.map(|v| v + 1);
        }
        drop(tail);
        drop(head);
    });
}

#[test]
fn firing_on_one_thread_while_another_adds_runs_every_handler_once_in_order() {
    for _ in 0..200 {
        let d = Deferred::<Vec<u32>>::new();
        let adder = d.clone();
        let t = std::thread::spawn(move || {
            for i in 0..100u32 {
                adder.add_callback(move |mut v: Vec<u32>| {
                    v.push(i);
                    v
                });
            }
        });
        d.callback(Vec::new()).unwrap();
        t.join().unwrap();
        let got = d.result().unwrap().unwrap();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    }
}

#[test]
fn two_threads_firing_at_once_exactly_one_wins() {
    for _ in 0..200 {
        let d = Deferred::<u32>::new();
        let runs = Arc::new(Mutex::new(0));
        let r = runs.clone();
        d.add_callback(move |v| {
            *r.lock().unwrap() += 1;
            v
        });
        let (a, b) = (d.clone(), d.clone());
        let ta = std::thread::spawn(move || a.callback(1).is_ok());
        let tb = std::thread::spawn(move || b.callback(2).is_ok());
        let wins = [ta.join().unwrap(), tb.join().unwrap()];
        assert_eq!(wins.iter().filter(|w| **w).count(), 1);
        assert_eq!(*runs.lock().unwrap(), 1);
        let v = d.result().unwrap().unwrap();
        assert_eq!(v, if wins[0] { 1 } else { 2 });
    }
}

#[test]
fn send_and_sync_hold_for_send_values() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Deferred<i64>>();
    assert_send_sync::<Deferred<Vec<String>>>();
    assert_send_sync::<Failure>();
    assert_send_sync::<AlreadyCalledError>();
    assert_send_sync::<CancelledError>();
    assert_send_sync::<NotPausedError>();
    assert_send_sync::<AlreadyChainedError>();
    assert_send_sync::<PanicError>();
    assert_send_sync::<DeferredState>();
}

#[test]
fn cancelling_a_then_deferred_cancels_its_source() {
    let src = Deferred::<i64>::new();
    let derived: Deferred<String> = src.then(|r| match r {
        Ok(v) => Ok(v.to_string()),
        Err(f) => Err(f),
    });
    derived.cancel();
    assert!(failure_result_of(&derived, &[]).check::<CancelledError>());
    assert_eq!(src.state(), DeferredState::Consumed);
    derived.add_errback(|_| String::new());
    // The late fire of the source is the one Twisted ignores.
    assert_eq!(src.callback(1), Ok(()));
}

#[test]
fn cancel_reaches_an_inner_deferred_that_only_the_chain_holds() {
    // As in Twisted, where the outer's `result` is the inner Deferred.
    let outer = Deferred::<i64>::new();
    outer.add_callback(|_| Deferred::<i64>::new());
    outer.callback(1).unwrap();
    assert_eq!(outer.state(), DeferredState::Waiting);
    outer.cancel();
    assert!(failure_result_of(&outer, &[]).check::<CancelledError>());
    outer.add_errback(|_| 0);
}

#[test]
fn cancel_of_a_ring_of_waiting_deferreds_returns_and_changes_nothing() {
    let (a, b) = (Deferred::<i64>::new(), Deferred::<i64>::new());
    let a2 = a.clone();
    b.add_callback(move |_| a2);
    a.callback(5).unwrap(); // a has no handler yet: holds 5
    let b2 = b.clone();
    a.add_callback(move |_| b2); // a waits on b
    b.callback(7).unwrap(); // b's handler returns a, which waits: b waits on a
    assert_eq!(a.state(), DeferredState::Waiting);
    assert_eq!(b.state(), DeferredState::Waiting);
    a.cancel();
    b.cancel();
    assert_eq!(a.state(), DeferredState::Waiting);
    assert_eq!(b.state(), DeferredState::Waiting);
}

#[test]
fn a_dropped_waiting_pair_is_freed_and_the_inner_failure_reported() {
    let ((), n) = with_reports("pair-leak", || {
        let (outer, inner) = (Deferred::<i64>::new(), Deferred::<i64>::new());
        inner.pause();
        inner.errback(Tag("pair-leak")).unwrap();
        let i = inner.clone();
        outer.add_callback(move |_| i);
        outer.callback(0).unwrap();
        assert_eq!(outer.state(), DeferredState::Waiting);
        drop(outer);
        drop(inner);
    });
    assert_eq!(n, 1);
}

/// An `Outcome` prints as the variant it is, with what it holds.
#[test]
fn an_outcome_debug_prints_its_variant_and_contents() {
    assert_eq!(format!("{:?}", Outcome::Value(3_u8)), "Value(3)");
    let failed = format!("{:?}", Outcome::<u8>::Failure(Failure::new(Tag("neg"))));
    assert!(
        failed.starts_with("Failure(") && failed.contains("neg"),
        "{failed}"
    );
    let waiting = format!("{:?}", Outcome::Deferred(Deferred::<u8>::new()));
    assert!(waiting.starts_with("Deferred("), "{waiting}");
}

/// `ptr_eq` says whether two handles are one Deferred: a clone is, another
/// Deferred is not, even one in the same state with the same result.
#[test]
fn ptr_eq_tells_a_clone_from_another_deferred() {
    let d = succeed(1_u8);
    let twin = succeed(1_u8);
    assert!(d.ptr_eq(&d.clone()));
    assert!(!d.ptr_eq(&twin));
    assert!(!twin.ptr_eq(&d));
}
