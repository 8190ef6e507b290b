"""How model replicas sit on a unit's chips, and what memory they need.

A replica of ``g`` chips is tensor parallel inside one unit (``g`` a power of two dividing the
unit's chips, or all of them when no such share holds the model) or, when the weights do not
fit in one unit, a pipeline across the fewest units that hold them. A layout fits when its memory holds the weights (and a speculative
draft model's) and one whole sequence's KV cache; the batch it holds is the KV caches that fit
beside the weights, each holding on average its prompt and half its output (paged caches).

>>> from fleets import get_model, get_system
>>> [layout.chips for layout in layouts(get_system("dgx-h100"), get_model("llama-3.1-70b"), "fp8", Shape())]
[1, 2, 4, 8]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fleets.catalog import System
from fleets.models import ModelSpec, Precision, get_model

MEMORY_USABLE = 0.9
"""Share of accelerator memory available to weights and KV caches (the rest: activations, runtime)."""

PRECISION_ORDER: tuple[Precision, ...] = ("fp16", "fp8", "fp4")

STACK_MAX_SEQUENCES = {"vllm": 256}
"""Sequences a serving stack runs at once by default, whatever memory holds: vLLM's
``--max-num-seqs`` defaults to 256 (engine arguments, vLLM 0.6, 2024; the release its published
runs in the catalog used). Further requests wait."""

MAX_REPLICA_UNITS = 64
"""Most units one model replica may span. Beyond it the links between units, which this model
does not describe, would decide the speed; such a deployment is reported as not fitting."""


@dataclass(frozen=True)
class Shape:
    """The requests served: prompt and output tokens per request."""

    prompt_tokens: float = 1000.0
    output_tokens: float = 250.0

    @property
    def decode_context(self) -> float:
        """Average context a decode step attends to: the prompt and half the output."""
        return self.prompt_tokens + self.output_tokens / 2.0

    @property
    def sequence_tokens(self) -> float:
        """Most context one sequence holds: its prompt and its whole output."""
        return self.prompt_tokens + self.output_tokens


@dataclass(frozen=True)
class Speculation:
    """Speculative decoding: ``draft_model`` proposes ``draft_tokens`` tokens a step, of which the
    target accepts each with probability ``acceptance_rate`` (until the first rejection)."""

    draft_model: str
    draft_tokens: int
    acceptance_rate: float

    def __post_init__(self) -> None:
        if self.draft_tokens < 1:
            raise ValueError(f"draft_tokens must be at least 1, got {self.draft_tokens}")
        if not 0.0 <= self.acceptance_rate < 1.0:
            raise ValueError(f"acceptance_rate must be in [0, 1), got {self.acceptance_rate}")

    @property
    def tokens_per_step(self) -> float:
        """Expected tokens one verification step yields: 1 + a + a^2 + ... + a^k."""
        a, k = self.acceptance_rate, self.draft_tokens
        return (1.0 - a ** (k + 1)) / (1.0 - a)


def draft_problem(model: ModelSpec, draft: ModelSpec) -> str | None:
    """Why ``draft`` cannot draft for ``model``, or None when it can.

    A draft earns its keep by proposing a token for a small share of what the served model
    computes for one; a draft computing as many parameters per token costs more than it saves.

    >>> draft_problem(get_model("llama-3.1-70b"), get_model("llama-3.1-8b")) is None
    True
    """
    if draft.active_params < model.active_params:
        return None
    return (
        f"{draft.name} computes {draft.active_params / 1e9:.3g}B parameters per token, not fewer than the "
        f"{model.active_params / 1e9:.3g}B of {model.name}: a draft model must be smaller than the model it drafts for"
    )


@dataclass(frozen=True)
class Layout:
    """How replicas sit on units: ``chips`` per replica, of which ``tensor_parallel`` inside one
    unit, across ``units`` units (a pipeline when more than one)."""

    chips: int
    tensor_parallel: int
    units: int

    def replicas_per_unit(self, chips_per_unit: int) -> float:
        return chips_per_unit / self.chips


def kv_precision(precision: Precision) -> Precision:
    """Precision of the KV cache: that of the weights, but 8-bit under 4-bit weights (serving stacks
    keep 4-bit for weights: NVFP4 checkpoints run with an FP8 KV cache)."""
    return "fp8" if precision == "fp4" else precision


def _resident_bytes(model: ModelSpec, precision: Precision, speculation: Speculation | None) -> float:
    weights = model.weight_bytes(precision)
    if speculation is not None:
        weights += get_model(speculation.draft_model).weight_bytes(precision)
    return weights


def _kv_bytes_per_token(model: ModelSpec, precision: Precision, speculation: Speculation | None) -> float:
    kv = model.kv_cache_bytes_per_token(kv_precision(precision))
    if speculation is not None:
        kv += get_model(speculation.draft_model).kv_cache_bytes_per_token(kv_precision(precision))
    return kv


def replica_units(
    system: System,
    model: ModelSpec,
    precision: Precision,
    context_tokens: float,
    speculation: Speculation | None = None,
) -> int:
    """Units the smallest replica spans: enough memory for the weights and one sequence's KV cache."""
    need = _resident_bytes(model, precision, speculation) + _kv_bytes_per_token(model, precision, speculation) * (
        context_tokens
    )
    per_unit = system.memory_gb.value * 1e9 * MEMORY_USABLE
    return max(1, math.ceil(need / per_unit))


def layouts(
    system: System, model: ModelSpec, precision: Precision, shape: Shape, speculation: Speculation | None = None
) -> list[Layout]:
    """Every layout whose memory holds the weights and one sequence: tensor-parallel replicas of
    a power-of-two share of a unit (the whole unit when none holds it), else a pipeline over the
    fewest units."""
    units = replica_units(system, model, precision, shape.sequence_tokens, speculation)
    if units > 1:
        return [Layout(chips=units * system.chips, tensor_parallel=system.chips, units=units)]
    chip_memory = system.memory_gb.value * 1e9 * MEMORY_USABLE / system.chips
    need = _resident_bytes(model, precision, speculation) + _kv_bytes_per_token(model, precision, speculation) * (
        shape.sequence_tokens
    )
    degrees = [2**k for k in range(system.chips.bit_length()) if system.chips % 2**k == 0]
    fitting = [Layout(g, g, 1) for g in degrees if g * chip_memory >= need]
    # The whole unit only when no power-of-two share holds the model: attention heads split
    # evenly over 2, 4 or 8 chips, not over the 72 of a rack.
    return fitting or [Layout(system.chips, system.chips, 1)]


def largest_batch(
    system: System,
    model: ModelSpec,
    precision: Precision,
    shape: Shape,
    layout: Layout,
    speculation: Speculation | None = None,
    stack: str | None = None,
) -> int:
    """Most sequences one replica of ``layout`` holds at once (and the serving ``stack`` runs at once,
    see :data:`STACK_MAX_SEQUENCES`)."""
    memory = layout.chips * system.memory_gb.value * 1e9 * MEMORY_USABLE / system.chips
    free = memory - _resident_bytes(model, precision, speculation)
    # Paged KV caches hold what each sequence has so far: on average its prompt and half its output.
    held = int(free // (_kv_bytes_per_token(model, precision, speculation) * shape.decode_context))
    return min(held, STACK_MAX_SEQUENCES.get(stack or "", held))


def max_batch(system: System, model: ModelSpec, precision: Precision, shape: Shape) -> int:
    """Most sequences the smallest replica holds at once: the KV caches that fit beside the weights."""
    return largest_batch(system, model, precision, shape, layouts(system, model, precision, shape)[0])
