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
    /// Below normal, and never above the thread that built the pool: on
    /// Linux ten steps of nice below that thread, at most 19 (nice 10 in a
    /// default process, where nice is 0; 19 in one started under
    /// `nice -n 15`; each step is about 10% less CPU share when threads
    /// compete); a below-default priority of its class on macOS and the
    /// other Unix-likes, `THREAD_PRIORITY_BELOW_NORMAL` on Windows. Workers
    /// still get a fair share of a busy machine. The default of the
    /// [`Reactor`](crate::Reactor)'s own pool.
    Lowered,
    /// Only when no thread of normal priority wants the core: `SCHED_IDLE`
    /// on Linux (below every nice value; the worker keeps the nice value it
    /// inherited), the lowest priority the OS offers elsewhere. The reactor
    /// thread then gets a core back the moment it wakes, even from ten
    /// CPU-bound workers on two cores (Linux otherwise lets a running
    /// thread finish its time slice first: milliseconds). The price: on a
    /// machine whose cores other programs keep busy, the workers get almost
    /// nothing, so a `defer_to_thread` job may wait as long as the machine
    /// stays busy (docs/benchmarks.md measures both sides).
    Idle,
}

/// How far below the building thread a [`WorkerPriority::Lowered`] worker
/// runs on Linux, in steps of nice (each about 10% less CPU share when
/// threads compete; 10 steps: about a tenth of the building thread's
/// share), capped at nice 19, the lowest. Nice 19 outright would starve the
/// workers whenever any other process wants the cores, which on a shared
/// machine costs far more wall time than it buys the reactor, and it still
/// does not let a waking reactor preempt a worker inside its time slice
/// (only `SCHED_IDLE` does).
#[cfg(all(not(deferred_loom), target_os = "linux"))]
const LOWERED_BY: i32 = 10;

/// The lowest priority nice names (Linux).
#[cfg(all(not(deferred_loom), target_os = "linux"))]
const NICE_LOWEST: i32 = 19;

/// The cross-platform priority a [`WorkerPriority::Lowered`] worker takes
/// outside Linux, on `thread-priority`'s scale of 0 (lowest) to 99 (it
/// would be nice 10 on Linux).
#[cfg(all(not(deferred_loom), not(target_os = "linux")))]
const LOWERED: u8 = 22;

/// What a pool's workers set on themselves as they start: the
/// [`WorkerPriority`] the builder named, and on Linux the nice value of the
/// thread that built the pool, read once at build. Workers lower relative
/// to that thread, not to whichever thread happens to start them (a worker
/// started by another worker's job already runs lowered, and lowering again
/// from there would compound).
#[derive(Debug, Clone, Copy)]
pub(super) struct Target {
    /// The builder's choice.
    pub(super) priority: WorkerPriority,
    /// The building thread's nice value (`None`: unread, so unchanged).
    #[cfg(all(not(deferred_loom), target_os = "linux"))]
    builder_nice: Option<i32>,
}

/// The [`Target`] for `priority`, read on the building thread.
pub(super) fn target(priority: WorkerPriority) -> Target {
    Target {
        priority,
        #[cfg(all(not(deferred_loom), target_os = "linux"))]
        builder_nice: match priority {
            WorkerPriority::Lowered => rustix::process::getpriority_process(None).ok(),
            _ => None,
        },
    }
}

/// The nice value a `Lowered` worker runs at when the pool was built by a
/// thread at `builder_nice` and the worker inherited `own`: ten steps below
/// the building thread (at most the lowest, 19), and never above what it
/// inherited (a thread at nice 15 that builds a pool gets workers at 19, not
/// at 10: nice 10 would run them *above* it).
#[cfg(all(not(deferred_loom), target_os = "linux"))]
pub(super) fn lowered_nice(builder_nice: i32, own: i32) -> i32 {
    builder_nice
        .saturating_add(LOWERED_BY)
        .min(NICE_LOWEST)
        .max(own)
}

/// Sets the calling thread's scheduling priority; logs (at `debug`) if the
/// OS refuses, and goes on at the priority it has.
#[cfg(not(deferred_loom))]
pub(super) fn set_current_thread(target: Target) {
    let result = match target.priority {
        WorkerPriority::Normal => return,
        WorkerPriority::Lowered => set_lowered(target),
        WorkerPriority::Idle => set_idle(),
    };
    if let Err(error) = result {
        log::debug!(
            "a pool worker could not set its scheduling priority ({:?}): {error}",
            target.priority
        );
    }
}

/// Linux: nice [`lowered_nice`] for the calling thread (`setpriority` with
/// `PRIO_PROCESS` names the calling thread on Linux, not the process).
/// Under a real-time policy nice changes nothing, and the worker keeps the
/// policy it inherited.
#[cfg(all(not(deferred_loom), target_os = "linux"))]
fn set_lowered(target: Target) -> Result<(), String> {
    use rustix::process::{getpriority_process, setpriority_process};
    let builder_nice = target
        .builder_nice
        .ok_or("the building thread's nice value was unreadable")?;
    let own = getpriority_process(None).map_err(|error| error.to_string())?;
    let nice = lowered_nice(builder_nice, own);
    if nice == own {
        return Ok(());
    }
    setpriority_process(None, nice).map_err(|error| error.to_string())
}

/// Elsewhere: `thread-priority`'s below-normal level.
#[cfg(all(not(deferred_loom), not(target_os = "linux")))]
fn set_lowered(_target: Target) -> Result<(), String> {
    use thread_priority::{set_current_thread_priority, ThreadPriority, ThreadPriorityValue};
    ThreadPriorityValue::try_from(LOWERED).and_then(|value| {
        set_current_thread_priority(ThreadPriority::Crossplatform(value))
            .map_err(|error| format!("{error:?}"))
    })
}

/// `SCHED_IDLE` for the calling thread. `thread-priority` then sets nice
/// 0 (the only value it accepts for that policy), which from a thread at a
/// positive nice either fails (unprivileged: the policy is set all the
/// same) or raises the nice value; the nice value is put back, so that a
/// thread the worker's jobs start, which inherits it, is never above the
/// building thread either.
#[cfg(all(not(deferred_loom), target_os = "linux"))]
fn set_idle() -> Result<(), String> {
    use rustix::process::{getpriority_process, setpriority_process};
    use thread_priority::unix::{
        set_thread_priority_and_policy, thread_native_id, thread_schedule_policy,
        NormalThreadSchedulePolicy, ThreadSchedulePolicy,
    };
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    let before = getpriority_process(None).map_err(|error| error.to_string())?;
    let set = set_thread_priority_and_policy(
        thread_native_id(),
        thread_priority::ThreadPriority::Min,
        idle,
    );
    if thread_schedule_policy().ok() != Some(idle) {
        return set.map_err(|error| format!("{error:?}"));
    }
    let after = getpriority_process(None).map_err(|error| error.to_string())?;
    if after < before {
        setpriority_process(None, before).map_err(|error| error.to_string())?;
    }
    Ok(())
}

/// The lowest priority the OS offers, where there is no `SCHED_IDLE`.
#[cfg(all(not(deferred_loom), not(target_os = "linux")))]
fn set_idle() -> Result<(), String> {
    thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
        .map_err(|error| format!("{error:?}"))
}

/// Under loom there is no OS thread to set.
#[cfg(deferred_loom)]
pub(super) fn set_current_thread(target: Target) {
    let _ = target.priority;
}
