"""Top-level commands: solve, validate, print the schema, start from an example."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from planner import example_path, examples
from planner.cli import alternatives, demand, fleets, report, robust, stress, sweep
from planner.cli.analysis import claimed
from planner.cli.breakeven import breakeven_command
from planner.cli.common import (
    EXIT_NOT_OPTIMAL,
    SolverChoice,
    check_mip_gap,
    console,
    demand_growth,
    fail,
    growth_text,
    load,
)
from planner.cli.frontier import frontier_command
from planner.cli.progress import working
from planner.gap import DEFAULT_MIP_GAP

app = typer.Typer(
    no_args_is_help=True,
    help="Capacity planning for AI inference: how much of which hardware, where and when.",
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # subcommands inherit it
)
app.add_typer(demand.app, name="demand")
app.add_typer(fleets.app, name="fleets")
app.command("sweep")(sweep.sweep_command)
app.command("report")(report.report_command)
app.command("breakeven")(breakeven_command)
app.command("frontier")(frontier_command)
app.command("robust")(robust.robust_command)
app.command("alternatives")(alternatives.alternatives_command)
app.command("stress")(stress.stress_command)


def _print_version(asked: bool) -> None:
    if asked:
        import importlib.metadata

        typer.echo(f"planner {importlib.metadata.version('planner')}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback of any error.")] = False,
    version: Annotated[
        bool, typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit.")
    ] = False,
) -> None:
    """Plan inference fleets with a linear program (PuLP + CBC)."""
    ctx.obj = {"debug": debug}


ScenarioArg = Annotated[Path | None, typer.Argument(help="Scenario YAML file. Omitted: the built-in default scenario.")]
IntegerOption = Annotated[
    bool | None,
    typer.Option(
        "--integer/--continuous",
        help="Buy and rent whole units (a mixed-integer program) or fractions of units (a linear program), "
        "whatever the scenario's integer_units says.",
        show_default="the scenario's integer_units",
    ),
]
MipGapOption = Annotated[
    float,
    typer.Option(
        "--mip-gap",
        help="With whole units: call the plan optimal once its cost is proven within this fraction of the best "
        "possible, also when the time limit stops the solver (0.0001 is 0.01%).",
    ),
]


@app.command("solve")
def solve_command(
    ctx: typer.Context,
    scenario: ScenarioArg = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write every table (CSV), summary.json and the resolved scenario to this folder."
        ),
    ] = None,
    solver: Annotated[
        SolverChoice, typer.Option(help="Solver to use (HiGHS in memory by default; CBC through an MPS file).")
    ] = SolverChoice.HIGHS,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit", min=0.0, help="Stop the solver after this many seconds and report the best plan found."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as one JSON object instead of tables.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --out folder if it holds a plan (or nothing).")
    ] = False,
    integer: IntegerOption = None,
    mip_gap: MipGapOption = DEFAULT_MIP_GAP,
    write_lp: Annotated[
        Path | None,
        typer.Option(
            "--write-lp",
            help="Also write the LP exactly as the solver gets it to this file: MPS if it ends in .mps, LP text if .lp.",
        ),
    ] = None,
    report_file: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Also write the plan as one HTML page (summary, charts, key tables) to this file."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Show no progress on the terminal while solving.")
    ] = False,
) -> None:
    """Find the least-cost plan. Exit code 0: optimal (with whole units: within --mip-gap); 1: not solved to optimality; 2: invalid input."""
    from planner import solve
    from planner.build import LP_FORMATS
    from planner.errors import Problem
    from planner.report import result_report
    from planner.result import PLAN_MARKERS

    check_mip_gap(ctx, mip_gap)
    if write_lp is not None and write_lp.suffix.lower() not in LP_FORMATS:
        fail(ctx, [Problem("--write-lp", "name the file .mps (MPS) or .lp (LP text)", str(write_lp))])
    if report_file is not None:
        report.check_report_target(ctx, report_file, "--report")
    # The folder is claimed before solving: a wrong or busy --out is refused before the solve, not after.
    try:
        with claimed(ctx, out, force, PLAN_MARKERS) as folder:
            loaded = load(ctx, scenario, integer_units=integer)
            growth = demand_growth(loaded)
            with working("solving", quiet=quiet):
                result = solve(loaded, solver=solver.value, time_limit=time_limit, mip_gap=mip_gap, write_lp=write_lp)
            if folder is not None:
                folder.write(result.write_files)
    except OSError as exc:  # only --write-lp writes outside the claimed --out folder
        if write_lp is None:
            raise
        fail(ctx, [Problem("--write-lp", f"cannot write the LP: {exc}", str(write_lp))], exc, code=EXIT_NOT_OPTIMAL)
    if report_file is not None:
        report.write_report(ctx, result, report_file)
    if as_json:
        typer.echo(json.dumps({**result.summary(), "demand_growth": [entry.as_dict() for entry in growth]}))
    else:
        out_console = console()
        out_console.print(result_report(result))
        out_console.print(growth_text(growth))
        if out is not None and result.has_plan:
            out_console.print(f"Plan written to {out}/")
        elif out is not None:
            out_console.print(f"No plan; the status, its reason and the demand written to {out}/", markup=False)
    if not result.is_optimal:
        raise typer.Exit(EXIT_NOT_OPTIMAL)


@app.command()
def validate(ctx: typer.Context, scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")]) -> None:
    """Check a scenario file and list every problem (exit code 2 if there is any)."""
    loaded = load(ctx, scenario)
    typer.echo(
        f"{scenario}: valid ({len(loaded.workloads)} workloads, {len(loaded.fleets)} fleets, {len(loaded.sites)} sites, "
        f"{loaded.horizon.periods} {loaded.horizon.period_length}s from {loaded.horizon.start})"
    )
    console().print(growth_text(demand_growth(loaded)))


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files, for editor completion and checking."""
    from planner.scenario import Scenario

    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


@app.command()
def example(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Example name; run `planner example list` to see them.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the scenario here (and any demand CSV beside it) instead of printing it."
        ),
    ] = None,
) -> None:
    """Print or write a starter scenario from the shipped examples."""
    from planner.errors import Problem
    from planner.scenario import Scenario

    if name == "list":
        typer.echo("\n".join(examples()))
        return
    try:
        source = example_path(name)
    except KeyError:
        fail(ctx, [Problem(path="NAME", message=f"no such example; known: {', '.join(examples())}", value=name)])
    if output is None:
        typer.echo(source.read_text(encoding="utf-8"), nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, output)
    for spec in Scenario.from_yaml(source).demand.values():
        csv = getattr(spec, "csv", None)
        if csv is not None:
            shutil.copyfile(csv, output.parent / csv.relative_to(source.parent))
    typer.echo(f"wrote {output}")


@app.command()
def explain(
    ctx: typer.Context,
    scenario: ScenarioArg = None,
    solver: Annotated[
        SolverChoice, typer.Option(help="Solver to use (HiGHS in memory by default; CBC through an MPS file).")
    ] = SolverChoice.HIGHS,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.0, help="Seconds each of the (up to three) solves may run.")
    ] = None,
    every_row: Annotated[
        bool,
        typer.Option("--all", help="List every constraint that must give way, not one line per limit and subject."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the finding, message and tables as one JSON object.")
    ] = False,
    integer: IntegerOption = None,
    mip_gap: MipGapOption = DEFAULT_MIP_GAP,
) -> None:
    """Say why a scenario has no plan, or why its plan leaves demand unserved: which limits must give way, where and by how much.

    Exit code 0: the plan as given is optimal (whether or not it serves all demand); 1: it is not
    (infeasible, or the solver did not finish); 2: invalid input.
    """
    from planner.explain import explain as explain_scenario
    from planner.report import explanation_report

    check_mip_gap(ctx, mip_gap)
    loaded = load(ctx, scenario, integer_units=integer)
    explanation = explain_scenario(loaded, solver=solver.value, time_limit=time_limit, mip_gap=mip_gap)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "finding": explanation.finding,
                    "message": explanation.message,
                    "status": explanation.result.status.value,
                    "relaxed_objective_usd": explanation.relaxed_objective_usd,
                    "violations": json.loads(explanation.violations.to_json(orient="records")),
                    "unservable": json.loads(explanation.unservable.to_json(orient="records")),
                    "alternatives": [
                        {
                            "violations": json.loads(other.violations.to_json(orient="records")),
                            "relaxed_objective_usd": other.relaxed_objective_usd,
                        }
                        for other in explanation.alternatives
                    ],
                }
            )
        )
    else:
        console().print(explanation_report(explanation, every_row=every_row))
    if not explanation.result.is_optimal:
        raise typer.Exit(EXIT_NOT_OPTIMAL)


@app.command()
def inspect(ctx: typer.Context, scenario: ScenarioArg = None) -> None:
    """Build the LP without solving it and print its size and coefficient ranges per constraint family."""
    from planner.build import build
    from planner.data import ModelData

    model = build(ModelData.from_scenario(load(ctx, scenario)))
    size = model.size()
    out = console()
    out.print(f"{size['variables']:,} variables, {size['constraints']:,} constraints, {size['nonzeros']:,} nonzeros")
    ranges = model.ranges()
    table = Table(
        title="Coefficients and right-hand sides (absolute values, in the LP's scaled units)", title_justify="left"
    )
    for column in ("family", "rows", "nonzeros", "smallest coef", "largest coef", "smallest rhs", "largest rhs"):
        table.add_column(column, justify="left" if column == "family" else "right")
    columns = ["family", "rows", "nonzeros", "min_abs_coef", "max_abs_coef", "min_abs_rhs", "max_abs_rhs"]
    for family, rows, nonzeros, *cells in ranges.loc[ranges["rows"] > 0, columns].itertuples(index=False, name=None):
        table.add_row(family, f"{rows:,}", f"{nonzeros:,}", *("" if c != c else f"{c:.3g}" for c in cells))
    out.print(table)
    coefs = ranges[["min_abs_coef", "max_abs_coef"]].stack()
    out.print(f"Coefficients span {coefs.max() / coefs.min():.1e} (largest over smallest).")


@app.command()
def verify(
    ctx: typer.Context, folder: Annotated[Path, typer.Argument(help="A folder written by `planner solve --out`.")]
) -> None:
    """Re-check a written plan against its scenario with code independent of the model builder (exit 1 if any check
    fails, or if the folder holds no plan or files that cannot be read)."""
    from planner.errors import Problem
    from planner.verify import verify as check_plan

    if not folder.is_dir():
        fail(ctx, [Problem(path=str(folder), message="no such folder: give a folder written by `planner solve --out`")])
    checks = check_plan(folder)
    table = Table(title=f"Checks of the plan in {folder}", title_justify="left")
    for column in ("check", "result", "detail"):
        table.add_column(column)
    for check in checks:
        table.add_row(check.name, Text("ok", style="green") if check.ok else Text("FAILED", style="red"), check.detail)
    console().print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(EXIT_NOT_OPTIMAL)
