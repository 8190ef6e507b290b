"""``planner report`` on the folder of each analysis: its summary, its charts drawn from the tables
it wrote, and its tables, on one page that needs nothing from the network."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.html import analysis_kind
from tests.planner.html.conftest import CHARTS


@pytest.mark.parametrize("kind", list(CHARTS))
def test_each_analysis_folder_is_told_apart(analysis_folders, kind):
    assert analysis_kind(analysis_folders[kind]) == kind


@pytest.mark.parametrize("kind", list(CHARTS))
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


@pytest.mark.parametrize("kind", list(CHARTS))
def test_each_analysis_result_draws_its_charts_in_a_notebook(analysis_results, kind):
    import matplotlib.pyplot as plt

    result = analysis_results[kind]
    assert result.plot.names() == CHARTS[kind]
    for name in CHARTS[kind]:
        ax = getattr(result.plot, name)()
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title(loc="left"), name
        assert ax.lines or ax.patches or ax.collections, name
        plt.close(ax.figure)
    shown = result._repr_html_()
    assert shown.count("<svg") == len(CHARTS[kind])
    with pytest.raises(AttributeError, match="this analysis draws"):
        result.plot.tornado  # noqa: B018


def test_a_result_draws_what_its_folder_read_back_draws(analysis_results, analysis_folders):
    # The frontier's cost chart from the result and from the folder: the same points, the same breakpoints.
    import matplotlib.pyplot as plt

    from planner.html.analysis import _read
    from planner.plots.views import drawings

    from_result = analysis_results["frontier"].plot.frontier_cost()
    summary, tables = _read(analysis_folders["frontier"], "frontier")
    _, from_folder = plt.subplots()
    dict(drawings("frontier", summary, tables))["frontier_cost"](from_folder)
    for a, b in zip(from_result.lines, from_folder.lines, strict=True):
        assert a.get_xydata().ravel().tolist() == pytest.approx(b.get_xydata().ravel().tolist())
    plt.close("all")
