//! Models 18a and 18b (issue 17): the reactor's lifecycle edges.
//!
//! - 18a: a stop from another thread racing a task that wakes itself for
//!   ever: `run` returns, the task fails with `ReactorError::Stopped` and
//!   its future is dropped (the stop's drain runs a number of calls fixed
//!   when it begins).
//! - 18b: the drop of a reactor that never ran racing a worker handing a
//!   `defer_to_thread` result back to it (the worker's call from its
//!   thread): whichever drops the last handle, the Deferred fires once with
//!   the result, the reactor is freed, and a call queued on it never runs
//!   and is dropped once.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use deferred::{defer_to_thread, Deferred, Reactor, ReactorError};
use loom::thread;

use crate::support::{model, pool, stop_when_running};

/// Counts a drop (an observation: std atomics, see support).
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A future that never ends: each poll wakes its own waker and returns
/// `Pending` (tokio's `yield_now` in a loop), and yields the thread to
/// loom, so that the other threads get to run (the reactor thread is never
/// idle while it lives). Its drop sets `dropped`. Not a loop over
/// `deferred::testing::yield_now`: that one does not yield the thread to
/// loom, and the model needs every poll to.
struct YieldForever {
    polls: Arc<AtomicUsize>,
    dropped: Arc<AtomicBool>,
}

impl Future for YieldForever {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        thread::yield_now();
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl Drop for YieldForever {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// Model 18a (issue 17 item 1): another thread stops the reactor while a
/// spawned task wakes itself for ever, at any point of the loop's turn
/// (running the task's poll, queueing the next, checking the phase). `run`
/// returns (a drain that waited for the queue to empty would run the task
/// for ever, which loom reports as a model that never ends), the task's
/// Deferred fails with `ReactorError::Stopped`, and its future is dropped.
#[test]
fn a_stop_racing_a_self_waking_task_ends_run() {
    model(|| {
        let reactor = Reactor::with_thread_pool(pool(0, 1));
        let (polls, dropped) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let d: Deferred<()> = reactor.spawn(YieldForever {
            polls: Arc::clone(&polls),
            dropped: Arc::clone(&dropped),
        });
        let stopper = {
            let r = reactor.clone();
            thread::spawn(move || stop_when_running(&r))
        };
        reactor.run().unwrap();
        stopper.join().unwrap();
        let failure = d.result().expect("fired by the stop").unwrap_err();
        assert_eq!(
            failure.downcast_ref::<ReactorError>(),
            Some(&ReactorError::Stopped)
        );
        assert!(dropped.load(Ordering::SeqCst), "the future is dropped");
        assert!(polls.load(Ordering::SeqCst) >= 1);
    });
}

/// Model 18b (issue 17 item 4): a reactor that never runs, with a pool of
/// the user's (started), so that its `defer_to_thread` job runs at once on
/// a worker, whose result crosses back to the reactor (a call from the
/// worker's thread) while the main thread drops its handle, the last but
/// for the worker's own hold while it hands the result over. Either the
/// worker finds the reactor gone (and fires the Deferred itself), or it
/// queues the result and then drops the last handle (the reactor's drop,
/// on the worker, fires it from the queue), or main's drop comes last. In
/// every order: the Deferred fires once, with the result; the reactor is
/// freed (its timer's closure is dropped); and a call queued on it before
/// the drop never runs and is dropped once.
#[test]
fn a_drop_of_an_unrun_reactor_racing_a_workers_call_back() {
    model(|| {
        let reactor = Reactor::with_thread_pool(pool(0, 1));
        let freed = Arc::new(AtomicUsize::new(0));
        let guard = DropCount(Arc::clone(&freed));
        reactor
            .call_later(Duration::ZERO, move || drop(guard))
            .unwrap();
        let (ran, call_dropped) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicUsize::new(0)),
        );
        let (flag, guard) = (Arc::clone(&ran), DropCount(Arc::clone(&call_dropped)));
        reactor
            .call_from_thread(move || {
                let _guard = guard;
                flag.store(true, Ordering::SeqCst);
            })
            .unwrap();
        let d: Deferred<u32> = defer_to_thread(&reactor, || 5);
        drop(reactor);
        // The worker may still be handing the result over.
        while d.result().is_none() {
            thread::yield_now();
        }
        assert_eq!(d.result().unwrap().unwrap(), 5);
        while freed.load(Ordering::SeqCst) == 0 {
            thread::yield_now();
        }
        assert_eq!(freed.load(Ordering::SeqCst), 1);
        assert!(
            !ran.load(Ordering::SeqCst),
            "a reactor that never ran runs no call"
        );
        assert_eq!(call_dropped.load(Ordering::SeqCst), 1);
    });
}
