"""``planner verify DIR``: exit 0 for a sound plan, 1 with the table of findings for anything else."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from planner.cli import app
from tests.planner.test_verify import UNREADABLE, _small_result, _summary

ENV = {"COLUMNS": "200", "FORCE_COLOR": None, "TTY_COMPATIBLE": None}


@pytest.fixture
def small(tmp_path):
    return _small_result().to_dir(tmp_path / "plan")


def test_a_sound_plan_exits_0(small):
    result = CliRunner(env=ENV).invoke(app, ["verify", str(small)])
    assert result.exit_code == 0 and "FAILED" not in result.stdout


@pytest.mark.parametrize("probe", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_folder_that_cannot_be_read_exits_1_with_the_finding(small, probe):
    tamper, fragment = probe
    tamper(small)
    result = CliRunner(env=ENV).invoke(app, ["verify", str(small)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "FAILED" in result.stdout and fragment in result.stdout


def test_a_folder_without_a_plan_exits_1_saying_how_the_solve_ended(small):
    _summary(small, lambda s: s.update(status="infeasible"))
    result = CliRunner(env=ENV).invoke(app, ["verify", str(small)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "no plan to verify: the solve ended infeasible" in result.stdout


def test_a_folder_that_does_not_exist_is_bad_input(tmp_path):
    result = CliRunner(env=ENV).invoke(app, ["verify", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "no such folder" in result.stderr
