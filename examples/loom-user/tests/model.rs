//! The loom model of the [`Ledger`] service: two deposits, one made on the
//! reactor thread and one sent from another thread, with the reactor's
//! pool running their jobs, in every interleaving loom explores (up to
//! `LOOM_MAX_PREEMPTIONS`, 2 if unset). None is ever lost.
//!
//! Built only with `--cfg deferred_loom` (the library is then on loom's
//! primitives, and so is the ledger's own state); empty otherwise, so a
//! plain `cargo test` passes. With `--features planted-bug` (no lock) the
//! model must find the lost update: the test then expects the panic.
#![cfg(deferred_loom)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deferred::{Reactor, ThreadPool};
use deferred_loom_user::Ledger;

#[test]
#[cfg_attr(feature = "planted-bug", should_panic(expected = "lost update"))]
fn deposits_from_two_threads_are_never_lost() {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(|| {
        // One worker that leaves as soon as it is idle: a small state space.
        let pool = ThreadPool::builder()
            .min_threads(0)
            .max_threads(1)
            .keep_alive(Duration::ZERO)
            .build()
            .unwrap();
        let reactor = Reactor::with_thread_pool(pool);
        let ledger = Ledger::new();
        // Observations in std types (never held across a loom operation):
        // how many deposits have committed, counted on the reactor thread.
        let committed = Arc::new(AtomicUsize::new(0));

        // Stops the reactor once both deposits have committed.
        let settle = {
            let (reactor, committed) = (reactor.clone(), Arc::clone(&committed));
            move |balance: u64| {
                if committed.fetch_add(1, Ordering::SeqCst) == 1 {
                    reactor.stop().unwrap();
                }
                balance
            }
        };

        // Deposit 1, from the reactor thread as soon as it runs.
        let (r, l, s) = (reactor.clone(), ledger.clone(), settle.clone());
        reactor
            .call_when_running(move || {
                l.deposit(&r, 1).add_callback(s);
            })
            .unwrap();

        // Deposit 2, sent from another thread.
        let client = {
            let (r, l) = (reactor.clone(), ledger.clone());
            loom::thread::spawn(move || {
                let r2 = r.clone();
                r.call_from_thread(move || {
                    l.deposit(&r2, 2).add_callback(settle);
                })
                .unwrap();
            })
        };

        reactor.run().unwrap();
        client.join().unwrap();
        assert_eq!(committed.load(Ordering::SeqCst), 2);
        assert_eq!(
            ledger.balance(),
            3,
            "lost update: a deposit read the balance another replaced"
        );
    });
}
