"""The ``planner`` command line: one sub-app per noun under one top-level app.

Importing it turns Python's cyclic garbage collector off for :data:`COLLECTOR_PAUSE_S` seconds
(a timer thread turns it back on): a short command such as ``planner solve`` on the default
scenario makes a great many objects as it imports typer, rich, pandas and pydantic and builds its
models, none of them garbage, and the collector's passes over them were about 6% of its time
(docs/performance.md). A longer command gets the collector back after that second; pool
processes forked within it turn it on as they start (:mod:`planner.sweep.executor`).
"""

import gc
import threading

COLLECTOR_PAUSE_S = 1.0
"""Seconds after the command line is imported during which the cyclic garbage collector is off."""


def _pause_collector(seconds: float) -> threading.Timer:
    """The collector off now, and a started timer that turns it on again after ``seconds``."""
    gc.disable()
    timer = threading.Timer(seconds, gc.enable)
    timer.daemon = True  # never keeps the process alive
    timer.start()
    return timer


COLLECTOR_TIMER = _pause_collector(COLLECTOR_PAUSE_S)
"""The timer that turns the collector on again (``join`` it to wait for that)."""

from planner.cli.main import app  # noqa: E402  (imported with the collector off, above)

__all__ = ["COLLECTOR_PAUSE_S", "COLLECTOR_TIMER", "app", "run"]


def run() -> None:
    """Run the ``planner`` command (the script and ``python -m planner``): :data:`app`, then exit.

    Once the command is done, the garbage collector is frozen, so that Python's exit does not walk
    every object the command made (pandas, the catalog, the plan's tables): 0.1 s of a default
    ``planner solve`` that took 0.8 s. Files are closed by the commands themselves, not at exit.
    """
    try:
        app()
    finally:
        gc.freeze()
