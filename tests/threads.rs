//! `defer_to_thread` end to end: the work runs in the pool, the Deferred
//! fires on the reactor thread, every result arrives exactly once, and no
//! result or refusal is ever lost.

// Real threads and time: not under loom (loom/tests/loom/threads.rs has the models).
#![cfg(not(deferred_loom))]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

use deferred::{
    defer_to_thread, defer_to_thread_pool, react, Deferred, DeferredState, Failure, PanicError,
    PoolStoppedError, Reactor, ReactorError, ReactorThreads, ThreadPool,
};

fn stop_on(reactor: &Reactor) -> impl FnOnce() + Send + 'static {
    let r = reactor.clone();
    move || r.stop().unwrap()
}

#[test]
fn callbacks_of_defer_to_thread_run_on_the_reactor_thread() {
    let reactor = Reactor::new();
    let ids: Arc<Mutex<Vec<(&str, ThreadId)>>> = Arc::default();
    let (r, i) = (reactor.clone(), Arc::clone(&ids));
    reactor
        .call_when_running(move || {
            let i2 = Arc::clone(&i);
            let d = defer_to_thread(&r, move || {
                i2.lock()
                    .unwrap()
                    .push(("work", std::thread::current().id()));
                21u32
            });
            let (i3, i4, r2) = (Arc::clone(&i), i, r.clone());
            d.add_callback(move |_v| {
                i3.lock()
                    .unwrap()
                    .push(("callback", std::thread::current().id()));
                Err::<u32, _>(std::fmt::Error)
            })
            .add_errback(move |_f: Failure| {
                i4.lock()
                    .unwrap()
                    .push(("errback", std::thread::current().id()));
                r2.stop().unwrap();
                0
            });
        })
        .unwrap();
    reactor.run().unwrap();
    let me = std::thread::current().id();
    let ids = ids.lock().unwrap();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0].0, "work");
    assert_ne!(ids[0].1, me, "the work runs in the pool");
    assert_eq!(ids[1], ("callback", me));
    assert_eq!(ids[2], ("errback", me));
}

#[test]
fn a_hundred_thousand_jobs_each_deliver_exactly_one_result() {
    const JOBS: usize = 100_000;
    let reactor = Reactor::new();
    let seen = Arc::new(Mutex::new(vec![0u8; JOBS]));
    let delivered = Arc::new(AtomicUsize::new(0));
    let wrong_thread = Arc::new(AtomicUsize::new(0));
    let (r, s, n, w) = (
        reactor.clone(),
        Arc::clone(&seen),
        Arc::clone(&delivered),
        Arc::clone(&wrong_thread),
    );
    reactor
        .call_when_running(move || {
            for i in 0..JOBS {
                let (s, n, w, r2) = (Arc::clone(&s), Arc::clone(&n), Arc::clone(&w), r.clone());
                defer_to_thread(&r, move || i).add_callback(move |i| {
                    if !r2.is_in_reactor_thread() {
                        w.fetch_add(1, Ordering::Relaxed);
                    }
                    s.lock().unwrap()[i] += 1;
                    if n.fetch_add(1, Ordering::SeqCst) + 1 == JOBS {
                        r2.stop().unwrap();
                    }
                    i
                });
            }
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(delivered.load(Ordering::SeqCst), JOBS);
    assert_eq!(wrong_thread.load(Ordering::SeqCst), 0);
    let seen = seen.lock().unwrap();
    let bad: Vec<usize> = (0..JOBS).filter(|&i| seen[i] != 1).collect();
    assert!(
        bad.is_empty(),
        "results not delivered exactly once: {:?}",
        &bad[..bad.len().min(10)]
    );
}

#[test]
fn an_err_from_the_work_goes_to_the_errbacks() {
    let failure =
        react(|reactor| -> Deferred<i32> { defer_to_thread(reactor, || "nope".parse::<i32>()) })
            .unwrap_err();
    assert!(failure.check::<std::num::ParseIntError>());
}

#[test]
fn a_panic_in_the_work_becomes_a_failure_and_the_pool_keeps_its_threads() {
    let reactor = Reactor::new();
    reactor.suggest_thread_pool_size(1).unwrap();
    let (tx, rx) = mpsc::channel();
    let r = reactor.clone();
    reactor
        .call_when_running(move || {
            let d = defer_to_thread(&r, || -> u8 { panic!("worker blew up") });
            let r2 = r.clone();
            d.add_errback(move |f: Failure| {
                let message = f
                    .downcast_ref::<PanicError>()
                    .map(|p| p.message().to_owned());
                tx.send((message, r2.thread_pool().stats().threads))
                    .unwrap();
                // The same single worker runs the next job.
                let r3 = r2.clone();
                defer_to_thread(&r2, || 0u8).add_callback(move |v| {
                    r3.stop().unwrap();
                    v
                });
                0u8
            });
        })
        .unwrap();
    reactor.run().unwrap();
    let (message, threads) = rx.recv().unwrap();
    assert_eq!(message.as_deref(), Some("worker blew up"));
    assert_eq!(threads, 1, "the worker survived its panic");
    assert_eq!(reactor.thread_pool().stats().completed, 2);
}

#[test]
fn work_returning_a_deferred_chains_it() {
    let value = react(|reactor| -> Deferred<String> {
        let r = reactor.clone();
        defer_to_thread(reactor, move || {
            // From the worker, hand back a Deferred fired later on the reactor.
            let inner = Deferred::new();
            let i = inner.clone();
            r.call_from_thread(move || i.callback("chained".to_owned()).unwrap())
                .unwrap();
            inner
        })
    });
    assert_eq!(value.unwrap(), "chained");
}

/// Waits (polling: no timing is asserted) until `d` waits on another Deferred.
fn wait_until_waiting<T: Send>(d: &Deferred<T>) {
    while d.state() != DeferredState::Waiting {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Issue 13 item 1: the job returns a pending Deferred that a thread of the
/// user's own fires later. The callbacks still run on the reactor thread
/// (before the fix, they ran on the thread that fired the inner Deferred).
#[test]
fn a_returned_deferred_fired_on_another_thread_calls_back_on_the_reactor_thread() {
    let reactor = Reactor::new();
    let inner: Deferred<u32> = Deferred::new();
    let i = inner.clone();
    let d: Deferred<u32> = defer_to_thread(&reactor, move || i);
    let seen: Arc<Mutex<Vec<(u32, ThreadId)>>> = Arc::default();
    let (r, s) = (reactor.clone(), Arc::clone(&seen));
    d.add_callback(move |v| {
        s.lock().unwrap().push((v, std::thread::current().id()));
        r.stop().unwrap();
        v
    });
    let waiting = d.clone();
    let firer = std::thread::spawn(move || {
        wait_until_waiting(&waiting);
        inner.callback(5).unwrap();
        std::thread::current().id()
    });
    reactor.run().unwrap();
    let firer = firer.join().unwrap();
    let me = std::thread::current().id();
    assert_eq!(*seen.lock().unwrap(), [(5, me)]);
    assert_ne!(firer, me);
}

/// As Twisted's `d.callback(inner)` makes `d` wait on `inner`: cancelling the
/// returned Deferred meanwhile cancels the inner one (its canceller runs),
/// and the cancellation arrives on the reactor thread.
#[test]
fn cancelling_while_a_returned_deferred_is_pending_cancels_it() {
    let reactor = Reactor::new();
    let cancelled = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&cancelled);
    let inner: Deferred<u32> = Deferred::with_canceller(move |_| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    let i = inner.clone();
    let d: Deferred<u32> = defer_to_thread(&reactor, move || i);
    let seen: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let (r, s) = (reactor.clone(), Arc::clone(&seen));
    d.add_errback(move |f: Failure| {
        s.lock()
            .unwrap()
            .push((f.to_string(), r.is_in_reactor_thread()));
        r.stop().unwrap();
        0
    });
    let (r, waiting) = (reactor.clone(), d.clone());
    std::thread::spawn(move || {
        wait_until_waiting(&waiting);
        r.call_from_thread(move || waiting.cancel()).unwrap();
    });
    reactor.run().unwrap();
    assert_eq!(cancelled.load(Ordering::SeqCst), 1);
    assert_eq!(
        *seen.lock().unwrap(),
        [("the Deferred was cancelled".to_owned(), true)]
    );
    assert_eq!(inner.state(), DeferredState::Consumed);
}

#[test]
fn defer_to_thread_after_the_reactor_stopped_fails_with_pool_stopped() {
    let reactor = Reactor::new();
    reactor.call_when_running(stop_on(&reactor)).unwrap();
    reactor.run().unwrap();
    let d = defer_to_thread(&reactor, || 1u8);
    let failure = d.result().expect("fired at once").unwrap_err();
    assert!(failure.check::<PoolStoppedError>());
    d.add_errback(|_| 0u8); // handled
}

#[test]
fn defer_to_thread_pool_runs_in_the_given_pool() {
    let pool = ThreadPool::builder().name_prefix("given").build().unwrap();
    let name = react(|reactor| {
        defer_to_thread_pool(reactor, &pool, || {
            std::thread::current().name().unwrap_or("").to_owned()
        })
    });
    assert!(name.unwrap().starts_with("given-"));
}

#[test]
fn results_of_work_running_at_stop_are_delivered_before_run_returns() {
    let reactor = Reactor::new();
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let d = defer_to_thread(&reactor, move || {
        gate_rx.recv().unwrap();
        "done"
    });
    let on = Arc::new(Mutex::new(None));
    let o = Arc::clone(&on);
    d.add_callback(move |v| {
        *o.lock().unwrap() = Some(std::thread::current().id());
        v
    });
    let r = reactor.clone();
    reactor
        .call_when_running(move || {
            // Stop first, then let the work finish: its result crosses back
            // while the pool is being stopped.
            r.stop().unwrap();
            gate_tx.send(()).unwrap();
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(d.result().unwrap().unwrap(), "done");
    assert_eq!(*on.lock().unwrap(), Some(std::thread::current().id()));
}

#[test]
fn a_result_for_a_reactor_already_stopped_fires_on_the_worker_rather_than_be_lost() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let reactor = Reactor::new();
    reactor.call_when_running(stop_on(&reactor)).unwrap();
    reactor.run().unwrap();
    let (tx, rx) = mpsc::channel();
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let d = defer_to_thread_pool(&reactor, &pool, move || {
        gate_rx.recv().unwrap();
        9u8
    });
    d.add_callback(move |v| {
        tx.send((v, std::thread::current().id())).unwrap();
        v
    });
    gate_tx.send(()).unwrap();
    let (v, on) = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(v, 9);
    assert_ne!(on, std::thread::current().id());
}

#[test]
fn the_reactor_keeps_turning_while_the_work_runs() {
    let reactor = Reactor::new();
    let ticks = Arc::new(AtomicUsize::new(0));
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let d = defer_to_thread(&reactor, move || gate_rx.recv().unwrap());
    let r = reactor.clone();
    d.add_callback(move |()| r.stop().unwrap());
    fn tick(reactor: Reactor, ticks: Arc<AtomicUsize>, gate: mpsc::Sender<()>) {
        // The work is blocked until the loop has ticked a few times.
        if ticks.fetch_add(1, Ordering::SeqCst) + 1 == 5 {
            gate.send(()).unwrap();
        }
        let r = reactor.clone();
        let _ = reactor.call_later(Duration::from_millis(1), move || tick(r, ticks, gate));
    }
    let (r, t) = (reactor.clone(), Arc::clone(&ticks));
    reactor
        .call_when_running(move || tick(r, t, gate_tx))
        .unwrap();
    reactor.run().unwrap();
    assert!(ticks.load(Ordering::SeqCst) >= 5);
    assert!(d.result().is_some());
}

fn yes(flag: bool) -> &'static str {
    if flag {
        "true"
    } else {
        "false"
    }
}

/// Issue 13 item 8, Twisted's `testCallBeforeStartupUnexecuted`: work handed
/// to the reactor's pool before `run` waits for the loop (the pool starts
/// when the reactor runs), then runs on a worker and calls back on the
/// reactor thread. Deterministic here: before `run` the pool has no thread.
/// Twisted's events: tests/twisted/reactor_pool.py.
#[test]
fn work_handed_over_before_run_waits_for_the_loop() {
    let events: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = |e: &Arc<Mutex<Vec<String>>>, s: String| e.lock().unwrap().push(s);
    let reactor = Reactor::new();
    let ran_on: Arc<Mutex<Vec<ThreadId>>> = Arc::default();
    let r = Arc::clone(&ran_on);
    let d = defer_to_thread(&reactor, move || {
        r.lock().unwrap().push(std::thread::current().id());
        21u32
    });
    log(
        &events,
        format!(
            "ran before run: {}",
            yes(!ran_on.lock().unwrap().is_empty())
        ),
    );
    log(
        &events,
        format!(
            "pool started before run: {}",
            yes(reactor.thread_pool().is_started())
        ),
    );
    assert_eq!(reactor.thread_pool().stats().threads, 0);
    let (e, r) = (Arc::clone(&events), reactor.clone());
    d.add_callback(move |v| {
        log(
            &e,
            format!(
                "callback {v} on the reactor thread: {}",
                yes(r.is_in_reactor_thread())
            ),
        );
        r.stop().unwrap();
        v
    });
    reactor.run().unwrap();
    let me = std::thread::current().id();
    let worker = ran_on.lock().unwrap().first().is_some_and(|id| *id != me);
    log(&events, format!("ran in a worker: {}", yes(worker)));
    support::twisted::assert_matches(
        "reactor_pool",
        "work_before_run_waits_for_the_reactor",
        &events.lock().unwrap(),
    );
}

/// What `call_in_thread_with_callback`'s `on_result` got, as text.
fn on_result_of<R>(f: impl FnOnce() -> R + Send + 'static) -> Result<i32, String>
where
    R: deferred::IntoOutcome<i32>,
{
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let (tx, rx) = mpsc::channel();
    pool.call_in_thread_with_callback(move |r: Result<i32, Failure>| tx.send(r).unwrap(), f)
        .unwrap();
    rx.recv_timeout(Duration::from_secs(10))
        .unwrap()
        .map_err(|failure| failure.to_string())
}

/// What `defer_to_thread`'s Deferred fired with, as text.
fn deferred_result_of<R>(f: impl FnOnce() -> R + Send + 'static) -> Result<i32, String>
where
    R: deferred::IntoOutcome<i32>,
{
    react(move |reactor| -> Deferred<i32> { defer_to_thread(reactor, f) })
        .map_err(|failure| failure.to_string())
}

#[test]
fn call_in_thread_with_callback_and_defer_to_thread_agree_that_an_err_is_a_failure() {
    let parse = || "x".parse::<i32>();
    let expected = Err("invalid digit found in string".to_owned());
    assert_eq!(on_result_of(parse), expected);
    assert_eq!(deferred_result_of(parse), expected);
    assert_eq!(on_result_of(|| Ok::<_, std::fmt::Error>(7)), Ok(7));
    assert_eq!(deferred_result_of(|| Ok::<_, std::fmt::Error>(7)), Ok(7));
    assert_eq!(on_result_of(|| 7), Ok(7));
    assert_eq!(deferred_result_of(|| 7), Ok(7));
    let panics = || -> i32 { panic!("no luck") };
    assert_eq!(on_result_of(panics), Err("panicked: no luck".to_owned()));
    assert_eq!(
        deferred_result_of(panics),
        Err("panicked: no luck".to_owned())
    );
}

#[test]
fn call_in_thread_with_callback_hands_on_result_the_result_of_a_returned_deferred() {
    let later = Deferred::<i32>::new();
    let fire = later.clone();
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let (tx, rx) = mpsc::channel();
    pool.call_in_thread_with_callback(
        move |r: Result<i32, Failure>| tx.send(r).unwrap(),
        move || later,
    )
    .unwrap();
    assert!(
        rx.recv_timeout(Duration::from_millis(50)).is_err(),
        "not fired yet"
    );
    fire.callback(5).unwrap(); // on_result runs here, on the thread that fires it
    assert_eq!(rx.try_recv().unwrap().unwrap(), 5);
}

/// Runs `f` with `reactor` as a `dyn ReactorThreads`: through the
/// reactor's own implementation, or (`by_ref`) through the one for a
/// reference to it.
fn as_dyn<R>(reactor: &Reactor, by_ref: bool, f: impl FnOnce(&dyn ReactorThreads) -> R) -> R {
    if by_ref {
        f(&reactor)
    } else {
        f(reactor)
    }
}

/// Through `dyn ReactorThreads` (the boxed methods, which generic code
/// reaches and `defer_to_thread` does not), for the reactor and for a
/// reference to it: a call runs on the reactor thread, a job in its pool,
/// the thread test answers for the caller's thread, and after the stop
/// both are refused.
#[test]
fn through_dyn_reactor_threads_the_reactor_runs_calls_and_jobs_and_knows_its_thread() {
    for by_ref in [false, true] {
        let reactor = Reactor::new();
        let (tx, rx) = mpsc::channel();
        // Not a timing: a call or a job lost would leave `run` waiting for
        // ever, and the test should fail instead.
        let r = reactor.clone();
        reactor
            .call_later(Duration::from_secs(60), move || {
                let _ = r.stop();
            })
            .unwrap();
        as_dyn(&reactor, by_ref, |threads| {
            assert!(!threads.is_in_reactor_thread(), "before the loop");
            let r = reactor.clone();
            threads
                .call_from_thread_boxed(Box::new(move || {
                    let on_reactor = as_dyn(&r, by_ref, |t| t.is_in_reactor_thread());
                    tx.send(("call", on_reactor)).unwrap();
                    let r2 = r.clone();
                    let job = Box::new(move || {
                        let on_reactor = as_dyn(&r2, by_ref, |t| t.is_in_reactor_thread());
                        tx.send(("job", on_reactor)).unwrap();
                        r2.call_from_thread(stop_on(&r2)).unwrap();
                    });
                    as_dyn(&r, by_ref, |t| t.call_in_thread_boxed(job)).unwrap();
                }))
                .unwrap();
        });
        reactor.run().unwrap();
        let got: Vec<_> = rx.try_iter().collect();
        assert_eq!(got, [("call", true), ("job", false)], "by_ref {by_ref}");
        as_dyn(&reactor, by_ref, |threads| {
            assert_eq!(
                threads.call_from_thread_boxed(Box::new(|| ())),
                Err(ReactorError::Stopped)
            );
            assert_eq!(
                threads.call_in_thread_boxed(Box::new(|| ())),
                Err(PoolStoppedError)
            );
        });
    }
}
