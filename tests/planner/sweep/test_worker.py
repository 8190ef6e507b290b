"""A sweep's worker: each run validated once, its row, and its sessions."""

from __future__ import annotations

import pytest

from planner import Scenario, default_scenario_path
from planner.sweep import Worker
from tests.conftest import scenario_dict


def test_each_run_is_validated_once_and_the_base_not_again(monkeypatch):
    """One validation per run (the run's scenario, made by with_values), none when the model's
    data are prepared; a value the scenario rejects is still an invalid run."""
    worker = Worker(Scenario.from_dict(scenario_dict()))
    original = Scenario.model_validate
    validated = []

    def counted(cls, *args, **kwargs):
        validated.append(cls)
        return original(*args, **kwargs)

    monkeypatch.setattr(Scenario, "model_validate", classmethod(counted))
    rows = [worker.evaluate(values) for values in ({}, {"sites.s.pue": 1.5})]
    assert [row["status"] for row in rows] == ["optimal", "optimal"]
    assert len(validated) == 2
    bad = worker.evaluate({"sites.s.pue": 0.5})
    assert bad["status"] == "invalid" and "greater than or equal to 1" in bad["error"]


@pytest.fixture(scope="module")
def scenario():
    return Scenario.from_yaml(default_scenario_path())


def test_a_worker_keeps_a_session_per_structure_and_solves_runs_of_one_warm(scenario):
    """The base, a price (warm in the base's session), a PUE (a changed coefficient: a new
    session), the price at that PUE (warm in the second), then a quota (warm in the first)."""
    price, pue = "sites.west.electricity_price_usd_per_mwh", "sites.west.pue"
    worker = Worker(scenario)
    runs = [{}, {price: 120.0}, {pue: 1.25}, {price: 120.0, pue: 1.25}, {"fleets.trn2.quota_units": 150.0}]
    rows = [worker.evaluate(values) for values in runs]
    assert worker.sessions is not None
    assert (worker.sessions.started, worker.sessions.reused) == (2, 3)
    cold = Worker(scenario, warm=False)
    assert cold.sessions is None
    for values, row in zip(runs, rows, strict=True):
        again = cold.evaluate(values)
        assert row["status"] == again["status"] == "optimal"
        assert row["objective_usd"] == pytest.approx(again["objective_usd"], rel=1e-6)


def test_cbc_runs_are_solved_cold(scenario):
    assert Worker(scenario, "cbc").sessions is None
