//! `Failure` converts into `Box<dyn Error>` (with or without `Send + Sync`),
//! so `?` on a `react(..)` or any `Result<_, Failure>` works in a function
//! (or a `main`) that returns `Result<_, Box<dyn Error>>`.

use std::error::Error;
use std::fmt;

use deferred::{defer_to_thread, fail, react, Deferred, Failure};

#[derive(Debug)]
struct ReadingConfig(std::io::Error);

impl fmt::Display for ReadingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("reading config")
    }
}

impl Error for ReadingConfig {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

/// A `main` as a user writes it, with `?` on `react`.
fn main_like(fail_it: bool) -> Result<u64, Box<dyn Error>> {
    let answer = react(move |reactor| -> Deferred<u64> {
        if fail_it {
            fail(ReadingConfig(std::io::Error::other("disk on fire")))
        } else {
            defer_to_thread(reactor, || 6 * 7)
        }
    })?;
    Ok(answer)
}

#[test]
fn question_mark_on_react_works_in_a_function_returning_box_dyn_error() {
    assert_eq!(main_like(false).unwrap(), 42);
    let err = main_like(true).unwrap_err();
    assert_eq!(err.to_string(), "reading config");
    assert_eq!(err.source().unwrap().to_string(), "disk on fire");
    assert!(err.source().unwrap().source().is_none());
}

#[test]
fn the_debug_of_the_boxed_failure_is_what_main_prints() {
    let err = main_like(true).unwrap_err();
    let printed = format!("{err:?}");
    assert!(
        printed.starts_with("reading config\n\nCaused by:\n    disk on fire"),
        "{printed}"
    );
}

#[test]
fn a_failure_converts_into_box_dyn_error_send_sync_and_crosses_threads() {
    fn step() -> Result<(), Box<dyn Error + Send + Sync>> {
        Err(Failure::new(std::fmt::Error))?;
        Ok(())
    }
    let err = std::thread::spawn(step).join().unwrap().unwrap_err();
    assert_eq!(err.to_string(), std::fmt::Error.to_string());
    let boxed: Box<dyn Error + Send> = Failure::new(std::fmt::Error).into();
    assert_eq!(boxed.to_string(), std::fmt::Error.to_string());
}
