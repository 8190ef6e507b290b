"""Checks made on a scenario's plain data (a parsed file or a dumped scenario), so that they run beside the field checks and report in the same pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fleets import (
    UnknownSystemError,
    get_system,
)
from planner.errors import (
    closest,
    unknown_name,
)
from planner.scenario.base import (
    AT_SITES,
)
from planner.scenario.fleet import unit_power_message
from planner.scenario.site import site_power_message
from planner.scenario.speculation import speculation_problems


def entry_problems(data: dict) -> Iterator[tuple[tuple, str, Any]]:
    """Checks of single entries that their validators make only once all their fields are valid,
    made on plain data, as ``(location, message, value)``.

    A site's cap in kW, a unit's power in W or MW, an unknown catalog system and speculative
    decoding a fleet cannot use are then reported in the same run as a wrong value beside them.
    """
    sites, fleets = data.get("sites"), data.get("fleets")
    for name, site in sites.items() if isinstance(sites, dict) else []:
        message = site_power_message(site.get("power_mw")) if isinstance(site, dict) else None
        if message:
            power = site["power_mw"]
            yield ("sites", name, "power_mw"), message, power if not isinstance(power, dict) else None
    for name, fleet in fleets.items() if isinstance(fleets, dict) else []:
        if not isinstance(fleet, dict):
            continue
        message = unit_power_message(fleet.get("max_power_kw"))
        if message:
            yield ("fleets", name, "max_power_kw"), message, fleet["max_power_kw"]
        system = fleet.get("system")
        if isinstance(system, str):
            try:
                get_system(system)
            except UnknownSystemError as exc:
                yield ("fleets", name, "system"), str(exc), system
        for field, message, value in speculation_problems(
            system, fleet.get("performance"), fleet.get("speculative_decoding")
        ):
            yield ("fleets", name, *field), message, value


def reference_problems(data: dict) -> Iterator[tuple[tuple, str, Any]]:
    """Names that point nowhere, as ``(location, message, value)``.

    Works on plain data (a parsed file, or a dumped scenario), tolerating sections that are
    missing or malformed, so it can run even when other fields failed validation.
    """

    def section(name: str) -> dict:
        value = data.get(name)
        return value if isinstance(value, dict) else {}

    def entries(mapping: dict):
        return ((name, entry) for name, entry in mapping.items() if isinstance(entry, dict))

    def fleet_list(site: Any) -> list[str] | None:
        listed = site.get("fleets") if isinstance(site, dict) else None
        ok = isinstance(listed, list) and listed and all(isinstance(name, str) for name in listed)
        return listed if ok else None

    workloads, demand, fleets, sites = section("workloads"), section("demand"), section("fleets"), section("sites")
    for name, workload in entries(workloads):
        key = workload.get("demand") or name
        if demand and isinstance(key, str) and key not in demand:
            if workload.get("demand"):
                close = closest(key, list(map(str, demand)))
                hint = f"; did you mean {close!r}?" if close else ";"
                yield (
                    ("workloads", name, "demand"),
                    f"no demand entry {key!r}{hint} known: {', '.join(map(str, demand))}",
                    key,
                )
            else:
                yield (
                    ("workloads", name, "demand"),
                    f"no demand entry {key!r} (a workload without 'demand' takes the entry of its own name); "
                    f"add 'demand:' naming one of: {', '.join(map(str, demand))}",
                    None,
                )
    placed = set()
    for site_name, site in entries(sites):
        listed = site.get("fleets")
        for i, fleet_name in enumerate(listed if isinstance(listed, list) else []):
            if not isinstance(fleet_name, str):
                continue  # reported as a wrong type by the field checks
            fleet = fleets.get(fleet_name)
            if fleet is None and fleets:
                yield (
                    ("sites", site_name, "fleets", i),
                    unknown_name("fleet", fleet_name, list(map(str, fleets))),
                    fleet_name,
                )
                # The fleet a misspelt name stands for is placed there, not also 'placed at no site'.
                placed.add(closest(fleet_name, list(map(str, fleets))))
            elif isinstance(fleet, dict) and fleet.get("procurement") in ("cloud", "reserved"):
                yield (
                    ("sites", site_name, "fleets", i),
                    "a cloud fleet is not placed at a site (on demand or reserved, it is rented in its region); remove it here",
                    fleet_name,
                )
            placed.add(fleet_name)
    # Where a site's list of fleets is itself wrong (reported by the field checks), which fleets
    # stand where is unknown: saying a fleet stands nowhere would blame the fleet for the list.
    sites_readable = ("sites" not in data or isinstance(data.get("sites"), dict)) and all(
        fleet_list(site) is not None for site in sites.values()
    )
    for fleet_name, fleet in entries(fleets):
        if sites_readable and fleet.get("procurement") in AT_SITES and fleet_name not in placed:
            yield (
                ("fleets", fleet_name),
                f"{fleet.get('procurement')} fleet placed at no site; add it to a site's 'fleets'",
                None,
            )
        existing = fleet.get("existing") if fleet.get("procurement") == "own" else None
        for i, entry in enumerate(existing if isinstance(existing, list) else []):
            site_name = entry.get("site") if isinstance(entry, dict) else None
            if site_name is None:
                continue
            site = sites.get(site_name) if isinstance(site_name, str) else None
            listed = fleet_list(site)
            if site is None:
                yield (
                    ("fleets", fleet_name, "existing", i, "site"),
                    unknown_name("site", site_name, list(map(str, sites))),
                    site_name,
                )
            elif listed is not None and fleet_name not in listed:
                yield (
                    ("fleets", fleet_name, "existing", i, "site"),
                    f"site {site_name!r} does not list this fleet in its 'fleets'; add it there",
                    site_name,
                )
    for name, contract in entries(section("contracts")):
        fleet_name = contract.get("fleet")
        if isinstance(fleet_name, str) and fleets and fleet_name not in fleets:
            yield ("contracts", name, "fleet"), unknown_name("fleet", fleet_name, list(map(str, fleets))), fleet_name
