"""How a workload's load varies within a week.

Demand specifications give tokens per period, hence an average rate; a fleet sized for the
average would fall behind every weekday afternoon. A :class:`Profile` describes the shape of the
load over the 168 hours of a week, from which follow the peak-to-average ratio
(:meth:`Profile.peak_factor`) and load slices (:meth:`Profile.slices`) for planning with more than
one level of load.

>>> from demand.profiles import Profile
>>> profile = Profile(hourly=[2.0] + [1.0] * 23)
>>> round(profile.peak_factor(), 6)  # 2 / (25 / 24)
1.92
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

HOURS_PER_DAY = 24
DAYS_PER_WEEK = 7

PresetName = Literal["flat", "business", "consumer", "batch"]

# Illustrative shapes, not measurements: (hourly weights for hours 0-23, daily weights Monday
# first). Replace them with the workload's own traffic when it is known.
_FLAT_DAY = (1.0,) * HOURS_PER_DAY
_FLAT_WEEK = (1.0,) * DAYS_PER_WEEK
_PRESETS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "flat": (_FLAT_DAY, _FLAT_WEEK),
    # Office use: a plateau from 9:00 to 17:00 with a lunch dip, quiet nights, weekends at about a third.
    "business": (
        (
            0.25,
            0.2,
            0.2,
            0.2,
            0.2,
            0.25,
            0.35,
            0.55,
            0.8,
            0.95,
            1.0,
            1.0,
            0.9,
            0.95,
            1.0,
            1.0,
            0.9,
            0.75,
            0.55,
            0.45,
            0.4,
            0.35,
            0.3,
            0.25,
        ),
        (1.0, 1.0, 1.0, 1.0, 1.0, 0.35, 0.3),
    ),
    # Personal use: lowest before dawn, rising through the day to an evening peak, busier weekends.
    "consumer": (
        (
            0.6,
            0.45,
            0.35,
            0.3,
            0.3,
            0.3,
            0.4,
            0.5,
            0.6,
            0.65,
            0.7,
            0.75,
            0.8,
            0.8,
            0.75,
            0.75,
            0.8,
            0.85,
            0.9,
            0.95,
            1.0,
            1.0,
            0.9,
            0.75,
        ),
        (0.9, 0.9, 0.9, 0.92, 1.0, 1.15, 1.1),
    ),
    # Queued jobs can be spread over the whole week, so they are carried at their average rate.
    "batch": (_FLAT_DAY, _FLAT_WEEK),
}

_THREE_SLICES = ("peak", "shoulder", "offpeak")
# How far hour shares may sum from 1 before it is taken for a mistake rather than rounding.
_SHARE_TOLERANCE = 1e-6


class Profile(BaseModel):
    """The shape of a workload's load over a week, as relative weights per hour and per day.

    The load in hour ``h`` of day ``d`` is proportional to ``hourly[h] * weekly[d]``. A ``preset``
    gives both; ``hourly`` or ``weekly``, when given, replace the preset's. The presets are
    illustrative assumptions, not measurements:

    - ``flat``: the same load in every hour.
    - ``business``: a weekday daytime plateau (9:00-17:00), low nights, weekends at about a third
      of a weekday.
    - ``consumer``: an evening peak (20:00-22:00), a trough before dawn, busier weekends.
    - ``batch``: flat, since queued work can be spread over the week.

    >>> Profile(preset="flat").peak_factor()
    1.0
    >>> Profile(preset="business").peak_factor() > Profile(preset="consumer").peak_factor() > 1
    True
    """

    model_config = ConfigDict(extra="forbid")

    preset: PresetName = Field(
        default="flat",
        description="Named weekly shape (flat, business, consumer or batch); illustrative, not measured.",
    )
    hourly: list[float] | None = Field(
        default=None,
        description="Relative load in each hour of the day, hours 0-23 (24 non-negative weights, dimensionless; "
        "only their ratios matter). Replaces the preset's daily shape.",
    )
    weekly: list[float] | None = Field(
        default=None,
        description="Relative load on each day of the week, Monday first (7 non-negative weights, dimensionless; "
        "only their ratios matter). Replaces the preset's weekly shape.",
    )

    @field_validator("hourly")
    @classmethod
    def _check_hourly(cls, weights: list[float] | None) -> list[float] | None:
        return _check_weights(weights, "hourly", HOURS_PER_DAY, "hour", "one per hour of the day, 0-23")

    @field_validator("weekly")
    @classmethod
    def _check_weekly(cls, weights: list[float] | None) -> list[float] | None:
        return _check_weights(weights, "weekly", DAYS_PER_WEEK, "day", "one per day of the week, Monday first")

    def load(self) -> np.ndarray:
        """Load in each of the 168 hours of a week, relative to the week's average.

        Returns
        -------
        ndarray
            168 loads, Monday 00:00-01:00 first, averaging 1.
        """
        preset_hourly, preset_weekly = _PRESETS[self.preset]
        hourly = np.asarray(self.hourly if self.hourly is not None else preset_hourly, dtype=float)
        weekly = np.asarray(self.weekly if self.weekly is not None else preset_weekly, dtype=float)
        # Scaling each by its largest weight first keeps the product of tiny or huge weights finite.
        load = np.outer(weekly / weekly.max(), hourly / hourly.max()).ravel()
        return load * (load.size / load.sum())

    def peak_factor(self) -> float:
        """Peak-to-average ratio of the load: the busiest hour's load over the week's average.

        Returns
        -------
        float
            At least 1; exactly 1 for a flat profile.
        """
        return float(self.load().max())

    def slices(self, hour_shares: Sequence[float] = (0.1, 0.5, 0.4)) -> pd.DataFrame:
        """Cut the week's hours, busiest first, into slices holding the given shares of the hours.

        Cuts may fall inside an hour, so any shares are honoured exactly.

        Parameters
        ----------
        hour_shares
            Fraction of the week's hours in each slice, busiest slice first; positive, summing
            to 1 (within 1e-6; they are rescaled to sum to 1 exactly). The default puts the busiest 10% of the hours in a peak slice, the next 50%
            in a shoulder and the quietest 40% off-peak.

        Returns
        -------
        DataFrame
            One row per slice: ``slice`` (``peak``, ``shoulder``, ``offpeak`` for three slices,
            else ``slice1``, ``slice2``, ...), ``hours_share`` (fraction of the hours, summing to
            1) and ``load_factor`` (the slice's mean load relative to the week's average). The
            load factors do not increase from one slice to the next, the first is at most
            :meth:`peak_factor`, and ``sum(hours_share * load_factor) == 1`` to rounding: the
            slices carry all the tokens.

        Raises
        ------
        ValueError
            If a share is not positive or the shares do not sum to 1 within 1e-6.

        >>> Profile(hourly=[2.0] + [1.0] * 23).slices().round(6).to_dict("list")
        {'slice': ['peak', 'shoulder', 'offpeak'], 'hours_share': [0.1, 0.5, 0.4], 'load_factor': [1.36, 0.96, 0.96]}
        """
        shares = np.asarray(hour_shares, dtype=float)
        if shares.ndim != 1 or shares.size == 0 or not np.all(np.isfinite(shares) & (shares > 0)):
            raise ValueError(f"hour_shares must be positive fractions of the week's hours; got {list(hour_shares)}")
        if abs(shares.sum() - 1.0) > _SHARE_TOLERANCE:
            raise ValueError(
                f"hour_shares must sum to 1 (they split the week's hours); got {list(hour_shares)}, "
                f"which sum to {shares.sum():.8g}"
            )
        shares = shares / shares.sum()
        descending = np.sort(self.load())[::-1]
        edges = descending.size * np.concatenate([[0.0], np.cumsum(shares)])
        edges[-1] = descending.size  # the shares' rounding must not leave an hour out
        # Each hour counts in a slice for the part of it the slice covers. Summing these parts,
        # rather than differencing a running total, keeps the quiet slices' small loads accurate.
        starts = np.arange(descending.size, dtype=float)
        covered = np.clip(np.minimum(edges[1:, None], starts + 1) - np.maximum(edges[:-1, None], starts), 0.0, None)
        load_factor = covered @ descending / covered.sum(axis=1)
        names = list(_THREE_SLICES) if shares.size == 3 else [f"slice{i}" for i in range(1, shares.size + 1)]
        return pd.DataFrame({"slice": names, "hours_share": shares, "load_factor": load_factor})


def peak_tokens_per_s(average_tokens_per_s, profile: Profile):
    """Token rate the fleet must carry in the busiest hour, from the average rate.

    Parameters
    ----------
    average_tokens_per_s
        Average rate(s) in tokens per second: a number, a numpy array or a pandas Series.
    profile
        The workload's weekly shape.

    Returns
    -------
    float or ndarray or Series
        ``average_tokens_per_s * profile.peak_factor()``, tokens per second, of the input's shape.

    >>> peak_tokens_per_s(np.array([1000.0, 2500.0]), Profile(hourly=[2.0] + [1.0] * 23)).round(6)
    array([1920., 4800.])
    """
    return np.multiply(average_tokens_per_s, profile.peak_factor())


def _check_weights(weights: list[float] | None, field: str, count: int, unit: str, layout: str) -> list[float] | None:
    """Check relative weights: ``count`` of them, finite, non-negative, not all zero."""
    if weights is None:
        return None
    if len(weights) != count:
        raise ValueError(f"'{field}' needs {count} weights ({layout}); got {len(weights)}")
    bad = [f"{unit} {i}: {w!r}" for i, w in enumerate(weights) if not (np.isfinite(w) and w >= 0)]
    if bad:
        raise ValueError(f"'{field}' weights must be finite numbers >= 0; got {', '.join(bad)}")
    if not any(w > 0 for w in weights):
        raise ValueError(f"'{field}' weights are all zero; give at least one {unit} some load")
    return weights
