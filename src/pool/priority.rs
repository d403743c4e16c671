//! Lowering a worker's OS scheduling priority
//! ([`ThreadPoolBuilder::lower_priority`](super::ThreadPoolBuilder::lower_priority)),
//! through the `thread-priority` crate: the OS calls it makes need FFI,
//! which this crate (`deny(unsafe_code)`, with one module excepted for the engine) does not write itself.

/// The cross-platform priority a lowered worker takes, on `thread-priority`'s
/// scale of 0 (lowest) to 99: on Linux it maps to nice 10, on Windows to
/// `THREAD_PRIORITY_BELOW_NORMAL`, on macOS to a priority below its class's
/// default. Nice 19 (the lowest) starves the workers whenever any other
/// process wants the cores, which on a shared machine costs far more wall
/// time than it buys the reactor (docs/benchmarks.md has the figures).
#[cfg(not(deferred_loom))]
const LOWERED: u8 = 22;

/// Lowers the calling thread's scheduling priority; logs (at `debug`) if
/// the OS refuses, and goes on at the normal priority.
#[cfg(not(deferred_loom))]
pub(super) fn lower_current_thread() {
    use thread_priority::{set_current_thread_priority, ThreadPriority, ThreadPriorityValue};

    let result = ThreadPriorityValue::try_from(LOWERED).and_then(|value| {
        set_current_thread_priority(ThreadPriority::Crossplatform(value))
            .map_err(|error| format!("{error:?}"))
    });
    if let Err(error) = result {
        log::debug!("a pool worker could not lower its scheduling priority: {error}");
    }
}

/// Under loom there is no OS thread to lower.
#[cfg(deferred_loom)]
pub(super) fn lower_current_thread() {}
