//! The worker loop: take a job, run it with no lock held, repeat; exit when
//! stopping with an empty queue, above the maximum, or idle too long above
//! the minimum.

use super::{unwind, Guard, Phase, Shared};
use crate::sync::thread;
use crate::sync::Arc;

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
    let exit = loop {
        if state.threads > state.max {
            break Exit::AboveMax;
        }
        // Mutant for `cargo xtask mutants`: stop no longer drains the queue.
        #[cfg(deferred_mutant = "pool_exit_with_queued_jobs")]
        if state.phase != Phase::Open {
            break Exit::Stopping;
        }
        if let Some(job) = state.queue.pop_front() {
            state.busy += 1;
            drop(state);
            unwind::run_logged("a thread pool job", job);
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
