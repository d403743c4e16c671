//! The interpreter that runs a script on the real `deferred::Deferred<i64>`
//! and records what it observes as a trace.
//!
//! # How observations are made
//!
//! - **Calls.** Every handler is a closure that logs its `call` event into a
//!   shared `Arc<Mutex<Vec<Event>>>` (handlers must be `Send`) before acting.
//!   The lock is never held across a call into the library.
//! - **Chaining.** A `chain` handler needs Deferred `J` when it runs, but must
//!   not own it: if handlers held Deferreds, dropping one Deferred would drop
//!   others, and a Deferred holding a failure could be kept alive by a cycle
//!   of handlers and never reported. So the Deferreds live in one table the
//!   interpreter owns, and handlers hold only a `Weak` to it.
//! - **Unhandled failures.** [`run`] watches them with the library's
//!   `testing::LoggedFailures` guard, which collects the reports made on its
//!   own thread while it lives, so concurrent runs on other threads do not
//!   mix (and the process-wide hook is left to others). After the `final` events the interpreter drops the
//!   Deferreds one at a time, in id order, and takes the reports after each
//!   drop: what was reported was reported by that Deferred, unless the
//!   library kept an earlier one alive internally until now (see
//!   `Attribution`). A Deferred that is never freed (a leak) never reports,
//!   and the trace shows it missing.
//!
//! Failures carry a [`TagError`]; the library's own errors map to the tags
//! the spec names (`Cancelled`, `AlreadyChained`), anything else to
//! `Other_<type>` (as the Twisted oracle does), which no script produces.

use std::error::Error;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};

use deferred::testing::LoggedFailures;
use deferred::{
    AlreadyCalledError, AlreadyChainedError, CancelledError, Deferred, DeferredState, Failure,
    NotPausedError, Outcome, PanicError,
};

use crate::script::{Handler, Op, Script};
use crate::trace::{
    Event, FinalState, Refusal, Side, TraceResult, ALREADY_CHAINED, CANCELLED, NO_SUCH_DEFERRED,
};

/// The error inside every failure a script raises: its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagError(pub String);

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "script failure {}", self.0)
    }
}

impl Error for TagError {}

/// The tag a trace shows for `failure`.
pub fn tag_of(failure: &Failure) -> String {
    if let Some(TagError(tag)) = failure.downcast_ref::<TagError>() {
        tag.clone()
    } else if failure.check::<CancelledError>() {
        CANCELLED.to_owned()
    } else if failure.check::<AlreadyChainedError>() {
        ALREADY_CHAINED.to_owned()
    } else if failure.check::<AlreadyCalledError>() {
        "Other_AlreadyCalledError".to_owned()
    } else if failure.check::<NotPausedError>() {
        "Other_NotPausedError".to_owned()
    } else if failure.check::<PanicError>() {
        "Other_PanicError".to_owned()
    } else {
        "Other_Unknown".to_owned()
    }
}

fn observe(result: &Result<i64, Failure>) -> TraceResult {
    match result {
        Ok(v) => Ok(*v),
        Err(f) => Err(tag_of(f)),
    }
}

/// Decides which Deferred a report of an unhandled failure came from.
///
/// Usually the one whose handle was just dropped. But the library may keep
/// a Deferred alive inside another (a waiting Deferred may own the one it
/// waits on), so that it goes, and reports, only when a later id is
/// dropped: then the report belongs to an earlier Deferred that ended
/// holding that failure and has not reported yet. A report that fits no
/// Deferred stays with the one just dropped, so that the trace shows it.
struct Attribution<'a> {
    /// The tag of the failure each Deferred held at the end.
    held: &'a [Option<String>],
    /// Which Deferreds have been credited with a report.
    reported: Vec<bool>,
}

impl<'a> Attribution<'a> {
    fn new(held: &'a [Option<String>]) -> Self {
        Attribution {
            held,
            reported: vec![false; held.len()],
        }
    }

    /// The id a report of `tag` belongs to, received as `dropped` went.
    fn owner(&mut self, dropped: usize, tag: &str) -> usize {
        let fits =
            |this: &Self, id: usize| !this.reported[id] && this.held[id].as_deref() == Some(tag);
        let owner = if fits(self, dropped) {
            Some(dropped)
        } else {
            (0..dropped).find(|&id| fits(self, id))
        };
        match owner {
            Some(id) => {
                self.reported[id] = true;
                id
            }
            None => dropped,
        }
    }
}

type Log = Arc<Mutex<Vec<Event>>>;
type Table = Vec<Deferred<i64>>;

/// What a handler closure needs.
#[derive(Clone)]
struct Ctx {
    log: Log,
    table: Weak<Table>,
}

impl Ctx {
    fn push(&self, event: Event) {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event);
    }

    /// One handler invocation (`op` added it; it runs on `side`).
    fn apply(
        &self,
        handler: &Handler,
        op: usize,
        side: Side,
        input: Result<i64, Failure>,
    ) -> Outcome<i64> {
        if *handler != Handler::Pass {
            self.push(Event::Call {
                op,
                side,
                input: observe(&input),
            });
        }
        match (handler, input) {
            (Handler::Pass, Ok(v)) => Outcome::Value(v),
            (Handler::Pass, Err(f)) => Outcome::Failure(f),
            (Handler::Add(k), Ok(v)) => Outcome::Value(v.wrapping_add(*k)),
            (Handler::Add(_), Err(f)) => Outcome::Failure(f),
            (Handler::Value(k), _) => Outcome::Value(*k),
            (Handler::Raise(tag), _) => {
                Outcome::Failure(Failure::new(TagError(tag.as_str().to_owned())))
            }
            (Handler::Chain(j), _) => match self.table.upgrade().and_then(|t| t.get(*j).cloned()) {
                Some(target) => Outcome::Deferred(target),
                // Only a code-built script with a bad id gets here.
                None => Outcome::Failure(Failure::new(TagError(NO_SUCH_DEFERRED.to_owned()))),
            },
        }
    }
}

/// Runs `script` on the real `Deferred<i64>` and returns the trace it
/// observed.
///
/// Unhandled-failure reports are taken from a `testing::LoggedFailures`
/// guard of this thread (reports made on other threads are not seen); the
/// process-wide hook is left alone. Ops on out-of-range Deferreds are
/// skipped, and a `chain` to one raises [`NO_SUCH_DEFERRED`] (see
/// [`Script::validate_ids`]).
///
/// ```
/// use deferred_model::{parse_script, real, reference};
///
/// let s = parse_script(r#"{"deferreds": 2, "ops": [
///     {"op": "add_callback", "d": 0, "cb": {"k": "chain", "d": 1}},
///     {"op": "callback", "d": 0, "value": 1},
///     {"op": "cancel", "d": 0}]}"#).unwrap();
/// assert_eq!(real::run(&s), reference::run(&s));
/// ```
pub fn run(script: &Script) -> Vec<Event> {
    // The reports of unhandled failures made on this thread during the run
    // (the library's per-thread guard; the run drops everything it made
    // here, and takes every report before the guard goes).
    let window = LoggedFailures::guard();
    let take = |window: &LoggedFailures| -> Vec<String> {
        window.flush_all().iter().map(tag_of).collect()
    };
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let table: Arc<Table> = Arc::new((0..script.deferreds).map(|_| Deferred::new()).collect());
    let ctx = Ctx {
        log: Arc::clone(&log),
        table: Arc::downgrade(&table),
    };

    for (i, op) in script.ops.iter().enumerate() {
        let Some(d) = table.get(op.d()) else { continue };
        let refused = match op {
            Op::Callback { value, .. } => d.callback(*value).err().map(|_| Refusal::AlreadyCalled),
            Op::Errback { error, .. } => d
                .errback(TagError(error.as_str().to_owned()))
                .err()
                .map(|_| Refusal::AlreadyCalled),
            Op::AddCallbacks { cb, eb, .. } => {
                let (c1, c2, cb, eb) = (ctx.clone(), ctx.clone(), cb.clone(), eb.clone());
                d.add_callbacks(
                    move |v| c1.apply(&cb, i, Side::Cb, Ok(v)),
                    move |f| c2.apply(&eb, i, Side::Eb, Err(f)),
                );
                None
            }
            Op::AddCallback { cb, .. } => {
                let (c, cb) = (ctx.clone(), cb.clone());
                d.add_callback(move |v| c.apply(&cb, i, Side::Cb, Ok(v)));
                None
            }
            Op::AddErrback { eb, .. } => {
                let (c, eb) = (ctx.clone(), eb.clone());
                d.add_errback(move |f| c.apply(&eb, i, Side::Eb, Err(f)));
                None
            }
            Op::AddBoth { h, .. } => {
                let (c, h) = (ctx.clone(), h.clone());
                d.add_both(move |r| {
                    let side = if r.is_ok() { Side::Cb } else { Side::Eb };
                    c.apply(&h, i, side, r)
                });
                None
            }
            Op::Pause { .. } => {
                d.pause();
                None
            }
            Op::Unpause { .. } => d.unpause().err().map(|_| Refusal::NotPaused),
            Op::Cancel { .. } => {
                d.cancel();
                None
            }
        };
        if let Some(error) = refused {
            ctx.push(Event::Error { op: i, error });
        }
    }

    // The failure each Deferred holds at the end, if any: what it should
    // report when it goes.
    let mut finals: Vec<Option<String>> = Vec::with_capacity(table.len());
    for (d, deferred) in table.iter().enumerate() {
        let state = match deferred.state() {
            DeferredState::Pending => FinalState::Pending,
            DeferredState::Waiting => FinalState::Waiting,
            DeferredState::Paused => FinalState::Paused,
            DeferredState::Fired => FinalState::Fired,
            DeferredState::Running => FinalState::Running,
            DeferredState::Consumed => FinalState::Consumed,
        };
        let result = match state {
            FinalState::Paused | FinalState::Fired => deferred.result().as_ref().map(observe),
            _ => None,
        };
        finals.push(match &result {
            Some(Err(tag)) => Some(tag.clone()),
            _ => None,
        });
        ctx.push(Event::Final { d, state, result });
    }

    // Nothing may be reported before the Deferreds go; if something was,
    // show it under an id no script has, so that the trace differs.
    let early = take(&window);
    let mut unhandled: Vec<Event> = early
        .into_iter()
        .map(|error| Event::Unhandled {
            d: script.deferreds,
            error,
        })
        .collect();

    drop(ctx);
    // Handlers hold only `Weak`s to the table, so this is its last `Arc`;
    // should it not be, dropping our handle still drops our share.
    let deferreds: Vec<Deferred<i64>> =
        Arc::try_unwrap(table).unwrap_or_else(|shared| shared.as_ref().clone());
    let mut attribution = Attribution::new(&finals);
    for (d, deferred) in deferreds.into_iter().enumerate() {
        drop(deferred);
        for error in take(&window) {
            let owner = attribution.owner(d, &error);
            unhandled.push(Event::Unhandled { d: owner, error });
        }
    }
    // The spec orders them by id, whenever each Deferred actually went.
    unhandled.sort_by_key(|e| match e {
        Event::Unhandled { d, .. } => *d,
        _ => usize::MAX,
    });
    drop(window);

    let mut trace = std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
    trace.extend(unhandled);
    trace
}
