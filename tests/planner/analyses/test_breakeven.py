"""Break-even volumes and prices on scenarios worked out on paper.

In :func:`tests.conftest.scenario_dict` (one January, 10,000 tokens/s, units of 1,000 tokens/s,
no discounting), an owned unit of :func:`~tests.conftest.fleet` costs $1,000 of capital
(12,000 over a one-year life) and $744 of energy (10 kW x 744 h x $100/MWh) a busy month: $1,744.
A rented unit of :func:`~tests.conftest.cloud_fleet` at $h an hour costs 744 h x $h.
"""

from __future__ import annotations

import pytest
import yaml

from planner import Scenario, solve
from planner.analyses.axis import axis, solve_points
from planner.analyses.breakeven import breakeven
from planner.errors import ScenarioError
from tests.conftest import JANUARY_HOURS, cloud_fleet, fleet, scenario_dict

OWNED_USD_PER_UNIT_MONTH = 12_000 / 12 + 10 * JANUARY_HOURS * 100 / 1000  # $1,744


def _scenario(**fleets_and_more) -> Scenario:
    fleets = fleets_and_more.pop("fleets", {"own": fleet(), "rent": cloud_fleet(2.0)})
    return Scenario.from_dict(scenario_dict(fleets=fleets, **fleets_and_more))


def test_renting_leaves_the_plan_where_its_hourly_price_passes_the_owned_cost():
    """Rent at $h an hour costs 744 h x $h a unit-month; owning $1,744: the break-even is $1,744 / 744 h."""
    expected = OWNED_USD_PER_UNIT_MONTH / JANUARY_HOURS  # $2.344 an hour
    found = breakeven(_scenario(), "fleet:rent", "fleets.rent.hourly_usd", (1.0, 4.0), tolerance=0.002, grid=4)
    assert found.found and found.direction == "leaves"
    assert found.lower <= expected <= found.upper
    assert found.upper - found.lower <= 0.002 * found.upper
    assert found.threshold == pytest.approx(expected, rel=0.002)
    assert found.below["in_plan"] and found.below["subject_share"] == pytest.approx(1.0)
    assert not found.above["in_plan"] and found.above["subject_share"] == 0.0
    # below the threshold the plan rents all ten units, above it owns them
    assert found.below["plan_cost_usd"] == pytest.approx(10 * JANUARY_HOURS * found.lower)
    assert found.above["plan_cost_usd"] == pytest.approx(10 * OWNED_USD_PER_UNIT_MONTH)


def test_owning_enters_the_plan_once_its_price_falls_below_the_rental():
    """Rent at $2 costs $1,488 a unit-month: owning wins once capex / 12 + $744 < $1,488, capex < $8,928."""
    found = breakeven(_scenario(), "fleet:own", "fleets.own.capex_usd", (1_000.0, 20_000.0), tolerance=0.005, grid=4)
    assert found.direction == "leaves"  # as its price rises
    assert found.lower <= 12 * (2.0 * JANUARY_HOURS - 744) <= found.upper
    assert found.above["subject_built_units"] == 0.0 and found.below["subject_built_units"] == pytest.approx(10.0)
    asked = breakeven(_scenario(), "fleet:own", "fleets.own.capex_usd", (1_000.0, 20_000.0), direction="enters", grid=3)
    assert not asked.found and "never enters" in asked.reason and "--direction leaves" in asked.reason


def test_owning_enters_when_demand_outgrows_the_cloud_quota():
    """Five cheap rented units ($744) carry 5,000 tokens/s: owned units enter at half of today's 10,000."""
    scenario = _scenario(fleets={"own": fleet(), "rent": cloud_fleet(1.0, quota_units=5)})
    found = breakeven(scenario, "fleet:own", "demand", (0.1, 2.0), tolerance=0.01, grid=4)
    assert found.direction == "enters" and found.lower <= 0.5 <= found.upper
    assert found.axis.label == "multiplier on all demand"
    assert found.points["value"].is_monotonic_increasing
    summary = found.summary()
    assert {"threshold", "lower", "upper", "below", "above"} <= set(summary)
    assert {"plan_cost_usd", "subject_share"} <= set(summary["below"]) and summary["below"]["value"] == found.lower


def test_no_break_even_says_why():
    always = breakeven(_scenario(), "fleet:rent", "fleets.rent.hourly_usd", (0.5, 1.0), grid=3)
    assert not always.found and always.threshold is None
    assert always.reason.startswith("no break-even: always chosen")
    never = breakeven(_scenario(), "vendor:skyco", "fleets.rent.hourly_usd", (3.0, 4.0), grid=3)
    assert never.reason.startswith("no break-even: never chosen") and "widen the range" in never.reason
    slow = fleet(capex_usd=1.0)
    slow["performance"]["m"]["tokens_per_s_per_user"] = 5.0  # the workload asks for 10 tokens/s per user
    scenario = _scenario(fleets={"own": fleet(), "slow": slow})
    ineligible = breakeven(scenario, "fleet:slow", "fleets.slow.capex_usd", (0.1, 10.0), grid=2)
    assert ineligible.reason.startswith("no break-even: never eligible") and "latency SLO" in ineligible.reason


def test_bad_arguments_are_refused_before_any_solve():
    scenario = _scenario()
    with pytest.raises(ValueError, match="lower to a higher"):
        breakeven(scenario, "fleet:rent", "fleets.rent.hourly_usd", (4.0, 1.0))
    with pytest.raises(ValueError, match="known: own, rent"):
        breakeven(scenario, "fleet:nobody", "fleets.rent.hourly_usd")
    with pytest.raises(ScenarioError, match="did you mean"):
        breakeven(scenario, "fleet:rent", "fleets.rent.hourly_usdd")
    with pytest.raises(ValueError, match="above 0"):
        breakeven(scenario, "fleet:rent", "demand", (0.0, 2.0))


def test_a_negative_price_in_the_range_is_bad_input_naming_the_path():
    with pytest.raises(ScenarioError) as caught:
        breakeven(_scenario(), "fleet:rent", "fleets.rent.hourly_usd", (-1.0, 4.0), grid=2)
    assert caught.value.problems[0].path == "fleets.rent.hourly_usd"


def test_one_workloads_demand_is_split_off_without_changing_the_plan():
    """Two workloads share one entry half and half; multiplying one of them by 1 leaves the plan as it was."""
    data = scenario_dict(fleets={"own": fleet()})
    data["workloads"]["v"] = {**data["workloads"]["w"], "demand": "w", "share": 0.5}
    data["workloads"]["w"]["share"] = 0.5
    scenario = Scenario.from_dict(data)
    line = axis(scenario, "workloads.v.demand")
    assert set(line.scenario.demand) == {"w_w", "w_v"} and all(p.startswith("demand.w_v.") for p in line.scaled)
    table = solve_points(line, [1.0, 2.0])
    assert table["plan_cost_usd"].iloc[0] == pytest.approx(solve(scenario).plan_cost_usd)
    # v's half doubles: 15,000 tokens/s in all, 15 owned units
    assert table["plan_cost_usd"].iloc[1] == pytest.approx(15 * OWNED_USD_PER_UNIT_MONTH)


def test_a_demand_entry_without_a_single_volume_is_refused_with_the_reason():
    data = scenario_dict(fleets={"own": fleet()})
    data["demand"]["w"] = {
        "kind": "piecewise",
        "segments": [
            {
                "from": "2026-01",
                "curve": {"kind": "exponential", "start": "2026-01", "tokens_per_day": 1e9, "rate": 0.0},
            }
        ],
    }
    with pytest.raises(ScenarioError, match="no single volume to multiply"):
        axis(Scenario.from_dict(data), "demand")


def test_a_csv_series_is_read_in_and_multiplied(tmp_path):
    """Demand from a CSV file, 10,000 tokens/s for January: at twice that, 20 owned units."""
    data = scenario_dict(fleets={"own": fleet()})
    tokens = data["demand"]["w"]["tokens"]["2026-01"]
    (tmp_path / "w.csv").write_text(f"period,tokens\n2026-01,{tokens}\n")
    data["demand"]["w"] = {"kind": "series", "csv": "w.csv"}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    line = axis(Scenario.from_yaml(tmp_path / "s.yaml"), "demand")
    assert list(line.scaled) == ["demand.w.tokens.2026-01"] and line.scaled["demand.w.tokens.2026-01"] == tokens
    assert solve_points(line, [2.0])["plan_cost_usd"].iloc[0] == pytest.approx(20 * OWNED_USD_PER_UNIT_MONTH)
