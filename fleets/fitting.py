"""Calibration of the roofline estimator (:mod:`fleets.roofline`) on measured points.

Each group of systems gets its own :class:`~fleets.roofline.Efficiency`: per hardware category,
then per vendor inside a category that mixes vendors (TPUs are fitted on TPU runs, not on
Inferentia's), then per serving stack inside a vendor whose runs name more than one, and per
number format (fp16, fp8, fp4) inside a vendor and inside a stack whose runs use more than one.
Each level is pulled weakly towards the level above it, so a group with few runs keeps what they
cannot tell apart at its parent's values. A vendor whose chips have no calibrating run in a category
where others do takes the fit over all, not the other vendors' fit.

>>> calibration = catalog_calibration()
>>> "gpu" in calibration.efficiencies
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import astuple, dataclass
from functools import cache

import numpy as np
import pandas as pd

from fleets.catalog import MeasuredPoint, System, load_catalog, stack_named
from fleets.layouts import Shape, largest_batch, layouts
from fleets.models import ModelSpec, get_model
from fleets.roofline import DEFAULT_EFFICIENCY, Efficiency, calibration_keys, efficiency_for, layout_points

Observation = tuple[System, ModelSpec, MeasuredPoint, str]
"""One published figure: the system, the model, the run and which figure of it (a metric name)."""

_METRICS = ("decode_tokens_per_s", "tokens_per_s_per_user", "ttft_ms")
_MEASURED_AS = {
    "decode_tokens_per_s": "output_tokens_per_s",
    "tokens_per_s_per_user": "tokens_per_s_per_user",
    "ttft_ms": "ttft_ms",
}
_SHARES = ("bandwidth", "compute", "prefill", "kv_bandwidth")
_PRIOR_SPAN = math.log(3.0)
"""A parameter off its parent's value by a factor of 3 weighs like one figure off by 3x."""

# Each fitted parameter: (lower bound, upper bound); efficiencies are fitted as logs, latencies as log(1 + x).
_BOUNDS = {
    "bandwidth": (0.01, 1.0),
    "compute": (0.01, 1.0),
    "prefill": (0.01, 1.0),
    "kv_bandwidth": (0.01, 1.0),
    "layer_us": (0.0, 500.0),
    "sync_us": (0.0, 500.0),
    "link_gb_s": (10.0, 5000.0),
    "hop_ms": (0.0, 10.0),
    "ttft_ms": (0.0, 5000.0),
}


@dataclass(frozen=True)
class Calibration:
    """Efficiencies fitted to measured points, and how well they reproduce them.

    Attributes
    ----------
    efficiencies
        Per calibration group (see :func:`fleets.roofline.calibration_keys`), and ``"all"``.
    points
        One row per measured figure: system, model, precision, concurrency, stack, ``metric``
        (decode_tokens_per_s, tokens_per_s_per_user or ttft_ms), ``measured``, ``estimated``,
        ``error`` (estimated / measured - 1), ``category``, ``calibrated_on`` (whether the fit
        used it, see :func:`calibrates`).
    """

    efficiencies: dict[str, Efficiency]
    points: pd.DataFrame

    def error_by_category(self) -> pd.DataFrame:
        """Geometric-mean absolute error of the estimates per category (0.1: off by 10% typically),
        over the figures the calibration was fitted on."""
        used = self.points[self.points["calibrated_on"]]
        frame = used.assign(log_error=np.abs(np.log1p(used["error"])))
        summary = frame.groupby("category")["log_error"].agg(["mean", "count"])
        return pd.DataFrame({"geometric_mean_error": np.expm1(summary["mean"]), "figures": summary["count"]})


def _observations(systems: list[System]) -> list[Observation]:
    return [
        (system, get_model(point.model), point, metric)
        for system in systems
        for point in system.measured
        for metric in _METRICS
        if getattr(point, metric) is not None and point.precision in system.peak_tflops
    ]


def stack_of(point: MeasuredPoint) -> str | None:
    """The run's serving stack: its ``stack`` if given, else the first stack its source names.

    >>> from fleets import get_system
    >>> sorted({stack_of(p) for p in get_system("dgx-h100").measured} - {None})[:2]
    ['nim', 'tensorrt-llm']
    """
    if point.stack is not None:
        return point.stack
    return stack_named(point.source)


_TENSOR_PARALLEL = re.compile(r"\bTP(\d+)\b")


def layout_of(point: MeasuredPoint) -> int | None:
    """Chips per replica of the run: its ``chips_per_replica`` if given, else the tensor-parallel
    degree its source names ("... on H100 TP2"), else unknown.

    >>> from fleets import get_system
    >>> sorted({layout_of(p) for p in get_system("dgx-h100").measured} - {None})
    [1, 2, 8]
    """
    if point.chips_per_replica is not None:
        return point.chips_per_replica
    found = _TENSOR_PARALLEL.search(point.source)
    return int(found.group(1)) if found else None


def predict_point(system: System, model: ModelSpec, point: MeasuredPoint, efficiency: Efficiency) -> dict[str, float]:
    """The estimate of every figure ``point`` could have measured, in the layout a tuned
    deployment would use for it.

    The run's layout where published (:func:`layout_of`), else every layout that fits. A
    published concurrency counts requests per unit: spread over the replicas of each layout (a
    replica spanning several units holds more), the layout with the most output wins.
    Without one, a system throughput is an offline run at the largest batch of the layout with
    the most output, while a per-user speed or a time to first token was seen by one stream on
    a lightly loaded service, in the fastest layout.
    """
    shape = Shape(point.input_tokens or Shape.prompt_tokens, point.output_tokens or Shape.output_tokens)
    best: dict[str, float] | None = None
    candidates = layouts(system, model, point.precision, shape)
    published = [layout for layout in candidates if layout.chips == layout_of(point)]
    for layout in published or candidates:
        largest = largest_batch(system, model, point.precision, shape, layout, stack=stack_of(point))
        replicas = layout.replicas_per_unit(system.chips)
        if point.concurrency:
            batch = min(float(largest), round(point.concurrency / replicas))
        else:
            batch = float(largest) if point.decode_tokens_per_s is not None else 1.0
        if batch < 1 or largest < 1:
            continue
        columns = layout_points(system, model, point.precision, shape, layout, np.array([batch]), efficiency)
        row = {name: float(values[0]) for name, values in columns.items()}
        rank = (
            "output_tokens_per_s"
            if point.concurrency or point.decode_tokens_per_s is not None
            else "tokens_per_s_per_user"
        )
        if best is None or row[rank] > best[rank]:
            best = row
    if best is None:
        raise ValueError(f"{model.name} does not fit {system.name} as run in {point.source!r}")
    return best


def _predict(system: System, model: ModelSpec, point: MeasuredPoint, metric: str, efficiency: Efficiency) -> float:
    """The estimate of what ``point`` measured as ``metric`` (a benchmark's output rate includes prefill time)."""
    return predict_point(system, model, point, efficiency)[_MEASURED_AS[metric]]


def calibrates(point: MeasuredPoint, metric: str) -> bool:
    """Whether a measured figure is used to fit the efficiencies.

    Throughput and time to first token depend strongly on the prompt length (KV memory, prefill
    time), so only runs that publish it calibrate them; guessing it would fit the guess. A single
    stream's speed hardly depends on it, so it calibrates either way. Every figure is reported.
    """
    single_stream = metric == "tokens_per_s_per_user" and (point.concurrency or 1) == 1
    return point.input_tokens is not None or single_stream


def _vector(e: Efficiency) -> list[float]:
    return [math.log(v) if name in _SHARES else math.log1p(v) for name, v in zip(_BOUNDS, astuple(e), strict=True)]


def _efficiency(x) -> Efficiency:
    values = [math.exp(v) if name in _SHARES else math.expm1(v) for name, v in zip(_BOUNDS, x, strict=True)]
    return Efficiency(*values)


def fit_group(group: list[Observation], prior: Efficiency = DEFAULT_EFFICIENCY) -> Efficiency:
    """Least squares on log(estimated / measured) over ``group``, with a weak pull towards ``prior``."""
    from scipy.optimize import least_squares  # 0.5 s to import: only when fitting

    if not group:
        return prior
    centre = np.array(_vector(prior))
    points = {id(p): p for _, _, p, _ in group}
    owner = {id(p): (s, m) for s, m, p, _ in group}

    def residuals(x) -> np.ndarray:
        efficiency = _efficiency(x)
        predicted = {key: predict_point(*owner[key], point, efficiency) for key, point in points.items()}
        misfit = [math.log(predicted[id(p)][_MEASURED_AS[metric]] / getattr(p, metric)) for _, _, p, metric in group]
        return np.concatenate([misfit, (x - centre) / _PRIOR_SPAN])

    low = [math.log(a) if n in _SHARES else math.log1p(a) for n, (a, _) in _BOUNDS.items()]
    high = [math.log(b) if n in _SHARES else math.log1p(b) for n, (_, b) in _BOUNDS.items()]
    start = np.clip(centre, np.array(low) + 1e-9, np.array(high) - 1e-9)
    return _efficiency(least_squares(residuals, start, bounds=(low, high), x_scale=1.0).x)


def _split(group: list[Observation], key: Callable[[Observation], str | None]) -> dict[str, list[Observation]]:
    # Only a group whose runs differ by the key (two vendors, two stacks or a named and an unnamed one) is split.
    parts: dict[str | None, list[Observation]] = {}
    for o in group:
        parts.setdefault(key(o), []).append(o)
    if len(parts) < 2:
        return {}
    return {k: v for k, v in parts.items() if k is not None}


def calibrate(systems: list[System]) -> Calibration:
    """Fit efficiencies and latencies per calibration group to the systems' measured points.

    Each of the figures :func:`calibrates` accepts counts once, with both efficiencies in
    [0.01, 1] and the latencies within :data:`_BOUNDS`. Groups without such figures use their
    parent's fit (the fit over all for a category without any).
    """
    observations = _observations(systems)
    fitted = [o for o in observations if calibrates(o[2], o[3])]
    overall = fit_group(fitted)
    efficiencies = {"all": overall}
    for category in sorted({s.category for s in systems}):
        in_category = [o for o in fitted if o[0].category == category]
        if not in_category:
            continue
        efficiencies[category] = fit_group(in_category)
        for vendor, by_vendor in _split(in_category, lambda o: o[0].vendor.lower()).items():
            efficiencies[f"{category}/{vendor}"] = fit_group(by_vendor, efficiencies[category])
        vendors = {o[0].vendor.lower() for o in in_category}
        # Another vendor's chips in the same category (TPUs beside Inferentia) are not fitted on
        # these runs: without runs of their own they take the fit over all.
        for vendor in sorted({s.vendor.lower() for s in systems if s.category == category} - vendors):
            efficiencies[f"{category}/{vendor}"] = overall
        for vendor in sorted(vendors):
            parent_key = f"{category}/{vendor}" if f"{category}/{vendor}" in efficiencies else category
            by_vendor = [o for o in in_category if o[0].vendor.lower() == vendor]
            # Each number format runs its own kernels (FP8 and NVFP4 matrix products are different
            # tensor-core instructions and code), which reach different shares of their peaks.
            for precision, by_precision in _split(by_vendor, lambda o: o[2].precision).items():
                efficiencies[f"{category}/{vendor}@{precision}"] = fit_group(by_precision, efficiencies[parent_key])
            for stack, by_stack in _split(by_vendor, lambda o: stack_of(o[2])).items():
                stack_key = f"{category}/{vendor}/{stack}"
                efficiencies[stack_key] = fit_group(by_stack, efficiencies[parent_key])
                for precision, in_format in _split(by_stack, lambda o: o[2].precision).items():
                    efficiencies[f"{stack_key}@{precision}"] = fit_group(in_format, efficiencies[stack_key])
    rows = []
    for system, model, point, metric in observations:
        efficiency = efficiency_for(system, stack_of(point), efficiencies, point.precision)
        estimated = _predict(system, model, point, metric, efficiency)
        measured = getattr(point, metric)
        rows.append(
            {
                "system": system.name,
                "category": system.category,
                "group": next(
                    k for k in calibration_keys(system, stack_of(point), point.precision) if k in efficiencies
                ),
                "model": model.name,
                "precision": point.precision,
                "concurrency": point.concurrency,
                "stack": stack_of(point),
                "metric": metric,
                "measured": measured,
                "estimated": estimated,
                "error": estimated / measured - 1.0,
                "calibrated_on": calibrates(point, metric),
            }
        )
    return Calibration(efficiencies, pd.DataFrame(rows))


@cache
def catalog_calibration() -> Calibration:
    """The calibration on the whole shipped catalog, fitted now (once per process); estimates use
    the same figures shipped as data (:mod:`fleets.calibration`)."""
    return calibrate(list(load_catalog().values()))
