"""Bands of a fitted demand curve that carry the choice of growth family as well as the noise.

A residual bootstrap of one family only says how well that family's figures are pinned down by
the history (often within a few percent); families that predict the history about equally well
can still part by orders of magnitude a few years out. So the band of an ``auto`` fit is made
across the families that fit comparably:

1. Every family is fitted to the history without its most recent share and scored by the RMSE of
   the log tokens held out (see :func:`demand.fit`). Families whose held-out RMSE is within
   :data:`COMPARABLE_RATIO` times the smallest take part; held-out errors below
   :data:`HOLDOUT_FLOOR` count as that floor, so that an exact fit does not take all the weight by a
   rounding error.
2. Each takes a weight proportional to one over its held-out mean square error (the inverse-MSE
   forecast combination of Bates and Granger), and is refitted to the whole history.
3. The bootstrap refits are shared out between them by weight (largest remainders, at least one
   each), pooled, and each period's quantiles taken across the pool.
4. A quantile below the median is lowered, where needed, to the lowest of the families' own fitted
   curves, and one above the median raised to the highest: the band always holds every family that
   fits comparably, however small its weight.

With a family named, or only one comparable, the band is that family's bootstrap (with step 4).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from demand.curves import Curve

COMPARABLE_RATIO = 2.0
"""Families whose held-out RMSE is at most this many times the smallest one take part in the band."""
HOLDOUT_FLOOR = 1e-3
"""Held-out RMSE (in log tokens, about 0.1%) below which families count as fitting equally well."""


class Refittable(Protocol):
    """A family fitted to a history that can be refitted to bootstrap samples of it."""

    @property
    def spec(self) -> Curve: ...

    def bootstrap(self, samples: int, seed: int) -> tuple[list[Curve], int]: ...


def family_weights(holdout_rmse: Mapping[str, float]) -> dict[str, float]:
    """Weights of the families that fit comparably, from their held-out RMSE (NaN: not fitted).

    >>> family_weights({"exponential": 0.02, "logistic": 0.04, "decaying": 0.05})
    {'exponential': 0.8, 'logistic': 0.2}
    """
    floored = {name: max(rmse, HOLDOUT_FLOOR) for name, rmse in holdout_rmse.items() if math.isfinite(rmse)}
    if not floored:
        return {}
    best = min(floored.values())
    inverse = {name: 1.0 / rmse**2 for name, rmse in floored.items() if rmse <= COMPARABLE_RATIO * best}
    total = sum(inverse.values())
    return {name: value / total for name, value in inverse.items()}


@dataclass(frozen=True)
class Member:
    """One family in a band: its name, its weight, and its fit to the whole history."""

    family: str
    weight: float
    solution: Refittable


@dataclass(frozen=True)
class Ensemble:
    """The families behind a band; the first member is the curve planned as ``base``."""

    members: tuple[Member, ...]
    named: bool = False
    """Whether the family was named rather than chosen by comparison."""

    @property
    def weights(self) -> dict[str, float]:
        """Each member's weight, by family."""
        return {m.family: m.weight for m in self.members}

    def counts(self, samples: int) -> list[int]:
        """Bootstrap refits per member: ``samples`` shared by weight, at least one each."""
        if len(self.members) == 1:
            return [samples]
        weights = np.array([m.weight for m in self.members])
        share = weights * max(samples - len(weights), 0)
        counts = np.floor(share).astype(int)
        remainder = max(samples - len(weights), 0) - int(counts.sum())
        counts[np.argsort(-(share - counts), kind="stable")[:remainder]] += 1
        return [int(c) + 1 for c in counts]

    def draws(self, samples: int, seed: int) -> tuple[list[Curve], int]:
        """The pooled bootstrap curves of every member, and how many refits failed."""
        pool: list[Curve] = []
        failed = 0
        for member, count in zip(self.members, self.counts(samples), strict=True):
            curves, lost = member.solution.bootstrap(count, seed)
            pool.extend(curves)
            failed += lost
        return pool, failed

    def quantiles(self, values: Callable[[Curve], np.ndarray], levels, samples: int, seed: int):
        """Quantiles ``levels`` (a fraction or an array of them) of ``values`` of a curve across the
        pooled bootstrap, each below the median held at or under every member's own curve and each
        above it at or over every member's; and how many refits failed."""
        pool, failed = self.draws(samples, seed)
        levels = np.asarray(levels, float)
        out = np.quantile(np.array([values(curve) for curve in pool]), levels, axis=0)
        own = np.array([values(member.solution.spec) for member in self.members])
        lowest, highest = own.min(axis=0), own.max(axis=0)
        if levels.ndim == 0:
            return _held(out, float(levels), lowest, highest), failed
        return np.array(
            [_held(row, float(level), lowest, highest) for row, level in zip(out, levels, strict=True)]
        ), failed

    def describe(self, low: float, high: float, samples: int) -> str:
        """How the band was made, in one sentence for people."""
        levels = f"the {_percentile(low)} and {_percentile(high)} percentiles of {samples} bootstrap refits"
        family = self.members[0].family
        if self.named:
            return (
                f"{levels} of the {family} curve, widened where needed to hold it: the family was named, so the band "
                "carries the noise of the history but not the choice of family"
            )
        if len(self.members) == 1:
            return (
                f"{levels} of the {family} curve, widened where needed to hold it: no other family's held-out error "
                f"is within {COMPARABLE_RATIO:g}x the smallest"
            )
        weights = ", ".join(f"{m.family} {m.weight:.2f}" for m in self.members)
        return (
            f"{levels} pooled across the families whose held-out error is within {COMPARABLE_RATIO:g}x the smallest, "
            f"shared by weight (one over the held-out mean square error: {weights}), widened where needed to hold "
            "each of their fitted curves"
        )


def _held(values: np.ndarray, level: float, lowest: np.ndarray, highest: np.ndarray) -> np.ndarray:
    if level < 0.5:
        return np.minimum(values, lowest)
    if level > 0.5:
        return np.maximum(values, highest)
    return values


def _percentile(level: float) -> str:
    value = f"{100 * level:g}"
    suffix = "th" if value.endswith(("11", "12", "13")) else {"1": "st", "2": "nd", "3": "rd"}.get(value[-1], "th")
    return value + suffix
