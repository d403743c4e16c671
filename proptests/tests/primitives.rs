//! The real `DeferredLock`/`DeferredSemaphore` and `DeferredQueue` follow
//! the reference model on random sequences of acquire, release, cancel of a
//! waiting acquire, put, get and cancel of a waiting get: first come, first
//! served, no token lost or doubled, no item lost. `DEFERRED_PROPTEST_CASES`
//! sets the case count (256 by default).

use deferred_proptests::primitives::RealPrimitives;
use proptest_state_machine::prop_state_machine;

prop_state_machine! {
    #![proptest_config(deferred_proptests::config())]

    /// Up to 40 steps: long enough for lines of several waiters, cancels
    /// in the middle of them, and the queue filling to its limits.
    #[test]
    fn primitives_match_the_model(sequential 1..40 => RealPrimitives);
}
