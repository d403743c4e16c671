"""Twisted's ``defer.logError``: an errback that logs a failure and passes it
on unchanged. Ports ``UtilTests`` of twisted/test/test_defer.py (Twisted
26.10.0, MIT licence); the Rust side is tests/log_error.rs. Then
``d.addErrback(log.err)``, which logs the failure and stops it there (the
Rust side's ``log_err``).
"""
import gc

from events import main, scenario
from twisted.internet import defer
from twisted.python import log as twlog
from twisted.python.failure import Failure


def capture():
    """Starts recording logged errors; returns (texts, stop)."""
    texts = []

    def emit(event):
        if event.get("isError"):
            texts.append(twlog.textFromEventDict(event))

    twlog.addObserver(emit)
    return texts, lambda: twlog.removeObserver(emit)


def first_line(text):
    return text.split("\n", 1)[0]


@scenario
def log_error_returns_the_same_failure(log):
    # test_logErrorReturnsError
    texts, stop = capture()
    error = Failure(RuntimeError())
    result = defer.logError(error)
    stop()
    log(f"returned the same failure: {result is error}")


@scenario
def log_error_logs_the_failure_once(log):
    # test_logErrorLogsError
    texts, stop = capture()
    defer.logError(Failure(RuntimeError()))
    stop()
    log(f"logged errors: {len(texts)}")
    for text in texts:
        log(f"logged error is RuntimeError: {'RuntimeError' in text}")


@scenario
def log_error_text_has_no_repr(log):
    # test_logErrorLogsErrorNoRepr: the text is a report, not a repr.
    texts, stop = capture()
    defer.logError(Failure(RuntimeError()))
    stop()
    log(f"first line: {first_line(texts[0])}")
    log(f"has a repr: {'<twisted.python.failure.Failure' in texts[0]}")


@scenario
def log_error_as_an_errback_passes_the_failure_on(log):
    texts, stop = capture()
    d = defer.Deferred()
    d.addErrback(defer.logError)
    d.addErrback(lambda f: log(f"next errback got {f.type.__name__}"))
    d.errback(RuntimeError())
    stop()
    log(f"logged errors: {len(texts)}")


@scenario
def log_error_as_the_last_errback_is_reported_again_when_dropped(log):
    # defer.logError's docstring: the clean-up code logs it again.
    texts, stop = capture()

    d = defer.Deferred()
    d.addErrback(defer.logError)
    d.errback(RuntimeError())
    logged_before_drop = len(texts)
    del d
    gc.collect()
    stop()
    log(f"logged by log_error: {logged_before_drop}")
    reports = [t for t in texts if t.startswith("Unhandled error in Deferred")]
    log(f"reported as unhandled when dropped: {len(reports)}")


@scenario
def log_err_as_an_errback_logs_and_stops_the_failure(log):
    # The idiom `d.addErrback(log.err)`: log.err returns None, a success.
    texts, stop = capture()
    d = defer.Deferred()
    d.addErrback(twlog.err)
    d.addCallbacks(
        lambda r: log(f"next callback got {r}"),
        lambda f: log(f"next errback got {f.type.__name__}"),
    )
    d.errback(RuntimeError())
    stop()
    log(f"logged errors: {len(texts)}")
    log(f"first line: {first_line(texts[0])}")
    log(f"logged error is RuntimeError: {'RuntimeError' in texts[0]}")


@scenario
def log_err_as_the_last_errback_is_not_reported_again(log):
    texts, stop = capture()

    d = defer.Deferred()
    d.addErrback(twlog.err)
    d.errback(RuntimeError())
    logged_before_drop = len(texts)
    del d
    gc.collect()
    stop()
    log(f"logged by log.err: {logged_before_drop}")
    reports = [t for t in texts if t.startswith("Unhandled error in Deferred")]
    log(f"reported as unhandled when dropped: {len(reports)}")


main()
