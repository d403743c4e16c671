//! `Send` and `Sync` of every public type, asserted at compile time, as
//! tokio's `tests/async_send_sync.rs` does: a type that loses (or gains) one
//! by accident makes this file fail to build.
//!
//! One line per public type. `!Send` / `!Sync` assertions fail to build if
//! the type *is* `Send` / `Sync` (the trait method is ambiguous then).
#![allow(dead_code, clippy::extra_unused_type_parameters)]

use std::rc::Rc;

use deferred::*;

/// Compiles only if the type has every listed property.
macro_rules! assert_value {
    (@check $type:ty: Send & Sync) => {
        require_send::<$type>();
        require_sync::<$type>();
    };
    (@check $type:ty: Send & !Sync) => {
        require_send::<$type>();
        AmbiguousIfSync::some_item(&never::<$type>());
    };
    (@check $type:ty: !Send & !Sync) => {
        AmbiguousIfSend::some_item(&never::<$type>());
        AmbiguousIfSync::some_item(&never::<$type>());
    };
    ($type:ty: $($rest:tt)*) => {
        const _: fn() = || {
            assert_value!(@check $type: $($rest)*);
        };
    };
}

fn require_send<T: Send>() {}
fn require_sync<T: Sync>() {}

/// A value of any type, for the ambiguity checks (never called).
fn never<T>() -> T {
    unreachable!()
}

/// `some_item` is ambiguous (a build error) exactly when `T: Send`.
trait AmbiguousIfSend<A> {
    fn some_item(&self) {}
}
impl<T: ?Sized> AmbiguousIfSend<()> for T {}
impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}

/// `some_item` is ambiguous (a build error) exactly when `T: Sync`.
trait AmbiguousIfSync<A> {
    fn some_item(&self) {}
}
impl<T: ?Sized> AmbiguousIfSync<()> for T {}
impl<T: ?Sized + Sync> AmbiguousIfSync<u8> for T {}

// The Deferred and what travels in it.
assert_value!(Deferred<u8>: Send & Sync);
assert_value!(Deferred<Vec<String>>: Send & Sync);
assert_value!(Deferred<std::cell::Cell<u8>>: Send & Sync);
assert_value!(Deferred<Rc<u8>>: !Send & !Sync);
assert_value!(WeakDeferred<u8>: Send & Sync);
assert_value!(WeakDeferred<Rc<u8>>: !Send & !Sync);
assert_value!(Outcome<u8>: Send & Sync);
assert_value!(Outcome<std::cell::Cell<u8>>: Send & !Sync);
assert_value!(Outcome<Rc<u8>>: !Send & !Sync);
assert_value!(DeferredState: Send & Sync);
assert_value!(Failure: Send & Sync);

// Errors.
assert_value!(AlreadyCalledError: Send & Sync);
assert_value!(AlreadyChainedError: Send & Sync);
assert_value!(CancelledError: Send & Sync);
assert_value!(NotPausedError: Send & Sync);
assert_value!(PanicError: Send & Sync);
assert_value!(PoolSizeError: Send & Sync);
assert_value!(PoolStoppedError: Send & Sync);
assert_value!(StopFromWorkerError: Send & Sync);
assert_value!(ReactorError: Send & Sync);
assert_value!(DelayedCallError: Send & Sync);
assert_value!(FirstError: Send & Sync);
assert_value!(FailureGroup: Send & Sync);

// Combinators' builders and results.
assert_value!(DeferredList<u8>: Send & Sync);
assert_value!(DeferredList<Rc<u8>>: !Send & !Sync);
assert_value!(FirstSuccess<u8>: Send & Sync);

// Threads.
assert_value!(ThreadPool: Send & Sync);
assert_value!(ThreadPoolBuilder: Send & Sync);
assert_value!(WorkerPriority: Send & Sync);
assert_value!(PoolStats: Send & Sync);
assert_value!(Reactor: Send & Sync);

// Time.
assert_value!(DelayedCall: Send & Sync);
assert_value!(LoopingCall: Send & Sync);
assert_value!(LoopingCallError: Send & Sync);
assert_value!(TimeoutError: Send & Sync);
assert_value!(testing::Clock: Send & Sync);
assert_value!(testing::ClockIdleError: Send & Sync);

// Test helpers (the guard is tied to its thread's reports).
assert_value!(testing::MemoryReactor: Send & Sync);
assert_value!(testing::YieldNow: Send & Sync);
assert_value!(WeakTime: Send & Sync);
assert_value!(testing::ErrorType: Send & Sync);
assert_value!(testing::LoggedFailures: !Send & !Sync);

// The async bridge.
assert_value!(DeferredFuture<u8>: Send & Sync);
assert_value!(DroppedUnfiredError: Send & Sync);
assert_value!(ReactorThreadError: Send & Sync);

// Primitives.
assert_value!(DeferredLock: Send & Sync);
assert_value!(DeferredSemaphore: Send & Sync);
assert_value!(DeferredQueue<u8>: Send & Sync);
assert_value!(DeferredQueue<Rc<u8>>: !Send & !Sync);
assert_value!(NotAcquiredError: Send & Sync);
assert_value!(ZeroTokensError: Send & Sync);
assert_value!(ZeroIntervalError: Send & Sync);
assert_value!(ClockExhaustedError: Send & Sync);
assert_value!(QueueOverflow<u8>: Send & Sync);
assert_value!(QueueUnderflow: Send & Sync);
assert_value!(DeferredFilesystemLock: Send & Sync);
assert_value!(AlreadyTryingToLockError: Send & Sync);

/// Traits re-exported by the crate: `Send`/`Sync` do not apply.
const TRAITS: &[&str] = &[
    "IntoOutcome",
    "IntoDeferred",
    "IntoFailure",
    "ReactorTime",
    "ReactorThreads",
];

/// The CamelCase names `src/lib.rs` re-exports with `pub use` (the public
/// types and traits).
fn exported_types() -> Vec<String> {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    let mut names = Vec::new();
    for item in lib.split("pub use ").skip(1) {
        let item = &item[..item.find(';').unwrap_or(item.len())];
        let list = item.rsplit("::").next().unwrap_or_default();
        for name in list.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = name.trim();
            let camel = name.starts_with(|c: char| c.is_ascii_uppercase())
                && name.chars().any(|c| c.is_ascii_lowercase());
            if camel && !TRAITS.contains(&name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

#[test]
fn every_public_type_has_its_send_and_sync_asserted_here() {
    let this = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/send_sync.rs"))
        .unwrap();
    let types = exported_types();
    assert!(types.len() > 20, "found only {types:?} in src/lib.rs");
    for name in types {
        assert!(
            this.contains(&format!("assert_value!({name}:"))
                || this.contains(&format!("assert_value!({name}<")),
            "{name} is public but has no assert_value! line in tests/send_sync.rs"
        );
    }
}
