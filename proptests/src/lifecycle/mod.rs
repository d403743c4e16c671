//! The lifecycle state machine (issue 17): a [`Reactor`](deferred::Reactor)
//! and its pool through *unstarted*, *running*, *stopping*, *stopped* and
//! *dropped*, and at each of those phases every public operation that
//! schedules or waits, made from each calling context (the reactor thread,
//! a pool worker, another thread, a thread-local destructor).
//!
//! - [`Op`], [`Context`], [`Phase`]: what a step does, from where, and where
//!   the reactor is in its life.
//! - [`model`]: the reference: for a phase, a context and an operation, what
//!   the call returns at once and what becomes of its work later, as the
//!   docs say (docs/threads.md, docs/semantics.md, the rustdoc).
//! - [`real`]: the same steps on a real reactor that runs on a thread the
//!   test owns, with a wall-clock watchdog on every wait.
//! - [`machine`]: the proptest state machine (`tests/lifecycle.rs` runs it).
//!
//! Rules checked after every step: each operation returns what the model
//! says at once (its value, or its documented error); `run` and `stop`
//! return in bounded time (a hang fails the test with a message naming
//! the step, after [`real::WATCHDOG`]: a hang detector, not a timing
//! assertion); once the reactor stopped, the work the model says runs has
//! run exactly once and the rest never ran; after the last handle is
//! dropped every closure handed to the crate has been dropped (each
//! captures a token whose count must come back to one); the process never
//! aborts (the test would not finish).
//!
//! Known bugs of issue 17 whose fixes belong to other branches are kept in
//! the machine behind the `PENDING_FIX_17_*` switches of [`pending`]: a
//! switch that is `true` keeps the machine from generating that case.

pub mod machine;
pub mod model;
pub mod real;

use proptest::prelude::*;

/// The switches for cases that find a known, not yet fixed bug of issue 17
/// (`true`: the case is not generated). Each names the item and the branch
/// that fixes it; each is set back to `false` once that fix is on main.
pub mod pending {
    /// Item 1 (`h/reactor-edges`): a spawned task or `from_future` future
    /// that wakes itself keeps `stop` from returning.
    pub const PENDING_FIX_17_1: bool = false;
    /// Item 2 (`h/local-edges`): a lock, semaphore or queue handoff from a
    /// thread-local destructor aborts the process.
    pub const PENDING_FIX_17_2: bool = false;
    /// Item 3 (`h/lists`): a combinator given the same Deferred twice never
    /// fires.
    pub const PENDING_FIX_17_3: bool = false;
    /// Item 4 (`h/reactor-edges`): a reactor dropped before it ran runs the
    /// pool jobs queued on it (`call_in_thread`) or leaks them
    /// (`defer_to_thread`).
    pub const PENDING_FIX_17_4: bool = false;
    /// Found by this machine, of item 4's kind: a `LoopingCall` started on
    /// a reactor dropped before it ran leaked the reactor, its pool and the
    /// loop (the timer held the loop, the loop the reactor). Fixed: the
    /// loop holds a reactor weakly.
    pub const PENDING_FIX_17_4_LOOP: bool = false;
    /// Item 5 (`h/reactor-edges`): `reset`/`delay` of a timer on a stopping
    /// reactor return `Ok` and it stays active.
    pub const PENDING_FIX_17_5: bool = false;
}

/// Where the reactor is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Built, `run` not called.
    Unstarted,
    /// `run` turns the loop on the test's reactor thread.
    Running,
    /// `stop` was called; `run` is winding down, held at the pool's stop by
    /// a job the test releases (the loop has left, the stop hooks have run,
    /// the pool refuses work, calls are still drained).
    Stopping,
    /// `run` returned.
    Stopped,
    /// Every handle was dropped (the machine's last phase).
    Dropped,
}

/// The thread an operation is called on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Inside a `call_from_thread` call: while the reactor runs, or, made
    /// while it stops, one that the stop's final drain runs.
    ReactorThread,
    /// A worker of a thread pool of the test's own.
    Worker,
    /// A worker of the reactor's own pool (a `call_in_thread` job; only
    /// while the reactor runs: before, the job would wait for `run`, and
    /// once it stops the pool refuses it).
    ReactorWorker,
    /// A thread of its own.
    OtherThread,
    /// The destructor of a thread-local of a thread that is exiting, after
    /// the crate's own thread-locals on that thread were destroyed.
    TlsDestructor,
}

/// Which primitive a [`Call::Handoff`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    /// `DeferredLock`: held, a second `acquire` waits, `release` hands it on.
    Lock,
    /// `DeferredSemaphore` of one token, the same way.
    Semaphore,
    /// `DeferredQueue`: a `get` waits, `put` fires it.
    Queue,
}

/// Which combinator a [`Call::Combine`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combinator {
    /// `gather_results`.
    Gather,
    /// `race`.
    Race,
    /// `DeferredList::new(..).build()`.
    List,
}

/// One step: a phase change, or an operation from a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `run` on the test's reactor thread (unstarted → running).
    Run,
    /// `stop` from a context; the test holds the loop in its pool's stop
    /// (running → stopping).
    Stop(Context),
    /// Releases the held stop and waits for `run` to return (stopping → stopped).
    Finish,
    /// `stop` from a context and waits for `run` to return (running → stopped).
    StopAndWait(Context),
    /// Drops every handle (unstarted or stopped → dropped), the last
    /// reactor handles on a context's thread (a worker, another thread,
    /// a thread-local destructor).
    Drop(Context),
    /// An operation, from a context.
    Call(Context, Call),
}

/// An operation that schedules or waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `run` again (a misuse: not generated before `run`, where it would
    /// turn the loop on the context's thread).
    RunAgain,
    /// `stop` when the reactor is not running (a misuse: not generated
    /// while it runs, where it is the `Stop` step).
    StopAgain,
    /// `call_from_thread`.
    CallFromThread,
    /// `call_later`, due at once (`soon`) or in an hour.
    CallLater {
        /// Zero delay, else an hour.
        soon: bool,
    },
    /// `reset` (to an hour from now) or `delay` (by an hour) of the last
    /// hour-long timer made.
    ResetTimer {
        /// `delay` rather than `reset`.
        delay: bool,
    },
    /// `cancel` of the last hour-long timer made.
    CancelTimer,
    /// `call_when_running`.
    CallWhenRunning,
    /// `defer_to_thread` of a closure returning 7.
    DeferToThread,
    /// `Reactor::spawn` of `async { 7 }`, or of a task that yields forever.
    Spawn {
        /// Wakes itself and returns `Pending` forever (issue 17 item 1).
        yields: bool,
    },
    /// `Deferred::from_future` of a future ready with 7.
    FromFuture,
    /// `Reactor::spawn` of a task awaiting an hour-long `defer_later`.
    SpawnAwaitsTimer,
    /// `ensure_deferred` of a task awaiting a `defer_to_thread` of 7.
    EnsureAwaitsThread,
    /// `LoopingCall::new(reactor, ..).start(1 h, now)`.
    LoopStart {
        /// Whether the first call is made at once.
        now: bool,
    },
    /// `LoopingCall::stop` of the last loop started.
    LoopStop,
    /// `add_timeout(1 h, reactor)` on a new Deferred, then fires it (`fire`)
    /// or leaves it.
    AddTimeout {
        /// Fire it with 5 after.
        fire: bool,
    },
    /// `defer_later` of a closure returning 7, due at once or in an hour.
    DeferLater {
        /// Zero delay, else an hour.
        soon: bool,
    },
    /// `blocking_call_from_thread` of a closure returning 7.
    BlockingCall,
    /// `call_in_thread` on the reactor's pool.
    PoolSubmit,
    /// `call_in_thread_with_callback` of 7 on the reactor's pool.
    CallWithCallback,
    /// `defer_to_thread_pool` of 7 on the test's own pool (which outlives
    /// the reactor).
    DeferToPool,
    /// A waiter of a primitive released from the context.
    Handoff(Primitive),
    /// A combinator over two `defer_to_thread` Deferreds made in the same
    /// context (or one of them twice: `dup`).
    Combine {
        /// Which combinator.
        kind: Combinator,
        /// The same Deferred twice (issue 17 item 3).
        dup: bool,
    },
}

fn context(on_reactor: bool, running: bool) -> BoxedStrategy<Context> {
    let mut choices = vec![
        Context::Worker,
        Context::OtherThread,
        Context::TlsDestructor,
    ];
    if on_reactor {
        choices.push(Context::ReactorThread);
    }
    if running {
        choices.push(Context::ReactorWorker);
    }
    proptest::sample::select(choices).boxed()
}

fn call() -> BoxedStrategy<Call> {
    let primitive = prop_oneof![
        Just(Primitive::Lock),
        Just(Primitive::Semaphore),
        Just(Primitive::Queue)
    ];
    let combinator = prop_oneof![
        Just(Combinator::Gather),
        Just(Combinator::Race),
        Just(Combinator::List)
    ];
    prop_oneof![
        1 => Just(Call::RunAgain),
        1 => Just(Call::StopAgain),
        2 => Just(Call::CallFromThread),
        2 => any::<bool>().prop_map(|soon| Call::CallLater { soon }),
        1 => any::<bool>().prop_map(|delay| Call::ResetTimer { delay }),
        1 => Just(Call::CancelTimer),
        1 => Just(Call::CallWhenRunning),
        2 => Just(Call::DeferToThread),
        1 => any::<bool>().prop_map(|yields| Call::Spawn { yields }),
        1 => Just(Call::FromFuture),
        1 => Just(Call::SpawnAwaitsTimer),
        1 => Just(Call::EnsureAwaitsThread),
        1 => any::<bool>().prop_map(|now| Call::LoopStart { now }),
        1 => Just(Call::LoopStop),
        1 => any::<bool>().prop_map(|fire| Call::AddTimeout { fire }),
        1 => any::<bool>().prop_map(|soon| Call::DeferLater { soon }),
        1 => Just(Call::BlockingCall),
        2 => Just(Call::PoolSubmit),
        1 => Just(Call::CallWithCallback),
        1 => Just(Call::DeferToPool),
        1 => primitive.prop_map(Call::Handoff),
        1 => (combinator, any::<bool>()).prop_map(|(kind, dup)| Call::Combine { kind, dup }),
    ]
    .boxed()
}

/// The steps the model may take from `phase` (every operation in every
/// context it allows; `model::generated` leaves out what a switch of
/// [`pending`] holds back).
pub fn op(phase: Phase) -> BoxedStrategy<Op> {
    let on_reactor = matches!(phase, Phase::Running | Phase::Stopping);
    let calls = (context(on_reactor, phase == Phase::Running), call())
        .prop_map(|(ctx, call)| Op::Call(ctx, call))
        .boxed();
    let stop_ctx = context(true, true);
    let drop_ctx = context(false, false);
    match phase {
        Phase::Unstarted => {
            prop_oneof![8 => calls, 2 => Just(Op::Run), 1 => drop_ctx.prop_map(Op::Drop)].boxed()
        }
        Phase::Running => prop_oneof![
            8 => calls,
            1 => stop_ctx.clone().prop_map(Op::Stop),
            1 => stop_ctx.prop_map(Op::StopAndWait),
        ]
        .boxed(),
        Phase::Stopping => prop_oneof![6 => calls, 1 => Just(Op::Finish)].boxed(),
        Phase::Stopped => prop_oneof![6 => calls, 1 => drop_ctx.prop_map(Op::Drop)].boxed(),
        // Nothing of the reactor is left: the primitives still work.
        Phase::Dropped => (
            context(false, false),
            prop_oneof![
                Just(Primitive::Lock),
                Just(Primitive::Semaphore),
                Just(Primitive::Queue)
            ],
        )
            .prop_map(|(ctx, p)| Op::Call(ctx, Call::Handoff(p)))
            .boxed(),
    }
}
