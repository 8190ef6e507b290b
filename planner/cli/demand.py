"""``planner demand``: look at a scenario's demand, and fit growth curves to history."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from planner.cli.common import console, fail, load

app = typer.Typer(no_args_is_help=True, help="Demand: projections per workload, and curves fitted to history.")


class PeriodChoice(StrEnum):
    """Lengths of a projected period."""

    month = "month"
    quarter = "quarter"


@app.command()
def show(
    ctx: typer.Context,
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario YAML file. Omitted: the built-in default scenario.")
    ] = None,
    workload: Annotated[
        list[str] | None, typer.Option("--workload", "-w", help="Show only this workload (repeatable).")
    ] = None,
) -> None:
    """Tokens per period, average and peak tokens/s, and growth, per workload."""
    from planner.data import ModelData
    from planner.report import demand_report

    loaded = load(ctx, scenario)
    data = ModelData.from_scenario(loaded)
    demand = data.demand.assign(period=data.demand["t"].map(data.labels))
    if workload:
        unknown = sorted(set(workload) - set(loaded.workloads))
        if unknown:
            raise typer.BadParameter(
                f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(loaded.workloads)}",
                param_hint="--workload",
            )
        demand = demand[demand["workload"].isin(workload)]
    console().print(demand_report(demand))


class FamilyChoice(StrEnum):
    """Growth families ``demand fit`` offers: 'auto' and the fitter's ``FAMILIES``, in its order
    (tests/planner/cli/test_demand.py keeps the two lists equal)."""

    auto = "auto"
    exponential = "exponential"
    logistic = "logistic"
    decaying = "decaying"
    gompertz = "gompertz"
    bass = "bass"


@app.command("fit")
def fit_command(
    ctx: typer.Context,
    history: Annotated[
        Path,
        typer.Argument(
            help="CSV file with columns 'period,tokens' (months, quarters, or dates of days or weeks); the time column "
            "may also be named date, time, day, week, month or quarter."
        ),
    ],
    family: Annotated[
        FamilyChoice,
        typer.Option(help="Growth family; 'auto' picks the one that best predicts the end of the history."),
    ] = FamilyChoice.auto,
    horizon: Annotated[int, typer.Option(min=1, max=600, help="Periods to project after the history.")] = 36,
    start: Annotated[
        str | None, typer.Option(help="First projected month ('2026-05'). Default: the month after the history ends.")
    ] = None,
    period_length: Annotated[
        PeriodChoice, typer.Option("--period", help="Length of a projected period.")
    ] = PeriodChoice.month,
    samples: Annotated[int, typer.Option(min=10, help="Bootstrap refits behind the low/high band.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap; the same seed gives the same band.")] = 0,
    time_column: Annotated[
        str | None, typer.Option(help="Name of the time column, when it has none of the usual names.")
    ] = None,
    tokens_column: Annotated[
        str | None, typer.Option(help="Name of the column of token counts (default: tokens).")
    ] = None,
) -> None:
    """Fit a growth curve to history: fit summary, band table, and a YAML snippet for a scenario."""
    import pandas as pd
    from pydantic import ValidationError

    from demand import ExplicitSeries, fit, planning_periods
    from planner.errors import Problem
    from planner.report import fit_report

    try:
        series = ExplicitSeries.model_validate(
            {"csv": history, "time_column": time_column, "tokens_column": tokens_column}
        )
        result = fit(series, family=family.value)
        first = start or str((result.growth_at - pd.Timedelta(days=1)).to_period("M") + 1)
        periods = planning_periods(first, horizon, period_length.value)
        bands = result.bands(periods, samples=samples, seed=seed)
    except (ValidationError, ValueError) as exc:
        message = (
            "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            if isinstance(exc, ValidationError)
            else str(exc)
        )
        fail(ctx, [Problem(path=str(history), message=message)], exc)
    console().print(fit_report(result, bands))
