"""Pydantic's validation errors in the user's terms: each one a :class:`~planner.errors.Problem`
at its file, line and field, with what was expected, the value given, a name it was probably meant
to be, and how to fix it."""

from __future__ import annotations

import csv
import datetime
import math
import re
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pandas.errors import EmptyDataError
from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from demand.series import MAX_CSV_BYTES, read_regular_file
from planner.errors import FieldError, Problem, closest, compose_yaml, line_of


def problems_from_validation(
    error: ValidationError,
    model: type[BaseModel],
    file: Path | None = None,
    text: str | None = None,
    data: Any = None,
    base_dir: Path | None = None,
) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into :class:`Problem` records with YAML line numbers.

    Parameters
    ----------
    error
        The error raised by validating ``data`` against ``model``.
    model
        The validated model; its fields give the names suggested for misspelt keys and the
        descriptions of missing fields.
    file, text
        The file and its text, to locate problems by line.
    data
        The validated input. With it, locations are checked against the keys really written,
        so that the tags pydantic adds for union members are told apart from keys of the file.
    base_dir
        Folder of relative CSV paths, to look into a CSV file that could not be read.
    """
    root = compose_yaml(text) if text is not None else None
    known, tags = _schema_names(model)
    entries = []
    for err in error.errors(include_url=False):
        loc = _file_loc(tuple(err["loc"]), data, tags)
        message, value, loc = _explain(err, loc, model, data, known, base_dir)
        entries.append((loc, message, value, err["type"]))
    entries = _pair_misspelt_required(entries, model, data)
    return [
        Problem(
            path=".".join(str(part) for part in loc),
            message=message,
            value=value if not isinstance(value, dict | list) else None,
            file=str(file) if file else None,
            line=line_of(root, loc),
        )
        for loc, message, value, _ in entries
    ]


# ------------------------------------------------------------------------------ messages
_BOUNDS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")


def _explain(
    err: ErrorDetails, loc: tuple, model: type[BaseModel], data: Any, known: list[str], base_dir: Path | None = None
) -> tuple[str, Any, tuple]:
    """The message, shown value and location of one pydantic error, in the user's terms."""
    kind = err["type"]
    message = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    ctx = err.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, FieldError):
        return str(cause), cause.value, (*loc, *cause.field)
    if kind == "value_error" and isinstance(value, dict) and isinstance(value.get("csv"), str | Path):
        # A series read from a file: the problem is in the file, so the message names it and, when
        # a line has more or fewer fields than the header (a decimal comma, a missing value), says
        # which: the reader's own complaint then concerns a consequence, not the cause.
        name = Path(value["csv"]).name
        ragged = _ragged_line(Path(base_dir or ".") / value["csv"])
        if ragged is not None:
            return _fields_message(name, *ragged), None, loc
        if isinstance(cause, EmptyDataError):
            return f"{name} is empty; write a header 'period,tokens' and one line per period", None, loc
        return (message if name in message else f"{name}: {message}"), None, loc
    if kind == "extra_forbidden":
        here = _field_keys(_model_at(model, loc[:-1], data))
        close = closest(loc[-1], here or known)
        listed = f"; valid here: {', '.join(here)}" if here else ""
        return "unknown field" + (f"; did you mean {close!r}?" if close else listed), None, loc
    if kind == "missing":
        owner = _model_at(model, loc[:-1], data)
        field = _field_info(owner, loc[-1]) if owner else None
        choices = (
            [str(c) for c in get_args(_strip(field.annotation))]
            if field is not None and get_origin(_strip(field.annotation)) is Literal
            else []
        )
        if choices:
            about = f": one of {', '.join(choices)}"
        else:
            about = f": {_first_sentence(field.description)}" if field is not None and field.description else ""
        return f"required field missing; add {loc[-1]!r}{about}", None, loc
    if isinstance(value, float) and math.isnan(value) and kind in _BOUNDS:
        return "NaN (not a number) is not a value; give a finite number", value, loc
    if kind == "finite_number":
        return "NaN (not a number) and infinity are not values; give a finite number", value, loc
    bound = ctx.get("lt", ctx.get("le"))
    if kind in ("less_than", "less_than_equal") and isinstance(value, int | float) and isinstance(bound, int | float):
        if bound == 1 and 1 < value <= 100:
            message += f"; it is a fraction: {value / 100:g} for {value:g}%"
        elif 1 < bound <= 10 and 1 < value / 100 <= bound:
            message += f"; it is a ratio, not a percentage: {value / 100:g} for {value:g}%"
        return message, value, loc
    if kind == "int_parsing_size":
        return "a whole number beyond any count the plan could use; check the number (and any exponent)", value, loc
    if kind in ("float_parsing", "int_parsing") and isinstance(value, str):
        return _number_hint(message, value, whole=kind == "int_parsing"), value, loc
    if kind in ("bool_parsing", "bool_type"):
        return "not true or false; write true or false", value, loc
    if kind == "string_type" and isinstance(value, datetime.date):
        return (
            f'YAML reads an unquoted {value.isoformat()} as a date; write it in quotes, e.g. "{value:%Y-%m}" for a month',
            str(value),
            loc,
        )
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        close = closest(value, options)
        return (f"{message}; did you mean {close!r}?" if close else message), value, loc
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        field = str(ctx.get("discriminator", "kind")).strip("'")
        options = _union_tags(model, loc, data)
        listed = f"one of {', '.join(options)}" if options else "a known kind"
        if kind == "union_tag_not_found":
            return f"no {field!r} given; say which it is: {listed}", None, loc
        tag = ctx.get("tag")
        close = closest(tag, options)
        hint = f"did you mean {close!r}? " if close else ""
        return f"unknown {field}; {hint}expected {listed}", tag, (*loc, field)
    if kind == "too_short" and ctx.get("actual_length") == 0:
        noun = "list" if ctx.get("field_type") == "List" else "mapping"
        return f"empty {noun}; give at least one entry", None, loc
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return (
            f"expected a mapping of names to values (indented 'name: value' lines), not {_kind_of(value)}",
            value,
            loc,
        )
    if kind == "list_type":
        example = f": [{value}]" if isinstance(value, str) else ", e.g. [a, b]"
        return f"expected a list{example}", value, loc
    return message, value, loc


def _number_hint(message: str, value: str, whole: bool) -> str:
    if value.strip().endswith("%"):
        number = value.strip().rstrip("%").strip()
        try:
            fraction = f"{float(number) / 100:g}"
        except ValueError:
            fraction = "0.25"
        return f"not a number; write a fraction: {fraction} for {value.strip()}"
    example = "12" if whole else "300000 or 3.0e+5"
    if re.search(r"[A-Za-z]", value) and re.search(r"\d", value):
        return f"not a number; write the number alone, e.g. {example} (the unit is in the field's name)"
    if whole:
        return f"not a whole number; write digits only, e.g. {example}"
    return f"not a number; write e.g. {example} (a decimal point, no thousands separators)"


def _ragged_line(path: Path) -> tuple[int, int, int] | None:
    """``(line, fields, header fields)`` of the first line of a CSV file whose number of fields
    differs from its header's, or None; '#' starts a comment, as for the demand reader."""
    try:
        text = read_regular_file(path, MAX_CSV_BYTES).decode("utf-8", errors="replace")
    except (OSError, ValueError):  # the reader of the series says why
        return None
    header = None
    for number, line in enumerate(text.split("\n"), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        fields = len(next(csv.reader([content])))
        if header is None:
            header = fields
        elif fields != header:
            return number, fields, header
    return None


def _fields_message(name: str, line: int, fields: int, header: int) -> str:
    return (
        f"{name}: line {line} has {fields} field{'s' if fields != 1 else ''} where the header has {header}; write one "
        "'period,tokens' pair per line with plain numbers (a decimal point, no decimal commas or thousands separators)"
    )


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


def _first_sentence(text: str) -> str:
    """The first sentence of a field's description ('e.g. x' does not end one)."""
    return re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0]


def _pair_misspelt_required(entries: list[tuple], model: type[BaseModel], data: Any) -> list[tuple]:
    """Report a misspelt required field once, as the misspelling with the right name.

    ``pue_ratio: 1.2`` written for ``pue`` is both an unknown field and a missing one; a user
    needs only the first, told which name was meant.
    """
    missing = {(loc[:-1], str(loc[-1])): i for i, (loc, _, _, kind) in enumerate(entries) if kind == "missing" and loc}
    dropped: set[int] = set()
    out = list(entries)
    for i, (loc, _, value, kind) in enumerate(entries):
        if kind != "extra_forbidden" or not loc:
            continue
        key = str(loc[-1]).lower()
        options = {name: j for (parent, name), j in missing.items() if parent == loc[:-1] and j not in dropped}
        meant = closest(key, list(options), cutoff=0.5) or next(
            (name for name in options if key.startswith(name.lower()) or name.lower().startswith(key)), None
        )
        if meant is not None:
            dropped.add(options[meant])
            out[i] = (loc, f"unknown field; did you mean {meant!r}? ({meant!r} is required and missing)", value, kind)
    return [entry for i, entry in enumerate(out) if i not in dropped]


# ------------------------------------------------------------------------------ the schema
def _schema_names(model: type[BaseModel]) -> tuple[list[str], set[str]]:
    """Every field name reachable from ``model`` (for 'did you mean' hints) and every union tag.

    A tag is a value of a ``kind`` field, or a ``Tag`` of a union chosen by a function: pydantic
    puts it in the location of errors inside the union, although it is not a key in the file.
    """
    names: set[str] = set()
    tags: set[str] = set()
    seen: set[type] = set()
    stack: list[Any] = [model]
    while stack:
        item = stack.pop()
        if isinstance(item, Tag):
            tags.add(item.tag)
            continue
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item in seen:
                continue
            seen.add(item)
            for name, field in item.model_fields.items():
                names.add(field.alias or name)
                if name == "kind":
                    tags.update(get_args(field.annotation))
                stack.append(field.annotation)
                stack.extend(field.metadata)
        stack.extend(getattr(item, "__args__", ()) or ())
        stack.extend(getattr(item, "__metadata__", ()) or ())
        if hasattr(item, "__origin__") and item.__origin__ is not None:
            stack.append(item.__origin__)
    return sorted(names), tags


def _file_loc(loc: tuple, data: Any, tags: set[str]) -> tuple:
    """``loc`` without the union tags pydantic inserts, keeping any key that is in the file."""
    if data is None:
        return tuple(part for part in loc if not (isinstance(part, str) and part in tags))
    kept = []
    node = data
    for part in loc:
        child = _child(node, part)
        if child is not _ABSENT:
            node = child
        elif isinstance(part, str) and part in tags:
            continue
        else:
            node = None
        kept.append(part)
    return tuple(kept)


_ABSENT = object()


def _child(node: Any, part: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == part or str(key) == str(part):
                return value
    elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _ABSENT


def _strip(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _union_members(tp: Any) -> list[Any]:
    tp = _strip(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return [m for arg in get_args(tp) if arg is not type(None) for m in _union_members(arg)]
    return [tp]


def _resolve(tp: Any, node: Any) -> Any:
    """The member of a union (or the type itself) that ``node`` is written as."""
    members = _union_members(tp)
    if len(members) == 1:
        return members[0]
    models = [m for m in members if _is_model(m)]
    if len(models) == 1:
        return models[0]
    if models and isinstance(node, dict):
        return next(
            (m for m in models if "kind" in m.model_fields and m.model_fields["kind"].default == node.get("kind")), None
        )
    mappings = [m for m in members if get_origin(m) is dict]
    return mappings[0] if isinstance(node, dict) and mappings else None


def _model_at(model: type[BaseModel], loc: tuple, data: Any) -> type[BaseModel] | None:
    """The model class of the entry at ``loc`` of ``data`` (validated against ``model``), if any."""
    tp: Any = model
    node = data
    for part in loc:
        tp = _resolve(tp, node)
        if _is_model(tp):
            field = _field_info(tp, part)
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        else:
            return None
        child = _child(node, part)
        node = None if child is _ABSENT else child
    tp = _resolve(tp, node)
    return tp if _is_model(tp) else None


def _union_tags(model: type[BaseModel], loc: tuple, data: Any) -> list[str]:
    """The ``kind`` values a tagged union at ``loc`` accepts."""
    parent = _model_at(model, loc[:-1], data) if loc else None
    if parent is not None:
        field = _field_info(parent, loc[-1])
        tp = field.annotation if field is not None else None
    else:
        grand = _model_at(model, loc[:-2], data) if len(loc) >= 2 else None
        field = _field_info(grand, loc[-2]) if grand is not None else None
        tp = _strip(field.annotation) if field is not None else None
        tp = get_args(tp)[-1] if get_origin(tp) in (dict, list) else None
    return (
        [str(m.model_fields["kind"].default) for m in _union_members(tp) if _is_model(m) and "kind" in m.model_fields]
        if tp is not None
        else []
    )


def _field_info(model: type[BaseModel] | None, key: Any):
    if model is None:
        return None
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def _field_keys(model: type[BaseModel] | None) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()] if model is not None else []
