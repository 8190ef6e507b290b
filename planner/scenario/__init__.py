"""The scenario: everything a capacity planner states about one planning question.

A scenario is validated input. Every field carries its unit in its name or description; cross-field
checks (references between sections, calendars, latency eligibility) run when it is built, and all
problems are reported together.

>>> from planner import Scenario, default_scenario_path
>>> scenario = Scenario.from_yaml(default_scenario_path())
>>> scenario.horizon.period_length
'month'
"""

from planner.scenario.base import (
    AT_SITES,
    Fraction,
    MWSchedule,
    Name,
    NonNegative,
    Phase,
    Positive,
    PriceSchedule,
    Procurement,
    Schedule,
    ShareInput,
    SpendSchedule,
    UnitsSchedule,
)
from planner.scenario.checks import entry_problems, reference_problems
from planner.scenario.fleet import MAX_UNIT_KW, ExistingUnits, Fleet, Performance
from planner.scenario.horizon import MAX_HORIZON_YEARS, Horizon
from planner.scenario.policy import Contract, KvLink, Policy
from planner.scenario.scenario import Scenario
from planner.scenario.service import ServicePoint
from planner.scenario.site import MAX_SITE_MW, MIN_PRICE_USD_PER_MWH, Expansion, Site
from planner.scenario.speculation import MAX_DRAFT_TOKENS, SpeculativeDecoding
from planner.scenario.workload import Workload

__all__ = [
    "AT_SITES",
    "MAX_DRAFT_TOKENS",
    "MAX_HORIZON_YEARS",
    "MAX_SITE_MW",
    "MAX_UNIT_KW",
    "MIN_PRICE_USD_PER_MWH",
    "Contract",
    "ExistingUnits",
    "Expansion",
    "Fleet",
    "Fraction",
    "Horizon",
    "KvLink",
    "MWSchedule",
    "Name",
    "NonNegative",
    "Performance",
    "Phase",
    "Policy",
    "Positive",
    "PriceSchedule",
    "Procurement",
    "Scenario",
    "Schedule",
    "ServicePoint",
    "ShareInput",
    "Site",
    "SpeculativeDecoding",
    "SpendSchedule",
    "UnitsSchedule",
    "Workload",
    "entry_problems",
    "reference_problems",
]
