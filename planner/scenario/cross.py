"""Checks of a scenario's sections against each other (made once every field is valid), as
``(location, message, value)``: what :meth:`planner.scenario.Scenario` reports beside its field
errors."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from demand import ExplicitSeries, parse_period, project, seconds_per_period
from demand.mix import mix_table, share_values
from demand.periods import parse_label
from fleets import UnknownModelError, get_model, load_models
from planner.errors import closest, unknown_name
from planner.ranges import MAX_TOKENS_PER_DAY
from planner.scenario.base import Phase
from planner.scenario.policy import Contract

if TYPE_CHECKING:
    from planner.scenario.scenario import Scenario

Problem = tuple[tuple, str, Any]


def calendar_problems(scenario: Scenario) -> Iterator[Problem]:
    """Schedules, retirements, contracts and demand series against the horizon's calendar."""
    periods = scenario.horizon.calendar()
    first, last = periods[0], periods[-1]
    length = scenario.horizon.period_length

    def steps(value, loc, before="add '{first}: 0' if nothing is available before"):
        if not isinstance(value, dict):
            return
        if not value:
            yield loc, "empty schedule; give a number or at least one step", value
            return
        labels = {}
        for label in value:
            try:
                labels[label] = parse_period(label, length)
            except ValueError as exc:
                yield (*loc, label), str(exc), label
        early = min(labels, key=labels.__getitem__) if labels else None
        if early is not None and labels[early] > first:
            yield (
                loc,
                f"the first step must be at or before the horizon start {first}, or the periods before it have no "
                f"value; {before.format(first=first)}",
                early,
            )
        for label, period in labels.items():
            if period > last and not (label == early and period > first):
                yield (
                    (*loc, label),
                    f"this step starts after the horizon ends ({last}), so it would never apply; remove it, correct "
                    "its date, or lengthen the horizon",
                    label,
                )

    for name, site in scenario.sites.items():
        yield from steps(site.power_mw, ("sites", name, "power_mw"))
        yield from steps(
            site.electricity_price_usd_per_mwh,
            ("sites", name, "electricity_price_usd_per_mwh"),
            "add a step '{first}: PRICE' with the price from the start",
        )
    for name, fleet in scenario.fleets.items():
        yield from steps(fleet.max_build_units_per_period, ("fleets", name, "max_build_units_per_period"))
        yield from steps(fleet.quota_units, ("fleets", name, "quota_units"))
        for i, existing in enumerate(fleet.existing):
            if existing.retire_after is not None:
                loc = ("fleets", name, "existing", i, "retire_after")
                try:
                    retired = parse_period(existing.retire_after, length)
                except ValueError as exc:
                    yield loc, str(exc), existing.retire_after
                    continue
                if retired < first:
                    yield (
                        loc,
                        (
                            f"these units retire before the horizon starts ({first}), so they would serve no period; "
                            "correct the date or remove the entry"
                        ),
                        existing.retire_after,
                    )
    for name, contract in scenario.contracts.items():
        for field in ("min_mw", "min_units", "min_spend_usd_per_year"):
            yield from steps(getattr(contract, field), ("contracts", name, field))
        yield from _coverage_problems(scenario, name, contract)
    for key, spec in scenario.demand.items():
        yield from _demand_problems(scenario, key, spec, periods)


def _coverage_problems(scenario: Scenario, name: str, contract: Contract) -> Iterator[Problem]:
    if any(contract.covers(f, fleet) for f, fleet in scenario.fleets.items()):
        return
    if contract.fleet is not None:
        return  # an unknown fleet name: reported by reference_problems
    field = next(f for f in ("vendor", "provider", "category") if getattr(contract, f) is not None)
    given = getattr(contract, field)
    known = _fleet_values(scenario, field)
    hint = _did_you_mean(given, known)
    yield (
        ("contracts", name, field),
        f"no fleet is covered by this commitment: no fleet has {field} {given!r}{hint} the fleets have: {', '.join(known)}",
        given,
    )


def _demand_problems(scenario: Scenario, key: str, spec, periods) -> Iterator[Problem]:
    loc = ("demand", key)
    series = spec if isinstance(spec, ExplicitSeries) else None
    if series is not None and series.tokens is not None:
        bad = False
        for label in series.tokens:
            try:
                parse_label(label)
            except ValueError as exc:
                bad = True
                yield (*loc, "tokens", label), str(exc), label
        if bad:
            return
    source = f"{series.csv.name}: " if series is not None and series.csv is not None else ""
    try:
        tokens = project(spec, periods)["tokens"]
    except (ValueError, OverflowError) as exc:
        yield loc, source + str(exc) + _series_coverage(series, periods), None
        return
    if not all(math.isfinite(t) for t in tokens):
        yield (
            loc,
            "the projection overflows; check the starting volume (tokens per day, at most "
            f"{MAX_TOKENS_PER_DAY:g}), the growth rate and its unit ('per')",
            None,
        )
        return
    per_day = tokens.to_numpy() / (seconds_per_period(periods) / 86_400.0)
    worst = int(per_day.argmax())
    if per_day[worst] > MAX_TOKENS_PER_DAY:
        yield (
            loc,
            f"{per_day[worst]:.3g} tokens per day in {periods[worst]} is more than any plausible demand (over 1,000 "
            f"times the largest published volume, 8.6e12 a day, so at most {MAX_TOKENS_PER_DAY:g} a day); check the "
            "figures, their unit (tokens, not bytes or requests) and the growth rate",
            None,
        )


def _series_coverage(series: ExplicitSeries | None, periods) -> str:
    """What a series covers beside the horizon, when that is why it cannot be projected."""
    if series is None:
        return ""
    try:
        table = series.intervals()
    except ValueError:
        return ""  # the labels themselves are wrong: the message says which
    return (
        f"; the series runs from {table['label'].iloc[0]} to {table['label'].iloc[-1]} and the horizon from {periods[0]} "
        f"to {periods[-1]}: give tokens for every period of the horizon, or move the horizon"
    )


def mix_problems(scenario: Scenario) -> Iterator[Problem]:
    """Workloads sharing a demand entry: each with a share, the shares valid together."""
    periods = scenario.horizon.calendar()
    users: dict[str, list[str]] = {}
    for name in scenario.workloads:
        users.setdefault(scenario.demand_key(name), []).append(name)
    broken = set()
    for name, workload in scenario.workloads.items():
        if workload.share is None:
            continue
        try:
            share_values(workload.share, periods)
        except ValueError as exc:
            broken.add(name)
            yield ("workloads", name, "share"), str(exc), None  # the message shows the value
    for key, names in users.items():
        if len(names) == 1 or broken & set(names):
            continue
        shares = {n: share for n in names if (share := scenario.workloads[n].share) is not None}
        missing = [n for n in names if n not in shares]
        if missing:
            yield (
                ("workloads", missing[0], "share"),
                f"demand entry {key!r} feeds {', '.join(names)}: give each of them a 'share'",
                None,
            )
            continue
        try:
            mix_table(shares, periods)
        except ValueError as exc:
            yield ("workloads",), f"shares of demand entry {key!r} ({', '.join(names)}): {exc}", None


def link_problems(scenario: Scenario) -> Iterator[Problem]:
    """KV links between known sites, and the KV size of workloads moving caches over them."""
    for i, link in enumerate(scenario.kv_links):
        for end in ("from_site", "to_site"):
            name = getattr(link, end)
            if name not in scenario.sites and name not in {f.region for f in scenario.fleets.values()}:
                yield ("kv_links", i, end.removesuffix("_site")), unknown_name("site", name, list(scenario.sites)), name
    for name, workload in scenario.workloads.items():
        if workload.disaggregate and scenario.kv_links and workload.kv_bytes_per_token is None:
            try:
                get_model(workload.model)
            except UnknownModelError:
                yield (
                    ("workloads", name, "kv_bytes_per_token"),
                    "needed to move KV caches between sites: the model is not a reference model",
                    None,
                )


def slice_problems(scenario: Scenario) -> Iterator[Problem]:
    """Time slices whose shares sum to one."""
    if scenario.time_slices is not None and abs(sum(scenario.time_slices) - 1.0) > 1e-6:
        yield (
            ("time_slices",),
            f"the shares of the hours must sum to 1, not {sum(scenario.time_slices):g}",
            scenario.time_slices,
        )


def adoption_problems(scenario: Scenario) -> Iterator[Problem]:
    """Adoption costs with whole units, and rules naming vendors or providers some fleet has."""
    if scenario.policy.adoption_usd and not scenario.integer_units:
        yield (
            ("policy", "adoption_usd"),
            "adoption costs need integer_units: true (a platform is adopted or not)",
            None,
        )
    # A rule for a vendor (or provider) no fleet has would bind nothing, silently: a misspelt name.
    for field, kind in (
        ("adoption_usd", "vendor"),
        ("vendor_share_limits", "vendor"),
        ("provider_share_limits", "provider"),
    ):
        names = _fleet_values(scenario, kind)
        for name in getattr(scenario.policy, field):
            if name not in names:
                yield (
                    ("policy", field, name),
                    f"no fleet of this {kind}{_did_you_mean(name, names)} {kind}s: {', '.join(names)}",
                    name,
                )


def model_problems(scenario: Scenario) -> Iterator[Problem]:
    """Each workload's model known to a fleet or the reference models."""
    listed = {model for fleet in scenario.fleets.values() for model in fleet.performance}
    known = sorted(listed | set(load_models()))
    for name, workload in scenario.workloads.items():
        if workload.model not in known:
            close = closest(workload.model, known)
            hint = f"did you mean {close!r}? " if close else ""
            yield (
                ("workloads", name, "model"),
                f"unknown model; {hint}No fleet gives 'performance' for it and it is not a reference model "
                f"(fleets/models.yaml); known: {', '.join(known)}",
                workload.model,
            )


def resilience_problems(scenario: Scenario) -> Iterator[Problem]:
    """The vendor-loss rule: exempt workloads that exist, and every other one servable by two vendors."""
    if scenario.policy.vendor_loss_coverage is None:
        return
    for i, name in enumerate(scenario.policy.vendor_loss_exempt):
        if name not in scenario.workloads:
            yield ("policy", "vendor_loss_exempt", i), unknown_name("workload", name, list(scenario.workloads)), name
    for name, workload in scenario.workloads.items():
        if name in scenario.policy.vendor_loss_exempt:
            continue
        phases: tuple[Phase, ...] = ("prefill", "decode") if workload.disaggregate else ("both",)
        for phase in phases:
            vendors = {
                fleet.vendor
                for fleet in scenario.fleets.values()
                if fleet.service_point(workload, phase).performance is not None
            }
            if len(vendors) == 1:
                (only,) = vendors
                yield (
                    ("policy", "vendor_loss_coverage"),
                    f"workload {name!r} can only be served by {only}'s hardware, so losing {only} leaves nothing to cover it; "
                    f"add it to vendor_loss_exempt or add a fleet of another vendor that meets its SLO",
                    None,
                )
                break


def service_problems(scenario: Scenario) -> Iterator[Problem]:
    """Each workload (or each of its phases) servable within its SLO by some fleet."""
    known = {model for fleet in scenario.fleets.values() for model in fleet.performance} | set(load_models())
    for name, workload in scenario.workloads.items():
        if workload.model not in known:
            continue  # an unknown model: reported by model_problems
        phases: tuple[Phase, ...] = ("prefill", "decode") if workload.disaggregate else ("both",)
        for phase in phases:
            reasons = {
                fleet_name: fleet.service_point(workload, phase).reason for fleet_name, fleet in scenario.fleets.items()
            }
            if all(reasons.values()):
                detail = "; ".join(f"{f}: {why}" for f, why in reasons.items())
                what = "this workload" if phase == "both" else f"the {phase} of this workload"
                yield (
                    ("workloads", name),
                    f"no fleet can serve {what} within its SLO ({detail}); relax the SLO or add a fleet",
                    None,
                )


def _fleet_values(scenario: Scenario, field: str) -> list[str]:
    """The distinct values the fleets give ``field`` (vendor, provider, category), sorted."""
    return sorted({str(getattr(fleet, field)) for fleet in scenario.fleets.values()})


def _did_you_mean(given: str, known: list[str]) -> str:
    """The hint after a name no fleet has: the closest known one, if any is close."""
    close = closest(given, known)
    return f"; did you mean {close!r}?" if close else ";"
