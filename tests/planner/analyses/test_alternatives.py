"""Near-optimal alternatives on cases solved on paper."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import Scenario
from planner.analyses.alternatives import COST_TOLERANCE, EXTREME_TOLERANCE, alternatives, plan_cost_per_column
from planner.analyses.subject import Subject
from planner.build import build
from planner.data import ModelData
from planner.tables import PLAN_COMPONENTS
from tests.conftest import JANUARY_HOURS, cloud_fleet, fleet, scenario_dict

# 10,000 tokens/s at 1:1 keep 10 units busy (5 prefill, 5 decode, 1,000 tokens/s each). A unit of
# "a" costs $1,000 of capital and 10 kW x 744 h x $100/MWh = $744 of energy in January; one of
# "b" (another vendor) $1,100 and $744: $100 more. The optimum is 10 units of "a", $17,440.
UNIT_A_USD = 1_000.0 + 10.0 * JANUARY_HOURS * 100.0 / 1_000.0
OPTIMUM_USD = 10 * UNIT_A_USD


@pytest.fixture(scope="module")
def two_fleets() -> Scenario:
    return Scenario.from_dict(scenario_dict(fleets={"a": fleet(), "b": fleet(13_200.0, vendor="other")}))


def _paid(result) -> float:
    """The plan cost from the result's cost table, component by component."""
    costs = result.tables["costs"]
    return float(costs.loc[costs["component"].isin(PLAN_COMPONENTS), "discounted_usd"].sum())


def test_the_range_of_the_dearer_vendor_is_what_the_slack_buys(two_fleets):
    """Within 2% ($348.80) each of the 10 units moved to "b" costs $100: up to 3.488 units, 34.88%."""
    found = alternatives(two_fleets, 0.02)
    assert found.optimum.plan_cost_usd == pytest.approx(OPTIMUM_USD)
    ranges = found.ranges.set_index("subject")
    assert ranges.loc["vendor:other", ["min_share", "optimum_share", "max_share"]].tolist() == pytest.approx(
        [0.0, 0.0, 0.3488], abs=1e-6
    )
    assert ranges.loc["vendor:acme", ["min_share", "max_share"]].tolist() == pytest.approx([0.6512, 1.0], abs=1e-6)
    most = found.results["max vendor:other"]
    installed = most.tables["installed"].set_index("fleet")["units"]
    assert installed["b"] == pytest.approx(3.488, abs=1e-5) and installed["a"] == pytest.approx(6.512, abs=1e-5)
    # By hand from the units: each "b" unit is $100 dearer than an "a" unit.
    by_hand = installed["a"] * UNIT_A_USD + installed["b"] * (UNIT_A_USD + 100.0)
    assert most.plan_cost_usd == pytest.approx(by_hand) == pytest.approx(1.02 * OPTIMUM_USD)
    # The cheapest plan at each extreme, not any: serving the least through "other" is the optimum.
    assert found.results["min vendor:other"].plan_cost_usd == pytest.approx(OPTIMUM_USD)


def test_every_alternative_is_within_its_slack_and_serves_the_same_tokens(two_fleets):
    found = alternatives(two_fleets, 0.05, by="fleet")
    assert set(found.plans["alternative"]) == {"optimum", "min fleet:a", "max fleet:a", "min fleet:b", "max fleet:b"}
    served = found.optimum.tables["allocation"]["tokens"].sum()
    for name, result in found.results.items():
        assert result.has_plan, name
        assert _paid(result) <= 1.05 * OPTIMUM_USD * (1 + 1e-6), name
        assert result.tables["allocation"]["tokens"].sum() == pytest.approx(served), name
        assert result.tables["unserved"]["tokens"].sum() == 0.0, name
    plans = found.plans.set_index("alternative")
    assert plans.loc["max fleet:b", "cost_above_optimum"] == pytest.approx(0.05, abs=1e-6)
    mix = found.mix[found.mix["alternative"] == "max fleet:b"].set_index("name")["share"]
    assert mix.sum() == pytest.approx(1.0) and mix["b"] == pytest.approx(plans.loc["max fleet:b", "share"])


def test_the_plan_cost_row_reads_what_the_result_pays(two_fleets):
    """The cost the alternatives bound, per LP column, adds up to the result's own plan cost."""
    model = build(ModelData.from_scenario(two_fleets))
    found = alternatives(two_fleets, 0.05)
    assert found.optimum.plan_cost_usd == pytest.approx(_paid(found.optimum))
    x = np.zeros(model.lp.shape[1])
    x[model.variables["build"]["col"].to_numpy()] = 1.0  # one unit of each fleet built: its month of capital
    assert plan_cost_per_column(model) @ x * model.money_unit == pytest.approx(1_000.0 + 1_100.0)


def test_a_zero_slack_range_holds_the_optimum_and_costs_nothing_more(two_fleets):
    found = alternatives(two_fleets, 0.0)
    for row in found.ranges.itertuples(index=False):
        assert row.min_share - 1e-6 <= row.optimum_share <= row.max_share + 1e-6
        assert row.max_share - row.min_share == pytest.approx(0.0, abs=1e-5)
    assert (found.plans["plan_cost_usd"] <= OPTIMUM_USD * (1 + 1e-6)).all()


def test_a_shortfall_the_optimum_leaves_stays_and_no_share_moves_by_serving_less():
    """A quota of 4 rented units serves 4,000 of 10,000 tokens/s; the rest stays unserved in every alternative."""
    fleets = {"rent": cloud_fleet(quota_units=4.0), "other": cloud_fleet(3.0, vendor="cheapco", quota_units=2.0)}
    scenario = Scenario.from_dict(scenario_dict(fleets=fleets))
    found = alternatives(scenario, 0.5)
    unserved = found.optimum.tables["unserved"]["tokens"].sum()
    assert unserved > 0
    for result in found.results.values():
        assert result.tables["unserved"]["tokens"].sum() == pytest.approx(unserved, rel=1e-6)


def test_chosen_subjects_and_a_wrong_slack():
    scenario = Scenario.from_dict(scenario_dict(fleets={"a": fleet(), "b": fleet(13_200.0, category="wafer_scale")}))
    found = alternatives(scenario, 0.1, by="category", subjects=[Subject("fleet", "b")])
    assert found.ranges["subject"].tolist() == ["fleet:b"]
    assert set(found.mix["name"]) == {"gpu", "wafer_scale"}
    summary = found.summary()
    assert summary["slack"] == 0.1 and summary["optimum_usd"] == pytest.approx(OPTIMUM_USD)
    assert {a["direction"] for a in summary["alternatives"]} == {"min", "max"}
    with pytest.raises(ValueError, match="slack must be"):
        alternatives(scenario, -0.1)


def test_two_workers_give_the_same_alternatives(two_fleets):
    one = alternatives(two_fleets, 0.03)
    two = alternatives(two_fleets, 0.03, workers=2)
    assert two.ranges.drop(columns="subject").to_numpy() == pytest.approx(one.ranges.drop(columns="subject").to_numpy())


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slack=st.floats(0.0, 0.2), dearer=st.floats(1.0, 500.0))
def test_ranges_bracket_the_optimum_and_hold_the_slack(slack, dearer):
    """Two random draws here, five under ``-m slow``."""
    _ranges_bracket_the_optimum_and_hold_the_slack(slack, dearer)


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slack=st.floats(0.0, 0.2), dearer=st.floats(1.0, 500.0))
def test_ranges_bracket_the_optimum_and_hold_the_slack_over_five_draws(slack, dearer):
    _ranges_bracket_the_optimum_and_hold_the_slack(slack, dearer)


def _ranges_bracket_the_optimum_and_hold_the_slack(slack: float, dearer: float) -> None:
    """Whatever the slack and the price gap, each range holds the optimum's share and every plan its slack;
    the most "b" can serve is what the slack buys at $``dearer`` a unit (all ten units at most)."""
    fleets = {"a": fleet(), "b": fleet(12_000.0 + 12 * dearer, vendor="other")}
    found = alternatives(Scenario.from_dict(scenario_dict(fleets=fleets)), slack)
    for row in found.ranges.itertuples(index=False):
        assert row.min_share - 1e-6 <= row.optimum_share <= row.max_share + 1e-6
    assert (found.plans["plan_cost_usd"] <= (1 + slack) * OPTIMUM_USD * (1 + 1e-6)).all()
    most = found.ranges.set_index("subject").loc["vendor:other", "max_share"]
    bought = (slack + COST_TOLERANCE) * OPTIMUM_USD / dearer  # units of b the slack pays for
    assert most == pytest.approx(min(bought, 10.0) / 10.0, abs=EXTREME_TOLERANCE + 1e-7)
