//! [`blocking_call_from_thread`]: a thread that is not the reactor's asks
//! the reactor to run something, and blocks until its result is there
//! (Twisted's `threads.blockingCallFromThread`).

use super::error::{DroppedUnfiredError, ReactorThreadError};
use crate::deferred::{IntoOutcome, Outcome};
use crate::failure::{AlreadyChainedError, CancelledError, Failure};
use crate::job::Job;
use crate::reactor::{Reactor, ReactorError};
use crate::sync::{Arc, Condvar, Mutex};
use crate::unwind;

/// Runs `f` on the reactor thread and blocks the calling thread until its
/// result is there: `f`'s value, its `Err`, its panic (as a
/// [`PanicError`](crate::PanicError) failure), or, if `f` returns a
/// `Deferred<T>`, that Deferred's result whenever it fires (Twisted's
/// `threads.blockingCallFromThread`). For worker threads (a
/// [`defer_to_thread`](crate::defer_to_thread) job, a thread of your own)
/// that need something only the reactor thread may touch.
///
/// A closure returning a `Deferred` or a `Result` needs the type named
/// once, as for [`defer_to_thread`](crate::defer_to_thread#naming-the-type):
/// `let v: Result<u32, Failure> = blocking_call_from_thread(&reactor, ||
/// succeed(5u32));`, or `let v: u32 = blocking_call_from_thread(..)?;`.
///
/// # Errors
///
/// Besides `f`'s own failure:
///
/// - [`ReactorThreadError`], at once and without running `f`, when called on
///   the reactor thread itself: it would wait for itself (Twisted deadlocks).
/// - [`ReactorError::Stopped`] when the reactor has stopped, or stops before
///   the result is there: a stop releases every thread blocked here, before
///   the reactor stops its thread pool (whose workers may be the ones
///   blocked), so that neither waits for the other. If `f` had not run yet,
///   it never runs; a result that comes later is dropped (a failure stays in
///   its Deferred, which reports it if nothing handles it).
/// - [`DroppedUnfiredError`] if `f` returned a Deferred that is dropped
///   without firing (nothing could fire it any more);
///   [`AlreadyChainedError`] if its result was already handed on.
///
/// Before [`run`](Reactor::run), the call waits for the reactor to start.
///
/// It takes only a [`Reactor`], not a test's
/// [`MemoryReactor`](crate::testing::MemoryReactor): there the pool's jobs
/// run on the test's thread, which is its reactor thread, so a job's call
/// would wait for a `run_calls` that only its own thread could make (here it
/// would be refused with `ReactorThreadError`); the only callers that could
/// wait are threads of the test's own, racing the test's steps, which is
/// the nondeterminism the memory reactor exists to remove. Code that calls
/// it is tested on a real reactor (or its blocking part kept apart).
///
/// ```
/// use std::time::Duration;
/// use deferred::{blocking_call_from_thread, defer_to_thread, react, Deferred};
///
/// let total = react(|reactor| -> Deferred<u32> {
///     let r = reactor.clone();
///     defer_to_thread(reactor, move || {
///         // On a worker: ask the reactor for a value, then for one that
///         // comes from a timer, and wait for each.
///         let a = blocking_call_from_thread(&r, || 40u32)?;
///         let r2 = r.clone();
///         let b: u32 = blocking_call_from_thread(&r, move || {
///             let d = Deferred::new();
///             let later = d.clone();
///             r2.call_later(Duration::from_millis(1), move || later.callback(2).unwrap()).unwrap();
///             d
///         })?;
///         Ok::<_, deferred::Failure>(a + b)
///     })
/// });
/// assert_eq!(total.unwrap(), 42);
/// ```
pub fn blocking_call_from_thread<T, F, R>(reactor: &Reactor, f: F) -> Result<T, Failure>
where
    T: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
    R: IntoOutcome<T>,
{
    if reactor.is_in_reactor_thread() {
        return Err(Failure::new(ReactorThreadError));
    }
    let rendezvous = Arc::new(Rendezvous::new());
    // Design note 11: the stop hook first, so a stop from here on finds it.
    let hook = {
        let rendezvous = Arc::clone(&rendezvous);
        reactor.add_stop_hook(Job::new(move || {
            let _ = rendezvous.complete(Err(Failure::new(ReactorError::Stopped)));
        }))
    };
    let Ok(hook) = hook else {
        return Err(Failure::new(ReactorError::Stopped));
    };
    let call = Call {
        f: Some(f),
        rendezvous: Arc::clone(&rendezvous),
    };
    // Refused: the call is dropped, and its drop answers Stopped.
    let _ = reactor.call_from_thread(move || call.run());
    let result = rendezvous.wait();
    reactor.remove_stop_hook(hook);
    result
}

/// Where the caller waits and the answer arrives.
struct Rendezvous<T> {
    state: Mutex<State<T>>,
    answered: Condvar,
    /// The hand-over to `f`'s Deferred was accepted.
    attached: Mutex<bool>,
}

enum State<T> {
    /// The call has not started on the reactor thread.
    Queued,
    /// `f` ran (and returned a Deferred, or is returning).
    Started,
    /// The answer, until the caller takes it.
    Answered(Option<Result<T, Failure>>),
}

impl<T> Rendezvous<T> {
    fn new() -> Self {
        Rendezvous {
            state: Mutex::new(State::Queued),
            answered: Condvar::new(),
            attached: Mutex::new(false),
        }
    }

    /// Whether the call may run `f`: not if the caller was already answered
    /// (a stop released it before the call's turn came).
    fn start(&self) -> bool {
        let mut state = self.state.lock();
        match *state {
            State::Queued => {
                *state = State::Started;
                true
            }
            _ => false,
        }
    }

    /// The first answer wins; a later one is handed back.
    fn complete(&self, result: Result<T, Failure>) -> Result<(), Result<T, Failure>> {
        let mut state = self.state.lock();
        if let State::Answered(_) = *state {
            return Err(result);
        }
        *state = State::Answered(Some(result));
        drop(state);
        self.answered.notify_one();
        Ok(())
    }

    fn wait(&self) -> Result<T, Failure> {
        let mut state = self.state.lock();
        loop {
            if let State::Answered(answer) = &mut *state {
                return answer.take().expect("one caller takes the answer");
            }
            state = self.answered.wait(state);
        }
    }
}

/// The call the reactor runs; dropped unrun (the reactor refused it, or was
/// dropped before it ran), it answers `Stopped`.
struct Call<F, T> {
    f: Option<F>,
    rendezvous: Arc<Rendezvous<T>>,
}

impl<F, R, T> Call<F, T>
where
    T: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
    R: IntoOutcome<T>,
{
    fn run(mut self) {
        let f = self.f.take().expect("a call runs once");
        if !self.rendezvous.start() {
            return; // the caller was released by a stop and has gone
        }
        let outcome = unwind::catch(|| f().into_outcome()).unwrap_or_else(Outcome::Failure);
        let rendezvous = Arc::clone(&self.rendezvous);
        match outcome {
            Outcome::Value(value) => drop(rendezvous.complete(Ok(value))),
            Outcome::Failure(failure) => drop(rendezvous.complete(Err(failure))),
            Outcome::Deferred(d) => {
                let answer = Answer(Some(rendezvous));
                d.hand_over(move |result| answer.send(result));
                // A hand-over dropped before this line was refused: the
                // chain was handed on already. One dropped later went with
                // the Deferred.
                *self.rendezvous.attached.lock() = true;
            }
        }
    }
}

impl<F, T> Drop for Call<F, T> {
    fn drop(&mut self) {
        if self.f.is_some() {
            let _ = self
                .rendezvous
                .complete(Err(Failure::new(ReactorError::Stopped)));
        }
    }
}

/// The hand-over at the end of the Deferred `f` returned.
struct Answer<T>(Option<Arc<Rendezvous<T>>>);

impl<T> Answer<T> {
    /// Answers the caller; if a stop answered first, a failure goes back to
    /// the Deferred (which reports it if nothing handles it), except the
    /// CancelledError nobody needs to hear of.
    fn send(mut self, result: Result<T, Failure>) -> Option<Failure> {
        let rendezvous = self.0.take().expect("an answer is sent once");
        match rendezvous.complete(result) {
            Ok(()) | Err(Ok(_)) => None,
            Err(Err(failure)) if failure.check::<CancelledError>() => None,
            Err(Err(failure)) => Some(failure),
        }
    }
}

impl<T> Drop for Answer<T> {
    fn drop(&mut self) {
        if let Some(rendezvous) = self.0.take() {
            // Dropped unsent: refused at once (`run` still holds the
            // Deferred, so it was not dropped: its chain was handed on
            // already), or later, with the Deferred, dropped unfired.
            let attached = *rendezvous.attached.lock();
            let failure = if attached {
                Failure::new(DroppedUnfiredError)
            } else {
                Failure::new(AlreadyChainedError::BlockingCall)
            };
            let _ = rendezvous.complete(Err(failure));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_dropped_unrun_answers_its_caller_stopped() {
        // Whatever drops a queued call without running it (a reactor that
        // refuses it or goes away), the caller blocked on it must not wait
        // for ever (issue 21: a `Drop for Call` that did nothing passed
        // every test; through the public API the stop hook answers first).
        let rendezvous = Arc::new(Rendezvous::<u8>::new());
        let call = Call {
            f: Some(|| 1u8),
            rendezvous: Arc::clone(&rendezvous),
        };
        drop(call);
        let answered = matches!(*rendezvous.state.lock(), State::Answered(Some(_)));
        assert!(answered, "nobody answered the caller");
        let failure = rendezvous.wait().unwrap_err();
        assert_eq!(
            failure.downcast_ref::<ReactorError>(),
            Some(&ReactorError::Stopped)
        );
    }

    #[test]
    fn a_call_that_ran_leaves_the_answer_to_its_function() {
        let rendezvous = Arc::new(Rendezvous::<u8>::new());
        Call {
            f: Some(|| 7u8),
            rendezvous: Arc::clone(&rendezvous),
        }
        .run();
        assert_eq!(rendezvous.wait().unwrap(), 7);
    }
}
