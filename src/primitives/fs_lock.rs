//! [`DeferredFilesystemLock`]: a lock on a file path, shared between
//! processes, with a Deferred that fires once it is taken (Twisted's
//! `defer.DeferredFilesystemLock` over `lockfile.FilesystemLock`).
//!
//! # Design note
//!
//! 1. **The operating system's lock, not Twisted's symlink.** Twisted takes
//!    the lock by creating a symlink whose target is its pid, and breaks a
//!    lock whose pid no longer runs (`kill(pid, 0)`): a reused pid keeps a
//!    dead owner's lock forever, and two processes breaking the same stale
//!    lock race. Here the lock is the OS's advisory lock on an open file
//!    (`File::try_lock`: `flock` on Unix, `LockFileEx` on Windows). The OS
//!    drops it when its holder exits, however it exits, so there is no
//!    stale lock to break; two handles conflict even within one process,
//!    as two of Twisted's lock objects do.
//! 2. **`clean`, kept.** Twisted's `clean` says whether the last owner
//!    released the lock (or died holding it). The owner writes its pid into
//!    the file while it holds the lock and empties the file when it
//!    unlocks: a new owner that finds a pid there knows the last one did
//!    not unlock. The file itself stays (deleting a locked path would let a
//!    second process lock a new file under the same name).
//! 3. **Polling on a clock** (`defer_until_locked`), as Twisted: try now;
//!    if the lock is held, try again every `interval` (1 s) on the clock,
//!    and give up at the timeout. One attempt at a time
//!    (`AlreadyTryingToLockError`).
//! 4. **One winner across threads.** The attempt's Deferred decides: a
//!    retry, the timeout and a `cancel` may run on different threads, and
//!    each that takes the lock fires the Deferred; one whose fire is refused
//!    (another got there first) lets the lock go again, so a lock is never
//!    left held by an attempt nobody waits for. The attempt's record is
//!    ended (its calls cancelled) by whoever ends it first, by its id.
//! 5. **The clock's calls hold the lock weakly.** The clock holds the
//!    attempt's next try, so a try (or the attempt's canceller, inside the
//!    Deferred the try holds) that held the lock's state strongly would be
//!    a cycle through the state's own clock: a lock, its clock and the
//!    attempt dropped together while a try was due would never be freed.
//!    The handles own the state; the clock's calls and the canceller hold
//!    it weakly. So the last handle dropped mid-attempt ends the attempt:
//!    its calls are cancelled and its Deferred fails with `CancelledError`
//!    (a lock taken later would have nobody to hold it or let it go).

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::{AlreadyTryingToLockError, NotAcquiredError, ZeroIntervalError};
use crate::combinators::fail;
use crate::deferred::Deferred;
use crate::failure::{CancelledError, Failure};
use crate::mutant;
use crate::sync::{Arc, Mutex};
use crate::time::{exhausted, ClockExhaustedError, DelayedCall, ReactorTime, TimeoutError};

/// A lock on a file path that processes share (Twisted's
/// `DeferredFilesystemLock`): [`lock`](Self::lock) takes it now or says it
/// is held; [`defer_until_locked`](Self::defer_until_locked) gives a
/// Deferred that fires once it is taken, polling on a clock, with an
/// optional timeout; [`unlock`](Self::unlock) releases it.
///
/// The lock is the operating system's advisory lock on the file at the
/// path (created if missing, never deleted), so it is released when the
/// process exits, however it exits; two handles made separately conflict
/// even in one process, as two of Twisted's lock objects do. Clones of one
/// handle are the same lock. `Send + Sync`.
///
/// ```
/// use std::time::Duration;
/// use deferred::{testing::Clock, DeferredFilesystemLock};
///
/// let path = std::env::temp_dir().join(format!("deferred-doc-{}.lock", std::process::id()));
/// let clock = Clock::new();
/// let ours = DeferredFilesystemLock::new(&path, clock.clone());
/// let theirs = DeferredFilesystemLock::new(&path, clock.clone()); // another holder
/// assert!(theirs.lock().unwrap());
///
/// let locked = ours.defer_until_locked(Some(Duration::from_secs(5)));
/// clock.advance(Duration::from_secs(1));
/// assert!(!locked.is_called()); // still held: polling every second
/// theirs.unlock().unwrap();
/// clock.advance(Duration::from_secs(1)); // the next try takes it
/// assert!(locked.is_called() && ours.is_locked());
/// ours.unlock().unwrap();
/// # std::fs::remove_file(&path).unwrap();
/// ```
#[derive(Clone)]
pub struct DeferredFilesystemLock {
    shared: Arc<Shared>,
}

struct Shared {
    /// The lock file's path (Twisted's `name`).
    path: PathBuf,
    /// What this handle holds.
    held: Mutex<Held>,
    /// Where retries and the timeout are scheduled (Twisted's `_scheduler`).
    clock: Arc<dyn ReactorTime>,
    /// Time between tries (Twisted's `_interval`).
    interval: Duration,
    /// The `defer_until_locked` under way, if any (design note 3).
    attempt: Mutex<Attempts>,
}

/// The lock this handle holds.
#[derive(Default)]
struct Held {
    /// The open lock file while the lock is ours (Twisted's `locked`).
    file: Option<File>,
    /// Whether the last owner released the lock before we took it
    /// (Twisted's `clean`); `None` until the first `lock`.
    clean: Option<bool>,
}

/// The attempt under way and the id of the next one.
#[derive(Default)]
struct Attempts {
    current: Option<Attempt>,
    next_id: u64,
}

/// One `defer_until_locked` (Twisted's `_tryLockCall` and `_timeoutCall`).
struct Attempt {
    id: u64,
    /// Its Deferred, for the last handle's drop to fail (design note 5).
    locked: Deferred<()>,
    /// The next try.
    retry: Option<DelayedCall>,
    /// The timeout, once scheduled.
    timeout: Option<DelayedCall>,
}

impl Attempt {
    /// Takes its next try and its timeout off the clock (an attempt that
    /// ends, by whoever ends it or by the last handle's drop).
    fn cancel_calls(&mut self) {
        for call in [self.retry.take(), self.timeout.take()]
            .into_iter()
            .flatten()
        {
            let _ = call.cancel();
        }
    }
}

impl DeferredFilesystemLock {
    /// A lock on the file at `path`, polling on `clock` (the
    /// [`Reactor`](crate::Reactor), or a [`testing::Clock`](crate::testing::Clock))
    /// every second. Nothing touches the file system until the first try.
    pub fn new(path: impl AsRef<Path>, clock: impl ReactorTime + 'static) -> Self {
        DeferredFilesystemLock::build(path.as_ref(), Arc::new(clock), Duration::from_secs(1))
    }

    /// As [`new`](Self::new), trying every `interval` instead of every second
    /// (Twisted's `_interval`).
    ///
    /// # Errors
    ///
    /// [`ZeroIntervalError`] for a zero `interval`: every retry would be due
    /// at once, a busy loop (on a test clock, an `advance` that never
    /// returns while another holder keeps the lock).
    ///
    /// ```
    /// use std::time::Duration;
    /// use deferred::{testing::Clock, DeferredFilesystemLock, ZeroIntervalError};
    ///
    /// let path = std::env::temp_dir().join("with-interval-doc.lock");
    /// let refused = DeferredFilesystemLock::with_interval(&path, Clock::new(), Duration::ZERO);
    /// assert_eq!(refused.err(), Some(ZeroIntervalError));
    /// assert!(DeferredFilesystemLock::with_interval(&path, Clock::new(), Duration::from_millis(10)).is_ok());
    /// ```
    pub fn with_interval(
        path: impl AsRef<Path>,
        clock: impl ReactorTime + 'static,
        interval: Duration,
    ) -> Result<Self, ZeroIntervalError> {
        if interval.is_zero() {
            return Err(ZeroIntervalError);
        }
        Ok(DeferredFilesystemLock::build(
            path.as_ref(),
            Arc::new(clock),
            interval,
        ))
    }

    fn build(path: &Path, clock: Arc<dyn ReactorTime>, interval: Duration) -> Self {
        DeferredFilesystemLock {
            shared: Arc::new(Shared {
                path: path.to_owned(),
                held: Mutex::new(Held::default()),
                clock,
                interval,
                attempt: Mutex::new(Attempts::default()),
            }),
        }
    }

    /// The lock file's path (Twisted's `name`).
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Takes the lock if nobody holds it (Twisted's `FilesystemLock.lock`):
    /// `Ok(true)` if it is now this handle's, `Ok(false)` if another handle
    /// or process holds it, or this handle already does (it is not
    /// reentrant, as in Twisted).
    ///
    /// # Errors
    ///
    /// The file system's error if the file cannot be opened, locked, read
    /// or written (Twisted raises the `OSError`); the lock is not taken.
    pub fn lock(&self) -> io::Result<bool> {
        self.shared.lock()
    }

    /// Releases the lock (Twisted's `FilesystemLock.unlock`): empties the
    /// file (design note 2) and drops the OS lock.
    ///
    /// # Errors
    ///
    /// [`NotAcquiredError`] if this handle does not hold the lock; nothing
    /// changes (Twisted raises `ValueError` for a lock another process
    /// holds, and releases one that another object of the same process
    /// holds).
    pub fn unlock(&self) -> Result<(), NotAcquiredError> {
        self.shared.unlock()
    }

    /// Whether this handle holds the lock (Twisted's `locked`).
    pub fn is_locked(&self) -> bool {
        self.shared.held.lock().file.is_some()
    }

    /// Whether the owner before the last [`lock`](Self::lock) released the
    /// lock, rather than exiting while it held it (Twisted's `clean`);
    /// `None` before the first successful `lock`.
    pub fn clean(&self) -> Option<bool> {
        self.shared.held.lock().clean
    }

    /// A Deferred that fires once this handle holds the lock (Twisted's
    /// `deferUntilLocked`): it tries now; while the lock is held elsewhere,
    /// it tries again every interval on the clock; with a `timeout`, it
    /// fails with [`TimeoutError`] if the lock is still not taken then
    /// (one last try comes first, as in Twisted).
    ///
    /// Cancelling it stops the tries (nothing is left on the clock) and,
    /// unless a last try takes the lock, fails it with
    /// [`CancelledError`]. A try that fails with an
    /// I/O error fails it with that error.
    ///
    /// Already failed with [`AlreadyTryingToLockError`] while another
    /// `defer_until_locked` of this lock is trying; or with the clock's
    /// [`ReactorError`](crate::ReactorError) if the clock refuses to
    /// schedule the next try (a reactor that is stopping); or with
    /// [`ClockExhaustedError`] if the lock is held and the clock is at the
    /// end of its range (a test clock advanced by `Duration::MAX`), where
    /// every retry would be due at once, forever.
    pub fn defer_until_locked(&self, timeout: Option<Duration>) -> Deferred<()> {
        let (id, locked) = {
            let mut attempts = self.shared.attempt.lock();
            if attempts.current.is_some() {
                return fail(AlreadyTryingToLockError);
            }
            let id = attempts.next_id;
            attempts.next_id += 1;
            // Weak (design note 5): gone, the last handle's drop has ended
            // the attempt, and `cancel` fails the Deferred itself.
            let shared = Arc::downgrade(&self.shared);
            let locked = Deferred::with_canceller(move |locked: &Deferred<()>| {
                if let Some(shared) = shared.upgrade() {
                    shared.give_up(id, locked, Failure::new(CancelledError));
                }
            });
            attempts.current = Some(Attempt {
                id,
                locked: locked.clone(),
                retry: None,
                timeout: None,
            });
            (id, locked)
        };
        Shared::try_once(&self.shared, id, &locked, timeout);
        locked
    }
}

impl Shared {
    fn lock(&self) -> io::Result<bool> {
        let mut held = self.held.lock();
        if held.file.is_some() {
            return Ok(false);
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)?;
        // The OS lock is the whole cross-process protocol (design note 1):
        // the planted mutant skips it, and tests/fs_lock_processes.rs sees
        // two processes inside at once.
        let taken = if mutant::on("fs_lock_no_os_lock") {
            Ok(())
        } else {
            file.try_lock()
        };
        match taken {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(false),
            Err(TryLockError::Error(error)) => return Err(error),
        }
        // Design note 2: a pid left in the file is an owner that never
        // unlocked. Any error from here on drops `file`, which releases the
        // OS lock.
        let mut previous = String::new();
        file.read_to_string(&mut previous)?;
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        write!(file, "{}", std::process::id())?;
        file.flush()?;
        held.clean = Some(previous.trim().is_empty());
        held.file = Some(file);
        Ok(true)
    }

    fn unlock(&self) -> Result<(), NotAcquiredError> {
        let file = self.held.lock().file.take().ok_or(NotAcquiredError)?;
        // Emptied before the OS lock goes (on drop): the next owner must see
        // a clean release. If emptying fails, the next owner sees our pid and
        // calls the release unclean, which errs on the safe side.
        let _ = file.set_len(0);
        let _ = file.unlock();
        drop(file);
        Ok(())
    }

    /// Twisted's `_tryLock`: one try of attempt `id`; schedules the next
    /// (and the timeout, the first time) if the lock is held elsewhere.
    fn try_once(this: &Arc<Self>, id: u64, locked: &Deferred<()>, timeout: Option<Duration>) {
        match this.lock() {
            Ok(true) => {
                this.end(id);
                this.deliver(locked);
            }
            Ok(false) => {
                let mut scheduled = Vec::new();
                let result = Shared::schedule(this, id, locked, timeout, &mut scheduled);
                if let Err(refused) = result {
                    this.end(id);
                    let _ = locked.errback(refused);
                }
                // Calls made for an attempt that ended meanwhile (a cancel
                // on another thread): take them back.
                for call in scheduled {
                    let _ = call.cancel();
                }
            }
            Err(error) => {
                this.end(id);
                let _ = locked.errback(error);
            }
        }
    }

    /// Schedules the retry (and the timeout, once) of attempt `id`; calls
    /// that arrive after the attempt ended go to `stale` for cancelling.
    fn schedule(
        this: &Arc<Self>,
        id: u64,
        locked: &Deferred<()>,
        timeout: Option<Duration>,
        stale: &mut Vec<DelayedCall>,
    ) -> Result<(), Failure> {
        if exhausted(&*this.clock) {
            // The retry would be due now, and the next one, forever, inside
            // one `advance` (issue 17): give up with a clear error instead.
            return Err(Failure::new(ClockExhaustedError));
        }
        let needs_timeout = timeout.is_some() && this.timeout_pending(id) == Some(false);
        if needs_timeout {
            let timeout = timeout.expect("checked above");
            let (shared, locked) = (Arc::downgrade(this), locked.clone());
            let call = this
                .clock
                .call_later_boxed(
                    timeout,
                    Box::new(move || {
                        if let Some(shared) = shared.upgrade() {
                            shared.give_up(id, &locked, Failure::new(TimeoutError::new(timeout)));
                        }
                    }),
                )
                .map_err(Failure::new)?;
            match this.attempt.lock().current.as_mut() {
                Some(attempt) if attempt.id == id => attempt.timeout = Some(call),
                _ => stale.push(call),
            }
        }
        let (shared, locked) = (Arc::downgrade(this), locked.clone());
        let call = this
            .clock
            .call_later_boxed(
                this.interval,
                Box::new(move || {
                    if let Some(shared) = shared.upgrade() {
                        Shared::try_once(&shared, id, &locked, timeout);
                    }
                }),
            )
            .map_err(Failure::new)?;
        match this.attempt.lock().current.as_mut() {
            Some(attempt) if attempt.id == id => attempt.retry = Some(call),
            _ => stale.push(call),
        }
        Ok(())
    }

    /// Whether attempt `id` has its timeout scheduled; `None` if it ended.
    fn timeout_pending(&self, id: u64) -> Option<bool> {
        match self.attempt.lock().current.as_ref() {
            Some(attempt) if attempt.id == id => Some(attempt.timeout.is_some()),
            _ => None,
        }
    }

    /// Twisted's `_cancelLock`, for a cancel or the timeout: ends attempt
    /// `id` (if nobody did), makes one last try, and fires `locked` with
    /// the lock or with `reason`.
    fn give_up(&self, id: u64, locked: &Deferred<()>, reason: Failure) {
        if !self.end(id) {
            return; // ended already: whoever ended it fires `locked`
        }
        match self.lock() {
            Ok(true) => self.deliver(locked),
            _ => {
                let _ = locked.errback(reason);
            }
        }
    }

    /// Ends attempt `id`: forgets it and cancels its calls. False if it had
    /// ended already.
    fn end(&self, id: u64) -> bool {
        let ended = {
            let mut attempts = self.attempt.lock();
            match attempts.current.as_ref() {
                Some(attempt) if attempt.id == id => attempts.current.take(),
                _ => None,
            }
        };
        let Some(mut attempt) = ended else {
            return false;
        };
        // Outside the lock: a clock's cancel takes the clock's own lock.
        attempt.cancel_calls();
        true
    }

    /// Fires `locked`, the lock being ours; if a cancel or the timeout on
    /// another thread fired it first, nobody waits for the lock: let it go
    /// (design note 4).
    fn deliver(&self, locked: &Deferred<()>) {
        if locked.callback(()).is_err() {
            let _ = self.unlock();
        }
    }
}

/// The last handle is gone mid-attempt (design note 5): end the attempt,
/// so that nothing is left on the clock and its Deferred does not wait for
/// ever. The canceller finds the state gone and fails it with
/// `CancelledError`.
impl Drop for Shared {
    fn drop(&mut self) {
        let Some(mut attempt) = self.attempt.get_mut().current.take() else {
            return;
        };
        attempt.cancel_calls();
        attempt.locked.cancel();
    }
}

impl fmt::Debug for DeferredFilesystemLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferredFilesystemLock")
            .field("path", &self.shared.path)
            .field("locked", &self.is_locked())
            .field("interval", &self.shared.interval)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::DeferredFilesystemLock;
    use crate::sync::Arc;
    use crate::testing::Clock;

    /// Design note 5: with a try due on the clock, the lock's state lives
    /// only as long as its handles (a strong hold from the clock's call
    /// was a cycle through the state's own clock).
    #[test]
    fn a_try_on_the_clock_does_not_keep_the_locks_state_alive() {
        let dir =
            std::env::temp_dir().join(format!("deferred-fs-lock-weak-{}", std::process::id()));
        let clock = Clock::new();
        let other = DeferredFilesystemLock::new(&dir, clock.clone());
        assert!(other.lock().unwrap());
        let ours = DeferredFilesystemLock::new(&dir, clock.clone());
        let _attempt = ours.defer_until_locked(None);
        assert_eq!(clock.delayed_calls().len(), 1);
        let state = Arc::downgrade(&ours.shared);
        drop(ours);
        assert!(state.upgrade().is_none());
        other.unlock().unwrap();
        let _ = std::fs::remove_file(&dir);
    }
}
