"""``planner report``: a written plan as one self-contained HTML page, to send or print."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from planner.cli.common import EXIT_NOT_OPTIMAL, console, fail

if TYPE_CHECKING:
    from planner.result import Result

PLOTS_MISSING = "the report's charts need matplotlib: pip install 'planner[plots]'"


def report_command(
    ctx: typer.Context,
    folder: Annotated[
        Path,
        typer.Argument(help="A folder written by `planner solve --out` or by an analysis's --out."),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The HTML file to write.", show_default="report.html in the folder"),
    ] = None,
) -> None:
    """Write a plan or an analysis as one HTML page (summary, charts, tables; no network needed to view it, prints to PDF)."""
    from planner.errors import Problem

    if not folder.is_dir():
        fail(
            ctx, [Problem(str(folder), "no such folder: give a folder written by `planner solve --out` or an analysis")]
        )
    target = output if output is not None else folder / "report.html"
    check_report_target(ctx, target, "--output")
    try:
        from planner.html import FolderError, analysis_kind, analysis_page, plan_page, read_folder, write_page
    except ModuleNotFoundError as exc:
        fail(ctx, [Problem("matplotlib", PLOTS_MISSING)], exc, code=EXIT_NOT_OPTIMAL)
    try:
        if not (folder / "scenario.yaml").exists() and analysis_kind(folder) is not None:
            page = analysis_page(folder)
        else:
            plan = read_folder(folder)
            page = plan_page(plan, plan.summary)
    except FolderError as exc:
        fail(ctx, exc.problems, exc)
    try:
        write_page(target, page)
    except OSError as exc:
        fail(ctx, [Problem("--output", f"cannot write the report: {exc}", str(target))], exc, code=EXIT_NOT_OPTIMAL)
    console().print(f"Report written to {target}", markup=False)


def check_report_target(ctx: typer.Context, target: Path, option: str) -> None:
    """Refuse, before any work, a report file whose folder is missing or that names a folder."""
    from planner.errors import Problem

    if target.is_dir():
        fail(ctx, [Problem(option, "names a folder; give the HTML file to write, e.g. report.html", str(target))])
    if not target.parent.is_dir():
        fail(ctx, [Problem(option, "its folder does not exist; create it first or choose another", str(target))])


def write_report(ctx: typer.Context, result: Result, target: Path) -> None:
    """``planner solve --report``: write the result's page to ``target`` (exit 1 if it cannot be written)."""
    from planner.errors import Problem

    try:
        from planner.html import plan_page, write_page
    except ModuleNotFoundError as exc:
        fail(ctx, [Problem("--report", PLOTS_MISSING)], exc, code=EXIT_NOT_OPTIMAL)
    try:
        write_page(target, plan_page(result, result.summary()))
    except OSError as exc:
        fail(ctx, [Problem("--report", f"cannot write the report: {exc}", str(target))], exc, code=EXIT_NOT_OPTIMAL)
