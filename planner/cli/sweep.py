"""``planner sweep``: many solves of one scenario, with values varied by dotted path."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from planner.cli.common import SolverChoice, console, fail, load

if TYPE_CHECKING:
    from planner.sweep import Design


def _is_sweep_file(path: Path) -> bool:
    """Whether a YAML file holds a 'sweep:' section (read with the loaders' bounds; they report errors)."""
    from planner.errors import ScenarioError
    from planner.yamlio import load_yaml_file

    try:
        data, _ = load_yaml_file(path, "sweep")
    except ScenarioError:
        return False
    return isinstance(data, dict) and "sweep" in data


def sweep_command(
    ctx: typer.Context,
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="Scenario YAML file, or a sweep file (a 'sweep:' section beside a scenario or 'scenario: PATH'). Omitted: the built-in default scenario."
        ),
    ] = None,
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            "-v",
            help="PATH=VALUES, e.g. fleets.cs3.capex_usd=x0.7,x1,x1.3 or demand.total.rate=0.1..0.3:5 or uniform(x0.7,x1.3), or integer_units=true,false. Repeatable.",
        ),
    ] = [],  # noqa: B006 - typer reads the default
    design_name: Annotated[
        str, typer.Option("--design", help="oat (one at a time), grid, lhs (Latin hypercube) or mc (Monte Carlo).")
    ] = "oat",
    samples: Annotated[int, typer.Option(min=1, help="Runs drawn by lhs and mc.")] = 20,
    seed: Annotated[int, typer.Option(help="Seed of lhs and mc: the same seed draws the same runs.")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder for runs.csv, written as each run finishes.")
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip the runs already stored in --out.")] = False,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes to use; default all cores.")] = None,
    executor: Annotated[
        str, typer.Option(help="local (a process pool) or dask (an existing Dask cluster, see --scheduler).")
    ] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, tcp://HOST:PORT (with --executor dask).")
    ] = None,
    scheduler_timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds to wait for the Dask scheduler to answer.")
    ] = 10.0,
    solver: Annotated[
        SolverChoice,
        typer.Option(help="highs re-solves each run warm from the one before where it can; cbc solves every run cold."),
    ] = SolverChoice.HIGHS,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Show no progress bar on the terminal.")] = False,
) -> None:
    """Solve a scenario many times with values varied; print the swing of the plan cost per value."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from planner.errors import Problem, ScenarioError
    from planner.store import StoreError, unfinished
    from planner.sweep import (
        ClusterError,
        Parameter,
        SolverMissingError,
        SweepFile,
        design,
        format_value,
        run_sweep,
    )

    match design_name:
        case "oat" | "grid" | "lhs" | "mc":
            kind: Design = design_name
        case _:
            fail(ctx, [Problem(path="--design", message="use oat, grid, lhs or mc", value=design_name)])
    if executor not in ("local", "dask") or (executor == "dask") != (scheduler is not None):
        fail(
            ctx,
            [
                Problem(
                    path="--executor",
                    message="use --executor local, or --executor dask with --scheduler tcp://HOST:PORT",
                    value=executor,
                )
            ],
        )
    cases: dict = {}
    try:
        if scenario is not None and _is_sweep_file(scenario):
            spec = SweepFile.from_yaml(scenario)
            base, parameters, cases = spec.scenario, spec.parameters, spec.cases
            kind, samples, seed = spec.design, spec.samples, spec.seed
        else:
            base, parameters = load(ctx, scenario), []
        parameters += [Parameter.parse(text) for text in vary]
        if not parameters and not cases:
            fail(
                ctx,
                [
                    Problem(
                        path="--vary",
                        message="name at least one value to vary, e.g. --vary fleets.cs3.capex_usd=x0.7,x1.3",
                    )
                ],
            )
        runs = design(parameters, kind, base, samples=samples, seed=seed, cases=cases)
    except ScenarioError as exc:
        fail(ctx, exc.problems, exc)
    except ValueError as exc:
        fail(ctx, [Problem(path="--vary", message=str(exc))], exc)
    with Progress(
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task("runs", total=len(runs), failed=0)

        def advance(done: int, failed: int, total: int) -> None:
            bar.update(task, completed=done, failed=failed)

        try:
            result = run_sweep(
                base,
                runs,
                out=out,
                resume=resume,
                workers=workers,
                scheduler=scheduler,
                connect_timeout_s=scheduler_timeout,
                progress=advance,
                solver=solver.value,
            )
        except FileExistsError as exc:
            fail(ctx, [Problem(path="--out", message=f"{exc}; add --resume to continue it", value=str(out))], exc)
        except StoreError as exc:
            fail(ctx, [Problem(path="--out", message=str(exc))], exc)
        except ClusterError as exc:
            fail(ctx, [Problem(path="--scheduler", message=str(exc))], exc)
        except SolverMissingError as exc:
            fail(ctx, [Problem(path="solver", message=str(exc))], exc)
        except ScenarioError as exc:
            fail(ctx, exc.problems, exc)
    for note in result.notes:
        console(stderr=True).print(note, markup=False, highlight=False)
    table = result.table
    failed = table[~table["status"].isin(["optimal", "time_limit"])]
    out_console = console()
    out_console.print(f"{len(table)} runs, {len(failed)} failed" + (f"; stored in {out}/runs.csv" if out else ""))
    for row in failed.itertuples(index=False):
        out_console.print(f"  {row.run}: {row.status}: {getattr(row, 'error', '')}", markup=False)
    again = sum(unfinished(row) for row in table.to_dict("records"))
    if again:
        out_console.print(
            f"{again} of them did not finish (their worker was lost, or had no solver): "
            + (f"run the same sweep with --out {out} --resume to solve them" if out else "run the sweep again"),
            markup=False,
        )
    named = table[table["case"] != ""] if "case" in table else table[:0]
    for case in named.to_dict("records"):
        cost, short = case.get("plan_cost_usd"), case.get("unserved_share_of_demand")
        if cost is None or cost != cost:  # no plan: a missing or NaN cost
            said = f"  case {case['case']}: {case['status']}"
        else:
            said = f"  case {case['case']}: plan cost ${cost / 1e9:,.3f}B (present value)" + (
                f", {short:.2%} of demand unserved" if short else ""
            )
        out_console.print(said, markup=False)  # a case name is the user's text, not markup
    if kind == "oat" and parameters and "plan_cost_usd" in table:
        tornado = result.tornado("plan_cost_usd")
        report = Table(
            title=f"Swing of the plan cost (present value) around the base of ${tornado.attrs['base'] / 1e9:,.3f}B",
            title_justify="left",
        )
        for column in ("parameter", "low value", "high value", "cost at low", "cost at high", "swing"):
            report.add_column(column, justify="left" if column == "parameter" else "right")
        columns = ["parameter", "low_value", "high_value", "low_kpi", "high_kpi", "swing"]
        for parameter, low_value, high_value, low_kpi, high_kpi, swing in tornado[columns].itertuples(
            index=False, name=None
        ):
            report.add_row(
                parameter,
                format_value(low_value, ",.6g"),
                format_value(high_value, ",.6g"),
                f"${low_kpi / 1e9:,.3f}B",
                f"${high_kpi / 1e9:,.3f}B",
                f"${swing / 1e9:,.3f}B",
            )
        out_console.print(report)
    if "unserved_share_of_demand" in table:
        short = table[table["unserved_share_of_demand"] > 0]
        if len(short):
            out_console.print(
                f"{len(short)} of {len(table)} runs leave demand unserved (up to "
                f"{short['unserved_share_of_demand'].max():.2%} of demand): their plan cost pays for less service; "
                "see unserved_share_of_demand per run",
                style="bold red",
                markup=False,
            )
