//! `and_then` changes a chain's type with a fallible step, without a type
//! annotation; `inspect` and `inspect_err` observe a value or a failure
//! without having to hand one back.

use std::sync::{Arc, Mutex};

use deferred::{Deferred, Failure, PanicError};

#[test]
fn and_then_infers_the_new_type_from_the_closures_result() {
    let d = Deferred::<&str>::new();
    let parsed = d.and_then(|text| text.parse::<u32>()); // Deferred<u32>, no annotation
    d.callback("42").unwrap();
    assert_eq!(parsed.result().unwrap().unwrap(), 42);
}

#[test]
fn and_then_sends_an_err_down_the_new_deferreds_errbacks() {
    let d = Deferred::<&str>::new();
    let parsed = d.and_then(|text| text.parse::<u32>());
    parsed.add_errback(|f: Failure| {
        assert!(f.check::<std::num::ParseIntError>());
        0
    });
    d.callback("forty-two").unwrap();
    assert_eq!(parsed.result().unwrap().unwrap(), 0);
}

#[test]
fn and_then_passes_a_failure_by_without_calling_the_closure() {
    let d = Deferred::<&str>::new();
    let parsed = d.and_then(|_| -> Result<u32, std::fmt::Error> { unreachable!() });
    d.errback(std::fmt::Error).unwrap();
    assert!(parsed
        .result()
        .unwrap()
        .unwrap_err()
        .check::<std::fmt::Error>());
}

#[test]
fn inspect_sees_the_value_and_passes_it_on_unchanged() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let d = Deferred::<u32>::new();
    d.inspect(move |v| log.lock().unwrap().push(*v))
        .add_callback(|v| v + 1);
    d.callback(1).unwrap();
    assert_eq!(*seen.lock().unwrap(), [1]);
    assert_eq!(d.result().unwrap().unwrap(), 2);
}

#[test]
fn inspect_is_skipped_on_a_failure_and_inspect_err_on_a_value() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let (a, b) = (calls.clone(), calls.clone());
    let d = Deferred::<u32>::new();
    d.inspect(move |_| a.lock().unwrap().push("inspect"))
        .inspect_err(move |f| {
            b.lock().unwrap().push(if f.check::<std::fmt::Error>() {
                "inspect_err"
            } else {
                "?"
            })
        });
    d.errback(std::fmt::Error).unwrap();
    assert_eq!(*calls.lock().unwrap(), ["inspect_err"]);
    // The failure went on: it is still the result.
    assert!(d.result().unwrap().unwrap_err().check::<std::fmt::Error>());
    d.add_errback(|_: Failure| 0); // handled

    let calls = Arc::new(Mutex::new(Vec::new()));
    let c = calls.clone();
    let d = Deferred::<u32>::new();
    d.inspect_err(move |_| c.lock().unwrap().push("inspect_err"));
    d.callback(7).unwrap();
    assert!(calls.lock().unwrap().is_empty());
    assert_eq!(d.result().unwrap().unwrap(), 7);
}

#[test]
fn a_panic_in_inspect_becomes_the_chains_failure() {
    let d = Deferred::<u32>::new();
    d.inspect(|_| panic!("observer broke"));
    d.callback(1).unwrap();
    let failure = d.result().unwrap().unwrap_err();
    assert_eq!(
        failure.downcast_ref::<PanicError>().unwrap().message(),
        "observer broke"
    );
    d.add_errback(|_: Failure| 0); // handled
}
