"""Twisted's debug mode (``defer.setDebugging``): a Deferred records where it
was created and where it was first fired (``DebugInfo``'s creator and
invoker), and ``AlreadyCalledError`` and the unhandled-error report show
them. Ports ``AlreadyCalledTests`` (the ``testAlreadyCalledDebug_*`` cases,
``testNoDebugging``, ``testSwitchDebugging``) and
``DeferredTests.test_errorLogDebugInfo`` of twisted/test/test_defer.py
(Twisted 26.10.0, MIT licence); the Rust side is tests/debug_mode.rs.

Events name the functions the recorded sites are in: in Twisted they are
stack frames, in Rust source locations, which the Rust test maps back to the
helper functions of the same names.
"""
import gc

from events import main, scenario
from twisted.internet import defer
from twisted.python import log as twlog
from twisted.python.failure import Failure

HELPERS = ("create", "call_1", "call_2", "err_1", "err_2")


def create():
    return defer.Deferred()


def call_1(d):
    d.callback("hello")


def call_2(d):
    d.callback("twice")


def err_1(d):
    d.errback(Failure(RuntimeError()))


def err_2(d):
    d.errback(Failure(RuntimeError()))


def named(lines, kind):
    """The helpers named by the ``C:`` (creator) or ``I:`` (invoker) lines."""
    found = []
    for line in lines:
        for helper in HELPERS:
            if line.startswith(f" {kind}:") and line.endswith(f" {helper}"):
                found.append(helper)
    return " ".join(found) or "nothing"


def with_debugging(on, body):
    was = defer.getDebugging()
    defer.setDebugging(on)
    try:
        body()
    finally:
        defer.setDebugging(was)


@scenario
def debugging_is_off_by_default(log):
    log(f"debugging: {defer.getDebugging()}")


@scenario
def already_called_with_debugging_names_the_creator_and_the_first_invoker(log):
    # testAlreadyCalledDebug_CC, _CE, _EC, _EE
    def body():
        for first, second in [(call_1, call_2), (call_1, err_2), (err_1, call_2), (err_1, err_2)]:
            d = create()
            d.addErrback(lambda f: None)
            first(d)
            try:
                second(d)
            except defer.AlreadyCalledError as e:
                lines = e.args[0].split("\n")
                log(
                    f"{first.__name__} then {second.__name__}: AlreadyCalledError"
                    f", created in {named(lines, 'C')}, first fired in {named(lines, 'I')}"
                )

    with_debugging(True, body)


@scenario
def already_called_without_debugging_has_no_sites(log):
    # testNoDebugging
    def body():
        d = create()
        call_1(d)
        try:
            call_2(d)
        except defer.AlreadyCalledError as e:
            log(f"AlreadyCalledError, debug info: {bool(e.args)}")

    with_debugging(False, body)


@scenario
def switching_debugging_between_create_and_fire_is_fine(log):
    # testSwitchDebugging
    was = defer.getDebugging()
    defer.setDebugging(False)
    d = defer.Deferred()
    d.addBoth(lambda ign: None)
    defer.setDebugging(True)
    d.callback(None)
    defer.setDebugging(False)
    d = defer.Deferred()
    d.callback(None)
    defer.setDebugging(True)
    d.addBoth(lambda ign: log("handler ran"))
    defer.setDebugging(was)
    log("fired twice without error")


@scenario
def unhandled_report_with_debugging_names_the_creator_and_the_first_invoker(log):
    # test_errorLogDebugInfo, with the creator recorded too
    texts = []

    def emit(event):
        if event.get("isError"):
            texts.append(twlog.textFromEventDict(event))

    def body():
        d = create()
        err_1(d)
        del d
        gc.collect()

    twlog.addObserver(emit)
    with_debugging(True, body)
    twlog.removeObserver(emit)
    for text in texts:
        lines = text.split("\n")
        if text.startswith("Unhandled error in Deferred"):
            log("reported: Unhandled error in Deferred")
        else:
            log(f"report created in {named(lines, 'C')}, first fired in {named(lines, 'I')}")



@scenario
def per_deferred_debug_names_the_first_invoker_only(log):
    # `d.debug = True` on one Deferred, debugging off: its first fire is
    # recorded from then on, its creator is not (it was made before); other
    # Deferreds record nothing; `d.debug = False` and it says nothing more.
    def body():
        d = create()
        d.debug = True
        call_1(d)
        try:
            call_2(d)
        except defer.AlreadyCalledError as e:
            lines = e.args[0].split("\n")
            log(
                "AlreadyCalledError, created in "
                f"{named(lines, 'C')}, first fired in {named(lines, 'I')}"
            )
        d.debug = False
        try:
            call_2(d)
        except defer.AlreadyCalledError as e:
            log(f"switched off: debug info: {bool(e.args)}")
        other = create()
        call_1(other)
        try:
            call_2(other)
        except defer.AlreadyCalledError as e:
            log(f"another Deferred: debug info: {bool(e.args)}")

    with_debugging(False, body)

main()
