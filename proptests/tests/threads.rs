//! Random steps on one `Deferred<i64>` and a thread pool, split across 2 to
//! 4 real threads: the invariants of `deferred_proptests::threads` hold
//! whatever the interleaving. Each schedule runs several times to see more
//! interleavings.

use deferred_proptests::threads::{run_schedule, Step};
use proptest::prelude::*;

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (-50i64..50).prop_map(Step::Callback),
        1 => Just(Step::Errback),
        4 => (-50i64..50, any::<bool>()).prop_map(|(n, recover)| Step::Add { n, recover }),
        1 => Just(Step::PauseAround),
        1 => Just(Step::Cancel),
        1 => Just(Step::PoolJob),
        1 => (-50i64..50).prop_map(Step::PoolFire),
    ]
}

fn schedule() -> impl Strategy<Value = Vec<Vec<Step>>> {
    prop::collection::vec(prop::collection::vec(step(), 1..8), 2..=4)
}

proptest! {
    #![proptest_config(deferred_proptests::config())]

    #[test]
    fn invariants_hold_whatever_the_interleaving(schedule in schedule()) {
        for _ in 0..4 {
            if let Err(breach) = run_schedule(&schedule) {
                prop_assert!(false, "{breach}\nschedule: {schedule:?}");
            }
        }
    }
}
