"""The two-stage plan robust to demand: a case solved on paper, its invariants, and its cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import Scenario, default_scenario_path, solve
from planner.analyses.robust import robust
from planner.analyses.robust_cases import (
    Case,
    band_cases,
    mean_value_data,
    sampled_cases,
    scaled,
    sweep_cases,
)
from planner.analyses.two_stage import risk, stack
from planner.build import build
from planner.data import ModelData
from planner.solvers import solve_lp
from tests.conftest import cloud_fleet, fleet, scenario_dict


def _owned_and_cloud(capex_usd: float = 12_000.0, hourly_usd: float = 4.0, months: int = 1) -> Scenario:
    """One owned fleet (1,000 tokens/s a unit; with a one-year life, capex/12 a unit-month) and a
    cloud fleet of the same speed, in January at 10,000 tokens/s: 10 units."""
    fleets = {"a": fleet(capex_usd), "c": cloud_fleet(hourly_usd)}
    return Scenario.from_dict(scenario_dict([10_000.0] * months, fleets=fleets))


def test_two_demand_cases_solved_by_hand():
    """January (744 hours, no discounting). An owned unit costs C = $1,000 of capital whether it
    serves or not, and e = 10 kW x 744 h x $100/MWh = $744 of energy when busy; a cloud unit
    r = $4 x 744 h = $2,976. Low case: 10 units of demand (p = 0.7); high: 20 (p = 0.3).

    Expected cost of building x owned units, for 10 <= x <= 20: C x + 0.7 e 10 + 0.3 (e x + r (20 - x)),
    whose slope C - 0.3 (r - e) = 1,000 - 669.6 > 0: build x = 10 (below 10 the slope is
    C + e - r < 0). Robust: 10,000 + 0.7 x 7,440 + 0.3 (7,440 + 10 x 2,976) = $26,368.
    Mean demand 13 units: x = 13, whose expected cost is $26,368 + 3 x 330.4 = $27,359.2, so
    VSS = $991.2. Wait and see: 0.7 x 10 x 1,744 + 0.3 x 20 x 1,744 = $22,672, so EVPI = $3,696.
    The plan made for the high case (x = 20) costs 20,000 + 0.7 x 7,440 + 0.3 x 14,880 = $29,672."""
    scenario = _owned_and_cloud()
    base = ModelData.from_scenario(scenario)
    cases = [Case("low", 0.7, "as given", base), Case("high", 0.3, "doubled", scaled(base, 2.0))]
    answer = robust(scenario, cases)
    built = answer.purchases[answer.purchases["family"] == "build"].set_index("plan")["units"]
    assert built["robust"] == pytest.approx(10.0)
    assert built["mean_value"] == pytest.approx(13.0)
    assert built["high"] == pytest.approx(20.0)
    assert answer.expected_objective_usd == pytest.approx(26_368.0)
    assert answer.expected_plan_cost_usd == pytest.approx(26_368.0)  # nothing unserved: no penalty
    assert answer.vss_usd == pytest.approx(991.2)
    assert answer.evpi_usd == pytest.approx(3_696.0)
    assert answer.wait_and_see_usd == pytest.approx(22_672.0)
    plans = answer.plans.set_index("plan")
    assert plans.loc["high", "regret_usd"] == pytest.approx(29_672.0 - 26_368.0)
    assert plans.loc["low", "regret_usd"] == pytest.approx(0.0)  # the low case's plan is the robust one
    per_case = answer.cases.set_index("case")["objective_usd"]
    assert per_case["high"] == pytest.approx(10 * 1_744 + 10 * 2_976)


def test_one_case_is_the_ordinary_solve():
    """With a single case, the two-stage LP is the scenario's own LP: the same optimum."""
    scenario = Scenario.from_yaml(default_scenario_path())
    data = ModelData.from_scenario(scenario)
    answer = robust(scenario, [Case("only", 1.0, "as given", data)])
    ordinary = solve(scenario)
    assert answer.expected_objective_usd == pytest.approx(ordinary.objective_usd, rel=1e-7)
    assert answer.expected_plan_cost_usd == pytest.approx(ordinary.plan_cost_usd, rel=1e-7)
    assert answer.vss_usd == pytest.approx(0.0, abs=1e-6 * ordinary.objective_usd)
    assert answer.evpi_usd == pytest.approx(0.0, abs=1e-6 * ordinary.objective_usd)


def test_the_stacked_optimum_is_what_the_cases_cost_with_its_purchases_fixed():
    """The two-stage LP's own objective equals the probability-weighted case objectives found by
    fixing its purchases and re-solving each case (and the same with a CVaR)."""
    scenario = Scenario.from_yaml(default_scenario_path())
    cases = band_cases(scenario)
    models = [build(case.data) for case in cases]
    probabilities = [case.probability for case in cases]
    for alpha in (None, 0.6):
        two = stack(models, probabilities, cvar_alpha=alpha)
        stacked = solve_lp(two.lp, "highs").objective * two.money_unit
        answer = robust(scenario, cases, cvar_alpha=alpha)
        assert answer.risk_usd == pytest.approx(stacked, rel=1e-7)


def test_pure_cvar_at_a_high_level_plans_for_the_worst_case():
    """CVaR at 0.9 of three cases weighted 0.3, 0.4, 0.3 is the high case's objective alone:
    the robust plan is then as good as the high case's own in that case, so EVPI is 0."""
    scenario = Scenario.from_yaml(default_scenario_path())
    answer = robust(scenario, cvar_alpha=0.9)
    high = answer.cases.set_index("case").loc["high"]
    assert answer.risk_usd == pytest.approx(high["objective_usd"], rel=1e-7)
    assert high["objective_usd"] == pytest.approx(high["wait_and_see_objective_usd"], rel=1e-7)
    assert answer.evpi_usd == pytest.approx(0.0, abs=1e-6 * answer.risk_usd)
    assert answer.vss_usd >= 0.0


def test_purchases_adapt_after_the_date_the_cases_diverge():
    """Shared only until the second month of two: the second month's purchases adapt per case."""
    scenario = _owned_and_cloud(months=2)
    base = ModelData.from_scenario(scenario)
    cases = [Case("low", 0.5, "as given", base), Case("high", 0.5, "doubled", scaled(base, 2.0))]
    everything = robust(scenario, cases)
    later = robust(scenario, cases, shared_until="2026-02")
    nothing = robust(scenario, cases, shared_until="2026-01")
    assert nothing.evpi_usd == pytest.approx(0.0, abs=1e-6)  # every purchase adapts: perfect foresight
    assert nothing.risk_usd <= later.risk_usd + 1e-6 <= everything.risk_usd + 2e-6
    with pytest.raises(ValueError, match="no period of the horizon"):
        robust(scenario, cases, shared_until="2031-01")


def test_cvar_of_discrete_values_by_hand():
    """Worst 30% of (1 w.p. 0.3, 2 w.p. 0.4, 10 w.p. 0.3) is 10; of the worst 60%, (0.3 x 10 + 0.3 x 2) / 0.6 = 6."""
    values, p = np.array([1.0, 2.0, 10.0]), np.array([0.3, 0.4, 0.3])
    assert risk(values, p, 0.7) == pytest.approx(10.0)
    assert risk(values, p, 0.4) == pytest.approx(6.0)
    assert risk(values, p, 0.4, cvar_weight=0.5) == pytest.approx(0.5 * 4.1 + 0.5 * 6.0)


RANDOM_CASES = given(
    multipliers=st.lists(st.floats(0.2, 3.0), min_size=2, max_size=3),
    weights=st.lists(st.floats(0.05, 1.0), min_size=3, max_size=3),
    capex_usd=st.floats(2_000.0, 40_000.0),
    hourly_usd=st.floats(0.5, 8.0),
    alpha=st.none() | st.floats(0.1, 0.9),
)
"""Random demand cases and prices (two months, owned against cloud), with or without a CVaR."""


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@RANDOM_CASES
def test_vss_and_evpi_are_never_negative(multipliers, weights, capex_usd, hourly_usd, alpha):
    """Over two random draws here, eight under ``-m slow``."""
    _vss_and_evpi_are_never_negative(multipliers, weights, capex_usd, hourly_usd, alpha)


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@RANDOM_CASES
def test_vss_and_evpi_are_never_negative_over_eight_draws(multipliers, weights, capex_usd, hourly_usd, alpha):
    _vss_and_evpi_are_never_negative(multipliers, weights, capex_usd, hourly_usd, alpha)


def _vss_and_evpi_are_never_negative(multipliers, weights, capex_usd, hourly_usd, alpha):
    scenario = _owned_and_cloud(capex_usd, hourly_usd, months=2)
    base = ModelData.from_scenario(scenario)
    p = np.array(weights[: len(multipliers)]) / sum(weights[: len(multipliers)])
    cases = [
        Case(f"case{i}", float(q), f"x{m:g}", scaled(base, m))
        for i, (m, q) in enumerate(zip(multipliers, p, strict=True))
    ]
    answer = robust(scenario, cases, cvar_alpha=alpha)
    tolerance = 1e-7 * abs(answer.risk_usd) + 1e-6
    assert answer.vss_usd >= -tolerance
    assert answer.evpi_usd >= -tolerance
    assert (answer.plans["regret_usd"] >= -tolerance).all()


def test_band_cases_without_a_fitted_demand_scale_it():
    scenario = Scenario.from_yaml(default_scenario_path())
    cases = band_cases(scenario, spread=0.2)
    base = ModelData.from_scenario(scenario).demand["tokens"].sum()
    assert [c.probability for c in cases] == [0.3, 0.4, 0.3]
    assert [c.data.demand["tokens"].sum() / base for c in cases] == pytest.approx([0.8, 1.0, 1.2])
    with pytest.raises(ValueError, match="spread"):
        band_cases(scenario, spread=1.5)


def test_band_cases_of_a_fitted_demand_are_its_bands(tmp_path):
    """A synthetic history (+4% a month with 5% noise, made up here) fitted as the scenario loads."""
    from demand import ExponentialGrowth, planning_periods

    months = planning_periods("2024-01", 24, "month")
    truth = ExponentialGrowth(start="2024-01", tokens_per_day=5e8, rate=0.04).per_period(months)
    noisy = truth * np.random.default_rng(3).lognormal(0.0, 0.05, len(months))
    pd.DataFrame({"period": months.astype(str), "tokens": noisy}).to_csv(tmp_path / "history.csv", index=False)
    data = scenario_dict([1.0] * 3)
    data["demand"]["w"] = {"kind": "fitted", "history": {"csv": "history.csv"}, "family": "exponential", "samples": 40}
    scenario = Scenario.from_dict(data, base_dir=tmp_path)
    cases = band_cases(scenario)
    tokens = [case.data.demand["tokens"].sum() for case in cases]
    assert tokens[0] < tokens[1] < tokens[2]
    assert cases[2].how == "fitted demand (w) at its high band"
    with pytest.raises(ValueError, match="leave out the spread"):
        robust(scenario, spread=0.3)
    drawn = sampled_cases(scenario, 3, seed=1)
    assert [c.probability for c in drawn] == pytest.approx([1 / 3] * 3)
    assert all("quantile" in c.how for c in drawn)


def test_sampled_cases_are_reproducible_and_equally_likely():
    scenario = Scenario.from_yaml(default_scenario_path())
    first, again = sampled_cases(scenario, 5, seed=7), sampled_cases(scenario, 5, seed=7)
    assert [c.how for c in first] == [c.how for c in again]
    assert sum(c.probability for c in first) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least one"):
        sampled_cases(scenario, 0)


def test_mean_value_data_is_the_probability_weighted_demand():
    data = ModelData.from_scenario(_owned_and_cloud())
    cases = [Case("a", 0.25, "", scaled(data, 2.0)), Case("b", 0.75, "", data)]
    mean = mean_value_data(data, cases)
    assert mean.demand["tokens_per_s"].to_numpy() == pytest.approx(1.25 * data.demand["tokens_per_s"].to_numpy())


def test_sweep_cases_and_cases_that_differ_in_what_can_be_bought(tmp_path):
    from planner.sweep import SweepFile

    data = scenario_dict(fleets={"a": fleet(), "c": cloud_fleet(4.0)})
    data["sweep"] = {"cases": {"cheap": {"fleets.a.capex_usd": 6000.0}, "dear": {"fleets.a.capex_usd": 24000.0}}}
    path = tmp_path / "cases.yaml"
    import yaml

    path.write_text(yaml.safe_dump(data))
    sweep = SweepFile.from_yaml(path)
    cases = sweep_cases(sweep)
    assert [(c.name, c.probability) for c in cases] == [("cheap", 0.5), ("dear", 0.5)]
    answer = robust(sweep.scenario, cases)
    assert answer.vss_usd >= -1e-6 and answer.evpi_usd >= -1e-6
    longer = ModelData.from_scenario(_owned_and_cloud(months=2))
    with pytest.raises(ValueError, match="not the workloads or the horizon"):
        robust(sweep.scenario, [Case("one", 0.5, "", cases[0].data), Case("two", 0.5, "", longer)])


def test_probabilities_must_sum_to_one():
    scenario = _owned_and_cloud()
    data = ModelData.from_scenario(scenario)
    with pytest.raises(ValueError, match="sum to 1"):
        robust(scenario, [Case("a", 0.5, "", data)])
    with pytest.raises(ValueError, match="leave out samples and spread"):
        robust(scenario, [Case("a", 1.0, "", data)], samples=3)
    with pytest.raises(ValueError, match="name each case once"):
        robust(scenario, [Case("robust", 1.0, "", data)])
    with pytest.raises(ValueError, match="CVaR level"):
        robust(scenario, [Case("a", 1.0, "", data)], cvar_alpha=1.0)


def test_whole_units_are_bought_whole():
    """With integer_units the two-stage program is a MIP: demand of 10 and 12 units (and 2.05 times
    that in the high case) is met by whole builds, and VSS and EVPI stay non-negative."""
    from planner.overrides import with_values

    scenario = with_values(
        Scenario.from_dict(scenario_dict([10_000.0, 12_000.0], fleets={"a": fleet(), "c": cloud_fleet(4.0)})),
        {"integer_units": True},
    )
    base = ModelData.from_scenario(scenario)
    answer = robust(scenario, [Case("low", 0.7, "", base), Case("high", 0.3, "", scaled(base, 2.05))])
    units = answer.purchases["units"].to_numpy()
    assert units == pytest.approx(np.round(units))
    assert answer.vss_usd >= -1e-6 and answer.evpi_usd >= -1e-6


def test_no_plan_and_cases_that_buy_other_things_are_refused():
    from planner.analyses.robust import RobustError
    from planner.overrides import with_values

    crowded = Scenario.from_dict(scenario_dict(fleets={"a": fleet(existing=[{"site": "s", "units": 200_000}])}))
    with pytest.raises(RobustError, match="infeasible"):  # 2,000 MW of existing units on a 1,000 MW site
        robust(crowded)
    scenario = _owned_and_cloud(months=3)
    later = with_values(scenario, {"fleets.a.lead_time_months": 1})
    cases = [
        Case("now", 0.5, "", ModelData.from_scenario(scenario)),
        Case("later", 0.5, "", ModelData.from_scenario(later)),
    ]
    with pytest.raises(ValueError, match="other purchase decisions"):
        robust(scenario, cases)


def test_cbc_solving_every_case_cold_agrees_with_warm_highs():
    """HiGHS re-solves each case warm (only purchase bounds change); CBC solves each afresh: the
    same plans and figures (two months, three cases)."""
    scenario = _owned_and_cloud(months=2)
    base = ModelData.from_scenario(scenario)
    cases = [Case(f"x{m}", p, "", scaled(base, m)) for m, p in ((0.5, 0.2), (1.0, 0.5), (1.8, 0.3))]
    warm, cold = robust(scenario, cases), robust(scenario, cases, solver="cbc")
    for column in ("expected_objective_usd", "expected_plan_cost_usd", "risk_usd"):
        assert cold.plans[column].to_numpy() == pytest.approx(warm.plans[column].to_numpy(), rel=1e-7)
    assert cold.vss_usd == pytest.approx(warm.vss_usd, rel=1e-6, abs=1e-3)
    assert cold.evpi_usd == pytest.approx(warm.evpi_usd, rel=1e-6, abs=1e-3)
