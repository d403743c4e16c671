# defer.rst listing 7 defines authenticateUser but calls it nowhere: these
# are the calls its port makes in hidden lines.
from twisted.internet import defer

# the listing

authenticateUser(lambda user: user == "Alice", "Alice")
authenticateUser(lambda user: defer.succeed(user == "Alice"), "Bob")
