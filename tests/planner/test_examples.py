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
def test_example_solves_and_serves_all_its_demand(name):
    """A shipped example is a plan a planner could defend: none is there to show a shortfall, so
    each serves every token (a penalty is a modelling weight, not a price anyone pays)."""
    result = solve(Scenario.from_yaml(example_path(name)))
    assert result.is_optimal, result.message
    check_invariants(result)
    summary = result.summary()
    assert summary["unserved_tokens"] <= 1e-6 * summary["demand_tokens"], summary["unserved"]
    assert summary["unserved"] == []
    assert summary["unserved_penalty_usd"] == pytest.approx(0.0, abs=1e-3 * summary["plan_cost_usd"])


def test_the_commitment_example_shows_what_its_document_says():
    """docs/examples.md: agents decode on wafer-scale, prefill partly on B200 (disaggregation
    chosen), the commitment and the vendor cap (for NVIDIA and for Cerebras) bind, and dropping the
    cap lowers the cost."""
    scenario = Scenario.from_yaml(example_path("wafer_scale_commitment"))
    result = solve(scenario)
    assert result.is_optimal
    allocation = result.allocation
    agents = allocation[allocation["workload"] == "agents"]
    assert set(agents[agents["phase"] == "decode"]["fleet"]) == {"cs3"}
    assert "b200" in set(agents[agents["phase"] == "prefill"]["fleet"])
    assert not result.transfers.empty
    binding = {(b["policy"], b["subject"]) for b in result.summary()["binding_policies"]}
    assert {
        ("contract", "wafer_scale_750mw"),
        ("vendor_share", "NVIDIA"),
        ("vendor_share", "Cerebras"),
        ("vendor_loss", "without NVIDIA"),
    } <= binding
    wafer = result.installed[result.installed["fleet"] == "cs3"].set_index("period")["units"]
    assert wafer["2028-12"] * 23.0 / 1000 >= 750 - 1e-6  # MW of IT power, the committed 750
    uncapped = scenario.model_copy(deep=True)
    uncapped.policy.max_vendor_share = None
    assert solve(uncapped).plan_cost_usd < result.plan_cost_usd


def test_the_default_plan_shows_what_the_documents_say():
    """docs/examples.md and docs/analyses.md: in the default plan coding agents decode only on
    wafer-scale systems, though a B200 server has a point at their 200 tokens/s per user, and the
    committed CS-3 lease serves most batch tokens (it is paid for whether it serves or not)."""
    result = solve(Scenario.from_yaml(example_path("default")))
    assert result.is_optimal
    points = result.operating_points
    agents_points = points[(points["workload"] == "coding_agents") & (points["phase"] == "decode")]
    assert "b200" in set(agents_points["fleet"])
    allocation = result.allocation
    decode = allocation[allocation["phase"] == "decode"]
    agents = decode[decode["workload"] == "coding_agents"]
    assert set(agents["fleet"]) <= {"cs3", "cs3_committed"}
    batch = decode[decode["workload"] == "batch"].groupby("fleet")["tokens"].sum()
    assert batch.get("cs3_committed", 0.0) >= 0.9 * batch.sum()
