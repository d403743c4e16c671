//! Models 1 to 6 and 10 (`then`; the combinators' are in `combinators.rs`):
//! one Deferred, or a chained pair, driven from several threads. Each is
//! checked exhaustively: every interleaving, no preemption bound.

use deferred::{Deferred, DeferredState};
use loom::thread;

use crate::support::{exhaustive, result_of, Boom, Call, Log};
use deferred::testing::LoggedFailures;

/// Checks that the calls form one fold: each handler ran once, in the order
/// given, each getting what the one before returned, and the Deferred holds
/// what the last one returned.
fn assert_fold(log: &Log, order: &[usize], d: &Deferred<i64>) {
    let calls = log.calls();
    let ran: Vec<usize> = calls.iter().map(|c| c.handler).collect();
    assert_eq!(
        ran, order,
        "handlers ran out of order or not exactly once: {calls:?}"
    );
    for pair in calls.windows(2) {
        assert_eq!(
            pair[0].output, pair[1].input,
            "a handler did not get its predecessor's result: {calls:?}"
        );
    }
    assert_eq!(result_of(d), calls.last().map(|c| c.output));
}

/// Model 1: thread A fires while thread B adds two handlers (a third was
/// added before the race). Whichever way they interleave (B's adds before
/// the fire, between the handlers, or after), every handler runs exactly
/// once, in the order added, and the result is their fold.
#[test]
fn handlers_added_while_another_thread_fires_run_once_in_order() {
    exhaustive(|| {
        let d = Deferred::<i64>::new();
        let log = Log::new();
        d.add_callback(log.callback(0, |v| v + 1));

        let adder = {
            let (d, log) = (d.clone(), log.clone());
            thread::spawn(move || {
                d.add_callback(log.callback(1, |v| v * 10));
                d.add_callback(log.callback(2, |v| v - 3));
            })
        };
        let firer = {
            let d = d.clone();
            thread::spawn(move || d.callback(1))
        };
        adder.join().unwrap();
        firer.join().unwrap().expect("the only fire must succeed");

        assert_fold(&log, &[0, 1, 2], &d);
        assert_eq!(result_of(&d), Some(Ok(17)));
        assert_eq!(d.state(), DeferredState::Fired);
    });
}

/// Model 1b: a handler running on the firing thread adds a handler to its
/// own Deferred while another thread adds one too. Both run exactly once,
/// after the handler that is running, in one fold (their relative order is
/// the order of the two adds, which the race decides).
#[test]
fn reentrant_add_and_foreign_add_both_run_once() {
    exhaustive(|| {
        let d = Deferred::<i64>::new();
        let log = Log::new();
        {
            let (inner_d, inner_log) = (d.clone(), log.clone());
            let log0 = log.clone();
            d.add_callback(move |v: i64| {
                inner_d.add_callback(inner_log.callback(1, |v| v * 2));
                log0.push(Call {
                    handler: 0,
                    input: Ok(v),
                    output: Ok(v + 1),
                });
                v + 1
            });
        }
        let adder = {
            let (d, log) = (d.clone(), log.clone());
            thread::spawn(move || {
                d.add_callback(log.callback(2, |v| v + 100));
            })
        };
        d.callback(1).unwrap();
        adder.join().unwrap();

        let order: Vec<usize> = log.calls().iter().map(|c| c.handler).collect();
        assert!(
            order == [0, 1, 2] || order == [0, 2, 1],
            "bad order {order:?}"
        );
        assert_fold(&log, &order, &d);
    });
}

/// Model 2: two threads fire at once. Exactly one wins; the other gets
/// `AlreadyCalledError` and changes nothing; the handler runs once, with
/// the winner's value.
#[test]
fn two_threads_fire_exactly_one_wins() {
    exhaustive(|| {
        let d = Deferred::<i64>::new();
        let log = Log::new();
        d.add_callback(log.callback(0, |v| v * 2));

        let fire = |value: i64| {
            let d = d.clone();
            thread::spawn(move || d.callback(value).is_ok())
        };
        let a = fire(1);
        let b = fire(2);
        let (a, b) = (a.join().unwrap(), b.join().unwrap());

        assert!(a ^ b, "exactly one fire must win (a: {a}, b: {b})");
        let winner = if a { 1 } else { 2 };
        assert_eq!(log.inputs(), [(0, Ok(winner))]);
        assert_eq!(result_of(&d), Some(Ok(winner * 2)));
        assert!(d.callback(3).is_err(), "a third fire must be refused too");
    });
}

/// Model 2b: a callback and an errback race. The loser is refused and the
/// handler sees only the winner's side.
#[test]
fn callback_and_errback_race_exactly_one_wins() {
    exhaustive(|| {
        let d = Deferred::<i64>::new();
        let log = Log::new();
        d.add_both(log.both(0, |v| v, -1));

        let ok = {
            let d = d.clone();
            thread::spawn(move || d.callback(5).is_ok())
        };
        let err = {
            let d = d.clone();
            thread::spawn(move || d.errback(Boom).is_ok())
        };
        let (ok, err) = (ok.join().unwrap(), err.join().unwrap());

        assert!(ok ^ err, "exactly one fire must win (ok: {ok}, err: {err})");
        if ok {
            assert_eq!(log.inputs(), [(0, Ok(5))]);
            assert_eq!(result_of(&d), Some(Ok(5)));
        } else {
            assert_eq!(log.inputs(), [(0, Err("Boom"))]);
            assert_eq!(result_of(&d), Some(Ok(-1)));
        }
    });
}

/// Model 3: the Deferred is paused; thread A fires it, thread B unpauses.
/// No handler may run before B's unpause (B raises a flag just before it),
/// and after both, each handler has run exactly once.
#[test]
fn fire_on_paused_deferred_runs_nothing_until_unpause() {
    exhaustive(|| {
        let d = Deferred::<i64>::new();
        let log = Log::new();
        let unpausing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        d.add_callback(log.callback(0, |v| v + 1));
        d.add_callback(log.callback(1, |v| v * 3));
        d.pause();

        let firer = {
            let (d, log, unpausing) = (d.clone(), log.clone(), unpausing.clone());
            thread::spawn(move || {
                d.callback(1).unwrap();
                if !log.calls().is_empty() {
                    assert!(
                        unpausing.load(std::sync::atomic::Ordering::SeqCst),
                        "a handler ran while the Deferred was paused"
                    );
                }
            })
        };
        let unpauser = {
            let (d, unpausing) = (d.clone(), unpausing.clone());
            thread::spawn(move || {
                unpausing.store(true, std::sync::atomic::Ordering::SeqCst);
                d.unpause().unwrap();
            })
        };
        firer.join().unwrap();
        unpauser.join().unwrap();

        assert_fold(&log, &[0, 1], &d);
        assert_eq!(result_of(&d), Some(Ok(6)));
        assert_eq!(d.pause_count(), 0);
        assert_eq!(d.state(), DeferredState::Fired);
    });
}

/// Model 3b: thread A pauses, adds a handler and unpauses while thread B
/// fires. The pause may land before, during or after the run of the first
/// handler; in every case each handler runs once, in order, and nothing is
/// left queued behind a pause count of zero.
#[test]
fn pause_and_unpause_racing_a_fire_leave_nothing_behind() {
    exhaustive(|| {
        let d = Deferred::<i64>::new();
        let log = Log::new();
        d.add_callback(log.callback(0, |v| v + 1));

        let pauser = {
            let (d, log) = (d.clone(), log.clone());
            thread::spawn(move || {
                d.pause();
                d.add_callback(log.callback(1, |v| v * 3));
                d.unpause().unwrap();
            })
        };
        let firer = {
            let d = d.clone();
            thread::spawn(move || d.callback(1).unwrap())
        };
        pauser.join().unwrap();
        firer.join().unwrap();

        assert_fold(&log, &[0, 1], &d);
        assert_eq!(result_of(&d), Some(Ok(6)));
        assert_eq!(d.state(), DeferredState::Fired);
    });
}

/// Model 4: `cancel` races a fire on a Deferred without a canceller. If the
/// cancel lands first, the Deferred fails with `Cancelled` and the late fire
/// is ignored silently (Twisted's suppressed AlreadyCalled); if the fire
/// lands first, the cancel does nothing. Either way the fire returns `Ok`,
/// the errback-or-callback runs once, and a second late fire is refused.
#[test]
fn cancel_racing_a_fire_ignores_the_late_fire_once() {
    exhaustive(|| {
        let reports = LoggedFailures::guard();
        let d = Deferred::<i64>::new();
        let log = Log::new();
        d.add_both(log.both(0, |v| v, -1));

        let canceller = {
            let d = d.clone();
            thread::spawn(move || d.cancel())
        };
        let firer = {
            let d = d.clone();
            thread::spawn(move || d.callback(7))
        };
        canceller.join().unwrap();
        assert_eq!(
            firer.join().unwrap(),
            Ok(()),
            "the fire must be accepted or ignored, never refused"
        );

        let calls = log.inputs();
        assert!(
            calls == [(0, Ok(7))] || calls == [(0, Err("Cancelled"))],
            "the handler must run once with the fire's or the cancel's result: {calls:?}"
        );
        assert!(
            d.callback(8).is_err(),
            "a second late fire is AlreadyCalled"
        );
        drop(d);
        assert_eq!(reports.flush_all().len(), 0, "the failure was handled");
    });
}

/// Model 4b: with a canceller, `cancel` racing a fire calls the canceller
/// at most once and only if the cancel came first; the canceller's own
/// fire and the racing fire cannot both land.
#[test]
fn cancel_with_canceller_racing_a_fire() {
    exhaustive(|| {
        let cancels = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let d = {
            let cancels = cancels.clone();
            Deferred::<i64>::with_canceller(move |d| {
                cancels.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                // The operation stops with a result of its own; the race may
                // have fired the Deferred already, which is refused.
                let _ = d.callback(-5);
            })
        };
        let canceller = {
            let d = d.clone();
            thread::spawn(move || d.cancel())
        };
        let firer = {
            let d = d.clone();
            thread::spawn(move || d.callback(7).is_ok())
        };
        canceller.join().unwrap();
        let fired = firer.join().unwrap();

        let cancels = cancels.load(std::sync::atomic::Ordering::SeqCst);
        assert!(cancels <= 1);
        match result_of(&d) {
            Some(Ok(7)) => assert!(fired),
            Some(Ok(-5)) => {
                assert_eq!(cancels, 1);
                assert!(
                    !fired,
                    "the canceller fired first: the late fire must be refused"
                );
            }
            other => panic!("unexpected result {other:?}"),
        }
    });
}

/// Model 5: chaining across threads. Thread B fires the outer Deferred,
/// whose first handler returns the inner one; thread A fires the inner one.
/// Whether the inner result is there when the handler returns it or arrives
/// later, the outer chain goes on exactly once with it, and the inner
/// Deferred ends consumed.
#[test]
fn inner_fired_on_one_thread_while_handler_on_another_returns_it() {
    exhaustive(|| {
        let outer = Deferred::<i64>::new();
        let inner = Deferred::<i64>::new();
        let log = Log::new();
        inner.add_callback(log.callback(10, |v| v + 100));
        {
            let inner = inner.clone();
            let log = log.clone();
            outer.add_callback(move |v: i64| {
                log.push(Call {
                    handler: 0,
                    input: Ok(v),
                    output: Ok(v),
                });
                inner
            });
        }
        outer.add_callback(log.callback(1, |v| v + 1));

        let a = {
            let inner = inner.clone();
            thread::spawn(move || inner.callback(10).unwrap())
        };
        let b = {
            let outer = outer.clone();
            thread::spawn(move || outer.callback(1).unwrap())
        };
        a.join().unwrap();
        b.join().unwrap();

        let mut calls = log.inputs();
        // The inner handler and the outer's first one race; the outer's
        // second handler always comes last, with the inner's result.
        assert_eq!(calls.pop(), Some((1, Ok(110))), "{:?}", log.calls());
        calls.sort();
        assert_eq!(calls, [(0, Ok(1)), (10, Ok(10))]);
        assert_eq!(result_of(&outer), Some(Ok(111)));
        assert_eq!(outer.state(), DeferredState::Fired);
        assert_eq!(inner.state(), DeferredState::Consumed);
    });
}

/// Model 5b: cancelling the outer Deferred from another thread while it
/// waits on the inner one cancels the inner one, exactly once, and the
/// outer goes on with `Cancelled` (or with the inner's value, when the
/// inner's fire wins the race).
#[test]
fn cancel_of_waiting_outer_reaches_inner_across_threads() {
    exhaustive(|| {
        let reports = LoggedFailures::guard();
        let outer = Deferred::<i64>::new();
        let inner = Deferred::<i64>::new();
        let log = Log::new();
        {
            let inner = inner.clone();
            outer.add_callback(move |_: i64| inner);
        }
        outer.add_both(log.both(1, |v| v, -1));
        outer.callback(0).unwrap();
        assert_eq!(outer.state(), DeferredState::Waiting);

        let canceller = {
            let outer = outer.clone();
            thread::spawn(move || outer.cancel())
        };
        let firer = {
            let inner = inner.clone();
            thread::spawn(move || inner.callback(10))
        };
        canceller.join().unwrap();
        assert_eq!(
            firer.join().unwrap(),
            Ok(()),
            "late fire after cancel is ignored, not refused"
        );

        let calls = log.inputs();
        assert!(
            calls == [(1, Ok(10))] || calls == [(1, Err("Cancelled"))],
            "the outer's handler must run once: {calls:?}"
        );
        assert_eq!(result_of(&outer).map(|r| r.is_ok()), Some(true));
        assert_eq!(inner.state(), DeferredState::Consumed);
        drop((outer, inner));
        assert_eq!(reports.flush_all().len(), 0);
    });
}

/// Model 5c: a handler added on one thread to a chain whose loop another
/// thread owns is queued for that loop, even at the moment the chain holds
/// its result with nothing queued and the loop is out of the lock (note 2 of
/// `src/deferred/engine.rs`; semantics, "Threads": adders queue behind the
/// running loop). Two such windows: `then`'s hand-over fires the derived
/// Deferred and leaves it, claimed, for the firing thread's loop to resume
/// (thread A fires the source, B adds to the derived one); and `wait_on`,
/// where a continuation run on another thread stores the result while the
/// waiter's loop is between its locks (A fires the outer Deferred, whose
/// handler returns the inner one; C fires the inner one; B adds to the
/// outer). Each handler runs once, in order, with its predecessor's result.
/// An adder that took the result there (the planted mutant
/// `engine_add_beside_runner`, cargo-mutants' "delete !" of `!claimed` in
/// `add_to_fired`) runs its handler beside the loop, which then finds the
/// slot empty: the runner's check ("runner found no result", asserted in
/// loom builds too) fails the model; in release nothing else shows it. Both
/// threads are seen running the added handler (it runs on the adder when
/// the chain is idle by then).
#[test]
fn a_handler_added_while_another_thread_owns_the_loop_is_queued_for_it() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new([false; 2]));
    let record = {
        let seen = seen.clone();
        move |adder: loom::thread::ThreadId| {
            let on_adder = loom::thread::current().id() == adder;
            seen.lock().unwrap()[usize::from(on_adder)] = true;
        }
    };
    let then_record = record.clone();
    exhaustive(move || {
        let source = Deferred::<i64>::new();
        let log = Log::new();
        let derived = {
            let log = log.clone();
            source.then(move |r: Result<i64, deferred::Failure>| {
                let v = r.expect("the source fires with a value");
                log.push(Call {
                    handler: 0,
                    input: Ok(v),
                    output: Ok(v + 1),
                });
                Ok::<i64, deferred::Failure>(v + 1)
            })
        };
        let adder = {
            let (derived, log, record) = (derived.clone(), log.clone(), then_record.clone());
            thread::spawn(move || {
                let me = loom::thread::current().id();
                derived.add_callback(log.callback(1, move |v| {
                    record(me);
                    v * 10
                }));
            })
        };
        source.callback(1).unwrap();
        adder.join().unwrap();
        assert_fold(&log, &[0, 1], &derived);
        assert_eq!(result_of(&derived), Some(Ok(20)));
        assert_eq!(derived.state(), DeferredState::Fired);
        assert_eq!(source.state(), DeferredState::Consumed);
    });
    assert_eq!(*seen.lock().unwrap(), [true; 2], "then: both runners seen");
    *seen.lock().unwrap() = [false; 2];
    exhaustive(move || {
        let outer = Deferred::<i64>::new();
        let inner = Deferred::<i64>::new();
        let log = Log::new();
        {
            let (inner, log) = (inner.clone(), log.clone());
            outer.add_callback(move |v: i64| {
                log.push(Call {
                    handler: 0,
                    input: Ok(v),
                    output: Ok(v),
                });
                inner
            });
        }
        let firer = {
            let inner = inner.clone();
            thread::spawn(move || inner.callback(10).unwrap())
        };
        let adder = {
            let (outer, log, record) = (outer.clone(), log.clone(), record.clone());
            thread::spawn(move || {
                let me = loom::thread::current().id();
                outer.add_callback(log.callback(1, move |v| {
                    record(me);
                    v + 1
                }));
            })
        };
        outer.callback(1).unwrap();
        firer.join().unwrap();
        adder.join().unwrap();
        assert_eq!(log.inputs(), [(0, Ok(1)), (1, Ok(10))]);
        assert_eq!(result_of(&outer), Some(Ok(11)));
        assert_eq!(outer.state(), DeferredState::Fired);
        assert_eq!(inner.state(), DeferredState::Consumed);
    });
    assert_eq!(
        *seen.lock().unwrap(),
        [true; 2],
        "wait_on: both runners seen"
    );
}

/// Model 6: the last handle is dropped on one thread while another fires
/// the Deferred with a failure and drops its own handle. Whichever thread
/// drops last, the unhandled failure is reported exactly once.
#[test]
fn unhandled_failure_reported_once_whichever_thread_drops_last() {
    exhaustive(|| {
        let reports = LoggedFailures::guard();
        let d = Deferred::<i64>::new();
        let firer = {
            let d = d.clone();
            thread::spawn(move || {
                d.errback(Boom).unwrap();
                drop(d);
            })
        };
        let dropper = thread::spawn(move || drop(d));
        firer.join().unwrap();
        dropper.join().unwrap();
        assert_eq!(
            reports.flush_all().len(),
            1,
            "the failure must be reported exactly once"
        );
    });
}

/// Model 6b: as model 6, but the other thread adds an errback that handles
/// the failure before dropping its handle: nothing is reported, whether the
/// errback was added before or after the fire.
#[test]
fn failure_handled_on_another_thread_is_not_reported() {
    exhaustive(|| {
        let reports = LoggedFailures::guard();
        let d = Deferred::<i64>::new();
        let log = Log::new();
        let firer = {
            let d = d.clone();
            thread::spawn(move || {
                d.errback(Boom).unwrap();
                drop(d);
            })
        };
        let handler = {
            let log = log.clone();
            thread::spawn(move || {
                d.add_both(log.both(0, |v| v, 0));
                drop(d);
            })
        };
        firer.join().unwrap();
        handler.join().unwrap();
        assert_eq!(log.inputs(), [(0, Err("Boom"))]);
        assert_eq!(
            reports.flush_all().len(),
            0,
            "a handled failure must not be reported"
        );
    });
}

/// Model 6c: a paused Deferred holding a failure, dropped on one thread
/// while another pauses it again: reported exactly once (Twisted misses the
/// paused case; we do not).
#[test]
fn paused_unhandled_failure_reported_once() {
    exhaustive(|| {
        let reports = LoggedFailures::guard();
        let d = Deferred::<i64>::new();
        d.pause();
        let firer = {
            let d = d.clone();
            thread::spawn(move || {
                d.errback(Boom).unwrap();
                d.pause();
                drop(d);
            })
        };
        let dropper = thread::spawn(move || drop(d));
        firer.join().unwrap();
        dropper.join().unwrap();
        assert_eq!(reports.flush_all().len(), 1);
    });
}

/// `then` across threads: thread A derives a new Deferred with `then` while
/// thread B fires the source. Whether the source fires before or after the
/// `then`, the derived Deferred gets the mapped result exactly once and the
/// source ends consumed.
#[test]
fn then_on_one_thread_while_another_fires_the_source() {
    exhaustive(|| {
        let source = Deferred::<i64>::new();
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let deriver = {
            let (source, calls) = (source.clone(), calls.clone());
            thread::spawn(move || {
                source.then(move |r: Result<i64, deferred::Failure>| {
                    calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    r.map(|v| v * 2)
                })
            })
        };
        let firer = {
            let source = source.clone();
            thread::spawn(move || source.callback(5).unwrap())
        };
        let derived = deriver.join().unwrap();
        firer.join().unwrap();
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(result_of(&derived), Some(Ok(10)));
        assert_eq!(source.state(), DeferredState::Consumed);
    });
}

/// Counts its drops (a handler's captures): an observation, `std` on purpose.
struct DropCount(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

fn count(counter: &std::sync::Arc<std::sync::atomic::AtomicUsize>) -> usize {
    counter.load(std::sync::atomic::Ordering::SeqCst)
}

/// Model 17, the inline handler storage (`src/deferred/in_place.rs`):
/// thread A adds three handlers, one kept inline (captures of two words),
/// one too large for that (boxed), and one returning an already-fired
/// Deferred (taken without waiting), while thread B fires. Whatever the
/// interleaving, each handler runs exactly once, in order, on whichever
/// thread runs the chain, and each one's captures are dropped exactly once.
/// Then handlers left unrun: two threads each add one (one inline, one
/// boxed) and drop their handle of the unfired Deferred, so that its queue
/// is dropped on either thread: every capture is dropped exactly once, none
/// runs.
#[test]
fn inline_handlers_cross_threads_run_or_drop_once() {
    exhaustive(|| {
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let d = Deferred::<i64>::new();
        let adder = {
            let (d, runs, drops) = (d.clone(), runs.clone(), drops.clone());
            thread::spawn(move || {
                let small = DropCount(drops.clone());
                let ran = runs.clone();
                d.add_callback(move |v| {
                    let _captured = &small;
                    ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    v + 1
                });
                let large = (DropCount(drops), [10i64; 6]);
                let ran = runs.clone();
                d.add_callback(move |v| {
                    assert_eq!(
                        ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
                        1,
                        "in order"
                    );
                    v * large.1[5]
                });
                d.add_callback(move |v| {
                    assert_eq!(runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst), 2);
                    deferred::succeed(v - 3)
                });
            })
        };
        let firer = {
            let d = d.clone();
            thread::spawn(move || d.callback(1))
        };
        adder.join().unwrap();
        firer.join().unwrap().expect("the only fire");
        assert_eq!(result_of(&d), Some(Ok(17)));
        assert_eq!(count(&runs), 3);
        assert_eq!(count(&drops), 2, "each handler's captures dropped once");
    });
    exhaustive(|| {
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let d = Deferred::<i64>::new();
        let other = d.clone();
        let adder = {
            let (runs, drops) = (runs.clone(), drops.clone());
            thread::spawn(move || {
                let large = (DropCount(drops), [0i64; 6]);
                other.add_callback(move |v| {
                    runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    v + large.1[0]
                });
                drop(other);
            })
        };
        let small = DropCount(drops.clone());
        let ran = runs.clone();
        d.add_callback(move |v| {
            let _captured = &small;
            ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            v
        });
        drop(d);
        adder.join().unwrap();
        assert_eq!(count(&runs), 0, "an unfired Deferred runs nothing");
        assert_eq!(count(&drops), 2, "each handler's captures dropped once");
    });
}
