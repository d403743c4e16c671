//! Model 13: the concurrency primitives across threads. A lock and a
//! semaphore lose no token and double none, serve their line first come
//! first served, each waiter once; a queue delivers each item once, in put
//! order, whatever a concurrent cancel of a waiting get does.
//!
//! Observations go into `std` types never held across a loom operation
//! (see `support.rs`).

use std::sync::{Arc, Mutex};

use deferred::{
    CancelledError, Deferred, DeferredLock, DeferredQueue, DeferredSemaphore, DeferredState,
    Failure, NotAcquiredError,
};
use loom::thread;

use crate::support::exhaustive;

/// How an acquire (or get) Deferred ended: `Some(Ok(x))` fired with `x`,
/// `Some(Err(()))` cancelled, `None` still waiting.
type Outcome<T> = Option<Result<T, ()>>;

fn outcome<T: Clone + Send + 'static>(d: &Deferred<T>) -> Outcome<T> {
    match d.state() {
        DeferredState::Pending => None,
        _ => Some(
            d.result()
                .expect("fired and idle")
                .map_err(|f| assert!(f.check::<CancelledError>(), "{f}")),
        ),
    }
}

/// Releases `lock` until it is free, counting the releases; then checks
/// that one more is refused. The count is how many holders there were.
fn drain(lock: &DeferredLock) -> usize {
    let mut releases = 0;
    while lock.is_locked() {
        lock.release().expect("a locked lock can be released");
        releases += 1;
        assert!(releases < 10, "the lock never frees");
    }
    assert_eq!(lock.release(), Err(NotAcquiredError));
    assert_eq!(lock.waiting(), 0);
    releases
}

/// Model 13a: thread A releases the lock while thread B cancels the first
/// of two waiting acquires. The token goes to exactly one of them (the
/// first if the cancel came too late, else the second, also when the
/// release had already picked the first and the cancel fired it first:
/// the token it refused goes on). Nothing is lost or doubled: the lock
/// stays locked by exactly one holder, and draining it takes exactly the
/// releases of the holders left.
#[test]
fn release_racing_the_cancel_of_the_first_waiter_loses_no_token() {
    exhaustive(|| {
        let lock = DeferredLock::new();
        let _held = lock.acquire();
        let (first, second) = (lock.acquire(), lock.acquire());
        let releaser = {
            let lock = lock.clone();
            thread::spawn(move || lock.release().unwrap())
        };
        let canceller = {
            let first = first.clone();
            thread::spawn(move || first.cancel())
        };
        releaser.join().unwrap();
        canceller.join().unwrap();

        assert!(lock.is_locked(), "a waiter holds the token");
        let (a, b) = (outcome(&first), outcome(&second));
        let holders = match (&a, &b) {
            // The cancel came first, or after the release picked `first`
            // (then `first` refused the token and it went on).
            (Some(Err(())), Some(Ok(_))) => 1,
            // The release served `first` before the cancel: `second`
            // still waits for the next release.
            (Some(Ok(_)), None) => 2,
            other => panic!("token lost or doubled: {other:?}"),
        };
        assert_eq!(drain(&lock), holders);
    });
}

/// Model 13b: two threads acquire a semaphore of one token that the main
/// thread holds, thread A twice; then the main thread releases, and each
/// holder releases in turn. Every acquire is served exactly once, A's two
/// in the order A made them (first come, first served), and the token is
/// free at the end.
#[test]
fn acquires_from_two_threads_are_each_served_once_in_line_order() {
    exhaustive(|| {
        let sem = DeferredSemaphore::new(1).unwrap();
        let _held = sem.acquire();
        let served = Arc::new(Mutex::new(Vec::new()));
        let acquire = {
            let (sem, served) = (sem.clone(), served.clone());
            move |name: &'static str| {
                let served = served.clone();
                let d = sem.acquire();
                d.add_callback(move |sem: DeferredSemaphore| {
                    served.lock().unwrap().push(name);
                    sem
                });
                d
            }
        };
        let a = {
            let acquire = acquire.clone();
            thread::spawn(move || (acquire("a1"), acquire("a2")))
        };
        let b = thread::spawn(move || acquire("b1"));
        let (a1, a2) = a.join().unwrap();
        let b1 = b.join().unwrap();
        assert_eq!(sem.waiting(), 3);
        for _ in 0..4 {
            sem.release().unwrap();
        }
        assert_eq!(sem.release(), Err(NotAcquiredError));
        assert_eq!(sem.tokens(), 1);
        let served = served.lock().unwrap().clone();
        let at = |name| served.iter().position(|s| *s == name).unwrap();
        assert_eq!(served.len(), 3, "each served once: {served:?}");
        assert!(at("a1") < at("a2"), "A's acquires in A's order: {served:?}");
        for d in [a1, a2, b1] {
            assert!(d.is_called());
        }
    });
}

/// Model 13c: an acquire on thread A races a release on thread B of the
/// token the main thread holds. A gets the token exactly once, either
/// free or handed over; nothing waits afterwards, and one release frees it.
#[test]
fn acquire_racing_a_release_gets_the_token_once() {
    exhaustive(|| {
        let sem = DeferredSemaphore::new(1).unwrap();
        let _held = sem.acquire();
        let acquirer = {
            let sem = sem.clone();
            thread::spawn(move || sem.acquire())
        };
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || sem.release().unwrap())
        };
        let got = acquirer.join().unwrap();
        releaser.join().unwrap();
        assert!(got.is_called() && got.result().unwrap().is_ok());
        assert_eq!((sem.tokens(), sem.waiting()), (0, 0));
        sem.release().unwrap();
        assert_eq!(sem.tokens(), 1);
    });
}

/// Model 13d: thread A puts two items while thread B makes two gets. Each
/// item is delivered exactly once, in put order to the gets in get order,
/// whether a get found the item queued or waited for it.
#[test]
fn put_and_get_racing_on_two_threads_deliver_each_item_once_in_order() {
    exhaustive(|| {
        let queue = DeferredQueue::<i64>::new();
        let producer = {
            let queue = queue.clone();
            thread::spawn(move || {
                queue.put(1).unwrap();
                queue.put(2).unwrap();
            })
        };
        let consumer = {
            let queue = queue.clone();
            thread::spawn(move || (queue.get().unwrap(), queue.get().unwrap()))
        };
        producer.join().unwrap();
        let (g1, g2) = consumer.join().unwrap();
        assert_eq!(outcome(&g1), Some(Ok(1)));
        assert_eq!(outcome(&g2), Some(Ok(2)));
        assert_eq!((queue.len(), queue.waiting()), (0, 0));
    });
}

/// Model 13e: thread A puts an item while thread B cancels the first of
/// two waiting gets. The item is delivered exactly once: to the first get
/// (the cancel came too late), or to the second (the cancel came first,
/// or fired the first get after the put had picked it: the item it refused
/// goes on). Never lost, never queued while a get waits.
#[test]
fn put_racing_the_cancel_of_a_waiting_get_loses_no_item() {
    exhaustive(|| {
        let queue = DeferredQueue::<i64>::new();
        let (first, second) = (queue.get().unwrap(), queue.get().unwrap());
        let producer = {
            let queue = queue.clone();
            thread::spawn(move || queue.put(7).unwrap())
        };
        let canceller = {
            let first = first.clone();
            thread::spawn(move || first.cancel())
        };
        producer.join().unwrap();
        canceller.join().unwrap();
        match (outcome(&first), outcome(&second)) {
            (Some(Ok(7)), None) => assert_eq!(queue.waiting(), 1),
            (Some(Err(())), Some(Ok(7))) => assert_eq!(queue.waiting(), 0),
            other => panic!("item lost or doubled: {other:?}"),
        }
        assert_eq!(queue.len(), 0);
        // Nothing reports: the cancelled get's failure is handled here.
        first.add_errback(|_: Failure| 0);
    });
}
