"""A scenario's demand fitted to its history: a demand entry of ``kind: fitted``.

The entry fits its history when the scenario is loaded (with :func:`demand.fit.fit_cached`, once
per process for the same history) and plans for the fitted curve or a band around it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, PrivateAttr, model_validator

from demand.curves import Volume
from demand.families import FamilyName
from demand.fit import FitResult, fit_cached
from demand.series import ExplicitSeries


class Fitted(Volume):
    """Demand from a growth curve fitted to a history when the scenario is loaded.

    The ``base`` band is the fitted curve itself; ``low`` and ``high`` take, for each period, a
    quantile of its tokens across a residual bootstrap of the families that fit the history
    comparably (see :meth:`FitResult.bands` and :mod:`demand.bands`).
    """

    kind: Literal["fitted"] = Field(default="fitted", description="Selects a growth curve fitted to a demand history.")
    history: ExplicitSeries = Field(
        description="Observed tokens (input plus output) per day, week, month or quarter: an inline 'tokens' table or a "
        "'csv' file read from the scenario file's folder. Every count must be positive."
    )
    family: FamilyName | Literal["auto"] = Field(
        default="auto",
        description="Growth family to fit, or 'auto' to choose the one that best predicts the most recent 20% of the "
        "history from the rest.",
    )
    band: Literal["low", "base", "high"] = Field(
        default="base",
        description="Which projection to plan for: the fitted curve ('base') or a quantile of tokens per period across "
        "a bootstrap of the families that fit the history comparably ('low', 'high'; a named family: its own).",
    )
    low_quantile: float = Field(default=0.1, gt=0, lt=0.5, description="Quantile (a fraction) of the 'low' band.")
    high_quantile: float = Field(default=0.9, gt=0.5, lt=1, description="Quantile (a fraction) of the 'high' band.")
    samples: int = Field(
        default=200,
        ge=10,
        description="Number of bootstrap refits (all families together) behind the low and high bands.",
    )
    seed: int = Field(
        default=0, description="Seed (an integer) of the bootstrap resampling, so bands are reproducible."
    )
    _result: FitResult = PrivateAttr()

    @model_validator(mode="after")
    def _fit_history(self) -> Fitted:
        try:
            self._result = fit_cached(tuple(sorted(self.history._table.items())), self.history.interval, self.family)
        except ValueError as error:
            raise ValueError(f"cannot fit a growth curve to the demand history: {error}") from error
        return self

    @property
    def result(self) -> FitResult:
        """The fit behind this demand."""
        return self._result

    def anchor(self) -> pd.Timestamp:
        return self._result.spec.anchor()

    def evaluate(self, times) -> np.ndarray:
        """Tokens per day at ``times``: the fitted curve's, or its band's quantile across the bootstrap."""
        if self.band == "base":
            return self._result.spec.evaluate(times)
        return self._result.band_quantile(lambda curve: curve.evaluate(times), self._quantile, self.samples, self.seed)

    def between(self, first, end) -> np.ndarray:
        """Tokens between days ``first`` and ``end``: the fitted curve's, or its band's quantile of
        each interval's tokens across the bootstrap."""
        if self.band == "base":
            return self._result.spec.between(first, end)
        return self._result.band_quantile(
            lambda curve: curve.between(first, end), self._quantile, self.samples, self.seed
        )

    @property
    def _quantile(self) -> float:
        return self.low_quantile if self.band == "low" else self.high_quantile
