"""The loader under random damage: any scenario is either valid or a ScenarioError, never a crash."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import Scenario, ScenarioError
from tests.conftest import cloud_fleet, fleet, scenario_dict

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _paths(node, prefix=()):
    """Every location in a nested scenario: its dict keys and list positions."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


BASE = scenario_dict(
    [1e4, 2e4], fleets={"a": fleet(existing=[{"site": "s", "units": 2}]), "c": cloud_fleet(quota_units=5)}
)
LOCATIONS = [p for p in _paths(BASE) if p]


DAMAGES = given(
    st.lists(
        st.tuples(st.sampled_from(LOCATIONS), st.sampled_from(["replace", "delete"]), JUNK), min_size=1, max_size=4
    )
)
"""One to four places of the scenario replaced by junk or deleted."""


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@DAMAGES
def test_damaged_scenarios_fail_only_with_a_scenario_error(damage):
    """A hundred damaged scenarios here, 300 under ``-m slow``."""
    _fails_only_with_a_scenario_error(damage)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@DAMAGES
def test_300_damaged_scenarios_fail_only_with_a_scenario_error(damage):
    _fails_only_with_a_scenario_error(damage)


def _fails_only_with_a_scenario_error(damage: list) -> None:
    data = copy.deepcopy(BASE)
    for location, action, junk in damage:
        *parents, last = location
        node = data
        try:
            for part in parents:
                node = node[part]
            if action == "delete" and isinstance(node, dict):
                node.pop(last, None)
            else:
                node[last] = junk
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed the place
    try:
        Scenario.from_dict(data)
    except ScenarioError as error:
        assert error.problems and all(p.message for p in error.problems)
