"""Planning calendars: periods of real calendar length (a February has 28 or 29 days)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

PeriodLength = Literal["month", "quarter"]

_FREQ: dict[str, str] = {"month": "M", "quarter": "Q"}


def planning_periods(start: str, count: int, length: PeriodLength) -> pd.PeriodIndex:
    """Return ``count`` consecutive periods of ``length`` starting with the one holding ``start``.

    >>> list(planning_periods("2026-01", 2, "quarter").astype(str))
    ['2026Q1', '2026Q2']
    """
    return pd.period_range(start=pd.Period(start, freq="M").start_time, periods=count, freq=_FREQ[length])


def parse_period(label: str, length: PeriodLength) -> pd.Period:
    """Parse a period label such as ``'2026-03'`` (month) or ``'2026Q1'`` / ``'2026-01'`` (quarter).

    A month label given for a quarterly calendar names the quarter holding that month.

    Raises
    ------
    ValueError
        If the label is not a month or quarter.
    """
    period = parse_label(label, kinds="MQ")
    if length == "month" and period.freqstr[0] == "Q":
        raise ValueError(f"{label!r} is a quarter but the horizon is monthly; give a month such as '2026-03'")
    return period.asfreq(_FREQ[length])


_KIND_NAMES = {"M": "a month ('2026-03')", "Q": "a quarter ('2026Q1')", "D": "a date ('2026-03-02')"}


def parse_label(label: str, kinds: str = "MQD") -> pd.Period:
    """Parse a label naming a month, a quarter or a day (only the ``kinds`` given: 'M', 'Q', 'D').

    Raises
    ------
    ValueError
        If the label is none of those, or does not give its year in full.
    """
    try:
        period = pd.Period(str(label))
    except (ValueError, TypeError):
        period = None
    # An empty string, 'nan' or 'NaT' parses to NaT, which has no frequency: not a period either.
    if period is None or period is pd.NaT or period.freqstr[0] not in kinds:
        names = [_KIND_NAMES[k] for k in kinds]
        choices = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise ValueError(f"{label!r} is not {choices}")
    # Without a year ('January', 'Mar') pandas silently picks the year 1; ask for the year in full.
    if f"{period.year:04d}" not in str(label):
        raise ValueError(f"{label!r} does not give a four-digit year; give {', '.join(_KIND_NAMES[k] for k in kinds)}")
    return period.asfreq("Q") if period.freqstr[0] == "Q" else period


def seconds_per_period(periods: pd.PeriodIndex) -> np.ndarray:
    """Length of each period in seconds, from its real calendar dates."""
    starts = periods.start_time
    ends = (periods + 1).start_time
    return np.asarray((ends - starts).total_seconds(), dtype=float)
