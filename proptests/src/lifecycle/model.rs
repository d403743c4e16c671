//! The reference: what each operation returns at once and what becomes of
//! its work, by phase and context, as the docs say. Each answer names its
//! source; where the docs are silent the answer is the one the machine
//! pins, and docs/semantics.md's misuse table says so.

use super::pending::*;
use super::{Call, Combinator, Context, Op, Phase};

/// What an operation returns at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Now {
    /// `Ok`; a Deferred it returns has not failed (it may have fired with
    /// its value already).
    Ok,
    /// `Err(ReactorError::Stopped)`, or a Deferred already failed with it.
    Refused,
    /// `Err(PoolStoppedError)`, or a Deferred already failed with it.
    PoolStopped,
    /// `Err(ReactorThreadError)` (a blocking call on the reactor thread).
    ReactorThread,
    /// A Deferred already failed with a `FirstError` (gather of inputs
    /// that had failed).
    FirstError,
    /// A Deferred already failed with a `FailureGroup` (race of inputs that
    /// had all failed).
    FailureGroup,
    /// This value at once (a blocking call's, a handoff's, a list's tally).
    Value(i64),
    /// Blocks until the reactor runs (a blocking call before `run`): its
    /// answer is checked once the reactor stopped or was dropped.
    Blocks,
    /// `Err(LoopingCallError::NotRunning)`.
    NotRunning,
    /// `Err(ReactorError::AlreadyRunning)`.
    AlreadyRunning,
    /// `Err(ReactorError::NotRestartable)`.
    NotRestartable,
    /// `Err(ReactorError::NotRunning)`.
    ReactorNotRunning,
    /// `Err(DelayedCallError::AlreadyCancelled)`.
    AlreadyCancelled,
    /// `Err(DelayedCallError::Discarded)` (a reset of a timer the stop discarded).
    Discarded,
    /// Nothing to act on (no timer or loop made yet): no call.
    Nothing,
}

/// What becomes of the operation's work by the time `run` has returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Later {
    /// Its closure runs exactly once, and a Deferred it returned holds this
    /// value (or, for a blocking call, it returns it).
    Runs(i64),
    /// Its closure never runs (it was refused, or is a timer the stop
    /// discarded); a Deferred it returned keeps what it had at once, and a
    /// timer it returned is no longer active.
    Never,
    /// Its work never completes; its Deferred has failed with
    /// `ReactorError::Stopped` by the time `run` returned.
    FailsStopped,
    /// Nothing more to check (checked at once).
    Done,
}

/// The model's state: the phase, and what the later steps depend on.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// `None` until the first step: unstarted.
    pub phase: Option<Phase>,
    /// The phase the last hour-long timer was made in, if any.
    pub timer: Option<Phase>,
    /// That timer was cancelled.
    pub timer_cancelled: bool,
    /// The last loop started: whether it still runs.
    pub looping: Option<bool>,
    /// Work was queued on the pool before `run` (issue 17 item 4).
    pub pool_work_before_run: bool,
    /// A `LoopingCall` was started before `run` (its timer holds the loop,
    /// which holds the reactor: `PENDING_FIX_17_4_LOOP`).
    pub loop_before_run: bool,
    /// A thread waits in `blocking_call_from_thread` for `run`: it holds a
    /// handle, so the reactor cannot be dropped before it runs.
    pub blocked_before_run: bool,
}

impl Model {
    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase.unwrap_or(Phase::Unstarted)
    }

    /// Whether the machine may take `op` now: the phase allows it, and no
    /// `PENDING_FIX_17_*` switch holds it back.
    // The switches are constants: clippy would fold them away.
    #[allow(clippy::nonminimal_bool, clippy::overly_complex_bool_expr)]
    pub fn allows(&self, op: &Op) -> bool {
        let phase = self.phase();
        match op {
            Op::Run => phase == Phase::Unstarted,
            Op::Stop(_) | Op::StopAndWait(_) => phase == Phase::Running,
            Op::Finish => phase == Phase::Stopping,
            Op::Drop(_) => {
                phase == Phase::Stopped
                    || (phase == Phase::Unstarted
                        && !self.blocked_before_run
                        && !(PENDING_FIX_17_4 && self.pool_work_before_run)
                        && !(PENDING_FIX_17_4_LOOP && self.loop_before_run))
            }
            Op::Call(ctx, call) => {
                // On the reactor thread: a call while it runs, or one the
                // stop's final drain runs (queued while stopping). The
                // latter answers at the end of the stop, so it leaves out
                // the calls whose answer later steps depend on.
                let drain = *ctx == Context::ReactorThread && phase == Phase::Stopping;
                if *ctx == Context::ReactorThread && phase != Phase::Running && !drain {
                    return false;
                }
                if *ctx == Context::ReactorWorker && phase != Phase::Running {
                    return false;
                }
                if drain
                    && matches!(
                        call,
                        Call::LoopStart { .. } | Call::LoopStop | Call::CallLater { soon: false }
                    )
                {
                    return false;
                }
                if phase == Phase::Dropped && !matches!(call, Call::Handoff(_)) {
                    return false;
                }
                match call {
                    // `run` in the final drain: the docs do not say which
                    // error (the loop has left, the stop is not over).
                    Call::RunAgain => phase != Phase::Unstarted && !drain,
                    Call::StopAgain => phase != Phase::Running,
                    Call::Spawn { yields: true } => !PENDING_FIX_17_1,
                    Call::Handoff(_) => !(PENDING_FIX_17_2 && *ctx == Context::TlsDestructor),
                    Call::Combine { dup: true, .. } => !PENDING_FIX_17_3,
                    Call::ResetTimer { .. } | Call::CancelTimer => {
                        !(PENDING_FIX_17_5 && phase == Phase::Stopping)
                    }
                    _ => true,
                }
            }
        }
    }

    /// What `call` from `ctx` gives now and later, in the current phase.
    pub fn expect(&self, ctx: Context, call: Call) -> (Now, Later) {
        use Phase::*;
        // A call the stop's final drain runs sees the reactor as stopped
        // (docs/threads.md, shutdown step 4: calls it makes are refused; the
        // pool has stopped), on the reactor thread.
        let phase = match (self.phase(), ctx) {
            (Stopping, Context::ReactorThread) => Stopped,
            (phase, _) => phase,
        };
        // Accepted work runs once the loop runs (docs/threads.md: before
        // `run` calls and timers wait for it; while stopping, calls still
        // run); `refused` is what the phase answers instead.
        let open = matches!(phase, Unstarted | Running);
        match call {
            // Reactor::run's rustdoc and threads.md's errors table.
            Call::RunAgain => match phase {
                Running | Stopping => (Now::AlreadyRunning, Later::Done),
                _ => (Now::NotRestartable, Later::Done),
            },
            // Reactor::stop's rustdoc: before `run`, and once a stop is
            // under way or done.
            Call::StopAgain => (Now::ReactorNotRunning, Later::Done),
            // threads.md: calls are accepted until the reactor has stopped,
            // and drained while it stops.
            Call::CallFromThread => match phase {
                Unstarted | Running | Stopping => (Now::Ok, Later::Runs(0)),
                Stopped | Dropped => (Now::Refused, Later::Never),
            },
            // threads.md: timers are refused once a stop is under way;
            // pending ones are discarded at the stop.
            Call::CallLater { soon } => match (open, soon) {
                (true, true) => (Now::Ok, Later::Runs(0)),
                (true, false) => (Now::Ok, Later::Never),
                (false, _) => (Now::Refused, Later::Never),
            },
            // threads.md's errors table: a call no longer pending gives
            // `Discarded`; issue 17 item 5: the stop discards the timers at
            // once, so a stopping reactor's timer is no longer pending either.
            // DelayedCall::cancel's rustdoc: a call no longer pending is
            // refused, with why (cancelled before, or discarded by the stop).
            Call::CancelTimer | Call::ResetTimer { .. }
                if self.timer.is_some() && self.timer_cancelled =>
            {
                (Now::AlreadyCancelled, Later::Done)
            }
            Call::CancelTimer => match (self.timer, phase) {
                (None, _) => (Now::Nothing, Later::Done),
                (Some(_), Unstarted | Running) => (Now::Ok, Later::Done),
                (Some(_), Stopping) => (Now::Discarded, Later::Done),
                (Some(_), _) => (Now::Discarded, Later::Done),
            },
            Call::ResetTimer { .. } => match (self.timer, phase) {
                (None, _) => (Now::Nothing, Later::Done),
                (Some(_), Unstarted | Running) => (Now::Ok, Later::Done),
                (Some(_), Stopping) => (Now::Discarded, Later::Done),
                (Some(_), _) => (Now::Discarded, Later::Done),
            },
            Call::CallWhenRunning => match phase {
                Unstarted | Running => (Now::Ok, Later::Runs(0)),
                _ => (Now::Refused, Later::Never),
            },
            // threads.md: the pool refuses work once its stop began (the
            // reactor's stop, step 3): the Deferred has already failed.
            Call::DeferToThread => {
                if open {
                    (Now::Ok, Later::Runs(7))
                } else {
                    (Now::PoolStopped, Later::Never)
                }
            }
            // Reactor::spawn's rustdoc: polls go through call_from_thread;
            // once the reactor has stopped the Deferred fails with Stopped at once.
            Call::Spawn { yields: false } | Call::FromFuture => match phase {
                Unstarted | Running | Stopping => (Now::Ok, Later::Runs(7)),
                _ => (Now::Refused, Later::Never),
            },
            // Issue 17 item 1 (semantics.md's misuse table): a stop
            // finishes whatever the task does; its next wake-up after the
            // final drain is refused and its Deferred fails with Stopped.
            Call::Spawn { yields: true } => match phase {
                Stopped | Dropped => (Now::Refused, Later::Never),
                _ => (Now::Ok, Later::FailsStopped),
            },
            // Reactor::spawn's rustdoc: a wake-up after the stop fails the
            // task with Stopped. The stop discards the timer, which wakes the
            // task (its Deferred can no longer fire); while stopping and in
            // the final drain the timer is refused, its Deferred failed with
            // Stopped, and the task returns that failure.
            Call::SpawnAwaitsTimer => match phase {
                Unstarted | Running | Stopping => (Now::Ok, Later::FailsStopped),
                _ => (Now::Refused, Later::Never),
            },
            // ensure_deferred polls at once and then on the thread that
            // fires what it awaits: the reactor thread, with the worker's
            // result; a refused job's Deferred has failed already, and so
            // does the task, at once.
            Call::EnsureAwaitsThread => {
                if open {
                    (Now::Ok, Later::Runs(7))
                } else {
                    (Now::PoolStopped, Later::Never)
                }
            }
            // LoopingCall::start's rustdoc: if the clock refuses the call,
            // the loop ends and the Deferred fails with that ReactorError
            // (a first call made `now` runs first). A running loop's
            // Deferred stays pending (it has an hour to go).
            Call::LoopStart { now } => {
                let calls = i64::from(now);
                if open {
                    (Now::Ok, Later::Runs(calls))
                } else {
                    (Now::Refused, Later::Runs(calls))
                }
            }
            // LoopingCall::stop's rustdoc: fires the start Deferred now;
            // NotRunning if the loop ended.
            Call::LoopStop => match self.looping {
                None => (Now::Nothing, Later::Done),
                Some(true) => (Now::Ok, Later::Done),
                Some(false) => (Now::NotRunning, Later::Done),
            },
            // add_timeout's rustdoc: refused (Stopped) once stopping.
            Call::AddTimeout { fire } => match (open, fire) {
                (true, true) => (Now::Value(5), Later::Done),
                (true, false) => (Now::Ok, Later::Never),
                (false, _) => (Now::Refused, Later::Done),
            },
            // defer_later's rustdoc: failed with Stopped at once when refused.
            Call::DeferLater { soon } => match (open, soon) {
                (true, true) => (Now::Ok, Later::Runs(7)),
                (true, false) => (Now::Ok, Later::Never),
                (false, _) => (Now::Refused, Later::Never),
            },
            // blocking_call_from_thread's rustdoc: ReactorThreadError on the
            // reactor thread; waits for `run` before it; Stopped once the
            // stop hooks ran (stopping, step 2) or the reactor stopped.
            Call::BlockingCall => match (ctx, phase) {
                (Context::ReactorThread, _) => (Now::ReactorThread, Later::Never),
                (_, Unstarted) => (Now::Blocks, Later::Runs(7)),
                (_, Running) => (Now::Value(7), Later::Runs(7)),
                _ => (Now::Refused, Later::Never),
            },
            // threads.md: the pool queues jobs before it starts, refuses
            // them once its stop began.
            Call::PoolSubmit => {
                if open {
                    (Now::Ok, Later::Runs(0))
                } else {
                    (Now::PoolStopped, Later::Never)
                }
            }
            // threads.md: the job and then `on_result` run on a worker; the
            // pool refuses both once its stop began (and, unrun, drops them).
            Call::CallWithCallback => {
                if open {
                    (Now::Ok, Later::Runs(0))
                } else {
                    (Now::PoolStopped, Later::Never)
                }
            }
            // threads.md: a pool that outlives the reactor runs the job in
            // any phase; the result fires the Deferred on the reactor thread,
            // or, once the reactor has stopped, on the worker.
            Call::DeferToPool => (Now::Ok, Later::Runs(7)),
            // The primitives hand over at once, from any thread.
            Call::Handoff(_) => (Now::Value(1), Later::Done),
            // The combinators fire once all inputs (defer_to_thread's) did.
            // Issue 17 item 3 (semantics.md, "An input whose result cannot
            // come"): the same Deferred given twice counts, the second time,
            // as failed with AlreadyChainedError at once: gather fails at
            // once, a list holds that failure in its place (a tally of
            // 10 per value and 1 per failure), a race waits for the other.
            Call::Combine { kind, dup } => match (open, kind, dup) {
                (true, Combinator::Gather, false) => (Now::Ok, Later::Runs(14)),
                (true, Combinator::Gather, true) => (Now::FirstError, Later::Runs(7)),
                (true, Combinator::Race, _) => (Now::Ok, Later::Runs(7)),
                (true, Combinator::List, false) => (Now::Ok, Later::Runs(20)),
                (true, Combinator::List, true) => (Now::Ok, Later::Runs(11)),
                (false, Combinator::Gather, _) => (Now::FirstError, Later::Done),
                (false, Combinator::Race, _) => (Now::FailureGroup, Later::Done),
                (false, Combinator::List, _) => (Now::Value(2), Later::Done),
            },
        }
    }

    /// The model after `op`.
    pub fn apply(&mut self, op: &Op) {
        let phase = self.phase();
        match op {
            Op::Run => self.phase = Some(Phase::Running),
            Op::Stop(_) => self.phase = Some(Phase::Stopping),
            Op::Finish | Op::StopAndWait(_) => self.phase = Some(Phase::Stopped),
            Op::Drop(_) => self.phase = Some(Phase::Dropped),
            Op::Call(_, call) => match call {
                Call::CallLater { soon: false }
                    if matches!(phase, Phase::Unstarted | Phase::Running) =>
                {
                    self.timer = Some(phase);
                    self.timer_cancelled = false;
                }
                Call::CancelTimer
                    if self.timer.is_some()
                        && matches!(phase, Phase::Unstarted | Phase::Running) =>
                {
                    self.timer_cancelled = true
                }
                Call::LoopStart { .. } => {
                    self.looping = Some(matches!(phase, Phase::Unstarted | Phase::Running));
                    self.loop_before_run |= phase == Phase::Unstarted;
                }
                Call::LoopStop if self.looping.is_some() => self.looping = Some(false),
                Call::BlockingCall if phase == Phase::Unstarted => self.blocked_before_run = true,
                Call::PoolSubmit
                | Call::CallWithCallback
                | Call::DeferToThread
                | Call::EnsureAwaitsThread
                | Call::Combine { .. }
                    if phase == Phase::Unstarted =>
                {
                    self.pool_work_before_run = true
                }
                _ => {}
            },
        }
    }
}
