//! Hand-offs and wake-ups made from a thread-local destructor (issue 17,
//! item 2).
//!
//! Each test spawns a thread whose `thread_local!` guard does something in
//! its `Drop` (release a lock, put an item, fire a Deferred a task awaits).
//! The thread first sets the guard, then uses the library, so the
//! library's own thread-locals are registered after the guard and torn
//! down before it (destructors run in reverse order of registration): the
//! guard's `Drop` then runs with the library's thread-locals gone. Before
//! the fix that aborted the process ("thread local panicked on drop"); now
//! the hand-off is made in place, and the test checks that the waiter got
//! what it waited for once the thread is joined.

use std::cell::RefCell;
use std::thread;

use deferred::{
    ensure_deferred, Deferred, DeferredLock, DeferredQueue, DeferredSemaphore, Failure,
};

/// Runs its action when the thread's thread-locals are destroyed.
struct OnTeardown(Option<Box<dyn FnOnce()>>);

impl Drop for OnTeardown {
    fn drop(&mut self) {
        if let Some(action) = self.0.take() {
            action();
        }
    }
}

thread_local! {
    static GUARD: RefCell<OnTeardown> = const { RefCell::new(OnTeardown(None)) };
}

/// Touches every thread-local the library keeps, so that each is
/// registered (and so destroyed before the guard set earlier).
fn use_the_library_here() {
    // The primitives' hand-off queue: a release that serves a waiter.
    let lock = DeferredLock::new();
    let _held = lock.acquire();
    let waiter = lock.acquire();
    lock.release().unwrap();
    assert!(waiter.is_called());
    lock.release().unwrap();
    // The bridge's current task and trampoline: a task polled here, then
    // woken here.
    let d = Deferred::<u8>::new();
    let task: Deferred<u8> = ensure_deferred({
        let d = d.clone();
        async move { d.await }
    });
    d.callback(1).unwrap();
    assert_eq!(task.result().unwrap().unwrap(), 1);
    // The drop queue: a Deferred dropped with a handler holding another.
    let inner = Deferred::<u8>::new();
    let outer = Deferred::<u8>::new();
    outer.add_callback(move |v| {
        drop(inner);
        v
    });
    drop(outer);
    // The testing module's guards.
    let guard = deferred::testing::LoggedFailures::guard();
    assert_eq!(guard.pending(), 0);
    drop(guard);
}

/// Runs `action` from a thread-local destructor of a fresh thread, after
/// the library's own thread-locals on that thread are gone; joins it.
fn from_a_tls_destructor(action: impl FnOnce() + Send + 'static) {
    thread::spawn(move || {
        GUARD.with(|g| g.borrow_mut().0 = Some(Box::new(action)));
        use_the_library_here();
    })
    .join()
    .expect("the thread finished without a panic");
}

#[test]
fn a_lock_released_from_a_tls_destructor_serves_its_waiters() {
    let lock = DeferredLock::new();
    let _held = lock.acquire();
    let first = lock.acquire();
    let second = lock.acquire();
    // The first waiter's callback releases again, from inside the
    // destructor's hand-off: the second waiter is served too.
    let again = lock.clone();
    let first = first.map(move |l| {
        again.release().unwrap();
        l
    });
    let releaser = lock.clone();
    from_a_tls_destructor(move || releaser.release().unwrap());
    assert!(first.result().unwrap().is_ok());
    assert!(second.result().unwrap().is_ok());
    assert!(lock.is_locked(), "the second waiter holds it");
    assert_eq!(lock.waiting(), 0);
}

#[test]
fn a_semaphore_released_from_a_tls_destructor_serves_its_waiter() {
    let sem = DeferredSemaphore::new(1).unwrap();
    let _held = sem.acquire();
    let waiter = sem.acquire();
    let releaser = sem.clone();
    from_a_tls_destructor(move || releaser.release().unwrap());
    assert!(waiter.result().unwrap().is_ok());
    assert_eq!(sem.tokens(), 0);
    assert_eq!(sem.waiting(), 0);
}

#[test]
fn a_queue_put_from_a_tls_destructor_reaches_its_waiter() {
    let queue = DeferredQueue::<u32>::new();
    let got = queue.get().unwrap();
    let putter = queue.clone();
    from_a_tls_destructor(move || putter.put(7).unwrap());
    assert_eq!(got.result().unwrap().unwrap(), 7);
    assert!(queue.is_empty());
}

#[test]
fn a_deferred_fired_from_a_tls_destructor_resumes_the_task_awaiting_it() {
    let d = Deferred::<u32>::new();
    let task: Deferred<u32> = ensure_deferred({
        let d = d.clone();
        async move { Ok::<_, Failure>(d.await? + 1) }
    });
    assert!(!task.is_called());
    from_a_tls_destructor(move || d.callback(1).unwrap());
    assert_eq!(task.result().unwrap().unwrap(), 2);
}

#[test]
fn a_task_started_in_a_tls_destructor_runs_to_the_end() {
    let (tx, rx) = std::sync::mpsc::channel();
    from_a_tls_destructor(move || {
        let d = Deferred::<u32>::new();
        let task: Deferred<u32> = ensure_deferred({
            let d = d.clone();
            async move { Ok::<_, Failure>(d.await? * 2) }
        });
        d.callback(21).unwrap();
        tx.send(task.result().map(|r| r.ok())).unwrap();
    });
    assert_eq!(rx.recv().unwrap(), Some(Some(42)));
}

#[test]
fn a_logged_failures_guard_made_in_a_tls_destructor_sees_nothing_and_does_not_abort() {
    let (tx, rx) = std::sync::mpsc::channel();
    from_a_tls_destructor(move || {
        let guard = deferred::testing::LoggedFailures::guard();
        let pending = guard.pending();
        let flushed = guard.flush_all().len();
        drop(guard);
        tx.send((pending, flushed)).unwrap();
    });
    assert_eq!(rx.recv().unwrap(), (0, 0));
}
