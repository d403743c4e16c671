//! A test logger for the `log` facade: captures the records logged on the
//! calling thread while a closure runs, so tests in one binary can run in
//! parallel without seeing each other's records.

use std::cell::RefCell;
use std::sync::Once;

/// One captured record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Its level.
    pub level: log::Level,
    /// Its formatted message.
    pub message: String,
}

struct Capture;

thread_local! {
    /// The records of the capture running on this thread, if any.
    static RECORDS: RefCell<Option<Vec<Record>>> = const { RefCell::new(None) };
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        RECORDS.with(|records| {
            if let Some(records) = records.borrow_mut().as_mut() {
                records.push(Record {
                    level: record.level(),
                    message: record.args().to_string(),
                });
            }
        });
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture;

/// Runs `f`; returns its value and the records logged on this thread meanwhile.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<Record>) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&CAPTURE).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
    RECORDS.with(|records| *records.borrow_mut() = Some(Vec::new()));
    let value = f();
    let records = RECORDS.with(|records| records.borrow_mut().take().unwrap_or_default());
    (value, records)
}

/// The records of `records` at `level`.
pub fn at(records: &[Record], level: log::Level) -> Vec<&Record> {
    records.iter().filter(|r| r.level == level).collect()
}

/// How many records the running capture on this thread holds so far.
pub fn count_so_far() -> usize {
    RECORDS.with(|records| records.borrow().as_ref().map_or(0, Vec::len))
}
