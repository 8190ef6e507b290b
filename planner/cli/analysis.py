"""What the analysis commands share: their common options, and the ``--out`` folder they claim before solving."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

from planner.cli.common import EXIT_NOT_OPTIMAL, SolverChoice, fail

if TYPE_CHECKING:
    from planner.output import Claim

ScenarioArgument = Annotated[
    Path | None, typer.Argument(help="Scenario YAML file. Omitted: the built-in default scenario.")
]
SolverOption = Annotated[SolverChoice, typer.Option(help="Solver to use.")]
TimeLimitOption = Annotated[float | None, typer.Option("--time-limit", min=0.0, help="Seconds each solve may take.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the analysis as one JSON object.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace the --out folder if it holds an analysis.")]

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


class Analysis(Protocol):
    """What an analysis gives a command: its files and its summary."""

    def write_files(self, folder: Path) -> None: ...

    def summary(self) -> dict[str, Any]: ...


def deliver(folder: Claim | None, found: Analysis, as_json: bool, show: Callable[[], None], optimal: bool) -> None:
    """Write ``found`` into the claimed folder, then print it: one JSON object with ``--json``, else
    ``show()``'s tables; exit 1 unless every solve of it was ``optimal``."""
    if folder is not None:
        folder.write(found.write_files)
    if as_json:
        typer.echo(json.dumps(found.summary()))
    else:
        show()
    if not optimal:
        raise typer.Exit(EXIT_NOT_OPTIMAL)
