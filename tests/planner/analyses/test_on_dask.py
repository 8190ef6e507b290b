"""Alternatives, stress tests and robust plans solved on a Dask cluster: the answers of a local solve."""

from __future__ import annotations

import pytest

from planner import Scenario
from planner.analyses.alternatives import alternatives
from planner.analyses.robust import robust
from planner.analyses.robust_cases import Case, scaled
from planner.analyses.stress import stress
from planner.analyses.subject import Subject
from planner.data import ModelData
from tests.conftest import cloud_fleet, fleet, scenario_dict

HTTP_ANY_PORT = ":0"  # no fixed port: the dashboard takes a free one

pytestmark = pytest.mark.slow  # a Dask cluster of its own: several seconds; with the long tests (CI runs them)


@pytest.fixture(scope="module")
def client():
    """A cluster in this process (two worker threads): quick to start, and it runs the same tasks."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=HTTP_ANY_PORT) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


def test_alternatives_on_dask_are_the_local_ones(client):
    scenario = Scenario.from_dict(scenario_dict(fleets={"a": fleet(), "b": fleet(13_200.0, vendor="other")}))
    here, there = (alternatives(scenario, 0.03, scheduler=s) for s in (None, client))
    assert there.ranges.drop(columns="subject").to_numpy() == pytest.approx(
        here.ranges.drop(columns="subject").to_numpy()
    )
    assert there.ranges["max_share"].max() > there.ranges["min_share"].min()  # the slack moves a share


def test_a_stress_test_on_dask_is_the_local_one(client):
    scenario = Scenario.from_dict(scenario_dict([10_000.0, 10_000.0], fleets={"a": fleet(), "rent": cloud_fleet(5.0)}))
    here, there = (stress(scenario, Subject("fleet", "a"), "2026-02", scheduler=s) for s in (None, client))
    columns = ["planned_cost_usd", "stressed_cost_usd", "stressed_unserved_tokens"]
    assert there.plans[columns].to_numpy() == pytest.approx(here.plans[columns].to_numpy())
    assert (there.plans["stressed_cost_usd"] > there.plans["planned_cost_usd"]).any()  # the loss costs something


def test_a_robust_plan_on_dask_is_the_local_one(client):
    """The hand-solved two cases of tests/planner/analyses/test_robust.py: VSS $991.2, EVPI $3,696."""
    scenario = Scenario.from_dict(scenario_dict([10_000.0], fleets={"a": fleet(12_000.0), "c": cloud_fleet(4.0)}))
    base = ModelData.from_scenario(scenario)
    cases = [Case("low", 0.7, "as given", base), Case("high", 0.3, "doubled", scaled(base, 2.0))]
    there = robust(scenario, cases, scheduler=client)
    assert there.vss_usd == pytest.approx(991.2) and there.evpi_usd == pytest.approx(3_696.0)
    here = robust(scenario, cases)
    assert there.plans["risk_usd"].to_numpy() == pytest.approx(here.plans["risk_usd"].to_numpy())
