//! Making a failure from what Rust code has at hand (issue 18 item 2): an
//! `errback`, a `fail` or a handler's `Err` takes any error, a boxed error,
//! a message or a `Failure` (`IntoFailure`); `failure!` formats one;
//! `trap_ref` traps by reference. With `--features anyhow`, the anyhow tests
//! run too (CI runs this file both ways).

use std::error::Error;
use std::io;

use deferred::testing::failure_result_of;
use deferred::{fail, failure, CancelledError, Deferred, Failure, IntoFailure};

type BoxError = Box<dyn Error + Send + Sync>;

#[test]
fn errback_takes_a_message() {
    let d = Deferred::<u32>::new();
    d.errback("bang!").unwrap();
    assert_eq!(failure_result_of(&d, &[]).to_string(), "bang!");

    let d = Deferred::<u32>::new();
    d.errback(format!("bang {}", 2)).unwrap();
    assert_eq!(failure_result_of(&d, &[]).to_string(), "bang 2");
}

#[test]
fn errback_takes_any_error_and_keeps_its_type() {
    let d = Deferred::<u32>::new();
    d.errback(io::Error::new(io::ErrorKind::NotFound, "gone"))
        .unwrap();
    let f = failure_result_of(&d, &[]);
    assert!(f.check::<io::Error>());
    assert_eq!(
        f.downcast_ref::<io::Error>().unwrap().kind(),
        io::ErrorKind::NotFound
    );
}

#[test]
fn errback_takes_a_boxed_error_and_the_error_in_it_is_still_checkable() {
    let boxed: BoxError = Box::new(io::Error::other("disk"));
    let d = Deferred::<u32>::new();
    d.errback(boxed).unwrap();
    let f = failure_result_of(&d, &[]);
    assert!(f.check::<io::Error>(), "the box's own error, not a wrapper");
    assert_eq!(f.to_string(), "disk");
}

#[test]
fn a_failure_given_to_errback_is_the_same_failure() {
    let f = Failure::new(CancelledError);
    let d = Deferred::<u32>::new();
    d.errback(f.clone()).unwrap();
    assert!(failure_result_of(&d, &[]).ptr_eq(&f));
}

#[test]
fn a_failure_boxed_and_made_a_failure_again_is_the_same_failure() {
    let f = Failure::new(CancelledError);
    let boxed: BoxError = f.clone().into();
    assert!(boxed.into_failure().ptr_eq(&f));
    let boxed: BoxError = f.clone().into();
    assert!(Failure::from_boxed(boxed).ptr_eq(&f));
}

#[test]
fn fail_and_fire_take_the_same() {
    let d = fail::<u32>("no");
    assert_eq!(failure_result_of(&d, &[]).to_string(), "no");
    let d = Deferred::<u32>::new();
    d.fire(Err::<u32, BoxError>("boxed".into())).unwrap();
    assert_eq!(failure_result_of(&d, &[]).to_string(), "boxed");
}

#[test]
fn a_handler_may_return_a_result_with_a_boxed_error() {
    let d = Deferred::<u32>::new();
    d.add_callback(|n| -> Result<u32, BoxError> {
        let wide = u64::from(n) << 40;
        Ok(u32::try_from(wide)?) // `?` into the boxed error
    });
    d.callback(1).unwrap();
    let f = failure_result_of(&d, &[]);
    assert!(f.check::<std::num::TryFromIntError>());
}

#[test]
fn a_handler_may_return_a_result_with_any_error_or_a_message() {
    let d = Deferred::<u32>::new();
    d.add_callback(|n| {
        if n > 1 {
            Ok(n)
        } else {
            Err(io::Error::other("small"))
        }
    });
    d.callback(1).unwrap();
    assert!(failure_result_of(&d, &[]).check::<io::Error>());

    let d = Deferred::<u32>::new();
    d.add_callback(|n| if n > 1 { Ok(n) } else { Err("small") });
    d.callback(1).unwrap();
    assert_eq!(failure_result_of(&d, &[]).to_string(), "small");

    let d = Deferred::<&str>::new();
    let port = d.and_then(|s| s.parse::<u16>().map_err(|e| format!("bad port {s:?}: {e}")));
    d.callback("x").unwrap();
    assert_eq!(
        port.result().unwrap().unwrap_err().to_string(),
        "bad port \"x\": invalid digit found in string"
    );
}

#[test]
fn the_failure_macro_formats_a_message_or_wraps_an_error() {
    let who = "ann";
    assert_eq!(
        failure!("no such user: {who}").to_string(),
        "no such user: ann"
    );
    assert_eq!(failure!("{} of {}", 3, 4).to_string(), "3 of 4");
    assert_eq!(failure!("plain").to_string(), "plain");
    let message = String::from("owned");
    assert_eq!(failure!(message).to_string(), "owned");
    assert!(failure!(io::Error::other("x")).check::<io::Error>());
    let f = Failure::new(CancelledError);
    assert!(failure!(f.clone()).ptr_eq(&f));
}

#[test]
fn trap_ref_borrows_the_error_and_hands_on_a_clone_of_another() {
    let f = Failure::new(io::Error::new(io::ErrorKind::TimedOut, "slow"));
    let kind = f.trap_ref::<io::Error>().unwrap().kind();
    assert_eq!(kind, io::ErrorKind::TimedOut);
    let back = f.trap_ref::<CancelledError>().unwrap_err();
    assert!(back.ptr_eq(&f));
    // `f` is still there to log: the point of the borrowing form.
    assert_eq!(f.to_string(), "slow");
}

#[test]
fn trap_ref_in_an_errback_recovers_and_logs_or_passes_on() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    for (error, expected) in [
        (Failure::new(CancelledError), Ok(0)),
        (Failure::new(io::Error::other("x")), Err("x".to_owned())),
    ] {
        let d = Deferred::<u32>::new();
        let log = seen.clone();
        d.add_errback(move |f: Failure| -> Result<u32, Failure> {
            f.trap_ref::<CancelledError>()?;
            log.lock().unwrap().push(f.to_string());
            Ok(0)
        });
        d.errback(error).unwrap();
        assert_eq!(d.result().unwrap().map_err(|f| f.to_string()), expected);
    }
    assert_eq!(*seen.lock().unwrap(), ["the Deferred was cancelled"]);
}

#[test]
fn an_anyhow_error_makes_a_failure_with_or_without_the_feature() {
    let d = Deferred::<u32>::new();
    d.add_callback(|_| -> anyhow::Result<u32> { Err(anyhow::anyhow!("from anyhow")) });
    d.callback(1).unwrap();
    assert_eq!(failure_result_of(&d, &[]).to_string(), "from anyhow");
}

#[cfg(feature = "anyhow")]
mod with_the_anyhow_feature {
    use super::*;
    use anyhow::Context;

    #[test]
    fn check_sees_through_anyhow_to_the_error_and_its_context() {
        let error = Err::<u32, _>(io::Error::new(io::ErrorKind::NotFound, "gone"))
            .context("reading config")
            .unwrap_err();
        let d = Deferred::<u32>::new();
        d.errback(error).unwrap();
        let f = failure_result_of(&d, &[]);
        assert!(f.check::<io::Error>());
        assert_eq!(
            f.downcast_ref::<io::Error>().unwrap().kind(),
            io::ErrorKind::NotFound
        );
        assert!(!f.check::<CancelledError>());
        assert_eq!(f.to_string(), "reading config: gone");
        assert!(f.trap_ref::<io::Error>().is_ok());
        // Its Debug is anyhow's: the context, then each cause.
        let debug = format!("{f:?}");
        assert!(
            debug.contains("reading config")
                && debug.contains("Caused by:")
                && debug.contains("gone"),
            "{debug}"
        );
    }

    #[test]
    fn a_failure_goes_into_anyhow_with_question_mark() {
        fn run() -> anyhow::Result<u32> {
            let d = fail::<u32>(io::Error::other("deep"));
            let result: Result<u32, Failure> = d.result().unwrap();
            Ok(result?)
        }
        let error = run().unwrap_err();
        assert_eq!(error.to_string(), "deep");
        // and back: the same failure, not one wrapped in another
        let f = Failure::new(CancelledError);
        let through = anyhow::Error::from(f.clone());
        assert_eq!(through.to_string(), "the Deferred was cancelled");
        assert!(through.into_failure().ptr_eq(&f));
    }
}
