# defer.rst listing 12 leaves out the import.
from twisted.internet import defer

# the listing
