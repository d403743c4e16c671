//! The seed document's example, both halves: a blocking function that
//! returns an already-fired Deferred, then the same work handed to a thread
//! with `defer_to_thread`. A ticker on the reactor shows the difference: the
//! blocking call stalls the event loop for the whole computation, the
//! threaded one does not.
//!
//! Run it with `cargo run --release --example fibonacci` (add `-- --verbose`
//! to see every progress line of the blocking version).
//!
//! The work is the 10,000th Fibonacci number, computed exactly. One
//! computation takes about a millisecond in Rust (the Python of the seed
//! document needed seconds), so to make the stall measurable against a 1 ms
//! ticker, the blocking function computes it `ROUNDS` times.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deferred::{defer_to_thread, Deferred, LoopingCall, Reactor};
use num_bigint::BigUint;

/// Which Fibonacci number: the seed document's `TARGET`.
const TARGET: usize = 10_000;

/// How many times the work computes it, to make the work last long enough to see.
const ROUNDS: usize = 100;

/// F(10000) has this many decimal digits.
const DIGITS: usize = 2_090;

/// The first 100 digits of F(10000), as published (e.g. OEIS A000045's
/// tables), checked against an independent computation with Python's
/// integers.
const LEADING: &str = "3364476487643178326662161200510754331030214846068006390656476997468008144216666236815559551363373402";

/// Its last digits.
const TRAILING: &str = "66073310059947366875";

/// The ticker's period.
const TICK: Duration = Duration::from_millis(1);

/// The seed document's loop: `first, second = second, first + second`,
/// `TARGET - 1` times, calling `progress(i)` every 100 iterations.
fn fibonacci(mut progress: impl FnMut(usize)) -> BigUint {
    let mut first = BigUint::from(0u8);
    let mut second = BigUint::from(1u8);
    for i in 0..TARGET - 1 {
        let new = &first + &second;
        first = std::mem::replace(&mut second, new);
        if i % 100 == 0 {
            progress(i);
        }
    }
    second
}

/// The work itself, as a third-party blocking function that returns its
/// result (the second half of the seed document): `ROUNDS` computations.
fn large_fibonacci_number() -> BigUint {
    let mut result = fibonacci(|_| ());
    for _ in 1..ROUNDS {
        result = fibonacci(|_| ());
    }
    result
}

/// The first half of the seed document: a function that creates a
/// Deferred, does all the work before returning, and returns the Deferred
/// already fired. It prints progress lines as it goes (every 100
/// iterations of the first round; only every 2,000th unless `verbose`).
fn large_fibonacci_number_blocking(verbose: bool) -> Deferred<BigUint> {
    let d = Deferred::new();
    let mut hidden = 0;
    let mut result = fibonacci(|i| {
        if verbose || i % 2_000 == 0 {
            println!("Progress: calculating the {i}th Fibonacci number");
        } else {
            hidden += 1;
        }
    });
    if hidden > 0 {
        println!("  ({hidden} more progress lines not shown: pass --verbose)");
    }
    for _ in 1..ROUNDS {
        result = fibonacci(|_| ());
    }
    d.callback(result).expect("a new Deferred");
    d
}

/// When the ticker ticked, and when the work ran.
#[derive(Default)]
struct Timeline {
    ticks: Vec<Instant>,
    work: Option<(Instant, Instant)>,
}

impl Timeline {
    /// The longest gap between two consecutive ticks whose interval overlaps
    /// the work, and how many ticks fell inside the work.
    fn longest_gap_during_work(&self) -> (Duration, usize) {
        let (start, end) = self.work.expect("the work ran");
        let longest = self
            .ticks
            .windows(2)
            .filter(|pair| pair[1] >= start && pair[0] <= end)
            .map(|pair| pair[1] - pair[0])
            .max()
            .unwrap_or_default();
        let inside = self
            .ticks
            .iter()
            .filter(|t| **t >= start && **t <= end)
            .count();
        (longest, inside)
    }
}

/// A short description of the number: digit count and both ends.
fn describe(n: &BigUint) -> String {
    let digits = n.to_string();
    format!(
        "{}...{} ({} digits)",
        &digits[..30],
        &digits[digits.len() - 10..],
        digits.len()
    )
}

/// Checks the number against the known value.
fn check(n: &BigUint) {
    let digits = n.to_string();
    assert_eq!(digits.len(), DIGITS, "F({TARGET}) has {DIGITS} digits");
    assert!(digits.starts_with(LEADING), "leading digits of F({TARGET})");
    assert!(digits.ends_with(TRAILING), "trailing digits of F({TARGET})");
}

/// A reactor whose 1 ms ticker (a `LoopingCall` recording each tick)
/// starts with the loop, and the ticker's timeline.
fn reactor_with_ticker() -> (Reactor, LoopingCall, Arc<Mutex<Timeline>>) {
    let reactor = Reactor::new();
    let timeline = Arc::new(Mutex::new(Timeline::default()));
    let t = Arc::clone(&timeline);
    let ticker = LoopingCall::new(&reactor, move || {
        t.lock().unwrap().ticks.push(Instant::now())
    });
    let lc = ticker.clone();
    reactor
        .call_when_running(move || {
            lc.start(TICK, true).unwrap();
        })
        .unwrap();
    (reactor, ticker, timeline)
}

/// Stops the ticker, then the reactor.
fn stop(reactor: &Reactor, ticker: &LoopingCall) {
    ticker.stop().unwrap();
    reactor.stop().unwrap();
}

/// Part 1: the blocking version, called on the reactor thread.
fn blocking_half(verbose: bool) -> (Duration, usize, BigUint) {
    let (reactor, ticker, timeline) = reactor_with_ticker();
    let result = Arc::new(Mutex::new(None));
    let (r, t, out) = (reactor.clone(), Arc::clone(&timeline), Arc::clone(&result));
    // Let the ticker settle, then call the blocking function on the reactor thread.
    reactor
        .call_later(Duration::from_millis(20), move || {
            let time_before = Instant::now();
            let d = large_fibonacci_number_blocking(verbose);
            let time_after = Instant::now();
            t.lock().unwrap().work = Some((time_before, time_after));
            println!(
                "Total time taken for large_fibonacci_number_blocking call: {:.3} seconds",
                (time_after - time_before).as_secs_f64()
            );
            println!(
                "Deferred state before any callback is added: {:?}",
                d.state()
            );
            println!("Adding the callback now.");
            let during_add = Arc::new(Mutex::new(false));
            let flag = Arc::clone(&during_add);
            d.add_callback(move |number| {
                *flag.lock().unwrap() = true;
                println!("The {TARGET}th Fibonacci number is {}", describe(&number));
                *out.lock().unwrap() = Some(number.clone());
                number
            });
            // The result was there before the callback was added: it ran at once.
            println!(
                "The callback ran inside add_callback: {}",
                *during_add.lock().unwrap()
            );
            let r2 = r.clone();
            r.call_later(Duration::from_millis(20), move || stop(&r2, &ticker))
                .unwrap();
        })
        .unwrap();
    reactor.run().unwrap();
    let (gap, inside) = timeline.lock().unwrap().longest_gap_during_work();
    let number = result.lock().unwrap().take().expect("the callback ran");
    (gap, inside, number)
}

/// Part 2: the same work through `defer_to_thread`.
fn threaded_half() -> (Duration, usize, BigUint) {
    let (reactor, ticker, timeline) = reactor_with_ticker();
    let result = Arc::new(Mutex::new(None));
    let (r, t, out) = (reactor.clone(), Arc::clone(&timeline), Arc::clone(&result));
    reactor
        .call_later(Duration::from_millis(20), move || {
            let started = Instant::now();
            // Get our Deferred, which will be called with the result.
            let d = defer_to_thread(&r, large_fibonacci_number);
            // Add our callback to print it out; it runs on the reactor thread.
            let r2 = r.clone();
            d.add_callback(move |number: BigUint| {
                t.lock().unwrap().work = Some((started, Instant::now()));
                println!("large_fibonacci_number result = {}", describe(&number));
                *out.lock().unwrap() = Some(number.clone());
                // Let the ticker run a little longer, then end the example.
                let r3 = r2.clone();
                r2.call_later(Duration::from_millis(20), move || stop(&r3, &ticker))
                    .unwrap();
                number
            });
            println!("1st line after the addition of the callback");
            println!("2nd line after the addition of the callback");
        })
        .unwrap();
    reactor.run().unwrap();
    let (gap, inside) = timeline.lock().unwrap().longest_gap_during_work();
    let number = result.lock().unwrap().take().expect("the callback ran");
    (gap, inside, number)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

fn main() {
    let verbose = std::env::args().any(|a| a == "--verbose");

    println!("== 1. A blocking function that returns a Deferred ==");
    let (blocking_gap, blocking_ticks, blocking_number) = blocking_half(verbose);
    check(&blocking_number);

    println!();
    println!("== 2. The same work through defer_to_thread ==");
    let (threaded_gap, threaded_ticks, threaded_number) = threaded_half();
    check(&threaded_number);
    assert_eq!(blocking_number, threaded_number);

    println!();
    println!(
        "F({TARGET}) checked: {DIGITS} digits, starts {}..., ends ...{TRAILING}",
        &LEADING[..20]
    );
    println!(
        "Longest gap between {}-ms reactor ticks while the work ran:",
        TICK.as_millis()
    );
    println!(
        "  blocking, on the reactor thread: {:>9.3} ms  ({blocking_ticks} ticks during the work: the loop stalled)",
        ms(blocking_gap)
    );
    println!(
        "  defer_to_thread, in the pool:    {:>9.3} ms  ({threaded_ticks} ticks during the work: the loop kept turning)",
        ms(threaded_gap)
    );
}
