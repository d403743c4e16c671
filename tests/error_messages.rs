//! The messages of the error types that carry no data: a user sees them in a
//! log line or a panic, so each is pinned here word for word (issue 21:
//! cargo-mutants replaced these `Display` impls with an empty message and
//! no test noticed). An error that formats its data is tested where the
//! data is made.

use std::error::Error;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use deferred::testing::ClockIdleError;
use deferred::{
    blocking_call_from_thread, deferred_list, ensure_deferred, AlreadyChainedError, Deferred,
    Failure, Reactor,
};
use deferred::{
    AlreadyTryingToLockError, ClockExhaustedError, DelayedCallError, DroppedUnfiredError,
    LoopingCallError, NotAcquiredError, QueueOverflow, QueueUnderflow, ReactorError,
    ReactorThreadError, TimeoutError, ZeroIntervalError, ZeroTokensError,
};
use deferred::{PoolStoppedError, StopFromWorkerError};

/// `error`'s message, and that it names no cause (each of these is a
/// root cause).
fn message(error: &dyn Error) -> String {
    assert!(error.source().is_none(), "{error}: a source");
    error.to_string()
}

#[test]
fn the_bridge_errors_say_what_happened() {
    assert_eq!(
        message(&DroppedUnfiredError),
        "the awaited Deferred was dropped before it fired; nothing can fire it any more"
    );
    assert_eq!(
        message(&ReactorThreadError),
        "blocking_call_from_thread called on the reactor thread, which would wait for itself"
    );
}

#[test]
fn the_pool_errors_say_what_happened() {
    assert_eq!(
        message(&PoolStoppedError),
        "the thread pool is stopped and refuses new work"
    );
    assert_eq!(
        message(&StopFromWorkerError),
        "thread pool stop called from one of its own workers: stopping without waiting for the workers"
    );
}

#[test]
fn the_primitives_errors_say_what_happened() {
    assert_eq!(
        message(&NotAcquiredError),
        "release without a matching acquire: nothing is held"
    );
    assert_eq!(
        message(&ZeroTokensError),
        "a DeferredSemaphore needs at least one token"
    );
    assert_eq!(
        message(&ZeroIntervalError),
        "a DeferredFilesystemLock needs a non-zero retry interval"
    );
    assert_eq!(
        message(&QueueUnderflow),
        "the DeferredQueue has too many gets waiting"
    );
    assert_eq!(
        message(&AlreadyTryingToLockError),
        "defer_until_locked is already trying to take this lock"
    );
}

#[test]
fn the_clock_exhausted_error_says_what_happened() {
    assert_eq!(
        message(&ClockExhaustedError),
        "the clock is at the end of its range: a repeating call would run again and again at the same time"
    );
}

#[test]
fn a_queue_overflow_says_so_and_hands_the_item_back_without_showing_it() {
    // No `Debug` on the item: the error must still print.
    struct Opaque(u8);
    let overflow = QueueOverflow(Opaque(7));
    assert_eq!(message(&overflow), "the DeferredQueue is full");
    assert_eq!(format!("{overflow:?}"), "QueueOverflow(..)");
    assert_eq!(overflow.into_inner().0, 7);
}

#[test]
fn the_time_and_reactor_errors_say_what_happened() {
    let cases: [(&dyn Error, &str); 12] = [
        (
            &DelayedCallError::AlreadyCalled,
            "the delayed call has already run",
        ),
        (
            &DelayedCallError::AlreadyCancelled,
            "the delayed call was cancelled",
        ),
        (
            &DelayedCallError::Discarded,
            "the delayed call's clock stopped or was dropped before it was due; it will never run",
        ),
        (
            &LoopingCallError::AlreadyRunning,
            "the looping call is already running",
        ),
        (
            &LoopingCallError::Stopping,
            "the looping call was stopped and its last call has not finished yet",
        ),
        (
            &LoopingCallError::NotRunning,
            "the looping call is not running",
        ),
        (
            &ClockIdleError,
            "the clock has no calls left and the Deferred has not fired",
        ),
        (
            &ReactorError::AlreadyRunning,
            "the reactor is already running",
        ),
        (
            &ReactorError::NotRestartable,
            "the reactor has stopped and cannot run again",
        ),
        (&ReactorError::NotRunning, "the reactor is not running"),
        (
            &ReactorError::Stopped,
            "the reactor has stopped and refuses new work",
        ),
        (
            &ReactorError::StoppedEarly,
            "the reactor was stopped before the Deferred fired",
        ),
    ];
    for (error, expected) in cases {
        assert_eq!(message(error), expected);
    }
}

#[test]
fn a_timeout_error_names_its_timeout() {
    let error = TimeoutError::new(Duration::from_millis(1500));
    assert_eq!(error.timeout(), Duration::from_millis(1500));
    assert_eq!(message(&error), "the Deferred timed out after 1.5s");
}

#[test]
fn an_already_chained_error_says_where_it_happened() {
    let cases: [(AlreadyChainedError, &str); 6] = [
        (
            AlreadyChainedError::Returned,
            "a handler returned a Deferred that was already handed on \
             (chained, awaited, joined or consumed): its result cannot come here",
        ),
        (
            AlreadyChainedError::Itself,
            "a handler returned the Deferred its own result goes to, \
             which would wait on itself forever",
        ),
        (
            AlreadyChainedError::CombinatorInput,
            "a combinator input was already handed on (chained, awaited, \
             joined or consumed) or given twice: its result cannot come here",
        ),
        (
            AlreadyChainedError::Awaited,
            "the awaited Deferred was already handed on (chained, awaited, \
             joined or consumed): its result cannot come here",
        ),
        (
            AlreadyChainedError::AwaitedByItsTask,
            "a task awaited its own Deferred, which only its own result fires: \
             it would wait forever",
        ),
        (
            AlreadyChainedError::BlockingCall,
            "the Deferred that blocking_call_from_thread's function returned was \
             already handed on (chained, awaited, joined or consumed): its result \
             cannot come here",
        ),
    ];
    for (error, expected) in cases {
        assert_eq!(message(&error), expected);
    }
}

/// The `AlreadyChainedError` a failure carries (it must carry one).
#[track_caller]
fn already_chained(failure: &Failure) -> AlreadyChainedError {
    *failure
        .downcast_ref::<AlreadyChainedError>()
        .unwrap_or_else(|| panic!("not an AlreadyChainedError: {failure:?}"))
}

/// A Deferred whose result was handed on (to a `then`).
fn handed_on() -> Deferred<u8> {
    let d = Deferred::new();
    let _taken: Deferred<u8> = d.then(|r| r);
    d
}

/// A Deferred's failure (taken, so that it is handled), which it must have.
#[track_caller]
fn failure_of(d: &Deferred<u8>) -> Failure {
    deferred::testing::failure_result_of(d, &[])
}

#[test]
fn each_place_an_already_chained_error_comes_from_says_which() {
    // A handler returns a Deferred handed on already, or its own.
    let d = Deferred::<u8>::new();
    let inner = handed_on();
    d.add_callback(move |_| inner);
    d.callback(0).unwrap();
    assert_eq!(
        already_chained(&failure_of(&d)),
        AlreadyChainedError::Returned
    );
    let d = Deferred::<u8>::new();
    let me = d.clone();
    d.add_callback(move |_| me);
    d.callback(0).unwrap();
    assert_eq!(
        already_chained(&failure_of(&d)),
        AlreadyChainedError::Itself
    );

    // An `async` block's output is such a Deferred (the task's Deferred
    // then waits on it, as a handler's chain would).
    let inner = handed_on();
    let d = ensure_deferred(async move { inner });
    assert_eq!(
        already_chained(&failure_of(&d)),
        AlreadyChainedError::Returned
    );
    let slot: Arc<Mutex<Option<Deferred<u8>>>> = Arc::default();
    let gate = Deferred::<()>::new();
    let d: Deferred<u8> = ensure_deferred({
        let (slot, gate) = (Arc::clone(&slot), gate.clone());
        async move {
            gate.await.unwrap();
            slot.lock().unwrap().take().expect("set")
        }
    });
    *slot.lock().unwrap() = Some(d.clone());
    gate.callback(()).unwrap();
    assert_eq!(
        already_chained(&failure_of(&d)),
        AlreadyChainedError::Itself
    );

    // A combinator input given twice.
    let input = Deferred::<u8>::new();
    let list = deferred_list([input.clone(), input.clone()]);
    input.callback(1).unwrap();
    let results = list.result().unwrap().unwrap();
    assert_eq!(
        already_chained(results[1].as_ref().unwrap_err()),
        AlreadyChainedError::CombinatorInput
    );

    // `.await` of a Deferred handed on already.
    let d = ensure_deferred(async move { handed_on().await });
    assert_eq!(
        already_chained(&failure_of(&d)),
        AlreadyChainedError::Awaited
    );

    // A task awaiting its own Deferred.
    let slot: Arc<Mutex<Option<Deferred<u8>>>> = Arc::default();
    let gate = Deferred::<()>::new();
    let d: Deferred<u8> = ensure_deferred({
        let (slot, gate) = (Arc::clone(&slot), gate.clone());
        async move {
            gate.await?;
            let me = slot.lock().unwrap().take().expect("set");
            me.await
        }
    });
    *slot.lock().unwrap() = Some(d.clone());
    gate.callback(()).unwrap();
    assert_eq!(
        already_chained(&failure_of(&d)),
        AlreadyChainedError::AwaitedByItsTask
    );

    // blocking_call_from_thread's function returns one.
    let reactor = Reactor::new();
    let out = Arc::new(Mutex::new(None));
    let (r, o) = (reactor.clone(), Arc::clone(&out));
    reactor
        .call_when_running(move || {
            std::thread::spawn(move || {
                let result: Result<u8, Failure> = blocking_call_from_thread(&r, handed_on);
                *o.lock().unwrap() = Some(result);
                let r2 = r.clone();
                r.call_from_thread(move || r2.stop().unwrap()).unwrap();
            });
        })
        .unwrap();
    reactor.run().unwrap();
    let result = out.lock().unwrap().take().expect("the caller answered");
    assert_eq!(
        already_chained(&result.unwrap_err()),
        AlreadyChainedError::BlockingCall
    );
}
