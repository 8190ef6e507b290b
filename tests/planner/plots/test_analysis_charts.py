"""The analysis charts draw their tables' numbers: frontiers, break-evens, near-optimal ranges, robust plans."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from planner.plots.analyses import breakeven, frontier_cost, frontier_mix, near_optimal_ranges, robust_costs

POINTS = pd.DataFrame(
    {
        "policy.max_vendor_share": [1.0, 0.8, 0.6],
        "plan_cost_usd": [19.9e9, 20.1e9, 20.6e9],
        "share_NVIDIA": [0.7, 0.6, 0.5],
        "share_Cerebras": [0.3, 0.4, 0.5],
    }
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_the_cost_frontier_is_in_million_usd_with_its_breakpoints():
    ax = frontier_cost(POINTS, "policy.max_vendor_share", breakpoints=[0.7], unit="fraction")
    (cost, *marks) = ax.lines
    assert list(cost.get_ydata()) == pytest.approx([20_600, 20_100, 19_900])
    assert [m.get_xdata()[0] for m in marks] == [0.7]
    assert ax.get_ylabel() == "plan_cost_usd (million USD)"
    assert ax.get_xlabel() == "policy.max_vendor_share (fraction)"


def test_the_mix_along_a_frontier_stacks_to_all_tokens():
    ax = frontier_mix(POINTS, "policy.max_vendor_share", {"NVIDIA": "share_NVIDIA", "Cerebras": "share_Cerebras"})
    assert [a.get_label() for a in ax.collections] == ["NVIDIA", "Cerebras"]
    top = ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert top.max() == pytest.approx(100.0)
    assert "(%)" in ax.get_ylabel()


def test_a_break_even_marks_its_threshold_or_says_there_is_none():
    points = pd.DataFrame({"demand.total.rate": [0.5, 1.0, 2.0], "share": [0.0, 0.0, 0.4]})
    ax = breakeven(points, "demand.total.rate", "share", 1.4, bracket=(1.3, 1.5), subject="vendor:Cerebras")
    marks = [line for line in ax.lines if line.get_label().startswith("break-even")]
    assert [m.get_xdata()[0] for m in marks] == [1.4]
    assert list(ax.lines[0].get_ydata()) == pytest.approx([0.0, 0.0, 40.0])
    none = breakeven(points, "demand.total.rate", "share", None)
    assert "no break-even in the range searched" in [t.get_text() for t in none.texts]


def test_near_optimal_ranges_span_each_share_from_its_least_to_its_most():
    ranges = pd.DataFrame(
        {
            "subject": ["NVIDIA", "Cerebras"],
            "min_share": [0.3, 0.2],
            "max_share": [0.7, 0.6],
            "optimum_share": [0.5, 0.5],
        }
    )
    ax = near_optimal_ranges(ranges, slack=0.02)
    bars = ax.containers[0]
    assert [b.get_x() for b in bars] == pytest.approx([30.0, 20.0])
    assert [b.get_width() for b in bars] == pytest.approx([40.0, 40.0])
    assert "within 2% of the least cost" in ax.get_title(loc="left")


def test_robust_costs_put_each_single_case_plan_beside_the_robust_one():
    costs = pd.DataFrame(
        {
            "plan": ["robust"] * 3 + ["high"] * 3,
            "case": ["low", "base", "high"] * 2,
            "plan_cost_usd": [18e9, 20e9, 23e9, 22e9, 23e9, 22.5e9],
        }
    )
    ax = robust_costs(costs)
    assert [b.get_height() for b in ax.containers[0]] == pytest.approx([18_000, 20_000, 23_000])
    (high,) = ax.lines
    assert high.get_label() == "plan for high"
    assert np.asarray(high.get_ydata(), dtype=float) == pytest.approx([22_000, 23_000, 22_500])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["low", "base", "high"]
