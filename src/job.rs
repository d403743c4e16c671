//! [`Job`]: a unit of work run once on another thread: by a pool worker
//! (`ThreadPool`) or by the reactor thread (`call_from_thread`, timers).
//!
//! A job is its closure, kept inline (`in_place::InlineFnOnceN`, the
//! handlers' inline storage with room for five words) in whatever holds
//! it: a slot of the pool's queue, the reactor's vector of calls. So a job
//! of a small closure costs no allocation, and `defer_to_thread` costs one,
//! its Deferred's: its work goes out as one inline job and its result
//! comes back as another (issue 19; docs/threads.md). A larger closure is
//! boxed, and its box (one word) kept inline.

use crate::deferred::InlineFnOnceN;

/// Words of captures a job keeps inline, in the queue slot itself: enough
/// for `defer_to_thread`'s work (the Deferred's handle, the reactor's weak
/// handle, and a closure of up to two words) and for its delivery (the
/// handle and the outcome of a result of up to three words, such as a
/// `String`; `threads::tests::small_work_and_its_result_travel_inline`
/// pins both). A larger closure is boxed, as every job was before.
const JOB_WORDS: usize = 5;

/// Something to run once, on whichever thread takes it: a closure kept
/// inline when it fits in [`JOB_WORDS`] words (no allocation), boxed
/// otherwise.
pub(crate) struct Job {
    /// The closure.
    call: InlineFnOnceN<(), (), JOB_WORDS>,
    /// Whether this is the result of a job that `defer_to_thread` handed to
    /// a thread, coming back to the reactor (which counts them, to spin
    /// while one is due: design note 7 of `src/reactor/mod.rs`).
    returning: bool,
}

impl Job {
    /// A job that runs `f`.
    #[inline]
    pub(crate) fn new(f: impl FnOnce() + Send + 'static) -> Job {
        Job {
            call: InlineFnOnceN::new(move |()| f()),
            returning: false,
        }
    }

    /// A job that brings the result of `defer_to_thread`'s work back to the
    /// reactor thread.
    #[inline]
    pub(crate) fn returning(f: impl FnOnce() + Send + 'static) -> Job {
        Job {
            returning: true,
            ..Job::new(f)
        }
    }

    /// Runs the job, consuming it.
    #[inline]
    pub(crate) fn run(self) {
        self.call.call(());
    }

    /// Whether this brings a thread's result back ([`returning`](Job::returning)).
    #[inline]
    pub(crate) fn returns_from_thread(&self) -> bool {
        self.returning
    }
}

#[cfg(test)]
impl Job {
    /// Whether a job of closure type `F` (or of a closure that captures an
    /// `F` alone) is kept inline (no allocation).
    pub(crate) const fn keeps_inline<F>() -> bool {
        // `new` stores `move |()| f()`, which is `F` and nothing more.
        InlineFnOnceN::<(), (), JOB_WORDS>::is_inline::<F>()
    }
}

#[cfg(test)]
mod tests {
    use super::Job;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Counts its drops.
    struct Drops(Arc<AtomicUsize>);
    impl Drop for Drops {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A job runs its closure once and drops its captures once, whether it
    /// runs or is dropped unrun, kept inline or boxed; only `returning`
    /// says it brings a thread's result back.
    #[test]
    fn a_job_runs_once_or_is_dropped_once_inline_or_boxed() {
        let (ran, drops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let small = {
            let (ran, guard) = (Arc::clone(&ran), Drops(Arc::clone(&drops)));
            move || {
                let _keep = &guard;
                ran.fetch_add(1, Ordering::SeqCst);
            }
        };
        let large = {
            let (ran, guard, pad) = (Arc::clone(&ran), Drops(Arc::clone(&drops)), [7u64; 8]);
            move || {
                let _keep = &guard;
                ran.fetch_add(usize::from(pad[7] == 7) * 10, Ordering::SeqCst);
            }
        };
        fn inline_of<F: FnOnce() + Send + 'static>(_: &F) -> bool {
            Job::keeps_inline::<F>()
        }
        assert!(inline_of(&small));
        assert!(!inline_of(&large));
        let (small, large) = (Job::new(small), Job::returning(large));
        assert!(!small.returns_from_thread());
        assert!(large.returns_from_thread());
        small.run();
        assert_eq!(
            (ran.load(Ordering::SeqCst), drops.load(Ordering::SeqCst)),
            (1, 1)
        );
        large.run();
        assert_eq!(
            (ran.load(Ordering::SeqCst), drops.load(Ordering::SeqCst)),
            (11, 2)
        );
        let guards = (Drops(Arc::clone(&drops)), Drops(Arc::clone(&drops)));
        let (a, b) = (guards.0, (guards.1, [0u64; 8]));
        drop(Job::new(move || drop(a)));
        drop(Job::returning(move || drop(b)));
        assert_eq!(
            (ran.load(Ordering::SeqCst), drops.load(Ordering::SeqCst)),
            (11, 4)
        );
    }
}
