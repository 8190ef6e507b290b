"""``planner fleets list``, ``show`` and ``compare`` through the CLI runner, on the shipped catalog."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fleets import load_catalog
from planner.cli import app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "250"})


def test_list_shows_every_catalog_system(runner):
    result = runner.invoke(app, ["fleets", "list"])
    assert result.exit_code == 0, result.output
    for name in load_catalog():
        assert name in result.stdout


def test_show_lists_every_figure_with_its_source_and_the_operating_points(runner):
    result = runner.invoke(app, ["fleets", "show", "dgx-h100", "--model", "llama-3.1-70b"])
    assert result.exit_code == 0, result.output
    system = load_catalog()["dgx-h100"]
    for name, figure in system.figures():
        assert name in result.stdout
        assert figure.confidence in result.stdout
    assert "Operating points for llama-3.1-70b" in result.stdout
    assert "estimated" in result.stdout


def test_show_of_an_unknown_system_suggests_a_name(runner):
    result = runner.invoke(app, ["fleets", "show", "dgx-h10"])
    assert result.exit_code == 2
    assert "unknown system 'dgx-h10': did you mean 'dgx-h100'" in result.stderr


def test_compare_lists_systems_meeting_a_tight_slo_and_explains_the_others(runner):
    result = runner.invoke(
        app, ["fleets", "compare", "--model", "llama-3.1-70b", "--slo-tps", "300", "--slo-ttft-ms", "500"]
    )
    assert result.exit_code == 0, result.output
    meeting = [line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│")]
    explained = [
        line.split(":")[0]
        for line in result.stdout.splitlines()
        if "no operating point meets the SLO" in line or "needs" in line
    ]
    assert "cs-3" in meeting  # wafer-scale serves hundreds of tokens/s per user
    assert "dgx-h100" in explained
    assert set(meeting) | set(explained) == set(load_catalog())


def test_an_unknown_model_exits_2(runner):
    result = runner.invoke(app, ["fleets", "compare", "--model", "llama-4"])
    assert result.exit_code == 2
    assert "unknown model" in result.stderr


def test_compare_with_a_target_no_system_meets_says_so_and_why(runner):
    result = runner.invoke(app, ["fleets", "compare", "--slo-tps", "100000"])
    # Exit 1 by the command's own choice, not an exception escaping it (which also exits 1).
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "No catalog system serves llama-3.1-70b at >= 100000 tokens/s per user" in result.stderr
    # One reason per catalog system, and no table of systems on stdout.
    for name in load_catalog():
        assert f"  {name}: " in result.stderr
    assert result.stdout == ""
