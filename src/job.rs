//! [`Job`]: a unit of work run once on another thread: by a pool worker
//! (`ThreadPool`) or by the reactor thread (`call_from_thread`, timers).

/// Something to run once, on whichever thread takes it.
///
/// Every closure is a task. `defer_to_thread` implements it for its own
/// two-stage job, so that the one allocation made for the work is reused to
/// carry the result back to the reactor thread.
pub(crate) trait Task: Send + 'static {
    /// Runs the task, consuming it.
    fn run(self: Box<Self>);

    /// Whether this is the result of a job that `defer_to_thread` handed to
    /// a thread, coming back to the reactor (which counts them, to spin
    /// while one is due: design note 7 of `src/reactor/mod.rs`).
    #[inline]
    fn returns_from_thread(&self) -> bool {
        false
    }
}

impl<F: FnOnce() + Send + 'static> Task for F {
    #[inline]
    fn run(self: Box<Self>) {
        (*self)()
    }
}

/// A boxed task, as the pool's queue and the reactor's call queue hold them.
pub(crate) type Job = Box<dyn Task>;
