//! `.await` on a Deferred under the executors a user would pick:
//! `futures::executor::block_on` and a tokio runtime (both dev-dependencies
//! only), with the Deferreds fired from plain threads, from the reactor, and
//! from inside the runtime; and `Deferred::from_future` driving futures that
//! tokio wakes.

use std::future::IntoFuture;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use deferred::{
    defer_to_thread, ensure_deferred, react, CancelledError, Deferred, DeferredState, Failure,
    Reactor,
};

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

#[test]
fn block_on_awaits_a_deferred_fired_from_another_thread() {
    let d = Deferred::<String>::new();
    d.add_callback(|s| s + "!");
    let firer = {
        let d = d.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(5));
            d.callback("hello".into()).unwrap();
        })
    };
    let got = futures::executor::block_on(d.into_future()).unwrap();
    assert_eq!(got, "hello!");
    firer.join().unwrap();
}

#[test]
fn block_on_awaits_a_chain_of_deferreds_inside_an_async_block() {
    let a = Deferred::<u32>::new();
    let b = Deferred::<u32>::new();
    let (fa, fb) = (a.clone(), b.clone());
    let firer = thread::spawn(move || {
        fa.callback(2).unwrap();
        thread::sleep(Duration::from_millis(2));
        fb.callback(3).unwrap();
    });
    let product = futures::executor::block_on(async move {
        let x = a.await?;
        let y = b.await?;
        Ok::<_, Failure>(x * y)
    });
    assert_eq!(product.unwrap(), 6);
    firer.join().unwrap();
}

#[test]
fn block_on_awaits_an_ensure_deferred_task() {
    let inner = Deferred::<u8>::new();
    let task: Deferred<u8> = ensure_deferred({
        let inner = inner.clone();
        async move { Ok::<_, Failure>(inner.await? + 1) }
    });
    let firer = thread::spawn(move || inner.callback(41).unwrap());
    assert_eq!(futures::executor::block_on(task.into_future()).unwrap(), 42);
    firer.join().unwrap();
}

#[test]
fn block_on_awaits_defer_to_thread_results_from_a_running_reactor() {
    let reactor = Reactor::new();
    let runner = {
        let r = reactor.clone();
        thread::spawn(move || r.run().unwrap())
    };
    let d: Deferred<u64> = defer_to_thread(&reactor, || (1..=10u64).sum::<u64>());
    assert_eq!(futures::executor::block_on(d.into_future()).unwrap(), 55);
    let r = reactor.clone();
    reactor.call_from_thread(move || r.stop().unwrap()).unwrap();
    runner.join().unwrap();
}

#[test]
fn tokio_tasks_await_deferreds_fired_from_plain_threads() {
    let runtime = tokio_runtime();
    let deferreds: Vec<Deferred<usize>> = (0..64).map(|_| Deferred::new()).collect();
    let handles: Vec<_> = deferreds
        .iter()
        .map(|d| runtime.spawn(d.clone().into_future()))
        .collect();
    let firers: Vec<_> = deferreds
        .into_iter()
        .enumerate()
        .map(|(i, d)| thread::spawn(move || d.callback(i).unwrap()))
        .collect();
    let got: Vec<usize> = runtime.block_on(async {
        let mut got = Vec::new();
        for h in handles {
            got.push(h.await.unwrap().unwrap());
        }
        got
    });
    assert_eq!(got, (0..64).collect::<Vec<_>>());
    for f in firers {
        f.join().unwrap();
    }
}

#[test]
fn tokio_tasks_await_deferreds_fired_inside_the_runtime() {
    let runtime = tokio_runtime();
    let d = Deferred::<u8>::new();
    let waiter = runtime.spawn(d.clone().into_future());
    runtime.spawn(async move {
        tokio::time::sleep(Duration::from_millis(2)).await;
        d.callback(7).unwrap();
    });
    assert_eq!(runtime.block_on(waiter).unwrap().unwrap(), 7);
}

#[test]
fn a_tokio_timeout_drops_the_await_which_cancels_the_deferred() {
    let runtime = tokio_runtime();
    let cancelled = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancelled);
    let d = Deferred::<u8>::with_canceller(move |_| flag.store(true, Ordering::SeqCst));
    let waited = d.clone();
    let timed_out = runtime.block_on(async move {
        tokio::time::timeout(Duration::from_millis(5), waited.into_future()).await
    });
    assert!(timed_out.is_err());
    assert!(cancelled.load(Ordering::SeqCst));
    assert_eq!(d.state(), DeferredState::Consumed);
}

#[test]
fn select_under_tokio_takes_the_first_deferred_and_cancels_the_other() {
    let runtime = tokio_runtime();
    let fast = Deferred::<&str>::new();
    let cancelled = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancelled);
    let slow = Deferred::<&str>::with_canceller(move |_| flag.store(true, Ordering::SeqCst));
    fast.callback("fast").unwrap();
    let winner = runtime.block_on({
        let (fast, slow) = (fast.clone(), slow.clone());
        async move {
            // `select` polls `slow` first, so it attaches before `fast` wins.
            match futures::future::select(slow.into_future(), fast.into_future()).await {
                futures::future::Either::Left((r, _)) | futures::future::Either::Right((r, _)) => {
                    r.unwrap()
                }
            }
        }
    });
    assert_eq!(winner, "fast");
    // The losing await had attached; dropped, it cancelled its Deferred.
    assert!(cancelled.load(Ordering::SeqCst));
    assert_eq!(slow.state(), DeferredState::Consumed);
}

#[test]
fn from_future_drives_a_tokio_channel_on_the_reactor() {
    // test_defer.DeferredFutureAdapterTests.test_fromFuture, with a tokio future
    let runtime = tokio_runtime();
    let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
    runtime.spawn(async move {
        tokio::time::sleep(Duration::from_millis(2)).await;
        tx.send(20).unwrap();
    });
    let got = react(|reactor| -> Deferred<(u32, bool)> {
        let r = reactor.clone();
        Deferred::from_future(reactor, async move {
            let n = rx.await?;
            Ok::<_, Failure>((n + 1, r.is_in_reactor_thread()))
        })
    });
    assert_eq!(got.unwrap(), (21, true));
}

#[test]
fn from_future_drives_a_tokio_join_handle_of_a_timer() {
    // A future that needs tokio's own context (a timer) runs on tokio; the
    // reactor drives its join handle.
    let runtime = tokio_runtime();
    let handle = runtime.spawn(async {
        tokio::time::sleep(Duration::from_millis(3)).await;
        "slept"
    });
    let got = react(|reactor| -> Deferred<&'static str> { Deferred::from_future(reactor, handle) });
    assert_eq!(got.unwrap(), "slept");
}

#[test]
fn cancelling_from_future_drops_a_pending_tokio_receiver() {
    // test_defer.DeferredFutureAdapterTests.test_fromFutureDeferredCancelled
    let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
    let reactor = Reactor::new();
    let d: Deferred<u32> = Deferred::from_future(&reactor, rx);
    let (r, d2) = (reactor.clone(), d.clone());
    reactor
        .call_later(Duration::from_millis(2), move || {
            d2.cancel();
            r.stop().unwrap();
        })
        .unwrap();
    reactor.run().unwrap();
    assert!(d.result().unwrap().unwrap_err().check::<CancelledError>());
    assert!(tx.is_closed(), "the receiver was dropped");
}

#[test]
fn a_reactor_spawned_task_awaits_a_tokio_channel_and_deferreds() {
    let runtime = tokio_runtime();
    let (tx, rx) = tokio::sync::oneshot::channel::<u64>();
    runtime.spawn(async move {
        tokio::time::sleep(Duration::from_millis(2)).await;
        tx.send(40).unwrap();
    });
    let got = react(|reactor| -> Deferred<u64> {
        let r = reactor.clone();
        reactor.spawn(async move {
            let from_tokio = rx.await?;
            assert!(r.is_in_reactor_thread());
            let from_pool: u64 = defer_to_thread(&r, || 2).await?;
            Ok::<_, Failure>(from_tokio + from_pool)
        })
    });
    assert_eq!(got.unwrap(), 42);
}

#[test]
fn from_future_of_an_aborted_tokio_task_errbacks_with_its_cancellation() {
    // test_defer.DeferredFutureAdapterTests.test_fromFutureFutureCancelled:
    // the future itself is cancelled (a tokio task aborted), and the
    // Deferred fails with what it returned.
    let runtime = tokio_runtime();
    let handle = runtime.spawn(async {
        tokio::time::sleep(Duration::from_secs(60)).await;
        1u8
    });
    handle.abort();
    let got = react(|reactor| -> Deferred<u8> { Deferred::from_future(reactor, handle) });
    let failure = got.unwrap_err();
    assert!(failure
        .downcast_ref::<tokio::task::JoinError>()
        .unwrap()
        .is_cancelled());
}
