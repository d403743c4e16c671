//! Hands tokens and items to waiters in constant stack.
//!
//! A release (or a put) that serves a waiter fires its Deferred, which runs
//! the waiter's callbacks, which commonly release (or put) again, serving
//! the next waiter from inside the first one's callbacks: one stack level
//! per waiter. Twisted recurses the same way (and hits Python's recursion
//! limit); a thousand waiters overflowed a 2 MiB thread stack in a debug
//! build here. So a hand-off made while another one runs on the same thread
//! is queued on that thread and made when the running one returns, by the
//! outermost hand-off's loop. Who is served, and in what order, is decided
//! under the primitive's lock when the hand-off is queued; only the firing
//! waits.

use std::cell::RefCell;
use std::collections::VecDeque;

use crate::sync::thread_local;

type HandOff = Box<dyn FnOnce()>;

thread_local! {
    /// `Some` while a hand-off runs on this thread: the ones made meanwhile.
    static PENDING: RefCell<Option<VecDeque<HandOff>>> = RefCell::new(None);
}

/// Runs `hand_off` now, unless a hand-off is running on this thread; then
/// it runs right after that one and those queued before it.
///
/// From a thread-local destructor that runs after this thread's queue was
/// torn down, the hand-off runs at once, in place (nested, as Twisted
/// does): queueing it would lose it (nobody would run the queue) and
/// touching the gone queue would abort the process. The stack then grows
/// with each waiter a destructor's hand-off serves, which only a line of
/// waiters each releasing from its callbacks inside a teardown reaches.
pub(crate) fn run<F: FnOnce() + 'static>(hand_off: F) {
    let mut slot = Some(hand_off);
    let entered = PENDING.try_with(|pending| {
        let mut pending = pending.borrow_mut();
        match pending.as_mut() {
            Some(queue) => queue.extend(slot.take().map(|h| Box::new(h) as HandOff)),
            None => *pending = Some(VecDeque::new()),
        }
    });
    // Empty if the hand-off was queued behind the one running here.
    let Some(hand_off) = slot else {
        return;
    };
    if entered.is_err() {
        // Thread-local storage is being torn down: hand off in place.
        return hand_off();
    }
    // Leaves the thread ready for the next outermost hand-off even if one
    // panicked (a hand-off only fires a Deferred, which catches its
    // handlers' panics, so this is a belt and braces).
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            let rest = PENDING.try_with(|pending| pending.borrow_mut().take());
            drop(rest);
        }
    }
    let _done = Done;
    hand_off();
    // The queue outlives this loop: it was there when this hand-off began,
    // and a thread's thread-locals are torn down only after the code that
    // runs on it (a destructor running this loop keeps it alive meanwhile).
    // Were it gone all the same, nothing could have been queued on it.
    while let Some(next) = PENDING
        .try_with(|pending| pending.borrow_mut().as_mut()?.pop_front())
        .ok()
        .flatten()
    {
        next();
    }
}
