"""Errors a user can act on: every problem of a scenario, located and explained, at once."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


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


class FieldError(ValueError):
    """A validator's complaint about one field or entry inside the object it validates.

    Raised from a pydantic validator, it is reported at ``field`` (a location relative to the
    validated object, e.g. ``("periods",)`` from a horizon's validator, or ``("2026-07",)`` from
    a schedule's) instead of at the object, so that the problem names the field and its line, and
    shows ``value``.

    >>> str(FieldError("too long", field=("periods",), value=1200))
    'too long'
    """

    def __init__(self, message: str, *, field: tuple = (), value: Any = None):
        super().__init__(message)
        self.field = tuple(field)
        self.value = value


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def closest(name: Any, known: list[str] | tuple[str, ...] | set[str], cutoff: float = 0.6) -> str | None:
    """The name in ``known`` that ``name`` most likely misspells, ignoring case, or None.

    >>> closest("Nvidia", ["NVIDIA", "AMD"]), closest("capex_usdd", ["capex_usd", "lifetime_years"]), closest("x", ["abc"])
    ('NVIDIA', 'capex_usd', None)
    """
    text = str(name)
    lowered = {str(k).lower(): str(k) for k in known if str(k) != text}
    if text.lower() in lowered:
        return lowered[text.lower()]
    match = difflib.get_close_matches(text.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


def unknown_name(kind: str, name: Any, known: list[str] | tuple[str, ...] | set[str]) -> str:
    """The message for a reference to a ``kind`` (fleet, site, ...) that does not exist.

    >>> unknown_name("fleet", "h10", ["h100", "p5"])
    "unknown fleet; did you mean 'h100'? known: h100, p5"
    """
    names = [str(k) for k in known]
    close = closest(name, names)
    hint = f"; did you mean {close!r}?" if close else ";"
    return f"unknown {kind}{hint} known: {', '.join(names) or 'none'}"


def locate(loc: tuple, message: str, value: Any = None, file: Path | None = None, text: str | None = None) -> Problem:
    """A :class:`Problem` at ``loc``, with its line when the file's text is given."""
    return Problem(
        path=".".join(str(part) for part in loc),
        message=message,
        value=value,
        file=str(file) if file else None,
        line=line_of(compose_yaml(text), loc) if text is not None else None,
    )


# ------------------------------------------------------------------------------ the file
def compose_yaml(text: str) -> yaml.Node | None:
    """The node tree of a YAML text, to find lines in (None if the text is not YAML)."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def line_of(node: yaml.Node | None, loc: tuple) -> int | None:
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
    hint = ""
    if "'\\t'" in reason:
        hint = "; indent with spaces, not tabs"
    elif "mapping values are not allowed" in reason:
        hint = "; quote a value that contains ': ', and check the indentation of the lines above"
    elif "expected <block end>" in reason or "did not find expected key" in reason:
        hint = "; check that the keys of a section are indented alike"
    elif "flow" in reason or "expected ',' or" in reason:
        hint = "; close every '[' with ']' and every '{' with '}'"
    return Problem(
        path="",
        message=f"not valid YAML: {reason}{hint}",
        file=str(file) if file else None,
        line=mark.line + 1 if mark else None,
    )


def duplicate_keys(root: yaml.Node | None, file: Path | None = None) -> list[Problem]:
    """A :class:`Problem` for every key written twice in one mapping of a composed YAML text.

    YAML loaders keep the last of two equal keys without a word, so a fleet written twice, or
    a figure corrected below the original, silently loses one of them.
    """
    problems: list[Problem] = []
    seen_nodes: set[int] = set()

    def walk(node: yaml.Node, loc: tuple) -> None:
        if id(node) in seen_nodes:  # an alias points back at a node already walked
            return
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                if name is not None and key.tag != "tag:yaml.org,2002:merge":
                    line = key.start_mark.line + 1
                    if name in first:
                        problems.append(
                            Problem(
                                path=".".join(str(part) for part in (*loc, name)),
                                message=f"written twice (also on line {first[name]}); YAML keeps only the last one, so remove or rename one",
                                file=str(file) if file else None,
                                line=line,
                            )
                        )
                    else:
                        first[name] = line
                walk(value, (*loc, name))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*loc, i))

    if root is not None:
        walk(root, ())
    return problems
