"""Operating points of a system on a model: measured curves first, the roofline estimator elsewhere.

A point's ``basis`` says how it was obtained: ``measured`` (a published run, from the system's
curve for the model, :mod:`fleets.curves`), ``interpolated`` (on the straight line between two
published runs on the curve's Pareto front, at the request's per-user speed or time-to-first-token
target) or ``estimated`` (the roofline estimator, :mod:`fleets.roofline`). The curve is used
first; the estimator only where no curve covers the request's shape and precision, or no point of
the curve meets the target. With speculative decoding (:class:`fleets.layouts.Speculation`) every
point is estimated: the curves do not record speculative decoding (their runs count as made
without it), and a curve is never scaled to stand for runs that were not made. With a serving
stack named (:data:`fleets.catalog.ServingStack`) only the curve's runs on that stack are used
(:func:`fleets.curves.run_stack`), and the estimator takes that stack's calibrated efficiency and
its limits (vLLM's 256 sequences at once); with none, every run and the calibration without a stack.

>>> from fleets.points import operating_points, best_point
>>> table = operating_points("dgx-h100", "llama-3.1-70b")
>>> point = best_point(table, min_tokens_per_s_per_user=20, max_ttft_ms=1000)
>>> bool(point["tokens_per_s_per_user"] >= 20), str(point["basis"])
(True, 'estimated')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from fleets.catalog import ServingStack, System, get_system
from fleets.choice import BasisChoice, Columns, choose, point_along
from fleets.curves import curve_columns, run_stack
from fleets.layouts import Speculation
from fleets.models import ModelSpec, Precision, get_model
from fleets.roofline import Shape, calibration_group, estimate, estimate_columns, serving_precision

COLUMNS = [
    "origin",
    "basis",
    "precision",
    "stack",
    "concurrency",
    "units_per_replica",
    "prefill_tokens_per_s",
    "decode_tokens_per_s",
    "output_tokens_per_s",
    "tokens_per_s_per_user",
    "ttft_ms",
    "source",
]
"""Columns of an operating-point table; throughputs are per unit of the system."""

SHAPE_TOLERANCE = 1.5
"""A curve covers a request when its runs' input and output tokens are each within this factor of
the request's (a run at 1,000 tokens in covers requests of 667 to 1,500)."""

MAX_PREFILL_SHARE = 0.9
"""Most of a measured request's time given to its prefill when splitting it (see :func:`_split`)."""


def default_precision(system: System, model: ModelSpec) -> Precision:
    """The system's usual serving precision where the catalog names one it computes at, else
    :func:`fleets.roofline.serving_precision` (the model's own, or the nearest the system computes)."""
    usual = system.usual_precision
    return usual if usual is not None and usual in system.peak_tflops else serving_precision(system, model)


def operating_points(
    system: str,
    model: str,
    precision: Precision | None = None,
    *,
    prompt_tokens: float = Shape.prompt_tokens,
    output_tokens: float = Shape.output_tokens,
    speculation: Speculation | None = None,
    stack: ServingStack | None = None,
) -> pd.DataFrame:
    """The operating points of one unit of ``system`` serving ``model`` at ``precision`` (default
    :func:`default_precision`) for requests of ``prompt_tokens`` in and ``output_tokens`` out,
    with ``speculation`` if given, on the serving ``stack`` if given.

    Rows with ``basis`` ``measured`` are the published runs of the system's curve at that
    precision whose request shape is within :data:`SHAPE_TOLERANCE` of the request's, and whose
    stack is ``stack`` where one is given (none with ``speculation``: no curve records a draft
    model); rows with ``basis``
    ``estimated`` are roofline estimates at each concurrency. :func:`best_point` adds
    interpolated points between measured ones.

    Raises
    ------
    fleets.roofline.DoesNotFitError
        If the model cannot be served on the system at that precision.
    """
    return point_table(
        system,
        model,
        precision,
        prompt_tokens=prompt_tokens,
        output_tokens=output_tokens,
        speculation=speculation,
        stack=stack,
    ).frame()


@dataclass(frozen=True)
class PointTable:
    """An operating-point table as arrays: the curve's published runs and the estimator's points.

    What :func:`operating_points` returns as a frame (:meth:`frame`); :meth:`best` chooses from it
    without one. The arrays are read-only: tables are cached and shared within a process.
    """

    measured: Columns
    estimated: Columns

    def frame(self) -> pd.DataFrame:
        """The table as a new frame: the measured rows, then the estimated ones."""
        parts = [pd.DataFrame(part, columns=COLUMNS) for part in (self.measured, self.estimated) if _rows(part)]
        return pd.concat(parts, ignore_index=True).astype({"concurrency": float})

    def best(
        self,
        min_tokens_per_s_per_user: float,
        max_ttft_ms: float,
        *,
        basis: BasisChoice = "auto",
        require_ttft: bool = True,
    ) -> dict | None:
        """The figures of :func:`best_point`'s choice, a value per column, or None."""
        found = choose(self.measured, self.estimated, min_tokens_per_s_per_user, max_ttft_ms, basis, require_ttft)
        if found is None:
            return None
        part, row = found
        return row if isinstance(row, dict) else {name: part[name][row] for name in COLUMNS}

    def fastest(self) -> float:
        """The most tokens/s per user of any point (points without the figure skipped)."""
        return float(np.fmax.reduce(self._all("tokens_per_s_per_user")))

    def quickest(self) -> float:
        """The shortest time to first token of any point (points without the figure skipped)."""
        return float(np.fmin.reduce(self._all("ttft_ms")))

    def _all(self, name: str) -> np.ndarray:
        return np.concatenate([self.measured[name], self.estimated[name]]).astype(float)


def point_table(
    system: str,
    model: str,
    precision: Precision | None = None,
    *,
    prompt_tokens: float = Shape.prompt_tokens,
    output_tokens: float = Shape.output_tokens,
    speculation: Speculation | None = None,
    stack: ServingStack | None = None,
) -> PointTable:
    """:func:`operating_points` as arrays, made once per system, model, precision, request shape,
    speculation and stack in a process (a scenario asks for the same table for every workload of one
    model and shape).

    Raises
    ------
    fleets.roofline.DoesNotFitError
        If the model cannot be served on the system at that precision.
    """
    return _points(system, model, precision, float(prompt_tokens), float(output_tokens), speculation, stack)


@lru_cache(maxsize=512)
def _points(
    system_name: str,
    model_name: str,
    precision: Precision | None,
    prompt: float,
    output: float,
    speculation: Speculation | None,
    stack: ServingStack | None,
) -> PointTable:
    system, spec = get_system(system_name), get_model(model_name)
    precision = precision or default_precision(system, spec)
    estimated = estimate_columns(
        system, spec, precision=precision, shape=Shape(prompt, output), speculation=speculation, stack=stack
    )
    rows = len(estimated["concurrency"])
    estimated = {
        **estimated,
        "origin": np.full(rows, "roofline", dtype=object),
        "basis": np.full(rows, "estimated", dtype=object),
        "precision": np.full(rows, precision, dtype=object),
        "stack": np.full(rows, np.nan) if stack is None else np.full(rows, stack, dtype=object),
        "source": np.full(rows, _estimate_source(system, speculation, stack, precision), dtype=object),
    }
    curve = curve_columns(system_name, model_name)
    on_stack = np.array(
        [
            stack is None or run_stack(name if isinstance(name, str) else None, source) == stack
            for name, source in zip(curve["stack"], curve["source"], strict=True)
        ],
        dtype=bool,
    )
    # No curve records a draft model: with speculation the curve covers nothing.
    covers = np.flatnonzero(
        (curve["precision"] == precision)
        & _within(curve["input_tokens"], prompt)
        & _within(curve["output_tokens"], output)
        & on_stack
        & (speculation is None)
    )
    curve = {name: values[covers] for name, values in curve.items()}
    output_rate = curve["tokens_per_s"].astype(float)
    prefill, decode = _split(
        output_rate,
        curve["input_tokens"].astype(float),
        curve["output_tokens"].astype(float),
        float(estimated["prefill_tokens_per_s"][0]),
    )
    measured = {
        **curve,
        "origin": np.full(len(covers), "measured", dtype=object),
        "basis": np.full(len(covers), "measured", dtype=object),
        "units_per_replica": np.full(len(covers), np.nan),
        "prefill_tokens_per_s": prefill,
        "decode_tokens_per_s": decode,
        "output_tokens_per_s": curve["tokens_per_s"],
        "source": np.array(
            [
                f"{source} ({confidence})"
                for source, confidence in zip(curve["source"], curve["confidence"], strict=True)
            ],
            dtype=object,
        ),
    }
    return PointTable(_frozen(measured), _frozen(estimated))


def _estimate_source(
    system: System, speculation: Speculation | None, stack: ServingStack | None, precision: Precision
) -> str:
    """What an estimated point is: the roofline, with its speculative decoding if any, and the
    calibration group it took for its serving stack if one is named."""
    calibrated = f"calibrated on the catalog's measured {system.category} points"
    if stack is not None:
        group = calibration_group(system, stack, precision=precision) or "none (the default efficiency)"
        own = "" if f"/{stack}" in group else f", {stack} having no group of its own"
        calibrated = f"for {stack}, calibrated on group {group}{own}"
    if speculation is None:
        return f"roofline estimate {calibrated}"
    return (
        f"roofline estimate with speculative decoding (draft {speculation.draft_model}, "
        f"{speculation.draft_tokens} tokens a step, acceptance rate {speculation.acceptance_rate:g}: "
        f"{speculation.tokens_per_step:.3g} tokens per verification) {calibrated}"
    )


def _frozen(part: Columns) -> Columns:
    """The table's columns, read-only."""
    for values in part.values():
        values.flags.writeable = False
    return {name: part[name] for name in COLUMNS}


def _rows(part: Columns) -> int:
    return len(part["basis"])


def _within(tokens: np.ndarray, wanted: float) -> np.ndarray:
    ratio = tokens.astype(float) / wanted
    return (ratio <= SHAPE_TOLERANCE) & (ratio >= 1.0 / SHAPE_TOLERANCE)


def _split(
    output_rate: np.ndarray, prompt: np.ndarray, output: np.ndarray, prefill_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Prefill and decode tokens/s per unit (each phase alone, as the planner accounts for unit
    time) of runs that served whole requests at ``output_rate`` output tokens/s.

    A run spends ``output / output_rate`` unit-seconds per request. Benchmarks do not say how much
    of that went to the prompt, so the prompt is charged at the estimator's prefill rate (prefill
    is compute-bound and the estimator's best-checked figure), at most :data:`MAX_PREFILL_SHARE`
    of the request's time; decode gets the rest. The two add up to the measured request rate.

    >>> _split(np.array([100.0]), np.array([1000.0]), np.array([100.0]), 2000.0)
    (array([2000.]), array([200.]))
    """
    request_s = output / output_rate
    prefill_s = np.minimum(prompt / prefill_rate, MAX_PREFILL_SHARE * request_s)
    return prompt / prefill_s, output / (request_s - prefill_s)


_NEEDED_TO_CHOOSE = (
    "basis",
    "precision",
    "stack",
    "source",
    "concurrency",
    "tokens_per_s_per_user",
    "output_tokens_per_s",
    "ttft_ms",
    "prefill_tokens_per_s",
    "decode_tokens_per_s",
)
"""The columns a choice reads: the figures, and what an interpolated point names from its runs."""


def best_point(
    points: pd.DataFrame,
    min_tokens_per_s_per_user: float,
    max_ttft_ms: float,
    *,
    basis: BasisChoice = "auto",
    require_ttft: bool = True,
) -> pd.Series | None:
    """The point with the most decode throughput among those meeting the latency target.

    Curve points come first (measured, or interpolated at the target on the curve's Pareto front);
    the estimator's only when no curve point meets the target, or when ``basis`` is
    ``estimated``. ``basis`` ``measured`` never estimates. A point without a published time to
    first token meets no time-to-first-token target; with ``require_ttft`` (the planner needs
    the figure) it is no candidate at all. Returns ``None`` when no point meets the target, the
    row of ``points`` when a row is chosen, and an unnamed row when an interpolated point is.
    """
    kinds = points["basis"].to_numpy()
    positions = {kind: np.flatnonzero(kinds == kind) for kind in ("measured", "estimated")}
    parts = {
        kind: {name: points[name].to_numpy()[rows] for name in _NEEDED_TO_CHOOSE} for kind, rows in positions.items()
    }
    found = choose(parts["measured"], parts["estimated"], min_tokens_per_s_per_user, max_ttft_ms, basis, require_ttft)
    if found is None:
        return None
    part, row = found
    if isinstance(row, dict):
        return pd.Series(row, index=COLUMNS, dtype=object)
    kind = "measured" if part is parts["measured"] else "estimated"
    return points.iloc[positions[kind][row]]


def point_at_batch(
    system: str,
    model: str,
    batch: int,
    precision: Precision | None = None,
    *,
    prompt_tokens: float = Shape.prompt_tokens,
    output_tokens: float = Shape.output_tokens,
    basis: BasisChoice = "auto",
    speculation: Speculation | None = None,
    stack: ServingStack | None = None,
) -> pd.Series | None:
    """The operating point at ``batch`` requests in flight per unit: a published run at that
    concurrency, else interpolated between the two published runs around it (linearly in
    concurrency), else (unless ``basis`` is ``measured``) estimated at that batch per replica.
    ``None`` when ``basis`` is ``measured`` and no curve spans the batch (never one with
    ``speculation``, see :func:`operating_points`)."""
    table = operating_points(
        system,
        model,
        precision,
        prompt_tokens=prompt_tokens,
        output_tokens=output_tokens,
        speculation=speculation,
        stack=stack,
    )
    curve = table[table["basis"] == "measured"].sort_values("concurrency")
    if basis != "estimated" and len(curve):
        concurrency = curve["concurrency"].to_numpy(dtype=float)
        exact = curve[concurrency == batch]
        if len(exact):
            return exact.loc[exact["decode_tokens_per_s"].idxmax()]
        if concurrency[0] < batch < concurrency[-1]:
            row = point_along(curve, concurrency, batch)
            lower = curve.iloc[int(np.searchsorted(concurrency, batch)) - 1]
            upper = curve.iloc[int(np.searchsorted(concurrency, batch))]
            return pd.Series(
                {
                    **row,
                    "origin": "measured",
                    "basis": "interpolated",
                    "precision": lower["precision"],
                    "stack": lower["stack"],
                    "units_per_replica": np.nan,
                    "source": f"interpolated between concurrency {lower['concurrency']:g} ({lower['source']}) "
                    f"and {upper['concurrency']:g} ({upper['source']})",
                }
            ).reindex(COLUMNS)
    if basis == "measured":
        return None
    found, spec = get_system(system), get_model(model)
    chosen = precision or default_precision(found, spec)
    rows = estimate(
        found,
        spec,
        precision=chosen,
        shape=Shape(prompt_tokens, output_tokens),
        batches=[batch],
        speculation=speculation,
        stack=stack,
    )
    if not len(rows):
        return None
    estimated = rows.iloc[0]
    return pd.Series(
        {
            **estimated.to_dict(),
            "origin": "roofline",
            "basis": "estimated",
            "precision": chosen,
            "stack": stack,
            "source": table["source"][table["basis"] == "estimated"].iloc[0],
        }
    ).reindex(COLUMNS)
