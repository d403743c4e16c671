//! The strategies: what they generate, and what `apply` reports, checked
//! against a plain model of each Deferred (fired, cancelled-then-suppressed,
//! pause count).

use proptest::prelude::*;

use super::*;
use crate::testing::Clock;

/// What a Deferred's state should be, tracked beside the real one.
#[derive(Debug, Default, Clone, Copy)]
struct Expected {
    fired: bool,
    /// A cancel fired it: the first late fire is ignored.
    suppress: bool,
    pauses: usize,
}

proptest! {
    #[test]
    fn ops_name_only_deferreds_of_the_set(ops in deferred_ops(4, 0..30)) {
        prop_assert!(ops.len() < 30);
        prop_assert!(ops.iter().all(|op| op.index() < 4));
    }

    #[test]
    fn apply_reports_what_each_op_did(ops in deferred_ops(3, 0..40)) {
        let ds: Vec<Deferred<u32>> = (0..3).map(|_| Deferred::new()).collect();
        let mut model = [Expected::default(); 3];
        // Keep every failure handled: the drops below must report nothing.
        for d in &ds {
            d.add_errback(|_f: crate::Failure| 0u32);
        }
        for op in &ops {
            let m = &mut model[op.index()];
            let expected = match op {
                DeferredOp::Callback(_) | DeferredOp::Errback(_) if !m.fired => {
                    m.fired = true;
                    Applied::Done
                }
                DeferredOp::Callback(_) | DeferredOp::Errback(_) => {
                    m.suppress = false;
                    Applied::AlreadyFired
                }
                DeferredOp::Cancel(_) if !m.fired => {
                    m.fired = true;
                    m.suppress = true;
                    Applied::Done
                }
                DeferredOp::Cancel(_) => Applied::NothingToCancel,
                DeferredOp::Pause(_) => {
                    m.pauses += 1;
                    Applied::Done
                }
                DeferredOp::Unpause(_) if m.pauses > 0 => {
                    m.pauses -= 1;
                    Applied::Done
                }
                DeferredOp::Unpause(_) => Applied::NotPaused,
            };
            prop_assert_eq!(op.apply(&ds, |i| i as u32), expected, "{:?}", op);
            let d = &ds[op.index()];
            prop_assert_eq!(d.is_called(), m.fired);
            prop_assert_eq!(d.pause_count(), m.pauses);
        }
    }

    #[test]
    fn clock_advances_stay_in_range_and_add_up(steps in clock_advances(0..8, 1..20)) {
        prop_assert!(steps.len() < 8);
        prop_assert!(steps.iter().all(|s| (1..20).contains(&s.as_millis())));
        let clock = Clock::new();
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let r = std::sync::Arc::clone(&ran);
        clock
            .call_later(Duration::from_millis(50), move || {
                r.store(true, std::sync::atomic::Ordering::SeqCst)
            })
            .unwrap();
        clock.pump(&steps);
        let total: Duration = steps.iter().sum();
        prop_assert_eq!(clock.now(), total);
        prop_assert_eq!(ran.load(std::sync::atomic::Ordering::SeqCst), total >= Duration::from_millis(50));
    }
}

#[test]
fn an_errback_op_fires_an_injected_error_naming_its_index() {
    let ds = [Deferred::<u8>::new(), Deferred::new()];
    assert_eq!(DeferredOp::Errback(1).apply(&ds, |_| 0), Applied::Done);
    let f = crate::testing::failure_result_of(
        &ds[1],
        &[crate::testing::ErrorType::of::<InjectedError>()],
    );
    assert_eq!(f.downcast_ref::<InjectedError>(), Some(&InjectedError(1)));
    assert_eq!(f.to_string(), "injected failure of Deferred 1");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let message = |f: fn()| {
        let p = std::panic::catch_unwind(f).expect_err("it must panic");
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap()
    };
    assert!(message(|| {
        let _ = deferred_op(0);
    })
    .contains("0 Deferreds"));
    assert!(message(|| {
        let _ = clock_advances(0..3, 5..5);
    })
    .contains("is empty"));
    assert!(message(|| {
        DeferredOp::Pause(2).apply(&[Deferred::<u8>::new()], |_| 0);
    })
    .contains("index 2 out of range for 1"));
}
