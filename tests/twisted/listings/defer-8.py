# defer.rst listing 8 leaves out the import and never calls operationDone:
# its port calls it in a hidden line.
from twisted.internet.defer import Deferred

# the listing

operationDone()
