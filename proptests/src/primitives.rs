//! The state machine of the concurrency primitives: the reference model of
//! `deferred_model::primitives` generates and predicts; the real
//! `DeferredSemaphore` (or `DeferredLock`, for one token) and
//! `DeferredQueue` must give the same events after every step (`acquire 3
//! fired`, `get 2 got 7`, ...: the handlers on their Deferreds log them),
//! and the same counts (free tokens, waiters, queued items).
//!
//! So on random sequences of acquire, release, cancel of an acquire, put,
//! get and cancel of a get: waiters are served first come, first served,
//! no token is lost or doubled, no item is lost or delivered twice (the
//! model checks its books; the real side must match it event for event).

use std::sync::{Arc, Mutex};

use deferred::{Deferred, DeferredLock, DeferredQueue, DeferredSemaphore, Failure};
use deferred_model::primitives::{Config, Model, PrimOp};
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};

/// The reference side: the model, and the events of its last step.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The model.
    pub model: Model,
    /// What the last step must cause.
    pub last: Vec<String>,
}

/// The reference state machine.
#[derive(Debug, Clone, Copy)]
pub struct PrimitivesModel;

impl ReferenceStateMachine for PrimitivesModel {
    type State = Reference;
    type Transition = PrimOp;

    fn init_state() -> BoxedStrategy<Reference> {
        let limit = prop_oneof![Just(None), (0usize..=3).prop_map(Some)];
        (1usize..=3, limit.clone(), limit)
            .prop_map(|(tokens, size, backlog)| Reference {
                model: Model::new(Config {
                    tokens,
                    size,
                    backlog,
                }),
                last: Vec::new(),
            })
            .boxed()
    }

    fn transitions(state: &Reference) -> BoxedStrategy<PrimOp> {
        let acquires = state.model.acquires();
        let gets = state.model.gets();
        let cancel_acquire = if acquires == 0 {
            Just(PrimOp::Acquire).boxed()
        } else {
            (1..=acquires).prop_map(PrimOp::CancelAcquire).boxed()
        };
        let cancel_get = if gets == 0 {
            Just(PrimOp::Get).boxed()
        } else {
            (1..=gets).prop_map(PrimOp::CancelGet).boxed()
        };
        prop_oneof![
            3 => Just(PrimOp::Acquire),
            3 => Just(PrimOp::Release),
            1 => cancel_acquire,
            3 => (-9i64..10).prop_map(PrimOp::Put),
            3 => Just(PrimOp::Get),
            1 => cancel_get,
        ]
        .boxed()
    }

    fn apply(mut state: Reference, op: &PrimOp) -> Reference {
        state.last = state.model.step(op);
        state
    }

    fn preconditions(state: &Reference, op: &PrimOp) -> bool {
        match *op {
            PrimOp::CancelAcquire(n) => n >= 1 && n <= state.model.acquires(),
            PrimOp::CancelGet(n) => n >= 1 && n <= state.model.gets(),
            _ => true,
        }
    }
}

/// The real semaphore: a `DeferredLock` for one token, so that its API is
/// under test too.
#[derive(Debug, Clone)]
enum Tokens {
    Lock(DeferredLock),
    Semaphore(DeferredSemaphore),
}

/// What the handlers log, shared.
type Log = Arc<Mutex<Vec<String>>>;

/// The system under test.
#[derive(Debug)]
pub struct RealPrimitives {
    tokens: Tokens,
    queue: DeferredQueue<i64>,
    /// Every acquire's Deferred, by number - 1 (the lock's or the
    /// semaphore's, each as a `Deferred<()>` fed by it).
    acquires: Vec<Deferred<()>>,
    /// Every get's Deferred, by number - 1.
    gets: Vec<Deferred<i64>>,
    log: Log,
}

fn push(log: &Log, event: String) {
    log.lock().unwrap().push(event);
}

impl RealPrimitives {
    fn new(config: Config) -> Self {
        let tokens = if config.tokens == 1 {
            Tokens::Lock(DeferredLock::new())
        } else {
            Tokens::Semaphore(DeferredSemaphore::new(config.tokens).unwrap())
        };
        RealPrimitives {
            tokens,
            queue: DeferredQueue::with_limits(config.size, config.backlog),
            acquires: Vec::new(),
            gets: Vec::new(),
            log: Log::default(),
        }
    }

    /// Logs how the Deferred of waiter `word n` fires, and says at once
    /// whether it waits.
    fn watch<T: Send + 'static>(
        &self,
        word: &'static str,
        n: usize,
        d: &Deferred<T>,
        show: fn(&T) -> String,
    ) {
        let (log, errors) = (self.log.clone(), self.log.clone());
        d.add_callbacks(
            move |v: T| {
                push(&log, format!("{word} {n}{}", show(&v)));
                v
            },
            move |f: Failure| {
                let what = if f.check::<deferred::CancelledError>() {
                    "CancelledError".to_owned()
                } else {
                    f.to_string()
                };
                push(&errors, format!("{word} {n} failed {what}"));
                Err(f)
            },
        );
        if !d.is_called() {
            push(&self.log, format!("{word} {n} waits"));
        }
    }

    fn step(&mut self, op: &PrimOp) {
        match *op {
            PrimOp::Acquire => {
                let acquired: Deferred<()> = match &self.tokens {
                    Tokens::Lock(lock) => lock.acquire().map(|_| ()),
                    Tokens::Semaphore(sem) => sem.acquire().map(|_| ()),
                };
                let n = self.acquires.len() + 1;
                self.watch("acquire", n, &acquired, |_| " fired".to_owned());
                // Handled: a cancelled acquire's failure is expected.
                acquired.add_errback(|_| ());
                self.acquires.push(acquired);
            }
            PrimOp::Release => {
                let released = match &self.tokens {
                    Tokens::Lock(lock) => lock.release(),
                    Tokens::Semaphore(sem) => sem.release(),
                };
                let event = if released.is_ok() {
                    "release ok"
                } else {
                    "release refused"
                };
                push(&self.log, event.to_owned());
            }
            PrimOp::CancelAcquire(n) => self.acquires[n - 1].cancel(),
            PrimOp::Put(item) => {
                let event = match self.queue.put(item) {
                    Ok(()) => format!("put {item} ok"),
                    Err(overflow) => format!("put {} overflow", overflow.into_inner()),
                };
                push(&self.log, event);
            }
            PrimOp::Get => match self.queue.get() {
                Ok(got) => {
                    let n = self.gets.len() + 1;
                    self.watch("get", n, &got, |v| format!(" got {v}"));
                    got.add_errback(|_| 0);
                    self.gets.push(got);
                }
                Err(deferred::QueueUnderflow) => push(&self.log, "get underflow".to_owned()),
            },
            PrimOp::CancelGet(n) => self.gets[n - 1].cancel(),
        }
    }

    /// The counts the model knows, from the real primitives.
    fn counts(&self) -> (usize, usize, usize, usize) {
        let (free, waiting) = match &self.tokens {
            Tokens::Lock(lock) => (usize::from(!lock.is_locked()), lock.waiting()),
            Tokens::Semaphore(sem) => (sem.tokens(), sem.waiting()),
        };
        (free, waiting, self.queue.len(), self.queue.waiting())
    }
}

impl StateMachineTest for RealPrimitives {
    type SystemUnderTest = RealPrimitives;
    type Reference = PrimitivesModel;

    fn init_test(initial: &Reference) -> RealPrimitives {
        RealPrimitives::new(initial.model.config())
    }

    fn apply(mut real: RealPrimitives, reference: &Reference, op: PrimOp) -> RealPrimitives {
        real.step(&op);
        let events = std::mem::take(&mut *real.log.lock().unwrap());
        assert_eq!(
            events, reference.last,
            "after {op:?}: the real primitives (left) and the model (right) disagree"
        );
        let model = &reference.model;
        assert_eq!(
            real.counts(),
            (
                model.free_tokens(),
                model.acquires_waiting(),
                model.items_queued(),
                model.gets_waiting()
            ),
            "after {op:?}: (free tokens, acquires waiting, items queued, gets waiting)"
        );
        real
    }
}
