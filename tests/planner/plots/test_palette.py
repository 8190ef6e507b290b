"""Colours are keyed by name: stable for a scenario, distinct while the palette lasts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from planner.plots.palette import TAB10, Palette, keyed
from tests.planner.plots.plans import shared_plan


@given(st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=len(TAB10)))
def test_names_get_distinct_colours_in_order(names):
    colours = keyed(names)
    assert list(colours) == names
    assert len(set(colours.values())) == len(names)


def test_a_scenario_always_gets_the_same_palette():
    scenario = shared_plan().scenario
    assert Palette.of(scenario) == Palette.of(scenario.model_copy(deep=True))
    assert list(Palette.of(scenario).fleet) == list(scenario.fleets)
