"""Operating points estimated from first principles (a roofline model), calibrated on measurements.

A decode step of a model replica at batch ``b`` moves the weights it needs once and each
sequence's KV cache, and computes ``b`` tokens; it takes as long as the slower of the two:

    step(b) = max((weights_read(b) + b * kv_bytes_per_token * context) / (bandwidth * e_bw),
                  b * flops_per_token(context) / (peak_flops * e_flops)) + overhead

so one user sees ``1 / step(b)`` tokens/s and the replica produces ``b / step(b)``. Prefill is
compute-bound. The batch is limited by the memory the weights leave for KV caches, and a replica
spans as many units as its weights need (a 70B model on SRAM-only chips spans many chips). The
``overhead`` is the fixed time of a step (kernel launches, synchronization across chips), which
bounds per-user speed when bandwidth is plentiful. The efficiencies ``e_bw`` and ``e_flops`` and
the overhead are calibrated per hardware category against the catalog's measured points
(:func:`calibrate`), and the calibration error is reported.

A replica serving ``b`` streams spends the share ``rho = b p / (b p + n step)`` of its time on
prefills (``p`` the prefill time of one prompt, ``n`` output tokens per request), so a user sees
``(1 - rho) / step(b)`` tokens/s and a benchmark counts ``b (1 - rho) / step(b)`` output tokens/s.
Time to first token is one prompt's prefill, plus waiting behind the other streams' prefills (an
M/D/1 queue at utilization ``rho``), plus one decode step: a lower bound, without the network and
scheduling delays a client also sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from fleets.catalog import MeasuredPoint, System, load_catalog
from fleets.models import ModelSpec, Precision, get_model

MEMORY_USABLE = 0.9
"""Share of accelerator memory available to weights and KV caches (the rest: activations, runtime)."""

PRECISION_ORDER: tuple[Precision, ...] = ("fp16", "fp8", "fp4")

MAX_REPLICA_UNITS = 64
"""Most units one model replica may span. Beyond it the links between units, which this model
does not describe, would decide the speed; such a deployment is reported as not fitting."""


class DoesNotFitError(ValueError):
    """The model cannot be served as asked (memory, precision): a reported fact, not an estimate."""


@dataclass(frozen=True)
class Efficiency:
    """Fractions of peak a replica achieves (memory bandwidth in decode, FLOP/s in compute) and
    the fixed time of one decode step in milliseconds."""

    bandwidth: float
    compute: float
    step_overhead_ms: float = 0.0


DEFAULT_EFFICIENCY = Efficiency(bandwidth=0.6, compute=0.4, step_overhead_ms=5.0)
"""Used where no measured point can calibrate a category: typical of tuned serving stacks."""


@dataclass(frozen=True)
class Shape:
    """The requests served: prompt and output tokens per request."""

    prompt_tokens: float = 1000.0
    output_tokens: float = 250.0

    @property
    def decode_context(self) -> float:
        """Average context a decode step attends to: the prompt and half the output."""
        return self.prompt_tokens + self.output_tokens / 2.0


def serving_precision(system: System, model: ModelSpec) -> Precision:
    """The precision to serve ``model`` on ``system``: the model's own if the system computes at
    it, else the nearest narrower one it does, else the nearest wider one."""
    available = [p for p in PRECISION_ORDER if p in system.peak_tflops]
    wanted = PRECISION_ORDER.index(model.precision)
    narrower = [p for p in available if PRECISION_ORDER.index(p) >= wanted]
    return narrower[0] if narrower else available[-1]


def replica_units(system: System, model: ModelSpec, precision: Precision, context_tokens: float) -> int:
    """Units one replica spans: enough memory for the weights and one sequence's KV cache."""
    need = model.weight_bytes(precision) + model.kv_cache_bytes_per_token(precision) * context_tokens
    per_unit = system.memory_gb.value * 1e9 * MEMORY_USABLE
    return max(1, math.ceil(need / per_unit))


def max_batch(system: System, model: ModelSpec, precision: Precision, shape: Shape) -> int:
    """Most sequences one replica holds at once: the KV caches that fit beside the weights."""
    units = replica_units(system, model, precision, shape.prompt_tokens + shape.output_tokens)
    free = units * system.memory_gb.value * 1e9 * MEMORY_USABLE - model.weight_bytes(precision)
    return int(free // (model.kv_cache_bytes_per_token(precision) * (shape.prompt_tokens + shape.output_tokens)))


def estimate(
    system: System,
    model: ModelSpec,
    *,
    precision: Precision | None = None,
    shape: Shape = Shape(),
    batches: list[int] | None = None,
    efficiency: Efficiency | None = None,
) -> pd.DataFrame:
    """Estimated operating points of one unit of ``system`` serving ``model``.

    Parameters
    ----------
    precision
        Weight and KV-cache precision; default :func:`serving_precision`.
    shape
        Prompt and output tokens per request.
    batches
        Concurrent sequences per replica to tabulate; default powers of two up to the largest
        batch that fits, and that batch.
    efficiency
        Fractions of peak achieved; default the calibrated ones for the system's category.

    Returns
    -------
    DataFrame
        One row per batch: ``concurrency`` (sequences per replica), ``units_per_replica``,
        ``prefill_tokens_per_s`` and ``decode_tokens_per_s`` (throughput per unit when the unit
        does only that phase, as the planner accounts for them), ``output_tokens_per_s`` (output
        per unit while serving whole requests, as benchmarks report), ``tokens_per_s_per_user``
        and ``ttft_ms``.

    Raises
    ------
    DoesNotFitError
        If the system does not compute at ``precision`` or not even one sequence fits.
    """
    precision = precision or serving_precision(system, model)
    if precision not in system.peak_tflops:
        raise DoesNotFitError(f"{system.name} has no {precision} compute (it offers {', '.join(system.peak_tflops)})")
    units = replica_units(system, model, precision, shape.prompt_tokens + shape.output_tokens)
    if units > MAX_REPLICA_UNITS:
        raise DoesNotFitError(
            f"{model.name} at {precision} needs {units} units of {system.name} per replica, more than the "
            f"{MAX_REPLICA_UNITS} one replica may span"
        )
    largest = max_batch(system, model, precision, shape)
    efficiency = efficiency or calibrated_efficiency(system.category)
    if batches is None:
        batches = sorted({*(2**k for k in range(int(math.log2(largest)) + 1)), largest})
    b = np.array([x for x in batches if 1 <= x <= largest], dtype=float)
    bandwidth = units * system.memory_bandwidth_tb_s.value * 1e12 * efficiency.bandwidth
    flops = units * system.peak_tflops[precision].value * 1e12 * efficiency.compute

    step = _decode_step(model, precision, shape, b, bandwidth, flops) + efficiency.step_overhead_ms / 1000.0
    prefill_s = shape.prompt_tokens * model.flops_per_token(shape.prompt_tokens / 2.0) / flops
    rho = b * prefill_s / (b * prefill_s + shape.output_tokens * step)
    return pd.DataFrame(
        {
            "concurrency": b.astype(int),
            "units_per_replica": units,
            "prefill_tokens_per_s": shape.prompt_tokens / prefill_s / units,
            "decode_tokens_per_s": b / step / units,
            "output_tokens_per_s": b * (1.0 - rho) / step / units,
            "tokens_per_s_per_user": (1.0 - rho) / step,
            "ttft_ms": 1000.0 * (prefill_s * (1.0 + rho / (2.0 * (1.0 - rho))) + step),
        }
    )


def _decode_step(
    model: ModelSpec, precision: Precision, shape: Shape, b: np.ndarray, bandwidth: float, flops: float
) -> np.ndarray:
    context = shape.decode_context
    bytes_moved = (
        np.array([model.weight_bytes_read(x, precision) for x in b])
        + b * model.kv_cache_bytes_per_token(precision) * context
    )
    return np.maximum(bytes_moved / bandwidth, b * model.flops_per_token(context) / flops)


# ------------------------------------------------------------------------------------ calibration
@dataclass(frozen=True)
class Calibration:
    """Efficiencies fitted to measured points, and how well they reproduce them.

    Attributes
    ----------
    efficiencies
        Per hardware category (and ``"all"``, used for categories without measurements).
    points
        One row per measured figure: system, model, precision, concurrency, ``metric``
        (decode_tokens_per_s, tokens_per_s_per_user or ttft_ms), ``measured``, ``estimated``,
        ``error`` (estimated / measured - 1), ``category``, ``calibrated_on`` (whether the fit
        used it, see :func:`_calibrates`).
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


_METRICS = ("decode_tokens_per_s", "tokens_per_s_per_user", "ttft_ms")
_PRIOR_SPAN = math.log(3.0)


def _observations(systems: list[System]) -> list[tuple[System, ModelSpec, MeasuredPoint, str]]:
    return [
        (system, get_model(point.model), point, metric)
        for system in systems
        for point in system.measured
        for metric in _METRICS
        if getattr(point, metric) is not None
    ]


_MEASURED_AS = {
    "decode_tokens_per_s": "output_tokens_per_s",
    "tokens_per_s_per_user": "tokens_per_s_per_user",
    "ttft_ms": "ttft_ms",
}


def _predict(system: System, model: ModelSpec, point: MeasuredPoint, metric: str, efficiency: Efficiency) -> float:
    """The estimate of what ``point`` measured (a benchmark's output rate includes prefill time)."""
    shape = Shape(point.input_tokens or Shape.prompt_tokens, point.output_tokens or Shape.output_tokens)
    largest = max_batch(system, model, point.precision, shape)
    units = replica_units(system, model, point.precision, shape.prompt_tokens + shape.output_tokens)
    # A published concurrency counts requests per unit; a replica spanning several units holds more.
    # Without one, a system throughput is an offline run at the largest batch, while a per-user
    # speed or a time to first token was seen by one stream on a lightly loaded service.
    if point.concurrency:
        batch = min(largest, point.concurrency * units)
    else:
        batch = largest if metric == "decode_tokens_per_s" else 1
    table = estimate(
        system, model, precision=point.precision, shape=shape, batches=[max(batch, 1)], efficiency=efficiency
    )
    return float(table[_MEASURED_AS[metric]].iloc[0])


def _calibrates(point: MeasuredPoint, metric: str) -> bool:
    """Whether a measured figure is used to fit the efficiencies.

    Throughput depends strongly on the prompt length (KV memory, prefill time), so only runs that
    publish it calibrate; guessing it would fit the guess. A single stream's speed hardly depends
    on it, so it calibrates either way. Times to first token are reported but not fitted: the
    published ones are measured from a client and include network and scheduling delays that the
    roofline does not describe, so the estimates are lower bounds. Every figure is reported.
    """
    if metric == "ttft_ms":
        return False
    single_stream = metric == "tokens_per_s_per_user" and (point.concurrency or 1) == 1
    return point.input_tokens is not None or single_stream


def calibrate(systems: list[System]) -> Calibration:
    """Fit efficiencies and step overhead per category to the systems' measured points.

    Least squares on log(estimated / measured) of system tokens/s, per-user tokens/s and time to
    first token (those :func:`_calibrates` accepts), with both efficiencies in [0.01, 1] and the
    overhead in [0, 50] ms, and a weak pull towards :data:`DEFAULT_EFFICIENCY` for what the
    figures leave open. Categories without such figures use the fit over all.
    """
    from scipy.optimize import least_squares  # 0.5 s to import: only when fitting

    observations = [o for o in _observations(systems) if o[2].precision in o[0].peak_tflops]
    fitted = [o for o in observations if _calibrates(o[2], o[3])]

    def fit(group) -> Efficiency:
        if not group:
            return DEFAULT_EFFICIENCY

        def efficiency(x) -> Efficiency:
            return Efficiency(math.exp(x[0]), math.exp(x[1]), x[2])

        d = DEFAULT_EFFICIENCY

        def residuals(x):
            misfit = [
                math.log(_predict(s, m, p, metric, efficiency(x)) / getattr(p, metric)) for s, m, p, metric in group
            ]
            # A weak pull towards the defaults (a factor of 3 weighs like one figure off by 3x)
            # keeps what a category's few figures cannot tell apart at typical values: a single
            # stream's speed alone cannot say whether compute or the step overhead limits it.
            prior = [
                (x[0] - math.log(d.bandwidth)) / _PRIOR_SPAN,
                (x[1] - math.log(d.compute)) / _PRIOR_SPAN,
                math.log((1.0 + x[2]) / (1.0 + d.step_overhead_ms)) / _PRIOR_SPAN,
            ]
            return misfit + prior

        start = [math.log(d.bandwidth), math.log(d.compute), d.step_overhead_ms]
        solution = least_squares(residuals, start, bounds=([math.log(0.01), math.log(0.01), 0.0], [0.0, 0.0, 50.0]))
        return efficiency(solution.x)

    overall = fit(fitted)
    efficiencies = {"all": overall}
    for category in {s.category for s in systems}:
        group = [o for o in fitted if o[0].category == category]
        efficiencies[category] = fit(group) if group else overall
    rows = []
    for system, model, point, metric in observations:
        estimated = _predict(system, model, point, metric, efficiencies[system.category])
        measured = getattr(point, metric)
        rows.append(
            {
                "system": system.name,
                "category": system.category,
                "model": model.name,
                "precision": point.precision,
                "concurrency": point.concurrency,
                "metric": metric,
                "measured": measured,
                "estimated": estimated,
                "error": estimated / measured - 1.0,
                "calibrated_on": _calibrates(point, metric),
            }
        )
    return Calibration(efficiencies, pd.DataFrame(rows))


@cache
def catalog_calibration() -> Calibration:
    """The calibration on the whole shipped catalog, fitted now (once per process); estimates use
    the same figures shipped as data (:mod:`fleets.calibration`)."""
    return calibrate(list(load_catalog().values()))


@cache
def _catalog_efficiencies() -> dict[str, Efficiency]:
    from fleets.calibration import shipped_efficiencies

    # The shipped figures while they match the catalog, else the fit (same figures, 0.6 s slower).
    return shipped_efficiencies() or catalog_calibration().efficiencies


def calibrated_efficiency(category: str) -> Efficiency:
    """The efficiencies calibrated for a hardware category on the shipped catalog."""
    efficiencies = _catalog_efficiencies()
    return efficiencies.get(category, efficiencies["all"])
