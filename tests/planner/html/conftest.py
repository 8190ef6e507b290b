"""The analyses of one small scenario, as results and as the folders they write, shared by the
report tests (made once per test session)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import cloud_fleet, fleet, scenario_dict

CHARTS = {
    "breakeven": ["breakeven"],
    "frontier": ["frontier_cost", "frontier_mix"],
    "alternatives": ["near_optimal_ranges"],
    "robust": ["robust_costs"],
    "stress": ["stress_costs"],
}
"""The charts of each analysis."""


def small_scenario() -> dict:
    """Three months of two owned fleets of two vendors and a cloud fleet."""
    fleets = {"a": fleet(), "b": fleet(capex_usd=14_000.0, vendor="other"), "rent": cloud_fleet(hourly_usd=3.0)}
    return scenario_dict([10_000.0, 12_000.0, 14_000.0], fleets=fleets)


@pytest.fixture(scope="session")
def analysis_results() -> dict[str, Any]:
    """Each analysis, as a planner would run it from Python on :func:`small_scenario`."""
    import planner
    from planner import Scenario
    from planner.analyses.subject import Subject

    scenario = Scenario.from_dict(small_scenario())
    return {
        "breakeven": planner.breakeven(scenario, "fleet:rent", "fleets.rent.hourly_usd", range=(0.5, 20.0), workers=1),
        "frontier": planner.frontier(scenario, "policy.max_vendor_share", [1.0, 0.8, 0.6], workers=1),
        "alternatives": planner.alternatives(scenario, 0.05),
        "robust": planner.robust(scenario),
        "stress": planner.stress(scenario, Subject("vendor", "acme"), "2026-02"),
    }


@pytest.fixture(scope="session")
def analysis_folders(analysis_results, tmp_path_factory) -> dict[str, Path]:
    """Each analysis's folder, as its command's ``--out`` writes it (``write_files``)."""
    root = tmp_path_factory.mktemp("analyses")
    for kind, result in analysis_results.items():
        (root / kind).mkdir()
        result.write_files(root / kind)
    return {kind: root / kind for kind in analysis_results}
