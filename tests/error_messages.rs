//! The messages of the error types that carry no data: a user sees them in a
//! log line or a panic, so each is pinned here word for word (issue 21:
//! cargo-mutants replaced these `Display` impls with an empty message and
//! no test noticed). An error that formats its data is tested where the
//! data is made.

use std::error::Error;

use std::time::Duration;

use deferred::testing::ClockIdleError;
use deferred::{
    AlreadyTryingToLockError, ClockExhaustedError, DelayedCallError, DroppedUnfiredError,
    LoopingCallError, NotAcquiredError, QueueOverflow, QueueUnderflow, ReactorError,
    ReactorThreadError, TimeoutError, ZeroIntervalError, ZeroTokensError,
};

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
