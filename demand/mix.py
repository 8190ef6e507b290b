"""Workload mix: each workload's share of a total demand, changing over time.

A share is either a constant or a few points ``{period label: share}``, e.g. agents growing from
10% of the tokens in January 2026 to 40% in January 2027. Between points the share follows a
straight line in time, through the points' periods' first days; before the first point and after
the last it stays at the nearest point's value. The shares of all workloads must sum to 1 in every
planning period.

>>> from demand import planning_periods
>>> periods = planning_periods("2026-01", 3, "quarter")
>>> mix_table({"chat": 0.75, "agents": 0.25}, periods)["share"].tolist()
[0.75, 0.25, 0.75, 0.25, 0.75, 0.25]
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from demand.curves import to_days
from demand.periods import PeriodLength, parse_period

Share = float | dict[str, float]
"""A workload's share of the total demand (a fraction, 0.25 for 25%): a constant, or points
``{period label: share}`` joined by straight lines in time and held flat beyond the first and last."""

# Shares are fractions: a sum this close to 1 is rounding, not a missing or extra workload.
SUM_TOLERANCE = 1e-6
# Offending periods named in an error before the rest are only counted.
_SHOWN = 5


def share_values(share: Share, periods: pd.PeriodIndex) -> np.ndarray:
    """A share's value in each planning period.

    Each point stands at the first day of its period and each planning period takes the value at
    its own first day, interpolated linearly in days between the points around it and held at the
    first (last) point's value before (after) it. Points may lie outside the planning horizon.

    Parameters
    ----------
    share
        A constant fraction in [0, 1], or points ``{label: fraction}``. Labels are months
        (``'2026-03'``) or, on a quarterly calendar, quarters (``'2026Q1'``); a month label on a
        quarterly calendar names the quarter holding it, so its point stands at the quarter's
        first day.
    periods
        Monthly or quarterly planning periods, from :func:`demand.planning_periods`.

    Returns
    -------
    ndarray
        One share per period.

    Raises
    ------
    ValueError
        If a share is outside [0, 1], a label is not a period of the calendar, two labels fall in
        the same period, or no point is given.

    >>> from demand import planning_periods
    >>> share_values({"2026-01": 0.1, "2026-03": 0.3}, planning_periods("2026-01", 4, "month")).round(4).tolist()
    [0.1, 0.2051, 0.3, 0.3]
    """
    length = _calendar(periods)
    if not isinstance(share, dict):
        return np.full(len(periods), _fraction(share, ""))
    if not share:
        raise ValueError("the share gives no points; give at least one {period: share} or a constant share")
    points: dict[pd.Period, tuple[str, float]] = {}
    for label, value in share.items():
        period = parse_period(label, length)
        if period in points:
            raise ValueError(
                f"points {points[period][0]!r} and {label!r} both fall in {period} on this {length}ly calendar; "
                f"give one point per {length}"
            )
        points[period] = (label, _fraction(value, f" at {label!r}"))
    ordered = sorted(points)
    first_days = to_days([period.start_time for period in ordered])
    values = np.array([points[period][1] for period in ordered])
    return np.interp(to_days(periods.start_time), first_days, values)


def mix_table(shares: dict[str, Share], periods: pd.PeriodIndex) -> pd.DataFrame:
    """Every workload's share in every planning period, checked to sum to 1 in each period.

    Parameters
    ----------
    shares
        Each workload's share (see :data:`Share`), keyed by workload name.
    periods
        Monthly or quarterly planning periods, from :func:`demand.planning_periods`.

    Returns
    -------
    DataFrame
        One row per period and workload, period by period in the workloads' given order:
        ``period`` (label), ``name`` (workload) and ``share`` (fraction of the period's tokens).

    Raises
    ------
    ValueError
        If no workload is given, a workload's share is invalid (see :func:`share_values`), or the
        shares do not sum to 1 within 1e-6 in some period; the message names those periods and
        their sums.
    """
    if not shares:
        raise ValueError("the mix names no workload; give each workload's share of the total demand")
    names = list(shares)
    columns = []
    for name in names:
        try:
            columns.append(share_values(shares[name], periods))
        except ValueError as error:
            raise ValueError(f"workload {name!r}: {error}") from error
    table = np.column_stack(columns)
    labels = periods.astype(str)
    totals = table.sum(axis=1)
    off = np.flatnonzero(np.abs(totals - 1.0) > SUM_TOLERANCE)
    if off.size:
        listed = ", ".join(f"{labels[i]} (sum {totals[i]:.8g})" for i in off[:_SHOWN])
        more = f" and {off.size - _SHOWN} more" if off.size > _SHOWN else ""
        raise ValueError(
            f"workload shares must sum to 1 in every period; they do not in {listed}{more}. "
            "Give every workload's points in the same periods with shares summing to 1 at each "
            "(straight lines between such points keep the sum at 1), or let one workload's share be the rest."
        )
    return pd.DataFrame(
        {
            "period": np.repeat(np.asarray(labels), len(names)),
            "name": np.tile(names, len(periods)),
            "share": table.ravel(),
        }
    )


def _calendar(periods: pd.PeriodIndex) -> PeriodLength:
    """Whether ``periods`` are months or quarters."""
    kind = periods.freqstr[0]
    if kind not in "MQ":
        raise ValueError(f"planning periods must be months or quarters; got frequency {periods.freqstr!r}")
    return "month" if kind == "M" else "quarter"


def _fraction(value: float, where: str) -> float:
    """``value`` as a share, checked to be a fraction in [0, 1]; ``where`` says which point it is."""
    share = float(value)
    if not (math.isfinite(share) and 0.0 <= share <= 1.0):
        raise ValueError(f"a share must be a fraction between 0 and 1 (0.25 for 25%); got {value!r}{where}")
    return share
