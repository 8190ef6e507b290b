"""Reading the YAML files users hand over (scenarios, sweep files), with bounds.

A YAML file can be made to cost far more than its size: anchors and aliases ("billion laughs")
expand a few lines into billions of values once validated, and a few thousand nested brackets
exhaust the parser's recursion. A path can also name a named pipe, a device such as
``/dev/zero`` or a loop of symbolic links. Every loader reads through :func:`load_yaml_file`,
which refuses these with a :class:`~planner.errors.ScenarioError` before anything is built.

>>> load_yaml_text("a: &x [1, 2]\\nb: [*x, *x]", None)
{'a': [1, 2], 'b': [[1, 2], [1, 2]]}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from demand.series import read_regular_file
from planner.errors import Problem, ScenarioError, duplicate_keys, yaml_problem

MAX_YAML_BYTES = 16 * 2**20
"""The largest YAML file read (16 MiB; the shipped scenarios take a few kB)."""
MAX_DEPTH = 64
"""The deepest nesting of mappings and lists, aliases expanded (a scenario needs fewer than 10)."""
MAX_VALUES = 1_000_000
"""The most values (mappings, lists and scalars) a file may hold once its aliases are expanded."""

_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def load_yaml_file(path: Path, what: str = "scenario") -> tuple[Any, str]:
    """The parsed content and text of a YAML file.

    Raises
    ------
    ScenarioError
        If the file cannot be read, is not a regular file, is larger than
        :data:`MAX_YAML_BYTES`, is not well-formed YAML, nests deeper than :data:`MAX_DEPTH`,
        expands to more than :data:`MAX_VALUES` values, or writes a key twice.
    """

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(path="", message=message, file=str(path))])

    try:
        raw = read_regular_file(path, MAX_YAML_BYTES)
    except OSError as exc:
        raise refuse(f"cannot read the {what} file: {exc.strerror}") from exc
    except ValueError as exc:
        raise refuse(f"the {what} file {exc}; give the path of a YAML file") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(f"the {what} file is not UTF-8 text") from exc
    data, twice = _load(text, path)
    if twice:
        raise ScenarioError(twice)
    return data, text


def load_yaml_text(text: str, file: Path | None) -> Any:
    """The content of one YAML document, checked for depth and expanded size before it is built.

    Raises
    ------
    ScenarioError
        If the text is not well-formed YAML, nests deeper than :data:`MAX_DEPTH` or expands to
        more than :data:`MAX_VALUES` values; the problem names the line.
    """
    return _load(text, file)[0]


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)
"""The safe loader on libyaml, where PyYAML was built with it (None otherwise)."""


def _load(text: str, file: Path | None) -> tuple[Any, list[Problem]]:
    """The content of ``text`` and a problem for each key written twice in it.

    libyaml reads the default scenario in a fifteenth of the time PyYAML's own reader takes, and
    on what both accept the two build the same data. They differ on the rest: libyaml words its
    complaints differently, and it accepts tabs in plain text and '?' in unquoted text inside
    brackets, which PyYAML's reader refuses. Such text, and text libyaml refuses, is read again by
    PyYAML's reader, so that a file is read or refused, with the message and line, as that reader
    does.
    """
    try:
        if _FAST_LOADER is not None and "\t" not in text:
            try:
                read = _read(text, file, _FAST_LOADER)
            except yaml.YAMLError:
                read = None
            if read is not None:
                return read
        read = _read(text, file, yaml.SafeLoader)
        assert read is not None  # PyYAML's reader ends unquoted text at a '?' in brackets: never None
        return read
    except yaml.YAMLError as exc:
        raise ScenarioError([yaml_problem(exc, file)]) from exc


def _read(text: str, file: Path | None, loader_class: type) -> tuple[Any, list[Problem]] | None:
    """The content of ``text`` and its keys written twice, read with ``loader_class``; None when
    it holds unquoted text with '?' inside brackets (which only libyaml reads)."""
    where = str(file) if file else None
    if _check_nesting(text, where, loader_class):  # the event parser keeps no recursion; the composer does
        return None
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        _check_expansion(node, where)
        twice = duplicate_keys(node, file)  # before construction, which merges '<<' keys into the tree
        return loader.construct_document(node), twice
    finally:
        loader.dispose()


def _check_nesting(text: str, where: str | None, loader_class: type) -> bool:
    """Refuse text nested deeper than :data:`MAX_DEPTH`; True, as soon as it is met, for a plain
    (unquoted) scalar with '?' inside brackets, where PyYAML's own reader ends a scalar at a '?'
    (and so refuses the text there, before any deeper nesting further on)."""
    flow: list[bool] = []  # per open collection, whether it is in brackets
    for event in yaml.parse(text, Loader=loader_class):
        if isinstance(event, _OPEN):
            flow.append(bool(event.flow_style))
            if len(flow) > MAX_DEPTH:
                raise ScenarioError([_too_deep(where, event.start_mark.line + 1 if event.start_mark else None)])
        elif isinstance(event, _CLOSE):
            flow.pop()
        elif isinstance(event, yaml.ScalarEvent) and flow and flow[-1] and not event.style and "?" in event.value:
            return True
    return False


def _too_deep(where: str | None, line: int | None) -> Problem:
    return Problem(
        path="",
        message=f"mappings and lists are nested more than {MAX_DEPTH} levels deep here; "
        "a scenario needs fewer than 10: check the brackets and indentation",
        file=where,
        line=line,
    )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node, where: str | None) -> None:
    """Refuse a node graph that aliases expand past :data:`MAX_VALUES` values or :data:`MAX_DEPTH`
    levels, or that refers to itself; counted over the shared nodes, without expanding them."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            children = _children(node)
            visiting.discard(key)
            size[key] = min(1 + sum(size[id(child)] for child in children), MAX_VALUES + 1)
            depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            line = node.start_mark.line + 1
            if size[key] > MAX_VALUES:
                raise ScenarioError(
                    [
                        Problem(
                            path="",
                            message=f"the aliases (*name) here expand to more than {MAX_VALUES:,} values; "
                            "write the values out, or refer to each anchor (&name) fewer times",
                            file=where,
                            line=line,
                        )
                    ]
                )
            if depth[key] > MAX_DEPTH + 1:  # + 1: scalars count as a level here, not in the parser
                raise ScenarioError([_too_deep(where, line)])
            continue
        if key in size:
            continue
        if key in visiting:
            raise ScenarioError(
                [
                    Problem(
                        path="",
                        message="the anchor (&name) here is referred to (*name) inside itself, "
                        "which would never end; write the values out",
                        file=where,
                        line=node.start_mark.line + 1,
                    )
                ]
            )
        visiting.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)
