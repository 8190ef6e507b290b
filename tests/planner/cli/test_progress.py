"""Long solves show a spinner on a terminal's stderr; nothing of it reaches stdout or a pipe."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from planner import Scenario, solve
from planner.cli import app, progress
from planner.cli.progress import Spinner, working
from planner.solvers.highs import MIP_PROGRESS
from tests.conftest import cloud_fleet, fleet, scenario_dict


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


def whole_unit_scenario(integer_units: bool) -> Scenario:
    spec = scenario_dict(
        [10_500.0, 20_300.0, 30_700.0],
        fleets={"a": fleet(), "c": cloud_fleet(hourly_usd=20.0)},
        integer_units=integer_units,
        policy={"vendor_share_limits": {"acme": 0.8}},
    )
    return Scenario.from_dict(spec)


@pytest.mark.parametrize("integer_units", [True, False])
def test_a_whole_unit_solve_tells_its_gap_as_it_improves(integer_units):
    gaps: list[float] = []
    listening = MIP_PROGRESS.set(gaps.append)
    try:
        result = solve(whole_unit_scenario(integer_units))
    finally:
        MIP_PROGRESS.reset(listening)
    assert result.is_optimal
    if integer_units:
        assert gaps and gaps[-1] == pytest.approx(result.gap, abs=1e-12)
    else:
        assert gaps == []  # a linear program has no gap to tell


def test_the_spinner_listens_while_it_runs_and_shows_the_gap():
    errors, _ = terminal()
    with working("solving", errors=errors, delay_s=0.0) as spinner:
        spinner._timer.join()
        assert MIP_PROGRESS.get() == spinner.gap
        spinner.gap(float("inf"))
        assert "not yet known" in spinner.progress.tasks[0].description
        spinner.gap(0.0125)
        assert (
            spinner.progress.tasks[0].description == "solving: best plan so far within 1.25% of the best possible cost"
        )
    assert MIP_PROGRESS.get() is None


@pytest.mark.parametrize("quiet, shown", [([], True), (["--quiet"], False)])
def test_sweep_shows_its_bar_on_a_terminal_unless_quiet(quiet, shown):
    args = ["sweep", "--vary", "fleets.b200.capex_usd=x0.9,x1.1", "--workers", "1", *quiet]
    result = CliRunner().invoke(app, args, env={"FORCE_COLOR": "1"})
    assert result.exit_code == 0, result.exception
    assert ("sweep" in result.stderr) is shown


@pytest.fixture(scope="module")
def small_file(tmp_path_factory):
    fleets = {"a": fleet(), "b": fleet(capex_usd=14_000.0, vendor="other"), "rent": cloud_fleet(hourly_usd=3.0)}
    path = tmp_path_factory.mktemp("analysis") / "scenario.yaml"
    import yaml

    path.write_text(yaml.safe_dump(scenario_dict([10_000.0, 12_000.0], fleets=fleets)), encoding="utf-8")
    return path


@pytest.mark.parametrize("quiet, shown", [([], True), (["--quiet"], False)])
@pytest.mark.parametrize("command", ["breakeven", "frontier"])
def test_an_analysis_counts_its_solves_on_a_terminal_unless_quiet(small_file, command, quiet, shown):
    # A coarse grid and bracket: a few solves are enough to count (the searches are tested in
    # tests/planner/analyses and tests/planner/cli/test_analysis_commands.py).
    args = {
        "breakeven": [
            *["breakeven", "--subject", "fleet:rent", "--vary", "fleets.rent.hourly_usd", "--range", "0.5..20"],
            *["--grid", "3", "--tolerance", "0.5"],
        ],
        "frontier": ["frontier", "--vary", "policy.max_vendor_share=1,0.8", "--tolerance", "0.5"],
    }[command]
    result = CliRunner().invoke(
        app, [*args, str(small_file), "--workers", "1", "--json", *quiet], env={"FORCE_COLOR": "1"}
    )
    assert result.exit_code == 0, result.exception
    assert (f"{command}:" in result.stderr) is shown
    json.loads(result.stdout)  # the progress never reaches stdout


@pytest.mark.parametrize(
    "args",
    [["alternatives", "--slack", "0.05"], ["stress", "--lose", "vendor:acme", "--from", "2026-02"], ["robust"]],
)
def test_the_other_analyses_take_quiet_and_print_one_json_object(small_file, args):
    result = CliRunner().invoke(app, [*args, str(small_file), "--quiet", "--json"], env={"FORCE_COLOR": "1"})
    assert result.exit_code == 0, result.exception
    assert json.loads(result.stdout)
