"""Token demand: planning calendars, growth curves, explicit series and their projection onto
planning periods.

The package knows nothing of the planner: it turns a demand specification into tokens per period.

>>> from demand import ExponentialGrowth, planning_periods, project
>>> spec = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.0, per="month")
>>> float(project(spec, planning_periods("2026-01", 1, "month"))["tokens"].iloc[0])
31000000000000.0
"""

from demand.curves import Bass, DecayingGrowth, ExponentialGrowth, Gompertz, Logistic, Piecewise, Segment, Volume
from demand.fit import FAMILIES, FitResult, fit
from demand.fitted import Fitted
from demand.mix import Share, mix_table, share_values
from demand.periods import PeriodLength, parse_period, planning_periods, seconds_per_period
from demand.profiles import Profile, peak_tokens_per_s
from demand.projection import DemandSpec, project
from demand.series import ExplicitSeries

__all__ = [
    "FAMILIES",
    "Bass",
    "DecayingGrowth",
    "DemandSpec",
    "ExplicitSeries",
    "ExponentialGrowth",
    "FitResult",
    "Fitted",
    "Gompertz",
    "Logistic",
    "PeriodLength",
    "Piecewise",
    "Profile",
    "Segment",
    "Share",
    "Volume",
    "fit",
    "mix_table",
    "parse_period",
    "peak_tokens_per_s",
    "planning_periods",
    "project",
    "seconds_per_period",
    "share_values",
]
