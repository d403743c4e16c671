//! The reference model: a second, deliberately plain implementation of the
//! semantics in `docs/op-language.md`, over `i64` values and tag failures.
//!
//! It shares no code with the real `Deferred` (`src/deferred/`). All
//! Deferreds live in one `Vec`, refer to each other by index, and every
//! rule is one short step of a loop, so each can be checked against the
//! spec by reading it. There is no threading, no locking and no recursion.
//!
//! # Why the run loop can be this simple
//!
//! Script handlers only return things (a value, a failure, a Deferred); they
//! never fire, pause or add to a Deferred themselves. So at most one chain
//! runs at a time, and outside a run every Deferred that holds a result and
//! is neither paused nor waiting has no handler left to run. A continuation
//! (what a waiting Deferred leaves on the one it waits on) is always the last
//! entry of its chain, because handlers added after it are dropped (rule 4).
//! Reaching a continuation therefore finishes a chain, and running the waiter
//! next is a tail call: one loop over "the current Deferred" suffices.

use std::collections::VecDeque;

use crate::script::{Handler, Op, Script};
use crate::trace::{
    Event, FinalState, Refusal, Side, TraceResult, ALREADY_CHAINED, CANCELLED, NO_SUCH_DEFERRED,
};

/// Where a Deferred's result is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    /// Never fired.
    Unfired,
    /// Fired; the current result.
    Ready(TraceResult),
    /// A handler returned Deferred `j`; the chain waits for its result.
    Waiting(usize),
    /// A chaining Deferred took the result.
    Consumed,
}

/// One entry of a chain.
#[derive(Debug, Clone)]
enum Entry {
    /// A handler pair added by op `op`.
    Pair { op: usize, cb: Handler, eb: Handler },
    /// Hands the result to Deferred `waiter`, which waits on this one.
    Continuation { waiter: usize },
}

/// One Deferred.
#[derive(Debug, Clone)]
struct ModelDeferred {
    slot: Slot,
    /// Entries not yet run, in order.
    chain: VecDeque<Entry>,
    /// `pause` ops minus `unpause` ops (waiting does not count).
    pauses: u64,
    /// Some Deferred waits on this one or took its result: handlers added
    /// from now on are never called, and no other Deferred may chain it.
    chained: bool,
    /// A `cancel` fired it: the first later `callback`/`errback` is ignored.
    ignore_late_fire: bool,
}

/// The whole world of a script run.
#[derive(Debug)]
struct World {
    ds: Vec<ModelDeferred>,
    trace: Vec<Event>,
    /// See [`Run::cancel_met_a_cycle`].
    cancel_met_a_cycle: bool,
}

/// Runs `script` on the model and returns its trace.
///
/// `script` should have its ids in range ([`Script::validate_ids`], which
/// [`parse_script`](crate::parse_script) guarantees). Rather than panic, an
/// op on an out-of-range Deferred is skipped and a `chain` to one raises
/// [`NO_SUCH_DEFERRED`], as in [`real::run`](crate::real::run). Size limits do not apply:
/// the model runs scripts of any length in constant stack.
///
/// ```
/// use deferred_model::{parse_script, reference, trace::to_jsonl};
///
/// let s = parse_script(r#"{"deferreds": 1, "ops": [
///     {"op": "add_callback", "d": 0, "cb": {"k": "add", "n": 2}},
///     {"op": "callback", "d": 0, "value": 40}]}"#).unwrap();
/// let trace = to_jsonl(&reference::run(&s));
/// assert!(trace.ends_with("{\"ev\": \"final\", \"d\": 0, \"state\": \"fired\", \"result\": {\"ok\": 42}}\n"));
/// ```
pub fn run(script: &Script) -> Vec<Event> {
    run_detailed(script).trace
}

/// What [`run_detailed`] found: the trace and notes on how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The trace, as [`run`] gives it.
    pub trace: Vec<Event>,
    /// Some `cancel` followed a line of waiting Deferreds that loops back on
    /// itself (so it did nothing). Tests use this to find the scripts that
    /// reach the case, which the real core once looped on forever.
    pub cancel_met_a_cycle: bool,
}

/// [`run`], with notes on the run.
pub fn run_detailed(script: &Script) -> Run {
    let fresh = ModelDeferred {
        slot: Slot::Unfired,
        chain: VecDeque::new(),
        pauses: 0,
        chained: false,
        ignore_late_fire: false,
    };
    let mut world = World {
        ds: vec![fresh; script.deferreds],
        trace: Vec::new(),
        cancel_met_a_cycle: false,
    };
    for (i, op) in script.ops.iter().enumerate() {
        if op.d() < world.ds.len() {
            world.apply(i, op);
        }
    }
    let cancel_met_a_cycle = world.cancel_met_a_cycle;
    Run {
        trace: world.finish(),
        cancel_met_a_cycle,
    }
}

impl World {
    fn apply(&mut self, i: usize, op: &Op) {
        let d = op.d();
        match op {
            Op::Callback { value, .. } => self.fire_by_user(i, d, Ok(*value)),
            Op::Errback { error, .. } => self.fire_by_user(i, d, Err(error.as_str().to_owned())),
            Op::AddCallbacks { .. }
            | Op::AddCallback { .. }
            | Op::AddErrback { .. }
            | Op::AddBoth { .. } => {
                let Some((cb, eb)) = op.handler_pair() else {
                    return;
                };
                // Rule 4: once chained, added handlers are never called.
                if !self.ds[d].chained {
                    self.ds[d].chain.push_back(Entry::Pair { op: i, cb, eb });
                    // Rule 2: on a Deferred that can run, they run at once.
                    self.run_from(d);
                }
            }
            Op::Pause { .. } => self.ds[d].pauses += 1,
            Op::Unpause { .. } => {
                if self.ds[d].pauses == 0 {
                    self.refuse(i, Refusal::NotPaused);
                } else {
                    self.ds[d].pauses -= 1;
                    // Rule 3: the last unpause runs what queued.
                    self.run_from(d);
                }
            }
            Op::Cancel { .. } => self.cancel(d),
        }
    }

    fn refuse(&mut self, op: usize, error: Refusal) {
        self.trace.push(Event::Error { op, error });
    }

    fn fire_by_user(&mut self, i: usize, d: usize, result: TraceResult) {
        if self.ds[d].slot != Slot::Unfired {
            if self.ds[d].ignore_late_fire {
                // Rule 5: the cancelled operation finishing late.
                self.ds[d].ignore_late_fire = false;
            } else {
                self.refuse(i, Refusal::AlreadyCalled);
            }
            return;
        }
        self.fire(d, result);
    }

    fn fire(&mut self, d: usize, result: TraceResult) {
        self.ds[d].slot = Slot::Ready(result);
        self.run_from(d);
    }

    /// Rule 5: follow the line of waiting Deferreds to its end; cancel that
    /// one if it is unfired. A line that loops back on itself (Deferreds
    /// waiting on each other in a cycle) has no unfired end: nothing happens.
    fn cancel(&mut self, d: usize) {
        let mut target = d;
        // A line without a cycle visits each Deferred at most once.
        for _ in 0..=self.ds.len() {
            match self.ds[target].slot {
                Slot::Unfired => {
                    self.ds[target].ignore_late_fire = true;
                    self.fire(target, Err(CANCELLED.to_owned()));
                    return;
                }
                Slot::Waiting(j) => target = j,
                Slot::Ready(_) | Slot::Consumed => return,
            }
        }
        self.cancel_met_a_cycle = true;
    }

    /// Runs `start`'s chain as far as it can go, then the chain of whichever
    /// Deferred it handed its result to, and so on.
    fn run_from(&mut self, start: usize) {
        let mut current = Some(start);
        while let Some(d) = current.take() {
            while self.ds[d].pauses == 0 && matches!(self.ds[d].slot, Slot::Ready(_)) {
                let Some(entry) = self.ds[d].chain.pop_front() else {
                    break;
                };
                // The loop condition saw `Ready`; the placeholder is overwritten below.
                let Slot::Ready(input) = std::mem::replace(&mut self.ds[d].slot, Slot::Consumed)
                else {
                    break;
                };
                match entry {
                    Entry::Continuation { waiter } => {
                        // Rule 4: the waiter takes the result and goes on,
                        // unless it is paused itself (then the loop above
                        // stops at once and its last unpause resumes it).
                        self.ds[waiter].slot = Slot::Ready(input);
                        current = Some(waiter);
                        break;
                    }
                    Entry::Pair { op, cb, eb } => {
                        let (side, handler) = if input.is_ok() {
                            (Side::Cb, cb)
                        } else {
                            (Side::Eb, eb)
                        };
                        let slot = self.call(op, side, &handler, input, d);
                        self.ds[d].slot = slot;
                    }
                }
            }
        }
    }

    /// Invokes one handler (rule 1) and says what `d`'s slot becomes.
    fn call(
        &mut self,
        op: usize,
        side: Side,
        handler: &Handler,
        input: TraceResult,
        d: usize,
    ) -> Slot {
        if *handler != Handler::Pass {
            self.trace.push(Event::Call {
                op,
                side,
                input: input.clone(),
            });
        }
        match handler {
            Handler::Pass => Slot::Ready(input),
            Handler::Add(k) => Slot::Ready(input.map(|v| v.wrapping_add(*k))),
            Handler::Value(k) => Slot::Ready(Ok(*k)),
            Handler::Raise(tag) => Slot::Ready(Err(tag.as_str().to_owned())),
            Handler::Chain(j) => self.chain_to(d, *j),
        }
    }

    /// Rule 4: the handler of `d` returned Deferred `j`.
    fn chain_to(&mut self, d: usize, j: usize) -> Slot {
        if j >= self.ds.len() {
            // Only a code-built script gets here; the real interpreter does the same.
            return Slot::Ready(Err(NO_SUCH_DEFERRED.to_owned()));
        }
        // `j == d`: returning its own Deferred can never finish (Twisted
        // deadlocks); the real core refuses it like a second chaining.
        if j == d || self.ds[j].chained {
            return Slot::Ready(Err(ALREADY_CHAINED.to_owned()));
        }
        self.ds[j].chained = true;
        match &self.ds[j].slot {
            Slot::Ready(result) if self.ds[j].pauses == 0 => {
                let result = result.clone();
                self.ds[j].slot = Slot::Consumed;
                Slot::Ready(result)
            }
            _ => {
                self.ds[j]
                    .chain
                    .push_back(Entry::Continuation { waiter: d });
                Slot::Waiting(j)
            }
        }
    }

    fn finish(mut self) -> Vec<Event> {
        let mut unhandled = Vec::new();
        for (d, m) in self.ds.iter().enumerate() {
            let (state, result) = match &m.slot {
                Slot::Unfired => (FinalState::Pending, None),
                Slot::Waiting(_) => (FinalState::Waiting, None),
                Slot::Consumed => (FinalState::Consumed, None),
                Slot::Ready(r) if m.pauses > 0 => (FinalState::Paused, Some(r.clone())),
                Slot::Ready(r) => (FinalState::Fired, Some(r.clone())),
            };
            // Rule 6: a failure still held when the Deferred goes is
            // unhandled, paused or not.
            if let Some(Err(tag)) = &result {
                unhandled.push(Event::Unhandled {
                    d,
                    error: tag.clone(),
                });
            }
            self.trace.push(Event::Final { d, state, result });
        }
        self.trace.extend(unhandled);
        self.trace
    }
}
