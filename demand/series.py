"""Demand given as a table of token counts per interval (day, week, month or quarter).

The table may come inline or from a CSV file; its intervals are resampled onto the planning
periods by spreading each interval's tokens evenly over its days (a week that straddles two
months gives each month its share).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import stat
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from demand.curves import Volume, period_bounds, to_days
from demand.periods import parse_label


class ExplicitSeries(Volume):
    """Tokens per interval, inline (``tokens``) or from a CSV file (``csv``, columns ``period,tokens``).

    Labels are months (``'2026-03'``), quarters (``'2026Q1'``) or dates (``'2026-03-02'``) that
    start a day or a week (see ``interval``). Every planning period must be fully covered and no
    two labels may overlap.

    A CSV file's time column may also be named ``date``, ``time``, ``day``, ``week``, ``month`` or
    ``quarter`` (:data:`TIME_COLUMNS`, any case), or be named by ``time_column``; its tokens column
    by ``tokens_column``. A ``day`` or ``week`` column says what its dates cover; in a ``month``
    column a date on the first of a month stands for that month, in a ``quarter`` column a date or
    month starting a quarter for that quarter.
    """

    kind: Literal["series"] = Field(default="series", description="Selects an explicit table of tokens per interval.")
    tokens: dict[str, float] | None = Field(
        default=None, description="Tokens (input plus output) in each interval, keyed by its label."
    )
    csv: Path | None = Field(
        default=None,
        description="CSV file with columns 'period' (or date, time, day, week, month, quarter) and 'tokens' ('#' "
        "starts a comment); a relative path is read from the scenario file's folder.",
    )
    time_column: str | None = Field(
        default=None,
        description="Name of the CSV file's time column, when it is none of period, date, time, day, week, month, "
        "quarter (or the file has several of them).",
    )
    tokens_column: str | None = Field(
        default=None, description="Name of the CSV file's column of token counts, when it is not 'tokens'."
    )
    interval: Literal["auto", "day", "week"] = Field(
        default="auto",
        description="What a date label ('2026-03-02') covers: one day or the week it starts; 'auto' infers it from "
        "the spacing of the dates. Month and quarter labels cover their month or quarter.",
    )
    _table: dict[str, float] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _load(self, info: ValidationInfo) -> ExplicitSeries:
        match self.tokens, self.csv:
            case dict() as table, None:
                named = [name for name in ("time_column", "tokens_column") if getattr(self, name) is not None]
                if named:
                    raise ValueError(
                        f"{' and '.join(named)} name columns of a CSV file; an inline 'tokens' table has none"
                    )
            case None, Path() as csv:
                base_dir = Path((info.context or {}).get("base_dir", "."))
                path = csv if csv.is_absolute() else base_dir / csv
                with contextlib.suppress(RuntimeError, OSError):  # a loop of symbolic links: the reader says so
                    path = path.resolve()
                self.csv = path
                table, covers = _read_series_csv(self.csv, self.time_column, self.tokens_column)
                if covers is not None:
                    if self.interval not in ("auto", covers):
                        raise ValueError(
                            f"{self.csv.name}: the time column holds {covers}s but interval is {self.interval!r}; "
                            f"remove interval or rename the column"
                        )
                    self.interval = covers
            case _:
                raise ValueError("give exactly one of 'tokens' (an inline table) or 'csv' (a file path)")
        bad = {label: value for label, value in table.items() if not (math.isfinite(value) and value >= 0)}
        if bad:
            raise ValueError(f"token counts must be finite and >= 0; got {bad}")
        if not table:
            raise ValueError("the series is empty")
        self._table = {str(label): float(value) for label, value in table.items()}
        return self

    def intervals(self) -> pd.DataFrame:
        """The table as intervals: ``label, first, end`` (days since 1970-01-01), ``tokens``,
        ``tokens_per_day``, sorted by date.

        Raises
        ------
        ValueError
            If a label is not a month, quarter or date, or two labels overlap.
        """
        labels = list(self._table)
        parsed = [parse_label(label) for label in labels]
        dates = sorted(to_days([p.start_time])[0] for p in parsed if p.freqstr == "D")
        day_length = self._day_label_length(dates)
        first = np.array([to_days([p.start_time])[0] for p in parsed])
        end = np.array([to_days([(p + 1).start_time])[0] if p.freqstr != "D" else 0.0 for p in parsed])
        end = np.where([p.freqstr == "D" for p in parsed], first + day_length, end)
        frame = pd.DataFrame(
            {"label": labels, "first": first, "end": end, "tokens": [self._table[label] for label in labels]}
        )
        frame = frame.sort_values("first", ignore_index=True)
        clash = np.flatnonzero(frame["first"].to_numpy()[1:] < frame["end"].to_numpy()[:-1] - 1e-9)
        if len(clash):
            i = clash[0]
            raise ValueError(
                f"labels {frame['label'][i]!r} and {frame['label'][i + 1]!r} overlap: both give tokens for the same days"
            )
        return frame.assign(tokens_per_day=frame["tokens"] / (frame["end"] - frame["first"]))

    def _day_label_length(self, dates: list[float]) -> float:
        if not dates:
            return 1.0
        if self.interval != "auto":
            return 7.0 if self.interval == "week" else 1.0
        # Dates a whole number of weeks apart are weeks (with any missing one reported as a gap
        # later); consecutive days are days.
        gaps = np.round(np.diff(dates), 6)
        if len(gaps) and gaps.min() == 7.0 and np.all(gaps % 7 == 0):
            return 7.0
        if len(gaps) and gaps.min() == 1.0 and np.all(gaps == np.round(gaps)):
            return 1.0
        raise ValueError("cannot tell whether the date labels are days or weeks; set interval: day or interval: week")

    def anchor(self) -> pd.Timestamp:
        return pd.Timestamp("1970-01-01") + pd.Timedelta(days=float(self.intervals()["first"].min()))

    def evaluate(self, times) -> np.ndarray:
        """Tokens per day at ``times``: the average of the interval holding each time (NaN outside)."""
        frame = self.intervals()
        days = to_days(times)
        index = np.searchsorted(frame["first"].to_numpy(), days, side="right") - 1
        inside = (index >= 0) & (days < frame["end"].to_numpy()[np.clip(index, 0, None)])
        return np.where(inside, frame["tokens_per_day"].to_numpy()[np.clip(index, 0, None)], np.nan)

    def between(self, first, end, names: list[str] | None = None) -> np.ndarray:
        """Tokens between days ``first`` and ``end``, spreading each interval evenly over its days.

        Raises
        ------
        ValueError
            If an interval asked for is not fully covered by the table; it is named by ``names``
            (default: its first date).
        """
        table = self.intervals()
        first, end = np.atleast_1d(np.asarray(first, float)), np.atleast_1d(np.asarray(end, float))
        overlap = np.clip(
            np.minimum(end[:, None], table["end"].to_numpy()[None, :])
            - np.maximum(first[:, None], table["first"].to_numpy()[None, :]),
            0.0,
            None,
        )
        covered = overlap.sum(axis=1)
        length = end - first
        if np.any(covered < length - 1e-9):
            if names is None:
                names = [str((pd.Timestamp("1970-01-01") + pd.Timedelta(days=float(a))).date()) for a in first]
            missing = [n for n, c in zip(names, covered, strict=True) if c == 0]
            partial = [
                f"{n} ({c:g} of {d:g} days)" for n, c, d in zip(names, covered, length, strict=True) if 0 < c < d - 1e-9
            ]
            parts = ([f"no value for period(s) {', '.join(missing)}"] if missing else []) + (
                [f"period(s) {', '.join(partial)} only partly covered"] if partial else []
            )
            raise ValueError("the series has " + "; ".join(parts))
        return overlap @ table["tokens_per_day"].to_numpy()

    def per_period(self, periods: pd.PeriodIndex) -> np.ndarray:
        """Tokens in each of ``periods``; a gap is reported by the periods' labels."""
        return self.between(*period_bounds(periods), names=[str(p) for p in periods])


TIME_COLUMNS = ("period", "date", "time", "day", "week", "month", "quarter")
"""Names taken for the time column of a series table (in any case) unless one is named."""

# What a date in a time column of this name covers: one day or the week it starts.
_COVERS: dict[str, Literal["day", "week"]] = {"day": "day", "week": "week"}


def _pick_columns(columns, time_column: str | None = None, tokens_column: str | None = None) -> tuple[str, str]:
    """The time and tokens columns among ``columns``: the ones named, else the usual names.

    Names are matched in any case and without surrounding blanks.

    Raises
    ------
    ValueError
        If a named column is missing, no column has a usual name, or several do.
    """
    by_key = {str(column).strip().casefold(): column for column in columns}
    listed = ", ".join(str(column) for column in columns)
    problems = []
    tokens = by_key.get((tokens_column or "tokens").strip().casefold())
    if time_column is not None:
        time = by_key.get(time_column.strip().casefold())
        if time is None:
            problems.append(f"no time column {time_column!r} (time_column); the columns are {listed}")
    else:
        candidates = [by_key[name] for name in TIME_COLUMNS if name in by_key]
        time = candidates[0] if len(candidates) == 1 else None
        if len(candidates) > 1:
            problems.append(
                f"columns {' and '.join(map(str, candidates))} could each be the time column; name it with time_column"
            )
    if tokens_column is not None and tokens is None:
        problems.append(f"no tokens column {tokens_column!r} (tokens_column); the columns are {listed}")
    if problems:
        raise ValueError("; ".join(problems))
    if time is None or tokens is None:
        missing = [name for name, found in (("period", time), ("tokens", tokens)) if found is None]
        raise ValueError(
            f"missing column(s) {', '.join(missing)}; expected a header 'period,tokens' (the time column may also be "
            f"named {', '.join(TIME_COLUMNS[1:])}; other names are given with time_column and tokens_column); "
            f"the columns are {listed}"
        )
    return time, tokens


def _time_labels(labels: list[str], column: str) -> tuple[list[str], Literal["day", "week"] | None]:
    """Labels of a time column as series labels, and what its dates cover when its name says so.

    In a ``month`` column a date on the first of a month stands for that month; in a ``quarter``
    column a date or month starting a quarter stands for that quarter. Other labels are kept as
    they are (a label that is no period at all is reported where the series is read).

    Raises
    ------
    ValueError
        If a date in a month or quarter column does not start one.
    """
    kind = str(column).strip().casefold()
    if kind not in ("month", "quarter"):
        return labels, _COVERS.get(kind)
    out = []
    for label in labels:
        try:
            period = parse_label(label)
        except ValueError:
            out.append(label)
            continue
        if kind == "month" and period.freqstr == "D":
            if period.day != 1:
                raise ValueError(
                    f"{label!r} in column {column!r} is not the first day of a month; give months as '2026-03'"
                )
            label = str(period.asfreq("M"))
        elif kind == "quarter" and period.freqstr[0] != "Q":
            quarter = period.asfreq("Q")
            if period.start_time != quarter.start_time:
                raise ValueError(f"{label!r} in column {column!r} does not start a quarter; give quarters as '2026Q1'")
            label = str(quarter)
        out.append(label)
    return out, None


MAX_CSV_BYTES = 64 * 2**20
"""The largest demand CSV file read (64 MiB: decades of daily counts take well under 1 MiB)."""

_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``.

    A named pipe would block the reader forever and a device such as ``/dev/zero`` never ends,
    so the file is opened without blocking and checked before anything is read.

    Raises
    ------
    OSError
        If the file cannot be opened (missing, no permission, a loop of symbolic links).
    ValueError
        If it is not a regular file, or larger than ``max_bytes``; the message completes
        "<path> ...".
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = next((what for test, what in _NOT_REGULAR if test(mode)), "not a file")
        raise ValueError(f"is {kind}, not a regular file")
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"is larger than {max_bytes / 2**20:g} MiB, the most that is read")
    return data


def _read_series_csv(
    path: Path, time_column: str | None = None, tokens_column: str | None = None
) -> tuple[dict[str, float], Literal["day", "week"] | None]:
    """The tokens per label of a CSV file, and what its dates cover when the time column says so."""
    try:
        raw = read_regular_file(path, MAX_CSV_BYTES)
    except FileNotFoundError:
        raise ValueError(f"demand CSV file not found: {path}") from None
    except OSError as exc:
        raise ValueError(f"cannot read the demand CSV file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ValueError(f"the demand CSV file {path} {exc}") from None
    # '#' starts a comment, so a data file can name its source. Comments are cut here, with the
    # same rule as _file_lines, keeping every line so that reported line numbers stay right.
    text = raw.decode("utf-8", errors="replace")
    frame = pd.read_csv(io.StringIO("\n".join(_content(line) for line in text.split("\n"))), dtype=str)
    try:
        time, count = _pick_columns(frame.columns, time_column, tokens_column)
    except ValueError as error:
        raise ValueError(f"{path.name}: {error}") from error
    tokens = pd.to_numeric(frame[count], errors="coerce")
    if tokens.isna().any():
        rows = _file_lines(path, np.flatnonzero(tokens.isna()))
        raise ValueError(f"{path.name}: non-numeric {count!r} on line(s) {rows}")
    if frame[time].isna().any():
        rows = _file_lines(path, np.flatnonzero(frame[time].isna()))
        raise ValueError(f"{path.name}: no {time!r} on line(s) {rows}")
    try:
        labels, covers = _time_labels(frame[time].str.strip().tolist(), time)
    except ValueError as error:
        raise ValueError(f"{path.name}: {error}") from error
    repeated = pd.Series(labels)
    if repeated.duplicated().any():
        raise ValueError(f"{path.name}: period(s) listed twice: {sorted(set(repeated[repeated.duplicated()]))}")
    return dict(zip(labels, tokens.astype(float), strict=True)), covers


def _content(line: str) -> str:
    """A CSV line without its comment and surrounding blanks."""
    return line.split("#", 1)[0].strip()


def _file_lines(path: Path, rows: np.ndarray) -> list[int]:
    """1-based file line numbers of data ``rows`` (0-based) of a CSV file read by ``pd.read_csv``.

    ``read_csv`` skips blank, whitespace-only and comment lines, so a row's line is found by
    counting the lines with content before any '#'; the first of them is the header.
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    nonblank = [number for number, line in enumerate(text.split("\n"), start=1) if _content(line)]
    return [nonblank[int(row) + 1] for row in rows]
