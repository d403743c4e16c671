//! Runs a task's poll on the calling thread, with nesting bounded.
//!
//! A task woken by code that fires the Deferred it awaits is polled right
//! there, inside the fire, as Twisted resumes a coroutine inside the
//! `callback` that fires what it awaits. If that poll fires what another
//! task awaits, the second poll nests inside the first, and so on: left
//! alone, a line of a million tasks each firing the next would nest a
//! million polls deep. So polls nest up to [`MAX_NESTED_POLLS`] deep on a
//! thread; a wake-up deeper than that is queued on the thread, and the
//! poll at the deepest level runs the queue, in order, once it returns.
//! Up to that depth the order of events is Twisted's; past it a task runs
//! after the poll that woke it instead of inside it.

use std::cell::RefCell;
use std::collections::VecDeque;

use crate::sync::{thread_local, Arc};

/// How deep polls may nest on one thread before wake-ups are queued. Each
/// level costs a poll, the user code it runs and a Deferred's fire: about
/// 4.9 KiB of stack in an unoptimised build and 1.1 KiB in a release build
/// (measured with a line of tasks each firing the next, recording a local's
/// address at each level), so the bound keeps the nesting under 80 KiB,
/// well within the 256 KiB thread the small-stack tests run on.
pub(crate) const MAX_NESTED_POLLS: usize = 16;

/// Something that can be polled on the current thread.
pub(crate) trait Run: Send + Sync {
    /// Polls it (the task decides whether a poll is due).
    fn run(self: Arc<Self>);
}

#[derive(Default)]
struct Trampoline {
    /// Polls running on this thread now, outermost first.
    depth: usize,
    /// Wake-ups that came deeper than the bound, in order.
    queued: VecDeque<Arc<dyn Run>>,
}

thread_local! {
    static TRAMPOLINE: RefCell<Trampoline> = RefCell::new(Trampoline::default());
}

/// Undoes the depth count, also when a poll unwinds.
struct Level;

impl Drop for Level {
    fn drop(&mut self) {
        let _ = TRAMPOLINE.try_with(|t| t.borrow_mut().depth -= 1);
    }
}

/// Polls `task` here and now, or, if polls are already nested
/// [`MAX_NESTED_POLLS`] deep on this thread, queues it for the deepest one
/// to run when it returns.
pub(crate) fn run_here(task: Arc<dyn Run>) {
    run(task, false);
}

/// Polls `task` here and now at any depth: a task's first poll, which
/// `ensure_deferred` promises before it returns (docs/async.md). That
/// poll is the caller's own call, so its stack is the caller's as for any
/// call it makes (a recursion of `ensure_deferred`s nests as a recursive
/// function does, as in Twisted); what the bound is for, a line of
/// wake-ups each made by the previous poll, still queues under it, since
/// the level it takes counts towards the bound.
pub(crate) fn run_first(task: Arc<dyn Run>) {
    run(task, true);
}

fn run(task: Arc<dyn Run>, always: bool) {
    let entered = TRAMPOLINE.try_with(|t| {
        let mut t = t.borrow_mut();
        if t.depth >= MAX_NESTED_POLLS && !always {
            t.queued.push_back(Arc::clone(&task));
            false
        } else {
            t.depth += 1;
            true
        }
    });
    match entered {
        Ok(false) => return,
        Ok(true) => {}
        // Thread-local storage is being torn down: poll in place.
        Err(_) => return task.run(),
    }
    let _level = Level;
    task.run();
    // Wake-ups queued by deeper polls run at this level, one after the other.
    while let Some(next) = TRAMPOLINE
        .try_with(|t| t.borrow_mut().queued.pop_front())
        .ok()
        .flatten()
    {
        next.run();
    }
}
