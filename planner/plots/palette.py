"""Colours keyed by name, so that a fleet, vendor or workload has one colour in every chart of a plan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from planner.scenario import Scenario

# Matplotlib's qualitative "tab10" and "Dark2" colours, spelled out so that picking a colour needs
# no matplotlib (the HTML report's tables use them too).
TAB10 = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
DARK2 = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")
COMPONENT_COLOURS = {
    "capital": "#4c72b0",
    "fixed_opex": "#55a868",
    "energy": "#dd8452",
    "rental": "#8172b3",
    "kv_transfer": "#937860",
    "expansion": "#da8bc3",
    "adoption": "#8c8c8c",
    "take_or_pay": "#ccb974",
    "unserved_penalty": "#c44e52",
}
"""One colour per cost component (:data:`planner.tables.COMPONENTS`)."""


def keyed(names: Iterable[str], colours: tuple[str, ...] = TAB10) -> dict[str, str]:
    """A colour per name, in the order given, cycling through ``colours``.

    >>> keyed(["h100", "b200"])
    {'h100': '#1f77b4', 'b200': '#ff7f0e'}
    """
    unique = dict.fromkeys(str(n) for n in names)
    return {name: colours[i % len(colours)] for i, name in enumerate(unique)}


@dataclass(frozen=True)
class Palette:
    """The colours of one plan's charts: per fleet, vendor, category, workload and site."""

    fleet: dict[str, str]
    vendor: dict[str, str]
    category: dict[str, str]
    workload: dict[str, str]
    site: dict[str, str]

    @classmethod
    def of(cls, scenario: Scenario) -> Palette:
        """The palette of a scenario: names in the scenario's order, so the same scenario always
        gets the same colours."""
        fleets = scenario.fleets.values()
        return cls(
            fleet=keyed(scenario.fleets),
            vendor=keyed((str(f.vendor) for f in fleets), DARK2),
            category=keyed((str(f.category) for f in fleets), TAB10[::-1]),
            workload=keyed(scenario.workloads, DARK2),
            site=keyed(scenario.sites),
        )
