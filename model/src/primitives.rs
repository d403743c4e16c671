//! The reference model of the concurrency primitives: a semaphore (a lock
//! when it has one token) and a queue, as plain single-threaded
//! bookkeeping, deliberately unlike the real ones (no Deferreds, no locks,
//! no hand-offs): what [`deferred::DeferredSemaphore`],
//! [`deferred::DeferredLock`] and [`deferred::DeferredQueue`] should do for
//! any sequence of [`PrimOp`]s.
//!
//! Each step gives the events the real primitives must produce, in order,
//! in the words of `tests/twisted/primitives.py`: `acquire 3 fired`,
//! `acquire 3 waits`, `acquire 3 failed CancelledError`, `release ok`,
//! `release refused`, `get 2 got 7`, `get 2 waits`, `get underflow`,
//! `put 7 ok`, `put 7 overflow`. Acquires and gets are numbered from 1 in
//! the order they were made (a refused get gets no number). The model also
//! checks its own books after every step: every token is free or held
//! (none lost, none doubled), every item put is queued or delivered once.
//!
//! ```
//! use deferred_model::primitives::{Model, Config, PrimOp};
//!
//! let mut model = Model::new(Config { tokens: 1, size: None, backlog: None });
//! assert_eq!(model.step(&PrimOp::Acquire), ["acquire 1 fired"]);
//! assert_eq!(model.step(&PrimOp::Acquire), ["acquire 2 waits"]);
//! assert_eq!(model.step(&PrimOp::Release), ["acquire 2 fired", "release ok"]);
//! ```

use std::collections::VecDeque;

/// One operation on the primitives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrimOp {
    /// `acquire()` on the semaphore (or lock).
    Acquire,
    /// `release()`.
    Release,
    /// `cancel()` of the Deferred of acquire number `n` (from 1).
    CancelAcquire(usize),
    /// `put(item)` on the queue.
    Put(i64),
    /// `get()`.
    Get,
    /// `cancel()` of the Deferred of get number `n` (from 1).
    CancelGet(usize),
}

/// The primitives' parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The semaphore's tokens (1: a lock).
    pub tokens: usize,
    /// The queue's `size` limit.
    pub size: Option<usize>,
    /// The queue's `backlog` limit.
    pub backlog: Option<usize>,
}

/// Where an acquire or a get is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiter {
    /// In line.
    Waiting,
    /// Served (holds a token, or got an item).
    Served,
    /// Cancelled while in line.
    Cancelled,
}

/// The model's state.
#[derive(Debug, Clone)]
pub struct Model {
    config: Config,
    /// Tokens nobody holds.
    free: usize,
    /// Acquires in line (their numbers), oldest first.
    acquire_line: VecDeque<usize>,
    /// Every acquire, by number - 1.
    acquires: Vec<Waiter>,
    /// Successful releases so far.
    releases: usize,
    /// Items queued, oldest first.
    items: VecDeque<i64>,
    /// Gets in line (their numbers), oldest first.
    get_line: VecDeque<usize>,
    /// Every get, by number - 1.
    gets: Vec<Waiter>,
    /// Items accepted by `put`.
    accepted: usize,
    /// Items delivered to a get.
    delivered: usize,
}

impl Model {
    /// The primitives, new: every token free, the queue empty.
    pub fn new(config: Config) -> Self {
        Model {
            config,
            free: config.tokens,
            acquire_line: VecDeque::new(),
            acquires: Vec::new(),
            releases: 0,
            items: VecDeque::new(),
            get_line: VecDeque::new(),
            gets: Vec::new(),
            accepted: 0,
            delivered: 0,
        }
    }

    /// The parameters.
    pub fn config(&self) -> Config {
        self.config
    }

    /// Acquires made so far.
    pub fn acquires(&self) -> usize {
        self.acquires.len()
    }

    /// Gets made so far (refused ones not counted).
    pub fn gets(&self) -> usize {
        self.gets.len()
    }

    /// Tokens free now.
    pub fn free_tokens(&self) -> usize {
        self.free
    }

    /// Acquires waiting now.
    pub fn acquires_waiting(&self) -> usize {
        self.acquire_line.len()
    }

    /// Items queued now.
    pub fn items_queued(&self) -> usize {
        self.items.len()
    }

    /// Gets waiting now.
    pub fn gets_waiting(&self) -> usize {
        self.get_line.len()
    }

    /// Applies `op`; returns the events it must cause, in order.
    ///
    /// # Panics
    ///
    /// If a cancel names an acquire or get not made yet (a generator bug),
    /// or if the model's own books do not balance (a model bug).
    pub fn step(&mut self, op: &PrimOp) -> Vec<String> {
        let mut events = Vec::new();
        match *op {
            PrimOp::Acquire => {
                self.acquires.push(Waiter::Waiting);
                let n = self.acquires.len();
                if self.free > 0 {
                    self.free -= 1;
                    self.acquires[n - 1] = Waiter::Served;
                    events.push(format!("acquire {n} fired"));
                } else {
                    self.acquire_line.push_back(n);
                    events.push(format!("acquire {n} waits"));
                }
            }
            PrimOp::Release => {
                if self.free == self.config.tokens {
                    events.push("release refused".to_owned());
                } else {
                    self.releases += 1;
                    match self.acquire_line.pop_front() {
                        Some(n) => {
                            self.acquires[n - 1] = Waiter::Served;
                            events.push(format!("acquire {n} fired"));
                        }
                        None => self.free += 1,
                    }
                    events.push("release ok".to_owned());
                }
            }
            PrimOp::CancelAcquire(n) => {
                assert!(n >= 1 && n <= self.acquires.len(), "no acquire {n}");
                if self.acquires[n - 1] == Waiter::Waiting {
                    self.acquire_line.retain(|&m| m != n);
                    self.acquires[n - 1] = Waiter::Cancelled;
                    events.push(format!("acquire {n} failed CancelledError"));
                }
            }
            PrimOp::Put(item) => match self.get_line.pop_front() {
                Some(n) => {
                    self.gets[n - 1] = Waiter::Served;
                    self.accepted += 1;
                    self.delivered += 1;
                    events.push(format!("get {n} got {item}"));
                    events.push(format!("put {item} ok"));
                }
                None if self.config.size.is_some_and(|s| self.items.len() >= s) => {
                    events.push(format!("put {item} overflow"));
                }
                None => {
                    self.accepted += 1;
                    self.items.push_back(item);
                    events.push(format!("put {item} ok"));
                }
            },
            PrimOp::Get => {
                if let Some(item) = self.items.pop_front() {
                    self.gets.push(Waiter::Served);
                    self.delivered += 1;
                    events.push(format!("get {} got {item}", self.gets.len()));
                } else if self
                    .config
                    .backlog
                    .is_some_and(|b| self.get_line.len() >= b)
                {
                    events.push("get underflow".to_owned());
                } else {
                    self.gets.push(Waiter::Waiting);
                    let n = self.gets.len();
                    self.get_line.push_back(n);
                    events.push(format!("get {n} waits"));
                }
            }
            PrimOp::CancelGet(n) => {
                assert!(n >= 1 && n <= self.gets.len(), "no get {n}");
                if self.gets[n - 1] == Waiter::Waiting {
                    self.get_line.retain(|&m| m != n);
                    self.gets[n - 1] = Waiter::Cancelled;
                    events.push(format!("get {n} failed CancelledError"));
                }
            }
        }
        self.check_books();
        events
    }

    /// No token lost or doubled, no item lost or doubled, and the lines
    /// hold exactly the waiting ones.
    fn check_books(&self) {
        let held = self
            .acquires
            .iter()
            .filter(|w| **w == Waiter::Served)
            .count()
            - self.releases;
        assert_eq!(
            self.free + held,
            self.config.tokens,
            "tokens do not balance"
        );
        assert!(self.acquire_line.is_empty() || self.free == 0);
        let waiting = self.acquires.iter().filter(|w| **w == Waiter::Waiting);
        assert_eq!(waiting.count(), self.acquire_line.len());
        assert_eq!(
            self.accepted,
            self.delivered + self.items.len(),
            "items do not balance"
        );
        assert!(self.items.is_empty() || self.get_line.is_empty());
        let waiting = self.gets.iter().filter(|w| **w == Waiter::Waiting);
        assert_eq!(waiting.count(), self.get_line.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(tokens: usize, size: Option<usize>, backlog: Option<usize>) -> Model {
        Model::new(Config {
            tokens,
            size,
            backlog,
        })
    }

    #[test]
    fn a_cancelled_acquire_is_skipped_by_the_next_release() {
        let mut m = model(1, None, None);
        m.step(&PrimOp::Acquire);
        m.step(&PrimOp::Acquire);
        m.step(&PrimOp::Acquire);
        assert_eq!(
            m.step(&PrimOp::CancelAcquire(2)),
            ["acquire 2 failed CancelledError"]
        );
        assert_eq!(m.step(&PrimOp::Release), ["acquire 3 fired", "release ok"]);
        assert_eq!(m.step(&PrimOp::CancelAcquire(3)), Vec::<String>::new());
    }

    #[test]
    fn releases_beyond_the_tokens_are_refused() {
        let mut m = model(2, None, None);
        assert_eq!(m.step(&PrimOp::Release), ["release refused"]);
        m.step(&PrimOp::Acquire);
        assert_eq!(m.step(&PrimOp::Release), ["release ok"]);
        assert_eq!(m.step(&PrimOp::Release), ["release refused"]);
        assert_eq!(m.free_tokens(), 2);
    }

    #[test]
    fn the_queue_follows_twisteds_test_queue() {
        let mut m = model(1, Some(2), Some(2));
        assert_eq!(m.step(&PrimOp::Get), ["get 1 waits"]);
        assert_eq!(m.step(&PrimOp::Get), ["get 2 waits"]);
        assert_eq!(m.step(&PrimOp::Get), ["get underflow"]);
        assert_eq!(m.step(&PrimOp::Put(0)), ["get 1 got 0", "put 0 ok"]);
        assert_eq!(m.step(&PrimOp::Put(1)), ["get 2 got 1", "put 1 ok"]);
        assert_eq!(m.step(&PrimOp::Put(2)), ["put 2 ok"]);
        assert_eq!(m.step(&PrimOp::Put(3)), ["put 3 ok"]);
        assert_eq!(m.step(&PrimOp::Put(4)), ["put 4 overflow"]);
        assert_eq!(m.step(&PrimOp::Get), ["get 3 got 2"]);
        assert_eq!(m.step(&PrimOp::CancelGet(3)), Vec::<String>::new());
    }
}
