//! The reference model of time: Twisted's `task.Clock`, `addTimeout`,
//! `deferLater` and `LoopingCall`, transcribed from Twisted's Python
//! (twisted/internet/task.py, defer.py, base.py; Twisted 26.10.0, MIT
//! licence) into single-threaded Rust over whole milliseconds, with none of
//! the real code's machinery (no Deferreds, locks, atomics, tickets or
//! handles): a list of calls, sorted when Twisted sorts it, and plain
//! records for each Deferred and loop.
//!
//! Where this crate deliberately differs from Twisted, the model follows
//! the crate (docs/semantics.md, Time): a restarted counting loop counts
//! from its new start, and `start` of a loop still finishing after `stop`
//! is refused.

use super::{Canceller, Op, LOOPS};

/// What a pending call does when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// A user call (`Op::Schedule`): logs itself.
    User(usize),
    /// The timer of timeout Deferred `k`.
    Timeout(usize),
    /// The timer of `defer_later` Deferred `k`.
    Later(usize),
    /// The next call of loop `l`.
    Tick(usize),
    /// The end of loop `l`'s function's work (the Deferred it returned).
    WorkDone(usize),
}

/// A call in the clock's list.
#[derive(Debug, Clone)]
struct Call {
    id: usize,
    when: u64,
    action: Action,
}

/// A call's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    Called,
    Cancelled,
}

/// Where `addTimeout`'s race stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Race {
    Pending,
    Settled,
    TimedOut,
}

/// A Deferred of the script: one with a timeout, or one of `defer_later`.
#[derive(Debug, Clone)]
struct Deferred {
    called: bool,
    /// The late fire a cancel without canceller excuses.
    suppress: bool,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Timeout {
        timer: usize,
        race: Race,
        canceller: Canceller,
        custom: bool,
    },
    Later {
        timer: usize,
        value: i64,
    },
}

/// A loop's state (Twisted's attributes).
#[derive(Debug, Clone, Default)]
struct Loop {
    counting: bool,
    running: bool,
    /// The `start` Deferred has not fired.
    deferred_pending: bool,
    interval: u64,
    start_time: u64,
    run_at_start: bool,
    real_last_time: Option<u64>,
    call: Option<usize>,
    /// How long the function's Deferred takes (0: it returns no Deferred).
    work: u64,
}

/// The whole modelled world, and the events it printed.
#[derive(Debug, Clone)]
pub struct Model {
    now: u64,
    calls: Vec<Call>,
    status: Vec<Status>,
    user_calls: Vec<usize>,
    deferreds: Vec<Deferred>,
    loops: Vec<Loop>,
    /// Everything that happened, in order.
    pub events: Vec<String>,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            now: 0,
            calls: Vec::new(),
            status: Vec::new(),
            user_calls: Vec::new(),
            deferreds: Vec::new(),
            loops: (0..LOOPS)
                .map(|l| Loop {
                    counting: l % 2 == 1,
                    ..Loop::default()
                })
                .collect(),
            events: Vec::new(),
        }
    }
}

impl Model {
    /// The clock's time.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The due times of the pending calls, in the clock's list order.
    pub fn pending(&self) -> Vec<u64> {
        self.calls.iter().map(|c| c.when).collect()
    }

    fn log(&mut self, event: String) {
        self.events.push(event);
    }

    // --- the clock --------------------------------------------------------

    /// `callLater`: append, then sort (stably, by due time).
    fn schedule(&mut self, delay: u64, action: Action) -> usize {
        let id = self.status.len();
        self.status.push(Status::Pending);
        self.calls.push(Call {
            id,
            when: self.now + delay,
            action,
        });
        self.sort();
        id
    }

    fn sort(&mut self) {
        self.calls.sort_by_key(|c| c.when);
    }

    fn position(&self, id: usize) -> Option<usize> {
        self.calls.iter().position(|c| c.id == id)
    }

    /// `DelayedCall.cancel`: removed from the list, no sort.
    fn cancel_call(&mut self, id: usize) -> &'static str {
        match self.position(id) {
            Some(at) => {
                self.calls.remove(at);
                self.status[id] = Status::Cancelled;
                "ok"
            }
            None => self.not_pending(id),
        }
    }

    fn not_pending(&self, id: usize) -> &'static str {
        match self.status[id] {
            Status::Called => "already called",
            Status::Cancelled => "already cancelled",
            Status::Pending => unreachable!("a pending call is in the list"),
        }
    }

    /// `Clock.advance`.
    fn advance(&mut self, by: u64) {
        self.now += by;
        self.sort();
        while self.calls.first().is_some_and(|c| c.when <= self.now) {
            let call = self.calls.remove(0);
            self.status[call.id] = Status::Called;
            self.run(call.action);
            self.sort();
        }
    }

    fn run(&mut self, action: Action) {
        match action {
            Action::User(n) => {
                let event = format!("call {n} at {}", self.now);
                self.log(event);
            }
            Action::Timeout(k) => self.time_out(k),
            Action::Later(k) => {
                let Kind::Later { value, .. } = self.deferreds[k].kind else {
                    unreachable!("a later timer belongs to a later Deferred")
                };
                self.deferreds[k].called = true;
                self.log(format!("d{k}: value {value}"));
            }
            Action::Tick(l) => self.call_loop(l),
            Action::WorkDone(l) => self.loop_result(l),
        }
    }

    // --- timeouts -------------------------------------------------------------

    /// The Deferred fires with `result`: the timeout's handlers, then the
    /// observer that logs it.
    fn fire(&mut self, k: usize, result: Result<i64, &'static str>) {
        self.deferreds[k].called = true;
        let mut result = result;
        if let Kind::Timeout {
            timer,
            race,
            custom,
            ..
        } = self.deferreds[k].kind
        {
            match race {
                Race::Pending => {
                    self.set_race(k, Race::Settled);
                    let _ = self.cancel_call(timer);
                }
                Race::TimedOut if custom => result = Ok(-1), // its "OVERRIDDEN"
                Race::TimedOut if result == Err("Cancelled") => result = Err("Timeout"),
                Race::TimedOut => {}
                Race::Settled => unreachable!("a settled Deferred was fired"),
            }
        }
        let event = match result {
            Ok(v) => format!("d{k}: value {v}"),
            Err(name) => format!("d{k}: failure {name}"),
        };
        self.log(event);
    }

    fn set_race(&mut self, k: usize, to: Race) {
        if let Kind::Timeout { race, .. } = &mut self.deferreds[k].kind {
            *race = to;
        }
    }

    /// The timeout's timer: mark, then cancel.
    fn time_out(&mut self, k: usize) {
        self.set_race(k, Race::TimedOut);
        self.cancel_deferred(k);
    }

    /// `Deferred.cancel` of an unfired Deferred: its canceller, or
    /// `CancelledError` (and the late fire excused).
    fn cancel_deferred(&mut self, k: usize) {
        if self.deferreds[k].called {
            return;
        }
        match self.deferreds[k].kind {
            Kind::Timeout { canceller, .. } => match canceller {
                Canceller::Value(v) => self.fire(k, Ok(v)),
                Canceller::Fail => self.fire(k, Err("Boom")),
                Canceller::None => {
                    self.deferreds[k].suppress = true;
                    self.fire(k, Err("Cancelled"));
                }
            },
            Kind::Later { timer, .. } => {
                // Its canceller cancels the timer; then `CancelledError`.
                let _ = self.cancel_call(timer);
                self.fire(k, Err("Cancelled"));
            }
        }
    }

    /// `callback(value)` from the script.
    fn fire_op(&mut self, k: usize, value: i64) -> &'static str {
        let d = &mut self.deferreds[k];
        if !d.called {
            self.fire(k, Ok(value));
            "ok"
        } else if d.suppress {
            d.suppress = false;
            "ok"
        } else {
            "already called"
        }
    }

    // --- loops ----------------------------------------------------------------

    /// `LoopingCall.start`.
    fn start_loop(&mut self, l: usize, interval: u64, now: bool, work: u64) -> &'static str {
        let lp = &mut self.loops[l];
        if lp.running {
            return "already running";
        }
        if lp.deferred_pending {
            return "stopping";
        }
        lp.running = true;
        lp.deferred_pending = true;
        lp.interval = interval;
        lp.start_time = self.now;
        lp.run_at_start = now;
        lp.real_last_time = None;
        lp.work = work;
        if now {
            self.call_loop(l);
        } else {
            self.schedule_from(l, self.now);
        }
        "ok"
    }

    /// `LoopingCall.stop`.
    fn stop_loop(&mut self, l: usize) -> &'static str {
        if !self.loops[l].running {
            return "not running";
        }
        self.loops[l].running = false;
        if let Some(call) = self.loops[l].call.take() {
            let _ = self.cancel_call(call);
            self.loops[l].deferred_pending = false;
            self.log(format!("loop{l} stopped"));
        }
        "ok"
    }

    /// `LoopingCall.reset`.
    fn reset_loop(&mut self, l: usize) -> &'static str {
        if !self.loops[l].running {
            return "not running";
        }
        if let Some(call) = self.loops[l].call.take() {
            let _ = self.cancel_call(call);
            self.loops[l].start_time = self.now;
            self.schedule_from(l, self.now);
        }
        "ok"
    }

    /// `LoopingCall.__call__`, with `withCount`'s counter.
    fn call_loop(&mut self, l: usize) {
        self.loops[l].call = None;
        let now = self.now;
        let lp = &mut self.loops[l];
        let event = if !lp.counting {
            format!("loop{l} tick at {now}")
        } else if lp.interval == 0 {
            lp.real_last_time = Some(now);
            format!("loop{l} count 1 at {now}")
        } else {
            let start = lp.start_time as i128;
            let interval = lp.interval as i128;
            let last = match lp.real_last_time {
                Some(t) => t as i128,
                None if lp.run_at_start => start - interval,
                None => start,
            };
            let count = (now as i128 - start) / interval - (last - start) / interval;
            if count <= 0 {
                return self.loop_result(l); // the function is skipped
            }
            lp.real_last_time = Some(now);
            format!("loop{l} count {count} at {now}")
        };
        self.log(event);
        let work = self.loops[l].work;
        if work > 0 {
            // The function returned `defer_later(work)`: wait for it.
            self.schedule(work, Action::WorkDone(l));
        } else {
            self.loop_result(l);
        }
    }

    /// The function's result arrived (`cb`).
    fn loop_result(&mut self, l: usize) {
        if self.loops[l].running {
            self.schedule_from(l, self.now);
        } else {
            self.loops[l].deferred_pending = false;
            self.log(format!("loop{l} stopped"));
        }
    }

    /// `_scheduleFrom`.
    fn schedule_from(&mut self, l: usize, when: u64) {
        let lp = &self.loops[l];
        let delay = if lp.interval == 0 {
            0
        } else {
            lp.interval - (when - lp.start_time) % lp.interval
        };
        let call = self.schedule(delay, Action::Tick(l));
        self.loops[l].call = Some(call);
    }

    // --- the ops ----------------------------------------------------------------

    /// Applies one op, logging what it did and what it returned.
    pub fn apply(&mut self, op: &Op) {
        let outcome: String = match *op {
            Op::Schedule { delay } => {
                let n = self.user_calls.len();
                let id = self.schedule(delay, Action::User(n));
                self.user_calls.push(id);
                format!("schedule call {n}")
            }
            Op::Cancel { call } => match self.user_call(call) {
                Some((n, id)) => format!("cancel call {n}: {}", self.cancel_call(id)),
                None => "cancel: no call".into(),
            },
            Op::Reset { call, delay } => match self.user_call(call) {
                Some((n, id)) => {
                    let result = match self.position(id) {
                        Some(at) => {
                            self.calls[at].when = self.now + delay;
                            "ok"
                        }
                        None => self.not_pending(id),
                    };
                    format!("reset call {n}: {result}")
                }
                None => "reset: no call".into(),
            },
            Op::Delay { call, by } => match self.user_call(call) {
                Some((n, id)) => {
                    let result = match self.position(id) {
                        Some(at) => {
                            self.calls[at].when += by;
                            "ok"
                        }
                        None => self.not_pending(id),
                    };
                    format!("delay call {n}: {result}")
                }
                None => "delay: no call".into(),
            },
            Op::Advance { by } => {
                self.advance(by);
                format!("advanced to {}", self.now)
            }
            Op::Timeout {
                timeout,
                canceller,
                custom,
            } => {
                let k = self.deferreds.len();
                let timer = self.schedule(timeout, Action::Timeout(k));
                self.deferreds.push(Deferred {
                    called: false,
                    suppress: false,
                    kind: Kind::Timeout {
                        timer,
                        race: Race::Pending,
                        canceller,
                        custom,
                    },
                });
                format!("timeout d{k}")
            }
            Op::Later { delay, value } => {
                let k = self.deferreds.len();
                let timer = self.schedule(delay, Action::Later(k));
                self.deferreds.push(Deferred {
                    called: false,
                    suppress: false,
                    kind: Kind::Later { timer, value },
                });
                format!("later d{k}")
            }
            Op::Fire { d, value } => match self.timeout_deferred(d) {
                Some(k) => format!("fire d{k}: {}", self.fire_op(k, value)),
                None => "fire: no Deferred".into(),
            },
            Op::CancelDeferred { d } => match self.any_deferred(d) {
                Some(k) => {
                    self.cancel_deferred(k);
                    format!("cancel d{k}")
                }
                None => "cancel: no Deferred".into(),
            },
            Op::StartLoop {
                lp,
                interval,
                now,
                work,
            } => format!(
                "start loop{lp}: {}",
                self.start_loop(lp, interval, now, work)
            ),
            Op::StopLoop { lp } => format!("stop loop{lp}: {}", self.stop_loop(lp)),
            Op::ResetLoop { lp } => format!("reset loop{lp}: {}", self.reset_loop(lp)),
        };
        self.log(outcome);
    }

    fn user_call(&self, index: usize) -> Option<(usize, usize)> {
        let n = super::pick(index, self.user_calls.len())?;
        Some((n, self.user_calls[n]))
    }

    fn any_deferred(&self, index: usize) -> Option<usize> {
        super::pick(index, self.deferreds.len())
    }

    fn timeout_deferred(&self, index: usize) -> Option<usize> {
        let timeouts: Vec<usize> = (0..self.deferreds.len())
            .filter(|k| matches!(self.deferreds[*k].kind, Kind::Timeout { .. }))
            .collect();
        super::pick(index, timeouts.len()).map(|i| timeouts[i])
    }
}
