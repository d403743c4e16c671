# threading.rst listing 2 sleeps 2 seconds in a pool thread and runs its
# reactor forever: the sleep is made a hundredth, as its port's 20 ms, and
# the reactor stops once the call is done (its port stops the reactor at
# once, and the reactor's stop waits for the pool's running call).
import time

from twisted.internet import reactor

_sleep = time.sleep
time.sleep = lambda seconds: _sleep(seconds / 100)
_call_in_thread = reactor.callInThread


def _call_in_thread_then_stop(f, *args, **kwargs):
    def call():
        try:
            f(*args, **kwargs)
        finally:
            reactor.callFromThread(reactor.stop)

    _call_in_thread(call)


reactor.callInThread = _call_in_thread_then_stop

# the listing
