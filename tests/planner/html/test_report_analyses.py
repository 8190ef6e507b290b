"""``planner report`` on the folder of each analysis: its summary, its charts drawn from the tables
it wrote, and its tables, on one page that needs nothing from the network."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.html import analysis_kind
from tests.planner.html.conftest import CHARTS, RUNS


@pytest.mark.parametrize("kind", list(RUNS))
def test_each_analysis_folder_is_told_apart(analysis_folders, kind):
    assert analysis_kind(analysis_folders[kind]) == kind


@pytest.mark.parametrize("kind", list(RUNS))
def test_the_report_of_each_analysis_draws_its_charts_from_its_tables(analysis_folders, kind, tmp_path):
    target = tmp_path / f"{kind}.html"
    run = CliRunner().invoke(app, ["report", str(analysis_folders[kind]), "-o", str(target)])
    assert run.exit_code == 0, run.exception
    page = target.read_text(encoding="utf-8")
    assert re.findall(r'data-chart="([a-z_]+)"', page) == CHARTS[kind]
    assert page.count("<svg") == len(CHARTS[kind])
    for table in analysis_folders[kind].glob("*.csv"):
        assert f"<caption>{table.name}" in page
    # Self-contained: no script, nothing fetched.
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)


def test_the_break_even_chart_marks_the_threshold_it_found(analysis_folders, tmp_path):
    import json

    summary = json.loads((analysis_folders["breakeven"] / "summary.json").read_text(encoding="utf-8"))
    assert summary["found"]
    target = tmp_path / "breakeven.html"
    assert CliRunner().invoke(app, ["report", str(analysis_folders["breakeven"]), "-o", str(target)]).exit_code == 0
    assert f"break-even {summary['threshold']:,.4g}" in target.read_text(encoding="utf-8")


def test_a_folder_of_no_plan_and_no_analysis_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here", encoding="utf-8")
    run = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert run.exit_code == 2, run.exception
    assert analysis_kind(tmp_path) is None


def test_an_unreadable_table_is_named(analysis_folders, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(analysis_folders["alternatives"], broken)
    (broken / "ranges.csv").write_bytes(b"\xff\xfe\x00garbage")
    run = CliRunner().invoke(app, ["report", str(broken)])
    assert run.exit_code == 2, run.exception
    assert "ranges.csv" in run.output
