"""The scenario: everything a capacity planner states about one planning question.

A scenario is validated input. Every field carries its unit in its name or description; cross-field
checks (references between sections, calendars, latency eligibility) run when it is built, and all
problems are reported together.

>>> from planner import Scenario, default_scenario_path
>>> scenario = Scenario.from_yaml(default_scenario_path())
>>> scenario.horizon.period_length
'month'
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from demand import DemandSpec, ExplicitSeries, PeriodLength, parse_period, planning_periods, project, seconds_per_period
from demand.mix import mix_table, share_values
from demand.periods import parse_label
from demand.profiles import Profile
from fleets import (
    Category,
    DoesNotFitError,
    Precision,
    UnknownModelError,
    UnknownSystemError,
    best_point,
    get_model,
    get_system,
    load_models,
    operating_points,
)
from planner.errors import (
    FieldError,
    ScenarioError,
    closest,
    locate,
    problems_from_validation,
    unknown_name,
)
from planner.ranges import (
    BYTES_PER_TOKEN,
    GB_PER_S,
    MAX_TOKENS_PER_DAY,
    MILLISECONDS,
    MONTHS_OF_LEAD,
    MONTHS_OF_TERM,
    MW,
    MW_OF_BLOCK,
    SLO_TOKENS_PER_S_PER_USER,
    TOKEN_RATIO,
    TOKENS_PER_REQUEST,
    TOKENS_PER_S_PER_UNIT,
    TOKENS_PER_S_PER_USER,
    UNITS,
    USD_ONCE,
    USD_PER_MTOK,
    USD_PER_MTOK_MOVED,
    USD_PER_MWH,
    USD_PER_UNIT,
    USD_PER_UNIT_HOUR,
    USD_PER_UNIT_YEAR,
    USD_PER_YEAR,
    YEARS_OF_LIFE,
    each_step,
)
from planner.yamlio import load_yaml_file

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]
"""Names of workloads, fleets and sites: a letter, then letters, digits, '_', '-' or '.'."""

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]

Procurement = Literal["own", "lease", "cloud", "reserved"]
AT_SITES = ("own", "lease")
"""Procurement modes whose units stand at the user's sites, under their power caps."""
Phase = Literal["both", "prefill", "decode"]
"""What a fleet serves of a workload: all of it, or one phase of a disaggregated workload."""


def _form(value: Any) -> str | None:
    """Which form a value over time is written in: one number, a mapping, or neither (None)."""
    if isinstance(value, dict):
        return "steps"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return None
        return "number"
    return None


# The form is chosen from the value itself, so that a value that is neither is one problem with
# both forms explained, not one problem per form tried.
Schedule = Annotated[
    Annotated[NonNegative, Tag("number")] | Annotated[dict[str, NonNegative], Tag("steps")],
    Discriminator(
        _form,
        custom_error_type="schedule",
        custom_error_message="give one number, or steps as a mapping of period to value, e.g. {'2026-01': 20, '2027-01': 40}",
    ),
]
"""A value over time: one number for the whole horizon, or steps ``{period label: value}``.

Each step holds from its period until the next step; the first step must be at or before the
horizon's first period (write ``{'2026-01': 0, '2026-07': 300}`` for a site that opens in July),
and every step within the horizon.
"""
UnitsSchedule = Annotated[Schedule, each_step(UNITS)]
"""A number of units over time, within the plausible range of :data:`planner.ranges.UNITS`."""
PriceSchedule = Annotated[Schedule, each_step(USD_PER_MWH)]
"""An electricity price in USD per MWh over time, within :data:`planner.ranges.USD_PER_MWH`."""
SpendSchedule = Annotated[Schedule, each_step(USD_PER_YEAR)]
"""A spend in USD per year over time, within :data:`planner.ranges.USD_PER_YEAR`."""
MWSchedule = Annotated[Schedule, each_step(MW)]
"""Committed MW over time, within :data:`planner.ranges.MW`."""

ShareInput = Annotated[
    Annotated[float, Tag("number")] | Annotated[dict[str, float], Tag("steps")],
    Discriminator(
        _form,
        custom_error_type="share",
        custom_error_message="give a fraction (0.25 for 25%), or points as a mapping of period to fraction, e.g. {'2026-01': 0.1, '2027-01': 0.4}",
    ),
]
"""A workload's share of its demand entry (see :data:`demand.mix.Share`), checked by form like a schedule."""


MAX_HORIZON_YEARS = 50
"""Longest horizon accepted, in years: beyond it demand and hardware figures are guesswork."""


class _Input(BaseModel):
    # Assignments are validated, so that a value edited in a notebook is checked like one in a file;
    # checks across sections run again before the LP is built (see ``Scenario.revalidated``).
    model_config = ConfigDict(extra="forbid", validate_default=True, validate_assignment=True)
    _where: tuple = PrivateAttr(default=())
    """Where this entry is in its scenario (``("fleets", "h100")``), to name a rejected edit's field in full."""

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            problems = problems_from_validation(exc, type(self), data={name: value})
            where = ".".join(map(str, self._where))
            raise ScenarioError([replace(p, path=f"{where}.{p.path}" if where else p.path) for p in problems]) from exc


def _place(node: Any, where: tuple) -> None:
    """Tell every entry of a validated scenario where it is (see ``_Input._where``)."""
    if isinstance(node, _Input):
        node._where = where
        for name in type(node).model_fields:
            _place(getattr(node, name), (*where, name))
    elif isinstance(node, dict):
        for key, child in node.items():
            _place(child, (*where, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            _place(child, (*where, i))


def _fill(model: BaseModel, name: str, value: Any) -> None:
    """Set a field from inside the model's own validator, without validating the assignment again
    (which would run that validator once more)."""
    model.__dict__[name] = value


class Horizon(_Input):
    """The planning calendar."""

    start: str = Field(
        description="First month of the plan, 'YYYY-MM'. A quarterly plan starts in January, April, July or October."
    )
    periods: int = Field(ge=1, description=f"Number of planning periods (at most {MAX_HORIZON_YEARS} years).")
    period_length: PeriodLength = Field(default="month", description="Length of one period: 'month' or 'quarter'.")
    discount_rate: float = Field(
        default=0.08, ge=0, lt=1, description="Annual discount rate (fraction) for present values and capital recovery."
    )

    @field_validator("start")
    @classmethod
    def _start_is_a_month(cls, start: str) -> str:
        parse_period(start, "month")
        return start

    @model_validator(mode="after")
    def _calendar(self) -> Horizon:
        per_year = 12 if self.period_length == "month" else 4
        if self.periods > MAX_HORIZON_YEARS * per_year:
            # A count of hundreds of digits is no float: say its length instead of its years.
            digits = len(str(self.periods))
            count = (
                f"{self.periods} {self.period_length}s is {self.periods / per_year:g} years,"
                if digits <= 12
                else f"a {digits}-digit number of {self.period_length}s is"
            )
            raise FieldError(
                f"{count} longer than any capacity plan can "
                f"sensibly look ahead (servers last 4-6 years, sites a few decades); plan at most {MAX_HORIZON_YEARS} years "
                f"({MAX_HORIZON_YEARS * per_year} {self.period_length}s)",
                field=("periods",),
                value=self.periods,
            )
        month = parse_period(self.start, "month")
        if self.period_length == "quarter" and month.month % 3 != 1:
            first = f"{month.year}-{month.month - (month.month - 1) % 3:02d}"
            raise ValueError(
                f"a quarterly horizon starts in January, April, July or October, not {self.start!r}; start at {first!r} "
                "(the quarter holding it), or plan monthly"
            )
        _fill(self, "start", str(month))
        return self

    def calendar(self):
        """The planning periods as a pandas ``PeriodIndex``."""
        return planning_periods(self.start, self.periods, self.period_length)


class Workload(_Input):
    """A stream of requests for one model with one latency target."""

    model: str = Field(
        description="Reference model served, e.g. 'llama-3.1-70b'; fleets list their performance per model."
    )
    demand: Name | None = Field(
        default=None, description="Key of this workload's entry in 'demand'; defaults to the workload's own name."
    )
    max_ttft_ms: MILLISECONDS = Field(
        description="Latency SLO: longest acceptable time to first token, in milliseconds."
    )
    min_tokens_per_s_per_user: SLO_TOKENS_PER_S_PER_USER = Field(
        description="Latency SLO: slowest acceptable output speed of one user's stream, in tokens per second."
    )
    input_output_ratio: TOKEN_RATIO = Field(
        description="Input (prompt) tokens per output token; splits demand into prefill and decode."
    )
    output_tokens_per_request: TOKENS_PER_REQUEST = Field(
        default=500.0,
        description="Average output tokens of one request; with input_output_ratio it sets the prompt length, which "
        "decides KV-cache memory and time to first token in the catalog's operating points.",
    )
    share: ShareInput | None = Field(
        default=None,
        description="Fraction of the demand entry this workload takes: a number, or points {period: fraction} "
        "interpolated linearly over time (e.g. agents from 0.1 to 0.4). Needed when several workloads share an "
        "entry, and then summing to one in every period; omitted for a workload that has its entry to itself.",
    )
    profile: Profile = Field(
        default_factory=lambda: Profile(preset="flat"),
        description="How the load varies over hours and weekdays; capacity is sized for its peak hour.",
    )
    disaggregate: bool = Field(
        default=False,
        description="Allow prefill and decode on different fleets at the same site (time to first token is then checked "
        "on the prefill fleet, per-user speed on the decode fleet). Default: both phases on one fleet, in the "
        "workload's input:output proportion.",
    )
    kv_bytes_per_token: BYTES_PER_TOKEN | None = Field(
        default=None,
        description="KV-cache bytes per prompt token moved between sites (for link bandwidth). Default: the reference "
        "model's at 16-bit (see fleets/models.yaml).",
    )
    kv_transfer_usd_per_mtok: USD_PER_MTOK_MOVED = Field(
        default=0.0,
        description="Cost of moving the KV cache of one million prompt tokens from the prefill fleet to a different "
        "decode fleet, in USD (network and serialization); applies to disaggregated workloads.",
    )


class Performance(_Input):
    """What one unit of a fleet does on one model."""

    prefill_tokens_per_s: TOKENS_PER_S_PER_UNIT = Field(
        description="Input tokens processed per second per unit (system throughput)."
    )
    decode_tokens_per_s: TOKENS_PER_S_PER_UNIT = Field(
        description="Output tokens generated per second per unit (system throughput)."
    )
    tokens_per_s_per_user: TOKENS_PER_S_PER_USER = Field(description="Output tokens per second of one user's stream.")
    ttft_ms: MILLISECONDS = Field(description="Time to first token in milliseconds.")


class ExistingUnits(_Input):
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


class Fleet(_Input):
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
                    _fill(self, name, figure if isinstance(figure, str) else figure.value)
            if self.capex_usd is None and self.procurement == "own" and system.capex_usd is not None:
                _fill(self, "capex_usd", system.capex_usd.value)
            price = system.reserved_hourly_usd if self.procurement == "reserved" else system.hourly_usd
            if self.hourly_usd is None and self.procurement != "own" and price is not None:
                _fill(self, "hourly_usd", price.value)
        self._reject_meaningless(system)
        if self.provider is None:
            rented_from = system.provider if system is not None and self.procurement != "own" else None
            _fill(self, "provider", rented_from or self.vendor)
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
                if self.system
                else "no catalog 'system' is named"
            )
            raise ValueError(f"missing {', '.join(missing)} ({source}); give the figure(s) in the fleet")
        if not self.performance and self.system is None:
            raise ValueError("no performance figures: give 'performance' per model or name a catalog 'system'")
        if self.precision is not None and self.system is None:
            raise ValueError("precision applies to a catalog system's estimated operating points; name a 'system'")
        implausible = _unit_power_message(self.max_power_kw)
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
            return ServicePoint(perf, origin="scenario").within(min_speed, max_ttft)
        if self.system is None:
            return ServicePoint(None, reason=f"no performance figures for model {workload.model!r}")
        try:
            table = operating_points(
                self.system,
                workload.model,
                self.precision,
                prompt_tokens=workload.output_tokens_per_request * workload.input_output_ratio,
                output_tokens=workload.output_tokens_per_request,
            )
        except (DoesNotFitError, UnknownModelError) as exc:
            return ServicePoint(None, reason=str(exc))
        best = best_point(table, min_speed, max_ttft)
        if best is None:
            fastest = table["tokens_per_s_per_user"].max()  # pandas skips the points without the figure
            quickest = table["ttft_ms"].min()
            return ServicePoint(
                None,
                reason=f"no operating point meets the SLO (at best {fastest:.0f} tokens/s per user, {quickest:.0f} ms to first token)",
            )
        performance = Performance(**{name: float(best[name]) for name in Performance.model_fields})
        return ServicePoint(
            performance,
            origin=best["origin"],
            basis=best["basis"],
            precision=best["precision"],
            concurrency=round(best["concurrency"]),
        )


@dataclass(frozen=True)
class ServicePoint:
    """The operating point a fleet serves a workload at, or why it cannot."""

    performance: Performance | None
    origin: str = ""
    """'scenario' (inline figures), 'roofline' or 'measured' (from the fleets package)."""
    basis: str = "scenario"
    """How the figures were obtained: 'scenario' (inline), or from the fleets package 'measured' (a published
    run), 'interpolated' (between two published runs) or 'estimated' (the roofline estimator)."""
    precision: str | None = None
    concurrency: int | None = None
    reason: str | None = None

    def within(self, min_tokens_per_s_per_user: float, max_ttft_ms: float) -> ServicePoint:
        """This point if it meets the latency target, else a point saying why not."""
        perf = self.performance
        if perf is None:  # already a point that cannot serve, with its reason
            return self
        if perf.ttft_ms > max_ttft_ms:
            return ServicePoint(None, reason=f"time to first token {perf.ttft_ms:g} ms > {max_ttft_ms:g} ms")
        if perf.tokens_per_s_per_user < min_tokens_per_s_per_user:
            return ServicePoint(
                None, reason=f"{perf.tokens_per_s_per_user:g} tokens/s per user < {min_tokens_per_s_per_user:g}"
            )
        return self


MAX_UNIT_KW = 2_000.0
"""Largest plausible draw of one unit (a rack), in kW: anything above is a unit mix-up."""
MAX_SITE_MW = 20_000.0
"""Largest plausible site cap, in MW (the largest campuses plan a few GW)."""
MIN_PRICE_USD_PER_MWH = 1.0
"""Lowest plausible electricity price above zero, in USD per MWh: anything below is a price per kWh."""


def _unit_power_message(kw: Any) -> str | None:
    """Why ``max_power_kw`` of one unit is a unit mix-up, or None when it is plausible (or not a number)."""
    if not isinstance(kw, int | float) or isinstance(kw, bool) or not math.isfinite(kw) or 0.05 <= kw <= MAX_UNIT_KW:
        return None
    hint = "in kW, not MW" if kw < 0.05 else "in kW, not W"
    return f"max_power_kw {kw:g} is not a plausible unit (a DGX server draws about 10 kW, a GB200 rack about 130); give the power {hint}"


def _site_power_message(power_mw: Any) -> str | None:
    """Why a site's ``power_mw`` is a unit mix-up, or None when it is plausible (or not numbers)."""
    caps = power_mw.values() if isinstance(power_mw, dict) else [power_mw]
    numbers = [c for c in caps if isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)]
    if max(numbers, default=0.0) <= MAX_SITE_MW:
        return None
    return (
        f"power_mw {max(numbers):g} is more than any data-centre site (the largest plan a few thousand MW); "
        "give the cap in MW, not kW"
    )


def entry_problems(data: dict) -> Iterator[tuple[tuple, str, Any]]:
    """Checks of single entries that their validators make only once all their fields are valid,
    made on plain data, as ``(location, message, value)``.

    A site's cap in kW, a unit's power in W or MW, and an unknown catalog system are then
    reported in the same run as a wrong value beside them.
    """
    sites, fleets = data.get("sites"), data.get("fleets")
    for name, site in sites.items() if isinstance(sites, dict) else []:
        message = _site_power_message(site.get("power_mw")) if isinstance(site, dict) else None
        if message:
            power = site["power_mw"]
            yield ("sites", name, "power_mw"), message, power if not isinstance(power, dict) else None
    for name, fleet in fleets.items() if isinstance(fleets, dict) else []:
        if not isinstance(fleet, dict):
            continue
        message = _unit_power_message(fleet.get("max_power_kw"))
        if message:
            yield ("fleets", name, "max_power_kw"), message, fleet["max_power_kw"]
        system = fleet.get("system")
        if isinstance(system, str):
            try:
                get_system(system)
            except UnknownSystemError as exc:
                yield ("fleets", name, "system"), str(exc), system


class Expansion(_Input):
    """Power that can be added to a site in whole blocks (a substation, a hall), each at a fixed cost."""

    block_mw: MW_OF_BLOCK = Field(description="Facility MW one block adds to the site's cap.")
    capex_usd_per_block: USD_ONCE = Field(description="Cost of one block in USD, recovered over its lifetime.")
    lifetime_years: YEARS_OF_LIFE = Field(default=20.0, description="Years over which a block's cost is recovered.")
    max_blocks: int = Field(ge=1, le=1000, description="Most blocks the site can add over the horizon.")
    lead_time_months: MONTHS_OF_LEAD = Field(
        default=0.0, description="Months from decision to power; no block serves earlier."
    )


class Site(_Input):
    """A data-centre site with a power cap, where owned fleets are placed."""

    power_mw: Schedule = Field(
        description="Facility power cap in MW (including cooling: IT load times PUE), over time."
    )
    pue: float = Field(ge=1, le=3, description="Power usage effectiveness: facility power per unit of IT power.")
    electricity_price_usd_per_mwh: PriceSchedule = Field(description="Electricity price in USD per MWh, over time.")
    fleets: list[Name] = Field(min_length=1, description="Owned and leased fleets that may be placed at this site.")
    expansion: Expansion | None = Field(
        default=None, description="Power the site can add in blocks beyond power_mw. Omitted: the cap is fixed."
    )

    @field_validator("electricity_price_usd_per_mwh")
    @classmethod
    def _price_per_mwh(cls, price: float | dict[str, float]) -> float | dict[str, float]:
        steps = price.items() if isinstance(price, dict) else [(None, price)]
        for label, value in steps:
            if 0 < value < MIN_PRICE_USD_PER_MWH:
                raise FieldError(
                    f"{value:g} USD per MWh is less than any grid charges; the price seems to be per kWh: give it per MWh "
                    f"({value:g} $/kWh is {value * 1000:g} $/MWh)",
                    field=() if label is None else (label,),
                    value=value,
                )
        return price

    @model_validator(mode="after")
    def _plausible(self) -> Site:
        implausible = _site_power_message(self.power_mw)
        if implausible:
            raise FieldError(
                implausible, field=("power_mw",), value=self.power_mw if not isinstance(self.power_mw, dict) else None
            )
        return self


class Policy(_Input):
    """Budgets and the price of leaving demand unserved."""

    capex_budget_usd_per_year: USD_PER_YEAR | None = Field(
        default=None,
        description="Most capital spent per calendar year, in USD, on owned units entering service that year. Omitted: no limit.",
    )
    unserved_penalty_usd_per_mtok: USD_PER_MTOK = Field(
        default=100.0,
        description="Cost charged per million tokens of demand left unserved, in USD; set it above any serving cost "
        "so that demand goes unserved only when capacity cannot be had.",
    )
    max_vendor_share: Fraction | None = Field(
        default=None,
        description="Largest share (fraction) of the tokens served in a period that any one vendor's hardware may serve. "
        "Omitted: no limit.",
    )
    vendor_share_limits: dict[str, Fraction] = Field(
        default_factory=dict,
        description="Per-vendor share limits (fraction of tokens served per period), overriding max_vendor_share.",
    )
    max_provider_share: Fraction | None = Field(
        default=None,
        description="Largest share (fraction) of the tokens served in a period by the units of any one provider (whom "
        "they are bought or rented from, e.g. one cloud). Omitted: no limit.",
    )
    provider_share_limits: dict[str, Fraction] = Field(
        default_factory=dict,
        description="Per-provider share limits (fraction of tokens served per period), overriding max_provider_share.",
    )
    category_share_limits: dict[Category, Fraction] = Field(
        default_factory=dict,
        description="Largest share (fraction) of the tokens served in a period per hardware category, e.g. {wafer_scale: 0.5}.",
    )
    vendor_loss_coverage: Fraction | None = Field(
        default=None,
        description="Resilience: for each vendor, the installed and rented capacity of the other vendors alone can serve "
        "this fraction of every workload's demand in every period. Omitted: no such rule.",
    )
    adoption_usd: dict[str, USD_ONCE] = Field(
        default_factory=dict,
        description="One-off cost in USD of bringing up a vendor's platform (integration, software, staff), paid once if "
        "any of its fleets serves; needs integer_units (a platform is adopted or not).",
    )
    vendor_loss_exempt: list[Name] = Field(
        default_factory=list,
        description="Workloads the resilience rule does not cover (e.g. one only a single vendor's hardware can serve).",
    )


class KvLink(_Input):
    """A network link over which prompts prefilled at one site may be decoded at another."""

    from_site: Name = Field(alias="from", description="Site where the prompts are prefilled.")
    to_site: Name = Field(alias="to", description="Site where the outputs are decoded.")
    bandwidth_gb_s: GB_PER_S = Field(description="Capacity of the link for KV caches, in GB/s.")

    model_config = ConfigDict(extra="forbid", validate_default=True, validate_assignment=True, populate_by_name=True)


class Contract(_Input):
    """A commitment to keep capacity of one vendor, provider, category or fleet in service from given dates.

    Owned units are paid for whether they serve or not, so a commitment is take-or-pay: the plan
    carries (and pays for) at least the committed capacity even where it would rather not.
    """

    vendor: str | None = Field(
        default=None, description="The hardware vendor the commitment is with (fleets of that vendor's hardware count)."
    )
    provider: str | None = Field(
        default=None,
        description="The provider the commitment is with, e.g. a cloud (fleets bought or rented from it count).",
    )
    category: Category | None = Field(default=None, description="The hardware category the commitment covers.")
    fleet: Name | None = Field(default=None, description="The one fleet the commitment covers.")
    min_mw: MWSchedule | None = Field(
        default=None,
        description="Owned capacity to keep in service, in MW of IT power (units times max_power_kw), over time.",
    )
    min_units: UnitsSchedule | None = Field(
        default=None, description="Units (owned or rented) to keep in service, over time."
    )
    min_spend_usd_per_year: SpendSchedule | None = Field(
        default=None,
        description="Least spent per calendar year on the covered fleets (capital recovery, opex, energy, rental), in USD; "
        "a year's value is the schedule's at its first month. Take-or-pay: any shortfall is paid anyway.",
    )

    @model_validator(mode="after")
    def _one_of_each(self) -> Contract:
        if sum(x is not None for x in (self.vendor, self.provider, self.category, self.fleet)) != 1:
            raise ValueError("name exactly one of vendor, provider, category or fleet")
        if sum(x is not None for x in (self.min_mw, self.min_units, self.min_spend_usd_per_year)) != 1:
            raise ValueError("give exactly one of min_mw, min_units or min_spend_usd_per_year")
        return self

    def covers(self, name: str, fleet: Fleet) -> bool:
        """Whether ``fleet`` (called ``name``) counts towards this commitment."""
        return (
            name == self.fleet
            or fleet.vendor == self.vendor
            or fleet.provider == self.provider
            or fleet.category == self.category
        )


def reference_problems(data: dict) -> Iterator[tuple[tuple, str, Any]]:
    """Names that point nowhere, as ``(location, message, value)``.

    Works on plain data (a parsed file, or a dumped scenario), tolerating sections that are
    missing or malformed, so it can run even when other fields failed validation.
    """

    def section(name: str) -> dict:
        value = data.get(name)
        return value if isinstance(value, dict) else {}

    def entries(mapping: dict):
        return ((name, entry) for name, entry in mapping.items() if isinstance(entry, dict))

    def fleet_list(site: Any) -> list[str] | None:
        listed = site.get("fleets") if isinstance(site, dict) else None
        ok = isinstance(listed, list) and listed and all(isinstance(name, str) for name in listed)
        return listed if ok else None

    workloads, demand, fleets, sites = section("workloads"), section("demand"), section("fleets"), section("sites")
    for name, workload in entries(workloads):
        key = workload.get("demand") or name
        if demand and isinstance(key, str) and key not in demand:
            if workload.get("demand"):
                close = closest(key, list(map(str, demand)))
                hint = f"; did you mean {close!r}?" if close else ";"
                yield (
                    ("workloads", name, "demand"),
                    f"no demand entry {key!r}{hint} known: {', '.join(map(str, demand))}",
                    key,
                )
            else:
                yield (
                    ("workloads", name, "demand"),
                    f"no demand entry {key!r} (a workload without 'demand' takes the entry of its own name); "
                    f"add 'demand:' naming one of: {', '.join(map(str, demand))}",
                    None,
                )
    placed = set()
    for site_name, site in entries(sites):
        listed = site.get("fleets")
        for i, fleet_name in enumerate(listed if isinstance(listed, list) else []):
            if not isinstance(fleet_name, str):
                continue  # reported as a wrong type by the field checks
            fleet = fleets.get(fleet_name)
            if fleet is None and fleets:
                yield (
                    ("sites", site_name, "fleets", i),
                    unknown_name("fleet", fleet_name, list(map(str, fleets))),
                    fleet_name,
                )
                # The fleet a misspelt name stands for is placed there, not also 'placed at no site'.
                placed.add(closest(fleet_name, list(map(str, fleets))))
            elif isinstance(fleet, dict) and fleet.get("procurement") in ("cloud", "reserved"):
                yield (
                    ("sites", site_name, "fleets", i),
                    "a cloud fleet is not placed at a site (on demand or reserved, it is rented in its region); remove it here",
                    fleet_name,
                )
            placed.add(fleet_name)
    # Where a site's list of fleets is itself wrong (reported by the field checks), which fleets
    # stand where is unknown: saying a fleet stands nowhere would blame the fleet for the list.
    sites_readable = ("sites" not in data or isinstance(data.get("sites"), dict)) and all(
        fleet_list(site) is not None for site in sites.values()
    )
    for fleet_name, fleet in entries(fleets):
        if sites_readable and fleet.get("procurement") in AT_SITES and fleet_name not in placed:
            yield (
                ("fleets", fleet_name),
                f"{fleet.get('procurement')} fleet placed at no site; add it to a site's 'fleets'",
                None,
            )
        existing = fleet.get("existing") if fleet.get("procurement") == "own" else None
        for i, entry in enumerate(existing if isinstance(existing, list) else []):
            site_name = entry.get("site") if isinstance(entry, dict) else None
            if site_name is None:
                continue
            site = sites.get(site_name) if isinstance(site_name, str) else None
            listed = fleet_list(site)
            if site is None:
                yield (
                    ("fleets", fleet_name, "existing", i, "site"),
                    unknown_name("site", site_name, list(map(str, sites))),
                    site_name,
                )
            elif listed is not None and fleet_name not in listed:
                yield (
                    ("fleets", fleet_name, "existing", i, "site"),
                    f"site {site_name!r} does not list this fleet in its 'fleets'; add it there",
                    site_name,
                )
    for name, contract in entries(section("contracts")):
        fleet_name = contract.get("fleet")
        if isinstance(fleet_name, str) and fleets and fleet_name not in fleets:
            yield ("contracts", name, "fleet"), unknown_name("fleet", fleet_name, list(map(str, fleets))), fleet_name


class Scenario(_Input):
    """One planning question: horizon, workloads and their demand, hardware options, sites and policy.

    Build one with :meth:`from_yaml` (errors then name the file and line) or from a dict with
    :meth:`from_dict`; both raise :class:`~planner.errors.ScenarioError` listing every problem.
    """

    name: str = Field(default="scenario", description="Short name shown in reports.")
    description: str = Field(default="", description="What question this scenario answers.")
    horizon: Horizon = Field(description="The planning calendar.")
    workloads: dict[Name, Workload] = Field(min_length=1, description="Workloads by name.")
    demand: dict[Name, DemandSpec] = Field(min_length=1, description="Token demand (input plus output) per demand key.")
    fleets: dict[Name, Fleet] = Field(min_length=1, description="Hardware options by name.")
    sites: dict[Name, Site] = Field(default_factory=dict, description="Sites for owned fleets, by name.")
    policy: Policy = Field(
        default_factory=Policy, description="Budgets, penalties and limits on vendors and categories."
    )
    contracts: dict[Name, Contract] = Field(default_factory=dict, description="Capacity commitments, by name.")
    kv_links: list[KvLink] = Field(
        default_factory=list,
        description="Links between sites over which disaggregated workloads may move KV caches. Omitted: prefill and "
        "decode of a request share a site.",
    )
    time_slices: list[Fraction] | None = Field(
        default=None,
        min_length=1,
        description="Plan each period in slices of the week's hours, busiest first, as shares of the hours summing to "
        "one (e.g. [0.1, 0.5, 0.4]: peak, shoulder, off-peak): capacity must carry every slice, energy is paid per "
        "slice. Omitted: capacity is sized for each workload's peak hour and energy for the average.",
    )
    integer_units: bool = Field(
        default=False,
        description="Buy, lease, reserve and rent whole units (a mixed-integer program, slower); marginal prices then come "
        "from the linear program with those decisions fixed.",
    )

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        sections = self.model_dump(include={"workloads", "demand", "fleets", "sites", "contracts"})
        problems = [
            *reference_problems(sections),
            *self._check_calendar(),
            *self._check_mix(),
            *self._check_models(),
            *self._check_service(),
            *self._check_resilience(),
            *self._check_adoption(),
            *self._check_slices(),
            *self._check_links(),
        ]
        if problems:
            raise ValidationError.from_exception_data(
                "Scenario",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("scenario", msg.replace("{", "(").replace("}", ")")),
                        loc=loc,
                        input=value,
                    )
                    for loc, msg, value in problems
                ],
            )
        _place(self, ())
        return self

    def demand_key(self, workload: str) -> str:
        """The ``demand`` entry that feeds ``workload``."""
        return self.workloads[workload].demand or workload

    def _check_calendar(self):
        periods = self.horizon.calendar()
        first, last = periods[0], periods[-1]
        length = self.horizon.period_length

        def steps(value, loc, before="add '{first}: 0' if nothing is available before"):
            if not isinstance(value, dict):
                return
            if not value:
                yield loc, "empty schedule; give a number or at least one step", value
                return
            labels = {}
            for label in value:
                try:
                    labels[label] = parse_period(label, length)
                except ValueError as exc:
                    yield (*loc, label), str(exc), label
            early = min(labels, key=labels.__getitem__) if labels else None
            if early is not None and labels[early] > first:
                yield (
                    loc,
                    f"the first step must be at or before the horizon start {first}, or the periods before it have no "
                    f"value; {before.format(first=first)}",
                    early,
                )
            for label, period in labels.items():
                if period > last and not (label == early and period > first):
                    yield (
                        (*loc, label),
                        f"this step starts after the horizon ends ({last}), so it would never apply; remove it, correct "
                        "its date, or lengthen the horizon",
                        label,
                    )

        for name, site in self.sites.items():
            yield from steps(site.power_mw, ("sites", name, "power_mw"))
            yield from steps(
                site.electricity_price_usd_per_mwh,
                ("sites", name, "electricity_price_usd_per_mwh"),
                "add a step '{first}: PRICE' with the price from the start",
            )
        for name, fleet in self.fleets.items():
            yield from steps(fleet.max_build_units_per_period, ("fleets", name, "max_build_units_per_period"))
            yield from steps(fleet.quota_units, ("fleets", name, "quota_units"))
            for i, existing in enumerate(fleet.existing):
                if existing.retire_after is not None:
                    loc = ("fleets", name, "existing", i, "retire_after")
                    try:
                        retired = parse_period(existing.retire_after, length)
                    except ValueError as exc:
                        yield loc, str(exc), existing.retire_after
                        continue
                    if retired < first:
                        yield (
                            loc,
                            (
                                f"these units retire before the horizon starts ({first}), so they would serve no period; "
                                "correct the date or remove the entry"
                            ),
                            existing.retire_after,
                        )
        for name, contract in self.contracts.items():
            for field in ("min_mw", "min_units", "min_spend_usd_per_year"):
                yield from steps(getattr(contract, field), ("contracts", name, field))
            yield from self._check_coverage(name, contract)
        for key, spec in self.demand.items():
            yield from self._check_demand(key, spec, periods)

    def _check_coverage(self, name: str, contract: Contract):
        if any(contract.covers(f, fleet) for f, fleet in self.fleets.items()):
            return
        if contract.fleet is not None:
            return  # an unknown fleet name: reported by reference_problems
        field = next(f for f in ("vendor", "provider", "category") if getattr(contract, f) is not None)
        given = getattr(contract, field)
        known = sorted({str(getattr(fleet, field)) for fleet in self.fleets.values()})
        close = closest(given, known)
        hint = f"; did you mean {close!r}?" if close else ";"
        yield (
            ("contracts", name, field),
            f"no fleet is covered by this commitment: no fleet has {field} {given!r}{hint} the fleets have: {', '.join(known)}",
            given,
        )

    def _check_demand(self, key: str, spec, periods):
        loc = ("demand", key)
        series = spec if isinstance(spec, ExplicitSeries) else None
        if series is not None and series.tokens is not None:
            bad = False
            for label in series.tokens:
                try:
                    parse_label(label)
                except ValueError as exc:
                    bad = True
                    yield (*loc, "tokens", label), str(exc), label
            if bad:
                return
        source = f"{series.csv.name}: " if series is not None and series.csv is not None else ""
        try:
            tokens = project(spec, periods)["tokens"]
        except (ValueError, OverflowError) as exc:
            yield loc, source + str(exc) + self._coverage(series, periods), None
            return
        if not all(math.isfinite(t) for t in tokens):
            yield (
                loc,
                "the projection overflows; check the starting volume (tokens per day, at most "
                f"{MAX_TOKENS_PER_DAY:g}), the growth rate and its unit ('per')",
                None,
            )
            return
        per_day = tokens.to_numpy() / (seconds_per_period(periods) / 86_400.0)
        worst = int(per_day.argmax())
        if per_day[worst] > MAX_TOKENS_PER_DAY:
            yield (
                loc,
                f"{per_day[worst]:.3g} tokens per day in {periods[worst]} is more than any plausible demand (over 1,000 "
                f"times the largest published volume, 8.6e12 a day, so at most {MAX_TOKENS_PER_DAY:g} a day); check the "
                "figures, their unit (tokens, not bytes or requests) and the growth rate",
                None,
            )

    @staticmethod
    def _coverage(series: ExplicitSeries | None, periods) -> str:
        """What a series covers beside the horizon, when that is why it cannot be projected."""
        if series is None:
            return ""
        try:
            table = series.intervals()
        except ValueError:
            return ""  # the labels themselves are wrong: the message says which
        return (
            f"; the series runs from {table['label'].iloc[0]} to {table['label'].iloc[-1]} and the horizon from {periods[0]} "
            f"to {periods[-1]}: give tokens for every period of the horizon, or move the horizon"
        )

    def _check_mix(self):
        periods = self.horizon.calendar()
        users: dict[str, list[str]] = {}
        for name in self.workloads:
            users.setdefault(self.demand_key(name), []).append(name)
        broken = set()
        for name, workload in self.workloads.items():
            if workload.share is None:
                continue
            try:
                share_values(workload.share, periods)
            except ValueError as exc:
                broken.add(name)
                yield ("workloads", name, "share"), str(exc), None  # the message shows the value
        for key, names in users.items():
            if len(names) == 1 or broken & set(names):
                continue
            shares = {n: share for n in names if (share := self.workloads[n].share) is not None}
            missing = [n for n in names if n not in shares]
            if missing:
                yield (
                    ("workloads", missing[0], "share"),
                    f"demand entry {key!r} feeds {', '.join(names)}: give each of them a 'share'",
                    None,
                )
                continue
            try:
                mix_table(shares, periods)
            except ValueError as exc:
                yield ("workloads",), f"shares of demand entry {key!r} ({', '.join(names)}): {exc}", None

    def _check_links(self):
        for i, link in enumerate(self.kv_links):
            for end in ("from_site", "to_site"):
                name = getattr(link, end)
                if name not in self.sites and name not in {f.region for f in self.fleets.values()}:
                    yield ("kv_links", i, end.removesuffix("_site")), unknown_name("site", name, list(self.sites)), name
        for name, workload in self.workloads.items():
            if workload.disaggregate and self.kv_links and workload.kv_bytes_per_token is None:
                try:
                    get_model(workload.model)
                except UnknownModelError:
                    yield (
                        ("workloads", name, "kv_bytes_per_token"),
                        "needed to move KV caches between sites: the model is not a reference model",
                        None,
                    )

    def _check_slices(self):
        if self.time_slices is not None and abs(sum(self.time_slices) - 1.0) > 1e-6:
            yield (
                ("time_slices",),
                f"the shares of the hours must sum to 1, not {sum(self.time_slices):g}",
                self.time_slices,
            )

    def _check_adoption(self):
        if self.policy.adoption_usd and not self.integer_units:
            yield (
                ("policy", "adoption_usd"),
                "adoption costs need integer_units: true (a platform is adopted or not)",
                None,
            )
        # A rule for a vendor (or provider) no fleet has would bind nothing, silently: a misspelt name.
        for field, kind in (
            ("adoption_usd", "vendor"),
            ("vendor_share_limits", "vendor"),
            ("provider_share_limits", "provider"),
        ):
            names = sorted({str(getattr(fleet, kind)) for fleet in self.fleets.values()})
            for name in getattr(self.policy, field):
                if name not in names:
                    close = closest(name, names)
                    hint = f"; did you mean {close!r}?" if close else ";"
                    yield (
                        ("policy", field, name),
                        f"no fleet of this {kind}{hint} {kind}s: {', '.join(names)}",
                        name,
                    )

    def _check_models(self):
        listed = {model for fleet in self.fleets.values() for model in fleet.performance}
        known = sorted(listed | set(load_models()))
        for name, workload in self.workloads.items():
            if workload.model not in known:
                close = closest(workload.model, known)
                hint = f"did you mean {close!r}? " if close else ""
                yield (
                    ("workloads", name, "model"),
                    f"unknown model; {hint}No fleet gives 'performance' for it and it is not a reference model "
                    f"(fleets/models.yaml); known: {', '.join(known)}",
                    workload.model,
                )

    def _check_resilience(self):
        if self.policy.vendor_loss_coverage is None:
            return
        for i, name in enumerate(self.policy.vendor_loss_exempt):
            if name not in self.workloads:
                yield ("policy", "vendor_loss_exempt", i), unknown_name("workload", name, list(self.workloads)), name
        for name, workload in self.workloads.items():
            if name in self.policy.vendor_loss_exempt:
                continue
            phases: tuple[Phase, ...] = ("prefill", "decode") if workload.disaggregate else ("both",)
            for phase in phases:
                vendors = {
                    fleet.vendor
                    for fleet in self.fleets.values()
                    if fleet.service_point(workload, phase).performance is not None
                }
                if len(vendors) == 1:
                    (only,) = vendors
                    yield (
                        ("policy", "vendor_loss_coverage"),
                        f"workload {name!r} can only be served by {only}'s hardware, so losing {only} leaves nothing to cover it; "
                        f"add it to vendor_loss_exempt or add a fleet of another vendor that meets its SLO",
                        None,
                    )
                    break

    def _check_service(self):
        known = {model for fleet in self.fleets.values() for model in fleet.performance} | set(load_models())
        for name, workload in self.workloads.items():
            if workload.model not in known:
                continue  # an unknown model: reported by _check_models
            phases: tuple[Phase, ...] = ("prefill", "decode") if workload.disaggregate else ("both",)
            for phase in phases:
                reasons = {
                    fleet_name: fleet.service_point(workload, phase).reason for fleet_name, fleet in self.fleets.items()
                }
                if all(reasons.values()):
                    detail = "; ".join(f"{f}: {why}" for f, why in reasons.items())
                    what = "this workload" if phase == "both" else f"the {phase} of this workload"
                    yield (
                        ("workloads", name),
                        f"no fleet can serve {what} within its SLO ({detail}); relax the SLO or add a fleet",
                        None,
                    )

    # ----------------------------------------------------------------- loading
    @classmethod
    def from_dict(
        cls, data: Any, *, base_dir: Path | str = ".", file: Path | None = None, text: str | None = None
    ) -> Scenario:
        """Validate a scenario given as plain data.

        Parameters
        ----------
        data
            The parsed scenario (a mapping).
        base_dir
            Folder against which relative paths (demand CSV files) are resolved.
        file, text
            The file and its text, only to locate problems by line.

        Raises
        ------
        ScenarioError
            Listing every problem found.
        """
        if not isinstance(data, dict):
            message = "a scenario is a mapping of sections (horizon, workloads, ...); write each section as a top-level 'name:' line"
            raise ScenarioError([locate((), message, type(data).__name__, file, text)])
        try:
            return cls.model_validate(data, context={"base_dir": Path(base_dir)})
        except ValidationError as exc:
            problems = problems_from_validation(exc, cls, file, text, data, Path(base_dir))
            if not any(error["type"] == "scenario" for error in exc.errors()):
                # Field errors stop pydantic before the cross-checks; check the names anyway so
                # that one run reports a misspelt reference together with a bad value.
                reported = {problem.path for problem in problems}
                problems += [
                    problem
                    for loc, message, value in reference_problems(data)
                    if (problem := locate(loc, message, value, file, text)).path not in reported
                ]
                said = {(problem.path, problem.message) for problem in problems}
                problems += [
                    problem
                    for loc, message, value in entry_problems(data)
                    if ((problem := locate(loc, message, value, file, text)).path, problem.message) not in said
                ]
            raise ScenarioError(problems) from exc

    @classmethod
    def from_yaml(cls, path: Path | str) -> Scenario:
        """Load and validate a scenario file; relative paths in it are read from its folder.

        Raises
        ------
        ScenarioError
            Listing every problem found, with file and line.
        """
        path = Path(path)
        data, text = load_yaml_file(path)
        return cls.from_dict(data, base_dir=path.parent, file=path, text=text)

    def revalidated(self) -> Scenario:
        """This scenario checked again as a whole, as :meth:`from_dict` checks a file's content.

        Assignments to a field are checked at once, but the checks across fields and sections
        (references, calendars, latency eligibility) run only when the scenario is built: an edit
        inside a section such as ``scenario.sites["west"].fleets = ["h10"]`` (no such fleet) is
        caught here. :meth:`planner.data.ModelData.from_scenario` (and so :func:`planner.solve`,
        ``explain`` and ``inspect``) calls it before building the LP.

        Raises
        ------
        ScenarioError
            Listing every problem, as the loader lists them.
        """
        return type(self).from_dict(self.model_dump(mode="python"))

    def to_yaml(self) -> str:
        """The scenario with every default and catalog figure filled in, as YAML."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
