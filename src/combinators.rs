//! Ready-made Deferreds ([`succeed`], [`fail`], [`maybe_deferred`]) and
//! Deferreds made of others ([`gather_results`], [`deferred_list`]).

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::deferred::{Deferred, IntoOutcome, Outcome, WeakDeferred};
use crate::failure::Failure;
use crate::sync::{Arc, Mutex};

/// A Deferred already fired with `value` (Twisted's `defer.succeed`): for a
/// synchronous function that keeps a Deferred-returning API.
///
/// ```
/// use deferred::{succeed, Deferred};
///
/// // The seed document's synchronous validation, behind an asynchronous API.
/// fn immediate_is_valid_user(user: &str) -> Deferred<bool> {
///     succeed(["Alice", "Angus", "Agnes"].contains(&user))
/// }
///
/// let d = immediate_is_valid_user("Angus");
/// let (tx, rx) = std::sync::mpsc::channel();
/// d.add_callback(move |valid| { tx.send(valid).unwrap(); valid });
/// assert!(rx.try_recv().unwrap()); // ran at once: the result was there
/// ```
pub fn succeed<T: Send + 'static>(value: T) -> Deferred<T> {
    let d = Deferred::new();
    d.callback(value).expect("a new Deferred is unfired");
    d
}

/// A Deferred already fired with a failure (Twisted's `defer.fail`).
///
/// ```
/// use deferred::{fail, Failure};
///
/// let d = fail::<u8>(std::fmt::Error);
/// d.add_errback(|f: Failure| if f.check::<std::fmt::Error>() { 0 } else { 1 });
/// assert_eq!(d.result().unwrap().unwrap(), 0);
/// ```
pub fn fail<T: Send + 'static>(failure: impl Into<Failure>) -> Deferred<T> {
    let d = Deferred::new();
    d.errback(failure).expect("a new Deferred is unfired");
    d
}

/// Calls `f` and gives its result as a Deferred, whatever it returns
/// (Twisted's `maybeDeferred`): a value or `Ok` → a fired Deferred; `Err` or a
/// panic → a failed one; a `Deferred` → that Deferred itself.
///
/// ```
/// use deferred::{maybe_deferred, Deferred};
///
/// // Name the result type: a `Result` could also be the value itself.
/// let d: Deferred<i32> = maybe_deferred(|| "42".parse::<i32>());
/// assert_eq!(d.result().unwrap().unwrap(), 42);
/// let d: Deferred<i32> = maybe_deferred(|| -> i32 { panic!("no") });
/// assert!(d.result().unwrap().is_err());
/// ```
pub fn maybe_deferred<T, F, R>(f: F) -> Deferred<T>
where
    T: Send + 'static,
    F: FnOnce() -> R,
    R: IntoOutcome<T>,
{
    match catch_unwind(AssertUnwindSafe(|| f().into_outcome())) {
        Ok(Outcome::Value(value)) => succeed(value),
        Ok(Outcome::Failure(failure)) => fail(failure),
        Ok(Outcome::Deferred(d)) => d,
        Err(panic) => fail(Failure::from_panic(panic)),
    }
}

/// A Deferred that fires with every input's value, in input order, once all
/// have fired; or fails with the first failure as soon as one fails (Twisted's
/// `gatherResults` with `consumeErrors=True`).
///
/// The inputs are consumed (their results go to the new Deferred); failures
/// after the first are dropped, since the gathered Deferred already failed.
/// Cancelling the gathered Deferred cancels every input that has not fired.
/// The inputs' results go on arriving (and are dropped) after it has fired.
///
/// ```
/// use deferred::{gather_results, Deferred};
///
/// let (a, b) = (Deferred::new(), Deferred::new());
/// let all = gather_results(vec![a.clone(), b.clone()]);
/// b.callback(2).unwrap();
/// a.callback(1).unwrap();
/// assert_eq!(all.result().unwrap().unwrap(), vec![1, 2]);
/// ```
pub fn gather_results<T, I>(deferreds: I) -> Deferred<Vec<T>>
where
    T: Send + 'static,
    I: IntoIterator<Item = Deferred<T>>,
{
    let gathered = collect(deferreds, true);
    gathered.map(|results: Vec<Result<T, Failure>>| {
        results.into_iter().collect::<Result<Vec<T>, Failure>>()
    })
}

/// A Deferred that fires, once every input has fired, with each input's
/// result (value or failure) in input order; it never fails (Twisted's
/// `DeferredList` with `consumeErrors=True`).
///
/// The inputs are consumed: their failures count as handled here. Cancelling
/// the list cancels every input that has not fired.
///
/// ```
/// use deferred::{deferred_list, fail, succeed, Deferred};
///
/// let list = deferred_list(vec![succeed(1), fail(std::fmt::Error)]);
/// let results = list.result().unwrap().unwrap();
/// assert_eq!(*results[0].as_ref().unwrap(), 1);
/// assert!(results[1].as_ref().unwrap_err().check::<std::fmt::Error>());
/// ```
pub fn deferred_list<T, I>(deferreds: I) -> Deferred<Vec<Result<T, Failure>>>
where
    T: Send + 'static,
    I: IntoIterator<Item = Deferred<T>>,
{
    collect(deferreds, false)
}

/// The results gathered so far.
struct Gathered<T> {
    /// One slot per input, filled as each fires.
    results: Vec<Option<Result<T, Failure>>>,
    /// Inputs not fired yet.
    remaining: usize,
    /// The output fired already (a failure, with `fail_fast`).
    done: bool,
}

/// Feeds every input into one output; with `fail_fast`, the first failure
/// fires the output at once (holding only that failure).
fn collect<T, I>(deferreds: I, fail_fast: bool) -> Deferred<Vec<Result<T, Failure>>>
where
    T: Send + 'static,
    I: IntoIterator<Item = Deferred<T>>,
{
    let inputs: Vec<Deferred<T>> = deferreds.into_iter().collect();
    if inputs.is_empty() {
        return succeed(Vec::new());
    }
    // Weak, as in `Deferred::then`: the inputs' hand-over entries hold the
    // output, so the output must not hold them back. An input that is gone
    // can never fire; the output's own cancel covers it.
    let to_cancel: Vec<_> = inputs.iter().map(Deferred::downgrade).collect();
    let output = Deferred::with_canceller(move |_| {
        for input in to_cancel.iter().filter_map(WeakDeferred::upgrade) {
            input.cancel();
        }
    });
    let gathered = Arc::new(Mutex::new(Gathered {
        results: inputs.iter().map(|_| None).collect(),
        remaining: inputs.len(),
        done: false,
    }));
    for (index, input) in inputs.into_iter().enumerate() {
        let gathered = Arc::clone(&gathered);
        let output = output.clone();
        let _consumed: Deferred<()> = input.then(move |result: Result<T, Failure>| {
            let mut state = gathered.lock();
            if state.done {
                return;
            }
            let fire = if fail_fast && result.is_err() {
                state.done = true;
                Some(vec![result])
            } else {
                state.results[index] = Some(result);
                state.remaining -= 1;
                (state.remaining == 0).then(|| {
                    state.done = true;
                    state.results.iter_mut().filter_map(Option::take).collect()
                })
            };
            drop(state);
            if let Some(results) = fire {
                // Only ever fails if the user fired the output themselves.
                let _ = output.callback(results);
            }
        });
    }
    output
}
