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
import pandas as pd
import pytest
import yaml

from demand import ExponentialGrowth, planning_periods
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
elif "-solution" in args and ("-solve" in args or {every!r}):
    # The MIP's answer (or, with every=True, any answer); the LP that prices a MIP's plan is
    # left as CBC wrote it.
    print({log!r})
    path = args[args.index("-solution") + 1]
    with open(path) as f:
        lines = f.read().splitlines()
    if {zeroed!r}:  # every value and dual 0: what a simplex stopped at once may leave
        lines[1:] = [" ".join([*line.split()[:-2], "0", "0"]) for line in lines[1:]]
    with open(path, "w") as f:
        f.write("\\n".join([{line!r}, *lines[1:]]) + "\\n")
"""


def _relabelled_cbc(monkeypatch, folder, line, log="", zeroed=False):
    """CBC itself, whose plan is then labelled as stopped by the time limit (status ``line``, ``log``):
    a time-limited CBC that found a feasible plan, made deterministic; ``zeroed``: one whose
    values are all zero, as a simplex stopped before any feasible point may leave them."""
    real = cbc_module.cbc_path()
    fake = folder / "cbc"
    script = RELABELLED_CBC.format(python=sys.executable, cbc=real, line=line, log=log, every=zeroed, zeroed=zeroed)
    fake.write_text(script, encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(cbc_module, "cbc_path", lambda: str(fake))


@pytest.mark.parametrize(
    ("line", "time_limit", "expected"),
    [
        ("Stopped on difficulties - objective value 0", None, Status.NUMERICAL_TROUBLE),
        ("Stopped due to errors - objective value 0", None, Status.NUMERICAL_TROUBLE),
        ("Stopped on difficulties - objective value 0", 5.0, Status.NUMERICAL_TROUBLE),  # not the time limit
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


def test_capacity_is_sized_for_the_peak_hour_and_energy_for_the_average(make_scenario):
    """One hour a day at twice the others: the peak is 2 / (25/24) = 1.92 times the average, so
    19.2 units are needed for 10 busy on average; capital is paid on 19.2, energy on 10."""
    scenario = make_scenario(workloads={"w": {"profile": {"hourly": [2.0] + [1.0] * 23}}})
    result = solve(scenario)
    assert result.installed["units"].sum() == pytest.approx(19.2)
    assert result.objective_usd == pytest.approx(19.2 * 1000 + 10 * ENERGY_PER_BUSY_UNIT_MONTH)
    assert result.demand["peak_tokens_per_s"].sum() == pytest.approx(1.92 * 10_000)


def test_workloads_sharing_a_demand_entry_split_it_by_their_shares(make_scenario):
    """Shares 0.2 and 0.8 of 10,000 tokens/s; the second workload's 8,000 tokens/s need 8 units."""
    workload = {"model": "m", "max_ttft_ms": 1000.0, "min_tokens_per_s_per_user": 10.0, "input_output_ratio": 1.0}
    scenario = make_scenario(
        workloads={"w": {"share": 0.2}, "v": {**workload, "demand": "w", "share": 0.8}},
    )
    result = solve(scenario)
    rates = result.demand.groupby("workload")["tokens_per_s"].sum()
    assert rates.to_dict() == pytest.approx({"w": 2_000, "v": 8_000})
    assert result.installed["units"].sum() == pytest.approx(10)


def test_fitted_demand_bands_plan_as_scenarios(tmp_path):
    """A synthetic history (generated here, +4% a month with 5% noise) fitted when the scenario
    loads: more demand in the high band costs more to serve than the base, and the low band less."""
    months = planning_periods("2024-01", 24, "month")
    truth = ExponentialGrowth(start="2024-01", tokens_per_day=5e8, rate=0.04)
    noisy = truth.per_period(months) * np.random.default_rng(3).lognormal(0.0, 0.05, len(months))
    pd.DataFrame({"period": months.astype(str), "tokens": noisy}).to_csv(tmp_path / "history.csv", index=False)

    def plan(band):
        data = scenario_dict([1.0] * 6)
        data["demand"]["w"] = {
            "kind": "fitted",
            "history": {"csv": "history.csv"},
            "family": "exponential",
            "band": band,
            "samples": 40,
        }
        return solve(Scenario.from_dict(data, base_dir=tmp_path))

    low, base, high = (plan(band) for band in ("low", "base", "high"))
    assert low.objective_usd < base.objective_usd < high.objective_usd
    assert low.demand["tokens"].sum() < base.demand["tokens"].sum() < high.demand["tokens"].sum()


def _phase_fleets():
    """P prefills fast (2,000 tokens/s) and decodes slowly (500); D the reverse. Free power."""
    prefill_heavy = fleet(
        performance={
            "m": {
                "prefill_tokens_per_s": 2000.0,
                "decode_tokens_per_s": 500.0,
                "tokens_per_s_per_user": 50.0,
                "ttft_ms": 100.0,
            }
        }
    )
    decode_heavy = fleet(
        performance={
            "m": {
                "prefill_tokens_per_s": 500.0,
                "decode_tokens_per_s": 2000.0,
                "tokens_per_s_per_user": 50.0,
                "ttft_ms": 100.0,
            }
        }
    )
    return {"P": prefill_heavy, "D": decode_heavy}


def _split_plan(make_scenario, **workload):
    return solve(
        make_scenario(
            fleets=_phase_fleets(), sites={"s": {"electricity_price_usd_per_mwh": 0.0}}, workloads={"w": workload}
        )
    )


def test_by_default_both_phases_of_a_request_run_on_one_fleet(make_scenario):
    """5,000 prompt and 5,000 output tokens/s; on either fleet a prompt-output pair takes
    1/2000 + 1/500 unit-seconds: 12.5 units at $1,000 a month."""
    result = _split_plan(make_scenario)
    assert result.objective_usd == pytest.approx(12_500)
    by_fleet = result.allocation.pivot_table(index="fleet", columns="phase", values="tokens_per_s", aggfunc="sum")
    assert by_fleet["prefill"].to_list() == pytest.approx(
        by_fleet["decode"].to_list()
    )  # input:output 1:1 on each fleet
    assert result.transfers.empty


def test_disaggregation_splits_phases_when_the_transfer_costs_less_than_the_saving(make_scenario):
    """Prefill on P (2.5 units) and decode on D (2.5 units) cost $5,000, saving $7,500 on the
    $12,500 co-located plan. Moving 5,000 prompt tokens/s for January (13,392 Mtok) at
    $0.50/Mtok costs $6,696 < $7,500: split. At $0.60/Mtok ($8,035) it does not pay."""
    free = _split_plan(make_scenario, disaggregate=True)
    assert free.objective_usd == pytest.approx(5_000)
    served = free.allocation.groupby(["phase", "fleet"])["tokens_per_s"].sum()
    assert served.to_dict() == pytest.approx({("decode", "D"): 5_000, ("prefill", "P"): 5_000})

    cheap = _split_plan(make_scenario, disaggregate=True, kv_transfer_usd_per_mtok=0.5)
    mtok = 5_000 * JANUARY_SECONDS / 1e6
    assert cheap.objective_usd == pytest.approx(5_000 + 0.5 * mtok)
    assert cheap.transfers["prompt_tokens_per_s"].sum() == pytest.approx(5_000)
    assert cheap.costs.set_index("component")["usd"]["kv_transfer"] == pytest.approx(0.5 * mtok)

    dear = _split_plan(make_scenario, disaggregate=True, kv_transfer_usd_per_mtok=0.6)
    assert dear.objective_usd == pytest.approx(12_500)
    assert dear.transfers.empty


def test_a_disaggregated_workload_checks_ttft_on_prefill_and_speed_on_decode(make_scenario):
    """D's first token takes 2 s (over the 1 s SLO) so it may only decode; P's 5 tokens/s per
    user (under 10) let it only prefill. Together they serve what neither can alone."""
    fleets = _phase_fleets()
    fleets["D"]["performance"]["m"]["ttft_ms"] = 2000.0
    fleets["P"]["performance"]["m"]["tokens_per_s_per_user"] = 5.0
    result = solve(make_scenario(fleets=fleets, workloads={"w": {"disaggregate": True}}))
    points = result.operating_points.set_index(["phase", "fleet"])
    assert set(points.index) == {("prefill", "P"), ("decode", "D")}
    assert result.unserved.empty
    with pytest.raises(ScenarioError, match="no fleet can serve this workload"):
        make_scenario(fleets=fleets)


def test_a_vendor_cap_binds_and_its_marginal_cost_is_the_forced_reallocation(make_scenario):
    """Vendor A's units cost $500 a month, B's $1,000. With at most 60% of tokens on A, A gets
    6 units and B 4: 6 x $1,244 + 4 x $1,744. Each percentage point more for A moves 0.1 unit
    from B to A, saving $50: the policy's marginal cost."""
    fleets = {"a": fleet(6_000, vendor="A"), "b": fleet(12_000, vendor="B")}
    result = solve(make_scenario(fleets=fleets, policy={"max_vendor_share": 0.6}))
    assert result.objective_usd == pytest.approx(
        6 * (500 + ENERGY_PER_BUSY_UNIT_MONTH) + 4 * (1000 + ENERGY_PER_BUSY_UNIT_MONTH)
    )
    policy = result.policy.set_index(["policy", "subject"])
    assert policy.loc[("vendor_share", "A"), "actual"] == pytest.approx(0.6)
    assert bool(policy.loc[("vendor_share", "A"), "binding"])
    assert policy.loc[("vendor_share", "A"), "marginal_usd_per_unit"] == pytest.approx(50)
    assert not bool(policy.loc[("vendor_share", "B"), "binding"])


def test_a_category_cap_limits_a_hardware_family(make_scenario):
    fleets = {"gpu": fleet(6_000, category="gpu"), "wafer": fleet(12_000, category="wafer_scale")}
    result = solve(make_scenario(fleets=fleets, policy={"category_share_limits": {"gpu": 0.3}}))
    served = result.allocation.groupby("fleet")["tokens_per_s"].sum()
    assert served["gpu"] / served.sum() == pytest.approx(0.3)


def test_a_capacity_commitment_is_take_or_pay(make_scenario):
    """A commitment to 0.15 MW (15 units of 10 kW) where 10 are needed: 15 units are paid for,
    and each committed unit beyond need costs its $1,000 a month."""
    result = solve(make_scenario(contracts={"deal": {"fleet": "a", "min_mw": 0.15}}))
    assert result.installed["units"].sum() == pytest.approx(15)
    assert result.objective_usd == pytest.approx(15 * 1000 + 10 * ENERGY_PER_BUSY_UNIT_MONTH)
    row = result.policy.set_index("policy").loc["contract"]
    assert (row["limit"], row["actual"], row["unit"]) == (pytest.approx(0.15), pytest.approx(0.15), "MW")
    assert row["marginal_usd_per_unit"] == pytest.approx(1000 / 0.01)  # per MW: 100 units


def test_a_commitment_must_cover_some_fleet(make_scenario):
    with pytest.raises(ScenarioError, match="no fleet is covered by this commitment"):
        make_scenario(contracts={"deal": {"vendor": "nobody", "min_units": 5}})


def test_rent_beats_buy_for_a_short_peak(make_scenario):
    """Ten units needed in January only. Owned units ($500 a month) keep costing for all four
    months ($20,000 + $7,440 energy); on-demand cloud at $2/h costs 10 x 744 h x $2 = $14,880."""
    peak = [10_000.0, 0.0, 0.0, 0.0]
    own_only = solve(make_scenario(tokens_per_s=peak, fleets={"own": fleet(6_000)}))
    assert own_only.objective_usd == pytest.approx(10 * 500 * 4 + 10 * ENERGY_PER_BUSY_UNIT_MONTH)
    both = solve(make_scenario(tokens_per_s=peak, fleets={"own": fleet(6_000), "rent": cloud_fleet(2.0)}))
    assert both.objective_usd == pytest.approx(10 * JANUARY_HOURS * 2.0)
    assert set(both.allocation["fleet"]) == {"rent"}


def test_a_lease_term_decides_lease_or_on_demand(make_scenario):
    """A lease at $0.90/h pays the site's power too ($744 a busy unit-month). For one month it
    beats $2/h on demand (10 x 744 x 0.9 + 7,440 = $14,136 < $14,880); held for a three-month
    term it does not (10 x 2,160 h x 0.9 + 7,440 = $26,880)."""
    peak = [10_000.0, 0.0, 0.0]
    lease = {
        "procurement": "lease",
        "vendor": "acme",
        "category": "gpu",
        "hourly_usd": 0.9,
        "max_power_kw": 10.0,
        "idle_power_kw": 0.0,
        "performance": fleet()["performance"],
    }
    short = solve(
        make_scenario(tokens_per_s=peak, fleets={"lease": {**lease, "term_months": 1}, "rent": cloud_fleet(2.0)})
    )
    assert short.objective_usd == pytest.approx(10 * JANUARY_HOURS * 0.9 + 10 * ENERGY_PER_BUSY_UNIT_MONTH)
    assert set(short.allocation["fleet"]) == {"lease"}
    long = solve(
        make_scenario(tokens_per_s=peak, fleets={"lease": {**lease, "term_months": 3}, "rent": cloud_fleet(2.0)})
    )
    assert set(long.allocation["fleet"]) == {"rent"}
    forced = solve(make_scenario(tokens_per_s=peak, fleets={"lease": {**lease, "term_months": 3}}))
    assert forced.installed["units"].to_list() == pytest.approx([10, 10, 10])  # held for the term, idle after January
    assert forced.objective_usd == pytest.approx(10 * (31 + 28 + 31) * 24 * 0.9 + 10 * ENERGY_PER_BUSY_UNIT_MONTH)


def test_reserved_units_are_cheaper_but_held_for_their_term(make_scenario):
    """Flat demand for three months: reserved at $1.50/h for three months beats on demand at $2/h."""
    reserved = cloud_fleet(1.5, procurement="reserved", term_months=3)
    result = solve(make_scenario(tokens_per_s=[10_000.0] * 3, fleets={"reserved": reserved, "rent": cloud_fleet(2.0)}))
    assert set(result.allocation["fleet"]) == {"reserved"}
    assert result.objective_usd == pytest.approx(10 * (31 + 28 + 31) * 24 * 1.5)


def test_whole_units_round_purchases_up_and_price_from_the_fixed_lp(make_scenario):
    """10,500 tokens/s need 10.5 busy units: the MILP buys 11 ($11,000 + 10.5 x $744 energy). With
    the 11 units fixed, one more token costs only its energy: the fixed LP's marginal price."""
    result = solve(make_scenario(tokens_per_s=10_500.0, integer_units=True))
    assert (
        result.is_optimal
        and "whole units, with marginal prices from the LP with those decisions fixed" in result.message
    )
    assert result.builds["units"].to_list() == [11.0]
    assert result.objective_usd == pytest.approx(11 * 1000 + 10.5 * ENERGY_PER_BUSY_UNIT_MONTH)
    energy_only = 1e6 / (1000 * JANUARY_SECONDS) * ENERGY_PER_BUSY_UNIT_MONTH
    assert result.prices["marginal_usd_per_mtok"].to_list() == pytest.approx([energy_only])
    relaxed = solve(make_scenario(tokens_per_s=10_500.0))
    assert relaxed.builds["units"].to_list() == pytest.approx([10.5])


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_vendor_loss_rule_adds_the_expected_capacity(make_scenario, solver):
    """Without the rule all ten units would be vendor A's (cheaper). Covering half the demand
    without either vendor needs five units of each: they serve together (5 x $1,244 + 5 x $1,744,
    instead of $12,440). Relaxing the rule by a percentage point lets 0.1 unit move from B to A,
    saving $50. Tightening it would cost $150, 0.1 more unit of each: the optimum sits on a kink,
    and the reported marginal cost is a dual between the two slopes (CBC reports the saving side,
    HiGHS the other)."""
    fleets = {"a": fleet(6_000, vendor="A"), "b": fleet(12_000, vendor="B")}
    result = solve(make_scenario(fleets=fleets, policy={"vendor_loss_coverage": 0.5}), solver=solver)
    installed = result.installed.set_index("fleet")["units"]
    assert installed.to_dict() == pytest.approx({"a": 5, "b": 5})
    assert result.objective_usd == pytest.approx(
        5 * (500 + ENERGY_PER_BUSY_UNIT_MONTH) + 5 * (1000 + ENERGY_PER_BUSY_UNIT_MONTH)
    )
    rows = result.policy[result.policy["policy"] == "vendor_loss"].set_index("subject")
    assert rows["binding"].astype(bool).any()
    # Any value between the two one-sided slopes is a dual of the kink; solvers pick one.
    assert 50 - 1e-6 <= rows["marginal_usd_per_unit"].sum() <= 150 + 1e-6
    tighter = solve(make_scenario(fleets=fleets, policy={"vendor_loss_coverage": 0.51}))
    looser = solve(make_scenario(fleets=fleets, policy={"vendor_loss_coverage": 0.49}))
    assert (tighter.objective_usd - result.objective_usd, result.objective_usd - looser.objective_usd) == pytest.approx(
        (150, 50)
    )


def test_a_workload_only_one_vendor_serves_must_be_exempted_from_the_vendor_loss_rule(make_scenario):
    fleets = {"a": fleet(vendor="A")}
    with pytest.raises(ScenarioError, match="can only be served by A's hardware"):
        make_scenario(fleets=fleets, policy={"vendor_loss_coverage": 0.5})
    scenario = make_scenario(fleets=fleets, policy={"vendor_loss_coverage": 0.5, "vendor_loss_exempt": ["w"]})
    assert solve(scenario).is_optimal


def test_a_site_expands_in_whole_power_blocks(make_scenario):
    """Ten 10 kW units need 0.1 MW; the site has 0.03 MW and can add 0.05 MW blocks at $12,000
    each over one year at 0% ($1,000 a month): two blocks (not 1.4) with whole units."""
    sites = {
        "s": {
            "power_mw": 0.03,
            "electricity_price_usd_per_mwh": 0.0,
            "expansion": {"block_mw": 0.05, "capex_usd_per_block": 12_000, "lifetime_years": 1, "max_blocks": 3},
        }
    }
    result = solve(make_scenario(sites=sites, integer_units=True))
    costs = result.costs.set_index("component")["usd"]
    assert costs["expansion"] == pytest.approx(2 * 1000)
    assert result.objective_usd == pytest.approx(10 * 1000 + 2 * 1000)
    relaxed = solve(make_scenario(sites=sites))
    assert relaxed.costs.set_index("component")["usd"]["expansion"] == pytest.approx(1.4 * 1000)


def test_a_platform_is_adopted_only_when_it_pays(make_scenario):
    """Vendor B's units cost $500 a month less per unit than A's (10 units: $5,000 a month). A
    one-off $4,000 to adopt B pays within the month; $6,000 does not."""
    fleets = {"a": fleet(12_000, vendor="A"), "b": fleet(6_000, vendor="B")}
    cheap = solve(make_scenario(fleets=fleets, integer_units=True, policy={"adoption_usd": {"B": 4_000}}))
    assert set(cheap.allocation["fleet"]) == {"b"}
    assert cheap.costs.set_index("component")["usd"]["adoption"] == pytest.approx(4_000)
    dear = solve(make_scenario(fleets=fleets, integer_units=True, policy={"adoption_usd": {"B": 6_000}}))
    assert set(dear.allocation["fleet"]) == {"a"}
    assert dear.costs.set_index("component")["usd"]["adoption"] == pytest.approx(0)
    with pytest.raises(ScenarioError, match="need integer_units"):
        make_scenario(fleets=fleets, policy={"adoption_usd": {"B": 6_000}})


def _offset_peaks(make_scenario, **overrides):
    """Two workloads of 5,000 tokens/s each; one is three times busier at midnight, the other at
    noon. Each hour's load is 72/26 of the average at its peak hour and 24/26 otherwise."""
    workload = {"model": "m", "max_ttft_ms": 1000.0, "min_tokens_per_s_per_user": 10.0, "input_output_ratio": 1.0}
    return solve(
        make_scenario(
            workloads={
                "w": {"share": 0.5, "profile": {"hourly": [3.0] + [1.0] * 23}},
                "v": {**workload, "demand": "w", "share": 0.5, "profile": {"hourly": [1.0] * 12 + [3.0] + [1.0] * 11}},
            },
            **overrides,
        )
    )


def test_time_slices_size_for_the_busiest_hours_of_all_workloads_together(make_scenario):
    """Sized by each workload's own peak hour, capacity is 10 x 72/26 = 27.7 units (the peaks are
    taken to coincide). With a peak slice of the two busy hours a day (1/12 of the hours), both
    workloads run at 48/26 of their average there: 10 x 48/26 = 18.5 units. Energy is paid on
    the average load either way: 10 busy units."""
    coincident = _offset_peaks(make_scenario)
    assert coincident.installed["units"].sum() == pytest.approx(10 * 72 / 26)
    sliced = _offset_peaks(make_scenario, time_slices=[1 / 12, 11 / 12])
    assert sliced.installed["units"].sum() == pytest.approx(10 * 48 / 26)
    assert sliced.objective_usd == pytest.approx(10 * 48 / 26 * 1000 + 10 * ENERGY_PER_BUSY_UNIT_MONTH)
    assert sliced.allocation["tokens_per_s"].sum() == pytest.approx(10_000)  # averages, as without slices
    assert sliced.demand["peak_tokens_per_s"].sum() == pytest.approx(10_000 * 48 / 26)


def test_time_slices_must_cover_all_hours(make_scenario):
    with pytest.raises(ScenarioError, match="must sum to 1"):
        make_scenario(time_slices=[0.1, 0.5])


def test_cloud_rented_per_slice_covers_the_peak_while_owned_units_carry_the_base(make_scenario):
    """One workload three times busier for one hour a day (72/26 of average then, 24/26 else),
    slices of 1/24 and 23/24 of the hours. An owned unit costs $1,744 a busy month, a cloud unit
    $3/h ($2,232 a month): owned units carry the off-peak 9.23 busy units, and the peak's extra
    10 x 48/26 = 18.46 units are rented for the 31 peak hours of January: $1,717.8."""
    scenario = make_scenario(
        fleets={"own": fleet(12_000), "rent": cloud_fleet(3.0)},
        workloads={"w": {"profile": {"hourly": [3.0] + [1.0] * 23}}},
        time_slices=[1 / 24, 23 / 24],
    )
    result = solve(scenario)
    owned = result.installed.set_index("fleet")["units"]["own"]
    assert owned == pytest.approx(10 * 24 / 26)
    burst_hours = JANUARY_HOURS / 24
    extra = 10 * 72 / 26 - 10 * 24 / 26
    assert result.costs.set_index("component")["usd"]["rental"] == pytest.approx(extra * burst_hours * 3.0)


def test_a_kv_link_lets_prefill_and_decode_sit_at_different_sites_up_to_its_bandwidth(make_scenario):
    """P (prefill-fast) stands at site a, D (decode-fast) at b. Alone each site serves a request
    in 1/2000 + 1/500 unit-seconds per token pair; split across the link, 1/2000 + 1/2000. At
    1 MB of KV cache per prompt token a 2 GB/s link moves 2,000 prompt tokens/s: those pairs
    split, the other 3,000 stay together: 0.001 x 2,000 + 0.0025 x 3,000 = 9.5 units ($9,500)."""
    data = scenario_dict(fleets=_phase_fleets(), workloads={"w": {"disaggregate": True, "kv_bytes_per_token": 1e6}})
    site = {"power_mw": 1000.0, "pue": 1.0, "electricity_price_usd_per_mwh": 0.0}
    data["sites"] = {"a": {**site, "fleets": ["P"]}, "b": {**site, "fleets": ["D"]}}
    apart = solve(Scenario.from_dict(data))
    assert apart.objective_usd == pytest.approx(12_500) and apart.transfers.empty
    data["kv_links"] = [{"from": "a", "to": "b", "bandwidth_gb_s": 2.0}]
    linked = solve(Scenario.from_dict(data))
    assert linked.objective_usd == pytest.approx(9_500)
    moved = linked.transfers.iloc[0]
    assert (moved["prefill_site"], moved["decode_site"], moved["prompt_tokens_per_s"]) == (
        "a",
        "b",
        pytest.approx(2_000),
    )


def test_a_spend_commitment_is_take_or_pay(make_scenario):
    """Vendor B (capex $12k, $1,744 a busy month) is dearer than A ($1,244); a commitment to
    spend $5,000 with B in 2026 moves enough work to B that its capital, opex and energy reach
    $5,000 only if that is cheaper than paying the shortfall: shifting x units from A to B costs
    $500 x, a shortfall $1 per $1, so the plan shifts 5,000 / 1,744 = 2.87 units to B."""
    fleets = {"a": fleet(6_000, vendor="A"), "b": fleet(12_000, vendor="B")}
    result = solve(make_scenario(fleets=fleets, contracts={"deal": {"vendor": "B", "min_spend_usd_per_year": 5_000}}))
    units = result.installed.set_index("fleet")["units"]
    assert units["b"] == pytest.approx(5_000 / 1_744)
    assert result.costs.set_index("component")["usd"]["take_or_pay"] == pytest.approx(0)
    assert result.objective_usd == pytest.approx(units["a"] * 1_244 + 5_000)
    # With B's deliveries capped at half a unit, it can absorb only $872 of the spend: the other
    # $4,128 is paid for nothing.
    scarce = {"a": fleet(6_000, vendor="A"), "b": fleet(12_000, vendor="B", max_build_units_per_period=0.5)}
    paid = solve(make_scenario(fleets=scarce, contracts={"deal": {"vendor": "B", "min_spend_usd_per_year": 5_000}}))
    assert paid.installed.set_index("fleet")["units"]["b"] == pytest.approx(0.5)
    assert paid.costs.set_index("component")["usd"]["take_or_pay"] == pytest.approx(5_000 - 0.5 * 1_744)


# ------------------------------------------------------------------ whole units: optimal within the gap
CHEAP_UNIT_MONTH = 1.01 * JANUARY_HOURS  # $751.44
DEAR_UNIT_MONTH = 3.67 * JANUARY_HOURS  # $2,730.48


def _gpu_allocation() -> Scenario:
    """One month, twelve workloads in three groups of four, two cloud GPU types rented by the
    whole unit, unserved tokens at $1e6 per Mtok. Tokens/s per workload and per unit:

    ======  ========  ==================  =================
    model   demand    'cheap' ($1.01/h)   'dear' ($3.67/h)
    ======  ========  ==================  =================
    x       20,000    20,000              20,000
    y       10,000    20,000              60,000
    z       10,000    5,000               60,000
    ======  ========  ==================  =================

    In cheap units the groups need x 4, y 2, z 8; in dear units x 4, y 2/3, z 2/3. A dear unit
    costs 3.63 cheap ones: only z is cheaper on it (12 times the tokens), so the LP rents 6 cheap
    units (x, y) and 2/3 of a dear one (z). Whole units: one dear unit carries z and, in its
    spare third (20,000 tokens/s), half of y, so 5 cheap units carry x and the rest of y:
    5 x $751.44 + $2,730.48 = $6,487.68. The alternatives cost more: no dear unit, 14 cheap ones
    ($10,520.16); two dear units (y and a third of x) and 4 cheap ones ($8,466.72); three or more
    dear units at least $8,191.44 before any cheap one serves x. The plan CBC used to call optimal,
    6 cheap and 1 dear, costs $7,239.12: one cheap unit more.
    """
    groups = {
        "x": (20_000.0, 20_000.0, 20_000.0),
        "y": (10_000.0, 20_000.0, 60_000.0),
        "z": (10_000.0, 5_000.0, 60_000.0),
    }

    def performance(column: int) -> dict:
        return {
            model: {
                "prefill_tokens_per_s": rates[column],
                "decode_tokens_per_s": rates[column],
                "tokens_per_s_per_user": 50.0,
                "ttft_ms": 100.0,
            }
            for model, rates in groups.items()
        }

    fleets = {
        "cheap": cloud_fleet(1.01, region="r", performance=performance(1)),
        "dear": cloud_fleet(3.67, region="r", performance=performance(2)),
    }
    data = scenario_dict(fleets=fleets, policy={"unserved_penalty_usd_per_mtok": 1e6}, integer_units=True)
    workload, _ = data["workloads"].pop("w"), data["demand"].pop("w")
    for model, (tokens_per_s, _, _) in groups.items():
        for i in range(4):
            data["workloads"][f"{model}{i}"] = {**workload, "model": model}
            data["demand"][f"{model}{i}"] = {"kind": "series", "tokens": {"2026-01": tokens_per_s * JANUARY_SECONDS}}
    return Scenario.from_dict(data)


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_whole_unit_plan_called_optimal_is_the_optimum(solver):
    result = solve(_gpu_allocation(), solver=solver)
    assert result.is_optimal and result.mip_gap == 1e-4
    assert result.gap is not None and 0.0 <= result.gap <= 1e-4
    assert result.installed.groupby("fleet")["units"].sum().to_dict() == {"cheap": 5.0, "dear": 1.0}
    assert result.objective_usd == pytest.approx(5 * CHEAP_UNIT_MONTH + DEAR_UNIT_MONTH)
    assert result.unserved["tokens"].sum() == pytest.approx(0.0, abs=1e-3)
    assert "within the gap of 0.01%" in result.message


def test_the_money_unit_comes_from_what_decisions_cost_not_from_the_penalty():
    """The rental coefficients are $751.44 and $2,730.48 (median $1,741): the unit is $1,000,
    whatever the penalty's $2.7e8 per unserved rate unit."""
    from planner.build import build
    from planner.data import ModelData

    model = build(ModelData.from_scenario(_gpu_allocation()))
    assert model.money_unit == 1000.0


def test_mip_tolerances_are_the_gap_asked_and_a_cent():
    """The gap as asked; absolute tolerances of one cent in the money unit ($1,000 here)."""
    from planner.build import build
    from planner.data import ModelData
    from planner.solve import mip_tolerances

    tolerances = mip_tolerances(build(ModelData.from_scenario(_gpu_allocation())), mip_gap=0.002)
    assert tolerances.relative_gap == 0.002
    assert tolerances.absolute_gap == tolerances.min_improvement == pytest.approx(0.01 / 1000)


def build_money_unit(scenario: Scenario) -> float:
    from planner.build import build
    from planner.data import ModelData

    return build(ModelData.from_scenario(scenario)).money_unit


def test_the_tolerances_reach_both_solvers(monkeypatch):
    from pathlib import Path

    from planner.solvers import Tolerances
    from planner.solvers import highs as highs_module

    tolerances = Tolerances(relative_gap=0.002, absolute_gap=0.0075, min_improvement=0.0075)
    line = cbc_module.command("cbc", Path("m.mps"), Path("m.sol"), mip=True, tolerances=tolerances)
    assert [line[line.index(flag) + 1] for flag in ("-ratio", "-allow", "-increment")] == ["0.002", "0.0075", "0.0075"]
    seen = {}
    real_run = highs_module.run

    def run(highs, lp, **kwargs):
        answer = real_run(highs, lp, **kwargs)
        if lp.is_mip:  # the whole-unit solve, not the LP that prices its plan
            seen.update({name: highs.getOptionValue(name)[1] for name in ("mip_rel_gap", "mip_abs_gap")})
        return answer

    monkeypatch.setattr(highs_module, "run", run)
    solve(_gpu_allocation(), solver="highs", mip_gap=0.002)
    assert seen["mip_rel_gap"] == 0.002
    assert seen["mip_abs_gap"] == pytest.approx(0.01 / build_money_unit(_gpu_allocation()))


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_looser_gap_is_reported_with_the_gap_reached(solver):
    result = solve(_gpu_allocation(), solver=solver, mip_gap=0.5)
    assert result.is_optimal and result.mip_gap == 0.5 and result.summary()["mip_gap"] == 0.5
    assert result.gap is not None and 0.0 <= result.gap <= 0.5
    assert result.objective_usd is not None
    assert result.objective_usd <= (5 * CHEAP_UNIT_MONTH + DEAR_UNIT_MONTH) / (1 - 0.5)
    assert "within the gap of 50%" in result.message


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
    _relabelled_cbc(monkeypatch, tmp_path, "Stopped on time - objective value 0", zeroed=True)
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


def test_a_whole_unit_plan_whose_pricing_lp_fails_is_shown_without_marginal_prices(monkeypatch):
    """The solver layer keeps the plan and drops its duals when the LP that prices it fails: the
    plan's cost stands, its marginal prices are unknown (NaN, not zero), and the message says why."""
    from dataclasses import replace

    from planner import solvers

    real = solvers.solve_lp

    def unpriced(lp, solver, **kwargs):
        answer = real(lp, solver, **kwargs)
        return replace(answer, row_dual=None, col_dual=None, message="the plan has no marginal prices")

    monkeypatch.setattr(solvers, "solve_lp", unpriced)
    result = solve(_gpu_allocation(), solver="highs")
    assert result.is_optimal and result.objective_usd == pytest.approx(5 * CHEAP_UNIT_MONTH + DEAR_UNIT_MONTH)
    assert result.prices["marginal_usd_per_mtok"].isna().all()
    assert "the plan has no marginal prices" in result.message
    assert result.summary()["plan_cost_usd"] == pytest.approx(5 * CHEAP_UNIT_MONTH + DEAR_UNIT_MONTH)


def test_the_operating_points_say_whether_each_was_measured_interpolated_estimated_or_given(make_scenario):
    """Three fleets on one workload of the NIM runs' shape (5,000 tokens in, 500 out) at 20 tokens/s
    per user: DGX H100 interpolates its published curve (between 16.7 and 25.8 tokens/s per user),
    p5 (same GPUs, no curve of its own) is estimated, and the inline fleet is the scenario's."""
    fleets = {
        "h100": {"system": "dgx-h100", "procurement": "own"},
        "p5": {"system": "p5-48xlarge", "procurement": "cloud", "quota_units": 10.0},
        "a": fleet(),
    }
    fleets["a"]["performance"] = {"llama-3.1-70b": fleets["a"]["performance"]["m"]}
    workload = {"model": "llama-3.1-70b", "input_output_ratio": 10.0, "output_tokens_per_request": 500.0}
    workload |= {"min_tokens_per_s_per_user": 20.0}
    scenario = make_scenario(
        fleets=fleets, workloads={"w": workload}, sites={"s": {"fleets": ["h100", "a"]}}, tokens_per_s=1.0
    )
    points = solve(scenario).operating_points
    basis = points.groupby("fleet")["basis"].agg(set).to_dict()
    assert basis == {"h100": {"interpolated"}, "p5": {"estimated"}, "a": {"scenario"}}
    assert list(points.loc[points["fleet"] == "h100", "tokens_per_s_per_user"]) == pytest.approx([20.0] * 2)
