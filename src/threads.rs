//! [`defer_to_thread`] and [`defer_to_thread_pool`]: run blocking code in a
//! thread pool and get its result as a Deferred that fires on the reactor
//! thread (Twisted's `deferToThread` and `deferToThreadPool`).

use crate::deferred::{catch_outcome, Deferred, IntoOutcome, Outcome};
use crate::failure::Failure;
use crate::job::Job;
use crate::mutant;
use crate::pool::{PoolStoppedError, ThreadPool};
use crate::reactor_threads::sealed::{Back, Target, WeakBack};
use crate::reactor_threads::ReactorThreads;

/// Runs `f` in the reactor's thread pool and returns a Deferred of its
/// result, fired on the reactor thread (Twisted's `deferToThread`).
///
/// `reactor` is any [`ReactorThreads`]: the [`Reactor`](crate::Reactor),
/// or in a test a [`MemoryReactor`](crate::testing::MemoryReactor), where
/// `f` runs (on the test's thread) only when the test says.
///
/// `f` may return anything [`IntoOutcome<T>`]: a value (callbacks get it), a
/// `Result<T, E>` (an `Err` goes to the errbacks), or a `Deferred<T>` (the
/// result waits for it, as Twisted's `d.callback(deferred)` does: cancelling
/// the returned Deferred meanwhile cancels that one; and whichever thread
/// fires it, its result is brought to the reactor thread before the
/// callbacks run there). A panic in `f` becomes a
/// [`PanicError`](crate::PanicError) failure. The worker hands the outcome
/// back with [`Reactor::call_from_thread`](crate::Reactor::call_from_thread), so the Deferred's callbacks run
/// on the reactor thread while the reactor keeps turning during `f`.
///
/// # Naming the type
///
/// A closure returning a value names the new Deferred's type. One
/// returning a `Result<U, E>` or a `Deferred<U>` does not, unless something
/// else does (a `let` with a type, a function's return type; a later
/// `add_callback` cannot): it could make a `Deferred<U>` (an `Err` fails
/// it) or a `Deferred<Result<U, E>>` (an `Err` is a value), and Rust stops
/// with E0283, "type annotations needed", a message no library can change.
/// Name it once: `let d: Deferred<u32> = defer_to_thread(&reactor, ||
/// "1".parse::<u32>());` (or `defer_to_thread::<u32, _, _>(..)`). A closure
/// that only panics names its return type: `|| -> u32 { panic!("1/0") }`.
/// Stable Rust cannot be told to prefer the first reading: the value case
/// is a blanket impl of [`IntoOutcome`], which a preferred impl for
/// `Result` would overlap (docs/semantics.md, "What infers, and what
/// cannot"). The same holds for every function that takes such a closure:
/// [`defer_to_thread_pool`], [`blocking_call_from_thread`](crate::blocking_call_from_thread),
/// [`DeferredLock::run`](crate::DeferredLock::run),
/// [`DeferredSemaphore::run`](crate::DeferredSemaphore::run),
/// [`defer_later`](crate::defer_later),
/// [`ThreadPool::call_in_thread_with_callback`](crate::ThreadPool::call_in_thread_with_callback),
/// [`maybe_deferred`](crate::maybe_deferred), [`ensure_deferred`](crate::ensure_deferred).
///
/// If the pool refuses the work (the reactor has stopped, so has its pool),
/// the returned Deferred has already failed with
/// [`PoolStoppedError`]; if the reactor is dropped
/// before it ever ran, its pool never started and drops the work unrun, and
/// the Deferred fails with `PoolStoppedError` then. If the reactor stops (or
/// is dropped) before the result can cross back (only possible with
/// [`defer_to_thread_pool`] and a pool that outlives the reactor, or one of
/// yours, started), the Deferred fires on the worker thread (or the thread
/// that drops the reactor) instead, rather than lose the result. The queued
/// work holds the [`Reactor`](crate::Reactor) weakly: it never keeps a
/// reactor alive.
///
/// ```
/// use deferred::{defer_to_thread, Reactor};
///
/// let reactor = Reactor::new();
/// let r = reactor.clone();
/// let d = defer_to_thread(&reactor, || (1..=20u64).product::<u64>());
/// d.add_callback(move |n| {
///     assert!(r.is_in_reactor_thread());
///     r.stop().unwrap();
///     n
/// });
/// reactor.run().unwrap();
/// assert_eq!(d.result().unwrap().unwrap(), 2_432_902_008_176_640_000);
/// ```
///
/// A `Result` needs its value type named, as with any handler:
///
/// ```
/// use deferred::{defer_to_thread, react, Deferred};
///
/// let result = react(|reactor| -> Deferred<i32> { defer_to_thread(reactor, || "x".parse::<i32>()) });
/// assert!(result.is_err());
/// ```
///
/// The work crosses to another thread, so it must be `Send`: capturing an
/// `Rc` does not compile.
///
/// ```compile_fail
/// use deferred::{defer_to_thread, Reactor};
///
/// let reactor = Reactor::new();
/// let shared = std::rc::Rc::new(5);
/// let _d = defer_to_thread(&reactor, move || *shared);
/// ```
#[must_use = "the work runs anyway, but the Deferred is the only way to its result"]
pub fn defer_to_thread<T, F, R>(reactor: &(impl ReactorThreads + ?Sized), f: F) -> Deferred<T>
where
    T: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
    R: IntoOutcome<T>,
{
    match reactor.target() {
        Target::Real(real) => defer_to_thread_pool(real, real.thread_pool(), f),
        target @ Target::Memory(memory) => defer_to(target, f, |job| memory.submit(job)),
    }
}

/// [`defer_to_thread`] with a pool of your choosing (Twisted's
/// `deferToThreadPool`): `f` runs in `pool`, the Deferred fires on
/// `reactor`'s thread (any [`ReactorThreads`]).
///
/// A closure returning a `Result` or a `Deferred` needs the type named
/// once, as for [`defer_to_thread`](defer_to_thread#naming-the-type):
/// `let d: Deferred<u32> = defer_to_thread_pool(&reactor, &pool, || "1".parse::<u32>());`.
///
/// ```
/// use deferred::{defer_to_thread_pool, Reactor, ThreadPool};
///
/// let pool = ThreadPool::builder().max_threads(2).name_prefix("db").build().unwrap();
/// let reactor = Reactor::new();
/// let r = reactor.clone();
/// let d = defer_to_thread_pool(&reactor, &pool, || std::thread::current().name().unwrap().to_owned());
/// d.add_both(move |name| { r.stop().unwrap(); name });
/// reactor.run().unwrap();
/// assert_eq!(d.result().unwrap().unwrap(), "db-0");
/// ```
#[must_use = "the work runs anyway, but the Deferred is the only way to its result"]
pub fn defer_to_thread_pool<T, F, R>(
    reactor: &(impl ReactorThreads + ?Sized),
    pool: &ThreadPool,
    f: F,
) -> Deferred<T>
where
    T: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
    R: IntoOutcome<T>,
{
    defer_to(reactor.target(), f, |job| pool.submit(job))
}

/// Both: `f`'s job goes out through `submit`, and its outcome comes back
/// to `reactor`.
fn defer_to<T, F, R>(
    reactor: Target<'_>,
    f: F,
    submit: impl FnOnce(Job) -> Result<(), crate::PoolStoppedError>,
) -> Deferred<T>
where
    T: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
    R: IntoOutcome<T>,
{
    let d = Deferred::new();
    let work = ToThread {
        work: f,
        unrun: Unrun {
            target: Some(d.clone()),
            reactor: reactor.to_weak_back(),
        },
    };
    reactor.job_out();
    // Refused: `submit` dropped the job, whose drop uncounted it and
    // failed `d` with `PoolStoppedError`.
    let _refused = submit(Job::new(move || work.run()));
    d
}

/// The work `defer_to_thread` queues: run on a worker, it sends the outcome
/// to the reactor as a [`Delivery`], which fires the Deferred there. Both
/// are kept inline in the queues' slots when they fit ([`Job`]): no
/// allocation but the Deferred's.
///
/// It holds a [`Reactor`](crate::Reactor) weakly: a job queued in the pool
/// of a reactor that never runs must not keep that reactor (and so the pool
/// holding the job) alive (issue 17 item 4). Dropped without running, it
/// still fires its Deferred (see [`Unrun`]).
struct ToThread<F, T: Send + 'static> {
    /// The work.
    work: F,
    /// The Deferred to fire and where to send the result.
    unrun: Unrun<T>,
}

/// The part of a [`ToThread`] that fails its Deferred with
/// [`PoolStoppedError`] if the work is dropped unrun (refused by a stopped
/// pool, or discarded by the stop of a pool that never started: a reactor
/// dropped without running), rather than leave it pending for ever.
struct Unrun<T: Send + 'static> {
    /// The Deferred to fire; taken when the work runs.
    target: Option<Deferred<T>>,
    /// Where to send the result.
    reactor: WeakBack,
}

impl<T: Send + 'static> Drop for Unrun<T> {
    fn drop(&mut self) {
        if let Some(target) = self.target.take() {
            if let Some(reactor) = self.reactor.upgrade() {
                reactor.job_not_out();
            }
            if !mutant::on("threads_unrun_not_failed") {
                fire_or_log(&target, Err(Failure::new(PoolStoppedError)));
            }
        }
    }
}

impl<F, R, T> ToThread<F, T>
where
    T: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
    R: IntoOutcome<T>,
{
    /// Runs the work (on a worker) and sends its outcome back.
    fn run(self) {
        let ToThread { work, mut unrun } = self;
        let outcome = catch_outcome(|| work().into_outcome());
        let Some(target) = unrun.target.take() else {
            unreachable!("the work runs once, with its Deferred")
        };
        let Some(reactor) = unrun.reactor.upgrade() else {
            // The reactor was dropped without running (and the pool is not
            // its own): no reactor thread will ever be, so the Deferred
            // fires here, rather than never.
            return deliver(&target, outcome);
        };
        let outcome = match outcome {
            // The job returned a Deferred: whoever fires it, on whatever
            // thread, the callbacks must still run on the reactor thread, so
            // the target waits on a relay that is fired there.
            Outcome::Deferred(inner) if !mutant::on("threads_no_relay") => {
                Outcome::Deferred(relay_to_reactor(&reactor, inner))
            }
            done => done,
        };
        let delivery = Delivery {
            target,
            outcome: Some(outcome),
        };
        if let Err(back) = reactor.push_call(Job::returning(move || delivery.run())) {
            // The reactor has stopped: nowhere else to fire it.
            back.run();
        }
    }
}

/// A job's outcome on its way back to the reactor thread, where it fires
/// the Deferred. Dropped unrun (the calls of a reactor dropped without
/// running), it fires the Deferred with that outcome, here, rather than
/// lose it.
struct Delivery<T: Send + 'static> {
    /// The Deferred to fire.
    target: Deferred<T>,
    /// The outcome; taken when it runs.
    outcome: Option<Outcome<T>>,
}

impl<T: Send + 'static> Delivery<T> {
    /// Fires the Deferred.
    fn run(mut self) {
        if let Some(outcome) = self.outcome.take() {
            deliver(&self.target, outcome);
        }
    }
}

impl<T: Send + 'static> Drop for Delivery<T> {
    fn drop(&mut self) {
        if let Some(outcome) = self.outcome.take() {
            if !mutant::on("threads_result_lost_at_drop") {
                deliver(&self.target, outcome);
            }
        }
    }
}

/// Fires `d` with the outcome of the work (a value, a failure, or the relay
/// to wait on), on the reactor thread (or on the worker, if the reactor has
/// stopped).
fn deliver<T: Send + 'static>(d: &Deferred<T>, outcome: Outcome<T>) {
    if d.fire_outcome(outcome).is_err() {
        log::debug!("defer_to_thread result dropped: its Deferred was already fired");
    }
}

/// A Deferred that fires with `inner`'s result on the reactor thread;
/// cancelling it cancels `inner`. It consumes `inner`, as a Deferred a
/// handler returns is consumed by the chain that waits on it.
fn relay_to_reactor<T: Send + 'static>(reactor: &Back, inner: Deferred<T>) -> Deferred<T> {
    let source = inner.downgrade();
    let relay = Deferred::with_canceller(move |_| {
        if let Some(inner) = source.upgrade() {
            inner.cancel();
        }
    });
    // Weakly, as `ToThread`: `inner` may be kept by something the reactor
    // holds.
    let (target, reactor) = (relay.clone(), reactor.downgrade());
    let _consumed: Deferred<()> = inner.then(move |result| {
        let fire = Job::new(move || fire_or_log(&target, result));
        match reactor.upgrade() {
            Some(reactor) if reactor.is_in_reactor_thread() => fire.run(),
            Some(reactor) => {
                if let Err(fire) = reactor.push_call(fire) {
                    // The reactor has stopped: nowhere else to fire it.
                    fire.run();
                }
            }
            // The reactor is gone: nowhere else to fire it.
            None => fire.run(),
        }
    });
    relay
}

/// Fires `d`; one that was already fired (by its user, or cancelled and
/// fired since) keeps its result, and we say so in the log.
fn fire_or_log<T: Send + 'static>(d: &Deferred<T>, result: Result<T, Failure>) {
    if d.fire(result).is_err() {
        log::debug!("defer_to_thread result dropped: its Deferred was already fired");
    }
}

#[cfg(test)]
mod tests {
    use super::{Delivery, ToThread};
    use crate::job::Job;
    use std::sync::Arc;

    /// Whether `defer_to`'s job (`move || work.run()`, a `ToThread` alone)
    /// and `ToThread::run`'s (`move || delivery.run()`) are kept inline,
    /// for work `F` making a `T`.
    fn out_and_back<F, T>(_: &F) -> (bool, bool)
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        (
            Job::keeps_inline::<ToThread<F, T>>(),
            Job::keeps_inline::<Delivery<T>>(),
        )
    }

    /// Issue 19: a `defer_to_thread` job whose work captures up to two
    /// words, making a result of up to three words, goes out and comes back
    /// kept inline in the queues' slots: no allocation but the Deferred's.
    /// A larger closure is boxed, as every job was before.
    #[test]
    fn small_work_and_its_result_travel_inline() {
        let (shared, n) = (Arc::new(5u64), 2u64);
        assert_eq!(out_and_back(&move || *shared + n), (true, true));
        assert_eq!(
            out_and_back(&move || format!("{n}")),
            (true, true),
            "a String result (three words) comes back inline"
        );
        let big = [1u64; 3];
        assert_eq!(
            out_and_back(&move || big[2]),
            (false, true),
            "three words of captures are boxed"
        );
    }
}
