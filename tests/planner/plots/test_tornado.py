"""The tornado chart draws each parameter's swing of the KPI around the base run."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from planner.plots.sweep import kpi_unit
from planner.sweep import sweep
from tests.planner.plots.plans import shared_plan


def test_tornado_bars_reach_each_end_of_the_swing():
    result = sweep(shared_plan().scenario, ["fleets.c.hourly_usd=x0.5,x2", "fleets.a.capex_usd=x0.5,x2"], workers=1)
    frame = result.tornado()
    ax = result.plot.tornado()
    low, high = ax.containers
    base = frame.attrs["base"] / 1e6
    assert [b.get_x() for b in (*low, *high)] == pytest.approx([base] * 4)
    assert [b.get_width() for b in low] == pytest.approx(list(frame["low_kpi"] / 1e6 - base))
    assert [b.get_width() for b in high] == pytest.approx(list(frame["high_kpi"] / 1e6 - base))
    ticks = dict(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()), strict=True))
    # Largest swing on top: the highest tick is the first row of the tornado table.
    assert ticks[max(ticks)].startswith(frame["parameter"].iloc[0])
    assert "million USD" in ax.get_xlabel()
    plt.close("all")


@pytest.mark.parametrize(
    "kpi, unit", [("plan_cost_usd", "million USD"), ("unserved_tokens", "trillion tokens"), ("gap", "gap")]
)
def test_kpis_are_shown_in_the_unit_their_name_says(kpi, unit):
    assert kpi_unit(kpi)[1] == unit
