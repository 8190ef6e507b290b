"""Vendor-loss stress tests on cases solved on paper."""

from __future__ import annotations

import pytest

from planner import Scenario
from planner.analyses.stress import single_vendor_workloads, stress
from planner.analyses.subject import Subject
from tests.conftest import cloud_fleet, fleet, scenario_dict

# Two months of 10,000 tokens/s at 1:1: 10 busy units. An owned unit costs $1,000 of capital a
# month and 10 kW x hours x $100/MWh of energy when busy; a rented one $5 an hour.
FEBRUARY_HOURS = 28 * 24
FEBRUARY_TOKENS = 10_000.0 * FEBRUARY_HOURS * 3_600


def _two_months(fleets: dict) -> Scenario:
    return Scenario.from_dict(scenario_dict([10_000.0, 10_000.0], fleets=fleets))


def test_the_cloud_takes_over_a_lost_owned_fleet_at_its_hourly_price():
    """From February the 10 owned units serve nothing (their capital is still paid, their energy
    is not): 10 rented units for 672 hours, $33,600, less $6,720 of energy not drawn."""
    found = stress(_two_months({"a": fleet(), "rent": cloud_fleet(5.0)}), Subject("vendor", "acme"), "2026-02")
    plans = found.plans.set_index("plan")
    rent_usd = 10 * 5.0 * FEBRUARY_HOURS
    energy_usd = 10 * 10.0 * FEBRUARY_HOURS * 100.0 / 1_000.0
    assert plans.loc["unprotected", "extra_cost_usd"] == pytest.approx(rent_usd - energy_usd)
    assert plans.loc["unprotected", "stressed_unserved_tokens"] == 0.0
    stressed = found.results["unprotected stressed"].tables["installed"].set_index(["fleet", "period"])["units"]
    assert stressed[("rent", "2026-02")] == pytest.approx(10.0) and stressed[("rent", "2026-01")] == 0.0
    assert stressed[("a", "2026-02")] == pytest.approx(10.0)  # bought, still there, idle
    costs = found.costs[found.costs["plan"] == "unprotected"].set_index("period")
    assert costs.loc["2026-01", "stressed_usd"] == pytest.approx(costs.loc["2026-01", "planned_usd"])
    assert found.start_period == "2026-02" and found.coverage == 1.0


def test_nothing_to_replace_a_lost_fleet_leaves_its_tokens_unserved():
    found = stress(_two_months({"a": fleet()}), Subject("fleet", "a"), "2026-02")
    assert found.exempt == ["w"]  # one vendor: nothing could cover it
    for plan in ("unprotected", "covered"):
        short = found.shortfall[found.shortfall["plan"] == plan]
        assert short[["period", "workload"]].values.tolist() == [["2026-02", "w"]]
        assert short["stressed_unserved_tokens"].sum() == pytest.approx(FEBRUARY_TOKENS)
        assert short["planned_unserved_tokens"].sum() == 0.0
    row = found.plans.set_index("plan").loc["unprotected"]
    assert row["unserved_share_of_demand"] == pytest.approx(28 / (31 + 28))
    # Nothing serves, nothing draws power: the plan pays February's capital and no energy.
    assert row["extra_cost_usd"] == pytest.approx(-10 * 10.0 * FEBRUARY_HOURS * 100.0 / 1_000.0)


def test_a_plan_covered_against_the_loss_serves_through_it_and_its_insurance_is_the_backup():
    """With a dearer second vendor's fleet, the covered plan owns 10 idle units of it as backup
    ($1,100 of capital a unit-month, two months: $22,000) and loses nothing when acme goes."""
    fleets = {"a": fleet(), "b": fleet(13_200.0, vendor="other")}
    found = stress(_two_months(fleets), Subject("vendor", "acme"), "2026-02")
    plans = found.plans.set_index("plan")
    assert plans.loc["unprotected", "stressed_unserved_tokens"] == pytest.approx(FEBRUARY_TOKENS)
    assert plans.loc["covered", "stressed_unserved_tokens"] == 0.0
    summary = found.summary()
    assert summary["insurance_cost_usd"] == pytest.approx(10 * 1_100.0 * 2)
    assert summary["lose"] == "vendor:acme" and summary["from"] == "2026-02"
    assert [p["plan"] for p in summary["plans"]] == ["unprotected", "covered"]


def test_losing_a_site_takes_what_stands_there_and_not_the_cloud():
    found = stress(_two_months({"a": fleet(), "rent": cloud_fleet(5.0)}), Subject("site", "s"), "2026-02")
    assert found.plans.set_index("plan").loc["unprotected", "stressed_unserved_tokens"] == 0.0
    assert found.plans.set_index("plan").loc["unprotected", "extra_cost_usd"] == pytest.approx(
        10 * 5.0 * FEBRUARY_HOURS - 10 * 10.0 * FEBRUARY_HOURS * 100.0 / 1_000.0
    )


def test_a_loss_from_the_first_month_replans_nothing_bought_and_two_workers_agree():
    scenario = _two_months({"a": fleet(), "rent": cloud_fleet(5.0)})
    one = stress(scenario, Subject("fleet", "a"), "2026-01")
    two = stress(scenario, Subject("fleet", "a"), "2026-01", workers=2)
    assert one.plans["stressed_cost_usd"].tolist() == pytest.approx(two.plans["stressed_cost_usd"].tolist())
    assert one.plans.set_index("plan").loc["unprotected", "stressed_unserved_tokens"] == 0.0


def test_a_month_outside_the_horizon_or_not_a_month_is_refused():
    scenario = _two_months({"a": fleet()})
    with pytest.raises(ValueError, match="outside the horizon"):
        stress(scenario, Subject("fleet", "a"), "2027-01")
    for wrong in ("soon", "2026-02-15", "2026-13"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            stress(scenario, Subject("fleet", "a"), wrong)


def test_single_vendor_workloads_are_those_one_vendor_alone_can_serve():
    assert single_vendor_workloads(_two_months({"a": fleet(), "b": fleet(vendor="other")})) == []
    assert single_vendor_workloads(_two_months({"a": fleet(), "b": fleet()})) == ["w"]


def test_a_share_cap_shapes_the_plan_but_turns_no_traffic_away_after_the_loss():
    """With at most 60% of tokens from one vendor the plan serves 40% on four new "a" units beside
    ten existing "b" ones; once acme is lost the ten "b" units serve everything, over the cap."""
    fleets = {"a": fleet(), "b": fleet(vendor="other", existing=[{"site": "s", "units": 10}])}
    scenario = Scenario.from_dict(scenario_dict([10_000.0, 10_000.0], fleets=fleets, policy={"max_vendor_share": 0.6}))
    found = stress(scenario, Subject("vendor", "acme"), "2026-02")
    planned = found.results["unprotected planned"].tables["allocation"]
    assert planned.loc[planned["fleet"] == "a", "tokens"].sum() == pytest.approx(0.4 * planned["tokens"].sum())
    assert found.plans.set_index("plan").loc["unprotected", "stressed_unserved_tokens"] == pytest.approx(0.0, abs=1.0)


def test_an_answer_without_a_point_is_no_plan_whatever_the_solver_called_it():
    from planner.analyses.lp_pool import plan_of
    from planner.build import build
    from planner.data import ModelData
    from planner.result import Status
    from planner.solvers.solution import Solution

    model = build(ModelData.from_scenario(_two_months({"a": fleet()})))
    result = plan_of(model, Solution(Status.OPTIMAL, said="kOptimal"), "highs", priced=True, what="the plan")
    assert not result.has_plan and result.status is Status.NOT_SOLVED
    assert result.message == "the plan: no plan (kOptimal)"
