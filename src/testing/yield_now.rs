//! [`yield_now`]: a future that gives its task's turn up once (tokio's
//! `task::yield_now`, with no runtime behind it).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future that is pending once, waking its own task, and then ready:
/// awaiting it ends the current poll and asks for the next one at once
/// (tokio's `task::yield_now`, but with no runtime to ask: the waker is
/// woken before the poll returns).
///
/// Where the next poll runs is the executor's business:
///
/// - [`Reactor::spawn`](crate::Reactor::spawn) and
///   [`Deferred::from_future`](crate::Deferred::from_future) queue it on the
///   reactor behind the calls that came meanwhile, so a task that yields
///   lets them run between its polls, a stop among them. A task that yields
///   for ever therefore cannot keep a stop from returning: its wake-up
///   after the stop's final drain began fails its Deferred with
///   [`ReactorError::Stopped`](crate::ReactorError::Stopped), its future
///   dropped (docs/threads.md, "Stopping").
/// - [`ensure_deferred`](crate::ensure_deferred) polls again at once, on
///   the same thread, before the poll that yielded returns: there is no
///   queue to go behind, so the yield gives nothing up (it costs one more
///   poll).
/// - Any other executor (tokio, `futures::executor`) does what it does
///   with a self-wake.
///
/// Polled again once it is ready, it stays ready.
///
/// A background task that yields between its steps, so that a stop from
/// a timer gets in:
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::sync::Arc;
/// use std::time::Duration;
/// use deferred::testing::{failure_result_of, yield_now, ErrorType};
/// use deferred::{Deferred, Reactor, ReactorError, ReactorTime};
///
/// let reactor = Reactor::new();
/// let steps = Arc::new(AtomicU32::new(0));
/// let counted = Arc::clone(&steps);
/// let task: Deferred<()> = reactor.spawn(async move {
///     // One step of work a turn, for (in practice) ever.
///     while counted.fetch_add(1, Ordering::SeqCst) < u32::MAX {
///         yield_now().await; // the reactor's other calls run here
///     }
/// });
/// let r = reactor.clone();
/// reactor.call_later(Duration::from_millis(5), move || r.stop().unwrap()).unwrap();
/// reactor.run().unwrap(); // returns, though the task never ends
/// failure_result_of(&task, &[ErrorType::of::<ReactorError>()]);
/// assert!(steps.load(Ordering::SeqCst) >= 1);
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future [`yield_now`] returns.
#[derive(Debug)]
#[must_use = "a future does nothing unless awaited"]
pub struct YieldNow {
    /// The first poll happened (and woke the task).
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Woken before returning Pending: whoever polls learns at once that
        // the task wants its next turn (no runtime to hand the waker to).
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(all(test, not(deferred_loom)))]
mod tests;
