"""`planner report` and `planner solve --report`: one HTML page, bad folders and targets refused (exit 2)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from planner.cli import app
from planner.html import plan_page, read_folder
from tests.planner.plots.plans import shared_plan

runner = CliRunner()


def small_scenario(tmp_path):
    """The three-month plan of the chart tests as a scenario file: quick to solve and to draw."""
    path = tmp_path / "small.yaml"
    path.write_text(shared_plan().scenario.to_yaml(), encoding="utf-8")
    return str(path)


def test_report_writes_the_page_of_a_written_plan(tmp_path):
    folder = tmp_path / "plan"
    assert runner.invoke(app, ["solve", small_scenario(tmp_path), "--out", str(folder), "--json"]).exit_code == 0
    result = runner.invoke(app, ["report", str(folder), "-o", str(tmp_path / "plan.html")])
    assert result.exit_code == 0, result.exception
    assert f"Report written to {tmp_path / 'plan.html'}" in result.stdout
    plan = read_folder(folder)
    assert (tmp_path / "plan.html").read_text(encoding="utf-8") == plan_page(plan, plan.summary)


def test_solve_report_writes_the_same_page_and_json_stays_one_object(tmp_path):
    folder, page = tmp_path / "plan", tmp_path / "page.html"
    result = runner.invoke(
        app, ["solve", small_scenario(tmp_path), "--out", str(folder), "--report", str(page), "--json"]
    )
    assert result.exit_code == 0, result.exception
    assert json.loads(result.stdout)["status"] == "optimal"
    assert runner.invoke(app, ["report", str(folder)]).exit_code == 0
    assert page.read_text(encoding="utf-8") == (folder / "report.html").read_text(encoding="utf-8")


def test_a_missing_folder_is_refused(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no such folder" in result.stderr


def test_a_folder_that_is_no_plan_is_refused_with_its_files_named(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path)], env={"COLUMNS": "400"})  # paths unwrapped
    assert result.exit_code == 2
    assert "2 problems" in result.stderr
    assert "summary.json" in result.stderr and "scenario.yaml" in result.stderr
    assert not (tmp_path / "report.html").exists()


def test_a_report_file_in_a_missing_folder_is_refused_before_solving(tmp_path):
    result = runner.invoke(app, ["solve", "--report", str(tmp_path / "no" / "page.html"), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--report" in result.stderr and "does not exist" in result.stderr


def test_a_report_file_that_is_a_folder_is_refused(tmp_path):
    result = runner.invoke(app, ["solve", "--report", str(tmp_path)])
    assert result.exit_code == 2
    assert "names a folder" in result.stderr
