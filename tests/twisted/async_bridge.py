"""The async bridge on real Twisted: coroutines run by ``ensureDeferred``
(await an unfired Deferred, a fired one, a failing one, cancel while
awaiting, return a Deferred, one coroutine firing what another awaits),
``blockingCallFromThread`` and ``callMultipleInThread``.

Asserted by ``tests/async_bridge.rs`` (the Rust events must be these, in
this order). Ports of Twisted's own tests name them in a comment.
"""
import threading

from events import main, scenario
from twisted.internet import reactor as global_reactor
from twisted.internet import threads
from twisted.internet.defer import (
    CancelledError,
    Deferred,
    ensureDeferred,
    fail,
    succeed,
)
from twisted.internet.selectreactor import SelectReactor


class Boom(Exception):
    """The failure the scenarios raise (``Boom`` on the Rust side too)."""


def state(d):
    if not d.called:
        return "pending"
    if isinstance(d.result, Deferred):
        return "waiting"
    return f"fired {d.result}"


@scenario
def await_unfired(log):
    d = Deferred()

    async def co():
        log("coroutine starts")
        v = await d
        log(f"await returned {v}")
        return v * 2

    log("before ensure_deferred")
    r = ensureDeferred(co())
    log(f"after ensure_deferred: {state(r)}")
    r.addCallback(lambda v: log(f"r callback {v}"))
    log("firing d")
    d.callback(21)
    log("after firing d")


@scenario
def await_fired(log):
    # test_defer_await.test_basic, test_defer.EnsureDeferredTests.test_ensureDeferredCoroutine
    async def co():
        log("coroutine starts")
        v = await succeed(3)
        log(f"await returned {v}")
        return v * 2

    log("before ensure_deferred")
    r = ensureDeferred(co())
    log(f"after ensure_deferred: {state(r)}")


@scenario
def await_failing(log):
    # test_defer_await.test_reraise
    async def co():
        try:
            await fail(Boom("bad"))
        except Boom as e:
            log(f"await raised Boom {e}")
            return -1
        return 0

    r = ensureDeferred(co())
    log(f"after ensure_deferred: {state(r)}")


@scenario
def await_failing_later_uncaught(log):
    # test_defer_await.test_exception, test_asyncDeferredFailureTraceback
    d = Deferred()

    async def co():
        v = await d
        log("not reached")
        return v

    r = ensureDeferred(co())
    r.addErrback(lambda f: log(f"r errback {f.type.__name__} {f.value}"))
    log("errbacking d")
    d.errback(Boom("late"))
    log("after errbacking d")


@scenario
def cancel_while_awaiting(log):
    d = Deferred(lambda _: log("canceller of d runs"))

    async def co():
        try:
            await d
        except CancelledError:
            log("coroutine sees CancelledError")
            return "recovered"
        return "not cancelled"

    r = ensureDeferred(co())
    r.addBoth(lambda v: log(f"r fires with {v}"))
    log("cancelling r")
    r.cancel()
    log("after cancel")


@scenario
def cancel_while_awaiting_uncaught(log):
    d = Deferred()

    async def co():
        await d
        return "not cancelled"

    r = ensureDeferred(co())
    r.addErrback(lambda f: log(f"r errback {f.type.__name__}"))
    log("cancelling r")
    r.cancel()
    log("after cancel")


@scenario
def cancel_then_await_again(log):
    d = Deferred(lambda _: log("canceller of d runs"))
    d2 = Deferred()

    async def co():
        try:
            await d
        except CancelledError:
            log("coroutine sees CancelledError")
        v = await d2
        log(f"await d2 returned {v}")
        return v

    r = ensureDeferred(co())
    r.addBoth(lambda v: log(f"r fires with {v}"))
    log("cancelling r")
    r.cancel()
    log(f"after cancel: r called {r.called}")
    log("firing d2")
    d2.callback(7)
    log("cancelling r again")
    r.cancel()
    log("after second cancel")


@scenario
def cancel_twice_while_awaiting(log):
    d1 = Deferred(lambda _: log("canceller of d1 runs"))
    d2 = Deferred(lambda _: log("canceller of d2 runs"))

    async def co():
        try:
            await d1
        except CancelledError:
            log("coroutine sees CancelledError at d1")
        try:
            await d2
        except CancelledError:
            log("coroutine sees CancelledError at d2")
        return 3

    r = ensureDeferred(co())
    r.addBoth(lambda v: log(f"r fires with {v}"))
    log("cancelling r")
    r.cancel()
    log("cancelling r again")
    r.cancel()
    log("after both cancels")


@scenario
def cancel_from_inside_while_running(log):
    # The cancel reaches only the stale `waitingOn` (d1, fired): the
    # coroutine goes on, and r waits for its result.
    me = []
    d1 = Deferred()
    d2 = Deferred()

    async def co():
        await d1
        log("coroutine cancels its own Deferred")
        me[0].cancel()
        log(f"after the cancel: r called {me[0].called}")
        v = await d2
        log(f"await d2 returned {v}")
        return v

    r = ensureDeferred(co())
    me.append(r)
    r.addBoth(lambda v: log(f"r fires with {v}"))
    d1.callback(0)
    log("firing d2")
    d2.callback(5)


@scenario
def return_a_deferred(log):
    d2 = Deferred()

    async def co():
        log("coroutine returns d2")
        return d2

    r = ensureDeferred(co())
    log(f"after ensure_deferred: r called {r.called}")
    # In Twisted the first callback gets the Deferred object itself and the
    # chain waits on it when it returns it; in Rust the task's Deferred waits
    # on d2 at once and the first callback gets d2's value. An identity
    # callback makes the difference invisible here; docs/semantics.md says it.
    r.addCallback(lambda v: v)
    r.addCallback(lambda v: log(f"r callback {v}"))
    log("firing d2")
    d2.callback(5)
    log("after firing d2")


@scenario
def one_coroutine_fires_what_another_awaits(log):
    db = Deferred()

    async def b():
        log("B waits")
        v = await db
        log(f"B resumed with {v}")
        return v

    async def a():
        log("A fires db")
        db.callback(1)
        log("A after firing db")
        return 0

    ensureDeferred(b())
    ensureDeferred(a())


@scenario
def two_deep(log):
    # test_defer_await.test_twoDeep, with Deferreds fired by hand for the Clock.
    first = Deferred()
    second = Deferred()

    async def runone():
        log("section 2")
        await first
        log("section 3")
        return "Yay!"

    async def run():
        log("section 1")
        result = await runone()
        log("section 4")
        await second
        log("section 5")
        return result

    r = ensureDeferred(run())
    log("firing first")
    first.callback(2)
    log("firing second")
    second.callback(1)
    log(f"r: {state(r)}")


@scenario
def await_paused_and_chained(log):
    # test_defer_await.test_chained
    inner = Deferred()

    async def co():
        d = Deferred()
        d.addCallback(lambda _: inner)
        d.callback(None)
        log("awaiting a Deferred that waits on another")
        v = await d
        log(f"await returned {v}")
        return v

    r = ensureDeferred(co())
    log(f"after ensure_deferred: {state(r)}")
    inner.callback("bye")
    log(f"r: {state(r)}")


def run_reactor_with(work):
    """Runs a fresh reactor until ``work(reactor)``'s thread stops it."""
    reactor = SelectReactor()
    reactor.callWhenRunning(work, reactor)
    reactor.run(installSignalHandlers=False)


@scenario
def blocking_call_value_and_deferreds(log):
    # test_threads.test_blockingCallFromThread, test_asyncBlockingCallFromThread,
    # test_errorBlockingCallFromThread, test_asyncErrorBlockingCallFromThread
    def work(reactor):
        def in_thread():
            def value():
                log(f"f runs on the reactor thread: {threading.current_thread() is main_thread}")
                return "foo"

            log(f"thread got {threads.blockingCallFromThread(reactor, value)}")

            def later():
                d = Deferred()
                reactor.callLater(0, lambda: (log("d fires"), d.callback("egg")))
                log("f returns an unfired Deferred")
                return d

            log(f"thread got {threads.blockingCallFromThread(reactor, later)}")
            try:
                threads.blockingCallFromThread(reactor, lambda: fail(Boom("bar")))
            except Boom as e:
                log(f"thread got Boom {e}")

            def later_failure():
                d = Deferred()
                reactor.callLater(0, d.errback, Boom("spam"))
                return d

            try:
                threads.blockingCallFromThread(reactor, later_failure)
            except Boom as e:
                log(f"thread got Boom {e}")
            reactor.callFromThread(reactor.stop)

        threading.Thread(target=in_thread).start()

    main_thread = threading.current_thread()
    run_reactor_with(work)


@scenario
def call_multiple_in_thread(log):
    # test_threads.DeferredResultTests.test_callMultiple, then a list with a
    # raising job: the jobs after it do not run (the pool logs the error).
    threads_seen = []

    def job(i):
        threads_seen.append(threading.get_ident())
        log(f"job {i}")

    def boom():
        log("job 4 raises")
        raise Boom("in job 4")

    def first_list_done():
        log(f"first list done, on {len(set(threads_seen))} thread")
        threads.callMultipleInThread([(job, (3,), {}), (boom, (), {}), (job, (5,), {})])
        # Stopping the reactor stops its pool, which finishes the queued list first.
        global_reactor.stop()

    threads.callMultipleInThread(
        [(job, (i,), {}) for i in range(3)]
        + [(global_reactor.callFromThread, (first_list_done,), {})]
    )
    global_reactor.run(installSignalHandlers=False)


if __name__ == "__main__":
    main()
