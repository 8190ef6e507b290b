"""Frontiers on scenarios worked out on paper (see tests/planner/analyses/test_breakeven.py for the costs)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import Scenario
from planner.analyses.frontier import diversification_frontier, frontier, latency_values
from planner.errors import ScenarioError
from tests.conftest import JANUARY_HOURS, cloud_fleet, fleet, scenario_dict

OWNED_USD_PER_UNIT_MONTH = 12_000 / 12 + 10 * JANUARY_HOURS * 100 / 1000  # $1,744


def _fast(capex_usd: float, speed: float, **more) -> dict:
    unit = fleet(capex_usd, **more)
    unit["performance"]["m"]["tokens_per_s_per_user"] = speed
    return unit


def test_the_rental_price_frontier_costs_rent_until_owning_is_cheaper_and_brackets_the_switch():
    scenario = Scenario.from_dict(scenario_dict(fleets={"own": fleet(), "rent": cloud_fleet(2.0)}))
    found = frontier(scenario, "fleets.rent.hourly_usd", [1.0, 2.0, 3.0, 4.0], tolerance=0.002)
    points = found.points
    assert points["plan_cost_usd"].to_list() == pytest.approx(
        [
            10 * JANUARY_HOURS * 1.0,
            10 * JANUARY_HOURS * 2.0,
            10 * OWNED_USD_PER_UNIT_MONTH,
            10 * OWNED_USD_PER_UNIT_MONTH,
        ]
    )
    assert points["next_step_usd"].iloc[0] == pytest.approx(10 * JANUARY_HOURS)
    assert points["marginal_usd_per_unit"].iloc[0] == pytest.approx(10 * JANUARY_HOURS)  # $ per $1/h
    assert math.isnan(points["next_step_usd"].iloc[-1])
    assert points[["fleet:rent", "fleet:own"]].iloc[0].to_list() == pytest.approx([1.0, 0.0])
    assert points["vendor:acme"].iloc[-1] == pytest.approx(1.0) and points["category:gpu"].iloc[-1] == pytest.approx(
        1.0
    )
    (row,) = found.breakpoints.to_dict("records")
    assert row["lower"] <= OWNED_USD_PER_UNIT_MONTH / JANUARY_HOURS <= row["upper"]
    assert row["upper"] - row["lower"] <= 0.002 * row["upper"]
    assert (row["fleets_at_lower"], row["fleets_at_upper"]) == ("rent", "own")
    assert (row["serving_only_at_lower"], row["serving_only_at_upper"]) == ("w/rent", "w/own")
    shares = found.shares
    assert (
        set(shares["by"]) == {"fleet", "vendor", "category"} and len(shares) == 4 * 6
    )  # 2 fleets, 2 vendors, 2 categories


def test_a_vendor_cap_frontier_prices_diversification():
    """Owned units from acme at $1,744 a unit-month, from 'other' at $12,000 / 12 x 2 + $744 = $2,744:
    with acme capped at a share s, 10 x (1 - s) units come from 'other', $1,000 more each."""
    fleets = {"own": fleet(), "other": fleet(24_000, vendor="other")}
    found = diversification_frontier(
        Scenario.from_dict(scenario_dict(fleets=fleets)), [1.0, 0.8, 0.6], breakpoints=False
    )
    assert found.points["plan_cost_usd"].to_list() == pytest.approx(
        [10 * OWNED_USD_PER_UNIT_MONTH + 10 * (1 - s) * 1_000 for s in (1.0, 0.8, 0.6)]
    )
    # each percentage point of cap costs a tenth of a unit moved: $100
    assert found.points["marginal_usd_per_percentage_point"].iloc[0] == pytest.approx(100.0)
    assert found.summary()["points"][2]["shares"]["vendor:acme"] == pytest.approx(0.6)
    assert found.breakpoints.empty


TWO_FLEETS = given(
    slow_capex=st.floats(5_000, 20_000),
    fast_capex=st.floats(5_000, 40_000),
    fast_speed=st.floats(60, 200),
    demand=st.floats(2_000, 30_000),
)
"""A slow fleet (50 tokens/s per user) and a fast one at random prices, speed and demand."""


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@TWO_FLEETS
def test_the_latency_cost_frontier_never_falls_as_the_target_tightens(slow_capex, fast_capex, fast_speed, demand):
    """One random draw here, four under ``-m slow``."""
    _latency_frontier_never_falls(slow_capex, fast_capex, fast_speed, demand)


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@TWO_FLEETS
def test_the_latency_cost_frontier_never_falls_over_four_draws(slow_capex, fast_capex, fast_speed, demand):
    _latency_frontier_never_falls(slow_capex, fast_capex, fast_speed, demand)


def _latency_frontier_never_falls(slow_capex: float, fast_capex: float, fast_speed: float, demand: float) -> None:
    """Raising the workload's speed target only removes ways to serve, so the optimum (cost plus
    the unserved penalty) never falls."""
    fleets = {"slow": fleet(slow_capex), "fast": _fast(fast_capex, fast_speed, vendor="other")}
    scenario = Scenario.from_dict(scenario_dict(demand, fleets=fleets))
    path, values = latency_values(scenario, "w", "speed", steps=4)
    assert path == "workloads.w.min_tokens_per_s_per_user" and values[0] == pytest.approx(2.5)
    assert values[-1] == pytest.approx(fast_speed)
    found = frontier(scenario, path, values, tolerance=0.25)
    objective = found.points["objective_usd"].to_list()
    assert all(b >= a * (1 - 1e-9) for a, b in itertools.pairwise(objective))
    for row in found.breakpoints.to_dict("records"):
        assert row["lower"] < row["upper"] and row["upper"] - row["lower"] <= 0.25 * row["upper"]


def test_relative_values_and_bad_paths():
    scenario = Scenario.from_dict(scenario_dict(fleets={"own": fleet()}))
    found = frontier(scenario, "fleets.own.capex_usd", [("x", 0.5), ("x", 1.0)], breakpoints=False)
    assert found.points["value"].to_list() == [6_000.0, 12_000.0]
    with pytest.raises(ScenarioError, match="did you mean"):
        frontier(scenario, "fleets.own.capex", [1.0])
    with pytest.raises(ValueError, match="not set in the scenario"):
        frontier(scenario, "policy.max_vendor_share", [("x", 0.5)])
    with pytest.raises(ScenarioError) as caught:
        frontier(scenario, "fleets.own.capex_usd", [-5.0])
    assert caught.value.problems[0].path == "fleets.own.capex_usd" and caught.value.problems[0].value == "-5"
    with pytest.raises(ValueError, match="no workload 'x'"):
        latency_values(scenario, "x")


def test_a_breakpoint_is_found_where_one_workload_changes_fleet_though_the_fleets_stay():
    """A cheap slow fleet (50 tokens/s per user) and a dear fast one (100): u (10 tokens/s) stays
    on the slow one, w (60) on the fast one, and once v's target passes 50, v moves from slow to
    fast; both fleets serve on both sides, the mix changes."""
    data = scenario_dict(fleets={"slow": fleet(), "fast": _fast(24_000, 100.0, vendor="other")})
    data["workloads"]["u"] = {**data["workloads"]["w"], "demand": "w", "share": 0.25}
    data["workloads"]["v"] = {**data["workloads"]["w"], "demand": "w", "share": 0.5}
    data["workloads"]["w"] = {**data["workloads"]["w"], "min_tokens_per_s_per_user": 60.0, "share": 0.25}
    found = frontier(Scenario.from_dict(data), "workloads.v.min_tokens_per_s_per_user", [20.0, 80.0], tolerance=0.01)
    (row,) = found.breakpoints.to_dict("records")
    assert row["lower"] <= 50.0 <= row["upper"]
    assert row["fleets_at_lower"] == row["fleets_at_upper"] == "fast, slow"
    assert (row["serving_only_at_lower"], row["serving_only_at_upper"]) == ("v/slow", "v/fast")
