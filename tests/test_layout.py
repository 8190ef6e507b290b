"""The design card's one-way dependencies: `demand` and `fleets` know nothing of `planner`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["demand", "fleets"])
def test_lower_packages_do_not_import_the_planner(package):
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / package).rglob("*.py") if "planner" in _imported_packages(p)]
    assert offenders == []


def test_demand_and_fleets_are_independent_of_each_other():
    assert not any("fleets" in _imported_packages(p) for p in (ROOT / "demand").rglob("*.py"))
    assert not any("demand" in _imported_packages(p) for p in (ROOT / "fleets").rglob("*.py"))
