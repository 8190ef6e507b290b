"""``planner fleets``: the hardware catalog, each system's figures, and side-by-side comparisons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from planner.cli.common import EXIT_NOT_OPTIMAL, console, fail

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(no_args_is_help=True, help="Hardware: the catalog, its sources, and operating points per model.")

Model = Annotated[str, typer.Option("--model", "-m", help="Reference model (see fleets/models.yaml).")]
SloTps = Annotated[float, typer.Option("--slo-tps", min=0.0, help="Slowest acceptable output tokens/s per user.")]
SloTtft = Annotated[float, typer.Option("--slo-ttft-ms", min=0.0, help="Longest acceptable time to first token, ms.")]
Prompt = Annotated[float, typer.Option("--prompt-tokens", min=1.0, help="Prompt tokens per request.")]
Output = Annotated[float, typer.Option("--output-tokens", min=1.0, help="Output tokens per request.")]


def _compare_rows(model: str, slo_tps: float, slo_ttft_ms: float, prompt: float, output: float) -> pd.DataFrame:
    """Per catalog system: the best point meeting the SLO and what it costs, or why none does."""
    import pandas as pd

    from fleets import DoesNotFitError, best_point, load_catalog, operating_points
    from fleets.economics import cost_per_hour, request_tokens_per_s, usd_per_million_tokens

    rows = []
    for name, system in load_catalog().items():
        row = {
            "system": name,
            "category": system.category,
            "vendor": system.vendor,
            "max_kw": system.max_power_kw.value,
        }
        hourly = cost_per_hour(system)
        try:
            point = best_point(
                operating_points(name, model, prompt_tokens=prompt, output_tokens=output), slo_tps, slo_ttft_ms
            )
        except DoesNotFitError as exc:
            rows.append({**row, "reason": str(exc)})
            continue
        if point is None:
            rows.append({**row, "reason": "no operating point meets the SLO"})
            continue
        rate = request_tokens_per_s(point["prefill_tokens_per_s"], point["decode_tokens_per_s"], prompt, output)
        rows.append(
            {
                **row,
                "concurrency": int(point["concurrency"]),
                "tokens_per_s_per_user": point["tokens_per_s_per_user"],
                "ttft_ms": point["ttft_ms"],
                "tokens_per_s": rate,
                "tokens_per_s_per_kw": rate / system.max_power_kw.value,
                "usd_per_mtok": usd_per_million_tokens(hourly, rate) if hourly else None,
                "reason": "",
            }
        )
    return pd.DataFrame(rows, columns=_COMPARE_COLUMNS)


_COMPARE_COLUMNS = [
    "system",
    "category",
    "vendor",
    "max_kw",
    "concurrency",
    "tokens_per_s_per_user",
    "ttft_ms",
    "tokens_per_s",
    "tokens_per_s_per_kw",
    "usd_per_mtok",
    "reason",
]
"""The columns of :func:`_compare_rows`, also when no system meets the target (then every figure is empty
and ``reason`` says why)."""


def _price(system) -> str:
    parts = []
    if system.capex_usd:
        parts.append(f"${system.capex_usd.value:,.0f}")
    if system.hourly_usd:
        parts.append(f"${system.hourly_usd.value:,.2f}/h")
    return " / ".join(parts)


@app.command("list")
def list_command(
    ctx: typer.Context,
    model: Model = "llama-3.1-70b",
    slo_tps: SloTps = 20.0,
    slo_ttft_ms: SloTtft = 2000.0,
    prompt_tokens: Prompt = 1000.0,
    output_tokens: Output = 250.0,
) -> None:
    """Every system: category, vendor, power, price, and tokens/s per kW and $ per million tokens
    at a model and SLO (owned units: capital recovery at 8% over their life plus power at $65/MWh
    and PUE 1.2; rented units: their hourly price)."""
    import pandas as pd

    from fleets import load_catalog

    _check_model(ctx, model)
    rows = _compare_rows(model, slo_tps, slo_ttft_ms, prompt_tokens, output_tokens).set_index("system")
    table = Table(
        title=f"Catalog: {model}, SLO >= {slo_tps:g} tokens/s per user and <= {slo_ttft_ms:g} ms to first token",
        title_justify="left",
    )
    for column in ("system", "category", "vendor", "unit", "max kW", "price", "tokens/s per kW", "$ / M tokens"):
        table.add_column(column, justify="right" if column in ("max kW", "tokens/s per kW", "$ / M tokens") else "left")
    for name, system in load_catalog().items():
        row = rows.loc[name]
        per_kw = "" if pd.isna(row.get("tokens_per_s_per_kw")) else f"{row['tokens_per_s_per_kw']:,.0f}"
        cost = "" if pd.isna(row.get("usd_per_mtok")) else f"{row['usd_per_mtok']:,.3f}"
        table.add_row(
            name,
            system.category,
            system.vendor,
            system.unit,
            f"{system.max_power_kw.value:g}",
            _price(system),
            per_kw or "-",
            cost or "-",
        )
    console().print(table)


@app.command()
def show(
    ctx: typer.Context,
    system: Annotated[str, typer.Argument(help="Catalog system, e.g. dgx-h100.")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model for the operating-point table.")] = None,
    prompt_tokens: Prompt = 1000.0,
    output_tokens: Output = 250.0,
) -> None:
    """Every figure of a system with its source and confidence, its measured runs, and its
    operating points for a model."""
    import pandas as pd

    from fleets import DoesNotFitError, UnknownSystemError, get_system, operating_points
    from fleets.points import COLUMNS as POINT_COLUMNS
    from planner.errors import Problem

    try:
        found = get_system(system)
    except UnknownSystemError as exc:
        fail(ctx, [Problem(path="SYSTEM", message=str(exc), value=system)])
    model = model or (found.measured[0].model if found.measured else "llama-3.1-70b")
    _check_model(ctx, model)
    out = console()
    out.print(
        Text.assemble(
            (found.name, "bold"),
            f": {found.unit} ({found.vendor}, {found.category}, {found.chips} chips, {found.memory_kind} memory)",
        )
    )
    out.print(f"Interconnect: {found.interconnect}")
    figures = Table(title="Figures", title_justify="left", show_lines=False)
    for column in ("figure", "value", "confidence", "source", "note"):
        figures.add_column(column, overflow="fold")
    for name, figure in found.figures():
        figures.add_row(name, f"{figure.value:,.6g}", figure.confidence, figure.source, figure.note or "")
    out.print(figures)
    if found.measured:
        measured = Table(title="Published runs (per unit)", title_justify="left")
        for column in (
            "model",
            "precision",
            "concurrency",
            "output tokens/s",
            "tokens/s per user",
            "TTFT ms",
            "confidence",
            "source",
        ):
            measured.add_column(column, overflow="fold")
        for point in found.measured:
            cells = [
                point.model,
                point.precision,
                point.concurrency or "max",
                point.decode_tokens_per_s,
                point.tokens_per_s_per_user,
                point.ttft_ms,
            ]
            measured.add_row(
                *("" if c is None else f"{c:,.6g}" if isinstance(c, float) else str(c) for c in cells),
                point.confidence,
                point.source,
            )
        out.print(measured)
    try:
        points = operating_points(system, model, prompt_tokens=prompt_tokens, output_tokens=output_tokens)
    except DoesNotFitError as exc:
        out.print(Text(f"{model} cannot be served: {exc}", style="red"))
        return
    table = Table(
        title=f"Operating points for {model} ({prompt_tokens:g} tokens in, {output_tokens:g} out per request; per unit)",
        title_justify="left",
    )
    for column in (
        "origin",
        "precision",
        "concurrency",
        "units/replica",
        "prefill tok/s",
        "decode tok/s",
        "tok/s per user",
        "TTFT ms",
    ):
        table.add_column(column, justify="left" if column in ("origin", "precision") else "right")
    columns = [c for c in POINT_COLUMNS if c not in ("output_tokens_per_s", "source")]
    for origin, precision, *cells in points[columns].itertuples(index=False, name=None):
        table.add_row(origin, precision, *("" if pd.isna(c) else f"{c:,.0f}" for c in cells))
    out.print(table)


@app.command()
def compare(
    ctx: typer.Context,
    model: Model = "llama-3.1-70b",
    slo_tps: SloTps = 50.0,
    slo_ttft_ms: SloTtft = 500.0,
    prompt_tokens: Prompt = 1000.0,
    output_tokens: Output = 250.0,
) -> None:
    """Which systems meet an SLO on a model, at what $ per million tokens and tokens/s per kW."""
    import pandas as pd

    _check_model(ctx, model)
    rows = _compare_rows(model, slo_tps, slo_ttft_ms, prompt_tokens, output_tokens)
    meeting = rows[rows["reason"] == ""].sort_values("usd_per_mtok", na_position="last")
    if meeting.empty:
        err = console(stderr=True)
        err.print(
            Text(
                f"No catalog system serves {model} at >= {slo_tps:g} tokens/s per user and <= {slo_ttft_ms:g} ms "
                "to first token; relax --slo-tps or --slo-ttft-ms. Why each system falls short:",
                style="red",
            )
        )
        for row in rows.itertuples(index=False):
            err.print(f"  {row.system}: {row.reason}")
        raise typer.Exit(EXIT_NOT_OPTIMAL)
    table = Table(
        title=f"{model} at >= {slo_tps:g} tokens/s per user and <= {slo_ttft_ms:g} ms to first token",
        title_justify="left",
    )
    for column in (
        "system",
        "category",
        "concurrency",
        "tok/s per user",
        "TTFT ms",
        "tokens/s per unit",
        "tokens/s per kW",
        "$ / M tokens",
    ):
        table.add_column(column, justify="left" if column in ("system", "category") else "right")
    columns = ["system", "category", "concurrency", "tokens_per_s_per_user", "ttft_ms", "tokens_per_s"]
    columns += ["tokens_per_s_per_kw", "usd_per_mtok"]
    for system, category, *figures, usd_per_mtok in meeting[columns].itertuples(index=False, name=None):
        cost = "" if pd.isna(usd_per_mtok) else f"{usd_per_mtok:,.3f}"
        table.add_row(system, category, *(f"{figure:,.0f}" for figure in figures), cost)
    out = console()
    out.print(table)
    for row in rows[rows["reason"] != ""].itertuples(index=False):
        out.print(f"{row.system}: {row.reason}")


def _check_model(ctx: typer.Context, model: str) -> None:
    from fleets import UnknownModelError, get_model
    from planner.errors import Problem

    try:
        get_model(model)
    except UnknownModelError as exc:
        fail(ctx, [Problem(path="--model", message=str(exc), value=model)])
