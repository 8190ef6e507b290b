"""Unit economics used to compare systems side by side."""

from __future__ import annotations

import pytest

from fleets.economics import HOURS_PER_YEAR, Assumptions, cost_per_hour, request_tokens_per_s, usd_per_million_tokens
from tests.fleets.conftest import figure, make_system


def test_owned_unit_costs_its_capital_recovery_plus_power():
    """$10,000 over 4 years at 0%: $2,500 a year; 1 kW x 1.2 PUE at $65/MWh = $0.078 an hour."""
    system = make_system()
    hourly = cost_per_hour(system, Assumptions(discount_rate=0.0))
    assert hourly == pytest.approx(2_500 / HOURS_PER_YEAR + 0.078, rel=1e-12)


def test_rented_unit_costs_its_hourly_price():
    system = make_system(capex_usd=None, hourly_usd=figure(12.5))
    assert cost_per_hour(system) == 12.5


def test_request_rate_and_price_by_hand():
    """1,000 prompt tokens at 2,000/s (0.5 s) and 250 output at 500/s (0.5 s): 1,250 tokens a second."""
    rate = request_tokens_per_s(2_000.0, 500.0, 1_000.0, 250.0)
    assert rate == 1_250.0
    assert usd_per_million_tokens(4.5, rate) == pytest.approx(1.0)
