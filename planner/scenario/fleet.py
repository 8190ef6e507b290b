"""A fleet: a hardware option, its figures (inline or from the catalog), how it is procured, and the operating point it serves a workload at."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import (
    Field,
    model_validator,
)

from fleets import (
    Category,
    DoesNotFitError,
    Precision,
    ServingStack,
    UnknownModelError,
    UnknownSystemError,
    get_system,
    point_table,
    stack_problem,
)
from planner.errors import (
    FieldError,
)
from planner.ranges import (
    MILLISECONDS,
    MONTHS_OF_LEAD,
    MONTHS_OF_TERM,
    TOKENS_PER_S_PER_UNIT,
    TOKENS_PER_S_PER_USER,
    UNITS,
    USD_PER_UNIT,
    USD_PER_UNIT_HOUR,
    USD_PER_UNIT_YEAR,
    YEARS_OF_LIFE,
)
from planner.scenario.base import (
    Input,
    Name,
    NonNegative,
    Phase,
    Positive,
    Procurement,
    UnitsSchedule,
    fill,
)
from planner.scenario.service import INLINE_SOURCE, ServicePoint
from planner.scenario.speculation import SpeculativeDecoding, speculation_problems

if TYPE_CHECKING:
    from planner.scenario.workload import Workload


class Performance(Input):
    """What one unit of a fleet does on one model."""

    prefill_tokens_per_s: TOKENS_PER_S_PER_UNIT = Field(
        description="Input tokens processed per second per unit (system throughput)."
    )
    decode_tokens_per_s: TOKENS_PER_S_PER_UNIT = Field(
        description="Output tokens generated per second per unit (system throughput)."
    )
    tokens_per_s_per_user: TOKENS_PER_S_PER_USER = Field(description="Output tokens per second of one user's stream.")
    ttft_ms: MILLISECONDS = Field(description="Time to first token in milliseconds.")


class ExistingUnits(Input):
    """Units already installed at a site when the plan starts (their capital is sunk)."""

    site: Name = Field(description="Site where the units stand.")
    units: UNITS = Field(description="Number of installed units.")
    retire_after: str | None = Field(
        default=None, description="Last period the units serve ('YYYY-MM'); omitted: they serve the whole horizon."
    )


_CATALOG_FIELDS = ("vendor", "category", "max_power_kw", "idle_power_kw", "lifetime_years")


_MEANINGFUL: dict[str, tuple[tuple[Procurement, ...], str]] = {
    "capex_usd": (("own",), "a bought unit's price; a rented one is paid by the hour (hourly_usd)"),
    "lifetime_years": (("own",), "the years a bought unit's price is recovered over; a rented one is paid by the hour"),
    "hourly_usd": (("lease", "cloud", "reserved"), "a rental price; an owned unit is paid by capex_usd"),
    "term_months": (
        ("lease", "reserved"),
        "the shortest time a lease or reservation is paid for; an owned unit serves its lifetime and an on-demand "
        "cloud unit is rented period by period",
    ),
    "opex_usd_per_year": (
        ("own", "lease"),
        "the cost of running a unit at your site; a cloud unit's running costs are in its hourly price",
    ),
    "max_power_kw": (("own", "lease"), "the draw on a site's power cap; a cloud unit's power is in its hourly price"),
    "idle_power_kw": (("own", "lease"), "the draw on a site's power cap; a cloud unit's power is in its hourly price"),
    "lead_time_months": (
        ("own", "lease", "reserved"),
        "the time from order to service; an on-demand cloud unit serves in the period it is rented (for capacity "
        "booked ahead, use procurement: reserved)",
    ),
    "region": (
        ("cloud", "reserved"),
        "where cloud units are rented; owned and leased units stand at the sites that list the fleet",
    ),
}
"""Fields that mean something only for some procurement modes, with why; given for another mode they
are rejected rather than ignored."""
_AS_NOUN = {"own": "an owned", "lease": "a leased", "cloud": "an on-demand cloud", "reserved": "a reserved"}


class Fleet(Input):
    """A hardware option: a catalog system (or inline figures) and how it is procured.

    Any figure left out is taken from the catalog system named in ``system``.
    """

    system: str | None = Field(
        default=None, description="Catalog system this fleet uses (see `fleets`), e.g. 'dgx-h100'."
    )
    procurement: Procurement = Field(
        description="'own': bought, placed at sites under their power caps, capital annualized over its lifetime; "
        "'lease': rented by the hour for at least term_months, placed at sites under their power caps (electricity "
        "paid at the site's price unless energy_included); 'cloud': rented on demand by the hour in a cloud region, "
        "no site power; 'reserved': rented in a cloud region at a committed hourly price for at least term_months."
    )
    vendor: str | None = Field(
        default=None,
        description="Hardware vendor, who makes the chips: NVIDIA for H100s, even rented from a cloud. Vendor share "
        "limits, vendor-loss coverage and adoption costs count it. Default: the catalog's.",
    )
    provider: str | None = Field(
        default=None,
        description="Who the units are bought or rented from: a cloud, lessor or reseller (AWS for H100s rented from "
        "it); provider share limits count it. Default: the vendor for owned units; for lease, cloud and reserved the "
        "catalog system's provider where it names one, else the vendor.",
    )
    category: Category | None = Field(default=None, description="Hardware family. Default: the catalog's.")
    capex_usd: USD_PER_UNIT | None = Field(
        default=None, description="Purchase price of one unit in USD (own). Default: the catalog's."
    )
    opex_usd_per_year: USD_PER_UNIT_YEAR = Field(
        default=0.0,
        description="Fixed operating cost of one installed unit in USD per year (own, lease): support, space, staff.",
    )
    hourly_usd: USD_PER_UNIT_HOUR | None = Field(
        default=None,
        description="Rental price of one unit in USD per hour (lease, cloud, reserved). Default: the catalog's on-demand "
        "price (lease, cloud) or committed price (reserved).",
    )
    energy_included: bool = Field(
        default=False,
        description="Lease only: the hourly price already includes the units' electricity (capacity operated for the "
        "buyer), so the plan charges no energy for them; their power still counts against the site's cap.",
    )
    term_months: MONTHS_OF_TERM = Field(
        default=12.0,
        description="Shortest time a leased or reserved unit is paid for once taken, in months (rounded up to periods).",
    )
    max_power_kw: Positive | None = Field(
        default=None, description="Power of one fully busy unit in kW, before PUE. Default: the catalog's."
    )
    idle_power_kw: NonNegative | None = Field(
        default=None, description="Power of one idle unit in kW, before PUE. Default: the catalog's."
    )
    lifetime_years: YEARS_OF_LIFE | None = Field(
        default=None, description="Service life of an owned unit in years. Default: the catalog's."
    )
    lead_time_months: MONTHS_OF_LEAD = Field(
        default=0.0,
        description="Months from order to service (own, lease, reserved): no unit ordered, leased or reserved serves "
        "earlier; rounded up to whole periods.",
    )
    availability: float = Field(
        default=1.0, gt=0, le=1, description="Fraction of time a unit can serve (maintenance, failures)."
    )
    max_build_units_per_period: UnitsSchedule | None = Field(
        default=None,
        description="Supply: most units that can enter service per period, over all sites (own). Omitted: unlimited.",
    )
    quota_units: UnitsSchedule | None = Field(
        default=None, description="Most units that can be rented at once (lease, cloud, reserved). Omitted: unlimited."
    )
    region: Name = Field(
        default="cloud", description="Cloud region the units are rented in (cloud, reserved); a place in result tables."
    )
    existing: list[ExistingUnits] = Field(default_factory=list, description="Units already installed at sites (own).")
    precision: Precision | None = Field(
        default=None,
        description="Weight precision the catalog system serves at (fp16, fp8, fp4); default: the model's usual one where "
        "the hardware computes at it.",
    )
    performance: dict[str, Performance] = Field(
        default_factory=dict,
        description="One operating point per model, overriding the catalog system's estimated operating points.",
    )
    speculative_decoding: dict[str, SpeculativeDecoding] = Field(
        default_factory=dict,
        description="Speculative decoding per served model (a reference model of fleets/models.yaml): the catalog "
        "system's operating points for that model are then estimated with a draft model (basis 'estimated'; "
        "measured curves, which do not record speculative decoding, are not used for it). Needs a catalog "
        "'system'; not with inline 'performance' for the same model. Omitted: no speculation.",
    )
    serving_stack: ServingStack | None = Field(
        default=None,
        description="Serving software the catalog system runs (tensorrt-llm, vllm, sglang, nim, ...): its estimated "
        "operating points then take that stack's calibrated efficiency (its vendor's where the stack has no "
        "calibration group) and its limits (vLLM runs at most 256 sequences at once), and only the measured curve "
        "runs made on that stack are used. Needs a catalog 'system'. Omitted: every measured run, and the "
        "calibration of runs on any stack.",
    )

    @model_validator(mode="after")
    def _resolve(self) -> Fleet:
        system = None
        if self.system is not None:
            try:
                system = get_system(self.system)
            except UnknownSystemError as exc:
                raise FieldError(str(exc), field=("system",), value=self.system) from None
            for name in _CATALOG_FIELDS:
                if getattr(self, name) is None:
                    figure = getattr(system, name)
                    fill(self, name, figure if isinstance(figure, str) else figure.value)
            if self.capex_usd is None and self.procurement == "own" and system.capex_usd is not None:
                fill(self, "capex_usd", system.capex_usd.value)
            price = system.reserved_hourly_usd if self.procurement == "reserved" else system.hourly_usd
            if self.hourly_usd is None and self.procurement != "own" and price is not None:
                fill(self, "hourly_usd", price.value)
        self._reject_meaningless(system)
        if self.provider is None:
            rented_from = system.provider if system is not None and self.procurement != "own" else None
            fill(self, "provider", rented_from or self.vendor)
        needed = ["vendor", "category"]
        if self.procurement == "own":
            needed += ["capex_usd", "max_power_kw", "idle_power_kw", "lifetime_years"]
        elif self.procurement == "lease":
            needed += ["hourly_usd", "max_power_kw", "idle_power_kw"]
        else:
            needed += ["hourly_usd"]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            source = (
                f"catalog system {self.system!r} has no figure for it"
                if system is not None
                else "no catalog 'system' is named"
            )
            if system is not None and system.price_by_quote and {"capex_usd", "hourly_usd"} & set(missing):
                source = (
                    f"catalog system {self.system!r} publishes no price; it is sold by quote: {system.price_by_quote}"
                )
            raise ValueError(f"missing {', '.join(missing)} ({source}); give the figure(s) in the fleet")
        if not self.performance and self.system is None:
            raise ValueError("no performance figures: give 'performance' per model or name a catalog 'system'")
        if self.precision is not None and self.system is None:
            raise ValueError("precision applies to a catalog system's estimated operating points; name a 'system'")
        if self.serving_stack is not None:
            wrong_stack = (
                "serving_stack chooses a catalog system's measured runs and calibration, and this fleet names no "
                "'system'; name one, or remove serving_stack (inline 'performance' figures are the fleet's own)"
                if system is None
                else stack_problem(system, self.serving_stack)
            )
            if wrong_stack:
                raise FieldError(wrong_stack, field=("serving_stack",), value=self.serving_stack)
        # The first problem; the loader reports every one (planner.scenario.checks.entry_problems).
        entries = {model: entry.model_dump() for model, entry in self.speculative_decoding.items()}
        for field, message, value in speculation_problems(self.system, self.performance, entries):
            raise FieldError(message, field=field, value=value)
        implausible = unit_power_message(self.max_power_kw)
        if implausible:
            raise FieldError(implausible, field=("max_power_kw",), value=self.max_power_kw)
        if self.idle_power_kw is not None and self.max_power_kw is not None and self.idle_power_kw > self.max_power_kw:
            raise ValueError(
                f"idle_power_kw ({self.idle_power_kw}) exceeds max_power_kw ({self.max_power_kw}); an idle unit draws less than a "
                "busy one: check that both are in kW, for one unit"
            )
        if self.energy_included and self.procurement != "lease":
            reason = (
                "an owned unit's electricity is paid at its site's electricity_price_usd_per_mwh"
                if self.procurement == "own"
                else f"a {self.procurement} unit draws no site power and its hourly_usd already covers its electricity"
            )
            raise FieldError(
                f"energy_included applies to leased units whose hourly price covers their power; {reason}: remove it",
                field=("energy_included",),
                value=True,
            )
        if self.procurement != "own":
            wrong = [n for n in ("existing", "max_build_units_per_period") if getattr(self, n)]
            if wrong:
                raise ValueError(
                    f"{', '.join(wrong)} apply to owned fleets; a rented fleet is limited by 'quota_units'"
                )
        elif self.quota_units is not None:
            raise ValueError(
                "quota_units applies to rented fleets; limit an owned fleet with 'max_build_units_per_period'"
            )
        return self

    def _reject_meaningless(self, system: Any) -> None:
        """Refuse a field that means nothing for this fleet's procurement mode, rather than ignore it.

        A value equal to what the fleet holds anyway (the field's default, or the catalog system's
        figure, as a resolved scenario written out by ``to_yaml`` holds them) is no instruction and
        passes.
        """
        wrong = []
        for name, (modes, _) in _MEANINGFUL.items():
            value = getattr(self, name)
            if name in _CATALOG_FIELDS and system is not None:
                anyway = getattr(system, name).value
            else:
                anyway = type(self).model_fields[name].default
            if self.procurement not in modes and value != anyway:
                wrong.append(name)
        if wrong:
            modes, why = _MEANINGFUL[wrong[0]]
            also = f" (so do {', '.join(wrong[1:])})" if wrong[1:] else ""
            raise FieldError(
                f"{wrong[0]} means nothing for {_AS_NOUN[self.procurement]} fleet, only for {', '.join(modes)} "
                f"procurement: {why}; "
                f"remove it or change 'procurement'{also}",
                field=(wrong[0],),
                value=getattr(self, wrong[0]),
            )

    def service_point(self, workload: Workload, phase: Phase = "both") -> ServicePoint:
        """How this fleet serves ``workload``: its inline figures for the model, else the catalog
        system's operating point with the most throughput that meets the workload's SLO.

        A fleet serving only one ``phase`` of a disaggregated workload answers for that phase's
        part of the SLO: time to first token for prefill, per-user speed for decode.
        """
        min_speed = workload.min_tokens_per_s_per_user if phase != "prefill" else 0.0
        max_ttft = workload.max_ttft_ms if phase != "decode" else math.inf
        perf = self.performance.get(workload.model)
        if perf is not None:
            return ServicePoint(perf, origin="scenario", source=INLINE_SOURCE).within(min_speed, max_ttft)
        if self.system is None:
            return ServicePoint(None, reason=f"no performance figures for model {workload.model!r}")
        speculative = self.speculative_decoding.get(workload.model)
        try:
            table = point_table(
                self.system,
                workload.model,
                self.precision,
                prompt_tokens=workload.output_tokens_per_request * workload.input_output_ratio,
                output_tokens=workload.output_tokens_per_request,
                speculation=None if speculative is None else speculative.speculation(),
                stack=self.serving_stack,
            )
        except (DoesNotFitError, UnknownModelError) as exc:
            return ServicePoint(None, reason=str(exc))
        best = table.best(min_speed, max_ttft)
        if best is None:
            return ServicePoint(
                None,
                reason=f"no operating point meets the SLO (at best {table.fastest():.0f} tokens/s per user, "
                f"{table.quickest():.0f} ms to first token)",
            )
        performance = Performance(**{name: float(best[name]) for name in Performance.model_fields})
        return ServicePoint(
            performance,
            origin=best["origin"],
            basis=best["basis"],
            precision=best["precision"],
            concurrency=round(best["concurrency"]),
            stack=best["stack"] if isinstance(best["stack"], str) else None,
            source=str(best["source"]),
        )


MAX_UNIT_KW = 2_000.0
"""Largest plausible draw of one unit (a rack), in kW: anything above is a unit mix-up."""


def unit_power_message(kw: Any) -> str | None:
    """Why ``max_power_kw`` of one unit is a unit mix-up, or None when it is plausible (or not a number)."""
    if not isinstance(kw, int | float) or isinstance(kw, bool) or not math.isfinite(kw) or 0.05 <= kw <= MAX_UNIT_KW:
        return None
    hint = "in kW, not MW" if kw < 0.05 else "in kW, not W"
    return f"max_power_kw {kw:g} is not a plausible unit (a DGX server draws about 10 kW, a GB200 rack about 130); give the power {hint}"
