"""The LP written with ``write_lp`` / ``--write-lp`` is the one the plan came from: other solvers,
handed the file alone, find the plan's objective."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import highspy
import pytest
import yaml
from typer.testing import CliRunner

from planner.build import build
from planner.cli import app
from planner.data import ModelData
from planner.solve import solve_model
from planner.solvers import cbc_path
from tests.conftest import cloud_fleet, fleet, scenario_dict

# Three months of growing demand, served by owned units and rented ones (a whole-unit plan
# rounds the owned units and fills in with rented ones).
SMALL = scenario_dict([10_000.0, 25_000.0, 40_000.0], fleets={"own": fleet(), "rent": cloud_fleet(hourly_usd=30.0)})


def highs_objective(path: Path) -> float:
    """The optimal objective HiGHS finds for a model file read on its own."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    assert highs.readModel(str(path)) == highspy.HighsStatus.kOk
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return highs.getInfo().objective_function_value


def cbc_objective(path: Path, folder: Path) -> float:
    """The optimal objective the bundled CBC binary finds for an MPS file read on its own."""
    solution = folder / "cbc.sol"
    subprocess.run([cbc_path(), str(path), "solve", "solution", str(solution)], check=True, capture_output=True)
    first = solution.read_text(encoding="utf-8").splitlines()[0]  # "Optimal - objective value 123.4"
    assert first.startswith("Optimal"), first
    return float(first.rsplit(" ", 1)[1])


@pytest.mark.parametrize("integer_units", [False, True])
def test_written_mps_and_lp_solve_to_the_plans_objective(tmp_path, integer_units):
    from planner import Scenario

    model = build(ModelData.from_scenario(Scenario.from_dict({**SMALL, "integer_units": integer_units})))
    model.write(tmp_path / "model.lp")
    result = solve_model(model, write_lp=tmp_path / "model.mps")
    assert result.is_optimal and result.objective_usd > 0
    assert model.lp.is_mip is integer_units
    assert ("MARKER" in (tmp_path / "model.mps").read_text(encoding="utf-8")) is integer_units  # integer columns
    # Whole-unit plans are optimal within the MIP gap (1e-4); LPs to the solvers' tolerances.
    tolerance = 1e-4 if integer_units else 1e-7
    objective = result.objective_usd / model.money_unit
    assert highs_objective(tmp_path / "model.mps") == pytest.approx(objective, rel=tolerance)
    assert highs_objective(tmp_path / "model.lp") == pytest.approx(objective, rel=tolerance)
    assert cbc_objective(tmp_path / "model.mps", tmp_path) == pytest.approx(objective, rel=tolerance)


def test_the_written_file_carries_the_readable_names_made_solver_safe(tmp_path):
    from planner import Scenario
    from planner.build import solver_name

    model = build(ModelData.from_scenario(Scenario.from_dict(SMALL)))
    text = model.write(tmp_path / "model.lp").read_text(encoding="utf-8")
    assert solver_name("demand_balance[w,decode,2026-01]") in text
    assert solver_name("units[own,s,2026-02]") in text


def test_the_command_writes_the_lp_it_solves(tmp_path, monkeypatch):
    from planner import Scenario

    monkeypatch.chdir(tmp_path)
    Path("small.yaml").write_text(yaml.safe_dump(SMALL), encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", "small.yaml", "--json", "--write-lp", "small.mps"])
    assert result.exit_code == 0, result.output
    money_unit = build(ModelData.from_scenario(Scenario.from_dict(SMALL))).money_unit
    objective_usd = json.loads(result.stdout)["objective_usd"]
    assert highs_objective(tmp_path / "small.mps") * money_unit == pytest.approx(objective_usd, rel=1e-7)


@pytest.mark.parametrize("name", ["small.txt", "small"])
def test_a_file_name_of_no_known_format_is_refused_before_solving(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    Path("small.yaml").write_text(yaml.safe_dump(SMALL), encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", "small.yaml", "--write-lp", name])
    assert result.exit_code == 2
    assert "name the file .mps (MPS) or .lp (LP text)" in result.output
    assert not Path(name).exists()


def test_a_file_that_cannot_be_written_is_one_message_and_exit_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("small.yaml").write_text(yaml.safe_dump(SMALL), encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", "small.yaml", "--write-lp", "missing/small.lp"])
    assert result.exit_code == 1
    assert "cannot write the LP" in result.output
    assert isinstance(result.exception, SystemExit)
