//! The multi-threaded property: random steps on one `Deferred<i64>` and one
//! thread pool, split across 2 to 4 real threads that start together.
//! Shared by `tests/threads.rs` (proptest) and the `threads` fuzz target.
//!
//! Whatever the interleaving, [`run_schedule`] checks that:
//!
//! - exactly one fire wins when there is any (a fire returns `Ok` once: the
//!   winner, or the late fire a `cancel` excused); all others are refused;
//! - each handler runs at most once; once every thread has finished (and
//!   undone its own pauses) and the pool has stopped, a fired Deferred has
//!   run every handler exactly once, an unfired one none;
//! - the handlers run as one fold: each gets what the one before returned,
//!   the first gets what fired the Deferred, the Deferred holds the last
//!   one's return; a thread's handlers run in the order it added them;
//! - every pool job accepted ran exactly once, none was refused before the
//!   pool stopped, and the pool ends with no thread, no queued job, and
//!   `completed` equal to the jobs accepted.
//!
//! Real threads only see the interleavings the OS happens to produce (the
//! loom models explore all of them on small cases).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use deferred::{CancelledError, Deferred, Failure, ThreadPool};

/// What a thread does, one step after another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `callback(v)`.
    Callback(i64),
    /// `errback` with a `Boom` failure.
    Errback,
    /// Adds a handler for both sides: a value `v` becomes `v + n`
    /// (wrapping); a failure is recovered as `n` when `recover`, else passed on.
    Add {
        /// The addend, and the recovered value.
        n: i64,
        /// Whether a failure is recovered.
        recover: bool,
    },
    /// Pauses now, unpauses after the thread's next step (or at its end).
    PauseAround,
    /// `cancel()`.
    Cancel,
    /// Submits a job to the pool that counts its runs.
    PoolJob,
    /// Submits a job to the pool that fires the Deferred with `v` from a worker.
    PoolFire(i64),
}

type R = Result<i64, &'static str>;

/// One handler call: thread, index of the add in that thread, input, output.
type Call = (usize, usize, R, R);

/// The failure `Step::Errback` fires with.
#[derive(Debug)]
pub struct Boom;

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

/// What the threads report back.
#[derive(Default)]
struct Shared {
    /// Every fire, from any thread or job: what it fired with, and whether it was accepted.
    fires: Mutex<Vec<(R, bool)>>,
    /// Handler calls, in the order they happened.
    calls: Mutex<Vec<Call>>,
    /// Runs of each counting job, by job number.
    job_runs: Mutex<Vec<usize>>,
    /// Jobs accepted by the pool (counting and firing ones).
    accepted: AtomicUsize,
}

/// Runs `schedule` (one list of steps per thread) once and checks every
/// invariant; `Err` describes the first breach.
pub fn run_schedule(schedule: &[Vec<Step>]) -> Result<(), String> {
    let d = Deferred::<i64>::new();
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(2)
            .build()
            .map_err(|e| e.to_string())?,
    );
    let shared = Arc::new(Shared::default());
    let barrier = Arc::new(Barrier::new(schedule.len().max(1)));
    let handles: Vec<_> = schedule
        .iter()
        .cloned()
        .enumerate()
        .map(|(t, steps)| {
            let (d, pool, shared, barrier) = (
                d.clone(),
                Arc::clone(&pool),
                Arc::clone(&shared),
                Arc::clone(&barrier),
            );
            std::thread::spawn(move || run_thread(t, steps, &d, &pool, &shared, &barrier))
        })
        .collect();
    let mut adds = 0;
    for handle in handles {
        adds += handle
            .join()
            .map_err(|_| "a thread panicked".to_owned())??;
    }
    pool.stop().map_err(|e| e.to_string())?;
    check(schedule, &d, &pool, &shared, adds)
}

/// One thread's steps; returns how many handlers it added.
fn run_thread(
    t: usize,
    steps: Vec<Step>,
    d: &Deferred<i64>,
    pool: &ThreadPool,
    shared: &Arc<Shared>,
    barrier: &Barrier,
) -> Result<usize, String> {
    barrier.wait();
    let mut adds = 0;
    let mut unpause_after = false;
    for step in steps {
        let unpause_now = std::mem::take(&mut unpause_after);
        match step {
            Step::Callback(v) => {
                let ok = d.callback(v).is_ok();
                shared.fires.lock().unwrap().push((Ok(v), ok));
            }
            Step::Errback => {
                let ok = d.errback(Boom).is_ok();
                shared.fires.lock().unwrap().push((Err("Boom"), ok));
            }
            Step::Add { n, recover } => {
                let (shared, index) = (Arc::clone(shared), adds);
                adds += 1;
                d.add_both(move |r: Result<i64, Failure>| {
                    let input = r.as_ref().map(|v| *v).map_err(observe);
                    let output = match r {
                        Ok(v) => Ok(v.wrapping_add(n)),
                        Err(_) if recover => Ok(n),
                        Err(f) => Err(f),
                    };
                    let shown = output.as_ref().map(|v| *v).map_err(observe);
                    shared.calls.lock().unwrap().push((t, index, input, shown));
                    output
                });
            }
            Step::PauseAround => {
                d.pause();
                unpause_after = true;
            }
            Step::Cancel => d.cancel(),
            Step::PoolJob => {
                let job = {
                    let mut runs = shared.job_runs.lock().unwrap();
                    runs.push(0);
                    runs.len() - 1
                };
                let inner = Arc::clone(shared);
                let accepted = pool
                    .call_in_thread(move || inner.job_runs.lock().unwrap()[job] += 1)
                    .is_ok();
                if !accepted {
                    return Err("the pool refused a job before it was stopped".into());
                }
                shared.accepted.fetch_add(1, Ordering::SeqCst);
            }
            Step::PoolFire(v) => {
                let (d, inner) = (d.clone(), Arc::clone(shared));
                let accepted = pool
                    .call_in_thread(move || {
                        let ok = d.callback(v).is_ok();
                        inner.fires.lock().unwrap().push((Ok(v), ok));
                    })
                    .is_ok();
                if !accepted {
                    return Err("the pool refused a job before it was stopped".into());
                }
                shared.accepted.fetch_add(1, Ordering::SeqCst);
            }
        }
        if unpause_now {
            d.unpause()
                .map_err(|_| "unpause of this thread's own pause was refused")?;
        }
    }
    if unpause_after {
        d.unpause()
            .map_err(|_| "unpause of this thread's own pause was refused")?;
    }
    Ok(adds)
}

fn check(
    schedule: &[Vec<Step>],
    d: &Deferred<i64>,
    pool: &ThreadPool,
    shared: &Shared,
    adds: usize,
) -> Result<(), String> {
    let fires = shared.fires.lock().unwrap().clone();
    let calls = shared.calls.lock().unwrap().clone();
    let cancelled = schedule.iter().flatten().any(|s| *s == Step::Cancel);

    let accepted = fires.iter().filter(|(_, ok)| *ok).count();
    // With a `cancel` in the schedule, the first fire after it is accepted
    // silently (the late fire) and any fire before it made it a no-op:
    // either way exactly one fire is accepted.
    if !fires.is_empty() && accepted != 1 {
        return Err(format!(
            "{accepted} of {} fires were accepted; exactly one must be",
            fires.len()
        ));
    }
    if fires.is_empty() && !cancelled && !calls.is_empty() {
        return Err("handlers ran on a Deferred nobody fired".into());
    }

    let mut seen: Vec<(usize, usize)> = calls.iter().map(|c| (c.0, c.1)).collect();
    seen.sort_unstable();
    let ran = seen.len();
    seen.dedup();
    if seen.len() != ran {
        return Err(format!("a handler ran twice: {calls:?}"));
    }
    if d.is_called() && ran != adds {
        return Err(format!(
            "fired and unpaused, yet {ran} of {adds} handlers ran: {calls:?}"
        ));
    }
    if d.pause_count() != 0 {
        return Err(format!(
            "pause count {} after balanced pauses",
            d.pause_count()
        ));
    }
    for t in 0..schedule.len() {
        let order: Vec<usize> = calls.iter().filter(|c| c.0 == t).map(|c| c.1).collect();
        if order.windows(2).any(|w| w[0] > w[1]) {
            return Err(format!("thread {t}'s handlers ran out of order: {calls:?}"));
        }
    }
    for pair in calls.windows(2) {
        if pair[0].3 != pair[1].2 {
            return Err(format!(
                "a handler did not get its predecessor's result: {calls:?}"
            ));
        }
    }
    if let Some(first) = calls.first() {
        let winners: Vec<R> = fires
            .iter()
            .filter(|(_, ok)| *ok)
            .map(|(r, _)| *r)
            .collect();
        let from_cancel = cancelled && first.2 == Err("Cancelled");
        if !(winners.contains(&first.2) || from_cancel) {
            return Err(format!(
                "the first handler got {:?}, but the accepted fires were {winners:?}",
                first.2
            ));
        }
    }
    if let Some(last) = calls.last() {
        let holds = d.result().map(|r| r.map_err(|f| observe(&f)));
        if holds != Some(last.3) {
            return Err(format!(
                "the Deferred holds {holds:?}, the last handler returned {:?}",
                last.3
            ));
        }
    }

    let runs = shared.job_runs.lock().unwrap().clone();
    if let Some(job) = runs.iter().position(|n| *n != 1) {
        return Err(format!("pool job {job} ran {} times, not once", runs[job]));
    }
    let stats = pool.stats();
    let jobs = shared.accepted.load(Ordering::SeqCst) as u64;
    if (stats.threads, stats.queued, stats.busy, stats.completed) != (0, 0, 0, jobs) {
        return Err(format!(
            "after stop the pool reports {stats:?}; {jobs} jobs were accepted"
        ));
    }
    Ok(())
}
