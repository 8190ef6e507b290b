"""``planner robust``: one set of purchases for every demand case, and what it is worth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from planner.cli.analysis import (
    ANALYSIS_MARKERS,
    ExecutorOption,
    QuietOption,
    SchedulerOption,
    SchedulerTimeoutOption,
    check_executor,
    claimed,
)
from planner.cli.common import EXIT_NOT_OPTIMAL, SolverChoice, console, fail, load
from planner.cli.progress import working

if TYPE_CHECKING:
    from rich.console import Console

    from planner.analyses.robust import RobustResult
    from planner.analyses.robust_cases import Case
    from planner.errors import Problem
    from planner.scenario import Scenario


def robust_command(
    ctx: typer.Context,
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario YAML file. Omitted: the built-in default scenario.")
    ] = None,
    cases: Annotated[
        str,
        typer.Option(
            "--cases",
            help="bands: the fitted demand's low, base and high bands (probabilities 0.3, 0.4, 0.3), or without a "
            "fitted demand the demand scaled by 1-spread, 1, 1+spread; or a sweep file whose named cases "
            "(sweep: cases:) are equally likely.",
        ),
    ] = "bands",
    probabilities: Annotated[
        str | None,
        typer.Option(
            "--probabilities",
            help="With a sweep file: each named case's probability, NAME=P,NAME=P,... summing to 1 (default: equal).",
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(help="Instead of the bands: this many Monte Carlo draws of demand, equally likely.", min=1),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the Monte Carlo draws: the same seed draws the same cases.")] = 0,
    spread: Annotated[
        float | None,
        typer.Option(
            help="Without a fitted demand: how far the low and high cases (and the draws' 10th and 90th "
            "percentiles) scale demand, a fraction (0.25: +-25%, an assumption).",
            show_default="0.25",
        ),
    ] = None,
    cvar: Annotated[
        float | None,
        typer.Option(
            "--cvar",
            help="Risk aversion: minimize the CVaR of the objective at this level (0.9: the mean of the worst 10% of "
            "cases) instead of its expectation.",
        ),
    ] = None,
    cvar_weight: Annotated[
        float,
        typer.Option(help="With --cvar: the weight w of the CVaR in (1-w) x expected + w x CVaR (1: pure CVaR)."),
    ] = 1.0,
    shared_until: Annotated[
        str | None,
        typer.Option(
            "--shared-until",
            help="YYYY-MM: purchases from this period on may differ per case (the date the cases diverge); "
            "default: every purchase is shared.",
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes for the single-case solves (1: this one).")] = 1,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    scheduler_timeout: SchedulerTimeoutOption = 10.0,
    solver: Annotated[SolverChoice, typer.Option(help="Solver to use.")] = SolverChoice.HIGHS,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write cases.csv, evaluations.csv, plans.csv, purchases.csv, summary.json."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --out folder if `planner robust` wrote it (or it is empty).")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """A two-stage plan robust to demand: purchases shared by every case, serving adapted per case; with the regret
    of single-case plans, the value of the stochastic solution and the expected value of perfect information."""
    from planner.analyses.robust import RobustError, robust
    from planner.errors import Problem, ScenarioError
    from planner.sweep.executor import ClusterError

    check_executor(ctx, executor, scheduler)
    problems = _option_problems(cvar, cvar_weight, spread, samples, cases)
    if problems:
        fail(ctx, problems)
    try:
        with claimed(ctx, out, force, ANALYSIS_MARKERS) as folder:
            loaded, chosen = _cases(ctx, scenario, cases, probabilities)
            try:
                with working("robust: solving", quiet=quiet):
                    result = robust(
                        loaded,
                        chosen,
                        samples=samples,
                        seed=seed,
                        spread=spread,
                        cvar_alpha=cvar,
                        cvar_weight=cvar_weight,
                        shared_until=shared_until,
                        workers=workers,
                        scheduler=scheduler,
                        connect_timeout_s=scheduler_timeout,
                        solver=solver.value,
                    )
            except ValueError as exc:
                said = str(exc)
                path = "--shared-until" if "no period" in said else "--spread" if "spread" in said else "--cases"
                value = {"--shared-until": shared_until, "--spread": spread, "--cases": cases}[path]
                fail(ctx, [Problem(path=path, message=said, value=value)], exc)
            if folder is not None:
                folder.write(result.write_files)
    except ScenarioError as exc:
        fail(ctx, exc.problems, exc)
    except ClusterError as exc:
        fail(ctx, [Problem(path="--scheduler", message=str(exc))], exc)
    except RobustError as exc:
        console(stderr=True).print(str(exc), markup=False)
        raise typer.Exit(EXIT_NOT_OPTIMAL) from exc
    if as_json:
        typer.echo(json.dumps(result.summary()))
        return
    out_console = console()
    _print(out_console, result)
    if out is not None:
        out_console.print(f"Tables written to {out}/", markup=False)


def _option_problems(
    cvar: float | None, cvar_weight: float, spread: float | None, samples: int | None, cases: str
) -> list[Problem]:
    """Every option out of its range, at once."""
    from planner.errors import Problem

    problems = []
    if cvar is not None and not 0.0 < cvar < 1.0:
        problems.append(Problem("--cvar", "give the CVaR level as a fraction between 0 and 1, e.g. 0.9", cvar))
    if not 0.0 <= cvar_weight <= 1.0:
        problems.append(Problem("--cvar-weight", "give the weight as a fraction from 0 to 1", cvar_weight))
    if spread is not None and not 0.0 < spread < 1.0:
        problems.append(Problem("--spread", "give the spread as a fraction between 0 and 1, e.g. 0.25", spread))
    if samples is not None and cases != "bands":
        problems.append(Problem("--samples", "draw cases or name them with --cases, not both", samples))
    if spread is not None and cases != "bands":
        problems.append(Problem("--spread", "a sweep file's cases are as written: leave out --spread", spread))
    return problems


def _cases(
    ctx: typer.Context, scenario: Path | None, cases: str, probabilities: str | None
) -> tuple[Scenario, list[Case] | None]:
    """The scenario, and a sweep file's named cases with their probabilities (None: the bands or
    draws, made from the scenario)."""
    from planner.analyses.robust_cases import sweep_cases
    from planner.errors import Problem
    from planner.sweep import SweepFile

    if cases == "bands":
        if probabilities is not None:
            fail(ctx, [Problem("--probabilities", "only a sweep file's cases take them (--cases FILE)", probabilities)])
        return load(ctx, scenario), None
    if scenario is not None:
        fail(ctx, [Problem("--cases", "a sweep file names its own scenario: leave out SCENARIO", cases)])
    if not Path(cases).is_file():
        fail(ctx, [Problem("--cases", "use bands, or the path of a sweep file with named cases", cases)])
    given = _read_probabilities(ctx, probabilities) if probabilities is not None else None
    sweep = SweepFile.from_yaml(cases)
    try:
        return sweep.scenario, sweep_cases(sweep, given)
    except ValueError as exc:
        option = "--cases" if given is None else "--probabilities"
        fail(ctx, [Problem(option, str(exc), cases if given is None else probabilities)], exc)


def _read_probabilities(ctx: typer.Context, text: str) -> dict[str, float]:
    """``NAME=P,NAME=P`` as a mapping, or fail (exit 2) saying how to write it."""
    from planner.errors import Problem

    given: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            if not sep or not name.strip() or name.strip() in given:
                raise ValueError(part)
            given[name.strip()] = float(value)
        except ValueError as exc:
            fail(
                ctx,
                [Problem("--probabilities", "write NAME=P,NAME=P, each case once (e.g. low=0.3,high=0.7)", text)],
                exc,
            )
    return given


def _print(out: Console, result: RobustResult) -> None:
    """The per-case table, the plans compared, and VSS and EVPI with what they are computed on."""
    table = Table(title="The robust plan in each case (present value)", title_justify="left")
    for column in ("case", "probability", "plan cost", "objective", "unserved tokens", "case's own optimum", "how"):
        table.add_column(column, justify="left" if column in ("case", "how") else "right")
    for row in result.cases.to_dict("records"):
        table.add_row(
            Text(str(row["case"])),
            f"{row['probability']:.3f}",
            _usd(row["plan_cost_usd"]),
            _usd(row["objective_usd"]),
            f"{row['unserved_tokens']:,.4g}",
            _usd(row["wait_and_see_objective_usd"]),
            Text(str(row["how"])),
        )
    out.print(table)
    plans = Table(title="Each plan's purchases fixed, serving re-solved in every case", title_justify="left")
    for column in ("plan", "made for", "expected plan cost", "expected objective", "regret", "status"):
        plans.add_column(column, justify="left" if column in ("plan", "made for", "status") else "right")
    for row in result.plans.to_dict("records"):
        plans.add_row(
            Text(str(row["plan"])),
            Text(str(row["made_for"])),
            _usd(row["expected_plan_cost_usd"]),
            _usd(row["expected_objective_usd"]),
            _usd(row["regret_usd"]),
            Text(str(row["status"])),
        )
    out.print(plans)
    bought = result.purchases[result.purchases["family"].isin(["build", "start"])]
    if len(bought):
        totals = bought.pivot_table(index=["family", "fleet"], columns="plan", values="units", aggfunc="sum")
        totals = totals.reindex(columns=list(result.plans["plan"])).fillna(0.0)
        units = Table(
            title="Units each plan buys (build) or takes on a term (start), over the horizon", title_justify="left"
        )
        for column in ("decision", "fleet", *totals.columns):
            units.add_column(str(column), justify="left" if column in ("decision", "fleet") else "right")
        for (family, fleet), values in zip(totals.index, totals.to_numpy(), strict=True):
            units.add_row(Text(str(family)), Text(str(fleet)), *(f"{value:,.0f}" for value in values))
        out.print(units)
    summary = result.summary()
    out.print(
        Text(
            f"Expected plan cost ${result.expected_plan_cost_usd / 1e9:,.3f}B; expected objective (plan cost plus the "
            f"unserved penalty, a modelling weight) ${result.expected_objective_usd / 1e9:,.3f}B.\n"
            f"Minimized: {summary['measure']}, ${result.risk_usd / 1e9:,.3f}B. On it: value of the stochastic "
            f"solution ${result.vss_usd / 1e9:,.3f}B (the mean-demand plan's minus the robust plan's), expected "
            f"value of perfect information ${result.evpi_usd / 1e9:,.3f}B (the robust plan's minus each case at its "
            f"own optimum).\n{result.solves} solves in {result.seconds:.1f} s."
        )
    )


def _usd(value: float) -> str:
    return "n/a" if value != value else f"${value / 1e9:,.3f}B"
