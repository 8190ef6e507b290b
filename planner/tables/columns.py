"""Every table of a plan and its columns, in order: the contract between the plan, its folder and `planner verify`."""

from __future__ import annotations

from planner.build.costs import COMPONENTS

PENALTY = "unserved_penalty"
PLAN_COMPONENTS = tuple(c for c in COMPONENTS if c != PENALTY)
"""The components of the plan's cost: what would be paid. The unserved penalty is not one: it is
the weight the objective puts on demand left unserved, a modelling choice that nobody pays."""

FULL_DRAW = (
    "committed_it_mw",
    "hours",
    "electricity_usd_per_mwh",
    "full_draw_it_usd",
    "full_draw_facility_usd",
    "plan_energy_usd",
)
"""The policy table's columns for a capacity commitment at full draw (empty on other rows)."""

TABLE_COLUMNS: dict[str, list[str]] = {
    "demand": ["period", "workload", "phase", "tokens_per_s", "peak_tokens_per_s", "tokens"],
    "builds": ["period", "order_period", "site", "fleet", "units"],
    "installed": ["period", "site", "fleet", "procurement", "units"],
    "allocation": [
        "period",
        "workload",
        "phase",
        "fleet",
        "site",
        "tokens_per_s",
        "tokens",
        "busy_units",
        "peak_busy_units",
        "concurrency",
    ],
    "power": [
        "period",
        "site",
        "reserved_mw",
        "drawn_it_mw",
        "drawn_facility_mw",
        "cap_mw",
        "expansion_mw",
        "marginal_usd_per_mw",
    ],
    "energy": [
        "period",
        "site",
        "fleet",
        "reserved_mw",
        "drawn_it_mw",
        "drawn_facility_mw",
        "energy_mwh",
        "energy_usd",
        "energy_included",
    ],
    "expansion": ["period", "site", "blocks", "new_blocks", "expansion_mw", "capital_usd"],
    "slices": ["period", "slice", "hours_share", "site", "fleet", "procurement", "units", "peak_busy_units"],
    "costs": ["period", "component", "usd", "discounted_usd"],
    "prices": ["period", "workload", "marginal_usd_per_mtok"],
    "unserved": ["period", "workload", "phase", "tokens_per_s", "tokens"],
    "operating_points": [
        "workload",
        "phase",
        "fleet",
        "origin",
        "basis",
        "precision",
        "concurrency",
        "tokens_per_s_per_unit",
        "tokens_per_s_per_user",
        "ttft_ms",
        "busy_unit_hours",
        "stack",
        "source",
    ],
    "transfers": [
        "period",
        "workload",
        "prefill_site",
        "prefill_fleet",
        "decode_site",
        "decode_fleet",
        "prompt_tokens_per_s",
        "usd",
    ],
    "policy": [
        "period",
        "policy",
        "subject",
        "limit",
        "actual",
        "unit",
        "binding",
        "marginal_usd_per_unit",
        *FULL_DRAW,
    ],
}
"""Every result table and its columns, in order."""
