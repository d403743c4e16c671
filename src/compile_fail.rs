//! Compile-fail tests, run by `cargo test --doc` (this module exists only
//! when rustdoc collects doctests). Each `compile_fail` block is paired with
//! the same code written right, which must compile, so a block cannot pass
//! by failing for some other reason.

/// Dropping the Deferred that holds a result is a `must_use` warning (an
/// error under `deny`):
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let d = deferred::Deferred::<u8>::new();
/// d.map(|v| v + 1); // the new Deferred, and the result, are lost
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let d = deferred::Deferred::<u8>::new();
/// d.then(|_| 0u8); // as with map
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let d = deferred::Deferred::<&str>::new();
/// d.and_then(|s| s.parse::<u8>());
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// deferred::succeed(1);
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// deferred::fail::<u8>(std::fmt::Error);
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// deferred::maybe_deferred(|| 1u8);
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// deferred::gather_results(vec![deferred::succeed(1)]);
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// deferred::deferred_list(vec![deferred::succeed(1)]);
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let reactor = deferred::Reactor::new();
/// deferred::defer_to_thread(&reactor, || 1u8);
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let reactor = deferred::Reactor::new();
/// deferred::defer_to_thread_pool(&reactor, reactor.thread_pool(), || 1u8);
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let builder = deferred::ThreadPool::builder();
/// builder.clone().max_threads(2); // the changed builder is dropped
/// ```
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// deferred::Deferred::<u8>::new();
/// ```
///
/// The same, written right, compiles:
///
/// ```
/// #![deny(unused_must_use)]
/// let d = deferred::Deferred::<u8>::new();
/// let _mapped = d.map(|v| v + 1);
/// let d = deferred::Deferred::<u8>::new();
/// let _then = d.then(|_| 0u8);
/// let d = deferred::Deferred::<&str>::new();
/// let _parsed = d.and_then(|s| s.parse::<u8>());
/// let _ = deferred::succeed(1);
/// let _failed = deferred::fail::<u8>(std::fmt::Error);
/// let _maybe = deferred::maybe_deferred(|| 1u8);
/// let _all = deferred::gather_results(vec![deferred::succeed(1)]);
/// let _list = deferred::deferred_list(vec![deferred::succeed(1)]);
/// let reactor = deferred::Reactor::new();
/// let _work = deferred::defer_to_thread(&reactor, || 1u8);
/// let _work = deferred::defer_to_thread_pool(&reactor, reactor.thread_pool(), || 1u8);
/// let builder = deferred::ThreadPool::builder();
/// let _changed = builder.clone().max_threads(2);
/// let _new = deferred::Deferred::<u8>::new();
/// # _failed.add_errback(|_: deferred::Failure| 0);
/// # _list.add_errback(|_: deferred::Failure| Vec::new());
/// ```
struct MustUse;

/// Changing a chain's type with a fallible step: `map` (and `then`) cannot
/// tell `Deferred<u16>` from `Deferred<Result<u16, ParseIntError>>` without
/// an annotation, `and_then` can.
///
/// ```compile_fail,E0283
/// let d = deferred::Deferred::<&str>::new();
/// let _port = d.map(|text| text.parse::<u16>());
/// ```
///
/// ```
/// let d = deferred::Deferred::<&str>::new();
/// let _port = d.and_then(|text| text.parse::<u16>()); // Deferred<u16>
/// let d = deferred::Deferred::<&str>::new();
/// let _port: deferred::Deferred<u16> = d.map(|text| text.parse::<u16>()); // named
/// ```
///
/// `inspect` and `inspect_err` observe by reference: their closures return
/// nothing, and cannot take the value or the failure away.
///
/// ```compile_fail,E0507
/// let d = deferred::Deferred::<String>::new();
/// d.inspect(|s| drop(*s));
/// ```
///
/// ```
/// let d = deferred::Deferred::<String>::new();
/// d.inspect(|s| println!("{s}"));
/// ```
struct TypeErrors;

/// The crate's error enums and its stats struct are `#[non_exhaustive]`: a
/// `match` outside the crate needs a wildcard arm (so a new variant is not a
/// breaking change), and `PoolStats` cannot be built by a struct literal.
///
/// ```compile_fail,E0004
/// use deferred::ReactorError;
///
/// fn describe(e: ReactorError) -> &'static str {
///     match e {
///         ReactorError::AlreadyRunning => "running",
///         ReactorError::NotRestartable => "ran",
///         ReactorError::NotRunning => "idle",
///         ReactorError::Stopped => "stopped",
///         ReactorError::StoppedEarly => "early",
///     }
/// }
/// ```
///
/// ```compile_fail,E0004
/// fn describe(e: deferred::PoolSizeError) -> &'static str {
///     match e {
///         deferred::PoolSizeError::MinAboveMax { .. } => "min above max",
///         deferred::PoolSizeError::ZeroMax => "zero max",
///     }
/// }
/// ```
///
/// ```compile_fail,E0639
/// let stats = deferred::PoolStats { threads: 0, idle: 0, busy: 0, queued: 0, completed: 0 };
/// ```
///
/// ```
/// use deferred::{PoolSizeError, ReactorError};
///
/// fn describe(e: ReactorError) -> &'static str {
///     match e {
///         ReactorError::NotRunning => "idle",
///         _ => "something else",
///     }
/// }
/// fn size(e: PoolSizeError) -> &'static str {
///     match e {
///         PoolSizeError::ZeroMax => "zero max",
///         _ => "something else",
///     }
/// }
/// assert_eq!(describe(ReactorError::NotRunning), "idle");
/// assert_eq!(size(PoolSizeError::ZeroMax), "zero max");
/// let stats = deferred::PoolStats::default();
/// assert_eq!(stats.threads, 0);
/// ```
struct NonExhaustive;

/// Making a failure (issue 18 item 2): `errback`, `fail` and a handler's
/// `Err` take an error, a boxed error, a message or a `Failure`; anything
/// else is refused, and `failure!` is the way from a formatted value.
///
/// ```compile_fail,E0277
/// let d = deferred::Deferred::<u8>::new();
/// d.errback(42).unwrap(); // a number is not a failure
/// ```
///
/// ```compile_fail,E0277
/// let d = deferred::Deferred::<u8>::new();
/// d.add_callback(|n| if n > 1 { Ok(n) } else { Err(n) }); // nor an `Err(u8)`
/// ```
///
/// `trap` takes the failure, so it cannot be logged afterwards; `trap_ref`
/// borrows it:
///
/// ```compile_fail,E0382
/// use deferred::{CancelledError, Deferred, Failure};
///
/// let d = Deferred::<u8>::new();
/// d.add_errback(|f: Failure| -> Result<u8, Failure> {
///     f.trap::<CancelledError>()?;
///     eprintln!("cancelled: {f}");
///     Ok(0)
/// });
/// ```
///
/// ```
/// use deferred::{failure, CancelledError, Deferred, Failure};
///
/// let d = deferred::Deferred::<u8>::new();
/// d.errback(failure!("{}", 42)).unwrap();
/// d.errback("a message").unwrap_err(); // compiles; fired already
/// let d = deferred::Deferred::<u8>::new();
/// d.add_callback(|n| if n > 1 { Ok(n) } else { Err(failure!("{n}")) });
/// let d = Deferred::<u8>::new();
/// d.add_errback(|f: Failure| -> Result<u8, Failure> {
///     f.trap_ref::<CancelledError>()?;
///     eprintln!("cancelled: {f}");
///     Ok(0)
/// });
/// ```
struct MakingAFailure;

/// A handler that returns nothing on a `Deferred<String>` (issue 18 item 1):
/// the error names `inspect` (to look), `map`/`and_then`/`then` (to change
/// the type) and the turbofish; `tests/diagnostics.rs` checks the text.
///
/// ```compile_fail,E0277
/// let d = deferred::Deferred::<String>::new();
/// d.add_callback(|s| println!("{s}"));
/// ```
///
/// ```compile_fail,E0277
/// let reactor = deferred::Reactor::new();
/// let shared = std::rc::Rc::new(1u8);
/// let _d = deferred::defer_to_thread(&reactor, move || *shared); // Rc is not Send
/// ```
///
/// ```
/// let d = deferred::Deferred::<String>::new();
/// d.inspect(|s| println!("{s}"));
/// let _lengths = d.map(|s| s.len());
/// let reactor = deferred::Reactor::new();
/// let shared = std::sync::Arc::new(1u8);
/// let _d = deferred::defer_to_thread(&reactor, move || *shared);
/// ```
struct HandlerReturns;

/// What Rust cannot infer (issue 18 item 3; the shapes that do infer are
/// `tests/inference.rs`). A closure handed to `defer_to_thread`,
/// `DeferredLock::run`, `blocking_call_from_thread` (and the like) may
/// return a value, a `Result` or a `Deferred`, and the new Deferred's type
/// is free: a closure returning `Result<u32, E>` could make a
/// `Deferred<u32>` (an `Err` fails it) or a `Deferred<Result<u32, E>>`, one
/// returning `Deferred<()>` a `Deferred<()>` or a `Deferred<Deferred<()>>`.
/// Rust has no way to prefer one on stable (the value case is a blanket
/// impl, which the others would overlap), so the type must be named once:
///
/// ```compile_fail,E0283
/// let lock = deferred::DeferredLock::new();
/// let _d = lock.run(|| deferred::succeed(()));
/// ```
///
/// ```compile_fail,E0283
/// let reactor = deferred::Reactor::new();
/// let d = deferred::defer_to_thread(&reactor, || "1".parse::<u32>());
/// d.add_callback(|n| n + 1);
/// ```
///
/// ```compile_fail,E0283
/// fn on_a_worker(reactor: &deferred::Reactor) {
///     let _v = deferred::blocking_call_from_thread(reactor, || deferred::succeed(5u32));
/// }
/// ```
///
/// The same for an `async` block's `Result` in `ensure_deferred`:
///
/// ```compile_fail,E0283
/// let _d = deferred::ensure_deferred(async { Ok::<u32, deferred::Failure>(1) });
/// ```
///
/// A closure that only panics returns `!`, which becomes `()` (or stays `!`
/// in edition 2024) before it could become the Deferred's type:
///
/// ```compile_fail,E0277
/// let reactor = deferred::Reactor::new();
/// let _d: deferred::Deferred<u32> = deferred::defer_to_thread(&reactor, || panic!("1/0"));
/// ```
///
/// Named once, each compiles:
///
/// ```
/// use deferred::{Deferred, Failure};
///
/// let lock = deferred::DeferredLock::new();
/// let _d: Deferred<()> = lock.run(|| deferred::succeed(()));
/// let reactor = deferred::Reactor::new();
/// let d: Deferred<u32> = deferred::defer_to_thread(&reactor, || "1".parse::<u32>());
/// d.add_callback(|n| n + 1);
/// fn on_a_worker(reactor: &deferred::Reactor) {
///     let _v: Result<u32, Failure> =
///         deferred::blocking_call_from_thread(reactor, || deferred::succeed(5u32));
/// }
/// let _d: Deferred<u32> = deferred::defer_to_thread(&reactor, || -> u32 { panic!("1/0") });
/// // The forms each function's rustdoc shows ("Naming the type").
/// let _d = deferred::defer_to_thread::<u32, _, _>(&reactor, || "1".parse::<u32>());
/// let _d: Deferred<u32> = deferred::ensure_deferred(async { Ok::<u32, Failure>(1) });
/// let pool = deferred::ThreadPool::builder().build().unwrap();
/// let _d: Deferred<u32> = deferred::defer_to_thread_pool(&reactor, &pool, || "1".parse::<u32>());
/// let semaphore = deferred::DeferredSemaphore::new(1).unwrap();
/// let _d: Deferred<()> = semaphore.run(|| deferred::succeed(()));
/// let (clock, delay) = (deferred::testing::Clock::new(), std::time::Duration::from_secs(1));
/// let _d: Deferred<u32> = deferred::defer_later(&clock, delay, || "1".parse::<u32>());
/// pool.call_in_thread_with_callback(|r: Result<i32, _>| drop(r), || "1".parse::<i32>()).unwrap();
/// pool.call_in_thread_with_callback(|r| drop(r), || -> i32 { panic!("1/0") }).unwrap();
/// fn on_a_worker_too(reactor: &deferred::Reactor) -> Result<u32, Failure> {
///     let v: u32 = deferred::blocking_call_from_thread(reactor, || deferred::succeed(5u32))?;
///     Ok(v)
/// }
/// # pool.stop().unwrap();
/// ```
struct InferenceLimits;
