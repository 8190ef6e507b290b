"""What the analysis commands (breakeven, frontier, alternatives, robust, stress) share: their
common options, where their solves run, the ``--out`` folder they claim before solving and how
they write to it and print."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

from planner.cli.common import EXIT_NOT_OPTIMAL, SolverChoice, console, fail

if TYPE_CHECKING:
    from planner.analyses.axis import Axis
    from planner.output import Claim
    from planner.scenario import Scenario

ScenarioArgument = Annotated[
    Path | None, typer.Argument(help="Scenario YAML file. Omitted: the built-in default scenario.")
]
SolverOption = Annotated[SolverChoice, typer.Option(help="The LP solver of every solve.")]
TimeLimitOption = Annotated[float | None, typer.Option("--time-limit", min=0.0, help="Seconds each solve may take.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the analysis as one JSON object instead of tables.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace the --out folder if it holds such an analysis.")]

QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Show no progress on the terminal while solving.")]

ANALYSIS_MARKERS = ("summary.json", "plans.csv")
"""Files every analysis folder holds: a folder with them may be replaced by a new analysis."""
OutOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write the tables (CSV) and summary.json to this folder, all at once."),
]
WorkersOption = Annotated[
    int | None, typer.Option(min=1, help="Processes to solve in at once; default all cores.", show_default=False)
]
ExecutorOption = Annotated[
    str, typer.Option(help="local (a process pool) or dask (an existing Dask cluster, see --scheduler).")
]
SchedulerOption = Annotated[
    str | None, typer.Option(help="Dask scheduler address, tcp://HOST:PORT (with --executor dask).")
]
SchedulerTimeoutOption = Annotated[
    float, typer.Option(min=0.1, help="Seconds to wait for the Dask scheduler to answer.")
]
MARKERS = ("summary.json",)
"""The file an analysis folder always holds: only such a folder (or an empty one) is replaced with --force."""


def check_executor(ctx: typer.Context, executor: str, scheduler: str | None) -> None:
    """Fail (exit 2) unless ``--executor`` is local, or dask with ``--scheduler``."""
    from planner.errors import Problem

    if executor not in ("local", "dask") or (executor == "dask") != (scheduler is not None):
        message = "use --executor local, or --executor dask with --scheduler tcp://HOST:PORT"
        fail(ctx, [Problem(path="--executor", message=message, value=executor)])


@contextmanager
def claimed(
    ctx: typer.Context, out: Path | None, force: bool, markers: tuple[str, ...] = MARKERS
) -> Iterator[Claim | None]:
    """Claim the ``--out`` folder for the block, before any solve (a wrong or busy folder is refused
    at once), or nothing; its errors end the command cleanly (exit 2, or 1 if writing failed).
    ``--force`` replaces only a folder holding every one of ``markers`` (or an empty one)."""
    from planner import output
    from planner.errors import Problem

    try:
        with output.claim(out, overwrite=force, markers=markers) if out is not None else nullcontext() as folder:
            yield folder
    except output.TargetExistsError as exc:
        fail(ctx, [Problem("--out", "the folder exists; choose another or add --force to replace it", str(out))], exc)
    except output.TargetError as exc:
        fail(ctx, [Problem("--out", str(exc))], exc)
    except output.WriteError as exc:
        fail(ctx, [Problem("--out", str(exc))], exc, code=EXIT_NOT_OPTIMAL)


def run_errors(ctx: typer.Context, run: Callable[[], Any], option: str) -> Any:
    """Call ``run`` (the analysis), turning what it raises into the user's words and an exit code:
    2 for bad input (a path, a value; any other ``ValueError`` is laid on ``option``), a missing
    solver or a Dask scheduler that does not answer (as ``planner sweep``), 1 for a value without a plan."""
    from planner.analyses.axis import AnalysisError
    from planner.errors import Problem, ScenarioError
    from planner.sweep import ClusterError, SolverMissingError

    try:
        return run()
    except ScenarioError as exc:
        fail(ctx, exc.problems, exc)
    except AnalysisError as exc:
        fail(ctx, [Problem(path="<analysis>", message=str(exc))], exc, code=EXIT_NOT_OPTIMAL)
    except ClusterError as exc:
        fail(ctx, [Problem(path="--scheduler", message=str(exc))], exc)
    except SolverMissingError as exc:
        fail(ctx, [Problem(path="solver", message=str(exc))], exc)
    except ValueError as exc:
        fail(ctx, [Problem(path=option, message=str(exc))], exc)


@contextmanager
def counting(name: str, quiet: bool = False) -> Iterator[Callable[[int, int, int], None]]:
    """A line on stderr counting the solves of ``name`` as they finish (gone when done; nothing with
    ``quiet``); yields the ``progress`` callback to hand the analysis."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    if quiet:
        yield lambda done, failed, total: None
        return

    with Progress(
        SpinnerColumn(), TextColumn(f"{name}: {{task.completed}} solves"), console=console(stderr=True), transient=True
    ) as bar:
        task = bar.add_task(name, total=None)
        yield lambda done, failed, total: bar.advance(task)


def read_axis(ctx: typer.Context, scenario: Scenario, path: str) -> Axis:
    """The axis ``path`` of ``scenario``, or fail (exit 2) naming ``--vary`` and the path's problem."""
    from planner.analyses.axis import axis
    from planner.errors import Problem, ScenarioError

    try:
        return axis(scenario, path)
    except ScenarioError as exc:
        fail(ctx, [Problem(path=f"--vary {p.path}", message=p.message, value=p.value) for p in exc.problems], exc)


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
