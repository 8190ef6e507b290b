"""Reading a written plan folder so that nothing in it can crash the checks.

Every file can be wrong in a named way: missing, empty, binary, not valid JSON or CSV, not an
object, a number that is missing, null or text, a missing column, text in a number column, a
name the scenario does not know. :func:`read_plan` turns each into one finding that names the
file and the line or column, and reads a plan only when there is none.
"""

from __future__ import annotations

import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import ScenarioError
from planner.result import Status
from planner.scenario import Scenario
from planner.tables import COMPONENTS, TABLE_COLUMNS

TABLES = ("demand", "allocation", "unserved", "installed", "builds", "costs", "slices", "expansion", "transfers")
"""The tables the checks read."""
OPTIONAL = {"expansion"}
"""Tables a plan written before they existed lacks (read as empty)."""
TEXT_COLUMNS = frozenset(
    {"period", "order_period", "workload", "phase", "fleet", "site", "procurement", "slice", "component"}
    | {"prefill_site", "prefill_fleet", "decode_site", "decode_fleet"}
)
"""Columns that hold names; every other column of a table holds numbers."""
SUMMARY_NUMBERS = ("plan_cost_usd", "objective_usd")
"""Numbers of ``summary.json`` the checks compare the tables with."""


@dataclass(frozen=True)
class Finding:
    """One thing that keeps a plan folder from being read: ``where`` (file and line) and what."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass(frozen=True)
class Plan:
    """A plan folder read whole: its scenario (and the file's bytes), summary and tables."""

    folder: Path
    scenario: Scenario
    scenario_bytes: bytes
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]


class NoPlan(Exception):
    """The folder was written by a solve that found no plan (its ``status`` says why)."""

    def __init__(self, status: str):
        super().__init__(f"no plan to verify: the solve ended {status}")
        self.status = status


def read_plan(folder: Path) -> Plan | list[Finding]:
    """The plan in ``folder``, or every finding that keeps it from being read.

    Raises
    ------
    NoPlan
        If ``summary.json`` says the solve ended without a plan (infeasible, or a time limit
        before any plan was found): there is nothing to verify.
    """
    findings: list[Finding] = []
    summary = _summary(folder / "summary.json", findings)
    if summary is not None:
        status = summary.get("status")
        plan_statuses = (Status.OPTIMAL.value, Status.TIME_LIMIT.value)
        if status not in plan_statuses:
            raise NoPlan(str(status))
        if summary.get("objective_usd") is None and _no_rows(folder / "installed.csv"):
            raise NoPlan(str(status))
        _summary_numbers(folder / "summary.json", summary, findings)
    scenario, scenario_bytes = _scenario(folder / "scenario.yaml", findings)
    tables = {}
    for name in TABLES:
        table = _table(folder / f"{name}.csv", name, findings)
        if table is not None:
            tables[name] = table
    if scenario is not None:
        for name, table in tables.items():
            findings += _unknown_names(name, table, scenario)
    if findings or summary is None or scenario is None or scenario_bytes is None:
        return findings
    return Plan(folder, scenario, scenario_bytes, summary, tables)


def _text(path: Path, findings: list[Finding]) -> str | None:
    """A file's text, or None with a finding: missing, unreadable, empty or binary."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        findings.append(Finding(path.name, "missing"))
        return None
    except OSError as exc:
        findings.append(Finding(path.name, f"cannot be read ({exc.strerror or exc})"))
        return None
    if not data.strip():
        findings.append(Finding(path.name, "empty"))
        return None
    try:
        if b"\x00" in data:
            raise UnicodeDecodeError("utf-8", data, data.index(b"\x00"), data.index(b"\x00") + 1, "NUL byte")
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        findings.append(Finding(f"{path.name} line {line}", "binary, not text"))
        return None


def _summary(path: Path, findings: list[Finding]) -> dict[str, Any] | None:
    text = _text(path, findings)
    if text is None:
        return None
    try:
        summary = json.loads(text)
    except json.JSONDecodeError as exc:
        findings.append(Finding(f"{path.name} line {exc.lineno}", f"not valid JSON ({exc.msg})"))
        return None
    if not isinstance(summary, dict):
        findings.append(Finding(path.name, f"not a JSON object but {type(summary).__name__} {_short(summary)}"))
        return None
    return summary


def _summary_numbers(path: Path, summary: dict[str, Any], findings: list[Finding]) -> None:
    """The summary's totals must be finite numbers."""
    text = path.read_text(encoding="utf-8")
    for key in SUMMARY_NUMBERS:
        match = re.search(rf'"{key}"\s*:', text)
        where = f"{path.name} line {text[: match.start()].count(chr(10)) + 1}" if match else path.name
        if key not in summary:
            findings.append(Finding(where, f"no {key}"))
            continue
        value = summary[key]
        if value is None:
            findings.append(Finding(where, f"{key} is null, not a number"))
        elif isinstance(value, bool) or not isinstance(value, int | float):
            findings.append(Finding(where, f"{key} is {_short(value)}, not a number"))
        elif not math.isfinite(value):
            findings.append(Finding(where, f"{key} is {value}, not a finite number"))


def _no_rows(path: Path) -> bool:
    """True when a table holds no row (or cannot be read as one)."""
    try:
        return len(pd.read_csv(path)) == 0
    except (OSError, ValueError, UnicodeDecodeError):
        return True


def _scenario(path: Path, findings: list[Finding]) -> tuple[Scenario | None, bytes | None]:
    text = _text(path, findings)
    if text is None:
        return None, None
    try:
        return Scenario.from_yaml(path), text.encode("utf-8")
    except ScenarioError as exc:
        for problem in exc.problems:
            where = f"{path.name} line {problem.line}" if problem.line else path.name
            findings.append(Finding(where, f"{problem.path}: {problem.message}" if problem.path else problem.message))
    except (OSError, ValueError) as exc:
        findings.append(Finding(path.name, f"cannot be read as a scenario ({exc})"))
    return None, None


def _table(path: Path, name: str, findings: list[Finding]) -> pd.DataFrame | None:
    """A table with its number columns as floats, or None with the findings that stop it."""
    columns = TABLE_COLUMNS[name]
    if name in OPTIONAL and not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=str if c in TEXT_COLUMNS else float) for c in columns})
    text = _text(path, findings)
    if text is None:
        return None
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        findings.append(Finding(path.name, f"not a valid CSV table ({str(exc).strip()})"))
        return None
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        findings.append(Finding(f"{path.name} line 1", f"no column {', '.join(map(repr, missing))}"))
        return None
    table = raw[columns].copy()
    for column in columns:
        if column in TEXT_COLUMNS:
            continue
        values, bad = [], []
        for row, cell in enumerate(table[column]):
            try:
                values.append(float(cell) if cell.strip() else math.nan)
            except ValueError:
                bad.append(row)
                values.append(math.nan)
        if bad:
            # Line 1 is the header, so row 0 is on line 2.
            lines = ", ".join(str(r + 2) for r in bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
            findings.append(
                Finding(
                    f"{path.name} line {lines}, column {column}",
                    f"{_short(table[column].iloc[bad[0]])} is not a number",
                )
            )
        table[column] = pd.Series(values, index=table.index, dtype=float)
    return table


def _unknown_names(name: str, table: pd.DataFrame, scenario: Scenario) -> list[Finding]:
    """Names in a table that the scenario does not know: a fleet, place, workload, period..."""
    places = set(scenario.sites) | {
        f.region for f in scenario.fleets.values() if f.procurement in ("cloud", "reserved")
    }
    periods = set(scenario.horizon.calendar().astype(str))
    known = {
        "fleet": set(scenario.fleets),
        "prefill_fleet": set(scenario.fleets),
        "decode_fleet": set(scenario.fleets),
        "site": places,
        "prefill_site": places,
        "decode_site": places,
        "workload": set(scenario.workloads),
        "phase": {"prefill", "decode"},
        "procurement": {"own", "lease", "cloud", "reserved"},
        "component": set(COMPONENTS),
        "period": periods,
    }
    out = []
    for column in table.columns:
        if column not in known:
            continue
        wrong = ~table[column].isin(known[column])
        if wrong.any():
            rows = [int(i) + 2 for i in wrong.to_numpy().nonzero()[0]]
            kind = column.split("_")[-1]
            out.append(
                Finding(
                    f"{name}.csv line {rows[0]}, column {column}",
                    f"unknown {kind} {table[column].iloc[rows[0] - 2]!r}"
                    + (f" ({len(rows) - 1} more rows)" if len(rows) > 1 else "")
                    + (" (the scenario names no such one)" if kind != "period" else " (not a period of the horizon)"),
                )
            )
    return out


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
