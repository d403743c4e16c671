//! The steps on a real reactor. Every wait is bounded by [`WATCHDOG`]: a
//! step that does not finish by then is a hang, and the test fails with a
//! message naming it (the stuck threads are left behind; the suite goes on).

use std::any::Any;
use std::cell::RefCell;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use deferred::testing::yield_now;
use deferred::{
    blocking_call_from_thread, defer_later, defer_to_thread, defer_to_thread_pool, ensure_deferred,
    gather_results, race, AlreadyChainedError, CancelledError, Deferred, DeferredList,
    DeferredLock, DeferredQueue, DeferredSemaphore, DelayedCallError, Failure, FailureGroup,
    FirstError, LoopingCall, LoopingCallError, PoolStoppedError, Reactor, ReactorError,
    ReactorThreadError, ThreadPool,
};

use super::model::{Later, Model, Now};
use super::{Call, Combinator, Context, Op, Phase, Primitive};

/// How long any one wait may take before it counts as a hang. Generous:
/// the suite runs on two loaded cores, and this is a hang detector, not a
/// timing assertion.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// An hour: a timer that never falls due during a case.
const HOUR: Duration = Duration::from_secs(3600);

/// What a Deferred holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Not fired yet.
    Unfired,
    /// Fired with this value.
    Value(i64),
    /// Failed, with this kind of error.
    Failed(&'static str),
}

/// The kind of error a failure carries.
pub fn kind(f: &Failure) -> &'static str {
    if let Some(e) = f.downcast_ref::<ReactorError>() {
        return match e {
            ReactorError::Stopped => "Stopped",
            _ => "ReactorError",
        };
    }
    if f.check::<PoolStoppedError>() {
        "PoolStopped"
    } else if f.check::<ReactorThreadError>() {
        "ReactorThread"
    } else if f.check::<FirstError>() {
        "FirstError"
    } else if f.check::<FailureGroup>() {
        "FailureGroup"
    } else if f.check::<AlreadyChainedError>() {
        "AlreadyChained"
    } else if f.check::<CancelledError>() {
        "Cancelled"
    } else {
        "other"
    }
}

fn seen<T: Clone + Send + 'static>(d: &Deferred<T>, value: impl Fn(T) -> i64) -> Seen {
    match d.result() {
        None => Seen::Unfired,
        Some(Ok(v)) => Seen::Value(value(v)),
        Some(Err(f)) => Seen::Failed(kind(&f)),
    }
}

/// The immediate answer a Deferred gives: not failed, or failed with a
/// documented error.
fn deferred_now(s: Seen) -> Result<Now, String> {
    match s {
        Seen::Unfired | Seen::Value(_) => Ok(Now::Ok),
        Seen::Failed("Stopped") => Ok(Now::Refused),
        Seen::Failed("PoolStopped") => Ok(Now::PoolStopped),
        Seen::Failed("FirstError") => Ok(Now::FirstError),
        Seen::Failed("FailureGroup") => Ok(Now::FailureGroup),
        Seen::Failed(other) => Err(format!("failed at once with {other}")),
    }
}

/// Whether the real answer is the model's.
fn agrees(want: Now, got: &Result<Now, String>) -> bool {
    match (want, got) {
        (want, Ok(got)) => want == *got,
        _ => false,
    }
}

/// What one operation left to check later.
struct Item {
    what: String,
    /// Runs of its closure.
    ran: Option<Arc<AtomicUsize>>,
    /// What its Deferred holds now.
    observe: Option<Box<dyn Fn() -> Seen + Send>>,
    /// Runs expected by the time `run` returned.
    want_ran: Option<usize>,
    /// What its Deferred must hold by then (`None`: anything).
    want_seen: Option<Seen>,
    /// A timer it made, inactive after the stop.
    timer: Option<deferred::DelayedCall>,
    /// A blocking call's answer, to come.
    answer: Option<Receiver<Seen>>,
    /// Handles kept alive until the drop.
    keep: Vec<Box<dyn Any + Send>>,
    /// Made before `run`.
    before_run: bool,
    /// Runs of its closure when the call returned.
    ran_at_once: usize,
    /// The operation.
    call: Option<Call>,
}

/// An operation made, before its answer is checked.
struct Step {
    what: String,
    call: Call,
    now: Now,
    later: Later,
    /// Runs of its closure.
    ran: Arc<AtomicUsize>,
}

/// What an operation returns to the test thread.
struct Done {
    now: Result<Now, String>,
    item: Option<Item>,
    timer: Option<deferred::DelayedCall>,
    looping: Option<(LoopingCall, Deferred<LoopingCall>)>,
}

impl Done {
    fn now(now: Result<Now, String>) -> Done {
        Done {
            now,
            item: None,
            timer: None,
            looping: None,
        }
    }
}

fn new_item(ran: Option<Arc<AtomicUsize>>) -> Item {
    Item {
        what: String::new(),
        ran,
        observe: None,
        want_ran: None,
        want_seen: None,
        timer: None,
        answer: None,
        keep: Vec::new(),
        before_run: false,
        ran_at_once: 0,
        call: None,
    }
}

/// Runs a closure from a thread-local's destructor: the slot is registered
/// before the crate's thread-locals (a warm-up touches them after), so the
/// crate's are destroyed first, as at any thread's end.
struct AtExit(RefCell<Option<Box<dyn FnOnce()>>>);

impl Drop for AtExit {
    fn drop(&mut self) {
        if let Some(f) = self.0.get_mut().take() {
            f();
        }
    }
}

std::thread_local! {
    static AT_EXIT: AtExit = const { AtExit(RefCell::new(None)) };
}

/// Touches the crate's thread-locals (the handoff's, the task's, the
/// trampoline's) so that they exist, and are destroyed before `AT_EXIT`.
fn warm_up() {
    let lock = DeferredLock::new();
    let _first = lock.acquire();
    let _second = lock.acquire();
    let _ = lock.release();
    let _ = lock.release();
    let d = Deferred::<i64>::new();
    let waits: Deferred<i64> = ensure_deferred({
        let d = d.clone();
        async move { d.await }
    });
    let _ = d.callback(1);
    drop(waits);
}

/// The system under test.
pub struct Real {
    reactor: Option<Reactor>,
    /// Every closure handed to the crate holds a clone: after the drop its
    /// count must be one again.
    token: Arc<()>,
    /// The `Worker` context's pool.
    helpers: Arc<ThreadPool>,
    run_done: Option<Receiver<Result<(), ReactorError>>>,
    run_thread: Option<JoinHandle<()>>,
    /// Releases the job that holds the reactor in its stop.
    gate: Option<std::sync::mpsc::Sender<()>>,
    items: Vec<Item>,
    /// Operations queued for the stop's final drain, answered once `run` returned.
    drained: Vec<(Step, Receiver<Done>)>,
    timer: Option<deferred::DelayedCall>,
    looping: Option<(LoopingCall, Deferred<LoopingCall>)>,
    loops: Vec<LoopingCall>,
    /// The steps so far, for the messages.
    pub steps: Vec<String>,
}

impl std::fmt::Debug for Real {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Real").field("steps", &self.steps).finish()
    }
}

impl Default for Real {
    fn default() -> Self {
        Real {
            reactor: Some(Reactor::new()),
            token: Arc::new(()),
            helpers: Arc::new(
                ThreadPool::builder()
                    .max_threads(64)
                    .name_prefix("lifecycle-helper")
                    .build()
                    .expect("valid sizes"),
            ),
            run_done: None,
            run_thread: None,
            gate: None,
            items: Vec::new(),
            drained: Vec::new(),
            timer: None,
            looping: None,
            loops: Vec::new(),
            steps: Vec::new(),
        }
    }
}

impl Real {
    fn fail(&self, what: &str) -> ! {
        panic!("{what}\n  steps: {:#?}", self.steps)
    }

    fn reactor(&self) -> Reactor {
        match &self.reactor {
            Some(r) => r.clone(),
            None => self.fail("no reactor left"),
        }
    }

    /// A hang: the stuck threads cannot be freed, and shrinking would meet
    /// the same hang at every try, so the process ends here, after saying
    /// which step hung and the steps that led there.
    fn hang(&self, what: &str) -> ! {
        // Straight to stderr: the test harness's capture of `eprintln!` is
        // lost when the process exits.
        let _ = writeln!(
            std::io::stderr(),
            "\nHANG in the lifecycle machine: {what} within {WATCHDOG:?}\n  steps: {:#?}",
            self.steps
        );
        std::process::exit(101)
    }

    fn wait<T>(&self, rx: &Receiver<T>, what: &str) -> T {
        match rx.recv_timeout(WATCHDOG) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => self.hang(&format!("{what} did not finish")),
            Err(RecvTimeoutError::Disconnected) => self.fail(&format!(
                "{what}: its thread ended without an answer (panic or drop)"
            )),
        }
    }

    fn wait_until(&self, what: &str, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        while !done() {
            if start.elapsed() > WATCHDOG {
                self.hang(what);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Starts `f` on `ctx`; the answer comes on the receiver.
    fn start_in<R: Send + 'static>(
        &self,
        ctx: Context,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Receiver<R> {
        let (tx, rx) = channel();
        let job = move || {
            let _ = tx.send(f());
        };
        match ctx {
            Context::ReactorThread => {
                if self.reactor().call_from_thread(job).is_err() {
                    self.fail("the running reactor refused a call_from_thread");
                }
            }
            Context::ReactorWorker => {
                if self.reactor().thread_pool().call_in_thread(job).is_err() {
                    self.fail("the running reactor's pool refused a job");
                }
            }
            Context::Worker => {
                if self.helpers.call_in_thread(job).is_err() {
                    self.fail("the helper pool refused a job");
                }
            }
            Context::OtherThread => {
                std::thread::spawn(job);
            }
            Context::TlsDestructor => {
                std::thread::spawn(move || {
                    AT_EXIT.with(|slot| *slot.0.borrow_mut() = Some(Box::new(job)));
                    warm_up();
                });
            }
        }
        rx
    }

    fn in_context<R: Send + 'static>(
        &self,
        ctx: Context,
        what: &str,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> R {
        let rx = self.start_in(ctx, f);
        self.wait(&rx, &format!("{what} from {ctx:?}"))
    }

    /// Waits until every call and due timer handed to the running reactor so
    /// far has run: a zero-delay timer runs after the calls counted before
    /// it and after the timers due before it.
    fn sync(&self) {
        let (tx, rx) = channel();
        if self
            .reactor()
            .call_later(Duration::ZERO, move || {
                let _ = tx.send(());
            })
            .is_err()
        {
            self.fail("the running reactor refused a timer");
        }
        self.wait(&rx, "a zero-delay timer on the running reactor");
    }

    /// Applies `op`, checked against `model` (the state before `op`).
    pub fn apply(&mut self, model: &Model, op: &Op) {
        self.steps.push(format!("{op:?} (in {:?})", model.phase()));
        match op {
            Op::Run => {
                let (tx, rx) = channel();
                let r = self.reactor();
                self.run_thread = Some(
                    std::thread::Builder::new()
                        .name("lifecycle-reactor".into())
                        .spawn(move || {
                            let _ = tx.send(r.run());
                        })
                        .expect("a thread"),
                );
                self.run_done = Some(rx);
                let r = self.reactor();
                self.wait_until("run did not start the loop", || r.is_running());
            }
            Op::Stop(ctx) => {
                self.sync();
                let (started_tx, started_rx) = channel();
                let (release_tx, release_rx) = channel::<()>();
                let accepted = self.reactor().thread_pool().call_in_thread(move || {
                    let _ = started_tx.send(());
                    let _ = release_rx.recv_timeout(WATCHDOG);
                });
                if accepted.is_err() {
                    self.fail("the running reactor's pool refused a job");
                }
                self.wait(&started_rx, "the job that holds the stop");
                self.gate = Some(release_tx);
                self.stop_from(*ctx);
                let r = self.reactor();
                self.wait_until("the stop did not reach the pool's stop", || {
                    r.thread_pool().is_stopped()
                });
            }
            Op::Finish => {
                self.gate = None; // the held job returns
                self.await_run();
            }
            Op::StopAndWait(ctx) => {
                self.sync();
                self.stop_from(*ctx);
                self.await_run();
            }
            Op::Drop(ctx) => self.drop_all(model.phase(), *ctx),
            Op::Call(ctx, call) => {
                let (now, later) = model.expect(*ctx, *call);
                self.call(model.phase(), *ctx, *call, now, later);
            }
        }
    }

    fn stop_from(&self, ctx: Context) {
        let r = self.reactor();
        let stopped = self.in_context(ctx, "stop", move || r.stop());
        if stopped.is_err() {
            self.fail(&format!("stop of a running reactor: {stopped:?}"));
        }
    }

    /// Waits for `run` to return, then checks every item.
    fn await_run(&mut self) {
        let rx = self.run_done.take().expect("run was started");
        let ran = self.wait(&rx, "run (after the stop)");
        if ran.is_err() {
            self.fail(&format!("run returned {ran:?}"));
        }
        if let Some(t) = self.run_thread.take() {
            let _ = t.join();
        }
        // threads.md, shutdown step 3: the pool ran its queued jobs and
        // joined every worker.
        let stats = self.reactor().thread_pool().stats();
        if (stats.threads, stats.queued, stats.busy) != (0, 0, 0) {
            self.fail(&format!("run returned, but its pool reports {stats:?}"));
        }
        for (step, rx) in std::mem::take(&mut self.drained) {
            let done = self.wait(&rx, &step.what);
            self.record(Phase::Stopping, step, done);
        }
        self.check_items(false);
    }

    /// Checks what became of each item's work, once `run` returned
    /// (`unrun`: the reactor was dropped without running).
    fn check_items(&mut self, unrun: bool) {
        let items = std::mem::take(&mut self.items);
        for item in &items {
            let (want_ran, want_seen) = if unrun && item.before_run {
                // Work queued on a reactor that never ran never runs (what
                // ran at once, a loop's first call, stays the only run).
                // semantics.md's misuse table: a task's Deferred fails with
                // Stopped, a `defer_to_thread`'s with PoolStoppedError (and
                // so the combinators over them), a timer's stays unfired.
                let want = match item.call {
                    Some(Call::Spawn { .. } | Call::FromFuture | Call::SpawnAwaitsTimer) => {
                        Seen::Failed("Stopped")
                    }
                    Some(Call::DeferToThread | Call::EnsureAwaitsThread) => {
                        Seen::Failed("PoolStopped")
                    }
                    Some(Call::Combine {
                        kind: Combinator::Gather,
                        ..
                    }) => Seen::Failed("FirstError"),
                    Some(Call::Combine {
                        kind: Combinator::Race,
                        ..
                    }) => Seen::Failed("FailureGroup"),
                    Some(Call::Combine {
                        kind: Combinator::List,
                        ..
                    }) => Seen::Value(2),
                    // Its pool outlives the reactor: the result is
                    // delivered on the worker or the dropping thread
                    // (semantics.md's misuse table).
                    Some(Call::DeferToPool) => Seen::Value(7),
                    _ => Seen::Unfired,
                };
                let want_ran = if item.call == Some(Call::DeferToPool) {
                    item.want_ran // its own pool runs it
                } else {
                    item.want_ran.map(|_| item.ran_at_once)
                };
                (want_ran, Some(want))
            } else {
                (item.want_ran, item.want_seen)
            };
            if let Some(observe) = &item.observe {
                if let Some(Seen::Value(_)) = want_seen {
                    // A job on a pool that outlives the reactor
                    // (`defer_to_thread_pool`) may deliver after `run`
                    // returned, on its worker (threads.md): wait for it.
                    let start = Instant::now();
                    while observe() == Seen::Unfired && start.elapsed() < WATCHDOG {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                let got = observe();
                let fine = match want_seen {
                    Some(want) => got == want,
                    None => !matches!(got, Seen::Value(_)),
                };
                if !fine {
                    self.fail(&format!(
                        "{}: its Deferred holds {got:?}, the model says {want_seen:?}",
                        item.what
                    ));
                }
            }
            if let (Some(want), Some(ran)) = (want_ran, &item.ran) {
                let ran = ran.load(Ordering::SeqCst);
                if ran != want {
                    self.fail(&format!(
                        "{}: its closure ran {ran} times, not {want}",
                        item.what
                    ));
                }
            }
            if let Some(timer) = &item.timer {
                if timer.is_active() {
                    self.fail(&format!(
                        "{}: its timer is still active after the stop",
                        item.what
                    ));
                }
            }
            if let Some(answer) = &item.answer {
                let got = self.wait(answer, &item.what);
                let want = if unrun {
                    Seen::Failed("Stopped")
                } else {
                    want_seen.unwrap_or(Seen::Value(7))
                };
                if got != want {
                    self.fail(&format!("{}: answered {got:?}, not {want:?}", item.what));
                }
            }
        }
        // Kept until the drop: the handles and Deferreds are part of what
        // the drop must free.
        self.items = items
            .into_iter()
            .map(|mut item| {
                item.ran = None;
                item.observe = None;
                item.want_ran = None;
                item.want_seen = None;
                item.timer = None;
                item.answer = None;
                item
            })
            .collect();
    }

    /// Drops every handle, then checks that nothing the crate was handed is left.
    fn drop_all(&mut self, phase: Phase, ctx: Context) {
        let unrun = phase == Phase::Unstarted;
        if !unrun {
            // What was made after the stop.
            self.check_items(false);
        }
        // The last handles that hold the reactor go on `ctx`'s thread:
        // whatever their drop runs (a reactor dropped unrun fails its
        // tasks and pool work) runs there.
        let handles = (
            self.reactor.take(),
            self.timer.take(),
            self.looping.take(),
            std::mem::take(&mut self.loops),
        );
        self.in_context(ctx, "the drop of the last reactor handles", move || {
            drop(handles)
        });
        if unrun {
            self.check_items(true);
        }
        self.items.clear();
        let token = Arc::clone(&self.token);
        // Every closure was consumed or dropped before its thread answered;
        // a short grace covers a thread still unwinding its stack.
        let start = Instant::now();
        while Arc::strong_count(&token) != 2 {
            if start.elapsed() > Duration::from_secs(5) {
                self.fail(&format!(
                    "LEAK: {} closures handed to the crate were not dropped after the last handle",
                    Arc::strong_count(&token) - 2
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Drives the reactor to the end of its life and checks the drop
    /// (every case ends here).
    pub fn teardown(mut self, model: &Model) {
        let mut phase = model.phase();
        if phase == Phase::Unstarted && !model.allows(&Op::Drop(Context::OtherThread)) {
            self.apply(model, &Op::Run);
            phase = Phase::Running;
        }
        let mut model = model.clone();
        model.phase = Some(phase);
        for op in [
            Op::StopAndWait(Context::OtherThread),
            Op::Finish,
            Op::Drop(Context::OtherThread),
        ] {
            if model.allows(&op) {
                self.apply(&model, &op);
                model.apply(&op);
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn call(&mut self, phase: Phase, ctx: Context, call: Call, now: Now, later: Later) {
        let what = format!("{call:?} from {ctx:?} while {phase:?}");
        let reactor = self.reactor.clone();
        let token = Arc::clone(&self.token);
        let ran = Arc::new(AtomicUsize::new(0));
        let counted = {
            let (ran, token) = (Arc::clone(&ran), Arc::clone(&token));
            move || {
                let _token = &token;
                ran.fetch_add(1, Ordering::SeqCst);
            }
        };
        let timer = self.timer.clone();
        let helpers = Arc::clone(&self.helpers);
        let looping = self.looping.clone();
        let seven = {
            let counted = counted.clone();
            move || {
                counted();
                7i64
            }
        };
        let body = move || -> Done {
            let r = || reactor.clone().expect("a reactor in this phase");
            let unit = |result: Result<(), ReactorError>| match result {
                Ok(()) => Ok(Now::Ok),
                Err(ReactorError::Stopped) => Ok(Now::Refused),
                Err(e) => Err(format!("{e:?}")),
            };
            let misuse = |result: Result<(), ReactorError>| match result {
                Err(ReactorError::AlreadyRunning) => Ok(Now::AlreadyRunning),
                Err(ReactorError::NotRestartable) => Ok(Now::NotRestartable),
                Err(ReactorError::NotRunning) => Ok(Now::ReactorNotRunning),
                other => Err(format!("{other:?}")),
            };
            match call {
                Call::RunAgain => Done::now(misuse(r().run())),
                Call::StopAgain => Done::now(misuse(r().stop())),
                Call::CallFromThread => Done::now(unit(r().call_from_thread(counted))),
                Call::CallWhenRunning => Done::now(unit(r().call_when_running(counted))),
                Call::CallLater { soon } => {
                    let delay = if soon { Duration::ZERO } else { HOUR };
                    match r().call_later(delay, counted) {
                        Ok(dc) => Done {
                            timer: Some(dc),
                            ..Done::now(Ok(Now::Ok))
                        },
                        Err(e) => Done::now(unit(Err(e))),
                    }
                }
                Call::CancelTimer => match timer {
                    None => Done::now(Ok(Now::Nothing)),
                    Some(dc) => Done::now(match dc.cancel() {
                        Ok(()) if !dc.is_active() => Ok(Now::Ok),
                        Ok(()) => Err("cancelled, yet active".into()),
                        Err(_) if dc.is_active() => Err("cancel refused, yet active".into()),
                        Err(DelayedCallError::AlreadyCancelled) => Ok(Now::AlreadyCancelled),
                        Err(DelayedCallError::Discarded) => Ok(Now::Discarded),
                        Err(e) => Err(format!("cancel: {e:?}")),
                    }),
                },
                Call::ResetTimer { delay } => match timer {
                    None => Done::now(Ok(Now::Nothing)),
                    Some(dc) => Done::now(
                        match if delay {
                            dc.delay(HOUR)
                        } else {
                            dc.reset(HOUR)
                        } {
                            Ok(()) if dc.is_active() => Ok(Now::Ok),
                            Ok(()) => Err("reset Ok, but the timer is not active".into()),
                            Err(_) if dc.is_active() => Err("reset refused, yet active".into()),
                            Err(DelayedCallError::Discarded) => Ok(Now::Discarded),
                            Err(DelayedCallError::AlreadyCancelled) => Ok(Now::AlreadyCancelled),
                            Err(e) => Err(format!("reset: {e:?}")),
                        },
                    ),
                },
                Call::DeferToThread => {
                    let d: Deferred<i64> = defer_to_thread(&r(), seven);
                    deferred_done(d, |v| v)
                }
                Call::Spawn { yields } => {
                    let d: Deferred<i64> = r().spawn(async move {
                        let _token = token;
                        if yields {
                            loop {
                                yield_now().await;
                            }
                        }
                        seven()
                    });
                    deferred_done(d, |v| v)
                }
                Call::SpawnAwaitsTimer => {
                    let later: Deferred<i64> = defer_later(&r(), HOUR, seven);
                    let d: Deferred<i64> = r().spawn(async move {
                        let _token = token;
                        later.await
                    });
                    deferred_done(d, |v| v)
                }
                Call::EnsureAwaitsThread => {
                    let job: Deferred<i64> = defer_to_thread(&r(), seven);
                    let d: Deferred<i64> = ensure_deferred(async move {
                        let _token = token;
                        job.await
                    });
                    deferred_done(d, |v| v)
                }
                Call::DeferToPool => {
                    let d: Deferred<i64> = defer_to_thread_pool(&r(), &helpers, seven);
                    deferred_done(d, |v| v)
                }
                Call::CallWithCallback => {
                    let on_result = {
                        let counted = counted.clone();
                        move |result: Result<i64, Failure>| {
                            if result.ok() == Some(7) {
                                counted();
                            }
                        }
                    };
                    Done::now(
                        match r()
                            .thread_pool()
                            .call_in_thread_with_callback(on_result, seven)
                        {
                            Ok(()) => Ok(Now::Ok),
                            Err(_) => Ok(Now::PoolStopped),
                        },
                    )
                }
                Call::FromFuture => {
                    let d: Deferred<i64> = Deferred::from_future(&r(), async move {
                        let _token = token;
                        seven()
                    });
                    deferred_done(d, |v| v)
                }
                Call::LoopStart { now } => {
                    let lc = LoopingCall::new(&r(), counted);
                    match lc.start(HOUR, now) {
                        Ok(d) => Done {
                            looping: Some((lc, d.clone())),
                            ..Done::now(match seen(&d, |_| 0) {
                                Seen::Unfired => Ok(Now::Ok),
                                Seen::Failed("Stopped") => Ok(Now::Refused),
                                other => {
                                    Err(format!("the loop's Deferred holds {other:?} at once"))
                                }
                            })
                        },
                        Err(e) => Done::now(Err(format!("start: {e:?}"))),
                    }
                }
                Call::LoopStop => match looping {
                    None => Done::now(Ok(Now::Nothing)),
                    Some((lc, d)) => Done::now(match lc.stop() {
                        Ok(()) if seen(&d, |_| 0) == Seen::Value(0) => Ok(Now::Ok),
                        Ok(()) => Err(format!("stopped; its Deferred holds {:?}", seen(&d, |_| 0))),
                        Err(LoopingCallError::NotRunning) => Ok(Now::NotRunning),
                        Err(e) => Err(format!("stop: {e:?}")),
                    }),
                },
                Call::AddTimeout { fire } => {
                    let d = Deferred::<i64>::new();
                    let added = d.add_timeout(HOUR, &r()).map(|_| ());
                    if added.is_ok() && fire {
                        let _ = d.callback(5);
                        return Done::now(match seen(&d, |v| v) {
                            Seen::Value(5) => Ok(Now::Value(5)),
                            other => Err(format!("fired with 5, holds {other:?}")),
                        });
                    }
                    let mut done = Done::now(unit(added));
                    let mut item = new_item(None);
                    let kept = d.clone();
                    item.observe = Some(Box::new(move || seen(&kept, |v| v)));
                    item.keep.push(Box::new(d));
                    done.item = Some(item);
                    done
                }
                Call::DeferLater { soon } => {
                    let delay = if soon { Duration::ZERO } else { HOUR };
                    let d: Deferred<i64> = defer_later(&r(), delay, seven);
                    deferred_done(d, |v| v)
                }
                Call::BlockingCall => Done::now(match blocking_call_from_thread(&r(), seven) {
                    Ok(v) => Ok(Now::Value(v)),
                    Err(f) => match kind(&f) {
                        "Stopped" => Ok(Now::Refused),
                        "ReactorThread" => Ok(Now::ReactorThread),
                        other => Err(format!("blocking call failed with {other}")),
                    },
                }),
                Call::PoolSubmit => Done::now(match r().thread_pool().call_in_thread(counted) {
                    Ok(()) => Ok(Now::Ok),
                    Err(_) => Ok(Now::PoolStopped),
                }),
                Call::Handoff(p) => Done::now(handoff(p)),
                Call::Combine { kind, dup } => {
                    let a: Deferred<i64> = defer_to_thread(&r(), seven.clone());
                    let b: Deferred<i64> = if dup {
                        a.clone()
                    } else {
                        defer_to_thread(&r(), seven)
                    };
                    let inputs = vec![a, b];
                    match kind {
                        Combinator::Gather => {
                            deferred_done(gather_results(inputs), |v| v.iter().sum())
                        }
                        Combinator::Race => deferred_done(race(inputs), |(_, v)| v),
                        Combinator::List => {
                            let mut done = deferred_done(DeferredList::new(inputs).build(), |v| {
                                v.iter().map(|r| if r.is_ok() { 10 } else { 1 }).sum()
                            });
                            if let Some(item) = &done.item {
                                if (item.observe.as_ref().unwrap())() == Seen::Value(2) {
                                    done.now = Ok(Now::Value(2));
                                }
                            }
                            done
                        }
                    }
                }
            }
        };

        if now == Now::Blocks {
            // Waits for `run`: its answer is checked once the reactor
            // stopped. The step ends once its call is queued (the count
            // the reactor's Debug shows), so that `run` finds it.
            let queued = queued_calls(&self.reactor());
            let rx = self.start_in(ctx, move || match body().now {
                Ok(Now::Value(v)) => Seen::Value(v),
                Ok(Now::Refused) => Seen::Failed("Stopped"),
                other => Seen::Failed(if other.is_ok() { "other" } else { "error" }),
            });
            let mut item = new_item(Some(ran));
            item.what = what;
            item.answer = Some(rx);
            item.want_ran = Some(1);
            item.before_run = true;
            self.items.push(item);
            let r = self.reactor();
            self.wait_until("a blocking call was not queued", || {
                queued_calls(&r) > queued
            });
            return;
        }
        let step = Step {
            what,
            call,
            now,
            later,
            ran,
        };
        if ctx == Context::ReactorThread && phase == Phase::Stopping {
            // A call the stop's final drain runs: it answers once `run`
            // has returned.
            let rx = self.start_in(ctx, body);
            self.drained.push((step, rx));
            return;
        }
        // A `defer_to_thread_pool` result reaches an unstarted reactor as a
        // call whenever its helper job ends, which may be steps later: wait
        // for it here, or its count could pass for a later blocking call's
        // (which the step above waits for), and `run` and a stop could then
        // come before that call is made (it was refused, its closure never
        // ran: seen twice in ~17 runs while the machine was loaded).
        let result_due = matches!(call, Call::DeferToPool) && phase == Phase::Unstarted;
        let queued = if result_due {
            queued_calls(&self.reactor())
        } else {
            0
        };
        let done = self.in_context(ctx, &step.what, body);
        self.record(phase, step, done);
        if result_due {
            let r = self.reactor();
            self.wait_until(
                "a defer_to_thread_pool result did not reach the reactor",
                || queued_calls(&r) > queued,
            );
        }
    }

    /// Checks what an operation returned at once and keeps what is left to
    /// check once `run` returned.
    fn record(&mut self, phase: Phase, step: Step, done: Done) {
        let Step {
            what,
            call,
            now,
            later,
            ran,
        } = step;
        if !agrees(now, &done.now) {
            self.fail(&format!(
                "{what}: returned {:?}, the model says {now:?}",
                done.now
            ));
        }
        if let Some(timer) = &done.timer {
            if later == Later::Never {
                self.timer = Some(timer.clone());
            }
        }
        if let Some((lc, d)) = done.looping.clone() {
            self.loops.push(lc.clone());
            self.looping = Some((lc, d));
        }
        let mut item = done.item.unwrap_or_else(|| new_item(None));
        item.what = what;
        item.call = Some(call);
        item.before_run = phase == Phase::Unstarted;
        item.timer = done.timer;
        let counts = !matches!(
            call,
            Call::ResetTimer { .. }
                | Call::CancelTimer
                | Call::LoopStop
                | Call::AddTimeout { .. }
                | Call::Handoff(_)
                | Call::RunAgain
                | Call::StopAgain
        );
        if counts {
            item.ran_at_once = ran.load(Ordering::SeqCst);
            item.ran = Some(ran);
        }
        match later {
            Later::Runs(v) => {
                item.want_ran = Some(match call {
                    Call::LoopStart { .. } => v as usize,
                    Call::Combine { dup: false, .. } | Call::CallWithCallback => 2,
                    _ => 1,
                });
                if !matches!(call, Call::LoopStart { .. } | Call::BlockingCall) {
                    item.want_seen = Some(Seen::Value(v));
                }
                if let (
                    Call::Combine {
                        kind: Combinator::Gather,
                        dup: true,
                    },
                    Ok(Now::FirstError),
                ) = (call, &done.now)
                {
                    // Failed at once; its one job still runs.
                    item.want_seen = Some(Seen::Failed("FirstError"));
                }
                if matches!(
                    call,
                    Call::CallFromThread
                        | Call::CallWhenRunning
                        | Call::CallLater { .. }
                        | Call::PoolSubmit
                ) {
                    item.want_seen = None;
                }
            }
            Later::Never => {
                item.want_ran = Some(0);
                item.want_seen = item.observe.as_ref().map(|o| o());
            }
            Later::FailsStopped => {
                item.want_ran = Some(0);
                item.want_seen = Some(Seen::Failed("Stopped"));
            }
            Later::Done => {
                // Checked at once; only kept for the drop.
                item.want_ran = None;
                item.want_seen = None;
                item.observe = None;
            }
        }
        self.items.push(item);
    }
}

/// The calls queued on a reactor, from its `Debug` (the only place that
/// shows them).
fn queued_calls(r: &Reactor) -> usize {
    let shown = format!("{r:?}");
    shown
        .split("queued_calls: ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .expect("Reactor's Debug shows queued_calls")
}

/// The `Done` of an operation that returns a Deferred.
fn deferred_done<T: Clone + Send + 'static>(
    d: Deferred<T>,
    value: impl Fn(T) -> i64 + Send + 'static,
) -> Done {
    let at_once = seen(&d, &value);
    let mut item = new_item(None);
    let kept = d.clone();
    item.observe = Some(Box::new(move || seen(&kept, &value)));
    item.keep.push(Box::new(d));
    Done {
        now: deferred_now(at_once),
        item: Some(item),
        timer: None,
        looping: None,
    }
}

/// A waiter of a primitive, released from here: `Value(1)` if it fired.
fn handoff(p: Primitive) -> Result<Now, String> {
    let fired = match p {
        Primitive::Lock => {
            let lock = DeferredLock::new();
            let _held = lock.acquire();
            let waiter = lock.acquire();
            lock.release().map_err(|e| e.to_string())?;
            let fired = waiter.is_called();
            let _ = lock.release();
            fired
        }
        Primitive::Semaphore => {
            let sem = DeferredSemaphore::new(1).map_err(|e| e.to_string())?;
            let _held = sem.acquire();
            let waiter = sem.acquire();
            sem.release().map_err(|e| e.to_string())?;
            let fired = waiter.is_called();
            let _ = sem.release();
            fired
        }
        Primitive::Queue => {
            let queue = DeferredQueue::<i64>::new();
            let waiter = queue.get().map_err(|e| e.to_string())?;
            queue.put(1).map_err(|e| e.to_string())?;
            waiter.result().map(|r| r.ok()) == Some(Some(1))
        }
    };
    if fired {
        Ok(Now::Value(1))
    } else {
        Err("the waiter did not fire".into())
    }
}
