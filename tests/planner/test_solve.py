"""Hand-checkable plans: each optimum here is worked out on paper in the test's docstring.

Shared set-up (tests/conftest.py): one workload at 10,000 tokens/s (5,000 prefill + 5,000
decode), January 2026 (744 h), no discounting, units serving 1,000 tokens/s in each phase at
10 kW busy and 0 kW idle, a one-year life, electricity at $100/MWh and PUE 1. Ten busy units are
needed; one unit-month of capital costs capex / 12 and one busy unit-month of energy
10 kW * 744 h * $100/MWh = $744.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import yaml

from planner import Scenario, ScenarioError, Status, solve
from planner.explain import explain
from planner.solvers import cbc as cbc_module
from tests.conftest import JANUARY_HOURS, JANUARY_SECONDS, cloud_fleet, fleet, scenario_dict

ENERGY_PER_BUSY_UNIT_MONTH = 10 * JANUARY_HOURS * 100 / 1000  # $744


def test_one_fleet_builds_exactly_what_demand_needs(make_scenario):
    """10 units * ($1,000 capital + $744 energy) = $17,440."""
    result = solve(make_scenario())
    assert result.status is Status.OPTIMAL and result.is_optimal
    assert result.objective_usd == pytest.approx(10 * (1000 + ENERGY_PER_BUSY_UNIT_MONTH))
    assert result.builds["units"].sum() == pytest.approx(10)
    assert result.unserved.empty
    costs = result.costs.set_index("component")["usd"]
    assert costs["capital"] == pytest.approx(10_000)
    assert costs["energy"] == pytest.approx(7_440)


def test_marginal_price_is_the_cost_of_one_more_token(make_scenario):
    """One more Mtok in January needs 1e6 / (1,000 * seconds) more units at $1,744 each."""
    result = solve(make_scenario())
    expected = 1e6 / (1000 * JANUARY_SECONDS) * (1000 + ENERGY_PER_BUSY_UNIT_MONTH)
    assert result.prices["marginal_usd_per_mtok"].to_list() == pytest.approx([expected])


def test_cheaper_of_two_fleets_wins(make_scenario):
    """Same throughput and power, capex $12k vs $6k: all ten units are the cheap ones."""
    result = solve(make_scenario(fleets={"dear": fleet(12_000), "cheap": fleet(6_000)}))
    built = result.builds.groupby("fleet")["units"].sum()
    assert built.to_dict() == pytest.approx({"cheap": 10})
    assert result.objective_usd == pytest.approx(10 * (500 + ENERGY_PER_BUSY_UNIT_MONTH))


def test_power_cap_forces_the_power_efficient_fleet(make_scenario):
    """Free electricity and a 70 kW cap: x_a + x_b = 10 and 10 x_a + 5 x_b <= 70 give x_a = 4
    (capex $12k, 10 kW) and x_b = 6 (capex $18k, 5 kW): $13,000. Each extra kW lets 0.2 units
    switch from b to a, saving 0.2 * $500, so the cap is worth $100 per kW, $100,000 per MW."""
    fleets = {"a": fleet(12_000), "b": fleet(18_000, max_power_kw=5.0)}
    result = solve(make_scenario(fleets=fleets, sites={"s": {"power_mw": 0.07, "electricity_price_usd_per_mwh": 0.0}}))
    installed = result.installed.set_index("fleet")["units"]
    assert installed["a"] == pytest.approx(4)
    assert installed["b"] == pytest.approx(6)
    power = result.power.iloc[0]
    assert power["reserved_mw"] == pytest.approx(0.07)
    # One more MW (1,000 kW) lets 200 units switch from b to a, each saving $1,500 - $1,000.
    assert power["marginal_usd_per_mw"] == pytest.approx(200 * 500)


def test_lead_time_forces_rental_until_owned_units_arrive(make_scenario):
    """Owned units (capex $6,000: $500 + $672 energy per February unit-month) are cheaper than
    renting ($2/h: $1,344 per February unit-month) but take a month to arrive, so January is
    rented (10 * $2 * 744 h) and February served by units ordered in January."""
    fleets = {"own": fleet(6_000, lead_time_months=1), "rent": cloud_fleet(2.0)}
    result = solve(make_scenario(tokens_per_s=[10_000.0, 10_000.0], fleets=fleets))
    served = result.allocation.groupby(["period", "fleet"])["tokens_per_s"].sum()
    assert served.to_dict() == pytest.approx({("2026-01", "rent"): 10_000, ("2026-02", "own"): 10_000})
    builds = result.builds.iloc[0]
    assert (builds["period"], builds["order_period"], builds["units"]) == ("2026-02", "2026-01", pytest.approx(10))
    feb_hours = 28 * 24
    energy_feb = 10 * feb_hours * 100 / 1000
    assert result.objective_usd == pytest.approx(10 * 2.0 * JANUARY_HOURS + 10 * (500 + energy_feb))


def test_supply_limit_forces_early_builds(make_scenario):
    """Demand needs 5 units in January and 30 in February; at most 20 can arrive per month, so 10
    arrive in January (5 more than January needs) and 20 in February."""
    fleets = {"a": fleet(max_build_units_per_period=20)}
    result = solve(make_scenario(tokens_per_s=[5_000.0, 30_000.0], fleets=fleets))
    builds = result.builds.set_index("period")["units"]
    assert builds.to_dict() == pytest.approx({"2026-01": 10, "2026-02": 20})
    assert result.unserved.empty


def test_budget_forces_unserved_demand(make_scenario):
    """A $60,000 budget buys 5 of the 10 units at $12,000: half the tokens go unserved, at the
    $1,000/Mtok penalty, which is then the marginal price."""
    result = solve(make_scenario(policy={"capex_budget_usd_per_year": 60_000}))
    assert result.builds["units"].sum() == pytest.approx(5)
    demand_tokens = result.demand["tokens"].sum()
    assert result.unserved["tokens"].sum() == pytest.approx(demand_tokens / 2)
    assert result.objective_usd == pytest.approx(
        5 * (1000 + ENERGY_PER_BUSY_UNIT_MONTH) + 1000 * demand_tokens / 2 / 1e6
    )
    assert result.prices["marginal_usd_per_mtok"].to_list() == pytest.approx([1000])
    assert result.is_optimal  # unserved demand is a valid optimum, reported, not an error


def test_slo_excludes_a_fleet_even_when_it_is_cheaper(make_scenario):
    """'slow' costs half as much but its 2 s time to first token misses the 1 s SLO."""
    slow = fleet(6_000)
    slow["performance"]["m"]["ttft_ms"] = 2000.0
    result = solve(make_scenario(fleets={"fast": fleet(12_000), "slow": slow}))
    assert set(result.allocation["fleet"]) == {"fast"}
    assert result.objective_usd == pytest.approx(10 * (1000 + ENERGY_PER_BUSY_UNIT_MONTH))


def test_existing_units_serve_and_their_capital_is_sunk(make_scenario):
    """4 units already stand: build 6; capital is charged for the 6 only, energy for all 10."""
    result = solve(make_scenario(fleets={"a": fleet(existing=[{"site": "s", "units": 4}])}))
    assert result.builds["units"].sum() == pytest.approx(6)
    assert result.installed["units"].sum() == pytest.approx(10)
    assert result.objective_usd == pytest.approx(6 * 1000 + 10 * ENERGY_PER_BUSY_UNIT_MONTH)


def test_units_retire_at_end_of_life_and_are_replaced(make_scenario):
    """With a one-month life, January's units retire before February: ten are built each month."""
    result = solve(make_scenario(tokens_per_s=[10_000.0] * 3, fleets={"a": fleet(lifetime_years=1 / 12)}))
    assert result.builds.set_index("period")["units"].to_dict() == pytest.approx(
        {"2026-01": 10, "2026-02": 10, "2026-03": 10}
    )
    assert result.installed["units"].to_list() == pytest.approx([10, 10, 10])


def test_idle_power_and_availability_are_charged(make_scenario):
    """Availability 0.8 means 12.5 units for 10 busy; the 2.5 spare units draw 4 kW idle and the
    busy ones 4 kW idle plus 6 kW more: energy = (12.5 * 4 + 10 * 6) kW * 744 h * $0.1/kWh."""
    result = solve(make_scenario(fleets={"a": fleet(idle_power_kw=4.0, availability=0.8)}))
    assert result.installed["units"].sum() == pytest.approx(12.5)
    energy = result.costs.set_index("component")["usd"]["energy"]
    assert energy == pytest.approx((12.5 * 4 + 10 * 6) * JANUARY_HOURS * 0.1)


def test_discounting_uses_the_period_start(make_scenario):
    """At 10% a year the second quarter's costs are discounted by 1.1 ** -0.25."""
    scenario = make_scenario(
        tokens_per_s=[0.0, 0.0, 0.0, 10_000.0, 10_000.0, 10_000.0],
        fleets={"rent": cloud_fleet(1.0)},
        horizon={"discount_rate": 0.1},
    )
    result = solve(scenario)
    costs = result.costs[result.costs["component"] == "rental"].set_index("period")
    april = costs.loc["2026-04"]
    assert april["usd"] == pytest.approx(10 * 30 * 24 * 1.0)
    assert april["discounted_usd"] == pytest.approx(april["usd"] * 1.1**-0.25)
    assert result.objective_usd == pytest.approx(costs["discounted_usd"].sum())


def test_existing_units_above_the_power_cap_make_the_plan_infeasible(make_scenario):
    scenario = make_scenario(
        fleets={"a": fleet(existing=[{"site": "s", "units": 100}])}, sites={"s": {"power_mw": 0.5}}
    )
    result = solve(scenario)
    assert result.status is Status.INFEASIBLE
    assert not result.has_plan and result.objective_usd is None
    # The solver's verdict names no limit; the message sends the user to explain, which finds it.
    assert "run `planner explain`" in result.message
    assert set(explain(scenario).violations["family"]) == {"power_limit"}
    assert result.allocation.empty and list(result.allocation.columns)[:2] == ["period", "workload"]


def test_solve_accepts_a_path(tmp_path):
    """A scenario file, named by a Path or a str, solves to the hand-checked cost of its plan
    (ten units at $1,000 capital + $744 energy each)."""
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(scenario_dict()), encoding="utf-8")
    assert solve(path).objective_usd == pytest.approx(10 * (1000 + ENERGY_PER_BUSY_UNIT_MONTH))
    assert solve(str(path)).objective_usd == pytest.approx(10 * (1000 + ENERGY_PER_BUSY_UNIT_MONTH))


def test_a_missing_solver_is_reported_not_raised(make_scenario, monkeypatch):
    # The package exports the function `solve`, which hides the module of the same name.
    monkeypatch.setattr(cbc_module, "cbc_path", lambda: None)
    result = solve(make_scenario(), solver="cbc")
    assert result.status is Status.SOLVER_ERROR
    assert "the CBC solver was not found" in result.message and not result.has_plan
    assert len(result.demand) == 2  # the demand is still reported


FAKE_CBC = """#!{python}
import sys
args = sys.argv[1:]
if "-quit" in args:
    print("Version: fake")
elif "-solution" in args:
    print({log!r})
    with open(args[args.index("-solution") + 1], "w") as f:
        f.write({line!r} + "\\n")
"""


def _fake_cbc(monkeypatch, folder, line, log=""):
    """A stand-in CBC that prints ``log`` and writes only a status line, as CBC does when it gives up."""
    fake = folder / "cbc"
    fake.write_text(FAKE_CBC.format(python=sys.executable, line=line, log=log), encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(cbc_module, "cbc_path", lambda: str(fake))


RELABELLED_CBC = """#!{python}
import subprocess, sys
args = sys.argv[1:]
done = subprocess.run([{cbc!r}, *args], capture_output=True, text=True)
if "-quit" in args:
    print(done.stdout)
elif "-solution" in args:
    print({log!r})
    path = args[args.index("-solution") + 1]
    with open(path) as f:
        lines = f.read().splitlines()
    with open(path, "w") as f:
        f.write("\\n".join([{line!r}, *lines[1:]]) + "\\n")
"""


def _relabelled_cbc(monkeypatch, folder, line, log=""):
    """CBC itself, whose plan is then labelled as stopped by the time limit (status ``line``, ``log``):
    a time-limited CBC that found a feasible plan, made deterministic."""
    real = cbc_module.cbc_path()
    fake = folder / "cbc"
    fake.write_text(RELABELLED_CBC.format(python=sys.executable, cbc=real, line=line, log=log), encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(cbc_module, "cbc_path", lambda: str(fake))


@pytest.mark.parametrize(
    ("line", "time_limit", "expected"),
    [
        ("Stopped on difficulties - objective value 0", None, Status.NUMERICAL_TROUBLE),
        ("Stopped due to errors - objective value 0", None, Status.NUMERICAL_TROUBLE),
        ("Stopped on difficulties - objective value 0", 5.0, Status.NUMERICAL_TROUBLE),  # not the time limit
        ("Stopped on time - objective value 0", 5.0, Status.TIME_LIMIT),
        ("Stopped on time", 5.0, Status.SOLVER_ERROR),  # a solution file cut short: CBC crashed writing it
        ("Infeasible - objective value 0", None, Status.INFEASIBLE),
    ],
)
def test_cbc_status_lines_map_to_statuses(make_scenario, monkeypatch, tmp_path, line, time_limit, expected):
    _fake_cbc(monkeypatch, tmp_path, line)
    result = solve(make_scenario(), solver="cbc", time_limit=time_limit)
    assert result.status is expected
    if expected is Status.NUMERICAL_TROUBLE:
        assert "numerical trouble" in result.message and "planner inspect" in result.message
        assert not result.has_plan
    if expected is Status.SOLVER_ERROR:
        assert "could not read" in result.message


def test_a_whole_unit_plan_stopped_at_the_time_limit_reports_its_gap(make_scenario, monkeypatch, tmp_path):
    log = "Result - Stopped on time limit\n\nObjective value:  12.0\nLower bound:  10.0\nGap: 0.17"
    _relabelled_cbc(monkeypatch, tmp_path, "Stopped on time - objective value 12.0", log)
    result = solve(make_scenario(integer_units=True), solver="cbc", time_limit=5.0)
    assert result.status is Status.TIME_LIMIT and result.has_plan
    assert result.gap == pytest.approx(2.0 / 12.0)
    assert "within 17% of the best possible" in result.message
    assert result.summary()["gap"] == pytest.approx(2.0 / 12.0)


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_the_gap_of_a_whole_unit_plan_is_small_and_a_linear_plan_has_none(make_scenario, solver):
    whole = solve(make_scenario(integer_units=True), solver=solver)
    assert whole.is_optimal and whole.gap is not None and 0.0 <= whole.gap <= 1e-4
    assert solve(make_scenario(), solver=solver).gap is None


@pytest.mark.parametrize("mip_gap", [-0.1, 1.0, math.nan])
def test_a_gap_outside_zero_to_one_is_refused(make_scenario, mip_gap):
    with pytest.raises(ValueError, match="mip_gap"):
        solve(make_scenario(integer_units=True), mip_gap=mip_gap)


def test_a_time_limit_reached_within_the_gap_gives_an_optimal_plan(make_scenario, monkeypatch, tmp_path):
    """Stopped at the limit 0.0005% above the bound: within the default 0.01%, so optimal."""
    log = "Result - Stopped on time limit\n\nObjective value:  12.0\nLower bound:  11.99994\nGap: 0.000005"
    _relabelled_cbc(monkeypatch, tmp_path, "Stopped on time - objective value 12.0", log)
    result = solve(make_scenario(integer_units=True), solver="cbc", time_limit=60.0)
    assert result.status is Status.OPTIMAL and result.has_plan
    assert result.gap == pytest.approx(5e-6)
    assert "within the gap of 0.01%" in result.message and "time limit (60 s)" in result.message
    tight = solve(make_scenario(integer_units=True), solver="cbc", time_limit=60.0, mip_gap=1e-6)
    assert tight.status is Status.TIME_LIMIT and "more than the gap of 0.0001%" in tight.message


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_whole_unit_model_stays_whole_after_its_solve(solver):
    """Prices come from an LP with the units fixed, solved on a copy: the model keeps its
    integer decisions and their bounds, and a second solve is again whole-unit."""
    from planner.build import build
    from planner.data import ModelData
    from planner.solve import solve_model

    model = build(ModelData.from_scenario(_gpu_allocation()))
    before = (model.lp.integer.copy(), model.lp.lower.copy(), model.lp.upper.copy())
    first = solve_model(model, solver=solver)
    after = (model.lp.integer, model.lp.lower, model.lp.upper)
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert model.lp.is_mip
    second = solve_model(model, solver=solver)
    assert second.is_optimal and second.gap is not None
    assert second.objective_usd == pytest.approx(first.objective_usd)
    assert second.prices["marginal_usd_per_mtok"].to_list() == pytest.approx(
        first.prices["marginal_usd_per_mtok"].to_list()
    )


def test_solve_refuses_a_scenario_edited_into_an_invalid_one_with_the_loaders_problems(make_scenario):
    scenario = make_scenario()
    scenario.workloads["w"].model = "no-such-model"  # any text is a model name; the cross-check knows better
    with pytest.raises(ScenarioError) as caught:
        solve(scenario)
    with pytest.raises(ScenarioError) as loaded:
        Scenario.from_dict(scenario.model_dump(mode="python"))
    assert caught.value.problems == loaded.value.problems
    assert [p.path for p in caught.value.problems] == ["workloads.w.model"]


def test_a_valid_edit_is_solved(make_scenario):
    """Capex cut from $12,000 to $6,000: 10 x ($500 + $744)."""
    scenario = make_scenario()
    scenario.fleets["a"].capex_usd *= 0.5
    assert solve(scenario).objective_usd == pytest.approx(10 * (500 + ENERGY_PER_BUSY_UNIT_MONTH))


def test_leased_units_serve_only_after_their_lead_time(make_scenario):
    """A lease at $0.90/h that takes a month to arrive: January is rented on demand at $2/h
    (10 units x 744 h x $2), February and March leased."""
    lease = cloud_fleet(
        0.9, procurement="lease", max_power_kw=10.0, idle_power_kw=0.0, term_months=1, lead_time_months=1
    )
    result = solve(make_scenario(tokens_per_s=[10_000.0] * 3, fleets={"lease": lease, "rent": cloud_fleet(2.0)}))
    by_period = result.allocation.groupby(["period", "fleet"])["tokens_per_s"].sum().unstack(fill_value=0.0)
    assert by_period.loc["2026-01", "lease"] == pytest.approx(0.0)
    assert by_period.loc["2026-01", "rent"] == pytest.approx(10_000.0)
    assert by_period.loc[["2026-02", "2026-03"], "lease"].to_list() == pytest.approx([10_000.0, 10_000.0])
    assert result.costs.groupby("component")["usd"].sum()["rental"] == pytest.approx(
        10 * JANUARY_HOURS * 2.0 + 10 * (28 + 31) * 24 * 0.9
    )


def test_a_vendor_cap_counts_rented_hardware_as_its_makers(make_scenario):
    """NVIDIA hardware owned at $1,244 a busy unit-month, and rented from skyco at $1/h ($744):
    with NVIDIA at most 60%, the rest (4 units) goes to vendor B at $1,000 + $744, whoever rents
    the NVIDIA units out."""
    fleets = {
        "owned": fleet(6_000, vendor="NVIDIA"),
        "rented": cloud_fleet(1.0, vendor="NVIDIA", provider="skyco"),
        "other": fleet(12_000, vendor="B"),
    }
    result = solve(make_scenario(fleets=fleets, policy={"max_vendor_share": 0.6}))
    served = result.allocation.groupby("fleet")["tokens_per_s"].sum()
    assert served.get("other", 0.0) == pytest.approx(4_000.0)
    assert served.get("rented", 0.0) == pytest.approx(6_000.0)
    policy = result.policy.set_index(["policy", "subject"])
    assert policy.loc[("vendor_share", "NVIDIA"), "actual"] == pytest.approx(0.6)
    assert ("vendor_share", "skyco") not in policy.index


def test_a_provider_cap_limits_what_one_cloud_rents_out(make_scenario):
    """Two chips rented from skyco at $1/h ($744 a unit-month) and owned units at $1,744: with
    skyco at most half of the tokens, five units are owned."""
    fleets = {
        "own": fleet(),
        "gpu": cloud_fleet(1.0, vendor="NVIDIA", provider="skyco"),
        "asic": cloud_fleet(1.0, vendor="skyco"),
    }
    result = solve(make_scenario(fleets=fleets, policy={"max_provider_share": 0.5}))
    served = result.allocation.groupby("fleet")["tokens_per_s"].sum()
    assert served["own"] == pytest.approx(5_000.0)
    assert result.objective_usd == pytest.approx(5 * (1000 + ENERGY_PER_BUSY_UNIT_MONTH) + 5 * JANUARY_HOURS * 1.0)
    policy = result.policy.set_index(["policy", "subject"])
    assert policy.loc[("provider_share", "skyco"), "actual"] == pytest.approx(0.5)
    assert bool(policy.loc[("provider_share", "skyco"), "binding"])


def test_a_commitment_to_a_provider_counts_what_is_rented_from_it(make_scenario):
    """Owned units cost $1,744 a busy unit-month, rented ones $1,488 (744 h x $2): at least 12
    units from skyco, whatever their maker, are paid for and serve all: 12 x $1,488."""
    fleets = {"own": fleet(), "rented": cloud_fleet(2.0, vendor="NVIDIA", provider="skyco")}
    contracts = {"deal": {"provider": "skyco", "min_units": 12}}
    result = solve(make_scenario(fleets=fleets, contracts=contracts))
    assert result.objective_usd == pytest.approx(12 * JANUARY_HOURS * 2.0)
    assert result.installed.set_index("fleet")["units"]["rented"] == pytest.approx(12)


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_workload_without_demand_is_planned_for_nothing(make_scenario, solver):
    """Beside 'w' (10 units: 10 x ($1,000 + $744)), a workload 'idle' whose demand is zero tokens:
    it costs nothing, is served nowhere and leaves nothing unserved."""
    data = scenario_dict()
    data["workloads"]["idle"] = dict(data["workloads"]["w"])
    data["demand"]["idle"] = {"kind": "series", "tokens": {"2026-01": 0.0}}
    result = solve(Scenario.from_dict(data), solver=solver)
    assert result.is_optimal
    assert result.plan_cost_usd == pytest.approx(10 * (1000 + ENERGY_PER_BUSY_UNIT_MONTH))
    assert "idle" not in set(result.allocation["workload"])
    assert result.summary()["unserved_tokens"] == 0.0


def test_a_growth_curve_from_zero_says_how_to_give_a_workload_no_demand():
    data = scenario_dict()
    data["demand"]["w"] = {"kind": "exponential", "start": "2026-01", "tokens_per_day": 0, "rate": 0.1}
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    [problem] = caught.value.problems
    assert problem.path == "demand.w.tokens_per_day"
    assert "'kind: series' with zero tokens, or the workload a share of 0" in problem.message


def test_values_a_time_limit_left_that_break_rows_are_no_plan(make_scenario, monkeypatch, tmp_path):
    """A CBC stopped on time with every value at zero: nothing served, nothing reported unserved,
    so the demand rows are broken and no plan is shown, status time_limit."""
    _fake_cbc(monkeypatch, tmp_path, "Stopped on time - objective value 0")
    result = solve(make_scenario(), solver="cbc", time_limit=5.0)
    assert result.status is Status.TIME_LIMIT and not result.has_plan and result.gap is None
    assert "before it found a feasible plan" in result.message and "demand_balance[w,prefill,2026-01]" in result.message
    assert "no feasible point at all" in result.message  # a linear program
    assert result.builds.empty and result.plan_cost_usd is None
    whole = solve(make_scenario(integer_units=True), solver="cbc", time_limit=5.0)
    assert whole.status is Status.TIME_LIMIT and not whole.has_plan and "no feasible point" not in whole.message


@pytest.mark.parametrize("time_limit", [0.0, 0.001])
@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_the_default_scenario_stopped_at_once_shows_no_plan_or_one_that_verifies(time_limit, solver, tmp_path):
    """CBC stopped within a millisecond of the default scenario's LP: its simplex has not reached a
    feasible point, and what it leaves is not shown as a plan; a plan shown verifies."""
    from planner import default_scenario_path
    from planner.verify import verify

    result = solve(default_scenario_path(), solver=solver, time_limit=time_limit)
    # CBC checks its clock between iterations: now and then it finishes the LP first.
    assert result.status in (Status.TIME_LIMIT, Status.OPTIMAL)
    if result.has_plan:
        result.to_dir(tmp_path / "plan")
        assert all(check.ok for check in verify(tmp_path / "plan"))
    else:
        assert result.status is Status.TIME_LIMIT and "before it found a feasible plan" in result.message
