//! The Rust side of a `tests/twisted/<feature>.py` scenario: an event log,
//! the unhandled-failure reports collected as events (as the Python side's
//! `Unhandled` observer does), and failures written the way the scripts
//! write them.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, Once};

use deferred::{CancelledError, Failure, FailureGroup, FirstError};

/// A shared, ordered list of events (handlers on any thread may log).
#[derive(Clone, Default)]
pub struct Events(Arc<Mutex<Vec<String>>>);

impl Events {
    /// Appends one event.
    pub fn log(&self, event: impl Into<String>) {
        self.0.lock().unwrap().push(event.into());
    }

    /// The events so far.
    pub fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

thread_local! {
    /// The scenario running on this thread, which gets the unhandled
    /// reports made on it (drops happen on the test's own thread).
    static WATCHING: RefCell<Option<Events>> = const { RefCell::new(None) };
}

/// One scenario: log events, drop what it made, then [`check`](Self::check)
/// them against what Twisted printed.
pub struct Scenario {
    feature: &'static str,
    name: &'static str,
    events: Events,
}

impl Scenario {
    /// Starts scenario `name` of `tests/twisted/<feature>.py`; from now on,
    /// unhandled-failure reports on this thread are its events
    /// (`unhandled <failure>`).
    pub fn new(feature: &'static str, name: &'static str) -> Self {
        static HOOK: Once = Once::new();
        HOOK.call_once(|| {
            deferred::set_unhandled_failure_hook(|failure| {
                WATCHING.with(|w| {
                    if let Some(events) = w.borrow().as_ref() {
                        events.log(format!("unhandled {}", show_failure(failure)));
                    }
                })
            });
        });
        let events = Events::default();
        WATCHING.with(|w| *w.borrow_mut() = Some(events.clone()));
        Scenario {
            feature,
            name,
            events,
        }
    }

    /// Appends one event.
    pub fn log(&self, event: impl Into<String>) {
        self.events.log(event);
    }

    /// A handle for handlers to log through.
    pub fn events(&self) -> Events {
        self.events.clone()
    }

    /// Stops collecting reports and asserts the events are Twisted's.
    #[track_caller]
    pub fn check(self) {
        WATCHING.with(|w| *w.borrow_mut() = None);
        super::twisted::assert_matches(self.feature, self.name, &self.events.all());
    }

    /// Stops collecting reports and returns the events, for a scenario
    /// that shows a deviation (the test compares them itself).
    pub fn finish(self) -> Vec<String> {
        WATCHING.with(|w| *w.borrow_mut() = None);
        self.events.all()
    }
}

/// An exception of the Python scripts: its class name and message, shown
/// as `<class> <message>`.
#[derive(Debug, Clone)]
pub struct PyError {
    /// The Python class name (`GenericError`, `RuntimeError`).
    pub class: &'static str,
    /// The message.
    pub message: String,
}

impl std::fmt::Display for PyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.class, self.message)
    }
}

impl std::error::Error for PyError {}

/// The scripts' `GenericError(message)`.
pub fn generic(message: impl Into<String>) -> PyError {
    PyError {
        class: "GenericError",
        message: message.into(),
    }
}

/// A failure as the scripts' `show_failure` writes it.
pub fn show_failure(failure: &Failure) -> String {
    if let Some(first) = failure.downcast_ref::<FirstError>() {
        format!(
            "FirstError #{} {}",
            first.index(),
            show_failure(first.failure())
        )
    } else if let Some(group) = failure.downcast_ref::<FailureGroup>() {
        let shown: Vec<String> = group.failures().iter().map(show_failure).collect();
        format!("FailureGroup [{}]", shown.join(", "))
    } else if failure.check::<CancelledError>() {
        "CancelledError".to_owned()
    } else {
        failure.to_string()
    }
}
