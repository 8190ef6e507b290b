"""Explicit series of days and weeks, resampled onto planning periods by spreading each interval's
tokens evenly over its days. Month and quarter labels are covered in test_curves.py."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from demand import ExplicitSeries, planning_periods, project

# Weeks starting Thursday 1 January 2026, nine of them: through Wednesday 4 March 2026.
WEEK_STARTS = [str((pd.Timestamp("2026-01-01") + pd.Timedelta(days=7 * i)).date()) for i in range(9)]


def months(spec: ExplicitSeries, start: str, count: int) -> list[float]:
    return list(spec.per_period(planning_periods(start, count, "month")))


def at(spec: ExplicitSeries, *times: str) -> np.ndarray:
    return spec.evaluate([pd.Timestamp(t) for t in times])


# --- weeks --------------------------------------------------------------------------------------


def test_a_week_straddling_two_months_is_split_by_days():
    # The week from Thursday 29 January: 29, 30, 31 January (3 days) and 1-4 February (4 days).
    spec = ExplicitSeries(tokens={w: (7e9 if w == "2026-01-29" else 0.0) for w in WEEK_STARTS})
    jan, feb = months(spec, "2026-01", 2)
    assert jan == pytest.approx(3e9, rel=1e-15)
    assert feb == pytest.approx(4e9, rel=1e-15)


def test_weekly_series_onto_months_by_hand():
    # Week i (from 1 January) holds 7e9 * (i + 1) tokens, i.e. (i + 1) * 1e9 a day.
    # January: four whole weeks (1 + 2 + 3 + 4) * 7 and 3 days of week 5: 70 + 15 = 85 (x 1e9).
    # February: 4 days of week 5, weeks 6-8 whole and 3 days (26-28) of week 9: 20 + 147 + 27 = 194.
    spec = ExplicitSeries(tokens={w: 7e9 * (i + 1) for i, w in enumerate(WEEK_STARTS)})
    assert months(spec, "2026-01", 2) == pytest.approx([85e9, 194e9], rel=1e-15)
    # Nothing is lost: the two months hold the tokens of the days they cover.
    total = sum(7e9 * (i + 1) for i in range(8)) + 3 / 7 * 63e9
    assert sum(months(spec, "2026-01", 2)) == pytest.approx(total, rel=1e-15)


def test_weekly_interval_is_inferred_from_seven_day_spacing():
    spec = ExplicitSeries(tokens=dict.fromkeys(WEEK_STARTS, 7.0))
    assert spec.interval == "auto"
    frame = spec.intervals()
    assert list(frame["end"] - frame["first"]) == [7.0] * 9
    assert list(frame["tokens_per_day"]) == [1.0] * 9


def test_weekly_series_in_any_label_order():
    table = {w: 7e9 * (i + 1) for i, w in enumerate(WEEK_STARTS)}
    shuffled = dict(reversed(list(table.items())))
    assert months(ExplicitSeries(tokens=shuffled), "2026-01", 2) == months(ExplicitSeries(tokens=table), "2026-01", 2)


def test_weekly_series_onto_a_quarter():
    # 13 weeks from Monday 29 December 2025 to Sunday 29 March 2026 leave 30 and 31 March: add
    # a 14th week, of which 2 of its 7 days fall in the first quarter.
    starts = [pd.Timestamp("2025-12-29") + pd.Timedelta(days=7 * i) for i in range(14)]
    spec = ExplicitSeries(tokens={str(s.date()): 7.0 for s in starts})
    # 1 token a day: the quarter's 90 days.
    assert list(spec.per_period(planning_periods("2026-01", 1, "quarter"))) == pytest.approx([90.0], rel=1e-15)
    frame = project(spec, planning_periods("2026-01", 3, "month"))
    assert list(frame["tokens"]) == pytest.approx([31.0, 28.0, 31.0], rel=1e-15)
    assert list(frame["tokens_per_s"]) == pytest.approx([1 / 86_400] * 3, rel=1e-12)


def test_explicit_week_interval_with_a_single_date_label():
    spec = ExplicitSeries(tokens={"2026-01-29": 7e9}, interval="week")
    frame = spec.intervals()
    assert list(frame["label"]) == ["2026-01-29"]
    assert frame["end"].iloc[0] - frame["first"].iloc[0] == 7.0
    assert frame["tokens_per_day"].iloc[0] == 1e9
    # It covers Thursday 29 January to Wednesday 4 February.
    assert list(at(spec, "2026-01-29", "2026-02-04 23:00")) == [1e9, 1e9]
    assert np.isnan(at(spec, "2026-02-05")).all()
    # January holds 3 of its days, so January is only partly covered.
    with pytest.raises(
        ValueError, match=re.escape("the series has period(s) 2026-01 (3 of 31 days) only partly covered")
    ):
        months(spec, "2026-01", 1)


def test_a_single_date_label_without_an_interval_is_ambiguous():
    spec = ExplicitSeries(tokens={"2026-01-29": 7e9})
    with pytest.raises(ValueError, match="set interval: day or interval: week"):
        months(spec, "2026-01", 1)


def test_a_week_and_months_mix():
    # December as a month, then the week from 1 January, then February as a month: January is
    # only partly covered, February fully.
    spec = ExplicitSeries(tokens={"2025-12": 31.0, "2026-01-01": 7.0, "2026-02": 28.0}, interval="week")
    assert months(spec, "2025-12", 1) == [31.0]
    assert months(spec, "2026-02", 1) == [28.0]
    with pytest.raises(ValueError, match=re.escape("period(s) 2026-01 (7 of 31 days) only partly covered")):
        months(spec, "2026-01", 1)


# --- days ---------------------------------------------------------------------------------------


def test_daily_series_onto_months():
    # Every day of February 2028 (29 days, a leap year) and March 2028; day d of February holds d tokens.
    days = pd.date_range("2028-02-01", "2028-03-31", freq="D")
    table = {str(d.date()): float(d.day) if d.month == 2 else 2.0 for d in days}
    spec = ExplicitSeries(tokens=table)
    frame = spec.intervals()
    assert list(frame["end"] - frame["first"]) == [1.0] * 60
    assert months(spec, "2028-02", 2) == [29 * 30 / 2, 62.0]  # 1 + ... + 29 = 435
    assert list(at(spec, "2028-02-10 12:00", "2028-02-29", "2028-03-01")) == [10.0, 29.0, 2.0]


def test_daily_series_summed_into_a_quarter():
    days = pd.date_range("2026-04-01", "2026-06-30", freq="D")  # 30 + 31 + 30 = 91 days
    spec = ExplicitSeries(tokens={str(d.date()): 1e12 for d in days})
    assert list(spec.per_period(planning_periods("2026-04", 1, "quarter"))) == [91e12]


def test_explicit_day_interval_takes_dates_a_week_apart_as_single_days():
    spec = ExplicitSeries(tokens=dict.fromkeys(WEEK_STARTS[:2], 7.0), interval="day")
    frame = spec.intervals()
    assert list(frame["end"] - frame["first"]) == [1.0, 1.0]
    assert list(frame["tokens_per_day"]) == [7.0, 7.0]
    assert np.isnan(at(spec, "2026-01-02")).all()
    with pytest.raises(ValueError, match=re.escape("2026-01 (2 of 31 days) only partly covered")):
        months(spec, "2026-01", 1)


@pytest.mark.parametrize("spacing", [3, 2, 14])
def test_ambiguous_date_spacing_is_rejected_asking_for_the_interval(spacing):
    dates = [str((pd.Timestamp("2026-01-01") + pd.Timedelta(days=spacing * i)).date()) for i in range(12)]
    spec = ExplicitSeries(tokens=dict.fromkeys(dates, 1.0))
    message = "cannot tell whether the date labels are days or weeks; set interval: day or interval: week"
    with pytest.raises(ValueError, match=re.escape(message)):
        months(spec, "2026-01", 1)
    with pytest.raises(ValueError, match=re.escape(message)):
        spec.evaluate([pd.Timestamp("2026-01-01")])


def test_dates_three_days_apart_are_accepted_as_days_when_told():
    spec = ExplicitSeries(tokens={"2026-01-01": 1.0, "2026-01-04": 2.0, "2026-01-07": 3.0}, interval="day")
    assert list(spec.intervals()["end"] - spec.intervals()["first"]) == [1.0, 1.0, 1.0]
    assert list(at(spec, "2026-01-04 18:00")) == [2.0]
    assert np.isnan(at(spec, "2026-01-05")).all()


# --- overlaps and coverage ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "interval", "first", "second"),
    [
        # A week that runs into a month given on its own.
        ({"2026-01-29": 7.0, "2026-02": 28.0}, "week", "2026-01-29", "2026-02"),
        # Two weeks three days apart.
        ({"2026-01-01": 7.0, "2026-01-04": 7.0}, "week", "2026-01-01", "2026-01-04"),
        # A day inside a month, and a day inside a week.
        ({"2026-01": 31.0, "2026-01-15": 1.0}, "day", "2026-01", "2026-01-15"),
        ({"2026-01-15": 1.0, "2026Q1": 90.0}, "day", "2026Q1", "2026-01-15"),
        (
            {"2026-01-01": 7.0, "2026-01-08": 7.0, "2026-01-14": 7.0, "2026-01-22": 7.0},
            "week",
            "2026-01-08",
            "2026-01-14",
        ),
    ],
)
def test_overlapping_labels_are_rejected_naming_both(table, interval, first, second):
    spec = ExplicitSeries(tokens=table, interval=interval)
    message = f"labels {first!r} and {second!r} overlap: both give tokens for the same days"
    with pytest.raises(ValueError, match=re.escape(message)):
        months(spec, "2026-01", 1)


def test_adjacent_weeks_and_months_do_not_overlap():
    # The week from 25 January ends as February starts.
    spec = ExplicitSeries(tokens={"2026-01-25": 7.0, "2026-02": 28.0, "2026-01-18": 7.0}, interval="week")
    frame = spec.intervals()
    assert list(frame["label"]) == ["2026-01-18", "2026-01-25", "2026-02"]
    assert months(spec, "2026-02", 1) == [28.0]


def test_partly_covered_period_is_reported_with_its_days():
    # Four weeks from 1 January cover 28 of January's 31 days.
    spec = ExplicitSeries(tokens=dict.fromkeys(WEEK_STARTS[:4], 7.0))
    with pytest.raises(
        ValueError, match=re.escape("the series has period(s) 2026-01 (28 of 31 days) only partly covered")
    ):
        months(spec, "2026-01", 1)


def test_missing_and_partly_covered_periods_are_reported_together():
    spec = ExplicitSeries(tokens=dict.fromkeys(WEEK_STARTS[:4], 7.0))
    message = (
        "the series has no value for period(s) 2026-02, 2026-03; period(s) 2026-01 (28 of 31 days) only partly covered"
    )
    with pytest.raises(ValueError, match=re.escape(message) + "$"):
        months(spec, "2026-01", 3)


def test_partly_covered_quarter_counts_its_days():
    # Nine weeks from 1 January cover 63 of the first quarter's 90 days.
    spec = ExplicitSeries(tokens=dict.fromkeys(WEEK_STARTS, 7.0))
    with pytest.raises(ValueError, match=re.escape("period(s) 2026Q1 (63 of 90 days) only partly covered")):
        spec.per_period(planning_periods("2026-01", 1, "quarter"))


def test_a_gap_between_weeks_leaves_a_month_partly_covered():
    spec = ExplicitSeries(tokens={w: 7.0 for i, w in enumerate(WEEK_STARTS) if i != 2}, interval="week")
    with pytest.raises(ValueError, match=re.escape("2026-01 (24 of 31 days) only partly covered")):
        months(spec, "2026-01", 1)


def test_between_names_an_uncovered_interval_by_its_first_date():
    spec = ExplicitSeries(tokens=dict.fromkeys(WEEK_STARTS[:4], 7.0))
    frame = spec.intervals()
    first = frame["first"].iloc[0]
    assert list(spec.between([first], [first + 28.0])) == [28.0]
    assert list(spec.between([first + 0.5], [first + 1.0])) == [0.5]  # half a day
    with pytest.raises(
        ValueError, match=re.escape("the series has period(s) 2026-01-01 (28 of 30 days) only partly covered")
    ):
        spec.between([first], [first + 30.0])


# --- evaluate -----------------------------------------------------------------------------------


def test_evaluate_gives_the_intervals_tokens_per_day():
    spec = ExplicitSeries(tokens={w: 7e9 * (i + 1) for i, w in enumerate(WEEK_STARTS)})
    values = at(spec, "2026-01-01", "2026-01-07 23:59", "2026-01-08", "2026-01-31 12:00", "2026-03-04 23:59")
    assert list(values) == [1e9, 1e9, 2e9, 5e9, 9e9]


def test_evaluate_is_nan_outside_the_series():
    spec = ExplicitSeries(tokens={"2026-01": 31.0, "2026-03": 62.0})
    values = at(spec, "2025-12-31 23:59", "2026-01-01", "2026-01-31 23:59", "2026-02-15", "2026-03-31", "2026-04-01")
    assert values[1] == 1.0 and values[2] == 1.0 and values[4] == 2.0
    assert np.isnan(values[[0, 3, 5]]).all()


def test_evaluate_of_a_month_and_a_quarter_spreads_over_their_days():
    spec = ExplicitSeries(tokens={"2026Q1": 90.0, "2026-04": 60.0})
    assert list(at(spec, "2026-02-14", "2026-04-30")) == [1.0, 2.0]


# --- CSV ----------------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def read(tmp_path: Path) -> ExplicitSeries:
    return ExplicitSeries.model_validate({"csv": "demand.csv"}, context={"base_dir": tmp_path})


def test_csv_with_comment_lines_is_read(tmp_path):
    write(
        tmp_path / "demand.csv",
        "# Source: usage export, 2026-03-02\n# tokens are input plus output\nperiod,tokens\n"
        "2026-01,1e12\n# February revised\n2026-02,2e12\n2026-03,3e12 # estimate\n",
    )
    spec = read(tmp_path)
    assert months(spec, "2026-01", 3) == [1e12, 2e12, 3e12]


def test_csv_weekly_series_with_comments(tmp_path):
    rows = "".join(f"{w},{7e9 * (i + 1)}\n" for i, w in enumerate(WEEK_STARTS))
    write(tmp_path / "demand.csv", "# weekly totals, weeks starting Thursday\nperiod,tokens\n" + rows)
    assert months(read(tmp_path), "2026-01", 2) == pytest.approx([85e9, 194e9], rel=1e-15)


def test_csv_line_numbers_count_comment_lines(tmp_path):
    write(
        tmp_path / "demand.csv",
        "# source\n# note\nperiod,tokens\n2026-01,1\n# mid-file comment\n2026-02,lots\n\n2026-03,3\n2026-04,\n",
    )
    # Lines: 1-2 comments, 3 header, 4 January, 5 comment, 6 February, 7 blank, 8 March, 9 April.
    with pytest.raises(ValidationError, match=re.escape("demand.csv: non-numeric 'tokens' on line(s) [6, 9]")):
        read(tmp_path)


def test_csv_missing_period_line_counts_comment_lines(tmp_path):
    write(tmp_path / "demand.csv", "# source\nperiod,tokens\n# x\n2026-01,1\n,2\n")
    with pytest.raises(ValidationError, match=re.escape("demand.csv: no 'period' on line(s) [5]")):
        read(tmp_path)


def test_csv_indented_comment_line_is_a_comment(tmp_path):
    # '#' starts a comment wherever it is, also after leading spaces.
    write(tmp_path / "demand.csv", "period,tokens\n2026-01,1\n   # February revised\n2026-02,2\n")
    assert months(read(tmp_path), "2026-01", 2) == [1.0, 2.0]


def test_csv_line_numbers_count_indented_comment_lines(tmp_path):
    write(tmp_path / "demand.csv", "period,tokens\n2026-01,1\n  # note\n2026-02,x\n")
    with pytest.raises(ValidationError, match=re.escape("demand.csv: non-numeric 'tokens' on line(s) [4]")):
        read(tmp_path)


def test_csv_date_labels_keep_their_interval(tmp_path):
    write(tmp_path / "demand.csv", "period,tokens\n2026-01-29,7e9\n")
    spec = ExplicitSeries.model_validate({"csv": "demand.csv", "interval": "week"}, context={"base_dir": tmp_path})
    assert list(at(spec, "2026-02-04")) == [1e9]
    assert math.isnan(at(spec, "2026-02-05")[0])


# --- the columns of a CSV file --------------------------------------------------------------------


def read_with(tmp_path: Path, text: str, **options) -> ExplicitSeries:
    write(tmp_path / "demand.csv", text)
    return ExplicitSeries.model_validate({"csv": "demand.csv", **options}, context={"base_dir": tmp_path})


def test_csv_date_column_of_weeks_is_read(tmp_path):
    # Three Mondays a week apart: weeks, inferred from the spacing as with a 'period' column.
    spec = read_with(tmp_path, "date,tokens\n2026-01-05,7e9\n2026-01-12,14e9\n2026-01-19,21e9\n")
    assert spec.interval == "auto"
    assert list(at(spec, "2026-01-11", "2026-01-25")) == [1e9, 3e9]


def test_csv_week_column_says_its_dates_are_weeks(tmp_path):
    # A single date would be ambiguous under 'period'; under 'week' it covers its seven days.
    spec = read_with(tmp_path, "week,tokens\n2026-01-29,7e9\n")
    assert spec.interval == "week"
    assert list(at(spec, "2026-02-04")) == [1e9]
    assert math.isnan(at(spec, "2026-02-05")[0])


def test_csv_day_column_says_its_dates_are_days(tmp_path):
    # Dates three days apart are ambiguous under 'period'; under 'day' each is one day.
    spec = read_with(tmp_path, "day,tokens\n2026-01-01,5\n2026-01-04,7\n")
    assert spec.interval == "day"
    assert list(at(spec, "2026-01-01", "2026-01-04")) == [5.0, 7.0]
    assert math.isnan(at(spec, "2026-01-02")[0])


def test_csv_month_column_takes_months_and_first_days_of_months(tmp_path):
    spec = read_with(tmp_path, "month,tokens\n2026-01,31e9\n2026-02-01,28e9\n2026-03-01 ,62e9\n")
    assert months(spec, "2026-01", 3) == [31e9, 28e9, 62e9]
    assert list(at(spec, "2026-03-20")) == [2e9]


def test_csv_month_column_rejects_a_date_within_a_month(tmp_path):
    with pytest.raises(
        ValidationError, match=re.escape("demand.csv: '2026-02-15' in column 'month' is not the first day")
    ):
        read_with(tmp_path, "month,tokens\n2026-01-01,1\n2026-02-15,2\n")


def test_csv_quarter_column_takes_quarters_and_their_first_months_or_days(tmp_path):
    spec = read_with(tmp_path, "quarter,tokens\n2026Q1,90e9\n2026-04,91e9\n2026-07-01,92e9\n")
    assert list(spec.per_period(planning_periods("2026-01", 3, "quarter"))) == [90e9, 91e9, 92e9]
    with pytest.raises(ValidationError, match=re.escape("'2026-02' in column 'quarter' does not start a quarter")):
        read_with(tmp_path, "quarter,tokens\n2026-02,1\n")


def test_csv_column_names_match_in_any_case_and_around_blanks(tmp_path):
    spec = read_with(tmp_path, " Date , TOKENS\n2026-01-05,7e9\n2026-01-12,14e9\n")
    assert list(at(spec, "2026-01-18")) == [2e9]


def test_csv_columns_named_by_the_user(tmp_path):
    text = "when,region,volume\n2026-01,eu,1e12\n2026-02,eu,2e12\n"
    spec = read_with(tmp_path, text, time_column="when", tokens_column="volume")
    assert months(spec, "2026-01", 2) == [1e12, 2e12]
    # A named column wins over the usual names: the 'date' column here is when the row was exported.
    spec = read_with(tmp_path, "date,month,tokens\n2026-03-02,2026-01,5e9\n", time_column="month")
    assert months(spec, "2026-01", 1) == [5e9]


def test_csv_columns_named_but_missing_are_reported_with_the_columns_there(tmp_path):
    with pytest.raises(ValidationError) as caught:
        read_with(tmp_path, "when,volume\n2026-01,1\n", time_column="ts", tokens_column="count")
    message = str(caught.value)
    assert "no time column 'ts' (time_column); the columns are when, volume" in message
    assert "no tokens column 'count' (tokens_column)" in message


def test_csv_with_two_usual_time_columns_asks_which(tmp_path):
    with pytest.raises(ValidationError, match="columns date and week could each be the time column; name it"):
        read_with(tmp_path, "date,week,tokens\n2026-01-05,2026-01-05,1\n")


def test_csv_missing_columns_message_names_the_choices(tmp_path):
    with pytest.raises(ValidationError) as caught:
        read_with(tmp_path, "when,volume\n2026-01,1\n")
    message = str(caught.value)
    assert "missing column(s) period, tokens" in message
    assert "date, time, day, week, month, quarter" in message and "time_column and tokens_column" in message
    assert "the columns are when, volume" in message


def test_csv_week_column_with_another_interval_is_rejected(tmp_path):
    with pytest.raises(ValidationError, match="the time column holds weeks but interval is 'day'"):
        read_with(tmp_path, "week,tokens\n2026-01-05,1\n", interval="day")


def test_column_names_without_a_csv_file_are_rejected():
    with pytest.raises(ValidationError, match="time_column name columns of a CSV file"):
        ExplicitSeries(tokens={"2026-01": 1.0}, time_column="date")


def test_csv_missing_and_non_numeric_values_are_named_by_their_column(tmp_path):
    with pytest.raises(ValidationError, match=re.escape("demand.csv: no 'date' on line(s) [3]")):
        read_with(tmp_path, "date,tokens\n2026-01-05,1\n,2\n")
    with pytest.raises(ValidationError, match=re.escape("demand.csv: non-numeric 'volume' on line(s) [2]")):
        read_with(tmp_path, "date,volume\n2026-01-05,x\n", tokens_column="volume")
