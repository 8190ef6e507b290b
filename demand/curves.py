"""Growth curves of the daily token volume.

Every curve is a pydantic spec tagged by ``kind`` and anchored at the first day of its ``start``
month, where the volume is ``tokens_per_day``; ``rate`` is the growth rate there, per ``per``
(week = 7 days, year = 365.2425 days, month = a twelfth of a year). Each curve gives the volume at
any time (:meth:`Curve.evaluate`, tokens per day) and the tokens in any planning period (its exact
integral over the period's calendar days), and states what it implies: the growth factor over a
year and the doubling time.

>>> from demand.curves import Logistic
>>> curve = Logistic(start="2026-01", tokens_per_day=1e12, rate=0.10, capacity_tokens_per_day=1e13)
>>> round(curve.annual_growth_factor("2026-01"), 2)
2.59
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from demand.periods import parse_period, seconds_per_period

# Lengths of the growth-rate units in days; a year is the mean Gregorian year, so that a monthly
# rate compounds to exactly the annual one: (1 + r_month) ** 12 == 1 + r_year.
UNIT_DAYS = {"week": 7.0, "month": 365.2425 / 12, "year": 365.2425}
SECONDS_PER_DAY = 86_400.0
_EPOCH = pd.Timestamp("1970-01-01")
# Gauss-Legendre nodes on [-1, 1]: 16 points integrate these smooth curves over a month or a
# quarter to round-off; closed forms are used where they exist.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(16)

RateUnit = Literal["week", "month", "year"]


def to_days(times) -> np.ndarray:
    """Days since 1970-01-01 (floats) of timestamps, dates or date strings."""
    if isinstance(times, pd.DatetimeIndex):  # a calendar's start times: nothing to parse
        index = times
    else:
        # format="mixed": strings may differ in form ('2026-07-01' beside '2026-06-30 12:00').
        index = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(np.asarray(times, dtype=object)), format="mixed"))
    return np.asarray((index - _EPOCH).total_seconds(), dtype=float) / SECONDS_PER_DAY


def period_bounds(periods: pd.PeriodIndex) -> tuple[np.ndarray, np.ndarray]:
    """First day and end (exclusive) of each period, in days since 1970-01-01."""
    first = to_days(periods.start_time)
    return first, first + seconds_per_period(periods) / SECONDS_PER_DAY


class Volume(BaseModel):
    """Anything that gives a daily token volume over time; the shared reporting lives here."""

    model_config = ConfigDict(extra="forbid")

    def evaluate(self, times) -> np.ndarray:
        """Volume in tokens per day at ``times`` (timestamps, dates or date strings)."""
        raise NotImplementedError

    def between(self, first, end) -> np.ndarray:
        """Tokens between days ``first`` and ``end`` (days since 1970-01-01, arrays)."""
        raise NotImplementedError

    def anchor(self) -> pd.Timestamp:
        """The first day of the curve's first month, where its figures are stated."""
        raise NotImplementedError

    def per_period(self, periods: pd.PeriodIndex) -> np.ndarray:
        """Tokens in each of ``periods``: the integral of the daily volume over its calendar days."""
        return self.between(*period_bounds(periods))

    def annual_growth_factor(self, at: str | pd.Timestamp | None = None) -> float:
        """How many times the volume grows in the year after ``at`` (default: the anchor)."""
        t = pd.Timestamp(at) if at is not None else self.anchor()
        now, later = self.evaluate([t, t + pd.Timedelta(days=UNIT_DAYS["year"])])
        return float(later / now)

    def doubling_time_days(self, at: str | pd.Timestamp | None = None) -> float:
        """Days the volume would take to double at the growth rate of ``at`` (inf when not growing)."""
        t = pd.Timestamp(at) if at is not None else self.anchor()
        before, after = self.evaluate([t - pd.Timedelta(hours=12), t + pd.Timedelta(hours=12)])
        slope = math.log(after / before)  # per day
        return math.log(2) / slope if slope > 0 else math.inf


class Curve(Volume):
    """A growth curve anchored at ``start``; subclasses define :meth:`_log_volume`."""

    start: str = Field(description="Month ('2026-01') at whose first day the volume is tokens_per_day.")
    tokens_per_day: float = Field(
        allow_inf_nan=False, description="Tokens (input plus output) per day at 'start'; above zero."
    )

    @field_validator("tokens_per_day")
    @classmethod
    def _grows_from_something(cls, value: float) -> float:
        if value <= 0:
            # A curve grows by a factor of its volume: from zero it stays at zero, and the
            # saturating families take its logarithm.
            raise ValueError(
                "a growth curve starts from a volume above zero; for a workload without demand give "
                "'kind: series' with zero tokens, or the workload a share of 0"
            )
        return value

    @model_validator(mode="after")
    def _start_is_month(self):
        parse_period(self.start, "month")
        return self

    def _log_volume(self, t: np.ndarray) -> np.ndarray:
        """Natural log of the volume (tokens/day) at ``t`` days after the start."""
        raise NotImplementedError

    def _integral(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Tokens between ``a`` and ``b`` days after the start (numerical unless overridden)."""
        half = (b - a) / 2.0
        t = (a + half)[:, None] + half[:, None] * _NODES[None, :]
        return half * (np.exp(self._log_volume(t)) @ _WEIGHTS)

    def anchor(self) -> pd.Timestamp:
        return pd.Period(self.start, freq="M").start_time

    @property
    def origin(self) -> float:
        """The anchor in days since 1970-01-01."""
        return float(to_days([self.anchor()])[0])

    def evaluate(self, times) -> np.ndarray:
        return np.exp(self._log_volume(to_days(times) - self.origin))

    def between(self, first, end) -> np.ndarray:
        return self._integral(np.asarray(first, float) - self.origin, np.asarray(end, float) - self.origin)


class _Rated(Curve):
    """A curve with a growth rate at its start."""

    rate: float = Field(
        gt=-1, allow_inf_nan=False, description="Fractional growth per 'per' at the start, e.g. 0.05 for +5% a month."
    )
    per: RateUnit = Field(
        default="month",
        description="Time unit of 'rate' (week = 7 days, year = 365.2425 days, month = a twelfth of it).",
    )

    @property
    def _k(self) -> float:
        """The growth rate at the start, continuous, per day."""
        return math.log1p(self.rate) / UNIT_DAYS[self.per]


class ExponentialGrowth(_Rated):
    """Constant-rate growth: ``tokens_per_day * (1 + rate) ** (elapsed / per)``."""

    kind: Literal["exponential"] = Field(default="exponential", description="Selects constant-rate exponential growth.")

    def _log_volume(self, t):
        return math.log(self.tokens_per_day) + self._k * t

    def _integral(self, a, b):
        k = self._k
        if k == 0.0:
            return self.tokens_per_day * (b - a)
        return self.tokens_per_day * np.exp(k * a) * np.expm1(k * (b - a)) / k


class _Saturating(_Rated):
    """A curve rising towards a ceiling."""

    rate: float = Field(
        gt=0, allow_inf_nan=False, description="Growth per 'per' (see the family), e.g. 0.10 for +10% a month."
    )
    capacity_tokens_per_day: float = Field(
        gt=0, allow_inf_nan=False, description="Ceiling the volume approaches, in tokens per day."
    )

    @model_validator(mode="after")
    def _below_capacity(self):
        if self.capacity_tokens_per_day <= self.tokens_per_day:
            raise ValueError("capacity_tokens_per_day must exceed tokens_per_day (the curve starts below its ceiling)")
        return self


class Logistic(_Saturating):
    """S-shaped growth towards a ceiling: ``K / (1 + (K / N0 - 1) * exp(-g t))``.

    ``rate`` is the intrinsic growth rate ``g`` (the growth while far below the capacity ``K``).
    """

    kind: Literal["logistic"] = Field(default="logistic", description="Selects logistic (saturating) growth.")
    rate: float = Field(
        gt=0, allow_inf_nan=False, description="Growth per 'per' while far below capacity, e.g. 0.10 for +10% a month."
    )

    def _log_volume(self, t):
        gap = self.capacity_tokens_per_day / self.tokens_per_day - 1.0
        # log K - log(1 + gap * e^{-kt}), written to avoid overflow far in the past
        x = math.log(gap) - self._k * t
        return math.log(self.capacity_tokens_per_day) - np.logaddexp(0.0, x)


class Gompertz(_Saturating):
    """Asymmetric S-curve: ``K * exp(log(N0 / K) * exp(-b t))``, fast early and slow to saturate.

    ``rate`` is the growth rate at the start; ``b`` follows from it as ``g0 / log(K / N0)``.
    """

    kind: Literal["gompertz"] = Field(default="gompertz", description="Selects Gompertz (saturating) growth.")
    rate: float = Field(
        gt=0, allow_inf_nan=False, description="Growth per 'per' at the start, e.g. 0.10 for +10% a month."
    )

    def _log_volume(self, t):
        gap = math.log(self.capacity_tokens_per_day / self.tokens_per_day)
        b = self._k / gap
        return math.log(self.capacity_tokens_per_day) - gap * np.exp(-b * t)


class DecayingGrowth(_Rated):
    """Growth whose rate halves every ``half_life_months``: very fast now, slower later.

    The continuous growth rate is ``g0 * 2 ** (-t / H)``, so the volume is
    ``N0 * exp(g0 * H / ln 2 * (1 - 2 ** (-t / H)))`` and levels off at ``N0 * exp(g0 H / ln 2)``.
    """

    kind: Literal["decaying"] = Field(default="decaying", description="Selects exponential growth whose rate decays.")
    half_life_months: float = Field(
        gt=0, allow_inf_nan=False, description="Months after which the growth rate has halved."
    )

    def _log_volume(self, t):
        h = self.half_life_months * UNIT_DAYS["month"]
        return math.log(self.tokens_per_day) + self._k * h / math.log(2) * -np.expm1(-math.log(2) * t / h)


class Bass(Curve):
    """Bass diffusion: volume proportional to the share of a market that has adopted.

    Adoption follows ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})`` with innovation ``p``
    and imitation ``q`` per year; the volume is ``market * F``, shifted in time so that it equals
    ``tokens_per_day`` at the start.
    """

    kind: Literal["bass"] = Field(
        default="bass", description="Selects Bass diffusion (adoption by innovation and imitation)."
    )
    market_tokens_per_day: float = Field(
        gt=0, allow_inf_nan=False, description="Volume when the whole market has adopted, tokens per day."
    )
    innovation_per_year: float = Field(
        gt=0, allow_inf_nan=False, description="Bass coefficient p: adoption from outside influence, per year."
    )
    imitation_per_year: float = Field(
        ge=0, allow_inf_nan=False, description="Bass coefficient q: adoption by imitation of adopters, per year."
    )

    @model_validator(mode="after")
    def _below_market(self):
        if self.market_tokens_per_day <= self.tokens_per_day:
            raise ValueError("market_tokens_per_day must exceed tokens_per_day (adoption is not complete at the start)")
        return self

    @property
    def _days_since_launch(self) -> float:
        """Days from the launch (zero adoption) to the start, where the volume is tokens_per_day."""
        p, q = self.innovation_per_year / UNIT_DAYS["year"], self.imitation_per_year / UNIT_DAYS["year"]
        y = self.tokens_per_day / self.market_tokens_per_day
        return -math.log((1 - y) / (1 + y * q / p)) / (p + q)

    def _log_volume(self, t):
        p, q = self.innovation_per_year / UNIT_DAYS["year"], self.imitation_per_year / UNIT_DAYS["year"]
        since_launch = np.maximum(t + self._days_since_launch, 0.0)
        adopted = -np.expm1(-(p + q) * since_launch) / (1 + q / p * np.exp(-(p + q) * since_launch))
        with np.errstate(divide="ignore"):  # before the launch the volume is zero: log 0 = -inf
            return math.log(self.market_tokens_per_day) + np.log(adopted)

    def _integral(self, a, b):
        # The volume has a kink at the launch; integrate only the smooth part after it.
        launch = -self._days_since_launch
        a = np.maximum(a, launch)
        return super()._integral(a, np.maximum(b, a))


GrowthCurve = Annotated[ExponentialGrowth | Logistic | Gompertz | DecayingGrowth | Bass, Field(discriminator="kind")]


class Segment(BaseModel):
    """One piece of a piecewise curve, in force from its month until the next segment's."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from", description="First month ('2027-03') this segment applies.")
    curve: GrowthCurve = Field(description="The curve in force from this month.")


class Piecewise(Volume):
    """Curves joined at dates, e.g. a launch or a price cut.

    With ``continuous`` each later segment is scaled to start where the previous one ended, so a
    segment says how growth changes; without it, each segment's own level applies (a jump).
    """

    kind: Literal["piecewise"] = Field(default="piecewise", description="Selects curves joined at dates.")
    segments: list[Segment] = Field(min_length=1, description="The pieces, in date order.")
    continuous: bool = Field(default=True, description="Scale each later segment to continue from the previous one.")

    @model_validator(mode="after")
    def _ordered(self):
        months = [parse_period(s.from_, "month") for s in self.segments]
        if months != sorted(months) or len(set(months)) != len(months):
            raise ValueError("segments must be in strictly increasing order of 'from'")
        if not all(math.isfinite(scale) for scale in self._log_scales):
            raise ValueError(
                "a segment has no volume at its join (a Bass curve before its launch?); set continuous: false"
            )
        return self

    def anchor(self) -> pd.Timestamp:
        return pd.Period(self.segments[0].from_, freq="M").start_time

    @property
    def _joins(self) -> np.ndarray:
        return to_days([pd.Period(s.from_, freq="M").start_time for s in self.segments])

    @property
    def _log_scales(self) -> list[float]:
        """Log factor applied to each segment so that the joins are continuous (0 when jumping)."""
        scales = [0.0]
        for i in range(1, len(self.segments)):
            if not self.continuous:
                scales.append(0.0)
                continue
            join = self._joins[i : i + 1]
            before = self.segments[i - 1].curve
            after = self.segments[i].curve
            with np.errstate(invalid="ignore"):
                step = before._log_volume(join - before.origin)[0] - after._log_volume(join - after.origin)[0]
            scales.append(scales[-1] + float(step))
        return scales

    def evaluate(self, times) -> np.ndarray:
        days = to_days(times)
        index = np.clip(np.searchsorted(self._joins, days, side="right") - 1, 0, None)
        out = np.empty_like(days)
        for i, (segment, scale) in enumerate(zip(self.segments, self._log_scales, strict=True)):
            mask = index == i
            out[mask] = np.exp(segment.curve._log_volume(days[mask] - segment.curve.origin) + scale)
        return out

    def between(self, first, end) -> np.ndarray:
        # Integrate each segment over its own part of every interval.
        first, end = np.asarray(first, float), np.asarray(end, float)
        edges = np.concatenate([[-np.inf], self._joins[1:], [np.inf]])
        total = np.zeros_like(first)
        for i, (segment, scale) in enumerate(zip(self.segments, self._log_scales, strict=True)):
            a, b = np.maximum(first, edges[i]), np.minimum(end, edges[i + 1])
            inside = b > a
            if inside.any():
                total[inside] += math.exp(scale) * segment.curve.between(a[inside], b[inside])
        return total
