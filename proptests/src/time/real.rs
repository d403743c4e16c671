//! The steps of [`Op`] on the real crate: a `testing::Clock`, the
//! `DelayedCall`s of the script's calls, its Deferreds (with
//! `add_timeout` or from `defer_later`), and two `LoopingCall`s. Everything
//! that happens is logged in the words of the model.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deferred::testing::Clock;
use deferred::{
    defer_later, CancelledError, Deferred, DelayedCall, DelayedCallError, Failure, LoopingCall,
    LoopingCallError, TimeoutError,
};

use super::{pick, Canceller, Op, LOOPS};

/// The failure a `Canceller::Fail` fires with.
#[derive(Debug)]
pub struct Boom;

impl fmt::Display for Boom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("boom")
    }
}

impl std::error::Error for Boom {}

/// The log, shared with the closures that write it.
type Log = Arc<Mutex<Vec<String>>>;

fn push(log: &Log, event: String) {
    log.lock().unwrap().push(event);
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).expect("test times are small")
}

fn name(f: &Failure) -> &'static str {
    if f.check::<TimeoutError>() {
        "Timeout"
    } else if f.check::<CancelledError>() {
        "Cancelled"
    } else if f.check::<Boom>() {
        "Boom"
    } else {
        "other"
    }
}

/// A Deferred of the script.
struct Script {
    d: Deferred<i64>,
    is_timeout: bool,
}

/// One loop and the work its function's Deferred takes.
struct Loop {
    lc: LoopingCall,
    work: Arc<AtomicU64>,
}

/// The real world of one run.
pub struct Real {
    clock: Clock,
    calls: Vec<DelayedCall>,
    deferreds: Vec<Script>,
    loops: Vec<Loop>,
    log: Log,
    /// How many events the state machine has compared already.
    pub compared: usize,
}

impl fmt::Debug for Real {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Real")
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Default for Real {
    fn default() -> Self {
        let clock = Clock::new();
        let log: Log = Arc::default();
        let loops = (0..LOOPS)
            .map(|l| {
                let work = Arc::new(AtomicU64::new(0));
                let (c, w, log) = (clock.clone(), Arc::clone(&work), Arc::clone(&log));
                // The function: log, then (with work) return a Deferred that
                // fires `work` ms later.
                let finish = move |c: &Clock, w: &AtomicU64| -> Deferred<()> {
                    match w.load(Ordering::SeqCst) {
                        0 => deferred::succeed(()),
                        work => defer_later(c, Duration::from_millis(work), || ()),
                    }
                };
                let lc = if l % 2 == 0 {
                    LoopingCall::new(&clock, move || {
                        push(&log, format!("loop{l} tick at {}", ms(c.now())));
                        finish(&c, &w)
                    })
                } else {
                    LoopingCall::with_count(&clock, move |n| {
                        push(&log, format!("loop{l} count {n} at {}", ms(c.now())));
                        finish(&c, &w)
                    })
                };
                Loop { lc, work }
            })
            .collect();
        Real {
            clock,
            calls: Vec::new(),
            deferreds: Vec::new(),
            loops,
            log,
            compared: 0,
        }
    }
}

fn call_result(result: Result<(), DelayedCallError>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(DelayedCallError::AlreadyCalled) => "already called",
        Err(DelayedCallError::AlreadyCancelled) => "already cancelled",
        Err(DelayedCallError::Discarded) => "discarded",
        // The enum is non_exhaustive: a new variant must be taught to the model.
        Err(other) => panic!("a DelayedCallError the model does not know: {other:?}"),
    }
}

fn loop_result(result: Result<(), LoopingCallError>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(LoopingCallError::AlreadyRunning) => "already running",
        Err(LoopingCallError::Stopping) => "stopping",
        Err(LoopingCallError::NotRunning) => "not running",
        Err(other) => panic!("a LoopingCallError the model does not know: {other:?}"),
    }
}

impl Real {
    /// Everything that happened, in order.
    pub fn events(&self) -> Vec<String> {
        self.events_from(0)
    }

    /// What happened from event `from` on (the log only grows).
    pub fn events_from(&self, from: usize) -> Vec<String> {
        let log = self.log.lock().unwrap();
        log.get(from..).unwrap_or_default().to_vec()
    }

    /// The clock's time, in ms.
    pub fn now(&self) -> u64 {
        ms(self.clock.now())
    }

    /// The pending calls' due times, in the clock's order.
    pub fn pending(&self) -> Vec<u64> {
        self.clock
            .delayed_calls()
            .iter()
            .map(|c| ms(c.time()))
            .collect()
    }

    /// Logs a Deferred's result when it arrives.
    fn observe(&self, k: usize, d: &Deferred<i64>) {
        let log = Arc::clone(&self.log);
        d.add_both(move |result: Result<i64, Failure>| {
            let event = match &result {
                Ok(v) => format!("d{k}: value {v}"),
                Err(f) => format!("d{k}: failure {}", name(f)),
            };
            push(&log, event);
            // Handled: nothing left to report when the run drops it.
            result.unwrap_or(0)
        });
    }

    /// Applies one op, logging what it did and what it returned.
    pub fn apply(&mut self, op: &Op) {
        let outcome: String = match *op {
            Op::Schedule { delay } => {
                let n = self.calls.len();
                let (log, c) = (Arc::clone(&self.log), self.clock.clone());
                let call = self
                    .clock
                    .call_later(Duration::from_millis(delay), move || {
                        push(&log, format!("call {n} at {}", ms(c.now())));
                    })
                    .unwrap();
                self.calls.push(call);
                format!("schedule call {n}")
            }
            Op::Cancel { call } => match pick(call, self.calls.len()) {
                Some(n) => format!("cancel call {n}: {}", call_result(self.calls[n].cancel())),
                None => "cancel: no call".into(),
            },
            Op::Reset { call, delay } => match pick(call, self.calls.len()) {
                Some(n) => {
                    let result = self.calls[n].reset(Duration::from_millis(delay));
                    format!("reset call {n}: {}", call_result(result))
                }
                None => "reset: no call".into(),
            },
            Op::Delay { call, by } => match pick(call, self.calls.len()) {
                Some(n) => {
                    let result = self.calls[n].delay(Duration::from_millis(by));
                    format!("delay call {n}: {}", call_result(result))
                }
                None => "delay: no call".into(),
            },
            Op::Advance { by } => {
                self.clock.advance(Duration::from_millis(by));
                format!("advanced to {}", self.now())
            }
            Op::Timeout {
                timeout,
                canceller,
                custom,
            } => {
                let k = self.deferreds.len();
                let d = match canceller {
                    Canceller::None => Deferred::new(),
                    Canceller::Value(v) => Deferred::with_canceller(move |d| {
                        d.callback(v)
                            .expect("a canceller runs on an unfired Deferred")
                    }),
                    Canceller::Fail => Deferred::with_canceller(|d| {
                        d.errback(Boom)
                            .expect("a canceller runs on an unfired Deferred")
                    }),
                };
                let timeout = Duration::from_millis(timeout);
                if custom {
                    d.add_timeout_with(timeout, &self.clock, |_, _| -1).unwrap();
                } else {
                    d.add_timeout(timeout, &self.clock).unwrap();
                }
                self.observe(k, &d);
                self.deferreds.push(Script {
                    d,
                    is_timeout: true,
                });
                format!("timeout d{k}")
            }
            Op::Later { delay, value } => {
                let k = self.deferreds.len();
                let d = defer_later(&self.clock, Duration::from_millis(delay), move || value);
                self.observe(k, &d);
                self.deferreds.push(Script {
                    d,
                    is_timeout: false,
                });
                format!("later d{k}")
            }
            Op::Fire { d, value } => {
                let timeouts: Vec<usize> = (0..self.deferreds.len())
                    .filter(|k| self.deferreds[*k].is_timeout)
                    .collect();
                match pick(d, timeouts.len()).map(|i| timeouts[i]) {
                    Some(k) => {
                        let result = match self.deferreds[k].d.callback(value) {
                            Ok(()) => "ok",
                            Err(_) => "already called",
                        };
                        format!("fire d{k}: {result}")
                    }
                    None => "fire: no Deferred".into(),
                }
            }
            Op::CancelDeferred { d } => match pick(d, self.deferreds.len()) {
                Some(k) => {
                    self.deferreds[k].d.cancel();
                    format!("cancel d{k}")
                }
                None => "cancel: no Deferred".into(),
            },
            Op::StartLoop {
                lp,
                interval,
                now,
                work,
            } => {
                let lc = &self.loops[lp];
                // The work of the run this start begins; a refused start
                // changes nothing (the model's rule).
                let previous = lc.work.swap(work, Ordering::SeqCst);
                let started = lc.lc.start(Duration::from_millis(interval), now);
                if started.is_err() {
                    lc.work.store(previous, Ordering::SeqCst);
                }
                let result = started.map(|d| self.watch(lp, &d));
                format!("start loop{lp}: {}", loop_result(result))
            }
            Op::StopLoop { lp } => {
                format!("stop loop{lp}: {}", loop_result(self.loops[lp].lc.stop()))
            }
            Op::ResetLoop { lp } => {
                format!("reset loop{lp}: {}", loop_result(self.loops[lp].lc.reset()))
            }
        };
        push(&self.log, outcome);
    }

    /// Logs how a loop's run ends.
    fn watch(&self, l: usize, d: &Deferred<LoopingCall>) {
        let (log, log2) = (Arc::clone(&self.log), Arc::clone(&self.log));
        let (me, me2) = (self.loops[l].lc.clone(), self.loops[l].lc.clone());
        d.add_callbacks(
            move |lc: LoopingCall| {
                let whose = if lc == me { "" } else { " with another loop" };
                push(&log, format!("loop{l} stopped{whose}"));
                lc
            },
            // Never expected (the model has no failing loop): shows as an
            // event the model does not have.
            move |f: Failure| {
                push(&log2, format!("loop{l} failed: {f}"));
                me2
            },
        );
    }
}
