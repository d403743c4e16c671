//! The `bridge` group: what `.await` on a Deferred and an `ensure_deferred`
//! task cost on one thread, beside what they replace (a handler on the
//! chain) and the one-shot channels a Rust user would otherwise await
//! (`futures::channel::oneshot`, `tokio::sync::oneshot`), all polled by hand
//! with a no-op waker so that no executor is measured.
//!
//! This is the measurement behind the bridge's design note 2 (a lock-based
//! cell instead of `AtomicWaker`): docs/benchmarks.md ("bridge") has the
//! figures and the command.
//!
//! ```text
//! nice cargo bench --bench bridge -- --warm-up-time 1 --measurement-time 3
//! ```

use std::future::{Future, IntoFuture};
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use deferred::{ensure_deferred, succeed, Deferred, Failure};

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
    fn wake_by_ref(self: &Arc<Self>) {}
}

fn ready<F: Future>(future: F, cx: &mut Context<'_>) -> F::Output {
    let mut future = pin!(future);
    match future.as_mut().poll(cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("expected ready"),
    }
}

/// Create, poll once (pending: the waker is registered), fire, poll again.
fn await_fired_later(c: &mut Criterion) {
    let waker = Waker::from(Arc::new(Noop));
    let mut g = c.benchmark_group("bridge/fired_later");
    g.throughput(Throughput::Elements(1));
    g.bench_function("deferred_await", |b| {
        b.iter(|| {
            let mut cx = Context::from_waker(&waker);
            let d = Deferred::<u64>::new();
            let mut future = pin!(d.clone().into_future());
            assert!(future.as_mut().poll(&mut cx).is_pending());
            d.callback(black_box(1)).unwrap();
            match future.as_mut().poll(&mut cx) {
                Poll::Ready(r) => black_box(r.unwrap()),
                Poll::Pending => unreachable!(),
            }
        })
    });
    // What the await replaces: a handler that stores the result.
    g.bench_function("deferred_handler", |b| {
        b.iter(|| {
            let d = Deferred::<u64>::new();
            let out = Arc::new(std::sync::Mutex::new(None));
            let o = Arc::clone(&out);
            d.add_callback(move |v| {
                *o.lock().unwrap() = Some(v);
                v
            });
            d.callback(black_box(1)).unwrap();
            let v = out.lock().unwrap().take();
            black_box(v)
        })
    });
    g.bench_function("futures_oneshot", |b| {
        b.iter(|| {
            let mut cx = Context::from_waker(&waker);
            let (tx, rx) = futures::channel::oneshot::channel::<u64>();
            let mut rx = pin!(rx);
            assert!(rx.as_mut().poll(&mut cx).is_pending());
            tx.send(black_box(1)).unwrap();
            match rx.as_mut().poll(&mut cx) {
                Poll::Ready(r) => black_box(r.unwrap()),
                Poll::Pending => unreachable!(),
            }
        })
    });
    g.bench_function("tokio_oneshot", |b| {
        b.iter(|| {
            let mut cx = Context::from_waker(&waker);
            let (tx, rx) = tokio::sync::oneshot::channel::<u64>();
            let mut rx = pin!(rx);
            assert!(rx.as_mut().poll(&mut cx).is_pending());
            tx.send(black_box(1)).unwrap();
            match rx.as_mut().poll(&mut cx) {
                Poll::Ready(r) => black_box(r.unwrap()),
                Poll::Pending => unreachable!(),
            }
        })
    });
    g.finish();
}

/// `.await` on a Deferred that is already fired: resolved in the first poll.
fn await_already_fired(c: &mut Criterion) {
    let waker = Waker::from(Arc::new(Noop));
    let mut g = c.benchmark_group("bridge/already_fired");
    g.throughput(Throughput::Elements(1));
    g.bench_function("deferred_await", |b| {
        b.iter(|| {
            let mut cx = Context::from_waker(&waker);
            black_box(ready(succeed(black_box(1u64)).into_future(), &mut cx).unwrap())
        })
    });
    // What the await replaces: a handler (capturing a word, as real
    // handlers capture state) run at once, and the result read back.
    g.bench_function("deferred_handler", |b| {
        b.iter(|| {
            let d = succeed(black_box(1u64));
            let step = black_box(0u64);
            d.add_callback(move |v| v + step);
            black_box(d.result().unwrap().unwrap())
        })
    });
    g.finish();
}

/// An `ensure_deferred` task: started, suspended on an unfired Deferred,
/// resumed by its fire (inline, on this thread), finishing and firing its
/// own Deferred; and a task whose await finds the Deferred fired.
fn task(c: &mut Criterion) {
    let mut g = c.benchmark_group("bridge/ensure_deferred");
    g.throughput(Throughput::Elements(1));
    g.bench_function("one_await_fired_later", |b| {
        b.iter(|| {
            let d = Deferred::<u64>::new();
            let t: Deferred<u64> = ensure_deferred({
                let d = d.clone();
                async move { Ok::<_, Failure>(d.await? + 1) }
            });
            d.callback(black_box(1)).unwrap();
            black_box(t.result().unwrap().unwrap())
        })
    });
    g.bench_function("one_await_already_fired", |b| {
        b.iter(|| {
            let d = succeed(black_box(1u64));
            let t: Deferred<u64> = ensure_deferred(async move { Ok::<_, Failure>(d.await? + 1) });
            black_box(t.result().unwrap().unwrap())
        })
    });
    // The callback style of the same: a `then` onto a new Deferred.
    g.bench_function("callback_style_then", |b| {
        b.iter(|| {
            let d = Deferred::<u64>::new();
            let t: Deferred<u64> = d.map(|v| v + 1);
            d.callback(black_box(1)).unwrap();
            black_box(t.result().unwrap().unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, await_fired_later, await_already_fired, task);
criterion_main!(benches);
