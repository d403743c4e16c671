# Run before every listing of docs/from-twisted.md that `cargo xtask twisted`
# checks (xtask/src/twisted/listings.rs). The reactor's delays are a
# hundredth of the listing's, as the Rust ports make a second 10 ms, so that
# the check takes milliseconds, not seconds: delayed calls still run in the
# same order, so the listing prints the same. Nothing else is changed.
from twisted.internet import reactor as _reactor

_call_later = _reactor.callLater


def _call_later_sooner(delay, f, *args, **kwargs):
    return _call_later(delay / 100, f, *args, **kwargs)


_reactor.callLater = _call_later_sooner
del _reactor
