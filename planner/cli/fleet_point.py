"""``planner fleets point``: the operating point the planner would use for one unit of a system."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from planner.cli.common import EXIT_NOT_OPTIMAL, console, fail
from planner.cli.hardware import PrecisionOpt, StackOpt, check_model, precision_of, serving_stack

if TYPE_CHECKING:
    import pandas as pd

    from fleets import Speculation


class BasisOption(StrEnum):
    """Which points may answer ``fleets point``."""

    AUTO = "auto"
    MEASURED = "measured"
    ESTIMATED = "estimated"


def point_command(
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
    stack: StackOpt = None,
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
    check_model(ctx, model)
    speculation = _speculation(ctx, model, draft_model, draft_tokens, acceptance_rate)
    serving = serving_stack(ctx, stack, system)
    if speculation is not None and basis is BasisOption.MEASURED:
        message = (
            "the measured curves do not record speculative decoding (their runs count as made without), so no "
            "measured point answers; use --basis auto or estimated"
        )
        fail(ctx, [Problem(path="--basis", message=message, value="measured")])
    chosen = precision_of(precision)
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
    from planner.errors import Problem
    from planner.scenario import SpeculativeDecoding
    from planner.validation import problems_from_validation

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
