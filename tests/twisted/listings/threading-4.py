# threading.rst listing 4 asks twistedmatrix.com for a page: the check
# makes no network call, and stands Agent's request in for it as its port
# does (`request` answers "<Response 200>").
import twisted.web.client
from twisted.internet import defer


class _Agent:
    def __init__(self, reactor):
        pass

    def request(self, method, uri):
        return defer.succeed("<Response 200>")


twisted.web.client.Agent = _Agent

# the listing
