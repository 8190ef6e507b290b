"""``planner frontier``: the optimal plan's cost and mix along one scenario value, with the points
where the mix changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

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


def frontier_command(
    ctx: typer.Context,
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario YAML file. Omitted: the built-in default scenario.")
    ] = None,
    vary: Annotated[
        str | None,
        typer.Option(
            "--vary",
            "-v",
            help="PATH=VALUES as in planner sweep (policy.max_vendor_share=1..0.5:6, fleets.cs3.capex_usd=x0.5,x1,x2); "
            "PATH may also be demand, demand.KEY or workloads.NAME.demand (a multiplier). With --latency or "
            "--diversification: VALUES alone replace the ready-made ones.",
        ),
    ] = None,
    latency: Annotated[
        str | None,
        typer.Option(
            "--latency",
            help="Ready-made: the latency-cost frontier of this workload, its per-user speed from a quarter of "
            "today's to the fastest any fleet offers (--ttft: its time to first token from 4x today's to the shortest).",
        ),
    ] = None,
    ttft: Annotated[
        bool, typer.Option("--ttft", help="With --latency: tighten the time to first token instead.")
    ] = False,
    diversification: Annotated[
        bool,
        typer.Option("--diversification", help="Ready-made: policy.max_vendor_share from 1 (no cap) down to 0.5."),
    ] = False,
    steps: Annotated[
        int | None, typer.Option(min=2, max=200, help="Values of a ready-made latency frontier.", show_default="8")
    ] = None,
    breakpoints: Annotated[
        bool,
        typer.Option(
            "--breakpoints/--no-breakpoints", help="Locate where the mix (which fleets serve which workloads) changes."
        ),
    ] = True,
    tolerance: Annotated[
        float, typer.Option(min=1e-6, max=0.5, help="Bisect each breakpoint until within this fraction of its value.")
    ] = 0.01,
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
    """Trace the plan cost and hardware mix along one scenario value (latency target, vendor cap, price, demand)."""
    from planner.analyses.frontier import DIVERSIFICATION_VALUES, frontier, latency_values
    from planner.errors import Problem
    from planner.sweep import Parameter

    check_executor(ctx, executor, scheduler)
    for given, name in ((ttft, "--ttft"), (steps is not None, "--steps")):
        if given and (latency is None or (name == "--steps" and vary is not None)):
            fail(ctx, [Problem(path=name, message=f"{name} goes with --latency WORKLOAD (without --vary VALUES)")])
    chosen = sum(x for x in (latency is not None, diversification))
    if chosen > 1 or (chosen == 0 and vary is None):
        fail(
            ctx,
            [
                Problem(
                    path="--vary",
                    message="give --vary PATH=VALUES, or one ready-made frontier: --latency WORKLOAD or --diversification",
                )
            ],
        )
    with claimed(ctx, out, force) as folder:
        base = load(ctx, scenario)
        try:
            if latency is not None:
                path, values = latency_values(base, latency, "ttft" if ttft else "speed", steps or 8)
            elif diversification:
                path, values = "policy.max_vendor_share", list(DIVERSIFICATION_VALUES)
            if chosen and vary is not None:  # VALUES alone, for the ready-made path
                if "=" in vary:
                    raise ValueError(f"a ready-made frontier varies {path}: give --vary VALUES alone, e.g. 1,0.8,0.6")
                values = list(Parameter.parse(f"{path}={vary}").values)
            elif not chosen:
                assert vary is not None, "checked above"
                parameter = Parameter.parse(vary)
                if parameter.distribution is not None:
                    raise ValueError(
                        "a frontier walks listed values: give VALUES as a,b,c or LO..HI:N, not a distribution"
                    )
                path, values = parameter.path, list(parameter.values)
        except ValueError as exc:
            fail(ctx, [Problem(path="--vary" if vary is not None else "--latency", message=str(exc))], exc)
        line = read_axis(ctx, base, path)
        with counting("frontier", quiet) as progress:
            found = run_errors(
                ctx,
                lambda: frontier(
                    base,
                    line,
                    values,
                    breakpoints=breakpoints,
                    tolerance=tolerance,
                    workers=workers,
                    scheduler=scheduler,
                    connect_timeout_s=scheduler_timeout,
                    solver=solver.value,
                    progress=progress,
                ),
                "--vary",
            )
        summary = found.summary()
        if folder is not None:
            folder.write(found.write_files)
    if as_json:
        typer.echo(json.dumps(summary))
        return
    _report(found, out)


def _report(found, out: Path | None) -> None:  # found: planner.analyses.frontier.Frontier
    from rich.text import Text

    points = found.points
    marginal = f"marginal_usd_per_{found.step_unit}"
    by = "vendor:" if "vendor" in found.axis.name else "category:"  # the rest are in --json and --out
    groups = [c for c in points if c.startswith(by)]
    table = Table(
        caption=f"Shares of tokens by {by[:-1]}; by fleet, vendor and category in --json and --out.",
        caption_justify="left",
        title=f"Plan cost (present value) along {found.axis.label}"
        + (f" ({found.axis.unit})" if found.axis.unit else ""),
        title_justify="left",
    )
    for column in ("value", "plan cost", "next step", f"per {found.step_unit.replace('_', ' ')}", "unserved"):
        table.add_column(column, justify="right")
    for column in groups:
        table.add_column(column.split(":", 1)[1], justify="right")
    for row in points.to_dict("records"):
        step = row["next_step_usd"]
        table.add_row(
            f"{row['value']:,.6g}",
            f"${row['plan_cost_usd'] / 1e9:,.3f}B",
            "" if step != step else f"{'+' if step >= 0 else '-'}${abs(step) / 1e6:,.1f}M",
            "" if row[marginal] != row[marginal] else f"${row[marginal] / 1e6:,.3f}M",
            f"{row['unserved_share_of_demand']:.2%}",
            *(f"{row[c]:.1%}" for c in groups),
        )
    out_console = console()
    out_console.print(table)
    if points["unserved_share_of_demand"].max() > 0:
        out_console.print(
            Text(
                "Some values leave demand unserved: their plan cost pays for less service (see objective_usd, "
                "which adds the unserved penalty)",
                style="bold red",
            )
        )
    if len(found.breakpoints):
        changes = Table(title="Where the mix changes (workload/fleet pairs serving)", title_justify="left")
        for column in ("between", "and", "serving below only", "serving above only"):
            changes.add_column(column, justify="left" if column.startswith("serving") else "right")
        for row in found.breakpoints.to_dict("records"):
            changes.add_row(
                f"{row['lower']:,.6g}",
                f"{row['upper']:,.6g}",
                row["serving_only_at_lower"] or "-",
                row["serving_only_at_upper"] or "-",
            )
        out_console.print(changes)
    elif len(points) > 1:
        out_console.print("The same fleets serve the same workloads at every value (their shares may move).")
    if out is not None:
        out_console.print(f"Written to {out}/ (points.csv, shares.csv, breakpoints.csv, summary.json)", markup=False)
