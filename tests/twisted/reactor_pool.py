"""What Twisted's reactor does with thread-pool work handed to it before it
runs: the work waits for the loop (the pool starts from
``callWhenRunning(threadpool.start)``), as Twisted's own
``test_threads.py::ReactorThreadsTests.testCallBeforeStartupUnexecuted``
checks. The Rust side is ``tests/threads.rs``.

One scenario only: the global reactor runs once per process.
"""
import threading
import time

from events import main, scenario


def yes(flag):
    return "true" if flag else "false"


@scenario
def work_before_run_waits_for_the_reactor(log):
    from twisted.internet import reactor, threads

    ran_on = []

    def work():
        ran_on.append(threading.current_thread())
        return 21

    d = threads.deferToThread(work)
    # As Twisted's test does: give a thread every chance to run it, if one could.
    for _ in range(100):
        time.sleep(0.0)
    time.sleep(0.05)
    log(f"ran before run: {yes(ran_on)}")
    log(f"pool started before run: {yes(reactor.getThreadPool().started)}")

    def callback(value):
        on_reactor = threading.current_thread() is threading.main_thread()
        log(f"callback {value} on the reactor thread: {yes(on_reactor)}")
        reactor.stop()

    d.addCallback(callback)
    reactor.run()
    worker = bool(ran_on) and ran_on[0] is not threading.main_thread()
    log(f"ran in a worker: {yes(worker)}")


if __name__ == "__main__":
    main()
