"""Terminal reports: the plan's cost is the headline and a shortfall is shown, in red, beside it."""

from __future__ import annotations

from rich.console import Console

from planner import Scenario, default_scenario_path, solve
from planner.report import result_report
from tests.planner.test_result import half_served_scenario

BOLD_RED = "\x1b[1;31m"


def _render(result) -> list[str]:
    console = Console(width=200, force_terminal=True, color_system="standard", record=True)
    console.print(result_report(result))
    return console.export_text(styles=True).splitlines()


def _line(lines: list[str], label: str) -> str:
    found = [line for line in lines if label in line]
    assert len(found) == 1, (label, lines)
    return found[0]


def test_a_shortfall_is_shown_in_red_with_the_workloads_and_periods_and_the_penalty_labelled():
    """Half of 2 tokens/s in January (2.68M tokens) is unserved; the plan pays $744 of rental, and
    the $2,678.40 penalty is named as the objective's weight, not as a cost."""
    lines = _render(solve(half_served_scenario()))
    assert "$744.00" in _line(lines, "Plan cost (present value)")
    unserved = _line(lines, "Unserved demand")
    assert BOLD_RED in unserved
    assert "2.68M tokens (50.00% of demand) in w 2026-01" in unserved
    penalty = _line(lines, "Unserved penalty")
    assert "$2.68k" in penalty and "not a cost" in penalty
    assert "$744.00" in _line(lines, "plan cost ")
    assert not [line for line in lines if "unserved_penalty" in line], "the penalty is not a cost component"


def test_a_plan_that_serves_everything_shows_no_penalty_and_a_green_shortfall():
    lines = _render(solve(Scenario.from_yaml(default_scenario_path())))
    unserved = _line(lines, "Unserved demand")
    assert "0 tokens (0.00% of demand)" in unserved and BOLD_RED not in unserved
    assert not [line for line in lines if "Unserved penalty" in line]
