//! Core behaviours found while building the model that disagreed with the
//! spec or with Twisted, pinned as tests. The first two were fixed in the
//! core (the waiting slot holds the inner Deferred strongly; `cancel` stops
//! on a ring); the third, a leak that fix brought, is open.

use std::sync::mpsc;

use deferred::{CancelledError, Deferred, DeferredState, Failure};

/// Runs `f` on another thread and fails (instead of hanging the suite) if it
/// has not finished after a generous while. Not a timing assertion: a correct
/// core finishes in microseconds; the bound only turns a hang into a failure.
fn finishes<F: FnOnce() + Send + 'static>(f: F) -> bool {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    rx.recv_timeout(std::time::Duration::from_secs(30)).is_ok()
}

/// Spec rule 5 ("on a Deferred that is waiting on J, `cancel` cancels J"),
/// followed around a cycle of waiting Deferreds, must stop: `Inner::cancel`
/// follows `Waiting` links with no end and never returns (Twisted recurses
/// until `RecursionError`). Fixture: `cancel_of_a_cycle_of_waiting_deferreds_does_nothing`.
#[test]
fn cancel_of_a_cycle_of_waiting_deferreds_returns() {
    assert!(finishes(|| {
        let (a, b) = (Deferred::<i64>::new(), Deferred::<i64>::new());
        let a2 = a.clone();
        b.add_callback(move |_| a2);
        a.callback(5).unwrap();
        let b2 = b.clone();
        a.add_callback(move |_| b2);
        b.callback(7).unwrap();
        assert_eq!(
            (a.state(), b.state()),
            (DeferredState::Waiting, DeferredState::Waiting)
        );
        a.cancel();
        b.cancel();
    }));
}

/// Rule 5 when the handler's returned Deferred has no other owner: Twisted's
/// outer Deferred holds the inner (`self.result`), so `cancel` reaches it and
/// the outer's errbacks get `CancelledError`. Here the outer keeps only a
/// `Weak` to the inner (`Slot::Waiting`), the inner is dropped as soon as the
/// handler returns it, and `cancel` of the outer does nothing: it waits
/// forever.
#[test]
fn cancel_reaches_an_inner_deferred_that_only_the_chain_holds() {
    let outer = Deferred::<i64>::new();
    outer.add_callback(|_| Deferred::<i64>::new());
    outer.callback(1).unwrap();
    assert_eq!(outer.state(), DeferredState::Waiting);
    outer.add_errback(|f: Failure| {
        if f.check::<CancelledError>() {
            Ok(-1)
        } else {
            Err(f)
        }
    });
    outer.cancel();
    assert_eq!(outer.result().map(|r| r.ok()), Some(Some(-1)));
}

/// Rule 6 for a paused inner Deferred that an outer one waits on: once the
/// last handle to both is gone, the inner's failure must be reported. Since
/// the waiting outer owns the inner strongly (and the inner's continuation
/// owns the outer), the pair is a reference cycle: neither is ever freed,
/// nothing is reported, and the memory leaks. Fixtures:
/// `paused_inner_that_an_outer_waits_on_is_reported_when_dropped_holding_a_failure`,
/// `cancel_reaches_a_paused_pending_inner_which_keeps_the_failure_while_paused`.
#[test]
fn paused_inner_waited_on_is_freed_and_reported_when_both_handles_go() {
    use std::sync::{Arc, Mutex};
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&reports);
    // This binary's only user of the process-wide hook.
    deferred::set_unhandled_failure_hook(move |f| sink.lock().unwrap().push(f.to_string()));
    let (outer, inner) = (Deferred::<i64>::new(), Deferred::<i64>::new());
    inner.pause();
    inner.errback(std::fmt::Error).unwrap();
    let i2 = inner.clone();
    outer.add_callback(move |_| i2);
    outer.callback(0).unwrap();
    assert_eq!(outer.state(), DeferredState::Waiting);
    drop(outer);
    drop(inner);
    assert_eq!(
        reports.lock().unwrap().len(),
        1,
        "the inner's failure was never reported"
    );
}
