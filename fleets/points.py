"""Operating points of a system on a model: measured curves first, the roofline estimator elsewhere.

A point's ``basis`` says how it was obtained: ``measured`` (a published run, from the system's
curve for the model, :mod:`fleets.curves`), ``interpolated`` (on the straight line between two
published runs on the curve's Pareto front, at the request's per-user speed or time-to-first-token
target) or ``estimated`` (the roofline estimator, :mod:`fleets.roofline`). The curve is used
first; the estimator only where no curve covers the request's shape and precision, or no point of
the curve meets the target.

>>> from fleets.points import operating_points, best_point
>>> table = operating_points("dgx-h100", "llama-3.1-70b")
>>> point = best_point(table, min_tokens_per_s_per_user=20, max_ttft_ms=1000)
>>> bool(point["tokens_per_s_per_user"] >= 20), str(point["basis"])
(True, 'estimated')
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from fleets.catalog import System, get_system
from fleets.curves import curve_points, interpolate, pareto_front
from fleets.models import ModelSpec, Precision, get_model
from fleets.roofline import Shape, estimate, serving_precision

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

BasisChoice = Literal["auto", "measured", "estimated"]
"""Which points may answer: curve first then estimator (auto), the curve only, the estimator only."""


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
) -> pd.DataFrame:
    """The operating points of one unit of ``system`` serving ``model`` at ``precision`` (default
    :func:`default_precision`) for requests of ``prompt_tokens`` in and ``output_tokens`` out.

    Rows with ``basis`` ``measured`` are the published runs of the system's curve at that
    precision whose request shape is within :data:`SHAPE_TOLERANCE` of the request's; rows with
    ``basis`` ``estimated`` are roofline estimates at each concurrency. :func:`best_point` adds
    interpolated points between measured ones.

    Raises
    ------
    fleets.roofline.DoesNotFitError
        If the model cannot be served on the system at that precision.
    """
    return _points(system, model, precision, float(prompt_tokens), float(output_tokens)).copy()


@lru_cache(maxsize=512)
def _points(
    system_name: str, model_name: str, precision: Precision | None, prompt: float, output: float
) -> pd.DataFrame:
    # Cached: a scenario asks for the same table for every workload of one model and shape.
    system, spec = get_system(system_name), get_model(model_name)
    precision = precision or default_precision(system, spec)
    estimated = estimate(system, spec, precision=precision, shape=Shape(prompt, output)).assign(
        origin="roofline",
        basis="estimated",
        precision=precision,
        source=f"roofline estimate calibrated on the catalog's measured {system.category} points",
    )
    curve = curve_points(system_name, model_name)
    covers = (
        (curve["precision"] == precision)
        & _within(curve["input_tokens"], prompt)
        & _within(curve["output_tokens"], output)
    )
    curve = curve[covers]
    prefill, decode = _split(
        curve["tokens_per_s"].to_numpy(dtype=float),
        curve["input_tokens"].to_numpy(dtype=float),
        curve["output_tokens"].to_numpy(dtype=float),
        float(estimated["prefill_tokens_per_s"].iloc[0]),
    )
    measured = curve.assign(
        origin="measured",
        basis="measured",
        prefill_tokens_per_s=prefill,
        decode_tokens_per_s=decode,
        output_tokens_per_s=curve["tokens_per_s"],
        source=curve["source"] + " (" + curve["confidence"] + ")",
    )
    frames = [frame.reindex(columns=COLUMNS) for frame in (measured, estimated) if len(frame)]
    return pd.concat(frames, ignore_index=True).astype({"concurrency": float})


def _within(tokens: pd.Series, wanted: float) -> pd.Series:
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


_NEEDED = ("prefill_tokens_per_s", "decode_tokens_per_s", "tokens_per_s_per_user", "ttft_ms")
"""The figures a candidate point must have."""

_LINEAR = ("concurrency", "tokens_per_s_per_user", "output_tokens_per_s", "ttft_ms")
"""The figures carried linearly along a curve between two published runs."""


def _along(curve: pd.DataFrame, xs: np.ndarray, at: float) -> dict:
    """The figures of the point at ``at`` on the line through the runs of ``curve`` placed at ``xs``.

    The prefill time per output token is interpolated too, and prefill and decode throughput
    follow from it and the interpolated output rate, so that they add up to that rate as in
    :func:`_split`.
    """
    row = {name: interpolate(xs, curve[name].to_numpy(dtype=float), at) for name in _LINEAR}
    output_rate, prefill_rate = (
        curve[name].to_numpy(dtype=float) for name in ("output_tokens_per_s", "prefill_tokens_per_s")
    )
    prefill_s_per_output = 1.0 / output_rate - 1.0 / curve["decode_tokens_per_s"].to_numpy(dtype=float)
    per_output = interpolate(xs, prefill_s_per_output, at)
    prompt_per_output = interpolate(xs, prefill_s_per_output * prefill_rate, at)  # the request's input:output ratio
    row["prefill_tokens_per_s"] = prompt_per_output / per_output
    row["decode_tokens_per_s"] = 1.0 / (1.0 / row["output_tokens_per_s"] - per_output)
    return row


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
    the figure) it is no candidate at all. Returns ``None`` when no point meets the target.
    """
    if basis != "estimated":
        curve = points[points["basis"] == "measured"]
        if len(curve):
            found = _best(
                _with_interpolated(curve, min_tokens_per_s_per_user, max_ttft_ms),
                min_tokens_per_s_per_user,
                max_ttft_ms,
                require_ttft,
            )
            if found is not None or basis == "measured":
                return found
        elif basis == "measured":
            return None
    return _best(points[points["basis"] == "estimated"], min_tokens_per_s_per_user, max_ttft_ms, require_ttft)


def _best(points: pd.DataFrame, min_speed: float, max_ttft: float, require_ttft: bool) -> pd.Series | None:
    # On plain arrays: a scenario asks for a point per fleet, workload and phase, and pandas'
    # filtering costs milliseconds on these tables of a few dozen rows.
    prefill, decode, speed, ttft = (points[name].to_numpy(dtype=float) for name in _NEEDED)
    ttft_ok = ttft <= max_ttft
    if not require_ttft and math.isinf(max_ttft):
        ttft_ok |= np.isnan(ttft)
    meeting = np.flatnonzero(~(np.isnan(prefill) | np.isnan(decode)) & (speed >= min_speed) & ttft_ok)
    if not len(meeting):
        return None
    return points.iloc[meeting[decode[meeting].argmax()]]


def _with_interpolated(curve: pd.DataFrame, min_speed: float, max_ttft: float) -> pd.DataFrame:
    """The curve's front points, plus the points on it at the per-user speed target and where its
    time to first token crosses the target, where those fall between two published runs."""
    front = curve.iloc[
        pareto_front(curve["tokens_per_s_per_user"].to_numpy(float), curve["decode_tokens_per_s"].to_numpy(float))
    ]
    speeds = front["tokens_per_s_per_user"].to_numpy(dtype=float)
    targets = [min_speed] if speeds[0] < min_speed < speeds[-1] and min_speed not in speeds else []
    ttft = front["ttft_ms"].to_numpy(dtype=float)
    for k in range(len(front) - 1):
        a, b = ttft[k], ttft[k + 1]
        if not (np.isnan(a) or np.isnan(b)) and min(a, b) < max_ttft < max(a, b):
            targets.append(speeds[k] + (max_ttft - a) / (b - a) * (speeds[k + 1] - speeds[k]))
    rows = [_interpolated(front, speeds, at) for at in targets]
    return pd.concat([front, pd.DataFrame(rows, columns=COLUMNS)], ignore_index=True) if rows else front


def _interpolated(front: pd.DataFrame, speeds: np.ndarray, at: float) -> dict:
    upper = int(np.searchsorted(speeds, at))
    slower, faster = front.iloc[upper - 1], front.iloc[upper]
    row = _along(front, speeds, at)
    stacks = {s for s in (slower["stack"], faster["stack"]) if isinstance(s, str)}
    return {
        **row,
        "origin": "measured",
        "basis": "interpolated",
        "precision": slower["precision"],
        "stack": " / ".join(sorted(stacks)) or None,
        "units_per_replica": np.nan,
        "source": f"interpolated between {slower['tokens_per_s_per_user']:.4g} tokens/s per user "
        f"({slower['source']}) and {faster['tokens_per_s_per_user']:.4g} ({faster['source']})",
    }


def point_at_batch(
    system: str,
    model: str,
    batch: int,
    precision: Precision | None = None,
    *,
    prompt_tokens: float = Shape.prompt_tokens,
    output_tokens: float = Shape.output_tokens,
    basis: BasisChoice = "auto",
) -> pd.Series | None:
    """The operating point at ``batch`` requests in flight per unit: a published run at that
    concurrency, else interpolated between the two published runs around it (linearly in
    concurrency), else (unless ``basis`` is ``measured``) estimated at that batch per replica.
    ``None`` when ``basis`` is ``measured`` and no curve spans the batch."""
    table = operating_points(system, model, precision, prompt_tokens=prompt_tokens, output_tokens=output_tokens)
    curve = table[table["basis"] == "measured"].sort_values("concurrency")
    if basis != "estimated" and len(curve):
        concurrency = curve["concurrency"].to_numpy(dtype=float)
        exact = curve[concurrency == batch]
        if len(exact):
            return exact.loc[exact["decode_tokens_per_s"].idxmax()]
        if concurrency[0] < batch < concurrency[-1]:
            row = _along(curve, concurrency, batch)
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
    rows = estimate(found, spec, precision=chosen, shape=Shape(prompt_tokens, output_tokens), batches=[batch])
    if not len(rows):
        return None
    estimated = rows.iloc[0]
    return pd.Series(
        {
            **estimated.to_dict(),
            "origin": "roofline",
            "basis": "estimated",
            "precision": chosen,
            "stack": None,
            "source": table["source"][table["basis"] == "estimated"].iloc[0],
        }
    ).reindex(COLUMNS)
