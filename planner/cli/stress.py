"""``planner stress``: what losing a vendor, site or fleet from a date costs a plan already bought."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from planner.cli.common import SolverChoice, console, fail, load
from planner.cli.progress import working

if TYPE_CHECKING:
    from planner.analyses.stress import Stress


def stress_command(
    ctx: typer.Context,
    lose: Annotated[str, typer.Option("--lose", help="What is lost: vendor:NAME, site:NAME or fleet:NAME.")],
    start: Annotated[
        str, typer.Option("--from", help="First month without it, YYYY-MM (from the period that holds it).")
    ],
    scenario: ScenarioArgument = None,
    coverage: Annotated[
        float | None,
        typer.Option(
            "--coverage",
            min=0.0,
            max=1.0,
            help="The covered plan's vendor_loss_coverage (a fraction of demand).",
            show_default="the scenario's, else 1.0",
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Plans made and stressed at once (local processes).")] = 1,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    scheduler_timeout: SchedulerTimeoutOption = 10.0,
    solver: SolverOption = SolverChoice.HIGHS,
    time_limit: TimeLimitOption = None,
    as_json: JsonOption = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write plans, shortfall and costs (CSV) and summary.json here.")
    ] = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Vendor-loss stress test: keep a plan's purchases, lose capacity from a date, and re-solve what can adapt."""
    from planner.analyses.stress import stress
    from planner.analyses.subject import parse_subject
    from planner.errors import Problem, ScenarioError
    from planner.sweep.executor import ClusterError

    check_executor(ctx, executor, scheduler)
    with claimed(ctx, out, force, ANALYSIS_MARKERS) as folder:
        loaded = load(ctx, scenario)
        problems = []
        try:
            subject = parse_subject(lose, loaded, kinds=("vendor", "site", "fleet"))
        except ValueError as exc:
            problems.append(Problem(path="--lose", message=str(exc), value=lose))
        if problems:
            fail(ctx, problems)
        try:
            with working("stress: solving", quiet=quiet):
                found = stress(
                    loaded,
                    subject,
                    start,
                    coverage=coverage,
                    solver=solver.value,
                    workers=workers,
                    scheduler=scheduler,
                    connect_timeout_s=scheduler_timeout,
                    time_limit=time_limit,
                )
        except ScenarioError as exc:
            fail(ctx, exc.problems, exc)
        except ClusterError as exc:
            fail(ctx, [Problem(path="--scheduler", message=str(exc))], exc)
        except ValueError as exc:
            fail(ctx, [Problem(path="--from", message=str(exc), value=start)], exc)
        optimal = all(result.is_optimal for result in found.results.values())
        deliver(folder, found, as_json, lambda: _print(found, out), optimal)


def _print(found: Stress, out: Path | None) -> None:
    from rich.text import Text

    table = Table(
        title=f"Losing {found.lose.label} from {found.start_period}: plan cost (present value) and demand unserved",
        title_justify="left",
    )
    for column in ("plan", "as planned", "with the loss", "extra cost", "unserved", "share of demand"):
        table.add_column(column, justify="left" if column == "plan" else "right")
    summary = found.summary()
    for row in summary["plans"]:
        label = row["plan"] if row["plan"] == "unprotected" else f"covered ({found.coverage:.0%} vendor-loss coverage)"
        short, share = row["stressed_unserved_tokens"], row["unserved_share_of_demand"]
        table.add_row(
            Text(label),
            _usd(row["planned_cost_usd"]),
            _usd(row["stressed_cost_usd"]),
            _usd(row["extra_cost_usd"]),
            "-" if short is None else f"{short / 1e12:,.1f}T tokens",
            "-" if share is None else f"{share:.2%}",
        )
    shown = console()
    shown.print(table)
    for name, result in found.results.items():
        if not result.is_optimal:
            shown.print(f"  {name}: {result.status.value}: {result.message}")
    short = found.shortfall.groupby(["plan", "workload"], sort=False, as_index=False)["stressed_unserved_tokens"].sum()
    for row in short[short["stressed_unserved_tokens"] > 0].to_dict("records"):
        tokens = row["stressed_unserved_tokens"] / 1e12
        shown.print(Text(f"  {row['plan']}: {row['workload']} short {tokens:,.1f}T tokens", style="red"))
    if summary["insurance_cost_usd"] is not None:
        shown.print(
            f"Insurance (covered plan's cost above the unprotected one's): {_usd(summary['insurance_cost_usd'])}"
            + (f"; exempt from the rule: {', '.join(found.exempt)}" if found.exempt else "")
        )
    shown.print(f"4 solves in {found.seconds:.1f} s" + (f"; written to {out}/" if out else ""))


def _usd(value: float | None) -> str:
    return "no plan" if value is None else f"${value / 1e9:,.3f}B"
