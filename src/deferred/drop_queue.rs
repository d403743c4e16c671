//! Flattens recursive drops.
//!
//! A Deferred's queued handlers can hold other Deferreds (a continuation holds
//! the Deferred waiting on it), whose handlers hold more: dropping the head of
//! a million-long line would recurse a million frames deep. Instead, the
//! first drop on a thread becomes the drain: everything dropped inside it is
//! parked in a thread-local list and dropped one by one, in a loop.

use std::any::Any;
use std::cell::RefCell;

use crate::sync::thread_local;

/// The parked values and whether a drain is under way on this thread.
#[derive(Default)]
struct Queue {
    draining: bool,
    parked: Vec<Box<dyn Any>>,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::new(Queue::default());
}

/// Drops `value`, now or (inside another drop on this thread) once the outer
/// drop returns; either way before the outermost drop returns.
pub(crate) fn defer_drop(value: Box<dyn Any>) {
    let parked = QUEUE.try_with(|queue| {
        let mut queue = queue.borrow_mut();
        if queue.draining {
            queue.parked.push(value);
            None
        } else {
            queue.draining = true;
            Some(value)
        }
    });
    let first = match parked {
        Ok(Some(first)) => first,
        Ok(None) => return,
        // Thread-local storage is being torn down: drop in place.
        Err(_) => return,
    };
    drop(first);
    loop {
        // The queue was there when this drain began and is torn down only
        // after the code running on this thread; were it gone all the same,
        // nothing could have been parked on it, so there is nothing left.
        let next = QUEUE.try_with(|queue| {
            let mut queue = queue.borrow_mut();
            let next = queue.parked.pop();
            if next.is_none() {
                queue.draining = false;
            }
            next
        });
        match next {
            Ok(Some(value)) => drop(value),
            Ok(None) | Err(_) => break,
        }
    }
}
