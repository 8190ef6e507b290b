"""What an analysis is about: a fleet, a vendor, a category or a site, and its share of a plan.

A subject is written ``KIND:NAME`` on the command line (``fleet:cs3``, ``vendor:Cerebras``,
``category:wafer_scale``, ``site:west``); :func:`parse_subject` reads it against a scenario and
:func:`fleets_of` lists the fleets it covers. :func:`served_shares` and :func:`subject_share`
read a solved plan's share of tokens served, as the plan summary counts them (every phase's
tokens, prefill and decode).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from planner.result import Result
    from planner.scenario import Scenario

SubjectKind = Literal["fleet", "vendor", "category", "site"]
KINDS: tuple[str, ...] = get_args(SubjectKind)


@dataclass(frozen=True)
class Subject:
    """A fleet, vendor, category or site of a scenario, by name.

    >>> Subject("vendor", "Cerebras").label
    'vendor:Cerebras'
    """

    kind: SubjectKind
    name: str

    @property
    def label(self) -> str:
        """The subject as written on the command line, ``KIND:NAME``."""
        return f"{self.kind}:{self.name}"


def parse_subject(text: str, scenario: Scenario, kinds: tuple[str, ...] = KINDS) -> Subject:
    """Read ``KIND:NAME`` against ``scenario``; a ``ValueError`` says what is wrong and what is known.

    >>> from planner import Scenario, default_scenario_path
    >>> parse_subject("fleet:cs3", Scenario.from_yaml(default_scenario_path()))
    Subject(kind='fleet', name='cs3')
    """
    kind, sep, name = text.partition(":")
    if not sep or kind not in kinds or not name:
        raise ValueError(f"write the subject as KIND:NAME with KIND one of {', '.join(kinds)} (got {text!r})")
    known = names(kind, scenario)  # type: ignore[arg-type]
    if name not in known:
        raise ValueError(f"no {kind} {name!r} in the scenario; known: {', '.join(sorted(known)) or 'none'}")
    return Subject(kind, name)  # type: ignore[arg-type]


def names(kind: SubjectKind, scenario: Scenario) -> set[str]:
    """The names of ``kind`` the scenario has (fleets, their vendors or categories, sites)."""
    if kind == "site":
        return set(scenario.sites)
    if kind == "fleet":
        return set(scenario.fleets)
    return {getattr(fleet, kind) for fleet in scenario.fleets.values()}


def fleets_of(subject: Subject, scenario: Scenario) -> list[str]:
    """The fleets ``subject`` covers, in the scenario's order (for a site, the fleets it may hold)."""
    if subject.kind == "site":
        placed = set(scenario.sites[subject.name].fleets)
        return [f for f in scenario.fleets if f in placed]
    if subject.kind == "fleet":
        return [subject.name]
    return [f for f, fleet in scenario.fleets.items() if getattr(fleet, subject.kind) == subject.name]


def served_shares(result: Result, by: Literal["fleet", "vendor", "category", "site"]) -> dict[str, float]:
    """Each fleet's, vendor's, category's or site's share of the tokens the plan serves (0 to 1).

    Every name of that kind in the scenario is a key, those serving nothing with 0.0 (by site,
    rented cloud capacity is the site ``cloud``); all are 0.0 when nothing is served. A result without a plan raises ``ValueError``.
    """
    if not result.has_plan:
        raise ValueError(f"the scenario has no plan ({result.status.value}): {result.message}")
    allocation = result.tables["allocation"]
    if by in ("fleet", "site"):
        keys = allocation[by].astype(str)
    else:
        keys = allocation["fleet"].astype(str).map({f: getattr(x, by) for f, x in result.scenario.fleets.items()})
    tokens = allocation["tokens"].groupby(keys).sum()
    total = float(tokens.sum())
    return {
        name: float(tokens.get(name, 0.0)) / total if total > 0 else 0.0
        for name in sorted(names(by, result.scenario) | set(tokens.index))
    }


def subject_share(result: Result, subject: Subject) -> float:
    """The share (0 to 1) of the plan's tokens served by ``subject``."""
    return served_shares(result, subject.kind)[subject.name]
