"""Warm re-solves: what a run changes in a kept session, and what that saves."""

from __future__ import annotations

import numpy as np
import pytest

from planner import Scenario, default_scenario_path
from planner.build import build
from planner.data import ModelData
from planner.lp import LinearProgram
from planner.overrides import with_values
from planner.solvers import solve_lp
from planner.status import Status
from planner.sweep.warm import WarmSessions, changes, warm_and_cold


def _lp(coefs=(1.0, 1.0), cols=(0, 1), cost=(2.0, 3.0), upper=(9.0, 9.0), row_lower=4.0, integer=None):
    """x0 + x1 >= 4 (by default) at costs 2 and 3, both at most 9."""
    return LinearProgram.from_triplets(
        rows=np.zeros(len(cols), dtype=int),
        cols=np.array(cols),
        coefs=np.array(coefs),
        cost=np.array(cost),
        lower=np.zeros(2),
        upper=np.array(upper),
        row_lower=np.array([row_lower]),
        row_upper=np.array([np.inf]),
        integer=integer,
    )


def test_only_costs_and_bounds_that_differ_are_changes():
    found = changes(_lp(), _lp(cost=(2.0, 5.0), upper=(9.0, 1.0), row_lower=6.0))
    assert found is not None
    assert (found.cost.tolist(), found.bounds.tolist(), found.row_bounds.tolist()) == ([1], [1], [0])
    same = changes(_lp(), _lp())
    assert same is not None
    assert (len(same.cost), len(same.bounds), len(same.row_bounds), len(same.coefficients)) == (0, 0, 0, 0)


def test_a_changed_coefficient_of_the_same_pattern_is_a_change():
    found = changes(_lp(), _lp(coefs=(1.0, 2.0)))
    assert found is not None and found.coefficients.tolist() == [1]


@pytest.mark.parametrize(
    "other",
    [
        _lp(coefs=(1.0,), cols=(0,)),  # another sparsity pattern
        _lp(integer=np.array([True, False])),  # a whole-unit column
    ],
)
def test_another_structure_is_no_change(other):
    assert changes(_lp(), other) is None


@pytest.fixture(scope="module")
def scenario():
    return Scenario.from_yaml(default_scenario_path())


def _model(scenario, values):
    return build(ModelData.from_scenario(with_values(scenario, values)))


@pytest.mark.parametrize(
    "values",
    [
        {"sites.west.electricity_price_usd_per_mwh": 120.0},  # a cost: the energy bill of every fleet at west
        {"fleets.p5.quota_units": 100.0},  # a limit: 100 instances instead of 2,000, a row bound
        {"sites.west.pue": 1.25},  # a coefficient: the power rows of every fleet at west
    ],
)
def test_a_changed_cost_or_limit_is_solved_again_warm_in_fewer_iterations_to_the_same_optimum(scenario, values):
    sessions = WarmSessions()
    first = sessions.session_for(_model(scenario, {}).lp).solve()
    changed = _model(scenario, values).lp
    warm = sessions.session_for(changed).solve()
    cold = solve_lp(changed, "highs")
    assert (sessions.started, sessions.reused) == (1, 1)
    assert warm.status is cold.status is Status.OPTIMAL
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    assert warm.objective != pytest.approx(first.objective, rel=1e-9)  # the change moved the optimum
    assert warm.iterations is not None and cold.iterations is not None
    assert warm.iterations < cold.iterations


def test_the_benchmark_figures_of_one_run_say_whether_it_was_solved_warm(scenario):
    quota = warm_and_cold(scenario, {"fleets.p5.quota_units": 100.0})
    assert quota["warm"] and quota["warm_iterations"] < quota["cold_iterations"]
    assert quota["warm_objective"] == pytest.approx(quota["cold_objective"], rel=1e-9)
    pue = warm_and_cold(scenario, {"sites.west.pue": 1.25})  # a coefficient, changed in place
    assert pue["warm"] and pue["warm_iterations"] < pue["cold_iterations"]
    assert pue["warm_objective"] == pytest.approx(pue["cold_objective"], rel=1e-9)
    shares = warm_and_cold(scenario, {"policy.max_vendor_share": 0.9})  # rows of its own: no warm session to use
    assert not shares["warm"] and shares["warm_iterations"] == shares["cold_iterations"]
