"""Growth curves fitted to a product's observed token volumes, with uncertainty bands.

:func:`fit` fits a growth family to a history of tokens per day, week, month or quarter by least
squares on the log scale, or with ``family="auto"`` compares the families on the most recent
observations held out. The result states what the fitted curve implies (growth over the next year,
doubling time) so that an implausible extrapolation shows at once, gives bands from a residual
bootstrap across the families that predict the held-out end comparably well (see
:mod:`demand.bands`), and writes the curve as YAML for a scenario file.
:class:`~demand.fitted.Fitted` does the same inside a scenario: a demand entry of ``kind: fitted``
fits its history when the scenario is loaded.

A decaying-growth curve and a Gompertz curve are the same shape (a Gompertz curve is growth whose
rate decays exponentially), stated through different figures; on equal holdout errors ``auto``
reports it as decaying growth, whose rate and half-life are easier to read.

>>> import pandas as pd
>>> from demand import ExplicitSeries, ExponentialGrowth, fit
>>> truth = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.05)
>>> months = pd.period_range("2026-01", periods=24, freq="M")
>>> history = ExplicitSeries(tokens=dict(zip(months.astype(str), truth.per_period(months))))
>>> result = fit(history, "exponential")
>>> round(result.params["rate"], 6), round(result.annual_growth_factor, 3)
(0.05, 1.796)
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd
import yaml

from demand.bands import Ensemble, Member, family_weights
from demand.curves import Curve, period_bounds
from demand.families import FAMILIES, FAMILY_MODELS, SAME_SHAPE, FamilyName, Observations, Solution, timestamp
from demand.plausibility import MAX_ANNUAL_GROWTH, format_factor
from demand.series import ExplicitSeries

# Holdout errors this close are noise, not evidence: the family with fewer parameters is chosen.
_TIE_RELATIVE, _TIE_ABSOLUTE = 0.01, 1e-6


@dataclass(frozen=True, eq=False)
class FitResult:
    """A growth curve fitted to a demand history, with its fit quality and what it implies.

    Attributes
    ----------
    family
        The fitted growth family.
    spec
        The fitted curve, a demand specification usable in a scenario (rates per month).
    params
        The fitted figures of ``spec`` (tokens per day, rate per month, ...).
    n_points
        Number of observed intervals fitted.
    rmse_log
        Root mean square of the log residuals (0.05: the curve misses by about 5% typically).
    r2_log
        Share of the variance of the log daily volume the curve explains.
    aic
        Akaike information criterion of the least-squares fit, ``n log(SSR / n) + 2 k``.
    annual_growth_factor
        How many times the fitted volume grows in the year after the last observation ends.
    doubling_time_days
        Days the fitted volume takes to double at its growth rate when the last observation ends
        (inf when not growing).
    history
        The intervals fitted: ``label, first, end`` (days since 1970-01-01), ``tokens``,
        ``tokens_per_day`` and the curve's ``fitted_tokens``.
    comparison
        One row per family: ``family``, ``fitted``, in-sample ``rmse_log``, ``holdout_rmse_log``,
        ``annual_growth_factor``, ``doubling_time_days`` and a ``note``. With ``family="auto"`` the
        figures come from the fits to the history without its held-out end; with a named family
        the single row repeats the fit and has no holdout error. The note of each family in the
        band says its weight there.
    """

    family: str
    spec: Curve
    params: dict[str, float]
    n_points: int
    rmse_log: float
    r2_log: float
    aic: float
    annual_growth_factor: float
    doubling_time_days: float
    history: pd.DataFrame
    comparison: pd.DataFrame
    _solution: Solution = field(repr=False)
    _ensemble: Ensemble = field(repr=False)

    @property
    def band_weights(self) -> dict[str, float]:
        """The families behind the low/high band and their weights (the fitted family first)."""
        return self._ensemble.weights

    def band_method(self, quantiles: tuple[float, float] = (0.1, 0.9), samples: int = 200) -> str:
        """How the band of :meth:`bands` with these low and high ``quantiles`` and ``samples`` is made."""
        return self._ensemble.describe(quantiles[0], quantiles[1], samples)

    def band_quantile(
        self, values: Callable[[Curve], np.ndarray], quantile: float, samples: int, seed: int
    ) -> np.ndarray:
        """The ``quantile`` (a fraction) of ``values`` of a curve across the bootstrap of the
        families that fit comparably (``samples`` refits drawn with ``seed``)."""
        return self._ensemble.quantiles(values, quantile, samples, seed)[0]

    @property
    def growth_at(self) -> pd.Timestamp:
        """The end of the last observation, where the growth figures are evaluated."""
        return timestamp(self.history["end"].iloc[-1])

    def summary(self) -> dict:
        """The fit's figures as plain numbers, with a one-line ``warning`` (or None) when the
        curve implies more than 10x growth in a year."""
        return {
            "family": self.family,
            "start": self.spec.start,
            "params": dict(self.params),
            "n_points": self.n_points,
            "rmse_log": self.rmse_log,
            "r2_log": self.r2_log,
            "aic": self.aic,
            "growth_at": str(self.growth_at.date()),
            "annual_growth_factor": self.annual_growth_factor,
            "doubling_time_days": self.doubling_time_days,
            "band_weights": self.band_weights,
            "warning": self._warning(),
        }

    def _warning(self) -> str | None:
        if self.annual_growth_factor <= MAX_ANNUAL_GROWTH:
            return None
        return (
            f"the fitted {self.family} curve implies {format_factor(self.annual_growth_factor)} growth in the year after "
            f"{self.growth_at.date()}, which is implausible to sustain; consider a saturating family or a shorter horizon"
        )

    def bands(
        self,
        periods: pd.PeriodIndex,
        quantiles: tuple[float, float, float] = (0.1, 0.5, 0.9),
        samples: int = 200,
        seed: int = 0,
    ) -> pd.DataFrame:
        """Tokens per period: the fitted curve and a band across the families that fit comparably.

        Each bootstrap sample adds a family's log residuals, resampled with replacement, to its
        fitted log tokens and refits it; the samples are shared between the families in
        :attr:`band_weights` by weight and pooled, and the band is the quantiles of the refitted
        curves' tokens in each period, widened where needed to hold each family's own curve (see
        :mod:`demand.bands`; :meth:`band_method` says it in words). The band covers the noise of
        this history and the choice among the families that predict its end about equally well,
        not a change of trend the history does not show.

        Parameters
        ----------
        periods
            The periods to project, e.g. from :func:`demand.planning_periods`.
        quantiles
            Low, middle and high quantiles (fractions, increasing, within 0 to 1).
        samples
            Number of bootstrap refits.
        seed
            Seed of the resampling; the same seed gives the same band.

        Returns
        -------
        DataFrame
            One row per period: ``period`` (label), ``low``, ``base`` (the fitted curve's own
            projection), ``high`` and ``mid`` (the middle quantile), in tokens per period. Refits
            that fail are left out and counted in ``attrs["failed_samples"]``; ``attrs["method"]``
            says how the band was made.

        Raises
        ------
        ValueError
            If the quantiles are not three increasing fractions, or every refit fails.
        """
        # Callers may pass any sequence: the length is checked here, not only declared.
        levels = tuple(float(q) for q in quantiles)
        if len(levels) != 3 or not 0.0 < levels[0] < levels[1] < levels[2] < 1.0:
            raise ValueError(
                f"quantiles must be three increasing fractions between 0 and 1 (low, middle, high); got {levels}"
            )
        first, end = period_bounds(periods)
        (low, mid, high), failed = self._ensemble.quantiles(
            lambda curve: curve.between(first, end), levels, samples, seed
        )
        frame = pd.DataFrame(
            {"period": periods.astype(str), "low": low, "base": self.spec.per_period(periods), "high": high, "mid": mid}
        )
        frame.attrs["failed_samples"] = failed
        frame.attrs["method"] = self.band_method((quantiles[0], quantiles[2]), samples)
        return frame

    def yaml_snippet(self) -> str:
        """The fitted curve as a YAML mapping to paste under a demand entry of a scenario file,
        after a comment stating the family, the fit quality and the implied growth."""
        dumped = self.spec.model_dump(mode="json")
        mapping = {"kind": dumped.pop("kind"), **dumped}
        comment = (
            f"# {self.family} curve fitted to {self.n_points} observations (RMSE {self.rmse_log:.3g} in log tokens, "
            f"R^2 {self.r2_log:.3f}); implies {format_factor(self.annual_growth_factor)} growth in the year after {self.growth_at.date()}"
        )
        return comment + "\n" + yaml.safe_dump(mapping, sort_keys=False)


def fit(
    history: ExplicitSeries | pd.DataFrame | str | os.PathLike,
    family: FamilyName | Literal["auto"] = "auto",
    *,
    holdout: float = 0.2,
) -> FitResult:
    """Fit a growth curve to a history of observed token volumes.

    The curve starts at the first day of the month holding the first observation. Least squares
    compares the log of each interval's observed tokens with the log of the curve's tokens over
    the same days, so intervals of any length (days, weeks, months, quarters) count exactly.

    Parameters
    ----------
    history
        An :class:`~demand.series.ExplicitSeries`, a DataFrame with columns ``period`` and
        ``tokens`` (labels as in a series: months, quarters, or dates starting a day or a week),
        or the path of a CSV file with those columns. Every count must be positive.
    family
        One of :data:`FAMILIES`, or ``"auto"``: fit every family to the history without its last
        ``holdout`` share, score each by the RMSE of the log tokens held out, choose the smallest
        (within 1%, the one with fewer parameters) and refit it to the whole history.
    holdout
        Share of the most recent observations held out by ``"auto"`` (at least 2 of them).

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        If the history has zero counts, too few points for the family, or no family fits.
    """
    table = _observations(history)
    data = Observations.of(table)
    at = timestamp(table["end"].iloc[-1])
    if family == "auto":
        if not 0.0 < holdout < 1.0:
            raise ValueError(f"holdout must be a share between 0 and 1; got {holdout}")
        comparison, chosen = _compare(data, max(2, round(holdout * len(data))), at)
        solution = Solution.of(FAMILY_MODELS[chosen], data)
        ensemble = _ensemble(solution, data, comparison)
    elif family in FAMILY_MODELS:
        solution = Solution.of(FAMILY_MODELS[family], data)
        comparison = pd.DataFrame([_row(solution, at, math.nan, "the family asked for; not compared with the others")])
        ensemble = Ensemble((Member(family, 1.0, solution),), named=True)
    else:
        raise ValueError(f"unknown family {family!r}; choose 'auto' or one of {', '.join(FAMILIES)}")
    return _result(solution, table, comparison, at, ensemble)


def _observations(history) -> pd.DataFrame:
    """The history's intervals, checked for counts the log scale can take."""
    if isinstance(history, pd.DataFrame):
        missing = {"period", "tokens"} - set(history.columns)
        if missing:
            raise ValueError(f"the history needs columns 'period' and 'tokens'; missing {', '.join(sorted(missing))}")
        labels = history["period"].astype(str)
        if labels.duplicated().any():
            raise ValueError(f"period(s) listed twice in the history: {sorted(set(labels[labels.duplicated()]))}")
        history = ExplicitSeries(tokens=dict(zip(labels, history["tokens"].astype(float), strict=True)))
    elif isinstance(history, str | os.PathLike):
        history = ExplicitSeries(csv=history)
    elif not isinstance(history, ExplicitSeries):
        raise TypeError(f"history must be an ExplicitSeries, a DataFrame or a CSV path; got {type(history).__name__}")
    table = history.intervals()
    zero = table.loc[table["tokens"] <= 0, "label"].tolist()
    if zero:
        raise ValueError(
            f"the history has zero tokens for {', '.join(zero)}; growth is fitted on a log scale, which cannot "
            "take a zero: drop or correct those entries"
        )
    return table


def _compare(data: Observations, held_out: int, at: pd.Timestamp) -> tuple[pd.DataFrame, str]:
    """Every family fitted to ``data`` without its last ``held_out`` points and scored on them
    (growth figures ``at`` the end of the history), and the family chosen."""
    if held_out >= len(data):
        raise ValueError(
            f"the history has {len(data)} observations, too few to hold out {held_out} and fit the others; "
            "give a longer history or name a family"
        )
    train, test = data.head(len(data) - held_out), data.tail(held_out)
    rows, scores, failures = [], {}, {}
    for name, family in FAMILY_MODELS.items():
        try:
            solution = Solution.of(family, train)
        except ValueError as error:
            failures[name] = str(error)
            rows.append(
                {
                    "family": name,
                    "fitted": False,
                    "rmse_log": math.nan,
                    "holdout_rmse_log": math.nan,
                    "annual_growth_factor": math.nan,
                    "doubling_time_days": math.nan,
                    "note": f"not fitted: {error}",
                }
            )
            continue
        scores[name] = _rmse(test.log_tokens - family.log_model(solution.theta, test))
        rows.append(_row(solution, at, scores[name], ""))
    if not scores:
        raise ValueError(
            f"no growth family could be fitted to the first {len(train)} of {len(data)} observations (the last "
            f"{held_out} are held out to compare the families): " + "; ".join(failures.values())
        )
    best = min(scores.values())
    close = [name for name in scores if scores[name] <= best * (1 + _TIE_RELATIVE) + _TIE_ABSOLUTE]
    chosen = min(close, key=lambda name: FAMILY_MODELS[name].n_params)
    comparison = pd.DataFrame(rows)
    comparison.loc[comparison["family"] == chosen, "note"] = (
        "chosen: smallest holdout error"
        if scores[chosen] == best
        else "chosen: holdout error within 1% of the smallest, and fewer parameters or earlier in the list of families"
    )
    return comparison, chosen


def _ensemble(chosen: Solution, data: Observations, comparison: pd.DataFrame) -> Ensemble:
    """The families behind the band of an ``auto`` fit, each refitted to the whole history (the
    chosen one first); the comparison's notes say which they are and their weights."""
    holdout = dict(zip(comparison["family"], comparison["holdout_rmse_log"], strict=True))
    # A Gompertz curve is a decaying-growth curve stated otherwise: the shape is counted once, as
    # the chosen one or else the one with the smaller holdout error.
    twins = [name for name in SAME_SHAPE if math.isfinite(holdout.get(name, math.nan))]
    if len(twins) == 2:
        kept = chosen.family.name if chosen.family.name in twins else min(twins, key=lambda name: holdout[name])
        dropped = twins[1] if kept == twins[0] else twins[0]
        del holdout[dropped]
        _add_note(comparison, dropped, f"the same curves as {kept}, which stands for both in the band")
    weights = family_weights(holdout)
    solutions = {chosen.family.name: chosen}
    for name in weights:
        if name not in solutions:
            try:
                solutions[name] = Solution.of(FAMILY_MODELS[name], data)
            except ValueError as error:
                _add_note(comparison, name, f"left out of the band: its fit to the whole history failed ({error})")
    total = sum(weights[name] for name in solutions)
    members = tuple(Member(name, weights[name] / total, solution) for name, solution in solutions.items())
    for member in members:
        _add_note(comparison, member.family, f"in the band with weight {member.weight:.2f}")
    return Ensemble(members)


def _add_note(comparison: pd.DataFrame, family: str, note: str) -> None:
    row = comparison["family"] == family
    before = str(comparison.loc[row, "note"].iloc[0] or "")
    comparison.loc[row, "note"] = f"{before}; {note}" if before else note


def _row(solution: Solution, at: pd.Timestamp, holdout_rmse: float, note: str) -> dict:
    """A comparison row, with growth figures ``at`` the end of the whole history."""
    return {
        "family": solution.family.name,
        "fitted": True,
        "rmse_log": _rmse(solution.residuals),
        "holdout_rmse_log": holdout_rmse,
        "annual_growth_factor": solution.spec.annual_growth_factor(at),
        "doubling_time_days": solution.spec.doubling_time_days(at),
        "note": note,
    }


def _result(
    solution: Solution, table: pd.DataFrame, comparison: pd.DataFrame, at: pd.Timestamp, ensemble: Ensemble
) -> FitResult:
    n, k = len(solution.data), solution.family.n_params
    ssr = float(np.sum(solution.residuals**2))
    log_daily = solution.data.log_daily
    spread = float(np.sum((log_daily - log_daily.mean()) ** 2))
    spec = solution.spec
    return FitResult(
        family=solution.family.name,
        spec=spec,
        params={name: float(getattr(spec, name)) for name in solution.family.free},
        n_points=n,
        rmse_log=math.sqrt(ssr / n),
        r2_log=1.0 - ssr / spread if spread > 0 else math.nan,
        # An exact fit has no residual at all: its likelihood is unbounded.
        aic=n * math.log(ssr / n) + 2 * k if ssr > 0 else -math.inf,
        annual_growth_factor=spec.annual_growth_factor(at),
        doubling_time_days=spec.doubling_time_days(at),
        history=table.assign(fitted_tokens=np.exp(solution.log_fitted)),
        comparison=comparison,
        _solution=solution,
        _ensemble=ensemble,
    )


def _rmse(residuals: np.ndarray) -> float:
    return float(np.sqrt(np.mean(residuals**2)))


@lru_cache(maxsize=64)
def fit_cached(
    table: tuple[tuple[str, float], ...], interval: Literal["auto", "day", "week"], family: FamilyName | Literal["auto"]
) -> FitResult:
    """The fit of a history given as its sorted (label, tokens) pairs, made once per process."""
    # A sweep validates its scenario once per run: the same history is fitted (and its bootstrap
    # drawn) once per process, not once per run. A FitResult does not change once made.
    return fit(ExplicitSeries(tokens=dict(table), interval=interval), family)
