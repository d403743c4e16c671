//! The chain engine: the shared state behind every `Deferred<T>` handle and
//! the loop that runs its handlers.
//!
//! # Design note
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
//!    result and is idle runs at once, without being boxed or queued.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::drop_queue;
use super::outcome::Outcome;
use super::queue::Queue;
use super::unhandled;
use super::DeferredState;
use crate::failure::{
    AlreadyCalledError, AlreadyChainedError, CancelledError, Failure, NotPausedError,
};
use crate::sync::{Arc, AtomicUsize, Mutex, MutexGuard, Ordering, Weak};

/// A handler pair, fused into one closure so that adding it costs one allocation.
pub(crate) type Handler<T> = Box<dyn FnOnce(Result<T, Failure>) -> Outcome<T> + Send>;

/// The last entry of a consumed chain: hands the result on and names the
/// Deferred to run next. `Err` gives a failure back to the chain instead
/// (the hand-over was refused), which then keeps it.
pub(crate) type Transfer<T> = Box<dyn FnOnce(Result<T, Failure>) -> Result<Next, Failure> + Send>;

/// A canceller set with `Deferred::with_canceller`.
pub(crate) type Canceller<T> = Box<dyn FnOnce(&super::Deferred<T>) + Send>;

/// The Deferred whose chain the runner goes on with (a tail call), if any.
pub(crate) type Next = Option<Arc<dyn Resume>>;

/// A Deferred of any result type whose loop can be resumed; lets a chain of
/// Deferreds of different types run as one flat loop.
pub(crate) trait Resume: Send + Sync {
    fn resume(self: Arc<Self>) -> Next;
}

/// One entry of a chain.
pub(crate) enum Entry<T: 'static> {
    /// A callback/errback pair.
    Handler(Handler<T>),
    /// The end of the chain: the result goes to another Deferred.
    Transfer(Transfer<T>),
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
    /// failure unreported (rule 6). We need the inner only to pass a `cancel`
    /// on; if it is gone, nothing can ever fire it, and `cancel` fails us
    /// with `CancelledError` directly, which is what the inner's cancel would
    /// have handed over (Twisted, holding the inner strongly, gets the same).
    Waiting(Weak<Inner<T>>),
    /// The result was handed to another Deferred (chaining, `then`, `chain_deferred`).
    Consumed,
}

/// Everything the lock guards.
pub(crate) struct State<T: 'static> {
    /// The result, or where it went.
    slot: Slot<T>,
    /// Handlers not yet run, in order.
    handlers: Queue<Entry<T>>,
    /// `callback`/`errback` happened (or a `cancel` fired it).
    called: bool,
    /// A runner owns the loop (design note 2).
    running: bool,
    /// A `Transfer` is queued or done: handlers added from now on can never
    /// run, and no other Deferred may chain this one.
    chained: bool,
    /// `cancel` fired this Deferred without a canceller: the first late fire
    /// is ignored (Twisted's `_suppressAlreadyCalled`).
    suppress_already_called: bool,
    /// Run once by the first `cancel` of an unfired Deferred; dropped on fire.
    canceller: Option<Canceller<T>>,
}

impl<T: 'static> State<T> {
    /// The one-shot rule for `callback`/`errback`: `Ok(true)` to go ahead;
    /// `Ok(false)` for the late fire after a `cancel`, which is ignored once
    /// (and uses up the excuse); `AlreadyCalledError` otherwise.
    fn may_fire(&mut self) -> Result<bool, AlreadyCalledError> {
        if !self.called {
            return Ok(true);
        }
        if self.suppress_already_called {
            self.suppress_already_called = false;
            return Ok(false);
        }
        Err(AlreadyCalledError)
    }
}

/// The shared state of one Deferred.
pub(crate) struct Inner<T: 'static> {
    state: Mutex<State<T>>,
    /// `pause` calls not yet matched by `unpause`. Written only under the
    /// lock; read without it by the runner between handlers (design note 5).
    pauses: AtomicUsize,
}

impl<T: Send + 'static> Inner<T> {
    pub(crate) fn new(canceller: Option<Canceller<T>>) -> Self {
        Inner {
            state: Mutex::new(State {
                slot: Slot::Empty,
                handlers: Queue::default(),
                called: false,
                running: false,
                chained: false,
                suppress_already_called: false,
                canceller,
            }),
            pauses: AtomicUsize::new(0),
        }
    }

    fn paused(&self) -> bool {
        self.pauses.load(Ordering::Acquire) > 0
    }

    /// Holds a result, not paused, not running, with work queued.
    fn can_start(&self, state: &State<T>) -> bool {
        state.called
            && !state.running
            && !state.handlers.is_empty()
            && matches!(state.slot, Slot::Ready(_))
            && !self.paused()
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock()
    }

    /// `callback`/`errback`.
    pub(crate) fn fire(
        self: &Arc<Self>,
        result: Result<T, Failure>,
    ) -> Result<(), AlreadyCalledError> {
        let mut state = self.lock();
        if !state.may_fire()? {
            return Ok(());
        }
        let canceller = self.start(state, result);
        drop(canceller);
        Ok(())
    }

    /// Fires with `CancelledError` unless fired already; never touches the
    /// late-fire suppression (that belongs to the user's fires).
    fn fire_cancelled(self: &Arc<Self>) {
        let state = self.lock();
        if !state.called {
            let canceller = self.start(state, Err(Failure::new(CancelledError)));
            drop(canceller);
        }
    }

    /// Records the first result and runs the chain if it can. Returns the
    /// canceller, now useless, for the caller to drop after the lock.
    fn start(
        self: &Arc<Self>,
        mut state: MutexGuard<'_, State<T>>,
        result: Result<T, Failure>,
    ) -> Option<Canceller<T>> {
        state.called = true;
        state.slot = Slot::Ready(result);
        let canceller = state.canceller.take();
        if self.can_start(&state) {
            state.running = true;
            Self::drive_from(self.run_with(state));
        }
        canceller
    }

    /// Adds a handler: runs it at once, unboxed, if the Deferred holds a
    /// result and is idle with nothing queued (rule 2); queues it otherwise.
    pub(crate) fn add<H>(self: &Arc<Self>, handler: H)
    where
        H: FnOnce(Result<T, Failure>) -> Outcome<T> + Send + 'static,
    {
        let mut state = self.lock();
        if state.chained {
            drop(state);
            drop(handler);
            log::debug!("handler added to a chained or consumed Deferred is dropped");
            return;
        }
        if state.called && !state.running && state.handlers.is_empty() && !self.paused() {
            if let Slot::Ready(_) = state.slot {
                let Slot::Ready(input) = std::mem::replace(&mut state.slot, Slot::Empty) else {
                    unreachable!("matched just above")
                };
                state.running = true;
                drop(state);
                let outcome = catch_unwind(AssertUnwindSafe(move || handler(input)))
                    .unwrap_or_else(|panic| Outcome::Failure(Failure::from_panic(panic)));
                if let Some(state) = self.settle(outcome) {
                    let next = self.run_with(state);
                    Self::drive_from(next);
                }
                return;
            }
        }
        state.handlers.push_back(Entry::Handler(Box::new(handler)));
        if self.can_start(&state) {
            state.running = true;
            Self::drive_from(self.run_with(state));
        }
    }

    /// Appends an entry; runs it at once if the Deferred holds a result and
    /// nothing stops it (rule 2).
    pub(crate) fn push(self: &Arc<Self>, entry: Entry<T>) {
        let mut state = self.lock();
        if state.chained {
            // Rule 4: handlers added once the chain was handed on never run.
            drop(state);
            log::debug!("handler added to a chained or consumed Deferred is dropped");
            drop(entry);
            return;
        }
        if let Entry::Transfer(_) = entry {
            state.chained = true;
        }
        state.handlers.push_back(entry);
        if self.can_start(&state) {
            state.running = true;
            Self::drive_from(self.run_with(state));
        }
    }

    pub(crate) fn pause(&self) {
        let _state = self.lock();
        self.pauses.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn unpause(self: &Arc<Self>) -> Result<(), NotPausedError> {
        let mut state = self.lock();
        if !self.paused() {
            return Err(NotPausedError);
        }
        self.pauses.fetch_sub(1, Ordering::AcqRel);
        if self.can_start(&state) {
            state.running = true;
            Self::drive_from(self.run_with(state));
        }
        Ok(())
    }

    /// Rule 5, iteratively: a waiting Deferred passes the cancel on to the one
    /// it waits on, however long that line is. A line that loops back on
    /// itself (Deferreds waiting on each other in a ring) has no unfired
    /// Deferred to cancel: the walk stops where it started over. A line that
    /// ends in a dropped inner ends here: the last waiting Deferred gets the
    /// `CancelledError` itself (see `Slot::Waiting`).
    pub(crate) fn cancel(self: &Arc<Self>) {
        let mut target = Arc::clone(self);
        let mut visited: Option<std::collections::HashSet<*const Self>> = None;
        loop {
            let mut state = target.lock();
            if !state.called {
                let canceller = state.canceller.take();
                if canceller.is_none() {
                    state.suppress_already_called = true;
                    // Fire under the lock that set the flag: a fire racing on
                    // another thread then lands before this cancel (which then
                    // did nothing) or after it (and is the late fire the flag
                    // excuses), never in between, where it would win and still
                    // leave the flag set for a second fire to slip through.
                    // Found by loom (model 4); the split is kept as a mutant.
                    #[cfg(not(deferred_mutant = "engine_cancel_split_lock"))]
                    {
                        let none = target.start(state, Err(Failure::new(CancelledError)));
                        debug_assert!(none.is_none(), "the canceller was taken above");
                        return;
                    }
                }
                drop(state);
                if let Some(canceller) = canceller {
                    let handle = super::Deferred::from_inner(Arc::clone(&target));
                    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| canceller(&handle))) {
                        // A canceller that panics fires the Deferred with its panic.
                        let _ = target.fire(Err(Failure::from_panic(panic)));
                    }
                }
                target.fire_cancelled();
                return;
            }
            let next = match &state.slot {
                Slot::Waiting(inner) => match inner.upgrade() {
                    Some(next) => next,
                    None => {
                        state.slot = Slot::Ready(Err(Failure::new(CancelledError)));
                        if target.can_start(&state) {
                            state.running = true;
                            Self::drive_from(target.run_with(state));
                        }
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

    /// Runs chains in one flat loop, following hand-overs (design note 3).
    fn drive_from(mut next: Next) {
        while let Some(deferred) = next {
            next = deferred.resume();
        }
    }

    /// The loop (design notes 2 and 5), entered with the lock held (saving a
    /// release and re-acquire). Precondition: the caller set `running`.
    fn run_with<'a>(self: &'a Arc<Self>, mut state: MutexGuard<'a, State<T>>) -> Next {
        loop {
            if self.paused() || state.handlers.is_empty() {
                state.running = false;
                return None;
            }
            let mut current = match std::mem::replace(&mut state.slot, Slot::Empty) {
                Slot::Ready(result) => result,
                other => {
                    // Unreachable by design note 2; keep the state rather than lose it.
                    state.slot = other;
                    state.running = false;
                    debug_assert!(false, "runner found no result");
                    return None;
                }
            };
            let mut batch = std::mem::take(&mut state.handlers);
            drop(state);
            loop {
                let Some(entry) = batch.pop_front() else {
                    state = self.lock();
                    state.slot = Slot::Ready(current);
                    break;
                };
                match entry {
                    Entry::Handler(handler) => {
                        let outcome = catch_unwind(AssertUnwindSafe(move || handler(current)))
                            .unwrap_or_else(|panic| Outcome::Failure(Failure::from_panic(panic)));
                        current = match outcome {
                            Outcome::Value(value) => Ok(value),
                            Outcome::Failure(failure) => Err(failure),
                            Outcome::Deferred(other) => {
                                self.requeue(batch);
                                match self.wait_on(other.into_inner()) {
                                    Some(guard) => {
                                        state = guard;
                                        break;
                                    }
                                    None => return None,
                                }
                            }
                        };
                    }
                    Entry::Transfer(transfer) => {
                        // Nothing follows a transfer: adds after it are refused.
                        debug_assert!(batch.is_empty());
                        let handed = catch_unwind(AssertUnwindSafe(move || transfer(current)))
                            .unwrap_or_else(|panic| Err(Failure::from_panic(panic)));
                        match handed {
                            Ok(next) => {
                                let mut state = self.lock();
                                state.slot = Slot::Consumed;
                                state.running = false;
                                return next;
                            }
                            Err(failure) => current = Err(failure),
                        }
                    }
                }
                if !batch.is_empty() && self.paused() {
                    // Design note 4: stop before the next handler.
                    state = self.lock();
                    state.slot = Slot::Ready(current);
                    batch.append(&mut state.handlers);
                    state.handlers = batch;
                    break;
                }
            }
        }
    }

    /// Puts the rest of a batch back in front of whatever was added meanwhile.
    fn requeue(&self, mut batch: Queue<Entry<T>>) {
        if batch.is_empty() {
            return;
        }
        let mut state = self.lock();
        batch.append(&mut state.handlers);
        state.handlers = batch;
    }

    /// Stores what a handler returned. `Some(guard)`: the loop goes on;
    /// `None`: this chain now waits on another Deferred (and `running` is clear).
    fn settle(self: &Arc<Self>, outcome: Outcome<T>) -> Option<MutexGuard<'_, State<T>>> {
        let result = match outcome {
            Outcome::Value(value) => Ok(value),
            Outcome::Failure(failure) => Err(failure),
            Outcome::Deferred(inner) => return self.wait_on(inner.into_inner()),
        };
        let mut state = self.lock();
        state.slot = Slot::Ready(result);
        Some(state)
    }

    /// Rule 4: a handler returned `inner`.
    fn wait_on(self: &Arc<Self>, inner: Arc<Inner<T>>) -> Option<MutexGuard<'_, State<T>>> {
        if Arc::ptr_eq(self, &inner) {
            let mut state = self.lock();
            state.slot = Slot::Ready(Err(Failure::new(AlreadyChainedError)));
            return Some(state);
        }
        // Waiting first, so that a `cancel` from now on reaches `inner`, and a
        // continuation that runs on another thread before we look again finds
        // us waiting (it then leaves the loop to us: `running` is still set).
        self.lock().slot = Slot::Waiting(Arc::downgrade(&inner));
        let taken = {
            let mut other = inner.lock();
            let ready = if other.chained {
                Some(Err(Failure::new(AlreadyChainedError)))
            } else if other.called && !other.running && !inner.paused() {
                match std::mem::replace(&mut other.slot, Slot::Consumed) {
                    Slot::Ready(result) => {
                        other.chained = true;
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
                other.chained = true;
                other
                    .handlers
                    .push_back(Entry::Transfer(continuation(Arc::clone(self))));
                // `inner` cannot be startable here (else we would have taken
                // its result), so nobody needs to drive it now.
            }
            ready
        };
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

    /// Takes over a result handed to a fresh Deferred by `then`: the
    /// Deferred is fired, and its loop runs as the caller's next step.
    pub(crate) fn accept(self: &Arc<Self>, outcome: Outcome<T>) -> Result<Next, Failure> {
        {
            let mut state = self.lock();
            if state.called {
                return Err(Failure::new(AlreadyCalledError));
            }
            state.called = true;
            state.running = true;
            drop(state.canceller.take());
        }
        match self.settle(outcome) {
            Some(state) => {
                drop(state);
                Ok(Some(Arc::clone(self) as Arc<dyn Resume>))
            }
            None => Ok(None),
        }
    }

    /// Hands `result` to this Deferred as if `callback`/`errback` had been
    /// called, but leaves the running of its chain to the caller's loop.
    pub(crate) fn fire_deferred(
        self: &Arc<Self>,
        result: Result<T, Failure>,
    ) -> Result<Next, Failure> {
        let mut state = self.lock();
        if !state.may_fire()? {
            return Ok(None);
        }
        state.called = true;
        state.slot = Slot::Ready(result);
        let canceller = state.canceller.take();
        let startable = self.can_start(&state);
        if startable {
            state.running = true;
        }
        drop(state);
        drop(canceller);
        Ok(startable.then(|| Arc::clone(self) as Arc<dyn Resume>))
    }

    pub(crate) fn state(&self) -> DeferredState {
        let state = self.lock();
        match &state.slot {
            Slot::Empty if !state.called => DeferredState::Pending,
            Slot::Empty => DeferredState::Running,
            Slot::Waiting(_) => DeferredState::Waiting,
            Slot::Consumed => DeferredState::Consumed,
            Slot::Ready(_) if state.running => DeferredState::Running,
            Slot::Ready(_) if self.paused() => DeferredState::Paused,
            Slot::Ready(_) => DeferredState::Fired,
        }
    }

    pub(crate) fn is_called(&self) -> bool {
        self.lock().called
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
}

impl<T: Send + 'static> Resume for Inner<T> {
    fn resume(self: Arc<Self>) -> Next {
        self.run_with(self.lock())
    }
}

/// The entry a waiting Deferred leaves at the end of the chain it waits on.
fn continuation<T: Send + 'static>(waiter: Arc<Inner<T>>) -> Transfer<T> {
    Box::new(move |result| {
        let mut state = waiter.lock();
        state.slot = Slot::Ready(result);
        if state.running {
            // The waiter's own loop is still deciding (see `wait_on`) and will
            // find the result.
            return Ok(None);
        }
        let startable = waiter.can_start(&state);
        if startable {
            state.running = true;
        }
        drop(state);
        Ok(startable.then_some(waiter as Arc<dyn Resume>))
    })
}

impl<T: 'static> Drop for Inner<T> {
    fn drop(&mut self) {
        let state = self.state.get_mut();
        if let Slot::Ready(Err(failure)) = &state.slot {
            unhandled::report(failure);
        }
        if state.handlers.is_empty() && state.canceller.is_none() {
            return;
        }
        // Queued handlers (and a canceller) may hold other Deferreds whose
        // drop would drop more: flatten the recursion.
        let handlers = std::mem::take(&mut state.handlers);
        let canceller = state.canceller.take();
        drop_queue::defer_drop(Box::new((handlers, canceller)));
    }
}
