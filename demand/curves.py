"""Demand specifications and their projection onto planning periods.

Every specification is a pydantic model with a ``kind`` tag, so a scenario file can hold any of
them; :func:`project` turns one into tokens per planning period.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

from demand.periods import parse_period, seconds_per_period

# Lengths of the growth-rate units in days; a year is the mean Gregorian year, so that a monthly
# rate compounds to exactly the annual one: (1 + r_month) ** 12 == 1 + r_year.
_UNIT_DAYS = {"week": 7.0, "month": 365.2425 / 12, "year": 365.2425}
_SECONDS_PER_DAY = 86_400.0


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExplicitSeries(_Spec):
    """Tokens per period given as a table, inline or in a CSV file.

    Labels are months (``'2026-03'``) or quarters (``'2026Q1'``); monthly values given for a
    quarterly horizon are summed into their quarters (all three months must be present).
    """

    kind: Literal["series"] = Field(default="series", description="Selects an explicit table of tokens per period.")
    tokens: dict[str, float] | None = Field(
        default=None, description="Tokens (input plus output) in each period, keyed by period label."
    )
    csv: Path | None = Field(
        default=None,
        description="CSV file with columns 'period' and 'tokens'; a relative path is read from the scenario file's folder.",
    )
    _table: dict[str, float] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _load(self, info: ValidationInfo) -> ExplicitSeries:
        if (self.tokens is None) == (self.csv is None):
            raise ValueError("give exactly one of 'tokens' (an inline table) or 'csv' (a file path)")
        if self.tokens is not None:
            table = self.tokens
        else:
            base_dir = Path((info.context or {}).get("base_dir", "."))
            path = self.csv if self.csv.is_absolute() else base_dir / self.csv
            self.csv = path.resolve()
            table = _read_series_csv(self.csv)
        bad = {label: value for label, value in table.items() if not (math.isfinite(value) and value >= 0)}
        if bad:
            raise ValueError(f"token counts must be finite and >= 0; got {bad}")
        self._table = {str(label): float(value) for label, value in table.items()}
        return self

    def per_period(self, periods: pd.PeriodIndex) -> np.ndarray:
        """Tokens in each of ``periods``.

        Raises
        ------
        ValueError
            If a label cannot be parsed or a period has no value.
        """
        length = "quarter" if periods.freqstr.startswith("Q") else "month"
        sums: dict[pd.Period, float] = {}
        # The months each planning period has values for, with the label that gave each month:
        # two labels naming the same month ('2026-01' and '2026-1', or '2026Q1' and '2026-01')
        # are an error, not two values to add up.
        covered: dict[pd.Period, dict[pd.Period, str]] = {}
        for label, value in self._table.items():
            period = parse_period(label, length)
            own = pd.Period(label)
            months = [own] if own.freqstr[0] == "M" else list(pd.period_range(own.asfreq("M", "s"), periods=3, freq="M"))
            seen = covered.setdefault(period, {})
            for month in months:
                if month in seen:
                    raise ValueError(f"labels {seen[month]!r} and {label!r} both give tokens for {month}")
                seen[month] = label
            sums[period] = sums.get(period, 0.0) + value
        missing = [str(p) for p in periods if p not in sums]
        if missing:
            raise ValueError(f"the series has no value for period(s) {', '.join(missing)}")
        partial = [str(p) for p in periods if length == "quarter" and len(covered[p]) != 3]
        if partial:
            raise ValueError(f"quarter(s) {', '.join(partial)} need all three months (or one quarterly value)")
        return np.array([sums[p] for p in periods], dtype=float)


def _read_series_csv(path: Path) -> dict[str, float]:
    if not path.is_file():
        raise ValueError(f"demand CSV file not found: {path}")
    # '#' starts a comment, so a data file can name its source on its first lines.
    frame = pd.read_csv(path, dtype={"period": str}, comment="#")
    missing = {"period", "tokens"} - set(frame.columns)
    if missing:
        raise ValueError(
            f"{path.name}: missing column(s) {', '.join(sorted(missing))}; expected a header 'period,tokens'"
        )
    tokens = pd.to_numeric(frame["tokens"], errors="coerce")
    if tokens.isna().any():
        rows = _file_lines(path, np.flatnonzero(tokens.isna()))
        raise ValueError(f"{path.name}: non-numeric 'tokens' on line(s) {rows}")
    if frame["period"].isna().any():
        rows = _file_lines(path, np.flatnonzero(frame["period"].isna()))
        raise ValueError(f"{path.name}: no 'period' on line(s) {rows}")
    if frame["period"].duplicated().any():
        raise ValueError(f"{path.name}: period(s) listed twice: {sorted(set(frame['period'][frame['period'].duplicated()]))}")
    return dict(zip(frame["period"], tokens.astype(float), strict=True))


def _file_lines(path: Path, rows: np.ndarray) -> list[int]:
    """1-based file line numbers of data ``rows`` (0-based) of a CSV file read by ``pd.read_csv``.

    ``read_csv`` skips blank, whitespace-only and comment lines, so a row's line is found by
    counting the lines with content before any '#'; the first of them is the header.
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    nonblank = [number for number, line in enumerate(text.split("\n"), start=1) if line.split("#", 1)[0].strip()]
    return [nonblank[int(row) + 1] for row in rows]


class ExponentialGrowth(_Spec):
    """Constant-rate exponential growth of the daily token volume.

    The daily volume is ``tokens_per_day * (1 + rate) ** (elapsed / per)`` from the start of
    month ``start``; tokens in a period are its exact integral over the period's calendar days.
    """

    kind: Literal["exponential"] = Field(default="exponential", description="Selects constant-rate exponential growth.")
    start: str = Field(description="Month ('2026-01') at whose first day the volume equals tokens_per_day.")
    tokens_per_day: float = Field(gt=0, allow_inf_nan=False, description="Tokens (input plus output) per day at 'start'.")
    rate: float = Field(
        gt=-1, allow_inf_nan=False, description="Fractional growth per 'per' unit, e.g. 0.05 for +5% a month."
    )
    per: Literal["week", "month", "year"] = Field(
        default="month", description="Time unit of 'rate' (week = 7 days, year = 365.2425 days, month = a twelfth of it)."
    )

    @model_validator(mode="after")
    def _start_is_month(self) -> ExponentialGrowth:
        parse_period(self.start, "month")
        return self

    def annual_growth_factor(self) -> float:
        """Factor by which the volume grows in one year, e.g. 1.796 for 5% a month."""
        return (1.0 + self.rate) ** (_UNIT_DAYS["year"] / _UNIT_DAYS[self.per])

    def per_period(self, periods: pd.PeriodIndex) -> np.ndarray:
        """Tokens in each of ``periods``: the integral of the daily volume over its days."""
        origin = pd.Period(self.start, freq="M").start_time
        a = np.asarray((periods.start_time - origin).total_seconds(), dtype=float) / _SECONDS_PER_DAY
        b = a + seconds_per_period(periods) / _SECONDS_PER_DAY
        k = math.log1p(self.rate) / _UNIT_DAYS[self.per]  # continuous rate per day
        if k == 0.0:
            return self.tokens_per_day * (b - a)
        return self.tokens_per_day * np.exp(k * a) * np.expm1(k * (b - a)) / k


DemandSpec = Annotated[ExplicitSeries | ExponentialGrowth, Field(discriminator="kind")]


def project(spec: ExplicitSeries | ExponentialGrowth, periods: pd.PeriodIndex) -> pd.DataFrame:
    """Project a demand specification onto planning periods.

    Parameters
    ----------
    spec
        A demand specification (``ExplicitSeries`` or ``ExponentialGrowth``).
    periods
        The planning periods, from :func:`demand.planning_periods`.

    Returns
    -------
    DataFrame
        One row per period: ``period`` (label), ``tokens`` (input plus output tokens in the
        period) and ``tokens_per_s`` (the period's average rate).

    >>> from demand import ExponentialGrowth, planning_periods
    >>> spec = ExponentialGrowth(start="2026-01", tokens_per_day=8.64e12, rate=0.0, per="month")
    >>> float(project(spec, planning_periods("2026-01", 1, "month"))["tokens_per_s"].iloc[0])
    100000000.0
    """
    tokens = spec.per_period(periods)
    return pd.DataFrame(
        {"period": periods.astype(str), "tokens": tokens, "tokens_per_s": tokens / seconds_per_period(periods)}
    )
