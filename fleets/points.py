"""Operating points of a system on a model: measured where published, estimated otherwise.

>>> from fleets.points import operating_points, best_point
>>> table = operating_points("dgx-h100", "llama-3.1-70b")
>>> point = best_point(table, min_tokens_per_s_per_user=20, max_ttft_ms=1000)
>>> bool(point["tokens_per_s_per_user"] >= 20)
True
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from fleets.catalog import get_system
from fleets.models import Precision, get_model
from fleets.roofline import Shape, estimate, serving_precision

COLUMNS = [
    "origin",
    "precision",
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


def operating_points(
    system: str,
    model: str,
    precision: Precision | None = None,
    *,
    prompt_tokens: float = Shape.prompt_tokens,
    output_tokens: float = Shape.output_tokens,
) -> pd.DataFrame:
    """The operating points of one unit of ``system`` serving ``model``.

    Rows with ``origin`` ``measured`` are the catalog's published runs of that model (figures
    that were not published are empty); rows with ``origin`` ``roofline`` are estimates at each
    concurrency, calibrated on all measured points (see :mod:`fleets.roofline`), for requests of
    ``prompt_tokens`` in and ``output_tokens`` out.

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
    system, model = get_system(system_name), get_model(model_name)
    precision = precision or serving_precision(system, model)
    estimated = estimate(system, model, precision=precision, shape=Shape(prompt, output)).assign(
        origin="roofline",
        precision=precision,
        source=f"roofline estimate calibrated on the catalog's measured {system.category} points",
    )
    measured = pd.DataFrame(
        [
            {
                "origin": "measured",
                "precision": point.precision,
                "concurrency": point.concurrency,
                "decode_tokens_per_s": None,
                "output_tokens_per_s": point.decode_tokens_per_s,
                "tokens_per_s_per_user": point.tokens_per_s_per_user,
                "ttft_ms": point.ttft_ms,
                "source": f"{point.source} ({point.confidence})",
            }
            for point in system.measured
            if point.model == model_name
        ],
        columns=[c for c in COLUMNS if c not in ("units_per_replica", "prefill_tokens_per_s")],
    )
    frames = [frame for frame in (measured, estimated) if len(frame)]
    return pd.concat(frames, ignore_index=True).reindex(columns=COLUMNS)


_NEEDED = ("prefill_tokens_per_s", "decode_tokens_per_s", "tokens_per_s_per_user", "ttft_ms")
"""The figures a candidate point must have."""


def best_point(points: pd.DataFrame, min_tokens_per_s_per_user: float, max_ttft_ms: float) -> pd.Series | None:
    """The point with the most decode throughput among those meeting the latency target.

    Only points with every figure the planner needs (prefill and decode throughput, per-user
    speed, time to first token) are candidates. Returns ``None`` when none meets the target.
    """
    # On plain arrays: a scenario asks for a point per fleet, workload and phase, and pandas'
    # filtering costs milliseconds on these tables of a few dozen rows.
    prefill, decode, speed, ttft = (points[name].to_numpy(dtype=float) for name in _NEEDED)
    meeting = np.flatnonzero(
        ~(np.isnan(prefill) | np.isnan(decode)) & (speed >= min_tokens_per_s_per_user) & (ttft <= max_ttft_ms)
    )
    if not len(meeting):
        return None
    return points.iloc[meeting[decode[meeting].argmax()]]
