//! `.await` on a Deferred: [`DeferredFuture`], the `IntoFuture` of
//! `Deferred<T>`.
//!
//! The first poll attaches a hand-over at the end of the Deferred's chain
//! (`Deferred::hand_over`: the chain ends there, as with `then`), so the
//! future gets exactly what a handler added at that point would get. The
//! hand-over stores the result in a [`Cell`] shared with the future and
//! wakes the waker registered there; see the design note in `bridge/mod.rs`
//! (notes 1 to 4) for why no wake-up is lost.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::error::DroppedUnfiredError;
use super::task::{self, CancelAwaited, Registration};
use crate::deferred::{report_unhandled, Deferred, WeakDeferred};
use crate::failure::{AlreadyChainedError, CancelledError, Failure};
use crate::mutant;
use crate::sync::{Arc, Mutex};
use crate::unwind;

/// The future of a [`Deferred`]'s result: what `d.await` polls
/// (`Deferred<T>: IntoFuture`). Resolves to `Ok(value)` or `Err(failure)`.
///
/// - **Where it takes the result.** Its first poll attaches it at the end of
///   the Deferred's chain, as a handler added at that point would be: it gets
///   what the handlers before it made of the result, and the Deferred is
///   [`Consumed`](crate::DeferredState::Consumed) from then on (Twisted's
///   awaiting callback leaves `None` behind; a `Deferred<T>` has no `None`,
///   so handlers added after the await never run, as after
///   [`then`](Deferred::then)). Before its first poll it has done nothing.
/// - **Any thread, any executor.** It may be polled on one thread while the
///   Deferred fires on another; no wake-up is lost, and only the waker of the
///   latest poll is woken, once. It is `Send` when `T` is, and `Unpin`.
/// - **Dropping it before it resolves cancels the Deferred** (as Twisted's
///   `asFuture` does when its future is cancelled): nothing else can ever
///   get that result, so the operation behind it is told to stop. The
///   `CancelledError` this produces is not reported as unhandled; any other
///   failure that arrives after the drop stays in the Deferred, which
///   reports it if nothing handles it. A failure that had arrived but was
///   never returned is reported when the future is dropped.
/// - **Errors of its own**: [`AlreadyChainedError`] if the Deferred's result
///   was already handed on (awaited, chained, `then`) before this await
///   attached, or if it is the Deferred that the output of the task
///   awaiting it fires (a task awaiting itself would wait forever);
///   [`DroppedUnfiredError`] if the Deferred is dropped unfired
///   while awaited (nothing could fire it any more).
///
/// ```
/// use std::future::IntoFuture;
/// use deferred::Deferred;
///
/// let d = Deferred::new();
/// d.add_callback(|n: u32| n + 1);
/// let waiter = std::thread::spawn({
///     let d = d.clone();
///     // `.await` calls `into_future` itself; an executor's entry point that
///     // takes a `Future` needs it spelled out.
///     move || futures::executor::block_on(d.into_future())
/// });
/// d.callback(41).unwrap();
/// assert_eq!(waiter.join().unwrap().unwrap(), 42);
/// ```
#[must_use = "futures do nothing unless polled; dropping an attached one cancels its Deferred"]
pub struct DeferredFuture<T: Send + 'static> {
    stage: Stage<T>,
}

impl<T: Send + 'static> std::fmt::Debug for DeferredFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stage = match &self.stage {
            Stage::Unattached(_) => "unattached",
            Stage::Attached { .. } => "attached",
            Stage::Done => "done",
        };
        f.debug_struct("DeferredFuture")
            .field("stage", &stage)
            .finish()
    }
}

enum Stage<T: 'static> {
    /// Not polled yet: nothing attached.
    Unattached(Deferred<T>),
    /// Attached, waiting for the result.
    Attached {
        cell: Arc<Cell<T>>,
        /// In the awaiting task's list, if a bridge task polls us (for its
        /// cancel); taken out when we resolve or are dropped.
        registration: Option<Registration>,
    },
    /// Resolved: the result was returned.
    Done,
}

/// What the future and its hand-over share (design note 2).
pub(crate) struct Cell<T: 'static> {
    slot: Mutex<Slot<T>>,
    /// The awaited Deferred, for a cancel; weak, so that a Deferred nobody
    /// else holds is freed (and the future told) instead of kept alive in a
    /// cycle through the waker.
    deferred: WeakDeferred<T>,
}

struct Slot<T> {
    /// The result, once the hand-over ran, until the future returns it.
    result: Option<Result<T, Failure>>,
    /// The latest poll's waker.
    waker: Option<Waker>,
    /// The hand-over was dropped without running: nothing will ever come.
    closed: bool,
    /// The future was dropped: a result that comes now has nobody to go to.
    abandoned: bool,
}

impl<T: Send + 'static> IntoFuture for Deferred<T> {
    type Output = Result<T, Failure>;
    type IntoFuture = DeferredFuture<T>;

    /// The future of this Deferred's result; see [`DeferredFuture`].
    fn into_future(self) -> DeferredFuture<T> {
        DeferredFuture {
            stage: Stage::Unattached(self),
        }
    }
}

impl<T: Send + 'static> Future for DeferredFuture<T> {
    type Output = Result<T, Failure>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Stage::Unattached(_) = this.stage {
            let Stage::Unattached(d) = std::mem::replace(&mut this.stage, Stage::Done) else {
                unreachable!("matched just above")
            };
            if task::fires_current_task(&d) {
                return Poll::Ready(Err(Failure::new(AlreadyChainedError::AwaitedByItsTask)));
            }
            match attach(d) {
                Ok(cell) => {
                    this.stage = Stage::Attached {
                        cell,
                        registration: None,
                    }
                }
                Err(ready) => return Poll::Ready(ready),
            }
        }
        let Stage::Attached { cell, registration } = &mut this.stage else {
            panic!("DeferredFuture polled after it returned its result");
        };
        let mut slot = cell.slot.lock();
        if let Some(result) = slot.result.take() {
            drop(slot);
            this.stage = Stage::Done;
            return Poll::Ready(result);
        }
        if slot.closed {
            drop(slot);
            this.stage = Stage::Done;
            return Poll::Ready(Err(Failure::new(DroppedUnfiredError)));
        }
        // Note 3: the check above and this registration are one critical
        // section, so a result that comes after it finds this waker. (The
        // mutant registers in a second one: a result stored in between finds
        // no waker, or a stale one, and the future sleeps forever.)
        let stale = if mutant::on("bridge_waker_after_check") {
            drop(slot);
            register(&mut cell.slot.lock(), cx.waker())
        } else {
            let stale = register(&mut slot, cx.waker());
            drop(slot);
            stale
        };
        drop(stale); // a waker's destructor is foreign code: not under our lock
        if registration.is_none() {
            let target: Arc<dyn CancelAwaited> = Arc::clone(cell) as Arc<dyn CancelAwaited>;
            *registration = task::register_awaited(&target);
        }
        Poll::Pending
    }
}

/// Stores `waker` unless the one there wakes the same task; returns the one
/// it replaces (note 4: only the latest poll's waker is woken).
fn register<T>(slot: &mut Slot<T>, waker: &Waker) -> Option<Waker> {
    match &slot.waker {
        Some(current) if current.will_wake(waker) => None,
        _ => slot.waker.replace(waker.clone()),
    }
}

/// The first poll: attaches the hand-over. `Err` carries the result when it
/// is there at once (a fired Deferred, or one that cannot be awaited).
fn attach<T: Send + 'static>(d: Deferred<T>) -> Result<Arc<Cell<T>>, Result<T, Failure>> {
    let cell = Arc::new(Cell {
        slot: Mutex::new(Slot {
            result: None,
            waker: None,
            closed: false,
            abandoned: false,
        }),
        deferred: d.downgrade(),
    });
    let sender = Sender {
        cell: Some(Arc::clone(&cell)),
    };
    d.hand_over(move |result| sender.send(result));
    {
        let mut slot = cell.slot.lock();
        if let Some(result) = slot.result.take() {
            // A fired Deferred: the hand-over ran inside `hand_over`.
            return Err(result);
        }
        if slot.closed {
            // Dropped at once, while we still hold the Deferred: its chain
            // was already handed on (awaited, chained, `then`).
            return Err(Err(Failure::new(AlreadyChainedError::Awaited)));
        }
    }
    // From here on the Deferred lives only as long as others hold it; if
    // this was the last handle, the hand-over is dropped and closes the cell.
    drop(d);
    Ok(cell)
}

impl<T: Send + 'static> CancelAwaited for Cell<T> {
    fn cancel_awaited(&self) {
        if let Some(d) = self.deferred.upgrade() {
            d.cancel();
        }
    }
}

impl<T: Send + 'static> Cell<T> {
    /// The future is gone before it returned a result (design note 5).
    fn abandon(&self) {
        let mut slot = self.slot.lock();
        slot.abandoned = true;
        let waker = slot.waker.take();
        let unread = slot.result.take();
        let closed = slot.closed;
        drop(slot);
        drop(waker);
        match unread {
            Some(Err(failure)) if !failure.check::<CancelledError>() => {
                report_unhandled(&failure, None)
            }
            Some(_) => {}
            None if closed => {}
            // Nobody else can ever get this result: stop the operation.
            None => self.cancel_awaited(),
        }
    }
}

impl<T: Send + 'static> Drop for DeferredFuture<T> {
    fn drop(&mut self) {
        if let Stage::Attached { cell, .. } = &self.stage {
            cell.abandon();
        }
    }
}

/// The hand-over's end of the cell; closes it if dropped without sending.
struct Sender<T: 'static> {
    cell: Option<Arc<Cell<T>>>,
}

impl<T: Send + 'static> Sender<T> {
    /// Delivers the result and wakes the latest waker (note 2). If the future
    /// is gone, gives a failure back to the chain, except the
    /// `CancelledError` its drop caused (note 5).
    fn send(mut self, result: Result<T, Failure>) -> Option<Failure> {
        let cell = self.cell.take().expect("a sender sends once");
        let mut slot = cell.slot.lock();
        if slot.abandoned {
            drop(slot);
            return match result {
                Err(failure) if !failure.check::<CancelledError>() => Some(failure),
                _ => None,
            };
        }
        slot.result = Some(result);
        let waker = slot.waker.take();
        drop(slot);
        wake(waker);
        None
    }
}

impl<T: 'static> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(cell) = self.cell.take() {
            let mut slot = cell.slot.lock();
            slot.closed = true;
            let waker = slot.waker.take();
            drop(slot);
            wake(waker);
        }
    }
}

/// Wakes a waker outside our lock; a foreign waker that panics is logged.
fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        unwind::run_logged("a waker", || waker.wake());
    }
}
