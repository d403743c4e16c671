//! The concurrency primitives against real Twisted: `DeferredLock`,
//! `DeferredSemaphore`, `DeferredQueue`, `DeferredFilesystemLock`, each
//! scenario producing the events
//! `tests/twisted/primitives.py` printed from Twisted 26.10
//! (`tests/twisted/expected/primitives.txt`).
//!
//! Provenance: the scenarios port `OtherPrimitivesTests` and
//! `DeferredFilesystemLockTests` of Twisted's `twisted/test/test_defer.py`
//! and `LockingTests` of `twisted/test/test_lockfile.py` (Twisted 26.10.0,
//! MIT licence, Copyright Twisted Matrix Laboratories), rewritten for
//! Rust's types; each names the
//! Twisted test it follows. Where Rust's types or our rules force a
//! difference, the test says so and `docs/semantics.md` ("Primitives")
//! lists it.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deferred::testing::Clock;
use deferred::{
    AlreadyTryingToLockError, CancelledError, ClockExhaustedError, Deferred,
    DeferredFilesystemLock, DeferredLock, DeferredQueue, DeferredSemaphore, DelayedCall, Failure,
    NotAcquiredError, QueueUnderflow, ReactorError, ReactorTime, TimeoutError, ZeroIntervalError,
    ZeroTokensError,
};
use support::events::{show_failure, Events, Scenario};

const FEATURE: &str = "primitives";

/// The script's `Acquires`: numbers acquires (or gets) from 1 and logs how
/// each Deferred fires.
struct Acquires {
    events: Events,
    word: &'static str,
    count: AtomicUsize,
}

impl Acquires {
    fn new(events: Events, word: &'static str) -> Self {
        Acquires {
            events,
            word,
            count: AtomicUsize::new(0),
        }
    }

    /// `<word> <n> fired` / `<word> <n> failed <failure>`; a failure is
    /// handled, recovering with `recovered` (the script's errback returns
    /// `None`).
    fn watch<T: Send + 'static>(&self, d: Deferred<T>, recovered: T) -> Deferred<T> {
        self.watch_with(d, |_| None, recovered)
    }

    /// `<word> <n> got <item>` / `<word> <n> failed <failure>`.
    fn watch_value<T: std::fmt::Display + Send + 'static>(
        &self,
        d: Deferred<T>,
        recovered: T,
    ) -> Deferred<T> {
        self.watch_with(d, |v| Some(v.to_string()), recovered)
    }

    fn watch_with<T: Send + 'static>(
        &self,
        d: Deferred<T>,
        show: fn(&T) -> Option<String>,
        recovered: T,
    ) -> Deferred<T> {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        let (word, events) = (self.word, self.events.clone());
        let errors = events.clone();
        d.add_callbacks(
            move |v: T| {
                match show(&v) {
                    Some(shown) => events.log(format!("{word} {n} got {shown}")),
                    None => events.log(format!("{word} {n} fired")),
                }
                v
            },
            move |f: Failure| {
                errors.log(format!("{word} {n} failed {}", show_failure(&f)));
                recovered
            },
        );
        d
    }
}

fn locked(sc: &Scenario, lock: &DeferredLock) {
    sc.log(if lock.is_locked() {
        "locked yes"
    } else {
        "locked no"
    });
}

fn tokens(sc: &Scenario, sem: &DeferredSemaphore) {
    sc.log(format!("tokens {}/{}", sem.tokens(), sem.limit()));
}

fn release(sc: &Scenario, result: Result<(), NotAcquiredError>) {
    sc.log(match result {
        Ok(()) => "release ok",
        Err(NotAcquiredError) => "release refused",
    });
}

// --- DeferredLock ---------------------------------------------------------

/// Ports `OtherPrimitivesTests.testLock`, first part.
#[test]
fn lock_serves_acquires_in_order() {
    let sc = Scenario::new(FEATURE, "lock_serves_acquires_in_order");
    let lock = DeferredLock::new();
    let a = Acquires::new(sc.events(), "acquire");
    let _first = a.watch(lock.acquire(), lock.clone());
    locked(&sc, &lock);
    let _second = a.watch(lock.acquire(), lock.clone());
    let _third = a.watch(lock.acquire(), lock.clone());
    locked(&sc, &lock);
    release(&sc, lock.release());
    locked(&sc, &lock);
    release(&sc, lock.release());
    release(&sc, lock.release());
    locked(&sc, &lock);
    release(&sc, lock.release());
    sc.check();
}

/// Ports `OtherPrimitivesTests.testLock`, the `run` part.
#[test]
fn lock_run_holds_the_lock_until_the_returned_deferred_fires() {
    let sc = Scenario::new(
        FEATURE,
        "lock_run_holds_the_lock_until_the_returned_deferred_fires",
    );
    let lock = DeferredLock::new();
    let a = Acquires::new(sc.events(), "acquire");
    let control = Deferred::<String>::new();
    let (events, c) = (sc.events(), control.clone());
    let result = lock.run(move || {
        events.log("run f ran");
        c
    });
    let events = sc.events();
    result.add_callback(move |v: String| {
        events.log(format!("run result {v}"));
        v
    });
    locked(&sc, &lock);
    let _next = a.watch(lock.acquire(), lock.clone());
    control.callback("second".to_owned()).unwrap();
    locked(&sc, &lock);
    release(&sc, lock.release());
    locked(&sc, &lock);
    sc.check();
}

/// `run` releases whatever `f` gives: here a failure (Twisted: an
/// exception; here an `Err`).
#[test]
fn lock_run_of_a_failing_function_releases_the_lock() {
    let sc = Scenario::new(FEATURE, "lock_run_of_a_failing_function_releases_the_lock");
    let lock = DeferredLock::new();
    let result: Deferred<u8> = lock.run(|| {
        Err(support::events::PyError {
            class: "ValueError",
            message: "boom".to_owned(),
        })
    });
    let events = sc.events();
    result.add_errback(move |f: Failure| {
        events.log(format!("run failed {}", show_failure(&f)));
        0
    });
    locked(&sc, &lock);
    sc.check();
}

/// Ports `test_cancelLockBeforeAcquired` and the cancel part of `testLock`:
/// the cancelled acquire leaves the line; the next release skips it.
#[test]
fn lock_cancel_of_a_waiting_acquire_fails_it_and_skips_it() {
    let sc = Scenario::new(
        FEATURE,
        "lock_cancel_of_a_waiting_acquire_fails_it_and_skips_it",
    );
    let lock = DeferredLock::new();
    let a = Acquires::new(sc.events(), "acquire");
    let _first = a.watch(lock.acquire(), lock.clone());
    let second = a.watch(lock.acquire(), lock.clone());
    let _third = a.watch(lock.acquire(), lock.clone());
    second.cancel();
    release(&sc, lock.release());
    locked(&sc, &lock);
    release(&sc, lock.release());
    locked(&sc, &lock);
    sc.check();
}

/// Ports `test_cancelLockAfterAcquired`.
#[test]
fn lock_cancel_after_the_acquire_fired_does_nothing() {
    let sc = Scenario::new(FEATURE, "lock_cancel_after_the_acquire_fired_does_nothing");
    let lock = DeferredLock::new();
    let a = Acquires::new(sc.events(), "acquire");
    let d = a.watch(lock.acquire(), lock.clone());
    d.cancel();
    locked(&sc, &lock);
    sc.check();
}

/// Cancelling `run`'s Deferred while it waits for the lock: `f` never runs.
#[test]
fn lock_run_cancelled_while_waiting_never_runs() {
    let sc = Scenario::new(FEATURE, "lock_run_cancelled_while_waiting_never_runs");
    let lock = DeferredLock::new();
    let a = Acquires::new(sc.events(), "acquire");
    let _held = a.watch(lock.acquire(), lock.clone());
    let events = sc.events();
    let result: Deferred<()> = lock.run(move || events.log("run f ran"));
    let events = sc.events();
    result.add_errback(move |f: Failure| events.log(format!("run failed {}", show_failure(&f))));
    result.cancel();
    release(&sc, lock.release());
    locked(&sc, &lock);
    sc.check();
}

/// Deviation: a release from inside the callback of the acquire it served.
/// Twisted serves the next waiter inside that release (one stack level per
/// waiter); here it is served when the callback returns, so that any
/// number of waiters is served in constant stack (docs/semantics.md).
#[test]
fn lock_release_inside_a_waiters_callback() {
    let twisted = support::twisted::expected(FEATURE, "lock_release_inside_a_waiters_callback");
    assert_eq!(
        twisted,
        [
            "first got it",
            "second got it",
            "first released",
            "released"
        ]
    );
    let sc = Scenario::new(FEATURE, "lock_release_inside_a_waiters_callback");
    let lock = DeferredLock::new();
    let _held = lock.acquire();
    let events = sc.events();
    let first = lock.acquire();
    first.add_callback(move |lock: DeferredLock| {
        events.log("first got it");
        lock.release().unwrap();
        events.log("first released");
        lock
    });
    let events = sc.events();
    let second = lock.acquire();
    second.add_callback(move |lock| {
        events.log("second got it");
        lock
    });
    lock.release().unwrap();
    sc.log("released");
    assert_eq!(
        sc.finish(),
        [
            "first got it",
            "first released",
            "second got it",
            "released"
        ]
    );
}

/// Any number of waiters served in a row, each releasing from its
/// callback, runs in constant stack (Twisted recurses; before the hand-off
/// queue, 1,000 such waiters overflowed a 2 MiB stack in a debug build).
#[test]
fn a_hundred_thousand_waiters_releasing_in_turn_run_in_constant_stack() {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let lock = DeferredLock::new();
            let _held = lock.acquire();
            let served = Arc::new(AtomicUsize::new(0));
            let waiters: Vec<Deferred<DeferredLock>> = (0..100_000)
                .map(|_| {
                    let served = Arc::clone(&served);
                    let d = lock.acquire();
                    d.add_callback(move |lock: DeferredLock| {
                        served.fetch_add(1, Ordering::SeqCst);
                        lock.release().unwrap();
                        lock
                    });
                    d
                })
                .collect();
            lock.release().unwrap();
            assert_eq!(served.load(Ordering::SeqCst), waiters.len());
            assert!(!lock.is_locked());
        })
        .unwrap()
        .join()
        .unwrap();
}

// --- DeferredSemaphore ----------------------------------------------------

/// Ports `OtherPrimitivesTests.testSemaphore` with N = 3.
#[test]
fn semaphore_limits_holders_and_serves_in_order() {
    let sc = Scenario::new(FEATURE, "semaphore_limits_holders_and_serves_in_order");
    let n = 3;
    let sem = DeferredSemaphore::new(n).unwrap();
    let a = Acquires::new(sc.events(), "acquire");
    let control = Deferred::<String>::new();
    let (events, c) = (sc.events(), control.clone());
    let result = sem.run(move || {
        events.log("run f ran");
        c
    });
    let events = sc.events();
    result.add_callback(move |v: String| {
        events.log(format!("run result {v}"));
        v
    });
    tokens(&sc, &sem);
    control.callback("done".to_owned()).unwrap();
    tokens(&sc, &sem);
    let held: Vec<_> = (0..n)
        .map(|_| a.watch(sem.acquire(), sem.clone()))
        .collect();
    tokens(&sc, &sem);
    let cancelled = a.watch(sem.acquire(), sem.clone());
    cancelled.cancel();
    let _last = a.watch(sem.acquire(), sem.clone());
    release(&sc, sem.release());
    tokens(&sc, &sem);
    for _ in 0..n {
        release(&sc, sem.release());
    }
    tokens(&sc, &sem);
    release(&sc, sem.release());
    drop(held);
    sc.check();
}

/// Ports `test_semaphoreInvalidTokens` (Twisted raises `ValueError`).
#[test]
fn semaphore_of_zero_tokens_is_refused() {
    let sc = Scenario::new(FEATURE, "semaphore_of_zero_tokens_is_refused");
    if let Err(ZeroTokensError) = DeferredSemaphore::new(0) {
        sc.log("refused");
    }
    sc.check();
}

/// Ports `test_cancelSemaphoreBeforeAcquired` and
/// `test_cancelSemaphoreAfterAcquired`.
#[test]
fn semaphore_cancel_before_and_after_acquired() {
    let sc = Scenario::new(FEATURE, "semaphore_cancel_before_and_after_acquired");
    let sem = DeferredSemaphore::new(1).unwrap();
    let a = Acquires::new(sc.events(), "acquire");
    let held = a.watch(sem.acquire(), sem.clone());
    let waiting = a.watch(sem.acquire(), sem.clone());
    held.cancel();
    waiting.cancel();
    tokens(&sc, &sem);
    release(&sc, sem.release());
    tokens(&sc, &sem);
    sc.check();
}

// --- DeferredQueue --------------------------------------------------------

fn put(sc: &Scenario, queue: &DeferredQueue<i64>, item: i64) {
    sc.log(match queue.put(item) {
        Ok(()) => format!("put {item} ok"),
        Err(overflow) => format!("put {} overflow", overflow.into_inner()),
    });
}

fn get(sc: &Scenario, queue: &DeferredQueue<i64>, gets: &Acquires) -> Option<Deferred<i64>> {
    match queue.get() {
        Ok(d) => Some(gets.watch_value(d, -1)),
        Err(QueueUnderflow) => {
            sc.log("get underflow");
            None
        }
    }
}

/// Ports `OtherPrimitivesTests.testQueue`, first part: size 2, backlog 2.
#[test]
fn queue_with_size_and_backlog_limits() {
    let sc = Scenario::new(FEATURE, "queue_with_size_and_backlog_limits");
    let queue = DeferredQueue::with_limits(Some(2), Some(2));
    let gets = Acquires::new(sc.events(), "get");
    let mut kept = Vec::new();
    kept.push(get(&sc, &queue, &gets));
    kept.push(get(&sc, &queue, &gets));
    kept.push(get(&sc, &queue, &gets));
    for item in 0..4 {
        put(&sc, &queue, item);
    }
    put(&sc, &queue, 4);
    kept.push(get(&sc, &queue, &gets));
    kept.push(get(&sc, &queue, &gets));
    kept.push(get(&sc, &queue, &gets));
    sc.check();
}

/// Ports `OtherPrimitivesTests.testQueue`, second part.
#[test]
fn queue_without_limits_hands_items_to_gets_in_order() {
    let sc = Scenario::new(FEATURE, "queue_without_limits_hands_items_to_gets_in_order");
    let queue = DeferredQueue::new();
    let gets = Acquires::new(sc.events(), "get");
    let _a = get(&sc, &queue, &gets);
    let _b = get(&sc, &queue, &gets);
    put(&sc, &queue, 0);
    put(&sc, &queue, 1);
    put(&sc, &queue, 2);
    let _c = get(&sc, &queue, &gets);
    sc.check();
}

/// Ports `OtherPrimitivesTests.testQueue`, last part.
#[test]
fn queue_limits_of_zero_refuse_at_once() {
    let sc = Scenario::new(FEATURE, "queue_limits_of_zero_refuse_at_once");
    let gets = Acquires::new(sc.events(), "get");
    put(&sc, &DeferredQueue::with_limits(Some(0), None), 0);
    let _none = get(&sc, &DeferredQueue::with_limits(None, Some(0)), &gets);
    sc.check();
}

/// Ports `test_cancelQueueAfterSynchronousGet`.
#[test]
fn queue_cancel_after_the_get_fired_does_nothing() {
    let sc = Scenario::new(FEATURE, "queue_cancel_after_the_get_fired_does_nothing");
    let queue = DeferredQueue::new();
    let gets = Acquires::new(sc.events(), "get");
    let d = get(&sc, &queue, &gets).unwrap();
    put(&sc, &queue, 7);
    d.cancel();
    sc.check();
}

/// Ports `test_cancelQueueAfterGet`: a cancelled get never gets an item;
/// the next put goes to the next get.
#[test]
fn queue_cancelled_get_leaves_the_line() {
    let sc = Scenario::new(FEATURE, "queue_cancelled_get_leaves_the_line");
    let queue = DeferredQueue::new();
    let gets = Acquires::new(sc.events(), "get");
    let first = get(&sc, &queue, &gets).unwrap();
    let _second = get(&sc, &queue, &gets);
    first.cancel();
    put(&sc, &queue, 7);
    put(&sc, &queue, 8);
    let _third = get(&sc, &queue, &gets);
    sc.check();
}

// --- beyond the scripts ---------------------------------------------------

/// Releasing more than acquired is an error, not a panic, and changes
/// nothing (Twisted fails an `assert`).
#[test]
fn releasing_more_than_acquired_is_refused_and_changes_nothing() {
    let sem = DeferredSemaphore::new(2).unwrap();
    assert_eq!(sem.release(), Err(NotAcquiredError));
    let _one = sem.acquire();
    assert_eq!(sem.release(), Ok(()));
    assert_eq!(sem.release(), Err(NotAcquiredError));
    assert_eq!(sem.tokens(), 2);
    let lock = DeferredLock::new();
    assert_eq!(lock.release(), Err(NotAcquiredError));
    assert!(!lock.is_locked());
}

/// A `run` whose `f` releases the lock itself: `run`'s own release is then
/// unbalanced, and its result is that error (Twisted: an `AssertionError`).
#[test]
fn run_whose_function_released_the_lock_fails_with_not_acquired() {
    let lock = DeferredLock::new();
    let l = lock.clone();
    let result: Deferred<u8> = lock.run(move || {
        l.release().unwrap();
        5
    });
    let failure = result.result().unwrap().unwrap_err();
    assert!(failure.check::<NotAcquiredError>());
    result.add_errback(|_| 0);
}

/// A panic in `run`'s function is a failure, and the lock is released.
#[test]
fn run_releases_the_lock_when_its_function_panics() {
    let lock = DeferredLock::new();
    let result: Deferred<u8> = lock.run(|| -> u8 { panic!("inside run") });
    assert!(!lock.is_locked());
    assert!(result
        .result()
        .unwrap()
        .unwrap_err()
        .check::<deferred::PanicError>());
    result.add_errback(|_| 0);
}

/// A put whose waiter the put's own thread cancelled before the hand-off
/// reached it (possible from a callback, where hand-offs wait): the item
/// goes to the next waiter, or back to the queue, never lost.
#[test]
fn an_item_refused_by_a_cancelled_get_goes_back_to_the_queue() {
    let queue = DeferredQueue::<i64>::new();
    let trigger = queue.get().unwrap();
    let victim = queue.get().unwrap();
    let (q, v) = (queue.clone(), victim.clone());
    trigger.add_callback(move |item| {
        // Inside a hand-off: this put picks `victim`, but its fire waits
        // until this callback returns, and the cancel comes first.
        q.put(item + 1).unwrap();
        v.cancel();
        item
    });
    queue.put(1).unwrap();
    assert!(victim
        .result()
        .unwrap()
        .unwrap_err()
        .check::<deferred::CancelledError>());
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.get().unwrap().result().unwrap().unwrap(), 2);
    victim.add_errback(|_| 0);
}

/// The token a cancelled acquire refused (the same race, on one thread)
/// goes to the next waiter.
#[test]
fn a_token_refused_by_a_cancelled_acquire_goes_to_the_next_waiter() {
    let sem = DeferredSemaphore::new(1).unwrap();
    let _held = sem.acquire();
    let trigger = sem.acquire();
    let victim = sem.acquire();
    let next = sem.acquire();
    let v = victim.clone();
    trigger.add_callback(move |sem: DeferredSemaphore| {
        sem.release().unwrap(); // picks `victim`; fires after this returns
        v.cancel();
        sem
    });
    sem.release().unwrap();
    assert!(victim.result().unwrap().is_err());
    assert!(next.is_called(), "the refused token went on");
    assert_eq!(sem.tokens(), 0);
    sem.release().unwrap();
    assert_eq!(sem.tokens(), 1);
    let s2 = sem.clone();
    victim.add_errback(move |_| s2);
}

/// The same race with nobody behind the cancelled acquire: the token it
/// refused becomes free, and the lock is unlocked.
#[test]
fn a_token_refused_by_the_last_cancelled_acquire_becomes_free() {
    let lock = DeferredLock::new();
    let _held = lock.acquire();
    let trigger = lock.acquire();
    let victim = lock.acquire();
    let v = victim.clone();
    trigger.add_callback(move |lock: DeferredLock| {
        lock.release().unwrap(); // picks `victim`; fires after this returns
        v.cancel();
        lock
    });
    lock.release().unwrap();
    let failure = victim.result().expect("fired").unwrap_err();
    assert!(failure.check::<CancelledError>());
    assert!(!lock.is_locked(), "the refused token was lost");
    assert_eq!(lock.waiting(), 0);
}

/// Every primitive is `Send + Sync`, as are the errors.
#[test]
fn primitives_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<DeferredLock>();
    send_sync::<DeferredSemaphore>();
    send_sync::<DeferredQueue<String>>();
    send_sync::<NotAcquiredError>();
    send_sync::<deferred::QueueOverflow<String>>();
    send_sync::<QueueUnderflow>();
    send_sync::<ZeroTokensError>();
    send_sync::<DeferredFilesystemLock>();
    send_sync::<AlreadyTryingToLockError>();
}

// --- DeferredFilesystemLock -----------------------------------------------

/// A cancelled acquire leaves the line at once, not when a release
/// reaches it: `waiting` stops counting it, and it holds nothing.
#[test]
fn a_cancelled_acquire_leaves_the_line_at_once() {
    let lock = DeferredLock::new();
    let _held = lock.acquire();
    let (first, second) = (lock.acquire(), lock.acquire());
    assert_eq!(lock.waiting(), 2);
    second.cancel();
    assert_eq!(lock.waiting(), 1);
    first.cancel();
    assert_eq!(lock.waiting(), 0);

    let sem = DeferredSemaphore::new(1).unwrap();
    let _held = sem.acquire();
    let waiting = sem.acquire();
    assert_eq!(sem.waiting(), 1);
    waiting.cancel();
    assert_eq!(sem.waiting(), 0);
}

/// A queue reports the limits it was made with (Twisted's `size` and
/// `backlog`).
#[test]
fn queue_reports_its_limits() {
    let limited = DeferredQueue::<i64>::with_limits(Some(3), Some(2));
    assert_eq!((limited.size(), limited.backlog()), (Some(3), Some(2)));
    let unlimited = DeferredQueue::<i64>::new();
    assert_eq!((unlimited.size(), unlimited.backlog()), (None, None));
}

/// What `{:?}` shows of each primitive: its state, as its accessors read
/// it (issue 21: cargo-mutants emptied these impls, and replaced the
/// counts they show, and no test noticed).
#[test]
fn primitives_debug_shows_their_state() {
    let lock = DeferredLock::new();
    assert_eq!(
        format!("{lock:?}"),
        "DeferredLock { locked: false, waiting: 0 }"
    );
    let _held = (lock.acquire(), lock.acquire(), lock.acquire());
    assert_eq!(
        format!("{lock:?}"),
        "DeferredLock { locked: true, waiting: 2 }"
    );

    let sem = DeferredSemaphore::new(3).unwrap();
    assert_eq!(
        format!("{sem:?}"),
        "DeferredSemaphore { tokens: 3, limit: 3, waiting: 0 }"
    );
    let _held: Vec<_> = (0..5).map(|_| sem.acquire()).collect();
    assert_eq!(
        format!("{sem:?}"),
        "DeferredSemaphore { tokens: 0, limit: 3, waiting: 2 }"
    );

    let queue = DeferredQueue::with_limits(Some(3), Some(2));
    assert!(queue.is_empty());
    queue.put(1).unwrap();
    queue.put(2).unwrap();
    assert!(!queue.is_empty());
    assert_eq!(
        format!("{queue:?}"),
        "DeferredQueue { len: 2, waiting: 0, size: Some(3), backlog: Some(2) }"
    );
    let queue = DeferredQueue::<i64>::new();
    let _gets = (queue.get().unwrap(), queue.get().unwrap());
    assert_eq!(
        format!("{queue:?}"),
        "DeferredQueue { len: 0, waiting: 2, size: None, backlog: None }"
    );

    let path = TempPath::new("debug");
    let fs_lock =
        DeferredFilesystemLock::with_interval(&path.0, Clock::new(), Duration::from_secs(2))
            .unwrap();
    assert!(fs_lock.lock().unwrap());
    assert_eq!(
        format!("{fs_lock:?}"),
        format!(
            "DeferredFilesystemLock {{ path: {:?}, locked: true, interval: 2s }}",
            path.0
        )
    );
    fs_lock.unlock().unwrap();
}

/// A fresh lock path in the temporary directory, removed when dropped.
struct TempPath(std::path::PathBuf);

impl TempPath {
    fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!(
            "deferred-primitives-{}-{n}-{name}.lock",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        TempPath(path)
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn yes(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "no"
    }
}

/// Seconds, as the script prints a clock's time.
fn secs(clock: &Clock) -> String {
    format!("{:.1}", clock.now().as_secs_f64())
}

/// The script's `Attempts`: numbers `defer_until_locked` Deferreds and logs
/// how each fires, with the clock's time.
struct Attempts {
    events: Events,
    clock: Clock,
    count: AtomicUsize,
}

impl Attempts {
    fn new(sc: &Scenario, clock: &Clock) -> Self {
        Attempts {
            events: sc.events(),
            clock: clock.clone(),
            count: AtomicUsize::new(0),
        }
    }

    fn watch(&self, d: Deferred<()>) -> Deferred<()> {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        let (events, clock) = (self.events.clone(), self.clock.clone());
        let (errors, eclock) = (self.events.clone(), self.clock.clone());
        d.add_callbacks(
            move |()| events.log(format!("attempt {n} locked at {}", secs(&clock))),
            move |f: Failure| {
                let name = if f.check::<TimeoutError>() {
                    "TimeoutError"
                } else if f.check::<CancelledError>() {
                    "CancelledError"
                } else if f.check::<AlreadyTryingToLockError>() {
                    "AlreadyTryingToLockError"
                } else {
                    "other"
                };
                errors.log(format!("attempt {n} failed {name} at {}", secs(&eclock)));
            },
        );
        d
    }
}

fn delayed(sc: &Scenario, clock: &Clock) {
    sc.log(format!("delayed calls {}", clock.delayed_calls().len()));
}

fn pump_seconds(clock: &Clock, n: usize) {
    clock.pump(&vec![Duration::from_secs(1); n]);
}

/// Ports `DeferredFilesystemLockTests.test_waitUntilLockedWithNoLock`.
#[test]
fn fs_lock_that_is_free_is_taken_at_once() {
    let sc = Scenario::new(FEATURE, "fs_lock_that_is_free_is_taken_at_once");
    let (path, clock) = (TempPath::new("free"), Clock::new());
    let lock = DeferredFilesystemLock::new(&path.0, clock.clone());
    Attempts::new(&sc, &clock).watch(lock.defer_until_locked(Some(Duration::from_secs(1))));
    sc.log(format!("locked {}", yes(lock.is_locked())));
    delayed(&sc, &clock);
    sc.check();
}

/// Ports `DeferredFilesystemLockTests.test_waitUntilLockedWithTimeoutLocked`.
#[test]
fn fs_lock_held_until_the_timeout_fails_with_timeout_error() {
    let sc = Scenario::new(
        FEATURE,
        "fs_lock_held_until_the_timeout_fails_with_timeout_error",
    );
    let (path, clock) = (TempPath::new("timeout"), Clock::new());
    let lock = DeferredFilesystemLock::new(&path.0, clock.clone());
    sc.log(format!("lock {}", yes(lock.lock().unwrap())));
    Attempts::new(&sc, &clock).watch(lock.defer_until_locked(Some(Duration::from_millis(5500))));
    delayed(&sc, &clock);
    pump_seconds(&clock, 10);
    delayed(&sc, &clock);
    sc.check();
}

/// Ports `DeferredFilesystemLockTests.test_waitUntilLockedWithTimeoutUnlocked`.
#[test]
fn fs_lock_released_before_the_timeout_is_taken() {
    let sc = Scenario::new(FEATURE, "fs_lock_released_before_the_timeout_is_taken");
    let (path, clock) = (TempPath::new("released"), Clock::new());
    let lock = DeferredFilesystemLock::new(&path.0, clock.clone());
    sc.log(format!("lock {}", yes(lock.lock().unwrap())));
    let l = lock.clone();
    clock
        .call_later(Duration::from_secs(1), move || l.unlock().unwrap())
        .unwrap();
    Attempts::new(&sc, &clock).watch(lock.defer_until_locked(Some(Duration::from_secs(10))));
    pump_seconds(&clock, 10);
    sc.log(format!("locked {}", yes(lock.is_locked())));
    delayed(&sc, &clock);
    sc.check();
}

/// Ports `DeferredFilesystemLockTests.test_concurrentUsage`.
#[test]
fn fs_lock_tries_one_attempt_at_a_time() {
    let sc = Scenario::new(FEATURE, "fs_lock_tries_one_attempt_at_a_time");
    let (path, clock) = (TempPath::new("one-at-a-time"), Clock::new());
    let lock = DeferredFilesystemLock::new(&path.0, clock.clone());
    lock.lock().unwrap();
    let l = lock.clone();
    clock
        .call_later(Duration::from_secs(1), move || l.unlock().unwrap())
        .unwrap();
    let attempts = Attempts::new(&sc, &clock);
    attempts.watch(lock.defer_until_locked(None));
    attempts.watch(lock.defer_until_locked(None));
    clock.advance(Duration::from_secs(1));
    sc.check();
}

/// Ports `DeferredFilesystemLockTests.test_multipleUsages`.
#[test]
fn fs_lock_can_be_waited_for_again_once_taken() {
    let sc = Scenario::new(FEATURE, "fs_lock_can_be_waited_for_again_once_taken");
    let (path, clock) = (TempPath::new("again"), Clock::new());
    let lock = DeferredFilesystemLock::new(&path.0, clock.clone());
    lock.lock().unwrap();
    let l = lock.clone();
    clock
        .call_later(Duration::from_secs(1), move || l.unlock().unwrap())
        .unwrap();
    let d = lock.defer_until_locked(None);
    let (l, events) = (lock.clone(), sc.events());
    d.add_callback(move |()| {
        events.log(format!("unlock {}", yes(l.unlock().is_ok())));
        l.defer_until_locked(None)
    });
    Attempts::new(&sc, &clock).watch(d);
    clock.advance(Duration::from_secs(1));
    sc.log(format!("locked {}", yes(lock.is_locked())));
    sc.check();
}

/// Ports `DeferredFilesystemLockTests.test_cancelDeferUntilLocked`.
#[test]
fn fs_lock_cancel_stops_the_tries() {
    let sc = Scenario::new(FEATURE, "fs_lock_cancel_stops_the_tries");
    let (path, clock) = (TempPath::new("cancel"), Clock::new());
    let lock = DeferredFilesystemLock::new(&path.0, clock.clone());
    lock.lock().unwrap();
    let d = Attempts::new(&sc, &clock).watch(lock.defer_until_locked(None));
    delayed(&sc, &clock);
    d.cancel();
    delayed(&sc, &clock);
    sc.check();
}

/// Ports `DeferredFilesystemLockTests.test_cancelDeferUntilLockedWithTimeout`.
#[test]
fn fs_lock_cancel_stops_the_tries_and_the_timeout() {
    let sc = Scenario::new(FEATURE, "fs_lock_cancel_stops_the_tries_and_the_timeout");
    let (path, clock) = (TempPath::new("cancel-timeout"), Clock::new());
    let lock = DeferredFilesystemLock::new(&path.0, clock.clone());
    lock.lock().unwrap();
    let d = Attempts::new(&sc, &clock).watch(lock.defer_until_locked(Some(Duration::from_secs(1))));
    delayed(&sc, &clock);
    d.cancel();
    delayed(&sc, &clock);
    sc.check();
}

/// Ports `LockingTests` of Twisted's `test_lockfile.py`: `test_cleanlyAcquire`,
/// `test_cleanlyRelease`, `test_cannotLockLocked`, and `test_unlockOther`
/// for a lock another holder has (Twisted: `ValueError`; here
/// `NotAcquiredError`).
#[test]
fn fs_lock_clean_acquire_release_and_a_second_holder() {
    let sc = Scenario::new(FEATURE, "fs_lock_clean_acquire_release_and_a_second_holder");
    let (path, clock) = (TempPath::new("holders"), Clock::new());
    let first = DeferredFilesystemLock::new(&path.0, clock.clone());
    sc.log(format!("lock {}", yes(first.lock().unwrap())));
    sc.log(format!("clean {}", yes(first.clean() == Some(true))));
    sc.log(format!("locked {}", yes(first.is_locked())));
    sc.log(format!("lock {}", yes(first.lock().unwrap())));
    let second = DeferredFilesystemLock::new(&path.0, clock.clone());
    sc.log(format!("lock {}", yes(second.lock().unwrap())));
    sc.log(format!("locked {}", yes(second.is_locked())));
    first.unlock().unwrap();
    sc.log(format!("locked {}", yes(first.is_locked())));
    sc.log(format!("lock {}", yes(second.lock().unwrap())));
    sc.log(format!("clean {}", yes(second.clean() == Some(true))));
    let other = DeferredFilesystemLock::new(&path.0, clock.clone());
    if other.unlock() == Err(NotAcquiredError) {
        sc.log("unlock refused");
    }
    sc.check();
}

/// Ports `LockingTests.test_uncleanlyAcquire`: the file holds the pid of
/// an owner that exited while it held the lock (it never emptied it).
#[test]
fn fs_lock_left_by_an_owner_that_exited_is_taken_unclean() {
    let sc = Scenario::new(
        FEATURE,
        "fs_lock_left_by_an_owner_that_exited_is_taken_unclean",
    );
    let (path, clock) = (TempPath::new("unclean"), Clock::new());
    std::fs::write(&path.0, "12345").unwrap();
    let lock = DeferredFilesystemLock::new(&path.0, clock.clone());
    sc.log(format!("lock {}", yes(lock.lock().unwrap())));
    sc.log(format!("clean {}", yes(lock.clean() == Some(true))));
    sc.log(format!("locked {}", yes(lock.is_locked())));
    sc.check();
}

/// Set in the child process of the cross-process test: the path to lock.
const CHILD_LOCK: &str = "DEFERRED_FS_LOCK_CHILD";

/// In a child: takes the lock, says so, waits until its standard input
/// closes, and exits without unlocking (as if it crashed).
#[test]
fn fs_lock_child_holder() {
    let Some(path) = std::env::var_os(CHILD_LOCK) else {
        return;
    };
    let lock = DeferredFilesystemLock::new(path, Clock::new());
    println!("child locked: {}", lock.lock().unwrap());
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    std::process::exit(0);
}

/// The lock is shared between processes: while a child process holds it,
/// this process cannot take it; once the child exits (without unlocking),
/// the OS has released it, and the next owner sees the release was not
/// clean (Twisted's `clean`).
#[test]
fn fs_lock_is_shared_between_processes_and_freed_when_the_holder_exits() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let path = TempPath::new("processes");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "fs_lock_child_holder",
            "--exact",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_LOCK, &path.0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut said = String::new();
    while !said.contains("child locked:") {
        said.clear();
        assert!(
            out.read_line(&mut said).unwrap() > 0,
            "the child said nothing"
        );
    }
    assert!(said.contains("child locked: true"), "{said}");

    let clock = Clock::new();
    let lock = DeferredFilesystemLock::new(&path.0, clock.clone());
    assert!(!lock.lock().unwrap(), "held by the child");
    let attempt = lock.defer_until_locked(Some(Duration::from_secs(30)));
    clock.advance(Duration::from_secs(1));
    assert!(!attempt.is_called());

    drop(child.stdin.take()); // the child exits, holding the lock
    assert!(child.wait().unwrap().success());
    clock.advance(Duration::from_secs(1));
    assert!(attempt.is_called() && lock.is_locked());
    assert_eq!(lock.clean(), Some(false), "the child never unlocked");
    lock.unlock().unwrap();
    assert!(lock.lock().unwrap());
    assert_eq!(lock.clean(), Some(true));
    lock.unlock().unwrap();
}

/// A try that fails with an I/O error fails the attempt with it (Twisted
/// raises the `OSError`), and the lock is not taken.
#[test]
fn fs_lock_io_error_fails_the_attempt() {
    let clock = Clock::new();
    let lock = DeferredFilesystemLock::new("/nonexistent-directory/deferred.lock", clock);
    assert!(lock.lock().is_err());
    let attempt = lock.defer_until_locked(None);
    assert!(attempt
        .result()
        .unwrap()
        .unwrap_err()
        .check::<std::io::Error>());
    assert!(!lock.is_locked());
    // The attempt ended: another may start.
    assert!(lock.defer_until_locked(None).is_called());
}

/// A cancel on one thread racing the clock's retry on another (design note
/// 4 of `fs_lock.rs`): the attempt fires once, and the lock is this
/// handle's exactly when the attempt succeeded; never held with nobody
/// waiting for it. Real threads, many rounds (the file system is outside
/// what loom can model).
#[test]
fn fs_lock_cancel_racing_a_retry_leaves_the_lock_held_only_by_a_success() {
    let path = TempPath::new("race");
    let (mut won, mut cancelled) = (0, 0);
    for _ in 0..200 {
        let clock = Clock::new();
        let (ours, other) = (
            DeferredFilesystemLock::new(&path.0, clock.clone()),
            DeferredFilesystemLock::new(&path.0, clock.clone()),
        );
        assert!(other.lock().unwrap());
        let attempt = ours.defer_until_locked(None);
        other.unlock().unwrap();
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let ticker = {
            let (clock, barrier) = (clock.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                clock.advance(Duration::from_secs(1));
            })
        };
        let canceller = {
            let (attempt, barrier) = (attempt.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                attempt.cancel();
            })
        };
        ticker.join().unwrap();
        canceller.join().unwrap();
        match attempt.result().expect("fired") {
            Ok(()) => {
                won += 1;
                assert!(ours.is_locked());
                ours.unlock().unwrap();
            }
            Err(f) => {
                assert!(f.check::<CancelledError>(), "{f}");
                cancelled += 1;
                assert!(!ours.is_locked(), "cancelled, yet the lock is held");
            }
        }
        assert!(clock.delayed_calls().is_empty());
        assert!(other.lock().unwrap(), "the lock was left held");
        other.unlock().unwrap();
    }
    assert_eq!(won + cancelled, 200);
}

/// Issue 17 item 6: a zero retry interval would make one `advance` of a
/// test clock retry forever while another handle holds the lock.
#[test]
fn fs_lock_with_a_zero_interval_is_refused() {
    let path = TempPath::new("zero-interval");
    let refused = DeferredFilesystemLock::with_interval(&path.0, Clock::new(), Duration::ZERO);
    assert_eq!(refused.err(), Some(ZeroIntervalError));
    assert!(!path.0.exists(), "nothing touched the file system");
}

#[test]
fn fs_lock_with_a_short_interval_retries_once_per_advance_while_held() {
    let (path, clock) = (TempPath::new("short-interval"), Clock::new());
    let holder = DeferredFilesystemLock::new(&path.0, clock.clone());
    assert!(holder.lock().unwrap());
    let waiter =
        DeferredFilesystemLock::with_interval(&path.0, clock.clone(), Duration::from_nanos(1))
            .unwrap();
    let locked = waiter.defer_until_locked(None);
    clock.advance(Duration::from_secs(1)); // returns: one retry, due later
    assert!(!locked.is_called());
    assert_eq!(clock.delayed_calls().len(), 1);
    holder.unlock().unwrap();
    clock.advance(Duration::from_nanos(1));
    assert!(locked.result().unwrap().is_ok());
    assert!(waiter.is_locked());
}

#[test]
fn fs_lock_held_on_a_saturated_clock_fails_with_clock_exhausted_instead_of_spinning() {
    let (path, clock) = (TempPath::new("saturated"), Clock::new());
    let holder = DeferredFilesystemLock::new(&path.0, clock.clone());
    assert!(holder.lock().unwrap());
    let waiter = DeferredFilesystemLock::new(&path.0, clock.clone());
    // Waiting when the clock saturates: the retry due then runs once, and
    // the next one cannot be scheduled later.
    let locked = waiter.defer_until_locked(Some(Duration::from_secs(5)));
    clock.advance(Duration::MAX);
    let failure = locked.result().unwrap().unwrap_err();
    assert!(failure.check::<ClockExhaustedError>(), "{failure:?}");
    assert!(clock.delayed_calls().is_empty(), "the timeout went with it");
    // Starting on a saturated clock: fails at once.
    let again = waiter.defer_until_locked(None);
    assert!(again
        .result()
        .unwrap()
        .unwrap_err()
        .check::<ClockExhaustedError>());
    // A free lock is still taken on it.
    holder.unlock().unwrap();
    assert!(waiter.defer_until_locked(None).result().unwrap().is_ok());
}

/// What another thread may do while an attempt of `defer_until_locked` is
/// between scheduling a call and recording it in the attempt (design note
/// 4 of `fs_lock.rs`), made deterministic: a clock that, the `at`-th time
/// a call is scheduled on it (from 0), schedules it and then runs a hook
/// before returning it. The hook's answer says whether to refuse the call
/// instead (it is cancelled, and the clock answers as a stopping reactor).
struct HookClock {
    clock: Clock,
    scheduled: AtomicUsize,
    at: usize,
    hook: std::sync::Mutex<Option<Box<dyn FnOnce() -> bool + Send>>>,
}

impl HookClock {
    fn new(at: usize) -> Arc<Self> {
        Arc::new(HookClock {
            clock: Clock::new(),
            scheduled: AtomicUsize::new(0),
            at,
            hook: std::sync::Mutex::new(None),
        })
    }

    fn set_hook(&self, hook: impl FnOnce() -> bool + Send + 'static) {
        *self.hook.lock().unwrap() = Some(Box::new(hook));
    }
}

impl ReactorTime for HookClock {
    fn now(&self) -> Duration {
        self.clock.now()
    }

    fn call_later_boxed(
        &self,
        delay: Duration,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<DelayedCall, ReactorError> {
        let call = self.clock.call_later_boxed(delay, f)?;
        if self.scheduled.fetch_add(1, Ordering::SeqCst) == self.at {
            let hook = self.hook.lock().unwrap().take();
            if hook.is_some_and(|hook| hook()) {
                call.cancel().unwrap();
                return Err(ReactorError::Stopped);
            }
        }
        Ok(call)
    }

    fn delayed_calls(&self) -> Vec<DelayedCall> {
        self.clock.delayed_calls()
    }
}

fn failed_with<E: std::error::Error + 'static>(d: &Deferred<()>) -> bool {
    d.result().is_some_and(|r| r.is_err_and(|f| f.check::<E>()))
}

/// An attempt's retry runs while the lock is held elsewhere and schedules
/// the next try; meanwhile (between scheduling it and recording it) the
/// attempt is cancelled and a new one starts. The old attempt's call is
/// taken back, the new attempt keeps its own; if the clock refused the old
/// attempt's call, ending the old attempt leaves the new one alone.
fn cancel_and_restart_while_a_retry_is_scheduled(refuse: bool) {
    let path = TempPath::new(if refuse { "restart-refused" } else { "restart" });
    let other = DeferredFilesystemLock::new(&path.0, Clock::new());
    assert!(other.lock().unwrap());
    let hooked = HookClock::new(1);
    let ours = DeferredFilesystemLock::new(&path.0, Arc::clone(&hooked));
    let first = ours.defer_until_locked(None); // its retry: call 0
    let second = Arc::new(std::sync::Mutex::new(None));
    let (f, o, s) = (first.clone(), ours.clone(), Arc::clone(&second));
    hooked.set_hook(move || {
        f.cancel();
        *s.lock().unwrap() = Some(o.defer_until_locked(None)); // call 2
        refuse
    });
    hooked.clock.advance(Duration::from_secs(1)); // the retry schedules call 1
    let second = second.lock().unwrap().take().expect("the hook ran");
    assert!(failed_with::<CancelledError>(&first));
    assert!(!second.is_called());
    assert_eq!(
        hooked.clock.delayed_calls().len(),
        1,
        "the new attempt's retry"
    );
    assert!(failed_with::<AlreadyTryingToLockError>(
        &ours.defer_until_locked(None)
    ));
    second.cancel();
    assert!(failed_with::<CancelledError>(&second));
    assert!(
        hooked.clock.delayed_calls().is_empty(),
        "a call outlived its attempt"
    );
    assert!(!ours.is_locked());
    other.unlock().unwrap();
}

#[test]
fn fs_lock_cancelled_and_restarted_while_a_retry_is_scheduled_keeps_the_new_attempts_calls() {
    cancel_and_restart_while_a_retry_is_scheduled(false);
}

#[test]
fn fs_lock_cancelled_and_restarted_while_a_refused_retry_is_scheduled_keeps_the_new_attempt() {
    cancel_and_restart_while_a_retry_is_scheduled(true);
}

/// The timeout of an attempt's first try runs at once (on a reactor's
/// thread) and a new attempt with its own timeout starts before the first
/// attempt records its timeout call: the new attempt's calls are its own,
/// and cancelling it leaves nothing on the clock.
#[test]
fn fs_lock_timed_out_at_once_and_restarted_keeps_the_new_attempts_timeout() {
    let path = TempPath::new("timeout-at-once");
    let other = DeferredFilesystemLock::new(&path.0, Clock::new());
    assert!(other.lock().unwrap());
    let hooked = HookClock::new(0); // the first attempt's timeout
    let ours = DeferredFilesystemLock::new(&path.0, Arc::clone(&hooked));
    let second = Arc::new(std::sync::Mutex::new(None));
    let (c, o, s) = (hooked.clock.clone(), ours.clone(), Arc::clone(&second));
    hooked.set_hook(move || {
        c.advance(Duration::from_secs(5)); // the timeout runs
        *s.lock().unwrap() = Some(o.defer_until_locked(Some(Duration::from_secs(5))));
        false
    });
    let first = ours.defer_until_locked(Some(Duration::from_secs(5)));
    let second = second.lock().unwrap().take().expect("the hook ran");
    assert!(failed_with::<TimeoutError>(&first));
    assert!(!second.is_called());
    assert_eq!(
        hooked.clock.delayed_calls().len(),
        2,
        "the new attempt's timeout and retry"
    );
    second.cancel();
    assert!(failed_with::<CancelledError>(&second));
    assert!(
        hooked.clock.delayed_calls().is_empty(),
        "a call outlived its attempt"
    );
    other.unlock().unwrap();
}

/// Cancelling an attempt makes one last try first (Twisted's
/// `_cancelLock`): a lock freed since the last retry is taken, and the
/// attempt fires with it instead of failing.
#[test]
fn fs_lock_cancel_takes_a_lock_freed_since_the_last_try() {
    let (path, clock) = (TempPath::new("last-try"), Clock::new());
    let other = DeferredFilesystemLock::new(&path.0, clock.clone());
    assert!(other.lock().unwrap());
    let ours = DeferredFilesystemLock::new(&path.0, clock.clone());
    let attempt = ours.defer_until_locked(Some(Duration::from_secs(5)));
    other.unlock().unwrap();
    attempt.cancel();
    assert!(attempt.result().expect("fired").is_ok());
    assert!(ours.is_locked());
    assert!(clock.delayed_calls().is_empty());
    // The timeout's last try, likewise.
    ours.unlock().unwrap();
    assert!(other.lock().unwrap());
    let attempt = ours.defer_until_locked(Some(Duration::from_millis(1500)));
    clock.advance(Duration::from_secs(1)); // a retry, refused
    other.unlock().unwrap();
    clock.advance(Duration::from_millis(500)); // the timeout: its last try takes it
    assert!(attempt.result().expect("fired").is_ok());
    assert!(ours.is_locked());
    assert!(clock.delayed_calls().is_empty());
    ours.unlock().unwrap();
}

/// An attempt has one timeout, scheduled with its first try: its retries
/// schedule only the next try, and cancelling it leaves nothing on the
/// clock.
#[test]
fn fs_lock_retries_schedule_no_second_timeout() {
    let (path, clock) = (TempPath::new("one-timeout"), Clock::new());
    let other = DeferredFilesystemLock::new(&path.0, clock.clone());
    assert!(other.lock().unwrap());
    let ours = DeferredFilesystemLock::new(&path.0, clock.clone());
    let attempt = ours.defer_until_locked(Some(Duration::from_secs(10)));
    pump_seconds(&clock, 3);
    let due: Vec<Duration> = clock.delayed_calls().iter().map(|c| c.time()).collect();
    assert_eq!(
        due,
        [Duration::from_secs(4), Duration::from_secs(10)],
        "the next try, the timeout"
    );
    attempt.cancel();
    assert!(failed_with::<CancelledError>(&attempt));
    assert!(clock.delayed_calls().is_empty());
}

/// The last handle of a lock dropped while it is trying ends the attempt
/// (design note 5 of `src/primitives/fs_lock.rs`): its calls leave the
/// clock and its Deferred fails with `CancelledError` at once. Before, the
/// clock's next try held the lock's state, which held the clock: a cycle
/// that kept both alive, and the attempt "took" a lock nobody could hold.
/// A clone still alive keeps the attempt going.
#[test]
fn fs_lock_dropped_while_trying_ends_the_attempt() {
    let (path, clock) = (TempPath::new("dropped-trying"), Clock::new());
    let other = DeferredFilesystemLock::new(&path.0, clock.clone());
    assert!(other.lock().unwrap());
    let ours = DeferredFilesystemLock::new(&path.0, clock.clone());
    let attempt = ours.defer_until_locked(Some(Duration::from_secs(10)));
    pump_seconds(&clock, 2);
    let clone = ours.clone();
    drop(ours);
    assert!(attempt.result().is_none(), "a clone still holds the lock");
    assert_eq!(clock.delayed_calls().len(), 2, "the next try, the timeout");
    drop(clone);
    assert!(failed_with::<CancelledError>(&attempt));
    assert!(clock.delayed_calls().is_empty());
    // The clock runs nothing of it later: the lock stays the other's.
    other.unlock().unwrap();
    pump_seconds(&clock, 10);
    assert!(other.lock().unwrap());
}

/// A lock whose attempt took the lock and whose last handle is then dropped
/// in the attempt's own callback lets the lock go, and leaves nothing on
/// the clock.
#[test]
fn fs_lock_dropped_by_its_attempts_callback_lets_the_lock_go() {
    let (path, clock) = (TempPath::new("dropped-in-callback"), Clock::new());
    let other = DeferredFilesystemLock::new(&path.0, clock.clone());
    assert!(other.lock().unwrap());
    let ours = DeferredFilesystemLock::new(&path.0, clock.clone());
    let attempt = ours.defer_until_locked(None);
    let mut ours = Some(ours);
    let attempt = attempt.add_callback(move |()| {
        let lock = ours.take().expect("once");
        assert!(lock.is_locked());
        drop(lock);
    });
    other.unlock().unwrap();
    pump_seconds(&clock, 1);
    assert!(attempt.result().expect("fired").is_ok());
    assert!(clock.delayed_calls().is_empty());
    assert!(other.lock().unwrap(), "the dropped handle let the lock go");
}
