"""``planner sweep`` through the CLI runner."""

from __future__ import annotations

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from planner.store import read_runs
from tests.conftest import cloud_fleet, fleet, scenario_dict

RUNNER = CliRunner(env={"COLUMNS": "200"})
WIDE = CliRunner(env={"COLUMNS": "1000"})  # no problem folded over lines


def _scenario(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(fleets={"a": fleet(1e9, existing=[{"site": "s", "units": 10}])})))
    return path


def test_sweep_says_which_runs_leave_demand_unserved(tmp_path):
    """With a quota of one rented unit half of the demand goes unserved; with two, none."""
    rented = cloud_fleet(hourly_usd=1.0, quota_units=1.0)
    rented["performance"]["m"].update(prefill_tokens_per_s=1.0, decode_tokens_per_s=1.0)
    path = tmp_path / "short.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(2.0, fleets={"c": rented})))
    result = RUNNER.invoke(app, ["sweep", str(path), "--vary", "fleets.c.quota_units=2", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "1 of 2 runs leave demand unserved (up to 50.00% of demand)" in result.stdout
    served = RUNNER.invoke(
        app, ["sweep", str(path), "--vary", "fleets.c.quota_units=2,3", "--design", "grid", "--workers", "1"]
    )
    assert served.exit_code == 0, served.output
    assert "2 runs, 0 failed" in served.stdout and "leave demand unserved" not in served.stdout


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
    assert "sites.s.electricity_price_usd_per_mwh" in result.stdout and "Swing of the plan cost" in result.stdout
    assert len(read_runs(tmp_path / "out")) == 3
    again = RUNNER.invoke(app, args)
    assert again.exit_code == 2 and "--resume" in again.stderr
    resumed = RUNNER.invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0 and "3 runs" in resumed.stdout


def test_sweep_rejects_a_bad_path_with_a_suggestion(tmp_path):
    result = RUNNER.invoke(app, ["sweep", str(_scenario(tmp_path)), "--vary", "sites.s.pu=x2"])
    assert result.exit_code == 2
    assert "no 'pu' in sites.s; did you mean 'sites.s.pue'?" in result.stderr


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
    assert table.loc["low", "plan_cost_usd"] < table.loc["", "plan_cost_usd"] < table.loc["high", "plan_cost_usd"]
    assert "case high" in result.stdout


def test_a_sweep_killed_with_sigkill_resumes_without_losing_a_finished_run(tmp_path):
    """Kill the sweep process outright once some runs are stored; resuming completes the rest,
    and every run stored before the kill is kept as it was."""
    path = _scenario(tmp_path)
    out = tmp_path / "out"
    sweep = ["sweep", str(path), "--vary", "sites.s.electricity_price_usd_per_mwh=10..200:12"]
    sweep += ["--design", "grid", "--workers", "1", "--out", str(out)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen(
        [sys.executable, "-m", "planner", *sweep], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    store = out / "runs.csv"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not store.exists() or len(read_runs(out)) < 3):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = read_runs(out)
    assert 3 <= len(before) < 12  # stopped mid-way
    result = RUNNER.invoke(app, [*sweep, "--resume"])
    assert result.exit_code == 0, result.output
    after = read_runs(out).set_index("run")
    assert len(after) == 12
    kept = after.loc[before["run"], "objective_usd"].to_numpy()
    assert list(kept) == list(before["objective_usd"])


def test_whole_units_on_and_off_from_the_command_line_and_a_sweep_file(tmp_path):
    """10,500 tokens/s: $18,312 with fractions of units, $18,812 with whole units."""
    data = scenario_dict(tokens_per_s=10_500.0)
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    from_flag = RUNNER.invoke(
        app, ["sweep", str(tmp_path / "s.yaml"), "--vary", "integer_units=true,false", "--workers", "1"]
    )
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump({**data, "sweep": {"vary": {"integer_units": "true,false"}}}))
    out = tmp_path / "out"
    from_file = RUNNER.invoke(app, ["sweep", str(tmp_path / "sweep.yaml"), "--workers", "1", "--out", str(out)])
    for result in (from_flag, from_file):
        assert result.exit_code == 0, result.output
        assert "2 runs, 0 failed" in result.stdout
        row = next(line for line in result.stdout.splitlines() if "integer_units" in line)
        assert [cell.strip() for cell in row.split("│")[1:4]] == ["integer_units", "false", "true"]
    stored = read_runs(out).set_index("integer_units")["objective_usd"]
    assert stored.to_dict() == pytest.approx({False: 18_312.0, True: 18_812.0})


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended while listed
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="workers die with the sweep through a Linux prctl")
def test_the_pool_workers_die_with_a_sweep_killed_outright(tmp_path):
    args = [
        sys.executable,
        "-m",
        "planner",
        "sweep",
        str(_scenario(tmp_path)),
        "--vary",
        "sites.s.electricity_price_usd_per_mwh=10..200:60",
        "--design",
        "grid",
        "--workers",
        "2",
    ]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers := _children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(workers) >= 2, "the pool did not start"
        assert process.poll() is None, "the sweep ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)]
    finally:
        process.kill()
        process.wait()
        for pid in workers:  # should the test fail, leave no worker behind
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_second_sweep_on_a_store_in_use_exits_2(tmp_path):
    from planner import Scenario
    from planner.store import Store, design_record
    from planner.sweep import Parameter, design

    path = _scenario(tmp_path)
    vary = "sites.s.electricity_price_usd_per_mwh=x0.5,x2"
    base = Scenario.from_yaml(path)
    runs = design([Parameter.parse(vary)], "oat", base)
    args = ["sweep", str(path), "--vary", vary, "--workers", "1", "--out", str(tmp_path / "out"), "--resume"]
    with Store(tmp_path / "out", design_record(base, runs), runs):
        result = WIDE.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "is being written by another sweep" in result.stderr
    assert RUNNER.invoke(app, args).exit_code == 0


def test_a_resume_of_another_sweep_exits_2_with_what_differs(tmp_path):
    path = _scenario(tmp_path)
    out = ["--workers", "1", "--out", str(tmp_path / "out")]
    assert RUNNER.invoke(app, ["sweep", str(path), "--vary", "sites.s.pue=x1.1", *out]).exit_code == 0
    result = WIDE.invoke(app, ["sweep", str(path), "--vary", "sites.s.pue=x1.2", *out, "--resume"])
    assert result.exit_code == 2, result.output
    assert "holds another sweep" in result.stderr and "sites.s.pue takes [1.1] there, [1.2] here" in result.stderr


def test_a_base_without_a_plan_exits_2_before_the_runs(tmp_path):
    data = scenario_dict(fleets={"a": fleet(1e9, existing=[{"site": "s", "units": 10}])})
    data["sites"]["s"]["power_mw"] = 0.05  # the ten existing units draw 0.1 MW
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    result = WIDE.invoke(app, ["sweep", str(path), "--vary", "sites.s.pue=x1.1", "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert "has no plan (infeasible" in result.stderr and "planner explain" in result.stderr


def test_a_dask_scheduler_that_does_not_answer_exits_2_in_bounded_time(tmp_path):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(0)  # accepts connections into its backlog, never answers
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        dask = ["--executor", "dask", "--scheduler", address, "--scheduler-timeout", "1"]
        result = WIDE.invoke(app, ["sweep", str(_scenario(tmp_path)), "--vary", "sites.s.pue=1.1,1.2", *dask])
    assert result.exit_code == 2, result.output
    assert time.monotonic() - started < 15
    assert f"no Dask scheduler answered at {address} within 1 s" in result.stderr


def test_two_sweeps_on_one_store_at_once_the_second_is_refused(tmp_path):
    """A sweep runs in its own process; a second one on its folder, started meanwhile, exits 2
    and stores nothing."""
    path = _scenario(tmp_path)
    out = tmp_path / "out"
    vary = ["--vary", "sites.s.electricity_price_usd_per_mwh=10..200:60", "--design", "grid", "--workers", "1"]
    first = subprocess.Popen(
        [sys.executable, "-m", "planner", "sweep", str(path), *vary, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not (out / "runs.csv").exists() or read_runs(out).empty):
            time.sleep(0.05)
        result = WIDE.invoke(app, ["sweep", str(path), *vary, "--out", str(out), "--resume"])
        assert first.poll() is None, "the first sweep ended before the second started"
        assert result.exit_code == 2, result.output
        assert "is being written by another sweep" in result.stderr
    finally:
        first.kill()
        first.wait()
    stored = read_runs(out)["run"]
    assert stored.is_unique


def test_a_sweep_file_varies_a_dotted_fleet_name_in_quotes(tmp_path):
    data = scenario_dict(fleets={"a.b": fleet(1e9, existing=[{"site": "s", "units": 10}])})
    text = yaml.safe_dump(data) + 'sweep:\n  vary:\n    fleets."a.b".max_power_kw: x2\n'
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    result = RUNNER.invoke(app, ["sweep", str(path), "--workers", "1", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert read_runs(tmp_path / "out")['fleets."a.b".max_power_kw'].to_list() == [10.0, 20.0]


def test_a_missing_solver_is_named_once_before_any_run_with_exit_code_2(tmp_path, monkeypatch):
    monkeypatch.setattr(importlib.import_module("planner.solvers.cbc"), "cbc_path", lambda: None)
    args = ["sweep", str(_scenario(tmp_path)), "--vary", "sites.s.pue=1.1,1.2", "--design", "grid", "--workers", "1"]
    args += ["--solver", "cbc"]
    for extra in ([], ["--out", str(tmp_path / "out")]):
        result = WIDE.invoke(app, [*args, *extra])
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit)
        assert result.output.count("the CBC solver was not found") == 1 and "no run was solved" in result.output
    assert not (tmp_path / "out").exists()


def test_runs_that_did_not_finish_are_named_with_how_to_solve_them(tmp_path, monkeypatch):
    worker = importlib.import_module("planner.sweep.worker").Worker
    monkeypatch.setattr(worker, "evaluate", lambda self, values: {"status": "lost", "error": "KilledWorker: gone"})
    out = tmp_path / "out"
    args = ["sweep", str(_scenario(tmp_path)), "--vary", "sites.s.pue=1.1,1.2", "--design", "grid", "--workers", "1"]
    result = WIDE.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 runs, 2 failed" in result.stdout
    assert (
        f"2 of them did not finish (their worker was lost, or had no solver): run the same sweep with --out {out} --resume"
        in " ".join(result.stdout.split())  # the console folds long lines
    )
