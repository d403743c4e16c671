//! The OS scheduling priority of a pool's workers
//! ([`ThreadPoolBuilder::worker_priority`](super::ThreadPoolBuilder::worker_priority)),
//! set through the `thread-priority` crate: the OS calls it makes need FFI,
//! which this crate (`deny(unsafe_code)`, with one module excepted for the
//! engine) does not write itself.

/// How the OS schedules a pool's workers beside the threads that hand them
/// work ([`ThreadPoolBuilder::worker_priority`](crate::ThreadPoolBuilder::worker_priority)).
///
/// A worker sets its own priority as it starts. A thread never gets its
/// priority back without privileges, and threads inherit it: a thread a job
/// spawns, or a worker of another pool started from a job, runs at the
/// same priority. Where the OS refuses, the worker logs it (`debug` level)
/// and runs at the priority it inherited.
///
/// ```
/// use deferred::{ThreadPool, WorkerPriority};
///
/// let pool = ThreadPool::builder().worker_priority(WorkerPriority::Idle).build().unwrap();
/// pool.call_in_thread(|| { /* runs only when nothing else wants the core */ }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum WorkerPriority {
    /// Unchanged: the priority of the thread that starts the worker. The
    /// default of [`ThreadPool::builder`](crate::ThreadPool::builder).
    #[default]
    Normal,
    /// Below normal: nice 10 on Linux and the other Unix-likes (the default
    /// is 0; each step of nice is about 10% less CPU share when threads
    /// compete), a below-default priority of its class on macOS,
    /// `THREAD_PRIORITY_BELOW_NORMAL` on Windows. Workers still get a fair
    /// share of a busy machine. The default of the
    /// [`Reactor`](crate::Reactor)'s own pool.
    Lowered,
    /// Only when no thread of normal priority wants the core: `SCHED_IDLE`
    /// on Linux, the lowest priority the OS offers elsewhere. The reactor
    /// thread then gets a core back the moment it wakes, even from ten
    /// CPU-bound workers on two cores (Linux otherwise lets a running
    /// thread finish its time slice first: milliseconds). The price: on a
    /// machine whose cores other programs keep busy, the workers get almost
    /// nothing, so a `defer_to_thread` job may wait as long as the machine
    /// stays busy (docs/benchmarks.md measures both sides).
    Idle,
}

/// The cross-platform priority a [`WorkerPriority::Lowered`] worker takes,
/// on `thread-priority`'s scale of 0 (lowest) to 99: on Linux it maps to
/// nice 10. Nice 19 (the lowest) starves the workers whenever any other
/// process wants the cores, which on a shared machine costs far more wall
/// time than it buys the reactor, and it still does not let a waking
/// reactor preempt a worker inside its time slice (only `SCHED_IDLE` does).
#[cfg(not(deferred_loom))]
const LOWERED: u8 = 22;

/// Sets the calling thread's scheduling priority; logs (at `debug`) if the
/// OS refuses, and goes on at the priority it has.
#[cfg(not(deferred_loom))]
pub(super) fn set_current_thread(priority: WorkerPriority) {
    use thread_priority::{set_current_thread_priority, ThreadPriority, ThreadPriorityValue};

    let result = match priority {
        WorkerPriority::Normal => return,
        WorkerPriority::Lowered => ThreadPriorityValue::try_from(LOWERED).and_then(|value| {
            set_current_thread_priority(ThreadPriority::Crossplatform(value))
                .map_err(|error| format!("{error:?}"))
        }),
        WorkerPriority::Idle => set_idle().map_err(|error| format!("{error:?}")),
    };
    if let Err(error) = result {
        log::debug!("a pool worker could not set its scheduling priority ({priority:?}): {error}");
    }
}

/// `SCHED_IDLE` for the calling thread.
#[cfg(all(not(deferred_loom), target_os = "linux"))]
fn set_idle() -> Result<(), thread_priority::Error> {
    use thread_priority::unix::{
        set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
        ThreadSchedulePolicy,
    };
    set_thread_priority_and_policy(
        thread_native_id(),
        thread_priority::ThreadPriority::Min,
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
    )
}

/// The lowest priority the OS offers, where there is no `SCHED_IDLE`.
#[cfg(all(not(deferred_loom), not(target_os = "linux")))]
fn set_idle() -> Result<(), thread_priority::Error> {
    thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
}

/// Under loom there is no OS thread to set.
#[cfg(deferred_loom)]
pub(super) fn set_current_thread(_priority: WorkerPriority) {}
