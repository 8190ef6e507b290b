"""Invariants read from the result tables, on the default scenario and on random scenarios."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import Scenario, Status, default_scenario_path, solve
from planner.build import build
from planner.data import ModelData
from planner.result import Result
from planner.solvers.solution import DEFAULT_SOLVER
from planner.tables import TABLE_COLUMNS
from tests.conftest import cloud_fleet, fleet, scenario_dict


@pytest.fixture(scope="module")
def default_result() -> Result:
    return solve(Scenario.from_yaml(default_scenario_path()))


def check_invariants(result: Result) -> None:
    """What every plan must satisfy, checked from its tables alone."""
    assert result.has_plan
    keys = ["period", "workload", "phase"]
    served = result.allocation.groupby(keys)["tokens_per_s"].sum()
    unserved = result.unserved.groupby(keys)["tokens_per_s"].sum()
    demand = result.demand.set_index(keys)["tokens_per_s"]
    covered = served.reindex(demand.index, fill_value=0.0) + unserved.reindex(demand.index, fill_value=0.0)
    np.testing.assert_allclose(covered, demand, rtol=1e-6, atol=1e-3)

    power = result.power
    assert (power["reserved_mw"] <= (power["cap_mw"] + power["expansion_mw"]) * (1 + 1e-7) + 1e-7).all()
    assert (power["marginal_usd_per_mw"] >= -1e-6).all()
    # Units draw at most their nameplate on average; the energy table prices the energy component.
    energy = result.energy
    assert (energy["drawn_facility_mw"] <= energy["reserved_mw"] * (1 + 1e-6) + 1e-9).all()
    energy_cost = result.costs.loc[result.costs["component"] == "energy", "usd"].sum()
    assert energy["energy_usd"].sum() == pytest.approx(energy_cost, rel=1e-9, abs=1e-6)
    by_site = energy.groupby(["period", "site"])[["reserved_mw", "drawn_facility_mw"]].sum()
    sites = power.set_index(["period", "site"])[["reserved_mw", "drawn_facility_mw"]]
    np.testing.assert_allclose(by_site.reindex(sites.index).fillna(0.0), sites, rtol=1e-9, atol=1e-9)

    busy = result.allocation.groupby(["period", "fleet", "site"])["peak_busy_units"].sum()
    installed = result.installed.set_index(["period", "fleet", "site"])["units"]
    availability = pd.Series({name: f.availability for name, f in result.scenario.fleets.items()})
    limit = installed * installed.index.get_level_values("fleet").map(availability).to_numpy()
    assert (busy <= limit.reindex(busy.index) * (1 + 1e-6) + 1e-6).all()

    costs = result.costs
    assert costs["discounted_usd"].sum() == pytest.approx(result.objective_usd, rel=1e-9)
    check_summary(result)

    for name, columns in TABLE_COLUMNS.items():
        assert list(result.tables[name].columns) == columns


def check_summary(result: Result) -> None:
    """The summary's headline and shortfall agree with the tables: the plan cost is every cost
    component but the unserved penalty, and with the penalty it is the objective."""
    summary = result.summary()
    costs = result.costs
    paid = costs[costs["component"] != "unserved_penalty"]
    penalty = costs.loc[costs["component"] == "unserved_penalty", "discounted_usd"].sum()
    assert "unserved_penalty" not in summary["cost_by_component_usd"]
    assert summary["plan_cost_usd"] == pytest.approx(paid["discounted_usd"].sum(), rel=1e-9, abs=1e-6)
    assert summary["nominal_plan_cost_usd"] == pytest.approx(paid["usd"].sum(), rel=1e-9, abs=1e-6)
    assert sum(summary["cost_by_component_usd"].values()) == pytest.approx(summary["plan_cost_usd"], rel=1e-9, abs=1e-6)
    assert sum(p["discounted_usd"] for p in summary["plan_cost_by_period"]) == pytest.approx(
        summary["plan_cost_usd"], rel=1e-9, abs=1e-6
    )
    assert [p["period"] for p in summary["plan_cost_by_period"]] == list(result.demand["period"].unique())
    assert summary["unserved_penalty_usd"] == pytest.approx(penalty, rel=1e-9, abs=1e-6)
    assert summary["plan_cost_usd"] + summary["unserved_penalty_usd"] == pytest.approx(
        result.objective_usd, rel=1e-9, abs=1e-6
    )
    assert result.plan_cost_usd == summary["plan_cost_usd"]

    unserved = result.unserved
    assert summary["unserved_tokens"] == pytest.approx(unserved["tokens"].sum())
    demand = result.demand["tokens"].sum()
    assert summary["unserved_share_of_demand"] == pytest.approx(unserved["tokens"].sum() / demand if demand else 0.0)
    short = {(r["workload"], r["period"]) for r in summary["unserved"]}
    assert short == set(zip(unserved["workload"], unserved["period"], strict=True))
    assert sum(r["tokens"] for r in summary["unserved"]) == pytest.approx(summary["unserved_tokens"])

    installed = result.installed
    end = summary["units_in_service_at_end"]
    last = installed[installed["period"] == result.demand["period"].iloc[-1]]
    assert end["period"] == result.demand["period"].iloc[-1]
    assert end["units_by_fleet"] == pytest.approx(last.groupby("fleet")["units"].sum().to_dict())


def half_served_scenario() -> Scenario:
    """2 tokens/s of demand in January 2026; one rented unit (its quota) at $1/h serves 1 token/s
    of prefill plus decode; a penalty of $1,000 per million unserved tokens."""
    rented = cloud_fleet(hourly_usd=1.0, quota_units=1.0)
    rented["performance"]["m"].update(prefill_tokens_per_s=1.0, decode_tokens_per_s=1.0)
    return Scenario.from_dict(scenario_dict(2.0, fleets={"c": rented}))


def test_the_summary_headline_is_the_plan_cost_and_the_shortfall_stands_beside_it():
    """One rented unit (its quota) serving 1 token/s of prefill plus decode, for 2 tokens/s of
    demand: half the demand goes unserved. Renting the unit for January costs 744 h x $1 = $744; the penalty of
    $1,000 per million tokens on the other half (1 token/s for 31 days, 2.6784M tokens) is
    $2,678.40, a weight in the objective that the plan's cost leaves out."""
    seconds = 31 * 24 * 3600
    result = solve(half_served_scenario())
    summary = result.summary()
    assert summary["plan_cost_usd"] == pytest.approx(744.0)
    assert summary["cost_by_component_usd"]["rental"] == pytest.approx(744.0)
    assert summary["unserved_tokens"] == pytest.approx(seconds)
    assert summary["unserved_share_of_demand"] == pytest.approx(0.5)
    assert summary["unserved"] == [{"workload": "w", "period": "2026-01", "tokens": pytest.approx(seconds)}]
    assert summary["unserved_penalty_usd"] == pytest.approx(seconds / 1e6 * 1000.0)
    assert summary["objective_usd"] == pytest.approx(744.0 + seconds / 1e6 * 1000.0)
    assert summary["units_in_service_at_end"] == {"period": "2026-01", "units_by_fleet": {"c": pytest.approx(1.0)}}
    assert summary["plan_cost_by_period"] == [
        {"period": "2026-01", "usd": pytest.approx(744.0), "discounted_usd": pytest.approx(744.0)}
    ]
    check_summary(result)


def test_default_scenario_is_optimal_and_consistent(default_result):
    assert default_result.status is Status.OPTIMAL
    check_invariants(default_result)


def test_owned_units_are_existing_plus_builds(default_result):
    """The default plan's lifetimes (4 years) exceed its horizon, so nothing retires."""
    installed = default_result.installed
    own = installed[installed["procurement"] == "own"].pivot_table(
        index="period", columns=["fleet", "site"], values="units"
    )
    builds = default_result.builds.pivot_table(index="period", columns=["fleet", "site"], values="units", aggfunc="sum")
    cumulative = builds.reindex(own.index).fillna(0.0).cumsum().reindex(columns=own.columns, fill_value=0.0)
    existing = {("h100", "west"): 2000.0, ("cs3", "west"): 600.0}
    expected = cumulative + pd.Series(existing).reindex(own.columns, fill_value=0.0)
    # CBC writes its solution with about eight significant digits.
    np.testing.assert_allclose(own.to_numpy(), expected.to_numpy(), rtol=1e-7, atol=1e-6)


def test_prices_are_reported_for_every_demand_row(default_result):
    prices = default_result.prices
    assert len(prices) == len(default_result.demand) // 2  # one price per workload and period
    assert (prices["marginal_usd_per_mtok"] > 0).all()
    penalty = default_result.scenario.policy.unserved_penalty_usd_per_mtok
    assert (prices["marginal_usd_per_mtok"] <= penalty * (1 + 1e-6)).all()


def test_to_dir_writes_everything_and_refuses_to_overwrite(default_result, tmp_path):
    out = default_result.to_dir(tmp_path / "plan")
    assert {p.name for p in out.iterdir()} == {f"{n}.csv" for n in TABLE_COLUMNS} | {"summary.json", "scenario.yaml"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["solver"] == DEFAULT_SOLVER and summary["solver_version"]
    allocation = pd.read_csv(out / "allocation.csv")
    assert allocation["tokens"].sum() == pytest.approx(default_result.allocation["tokens"].sum())
    assert Scenario.from_yaml(out / "scenario.yaml").fleets["h100"].max_power_kw == 10.2
    with pytest.raises(FileExistsError):
        default_result.to_dir(out)
    (out / "stale.txt").write_text("from an earlier run")
    default_result.to_dir(out, overwrite=True)
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]  # no staging folders left behind


# --------------------------------------------------------------------------- random scenarios
@st.composite
def random_scenarios(draw):
    periods = draw(st.integers(1, 4))
    rates = draw(st.lists(st.floats(0.0, 50_000.0), min_size=periods, max_size=periods))
    fleets = {}
    for i in range(draw(st.integers(1, 3))):
        perf = {
            "prefill_tokens_per_s": draw(st.floats(200.0, 5_000.0)),
            "decode_tokens_per_s": draw(st.floats(200.0, 5_000.0)),
            "tokens_per_s_per_user": 50.0,
            "ttft_ms": 100.0,
        }
        kind = draw(st.sampled_from(["own", "lease", "cloud"]))
        if kind == "lease":
            lease = fleet(max_power_kw=draw(st.floats(1.0, 20.0)), idle_power_kw=0.5, performance={"m": perf})
            del lease["capex_usd"], lease["lifetime_years"]
            fleets[f"lease{i}"] = lease | {
                "procurement": "lease",
                "hourly_usd": draw(st.floats(0.5, 10.0)),
                "term_months": draw(st.sampled_from([1, 2])),
                "energy_included": draw(st.booleans()),
            }
        elif kind == "own":
            fleets[f"own{i}"] = fleet(
                draw(st.floats(1_000.0, 50_000.0)),
                max_power_kw=draw(st.floats(1.0, 20.0)),
                idle_power_kw=0.5,
                lead_time_months=draw(st.sampled_from([0, 1, 2])),
                availability=draw(st.floats(0.5, 1.0)),
                existing=[{"site": "s", "units": draw(st.floats(0.0, 5.0))}],
                performance={"m": perf},
            )
        else:
            fleets[f"cloud{i}"] = cloud_fleet(
                draw(st.floats(0.5, 10.0)), quota_units=draw(st.floats(1.0, 50.0)), performance={"m": perf}
            )
    data = scenario_dict(rates, fleets=fleets, horizon={"discount_rate": draw(st.floats(0.0, 0.2))})
    if "sites" in data:
        data["sites"]["s"]["power_mw"] = draw(st.floats(0.3, 2.0))  # enough for the existing units (<= 5 * 20 kW * 3)
        if draw(st.booleans()):
            data["sites"]["s"]["expansion"] = {
                "block_mw": draw(st.floats(0.1, 1.0)),
                "capex_usd_per_block": draw(st.floats(0.0, 100_000.0)),
                "max_blocks": draw(st.integers(1, 5)),
                "lead_time_months": draw(st.sampled_from([0, 1])),
            }
    if draw(st.booleans()):
        data["policy"]["capex_budget_usd_per_year"] = draw(st.floats(0.0, 200_000.0))
    if draw(st.booleans()):
        data["workloads"]["w"]["profile"] = {"preset": draw(st.sampled_from(["business", "consumer", "flat"]))}
    if draw(st.booleans()):
        data["time_slices"] = [0.1, 0.5, 0.4]
    return Scenario.from_dict(data)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_scenarios())
def test_random_plans_satisfy_the_invariants(scenario):
    """Six random scenarios here, twenty under ``-m slow``."""
    _optimal_and_invariant(scenario)


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_scenarios())
def test_twenty_random_plans_satisfy_the_invariants(scenario):
    _optimal_and_invariant(scenario)


def _optimal_and_invariant(scenario: Scenario) -> None:
    result = solve(scenario)
    assert result.status is Status.OPTIMAL
    check_invariants(result)


def test_written_folder_has_the_users_usual_permissions(default_result, tmp_path):
    previous = os.umask(0o022)
    try:
        out = default_result.to_dir(tmp_path / "plan")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755


def test_summary_splits_served_tokens_by_vendor_and_category(default_result):
    summary = default_result.summary()
    served = default_result.allocation["tokens"].sum()
    assert sum(summary["served_tokens_by_vendor"].values()) == pytest.approx(served)
    assert sum(summary["served_tokens_by_category"].values()) == pytest.approx(served)
    assert set(summary["average_marginal_usd_per_mtok"]) == set(default_result.scenario.workloads)
    assert all(price > 0 for price in summary["average_marginal_usd_per_mtok"].values())
    binding = default_result.policy[default_result.policy["binding"].astype(bool)]
    assert sum(b["periods_binding"] for b in summary["binding_policies"]) == len(binding)


def test_operating_points_count_the_unit_hours_spent_at_each(default_result):
    """The hours at each point add up to the busy unit-hours of the allocation."""
    points = default_result.operating_points
    allocation = default_result.allocation
    hours = allocation["period"].map(lambda label: pd.Period(label, freq="M").days_in_month * 24)
    expected = (allocation["busy_units"] * hours).sum()
    assert points["busy_unit_hours"].sum() == pytest.approx(expected, rel=1e-9)
    assert (points["busy_unit_hours"] >= 0).all()


def test_columns_with_units_are_numbers(default_result):
    """A column named for its unit holds floats or integers, never Python objects."""
    units = ("usd", "tokens", "s", "mw", "units", "ms", "hours", "mtok", "unit", "user")
    for name, table in default_result.tables.items():
        for column in table.columns:
            if column != "unit" and (column.split("_")[-1] in units or column in ("limit", "actual")):
                assert pd.api.types.is_numeric_dtype(table[column]), (name, column, table[column].dtype)


def test_tables_of_a_result_without_a_plan_keep_their_number_columns():
    result = Result.without_plan(
        build(ModelData.from_scenario(Scenario.from_yaml(default_scenario_path()))), Status.INFEASIBLE, "test"
    )
    assert result.allocation.empty
    assert pd.api.types.is_float_dtype(result.allocation["tokens_per_s"])
    assert pd.api.types.is_float_dtype(result.costs["discounted_usd"])
