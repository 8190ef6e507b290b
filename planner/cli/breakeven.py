"""``planner breakeven``: the demand level or price at which a fleet, vendor or category enters or
leaves the optimal plan."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from planner.cli.analysis import (
    ExecutorOption,
    ForceOption,
    JsonOption,
    OutOption,
    QuietOption,
    SchedulerOption,
    SchedulerTimeoutOption,
    SolverOption,
    WorkersOption,
    check_executor,
    claimed,
    counting,
    read_axis,
    run_errors,
)
from planner.cli.common import SolverChoice, console, fail, load

if TYPE_CHECKING:
    from planner.analyses.axis import Axis

_END = r"(x?)([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"


def parse_range(text: str, line: Axis) -> tuple[float, float]:
    """``LO..HI``, each absolute or relative to the axis's base value (``x0.1..x10``); for a demand
    multiplier both are multipliers, with or without the ``x``.

    Raises
    ------
    ValueError
        If the text is not of that form, or a relative end has no base value to multiply.
    """
    found = re.fullmatch(rf"\s*{_END}\s*\.\.\s*{_END}\s*", text)
    if not found:
        raise ValueError(f"write the range as LO..HI, e.g. x0.1..x10 (relative) or 1e5..5e5 (absolute), not {text!r}")
    ends = []
    for relative, number in (found.group(1, 2), found.group(3, 4)):
        value = float(number)
        if relative and not line.is_multiplier:
            if not line.base:
                raise ValueError(f"{line.name} is {line.base} in the scenario: give the range in absolute values")
            value *= line.base
        ends.append(value)
    return ends[0], ends[1]


def breakeven_command(
    ctx: typer.Context,
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario YAML file. Omitted: the built-in default scenario.")
    ] = None,
    subject: Annotated[
        str, typer.Option("--subject", "-s", help="What enters or leaves: fleet:NAME, vendor:NAME or category:NAME.")
    ] = "",
    vary: Annotated[
        str,
        typer.Option(
            "--vary",
            "-v",
            help="A dotted path (fleets.cs3.capex_usd, fleets.cs3_committed.hourly_usd), or a multiplier on demand: "
            "demand (all of it), demand.KEY (one entry) or workloads.NAME.demand (one workload).",
        ),
    ] = "",
    range_text: Annotated[
        str | None,
        typer.Option("--range", help="LO..HI, absolute or relative to today's value (x0.1..x10). Default: x0.1..x10."),
    ] = None,
    direction: Annotated[
        str, typer.Option(help="enters, leaves, or either: the first change of either kind from the low end.")
    ] = "either",
    measure: Annotated[
        str, typer.Option(help="In the plan means: either (serves tokens or builds units), served, or built.")
    ] = "either",
    tolerance: Annotated[
        float,
        typer.Option(min=1e-6, max=0.5, help="Bisect until the bracket is within this fraction of its upper end."),
    ] = 0.01,
    grid: Annotated[int, typer.Option(min=2, max=200, help="Values solved across the range before bisecting.")] = 9,
    as_json: JsonOption = False,
    out: OutOption = None,
    force: ForceOption = False,
    workers: WorkersOption = None,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    scheduler_timeout: SchedulerTimeoutOption = 10.0,
    solver: SolverOption = SolverChoice.HIGHS,
    quiet: QuietOption = False,
) -> None:
    """Find the demand level or price at which a fleet, vendor or category enters or leaves the optimal plan."""
    from planner.analyses.breakeven import breakeven
    from planner.analyses.subject import parse_subject
    from planner.errors import Problem

    check_executor(ctx, executor, scheduler)
    problems = []
    if direction not in ("enters", "leaves", "either"):
        problems.append(Problem(path="--direction", message="use enters, leaves or either", value=direction))
    if measure not in ("either", "served", "built"):
        problems.append(Problem(path="--measure", message="use either, served or built", value=measure))
    if not subject:
        problems.append(Problem(path="--subject", message="name what enters or leaves, e.g. --subject fleet:cs3"))
    if not vary:
        problems.append(
            Problem(path="--vary", message="name what varies, e.g. --vary demand or --vary fleets.cs3.capex_usd")
        )
    if problems:
        fail(ctx, problems)
    with claimed(ctx, out, force) as folder:
        base = load(ctx, scenario)
        try:
            who = parse_subject(subject, base, ("fleet", "vendor", "category"))
        except ValueError as exc:
            fail(ctx, [Problem(path="--subject", message=str(exc), value=subject)], exc)
        line = read_axis(ctx, base, vary)
        try:
            ends = parse_range(range_text, line) if range_text is not None else None
        except ValueError as exc:
            fail(ctx, [Problem(path="--range", message=str(exc), value=range_text)], exc)
        with counting("breakeven", quiet) as progress:
            found = run_errors(
                ctx,
                lambda: breakeven(
                    base,
                    who,
                    line,
                    ends,
                    direction=direction,  # type: ignore[arg-type]
                    measure=measure,  # type: ignore[arg-type]
                    tolerance=tolerance,
                    grid=grid,
                    workers=workers,
                    scheduler=scheduler,
                    connect_timeout_s=scheduler_timeout,
                    solver=solver.value,
                    progress=progress,
                ),
                "--range",
            )
        summary = found.summary()
        if folder is not None:
            folder.write(found.write_files)
    if as_json:
        typer.echo(json.dumps(summary))
        return
    _report(found, out)


def _report(found, out: Path | None) -> None:  # found: planner.analyses.breakeven.BreakEven
    from rich.text import Text

    out_console = console()
    out_console.print(Text(found.reason, style="bold" if found.found else "yellow"))
    table = Table(
        title=f"{found.subject.label} along {found.axis.label} ({len(found.points)} solves)", title_justify="left"
    )
    for column in ("", found.axis.unit or "value", "plan cost (PV)", "unserved", "its share", "units built", "in plan"):
        table.add_column(column, justify="left" if not column else "right")
    rows = [("below", found.below), ("above", found.above)] if found.found else []
    if not found.found:
        ends = found.points.iloc[[0, -1]].to_dict("records")
        rows = [("low end", ends[0]), ("high end", ends[1])]
    for name, row in rows:
        table.add_row(
            name,
            f"{row['value']:,.6g}",
            f"${row['plan_cost_usd'] / 1e9:,.3f}B",
            f"{row['unserved_share_of_demand']:.2%}",
            f"{row['subject_share']:.2%}",
            f"{row['subject_built_units']:,.1f}",
            "yes" if row["in_plan"] else "no",
        )
    out_console.print(table)
    if out is not None:
        out_console.print(f"Written to {out}/ (points.csv, summary.json)", markup=False)
