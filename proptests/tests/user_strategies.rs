//! Property tests written the way a user of `deferred` writes them, with
//! the library's own strategies (`deferred::testing::strategies`, feature
//! `proptest`) and trial's helpers: a `gather_results` under arbitrary
//! fire/cancel/pause interleavings of its inputs, and a timeout under
//! arbitrary clock advances.

use std::time::Duration;

use deferred::testing::strategies::{clock_advances, deferred_ops, Applied, DeferredOp};
use deferred::testing::{assert_no_result, failure_result_of, success_result_of, Clock, ErrorType};
use deferred::{gather_results, Deferred, TimeoutError};
use proptest::prelude::*;

proptest! {
    /// gather_results fires only once every input fired; it succeeds, with
    /// the values in input order, exactly when every input's first fire
    /// was a callback; and it has fired once all inputs fired and none is
    /// paused.
    #[test]
    fn gather_results_follows_its_inputs(ops in deferred_ops(3, 0..24)) {
        let inputs: Vec<Deferred<usize>> = (0..3).map(|_| Deferred::new()).collect();
        let gathered = gather_results(inputs.clone());
        let mut first_fire: [Option<DeferredOp>; 3] = [None; 3];
        for op in &ops {
            let applied = op.apply(&inputs, |i| i * 10);
            let fires = matches!(op, DeferredOp::Callback(_) | DeferredOp::Errback(_) | DeferredOp::Cancel(_));
            if fires && applied == Applied::Done {
                prop_assert!(first_fire[op.index()].replace(*op).is_none());
            }
        }
        let all_fired = inputs.iter().all(|d| d.is_called());
        let none_paused = inputs.iter().all(|d| d.pause_count() == 0);
        if !gathered.is_called() {
            prop_assert!(!(all_fired && none_paused));
            assert_no_result(&gathered);
        } else if first_fire.iter().all(|f| matches!(f, Some(DeferredOp::Callback(_)))) {
            prop_assert_eq!(success_result_of(&gathered), vec![0, 10, 20]);
        } else {
            prop_assert!(first_fire.iter().any(|f| matches!(f, Some(DeferredOp::Errback(_) | DeferredOp::Cancel(_)))));
            failure_result_of(&gathered, &[]);
        }
    }

    /// A Deferred with a 50 ms timeout, never fired otherwise, times out
    /// exactly when the clock has moved 50 ms or more, however it got there.
    #[test]
    fn a_timeout_fires_once_its_time_has_passed(steps in clock_advances(0..8, 0..30)) {
        let clock = Clock::new();
        let d = Deferred::<u8>::new();
        d.add_timeout(Duration::from_millis(50), &clock).unwrap();
        clock.pump(&steps);
        if steps.iter().sum::<Duration>() >= Duration::from_millis(50) {
            failure_result_of(&d, &[ErrorType::of::<TimeoutError>()]);
        } else {
            assert_no_result(&d);
        }
    }
}
