//! [`Deferred`]: a result that is not there yet, and the chain of handlers
//! waiting for it.

mod catch;
mod drop_queue;
mod engine;
mod in_place;
mod outcome;
mod queue;
mod unhandled;
mod weak;

use std::fmt;
use std::panic::Location;

pub(crate) use catch::{catch_outcome, catch_step};
pub(crate) use engine::{JoinKind, Step};
pub(crate) use in_place::InlineFnOnceN;
pub use outcome::{IntoOutcome, Outcome};
pub(crate) use unhandled::report as report_unhandled;
pub use unhandled::{clear_unhandled_failure_hook, set_unhandled_failure_hook};
pub use weak::WeakDeferred;

use crate::debug;
use crate::failure::{AlreadyCalledError, Failure, IntoFailure, NotPausedError};
use crate::sync::Arc;
use engine::{Consumer, Inner};

/// A result that is not there yet, and the chain of callbacks and errbacks
/// that will handle it: Twisted's `Deferred`.
///
/// A `Deferred<T>` is a cheap handle (clone it freely; all clones are the same
/// Deferred), `Send + Sync` when `T: Send`. The code that will produce the
/// result keeps one handle and fires it once, with
/// [`callback`](Deferred::callback) or [`errback`](Deferred::errback); the
/// code that wants the result adds handlers to another. Handlers run in the
/// order they were added, each getting the previous one's return: a value goes
/// to the next callback, a [`Failure`] to the next errback. Handlers added
/// after the Deferred fired run at once.
///
/// ```
/// use deferred::Deferred;
///
/// let d = Deferred::new();
/// let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
/// let seen = log.clone();
/// d.add_callback(|n: u64| n * 2)
///     .add_callback(move |n| { seen.lock().unwrap().push(n); n });
/// d.callback(21).unwrap();
/// assert_eq!(*log.lock().unwrap(), [42]);
///
/// // Deferreds are one-shot.
/// assert!(d.callback(1).is_err());
/// ```
///
/// A result moves by value through the chain: keep large ones on the heap
/// (`Deferred<Box<[u8; N]>>`, `Deferred<Vec<u8>>`) rather than in an array
/// of many KiB, which a debug build copies through each frame (results up to
/// 16 KiB are tested on a default 2 MiB thread).
///
/// See `docs/semantics.md` for every rule, with examples, and where this
/// crate differs from Twisted.
pub struct Deferred<T: 'static> {
    inner: Arc<Inner<T>>,
}

/// Where a Deferred is in its life, as [`Deferred::state`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeferredState {
    /// Not fired yet.
    Pending,
    /// Fired, but a handler returned another Deferred and the chain waits for it.
    Waiting,
    /// Fired, holds a result, and [`pause`](Deferred::pause)d.
    Paused,
    /// Fired, holds a result, not paused: handlers added now run at once.
    Fired,
    /// A handler is running right now (seen from inside one, or from another thread).
    Running,
    /// Its result was taken by another Deferred that chained it.
    Consumed,
}

impl<T: Send + 'static> Deferred<T> {
    /// A new, unfired Deferred without a canceller.
    #[must_use]
    #[inline]
    #[track_caller]
    pub fn new() -> Self {
        Deferred::made_at(|| Inner::new(None), Location::caller())
    }

    /// A new, unfired Deferred with a canceller: [`cancel`](Deferred::cancel)
    /// calls it (once, and only while the Deferred is unfired) to stop the
    /// work that would fire it. A canceller may fire the Deferred itself; if
    /// it does not, `cancel` errbacks it with [`CancelledError`](crate::CancelledError).
    ///
    /// ```
    /// use deferred::{Deferred, CancelledError};
    ///
    /// let d = Deferred::<u32>::with_canceller(|d| { d.callback(0).unwrap(); });
    /// d.cancel();
    /// assert_eq!(d.result().unwrap().unwrap(), 0);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn with_canceller<F>(canceller: F) -> Self
    where
        F: FnOnce(&Deferred<T>) + Send + 'static,
    {
        let canceller: engine::Canceller<T> = Box::new(canceller);
        Deferred::made_at(|| Inner::new(Some(canceller)), Location::caller())
    }

    /// A Deferred fired from the start with `result` (`succeed`, `fail`):
    /// made and fired in one step, without taking its lock; in debug mode,
    /// made and first fired here.
    #[must_use]
    #[track_caller]
    pub(crate) fn fired(result: Result<T, Failure>) -> Self {
        Deferred::made_at(|| Inner::new_fired(result), Location::caller())
    }

    /// A new Deferred made at `site` (noted in debug mode).
    #[inline(always)]
    /// (The state is built in place: see `in_place::arc_in_place`.)
    fn made_at(make: impl FnOnce() -> Inner<T>, site: &'static Location<'static>) -> Self {
        let inner = in_place::arc_in_place(make);
        if debug::wanted() {
            inner.start_debugging(site);
        }
        Deferred { inner }
    }

    pub(crate) fn from_inner(inner: Arc<Inner<T>>) -> Self {
        Deferred { inner }
    }

    pub(crate) fn into_inner(self) -> Arc<Inner<T>> {
        self.inner
    }

    /// A handle that does not keep the Deferred alive (see [`WeakDeferred`]):
    /// what a handler should capture to reach its own Deferred without making
    /// a cycle that is never freed.
    #[must_use]
    pub fn downgrade(&self) -> WeakDeferred<T> {
        WeakDeferred::new(Arc::downgrade(&self.inner))
    }

    /// Fires the Deferred with a value: runs the callback chain.
    ///
    /// # Errors
    ///
    /// [`AlreadyCalledError`](struct@AlreadyCalledError) if it was fired before, and then nothing
    /// changes. After a [`cancel`](Deferred::cancel) that fired it (without a
    /// canceller), the first late fire is instead ignored and returns `Ok`.
    #[track_caller]
    pub fn callback(&self, value: T) -> Result<(), AlreadyCalledError> {
        let site = Location::caller();
        self.refused(self.inner.fire_and_run(Ok(value), site), site)
    }

    /// A refused fire in debug mode logs the Deferred's sites (see
    /// [`AlreadyCalledError`](struct@AlreadyCalledError)).
    #[inline]
    fn refused(
        &self,
        fired: Result<(), AlreadyCalledError>,
        site: &'static Location<'static>,
    ) -> Result<(), AlreadyCalledError> {
        if fired.is_err() {
            self.inner.report_already_called(site);
        }
        fired
    }

    /// Fires the Deferred with a failure: runs the errback chain. It takes
    /// anything [`IntoFailure`]: a [`Failure`], any error, a boxed error, a
    /// message.
    ///
    /// ```
    /// let d = deferred::Deferred::<u32>::new();
    /// d.errback("bang!").unwrap();
    /// assert_eq!(d.result().unwrap().unwrap_err().to_string(), "bang!");
    /// ```
    ///
    /// # Errors
    ///
    /// As [`callback`](Deferred::callback).
    #[track_caller]
    pub fn errback(&self, failure: impl IntoFailure) -> Result<(), AlreadyCalledError> {
        let site = Location::caller();
        self.refused(
            self.inner.fire_and_run(Err(failure.into_failure()), site),
            site,
        )
    }

    /// Fires with `Ok` as [`callback`](Deferred::callback), `Err` as
    /// [`errback`](Deferred::errback).
    ///
    /// # Errors
    ///
    /// As [`callback`](Deferred::callback).
    #[track_caller]
    pub fn fire<E: IntoFailure>(&self, result: Result<T, E>) -> Result<(), AlreadyCalledError> {
        self.inner.fire_and_run(
            result.map_err(IntoFailure::into_failure),
            Location::caller(),
        )
    }

    /// [`callback`](Deferred::callback) that gives the value back when the
    /// Deferred was fired already (for instance by a `cancel` on another
    /// thread), so that a hand-off to a waiter never loses what it hands.
    #[track_caller]
    pub(crate) fn try_callback(&self, value: T) -> Result<(), T> {
        self.inner.try_callback(value, Location::caller())
    }

    /// Ends this chain (as [`then`](Deferred::then) does) with `sink`, which
    /// gets the result. The Deferred is consumed, unless `sink` gives a
    /// failure back: then the Deferred keeps that failure (and reports it if
    /// it is dropped unhandled). Handlers added afterwards never run either
    /// way. (The combinators use [`join`](Deferred::join).)
    pub(crate) fn hand_over<F>(&self, sink: F)
    where
        F: FnOnce(Result<T, Failure>) -> Option<Failure> + Send + 'static,
    {
        self.inner.hand_on(
            move |result| match sink(result) {
                None => Ok(None),
                Some(kept) => Err(kept),
            },
            Consumer::Combinator,
        );
    }

    /// A combinator joins this chain as an input: `sink` gets the result
    /// and takes it (`None`) or passes it on to the handlers after it
    /// (`Some`), as `kind` allows (see [`JoinKind`]). If this chain was
    /// handed on already (awaited, chained, `then`, another combinator that
    /// takes or may take its result), `sink` gets an
    /// [`AlreadyChainedError`](crate::AlreadyChainedError) failure at once,
    /// as `.await` does: a combinator never waits for a result that cannot
    /// come (semantics, "Combinators").
    pub(crate) fn join<F>(&self, sink: F, kind: JoinKind)
    where
        F: FnOnce(Result<T, Failure>) -> Option<Result<T, Failure>> + Send + 'static,
    {
        if let Err(sink) = self.inner.join(sink, kind) {
            let failure = Failure::new(crate::failure::AlreadyChainedError::CombinatorInput);
            let _ = sink(Err(failure));
        }
    }

    /// Fires with an outcome, as Twisted's `d.callback(x)` takes anything:
    /// a Deferred makes this one wait on it (see `Inner::fire_outcome_and_run`).
    #[track_caller]
    pub(crate) fn fire_outcome(&self, outcome: Outcome<T>) -> Result<(), AlreadyCalledError> {
        self.inner.fire_outcome_and_run(outcome, Location::caller())
    }

    /// Adds a callback and an errback at the same point of the chain
    /// (Twisted's `addCallbacks`): the callback gets a value, the errback a
    /// failure, never both. Each returns anything [`IntoOutcome`]: a `T`, a
    /// `Result<T, E>`, or a `Deferred<T>` to wait for. A panic in either
    /// becomes a [`PanicError`](crate::PanicError) failure.
    ///
    /// If the Deferred holds a result and is not paused, the handler runs
    /// before this returns. Returns `self`, to add more.
    pub fn add_callbacks<C, E, RC, RE>(&self, callback: C, errback: E) -> &Self
    where
        C: FnOnce(T) -> RC + Send + 'static,
        E: FnOnce(Failure) -> RE + Send + 'static,
        RC: IntoOutcome<T>,
        RE: IntoOutcome<T>,
    {
        self.push_handler(move |result| match result {
            Ok(value) => callback(value).into_outcome(),
            Err(failure) => errback(failure).into_outcome(),
        })
    }

    /// Adds a callback; failures pass it by (Twisted's `addCallback`).
    pub fn add_callback<C, R>(&self, callback: C) -> &Self
    where
        C: FnOnce(T) -> R + Send + 'static,
        R: IntoOutcome<T>,
    {
        self.push_handler(move |result| match result {
            Ok(value) => callback(value).into_outcome(),
            Err(failure) => Outcome::Failure(failure),
        })
    }

    /// Adds an errback; values pass it by (Twisted's `addErrback`). Return a
    /// `T` (or `Ok`) to recover, `Err` to go on failing.
    ///
    /// ```
    /// use deferred::{Deferred, Failure};
    ///
    /// let d = Deferred::<i32>::new();
    /// d.add_errback(|_f: Failure| -1);
    /// d.errback(std::fmt::Error).unwrap();
    /// assert_eq!(d.result().unwrap().unwrap(), -1);
    /// ```
    pub fn add_errback<E, R>(&self, errback: E) -> &Self
    where
        E: FnOnce(Failure) -> R + Send + 'static,
        R: IntoOutcome<T>,
    {
        self.push_handler(move |result| match result {
            Ok(value) => Outcome::Value(value),
            Err(failure) => errback(failure).into_outcome(),
        })
    }

    /// Adds one handler for both sides (Twisted's `addBoth`); it gets the
    /// result as a `Result`.
    pub fn add_both<H, R>(&self, handler: H) -> &Self
    where
        H: FnOnce(Result<T, Failure>) -> R + Send + 'static,
        R: IntoOutcome<T>,
    {
        self.push_handler(move |result| handler(result).into_outcome())
    }

    fn push_handler<H>(&self, handler: H) -> &Self
    where
        H: FnOnce(Result<T, Failure>) -> Outcome<T> + Send + 'static,
    {
        self.inner.add_handler(handler);
        self
    }

    /// Stops the chain: no handler runs until a matching
    /// [`unpause`](Deferred::unpause). Pauses count. A paused Deferred can
    /// still be fired; its handlers wait. Called from inside a running
    /// handler, it takes effect before the next handler.
    pub fn pause(&self) {
        self.inner.pause();
    }

    /// Undoes one [`pause`](Deferred::pause); the last one runs the handlers
    /// that waited, before it returns.
    ///
    /// ```
    /// use deferred::Deferred;
    ///
    /// let d = Deferred::new();
    /// d.pause();
    /// d.callback(1).unwrap();
    /// d.add_callback(|v: i32| v + 1); // queued, not run
    /// assert_eq!(d.result().unwrap().unwrap(), 1);
    /// d.unpause().unwrap();
    /// assert_eq!(d.result().unwrap().unwrap(), 2);
    /// assert!(d.unpause().is_err()); // unbalanced: refused, nothing changes
    /// ```
    ///
    /// # Errors
    ///
    /// [`NotPausedError`] if the pause count is zero; nothing changes.
    pub fn unpause(&self) -> Result<(), NotPausedError> {
        self.inner.unpause()
    }

    /// Cancels the operation behind the Deferred (Twisted's `cancel`).
    ///
    /// - Unfired: runs the canceller, if any; if the Deferred is still unfired
    ///   after it, errbacks it with [`CancelledError`](crate::CancelledError).
    ///   Without a canceller, the first later `callback`/`errback` (the
    ///   operation finishing late) is ignored silently; a second one is
    ///   [`AlreadyCalledError`](struct@AlreadyCalledError).
    /// - Waiting on another Deferred: cancels that one instead.
    /// - Holding a result: does nothing.
    #[track_caller]
    pub fn cancel(&self) {
        self.inner.cancel(Location::caller());
    }

    /// Feeds `other` with this Deferred's result (Twisted's `chainDeferred`):
    /// when this chain reaches this point, `other` fires with the result, and
    /// this Deferred is [`Consumed`](DeferredState::Consumed); handlers added
    /// to it afterwards never run. If `other` was fired already, this
    /// Deferred keeps an [`AlreadyCalledError`](struct@AlreadyCalledError) failure instead.
    #[track_caller]
    pub fn chain_deferred(&self, other: &Deferred<T>) {
        let target = Arc::clone(&other.inner);
        // In debug mode, `other` records this call as where it was first fired.
        let site = Location::caller();
        self.inner.hand_on(
            move |result| target.fire_for_caller(result, site),
            Consumer::ChainDeferred,
        );
    }

    /// A new `Deferred<U>` fed by this one: `f` turns this chain's result
    /// (value or failure) into the new one's, returning anything
    /// [`IntoOutcome<U>`]. This Deferred is consumed at that point, as with
    /// [`chain_deferred`](Deferred::chain_deferred). The way to change a
    /// chain's result type. Cancelling the new Deferred before it fires
    /// cancels this one, and `f` sees the `CancelledError`.
    ///
    /// ```
    /// use deferred::Deferred;
    ///
    /// let d = Deferred::<u32>::new();
    /// // Name the new type: a `Result` could also be the value itself.
    /// let text: Deferred<String> = d.then(|r| r.map(|n| format!("got {n}")));
    /// d.callback(7).unwrap();
    /// assert_eq!(text.result().unwrap().unwrap(), "got 7");
    /// ```
    #[must_use = "the new Deferred gets this one's result: dropping it loses the result"]
    #[track_caller]
    pub fn then<U, F, R>(&self, f: F) -> Deferred<U>
    where
        U: Send + 'static,
        F: FnOnce(Result<T, Failure>) -> R + Send + 'static,
        R: IntoOutcome<U>,
    {
        // Cancelling the new Deferred before it fires cancels this one (the
        // operation it stands for). Weak, for the reason `Slot::Waiting` is:
        // this one's hand-over entry holds the new one, and a cycle would keep
        // a dropped pair (and a failure in it) alive. If this one is gone,
        // nothing can fire it, and the new one's own cancel takes over.
        // In debug mode, this call is where the new Deferred was made and
        // (by the hand-over) first fired.
        let site = Location::caller();
        let source = Arc::downgrade(&self.inner);
        let next = Deferred::<U>::with_canceller(move |_| {
            if let Some(source) = source.upgrade() {
                source.cancel(site);
            }
        });
        let target = Arc::clone(&next.inner);
        self.inner.hand_on(
            move |result| {
                let outcome = catch_outcome(|| f(result).into_outcome());
                target.fire_outcome_for_caller(outcome, site)
            },
            Consumer::Then,
        );
        next
    }

    /// [`then`](Deferred::then) for the callback side only: `f` maps a value,
    /// failures pass to the new Deferred unchanged.
    #[must_use = "the new Deferred gets this one's result: dropping it loses the result"]
    #[track_caller]
    pub fn map<U, F, R>(&self, f: F) -> Deferred<U>
    where
        U: Send + 'static,
        F: FnOnce(T) -> R + Send + 'static,
        R: IntoOutcome<U>,
    {
        self.then(move |result| match result {
            Ok(value) => f(value).into_outcome(),
            Err(failure) => Outcome::Failure(failure),
        })
    }

    /// [`map`](Deferred::map) for a step that can fail: `f` returns a
    /// `Result<U, E>`, whose `Ok` is the new Deferred's value and whose `Err`
    /// goes down its errbacks. The closure's `Result` names the new type, so
    /// no annotation is needed (with `map` or `then`, a closure returning a
    /// `Result` could mean a `Deferred<Result<U, E>>` too). Failures pass to
    /// the new Deferred without calling `f`; this one is consumed, as with
    /// `then`.
    ///
    /// ```
    /// use deferred::Deferred;
    ///
    /// let d = Deferred::<&str>::new();
    /// let port = d.and_then(|text| text.parse::<u16>()); // a Deferred<u16>
    /// d.callback("8080").unwrap();
    /// assert_eq!(port.result().unwrap().unwrap(), 8080);
    /// ```
    ///
    /// The same with `map` does not compile without naming the new type:
    ///
    /// ```compile_fail,E0283
    /// let d = deferred::Deferred::<&str>::new();
    /// let port = d.map(|text| text.parse::<u16>()); // a Deferred of what?
    /// ```
    #[must_use = "the new Deferred gets this one's result: dropping it loses the result"]
    #[track_caller]
    pub fn and_then<U, E, F>(&self, f: F) -> Deferred<U>
    where
        U: Send + 'static,
        E: IntoFailure,
        F: FnOnce(T) -> Result<U, E> + Send + 'static,
    {
        self.then(move |result| match result {
            Ok(value) => match f(value) {
                Ok(next) => Outcome::Value(next),
                Err(error) => Outcome::Failure(error.into_failure()),
            },
            Err(failure) => Outcome::Failure(failure),
        })
    }

    /// Adds a callback that only looks at the value (Rust's
    /// `Result::inspect`): `f` gets a reference, and the value goes on
    /// unchanged, so an observer (a log line, a metric) need not hand it
    /// back. Failures pass it by. A panic in `f` becomes the chain's failure,
    /// as in any handler.
    ///
    /// ```
    /// use deferred::Deferred;
    ///
    /// let d = Deferred::<u32>::new();
    /// d.inspect(|v| println!("got {v}")).add_callback(|v| v + 1);
    /// d.callback(1).unwrap();
    /// assert_eq!(d.result().unwrap().unwrap(), 2);
    /// ```
    pub fn inspect<F>(&self, f: F) -> &Self
    where
        F: FnOnce(&T) + Send + 'static,
    {
        self.push_handler(move |result| result.inspect(f).into())
    }

    /// Adds an errback that only looks at the failure (Rust's
    /// `Result::inspect_err`): `f` gets a reference, and the failure goes on
    /// down the errbacks unchanged, so a handler that only logs need not
    /// return one. Values pass it by. (To log with the crate's format,
    /// [`add_errback(log_error)`](fn@crate::log_error).)
    ///
    /// ```
    /// use deferred::{Deferred, Failure};
    ///
    /// let d = Deferred::<u32>::new();
    /// d.inspect_err(|f| eprintln!("failed: {f}"))
    ///     .add_errback(|_: Failure| 0);
    /// d.errback(std::fmt::Error).unwrap();
    /// assert_eq!(d.result().unwrap().unwrap(), 0);
    /// ```
    pub fn inspect_err<F>(&self, f: F) -> &Self
    where
        F: FnOnce(&Failure) + Send + 'static,
    {
        self.push_handler(move |result| result.inspect_err(f).into())
    }

    /// Debug mode for this Deferred alone (Twisted's `d.debug = True`),
    /// whatever the process-wide [`set_debugging`](crate::set_debugging)
    /// says: on, it records where it is first fired (if it is not fired
    /// yet), and a refused second fire logs it, [`first_fired_at`](Deferred::first_fired_at)
    /// gives it and its unhandled-failure report says it; where it was made is not
    /// known (it was made before), as in Twisted. Off, it forgets what it
    /// recorded (a Deferred made in debug mode too). `docs/semantics.md`,
    /// "Debug mode".
    ///
    /// ```
    /// use deferred::Deferred;
    ///
    /// let d = Deferred::<u8>::new();
    /// d.set_debug(true);
    /// d.callback(1).unwrap(); // noted: the first fire
    /// assert!(d.callback(2).is_err()); // logs "... first fired at ..."
    /// assert!(d.first_fired_at().is_some());
    /// assert!(d.created_at().is_none());
    /// ```
    pub fn set_debug(&self, on: bool) {
        self.inner.set_debug(on);
    }

    /// Where the Deferred was created, if it was made in debug mode
    /// ([`set_debugging`](crate::set_debugging); Twisted's
    /// `DebugInfo.creator`). `None` outside debug mode, and for a Deferred
    /// put in debug mode by [`set_debug`](Deferred::set_debug) after it was
    /// made.
    #[must_use]
    pub fn created_at(&self) -> Option<&'static Location<'static>> {
        self.inner.sites().and_then(|sites| sites.created)
    }

    /// Where the Deferred was first fired, if it was in debug mode then
    /// (Twisted's `DebugInfo.invoker`).
    ///
    /// ```
    /// use deferred::{AlreadyCalledError, Deferred};
    ///
    /// let d = Deferred::<u8>::new();
    /// d.set_debug(true);
    /// d.callback(1).unwrap();
    /// assert_eq!(d.callback(2), Err(AlreadyCalledError)); // and logs the sites
    /// assert_eq!(d.first_fired_at().unwrap().line(), line!() - 2);
    /// ```
    #[must_use]
    pub fn first_fired_at(&self) -> Option<&'static Location<'static>> {
        self.inner.sites().and_then(|sites| sites.first_fired)
    }

    /// Where the Deferred is in its life.
    pub fn state(&self) -> DeferredState {
        self.inner.state()
    }

    /// Whether it was fired (Twisted's `called`).
    pub fn is_called(&self) -> bool {
        self.inner.is_called()
    }

    /// How many [`pause`](Deferred::pause)s are not yet undone.
    pub fn pause_count(&self) -> usize {
        self.inner.pause_count()
    }

    /// A copy of the result it holds now, if it holds one (fired, not
    /// waiting, not consumed, no handler running).
    ///
    /// The clone runs under the Deferred's lock: `T::clone` must not touch
    /// this Deferred.
    pub fn result(&self) -> Option<Result<T, Failure>>
    where
        T: Clone,
    {
        self.inner.result()
    }

    /// Takes the result if it holds one now, idle and unpaused (state
    /// `Fired`), leaving it `Consumed`; otherwise the state it is in. For
    /// `testing`'s trial helpers.
    /// With `keep_success`, only a failure is taken (a success stays, and
    /// the answer is `Err(Fired)`).
    pub(crate) fn take_result(
        &self,
        keep_success: bool,
    ) -> Result<Result<T, Failure>, DeferredState> {
        self.inner.take_result(keep_success)
    }

    /// Whether two handles are the same Deferred.
    pub fn ptr_eq(&self, other: &Deferred<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Which Deferred this is, whatever its `T`: equal for two handles
    /// exactly when they are the same Deferred (while one is alive).
    pub(crate) fn identity(&self) -> usize {
        Arc::as_ptr(&self.inner).cast::<()>() as usize
    }
}

impl<T: Send + 'static> Default for Deferred<T> {
    #[track_caller]
    fn default() -> Self {
        Deferred::new()
    }
}

impl<T: 'static> Clone for Deferred<T> {
    fn clone(&self) -> Self {
        Deferred {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: Send + 'static> fmt::Debug for Deferred<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deferred")
            .field("state", &self.state())
            .finish()
    }
}

#[cfg(test)]
mod tests;
