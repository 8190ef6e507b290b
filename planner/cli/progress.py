"""A spinner with the elapsed time on stderr while a long step runs, for a person at a terminal."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def working(what: str, *, quiet: bool = False, errors: Console | None = None) -> AbstractContextManager[Any]:
    """A transient spinner saying ``what`` and the seconds so far, on stderr, while the ``with`` block runs.

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
    progress.add_task(what, total=None)
    return progress
