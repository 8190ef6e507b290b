"""The report page is whole, self-contained, and says what the plan's summary says."""

from __future__ import annotations

import os
import re

import pytest

from planner import Scenario, solve
from planner.html import plan_page, read_folder, result_html, sweep_html, write_page
from planner.plots import PLAN_CHARTS
from planner.report import _usd
from planner.sweep import sweep
from tests.conftest import fleet, scenario_dict
from tests.planner.plots.plans import shared_plan, short_plan


def figures(page: str) -> list[str]:
    return re.findall(r'<figure class="chart" data-chart="(\w+)"><svg[^>]*width="[\d.]+pt" height="[\d.]+pt"', page)


def test_the_page_holds_every_chart_and_the_summary():
    plan = shared_plan()
    summary = plan.summary()
    page = plan_page(plan, summary)
    assert page.startswith("<!DOCTYPE html>")
    assert figures(page) == list(PLAN_CHARTS)
    assert _usd(summary["plan_cost_usd"]) in page
    assert "vendor_share acme (3 periods)" in page
    assert "@media print" in page


def test_the_page_fetches_nothing_and_runs_no_script():
    page = plan_page(shared_plan(), shared_plan().summary())
    assert "<script" not in page
    assert "<link" not in page
    assert "<img" not in page
    assert not re.search(r"url\(\s*['\"]?(?!#)", page)
    # Every reference is to an element of the page itself.
    assert {h[0] for h in re.findall(r'href="(.)', page)} <= {"#"}


def test_a_shortfall_is_shown_with_its_penalty_as_no_cost():
    plan = short_plan()
    page = plan_page(plan, plan.summary())
    assert 'class="short"' in page
    assert "not a cost" in page


def test_a_plan_read_back_from_its_folder_gives_the_same_page(tmp_path):
    plan = shared_plan()
    plan.to_dir(tmp_path / "plan")
    folder = read_folder(tmp_path / "plan")
    assert plan_page(folder, folder.summary) == plan_page(plan, plan.summary())


def test_a_solve_without_a_plan_gives_a_page_without_charts(tmp_path):
    # 100 units of 10 kW stand on a site of 0.5 MW: no plan can keep them.
    spec = scenario_dict(fleets={"a": fleet(existing=[{"site": "s", "units": 100}])}, sites={"s": {"power_mw": 0.5}})
    result = solve(Scenario.from_dict(spec))
    assert not result.has_plan
    result.to_dir(tmp_path / "none")
    folder = read_folder(tmp_path / "none")
    page = plan_page(folder, folder.summary)
    assert figures(page) == []
    assert result.status.value in page
    assert "nothing to chart" in page


def test_names_are_escaped():
    plan = shared_plan()
    page = plan_page(plan, {**plan.summary(), "scenario": "<b>mine</b>"})
    assert "<b>mine</b>" not in page
    assert "&lt;b&gt;mine&lt;/b&gt;" in page


def test_a_result_and_a_sweep_show_in_a_notebook():
    html = shared_plan()._repr_html_()
    assert html == result_html(shared_plan())
    assert figures(html) == ["in_service", "tokens_by_fleet", "costs"]
    runs = sweep(shared_plan().scenario, ["fleets.c.hourly_usd=x0.5,x2"], workers=1)
    shown = runs._repr_html_()
    assert shown == sweep_html(runs)
    assert "3 runs varying fleets.c.hourly_usd: 3 optimal" in shown
    assert figures(shown) == ["tornado"]


def test_the_page_is_written_whole_with_the_usual_mode(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    umask = os.umask(0o022)
    try:
        write_page(target, "<!DOCTYPE html>new")
    finally:
        os.umask(umask)
    assert target.read_text(encoding="utf-8") == "<!DOCTYPE html>new"
    assert target.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_failed_write_leaves_the_old_page(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="No space"):
        write_page(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
