"""Sweeps: paths, designs, analytic answers, failures and resuming."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import re
import signal
import socket
import time

import numpy as np
import pandas as pd
import pytest

from planner import Scenario, ScenarioError, default_scenario_path
from planner.overrides import check_path, get_value, with_values
from planner.store import LOST_ERRORS, read_runs
from planner.sweep import ClusterError, Parameter, SolverMissingError, design, run_sweep
from tests.conftest import fleet, scenario_dict
from tests.planner.test_result import half_served_scenario

HTTP_ANY_PORT = "127.0.0.1:0"
"""Where a test cluster's scheduler serves HTTP: it does so even without a dashboard, on port 8787
unless told otherwise, which another cluster on the machine may hold."""


@pytest.fixture
def base():
    """Ten existing units serve the whole demand; new ones would cost far more than they save,
    so changing the electricity price changes nothing but the energy bill."""
    return Scenario.from_dict(scenario_dict(fleets={"a": fleet(1e9, existing=[{"site": "s", "units": 10}])}))


def test_paths_resolve_and_bad_ones_suggest_names(base):
    assert get_value(base, "sites.s.electricity_price_usd_per_mwh") == 100.0
    assert "fleets holds: a" in check_path(base, "fleets.b.capex_usd").message
    assert "did you mean 'sites.s.pue'" in check_path(base, "sites.s.pu").message
    assert "a section, not a value" in check_path(base, "sites.s").message
    with pytest.raises(ScenarioError, match=r"only numbers and switches \(true/false\) can be varied"):
        design([Parameter.parse("fleets.a.vendor=x2")], "oat", base)


def test_a_changed_value_is_validated_like_the_file(base):
    assert with_values(base, {"fleets.a.capex_usd": 5.0}).fleets["a"].capex_usd == 5.0
    with pytest.raises(ScenarioError):
        with_values(base, {"fleets.a.capex_usd": -5.0})


def test_parameter_specs_parse():
    assert Parameter.parse("a.b=x0.7,x1,x1.3").values == (("x", 0.7), ("x", 1.0), ("x", 1.3))
    assert Parameter.parse("a.b=100,200").values == (100.0, 200.0)
    assert Parameter.parse("a.b=0.05..0.15:5").values == pytest.approx((0.05, 0.075, 0.1, 0.125, 0.15))
    assert Parameter.parse("a.b=triangular(x0.5,x1,x2)").distribution == (
        "triangular",
        ("x", 0.5),
        ("x", 1.0),
        ("x", 2.0),
    )
    with pytest.raises(ValueError, match="PATH=VALUES"):
        Parameter.parse("a.b")
    with pytest.raises(ValueError, match="not a number"):
        Parameter.parse("a.b=cheap")


def test_designs_yield_the_expected_runs(base):
    price = Parameter.parse("sites.s.electricity_price_usd_per_mwh=50,200")
    pue = Parameter.parse("sites.s.pue=1.1,1.2,1.3")
    oat = design([price, pue], "oat", base)
    assert len(oat) == 1 + 2 + 3  # the base, then each value of each parameter
    assert oat.iloc[0][["sites.s.electricity_price_usd_per_mwh", "sites.s.pue"]].to_list() == [100.0, 1.0]
    assert len(design([price, pue], "grid", base)) == 6


def test_latin_hypercube_draws_are_stratified_and_reproducible(base):
    param = Parameter.parse("sites.s.electricity_price_usd_per_mwh=uniform(50,150)")
    runs = design([param], "lhs", base, samples=10, seed=4)
    values = runs["sites.s.electricity_price_usd_per_mwh"].to_numpy()
    assert sorted(np.floor((values - 50) / 10).astype(int)) == list(range(10))  # one draw per tenth
    assert runs.equals(design([param], "lhs", base, samples=10, seed=4))
    assert not runs.equals(design([param], "lhs", base, samples=10, seed=5))
    mc = design([param], "mc", base, samples=50, seed=1)["sites.s.electricity_price_usd_per_mwh"]
    assert mc.between(50, 150).all()


def test_doubling_the_electricity_price_doubles_the_energy_cost(base):
    """10 busy units x 10 kW x 744 h: 74.4 MWh; at $100 and $200/MWh, $7,440 and $14,880."""
    runs = design([Parameter.parse("sites.s.electricity_price_usd_per_mwh=100,200")], "grid", base)
    table = run_sweep(base, runs, workers=1).table.set_index("sites.s.electricity_price_usd_per_mwh")
    assert table["cost_energy_usd"].to_dict() == pytest.approx({100.0: 7_440.0, 200.0: 14_880.0})
    assert table.loc[100.0, "cost_capital_usd"] == table.loc[200.0, "cost_capital_usd"]
    assert table.loc[200.0, "objective_usd"] - table.loc[100.0, "objective_usd"] == pytest.approx(7_440.0)


def test_values_the_scenario_rejects_stop_the_sweep_before_any_run(base):
    with pytest.raises(ScenarioError) as caught:
        design([Parameter.parse("sites.s.pue=0.5,1.5,x4")], "oat", base)  # PUE is between 1 and 3
    messages = sorted(p.message for p in caught.value.problems)
    assert len(messages) == 2
    assert messages[0].startswith("the sweep sets it to 0.5: ") and "greater than or equal to 1" in messages[0]
    assert messages[1].startswith("the sweep sets it to 4: ") and "less than or equal to 3" in messages[1]
    # A distribution is checked at its smallest and largest draw.
    with pytest.raises(ScenarioError, match=r"the sweep sets it to 3\.") as caught:
        design([Parameter.parse("sites.s.pue=uniform(1.0,3.5)")], "lhs", base, samples=50)
    assert [p.path for p in caught.value.problems] == ["sites.s.pue"]


def test_an_unset_value_cannot_be_varied(base):
    with pytest.raises(ScenarioError, match="is not set in this scenario"):
        design([Parameter.parse("policy.max_vendor_share=0.5")], "oat", base)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(base):
    # The ten existing units draw 0.1 MW: a 0.05 MW site makes the run infeasible.
    runs = design([Parameter.parse("sites.s.power_mw=0.05,2")], "oat", base)
    table = run_sweep(base, runs, workers=1).table.set_index("sites.s.power_mw")
    assert table.loc[0.05, "status"] == "infeasible"
    assert table.loc[2.0, "status"] == "optimal"


def _stop_after(count: int):
    """A progress callback that stops the sweep (as Ctrl-C would) once ``count`` runs are done."""

    def progress(done: int, failed: int, total: int) -> None:
        if done >= count:
            raise KeyboardInterrupt

    return progress


def test_a_stopped_sweep_resumes_to_the_same_table(base, tmp_path):
    runs = design(
        [Parameter.parse("sites.s.electricity_price_usd_per_mwh=50,150,250"), Parameter.parse("sites.s.pue=1.1,1.3")],
        "grid",
        base,
    )
    whole = run_sweep(base, runs, workers=1).table
    with pytest.raises(KeyboardInterrupt):
        run_sweep(base, runs, out=tmp_path / "sweep", workers=1, progress=_stop_after(2))
    assert len(read_runs(tmp_path / "sweep")) == 2
    with pytest.raises(FileExistsError):
        run_sweep(base, runs, out=tmp_path / "sweep", workers=1)
    resumed = run_sweep(base, runs, out=tmp_path / "sweep", resume=True, workers=1).table
    assert len(read_runs(tmp_path / "sweep")) == len(runs)
    pd.testing.assert_series_equal(resumed["objective_usd"], whole["objective_usd"])


def test_a_process_pool_gives_the_same_table(base):
    runs = design([Parameter.parse("sites.s.electricity_price_usd_per_mwh=50,150,250")], "grid", base)
    serial = run_sweep(base, runs, workers=1).table
    pooled = run_sweep(base, runs, workers=2).table
    pd.testing.assert_series_equal(serial["objective_usd"], pooled["objective_usd"])


def test_tornado_ranks_parameters_by_swing(base):
    runs = design(
        [Parameter.parse("sites.s.electricity_price_usd_per_mwh=x0.5,x2"), Parameter.parse("sites.s.pue=x1.1")],
        "oat",
        base,
    )
    tornado = run_sweep(base, runs, workers=1).tornado()
    assert tornado["parameter"].to_list() == ["sites.s.electricity_price_usd_per_mwh", "sites.s.pue"]
    assert tornado.loc[0, "swing"] == pytest.approx(7_440 * 1.5)  # from $3,720 to $14,880 of energy
    assert tornado.attrs["base"] == pytest.approx(7_440)


def test_a_run_reports_its_plan_cost_and_its_shortfall_apart_and_the_tornado_swings_the_plan_cost():
    """One rented unit ($744 for January) serves half of 2 tokens/s; two serve it all ($1,488).
    The penalty on the shortfall ($2,678.40) is reported apart, and the tornado swings the plan's
    cost ($744), not the objective ($3,422.40 to $1,488)."""
    scenario = half_served_scenario()
    runs = design([Parameter.parse("fleets.c.quota_units=2")], "oat", scenario)
    result = run_sweep(scenario, runs, workers=1)
    table = result.table.set_index("fleets.c.quota_units")
    assert table["plan_cost_usd"].to_dict() == pytest.approx({1.0: 744.0, 2.0: 1_488.0})
    assert table["unserved_share_of_demand"].to_dict() == pytest.approx({1.0: 0.5, 2.0: 0.0})
    assert table["unserved_penalty_usd"].to_dict() == pytest.approx({1.0: 2_678.4, 2.0: 0.0})
    assert table["objective_usd"].to_dict() == pytest.approx({1.0: 3_422.4, 2.0: 1_488.0})
    assert "cost_unserved_penalty_usd" not in table
    # $744 over the 2.68M tokens served, $1,488 over the 5.36M: $277.78 per million either way.
    assert table["average_usd_per_mtok"].to_dict() == pytest.approx({1.0: 744.0 / 2.6784, 2.0: 1_488.0 / 5.3568})
    tornado = result.tornado()
    assert tornado.attrs["base"] == pytest.approx(744.0)
    assert tornado.loc[0, "swing"] == pytest.approx(744.0)


def test_a_dask_cluster_gives_the_same_table(base):
    from distributed import Client, LocalCluster

    runs = design([Parameter.parse("sites.s.electricity_price_usd_per_mwh=50,150,250")], "grid", base)
    local = run_sweep(base, runs, workers=1).table
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=HTTP_ANY_PORT) as cluster,
        Client(cluster) as client,
    ):
        remote = run_sweep(base, runs, scheduler=client).table
    pd.testing.assert_series_equal(local["objective_usd"], remote["objective_usd"])
    assert list(remote["run"]) == list(local["run"])


@pytest.fixture(scope="module")
def default_grid():
    """The default scenario over a grid of a cost, a limit and a coefficient (eight runs, some
    solved warm, some in a new session), and the table of the runs solved cold."""
    scenario = Scenario.from_yaml(default_scenario_path())
    texts = [
        "sites.west.electricity_price_usd_per_mwh=x1,x2",
        "fleets.p5.quota_units=x1,x0.05",
        "sites.west.pue=x1,x1.05",
    ]
    runs = design([Parameter.parse(text) for text in texts], "grid", scenario)
    return scenario, runs, run_sweep(scenario, runs, workers=1, warm=False).table


def _same_answers(warm: pd.DataFrame, cold: pd.DataFrame) -> None:
    """Every run of ``warm`` has the status and the objective (to 1e-6) of that run in ``cold``."""
    assert list(warm["run"]) == list(cold["run"])
    assert list(warm["status"]) == list(cold["status"]) == ["optimal"] * len(cold)
    assert len(set(cold["objective_usd"].round())) == len(cold)  # every run has its own optimum
    assert warm["objective_usd"].to_numpy() == pytest.approx(cold["objective_usd"].to_numpy(), rel=1e-6)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_warm_sweep_here_or_on_a_process_pool_answers_every_run_as_a_cold_one(default_grid, workers):
    scenario, runs, cold = default_grid
    _same_answers(run_sweep(scenario, runs, workers=workers, chunk_size=3).table, cold)


@pytest.mark.slow  # a Dask cluster of its own: several seconds; with the long tests
def test_a_warm_sweep_on_a_dask_cluster_answers_every_run_as_a_cold_one(default_grid):
    from distributed import Client, LocalCluster

    scenario, runs, cold = default_grid
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=HTTP_ANY_PORT) as cluster,
        Client(cluster) as client,
    ):
        _same_answers(run_sweep(scenario, runs, scheduler=client, chunk_size=3).table, cold)


def test_runs_share_the_fit_of_an_unchanged_demand_history(tmp_path):
    """A sweep revalidates each run's scenario; a fitted demand whose history did not change is
    not fitted again (synthetic history, made up here)."""
    months = pd.period_range("2024-01", periods=18, freq="M")
    tokens = 1e12 * 1.05 ** np.arange(18) * np.random.default_rng(0).lognormal(0.0, 0.03, 18)
    data = scenario_dict([1.0] * 2)
    data["demand"]["w"] = {
        "kind": "fitted",
        "history": {"tokens": dict(zip(months.astype(str), tokens, strict=True))},
        "family": "exponential",
    }
    scenario = Scenario.from_dict(data)
    changed = with_values(scenario, {"sites.s.pue": 1.2})
    assert changed.demand["w"].result is scenario.demand["w"].result


def test_whole_units_switch_on_and_off_as_a_sweep_value():
    """10,500 tokens/s: 10.5 units with fractions ($18,312), 11 with whole units ($18,812): the
    switch swings the cost by half a unit's capital, $500."""
    scenario = Scenario.from_dict(scenario_dict(tokens_per_s=10_500.0))
    runs = design([Parameter.parse("integer_units=true,false")], "oat", scenario)
    assert runs["integer_units"].to_list() == [False, True]
    result = run_sweep(scenario, runs, workers=1)
    assert result.table.set_index("integer_units")["objective_usd"].to_dict() == pytest.approx(
        {False: 18_312.0, True: 18_812.0}
    )
    assert result.tornado().iloc[0].to_dict() == pytest.approx(
        {"parameter": "integer_units", "low_value": False, "high_value": True, "low_kpi": 18_312.0}
        | {"high_kpi": 18_812.0, "swing": 500.0}
    )
    grid = design([Parameter.parse("integer_units=True,False"), Parameter.parse("sites.s.pue=1,1.5")], "grid", scenario)
    assert list(zip(grid["integer_units"], grid["sites.s.pue"], strict=True)) == [
        (True, 1.0),
        (True, 1.5),
        (False, 1.0),
        (False, 1.5),
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("integer_units=1,0", "is a switch"),
        ("integer_units=x2", "is a switch"),
        ("integer_units=uniform(0,1)", "is a switch"),
        ("sites.s.pue=true,false", "true and false are for switches"),
    ],
)
def test_switches_take_true_and_false_and_numbers_take_numbers(base, spec, message):
    with pytest.raises(ScenarioError, match=message):
        design([Parameter.parse(spec)], "oat", base)


def test_a_one_at_a_time_sweep_around_a_base_without_a_plan_is_refused_before_its_runs(base, tmp_path):
    """The ten existing units draw 0.1 MW: at 0.05 MW the base itself is infeasible."""
    infeasible = with_values(base, {"sites.s.power_mw": 0.05})
    runs = design([Parameter.parse("sites.s.electricity_price_usd_per_mwh=x0.5,x2")], "oat", infeasible)
    with pytest.raises(ScenarioError) as caught:
        run_sweep(infeasible, runs, out=tmp_path / "out", workers=1)
    [problem] = caught.value.problems
    assert problem.path == "<base run>" and "has no plan (infeasible" in problem.message
    assert "planner explain" in problem.message
    assert read_runs(tmp_path / "out").empty  # nothing was run


@pytest.mark.parametrize(
    ("kind", "texts", "samples", "said"),
    [
        (
            "grid",
            [f"sites.s.pue=1..1.5:{10**5}", "sites.s.electricity_price_usd_per_mwh=1..2:10"],
            20,
            "1,000,000 runs",
        ),
        ("oat", [f"sites.s.pue=1..1.5:{10**5}"], 20, "100,001 runs"),
        ("lhs", ["sites.s.pue=uniform(1.1,1.2)"], 10**12, "1,000,000,000,000 runs; at most 100,000"),
        ("lhs", ["sites.s.pue=triangular(1,1,1)"], 20, "low bound must be below the high bound"),
        ("mc", ["sites.s.pue=triangular(1.1,1.4,1.3)"], 20, "mode (most likely value) must lie between"),
        ("lhs", ["sites.s.pue=uniform(1.3,1.1)"], 20, "low bound must be below the high bound"),
        ("lhs", ["sites.s.electricity_price_usd_per_mwh=lognormal(1000,1)"], 20, "its draws overflow"),
        ("lhs", ["sites.s.electricity_price_usd_per_mwh=lognormal(4,0)"], 20, "sigma"),
    ],
)
def test_designs_that_cannot_run_are_refused_before_anything_is_drawn(base, kind, texts, samples, said):
    with pytest.raises(ScenarioError, match=re.escape(said)):
        design([Parameter.parse(text) for text in texts], kind, base, samples=samples)


def test_a_range_of_too_many_values_is_refused_as_it_is_read():
    with pytest.raises(ValueError, match="take from 1 to 100,000 evenly spaced values, not 100,000,000,000"):
        Parameter.parse("a.b=0..1:100000000000")


def test_a_fleet_whose_name_holds_a_dot_is_varied_by_its_quoted_name(tmp_path):
    scenario = Scenario.from_dict(scenario_dict(fleets={"a.b": fleet(1e9, existing=[{"site": "s", "units": 10}])}))
    assert 'holds a dot, so quote it: fleets."a.b".capex_usd' in check_path(scenario, "fleets.a.b.capex_usd").message
    runs = design([Parameter.parse('fleets."a.b".max_power_kw=x2')], "oat", scenario)
    table = run_sweep(scenario, runs, out=tmp_path / "out", workers=1).table
    assert table["cost_energy_usd"].to_list() == pytest.approx([7_440.0, 14_880.0])
    assert read_runs(tmp_path / "out")['fleets."a.b".max_power_kw'].to_list() == [10.0, 20.0]


def test_a_dask_scheduler_that_never_answers_is_reported_in_bounded_time(base):
    """A port that is bound and listening but never accepts, and a closed one."""
    runs = design([Parameter.parse("sites.s.electricity_price_usd_per_mwh=50,150")], "grid", base)
    with socket.socket() as silent, socket.socket() as closed:
        silent.bind(("127.0.0.1", 0))
        silent.listen(0)
        closed.bind(("127.0.0.1", 0))
        ports = [silent.getsockname()[1], closed.getsockname()[1]]  # 'closed' is bound, never listens
        for port in ports:
            started = time.monotonic()
            with pytest.raises(ClusterError, match=rf"no Dask scheduler answered at tcp://127.0.0.1:{port} within 1 s"):
                run_sweep(base, runs, scheduler=f"tcp://127.0.0.1:{port}", connect_timeout_s=1)
            assert time.monotonic() - started < 15


def _kill(pids) -> None:
    for pid in pids:
        os.kill(pid, signal.SIGKILL)


def _kill_after_first(kill):
    """A progress callback that kills the sweep's workers (``kill()``) once its first run is in."""

    def progress(done: int, failed: int, total: int) -> None:
        if done == 1:
            kill()

    return progress


@pytest.mark.slow  # a Dask cluster of its own: several seconds; with the long tests
def test_runs_whose_dask_workers_were_lost_are_solved_again_on_resume(base, tmp_path):
    """Every worker killed once the first run is in: the runs they had are stored as lost (their
    scattered scenario went with them), and a resume on the restarted workers solves exactly those."""
    from distributed import Client, LocalCluster

    runs = design([Parameter.parse("sites.s.electricity_price_usd_per_mwh=50..250:6")], "grid", base)
    local = run_sweep(base, runs, workers=1).table
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=HTTP_ANY_PORT) as cluster,
        Client(cluster) as client,
    ):
        kill = _kill_after_first(lambda: _kill(client.run(os.getpid).values()))
        broken = run_sweep(base, runs, out=tmp_path / "sweep", scheduler=client, progress=kill).table
        lost = broken[broken["status"] == "lost"]
        assert len(lost) >= 1 and set(broken["status"]) <= {"optimal", "lost"}
        assert all(error.split(":")[0] in LOST_ERRORS for error in lost["error"])
        assert set(read_runs(tmp_path / "sweep")["status"]) == set(broken["status"])
        client.wait_for_workers(1)  # the nanny starts new workers
        resumed = run_sweep(base, runs, out=tmp_path / "sweep", resume=True, scheduler=client)
    assert set(resumed.table["status"]) == {"optimal"}
    assert f"{len(lost)} run(s) that did not finish" in resumed.notes[0]
    pd.testing.assert_series_equal(resumed.table["objective_usd"], local["objective_usd"])
    stored = read_runs(tmp_path / "sweep")
    assert sorted(stored["run"]) == sorted(runs["run"]) and set(stored["status"]) == {"optimal"}


def test_runs_whose_pool_workers_were_killed_are_stored_as_lost_and_solved_on_resume(base, tmp_path):
    runs = design([Parameter.parse("sites.s.electricity_price_usd_per_mwh=50..250:6")], "grid", base)
    kill = _kill_after_first(lambda: _kill(child.pid for child in multiprocessing.active_children()))
    broken = run_sweep(base, runs, out=tmp_path / "sweep", workers=2, progress=kill).table
    assert "lost" in set(broken["status"]) and set(broken["status"]) <= {"optimal", "lost"}
    assert all(e.startswith("BrokenProcessPool") for e in broken.loc[broken["status"] == "lost", "error"])
    resumed = run_sweep(base, runs, out=tmp_path / "sweep", resume=True, workers=1).table
    assert set(resumed["status"]) == {"optimal"} and len(read_runs(tmp_path / "sweep")) == len(runs)


def test_a_run_an_earlier_version_stored_as_failed_for_a_lost_worker_is_solved_again(base, tmp_path):
    """Stores written before lost runs had their own status hold them as errors named after the loss."""
    runs = design([Parameter.parse("sites.s.electricity_price_usd_per_mwh=50,150,250")], "grid", base)
    run_sweep(base, runs, out=tmp_path / "sweep", workers=1)
    path = tmp_path / "sweep" / "runs.csv"
    lines = path.read_text().splitlines()
    table = pd.read_csv(path, skiprows=1, dtype={"case": str, "error": str})
    table.loc[1, ["status", "error"]] = ["error", "FutureCancelledError: _evaluate_task-1 cancelled for reason: lost"]
    table.loc[2, ["status", "error"]] = ["lost", "KilledWorker: gone"]
    path.write_text(lines[0] + "\n" + table.to_csv(index=False))
    resumed = run_sweep(base, runs, out=tmp_path / "sweep", resume=True, workers=1)
    assert "2 run(s) that did not finish" in resumed.notes[0]
    assert read_runs(tmp_path / "sweep")["status"].to_list() == ["optimal"] * 3


@pytest.mark.parametrize("kind", ["oat", "grid"])
def test_a_missing_solver_stops_the_sweep_before_any_run_and_any_store(base, tmp_path, monkeypatch, kind):
    monkeypatch.setattr(importlib.import_module("planner.solvers.cbc"), "cbc_path", lambda: None)
    runs = design([Parameter.parse("sites.s.electricity_price_usd_per_mwh=50,150")], kind, base)
    with pytest.raises(SolverMissingError, match=r"the CBC solver was not found.*no run was solved"):
        run_sweep(base, runs, out=tmp_path / "sweep", workers=1, solver="cbc")
    assert not (tmp_path / "sweep").exists()


def test_a_worker_without_a_solver_leaves_its_run_unfinished(base, monkeypatch):
    from planner.store import unfinished
    from planner.sweep import evaluate

    monkeypatch.setattr(importlib.import_module("planner.solvers.cbc"), "cbc_path", lambda: None)
    row = evaluate(base, {}, solver="cbc")
    assert row["status"] == "no_solver" and "the CBC solver was not found" in row["error"] and unfinished(row)


def test_a_dask_cluster_without_a_solver_is_refused_before_any_run(base, monkeypatch):
    """Workers in this process (threads) see the solver missing as this process does."""
    from distributed import Client, LocalCluster

    monkeypatch.setattr(importlib.import_module("planner.solvers.cbc"), "cbc_path", lambda: None)
    runs = design([Parameter.parse("sites.s.electricity_price_usd_per_mwh=50,150")], "grid", base)
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=HTTP_ANY_PORT) as cluster,
        Client(cluster) as client,
        pytest.raises(SolverMissingError, match=r"the CBC solver was not found.*on every worker"),
    ):
        run_sweep(base, runs, scheduler=client, solver="cbc")
