"""What Twisted does with time: task.Clock, IDelayedCall, Deferred.addTimeout,
task.deferLater and task.LoopingCall, as events that tests/time.rs
reproduces with deferred::testing::Clock.

Derived from Twisted's own tests (twisted/test/test_task.py, ClockTests,
LoopTests, ReactorLoopTests, DeferLaterTests; twisted/test/test_defer.py,
DeferredAddTimeoutTests), Twisted 26.10.0, MIT licence, Copyright (c)
Twisted Matrix Laboratories. Each scenario names the test it follows.

Times are logged in whole milliseconds (``ms(t)``) so that both sides print
the same text; booleans as yes/no.
"""
from events import main, scenario

from twisted.internet import defer, error, task
from twisted.python.failure import Failure


def ms(t):
    return f"{round(t * 1000)}ms"


def yes(b):
    return "yes" if b else "no"


def outcome(d):
    """What a Deferred holds now, as Rust's tests print it."""
    box = []
    d.addBoth(lambda r: box.append(r) or r)
    if not box:
        return "no result"
    r = box[0]
    if isinstance(r, Failure):
        d.addErrback(lambda _: None)
        return f"failure {r.type.__name__}"
    return f"value {r}"


# --- task.Clock and IDelayedCall (test_task.ClockTests) ---------------------


@scenario
def clock_starts_at_zero(log):
    # testSeconds, test_getDelayedCallsEmpty
    c = task.Clock()
    log(f"now {ms(c.seconds())}")
    log(f"pending {len(c.getDelayedCalls())}")


@scenario
def call_later_reports_its_time_and_is_active(log):
    # testCallLater, testCallLaterCancelled
    c = task.Clock()
    call = c.callLater(1, lambda: None)
    log(f"time {ms(call.getTime())}")
    log(f"active {yes(call.active())}")
    call.cancel()
    log(f"active {yes(call.active())}")
    try:
        call.cancel()
    except error.AlreadyCancelled:
        log("cancel again: already cancelled")
    try:
        call.reset(1)
    except error.AlreadyCancelled:
        log("reset: already cancelled")


@scenario
def advance_runs_calls_once_due(log):
    # testAdvance
    c = task.Clock()
    call = c.callLater(2, lambda: log(f"call at {ms(c.seconds())}"))
    c.advance(1)
    log(f"advanced to {ms(c.seconds())}")
    c.advance(1)
    log(f"advanced to {ms(c.seconds())}")
    log(f"active {yes(call.active())}")
    try:
        call.cancel()
    except error.AlreadyCalled:
        log("cancel after: already called")


@scenario
def a_call_cancelling_itself_is_already_called(log):
    # testAdvanceCancel
    c = task.Clock()

    def cb():
        log(f"inside: active {yes(call.active())}")
        try:
            call.cancel()
        except error.AlreadyCalled:
            log("inside: cancel is already called")

    call = c.callLater(1, cb)
    c.advance(1)


@scenario
def delay_moves_a_call_later(log):
    # testCallLaterDelayed
    c = task.Clock()
    call = c.callLater(1, lambda: log(f"call at {ms(c.seconds())}"))
    call.delay(1)
    log(f"time {ms(call.getTime())}")
    c.advance(1.5)
    log(f"advanced to {ms(c.seconds())}")
    c.advance(1.0)


@scenario
def reset_moves_a_call_later(log):
    # testCallLaterResetLater
    c = task.Clock()
    call = c.callLater(2, lambda: log(f"call at {ms(c.seconds())}"))
    c.advance(1)
    call.reset(3)
    log(f"time {ms(call.getTime())}")
    c.advance(2)
    log(f"advanced to {ms(c.seconds())}")
    c.advance(1)


@scenario
def reset_moves_a_call_sooner(log):
    # testCallLaterResetSooner
    c = task.Clock()
    call = c.callLater(4, lambda: log(f"call at {ms(c.seconds())}"))
    call.reset(3)
    log(f"time {ms(call.getTime())}")
    c.advance(3)


@scenario
def delayed_calls_lists_the_pending_calls(log):
    # test_getDelayedCalls
    c = task.Clock()
    a = c.callLater(2, lambda: None)
    b = c.callLater(1, lambda: None)
    log("pending " + " ".join(ms(x.getTime()) for x in c.getDelayedCalls()))
    c.advance(1)
    log("pending " + " ".join(ms(x.getTime()) for x in c.getDelayedCalls()))
    a.cancel()
    log(f"pending {len(c.getDelayedCalls())}")
    del b


@scenario
def calls_due_at_the_same_time_run_in_scheduling_order(log):
    c = task.Clock()
    for name in "abc":
        c.callLater(1, lambda n=name: log(f"{n} at {ms(c.seconds())}"))
    c.callLater(0.5, lambda: log(f"early at {ms(c.seconds())}"))
    c.advance(5)


@scenario
def call_later_keeps_calls_ordered(log):
    # test_callLaterKeepsCallsOrdered
    clock = task.Clock()
    call_a = clock.callLater(1.0, lambda: log(f"a at {ms(clock.seconds())}"))
    call_a.reset(3.0)
    clock.callLater(2.0, lambda: log(f"b at {ms(clock.seconds())}"))
    clock.pump([1] * 3)


@scenario
def reset_keeps_calls_ordered(log):
    # test_callLaterResetKeepsCallsOrdered
    clock = task.Clock()
    call_a = clock.callLater(1.0, lambda: log(f"a at {ms(clock.seconds())}"))
    clock.callLater(2.0, lambda: log(f"b at {ms(clock.seconds())}"))
    call_a.reset(3.0)
    clock.pump([1] * 3)


@scenario
def reset_inside_a_call_keeps_calls_ordered(log):
    # test_callLaterResetInsideCallKeepsCallsOrdered
    clock = task.Clock()
    call_b = clock.callLater(2.0, lambda: log(f"b at {ms(clock.seconds())}"))

    def a():
        call_b.reset(3.0)

    clock.callLater(1.0, a)
    clock.callLater(3.0, lambda: log(f"c at {ms(clock.seconds())}"))
    clock.pump([0.5] * 10)


@scenario
def a_call_moved_later_goes_before_calls_already_due_then(log):
    # Twisted's stable sort: the moved call stood before them in the list.
    clock = task.Clock()
    a = clock.callLater(1, lambda: log("a"))
    clock.callLater(3, lambda: log("b"))
    a.reset(3)
    clock.callLater(3, lambda: log("c"))
    d = clock.callLater(2, lambda: log("d"))
    d.delay(1)
    clock.advance(3)


@scenario
def a_call_moved_earlier_goes_after_calls_already_due_then(log):
    clock = task.Clock()
    clock.callLater(1, lambda: log("a"))
    b = clock.callLater(5, lambda: log("b"))
    clock.callLater(1, lambda: log("c"))
    b.reset(1)
    clock.advance(1)


@scenario
def a_call_scheduled_for_a_reached_time_runs_in_the_same_advance(log):
    clock = task.Clock()

    def first():
        log(f"first at {ms(clock.seconds())}")
        clock.callLater(0, lambda: log(f"zero delay at {ms(clock.seconds())}"))
        clock.callLater(1, lambda: log(f"one second at {ms(clock.seconds())}"))

    clock.callLater(2, first)
    clock.callLater(5, lambda: log(f"later at {ms(clock.seconds())}"))
    clock.advance(5)
    log(f"after advance, pending {len(clock.getDelayedCalls())}")
    clock.advance(1)
    log(f"after advance, pending {len(clock.getDelayedCalls())}")


@scenario
def pump_advances_step_by_step(log):
    clock = task.Clock()
    for t in (1, 2, 3):
        clock.callLater(t, lambda t=t: log(f"call {t} at {ms(clock.seconds())}"))
    clock.pump([0.5, 1, 1, 1])
    log(f"now {ms(clock.seconds())}")


# --- Deferred.addTimeout (test_defer.DeferredAddTimeoutTests) ----------------


class ValueError_(Exception):
    """Stands for the ValueError of Twisted's tests, named as Rust names it."""


ValueError_.__name__ = "ValueError"


def _override(v, t):
    return "OVERRIDDEN"


@scenario
def timeout_is_chainable(log):
    # test_timeoutChainable
    d = defer.Deferred()
    d.addTimeout(5, task.Clock())
    d.addCallback(lambda _: "done")
    d.callback("x")
    log(outcome(d))


def _result_before_timeout(log, **kw):
    clock = task.Clock()
    d = defer.Deferred()
    d.addTimeout(10, clock, **kw)
    inner = defer.Deferred()

    def on_callback(result):
        log(f"callback {result}")
        return inner

    d.addCallback(on_callback)
    d.callback("results")
    log(f"pending {len(clock.getDelayedCalls())}")
    clock.advance(15)
    log(f"inner called {yes(inner.called)}")


@scenario
def result_before_timeout_cancels_the_timer(log):
    # test_successResultBeforeTimeout
    _result_before_timeout(log)


@scenario
def result_before_timeout_cancels_the_timer_custom(log):
    # test_successResultBeforeTimeoutCustom
    _result_before_timeout(log, onTimeoutCancel=_override)


def _failure_before_timeout(log, **kw):
    clock = task.Clock()
    d = defer.Deferred()
    d.addTimeout(10, clock, **kw)
    inner = defer.Deferred()

    def on_errback(f):
        log(f"errback {f.type.__name__}")
        return inner

    d.addErrback(on_errback)
    d.errback(ValueError_("fail"))
    log(f"pending {len(clock.getDelayedCalls())}")
    clock.advance(15)
    log(f"inner called {yes(inner.called)}")


@scenario
def failure_before_timeout_cancels_the_timer(log):
    # test_failureBeforeTimeout
    _failure_before_timeout(log)


@scenario
def failure_before_timeout_cancels_the_timer_custom(log):
    # test_failureBeforeTimeoutCustom
    _failure_before_timeout(log, onTimeoutCancel=_override)


@scenario
def timed_out_fails_with_timeout_error(log):
    # test_timedOut
    clock = task.Clock()
    d = defer.Deferred()
    d.addTimeout(10, clock)
    log(f"called {yes(d.called)}")
    clock.advance(9)
    log(f"called {yes(d.called)}")
    clock.advance(1)
    log(outcome(d))


@scenario
def timed_out_custom_returns_its_value(log):
    # test_timedOutCustom
    clock = task.Clock()
    d = defer.Deferred()
    d.addTimeout(10, clock, onTimeoutCancel=_override)
    log(f"called {yes(d.called)}")
    clock.advance(15)
    log(outcome(d))


@scenario
def timed_out_canceller_value_wins(log):
    # test_timedOutProvidedCancelSuccess
    clock = task.Clock()
    d = defer.Deferred(lambda c: c.callback("I was cancelled!"))
    d.addTimeout(10, clock)
    clock.advance(15)
    log(outcome(d))


@scenario
def timed_out_canceller_failure_wins(log):
    # test_timedOutProvidedCancelFailure
    clock = task.Clock()
    d = defer.Deferred(lambda c: c.errback(ValueError_("what!")))
    d.addTimeout(10, clock)
    clock.advance(15)
    log(outcome(d))


def _cancel_before_timeout(log, **kw):
    clock = task.Clock()
    d = defer.Deferred()
    d.addTimeout(10, clock, **kw)
    inner = defer.Deferred()

    def on_errback(f):
        log(f"errback {f.type.__name__}")
        return inner

    d.addErrback(on_errback)
    d.cancel()
    log(f"pending {len(clock.getDelayedCalls())}")
    clock.advance(15)
    log(f"inner called {yes(inner.called)}")


@scenario
def cancel_before_timeout_stays_cancelled(log):
    # test_cancelBeforeTimeout
    _cancel_before_timeout(log)


@scenario
def cancel_before_timeout_stays_cancelled_custom(log):
    # test_cancelBeforeTimeoutCustom
    _cancel_before_timeout(log, onTimeoutCancel=_override)


@scenario
def a_cancel_that_was_not_the_timeouts_is_a_cancelled_error(log):
    clock = task.Clock()
    d = defer.Deferred()
    d.addTimeout(10, clock)
    d.cancel()
    log(outcome(d))
    log(f"pending {len(clock.getDelayedCalls())}")


@scenario
def canceller_failure_then_custom_handler(log):
    # test_providedCancelCalledBeforeTimeoutCustom
    clock = task.Clock()
    d = defer.Deferred(lambda c: c.errback(ValueError_("what!")))
    d.addTimeout(10, clock, onTimeoutCancel=_override)
    clock.advance(15)
    log(outcome(d))


def _errback_added_before_timeout(log, suppress, **kw):
    clock = task.Clock()
    d = defer.Deferred()

    def errback(f):
        log(f"errback {f.type.__name__}")
        if suppress:
            f.trap(defer.CancelledError)
            return "recovered"
        return f

    d.addErrback(errback)
    d.addTimeout(10, clock, **kw)
    clock.advance(15)
    log(outcome(d))


@scenario
def errback_added_before_timeout_sees_cancelled(log):
    # test_errbackAddedBeforeTimeout
    _errback_added_before_timeout(log, suppress=False)


@scenario
def errback_added_before_timeout_may_suppress(log):
    # test_errbackAddedBeforeTimeoutSuppressesCancellation
    _errback_added_before_timeout(log, suppress=True)


@scenario
def errback_added_before_timeout_custom(log):
    # test_errbackAddedBeforeTimeoutCustom
    _errback_added_before_timeout(log, suppress=False, onTimeoutCancel=_override)


@scenario
def errback_added_before_timeout_may_suppress_custom(log):
    # test_errbackAddedBeforeTimeoutSuppressesCancellationCustom
    _errback_added_before_timeout(log, suppress=True, onTimeoutCancel=_override)


def _callback_added_to_canceller_before_timeout(log, **kw):
    clock = task.Clock()
    d = defer.Deferred(lambda c: c.callback("success"))

    def callback(value):
        log(f"callback {value}")
        return value

    d.addCallback(callback)
    d.addTimeout(10, clock, **kw)
    clock.advance(15)
    log(outcome(d))


@scenario
def callback_added_to_canceller_before_timeout(log):
    # test_callbackAddedToCancelerBeforeTimeout
    _callback_added_to_canceller_before_timeout(log)


@scenario
def callback_added_to_canceller_before_timeout_custom(log):
    # test_callbackAddedToCancelerBeforeTimeoutCustom
    _callback_added_to_canceller_before_timeout(log, onTimeoutCancel=_override)


@scenario
def timeout_while_waiting_cancels_the_inner_deferred(log):
    clock = task.Clock()
    d = defer.Deferred()
    inner = defer.Deferred(lambda c: log("inner cancelled"))
    d.addCallback(lambda _: inner)
    d.addTimeout(10, clock)
    d.callback("x")
    clock.advance(10)
    log(outcome(d))


@scenario
def timer_firing_while_paused_counts_as_timed_out(log):
    for kw in ({}, {"onTimeoutCancel": _override}):
        clock = task.Clock()
        d = defer.Deferred()
        d.addTimeout(10, clock, **kw)
        d.pause()
        d.callback("value")
        clock.advance(10)
        d.unpause()
        log(outcome(d))


# --- task.deferLater (test_task.DeferLaterTests) ------------------------------


@scenario
def defer_later_fires_with_the_result(log):
    # test_callback
    clock = task.Clock()

    def f(foo, bar):
        log(f"called with {foo} {bar} at {ms(clock.seconds())}")
        return "flag"

    d = task.deferLater(clock, 3, f, "foo", bar="bar")
    clock.advance(2)
    log(f"called {yes(d.called)}")
    clock.advance(1)
    log(outcome(d))


@scenario
def defer_later_fails_with_the_error(log):
    # test_errback
    clock = task.Clock()

    def f():
        raise ValueError_()

    d = task.deferLater(clock, 1, f)
    clock.advance(1)
    log(outcome(d))


@scenario
def defer_later_cancelled_never_calls(log):
    # test_cancel
    clock = task.Clock()
    d = task.deferLater(clock, 1, lambda: log("called"))
    d.cancel()
    log(outcome(d))
    log(f"pending {len(clock.getDelayedCalls())}")
    clock.advance(1)


@scenario
def defer_later_without_a_function_just_fires(log):
    # test_noCallback
    clock = task.Clock()
    d = task.deferLater(clock, 2.0)
    log(f"called {yes(d.called)}")
    clock.advance(2.0)
    log(f"called {yes(d.called)}")


@scenario
def defer_later_waits_for_a_returned_deferred_and_cancels_it(log):
    clock = task.Clock()
    inner = defer.Deferred(lambda c: log("inner cancelled"))
    d = task.deferLater(clock, 1, lambda: inner)
    clock.advance(1)
    log(f"called {yes(d.called)}")
    d.cancel()
    log(outcome(d))


# --- task.LoopingCall (test_task.LoopTests, ReactorLoopTests) ----------------


def counted(counts):
    return "counts " + (" ".join(map(str, counts)) or "none")


def looping(clock, f, count=False):
    lc = task.LoopingCall.withCount(f) if count else task.LoopingCall(f)
    lc.clock = clock
    return lc


def watch(log, lc, d):
    """Logs how the start Deferred ends."""

    def done(result):
        log("loop stopped" if result is lc else f"loop stopped with {result}")

    def failed(f):
        log(f"loop failed {f.type.__name__}")

    d.addCallbacks(done, failed)


@scenario
def loop_calls_on_the_interval_grid(log):
    # testBasicFunction
    clock = task.Clock()
    lc = looping(clock, lambda: log(f"call at {ms(clock.seconds())}"))
    watch(log, lc, lc.start(0.1))
    clock.pump([0.05, 0.1, 0.1])
    lc.stop()
    log(f"pending {len(clock.getDelayedCalls())}")


@scenario
def loop_started_later_waits_one_interval(log):
    # testDelayedStart
    clock = task.Clock()
    lc = looping(clock, lambda: log(f"call at {ms(clock.seconds())}"))
    watch(log, lc, lc.start(0.1, now=False))
    clock.pump([0.05, 0.1, 0.1])
    lc.stop()
    log(f"pending {len(clock.getDelayedCalls())}")


@scenario
def loop_stopped_before_its_first_call_never_calls(log):
    # testStopAtOnce, testStoppingBeforeDelayedStart
    for delay in (0, 10):
        clock = task.Clock()
        lc = looping(clock, lambda: log("called"))
        watch(log, lc, lc.start(delay, now=False))
        lc.stop()
        log(f"pending {len(clock.getDelayedCalls())}")
        clock.advance(20)


@scenario
def loop_reset_restarts_the_grid(log):
    # test_reset
    c = task.Clock()
    lc = looping(c, lambda: log(f"call at {ms(c.seconds())}"))
    lc.start(2, now=False)
    c.advance(1)
    lc.reset()
    c.advance(1)
    log(f"advanced to {ms(c.seconds())}")
    c.advance(1)
    lc.stop()


@scenario
def loop_skips_intervals_that_passed_while_the_function_ran(log):
    # test_callbackTimeSkips
    clock = task.Clock()
    duration = [2]

    def f():
        log(f"call at {ms(clock.seconds())}")
        clock.advance(duration[0])

    lc = looping(clock, f)
    lc.start(0.5)
    log(f"now {ms(clock.seconds())}")
    clock.advance(0)
    duration[0] = 1
    clock.advance(0.5)
    log(f"now {ms(clock.seconds())}")
    clock.advance(0)
    duration[0] = 0
    clock.advance(0.5)
    log(f"now {ms(clock.seconds())}")
    lc.stop()


@scenario
def loop_stays_on_the_grid_after_a_late_call(log):
    # The next call is at the next multiple of the interval after the
    # start, not one interval after the late call.
    clock = task.Clock()
    lc = looping(clock, lambda: log(f"call at {ms(clock.seconds())}"))
    lc.start(1, now=False)
    clock.advance(1.3)
    log(f"next at {ms(clock.getDelayedCalls()[0].getTime())}")
    clock.advance(0.7)
    clock.advance(3.5)
    log(f"next at {ms(clock.getDelayedCalls()[0].getTime())}")
    lc.stop()


@scenario
def loop_skips_intervals_the_clock_jumped_over(log):
    # test_reactorTimeSkips
    clock = task.Clock()
    lc = looping(clock, lambda: log(f"call at {ms(clock.seconds())}"))
    lc.start(0.5)
    clock.advance(2)
    clock.advance(1)
    clock.advance(0)
    lc.stop()


@scenario
def loop_with_count_counts_skipped_intervals(log):
    # test_reactorTimeCountSkips
    clock = task.Clock()
    lc = looping(clock, lambda n: log(f"count {n} at {ms(clock.seconds())}"), count=True)
    lc.start(0.5)
    clock.advance(0.5 + 0.01)
    clock.advance(3 * 0.5 + 0.01)
    clock.advance(0)
    lc.stop()


@scenario
def loop_with_count_counts_only_whole_intervals(log):
    # test_countLengthyIntervalCounts
    clock = task.Clock()
    lc = looping(clock, lambda n: log(f"count {n} at {ms(clock.seconds())}"), count=True)
    lc.start(0.5)
    clock.advance(0.5 + 0.01)
    clock.advance(0.5 * 1.75)
    clock.advance(0.5 * 0.25)
    lc.stop()


@scenario
def loop_with_count_never_counts_zero(log):
    # test_withCountFloatingPointBoundary: the counts add up to the
    # intervals passed, and none is 0 (exact here: no float epsilon).
    clock = task.Clock()
    counts = []
    lc = looping(clock, counts.append, count=True)
    count = 10
    interval = 1.0 / count
    lc.start(interval, now=False)
    for _ in range(count):
        clock.advance(interval)
    clock.advance(1.0 - sum([interval] * count))
    log(counted(counts))
    lc.stop()


@scenario
def loop_with_count_and_zero_interval_counts_one(log):
    # test_withCountIntervalZero
    clock = task.Clock()
    counts = []

    def f(n):
        counts.append(n)
        if len(counts) > 4:
            lc.stop()

    lc = looping(clock, f, count=True)
    watch(log, lc, lc.start(0, now=False))
    for _ in range(5):
        clock.advance(0)
        log(counted(counts))


@scenario
def loop_with_zero_interval_waits_for_a_returned_deferred(log):
    # test_withCountIntervalZeroDelay
    clock = task.Clock()
    deferred = defer.Deferred()
    counts = []

    def f(n):
        counts.append(n)
        if len(counts) == 2:
            return deferred
        if len(counts) > 4:
            lc.stop()

    lc = looping(clock, f, count=True)
    watch(log, lc, lc.start(0, now=False))
    clock.pump([0] * 2)
    log(counted(counts))
    clock.pump([1] * 2)
    log(counted(counts))
    deferred.callback(None)
    clock.pump([0] * 4)
    log(counted(counts))


@scenario
def loop_with_count_after_interval_change(log):
    # test_withCountIntervalZeroDelayThenNonZeroInterval
    clock = task.Clock()
    deferred = defer.Deferred()
    counts = []

    def f(n):
        counts.append(n)
        if len(counts) == 2:
            return deferred

    lc = looping(clock, f, count=True)
    lc.start(0, now=False)
    clock.pump([1] * 7)
    log(counted(counts))
    lc.interval = 2
    deferred.callback(None)
    clock.advance(9)
    log(counted(counts))
    clock.advance(2)
    log(counted(counts))
    clock.advance(4)
    log(counted(counts))
    lc.stop()


@scenario
def loop_function_failure_fails_the_start_deferred(log):
    # testFailure
    clock = task.Clock()

    def f():
        raise ValueError_()

    lc = looping(clock, f)
    watch(log, lc, lc.start(0.1))
    log(f"running {yes(lc.running)}")
    log(f"pending {len(clock.getDelayedCalls())}")


@scenario
def loop_function_that_stops_then_fails_fails_the_start_deferred(log):
    # testFailAndStop
    clock = task.Clock()

    def f():
        lc.stop()
        raise ValueError_()

    lc = looping(clock, f)
    watch(log, lc, lc.start(0.1))
    log(f"running {yes(lc.running)}")


@scenario
def loop_stopping_itself_fires_the_start_deferred(log):
    # testEveryIteration (on a test clock)
    clock = task.Clock()
    ran = []

    def f():
        ran.append(None)
        if len(ran) > 5:
            lc.stop()

    lc = looping(clock, f)
    watch(log, lc, lc.start(0))
    log(f"calls {len(ran)}")
    clock.advance(0)
    log(f"calls {len(ran)}")


@scenario
def loop_stopped_by_another_call_never_calls(log):
    # testStopAtOnceLater (on a test clock)
    clock = task.Clock()
    lc = looping(clock, lambda: log("called"))
    lc.start(1, now=False)
    clock.callLater(0, lc.stop)
    clock.advance(0)
    log(f"pending {len(clock.getDelayedCalls())}")
    clock.advance(5)


@scenario
def loop_waits_for_the_returned_deferred(log):
    # testWaitDeferred
    clock = task.Clock()

    def f():
        log(f"call at {ms(clock.seconds())}")
        d = defer.Deferred()
        d.addCallback(lambda _: lc.stop())
        clock.callLater(1, d.callback, None)
        return d

    lc = looping(clock, f)
    watch(log, lc, lc.start(0.2))
    clock.pump([0.2, 0.8])
    log(f"pending {len(clock.getDelayedCalls())}")


@scenario
def loop_fails_with_the_returned_deferreds_failure(log):
    # testFailurePropagation
    clock = task.Clock()

    def f():
        log(f"call at {ms(clock.seconds())}")
        d = defer.Deferred()
        clock.callLater(0.3, d.errback, ValueError_())
        return d

    lc = looping(clock, f)
    watch(log, lc, lc.start(1))
    clock.pump([0.3])
    log(f"pending {len(clock.getDelayedCalls())}")


@scenario
def loop_with_count_counts_intervals_missed_while_waiting(log):
    # test_deferredWithCount
    clock = task.Clock()
    d = defer.Deferred()
    counts = []

    def f(n):
        counts.append(n)
        if len(counts) == 1:
            return d

    lc = looping(clock, f, count=True)
    lc.start(0.2, now=False)
    log(counted(counts))
    clock.pump([0.2, 0.4])
    log(counted(counts))
    d.callback(None)
    clock.pump([0.2])
    log(counted(counts))
    lc.stop()


@scenario
def loop_refuses_start_stop_and_reset_out_of_turn(log):
    # Twisted asserts; here they are errors.
    clock = task.Clock()
    lc = looping(clock, lambda: None)
    for what in ("stop", "reset"):
        try:
            getattr(lc, what)()
        except AssertionError:
            log(f"{what} refused: not running")
    lc.start(1)
    try:
        lc.start(1)
    except AssertionError:
        log("start refused: already running")
    lc.stop()
    try:
        lc.stop()
    except AssertionError:
        log("stop refused: not running")


@scenario
def loop_stopped_while_waiting_ends_when_the_deferred_fires(log):
    clock = task.Clock()
    pending = defer.Deferred()
    lc = looping(clock, lambda: pending)
    watch(log, lc, lc.start(1))
    lc.stop()
    log(f"running {yes(lc.running)}")
    pending.callback(None)
    log(f"pending {len(clock.getDelayedCalls())}")


@scenario
def loop_restarted_after_stop_runs_again(log):
    clock = task.Clock()
    lc = looping(clock, lambda: log(f"call at {ms(clock.seconds())}"))
    watch(log, lc, lc.start(1))
    clock.advance(1)
    lc.stop()
    clock.advance(5)
    watch(log, lc, lc.start(1, now=False))
    clock.advance(1)
    lc.stop()


@scenario
def loop_with_count_restarted(log):
    # Twisted keeps the last call's time across a restart: the first count
    # of the new run counts from the old run's last call (a deviation here).
    clock = task.Clock()
    lc = looping(clock, lambda n: log(f"count {n} at {ms(clock.seconds())}"), count=True)
    lc.start(1)
    clock.advance(1)
    lc.stop()
    clock.advance(5)
    lc.start(1)
    clock.advance(1)
    lc.stop()


if __name__ == "__main__":
    main()
