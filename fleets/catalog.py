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

Category = Literal["gpu", "wafer_scale", "lpu", "cloud_asic"]
Confidence = Literal["measured", "vendor", "estimate"]


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


class ModelPerformance(_Strict):
    """What one unit of a system does on one reference model at its catalog operating point."""

    prefill_tokens_per_s: Figure = Field(description="System prompt (input) tokens processed per second per unit.")
    decode_tokens_per_s: Figure = Field(description="System output tokens generated per second per unit.")
    tokens_per_s_per_user: Figure = Field(description="Output tokens per second seen by one user stream.")
    ttft_ms: Figure = Field(description="Time to first token in milliseconds at this operating point.")


class System(_Strict):
    """One purchasable or rentable unit of inference hardware."""

    name: str = Field(description="Catalog identifier, e.g. 'dgx-h100'; equals the file name.")
    vendor: str = Field(description="Who sells the hardware (or the cloud that rents it).")
    category: Category = Field(description="Hardware family.")
    unit: str = Field(description="What one unit is, e.g. 'one 8-GPU HGX H100 server'.")
    max_power_kw: Figure = Field(description="Maximum power draw of one unit in kW (IT load, before PUE).")
    idle_power_kw: Figure = Field(description="Power draw of one idle unit in kW.")
    capex_usd: Figure | None = Field(default=None, description="Purchase price of one unit in USD, where it can be bought.")
    hourly_usd: Figure | None = Field(default=None, description="On-demand rental price of one unit in USD per hour, where it can be rented.")
    lifetime_years: Figure = Field(description="Economic lifetime of an owned unit in years.")
    performance: dict[str, ModelPerformance] = Field(
        default_factory=dict, description="Performance per reference model id (e.g. 'llama-3.1-70b')."
    )

    @model_validator(mode="after")
    def _priced(self) -> System:
        if self.capex_usd is None and self.hourly_usd is None:
            raise ValueError("a system needs capex_usd (to buy) or hourly_usd (to rent), or both")
        if self.idle_power_kw.value > self.max_power_kw.value:
            raise ValueError("idle_power_kw exceeds max_power_kw")
        return self


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
        system = System.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
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
