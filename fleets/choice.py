"""Choosing the operating point for a latency target from a table's columns, on plain arrays.

A scenario asks for a point per fleet, workload and phase; pandas' filtering costs milliseconds on
these tables of a few dozen rows, numpy's a few microseconds. :func:`fleets.points.best_point`
and :meth:`fleets.points.PointTable.best` both choose with :func:`choose`.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from fleets.curves import interpolate, pareto_front

Columns = dict[str, np.ndarray]
"""Some of an operating-point table's rows: columns as arrays of equal length."""

BasisChoice = Literal["auto", "measured", "estimated"]
"""Which points may answer: curve first then estimator (auto), the curve only, the estimator only."""

_NEEDED = ("prefill_tokens_per_s", "decode_tokens_per_s", "tokens_per_s_per_user", "ttft_ms")
"""The figures a candidate point must have."""

_LINEAR = ("concurrency", "tokens_per_s_per_user", "output_tokens_per_s", "ttft_ms")
"""The figures carried linearly along a curve between two published runs."""


def point_along(curve: Columns | pd.DataFrame, xs: np.ndarray, at: float) -> dict:
    """The figures of the point at ``at`` on the line through the runs of ``curve`` placed at ``xs``.

    The prefill time per output token is interpolated too, and prefill and decode throughput
    follow from it and the interpolated output rate, so that they add up to that rate as a
    published run's do (:mod:`fleets.points`).
    """
    row = {name: interpolate(xs, np.asarray(curve[name], dtype=float), at) for name in _LINEAR}
    output_rate, prefill_rate = (
        np.asarray(curve[name], dtype=float) for name in ("output_tokens_per_s", "prefill_tokens_per_s")
    )
    prefill_s_per_output = 1.0 / output_rate - 1.0 / np.asarray(curve["decode_tokens_per_s"], dtype=float)
    per_output = interpolate(xs, prefill_s_per_output, at)
    prompt_per_output = interpolate(xs, prefill_s_per_output * prefill_rate, at)  # the request's input:output ratio
    row["prefill_tokens_per_s"] = prompt_per_output / per_output
    row["decode_tokens_per_s"] = 1.0 / (1.0 / row["output_tokens_per_s"] - per_output)
    return row


def choose(
    measured: Columns, estimated: Columns, min_speed: float, max_ttft: float, basis: BasisChoice, require_ttft: bool
) -> tuple[Columns, int | dict] | None:
    """The point :func:`fleets.points.best_point` chooses from a table's ``measured`` and
    ``estimated`` rows: ``(part, row)``, the row's position in that part or the figures of a point
    interpolated on the measured rows' curve; None when no point meets the target."""
    if basis != "estimated":
        if len(measured["basis"]):
            front = pareto_front(
                measured["tokens_per_s_per_user"].astype(float), measured["decode_tokens_per_s"].astype(float)
            )
            curve = {name: values[front] for name, values in measured.items()}
            interpolated = _interpolated_rows(curve, min_speed, max_ttft)
            figures = {
                name: np.concatenate([curve[name].astype(float), [row[name] for row in interpolated]])
                for name in _NEEDED
            }
            found = _best(figures, min_speed, max_ttft, require_ttft)
            if found is not None:
                return measured, int(front[found]) if found < len(front) else interpolated[found - len(front)]
            if basis == "measured":
                return None
        elif basis == "measured":
            return None
    found = _best({name: estimated[name].astype(float) for name in _NEEDED}, min_speed, max_ttft, require_ttft)
    return None if found is None else (estimated, found)


def _best(figures: Columns, min_speed: float, max_ttft: float, require_ttft: bool) -> int | None:
    """Position of the point with the most decode throughput among those meeting the target."""
    prefill, decode, speed, ttft = (figures[name] for name in _NEEDED)
    ttft_ok = ttft <= max_ttft
    if not require_ttft and math.isinf(max_ttft):
        ttft_ok |= np.isnan(ttft)
    meeting = np.flatnonzero(~(np.isnan(prefill) | np.isnan(decode)) & (speed >= min_speed) & ttft_ok)
    if not len(meeting):
        return None
    return int(meeting[decode[meeting].argmax()])


def _interpolated_rows(front: Columns, min_speed: float, max_ttft: float) -> list[dict]:
    """The points on the curve's front (by rising speed) at the per-user speed target and where its
    time to first token crosses the target, where those fall between two published runs."""
    speeds = front["tokens_per_s_per_user"].astype(float)
    targets = [min_speed] if speeds[0] < min_speed < speeds[-1] and min_speed not in speeds else []
    ttft = front["ttft_ms"].astype(float)
    for k in range(len(speeds) - 1):
        a, b = ttft[k], ttft[k + 1]
        if not (np.isnan(a) or np.isnan(b)) and min(a, b) < max_ttft < max(a, b):
            targets.append(speeds[k] + (max_ttft - a) / (b - a) * (speeds[k + 1] - speeds[k]))
    return [_interpolated(front, speeds, at) for at in targets]


def _interpolated(front: Columns, speeds: np.ndarray, at: float) -> dict:
    upper = int(np.searchsorted(speeds, at))
    slower, faster = upper - 1, upper
    row = point_along(front, speeds, at)
    stacks = {s for s in (front["stack"][slower], front["stack"][faster]) if isinstance(s, str)}
    return {
        **row,
        "origin": "measured",
        "basis": "interpolated",
        "precision": front["precision"][slower],
        "stack": " / ".join(sorted(stacks)) or None,
        "units_per_replica": np.nan,
        "source": f"interpolated between {front['tokens_per_s_per_user'][slower]:.4g} tokens/s per user "
        f"({front['source'][slower]}) and {front['tokens_per_s_per_user'][faster]:.4g} ({front['source'][faster]})",
    }
