"""Shared by the per-feature Twisted scripts in this folder.

A script defines scenarios with ``@scenario``; each gets a ``log`` function
and calls it once per event (a string). ``main()`` runs them in definition
order and prints the format described in README.md, which the Rust tests
read from ``expected/<feature>.txt``.
"""
import os
import sys

_SCENARIOS = []


def scenario(fn):
    """Registers ``fn(log)`` as a scenario named after the function."""
    _SCENARIOS.append(fn)
    return fn


def main():
    import twisted

    script = os.path.basename(sys.argv[0])
    print(
        f"# Twisted {twisted.__version__}, tests/twisted/{script} "
        "(regenerate: cargo xtask twisted --bless)"
    )
    names = set()
    for fn in _SCENARIOS:
        if fn.__name__ in names:
            raise SystemExit(f"duplicate scenario {fn.__name__}")
        names.add(fn.__name__)
        events = []

        def log(event, _events=events):
            text = str(event)
            if "\n" in text or text.startswith(("#", "==")):
                raise SystemExit(f"{fn.__name__}: unprintable event {text!r}")
            _events.append(text)

        fn(log)
        print(f"== {fn.__name__}")
        for event in events:
            print(event)
