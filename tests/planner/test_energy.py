"""Power reserved and drawn, energy and its cost, expansion blocks, and commitments at full draw.

Set-up as in tests/planner/test_solve.py: 10,000 tokens/s in January 2026 (744 h) need ten busy
units of 1,000 tokens/s per phase at 10 kW busy; electricity at $100/MWh.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from planner import Scenario, ScenarioError, example_path, solve
from planner.cli import app
from planner.report import result_report
from planner.verify import verify
from tests.conftest import JANUARY_HOURS, cloud_fleet, fleet, scenario_dict


def _lease(**overrides) -> dict:
    """A leased fleet as fast as :func:`fleet`, at $2 an hour, 10 kW busy, no idle draw."""
    spec = fleet(**overrides)
    for owned_only in ("capex_usd", "lifetime_years"):
        del spec[owned_only]
    return spec | {"procurement": "lease", "hourly_usd": 2.0, "term_months": 1} | overrides


def test_one_fleet_at_one_site_reserves_nameplate_and_draws_its_load(make_scenario):
    """15 units held (a commitment of 15 units), 10 busy, 10 kW busy and 2 kW idle, PUE 1.25:
    reserved 15 x 10 kW x 1.25 = 0.1875 MW; drawn (15 x 2 + 10 x 8) kW = 0.11 MW of IT power,
    0.1375 MW with PUE; 0.1375 MW x 744 h = 102.3 MWh at $100 = $10,230, the energy cost."""
    scenario = make_scenario(
        fleets={"a": fleet(idle_power_kw=2.0)},
        sites={"s": {"pue": 1.25}},
        contracts={"c": {"fleet": "a", "min_units": 15}},
    )
    result = solve(scenario)
    assert result.is_optimal
    energy = result.energy.iloc[0]
    assert (energy["site"], energy["fleet"]) == ("s", "a")
    assert energy["reserved_mw"] == pytest.approx(0.1875)
    assert energy["drawn_it_mw"] == pytest.approx(0.11)
    assert energy["drawn_facility_mw"] == pytest.approx(0.1375)
    assert energy["energy_mwh"] == pytest.approx(0.1375 * JANUARY_HOURS)
    assert energy["energy_usd"] == pytest.approx(10_230)
    assert not energy["energy_included"]
    assert result.costs.set_index("component")["usd"]["energy"] == pytest.approx(10_230)
    power = result.power.iloc[0]
    assert power[["reserved_mw", "drawn_it_mw", "drawn_facility_mw", "cap_mw", "expansion_mw"]].to_list() == (
        pytest.approx([0.1875, 0.11, 0.1375, 1000.0, 0.0])
    )
    # The commitment at full draw: 15 units x 10 kW = 0.15 MW x 744 h x $100 = $11,160, $13,950
    # with PUE, beside the $10,230 the plan pays.
    row = result.policy[result.policy["policy"] == "contract"].iloc[0]
    assert row["committed_it_mw"] == pytest.approx(0.15)
    assert row["hours"] == JANUARY_HOURS
    assert row["electricity_usd_per_mwh"] == pytest.approx(100)
    assert row["full_draw_it_usd"] == pytest.approx(11_160)
    assert row["full_draw_facility_usd"] == pytest.approx(13_950)
    assert row["plan_energy_usd"] == pytest.approx(10_230)


def test_a_lease_that_includes_electricity_pays_none_but_its_power_counts_at_the_site(make_scenario):
    """Ten leased units at $2/h with energy included: rental 10 x $2 x 744 h = $14,880 and no
    energy, though they draw 0.1 MW x 744 h = 74.4 MWh. Under a 0.05 MW cap only five fit."""
    result = solve(make_scenario(fleets={"l": _lease(energy_included=True)}))
    costs = result.costs.set_index("component")["usd"]
    assert costs["rental"] == pytest.approx(14_880)
    assert costs["energy"] == pytest.approx(0)
    energy = result.energy.iloc[0]
    assert energy["energy_mwh"] == pytest.approx(0.1 * JANUARY_HOURS)
    assert energy["energy_usd"] == 0 and energy["energy_included"]
    metered = solve(make_scenario(fleets={"l": _lease()}))
    assert metered.costs.set_index("component")["usd"]["energy"] == pytest.approx(0.1 * JANUARY_HOURS * 100)
    capped = solve(make_scenario(fleets={"l": _lease(energy_included=True)}, sites={"s": {"power_mw": 0.05}}))
    assert capped.installed["units"].sum() == pytest.approx(5)
    assert capped.power["reserved_mw"].iloc[0] == pytest.approx(0.05)
    assert capped.unserved["tokens"].sum() == pytest.approx(capped.demand["tokens"].sum() / 2)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (fleet(energy_included=True), "an owned unit's electricity is paid at its site"),
        (cloud_fleet(energy_included=True), "a cloud unit draws no site power"),
    ],
)
def test_energy_included_is_refused_where_it_means_nothing(spec, reason):
    with pytest.raises(ScenarioError) as raised:
        Scenario.from_dict(scenario_dict(fleets={"a": fleet(), "x": spec}))
    problems = raised.value.problems
    assert [p.path for p in problems] == ["fleets.x.energy_included"]
    assert reason in problems[0].message and "applies to leased units" in problems[0].message


EXPANDING = {
    "s": {
        "power_mw": 0.03,
        "electricity_price_usd_per_mwh": 0.0,
        "expansion": {"block_mw": 0.05, "capex_usd_per_block": 12_000, "lifetime_years": 1, "max_blocks": 3},
    }
}


@pytest.fixture
def expanded(make_scenario, tmp_path):
    """Ten 10 kW units (0.1 MW) at a 0.03 MW site that adds two 0.05 MW blocks ($1,000 a month each)."""
    result = solve(make_scenario(sites=EXPANDING, integer_units=True))
    return result, result.to_dir(tmp_path / "plan")


def test_a_site_with_expansion_blocks_reports_them_and_the_power_they_add(expanded):
    result, _ = expanded
    power = result.power.iloc[0]
    assert power["reserved_mw"] == pytest.approx(0.1)
    assert power["cap_mw"] == pytest.approx(0.03)
    assert power["expansion_mw"] == pytest.approx(0.1)
    assert power["reserved_mw"] <= power["cap_mw"] + power["expansion_mw"]
    blocks = result.expansion.iloc[0]
    assert (blocks["period"], blocks["site"]) == ("2026-01", "s")
    assert blocks[["blocks", "new_blocks", "expansion_mw", "capital_usd"]].to_list() == pytest.approx([2, 2, 0.1, 2000])


def test_verify_checks_sites_with_expansion_blocks(expanded):
    _, folder = expanded
    assert {c.name for c in verify(folder) if not c.ok} == set()
    blocks = pd.read_csv(folder / "expansion.csv")
    # 0.1 MW of units against 0.03 + 0.05 MW, one block's cost reported for two, and the table's
    # own MW and capital still those of two blocks
    blocks["blocks"] = 1.0
    blocks.to_csv(folder / "expansion.csv", index=False)
    assert {c.name for c in verify(folder) if not c.ok} == {"power", "expansion", "blocks"}


def test_verify_catches_units_beyond_what_the_blocks_give(expanded):
    _, folder = expanded
    installed = pd.read_csv(folder / "installed.csv")
    installed["units"] = installed["units"] * 2
    installed.to_csv(folder / "installed.csv", index=False)
    failed = {c.name for c in verify(folder) if not c.ok}
    assert "power" in failed


def test_verify_recomputes_the_energy_cost(make_scenario, tmp_path):
    folder = solve(make_scenario(fleets={"a": fleet(idle_power_kw=2.0)})).to_dir(tmp_path / "plan")
    assert {c.name for c in verify(folder) if not c.ok} == set()
    costs = pd.read_csv(folder / "costs.csv")
    energy = costs["component"] == "energy"
    # Shifted from energy to capital: the total still adds up, the energy (and the capital
    # recomputed from the builds) does not.
    costs.loc[energy, "usd"] -= 100.0
    costs.loc[costs["component"] == "capital", "usd"] += 100.0
    costs.to_csv(folder / "costs.csv", index=False)
    assert {c.name for c in verify(folder) if not c.ok} == {"energy", "costs"}


def test_the_commitment_example_reads_the_public_750_mw_arithmetic():
    """750 MW x 8,760 h x $50-80/MWh = $330-530M a year (press, January 2026): the example's
    central site pays $50/MWh; at $80 the same commitment would cost $525.6M a year to run."""
    scenario = Scenario.from_yaml(example_path("wafer_scale_commitment"))
    run = CliRunner().invoke(app, ["solve", str(example_path("wafer_scale_commitment")), "--json"])
    assert run.exit_code == 0, run.output
    low = json.loads(run.stdout)["capacity_commitments"]["wafer_scale_750mw"]
    assert low["committed_it_mw_peak"] == pytest.approx(750)
    assert low["electricity_usd_per_mwh"] == pytest.approx(50)
    assert low["full_draw_it_usd_per_year"] == pytest.approx(750 * 8_760 * 50)
    assert low["full_draw_it_usd_per_year"] == pytest.approx(330e6, rel=0.01)
    assert low["full_draw_facility_usd_per_year"] == pytest.approx(750 * 8_760 * 50 * 1.15)
    # The deal's price includes the power, so the plan pays none for the committed units.
    assert low["energy_included"] and low["plan_energy_usd"] == 0
    dear = scenario.model_copy(deep=True)
    dear.sites["central"].electricity_price_usd_per_mwh = 80.0
    result = solve(dear)
    high = result.summary()["capacity_commitments"]["wafer_scale_750mw"]
    assert high["full_draw_it_usd_per_year"] == pytest.approx(750 * 8_760 * 80)
    assert high["full_draw_it_usd_per_year"] == pytest.approx(530e6, rel=0.01)
    july = result.policy[(result.policy["policy"] == "contract") & (result.policy["period"] == "2028-07")].iloc[0]
    assert july["full_draw_it_usd"] == pytest.approx(750 * 744 * 80)
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(result_report(result))
    row = next(line for line in console.export_text().splitlines() if line.startswith("│ wafer_scale_750mw"))
    assert [cell.strip() for cell in row.strip("│ ").split("│")][:4] == [
        "wafer_scale_750mw",
        "750",
        "80.00",
        "$525.60M",
    ]


def test_the_committed_lease_price_is_the_deal_over_its_own_phases():
    """The default scenario's committed CS-3 lease, held at its contract's phases (150, 400, 750
    MW of 23 kW systems), costs the ~$20B reported for the deal, electricity included."""
    scenario = Scenario.from_yaml(example_path("default"))
    lease = scenario.fleets["cs3_committed"]
    phases = scenario.contracts["wafer_scale_750mw"].min_mw
    assert isinstance(phases, dict)
    months = pd.period_range(scenario.horizon.start, periods=scenario.horizon.periods, freq="M")
    steps = sorted((pd.Period(label, freq="M"), mw) for label, mw in phases.items())
    system_hours = sum(
        [mw for start, mw in steps if start <= month][-1] / (lease.max_power_kw / 1000) * month.days_in_month * 24
        for month in months
    )
    assert system_hours == pytest.approx(353.9e6, rel=1e-3)
    assert lease.hourly_usd * system_hours == pytest.approx(20e9, rel=0.005)
    assert lease.energy_included
