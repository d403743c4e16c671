use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use super::yield_now;
use crate::{ensure_deferred, Deferred, Reactor};

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn it_is_pending_once_waking_its_waker_then_ready_and_stays_ready() {
    let counter = Arc::new(Counter::default());
    let waker = Waker::from(Arc::clone(&counter));
    let mut cx = Context::from_waker(&waker);
    let mut future = yield_now();
    assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Pending);
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "woken before Pending returned"
    );
    assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Ready(()));
    assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Ready(()));
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "only the first poll wakes"
    );
}

#[test]
fn ensure_deferred_polls_again_at_once_so_the_task_ends_before_it_returns() {
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&polls);
    let d: Deferred<u8> = ensure_deferred(async move {
        counted.fetch_add(1, Ordering::SeqCst);
        yield_now().await;
        counted.fetch_add(1, Ordering::SeqCst);
        yield_now().await;
        7
    });
    assert_eq!(d.result().unwrap().unwrap(), 7);
    assert_eq!(polls.load(Ordering::SeqCst), 2);
}

/// On the reactor, a yield puts the task's next poll behind the calls
/// queued meanwhile: they run between its polls.
#[test]
fn on_the_reactor_the_calls_queued_meanwhile_run_between_the_polls() {
    let reactor = Reactor::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (l, r) = (Arc::clone(&log), reactor.clone());
    let task: Deferred<()> = reactor.spawn(async move {
        l.lock().unwrap().push("before");
        yield_now().await;
        l.lock().unwrap().push("after");
        r.stop().unwrap();
    });
    let l = Arc::clone(&log);
    reactor
        .call_from_thread(move || l.lock().unwrap().push("call"))
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(*log.lock().unwrap(), ["before", "call", "after"]);
    assert_eq!(task.result().unwrap().unwrap(), ());
}
