"""A folder that is not a written plan is refused with every file at fault named."""

from __future__ import annotations

import pytest

from planner.html import FolderError, read_folder
from tests.planner.plots.plans import shared_plan


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(FolderError, match="no such folder"):
        read_folder(tmp_path / "nowhere")


def test_every_missing_or_broken_file_is_named_at_once(tmp_path):
    shared_plan().to_dir(tmp_path / "plan")
    (tmp_path / "plan" / "power.csv").unlink()
    (tmp_path / "plan" / "prices.csv").write_text("period,workload\n2026-01,w\n", encoding="utf-8")
    (tmp_path / "plan" / "costs.csv").write_text("", encoding="utf-8")
    with pytest.raises(FolderError) as caught:
        read_folder(tmp_path / "plan")
    said = {p.path.rsplit("/", 1)[-1]: p.message for p in caught.value.problems}
    assert said.keys() == {"power.csv", "prices.csv", "costs.csv"}
    assert said["power.csv"].startswith("missing")
    assert "marginal_usd_per_mtok" in said["prices.csv"]
    assert "empty" in said["costs.csv"]


def test_a_folder_without_summary_or_scenario_is_not_a_plan(tmp_path):
    (tmp_path / "summary.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(FolderError) as caught:
        read_folder(tmp_path)
    said = [(p.path.rsplit("/", 1)[-1], p.message) for p in caught.value.problems]
    assert [name for name, _ in said] == ["summary.json", "scenario.yaml"]
    assert "not a JSON object" in said[0][1]
