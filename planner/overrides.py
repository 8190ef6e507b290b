"""Scenario values addressed by dotted paths, such as ``fleets.cs3.capex_usd``.

Sweeps and what-if questions change one value of a validated scenario at a time. A path walks
the scenario's sections, mapping keys and fields; a path that does not exist is rejected with the
closest valid names, before anything runs. A name that holds a dot is written in quotes:
``fleets."h100.sxm".capex_usd``.

>>> from planner import Scenario, default_scenario_path
>>> from planner.overrides import get_value, with_values
>>> scenario = Scenario.from_yaml(default_scenario_path())
>>> get_value(scenario, "fleets.h100.capex_usd")
300000.0
>>> with_values(scenario, {"fleets.h100.capex_usd": 1.0}).fleets["h100"].capex_usd
1.0
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from planner.errors import Problem, ScenarioError
from planner.scenario import Scenario
from planner.validation import problems_from_validation


def split_path(path: str) -> list[str]:
    """The names of a dotted path; a name in double or single quotes may hold dots.

    >>> split_path('fleets."h100.sxm".capex_usd'), split_path("sites.west.pue")
    (['fleets', 'h100.sxm', 'capex_usd'], ['sites', 'west', 'pue'])

    Raises
    ------
    ValueError
        If a quote is not closed, or a closing quote is not followed by a dot or the end.
    """
    names, i = [], 0
    while True:
        if i < len(path) and path[i] in "\"'":
            end = path.find(path[i], i + 1)
            if end < 0:
                raise ValueError(f"the quote at character {i + 1} is not closed")
            names.append(path[i + 1 : end])
            i = end + 1
            if i < len(path) and path[i] != ".":
                raise ValueError(f"a quoted name ends at character {i}; put a dot after it")
        else:
            end = path.find(".", i)
            end = len(path) if end < 0 else end
            names.append(path[i:end])
            i = end
        if i >= len(path):
            return names
        i += 1  # the dot


def join_path(names: list[str]) -> str:
    """A dotted path of ``names``, quoting each that holds a dot (the inverse of :func:`split_path`)."""
    return ".".join(f'"{name}"' if "." in name else name for name in names)


def _children(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [str(k) for k in node]
    if isinstance(node, BaseModel):
        return list(type(node).model_fields)
    return []


def _step(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        if part in node:
            return node[part]
        raise KeyError(part)
    if isinstance(node, BaseModel) and part in type(node).model_fields:
        return getattr(node, part)
    raise KeyError(part)


def check_path(scenario: Scenario, path: str) -> Problem | None:
    """Why ``path`` does not name a value of ``scenario`` (with the closest names), or None."""
    try:
        parts = split_path(path)
    except ValueError as exc:
        return Problem(path=path, message=f'{exc}; quote a name that holds a dot: fleets."h100.sxm".capex_usd')
    node: Any = scenario
    walked: list[str] = []
    for i, part in enumerate(parts):
        try:
            node = _step(node, part)
        except KeyError:
            options = _children(node)
            where = join_path(walked) or "the scenario"
            rest = ".".join(parts[i:])
            dotted = [name for name in options if "." in name and (rest == name or rest.startswith(name + "."))]
            if dotted:
                tail = rest[len(dotted[0]) + 1 :]
                meant = join_path([*walked, dotted[0]]) + (f".{tail}" if tail else "")
                return Problem(path=path, message=f"{dotted[0]!r} holds a dot, so quote it: {meant}", value=path)
            close = difflib.get_close_matches(part, options, n=3)
            hint = (
                f"did you mean {', '.join(repr(join_path([*walked, c])) for c in close)}?"
                if close
                else f"{where} holds: {', '.join(options) or 'no named values'}"
            )
            return Problem(path=path, message=f"no {part!r} in {where}; {hint}", value=path)
        walked.append(part)
    if isinstance(node, dict | BaseModel):
        return Problem(
            path=path,
            message=f"{path} is a section, not a value; name one of: {', '.join(_children(node))}",
            value=path,
        )
    return None


def get_value(scenario: Scenario, path: str) -> Any:
    """The value at ``path`` (see :func:`check_path` for the errors)."""
    problem = check_path(scenario, path)
    if problem:
        raise ScenarioError([problem])
    node: Any = scenario
    for part in split_path(path):
        node = _step(node, part)
    return node


def with_values(scenario: Scenario, values: dict[str, Any]) -> Scenario:
    """A copy of ``scenario`` with each path set to its value, validated again as a whole.

    Raises
    ------
    ScenarioError
        If a path does not exist or a value makes the scenario invalid.
    """
    problems = [p for p in (check_path(scenario, path) for path in values) if p]
    if problems:
        raise ScenarioError(problems)
    data = scenario.model_dump(mode="python")
    for path, value in values.items():
        *parents, last = split_path(path)
        node = data
        for part in parents:
            node = node[part]
        node[last] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, Scenario, data=data)) from exc
