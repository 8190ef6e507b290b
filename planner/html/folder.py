"""Reading back a plan folder written by ``planner solve --out`` (or :meth:`planner.Result.to_dir`) for a report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import Problem, ScenarioError
from planner.scenario import Scenario
from planner.tables import TABLE_COLUMNS
from planner.verify.folder import TEXT_COLUMNS

CHARTED = ("demand", "builds", "installed", "allocation", "power", "costs", "prices", "unserved", "policy")
"""The tables the report's charts and tables read."""


class FolderError(Exception):
    """A folder that holds no readable plan; ``problems`` names every file at fault and what to do."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class PlanFolder:
    """A plan read back from its folder: the scenario, ``summary.json`` and the tables (the
    same names and columns as :attr:`planner.Result.tables`; a folder without a plan has none)."""

    folder: Path
    scenario: Scenario
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]

    @property
    def has_plan(self) -> bool:
        """True when the solve that wrote the folder found a plan."""
        return self.summary.get("objective_usd") is not None


def read_folder(folder: str | Path) -> PlanFolder:
    """The plan in ``folder``.

    Raises
    ------
    FolderError
        With every problem at once: no such folder, ``summary.json`` or ``scenario.yaml``
        missing or unreadable, a table missing or lacking columns.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FolderError([Problem(str(folder), "no such folder: give a folder written by `planner solve --out`")])
    problems: list[Problem] = []
    summary = _summary(folder / "summary.json", problems)
    scenario = None
    if not (folder / "scenario.yaml").is_file():
        missing = "missing: the folder was not written by `planner solve --out`"
        problems.append(Problem(str(folder / "scenario.yaml"), missing))
    else:
        try:
            scenario = Scenario.from_yaml(folder / "scenario.yaml")
        except ScenarioError as exc:
            problems.extend(exc.problems)
    tables = {}
    if summary is not None and summary.get("objective_usd") is not None:
        for name in CHARTED:
            table = _table(folder / f"{name}.csv", name, problems)
            if table is not None:
                tables[name] = table
    if problems or summary is None or scenario is None:
        raise FolderError(problems)
    return PlanFolder(folder, scenario, summary, tables)


def _summary(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), "missing: the folder was not written by `planner solve --out`"))
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(str(path), f"cannot be read ({exc}); write the plan again with `planner solve --out`"))
        return None
    if not isinstance(summary, dict):
        problems.append(Problem(str(path), "not a JSON object; write the plan again with `planner solve --out`"))
        return None
    return summary


def _table(path: Path, name: str, problems: list[Problem]) -> pd.DataFrame | None:
    columns = TABLE_COLUMNS[name]
    try:
        table = pd.read_csv(
            path, dtype={c: str for c in columns if c in TEXT_COLUMNS or c in ("subject", "policy", "unit")}
        )
    except FileNotFoundError:
        problems.append(Problem(str(path), "missing; write the plan again with `planner solve --out`"))
        return None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        problems.append(Problem(str(path), f"cannot be read as CSV ({exc})"))
        return None
    except pd.errors.EmptyDataError:
        problems.append(Problem(str(path), "empty: not even a header line"))
        return None
    lacking = [c for c in columns if c not in table.columns]
    if lacking:
        problems.append(Problem(str(path), f"lacks the columns {', '.join(lacking)}"))
        return None
    return table
