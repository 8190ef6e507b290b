"""Operating points estimated from first principles (a roofline model), calibrated on measurements.

**Layouts.** A unit of ``C`` chips serves a model with replicas of ``g`` chips each: tensor
parallel inside the unit (``g`` a power of two dividing ``C``, or ``C`` when none holds the
model; ``C / g`` replicas per unit), or, when the weights do not fit in one unit, a pipeline
across the fewest ``u`` units that hold them (``g = u C``). Every layout whose memory holds the weights and one sequence's KV cache is
estimated, and the table keeps the points no other layout beats (most throughput per unit at each
per-user speed): a tuned deployment picks its layout for its latency target.

**Decode.** A step of a replica at batch ``b`` moves the weights it needs once and each sequence's
KV cache, and computes ``b`` tokens; it pays the memory reads and the compute, plus fixed latencies:

    step(b) = weight_bytes(b) / (bandwidth * e_bw) + b * linear_flops / (peak_flops * e_flops)
              + kv_bytes(b) / (bandwidth * e_kv) + b * attention_flops / (peak_flops * e_flops)
              + layers * (layer_us + [g_tp > 1] * sync_us) + (u - 1) * hop_ms
              + tokens * all_reduce_bytes / link_bandwidth

The matrix products and attention are separate kernels run in turn, and each pays its memory
reads and its compute one after the other rather than the slower of the two (a roofline's
``max``): at decode's small batches the weights stream through the chips' caches in tiles that
are multiplied as they arrive, with little of one hiding the other. The measured runs show it:
a replica's time per output token grows with every sequence added from the first, long before
its compute could be the bottleneck (OCI's Llama 3.1 405B on eight MI300X: 27.8 ms at batch 1,
28.0 at 2, 31.0 at 8, 54 at 64, about 0.4 ms a sequence, of which the prompts' prefill explains
a small part), which a ``max`` cannot produce below the batch where compute overtakes memory. Attention computes at the KV cache's precision (8-bit
under 4-bit weights), so at that precision's peak.

``layer_us`` is what every layer costs whatever its size (kernel launches, on-wafer stage
latency), ``sync_us`` the latency of the tensor-parallel all-reduces of one layer, ``hop_ms`` the
link between two units of a pipeline; the all-reduces also move each token's activations
(``8 (g_tp - 1) / g_tp * hidden * layers`` bytes) at an effective ``link_gb_s``. In a pipeline of ``u`` units a token crosses every stage in turn, so
its memory time is that of one unit reading all the weights (``u`` micro-batches keep the stages
busy, so throughput is still ``b / step``). On SRAM-resident designs (wafer-scale, LPU) the
memory term is tiny and the per-layer and per-hop latencies decide per-user speed, which
therefore falls with model depth and replica width.

**Prefill and time to first token.** A prompt of ``P`` tokens costs ``P * flops_per_token`` at
the replica's compute, and its tokens' all-reduces as a decode step's tokens do. A replica serving ``b`` streams spends the share
``rho = b p / (b p + n step)`` of its time on prefills (``p`` one prompt's prefill, ``n`` output
tokens per request), so a user sees ``(1 - rho) / step(b)`` tokens/s and a benchmark counts
``b (1 - rho) / step(b)`` output tokens/s. A new prompt is prefilled in chunks of
:data:`PREFILL_CHUNK_TOKENS` riding on the running batch's decode steps (each step then computes
the batch's tokens and the chunk), after waiting behind the other streams' prefills (an M/D/1
queue at utilization ``rho``); the time to first token adds a fixed ``ttft_ms`` (scheduling,
tokenization and the client's network), fitted on measured times to first token.

**Speculative decoding** (:class:`Speculation`): a draft model proposes ``k`` tokens, the target
verifies them in one step of ``k + 1`` tokens per sequence; with acceptance rate ``a`` a step
yields ``(1 - a^(k+1)) / (1 - a)`` tokens and costs the verification plus ``k`` draft steps.

The efficiencies and latencies are fitted to the catalog's measured points
(:mod:`fleets.fitting`) per hardware category, vendor and serving stack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from fleets.catalog import System
from fleets.layouts import (
    MAX_REPLICA_UNITS,
    PRECISION_ORDER,
    Layout,
    Shape,
    Speculation,
    kv_precision,
    largest_batch,
    layouts,
)
from fleets.models import ModelSpec, Precision, get_model

PREFILL_CHUNK_TOKENS = 2048
"""Prompt tokens prefilled per decode step (chunked prefill, the default of vLLM and TensorRT-LLM)."""


class DoesNotFitError(ValueError):
    """The model cannot be served as asked (memory, precision): a reported fact, not an estimate."""


@dataclass(frozen=True)
class Efficiency:
    """What a replica achieves, as fitted by :mod:`fleets.fitting`.

    Shares of peak: memory bandwidth reading weights (``bandwidth``), FLOP/s in decode
    (``compute``) and in prefill (``prefill``: large matrix products, closer to peak), bandwidth
    reading KV caches (``kv_bandwidth``: paged attention kernels, further from peak). Fixed
    latencies: per layer (``layer_us``, microseconds), per layer for tensor-parallel
    synchronization when a replica spans several chips of a unit (``sync_us``), per extra unit of
    a pipeline (``hop_ms``, milliseconds) and before the first token (``ttft_ms``: scheduling,
    tokenization, network). ``link_gb_s``: effective all-reduce bandwidth of the chips' links (GB/s).
    """

    bandwidth: float
    compute: float
    prefill: float = 0.5
    kv_bandwidth: float = 0.5
    layer_us: float = 10.0
    sync_us: float = 15.0
    link_gb_s: float = 300.0
    hop_ms: float = 0.1
    ttft_ms: float = 50.0


DEFAULT_EFFICIENCY = Efficiency(bandwidth=0.6, compute=0.4)
"""Used where no measured point can calibrate a category: typical of tuned serving stacks."""


def serving_precision(system: System, model: ModelSpec) -> Precision:
    """The precision to serve ``model`` on ``system``: the model's own if the system computes at
    it, else the nearest narrower one it does, else the nearest wider one."""
    available = [p for p in PRECISION_ORDER if p in system.peak_tflops]
    wanted = PRECISION_ORDER.index(model.precision)
    narrower = [p for p in available if PRECISION_ORDER.index(p) >= wanted]
    return narrower[0] if narrower else available[-1]


class _Replica:
    """Step times of one replica of one layout (vectorized over the batch)."""

    def __init__(
        self,
        system: System,
        model: ModelSpec,
        precision: Precision,
        layout: Layout,
        efficiency: Efficiency,
    ):
        self.model, self.precision, self.layout, self.efficiency = model, precision, layout, efficiency
        # A token crosses a pipeline's stages in turn: its memory time is one unit's reading all weights.
        stage_chips = layout.chips // layout.units
        chip_bandwidth = system.memory_bandwidth_tb_s.value * 1e12 / system.chips
        chip_flops = system.peak_tflops[precision].value * 1e12 / system.chips
        self.bandwidth = stage_chips * chip_bandwidth * efficiency.bandwidth
        self.kv_bandwidth = stage_chips * chip_bandwidth * efficiency.kv_bandwidth
        self.flops = stage_chips * chip_flops * efficiency.compute
        self.prefill_flops = stage_chips * chip_flops * efficiency.prefill
        # Attention computes on the KV cache's format (8-bit under 4-bit weights), at that format's peak.
        attention_peak = system.peak_tflops.get(kv_precision(precision), system.peak_tflops[precision]).value
        self.attention_share = attention_peak / system.peak_tflops[precision].value
        tp = layout.tensor_parallel
        sync = efficiency.sync_us if tp > 1 else 0.0
        self.latency = model.layers * (efficiency.layer_us + sync) / 1e6 + (layout.units - 1) * efficiency.hop_ms / 1e3
        # Two ring all-reduces of 16-bit activations per layer and token: 2 x 2 (g - 1) / g x hidden x 2 bytes.
        all_reduce_bytes = 8.0 * (tp - 1) / tp * model.hidden_size * model.layers
        self.sync_s_per_token = all_reduce_bytes / (efficiency.link_gb_s * 1e9)

    def step(self, b: np.ndarray, context: float, tokens_per_sequence: float = 1.0, extra_tokens: float = 0.0):
        """Seconds of one step of ``b`` sequences each computing ``tokens_per_sequence`` tokens
        (plus ``extra_tokens`` of prefill riding on the step).

        The matrix products (weights read, their FLOPs) and attention (KV caches read, its FLOPs)
        are separate kernels run one after the other, each paying its memory reads and its compute
        in turn (see the module's notes), and the step their sum.
        """
        model, precision = self.model, self.precision
        weights = np.array([model.weight_bytes_read(x * tokens_per_sequence, precision) for x in b])
        # Each stage of a pipeline holds the KV cache of its own layers only.
        kv = b * model.kv_cache_bytes_per_token(kv_precision(precision)) * context / self.layout.units
        linear = model.flops_per_token()
        attention = model.flops_per_token(context) - linear
        tokens = b * tokens_per_sequence
        # Compute spreads over a pipeline's units (micro-batches), memory reads do not.
        units = self.layout.units
        matmul = (tokens * linear / self.flops + extra_tokens * linear / self.prefill_flops) / units
        attend = (tokens / self.flops + extra_tokens / self.prefill_flops) * attention / (units * self.attention_share)
        sync = (tokens + extra_tokens) * self.sync_s_per_token
        return weights / self.bandwidth + matmul + kv / self.kv_bandwidth + attend + sync + self.latency

    def prefill_s(self, prompt_tokens: float) -> float:
        """Seconds of one prompt: its compute (spread over every chip of the replica) and its
        tokens' tensor-parallel all-reduces."""
        linear = self.model.flops_per_token()
        attention = (self.model.flops_per_token(prompt_tokens / 2.0) - linear) / self.attention_share
        compute = prompt_tokens * (linear + attention) / (self.prefill_flops * self.layout.units)
        return compute + prompt_tokens * self.sync_s_per_token


def layout_points(
    system: System,
    model: ModelSpec,
    precision: Precision,
    shape: Shape,
    layout: Layout,
    b: np.ndarray,
    efficiency: Efficiency,
    speculation: Speculation | None = None,
) -> dict[str, np.ndarray]:
    """The columns of :func:`estimate` for one layout at batches ``b`` (sequences per replica), as arrays."""
    replica = _Replica(system, model, precision, layout, efficiency)
    context = shape.decode_context
    if speculation is None:
        step = replica.step(b, context)
        tokens_per_step = 1.0
    else:
        draft = _Replica(system, get_model(speculation.draft_model), precision, layout, efficiency)
        k = speculation.draft_tokens
        step = replica.step(b, context, tokens_per_sequence=k + 1.0) + k * draft.step(b, context)
        tokens_per_step = speculation.tokens_per_step
    prefill_s = replica.prefill_s(shape.prompt_tokens)
    decode_s = shape.output_tokens * step / tokens_per_step
    rho = b * prefill_s / (b * prefill_s + decode_s)
    # The new prompt's own prefill: its chunks ride on the batch's decode steps.
    chunks = math.ceil(shape.prompt_tokens / PREFILL_CHUNK_TOKENS)
    own_prefill = chunks * replica.step(b, context, extra_tokens=shape.prompt_tokens / chunks)
    wait = prefill_s * rho / (2.0 * (1.0 - rho))
    units = layout.units
    replicas = layout.replicas_per_unit(system.chips)
    return {
        "concurrency": b.astype(int),
        "concurrency_per_unit": b * replicas,
        "chips_per_replica": np.full(len(b), layout.chips),
        "units_per_replica": np.full(len(b), units),
        "prefill_tokens_per_s": np.full(len(b), shape.prompt_tokens / prefill_s * replicas),
        "decode_tokens_per_s": b * tokens_per_step / step * replicas,
        "output_tokens_per_s": b * (1.0 - rho) * tokens_per_step / step * replicas,
        "tokens_per_s_per_user": (1.0 - rho) * tokens_per_step / step,
        "ttft_ms": 1000.0 * (own_prefill + wait + step) + efficiency.ttft_ms,
    }


def _default_batches(largest: int) -> list[int]:
    # Powers of two and their midpoints up to the largest batch that fits, and that batch.
    grid = {round(2 ** (k / 2)) for k in range(int(2 * math.log2(max(largest, 1))) + 1)}
    return sorted({*grid, largest})


def pareto(table: pd.DataFrame) -> pd.DataFrame:
    """The rows no other row beats in both per-user speed and decode throughput per unit (what the
    planner chooses by), by rising throughput."""
    kept = _pareto_rows(table["tokens_per_s_per_user"].to_numpy(), table["decode_tokens_per_s"].to_numpy())
    return table.iloc[kept].reset_index(drop=True)


def _pareto_rows(speed: np.ndarray, decode: np.ndarray) -> np.ndarray:
    """Positions of the rows :func:`pareto` keeps, in its order: fastest per user first (ties in
    table order, as a stable sort keeps them), each with more throughput than every faster one."""
    ordered = np.lexsort((-decode, -speed))
    throughput = decode[ordered]
    best_before = np.concatenate(([-np.inf], np.maximum.accumulate(throughput)[:-1]))
    return ordered[throughput > best_before]


def estimate(
    system: System,
    model: ModelSpec,
    *,
    precision: Precision | None = None,
    shape: Shape | None = None,
    batches: list[int] | None = None,
    efficiency: Efficiency | None = None,
    stack: str | None = None,
    speculation: Speculation | None = None,
    chips_per_replica: int | None = None,
) -> pd.DataFrame:
    """Estimated operating points of one unit of ``system`` serving ``model``.

    Parameters
    ----------
    precision
        Weight and KV-cache precision; default :func:`serving_precision`.
    shape
        Prompt and output tokens per request; default :class:`~fleets.layouts.Shape`'s.
    batches
        Concurrent sequences per replica to tabulate; default powers of two (and midpoints) up to
        the largest batch that fits each layout, and that batch.
    efficiency
        Fractions of peak and latencies; default those calibrated for the system and ``stack``.
    stack
        Serving stack (e.g. ``"tensorrt-llm"``, ``"vllm"``), for its calibrated efficiency.
    speculation
        Speculative decoding, if used.
    chips_per_replica
        Only this layout; default every layout that fits, keeping the points none beats.

    Returns
    -------
    DataFrame
        One row per point, by rising throughput: ``concurrency`` (sequences per replica),
        ``concurrency_per_unit``, ``chips_per_replica``, ``units_per_replica``,
        ``prefill_tokens_per_s`` and ``decode_tokens_per_s`` (throughput per unit when the unit
        does only that phase, as the planner accounts for them), ``output_tokens_per_s`` (output
        per unit while serving whole requests, as benchmarks report), ``tokens_per_s_per_user``
        and ``ttft_ms``.

    Raises
    ------
    DoesNotFitError
        If the system does not compute at ``precision`` or not even one sequence fits.

    Examples
    --------
    >>> from fleets import get_model, get_system
    >>> table = estimate(get_system("dgx-h100"), get_model("llama-3.1-70b"), precision="fp8")
    >>> bool(table["tokens_per_s_per_user"].is_monotonic_decreasing)
    True
    """
    return pd.DataFrame(
        estimate_columns(
            system,
            model,
            precision=precision,
            shape=shape,
            batches=batches,
            efficiency=efficiency,
            stack=stack,
            speculation=speculation,
            chips_per_replica=chips_per_replica,
        )
    )


def estimate_columns(
    system: System,
    model: ModelSpec,
    *,
    precision: Precision | None = None,
    shape: Shape | None = None,
    batches: list[int] | None = None,
    efficiency: Efficiency | None = None,
    stack: str | None = None,
    speculation: Speculation | None = None,
    chips_per_replica: int | None = None,
) -> dict[str, np.ndarray]:
    """The columns of :func:`estimate`'s table (same parameters), as arrays.

    On arrays rather than a frame per layout: the planner asks for a table per fleet, model and
    request shape, and pandas' concatenating and sorting cost milliseconds on tables of a few
    dozen points.
    """
    precision = precision or serving_precision(system, model)
    shape = shape or Shape()
    if precision not in system.peak_tflops:
        raise DoesNotFitError(f"{system.name} has no {precision} compute (it offers {', '.join(system.peak_tflops)})")
    candidates = layouts(system, model, precision, shape, speculation)
    if candidates[0].units > MAX_REPLICA_UNITS:
        raise DoesNotFitError(
            f"{model.name} at {precision} needs {candidates[0].units} units of {system.name} per replica, more than "
            f"the {MAX_REPLICA_UNITS} one replica may span"
        )
    if chips_per_replica is not None:
        candidates = [c for c in candidates if c.chips == chips_per_replica]
        if not candidates:
            raise DoesNotFitError(f"{model.name} at {precision} does not fit replicas of {chips_per_replica} chips")
    efficiency = efficiency or efficiency_for(system, stack, precision=precision)
    parts = []
    for layout in candidates:
        largest = largest_batch(system, model, precision, shape, layout, speculation, stack)
        wanted = _default_batches(largest) if batches is None else batches
        b = np.array([x for x in wanted if 1 <= x <= largest], dtype=float)
        if len(b):
            parts.append(layout_points(system, model, precision, shape, layout, b, efficiency, speculation))
    if not parts:
        return layout_points(system, model, precision, shape, candidates[0], np.array([], dtype=float), efficiency)
    columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    if len(parts) == 1:
        return columns
    kept = _pareto_rows(columns["tokens_per_s_per_user"], columns["decode_tokens_per_s"])
    return {name: values[kept] for name, values in columns.items()}


# ------------------------------------------------------------------------------------ calibration lookup
def calibration_keys(system: System, stack: str | None = None, precision: Precision | None = None) -> list[str]:
    """The calibration groups that may hold ``system``'s efficiency, most specific first:
    category/vendor/stack@precision, category/vendor/stack, category/vendor@precision,
    category/vendor, category, all (the groups of a stack or a precision only when given)."""
    vendor = f"{system.category}/{system.vendor.lower()}"
    keys = [f"{vendor}/{stack}@{precision}"] if stack and precision else []
    keys += [f"{vendor}/{stack}"] if stack else []
    keys += [f"{vendor}@{precision}"] if precision else []
    return [*keys, vendor, system.category, "all"]


@cache
def _catalog_efficiencies() -> dict[str, Efficiency]:
    from fleets.calibration import shipped_efficiencies
    from fleets.fitting import catalog_calibration

    # The shipped figures while they match the catalog, else the fit (same figures, slower).
    return shipped_efficiencies() or catalog_calibration().efficiencies


def efficiency_for(
    system: System,
    stack: str | None = None,
    efficiencies: dict[str, Efficiency] | None = None,
    precision: Precision | None = None,
):
    """The efficiency calibrated for ``system`` (its serving ``stack`` and ``precision``) on the
    shipped catalog, or in ``efficiencies``: that of the most specific group calibrated."""
    efficiencies = _catalog_efficiencies() if efficiencies is None else efficiencies
    group = calibration_group(system, stack, efficiencies, precision)
    return DEFAULT_EFFICIENCY if group is None else efficiencies[group]


def calibration_group(
    system: System,
    stack: str | None = None,
    efficiencies: dict[str, Efficiency] | None = None,
    precision: Precision | None = None,
) -> str | None:
    """The group whose efficiency :func:`efficiency_for` gives (e.g. ``"gpu/amd/vllm"``), or None
    where no group is calibrated and the default efficiency applies."""
    efficiencies = _catalog_efficiencies() if efficiencies is None else efficiencies
    return next((k for k in calibration_keys(system, stack, precision) if k in efficiencies), None)


def throughput_at(table: pd.DataFrame, min_tokens_per_s_per_user: float | None) -> float:
    """Output tokens/s per unit at a per-user speed, read off an :func:`estimate` table.

    With no target, the table's highest throughput. With one, the throughput where the
    table's front crosses that speed, interpolated linearly between the two points around it;
    ``nan`` when no point is that fast.

    >>> table = pd.DataFrame({"output_tokens_per_s": [100.0, 300.0], "tokens_per_s_per_user": [50.0, 30.0]})
    >>> throughput_at(table, 40.0)
    200.0
    """
    output = table["output_tokens_per_s"].to_numpy(dtype=float)
    speed = table["tokens_per_s_per_user"].to_numpy(dtype=float)
    if min_tokens_per_s_per_user is None:
        return float(output.max()) if len(output) else math.nan
    meeting = np.flatnonzero(speed >= min_tokens_per_s_per_user)
    if not len(meeting):
        return math.nan
    best = meeting[output[meeting].argmax()]
    faster_than_needed = speed[best] - min_tokens_per_s_per_user
    slower = np.flatnonzero((speed < min_tokens_per_s_per_user) & (output > output[best]))
    if not len(slower) or faster_than_needed == 0:
        return float(output[best])
    nxt = slower[speed[slower].argmax()]
    share = faster_than_needed / (speed[best] - speed[nxt])
    return float(output[best] + share * (output[nxt] - output[best]))
