"""A spinner with the elapsed time on stderr while a long step runs, for a person at a terminal."""

from __future__ import annotations

import math
import threading
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

SHOWN_AFTER_S = 2.0
"""Seconds a step runs before its spinner appears: a quick solve shows nothing."""


class Spinner:
    """A transient rich progress line, started by a timer after ``delay_s`` seconds and gone on exit.

    While it runs, a whole-unit HiGHS solve tells it its gap each time it finds a better plan
    (:data:`planner.solvers.highs.MIP_PROGRESS`), and the line shows it.
    """

    def __init__(self, progress: Progress, what: str, delay_s: float) -> None:
        self.progress = progress
        self.what = what
        self._task = progress.add_task(what, total=None)
        self._lock = threading.Lock()
        self._started = self._done = False
        self._timer = threading.Timer(delay_s, self._start)
        self._timer.daemon = True

    def _start(self) -> None:
        with self._lock:
            if not self._done:
                self.progress.start()
                self._started = True

    def gap(self, fraction: float) -> None:
        """Show the gap of the best whole-unit plan found so far to the best possible cost."""
        said = (
            f"best plan so far within {fraction:.2%} of the best possible cost"
            if math.isfinite(fraction)
            else "a plan found, its distance to the best possible cost not yet known"
        )
        self.progress.update(self._task, description=f"{self.what}: {said}")

    def __enter__(self) -> Spinner:
        from planner.solvers.highs import MIP_PROGRESS

        self._listening = MIP_PROGRESS.set(self.gap)
        self._timer.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        from planner.solvers.highs import MIP_PROGRESS

        MIP_PROGRESS.reset(self._listening)
        self._timer.cancel()
        with self._lock:
            self._done = True
            if self._started:
                self.progress.stop()


def working(
    what: str, *, quiet: bool = False, errors: Console | None = None, delay_s: float | None = None
) -> AbstractContextManager[Any]:
    """A spinner saying ``what`` and the time so far on stderr, from ``delay_s`` seconds
    (:data:`SHOWN_AFTER_S` by default) into the ``with`` block until its end, when it is erased.

    Nothing is shown, and nothing runs beside the block, when ``quiet`` or when stderr is not a
    terminal (a pipe, a file, a test): stdout is never touched, so ``--json`` output stays one
    JSON object.
    """
    from planner.cli.common import console

    errors = errors or console(stderr=True)
    if quiet or not errors.is_terminal:
        return nullcontext()
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )
    return Spinner(progress, what, SHOWN_AFTER_S if delay_s is None else delay_s)
