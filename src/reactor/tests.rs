//! Unit tests of the reactor: run/stop, calls from threads, timers, shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::timers::Timers;
use super::*;
use crate::threads::defer_to_thread;
use crate::time::DelayedCallError;

/// Runs `reactor` on a new thread; the handle gives `run`'s result back.
fn run_in_background(reactor: &Reactor) -> std::thread::JoinHandle<Result<(), ReactorError>> {
    let r = reactor.clone();
    std::thread::spawn(move || r.run())
}

/// Blocks until the reactor has run a call: it is turning.
fn wait_until_running(reactor: &Reactor) {
    let (tx, rx) = mpsc::channel();
    reactor
        .call_from_thread(move || tx.send(()).unwrap())
        .unwrap();
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the reactor runs");
}

fn stopper(reactor: &Reactor) -> impl FnOnce() + Send + 'static {
    let r = reactor.clone();
    move || r.stop().unwrap()
}

#[test]
fn stop_from_another_thread_ends_run() {
    let reactor = Reactor::new();
    let running = run_in_background(&reactor);
    wait_until_running(&reactor);
    assert!(reactor.is_running());
    reactor.stop().unwrap();
    running.join().unwrap().unwrap();
    assert!(!reactor.is_running());
}

#[test]
fn stop_before_run_or_after_stop_is_not_running() {
    let reactor = Reactor::new();
    assert_eq!(reactor.stop(), Err(ReactorError::NotRunning));
    reactor.call_when_running(stopper(&reactor)).unwrap();
    let r = reactor.clone();
    reactor
        .call_when_running(move || assert_eq!(r.stop(), Err(ReactorError::NotRunning)))
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(reactor.stop(), Err(ReactorError::NotRunning));
}

#[test]
fn run_twice_is_not_restartable_and_nested_run_is_already_running() {
    let reactor = Reactor::new();
    let (tx, rx) = mpsc::channel();
    let r = reactor.clone();
    reactor
        .call_when_running(move || {
            tx.send(r.run()).unwrap();
            r.stop().unwrap();
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(rx.recv().unwrap(), Err(ReactorError::AlreadyRunning));
    assert_eq!(reactor.run(), Err(ReactorError::NotRestartable));
}

#[test]
fn run_from_a_second_thread_while_running_is_already_running() {
    let reactor = Reactor::new();
    let running = run_in_background(&reactor);
    wait_until_running(&reactor);
    assert_eq!(reactor.run(), Err(ReactorError::AlreadyRunning));
    reactor.stop().unwrap();
    running.join().unwrap().unwrap();
}

#[test]
fn calls_made_before_run_run_once_it_starts_after_call_when_running() {
    let reactor = Reactor::new();
    let order = Arc::new(Mutex::new(Vec::new()));
    let o = Arc::clone(&order);
    reactor
        .call_from_thread(move || o.lock().unwrap().push("call"))
        .unwrap();
    let o = Arc::clone(&order);
    reactor
        .call_when_running(move || o.lock().unwrap().push("when running"))
        .unwrap();
    reactor.call_from_thread(stopper(&reactor)).unwrap();
    reactor.run().unwrap();
    assert_eq!(*order.lock().unwrap(), ["when running", "call"]);
}

#[test]
fn call_from_thread_runs_on_the_reactor_thread() {
    let reactor = Reactor::new();
    let (tx, rx) = mpsc::channel();
    let r = reactor.clone();
    let sender = std::thread::spawn(move || {
        r.call_from_thread(move || {
            tx.send(std::thread::current().id()).unwrap();
        })
        .unwrap();
        r.call_from_thread(stopper(&r)).unwrap();
        std::thread::current().id()
    });
    reactor.run().unwrap();
    let sender_id = sender.join().unwrap();
    let ran_on = rx.recv().unwrap();
    assert_eq!(ran_on, std::thread::current().id());
    assert_ne!(ran_on, sender_id);
}

#[test]
fn call_from_thread_is_fifo_per_thread_from_several_threads() {
    const THREADS: usize = 4;
    const CALLS: usize = 2000;
    let reactor = Reactor::new();
    let seen: Arc<Mutex<Vec<Vec<usize>>>> = Arc::new(Mutex::new(vec![Vec::new(); THREADS]));
    let total = Arc::new(AtomicUsize::new(0));
    let running = run_in_background(&reactor);
    let senders: Vec<_> = (0..THREADS)
        .map(|t| {
            let (r, seen, total) = (reactor.clone(), Arc::clone(&seen), Arc::clone(&total));
            std::thread::spawn(move || {
                for i in 0..CALLS {
                    let (seen, total, r2) = (Arc::clone(&seen), Arc::clone(&total), r.clone());
                    r.call_from_thread(move || {
                        seen.lock().unwrap()[t].push(i);
                        if total.fetch_add(1, Ordering::SeqCst) + 1 == THREADS * CALLS {
                            r2.stop().unwrap();
                        }
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    running.join().unwrap().unwrap();
    for per_thread in seen.lock().unwrap().iter() {
        assert_eq!(*per_thread, (0..CALLS).collect::<Vec<_>>());
    }
}

#[test]
fn call_from_thread_after_stop_is_refused_and_dropped() {
    let reactor = Reactor::new();
    reactor.call_when_running(stopper(&reactor)).unwrap();
    reactor.run().unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    let guard = DropCount(Arc::clone(&dropped));
    assert_eq!(
        reactor.call_from_thread(move || drop(guard)),
        Err(ReactorError::Stopped)
    );
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(reactor.call_when_running(|| ()), Err(ReactorError::Stopped));
    assert!(matches!(
        reactor.call_later(Duration::ZERO, || ()),
        Err(ReactorError::Stopped)
    ));
}

/// Counts its drops.
struct DropCount(Arc<AtomicUsize>);
impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn calls_queued_while_stopping_still_run_before_run_returns() {
    let reactor = Reactor::new();
    let ran = Arc::new(AtomicUsize::new(0));
    let (r, ran2) = (reactor.clone(), Arc::clone(&ran));
    reactor
        .call_when_running(move || {
            r.stop().unwrap();
            let ran3 = Arc::clone(&ran2);
            r.call_from_thread(move || {
                ran3.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

/// A call that queues itself again forever (issue 17 item 1): the stop
/// still returns. The copy the drain runs is the last: its own
/// `call_from_thread` gets `ReactorError::Stopped` (and its closure is
/// dropped, not leaked).
#[test]
fn a_call_that_requeues_itself_forever_does_not_keep_the_stop_from_returning() {
    /// Runs, counts, queues itself again; records a refusal.
    fn requeue(r: Reactor, runs: Arc<AtomicUsize>, refused: Arc<Mutex<Option<ReactorError>>>) {
        runs.fetch_add(1, Ordering::SeqCst);
        let (r2, runs2, refused2) = (r.clone(), Arc::clone(&runs), Arc::clone(&refused));
        if let Err(error) = r.call_from_thread(move || requeue(r2, runs2, refused2)) {
            *refused.lock().unwrap() = Some(error);
        }
    }
    let reactor = Reactor::new();
    let runs = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(Mutex::new(None));
    {
        let (r, runs, refused) = (reactor.clone(), Arc::clone(&runs), Arc::clone(&refused));
        reactor
            .call_from_thread(move || requeue(r, runs, refused))
            .unwrap();
    }
    reactor
        .call_later(Duration::from_millis(10), stopper(&reactor))
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let r = reactor.clone();
    let running = std::thread::spawn(move || tx.send(r.run()).unwrap());
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(60)),
        Ok(Ok(())),
        "run must return while a call re-queues itself"
    );
    running.join().unwrap();
    assert_eq!(*refused.lock().unwrap(), Some(ReactorError::Stopped));
    let after = runs.load(Ordering::SeqCst);
    assert!(after >= 2);
    std::thread::sleep(Duration::from_millis(10));
    assert_eq!(runs.load(Ordering::SeqCst), after);
    // Nothing holds the reactor any more: no call is left queued.
    assert_eq!(Arc::strong_count(&reactor.inner), 1);
}

/// A call made while the reactor stops, from the reactor thread or from a
/// worker whose job the stop waits for, still runs; a call made by a call
/// the final drain runs is refused.
#[test]
fn calls_made_by_the_final_drain_are_refused() {
    let reactor = Reactor::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (r, seen2) = (reactor.clone(), Arc::clone(&seen));
    reactor
        .call_when_running(move || {
            r.stop().unwrap();
            let (r2, seen3) = (r.clone(), Arc::clone(&seen2));
            r.thread_pool()
                .call_in_thread(move || {
                    let (r3, seen4) = (r2.clone(), Arc::clone(&seen3));
                    r2.call_from_thread(move || {
                        seen4.lock().unwrap().push("from the worker");
                        let seen5 = Arc::clone(&seen4);
                        let again = r3.call_from_thread(move || {
                            seen5.lock().unwrap().push("from the drain");
                        });
                        assert_eq!(again, Err(ReactorError::Stopped));
                        assert!(matches!(
                            r3.call_later(Duration::ZERO, || ()),
                            Err(ReactorError::Stopped)
                        ));
                    })
                    .unwrap();
                })
                .unwrap();
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(*seen.lock().unwrap(), ["from the worker"]);
}

/// Issue 17 item 4, Twisted's `testCallBeforeStartupUnexecuted`: a reactor
/// dropped (its last handle) before it ever ran runs nothing it was handed
/// (a pool job, a call, a timer, a `call_when_running` call, a
/// `defer_to_thread` job), drops each closure once, and is freed: no queued
/// job keeps it alive (a `defer_to_thread` job held the reactor, which held
/// the pool that held the job: the reactor, its pool, its timers and the
/// closure leaked, and the Deferred never fired). The `defer_to_thread`
/// Deferred fails with `PoolStoppedError`.
#[test]
fn a_reactor_dropped_before_it_ran_runs_nothing_and_frees_everything() {
    let reactor = Reactor::new();
    let ran = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let job = || {
        let (ran, guard) = (Arc::clone(&ran), DropCount(Arc::clone(&dropped)));
        move || {
            let _guard = guard;
            ran.fetch_add(1, Ordering::SeqCst);
        }
    };
    reactor.thread_pool().call_in_thread(job()).unwrap();
    reactor.call_from_thread(job()).unwrap();
    reactor.call_later(Duration::ZERO, job()).unwrap();
    reactor.call_when_running(job()).unwrap();
    let d: Deferred<usize> = defer_to_thread(&reactor, {
        let job = job();
        move || {
            job();
            7
        }
    });
    let freed = Arc::downgrade(&reactor.inner);
    drop(reactor);
    assert!(freed.upgrade().is_none(), "the reactor leaked");
    assert_eq!(ran.load(Ordering::SeqCst), 0, "nothing ran");
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        5,
        "each closure dropped once"
    );
    let failure = d.result().expect("fired").unwrap_err();
    assert!(failure.check::<crate::PoolStoppedError>(), "{failure:?}");
}

/// A reactor dropped unrun whose pool is the user's, started: the job runs
/// (the pool is the user's, and started) and its result, queued for a
/// reactor thread that will never be, fires the Deferred when the reactor
/// is dropped, rather than never; the reactor is freed.
#[test]
fn a_result_queued_on_a_reactor_dropped_unrun_still_fires_its_deferred() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let reactor = Reactor::with_thread_pool(pool);
    let d: Deferred<u32> = defer_to_thread(&reactor, || 5);
    // The result crosses back as a call, which the unrun reactor keeps.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while pending(reactor.inner.inbound.load(Ordering::Acquire)) == 0 {
        assert!(std::time::Instant::now() < deadline, "the job never ran");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(d.result().is_none());
    let freed = Arc::downgrade(&reactor.inner);
    drop(reactor);
    assert!(freed.upgrade().is_none(), "the reactor leaked");
    assert_eq!(d.result().expect("fired").unwrap(), 5);
}

/// Issue 17 item 5: timers are discarded as the stop begins. From the
/// moment `stop` returns (here inside a call on the reactor thread, while
/// the reactor is stopping, then after `run`), a pending timer (one of
/// `Duration::MAX` among them) is no longer active, `reset`, `delay` and
/// `cancel` answer `Discarded`, its closure was dropped unrun, and
/// `call_later` answers `Stopped`. (Before, `reset`/`delay` answered `Ok`
/// and `is_active` stayed true while the reactor stopped, though the timer
/// was discarded moments later.)
#[test]
fn timers_are_discarded_as_the_stop_begins() {
    let reactor = Reactor::new();
    let ran = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let timer = |delay| {
        let (ran, guard) = (Arc::clone(&ran), DropCount(Arc::clone(&dropped)));
        reactor
            .call_later(delay, move || {
                let _guard = guard;
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap()
    };
    let calls = [timer(Duration::from_secs(600)), timer(Duration::MAX)];
    let check = |calls: &[DelayedCall]| {
        for call in calls {
            assert!(!call.is_active());
            assert_eq!(
                call.reset(Duration::from_secs(1)),
                Err(DelayedCallError::Discarded)
            );
            assert_eq!(
                call.delay(Duration::from_secs(1)),
                Err(DelayedCallError::Discarded)
            );
            assert_eq!(call.cancel(), Err(DelayedCallError::Discarded));
        }
    };
    let (r, seen, dropped2, calls2) = (
        reactor.clone(),
        Arc::new(AtomicUsize::new(0)),
        Arc::clone(&dropped),
        calls.clone(),
    );
    let checked = Arc::clone(&seen);
    reactor
        .call_when_running(move || {
            assert!(calls2.iter().all(DelayedCall::is_active));
            r.stop().unwrap();
            check(&calls2);
            // Dropped at the end of the shutdown, once calls are refused.
            assert_eq!(dropped2.load(Ordering::SeqCst), 0);
            assert!(matches!(
                r.call_later(Duration::ZERO, || ()),
                Err(ReactorError::Stopped)
            ));
            checked.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    check(&calls);
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
}

/// A timer whose closure stops the reactor (or drops its own handle, or
/// resets another timer) while stopping: the stop discards the others at
/// once, the running one finishes, nothing deadlocks.
#[test]
fn a_timer_that_stops_the_reactor_and_resets_another_gets_discarded() {
    let reactor = Reactor::new();
    let later = reactor
        .call_later(Duration::from_secs(600), || unreachable!())
        .unwrap();
    let (r, other) = (reactor.clone(), later.clone());
    let got = Arc::new(Mutex::new(None));
    let out = Arc::clone(&got);
    reactor
        .call_later(Duration::ZERO, move || {
            r.stop().unwrap();
            *out.lock().unwrap() = Some((other.reset(Duration::ZERO), other.is_active()));
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(
        *got.lock().unwrap(),
        Some((Err(DelayedCallError::Discarded), false))
    );
    assert!(!later.is_active());
}

#[test]
fn a_panicking_call_does_not_stop_the_loop() {
    let reactor = Reactor::new();
    reactor.call_from_thread(|| panic!("call")).unwrap();
    reactor
        .call_later(Duration::ZERO, || panic!("timer"))
        .unwrap();
    reactor.call_when_running(|| panic!("startup")).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let (r, ran2) = (reactor.clone(), Arc::clone(&ran));
    reactor
        .call_later(Duration::from_millis(1), move || {
            ran2.fetch_add(1, Ordering::SeqCst);
            r.stop().unwrap();
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[test]
fn call_later_fires_in_deadline_order() {
    let reactor = Reactor::new();
    let order = Arc::new(Mutex::new(Vec::new()));
    for (ms, tag) in [(30, 3), (10, 1), (0, 0), (20, 2), (10, 11)] {
        let order = Arc::clone(&order);
        reactor
            .call_later(Duration::from_millis(ms), move || {
                order.lock().unwrap().push(tag)
            })
            .unwrap();
    }
    reactor
        .call_later(Duration::from_millis(40), stopper(&reactor))
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(*order.lock().unwrap(), [0, 1, 11, 2, 3]);
}

#[test]
fn timers_with_equal_deadlines_pop_in_scheduling_order() {
    let mut timers = Timers::default();
    let at = 1_000;
    let order = Arc::new(Mutex::new(Vec::new()));
    for tag in 0..5 {
        let order = Arc::clone(&order);
        timers.insert(at, Box::new(move || order.lock().unwrap().push(tag)));
    }
    assert_eq!(timers.next_due(), Some(at));
    while let Some(job) = timers.pop_due(at) {
        job();
    }
    assert!(timers.is_empty());
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4]);
}

#[test]
fn timers_not_yet_due_stay_queued() {
    let mut timers = Timers::default();
    let now = 1_000;
    timers.insert(now + 60_000_000_000, Box::new(|| ()));
    assert!(timers.pop_due(now).is_none());
    assert!(!timers.is_empty());
}

#[test]
fn cancel_stops_a_delayed_call_and_reports_its_state() {
    let reactor = Reactor::new();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&ran);
    let cancelled = reactor
        .call_later(Duration::ZERO, move || {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    let fired = reactor.call_later(Duration::ZERO, || ()).unwrap();
    assert!(cancelled.is_active());
    cancelled.cancel().unwrap();
    assert!(!cancelled.is_active());
    assert_eq!(cancelled.cancel(), Err(DelayedCallError::AlreadyCancelled));
    assert_eq!(
        cancelled.reset(Duration::ZERO),
        Err(DelayedCallError::AlreadyCancelled)
    );
    reactor
        .call_later(Duration::from_millis(5), stopper(&reactor))
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert!(!fired.is_active());
    assert_eq!(fired.cancel(), Err(DelayedCallError::AlreadyCalled));
    assert_eq!(
        fired.reset(Duration::ZERO),
        Err(DelayedCallError::AlreadyCalled)
    );
}

#[test]
fn a_delayed_call_is_not_active_inside_itself() {
    let reactor = Reactor::new();
    let slot: Arc<Mutex<Option<DelayedCall>>> = Arc::new(Mutex::new(None));
    let (tx, rx) = mpsc::channel();
    let (s, r) = (Arc::clone(&slot), reactor.clone());
    let call = reactor
        .call_later(Duration::ZERO, move || {
            let me = s.lock().unwrap().take().unwrap();
            tx.send((me.is_active(), me.cancel())).unwrap();
            r.stop().unwrap();
        })
        .unwrap();
    *slot.lock().unwrap() = Some(call);
    reactor.run().unwrap();
    assert_eq!(
        rx.recv().unwrap(),
        (false, Err(DelayedCallError::AlreadyCalled))
    );
}

#[test]
fn reset_moves_a_delayed_call_earlier_or_later() {
    let reactor = Reactor::new();
    let order = Arc::new(Mutex::new(Vec::new()));
    let o = Arc::clone(&order);
    let late = reactor
        .call_later(Duration::from_secs(3600), move || {
            o.lock().unwrap().push("late")
        })
        .unwrap();
    let o = Arc::clone(&order);
    let early = reactor
        .call_later(Duration::ZERO, move || o.lock().unwrap().push("early"))
        .unwrap();
    late.reset(Duration::ZERO).unwrap();
    early.reset(Duration::from_secs(3600)).unwrap();
    reactor
        .call_later(Duration::from_millis(5), stopper(&reactor))
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(*order.lock().unwrap(), ["late"]);
    // Still pending when the reactor stopped: discarded.
    assert!(!early.is_active());
    assert_eq!(early.cancel(), Err(DelayedCallError::Discarded));
}

#[test]
fn reset_to_earlier_from_another_thread_wakes_a_sleeping_reactor() {
    let reactor = Reactor::new();
    let stop_later = reactor
        .call_later(Duration::from_secs(3600), stopper(&reactor))
        .unwrap();
    let running = run_in_background(&reactor);
    wait_until_running(&reactor);
    stop_later.reset(Duration::ZERO).unwrap();
    running.join().unwrap().unwrap();
    assert_eq!(stop_later.cancel(), Err(DelayedCallError::AlreadyCalled));
}

#[test]
fn call_from_thread_on_the_reactor_thread_runs_later_not_inline() {
    let reactor = Reactor::new();
    let order = Arc::new(Mutex::new(Vec::new()));
    let (r, o) = (reactor.clone(), Arc::clone(&order));
    reactor
        .call_when_running(move || {
            let o2 = Arc::clone(&o);
            r.call_from_thread(move || o2.lock().unwrap().push("queued call"))
                .unwrap();
            o.lock().unwrap().push("rest of the caller");
            r.call_from_thread(stopper(&r)).unwrap();
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(
        *order.lock().unwrap(),
        ["rest of the caller", "queued call"]
    );
}

#[test]
fn debug_output_names_the_phase() {
    let reactor = Reactor::new();
    assert!(format!("{reactor:?}").contains("NotStarted"));
    let call = reactor.call_later(Duration::ZERO, || ()).unwrap();
    assert!(format!("{call:?}").contains("pending"));
}

#[test]
fn an_absurd_delay_is_accepted_without_overflow() {
    let reactor = Reactor::new();
    let call = reactor.call_later(Duration::MAX, || ()).unwrap();
    assert!(call.is_active());
    call.reset(Duration::MAX).unwrap();
    call.cancel().unwrap();
}

#[test]
fn a_timer_scheduled_from_another_thread_wakes_a_sleeping_reactor() {
    let reactor = Reactor::new();
    // A far timer, so the reactor sleeps with a long timeout.
    let far = reactor
        .call_later(Duration::from_secs(3600), || ())
        .unwrap();
    let running = run_in_background(&reactor);
    wait_until_running(&reactor);
    reactor
        .call_later(Duration::ZERO, stopper(&reactor))
        .unwrap();
    running.join().unwrap().unwrap();
    assert!(!far.is_active());
}

#[test]
fn stopping_the_reactor_stops_its_pool_and_joins_the_workers() {
    let reactor = Reactor::new();
    let r = reactor.clone();
    reactor
        .call_when_running(move || {
            let r2 = r.clone();
            defer_to_thread(&r, || 1u8).add_callback(move |v| {
                r2.stop().unwrap();
                v
            });
        })
        .unwrap();
    reactor.run().unwrap();
    assert!(reactor.thread_pool().is_stopped());
    assert_eq!(reactor.thread_pool().stats().threads, 0);
}

#[test]
fn suggest_thread_pool_size_sets_the_maximum_and_refuses_zero() {
    let reactor = Reactor::new();
    reactor.suggest_thread_pool_size(3).unwrap();
    assert_eq!(reactor.thread_pool().max_threads(), 3);
    assert_eq!(
        reactor.suggest_thread_pool_size(0),
        Err(PoolSizeError::ZeroMax)
    );
    assert_eq!(reactor.thread_pool().max_threads(), 3);
}

#[test]
fn is_in_reactor_thread_is_true_only_on_the_running_loop() {
    let reactor = Reactor::new();
    assert!(!reactor.is_in_reactor_thread());
    let (tx, rx) = mpsc::channel();
    let r = reactor.clone();
    reactor
        .call_when_running(move || {
            tx.send(r.is_in_reactor_thread()).unwrap();
            r.stop().unwrap();
        })
        .unwrap();
    reactor.run().unwrap();
    assert!(rx.recv().unwrap());
    assert!(!reactor.is_in_reactor_thread());
}

#[test]
fn react_returns_the_value_or_the_failure() {
    assert_eq!(react(|_| crate::combinators::succeed(5)).unwrap(), 5);
    let failure = react(|_| crate::combinators::fail::<u8>(std::fmt::Error)).unwrap_err();
    assert!(failure.check::<std::fmt::Error>());
    let failure = react(|_| -> Deferred<u8> { panic!("main") }).unwrap_err();
    assert!(failure.check::<crate::failure::PanicError>());
}

#[test]
fn react_waits_for_a_deferred_fired_later_from_another_thread() {
    let value = react(|reactor| {
        let d = Deferred::new();
        let (d2, r) = (d.clone(), reactor.clone());
        std::thread::spawn(move || {
            r.call_from_thread(move || d2.callback("late").unwrap())
                .unwrap()
        });
        d
    });
    assert_eq!(value.unwrap(), "late");
}

#[test]
fn react_whose_reactor_is_stopped_early_says_so() {
    let failure = react(|reactor| {
        reactor.stop().unwrap();
        Deferred::<u8>::new()
    })
    .unwrap_err();
    assert_eq!(
        failure.downcast_ref::<ReactorError>(),
        Some(&ReactorError::StoppedEarly)
    );
}

// Twisted's `react(main, _reactor=r)` (issue 18 item 6): main runs on the
// reactor given, set up beforehand; a reactor that ran already is refused
// without calling main.
#[test]
fn react_on_a_given_reactor_runs_that_reactor() {
    let reactor = Reactor::new();
    let set_up = Arc::new(AtomicUsize::new(0));
    let s = Arc::clone(&set_up);
    reactor
        .call_when_running(move || {
            s.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    let same = reactor.clone();
    let value = reactor
        .react(move |r| {
            assert!(Arc::ptr_eq(&r.inner, &same.inner), "main gets this reactor");
            defer_to_thread(r, || 6 * 7)
        })
        .unwrap();
    assert_eq!(value, 42);
    assert_eq!(set_up.load(Ordering::SeqCst), 1, "its own set-up ran");
    let called = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&called);
    let failure = reactor
        .react(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
            crate::combinators::succeed(0)
        })
        .unwrap_err();
    assert_eq!(
        failure.downcast_ref::<ReactorError>(),
        Some(&ReactorError::NotRestartable)
    );
    assert_eq!(called.load(Ordering::SeqCst), 0, "main is not called");
}

#[test]
fn reactor_types_are_send_and_sync() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<Reactor>();
    is_send_sync::<DelayedCall>();
    is_send_sync::<ReactorError>();
    is_send_sync::<DelayedCallError>();
}

#[test]
fn errors_have_clear_messages() {
    assert_eq!(
        ReactorError::NotRunning.to_string(),
        "the reactor is not running"
    );
    assert_eq!(
        DelayedCallError::AlreadyCalled.to_string(),
        "the delayed call has already run"
    );
}

/// Every `defer_to_thread` job is counted out while its result is away
/// (design note 7's `out`) and uncounted when the result is delivered,
/// whether by a turn or by the stop's drain: a count left up would make the
/// reactor spin before every sleep for ever.
#[test]
fn every_delivered_result_uncounts_its_job() {
    for stop_at_once in [false, true] {
        let reactor = Reactor::new();
        let (r, counted) = (reactor.clone(), Arc::new(AtomicUsize::new(0)));
        let seen = Arc::clone(&counted);
        reactor
            .call_when_running(move || {
                let left = Arc::new(AtomicUsize::new(3));
                for _ in 0..3 {
                    let (r2, left) = (r.clone(), Arc::clone(&left));
                    let d = defer_to_thread(&r, || 1);
                    d.add_callback(move |v: i32| {
                        if left.fetch_sub(1, Ordering::SeqCst) == 1 && !stop_at_once {
                            r2.stop().unwrap();
                        }
                        v
                    });
                }
                // No result can have been delivered yet: this is the reactor thread.
                seen.store(r.inner.out.load(Ordering::Relaxed), Ordering::SeqCst);
                if stop_at_once {
                    r.stop().unwrap(); // the results come back through the drain
                }
            })
            .unwrap();
        reactor.run().unwrap();
        assert_eq!(
            counted.load(Ordering::SeqCst),
            3,
            "stop at once: {stop_at_once}"
        );
        assert_eq!(
            reactor.inner.out.load(Ordering::Relaxed),
            0,
            "stop at once: {stop_at_once}"
        );
    }
}

/// Blocks until the reactor thread sleeps: it set `SLEEPING` under the lock
/// and holds the lock until its wait begins (design note 2), so a caller
/// that takes the lock after this returns finds it waiting.
fn wait_until_asleep(reactor: &Reactor) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while reactor.inner.inbound.load(Ordering::Acquire) & SLEEPING == 0 {
        assert!(std::time::Instant::now() < deadline, "the reactor sleeps");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Design note 2, for what changes under the lock: a `stop`, a new timer,
/// and a timer reset to an earlier time, each made from another thread
/// while the reactor sleeps (untimed, or until an hour-long timer), wake it
/// (`wake_locked`), so `run` returns. The reactor is seen asleep first: a
/// stop made while it was still turning would be seen without a wake-up.
#[test]
fn a_sleeping_reactor_wakes_for_a_stop_a_timer_or_an_earlier_reset_from_another_thread() {
    for case in ["stop", "timer", "reset"] {
        let reactor = Reactor::new();
        let hour = reactor
            .call_later(Duration::from_secs(3600), stopper(&reactor))
            .unwrap();
        if case != "reset" {
            hour.cancel().unwrap();
        }
        let (done, returned) = mpsc::channel();
        let r = reactor.clone();
        let running = std::thread::spawn(move || {
            let result = r.run();
            done.send(()).unwrap();
            result
        });
        wait_until_running(&reactor);
        wait_until_asleep(&reactor);
        match case {
            "stop" => reactor.stop().unwrap(),
            "timer" => drop(
                reactor
                    .call_later(Duration::ZERO, stopper(&reactor))
                    .unwrap(),
            ),
            _ => hour.reset(Duration::ZERO).unwrap(),
        }
        returned
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("{case}: the sleeping reactor was not woken"));
        running.join().unwrap().unwrap();
    }
}

/// The stop hooks (`add_stop_hook`, which `blocking_call_from_thread` uses
/// to release its caller at a stop): each gets an id of its own; a hook
/// removed by its id does not run at the stop, and only it: the others
/// run, once; after they ran, a new hook is refused (handed back).
#[test]
fn a_removed_stop_hook_does_not_run_and_the_others_do() {
    let reactor = Reactor::new();
    let ran = Arc::new(Mutex::new(Vec::new()));
    let hook = |tag: &'static str| {
        let ran = Arc::clone(&ran);
        Job::new(move || ran.lock().unwrap().push(tag))
    };
    let ids: Vec<u64> = ["a", "b", "c"]
        .into_iter()
        .map(|tag| reactor.add_stop_hook(hook(tag)).ok().expect("added"))
        .collect();
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
        "{ids:?}"
    );
    reactor.remove_stop_hook(ids[1]);
    reactor.call_when_running(stopper(&reactor)).unwrap();
    reactor.run().unwrap();
    assert_eq!(*ran.lock().unwrap(), ["a", "c"]);
    assert!(reactor.add_stop_hook(hook("d")).is_err());
    assert_eq!(*ran.lock().unwrap(), ["a", "c"]);
}

/// Design note 7: a reactor spins before it sleeps only where the process
/// may use more than one core; made on a thread allowed one CPU (as under
/// `taskset -c 0`, which `available_parallelism` reads through the thread's
/// affinity), it never spins: there the spin would only hold the core the
/// worker needs. The spin decides nothing a test could time, so the flag
/// itself is what is checked.
#[cfg(target_os = "linux")]
#[test]
fn a_reactor_made_where_one_core_is_allowed_does_not_spin() {
    use rustix::thread::{sched_getaffinity, sched_setaffinity, CpuSet};

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(Reactor::new().inner.spins, cores > 1, "{cores} cores");
    let on_one_core = std::thread::spawn(|| {
        let allowed = sched_getaffinity(None).unwrap();
        let cpu = (0..CpuSet::MAX_CPU)
            .find(|&cpu| allowed.is_set(cpu))
            .unwrap();
        let mut one = CpuSet::new();
        one.set(cpu);
        sched_setaffinity(None, &one).unwrap();
        assert_eq!(std::thread::available_parallelism().unwrap().get(), 1);
        Reactor::new().inner.spins
    });
    assert!(!on_one_core.join().unwrap());
}

/// A result or call queued while the reactor is awake costs its caller no
/// wake-up (design note 2: only the caller that clears `SLEEPING` takes the
/// reactor's lock to notify): holding that lock does not hold the caller
/// up. After a sleep, the first call clears the flag and the next ones
/// wake no one either.
#[test]
fn a_call_while_the_reactor_is_awake_takes_no_lock() {
    let reactor = Reactor::new();
    // As if the reactor had gone to sleep: the first call wakes it.
    reactor.inner.inbound.fetch_or(SLEEPING, Ordering::AcqRel);
    reactor.call_from_thread(|| ()).unwrap();
    assert_eq!(reactor.inner.inbound.load(Ordering::Acquire) & SLEEPING, 0);
    let guard = reactor.inner.state.lock();
    let (tx, rx) = mpsc::channel();
    let r = reactor.clone();
    let caller = std::thread::spawn(move || {
        for _ in 0..3 {
            r.call_from_thread(|| ()).unwrap();
        }
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("calls queued to an awake reactor wait for no lock");
    drop(guard);
    caller.join().unwrap();
    assert_eq!(pending(reactor.inner.inbound.load(Ordering::Acquire)), 4);
}

/// Only a `defer_to_thread` result uncounts a job out (design note 7): the
/// reactor's ordinary calls leave the count alone (were each taken for a
/// result, it would wrap below zero, and the loop would spin before every
/// sleep for ever).
#[test]
fn ordinary_calls_leave_the_count_of_jobs_out_alone() {
    let reactor = Reactor::new();
    let r = reactor.clone();
    reactor
        .call_when_running(move || {
            let r2 = r.clone();
            r.call_from_thread(move || r2.stop().unwrap()).unwrap();
        })
        .unwrap();
    reactor.call_from_thread(|| {}).unwrap();
    reactor.run().unwrap();
    assert_eq!(reactor.inner.out.load(Ordering::Relaxed), 0);
}

/// A `defer_to_thread_pool` job refused by a stopped pool (dropped unrun)
/// uncounts the job it counted out: no result will come back, and a count
/// left up would keep the reactor spinning before every sleep.
#[test]
fn a_job_refused_by_a_stopped_pool_uncounts_itself() {
    let reactor = Reactor::new();
    let pool = crate::ThreadPool::builder().build().unwrap();
    pool.stop().unwrap();
    let d = crate::defer_to_thread_pool(&reactor, &pool, || 1_u8);
    let failure = d.result().expect("fired at once").unwrap_err();
    assert!(failure.check::<crate::PoolStoppedError>());
    d.add_errback(|_| 0_u8); // handled
    assert_eq!(reactor.inner.out.load(Ordering::Relaxed), 0);
}

/// What the target held right after the fire (`None`: not yet there).
type Seen = Arc<Mutex<Option<Option<Result<u8, crate::Failure>>>>>;

/// Fires `inner` on the reactor thread once `d` waits on the relay of the
/// Deferred its work returned, and notes what `d` holds right after.
fn fire_when_waiting(r: Reactor, d: crate::Deferred<u8>, inner: crate::Deferred<u8>, seen: Seen) {
    if d.state() != crate::DeferredState::Waiting {
        let r2 = r.clone();
        r.call_from_thread(move || fire_when_waiting(r2, d, inner, seen))
            .unwrap();
        return;
    }
    inner.callback(7).unwrap();
    *seen.lock().unwrap() = Some(d.result());
    r.stop().unwrap();
}

/// A Deferred that `defer_to_thread`'s work returned, fired on the reactor
/// thread, fires the target there at once, not a turn later through the
/// call queue (`relay_to_reactor` runs the fire in place on that thread).
#[test]
fn a_returned_deferred_fired_on_the_reactor_thread_fires_the_target_at_once() {
    let reactor = Reactor::new();
    let inner = crate::Deferred::<u8>::new();
    let i = inner.clone();
    let d: crate::Deferred<u8> = defer_to_thread(&reactor, move || i);
    let seen = Arc::new(Mutex::new(None));
    let (r, s) = (reactor.clone(), Arc::clone(&seen));
    let d2 = d.clone();
    reactor
        .call_when_running(move || fire_when_waiting(r, d2, inner, s))
        .unwrap();
    reactor.run().unwrap();
    let seen = seen.lock().unwrap().take().expect("fired");
    assert_eq!(seen.map(|r| r.ok()), Some(Some(7)));
}

/// The reactor sleeps until its next timer is due, from the clock's
/// reading, and not at all for a timer due already (design note 5). Each
/// case pins an arithmetic mutant that a reactor made moments ago would
/// hide: there `now` is near zero, so `due + now` or `due / now` sleep
/// about as long as `due - now`.
#[test]
fn the_sleep_lasts_until_the_next_timer_is_due() {
    const MS: u64 = 1_000_000;
    assert_eq!(
        until_due(310 * MS, 300 * MS),
        Some(Duration::from_millis(10))
    );
    assert_eq!(
        until_due(300 * MS + 1, 300 * MS),
        Some(Duration::from_nanos(1))
    );
    assert_eq!(until_due(300 * MS, 300 * MS), None, "due now: no sleep");
    assert_eq!(until_due(290 * MS, 300 * MS), None, "overdue: no sleep");
    assert_eq!(until_due(u64::MAX, 0), Some(Duration::from_nanos(u64::MAX)));
    assert_eq!(until_due(0, u64::MAX), None);
}

/// Design note 7: the spin before sleeping is brief, once per sleep. A
/// reactor whose only business is a `defer_to_thread` job still out (its
/// worker blocked) sleeps: it is seen asleep with the job counted out, and
/// the job's result, once released, wakes it and is delivered. A loop that
/// spun again after each spin while a job is out (the spin's guard
/// `!spun && out > 0` with `||`) would burn a core for as long as the job
/// takes, and on one core hold it from the worker: it is never seen asleep.
#[test]
fn a_reactor_waiting_for_a_job_still_out_sleeps() {
    let reactor = Reactor::new();
    let (release, gate) = mpsc::channel::<u8>();
    let (started, job_started) = mpsc::channel();
    let (delivered, got) = mpsc::channel();
    let r = reactor.clone();
    reactor
        .call_when_running(move || {
            let r2 = r.clone();
            defer_to_thread(&r, move || {
                started.send(()).unwrap();
                gate.recv().unwrap()
            })
            .add_callback(move |v| {
                delivered.send(v).unwrap();
                r2.stop().unwrap();
                v
            });
        })
        .unwrap();
    let running = run_in_background(&reactor);
    job_started
        .recv_timeout(Duration::from_secs(20))
        .expect("the job starts");
    // The reactor ran the call that sent the job out before the job
    // started, and clears SLEEPING whenever it wakes: a sleep seen now
    // began after the job went out.
    wait_until_asleep(&reactor);
    assert_eq!(
        reactor.inner.out.load(Ordering::Relaxed),
        1,
        "the job is out"
    );
    release.send(7).unwrap();
    assert_eq!(got.recv_timeout(Duration::from_secs(20)), Ok(7));
    running.join().unwrap().unwrap();
}
