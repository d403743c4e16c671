//! [`Failure`], the error value that travels down a Deferred's errback chain,
//! and the error types the crate itself raises.

use std::any::Any;
use std::backtrace::{Backtrace, BacktraceStatus};
use std::error::Error;
use std::fmt;
use std::sync::Arc;

type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// An error travelling down a Deferred's chain: Twisted's `Failure`.
///
/// A `Failure` wraps any `Error + Send + Sync + 'static` (or a panic, as a
/// [`PanicError`]). Errbacks test it by type with [`check`](Failure::check),
/// borrow the inner error with [`downcast_ref`](Failure::downcast_ref), or
/// [`trap`](Failure::trap) it: keep handling a failure they expect and pass
/// on one they don't. Cloning is cheap (the error is shared).
///
/// `Failure` does not itself implement [`Error`] (as with `anyhow::Error`), so
/// that every error converts into it with `?` or `.into()`. It converts the
/// other way too, into `Box<dyn Error>` (with or without `Send + Sync`), so
/// `?` on a `Result<_, Failure>` works in a function, or a `main`, that
/// returns `Result<_, Box<dyn Error>>`:
///
/// ```
/// use deferred::{defer_to_thread, react};
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let answer = react(|reactor| defer_to_thread(reactor, || 6 * 7))?;
///     assert_eq!(answer, 42);
///     Ok(())
/// }
/// ```
///
/// The boxed error displays as the inner error, and its `source()` is the
/// inner error's source; its `Debug` (what `main` prints on failure) lists
/// the causes and the backtrace, if one was captured.
///
/// # Backtraces, and what they cost
///
/// A backtrace is captured when the failure is made if the environment asks
/// for one, as with [`std::backtrace::Backtrace::capture`]: with
/// `RUST_BACKTRACE=1` set (common on developer machines) **every** `Failure`
/// captures one, which makes making a failure about 200 times slower (a
/// failure-heavy chain ran 125 times slower in the `failure` bench,
/// docs/benchmarks.md). To keep panics' backtraces but not the library's,
/// set `RUST_LIB_BACKTRACE=0` beside it: `Backtrace::capture` reads
/// `RUST_LIB_BACKTRACE` first, the panic hook only `RUST_BACKTRACE`. Both are
/// read once per process. [`backtrace`](Failure::backtrace) says whether one
/// was captured.
///
/// ```
/// use deferred::{Failure, CancelledError};
///
/// let failure = Failure::new(CancelledError);
/// assert!(failure.check::<CancelledError>());
/// assert!(!failure.check::<std::io::Error>());
/// assert_eq!(failure.to_string(), "the Deferred was cancelled");
/// ```
#[derive(Clone)]
pub struct Failure {
    inner: Arc<FailureInner>,
}

struct FailureInner {
    /// The error itself; its `source()` chain is part of `Display`.
    error: BoxError,
    /// Captured at construction, disabled unless the environment asks.
    backtrace: Backtrace,
}

impl Failure {
    /// Wraps an error.
    pub fn new<E>(error: E) -> Self
    where
        E: Error + Send + Sync + 'static,
    {
        Failure::from_boxed(Box::new(error))
    }

    /// Wraps an already boxed error. A box made from a `Failure` (by `?` or
    /// `.into()` into a `Box<dyn Error + Send + Sync>`) gives that failure
    /// back, so a failure that went through a boxed error is still the same
    /// failure ([`ptr_eq`](Failure::ptr_eq)), not one wrapped in another.
    pub fn from_boxed(error: Box<dyn Error + Send + Sync + 'static>) -> Self {
        match error.downcast::<BoxedFailure>() {
            Ok(boxed) => boxed.0,
            Err(error) => Failure::from_error_box(error),
        }
    }

    fn from_error_box(error: BoxError) -> Self {
        Failure {
            inner: Arc::new(FailureInner {
                error,
                backtrace: Backtrace::capture(),
            }),
        }
    }

    /// A failure with only a message (what [`failure!`](crate::failure!)
    /// makes, and what `errback("...")` makes of a string). Its error
    /// displays as the message.
    ///
    /// ```
    /// let f = deferred::Failure::msg("disk full");
    /// assert_eq!(f.to_string(), "disk full");
    /// ```
    pub fn msg(message: impl Into<String>) -> Self {
        Failure::from_error_box(message.into().into())
    }

    /// Turns a caught panic payload (from `std::panic::catch_unwind`) into a
    /// failure holding a [`PanicError`] with the panic's message.
    pub fn from_panic(payload: Box<dyn Any + Send + 'static>) -> Self {
        Failure::new(PanicError::from_payload(payload))
    }

    /// Whether the inner error is an `E` (Twisted's `Failure.check`).
    ///
    /// With the `anyhow` feature, a failure made from an `anyhow::Error` is
    /// also an `E` when an error of its chain is one (the error it was made
    /// from, under any contexts it was given).
    pub fn check<E: Error + 'static>(&self) -> bool {
        self.downcast_ref::<E>().is_some()
    }

    /// The inner error, if it is an `E` (with the `anyhow` feature, as for
    /// [`check`](Failure::check)).
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        #[cfg(feature = "anyhow")]
        if let Some(AnyhowError(error)) = self.inner.error.downcast_ref::<AnyhowError>() {
            // The chain, not `anyhow::Error::downcast_ref`: that one asks
            // `E: Send + Sync`, which `check` does not.
            if let Some(inner) = error.chain().find_map(|e| e.downcast_ref::<E>()) {
                return Some(inner);
            }
        }
        self.inner.error.downcast_ref::<E>()
    }

    /// Twisted's `Failure.trap`: `Ok` with the failure itself when the inner
    /// error is an `E`, so the errback can handle it; `Err` with the same
    /// failure otherwise, for the errback to hand on unchanged (`?` does it).
    ///
    /// ```
    /// use deferred::{Deferred, Failure, CancelledError};
    ///
    /// let d = Deferred::<i32>::new();
    /// d.add_errback(|f: Failure| -> Result<i32, Failure> {
    ///     f.trap::<CancelledError>()?; // anything else goes on down the chain
    ///     Ok(0)
    /// });
    /// d.cancel();
    /// assert_eq!(d.result().unwrap().unwrap(), 0);
    /// ```
    pub fn trap<E: Error + 'static>(self) -> Result<Failure, Failure> {
        if self.check::<E>() {
            Ok(self)
        } else {
            Err(self)
        }
    }

    /// [`trap`](Failure::trap) that borrows: `Ok` with the inner `E`, `Err`
    /// with a clone of the failure (cheap: it is shared) for `?` to hand on.
    /// The errback keeps its failure, to log it once it knows the type.
    ///
    /// ```
    /// use deferred::{Deferred, Failure, TimeoutError};
    ///
    /// let d = Deferred::<u32>::new();
    /// d.add_errback(|f: Failure| -> Result<u32, Failure> {
    ///     let timeout = f.trap_ref::<TimeoutError>()?; // anything else goes on
    ///     eprintln!("gave up after {:?}: {f}", timeout.timeout());
    ///     Ok(0)
    /// });
    /// d.errback(TimeoutError::new(std::time::Duration::from_secs(1))).unwrap();
    /// assert_eq!(d.result().unwrap().unwrap(), 0);
    /// ```
    ///
    /// # Errors
    ///
    /// The failure (a clone) when its error is not an `E`.
    pub fn trap_ref<E: Error + 'static>(&self) -> Result<&E, Failure> {
        self.downcast_ref::<E>().ok_or_else(|| self.clone())
    }

    /// The inner error.
    pub fn error(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.inner.error
    }

    /// The backtrace captured when the failure was made, if one was.
    pub fn backtrace(&self) -> Option<&Backtrace> {
        match self.inner.backtrace.status() {
            BacktraceStatus::Captured => Some(&self.inner.backtrace),
            _ => None,
        }
    }

    /// Whether two failures are clones of one (Python's `is`: the same
    /// failure passed on, not an equal one made again).
    ///
    /// ```
    /// use deferred::{CancelledError, Failure};
    ///
    /// let f = Failure::new(CancelledError);
    /// assert!(f.ptr_eq(&f.clone()));
    /// assert!(!f.ptr_eq(&Failure::new(CancelledError)));
    /// ```
    #[must_use]
    pub fn ptr_eq(&self, other: &Failure) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Display for Failure {
    /// The error, then each `source()` in turn, joined by `": "`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.inner.error)?;
        let mut source = self.inner.error.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failure")
            .field("error", &self.inner.error)
            .field("captured_backtrace", &self.backtrace().is_some())
            .finish()
    }
}

impl<E> From<E> for Failure
where
    E: Error + Send + Sync + 'static,
{
    fn from(error: E) -> Self {
        Failure::new(error)
    }
}

/// Anything that can be made into a [`Failure`]: what
/// [`errback`](crate::Deferred::errback), [`fail`](crate::fail) and a
/// handler's `Err` take.
///
/// - a `Failure` (handed on as it is: the same failure);
/// - any error, `E: std::error::Error + Send + Sync + 'static`;
/// - a boxed error, `Box<dyn Error + Send + Sync>`;
/// - a message: a `&'static str`, a `String` (or [`failure!`](crate::failure!)
///   with `format!` arguments);
/// - an `anyhow::Error` (with the `anyhow` feature,
///   [`check`](Failure::check) and [`downcast_ref`](Failure::downcast_ref)
///   see through it to the error it holds).
///
/// That is everything that converts into a `Box<dyn Error + Send + Sync>`,
/// and `'static`. (`Failure` itself is `From` only an `Error`: a `From` for
/// the others would overlap it, which Rust's coherence rules refuse. So `?`
/// on a boxed error needs a handler whose `Err` is the boxed error, not
/// `Failure`; both are fine as a handler's return.)
///
/// ```
/// use std::error::Error;
/// use deferred::{failure, Deferred};
///
/// let d = Deferred::<u32>::new();
/// d.errback("bang!").unwrap(); // a message
/// let d = Deferred::<u32>::new();
/// d.errback(std::io::Error::other("disk")).unwrap(); // an error
/// let d = Deferred::<u32>::new();
/// d.add_callback(|n| -> Result<u32, Box<dyn Error + Send + Sync>> {
///     Ok(u32::try_from(u64::from(n) * 2)?)
/// });
/// d.callback(21).unwrap();
/// assert_eq!(d.result().unwrap().unwrap(), 42);
/// let d = Deferred::<u32>::new();
/// let limit = 10;
/// d.add_callback(move |n| if n > limit { Err(failure!("{n} is over {limit}")) } else { Ok(n) });
/// d.callback(11).unwrap();
/// assert_eq!(d.result().unwrap().unwrap_err().to_string(), "11 is over 10");
/// ```
// No `#[diagnostic::on_unimplemented]`: the blanket impl below means
// rustc reports the bound inside it (`u8: std::error::Error`), with a note
// naming `IntoFailure`, never a message put here.
pub trait IntoFailure {
    /// Makes the failure.
    fn into_failure(self) -> Failure;
}

impl<E> IntoFailure for E
where
    E: Into<BoxError> + 'static,
{
    #[inline]
    fn into_failure(self) -> Failure {
        // A `Failure` is handed on as it is, not boxed and unboxed: this is
        // the common case (an errback's `f.trap::<X>()?`), and the check is
        // on a `TypeId` the compiler knows, so it costs nothing.
        let mut slot = Some(self);
        let any: &mut dyn Any = &mut slot;
        if let Some(failure) = any.downcast_mut::<Option<Failure>>() {
            if let Some(failure) = failure.take() {
                return failure;
            }
        }
        #[cfg(feature = "anyhow")]
        if let Some(error) = any.downcast_mut::<Option<anyhow::Error>>() {
            if let Some(error) = error.take() {
                // A failure that went into anyhow comes back as itself.
                return match error.downcast::<BoxedFailure>() {
                    Ok(boxed) => boxed.0,
                    Err(error) => Failure::from_error_box(Box::new(AnyhowError(error))),
                };
            }
        }
        match slot {
            Some(error) => Failure::from_boxed(error.into()),
            None => unreachable!("taken only when returned"),
        }
    }
}

/// Makes a [`Failure`] from a message, with `format!` arguments, or from
/// any [`IntoFailure`] (an error, a boxed error): `anyhow!` for Deferreds.
///
/// ```
/// use deferred::{failure, Failure};
///
/// let user = "ann";
/// let f: Failure = failure!("no such user: {user}");
/// assert_eq!(f.to_string(), "no such user: ann");
/// assert_eq!(failure!("{} of {}", 3, 4).to_string(), "3 of 4");
/// assert!(failure!(std::fmt::Error).check::<std::fmt::Error>());
/// ```
#[macro_export]
macro_rules! failure {
    ($msg:literal $(,)?) => {
        $crate::Failure::msg(::std::format!($msg))
    };
    ($error:expr $(,)?) => {
        $crate::IntoFailure::into_failure($error)
    };
    ($fmt:expr, $($arg:tt)*) => {
        $crate::Failure::msg(::std::format!($fmt, $($arg)*))
    };
}

/// An `anyhow::Error` in a [`Failure`]: displays as it does, and
/// [`Failure::downcast_ref`] looks for the error in its chain.
#[cfg(feature = "anyhow")]
struct AnyhowError(anyhow::Error);

#[cfg(feature = "anyhow")]
impl fmt::Display for AnyhowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(feature = "anyhow")]
impl fmt::Debug for AnyhowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(feature = "anyhow")]
impl Error for AnyhowError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

/// A [`Failure`] as an `anyhow::Error` (with the `anyhow` feature): `?` on a
/// `Result<_, Failure>` in a function returning `anyhow::Result`.
#[cfg(feature = "anyhow")]
impl From<Failure> for anyhow::Error {
    fn from(failure: Failure) -> Self {
        anyhow::Error::new(BoxedFailure(failure))
    }
}

/// A [`Failure`] as a `Box<dyn Error>`: what `?` makes of a failure in a
/// function that returns `Result<_, Box<dyn Error>>` (or `+ Send + Sync`).
///
/// Transparent: it displays as the failure's error and its `source()` is
/// that error's source, so an error reporter walks the same chain. Its
/// `Debug` (what a `main` that returns the error prints) is the error, each
/// cause on a `Caused by:` line, and the backtrace if one was captured.
struct BoxedFailure(Failure);

impl fmt::Display for BoxedFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0.error(), f)
    }
}

impl fmt::Debug for BoxedFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.error())?;
        let mut source = self.0.error().source();
        if source.is_some() {
            f.write_str("\n\nCaused by:")?;
        }
        while let Some(cause) = source {
            write!(f, "\n    {cause}")?;
            source = cause.source();
        }
        if let Some(backtrace) = self.0.backtrace() {
            write!(f, "\n\nBacktrace:\n{backtrace}")?;
        }
        Ok(())
    }
}

impl Error for BoxedFailure {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.error().source()
    }
}

impl From<Failure> for Box<dyn Error + Send + Sync + 'static> {
    /// The failure as a boxed error (see [`Failure`]): `?` in a function
    /// returning `Result<_, Box<dyn Error + Send + Sync>>`.
    fn from(failure: Failure) -> Self {
        Box::new(BoxedFailure(failure))
    }
}

impl From<Failure> for Box<dyn Error + Send + 'static> {
    /// As for `Box<dyn Error + Send + Sync>`.
    fn from(failure: Failure) -> Self {
        Box::new(BoxedFailure(failure))
    }
}

impl From<Failure> for Box<dyn Error + 'static> {
    /// As for `Box<dyn Error + Send + Sync>`: `?` in a
    /// `fn main() -> Result<(), Box<dyn Error>>`.
    fn from(failure: Failure) -> Self {
        Box::new(BoxedFailure(failure))
    }
}

macro_rules! unit_error {
    ($(#[$doc:meta])* $name:ident, $msg:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($msg)
            }
        }

        impl Error for $name {}
    };
}

/// `callback` or `errback` on a Deferred that has already been fired.
///
/// Deferreds are one-shot. The one exception, as in Twisted: after
/// [`cancel`](crate::Deferred::cancel) fired a Deferred that has no
/// canceller, the first late fire is ignored silently (the cancelled
/// operation finishing late); only a second one is this error.
///
/// A unit struct: `Err(AlreadyCalledError)` reads the same in an expression
/// and in a pattern.
///
/// ```
/// use deferred::{AlreadyCalledError, Deferred};
///
/// let d = Deferred::new();
/// d.callback(1).unwrap();
/// assert_eq!(d.callback(2), Err(AlreadyCalledError));
/// assert!(matches!(d.callback(3), Err(AlreadyCalledError)));
/// ```
///
/// In [debug mode](crate::set_debugging) (or for a Deferred with
/// [`set_debug`](crate::Deferred::set_debug)), where the Deferred was
/// created and first fired (Twisted's `AlreadyCalledError` with
/// `DebugInfo`'s creator and invoker) is logged at `warn` when
/// `callback`/`errback`/`fire` return this error, and
/// [`Deferred::created_at`](crate::Deferred::created_at) and
/// [`Deferred::first_fired_at`](crate::Deferred::first_fired_at) give them:
/// the error itself carries nothing, so that it stays one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AlreadyCalledError;

impl fmt::Display for AlreadyCalledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the Deferred has already been fired")
    }
}

impl Error for AlreadyCalledError {}

unit_error!(
    /// The failure a cancelled Deferred carries (Twisted's `CancelledError`).
    CancelledError,
    "the Deferred was cancelled"
);

unit_error!(
    /// [`unpause`](crate::Deferred::unpause) on a Deferred that is not paused.
    /// The call changed nothing.
    NotPausedError,
    "unpause of a Deferred that is not paused"
);

/// A Deferred's result was wanted where it cannot come: the Deferred was
/// handed on already (another Deferred waits on it, it was awaited, a
/// combinator joined it, or its result was taken), or it would wait on
/// itself forever. Twisted hands on `None` there, or waits forever.
///
/// One type for every place it happens, so that `f.check::<AlreadyChainedError>()`
/// finds them all; the variant, and the message, say which place it was.
///
/// ```
/// use deferred::{AlreadyChainedError, Deferred};
///
/// let d = Deferred::<u32>::new();
/// let me = d.clone();
/// d.add_callback(move |_| me);
/// d.callback(0).unwrap();
/// let failure = d.result().unwrap().unwrap_err();
/// assert!(failure.check::<AlreadyChainedError>());
/// assert_eq!(failure.downcast_ref(), Some(&AlreadyChainedError::Itself));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlreadyChainedError {
    /// A handler returned a Deferred (or a function whose result fires a
    /// Deferred did: `defer_to_thread`'s, an `async` block's) that was
    /// handed on already: chained to another, awaited, joined to a
    /// combinator that takes its result, or consumed.
    Returned,
    /// A handler (or such a function) returned the very Deferred its
    /// result goes to: it would wait on itself forever.
    Itself,
    /// A combinator input (`DeferredList`, `gather_results`, `race`, ..)
    /// that was handed on already, or given twice: it counts as failed at
    /// once.
    CombinatorInput,
    /// `.await` of a Deferred that was handed on already.
    Awaited,
    /// A task awaited its own Deferred (the one `ensure_deferred` or
    /// `spawn` returned for it, which its result fires): it would wait
    /// forever.
    AwaitedByItsTask,
    /// The Deferred that `blocking_call_from_thread`'s function returned was
    /// handed on already.
    BlockingCall,
}

impl fmt::Display for AlreadyChainedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Each says where it happened and why the result cannot come: the
        // user meets this in a log line, far from the call that caused it.
        f.write_str(match self {
            AlreadyChainedError::Returned => {
                "a handler returned a Deferred that was already handed on \
                 (chained, awaited, joined or consumed): its result cannot come here"
            }
            AlreadyChainedError::Itself => {
                "a handler returned the Deferred its own result goes to, \
                 which would wait on itself forever"
            }
            AlreadyChainedError::CombinatorInput => {
                "a combinator input was already handed on (chained, awaited, \
                 joined or consumed) or given twice: its result cannot come here"
            }
            AlreadyChainedError::Awaited => {
                "the awaited Deferred was already handed on (chained, awaited, \
                 joined or consumed): its result cannot come here"
            }
            AlreadyChainedError::AwaitedByItsTask => {
                "a task awaited its own Deferred, which only its own result fires: \
                 it would wait forever"
            }
            AlreadyChainedError::BlockingCall => {
                "the Deferred that blocking_call_from_thread's function returned was \
                 already handed on (chained, awaited, joined or consumed): its result \
                 cannot come here"
            }
        })
    }
}

impl Error for AlreadyChainedError {}

/// A panic caught in a handler, a canceller or a pool job, as an error.
///
/// Panics are failures: the chain goes on and errbacks see this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanicError {
    message: String,
}

impl PanicError {
    /// A panic with this message.
    pub fn new(message: impl Into<String>) -> Self {
        PanicError {
            message: message.into(),
        }
    }

    pub(crate) fn from_payload(payload: Box<dyn Any + Send + 'static>) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_owned()
        };
        PanicError { message }
    }

    /// The panic's message (`"Box<dyn Any>"` when the payload was not a string).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PanicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "panicked: {}", self.message)
    }
}

impl Error for PanicError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("reading config")
        }
    }
    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn display_includes_the_cause_chain() {
        let f = Failure::new(Outer(std::io::Error::other("disk on fire")));
        assert_eq!(f.to_string(), "reading config: disk on fire");
    }

    #[test]
    fn trap_keeps_a_matching_failure_and_hands_back_another() {
        let f = Failure::new(CancelledError);
        assert!(f.clone().trap::<CancelledError>().is_ok());
        let back = f.trap::<AlreadyCalledError>().unwrap_err();
        assert!(back.check::<CancelledError>());
    }

    #[test]
    fn downcast_ref_reaches_the_inner_error() {
        let f = Failure::new(std::io::Error::other("x"));
        assert_eq!(f.downcast_ref::<std::io::Error>().unwrap().to_string(), "x");
        assert!(f.downcast_ref::<CancelledError>().is_none());
    }

    #[test]
    fn panic_payloads_become_panic_errors_with_their_message() {
        let caught = std::panic::catch_unwind(|| panic!("boom {}", 7)).unwrap_err();
        let f = Failure::from_panic(caught);
        assert_eq!(f.downcast_ref::<PanicError>().unwrap().message(), "boom 7");
        let caught = std::panic::catch_unwind(|| std::panic::panic_any(5u8)).unwrap_err();
        assert_eq!(
            Failure::from_panic(caught)
                .downcast_ref::<PanicError>()
                .unwrap()
                .message(),
            "Box<dyn Any>"
        );
    }

    #[test]
    fn errors_have_clear_messages() {
        assert_eq!(
            AlreadyCalledError.to_string(),
            "the Deferred has already been fired"
        );
        assert_eq!(
            NotPausedError.to_string(),
            "unpause of a Deferred that is not paused"
        );
    }
}
