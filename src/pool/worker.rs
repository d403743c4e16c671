//! The worker loop: take a job, run it with no lock held, repeat; exit when
//! stopping with an empty queue, above the maximum, or idle too long above
//! the minimum.

use super::{Guard, Phase, Shared};
use crate::mutant;
use crate::sync::thread;
use crate::sync::{Arc, Ordering};
use crate::unwind;

/// Spin iterations before a worker sleeps (design note 6): a few with a
/// pause hint, then yields, which let a submitter on the same core run.
#[cfg(not(deferred_loom))]
const SPIN_PAUSES: u32 = 64;
#[cfg(not(deferred_loom))]
const SPIN_YIELDS: u32 = 8;

/// Why a worker leaves its loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// The pool is stopping and the queue is empty.
    Stopping,
    /// The pool was shrunk below the number of threads.
    AboveMax,
    /// Idle for the keep-alive time (or at once with a zero keep-alive) while above the minimum.
    Idle,
}

/// The body of worker thread number `index`.
pub(super) fn run(shared: Arc<Shared>, index: usize) {
    let me = thread::current().id();
    let mut state = shared.state.lock();
    state.worker_ids.push(me);
    let mut timed_out = false;
    let mut spun = false;
    let exit = loop {
        if state.threads > state.max {
            break Exit::AboveMax;
        }
        if mutant::on("pool_exit_with_queued_jobs") && state.phase != Phase::Open {
            break Exit::Stopping;
        }
        if let Some(job) = state.queue.pop_front() {
            shared
                .queued_hint
                .store(state.queue.len(), Ordering::Relaxed);
            state.busy += 1;
            drop(state);
            unwind::run_job("a thread pool job", job);
            state = shared.state.lock();
            state.busy -= 1;
            state.completed += 1;
            timed_out = false;
            continue;
        }
        if state.phase != Phase::Open {
            break Exit::Stopping;
        }
        if state.threads > state.min && (timed_out || shared.keep_alive.is_zero()) {
            break Exit::Idle;
        }
        if !spun {
            // Design note 6: spin once before each sleep, then look again.
            spun = true;
            drop(state);
            spin_for_work(&shared);
            state = shared.state.lock();
            continue;
        }
        spun = false;
        state = wait_for_work(&shared, state, &mut timed_out);
    };
    log::trace!("{}-{index} exits: {exit:?}", shared.name_prefix);
    state.threads -= 1;
    state.worker_ids.retain(|id| *id != me);
    if state.phase == Phase::Open {
        state.exited.push(index);
    }
    shared.notify_if_gone(&state);
}

/// Waits (idle) for a job, a stop, a resize, or the keep-alive time.
fn wait_for_work<'a>(shared: &'a Shared, mut state: Guard<'a>, timed_out: &mut bool) -> Guard<'a> {
    state.idle += 1;
    let (mut state, timeout) = if state.threads > state.min {
        shared.work.wait_timeout(state, shared.keep_alive)
    } else {
        (shared.work.wait(state), false)
    };
    state.idle -= 1;
    // Whatever woke us, we are about to look at the queue: that is what a
    // wakeup promised (design note 2).
    state.wakeups = state.wakeups.saturating_sub(1);
    *timed_out = timeout;
    state
}

/// Spins briefly, outside the lock, until the queue looks non-empty.
#[cfg(not(deferred_loom))]
fn spin_for_work(shared: &Shared) {
    for _ in 0..SPIN_PAUSES {
        if shared.queued_hint.load(Ordering::Relaxed) > 0 {
            return;
        }
        std::hint::spin_loop();
    }
    for _ in 0..SPIN_YIELDS {
        if shared.queued_hint.load(Ordering::Relaxed) > 0 {
            return;
        }
        std::thread::yield_now();
    }
}

/// Loom models skip the spin (design note 6).
#[cfg(deferred_loom)]
fn spin_for_work(_shared: &Shared) {}
