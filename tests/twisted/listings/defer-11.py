# defer.rst listing 11 leaves out the import.
from twisted.internet import defer

# the listing
