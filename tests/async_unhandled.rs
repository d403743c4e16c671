//! What the async bridge reports as unhandled, and what it does not. Its own
//! test binary (so its own process), because the unhandled-failure hook is
//! process-wide: every test counts the reports of its own tag.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Mutex, Once};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

use deferred::{
    blocking_call_from_thread, ensure_deferred, set_unhandled_failure_hook, Deferred, Failure,
    Reactor, ReactorError,
};

/// A failure that says which test made it.
#[derive(Debug)]
struct Tag(&'static str);

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Tag {}

static REPORTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Reports so far whose text is `tag` (or, for `"cancelled"`, any
/// CancelledError).
fn reports(tag: &str) -> usize {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        set_unhandled_failure_hook(|f| REPORTS.lock().unwrap().push(f.to_string()));
    });
    REPORTS.lock().unwrap().iter().filter(|r| *r == tag).count()
}

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(Noop));
    Pin::new(future).poll(&mut Context::from_waker(&waker))
}

#[test]
fn the_cancelled_error_of_a_dropped_await_is_not_reported() {
    // As Twisted's asFuture: its errback swallows the failure once the
    // future is cancelled.
    reports(""); // the hook is in before anything could report
    let d = Deferred::<u8>::new();
    let mut future = d.clone().into_future();
    assert!(poll_once(&mut future).is_pending());
    drop(future);
    drop(d);
    // No test in this binary lets a CancelledError go unhandled.
    assert_eq!(reports("the Deferred was cancelled"), 0);
}

#[test]
fn another_failure_after_a_dropped_await_is_reported_once_if_nothing_handles_it() {
    reports("");
    let d = Deferred::<u8>::with_canceller(|d| d.errback(Tag("after-drop")).unwrap());
    let mut future = d.clone().into_future();
    assert!(poll_once(&mut future).is_pending());
    drop(future); // cancels: the canceller errbacks with the tag
    assert_eq!(reports("after-drop"), 0, "still held by the Deferred");
    drop(d);
    assert_eq!(reports("after-drop"), 1);
}

#[test]
fn a_failure_that_arrived_but_was_never_returned_is_reported_when_the_future_is_dropped() {
    reports("");
    let d = Deferred::<u8>::new();
    let mut future = d.clone().into_future();
    assert!(poll_once(&mut future).is_pending());
    d.errback(Tag("unread")).unwrap();
    assert_eq!(reports("unread"), 0);
    drop(future);
    assert_eq!(reports("unread"), 1);
}

#[test]
fn a_cancel_that_arrived_but_was_never_returned_is_not_reported_when_the_future_is_dropped() {
    // The awaited Deferred was cancelled by its user, not by the drop: its
    // CancelledError is still nothing to report (as an errback that
    // swallows it).
    reports(""); // the hook is in before anything could report
    let d = Deferred::<u8>::new();
    let mut future = d.clone().into_future();
    assert!(poll_once(&mut future).is_pending());
    d.cancel();
    drop(future);
    drop(d);
    assert_eq!(reports("the Deferred was cancelled"), 0);
}

#[test]
fn a_failure_returned_by_the_await_is_not_reported() {
    reports("");
    let d = Deferred::<u8>::new();
    let mut future = d.clone().into_future();
    assert!(poll_once(&mut future).is_pending());
    d.errback(Tag("returned")).unwrap();
    assert!(matches!(poll_once(&mut future), Poll::Ready(Err(_))));
    drop((future, d));
    assert_eq!(reports("returned"), 0);
}

#[test]
fn a_failed_task_whose_deferred_is_dropped_reports_its_failure_once() {
    reports("");
    let d: Deferred<u8> = ensure_deferred(async { Err::<u8, _>(Tag("task-failed")) });
    drop(d);
    assert_eq!(reports("task-failed"), 1);
}

#[test]
fn a_failure_the_task_catches_is_not_reported() {
    reports("");
    let inner = Deferred::<u8>::new();
    let d: Deferred<u8> = ensure_deferred({
        let inner = inner.clone();
        async move {
            let r: Result<u8, Failure> = inner.await;
            Ok::<_, Failure>(r.unwrap_or(0))
        }
    });
    inner.errback(Tag("caught-in-task")).unwrap();
    assert_eq!(d.result().unwrap().unwrap(), 0);
    drop((d, inner));
    assert_eq!(reports("caught-in-task"), 0);
}

/// Runs a reactor with a thread blocked in `blocking_call_from_thread` on
/// `d` (handed over to the call) until the reactor's stop releases it: the
/// call itself stops the reactor, so the release comes after the hand-over.
/// The caller's answer.
fn release_a_caller_blocked_on(d: Deferred<u8>) -> Result<u8, Failure> {
    let reactor = Reactor::new();
    let caller = Arc::new(Mutex::new(None));
    let (r, slot) = (reactor.clone(), Arc::clone(&caller));
    reactor
        .call_when_running(move || {
            *slot.lock().unwrap() = Some(thread::spawn(move || {
                let r2 = r.clone();
                blocking_call_from_thread(&r, move || {
                    r2.stop().unwrap();
                    d
                })
            }));
        })
        .unwrap();
    reactor.run().unwrap();
    let handle = caller.lock().unwrap().take().expect("the caller started");
    handle.join().unwrap()
}

#[test]
fn a_failure_after_a_blocking_caller_was_released_stays_in_its_deferred_and_is_reported() {
    reports("");
    let d = Deferred::<u8>::new();
    let answer = release_a_caller_blocked_on(d.clone());
    assert_eq!(
        answer.unwrap_err().downcast_ref::<ReactorError>(),
        Some(&ReactorError::Stopped)
    );
    // Nobody waits for it any more: the failure goes back to the Deferred
    // (issue 21: an `Answer::send` that swallowed every late failure passed
    // every test).
    d.errback(Tag("after-release")).unwrap();
    assert_eq!(reports("after-release"), 0, "still held by the Deferred");
    drop(d);
    assert_eq!(reports("after-release"), 1);
}

#[test]
fn a_cancel_after_a_blocking_caller_was_released_is_not_reported() {
    // As for a dropped await: nobody needs to hear of that CancelledError.
    let d = Deferred::<u8>::new();
    let answer = release_a_caller_blocked_on(d.clone());
    assert!(answer.is_err());
    d.cancel();
    drop(d);
    // No test in this binary lets a CancelledError go unhandled.
    assert_eq!(reports("the Deferred was cancelled"), 0);
}
