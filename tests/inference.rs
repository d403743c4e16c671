//! The call shapes a Twisted user writes, each with no type annotation
//! (issue 18 item 3): this file compiling is the test; each shape also runs
//! and checks its result. The shapes that Rust cannot infer (a closure
//! returning a `Result` or a `Deferred` where the new Deferred's type is
//! free) are in `src/compile_fail.rs` (`InferenceLimits`), each beside the
//! shortest spelling that compiles, and in docs/semantics.md.

use std::sync::{Arc, Mutex};

use deferred::{
    blocking_call_from_thread, defer_to_thread, ensure_deferred, fail, react, succeed, Deferred,
    DeferredLock, DeferredSemaphore, ThreadPool,
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
