"""``planner alternatives``: plans within a cost slack of the optimum that move each vendor's share."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.table import Table

from planner.cli.analysis import (
    ANALYSIS_MARKERS,
    ExecutorOption,
    ForceOption,
    JsonOption,
    QuietOption,
    ScenarioArgument,
    SchedulerOption,
    SchedulerTimeoutOption,
    SolverOption,
    TimeLimitOption,
    check_executor,
    claimed,
    deliver,
)
from planner.cli.common import EXIT_NOT_OPTIMAL, SolverChoice, console, fail, load
from planner.cli.progress import working

if TYPE_CHECKING:
    from planner.analyses.alternatives import Alternatives, By


def alternatives_command(
    ctx: typer.Context,
    scenario: ScenarioArgument = None,
    slack: Annotated[
        float, typer.Option("--slack", help="How much dearer than the optimum an alternative may be (0.05: 5% more).")
    ] = 0.05,
    by: Annotated[str, typer.Option("--by", help="Move each vendor's, category's or fleet's share.")] = "vendor",
    subject: Annotated[
        list[str],
        typer.Option("--subject", help="Move only this one, KIND:NAME (fleet:cs3, vendor:NVIDIA). Repeatable."),
    ] = [],  # noqa: B006 - typer reads the default
    workers: Annotated[int, typer.Option(min=1, help="Solves at once (local processes).")] = 1,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    scheduler_timeout: SchedulerTimeoutOption = 10.0,
    solver: SolverOption = SolverChoice.HIGHS,
    time_limit: TimeLimitOption = None,
    as_json: JsonOption = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write ranges, plans, mix and fleets (CSV) and summary.json here."),
    ] = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Near-optimal alternatives: the least and most each vendor (category, fleet) can serve within a cost slack."""
    from planner.analyses.alternatives import alternatives
    from planner.analyses.subject import parse_subject
    from planner.errors import Problem
    from planner.sweep.executor import ClusterError

    check_executor(ctx, executor, scheduler)
    problems = []
    if by not in ("vendor", "category", "fleet"):
        problems.append(Problem(path="--by", message="use vendor, category or fleet", value=by))
    if not 0.0 <= slack < float("inf"):  # NaN too
        problems.append(
            Problem(
                path="--slack", message="give a fraction of the optimum's cost, 0 or more (0.05 for 5%)", value=slack
            )
        )
    with claimed(ctx, out, force, ANALYSIS_MARKERS) as folder:
        loaded = load(ctx, scenario)
        chosen = []
        for text in subject:
            try:
                chosen.append(parse_subject(text, loaded, kinds=("fleet", "vendor", "category")))
            except ValueError as exc:
                problems.append(Problem(path="--subject", message=str(exc), value=text))
        if problems:
            fail(ctx, problems)
        try:
            with working("alternatives: solving", quiet=quiet):
                found = alternatives(
                    loaded,
                    slack,
                    by=cast("By", by),  # checked above
                    subjects=chosen or None,
                    solver=solver.value,
                    workers=workers,
                    scheduler=scheduler,
                    connect_timeout_s=scheduler_timeout,
                    time_limit=time_limit,
                )
        except ClusterError as exc:
            fail(ctx, [Problem(path="--scheduler", message=str(exc))], exc)
        except ValueError as exc:
            fail(ctx, [Problem(path=str(scenario or "default scenario"), message=str(exc))], exc, code=EXIT_NOT_OPTIMAL)
        optimal = bool((found.plans["status"] == "optimal").all())
        deliver(folder, found, as_json, lambda: _print(found, out), optimal)


def _print(found: Alternatives, out: Path | None) -> None:
    from rich.text import Text

    from planner.analyses.lp_pool import json_ready

    best = found.optimum.plan_cost_usd or 0.0
    table = Table(
        title=f"Within {found.slack:.1%} of the optimum's plan cost of ${best / 1e9:,.3f}B (present value), "
        f"the least and most each {found.by} can serve",
        title_justify="left",
    )
    for column in ("subject", "least", "optimum", "most", "cost at least", "cost at most"):
        table.add_column(column, justify="left" if column == "subject" else "right")
    for row in map(json_ready, found.ranges.to_dict("records")):
        table.add_row(
            Text(row["subject"]),
            _share(row["min_share"]),
            _share(row["optimum_share"]),
            _share(row["max_share"]),
            _cost(row["min_plan_cost_usd"], best),
            _cost(row["max_plan_cost_usd"], best),
        )
    shown = console()
    shown.print(table)
    for name, result in found.results.items():
        if not result.is_optimal:
            shown.print(f"  {name}: {result.status.value}: {result.message}")
    unserved = float(found.optimum.tables["unserved"]["tokens"].sum())
    shown.print(
        "Shares of the tokens served; every alternative serves what the optimum serves"
        + (f" (it leaves {unserved / 1e12:,.1f}T tokens unserved)." if unserved else " (all demand).")
    )
    count = len(found.plans) - 1
    shown.print(
        f"{count} alternatives, each an extreme then its cheapest plan, and the optimum: {2 * count + 1} solves "
        f"in {found.seconds:.1f} s" + (f"; written to {out}/" if out else "")
    )


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _cost(value: float | None, best: float) -> str:
    if value is None:
        return "no plan"
    return f"${value / 1e9:,.3f}B (+{(value - best) / best:.2%})" if best else f"${value / 1e9:,.3f}B"
