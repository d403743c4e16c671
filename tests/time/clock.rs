//! `testing::Clock` and `DelayedCall` (Twisted's `task.Clock` and
//! `IDelayedCall`; test_task.ClockTests).

use deferred::testing::Clock;
use deferred::{Deferred, DelayedCall, DelayedCallError};

use crate::{millis, ms, secs, yes, Events};

/// A call that logs "<name> at <time>" when it runs.
fn log_at(events: &Events, clock: &Clock, name: &str) -> impl FnOnce() + Send + 'static {
    let (events, clock, name) = (events.clone(), clock.clone(), name.to_owned());
    move || events.log(format!("{name} at {}", ms(clock.now())))
}

/// testSeconds, test_getDelayedCallsEmpty.
#[test]
fn clock_starts_at_zero() {
    let events = Events::new();
    let c = Clock::new();
    events.log(format!("now {}", ms(c.now())));
    events.log(format!("pending {}", c.delayed_calls().len()));
    events.assert_twisted("clock_starts_at_zero");
}

/// testCallLater, testCallLaterCancelled.
#[test]
fn call_later_reports_its_time_and_is_active() {
    let events = Events::new();
    let c = Clock::new();
    let call = c.call_later(secs(1), || ()).unwrap();
    events.log(format!("time {}", ms(call.time())));
    events.log(format!("active {}", yes(call.is_active())));
    call.cancel().unwrap();
    events.log(format!("active {}", yes(call.is_active())));
    if call.cancel() == Err(DelayedCallError::AlreadyCancelled) {
        events.log("cancel again: already cancelled");
    }
    if call.reset(secs(1)) == Err(DelayedCallError::AlreadyCancelled) {
        events.log("reset: already cancelled");
    }
    events.assert_twisted("call_later_reports_its_time_and_is_active");
}

/// testAdvance.
#[test]
fn advance_runs_calls_once_due() {
    let events = Events::new();
    let c = Clock::new();
    let call = c.call_later(secs(2), log_at(&events, &c, "call")).unwrap();
    c.advance(secs(1));
    events.log(format!("advanced to {}", ms(c.now())));
    c.advance(secs(1));
    events.log(format!("advanced to {}", ms(c.now())));
    events.log(format!("active {}", yes(call.is_active())));
    if call.cancel() == Err(DelayedCallError::AlreadyCalled) {
        events.log("cancel after: already called");
    }
    events.assert_twisted("advance_runs_calls_once_due");
}

/// testAdvanceCancel: the call is marked called before it runs.
#[test]
fn a_call_cancelling_itself_is_already_called() {
    let events = Events::new();
    let c = Clock::new();
    let slot: std::sync::Arc<std::sync::Mutex<Option<DelayedCall>>> = Default::default();
    let (e, s) = (events.clone(), slot.clone());
    let call = c
        .call_later(secs(1), move || {
            let call = s.lock().unwrap().take().unwrap();
            e.log(format!("inside: active {}", yes(call.is_active())));
            if call.cancel() == Err(DelayedCallError::AlreadyCalled) {
                e.log("inside: cancel is already called");
            }
        })
        .unwrap();
    *slot.lock().unwrap() = Some(call);
    c.advance(secs(1));
    events.assert_twisted("a_call_cancelling_itself_is_already_called");
}

/// testCallLaterDelayed.
#[test]
fn delay_moves_a_call_later() {
    let events = Events::new();
    let c = Clock::new();
    let call = c.call_later(secs(1), log_at(&events, &c, "call")).unwrap();
    call.delay(secs(1)).unwrap();
    events.log(format!("time {}", ms(call.time())));
    c.advance(millis(1500));
    events.log(format!("advanced to {}", ms(c.now())));
    c.advance(secs(1));
    events.assert_twisted("delay_moves_a_call_later");
}

/// testCallLaterResetLater.
#[test]
fn reset_moves_a_call_later() {
    let events = Events::new();
    let c = Clock::new();
    let call = c.call_later(secs(2), log_at(&events, &c, "call")).unwrap();
    c.advance(secs(1));
    call.reset(secs(3)).unwrap();
    events.log(format!("time {}", ms(call.time())));
    c.advance(secs(2));
    events.log(format!("advanced to {}", ms(c.now())));
    c.advance(secs(1));
    events.assert_twisted("reset_moves_a_call_later");
}

/// testCallLaterResetSooner.
#[test]
fn reset_moves_a_call_sooner() {
    let events = Events::new();
    let c = Clock::new();
    let call = c.call_later(secs(4), log_at(&events, &c, "call")).unwrap();
    call.reset(secs(3)).unwrap();
    events.log(format!("time {}", ms(call.time())));
    c.advance(secs(3));
    events.assert_twisted("reset_moves_a_call_sooner");
}

/// test_getDelayedCalls.
#[test]
fn delayed_calls_lists_the_pending_calls() {
    let events = Events::new();
    let c = Clock::new();
    let a = c.call_later(secs(2), || ()).unwrap();
    let b = c.call_later(secs(1), || ()).unwrap();
    let times = |c: &Clock| {
        let times: Vec<String> = c.delayed_calls().iter().map(|x| ms(x.time())).collect();
        format!("pending {}", times.join(" "))
    };
    assert_eq!(c.delayed_calls(), [b, a.clone()]);
    events.log(times(&c));
    c.advance(secs(1));
    events.log(times(&c));
    a.cancel().unwrap();
    events.log(format!("pending {}", c.delayed_calls().len()));
    events.assert_twisted("delayed_calls_lists_the_pending_calls");
}

/// Calls due at the same time run in the order they were scheduled.
#[test]
fn calls_due_at_the_same_time_run_in_scheduling_order() {
    let events = Events::new();
    let c = Clock::new();
    for name in ["a", "b", "c"] {
        c.call_later(secs(1), log_at(&events, &c, name)).unwrap();
    }
    c.call_later(millis(500), log_at(&events, &c, "early"))
        .unwrap();
    c.advance(secs(5));
    events.assert_twisted("calls_due_at_the_same_time_run_in_scheduling_order");
}

/// test_callLaterKeepsCallsOrdered.
#[test]
fn call_later_keeps_calls_ordered() {
    let events = Events::new();
    let clock = Clock::new();
    let call_a = clock
        .call_later(secs(1), log_at(&events, &clock, "a"))
        .unwrap();
    call_a.reset(secs(3)).unwrap();
    clock
        .call_later(secs(2), log_at(&events, &clock, "b"))
        .unwrap();
    clock.pump(&[secs(1); 3]);
    events.assert_twisted("call_later_keeps_calls_ordered");
}

/// test_callLaterResetKeepsCallsOrdered.
#[test]
fn reset_keeps_calls_ordered() {
    let events = Events::new();
    let clock = Clock::new();
    let call_a = clock
        .call_later(secs(1), log_at(&events, &clock, "a"))
        .unwrap();
    clock
        .call_later(secs(2), log_at(&events, &clock, "b"))
        .unwrap();
    call_a.reset(secs(3)).unwrap();
    clock.pump(&[secs(1); 3]);
    events.assert_twisted("reset_keeps_calls_ordered");
}

/// test_callLaterResetInsideCallKeepsCallsOrdered.
#[test]
fn reset_inside_a_call_keeps_calls_ordered() {
    let events = Events::new();
    let clock = Clock::new();
    let call_b = clock
        .call_later(secs(2), log_at(&events, &clock, "b"))
        .unwrap();
    clock
        .call_later(secs(1), move || call_b.reset(secs(3)).unwrap())
        .unwrap();
    clock
        .call_later(secs(3), log_at(&events, &clock, "c"))
        .unwrap();
    clock.pump(&[millis(500); 10]);
    events.assert_twisted("reset_inside_a_call_keeps_calls_ordered");
}

/// Twisted's stable sort: a call moved later (by `reset` or `delay`) stood
/// before the calls already due at its new time, and stays before them.
#[test]
fn a_call_moved_later_goes_before_calls_already_due_then() {
    let events = Events::new();
    let clock = Clock::new();
    let a = clock.call_later(secs(1), events.logger("a")).unwrap();
    clock.call_later(secs(3), events.logger("b")).unwrap();
    a.reset(secs(3)).unwrap();
    clock.call_later(secs(3), events.logger("c")).unwrap();
    let d = clock.call_later(secs(2), events.logger("d")).unwrap();
    d.delay(secs(1)).unwrap();
    clock.advance(secs(3));
    events.assert_twisted("a_call_moved_later_goes_before_calls_already_due_then");
}

/// A call moved earlier goes after the calls already due at its new time.
#[test]
fn a_call_moved_earlier_goes_after_calls_already_due_then() {
    let events = Events::new();
    let clock = Clock::new();
    clock.call_later(secs(1), events.logger("a")).unwrap();
    let b = clock.call_later(secs(5), events.logger("b")).unwrap();
    clock.call_later(secs(1), events.logger("c")).unwrap();
    b.reset(secs(1)).unwrap();
    clock.advance(secs(1));
    events.assert_twisted("a_call_moved_earlier_goes_after_calls_already_due_then");
}

/// A call scheduled during `advance` for a time already reached runs in
/// the same `advance`, after the calls already due then; one for a later
/// time waits.
#[test]
fn a_call_scheduled_for_a_reached_time_runs_in_the_same_advance() {
    let events = Events::new();
    let clock = Clock::new();
    let (e, c) = (events.clone(), clock.clone());
    clock
        .call_later(secs(2), move || {
            e.log(format!("first at {}", ms(c.now())));
            c.call_later(secs(0), log_at(&e, &c, "zero delay")).unwrap();
            c.call_later(secs(1), log_at(&e, &c, "one second")).unwrap();
        })
        .unwrap();
    clock
        .call_later(secs(5), log_at(&events, &clock, "later"))
        .unwrap();
    clock.advance(secs(5));
    events.log(format!(
        "after advance, pending {}",
        clock.delayed_calls().len()
    ));
    clock.advance(secs(1));
    events.log(format!(
        "after advance, pending {}",
        clock.delayed_calls().len()
    ));
    events.assert_twisted("a_call_scheduled_for_a_reached_time_runs_in_the_same_advance");
}

/// `pump` is one `advance` per amount.
#[test]
fn pump_advances_step_by_step() {
    let events = Events::new();
    let clock = Clock::new();
    for t in [1, 2, 3] {
        clock
            .call_later(secs(t), log_at(&events, &clock, &format!("call {t}")))
            .unwrap();
    }
    clock.pump(&[millis(500), secs(1), secs(1), secs(1)]);
    events.log(format!("now {}", ms(clock.now())));
    events.assert_twisted("pump_advances_step_by_step");
}

// Issue 18 item 6: a DelayedCall can key a map or sit in a set (`Hash`
// agrees with `Eq`: handles of one call are one key, two calls two).
#[test]
// clippy sees the call's status (atomics) inside the key; the hash and `Eq`
// use only its identity, fixed when it is made, so the key never changes.
#[allow(clippy::mutable_key_type)]
fn delayed_calls_hash_as_they_compare() {
    use std::collections::HashSet;
    let clock = Clock::new();
    let first = clock.call_later(secs(1), || {});
    let second = clock.call_later(secs(1), || {});
    let set: HashSet<_> = [first.clone(), first.clone(), second.clone()]
        .into_iter()
        .collect();
    assert_eq!(set.len(), 2);
    assert!(set.contains(&first) && set.contains(&second));
    let other_clock = Clock::new();
    let elsewhere = other_clock.call_later(secs(1), || {});
    assert!(
        !set.contains(&elsewhere),
        "another clock's call with the same id"
    );
}

// Issue 18 item 6: `react` on a test clock (Twisted's `react(main,
// _reactor=clock)` in its own tests), so a program's timers run at once.
#[test]
fn react_on_a_clock_advances_to_each_call_until_the_deferred_fires() {
    let clock = Clock::new();
    let events = Events::default();
    let value = clock.react(|c| {
        let (e1, e2) = (events.clone(), events.clone());
        let c1 = c.clone();
        c.call_later(secs(5), move || {
            e1.log(format!("tick at {}", c1.now().as_secs()))
        })
        .unwrap();
        deferred::defer_later(c, secs(10), move || {
            e2.log("done");
            7
        })
    });
    assert_eq!(value.unwrap(), 7);
    assert_eq!(*events.0.lock().unwrap(), ["tick at 5", "done"]);
    assert_eq!(clock.now(), secs(10), "no further than the Deferred needed");
}

#[test]
fn react_on_a_clock_gives_the_failure_a_timeout_or_the_panic() {
    let clock = Clock::new();
    let never = Deferred::<u8>::new();
    let failure = clock
        .react(|c| {
            never.add_timeout(secs(30), c).unwrap();
            never.clone()
        })
        .unwrap_err();
    assert!(failure.check::<deferred::TimeoutError>());
    assert_eq!(clock.now(), secs(30));
    let failure = clock
        .react(|_| -> Deferred<u8> { panic!("main") })
        .unwrap_err();
    assert!(failure.check::<deferred::PanicError>());
}

#[test]
fn react_on_a_clock_with_nothing_left_to_run_fails_at_once() {
    let clock = Clock::new();
    let never = Deferred::<u8>::new();
    let failure = clock.react(|_| never.clone()).unwrap_err();
    assert!(failure.check::<deferred::testing::ClockIdleError>());
    assert_eq!(
        failure.to_string(),
        "the clock has no calls left and the Deferred has not fired"
    );
    never.cancel();
}
