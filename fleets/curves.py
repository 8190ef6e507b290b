"""Measured throughput-interactivity curves: published runs of one system on one model at several loads.

A curve is a CSV file ``fleets/curves/<system>/<model>.csv``, one row per published run of one
catalog unit: its precision, serving stack, concurrency, request shape (input and output tokens),
system output tokens/s per unit, per-user output tokens/s and time to first token, with the
publication, date, address and confidence of each row. The catalog's own measured runs that
publish all of these (see :class:`fleets.catalog.MeasuredPoint`) belong to the curve too.

Along a curve, batching trades per-user speed for system throughput. Only the Pareto front is
kept (no kept run is both slower per user and lower in throughput than another), and between two
runs on the front the figures are interpolated linearly in per-user speed (:func:`interpolate`).

>>> points = curve_points("mi300x-8", "llama-3.1-405b")
>>> sorted(points["concurrency"].astype(int))
[1, 2, 8, 64, 256]
"""

from __future__ import annotations

import csv
from functools import cache, lru_cache
from importlib import resources
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from fleets.catalog import Confidence, System, load_catalog, stack_named
from fleets.models import Precision, load_models

Basis = Literal["measured", "interpolated", "estimated"]
"""How an operating point was obtained: a published run, a point on the line between two published
runs of one curve, or the roofline estimator."""

COLUMNS = [
    "precision",
    "stack",
    "concurrency",
    "input_tokens",
    "output_tokens",
    "tokens_per_s",
    "tokens_per_s_per_user",
    "ttft_ms",
    "confidence",
    "source",
]
"""Columns of :func:`curve_points`; throughputs are per catalog unit."""


class CurveRow(BaseModel):
    """One published run of one catalog unit on one model, as a row of a curve file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    precision: Precision = Field(description="Weight precision of the run: fp16 (or bf16), fp8 (or int8), fp4.")
    stack: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2)] = Field(
        description="Serving software of the run, e.g. 'vLLM 0.6', 'TensorRT-LLM', 'NIM 1.8'."
    )
    concurrency: float = Field(gt=0, description="Requests in flight per unit (a batch, or a client's concurrency).")
    input_tokens: int = Field(gt=0, description="Prompt tokens per request in the run.")
    output_tokens: int = Field(gt=0, description="Output tokens per request in the run.")
    tokens_per_s: float = Field(gt=0, description="System output tokens per second of one catalog unit.")
    tokens_per_s_per_user: float = Field(gt=0, description="Output tokens per second of one request's stream.")
    ttft_ms: float | None = Field(
        default=None, gt=0, description="Mean time to first token in milliseconds; empty where not published."
    )
    confidence: Confidence = Field(
        description="measured (independent or audited), vendor (vendor's own run) or estimate."
    )
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)] = Field(
        description="Publication the run comes from."
    )
    date: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}(-\d{2})?$")] = Field(
        description="Publication date, YYYY-MM or YYYY-MM-DD."
    )
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] = Field(description="Address of the publication.")
    note: str = Field(default="", description="How the row was read or converted to one unit.")


class CurveFileError(ValueError):
    """A curve file that does not validate; the message names every problem with file, line and field."""


def curve_files() -> list[tuple[str, str, str]]:
    """Every shipped curve as ``(system, model, CSV text)``, sorted by system then model."""
    root = resources.files("fleets").joinpath("curves")
    found: list[tuple[str, str, str]] = []
    for folder in sorted(root.iterdir(), key=lambda p: p.name):
        if not folder.is_dir():
            continue
        found.extend(
            (folder.name, entry.name.removesuffix(".csv"), entry.read_text(encoding="utf-8"))
            for entry in sorted(folder.iterdir(), key=lambda p: p.name)
            if entry.name.endswith(".csv")
        )
    return found


def parse_curve(system: str, model: str, text: str, *, systems: set[str], models: set[str]) -> list[CurveRow]:
    """The rows of one curve file, checked; every problem is reported at once.

    Raises
    ------
    CurveFileError
        Naming ``fleets/curves/<system>/<model>.csv``, the line and field of each problem.
    """
    where = f"fleets/curves/{system}/{model}.csv"
    problems = []
    if system not in systems:
        problems.append(f"{where}: no catalog system {system!r} (the folder must be named after one)")
    if model not in models:
        problems.append(f"{where}: no reference model {model!r} (the file must be named after one)")
    rows = []
    for line, record in enumerate(csv.DictReader(text.splitlines()), start=2):
        values = {key: value for key, value in record.items() if value not in ("", None)}
        try:
            rows.append(CurveRow.model_validate(values))
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(part) for part in error["loc"]) or "row"
                problems.append(f"{where}, line {line}, {field}: {error['msg']} (value {error.get('input')!r})")
    if not rows and not problems:
        problems.append(f"{where}: no rows")
    if problems:
        raise CurveFileError("; ".join(problems))
    return rows


@cache
def load_curves() -> dict[tuple[str, str], tuple[CurveRow, ...]]:
    """Every shipped curve, validated, keyed by ``(system, model)``."""
    systems, models = set(load_catalog()), set(load_models())
    return {
        (system, model): tuple(parse_curve(system, model, text, systems=systems, models=models))
        for system, model, text in curve_files()
    }


def _catalog_rows(system: System, model: str) -> list[dict]:
    """The catalog's measured runs of ``model`` that publish a whole curve point."""
    return [
        {
            "precision": point.precision,
            "stack": None,  # catalog runs name their stack in the source
            "concurrency": float(point.concurrency),
            "input_tokens": point.input_tokens,
            "output_tokens": point.output_tokens,
            "tokens_per_s": point.decode_tokens_per_s,
            "tokens_per_s_per_user": point.tokens_per_s_per_user,
            "ttft_ms": point.ttft_ms,
            "confidence": point.confidence,
            "source": point.source,
        }
        for point in system.measured
        if point.model == model
        and point.concurrency is not None
        and point.input_tokens is not None
        and point.output_tokens is not None
        and point.decode_tokens_per_s is not None
        and point.tokens_per_s_per_user is not None
    ]


def curve_points(system: str, model: str) -> pd.DataFrame:
    """Every published curve point of one unit of ``system`` on ``model``: the curve file's rows and
    the catalog's complete measured runs, with the columns :data:`COLUMNS` (empty if none)."""
    return _curve_points(system, model).copy()


@lru_cache(maxsize=256)
def _curve_points(system: str, model: str) -> pd.DataFrame:
    frame = pd.DataFrame(_curve_rows(system, model), columns=COLUMNS)
    return frame.astype({"ttft_ms": float, "concurrency": float})


@cache
def _curve_rows(system: str, model: str) -> tuple[dict, ...]:
    # Cached: the operating points of one system and model are asked for at every request shape.
    rows = [row.model_dump(include=set(COLUMNS)) for row in load_curves().get((system, model), ())]
    return tuple(rows + _catalog_rows(load_catalog()[system], model))


def run_stack(stack: str | None, source: str) -> str | None:
    """The serving stack of a curve row's run as a fleet names it (:data:`fleets.catalog.ServingStack`):
    the stack its ``stack`` column names (:func:`fleets.catalog.stack_named`, so "Dynamo +
    TensorRT-LLM, disaggregated (InferenceX)" is tensorrt-llm), else that column's first word in
    lower case ("ATOM (InferenceX)" is atom); for a catalog run, which has no stack column, the one
    its source names.

    >>> run_stack("vLLM (ROCm)", ""), run_stack("ATOM (InferenceX)", ""), run_stack(None, "NVIDIA NIM 1.8")
    ('vllm', 'atom', 'nim')
    """
    if stack is None:
        return stack_named(source)
    return stack_named(stack) or stack.split()[0].lower()


@lru_cache(maxsize=256)
def curve_columns(system: str, model: str) -> dict[str, np.ndarray]:
    """:func:`curve_points` as read-only arrays, one per column, made once per system and model in
    a process (choosing operating points reads them for every request shape)."""
    # Made from the rows, not from the frame: a solve then builds no frame for a curve.
    rows = _curve_rows(system, model)
    columns = {name: np.array([row[name] for row in rows], dtype=_KINDS.get(name, object)) for name in COLUMNS}
    for values in columns.values():
        values.flags.writeable = False
    return columns


_KINDS = {
    "concurrency": float,
    "input_tokens": np.int64,
    "output_tokens": np.int64,
    "tokens_per_s": float,
    "tokens_per_s_per_user": float,
    "ttft_ms": float,  # None (not published) becomes NaN
}
"""The number columns of :func:`curve_columns` and their types; the others hold text (or None)."""


def pareto_front(speed: np.ndarray, throughput: np.ndarray) -> np.ndarray:
    """Indices of the points on the front of per-user speed against system throughput, by rising speed.

    A point is kept when every faster point has less throughput (among equal speeds, the one with
    the most throughput). Along the kept points speed rises and throughput falls.

    >>> pareto_front(np.array([10.0, 20.0, 15.0, 30.0]), np.array([900.0, 600.0, 500.0, 300.0])).tolist()
    [0, 1, 3]
    """
    order = np.lexsort((-throughput, -speed))  # fastest first; among equal speeds, most throughput first
    kept, best = [], -np.inf
    for index in order:
        if throughput[index] > best:
            kept.append(index)
            best = throughput[index]
    return np.array(kept[::-1], dtype=int)


def interpolate(speeds: np.ndarray, values: np.ndarray, at: float) -> float:
    """``values`` on the straight line between the two front points whose speeds bracket ``at``.

    ``speeds`` rise; ``at`` must lie within them (a curve is never extrapolated).

    >>> interpolate(np.array([10.0, 30.0]), np.array([1000.0, 600.0]), 20.0)
    800.0
    """
    if not speeds[0] <= at <= speeds[-1]:
        raise ValueError(f"{at} lies outside the curve's speeds {speeds[0]}-{speeds[-1]}")
    return float(np.interp(at, speeds, values))
