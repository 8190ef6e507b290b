"""Demand specifications projected onto planning periods: exponential growth and explicit series."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter, ValidationError

from demand import DemandSpec, ExplicitSeries, ExponentialGrowth, planning_periods, project, seconds_per_period

DAY = 86_400
# Days in a growth-rate unit, as documented on ExponentialGrowth.per.
UNIT_DAYS = {"week": 7.0, "month": 365.2425 / 12, "year": 365.2425}


def tokens(spec, start: str, count: int, length: str = "month") -> np.ndarray:
    return project(spec, planning_periods(start, count, length))["tokens"].to_numpy()


def trapezoid_tokens(spec: ExponentialGrowth, period: pd.Period) -> float:
    """Tokens in ``period`` by the trapezoid rule over one-minute steps of the daily curve
    ``tokens_per_day * (1 + rate) ** (t / unit)``, t in days from the start month."""
    origin = pd.Period(spec.start, freq="M").start_time
    t0 = (period.start_time - origin) / pd.Timedelta(days=1)
    minutes = round(((period + 1).start_time - period.start_time) / pd.Timedelta(minutes=1))
    t = t0 + np.arange(minutes + 1) / 1440.0
    daily = spec.tokens_per_day * (1.0 + spec.rate) ** (t / UNIT_DAYS[spec.per])
    return float(np.trapezoid(daily, dx=1.0 / 1440.0))


# --- exact unit conversions ---------------------------------------------------------------------


def test_a_30_day_month_at_1e12_tokens_per_day_is_exactly_3e13_tokens():
    spec = ExponentialGrowth(start="2026-04", tokens_per_day=1e12, rate=0.0)
    frame = project(spec, planning_periods("2026-04", 1, "month"))
    assert frame["tokens"].iloc[0] == 3e13
    assert frame["tokens_per_s"].iloc[0] == 1e12 / 86_400


@pytest.mark.parametrize("per", ["week", "month", "year"])
@pytest.mark.parametrize(("start", "count", "length"), [("2026-01", 24, "month"), ("2027-01", 8, "quarter")])
def test_zero_rate_gives_tokens_per_day_times_days(per, start, count, length):
    spec = ExponentialGrowth(start="2026-01", tokens_per_day=1.234e11, rate=0.0, per=per)
    periods = planning_periods(start, count, length)
    days = [((p + 1).start_time - p.start_time).days for p in periods]
    assert list(spec.per_period(periods)) == [1.234e11 * d for d in days]


def test_zero_rate_in_a_leap_february():
    spec = ExponentialGrowth(start="2026-01", tokens_per_day=2e12, rate=0.0)
    assert tokens(spec, "2028-02", 1)[0] == 29 * 2e12


# --- exponential growth: exact integral ---------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "start", "count", "length"),
    [
        (ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.05, per="month"), "2026-01", 12, "month"),
        (ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.05, per="month"), "2026-01", 8, "quarter"),
        (ExponentialGrowth(start="2026-03", tokens_per_day=5e11, rate=0.5, per="month"), "2026-03", 6, "month"),
        (ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.02, per="week"), "2026-01", 12, "month"),
        (ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=3.0, per="year"), "2026-01", 12, "quarter"),
        (ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=-0.3, per="month"), "2026-01", 12, "month"),
        # The start month after the horizon start: the curve is followed backwards.
        (ExponentialGrowth(start="2026-07", tokens_per_day=1e12, rate=0.1, per="month"), "2026-01", 12, "month"),
        (ExponentialGrowth(start="2027-05", tokens_per_day=1e12, rate=0.05, per="month"), "2026-01", 8, "quarter"),
    ],
    ids=["month", "quarter", "fast", "weekly", "yearly", "decline", "backwards", "backwards-quarters"],
)
def test_period_totals_are_the_integral_of_the_daily_curve(spec, start, count, length):
    periods = planning_periods(start, count, length)
    exact = spec.per_period(periods)
    numeric = np.array([trapezoid_tokens(spec, p) for p in periods])
    np.testing.assert_allclose(exact, numeric, rtol=1e-9, atol=0)


def test_first_month_by_hand():
    # 5 % a month from 1e12 tokens/day on 1 January: January's 31 days hold
    # 1e12 * u * ((1.05) ** (31 / u) - 1) / ln(1.05) tokens, u = 365.2425 / 12 days.
    u = 365.2425 / 12
    spec = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.05, per="month")
    expected = 1e12 * u * (1.05 ** (31 / u) - 1) / math.log(1.05)
    january = tokens(spec, "2026-01", 1)[0]
    assert january == pytest.approx(expected, rel=1e-13)
    # Between 31 * 1e12 (no growth) and 31 * 1e12 * 1.05 ** (31 / u) (the end-of-month rate).
    assert 31e12 < january < 31e12 * 1.05 ** (31 / u)


def test_equal_length_periods_grow_by_the_rate_over_the_gap():
    # January and March 2026 both have 31 days and start 59 days apart.
    spec = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.02, per="week")
    jan, _, mar = tokens(spec, "2026-01", 3)
    assert mar / jan == pytest.approx(1.02 ** (59 / 7), rel=1e-13)


def test_a_month_of_growth_is_a_twelfth_of_the_mean_gregorian_year():
    # January 2027 starts 365 days after January 2026, which is 365 / 30.436875 'months' of growth.
    spec = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.05, per="month")
    values = tokens(spec, "2026-01", 13)
    assert values[12] / values[0] == pytest.approx(1.05 ** (365 / (365.2425 / 12)), rel=1e-13)


def test_a_quarter_holds_the_sum_of_its_months():
    spec = ExponentialGrowth(start="2026-02", tokens_per_day=3e11, rate=0.07, per="month")
    months = tokens(spec, "2026-01", 24)
    quarters = tokens(spec, "2026-01", 8, "quarter")
    np.testing.assert_allclose(quarters, months.reshape(8, 3).sum(axis=1), rtol=1e-12, atol=0)


def test_a_period_total_does_not_depend_on_the_horizon_start():
    spec = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.05, per="month")
    assert list(tokens(spec, "2026-01", 12)[3:6]) == list(tokens(spec, "2026-04", 3))


def test_growth_before_the_start_month_is_backwards():
    spec = ExponentialGrowth(start="2026-07", tokens_per_day=1e12, rate=0.1, per="month")
    values = tokens(spec, "2026-01", 12)
    # The volume rises throughout, so per-day totals rise month on month.
    days = seconds_per_period(planning_periods("2026-01", 12, "month")) / DAY
    assert np.all(np.diff(values / days) > 0)
    # July (the start month) is the same as on a horizon that starts in July.
    assert values[6] == tokens(spec, "2026-07", 1)[0]
    # June ends where July starts: its 30 days are the 30 days before the start, at the same rate.
    u = 365.2425 / 12
    assert values[5] == pytest.approx(1e12 * u * (1 - 1.1 ** (-30 / u)) / math.log(1.1), rel=1e-13)
    # Below tokens_per_day on every day before the start month.
    assert np.all(values[:6] < 1e12 * days[:6])


def test_a_negative_rate_shrinks_demand():
    spec = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=-0.1, per="month")
    days = seconds_per_period(planning_periods("2026-01", 12, "month")) / DAY
    assert np.all(np.diff(tokens(spec, "2026-01", 12) / days) < 0)


# --- exponential growth: rate units -------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.0, 0.01, 0.05, 0.3, -0.02, -0.5])
def test_monthly_rate_compounds_exactly_to_the_annual_factor(rate):
    spec = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=rate, per="month")
    assert spec.annual_growth_factor() == pytest.approx((1 + rate) ** 12, rel=1e-12)


def test_five_percent_a_month_is_about_1_796_a_year():
    spec = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.05, per="month")
    assert spec.annual_growth_factor() == pytest.approx(1.795856, abs=1e-6)


@pytest.mark.parametrize("rate", [0.01, 0.05, 0.3, -0.02])
def test_monthly_and_equivalent_yearly_rates_give_the_same_volume_path(rate):
    monthly = ExponentialGrowth(start="2026-03", tokens_per_day=1e12, rate=rate, per="month")
    yearly = ExponentialGrowth(start="2026-03", tokens_per_day=1e12, rate=(1 + rate) ** 12 - 1, per="year")
    assert yearly.annual_growth_factor() == pytest.approx(monthly.annual_growth_factor(), rel=1e-14)
    for start, count, length in [("2026-01", 36, "month"), ("2026-01", 12, "quarter")]:
        np.testing.assert_allclose(
            tokens(monthly, start, count, length), tokens(yearly, start, count, length), rtol=1e-12, atol=0
        )


@pytest.mark.parametrize("rate", [0.01, 0.02, -0.01])
def test_weekly_rate_converts_with_365_2425_over_7_weeks_a_year(rate):
    weekly = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=rate, per="week")
    factor = (1 + rate) ** (365.2425 / 7)
    assert weekly.annual_growth_factor() == pytest.approx(factor, rel=1e-14)
    yearly = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=factor - 1, per="year")
    np.testing.assert_allclose(tokens(weekly, "2026-01", 24), tokens(yearly, "2026-01", 24), rtol=1e-12, atol=0)
    monthly = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=factor ** (1 / 12) - 1, per="month")
    np.testing.assert_allclose(tokens(weekly, "2026-01", 24), tokens(monthly, "2026-01", 24), rtol=1e-12, atol=0)


def test_weekly_rate_by_hand():
    # 2 % a week for April 2026's 30 days from 1e12 tokens/day on 1 April: 1e12 * 7 * (1.02 ** (30/7) - 1) / ln 1.02.
    spec = ExponentialGrowth(start="2026-04", tokens_per_day=1e12, rate=0.02, per="week")
    expected = 1e12 * 7 * (1.02 ** (30 / 7) - 1) / math.log(1.02)
    assert tokens(spec, "2026-04", 1)[0] == pytest.approx(expected, rel=1e-13)


def test_rate_unit_defaults_to_month():
    spec = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.05)
    assert spec.per == "month"
    assert spec.kind == "exponential"


# --- exponential growth: validation -------------------------------------------------------------

VALID = {"start": "2026-01", "tokens_per_day": 1e12, "rate": 0.05, "per": "month"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rate", -1.0),
        ("rate", -1.5),
        ("rate", float("nan")),
        ("rate", float("inf")),
        ("tokens_per_day", 0.0),
        ("tokens_per_day", -1e12),
        ("tokens_per_day", float("nan")),
        ("tokens_per_day", float("inf")),
        ("per", "day"),
        ("start", "2026Q1"),
        ("start", "2026-01-15"),
        ("start", "2026"),
        ("start", "garbage"),
        ("start", ""),
        ("start", "January"),
    ],
)
def test_invalid_exponential_growth_is_rejected(field, value):
    ExponentialGrowth(**VALID)  # the base is valid
    with pytest.raises(ValidationError) as info:
        ExponentialGrowth(**{**VALID, field: value})
    if field == "start":
        assert f"{value!r}" in str(info.value)


def test_a_rate_just_above_minus_one_is_accepted():
    spec = ExponentialGrowth(**{**VALID, "rate": -0.999})
    assert np.all(tokens(spec, "2026-01", 3) > 0)


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError, match="extra"):
        ExponentialGrowth(**VALID, growth=0.1)


def test_start_after_a_quarter_label_message_is_clear():
    with pytest.raises(ValidationError, match=re.escape("'2026Q1' is a quarter but the horizon is monthly")):
        ExponentialGrowth(**{**VALID, "start": "2026Q1"})


# --- explicit series: inline --------------------------------------------------------------------

MONTHS_2026 = {f"2026-{m:02d}": m * 1e12 for m in range(1, 13)}


def test_inline_table_on_monthly_periods():
    spec = ExplicitSeries(tokens={"2026-01": 1e12, "2026-02": 2e12, "2026-03": 3.5e12, "2026-04": 9.0})
    assert spec.kind == "series"
    # Periods outside the horizon are ignored.
    assert list(tokens(spec, "2026-01", 3)) == [1e12, 2e12, 3.5e12]
    assert list(tokens(spec, "2026-02", 2)) == [2e12, 3.5e12]


def test_monthly_values_are_summed_into_quarters():
    spec = ExplicitSeries(tokens=MONTHS_2026)
    assert list(tokens(spec, "2026-01", 4, "quarter")) == [6e12, 15e12, 24e12, 33e12]


def test_quarterly_values_on_a_quarterly_calendar():
    spec = ExplicitSeries(tokens={"2026Q1": 1e13, "2026Q2": 2e13})
    assert list(tokens(spec, "2026-01", 2, "quarter")) == [1e13, 2e13]


def test_quarterly_and_monthly_values_can_be_mixed_across_quarters():
    spec = ExplicitSeries(tokens={"2026Q1": 1e13, "2026-04": 1.0, "2026-05": 2.0, "2026-06": 3.0})
    assert list(tokens(spec, "2026-01", 2, "quarter")) == [1e13, 6.0]


def test_a_quarter_missing_a_month_is_rejected_naming_the_quarter():
    table = {k: v for k, v in MONTHS_2026.items() if k != "2026-05"}
    spec = ExplicitSeries(tokens=table)
    assert list(tokens(spec, "2026-01", 1, "quarter")) == [6e12]  # Q1 is complete
    with pytest.raises(ValueError, match=r"period\(s\) 2026Q2 \(60 of 91 days\) only partly covered"):
        tokens(spec, "2026-01", 4, "quarter")


def test_a_missing_period_is_rejected_naming_it():
    spec = ExplicitSeries(tokens={"2026-01": 1.0, "2026-03": 3.0})
    with pytest.raises(ValueError, match=r"no value for period\(s\) 2026-02$"):
        tokens(spec, "2026-01", 3)


def test_a_missing_quarter_is_rejected_naming_it():
    spec = ExplicitSeries(tokens={"2026Q1": 1.0})
    with pytest.raises(ValueError, match=r"no value for period\(s\) 2026Q2, 2026Q3$"):
        tokens(spec, "2026-01", 3, "quarter")


def test_a_quarterly_value_is_spread_over_its_months_by_days():
    spec = ExplicitSeries(tokens={"2026Q1": 90.0})
    assert list(tokens(spec, "2026-01", 3)) == pytest.approx([31.0, 28.0, 31.0], rel=1e-12)


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("Jan-Mar", "is not a month"),
        ("2026-02-01 10:00", "is not a month"),
        ("January", "does not give a four-digit year"),
    ],
)
def test_an_unparseable_label_is_rejected_on_projection(label, message):
    spec = ExplicitSeries(tokens={"2026-01": 1.0, label: 2.0})
    with pytest.raises(ValueError, match=re.escape(f"{label!r} {message}")):
        tokens(spec, "2026-01", 1)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        # Two spellings of one month are not two values to add up...
        ({"2026-01": 1.0, "2026-1": 2.0, "2026-02": 3.0, "2026-03": 4.0}, "labels '2026-01' and '2026-1' overlap"),
        # ...nor is a quarter and one of its months.
        ({"2026Q1": 1.0, "2026-02": 2.0}, "labels '2026Q1' and '2026-02' overlap"),
    ],
)
def test_two_labels_for_the_same_month_are_rejected(table, message):
    spec = ExplicitSeries(tokens=table)
    with pytest.raises(ValueError, match=re.escape(message)):
        tokens(spec, "2026-01", 1, "quarter")


def test_two_spellings_of_a_month_are_rejected_on_a_monthly_calendar():
    spec = ExplicitSeries(tokens={"2026-01": 1.0, "Jan 2026": 2.0})
    with pytest.raises(ValueError, match="labels '2026-01' and 'Jan 2026' overlap"):
        tokens(spec, "2026-01", 1)


def test_a_quarter_with_a_month_given_twice_but_another_missing_is_rejected():
    # Three labels, but only two distinct months: March is missing.
    spec = ExplicitSeries(tokens={"2026-01": 1.0, "2026-1": 1.0, "2026-02": 1.0})
    with pytest.raises(ValueError):
        tokens(spec, "2026-01", 1, "quarter")


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf"), float("-inf")])
def test_negative_or_non_finite_tokens_are_rejected(value):
    with pytest.raises(ValidationError, match="finite and >= 0"):
        ExplicitSeries(tokens={"2026-01": 1.0, "2026-02": value})


def test_zero_tokens_are_allowed():
    assert list(tokens(ExplicitSeries(tokens={"2026-01": 0.0}), "2026-01", 1)) == [0.0]


def test_neither_tokens_nor_csv_is_rejected():
    with pytest.raises(ValidationError, match="exactly one of 'tokens'"):
        ExplicitSeries()


def test_both_tokens_and_csv_are_rejected(tmp_path):
    path = tmp_path / "demand.csv"
    path.write_text("period,tokens\n2026-01,1\n")
    with pytest.raises(ValidationError, match="exactly one of 'tokens'"):
        ExplicitSeries(tokens={"2026-01": 1.0}, csv=path)


# --- explicit series: CSV -----------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_csv_is_read_relative_to_base_dir_and_stored_resolved(tmp_path):
    write(tmp_path / "data" / "demand.csv", "period,tokens\n2026-01,1e12\n2026-02,2.5e12\n2026-03,3000\n")
    spec = ExplicitSeries.model_validate({"csv": "data/demand.csv"}, context={"base_dir": tmp_path})
    assert spec.csv == (tmp_path / "data" / "demand.csv").resolve()
    assert spec.csv.is_absolute()
    assert list(tokens(spec, "2026-01", 3)) == [1e12, 2.5e12, 3000.0]


def test_csv_relative_path_with_dots_is_resolved(tmp_path):
    write(tmp_path / "demand.csv", "period,tokens\n2026-01,7\n")
    (tmp_path / "scenarios").mkdir()
    spec = ExplicitSeries.model_validate({"csv": "../demand.csv"}, context={"base_dir": tmp_path / "scenarios"})
    assert spec.csv == (tmp_path / "demand.csv").resolve()
    assert ".." not in spec.csv.parts
    assert list(tokens(spec, "2026-01", 1)) == [7.0]


def test_csv_absolute_path_ignores_base_dir(tmp_path):
    path = write(tmp_path / "demand.csv", "period,tokens\n2026-01,7\n")
    spec = ExplicitSeries.model_validate({"csv": str(path)}, context={"base_dir": tmp_path / "elsewhere"})
    assert spec.csv == path.resolve()
    assert list(tokens(spec, "2026-01", 1)) == [7.0]


def test_csv_without_base_dir_is_read_from_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path / "demand.csv", "period,tokens\n2026-01,7\n")
    monkeypatch.chdir(tmp_path)
    spec = ExplicitSeries(csv="demand.csv")
    assert spec.csv == (tmp_path / "demand.csv").resolve()
    assert list(tokens(spec, "2026-01", 1)) == [7.0]


def test_csv_monthly_values_are_summed_into_quarters(tmp_path):
    rows = "".join(f"2026-{m:02d},{m}\n" for m in range(1, 7))
    write(tmp_path / "demand.csv", "period,tokens\n" + rows)
    spec = ExplicitSeries.model_validate({"csv": "demand.csv"}, context={"base_dir": tmp_path})
    assert list(tokens(spec, "2026-01", 2, "quarter")) == [6.0, 15.0]


def test_csv_column_order_and_extra_columns_do_not_matter(tmp_path):
    write(tmp_path / "demand.csv", "note,tokens,period\nlaunch,5,2026-10\n,6,2026-11\n")
    spec = ExplicitSeries.model_validate({"csv": "demand.csv"}, context={"base_dir": tmp_path})
    assert list(tokens(spec, "2026-10", 2)) == [5.0, 6.0]


def test_csv_missing_file_is_rejected(tmp_path):
    with pytest.raises(ValidationError, match=r"demand CSV file not found: .*nothere\.csv"):
        ExplicitSeries.model_validate({"csv": "nothere.csv"}, context={"base_dir": tmp_path})


def test_csv_directory_is_rejected_as_not_a_file(tmp_path):
    (tmp_path / "demand.csv").mkdir()
    with pytest.raises(ValidationError, match=r"demand\.csv is a folder, not a regular file"):
        ExplicitSeries.model_validate({"csv": "demand.csv"}, context={"base_dir": tmp_path})


@pytest.mark.parametrize(
    ("header", "missing"), [("period,value", "tokens"), ("when,tokens", "period"), ("a,b", "period, tokens")]
)
def test_csv_missing_column_is_rejected(tmp_path, header, missing):
    write(tmp_path / "demand.csv", f"{header}\n2026-01,1\n")
    with pytest.raises(
        ValidationError, match=re.escape(f"demand.csv: missing column(s) {missing}; expected a header 'period,tokens'")
    ):
        ExplicitSeries.model_validate({"csv": "demand.csv"}, context={"base_dir": tmp_path})


def test_csv_non_numeric_value_is_rejected_naming_the_line(tmp_path):
    write(tmp_path / "demand.csv", "period,tokens\n2026-01,1\n2026-02,lots\n2026-03,3\n2026-04,\n")
    with pytest.raises(ValidationError, match=re.escape("demand.csv: non-numeric 'tokens' on line(s) [3, 5]")):
        ExplicitSeries.model_validate({"csv": "demand.csv"}, context={"base_dir": tmp_path})


def test_csv_line_numbers_count_blank_lines(tmp_path):
    # read_csv skips blank lines; the message must still name the line in the file.
    write(tmp_path / "demand.csv", "\nperiod,tokens\n2026-01,1\n\n   \n2026-02,x\n")
    with pytest.raises(ValidationError, match=re.escape("non-numeric 'tokens' on line(s) [6]")):
        ExplicitSeries.model_validate({"csv": "demand.csv"}, context={"base_dir": tmp_path})


def test_csv_missing_period_is_rejected_naming_the_line(tmp_path):
    write(tmp_path / "demand.csv", "period,tokens\n2026-01,1\n,2\n")
    with pytest.raises(ValidationError, match=re.escape("demand.csv: no 'period' on line(s) [3]")):
        ExplicitSeries.model_validate({"csv": "demand.csv"}, context={"base_dir": tmp_path})


def test_csv_duplicate_periods_are_rejected(tmp_path):
    write(tmp_path / "demand.csv", "period,tokens\n2026-01,1\n2026-02,2\n2026-01,3\n")
    with pytest.raises(ValidationError, match=re.escape("demand.csv: period(s) listed twice: ['2026-01']")):
        ExplicitSeries.model_validate({"csv": "demand.csv"}, context={"base_dir": tmp_path})


def test_csv_negative_tokens_are_rejected(tmp_path):
    write(tmp_path / "demand.csv", "period,tokens\n2026-01,-1\n")
    with pytest.raises(ValidationError, match="finite and >= 0"):
        ExplicitSeries.model_validate({"csv": "demand.csv"}, context={"base_dir": tmp_path})


# --- the DemandSpec union -----------------------------------------------------------------------


def test_demand_spec_selects_the_model_by_kind(tmp_path):
    write(tmp_path / "demand.csv", "period,tokens\n2026-01,7\n")
    adapter = TypeAdapter(DemandSpec)
    series = adapter.validate_python({"kind": "series", "csv": "demand.csv"}, context={"base_dir": tmp_path})
    assert isinstance(series, ExplicitSeries)
    assert series.csv == (tmp_path / "demand.csv").resolve()
    growth = adapter.validate_python({"kind": "exponential", **VALID})
    assert isinstance(growth, ExponentialGrowth)
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "linear", **VALID})


# --- project ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.05),
        ExplicitSeries(tokens={f"2028-{m:02d}": 1e12 * m for m in range(1, 13)}),
    ],
    ids=["exponential", "series"],
)
@pytest.mark.parametrize("length", ["month", "quarter"])
def test_project_gives_tokens_and_their_average_rate(spec, length):
    periods = planning_periods("2028-01", 12 if length == "month" else 4, length)
    frame = project(spec, periods)
    assert list(frame.columns) == ["period", "tokens", "tokens_per_s"]
    assert list(frame["period"]) == list(periods.astype(str))
    assert list(frame["tokens"]) == list(spec.per_period(periods))
    assert list(frame["tokens_per_s"]) == list(frame["tokens"].to_numpy() / seconds_per_period(periods))


def test_project_rate_by_hand():
    # 2.6784e12 tokens in January (31 days = 2,678,400 s) is 1e6 tokens/s; in February 2028
    # (29 days = 2,505,600 s) 2.5056e12 tokens is 1e6 tokens/s too.
    spec = ExplicitSeries(tokens={"2028-01": 2.6784e12, "2028-02": 2.5056e12})
    frame = project(spec, planning_periods("2028-01", 2, "month"))
    assert list(frame["period"]) == ["2028-01", "2028-02"]
    assert list(frame["tokens_per_s"]) == pytest.approx([1e6, 1e6], rel=1e-15)


def test_a_calendar_s_start_times_give_the_days_their_labels_give():
    from demand import planning_periods
    from demand.curves import to_days

    for length in ("month", "quarter"):
        periods = planning_periods("2026-01", 30, length)
        as_text = [str(day.date()) for day in periods.start_time]
        assert to_days(periods.start_time).tolist() == to_days(as_text).tolist()
    assert to_days(planning_periods("1970-01", 2, "month").start_time).tolist() == [0.0, 31.0]
