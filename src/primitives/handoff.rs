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
pub(crate) fn run<F: FnOnce() + 'static>(hand_off: F) {
    let outermost = PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        match pending.as_mut() {
            Some(queue) => {
                queue.push_back(Box::new(hand_off));
                None
            }
            None => {
                *pending = Some(VecDeque::new());
                Some(hand_off)
            }
        }
    });
    let Some(hand_off) = outermost else {
        return;
    };
    // Leaves the thread ready for the next outermost hand-off even if one
    // panicked (a hand-off only fires a Deferred, which catches its
    // handlers' panics, so this is a belt and braces).
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            let rest = PENDING.with(|pending| pending.borrow_mut().take());
            drop(rest);
        }
    }
    let _done = Done;
    hand_off();
    while let Some(next) = PENDING.with(|pending| pending.borrow_mut().as_mut()?.pop_front()) {
        next();
    }
}
