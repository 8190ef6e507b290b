"""Options and checks the ``planner fleets`` commands share: the model, request shape, precision
and serving stack a command is asked about."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, cast, get_args

import typer

from planner.cli.common import fail

if TYPE_CHECKING:
    from fleets import ServingStack
    from fleets.models import Precision

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


def precision_of(option: PrecisionChoice | None) -> Precision | None:
    """The option as the fleets package's precision literal."""
    return option.value if option else None


PrecisionOpt = Annotated[
    PrecisionChoice | None,
    typer.Option(
        "--precision",
        help="Weight precision to serve at; default each system's usual serving precision (see `fleets show`).",
    ),
]
StackOpt = Annotated[
    str | None,
    typer.Option(
        "--stack",
        help="Serving stack (tensorrt-llm, vllm, sglang, ...), as a fleet's serving_stack: its calibration and "
        "limits, and only the measured runs made on it.",
    ),
]


def serving_stack(ctx: typer.Context, stack: str | None, system: str | None = None) -> ServingStack | None:
    """The serving stack --stack names, or exit 2 naming the known ones, or (given ``system``) those
    that run on that system."""
    from fleets import ServingStack, get_system, stack_problem
    from planner.errors import Problem, unknown_name

    known = get_args(ServingStack)
    if stack is not None and stack not in known:
        fail(ctx, [Problem(path="--stack", message=unknown_name("serving stack", stack, known), value=stack)])
    wrong = stack_problem(get_system(system), stack) if stack is not None and system is not None else None
    if wrong:
        fail(ctx, [Problem(path="--stack", message=wrong, value=stack)])
    return cast("ServingStack | None", stack)


def check_model(ctx: typer.Context, model: str) -> None:
    """Exit 2 naming the known models if ``model`` is not one."""
    from fleets import UnknownModelError, get_model
    from planner.errors import Problem

    try:
        get_model(model)
    except UnknownModelError as exc:
        fail(ctx, [Problem(path="--model", message=str(exc), value=model)])
