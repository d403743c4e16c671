"""What Twisted's concurrency primitives do: DeferredLock,
DeferredSemaphore, DeferredQueue.

Each scenario follows a test of twisted/test/test_defer.py
(OtherPrimitivesTests, named in its docstring) and logs what happened as
plain events; tests/primitives.rs produces the same events from the Rust
API and asserts them against expected/primitives.txt. Rerun: see
README.md in this folder.

Event words:

- ``acquire <n> fired`` / ``acquire <n> failed CancelledError``: the n-th
  acquire's Deferred (numbered from 1 in the order they were made).
- ``locked yes|no``, ``tokens <free>/<limit>``: the primitive's state.
- ``release ok`` / ``release refused``: Twisted fails an assert for a
  release with nothing held; the Rust API returns an error.
- ``get <n> got <item>`` / ``get <n> failed CancelledError``, ``put <item>
  ok`` / ``put <item> overflow``, ``get underflow``.
- ``run f ran``, ``run result <value>``.
- ``lock yes|no``, ``unlock ok|refused``, ``locked yes|no``, ``clean
  yes|no``: a DeferredFilesystemLock's ``lock()``, ``unlock()``,
  ``locked``, ``clean``; ``attempt <n> locked at <t>`` / ``attempt <n>
  failed <error> at <t>``: its n-th ``deferUntilLocked`` Deferred, at the
  test clock's time ``t`` (seconds); ``delayed calls <n>``: calls pending on
  the clock.
"""
import os
import subprocess
import tempfile

from events import main, scenario
from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.python import lockfile
from twisted.internet.defer import Deferred, DeferredLock, DeferredQueue, DeferredSemaphore
from twisted.python.failure import Failure


def show_failure(f):
    if f.check(defer.CancelledError):
        return "CancelledError"
    return f"{type(f.value).__name__} {f.value}"


class Acquires:
    """Numbers acquires (or gets) and logs how each Deferred fires."""

    def __init__(self, log, word="acquire"):
        self.log = log
        self.word = word
        self.count = 0

    def watch(self, d, show_value=False):
        self.count += 1
        n = self.count

        def fired(value):
            if show_value:
                self.log(f"{self.word} {n} got {value}")
            else:
                self.log(f"{self.word} {n} fired")
            return value

        def failed(f):
            self.log(f"{self.word} {n} failed {show_failure(f)}")

        d.addCallbacks(fired, failed)
        return d


def locked(log, lock):
    log("locked " + ("yes" if lock.locked else "no"))


def tokens(log, sem):
    log(f"tokens {sem.tokens}/{sem.limit}")


def release(log, primitive):
    try:
        primitive.release()
    except AssertionError:
        log("release refused")
    else:
        log("release ok")


# --- DeferredLock ---------------------------------------------------------


@scenario
def lock_serves_acquires_in_order(log):
    """OtherPrimitivesTests.testLock, first part."""
    lock = DeferredLock()
    a = Acquires(log)
    a.watch(lock.acquire())
    locked(log, lock)
    a.watch(lock.acquire())
    a.watch(lock.acquire())
    locked(log, lock)
    release(log, lock)
    locked(log, lock)
    release(log, lock)
    release(log, lock)
    locked(log, lock)
    release(log, lock)


@scenario
def lock_run_holds_the_lock_until_the_returned_deferred_fires(log):
    """OtherPrimitivesTests.testLock, the run part."""
    lock = DeferredLock()
    a = Acquires(log)
    control = Deferred()

    def helper():
        log("run f ran")
        return control

    result = lock.run(helper)
    result.addCallback(lambda v: log(f"run result {v}"))
    locked(log, lock)
    a.watch(lock.acquire())
    control.callback("second")
    locked(log, lock)
    release(log, lock)
    locked(log, lock)


@scenario
def lock_run_of_a_failing_function_releases_the_lock(log):
    """run releases whatever f gives: here a failure."""
    lock = DeferredLock()

    def boom():
        raise ValueError("boom")

    result = lock.run(boom)
    result.addErrback(lambda f: log(f"run failed {show_failure(f)}"))
    locked(log, lock)


@scenario
def lock_cancel_of_a_waiting_acquire_fails_it_and_skips_it(log):
    """test_cancelLockBeforeAcquired and the cancel part of testLock: the
    cancelled acquire leaves the line; the next release skips it."""
    lock = DeferredLock()
    a = Acquires(log)
    a.watch(lock.acquire())
    second = a.watch(lock.acquire())
    a.watch(lock.acquire())
    second.cancel()
    release(log, lock)
    locked(log, lock)
    release(log, lock)
    locked(log, lock)


@scenario
def lock_cancel_after_the_acquire_fired_does_nothing(log):
    """test_cancelLockAfterAcquired."""
    lock = DeferredLock()
    a = Acquires(log)
    d = a.watch(lock.acquire())
    d.cancel()
    locked(log, lock)


@scenario
def lock_run_cancelled_while_waiting_never_runs(log):
    """Cancelling run's Deferred while it waits for the lock."""
    lock = DeferredLock()
    a = Acquires(log)
    a.watch(lock.acquire())

    def never():
        log("run f ran")

    result = lock.run(never)
    result.addErrback(lambda f: log(f"run failed {show_failure(f)}"))
    result.cancel()
    release(log, lock)
    locked(log, lock)


@scenario
def lock_release_inside_a_waiters_callback(log):
    """A release from inside the callback of the acquire it served.
    Twisted serves the next waiter inside that release; the Rust lock
    serves it when the callback returns (deviation: constant stack)."""
    lock = DeferredLock()
    lock.acquire()

    def first(_):
        log("first got it")
        lock.release()
        log("first released")

    lock.acquire().addCallback(first)
    lock.acquire().addCallback(lambda _: log("second got it"))
    lock.release()
    log("released")


# --- DeferredSemaphore ----------------------------------------------------


@scenario
def semaphore_limits_holders_and_serves_in_order(log):
    """OtherPrimitivesTests.testSemaphore with N = 3."""
    n = 3
    sem = DeferredSemaphore(n)
    a = Acquires(log)
    control = Deferred()

    def helper():
        log("run f ran")
        return control

    result = sem.run(helper)
    result.addCallback(lambda v: log(f"run result {v}"))
    tokens(log, sem)
    control.callback("done")
    tokens(log, sem)
    for _ in range(n):
        a.watch(sem.acquire())
    tokens(log, sem)
    cancelled = a.watch(sem.acquire())
    cancelled.cancel()
    a.watch(sem.acquire())
    release(log, sem)
    tokens(log, sem)
    for _ in range(n):
        release(log, sem)
    tokens(log, sem)
    release(log, sem)


@scenario
def semaphore_of_zero_tokens_is_refused(log):
    """test_semaphoreInvalidTokens."""
    try:
        DeferredSemaphore(0)
    except ValueError:
        log("refused")


@scenario
def semaphore_cancel_before_and_after_acquired(log):
    """test_cancelSemaphoreBeforeAcquired, test_cancelSemaphoreAfterAcquired."""
    sem = DeferredSemaphore(1)
    a = Acquires(log)
    held = a.watch(sem.acquire())
    waiting = a.watch(sem.acquire())
    held.cancel()
    waiting.cancel()
    tokens(log, sem)
    release(log, sem)
    tokens(log, sem)


# --- DeferredQueue --------------------------------------------------------


def put(log, queue, item):
    try:
        queue.put(item)
    except defer.QueueOverflow:
        log(f"put {item} overflow")
    else:
        log(f"put {item} ok")


def get(log, queue, gets):
    try:
        d = queue.get()
    except defer.QueueUnderflow:
        log("get underflow")
        return None
    return gets.watch(d, show_value=True)


@scenario
def queue_with_size_and_backlog_limits(log):
    """OtherPrimitivesTests.testQueue, first part: size 2, backlog 2."""
    queue = DeferredQueue(2, 2)
    gets = Acquires(log, "get")
    get(log, queue, gets)
    get(log, queue, gets)
    get(log, queue, gets)
    for item in range(4):
        put(log, queue, item)
    put(log, queue, 4)
    get(log, queue, gets)
    get(log, queue, gets)
    get(log, queue, gets)


@scenario
def queue_without_limits_hands_items_to_gets_in_order(log):
    """OtherPrimitivesTests.testQueue, second part."""
    queue = DeferredQueue()
    gets = Acquires(log, "get")
    get(log, queue, gets)
    get(log, queue, gets)
    put(log, queue, 0)
    put(log, queue, 1)
    put(log, queue, 2)
    get(log, queue, gets)


@scenario
def queue_limits_of_zero_refuse_at_once(log):
    """OtherPrimitivesTests.testQueue, last part."""
    gets = Acquires(log, "get")
    put(log, DeferredQueue(size=0), 0)
    get(log, DeferredQueue(backlog=0), gets)


@scenario
def queue_cancel_after_the_get_fired_does_nothing(log):
    """test_cancelQueueAfterSynchronousGet."""
    queue = DeferredQueue()
    gets = Acquires(log, "get")
    d = get(log, queue, gets)
    put(log, queue, 7)
    d.cancel()


@scenario
def queue_cancelled_get_leaves_the_line(log):
    """test_cancelQueueAfterGet: a cancelled get never gets an item; the
    next put goes to the next get."""
    queue = DeferredQueue()
    gets = Acquires(log, "get")
    first = get(log, queue, gets)
    get(log, queue, gets)
    first.cancel()
    put(log, queue, 7)
    put(log, queue, 8)
    get(log, queue, gets)


# --- DeferredFilesystemLock ----------------------------------------------


def fs_lock(clock):
    """A DeferredFilesystemLock on a fresh path, polling on ``clock``."""
    path = os.path.join(tempfile.mkdtemp(), "lock")
    return defer.DeferredFilesystemLock(path, scheduler=clock)


def yes(flag):
    return "yes" if flag else "no"


class Attempts:
    """Numbers deferUntilLocked Deferreds and logs how each fires, with the
    clock's time."""

    def __init__(self, log, clock):
        self.log, self.clock, self.count = log, clock, 0

    def watch(self, d):
        self.count += 1
        n = self.count
        d.addCallbacks(
            lambda _: self.log(f"attempt {n} locked at {self.clock.seconds():.1f}"),
            lambda f: self.log(
                f"attempt {n} failed {type(f.value).__name__} at {self.clock.seconds():.1f}"
            ),
        )
        return d


def delayed(log, clock):
    log(f"delayed calls {len(clock.getDelayedCalls())}")


@scenario
def fs_lock_that_is_free_is_taken_at_once(log):
    """DeferredFilesystemLockTests.test_waitUntilLockedWithNoLock."""
    clock = Clock()
    lock = fs_lock(clock)
    Attempts(log, clock).watch(lock.deferUntilLocked(timeout=1))
    log(f"locked {yes(lock.locked)}")
    delayed(log, clock)


@scenario
def fs_lock_held_until_the_timeout_fails_with_timeout_error(log):
    """DeferredFilesystemLockTests.test_waitUntilLockedWithTimeoutLocked."""
    clock = Clock()
    lock = fs_lock(clock)
    log(f"lock {yes(lock.lock())}")
    Attempts(log, clock).watch(lock.deferUntilLocked(timeout=5.5))
    delayed(log, clock)
    clock.pump([1] * 10)
    delayed(log, clock)


@scenario
def fs_lock_released_before_the_timeout_is_taken(log):
    """DeferredFilesystemLockTests.test_waitUntilLockedWithTimeoutUnlocked."""
    clock = Clock()
    lock = fs_lock(clock)
    log(f"lock {yes(lock.lock())}")
    clock.callLater(1, lock.unlock)
    Attempts(log, clock).watch(lock.deferUntilLocked(timeout=10))
    clock.pump([1] * 10)
    log(f"locked {yes(lock.locked)}")
    delayed(log, clock)


@scenario
def fs_lock_tries_one_attempt_at_a_time(log):
    """DeferredFilesystemLockTests.test_concurrentUsage."""
    clock = Clock()
    lock = fs_lock(clock)
    lock.lock()
    clock.callLater(1, lock.unlock)
    attempts = Attempts(log, clock)
    attempts.watch(lock.deferUntilLocked())
    attempts.watch(lock.deferUntilLocked())
    clock.advance(1)


@scenario
def fs_lock_can_be_waited_for_again_once_taken(log):
    """DeferredFilesystemLockTests.test_multipleUsages."""
    clock = Clock()
    lock = fs_lock(clock)
    lock.lock()
    clock.callLater(1, lock.unlock)

    def again(_):
        log(f"unlock {yes(lock.unlock() is None)}")
        return lock.deferUntilLocked()

    d = lock.deferUntilLocked()
    d.addCallback(again)
    Attempts(log, clock).watch(d)
    clock.advance(1)
    log(f"locked {yes(lock.locked)}")


@scenario
def fs_lock_cancel_stops_the_tries(log):
    """DeferredFilesystemLockTests.test_cancelDeferUntilLocked."""
    clock = Clock()
    lock = fs_lock(clock)
    lock.lock()
    d = Attempts(log, clock).watch(lock.deferUntilLocked())
    delayed(log, clock)
    d.cancel()
    delayed(log, clock)


@scenario
def fs_lock_cancel_stops_the_tries_and_the_timeout(log):
    """DeferredFilesystemLockTests.test_cancelDeferUntilLockedWithTimeout."""
    clock = Clock()
    lock = fs_lock(clock)
    lock.lock()
    d = Attempts(log, clock).watch(lock.deferUntilLocked(timeout=1))
    delayed(log, clock)
    d.cancel()
    delayed(log, clock)


@scenario
def fs_lock_clean_acquire_release_and_a_second_holder(log):
    """LockingTests (test_lockfile.py): test_cleanlyAcquire,
    test_cleanlyRelease, test_cannotLockLocked, and test_unlockOther for a
    lock another holder has."""
    clock = Clock()
    first = fs_lock(clock)
    log(f"lock {yes(first.lock())}")
    log(f"clean {yes(first.clean)}")
    log(f"locked {yes(first.locked)}")
    log(f"lock {yes(first.lock())}")
    second = defer.DeferredFilesystemLock(first.name, scheduler=clock)
    log(f"lock {yes(second.lock())}")
    log(f"locked {yes(second.locked)}")
    first.unlock()
    log(f"locked {yes(first.locked)}")
    log(f"lock {yes(second.lock())}")
    log(f"clean {yes(second.clean)}")
    # test_unlockOther: a lock another process holds.
    other = fs_lock(clock)
    lockfile.symlink(str(os.getpid() + 1), other.name)
    try:
        other.unlock()
    except ValueError:
        log("unlock refused")


@scenario
def fs_lock_left_by_an_owner_that_exited_is_taken_unclean(log):
    """LockingTests.test_uncleanlyAcquire, with a real process that exited
    while it held the lock."""
    clock = Clock()
    lock = fs_lock(clock)
    gone = subprocess.Popen(["true"])
    gone.wait()
    lockfile.symlink(str(gone.pid), lock.name)
    log(f"lock {yes(lock.lock())}")
    log(f"clean {yes(lock.clean)}")
    log(f"locked {yes(lock.locked)}")


if __name__ == "__main__":
    main()
