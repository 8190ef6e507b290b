"""What every command shares: consoles, exit codes, and turning bad input into a clean exit."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.text import Text

# The command modules import what a command needs when it runs: ``planner --help`` loads none of
# pandas, pydantic or the solvers.
if TYPE_CHECKING:
    from demand.plausibility import Growth
    from planner.errors import Problem
    from planner.scenario import Scenario

EXIT_NOT_OPTIMAL = 1
EXIT_BAD_INPUT = 2


class SolverChoice(StrEnum):
    """Solvers the command line offers."""

    CBC = "cbc"
    HIGHS = "highs"


def console(stderr: bool = False) -> Console:
    """A console for results (stdout) or problems (stderr).

    Markup is off: names, paths and messages come from users and hold brackets (``[/tmp/x]``,
    ``power_limit[west,2026-01]``) that rich would otherwise read as tags, drop or fail on.
    Styles are given as ``rich.text.Text`` instead.
    """
    return Console(stderr=stderr, soft_wrap=False, width=140 if not stderr else None, markup=False)


def fail(
    ctx: typer.Context, problems: list[Problem], error: BaseException | None = None, code: int = EXIT_BAD_INPUT
) -> NoReturn:
    """Print every problem and exit with ``code`` (2: bad input); with ``--debug``, raise ``error`` instead."""
    from planner.report import problems_report

    if error is not None and ctx.obj and ctx.obj.get("debug"):
        raise error
    console(stderr=True).print(problems_report(problems))
    raise typer.Exit(code)


def load(ctx: typer.Context, path: Path | None, *, integer_units: bool | None = None) -> Scenario:
    """Load a scenario file (the built-in default when ``path`` is None), or fail cleanly.

    ``integer_units`` (``--integer``/``--continuous``), when given, replaces the scenario's own;
    the scenario is checked again with it (adoption costs need whole units).
    """
    from planner import Scenario, ScenarioError, default_scenario_path
    from planner.overrides import with_values

    try:
        scenario = Scenario.from_yaml(path if path is not None else default_scenario_path())
        if integer_units is None or integer_units == scenario.integer_units:
            return scenario
        return with_values(scenario, {"integer_units": integer_units})
    except ScenarioError as exc:
        fail(ctx, exc.problems, exc)


def demand_growth(scenario: Scenario) -> list[Growth]:
    """What each demand entry of ``scenario`` implies over its horizon; a warning for each implausible
    one is printed on stderr (see :mod:`demand.plausibility`)."""
    from demand.plausibility import implied_growth

    growth = implied_growth(scenario.demand, scenario.horizon.calendar())
    errors = console(stderr=True)
    for entry in growth:
        for warning in entry.warnings:
            errors.print(Text(f"Warning: {warning}", style="bold yellow"))
    return growth


def growth_text(growth: list[Growth]) -> Text:
    """The implied growth of each demand entry, a line each, for the terminal."""
    return Text("\n".join(["Demand growth over the horizon:", *(f"  {entry.line()}" for entry in growth)]))


def check_mip_gap(ctx: typer.Context, mip_gap: float) -> float:
    """``--mip-gap`` if it is a fraction in [0, 1), else fail with exit code 2."""
    from planner.errors import Problem

    if not 0.0 <= mip_gap < 1.0:
        fail(
            ctx,
            [
                Problem(
                    path="--mip-gap",
                    message="give the gap as a fraction from 0 up to 1 (not included), e.g. 0.0001 for 0.01%",
                    value=mip_gap,
                )
            ],
        )
    return mip_gap
