//! The task behind [`ensure_deferred`], [`Reactor::spawn`] and
//! [`Deferred::from_future`]: a future, the Deferred its output fires, and a
//! way to schedule its polls (`async-task`'s design: a future plus a
//! schedule function, here one of two). The state machine and its races
//! are argued in the design note of `bridge/mod.rs` (notes 6 to 10).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

use super::trampoline::{self, Run};
use crate::deferred::{Deferred, IntoOutcome, Outcome};
use crate::failure::Failure;
use crate::job::Job;
use crate::reactor::{Reactor, ReactorError, WeakReactor};
use crate::reactor_threads::sealed::{Back, Sealed, Target};
use crate::reactor_threads::ReactorThreads;
use crate::sync::{thread_local, Arc, Mutex, Weak};
use crate::testing::WeakMemoryReactor;
use crate::unwind;

/// Runs an `async` block (any `Send` future) as a Deferred, the way Twisted
/// runs a coroutine (`ensureDeferred`, `Deferred.fromCoroutine`): the first
/// poll happens at once, on the calling thread, and from then on the future
/// is polled by whoever wakes it, typically the thread that fires the
/// Deferred it awaits, inside that `callback`. No executor, no reactor.
///
/// - **Output**: whatever the future returns fires the Deferred, as a
///   handler's return would: a `T`, a `Result<T, E>` (`Err` errbacks), or a
///   `Deferred<T>` to wait for. A panic in the future becomes a
///   [`PanicError`](crate::PanicError) failure.
/// - **Cancel**: [`cancel`](Deferred::cancel) on the returned Deferred
///   cancels the Deferred the future is waiting on, and the future sees the
///   `CancelledError` at its `.await` (it may recover and go on); the
///   returned Deferred fires with whatever the future then returns, as in
///   Twisted. A cancel while the future is being polled (from inside it, or
///   from another thread) reaches only what it awaits at that moment, as
///   in Twisted, where it reaches nothing. If the future is suspended on
///   something other than a Deferred, there is nothing to pass the cancel
///   to: the future is dropped and the Deferred fails with `CancelledError`.
/// - **Threads**: a future woken from two threads at once is polled by one
///   of them at a time, never concurrently, and its output fires the
///   Deferred once. Polls nest (a poll that fires what another task awaits
///   polls that task inside it, as Twisted does) only 16 deep on a thread;
///   deeper wake-ups run after the poll that made them, so a line of tasks
///   of any length runs in bounded stack. The first poll is not a wake-up:
///   it runs before `ensure_deferred` returns at any depth.
/// - **Awaiting itself**: a future that awaits the Deferred this returned
///   gets [`AlreadyChainedError`](crate::AlreadyChainedError) there, as a
///   handler returning its own Deferred does, instead of waiting forever.
///
/// ```
/// use deferred::{ensure_deferred, Deferred};
///
/// let a = Deferred::<u32>::new();
/// let b = Deferred::<u32>::new();
/// let sum: Deferred<u32> = ensure_deferred({
///     let (a, b) = (a.clone(), b.clone());
///     async move { Ok::<_, deferred::Failure>(a.await? + b.await?) }
/// });
/// a.callback(1).unwrap(); // polls the future here: it now waits on `b`
/// b.callback(2).unwrap(); // and here: it returns, and fires `sum`
/// assert_eq!(sum.result().unwrap().unwrap(), 3);
/// ```
///
/// A `Result` output needs the value type named (as for handlers), since a
/// `Result` could also be the value itself.
///
/// A Deferred given instead of a future is returned as it is (Twisted's
/// `ensureDeferred(d)` returns `d`), so `ensure_deferred(get_users())`
/// works whether `get_users` is an `async fn` or returns a Deferred:
///
/// ```
/// use deferred::{ensure_deferred, succeed, Deferred};
///
/// fn get_users() -> Deferred<Vec<&'static str>> { succeed(vec!["ann"]) }
/// let d = ensure_deferred(get_users()); // a Deferred<Vec<&str>>, no annotation
/// assert_eq!(d.result().unwrap().unwrap(), ["ann"]);
/// ```
///
/// Only futures and Deferreds are accepted (Twisted raises
/// `NotACoroutineError` at run time; here it does not compile):
///
/// ```compile_fail
/// let d: deferred::Deferred<u8> = deferred::ensure_deferred("something");
/// ```
pub fn ensure_deferred<T, F>(future: F) -> Deferred<T>
where
    T: Send + 'static,
    F: IntoDeferred<T>,
{
    future.into_deferred()
}

/// What [`ensure_deferred`] takes: a future (`Send + 'static`, whose output
/// is [`IntoOutcome<T>`]), run as a task, or a `Deferred<T>`, returned as it
/// is.
#[diagnostic::on_unimplemented(
    message = "`ensure_deferred` takes a future or a `Deferred`, not `{Self}`",
    label = "not a future (an `async` block or `async fn` call) or a `Deferred`",
    note = "a future here must be `Send + 'static`, and its output a `T`, a `Result<T, _>` or a `Deferred<T>`"
)]
pub trait IntoDeferred<T: Send + 'static> {
    /// The Deferred: the task's, or the Deferred itself.
    fn into_deferred(self) -> Deferred<T>;
}

impl<T: Send + 'static> IntoDeferred<T> for Deferred<T> {
    fn into_deferred(self) -> Deferred<T> {
        self
    }
}

impl<T, F> IntoDeferred<T> for F
where
    T: Send + 'static,
    F: Future + Send + 'static,
    F::Output: IntoOutcome<T>,
{
    fn into_deferred(self) -> Deferred<T> {
        start(self, Scheduler::Inline, CancelMode::Coroutine)
    }
}

impl Reactor {
    /// [`ensure_deferred`], but every poll, the first included, runs on the
    /// reactor thread (handed over with
    /// [`call_from_thread`](Reactor::call_from_thread)), for code that must
    /// stay there. Cancellation and output as for `ensure_deferred`.
    /// [`ReactorThreads::spawn`] is the same for code written against
    /// either reactor (a test's [`MemoryReactor`](crate::testing::MemoryReactor)
    /// too).
    ///
    /// A stop polls the future once more if a wake-up was queued before the
    /// stop's final drain began (see [`Reactor::run`]); from then on a poll
    /// can no longer run: the Deferred fails with [`ReactorError::Stopped`]
    /// and the future is dropped, at once if the reactor had stopped (or was
    /// dropped unrun), else at its first wake-up after that. So a future
    /// that wakes itself forever (a `yield_now` loop) does not keep `run`
    /// from returning: it fails with `Stopped`. The stop itself does not
    /// fail a future suspended at that moment: one that nothing wakes again
    /// stays pending.
    ///
    /// ```
    /// use deferred::{defer_to_thread, react, Deferred};
    ///
    /// let answer = react(|reactor| -> Deferred<u64> {
    ///     let r = reactor.clone();
    ///     reactor.spawn(async move {
    ///         let a: u64 = defer_to_thread(&r, || 6).await?; // on a worker
    ///         assert!(r.is_in_reactor_thread());                // back here
    ///         let b: u64 = defer_to_thread(&r, || 7).await?;
    ///         Ok::<_, deferred::Failure>(a * b)
    ///     })
    /// });
    /// assert_eq!(answer.unwrap(), 42);
    /// ```
    pub fn spawn<T, F>(&self, future: F) -> Deferred<T>
    where
        T: Send + 'static,
        F: Future + Send + 'static,
        F::Output: IntoOutcome<T>,
    {
        spawn_on(self.target(), future)
    }
}

/// [`Reactor::spawn`] and [`ReactorThreads::spawn`]: polls on the reactor.
pub(crate) fn spawn_on<T, F>(reactor: Target<'_>, future: F) -> Deferred<T>
where
    T: Send + 'static,
    F: Future + Send + 'static,
    F::Output: IntoOutcome<T>,
{
    start(
        future,
        Scheduler::Reactor(OnReactor::new(reactor)),
        CancelMode::Coroutine,
    )
}

impl<T: Send + 'static> Deferred<T> {
    /// A Deferred of any `Send` future's output, the future driven on
    /// `reactor`'s thread (Twisted's `Deferred.fromFuture`): each wake-up,
    /// from whatever thread or runtime, hands a poll to the reactor through
    /// [`call_from_thread`](Reactor::call_from_thread). `reactor` is any
    /// [`ReactorThreads`]: the [`Reactor`], or in a test a
    /// [`MemoryReactor`](crate::testing::MemoryReactor), whose polls then
    /// wait until the test runs its calls. The output fires the
    /// Deferred as a handler's return would (`T`, `Result<T, E>`,
    /// `Deferred<T>`); a panic becomes a failure.
    ///
    /// [`cancel`](Deferred::cancel) drops the future (Rust's way to cancel
    /// one) and fails the Deferred with `CancelledError`. Once the reactor
    /// has stopped, a wake-up (or the first poll) can no longer run: the
    /// Deferred fails with [`ReactorError::Stopped`] and the future is
    /// dropped, as for [`Reactor::spawn`] (a future that wakes itself
    /// forever included: the stop still returns).
    ///
    /// A future that needs its own runtime's context to be polled (tokio's
    /// timers and sockets) must run on that runtime: spawn it there and pass
    /// its join handle.
    ///
    /// ```
    /// use deferred::{react, Deferred};
    ///
    /// let got = react(|reactor| -> Deferred<u32> {
    ///     let (tx, rx) = futures::channel::oneshot::channel();
    ///     std::thread::spawn(move || tx.send(5).unwrap());
    ///     Deferred::from_future(reactor, async move { rx.await.map(|n| n * 2) })
    /// });
    /// assert_eq!(got.unwrap(), 10);
    /// ```
    pub fn from_future<F>(reactor: &(impl ReactorThreads + ?Sized), future: F) -> Deferred<T>
    where
        F: Future + Send + 'static,
        F::Output: IntoOutcome<T>,
    {
        start(
            future,
            Scheduler::Reactor(OnReactor::new(reactor.target())),
            CancelMode::DropFuture,
        )
    }
}

/// Where a task's polls run.
enum Scheduler {
    /// On the thread that wakes it, through the trampoline.
    Inline,
    /// On the reactor thread.
    Reactor(OnReactor),
}

/// The reactor a task's polls are queued on, held weakly: its queue holds
/// the next poll, which holds the task, so a strong handle would be a cycle
/// that keeps a reactor dropped unrun (and the task) alive.
enum OnReactor {
    /// The real one.
    Real(WeakReactor),
    /// A test's (its calls run when the test says).
    Memory(WeakMemoryReactor),
}

impl OnReactor {
    fn new(reactor: Target<'_>) -> Self {
        match reactor {
            Target::Real(real) => OnReactor::Real(real.downgrade()),
            Target::Memory(memory) => OnReactor::Memory(memory.downgrade()),
        }
    }

    /// The reactor, if a handle of it is still alive.
    fn upgrade(&self) -> Option<Back> {
        match self {
            OnReactor::Real(weak) => weak.upgrade().map(Back::Real),
            OnReactor::Memory(weak) => weak.upgrade().map(Back::Memory),
        }
    }
}

/// What `cancel` on the task's Deferred does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CancelMode {
    /// Cancel the Deferreds the future awaits (Twisted's coroutines).
    Coroutine,
    /// Drop the future (a foreign future: `from_future`).
    DropFuture,
}

/// Where a task is in its life (design note 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a wake-up; holds its future.
    Idle,
    /// A poll is on its way (queued on a thread, or on the reactor).
    Scheduled,
    /// Being polled; the poller holds the future.
    Running,
    /// Woken while being polled: the poller polls again.
    RunningWoken,
    /// Finished, cancelled by a drop, or abandoned: never polled again.
    Done,
}

struct Task<F: Future, T: 'static> {
    state: Mutex<State<F, T>>,
    /// The [`identity`](Deferred::identity) of the Deferred `start`
    /// returned, which its caller holds: after a cancel it waits on a later
    /// link (note 9), so awaiting it is awaiting the task's own output too.
    first: usize,
    scheduler: Scheduler,
    cancel_mode: CancelMode,
}

struct State<F: Future, T: 'static> {
    phase: Phase,
    /// The future, unless it is out with the poller or gone.
    future: Option<Pin<Box<F>>>,
    /// The Deferred the output fires (the latest link: note 9).
    target: Option<Deferred<T>>,
    /// The Deferreds the future awaits right now (note 8).
    awaiting: Vec<(u64, std::sync::Weak<dyn CancelAwaited>)>,
    /// The id of the next entry of `awaiting`.
    next_id: u64,
    /// A cancel asked for the future to be dropped at its next suspension.
    drop_requested: bool,
}

/// Makes the task and its Deferred, and schedules the first poll.
fn start<T, F>(future: F, scheduler: Scheduler, cancel_mode: CancelMode) -> Deferred<T>
where
    T: Send + 'static,
    F: Future + Send + 'static,
    F::Output: IntoOutcome<T>,
{
    let task = Arc::new_cyclic(|weak: &Weak<Task<F, T>>| {
        let target = link(weak.clone());
        Task {
            first: target.identity(),
            state: Mutex::new(State {
                phase: Phase::Scheduled,
                future: Some(Box::pin(future)),
                target: Some(target),
                awaiting: Vec::new(),
                next_id: 0,
                drop_requested: false,
            }),
            scheduler,
            cancel_mode,
        }
    });
    let d = task
        .state
        .lock()
        .target
        .clone()
        .expect("a new task has its Deferred");
    match task.scheduler {
        // Polled before this returns, at any depth (docs/async.md).
        Scheduler::Inline => trampoline::run_first(task),
        Scheduler::Reactor(_) => task.schedule(),
    }
    d
}

/// A Deferred the task's output fires, whose canceller is the task's
/// cancel (note 9).
fn link<F, T>(task: Weak<Task<F, T>>) -> Deferred<T>
where
    T: Send + 'static,
    F: Future + Send + 'static,
    F::Output: IntoOutcome<T>,
{
    Deferred::with_canceller(move |this: &Deferred<T>| {
        if let Some(task) = task.upgrade() {
            task.cancel(this);
        }
    })
}

impl<F, T> Task<F, T>
where
    T: Send + 'static,
    F: Future + Send + 'static,
    F::Output: IntoOutcome<T>,
{
    /// Hands a poll to the scheduler; the phase is already `Scheduled`.
    fn schedule(self: Arc<Self>) {
        match &self.scheduler {
            Scheduler::Inline => trampoline::run_here(self),
            Scheduler::Reactor(reactor) => {
                let Some(reactor) = reactor.upgrade() else {
                    return self.abandon(Failure::new(ReactorError::Stopped));
                };
                let poll = PollOnReactor(Some(self));
                // Refused (stopped): the call is dropped, and its drop abandons the task.
                let _ = reactor.push_call(Job::new(move || poll.run()));
            }
        }
    }

    /// The task can never be polled again: drop the future, fail the Deferred.
    fn abandon(&self, failure: Failure) {
        let mut state = self.state.lock();
        if state.phase == Phase::Done {
            return;
        }
        state.phase = Phase::Done;
        let future = state.future.take();
        let target = state.target.take();
        state.awaiting.clear();
        drop(state);
        drop(future);
        if let Some(target) = target {
            if target.errback(failure).is_err() {
                log::debug!("abandoned task's Deferred was already fired");
            }
        }
    }

    /// One scheduled poll, repeated while wake-ups come in during it (note 7).
    fn poll_scheduled(self: Arc<Self>) {
        let mut state = self.state.lock();
        if state.phase != Phase::Scheduled {
            return; // abandoned or dropped by a cancel meanwhile
        }
        if state.drop_requested {
            state.phase = Phase::Done;
            let future = state.future.take();
            drop(state);
            drop(future);
            return;
        }
        state.phase = Phase::Running;
        let mut future = state
            .future
            .take()
            .expect("a scheduled task holds its future");
        drop(state);
        let waker = Waker::from(Arc::clone(&self));
        let mut cx = Context::from_waker(&waker);
        loop {
            let polled = {
                let _current = Current::enter(Arc::downgrade(&self) as Weak<dyn AwaitRegistry>);
                unwind::catch(|| future.as_mut().poll(&mut cx))
            };
            let outcome = match polled {
                Ok(Poll::Pending) => {
                    let mut state = self.state.lock();
                    if state.drop_requested {
                        state.phase = Phase::Done;
                        drop(state);
                        drop(future);
                        return;
                    }
                    match state.phase {
                        Phase::Running => {
                            state.phase = Phase::Idle;
                            state.future = Some(future);
                            return;
                        }
                        Phase::RunningWoken => match self.scheduler {
                            Scheduler::Inline => {
                                state.phase = Phase::Running;
                                continue;
                            }
                            Scheduler::Reactor(_) => {
                                // Back in the reactor's queue, behind the calls
                                // that came meanwhile: a busy future does not
                                // starve them.
                                state.phase = Phase::Scheduled;
                                state.future = Some(future);
                                drop(state);
                                return self.schedule();
                            }
                        },
                        other => unreachable!("a polled task was {other:?}"),
                    }
                }
                Ok(Poll::Ready(output)) => output.into_outcome(),
                Err(panic) => Outcome::Failure(panic),
            };
            let target = {
                let mut state = self.state.lock();
                state.phase = Phase::Done;
                state.awaiting.clear();
                state.target.take()
            };
            // The future's own values go before the Deferred fires, as a
            // returning coroutine's frame does.
            drop(future);
            if let Some(target) = target {
                deliver(&target, outcome);
            }
            return;
        }
    }

    /// `cancel` on one of the task's Deferreds (note 9): `link` is unfired,
    /// so it is the latest one.
    fn cancel(self: &Arc<Self>, link_cancelled: &Deferred<T>) {
        let mut state = self.state.lock();
        if state.phase == Phase::Done {
            return;
        }
        let awaited: Vec<Arc<dyn CancelAwaited>> = state
            .awaiting
            .iter()
            .filter_map(|(_, weak)| weak.upgrade())
            .collect();
        let running = matches!(state.phase, Phase::Running | Phase::RunningWoken);
        let drop_it = match self.cancel_mode {
            CancelMode::DropFuture => true,
            // Suspended, but not on a Deferred: nothing to pass the cancel to.
            CancelMode::Coroutine => awaited.is_empty() && !running,
        };
        if drop_it {
            // Drop the future (now unless it is being polled, else when its
            // poll returns); the engine fails the Deferred with
            // CancelledError once this returns.
            state.drop_requested = true;
            let future = if running {
                None
            } else {
                state.phase = Phase::Done;
                state.awaiting.clear();
                state.future.take()
            };
            drop(state);
            drop(future);
            return;
        }
        let next = link(Arc::downgrade(self));
        state.target = Some(next.clone());
        drop(state);
        // Twisted's `_handleCancelInlineCallbacks`: this link now waits for
        // the next one, which the future's output will fire...
        if link_cancelled
            .fire_outcome(Outcome::Deferred(next))
            .is_err()
        {
            log::debug!("a cancelled task link was fired meanwhile");
        }
        // ...and the future sees CancelledError where it waits.
        for d in awaited {
            d.cancel_awaited();
        }
    }
}

/// Fires the task's Deferred with the future's output (a Deferred: it
/// waits for it, as a handler's chain would).
fn deliver<T: Send + 'static>(target: &Deferred<T>, outcome: Outcome<T>) {
    if target.fire_outcome(outcome).is_err() {
        // Cancelled (the future's drop was asked for) or fired by its user.
        log::debug!("task output dropped: its Deferred was already fired");
    }
}

/// A poll handed to the reactor; dropped unrun (the reactor stopped, or was
/// dropped before it ran), it abandons the task, as `async-task`'s
/// `Runnable` cancels its task when dropped.
struct PollOnReactor<F: Future, T: 'static>(Option<Arc<Task<F, T>>>)
where
    T: Send,
    F: Send + 'static,
    F::Output: IntoOutcome<T>;

impl<F, T> PollOnReactor<F, T>
where
    T: Send + 'static,
    F: Future + Send + 'static,
    F::Output: IntoOutcome<T>,
{
    fn run(mut self) {
        if let Some(task) = self.0.take() {
            task.poll_scheduled();
        }
    }
}

impl<F, T> Drop for PollOnReactor<F, T>
where
    T: Send + 'static,
    F: Future + Send + 'static,
    F::Output: IntoOutcome<T>,
{
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abandon(Failure::new(ReactorError::Stopped));
        }
    }
}

impl<F, T> Run for Task<F, T>
where
    T: Send + 'static,
    F: Future + Send + 'static,
    F::Output: IntoOutcome<T>,
{
    fn run(self: Arc<Self>) {
        self.poll_scheduled();
    }
}

impl<F, T> Wake for Task<F, T>
where
    T: Send + 'static,
    F: Future + Send + 'static,
    F::Output: IntoOutcome<T>,
{
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    /// Note 6: only the wake-up that finds the task idle schedules a poll.
    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.lock();
        match state.phase {
            Phase::Idle => {
                state.phase = Phase::Scheduled;
                drop(state);
                Arc::clone(self).schedule();
            }
            Phase::Running => state.phase = Phase::RunningWoken,
            Phase::Scheduled | Phase::RunningWoken | Phase::Done => {}
        }
    }
}

/// A Deferred a task's future awaits, as the task's cancel sees it.
pub(crate) trait CancelAwaited: Send + Sync {
    /// Cancels the awaited Deferred.
    fn cancel_awaited(&self);
}

/// A task's list of the Deferreds its future awaits (note 8).
trait AwaitRegistry: Send + Sync {
    fn register(&self, awaited: std::sync::Weak<dyn CancelAwaited>) -> u64;
    fn deregister(&self, id: u64);
    /// Whether the Deferred of this [`identity`](Deferred::identity) is
    /// one the task's output fires: its first, or its latest link.
    fn fires(&self, identity: usize) -> bool;
}

impl<F, T> AwaitRegistry for Task<F, T>
where
    T: Send + 'static,
    F: Future + Send + 'static,
    F::Output: IntoOutcome<T>,
{
    fn register(&self, awaited: std::sync::Weak<dyn CancelAwaited>) -> u64 {
        let mut state = self.state.lock();
        let id = state.next_id;
        state.next_id += 1;
        state.awaiting.push((id, awaited));
        id
    }

    fn deregister(&self, id: u64) {
        let mut state = self.state.lock();
        if let Some(at) = state.awaiting.iter().position(|(i, _)| *i == id) {
            state.awaiting.swap_remove(at);
        }
    }
    fn fires(&self, identity: usize) -> bool {
        // Links between the first and the latest exist only after two
        // cancels, and only the task holds them: no future can await them.
        self.first == identity
            || self
                .state
                .lock()
                .target
                .as_ref()
                .is_some_and(|target| target.identity() == identity)
    }
}

thread_local! {
    /// The task whose future is being polled on this thread, innermost.
    static CURRENT: RefCell<Option<Weak<dyn AwaitRegistry>>> = RefCell::new(None);
}

/// Marks a task as the one being polled on this thread, for its duration.
struct Current(Option<Weak<dyn AwaitRegistry>>);

impl Current {
    /// From a thread-local destructor that runs after this thread's marker
    /// was torn down, the task is polled unmarked: the Deferreds it awaits
    /// during that poll are then not on its list, so a cancel of the task
    /// cannot reach them (the future still sees their results; the poll is
    /// what matters, and panicking here would abort the process).
    fn enter(task: Weak<dyn AwaitRegistry>) -> Current {
        Current(
            CURRENT
                .try_with(|c| c.borrow_mut().replace(task))
                .ok()
                .flatten(),
        )
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        let outer = self.0.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = outer);
    }
}

/// A Deferred's place in the list of the task that awaits it; leaving it
/// (when the await resolves or is dropped) takes it out.
pub(crate) struct Registration {
    task: Weak<dyn AwaitRegistry>,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(task) = self.task.upgrade() {
            task.deregister(self.id);
        }
    }
}

/// Whether `awaited` is a Deferred that the output of the task being polled
/// on this thread fires: awaiting it would wait forever, the task holding
/// itself in a cycle nobody frees, so the await fails with
/// `AlreadyChainedError` instead, as a handler returning its own Deferred
/// does (semantics §4). A cycle through other Deferreds (awaiting a
/// Deferred chained to the task's) is not seen, as for handlers.
pub(crate) fn fires_current_task<T: Send + 'static>(awaited: &Deferred<T>) -> bool {
    let Some(task) = CURRENT.try_with(|c| c.borrow().clone()).ok().flatten() else {
        return false;
    };
    task.upgrade()
        .is_some_and(|task| task.fires(awaited.identity()))
}

/// Puts an awaited Deferred on the list of the task being polled on this
/// thread, if a bridge task is polling (a foreign executor is not).
pub(crate) fn register_awaited(awaited: &Arc<dyn CancelAwaited>) -> Option<Registration> {
    let task = CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()?;
    let id = task.upgrade()?.register(Arc::downgrade(awaited));
    Some(Registration { task, id })
}
