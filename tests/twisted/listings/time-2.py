# time.rst listing 2 runs its reactor forever: this stops it at 4 seconds,
# after the listing's call at 3.5 (its port stops once `called` has run).
from twisted.internet import reactor

reactor.callLater(4, reactor.stop)

# the listing
