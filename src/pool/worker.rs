//! The worker loop (design notes 2, 3 and 6 of the module): search for a
//! job (spinning a little first), run it and every job queued after it with
//! no lock held, search again; sleep, or exit when stopping with nothing
//! queued, above the maximum, or idle too long above the minimum.

use super::{queued, searching, Guard, Phase, Shared, CAN_GROW, ONE_SEARCHING, SLEEPERS};
use crate::mutant;
use crate::sync::thread;
use crate::sync::{Arc, Backoff, Ordering};
use crate::unwind;

/// Why a worker leaves its loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// The pool is stopping and nothing is queued.
    Stopping,
    /// The pool was shrunk below the number of threads.
    AboveMax,
    /// Idle for the keep-alive time (or at once with a zero keep-alive) while above the minimum.
    Idle,
}

/// Where a searching worker goes when it found nothing to claim.
enum Leave {
    /// A job came in after all: search again.
    Search,
    /// Sleep on `work` (counted in `idle`, `SLEEPERS` set).
    Sleep,
    /// Exit (no longer counted in `threads`).
    Exit(Exit),
}

/// The body of worker thread number `index`. It starts counted as
/// searching (by `reserve_thread`).
pub(super) fn run(shared: Arc<Shared>, index: usize) {
    super::priority::set_current_thread(shared.worker_priority);
    let me = thread::current().id();
    shared.state.lock().worker_ids.push(me);
    let mut timed_out = false;
    let mut spin = true;
    let (exit, mut state) = loop {
        if spin {
            spin_for_work(&shared);
        }
        if let Some(after) = shared.claim(true) {
            // Design note 2: the jobs behind this one may need the next worker.
            if queued(after) > searching(after)
                && after & (SLEEPERS | CAN_GROW) != 0
                && !mutant::on("pool_no_chain_wake")
            {
                shared.find_worker();
            }
            timed_out = false;
            spin = run_jobs(&shared);
            continue;
        }
        let mut state = shared.state.lock();
        match leave_searchers(&shared, &mut state, timed_out) {
            Leave::Search => spin = false,
            Leave::Exit(exit) => break (exit, state),
            Leave::Sleep => (timed_out, spin) = wait_for_work(&shared, state),
        }
    };
    log::trace!("{}-{index} exits: {exit:?}", shared.name_prefix);
    state.worker_ids.retain(|id| *id != me);
    if state.phase == Phase::Open {
        state.exited.push(index);
    }
    // Above the maximum a worker leaves with jobs queued: call a sleeper.
    shared.cover_locked(&mut state);
    shared.notify_if_gone(&state);
}

/// Runs the job just claimed and every job claimed after it, then counts
/// them as completed and joins the searchers. Returns whether to spin
/// (fewer than `spinners` others searching).
fn run_jobs(shared: &Shared) -> bool {
    let mut done = 0;
    let mut job = shared.queue.pop_promised();
    loop {
        unwind::run_job("a thread pool job", job);
        done += 1;
        if shared.claim(false).is_none() {
            break;
        }
        job = shared.queue.pop_promised();
    }
    shared.completed.fetch_add(done, Ordering::AcqRel);
    let before = shared.word.fetch_add(ONE_SEARCHING, Ordering::AcqRel);
    searching(before) < shared.spinners
}

/// Decides, under the lock, whether a searching worker that found nothing
/// sleeps or exits, and leaves the searchers for it in one step with the
/// job count (design note 2): only while nothing is queued, else it
/// searches again. Above the maximum it exits whatever is queued (the
/// others take it; `run` calls a sleeper for it).
fn leave_searchers(shared: &Shared, state: &mut Guard<'_>, timed_out: bool) -> Leave {
    let exit = if state.threads > state.max {
        Some(Exit::AboveMax)
    } else if state.phase != Phase::Open {
        Some(Exit::Stopping)
    } else if state.threads > state.min && (timed_out || shared.keep_alive.is_zero()) {
        Some(Exit::Idle)
    } else {
        None
    };
    let ignore_queue = match exit {
        Some(Exit::AboveMax) => true,
        Some(Exit::Stopping) => mutant::on("pool_exit_with_queued_jobs"),
        Some(Exit::Idle) => false,
        None => mutant::on("pool_sleeps_over_a_job"),
    };
    // The state as it will be, for the flags set in the same step.
    match exit {
        Some(_) => state.threads -= 1,
        None => state.idle += 1,
    }
    let mut word = shared.word.load(Ordering::Acquire);
    loop {
        if queued(word) > 0 && !ignore_queue {
            match exit {
                Some(_) => state.threads += 1,
                None if mutant::on("pool_sleep_undone_uncounted") => {}
                None => state.idle -= 1,
            }
            return Leave::Search;
        }
        let new = shared.locked_flags_for(state, word - ONE_SEARCHING);
        match shared
            .word
            .compare_exchange_weak(word, new, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => break,
            Err(now) => word = now,
        }
    }
    match exit {
        Some(exit) => Leave::Exit(exit),
        None => Leave::Sleep,
    }
}

/// Sleeps (counted in `idle` by `leave_searchers`) until a call, a stop, a
/// resize, or the keep-alive time; then joins the searchers. Returns
/// whether the wait timed out, and whether to spin.
fn wait_for_work(shared: &Shared, state: Guard<'_>) -> (bool, bool) {
    let (mut state, timed_out) = if state.threads > state.min {
        shared.work.wait_timeout(state, shared.keep_alive)
    } else {
        (shared.work.wait(state), false)
    };
    state.idle -= 1;
    // Whatever woke us, we are about to look at the count: that is what a
    // call promised (design note 2).
    state.wakeups = state.wakeups.saturating_sub(1);
    let before = shared.word.fetch_add(ONE_SEARCHING, Ordering::AcqRel);
    shared.sync_flags(&state);
    (timed_out, searching(before) < shared.spinners)
}

/// Spins briefly, outside the lock, until a job looks queued (design note 6).
fn spin_for_work(shared: &Shared) {
    let backoff = Backoff::new();
    while !backoff.is_completed() {
        if queued(shared.word.load(Ordering::Acquire)) > 0 {
            return;
        }
        backoff.snooze();
    }
}
