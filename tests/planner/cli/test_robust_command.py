"""``planner robust`` through the CLI runner."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from tests.conftest import cloud_fleet, fleet, scenario_dict

RUNNER = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def scenario(tmp_path):
    """Owned units against cloud units (see tests/planner/analyses/test_robust.py for the figures)."""
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(fleets={"a": fleet(), "c": cloud_fleet(4.0)})))
    return path


def test_json_has_the_promised_keys_and_one_object(scenario):
    result = RUNNER.invoke(app, ["robust", str(scenario), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    for key in ("expected_plan_cost_usd", "cases", "single_case_plans", "vss_usd", "evpi_usd"):
        assert key in summary
    assert [(c["case"], c["probability"]) for c in summary["cases"]] == [("low", 0.3), ("base", 0.4), ("high", 0.3)]
    assert all({"probability", "plan_cost_usd", "unserved_tokens"} <= set(c) for c in summary["cases"])
    assert [p["made_for"] for p in summary["single_case_plans"]] == ["low", "base", "high"]
    assert all("expected_plan_cost_usd" in p for p in summary["single_case_plans"])
    assert summary["vss_usd"] >= -1e-6 and summary["evpi_usd"] >= -1e-6
    assert "objective" in summary["vss_evpi_basis"]


def test_tables_on_the_terminal_and_out_files(scenario, tmp_path):
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["robust", str(scenario), "--out", str(out), "--spread", "0.5"])
    assert result.exit_code == 0, result.output
    assert "value of the stochastic solution" in result.stdout and "regret" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "cases.csv",
        "evaluations.csv",
        "plans.csv",
        "purchases.csv",
        "summary.json",
    ]
    evaluations = pd.read_csv(out / "evaluations.csv")
    assert len(evaluations) == 5 * 3  # robust, mean value and three single-case plans, in three cases
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cases"][2]["how"] == "demand x1.5 (no fitted demand: scaled)"
    again = RUNNER.invoke(app, ["robust", str(scenario), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.stderr
    assert RUNNER.invoke(app, ["robust", str(scenario), "--out", str(out), "--force"]).exit_code == 0


def test_samples_cvar_and_workers(scenario):
    result = RUNNER.invoke(
        app, ["robust", str(scenario), "--samples", "3", "--cvar", "0.8", "--workers", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [c["case"] for c in summary["cases"]] == ["draw1", "draw2", "draw3"]
    assert summary["measure"] == "CVaR at 0.8 of the objective"
    assert summary["evpi_usd"] >= -1e-6


def test_a_sweep_files_named_cases(tmp_path):
    data = scenario_dict(fleets={"a": fleet(), "c": cloud_fleet(4.0)})
    data["sweep"] = {"cases": {"quiet": {"demand.w.tokens.2026-01": 1.0e10}, "busy": {"demand.w.tokens.2026-01": 6e10}}}
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = RUNNER.invoke(app, ["robust", "--cases", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert [c["case"] for c in json.loads(result.stdout)["cases"]] == ["quiet", "busy"]
    both = RUNNER.invoke(app, ["robust", str(path), "--cases", str(path)])
    assert both.exit_code == 2 and "SCENARIO" in both.stderr
    data["sweep"]["vary"] = {"fleets.a.capex_usd": [6000.0, 9000.0]}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    varied = RUNNER.invoke(app, ["robust", "--cases", str(path)])
    assert varied.exit_code == 2 and "fleets.a.capex_usd" in varied.stderr


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (["--cvar", "1.5"], "--cvar"),
        (["--cvar-weight", "2"], "--cvar-weight"),
        (["--spread", "0"], "--spread"),
        (["--cases", "nowhere.yaml"], "--cases"),
        (["--samples", "3", "--cases", "x.yaml"], "--samples"),
        (["--shared-until", "2031-01"], "--shared-until"),
        (["--spread", "0.3", "--cases", "x.yaml"], "--spread"),
    ],
)
def test_bad_options_exit_2_naming_the_option(scenario, arguments, field):
    result = RUNNER.invoke(app, ["robust", str(scenario), *arguments])
    assert result.exit_code == 2, result.output
    assert field in result.stderr
    assert result.stdout == ""


def test_a_bad_scenario_exits_2_with_its_field(tmp_path):
    data = scenario_dict()
    data["fleets"]["a"]["capex_usd"] = -1.0
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    result = RUNNER.invoke(app, ["robust", str(path)])
    assert result.exit_code == 2 and "capex_usd" in result.stderr


def test_a_scenario_without_a_plan_exits_1(tmp_path):
    """2,000 MW of existing units on a 1,000 MW site: no case has a plan."""
    path = tmp_path / "crowded.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(fleets={"a": fleet(existing=[{"site": "s", "units": 200_000}])})))
    result = RUNNER.invoke(app, ["robust", str(path), "--json"])
    assert result.exit_code == 1
    assert "infeasible" in result.stderr and result.stdout == ""


@pytest.mark.parametrize(("busy", "level"), [(0.2, "quiet"), (0.8, "busy")])
def test_a_sweep_files_cases_take_their_probabilities(tmp_path, busy, level):
    # A unit owned costs $1,000 of capital a month, plus $730 of energy in a month it serves;
    # renting one costs $2,920. A unit beyond the quiet month's need serves only in the busy case,
    # so it pays to own it when 1,000 + 730 p < 2,920 p, that is p(busy) > 0.457.
    data = scenario_dict(fleets={"a": fleet(), "c": cloud_fleet(4.0)})
    data["sweep"] = {"cases": {"quiet": {"demand.w.tokens.2026-01": 1.0e10}, "busy": {"demand.w.tokens.2026-01": 6e10}}}
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    chances = f"quiet={1 - busy:g},busy={busy:g}"
    result = RUNNER.invoke(app, ["robust", "--cases", str(path), "--probabilities", chances, "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [c["probability"] for c in found["cases"]] == pytest.approx([1 - busy, busy])
    seconds = 31 * 24 * 3600
    need = {"quiet": 1.0e10 / seconds / 1000.0, "busy": 6.0e10 / seconds / 1000.0}  # units at 1,000 tokens/s
    built = sum(
        p["units"] for p in found["purchases"] if p["family"] == "build" and p["fleet"] == "a"
    )  # the robust plan
    assert built == pytest.approx(need[level], rel=1e-6)


@pytest.mark.parametrize(
    ("chances", "said"),
    [
        ("quiet=0.5", "no probability for 'busy'"),
        ("quiet=0.5,busy=0.4", "sum to 0.9"),
        ("quiet=0.5,loud=0.5", "no case 'loud'"),
        ("quiet=1.5,busy=-0.5", "not a probability"),
        ("quiet:0.5", "NAME=P"),
    ],
)
def test_probabilities_that_do_not_fit_the_cases_are_refused(tmp_path, chances, said):
    data = scenario_dict(fleets={"a": fleet(), "c": cloud_fleet(4.0)})
    data["sweep"] = {"cases": {"quiet": {"demand.w.tokens.2026-01": 1.0e10}, "busy": {"demand.w.tokens.2026-01": 6e10}}}
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = RUNNER.invoke(app, ["robust", "--cases", str(path), "--probabilities", chances])
    assert result.exit_code == 2, result.output
    assert "--probabilities" in result.stderr and said in result.stderr


def test_probabilities_without_a_sweep_file_are_refused(scenario):
    result = RUNNER.invoke(app, ["robust", str(scenario), "--probabilities", "low=1"])
    assert result.exit_code == 2 and "--probabilities" in result.stderr
