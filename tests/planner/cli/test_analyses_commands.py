"""``planner alternatives`` and ``planner stress`` through the CLI runner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from tests.conftest import cloud_fleet, fleet, scenario_dict

RUNNER = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def two_vendors(tmp_path):
    """10 units of "a" ($1,744 a unit-month) serve the optimum; "b" is $100 a unit dearer, the cloud far dearer."""
    path = tmp_path / "two.yaml"
    fleets = {"a": fleet(), "b": fleet(13_200.0, vendor="other"), "rent": cloud_fleet(5.0)}
    path.write_text(yaml.safe_dump(scenario_dict([10_000.0, 10_000.0], fleets=fleets)))
    return path


def test_alternatives_json_is_one_object_with_the_ranges(two_vendors):
    result = RUNNER.invoke(app, ["alternatives", str(two_vendors), "--slack", "0.02", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["slack"] == 0.02 and summary["optimum_usd"] == pytest.approx(10 * (1_000 + 744) + 10 * (1_000 + 672))
    most = next(a for a in summary["alternatives"] if a["alternative"] == "max vendor:other")
    assert most["direction"] == "max" and most["subject"] == "vendor:other"
    assert most["plan_cost_usd"] == pytest.approx(1.02 * summary["optimum_usd"])
    assert most["shares"]["other"] == pytest.approx(most["share"]) and sum(most["shares"].values()) == pytest.approx(1)


def test_alternatives_table_and_out_folder(two_vendors, tmp_path):
    out = tmp_path / "alt"
    result = RUNNER.invoke(app, ["alternatives", str(two_vendors), "--by", "fleet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "fleet:b" in result.stdout and "13 solves" in result.stdout
    assert {p.name for p in out.iterdir()} == {"ranges.csv", "plans.csv", "mix.csv", "fleets.csv", "summary.json"}
    ranges = pd.read_csv(out / "ranges.csv").set_index("subject")
    assert ranges.loc["fleet:a", "max_share"] == pytest.approx(1.0)
    again = RUNNER.invoke(app, ["alternatives", str(two_vendors), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    assert RUNNER.invoke(app, ["alternatives", str(two_vendors), "--out", str(out), "--force"]).exit_code == 0


def test_alternatives_refuses_bad_input_all_at_once(two_vendors):
    result = RUNNER.invoke(
        app, ["alternatives", str(two_vendors), "--by", "site", "--slack", "-1", "--subject", "vendor:nobody"]
    )
    assert result.exit_code == 2
    for fragment in ("--by", "use vendor, category or fleet", "--slack", "--subject", "known: acme, other, skyco"):
        assert fragment in result.output


def test_stress_json_is_one_object_with_both_plans(two_vendors):
    result = RUNNER.invoke(app, ["stress", str(two_vendors), "--lose", "vendor:acme", "--from", "2026-02", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["lose"] == "vendor:acme" and summary["from"] == "2026-02" and summary["coverage"] == 1.0
    plans = {p["plan"]: p for p in summary["plans"]}
    # Unprotected: 10 units rented for February's 672 hours at $5, less the energy "a" no longer draws.
    assert plans["unprotected"]["extra_cost_usd"] == pytest.approx(10 * 5.0 * 672 - 10 * 10.0 * 672 * 0.1)
    assert plans["covered"]["stressed_unserved_tokens"] == 0.0
    assert summary["insurance_cost_usd"] == pytest.approx(10 * 1_100.0 * 2)


def test_stress_table_and_out_folder(two_vendors, tmp_path):
    out = tmp_path / "stress"
    result = RUNNER.invoke(
        app, ["stress", str(two_vendors), "--lose", "fleet:a", "--from", "2026-02", "--coverage", "0.5", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Losing fleet:a from 2026-02" in result.stdout and "covered (50% vendor-loss coverage)" in result.stdout
    assert {p.name for p in out.iterdir()} == {"plans.csv", "shortfall.csv", "costs.csv", "summary.json"}
    assert json.loads((out / "summary.json").read_text())["coverage"] == 0.5


@pytest.mark.parametrize(
    ("arguments", "fragments"),
    [
        (["--lose", "vendor:nobody", "--from", "2026-02"], ["--lose", "known: acme, other, skyco"]),
        (["--lose", "category:gpu", "--from", "2026-02"], ["--lose", "KIND one of vendor, site, fleet"]),
        (["--lose", "fleet:a", "--from", "2030-01"], ["--from", "outside the horizon"]),
        (["--lose", "fleet:a", "--from", "next year"], ["--from", "YYYY-MM"]),
        (["--lose", "fleet:a"], ["Missing option", "--from"]),
    ],
)
def test_stress_refuses_bad_input(two_vendors, arguments, fragments):
    result = RUNNER.invoke(app, ["stress", str(two_vendors), *arguments])
    assert result.exit_code == 2, result.output
    for fragment in fragments:
        assert fragment in result.output


@pytest.mark.parametrize(
    "arguments",
    [
        ["alternatives", "--slack", "0.02", "--workers", "2", "--solver", "highs"],
        ["stress", "--lose", "vendor:acme", "--from", "2026-02", "--solver", "cbc"],
    ],
)
def test_json_is_the_only_thing_on_stdout_of_the_installed_command(two_vendors, arguments):
    """The real executable in a child process, its solves in pool processes too: a solver printing
    straight to file descriptor 1 would break the JSON, which CliRunner would not see."""
    command, *options = arguments
    run = subprocess.run(
        [str(Path(sys.executable).with_name("planner")), command, str(two_vendors), *options, "--json"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["scenario"] == "test"
