//! [`DeferredList`] and [`deferred_list`]: one Deferred for the results of
//! many (Twisted's `DeferredList`, with its three options in typed form).
//!
//! # Design note
//!
//! 1. **One hand-over per input.** Each input's chain ends (as with
//!    [`Deferred::then`]) in an entry that records its result in a shared
//!    [`Collector`] under a lock, decides there whether this result fires
//!    the output, and fires it after the lock is released (the output's
//!    handlers are user code). Exactly one result fires the output:
//!    `fired` is set in the same critical section that decides.
//! 2. **What the input keeps.** Twisted hands every result back to its
//!    input's chain (a failure as `None` with `consumeErrors`), so handlers
//!    added to an input after it joined still see it. Here the hand-over is
//!    a join (`Deferred::join`): a failure is cheap to share, so without
//!    `consume_errors` the input passes it on (and reports it if it is
//!    dropped unhandled, which is the "Unhandled error in Deferred" Twisted
//!    logs for it). A value is passed on as a clone with
//!    [`DeferredList::keep_values`] (`T: Clone`, a function pointer kept in
//!    the options: no specialization); otherwise it moves to the output
//!    (`T` need not be `Clone`) and the input ends consumed, the handlers
//!    queued behind the join dropped. A join that can pass everything on
//!    is an ordinary handler ([`JoinKind::PassesOn`]); one that may take
//!    the result holds later hand-ons off until it decides
//!    ([`JoinKind::MayTake`]). An input handed on already gets
//!    `AlreadyChainedError` at once.
//! 3. **Cancel.** The output's canceller cancels every input in order
//!    (Twisted's `DeferredList.cancel`); their `CancelledError`s arrive
//!    through the hand-overs and settle the output as in Twisted. The list
//!    holds its unfired inputs for that ([`Inputs`]). Results after the
//!    output fired are dropped.

use std::fmt;

use super::first_error::FirstError;
use super::inputs::Inputs;
use super::ready::succeed;
use crate::deferred::{Deferred, JoinKind};
use crate::failure::Failure;
use crate::sync::{Arc, Mutex};

/// A Deferred that fires, once every input has fired, with each input's
/// result in input order: Twisted's `DeferredList(deferreds)` with its
/// default options (the same as
/// [`DeferredList::new(deferreds).build()`](DeferredList::build)).
///
/// An empty list fires at once with an empty `Vec`. A value moves here
/// (the input ends consumed; [`DeferredList::keep_values`] passes a clone
/// on instead); a failure is also passed on to the input's later handlers,
/// as in Twisted without `consumeErrors`, and the input reports it if it is
/// dropped unhandled: use [`DeferredList::consume_errors`] to take the
/// failures over. An input whose result was handed on already (the same
/// Deferred twice, one `map` took) gets
/// [`AlreadyChainedError`](crate::AlreadyChainedError) at once. Cancelling
/// the list cancels every input.
///
/// ```
/// use deferred::{deferred_list, succeed, Deferred};
///
/// let late = Deferred::new();
/// let list = deferred_list(vec![succeed(1), late.clone()]);
/// late.errback(std::fmt::Error).unwrap();
/// let results = list.result().unwrap().unwrap();
/// assert_eq!(*results[0].as_ref().unwrap(), 1);
/// assert!(results[1].as_ref().unwrap_err().check::<std::fmt::Error>());
/// ```
#[must_use = "the Deferred holds the result: dropping it loses the result"]
pub fn deferred_list<T, I>(deferreds: I) -> Deferred<Vec<Result<T, Failure>>>
where
    T: Send + 'static,
    I: IntoIterator<Item = Deferred<T>>,
{
    DeferredList::new(deferreds).build()
}

/// Twisted's `DeferredList`, with its options in typed form: set them, then
/// build the Deferred.
///
/// | Twisted | here | the Deferred fires with |
/// | --- | --- | --- |
/// | `DeferredList(ds)` | [`DeferredList::new(ds).build()`](DeferredList::build) (or [`deferred_list`]) | `Vec<Result<T, Failure>>`, every input's result in input order, once all fired |
/// | `fireOnOneErrback=True` | [`.fire_on_one_errback(true)`](DeferredList::fire_on_one_errback) | fails with [`FirstError`] at the first failing input |
/// | `consumeErrors=True` | [`.consume_errors(true)`](DeferredList::consume_errors) | (the same; the inputs no longer keep their failures) |
/// | `fireOnOneCallback=True` | [`.first_success()`](DeferredList::first_success) instead of `build` | [`FirstSuccess`]: the first input to succeed and its index (Twisted: `(result, index)`), or every failure if none did |
/// | `gatherResults(ds, consumeErrors)` | [`.gather()`](DeferredList::gather) instead of `build` (or [`gather_results`](crate::gather_results)) | `Vec<T>`, or fails with [`FirstError`] |
/// | (results passed back to the inputs) | [`.keep_values()`](DeferredList::keep_values) (`T: Clone`) | (the same; the inputs keep their values too) |
///
/// Options not set keep Twisted's defaults (all `False`).
///
/// ```
/// use deferred::{Deferred, DeferredList, FirstError};
///
/// let (a, b) = (Deferred::<u32>::new(), Deferred::<u32>::new());
/// let list = DeferredList::new(vec![a.clone(), b.clone()])
///     .fire_on_one_errback(true)
///     .consume_errors(true)
///     .build();
/// b.errback(std::fmt::Error).unwrap();
/// let failure = list.result().unwrap().unwrap_err();
/// assert_eq!(failure.downcast_ref::<FirstError>().unwrap().index(), 1);
/// # list.add_errback(|_| Vec::new());
/// ```
#[must_use = "a DeferredList does nothing until built"]
pub struct DeferredList<T: 'static> {
    /// The inputs, in order.
    inputs: Vec<Deferred<T>>,
    /// Fail with `FirstError` at the first failing input.
    fire_on_one_errback: bool,
    /// The inputs do not keep their failures.
    consume_errors: bool,
    /// The inputs keep their values too: how to copy one (set by
    /// `keep_values`, where `T: Clone`).
    keep_values: Option<fn(&T) -> T>,
}

/// What a [`DeferredList::first_success`] Deferred fires with (Twisted's
/// `DeferredList(..., fireOnOneCallback=True)`).
#[derive(Debug, Clone)]
pub enum FirstSuccess<T> {
    /// The first input to succeed: where it sits in the input list, and its
    /// value (Twisted: `(result, index)`).
    Success {
        /// Where the input sits in the input list, from 0.
        index: usize,
        /// Its value.
        value: T,
    },
    /// No input succeeded: every input's failure, in input order (Twisted:
    /// the list of `(False, failure)` pairs).
    AllFailed(Vec<Failure>),
}

impl<T> Default for FirstSuccess<T> {
    /// `AllFailed` with no failures: what a `first_success` of no inputs
    /// would say, and the value an errback (say [`log_err`](crate::log_err))
    /// goes on with.
    fn default() -> Self {
        FirstSuccess::AllFailed(Vec::new())
    }
}

impl<T: Send + 'static> DeferredList<T> {
    /// A list of these inputs, with Twisted's default options.
    pub fn new<I>(deferreds: I) -> Self
    where
        I: IntoIterator<Item = Deferred<T>>,
    {
        DeferredList {
            inputs: deferreds.into_iter().collect(),
            fire_on_one_errback: false,
            consume_errors: false,
            keep_values: None,
        }
    }

    /// Twisted's `fireOnOneErrback`: the Deferred fails with a [`FirstError`]
    /// (the input's index and failure) as soon as an input fails, without
    /// waiting for the others. Default `false`.
    pub fn fire_on_one_errback(mut self, yes: bool) -> Self {
        self.fire_on_one_errback = yes;
        self
    }

    /// Twisted's `consumeErrors`: with `true`, an input that fails hands its
    /// failure to the list and is left consumed; with `false` (the default,
    /// as in Twisted) it also keeps the failure, and reports it as unhandled
    /// if it is dropped so (Twisted logs "Unhandled error in Deferred" for it
    /// the same way), unless a handler added to the input later handles it:
    /// as in Twisted, an input passes its failure on to its own later
    /// handlers. (Its value moves to the list, unless
    /// [`keep_values`](Self::keep_values).)
    ///
    /// ```
    /// use deferred::{deferred_list, Deferred, Failure};
    ///
    /// let d = Deferred::<u8>::new();
    /// let list = deferred_list(vec![d.clone()]);
    /// d.add_errback(|_: Failure| 0); // added after it joined: still runs
    /// d.errback(std::fmt::Error).unwrap();
    /// assert_eq!(d.result().unwrap().unwrap(), 0); // handled: nothing reported
    /// assert!(list.result().unwrap().unwrap()[0].is_err());
    /// ```
    pub fn consume_errors(mut self, yes: bool) -> Self {
        self.consume_errors = yes;
        self
    }

    /// The Deferred: fires with every input's result, in input order, once
    /// all have fired; with [`fire_on_one_errback`](Self::fire_on_one_errback),
    /// fails with a [`FirstError`] at the first failure instead. An empty
    /// list fires at once with an empty `Vec`.
    pub fn build(self) -> Deferred<Vec<Result<T, Failure>>> {
        let options = self.options(false);
        if self.inputs.is_empty() {
            return succeed(Vec::new());
        }
        collect(self.inputs, options, |settled| match settled {
            Settled::All(results) => Ok(results),
            Settled::FirstError(index, failure) => {
                Err(Failure::new(FirstError::new(failure, index)))
            }
            Settled::Success(..) => unreachable!("not asked for (first_success is off)"),
        })
    }

    /// Twisted's `fireOnOneCallback`: the Deferred fires as soon as an input
    /// succeeds, with its index and value; if none does, with every failure
    /// once all have failed (or, with
    /// [`fire_on_one_errback`](Self::fire_on_one_errback), it fails with a
    /// [`FirstError`] at the first failure). Inputs that fire after it are
    /// not cancelled (see [`race`](crate::race) for that).
    ///
    /// An empty list never fires, as in Twisted (`cancel` fails it with
    /// `CancelledError`).
    ///
    /// ```
    /// use deferred::{Deferred, DeferredList, FirstSuccess};
    ///
    /// let (a, b) = (Deferred::<&str>::new(), Deferred::<&str>::new());
    /// let first = DeferredList::new(vec![a.clone(), b.clone()]).first_success();
    /// b.callback("b").unwrap();
    /// match first.result().unwrap().unwrap() {
    ///     FirstSuccess::Success { index, value } => assert_eq!((index, value), (1, "b")),
    ///     FirstSuccess::AllFailed(_) => unreachable!(),
    /// }
    /// ```
    #[doc(alias = "fireOnOneCallback")]
    pub fn first_success(self) -> Deferred<FirstSuccess<T>> {
        let options = self.options(true);
        if self.inputs.is_empty() {
            return Deferred::new();
        }
        collect(self.inputs, options, |settled| match settled {
            Settled::Success(index, value) => Ok(FirstSuccess::Success { index, value }),
            Settled::FirstError(index, failure) => {
                Err(Failure::new(FirstError::new(failure, index)))
            }
            Settled::All(results) => Ok(FirstSuccess::AllFailed(
                results
                    .into_iter()
                    .map(|r| r.err().expect("a success would have fired first"))
                    .collect(),
            )),
        })
    }

    /// Twisted's `gatherResults(deferreds, consumeErrors)`: the values in
    /// input order once all inputs have succeeded, or a [`FirstError`] at
    /// the first failure (that is, `fire_on_one_errback` is implied). An
    /// empty list fires at once with an empty `Vec`.
    #[doc(alias = "gatherResults")]
    pub fn gather(self) -> Deferred<Vec<T>> {
        self.fire_on_one_errback(true).collect_values()
    }

    fn collect_values(self) -> Deferred<Vec<T>> {
        let options = self.options(false);
        if self.inputs.is_empty() {
            return succeed(Vec::new());
        }
        collect(self.inputs, options, |settled| match settled {
            Settled::All(results) => results.into_iter().collect(),
            Settled::FirstError(index, failure) => {
                Err(Failure::new(FirstError::new(failure, index)))
            }
            Settled::Success(..) => unreachable!("not asked for (first_success is off)"),
        })
    }

    fn options(&self, fire_on_one_callback: bool) -> Options<T> {
        Options {
            fire_on_one_callback,
            fire_on_one_errback: self.fire_on_one_errback,
            consume_errors: self.consume_errors,
            keep_values: self.keep_values,
        }
    }
}

impl<T: Clone + Send + 'static> DeferredList<T> {
    /// The inputs keep their values, as in Twisted: each input passes a
    /// clone of its value on to the handlers added to it after it joined
    /// (without this, the value moves to the list and those handlers never
    /// run). With it, the same Deferred may also be given twice (each place
    /// gets a clone), and, without `consume_errors`, an input stays free to
    /// be chained (`then`, `.await`, another combinator) after it joined.
    /// Needs `T: Clone`; off by default, so that lists of anything else
    /// still work.
    ///
    /// ```
    /// use deferred::{Deferred, DeferredList};
    ///
    /// let d = Deferred::<u32>::new();
    /// let all = DeferredList::new(vec![d.clone(), d.clone()]).keep_values().gather();
    /// d.add_callback(|v| v + 1); // added after it joined: still runs
    /// d.callback(1).unwrap();
    /// assert_eq!(all.result().unwrap().unwrap(), vec![1, 1]);
    /// assert_eq!(d.result().unwrap().unwrap(), 2);
    /// ```
    pub fn keep_values(mut self) -> Self {
        self.keep_values = Some(T::clone);
        self
    }
}

impl<T: Send + 'static> fmt::Debug for DeferredList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferredList")
            .field("inputs", &self.inputs.len())
            .field("fire_on_one_errback", &self.fire_on_one_errback)
            .field("consume_errors", &self.consume_errors)
            .field("keep_values", &self.keep_values.is_some())
            .finish()
    }
}

/// The options, as the hand-overs read them.
struct Options<T> {
    fire_on_one_callback: bool,
    fire_on_one_errback: bool,
    consume_errors: bool,
    keep_values: Option<fn(&T) -> T>,
}

impl<T> Options<T> {
    /// How the hand-overs join the inputs (design note 2).
    fn join_kind(&self) -> JoinKind {
        if self.keep_values.is_some() && !self.consume_errors {
            JoinKind::PassesOn
        } else {
            JoinKind::MayTake
        }
    }
}

/// Why the output fires.
enum Settled<T> {
    /// `fire_on_one_callback`: input `.0` succeeded first.
    Success(usize, T),
    /// `fire_on_one_errback`: input `.0` failed first.
    FirstError(usize, Failure),
    /// Every input fired; their results in input order.
    All(Vec<Result<T, Failure>>),
}

/// The results so far (design note 1).
struct Collector<T> {
    /// One slot per input, filled as each fires, until the output fires.
    results: Vec<Option<Result<T, Failure>>>,
    /// Inputs whose result arrived.
    finished: usize,
    /// The output was fired (or is being fired) by a hand-over.
    fired: bool,
}

/// What the hand-overs and the canceller share.
struct Shared<T: 'static, U: 'static> {
    collector: Mutex<Collector<T>>,
    /// The unfired inputs, for the canceller.
    inputs: Inputs<T>,
    options: Options<T>,
    /// Turns the settled results into the output's result.
    finish: fn(Settled<T>) -> Result<U, Failure>,
}

impl<T: Send + 'static, U: Send + 'static> Shared<T, U> {
    /// Input `index` gave `result`: record it, fire `output` if that settles
    /// it. Returns what the input passes on (design note 2).
    fn arrive(
        &self,
        output: &Deferred<U>,
        index: usize,
        result: Result<T, Failure>,
    ) -> Option<Result<T, Failure>> {
        self.inputs.arrived(index);
        let kept = match &result {
            Ok(value) => self.options.keep_values.map(|copy| Ok(copy(value))),
            Err(failure) if !self.options.consume_errors => Some(Err(failure.clone())),
            Err(_) => None,
        };
        let mut collector = self.collector.lock();
        collector.finished += 1;
        let settled = if collector.fired {
            // Twisted records results after it fired too; nobody can see
            // them there, and here they are simply dropped.
            None
        } else {
            match result {
                Ok(value) if self.options.fire_on_one_callback => {
                    Some(Settled::Success(index, value))
                }
                Err(failure) if self.options.fire_on_one_errback => {
                    Some(Settled::FirstError(index, failure))
                }
                result => {
                    collector.results[index] = Some(result);
                    (collector.finished == collector.results.len()).then(|| {
                        Settled::All(
                            collector
                                .results
                                .iter_mut()
                                .map(|slot| slot.take().expect("every input finished"))
                                .collect(),
                        )
                    })
                }
            }
        };
        if settled.is_some() {
            collector.fired = true;
        }
        drop(collector);
        if let Some(settled) = settled {
            // Fails only if the user fired the output themselves; then the
            // result has nowhere to go, as in Twisted (which would raise
            // AlreadyCalledError into the input's chain).
            let _ = output.fire((self.finish)(settled));
        }
        kept
    }
}

/// Feeds every input into one output (design notes 1 to 3).
fn collect<T, U>(
    inputs: Vec<Deferred<T>>,
    options: Options<T>,
    finish: fn(Settled<T>) -> Result<U, Failure>,
) -> Deferred<U>
where
    T: Send + 'static,
    U: Send + 'static,
{
    let shared = Arc::new(Shared {
        collector: Mutex::new(Collector {
            results: inputs.iter().map(|_| None).collect(),
            finished: 0,
            fired: false,
        }),
        inputs: Inputs::new(&inputs),
        options,
        finish,
    });
    let canceller_shared = Arc::clone(&shared);
    let output = Deferred::with_canceller(move |_: &Deferred<U>| {
        canceller_shared.inputs.cancel_all(None);
    });
    let kind = shared.options.join_kind();
    for (index, input) in inputs.into_iter().enumerate() {
        let (shared, output) = (Arc::clone(&shared), output.clone());
        // An input handed on already arrives at once with an
        // `AlreadyChainedError` failure (design note 2).
        input.join(move |result| shared.arrive(&output, index, result), kind);
    }
    output
}
