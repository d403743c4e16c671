# time.rst listing 1 runs its reactor forever: this stops it at 4 seconds,
# after the listing's call at 3.5, as its port does in a hidden line.
from twisted.internet import reactor

reactor.callLater(4, reactor.stop)

# the listing
