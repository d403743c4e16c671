//! Models 14 to 16: the async bridge (`src/bridge/`, design note there).
//!
//! - 14: the waker of `.await` registered on one thread while the Deferred
//!   fires on another: no lost wake-up, and exactly one wake, of the latest
//!   waker.
//! - 15: an `ensure_deferred` task woken from two threads at once: one poll
//!   at a time, the output delivered once.
//! - 16: `blocking_call_from_thread` racing a reactor stop, from a plain
//!   thread and from a worker of the reactor's own pool: the caller never
//!   hangs, and it gets `f`'s value exactly when `f` ran.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use deferred::{
    blocking_call_from_thread, defer_to_thread, ensure_deferred, Deferred, Failure, Reactor,
    ReactorError,
};
use loom::thread;

use crate::support::{exhaustive, model, pool, stop_when_running};

/// A waker that counts its wake-ups (an observation: std atomics, see support).
#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<Counter>, Waker) {
    let counter = Arc::new(Counter::default());
    (Arc::clone(&counter), Waker::from(counter))
}

fn poll<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// Model 14a: a thread blocks on `d.await` (loom's `block_on`, which parks
/// until woken) while another fires `d`. A lost wake-up is a deadlock, which
/// loom reports; the await gets the value the handler before it made.
#[test]
fn await_blocked_on_one_thread_while_another_fires() {
    exhaustive(|| {
        let d = Deferred::<i64>::new();
        d.add_callback(|v| v + 1);
        let firer = {
            let d = d.clone();
            thread::spawn(move || d.callback(41).unwrap())
        };
        let got = loom::future::block_on(d.into_future()).unwrap();
        firer.join().unwrap();
        assert_eq!(got, 42);
    });
}

/// Model 14b: the await is polled twice, with two different wakers, while
/// another thread fires. Only a waker registered when the result comes is
/// woken, exactly once, and only the latest: if the last poll was pending,
/// its waker (and no other) was woken once by the time the firer is done;
/// if the result came between the polls, the first waker was woken once and
/// the second poll found the result.
#[test]
fn only_the_latest_waker_is_woken_once_when_the_fire_races_the_polls() {
    exhaustive(|| {
        let d = Deferred::<i64>::new();
        let firer = {
            let d = d.clone();
            thread::spawn(move || d.callback(7).unwrap())
        };
        let mut future = d.into_future();
        let (first, first_waker) = counting_waker();
        let (second, second_waker) = counting_waker();
        let first_poll = poll(&mut future, &first_waker);
        let second_poll = if first_poll.is_pending() {
            poll(&mut future, &second_waker)
        } else {
            Poll::Pending // not polled again
        };
        firer.join().unwrap();
        let (w1, w2) = (
            first.0.load(Ordering::SeqCst),
            second.0.load(Ordering::SeqCst),
        );
        match (first_poll, second_poll) {
            (Poll::Ready(r), _) => {
                assert_eq!(r.unwrap(), 7);
                assert_eq!((w1, w2), (0, 0), "resolved in the first poll: no wake-up");
            }
            (Poll::Pending, Poll::Ready(r)) => {
                assert_eq!(r.unwrap(), 7);
                assert_eq!((w1, w2), (1, 0), "fired between the polls");
            }
            (Poll::Pending, Poll::Pending) => {
                assert_eq!(
                    (w1, w2),
                    (0, 1),
                    "fired after both polls: the latest waker, once"
                );
                assert_eq!(
                    poll(&mut future, &second_waker).map(Result::unwrap),
                    Poll::Ready(7)
                );
            }
        }
    });
}

/// A future that is pending on its first poll (giving its waker to the
/// test) and ready on any later one; a loom atomic marks it "in poll", so
/// loom can interleave two polls if the task ever let them overlap.
struct TwoPolls {
    polls: Arc<loom::sync::atomic::AtomicUsize>,
    in_poll: Arc<loom::sync::atomic::AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl Future for TwoPolls {
    type Output = i64;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<i64> {
        use loom::sync::atomic::Ordering::SeqCst;
        assert!(!self.in_poll.swap(true, SeqCst), "two polls at once");
        let n = self.polls.fetch_add(1, SeqCst) + 1;
        let result = if n == 1 {
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        } else {
            Poll::Ready(n as i64)
        };
        self.in_poll.store(false, SeqCst);
        result
    }
}

/// Model 15: an `ensure_deferred` task, pending after its first poll (on
/// this thread), is woken by two threads at once. Each wake-up that finds it
/// idle polls it on that thread; one that finds it scheduled or running
/// only marks it. It is never polled by two threads at once, it is polled
/// exactly twice (the second poll is ready), and its Deferred fires once,
/// with that output.
#[test]
fn a_task_woken_from_two_threads_is_polled_once_at_a_time_and_fires_once() {
    model(|| {
        let polls = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let waker_slot = Arc::new(Mutex::new(None));
        let d: Deferred<i64> = ensure_deferred(TwoPolls {
            polls: Arc::clone(&polls),
            in_poll: Arc::default(),
            waker: Arc::clone(&waker_slot),
        });
        let fired = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&fired);
        d.add_callback(move |v| {
            count.fetch_add(1, Ordering::SeqCst);
            v
        });
        let waker: Waker = waker_slot
            .lock()
            .unwrap()
            .take()
            .expect("first poll ran here");
        let wakers = [waker.clone(), waker];
        let threads: Vec<_> = wakers
            .into_iter()
            .map(|w| thread::spawn(move || w.wake()))
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(polls.load(loom::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(fired.load(Ordering::SeqCst), 1);
        assert_eq!(d.result().unwrap().unwrap(), 2);
    });
}

/// Model 15b: the same with real awaits: a task awaits two Deferreds at once
/// (each await registered on it), each fired by its own thread; the task
/// finishes once, with both values, whichever fires first and however the
/// wake-ups cross.
#[test]
fn a_task_awaiting_two_deferreds_fired_from_two_threads_finishes_once() {
    model(|| {
        let (a, b) = (Deferred::<i64>::new(), Deferred::<i64>::new());
        let d: Deferred<i64> = ensure_deferred({
            let (a, b) = (a.clone(), b.clone());
            async move {
                let (x, y) = Both::new(a.into_future(), b.into_future()).await;
                Ok::<_, Failure>(x? * 10 + y?)
            }
        });
        let fa = thread::spawn(move || a.callback(1).unwrap());
        let fb = thread::spawn(move || b.callback(2).unwrap());
        fa.join().unwrap();
        fb.join().unwrap();
        assert_eq!(d.result().unwrap().unwrap(), 12);
    });
}

/// A minimal `join` of two `Unpin` futures (the loom crate has no futures).
struct Both<A: Future, B: Future> {
    a: A,
    b: B,
    ra: Option<A::Output>,
    rb: Option<B::Output>,
}

impl<A: Future + Unpin, B: Future + Unpin> Both<A, B> {
    fn new(a: A, b: B) -> Self {
        Both {
            a,
            b,
            ra: None,
            rb: None,
        }
    }
}

impl<A, B> Future for Both<A, B>
where
    A: Future + Unpin,
    B: Future + Unpin,
    A::Output: Unpin,
    B::Output: Unpin,
{
    type Output = (A::Output, B::Output);
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.ra.is_none() {
            if let Poll::Ready(r) = Pin::new(&mut this.a).poll(cx) {
                this.ra = Some(r);
            }
        }
        if this.rb.is_none() {
            if let Poll::Ready(r) = Pin::new(&mut this.b).poll(cx) {
                this.rb = Some(r);
            }
        }
        if this.ra.is_some() && this.rb.is_some() {
            Poll::Ready((this.ra.take().unwrap(), this.rb.take().unwrap()))
        } else {
            Poll::Pending
        }
    }
}

/// A reactor whose pool has at most one worker, exiting as soon as idle.
fn reactor() -> Reactor {
    Reactor::with_thread_pool(pool(0, 1))
}

/// What the caller saw: `f`'s value or the stop.
fn outcome(result: Result<i64, Failure>) -> Result<i64, ReactorError> {
    result.map_err(|f| {
        *f.downcast_ref::<ReactorError>()
            .expect("only a stop fails it")
    })
}

/// Model 16a: a plain thread makes a blocking call while another stops the
/// reactor. The caller always returns (a hang is a loom deadlock): with
/// `f`'s value if and only if `f` ran, else with `Stopped`; and `f` runs at
/// most once.
#[test]
fn a_blocking_call_racing_a_stop_never_hangs() {
    model(|| {
        let reactor = reactor();
        let ran = Arc::new(AtomicUsize::new(0));
        let caller = {
            let (r, ran) = (reactor.clone(), Arc::clone(&ran));
            thread::spawn(move || {
                outcome(blocking_call_from_thread(&r, move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                    7i64
                }))
            })
        };
        let stopper = {
            let r = reactor.clone();
            thread::spawn(move || stop_when_running(&r))
        };
        reactor.run().unwrap();
        stopper.join().unwrap();
        let got = caller.join().unwrap();
        let ran = ran.load(Ordering::SeqCst);
        match got {
            Ok(v) => assert_eq!((v, ran), (7, 1)),
            Err(e) => assert_eq!((e, ran), (ReactorError::Stopped, 0)),
        }
    });
}

/// Model 16b: the blocking call comes from a worker of the reactor's own
/// pool, on a Deferred that nothing will fire, while the reactor stops. The
/// stop joins the pool, whose worker waits on the reactor: without the stop
/// hook that releases it first, a deadlock. Here `run` returns and the
/// worker gets `Stopped`.
#[test]
fn a_pool_worker_blocked_on_the_reactor_is_released_by_a_stop() {
    model(|| {
        let reactor = reactor();
        let answer = Arc::new(Mutex::new(None));
        let never = Deferred::<i64>::new();
        {
            let (r, answer, never) = (reactor.clone(), Arc::clone(&answer), never.clone());
            let job: Deferred<()> = defer_to_thread(&reactor, move || {
                let got = blocking_call_from_thread(&r, move || never);
                *answer.lock().unwrap() = Some(outcome(got));
            });
            drop(job);
        }
        let stopper = {
            let r = reactor.clone();
            thread::spawn(move || stop_when_running(&r))
        };
        reactor.run().unwrap();
        stopper.join().unwrap();
        // The pool was joined, so the worker is done, and it was answered.
        assert_eq!(*answer.lock().unwrap(), Some(Err(ReactorError::Stopped)));
        drop(never);
    });
}
