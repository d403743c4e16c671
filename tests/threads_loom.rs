//! Smoke loom models of the thread paths, kept beside the other thread tests
//! so that the owner of `src/pool` and `src/reactor` can check that their
//! code can be driven by a model at all (no real time, bounded threads).
//! The full set of models lives in `model/tests/loom_*.rs`.
//!
//! Run: `RUSTFLAGS="--cfg deferred_loom" cargo test --release --target-dir target/loom --test threads_loom`
#![cfg(deferred_loom)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use deferred::{defer_to_thread, Deferred, PoolStoppedError, Reactor, ReactorError, ThreadPool};

/// Runs `f` under loom, checking that it explored more than one interleaving.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&runs);
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        f()
    });
    let runs = runs.load(Ordering::Relaxed);
    eprintln!("explored {runs} interleavings");
    assert!(runs > 1, "the model explored more than one interleaving");
}

fn small_pool() -> ThreadPool {
    ThreadPool::builder().max_threads(1).build().unwrap()
}

/// A call from another thread races the loop's decision to sleep: it must
/// run either way (the wakeup is not lost), so `run` returns.
#[test]
fn call_from_thread_racing_the_reactor_going_to_sleep_is_not_lost() {
    model(|| {
        let reactor = Reactor::with_thread_pool(small_pool());
        let r = reactor.clone();
        let caller = loom::thread::spawn(move || {
            let r2 = r.clone();
            r.call_from_thread(move || r2.stop().unwrap()).unwrap();
        });
        reactor.run().unwrap();
        caller.join().unwrap();
    });
}

/// `stop` from another thread, racing `run`'s start: before the loop runs it
/// is refused (and the stopper hands the stop over instead); after, it ends
/// the loop.
#[test]
fn stop_from_another_thread_ends_run() {
    model(|| {
        let reactor = Reactor::with_thread_pool(small_pool());
        let r = reactor.clone();
        let stopper = loom::thread::spawn(move || match r.stop() {
            Ok(()) => {}
            Err(ReactorError::NotRunning) => {
                let r2 = r.clone();
                r.call_from_thread(move || {
                    let _ = r2.stop();
                })
                .unwrap();
            }
            Err(other) => panic!("unexpected {other}"),
        });
        reactor.run().unwrap();
        stopper.join().unwrap();
    });
}

/// A submit racing `stop`: the job either ran before `stop` returned or was
/// refused; never accepted and lost.
#[test]
fn pool_submit_racing_stop_is_run_or_refused() {
    model(|| {
        let pool = Arc::new(small_pool());
        let ran = Arc::new(AtomicUsize::new(0));
        let (p, r) = (Arc::clone(&pool), Arc::clone(&ran));
        let submitter = loom::thread::spawn(move || {
            p.call_in_thread(move || {
                r.fetch_add(1, Ordering::SeqCst);
            })
        });
        pool.stop().unwrap();
        let accepted = submitter.join().unwrap();
        match accepted {
            Ok(()) => assert_eq!(ran.load(Ordering::SeqCst), 1),
            Err(PoolStoppedError) => assert_eq!(ran.load(Ordering::SeqCst), 0),
        }
        assert_eq!(pool.stats().threads, 0);
    });
}

/// Two submits while workers exit as soon as they are idle (zero
/// keep-alive): both jobs run, whatever the interleaving of exit and submit.
#[test]
fn worker_idle_exit_racing_a_submit_loses_no_job() {
    model(|| {
        let pool = Arc::new(
            ThreadPool::builder()
                .max_threads(1)
                .keep_alive(std::time::Duration::ZERO)
                .build()
                .unwrap(),
        );
        let ran = Arc::new(AtomicUsize::new(0));
        let (p, r) = (Arc::clone(&pool), Arc::clone(&ran));
        let submitter = loom::thread::spawn(move || {
            p.call_in_thread(move || {
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        });
        let r = Arc::clone(&ran);
        pool.call_in_thread(move || {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        submitter.join().unwrap();
        pool.stop().unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 2);
    });
}

/// `defer_to_thread` end to end: the work runs on the worker, the callback
/// on the reactor thread, which the result wakes.
#[test]
fn defer_to_thread_fires_on_the_reactor_thread() {
    model(|| {
        let reactor = Reactor::with_thread_pool(small_pool());
        let r = reactor.clone();
        let slot: Arc<std::sync::Mutex<Option<Deferred<u8>>>> = Arc::default();
        let s = Arc::clone(&slot);
        reactor
            .call_when_running(move || {
                let r2 = r.clone();
                let d = defer_to_thread(&r, || 7u8);
                d.add_callback(move |v| {
                    assert!(r2.in_reactor_thread());
                    r2.stop().unwrap();
                    v
                });
                *s.lock().unwrap() = Some(d);
            })
            .unwrap();
        reactor.run().unwrap();
        let d = slot.lock().unwrap().take().unwrap();
        assert_eq!(d.result().unwrap().unwrap(), 7);
    });
}

/// A zero-delay timer scheduled from another thread races the loop going to
/// sleep: it is due at once, and the wakeup is not lost.
#[test]
fn call_later_from_another_thread_wakes_the_loop() {
    model(|| {
        let reactor = Reactor::with_thread_pool(small_pool());
        let r = reactor.clone();
        let scheduler = loom::thread::spawn(move || {
            let r2 = r.clone();
            r.call_later(std::time::Duration::ZERO, move || {
                let _ = r2.stop();
            })
            .unwrap();
        });
        reactor.run().unwrap();
        scheduler.join().unwrap();
    });
}

/// `cancel` from another thread races the loop firing the timer: exactly one
/// of the two wins.
#[test]
fn cancel_racing_the_timer_firing_is_exactly_one_of_them() {
    model(|| {
        let reactor = Reactor::with_thread_pool(small_pool());
        let ran = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&ran);
        let call = reactor
            .call_later(std::time::Duration::ZERO, move || {
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        let canceller = loom::thread::spawn(move || call.cancel().is_ok());
        let r = reactor.clone();
        reactor
            .call_later(std::time::Duration::ZERO, move || r.stop().unwrap())
            .unwrap();
        reactor.run().unwrap();
        let cancelled = canceller.join().unwrap();
        assert_eq!(ran.load(Ordering::SeqCst) + usize::from(cancelled), 1);
    });
}
