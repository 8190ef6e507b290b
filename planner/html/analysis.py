"""The report of an analysis folder (``planner breakeven``, ``frontier``, ``alternatives``, ``robust``
or ``stress`` with ``--out``): its headline figures, its charts and its tables, as one page.

The kind of analysis is told by the tables the folder holds (:data:`KINDS`); every chart is drawn
from those tables as written, so a folder read back gives the page its analysis would.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.analyses.files import TABLES
from planner.errors import Problem
from planner.html.folder import FolderError
from planner.html.page import STYLE, table_html
from planner.plots.views import drawings, of_result
from planner.report import _usd

if TYPE_CHECKING:
    from matplotlib.axes import Axes


SHOWN_ROWS = 40
"""Rows of each table shown on the page; the folder's CSV files hold them all."""


def analysis_kind(folder: Path) -> str | None:
    """Which analysis wrote ``folder`` (a key of :data:`planner.analyses.files.TABLES`), or None if it
    holds none's tables (a frontier's folder also holds a break-even's one table: it is tried first)."""
    if not (folder / "summary.json").is_file():
        return None
    return next((kind for kind, names in TABLES.items() if all((folder / f"{n}.csv").is_file() for n in names)), None)


def analysis_page(folder: Path) -> str:
    """The report of the analysis written to ``folder``: a complete HTML document with no external
    resource. A folder of no analysis, or whose files cannot be read, raises :class:`~planner.html.folder.FolderError`
    naming each file at fault."""
    kind = analysis_kind(folder)
    if kind is None:
        files = ", ".join(f"{k}: {', '.join(n + '.csv' for n in v)}" for k, v in TABLES.items())
        raise FolderError([Problem(str(folder), f"holds no plan and no analysis (summary.json and, for {files})")])
    summary, tables = _read(folder, kind)
    return _document(kind, summary, tables, folder.name)


def analysis_html(result: Any) -> str:
    """An analysis's result in a notebook (its ``_repr_html_``): its summary and its charts."""
    kind, summary, tables = of_result(result)
    return f"<div class=planner-analysis>{_summary(summary)}{_charts(kind, summary, tables)}</div>"


def _charts(kind: str, summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> str:
    return "".join(_figure(name, draw) for name, draw in drawings(kind, summary, tables))


def _document(kind: str, summary: dict[str, Any], tables: dict[str, pd.DataFrame], name: str) -> str:
    charts = _charts(kind, summary, tables)
    shown = "".join(_table(table, frame) for table, frame in tables.items())
    about = summary.get("scenario") or summary.get("subject") or summary.get("axis") or name
    title = f"{kind.capitalize()}: {escape(str(about))}"
    body = [
        f"<header><h1>{title}</h1></header>",
        "<section id=summary><h2>Summary</h2>",
        _summary(summary),
        "</section>",
        f"<section id=charts><h2>Charts</h2>{charts}</section>",
        f"<section id=tables><h2>Tables</h2>{shown}</section>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )


def _read(folder: Path, kind: str) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    problems, tables = [], {}
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(str(folder / "summary.json"), f"cannot be read as JSON: {exc}"))
        summary = {}
    for name in TABLES[kind]:
        path = folder / f"{name}.csv"
        try:
            tables[name] = pd.read_csv(path)
        except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            problems.append(Problem(str(path), f"cannot be read as CSV: {exc}"))
    if problems or not isinstance(summary, dict):
        raise FolderError(problems or [Problem(str(folder / "summary.json"), "holds no JSON object")])
    return summary, tables


def _summary(summary: dict[str, Any]) -> str:
    """The summary's single figures (lists and tables are in the tables below), USD as money."""
    rows = []
    for key, value in summary.items():
        if isinstance(value, list | dict) or value is None:
            continue
        if isinstance(value, float) and key.endswith("_usd") and math.isfinite(value):
            text = _usd(value)
        elif isinstance(value, float):
            text = f"{value:,.6g}"
        else:
            text = str(value)
        rows.append(f"<dt>{escape(key)}</dt><dd>{escape(text)}</dd>")
    return '<dl class="summary">' + "".join(rows) + "</dl>"


def _table(name: str, frame: pd.DataFrame) -> str:
    head = frame.head(SHOWN_ROWS)
    caption = f"{name}.csv" + (f" (first {SHOWN_ROWS} of {len(frame)} rows)" if len(frame) > SHOWN_ROWS else "")
    rows = [[_cell(v) for v in row] for row in head.itertuples(index=False)]
    return table_html(caption, [str(c) for c in frame.columns], rows)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.6g}"
    return str(value)


def _figure(name: str, draw: Callable[[Axes], Any]) -> str:
    from planner.html.svg import chart_svg

    return (
        f'<figure class="chart" data-chart="{name}">{chart_svg(draw)}<figcaption>{escape(name)}</figcaption></figure>'
    )
