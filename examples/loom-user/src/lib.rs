//! A small service built on `deferred`, to show how a user's crate checks
//! its own code with loom (docs/testing.md, "Loom for your code").
//!
//! [`Ledger`] keeps a balance. A deposit computes the new balance in the
//! reactor's thread pool ([`defer_to_thread`]: imagine a slow audit there)
//! and commits it on the reactor thread; a [`DeferredLock`] makes the
//! deposits take turns, so none reads a balance another is about to
//! replace. Without the lock (the `planted-bug` feature) two deposits can
//! both read the old balance and one of them is lost: `tests/model.rs`
//! finds that interleaving with loom, and the test on the
//! [`MemoryReactor`](deferred::testing::MemoryReactor) below replays it.
//!
//! The crate's one concession to loom: its own shared state takes loom's
//! atomics under `--cfg deferred_loom`, the same cfg that puts `deferred`
//! itself on loom's primitives.

#[cfg(deferred_loom)]
use loom::sync::atomic::{AtomicU64, Ordering};
#[cfg(deferred_loom)]
use loom::sync::Arc;
#[cfg(not(deferred_loom))]
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(not(deferred_loom))]
use std::sync::Arc;

use deferred::{defer_to_thread, Deferred, DeferredLock, ReactorThreads};

/// A balance that deposits update one at a time.
#[derive(Clone, Default)]
pub struct Ledger {
    /// The balance, read in the pool and written on the reactor thread.
    balance: Arc<AtomicU64>,
    /// Held from a deposit's read to its commit.
    lock: DeferredLock,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger::default()
    }

    /// The balance now.
    pub fn balance(&self) -> u64 {
        self.balance.load(Ordering::SeqCst)
    }

    /// Adds `amount`: the new balance is computed in `reactor`'s pool and
    /// committed on the reactor thread, with the ledger's lock held from
    /// the read to the commit. Call it on the reactor thread. The Deferred
    /// fires with the new balance.
    pub fn deposit<R>(&self, reactor: &R, amount: u64) -> Deferred<u64>
    where
        R: ReactorThreads + Clone + 'static,
    {
        let (balance, reactor) = (Arc::clone(&self.balance), reactor.clone());
        let step = move || {
            let read = Arc::clone(&balance);
            let computed: Deferred<u64> =
                defer_to_thread(&reactor, move || read.load(Ordering::SeqCst) + amount);
            computed.map(move |new: u64| {
                balance.store(new, Ordering::SeqCst);
                new
            })
        };
        if cfg!(feature = "planted-bug") {
            // The bug: no lock, so two deposits can overlap.
            step()
        } else {
            self.lock.run(step)
        }
    }
}

#[cfg(all(test, not(deferred_loom)))]
mod tests {
    use deferred::testing::{success_result_of, MemoryReactor};

    use super::*;

    /// The interleaving loom finds for the planted bug, replayed by hand:
    /// both jobs run before either result is committed. With the lock, the
    /// second job is not even queued until the first deposit committed.
    #[test]
    fn two_overlapping_deposits_add_up() {
        let reactor = MemoryReactor::new();
        let ledger = Ledger::new();
        let first = ledger.deposit(&reactor, 1);
        let second = ledger.deposit(&reactor, 2);
        let lost = cfg!(feature = "planted-bug");
        assert!(reactor.run_one_job());
        assert_eq!(
            reactor.run_one_job(),
            lost,
            "the lock keeps the second job back"
        );
        reactor.run_until_idle();
        assert_eq!(success_result_of(&first), 1);
        assert_eq!(success_result_of(&second), if lost { 2 } else { 3 });
        assert_eq!(ledger.balance(), if lost { 2 } else { 3 });
    }
}
