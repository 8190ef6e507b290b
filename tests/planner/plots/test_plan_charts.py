"""The plan charts show the plan's numbers, with units on the axes and one colour per name."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from planner.plots import PLAN_CHARTS, Palette
from tests.planner.plots.plans import ACME_LIMIT, RATES, shared_plan, short_plan

MONTH_SECONDS = np.array([31, 28, 31]) * 86_400
UNITS = {
    "build_out": "units",
    "in_service": "units",
    "tokens_by_fleet": "trillions per period",
    "tokens_by_workload": "trillions per period",
    "power": "MW",
    "costs": "million USD",
    "prices": "USD per million tokens",
    "vendor_shares": "(%)",
    "category_shares": "(%)",
    "unserved": "trillions per period",
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_every_chart_has_a_title_and_units_on_its_axes():
    assert set(UNITS) == set(PLAN_CHARTS)
    for name in PLAN_CHARTS:
        ax = getattr(shared_plan().plot, name)()
        assert UNITS[name] in ax.get_ylabel(), name
        assert ax.get_xlabel() == "period", name
        assert ax.get_title(loc="left"), name
        assert [t.get_text() for t in ax.get_xticklabels()] == ["2026-01", "2026-02", "2026-03"], name


def test_a_chart_draws_on_the_axes_given():
    _, given = plt.subplots()
    assert shared_plan().plot.power(given) is given


def test_stacked_tokens_add_up_to_the_demand_served():
    """Every token asked for is served: the stack's top is the rate times the month's seconds."""
    ax = shared_plan().plot.tokens_by_fleet()
    areas = ax.collections
    assert [a.get_label() for a in areas] == ["a", "c"]
    top = np.max(areas[-1].get_paths()[0].vertices[:, 1].reshape(-1))
    assert top == pytest.approx(RATES[-1] * MONTH_SECONDS[-1] / 1e12)
    # The owned fleet serves at most its vendor's 80% of the tokens of each month.
    lower = areas[0].get_paths()[0].vertices
    at_months = [lower[lower[:, 0] == x, 1].max() for x in range(3)]
    assert at_months == pytest.approx(ACME_LIMIT * np.array(RATES) * MONTH_SECONDS / 1e12)


def test_in_service_has_one_area_per_fleet_with_units():
    ax = shared_plan().plot.in_service()
    labels = [a.get_label() for a in ax.collections]
    assert labels == ["a", "c"]
    # 10,000 tokens/s in January: 10 units of 1,000 tokens/s, 8 owned (80%) and 2 rented.
    top = ax.collections[-1].get_paths()[0].vertices
    assert top[top[:, 0] == 0, 1].max() == pytest.approx(10.0)


def test_build_out_bars_are_the_units_bought():
    ax = shared_plan().plot.build_out()
    (bars,) = ax.containers
    assert bars.get_label() == "a"
    assert [b.get_height() for b in bars] == pytest.approx([8.0, 8.0, 8.0])


def test_fleets_and_vendors_keep_their_colours_across_charts():
    plan = shared_plan()
    palette = Palette.of(plan.scenario)
    assert len(set(palette.fleet.values())) == len(palette.fleet)
    seen: dict[str, set[str]] = {"a": set(), "c": set()}
    for name in ("in_service", "tokens_by_fleet"):
        for area in getattr(plan.plot, name)().collections:
            seen[area.get_label()].add(to_hex(area.get_facecolor()[0]))
    for bar in plan.plot.build_out().containers:
        seen[bar.get_label()].update(to_hex(patch.get_facecolor()) for patch in bar)
    assert seen == {fleet: {palette.fleet[fleet]} for fleet in seen}
    vendors = {line.get_label(): to_hex(line.get_color()) for line in plan.plot.vendor_shares().lines}
    assert vendors == {
        "acme": palette.vendor["acme"],
        "skyco": palette.vendor["skyco"],
        "acme limit": palette.vendor["acme"],
    }


def test_vendor_shares_meet_their_limit():
    lines = {line.get_label(): line for line in shared_plan().plot.vendor_shares().lines}
    assert lines["acme"].get_ydata() == pytest.approx([80.0, 80.0, 80.0])
    assert lines["skyco"].get_ydata() == pytest.approx([20.0, 20.0, 20.0])
    assert set(np.asarray(lines["acme limit"].get_ydata(), dtype=float)) == {ACME_LIMIT * 100}


def test_power_shows_the_reserved_megawatts_against_the_cap():
    lines = {line.get_label(): np.asarray(line.get_ydata(), dtype=float) for line in shared_plan().plot.power().lines}
    # 8, 16 and 24 owned units of 10 kW at PUE 1; the site's cap is 1,000 MW.
    assert lines["s reserved"] == pytest.approx([0.08, 0.16, 0.24])
    assert set(lines["s cap"]) == {1000.0}


def test_costs_stack_the_components_paid():
    plan = shared_plan()
    ax = plan.plot.costs()
    labels = [c.get_label() for c in ax.containers]
    assert "unserved_penalty" not in labels
    tops = np.sum([[b.get_height() for b in c] for c in ax.containers], axis=0)
    paid = plan.costs[plan.costs["component"] != "unserved_penalty"].groupby("period", sort=False)["usd"].sum()
    assert tops == pytest.approx(paid.to_numpy() / 1e6)


def test_unserved_bars_are_the_shortfall():
    ax = short_plan().plot.unserved()
    (bars,) = ax.containers
    expected = np.array([0.0, 10_000.0, 20_000.0]) * MONTH_SECONDS / 1e12
    assert [b.get_height() for b in bars] == pytest.approx(expected)


def test_a_plan_serving_everything_says_so_on_the_unserved_chart():
    ax = shared_plan().plot.unserved()
    assert "all demand served" in [t.get_text() for t in ax.texts]


def test_prices_have_one_line_per_workload():
    ax = shared_plan().plot.prices()
    assert [line.get_label() for line in ax.lines] == ["w"]
    assert np.all(np.asarray(ax.lines[0].get_ydata(), dtype=float) > 0)
