"""The system catalog: one YAML file per system under ``fleets/catalog/``.

Every number is a :class:`Figure` carrying its value, where it was published and how far to
trust it (``measured`` by an independent or audited benchmark, a ``vendor`` claim, or an
``estimate`` derived by us, with the derivation in ``note``).
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from fleets.models import SAFE_LOADER, Precision

Category = Literal["gpu", "wafer_scale", "lpu", "cloud_asic"]
Confidence = Literal["measured", "vendor", "estimate"]
Stack = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9][a-z0-9.+-]*$")]
"""A serving stack's name, lower case: 'tensorrt-llm', 'vllm', 'sglang', 'jetstream', ..."""

ServingStack = Literal["atom", "jetstream", "neuron", "nim", "sglang", "tensorrt-llm", "vllm"]
"""The serving stacks operating points can be asked for: those the catalog's runs and the measured
curves name (:func:`stack_named`). A stack the calibration has no group for is estimated with its
vendor's efficiency (:func:`fleets.roofline.calibration_keys`)."""

_STACK_MARKERS = (
    ("TensorRT-LLM", "tensorrt-llm"),
    ("_TRT", "tensorrt-llm"),
    ("NIM", "nim"),
    ("vLLM", "vllm"),
    ("SGLang", "sglang"),
    ("JetStream", "jetstream"),
    ("Neuron", "neuron"),
)
"""How a run's source or a curve's stack column names a serving stack."""


STACK_VENDORS: dict[str, frozenset[str]] = {
    "atom": frozenset({"AMD"}),
    "jetstream": frozenset({"Google"}),
    "neuron": frozenset({"AWS"}),
    "nim": frozenset({"NVIDIA"}),
    "sglang": frozenset({"NVIDIA", "AMD", "Google"}),
    "tensorrt-llm": frozenset({"NVIDIA"}),
    "vllm": frozenset({"NVIDIA", "AMD", "Google", "AWS"}),
}
"""The hardware vendors each serving stack runs on, as the stacks' own documentation lists them
(TensorRT-LLM and NIM: NVIDIA GPUs; ATOM: AMD Instinct; JetStream: TPUs; Neuron: Trainium and
Inferentia; vLLM: NVIDIA and AMD GPUs, TPUs and, through its Neuron plug-in, Trainium; SGLang:
NVIDIA and AMD GPUs and TPUs). Wafer-scale and LPU systems run their makers' own software, none of these."""

_OWN_SOFTWARE = frozenset({"lpu", "wafer_scale"})
"""Hardware categories that run only their makers' compilers and serving software, whoever the maker is
(NVIDIA's Groq 3 LPX is not CUDA-compatible at launch)."""


def stack_problem(system: System, stack: str) -> str | None:
    """Why ``stack`` cannot serve on ``system`` (a message for the user), or None when it can.

    >>> from fleets import get_system
    >>> print(stack_problem(get_system("mi300x-8"), "tensorrt-llm"))
    tensorrt-llm does not run on AMD hardware (mi300x-8); stacks that do: atom, sglang, vllm
    >>> stack_problem(get_system("mi300x-8"), "vllm") is None
    True
    >>> print(stack_problem(get_system("groq3-lpx"), "tensorrt-llm"))
    tensorrt-llm does not run on NVIDIA lpu hardware (groq3-lpx); it runs its maker's own software: omit the stack
    """
    own = system.category in _OWN_SOFTWARE
    if system.vendor in STACK_VENDORS[stack] and not own:
        return None
    others = [] if own else sorted(name for name, vendors in STACK_VENDORS.items() if system.vendor in vendors)
    fits = f"stacks that do: {', '.join(others)}" if others else "it runs its maker's own software: omit the stack"
    kind = f" {system.category}" if own and system.vendor in STACK_VENDORS[stack] else ""
    return f"{stack} does not run on {system.vendor}{kind} hardware ({system.name}); {fits}"


def stack_named(text: str) -> str | None:
    """The first serving stack ``text`` names (a run's source, a curve row's stack), or None.

    A stack under an orchestrator or beside a transfer library counts as the engine:
    "Dynamo + TensorRT-LLM, disaggregated" is tensorrt-llm, "SGLang + MoRI" is sglang.

    >>> stack_named("Dynamo + TensorRT-LLM, disaggregated (InferenceX)"), stack_named("MLPerf v5.0")
    ('tensorrt-llm', None)
    """
    return next((stack for marker, stack in _STACK_MARKERS if marker in text), None)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Figure(_Strict):
    """One published or derived number with its provenance."""

    value: float = Field(allow_inf_nan=False, description="The number, in the unit named by the field that holds it.")
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)] = Field(
        description="Publication and date the number comes from."
    )
    confidence: Confidence = Field(
        description="measured (independent or audited benchmark), vendor (vendor claim) or estimate (derived by us)."
    )
    note: str | None = Field(
        default=None, description="How an estimate was derived, or a caveat on a published figure."
    )


class MeasuredPoint(_Strict):
    """A published measurement of one unit serving one model: an operating point with its source.

    Figures are per unit of the system (a result on 32 GPUs is divided by four for an 8-GPU unit).
    """

    model: str = Field(description="Reference model id (see fleets/models.yaml), e.g. 'llama-2-70b'.")
    precision: Precision = Field(description="Weight precision of the run: fp16 (or bf16), fp8 (or int8), fp4.")
    concurrency: int | None = Field(
        default=None,
        gt=0,
        description="Concurrent requests per unit. Omitted: a system throughput is taken as an offline run at the largest "
        "batch that fits, a per-user speed or time to first token as one stream on a lightly loaded service.",
    )
    input_tokens: int | None = Field(
        default=None, gt=0, description="Prompt tokens per request in the run, where published."
    )
    output_tokens: int | None = Field(
        default=None, gt=0, description="Output tokens per request in the run, where published."
    )
    decode_tokens_per_s: float | None = Field(
        default=None, gt=0, description="System output tokens per second per unit."
    )
    tokens_per_s_per_user: float | None = Field(
        default=None, gt=0, description="Output tokens per second of one request's stream."
    )
    ttft_ms: float | None = Field(default=None, gt=0, description="Time to first token in milliseconds.")
    chips_per_replica: int | None = Field(
        default=None,
        gt=0,
        description="Chips one model replica spanned in the run (its tensor x pipeline parallel degree: 2 for a "
        "tensor-parallel pair in an 8-GPU server), where published.",
    )
    stack: Stack | None = Field(
        default=None,
        description="Serving software of the run, lower case (e.g. 'tensorrt-llm', 'vllm', 'sglang', 'jetstream'), "
        "where published: efficiencies are calibrated per stack where runs name one.",
    )
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)] = Field(
        description="Publication and date of the measurement."
    )
    confidence: Confidence = Field(
        description="measured (independent or audited), vendor (vendor's own run) or estimate."
    )
    note: str | None = Field(default=None, description="How the figures were read or converted to one unit.")

    @model_validator(mode="after")
    def _has_a_figure(self) -> MeasuredPoint:
        if self.decode_tokens_per_s is None and self.tokens_per_s_per_user is None and self.ttft_ms is None:
            raise ValueError("a measured point needs decode_tokens_per_s, tokens_per_s_per_user or ttft_ms")
        return self


class ApiPrice(_Strict):
    """A published price per token of a model served on the system's hardware by a public API."""

    model: str = Field(description="Reference model id (see fleets/models.yaml) the price is for.")
    provider: str = Field(description="Who sells the tokens, e.g. 'GroqCloud'.")
    input_usd_per_mtok: float = Field(gt=0, description="USD per million input (prompt) tokens.")
    output_usd_per_mtok: float = Field(gt=0, description="USD per million output tokens.")
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)] = Field(
        description="Publication and date of the price."
    )
    confidence: Confidence = Field(description="vendor (the provider's price list) or estimate (a secondary report).")
    note: str | None = Field(default=None, description="Caveats: the model version priced, the date it held.")

    def blended_usd_per_mtok(self, input_tokens: float, output_tokens: float) -> float:
        """USD per million input plus output tokens for requests of the given shape.

        >>> ApiPrice(model="m", provider="p", input_usd_per_mtok=1.0, output_usd_per_mtok=3.0,
        ...          source="test", confidence="estimate").blended_usd_per_mtok(1.0, 1.0)
        2.0
        """
        paid = self.input_usd_per_mtok * input_tokens + self.output_usd_per_mtok * output_tokens
        return paid / (input_tokens + output_tokens)


class System(_Strict):
    """One purchasable or rentable unit of inference hardware."""

    name: str = Field(description="Catalog identifier, e.g. 'dgx-h100'; equals the file name.")
    vendor: str = Field(description="Who makes the hardware: NVIDIA for an H100 server, even one a cloud rents out.")
    provider: str | None = Field(
        default=None,
        description="Who rents the units out, where that is not the vendor (a cloud renting another's chips). "
        "Omitted: the vendor.",
    )
    category: Category = Field(description="Hardware family.")
    unit: str = Field(description="What one unit is, e.g. 'one 8-GPU HGX H100 server'.")
    chips: int = Field(gt=0, description="Accelerator chips in one unit (GPUs, wafers, LPUs, ASICs).")
    max_power_kw: Figure = Field(description="Maximum power draw of one unit in kW (IT load, before PUE).")
    idle_power_kw: Figure = Field(description="Power draw of one idle unit in kW.")
    memory_gb: Figure = Field(
        description="Accelerator memory of one unit in GB (HBM, or on-chip SRAM for SRAM-only designs)."
    )
    memory_kind: Literal["hbm", "sram", "gddr"] = Field(
        description="Where model weights live: HBM, on-chip SRAM, or GDDR."
    )
    memory_bandwidth_tb_s: Figure = Field(description="Aggregate accelerator memory bandwidth of one unit in TB/s.")
    peak_tflops: dict[Precision, Figure] = Field(
        min_length=1, description="Peak dense (not sparse) TFLOP/s of one unit, per precision it serves."
    )
    usual_precision: Precision | None = Field(
        default=None,
        description="The weight precision the system is usually served at (fp8 on Hopper and Blackwell GPUs, where "
        "published serving runs are FP8), used when a fleet names none. Omitted: the model's own precision, or the "
        "nearest the system computes at.",
    )
    interconnect: str = Field(description="How the unit's chips talk to each other and to other units.")
    capex_usd: Figure | None = Field(
        default=None, description="Purchase price of one unit in USD, where it can be bought."
    )
    hourly_usd: Figure | None = Field(
        default=None, description="On-demand rental price of one unit in USD per hour, where it can be rented."
    )
    reserved_hourly_usd: Figure | None = Field(
        default=None,
        description="Rental price with a commitment (one to three years) in USD per hour, where published.",
    )
    price_by_quote: str | None = Field(
        default=None,
        description="Where no price is published (the maker sells by quote): who quotes one and how, e.g. "
        "'Google Cloud, through an account team'. A fleet on the system then gives its own hourly_usd or capex_usd. "
        "Only for a system with neither price.",
    )
    lifetime_years: Figure = Field(description="Economic lifetime of an owned unit in years.")
    measured: list[MeasuredPoint] = Field(
        default_factory=list, description="Published operating points of one unit on reference models."
    )
    api_prices: list[ApiPrice] = Field(
        default_factory=list,
        description="Public API prices of reference models served on this hardware, to set beside the estimated cost.",
    )

    @model_validator(mode="after")
    def _priced(self) -> System:
        priced = self.capex_usd is not None or self.hourly_usd is not None
        if not priced and self.price_by_quote is None:
            raise ValueError(
                "a system needs capex_usd (to buy) or hourly_usd (to rent), or both; or, where no price is "
                "published, price_by_quote saying who quotes one"
            )
        if priced and self.price_by_quote is not None:
            raise ValueError("price_by_quote is for a system without a published price; this one has a price")
        if self.idle_power_kw.value > self.max_power_kw.value:
            raise ValueError("idle_power_kw exceeds max_power_kw")
        if self.usual_precision is not None and self.usual_precision not in self.peak_tflops:
            raise ValueError(f"usual_precision {self.usual_precision} is not among the precisions of peak_tflops")
        return self

    def figures(self) -> list[tuple[str, Figure]]:
        """Every figure of the system with its dotted field name, for listing sources."""
        named = [
            (name, getattr(self, name)) for name in type(self).model_fields if isinstance(getattr(self, name), Figure)
        ]
        named += [(f"peak_tflops.{precision}", figure) for precision, figure in self.peak_tflops.items()]
        return named


class UnknownSystemError(KeyError):
    """Raised for a system name the catalog does not hold; the message lists close names."""

    def __init__(self, name: str, known: list[str]):
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else f"known systems: {', '.join(known)}"
        super().__init__(f"unknown system {name!r}: {hint}")
        self._known = known
        self.name = name
        self.suggestions = close

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return self.args[0]

    def __reduce__(self):  # rebuildable in worker processes (sweeps run solves in a pool)
        return (type(self), (self.name, self._known))


def load_catalog() -> dict[str, System]:
    """Load and validate every system file shipped in ``fleets/catalog/``.

    Returns
    -------
    dict
        System name to :class:`System`, sorted by name (a new dict each call; systems are frozen).
    """
    return dict(_read_catalog())


@cache
def _read_catalog() -> dict[str, System]:
    # Read once per process: the files are package data and do not change while it runs.
    systems = {}
    for entry in sorted(resources.files("fleets").joinpath("catalog").iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        system = System.model_validate(yaml.load(entry.read_text(encoding="utf-8"), Loader=SAFE_LOADER))
        if system.name != entry.name.removesuffix(".yaml"):
            raise ValueError(f"catalog file {entry.name} holds system {system.name!r}; the names must match")
        systems[system.name] = system
    return systems


def get_system(name: str) -> System:
    """Return the catalog system called ``name``.

    Raises
    ------
    UnknownSystemError
        If no such system exists; the message suggests the closest names.
    """
    catalog = load_catalog()
    try:
        return catalog[name]
    except KeyError:
        raise UnknownSystemError(name, sorted(catalog)) from None
