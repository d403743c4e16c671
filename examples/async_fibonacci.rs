//! The seed document's Fibonacci, threaded, written twice: in the callback
//! style (`defer_to_thread` and `add_callback`, as `examples/fibonacci.rs`
//! does) and as an `async` block on the reactor (`Reactor::spawn`) that
//! awaits the `defer_to_thread` results. Both hand the blocking work to the
//! pool and keep the reactor turning; a 1 ms ticker on the reactor shows it.
//!
//! Run it with `cargo run --release --example async_fibonacci`.
//!
//! The async version also shows what callbacks make awkward: several steps
//! in sequence (two computations, the second depending on the first), a
//! failure handled with `?` and `match`, and a timeout, all as plain code
//! that reads top to bottom, every line of it on the reactor thread.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deferred::{defer_to_thread, Deferred, Failure, Reactor};
use num_bigint::BigUint;

/// Which Fibonacci number: the seed document's `TARGET`.
const TARGET: usize = 10_000;

/// How many times the work computes it, to make it last long enough to see.
const ROUNDS: usize = 100;

/// F(10000): its digit count and both ends (as in `examples/fibonacci.rs`).
const DIGITS: usize = 2_090;
const LEADING: &str = "33644764876431783266621612005107543310302148460680";
const TRAILING: &str = "66073310059947366875";

/// The ticker's period.
const TICK: Duration = Duration::from_millis(1);

/// The seed document's loop: `first, second = second, first + second`.
fn fibonacci(n: usize) -> BigUint {
    let mut first = BigUint::from(0u8);
    let mut second = BigUint::from(1u8);
    for _ in 0..n - 1 {
        let new = &first + &second;
        first = std::mem::replace(&mut second, new);
    }
    second
}

/// The blocking work: F(`n`), computed `ROUNDS` times.
fn large_fibonacci_number(n: usize) -> BigUint {
    (1..ROUNDS).fold(fibonacci(n), |_, _| fibonacci(n))
}

fn check(n: &BigUint) {
    let digits = n.to_string();
    assert_eq!(digits.len(), DIGITS, "F({TARGET}) has {DIGITS} digits");
    assert!(digits.starts_with(LEADING) && digits.ends_with(TRAILING));
}

fn describe(n: &BigUint) -> String {
    let digits = n.to_string();
    format!(
        "{}...{} ({} digits)",
        &digits[..20],
        &digits[digits.len() - 10..],
        digits.len()
    )
}

/// A reactor with a 1 ms ticker; returns it and the ticks' times.
fn reactor_with_ticker() -> (Reactor, Arc<Mutex<Vec<Instant>>>) {
    fn tick(reactor: Reactor, ticks: Arc<Mutex<Vec<Instant>>>) {
        ticks.lock().unwrap().push(Instant::now());
        let r = reactor.clone();
        // Refused once the reactor stops: that ends the ticker.
        let _ = reactor.call_later(TICK, move || tick(r, ticks));
    }
    let reactor = Reactor::new();
    let ticks = Arc::new(Mutex::new(Vec::new()));
    let (r, t) = (reactor.clone(), Arc::clone(&ticks));
    reactor.call_when_running(move || tick(r, t)).unwrap();
    (reactor, ticks)
}

/// The longest gap between two ticks, and how many ticks there were.
fn longest_gap(ticks: &[Instant]) -> (Duration, usize) {
    let gap = ticks
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or_default();
    (gap, ticks.len())
}

/// The callback style: hand the work to the pool, add a callback for the
/// result, stop the reactor from the callback.
fn callback_style() -> (BigUint, Duration, usize) {
    let (reactor, ticks) = reactor_with_ticker();
    let result = Arc::new(Mutex::new(None));
    let (r, out) = (reactor.clone(), Arc::clone(&result));
    reactor
        .call_when_running(move || {
            let d = defer_to_thread(&r, || large_fibonacci_number(TARGET));
            let r2 = r.clone();
            d.add_callback(move |number: BigUint| {
                println!("callback style: F({TARGET}) = {}", describe(&number));
                *out.lock().unwrap() = Some(number.clone());
                r2.stop().unwrap();
                number
            });
            println!("callback style: the callback is added; the reactor goes on turning");
        })
        .unwrap();
    reactor.run().unwrap();
    let (gap, count) = longest_gap(&ticks.lock().unwrap());
    let number = result.lock().unwrap().take().expect("the callback ran");
    (number, gap, count)
}

/// The async style: the same work awaited from an `async` block that the
/// reactor drives, then a second step that depends on the first, an error
/// handled inline, and a timeout.
fn async_style() -> (BigUint, Duration, usize) {
    let (reactor, ticks) = reactor_with_ticker();
    let r = reactor.clone();
    let task: Deferred<BigUint> = reactor.spawn(async move {
        let number = defer_to_thread(&r, || large_fibonacci_number(TARGET)).await?;
        assert!(
            r.is_in_reactor_thread(),
            "every poll runs on the reactor thread"
        );
        println!("async style: F({TARGET}) = {}", describe(&number));

        // A second step that uses the first's result: count its decimal
        // digits in the pool too (a string of 2,090 digits is cheap, but the
        // point is the shape of the code).
        let copy = number.clone();
        let digits: usize = defer_to_thread(&r, move || copy.to_string().len()).await?;
        println!("async style: it has {digits} digits");

        // A failure in the pool arrives as an `Err` at the `.await`.
        let parsed: Result<u64, Failure> =
            defer_to_thread(&r, || "not a number".parse::<u64>()).await;
        if let Err(failure) = parsed {
            println!("async style: a failed step, handled inline: {failure}");
        }

        // A timeout: the await of a Deferred that would fire too late is
        // dropped, which cancels it.
        let late = Deferred::<()>::new();
        let fired_late = late.clone();
        r.call_later(Duration::from_secs(60), move || {
            let _ = fired_late.callback(());
        })
        .unwrap();
        let timer = Deferred::<()>::new();
        let ring = timer.clone();
        r.call_later(Duration::from_millis(5), move || ring.callback(()).unwrap())
            .unwrap();
        let first = futures_select(late, timer).await;
        println!("async style: of a 60 s wait and a 5 ms timer, the {first} came first");

        r.stop().unwrap();
        Ok::<_, Failure>(number)
    });
    reactor.run().unwrap();
    let (gap, count) = longest_gap(&ticks.lock().unwrap());
    let number = task.result().expect("the task finished").unwrap();
    (number, gap, count)
}

/// Awaits whichever of two Deferreds fires first and drops (so cancels) the
/// other's await: a hand-written `select`, as the library has no runtime.
async fn futures_select(slow: Deferred<()>, fast: Deferred<()>) -> &'static str {
    use std::future::{Future, IntoFuture};
    use std::pin::pin;
    use std::task::Poll;
    let (mut slow, mut fast) = (pin!(slow.into_future()), pin!(fast.into_future()));
    std::future::poll_fn(|cx| {
        if slow.as_mut().poll(cx).is_ready() {
            Poll::Ready("60 s wait")
        } else if fast.as_mut().poll(cx).is_ready() {
            Poll::Ready("5 ms timer")
        } else {
            Poll::Pending
        }
    })
    .await
}

fn main() {
    println!("== 1. Callback style: defer_to_thread + add_callback ==");
    let (a, gap_a, ticks_a) = callback_style();
    check(&a);
    println!();
    println!("== 2. Async style: reactor.spawn(async {{ defer_to_thread(..).await }}) ==");
    let (b, gap_b, ticks_b) = async_style();
    check(&b);
    assert_eq!(a, b);
    println!();
    println!(
        "F({TARGET}) checked: {DIGITS} digits, starts {}..., ends ...{TRAILING}",
        &LEADING[..20]
    );
    println!(
        "Longest gap between {} ms reactor ticks while the work ran in the pool:",
        TICK.as_millis()
    );
    println!(
        "  callback style: {:>7.3} ms ({ticks_a} ticks)",
        gap_a.as_secs_f64() * 1e3
    );
    println!(
        "  async style:    {:>7.3} ms ({ticks_b} ticks)",
        gap_b.as_secs_f64() * 1e3
    );
}
