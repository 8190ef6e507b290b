"""``planner fleets``: the hardware catalog, each system's figures, and side-by-side comparisons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from planner.cli.common import EXIT_NOT_OPTIMAL, console, fail
from planner.cli.fleet_point import point_command
from planner.cli.hardware import (
    Model,
    Output,
    PrecisionOpt,
    Prompt,
    SloTps,
    SloTtft,
    StackOpt,
    check_model,
    precision_of,
    serving_stack,
)

if TYPE_CHECKING:
    import pandas as pd

    from fleets import ServingStack
    from fleets.models import Precision

app = typer.Typer(no_args_is_help=True, help="Hardware: the catalog, its sources, and operating points per model.")


def _compare_rows(
    model: str,
    slo_tps: float,
    slo_ttft_ms: float,
    prompt: float,
    output: float,
    precision: Precision | None = None,
    stack: ServingStack | None = None,
) -> pd.DataFrame:
    """Per catalog system: the best point meeting the SLO (on ``stack`` if given), what it costs,
    the public API price of the model on that hardware where one is known, or why no point meets
    the SLO or the stack does not run on the system."""
    import pandas as pd

    from fleets import DoesNotFitError, best_point, load_catalog, operating_points, stack_problem
    from fleets.economics import cost_per_hour, request_tokens_per_s, usd_per_million_tokens

    rows = []
    for name, system in load_catalog().items():
        row = {
            "system": name,
            "category": system.category,
            "vendor": system.vendor,
            "max_kw": system.max_power_kw.value,
            **_api_price(system, model, prompt, output),
        }
        hourly = cost_per_hour(system)
        wrong = stack_problem(system, stack) if stack is not None else None
        if wrong:
            rows.append({**row, "reason": wrong})
            continue
        try:
            table = operating_points(name, model, precision, prompt_tokens=prompt, output_tokens=output, stack=stack)
            point = best_point(table, slo_tps, slo_ttft_ms)
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
                "precision": point["precision"],
                "basis": point["basis"],
                "stack": point["stack"] if isinstance(point["stack"], str) else "",
                "concurrency": round(point["concurrency"]),
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
    "precision",
    "basis",
    "stack",
    "concurrency",
    "tokens_per_s_per_user",
    "ttft_ms",
    "tokens_per_s",
    "tokens_per_s_per_kw",
    "usd_per_mtok",
    "api_usd_per_mtok",
    "api_source",
    "reason",
]
"""The columns of :func:`_compare_rows`, also when no system meets the target (then every figure is empty
and ``reason`` says why)."""


def _api_price(system, model: str, prompt: float, output: float) -> dict:
    """The cheapest public API price of ``model`` on ``system``'s hardware, blended at the request
    shape, and its source; empty figures where none is known."""
    prices = [price for price in system.api_prices if price.model == model]
    if not prices:
        return {"api_usd_per_mtok": None, "api_source": ""}
    cheapest = min(prices, key=lambda price: price.blended_usd_per_mtok(prompt, output))
    return {
        "api_usd_per_mtok": cheapest.blended_usd_per_mtok(prompt, output),
        "api_source": f"{cheapest.provider}: {cheapest.source} ({cheapest.confidence})",
    }


def _api_sources(rows: pd.DataFrame) -> Text:
    """Footnotes naming where each API price shown comes from."""
    listed = rows[rows["api_source"] != ""]
    return Text(
        "\n".join(f"API price for {row.system}: {row.api_source}" for row in listed.itertuples(index=False))
        or "No public API price is known for this model on these systems."
    )


def _price(system) -> str:
    if system.price_by_quote:
        return "by quote"
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
    precision: PrecisionOpt = None,
    stack: StackOpt = None,
) -> None:
    """Every system: category, vendor, power, price, and tokens/s per kW and estimated $ per million
    tokens at a model and SLO (owned units: capital recovery at 8% over their life plus power at
    $65/MWh and PUE 1.2; rented units: their hourly price), beside the public API price of the
    model on that hardware where one is known. With --stack, each system's point on that serving
    stack, and a line for each system it does not run on."""
    import pandas as pd

    from fleets import load_catalog

    check_model(ctx, model)
    serving = serving_stack(ctx, stack)
    everything = _compare_rows(
        model, slo_tps, slo_ttft_ms, prompt_tokens, output_tokens, precision_of(precision), serving
    )
    rows = everything.set_index("system")
    on = f" on {serving}" if serving else ""
    table = Table(
        title=f"Catalog: {model}{on}, SLO >= {slo_tps:g} tokens/s per user and <= {slo_ttft_ms:g} ms to first token",
        title_justify="left",
    )
    # What one unit is (a server, a rack) is in `fleets show`, to keep the table within the console.
    numeric = ("max kW", "tokens/s per kW", "est. $/Mtok", "API $/Mtok")
    for column in ("system", "category", "vendor", "max kW", "price", "precision", "basis", *numeric[1:]):
        table.add_column(column, justify="right" if column in numeric else "left", no_wrap=column == "system")
    for name, system in load_catalog().items():
        row = rows.loc[name]
        per_kw = "" if pd.isna(row.get("tokens_per_s_per_kw")) else f"{row['tokens_per_s_per_kw']:,.0f}"
        cost = "" if pd.isna(row.get("usd_per_mtok")) else f"{row['usd_per_mtok']:,.3f}"
        api = "" if pd.isna(row.get("api_usd_per_mtok")) else f"{row['api_usd_per_mtok']:,.3f}"
        table.add_row(
            name,
            system.category,
            system.vendor,
            f"{system.max_power_kw.value:g}",
            _price(system),
            "" if pd.isna(row.get("precision")) else str(row["precision"]),
            "" if pd.isna(row.get("basis")) else str(row["basis"]),
            per_kw or "-",
            cost or "-",
            api or "-",
        )
    out = console()
    out.print(table)
    out.print(_api_sources(everything))
    if serving:
        elsewhere = everything["reason"].str.contains("does not run on")
        for system_name, reason in zip(everything["system"][elsewhere], everything["reason"][elsewhere], strict=True):
            out.print(Text(f"{system_name}: {reason}"))


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
    check_model(ctx, model)
    out = console()
    out.print(
        Text.assemble(
            (found.name, "bold"),
            f": {found.unit} ({found.vendor}, {found.category}, {found.chips} chips, {found.memory_kind} memory)",
        )
    )
    out.print(Text(f"Interconnect: {found.interconnect}"))
    if found.price_by_quote:
        out.print(Text(f"Price: none published; sold by quote: {found.price_by_quote}"))
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
        "basis",
        "precision",
        "concurrency",
        "units/replica",
        "prefill tok/s",
        "decode tok/s",
        "tok/s per user",
        "TTFT ms",
    ):
        table.add_column(column, justify="left" if column in ("basis", "precision") else "right")
    columns = [c for c in POINT_COLUMNS if c not in ("origin", "stack", "output_tokens_per_s", "source")]
    for basis, precision, *cells in points[columns].itertuples(index=False, name=None):
        table.add_row(basis, precision, *("" if pd.isna(c) else f"{c:,.0f}" for c in cells))
    out.print(table)


@app.command()
def compare(
    ctx: typer.Context,
    model: Model = "llama-3.1-70b",
    slo_tps: SloTps = 50.0,
    slo_ttft_ms: SloTtft = 500.0,
    prompt_tokens: Prompt = 1000.0,
    output_tokens: Output = 250.0,
    precision: PrecisionOpt = None,
    stack: StackOpt = None,
) -> None:
    """Which systems meet an SLO on a model, at what estimated $ per million tokens and tokens/s per
    kW, beside the public API price of the model on that hardware where one is known. With
    --stack, on that serving stack (systems it does not run on are listed with why)."""
    import pandas as pd

    check_model(ctx, model)
    serving = serving_stack(ctx, stack)
    rows = _compare_rows(model, slo_tps, slo_ttft_ms, prompt_tokens, output_tokens, precision_of(precision), serving)
    on = f" on {serving}" if serving else ""
    meeting = rows[rows["reason"] == ""].sort_values("usd_per_mtok", na_position="last")
    if meeting.empty:
        err = console(stderr=True)
        err.print(
            Text(
                f"No catalog system serves {model}{on} at >= {slo_tps:g} tokens/s per user and <= {slo_ttft_ms:g} ms "
                "to first token; relax --slo-tps or --slo-ttft-ms. Why each system falls short:",
                style="red",
            )
        )
        for row in rows.itertuples(index=False):
            err.print(f"  {row.system}: {row.reason}")
        raise typer.Exit(EXIT_NOT_OPTIMAL)
    table = Table(
        title=f"{model}{on} at >= {slo_tps:g} tokens/s per user and <= {slo_ttft_ms:g} ms to first token",
        title_justify="left",
    )
    texts = ("system", "category", "precision", "basis")
    for column in (
        *texts,
        "concurrency",
        "tok/s per user",
        "TTFT ms",
        "tokens/s per unit",
        "tokens/s per kW",
        "est. $/Mtok",
        "API $/Mtok",
    ):
        table.add_column(column, justify="left" if column in texts else "right")
    columns = [*texts, "concurrency", "tokens_per_s_per_user", "ttft_ms", "tokens_per_s"]
    columns += ["tokens_per_s_per_kw", "usd_per_mtok", "api_usd_per_mtok"]
    for *labels, concurrency, speed, ttft, rate, per_kw, usd, api in meeting[columns].itertuples(
        index=False, name=None
    ):
        cells = [f"{figure:,.0f}" for figure in (concurrency, speed, ttft, rate, per_kw)]
        table.add_row(*labels, *cells, *("" if pd.isna(c) else f"{c:,.3f}" for c in (usd, api)))
    out = console()
    out.print(table)
    out.print(_api_sources(meeting))
    for row in rows[rows["reason"] != ""].itertuples(index=False):
        out.print(f"{row.system}: {row.reason}")


app.command("point")(point_command)
