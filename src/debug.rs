//! Debug mode (Twisted's `defer.setDebugging`): when it is on, each new
//! Deferred records where it was created and where it was first fired, and
//! a refused second fire (its log line) and the unhandled-failure report say
//! so.
//!
//! Off by default. One process-wide switch, [`set_debugging`], and the
//! environment variable `DEFERRED_DEBUG` (`1`, `true`, `on` or `yes` turn it
//! on; read once, at the first Deferred made or the first
//! [`is_debugging`], unless `set_debugging` came first).
//!
//! The sites are `#[track_caller]` locations (file, line, column of the
//! user's call), not stack traces. Off, a Deferred pays one relaxed load and
//! a compare when it is made and a flag test when it is dropped (the fire's
//! one-shot test covers debug mode too; docs/benchmarks.md has the counts);
//! on, each Deferred's sites sit in a table beside it (see [`register`]).

use std::collections::HashMap;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard};

/// The switch. A std atomic in a `static`, like the unhandled-failure hook:
/// process-wide configuration, read with `Relaxed` (it orders nothing),
/// never part of a cross-thread protocol (see `sync.rs`).
static MODE: AtomicU8 = AtomicU8::new(UNSET);

/// The environment has not been read yet.
const UNSET: u8 = 0;
/// Off.
const OFF: u8 = 1;
/// On.
const ON: u8 = 2;

/// The environment variable that turns debug mode on at start-up.
pub const DEBUG_ENV_VAR: &str = "DEFERRED_DEBUG";

/// Turns debug mode on or off for every Deferred made from now on
/// (Twisted's `setDebugging`). Deferreds made before keep what they
/// recorded (or not).
///
/// ```
/// use deferred::{set_debugging, AlreadyCalledError, Deferred};
///
/// set_debugging(true);
/// let d = Deferred::new();
/// d.callback(1).unwrap();
/// // Refused, and logged at `warn`: "the Deferred has already been fired
/// // (created at src/main.rs:5:9, first fired at src/main.rs:6:3); fired
/// // again at src/main.rs:7:3".
/// assert_eq!(d.callback(2), Err(AlreadyCalledError));
/// assert!(d.created_at().is_some() && d.first_fired_at().is_some());
/// set_debugging(false);
/// ```
pub fn set_debugging(on: bool) {
    MODE.store(if on { ON } else { OFF }, Ordering::Relaxed);
}

/// Whether debug mode is on (Twisted's `getDebugging`).
///
/// ```
/// # deferred::set_debugging(false);
/// assert!(!deferred::is_debugging()); // off unless DEFERRED_DEBUG or set_debugging says so
/// ```
#[must_use]
pub fn is_debugging() -> bool {
    match MODE.load(Ordering::Relaxed) {
        OFF => false,
        ON => true,
        _ => mode_from_env() == ON,
    }
}

/// Reads `DEFERRED_DEBUG` once; a `set_debugging` that raced ahead wins.
#[cold]
fn mode_from_env() -> u8 {
    let value = std::env::var(DEBUG_ENV_VAR).ok();
    let mode = match parse_env(value.as_deref()) {
        Ok(true) => ON,
        Ok(false) => OFF,
        Err(bad) => {
            log::warn!("{DEBUG_ENV_VAR}={bad:?} is not 1/true/on/yes or 0/false/off/no; debug mode stays off");
            OFF
        }
    };
    match MODE.compare_exchange(UNSET, mode, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => mode,
        Err(set_meanwhile) => set_meanwhile,
    }
}

/// What a value of `DEFERRED_DEBUG` asks for; `Err` with the value when it
/// is not a yes or a no.
pub(crate) fn parse_env(value: Option<&str>) -> Result<bool, String> {
    let Some(value) = value else { return Ok(false) };
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Ok(true),
        "" | "0" | "false" | "off" | "no" => Ok(false),
        _ => Err(value.to_owned()),
    }
}

/// A source location from `#[track_caller]`.
pub(crate) type Site = &'static Location<'static>;

/// Where a Deferred was created and first fired, recorded in debug mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Sites {
    /// Where the Deferred was made (`Deferred::new`, `succeed`, `then`, ...).
    /// `None` for a Deferred put in debug mode after it was made
    /// ([`Deferred::set_debug`](crate::Deferred::set_debug)), as Twisted
    /// records no creator when `d.debug` is set later.
    pub(crate) created: Option<Site>,
    /// Where it was first fired (`callback`, `errback`, `cancel`, or the
    /// `then`/`chain_deferred` call whose hand-over fired it); `None` while
    /// unfired.
    pub(crate) first_fired: Option<Site>,
}

/// The sites of the live Deferreds made in debug mode, by the address of
/// their shared state; each entry goes when its Deferred is dropped. Kept
/// here rather than in the Deferred, so that a Deferred made outside debug
/// mode stays as small (and as fast to build) as it was: it carries one
/// flag. A std lock in a `static` (see `sync.rs`): debug mode only, never
/// part of a cross-thread protocol; taken under a Deferred's lock, and
/// never the other way round.
static LIVE: Mutex<Option<HashMap<usize, Sites>>> = Mutex::new(None);

fn live() -> MutexGuard<'static, Option<HashMap<usize, Sites>>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether a Deferred made now records its sites: one relaxed load and a
/// compare when debug mode is off.
#[inline]
pub(crate) fn wanted() -> bool {
    MODE.load(Ordering::Relaxed) != OFF && is_debugging()
}

/// Starts the record of the Deferred whose state is at `key`, made at `created`.
#[cold]
pub(crate) fn register(key: usize, created: Option<Site>) {
    live().get_or_insert_with(HashMap::new).insert(
        key,
        Sites {
            created,
            first_fired: None,
        },
    );
}

/// Notes where the Deferred at `key` was first fired.
#[cold]
pub(crate) fn note_fired(key: usize, site: Site) {
    if let Some(sites) = live().as_mut().and_then(|map| map.get_mut(&key)) {
        sites.first_fired.get_or_insert(site);
    }
}

/// The sites of the Deferred at `key`.
#[cold]
pub(crate) fn lookup(key: usize) -> Option<Sites> {
    live().as_ref().and_then(|map| map.get(&key).copied())
}

/// Ends the record of the Deferred at `key` (it is being dropped), and
/// gives its sites for a last report.
#[cold]
pub(crate) fn take(key: usize) -> Option<Sites> {
    live().as_mut().and_then(|map| map.remove(&key))
}

impl fmt::Display for Sites {
    /// `created at FILE:LINE:COL, first fired at FILE:LINE:COL`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(created) = self.created {
            write!(f, "created at {created}, ")?;
        }
        match self.first_fired {
            Some(site) => write!(f, "first fired at {site}"),
            None => f.write_str("not fired"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_are_yes_no_or_a_clear_error() {
        for yes in ["1", "true", "TRUE", "on", "yes", " 1 "] {
            assert_eq!(parse_env(Some(yes)), Ok(true), "{yes:?}");
        }
        for no in ["0", "false", "off", "no", ""] {
            assert_eq!(parse_env(Some(no)), Ok(false), "{no:?}");
        }
        assert_eq!(parse_env(None), Ok(false));
        assert_eq!(parse_env(Some("maybe")), Err("maybe".to_owned()));
    }

    #[test]
    fn sites_display_both_locations() {
        let here = Location::caller();
        let sites = Sites {
            created: Some(here),
            first_fired: Some(here),
        };
        let text = sites.to_string();
        assert!(text.starts_with("created at src/debug.rs:"), "{text}");
        assert!(text.contains(", first fired at src/debug.rs:"), "{text}");
        let unfired = Sites {
            created: Some(here),
            first_fired: None,
        };
        assert!(unfired.to_string().ends_with(", not fired"));
    }
}
