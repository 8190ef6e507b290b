"""Planning calendars: period ranges, real calendar lengths and period labels."""

from __future__ import annotations

import calendar
import re

import numpy as np
import pandas as pd
import pytest

from demand import parse_period, planning_periods, seconds_per_period

DAY = 86_400


# --- planning_periods ---------------------------------------------------------------------------


def test_monthly_periods_are_consecutive_months_across_a_year_end():
    periods = planning_periods("2026-11", 4, "month")
    assert list(periods.astype(str)) == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert periods.freqstr == "M"


def test_quarterly_periods_start_with_the_quarter_holding_the_start_month():
    # February is in Q1, so a horizon starting in February starts with Q1.
    periods = planning_periods("2026-02", 3, "quarter")
    assert list(periods.astype(str)) == ["2026Q1", "2026Q2", "2026Q3"]
    assert periods.freqstr.startswith("Q")


def test_quarterly_periods_across_a_year_end():
    assert list(planning_periods("2026-12", 2, "quarter").astype(str)) == ["2026Q4", "2027Q1"]


@pytest.mark.parametrize("count", [1, 7, 36])
def test_planning_periods_returns_count_periods(count):
    assert len(planning_periods("2026-01", count, "month")) == count
    assert len(planning_periods("2026-01", count, "quarter")) == count


# --- seconds_per_period -------------------------------------------------------------------------


def test_february_2026_has_28_days():
    assert seconds_per_period(planning_periods("2026-02", 1, "month"))[0] == 28 * DAY


def test_february_2028_has_29_days():
    assert seconds_per_period(planning_periods("2028-02", 1, "month"))[0] == 29 * DAY


def test_first_quarter_2026_has_90_days():
    assert seconds_per_period(planning_periods("2026-01", 1, "quarter"))[0] == 90 * DAY


def test_first_quarter_2028_has_91_days():
    assert seconds_per_period(planning_periods("2028-01", 1, "quarter"))[0] == 91 * DAY


def test_quarters_of_2026_have_90_91_92_92_days():
    seconds = seconds_per_period(planning_periods("2026-01", 4, "quarter"))
    assert list(seconds) == [90 * DAY, 91 * DAY, 92 * DAY, 92 * DAY]


def test_every_month_has_its_calendar_length():
    periods = planning_periods("2026-01", 48, "month")  # 2026 to 2029, with the leap year 2028
    expected = [calendar.monthrange(p.year, p.month)[1] * DAY for p in periods]
    assert list(seconds_per_period(periods)) == expected


def test_months_and_quarters_add_up_to_the_year():
    assert seconds_per_period(planning_periods("2026-01", 12, "month")).sum() == 365 * DAY
    assert seconds_per_period(planning_periods("2028-01", 4, "quarter")).sum() == 366 * DAY


def test_seconds_per_period_is_a_float_array_one_per_period():
    seconds = seconds_per_period(planning_periods("2026-01", 5, "month"))
    assert isinstance(seconds, np.ndarray)
    assert seconds.dtype == np.float64
    assert seconds.shape == (5,)


# --- parse_period -------------------------------------------------------------------------------


def test_parse_month_on_a_monthly_calendar():
    period = parse_period("2026-03", "month")
    assert period == pd.Period("2026-03", freq="M")
    assert str(period) == "2026-03"


def test_parse_quarter_on_a_quarterly_calendar():
    period = parse_period("2026Q1", "quarter")
    assert period == pd.Period("2026Q1", freq="Q")
    assert str(period) == "2026Q1"


@pytest.mark.parametrize(
    ("month", "quarter"),
    [("2026-01", "2026Q1"), ("2026-03", "2026Q1"), ("2026-04", "2026Q2"), ("2026-09", "2026Q3"), ("2026-12", "2026Q4")],
)
def test_a_month_on_a_quarterly_calendar_names_its_quarter(month, quarter):
    assert str(parse_period(month, "quarter")) == quarter


def test_a_quarter_on_a_monthly_calendar_is_rejected():
    with pytest.raises(ValueError, match=re.escape("'2026Q1' is a quarter but the horizon is monthly")):
        parse_period("2026Q1", "month")


@pytest.mark.parametrize("length", ["month", "quarter"])
@pytest.mark.parametrize(
    "label",
    [
        "garbage",
        "2026-03-15",  # a day
        "2026",  # a year
        "2026-03-01 10:00",  # a minute
        "2026-13",  # no such month
        "2026Q5",  # no such quarter
        "",  # parses to NaT in pandas
        "NaT",
        "nan",
    ],
)
def test_labels_that_are_not_months_or_quarters_are_rejected(label, length):
    with pytest.raises(ValueError, match=re.escape(f"{label!r} is not a month ('2026-03') or a quarter ('2026Q1')")):
        parse_period(label, length)


@pytest.mark.parametrize("length", ["month", "quarter"])
@pytest.mark.parametrize("label", ["January", "Mar", "26Q1"])
def test_labels_without_a_four_digit_year_are_rejected(label, length):
    # pandas reads 'January' as January of the year 1; a label must give its year in full.
    with pytest.raises(ValueError, match=re.escape(f"{label!r} does not give a four-digit year")):
        parse_period(label, length)


@pytest.mark.parametrize(
    ("label", "month"), [("Jan 2026", "2026-01"), ("March 2026", "2026-03"), ("2026/03", "2026-03")]
)
def test_other_month_spellings_with_a_year_are_accepted(label, month):
    assert str(parse_period(label, "month")) == month
