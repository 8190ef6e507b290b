"""Every shipped example scenario validates and solves to optimality."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner import Scenario, example_path, examples, solve
from tests.planner.test_result import check_invariants

ROOT_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_top_level_examples_folder_is_the_shipped_one():
    assert {p.stem for p in ROOT_EXAMPLES.glob("*.yaml")} == set(examples())
    assert "default" in examples()


@pytest.mark.parametrize("name", examples())
def test_example_solves(name):
    result = solve(Scenario.from_yaml(example_path(name)))
    assert result.is_optimal, result.message
    check_invariants(result)
