"""``planner demand show`` and ``planner demand fit`` through the CLI runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from pydantic import TypeAdapter
from typer.testing import CliRunner

import demand
from demand import DemandSpec, ExponentialGrowth, planning_periods
from planner.cli import app
from planner.cli.demand import FamilyChoice

ENV = {"COLUMNS": "200"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env=ENV)


def test_show_lists_every_workload_and_period_with_peaks(runner):
    result = runner.invoke(app, ["demand", "show"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "│ chat " in line]
    assert len(lines) == 36
    # chat follows the consumer profile: the peak is 1.74 times the average
    cells = [cell.strip() for cell in lines[0].split("│")]
    average, peak = (float(cells[i].rstrip("M")) for i in (4, 5))
    assert peak / average == pytest.approx(1.741, rel=2e-3)


def test_show_filters_workloads_and_rejects_unknown_ones(runner):
    result = runner.invoke(app, ["demand", "show", "-w", "batch"])
    assert result.exit_code == 0
    assert "│ batch " in result.stdout and "│ chat " not in result.stdout
    bad = runner.invoke(app, ["demand", "show", "-w", "nope"])
    assert bad.exit_code == 2
    assert "unknown workload(s) nope" in bad.output


@pytest.fixture
def history(tmp_path):
    """Synthetic (generated, not observed) monthly history: +5% a month for two years, 2% noise."""
    truth = ExponentialGrowth(start="2024-01", tokens_per_day=1e11, rate=0.05)
    months = planning_periods("2024-01", 24, "month")
    tokens = truth.per_period(months) * np.random.default_rng(7).lognormal(0.0, 0.02, len(months))
    path = tmp_path / "history.csv"
    pd.DataFrame({"period": months.astype(str), "tokens": tokens}).to_csv(path, index=False)
    return path


def test_fit_prints_summary_band_and_a_snippet_that_works_in_a_scenario(runner, history):
    result = runner.invoke(
        app, ["demand", "fit", str(history), "--family", "exponential", "--horizon", "12", "--samples", "30"]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "exponential" in out and "2026-01" in out and "2026-12" in out
    growth = float(out.split("Growth in the year after")[1].split()[1].rstrip("x"))
    assert growth == pytest.approx(1.05**12, rel=0.03)
    snippet = out.split("Paste under a demand entry of a scenario:")[1]
    spec = TypeAdapter(DemandSpec).validate_python(yaml.safe_load(snippet))
    assert spec.kind == "exponential" and spec.rate == pytest.approx(0.05, rel=0.05)


def test_fit_offers_auto_and_every_family_the_fitter_knows():
    assert [choice.value for choice in FamilyChoice] == ["auto", *demand.FAMILIES]


def test_fit_auto_compares_families(runner, history):
    result = runner.invoke(app, ["demand", "fit", str(history), "--horizon", "3", "--samples", "20"])
    assert result.exit_code == 0, result.output
    assert "Families compared" in result.stdout
    assert "(chosen)" in result.stdout


def test_fit_warns_about_implausible_growth(runner):
    published = Path(demand.__file__).parent / "data" / "openrouter_tokens.csv"
    result = runner.invoke(
        app, ["demand", "fit", str(published), "--family", "exponential", "--horizon", "3", "--samples", "20"]
    )
    assert result.exit_code == 0, result.output
    assert "implausible to sustain" in result.stdout


def test_fit_of_a_bad_file_exits_2_with_the_reason(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("period,tokens\n2026-01,1e12\n2026-02,0\n2026-03,2e12\n2026-04,3e12\n")
    result = runner.invoke(app, ["demand", "fit", str(path), "--family", "exponential"])
    assert result.exit_code == 2
    assert "bad.csv" in result.stderr and "2026-02" in result.stderr


def test_fit_says_how_its_band_was_made(runner, history):
    named = runner.invoke(
        app, ["demand", "fit", str(history), "--family", "exponential", "--horizon", "2", "--samples", "30"]
    )
    assert named.exit_code == 0, named.output
    text = " ".join(named.stdout.split())
    assert "low, high: the 10th and 90th percentiles of 30 bootstrap refits of the exponential curve" in text
    assert "the family was named" in text
    auto = runner.invoke(app, ["demand", "fit", str(history), "--horizon", "2", "--samples", "30"])
    assert auto.exit_code == 0, auto.output
    text = " ".join(auto.stdout.split())
    assert "in the band with weight" in text
    assert "low, high: the 10th and 90th percentiles of 30 bootstrap refits" in text


@pytest.mark.parametrize("column", ["date", "week", "month"])
def test_fit_reads_the_usual_time_columns(runner, history, tmp_path, column):
    frame = pd.read_csv(history)
    if column == "week":
        # The same volumes as every other week: dates 14 days apart could be days or weeks, the
        # column says weeks.
        frame["period"] = pd.date_range("2024-01-01", periods=len(frame), freq="14D").astype(str)
    path = tmp_path / f"{column}.csv"
    frame.rename(columns={"period": column}).to_csv(path, index=False)
    result = runner.invoke(
        app, ["demand", "fit", str(path), "--family", "exponential", "--horizon", "2", "--samples", "10"]
    )
    assert result.exit_code == 0, result.output
    observations = [line.split() for line in result.stdout.splitlines() if line.startswith("Observations")]
    assert observations == [["Observations", "24"]]


def test_fit_takes_the_columns_named_by_the_user(runner, history, tmp_path):
    frame = pd.read_csv(history).rename(columns={"period": "ts", "tokens": "total_tokens"})
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    unnamed = runner.invoke(app, ["demand", "fit", str(path), "--family", "exponential"])
    assert unnamed.exit_code == 2
    assert "missing column(s) period, tokens" in unnamed.stderr
    named = runner.invoke(
        app,
        [
            *("demand", "fit", str(path), "--family", "exponential", "--horizon", "2", "--samples", "10"),
            *("--time-column", "ts", "--tokens-column", "total_tokens"),
        ],
    )
    assert named.exit_code == 0, named.output
    growth = float(named.stdout.split("Growth in the year after")[1].split()[1].rstrip("x"))
    assert growth == pytest.approx(1.05**12, rel=0.03)
