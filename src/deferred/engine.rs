//! The chain engine: the shared state behind every `Deferred<T>` handle and
//! the loop that runs its handlers.
//!
//! # Design notes
//!
//! 1. **One lock, never held across user code.** Each Deferred's state sits
//!    behind one [`Mutex`]. The runner takes the next handler and the current
//!    result out under the lock, releases it, runs the handler, and takes the
//!    lock again to store what the handler returned. A handler may therefore
//!    add handlers to its own Deferred, pause it, fire other Deferreds, or
//!    block on another thread that touches this one.
//! 2. **One runner at a time.** `running` is set, under the lock, by whoever
//!    starts the loop (a fire, an add to a fired Deferred, the last unpause, a
//!    chained Deferred handing over its result). Anyone else who finds it set
//!    only queues: the running loop picks their handler up. The loop clears
//!    `running` under the same lock in which it finds nothing more to do, so
//!    no handler is ever left behind.
//! 3. **No recursion.** A Deferred that reaches its continuation (the entry a
//!    waiting Deferred left at the end of its chain) is finished: its result
//!    is handed over and the loop goes on with the waiting Deferred
//!    (a tail call, [`Next`]) instead of calling into it. Chains of any
//!    length run in constant stack, and drops are flattened the same way
//!    (see `drop_queue`).
//! 4. **Pause takes effect before the next handler**, even when it comes from
//!    inside a running handler (Twisted finishes the current run first).
//! 5. **One lock per run, not per handler.** The runner takes the whole queue
//!    and the result out in one critical section and runs the batch with the
//!    result in a local; it locks again only when the batch is done, a
//!    handler returns a Deferred, or a pause shows up. The pause count is an
//!    atomic (written only under the lock) so that the check before each
//!    handler needs no lock. A handler added to a Deferred that holds a
//!    result and is idle runs at once, without being queued; one added to
//!    an unfired Deferred is queued and the lock released at once (nothing
//!    can run before a fire). A queued handler costs no allocation when
//!    its captures fit in three words: entries are kept inline in the queue
//!    (`in_place::InlineFnOnce`, the crate's one `unsafe` module).
//! 6. **Chaining without lock order.** No code holds two Deferreds' locks at
//!    once, so no lock order exists to get wrong. A handler that returns a
//!    Deferred holding its result, idle and unclaimed (`succeed`, a cache
//!    hit), has that result taken under the inner one's lock alone (or none,
//!    when nothing else holds it), and the batch goes on: the waiter's
//!    result is out with its runner all along, so nobody can tell it did
//!    not wait (`take_ready`). Otherwise `wait_on` marks the waiter
//!    `Waiting` first, then inspects the inner Deferred and either takes its
//!    result or queues the continuation, then looks at the waiter again; a
//!    continuation that ran on another thread in between finds `running`
//!    still set and leaves the result for the waiter's own loop.
//!
//! Rules of behaviour are cited as "semantics §N", the numbered sections of
//! `docs/semantics.md`; these design notes as "note N".

use super::drop_queue;
use super::in_place::InlineFnOnce;
use super::outcome::Outcome;
use super::queue::{Batch, Queue};
use super::unhandled;
use super::DeferredState;
use crate::debug::{self, Site};
use crate::failure::{
    AlreadyCalledError, AlreadyChainedError, CancelledError, Failure, NotPausedError,
};
use crate::mutant;
use crate::sync::{Arc, AtomicUsize, Mutex, MutexGuard, Ordering, Weak};
use crate::unwind;

/// One entry of a chain: a handler (a callback/errback pair fused into one
/// closure), or the hand-over that ends a consumed chain. Kept inline in
/// the queue when its captures fit in three words (no allocation), boxed
/// otherwise (see `in_place`).
pub(crate) type Entry<T> = InlineFnOnce<Result<T, Failure>, Step<T>>;

/// What an entry gives back when it runs.
pub(crate) enum Step<T: 'static> {
    /// A handler returned: the chain goes on with it (or a hand-over gave a
    /// failure back, refusing the result: the chain keeps it).
    Outcome(Outcome<T>),
    /// The hand-over took the result; the Deferred to run next, if any
    /// (note 3). Nothing follows a hand-over in a chain, except the
    /// handlers queued behind a combinator that may take the result
    /// ([`JoinKind::MayTake`]): they are dropped then.
    Handed(Next),
    /// A combinator that may take the result ([`JoinKind::MayTake`]) passed
    /// it on instead: the chain goes on with it, and is no longer handed on.
    Released(Result<T, Failure>),
}

/// How a combinator joins an input's chain (`Deferred::join`), which
/// decides what handlers added to the input after it can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JoinKind {
    /// It takes every result (`race`): the chain is handed on at once, as
    /// with `then`, and later handlers are refused when added.
    Takes,
    /// It takes some results and passes the others on (a list takes a
    /// value it cannot clone, or a failure with `consume_errors`): handlers
    /// added meanwhile are queued behind it, and run if it passes the
    /// result on (dropped, with the warning, if it takes it). Other
    /// hand-ons are refused until it decides.
    MayTake,
    /// It always passes the result on (a list of `Clone` values without
    /// `consume_errors`): it is an ordinary handler, as in Twisted.
    PassesOn,
}

/// A canceller set with `Deferred::with_canceller`.
pub(crate) type Canceller<T> = Box<dyn FnOnce(&super::Deferred<T>) + Send>;

/// The Deferred whose chain the runner goes on with (a tail call), if any.
pub(crate) type Next = Option<Arc<dyn Resume>>;

/// A Deferred of any result type whose loop can be resumed; lets a chain of
/// Deferreds of different types run as one flat loop.
pub(crate) trait Resume: Send + Sync {
    fn resume(self: Arc<Self>) -> Next;
}

/// Where the result is.
pub(crate) enum Slot<T: 'static> {
    /// Not fired yet, or (while `running`) out with the handler that runs now.
    Empty,
    /// Fired; this is the current result.
    Ready(Result<T, Failure>),
    /// A handler returned this Deferred, and the chain waits for its result.
    /// Weak: the inner's continuation holds us strongly (our handlers must
    /// run when it fires, even if nobody else holds us), and a strong link
    /// back would make a cycle that keeps a dropped pair alive and its
    /// failure unreported (semantics §6). We need the inner only to pass a `cancel`
    /// on; if it is gone, nothing can ever fire it, and `cancel` fails us
    /// with `CancelledError` directly, which is what the inner's cancel would
    /// have handed over (Twisted, holding the inner strongly, gets the same).
    Waiting(Weak<Inner<T>>),
    /// The result was handed to another Deferred (chaining, `then`, `chain_deferred`).
    Consumed,
}

/// What took a Deferred's result (its chain ends in a hand-over), for the
/// warning about handlers added after that (semantics §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Consumer {
    /// A handler of another Deferred returned it, and that one waits on it.
    HandlerReturn,
    /// `then`, `map` or `and_then`.
    Then,
    /// `chain_deferred`.
    ChainDeferred,
    /// A combinator took it as an input.
    Combinator,
    /// A test helper (`testing::success_result_of`, `failure_result_of`) took it.
    Taken,
    /// A combinator joined it and may take its result when it comes
    /// ([`JoinKind::MayTake`]); becomes [`Combinator`](Self::Combinator)
    /// if it does, and is cleared if it passes the result on.
    Joined,
}

impl Consumer {
    /// How the warning names it.
    fn describe(self) -> &'static str {
        match self {
            Consumer::HandlerReturn => {
                "it was returned by a handler of another Deferred, which waits on it"
            }
            Consumer::Then => "then/map/and_then handed it to a new Deferred",
            Consumer::ChainDeferred => "chain_deferred handed it to another Deferred",
            Consumer::Combinator | Consumer::Joined => {
                "a combinator (DeferredList, deferred_list, gather_results, race) took it as an input"
            }
            Consumer::Taken => "a test helper (success_result_of, failure_result_of) took it",
        }
    }
}

/// Everything the lock guards.
pub(crate) struct State<T: 'static> {
    /// The result, or where it went.
    slot: Slot<T>,
    /// Handlers not yet run, in order.
    handlers: Queue<Entry<T>>,
    /// Bit [`FIRED`]: `callback`/`errback` happened (or a `cancel` fired
    /// it); bit [`DEBUG`]: made in debug mode, its sites are in `debug`'s
    /// table under [`Inner::key`]. One byte, so that the check a fire makes
    /// first (`life == 0`: unfired, no debug mode) covers both, and a
    /// Deferred made outside debug mode pays nothing more to be fired.
    life: u8,
    /// A runner owns the loop (note 2).
    running: bool,
    /// A hand-over is queued or done (and who queued it): handlers added
    /// from now on can never run, and no other Deferred may chain this one.
    chained: Option<Consumer>,
    /// The warning about a handler added after the hand-over went out.
    warned_dropped_handler: bool,
    /// `cancel` fired this Deferred without a canceller: the first late fire
    /// is ignored (Twisted's `_suppressAlreadyCalled`).
    suppress_already_called: bool,
    /// Run once by the first `cancel` of an unfired Deferred; dropped on fire.
    canceller: Option<Canceller<T>>,
}

/// [`State::life`]: fired.
const FIRED: u8 = 1;
/// [`State::life`]: made in debug mode. (Its sites live in a table beside
/// the Deferred rather than in it: a larger state is no longer built in
/// place, which would cost every Deferred.)
const DEBUG: u8 = 2;

impl<T: 'static> State<T> {
    /// `callback`/`errback` happened (or a `cancel` fired it).
    #[inline]
    fn called(&self) -> bool {
        self.life & FIRED != 0
    }

    /// Made in debug mode.
    #[inline]
    fn debugged(&self) -> bool {
        self.life & DEBUG != 0
    }

    /// The one-shot rule for `callback`/`errback`: `Ok(true)` to go ahead;
    /// `Ok(false)` for the late fire after a `cancel`, which is ignored once
    /// (and uses up the excuse); `AlreadyCalledError` otherwise (semantics
    /// §5, "Firing").
    #[inline]
    fn may_fire(&mut self, key: usize) -> Result<bool, AlreadyCalledError> {
        if self.life == 0 {
            return Ok(true);
        }
        self.may_fire_again(key)
    }

    /// [`may_fire`](Self::may_fire) for a Deferred fired already or made in
    /// debug mode.
    #[cold]
    fn may_fire_again(&mut self, key: usize) -> Result<bool, AlreadyCalledError> {
        if !self.called() {
            return Ok(true);
        }
        if self.suppress_already_called {
            self.suppress_already_called = false;
            return Ok(false);
        }
        Err(self.already_called(key))
    }

    /// The error for a fire of this fired Deferred. (In debug mode the
    /// public `callback`/`errback`/`fire` log its sites once the lock is
    /// released: `Inner::report_already_called`.)
    #[cold]
    fn already_called(&self, _key: usize) -> AlreadyCalledError {
        AlreadyCalledError
    }

    /// Records the first result. Returns the canceller, useless from now on,
    /// for the caller to drop once the lock is released (its captures'
    /// destructors are user code: note 1).
    /// `site` is where the fire came from, noted in debug mode under `key`.
    #[inline]
    fn record(
        &mut self,
        result: Result<T, Failure>,
        key: usize,
        site: Site,
    ) -> Option<Canceller<T>> {
        // Marked first: the checks of `life` a fire just made still hold,
        // so the compiler drops the debug-mode test from the common path.
        let canceller = self.mark_called(key, site);
        // An unfired Deferred's slot is always `Empty`: nothing to drop, so
        // skip the drop glue a plain assignment would run on every fire.
        let before = std::mem::replace(&mut self.slot, Slot::Ready(result));
        debug_assert!(
            matches!(before, Slot::Empty),
            "an unfired Deferred holds no result"
        );
        std::mem::forget(before);
        canceller
    }

    /// Marks the Deferred fired from `site`; returns the canceller, as
    /// [`record`](Self::record).
    #[inline]
    fn mark_called(&mut self, key: usize, site: Site) -> Option<Canceller<T>> {
        if self.debugged() && !self.called() {
            debug::note_fired(key, site);
        }
        self.life |= FIRED;
        self.canceller.take()
    }

    /// Semantics §4, for a Deferred a handler returned: its result, if it
    /// holds one and is idle, unpaused (`paused`) and not chained, taken
    /// for the waiter (and this one is consumed); an `AlreadyChainedError`
    /// if it was chained already; `None` if the waiter must wait.
    #[inline]
    fn take_for_waiter(&mut self, paused: bool) -> Option<Result<T, Failure>> {
        if self.chained.is_some() {
            return Some(Err(Failure::new(AlreadyChainedError::Returned)));
        }
        if !self.called() || self.running || paused {
            return None;
        }
        match std::mem::replace(&mut self.slot, Slot::Consumed) {
            Slot::Ready(result) => {
                self.chained = Some(Consumer::HandlerReturn);
                Some(result)
            }
            waiting => {
                self.slot = waiting;
                None
            }
        }
    }

    /// A handler (or a hand-over) added after the chain was handed on is
    /// dropped: it can never run. The first time for this Deferred, gives
    /// what the warning needs (semantics §4); the caller logs it once the
    /// lock is released (a logger is user code: note 1).
    fn late_entry(&mut self, key: usize) -> Option<LateEntry> {
        let consumer = self.chained?;
        if std::mem::replace(&mut self.warned_dropped_handler, true) {
            return None;
        }
        Some(LateEntry {
            consumer,
            created: self
                .debugged()
                .then(|| debug::lookup(key))
                .flatten()
                .and_then(|sites| sites.created),
        })
    }
}

/// The first handler added to a Deferred after its hand-over: what the
/// warning says.
struct LateEntry {
    /// What took the result.
    consumer: Consumer,
    /// Where the Deferred was made, in debug mode.
    created: Option<Site>,
}

/// Logs that a handler added after the hand-over was dropped: at `warn`
/// the first time for a Deferred (`first`), at `debug` after that.
#[cold]
fn report_dropped_entry(first: Option<LateEntry>) {
    let Some(first) = first else {
        log::debug!("handler added to a chained or consumed Deferred is dropped");
        return;
    };
    let made = match first.created {
        Some(site) => format!(" (the Deferred was created at {site})"),
        None => String::new(),
    };
    log::warn!(
        "a handler was added to a Deferred whose result is handed on ({}){made}: \
         it will never run, nor will any handler added to this Deferred later \
         (they are not reported again); add handlers before the hand-over, or \
         to the Deferred that gets the result",
        first.consumer.describe()
    );
}

/// The shared state of one Deferred.
pub(crate) struct Inner<T: 'static> {
    state: Mutex<State<T>>,
    /// `pause` calls not yet matched by `unpause`. Written only under the
    /// lock; read without it by the runner between handlers (note 5).
    pauses: AtomicUsize,
}

impl<T: 'static> Inner<T> {
    /// This Deferred's key in `debug`'s table: the address of its state,
    /// unique while it lives.
    #[inline]
    fn key(&self) -> usize {
        self as *const Self as *const () as usize
    }
}

// The entry points that set a result, and who runs the chain afterwards:
//
// | entry point                    | called by                  | sets                   | the chain runs          |
// | ------------------------------ | -------------------------- | ---------------------- | ----------------------- |
// | `fire_and_run`                 | `callback`/`errback`       | the first result       | here, if idle           |
// | `fire_cancelled_unless_fired`  | `cancel`                   | `CancelledError`       | here, if idle           |
// | `record_and_run`               | the two above, under lock  | the first result       | here, if idle           |
// | `fire_outcome_and_run`         | `defer_to_thread`'s delivery | a job's outcome      | here, if idle           |
// | `try_callback`                 | the primitives' hand-offs  | a value, unless fired  | here, if idle           |
// | `fire_for_caller`              | `chain_deferred`'s hand-over | the first result     | in the caller's loop    |
// | `fire_outcome_for_caller`      | `then`'s hand-over         | a handler's outcome    | in the caller's loop    |
// | `hand_to_waiter` (continuation)| the chain a waiter waits on| the waited-for result  | in the caller's loop    |
//
// "In the caller's loop": the entry point claims the loop and returns the
// Deferred as the [`Next`] step of the loop that reached the hand-over
// (note 3), instead of running it from inside that loop.

impl<T: Send + 'static> Inner<T> {
    pub(crate) fn new(canceller: Option<Canceller<T>>) -> Self {
        Inner {
            state: Mutex::new(State {
                slot: Slot::Empty,
                handlers: Queue::default(),
                life: 0,
                running: false,
                chained: None,
                warned_dropped_handler: false,
                suppress_already_called: false,
                canceller,
            }),
            pauses: AtomicUsize::new(0),
        }
    }

    /// A Deferred fired from the start (`succeed`, `fail`): no lock taken,
    /// no canceller to drop.
    pub(crate) fn new_fired(result: Result<T, Failure>) -> Self {
        Inner {
            state: Mutex::new(State {
                slot: Slot::Ready(result),
                handlers: Queue::default(),
                life: FIRED,
                running: false,
                chained: None,
                warned_dropped_handler: false,
                suppress_already_called: false,
                canceller: None,
            }),
            pauses: AtomicUsize::new(0),
        }
    }

    /// Debug mode: records where this new Deferred was made (and from now
    /// on where it is first fired; a Deferred made fired was fired there).
    #[cold]
    pub(crate) fn start_debugging(&self, created: Site) {
        let mut state = self.lock();
        state.life |= DEBUG;
        debug::register(self.key(), Some(created));
        if state.called() {
            debug::note_fired(self.key(), created);
        }
    }

    /// Where this Deferred was made and first fired, if it is in debug mode.
    pub(crate) fn sites(&self) -> Option<debug::Sites> {
        let debugged = self.lock().debugged();
        if debugged {
            debug::lookup(self.key())
        } else {
            None
        }
    }

    /// Debug mode: a fire was refused with `AlreadyCalledError`; log where
    /// the Deferred was made and first fired (Twisted puts them in the
    /// exception's message; here the error is a unit value). Called with no
    /// lock held: the logger is user code.
    #[cold]
    pub(crate) fn report_already_called(&self, site: Site) {
        if let Some(sites) = self.sites() {
            log::warn!("the Deferred has already been fired ({sites}); fired again at {site}");
        }
    }

    /// `Deferred::set_debug`: on, records from now on where it is first
    /// fired (if it is not fired yet; no creator: it was made before);
    /// off, forgets its record. Nothing if it is already as asked.
    #[cold]
    pub(crate) fn set_debug(&self, on: bool) {
        let mut state = self.lock();
        if on == state.debugged() {
            return;
        }
        if on {
            state.life |= DEBUG;
            debug::register(self.key(), None);
        } else {
            state.life &= !DEBUG;
            debug::take(self.key());
        }
    }

    fn paused(&self) -> bool {
        self.pauses.load(Ordering::Acquire) > 0
    }

    /// Holds a result, not paused, not running, with work queued.
    #[inline]
    fn can_start(&self, state: &State<T>) -> bool {
        !state.handlers.is_empty()
            && state.called()
            && !state.running
            && matches!(state.slot, Slot::Ready(_))
            && !self.paused()
    }

    /// Claims the loop if the Deferred can start (note 2): sets `running`,
    /// and the caller must then run it (or hand it to a loop that will).
    #[inline]
    fn claim(&self, state: &mut State<T>) -> bool {
        let startable = self.can_start(state);
        if startable {
            state.running = true;
        }
        startable
    }

    /// Runs the chain here if it can start and nobody else runs it (note 2);
    /// otherwise only releases the lock.
    #[inline]
    fn run_if_idle(self: &Arc<Self>, mut state: MutexGuard<'_, State<T>>) {
        if self.claim(&mut state) {
            self.run_claimed(state);
        }
    }

    /// Runs the chain whose loop the caller claimed, then every chain it
    /// hands over to, in one flat loop (note 3).
    #[inline(never)]
    fn run_claimed(self: &Arc<Self>, state: MutexGuard<'_, State<T>>) {
        let mut next = self.run_with(state);
        while let Some(deferred) = next {
            next = deferred.resume();
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock()
    }

    /// `callback`/`errback`: the one-shot rule, then the result, then the
    /// chain, here.
    pub(crate) fn fire_and_run(
        self: &Arc<Self>,
        result: Result<T, Failure>,
        site: Site,
    ) -> Result<(), AlreadyCalledError> {
        let mut state = self.lock();
        if !state.may_fire(self.key())? {
            return Ok(());
        }
        self.record_and_run(state, result, site);
        Ok(())
    }

    /// `callback`/`errback` with an outcome, as Twisted's `d.callback(x)`
    /// takes anything: a value or a failure fires as [`fire_and_run`]
    /// does; a Deferred makes this one wait on it (semantics §4), so that a
    /// `cancel` reaches it. The one-shot rule holds for all three.
    ///
    /// [`fire_and_run`]: Inner::fire_and_run
    pub(crate) fn fire_outcome_and_run(
        self: &Arc<Self>,
        outcome: Outcome<T>,
        site: Site,
    ) -> Result<(), AlreadyCalledError> {
        let inner = match outcome {
            Outcome::Value(value) => return self.fire_and_run(Ok(value), site),
            Outcome::Failure(failure) => return self.fire_and_run(Err(failure), site),
            Outcome::Deferred(inner) => inner,
        };
        let canceller = {
            let mut state = self.lock();
            if !state.may_fire(self.key())? {
                return Ok(());
            }
            // Claimed: an unfired chain has no runner (note 2), and
            // `wait_on` expects the caller to own the loop.
            state.running = true;
            state.mark_called(self.key(), site)
        };
        drop(canceller);
        if let Some(state) = self.wait_on(inner.into_inner()) {
            self.run_claimed(state);
        }
        Ok(())
    }

    /// `callback` that gives the value back, instead of dropping it, when
    /// the Deferred was fired already: the primitives hand a token or an
    /// item to a waiter that a `cancel` on another thread may have fired
    /// first, and what the waiter refused must go to the next one. Never
    /// touches the late-fire excuse: a refusal is not a late fire.
    pub(crate) fn try_callback(self: &Arc<Self>, value: T, site: Site) -> Result<(), T> {
        let state = self.lock();
        if state.called() {
            return Err(value);
        }
        self.record_and_run(state, Ok(value), site);
        Ok(())
    }

    /// Fires with `CancelledError` unless fired already; never touches the
    /// late-fire excuse (that belongs to the user's fires).
    fn fire_cancelled_unless_fired(self: &Arc<Self>, site: Site) {
        let state = self.lock();
        if !state.called() {
            self.record_and_run(state, Err(Failure::new(CancelledError)), site);
        }
    }

    /// Records the first result under the lock the caller holds (and checked
    /// the one-shot rule under), and runs the chain if it can.
    #[inline(always)]
    fn record_and_run(
        self: &Arc<Self>,
        mut state: MutexGuard<'_, State<T>>,
        result: Result<T, Failure>,
        site: Site,
    ) {
        let canceller = state.record(result, self.key(), site);
        self.run_if_idle(state);
        drop(canceller);
    }

    /// Adds a handler: runs it at once, unboxed, if the Deferred holds a
    /// result and is idle with nothing queued (semantics §2, note 5); queues
    /// it otherwise.
    pub(crate) fn add_handler<H>(self: &Arc<Self>, handler: H)
    where
        H: FnOnce(Result<T, Failure>) -> Outcome<T> + Send + 'static,
    {
        let mut state = self.lock();
        if !state.called() && state.chained.is_none() {
            // Unfired: nothing can run it before a fire (note 2), which will
            // find it queued.
            state.handlers.push_back_with(|| handler_entry(handler));
            return;
        }
        self.add_to_fired(state, handler);
    }

    /// [`add_handler`](Self::add_handler) for a Deferred that was fired or
    /// handed on.
    fn add_to_fired<H>(self: &Arc<Self>, mut state: MutexGuard<'_, State<T>>, handler: H)
    where
        H: FnOnce(Result<T, Failure>) -> Outcome<T> + Send + 'static,
    {
        if state
            .chained
            .is_some_and(|consumer| consumer != Consumer::Joined)
        {
            let first = state.late_entry(self.key());
            drop(state);
            drop(handler);
            report_dropped_entry(first);
            return;
        }
        // The fast path is for an idle chain only. A chain can hold its
        // result with `running` set and nothing queued while its loop is out
        // of the lock on another thread (in `wait_on` after a continuation
        // stored the result; between `then`'s hand-over and the resume of
        // the Deferred it fired): the handler is queued for that loop
        // (note 2). Taking the result here (the planted mutant) would run
        // it beside that loop (loom model 5c).
        let claimed = if mutant::on("engine_add_beside_runner") {
            false
        } else {
            state.running
        };
        if state.called() && !claimed && state.handlers.is_empty() && !self.paused() {
            if let Slot::Ready(_) = state.slot {
                let Slot::Ready(input) = std::mem::replace(&mut state.slot, Slot::Empty) else {
                    unreachable!("matched just above")
                };
                state.running = true;
                drop(state);
                let outcome = super::catch_outcome(move || handler(input));
                if let Some(state) = self.settle(outcome) {
                    self.run_claimed(state);
                }
                return;
            }
        }
        state.handlers.push_back(handler_entry(handler));
        self.run_if_idle(state);
    }

    /// Ends the chain with a hand-over of its result to another Deferred
    /// (`chain_deferred`, `then`); runs it at once if the Deferred holds a
    /// result and nothing stops it (semantics §4).
    /// `transfer` gets the result and names the Deferred to run next; `Err`
    /// gives a failure back to the chain instead (the hand-over was
    /// refused), which then keeps it.
    pub(crate) fn hand_on<F>(self: &Arc<Self>, transfer: F, consumer: Consumer)
    where
        F: FnOnce(Result<T, Failure>) -> Result<Next, Failure> + Send + 'static,
    {
        let mut state = self.lock();
        if state.chained.is_some() {
            // Semantics §4: handlers added once the chain was handed on never run.
            let first = state.late_entry(self.key());
            drop(state);
            drop(transfer);
            report_dropped_entry(first);
            return;
        }
        state.chained = Some(consumer);
        state.handlers.push_back(hand_over_entry(transfer));
        self.run_if_idle(state);
    }

    /// A combinator joins this chain as an input (`Deferred::join`):
    /// `transfer` gets the result and either takes it (`None`) or passes it
    /// on (`Some`), as `kind` allows. Runs at once if the Deferred holds a
    /// result and nothing stops it. Refused, giving `transfer` back
    /// untouched, if the chain was handed on already or a combinator may
    /// still take it (semantics, "Combinators": the caller answers
    /// `AlreadyChainedError`, as `.await` does); nothing is logged then.
    pub(crate) fn join<F>(self: &Arc<Self>, transfer: F, kind: JoinKind) -> Result<(), F>
    where
        F: FnOnce(Result<T, Failure>) -> Option<Result<T, Failure>> + Send + 'static,
    {
        let mut state = self.lock();
        if state.chained.is_some() {
            return Err(transfer);
        }
        match kind {
            JoinKind::Takes => state.chained = Some(Consumer::Combinator),
            JoinKind::MayTake => state.chained = Some(Consumer::Joined),
            JoinKind::PassesOn => {}
        }
        // One closure per kind, capturing `transfer` alone: with `kind`
        // beside it, a list's hand-over (three words) would no longer fit
        // inline in the queue entry and would cost an allocation per input.
        let entry = if kind == JoinKind::MayTake {
            Entry::new(move |result| match transfer(result) {
                None => Step::Handed(None),
                Some(result) => Step::Released(result),
            })
        } else {
            // `Takes` never gives a result back; `PassesOn` never takes one.
            Entry::new(move |result| match transfer(result) {
                None => Step::Handed(None),
                Some(result) => Step::Outcome(result.into()),
            })
        };
        state.handlers.push_back(entry);
        self.run_if_idle(state);
        Ok(())
    }

    pub(crate) fn pause(&self) {
        let _state = self.lock();
        self.pauses.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn unpause(self: &Arc<Self>) -> Result<(), NotPausedError> {
        let state = self.lock();
        if !self.paused() {
            return Err(NotPausedError);
        }
        self.pauses.fetch_sub(1, Ordering::AcqRel);
        self.run_if_idle(state);
        Ok(())
    }

    /// Semantics §5, iteratively: a waiting Deferred passes the cancel on to
    /// the one it waits on, however long that line is. A line that loops back
    /// on itself (Deferreds waiting on each other in a ring) has no unfired
    /// Deferred to cancel: the walk stops where it started over. A line that
    /// ends in a dropped inner ends here: the last waiting Deferred gets the
    /// `CancelledError` itself (see `Slot::Waiting`).
    pub(crate) fn cancel(self: &Arc<Self>, site: Site) {
        let mut target = Arc::clone(self);
        let mut visited: Option<std::collections::HashSet<*const Self>> = None;
        loop {
            let mut state = target.lock();
            if !state.called() {
                target.cancel_unfired(state, site);
                return;
            }
            let next = match &state.slot {
                Slot::Waiting(inner) => match inner.upgrade() {
                    Some(next) => next,
                    None => {
                        state.slot = Slot::Ready(Err(Failure::new(CancelledError)));
                        target.run_if_idle(state);
                        return;
                    }
                },
                _ => return,
            };
            drop(state);
            // Only a line longer than one hop can loop; most cancels never
            // allocate the set.
            let seen = visited.get_or_insert_with(|| std::iter::once(Arc::as_ptr(self)).collect());
            if !seen.insert(Arc::as_ptr(&next)) {
                return;
            }
            target = next;
        }
    }

    /// `cancel` of an unfired Deferred (semantics §5): its canceller, if it
    /// has one, then `CancelledError` unless the canceller fired it.
    fn cancel_unfired(self: &Arc<Self>, mut state: MutexGuard<'_, State<T>>, site: Site) {
        let Some(canceller) = state.canceller.take() else {
            state.suppress_already_called = true;
            // Fire under the lock that set the excuse: a fire racing on
            // another thread then lands before this cancel (which then did
            // nothing) or after it (and is the late fire the excuse is for),
            // never in between, where it would win and still leave the excuse
            // set for a second fire to slip through. Found by loom (the model
            // `cancel_racing_a_fire_ignores_the_late_fire_once`); the split is
            // kept as a mutant.
            if mutant::on("engine_cancel_split_lock") {
                drop(state);
                self.fire_cancelled_unless_fired(site);
            } else {
                self.record_and_run(state, Err(Failure::new(CancelledError)), site);
            }
            return;
        };
        drop(state);
        let handle = super::Deferred::from_inner(Arc::clone(self));
        if let Err(panic) = unwind::catch(|| canceller(&handle)) {
            // A canceller that panics fires the Deferred with its panic.
            let _ = self.fire_and_run(Err(panic), site);
        }
        self.fire_cancelled_unless_fired(site);
    }

    /// The loop (notes 2 and 5), entered with the lock held (saving a
    /// release and re-acquire). Precondition: the caller claimed the loop.
    fn run_with<'a>(self: &'a Arc<Self>, mut state: MutexGuard<'a, State<T>>) -> Next {
        loop {
            // Note 2: only the loop's owner takes the result out, so it
            // finds it here at the top of every pass, even when it is about
            // to stop. Asserted in loom builds too (release ones, without
            // debug assertions): it is how a model sees another thread take
            // the result of a chain this loop holds, which in release leaves
            // no other trace (loom model 5c, the planted mutant
            // `engine_add_beside_runner`).
            #[cfg(any(debug_assertions, deferred_loom))]
            assert!(
                matches!(state.slot, Slot::Ready(_)),
                "runner found no result"
            );
            if self.paused() || state.handlers.is_empty() {
                state.running = false;
                return None;
            }
            let mut current = match std::mem::replace(&mut state.slot, Slot::Empty) {
                Slot::Ready(result) => result,
                other => {
                    // Unreachable by note 2 (asserted above in debug and
                    // loom builds); keep the state rather than lose it.
                    state.slot = other;
                    state.running = false;
                    return None;
                }
            };
            let mut batch = state.handlers.take_batch();
            drop(state);
            loop {
                let Some(entry) = batch.pop_front() else {
                    state = self.lock();
                    state.slot = Slot::Ready(current);
                    break;
                };
                current = match super::catch_step(move || entry.call(current)) {
                    Step::Outcome(Outcome::Value(value)) => Ok(value),
                    Step::Outcome(Outcome::Failure(failure)) => Err(failure),
                    Step::Outcome(Outcome::Deferred(other)) => {
                        match self.take_ready(other.into_inner()) {
                            // It held its result: the batch goes on.
                            Ok(result) => result,
                            Err(other) => {
                                self.requeue(batch);
                                match self.wait_on(other) {
                                    Some(guard) => {
                                        state = guard;
                                        break;
                                    }
                                    None => return None,
                                }
                            }
                        }
                    }
                    Step::Released(result) => {
                        // A combinator that may take the result passed it
                        // on: the chain is no longer handed on (unless it
                        // never was, a `PassesOn` join, or another consumer
                        // came after it).
                        let mut state = self.lock();
                        if state.chained == Some(Consumer::Joined) {
                            state.chained = None;
                        }
                        drop(state);
                        result
                    }
                    Step::Handed(next) => {
                        // Nothing follows a hand-over (adds after it are
                        // refused), except handlers queued behind a combinator
                        // that may take the result: it took it, so they can
                        // never run.
                        let mut state = self.lock();
                        state.slot = Slot::Consumed;
                        state.running = false;
                        if state.chained == Some(Consumer::Joined) {
                            state.chained = Some(Consumer::Combinator);
                        }
                        if batch.is_empty() && state.handlers.is_empty() {
                            return next;
                        }
                        // Handlers added on another thread while the
                        // combinator decided are in the queue, not the batch:
                        // leaving them there (the mutant) strands them in a
                        // consumed Deferred (loom model 10b).
                        let queued = if mutant::on("engine_join_strands_queued") {
                            Queue::default()
                        } else {
                            std::mem::take(&mut state.handlers)
                        };
                        let first = state.late_entry(self.key());
                        drop(state);
                        // Outside the lock: their captures' drops are user code.
                        drop(batch);
                        drop(queued);
                        report_dropped_entry(first);
                        return next;
                    }
                };
                if !batch.is_empty() && self.paused() {
                    // Note 4: stop before the next handler.
                    state = self.lock();
                    state.slot = Slot::Ready(current);
                    state.handlers.put_back_in_front(batch);
                    break;
                }
            }
        }
    }

    /// Puts the rest of a batch back in front of whatever was added meanwhile.
    fn requeue(&self, batch: Batch<Entry<T>>) {
        if batch.is_empty() {
            return;
        }
        self.lock().handlers.put_back_in_front(batch);
    }

    /// Stores what a handler returned. `Some(guard)`: the loop goes on;
    /// `None`: this chain now waits on another Deferred (and `running` is clear).
    fn settle(self: &Arc<Self>, outcome: Outcome<T>) -> Option<MutexGuard<'_, State<T>>> {
        let result = match outcome {
            Outcome::Value(value) => Ok(value),
            Outcome::Failure(failure) => Err(failure),
            Outcome::Deferred(inner) => match self.take_ready(inner.into_inner()) {
                Ok(result) => result,
                Err(inner) => return self.wait_on(inner),
            },
        };
        let mut state = self.lock();
        state.slot = Slot::Ready(result);
        Some(state)
    }

    /// Semantics §4 when the Deferred a handler returned holds its result,
    /// idle and unclaimed (the commonest case: `succeed`, a cache hit): its
    /// result is taken under its lock alone, and it is consumed. `Err` gives
    /// it back to wait on. Unlike [`wait_on`](Self::wait_on), the waiter is
    /// not marked `Waiting` first, and nobody can tell: its result is out
    /// with its runner all along, so a `cancel` of the waiter does nothing
    /// meanwhile, as a cancel passed on to the fired inner one would do.
    /// The inner one's handle is dropped here, with no lock held (its drop
    /// may report a failure to the hook: note 1).
    /// When no other handle to the inner one exists (the handler made it, as
    /// `succeed` does), it is read without its lock: nobody else can.
    #[inline]
    fn take_ready(
        self: &Arc<Self>,
        mut inner: Arc<Inner<T>>,
    ) -> Result<Result<T, Failure>, Arc<Inner<T>>> {
        if Arc::ptr_eq(self, &inner) {
            return Ok(Err(Failure::new(AlreadyChainedError::Itself)));
        }
        let taken = match Arc::get_mut(&mut inner) {
            Some(only) => {
                let paused = only.paused();
                only.state.get_mut().take_for_waiter(paused)
            }
            None => {
                let paused = inner.paused();
                inner.lock().take_for_waiter(paused)
            }
        };
        match taken {
            Some(result) => {
                drop(inner);
                Ok(result)
            }
            None => Err(inner),
        }
    }

    /// Semantics §4: a handler returned `inner`.
    fn wait_on(self: &Arc<Self>, inner: Arc<Inner<T>>) -> Option<MutexGuard<'_, State<T>>> {
        if Arc::ptr_eq(self, &inner) {
            let mut state = self.lock();
            state.slot = Slot::Ready(Err(Failure::new(AlreadyChainedError::Itself)));
            return Some(state);
        }
        // Note 6. Waiting first, so that a `cancel` from now on reaches
        // `inner`, and a continuation that runs on another thread before we
        // look again finds us waiting (it then leaves the loop to us:
        // `running` is still set).
        self.lock().slot = Slot::Waiting(Arc::downgrade(&inner));
        let taken = {
            let mut other = inner.lock();
            let ready = if other.chained.is_some() {
                Some(Err(Failure::new(AlreadyChainedError::Returned)))
            } else if other.called() && !other.running && !inner.paused() {
                match std::mem::replace(&mut other.slot, Slot::Consumed) {
                    Slot::Ready(result) => {
                        other.chained = Some(Consumer::HandlerReturn);
                        Some(result)
                    }
                    waiting => {
                        other.slot = waiting;
                        None
                    }
                }
            } else {
                None
            };
            if ready.is_none() {
                other.chained = Some(Consumer::HandlerReturn);
                other.handlers.push_back(continuation(Arc::clone(self)));
                // `inner` cannot be startable here (else we would have taken
                // its result), so nobody needs to drive it now.
            }
            ready
        };
        // Not under our lock: dropping the last handle to `inner` drops it
        // (its failure report is user code: note 1).
        drop(inner);
        let mut state = self.lock();
        match taken {
            Some(result) => state.slot = Slot::Ready(result),
            None => {
                if let Slot::Waiting(_) = state.slot {
                    state.running = false;
                    return None;
                }
                // The result arrived from another thread meanwhile.
            }
        }
        Some(state)
    }

    /// `then`'s hand-over: fires this fresh Deferred with the outcome of
    /// `then`'s closure (a value, a failure, or a Deferred to wait on), and
    /// returns it for the caller's loop to run.
    pub(crate) fn fire_outcome_for_caller(
        self: &Arc<Self>,
        outcome: Outcome<T>,
        site: Site,
    ) -> Result<Next, Failure> {
        let canceller = {
            let mut state = self.lock();
            if state.called() {
                return Err(Failure::new(state.already_called(self.key())));
            }
            state.running = true;
            state.mark_called(self.key(), site)
        };
        drop(canceller);
        match self.settle(outcome) {
            Some(state) => {
                drop(state);
                Ok(Some(Arc::clone(self) as Arc<dyn Resume>))
            }
            None => Ok(None),
        }
    }

    /// `chain_deferred`'s hand-over: fires this Deferred as
    /// `callback`/`errback` would (the one-shot rule included), and returns
    /// it for the caller's loop to run if it can start.
    pub(crate) fn fire_for_caller(
        self: &Arc<Self>,
        result: Result<T, Failure>,
        site: Site,
    ) -> Result<Next, Failure> {
        let mut state = self.lock();
        if !state.may_fire(self.key())? {
            return Ok(None);
        }
        let canceller = state.record(result, self.key(), site);
        let claimed = self.claim(&mut state);
        drop(state);
        drop(canceller);
        Ok(claimed.then(|| Arc::clone(self) as Arc<dyn Resume>))
    }

    pub(crate) fn state(&self) -> DeferredState {
        let state = self.lock();
        match &state.slot {
            Slot::Empty if !state.called() => DeferredState::Pending,
            Slot::Empty => DeferredState::Running,
            Slot::Waiting(_) => DeferredState::Waiting,
            Slot::Consumed => DeferredState::Consumed,
            Slot::Ready(_) if state.running => DeferredState::Running,
            Slot::Ready(_) if self.paused() => DeferredState::Paused,
            Slot::Ready(_) => DeferredState::Fired,
        }
    }

    pub(crate) fn is_called(&self) -> bool {
        self.lock().called()
    }

    pub(crate) fn pause_count(&self) -> usize {
        self.pauses.load(Ordering::Acquire)
    }

    pub(crate) fn result(&self) -> Option<Result<T, Failure>>
    where
        T: Clone,
    {
        match &self.lock().slot {
            Slot::Ready(result) => Some(result.clone()),
            _ => None,
        }
    }

    /// Takes the result it holds now, if it is idle, unpaused and not
    /// chained (state `Fired`), and leaves it consumed: what trial's
    /// `successResultOf` does by adding a callback that keeps the result.
    /// Otherwise nothing changes and the state says why. One lock, so a
    /// fire or a pause on another thread cannot slip between the check and
    /// the take.
    /// With `keep_success`, a success stays where it is (`Err(Fired)`) and
    /// only a failure is taken (trial's `assertNoResult`, which handles a
    /// failure it finds).
    pub(crate) fn take_result(
        &self,
        keep_success: bool,
    ) -> Result<Result<T, Failure>, DeferredState> {
        let mut state = self.lock();
        let observed = match &state.slot {
            Slot::Empty if !state.called() => DeferredState::Pending,
            Slot::Empty => DeferredState::Running,
            Slot::Waiting(_) => DeferredState::Waiting,
            Slot::Consumed => DeferredState::Consumed,
            Slot::Ready(_) if state.running => DeferredState::Running,
            Slot::Ready(_) if self.paused() => DeferredState::Paused,
            // Handlers queued, not paused, nobody running them: never seen
            // under the lock (whatever makes a chain startable claims it
            // before letting the lock go: note 2; the argument is in
            // mutation/equivalent.txt). Kept so that, were it ever seen,
            // the result stays with its handlers rather than be taken.
            Slot::Ready(_) if !state.handlers.is_empty() => DeferredState::Running,
            Slot::Ready(_) => DeferredState::Fired,
        };
        if observed != DeferredState::Fired
            || (keep_success && matches!(state.slot, Slot::Ready(Ok(_))))
        {
            return Err(observed);
        }
        // (A combinator that passes results on leaves `chained` clear
        // once it has: semantics, "Combinators".)
        state.chained.get_or_insert(Consumer::Taken);
        match std::mem::replace(&mut state.slot, Slot::Consumed) {
            Slot::Ready(result) => Ok(result),
            _ => unreachable!("checked above: the slot holds a result"),
        }
    }
}

impl<T: Send + 'static> Resume for Inner<T> {
    fn resume(self: Arc<Self>) -> Next {
        self.run_with(self.lock())
    }
}

/// The entry a waiting Deferred leaves at the end of the chain it waits on
/// (semantics §4): hands the result to the waiter and returns it for the
/// caller's loop to run, if it can start.
fn continuation<T: Send + 'static>(waiter: Arc<Inner<T>>) -> Entry<T> {
    hand_over_entry(move |result| {
        let mut state = waiter.lock();
        state.slot = Slot::Ready(result);
        if state.running {
            // The waiter's own loop is still deciding (see `wait_on`) and will
            // find the result.
            return Ok(None);
        }
        let claimed = waiter.claim(&mut state);
        drop(state);
        Ok(claimed.then_some(waiter as Arc<dyn Resume>))
    })
}

/// The entry of a handler.
#[inline(always)]
fn handler_entry<T, H>(handler: H) -> Entry<T>
where
    T: Send + 'static,
    H: FnOnce(Result<T, Failure>) -> Outcome<T> + Send + 'static,
{
    Entry::new(move |result| Step::Outcome(handler(result)))
}

/// The entry of a hand-over: `Ok` names the Deferred to run next, `Err`
/// gives a failure back to the chain.
#[inline(always)]
fn hand_over_entry<T, F>(transfer: F) -> Entry<T>
where
    T: Send + 'static,
    F: FnOnce(Result<T, Failure>) -> Result<Next, Failure> + Send + 'static,
{
    Entry::new(move |result| match transfer(result) {
        Ok(next) => Step::Handed(next),
        Err(refused) => Step::Outcome(Outcome::Failure(refused)),
    })
}

impl<T: 'static> Drop for Inner<T> {
    /// The common case (no debug record, no unhandled failure, nothing
    /// queued, no canceller) only tests; the fields' own drops follow.
    #[inline]
    fn drop(&mut self) {
        let key = self.key();
        let state = self.state.get_mut();
        if state.debugged()
            || matches!(state.slot, Slot::Ready(Err(_)))
            || !state.handlers.is_empty()
            || state.canceller.is_some()
        {
            state.drop_slow(key);
        }
    }
}

impl<T: 'static> State<T> {
    /// The rest of `Inner::drop`: the debug record, the unhandled report,
    /// and the queue and canceller dropped through the drop queue.
    #[cold]
    #[inline(never)]
    fn drop_slow(&mut self, key: usize) {
        let sites = if self.debugged() {
            // Debug mode: this Deferred's record leaves the table now.
            debug::take(key)
        } else {
            None
        };
        if let Slot::Ready(Err(failure)) = &self.slot {
            unhandled::report(failure, sites);
        }
        if self.handlers.is_empty() && self.canceller.is_none() {
            return;
        }
        // Queued handlers (and a canceller) may hold other Deferreds whose
        // drop would drop more: flatten the recursion.
        let handlers = std::mem::take(&mut self.handlers);
        let canceller = self.canceller.take();
        drop_queue::defer_drop(Box::new((handlers, canceller)));
    }
}
