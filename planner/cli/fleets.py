"""``planner fleets``: the hardware catalog, each system's figures, and side-by-side comparisons."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, cast, get_args

import typer
from rich.table import Table
from rich.text import Text

from planner.cli.common import EXIT_NOT_OPTIMAL, console, fail

if TYPE_CHECKING:
    import pandas as pd

    from fleets import ServingStack, Speculation
    from fleets.models import Precision

app = typer.Typer(no_args_is_help=True, help="Hardware: the catalog, its sources, and operating points per model.")

Model = Annotated[str, typer.Option("--model", "-m", help="Reference model (see fleets/models.yaml).")]
SloTps = Annotated[float, typer.Option("--slo-tps", min=0.0, help="Slowest acceptable output tokens/s per user.")]
SloTtft = Annotated[float, typer.Option("--slo-ttft-ms", min=0.0, help="Longest acceptable time to first token, ms.")]
Prompt = Annotated[float, typer.Option("--prompt-tokens", min=1.0, help="Prompt tokens per request.")]
Output = Annotated[float, typer.Option("--output-tokens", min=1.0, help="Output tokens per request.")]


class PrecisionChoice(StrEnum):
    """Weight precisions the command line offers."""

    FP16 = "fp16"
    FP8 = "fp8"
    FP4 = "fp4"


class BasisOption(StrEnum):
    """Which points may answer ``fleets point``."""

    AUTO = "auto"
    MEASURED = "measured"
    ESTIMATED = "estimated"


def _precision(option: PrecisionChoice | None) -> Precision | None:
    """The option as the fleets package's precision literal."""
    return option.value if option else None


PrecisionOpt = Annotated[
    PrecisionChoice | None,
    typer.Option(
        "--precision",
        help="Weight precision to serve at; default each system's usual serving precision (see `fleets show`).",
    ),
]


def _compare_rows(
    model: str, slo_tps: float, slo_ttft_ms: float, prompt: float, output: float, precision: Precision | None = None
) -> pd.DataFrame:
    """Per catalog system: the best point meeting the SLO, what it costs, the public API price of
    the model on that hardware where one is known, or why no point meets the SLO."""
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
            **_api_price(system, model, prompt, output),
        }
        hourly = cost_per_hour(system)
        try:
            table = operating_points(name, model, precision, prompt_tokens=prompt, output_tokens=output)
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
) -> None:
    """Every system: category, vendor, power, price, and tokens/s per kW and estimated $ per million
    tokens at a model and SLO (owned units: capital recovery at 8% over their life plus power at
    $65/MWh and PUE 1.2; rented units: their hourly price), beside the public API price of the
    model on that hardware where one is known."""
    import pandas as pd

    from fleets import load_catalog

    _check_model(ctx, model)
    chosen = _precision(precision)
    everything = _compare_rows(model, slo_tps, slo_ttft_ms, prompt_tokens, output_tokens, chosen)
    rows = everything.set_index("system")
    table = Table(
        title=f"Catalog: {model}, SLO >= {slo_tps:g} tokens/s per user and <= {slo_ttft_ms:g} ms to first token",
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
) -> None:
    """Which systems meet an SLO on a model, at what estimated $ per million tokens and tokens/s per
    kW, beside the public API price of the model on that hardware where one is known."""
    import pandas as pd

    _check_model(ctx, model)
    rows = _compare_rows(model, slo_tps, slo_ttft_ms, prompt_tokens, output_tokens, _precision(precision))
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


@app.command()
def point(
    ctx: typer.Context,
    system: Annotated[str, typer.Argument(help="Catalog system, e.g. dgx-h100.")],
    model: Annotated[str, typer.Option("--model", "-m", help="Reference model (see fleets/models.yaml).")],
    input_tokens: Annotated[int, typer.Option("--input-tokens", min=1, help="Prompt tokens per request.")],
    output_tokens: Annotated[int, typer.Option("--output-tokens", min=1, help="Output tokens per request.")],
    precision: PrecisionOpt = None,
    min_tokens_per_s_per_user: Annotated[
        float | None,
        typer.Option("--min-tokens-per-s-per-user", min=0.0, help="Slowest acceptable output tokens/s per user."),
    ] = None,
    max_ttft_ms: Annotated[
        float | None, typer.Option("--max-ttft-ms", min=0.0, help="Longest acceptable time to first token, ms.")
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option("--batch", min=1, help="Requests in flight: the point at this concurrency instead of the best."),
    ] = None,
    basis: Annotated[
        BasisOption,
        typer.Option(
            "--basis",
            help="auto: the measured curve, else the estimator; measured: never estimate; estimated: the estimator only.",
        ),
    ] = BasisOption.AUTO,
    draft_model: Annotated[
        str | None,
        typer.Option(
            "--draft-model",
            help="Speculative decoding: the reference model that drafts, smaller than --model (with --draft-tokens "
            "and --acceptance-rate).",
        ),
    ] = None,
    draft_tokens: Annotated[
        int | None, typer.Option("--draft-tokens", help="Speculative decoding: tokens drafted per step (1 to 16).")
    ] = None,
    acceptance_rate: Annotated[
        float | None,
        typer.Option(
            "--acceptance-rate",
            help="Speculative decoding: probability that each drafted token is accepted (between 0 and 1).",
        ),
    ] = None,
    stack: Annotated[
        str | None,
        typer.Option(
            "--stack",
            help="Serving stack (tensorrt-llm, vllm, sglang, ...), as a fleet's serving_stack: its calibration and "
            "limits, and only the measured runs made on it.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the point as one JSON object.")] = False,
) -> None:
    """The operating point the planner would use for one unit of a system: with no target the
    highest-throughput point, with a target the best point meeting it, with --batch the point at
    that concurrency; and whether it is measured, interpolated or estimated. With --draft-model,
    --draft-tokens and --acceptance-rate, the point with speculative decoding (always estimated);
    with --stack, the point on that serving stack."""
    from fleets import DoesNotFitError, UnknownSystemError, best_point, get_system, operating_points
    from fleets.points import point_at_batch
    from planner.errors import Problem

    try:
        get_system(system)
    except UnknownSystemError as exc:
        fail(ctx, [Problem(path="SYSTEM", message=str(exc), value=system)])
    _check_model(ctx, model)
    speculation = _speculation(ctx, model, draft_model, draft_tokens, acceptance_rate)
    serving = _stack(ctx, stack, system)
    if speculation is not None and basis is BasisOption.MEASURED:
        message = (
            "the measured curves do not record speculative decoding (their runs count as made without), so no "
            "measured point answers; use --basis auto or estimated"
        )
        fail(ctx, [Problem(path="--basis", message=message, value="measured")])
    chosen = _precision(precision)
    speed = min_tokens_per_s_per_user or 0.0
    ttft = math.inf if max_ttft_ms is None else max_ttft_ms
    shape = {"prompt_tokens": float(input_tokens), "output_tokens": float(output_tokens)}
    try:
        if batch is not None:
            found = point_at_batch(
                system, model, batch, chosen, **shape, basis=basis.value, speculation=speculation, stack=serving
            )
            if found is not None and not _meets(found, speed, ttft):
                found = None
        else:
            table = operating_points(system, model, chosen, **shape, speculation=speculation, stack=serving)
            found = best_point(table, speed, ttft, basis=basis.value, require_ttft=max_ttft_ms is not None)
    except DoesNotFitError as exc:
        fail(ctx, [Problem(path="--model", message=f"{model} cannot be served on {system}: {exc}", value=model)])
    if found is None:
        at = f" at batch {batch}" if batch is not None else ""
        only = " measured" if basis is BasisOption.MEASURED else ""
        console(stderr=True).print(
            Text(
                f"No{only} operating point of {system} on {model}{at} meets >= {speed:g} tokens/s per user and "
                f"<= {ttft:g} ms to first token for {input_tokens} tokens in and {output_tokens} out"
                + ("; --basis auto would also estimate" if only else "; relax the target")
                + (" or change --batch" if batch is not None else ""),
                style="red",
            )
        )
        raise typer.Exit(EXIT_NOT_OPTIMAL)
    answer = _point_json(found, system, model, input_tokens, output_tokens, speculation)
    if as_json:
        typer.echo(json.dumps(answer))
        return
    out = console()
    out.print(Text.assemble((f"{system} on {model}", "bold"), f" ({input_tokens} tokens in, {output_tokens} out)"))
    for label, key, unit in (
        ("basis", "basis", ""),
        ("precision", "precision", ""),
        ("batch (requests in flight)", "batch", ""),
        ("output tokens/s per unit", "tokens_per_s", ""),
        ("tokens/s per user", "tokens_per_s_per_user", ""),
        ("time to first token", "ttft_ms", " ms"),
        ("serving stack", "stack", ""),
        ("speculative decoding", "speculation", ""),
        ("source", "source", ""),
    ):
        value = answer[key]
        missing = {"stack": "named in the source", "speculation": "none"}.get(key, "not published")
        if isinstance(value, float):
            shown = f"{value:,.0f}{unit}" if value >= 1000 else f"{value:.4g}{unit}"
        elif isinstance(value, dict):
            shown = (
                f"{value['draft_model']} drafts {value['draft_tokens']} tokens a step, each accepted with probability "
                f"{value['acceptance_rate']:g}: {value['tokens_per_step']:.4g} tokens per verification"
            )
        else:
            shown = missing if value is None else str(value)
        out.print(Text(f"{label}: {shown}"))


_SPECULATION_OPTIONS = {
    "draft_model": "--draft-model",
    "draft_tokens": "--draft-tokens",
    "acceptance_rate": "--acceptance-rate",
}


def _speculation(
    ctx: typer.Context, model: str, draft_model: str | None, draft_tokens: int | None, acceptance_rate: float | None
) -> Speculation | None:
    """The speculative decoding the options ask for (all three or none), checked as a scenario's
    ``speculative_decoding`` entry is, or exit 2 with every problem."""
    from dataclasses import replace

    from pydantic import ValidationError

    from fleets import get_model
    from fleets.layouts import draft_problem
    from planner.errors import Problem, problems_from_validation
    from planner.scenario import SpeculativeDecoding

    given = {"draft_model": draft_model, "draft_tokens": draft_tokens, "acceptance_rate": acceptance_rate}
    if all(value is None for value in given.values()):
        return None
    missing = [_SPECULATION_OPTIONS[name] for name, value in given.items() if value is None]
    if missing:
        message = (
            "speculative decoding needs --draft-model, --draft-tokens and --acceptance-rate together; "
            f"give {' and '.join(missing)} too, or none of them"
        )
        fail(ctx, [Problem(path=", ".join(missing), message=message)])
    try:
        entry = SpeculativeDecoding.model_validate(given)
    except ValidationError as exc:
        problems = problems_from_validation(exc, SpeculativeDecoding)
        fail(ctx, [replace(p, path=_SPECULATION_OPTIONS.get(p.path, p.path)) for p in problems], exc)
    problem = draft_problem(get_model(model), get_model(entry.draft_model))
    if problem:
        fail(ctx, [Problem(path="--draft-model", message=problem, value=draft_model)])
    return entry.speculation()


def _stack(ctx: typer.Context, stack: str | None, system: str) -> ServingStack | None:
    """The serving stack --stack names, or exit 2 naming the known ones or those that run on ``system``."""
    from fleets import ServingStack, get_system, stack_problem
    from planner.errors import Problem, unknown_name

    known = get_args(ServingStack)
    if stack is not None and stack not in known:
        fail(ctx, [Problem(path="--stack", message=unknown_name("serving stack", stack, known), value=stack)])
    wrong = stack_problem(get_system(system), stack) if stack is not None else None
    if wrong:
        fail(ctx, [Problem(path="--stack", message=wrong, value=stack)])
    return cast("ServingStack | None", stack)


def _meets(found: pd.Series, speed: float, ttft: float) -> bool:
    known = not math.isnan(found["ttft_ms"])
    return bool(found["tokens_per_s_per_user"] >= speed and ((known and found["ttft_ms"] <= ttft) or math.isinf(ttft)))


def _point_json(
    found: pd.Series, system: str, model: str, input_tokens: int, output_tokens: int, speculation: Speculation | None
) -> dict:
    """The answer of ``fleets point`` as plain JSON values (``None`` for a figure not published, and
    for ``speculation`` without speculative decoding)."""

    def number(name: str) -> float | None:
        value = float(found[name])
        return None if math.isnan(value) else value

    return {
        "system": system,
        "model": model,
        "precision": str(found["precision"]),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "tokens_per_s": number("output_tokens_per_s"),
        "tokens_per_s_per_user": number("tokens_per_s_per_user"),
        "ttft_ms": number("ttft_ms"),
        "batch": number("concurrency"),
        "prefill_tokens_per_s": number("prefill_tokens_per_s"),
        "decode_tokens_per_s": number("decode_tokens_per_s"),
        "basis": str(found["basis"]),
        "stack": found["stack"] if isinstance(found["stack"], str) else None,
        "speculation": None
        if speculation is None
        else {
            "draft_model": speculation.draft_model,
            "draft_tokens": speculation.draft_tokens,
            "acceptance_rate": speculation.acceptance_rate,
            "tokens_per_step": speculation.tokens_per_step,
        },
        "source": str(found["source"]),
    }


def _check_model(ctx: typer.Context, model: str) -> None:
    from fleets import UnknownModelError, get_model
    from planner.errors import Problem

    try:
        get_model(model)
    except UnknownModelError as exc:
        fail(ctx, [Problem(path="--model", message=str(exc), value=model)])
