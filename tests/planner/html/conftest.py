"""The folders the analyses write, shared by the report tests (made once per test session)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from tests.conftest import cloud_fleet, fleet, scenario_dict

RUNS = {
    "breakeven": ["breakeven", "--subject", "fleet:rent", "--vary", "fleets.rent.hourly_usd", "--range", "0.5..20"],
    "frontier": ["frontier", "--vary", "policy.max_vendor_share=1,0.8,0.6"],
    "alternatives": ["alternatives", "--slack", "0.05"],
    "robust": ["robust"],
    "stress": ["stress", "--lose", "vendor:acme", "--from", "2026-02"],
}
"""Each analysis, as a planner would run it on the small scenario below."""
CHARTS = {
    "breakeven": ["breakeven"],
    "frontier": ["frontier_cost", "frontier_mix"],
    "alternatives": ["near_optimal_ranges"],
    "robust": ["robust_costs"],
    "stress": ["stress_costs"],
}


def small_scenario() -> dict:
    """Three months of two owned fleets of two vendors and a cloud fleet."""
    fleets = {"a": fleet(), "b": fleet(capex_usd=14_000.0, vendor="other"), "rent": cloud_fleet(hourly_usd=3.0)}
    return scenario_dict([10_000.0, 12_000.0, 14_000.0], fleets=fleets)


@pytest.fixture(scope="session")
def analysis_folders(tmp_path_factory) -> dict[str, Path]:
    """Each analysis's --out folder, on :func:`small_scenario`."""
    root = tmp_path_factory.mktemp("analyses")
    scenario = root / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(small_scenario()), encoding="utf-8")
    runner, written = CliRunner(), {}
    for kind, args in RUNS.items():
        workers = ["--workers", "1"] if kind in ("breakeven", "frontier", "robust") else []
        run = runner.invoke(app, [*args, str(scenario), *workers, "--out", str(root / kind), "--json"])
        assert run.exit_code == 0, (kind, run.output, run.exception)
        written[kind] = root / kind
    return written
