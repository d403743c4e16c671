#!/usr/bin/env python3
"""Runs an op script (docs/op-language.md) on real Twisted and prints its trace.

The project's oracle: the same script, run on the Deferred that `deferred`
ports, must give the trace `replay` and `replay --model` give. Derived from
the project's shared oracle (twisted_replay.py); Twisted 26.10.0, pinned in
oracle/requirements.txt.

    twisted_replay.py FILE|-     one script; the trace on standard output
    twisted_replay.py --serve    one script a line on standard input, one
                                 JSON answer a line on standard output

The trace is printed as `replay` prints it: keys in the spec's order, spaced
as `json.dumps` spaces them, so it is byte-identical to a fixture's `.jsonl`.

Exit status (one script): 0 with the trace; 3 when the script leaves the
domain where a typed implementation can agree with Twisted (a handler called
with None, or Twisted itself failing, as `cancel` around a cycle of waiting
Deferreds does with RecursionError), with the reason on standard error; 2
on a script this runner cannot read.

`--serve` answers each line with exactly one of
    {"trace": "<JSON Lines>"}   {"out_of_domain": "<why>"}   {"invalid": "<why>"}
and stops at the end of its input. `cargo xtask twisted` drives it so that
thousands of scripts (and the shrinker's candidates) cost one interpreter.

Two places where the spec and Twisted differ on purpose are followed here as
the spec says (docs/op-language.md, rules 3 and 6): `unpause` at pause count
zero is refused (`NotPaused`) instead of reaching Twisted, and a paused
Deferred dropped holding a failure is reported (Twisted misses that case).
"""
import json
import sys

from twisted.internet.defer import AlreadyCalledError, CancelledError, Deferred
from twisted.python.failure import Failure

MASK = (1 << 64) - 1


def wrap(v):
    """Wrapping i64 arithmetic, as the spec's `add` does."""
    v &= MASK
    return v - (1 << 64) if v >= 1 << 63 else v


class TagError(Exception):
    """The failure a script's `errback` or `raise` carries."""

    def __init__(self, tag):
        super().__init__(tag)
        self.tag = tag


class OutOfDomain(Exception):
    """The script went where a typed implementation cannot follow Twisted."""


class Invalid(Exception):
    """The script is not one this runner can read."""


def result_of(r):
    if isinstance(r, Failure):
        if r.check(TagError):
            return {"err": r.value.tag}
        if r.check(CancelledError):
            return {"err": "Cancelled"}
        return {"err": "Other_" + type(r.value).__name__}
    if r is None:
        raise OutOfDomain("a Deferred holds None")
    return {"ok": r}


def run(script, out):
    """Runs `script`, appending its events (dicts, keys in the spec's order) to `out`."""
    try:
        n = script["deferreds"]
        ops = script["ops"]
    except (KeyError, TypeError) as e:
        raise Invalid("not a script: %r" % (e,))
    if not isinstance(n, int) or not 1 <= n <= 64:
        raise Invalid("deferreds: must be 1 to 64")
    ds = [Deferred() for _ in range(n)]
    user_paused = [0] * n
    # Set when Twisted calls a handler with None (the handler cannot raise
    # OutOfDomain itself: Twisted would catch it as a failure and go on).
    left_domain = []

    def make(h, op_index, side):
        k = h["k"]
        if k == "pass":
            return lambda r: r
        if k not in ("add", "value", "raise", "chain"):
            raise Invalid("ops[%d].%s.k: unknown handler %r" % (op_index, side, k))

        def handler(r):
            if r is None:
                left_domain.append("op %d's %s handler was called with None" % (op_index, side))
                return None
            out.append({"ev": "call", "op": op_index, "side": side, "in": result_of(r)})
            if k == "add":
                return r if isinstance(r, Failure) else wrap(r + h["n"])
            if k == "value":
                return h["n"]
            if k == "raise":
                raise TagError(h["error"])
            return ds[h["d"]]

        return handler

    for i, op in enumerate(ops):
        try:
            kind = op["op"]
            d = ds[op["d"]]
        except (KeyError, IndexError, TypeError) as e:
            raise Invalid("ops[%d]: %r" % (i, e))
        try:
            if kind == "callback":
                d.callback(op["value"])
            elif kind == "errback":
                d.errback(Failure(TagError(op["error"])))
            elif kind in ("add_callbacks", "add_callback", "add_errback", "add_both"):
                if kind == "add_both":
                    cb = eb = op["h"]
                else:
                    cb = op.get("cb", {"k": "pass"})
                    eb = op.get("eb", {"k": "pass"})
                d.addCallbacks(make(cb, i, "cb"), make(eb, i, "eb"))
            elif kind == "pause":
                user_paused[op["d"]] += 1
                d.pause()
            elif kind == "unpause":
                if user_paused[op["d"]] == 0:
                    out.append({"ev": "error", "op": i, "error": "NotPaused"})
                else:
                    user_paused[op["d"]] -= 1
                    d.unpause()
            elif kind == "cancel":
                d.cancel()
            else:
                raise Invalid("ops[%d].op: unknown op %r" % (i, kind))
        except AlreadyCalledError:
            out.append({"ev": "error", "op": i, "error": "AlreadyCalled"})
        except RecursionError:
            raise OutOfDomain("op %d (%s) recursed until RecursionError" % (i, kind))
        if left_domain:
            raise OutOfDomain(left_domain[0])

    finals = []
    for j, d in enumerate(ds):
        if not d.called:
            state, res = "pending", None
        elif isinstance(d.result, Deferred):
            state, res = "waiting", None
        elif d.result is None:
            state, res = "consumed", None
        elif d.paused > 0:
            state, res = "paused", result_of(d.result)
        else:
            state, res = "fired", result_of(d.result)
        finals.append((state, res))
        out.append({"ev": "final", "d": j, "state": state, "result": res})
    for j, d in enumerate(ds):
        state, res = finals[j]
        if res is not None and "err" in res:
            fail_result = d._debugInfo.failResult if d._debugInfo is not None else None
            if state == "fired" and fail_result is None:
                raise OutOfDomain("Twisted would not report d%d's failure" % j)
            out.append({"ev": "unhandled", "d": j, "error": res["err"]})
        # Keep Twisted itself from logging at interpreter exit.
        if d._debugInfo is not None:
            d._debugInfo.failResult = None


def trace_of(script):
    """The script's trace as JSON Lines; raises OutOfDomain or Invalid."""
    out = []
    run(script, out)
    return "".join(json.dumps(e) + "\n" for e in out)


def answer(line):
    """`--serve`'s answer to one line."""
    try:
        script = json.loads(line)
    except ValueError as e:
        return {"invalid": "invalid JSON: %s" % e}
    try:
        return {"trace": trace_of(script)}
    except OutOfDomain as e:
        return {"out_of_domain": str(e)}
    except Invalid as e:
        return {"invalid": str(e)}
    except Exception as e:  # a bug here must not stop a run of thousands
        return {"invalid": "runner error: %s: %s" % (type(e).__name__, e)}


def serve():
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(answer(line)) + "\n")
            sys.stdout.flush()
    return 0


def main():
    args = sys.argv[1:]
    if args == ["--serve"]:
        return serve()
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print("usage: twisted_replay.py FILE|- | twisted_replay.py --serve", file=sys.stderr)
        return 2
    src = args[0] if args else "-"
    text = sys.stdin.read() if src == "-" else open(src).read()
    result = answer(text)
    if "trace" in result:
        sys.stdout.write(result["trace"])
        return 0
    if "out_of_domain" in result:
        print("out of domain: %s" % result["out_of_domain"], file=sys.stderr)
        return 3
    print(result["invalid"], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
