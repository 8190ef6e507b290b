"""Policy across the plan: budgets, the unserved penalty, share limits, resilience, adoption; KV links and capacity commitments."""

from __future__ import annotations

from pydantic import (
    ConfigDict,
    Field,
    model_validator,
)

from fleets import (
    Category,
)
from planner.ranges import (
    GB_PER_S,
    USD_ONCE,
    USD_PER_MTOK,
    USD_PER_YEAR,
)
from planner.scenario.base import (
    Fraction,
    Input,
    MWSchedule,
    Name,
    SpendSchedule,
    UnitsSchedule,
)
from planner.scenario.fleet import Fleet


class Policy(Input):
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


class KvLink(Input):
    """A network link over which prompts prefilled at one site may be decoded at another."""

    from_site: Name = Field(alias="from", description="Site where the prompts are prefilled.")
    to_site: Name = Field(alias="to", description="Site where the outputs are decoded.")
    bandwidth_gb_s: GB_PER_S = Field(description="Capacity of the link for KV caches, in GB/s.")

    model_config = ConfigDict(extra="forbid", validate_default=True, validate_assignment=True, populate_by_name=True)


class Contract(Input):
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
