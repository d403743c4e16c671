# threading.rst listing 3 runs its reactor forever: the reactor stops once
# the Deferred has fired, as its port does in a hidden line.
from twisted.internet import reactor, threads

_defer_to_thread = threads.deferToThread


def _defer_to_thread_then_stop(f, *args, **kwargs):
    d = _defer_to_thread(f, *args, **kwargs)
    d.addBoth(lambda result: (reactor.stop(), result)[1])
    return d


threads.deferToThread = _defer_to_thread_then_stop

# the listing
