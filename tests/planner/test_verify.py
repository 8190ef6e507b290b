"""``planner verify``: an independent re-check of written plans, which catches tampering."""

from __future__ import annotations

import tempfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from planner import Scenario, example_path, examples, solve
from planner.cli import app
from planner.verify import verify
from tests.planner.test_result import random_scenarios


def _failed(folder) -> set[str]:
    return {check.name for check in verify(folder) if not check.ok}


@pytest.mark.parametrize("name", examples())
def test_every_example_plan_verifies(name, tmp_path):
    solve(Scenario.from_yaml(example_path(name))).to_dir(tmp_path / "plan")
    assert _failed(tmp_path / "plan") == set()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_scenarios())
def test_plans_of_both_solvers_verify(scenario):
    for solver in ("cbc", "highs"):
        with tempfile.TemporaryDirectory() as folder:
            solve(scenario, solver=solver).to_dir(f"{folder}/plan")
            assert _failed(f"{folder}/plan") == set(), solver


@pytest.fixture
def plan(tmp_path):
    folder = tmp_path / "plan"
    solve(Scenario.from_yaml(example_path("default"))).to_dir(folder)
    return folder


def _edit(folder, name, change):
    frame = pd.read_csv(folder / f"{name}.csv")
    change(frame)
    frame.to_csv(folder / f"{name}.csv", index=False)


def test_a_plan_missing_served_tokens_fails_the_demand_check(plan):
    _edit(plan, "allocation", lambda f: f.__setitem__("tokens_per_s", f["tokens_per_s"] * 0.9))
    assert "demand" in _failed(plan)


def test_units_over_a_power_cap_fail_the_power_check(plan):
    _edit(plan, "installed", lambda f: f.__setitem__("units", f["units"] * 10))
    assert "power" in _failed(plan)


def test_costs_that_do_not_add_up_fail_the_objective_check(plan):
    _edit(plan, "costs", lambda f: f.__setitem__("discounted_usd", f["discounted_usd"] * 1.01))
    assert "objective" in _failed(plan)


def test_a_penalty_passed_off_as_a_paid_cost_fails_the_objective_check(plan):
    """Moving $1M from the unserved penalty to rental keeps the objective's total but not the plan cost."""

    def move(frame):
        first = frame["period"] == frame["period"].iloc[0]
        frame.loc[first & (frame["component"] == "rental"), "discounted_usd"] += 1e6
        frame.loc[first & (frame["component"] == "unserved_penalty"), "discounted_usd"] -= 1e6

    _edit(plan, "costs", move)
    assert "objective" in _failed(plan)


def test_verify_command_exits_1_on_a_failed_check(plan):
    runner = CliRunner(env={"COLUMNS": "200"})
    assert runner.invoke(app, ["verify", str(plan)]).exit_code == 0
    _edit(plan, "costs", lambda f: f.__setitem__("discounted_usd", f["discounted_usd"] * 1.01))
    result = runner.invoke(app, ["verify", str(plan)])
    assert result.exit_code == 1 and "FAILED" in result.stdout


@pytest.fixture
def committed_plan(tmp_path):
    """The wafer-scale example: a 750 MW commitment, a 60% vendor cap and rented cloud units."""
    folder = tmp_path / "committed"
    solve(Scenario.from_yaml(example_path("wafer_scale_commitment"))).to_dir(folder)
    return folder


def test_tokens_moved_to_one_vendor_fail_the_vendor_share_check(committed_plan):
    scenario = Scenario.from_yaml(committed_plan / "scenario.yaml")
    cerebras = {name for name, f in scenario.fleets.items() if f.vendor == "Cerebras"}
    _edit(
        committed_plan,
        "allocation",
        lambda f: f.__setitem__("tokens", f["tokens"].where(f["fleet"].isin(cerebras), f["tokens"] * 0.01)),
    )
    assert "vendor_share" in _failed(committed_plan)


def test_units_below_a_commitment_fail_the_commitments_check(committed_plan):
    _edit(committed_plan, "installed", lambda f: f.__setitem__("units", f["units"] * 0.5))
    assert "commitments" in _failed(committed_plan)


def test_rented_units_beyond_their_quota_fail_the_quota_check(tmp_path):
    from tests.conftest import cloud_fleet, scenario_dict

    folder = tmp_path / "rented"
    solve(Scenario.from_dict(scenario_dict(fleets={"c": cloud_fleet(quota_units=20)}))).to_dir(folder)
    assert _failed(folder) == set()
    _edit(folder, "installed", lambda f: f.__setitem__("units", f["units"] + 20))
    assert "quota" in _failed(folder)
