//! `LoopingCall` (Twisted's `task.LoopingCall`; test_task.LoopTests and
//! ReactorLoopTests, the latter on a test clock instead of the reactor).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use deferred::testing::Clock;
use deferred::{Deferred, Failure, LoopingCall, LoopingCallError};

use crate::{millis, ms, name, secs, yes, Events, ValueError};

/// Logs how the `start` Deferred ends, as the scenarios' `watch`.
fn watch(events: &Events, lc: &LoopingCall, d: Deferred<LoopingCall>) {
    let (e1, e2, me, me2) = (events.clone(), events.clone(), lc.clone(), lc.clone());
    d.add_callbacks(
        move |result: LoopingCall| {
            e1.log(if result == me {
                "loop stopped"
            } else {
                "loop stopped with another loop"
            });
            result
        },
        move |f: Failure| {
            e2.log(format!("loop failed {}", name(&f)));
            me2
        },
    );
}

/// A loop that logs "call at <time>".
fn logging_loop(events: &Events, clock: &Clock) -> LoopingCall {
    let (e, c) = (events.clone(), clock.clone());
    LoopingCall::new(clock, move || e.log(format!("call at {}", ms(c.now()))))
}

/// A counting loop that logs "count <n> at <time>".
fn counting_loop(events: &Events, clock: &Clock) -> LoopingCall {
    let (e, c) = (events.clone(), clock.clone());
    LoopingCall::with_count(clock, move |n| {
        e.log(format!("count {n} at {}", ms(c.now())))
    })
}

/// The counts so far, as the scenarios print them.
fn counted(counts: &Mutex<Vec<u64>>) -> String {
    let counts = counts.lock().unwrap();
    if counts.is_empty() {
        "counts none".to_owned()
    } else {
        let text: Vec<String> = counts.iter().map(u64::to_string).collect();
        format!("counts {}", text.join(" "))
    }
}

fn pending(clock: &Clock) -> String {
    format!("pending {}", clock.delayed_calls().len())
}

/// testBasicFunction.
#[test]
fn loop_calls_on_the_interval_grid() {
    let events = Events::new();
    let clock = Clock::new();
    let lc = logging_loop(&events, &clock);
    watch(&events, &lc, lc.start(millis(100), true).unwrap());
    clock.pump(&[millis(50), millis(100), millis(100)]);
    lc.stop().unwrap();
    events.log(pending(&clock));
    events.assert_twisted("loop_calls_on_the_interval_grid");
}

/// testDelayedStart.
#[test]
fn loop_started_later_waits_one_interval() {
    let events = Events::new();
    let clock = Clock::new();
    let lc = logging_loop(&events, &clock);
    watch(&events, &lc, lc.start(millis(100), false).unwrap());
    clock.pump(&[millis(50), millis(100), millis(100)]);
    lc.stop().unwrap();
    events.log(pending(&clock));
    events.assert_twisted("loop_started_later_waits_one_interval");
}

/// testStopAtOnce, testStoppingBeforeDelayedStart.
#[test]
fn loop_stopped_before_its_first_call_never_calls() {
    let events = Events::new();
    for delay in [secs(0), secs(10)] {
        let clock = Clock::new();
        let lc = LoopingCall::new(&clock, events.clone().logger_fn("called"));
        watch(&events, &lc, lc.start(delay, false).unwrap());
        lc.stop().unwrap();
        events.log(pending(&clock));
        clock.advance(secs(20));
    }
    events.assert_twisted("loop_stopped_before_its_first_call_never_calls");
}

/// test_reset.
#[test]
fn loop_reset_restarts_the_grid() {
    let events = Events::new();
    let c = Clock::new();
    let lc = logging_loop(&events, &c);
    lc.start(secs(2), false).unwrap();
    c.advance(secs(1));
    lc.reset().unwrap();
    c.advance(secs(1));
    events.log(format!("advanced to {}", ms(c.now())));
    c.advance(secs(1));
    lc.stop().unwrap();
    events.assert_twisted("loop_reset_restarts_the_grid");
}

/// test_callbackTimeSkips.
#[test]
fn loop_skips_intervals_that_passed_while_the_function_ran() {
    let events = Events::new();
    let clock = Clock::new();
    let duration = Arc::new(Mutex::new(secs(2)));
    let (e, c, d) = (events.clone(), clock.clone(), Arc::clone(&duration));
    let lc = LoopingCall::new(&clock, move || {
        e.log(format!("call at {}", ms(c.now())));
        let by = *d.lock().unwrap();
        c.advance(by);
    });
    lc.start(millis(500), true).unwrap();
    events.log(format!("now {}", ms(clock.now())));
    clock.advance(secs(0));
    *duration.lock().unwrap() = secs(1);
    clock.advance(millis(500));
    events.log(format!("now {}", ms(clock.now())));
    clock.advance(secs(0));
    *duration.lock().unwrap() = secs(0);
    clock.advance(millis(500));
    events.log(format!("now {}", ms(clock.now())));
    lc.stop().unwrap();
    events.assert_twisted("loop_skips_intervals_that_passed_while_the_function_ran");
}

/// The next call is at the next multiple of the interval after the start,
/// not one interval after a late call.
#[test]
fn loop_stays_on_the_grid_after_a_late_call() {
    let events = Events::new();
    let clock = Clock::new();
    let lc = logging_loop(&events, &clock);
    lc.start(secs(1), false).unwrap();
    clock.advance(millis(1300));
    events.log(format!("next at {}", ms(clock.delayed_calls()[0].time())));
    clock.advance(millis(700));
    clock.advance(millis(3500));
    events.log(format!("next at {}", ms(clock.delayed_calls()[0].time())));
    lc.stop().unwrap();
    events.assert_twisted("loop_stays_on_the_grid_after_a_late_call");
}

/// test_reactorTimeSkips.
#[test]
fn loop_skips_intervals_the_clock_jumped_over() {
    let events = Events::new();
    let clock = Clock::new();
    let lc = logging_loop(&events, &clock);
    lc.start(millis(500), true).unwrap();
    clock.advance(secs(2));
    clock.advance(secs(1));
    clock.advance(secs(0));
    lc.stop().unwrap();
    events.assert_twisted("loop_skips_intervals_the_clock_jumped_over");
}

/// test_reactorTimeCountSkips.
#[test]
fn loop_with_count_counts_skipped_intervals() {
    let events = Events::new();
    let clock = Clock::new();
    let lc = counting_loop(&events, &clock);
    lc.start(millis(500), true).unwrap();
    clock.advance(millis(510));
    clock.advance(millis(3 * 500 + 10));
    clock.advance(secs(0));
    lc.stop().unwrap();
    events.assert_twisted("loop_with_count_counts_skipped_intervals");
}

/// test_countLengthyIntervalCounts.
#[test]
fn loop_with_count_counts_only_whole_intervals() {
    let events = Events::new();
    let clock = Clock::new();
    let lc = counting_loop(&events, &clock);
    lc.start(millis(500), true).unwrap();
    clock.advance(millis(510));
    clock.advance(millis(875));
    clock.advance(millis(125));
    lc.stop().unwrap();
    events.assert_twisted("loop_with_count_counts_only_whole_intervals");
}

/// test_withCountFloatingPointBoundary: the counts add up to the intervals
/// passed and none is 0. Twisted needs an extra epsilon advance for 1/10 s
/// intervals; exact times need none (the advance by zero is kept).
#[test]
fn loop_with_count_never_counts_zero() {
    let events = Events::new();
    let clock = Clock::new();
    let counts = Arc::new(Mutex::new(Vec::new()));
    let c = Arc::clone(&counts);
    let lc = LoopingCall::with_count(&clock, move |n| c.lock().unwrap().push(n));
    let interval = Duration::from_secs(1) / 10;
    lc.start(interval, false).unwrap();
    for _ in 0..10 {
        clock.advance(interval);
    }
    assert_eq!(counts.lock().unwrap().len(), 10, "exact: no epsilon needed");
    clock.advance(Duration::ZERO);
    events.log(counted(&counts));
    lc.stop().unwrap();
    events.assert_twisted("loop_with_count_never_counts_zero");
}

/// test_withCountIntervalZero: a zero-interval loop calls again within the
/// same advance (Twisted's Clock runs calls scheduled for a time reached).
#[test]
fn loop_with_count_and_zero_interval_counts_one() {
    let events = Events::new();
    let clock = Clock::new();
    let counts = Arc::new(Mutex::new(Vec::new()));
    let slot: Arc<Mutex<Option<LoopingCall>>> = Arc::default();
    let (c, s) = (Arc::clone(&counts), Arc::clone(&slot));
    let lc = LoopingCall::with_count(&clock, move |n| {
        c.lock().unwrap().push(n);
        if c.lock().unwrap().len() > 4 {
            s.lock().unwrap().as_ref().unwrap().stop().unwrap();
        }
    });
    *slot.lock().unwrap() = Some(lc.clone());
    watch(&events, &lc, lc.start(secs(0), false).unwrap());
    for _ in 0..5 {
        clock.advance(secs(0));
        events.log(counted(&counts));
    }
    slot.lock().unwrap().take();
    events.assert_twisted("loop_with_count_and_zero_interval_counts_one");
}

/// test_withCountIntervalZeroDelay.
#[test]
fn loop_with_zero_interval_waits_for_a_returned_deferred() {
    let events = Events::new();
    let clock = Clock::new();
    let deferred = Deferred::<()>::new();
    let counts = Arc::new(Mutex::new(Vec::new()));
    let slot: Arc<Mutex<Option<LoopingCall>>> = Arc::default();
    let (c, s, d) = (Arc::clone(&counts), Arc::clone(&slot), deferred.clone());
    let lc = LoopingCall::with_count(&clock, move |n| -> Deferred<()> {
        let len = {
            let mut counts = c.lock().unwrap();
            counts.push(n);
            counts.len()
        };
        if len == 2 {
            return d.clone();
        }
        if len > 4 {
            s.lock().unwrap().as_ref().unwrap().stop().unwrap();
        }
        deferred::succeed(())
    });
    *slot.lock().unwrap() = Some(lc.clone());
    watch(&events, &lc, lc.start(secs(0), false).unwrap());
    clock.pump(&[secs(0); 2]);
    events.log(counted(&counts));
    clock.pump(&[secs(1); 2]);
    events.log(counted(&counts));
    deferred.callback(()).unwrap();
    clock.pump(&[secs(0); 4]);
    events.log(counted(&counts));
    slot.lock().unwrap().take();
    events.assert_twisted("loop_with_zero_interval_waits_for_a_returned_deferred");
}

/// test_withCountIntervalZeroDelayThenNonZeroInterval (Twisted's count of 8
/// includes its ticket #5962 fudge: the test clock reproduces it exactly).
#[test]
fn loop_with_count_after_interval_change() {
    let events = Events::new();
    let clock = Clock::new();
    let deferred = Deferred::<()>::new();
    let counts = Arc::new(Mutex::new(Vec::new()));
    let (c, d) = (Arc::clone(&counts), deferred.clone());
    let lc = LoopingCall::with_count(&clock, move |n| -> Deferred<()> {
        let mut counts = c.lock().unwrap();
        counts.push(n);
        if counts.len() == 2 {
            d.clone()
        } else {
            deferred::succeed(())
        }
    });
    lc.start(secs(0), false).unwrap();
    clock.pump(&[secs(1); 7]);
    events.log(counted(&counts));
    lc.set_interval(secs(2));
    deferred.callback(()).unwrap();
    clock.advance(secs(9));
    events.log(counted(&counts));
    clock.advance(secs(2));
    events.log(counted(&counts));
    clock.advance(secs(4));
    events.log(counted(&counts));
    lc.stop().unwrap();
    events.assert_twisted("loop_with_count_after_interval_change");
}

/// testFailure.
#[test]
fn loop_function_failure_fails_the_start_deferred() {
    let events = Events::new();
    let clock = Clock::new();
    let lc = LoopingCall::new(&clock, || Err::<(), _>(ValueError));
    watch(&events, &lc, lc.start(millis(100), true).unwrap());
    events.log(format!("running {}", yes(lc.is_running())));
    events.log(pending(&clock));
    events.assert_twisted("loop_function_failure_fails_the_start_deferred");
}

/// testFailAndStop.
#[test]
fn loop_function_that_stops_then_fails_fails_the_start_deferred() {
    let events = Events::new();
    let clock = Clock::new();
    let slot: Arc<Mutex<Option<LoopingCall>>> = Arc::default();
    let s = Arc::clone(&slot);
    let lc = LoopingCall::new(&clock, move || {
        s.lock().unwrap().as_ref().unwrap().stop().unwrap();
        Err::<(), _>(ValueError)
    });
    *slot.lock().unwrap() = Some(lc.clone());
    watch(&events, &lc, lc.start(millis(100), true).unwrap());
    events.log(format!("running {}", yes(lc.is_running())));
    slot.lock().unwrap().take();
    events.assert_twisted("loop_function_that_stops_then_fails_fails_the_start_deferred");
}

/// testEveryIteration, on a test clock.
#[test]
fn loop_stopping_itself_fires_the_start_deferred() {
    let events = Events::new();
    let clock = Clock::new();
    let ran = Arc::new(Mutex::new(0));
    let slot: Arc<Mutex<Option<LoopingCall>>> = Arc::default();
    let (r, s) = (Arc::clone(&ran), Arc::clone(&slot));
    let lc = LoopingCall::new(&clock, move || {
        let mut ran = r.lock().unwrap();
        *ran += 1;
        if *ran > 5 {
            s.lock().unwrap().as_ref().unwrap().stop().unwrap();
        }
    });
    *slot.lock().unwrap() = Some(lc.clone());
    watch(&events, &lc, lc.start(secs(0), true).unwrap());
    events.log(format!("calls {}", ran.lock().unwrap()));
    clock.advance(secs(0));
    events.log(format!("calls {}", ran.lock().unwrap()));
    slot.lock().unwrap().take();
    events.assert_twisted("loop_stopping_itself_fires_the_start_deferred");
}

/// testStopAtOnceLater, on a test clock.
#[test]
fn loop_stopped_by_another_call_never_calls() {
    let events = Events::new();
    let clock = Clock::new();
    let lc = LoopingCall::new(&clock, events.clone().logger_fn("called"));
    lc.start(secs(1), false).unwrap();
    let stopper = lc.clone();
    clock
        .call_later(secs(0), move || stopper.stop().unwrap())
        .unwrap();
    clock.advance(secs(0));
    events.log(pending(&clock));
    clock.advance(secs(5));
    events.assert_twisted("loop_stopped_by_another_call_never_calls");
}

/// testWaitDeferred.
#[test]
fn loop_waits_for_the_returned_deferred() {
    let events = Events::new();
    let clock = Clock::new();
    let slot: Arc<Mutex<Option<LoopingCall>>> = Arc::default();
    let (e, c, s) = (events.clone(), clock.clone(), Arc::clone(&slot));
    let lc = LoopingCall::new(&clock, move || {
        e.log(format!("call at {}", ms(c.now())));
        let d = Deferred::<()>::new();
        let s = Arc::clone(&s);
        d.add_callback(move |()| s.lock().unwrap().take().unwrap().stop().unwrap());
        let fire = d.clone();
        c.call_later(secs(1), move || fire.callback(()).unwrap())
            .unwrap();
        d
    });
    *slot.lock().unwrap() = Some(lc.clone());
    watch(&events, &lc, lc.start(millis(200), true).unwrap());
    clock.pump(&[millis(200), millis(800)]);
    events.log(pending(&clock));
    events.assert_twisted("loop_waits_for_the_returned_deferred");
}

/// testFailurePropagation.
#[test]
fn loop_fails_with_the_returned_deferreds_failure() {
    let events = Events::new();
    let clock = Clock::new();
    let (e, c) = (events.clone(), clock.clone());
    let lc = LoopingCall::new(&clock, move || {
        e.log(format!("call at {}", ms(c.now())));
        let d = Deferred::<()>::new();
        let fire = d.clone();
        c.call_later(millis(300), move || fire.errback(ValueError).unwrap())
            .unwrap();
        d
    });
    watch(&events, &lc, lc.start(secs(1), true).unwrap());
    clock.pump(&[millis(300)]);
    events.log(pending(&clock));
    events.assert_twisted("loop_fails_with_the_returned_deferreds_failure");
}

/// test_deferredWithCount.
#[test]
fn loop_with_count_counts_intervals_missed_while_waiting() {
    let events = Events::new();
    let clock = Clock::new();
    let d = Deferred::<()>::new();
    let counts = Arc::new(Mutex::new(Vec::new()));
    let (c, first) = (Arc::clone(&counts), d.clone());
    let lc = LoopingCall::with_count(&clock, move |n| -> Deferred<()> {
        let mut counts = c.lock().unwrap();
        counts.push(n);
        if counts.len() == 1 {
            first.clone()
        } else {
            deferred::succeed(())
        }
    });
    lc.start(millis(200), false).unwrap();
    events.log(counted(&counts));
    clock.pump(&[millis(200), millis(400)]);
    events.log(counted(&counts));
    d.callback(()).unwrap();
    clock.pump(&[millis(200)]);
    events.log(counted(&counts));
    lc.stop().unwrap();
    events.assert_twisted("loop_with_count_counts_intervals_missed_while_waiting");
}

/// Twisted asserts; here each is an error that changes nothing.
#[test]
fn loop_refuses_start_stop_and_reset_out_of_turn() {
    let events = Events::new();
    let clock = Clock::new();
    let lc = LoopingCall::new(&clock, || ());
    if lc.stop() == Err(LoopingCallError::NotRunning) {
        events.log("stop refused: not running");
    }
    if lc.reset() == Err(LoopingCallError::NotRunning) {
        events.log("reset refused: not running");
    }
    let first = lc.start(secs(1), true).unwrap();
    if lc.start(secs(1), true).err() == Some(LoopingCallError::AlreadyRunning) {
        events.log("start refused: already running");
    }
    lc.stop().unwrap();
    if lc.stop() == Err(LoopingCallError::NotRunning) {
        events.log("stop refused: not running");
    }
    assert!(first.is_called());
    events.assert_twisted("loop_refuses_start_stop_and_reset_out_of_turn");
}

/// `stop` while the function's Deferred runs: the loop ends (and `start`'s
/// Deferred fires) when that Deferred fires, with no call left pending.
#[test]
fn loop_stopped_while_waiting_ends_when_the_deferred_fires() {
    let events = Events::new();
    let clock = Clock::new();
    let pending_d = Deferred::<()>::new();
    let p = pending_d.clone();
    let lc = LoopingCall::new(&clock, move || p.clone());
    watch(&events, &lc, lc.start(secs(1), true).unwrap());
    lc.stop().unwrap();
    events.log(format!("running {}", yes(lc.is_running())));
    // Twisted would start a second loop here; this one refuses until the
    // first has ended (docs/semantics.md).
    assert_eq!(
        lc.start(secs(1), true).err(),
        Some(LoopingCallError::Stopping)
    );
    pending_d.callback(()).unwrap();
    events.log(pending(&clock));
    events.assert_twisted("loop_stopped_while_waiting_ends_when_the_deferred_fires");
}

/// A stopped loop can start again, on a new grid.
#[test]
fn loop_restarted_after_stop_runs_again() {
    let events = Events::new();
    let clock = Clock::new();
    let lc = logging_loop(&events, &clock);
    watch(&events, &lc, lc.start(secs(1), true).unwrap());
    clock.advance(secs(1));
    lc.stop().unwrap();
    clock.advance(secs(5));
    watch(&events, &lc, lc.start(secs(1), false).unwrap());
    clock.advance(secs(1));
    lc.stop().unwrap();
    events.assert_twisted("loop_restarted_after_stop_runs_again");
}

/// A deviation: Twisted counts the first call of a restarted counting loop
/// from the old run's last call (5 here); a new run counts from its own
/// start (1). Every other event is Twisted's.
#[test]
fn loop_with_count_restarted_counts_from_its_new_start() {
    let events = Events::new();
    let clock = Clock::new();
    let lc = counting_loop(&events, &clock);
    lc.start(secs(1), true).unwrap();
    clock.advance(secs(1));
    lc.stop().unwrap();
    clock.advance(secs(5));
    lc.start(secs(1), true).unwrap();
    clock.advance(secs(1));
    lc.stop().unwrap();
    let mut twisted = crate::support::twisted::expected("time", "loop_with_count_restarted");
    assert_eq!(
        twisted[2], "count 5 at 6000ms",
        "Twisted's behaviour changed"
    );
    twisted[2] = "count 1 at 6000ms".to_owned();
    assert_eq!(*events.0.lock().unwrap(), twisted);
}

// Issue 18 item 6: a loop's function given its loop stops it from inside,
// and holds no handle of its own, so the loop and its captures are freed
// once the last outside handle goes.
#[test]
fn a_loop_given_its_loop_stops_itself_and_is_freed() {
    let clock = Clock::new();
    let captured = Arc::new(());
    let watch = Arc::downgrade(&captured);
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&calls);
    let lc = LoopingCall::with_loop(&clock, move |lc| {
        let _keep = &captured;
        let mut calls = seen.lock().unwrap();
        calls.push(lc.is_running());
        if calls.len() == 3 {
            lc.stop().unwrap();
        }
    });
    let done = lc.start(secs(1), true).unwrap();
    clock.pump(&[secs(1); 5]);
    assert_eq!(*calls.lock().unwrap(), [true, true, true]);
    assert!(!lc.is_running());
    assert!(done.result().unwrap().is_ok(), "stopped, not failed");
    drop((lc, done));
    assert!(
        watch.upgrade().is_none(),
        "the function (and what it holds) is freed"
    );
}
