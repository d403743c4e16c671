//! Random ops on one `Deferred<i64>`, split across 2 to 4 real threads
//! that start together. Whatever the interleaving, the invariants hold:
//!
//! - exactly one fire wins when there is any (a fire returns `Ok` once: the
//!   winner, or the late fire a `cancel` excused); all others are refused;
//! - each handler runs at most once; once every thread has finished (and
//!   undone its own pauses) a fired Deferred has run every handler exactly
//!   once, an unfired one none;
//! - handlers run as one fold: each gets what the one before returned, the
//!   first gets what fired the Deferred, the Deferred holds the last one's
//!   return; and a thread's handlers run in the order that thread added them.
//!
//! Real threads explore only the interleavings the OS happens to produce
//! (the loom models explore all of them for small cases); each schedule is
//! run several times to see more of them.

use std::sync::{Arc, Barrier, Mutex};

use deferred::{CancelledError, Deferred, Failure};
use proptest::prelude::*;

/// What a thread does, in order.
#[derive(Debug, Clone)]
enum Step {
    Callback(i64),
    Errback,
    /// Adds a handler for both sides: a value `v` becomes `v + n`; a
    /// failure is recovered as `n` when `recover`, else passed on.
    Add {
        n: i64,
        recover: bool,
    },
    /// Pauses now, unpauses after the thread's next step.
    PauseAround,
    Cancel,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (-50i64..50).prop_map(Step::Callback),
        1 => Just(Step::Errback),
        4 => (-50i64..50, any::<bool>()).prop_map(|(n, recover)| Step::Add { n, recover }),
        1 => Just(Step::PauseAround),
        1 => Just(Step::Cancel),
    ]
}

fn schedule() -> impl Strategy<Value = Vec<Vec<Step>>> {
    prop::collection::vec(prop::collection::vec(step(), 1..8), 2..=4)
}

type R = Result<i64, &'static str>;

/// One handler call: (thread, index of the add in that thread, input, output).
type Call = (usize, usize, R, R);

#[derive(Debug)]
struct Boom;
impl std::fmt::Display for Boom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("boom")
    }
}
impl std::error::Error for Boom {}

fn observe(f: &Failure) -> &'static str {
    if f.check::<CancelledError>() {
        "Cancelled"
    } else if f.check::<Boom>() {
        "Boom"
    } else {
        "other"
    }
}

/// Runs the schedule once; checks the invariants; `Err` describes a breach.
fn run_once(schedule: &[Vec<Step>]) -> Result<(), String> {
    let d = Deferred::<i64>::new();
    let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
    let barrier = Arc::new(Barrier::new(schedule.len()));
    let handles: Vec<_> = schedule
        .iter()
        .cloned()
        .enumerate()
        .map(|(t, steps)| {
            let (d, calls, barrier) = (d.clone(), Arc::clone(&calls), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                // (fire input, accepted?) per fire this thread made.
                let mut fires: Vec<(R, bool)> = Vec::new();
                let mut adds = 0;
                let mut unpause_after = false;
                for step in steps {
                    let unpause_now = std::mem::take(&mut unpause_after);
                    match step {
                        Step::Callback(v) => fires.push((Ok(v), d.callback(v).is_ok())),
                        Step::Errback => fires.push((Err("Boom"), d.errback(Boom).is_ok())),
                        Step::Add { n, recover } => {
                            let (calls, index) = (Arc::clone(&calls), adds);
                            adds += 1;
                            d.add_both(move |r: Result<i64, Failure>| {
                                let input = r.as_ref().map(|v| *v).map_err(observe);
                                let output = match r {
                                    Ok(v) => Ok(v.wrapping_add(n)),
                                    Err(_) if recover => Ok(n),
                                    Err(f) => Err(f),
                                };
                                let shown = output.as_ref().map(|v| *v).map_err(observe);
                                calls.lock().unwrap().push((t, index, input, shown));
                                output
                            });
                        }
                        Step::PauseAround => {
                            d.pause();
                            unpause_after = true;
                        }
                        Step::Cancel => d.cancel(),
                    }
                    if unpause_now {
                        d.unpause().expect("this thread paused it");
                    }
                }
                if unpause_after {
                    d.unpause().expect("this thread paused it");
                }
                (fires, adds)
            })
        })
        .collect();
    let results: Vec<(Vec<(R, bool)>, usize)> =
        handles.into_iter().map(|h| h.join().unwrap()).collect();
    let calls = calls.lock().unwrap().clone();

    let fires: Vec<&(R, bool)> = results.iter().flat_map(|(f, _)| f).collect();
    let accepted = fires.iter().filter(|(_, ok)| *ok).count();
    let cancelled = schedule.iter().flatten().any(|s| matches!(s, Step::Cancel));
    if !fires.is_empty() && accepted != 1 {
        return Err(format!(
            "{accepted} of {} fires were accepted; exactly one must be",
            fires.len()
        ));
    }
    if fires.is_empty() && !cancelled && !calls.is_empty() {
        return Err("handlers ran on a Deferred nobody fired".into());
    }

    // Each handler at most once; all of them once if the Deferred fired.
    let total_adds: usize = results.iter().map(|(_, a)| a).sum();
    let mut seen: Vec<(usize, usize)> = calls.iter().map(|c| (c.0, c.1)).collect();
    seen.sort();
    let ran = seen.len();
    seen.dedup();
    if seen.len() != ran {
        return Err(format!("a handler ran twice: {calls:?}"));
    }
    if d.is_called() && ran != total_adds {
        return Err(format!(
            "fired and unpaused, yet {ran} of {total_adds} handlers ran: {calls:?}"
        ));
    }
    if d.pause_count() != 0 {
        return Err(format!(
            "pause count {} after balanced pauses",
            d.pause_count()
        ));
    }

    // Per-thread add order.
    for t in 0..schedule.len() {
        let order: Vec<usize> = calls.iter().filter(|c| c.0 == t).map(|c| c.1).collect();
        if order.windows(2).any(|w| w[0] > w[1]) {
            return Err(format!("thread {t}'s handlers ran out of order: {calls:?}"));
        }
    }

    // One fold, from what fired the Deferred to what it holds.
    for pair in calls.windows(2) {
        if pair[0].3 != pair[1].2 {
            return Err(format!(
                "a handler did not get its predecessor's result: {calls:?}"
            ));
        }
    }
    if let Some(first) = calls.first() {
        let winner = fires.iter().find(|(_, ok)| *ok).map(|(r, _)| *r);
        let plausible = Some(first.2) == winner || (cancelled && first.2 == Err("Cancelled"));
        if !plausible {
            return Err(format!(
                "the first handler got {:?}, but the winning fire was {winner:?}",
                first.2
            ));
        }
    }
    let holds = d.result().map(|r| r.map_err(|f| observe(&f)));
    if let Some(last) = calls.last() {
        if holds != Some(last.3) {
            return Err(format!(
                "the Deferred holds {holds:?}, the last handler returned {:?}",
                last.3
            ));
        }
    }
    // Handle failures: an errback'd Deferred that nothing recovered is reported on drop,
    // which is the unhandled hook's business, not this property's.
    Ok(())
}

proptest! {
    #![proptest_config(deferred_proptests::config())]

    /// The invariants hold on every schedule, each run several times.
    #[test]
    fn invariants_hold_whatever_the_interleaving(schedule in schedule()) {
        for _ in 0..4 {
            if let Err(breach) = run_once(&schedule) {
                prop_assert!(false, "{breach}\nschedule: {schedule:?}");
            }
        }
    }
}
