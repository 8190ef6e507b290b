"""``planner breakeven`` and ``planner frontier`` through the CLI runner, and where every analysis command solves."""

from __future__ import annotations

import json
import socket

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from tests.conftest import JANUARY_HOURS, cloud_fleet, fleet, scenario_dict

RUNNER = CliRunner(env={"COLUMNS": "200"})
BREAK_EVEN_USD_PER_HOUR = (1_000 + 10 * JANUARY_HOURS * 100 / 1000) / JANUARY_HOURS  # owned $1,744 a month / 744 h


@pytest.fixture
def path(tmp_path):
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(scenario_dict(fleets={"own": fleet(), "rent": cloud_fleet(2.0)})))
    return file


def test_breakeven_json_has_the_bracket_and_both_sides(path):
    args = ["breakeven", str(path), "--subject", "fleet:rent", "--vary", "fleets.rent.hourly_usd"]
    result = RUNNER.invoke(app, [*args, "--range", "x0.5..x2", "--grid", "3", "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["lower"] <= BREAK_EVEN_USD_PER_HOUR <= found["upper"] and found["direction"] == "leaves"
    assert found["range"] == [1.0, 4.0]
    assert found["below"]["subject_share"] == pytest.approx(1.0) and found["above"]["subject_share"] == 0.0
    assert found["above"]["plan_cost_usd"] > found["below"]["plan_cost_usd"] > 0


def test_breakeven_table_and_out_folder(path, tmp_path):
    out = tmp_path / "be"
    args = ["breakeven", str(path), "-s", "fleet:rent", "-v", "fleets.rent.hourly_usd", "--range", "1..4"]
    result = RUNNER.invoke(app, [*args, "--grid", "3", "--workers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "fleet:rent leaves the plan at fleets.rent.hourly_usd 2.34" in result.stdout
    assert "below" in result.stdout and "above" in result.stdout
    points = pd.read_csv(out / "points.csv")
    assert points["value"].is_monotonic_increasing and {"plan_cost_usd", "fleet:rent", "in_plan"} <= set(points)
    assert json.loads((out / "summary.json").read_text())["threshold"] == pytest.approx(
        BREAK_EVEN_USD_PER_HOUR, rel=0.01
    )
    again = RUNNER.invoke(app, [*args, "--grid", "3", "--workers", "1", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output


def test_breakeven_with_no_break_even_says_why_in_json(path):
    args = ["breakeven", str(path), "-s", "vendor:skyco", "-v", "fleets.rent.hourly_usd", "--range", "0.5..1"]
    result = RUNNER.invoke(app, [*args, "--grid", "2", "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["found"] is False and found["threshold"] is None and "always chosen" in found["reason"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["-s", "fleet:nobody", "-v", "demand"], "--subject"),
        (["-s", "fleet:rent", "-v", "fleets.rent.hourly"], "fleets.rent.hourly"),
        (["-s", "fleet:rent", "-v", "demand", "--range", "1-2"], "--range"),
        (["-s", "fleet:rent", "-v", "demand", "--range", "0..2"], "--range"),
        (["-s", "fleet:rent", "-v", "demand", "--direction", "up"], "--direction"),
        (["-v", "demand"], "--subject"),
        (["-s", "fleet:rent", "-v", "fleets.rent.hourly_usd", "--range", "-1..2", "--grid", "2"], "hourly_usd"),
        (["-s", "fleet:rent", "-v", "demand", "--executor", "dask"], "--executor"),
    ],
)
def test_breakeven_bad_input_exits_2_naming_the_field(path, args, field):
    result = RUNNER.invoke(app, ["breakeven", str(path), *args, "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert field in result.output


def test_frontier_json_points_and_out_tables(path, tmp_path):
    out = tmp_path / "fr"
    args = ["frontier", str(path), "--vary", "fleets.rent.hourly_usd=1,2,3", "--workers", "1"]
    result = RUNNER.invoke(app, [*args, "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [p["value"] for p in found["points"]] == [1.0, 2.0, 3.0]
    assert found["points"][0]["plan_cost_usd"] == pytest.approx(10 * JANUARY_HOURS)
    assert found["points"][0]["shares"]["fleet:rent"] == pytest.approx(1.0)
    (row,) = found["breakpoints"]
    assert row["lower"] <= BREAK_EVEN_USD_PER_HOUR <= row["upper"]
    assert {p.name for p in out.iterdir()} == {"points.csv", "shares.csv", "breakpoints.csv", "summary.json"}
    shares = pd.read_csv(out / "shares.csv")
    assert list(shares.columns) == ["value", "by", "name", "share"] and len(shares) == 3 * 6


def test_frontier_ready_made_diversification_prints_the_table(path):
    result = RUNNER.invoke(app, ["frontier", str(path), "--diversification", "--vary", "1,0.5", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "policy.max_vendor_share" in result.stdout and "per percentage point" in result.stdout


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ([], "--vary"),
        (["--diversification", "--latency", "w"], "--vary"),
        (["--latency", "nobody"], "--latency"),
        (["--ttft"], "--ttft"),
        (["--vary", "fleets.rent.hourly_usd=1,2", "--steps", "3"], "--steps"),
        (["--vary", "fleets.rent.hourly_usd=uniform(1,2)"], "--vary"),
        (["--vary", "fleets.rent.hourly=1,2"], "fleets.rent.hourly"),
        (["--vary", "fleets.rent.hourly_usd=-1,2"], "fleets.rent.hourly_usd"),
        (["--diversification", "--vary", "policy.max_vendor_share=1,0.5"], "--vary"),
    ],
)
def test_frontier_bad_input_exits_2_naming_the_field(path, args, field):
    result = RUNNER.invoke(app, ["frontier", str(path), *args, "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert field in result.output


def test_frontier_on_a_process_pool_gives_the_same_points(path):
    args = ["frontier", str(path), "--vary", "fleets.rent.hourly_usd=1,3", "--no-breakpoints", "--json"]
    pooled, here = (RUNNER.invoke(app, [*args, "--workers", n]) for n in ("2", "1"))
    assert pooled.exit_code == 0 and here.exit_code == 0, pooled.output + here.output
    costs = [[p["plan_cost_usd"] for p in json.loads(r.stdout)["points"]] for r in (pooled, here)]
    assert costs[0] == pytest.approx(costs[1]) and costs[0][0] == pytest.approx(10 * JANUARY_HOURS)


@pytest.mark.parametrize(
    "command",
    [
        ["breakeven", "-s", "fleet:rent", "-v", "demand"],
        ["frontier", "-v", "demand=1,2"],
        ["alternatives"],
        ["stress", "--lose", "fleet:own", "--from", "2026-01"],
        ["robust"],
    ],
)
def test_a_dask_scheduler_that_does_not_answer_exits_2(path, command):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(0)  # accepts connections into its backlog, never answers
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        dask = ["--executor", "dask", "--scheduler", address, "--scheduler-timeout", "1"]
        result = RUNNER.invoke(app, [command[0], str(path), *command[1:], *dask])
    assert result.exit_code == 2, result.output
    assert f"no Dask scheduler answered at {address} within 1 s" in result.output


@pytest.mark.parametrize(
    "command", [["alternatives"], ["stress", "--lose", "fleet:own", "--from", "2026-01"], ["robust"]]
)
def test_dask_without_a_scheduler_exits_2_before_solving(path, command):
    result = RUNNER.invoke(app, [command[0], str(path), *command[1:], "--executor", "dask"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "--executor" in result.output and "--scheduler" in result.output
