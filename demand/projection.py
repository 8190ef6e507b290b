"""Any demand specification, projected onto planning periods."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from pydantic import Field

from demand.curves import Bass, DecayingGrowth, ExponentialGrowth, Gompertz, Logistic, Piecewise, Volume
from demand.fitted import Fitted
from demand.periods import seconds_per_period
from demand.series import ExplicitSeries

DemandSpec = Annotated[
    ExplicitSeries | ExponentialGrowth | Logistic | Gompertz | DecayingGrowth | Bass | Piecewise | Fitted,
    Field(discriminator="kind"),
]
"""A demand specification in a scenario file, chosen by its ``kind``."""


def project(spec: Volume, periods: pd.PeriodIndex) -> pd.DataFrame:
    """Project a demand specification onto planning periods.

    Parameters
    ----------
    spec
        Any demand specification (a growth curve, a piecewise curve or an explicit series).
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
