//! The call shapes a Twisted user writes, each with no type annotation
//! (issue 18 item 3), the shapes docs/from-twisted.md's ports use among
//! them: this file compiling is the test; each shape also runs and checks
//! its result. The shapes that Rust cannot infer (a closure
//! returning a `Result` or a `Deferred` where the new Deferred's type is
//! free) are in `src/compile_fail.rs` (`InferenceLimits`), each beside the
//! shortest spelling that compiles, and in docs/semantics.md.

use std::sync::{Arc, Mutex};

use std::time::Duration;

use deferred::testing::Clock;
use deferred::{
    blocking_call_from_thread, defer_later, defer_to_thread, ensure_deferred, fail, maybe_deferred,
    react, succeed, Deferred, DeferredList, DeferredLock, DeferredSemaphore, Failure, ThreadPool,
};

fn get_users() -> Deferred<Vec<&'static str>> {
    succeed(vec!["ann", "bob"])
}

async fn count_users() -> usize {
    get_users().await.map(|users| users.len()).unwrap_or(0)
}

#[test]
fn ensure_deferred_of_a_function_returning_a_deferred() {
    // Twisted: `ensureDeferred(getUsers())`, whatever getUsers returns.
    let d = ensure_deferred(get_users());
    let count = d.map(|users| users.len());
    assert_eq!(count.result().unwrap().unwrap(), 2);
}

#[test]
fn ensure_deferred_of_an_async_fn_returning_a_value() {
    let d = ensure_deferred(count_users());
    assert_eq!(d.result().unwrap().unwrap(), 2);
}

#[test]
fn defer_to_thread_of_a_value_and_its_callbacks() {
    let result = react(|reactor| {
        let d = defer_to_thread(reactor, || 6 * 7);
        d.add_callback(|n| n + 1);
        d
    });
    assert_eq!(result.unwrap(), 43);
}

#[test]
fn lock_and_semaphore_run_a_function_returning_a_value() {
    let lock = DeferredLock::new();
    let d = lock.run(|| "locked");
    assert_eq!(d.result().unwrap().unwrap(), "locked");
    let semaphore = DeferredSemaphore::new(2).unwrap();
    let d = semaphore.run(|| 2 + 2);
    assert_eq!(d.result().unwrap().unwrap(), 4);
}

#[test]
fn blocking_call_from_thread_of_a_value() {
    let got = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&got);
    react(move |reactor| {
        let r = reactor.clone();
        defer_to_thread(reactor, move || {
            *seen.lock().unwrap() = Some(blocking_call_from_thread(&r, || 5).unwrap());
        })
    })
    .unwrap();
    assert_eq!(*got.lock().unwrap(), Some(5));
}

#[test]
fn call_in_thread_with_callback_of_a_panicking_function() {
    // Twisted: `callInThreadWithCallback(onResult, lambda: 1/0)`.
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    pool.call_in_thread_with_callback(
        move |result| tx.send(result.is_err()).unwrap(),
        || panic!("1/0"),
    )
    .unwrap();
    assert!(rx.recv().unwrap());
    pool.stop().unwrap();
}

#[test]
fn handlers_returning_a_result_or_a_deferred_on_a_known_chain() {
    let d = Deferred::new();
    d.add_callback(|n: u32| if n > 0 { Ok(n) } else { Err("zero") })
        .add_callback(|n| succeed(n * 2))
        .add_errback(|_| fail("unreachable"));
    d.callback(21).unwrap();
    assert_eq!(d.result().unwrap().unwrap(), 42);
}

#[test]
fn and_then_changes_the_type_with_a_fallible_step() {
    let d = Deferred::new();
    let port = d.and_then(|text: &str| text.parse::<u16>());
    d.callback("8080").unwrap();
    assert_eq!(port.result().unwrap().unwrap(), 8080);
}

// The shapes of docs/from-twisted.md's ports that the types infer.

async fn some_deferred_sum() -> Result<u32, Failure> {
    Ok(succeed(1u32).await? + succeed(2u32).await?)
}

/// defer-intro 2: `Deferred.fromCoroutine(bar())` in a function whose
/// return type names the Deferred.
fn my_deferred_returning_function() -> Deferred<u32> {
    ensure_deferred(some_deferred_sum())
}

#[test]
fn ensure_deferred_of_an_async_fn_returning_a_result_named_by_the_return_type() {
    assert_eq!(
        my_deferred_returning_function().result().unwrap().unwrap(),
        3
    );
}

/// defer-intro 5: `addCallbacks(json.loads, connectionError)` as one
/// `then`, in a function whose return type names the Deferred.
fn get_users_or_none(body: Deferred<String>) -> Deferred<Vec<String>> {
    let parse = |body: String| body.split(' ').map(String::from).collect();
    body.then(move |r| r.map(parse).or_else(|_| Ok::<_, Failure>(Vec::new())))
}

#[test]
fn then_with_both_sides_named_by_the_return_type() {
    assert_eq!(
        get_users_or_none(succeed("a b".into()))
            .result()
            .unwrap()
            .unwrap(),
        ["a", "b"]
    );
    assert!(get_users_or_none(fail("refused"))
        .result()
        .unwrap()
        .unwrap()
        .is_empty());
}

#[test]
fn a_new_deferred_takes_its_type_from_a_later_handler_or_fire() {
    // defer 8: `operation = Deferred()`, typed by its callback's argument.
    let operation = Deferred::new();
    operation.inspect(|result: &&str| assert_eq!(*result, "completed"));
    operation.callback("completed").unwrap();
    // defer 13: inputs typed by what fires them, then gathered.
    let (d1, d2) = (Deferred::new(), Deferred::new());
    let d = DeferredList::new([d1.clone(), d2.clone()])
        .consume_errors(true)
        .gather();
    d1.callback("one").unwrap();
    d2.callback("two").unwrap();
    assert_eq!(d.result().unwrap().unwrap(), ["one", "two"]);
}

#[test]
fn defer_later_and_maybe_deferred_of_a_value() {
    // time 2: `task.deferLater(reactor, 3.5, f, "hello, world")`.
    let clock = Clock::new();
    let f = |s: &str| format!("later: {s}");
    let d = defer_later(&clock, Duration::from_secs(3), move || f("hello"));
    clock.advance(Duration::from_secs(3));
    assert_eq!(d.result().unwrap().unwrap(), "later: hello");
    let d = maybe_deferred(|| 6 * 7);
    assert_eq!(d.result().unwrap().unwrap(), 42);
}

#[test]
fn defer_to_thread_of_a_function_item() {
    // gendefer 3 and threading 3: `threads.deferToThread(doLongCalculation)`.
    fn do_long_calculation() -> u32 {
        3
    }
    let result = react(|reactor| defer_to_thread(reactor, do_long_calculation));
    assert_eq!(result.unwrap(), 3);
}

#[test]
fn a_looping_call_that_stops_itself_or_fails() {
    // time 3: `runEverySecond`, which returns, raises, or calls `loop.stop()`.
    const FAIL_IN_THE_END: bool = false;
    let clock = Clock::new();
    let mut counter = 0;
    let looping = deferred::LoopingCall::with_loop(&clock, move |this_loop| {
        if counter < 3 {
            counter += 1;
            return Ok(());
        }
        if FAIL_IN_THE_END {
            return Err(deferred::failure!("Failure during loop execution."));
        }
        this_loop.stop().unwrap();
        Ok(())
    });
    let done = looping.start(Duration::from_secs(1), true).unwrap();
    clock.pump(&[Duration::from_secs(1); 3]);
    assert!(done.result().unwrap().is_ok());
}
