"""Explaining scenarios without a plan, and plans that leave demand unserved: hand-checked cases.

Every case uses the test fleet (10 kW and 1,000 tokens/s per unit, $12,000, PUE 1), so the
violations can be worked out on paper.
"""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

from planner import Scenario, ScenarioError, Status, explain
from planner.build import build
from planner.data import ModelData
from planner.explain import LIMITS
from planner.result import Result
from planner.solvers import solve_lp
from tests.conftest import cloud_fleet, fleet, scenario_dict
from tests.planner.strategies import rich_scenarios


def _explain(**overrides):
    return explain(Scenario.from_dict(scenario_dict(**overrides)))


def test_a_feasible_plan_that_serves_everything_has_nothing_to_explain():
    explanation = _explain(tokens_per_s=[1e4, 2e4])
    assert explanation.finding == "feasible"
    assert explanation.violations.empty and explanation.unservable.empty
    assert explanation.result.is_optimal


def test_a_commitment_larger_than_the_site_is_short_by_the_difference():
    # 8 MW committed, 5 MW of site: 500 units at 10 kW fit, so the commitment is 3 MW short.
    explanation = _explain(
        tokens_per_s=[1e4, 1e4, 1e4], sites={"s": {"power_mw": 5.0}}, contracts={"big": {"fleet": "a", "min_mw": 8.0}}
    )
    assert explanation.finding == "infeasible"
    assert explanation.result.status is Status.INFEASIBLE
    rows = explanation.violations
    assert list(rows["constraint"]) == ["contract[big,2026-01]", "contract[big,2026-02]", "contract[big,2026-03]"]
    assert set(rows["sense"]) == {"at least"} and set(rows["unit"]) == {"MW"}
    assert rows["violation"].to_numpy() == pytest.approx([3.0] * 3, rel=1e-6)
    assert rows["relaxed_value"].to_numpy() == pytest.approx([5.0] * 3, rel=1e-6)
    assert "contracts.big.min_mw" in rows["fix"].iloc[0]
    grouped = explanation.grouped()
    assert len(grouped) == 1 and grouped.loc[0, "periods"] == 3
    assert (grouped.loc[0, "first"], grouped.loc[0, "last"]) == ("2026-01", "2026-03")
    assert "commitment big (at least 8 MW) short by 3 MW (2026-01 to 2026-03, 3 periods)" in explanation.message
    # The relaxed plan keeps the 500 units that fit: 500 * $12,000 / 12 per month, 3 months,
    # plus 1e4 tokens/s of energy at 10 kW per 1,000 tokens/s and $100/MWh (no idle draw).
    energy = 10 * 0.01 * 100 * (31 + 28 + 31) * 24
    assert explanation.relaxed_objective_usd == pytest.approx(3 * 500 * 1000 + energy, rel=1e-6)


def test_existing_units_beyond_the_site_power_are_reported_in_mw():
    # 800 existing units draw 8 MW on a 5 MW site, every period: the site's power must give 3 MW.
    explanation = _explain(
        tokens_per_s=[1e4, 1e4],
        fleets={"a": fleet(existing=[{"site": "s", "units": 800}])},
        sites={"s": {"power_mw": 5.0}},
    )
    assert explanation.finding == "infeasible"
    rows = explanation.violations
    assert list(rows["constraint"]) == ["power_limit[s,2026-01]", "power_limit[s,2026-02]"]
    assert set(rows["unit"]) == {"MW"} and set(rows["sense"]) == {"at most"}
    assert rows["violation"].to_numpy() == pytest.approx([3.0, 3.0], rel=1e-6)
    assert rows["relaxed_value"].to_numpy() == pytest.approx([8.0, 8.0], rel=1e-6)
    assert rows["fix"].iloc[0].startswith("raise sites.s.power_mw for 2026-01")


def test_a_commitment_faster_than_supply_is_short_until_deliveries_catch_up():
    # 250 units committed from the start, 100 delivered per month: short 150, then 50, then met.
    explanation = _explain(
        tokens_per_s=[1e4, 1e4, 1e4],
        fleets={"a": fleet(max_build_units_per_period=100)},
        contracts={"units": {"fleet": "a", "min_units": 250}},
    )
    rows = explanation.violations
    assert list(rows["constraint"]) == ["contract[units,2026-01]", "contract[units,2026-02]"]
    assert rows["violation"].to_numpy() == pytest.approx([150.0, 50.0], rel=1e-6)
    assert set(rows["unit"]) == {"units"}
    assert "contracts.units.min_units" in rows["fix"].iloc[0]


def test_a_budget_below_what_the_demand_needs_gives_way_in_usd():
    # 1e4 tokens/s needs 10 units of $12,000; a $60,000 budget buys 5: it must give $60,000.
    explanation = _explain(
        tokens_per_s=[1e4], policy={"capex_budget_usd_per_year": 60_000.0, "unserved_penalty_usd_per_mtok": 1000.0}
    )
    assert explanation.finding == "unserved"
    rows = explanation.violations
    assert list(rows["constraint"]) == ["budget[2026]"]
    assert (rows["unit"].iloc[0], rows["period"].iloc[0]) == ("USD", "2026")
    assert rows["violation"].iloc[0] == pytest.approx(60_000.0, rel=1e-6)
    assert rows["relaxed_value"].iloc[0] == pytest.approx(120_000.0, rel=1e-6)
    assert rows["fix"].iloc[0] == "raise policy.capex_budget_usd_per_year for 2026"


def test_share_limits_that_cannot_add_up_leave_demand_unserved_and_are_named():
    # Two vendors, neither above 40% of the tokens served: no plan can serve anything. Serving
    # it all needs 20 points more in total; the cheaper vendor takes them.
    fleets = {"a": fleet(capex_usd=6_000.0), "b": fleet(vendor="other")}
    explanation = _explain(
        tokens_per_s=[1e4], fleets=fleets, policy={"max_vendor_share": 0.4, "unserved_penalty_usd_per_mtok": 1000.0}
    )
    assert explanation.result.is_optimal
    assert explanation.finding == "unserved"
    rows = explanation.violations
    assert list(rows["constraint"]) == ["vendor_share[acme,2026-01]"]
    assert rows["unit"].iloc[0] == "points of tokens served"
    assert rows["value"].iloc[0] == pytest.approx(40.0)
    assert rows["violation"].iloc[0] == pytest.approx(20.0, rel=1e-6)
    assert explanation.unservable.empty
    assert "leaves 100.00% of demand unserved" in explanation.message


def test_demand_left_unserved_because_the_penalty_is_cheap_needs_no_relaxation():
    explanation = _explain(tokens_per_s=[1e4], policy={"unserved_penalty_usd_per_mtok": 0.001})
    assert explanation.finding == "unserved"
    assert explanation.violations.empty and explanation.unservable.empty
    assert "costs more than the unserved penalty" in explanation.message
    assert explanation.relaxed_objective_usd > explanation.result.objective_usd
    # The plan as given pays nothing; serving it all pays 10 units x ($1,000 capital + $744 energy).
    assert explanation.result.plan_cost_usd == pytest.approx(0.0)
    assert "the plan that serves it would pay $17,440 more (present value)" in explanation.message


def test_demand_no_fleet_can_reach_in_time_is_unservable_with_its_reason():
    # Owned units take two months to arrive and nothing else serves: January and February are lost.
    explanation = _explain(tokens_per_s=[1e4, 1e4, 1e4], fleets={"a": fleet(lead_time_months=2)})
    assert explanation.finding == "unserved"
    lost = explanation.unservable
    assert sorted(set(lost["period"])) == ["2026-01", "2026-02"]
    assert lost.groupby("period")["tokens_per_s"].sum().to_numpy() == pytest.approx([1e4, 1e4], rel=1e-6)
    assert all("lead time" in reason for reason in lost["reason"])
    assert explanation.violations.empty


def test_a_quota_that_caps_rented_units_is_relaxed_in_units():
    # 1e4 tokens/s needs 10 cloud units; the quota allows 4.
    explanation = _explain(tokens_per_s=[1e4], fleets={"c": cloud_fleet(quota_units=4)})
    assert explanation.finding == "unserved"
    rows = explanation.violations
    assert list(rows["constraint"]) == ["quota[c,2026-01]"]
    assert rows["violation"].iloc[0] == pytest.approx(6.0, rel=1e-6)
    assert rows["fix"].iloc[0] == "raise fleets.c.quota_units for 2026-01"


def test_whole_units_are_explained_too():
    # With whole units and power blocks the elastic re-solve is a mixed-integer program; 8 MW
    # committed on a 5 MW site is still 3 MW short.
    explanation = _explain(
        tokens_per_s=[1e4],
        integer_units=True,
        sites={"s": {"power_mw": 5.0}},
        contracts={"big": {"fleet": "a", "min_mw": 8.0}},
    )
    assert explanation.finding == "infeasible"
    assert explanation.violations["violation"].to_numpy() == pytest.approx([3.0], rel=1e-6)


def test_a_solver_that_does_not_finish_leaves_it_unexplained(monkeypatch):
    monkeypatch.setattr(importlib.import_module("planner.solvers.cbc"), "cbc_path", lambda: None)
    explanation = explain(Scenario.from_dict(scenario_dict(tokens_per_s=[1e4])), solver="cbc")
    assert explanation.finding == "unexplained"
    assert "ended with status solver_error (the CBC solver was not found" in explanation.message


def test_the_other_way_out_is_offered_too():
    # 8 MW committed on a 5 MW site: lower the commitment by 3 MW, or else give the site 3 MW more.
    explanation = _explain(
        tokens_per_s=[1e4], sites={"s": {"power_mw": 5.0}}, contracts={"big": {"fleet": "a", "min_mw": 8.0}}
    )
    assert list(explanation.violations["family"]) == ["contract"]
    assert len(explanation.alternatives) == 1  # with neither allowed to give, there is no plan
    other = explanation.alternatives[0].violations
    assert list(other["constraint"]) == ["power_limit[s,2026-01]"]
    assert other["violation"].iloc[0] == pytest.approx(3.0, rel=1e-6)


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_both_solvers_find_the_same_ways_out(solver):
    # 8 MW committed on a 5 MW site, whole units: lower the commitment by 3 MW, or else give the site 3 MW more.
    data = scenario_dict(
        tokens_per_s=[1e4],
        integer_units=True,
        sites={"s": {"power_mw": 5.0}},
        contracts={"big": {"fleet": "a", "min_mw": 8.0}},
    )
    explanation = explain(Scenario.from_dict(data), solver=solver)
    assert explanation.result.solver == solver
    ways = [explanation.violations, *(other.violations for other in explanation.alternatives)]
    assert [list(way["constraint"]) for way in ways] == [["contract[big,2026-01]"], ["power_limit[s,2026-01]"]]
    assert [way["violation"].iloc[0] for way in ways] == pytest.approx([3.0, 3.0], rel=1e-6)


def test_unserved_demand_lists_each_limit_that_could_serve_it():
    # 1e4 tokens/s needs 10 units: 5 fit the 0.05 MW site and the cloud quota allows 2. Give the
    # site 0.03 MW (0.6 of its cap), or else the quota 3 units (1.5 of it): the first is smaller.
    fleets = {"a": fleet(), "c": cloud_fleet(quota_units=2)}
    explanation = _explain(tokens_per_s=[1e4], fleets=fleets, sites={"s": {"power_mw": 0.05}})
    assert explanation.finding == "unserved"
    assert list(explanation.violations["constraint"]) == ["power_limit[s,2026-01]"]
    assert explanation.violations["violation"].iloc[0] == pytest.approx(0.03, rel=1e-6)
    assert [list(a.violations["constraint"]) for a in explanation.alternatives] == [["quota[c,2026-01]"]]
    assert explanation.alternatives[0].violations["violation"].iloc[0] == pytest.approx(3.0, rel=1e-6)


def test_coverage_of_a_folded_prefill_is_measured_on_what_its_decode_column_serves():
    # 12,000 tokens/s at 3 input tokens per output: 9,000 prefill and 3,000 decode, the prefill
    # read from the decode column times 3. Without acme, skyco's quota of 2 units must back up
    # all 12,000: short by 10,000. Cheapest by weight (violation over each row's demand): both
    # units back up decode (short 1,000 of 3,000, a third), prefill gets none (short 9,000 of
    # 9,000, one whole), against 10 units over a quota of 2 (five times the quota).
    data = scenario_dict(
        tokens_per_s=[1.2e4],
        fleets={"a": fleet(), "c": cloud_fleet(quota_units=2)},
        policy={"vendor_loss_coverage": 1.0},
    )
    data["workloads"]["w"]["input_output_ratio"] = 3.0
    explanation = explain(Scenario.from_dict(data))
    assert explanation.finding == "unserved"
    rows = explanation.violations.set_index("constraint")
    assert sorted(rows.index) == [
        "resilience_demand[acme,w,decode,2026-01]",
        "resilience_demand[acme,w,prefill,2026-01]",
    ]
    prefill, decode = (
        rows.loc["resilience_demand[acme,w,prefill,2026-01]"],
        rows.loc["resilience_demand[acme,w,decode,2026-01]"],
    )
    assert (prefill["subject"], prefill["unit"], prefill["sense"]) == ("acme/w/prefill", "tokens/s", "at least")
    assert (prefill["value"], prefill["violation"]) == pytest.approx((9_000.0, 9_000.0), rel=1e-6)
    assert (decode["value"], decode["violation"], decode["relaxed_value"]) == pytest.approx(
        (3_000.0, 1_000.0, 2_000.0), rel=1e-6
    )
    assert [list(a.violations["constraint"]) for a in explanation.alternatives] == [["quota[c,2026-01]"]]
    assert explanation.alternatives[0].violations["violation"].iloc[0] == pytest.approx(10.0, rel=1e-6)


def test_a_share_is_in_points_of_the_served_total_not_of_the_demand():
    # Two vendors capped at 40% each, as in the share test above: 20 points short. A second workload ("late") only
    # fleet "quick" meets, which is not in service before March: it cannot be served in January,
    # so the served total is w's 10,000 tokens/s, not the 20,000 of demand (which would give 10 points).
    quick = fleet(vendor="third", lead_time_months=2)
    quick["performance"]["m"]["ttft_ms"] = 5.0
    fleets = {"a": fleet(capex_usd=6_000.0), "b": fleet(vendor="other"), "quick": quick}
    data = scenario_dict(tokens_per_s=[1e4], fleets=fleets, policy={"max_vendor_share": 0.4})
    data["workloads"]["late"] = {**data["workloads"]["w"], "max_ttft_ms": 10.0}
    data["demand"]["late"] = data["demand"]["w"]
    explanation = explain(Scenario.from_dict(data))
    assert explanation.finding == "unserved"
    rows = explanation.violations
    assert list(rows["constraint"]) == ["vendor_share[acme,2026-01]"]
    assert (rows["value"].iloc[0], rows["violation"].iloc[0]) == pytest.approx((40.0, 20.0), rel=1e-6)
    lost = explanation.unservable
    assert set(lost["workload"]) == {"late"} and lost["tokens_per_s"].sum() == pytest.approx(1e4, rel=1e-6)


def test_a_scenario_edited_into_an_invalid_one_is_refused_with_the_loaders_problem():
    scenario = Scenario.from_dict(scenario_dict())
    scenario.sites["s"].electricity_price_usd_per_mwh = {"2026-02": 50.0}  # a valid value, starting too late
    with pytest.raises(ScenarioError) as caught:
        explain(scenario)
    assert [p.path for p in caught.value.problems] == ["sites.s.electricity_price_usd_per_mwh"]


def _unexplained_says_so(explanation, *fragments):
    """An explanation that found none: it says so and what to try, and names no limit."""
    assert explanation.finding == "unexplained"
    assert explanation.message.startswith("Cannot explain") and ".." not in explanation.message  # one sentence end
    assert explanation.violations.empty and explanation.unservable.empty
    assert explanation.relaxed_objective_usd is None and explanation.alternatives == []
    for fragment in fragments:
        assert fragment in explanation.message


def test_an_infeasible_finding_the_relaxation_does_not_bear_out_is_unexplained(monkeypatch):
    """A solver that calls a feasible scenario infeasible: the elastic re-solve finds a plan that
    relaxes nothing, and explain says the two solves disagree rather than list no limit."""
    explain_module = importlib.import_module("planner.explain")
    real = explain_module.solve_model

    def wrongly_infeasible(model, **options):
        real(model, **options)
        return Result.without_plan(model, Status.INFEASIBLE, "no plan meets every limit")

    monkeypatch.setattr(explain_module, "solve_model", wrongly_infeasible)
    explanation = _explain(tokens_per_s=[1e4])
    assert explanation.result.status is Status.INFEASIBLE
    _unexplained_says_so(explanation, "relaxes no limit", "numerical trouble", "--solver", "planner inspect")


def test_a_relaxation_whose_solver_fails_is_unexplained_with_what_to_try(monkeypatch, tmp_path):
    """8 MW committed on a 5 MW site is infeasible; the elastic re-solve's solver cannot run."""
    relaxation = importlib.import_module("planner.explain.relaxation")
    cbc = importlib.import_module("planner.solvers.cbc")
    real = relaxation.solve_lp

    def with_cbc_gone(lp, solver, **options):
        with monkeypatch.context() as patch:
            patch.setattr(cbc, "cbc_path", lambda: str(tmp_path / "gone"))
            return real(lp, "cbc", **options)

    monkeypatch.setattr(relaxation, "solve_lp", with_cbc_gone)
    explanation = _explain(
        tokens_per_s=[1e4], sites={"s": {"power_mw": 5.0}}, contracts={"big": {"fleet": "a", "min_mw": 8.0}}
    )
    assert explanation.result.status is Status.INFEASIBLE
    _unexplained_says_so(explanation, "the elastic re-solve", "failed in the solver", "--solver")


def test_a_relaxation_stopped_by_the_time_limit_is_unexplained(monkeypatch):
    """The default scenario without the central site's first hall leaves demand unserved; its
    elastic re-solve stopped at once has values that are no plan, and they are not reported."""
    from planner import default_scenario_path

    explain_module = importlib.import_module("planner.explain")
    real = explain_module.solve_model
    # The plan's own solve runs to the end; only the elastic re-solve has the time limit of 0 s.
    monkeypatch.setattr(
        explain_module, "solve_model", lambda model, **options: real(model, **{**options, "time_limit": None})
    )
    scenario = Scenario.from_yaml(default_scenario_path())
    scenario.sites["central"].power_mw["2026-01"] = 0.0
    explanation = explain(scenario, time_limit=0.0)
    assert explanation.result.status is Status.OPTIMAL
    _unexplained_says_so(explanation, "stopped at the time limit (0 s)", "--time-limit")


def test_a_plan_solve_that_did_not_finish_says_what_to_try(monkeypatch):
    explain_module = importlib.import_module("planner.explain")
    real = explain_module.solve_model
    monkeypatch.setattr(
        explain_module, "solve_model", lambda model, **options: real(model, **{**options, "time_limit": 0.0})
    )
    from planner import default_scenario_path

    explanation = explain(Scenario.from_yaml(default_scenario_path()))
    assert explanation.result.status is Status.TIME_LIMIT
    _unexplained_says_so(explanation, "ended with status time_limit", "--time-limit")


def test_an_unexplained_finding_prints_no_empty_table_of_limits(monkeypatch):
    from rich.console import Console

    from planner.report import explanation_report

    explain_module = importlib.import_module("planner.explain")
    real = explain_module.solve_model
    monkeypatch.setattr(
        explain_module,
        "solve_model",
        lambda model, **options: (real(model, **options), Result.without_plan(model, Status.INFEASIBLE, "none"))[1],
    )
    console = Console(width=200, record=True)
    console.print(explanation_report(_explain(tokens_per_s=[1e4])))
    text = console.export_text()
    assert "unexplained: Cannot explain" in " ".join(text.split())
    assert "Limits that must give way" not in text and "Least-cost plan with these changes" not in text


def _overcommitted(data):
    """The scenario with a commitment on its first owned or leased fleet of twice the power of
    every site that hosts it: no plan can meet it (None if no site hosts one)."""
    sites = data.get("sites", {})
    hosted = [f for site in sites.values() for f in site["fleets"]]
    if not hosted:
        return None
    power = sum(site["power_mw"] for site in sites.values() if hosted[0] in site["fleets"])
    return {**data, "contracts": {"over": {"fleet": hosted[0], "min_mw": 2 * power}}}


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_scenarios())
def test_the_reported_violations_given_to_their_limits_make_a_plan_exist(data):
    """Three random scenarios here, ten under ``-m slow``."""
    _reported_violations_make_a_plan_exist(data)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_scenarios())
def test_the_reported_violations_given_to_their_limits_make_a_plan_exist_in_ten_scenarios(data):
    _reported_violations_make_a_plan_exist(data)


def _reported_violations_make_a_plan_exist(data: dict) -> None:
    """Random scenarios of every shape with a commitment no site can hold: each limit that must
    give way, widened by the reported amount in the LP the scenario builds, gives a feasible LP,
    checked by a solve of its own; every row reads as its limit, sense and amount say."""
    data = _overcommitted(data)
    assume(data is not None)
    scenario = Scenario.from_dict(data)
    explanation = explain(scenario, solver="highs")
    if explanation.finding == "unexplained":  # said why, and named no limit
        _unexplained_says_so(explanation)
        return
    assert explanation.finding == "infeasible"
    rows = explanation.violations
    assert len(rows) and (rows["violation"] > 0).all() and (rows["relative"] > 0).all()
    assert set(rows["family"]) <= {"contract", "power_limit", "supply", "quota", "budget", "category_share"}
    for family, name in zip(rows["family"], rows["constraint"], strict=True):
        assert name.startswith(f"{family}[")
    signed = np.where(rows["sense"] == "at most", 1.0, -1.0)
    assert rows["relaxed_value"].to_numpy() == pytest.approx(rows["value"] + signed * rows["violation"], rel=1e-9)
    assert not any("{" in fix or "}" in fix for fix in rows["fix"])
    earlier = set(rows["family"])
    for other in explanation.alternatives:
        assert other.violations.size and not set(other.violations["family"]) & earlier
        earlier |= set(other.violations["family"])
    assume(not rows["family"].isin(["category_share"]).any())  # its points are of a served total
    model = build(ModelData.from_scenario(scenario))
    lower, upper = model.lp.row_lower.copy(), model.lp.row_upper.copy()
    for key, chosen in rows.groupby("family"):
        family = str(key)
        frame = model.constraints[family].iloc[[model.names(family).index(n) for n in chosen["constraint"]]]
        at, rhs = frame["row"].to_numpy(), frame["rhs"].to_numpy(dtype=float)
        # The amount reported, and a millionth of the limit for the slacks too small to report.
        room = chosen["violation"].to_numpy() / LIMITS[family].to_unit * (1 + 1e-6) + 1e-6 * np.maximum(np.abs(rhs), 1)
        below = (frame["sense"] == ">=").to_numpy()
        lower[at] -= np.where(below, room, 0.0)
        upper[at] += np.where(below, 0.0, room)
    widened = solve_lp(dataclasses.replace(model.lp, row_lower=lower, row_upper=upper), "highs")
    assert widened.status is Status.OPTIMAL, widened.said
