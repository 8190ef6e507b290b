"""Scenario values addressed by dotted paths, such as ``fleets.cs3.capex_usd``.

Sweeps and what-if questions change one value of a validated scenario at a time. A path walks
the scenario's sections, mapping keys and fields; a path that does not exist is rejected with the
closest valid names, before anything runs.

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

from planner.errors import Problem, ScenarioError, problems_from_validation
from planner.scenario import Scenario


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
    node: Any = scenario
    walked: list[str] = []
    for part in path.split("."):
        try:
            node = _step(node, part)
        except KeyError:
            options = _children(node)
            close = difflib.get_close_matches(part, options, n=3)
            where = ".".join(walked) or "the scenario"
            hint = (
                f"did you mean {', '.join(repr('.'.join([*walked, c])) for c in close)}?"
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
    for part in path.split("."):
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
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        node[last] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, Scenario, data=data)) from exc
