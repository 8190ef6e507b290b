"""What the analysis commands share: the ``--out`` folder they claim before solving, and its errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from planner.cli.common import EXIT_NOT_OPTIMAL, fail

if TYPE_CHECKING:
    from planner.output import Claim

ANALYSIS_MARKERS = ("summary.json", "plans.csv")
"""Files every analysis folder holds: a folder with them may be replaced by a new analysis."""


@contextlib.contextmanager
def out_folder(ctx: typer.Context, out: Path | None, force: bool) -> Iterator[Claim | None]:
    """Claim ``--out`` (None: no folder) for the block, so that a wrong or busy folder is refused
    before minutes of solving; its errors end the command cleanly (exit 2, or 1 if writing failed)."""
    from planner import output
    from planner.errors import Problem

    if out is None:
        yield None
        return
    try:
        with output.claim(out, overwrite=force, markers=ANALYSIS_MARKERS) as folder:
            yield folder
    except output.TargetExistsError as exc:
        fail(ctx, [Problem("--out", "the folder exists; choose another or add --force to replace it", str(out))], exc)
    except output.TargetError as exc:
        fail(ctx, [Problem("--out", str(exc))], exc)
    except output.WriteError as exc:
        fail(ctx, [Problem("--out", str(exc))], exc, code=EXIT_NOT_OPTIMAL)
