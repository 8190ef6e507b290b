"""The growth families :func:`demand.fit.fit` fits, as the optimizer sees them: each family's
parameters in bounded coordinates, its model of the log volumes, and a family fitted to a history
with the bootstrap refits behind its bands.

Positive figures are optimized as logs, so their bounds are plain intervals and the steps are
relative; every point inside the bounds gives a valid curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from demand.curves import (
    UNIT_DAYS,
    Bass,
    Curve,
    DecayingGrowth,
    ExponentialGrowth,
    Gompertz,
    Logistic,
    to_days,
)

FamilyName = Literal["exponential", "logistic", "decaying", "gompertz", "bass"]
_EPOCH = pd.Timestamp("1970-01-01")
_MONTH = UNIT_DAYS["month"]
_YEAR = UNIT_DAYS["year"]
# How far a fitted level or ceiling may stray from the observed volumes (a factor either way);
# far beyond the data but finite, so the optimizer cannot run off to overflow.
_LEVEL_SPAN = math.log(1e6)
# Continuous growth per month: rate between -90% and +2,000% a month.
_GROWTH = (math.log(0.1), math.log(21.0))
_POSITIVE_GROWTH = (math.log(1e-4), math.log(_GROWTH[1]))
_HALF_LIFE_MONTHS = (0.25, 240.0)
# A volume that overflows or vanishes far from the data still gets a finite (huge) misfit, which
# steers the optimizer back instead of stopping it.
_LOG_LIMIT = 1e4


@dataclass(frozen=True)
class Observations:
    """Observations as the optimizer sees them: intervals and their log tokens."""

    start: str
    a: np.ndarray  # first day of each interval, in days after the start month's first day
    b: np.ndarray  # its end (exclusive)
    log_tokens: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame) -> Observations:
        """The intervals of ``table``, timed from the first day of the month holding the first."""
        start = pd.Period(timestamp(table["first"].iloc[0]), freq="M")
        origin = float(to_days([start.start_time])[0])
        return cls(
            str(start),
            table["first"].to_numpy() - origin,
            table["end"].to_numpy() - origin,
            np.log(table["tokens"].to_numpy()),
        )

    def __len__(self) -> int:
        return len(self.a)

    @property
    def t_mid(self) -> np.ndarray:
        """Midpoint of each interval, in days after the start month's first day."""
        return (self.a + self.b) / 2.0

    @property
    def log_daily(self) -> np.ndarray:
        """Log of each interval's average volume, tokens per day."""
        return self.log_tokens - np.log(self.b - self.a)

    def head(self, count: int) -> Observations:
        return Observations(self.start, self.a[:count], self.b[:count], self.log_tokens[:count])

    def tail(self, count: int) -> Observations:
        return Observations(self.start, self.a[-count:], self.b[-count:], self.log_tokens[-count:])


class Family:
    """One growth family: its parameters in the optimizer's unbounded-ish coordinates ``theta``.

    Positive figures are optimized as logs, so their bounds are plain intervals and the steps are
    relative; every ``theta`` inside the bounds gives a valid curve.
    """

    name: str
    curve: type[Curve]
    free: tuple[str, ...]  # the curve's figures the fit sets

    @property
    def n_params(self) -> int:
        return len(self.free)

    def figures(self, theta: np.ndarray) -> dict[str, float]:
        """The curve's figures (rates per month) at ``theta``."""
        raise NotImplementedError

    def spec(self, start: str, theta: np.ndarray) -> Curve:
        """The validated curve at ``theta``."""
        return self.curve(start=start, **self.figures(theta))

    def bounds(self, data: Observations) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def starts(self, data: Observations) -> list[np.ndarray]:
        raise NotImplementedError

    def log_model(self, theta: np.ndarray, data: Observations) -> np.ndarray:
        """Log of the curve's tokens in each observed interval."""
        # This is ``between`` on days counted from the start month: ``between`` itself works out
        # that day from the start label on every call, and validating the thousands of trial
        # curves would double a fit's time again (every theta inside the bounds is valid).
        with np.errstate(all="ignore"):
            # _fields_set named, so that the figures' mapping cannot be taken for it.
            curve = self.curve.model_construct(_fields_set=None, start=data.start, **self.figures(theta))
            out = np.log(curve._integral(data.a, data.b))
        return np.nan_to_num(out, nan=_LOG_LIMIT, posinf=_LOG_LIMIT, neginf=-_LOG_LIMIT)

    def solve(self, data: Observations, starts: list[np.ndarray] | None, tight: bool) -> np.ndarray:
        """Least squares on the log scale from the most promising of ``starts`` (default: the
        family's own starting values for ``data``).

        Raises
        ------
        ValueError
            If there are too few points or no start converges.
        """
        if len(data) < self.n_params + 1:
            raise ValueError(
                f"the {self.name} curve has {self.n_params} parameters, so fitting it needs at least "
                f"{self.n_params + 1} points; got {len(data)}"
            )
        if starts is None:
            starts = self.starts(data)
        low, high = self.bounds(data)
        # Starts are clipped just inside the bounds: a bootstrap sample moves the bounds a little.
        margin = 1e-9 * (high - low)
        starts = [np.clip(x, low + margin, high - margin) for x in starts]

        from scipy.optimize import least_squares  # 0.5 s to import: only when a history is fitted

        def residuals(theta):
            return data.log_tokens - self.log_model(theta, data)

        # Polishing costs far more than scoring a start: the most promising start is polished,
        # and the next one only if it does not converge within a budget that keeps a fit well
        # under a second.
        tolerance = 1e-10 if tight else 1e-8
        for x0 in sorted(starts, key=lambda x: float(np.sum(residuals(x) ** 2)))[:2]:
            result = least_squares(
                residuals, x0, bounds=(low, high), ftol=tolerance, xtol=tolerance, gtol=tolerance, max_nfev=600
            )
            if result.success:
                return result.x
        raise ValueError(f"the {self.name} fit did not converge")

    def level_bounds(self, data: Observations) -> tuple[float, float]:
        """Bounds of a log volume: far beyond the observed daily volumes either way."""
        return float(data.log_daily.min()) - _LEVEL_SPAN, float(data.log_daily.max()) + _LEVEL_SPAN

    def ceiling_bounds(self, data: Observations) -> tuple[float, float]:
        """Bounds of a log ceiling: above every observed daily volume."""
        top = float(data.log_daily.max())
        return top, top + _LEVEL_SPAN

    def ceilings(self, data: Observations) -> np.ndarray:
        """Candidate ceilings for the starting values, tokens per day."""
        return math.exp(data.log_daily.max()) * np.array([1.05, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0, 1e3])

    def trend(self, data: Observations) -> tuple[float, float]:
        """Log-linear regression of the daily volume: log tokens per day at the start, growth per day."""
        slope, intercept = np.polyfit(data.t_mid, data.log_daily, 1)
        return float(intercept), float(slope)


class _Exponential(Family):
    name = "exponential"
    curve = ExponentialGrowth
    free = ("tokens_per_day", "rate")

    def figures(self, theta):
        return {
            "tokens_per_day": math.exp(theta[0]),
            "rate": math.expm1(theta[1]),
            "per": "month",
        }

    def bounds(self, data):
        level = self.level_bounds(data)
        return np.array([level[0], _GROWTH[0]]), np.array([level[1], _GROWTH[1]])

    def starts(self, data):
        level, growth = self.trend(data)
        return [np.array([level, growth * _MONTH])]


class _Logistic(Family):
    # theta: log ceiling, log(ceiling / start volume - 1), log continuous growth per month
    name = "logistic"
    curve = Logistic
    free = ("tokens_per_day", "rate", "capacity_tokens_per_day")

    def figures(self, theta):
        return {
            "tokens_per_day": math.exp(theta[0] - np.logaddexp(0.0, theta[1])),
            "rate": math.expm1(math.exp(theta[2])),
            "per": "month",
            "capacity_tokens_per_day": math.exp(theta[0]),
        }

    def bounds(self, data):
        ceiling = self.ceiling_bounds(data)
        return np.array([ceiling[0], -30.0, _POSITIVE_GROWTH[0]]), np.array([ceiling[1], 40.0, _POSITIVE_GROWTH[1]])

    def starts(self, data):
        # For a given ceiling K the logistic is a straight line: log(N / (K - N)) = log(N0 / (K - N0)) + g t.
        daily = np.exp(data.log_daily)
        out = []
        for ceiling in self.ceilings(data):
            slope, intercept = np.polyfit(data.t_mid, np.log(daily / (ceiling - daily)), 1)
            out.append(np.array([math.log(ceiling), -intercept, math.log(max(slope * _MONTH, 1e-3))]))
        return out


class _Gompertz(Family):
    # theta: log ceiling, log log(ceiling / start volume), log continuous growth per month at the start
    name = "gompertz"
    curve = Gompertz
    free = ("tokens_per_day", "rate", "capacity_tokens_per_day")

    def figures(self, theta):
        return {
            "tokens_per_day": math.exp(theta[0] - math.exp(theta[1])),
            "rate": math.expm1(math.exp(theta[2])),
            "per": "month",
            "capacity_tokens_per_day": math.exp(theta[0]),
        }

    def bounds(self, data):
        ceiling = self.ceiling_bounds(data)
        return (
            np.array([ceiling[0], math.log(1e-6), _POSITIVE_GROWTH[0]]),
            np.array([ceiling[1], math.log(60.0), _POSITIVE_GROWTH[1]]),
        )

    def starts(self, data):
        # For a given ceiling K the Gompertz curve is a straight line: log log(K / N) = log log(K / N0) - b t,
        # and its growth at the start is b log(K / N0).
        out = []
        for ceiling in self.ceilings(data):
            slope, intercept = np.polyfit(data.t_mid, np.log(math.log(ceiling) - data.log_daily), 1)
            growth = max(-slope * math.exp(intercept) * _MONTH, 1e-3)
            out.append(np.array([math.log(ceiling), intercept, math.log(growth)]))
        return out


class _Decaying(Family):
    # theta: log volume at the start, continuous growth per month at the start, log half-life in months
    name = "decaying"
    curve = DecayingGrowth
    free = ("tokens_per_day", "rate", "half_life_months")

    def figures(self, theta):
        return {
            "tokens_per_day": math.exp(theta[0]),
            "rate": math.expm1(theta[1]),
            "per": "month",
            "half_life_months": math.exp(theta[2]),
        }

    def bounds(self, data):
        level = self.level_bounds(data)
        half_life = np.log(_HALF_LIFE_MONTHS)
        return np.array([level[0], _GROWTH[0], half_life[0]]), np.array([level[1], _GROWTH[1], half_life[1]])

    def starts(self, data):
        # For a given half-life H the log volume is linear in u = H / ln 2 * (1 - 2^(-t / H)).
        out = []
        for months in np.geomspace(*_HALF_LIFE_MONTHS, 12):
            days = months * _MONTH
            u = days / math.log(2) * -np.expm1(-math.log(2) * data.t_mid / days)
            slope, intercept = np.polyfit(u, data.log_daily, 1)
            out.append(np.array([intercept, slope * _MONTH, math.log(months)]))
        return out


class _Bass(Family):
    # theta: log market, logit of the share adopted at the start, log innovation and log imitation per year
    name = "bass"
    curve = Bass
    free = ("tokens_per_day", "market_tokens_per_day", "innovation_per_year", "imitation_per_year")

    def figures(self, theta):
        return {
            "tokens_per_day": math.exp(theta[0] - np.logaddexp(0.0, -theta[1])),
            "market_tokens_per_day": math.exp(theta[0]),
            "innovation_per_year": math.exp(theta[2]),
            "imitation_per_year": math.exp(theta[3]),
        }

    def bounds(self, data):
        market = self.ceiling_bounds(data)
        return (
            np.array([market[0], -30.0, math.log(1e-6), math.log(1e-6)]),
            np.array([market[1], 15.0, math.log(10.0), math.log(100.0)]),
        )

    def starts(self, data):
        # Early on the volume grows at (p + q F)(1 - F) / F a year with F the share adopted: match
        # the observed trend with imitation taking a share of it and innovation the rest.
        level, slope = self.trend(data)
        growth = max(slope * _YEAR, 0.01)
        out = []
        for market in self.ceilings(data):
            share = min(math.exp(level) / market, 0.9)
            for imitation_share in (0.0, 0.5, 0.9):
                innovation = share * growth * (1.0 / (1.0 - share) - imitation_share)
                imitation = max(imitation_share * growth, 1e-6)
                out.append(
                    np.array(
                        [math.log(market), math.log(share / (1.0 - share)), math.log(innovation), math.log(imitation)]
                    )
                )
        return out


# In this order on ties of holdout error and parameter count.
FAMILY_MODELS: dict[str, Family] = {f.name: f for f in (_Exponential(), _Logistic(), _Decaying(), _Gompertz(), _Bass())}
"""Each growth family by name, in :data:`FAMILIES`' order."""
FAMILIES: tuple[str, ...] = tuple(FAMILY_MODELS)
"""The growth families :func:`demand.fit.fit` knows, in its order of preference on ties."""
SAME_SHAPE = ("decaying", "gompertz")
"""Two families that give the same curves: a Gompertz curve is growth whose rate decays
exponentially (see :mod:`demand.fit`)."""


class Solution:
    """A family fitted to data, with the bootstrap refits behind its bands (made once per seed)."""

    def __init__(self, family: Family, data: Observations, theta: np.ndarray):
        self.family, self.data, self.theta = family, data, theta
        self.spec = family.spec(data.start, theta)
        self.log_fitted = family.log_model(theta, data)
        self.residuals = data.log_tokens - self.log_fitted
        self._bootstraps: dict[tuple[int, int], tuple[list[Curve], int]] = {}

    @classmethod
    def of(cls, family: Family, data: Observations) -> Solution:
        return cls(family, data, family.solve(data, None, tight=True))

    def bootstrap(self, samples: int, seed: int) -> tuple[list[Curve], int]:
        """Curves refitted to the fitted values plus resampled residuals, and how many refits failed.

        Raises
        ------
        ValueError
            If every refit fails.
        """
        key = (samples, seed)
        if key not in self._bootstraps:
            rng = np.random.default_rng(seed)
            n, k = len(self.data), self.family.n_params
            # Fitted residuals understate the noise (the fit absorbed k degrees of freedom) and
            # need not average zero; centred and inflated they resample the noise itself.
            pool = (self.residuals - self.residuals.mean()) * math.sqrt(n / (n - k))
            curves, failed = [], 0
            for _ in range(samples):
                draw = replace(self.data, log_tokens=self.log_fitted + rng.choice(pool, size=n, replace=True))
                try:
                    curves.append(self.family.spec(self.data.start, self.family.solve(draw, [self.theta], tight=False)))
                except ValueError:
                    failed += 1
            if not curves:
                raise ValueError(f"all {samples} bootstrap refits of the {self.family.name} curve failed")
            self._bootstraps[key] = (curves, failed)
        return self._bootstraps[key]


def timestamp(days: float) -> pd.Timestamp:
    """The moment ``days`` days after 1970-01-01.

    >>> str(timestamp(1.5))
    '1970-01-02 12:00:00'
    """
    return _EPOCH + pd.Timedelta(days=float(days))
