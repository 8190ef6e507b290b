"""``planner sweep`` through the CLI runner."""

from __future__ import annotations

import pandas as pd
import yaml
from typer.testing import CliRunner

from planner.cli import app
from planner.store import read_runs
from tests.conftest import fleet, scenario_dict

RUNNER = CliRunner(env={"COLUMNS": "200"})


def _scenario(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(fleets={"a": fleet(1e9, existing=[{"site": "s", "units": 10}])})))
    return path


def test_sweep_prints_the_tornado_and_stores_every_run(tmp_path):
    path = _scenario(tmp_path)
    args = [
        "sweep",
        str(path),
        "--vary",
        "sites.s.electricity_price_usd_per_mwh=x0.5,x2",
        "--workers",
        "1",
        "--out",
        str(tmp_path / "out"),
    ]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "3 runs, 0 failed" in result.stdout
    assert "sites.s.electricity_price_usd_per_mwh" in result.stdout and "Swing of the total cost" in result.stdout
    assert len(read_runs(tmp_path / "out")) == 3
    again = RUNNER.invoke(app, args)
    assert again.exit_code == 2 and "--resume" in again.stderr
    resumed = RUNNER.invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0 and "3 runs" in resumed.stdout


def test_sweep_rejects_a_bad_path_with_a_suggestion(tmp_path):
    result = RUNNER.invoke(app, ["sweep", str(_scenario(tmp_path)), "--vary", "sites.s.pu=x2"])
    assert result.exit_code == 2
    assert "sites.s.pue" in result.stderr and "Traceback" not in result.output


def test_sweep_needs_something_to_vary(tmp_path):
    result = RUNNER.invoke(app, ["sweep", str(_scenario(tmp_path))])
    assert result.exit_code == 2 and "--vary" in result.stderr


def test_a_sweep_file_with_demand_bands_as_named_cases(tmp_path):
    """Synthetic history (made up here): the fitted demand's low, base and high bands as cases;
    more demand costs more to serve."""
    import numpy as np

    from demand import ExponentialGrowth, planning_periods

    months = planning_periods("2024-01", 24, "month")
    tokens = ExponentialGrowth(start="2024-01", tokens_per_day=5e8, rate=0.04).per_period(months)
    noisy = tokens * np.random.default_rng(3).lognormal(0.0, 0.05, len(months))
    pd.DataFrame({"period": months.astype(str), "tokens": noisy}).to_csv(tmp_path / "history.csv", index=False)
    data = scenario_dict([1.0] * 3)
    data["demand"]["w"] = {"kind": "fitted", "history": {"csv": "history.csv"}, "family": "exponential", "samples": 40}
    data["sweep"] = {"cases": {"low": {"demand.w.band": "low"}, "high": {"demand.w.band": "high"}}}
    path = tmp_path / "bands.yaml"
    path.write_text(yaml.safe_dump(data))
    result = RUNNER.invoke(app, ["sweep", str(path), "--workers", "1", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    table = read_runs(tmp_path / "out").set_index("case")
    assert table.loc["low", "objective_usd"] < table.loc["", "objective_usd"] < table.loc["high", "objective_usd"]
    assert "case high" in result.stdout


def test_a_sweep_killed_with_sigkill_resumes_without_losing_a_finished_run(tmp_path):
    """Kill the sweep process outright once some runs are stored; resuming completes the rest,
    and every run stored before the kill is kept as it was."""
    import os
    import signal
    import subprocess
    import sys
    import time

    path = _scenario(tmp_path)
    out = tmp_path / "out"
    args = [
        sys.executable,
        "-m",
        "planner",
        "sweep",
        str(path),
        "--vary",
        "sites.s.electricity_price_usd_per_mwh=10..200:12",
        "--design",
        "grid",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    store = out / "runs.csv"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not store.exists() or len(read_runs(out)) < 3):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = read_runs(out)
    assert 3 <= len(before) < 12  # stopped mid-way
    result = RUNNER.invoke(
        app,
        [
            "sweep",
            str(path),
            "--vary",
            "sites.s.electricity_price_usd_per_mwh=10..200:12",
            "--design",
            "grid",
            "--workers",
            "1",
            "--out",
            str(out),
            "--resume",
        ],
    )
    assert result.exit_code == 0, result.output
    after = read_runs(out).set_index("run")
    assert len(after) == 12
    kept = after.loc[before["run"], "objective_usd"].to_numpy()
    assert list(kept) == list(before["objective_usd"])
