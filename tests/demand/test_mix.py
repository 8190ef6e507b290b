"""Workload mix: shares of the total demand per workload, constant or interpolated in time."""

from __future__ import annotations

import re

import numpy as np
import pytest

from demand import mix_table, planning_periods, share_values

TOL = 1e-12


def months(start: str = "2026-01", count: int = 6):
    return planning_periods(start, count, "month")


def quarters(start: str = "2026-01", count: int = 4):
    return planning_periods(start, count, "quarter")


# --- share_values -------------------------------------------------------------------------------


def test_a_constant_share_is_the_same_in_every_period():
    assert share_values(0.25, months()).tolist() == [0.25] * 6


def test_a_single_point_is_held_in_every_period():
    assert share_values({"2026-03": 0.4}, months()).tolist() == [0.4] * 6


def test_shares_between_points_follow_a_straight_line_in_days():
    # Jan 1 -> Apr 1 is 90 days; Feb 1 is 31 days in and Mar 1 is 59 days in.
    values = share_values({"2026-01": 0.1, "2026-04": 0.4}, months("2026-01", 4))
    assert values.tolist() == pytest.approx([0.1, 0.1 + 0.3 * 31 / 90, 0.1 + 0.3 * 59 / 90, 0.4], abs=TOL)
    assert values[1] == pytest.approx(0.20333333333333, abs=TOL)


def test_shares_are_held_flat_before_the_first_point_and_after_the_last():
    values = share_values({"2026-03": 0.2, "2026-04": 0.5}, months("2026-01", 6))
    assert values.tolist() == pytest.approx([0.2, 0.2, 0.2, 0.5, 0.5, 0.5], abs=TOL)


def test_points_may_be_given_in_any_order_and_outside_the_horizon():
    # 2025-12-01 -> 2026-12-01 is 365 days; 2026-02-01 is 62 days in.
    values = share_values({"2026-12": 0.9, "2025-12": 0.0}, months("2026-02", 1))
    assert values[0] == pytest.approx(0.9 * 62 / 365, abs=TOL)


def test_a_decreasing_share():
    values = share_values({"2026-01": 0.6, "2026-03": 0.0}, months("2026-01", 3))
    # Jan 1 -> Mar 1 is 59 days; Feb 1 is 31 days in.
    assert values.tolist() == pytest.approx([0.6, 0.6 * 28 / 59, 0.0], abs=TOL)


def test_quarterly_calendar_interpolates_between_quarter_first_days():
    # 2026Q1 (Jan 1) -> 2027Q1 (Jan 1, 2027) is 365 days; Apr 1 is 90 days in, Jul 1 181, Oct 1 273.
    values = share_values({"2026Q1": 0.1, "2027Q1": 0.5}, quarters("2026-01", 5))
    expected = [0.1 + 0.4 * d / 365 for d in (0, 90, 181, 273, 365)]
    assert values.tolist() == pytest.approx(expected, abs=TOL)


def test_a_month_label_on_a_quarterly_calendar_stands_at_its_quarters_first_day():
    by_month = share_values({"2026-02": 0.1, "2026-12": 0.5}, quarters("2026-01", 4))
    by_quarter = share_values({"2026Q1": 0.1, "2026Q4": 0.5}, quarters("2026-01", 4))
    assert by_month.tolist() == by_quarter.tolist()
    # Jan 1 -> Oct 1 is 273 days; Apr 1 is 90 days in.
    assert by_month[1] == pytest.approx(0.1 + 0.4 * 90 / 273, abs=TOL)


@pytest.mark.parametrize(
    ("share", "periods", "message"),
    [
        (1.2, months(), r"between 0 and 1 .*got 1\.2"),
        (-0.1, months(), r"between 0 and 1 .*got -0\.1"),
        (float("nan"), months(), r"between 0 and 1 .*got nan"),
        ({"2026-01": 0.1, "2026-06": 40.0}, months(), r"between 0 and 1 .*got 40\.0 at '2026-06'"),
        ({}, months(), r"gives no points"),
        ({"2026Q2": 0.1}, months(), r"'2026Q2' is a quarter but the horizon is monthly"),
        ({"June": 0.1}, months(), r"four-digit year"),
        (
            {"2026-01": 0.1, "2026-02": 0.2},
            quarters(),
            r"'2026-01' and '2026-02' both fall in 2026Q1 .*one point per quarter",
        ),
    ],
)
def test_invalid_shares_are_rejected(share, periods, message):
    with pytest.raises(ValueError, match=message):
        share_values(share, periods)


# --- mix_table ----------------------------------------------------------------------------------


def test_constant_shares_give_one_row_per_period_and_workload():
    table = mix_table({"chat": 0.6, "agents": 0.3, "batch": 0.1}, months("2026-01", 2))
    assert list(table.columns) == ["period", "name", "share"]
    assert table["period"].tolist() == ["2026-01"] * 3 + ["2026-02"] * 3
    assert table["name"].tolist() == ["chat", "agents", "batch"] * 2
    assert table["share"].tolist() == [0.6, 0.3, 0.1] * 2


def test_a_growing_workload_and_the_rest():
    # Agents grow from 10% to 40% over January -> April; chat has the rest, with points in the same months.
    table = mix_table(
        {"agents": {"2026-01": 0.1, "2026-04": 0.4}, "chat": {"2026-01": 0.9, "2026-04": 0.6}}, months("2026-01", 5)
    )
    shares = table.pivot(index="period", columns="name", values="share")
    assert shares["agents"].tolist() == pytest.approx(
        [0.1, 0.1 + 0.3 * 31 / 90, 0.1 + 0.3 * 59 / 90, 0.4, 0.4], abs=TOL
    )
    assert (shares["agents"] + shares["chat"]).tolist() == pytest.approx([1.0] * 5, abs=TOL)


def test_quarterly_mix_labels_its_periods_by_quarter():
    table = mix_table(
        {"a": {"2026Q1": 0.2, "2026Q3": 0.6}, "b": {"2026Q1": 0.8, "2026Q3": 0.4}}, quarters("2026-01", 3)
    )
    assert table["period"].tolist() == ["2026Q1", "2026Q1", "2026Q2", "2026Q2", "2026Q3", "2026Q3"]
    # Jan 1 -> Jul 1 is 181 days; Apr 1 is 90 days in.
    assert table["share"].iloc[2] == pytest.approx(0.2 + 0.4 * 90 / 181, abs=TOL)


def test_shares_off_by_rounding_are_accepted():
    table = mix_table({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3 + 5e-7}, months("2026-01", 1))
    assert table["share"].sum() == pytest.approx(1.0, abs=1e-6)


def test_points_in_different_months_are_rejected_naming_the_periods_and_sums():
    # The shares sum to 1 in January and April, but c reaches 0.3 in March while a still falls
    # until April: February sums to 0.5 + (0.5 - 0.3 * 31/90) + 0.3 * 31/59 and March to
    # 0.5 + (0.5 - 0.3 * 59/90) + 0.3.
    shares = {"a": {"2026-01": 0.5, "2026-04": 0.2}, "b": 0.5, "c": {"2026-01": 0.0, "2026-03": 0.3}}
    february = 0.5 + (0.5 - 0.3 * 31 / 90) + 0.3 * 31 / 59
    march = 0.5 + (0.5 - 0.3 * 59 / 90) + 0.3
    with pytest.raises(ValueError) as error:
        mix_table(shares, months("2026-01", 4))
    message = str(error.value)
    assert message.startswith(
        f"workload shares must sum to 1 in every period; they do not in 2026-02 (sum {february:.8g}), "
        f"2026-03 (sum {march:.8g}). "
    )
    assert "points in the same periods with shares summing to 1 at each" in message


def test_sum_error_names_the_period_and_its_sum():
    with pytest.raises(ValueError, match=re.escape("they do not in 2026-01 (sum 0.9), 2026-02 (sum 0.9).")):
        mix_table({"a": 0.5, "b": 0.4}, months("2026-01", 2))


def test_sum_error_lists_a_few_periods_then_counts_the_rest():
    with pytest.raises(ValueError) as error:
        mix_table({"a": 0.5, "b": 0.6}, months("2026-01", 12))
    message = str(error.value)
    assert (
        "2026-01 (sum 1.1), 2026-02 (sum 1.1), 2026-03 (sum 1.1), 2026-04 (sum 1.1), 2026-05 (sum 1.1) and 7 more."
        in message
    )
    assert "2026-06" not in message


def test_a_sum_just_beyond_the_tolerance_is_rejected():
    with pytest.raises(ValueError, match=re.escape("2026-01 (sum 1.000002)")):
        mix_table({"a": 0.5, "b": 0.500002}, months("2026-01", 1))


def test_an_invalid_share_is_reported_with_its_workload():
    with pytest.raises(ValueError, match=r"workload 'agents': a share must be a fraction between 0 and 1 .*got 25"):
        mix_table({"chat": 0.75, "agents": 25}, months())


def test_an_empty_mix_is_rejected():
    with pytest.raises(ValueError, match="names no workload"):
        mix_table({}, months())


def test_mix_table_shares_match_share_values():
    shares = {"a": {"2026-01": 0.3, "2026-06": 0.7}, "b": {"2026-01": 0.7, "2026-06": 0.3}}
    table = mix_table(shares, months())
    assert np.array_equal(table["share"].to_numpy()[0::2], share_values(shares["a"], months()))
