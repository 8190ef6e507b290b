"""A second solver as a cross-check, and properties every optimal plan must have."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from planner import Scenario, Status, example_path, examples, solve
from planner.overrides import with_values
from tests.planner.test_result import check_invariants, random_scenarios

RELATIVE = 1e-6
PROPERTIES = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same(a: float, b: float) -> bool:
    # A millionth of a dollar absolute for plans that cost (almost) nothing.
    return abs(a - b) <= RELATIVE * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("name", examples())
def test_cbc_and_highs_agree_on_every_example(name):
    scenario = Scenario.from_yaml(example_path(name))
    cbc, highs = solve(scenario, solver="cbc"), solve(scenario, solver="highs")
    assert cbc.is_optimal and highs.is_optimal
    assert _same(cbc.objective_usd, highs.objective_usd), (cbc.objective_usd, highs.objective_usd)
    check_invariants(highs)


@PROPERTIES
@given(random_scenarios())
def test_cbc_and_highs_agree_on_random_scenarios(scenario):
    cbc, highs = solve(scenario, solver="cbc"), solve(scenario, solver="highs")
    assert cbc.status is highs.status is Status.OPTIMAL  # both plans verify: tests/planner/test_verify.py
    assert _same(cbc.objective_usd, highs.objective_usd), (cbc.objective_usd, highs.objective_usd)


def _relaxed(scenario: Scenario, factor: float) -> Scenario:
    """More power at every site, more budget, more supply: every limit multiplied by ``factor``."""
    values = {}
    for name, site in scenario.sites.items():
        if not isinstance(site.power_mw, dict):
            values[f"sites.{name}.power_mw"] = site.power_mw * factor
    if scenario.policy.capex_budget_usd_per_year is not None:
        values["policy.capex_budget_usd_per_year"] = scenario.policy.capex_budget_usd_per_year * factor
    for name, fleet in scenario.fleets.items():
        if isinstance(fleet.quota_units, int | float):
            values[f"fleets.{name}.quota_units"] = fleet.quota_units * factor
    return with_values(scenario, values) if values else scenario


@PROPERTIES
@given(random_scenarios())
def test_more_power_budget_or_supply_never_raises_the_cost(scenario):
    base = solve(scenario, solver="highs").objective_usd
    relaxed = solve(_relaxed(scenario, 1.5), solver="highs").objective_usd
    assert relaxed <= base + RELATIVE * max(1.0, abs(base))


@PROPERTIES
@given(random_scenarios())
def test_more_demand_never_lowers_the_cost(scenario):
    tokens = scenario.demand["w"].tokens
    more = with_values(scenario, {f"demand.w.tokens.{label}": value * 1.2 for label, value in tokens.items()})
    base = solve(scenario, solver="highs").objective_usd
    assert solve(more, solver="highs").objective_usd >= base - RELATIVE * max(1.0, abs(base))
