"""The planning calendar."""

from __future__ import annotations

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from demand import PeriodLength, parse_period, planning_periods
from planner.errors import (
    FieldError,
)
from planner.scenario.base import (
    Input,
    fill,
)

MAX_HORIZON_YEARS = 50
"""Longest horizon accepted, in years: beyond it demand and hardware figures are guesswork."""


class Horizon(Input):
    """The planning calendar."""

    start: str = Field(
        description="First month of the plan, 'YYYY-MM'. A quarterly plan starts in January, April, July or October."
    )
    periods: int = Field(ge=1, description=f"Number of planning periods (at most {MAX_HORIZON_YEARS} years).")
    period_length: PeriodLength = Field(default="month", description="Length of one period: 'month' or 'quarter'.")
    discount_rate: float = Field(
        default=0.08, ge=0, lt=1, description="Annual discount rate (fraction) for present values and capital recovery."
    )

    @field_validator("start")
    @classmethod
    def _start_is_a_month(cls, start: str) -> str:
        parse_period(start, "month")
        return start

    @model_validator(mode="after")
    def _calendar(self) -> Horizon:
        per_year = 12 if self.period_length == "month" else 4
        if self.periods > MAX_HORIZON_YEARS * per_year:
            # A count of hundreds of digits is no float: say its length instead of its years.
            digits = len(str(self.periods))
            count = (
                f"{self.periods} {self.period_length}s is {self.periods / per_year:g} years,"
                if digits <= 12
                else f"a {digits}-digit number of {self.period_length}s is"
            )
            raise FieldError(
                f"{count} longer than any capacity plan can "
                f"sensibly look ahead (servers last 4-6 years, sites a few decades); plan at most {MAX_HORIZON_YEARS} years "
                f"({MAX_HORIZON_YEARS * per_year} {self.period_length}s)",
                field=("periods",),
                value=self.periods,
            )
        month = parse_period(self.start, "month")
        if self.period_length == "quarter" and month.month % 3 != 1:
            first = f"{month.year}-{month.month - (month.month - 1) % 3:02d}"
            raise ValueError(
                f"a quarterly horizon starts in January, April, July or October, not {self.start!r}; start at {first!r} "
                "(the quarter holding it), or plan monthly"
            )
        fill(self, "start", str(month))
        return self

    def calendar(self):
        """The planning periods as a pandas ``PeriodIndex``."""
        return planning_periods(self.start, self.periods, self.period_length)
