"""What Twisted's combinators do: DeferredList and its options,
gatherResults, race and FirstError.

Each scenario follows a test of twisted/test/test_defer.py (named in its
docstring) and logs what happened as plain events; tests/combinators.rs
produces the same events from the Rust API and asserts them against
expected/combinators.txt. Rerun: see README.md in this folder.

Event words:

- ``list fired <results>`` / ``list failed <failure>``: the combinator's
  Deferred; results are ``[ok <value>, err <failure>, ...]``.
- ``first #<index> <value>``: fireOnOneCallback's ``(value, index)``.
- ``race fired #<index> <value>``: race's ``(index, value)``.
- a failure is ``<Type> <message>``, ``CancelledError``,
  ``FirstError #<index> <failure>`` or ``FailureGroup [<failure>, ...]``.
- ``input <i> holds <result>`` / ``input <i> holds nothing`` /
  ``input <i> pending``: what an input Deferred holds afterwards; Twisted's
  ``None`` (a consumed error) is ``nothing``.
- ``cancel <i>``: input i's canceller ran.
- ``unhandled <failure>``: "Unhandled error in Deferred" logged when a
  Deferred holding a failure was garbage-collected (dropped, in Rust).
"""
import gc

import events
from events import main
from twisted.internet import defer
from twisted.internet.defer import Deferred, DeferredList
from twisted.logger import globalLogBeginner, globalLogPublisher
from twisted.python.failure import Failure


# The reports are events here (see Unhandled); keep them off stderr.
globalLogBeginner.beginLoggingTo([], redirectStandardIO=False)


class GenericError(Exception):
    pass


def show_failure(f):
    v = f.value
    if isinstance(v, defer.FirstError):
        return f"FirstError #{v.index} {show_failure(v.subFailure)}"
    if isinstance(v, defer.FailureGroup):
        return "FailureGroup [" + ", ".join(show_failure(x) for x in v.failures) + "]"
    if isinstance(v, defer.CancelledError):
        return "CancelledError"
    return f"{type(v).__name__} {v}"


def show(result):
    """A DeferredList's result: ``[ok <value>, err <failure>, ...]``; a
    gatherResults result: ``[<value>, ...]``."""
    items = []
    for item in result:
        if isinstance(item, tuple):
            ok, r = item
            items.append(("ok " + str(r)) if ok else ("err " + show_failure(r)))
        else:
            items.append(str(item))
    return "[" + ", ".join(items) + "]"


def holds(log, i, d):
    if not d.called:
        log(f"input {i} pending")
    elif d.result is None:
        log(f"input {i} holds nothing")
    elif isinstance(d.result, Failure):
        log(f"input {i} holds {show_failure(d.result)}")
    else:
        log(f"input {i} holds {d.result}")


def watch(log, d, name="list"):
    """Logs how the combinator's Deferred fires, and handles its result."""

    def fired(result):
        log(f"{name} fired {show(result)}")

    def failed(f):
        log(f"{name} failed {show_failure(f)}")

    d.addCallbacks(fired, failed)


class Unhandled:
    """Logs 'Unhandled error in Deferred' reports while installed."""

    def __init__(self, log):
        self.log = log
        globalLogPublisher.addObserver(self)

    def __call__(self, event):
        # DebugInfo.__del__ logs "Unhandled error in Deferred:" (critical)
        # and then the failure itself, from twisted.internet.defer.
        failure = event.get("log_failure")
        if failure is not None and event.get("log_namespace") == "twisted.internet.defer":
            self.log(f"unhandled {show_failure(failure)}")

    def close(self):
        gc.collect()
        globalLogPublisher.removeObserver(self)


def scenario(fn):
    """events.scenario, run while Unhandled watches: every scenario ends
    with a garbage collection, and the reports it causes are its events
    (the Rust test drops its Deferreds at the end in the same order)."""

    def run(log):
        watcher = Unhandled(log)
        try:
            fn(log)
        finally:
            watcher.close()

    run.__name__ = fn.__name__
    return events.scenario(run)


def fake_callback_canceller(d):
    d.callback("Callback Result")


def counting(log, n):
    """n Deferreds whose cancellers log ``cancel <i>``."""
    ds = []
    for i in range(n):

        def cancel(d, i=i):
            log(f"cancel {i}")

        ds.append(Deferred(canceller=cancel))
    return ds


# --- DeferredList ---------------------------------------------------------


@scenario
def deferred_list_gives_every_result_in_input_order(log):
    """testDeferredList; the failed input keeps its failure (no
    consumeErrors) and reports it when dropped."""
    d1, d2, d3 = Deferred(), Deferred(), Deferred()
    dl = DeferredList([d1, d2, d3])
    watch(log, dl)
    d1.callback("1")
    d2.errback(GenericError("2"))
    log("fired the second")
    d3.callback("3")
    del dl
    del d1
    del d2
    del d3


@scenario
def empty_deferred_list_fires_at_once(log):
    """testEmptyDeferredList, DeferredListEmptyTests."""
    watch(log, DeferredList([]))


@scenario
def empty_deferred_list_with_fire_on_one_callback_never_fires(log):
    """testEmptyDeferredList, second half."""
    dl = DeferredList([], fireOnOneCallback=True)
    watch(log, dl)
    log("pending" if not dl.called else "fired")


@scenario
def fire_on_one_errback_fails_with_first_error_at_the_first_failure(log):
    """testDeferredListFireOnOneError."""
    d1, d2, d3 = Deferred(), Deferred(), Deferred()
    dl = DeferredList([d1, d2, d3], fireOnOneErrback=True)
    watch(log, dl)
    d1.callback("1")
    log("fired the first")
    d2.errback(GenericError("from def2"))
    holds(log, 1, d2)
    holds(log, 2, d3)
    del dl, d1, d2, d3


@scenario
def without_consume_errors_the_input_keeps_its_failure(log):
    """testDeferredListDontConsumeErrors, reading what the input holds (the
    errback Twisted's test adds afterwards: see
    an_errback_added_to_an_input_after_it_joined_sees_the_failure), and the
    unhandled report."""
    d1 = Deferred()
    dl = DeferredList([d1])
    watch(log, dl)
    d1.errback(GenericError("Bang"))
    log(f"input 0 holds {show_failure(d1.result)}")
    del dl
    del d1


@scenario
def with_consume_errors_the_input_is_left_with_nothing(log):
    """testDeferredListConsumeErrors."""
    d1 = Deferred()
    dl = DeferredList([d1], consumeErrors=True)
    watch(log, dl)
    d1.errback(GenericError("Bang"))
    holds(log, 0, d1)
    del dl, d1


@scenario
def fire_on_one_errback_with_an_input_failed_before_fails_at_once(log):
    """testDeferredListFireOnOneErrorWithAlreadyFiredDeferreds."""
    d1, d2 = Deferred(), Deferred()
    d1.errback(GenericError("Bang"))
    dl = DeferredList([d1, d2], fireOnOneErrback=True, consumeErrors=True)
    watch(log, dl)
    holds(log, 1, d2)


@scenario
def inputs_fired_before_the_list_are_collected_at_once(log):
    """testDeferredListWithAlreadyFiredDeferreds."""
    d1, d2 = Deferred(), Deferred()
    d1.errback(GenericError("Bang"))
    d2.callback(2)
    watch(log, DeferredList([d1, d2], consumeErrors=True))


@scenario
def cancelling_a_list_cancels_every_input(log):
    """test_cancelDeferredList."""
    d1, d2 = Deferred(), Deferred()
    dl = DeferredList([d1, d2])
    watch(log, dl)
    dl.cancel()
    log(f"input 0 holds {show_failure(d1.result)}")
    log(f"input 1 holds {show_failure(d2.result)}")
    del dl
    del d1
    del d2


@scenario
def cancelling_a_list_whose_input_canceller_succeeds(log):
    """test_cancelDeferredListCallback."""
    d1, d2 = Deferred(fake_callback_canceller), Deferred()
    dl = DeferredList([d1, d2], consumeErrors=True)
    watch(log, dl)
    dl.cancel()


@scenario
def cancelling_a_fire_on_one_callback_list_fires_with_every_failure(log):
    """test_cancelDeferredListWithFireOnOneCallback."""
    d1, d2 = Deferred(), Deferred()
    dl = DeferredList([d1, d2], fireOnOneCallback=True, consumeErrors=True)
    watch(log, dl)
    dl.cancel()


@scenario
def cancelling_a_fire_on_one_callback_list_whose_input_canceller_succeeds(log):
    """test_cancelDeferredListWithFireOnOneCallbackAndDeferredCallback."""
    d1, d2 = Deferred(fake_callback_canceller), Deferred()
    dl = DeferredList([d1, d2], fireOnOneCallback=True, consumeErrors=True)
    dl.addCallback(lambda r: log(f"first #{r[1]} {r[0]}"))
    dl.cancel()
    holds(log, 1, d2)


@scenario
def cancelling_a_fire_on_one_errback_list_fails_with_the_first_cancel(log):
    """test_cancelDeferredListWithFireOnOneErrback."""
    d1, d2 = Deferred(), Deferred()
    dl = DeferredList([d1, d2], fireOnOneErrback=True, consumeErrors=True)
    watch(log, dl)
    dl.cancel()


@scenario
def cancelling_a_fire_on_one_errback_list_whose_inputs_succeed(log):
    """test_cancelDeferredListWithFireOnOneErrbackAllDeferredsCallback."""
    d1 = Deferred(fake_callback_canceller)
    d2 = Deferred(fake_callback_canceller)
    dl = DeferredList([d1, d2], fireOnOneErrback=True)
    watch(log, dl)
    dl.cancel()


@scenario
def fire_on_one_callback_fires_with_the_first_success_and_its_index(log):
    """The fireOnOneCallback result, and test_cancelFiredOnOneCallbackDeferredList:
    a cancel after it fired does nothing."""
    d1, d2, d3 = Deferred(), Deferred(), Deferred()
    dl = DeferredList([d1, d2, d3], fireOnOneCallback=True, consumeErrors=True)
    dl.addCallback(lambda r: log(f"first #{r[1]} {r[0]}"))
    d1.errback(GenericError("no"))
    log("fired the first")
    d2.callback("yes")
    dl.cancel()
    holds(log, 2, d3)
    d3.callback("late")
    log("fired the last")


@scenario
def cancel_after_a_fire_on_one_errback_list_fired_does_nothing(log):
    """test_cancelFiredOnOneErrbackDeferredList."""
    d1, d2 = Deferred(), Deferred()
    dl = DeferredList([d1, d2], fireOnOneErrback=True)
    watch(log, dl)
    d1.errback(GenericError("test"))
    dl.cancel()
    holds(log, 1, d2)
    holds(log, 0, d1)


# --- gatherResults --------------------------------------------------------


@scenario
def gather_results_gives_the_values_in_input_order(log):
    """test_gatherResults, first half."""
    watch(log, defer.gatherResults([defer.succeed(1), defer.succeed(2)]), "gathered")


@scenario
def gather_results_fails_with_first_error_for_an_input_failed_before(log):
    """test_gatherResults, second half: FirstError, index 1, at once."""
    dl = [defer.succeed(1), defer.fail(GenericError("before"))]
    watch(log, defer.gatherResults(dl), "gathered")
    del dl


@scenario
def gather_results_fails_with_first_error_when_an_input_fails_later(log):
    """The first failure wins; without consumeErrors each failed input keeps
    its failure and reports it when dropped."""
    a, b, c = Deferred(), Deferred(), Deferred()
    gathered = defer.gatherResults([a, b, c])
    watch(log, gathered, "gathered")
    c.callback(3)
    b.errback(GenericError("b"))
    a.errback(GenericError("a"))
    log("fired all")
    del gathered
    del a
    del b
    del c


@scenario
def gather_results_with_consume_errors_leaves_the_inputs_with_nothing(log):
    """test_gatherResultsWithConsumeErrors."""
    good = defer.succeed(1)
    bad = defer.fail(RuntimeError("oh noes"))
    gathered = defer.gatherResults([good, bad], consumeErrors=True)
    watch(log, gathered, "gathered")
    holds(log, 1, bad)
    del gathered, good, bad


@scenario
def cancelling_gather_results_fails_with_first_error_of_the_first_cancel(log):
    """test_cancelGatherResults."""
    d1, d2 = Deferred(), Deferred()
    gathered = defer.gatherResults([d1, d2], consumeErrors=True)
    watch(log, gathered, "gathered")
    gathered.cancel()
    holds(log, 0, d1)
    holds(log, 1, d2)


@scenario
def cancelling_gather_results_whose_inputs_succeed_gives_their_values(log):
    """test_cancelGatherResultsWithAllDeferredsCallback."""
    d1 = Deferred(fake_callback_canceller)
    d2 = Deferred(fake_callback_canceller)
    gathered = defer.gatherResults([d1, d2])
    watch(log, gathered, "gathered")
    gathered.cancel()


@scenario
def gather_results_of_nothing_fires_at_once(log):
    watch(log, defer.gatherResults([]), "gathered")


# --- race -----------------------------------------------------------------


def watch_race(log, d):
    d.addCallbacks(
        lambda r: log(f"race fired #{r[0]} {r[1]}"),
        lambda f: log(f"race failed {show_failure(f)}"),
    )


@scenario
def race_fires_with_the_first_success_and_cancels_the_others(log):
    """RaceTests.test_success, with one Deferred before the winner and two after."""
    ds = counting(log, 4)
    result = defer.race(ds)
    watch_race(log, result)
    ds[1].callback("x")


@scenario
def race_fails_with_every_failure_in_input_order_when_all_fail(log):
    """RaceTests.test_failure; nothing is cancelled."""
    ds = counting(log, 3)
    result = defer.race(ds)
    watch_race(log, result)
    ds[2].errback(GenericError("2"))
    ds[0].errback(GenericError("0"))
    ds[1].errback(GenericError("1"))


@scenario
def race_losers_that_fire_anyway_go_nowhere(log):
    """RaceTests.test_resultAfterCancel: no canceller, so the losers' late
    fires are ignored, and nothing is reported."""
    ds = [Deferred() for _ in range(3)]
    result = defer.race(ds)
    watch_race(log, result)
    ds[1].callback("win")
    ds[2].callback("late")
    ds[0].errback(GenericError("late"))
    log("fired all")
    del result, ds


@scenario
def race_loser_whose_canceller_succeeds_changes_nothing(log):
    """RaceTests.test_resultFromCancel."""
    winner = Deferred()
    ds = [winner, Deferred(canceller=lambda d: d.callback("from cancel"))]
    result = defer.race(ds)
    watch_race(log, result)
    winner.callback("expected")


@scenario
def cancelling_a_race_cancels_every_input(log):
    """RaceTests.test_cancel with three Deferreds."""
    ds = counting(log, 3)
    result = defer.race(ds)
    watch_race(log, result)
    result.cancel()


@scenario
def race_of_nothing(log):
    """Twisted's race of no Deferreds never fires. (Deviation: the Rust race
    fails at once with an empty FailureGroup; see docs/semantics.md.)"""
    result = defer.race([])
    watch_race(log, result)
    log("pending" if not result.called else "fired")


# --- Handlers added to an input after it joined ---------------------------


@scenario
def an_errback_added_to_an_input_after_it_joined_sees_the_failure(log):
    """testDeferredListDontConsumeErrors: the errback added to the input
    after the list sees the failure (and recovers, so nothing is
    reported)."""
    d1 = Deferred()
    dl = DeferredList([d1])
    watch(log, dl)

    def trap(f):
        log(f"errback {show_failure(f)}")
        return "recovered"

    d1.addErrback(trap)
    d1.errback(GenericError("Bang"))
    holds(log, 0, d1)
    del dl, d1


@scenario
def with_consume_errors_an_errback_added_after_joining_is_not_called(log):
    """testDeferredListConsumeErrors: the errback added afterwards is not
    called (Twisted's chain goes on with None; the Rust input is consumed)."""
    d1 = Deferred()
    dl = DeferredList([d1], consumeErrors=True)
    watch(log, dl)
    d1.addErrback(lambda f: log(f"errback {show_failure(f)}"))
    d1.errback(GenericError("Bang"))
    holds(log, 0, d1)
    del dl, d1


@scenario
def a_callback_added_to_an_input_after_it_joined_runs_after_the_list_got_the_value(log):
    """The howto's DeferredList listing (defer.rst, "Other behaviours"):
    addTen added to an input after the list runs after the list stored the
    value (in Rust with keep_values, the value being Clone)."""
    d1, d2 = Deferred(), Deferred()
    dl = DeferredList([d1, d2])
    d1.addCallback(lambda r: r + " ten")
    watch(log, dl)
    d1.callback("one")
    d2.callback("two")
    holds(log, 0, d1)
    del dl, d1, d2


@scenario
def an_input_failure_nothing_handles_is_reported_when_the_input_goes(log):
    """A failure passed on and handled by nothing later is reported by the
    input when it goes, not by the list (which holds it as a value)."""
    d1 = Deferred()
    dl = DeferredList([d1])
    watch(log, dl)
    d1.errback(GenericError("lost"))
    del dl
    gc.collect()
    log("dropped the list")
    del d1


@scenario
def a_later_errback_that_fails_again_leaves_the_report_to_the_input(log):
    """The input's own later errback fails again: its new failure is what
    the input reports."""
    d1 = Deferred()
    dl = DeferredList([d1])
    watch(log, dl)

    def again(f):
        raise GenericError("again")

    d1.addErrback(again)
    d1.errback(GenericError("first"))
    del dl, d1


# --- Inputs whose result another consumer has -----------------------------


@scenario
def gather_results_of_the_same_deferred_twice(log):
    """Twisted's second place gets what the first passed on. (In Rust the
    same with keep_values; without it the second place fails at once with
    AlreadyChainedError: see docs/semantics.md.)"""
    d = Deferred()
    g = defer.gatherResults([d, d])
    watch(log, g, "gathered")
    d.callback(1)


@scenario
def gather_results_of_an_input_chain_deferred_took(log):
    """Twisted's input consumed by chainDeferred gives None to the gather.
    (Deviation: no None in Rust; the gather fails at once with
    FirstError #0 AlreadyChainedError.)"""
    d, other = Deferred(), Deferred()
    d.chainDeferred(other)
    g = defer.gatherResults([d])
    watch(log, g, "gathered")
    d.callback(1)
    log(f"chained to {other.result}")


if __name__ == "__main__":
    main()
