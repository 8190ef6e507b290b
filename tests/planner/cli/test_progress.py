"""Long solves show a spinner on a terminal's stderr; nothing of it reaches stdout or a pipe."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from planner.cli import app, progress
from planner.cli.progress import Spinner, working


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=80), out


def test_the_spinner_shows_once_its_delay_has_passed():
    errors, out = terminal()
    with working("solving", errors=errors, delay_s=0.0) as spinner:
        assert isinstance(spinner, Spinner)
        spinner._timer.join()  # the timer thread has started the display
    assert "solving" in out.getvalue()


def test_a_step_quicker_than_the_delay_shows_nothing():
    errors, out = terminal()
    with working("solving", errors=errors, delay_s=600.0) as spinner:
        pass
    spinner._timer.join()  # cancelled: it ends without starting the display
    assert out.getvalue() == ""


@pytest.mark.parametrize("quiet, is_terminal", [(True, True), (False, False)])
def test_quiet_or_no_terminal_runs_nothing_beside_the_step(quiet, is_terminal):
    errors = Console(file=io.StringIO(), force_terminal=is_terminal)
    with working("solving", quiet=quiet, errors=errors, delay_s=0.0) as shown:
        assert shown is None


@pytest.mark.parametrize("terminal_env", [{}, {"FORCE_COLOR": "1"}])
@pytest.mark.parametrize("quiet", [[], ["--quiet"]])
def test_solve_json_stdout_is_one_object_with_or_without_a_terminal(monkeypatch, terminal_env, quiet):
    monkeypatch.setattr(progress, "SHOWN_AFTER_S", 0.0)
    result = CliRunner().invoke(app, ["solve", "--json", *quiet], env=terminal_env)
    assert result.exit_code == 0, result.exception
    assert json.loads(result.stdout)["status"] == "optimal"
    if quiet or not terminal_env:
        assert "solving" not in result.stderr
