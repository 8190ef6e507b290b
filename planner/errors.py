"""Errors a user can act on: every problem of a scenario, located and explained, at once."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario.

    Attributes
    ----------
    path
        Dotted location of the field, e.g. ``fleets.h100.capex_usd``.
    message
        What is wrong and, where possible, how to fix it.
    value
        The offending value as given (``None`` when the field is missing).
    file
        The scenario file, when the scenario came from one.
    line
        1-based line in ``file`` of the offending field, when known.
    """

    path: str
    message: str
    value: Any = None
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.file and self.line else (self.file or "")
        head = f"{where}: " if where else ""
        shown = "" if self.value is None else f" (got {_short(self.value)})"
        return f"{head}{self.path or '<scenario>'}: {self.message}{shown}"


class ScenarioError(ValueError):
    """A scenario that cannot be planned; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"invalid scenario ({count}):\n" + "\n".join(f"  - {p}" for p in problems))


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def problems_from_validation(
    error: ValidationError, model: type[BaseModel], file: Path | None = None, text: str | None = None
) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into :class:`Problem` records with YAML line numbers."""
    root = _compose(text) if text is not None else None
    known, tags = _schema_names(model)
    problems = []
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        # Tagged unions add the tag (e.g. 'exponential') to the location; it is not a key in the file.
        loc = tuple(part for part in loc if not (isinstance(part, str) and part in tags))
        message = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            message = "unknown field" + (f"; did you mean {close[0]!r}?" if close else "")
            value = None
        elif err["type"] == "missing":
            value = None
        problems.append(
            Problem(
                path=".".join(str(part) for part in loc),
                message=message,
                value=value if not isinstance(value, dict | list) else None,
                file=str(file) if file else None,
                line=_line_of(root, loc),
            )
        )
    return problems


def locate(loc: tuple, message: str, value: Any = None, file: Path | None = None, text: str | None = None) -> Problem:
    """A :class:`Problem` at ``loc``, with its line when the file's text is given."""
    return Problem(
        path=".".join(str(part) for part in loc),
        message=message,
        value=value,
        file=str(file) if file else None,
        line=_line_of(_compose(text), loc) if text is not None else None,
    )


def _schema_names(model: type[BaseModel]) -> tuple[list[str], set[str]]:
    """Every field name reachable from ``model`` (for 'did you mean' hints) and every union tag.

    A tag is a value of a ``kind`` field: pydantic puts it in the location of errors inside a
    tagged union, although it is not a key in the file.
    """
    names: set[str] = set()
    tags: set[str] = set()
    seen: set[type] = set()
    stack: list[Any] = [model]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item in seen:
                continue
            seen.add(item)
            for name, field in item.model_fields.items():
                names.add(name)
                if name == "kind":
                    tags.update(get_args(field.annotation))
                stack.append(field.annotation)
        for arg in getattr(item, "__args__", ()) or ():
            stack.append(arg)
        stack.extend(getattr(item, "__metadata__", ()) or ())
        if hasattr(item, "__origin__") and item.__origin__ is not None:
            stack.append(item.__origin__)
    return sorted(names), tags


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def _line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """1-based line of the YAML node at ``loc``, or of the deepest ancestor found."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def yaml_problem(error: yaml.YAMLError, file: Path | None) -> Problem:
    """A :class:`Problem` for a file that is not well-formed YAML."""
    mark = getattr(error, "problem_mark", None)
    reason = getattr(error, "problem", None) or str(error)
    return Problem(
        path="",
        message=f"not valid YAML: {reason}",
        file=str(file) if file else None,
        line=mark.line + 1 if mark else None,
    )
