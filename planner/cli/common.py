"""What every command shares: consoles, exit codes, and turning bad input into a clean exit."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text

from demand.plausibility import Growth, implied_growth
from planner import Scenario, ScenarioError, default_scenario_path
from planner.errors import Problem
from planner.report import problems_report

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
    if error is not None and ctx.obj and ctx.obj.get("debug"):
        raise error
    console(stderr=True).print(problems_report(problems))
    raise typer.Exit(code)


def load(ctx: typer.Context, path: Path | None) -> Scenario:
    """Load a scenario file (the built-in default when ``path`` is None), or fail cleanly."""
    try:
        return Scenario.from_yaml(path if path is not None else default_scenario_path())
    except ScenarioError as exc:
        fail(ctx, exc.problems, exc)


def demand_growth(scenario: Scenario) -> list[Growth]:
    """What each demand entry of ``scenario`` implies over its horizon; a warning for each implausible
    one is printed on stderr (see :mod:`demand.plausibility`)."""
    growth = implied_growth(scenario.demand, scenario.horizon.calendar())
    errors = console(stderr=True)
    for entry in growth:
        for warning in entry.warnings:
            errors.print(Text(f"Warning: {warning}", style="bold yellow"))
    return growth


def growth_text(growth: list[Growth]) -> Text:
    """The implied growth of each demand entry, a line each, for the terminal."""
    return Text("\n".join(["Demand growth over the horizon:", *(f"  {entry.line()}" for entry in growth)]))
